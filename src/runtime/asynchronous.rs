//! The non-blocking paths a browser needs: a page has one thread and must never block it on the
//! GPU, so waiting for submitted work, catching GPU errors and timing kernels all have `async`
//! forms here. They run natively too (waiting then polls the device), so the web demo and native
//! code share one implementation of each; the blocking forms ([`Context::scoped`],
//! [`super::time_gpu`]) stay as they are for native callers.

use super::{median, read_buffer, Context, Instant, Timing, TimingSource};
use crate::error::{Error, Result};
use std::future::Future;

impl Context {
    /// Waits for all submitted work to finish without blocking the thread in the browser (the
    /// queue's work-done promise resolves a future); natively this is [`Context::wait`].
    pub async fn wait_async(&self) -> Result<()> {
        #[cfg(target_arch = "wasm32")]
        {
            let (tx, rx) = futures::channel::oneshot::channel();
            self.queue.on_submitted_work_done(move || {
                let _ = tx.send(());
            });
            rx.await
                .map_err(|_| Error::Gpu("the queue dropped its work-done callback".into()))?;
            self.check_alive()
        }
        #[cfg(not(target_arch = "wasm32"))]
        self.wait()
    }

    /// Runs `work` inside validation and out-of-memory error scopes and returns what they caught
    /// as [`Error::Gpu`] (a GPU error wins over `work`'s own result, since it is the cause).
    ///
    /// Why: in the browser [`Context::scoped`] cannot wait for its scopes, so a shader the
    /// browser rejects or an invalid dispatch would only reach the uncaptured-error handler.
    /// Awaiting the scopes around a whole async operation (plan, upload, dispatch, readback)
    /// attributes those errors to the operation. Natively the inner `scoped` calls catch errors
    /// first and this adds nothing.
    pub async fn capture_errors<T>(&self, work: impl Future<Output = Result<T>>) -> Result<T> {
        self.check_alive()?;
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let val = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let out = work.await;
        let v = val.pop().await;
        let o = oom.pop().await;
        if let Some(e) = v.or(o) {
            return Err(Error::Gpu(e.to_string()));
        }
        self.check_alive()?;
        out
    }
}

/// Kernel timing without blocking (the one implementation; [`super::time_gpu`] blocks on it):
/// runs `record` `warmup` times untimed, then `iters`
/// times timed, each in its own compute pass, and returns the median. Timestamp queries where
/// the device has them (browsers quantise them, typically to 100 µs, and a sample of zero falls
/// back to the wall clock), else the wall clock around submit + wait (`performance.now()` in
/// the browser, itself coarsened).
pub async fn time_gpu_async(
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
    ctx.wait_async().await?;
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
        let t0 = Instant::now();
        for i in 0..iters {
            let mut enc = run(Some((&qs, i as u32)));
            if i + 1 == iters {
                enc.resolve_query_set(&qs, 0..2 * iters as u32, &resolved, 0);
            }
            ctx.queue.submit([enc.finish()]);
        }
        let ticks: Vec<u32> = read_buffer(ctx, &resolved, 4 * iters).await?;
        let wall_ms = t0.elapsed().as_secs_f64() * 1e3;
        let period = ctx.queue.get_timestamp_period() as f64;
        let samples: Vec<f64> = (0..iters)
            .map(|i| {
                let t = |j: usize| ticks[2 * j] as u64 | (ticks[2 * j + 1] as u64) << 32;
                t(2 * i + 1).saturating_sub(t(2 * i)) as f64 * period * 1e-6
            })
            .collect();
        // A zero span means the device returned no usable timestamps: fall back to wall clock.
        if samples.iter().all(|&s| s > 0.0) && spans_cover_work(&samples, wall_ms) {
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
        ctx.wait_async().await?;
        samples.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    Ok(Timing {
        median_ms: median(&samples),
        samples_ms: samples,
        source: TimingSource::Wall,
    })
}

/// Whether timestamp spans account for the runs they time, given the wall time of the same
/// runs (submitted back to back, then one wait). Not always so: on lavapipe 22.3, in a process
/// that had also built texture pipelines, a kernel copying 64 MiB between two storage buffers
/// took ~19 ms of wall clock per run while its pass spanned ~0.1 ms (`examples/tex_probe`,
/// 2026-12-06); our own kernels' spans matched. Spans adding up to under half the wall time
/// are rejected, unless that time is under 5 ms, where submission and readback could explain
/// the difference.
fn spans_cover_work(spans_ms: &[f64], wall_ms: f64) -> bool {
    spans_ms.iter().sum::<f64>() >= 0.5 * wall_ms || wall_ms < 5.0
}

#[cfg(test)]
mod tests {
    use super::spans_cover_work;

    #[test]
    fn spans_that_miss_the_work_are_rejected() {
        // lavapipe's case: three runs of ~19 ms with spans of ~0.1 ms.
        assert!(!spans_cover_work(&[0.14, 0.13, 0.15], 58.0));
        // Spans that account for the runs, with overhead on top.
        assert!(spans_cover_work(&[19.0, 19.8, 19.2], 60.5));
        // Short runs: overhead may dominate the wall time, the spans stand.
        assert!(spans_cover_work(&[0.05, 0.05, 0.05], 3.0));
    }
}
