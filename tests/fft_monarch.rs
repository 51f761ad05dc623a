//! Monarch / matrix FFT against rustfft (f64): every Monarch configuration on every power of two
//! 2…2^16 (batch > 1, forward and inverse) and the multi-pass sizes up to 2^20, f16 storage,
//! round trips, the cooperative-matrix variants where the adapter lists them (f16-accuracy
//! path, see `Tolerance::fft_monarch`), the dispatcher's candidate lists, random shapes, and
//! typed errors for bad input.

mod common;

use common::{ctx, has_coop, has_f16};
use proptest::prelude::*;
use wgkernels::harness::verify::Check;
use wgkernels::ops::fft::config::fft_candidates;
use wgkernels::ops::fft::monarch_config::monarch_candidates;
use wgkernels::ops::fft::verify::check_fft;
use wgkernels::ops::fft::verify::check_fft_round_trip;
use wgkernels::{DType, Error, FftConfig, FftDesc, FftPlan, FftVariant, MonarchGemm};

fn assert_pass(c: &Check) {
    assert!(
        c.pass,
        "{} {} {:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
        c.variant, c.config, c.shape, c.rel_l2_err, c.tolerance, c.error
    );
}

/// The tiled (f32 GEMM) configurations the dispatcher may try on this adapter.
fn tiled_configs(desc: &FftDesc) -> Vec<FftConfig> {
    let v: Vec<FftConfig> = monarch_candidates(ctx().caps(), &ctx().limits(), desc)
        .into_iter()
        .filter(|c| c.coop_tile().is_none())
        .collect();
    assert!(!v.is_empty(), "no tiled Monarch configuration for {desc:?}");
    v
}

/// The cooperative-matrix configurations this adapter can run (8×8 and 16×16 tiles, radix one
/// and two tiles).
fn coop_configs(desc: &FftDesc) -> Vec<FftConfig> {
    let caps = ctx().caps();
    let mut v = Vec::new();
    for t in [8u32, 16] {
        for r in [t, 2 * t] {
            for (cap, mp) in [(11, 2), (11, 1), (10, 2)] {
                let c = FftConfig::monarch_coop(cap, mp, r, t, caps.subgroup_min);
                if c.valid_for(caps, &ctx().limits(), desc) {
                    v.push(c);
                }
            }
        }
    }
    v
}

#[test]
fn tiled_every_power_of_two_both_directions() {
    let mut ran = 0;
    for log in 1..=16u32 {
        let n = 1u32 << log;
        let batch = (1u32 << 13 >> log).clamp(2, 6);
        for inverse in [false, true] {
            let d = FftDesc::new(n).batch(batch).inverse(inverse);
            for cfg in tiled_configs(&d) {
                assert_pass(&check_fft(
                    ctx(),
                    &d,
                    Some(cfg),
                    (log * 10 + inverse as u32) as u64,
                ));
                ran += 1;
            }
        }
    }
    assert!(ran >= 100, "only {ran} checks ran");
}

#[test]
fn tiled_multi_pass_up_to_2_20() {
    for (i, d) in [
        FftDesc::new(1 << 17).batch(2),
        FftDesc::new(1 << 18).inverse(true),
        FftDesc::new(1 << 19),
        FftDesc::new(1 << 20),
        FftDesc::new(1 << 20).inverse(true),
    ]
    .into_iter()
    .enumerate()
    {
        let cfgs = tiled_configs(&d);
        // The default (3 passes at 2^20) and the two-pass configuration (2 columns per pass).
        for cfg in cfgs
            .iter()
            .filter(|c| c.monarch_gemm() == Some(MonarchGemm::Tiled { tn: 8 }) && c.log_cap == 11)
        {
            let passes = FftPlan::new(ctx(), d, Some(*cfg)).unwrap().dispatches();
            assert!(passes <= 3, "{} takes {passes} passes", cfg.label());
            assert_pass(&check_fft(ctx(), &d, Some(*cfg), 40 + i as u64));
        }
    }
}

#[test]
fn tiled_fused_is_one_dispatch() {
    let d = FftDesc::new(2048).batch(3);
    let cfg = tiled_configs(&d)[0];
    let plan = FftPlan::new(ctx(), d, Some(cfg)).unwrap();
    assert!(plan.is_fused(), "{} not fused at 2048", cfg.label());
    let d = FftDesc::new(4096);
    let plan = FftPlan::new(ctx(), d, Some(cfg)).unwrap();
    assert_eq!(plan.dispatches(), 2);
}

#[test]
fn tiled_round_trips() {
    for (n, b) in [
        (2u32, 3u32),
        (256, 4),
        (4096, 2),
        (1 << 16, 1),
        (1 << 20, 1),
    ] {
        let cfg = tiled_configs(&FftDesc::new(n))[0];
        assert_pass(&check_fft_round_trip(ctx(), n, b, Some(cfg), 21));
    }
}

#[test]
fn tiled_f16_storage() {
    if !has_f16("monarch f16 storage") {
        return;
    }
    for (i, (n, b)) in [(8u32, 5u32), (256, 4), (2048, 2), (1 << 15, 1)]
        .into_iter()
        .enumerate()
    {
        for inverse in [false, true] {
            let d = FftDesc::new(n).batch(b).dtype(DType::F16).inverse(inverse);
            for cfg in tiled_configs(&d) {
                assert_pass(&check_fft(ctx(), &d, Some(cfg), 60 + i as u64));
            }
        }
    }
}

#[test]
fn coop_variants_f16_class() {
    if !has_coop("monarch coop") {
        return;
    }
    let tile = ctx().caps().coop_f16_f32_tile().unwrap();
    let probe = FftDesc::new(1 << 10);
    let cfgs = coop_configs(&probe);
    assert!(
        cfgs.iter().any(|c| c.coop_tile() == Some(tile)),
        "no runnable coop Monarch configuration for the listed {tile}x{tile} tile (subgroup size {}..{})",
        ctx().caps().subgroup_min,
        ctx().caps().subgroup_max
    );
    let mut ran = 0;
    for log in [1u32, 2, 3, 4, 5, 7, 8, 10, 11, 12, 14, 16, 20] {
        let n = 1u32 << log;
        let batch = (1u32 << 12 >> log).clamp(1, 4);
        for inverse in [false, true] {
            if log == 20 && inverse {
                continue;
            }
            let mut dtypes = vec![DType::F32];
            if log <= 14 {
                dtypes.push(DType::F16);
            }
            for dtype in dtypes {
                let d = FftDesc::new(n).batch(batch).inverse(inverse).dtype(dtype);
                for cfg in coop_configs(&d) {
                    let c = check_fft(ctx(), &d, Some(cfg), 70 + log as u64);
                    eprintln!(
                        "coop {} n={n} b={batch} inv={inverse} {dtype:?}: rel L2 {:.2e}",
                        cfg.label(),
                        c.rel_l2_err
                    );
                    assert_pass(&c);
                    ran += 1;
                }
            }
        }
    }
    for cfg in coop_configs(&FftDesc::new(4096)) {
        assert_pass(&check_fft_round_trip(ctx(), 4096, 2, Some(cfg), 5));
    }
    assert!(ran >= 40, "only {ran} coop checks ran");
}

#[test]
fn coop_is_not_a_candidate_for_f32_data() {
    // The coop path rounds operands to f16: the dispatcher may only offer it for f16 storage.
    let d = FftDesc::new(1024);
    for c in fft_candidates(ctx().caps(), &ctx().limits(), &d) {
        assert!(
            c.coop_tile().is_none(),
            "{} offered for f32 data",
            c.label()
        );
    }
    if has_coop("monarch coop candidates") {
        let d = FftDesc::new(1024).dtype(DType::F16);
        assert!(fft_candidates(ctx().caps(), &ctx().limits(), &d)
            .iter()
            .any(|c| c.coop_tile().is_some()));
    }
}

#[test]
fn candidates_include_monarch_for_powers_of_two_only() {
    let (caps, limits) = (ctx().caps(), ctx().limits());
    let pow2 = fft_candidates(caps, &limits, &FftDesc::new(4096));
    assert!(pow2.iter().any(|c| c.variant() == FftVariant::Monarch));
    assert!(pow2.iter().any(|c| c.variant() == FftVariant::Stockham));
    assert_eq!(
        pow2[0].variant(),
        FftVariant::Stockham,
        "default must stay Stockham on this adapter"
    );
    let odd = fft_candidates(caps, &limits, &FftDesc::new(1000));
    assert!(odd.iter().all(|c| c.variant() == FftVariant::Stockham));
}

#[test]
fn nan_propagates() {
    let d = FftDesc::new(64).batch(2);
    let cfg = tiled_configs(&d)[0];
    let mut x = vec![0.5f32; d.len() as usize];
    x[3] = f32::NAN;
    let y = pollster::block_on(FftPlan::new(ctx(), d, Some(cfg)).unwrap().run_host(&x)).unwrap();
    // The first transform is all NaN (every output sums the NaN); the second is untouched.
    assert!(y[..128].iter().all(|v| v.is_nan()));
    assert!(y[128..].iter().all(|v| v.is_finite()));
}

#[test]
fn bad_input_is_a_typed_error() {
    let tiled = FftConfig::monarch_tiled(10, 2, 16, 8);
    // Monarch runs powers of two only, and the error says so (not "cannot run on this
    // adapter").
    for n in [1000, 1, 3, 4097] {
        match FftPlan::new(ctx(), FftDesc::new(n).batch(2), Some(tiled)) {
            Err(Error::Unsupported(msg)) => {
                assert!(msg.contains("power-of-two"), "{msg}");
                assert!(msg.contains(&format!("n = {n}")), "{msg}");
                assert!(!msg.contains("adapter"), "{msg}");
            }
            other => panic!("n = {n}: expected Unsupported, got {other:?}"),
        }
    }
    // A radix the kernels do not have.
    assert!(matches!(
        FftPlan::new(
            ctx(),
            FftDesc::new(1024),
            Some(FftConfig::monarch_tiled(10, 2, 12, 8))
        ),
        Err(Error::Unsupported(_))
    ));
    // A workgroup over the adapter's workgroup memory.
    assert!(matches!(
        FftPlan::new(
            ctx(),
            FftDesc::new(1024),
            Some(FftConfig::monarch_tiled(13, 2, 16, 8))
        ),
        Err(Error::Unsupported(_))
    ));
    // A coop tile the adapter does not list (lavapipe lists none, trixie 8x8 only).
    let t = if ctx().caps().coop_f16_f32_tile().is_some() {
        32
    } else {
        8
    };
    assert!(matches!(
        FftPlan::new(
            ctx(),
            FftDesc::new(1024),
            Some(FftConfig::monarch_coop(
                11,
                2,
                2 * t,
                t,
                ctx().caps().subgroup_min
            ))
        ),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(
        FftPlan::new(ctx(), FftDesc::new(1024).batch(0), Some(tiled)),
        Err(Error::ZeroSized(_))
    ));
    assert!(matches!(
        FftPlan::new(ctx(), FftDesc::new(0), Some(tiled)),
        Err(Error::ZeroSized(_))
    ));
    let d = FftDesc::new(256).batch(2);
    let plan = FftPlan::new(ctx(), d, Some(tiled)).unwrap();
    let small = ctx().storage("small", d.bytes() - 8).unwrap();
    let ok = ctx().storage("ok", d.bytes()).unwrap();
    assert!(matches!(
        plan.bind(&small, &ok),
        Err(Error::BufferTooSmall { .. })
    ));
    assert!(matches!(plan.bind(&ok, &ok), Err(Error::Shape(_))));
    assert!(matches!(
        pollster::block_on(plan.run_host(&[0f32; 10])),
        Err(Error::Length { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn random_shapes(log in 1u32..15, batch in 1u32..5, inverse: bool, which in 0usize..8) {
        let d = FftDesc::new(1 << log).batch(batch).inverse(inverse);
        let cfgs = tiled_configs(&d);
        let cfg = cfgs[which % cfgs.len()];
        let c = check_fft(ctx(), &d, Some(cfg), log as u64 * 7 + batch as u64);
        prop_assert!(c.pass, "{} {:?}: {:.3e} > {:.3e} {:?}", c.config, c.shape, c.rel_l2_err, c.tolerance, c.error);
    }
}

/// Not a check: prints Monarch (tiled, coop) vs Stockham timings and accuracy, back to back in
/// one process (`cargo test --test fft_monarch -- --ignored --nocapture probe`; in the trixie
/// root for the coop variant). f16 storage where coop runs, since coop is an f16-class path.
#[test]
#[ignore]
fn probe_monarch_vs_stockham() {
    let ctx = ctx();
    for log in [8u32, 10, 12, 16, 20] {
        let n = 1u32 << log;
        let batch = ((1u32 << 20) / n).max(1);
        for dtype in [DType::F32, DType::F16] {
            if dtype == DType::F16 && !ctx.caps().f16 {
                continue;
            }
            let d = FftDesc::new(n).batch(batch).dtype(dtype);
            let mut cfgs = vec![wgkernels::ops::fft::config::fft_default(
                ctx.caps(),
                &ctx.limits(),
                &d,
            )];
            cfgs.extend(tiled_configs(&d).into_iter().take(2));
            cfgs.extend(coop_configs(&d).into_iter().filter(|c| c.log_mp_cols == 2));
            for cfg in cfgs {
                let plan = FftPlan::new(ctx, d, Some(cfg)).unwrap();
                let a = ctx.storage("a", d.bytes()).unwrap();
                let b = ctx.storage("b", d.bytes()).unwrap();
                let bound = plan.bind(&a, &b).unwrap();
                let t = wgkernels::runtime::time_gpu(ctx, 1, 3, &|p| bound.record(p)).unwrap();
                let small = FftDesc::new(n).batch(batch.min(4)).dtype(dtype);
                let c = check_fft(ctx, &small, Some(cfg), 3);
                eprintln!(
                    "PROBE n={n} batch={batch} {dtype:?} {}: {:.2} ms, {:.3} GB/s, rel L2 {:.2e} (tol {:.1e})",
                    cfg.label(),
                    t.median_ms,
                    2.0 * d.bytes() as f64 / t.median_ms / 1e6,
                    c.rel_l2_err,
                    c.tolerance
                );
            }
        }
    }
}
