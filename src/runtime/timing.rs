//! Kernel timing: GPU timestamp queries where the device has them (ticks × the queue's
//! timestamp period), wall clock around a submit-and-wait otherwise.

#[cfg(not(target_arch = "wasm32"))]
use super::Context;
#[cfg(not(target_arch = "wasm32"))]
use crate::error::Result;
use serde::Serialize;

/// How a [`Timing`] was measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimingSource {
    /// Begin/end-of-pass timestamp queries.
    Gpu,
    /// Host wall clock around submit + wait (includes submission overhead).
    Wall,
}

/// Measured run times of one recorded workload.
#[derive(Clone, Debug, Serialize)]
pub struct Timing {
    /// Median over the timed iterations, in milliseconds.
    pub median_ms: f64,
    /// Every timed iteration, in milliseconds.
    pub samples_ms: Vec<f64>,
    /// Timestamp queries or wall clock.
    pub source: TimingSource,
}

/// Median of a sample (0 for an empty one).
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

/// Runs `record` `warmup` times untimed, then `iters` times timed, each time in its own compute
/// pass, and returns the median. `record` must only record dispatches into the pass.
///
/// The blocking form of [`super::time_gpu_async`], which holds the one implementation (natively
/// its waits block anyway, so driving it to completion here costs nothing).
#[cfg(not(target_arch = "wasm32"))]
pub fn time_gpu(
    ctx: &Context,
    warmup: usize,
    iters: usize,
    record: &dyn Fn(&mut wgpu::ComputePass<'_>),
) -> Result<Timing> {
    pollster::block_on(super::time_gpu_async(ctx, warmup, iters, record))
}
