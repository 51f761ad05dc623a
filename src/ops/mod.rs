//! The ops, one folder each (`ops/<op>/`: descriptor, plan and record in `mod.rs`, then
//! `config.rs`, `tune.rs`, `reference.rs`, `verify.rs`, `bench.rs`, `shaders.rs`), and the one
//! registry of them, [`ALL`], which `verify`, `bench`, `tune`, the CLI and the web demo iterate.
//! Adding an op means adding a folder and one line to [`ALL`].

pub mod attention;
pub mod fft;
pub mod fftconv;
pub mod gemm;
pub mod sparse_gemm;

use crate::error::{Error, Result};
use crate::harness::verify::{Check, Tier};
pub use crate::harness::Op;
use crate::runtime::pipelines::Shader;
use crate::runtime::Context;

/// Every op, in report order.
pub const ALL: &[&dyn Op] = &[
    &gemm::GemmOp,
    &fft::FftOp,
    &fftconv::FftConvOp,
    &attention::AttentionOp,
    &sparse_gemm::SparseGemmOp,
];

/// Every op's name, in report order.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|op| op.name()).collect()
}

/// The op called `name`, or [`Error::Unsupported`] listing the known ones.
pub fn find(name: &str) -> Result<&'static dyn Op> {
    ALL.iter()
        .copied()
        .find(|op| op.name() == name)
        .ok_or_else(|| {
            Error::Unsupported(format!(
                "unknown op `{name}` (known: {})",
                names().join(", ")
            ))
        })
}

/// Every shader of every op, each once.
pub fn all_shaders() -> Vec<Shader> {
    let mut out: Vec<Shader> = Vec::new();
    for s in ALL.iter().flat_map(|op| op.shaders()) {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out.extend([
        crate::probe::FMA,
        crate::probe::COPY,
        crate::probe::COPY_WIDE,
    ]);
    out
}

/// Runs every check of the op `name` at `tier`; `progress` is called after each check.
/// (Blocking; the browser uses [`verify_op_async`].)
#[cfg(not(target_arch = "wasm32"))]
pub fn verify_op(
    ctx: &Context,
    name: &str,
    tier: Tier,
    progress: &mut dyn FnMut(&Check),
) -> Result<Vec<Check>> {
    pollster::block_on(verify_op_async(ctx, name, tier, progress))
}

/// [`verify_op`] without blocking, for the browser (the web demo runs it for every op).
pub async fn verify_op_async(
    ctx: &Context,
    name: &str,
    tier: Tier,
    progress: &mut dyn FnMut(&Check),
) -> Result<Vec<Check>> {
    Ok(find(name)?.verify(ctx, tier, progress).await)
}

/// Benchmarks every case of the op `name` (see [`Op::bench`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn bench_op(
    ctx: &Context,
    peaks: &crate::probe::Peaks,
    name: &str,
    quick: bool,
    progress: &mut dyn FnMut(usize, usize, &str),
    on_result: &mut dyn FnMut(&crate::report::BenchResult),
    on_error: &mut dyn FnMut(String),
) -> Result<Vec<crate::report::BenchResult>> {
    Ok(find(name)?.bench(ctx, peaks, quick, progress, on_result, on_error))
}

/// The buckets `wgkernels tune NAME` measures (the op's bench shapes that use the dispatcher's
/// choice).
#[cfg(not(target_arch = "wasm32"))]
pub fn tune_jobs(ctx: &Context, name: &str, quick: bool) -> Result<Vec<crate::tune::TuneJob>> {
    Ok(find(name)?.tune_jobs(ctx, quick))
}
