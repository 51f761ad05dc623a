//! Kernel timing: GPU timestamp queries where the device has them (ticks × the queue's
//! timestamp period), wall clock around a submit-and-wait otherwise.

#[cfg(not(target_arch = "wasm32"))]
use super::{read_buffer, Context};
#[cfg(not(target_arch = "wasm32"))]
use crate::error::Result;
use serde::Serialize;
#[cfg(not(target_arch = "wasm32"))]
use std::time::Instant;

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
/// (Blocking; the browser uses [`super::time_gpu_async`].)
#[cfg(not(target_arch = "wasm32"))]
pub fn time_gpu(
    ctx: &Context,
    warmup: usize,
    iters: usize,
    record: &dyn Fn(&mut wgpu::ComputePass<'_>),
) -> Result<Timing> {
    let iters = iters.max(1);
    let run = |timestamps: Option<(&wgpu::QuerySet, u32)>| {
        let mut enc = ctx.device.create_command_encoder(&Default::default());
        {
            let writes = timestamps.map(|(qs, i)| wgpu::ComputePassTimestampWrites {
                query_set: qs,
                beginning_of_pass_write_index: Some(2 * i),
                end_of_pass_write_index: Some(2 * i + 1),
            });
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("timed"),
                timestamp_writes: writes,
            });
            record(&mut pass);
        }
        enc
    };
    for _ in 0..warmup {
        ctx.queue.submit([run(None).finish()]);
    }
    ctx.wait()?;
    if ctx.caps().timestamps {
        let qs = ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("timing"),
            ty: wgpu::QueryType::Timestamp,
            count: 2 * iters as u32,
        });
        let resolved = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("timestamps"),
            size: 16 * iters as u64,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        for i in 0..iters {
            let mut enc = run(Some((&qs, i as u32)));
            if i + 1 == iters {
                enc.resolve_query_set(&qs, 0..2 * iters as u32, &resolved, 0);
            }
            ctx.queue.submit([enc.finish()]);
        }
        let ticks: Vec<u32> = pollster_block(read_buffer(ctx, &resolved, 4 * iters))?;
        let period = ctx.queue.get_timestamp_period() as f64;
        let samples: Vec<f64> = (0..iters)
            .map(|i| {
                let t = |j: usize| ticks[2 * j] as u64 | (ticks[2 * j + 1] as u64) << 32;
                t(2 * i + 1).saturating_sub(t(2 * i)) as f64 * period * 1e-6
            })
            .collect();
        // A zero span means the device returned no usable timestamps: fall back to wall clock.
        if samples.iter().all(|&s| s > 0.0) {
            return Ok(Timing {
                median_ms: median(&samples),
                samples_ms: samples,
                source: TimingSource::Gpu,
            });
        }
    }
    let mut samples = Vec::with_capacity(iters);
    for _ in 0..iters {
        let t0 = Instant::now();
        ctx.queue.submit([run(None).finish()]);
        ctx.wait()?;
        samples.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    Ok(Timing {
        median_ms: median(&samples),
        samples_ms: samples,
        source: TimingSource::Wall,
    })
}

#[cfg(not(target_arch = "wasm32"))]
fn pollster_block<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}
