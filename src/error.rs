//! The crate's one error type: every failure a caller can meet, named precisely, so that bad
//! input is rejected before anything is dispatched and nothing panics on user data.

/// Everything that can go wrong in `wgkernels`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No adapter matched (or none exists at all).
    #[error("no GPU adapter found: {0}")]
    NoAdapter(String),
    /// The adapter refused the device request.
    #[error("requesting a device failed: {0}")]
    RequestDevice(#[from] wgpu::RequestDeviceError),
    /// Operand shapes are inconsistent with each other or with the op.
    #[error("shape error: {0}")]
    Shape(String),
    /// A dimension that must be positive is zero.
    #[error("{0} is zero: every dimension must be at least 1")]
    ZeroSized(&'static str),
    /// A caller's buffer is smaller than the operand it is meant to hold.
    #[error("buffer `{name}` holds {have} bytes but the operand needs {need}")]
    BufferTooSmall {
        /// Which operand.
        name: &'static str,
        /// Size of the buffer in bytes.
        have: u64,
        /// Bytes the operand needs.
        need: u64,
    },
    /// A caller's buffer lacks a usage flag the op needs.
    #[error("buffer `{name}` lacks usage {usage}")]
    BufferUsage {
        /// Which operand.
        name: &'static str,
        /// The missing usage, e.g. `STORAGE`.
        usage: &'static str,
    },
    /// A size exceeds one of the adapter's limits.
    #[error("{what} needs {need}, over the adapter's limit `{limit}` = {max}")]
    OverLimit {
        /// What was too large.
        what: String,
        /// The amount needed.
        need: u64,
        /// The name of the `wgpu::Limits` field.
        limit: &'static str,
        /// The limit's value on this device.
        max: u64,
    },
    /// The op needs a device feature the adapter does not have (or was not requested).
    #[error("the device lacks feature {0}")]
    MissingFeature(&'static str),
    /// The requested variant or configuration cannot run on this adapter.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A host slice has the wrong length.
    #[error("`{name}` has {have} elements but the shape needs {need}")]
    Length {
        /// Which operand.
        name: &'static str,
        /// Elements given.
        have: usize,
        /// Elements needed.
        need: usize,
    },
    /// wgpu reported a validation or out-of-memory error.
    #[error("GPU error: {0}")]
    Gpu(String),
    /// The device was lost (driver reset, removal, destroy).
    #[error("device lost: {0}")]
    DeviceLost(String),
    /// Mapping a buffer for readback failed.
    #[error("buffer readback failed: {0}")]
    Readback(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file's contents are malformed (npy, JSON, cache).
    #[error("{path}: {msg}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        msg: String,
    },
    /// A dense matrix handed to N:M compression is not N:M sparse: names the first group (in row
    /// order) that keeps more than `n` nonzeros. Prune first (`wgkernels::ops::sparse_gemm::prune`)
    /// to force the pattern.
    #[error(
        "not {n}:{m} sparse: row {row}, group {group} (columns {}..{}) has {nonzeros} nonzeros, more than {n}",
        group * m,
        group * m + m
    )]
    NotNm {
        /// Kept values per group.
        n: usize,
        /// Group length.
        m: usize,
        /// Row of the offending group.
        row: usize,
        /// Group index within the row (columns `group·m .. group·m + m`).
        group: usize,
        /// Nonzeros found in that group.
        nonzeros: usize,
    },
    /// Compressed N:M metadata is malformed: names the first offending group and what is wrong
    /// (an index out of range, indices not strictly increasing, stray bits past the last index).
    #[error("invalid N:M metadata at row {row}, group {group}: {reason}")]
    NmMetadata {
        /// Row of the offending group.
        row: usize,
        /// Group index within the row.
        group: usize,
        /// What is wrong.
        reason: String,
    },
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
