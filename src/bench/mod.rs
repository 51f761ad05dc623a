//! `bench`: times each op on representative shapes and fills the vendor report. One submodule
//! per op; [`bench_op`] is the one entry point the CLI uses.

mod fft;
mod fftconv;
mod gemm;

pub use fft::{bench_fft_case, fft_cases};
pub use fftconv::{bench_fftconv_case, fftconv_cases};
pub use gemm::{bench_gemm_case, gemm_cases};

use crate::error::{Error, Result};
use crate::gpu::Context;
use crate::ops::peaks::Peaks;
use crate::report::BenchResult;

/// Timing repetitions.
pub fn iters(quick: bool) -> usize {
    if quick {
        5
    } else {
        15
    }
}

/// Benchmarks every case of `op`. `progress(done, total, label)` is called before each case;
/// a case that fails to run is reported through `on_error` and skipped.
pub fn bench_op(
    ctx: &Context,
    peaks: &Peaks,
    op: &str,
    quick: bool,
    progress: &mut dyn FnMut(usize, usize, &str),
    on_error: &mut dyn FnMut(String),
) -> Result<Vec<BenchResult>> {
    let mut out = Vec::new();
    match op {
        "gemm" => {
            let cases = gemm_cases(ctx, quick);
            for (i, (desc, cfg)) in cases.iter().enumerate() {
                progress(i, cases.len(), &crate::report::shape_text(&crate::verify::gemm_shape_json(desc)));
                match bench_gemm_case(ctx, peaks, *desc, *cfg, quick) {
                    Ok(r) => out.push(r),
                    Err(e) => on_error(format!("gemm {desc:?}: {e}")),
                }
            }
        }
        "fft" => {
            let cases = fft_cases(ctx, quick);
            for (i, (desc, cfg)) in cases.iter().enumerate() {
                progress(i, cases.len(), &crate::report::shape_text(&crate::verify::fft_shape_json(desc)));
                match bench_fft_case(ctx, peaks, *desc, *cfg, quick) {
                    Ok(r) => out.push(r),
                    Err(e) => on_error(format!("fft {desc:?}: {e}")),
                }
            }
        }
        "fftconv" => {
            let cases = fftconv_cases(quick);
            let mut done: Vec<Option<f64>> = Vec::new();
            for (i, (desc, base)) in cases.iter().enumerate() {
                progress(i, cases.len(), &crate::report::shape_text(&crate::verify::fftconv_shape_json(desc)));
                match bench_fftconv_case(ctx, peaks, *desc, quick) {
                    Ok(mut r) => {
                        if let Some(b) = base.and_then(|b| done.get(b).copied().flatten()) {
                            let what = if desc.freq_keep.is_some() { "dense multipass" } else { "unfused pipeline" };
                            let ratio = format!("{:.2}x faster than the {what} (same run)", b / r.median_ms);
                            r.note = if r.note.is_empty() { ratio } else { format!("{}; {ratio}", r.note) };
                        }
                        done.push(Some(r.median_ms));
                        out.push(r);
                    }
                    Err(e) => {
                        done.push(None);
                        on_error(format!("fftconv {desc:?}: {e}"));
                    }
                }
            }
        }
        _ => return Err(Error::Unsupported(format!("unknown op `{op}`"))),
    }
    Ok(out)
}
