//! The roofline work of an N:M sparse GEMM (`report::roofline`): counted here, outside the
//! native-only bench, so the browser's report counts it the same way.

use super::SparseGemmDesc;

/// The roofline work of an N:M sparse GEMM (`report::roofline`): the multiply-adds the
/// pattern keeps, N/M of the dense 2·rows·cols·K per batch (the row's GFLOP/s stays the dense
/// equivalent, as users compare it with dense GEMM); the compressed sparse operand (values and
/// metadata), the dense operand and the bias read once, the output written once.
/// `f16_math`: the products run on f16 cooperative matrices.
pub fn sparse_gemm_work(desc: &SparseGemmDesc, f16_math: bool) -> crate::report::Work {
    let es = desc.dtype.size();
    let bias = if desc.bias { desc.rows as u64 } else { 0 };
    crate::report::Work {
        flops: desc.flops() * desc.pattern.n as f64 / desc.pattern.m as f64,
        bytes: (desc.sparse_bytes() + (desc.dense_len() + desc.out_len() + bias) * es) as f64,
        f16_math,
    }
}
