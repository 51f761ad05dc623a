//! CPU references (f64 accumulation) and the crate's one tolerance rule.

mod gemm;
mod sparse_gemm;
mod tolerance;

pub use gemm::{gemm_ref, gemm_ref_rows};
pub use sparse_gemm::{sparse_gemm_ref, sparse_gemm_ref_rows};
pub use tolerance::{compare, Comparison, Tolerance};
