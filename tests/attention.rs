//! Block-sparse flash attention against the f64 reference built from the same mask: the verify
//! list on every variant, every candidate configuration, every pattern builder (exactness of
//! the mask and the kernel on it), per-head patterns, split-KV decode, edge cases (empty rows,
//! large inputs), caller-owned buffers, the pattern search, random shapes (proptest), and typed
//! errors for bad input.

mod common;

use common::{ctx, has_coop, has_f16};
use proptest::prelude::*;
use wgkernels::harness::verify::Tier;
use wgkernels::ops::attention::config::attention_candidates;
use wgkernels::ops::attention::reference::attention_ref;
use wgkernels::ops::attention::verify::check_attention;
use wgkernels::ops::attention::verify::unit_data;
use wgkernels::ops::attention::verify::AttnCase;
use wgkernels::ops::attention::{Diagonal, Stripe};
use wgkernels::ops::verify_op;
use wgkernels::{
    AttentionConfig, AttentionDesc, AttentionPlan, AttentionVariant, BlockMask, DType, Error,
    MaskBuilder, Pattern, SearchOptions,
};

fn assert_passes(case: &AttnCase, cfg: Option<AttentionConfig>, seed: u64) {
    let c = check_attention(ctx(), case, cfg, seed);
    assert!(
        c.pass,
        "{} on {}: rel L2 {:.3e} (tol {:.3e}) max abs {:.3e} ({:?})",
        c.config, c.shape, c.rel_l2_err, c.tolerance, c.max_abs_err, c.error
    );
}

#[test]
fn verify_list_passes_on_every_variant() {
    let checks = verify_op(ctx(), "attention", Tier::Full, &mut |_| {}).unwrap();
    let failed: Vec<_> = checks.iter().filter(|c| !c.pass).collect();
    assert!(failed.is_empty(), "failed: {failed:#?}");
    // Without f16 (GL, browsers) the f16 cases are skipped and only the tiled variant runs.
    let min = if ctx().caps().f16 { 40 } else { 25 };
    assert!(checks.len() >= min, "only {} checks", checks.len());
    assert!(
        checks.iter().any(|c| c.variant == "tiled"),
        "tiled variant never ran"
    );
    let caps = ctx().caps();
    if caps.subgroups
        && caps.subgroup_min == caps.subgroup_max
        && caps.subgroup_min.is_multiple_of(8)
    {
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
    // Every listed head dim ran, f16 included where the adapter has it.
    for d in [32, 64, 80, 96, 128, 256] {
        assert!(
            checks.iter().any(|c| c.shape["d"] == d),
            "head dim {d} never ran"
        );
    }
    if ctx().caps().f16 {
        assert!(checks.iter().any(|c| c.dtype == DType::F16));
    }
}

#[test]
fn every_candidate_config_on_awkward_shapes() {
    let cases = [
        AttnCase::dense(AttentionDesc::new(1, 3, 67, 64).kv_len(45)),
        AttnCase::masked(AttentionDesc::new(2, 4, 130, 80).gqa(1), Pattern::Causal).blocks(64, 32),
        AttnCase::masked(
            AttentionDesc::new(1, 2, 33, 32).kv_len(200),
            Pattern::causal_window(40),
        )
        .blocks(32, 16),
    ];
    let mut ran = 0;
    for (i, case) in cases.iter().enumerate() {
        let bq = case.block_q(ctx());
        for cfg in attention_candidates(ctx().caps(), &ctx().limits(), &case.desc, bq) {
            assert_passes(case, Some(cfg), 70 + i as u64);
            ran += 1;
        }
    }
    assert!(ran >= 6, "only {ran} configurations ran");
}

#[test]
fn coop_attention_runs_and_matches_reference() {
    if !has_coop("coop_attention_runs_and_matches_reference") {
        return;
    }
    for dtype in [DType::F32, DType::F16] {
        for case in [
            AttnCase::dense(AttentionDesc::new(1, 2, 70, 64).kv_len(90).dtype(dtype)),
            AttnCase::masked(
                AttentionDesc::new(1, 4, 130, 32)
                    .gqa(2)
                    .dtype(dtype)
                    .with_lse(),
                Pattern::Causal,
            ),
            AttnCase::masked(
                AttentionDesc::new(1, 2, 3, 64).kv_len(500).dtype(dtype),
                Pattern::causal_window(100),
            ),
        ] {
            let bq = case.block_q(ctx());
            let cfgs: Vec<_> = attention_candidates(ctx().caps(), &ctx().limits(), &case.desc, bq)
                .into_iter()
                .filter(|c| c.variant() == AttentionVariant::Coop)
                .collect();
            assert!(!cfgs.is_empty(), "no coop candidate for {:?}", case.desc);
            for c in cfgs {
                assert_passes(&case, Some(c), 5);
            }
        }
    }
}

/// Every builder: the mask allows exactly the pairs the pattern allows, for square, tall and
/// wide geometries and several block sizes, and the kernel matches the reference on it.
#[test]
fn pattern_builders_are_exact_and_run() {
    let map = |nqb: u32, nkb: u32| (0..nqb * nkb).map(|x| x % 3 != 0).collect::<Vec<_>>();
    let pats = |nq: u32, nkv: u32| {
        vec![
            Pattern::Full,
            Pattern::Empty,
            Pattern::Causal,
            Pattern::window(9),
            Pattern::causal_window(20),
            Pattern::Window { left: 3, right: 30 },
            Pattern::frames(50, 2, 3),
            Pattern::MultiDiagonal(vec![
                Diagonal {
                    offset: -70,
                    half_width: 0,
                },
                Diagonal {
                    offset: 5,
                    half_width: 2,
                },
            ]),
            Pattern::Stripes(vec![0, 1, 17, 63, 64, nkv - 1]),
            Pattern::StripesEvery {
                stride: 10,
                offset: 3,
            },
            Pattern::GlobalRows(vec![0, nq / 2, nq - 1]),
            Pattern::window(4)
                .or(Pattern::Stripes(vec![2, 40]))
                .or(Pattern::GlobalRows(vec![7])),
            Pattern::window(30).and(Pattern::Causal),
            Pattern::Causal.and(
                Pattern::StripesEvery {
                    stride: 3,
                    offset: 0,
                }
                .or(Pattern::window(2)),
            ),
            Pattern::BlockMap {
                block_q: 16,
                block_kv: 32,
                map: map(nq.div_ceil(16), nkv.div_ceil(32)),
            },
            Pattern::closure(|i, j| (i ^ j) % 7 == 0),
        ]
    };
    let geoms = [
        (150u32, 150u32, 32u32, 16u32),
        (40, 170, 16, 32),
        (170, 60, 64, 64),
        (129, 257, 128, 128),
    ];
    let mut gpu_runs = 0;
    for (gi, &(nq, nkv, bq, bk)) in geoms.iter().enumerate() {
        for (pi, p) in pats(nq, nkv).into_iter().enumerate() {
            for stripes in [true, false] {
                let mask = MaskBuilder::new(nq, nkv, bq, bk)
                    .stripes(stripes)
                    .build(&p)
                    .unwrap();
                mask.validate().unwrap();
                let mut pairs = 0u64;
                for i in 0..nq {
                    for j in 0..nkv {
                        let want = p.contains(i, j, nq, nkv);
                        pairs += want as u64;
                        assert_eq!(
                            mask.allows(0, 0, i, j),
                            want,
                            "{} at ({i},{j}) geometry {gi} stripes {stripes}",
                            p.describe()
                        );
                    }
                }
                let dens = mask.density();
                assert!(
                    (dens - pairs as f64 / (nq as f64 * nkv as f64)).abs() < 1e-12,
                    "density of {}",
                    p.describe()
                );
                // Work is proportional to the blocks present: never more than dense.
                assert!(mask.work_density() <= 1.0 + 1e-12);
                if (gi + pi) % 2 == 0 || pi < 3 {
                    let case =
                        AttnCase::masked(AttentionDesc::new(1, 2, nq, 32).kv_len(nkv), p.clone())
                            .blocks(bq, bk);
                    assert_passes(&case, None, 900 + pi as u64);
                    gpu_runs += 1;
                }
            }
        }
    }
    assert!(gpu_runs > 40);
    // Structure: a band pattern lists far fewer blocks than dense, and stripes become stripes.
    let m = MaskBuilder::new(1024, 1024, 64, 64)
        .build(&Pattern::window(32))
        .unwrap();
    assert!(
        m.work_density() < 0.2,
        "window work density {}",
        m.work_density()
    );
    let s = MaskBuilder::new(256, 256, 64, 64)
        .build(&Pattern::Stripes(vec![3, 100]))
        .unwrap();
    assert!(s
        .rows
        .iter()
        .all(|r| r.full.is_empty() && r.partial.is_empty() && r.stripes.len() == 2));
    let c = MaskBuilder::new(256, 256, 64, 64)
        .build(&Pattern::Causal)
        .unwrap();
    assert_eq!(
        c.n_tiles(),
        1,
        "every diagonal block of a square causal mask shares one tile"
    );
    assert_eq!(c.rows[3].full, vec![0, 1, 2]);
    assert_eq!(c.rows[3].partial, vec![3]);
}

/// Sparse-vDiT's five per-head choices in one dispatch; heads sharing a pattern share a slot.
#[test]
fn per_head_patterns_share_slots_and_run_in_one_dispatch() {
    let (nq, nkv) = (200, 200);
    let heads = vec![
        Pattern::Full,
        Pattern::Empty,
        Pattern::window(16),
        Pattern::frames(50, 1, 4),
        Pattern::StripesEvery {
            stride: 25,
            offset: 0,
        }
        .or(Pattern::window(4)),
        Pattern::window(16),
        Pattern::Empty,
        Pattern::Full,
    ];
    let mask = MaskBuilder::new(nq, nkv, 32, 32)
        .build_heads(&heads)
        .unwrap();
    assert_eq!(mask.slots, 5);
    assert_eq!(mask.head_map, vec![0, 1, 2, 3, 4, 2, 1, 0]);
    let desc = AttentionDesc::new(2, 8, nq, 64).gqa(4);
    let plan = AttentionPlan::new(ctx(), desc, Some(&mask), None).unwrap();
    let (q, qf) = unit_data::<f32>(desc.q_len_elems() as usize, 1);
    let (k, kf) = unit_data::<f32>(desc.kv_len_elems() as usize, 2);
    let (v, vf) = unit_data::<f32>(desc.kv_len_elems() as usize, 3);
    let (got, _) = pollster::block_on(plan.run_host(&q, &k, &v)).unwrap();
    let (want, _) = attention_ref(&desc, Some(&mask), &qf, &kf, &vf, None);
    let err = got
        .iter()
        .zip(&want)
        .map(|(g, w)| (*g as f64 - w).abs())
        .fold(0.0, f64::max);
    assert!(err < 1e-4, "max abs err {err}");
    // Skipped heads are exactly zero.
    let per = (nq * 64) as usize;
    for b in 0..2 {
        for h in [1usize, 6] {
            let at = (b * 8 + h) * per;
            assert!(
                got[at..at + per].iter().all(|&x| x == 0.0),
                "skipped head {h} not zero"
            );
        }
    }
}

#[test]
fn split_kv_decode_matches_reference_for_every_split_count() {
    for nq in [1u32, 2, 7, 16] {
        for splits in [1u32, 2, 5, 16] {
            let desc = AttentionDesc::new(1, 4, nq, 64)
                .gqa(2)
                .kv_len(1500)
                .with_lse();
            let case = AttnCase::masked(
                desc,
                Pattern::causal_window(900).or(Pattern::Stripes(vec![0, 1, 2, 3])),
            );
            let bq = case.block_q(ctx());
            let cfg = attention_candidates(ctx().caps(), &ctx().limits(), &desc, bq)[0]
                .with_splits(splits);
            assert_passes(&case, Some(cfg), 31 + splits as u64);
            assert_passes(&AttnCase::dense(desc), Some(cfg), 41 + splits as u64);
        }
    }
}

/// GQA decode folds the query heads of a KV head into one row space (K/V read once) when they
/// share a pattern, and does not when their patterns differ; both match the reference.
#[test]
fn gqa_decode_folds_heads_that_share_a_pattern() {
    let ctx = ctx();
    let desc = AttentionDesc::new(2, 8, 3, 64)
        .gqa(2)
        .kv_len(777)
        .with_lse();
    let (bq, bk) = AttentionPlan::block_sizes(ctx, &desc);
    let b = MaskBuilder::new(3, 777, bq, bk);
    let shared = b.build(&Pattern::causal_window(300)).unwrap();
    let per_group: Vec<Pattern> = (0..8)
        .map(|h| {
            if h < 4 {
                Pattern::Causal
            } else {
                Pattern::window(50)
            }
        })
        .collect();
    let grouped = b.build_heads(&per_group).unwrap();
    let mixed: Vec<Pattern> = (0..8)
        .map(|h| {
            if h % 2 == 0 {
                Pattern::Causal
            } else {
                Pattern::window(50)
            }
        })
        .collect();
    let mixed = b.build_heads(&mixed).unwrap();
    let subgroup = ctx.caps().subgroups && ctx.caps().subgroup_min == ctx.caps().subgroup_max;
    for (mask, fold) in [
        (None, 4),
        (Some(&shared), 4),
        (Some(&grouped), 4),
        (Some(&mixed), 1),
    ] {
        let plan = AttentionPlan::new(ctx, desc, mask, None).unwrap();
        if subgroup && plan.config().variant() == AttentionVariant::Subgroup {
            assert_eq!(plan.fold(), fold, "fold for {:?}", mask.map(|m| m.slots));
        }
        let (q, qf) = unit_data::<f32>(desc.q_len_elems() as usize, 3);
        let (k, kf) = unit_data::<f32>(desc.kv_len_elems() as usize, 4);
        let (v, vf) = unit_data::<f32>(desc.kv_len_elems() as usize, 5);
        let (o, lse) = pollster::block_on(plan.run_host(&q, &k, &v)).unwrap();
        let (want, lse_want) = attention_ref(&desc, mask, &qf, &kf, &vf, None);
        let err = o
            .iter()
            .zip(&want)
            .map(|(g, w)| (*g as f64 - w).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-4, "{}: max abs err {err}", plan.config().label());
        for (g, w) in lse.unwrap().iter().zip(&lse_want) {
            assert!((*g as f64 - w).abs() < 1e-4);
        }
    }
    // A folded plan refuses a mask that separates the heads of a group.
    let mut plan = AttentionPlan::new(ctx, desc, Some(&shared), None).unwrap();
    if plan.fold() > 1 {
        assert!(matches!(plan.update_mask(&mixed), Err(Error::Shape(_))));
        assert!(plan.update_mask(&grouped).is_ok());
    }
}

#[test]
fn empty_rows_are_zero_and_large_inputs_do_not_overflow() {
    let ctx = ctx();
    // Rows 0..64 see nothing (global rows pattern only on later rows), with the LSE.
    let desc = AttentionDesc::new(1, 2, 130, 32).with_lse();
    let mask = MaskBuilder::new(130, 130, 64, 64)
        .build(&Pattern::GlobalRows(vec![100, 129]))
        .unwrap();
    for cfg in attention_candidates(ctx.caps(), &ctx.limits(), &desc, 64) {
        let plan = AttentionPlan::new(ctx, desc, Some(&mask), Some(cfg)).unwrap();
        let (q, _) = unit_data::<f32>(desc.q_len_elems() as usize, 5);
        let (k, _) = unit_data::<f32>(desc.kv_len_elems() as usize, 6);
        let (o, lse) = pollster::block_on(plan.run_host(&q, &k, &k)).unwrap();
        assert!(
            o.iter().all(|x| x.is_finite()),
            "{}: NaN or inf in output",
            cfg.label()
        );
        let lse = lse.unwrap();
        for h in 0..2usize {
            for i in 0..130usize {
                let row = &o[(h * 130 + i) * 32..(h * 130 + i + 1) * 32];
                if i == 100 || i == 129 {
                    assert!(row.iter().any(|&x| x != 0.0) && lse[h * 130 + i].is_finite());
                } else {
                    assert!(
                        row.iter().all(|&x| x == 0.0),
                        "{}: row {i} not zero",
                        cfg.label()
                    );
                    assert_eq!(lse[h * 130 + i], f32::NEG_INFINITY);
                }
            }
        }
    }
    // Scores of 3000 for every key: exp would overflow without subtracting the running max; the
    // softmax is uniform, so the output is the mean of V.
    let desc = AttentionDesc::new(1, 1, 40, 64).kv_len(300).with_lse();
    let q = vec![30.0f32; desc.q_len_elems() as usize];
    let k = vec![12.5f32; desc.kv_len_elems() as usize];
    let (v, vf) = unit_data::<f32>(desc.kv_len_elems() as usize, 8);
    for cfg in attention_candidates(ctx.caps(), &ctx.limits(), &desc, 64) {
        let plan = AttentionPlan::new(ctx, desc, None, Some(cfg)).unwrap();
        let (o, lse) = pollster::block_on(plan.run_host(&q, &k, &v)).unwrap();
        let tol = if cfg.variant() == AttentionVariant::Coop {
            5e-3
        } else {
            1e-5
        };
        for d in 0..64 {
            let mean: f64 = (0..300).map(|j| vf[j * 64 + d]).sum::<f64>() / 300.0;
            for i in 0..40 {
                let got = o[i * 64 + d] as f64;
                assert!(
                    (got - mean).abs() < tol,
                    "{}: large inputs: {got} vs {mean}",
                    cfg.label()
                );
            }
        }
        let want_lse = 30.0 * 12.5 * 64.0 / 8.0 + (300f64).ln();
        let l = lse.unwrap()[0] as f64;
        assert!(
            (l - want_lse).abs() / want_lse < 1e-5,
            "{}: lse {l} vs {want_lse}",
            cfg.label()
        );
    }
}

#[test]
fn caller_owned_buffers_record_twice_and_masks_update_in_place() {
    let ctx = ctx();
    let desc = AttentionDesc::new(1, 2, 100, 32);
    let (q, qf) = unit_data::<f32>(desc.q_len_elems() as usize, 21);
    let (k, kf) = unit_data::<f32>(desc.kv_len_elems() as usize, 22);
    let (v, vf) = unit_data::<f32>(desc.kv_len_elems() as usize, 23);
    let (qb, kb, vb) = (
        ctx.upload("q", &q).unwrap(),
        ctx.upload("k", &k).unwrap(),
        ctx.upload("v", &v).unwrap(),
    );
    let ob = ctx.storage("o", desc.q_len_elems() * 4).unwrap();
    let b = MaskBuilder::new(100, 100, 32, 32);
    let causal = b.build(&Pattern::Causal).unwrap();
    let mut plan = AttentionPlan::new(ctx, desc, Some(&causal), None).unwrap();
    let bound = plan.bind(&qb, &kb, &vb, &ob, None).unwrap();
    ctx.submit(|p| {
        bound.record(p);
        bound.record(p);
    })
    .unwrap();
    let check = |m: &BlockMask| {
        let got: Vec<f32> = pollster::block_on(wgkernels::read_buffer(
            ctx,
            &ob,
            desc.q_len_elems() as usize,
        ))
        .unwrap();
        let (want, _) = attention_ref(&desc, Some(m), &qf, &kf, &vf, None);
        got.iter()
            .zip(&want)
            .map(|(g, w)| (*g as f64 - w).abs())
            .fold(0.0, f64::max)
    };
    assert!(check(&causal) < 1e-5);
    // A mask of the same geometry and no larger: written in place, the bound form stays valid.
    let smaller = b
        .build(&Pattern::Causal.and(Pattern::GlobalRows((0..32).collect())))
        .unwrap();
    assert!(
        plan.update_mask(&smaller).unwrap(),
        "a smaller mask should be written in place"
    );
    ctx.submit(|p| bound.record(p)).unwrap();
    assert!(check(&smaller) < 1e-5);
    // A larger one needs a new buffer: bind again.
    let window = b
        .build(&Pattern::window(10).or(Pattern::StripesEvery {
            stride: 7,
            offset: 1,
        }))
        .unwrap();
    assert!(
        !plan.update_mask(&window).unwrap(),
        "a larger mask cannot be written in place"
    );
    let bound = plan.bind(&qb, &kb, &vb, &ob, None).unwrap();
    ctx.submit(|p| bound.record(p)).unwrap();
    assert!(check(&window) < 1e-5);
    // A plan built for full blocks only switches to the pipeline with the mask path when a
    // mask with partial blocks arrives (and says so: bind again).
    // A mask of every block in full (tail blocks included) is dense attention: it runs on the
    // dense kernel, and still matches the reference.
    let blocks_only = b.build(&Pattern::Full).unwrap();
    assert!(blocks_only.all_full() && !causal.all_full());
    let mut plan2 = AttentionPlan::new(ctx, desc, Some(&blocks_only), None).unwrap();
    assert!(plan2.masked() && !plan2.reads_mask());
    let bound2 = plan2.bind(&qb, &kb, &vb, &ob, None).unwrap();
    ctx.submit(|p| bound2.record(p)).unwrap();
    assert!(check(&blocks_only) < 1e-5);
    assert!(!plan2.update_mask(&causal).unwrap());
    assert!(plan2.reads_mask());
    let bound2 = plan2.bind(&qb, &kb, &vb, &ob, None).unwrap();
    ctx.submit(|p| bound2.record(p)).unwrap();
    assert!(check(&causal) < 1e-5);
    // And back: an all-full mask returns the plan to the dense kernel (bind again).
    assert!(!plan2.update_mask(&blocks_only).unwrap());
    assert!(!plan2.reads_mask());
    let bound2 = plan2.bind(&qb, &kb, &vb, &ob, None).unwrap();
    ctx.submit(|p| bound2.record(p)).unwrap();
    assert!(check(&blocks_only) < 1e-5);
    // Another geometry is refused.
    let other = MaskBuilder::new(100, 100, 64, 32)
        .build(&Pattern::Causal)
        .unwrap();
    assert!(matches!(plan.update_mask(&other), Err(Error::Shape(_))));
}

#[test]
fn pattern_search_picks_cheap_patterns_for_local_heads_and_full_for_global_ones() {
    let ctx = ctx();
    // Head 0: keys and queries carry a strong positional signal, so attention is local.
    // Head 1: every key identical in score, attention uniform: no sparse pattern approximates.
    let (n, dim) = (512u32, 32u32);
    let desc = AttentionDesc::new(1, 2, n, dim);
    let mut q = vec![0.0f32; desc.q_len_elems() as usize];
    let mut k = vec![0.0f32; desc.kv_len_elems() as usize];
    let (v, _) = unit_data::<f32>(desc.kv_len_elems() as usize, 3);
    for i in 0..n as usize {
        for f in 0..dim as usize / 2 {
            let w = 0.5f32.powi(f as i32 / 2) * 0.9;
            let (s, c) = (w * i as f32).sin_cos();
            // head 0: rotary-like positional code, dot product peaks at i == j
            q[i * dim as usize + 2 * f] = 4.0 * c;
            q[i * dim as usize + 2 * f + 1] = 4.0 * s;
            k[i * dim as usize + 2 * f] = 4.0 * c;
            k[i * dim as usize + 2 * f + 1] = 4.0 * s;
        }
    }
    let opts = SearchOptions {
        lambda: 0.05,
        epsilon: 0.05,
        ..Default::default()
    };
    let plan =
        pollster::block_on(wgkernels::search_patterns(ctx, &desc, &q, &k, &v, &opts)).unwrap();
    assert_eq!(plan.heads.len(), 2);
    let h0 = &plan.heads[0];
    assert!(
        h0.density < 0.5 && h0.err <= 0.05,
        "head 0 picked {} (err {}, density {})",
        h0.pattern,
        h0.err,
        h0.density
    );
    let h1 = &plan.heads[1];
    assert_eq!(
        h1.pattern, "full",
        "head 1 should fall back to full: {:?}",
        h1.candidates
    );
    assert!(
        plan.predicted_speedup > 1.3,
        "speedup {}",
        plan.predicted_speedup
    );
    // The plan builds one mask for both heads and runs.
    let mask = plan.mask(n, n).unwrap();
    let p = AttentionPlan::new(ctx, desc, Some(&mask), None).unwrap();
    let (o, _) = pollster::block_on(p.run_host(&q, &k, &v)).unwrap();
    assert!(o.iter().all(|x| x.is_finite()));
    // The text forms parse back.
    for h in &plan.heads {
        Pattern::parse(&h.pattern).unwrap();
    }
}

#[test]
fn pattern_text_round_trips() {
    for spec in [
        "full",
        "skip",
        "causal",
        "window:64",
        "window:3:0",
        "diag:-5:2",
        "frames:100:2:8",
        "stripes:1,5,9",
        "every:16:3",
        "rows:0,7",
        "window:64+every:256&causal",
        "window:128:0+sink:4",
    ] {
        let p = Pattern::parse(spec).unwrap();
        let again = Pattern::parse(&p.spec().unwrap()).unwrap();
        assert_eq!(p, again, "{spec}");
    }
    // Sink tokens are the first K keys, for every query.
    assert_eq!(
        Pattern::parse("sink:3").unwrap(),
        Pattern::Stripes(vec![0, 1, 2])
    );
    let m = MaskBuilder::new(40, 40, 16, 16)
        .build(&Pattern::parse("causal&window:5:0+sink:2").unwrap())
        .unwrap();
    assert!(m.allows(0, 0, 39, 0) && m.allows(0, 0, 39, 1) && !m.allows(0, 0, 39, 2));
    for bad in [
        "windw:3",
        "window:x",
        "every",
        "stripes:1,-2",
        "",
        "sink:5000",
    ] {
        assert!(
            matches!(Pattern::parse(bad), Err(Error::Shape(_))),
            "{bad:?} parsed"
        );
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    let ctx = ctx();
    let d = AttentionDesc::new(1, 4, 100, 64);
    // Zero sizes, Hq not a multiple of Hkv, unsupported head dims, non-finite scale.
    assert!(matches!(
        AttentionPlan::new(ctx, AttentionDesc::new(0, 4, 10, 64), None, None),
        Err(Error::ZeroSized(_))
    ));
    assert!(matches!(
        AttentionPlan::new(ctx, d.kv_len(0), None, None),
        Err(Error::ZeroSized(_))
    ));
    assert!(matches!(
        AttentionPlan::new(ctx, d.gqa(3), None, None),
        Err(Error::Shape(_))
    ));
    for hd in [66, 260, 2] {
        assert!(matches!(
            AttentionPlan::new(ctx, AttentionDesc::new(1, 1, 8, hd), None, None),
            Err(Error::Unsupported(_))
        ));
    }
    assert!(matches!(
        AttentionPlan::new(ctx, d.scale(f32::NAN), None, None),
        Err(Error::Shape(_))
    ));
    // A mask built for another N, another batch or head count.
    let b = MaskBuilder::new(100, 100, 64, 64);
    let other_n = MaskBuilder::new(128, 100, 64, 64)
        .build(&Pattern::Causal)
        .unwrap();
    assert!(
        matches!(AttentionPlan::new(ctx, d, Some(&other_n), None), Err(Error::Shape(m)) if m.contains("mask built for"))
    );
    let heads3 = b
        .build_heads(&[Pattern::Causal, Pattern::Full, Pattern::Empty])
        .unwrap();
    assert!(matches!(
        AttentionPlan::new(ctx, d, Some(&heads3), None),
        Err(Error::Shape(_))
    ));
    let batch2 = b
        .build_batch_heads(&[vec![Pattern::Causal], vec![Pattern::Full]])
        .unwrap();
    assert!(matches!(
        AttentionPlan::new(ctx, d.gqa(4), Some(&batch2), None),
        Err(Error::Shape(_))
    ));
    // Malformed masks: unsorted, out of range, overlapping lists, bad tiles, bad stripes.
    let good = b
        .build(&Pattern::Causal.or(Pattern::Stripes(vec![70])))
        .unwrap();
    let mutate = |f: &dyn Fn(&mut BlockMask)| {
        let mut m = good.clone();
        f(&mut m);
        m
    };
    let bad_masks = [
        ("unsorted", mutate(&|m| m.rows[1].full = vec![1, 0])),
        ("out of range", mutate(&|m| m.rows[1].full = vec![0, 7])),
        ("both", mutate(&|m| m.rows[1].full = vec![0, 1])),
        ("tile", mutate(&|m| m.rows[1].tiles = vec![9])),
        ("tiles count", mutate(&|m| m.rows[1].tiles.clear())),
        (
            "stripe in block",
            mutate(&|m| {
                m.rows[0].stripes = vec![Stripe {
                    col: 10,
                    lo: 0,
                    hi: 4,
                }]
            }),
        ),
        (
            "stripe range",
            mutate(&|m| {
                m.rows[0].stripes = vec![Stripe {
                    col: 100,
                    lo: 0,
                    hi: 4,
                }]
            }),
        ),
        (
            "stripe rows",
            mutate(&|m| {
                m.rows[0].stripes = vec![Stripe {
                    col: 70,
                    lo: 3,
                    hi: 3,
                }]
            }),
        ),
        (
            "stripe order",
            mutate(&|m| {
                m.rows[0].stripes = vec![
                    Stripe {
                        col: 90,
                        lo: 0,
                        hi: 1,
                    },
                    Stripe {
                        col: 80,
                        lo: 0,
                        hi: 1,
                    },
                ]
            }),
        ),
        ("block size", mutate(&|m| m.block_kv = 48)),
        (
            "rows",
            mutate(&|m| {
                m.rows.pop();
            }),
        ),
        ("head map", mutate(&|m| m.head_map = vec![0, 1, 0, 0])),
    ];
    for (what, m) in &bad_masks {
        let r = AttentionPlan::new(ctx, d, Some(m), None);
        assert!(matches!(r, Err(Error::Shape(_))), "{what}: {r:?}");
    }
    // Block sizes the builder cannot use.
    assert!(matches!(
        MaskBuilder::new(100, 100, 8, 64).build(&Pattern::Causal),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(
        MaskBuilder::new(100, 100, 64, 96).build(&Pattern::Causal),
        Err(Error::Unsupported(_))
    ));
    // A config that cannot run this block size, and host data of the wrong length or type.
    let plan = AttentionPlan::new(ctx, d, None, None).unwrap();
    let q = vec![0.0f32; d.q_len_elems() as usize];
    let short = vec![0.0f32; 10];
    assert!(matches!(
        pollster::block_on(plan.run_host(&q, &short, &q)),
        Err(Error::Length { name: "K", .. })
    ));
    let half = vec![half::f16::ZERO; d.q_len_elems() as usize];
    assert!(matches!(
        pollster::block_on(plan.run_host(&half, &half, &half)),
        Err(Error::Shape(_))
    ));
    let big = AttentionConfig::tiled(256, 16);
    assert!(matches!(
        AttentionPlan::new(ctx, d, Some(&b.build(&Pattern::Causal).unwrap()), Some(big)),
        Err(Error::Unsupported(_))
    ));
    // Buffers: too small, wrong usage, LSE mismatch.
    let ok = ctx.storage("ok", d.q_len_elems() * 4).unwrap();
    let small = ctx.storage("small", 64).unwrap();
    assert!(matches!(
        plan.bind(&ok, &small, &ok, &ok, None),
        Err(Error::BufferTooSmall { name: "K", .. })
    ));
    let uniform = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: d.q_len_elems() * 4,
        usage: wgpu::BufferUsages::UNIFORM,
        mapped_at_creation: false,
    });
    assert!(matches!(
        plan.bind(&ok, &ok, &ok, &uniform, None),
        Err(Error::BufferUsage { name: "O", .. })
    ));
    assert!(matches!(
        plan.bind(&ok, &ok, &ok, &ok, Some(&ok)),
        Err(Error::Shape(_))
    ));
    let with_lse = AttentionPlan::new(ctx, d.with_lse(), None, None).unwrap();
    assert!(matches!(
        with_lse.bind(&ok, &ok, &ok, &ok, None),
        Err(Error::Shape(_))
    ));
    assert!(matches!(
        with_lse.bind(&ok, &ok, &ok, &ok, Some(&small)),
        Err(Error::BufferTooSmall { name: "LSE", .. })
    ));
    // Over the binding limit, reported with the limit's name.
    let huge = AttentionDesc::new(1, 64, 65536, 256);
    assert!(matches!(
        AttentionPlan::new(ctx, huge, None, None),
        Err(Error::OverLimit { .. }) | Err(Error::Shape(_))
    ));
}

#[test]
fn f16_without_feature_or_with_it() {
    let d = AttentionDesc::new(1, 1, 20, 64).dtype(DType::F16);
    if has_f16("f16 attention") {
        assert!(AttentionPlan::new(ctx(), d, None, None).is_ok());
    } else {
        assert!(matches!(
            AttentionPlan::new(ctx(), d, None, None),
            Err(Error::MissingFeature(_))
        ));
    }
}

fn pattern_strategy() -> impl Strategy<Value = u32> {
    0u32..9
}

fn pick_pattern(i: u32, nq: u32, nkv: u32) -> Option<Pattern> {
    Some(match i {
        0 => return None,
        1 => Pattern::Causal,
        2 => Pattern::window(nkv / 7 + 1),
        3 => Pattern::causal_window(nkv / 5 + 2),
        4 => Pattern::frames(nkv / 3 + 1, 1, 3),
        5 => Pattern::StripesEvery {
            stride: 13,
            offset: 2,
        }
        .or(Pattern::window(3)),
        6 => Pattern::GlobalRows(vec![0, nq - 1]).or(Pattern::Stripes(vec![0, nkv - 1])),
        7 => Pattern::window(20).and(Pattern::Causal),
        _ => Pattern::closure(|i, j| (i + 2 * j) % 5 < 2),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    #[test]
    fn random_shapes_match_reference(
        nq in 1u32..300, nkv in 1u32..300, b in 1u32..3, hkv in 1u32..3, group in 1u32..4,
        hd_i in 0usize..6, half: bool, pat in pattern_strategy(), bq_i in 0usize..4, bk_i in 0usize..4,
        lse: bool, pick in 0usize..16, seed in 0u64..1000,
    ) {
        let hd = [32, 64, 80, 96, 128, 256][hd_i];
        let dtype = if half && has_f16("proptest f16 case") { DType::F16 } else { DType::F32 };
        let mut desc = AttentionDesc::new(b, hkv * group, nq, hd).gqa(hkv).kv_len(nkv).dtype(dtype);
        if lse {
            desc = desc.with_lse();
        }
        let blocks = ([16, 32, 64, 128][bq_i], [16, 32, 64, 128][bk_i]);
        let case = match pick_pattern(pat, nq, nkv) {
            None => AttnCase::dense(desc),
            Some(p) => AttnCase::masked(desc, p).blocks(blocks.0, blocks.1),
        };
        let cands = attention_candidates(ctx().caps(), &ctx().limits(), &desc, case.block_q(ctx()));
        prop_assume!(!cands.is_empty());
        let cfg = cands[pick % cands.len()];
        let c = check_attention(ctx(), &case, Some(cfg), seed);
        prop_assert!(c.pass, "{} on {}: rel {:.3e} tol {:.3e} max {:.3e} {:?}", c.config, c.shape, c.rel_l2_err, c.tolerance, c.max_abs_err, c.error);
    }
}

/// The accuracy bound at its largest length: N = 4096, unit-variance inputs, f32 max abs
/// error ≤ 1e-4 (dense and a 700-key window; rows spot-checked against the f64 reference).
#[test]
fn n4096_meets_the_max_abs_bound() {
    let ctx = ctx();
    let desc = AttentionDesc::new(1, 1, 4096, 64);
    let (q, qf) = unit_data::<f32>(desc.q_len_elems() as usize, 61);
    let (k, kf) = unit_data::<f32>(desc.kv_len_elems() as usize, 62);
    let (v, vf) = unit_data::<f32>(desc.kv_len_elems() as usize, 63);
    let (bq, bk) = AttentionPlan::block_sizes(ctx, &desc);
    let window = MaskBuilder::new(4096, 4096, bq, bk)
        .build(&Pattern::window(700))
        .unwrap();
    for mask in [None, Some(&window)] {
        let plan = AttentionPlan::new(ctx, desc, mask, None).unwrap();
        let (o, _) = pollster::block_on(plan.run_host(&q, &k, &v)).unwrap();
        let rows = 48usize;
        let (want, _) = attention_ref(&desc, mask, &qf, &kf, &vf, Some(rows as u32));
        let err = o[..rows * 64]
            .iter()
            .zip(&want[..rows * 64])
            .map(|(g, w)| (*g as f64 - w).abs())
            .fold(0.0, f64::max);
        assert!(
            err <= 1e-4,
            "{}: max abs err {err:.3e} at N=4096",
            plan.config().label()
        );
    }
}

/// More workgroups than one grid dimension holds (65535): the dispatch spreads over a 2-D grid
/// and every head is still computed.
#[test]
fn large_batch_spreads_over_a_2d_grid() {
    let ctx = ctx();
    let desc = AttentionDesc::new(2, 20000, 64, 4).gqa(10000).kv_len(40);
    let case = AttnCase::masked(desc, Pattern::causal_window(30));
    for cfg in attention_candidates(ctx.caps(), &ctx.limits(), &desc, case.block_q(ctx))
        .into_iter()
        .take(2)
    {
        assert_passes(&case, Some(cfg), 77);
    }
}
