//! The driver's pipeline cache on disk, where the adapter offers one (`Features::PIPELINE_CACHE`:
//! wgpu implements it on Vulkan). It holds what the driver keeps of compiled pipelines, so a later
//! run can skip that work; how much that is depends on the driver (lavapipe keeps its front-end
//! work there and its machine code in its own disk cache, `MESA_SHADER_CACHE_DIR`; GPU drivers
//! keep their machine code, which matters most where the driver has no cache of its own).
//!
//! The file sits next to the tuning cache (`<adapter file>.pipelines.bin`) and is keyed the same
//! way ([`CacheKey`]: adapter, driver, crate version): a header line of JSON, then a
//! hash of the data, then the data. A file that is unreadable, corrupt, foreign or stale is
//! ignored (the driver starts empty) and replaced at the next save. That also upholds the
//! contract of `create_pipeline_cache`: only bytes this adapter's driver produced reach it.

use crate::runtime::tune_cache::{fnv1a64, key_mismatch, write_bytes_atomic, CacheKey};
use std::path::{Path, PathBuf};

/// First bytes of every file.
const MAGIC: &[u8] = b"wgkernels pipeline cache 1\n";

/// The pipeline cache path for the tuning cache file `tuning`.
pub(crate) fn path_for(tuning: &Path) -> PathBuf {
    tuning.with_extension("pipelines.bin")
}

/// The driver data stored at `path` for `key`, or why there is none that can be used.
pub(crate) fn load(path: &Path, key: &CacheKey) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("unreadable ({e})"))?;
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or("corrupt (not a wgkernels pipeline cache)")?;
    let nl = rest
        .iter()
        .position(|&b| b == b'\n')
        .ok_or("corrupt (no header)")?;
    let file_key: CacheKey =
        serde_json::from_slice(&rest[..nl]).map_err(|e| format!("corrupt (bad header: {e})"))?;
    if let Some(why) = key_mismatch(&file_key, key) {
        return Err(why);
    }
    let body = &rest[nl + 1..];
    if body.len() < 8 {
        return Err("corrupt (truncated)".into());
    }
    let (hash, data) = body.split_at(8);
    let hash = u64::from_le_bytes(hash.try_into().map_err(|_| "corrupt (truncated)")?);
    if fnv1a64(data) != hash {
        return Err("corrupt (data does not match its hash)".into());
    }
    Ok(data.to_vec())
}

/// Writes `data` for `key` to `path` atomically.
pub(crate) fn save(path: &Path, key: &CacheKey, data: &[u8]) -> std::io::Result<()> {
    let mut bytes = MAGIC.to_vec();
    bytes.extend(serde_json::to_vec(key).map_err(std::io::Error::other)?);
    bytes.push(b'\n');
    bytes.extend(fnv1a64(data).to_le_bytes());
    bytes.extend(data);
    write_bytes_atomic(path, &bytes)
}
