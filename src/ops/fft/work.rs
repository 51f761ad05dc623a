//! The roofline work of the FFTs (`report::roofline`): 1-D transforms and the N-D cases of the
//! report, counted here, outside the native-only bench, so the browser's report counts them the
//! same way.

use super::FftDesc;

/// A bench case of the N-D transforms and the frequency-domain layers.
#[derive(Clone, Debug)]
pub enum NdCase {
    /// An N-D transform (r2c rows also time the c2c transform of the same data, alternating).
    Transform(crate::ops::fft::nd::FftNdDesc),
    /// The global filter, fused chain against rfftn + product + irfftn, alternating.
    Filter(crate::ops::fft::filter::FilterDesc),
    /// The DCT low-pass, fused chain against the full dctn + a corner copy, alternating.
    Lowpass(crate::ops::fft::filter::DctLowpassDesc),
}

/// The roofline work of an FFT (`report::roofline`): the conventional 5·N·log2(N) FLOP per
/// complex transform of N points (whatever the algorithm: a Bluestein length counts as its
/// own N), times the batch; the input read once and the output written once.
pub fn fft_work(desc: &FftDesc) -> crate::report::Work {
    let n = desc.n as f64;
    crate::report::Work {
        flops: 5.0 * n * n.log2() * desc.batch as f64,
        bytes: 2.0 * desc.bytes() as f64,
        f16_math: false,
    }
}

/// The roofline work of an N-D case: the conventional 5·N·log2(N) FLOP per complex transform
/// of N points in all (half that for a real-input or real-output one, and for the real-to-real
/// kinds; the global filter is an rfftn and an irfftn plus 6 FLOP per complex product), the
/// input read once and the output written once.
pub fn nd_work(case: &NdCase) -> crate::report::Work {
    use crate::ops::fft::nd::NdTransform;
    let nlogn = |n: f64| n * n.log2().max(1.0);
    let (flops, bytes) = match case {
        NdCase::Transform(d) => {
            let per = match d.transform {
                NdTransform::C2c { .. } => 5.0,
                _ => 2.5,
            };
            let batch = d.in_shape().iter().product::<u64>() as f64 / d.points() as f64;
            let batch = if d.transform == NdTransform::C2r {
                d.out_shape().iter().product::<u64>() as f64 / d.points() as f64
            } else {
                batch
            };
            (
                per * nlogn(d.points() as f64) * batch,
                4.0 * (d.in_len() + d.out_len()) as f64,
            )
        }
        NdCase::Filter(d) => {
            let n = d.h as f64 * d.w as f64;
            let bins = d.h as f64 * (d.w as f64 / 2.0 + 1.0);
            (
                d.batch as f64 * (5.0 * nlogn(n) + 6.0 * bins),
                4.0 * (2 * d.len()) as f64,
            )
        }
        NdCase::Lowpass(d) => (
            d.batch as f64 * 2.5 * nlogn(d.h as f64 * d.w as f64),
            4.0 * (d.len() + d.out_len()) as f64,
        ),
    };
    crate::report::Work {
        flops,
        bytes,
        f16_math: false,
    }
}
