//! The dispatcher: for each op, the candidate configurations valid on this adapter (features
//! and limits checked here, once), and the default pick per vendor / device type used when no
//! measured choice exists. Measured tuning and its persistent cache build on these lists.
//!
//! Tuning ([`engine`]) is generic: an op implements [`TuneOp`] (buckets, candidates, a small
//! check, a timed plan), its `<op>_pick` calls [`pick`], and [`tune_jobs`] lists its shapes
//! for `wgkernels tune`. The cache file format is in [`cache`].

mod attention;
pub mod cache;
pub mod engine;
mod fft;
mod fft_monarch;
mod gemm;
mod gemm_tune;
mod sparse_gemm;
mod sparse_gemm_tune;

use crate::gpu::Context;
use crate::ops::attention::AttentionDesc;
use crate::ops::gemm::GemmDesc;

pub use attention::{
    attention_blocks, attention_candidates, attention_default, attention_fold, attention_splits,
    AttentionConfig, AttentionVariant,
};
pub use cache::{CacheFile, CacheKey, CandidateRecord, CandidateStatus, TuneEntry};
pub use engine::{
    default_cache_dir, lookup, pick, CacheStatus, ConfigSource, Picked, TuneMode, TuneOp,
    TuneOptions, TuneStats, Tuner, CACHE_DIR_ENV, MODE_ENV,
};
#[cfg(not(target_arch = "wasm32"))]
pub use engine::{tune, Prepared};
pub use fft::{fft_candidates, fft_default, FftConfig, FftVariant};
pub(crate) use fft_monarch::MONARCH_TM;
pub use fft_monarch::{monarch_candidates, monarch_default};
pub use gemm::{gemm_candidates, gemm_default, GemmConfig, GemmVariant};
#[cfg(not(target_arch = "wasm32"))]
pub use gemm_tune::gemm_tune_shapes;
pub use gemm_tune::GemmTune;
pub use sparse_gemm::{sparse_gemm_candidates, sparse_gemm_default, SparseConfig, SparseVariant};
#[cfg(not(target_arch = "wasm32"))]
pub use sparse_gemm_tune::sparse_gemm_tune_shapes;
pub use sparse_gemm_tune::SparseTune;

/// Workgroup-storage bytes and invocations a configuration needs, checked against the limits.
pub(crate) fn fits_limits(
    limits: &wgpu::Limits,
    invocations: u32,
    wg_bytes: u64,
    wg_x: u32,
    wg_y: u32,
) -> bool {
    invocations <= limits.max_compute_invocations_per_workgroup
        && wg_x <= limits.max_compute_workgroup_size_x
        && wg_y <= limits.max_compute_workgroup_size_y
        && wg_bytes <= limits.max_compute_workgroup_storage_size as u64
}

/// The configuration a GEMM call uses when the caller names none: the measured winner for this
/// adapter and shape bucket where tuning has stored one, else [`gemm_default`] (see
/// [`TuneMode`] for when a call may tune).
pub fn gemm_pick(ctx: &Context, desc: &GemmDesc) -> GemmConfig {
    pick::<GemmTune>(ctx, desc).config
}

/// [`gemm_pick`] and where the configuration came from (cache, tuned, default).
pub fn gemm_pick_with_source(ctx: &Context, desc: &GemmDesc) -> Picked<GemmConfig> {
    pick::<GemmTune>(ctx, desc)
}

/// One shape bucket `wgkernels tune` measures.
#[cfg(not(target_arch = "wasm32"))]
pub struct TuneJob {
    /// Op name.
    pub op: &'static str,
    /// Bucket key.
    pub bucket: String,
    /// Candidates that will be timed.
    pub candidates: usize,
    /// Already in the cache (skipped unless forced).
    pub cached: bool,
    run: Box<TuneFn>,
}

/// What a [`TuneJob`] runs: `tune::<T>` on its problem.
#[cfg(not(target_arch = "wasm32"))]
type TuneFn =
    dyn Fn(&Context, &TuneOptions, &mut dyn FnMut(usize, usize, &str)) -> crate::Result<TuneEntry>;

#[cfg(not(target_arch = "wasm32"))]
impl TuneJob {
    /// Measures the bucket (or returns the cached entry unless `opts.force`).
    pub fn run(
        &self,
        ctx: &Context,
        opts: &TuneOptions,
        progress: &mut dyn FnMut(usize, usize, &str),
    ) -> crate::Result<TuneEntry> {
        (self.run)(ctx, opts, progress)
    }
}

/// One job per distinct bucket of `descs`.
#[cfg(not(target_arch = "wasm32"))]
pub fn jobs_for<T: TuneOp + 'static>(ctx: &Context, descs: Vec<T::Desc>) -> Vec<TuneJob>
where
    T::Desc: 'static,
{
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for d in descs {
        let (bucket, rep) = T::bucket(&d);
        if !seen.insert(bucket.clone()) {
            continue;
        }
        let (caps, limits) = (ctx.caps(), ctx.limits());
        let cands = T::candidates(caps, &limits, &rep);
        // The engine always tries the default, even where the list lacks it.
        let n = cands.len() + usize::from(!cands.contains(&T::default_config(caps, &limits, &rep)));
        out.push(TuneJob {
            op: T::NAME,
            cached: ctx.tuner().entry(ctx, T::NAME, &bucket).is_some(),
            bucket,
            candidates: n,
            run: Box::new(move |ctx, opts, progress| tune::<T>(ctx, &d, opts, progress)),
        });
    }
    out
}

/// The buckets `wgkernels tune OP` measures (the op's bench shapes that use the dispatcher's
/// choice). **Extension point**: one match arm per op.
#[cfg(not(target_arch = "wasm32"))]
pub fn tune_jobs(ctx: &Context, op: &str, quick: bool) -> crate::Result<Vec<TuneJob>> {
    match op {
        "gemm" => Ok(jobs_for::<GemmTune>(ctx, gemm_tune_shapes(ctx, quick))),
        "sparse_gemm" => Ok(jobs_for::<SparseTune>(
            ctx,
            sparse_gemm_tune_shapes(ctx, quick),
        )),
        _ => Err(crate::Error::Unsupported(format!(
            "unknown op `{op}` for tuning"
        ))),
    }
}

/// The configuration an attention call uses when the caller names none, for masks with query
/// blocks of `block_q` rows: the measured winner where tuning has stored one, else
/// [`attention_default`].
pub fn attention_pick(ctx: &Context, desc: &AttentionDesc, block_q: u32) -> AttentionConfig {
    attention_default(ctx.caps(), &ctx.limits(), desc, block_q)
}

/// The configuration an FFT uses when the caller names none (see [`gemm_pick`]).
pub fn fft_pick(ctx: &Context, desc: &crate::ops::fft::FftDesc) -> FftConfig {
    fft_default(ctx.caps(), &ctx.limits(), desc)
}

/// The configuration an N:M sparse GEMM uses when the caller names none: the measured winner
/// where tuning has stored one, else [`sparse_gemm_default`] (see [`TuneMode`]).
pub fn sparse_gemm_pick(
    ctx: &Context,
    desc: &crate::ops::sparse_gemm::SparseGemmDesc,
) -> SparseConfig {
    pick::<SparseTune>(ctx, desc).config
}

/// [`sparse_gemm_pick`] and where the configuration came from (cache, tuned, default).
pub fn sparse_gemm_pick_with_source(
    ctx: &Context,
    desc: &crate::ops::sparse_gemm::SparseGemmDesc,
) -> Picked<SparseConfig> {
    pick::<SparseTune>(ctx, desc)
}
