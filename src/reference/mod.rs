//! CPU references (f64 accumulation) and the crate's one tolerance rule.

mod attention;
mod gemm;
mod tolerance;

pub use attention::attention_ref;
pub use gemm::{gemm_ref, gemm_ref_rows};
pub use tolerance::{compare, Comparison, Tolerance};
