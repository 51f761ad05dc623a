//! Reference FFTs and convolutions in f64: rustfft for transforms, the direct sum for short
//! convolutions, an f64 FFT convolution for long ones.

use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

/// Batched complex FFT of interleaved `(re, im)` data in f64, same conventions as the GPU op
/// (forward unnormalised, inverse scaled by 1/n).
pub fn fft_ref(n: usize, batch: usize, inverse: bool, data: &[f64]) -> Vec<f64> {
    let mut planner = FftPlanner::<f64>::new();
    let plan = if inverse { planner.plan_fft_inverse(n) } else { planner.plan_fft_forward(n) };
    let mut buf: Vec<Complex<f64>> = data.chunks_exact(2).map(|c| Complex::new(c[0], c[1])).collect();
    for row in buf.chunks_exact_mut(n).take(batch) {
        plan.process(row);
    }
    let s = if inverse { 1.0 / n as f64 } else { 1.0 };
    buf.iter().flat_map(|z| [z.re * s, z.im * s]).collect()
}
