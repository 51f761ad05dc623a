//! FFT verification: powers of two across the fused and multi-pass paths, Bluestein lengths
//! (primes, 1000, 44100), batches, both directions, f16 storage, round trips.

use super::{random_data, Check};
use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::gpu::Context;
use crate::ops::fft::{FftDesc, FftPlan};
use crate::reference::{compare, fft_ref, Comparison, Tolerance};
use crate::tune::{fft_candidates, FftConfig};

/// The FFT shapes `verify` and the tests cover.
pub fn fft_shapes(quick: bool) -> Vec<FftDesc> {
    let mut v = Vec::new();
    for log in 1..=14 {
        let n = 1u32 << log;
        let batch = (1u32 << 14 >> log).clamp(1, 9);
        v.push(FftDesc::new(n).batch(batch));
        v.push(FftDesc::new(n).batch(batch.min(3)).inverse(true));
    }
    for &(n, b) in &[
        (1u32, 3u32),
        (3, 5),
        (5, 2),
        (7, 1),
        (12, 4),
        (17, 2),
        (100, 3),
        (1000, 2),
        (4097, 1),
        (10007, 1),
        (44100, 1),
    ] {
        v.push(FftDesc::new(n).batch(b));
        v.push(FftDesc::new(n).batch(b).inverse(true));
    }
    v.push(FftDesc::new(1 << 16).batch(2));
    v.push(FftDesc::new(1 << 17).inverse(true));
    if !quick {
        v.push(FftDesc::new(1 << 20));
        v.push(FftDesc::new(1 << 20).inverse(true));
        v.push(FftDesc::new(1 << 22));
        v.push(FftDesc::new(999_983));
    }
    for &(n, b) in &[
        (8u32, 5u32),
        (256, 4),
        (4096, 2),
        (1 << 15, 1),
        (1000, 2),
        (31, 3),
    ] {
        v.push(FftDesc::new(n).batch(b).dtype(DType::F16));
        v.push(FftDesc::new(n).batch(b).dtype(DType::F16).inverse(true));
    }
    v
}

/// JSON shape object of an FFT.
pub fn fft_shape_json(d: &FftDesc) -> serde_json::Value {
    serde_json::json!({ "n": d.n, "batch": d.batch, "inverse": d.inverse })
}

fn check_row(
    op: &str,
    variant: &str,
    dtype: DType,
    shape: serde_json::Value,
    config: String,
    tol: Tolerance,
    r: Result<Comparison>,
) -> Check {
    match r {
        Ok(c) => Check {
            op: op.into(),
            variant: variant.into(),
            dtype,
            shape,
            max_abs_err: c.max_abs_err,
            rel_l2_err: c.rel_l2_err,
            tolerance: c.tolerance,
            pass: c.pass,
            config,
            error: None,
        },
        Err(e) => Check {
            op: op.into(),
            variant: variant.into(),
            dtype,
            shape,
            max_abs_err: f64::NAN,
            rel_l2_err: f64::NAN,
            tolerance: tol.rel_l2,
            pass: false,
            config,
            error: Some(e.to_string()),
        },
    }
}

pub(crate) fn make_check(
    op: &str,
    variant: &str,
    dtype: DType,
    shape: serde_json::Value,
    config: String,
    tol: Tolerance,
    r: Result<Comparison>,
) -> Check {
    check_row(op, variant, dtype, shape, config, tol, r)
}

/// Runs `desc` (with `config`, or the dispatcher's pick) on random data and compares with
/// rustfft in f64 (blocking on [`check_fft_async`]).
pub fn check_fft(ctx: &Context, desc: &FftDesc, config: Option<FftConfig>, seed: u64) -> Check {
    pollster::block_on(check_fft_async(ctx, desc, config, seed))
}

/// Forward then inverse on the GPU (f32): the input must come back within the FFT bound
/// (blocking on [`check_fft_round_trip_async`]).
pub fn check_fft_round_trip(ctx: &Context, n: u32, batch: u32, seed: u64) -> Check {
    pollster::block_on(check_fft_round_trip_async(ctx, n, batch, seed))
}

/// Every FFT check `verify fft` runs: the shape list with the dispatcher's pick, every other
/// candidate configuration on a few sizes that cross their fused/multi-pass boundaries, and
/// round trips.
pub fn verify_fft(ctx: &Context, progress: &mut dyn FnMut(&Check)) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |c: Check, out: &mut Vec<Check>| {
        progress(&c);
        out.push(c);
    };
    for (i, desc) in fft_shapes(false).into_iter().enumerate() {
        if desc.dtype == DType::F16 && !ctx.caps().f16 {
            continue;
        }
        push(check_fft(ctx, &desc, None, 3000 + i as u64), &mut out);
    }
    for d in [
        FftDesc::new(2048).batch(3),
        FftDesc::new(4096).batch(2),
        FftDesc::new(8192).batch(2),
        FftDesc::new(1 << 15).inverse(true),
        FftDesc::new(33).batch(2),
    ] {
        for cfg in fft_candidates(ctx.caps(), &ctx.limits(), &d)
            .into_iter()
            .skip(1)
        {
            push(check_fft(ctx, &d, Some(cfg), 77), &mut out);
        }
    }
    for (n, b) in [(1024u32, 4u32), (1 << 16, 1), (1000, 2), (1 << 20, 1)] {
        push(check_fft_round_trip(ctx, n, b, 11), &mut out);
    }
    out.extend(super::verify_fft_monarch(ctx, &mut |c| progress(c)));
    out
}

// ---- Non-blocking forms, for the browser (the web demo) and `verify::verify_op_async`: the
// checks themselves, awaiting the GPU (a page must never block); the blocking forms above wait on them.

/// [`check_fft`] without blocking.
pub async fn check_fft_async(
    ctx: &Context,
    desc: &FftDesc,
    config: Option<FftConfig>,
    seed: u64,
) -> Check {
    let tol = Tolerance::fft(desc.dtype, desc.n as u64);
    let cfg = config.unwrap_or_else(|| crate::tune::fft_pick(ctx, desc));
    let variant = if desc.is_pow2() {
        "stockham"
    } else {
        "bluestein"
    };
    let r = match desc.dtype {
        DType::F32 => check_fft_typed_async::<f32>(ctx, desc, cfg, seed, tol).await,
        DType::F16 => check_fft_typed_async::<half::f16>(ctx, desc, cfg, seed, tol).await,
    };
    check_row(
        "fft",
        variant,
        desc.dtype,
        fft_shape_json(desc),
        cfg.label(),
        tol,
        r,
    )
}

async fn check_fft_typed_async<T: Element>(
    ctx: &Context,
    desc: &FftDesc,
    cfg: FftConfig,
    seed: u64,
    tol: Tolerance,
) -> Result<Comparison> {
    let (x, xf) = random_data::<T>(desc.len() as usize, seed);
    let got = ctx
        .capture_errors(async {
            let plan = FftPlan::new(ctx, *desc, Some(cfg))?;
            plan.run_host(&x).await
        })
        .await?;
    let want = fft_ref(desc.n as usize, desc.batch as usize, desc.inverse, &xf);
    let got: Vec<f64> = got.iter().map(|v| v.to_f64()).collect();
    Ok(compare(&got, &want, tol))
}

/// [`check_fft_round_trip`] without blocking.
pub async fn check_fft_round_trip_async(ctx: &Context, n: u32, batch: u32, seed: u64) -> Check {
    let desc = FftDesc::new(n).batch(batch);
    let tol = Tolerance::fft(DType::F32, n as u64);
    let (x, xf) = random_data::<f32>(desc.len() as usize, seed);
    let r = ctx
        .capture_errors(async {
            let fwd = FftPlan::new(ctx, desc, None)?;
            let inv = FftPlan::new(ctx, desc.inverse(true), None)?;
            let a = ctx.upload("x", &x)?;
            let b = ctx.storage("X", desc.bytes())?;
            let c = ctx.storage("x again", desc.bytes())?;
            let f = fwd.bind(&a, &b)?;
            let i = inv.bind(&b, &c)?;
            ctx.submit(|p| {
                f.record(p);
                i.record(p);
            })?;
            let got: Vec<f32> = crate::gpu::read_buffer(ctx, &c, desc.len() as usize).await?;
            let got: Vec<f64> = got.iter().map(|&v| v as f64).collect();
            Ok(compare(&got, &xf, tol))
        })
        .await;
    check_row(
        "fft",
        "round_trip",
        DType::F32,
        fft_shape_json(&desc),
        "default".into(),
        tol,
        r,
    )
}

/// [`verify_fft`] without blocking: the same shape list (with `quick`, the browser's: the
/// million-point transforms are left out, every path and Bluestein still covered), every
/// other candidate configuration on the boundary sizes, and round trips.
pub async fn verify_fft_async(
    ctx: &Context,
    quick: bool,
    progress: &mut dyn FnMut(&Check),
) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |c: Check, out: &mut Vec<Check>| {
        progress(&c);
        out.push(c);
    };
    for (i, desc) in fft_shapes(quick).into_iter().enumerate() {
        if desc.dtype == DType::F16 && !ctx.caps().f16 {
            continue;
        }
        push(
            check_fft_async(ctx, &desc, None, 3000 + i as u64).await,
            &mut out,
        );
    }
    for d in [
        FftDesc::new(2048).batch(3),
        FftDesc::new(4096).batch(2),
        FftDesc::new(8192).batch(2),
        FftDesc::new(1 << 15).inverse(true),
        FftDesc::new(33).batch(2),
    ] {
        for cfg in fft_candidates(ctx.caps(), &ctx.limits(), &d)
            .into_iter()
            .skip(1)
        {
            push(check_fft_async(ctx, &d, Some(cfg), 77).await, &mut out);
        }
    }
    let big = if quick { 1 << 17 } else { 1 << 20 };
    for (n, b) in [(1024u32, 4u32), (1 << 16, 1), (1000, 2), (big, 1)] {
        push(check_fft_round_trip_async(ctx, n, b, 11).await, &mut out);
    }
    out
}
