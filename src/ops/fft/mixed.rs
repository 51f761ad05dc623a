//! Smooth lengths without Bluestein: a transform whose length has no prime factor above 53 and
//! fits workgroup memory (2048 points on WebGPU's 16 KiB, 4096 on 32 KiB; two halves up to half
//! of that, one buffer beyond) runs as one dispatch of `shaders/fft/mixed.wgsl`, every stage a
//! radix-R step (R = 2 … 25, primes to 53) with a register DFT; longer such lengths (up to the
//! square of that) as two passes, the second in place, as the power-of-two passes run.
//!
//! Why: Bluestein runs three power-of-two transforms of ≥ 2n − 1 points, so 1000 points cost
//! three 2048-point transforms and two chirp products. A direct transform does 1000 points' worth
//! of stages (1000 = 10 · 10 · 10: three stages).

use super::{grid_for, FftDesc, FftParams, FftPlan, Pass, Slot, Views, CONJ_IN, CONJ_OUT};
use crate::error::{Error, Result};
use crate::ops::fft::config::FftConfig;
use crate::runtime::pipelines::{Constants, Spec};
use crate::runtime::Context;

/// The most stages the kernel has (`MR_R0` … `MR_R3`): radices to 25 plan every smooth length to
/// 4096 points (64 KiB of workgroup memory) in at most four (2401 = 7 · 7 · 7 · 7).
const MAX_STAGES: usize = 4;

/// Invocations per workgroup. On lavapipe (`examples/fft_configs`, alternating processes) 128
/// with [`POINTS_PER_WG`] 2048 took 0.77× the time of 64 with 1024 at 1000 × 8192, 0.61× at
/// 12 × 262144, 0.87× at 100 × 65536, a tie at 2000 and 1.04× at 1458 (docs/kernel-notes.md,
/// stop 40).
const WG: u32 = 128;

/// Values a workgroup transforms at once when transforms are short: several transforms share a
/// workgroup up to this many points.
const POINTS_PER_WG: u32 = 2048;

/// Invocations per workgroup of a transform in one buffer of workgroup memory (`ONE_BUFFER`,
/// lengths over half of [`mixed_max_points`]): each takes at most two butterflies per stage, so
/// every radix of such a plan is at least n / 512. WebGPU guarantees 256 invocations.
const ONE_BUFFER_WG: u32 = 256;

/// Whether `p` points run in one buffer of workgroup memory: more than the two halves take.
fn one_buffer(p: u32, max_points: u32) -> bool {
    p > max_points / 2
}

/// The radices of the mixed-radix kernel for `n` points in one dispatch, stage by stage, or
/// `None` where it does not take `n` so: powers of two ≥ 2 (their own kernels are faster),
/// lengths over `max_points`, or a prime factor over 53 (the plan: `radices_of`).
pub fn mixed_radices(n: u32, max_points: u32) -> Option<Vec<u32>> {
    if (n >= 2 && n.is_power_of_two()) || n > max_points {
        return None;
    }
    radices_of(n, max_points)
}

/// The radices `shaders/fft/mixed.wgsl` has a stage for (`gen_mixed.py`'s list): every radix to
/// 25 (composites as two nested DFTs) and the primes 29 … 53 (61 gained only 0.8× Bluestein's
/// time; docs/kernel-notes.md, stop 41).
pub const RADICES: [u32; 31] = [
    2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 29, 31,
    37, 41, 43, 47, 53,
];

/// The stages of a sub-transform of `p` ≤ `max_points` points (any smooth `p` ≥ 1, powers of two
/// too: a pass of a longer transform), or `None`: the fewest stages (in one buffer, of radices
/// ≥ p / 512: [`ONE_BUFFER_WG`]), then the smallest largest radix (balanced
/// radices), largest radix first; 1 is one radix-1 stage (a copy). Each stage is a round trip
/// through workgroup memory, which is what a stage costs on lavapipe: 1000 as 10 · 10 · 10 took
/// 0.83× the time of 8 · 5 · 5 · 5, 400 as 20 · 20 0.77× that of 16 · 5 · 5; and between plans of
/// as many stages the balanced one wins (96: 12 · 8 0.87× of 16 · 6; docs/kernel-notes.md,
/// stop 41).
pub(super) fn radices_of(p: u32, max_points: u32) -> Option<Vec<u32>> {
    type Memo = std::collections::HashMap<(u32, u32), Option<Vec<u32>>>;
    /// The best plan of `p` with every radix in `lo..=hi` (non-increasing radices).
    fn best(p: u32, lo: u32, hi: u32, memo: &mut Memo) -> Option<Vec<u32>> {
        if p == 1 {
            return Some(Vec::new());
        }
        if let Some(plan) = memo.get(&(p, hi)) {
            return plan.clone();
        }
        let plan = RADICES
            .iter()
            .filter(|&&r| (lo..=hi).contains(&r) && p.is_multiple_of(r))
            .filter_map(|&r| {
                let mut rest = best(p / r, lo, r, memo)?;
                rest.insert(0, r);
                Some(rest)
            })
            .min_by_key(|plan| (plan.len(), plan[0]));
        memo.insert((p, hi), plan.clone());
        plan
    }
    if !is_smooth(p) || p > max_points {
        return None;
    }
    if p == 1 {
        return Some(vec![1]);
    }
    let lo = if one_buffer(p, max_points) {
        p.div_ceil(2 * ONE_BUFFER_WG)
    } else {
        1
    };
    best(p, lo, u32::MAX, &mut Memo::new()).filter(|r| r.len() <= MAX_STAGES)
}

/// Whether `n` ≥ 1 factors into [`RADICES`] (no prime factor over 53).
pub(super) fn is_smooth(mut n: u32) -> bool {
    if n == 0 {
        return false;
    }
    for q in RADICES {
        while n.is_multiple_of(q) {
            n /= q;
        }
    }
    n == 1
}

/// The passes of the mixed-radix kernel for `n` points: `[n]` where one dispatch takes it
/// ([`mixed_radices`]), else two passes `[p1, p2]` (p1·p2 = n, p1 the smallest divisor ≥ √n
/// with both ≤ `max_points`) for longer lengths with prime factors ≤ 53 (44100 = 210 · 210,
/// 6144 = 96 · 64), else `None` (Bluestein). Powers of two never.
pub fn mixed_passes(n: u32, max_points: u32) -> Option<Vec<u32>> {
    if mixed_radices(n, max_points).is_some() {
        return Some(vec![n]);
    }
    if n.is_power_of_two() || n as u64 > max_points as u64 * max_points as u64 || !is_smooth(n) {
        return None;
    }
    (1..=max_points)
        .filter(|&p1| n.is_multiple_of(p1) && (p1 as u64) * (p1 as u64) >= n as u64)
        .find(|&p1| {
            radices_of(p1, max_points).is_some() && radices_of(n / p1, max_points).is_some()
        })
        .map(|p1| vec![p1, n / p1])
}

/// The most points one pass of the kernel takes on a device with `limits`: workgroup memory at
/// 8 bytes a value (half of that in two halves, the faster form for lengths that fit it).
pub fn mixed_max_points(limits: &wgpu::Limits) -> u32 {
    limits.max_compute_workgroup_storage_size / 8
}

/// Transforms of `n` points per workgroup: several while they are short (up to
/// [`POINTS_PER_WG`] points in all), never more than workgroup memory holds twice (one in one
/// buffer). Not bound
/// by the batch (a partial workgroup skips the missing transforms), so that each length is one
/// pipeline.
pub(super) fn transforms_per_workgroup(n: u32, max_points: u32) -> u32 {
    (POINTS_PER_WG.min(max_points / 2) / n).max(1)
}

/// Each pass's size and the override constants of its pipeline for `n` points where at most
/// `max_points` fit in one ([`mixed_passes`]; `None` where the kernel does not take `n`).
/// `strided`: the values lie at a stride (the column passes of N-D transforms; one pass only);
/// `in_place`: they are read from the output (passes after the first always are).
pub fn mixed_constants(
    n: u32,
    max_points: u32,
    strided: bool,
    in_place: bool,
) -> Option<Vec<(u32, Constants)>> {
    let passes = mixed_passes(n, max_points)?;
    if strided && passes.len() > 1 {
        return None;
    }
    let multi = passes.len() > 1;
    Some(
        passes
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let in_place = in_place || i > 0;
                (p, pass_constants(p, max_points, strided, in_place, multi))
            })
            .collect(),
    )
}

/// The constants of one pass of `p` points.
pub(super) fn pass_constants(
    p: u32,
    max_points: u32,
    strided: bool,
    in_place: bool,
    multi: bool,
) -> Constants {
    const NAMES: [&str; MAX_STAGES] = ["MR_R0", "MR_R1", "MR_R2", "MR_R3"];
    let radices = radices_of(p, max_points).unwrap_or_default();
    let m = transforms_per_workgroup(p, max_points);
    let one = one_buffer(p, max_points);
    let mut consts = vec![
        ("MR_N", p as f64),
        ("MR_M", m as f64),
        ("MR_WG", if one { ONE_BUFFER_WG } else { WG } as f64),
        ("MR_STAGES", radices.len() as f64),
        ("MR_SM", (if one { p } else { 2 * m * p }) as f64),
    ];
    consts.extend(
        NAMES
            .iter()
            .zip(&radices)
            .map(|(&name, &r)| (name, r as f64)),
    );
    for (name, on) in [
        ("STRIDED", strided),
        ("IN_PLACE", in_place),
        ("MULTI", multi),
        ("ONE_BUFFER", one),
    ] {
        if on {
            consts.push((name, 1.0));
        }
    }
    consts
}

/// Plans `desc` as one mixed-radix dispatch, or two ([`mixed_passes`]); `stride`: the values lie
/// at that stride (one dispatch only; see [`FftPlan::new_strided`]), `in_place`: read them from
/// the output buffer.
pub(super) fn plan(
    ctx: &Context,
    desc: FftDesc,
    config: FftConfig,
    stride: Option<u32>,
    in_place: bool,
) -> Result<FftPlan> {
    let n = desc.n;
    if let Some(st) = stride {
        if st == 0 || !desc.batch.is_multiple_of(st) {
            return Err(Error::Shape(format!(
                "strided FFT: batch {} is not a multiple of the stride {st}",
                desc.batch
            )));
        }
    }
    let max_points = mixed_max_points(&ctx.limits());
    let passes = mixed_constants(n, max_points, stride.is_some(), in_place).ok_or_else(|| {
        Error::Unsupported(format!(
            "the mixed-radix kernel does not take n = {n}{}",
            if stride.is_some() { " at a stride" } else { "" }
        ))
    })?;
    let spec = Spec::new(desc.dtype);
    let last = passes.len() - 1;
    let mut plan_passes = Vec::new();
    let mut ns = 1;
    for (i, (size, consts)) in passes.into_iter().enumerate() {
        let pipeline = ctx.pipeline(
            super::shaders::mixed(ctx.caps(), desc.dtype),
            spec,
            "main",
            &consts,
        )?;
        let mut p = pass_params(&desc, size, ns, i == 0, i == last);
        p.a[1] = stride.unwrap_or(0);
        let m = transforms_per_workgroup(size, max_points);
        let grid = grid_for(
            ctx,
            "FFT workgroup count",
            (p.batch as u64).div_ceil(m as u64),
        )?;
        // Passes after the first run in place on the output (each column reads the values it
        // writes: see `PassGeom::in_place`).
        plan_passes.push(Pass {
            pipeline,
            params: ctx.uniform("fft params", &p)?,
            grid,
            src: Slot::Input,
            dst: Slot::Output,
            aux: Some(0),
            spec: None,
            views: Views::Elements,
            dst_vec4: false,
        });
        ns *= size;
    }
    Ok(FftPlan {
        ctx: ctx.clone(),
        desc,
        config,
        chunks: Vec::new(),
        passes: plan_passes,
        scratch: Vec::new(),
        tw: ctx.storage("fft twiddles (unused)", 16)?,
        aux: vec![ctx.upload("fft roots", &roots(n))?],
        dummy: ctx.storage("fft dummy", 16)?,
        dummy_rw: ctx.storage("fft dummy (written)", 16)?,
    })
}

/// The parameters of a pass of `size` points of `desc`'s transforms after passes spanning `ns`
/// (1: none; the pass applies the cross-pass twiddles of span ns): its columns n / size of each
/// transform, at stride n / size (1: the whole transform). `first` conjugates the inverse's
/// input, `last` conjugates and scales its output.
pub(super) fn pass_params(
    desc: &FftDesc,
    size: u32,
    ns: u32,
    first: bool,
    last: bool,
) -> FftParams {
    let cols = desc.n / size;
    let mut p = FftParams {
        n: desc.n,
        ns,
        batch: desc.batch * cols,
        cols: desc.batch * cols,
        scale: 1.0,
        ..Default::default()
    };
    p.a[3] = cols;
    if desc.inverse && first {
        p.flags |= CONJ_IN;
    }
    if desc.inverse && last {
        p.flags |= CONJ_OUT;
        p.scale = 1.0 / desc.n as f32;
    }
    p
}

/// The kernel's table of roots for a transform of `n` points: exp(-2πi·e/n) for e < n, in f64,
/// padded to whole vec4 pairs.
pub(super) fn roots(n: u32) -> Vec<f32> {
    let mut roots: Vec<f32> = (0..n)
        .flat_map(|e| {
            let a = -2.0 * std::f64::consts::PI * e as f64 / n as f64;
            [a.cos() as f32, a.sin() as f32]
        })
        .collect();
    roots.resize(roots.len().next_multiple_of(4), 0.0);
    roots
}

#[cfg(test)]
mod tests {
    use super::mixed_radices;

    #[test]
    fn every_planned_radix_has_a_stage_in_the_kernel() {
        let wgsl = include_str!("../../../shaders/fft/mixed.wgsl");
        let stages: Vec<u32> = wgsl
            .lines()
            .filter_map(|l| {
                l.strip_prefix("fn mr_stage")?
                    .split('(')
                    .next()?
                    .parse()
                    .ok()
            })
            .filter(|&r| r > 1)
            .collect();
        assert_eq!(stages, super::RADICES);
    }

    #[test]
    fn radices_multiply_to_n_and_refuse_what_they_cannot_run() {
        // 32 KiB of workgroup memory: two halves to 2048 points, one buffer to 4096.
        for n in 1..=4096u32 {
            match mixed_radices(n, 4096) {
                Some(r) => {
                    assert_eq!(r.iter().product::<u32>(), n, "{n}: {r:?}");
                    assert!(r.len() <= super::MAX_STAGES, "{n}: {r:?}");
                    if n > 2048 {
                        assert!(r.iter().all(|&q| q >= n.div_ceil(512)), "{n}: {r:?}");
                    }
                }
                None => assert!(
                    (n.is_power_of_two() && n >= 2)
                        || n > 2048
                        || (2..=n)
                            .any(|p| n.is_multiple_of(p) && p > 53 && (2..p).all(|d| p % d != 0)),
                    "{n} refused"
                ),
            }
        }
        assert_eq!(mixed_radices(1000, 4096), Some(vec![10, 10, 10]));
        assert_eq!(mixed_radices(96, 4096), Some(vec![12, 8]));
        assert_eq!(mixed_radices(400, 4096), Some(vec![20, 20]));
        assert_eq!(mixed_radices(800, 4096), Some(vec![10, 10, 8]));
        assert_eq!(mixed_radices(29 * 31, 4096), Some(vec![31, 29]));
        assert_eq!(mixed_radices(1, 4096), Some(vec![1]));
        assert_eq!(mixed_radices(17, 4096), Some(vec![17]));
        assert_eq!(mixed_radices(59, 4096), None);
        assert_eq!(mixed_radices(53 * 47, 4096), Some(vec![53, 47]));
        // One buffer: every radix ≥ n / 512.
        assert_eq!(mixed_radices(3000, 4096), Some(vec![20, 15, 10]));
        assert_eq!(mixed_radices(1536, 2048), Some(vec![16, 12, 8]));
        assert_eq!(mixed_radices(31 * 31 * 4, 4096), None);
        assert_eq!(mixed_radices(3000, 2048), None);
    }

    #[test]
    fn two_passes_split_longer_smooth_lengths() {
        use super::mixed_passes;
        assert_eq!(mixed_passes(1000, 4096), Some(vec![1000]));
        assert_eq!(mixed_passes(3000, 4096), Some(vec![3000]));
        assert_eq!(mixed_passes(44100, 4096), Some(vec![210, 210]));
        assert_eq!(mixed_passes(6144, 4096), Some(vec![96, 64]));
        assert_eq!(mixed_passes(31 * 31 * 4, 4096), Some(vec![62, 62]));
        assert_eq!(mixed_passes(3000, 2048), Some(vec![60, 50]));
        assert_eq!(mixed_passes(4096, 4096), None);
        assert_eq!(mixed_passes(4097, 4096), None);
        assert_eq!(mixed_passes(3 << 21, 4096), Some(vec![3072, 2048]));
        assert_eq!(mixed_passes(3 << 23, 4096), None);
        for n in (4097..200_000u32).step_by(7) {
            if let Some(p) = mixed_passes(n, 4096) {
                assert_eq!(p.len(), 2);
                assert_eq!(p[0] * p[1], n);
                assert!(p
                    .iter()
                    .all(|&q| q <= 4096 && super::radices_of(q, 4096).is_some()));
            }
        }
    }
}
