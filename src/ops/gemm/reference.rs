//! Reference GEMM in f64, on the same element values the GPU sees.

use crate::ops::gemm::GemmDesc;

/// `C = alpha·op(A)·op(B) + beta·C` in f64 (C optional when beta = 0), same layout as the GPU op.
/// A descriptor with a bias adds none here: see [`gemm_ref_bias`].
pub fn gemm_ref(d: &GemmDesc, a: &[f64], b: &[f64], c: Option<&[f64]>) -> Vec<f64> {
    gemm_ref_rows(d, a, b, None, c, d.m as usize)
}

/// The whole epilogue: `C = act(alpha·op(A)·op(B) + bias) + beta·C` (the linear layer).
pub fn gemm_ref_bias(
    d: &GemmDesc,
    a: &[f64],
    b: &[f64],
    bias: Option<&[f64]>,
    c: Option<&[f64]>,
) -> Vec<f64> {
    gemm_ref_rows(d, a, b, bias, c, d.m as usize)
}

/// [`gemm_ref_bias`] restricted to the first `rows` rows of every batch (the rest stay 0): a
/// cheap spot check of large products.
pub fn gemm_ref_rows(
    d: &GemmDesc,
    a: &[f64],
    b: &[f64],
    bias: Option<&[f64]>,
    c: Option<&[f64]>,
    rows: usize,
) -> Vec<f64> {
    let (m, n, k) = (d.m as usize, d.n as usize, d.k as usize);
    let mut out = vec![0.0; m * n * d.batch as usize];
    for bi in 0..d.batch as usize {
        let ab = if d.broadcast_a { 0 } else { bi * m * k };
        let bb = if d.broadcast_b { 0 } else { bi * k * n };
        for i in 0..m.min(rows) {
            for j in 0..n {
                let mut s = 0.0;
                for l in 0..k {
                    let av = if d.trans_a {
                        a[ab + l * m + i]
                    } else {
                        a[ab + i * k + l]
                    };
                    let bv = if d.trans_b {
                        b[bb + j * k + l]
                    } else {
                        b[bb + l * n + j]
                    };
                    s += av * bv;
                }
                let idx = bi * m * n + i * n + j;
                let mut v = d.alpha as f64 * s;
                if d.bias {
                    v += bias.map_or(0.0, |x| x[j]);
                }
                v = d.activation.apply_f64(v);
                if d.beta != 0.0 {
                    v += d.beta as f64 * c.map_or(0.0, |c| c[idx]);
                }
                out[idx] = v;
            }
        }
    }
    out
}

impl crate::harness::tolerance::Tolerance {
    /// Bound for a GEMM of depth `k` whose operands are rounded to `compute`.
    pub fn gemm(compute: crate::DType, k: u32) -> Self {
        Self::reduction(compute, k as u64)
    }
    /// Bound for the GEMM `d` whose operands are rounded to `compute`: a bias is one more term
    /// of each output's sum (K + 1); the activation follows the sum and changes an output's
    /// error by at most its slope (≤ 1.13 for GELU, ≤ 1.1 for SiLU, 1 for ReLU), which the
    /// rule's constant covers, so it adds no term.
    pub fn gemm_desc(compute: crate::DType, d: &GemmDesc) -> Self {
        Self::reduction(compute, d.k as u64 + d.bias as u64)
    }
}
