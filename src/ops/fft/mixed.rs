//! Smooth lengths without Bluestein: a transform whose length has no prime factor above 13 and
//! fits workgroup memory twice over (1024 points on WebGPU's 16 KiB, 2048 on 32 KiB) runs as one
//! dispatch of `shaders/fft/mixed.wgsl`, every stage a radix-R step (R = 16, 8, 4, 2, 3, 5, 7,
//! 11, 13) with a register DFT.
//!
//! Why: Bluestein runs three power-of-two transforms of ≥ 2n − 1 points, so 1000 points cost
//! three 2048-point transforms and two chirp products. A direct transform does 1000 points' worth
//! of stages (1000 = 8 · 5 · 5 · 5: four stages).

use super::{grid_for, FftDesc, FftParams, FftPlan, Pass, Slot, Views, CONJ_IN, CONJ_OUT};
use crate::error::{Error, Result};
use crate::ops::fft::config::FftConfig;
use crate::runtime::pipelines::Spec;
use crate::runtime::Context;

/// The most stages the kernel has (`MR_R0` … `MR_R7`).
const MAX_STAGES: usize = 8;

/// Invocations per workgroup.
const WG: u32 = 64;

/// Values a workgroup transforms at once when transforms are short: several transforms share a
/// workgroup up to this many points.
const POINTS_PER_WG: u32 = 1024;

/// The radices of the mixed-radix kernel for `n` points, stage by stage, or `None` where it
/// does not take `n`: powers of two ≥ 2 (their own kernels are faster), lengths over
/// `max_points`, or a prime factor over 13. Powers of two go first as radix 16 (then one 8, 4
/// or 2), then the odd primes; 1 is one radix-1 stage (a copy).
pub fn mixed_radices(n: u32, max_points: u32) -> Option<Vec<u32>> {
    if n == 0 || (n >= 2 && n.is_power_of_two()) || n > max_points {
        return None;
    }
    let mut rest = n;
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
    for p in [3, 5, 7, 11, 13] {
        while rest.is_multiple_of(p) {
            radices.push(p);
            rest /= p;
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

/// The override constants of the kernel's pipeline for `n` points where at most `max_points`
/// fit ([`mixed_radices`]; `None` where it does not take `n`). `strided`: the values lie at a
/// stride (the column passes of N-D transforms); `in_place`: they are read from the output.
pub fn mixed_constants(
    n: u32,
    max_points: u32,
    strided: bool,
    in_place: bool,
) -> Option<Vec<(&'static str, f64)>> {
    const NAMES: [&str; MAX_STAGES] = [
        "MR_R0", "MR_R1", "MR_R2", "MR_R3", "MR_R4", "MR_R5", "MR_R6", "MR_R7",
    ];
    let radices = mixed_radices(n, max_points)?;
    let m = transforms_per_workgroup(n, max_points);
    let mut consts = vec![
        ("MR_N", n as f64),
        ("MR_M", m as f64),
        ("MR_WG", WG as f64),
        ("MR_STAGES", radices.len() as f64),
        ("MR_SM", (2 * m * n) as f64),
    ];
    consts.extend(
        NAMES
            .iter()
            .zip(&radices)
            .map(|(&name, &r)| (name, r as f64)),
    );
    if strided {
        consts.push(("STRIDED", 1.0));
    }
    if in_place {
        consts.push(("IN_PLACE", 1.0));
    }
    Some(consts)
}

/// Plans `desc` as one mixed-radix dispatch; `stride`: the values lie at that stride (see
/// [`FftPlan::new_strided`]), `in_place`: read them from the output buffer.
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
    let m = transforms_per_workgroup(n, max_points);
    let consts = mixed_constants(n, max_points, stride.is_some(), in_place).ok_or_else(|| {
        Error::Unsupported(format!("the mixed-radix kernel does not take n = {n}"))
    })?;
    let spec = Spec::new(desc.dtype);
    let pipeline = ctx.pipeline(
        super::shaders::mixed(ctx.caps(), desc.dtype),
        spec,
        "main",
        &consts,
    )?;
    let mut p = FftParams {
        n,
        batch: desc.batch,
        cols: desc.batch,
        scale: 1.0,
        ..Default::default()
    };
    if desc.inverse {
        p.flags = CONJ_IN | CONJ_OUT;
        p.scale = 1.0 / n as f32;
    }
    p.a[1] = stride.unwrap_or(0);
    let grid = grid_for(
        ctx,
        "FFT workgroup count",
        (desc.batch as u64).div_ceil(m as u64),
    )?;
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
        passes: vec![Pass {
            pipeline,
            params: ctx.uniform("fft params", &p)?,
            grid,
            src: Slot::Input,
            dst: Slot::Output,
            aux: None,
            spec: None,
            views: Views::Elements,
            dst_vec4: false,
        }],
        scratch: Vec::new(),
        tw: ctx.upload("fft roots", &roots)?,
        aux: Vec::new(),
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
                            .any(|p| n.is_multiple_of(p) && p > 13 && (2..p).all(|d| p % d != 0)),
                    "{n} refused"
                ),
            }
        }
        assert_eq!(mixed_radices(1000, 2048), Some(vec![8, 5, 5, 5]));
        assert_eq!(mixed_radices(1, 2048), Some(vec![1]));
        assert_eq!(mixed_radices(1536, 1024), None);
        assert_eq!(mixed_radices(17, 2048), None);
    }
}
