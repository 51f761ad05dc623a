//! The N:M structured-sparse format: along every row, each group of `M` consecutive columns keeps
//! at most `N` values (2:4 is the case sparse tensor cores accelerate; any `1 ≤ N < M ≤ 16` works).
//!
//! # Layout (host)
//!
//! A `rows × K` matrix (`K` a multiple of `M`) is stored as
//! - **values** `[rows, K·N/M]`, row-major: for each group `g` in order, its `N` kept values in
//!   increasing column order. A group with fewer than `N` nonzeros also keeps its lowest-index
//!   zeros, so every group has exactly `N` slots and the encoding of a matrix is unique;
//! - **metadata** `[rows, W]` `u32` words, `W = ⌈(K·N/M) / P⌉`: the in-group index (`0..M`) of
//!   every kept value, `b = ⌈log2 M⌉` bits each, `P = ⌊32 / b⌋` per word. Kept value `j` of a row
//!   (in the order of the values) has its index in word `j / P` at bit `(j mod P)·b`, least
//!   significant first; unused high bits are zero and every row starts a fresh word.
//!
//! For 2:4 this is the PyTorch/CUTLASS code: each group of 4 owns 4 bits (two 2-bit indices, the
//! lower in the low bits), 8 groups per word. Compressed bytes at 2:4: 56.25% of dense f16,
//! 53.125% of dense f32.
//!
//! # Layout (GPU)
//!
//! Kernels read values four at a time, so on the GPU every row of values is padded with zeros to
//! a multiple of 4 elements ([`NmMatrix::gpu_values`]; `kc_pad = ⌈K·N/M / 4⌉·4`). Where
//! `K·N/M` is already a multiple of 4 (2:4 with `K` a multiple of 8, every 4:8, ...) the host and
//! GPU layouts are the same bytes. Metadata is identical on host and GPU. A batch of sparse
//! matrices is `batch` such blocks one after the other.

use crate::dtype::Element;
use crate::error::{Error, Result};

/// An N:M sparsity pattern: at most `n` nonzeros in every group of `m` consecutive columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct NmPattern {
    /// Kept values per group.
    pub n: u32,
    /// Group length along K.
    pub m: u32,
}

impl NmPattern {
    /// 2:4, the pattern of sparse tensor cores.
    pub const TWO_FOUR: NmPattern = NmPattern { n: 2, m: 4 };

    /// A checked pattern: `1 ≤ n < m ≤ 16` (16 keeps the in-group index within 4 bits).
    pub fn new(n: u32, m: u32) -> Result<Self> {
        let p = NmPattern { n, m };
        p.validate()?;
        Ok(p)
    }

    /// Fails unless `1 ≤ n < m ≤ 16`.
    pub fn validate(&self) -> Result<()> {
        if self.n == 0 || self.n >= self.m || self.m > 16 {
            return Err(Error::Shape(format!(
                "N:M pattern {}:{} is not supported: need 1 <= N < M <= 16",
                self.n, self.m
            )));
        }
        Ok(())
    }

    /// Bits per stored index, `⌈log2 M⌉`.
    pub fn bits(&self) -> u32 {
        32 - (self.m.max(2) - 1).leading_zeros()
    }

    /// Indices per metadata word, `⌊32 / bits⌋`.
    pub fn per_word(&self) -> u32 {
        32 / self.bits()
    }

    /// Kept values per row for `k` columns (`k·N/M`).
    pub fn kept(&self, k: usize) -> usize {
        k / self.m as usize * self.n as usize
    }

    /// Kept values per row in the GPU layout (padded to a multiple of 4).
    pub fn kept_padded(&self, k: usize) -> usize {
        self.kept(k).div_ceil(4) * 4
    }

    /// Metadata words per row for `k` columns.
    pub fn meta_words(&self, k: usize) -> usize {
        self.kept(k).div_ceil(self.per_word() as usize)
    }

    /// Fails unless `k` is a positive multiple of `m`.
    pub fn check_k(&self, k: usize) -> Result<()> {
        if k == 0 {
            return Err(Error::ZeroSized(
                "N:M sparse K (columns of the sparse operand)",
            ));
        }
        if !k.is_multiple_of(self.m as usize) {
            return Err(Error::Shape(format!(
                "K = {k} is not a multiple of M = {} (the {self} groups run along K)",
                self.m
            )));
        }
        Ok(())
    }

    /// Fraction of dense bytes the compressed form takes for storage of `elem_bytes` bytes per
    /// value (values plus metadata, `K` large): 0.5625 for 2:4 f16, 0.53125 for 2:4 f32.
    pub fn compressed_fraction(&self, elem_bytes: u32) -> f64 {
        let per_col_values = self.n as f64 / self.m as f64 * elem_bytes as f64;
        let per_col_meta = self.n as f64 / self.m as f64 * 4.0 / self.per_word() as f64;
        (per_col_values + per_col_meta) / elem_bytes as f64
    }
}

impl std::fmt::Display for NmPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.n, self.m)
    }
}

impl std::str::FromStr for NmPattern {
    type Err = Error;
    /// Parses `"2:4"`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::Shape(format!(
                "N:M pattern {s:?} is not of the form N:M (e.g. 2:4)"
            ))
        };
        let (n, m) = s.split_once(':').ok_or_else(bad)?;
        let n = n.trim().parse().map_err(|_| bad())?;
        let m = m.trim().parse().map_err(|_| bad())?;
        NmPattern::new(n, m)
    }
}

/// A `rows × cols` matrix in N:M compressed form (see the module docs for the layout).
#[derive(Clone, Debug, PartialEq)]
pub struct NmMatrix<T> {
    rows: usize,
    cols: usize,
    pattern: NmPattern,
    values: Vec<T>,
    meta: Vec<u32>,
}

fn is_zero<T: Element>(x: T) -> bool {
    x.to_f64() == 0.0
}

/// Magnitude for pruning: NaN counts as infinite, so it is kept and stays visible.
fn magnitude<T: Element>(x: T) -> f64 {
    let a = x.to_f64().abs();
    if a.is_nan() {
        f64::INFINITY
    } else {
        a
    }
}

fn check_dense<T>(dense: &[T], rows: usize, cols: usize, pattern: NmPattern) -> Result<()> {
    pattern.validate()?;
    if rows == 0 {
        return Err(Error::ZeroSized("N:M sparse rows"));
    }
    pattern.check_k(cols)?;
    let need = rows
        .checked_mul(cols)
        .ok_or_else(|| Error::Shape(format!("{rows}×{cols} overflows")))?;
    if dense.len() != need {
        return Err(Error::Length {
            name: "dense matrix",
            have: dense.len(),
            need,
        });
    }
    Ok(())
}

impl<T: Element> NmMatrix<T> {
    /// Compresses a row-major `rows × cols` matrix that already is N:M sparse. A matrix with a
    /// group of more than `N` nonzeros is [`Error::NotNm`] naming the first such group (row
    /// order); use [`NmMatrix::compress_pruned`] to prune instead.
    pub fn compress(dense: &[T], rows: usize, cols: usize, pattern: NmPattern) -> Result<Self> {
        Self::build(dense, rows, cols, pattern, false)
    }

    /// Prunes (see [`prune`]) and compresses in one pass: every group keeps its `N` largest
    /// magnitudes, ties broken by the lower index.
    pub fn compress_pruned(
        dense: &[T],
        rows: usize,
        cols: usize,
        pattern: NmPattern,
    ) -> Result<Self> {
        Self::build(dense, rows, cols, pattern, true)
    }

    fn build(
        dense: &[T],
        rows: usize,
        cols: usize,
        pattern: NmPattern,
        prune: bool,
    ) -> Result<Self> {
        check_dense(dense, rows, cols, pattern)?;
        let (n, m) = (pattern.n as usize, pattern.m as usize);
        let kept = pattern.kept(cols);
        let mw = pattern.meta_words(cols);
        let (bits, pw) = (pattern.bits() as usize, pattern.per_word() as usize);
        let mut values = vec![T::default(); rows * kept];
        let mut meta = vec![0u32; rows * mw];
        for r in 0..rows {
            for g in 0..cols / m {
                let grp = &dense[r * cols + g * m..r * cols + g * m + m];
                let take = if prune {
                    top_n(grp, n)
                } else {
                    let nonzeros = grp.iter().filter(|&&x| !is_zero(x)).count();
                    if nonzeros > n {
                        return Err(Error::NotNm {
                            n,
                            m,
                            row: r,
                            group: g,
                            nonzeros,
                        });
                    }
                    // The nonzeros, then the lowest-index zeros up to N slots.
                    let mut take = [false; 16];
                    let mut fill = n - nonzeros;
                    for (i, &x) in grp.iter().enumerate() {
                        if !is_zero(x) {
                            take[i] = true;
                        } else if fill > 0 {
                            take[i] = true;
                            fill -= 1;
                        }
                    }
                    take
                };
                let mut slot = 0;
                for (i, &x) in grp.iter().enumerate() {
                    if take[i] {
                        let j = g * n + slot;
                        values[r * kept + j] = x;
                        meta[r * mw + j / pw] |= (i as u32) << ((j % pw) * bits);
                        slot += 1;
                    }
                }
            }
        }
        Ok(Self {
            rows,
            cols,
            pattern,
            values,
            meta,
        })
    }

    /// Wraps already-compressed parts, checking every size and every index: lengths must match
    /// the shape ([`Error::Length`]), and each group's indices must be `< M` and strictly
    /// increasing with no stray bits past a row's last index ([`Error::NmMetadata`] names the
    /// first offending group).
    pub fn from_parts(
        rows: usize,
        cols: usize,
        pattern: NmPattern,
        values: Vec<T>,
        meta: Vec<u32>,
    ) -> Result<Self> {
        pattern.validate()?;
        if rows == 0 {
            return Err(Error::ZeroSized("N:M sparse rows"));
        }
        pattern.check_k(cols)?;
        let kept = pattern.kept(cols);
        if values.len() != rows * kept {
            return Err(Error::Length {
                name: "N:M values",
                have: values.len(),
                need: rows * kept,
            });
        }
        let mw = pattern.meta_words(cols);
        if meta.len() != rows * mw {
            return Err(Error::Length {
                name: "N:M metadata",
                have: meta.len(),
                need: rows * mw,
            });
        }
        validate_meta(&meta, rows, cols, pattern)?;
        Ok(Self {
            rows,
            cols,
            pattern,
            values,
            meta,
        })
    }

    /// Expands back to the dense row-major matrix (zeros where nothing is kept).
    pub fn decompress(&self) -> Vec<T> {
        let (n, m) = (self.pattern.n as usize, self.pattern.m as usize);
        let kept = self.pattern.kept(self.cols);
        let mut out = vec![T::from_f64(0.0); self.rows * self.cols];
        for r in 0..self.rows {
            for j in 0..kept {
                let col = (j / n) * m + self.index(r, j) as usize;
                out[r * self.cols + col] = self.values[r * kept + j];
            }
        }
        out
    }

    /// In-group index of kept value `j` of row `r`.
    pub fn index(&self, r: usize, j: usize) -> u32 {
        meta_index(
            &self.meta,
            self.pattern.meta_words(self.cols),
            self.pattern,
            r,
            j,
        )
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns (K) of the dense matrix.
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The pattern.
    pub fn pattern(&self) -> NmPattern {
        self.pattern
    }
    /// Kept values, `[rows, K·N/M]`.
    pub fn values(&self) -> &[T] {
        &self.values
    }
    /// Metadata words, `[rows, ⌈K·N/M / P⌉]`.
    pub fn meta(&self) -> &[u32] {
        &self.meta
    }
    /// Values in the GPU layout: rows padded with zeros to a multiple of 4 values.
    pub fn gpu_values(&self) -> std::borrow::Cow<'_, [T]> {
        let kept = self.pattern.kept(self.cols);
        let pad = self.pattern.kept_padded(self.cols);
        if pad == kept {
            return std::borrow::Cow::Borrowed(&self.values);
        }
        let mut out = vec![T::from_f64(0.0); self.rows * pad];
        for r in 0..self.rows {
            out[r * pad..r * pad + kept].copy_from_slice(&self.values[r * kept..(r + 1) * kept]);
        }
        std::borrow::Cow::Owned(out)
    }
    /// Bytes of values plus metadata (host layout).
    pub fn compressed_bytes(&self) -> u64 {
        (self.values.len() * std::mem::size_of::<T>() + self.meta.len() * 4) as u64
    }
    /// Bytes of the same matrix stored dense.
    pub fn dense_bytes(&self) -> u64 {
        (self.rows * self.cols * std::mem::size_of::<T>()) as u64
    }
}

fn meta_index(meta: &[u32], mw: usize, p: NmPattern, r: usize, j: usize) -> u32 {
    let (bits, pw) = (p.bits() as usize, p.per_word() as usize);
    (meta[r * mw + j / pw] >> ((j % pw) * bits)) & ((1u32 << bits) - 1)
}

/// Checks metadata words of a `rows × cols` N:M matrix (lengths already checked): indices `< M`,
/// strictly increasing within each group, no bits set past each row's last index.
pub fn validate_meta(meta: &[u32], rows: usize, cols: usize, pattern: NmPattern) -> Result<()> {
    let (n, m) = (pattern.n as usize, pattern.m as usize);
    let kept = pattern.kept(cols);
    let mw = pattern.meta_words(cols);
    let (bits, pw) = (pattern.bits() as usize, pattern.per_word() as usize);
    for r in 0..rows {
        for g in 0..cols / m {
            let mut prev: Option<u32> = None;
            for s in 0..n {
                let i = meta_index(meta, mw, pattern, r, g * n + s);
                if i as usize >= m {
                    return Err(Error::NmMetadata {
                        row: r,
                        group: g,
                        reason: format!("index {i} of kept value {s} is not below M = {m}"),
                    });
                }
                if prev.is_some_and(|p| i <= p) {
                    return Err(Error::NmMetadata {
                        row: r,
                        group: g,
                        reason: format!(
                            "indices not strictly increasing ({} then {i})",
                            prev.unwrap_or(0)
                        ),
                    });
                }
                prev = Some(i);
            }
        }
        // Stray bits: past the last index of the row, and above P·b in every word.
        for w in 0..mw {
            let used = (kept - w * pw).min(pw) * bits;
            let word = meta[r * mw + w];
            if used < 32 && word >> used != 0 {
                let group = ((w * pw + used / bits).min(kept.max(1)) - 1) / n;
                return Err(Error::NmMetadata {
                    row: r,
                    group,
                    reason: format!(
                        "metadata word {w} has bits set above bit {used} (no index lives there)"
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Which `n` of the group's positions pruning keeps: largest magnitudes, ties to the lower index.
fn top_n<T: Element>(grp: &[T], n: usize) -> [bool; 16] {
    let mut order: Vec<usize> = (0..grp.len()).collect();
    // Stable sort by decreasing magnitude keeps lower indices first among ties.
    order.sort_by(|&a, &b| magnitude(grp[b]).total_cmp(&magnitude(grp[a])));
    let mut take = [false; 16];
    for &i in order.iter().take(n) {
        take[i] = true;
    }
    take
}

/// Prunes a row-major `rows × cols` matrix to N:M: in every group of `M` columns the `N`
/// largest magnitudes stay (ties broken by the lower index; NaN counts as the largest), the
/// rest become zero. The result always compresses with [`NmMatrix::compress`].
pub fn prune<T: Element>(
    dense: &[T],
    rows: usize,
    cols: usize,
    pattern: NmPattern,
) -> Result<Vec<T>> {
    Ok(NmMatrix::compress_pruned(dense, rows, cols, pattern)?.decompress())
}
