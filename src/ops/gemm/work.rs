//! The roofline work of a GEMM (`report::roofline`): counted here, outside the native-only
//! bench, so the browser's report counts it the same way.

use super::GemmDesc;

/// The roofline work of a GEMM (`report::roofline`): 2·M·N·K FLOP per batch; A and B read once,
/// C written once (and read once more where beta ≠ 0), in the storage type. `f16_math`: the
/// products run on f16 cooperative matrices.
pub fn gemm_work(desc: &GemmDesc, f16_math: bool) -> crate::report::Work {
    let c_passes = if desc.beta != 0.0 { 2 } else { 1 };
    crate::report::Work {
        flops: desc.flops(),
        bytes: ((desc.a_len() + desc.b_len() + c_passes * desc.c_len()) * desc.dtype.size()) as f64,
        f16_math,
    }
}
