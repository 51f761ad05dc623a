//! Measured tuning, generic over ops (it names none): an op implements [`TuneOp`] (buckets,
//! candidates, a small check, a timed plan) in its folder (`ops/<op>/tune.rs`), its `pick`
//! calls [`pick`], and the registry lists its shapes for `wgkernels tune` as [`TuneJob`]s. The
//! per-context state (mode, cache file) is [`crate::runtime::Tuner`].

pub mod engine;

pub use crate::runtime::tune_cache::{
    CacheFile, CacheKey, CandidateRecord, CandidateStatus, TuneEntry,
};
pub use crate::runtime::tuner::{
    default_cache_dir, CacheStatus, TuneMode, TuneStats, Tuner, CACHE_DIR_ENV, MODE_ENV,
};
#[cfg(not(target_arch = "wasm32"))]
use crate::runtime::Context;
#[cfg(not(target_arch = "wasm32"))]
pub use engine::tune;
pub use engine::{
    bucket_key, lookup, pick, tune_async, ConfigSource, Picked, Prepared, TuneOp, TuneOptions,
};

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

/// One shape bucket `wgkernels tune` measures.
#[cfg(not(target_arch = "wasm32"))]
pub struct TuneJob {
    /// Op name.
    pub op: &'static str,
    /// Bucket key (as stored in the cache).
    pub bucket: serde_json::Value,
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
        let (bucket, rep) = engine::bucket_key::<T>(&d);
        if !seen.insert(bucket.to_string()) {
            continue;
        }
        let (caps, limits) = (ctx.caps(), ctx.limits());
        let cands = T::candidates(caps, &limits, &rep);
        // The engine always tries the default, even where the list lacks it.
        let n = cands.len() + usize::from(!cands.contains(&T::default_config(caps, &limits, &rep)));
        out.push(TuneJob {
            op: T::NAME,
            cached: engine::fresh_entry::<T>(ctx, &bucket).is_some(),
            bucket,
            candidates: n,
            run: Box::new(move |ctx, opts, progress| tune::<T>(ctx, &d, opts, progress)),
        });
    }
    out
}
