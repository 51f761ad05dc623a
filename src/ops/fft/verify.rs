//! FFT verification: powers of two across the fused and multi-pass paths, Bluestein lengths
//! (1, primes, 1000, 44100), batches, both directions, f16 storage, round trips, and the other
//! kernel families the dispatcher can pick (plain and subgroup Stockham, Monarch tiled and on
//! cooperative matrices), each against rustfft in f64.

use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::harness::tolerance::compare;
use crate::harness::tolerance::Comparison;
use crate::harness::tolerance::Tolerance;
use crate::harness::verify::{random_data, Check, Tier};
use crate::ops::fft::config::fft_candidates;
use crate::ops::fft::config::FftConfig;
use crate::ops::fft::config::FftVariant;
use crate::ops::fft::monarch_config::monarch_candidates;
use crate::ops::fft::reference::fft_ref;
use crate::ops::fft::{FftDesc, FftPlan};
use crate::runtime::Context;

/// Whether a transform of `n` points is checked in this build: a browser page's wasm heap
/// (32-bit) also holds the f64 references, so it stops at 2^17 points; natively there is no cap.
pub(crate) fn fft_checkable(n: u32) -> bool {
    !cfg!(target_arch = "wasm32") || n <= 1 << 17
}

/// The shapes the dispatcher's pick is checked on at `tier`: powers of two through the fused
/// sizes into multi-pass, Bluestein lengths, f16 storage. Every length is its own pipeline (a
/// browser on a software adapter compiles one in ~10 s), so standard takes 2, 256 and the sizes
/// where the paths change (512 and 2048: their own subgroup kernels; 4096: the largest fused;
/// 8192: `p8192` on 8-lane subgroups, two passes elsewhere; 65536: one workgroup per transform
/// on 8-lane subgroups, `p65536`) and one length per path of the others (mixed radix with odd
/// and even radices and in one buffer, Rader, Rader's composite, Bluestein); full takes every
/// power of two up to 2^14 both ways, more radices and the million-point transforms.
pub fn fft_shapes(tier: Tier) -> Vec<FftDesc> {
    let mut v = Vec::new();
    for log in 1..=14 {
        if !tier.full() && ![1, 8, 9, 11, 12, 13].contains(&log) {
            continue;
        }
        let n = 1u32 << log;
        let batch = (1u32 << 14 >> log).clamp(1, 9);
        v.push(FftDesc::new(n).batch(batch));
        v.push(FftDesc::new(n).batch(batch.min(3)).inverse(true));
    }
    // Lengths other than powers of two: smooth ones run the mixed-radix kernel, in one pass
    // (1: one radix-1 stage; 390 = 15·13·2; 1386 = 14·11·9; 1000 = 10·10·10; 1088 = 17·8·8;
    // 1536 = 16·12·8; 47: a prime radix), in one buffer of workgroup memory past two halves'
    // worth (3000 = 20·15·10), else two passes (6144 = 96 · 64, 44100 = 210 · 210); primes
    // whose p − 1 is such a length Rader's algorithm (61, 257, 1009, 4093: two transforms of
    // p − 1 points in one dispatch, the last in one buffer), and such a prime times a smooth
    // length Rader's over the columns then a mixed-radix pass (122 = 2·61, 2018 = 2·1009,
    // 4097 = 17·241); the rest Bluestein (59 = 2·29 + 1, 118 = 2·59, 167 = 2·83 + 1, 10007).
    let other: &[(u32, u32)] = if tier.full() {
        &[
            (1, 3),
            (3, 5),
            (5, 2),
            (7, 1),
            (12, 4),
            (47, 2),
            (59, 2),
            (61, 2),
            (118, 2),
            (167, 1),
            (257, 2),
            (1009, 2),
            (4093, 1),
            (122, 3),
            (2018, 2),
            (100, 3),
            (1088, 1),
            (390, 3),
            (1000, 2),
            (1386, 1),
            (1536, 2),
            (3000, 1),
            (4097, 1),
            (6144, 1),
            (10007, 1),
            (44100, 1),
        ]
    } else {
        &[
            (1, 3),
            (59, 2),
            (61, 2),
            (122, 3),
            (390, 3),
            (1000, 2),
            (3000, 1),
        ]
    };
    for &(n, b) in other {
        v.push(FftDesc::new(n).batch(b));
        v.push(FftDesc::new(n).batch(b).inverse(true));
    }
    if !tier.full() {
        v.push(FftDesc::new(1 << 16).batch(2).inverse(true));
    }
    if tier.full() {
        v.push(FftDesc::new(1 << 16).batch(2));
        v.push(FftDesc::new(1 << 17).inverse(true));
        v.push(FftDesc::new(1 << 20));
        v.push(FftDesc::new(1 << 20).inverse(true));
        v.push(FftDesc::new(1 << 22));
        v.push(FftDesc::new(999_983));
    }
    let f16: &[(u32, u32)] = if tier.full() {
        &[
            (8, 5),
            (256, 4),
            (4096, 2),
            (1 << 15, 1),
            (1000, 2),
            (31, 3),
            (1009, 2),
        ]
    } else {
        &[(4096, 2), (1000, 2)]
    };
    for &(n, b) in f16 {
        v.push(FftDesc::new(n).batch(b).dtype(DType::F16));
        v.push(FftDesc::new(n).batch(b).dtype(DType::F16).inverse(true));
    }
    v.retain(|d| fft_checkable(d.n));
    v
}

/// JSON shape object of an FFT.
pub fn fft_shape_json(d: &FftDesc) -> serde_json::Value {
    serde_json::json!({ "n": d.n, "batch": d.batch, "inverse": d.inverse })
}

/// A check row from a comparison (or the error that kept the kernel from running).
pub(crate) fn make_check(
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

/// The tolerance of `cfg` on `desc`: Monarch stages are GEMMs (their own bound, f16 operands on
/// cooperative matrices), Stockham the FFT bound.
pub fn fft_tolerance(desc: &FftDesc, cfg: &FftConfig) -> Tolerance {
    match cfg.variant() {
        FftVariant::Monarch => {
            Tolerance::fft_monarch(desc.dtype, cfg.coop_tile().is_some(), desc.n as u64)
        }
        FftVariant::Stockham => Tolerance::fft(desc.dtype, desc.n as u64),
    }
}

/// The variant name a check row shows for `cfg` on `desc` on `ctx`'s device.
fn variant_name(ctx: &Context, desc: &FftDesc, cfg: &FftConfig) -> &'static str {
    match (cfg.variant(), cfg.coop_tile().is_some()) {
        (FftVariant::Monarch, true) => "monarch_coop",
        (FftVariant::Monarch, false) => "monarch",
        _ if let Some(route) = crate::ops::fft::length_route(ctx, desc.n) => route,
        _ if cfg.subgroup_passes() => "stockham_sg",
        _ => "stockham",
    }
}

/// Every Monarch configuration the dispatcher may try on `desc` here, plus the cooperative
/// ones of both tile sizes that the adapter lists (they are not candidates for f32 storage,
/// where their f16 rounding would be a silent loss, but run when asked for).
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

/// One configuration of each kernel family (plain Stockham, subgroup Stockham, Monarch tiled,
/// Monarch coop) among `configs`, in order.
fn one_per_family(configs: Vec<FftConfig>) -> Vec<FftConfig> {
    let family = |c: &FftConfig| (c.variant(), c.coop_tile().is_some(), c.subgroup_passes());
    let mut out: Vec<FftConfig> = Vec::new();
    for c in configs {
        if !out.iter().any(|o| family(o) == family(&c)) {
            out.push(c);
        }
    }
    out
}

/// Runs `desc` (with `config`, or the dispatcher's pick) on random data and compares with
/// rustfft in f64 (blocking on [`check_fft_async`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn check_fft(ctx: &Context, desc: &FftDesc, config: Option<FftConfig>, seed: u64) -> Check {
    pollster::block_on(check_fft_async(ctx, desc, config, seed))
}

/// Forward then inverse on the GPU (f32, `config` or the dispatcher's pick): the input must
/// come back within the bound (blocking on [`check_fft_round_trip_async`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn check_fft_round_trip(
    ctx: &Context,
    n: u32,
    batch: u32,
    config: Option<FftConfig>,
    seed: u64,
) -> Check {
    pollster::block_on(check_fft_round_trip_async(ctx, n, batch, config, seed))
}

/// [`check_fft`] without blocking.
pub async fn check_fft_async(
    ctx: &Context,
    desc: &FftDesc,
    config: Option<FftConfig>,
    seed: u64,
) -> Check {
    let cfg = config.unwrap_or_else(|| crate::ops::fft::tune::fft_pick(ctx, desc));
    let tol = fft_tolerance(desc, &cfg);
    let r = match desc.dtype {
        DType::F32 => check_fft_typed_async::<f32>(ctx, desc, cfg, seed, tol).await,
        DType::F16 => check_fft_typed_async::<half::f16>(ctx, desc, cfg, seed, tol).await,
    };
    make_check(
        "fft",
        variant_name(ctx, desc, &cfg),
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
pub async fn check_fft_round_trip_async(
    ctx: &Context,
    n: u32,
    batch: u32,
    config: Option<FftConfig>,
    seed: u64,
) -> Check {
    let desc = FftDesc::new(n).batch(batch);
    let cfg = config.unwrap_or_else(|| crate::ops::fft::tune::fft_pick(ctx, &desc));
    let tol = fft_tolerance(&desc, &cfg);
    let (x, xf) = random_data::<f32>(desc.len() as usize, seed);
    let r = ctx
        .capture_errors(async {
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
            let got: Vec<f32> = crate::runtime::read_buffer(ctx, &c, desc.len() as usize).await?;
            let got: Vec<f64> = got.iter().map(|&v| v as f64).collect();
            Ok(compare(&got, &xf, tol))
        })
        .await;
    let variant = match cfg.variant() {
        FftVariant::Monarch => "monarch_round_trip",
        FftVariant::Stockham => "round_trip",
    };
    make_check(
        "fft",
        variant,
        DType::F32,
        fft_shape_json(&desc),
        cfg.label(),
        tol,
        r,
    )
}

/// Every FFT check `verify fft` runs at `tier` on this adapter: the dispatcher's pick on
/// [`fft_shapes`]; on sizes that cross the fused / multi-pass boundaries, one configuration of
/// every other kernel family the dispatcher may try (full: every candidate); the Monarch
/// configurations around their fused limit and beyond (standard: one per family); round trips.
/// `progress` is called after each check.
pub async fn verify_fft_async(
    ctx: &Context,
    tier: Tier,
    progress: &mut dyn FnMut(&Check),
) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |c: Check, out: &mut Vec<Check>| {
        progress(&c);
        out.push(c);
    };
    let f16 = ctx.caps().f16;
    for (i, desc) in fft_shapes(tier).into_iter().enumerate() {
        if desc.dtype == DType::F16 && !f16 {
            continue;
        }
        push(
            check_fft_async(ctx, &desc, None, 3000 + i as u64).await,
            &mut out,
        );
    }
    let (caps, limits) = (ctx.caps(), ctx.limits());
    let boundaries: &[FftDesc] = if tier.full() {
        &[
            FftDesc::new(2048).batch(3),
            FftDesc::new(4096).batch(2),
            FftDesc::new(8192).batch(2),
            FftDesc::new(1 << 15).inverse(true),
            FftDesc::new(33).batch(2),
        ]
    } else {
        &[FftDesc::new(4096).batch(2)]
    };
    for d in boundaries {
        // Monarch configurations are checked below, with their own sizes.
        let others: Vec<FftConfig> = fft_candidates(caps, &limits, d)
            .into_iter()
            .skip(1)
            .filter(|c| c.variant() == FftVariant::Stockham)
            .collect();
        let others = if tier.full() {
            others
        } else {
            one_per_family(others)
        };
        for cfg in others {
            push(check_fft_async(ctx, d, Some(cfg), 77).await, &mut out);
        }
    }
    let mut monarch = vec![FftDesc::new(4096).batch(3)];
    if tier.full() {
        monarch.extend([
            FftDesc::new(64).batch(7).inverse(true),
            FftDesc::new(1 << 16).inverse(true),
            FftDesc::new(2).batch(5),
            FftDesc::new(1024).batch(3),
            FftDesc::new(2048).batch(2).inverse(true),
            FftDesc::new(1 << 20),
        ]);
    }
    if f16 {
        monarch.push(FftDesc::new(512).batch(3).dtype(DType::F16));
        if tier.full() {
            monarch.push(FftDesc::new(1 << 14).dtype(DType::F16).inverse(true));
        }
    }
    monarch.retain(|d| fft_checkable(d.n));
    for (i, d) in monarch.iter().enumerate() {
        let configs = monarch_configs(ctx, d);
        let configs = if tier.full() {
            configs
        } else {
            one_per_family(configs)
        };
        for cfg in configs {
            push(
                check_fft_async(ctx, d, Some(cfg), 900 + i as u64).await,
                &mut out,
            );
        }
    }
    let mut trips: Vec<(u32, u32, Option<FftConfig>)> = vec![(1000, 2, None)];
    if tier.full() {
        trips.extend([(1024, 4, None), (1 << 16, 1, None), (1 << 20, 1, None)]);
    }
    let d = FftDesc::new(1 << 12).batch(2);
    let monarch_trips = monarch_configs(ctx, &d);
    let monarch_trips = if tier.full() {
        monarch_trips
    } else {
        one_per_family(monarch_trips)
    };
    trips.extend(monarch_trips.into_iter().map(|c| (d.n, d.batch, Some(c))));
    trips.retain(|t| fft_checkable(t.0));
    for (n, b, cfg) in trips {
        push(
            check_fft_round_trip_async(ctx, n, b, cfg, 11).await,
            &mut out,
        );
    }
    // Every shape with the adapter's configuration; the first six (2-D, 3-D, an axis subset,
    // strided views, r2c and c2r) with every other configuration too.
    use crate::ops::fft::nd::NdConfig;
    let default = NdConfig::default_for(ctx.caps());
    // A browser page compiles each pipeline for seconds on a software adapter (its verify has
    // a time budget): there the first 2-D c2c, r2c and 2-D DCT (Makhoul's route) shapes with the
    // default configuration.
    use crate::ops::fft::nd::NdTransform;
    let in_browser = cfg!(target_arch = "wasm32");
    let shapes = nd_shapes(tier);
    let first = |f: &dyn Fn(&crate::ops::fft::nd::FftNdDesc) -> bool| shapes.iter().position(f);
    let browser = [
        first(&|d| matches!(d.transform, NdTransform::C2c { .. })),
        first(&|d| d.transform == NdTransform::R2c),
        first(&|d| d.dct_by_rfftn()),
    ];
    for (i, d) in shapes.iter().enumerate() {
        if (d.dtype == DType::F16 && !f16) || (in_browser && !browser.contains(&Some(i))) {
            continue;
        }
        push(check_nd_async(ctx, d, None, 500 + i as u64).await, &mut out);
        if i < 6 && !in_browser {
            for c in NdConfig::all().into_iter().filter(|c| *c != default) {
                push(
                    check_nd_async(ctx, d, Some(c), 550 + i as u64).await,
                    &mut out,
                );
            }
        }
    }
    let (mut filters, mut lowpasses) = freq_layer_shapes(tier);
    if in_browser {
        filters.truncate(1);
        lowpasses.clear();
    }
    // Each shape with the untuned pick, and fused where the map fits (one pipeline for every
    // shape); the first with every other configuration too.
    use crate::ops::fft::filter::FilterConfig;
    for (i, d) in filters.iter().enumerate() {
        if d.dtype == DType::F16 && !f16 {
            continue;
        }
        let cands = FilterConfig::candidates(ctx.caps(), &ctx.limits(), d);
        for (j, c) in cands.into_iter().enumerate() {
            let fused = c == FilterConfig::Fused;
            if j == 0 || fused || (i == 0 && !in_browser) {
                push(
                    check_filter_async(ctx, d, Some(c), 600 + i as u64).await,
                    &mut out,
                );
            }
        }
    }
    for (i, d) in lowpasses.iter().enumerate() {
        push(
            check_lowpass_async(ctx, d, None, 700 + i as u64).await,
            &mut out,
        );
    }
    out
}

/// The N-D transforms `verify` checks at `tier`: 2-D and 3-D complex transforms both ways,
/// an axis subset that skips the last axis, strided input and output, r2c / c2r with the
/// halved axis last (even and odd length) and not last, every real-to-real kind, the three norms, f16 storage.
/// Lengths repeat (16, 12, 8, 6, 5) so the checks share the 1-D pipelines (5, 6 and 12 run
/// Bluestein); full adds primes and larger arrays.
pub fn nd_shapes(tier: Tier) -> Vec<crate::ops::fft::nd::FftNdDesc> {
    use crate::ops::fft::nd::{FftNdDesc as D, NdTransform as T, Norm};
    use crate::ops::fft::r2r::R2rKind;
    let fwd = T::C2c { inverse: false };
    let inv = T::C2c { inverse: true };
    let mut v = vec![
        D::new(&[3, 16, 12], &[1, 2], fwd),
        D::new(&[2, 5, 8, 6], &[1, 2, 3], inv).norm(Norm::Ortho),
        D::new(&[6, 4, 16], &[0, 2], fwd).norm(Norm::Forward),
        // A padded, transposed view in and a strided view out.
        D::new(&[2, 8, 6], &[1, 2], fwd)
            .in_strides(&[100, 1, 10])
            .out_strides(&[1, 2 * 6 * 2, 2]),
        D::new(&[2, 12, 16], &[1, 2], T::R2c),
        // rfftn's split (`RfftRowStep::split`) mirrors rows across every transformed axis: three
        // axes over a batch, and odd row counts.
        D::new(&[2, 6, 4, 8], &[1, 2, 3], T::R2c),
        D::new(&[6, 5, 16], &[0, 1, 2], T::R2c).norm(Norm::Ortho),
        D::new(&[2, 12, 16], &[1, 2], T::C2r).norm(Norm::Ortho),
        // irfftn undoes the split first: three axes over a batch; an odd last axis takes the
        // former path (columns, then irfft rows).
        D::new(&[2, 6, 4, 8], &[1, 2, 3], T::C2r),
        D::new(&[4, 5], &[0, 1], T::C2r),
        D::new(&[16, 6], &[0], T::R2c),
        D::new(&[5, 8], &[0, 1], T::C2r).in_strides(&[12, 2]),
        D::new(&[3, 8], &[1], T::R2r(R2rKind::Dct2)),
        D::new(&[12, 16], &[0, 1], T::R2r(R2rKind::Dct2)).norm(Norm::Ortho),
        D::new(&[12, 16], &[0, 1], T::R2r(R2rKind::Dct3)).norm(Norm::Forward),
        D::new(&[2, 6], &[1], T::R2r(R2rKind::Dct3)).norm(Norm::Ortho),
        D::new(&[4, 8], &[1], T::R2r(R2rKind::Dct4)),
        D::new(&[6, 5], &[0, 1], T::R2r(R2rKind::Dst2)).norm(Norm::Ortho),
        D::new(&[1], &[0], T::R2r(R2rKind::Dct2)),
        // DCT-II of odd n: the zero-padded 2n-point route (even n take Makhoul's n points).
        D::new(&[2, 9], &[1], T::R2r(R2rKind::Dct2)).norm(Norm::Forward),
        D::new(&[16, 16], &[0, 1], fwd).dtype(DType::F16),
        // 4096-point columns at stride 4, in place after the row step: the lane-per-column
        // `p16v` passes where the adapter has 8-lane subgroups (`ColumnPass::Lanes`); the
        // 4-point rows reuse an earlier shape's pipeline.
        D::new(&[4096, 4], &[0, 1], fwd),
        // 1024-point columns: `p16v` (the pipeline above, out of place) then `p64l`.
        D::new(&[1024, 4], &[0, 1], fwd),
    ];
    if tier.full() {
        v.extend([
            // The lane-per-column kernels as the chain's first step (out of place; 1024 points
            // over a batch), `p256v` in place over a batch, `p256v` and `p64l` in f16, and a
            // stride that is not a power of two (the plain strided pass).
            D::new(&[4096, 4], &[0], inv).norm(Norm::Ortho),
            D::new(&[2, 1024, 8], &[1], inv).norm(Norm::Forward),
            D::new(&[256, 8], &[0], fwd),
            D::new(&[2, 256, 8], &[1, 2], inv),
            D::new(&[256, 16], &[0, 1], fwd).dtype(DType::F16),
            D::new(&[1024, 4], &[0, 1], inv).dtype(DType::F16),
            D::new(&[256, 6], &[0, 1], fwd),
            D::new(&[7, 13, 11], &[0, 1, 2], fwd),
            D::new(&[64, 256], &[0, 1], T::R2c).norm(Norm::Forward),
            // 2-D rfftn with the row DFTs and the split fused (`RfftRowStep::pair`, 8-lane subgroup
            // adapters): rows of 1024, 2048 and 4096 reals, row axes of even length (self-paired
            // rows 0 and d/2) and odd, over a batch, in f16.
            D::new(&[6, 1024], &[0, 1], T::R2c),
            D::new(&[2, 5, 2048], &[1, 2], T::R2c).norm(Norm::Ortho),
            D::new(&[3, 4096], &[0, 1], T::R2c),
            D::new(&[4, 1024], &[0, 1], T::R2c).dtype(DType::F16),
            // The same for irfftn (`p512u` …, even row counts; 3 rows take the split path).
            D::new(&[6, 1024], &[0, 1], T::C2r),
            D::new(&[2, 5, 2048], &[1, 2], T::C2r).norm(Norm::Ortho),
            D::new(&[4, 4096], &[0, 1], T::C2r),
            D::new(&[4, 1024], &[0, 1], T::C2r).dtype(DType::F16),
            D::new(&[3, 1024], &[0, 1], T::C2r),
            D::new(&[3, 17, 10], &[1, 2], T::C2r),
            D::new(&[31, 9], &[0, 1], T::R2r(R2rKind::Dct3)),
            D::new(&[2, 100], &[1], T::R2r(R2rKind::Dct4)).norm(Norm::Ortho),
            D::new(&[3, 64, 64], &[1, 2], T::R2r(R2rKind::Dct2)).dtype(DType::F16),
            // 2-D DCT-II by Makhoul's route in both axes (`Dct2PlaneStep`): a batch of even
            // lengths that are not powers of two, the smallest plane, padded input rows; an odd
            // axis keeps the per-axis route.
            D::new(&[2, 6, 10], &[1, 2], T::R2r(R2rKind::Dct2)).norm(Norm::Forward),
            D::new(&[2, 2], &[0, 1], T::R2r(R2rKind::Dct2)).norm(Norm::Ortho),
            D::new(&[4, 8], &[0, 1], T::R2r(R2rKind::Dct2)).in_strides(&[12, 1]),
            D::new(&[6, 7], &[0, 1], T::R2r(R2rKind::Dct2)),
            // Its inverse (DCT-III: start, irfftn, the reordering undone), the same way.
            D::new(&[2, 6, 10], &[1, 2], T::R2r(R2rKind::Dct3)),
            D::new(&[2, 2], &[0, 1], T::R2r(R2rKind::Dct3)).norm(Norm::Ortho),
            D::new(&[4, 8], &[0, 1], T::R2r(R2rKind::Dct3)).in_strides(&[12, 1]),
            D::new(&[3, 64, 64], &[1, 2], T::R2r(R2rKind::Dct3)).dtype(DType::F16),
        ]);
    }
    v
}

/// JSON shape object of an N-D transform.
fn nd_shape_json(d: &crate::ops::fft::nd::FftNdDesc) -> serde_json::Value {
    serde_json::json!({
        "shape": d.shape,
        "axes": d.axes,
        "norm": d.norm,
        "strided": d.in_strides.is_some() || d.out_strides.is_some(),
    })
}

/// Runs `desc` with `config` (or the adapter's pick) on random data and compares with
/// [`fftn_ref`](crate::ops::fft::reference::fftn_ref).
pub async fn check_nd_async(
    ctx: &Context,
    desc: &crate::ops::fft::nd::FftNdDesc,
    config: Option<crate::ops::fft::nd::NdConfig>,
    seed: u64,
) -> Check {
    let config = config.unwrap_or_else(|| crate::ops::fft::nd_tune::nd_pick(ctx, desc));
    let tol = desc.tolerance();
    let r = match desc.dtype {
        DType::F32 => check_nd_typed::<f32>(ctx, desc, config, seed, tol).await,
        DType::F16 => check_nd_typed::<half::f16>(ctx, desc, config, seed, tol).await,
    };
    make_check(
        "fft",
        &format!("nd_{}", desc.transform.name()),
        desc.dtype,
        nd_shape_json(desc),
        config.label(),
        tol,
        r,
    )
}

async fn check_nd_typed<T: Element>(
    ctx: &Context,
    desc: &crate::ops::fft::nd::FftNdDesc,
    config: crate::ops::fft::nd::NdConfig,
    seed: u64,
    tol: Tolerance,
) -> Result<Comparison> {
    use crate::ops::fft::reference::{fftn_ref, gather_strided};
    let (x, xf) = random_data::<T>(desc.in_len() as usize, seed);
    let got = ctx
        .capture_errors(async {
            let plan = crate::ops::fft::nd::FftNdPlan::with_config(ctx, desc.clone(), config)?;
            plan.run_host(&x).await
        })
        .await?;
    let got: Vec<f64> = got.iter().map(|v| v.to_f64()).collect();
    let contiguous = |shape: &[u64]| {
        let mut s = vec![1u64; shape.len()];
        for i in (0..shape.len().saturating_sub(1)).rev() {
            s[i] = s[i + 1] * shape[i + 1];
        }
        s
    };
    let comps = |real: bool| if real { 1 } else { 2 };
    use crate::ops::fft::nd::NdTransform as Nd;
    let (real_in, real_out) = match desc.transform {
        Nd::C2c { .. } => (false, false),
        Nd::R2c => (true, false),
        Nd::C2r => (false, true),
        Nd::R2r(_) => (true, true),
    };
    let (si, so) = (desc.in_shape(), desc.out_shape());
    let xin = gather_strided(
        &xf,
        &si,
        desc.in_strides.as_deref().unwrap_or(&contiguous(&si)),
        comps(real_in),
    );
    let got = gather_strided(
        &got,
        &so,
        desc.out_strides.as_deref().unwrap_or(&contiguous(&so)),
        comps(real_out),
    );
    Ok(compare(&got, &fftn_ref(desc, &xin), tol))
}

/// The global filters and DCT low-passes `verify` checks (odd widths, Bluestein heights, k = 1).
pub fn freq_layer_shapes(
    tier: Tier,
) -> (
    Vec<crate::ops::fft::filter::FilterDesc>,
    Vec<crate::ops::fft::filter::DctLowpassDesc>,
) {
    use crate::ops::fft::filter::{DctLowpassDesc, FilterDesc};
    // Fused where they fit (one pipeline for all: shapes are uniforms): odd and prime sides,
    // 1 × 1, 7 × 7, batches of 1 and more.
    let mut f = vec![
        FilterDesc::new(2, 16, 12),
        FilterDesc::new(1, 6, 5),
        FilterDesc::new(3, 7, 7),
        FilterDesc::new(2, 1, 1),
        FilterDesc::new(5, 14, 14),
        // w = 2: the packed bin pair is the whole row; h odd: a row pair of one row.
        FilterDesc::new(2, 3, 2),
    ];
    let mut l = vec![
        DctLowpassDesc::new(2, 12, 16, 4),
        DctLowpassDesc::new(1, 5, 6, 1),
    ];
    if tier.full() {
        // 64 × 64 and 56 × 56 fused; 128 × 96 and a prime over the radix bound on the chain.
        f.extend([
            // f16 in the full tier only: its pipeline compiles ~2 s cold on lavapipe.
            FilterDesc::new(2, 5, 9).dtype(DType::F16),
            FilterDesc::new(3, 64, 64),
            FilterDesc::new(2, 56, 56),
            FilterDesc::new(2, 128, 96),
            FilterDesc::new(1, 67, 10),
        ]);
        l.push(DctLowpassDesc::new(2, 64, 64, 8));
    }
    (f, l)
}

/// Runs a global filter on random data and a random filter against [`filter_ref`].
///
/// [`filter_ref`]: crate::ops::fft::reference::filter_ref
pub async fn check_filter_async(
    ctx: &Context,
    d: &crate::ops::fft::filter::FilterDesc,
    config: Option<crate::ops::fft::filter::FilterConfig>,
    seed: u64,
) -> Check {
    use crate::ops::fft::filter::FilterConfig;
    let config = config.unwrap_or_else(|| FilterConfig::default_for(ctx.caps(), &ctx.limits(), d));
    let tol = Tolerance::fft_nd(
        d.dtype,
        d.h as u64 * d.w as u64 * d.h as u64 * d.w as u64,
        0,
    );
    let r = async {
        let (w, wf) = random_data::<f32>(d.filter_len() as usize, seed + 1);
        let (got, xf) = match d.dtype {
            DType::F32 => run_filter::<f32>(ctx, d, config, &w, seed).await?,
            DType::F16 => run_filter::<half::f16>(ctx, d, config, &w, seed).await?,
        };
        let want = crate::ops::fft::reference::filter_ref(d, &xf, &wf);
        Ok(compare(&got, &want, tol))
    }
    .await;
    make_check(
        "fft",
        "global_filter",
        d.dtype,
        serde_json::json!({ "batch": d.batch, "h": d.h, "w": d.w }),
        config.label(),
        tol,
        r,
    )
}

/// Runs a global filter on random `T` maps (seeded) and returns its output and its input, in f64.
async fn run_filter<T: Element>(
    ctx: &Context,
    d: &crate::ops::fft::filter::FilterDesc,
    config: crate::ops::fft::filter::FilterConfig,
    w: &[f32],
    seed: u64,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let (x, xf) = random_data::<T>(d.len() as usize, seed);
    let got = ctx
        .capture_errors(async {
            let plan = crate::ops::fft::filter::FilterPlan::with_config(ctx, *d, config)?;
            plan.run_host(&x, w).await
        })
        .await?;
    Ok((got.iter().map(|v| v.to_f64()).collect(), xf))
}

/// Runs a DCT low-pass on random data against [`dct_lowpass_ref`].
///
/// [`dct_lowpass_ref`]: crate::ops::fft::reference::dct_lowpass_ref
pub async fn check_lowpass_async(
    ctx: &Context,
    d: &crate::ops::fft::filter::DctLowpassDesc,
    transpose: Option<crate::ops::fft::nd::TransposeKernel>,
    seed: u64,
) -> Check {
    let transpose =
        transpose.unwrap_or_else(|| crate::ops::fft::nd::TransposeKernel::default_for(ctx.caps()));
    let tol = d.tolerance();
    let r = async {
        let (x, xf) = random_data::<f32>(d.len() as usize, seed);
        let got = ctx
            .capture_errors(async {
                let plan =
                    crate::ops::fft::filter::DctLowpassPlan::with_config(ctx, *d, transpose)?;
                plan.run_host(&x).await
            })
            .await?;
        let got: Vec<f64> = got.iter().map(|&v| v as f64).collect();
        let want = crate::ops::fft::reference::dct_lowpass_ref(d, &xf);
        Ok(compare(&got, &want, tol))
    }
    .await;
    make_check(
        "fft",
        "dct_lowpass",
        d.dtype,
        serde_json::json!({ "batch": d.batch, "h": d.h, "w": d.w, "k": d.k }),
        format!("chain, {transpose:?} transposes"),
        tol,
        r,
    )
}
