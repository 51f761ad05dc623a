//! Measured tuning, generic over ops: the [`TuneOp`] trait each op implements, the per-context
//! [`Tuner`] (mode, cache location, counters, warnings), [`pick`] — what every `<op>_pick`
//! calls — and [`tune`], which times every candidate of a shape bucket.
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

#[cfg(not(target_arch = "wasm32"))]
use super::cache::CandidateRecord;
use super::cache::{self, CacheFile, CacheKey, CandidateStatus, Loaded, TuneEntry};
use crate::gpu::{Capabilities, Context};
use serde::{de::DeserializeOwned, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Environment variable naming the cache directory (overrides the user cache directory).
pub const CACHE_DIR_ENV: &str = "WGKERNELS_CACHE_DIR";
/// Environment variable setting the default [`TuneMode`] (`off`, `cached`, `auto`).
pub const MODE_ENV: &str = "WGKERNELS_TUNE";

/// When calls consult or fill the tuning cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TuneMode {
    /// Never read the cache: the vendor default for every call (reproducible baselines).
    Off,
    /// Use stored winners; untuned buckets get the vendor default at once.
    #[default]
    Cached,
    /// Use stored winners; tune an untuned bucket on first use (a pause inside that call).
    Auto,
}

impl std::str::FromStr for TuneMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "off" => Ok(TuneMode::Off),
            "cached" => Ok(TuneMode::Cached),
            "auto" => Ok(TuneMode::Auto),
            _ => Err(format!("unknown tune mode {s:?} (off, cached or auto)")),
        }
    }
}

impl std::fmt::Display for TuneMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TuneMode::Off => "off",
            TuneMode::Cached => "cached",
            TuneMode::Auto => "auto",
        })
    }
}

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
#[cfg(not(target_arch = "wasm32"))]
pub trait Prepared {
    /// Records one run of the kernel into `pass`.
    fn record(&self, pass: &mut wgpu::ComputePass<'_>);
    /// Compares the output of the last run with the CPU reference (a spot check of a few rows
    /// is enough: the small check already covered tails). `Err` names the error found.
    fn check_output(&self, ctx: &Context) -> Result<(), String>;
}

/// What an op provides so it can be tuned: its shape buckets, its candidate list (the pure
/// function of `src/tune/<op>.rs`), and how a configuration is checked and prepared for timing.
///
/// Plugging an op in takes three steps: implement this trait (next to the op's candidates), make
/// `<op>_pick` return `pick::<YourTune>(ctx, desc).config`, and add the op's representative
/// shapes to [`super::tune_jobs`]. The engine does the rest: timing, pruning, dropping wrong
/// candidates, the cache file, the CLI's `tune` and `info`, and the bench's `config_source`.
pub trait TuneOp {
    /// Op name as in the CLI and reports (`gemm`, `fft`, ...).
    const NAME: &'static str;
    /// The op's descriptor.
    type Desc: Clone + std::fmt::Debug;
    /// One configuration; its serde form is what the cache file stores.
    type Config: Copy + PartialEq + std::fmt::Debug + Serialize + DeserializeOwned;

    /// The bucket key of `desc` (sizes rounded up to powers of two, dtype, layout flags) and the
    /// representative problem that is timed for the whole bucket.
    fn bucket(desc: &Self::Desc) -> (String, Self::Desc);
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
    #[cfg(not(target_arch = "wasm32"))]
    fn check(ctx: &Context, desc: &Self::Desc, config: Self::Config) -> Result<(), String>;
    /// Builds `config` for `desc` with its own operands (random data) for timing.
    #[cfg(not(target_arch = "wasm32"))]
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
    /// to back, so a load spike during the sweep does not decide the winner.
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

/// Counters of what a [`Tuner`] did in this process (tests and the CLI read them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TuneStats {
    /// Kernel timings made while tuning: one per candidate measured and one per final-round
    /// timing (0 means no tuning ran).
    pub tuning_runs: u64,
    /// Shape buckets measured.
    pub buckets_tuned: u64,
    /// Picks answered from the cache.
    pub cache_hits: u64,
    /// Picks that fell back to the vendor default.
    pub defaults: u64,
}

/// The cache as `info` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct CacheStatus {
    /// The tuning mode.
    pub mode: TuneMode,
    /// The cache file (absent when tuning is in memory only).
    pub path: Option<PathBuf>,
    /// Where the directory came from (`api`, `WGKERNELS_CACHE_DIR`, `user cache dir`, `none`).
    pub dir_origin: String,
    /// Results are written to disk (false after the directory proved not writable).
    pub persistent: bool,
    /// What loading found (`missing`, `loaded`, or why the file was ignored).
    pub state: String,
    /// Every tuned bucket.
    pub entries: Vec<TuneEntry>,
}

struct State {
    mode: TuneMode,
    dir: Option<PathBuf>,
    dir_origin: String,
    key: Option<CacheKey>,
    file: Option<CacheFile>,
    path: Option<PathBuf>,
    dirty: BTreeSet<(String, String)>,
    persistent: bool,
    load_state: String,
    notices: Vec<String>,
    warned: HashSet<String>,
}

/// Per-context tuning state: the mode, the cache location, the loaded cache, counters and the
/// warnings issued. Every [`Context`] has one (from the environment); replace it with
/// [`Context::with_tuner`].
pub struct Tuner {
    state: Mutex<State>,
    // Serialises tuning runs (native only: the browser never tunes).
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    tuning: Mutex<()>,
    tuning_runs: AtomicU64,
    buckets_tuned: AtomicU64,
    cache_hits: AtomicU64,
    defaults: AtomicU64,
}

impl std::fmt::Debug for Tuner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.lock();
        f.debug_struct("Tuner")
            .field("mode", &s.mode)
            .field("dir", &s.dir)
            .finish()
    }
}

/// The cache directory from the environment: `WGKERNELS_CACHE_DIR`, else the user's cache
/// directory (`$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS,
/// `%LOCALAPPDATA%` on Windows) + `wgkernels`; `None` where neither exists (browsers).
pub fn default_cache_dir() -> (Option<PathBuf>, &'static str) {
    match std::env::var_os(CACHE_DIR_ENV) {
        Some(d) if !d.is_empty() => (Some(PathBuf::from(d)), CACHE_DIR_ENV),
        _ => match dirs::cache_dir() {
            Some(d) => (Some(d.join("wgkernels")), "user cache dir"),
            None => (None, "none"),
        },
    }
}

impl Tuner {
    /// A tuner with `mode` and the cache in `dir` (`None`: in memory only).
    pub fn new(mode: TuneMode, dir: Option<PathBuf>) -> Self {
        let origin = if dir.is_some() { "api" } else { "none" };
        Self::with_origin(mode, dir, origin)
    }

    /// The tuner every context starts with: mode from `WGKERNELS_TUNE` (default `cached`),
    /// directory from [`default_cache_dir`]. Nothing is read until the first pick.
    pub fn from_env() -> Self {
        let mut notice = None;
        let mode = match std::env::var(MODE_ENV) {
            Ok(v) if !v.is_empty() => v.parse().unwrap_or_else(|e| {
                notice = Some(format!("{MODE_ENV}: {e}; using `cached`"));
                TuneMode::Cached
            }),
            _ => TuneMode::Cached,
        };
        let (dir, origin) = default_cache_dir();
        let t = Self::with_origin(mode, dir, origin);
        if let Some(n) = notice {
            t.warn(&mut t.lock(), n);
        }
        t
    }

    fn with_origin(mode: TuneMode, dir: Option<PathBuf>, origin: &str) -> Self {
        Self {
            state: Mutex::new(State {
                mode,
                persistent: dir.is_some(),
                dir,
                dir_origin: origin.to_string(),
                key: None,
                file: None,
                path: None,
                dirty: BTreeSet::new(),
                load_state: "not loaded".into(),
                notices: Vec::new(),
                warned: HashSet::new(),
            }),
            tuning: Mutex::new(()),
            tuning_runs: AtomicU64::new(0),
            buckets_tuned: AtomicU64::new(0),
            cache_hits: AtomicU64::new(0),
            defaults: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current mode.
    pub fn mode(&self) -> TuneMode {
        self.lock().mode
    }

    /// Changes the mode (e.g. `Auto` for a warm-up phase, then `Cached`).
    pub fn set_mode(&self, mode: TuneMode) {
        self.lock().mode = mode;
    }

    /// Moves the cache to `dir` (`None`: in memory only); the next pick reads it.
    pub fn set_cache_dir(&self, dir: Option<PathBuf>) {
        let mut s = self.lock();
        s.dir_origin = if dir.is_some() {
            "api".into()
        } else {
            "none".into()
        };
        s.persistent = dir.is_some();
        s.dir = dir;
        s.file = None;
        s.key = None;
        s.path = None;
        s.dirty.clear();
    }

    /// What this tuner did so far.
    pub fn stats(&self) -> TuneStats {
        TuneStats {
            tuning_runs: self.tuning_runs.load(Ordering::Relaxed),
            buckets_tuned: self.buckets_tuned.load(Ordering::Relaxed),
            cache_hits: self.cache_hits.load(Ordering::Relaxed),
            defaults: self.defaults.load(Ordering::Relaxed),
        }
    }

    /// Every warning issued (also sent to the `log` crate at warn level): an ignored cache
    /// file, a directory that is not writable, a cached winner that does not apply.
    pub fn notices(&self) -> Vec<String> {
        self.lock().notices.clone()
    }

    /// The cache file this tuner uses for `ctx`'s adapter (`None`: in memory only).
    pub fn cache_path(&self, ctx: &Context) -> Option<PathBuf> {
        self.loaded(ctx).path.clone()
    }

    /// Loads the cache if needed and describes it.
    pub fn status(&self, ctx: &Context) -> CacheStatus {
        let s = self.loaded(ctx);
        CacheStatus {
            mode: s.mode,
            path: s.path.clone(),
            dir_origin: s.dir_origin.clone(),
            persistent: s.persistent,
            state: s.load_state.clone(),
            entries: s
                .file
                .as_ref()
                .map(|f| f.entries.clone())
                .unwrap_or_default(),
        }
    }

    fn warn(&self, s: &mut State, msg: String) {
        log::warn!("{msg}");
        s.notices.push(msg);
    }

    /// The state with the cache of `ctx`'s adapter loaded (read once; re-read if the tuner is
    /// used with another adapter or a new directory).
    fn loaded(&self, ctx: &Context) -> MutexGuard<'_, State> {
        let mut s = self.lock();
        let adapter = ctx.adapter_id();
        if s.file.is_some() && s.key.as_ref().is_some_and(|k| k.adapter == adapter) {
            return s;
        }
        let key = CacheKey::new(adapter);
        let mut file = CacheFile::empty(key.clone());
        s.path = s.dir.as_deref().map(|d| cache::file_path(d, &key.adapter));
        s.dirty.clear();
        match s.path.clone() {
            None => s.load_state = "in memory (no cache directory)".into(),
            Some(path) => match cache::load(&path, &key) {
                Loaded::Missing => s.load_state = "missing (nothing tuned yet)".into(),
                Loaded::Valid(f) => {
                    s.load_state = format!("loaded ({} entries)", f.entries.len());
                    file = f;
                }
                Loaded::Invalid(why) => {
                    s.load_state = format!("ignored: {why}; rewritten");
                    let msg = format!(
                        "tuning cache {} is {why}: ignored, rewriting it",
                        path.display()
                    );
                    self.warn(&mut s, msg);
                    if s.persistent {
                        if let Err(e) = cache::write_atomic(&path, &file) {
                            self.not_writable(&mut s, &path, &e);
                        }
                    }
                }
            },
        }
        s.key = Some(key);
        s.file = Some(file);
        s
    }

    fn not_writable(&self, s: &mut State, path: &Path, e: &std::io::Error) {
        s.persistent = false;
        let msg = format!(
            "tuning cache {} is not writable ({e}): tuning results are kept in memory for this process only",
            path.display()
        );
        self.warn(s, msg);
    }

    /// The cached entry of (op, bucket).
    pub fn entry(&self, ctx: &Context, op: &str, bucket: &str) -> Option<TuneEntry> {
        self.loaded(ctx)
            .file
            .as_ref()
            .and_then(|f| f.get(op, bucket).cloned())
    }

    /// Stores an entry in memory and, where possible, in the cache file (merged with what other
    /// processes wrote meanwhile, written to a temporary file and renamed).
    pub fn store(&self, ctx: &Context, entry: TuneEntry) {
        let mut s = self.loaded(ctx);
        s.dirty.insert((entry.op.clone(), entry.bucket.clone()));
        if let Some(f) = s.file.as_mut() {
            f.put(entry);
        }
        if !s.persistent {
            return;
        }
        let (Some(path), Some(key), Some(mine)) = (s.path.clone(), s.key.clone(), s.file.clone())
        else {
            return;
        };
        let _lock = cache::lock(&path);
        let mut merged = match cache::load(&path, &key) {
            Loaded::Valid(f) => f,
            _ => CacheFile::empty(key),
        };
        for (op, bucket) in &s.dirty {
            if let Some(e) = mine.get(op, bucket) {
                merged.put(e.clone());
            }
        }
        match cache::write_atomic(&path, &merged) {
            Ok(()) => {
                s.load_state = format!("loaded ({} entries)", merged.entries.len());
                s.file = Some(merged);
                s.dirty.clear();
            }
            Err(e) => self.not_writable(&mut s, &path, &e),
        }
    }

    /// The stored winner of `desc`'s bucket if it applies to this call. Where the winner is
    /// sound but cannot run this particular call (a shape constraint inside the bucket, e.g. a
    /// variant that needs N to be a multiple of 4), the fastest stored candidate that was
    /// measured correct (timed or pruned) and can run it is used instead. A winner that is unreadable, not
    /// recorded as correct, or not a candidate of its own bucket on this adapter means the file
    /// is wrong: warned about once, and the default is used.
    fn cached<T: TuneOp>(&self, ctx: &Context, desc: &T::Desc) -> Option<T::Config> {
        let (bucket, rep) = T::bucket(desc);
        let (caps, limits) = (ctx.caps(), ctx.limits());
        let mut s = self.loaded(ctx);
        let entry = s.file.as_ref()?.get(T::NAME, &bucket)?;
        let winner = entry.winner.clone()?;
        let measured_ok = |v: &serde_json::Value| {
            entry
                .candidates
                .iter()
                .any(|r| r.config == *v && r.status == CandidateStatus::Ok)
        };
        let reason = match serde_json::from_value::<T::Config>(winner.clone()) {
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
            self.warn(&mut s, msg);
        }
        None
    }
}

impl Context {
    /// The tuner that `<op>_pick` consults.
    pub fn tuner(&self) -> &Tuner {
        &self.tuner
    }

    /// The same device with another tuner (e.g. a temporary cache directory, or `Auto` mode),
    /// sharing buffers and the pipeline cache with `self`.
    pub fn with_tuner(&self, tuner: Tuner) -> Context {
        let mut c = self.clone();
        c.tuner = std::sync::Arc::new(tuner);
        c
    }
}

/// The cached winner for `desc` if there is one that applies, without tuning and without
/// counting a pick (for reports that show the tuned and the untuned choice side by side).
pub fn lookup<T: TuneOp>(ctx: &Context, desc: &T::Desc) -> Option<T::Config> {
    match ctx.tuner().mode() {
        TuneMode::Off => None,
        _ => ctx.tuner().cached::<T>(ctx, desc),
    }
}

/// The configuration for `desc`: the cached winner, or (in `Auto` mode) a freshly tuned one,
/// else the vendor default. See the module docs.
pub fn pick<T: TuneOp>(ctx: &Context, desc: &T::Desc) -> Picked<T::Config> {
    let tuner = ctx.tuner();
    let mode = tuner.mode();
    if mode != TuneMode::Off {
        if let Some(config) = tuner.cached::<T>(ctx, desc) {
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
                    if let Some(config) = tuner.cached::<T>(ctx, desc) {
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

#[cfg(not(target_arch = "wasm32"))]
thread_local! {
    /// Set while this thread runs [`tune`].
    static TUNING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Sets [`TUNING`] for its lifetime (restoring the previous value, also on panic).
#[cfg(not(target_arch = "wasm32"))]
struct TuningFlag(bool);

#[cfg(not(target_arch = "wasm32"))]
impl TuningFlag {
    fn set() -> Self {
        Self(TUNING.with(|t| t.replace(true)))
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Drop for TuningFlag {
    fn drop(&mut self) {
        TUNING.with(|t| t.set(self.0));
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Runs `f`, turning a panic (a driver or shader-compiler bug) into an error message.
#[cfg(not(target_arch = "wasm32"))]
fn guarded<R>(f: impl FnOnce() -> Result<R, String>) -> Result<R, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| {
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
/// interleaved final rounds between the fastest three and the default, and the winner is the
/// fastest, unless it beats the default by less than [`TuneOptions::margin`].
///
/// A bucket already cached is returned as is unless `opts.force`. `progress(i, n, label)` is
/// called before each candidate.
#[cfg(not(target_arch = "wasm32"))]
pub fn tune<T: TuneOp>(
    ctx: &Context,
    desc: &T::Desc,
    opts: &TuneOptions,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> crate::Result<TuneEntry> {
    use crate::gpu::time_gpu;
    let tuner = ctx.tuner();
    let _flag = TuningFlag::set();
    let _serial = tuner.tuning.lock().unwrap_or_else(|e| e.into_inner());
    let (bucket, rep) = T::bucket(desc);
    if !opts.force {
        if let Some(e) = tuner.entry(ctx, T::NAME, &bucket) {
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
        progress(i, n, &label);
        let mut rec = CandidateRecord {
            config: serde_json::to_value(cfg).unwrap_or(serde_json::Value::Null),
            label,
            status: CandidateStatus::Dropped,
            median_ms: None,
            samples_ms: Vec::new(),
            reason: None,
        };
        let outcome = guarded(|| {
            T::check(ctx, &rep, cfg)
                .map_err(|e| format!("small check against the CPU reference: {e}"))?;
            let prepared =
                T::prepare(ctx, &rep, cfg).map_err(|e| format!("failed to build: {e}"))?;
            count_run();
            // The first (warm-up) run is timed on the wall clock: a long kernel needs no more
            // warm-up, and one far slower than the best so far is pruned right there.
            let t0 = std::time::Instant::now();
            ctx.submit(|p| prepared.record(p))
                .map_err(|e| e.to_string())?;
            ctx.wait().map_err(|e| e.to_string())?;
            let first_ms = t0.elapsed().as_secs_f64() * 1e3;
            // Correctness before speed: a wrong answer is dropped, whatever its time.
            prepared
                .check_output(ctx)
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
            let probe =
                time_gpu(ctx, warmup, 1, &|p| prepared.record(p)).map_err(|e| e.to_string())?;
            if probe.source == crate::gpu::TimingSource::Gpu {
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
                let again =
                    time_gpu(ctx, 0, 1, &|p| prepared.record(p)).map_err(|e| e.to_string())?;
                samples.extend(again.samples_ms);
                if too_slow(&samples) {
                    return Ok((CandidateStatus::Pruned, samples));
                }
            }
            let iters = if long { opts.iters.min(3) } else { opts.iters };
            let more = iters.saturating_sub(samples.len());
            if more > 0 {
                let t =
                    time_gpu(ctx, 0, more, &|p| prepared.record(p)).map_err(|e| e.to_string())?;
                samples.extend(t.samples_ms);
            }
            Ok((CandidateStatus::Ok, samples))
        });
        match outcome {
            Ok((status, samples)) => {
                let med = crate::gpu::median(&samples);
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
    progress(n, n, "final rounds");

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
    if finalists.len() > 1 && opts.final_rounds > 0 {
        for _ in 0..opts.final_rounds {
            for &i in &finalists {
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
                if let Ok(t) = time_gpu(ctx, 1, iters, &|pass| p.record(pass)) {
                    records[i].samples_ms.extend(t.samples_ms);
                    records[i].median_ms = Some(crate::gpu::median(&records[i].samples_ms));
                }
            }
        }
    }

    let fastest = (0..n)
        .filter(|&i| records[i].status == CandidateStatus::Ok)
        .min_by(|&a, &b| {
            records[a]
                .median_ms
                .unwrap_or(f64::MAX)
                .total_cmp(&records[b].median_ms.unwrap_or(f64::MAX))
        });
    let default_ms = (records[0].status == CandidateStatus::Ok)
        .then(|| records[0].median_ms)
        .flatten();
    let winner = match (fastest, default_ms) {
        (Some(f), Some(d))
            if records[f].median_ms.unwrap_or(f64::MAX) > (1.0 - opts.margin) * d =>
        {
            Some(0)
        }
        (f, _) => f,
    };
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
    };
    tuner.buckets_tuned.fetch_add(1, Ordering::Relaxed);
    tuner.store(ctx, entry.clone());
    Ok(entry)
}
