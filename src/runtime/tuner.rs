//! Per-context tuning state: the [`TuneMode`], the cache location and file, counters and the
//! warnings issued. It lives with the [`Context`] (every context has one); the generic engine
//! that fills it (`crate::tune`) builds on it and names no op either.

use super::tune_cache::{self as cache, CacheFile, CacheKey, Loaded, TuneEntry};
use super::Context;
use serde::Serialize;
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

pub(crate) struct State {
    pub(crate) mode: TuneMode,
    pub(crate) dir: Option<PathBuf>,
    pub(crate) dir_origin: String,
    pub(crate) key: Option<CacheKey>,
    pub(crate) file: Option<CacheFile>,
    pub(crate) path: Option<PathBuf>,
    /// (op, bucket key as compact JSON) of the entries this process measured.
    pub(crate) dirty: BTreeSet<(String, String)>,
    pub(crate) persistent: bool,
    pub(crate) load_state: String,
    pub(crate) notices: Vec<String>,
    pub(crate) warned: HashSet<String>,
}

/// Per-context tuning state: the mode, the cache location, the loaded cache, counters and the
/// warnings issued. Every [`Context`] has one (from the environment); replace it with
/// [`Context::with_tuner`].
pub struct Tuner {
    pub(crate) state: Mutex<State>,
    // Serialises tuning runs (native only: the browser never tunes).
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub(crate) tuning: Mutex<()>,
    pub(crate) tuning_runs: AtomicU64,
    pub(crate) buckets_tuned: AtomicU64,
    pub(crate) cache_hits: AtomicU64,
    pub(crate) defaults: AtomicU64,
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

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
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

    pub(crate) fn warn(&self, s: &mut State, msg: String) {
        log::warn!("{msg}");
        s.notices.push(msg);
    }

    /// The state with the cache of `ctx`'s adapter loaded (read once; re-read if the tuner is
    /// used with another adapter or a new directory).
    pub(crate) fn loaded(&self, ctx: &Context) -> MutexGuard<'_, State> {
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
    pub fn entry(&self, ctx: &Context, op: &str, bucket: &serde_json::Value) -> Option<TuneEntry> {
        self.loaded(ctx)
            .file
            .as_ref()
            .and_then(|f| f.get(op, bucket).cloned())
    }

    /// Stores an entry in memory and, where possible, in the cache file (merged with what other
    /// processes wrote meanwhile, written to a temporary file and renamed).
    pub fn store(&self, ctx: &Context, entry: TuneEntry) {
        let mut s = self.loaded(ctx);
        s.dirty.insert((entry.op.clone(), entry.bucket.to_string()));
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
        for e in &mine.entries {
            if s.dirty.contains(&(e.op.clone(), e.bucket.to_string())) {
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
