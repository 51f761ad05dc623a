//! The FFT convolution's tolerance (its f64 references live with the FFT's, which they reuse:
//! `ops/fft/reference.rs`).

use crate::DType;

impl crate::harness::tolerance::Tolerance {
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
