//! The persistent tuning cache: one JSON file per adapter, holding every candidate's measured
//! time for every tuned (op, shape bucket), not only the winner, so a cache can be inspected.
//!
//! The file name comes from the adapter's stable identity (name, vendor, device id, backend), so
//! each adapter has exactly one file. Inside, the full [`CacheKey`] — that identity plus driver,
//! driver info and crate version — decides whether the contents still apply. A file that fails
//! to parse (corrupt), was written for another adapter (foreign) or by another driver or crate
//! version (stale) is ignored with a warning and rewritten: the timings it holds were measured
//! on different code and would be wrong picks. Each entry also carries the hash of its own op's
//! shaders ([`shaders_hash`]): editing one kernel makes that op's entries stale, not the file.
//!
//! Writes go to a temporary file in the same directory and are renamed over the cache
//! (atomic on POSIX and on Windows' `MoveFileEx`), so a reader never sees a half-written file and
//! concurrent processes never corrupt it. The read-merge-write of an update runs under a lock
//! file (`<cache>.lock`, created exclusively; one older than 30 s is taken to be left by a
//! crashed process and broken): the current file is re-read and only the entries this process
//! (re)measured replace what is there, so two processes tuning different ops both keep their
//! results. If the lock cannot be had within a few seconds the update goes ahead without it —
//! still atomic, so at worst one entry is lost and re-tuned later, never the file.

use crate::runtime::pipelines::{source, Shader, Spec};
use crate::runtime::AdapterId;
use crate::DType;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Version of the file layout; a file with another value is stale.
pub const FORMAT: u32 = 3;

/// What a cache file must match to be used.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CacheKey {
    /// Adapter name, vendor, device id, backend, device type, driver and driver info.
    pub adapter: AdapterId,
    /// `CARGO_PKG_VERSION` of the wgkernels that measured it.
    pub crate_version: String,
}

impl CacheKey {
    /// The key for `adapter` under this build of the crate.
    pub fn new(adapter: AdapterId) -> Self {
        Self {
            adapter,
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// Outcome of one candidate in a tuning run.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CandidateStatus {
    /// Built, checked against the CPU reference and timed.
    Ok,
    /// Its first timed run was already far slower than the best so far: not timed further.
    Pruned,
    /// Failed to build or gave a wrong answer: never chosen.
    Dropped,
}

/// One candidate's measurement.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CandidateRecord {
    /// The op's configuration (its own serde form, e.g. a `GemmConfig`).
    pub config: serde_json::Value,
    /// Human-readable label.
    pub label: String,
    /// Ok, pruned or dropped.
    pub status: CandidateStatus,
    /// Median time over the timed runs, ms (absent when dropped before timing); for the
    /// finalists of a run with final rounds, over the final rounds alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_ms: Option<f64>,
    /// Every timed run, ms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples_ms: Vec<f64>,
    /// Why it was dropped or pruned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The tuning result of one (op, shape bucket).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TuneEntry {
    /// Op name (`gemm`, ...).
    pub op: String,
    /// Bucket key: the op's bucket type in its serde form, e.g. `{"dtype": "f32", "m": 1024,
    /// ...}` for GEMM.
    pub bucket: serde_json::Value,
    /// The representative problem that was timed (the op's shape object).
    pub shape: serde_json::Value,
    /// `gpu` (timestamp queries) or `wall`.
    pub timing: String,
    /// The chosen configuration, absent when every candidate failed.
    #[serde(default)]
    pub winner: Option<serde_json::Value>,
    /// Label of the winner.
    #[serde(default)]
    pub winner_label: Option<String>,
    /// Label of the untuned (vendor) default, for comparison.
    pub default_label: String,
    /// Median time of the winner, ms.
    #[serde(default)]
    pub winner_ms: Option<f64>,
    /// Median time of the default, ms (absent if the default failed).
    #[serde(default)]
    pub default_ms: Option<f64>,
    /// Every candidate, in the order tried (the default first).
    pub candidates: Vec<CandidateRecord>,
    /// When it was measured (seconds since the Unix epoch).
    pub tuned_at_unix: u64,
    /// [`shaders_hash`] of the op's shaders when it was measured: an entry whose op's kernels
    /// changed since is stale.
    #[serde(default)]
    pub shader_hash: String,
}

/// The whole file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CacheFile {
    /// [`FORMAT`].
    pub format: u32,
    /// What the contents apply to.
    pub key: CacheKey,
    /// Every tuned bucket, sorted by (op, bucket).
    pub entries: Vec<TuneEntry>,
}

impl CacheFile {
    /// An empty cache for `key`.
    pub fn empty(key: CacheKey) -> Self {
        Self {
            format: FORMAT,
            key,
            entries: Vec::new(),
        }
    }

    /// The entry of (op, bucket), if tuned.
    pub fn get(&self, op: &str, bucket: &serde_json::Value) -> Option<&TuneEntry> {
        self.entries
            .iter()
            .find(|e| e.op == op && e.bucket == *bucket)
    }

    /// Inserts or replaces an entry, keeping the order.
    pub fn put(&mut self, entry: TuneEntry) {
        self.entries
            .retain(|e| !(e.op == entry.op && e.bucket == entry.bucket));
        self.entries.push(entry);
        self.entries
            .sort_by_cached_key(|e| (e.op.clone(), e.bucket.to_string()));
    }
}

/// What was found at a cache path.
#[derive(Debug)]
pub enum Loaded {
    /// No file yet.
    Missing,
    /// A valid file for this key.
    Valid(CacheFile),
    /// A file that cannot be used; the reason names which of corrupt / foreign / stale it is.
    Invalid(String),
}

/// Reads and validates the cache at `path` against `key`. Never fails: anything unusable is
/// [`Loaded::Invalid`] with the reason.
pub fn load(path: &Path, key: &CacheKey) -> Loaded {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Loaded::Missing
        }
        Err(e) => return Loaded::Invalid(format!("unreadable ({e})")),
    };
    // Parse loosely first so that a foreign or stale file is named as such even when its
    // entries have another layout.
    let value: serde_json::Value = match serde_json::from_slice(&text) {
        Ok(v) => v,
        Err(e) => return Loaded::Invalid(format!("corrupt (not valid JSON: {e})")),
    };
    let format = value.get("format").and_then(|f| f.as_u64());
    if format != Some(FORMAT as u64) {
        return Loaded::Invalid(format!(
            "stale (file format {format:?}, this build reads {FORMAT})"
        ));
    }
    let file_key: CacheKey = match value.get("key").cloned().map(serde_json::from_value) {
        Some(Ok(k)) => k,
        Some(Err(e)) => return Loaded::Invalid(format!("corrupt (bad key: {e})")),
        None => return Loaded::Invalid("corrupt (no key)".into()),
    };
    if let Some(why) = key_mismatch(&file_key, key) {
        return Loaded::Invalid(why);
    }
    match serde_json::from_value::<CacheFile>(value) {
        Ok(f) => Loaded::Valid(f),
        Err(e) => Loaded::Invalid(format!("corrupt (bad entries: {e})")),
    }
}

/// Why a file written under `have` does not apply to `want`, or `None` if it does.
pub fn key_mismatch(have: &CacheKey, want: &CacheKey) -> Option<String> {
    let (h, w) = (&have.adapter, &want.adapter);
    if (&h.name, h.vendor, h.device, &h.backend) != (&w.name, w.vendor, w.device, &w.backend) {
        return Some(format!(
            "foreign (written for adapter `{}` {} vendor {:#x} device {:#x})",
            h.name, h.backend, h.vendor, h.device
        ));
    }
    if (&h.driver, &h.driver_info, &h.device_type) != (&w.driver, &w.driver_info, &w.device_type) {
        return Some(format!(
            "stale (written under driver `{} {}`)",
            h.driver, h.driver_info
        ));
    }
    if have.crate_version != want.crate_version {
        return Some(format!(
            "stale (written by wgkernels {})",
            have.crate_version
        ));
    }
    None
}

/// Writes `file` to `path` atomically: a temporary file in the same directory, then a rename.
/// Creates the directory if needed.
pub fn write_atomic(path: &Path, file: &CacheFile) -> std::io::Result<()> {
    let text = serde_json::to_vec_pretty(file).map_err(std::io::Error::other)?;
    write_bytes_atomic(path, &text)
}

/// Writes `text` to `path` atomically (see [`write_atomic`]).
pub(crate) fn write_bytes_atomic(path: &Path, text: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("cache.json");
    let tmp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let result = (|| {
        use std::io::Write;
        {
            // Closed before the rename (Windows cannot rename a file that is open).
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The cache file of an adapter inside `dir`: `<adapter-name>-<backend>-<hash>.json`, the hash
/// over the stable identity (name, vendor, device id, backend) so adapters never share a file.
pub fn file_path(dir: &Path, adapter: &AdapterId) -> PathBuf {
    let mut slug: String = adapter
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while slug.contains("--") {
        slug = slug.replace("--", "-");
    }
    let slug = slug.trim_matches('-');
    let slug: String = if slug.is_empty() {
        "adapter".into()
    } else {
        slug.chars().take(40).collect()
    };
    let ident = format!(
        "{}\0{}\0{}\0{}",
        adapter.name, adapter.vendor, adapter.device, adapter.backend
    );
    let h = fnv1a64(ident.as_bytes());
    dir.join(format!(
        "{slug}-{}-{:08x}.json",
        adapter.backend.to_lowercase(),
        h as u32
    ))
}

/// FNV-1a 64: a hash that is stable across Rust releases and platforms (std's is not).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Hash of the full text [`source`] produces for each of `shaders` under every spec a kernel
/// can be built with (f32 and f16 storage; 8×8 and 16×16 tiles for cooperative shaders), in
/// hex: any change to one of them, a helper it includes or the generated prelude changes it.
pub fn shaders_hash(shaders: &[Shader]) -> String {
    let mut all = String::new();
    for &shader in shaders {
        let tiles: &[Option<u32>] = if shader.uses_coop() {
            &[Some(8), Some(16)]
        } else {
            &[None]
        };
        for dtype in [DType::F32, DType::F16] {
            for &coop in tiles {
                all.push_str(&format!("\u{1}{shader:?}/{dtype}/{coop:?}\u{1}"));
                all.push_str(&source(shader, Spec { dtype, coop }));
            }
        }
    }
    format!("{:016x}", fnv1a64(all.as_bytes()))
}

/// An exclusive lock file next to the cache, removed when dropped.
#[derive(Debug)]
pub struct CacheLock(PathBuf);

impl Drop for CacheLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Takes the lock of the cache at `path`, waiting up to about 5 s. `None` if it cannot be had
/// (a directory that cannot be written, or a holder that does not let go).
pub fn lock(path: &Path) -> Option<CacheLock> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock = PathBuf::from(name);
    if let Some(dir) = lock.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    for _ in 0..500 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(_) => return Some(CacheLock(lock)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let stale = std::fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > std::time::Duration::from_secs(30));
                if stale {
                    let _ = std::fs::remove_file(&lock);
                } else {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
            }
            Err(_) => return None,
        }
    }
    None
}

/// What `tune --export` writes: the caches of one or more adapters, each with its full key, so
/// an application can ship measured configurations for the adapters it knows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExportFile {
    /// [`EXPORT_KIND`]: tells an export from a cache file or a report.
    pub kind: String,
    /// [`FORMAT`] of the caches inside.
    pub format: u32,
    /// One cache per (adapter, driver, wgkernels version) exported.
    pub caches: Vec<CacheFile>,
}

/// The `kind` of an [`ExportFile`].
pub const EXPORT_KIND: &str = "wgkernels tuning export";

impl ExportFile {
    /// An empty export.
    pub fn new() -> Self {
        Self {
            kind: EXPORT_KIND.into(),
            format: FORMAT,
            caches: Vec::new(),
        }
    }

    /// Adds `cache`, replacing an earlier one with the same key.
    pub fn add(&mut self, cache: CacheFile) {
        self.caches.retain(|c| c.key != cache.key);
        self.caches.push(cache);
    }
}

impl Default for ExportFile {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads an export file; the error says what is wrong with it.
pub fn read_export(path: &Path) -> Result<ExportFile, String> {
    let text = std::fs::read(path).map_err(|e| format!("unreadable ({e})"))?;
    let value: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| format!("not valid JSON ({e})"))?;
    if value.get("kind").and_then(|k| k.as_str()) != Some(EXPORT_KIND) {
        return Err(format!(
            "not a tuning export (no `\"kind\": \"{EXPORT_KIND}\"`; `tune --export` writes one)"
        ));
    }
    let format = value.get("format").and_then(|f| f.as_u64());
    if format != Some(FORMAT as u64) {
        return Err(format!(
            "stale (format {format:?}, this build reads {FORMAT})"
        ));
    }
    serde_json::from_value(value).map_err(|e| format!("corrupt ({e})"))
}

/// What became of one cache of an import.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportOutcome {
    /// This adapter's: merged into its cache.
    Applied {
        /// The cache file.
        path: PathBuf,
        /// Entries added.
        added: usize,
        /// Entries the cache already had (those measured here are kept).
        kept: usize,
    },
    /// Another adapter's: merged into that adapter's own file, never into this one's.
    KeptApart {
        /// The adapter it was measured on.
        adapter: String,
        /// Its file.
        path: PathBuf,
        /// Entries added.
        added: usize,
        /// Entries the file already had.
        kept: usize,
    },
    /// Not imported.
    Refused {
        /// The adapter it was measured on.
        adapter: String,
        /// Why.
        why: String,
    },
}

/// Merges `import` into the per-adapter cache files of `dir`, with the checks of the cache
/// itself: a cache whose key is this adapter's (`current`: same adapter, driver and wgkernels
/// version) is merged into this adapter's file; a cache of another adapter goes into that
/// adapter's own file (where a file for another driver or version of it is not overwritten),
/// so it can never be picked here; a cache of this adapter under another driver or version is
/// refused. Entries already in a file win over imported ones of the same (op, bucket): they
/// were measured on this machine. Each entry's shader hash is checked at lookup as usual, so an
/// entry for kernels that changed since is ignored there.
pub fn import(dir: &Path, current: &CacheKey, import: &ExportFile) -> Vec<ImportOutcome> {
    let ident = |a: &AdapterId| (a.name.clone(), a.vendor, a.device, a.backend.clone());
    let mut out = Vec::new();
    for cache in &import.caches {
        let a = &cache.key.adapter;
        let name = format!("{} ({}, {} {})", a.name, a.backend, a.driver, a.driver_info);
        let mine = ident(a) == ident(&current.adapter);
        if cache.format != FORMAT {
            out.push(ImportOutcome::Refused {
                adapter: name,
                why: format!("stale (format {}, this build reads {FORMAT})", cache.format),
            });
            continue;
        }
        if mine {
            if let Some(why) = key_mismatch(&cache.key, current) {
                out.push(ImportOutcome::Refused {
                    adapter: name,
                    why: format!("{why}: measured on different code than this adapter runs"),
                });
                continue;
            }
        }
        let path = file_path(dir, a);
        let _lock = lock(&path);
        let mut merged = match load(&path, &cache.key) {
            Loaded::Valid(f) => f,
            Loaded::Missing => CacheFile::empty(cache.key.clone()),
            // This adapter's file, unusable under its key: the tuner would discard it anyway.
            Loaded::Invalid(_) if mine => CacheFile::empty(cache.key.clone()),
            Loaded::Invalid(why) => {
                out.push(ImportOutcome::Refused {
                    adapter: name,
                    why: format!(
                        "its cache file {} is {why}: not overwritten",
                        path.display()
                    ),
                });
                continue;
            }
        };
        let kept = merged.entries.len();
        let mut added = 0;
        for e in &cache.entries {
            if merged.get(&e.op, &e.bucket).is_none() {
                merged.put(e.clone());
                added += 1;
            }
        }
        if let Err(e) = write_atomic(&path, &merged) {
            out.push(ImportOutcome::Refused {
                adapter: name,
                why: format!("{} is not writable ({e})", path.display()),
            });
            continue;
        }
        out.push(if mine {
            ImportOutcome::Applied { path, added, kept }
        } else {
            ImportOutcome::KeptApart {
                adapter: name,
                path,
                added,
                kept,
            }
        });
    }
    out
}

/// Adds this adapter's valid cache (`dir`, `key`) to the export at `path` (created, or merged
/// with the adapters it already holds); returns the entries exported.
pub fn export(dir: &Path, key: &CacheKey, path: &Path) -> Result<usize, String> {
    let cache_path = file_path(dir, &key.adapter);
    let cache = match load(&cache_path, key) {
        Loaded::Valid(f) if !f.entries.is_empty() => f,
        Loaded::Valid(_) | Loaded::Missing => {
            return Err(format!(
                "nothing tuned on this adapter yet ({}): run `wgkernels tune` first",
                cache_path.display()
            ))
        }
        Loaded::Invalid(why) => return Err(format!("the cache {} is {why}", cache_path.display())),
    };
    let mut file = if path.exists() {
        read_export(path).map_err(|why| format!("{} is {why}", path.display()))?
    } else {
        ExportFile::new()
    };
    let n = cache.entries.len();
    file.add(cache);
    let text = serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?;
    write_bytes_atomic(path, &text).map_err(|e| format!("{} ({e})", path.display()))?;
    Ok(n)
}
