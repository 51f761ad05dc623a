//! Dense GEMM against the f64 CPU reference: the verify shape list on every variant, every
//! candidate configuration on awkward shapes, random shapes (proptest), caller-owned buffers,
//! and typed errors for bad input.

mod common;

use common::{ctx, has_coop, has_f16};
use proptest::prelude::*;
use wgkernels::harness::verify::Tier;
use wgkernels::ops::gemm::config::gemm_candidates;
use wgkernels::ops::gemm::verify::check_gemm;
use wgkernels::ops::gemm::verify::gemm_shapes;
use wgkernels::ops::verify_op;
use wgkernels::{DType, Error, GemmConfig, GemmDesc, GemmPlan, GemmVariant};

fn assert_passes(desc: &GemmDesc, cfg: GemmConfig, seed: u64) {
    let c = check_gemm(ctx(), desc, cfg, seed);
    assert!(
        c.pass,
        "{} on {:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
        c.config, desc, c.rel_l2_err, c.tolerance, c.error
    );
}

#[test]
fn verify_list_passes_on_every_variant() {
    let checks = verify_op(ctx(), "gemm", Tier::Full, &mut |_| {}).unwrap();
    assert!(checks.len() >= 30, "only {} checks", checks.len());
    let failed: Vec<_> = checks.iter().filter(|c| !c.pass).collect();
    assert!(failed.is_empty(), "failed: {failed:#?}");
    let shapes = gemm_shapes(Tier::Full).len();
    assert!(shapes >= 30, "verify covers only {shapes} shapes");
    for v in ["tiled", "gemv"] {
        assert!(
            checks.iter().any(|c| c.variant == v),
            "variant {v} never ran"
        );
    }
    if ctx().caps().subgroups && ctx().caps().subgroup_min == ctx().caps().subgroup_max {
        assert!(
            checks.iter().any(|c| c.variant == "subgroup"),
            "subgroup variant never ran"
        );
    }
    if has_coop("verify_list coop part") {
        assert!(
            checks.iter().any(|c| c.variant == "coop"),
            "coop variant never ran"
        );
    }
}

#[test]
fn every_candidate_config_on_awkward_shapes() {
    let shapes = [
        GemmDesc::new(67, 45, 29).trans(false, true),
        GemmDesc::new(130, 66, 17).trans(true, false).batch(2),
        GemmDesc::new(1, 33, 70),
        GemmDesc::new(45, 1, 101).trans(true, false),
    ];
    let mut ran = 0;
    for (i, d) in shapes.iter().enumerate() {
        for cfg in gemm_candidates(ctx().caps(), &ctx().limits(), d) {
            assert_passes(d, cfg, 50 + i as u64);
            ran += 1;
        }
    }
    assert!(ran > 20, "only {ran} configurations ran");
}

#[test]
fn coop_gemm_runs_and_matches_reference() {
    if !has_coop("coop_gemm_runs_and_matches_reference") {
        return;
    }
    for dtype in [DType::F32, DType::F16] {
        for d in [
            GemmDesc::new(40, 24, 72),
            GemmDesc::new(33, 65, 17).trans(true, true).batch(3),
            GemmDesc::new(128, 128, 128),
        ] {
            let d = d.dtype(dtype);
            let cfgs: Vec<_> = gemm_candidates(ctx().caps(), &ctx().limits(), &d)
                .into_iter()
                .filter(|c| c.variant() == GemmVariant::Coop)
                .collect();
            assert!(!cfgs.is_empty(), "no coop candidate for {d:?}");
            for c in cfgs {
                assert_passes(&d, c, 9);
            }
        }
    }
}

#[test]
fn caller_owned_buffers_and_beta() {
    // The app's own buffers on the app's own device, C accumulated in place twice.
    let ctx = ctx();
    let d = GemmDesc::new(3, 2, 2).scale(1.0, 1.0);
    let a = ctx.upload("a", &[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let b = ctx.upload("b", &[1.0f32, 0.0, 0.0, 1.0]).unwrap();
    let c = ctx.upload("c", &[10.0f32; 6]).unwrap();
    let plan = GemmPlan::new(ctx, d, None).unwrap();
    let bound = plan.bind(&a, &b, &c).unwrap();
    ctx.submit(|p| {
        bound.record(p);
        bound.record(p);
    })
    .unwrap();
    let out: Vec<f32> = pollster::block_on(wgkernels::read_buffer(ctx, &c, 6)).unwrap();
    assert_eq!(out, vec![12.0, 14.0, 16.0, 18.0, 20.0, 22.0]);
}

#[test]
fn bad_input_is_a_typed_error() {
    let ctx = ctx();
    assert!(matches!(
        GemmPlan::new(ctx, GemmDesc::new(0, 3, 3), None),
        Err(Error::ZeroSized(_))
    ));
    assert!(matches!(
        GemmPlan::new(ctx, GemmDesc::new(3, 3, 3).batch(0), None),
        Err(Error::ZeroSized(_))
    ));
    assert!(matches!(
        GemmPlan::new(ctx, GemmDesc::new(3, 3, 3).scale(f32::NAN, 0.0), None),
        Err(Error::Shape(_))
    ));
    // Over the binding limit: reported with the limit's name, before anything is dispatched.
    let huge = GemmDesc::new(60000, 60000, 16);
    match GemmPlan::new(ctx, huge, None) {
        Err(Error::OverLimit { limit, .. }) => assert_eq!(limit, "max_storage_buffer_binding_size"),
        other => panic!("expected OverLimit, got {other:?}"),
    }
    let plan = GemmPlan::new(ctx, GemmDesc::new(4, 4, 4), None).unwrap();
    let small = ctx.storage("small", 8).unwrap();
    let ok = ctx.storage("ok", 64).unwrap();
    assert!(matches!(
        plan.bind(&small, &ok, &ok),
        Err(Error::BufferTooSmall { name: "A", .. })
    ));
    let uniform = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: 64,
        usage: wgpu::BufferUsages::UNIFORM,
        mapped_at_creation: false,
    });
    assert!(matches!(
        plan.bind(&ok, &uniform, &ok),
        Err(Error::BufferUsage { name: "B", .. })
    ));
    // Host slices of the wrong length.
    let r = pollster::block_on(plan.run_host(&[1.0f32; 15], &[1.0f32; 16], None));
    assert!(matches!(
        r,
        Err(Error::Length {
            name: "A",
            have: 15,
            need: 16
        })
    ));
    // beta != 0 without C.
    let p2 = GemmPlan::new(ctx, GemmDesc::new(2, 2, 2).scale(1.0, 1.0), None).unwrap();
    assert!(matches!(
        pollster::block_on(p2.run_host(&[1.0f32; 4], &[1.0f32; 4], None)),
        Err(Error::Shape(_))
    ));
    // A config that cannot run this shape.
    let gemv = GemmConfig::gemv(128, 4);
    assert!(matches!(
        GemmPlan::new(ctx, GemmDesc::new(8, 8, 8), Some(gemv)),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn f16_without_feature_or_with_it() {
    let d = GemmDesc::new(5, 6, 7).dtype(DType::F16);
    if ctx().caps().f16 {
        assert!(GemmPlan::new(ctx(), d, None).is_ok());
    } else {
        assert!(matches!(
            GemmPlan::new(ctx(), d, None),
            Err(Error::MissingFeature(_))
        ));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    #[test]
    fn random_shapes_match_reference(
        m in 1u32..90, n in 1u32..90, k in 1u32..120, batch in 1u32..4,
        ta: bool, tb: bool, half: bool, pick in 0usize..64, seed in 0u64..1000,
    ) {
        let dtype = if half && has_f16("proptest f16 case") { DType::F16 } else { DType::F32 };
        let d = GemmDesc::new(m, n, k).batch(batch).trans(ta, tb).dtype(dtype);
        let cands = gemm_candidates(ctx().caps(), &ctx().limits(), &d);
        let cfg = cands[pick % cands.len()];
        let c = check_gemm(ctx(), &d, cfg, seed);
        prop_assert!(c.pass, "{} on {:?}: rel {:.3e} tol {:.3e} {:?}", c.config, d, c.rel_l2_err, c.tolerance, c.error);
    }
}

/// The subgroup variant (the CPU-rasteriser default) on every candidate blocking: row and
/// column tails inside a block, K = 4, batches (also broadcast), alpha/beta, f16 storage.
#[test]
fn subgroup_variant_blockings_on_tails() {
    let caps = ctx().caps();
    if !(caps.subgroups
        && caps.subgroup_min == caps.subgroup_max
        && caps.subgroup_min.is_multiple_of(8))
    {
        eprintln!("subgroup_variant_blockings_on_tails: skipped — no fixed subgroup size of 8k");
        return;
    }
    let sg = caps.subgroup_min;
    let mut bcast = GemmDesc::new(40, 132, 24).batch(3);
    bcast.broadcast_b = true;
    let mut shapes = vec![
        GemmDesc::new(67, 36, 20),
        GemmDesc::new(1, 4, 4),
        GemmDesc::new(130, 100, 44).batch(2),
        GemmDesc::new(9, 68, 8).scale(0.5, -1.5),
        bcast,
    ];
    if has_f16("subgroup_variant_blockings_on_tails f16 part") {
        shapes.push(GemmDesc::new(37, 72, 52).dtype(DType::F16).scale(1.0, 0.25));
    }
    let mut ran = 0;
    for (i, d) in shapes.iter().enumerate() {
        let cfgs: Vec<_> = gemm_candidates(caps, &ctx().limits(), d)
            .into_iter()
            .filter(|c| c.variant() == GemmVariant::Subgroup)
            .collect();
        assert!(
            cfgs.len() >= 5,
            "{d:?}: only {} subgroup configs",
            cfgs.len()
        );
        // f16 (one more pipeline per blocking) on the default blocking only.
        let take = if d.dtype == DType::F16 { 1 } else { cfgs.len() };
        for cfg in cfgs.into_iter().take(take) {
            assert_passes(d, cfg, 300 + i as u64);
            ran += 1;
        }
    }
    assert!(ran >= 21, "only {ran} subgroup runs");
    // Shapes it cannot read as vec4 rows are refused, not run wrongly (a stored-transposed A
    // is read along M; every layout of aligned shapes is `tests/gemm_layouts.rs`'s).
    for d in [
        GemmDesc::new(64, 64, 30),
        GemmDesc::new(64, 66, 32),
        GemmDesc::new(66, 64, 32).trans(true, false),
        GemmDesc::new(64, 64, 30).trans(false, true),
    ] {
        assert!(!GemmConfig::subgroup(sg, 8, 2).valid_for(caps, &ctx().limits(), &d));
    }
    if caps.device_type == wgpu::DeviceType::Cpu {
        let d = GemmDesc::new(1024, 1024, 1024);
        let pick = wgkernels::ops::gemm::config::gemm_default(caps, &ctx().limits(), &d);
        assert_eq!(
            pick,
            GemmConfig::subgroup(sg, 8, 2),
            "CPU default for 1024³"
        );
    }
}

/// GEMV's vec4 paths (K % 4 == 0; M % 4 == 0 too for a stored-transposed A, `Aᵀ·x`, which a
/// one-row `x·B` runs as) on every candidate, f32 and f16: row tails, batches, alpha/beta.
#[test]
fn gemv_quad_path_on_tails() {
    let ran = gemv_quad_runs(ctx(), &[DType::F32, DType::F16]);
    assert!(ran >= 120, "only {ran} GEMV runs");
}

/// Where the shared context reads GEMV's quads as 64-bit words (a CPU adapter with
/// `SHADER_INT64`), the same cases on the vector-access path a GPU or a CPU adapter without
/// 64-bit integers runs, in f32 and f16.
#[test]
fn gemv_quad_path_on_vector_access() {
    use wgkernels::ops::gemm::shaders::{gemv, GEMV, GEMV_WIDE};
    if gemv(ctx().caps(), DType::F32).name != GEMV_WIDE.name {
        eprintln!("skipped: the shared context runs the vector-access kernel already");
        return;
    }
    let c = common::without_int64();
    assert_eq!(gemv(c.caps(), DType::F32).name, GEMV.name);
    assert_eq!(gemv(c.caps(), DType::F16).name, GEMV.name);
    let ran = gemv_quad_runs(c, &[DType::F32, DType::F16]);
    assert!(ran >= 120, "only {ran} GEMV runs");
}

/// Runs [`gemv_quad_path_on_tails`]'s shapes on every GEMV candidate on `c`, in each of
/// `dtypes` the device has; returns how many ran.
fn gemv_quad_runs(c: &wgkernels::Context, dtypes: &[DType]) -> usize {
    let shapes = [
        GemmDesc::new(45, 1, 100),
        GemmDesc::new(13, 1, 4).batch(3).scale(2.0, 0.5),
        GemmDesc::new(1, 29, 36),
        GemmDesc::new(44, 1, 36).trans(true, false),
        GemmDesc::new(12, 1, 8)
            .batch(3)
            .scale(2.0, 0.5)
            .trans(true, true),
        GemmDesc::new(1, 36, 20).batch(2),
    ];
    let mut ran = 0;
    for &dtype in dtypes.iter().filter(|&&t| t == DType::F32 || c.caps().f16) {
        for (i, d) in shapes.iter().enumerate() {
            let d = d.dtype(dtype);
            for cfg in gemm_candidates(c.caps(), &c.limits(), &d) {
                if cfg.variant() == GemmVariant::Gemv {
                    common::assert_check(&check_gemm(c, &d, cfg, 400 + i as u64), &d);
                    ran += 1;
                }
            }
        }
    }
    ran
}
