//! Monarch (matrix) FFT verification: every Monarch configuration the adapter can run (the
//! dispatcher's candidates, plus the cooperative-matrix ones on f32 data, checked as the
//! f16-accuracy path they are) against rustfft in f64, across the fused / multi-pass boundary,
//! both directions, and a forward→inverse round trip.

use super::{random_data, Check};
use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::gpu::Context;
use crate::ops::fft::{FftDesc, FftPlan};
use crate::reference::{compare, fft_ref, Comparison, Tolerance};
use crate::tune::{monarch_candidates, FftConfig, FftVariant};

/// Every Monarch configuration worth checking for `desc` on this adapter: the candidates, and
/// for f32 data the coop ones too (explicit-only configurations of f16 accuracy).
pub fn monarch_configs(ctx: &Context, desc: &FftDesc) -> Vec<FftConfig> {
    let (caps, limits) = (ctx.caps(), ctx.limits());
    let mut v = monarch_candidates(caps, &limits, desc);
    for t in [8u32, 16] {
        for r in [t, 2 * t] {
            let c = FftConfig::monarch_coop(11, 2, r, t, caps.subgroup_min);
            if c.valid_for(caps, &limits, desc) && !v.contains(&c) {
                v.push(c);
            }
        }
    }
    v
}

/// The tolerance a Monarch configuration is held to.
pub fn monarch_tolerance(desc: &FftDesc, cfg: &FftConfig) -> Tolerance {
    Tolerance::fft_monarch(desc.dtype, cfg.coop > 0, desc.n as u64)
}

fn row(desc: &FftDesc, cfg: &FftConfig, variant: &str, r: Result<Comparison>) -> Check {
    super::fft::make_check(
        "fft",
        variant,
        desc.dtype,
        super::fft_shape_json(desc),
        cfg.label(),
        monarch_tolerance(desc, cfg),
        r,
    )
}

fn variant_name(cfg: &FftConfig) -> &'static str {
    match (cfg.variant, cfg.coop > 0) {
        (FftVariant::Monarch, true) => "monarch_coop",
        (FftVariant::Monarch, false) => "monarch",
        _ => "stockham",
    }
}

/// Runs `desc` under the Monarch `cfg` on random data and compares with rustfft (f64).
pub fn check_fft_monarch(ctx: &Context, desc: &FftDesc, cfg: FftConfig, seed: u64) -> Check {
    let tol = monarch_tolerance(desc, &cfg);
    let r = match desc.dtype {
        DType::F32 => typed::<f32>(ctx, desc, cfg, seed, tol),
        DType::F16 => typed::<half::f16>(ctx, desc, cfg, seed, tol),
    };
    row(desc, &cfg, variant_name(&cfg), r)
}

fn typed<T: Element>(
    ctx: &Context,
    desc: &FftDesc,
    cfg: FftConfig,
    seed: u64,
    tol: Tolerance,
) -> Result<Comparison> {
    let (x, xf) = random_data::<T>(desc.len() as usize, seed);
    let plan = FftPlan::new(ctx, *desc, Some(cfg))?;
    let got = pollster::block_on(plan.run_host(&x))?;
    let want = fft_ref(desc.n as usize, desc.batch as usize, desc.inverse, &xf);
    let got: Vec<f64> = got.iter().map(|v| v.to_f64()).collect();
    Ok(compare(&got, &want, tol))
}

/// Forward then inverse (f32) under `cfg`, both recorded in one pass: the input must come back
/// within the configuration's bound.
pub fn check_fft_monarch_round_trip(
    ctx: &Context,
    n: u32,
    batch: u32,
    cfg: FftConfig,
    seed: u64,
) -> Check {
    let desc = FftDesc::new(n).batch(batch);
    let tol = monarch_tolerance(&desc, &cfg);
    let r = (|| -> Result<Comparison> {
        let (x, xf) = random_data::<f32>(desc.len() as usize, seed);
        let fwd = FftPlan::new(ctx, desc, Some(cfg))?;
        let inv = FftPlan::new(ctx, desc.inverse(true), Some(cfg))?;
        let a = ctx.upload("x", &x)?;
        let b = ctx.storage("X", desc.bytes())?;
        let c = ctx.storage("x again", desc.bytes())?;
        let f = fwd.bind(&a, &b)?;
        let i = inv.bind(&b, &c)?;
        ctx.submit(|p| {
            f.record(p);
            i.record(p);
        })?;
        let got: Vec<f32> =
            pollster::block_on(crate::gpu::read_buffer(ctx, &c, desc.len() as usize))?;
        let got: Vec<f64> = got.iter().map(|&v| v as f64).collect();
        Ok(compare(&got, &xf, tol))
    })();
    row(&desc, &cfg, "monarch_round_trip", r)
}

/// The Monarch checks `verify fft` appends: every configuration on sizes around its fused limit
/// and a multi-pass size, both directions, f16 storage where the adapter has it, round trips.
pub fn verify_fft_monarch(ctx: &Context, progress: &mut dyn FnMut(&Check)) -> Vec<Check> {
    let mut out = Vec::new();
    let mut descs = vec![
        FftDesc::new(2).batch(5),
        FftDesc::new(64).batch(7).inverse(true),
        FftDesc::new(1024).batch(3),
        FftDesc::new(2048).batch(2).inverse(true),
        FftDesc::new(4096).batch(3),
        FftDesc::new(1 << 16).inverse(true),
        FftDesc::new(1 << 20),
    ];
    if ctx.caps().f16 {
        descs.push(FftDesc::new(512).batch(3).dtype(DType::F16));
        descs.push(FftDesc::new(1 << 14).dtype(DType::F16).inverse(true));
    }
    for (i, d) in descs.iter().enumerate() {
        for cfg in monarch_configs(ctx, d) {
            let c = check_fft_monarch(ctx, d, cfg, 900 + i as u64);
            progress(&c);
            out.push(c);
        }
    }
    let d = FftDesc::new(1 << 12).batch(2);
    for cfg in monarch_configs(ctx, &d) {
        let c = check_fft_monarch_round_trip(ctx, 1 << 12, 2, cfg, 31);
        progress(&c);
        out.push(c);
    }
    out
}
