//! `bench`: times each op on representative shapes and fills the vendor report. One submodule
//! per op; [`bench_op`] is the one entry point the CLI uses.

mod gemm;
mod sparse_gemm;

pub use gemm::{bench_gemm_case, gemm_cases};
pub use sparse_gemm::{bench_sparse_case, bench_sparse_with_dense, sparse_cases, SparseCase};

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
        "sparse_gemm" => {
            let cases = sparse_cases(ctx, quick);
            for (i, (desc, cfgs)) in cases.iter().enumerate() {
                progress(i, cases.len(), &crate::report::shape_text(&crate::verify::sparse_shape_json(desc)));
                out.extend(bench_sparse_with_dense(ctx, peaks, *desc, cfgs, quick, on_error));
            }
        }
        _ => return Err(Error::Unsupported(format!("unknown op `{op}`"))),
    }
    Ok(out)
}
