//! CPU references (f64 accumulation) and the crate's one tolerance rule.

mod attention;
mod fft;
mod gemm;
mod sparse_gemm;
mod tolerance;

pub use attention::attention_ref;
pub use fft::{fft_ref, fftconv_direct_ref, fftconv_fft_ref, irfft_ref, rfft_ref};
pub use gemm::{gemm_ref, gemm_ref_rows};
pub use sparse_gemm::{sparse_gemm_ref, sparse_gemm_ref_rows};
pub use tolerance::{compare, Comparison, Tolerance};
