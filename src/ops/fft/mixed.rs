//! Smooth lengths without Bluestein: a transform whose length has no prime factor above 31 and
//! fits workgroup memory twice over (1024 points on WebGPU's 16 KiB, 2048 on 32 KiB) runs as one
//! dispatch of `shaders/fft/mixed.wgsl`, every stage a radix-R step (R = 16, 8, 4, 2 and the
//! odd primes to 31) with a register DFT; longer such lengths (up to the square of that) as two
//! passes, the second in place, as the power-of-two passes run.
//!
//! Why: Bluestein runs three power-of-two transforms of ≥ 2n − 1 points, so 1000 points cost
//! three 2048-point transforms and two chirp products. A direct transform does 1000 points' worth
//! of stages (1000 = 8 · 5 · 5 · 5: four stages).

use super::{grid_for, FftDesc, FftParams, FftPlan, Pass, Slot, Views, CONJ_IN, CONJ_OUT};
use crate::error::{Error, Result};
use crate::ops::fft::config::FftConfig;
use crate::runtime::pipelines::{Constants, Spec};
use crate::runtime::Context;

/// The most stages the kernel has (`MR_R0` … `MR_R7`).
const MAX_STAGES: usize = 8;

/// Invocations per workgroup. On lavapipe (`examples/fft_configs`, alternating processes) 128
/// with [`POINTS_PER_WG`] 2048 took 0.77× the time of 64 with 1024 at 1000 × 8192, 0.61× at
/// 12 × 262144, 0.87× at 100 × 65536, a tie at 2000 and 1.04× at 1458 (docs/kernel-notes.md,
/// stop 40).
const WG: u32 = 128;

/// Values a workgroup transforms at once when transforms are short: several transforms share a
/// workgroup up to this many points.
const POINTS_PER_WG: u32 = 2048;

/// The radices of the mixed-radix kernel for `n` points in one dispatch, stage by stage, or
/// `None` where it does not take `n` so: powers of two ≥ 2 (their own kernels are faster),
/// lengths over `max_points`, or a prime factor over 31. Powers of two go first as radix 16
/// (then one 8, 4 or 2), then the odd primes; 1 is one radix-1 stage (a copy).
pub fn mixed_radices(n: u32, max_points: u32) -> Option<Vec<u32>> {
    if (n >= 2 && n.is_power_of_two()) || n > max_points {
        return None;
    }
    radices_of(n)
}

/// The stages of a sub-transform of `p` points (any smooth `p` ≥ 1, powers of two too: a pass of
/// a longer transform), or `None`.
fn radices_of(p: u32) -> Option<Vec<u32>> {
    if p == 0 {
        return None;
    }
    let mut rest = p;
    let mut log2 = rest.trailing_zeros();
    rest >>= log2;
    let mut radices = Vec::new();
    while log2 >= 4 {
        radices.push(16);
        log2 -= 4;
    }
    if log2 > 0 {
        radices.push(1 << log2);
    }
    for q in [3, 5, 7, 11, 13, 17, 19, 23, 29, 31] {
        while rest.is_multiple_of(q) {
            radices.push(q);
            rest /= q;
        }
    }
    if rest != 1 {
        return None;
    }
    if radices.is_empty() {
        radices.push(1);
    }
    (radices.len() <= MAX_STAGES).then_some(radices)
}

/// The passes of the mixed-radix kernel for `n` points: `[n]` where one dispatch takes it
/// ([`mixed_radices`]), else two passes `[p1, p2]` (p1·p2 = n, p1 the smallest divisor ≥ √n
/// with both ≤ `max_points`) for longer lengths with prime factors ≤ 31 (44100 = 210 · 210,
/// 6144 = 96 · 64), else `None` (Bluestein). Powers of two never.
pub fn mixed_passes(n: u32, max_points: u32) -> Option<Vec<u32>> {
    if mixed_radices(n, max_points).is_some() {
        return Some(vec![n]);
    }
    if n.is_power_of_two() || n as u64 > max_points as u64 * max_points as u64 {
        return None;
    }
    radices_of(n)?;
    (1..=max_points)
        .filter(|&p1| n.is_multiple_of(p1) && (p1 as u64) * (p1 as u64) >= n as u64)
        .find(|&p1| {
            n / p1 <= max_points && radices_of(p1).is_some() && radices_of(n / p1).is_some()
        })
        .map(|p1| vec![p1, n / p1])
}

/// The most points the kernel takes on a device with `limits`: two halves of workgroup memory,
/// 8 bytes a value.
pub fn mixed_max_points(limits: &wgpu::Limits) -> u32 {
    limits.max_compute_workgroup_storage_size / 16
}

/// Transforms of `n` points per workgroup: several while they are short (up to
/// [`POINTS_PER_WG`] points in all), never more than workgroup memory holds twice. Not bound
/// by the batch (a partial workgroup skips the missing transforms), so that each length is one
/// pipeline.
fn transforms_per_workgroup(n: u32, max_points: u32) -> u32 {
    (POINTS_PER_WG.min(max_points) / n).max(1)
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
fn pass_constants(
    p: u32,
    max_points: u32,
    strided: bool,
    in_place: bool,
    multi: bool,
) -> Constants {
    const NAMES: [&str; MAX_STAGES] = [
        "MR_R0", "MR_R1", "MR_R2", "MR_R3", "MR_R4", "MR_R5", "MR_R6", "MR_R7",
    ];
    let radices = radices_of(p).unwrap_or_default();
    let m = transforms_per_workgroup(p, max_points);
    let mut consts = vec![
        ("MR_N", p as f64),
        ("MR_M", m as f64),
        ("MR_WG", WG as f64),
        ("MR_STAGES", radices.len() as f64),
        ("MR_SM", (2 * m * p) as f64),
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
        // Columns of each transform in this pass (1: the whole transform in one).
        let cols = n / size;
        let mut p = FftParams {
            n,
            ns,
            batch: desc.batch * cols,
            cols: desc.batch * cols,
            scale: 1.0,
            ..Default::default()
        };
        p.a[1] = stride.unwrap_or(0);
        p.a[3] = cols;
        if desc.inverse && i == 0 {
            p.flags |= CONJ_IN;
        }
        if desc.inverse && i == last {
            p.flags |= CONJ_OUT;
            p.scale = 1.0 / n as f32;
        }
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
    // exp(-2πi·e/n) for e < n, in f64, padded to whole vec4 pairs.
    let mut roots: Vec<f32> = (0..n)
        .flat_map(|e| {
            let a = -2.0 * std::f64::consts::PI * e as f64 / n as f64;
            [a.cos() as f32, a.sin() as f32]
        })
        .collect();
    roots.resize(roots.len().next_multiple_of(4), 0.0);
    Ok(FftPlan {
        ctx: ctx.clone(),
        desc,
        config,
        passes: plan_passes,
        scratch: Vec::new(),
        tw: ctx.storage("fft twiddles (unused)", 16)?,
        aux: vec![ctx.upload("fft roots", &roots)?],
        dummy: ctx.storage("fft dummy", 16)?,
        dummy_rw: ctx.storage("fft dummy (written)", 16)?,
    })
}

#[cfg(test)]
mod tests {
    use super::mixed_radices;

    #[test]
    fn radices_multiply_to_n_and_refuse_what_they_cannot_run() {
        for n in 1..=2048u32 {
            match mixed_radices(n, 2048) {
                Some(r) => {
                    assert_eq!(r.iter().product::<u32>(), n, "{n}: {r:?}");
                    assert!(r.len() <= super::MAX_STAGES);
                }
                None => assert!(
                    (n.is_power_of_two() && n >= 2)
                        || (2..=n)
                            .any(|p| n.is_multiple_of(p) && p > 31 && (2..p).all(|d| p % d != 0)),
                    "{n} refused"
                ),
            }
        }
        assert_eq!(mixed_radices(1000, 2048), Some(vec![8, 5, 5, 5]));
        assert_eq!(mixed_radices(1, 2048), Some(vec![1]));
        assert_eq!(mixed_radices(1536, 1024), None);
        assert_eq!(mixed_radices(17, 2048), Some(vec![17]));
        assert_eq!(mixed_radices(37, 2048), None);
    }

    #[test]
    fn two_passes_split_longer_smooth_lengths() {
        use super::mixed_passes;
        assert_eq!(mixed_passes(1000, 2048), Some(vec![1000]));
        assert_eq!(mixed_passes(44100, 2048), Some(vec![210, 210]));
        assert_eq!(mixed_passes(6144, 2048), Some(vec![96, 64]));
        assert_eq!(mixed_passes(3000, 2048), Some(vec![60, 50]));
        assert_eq!(mixed_passes(2000, 1024), Some(vec![50, 40]));
        assert_eq!(mixed_passes(4096, 2048), None);
        assert_eq!(mixed_passes(4097, 2048), None);
        assert_eq!(mixed_passes(3 << 21, 2048), None);
        for n in (2049..200_000u32).step_by(7) {
            if let Some(p) = mixed_passes(n, 2048) {
                assert_eq!(p.len(), 2);
                assert_eq!(p[0] * p[1], n);
                assert!(p
                    .iter()
                    .all(|&q| q <= 2048 && super::radices_of(q).is_some()));
            }
        }
    }
}
