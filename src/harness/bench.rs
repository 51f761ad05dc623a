//! What every op's benchmark shares: timing a case (alone or in alternating rounds),
//! building the cases' pipelines in parallel first, the configuration a timed case uses. Each
//! op's cases live in its folder (`ops/<op>/bench.rs`); `ops::bench_op` runs them by name.

use crate::error::Result;
use crate::probe::Peaks;
use crate::report::BenchResult;
use crate::runtime::{time_gpu, Context, Timing};

/// Timing repetitions: 3 in quick mode (the median of 3 still rejects one outlier; with 5 the
/// quick report took ≈ 78 s of two cores on lavapipe, over its one-minute budget), 15 otherwise.
pub fn iters(quick: bool) -> usize {
    if quick {
        3
    } else {
        15
    }
}

/// Times one bench case: one untimed run (compiles, warms caches, and sizes the rest), then
/// [`iters`] timed runs — fewer for long kernels, so a case costs about 1.5 s in quick mode and
/// 6 s otherwise, but never fewer than 3 (the median needs them). GPU timestamps where the
/// adapter has them, else wall clock ([`time_gpu`]).
pub fn time_case(
    ctx: &Context,
    quick: bool,
    record: &dyn Fn(&mut wgpu::ComputePass<'_>),
) -> Result<Timing> {
    let probe_ms = probe(ctx, record)?;
    time_gpu(
        ctx,
        usize::from(probe_ms < 50.0),
        rounds(quick, probe_ms),
        record,
    )
}

/// Times several cases in alternating rounds (one timed run of each per round, by `record`, the
/// first case rotating from round to round), so that a change in machine load slows all of them
/// alike and the ratios between them hold on a shared machine. Each case first gets the untimed runs of [`time_case`]; the round count
/// follows its budget, for the sum of the cases' first runs. (`time_case` keeps its own path:
/// on a GPU it submits all of its samples back to back, with one timestamp readback.)
pub fn time_rounds<C>(
    ctx: &Context,
    quick: bool,
    cases: &[C],
    record: impl Fn(&C, &mut wgpu::ComputePass<'_>),
) -> Result<Vec<Timing>> {
    let mut total_ms = 0.0;
    for case in cases {
        let probe_ms = probe(ctx, &|pass| record(case, pass))?;
        if probe_ms < 50.0 {
            probe(ctx, &|pass| record(case, pass))?;
        }
        total_ms += probe_ms;
    }
    let mut samples = vec![Vec::new(); cases.len()];
    let mut source = crate::runtime::TimingSource::Gpu;
    // Each round starts one case later, so that no case always runs first (after the others'
    // caches are cold) or last (after a warm-up by its neighbours).
    for round in 0..rounds(quick, total_ms) {
        for k in 0..cases.len() {
            let i = (round + k) % cases.len();
            let t = time_gpu(ctx, 0, 1, &|pass| record(&cases[i], pass))?;
            source = t.source;
            samples[i].extend(t.samples_ms);
        }
    }
    Ok(samples
        .into_iter()
        .map(|s| Timing {
            median_ms: crate::runtime::median(&s),
            samples_ms: s,
            source,
        })
        .collect())
}

/// Wall time of one untimed run (it also compiles and warms caches).
fn probe(ctx: &Context, record: &dyn Fn(&mut wgpu::ComputePass<'_>)) -> Result<f64> {
    let t0 = std::time::Instant::now();
    ctx.submit(|pass| record(pass))?;
    ctx.wait()?;
    Ok(t0.elapsed().as_secs_f64() * 1e3)
}

/// Timed runs for work whose first run took `probe_ms`: about 1.5 s (quick) or 6 s of it, at
/// least 3 and at most [`iters`].
fn rounds(quick: bool, probe_ms: f64) -> usize {
    let budget_ms = if quick { 1500.0 } else { 6000.0 };
    ((budget_ms / probe_ms.max(1e-3)) as usize).clamp(3, iters(quick))
}

/// A bench case with its pipeline built and its buffers bound: recorded as often as its timing
/// needs, then turned into a report row (which spot-checks the output against the reference).
pub trait PreparedCase {
    /// Records one run of the case into `pass`.
    fn record(&self, pass: &mut wgpu::ComputePass<'_>);
    /// The report row for timing `t`.
    fn finish(&self, ctx: &Context, peaks: &Peaks, t: &Timing) -> Result<BenchResult>;
}

/// Builds the plans of `cases` on every core before any is timed. Pipeline compilation is
/// single-threaded per pipeline on CPU adapters (up to ~10 s for one FFT-convolution kernel on
/// lavapipe, most of the quick report's time), so building concurrently shortens the report by
/// up to the core count; the timed pass then finds every pipeline in the context's cache. Build
/// errors are ignored here: the timed pass meets and reports them. Skipped in `Auto` tuning
/// mode, where a pick may start a tuning run, which must not share the machine, and on GL,
/// whose one context wgpu locks per call with a timeout (a long compile on one thread would
/// fail another's lock).
pub fn prebuild<C: Sync>(ctx: &Context, cases: &[C], build: impl Fn(&C) + Sync) {
    if ctx.tuner().mode() == crate::tune::TuneMode::Auto
        || ctx.adapter.get_info().backend == wgpu::Backend::Gl
    {
        return;
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(cases.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while let Some(c) =
                    cases.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    build(c);
                }
            });
        }
    });
}

/// The configuration a timed case will use, without counting a pick in the tuner's statistics
/// (the report prints those): the explicit one, else the cached winner, else the default.
pub fn config_for<T: crate::tune::TuneOp>(
    ctx: &Context,
    desc: &T::Desc,
    explicit: Option<T::Config>,
) -> T::Config {
    explicit
        .or_else(|| crate::tune::lookup::<T>(ctx, desc))
        .unwrap_or_else(|| T::default_config(ctx.caps(), &ctx.limits(), desc))
}

/// Benchmarks `cases` one after another, each giving one row: `progress` before each (with
/// `label`), the row to `on_result` as soon as it is measured, a failure to `on_error` (named
/// `op label`) and skipped.
#[allow(clippy::too_many_arguments)]
pub fn bench_each<C>(
    op: &str,
    cases: &[C],
    label: impl Fn(&C) -> String,
    mut run: impl FnMut(&C) -> Result<BenchResult>,
    progress: &mut dyn FnMut(usize, usize, &str),
    on_result: &mut dyn FnMut(&BenchResult),
    on_error: &mut dyn FnMut(String),
) -> Vec<BenchResult> {
    let mut out = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let label = label(case);
        progress(i, cases.len(), &label);
        match run(case) {
            Ok(r) => {
                on_result(&r);
                out.push(r);
            }
            Err(e) => on_error(format!("{op} {label}: {e}")),
        }
    }
    out
}
