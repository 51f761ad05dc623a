//! # wgkernels
//!
//! Cross-vendor GPU compute kernels in Rust + WGSL on [`wgpu`] (Vulkan, Metal, DX12, GL and the
//! browser's WebGPU), five ops:
//!
//! - [`gemm`]: dense GEMM, any shape, transposes, batches, f32 / f16 storage;
//! - [`fft`]: batched complex FFT of any length (Stockham, Bluestein, Monarch matrix FFT on
//!   cooperative matrices), and the real FFT ([`RfftPlan`]);
//! - [`FftConvPlan`]: long FFT convolutions (causal or circular, gates, fused / partial /
//!   multi-pass, frequency-sparse);
//! - [`attention`]: block-sparse flash attention with diagonal, multi-diagonal and
//!   vertical-stripe masks ([`MaskBuilder`]) and the Sparse-vDiT pattern search;
//! - [`sparse_gemm`]: N:M structured-sparse GEMM (2:4 and any N < M ≤ 16).
//!
//! A dispatcher picks the variant (cooperative matrix, subgroup, plain tiled) and tile sizes per
//! adapter, can measure and remember them ([`Tuner`]), and every kernel has an f64 CPU reference
//! that `verify` and the tests compare with. The layout of the crate is in ARCHITECTURE.md; one
//! folder per op under `ops/`, listed in [`ops::ALL`].
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

pub mod dtype;
pub mod error;
pub mod harness;
#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
pub mod npy;
pub mod ops;
pub mod probe;
pub mod report;
pub mod runtime;
pub mod tune;

pub use dtype::{DType, Element};
pub use error::{Error, Result};
pub use harness::verify::{Check, Tier};
pub use ops::attention::config::{AttentionConfig, AttentionKernel, AttentionVariant};
pub use ops::attention::{
    attention, search_patterns, AttentionDesc, AttentionPlan, BiasTensor, BlockMask, GrowingMask,
    MaskBuilder, PagedKv, Pattern, ScoreMods, SearchOptions, SearchPlan, T5Bias,
};
pub use ops::fft::config::{FftAlgo, FftConfig, FftVariant, MonarchGemm};
pub use ops::fft::filter::{DctLowpassDesc, DctLowpassPlan, FilterConfig, FilterDesc, FilterPlan};
pub use ops::fft::nd::{
    ColumnPass, FftNdDesc, FftNdPlan, NdBound, NdConfig, NdTransform, Norm, TransposeKernel,
};
pub use ops::fft::r2r::{R2rDesc, R2rKind, R2rPlan};
pub use ops::fft::rfft::{RfftDesc, RfftPlan};
pub use ops::fft::{fft, FftDesc, FftPlan};
pub use ops::fftconv::{ConvGeometry, FftConvDesc, FftConvPath, FftConvPlan, KernelSpectrum};
pub use ops::gemm::config::{GemmConfig, GemmVariant};
pub use ops::gemm::epilogue::EpiloguePlan;
pub use ops::gemm::{gemm, Activation, GemmDesc, GemmPlan};
pub use ops::sparse_gemm::config::{SparseConfig, SparseVariant};
pub use ops::sparse_gemm::{
    sparse_gemm, NmMatrix, NmPattern, SparseForm, SparseGemmDesc, SparseGemmPlan,
};
pub use ops::Op;
pub use runtime::{read_buffer, time_gpu_async, Capabilities, Context};
pub use tune::{ConfigSource, TuneMode, Tuner};
