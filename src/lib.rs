//! # wgkernels
//!
//! Cross-vendor GPU compute kernels in Rust + WGSL on [`wgpu`]: dense GEMM today (the substrate
//! of the matrix FFT and the structured-sparse GEMM), with a dispatcher that picks the variant
//! (cooperative matrix, subgroup, plain tiled) and tile sizes per adapter, and CPU references
//! for every kernel.
//!
//! Apps embed the kernels on their own device and buffers: wrap the device with
//! [`Context::from_parts`], plan an op once, bind your buffers, record into your own pass.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use wgkernels::{Context, GemmDesc, GemmPlan};
//! use wgpu::util::DeviceExt;
//!
//! // The application's own device.
//! let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
//! let adapter = pollster::block_on(instance.request_adapter(&Default::default()))?;
//! let (device, queue) =
//!     pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default()))?;
//!
//! // Its own buffers: A is 2×3, B is 3×2, C = A·B is 2×2.
//! let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
//! let init = |data: &[f32]| {
//!     device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
//!         label: None,
//!         contents: bytemuck::cast_slice(data),
//!         usage,
//!     })
//! };
//! let a = init(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
//! let b = init(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
//! let c = init(&[0.0; 4]);
//!
//! // Wrap it, plan the GEMM, run it on those buffers.
//! let ctx = Context::from_parts(adapter, device, queue);
//! let plan = GemmPlan::new(&ctx, GemmDesc::new(2, 2, 3), None)?;
//! let bound = plan.bind(&a, &b, &c)?;
//! ctx.submit(|pass| bound.record(pass))?;
//! let out: Vec<f32> = pollster::block_on(wgkernels::read_buffer(&ctx, &c, 4))?;
//! assert_eq!(out, vec![4.0, 5.0, 10.0, 11.0]);
//! # Ok(())
//! # }
//! ```

#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod dtype;
pub mod error;
pub mod gpu;
#[cfg(not(target_arch = "wasm32"))]
pub mod npy;
pub mod ops;
pub mod reference;
pub mod report;
pub mod shaders;
mod specialize;
pub mod tune;
pub mod verify;

pub use dtype::{DType, Element};
pub use error::{Error, Result};
pub use gpu::{read_buffer, time_gpu_async, Capabilities, Context};
pub use ops::attention::{
    attention, search_patterns, AttentionDesc, AttentionPlan, BlockMask, MaskBuilder, Pattern,
    SearchOptions, SearchPlan,
};
pub use ops::fft::{fft, FftDesc, FftPlan};
pub use ops::fftconv::{ConvGeometry, FftConvDesc, FftConvPath, FftConvPlan, KernelSpectrum};
pub use ops::gemm::{gemm, GemmDesc, GemmPlan};
pub use ops::rfft::{RfftDesc, RfftPlan};
pub use ops::sparse_gemm::{
    sparse_gemm, NmMatrix, NmPattern, SparseForm, SparseGemmDesc, SparseGemmPlan,
};
pub use tune::{AttentionConfig, AttentionVariant, FftConfig, FftVariant, GemmConfig, GemmVariant};
pub use tune::{ConfigSource, TuneMode, Tuner};
pub use tune::{SparseConfig, SparseVariant};
