//! Primes without Bluestein: Rader's algorithm turns a transform of a prime p points into a cyclic
//! convolution of p − 1 values, which the mixed-radix kernel runs as two transforms of p − 1
//! points in one dispatch (`RADER` in shaders/fft/mixed.wgsl), the product between them in
//! workgroup memory.
//!
//! With g a generator of the integers mod p, a_q = x_(g^q) and b_q = exp(−2πi·g^−q / p):
//! ```text
//! X_0       = x_0 + Σ_q a_q
//! X_(g^−m)  = x_0 + Σ_q a_q · b_(m−q mod p−1)      (m < p − 1)
//! ```
//! The first transform gathers a by a table (A = FFT(a)), its last stage multiplies by B = FFT(b),
//! computed on the host in f64; the second transforms the conjugated product (a forward
//! transform of a conjugate is the inverse's conjugate) and scatters it to X_(g^−m).
//!
//! Why: Bluestein runs two power-of-two transforms of ≥ 2p − 1 points (1009: two of 2048) in two
//! dispatches, Rader two of p − 1 (1009: two of 1008 = 12 · 12 · 7) in one, with no scratch.
//!
//! A length n = m · p with such a prime p and a smooth m (2018 = 2 · 1009) runs as two passes, as
//! the mixed-radix kernel runs its longer lengths: Rader's dispatch over the m columns of stride
//! m (`MULTI`, span 1: no cross-pass twiddle), then an m-point mixed-radix pass in place with the
//! twiddles of n points. Bluestein would run 4096-point transforms for 2018.

use super::mixed::{
    is_smooth, pass_constants, pass_params, radices_of, roots, transforms_per_workgroup,
};
use super::{grid_for, FftDesc, FftParams, FftPlan, Pass, Slot, Views, CONJ_IN, CONJ_OUT};
use crate::error::{Error, Result};
use crate::ops::fft::config::FftConfig;
use crate::runtime::pipelines::{Constants, Spec};
use crate::runtime::Context;
use rustfft::num_complex::Complex;

/// Whether `p` points run by Rader's algorithm where one pass of the mixed-radix kernel takes
/// `max_points` ([`super::mixed_max_points`]): a prime the kernel has no radix for, whose p − 1
/// it transforms in one dispatch (1009: 1008 = 12 · 12 · 7), except p − 1 = 2 · q with q a prime
/// radix (59, 83, 107: two radix-q stages per transform lose to Bluestein's 128- and 256-point
/// transforms, 1.0–1.5× their time on lavapipe, where every other prime measured gained
/// 0.23–0.82×; docs/kernel-notes.md, stop 42). Other primes take Bluestein (167: 166 = 2 · 83;
/// primes over `max_points` + 1).
pub fn takes(p: u32, max_points: u32) -> bool {
    let top = super::mixed::RADICES[super::mixed::RADICES.len() - 1];
    let twice_a_prime_radix = (p - 1) / 2 > 25 && is_prime((p - 1) / 2);
    p > top && is_prime(p) && !twice_a_prime_radix && radices_of(p - 1, max_points).is_some()
}

fn is_prime(p: u32) -> bool {
    let p = p as u64; // d · d must not overflow for p near u32::MAX
    p >= 2
        && (2..)
            .take_while(|d| d * d <= p)
            .all(|d| !p.is_multiple_of(d))
}

/// b^e mod p.
fn pow_mod(b: u64, mut e: u64, p: u64) -> u64 {
    let (mut acc, mut b) = (1, b % p);
    while e > 0 {
        if e & 1 == 1 {
            acc = acc * b % p;
        }
        b = b * b % p;
        e >>= 1;
    }
    acc
}

/// The smallest generator of the integers mod the prime `p` (> 2): g^((p−1)/q) ≠ 1 for every
/// prime q dividing p − 1.
fn generator(p: u32) -> u32 {
    let mut factors = Vec::new();
    let mut rest = p - 1;
    let mut d = 2;
    while rest > 1 {
        if rest.is_multiple_of(d) {
            factors.push(d);
            while rest.is_multiple_of(d) {
                rest /= d;
            }
        }
        d += 1;
    }
    (2..p)
        .find(|&g| {
            factors
                .iter()
                .all(|&q| pow_mod(g as u64, ((p - 1) / q) as u64, p as u64) != 1)
        })
        .expect("every prime has a generator")
}

/// The kernel's tables for the prime `p`, given the generator `g` and its inverse: the index
/// table, entry i holding g^i mod p and g^−i mod p, and the roots of p − 1 points ([`roots`])
/// followed by B (f32 pairs, padded to whole vec4 pairs).
fn tables(p: u32, g: u64, g_inv: u64) -> (Vec<u32>, Vec<f32>) {
    let n = (p - 1) as usize;
    let power = |base: u64, i: usize| pow_mod(base, i as u64, p as u64) as u32;
    let mut b: Vec<Complex<f64>> = (0..n)
        .map(|q| {
            let a = -2.0 * std::f64::consts::PI * power(g_inv, q) as f64 / p as f64;
            Complex::from_polar(1.0, a)
        })
        .collect();
    rustfft::FftPlanner::<f64>::new()
        .plan_fft_forward(n)
        .process(&mut b);
    let index = (0..n)
        .flat_map(|i| [power(g, i), power(g_inv, i)])
        .collect();
    let mut roots_b = roots(n as u32);
    roots_b.truncate(2 * n);
    roots_b.extend(b.iter().flat_map(|z| [z.re as f32, z.im as f32]));
    roots_b.resize(roots_b.len().next_multiple_of(4), 0.0);
    (index, roots_b)
}

/// How Rader's algorithm takes `n` points where one pass of the mixed-radix kernel takes
/// `max_points`, as `(m, p)` with n = m · p: `(1, n)` for a prime it takes (`takes`); for a composite,
/// p its largest prime factor, taken, and m ≥ 2 a length one mixed-radix pass takes (2018 = 2 ·
/// 1009, 10090 = 10 · 1009). `None` otherwise (Bluestein; smooth lengths have no such p).
pub fn rader_split(n: u32, max_points: u32) -> Option<(u32, u32)> {
    let p = largest_prime_factor(n)?;
    let m = n / p;
    (takes(p, max_points) && (m == 1 || radices_of(m, max_points).is_some())).then_some((m, p))
}

/// Whether neither Rader's algorithm nor the mixed-radix kernel takes `n` on any adapter: its
/// largest prime factor p is over 53 (not smooth) and p − 1 is not smooth (no pass takes it,
/// whatever the workgroup memory), so `n` takes Bluestein everywhere.
pub(super) fn takes_nowhere(n: u32) -> bool {
    largest_prime_factor(n).is_some_and(|p| !is_smooth(p) && !is_smooth(p - 1))
}

fn largest_prime_factor(mut n: u32) -> Option<u32> {
    let mut largest = None;
    let mut d = 2;
    // In u64: d · d must not overflow for n near u32::MAX.
    while (d as u64) * (d as u64) <= n as u64 {
        while n.is_multiple_of(d) {
            largest = Some(d);
            n /= d;
        }
        d += 1;
    }
    if n > 1 {
        largest = Some(n);
    }
    largest
}

/// The passes of Rader's plan for `n` points where one pass of the mixed-radix kernel takes
/// `max_points`, each as its points and its override constants: Rader's dispatch for p (its
/// transforms have p − 1 points), then for a composite the m-point mixed-radix pass
/// ([`rader_split`]); `None` where Rader does not take `n` ([`crate::ops::fft::runs_rader`]).
pub fn rader_constants(n: u32, max_points: u32) -> Option<Vec<(u32, Constants)>> {
    let (m, p) = rader_split(n, max_points)?;
    let multi = m > 1;
    let mut rader = pass_constants(p - 1, max_points, false, false, multi);
    rader.push(("RADER", 1.0));
    let mut passes = vec![(p, rader)];
    if multi {
        passes.push((m, pass_constants(m, max_points, false, true, true)));
    }
    Some(passes)
}

/// Plans `desc` as Rader's dispatch ([`rader_split`]: n a prime it takes), or that dispatch over
/// the m columns of n = m · p followed by an m-point mixed-radix pass in place.
pub(super) fn plan(ctx: &Context, desc: FftDesc, config: FftConfig) -> Result<FftPlan> {
    let max_points = super::mixed_max_points(&ctx.limits());
    let unsupported = || {
        Error::Unsupported(format!(
            "Rader's algorithm does not take n = {} here",
            desc.n
        ))
    };
    let (m, p) = rader_split(desc.n, max_points).ok_or_else(unsupported)?;
    let passes = rader_constants(desc.n, max_points).ok_or_else(unsupported)?;
    let n = p - 1;
    let pipeline = |consts: &Constants| {
        ctx.pipeline(
            super::shaders::mixed(ctx.caps(), desc.dtype),
            Spec::new(desc.dtype),
            "main",
            consts,
        )
    };
    let grid = |columns: u32, points: u32| {
        grid_for(
            ctx,
            "FFT workgroup count",
            (desc.batch as u64 * columns as u64)
                .div_ceil(transforms_per_workgroup(points, max_points) as u64),
        )
    };
    // Rader's pass: column j of each row's m reads x[j + i·m], i < p (m = 1: the rows).
    let mut prm = FftParams {
        n: if m > 1 { desc.n } else { n },
        ns: 1,
        batch: desc.batch * m,
        cols: desc.batch * m,
        scale: 1.0 / n as f32,
        ..Default::default()
    };
    prm.a[3] = m;
    // The steps of the gather and the scatter: g^q for stage 0's q = n / r0 inputs apart, and
    // g^−ns for the last stage's outputs, ns = n / r_last apart.
    let radices = radices_of(n, max_points).unwrap_or_default();
    let g = generator(p) as u64;
    let g_inv = pow_mod(g, (p - 2) as u64, p as u64);
    let stride_of = |r: Option<&u32>| (n / r.copied().unwrap_or(1)) as u64;
    prm.a[4] = pow_mod(g, stride_of(radices.first()), p as u64) as u32;
    prm.a[5] = pow_mod(g_inv, stride_of(radices.last()), p as u64) as u32;
    // The second transform gives (p − 1)·conj(X): the forward conjugates it back; the inverse
    // (conjugated in) has its own conjugate cancel that one, and scales by 1/p besides. Before
    // an m-point pass, Rader's pass is the forward transform of its (conjugated) input, and
    // that pass finishes the inverse.
    if desc.inverse {
        prm.flags |= CONJ_IN;
    }
    if desc.inverse && m == 1 {
        prm.scale = 1.0 / (n as f64 * p as f64) as f32;
    } else {
        prm.flags |= CONJ_OUT;
    }
    let (index, roots_b) = tables(p, g, g_inv);
    let mut plan_passes = vec![Pass {
        pipeline: pipeline(&passes[0].1)?,
        params: ctx.uniform("fft params", &prm)?,
        grid: grid(m, n)?,
        src: Slot::Input,
        dst: Slot::Output,
        aux: Some(0),
        spec: Some(1),
        views: Views::Elements,
        dst_vec4: false,
    }];
    let mut aux = vec![
        ctx.upload("fft roots and rader's spectrum", &roots_b)?,
        ctx.upload_words("fft rader index table", &index)?,
    ];
    if let Some((_, consts)) = passes.get(1) {
        // The m-point pass: column j < p of each row reads x[j + i·p] times W_n^(i·j), in place.
        let prm = pass_params(&desc, m, p, false, true);
        plan_passes.push(Pass {
            pipeline: pipeline(consts)?,
            params: ctx.uniform("fft params", &prm)?,
            grid: grid(p, m)?,
            // IN_PLACE: the kernel reads the output binding.
            src: Slot::Input,
            dst: Slot::Output,
            aux: Some(2),
            spec: None,
            views: Views::Elements,
            dst_vec4: false,
        });
        aux.push(ctx.upload("fft roots", &roots(desc.n))?);
    }
    Ok(FftPlan {
        ctx: ctx.clone(),
        desc,
        config,
        chunks: Vec::new(),
        passes: plan_passes,
        scratch: Vec::new(),
        tw: ctx.storage("fft twiddles (unused)", 16)?,
        aux,
        dummy: ctx.storage("fft dummy", 16)?,
        dummy_rw: ctx.storage("fft dummy (written)", 16)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_generate_every_residue() {
        for p in [3u32, 59, 67, 1009, 4093] {
            let g = generator(p) as u64;
            let mut seen: Vec<u64> = (0..p - 1).map(|i| pow_mod(g, i as u64, p as u64)).collect();
            seen.sort_unstable();
            assert_eq!(seen, (1..p as u64).collect::<Vec<_>>(), "p = {p}, g = {g}");
        }
        assert_eq!(generator(1009), 11);
    }

    #[test]
    fn takes_primes_past_the_radices_whose_p_minus_1_fits_one_pass() {
        assert!(!takes(59, 4096)); // 58 = 29 · 2: Bluestein's 128 points are faster
        assert!(!takes(107, 4096)); // 106 = 53 · 2
        assert!(takes(61, 4096)); // 60 = 10 · 6
        assert!(takes(1009, 4096)); // 1008 = 12 · 12 · 7
        assert!(takes(4093, 4096)); // 4092 = 31 · 12 · 11 in one buffer
        assert!(!takes(4093, 2048)); // over one pass of WebGPU's 16 KiB
        assert!(takes(257, 4096)); // 256: a power of two, as a pass of the kernel
        assert!(!takes(53, 4096)); // a radix of its own
        assert!(!takes(167, 4096)); // 166 = 2 · 83
        assert!(!takes(1007, 4096)); // 19 · 53: the mixed kernel's
        assert!(!takes(10007, 4096));
    }

    #[test]
    fn splits_a_rader_prime_times_a_smooth_length() {
        assert_eq!(rader_split(1009, 4096), Some((1, 1009)));
        assert_eq!(rader_split(2018, 4096), Some((2, 1009)));
        assert_eq!(rader_split(4097, 4096), Some((17, 241)));
        assert_eq!(rader_split(12279, 2048), None); // 4093 over one pass of 16 KiB
        assert_eq!(rader_split(118, 4096), None); // 59 stays on Bluestein
        assert_eq!(rader_split(61 * 67, 4096), None); // two Rader primes
        assert_eq!(rader_split(1000, 4096), None); // smooth
        assert_eq!(rader_split(u32::MAX, 4096), None);
        assert_eq!(rader_split(4_294_967_291, 4096), None); // the largest u32 prime
        assert!(takes_nowhere(1019) && takes_nowhere(2 * 509));
        assert!(!takes_nowhere(1022) && !takes_nowhere(1000) && !takes_nowhere(1009));
    }
}
