//! The one tolerance rule of the crate, used by tests, `verify` and the report.
//!
//! Error measure: relative L2, `‖gpu − ref‖₂ / ‖ref‖₂` (max abs error is reported beside it).
//! Bound: `C · u · √n`, where `u` is the unit roundoff of the *compute* precision (f32, or f16
//! where a kernel rounds operands to f16 — cooperative matrices, f16 storage), `n` the length
//! of the reduction behind each output (K for GEMM) and `C = 8`. Why: a sum of `n` products
//! rounded at each step has a worst-case relative error ~`n·u` but a typical (random-sign)
//! error ~`√n·u`; `C = 8` covers the input and output rounding (f16 storage rounds the result
//! once more, ≤ u) and the spread across random inputs. For FFTs `n` is replaced by `log2 N`
//! (each output is a log2 N-deep butterfly tree). These constants are fixed here and nowhere
//! else; a kernel that does not meet them is wrong, not the tolerance.

use crate::dtype::DType;
use serde::Serialize;

/// A tolerance on the relative L2 error.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Tolerance {
    /// Largest acceptable relative L2 error.
    pub rel_l2: f64,
}

/// The constant `C` of the rule.
pub const SAFETY: f64 = 8.0;

impl Tolerance {
    /// Bound for a reduction of length `n` in precision `compute`.
    pub fn reduction(compute: DType, n: u64) -> Self {
        Self {
            rel_l2: SAFETY * compute.unit_roundoff() * (n.max(1) as f64).sqrt(),
        }
    }
    /// Bound for a GEMM of depth `k` whose operands are rounded to `compute`.
    pub fn gemm(compute: DType, k: u32) -> Self {
        Self::reduction(compute, k as u64)
    }

    /// Bound for attention over `nkv` keys with head dim `d`, computed in `compute` (f32, or
    /// f16 where a kernel rounds Q, K, P and V to f16: cooperative matrices), stored as `storage`.
    ///
    /// Derivation: each score is a length-`d` dot product, so its rounding error is ~`u·√d`
    /// relative to the typical score; a score error δs changes its softmax weight by the factor
    /// `e^δs ≈ 1 + δs`, so the output inherits it relative to its size. The output is then a
    /// weighted sum over `nkv` keys (another reduction, ~`u·√nkv`). The two add as independent
    /// random errors: `C·u·√(d + nkv)` with the rule's `C = 8`. f16 storage rounds the result
    /// once more (≤ `u_f16` relative) — the inputs' rounding is not counted, because the
    /// reference is computed from the same rounded values.
    pub fn attention(compute: DType, storage: DType, nkv: u32, d: u32) -> Self {
        let mut t = Self::reduction(compute, nkv as u64 + d as u64);
        if storage == DType::F16 {
            t.rel_l2 += DType::F16.unit_roundoff();
        }
        t
    }

    /// The largest absolute error accepted for attention on unit-variance inputs with up to
    /// 4096 keys: 1e-4 when computed and stored in f32, 5e-3 when f16 is involved.
    ///
    /// Why: outputs are convex combinations of V rows, so |o| ≲ max|v| ≈ 1.7 (uniform with unit
    /// variance). In f32 the relative error bound above is ≤ 8·6e-8·√(4096+256) ≈ 3.2e-5, times
    /// |o| ≤ 1.7 gives 5.4e-5 < 1e-4. With f16 storage the final rounding alone is half an ulp,
    /// 2^-11·|o| ≤ 8.5e-4; with f16 compute the scores (|s| ≲ 4 for unit-variance inputs at
    /// scale 1/√d) carry ≈ 2·u_f16·|s| ≈ 4e-3 relative error into the weights, times the spread
    /// of V around the output (≲ 1): 5e-3 covers both.
    pub fn attention_max_abs(compute: DType, storage: DType) -> f64 {
        if compute == DType::F32 && storage == DType::F32 {
            1e-4
        } else {
            5e-3
        }
    }
}

impl Tolerance {
    /// Bound for an N:M sparse GEMM of depth `k` whose operands are rounded to `compute`.
    /// Every output is a sum of the `k·N/M` kept products only: the skipped terms are exact
    /// zeros in the reference (which runs on the decompressed matrix), so the reduction length
    /// of the rule is the kept count, not `k`. The coop kernel expands the same kept values
    /// (rounded to f16: `compute` = f16 there), so the same length applies.
    pub fn sparse_gemm(
        compute: DType,
        k: u32,
        pattern: crate::ops::sparse_gemm::NmPattern,
    ) -> Self {
        Self::reduction(compute, pattern.kept(k as usize) as u64)
    }
}

/// The result of comparing GPU output with a reference.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Comparison {
    /// Largest absolute difference.
    pub max_abs_err: f64,
    /// Relative L2 error (absolute L2 when the reference is all zeros).
    pub rel_l2_err: f64,
    /// The bound applied.
    pub tolerance: f64,
    /// `rel_l2_err <= tolerance` and no NaN appeared where the reference has none.
    pub pass: bool,
}

impl Comparison {
    /// `Ok` when it passed, else the error and the bound in words (for tuning's drop reasons).
    pub fn verdict(&self) -> Result<(), String> {
        if self.pass {
            return Ok(());
        }
        Err(format!(
            "rel L2 error {:.2e} over the tolerance {:.2e}",
            self.rel_l2_err, self.tolerance
        ))
    }
}

/// Compares `got` with `want` under `tol`.
pub fn compare(got: &[f64], want: &[f64], tol: Tolerance) -> Comparison {
    let mut max_abs: f64 = 0.0;
    let mut diff2 = 0.0;
    let mut ref2 = 0.0;
    let mut bad_nan = got.len() != want.len();
    for (&g, &w) in got.iter().zip(want) {
        if g.is_nan() != w.is_nan() {
            bad_nan = true;
            continue;
        }
        if w.is_nan() {
            continue;
        }
        let d = (g - w).abs();
        max_abs = max_abs.max(d);
        diff2 += d * d;
        ref2 += w * w;
    }
    let rel = if ref2 > 0.0 {
        (diff2 / ref2).sqrt()
    } else {
        diff2.sqrt()
    };
    Comparison {
        max_abs_err: max_abs,
        rel_l2_err: rel,
        tolerance: tol.rel_l2,
        pass: !bad_nan && rel.is_finite() && rel <= tol.rel_l2,
    }
}

impl Tolerance {
    /// Bound for an FFT of length `n` whose values are stored as `storage` (f32 arithmetic).
    ///
    /// f32: `2e-6 · log2 n` (≈ 34·u·log2 n). Derivation: a radix-2 FFT with exact twiddles has
    /// a worst-case relative error ≈ `u·log2 n·(1 + 2√2)` (each of the log2 n levels adds one
    /// complex add and one complex multiply, Higham §24.1), and twiddles that are themselves
    /// rounded (table entries, products of two table entries, powers formed by up to 15 products
    /// inside a radix-16 butterfly) add ≲ 16·u per level in the worst case. Bluestein runs two
    /// FFTs of length ≥ 2n and two chirp products, at most doubling the level count plus 4
    /// roundings. 34 covers the sum of these worst cases; the typical (random-sign) error is
    /// 10–30× smaller, so a real defect (a wrong twiddle, a lost term) still fails by orders of
    /// magnitude. log2 n is taken as at least 1.
    ///
    /// f16 storage: `5e-3`, independent of n. The input is rounded to f16 before the reference
    /// sees it, so the error is the f32 arithmetic (negligible here) plus one f16 rounding of the
    /// output and of every intermediate pass stored in f16 (≤ 4 passes, Bluestein ≤ 8 with its
    /// scratch), each ≤ u16 = 4.9e-4 relative: ≤ 9·u16 ≈ 4.4e-3 worst case.
    pub fn fft(storage: DType, n: u64) -> Self {
        match storage {
            DType::F32 => Self {
                rel_l2: 2e-6 * (n.max(2) as f64).log2(),
            },
            DType::F16 => Self { rel_l2: 5e-3 },
        }
    }
}

impl Tolerance {
    /// Bound for an FFT convolution computed with FFTs of `n_fft` points: a forward and an
    /// inverse transform plus the pointwise product, i.e. twice the FFT bound of `n_fft` (f32),
    /// or the f16-storage bound (one rounding of the input gate product and of the output).
    /// Measured against the direct sum, relative L2 over the whole output.
    pub fn fftconv(storage: DType, n_fft: u64) -> Self {
        match storage {
            DType::F32 => Self {
                rel_l2: 2.0 * Self::fft(DType::F32, n_fft).rel_l2,
            },
            DType::F16 => Self::fft(DType::F16, n_fft),
        }
    }
}

impl Tolerance {
    /// Bound for a Monarch (matrix) FFT of length `n` stored as `storage`, whose GEMM stages
    /// round their operands to f16 (`f16_operands`: the cooperative-matrix variant) or not (the
    /// tiled f32 variant).
    ///
    /// f32 operands: the plain FFT bound [`Tolerance::fft`]. Each of the s = ⌈log2 n / log2 R⌉
    /// stages is an R-term f32 sum of products with table-rounded matrix entries and one rounded
    /// twiddle: worst case ≈ (R + 2)·u per stage, s·(R + 2)·u ≤ 5·18·6e-8 = 5.4e-6 at n = 2^20,
    /// R = 16, under the 4e-5 the bound gives there (and smaller for smaller n).
    ///
    /// f16 operands: `5e-3`, the f16 class, for every n and storage (f32 data included — this
    /// path cannot meet the f32 bound, so it is an f16-accuracy path, like the coop GEMM).
    /// Derivation (unit-variance inputs): every stage rounds its data operand to f16 (relative L2
    /// ≤ u16/√3 rms, u16 = 2^-11) and multiplies by an f16-rounded DFT matrix (entries of modulus
    /// 1, rounding errors of random sign: another ≈ u16/√3 relative after the √R growth of the
    /// unitary part); accumulation is f32 (negligible). The DFT stages preserve relative L2, so
    /// the s stage errors, one more per f16 pass store (≤ 3 passes), add in quadrature:
    /// √(2s + 3)·u16/√3 ≤ √17·2.8e-4 ≈ 1.2e-3 for n ≤ 2^22 at R ≥ 8 (s ≤ 7). 5e-3 keeps a 4×
    /// margin for the spread across inputs; a wrong twiddle or index still fails by 100×.
    pub fn fft_monarch(storage: DType, f16_operands: bool, n: u64) -> Self {
        if f16_operands {
            Self::fft(DType::F16, n)
        } else {
            Self::fft(storage, n)
        }
    }
}
