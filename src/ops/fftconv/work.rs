//! The roofline work of an FFT convolution (`report::roofline`): counted here, outside the
//! native-only bench, so the browser's report counts it the same way.

use super::FftConvDesc;

/// The roofline work of an FFT convolution (`report::roofline`), from its definition as an FFT
/// product, whatever path runs it: per (batch, channel) row a real forward and a real inverse
/// FFT of `nf` points, 2.5·nf·log2(nf) FLOP each (half the complex count), with `nf` the power
/// of two ≥ L (circular) or ≥ L + Lk − 1 (causal); the pointwise product is not counted. Bytes:
/// u read and y written once, the kernel (H × Lk) and each gate (B × H × L) read once. A
/// frequency-sparse row (`freq_keep`) counts the same work: its % of roof is the dense-equivalent
/// rate, as its GFLOP/s is.
pub fn fftconv_work(desc: &FftConvDesc) -> crate::report::Work {
    let span = if desc.circular {
        desc.l as u64
    } else {
        desc.l as u64 + desc.lk as u64 - 1
    };
    let nf = span.next_power_of_two() as f64;
    let rows = desc.b as f64 * desc.h as f64;
    let gates = u64::from(desc.pre_gate) + u64::from(desc.post_gate);
    crate::report::Work {
        flops: rows * 5.0 * nf * nf.log2(),
        bytes: (((2 + gates) * desc.len() + desc.k_len()) * desc.dtype.size()) as f64,
        f16_math: false,
    }
}
