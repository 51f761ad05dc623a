//! What every criterion bench of this crate shares, so that they all report the units of the
//! vendor report (`wgkernels bench`): compute-bound cases as GFLOP/s (criterion's "elements"
//! are floating-point operations, so `Gelem/s` reads GFLOP/s), memory-bound cases as GB/s
//! (decimal, [`Throughput::BytesDecimal`]) with the report's byte counts, and every iteration
//! timed on the GPU (timestamp queries where the adapter has them, wall clock around submit +
//! wait otherwise) through the same [`time_gpu`] the report uses.
// Each bench includes this file and uses a part of it.
#![allow(dead_code)]

use criterion::Throughput;
use std::time::Duration;
use wgkernels::runtime::time_gpu;
use wgkernels::Context;

/// Criterion's `iter_custom` body: `iters` runs of `record`, GPU-timed, summed.
pub fn gpu_time(
    ctx: &Context,
    iters: u64,
    record: &dyn Fn(&mut wgpu::ComputePass<'_>),
) -> Duration {
    let t = time_gpu(ctx, 0, iters as usize, record).expect("timing");
    Duration::from_secs_f64(t.samples_ms.iter().sum::<f64>() * 1e-3)
}

/// A compute-bound case: `flops` floating-point operations per run (shown as GFLOP/s).
pub fn flops(flops: f64) -> Throughput {
    Throughput::Elements(flops as u64)
}

/// A memory-bound case: `bytes` moved per run (shown as GB/s).
pub fn bytes(bytes: u64) -> Throughput {
    Throughput::BytesDecimal(bytes)
}
