//! `bench`: times each op on representative shapes and fills the vendor report. One submodule
//! per op; [`bench_op`] is the one entry point the CLI uses.

mod attention;
mod fft;
mod fftconv;
mod gemm;
mod sparse_gemm;

pub use attention::{
    annotate_ratios, attention_bench_cases, bench_attention_case, bench_interleaved, case_mask,
    density_pattern, target_desc, AttnBenchCase, AttnBenchKind,
};
pub use fft::{bench_fft_case, fft_cases};
pub use fftconv::{bench_fftconv_case, fftconv_cases};
pub use gemm::{bench_gemm_case, gemm_cases};
pub use sparse_gemm::{bench_sparse_case, bench_sparse_with_dense, sparse_cases, SparseCase};

use crate::error::{Error, Result};
use crate::gpu::{time_gpu, Context, Timing};
use crate::ops::peaks::Peaks;
use crate::report::BenchResult;

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

/// Times several cases in alternating rounds (one timed run of each per round, by `record`), so
/// that a change in machine load slows all of them alike and the ratios between them hold on a
/// shared machine. Each case first gets the untimed runs of [`time_case`]; the round count
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
    let mut source = crate::gpu::TimingSource::Gpu;
    for _ in 0..rounds(quick, total_ms) {
        for (case, s) in cases.iter().zip(&mut samples) {
            let t = time_gpu(ctx, 0, 1, &|pass| record(case, pass))?;
            source = t.source;
            s.extend(t.samples_ms);
        }
    }
    Ok(samples
        .into_iter()
        .map(|s| Timing {
            median_ms: crate::gpu::median(&s),
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
pub(crate) trait PreparedCase {
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
fn prebuild<C: Sync>(ctx: &Context, cases: &[C], build: impl Fn(&C) + Sync) {
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
fn config_for<T: crate::tune::TuneOp>(
    ctx: &Context,
    desc: &T::Desc,
    explicit: Option<T::Config>,
) -> T::Config {
    explicit
        .or_else(|| crate::tune::lookup::<T>(ctx, desc))
        .unwrap_or_else(|| T::default_config(ctx.caps(), &ctx.limits(), desc))
}

/// Benchmarks every case of `op`. `progress(done, total, label)` is called before each case,
/// `on_result` with each row as soon as it is measured (rows annotated later, such as the
/// attention density ratios, are final only in the returned list); a case that fails to run is
/// reported through `on_error` and skipped.
pub fn bench_op(
    ctx: &Context,
    peaks: &Peaks,
    op: &str,
    quick: bool,
    progress: &mut dyn FnMut(usize, usize, &str),
    on_result: &mut dyn FnMut(&BenchResult),
    on_error: &mut dyn FnMut(String),
) -> Result<Vec<BenchResult>> {
    let mut out = Vec::new();
    // Announces the rows a case added since `from`.
    let mut emit =
        |out: &Vec<BenchResult>, from: usize| out[from..].iter().for_each(&mut *on_result);
    match op {
        "gemm" => {
            let cases = gemm_cases(ctx, quick);
            prebuild(ctx, &cases, |(d, c)| {
                let cfg = config_for::<crate::tune::GemmTune>(ctx, d, *c);
                let _ = crate::GemmPlan::new(ctx, *d, Some(cfg));
            });
            for (i, (desc, cfg)) in cases.iter().enumerate() {
                progress(
                    i,
                    cases.len(),
                    &crate::report::shape_text(&crate::verify::gemm_shape_json(desc)),
                );
                match bench_gemm_case(ctx, peaks, *desc, *cfg, quick) {
                    Ok(r) => {
                        out.push(r);
                        emit(&out, out.len() - 1);
                    }
                    Err(e) => on_error(format!("gemm {desc:?}: {e}")),
                }
            }
        }
        "attention" => {
            let cases = attention_bench_cases(ctx, quick);
            // The dense kernel and the density sweep at the target shape, interleaved.
            let (sweep, rest): (Vec<AttnBenchCase>, Vec<AttnBenchCase>) =
                cases.into_iter().partition(|c| {
                    c.desc == target_desc()
                        && matches!(c.kind, AttnBenchKind::Dense | AttnBenchKind::Density { .. })
                });
            progress(0, rest.len() + 1, "dense and density sweep (interleaved)");
            match bench_interleaved(ctx, peaks, &sweep, quick) {
                Ok(r) => {
                    out.extend(r);
                    emit(&out, 0);
                }
                Err(e) => on_error(format!("attention density sweep: {e}")),
            }
            let cases = rest;
            for (i, case) in cases.iter().enumerate() {
                let label = format!(
                    "{:?} {}",
                    case.kind,
                    crate::report::shape_text(&crate::verify::attention_shape_json(
                        &crate::verify::AttnCase::dense(case.desc)
                    ))
                );
                progress(i, cases.len(), &label);
                match bench_attention_case(ctx, peaks, case, quick) {
                    Ok(r) => {
                        out.push(r);
                        emit(&out, out.len() - 1);
                    }
                    Err(e) => on_error(format!("attention {label}: {e}")),
                }
            }
            annotate_ratios(&mut out);
        }
        "fft" => {
            let cases = fft_cases(ctx, quick);
            prebuild(ctx, &cases, |(d, c)| {
                let cfg = config_for::<crate::tune::FftTune>(ctx, d, *c);
                let _ = crate::FftPlan::new(ctx, *d, Some(cfg));
            });
            for (i, (desc, cfg)) in cases.iter().enumerate() {
                progress(
                    i,
                    cases.len(),
                    &crate::report::shape_text(&crate::verify::fft_shape_json(desc)),
                );
                match bench_fft_case(ctx, peaks, *desc, *cfg, quick) {
                    Ok(r) => {
                        out.push(r);
                        emit(&out, out.len() - 1);
                    }
                    Err(e) => on_error(format!("fft {desc:?}: {e}")),
                }
            }
        }
        "fftconv" => {
            let cases = fftconv_cases(quick);
            prebuild(ctx, &cases, |(d, _)| {
                let cfg = config_for::<crate::tune::FftConvTune>(ctx, d, None);
                let _ = crate::FftConvPlan::new(ctx, *d, Some(cfg));
            });
            let mut done: Vec<Option<f64>> = Vec::new();
            for (i, (desc, base)) in cases.iter().enumerate() {
                progress(
                    i,
                    cases.len(),
                    &crate::report::shape_text(&crate::verify::fftconv_shape_json(desc)),
                );
                match bench_fftconv_case(ctx, peaks, *desc, quick) {
                    Ok(mut r) => {
                        if let Some(b) = base.and_then(|b| done.get(b).copied().flatten()) {
                            let what = if desc.freq_keep.is_some() {
                                "dense multipass"
                            } else {
                                "unfused pipeline"
                            };
                            let ratio = format!(
                                "{:.2}x faster than the {what} (same run)",
                                b / r.median_ms
                            );
                            r.note = if r.note.is_empty() {
                                ratio
                            } else {
                                format!("{}; {ratio}", r.note)
                            };
                        }
                        done.push(Some(r.median_ms));
                        out.push(r);
                        emit(&out, out.len() - 1);
                    }
                    Err(e) => {
                        done.push(None);
                        on_error(format!("fftconv {desc:?}: {e}"));
                    }
                }
            }
        }
        "sparse_gemm" => {
            let cases = sparse_cases(ctx, quick);
            for (i, (desc, cfgs)) in cases.iter().enumerate() {
                progress(
                    i,
                    cases.len(),
                    &crate::report::shape_text(&crate::verify::sparse_shape_json(desc)),
                );
                let from = out.len();
                out.extend(bench_sparse_with_dense(
                    ctx, peaks, *desc, cfgs, quick, on_error,
                ));
                emit(&out, from);
            }
        }
        _ => return Err(Error::Unsupported(format!("unknown op `{op}`"))),
    }
    Ok(out)
}
