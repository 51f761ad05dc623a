//! Real FFT and FFT-convolution verification: rfft/irfft against rustfft, every convolution path
//! (fused, partial/overlap-save, multi-pass, unfused, frequency-sparse) against the direct f64
//! sum (or the f64 FFT convolution for long sequences and for the sparse semantics).

use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::harness::tolerance::compare;
use crate::harness::tolerance::Comparison;
use crate::harness::tolerance::Tolerance;
use crate::harness::verify::{random_data, Check, Tier};
use crate::ops::fft::reference::fftconv_direct_ref;
use crate::ops::fft::reference::fftconv_fft_ref;
use crate::ops::fft::reference::irfft_ref;
use crate::ops::fft::reference::rfft_ref;
use crate::ops::fft::rfft::{RfftDesc, RfftPlan};
use crate::ops::fft::verify::fft_checkable;
use crate::ops::fft::verify::make_check;
use crate::ops::fftconv::{FftConvDesc, FftConvPath, FftConvPlan};
use crate::runtime::Context;

/// JSON shape of a real FFT.
pub fn rfft_shape_json(d: &RfftDesc) -> serde_json::Value {
    serde_json::json!({ "n": d.n, "batch": d.batch, "inverse": d.inverse })
}

/// JSON shape of a convolution.
pub fn fftconv_shape_json(d: &FftConvDesc) -> serde_json::Value {
    serde_json::json!({
        "b": d.b, "h": d.h, "l": d.l, "lk": d.lk, "circular": d.circular,
        "pre_gate": d.pre_gate, "post_gate": d.post_gate, "freq_keep": d.freq_keep,
    })
}

/// rfft / irfft of `desc` on random data against rustfft in f64 (blocking on
/// [`check_rfft_async`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn check_rfft(ctx: &Context, desc: &RfftDesc, seed: u64) -> Check {
    pollster::block_on(check_rfft_async(ctx, desc, seed))
}

/// Runs `desc` on random data (gates in [0.5, 1.5)) and compares with the reference: the direct
/// sum when it is cheap, else the f64 FFT convolution; frequency-sparse plans always against
/// the f64 FFT convolution with the same class mask (blocking on [`check_fftconv_async`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn check_fftconv(ctx: &Context, desc: &FftConvDesc, seed: u64) -> Check {
    pollster::block_on(check_fftconv_async(ctx, desc, seed))
}

/// The convolution shapes `verify` covers at `tier`: every path (fused, partial overlap-save,
/// multi-pass, unfused, frequency-sparse), causal and circular, each gate, f16. Every FFT
/// length × switch (circular, gates) is its own pipeline, so the standard tier checks each
/// path at one or two lengths and the switches on one of them; full checks every shape both
/// ways.
pub fn fftconv_shapes(tier: Tier) -> Vec<FftConvDesc> {
    let mut v = Vec::new();
    let both: &[(u32, u32, u32, u32)] = if tier.full() {
        &[
            (1, 1, 1, 1),
            (2, 3, 1, 1),
            (3, 2, 7, 7),
            (1, 4, 13, 5),
            (4, 2, 100, 1),
            (2, 2, 127, 127),
            (5, 3, 1000, 300),
            (2, 2, 2048, 2048),
            (1, 2, 4099, 31),
            (3, 1, 20000, 100),
            (2, 3, 6000, 2000),
            (2, 2, 5000, 5000),
        ]
    } else {
        &[(5, 3, 1000, 300)]
    };
    for &(b, h, l, lk) in both {
        if tier.full() {
            v.push(FftConvDesc::new(b, h, l, lk));
        }
        v.push(
            FftConvDesc::new(b, h, l, lk)
                .circular(true)
                .gates(true, true),
        );
    }
    if !tier.full() {
        // Causal (the circular, gated case above is fused): partial (overlap-save), multi-pass.
        for &(b, h, l, lk) in &[(1, 2, 4099, 31), (2, 2, 5000, 5000)] {
            v.push(FftConvDesc::new(b, h, l, lk));
        }
    }
    let forced: &[(u32, u32, u32, u32)] = if tier.full() {
        &[(3, 2, 7, 3), (2, 3, 1000, 1000), (1, 1, 4096, 17)]
    } else {
        &[(3, 2, 7, 3)]
    };
    // Standard: the multi-pass path runs above (long and frequency-sparse cases) already.
    let paths: &[FftConvPath] = if tier.full() {
        &[FftConvPath::MultiPass, FftConvPath::Unfused]
    } else {
        &[FftConvPath::Unfused]
    };
    for &path in paths {
        for &(b, h, l, lk) in forced {
            v.push(
                FftConvDesc::new(b, h, l, lk)
                    .path(Some(path))
                    .gates(true, false),
            );
            if tier.full() {
                v.push(
                    FftConvDesc::new(b, h, l, lk)
                        .path(Some(path))
                        .circular(true)
                        .gates(false, true),
                );
            }
        }
    }
    let keeps: &[f32] = if tier.full() {
        &[0.25, 0.5, 1.0]
    } else {
        &[0.25]
    };
    for &keep in keeps {
        if tier.full() {
            v.push(FftConvDesc::new(2, 3, 3000, 3000).freq_keep(Some(keep)));
        }
        v.push(
            FftConvDesc::new(3, 1, 600, 50)
                .freq_keep(Some(keep))
                .circular(true)
                .gates(true, true),
        );
    }
    v.push(
        FftConvDesc::new(2, 2, 1000, 100)
            .dtype(DType::F16)
            .gates(true, true),
    );
    if tier.full() {
        v.push(FftConvDesc::new(2, 2, 9000, 9000).dtype(DType::F16));
    }
    v
}

/// The real-FFT shapes `verify fftconv` covers at `tier` (each checked both ways): 1, 2, odd,
/// powers of two within and beyond one fused pass, Bluestein; full adds more lengths and a
/// million points.
pub fn rfft_shapes(tier: Tier) -> Vec<(u32, u32)> {
    let mut v = vec![(1u32, 2u32), (1000, 2), (8192, 2)];
    if tier.full() {
        v.extend([
            (7, 2),
            (16, 4),
            (2, 3),
            (1025, 1),
            (4096, 3),
            (44100, 1),
            (1 << 20, 1),
        ]);
    }
    v.retain(|&(n, _)| fft_checkable(n));
    v
}

/// Every real-FFT and convolution check `verify fftconv` runs at `tier` on this adapter;
/// `progress` is called after each.
pub async fn verify_fftconv_async(
    ctx: &Context,
    tier: Tier,
    progress: &mut dyn FnMut(&Check),
) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |c: Check, out: &mut Vec<Check>| {
        progress(&c);
        out.push(c);
    };
    for (i, (n, b)) in rfft_shapes(tier).into_iter().enumerate() {
        for inv in [false, true] {
            let d = RfftDesc::new(n).batch(b).inverse(inv);
            push(check_rfft_async(ctx, &d, 500 + i as u64).await, &mut out);
        }
    }
    if ctx.caps().f16 {
        let d = RfftDesc::new(512).batch(3).dtype(DType::F16);
        push(check_rfft_async(ctx, &d, 9).await, &mut out);
        let d = RfftDesc::new(99).batch(2).dtype(DType::F16).inverse(true);
        push(check_rfft_async(ctx, &d, 9).await, &mut out);
    }
    for (i, d) in fftconv_shapes(tier).into_iter().enumerate() {
        if d.dtype == DType::F16 && !ctx.caps().f16 {
            continue;
        }
        push(check_fftconv_async(ctx, &d, 900 + i as u64).await, &mut out);
    }
    out
}

// ---- Non-blocking forms, for the browser (the web demo) and `verify::verify_op_async`: the
// checks themselves, awaiting the GPU (a page must never block); the blocking forms above wait on them.

/// [`check_rfft`] without blocking.
pub async fn check_rfft_async(ctx: &Context, desc: &RfftDesc, seed: u64) -> Check {
    let tol = Tolerance::fft(desc.dtype, desc.n as u64);
    let r = match desc.dtype {
        DType::F32 => check_rfft_typed_async::<f32>(ctx, desc, seed, tol).await,
        DType::F16 => check_rfft_typed_async::<half::f16>(ctx, desc, seed, tol).await,
    };
    make_check(
        "rfft",
        if desc.inverse { "irfft" } else { "rfft" },
        desc.dtype,
        rfft_shape_json(desc),
        "default".into(),
        tol,
        r,
    )
}

async fn check_rfft_typed_async<T: Element>(
    ctx: &Context,
    d: &RfftDesc,
    seed: u64,
    tol: Tolerance,
) -> Result<Comparison> {
    let (li, _) = d.lens();
    let (x, xf) = random_data::<T>(li as usize, seed);
    let got = ctx
        .capture_errors(async {
            let plan = RfftPlan::new(ctx, *d, None)?;
            plan.run_host(&x).await
        })
        .await?;
    let got: Vec<f64> = got.iter().map(|v| v.to_f64()).collect();
    let want = if d.inverse {
        irfft_ref(d.n as usize, d.batch as usize, &xf)
    } else {
        rfft_ref(d.n as usize, d.batch as usize, &xf)
    };
    Ok(compare(&got, &want, tol))
}

/// [`check_fftconv`] without blocking (same data, same reference choice).
pub async fn check_fftconv_async(ctx: &Context, desc: &FftConvDesc, seed: u64) -> Check {
    let r = match desc.dtype {
        DType::F32 => check_conv_typed_async::<f32>(ctx, desc, seed).await,
        DType::F16 => check_conv_typed_async::<half::f16>(ctx, desc, seed).await,
    };
    let (r, path, tol) = match r {
        Ok((c, p, t)) => (Ok(c), p, t),
        Err(e) => (
            Err(e),
            "error".to_string(),
            Tolerance::fftconv(desc.dtype, 2),
        ),
    };
    make_check(
        "fftconv",
        &path,
        desc.dtype,
        fftconv_shape_json(desc),
        path.clone(),
        tol,
        r,
    )
}

/// The f64 reference of `plan` on `u`, `k` and the gates (all of the plan's shape): the FFT
/// convolution with the plan's frequency mask when it is frequency-sparse, else the direct
/// definition where it is cheap enough (B·H·L·Lk ≤ 3·10⁷ products), else the f64 FFT
/// convolution. One place for the choice: `verify` and the JS package's `check` use it.
pub fn plan_reference(
    plan: &FftConvPlan,
    uf: &[f64],
    kf: &[f64],
    pf: Option<&[f64]>,
    qf: Option<&[f64]>,
) -> Vec<f64> {
    let d = plan.desc();
    let (b, h, l, lk) = (d.b as usize, d.h as usize, d.l as usize, d.lk as usize);
    let (nf, sparse) = match plan.freq_blocks() {
        Some((c, dd)) => (plan.n_fft() as usize, Some((c as usize, dd as usize))),
        None if (b * h * l) as u64 * lk as u64 <= 30_000_000 => {
            return fftconv_direct_ref(b, h, l, lk, d.circular, uf, kf, pf, qf)
        }
        None => ((l + lk - 1).next_power_of_two(), None),
    };
    fftconv_fft_ref(b, h, l, lk, d.circular, uf, kf, pf, qf, nf, sparse)
}

async fn check_conv_typed_async<T: Element>(
    ctx: &Context,
    d: &FftConvDesc,
    seed: u64,
) -> Result<(Comparison, String, Tolerance)> {
    let n = d.len() as usize;
    let (u, uf) = random_data::<T>(n, seed);
    let (k, kf) = random_data::<T>(d.k_len() as usize, seed + 1);
    let gate = |s: u64| {
        let (g, _) = random_data::<f32>(n, s);
        let g: Vec<T> = g
            .iter()
            .map(|&v| T::from_f64(1.0 + 0.5 * v as f64))
            .collect();
        let gf: Vec<f64> = g.iter().map(|v| v.to_f64()).collect();
        (g, gf)
    };
    let pre = d.pre_gate.then(|| gate(seed + 2));
    let post = d.post_gate.then(|| gate(seed + 3));
    let (got, plan) = ctx
        .capture_errors(async {
            let plan = FftConvPlan::new(ctx, *d, None)?;
            let got = plan
                .run_host(
                    &u,
                    &k,
                    pre.as_ref().map(|g| &g.0[..]),
                    post.as_ref().map(|g| &g.0[..]),
                )
                .await?;
            Ok((got, plan))
        })
        .await?;
    let got: Vec<f64> = got.iter().map(|v| v.to_f64()).collect();
    let (pf, qf) = (
        pre.as_ref().map(|g| &g.1[..]),
        post.as_ref().map(|g| &g.1[..]),
    );
    let want = plan_reference(&plan, &uf, &kf, pf, qf);
    let tol = Tolerance::fftconv(d.dtype, plan.n_fft() as u64);
    let label = format!(
        "{} n{} seg{}",
        plan.path().name(),
        plan.n_fft(),
        plan.segments()
    );
    Ok((compare(&got, &want, tol), label, tol))
}
