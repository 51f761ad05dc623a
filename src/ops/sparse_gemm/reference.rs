//! Reference N:M sparse GEMM in f64 on the *decompressed* sparse matrix: an ordinary dense
//! product, so it checks the format and the kernels' index arithmetic together.

use crate::ops::sparse_gemm::{SparseForm, SparseGemmDesc};

/// The output of `desc` in f64: `sparse` is the decompressed sparse operand (every sparse batch
/// stacked, `rows × k` each), `dense` is B or X as laid out for the op, `bias` has `rows` values.
/// Layout as the GPU op: C `batch × rows × cols`, or Y `batch × tokens × rows` (linear).
pub fn sparse_gemm_ref(
    d: &SparseGemmDesc,
    sparse: &[f64],
    dense: &[f64],
    bias: Option<&[f64]>,
) -> Vec<f64> {
    sparse_gemm_ref_rows(d, sparse, dense, bias, d.rows as usize)
}

/// [`sparse_gemm_ref`] for the first `rows` sparse rows of every batch only (other outputs stay
/// 0): a cheap spot check of large products.
pub fn sparse_gemm_ref_rows(
    d: &SparseGemmDesc,
    sparse: &[f64],
    dense: &[f64],
    bias: Option<&[f64]>,
    rows: usize,
) -> Vec<f64> {
    let (m, n, k) = (d.rows as usize, d.cols as usize, d.k as usize);
    let mut out = vec![0.0; m * n * d.batch as usize];
    for bi in 0..d.batch as usize {
        let sb = if d.shared_sparse { 0 } else { bi * m * k };
        let db = bi * k * n;
        for i in 0..m.min(rows) {
            let a = &sparse[sb + i * k..sb + (i + 1) * k];
            for j in 0..n {
                let mut s = 0.0;
                for (l, &av) in a.iter().enumerate() {
                    if av != 0.0 {
                        let bv = match d.form {
                            SparseForm::Matmul => dense[db + l * n + j],
                            SparseForm::Linear => dense[db + j * k + l],
                        };
                        s += av * bv;
                    }
                }
                if d.bias {
                    s += bias.map_or(0.0, |b| b[i]);
                }
                let idx = match d.form {
                    SparseForm::Matmul => bi * m * n + i * n + j,
                    SparseForm::Linear => bi * m * n + j * m + i,
                };
                out[idx] = s;
            }
        }
    }
    out
}

impl crate::harness::tolerance::Tolerance {
    /// Bound for an N:M sparse GEMM of depth `k` whose operands are rounded to `compute`.
    /// Every output is a sum of the `k·N/M` kept products only: the skipped terms are exact
    /// zeros in the reference (which runs on the decompressed matrix), so the reduction length
    /// of the rule is the kept count, not `k`. The coop kernel expands the same kept values
    /// (rounded to f16: `compute` = f16 there), so the same length applies.
    pub fn sparse_gemm(
        compute: crate::DType,
        k: u32,
        pattern: crate::ops::sparse_gemm::NmPattern,
    ) -> Self {
        Self::reduction(compute, pattern.kept(k as usize) as u64)
    }
}
