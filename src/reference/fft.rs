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
