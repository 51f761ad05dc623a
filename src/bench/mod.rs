//! `bench`: times each op on representative shapes and fills the vendor report. One submodule
//! per op; [`bench_op`] is the one entry point the CLI uses.

mod attention;
mod gemm;

pub use attention::{
    annotate_ratios, attention_bench_cases, bench_attention_case, bench_interleaved, case_mask, density_pattern, target_desc, AttnBenchCase,
    AttnBenchKind,
};
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
        "attention" => {
            let cases = attention_bench_cases(ctx, quick);
            // The dense kernel and the density sweep at the target shape, interleaved.
            let (sweep, rest): (Vec<AttnBenchCase>, Vec<AttnBenchCase>) = cases.into_iter().partition(|c| {
                c.desc == target_desc() && matches!(c.kind, AttnBenchKind::Dense | AttnBenchKind::Density { .. })
            });
            progress(0, rest.len() + 1, "dense and density sweep (interleaved)");
            match bench_interleaved(ctx, peaks, &sweep, quick) {
                Ok(r) => out.extend(r),
                Err(e) => on_error(format!("attention density sweep: {e}")),
            }
            let cases = rest;
            for (i, case) in cases.iter().enumerate() {
                let label = format!("{:?} {}", case.kind, crate::report::shape_text(&crate::verify::attention_shape_json(&crate::verify::AttnCase::dense(case.desc))));
                progress(i, cases.len(), &label);
                match bench_attention_case(ctx, peaks, case, quick) {
                    Ok(r) => out.push(r),
                    Err(e) => on_error(format!("attention {label}: {e}")),
                }
            }
            annotate_ratios(&mut out);
        }
        _ => return Err(Error::Unsupported(format!("unknown op `{op}`"))),
    }
    Ok(out)
}
