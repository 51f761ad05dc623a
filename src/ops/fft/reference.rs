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

/// The N-D transform of `desc` on a contiguous array `x` (interleaved complex or real, as the
/// transform's input), in f64: rustfft along each complex axis, the direct sums along
/// real-to-real ones, NumPy's `rfftn` / `irfftn` layouts and `norm` factors.
pub fn fftn_ref(desc: &crate::ops::fft::nd::FftNdDesc, x: &[f64]) -> Vec<f64> {
    use crate::ops::fft::nd::NdTransform;
    let shape: Vec<usize> = desc.in_shape().iter().map(|&d| d as usize).collect();
    let n_all = desc.points() as f64;
    let mut axes = desc.axes.clone();
    axes.sort_unstable();
    let last = *axes.last().unwrap_or(&0);
    let mut planner = FftPlanner::<f64>::new();
    let mut cfft = |data: &mut [Complex<f64>], shape: &[usize], axis: usize, inverse: bool| {
        let plan = if inverse {
            planner.plan_fft_inverse(shape[axis])
        } else {
            planner.plan_fft_forward(shape[axis])
        };
        along_axis(data, shape, axis, |line| plan.process(line));
    };
    let scale = |v: Vec<f64>, f: f64| v.into_iter().map(|a| a * f).collect::<Vec<f64>>();
    match desc.transform {
        NdTransform::C2c { inverse } => {
            let mut c = to_complex(x);
            for &a in &axes {
                cfft(&mut c, &shape, a, inverse);
            }
            scale(from_complex(&c), desc.norm.factor(n_all, inverse))
        }
        NdTransform::R2c => {
            let mut c: Vec<Complex<f64>> = x.iter().map(|&v| Complex::new(v, 0.0)).collect();
            for &a in &axes {
                cfft(&mut c, &shape, a, false);
            }
            let out_shape: Vec<usize> = desc.out_shape().iter().map(|&d| d as usize).collect();
            let kept = gather_nd(&c, &shape, &out_shape);
            scale(from_complex(&kept), desc.norm.factor(n_all, false))
        }
        NdTransform::C2r => {
            let mut c = to_complex(x);
            for &a in axes.iter().filter(|&&a| a != last) {
                cfft(&mut c, &shape, a, true);
            }
            // Hermitian extension along the last axis, then an inverse transform of the reals.
            let n = desc.shape[last] as usize;
            let mut full_shape = shape.clone();
            full_shape[last] = n;
            let mut full = vec![Complex::new(0.0, 0.0); full_shape.iter().product()];
            let (outer, inner) = (
                shape[..last].iter().product::<usize>(),
                shape[last + 1..].iter().product::<usize>(),
            );
            let nb = shape[last];
            for o in 0..outer {
                for i in 0..inner {
                    for k in 0..n {
                        let (j, conj) = if k < nb { (k, false) } else { (n - k, true) };
                        let mut z = c[(o * nb + j) * inner + i];
                        if j == 0 || (n.is_multiple_of(2) && j == n / 2) {
                            z.im = 0.0;
                        }
                        full[(o * n + k) * inner + i] = if conj { z.conj() } else { z };
                    }
                }
            }
            cfft(&mut full, &full_shape, last, true);
            scale(
                full.iter().map(|z| z.re).collect(),
                desc.norm.factor(n_all, true),
            )
        }
        NdTransform::R2r(kind) => {
            let mut c: Vec<Complex<f64>> = x.iter().map(|&v| Complex::new(v, 0.0)).collect();
            for &a in &axes {
                along_axis(&mut c, &shape, a, |line| {
                    let re: Vec<f64> = line.iter().map(|z| z.re).collect();
                    for (z, v) in line.iter_mut().zip(kind.reference_row(desc.norm, &re)) {
                        *z = Complex::new(v, 0.0);
                    }
                });
            }
            c.iter().map(|z| z.re).collect()
        }
    }
}

fn to_complex(x: &[f64]) -> Vec<Complex<f64>> {
    x.chunks_exact(2)
        .map(|c| Complex::new(c[0], c[1]))
        .collect()
}

fn from_complex(c: &[Complex<f64>]) -> Vec<f64> {
    c.iter().flat_map(|z| [z.re, z.im]).collect()
}

/// Applies `f` to every line of a contiguous row-major array along `axis`.
fn along_axis<T: Copy>(data: &mut [T], shape: &[usize], axis: usize, mut f: impl FnMut(&mut [T])) {
    let n = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    let mut line = Vec::with_capacity(n);
    for o in 0..outer {
        for i in 0..inner {
            line.clear();
            line.extend((0..n).map(|k| data[(o * n + k) * inner + i]));
            f(&mut line);
            for (k, &v) in line.iter().enumerate() {
                data[(o * n + k) * inner + i] = v;
            }
        }
    }
}

/// The leading `to` corner of a contiguous array of shape `from` (every `to[d] ≤ from[d]`).
fn gather_nd<T: Copy>(data: &[T], from: &[usize], to: &[usize]) -> Vec<T> {
    let total: usize = to.iter().product();
    (0..total)
        .map(|mut idx| {
            let mut off = 0;
            let mut stride = 1;
            for d in (0..to.len()).rev() {
                off += (idx % to[d]) * stride;
                idx /= to[d];
                stride *= from[d];
            }
            data[off]
        })
        .collect()
}

/// The elements of a strided array (element strides, `comps` scalars each) in row-major order.
pub fn gather_strided(data: &[f64], shape: &[u64], strides: &[u64], comps: usize) -> Vec<f64> {
    let total: u64 = shape.iter().product();
    let mut out = Vec::with_capacity(total as usize * comps);
    for mut idx in 0..total {
        let mut off = 0;
        for d in (0..shape.len()).rev() {
            off += (idx % shape[d]) * strides[d];
            idx /= shape[d];
        }
        let o = off as usize * comps;
        out.extend_from_slice(&data[o..o + comps]);
    }
    out
}

impl crate::harness::tolerance::Tolerance {
    /// Bound for an N-D transform over `points` points in all (the product of the transformed
    /// lengths) of which `r2r_axes` are real-to-real axes.
    ///
    /// f32: the FFT bound of one transform of `points · 2^r2r_axes` points. Derivation: the
    /// transform is a composition of 1-D transforms, so the butterfly levels along the axes add
    /// (Σ log2 n_a = log2 Π n_a, the depth of the 1-D bound); a real-to-real axis runs a 2n-point
    /// FFT (one level more) between two table products, two roundings that the bound's 34·u per
    /// level already covers. Transposes and gathers copy values exactly; the normalisation is
    /// one more rounding.
    ///
    /// f16 storage: the f16 bound of `Tolerance::fft` (≤ 9 f16 roundings). Checked shapes stay
    /// within it: at most two axes, each a fused pass (≤ 2 roundings per axis with a
    /// real-to-real axis's pre/post, the copies exact, the scale one).
    pub fn fft_nd(storage: crate::DType, points: u64, r2r_axes: u32) -> Self {
        Self::fft(storage, points << r2r_axes)
    }
}

/// The global filter in f64: irfft2(rfft2(x) ⊙ W) over the last two axes of (batch, h, w).
pub fn filter_ref(d: &crate::ops::fft::filter::FilterDesc, x: &[f64], w: &[f64]) -> Vec<f64> {
    use crate::ops::fft::nd::{FftNdDesc, NdTransform};
    let shape = [d.batch, d.h, d.w];
    let mut spec = fftn_ref(&FftNdDesc::new(&shape, &[1, 2], NdTransform::R2c), x);
    let per_map = w.len();
    for map in spec.chunks_exact_mut(per_map) {
        for (z, f) in map.chunks_exact_mut(2).zip(w.chunks_exact(2)) {
            let (a, b) = (z[0], z[1]);
            z[0] = a * f[0] - b * f[1];
            z[1] = a * f[1] + b * f[0];
        }
    }
    fftn_ref(&FftNdDesc::new(&shape, &[1, 2], NdTransform::C2r), &spec)
}

/// The DCT low-pass in f64: the k × k corner of the orthonormal 2-D DCT-II of each map.
pub fn dct_lowpass_ref(d: &crate::ops::fft::filter::DctLowpassDesc, x: &[f64]) -> Vec<f64> {
    use crate::ops::fft::nd::{FftNdDesc, NdTransform, Norm};
    use crate::ops::fft::r2r::R2rKind;
    let shape = [d.batch, d.h, d.w];
    let nd = FftNdDesc::new(&shape, &[1, 2], NdTransform::R2r(R2rKind::Dct2)).norm(Norm::Ortho);
    let full = fftn_ref(&nd, x);
    let (b, h, w, k) = (d.batch as usize, d.h as usize, d.w as usize, d.k as usize);
    gather_nd(&full, &[b, h, w], &[b, k, k])
}
