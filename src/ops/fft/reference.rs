//! Reference FFTs and convolutions in f64: rustfft for transforms, the direct sum for short
//! convolutions, an f64 FFT convolution for long ones.

use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

/// Batched complex FFT of interleaved `(re, im)` data in f64, same conventions as the GPU op
/// (forward unnormalised, inverse scaled by 1/n).
pub fn fft_ref(n: usize, batch: usize, inverse: bool, data: &[f64]) -> Vec<f64> {
    let mut planner = FftPlanner::<f64>::new();
    let plan = if inverse {
        planner.plan_fft_inverse(n)
    } else {
        planner.plan_fft_forward(n)
    };
    let mut buf: Vec<Complex<f64>> = data
        .chunks_exact(2)
        .map(|c| Complex::new(c[0], c[1]))
        .collect();
    for row in buf.chunks_exact_mut(n).take(batch) {
        plan.process(row);
    }
    let s = if inverse { 1.0 / n as f64 } else { 1.0 };
    buf.iter().flat_map(|z| [z.re * s, z.im * s]).collect()
}

/// Real FFT reference: `n/2+1` bins per row (interleaved), unnormalised.
pub fn rfft_ref(n: usize, batch: usize, x: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(batch * 2 * (n / 2 + 1));
    for row in x.chunks_exact(n).take(batch) {
        let c: Vec<f64> = row.iter().flat_map(|&v| [v, 0.0]).collect();
        let f = fft_ref(n, 1, false, &c);
        out.extend_from_slice(&f[..2 * (n / 2 + 1)]);
    }
    out
}

/// Inverse real FFT reference: `n` reals per row from `n/2+1` bins, scaled by 1/n; the
/// imaginary parts of bin 0 and (even n) bin n/2 are ignored, as numpy's irfft does.
pub fn irfft_ref(n: usize, batch: usize, bins: &[f64]) -> Vec<f64> {
    let nb = n / 2 + 1;
    let mut out = Vec::with_capacity(batch * n);
    for row in bins.chunks_exact(2 * nb).take(batch) {
        let mut full = vec![0.0; 2 * n];
        for k in 0..n {
            let (j, conj) = if k < nb { (k, false) } else { (n - k, true) };
            let re = row[2 * j];
            let mut im = row[2 * j + 1];
            if j == 0 || (n.is_multiple_of(2) && j == n / 2) {
                im = 0.0;
            }
            if conj {
                im = -im;
            }
            full[2 * k] = re;
            full[2 * k + 1] = im;
        }
        let t = fft_ref(n, 1, true, &full);
        out.extend(t.chunks_exact(2).map(|c| c[0]));
    }
    out
}

/// Direct f64 convolution (the definition): `u` (B,H,L), `k` (H,Lk), optional gates (B,H,L).
/// Causal: `y[t] = Σ_{s ≤ min(t, Lk-1)} k[s]·u'[t-s]`; circular: `u'` indexed mod L.
#[allow(clippy::too_many_arguments)]
pub fn fftconv_direct_ref(
    b: usize,
    h: usize,
    l: usize,
    lk: usize,
    circular: bool,
    u: &[f64],
    k: &[f64],
    pre: Option<&[f64]>,
    post: Option<&[f64]>,
) -> Vec<f64> {
    let mut y = vec![0.0; b * h * l];
    for bi in 0..b {
        for hi in 0..h {
            let row = (bi * h + hi) * l;
            let kr = &k[hi * lk..(hi + 1) * lk];
            let ug = |t: usize| u[row + t] * pre.map_or(1.0, |g| g[row + t]);
            for t in 0..l {
                let mut s = 0.0;
                for (j, &kv) in kr.iter().enumerate() {
                    if j <= t {
                        s += kv * ug(t - j);
                    } else if circular {
                        s += kv * ug(t + l - j);
                    }
                }
                y[row + t] = s * post.map_or(1.0, |g| g[row + t]);
            }
        }
    }
    y
}

/// The same convolution through an f64 FFT of `n_fft` ≥ L + Lk − 1 points (for long sequences),
/// optionally frequency-sparse: with `sparse = Some((c, d))` the kernel spectrum is zeroed on
/// every bin j whose class j mod c has min(class, c − class) > d — exactly what the GPU's
/// frequency-sparse path computes. Positions follow the GPU's rule: transform input n holds
/// u'[n − (Lk−1)] (wrapped for circular, zero for causal), output t is transform output t + Lk − 1.
#[allow(clippy::too_many_arguments)]
pub fn fftconv_fft_ref(
    b: usize,
    h: usize,
    l: usize,
    lk: usize,
    circular: bool,
    u: &[f64],
    k: &[f64],
    pre: Option<&[f64]>,
    post: Option<&[f64]>,
    n_fft: usize,
    sparse: Option<(usize, usize)>,
) -> Vec<f64> {
    let mut planner = FftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(n_fft);
    let inv = planner.plan_fft_inverse(n_fft);
    let mut kf = Vec::with_capacity(h);
    for hi in 0..h {
        let mut buf = vec![Complex::new(0.0, 0.0); n_fft];
        for j in 0..lk {
            buf[j].re = k[hi * lk + j];
        }
        fwd.process(&mut buf);
        if let Some((c, d)) = sparse {
            for (j, z) in buf.iter_mut().enumerate() {
                let cl = j % c;
                if cl.min(c - cl) > d {
                    *z = Complex::new(0.0, 0.0);
                }
            }
        }
        kf.push(buf);
    }
    let mut y = vec![0.0; b * h * l];
    let sh = lk - 1;
    for bi in 0..b {
        for (hi, khi) in kf.iter().enumerate() {
            let row = (bi * h + hi) * l;
            let mut buf = vec![Complex::new(0.0, 0.0); n_fft];
            for (n, z) in buf.iter_mut().enumerate() {
                let pos = n as i64 - sh as i64;
                let p = if pos >= l as i64 {
                    None
                } else if pos < 0 {
                    circular.then_some((pos + l as i64) as usize)
                } else {
                    Some(pos as usize)
                };
                if let Some(p) = p {
                    z.re = u[row + p] * pre.map_or(1.0, |g| g[row + p]);
                }
            }
            fwd.process(&mut buf);
            for (z, kv) in buf.iter_mut().zip(khi) {
                *z *= kv;
            }
            inv.process(&mut buf);
            for t in 0..l {
                y[row + t] = buf[t + sh].re / n_fft as f64 * post.map_or(1.0, |g| g[row + t]);
            }
        }
    }
    y
}

impl crate::harness::tolerance::Tolerance {
    /// Bound for an FFT of length `n` whose values are stored as `storage` (f32 arithmetic).
    ///
    /// f32: `2e-6 · log2 n` (≈ 34·u·log2 n). Derivation: a radix-2 FFT with exact twiddles has
    /// a worst-case relative error ≈ `u·log2 n·(1 + 2√2)` (each of the log2 n levels adds one
    /// complex add and one complex multiply, Higham §24.1), and twiddles that are themselves
    /// rounded (table entries, products of two table entries, powers formed by up to 15 products
    /// inside a radix-16 butterfly) add ≲ 16·u per level in the worst case. Bluestein runs two
    /// FFTs of length ≥ 2n and two chirp products, at most doubling the level count plus 4
    /// roundings. 34 covers the sum of these worst cases; the typical (random-sign) error is
    /// 10–30× smaller, so a real defect (a wrong twiddle, a lost term) still fails by orders of
    /// magnitude. log2 n is taken as at least 1.
    ///
    /// f16 storage: `5e-3`, independent of n. The input is rounded to f16 before the reference
    /// sees it, so the error is the f32 arithmetic (negligible here) plus one f16 rounding of the
    /// output and of every intermediate pass stored in f16 (≤ 4 passes, Bluestein ≤ 8 with its
    /// scratch), each ≤ u16 = 4.9e-4 relative: ≤ 9·u16 ≈ 4.4e-3 worst case.
    pub fn fft(storage: crate::DType, n: u64) -> Self {
        match storage {
            crate::DType::F32 => Self {
                rel_l2: 2e-6 * (n.max(2) as f64).log2(),
            },
            crate::DType::F16 => Self { rel_l2: 5e-3 },
        }
    }
}

impl crate::harness::tolerance::Tolerance {
    /// Bound for a Monarch (matrix) FFT of length `n` stored as `storage`, whose GEMM stages
    /// round their operands to f16 (`f16_operands`: the cooperative-matrix variant) or not (the
    /// tiled f32 variant).
    ///
    /// f32 operands: the plain FFT bound (`Tolerance::fft` above). Each of the s = ⌈log2 n / log2 R⌉
    /// stages is an R-term f32 sum of products with table-rounded matrix entries and one rounded
    /// twiddle: worst case ≈ (R + 2)·u per stage, s·(R + 2)·u ≤ 5·18·6e-8 = 5.4e-6 at n = 2^20,
    /// R = 16, under the 4e-5 the bound gives there (and smaller for smaller n).
    ///
    /// f16 operands: `5e-3`, the f16 class, for every n and storage (f32 data included — this
    /// path cannot meet the f32 bound, so it is an f16-accuracy path, like the coop GEMM).
    /// Derivation (unit-variance inputs): every stage rounds its data operand to f16 (relative L2
    /// ≤ u16/√3 rms, u16 = 2^-11) and multiplies by an f16-rounded DFT matrix (entries of modulus
    /// 1, rounding errors of random sign: another ≈ u16/√3 relative after the √R growth of the
    /// unitary part); accumulation is f32 (negligible). The DFT stages preserve relative L2, so
    /// the s stage errors, one more per f16 pass store (≤ 3 passes), add in quadrature:
    /// √(2s + 3)·u16/√3 ≤ √17·2.8e-4 ≈ 1.2e-3 for n ≤ 2^22 at R ≥ 8 (s ≤ 7). 5e-3 keeps a 4×
    /// margin for the spread across inputs; a wrong twiddle or index still fails by 100×.
    pub fn fft_monarch(storage: crate::DType, f16_operands: bool, n: u64) -> Self {
        if f16_operands {
            Self::fft(crate::DType::F16, n)
        } else {
            Self::fft(storage, n)
        }
    }
}
