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
//! else; a kernel that does not meet them is wrong, not the tolerance. Each op applies the rule
//! in its folder (`ops/<op>/reference.rs`: `Tolerance::gemm`, `Tolerance::fft`, ...), with the
//! derivation of its reduction length written there.

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
