//! CPU references (f64 accumulation) and the crate's one tolerance rule.

mod fft;
mod gemm;
mod tolerance;

pub use fft::fft_ref;
pub use gemm::{gemm_ref, gemm_ref_rows};
pub use tolerance::{compare, Comparison, Tolerance};
