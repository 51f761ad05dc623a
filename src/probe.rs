//! Measured peaks of the device: FMA throughput (f32, and f16 where present) and the bandwidth
//! of a compute-shader copy and of `copy_buffer_to_buffer`. They are the denominators of every
//! efficiency figure in the report (the roofs of [`crate::report::roofline`]), measured rather
//! than taken from a datasheet. A peak is the fastest of its timed runs, not the median: other
//! work on the machine only ever slows a run down (on a CPU adapter sharing its cores, the
//! median of a busy moment was half the FMA rate a GEMM then reached), and a roof must not sit
//! below what a kernel attains.

use crate::dtype::DType;
use crate::error::Result;
use crate::runtime::pipelines::Spec;
use crate::runtime::pipelines::{Helper, Shader};
use crate::runtime::{time_gpu_async, Context, Instant};
use serde::Serialize;

/// FMA-throughput probe.
pub const FMA: Shader = Shader {
    name: "PeakFma",
    body: include_str!("../shaders/probe/fma.wgsl"),
    includes: &[],
    params: None,
    coop: false,
    subgroups: false,
    int64: false,
};

/// Copy-bandwidth probe, in 16-byte `vec4<f32>` words.
pub const COPY: Shader = Shader {
    name: "PeakCopy",
    body: include_str!("../shaders/probe/copy.wgsl"),
    includes: &[Helper {
        name: "copy_word_vec4",
        text: "alias CopyWord = vec4<f32>;",
    }],
    ..FMA
};

/// [`COPY`] in `vec2<u64>` words, for devices with 64-bit integers. Why: Mesa's gallivm
/// (lavapipe) turns each storage access into a loop over the lanes with one trip per component,
/// so the same 16 bytes cost four trips as `vec4<f32>` and two as `vec2<u64>`: on lavapipe 22.3
/// this copy ran 1.2–1.3× faster than [`COPY`] (docs/kernel-notes.md, stop 38), and a roof must not
/// sit below what a kernel attains (the subgroup FFT kernels move 64-bit words there too).
pub const COPY_WIDE: Shader = Shader {
    name: "PeakCopyWide",
    includes: &[Helper {
        name: "copy_word_u64",
        text: "alias CopyWord = vec2<u64>;",
    }],
    int64: true,
    ..COPY
};

/// Measured peaks.
#[derive(Clone, Copy, Debug, Serialize, serde::Deserialize)]
pub struct Peaks {
    /// f32 FMA throughput, GFLOP/s (an FMA counts 2).
    pub fma_f32_gflops: f64,
    /// f16 FMA throughput, GFLOP/s, where the device has f16.
    pub fma_f16_gflops: Option<f64>,
    /// Compute-shader copy, GB/s counting read + write: the faster of [`COPY`] and, where the
    /// device has 64-bit integers, [`COPY_WIDE`].
    pub copy_gbps: f64,
    /// `copy_buffer_to_buffer`, GB/s counting read + write (wall clock).
    pub copy_buffer_gbps: f64,
}

/// Measures the peaks; `quick` uses fewer repetitions. (Native only: it blocks on
/// [`measure_peaks_async`], which holds the one implementation.)
#[cfg(not(target_arch = "wasm32"))]
pub fn measure_peaks(ctx: &Context, quick: bool) -> Result<Peaks> {
    pollster::block_on(measure_peaks_async(ctx, quick))
}

/// [`measure_peaks`] without blocking: the same kernels, launch sizes and rules, awaiting the
/// GPU instead of waiting on it, so a browser page can measure the roofs of its own report.
pub async fn measure_peaks_async(ctx: &Context, quick: bool) -> Result<Peaks> {
    // Cheap (each run ≥ 20 ms of FMA, 64 MiB of copy): enough runs that the fastest is one the
    // machine left alone, even in quick mode.
    let iters = if quick { 9 } else { 15 };
    let fma_f32_gflops = fma(ctx, DType::F32, iters).await?;
    let fma_f16_gflops = if ctx.caps().f16 {
        Some(fma(ctx, DType::F16, iters).await?)
    } else {
        None
    };
    let (copy_gbps, copy_buffer_gbps) = copy(ctx, iters).await?;
    Ok(Peaks {
        fma_f32_gflops,
        fma_f16_gflops,
        copy_gbps,
        copy_buffer_gbps,
    })
}

async fn fma(ctx: &Context, dtype: DType, iters: usize) -> Result<f64> {
    const STEPS: u32 = 1024;
    let pipeline = ctx.pipeline(FMA, Spec::new(dtype), "main", &[("ITERS", STEPS as f64)])?;
    let out = ctx.storage("fma out", 256 * 16 * 64)?;
    let bg = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("fma"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[wgpu::BindGroupEntry {
            binding: 0,
            resource: out.as_entire_binding(),
        }],
    });
    // Grow the launch until one run takes >= 20 ms, so launch overhead does not count.
    let mut groups: u32 = 32;
    loop {
        let t = time_gpu_async(ctx, 1, iters, &|pass| {
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bg, &[]);
            pass.dispatch_workgroups(groups, 1, 1);
        })
        .await?;
        let flops = groups as f64 * 256.0 * STEPS as f64 * 8.0 * 4.0 * 2.0;
        if t.median_ms >= 20.0 || groups >= 65535 {
            return Ok(flops / (fastest(&t) * 1e-3) / 1e9);
        }
        let scale = (25.0 / t.median_ms.max(1e-3)).clamp(2.0, 64.0);
        groups = ((groups as f64 * scale) as u32).min(65535);
    }
}

async fn copy(ctx: &Context, iters: usize) -> Result<(f64, f64)> {
    let limit = ctx.limits().max_storage_buffer_binding_size;
    let bytes = (64u64 << 20).min(limit & !255);
    let src = ctx.storage("copy src", bytes)?;
    let dst = ctx.storage("copy dst", bytes)?;
    let mut kernel = copy_kernel(ctx, COPY, &src, &dst, bytes, iters).await?;
    if ctx.caps().int64 {
        kernel = kernel.max(copy_kernel(ctx, COPY_WIDE, &src, &dst, bytes, iters).await?);
    }
    let mut samples = Vec::new();
    for _ in 0..iters {
        let t0 = Instant::now();
        let mut enc = ctx.device.create_command_encoder(&Default::default());
        enc.copy_buffer_to_buffer(&src, 0, &dst, 0, bytes);
        ctx.queue.submit([enc.finish()]);
        ctx.wait_async().await?;
        samples.push(t0.elapsed().as_secs_f64());
    }
    let builtin = 2.0 * bytes as f64 / samples.iter().copied().fold(f64::MAX, f64::min) / 1e9;
    Ok((kernel, builtin))
}

/// GB/s of the copy `shader` from `src` to `dst` (`bytes` each), its fastest timed run.
async fn copy_kernel(
    ctx: &Context,
    shader: Shader,
    src: &wgpu::Buffer,
    dst: &wgpu::Buffer,
    bytes: u64,
    iters: usize,
) -> Result<f64> {
    let pipeline = ctx.pipeline(shader, Spec::new(DType::F32), "main", &[])?;
    let bg = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("copy"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: src.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: dst.as_entire_binding(),
            },
        ],
    });
    let groups = (bytes / 16 / 256).clamp(1, 4096) as u32;
    let t = time_gpu_async(ctx, 1, iters, &|pass| {
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bg, &[]);
        pass.dispatch_workgroups(groups, 1, 1);
    })
    .await?;
    Ok(2.0 * bytes as f64 / (fastest(&t) * 1e-3) / 1e9)
}

/// The fastest timed run, ms (the median where there are no samples).
fn fastest(t: &crate::runtime::Timing) -> f64 {
    t.samples_ms
        .iter()
        .copied()
        .reduce(f64::min)
        .unwrap_or(t.median_ms)
}
