//! Dense GEMM in every layout (NN, TN, NT, TT) on every variant the dispatcher can pick here,
//! against the f64 CPU reference: tails (M, N, K ≡ 1 and 3 mod 4), batches, broadcasts, f16.

mod common;

use common::{ctx, has_f16};
use wgkernels::ops::gemm::config::gemm_default;
use wgkernels::ops::gemm::verify::{check_gemm, gemm_variants_to_check};
use wgkernels::{Activation, DType, Error, GemmConfig, GemmDesc, GemmPlan};

const LAYOUTS: [(bool, bool); 4] = [(false, false), (true, false), (false, true), (true, true)];

fn assert_passes(desc: &GemmDesc, cfg: GemmConfig, seed: u64) {
    let c = check_gemm(ctx(), desc, cfg, seed);
    assert!(
        c.pass,
        "{} on {:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
        c.config, desc, c.rel_l2_err, c.tolerance, c.error
    );
}

fn fixed_subgroup() -> Option<u32> {
    let caps = ctx().caps();
    (caps.subgroups
        && caps.subgroup_min == caps.subgroup_max
        && caps.subgroup_min.is_multiple_of(8))
    .then_some(caps.subgroup_min)
}

/// The subgroup kernel reads transposed operands in place: each transposed layout on the default
/// blocking and the blockings that stretch its new load paths (16 rows per lane for a stored-
/// transposed A, four column chunks for a stored-transposed B, one row), with row and column
/// tails inside a block, a batch with alpha/beta and a broadcast A. Blockings differ by
/// override constants, so the shapes of one layout share their pipelines.
#[test]
fn subgroup_every_layout() {
    let Some(sg) = fixed_subgroup() else {
        eprintln!("subgroup_every_layout: skipped — no fixed subgroup size of 8k");
        return;
    };
    let mut bcast = GemmDesc::new(40, 132, 24).batch(3);
    bcast.broadcast_a = true;
    let shapes = [
        GemmDesc::new(68, 36, 20),
        GemmDesc::new(4, 4, 4),
        GemmDesc::new(132, 100, 44).batch(2),
        bcast,
    ];
    let blockings = |ta: bool, tb: bool| {
        let mut v = vec![(8, 2), (1, 1)];
        if ta {
            v.push((16, 2));
        }
        if tb {
            v.push((8, 4));
        }
        v
    };
    let mut ran = 0;
    for (j, &(ta, tb)) in LAYOUTS.iter().enumerate().skip(1) {
        for (i, base) in shapes.iter().enumerate() {
            let d = base.trans(ta, tb);
            for (rq, nt) in blockings(ta, tb) {
                let cfg = GemmConfig::subgroup(sg, rq, nt);
                assert!(
                    cfg.valid_for(ctx().caps(), &ctx().limits(), &d),
                    "{cfg:?} {d:?}"
                );
                assert_passes(&d, cfg, 500 + 10 * i as u64 + j as u64);
                ran += 1;
            }
        }
        // beta != 0 reads C (another pipeline): the default blocking only.
        let d = GemmDesc::new(36, 40, 12).trans(ta, tb).scale(0.5, -1.5);
        assert_passes(&d, GemmConfig::subgroup(sg, 8, 2), 600 + j as u64);
        ran += 1;
    }
    assert!(ran >= 39, "only {ran} subgroup runs");
    // M not a multiple of 4 cannot be read as quads from a stored-transposed A: refused.
    let d = GemmDesc::new(66, 64, 32).trans(true, false);
    assert!(!GemmConfig::subgroup(sg, 8, 2).valid_for(ctx().caps(), &ctx().limits(), &d));
    // Where the subgroup kernel runs, it is the default for every layout of an aligned shape.
    if ctx().caps().device_type == wgpu::DeviceType::Cpu {
        for (ta, tb) in LAYOUTS {
            let d = GemmDesc::new(1024, 1024, 1024).trans(ta, tb);
            let pick = gemm_default(ctx().caps(), &ctx().limits(), &d);
            assert_eq!(
                pick,
                GemmConfig::subgroup(sg, 8, 2),
                "CPU default for {d:?}"
            );
        }
    }
}

/// Every layout on every variant the dispatcher can pick for it, with tails (M, N, K ≡ 1 and
/// 3 mod 4), a batch, alpha/beta and f16.
#[test]
fn every_layout_every_variant_on_tails() {
    let mut shapes = vec![
        GemmDesc::new(17, 19, 23),
        GemmDesc::new(21, 15, 13).batch(2).scale(0.5, -1.5),
        GemmDesc::new(20, 36, 28).batch(2),
    ];
    if has_f16("every_layout_every_variant_on_tails f16 part") {
        shapes.push(GemmDesc::new(19, 23, 29).dtype(DType::F16));
        shapes.push(GemmDesc::new(24, 20, 12).dtype(DType::F16));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, base) in shapes.iter().enumerate() {
        for (j, &(ta, tb)) in LAYOUTS.iter().enumerate() {
            let d = base.trans(ta, tb);
            for cfg in gemm_variants_to_check(ctx(), &d) {
                assert_passes(&d, cfg, 700 + 10 * i as u64 + j as u64);
                seen.insert((cfg.variant().name(), ta, tb));
            }
        }
    }
    for (ta, tb) in LAYOUTS {
        assert!(
            seen.contains(&("tiled", ta, tb)),
            "tiled never ran {ta} {tb}"
        );
        if fixed_subgroup().is_some() {
            assert!(
                seen.contains(&("subgroup", ta, tb)),
                "subgroup never ran {ta} {tb}"
            );
        }
    }
}

/// The linear layer's fused epilogue (bias, each activation, residual) on every variant the
/// dispatcher can pick for it: aligned (subgroup), tails (tiled), one token (GEMV on the swapped
/// problem), batched tokens, f16 (coop where the adapter has it).
#[test]
fn linear_epilogue_on_every_variant() {
    let acts = [Activation::Gelu, Activation::Silu, Activation::Relu];
    let mut shapes = vec![
        GemmDesc::linear(20, 36, 24).with_bias(true),
        GemmDesc::linear(17, 19, 23).with_bias(true).batch(2),
        GemmDesc::linear(1, 40, 36).with_bias(true),
        GemmDesc::linear(9, 1, 16).with_bias(true),
        GemmDesc::linear(12, 32, 16).residual(true),
    ];
    if has_f16("linear_epilogue_on_every_variant f16 part") {
        shapes.push(
            GemmDesc::linear(19, 24, 28)
                .with_bias(true)
                .dtype(DType::F16),
        );
    }
    let mut ran = std::collections::BTreeSet::new();
    for (i, base) in shapes.iter().enumerate() {
        for (j, act) in acts.iter().enumerate() {
            // Residual on one activation per shape keeps the pipeline count down.
            let d = base.activation(*act).residual(base.beta != 0.0 || j == 0);
            for cfg in gemm_variants_to_check(ctx(), &d) {
                assert_passes(&d, cfg, 800 + 10 * i as u64 + j as u64);
                ran.insert((cfg.variant().name(), act.name()));
            }
        }
    }
    for act in acts {
        assert!(ran.contains(&("tiled", act.name())), "tiled {act:?}");
        assert!(ran.contains(&("gemv", act.name())), "gemv {act:?}");
        if fixed_subgroup().is_some() {
            assert!(ran.contains(&("subgroup", act.name())), "subgroup {act:?}");
        }
        if ctx().caps().coop_f16_f32_tile().is_some() && ctx().caps().f16 {
            assert!(ran.contains(&("coop", act.name())), "coop {act:?}");
        }
    }
}

/// The bias is given exactly when the descriptor has one: anything else is a typed error.
#[test]
fn linear_bias_mismatch_is_a_typed_error() {
    let with = GemmDesc::linear(4, 8, 8).with_bias(true);
    let x = vec![1.0f32; 32];
    let w = vec![1.0f32; 64];
    let b = vec![1.0f32; 8];
    let plan = GemmPlan::new(ctx(), with, None).unwrap();
    let r = pollster::block_on(plan.run_host(&x, &w, None));
    assert!(matches!(r, Err(Error::Shape(_))), "{r:?}");
    let r = pollster::block_on(plan.run_host_with_bias(&x, &w, Some(&b[..4]), None));
    assert!(matches!(r, Err(Error::Length { .. })), "{r:?}");
    let plain = GemmPlan::new(ctx(), GemmDesc::linear(4, 8, 8), None).unwrap();
    let r = pollster::block_on(plain.run_host_with_bias(&x, &w, Some(&b), None));
    assert!(matches!(r, Err(Error::Shape(_))), "{r:?}");
    // The right call works and matches X·Wᵀ + b (every entry 8 + 1).
    let y = pollster::block_on(plan.run_host_with_bias(&x, &w, Some(&b), None)).unwrap();
    assert!(y.iter().all(|&v| v == 9.0), "{y:?}");
}

/// A bench row of the fused linear layer binds its bias and passes the reference spot check
/// (the full bench's fused-linear group builds its rows this way).
#[test]
fn bench_row_of_the_fused_linear_layer() {
    let peaks = wgkernels::probe::Peaks {
        fma_f32_gflops: 1.0,
        fma_f16_gflops: None,
        copy_gbps: 1.0,
        copy_buffer_gbps: 1.0,
    };
    let d = GemmDesc::linear(20, 36, 24)
        .with_bias(true)
        .activation(Activation::Gelu);
    let r = wgkernels::ops::gemm::bench::bench_gemm_case(ctx(), &peaks, d, None, true).unwrap();
    assert!(!r.note.contains("FAILED"), "{r:?}");
    assert!(r.rel_l2_err < 1e-5, "{r:?}");
    assert_eq!(r.shape["activation"], "gelu");
}

/// The linear layer's epilogue as a pass of its own (`EpiloguePlan`) after a plain product
/// equals the fused layer's f64 reference: bias + each activation, a batch, alpha, f16; N not a
/// multiple of 4 and a bias given to a plan without one are typed errors.
#[test]
fn separate_epilogue_pass_matches_the_fused_reference() {
    use wgkernels::harness::tolerance::{compare, Tolerance};
    use wgkernels::harness::verify::random_data;
    use wgkernels::ops::gemm::reference::gemm_ref_bias;
    use wgkernels::EpiloguePlan;
    fn check<T: wgkernels::Element>(d: GemmDesc, seed: u64) {
        let ctx = ctx();
        let (a, af) = random_data::<T>(d.a_len() as usize, seed);
        let (b, bf) = random_data::<T>(d.b_len() as usize, seed + 1);
        let (bias, biasf) = random_data::<T>(d.n as usize, seed + 2);
        let plain = d
            .with_bias(false)
            .activation(Activation::None)
            .scale(1.0, 0.0);
        let plain = GemmPlan::new(ctx, plain, None);
        let plain = plain.unwrap();
        let (ab, bb) = (ctx.upload("A", &a).unwrap(), ctx.upload("B", &b).unwrap());
        let biasb = ctx.upload("bias", &bias).unwrap();
        let cb = ctx.storage("C", d.c_len() * d.dtype.size()).unwrap();
        let product = plain.bind(&ab, &bb, &cb).unwrap();
        let epi = EpiloguePlan::new(ctx, &d).unwrap();
        let pass = epi.bind(d.bias.then_some(&biasb), &cb).unwrap();
        ctx.submit(|p| {
            product.record(p);
            pass.record(p);
        })
        .unwrap();
        let got: Vec<T> = pollster::block_on(wgkernels::runtime::read_buffer(
            ctx,
            &cb,
            d.c_len() as usize,
        ))
        .unwrap();
        let got: Vec<f64> = got.iter().map(|x| x.to_f64()).collect();
        let want = gemm_ref_bias(&d, &af, &bf, d.bias.then_some(&biasf[..]), None);
        let cmp = compare(&got, &want, Tolerance::gemm_desc(d.dtype, &d));
        assert!(cmp.pass, "{d:?}: rel L2 {:.3e}", cmp.rel_l2_err);
    }
    let base = GemmDesc::linear(19, 36, 23).with_bias(true);
    for (i, act) in [Activation::Gelu, Activation::Silu, Activation::Relu]
        .into_iter()
        .enumerate()
    {
        check::<f32>(base.activation(act), 900 + i as u64);
    }
    check::<f32>(GemmDesc::linear(7, 12, 9).batch(3).scale(0.5, 0.0), 910);
    if has_f16("separate_epilogue_pass f16 part") {
        check::<half::f16>(base.activation(Activation::Gelu).dtype(DType::F16), 920);
    }
    let odd = GemmDesc::linear(4, 6, 8).with_bias(true);
    assert!(matches!(
        EpiloguePlan::new(ctx(), &odd),
        Err(Error::Unsupported(_))
    ));
    let residual = GemmDesc::linear(4, 8, 8).residual(true);
    assert!(matches!(
        EpiloguePlan::new(ctx(), &residual),
        Err(Error::Unsupported(_))
    ));
    let plan = EpiloguePlan::new(ctx(), &GemmDesc::linear(4, 8, 8)).unwrap();
    let buf = ctx().storage("x", 256).unwrap();
    assert!(matches!(plan.bind(Some(&buf), &buf), Err(Error::Shape(_))));
}
