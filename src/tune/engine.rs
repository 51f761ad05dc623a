//! Measured tuning, generic over ops: the [`TuneOp`] trait each op implements, [`pick`] — what
//! every `<op>_pick` calls — and [`tune`], which times every candidate of a shape bucket and
//! stores the result in the context's [`Tuner`].
//!
//! How a call gets its configuration ([`pick`]):
//! - [`TuneMode::Off`]: the vendor default, always.
//! - [`TuneMode::Cached`] (the default): the winner stored for the call's shape bucket in the
//!   adapter's cache file, else the vendor default at once — a library call never pauses to tune
//!   unless asked to.
//! - [`TuneMode::Auto`]: like `Cached`, but a bucket with no stored winner is tuned on the spot
//!   (seconds to minutes) and stored.
//!
//! A stored winner is used only if it is still among the op's current candidates for this very
//! call (same pure candidate function, checked against the adapter's features and limits) and
//! was measured correct; anything else falls back to the default with a warning. A cache can
//! therefore make a call slower than it could be, never wrong.

use crate::runtime::pipelines::Shader;
use crate::runtime::tune_cache::{shaders_hash, CandidateRecord, CandidateStatus, TuneEntry};
use crate::runtime::tuner::{TuneMode, Tuner};
use crate::runtime::{Capabilities, Context};
use futures::future::LocalBoxFuture;
use serde::{de::DeserializeOwned, Serialize};
use std::sync::atomic::Ordering;

/// Where a configuration came from (the `config_source` of the bench report).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfigSource {
    /// The measured winner stored in the tuning cache.
    Cache,
    /// Measured just now ([`TuneMode::Auto`]) and stored.
    Tuned,
    /// The untuned vendor default.
    Default,
    /// Named by the caller.
    Explicit,
}

impl ConfigSource {
    /// Lower-case name, as in reports.
    pub fn name(self) -> &'static str {
        match self {
            ConfigSource::Cache => "cache",
            ConfigSource::Tuned => "tuned",
            ConfigSource::Default => "default",
            ConfigSource::Explicit => "explicit",
        }
    }
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A configuration and where it came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Picked<C> {
    /// The configuration to run.
    pub config: C,
    /// Cache, tuned, default or explicit.
    pub source: ConfigSource,
}

/// A configuration built and bound to its own operands, ready to be timed.
pub trait Prepared {
    /// Records one run of the kernel into `pass`.
    fn record(&self, pass: &mut wgpu::ComputePass<'_>);
    /// Compares the output of the last run with the CPU reference (a spot check of a few rows
    /// is enough: the small check already covered tails). `Err` names the error found. A
    /// future (boxed, so the trait stays object-safe) because reading the output back must not
    /// block in the browser.
    fn check_output<'a>(&'a self, ctx: &'a Context) -> LocalBoxFuture<'a, Result<(), String>>;
}

/// What an op provides so it can be tuned: its shape buckets, its candidate list (the pure
/// function of `ops/<op>/config.rs`), and how a configuration is checked and prepared for timing.
///
/// Plugging an op in takes three steps: implement this trait in the op's `tune.rs`, make
/// `<op>_pick` return `pick::<YourTune>(ctx, desc).config`, and return the op's representative
/// shapes from its registry entry's `tune_jobs` (`crate::ops::ALL`). The engine does the rest: timing, pruning, dropping wrong
/// candidates, the cache file, the CLI's `tune` and `info`, and the bench's `config_source`.
// `async fn` here: the futures run on the caller's thread (pollster natively, the page's event
// loop in the browser), so no `Send` bound is wanted.
#[allow(async_fn_in_trait)]
pub trait TuneOp {
    /// Op name as in the CLI and reports (`gemm`, `fft`, ...).
    const NAME: &'static str;
    /// The op's descriptor.
    type Desc: Clone + std::fmt::Debug;
    /// Every shader the op's plans may build: their hash keys the op's cache entries, so
    /// editing one op's kernels makes only its own entries stale.
    fn shaders() -> Vec<Shader>;
    /// One configuration; its serde form is what the cache file stores.
    type Config: Copy + PartialEq + std::fmt::Debug + Serialize + DeserializeOwned;

    /// The key of a shape bucket: what a tuned winner is stored under (its serde form, an
    /// object in the cache file).
    type Bucket: Serialize + std::fmt::Debug;
    /// The bucket of `desc` (sizes rounded up to powers of two, dtype, layout flags) and the
    /// representative problem that is timed for the whole bucket.
    fn bucket(desc: &Self::Desc) -> (Self::Bucket, Self::Desc);
    /// The op's shape object (as in reports).
    fn shape_json(desc: &Self::Desc) -> serde_json::Value;
    /// The untuned pick for `desc` on this adapter.
    fn default_config(
        caps: &Capabilities,
        limits: &wgpu::Limits,
        desc: &Self::Desc,
    ) -> Self::Config;
    /// Every configuration valid for `desc` on this adapter, the default first (pure).
    fn candidates(
        caps: &Capabilities,
        limits: &wgpu::Limits,
        desc: &Self::Desc,
    ) -> Vec<Self::Config>;
    /// Short label for reports.
    fn label(config: &Self::Config) -> String;
    /// Runs `config` on a small problem shaped like `desc` (same dtype, layout, tails) and
    /// compares it with the CPU reference; `Err` says why it is wrong or failed to build.
    async fn check(ctx: &Context, desc: &Self::Desc, config: Self::Config) -> Result<(), String>;
    /// Builds `config` for `desc` with its own operands (random data) for timing.
    fn prepare(
        ctx: &Context,
        desc: &Self::Desc,
        config: Self::Config,
    ) -> crate::Result<Box<dyn Prepared>>;
}

/// Knobs of one tuning run.
#[derive(Clone, Debug)]
pub struct TuneOptions {
    /// Untimed runs before timing each candidate (at least one; a kernel whose first run
    /// takes 250 ms or more gets no more).
    pub warmup: usize,
    /// Timed runs per candidate (the median is used); long kernels (≥ 250 ms) get at most 3.
    pub iters: usize,
    /// A candidate whose first timed run is over this many times the best median so far is
    /// not timed further (recorded as pruned).
    pub prune_factor: f64,
    /// Extra interleaved rounds that re-time the three fastest candidates and the default back
    /// to back, so a load spike during the sweep does not decide the winner: the finalists are
    /// compared by these rounds alone.
    pub final_rounds: usize,
    /// The fastest candidate must beat the default by this fraction to replace it (differences
    /// below the measurement noise are not a reason to leave the vendor default).
    pub margin: f64,
    /// Re-measure buckets that are already cached.
    pub force: bool,
}

impl Default for TuneOptions {
    fn default() -> Self {
        Self {
            warmup: 1,
            iters: 5,
            prune_factor: 3.0,
            final_rounds: 2,
            margin: 0.03,
            force: false,
        }
    }
}

impl TuneOptions {
    /// Fewer timed runs and one final round.
    pub fn quick() -> Self {
        Self {
            iters: 3,
            final_rounds: 1,
            ..Self::default()
        }
    }
}

/// The cached winner for `desc` if there is one that applies, without tuning and without
/// counting a pick (for reports that show the tuned and the untuned choice side by side).
pub fn lookup<T: TuneOp>(ctx: &Context, desc: &T::Desc) -> Option<T::Config> {
    match ctx.tuner().mode() {
        TuneMode::Off => None,
        _ => cached::<T>(ctx.tuner(), ctx, desc),
    }
}

/// The configuration for `desc`: the cached winner, or (in `Auto` mode) a freshly tuned one,
/// else the vendor default. See the module docs.
pub fn pick<T: TuneOp>(ctx: &Context, desc: &T::Desc) -> Picked<T::Config> {
    let tuner = ctx.tuner();
    let mode = tuner.mode();
    if mode != TuneMode::Off {
        if let Some(config) = cached::<T>(tuner, ctx, desc) {
            tuner.cache_hits.fetch_add(1, Ordering::Relaxed);
            return Picked {
                config,
                source: ConfigSource::Cache,
            };
        }
        // A pick made while this thread is tuning (an op whose kernels plan another op) never
        // starts a nested tuning run.
        #[cfg(not(target_arch = "wasm32"))]
        if mode == TuneMode::Auto && !TUNING.with(|t| t.get()) {
            match tune::<T>(ctx, desc, &TuneOptions::default(), &mut |_, _, _| {}) {
                Ok(_) => {
                    if let Some(config) = cached::<T>(tuner, ctx, desc) {
                        return Picked {
                            config,
                            source: ConfigSource::Tuned,
                        };
                    }
                }
                Err(e) => {
                    let mut s = tuner.lock();
                    tuner.warn(
                        &mut s,
                        format!("tuning {} failed: {e}; using the default", T::NAME),
                    );
                }
            }
        }
    }
    tuner.defaults.fetch_add(1, Ordering::Relaxed);
    Picked {
        config: T::default_config(ctx.caps(), &ctx.limits(), desc),
        source: ConfigSource::Default,
    }
}

thread_local! {
    /// Set while this thread runs [`tune`].
    static TUNING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Sets [`TUNING`] for its lifetime (restoring the previous value, also on panic).
struct TuningFlag(bool);

impl TuningFlag {
    fn set() -> Self {
        Self(TUNING.with(|t| t.replace(true)))
    }
}

impl Drop for TuningFlag {
    fn drop(&mut self) {
        TUNING.with(|t| t.set(self.0));
    }
}

fn unix_now() -> u64 {
    // std's clock panics in the browser; web-time reads `Date.now()` there.
    #[cfg(not(target_arch = "wasm32"))]
    use std::time::{SystemTime, UNIX_EPOCH};
    #[cfg(target_arch = "wasm32")]
    use web_time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Runs `f`, turning a panic (a driver or shader-compiler bug) into an error message (natively;
/// a panic in the browser aborts the module whatever is done here).
async fn guarded<R>(f: impl std::future::Future<Output = Result<R, String>>) -> Result<R, String> {
    use futures::FutureExt;
    std::panic::AssertUnwindSafe(f)
        .catch_unwind()
        .await
        .unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("panicked: {msg}"))
        })
}

/// Measures every candidate of `desc`'s shape bucket on its representative problem and stores
/// the result (every candidate's time, the winner) in the tuner's cache.
///
/// Per candidate: a small check against the CPU reference (a failure drops it), build and bind
/// at full size (a failure drops it), a warm-up run whose output is spot-checked against the
/// reference (a wrong answer drops it), one probe run (either run far slower than the best so
/// far: pruned), then the timed runs (GPU timestamps where the adapter has them, else wall
/// clock; the median counts). Then
/// interleaved final rounds between the fastest three and the default (their medians then
/// replace the sweep's), and the winner is the fastest, unless it beats the default by less than
/// [`TuneOptions::margin`].
///
/// A bucket already cached is returned as is unless `opts.force`. `progress(i, n, label)` is
/// called before each candidate.
///
/// Blocking: drives [`tune_async`]'s implementation to completion (its waits block natively
/// anyway). Tuning runs on one context are serialised: a second thread waits here.
#[cfg(not(target_arch = "wasm32"))]
pub fn tune<T: TuneOp>(
    ctx: &Context,
    desc: &T::Desc,
    opts: &TuneOptions,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> crate::Result<TuneEntry> {
    let _serial = ctx.tuner().tuning.lock().unwrap_or_else(|e| e.into_inner());
    pollster::block_on(measure::<T>(ctx, desc, opts, &mut |i, n, label| {
        progress(i, n, label);
        Box::pin(std::future::ready(()))
    }))
}

/// [`tune`] without blocking (the browser's path: every wait, readback and timing is awaited),
/// the one implementation of the measurement. `progress(i, n, label)` is called before each
/// candidate and the future it returns is awaited: a page returns one that yields to its event
/// loop, so rendering and input go on between candidates.
///
/// A second tuning run on the same context while one is in progress is an
/// [`crate::Error::Unsupported`] (in the browser it would interleave with the first and skew
/// both timings; natively use [`tune`], which waits its turn).
// The guard is held across the measurement on purpose: it is what serialises tuning runs. This
// path only ever `try_lock`s (a busy context is an error, never a wait), and a blocking `tune`
// on another thread waiting for it is the intended order.
#[allow(clippy::await_holding_lock)]
pub async fn tune_async<T: TuneOp>(
    ctx: &Context,
    desc: &T::Desc,
    opts: &TuneOptions,
    progress: &mut dyn FnMut(usize, usize, &str) -> LocalBoxFuture<'static, ()>,
) -> crate::Result<TuneEntry> {
    let _serial = match ctx.tuner().tuning.try_lock() {
        Ok(g) => g,
        Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => {
            return Err(crate::Error::Unsupported(
                "a tuning run is already in progress on this context".into(),
            ))
        }
    };
    measure::<T>(ctx, desc, opts, progress).await
}

/// The body of [`tune`] and [`tune_async`] (the caller holds the tuner's `tuning` lock).
async fn measure<T: TuneOp>(
    ctx: &Context,
    desc: &T::Desc,
    opts: &TuneOptions,
    progress: &mut dyn FnMut(usize, usize, &str) -> LocalBoxFuture<'static, ()>,
) -> crate::Result<TuneEntry> {
    use crate::runtime::{time_gpu_async, Instant};
    let tuner = ctx.tuner();
    let _flag = TuningFlag::set();
    let (bucket, rep) = bucket_key::<T>(desc);
    if !opts.force {
        if let Some(e) = fresh_entry::<T>(ctx, &bucket) {
            return Ok(e);
        }
    }
    let (caps, limits) = (ctx.caps(), ctx.limits());
    let default = T::default_config(caps, &limits, &rep);
    let mut cands = T::candidates(caps, &limits, &rep);
    if let Some(i) = cands.iter().position(|c| *c == default) {
        cands.remove(i);
    }
    cands.insert(0, default);
    let n = cands.len();
    let mut records: Vec<CandidateRecord> = Vec::with_capacity(n);
    let mut best: Option<f64> = None;
    let mut source = "wall";
    let count_run = || tuner.tuning_runs.fetch_add(1, Ordering::Relaxed);
    for (i, &cfg) in cands.iter().enumerate() {
        let label = T::label(&cfg);
        progress(i, n, &label).await;
        let mut rec = CandidateRecord {
            config: serde_json::to_value(cfg).unwrap_or(serde_json::Value::Null),
            label,
            status: CandidateStatus::Dropped,
            median_ms: None,
            samples_ms: Vec::new(),
            reason: None,
        };
        // GPU errors (in the browser they arrive late, not at the failing call) are caught
        // around the whole step and drop the candidate.
        let step = async {
            T::check(ctx, &rep, cfg)
                .await
                .map_err(|e| format!("small check against the CPU reference: {e}"))?;
            let prepared =
                T::prepare(ctx, &rep, cfg).map_err(|e| format!("failed to build: {e}"))?;
            count_run();
            // The first (warm-up) run is timed on the wall clock: a long kernel needs no more
            // warm-up, and one far slower than the best so far is pruned right there.
            let t0 = Instant::now();
            ctx.submit(|p| prepared.record(p))
                .map_err(|e| e.to_string())?;
            ctx.wait_async().await.map_err(|e| e.to_string())?;
            let first_ms = t0.elapsed().as_secs_f64() * 1e3;
            // Correctness before speed: a wrong answer is dropped, whatever its time.
            prepared
                .check_output(ctx)
                .await
                .map_err(|e| format!("wrong answer at full size: {e}"))?;
            let long = first_ms >= 250.0;
            if long && best.is_some_and(|b| first_ms > opts.prune_factor * b) {
                return Ok((CandidateStatus::Pruned, vec![first_ms]));
            }
            let warmup = if long {
                0
            } else {
                opts.warmup.saturating_sub(1)
            };
            let probe = time_gpu_async(ctx, warmup, 1, &|p| prepared.record(p))
                .await
                .map_err(|e| e.to_string())?;
            if probe.source == crate::runtime::TimingSource::Gpu {
                source = "gpu";
            }
            let mut samples = probe.samples_ms;
            let too_slow = |ms: &[f64]| {
                let fastest = ms.iter().copied().fold(f64::INFINITY, f64::min);
                best.is_some_and(|b| fastest > opts.prune_factor * b)
            };
            if too_slow(&samples) {
                // One sample can be a scheduler hiccup on a shared machine: prune only when a
                // second one agrees, or a fast candidate could be lost for good.
                let again = time_gpu_async(ctx, 0, 1, &|p| prepared.record(p))
                    .await
                    .map_err(|e| e.to_string())?;
                samples.extend(again.samples_ms);
                if too_slow(&samples) {
                    return Ok((CandidateStatus::Pruned, samples));
                }
            }
            let iters = if long { opts.iters.min(3) } else { opts.iters };
            let more = iters.saturating_sub(samples.len());
            if more > 0 {
                let t = time_gpu_async(ctx, 0, more, &|p| prepared.record(p))
                    .await
                    .map_err(|e| e.to_string())?;
                samples.extend(t.samples_ms);
            }
            Ok((CandidateStatus::Ok, samples))
        };
        let outcome = guarded(async {
            ctx.capture_errors(async { Ok(step.await) })
                .await
                .map_err(|e| e.to_string())?
        })
        .await;
        match outcome {
            Ok((status, samples)) => {
                let med = crate::runtime::median(&samples);
                rec.status = status;
                rec.median_ms = Some(med);
                rec.samples_ms = samples;
                if status == CandidateStatus::Ok {
                    best = Some(best.map_or(med, |b: f64| b.min(med)));
                } else {
                    rec.reason = Some(format!(
                        "first run over {}× the best so far",
                        opts.prune_factor
                    ));
                }
            }
            Err(reason) => rec.reason = Some(reason),
        }
        records.push(rec);
    }
    progress(n, n, "final rounds").await;

    // Final rounds: the fastest three and the default, interleaved, so that load changes during
    // the sweep (other processes on a shared machine) hit them alike.
    let mut ok: Vec<usize> = (0..n)
        .filter(|&i| records[i].status == CandidateStatus::Ok)
        .collect();
    ok.sort_by(|&a, &b| {
        records[a]
            .median_ms
            .unwrap_or(f64::MAX)
            .total_cmp(&records[b].median_ms.unwrap_or(f64::MAX))
    });
    let mut finalists: Vec<usize> = ok.iter().copied().take(3).collect();
    if records[0].status == CandidateStatus::Ok && !finalists.contains(&0) {
        finalists.push(0);
    }
    let mut finals: Vec<(usize, Vec<f64>)> = finalists.iter().map(|&i| (i, Vec::new())).collect();
    if finalists.len() > 1 && opts.final_rounds > 0 {
        for _ in 0..opts.final_rounds {
            for (i, fin) in finals.iter_mut() {
                let i = *i;
                // Prepared one at a time (operands can be large), pipelines come from the cache.
                let Ok(p) = T::prepare(ctx, &rep, cands[i]) else {
                    continue;
                };
                count_run();
                let iters = if records[i].median_ms.unwrap_or(0.0) >= 250.0 {
                    1
                } else {
                    opts.iters.max(1)
                };
                if let Ok(t) = time_gpu_async(ctx, 1, iters, &|pass| p.record(pass)).await {
                    fin.extend(t.samples_ms);
                }
            }
        }
    }
    let among: Vec<usize> = if use_final_rounds(&mut records, &finals) {
        finalists
    } else {
        (0..n).collect()
    };
    let winner = winner(&records, &among, opts.margin);
    let default_ms = (records[0].status == CandidateStatus::Ok)
        .then(|| records[0].median_ms)
        .flatten();
    let entry = TuneEntry {
        op: T::NAME.to_string(),
        bucket,
        shape: T::shape_json(&rep),
        timing: source.to_string(),
        winner: winner.map(|w| records[w].config.clone()),
        winner_label: winner.map(|w| records[w].label.clone()),
        default_label: records[0].label.clone(),
        winner_ms: winner.and_then(|w| records[w].median_ms),
        default_ms,
        candidates: records,
        tuned_at_unix: unix_now(),
        shader_hash: op_shaders_hash::<T>(),
    };
    tuner.buckets_tuned.fetch_add(1, Ordering::Relaxed);
    tuner.store(ctx, entry.clone());
    Ok(entry)
}

/// Adds each finalist's final-round samples (`finals`: record index and samples) to its record
/// and makes their median its time when every finalist has some; returns whether it did (the
/// winner is then one of the finalists: the others' sweep times are not comparable). Why: the
/// final rounds are interleaved, the sweep's runs were not; a sweep taken during a load spike,
/// pooled with the final rounds, once made the default look 1.23× slower than an identical
/// kernel (1024 points, lavapipe, README stop 37), where the final rounds alone gave 1.03×.
fn use_final_rounds(records: &mut [CandidateRecord], finals: &[(usize, Vec<f64>)]) -> bool {
    let all_timed = finals.len() > 1 && finals.iter().all(|(_, f)| !f.is_empty());
    for (i, fin) in finals {
        records[*i].samples_ms.extend(fin);
        if all_timed {
            records[*i].median_ms = Some(crate::runtime::median(fin));
        }
    }
    all_timed
}

/// The fastest of the candidates `among` that ran (indices into `records`, whose first entry is
/// the default), unless it beats a default that ran by less than `margin` (a fraction): then the
/// default.
fn winner(records: &[CandidateRecord], among: &[usize], margin: f64) -> Option<usize> {
    let ms = |i: usize| records[i].median_ms.unwrap_or(f64::MAX);
    let fastest = (among.iter().copied())
        .filter(|&i| records[i].status == CandidateStatus::Ok)
        .min_by(|&a, &b| ms(a).total_cmp(&ms(b)));
    let default_ok = records
        .first()
        .is_some_and(|r| r.status == CandidateStatus::Ok);
    match fastest {
        Some(f) if default_ok && ms(f) > (1.0 - margin) * ms(0) => Some(0),
        f => f,
    }
}

/// The stored winner of `desc`'s bucket if it applies to this call. Where the winner is
/// sound but cannot run this particular call (a shape constraint inside the bucket, e.g. a
/// variant that needs N to be a multiple of 4), the fastest stored candidate that was
/// measured correct (timed or pruned) and can run it is used instead. A winner that is unreadable, not
/// recorded as correct, or not a candidate of its own bucket on this adapter means the file
/// is wrong: warned about once, and the default is used.
fn cached<T: TuneOp>(tuner: &Tuner, ctx: &Context, desc: &T::Desc) -> Option<T::Config> {
    let (bucket, rep) = bucket_key::<T>(desc);
    let (caps, limits) = (ctx.caps(), ctx.limits());
    let mut s = tuner.loaded(ctx);
    let entry = s.file.as_ref()?.get(T::NAME, &bucket)?;
    let fresh = entry.shader_hash == op_shaders_hash::<T>();
    let winner = entry.winner.clone()?;
    let measured_ok = |v: &serde_json::Value| {
        entry
            .candidates
            .iter()
            .any(|r| r.config == *v && r.status == CandidateStatus::Ok)
    };
    let reason = match serde_json::from_value::<T::Config>(winner.clone()) {
        _ if !fresh => "stale (the op's shaders changed since it was measured)".to_string(),
        Err(e) => format!("unreadable ({e})"),
        Ok(_) if !measured_ok(&winner) => "not recorded as measured correct".to_string(),
        Ok(c) if !T::candidates(caps, &limits, &rep).contains(&c) => {
            "not a candidate of its bucket on this adapter".to_string()
        }
        Ok(c) => {
            let call = T::candidates(caps, &limits, desc);
            if call.contains(&c) {
                return Some(c);
            }
            // Pruned candidates passed the correctness check too and carry their (slow)
            // first time: when every fast one needs a shape this call lacks, they are
            // still better informed than the default.
            return entry
                .candidates
                .iter()
                .filter(|r| r.status != CandidateStatus::Dropped)
                .filter_map(|r| {
                    let c = serde_json::from_value::<T::Config>(r.config.clone()).ok()?;
                    call.contains(&c)
                        .then_some((r.median_ms.unwrap_or(f64::MAX), c))
                })
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, c)| c);
        }
    };
    let label = entry.winner_label.clone().unwrap_or_default();
    let msg = format!(
        "cached {} winner `{label}` for bucket `{bucket}` is {reason}: using the default",
        T::NAME
    );
    if s.warned.insert(msg.clone()) {
        tuner.warn(&mut s, msg);
    }
    None
}

/// `T::bucket` with the key in its stored form (a JSON object).
pub fn bucket_key<T: TuneOp>(desc: &T::Desc) -> (serde_json::Value, T::Desc) {
    let (bucket, rep) = T::bucket(desc);
    // A derived `Serialize` of plain fields cannot fail; Null would only miss the cache.
    (serde_json::to_value(&bucket).unwrap_or_default(), rep)
}

/// The cached entry of `bucket` if it was measured on this op's current shaders.
pub fn fresh_entry<T: TuneOp>(ctx: &Context, bucket: &serde_json::Value) -> Option<TuneEntry> {
    ctx.tuner()
        .entry(ctx, T::NAME, bucket)
        .filter(|e| e.shader_hash == op_shaders_hash::<T>())
}

/// [`shaders_hash`] of `T`'s shaders, computed once per op and process. Why: it renders every
/// source of the op under every spec, and a pick consults it whenever the cache holds an entry
/// for the call's bucket, i.e. at every plan creation.
fn op_shaders_hash<T: TuneOp>() -> String {
    static HASHES: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<&'static str, String>>,
    > = std::sync::OnceLock::new();
    let map = HASHES.get_or_init(Default::default);
    if let Some(h) = map.lock().unwrap_or_else(|e| e.into_inner()).get(T::NAME) {
        return h.clone();
    }
    let h = shaders_hash(&T::shaders());
    map.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(T::NAME, h.clone());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(samples: &[f64]) -> CandidateRecord {
        CandidateRecord {
            config: serde_json::Value::Null,
            label: String::new(),
            status: CandidateStatus::Ok,
            median_ms: Some(crate::runtime::median(samples)),
            samples_ms: samples.to_vec(),
            reason: None,
        }
    }

    /// The 1024-point bucket of stop 37: the default's sweep fell in a load spike; the
    /// interleaved final rounds put it within 3.3 % of the (identical) other kernel, not 1.23×.
    #[test]
    fn final_rounds_decide_between_finalists() {
        let mut records = vec![rec(&[34.0, 33.1, 32.7]), rec(&[24.2, 24.0, 26.3])];
        let finals = vec![(0, vec![24.8, 26.8, 25.1]), (1, vec![24.5, 24.3, 24.0])];
        assert!(use_final_rounds(&mut records, &finals));
        assert_eq!(records[0].median_ms, Some(25.1));
        assert_eq!(records[1].median_ms, Some(24.3));
        assert_eq!(records[0].samples_ms.len(), 6);
        // Level in the final rounds (however the sweep went): the default stays.
        let mut records = vec![rec(&[34.0, 33.1, 32.7]), rec(&[24.2, 24.0, 26.3])];
        assert_eq!(winner(&records, &[0, 1], 0.03), Some(1));
        use_final_rounds(
            &mut records,
            &[(0, vec![24.8, 24.6, 25.0]), (1, vec![24.5, 24.9, 24.7])],
        );
        assert_eq!(winner(&records, &[0, 1], 0.03), Some(0));
        // A finalist that is faster by more than the margin in the final rounds still wins; a
        // candidate outside the final rounds (index 2: its sweep ran in a quiet moment) does not.
        let mut records = vec![rec(&[30.0]), rec(&[31.0]), rec(&[24.0])];
        use_final_rounds(
            &mut records,
            &[(0, vec![30.0, 30.5]), (1, vec![25.0, 25.5])],
        );
        assert_eq!(winner(&records, &[0, 1], 0.03), Some(1));
        assert_eq!(winner(&records, &[0, 1, 2], 0.03), Some(2));
    }

    /// Without final-round samples for every finalist the sweep's medians stand; a default that
    /// did not run never blocks the fastest.
    #[test]
    fn sweep_medians_stand_without_final_rounds() {
        let mut records = vec![rec(&[30.0]), rec(&[20.0])];
        assert!(!use_final_rounds(
            &mut records,
            &[(0, vec![10.0]), (1, vec![])]
        ));
        assert_eq!(records[0].median_ms, Some(30.0));
        assert_eq!(winner(&records, &[0, 1], 0.03), Some(1));
        records[1].status = CandidateStatus::Pruned;
        assert_eq!(winner(&records, &[0, 1], 0.03), Some(0));
        records[0].status = CandidateStatus::Dropped;
        records[1].status = CandidateStatus::Ok;
        assert_eq!(winner(&records, &[0, 1], 0.03), Some(1));
        assert_eq!(winner(&[], &[], 0.03), None);
    }
}
