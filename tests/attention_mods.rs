//! Score modifiers (soft-cap, ALiBi, T5 buckets, a bias tensor) and sinks in the block-sparse
//! attention, against the f64 reference: every candidate configuration with all five over a
//! mask, rows that attend no key, a sink that dominates, mask updates, a growing KV cache with
//! T5 buckets, the coop variant, typed errors, and a plan without modifiers reusing today's
//! pipeline (and a bias plan getting its own binding). (The verify list, run by `tests/attention.rs`, checks the
//! modifier cases of `attention_mods_cases` on one configuration per variant.)

mod common;

use common::{ctx, has_coop};
use wgkernels::harness::tolerance::{compare, Tolerance};
use wgkernels::ops::attention::config::attention_candidates;
use wgkernels::ops::attention::reference::attention_ref_mods;
use wgkernels::ops::attention::verify::{
    attention_compute_dtype, attention_mods_cases, check_attention, test_all_mods, test_bias,
    test_t5, unit_data, AttnCase,
};
use wgkernels::ops::attention::GrowingMask;
use wgkernels::{
    AttentionConfig, AttentionDesc, AttentionPlan, AttentionVariant, BiasTensor, DType, Error,
    MaskBuilder, Pattern, ScoreMods, T5Bias,
};

fn assert_passes(case: &AttnCase, cfg: Option<AttentionConfig>, seed: u64) {
    let c = check_attention(ctx(), case, cfg, seed);
    assert!(
        c.pass,
        "{} on {}: rel L2 {:.3e} (tol {:.3e}) max abs {:.3e} ({:?})",
        c.config, c.shape, c.rel_l2_err, c.tolerance, c.max_abs_err, c.error
    );
}

/// Labels of the attention pipelines built so far with `D4 = d4` (tests give each a head dim
/// of their own, so parallel tests do not add to their builds).
fn attention_builds(d4: u32) -> Vec<String> {
    let tag = format!("D4={d4},");
    ctx()
        .pipeline_builds()
        .into_iter()
        .map(|b| b.label)
        .filter(|l| l.starts_with("Attn") && l.contains(&tag))
        .collect()
}

#[test]
fn a_plan_without_modifiers_is_todays_pipeline() {
    let ctx = ctx();
    // Head dim 44 (D4 = 11) is this test's alone, so parallel tests do not add to its builds.
    let desc = AttentionDesc::new(1, 2, 40, 44);
    let mine = || attention_builds(11);
    let plain = AttentionPlan::new(ctx, desc, None, None).unwrap();
    let before = mine();
    assert_eq!(before.len(), 1, "{before:?}");
    let none = AttentionPlan::with_mods(ctx, desc, None, &ScoreMods::none(), None).unwrap();
    assert_eq!(mine(), before, "no modifiers built a new pipeline");
    assert_eq!(none.config(), plain.config());
    let capped =
        AttentionPlan::with_mods(ctx, desc, None, &ScoreMods::none().softcap(4.0), None).unwrap();
    let after = mine();
    assert_eq!(after.len(), 2, "a modifier is one more pipeline: {after:?}");
    assert!(after[1].contains("MODS=1"), "{}", after[1]);
    assert_eq!(capped.mods().bits(), 1);
}

#[test]
fn every_candidate_config_with_all_modifiers_over_a_mask() {
    // Nq < Nkv (tails on both), GQA, a batch, the LSE, heads with different slopes, sinks and
    // T5 tables, a bias per batch and head.
    let desc = AttentionDesc::new(2, 4, 67, 32)
        .gqa(2)
        .kv_len(150)
        .with_lse();
    let case = AttnCase::masked(
        desc,
        Pattern::causal_window(30).or(Pattern::Stripes(vec![0, 149])),
    )
    .mods(test_all_mods(&desc));
    let bq = case.block_q(ctx());
    let cfgs = attention_candidates(ctx().caps(), &ctx().limits(), &case.desc, bq);
    assert!(!cfgs.is_empty());
    for (i, c) in cfgs.into_iter().enumerate() {
        assert_passes(&case, Some(c), 60 + i as u64);
    }
}

#[test]
fn sinks_give_rows_without_keys_their_logit_and_can_dominate() {
    let ctx = ctx();
    // Every row but 100 and 129 attends nothing: output 0, LSE = the head's sink (not -inf).
    let desc = AttentionDesc::new(1, 2, 130, 32).with_lse();
    let mask = MaskBuilder::new(130, 130, 64, 64)
        .build(&Pattern::GlobalRows(vec![100, 129]))
        .unwrap();
    let sinks = vec![0.75f32, -2.5];
    let mods = ScoreMods::none().sinks(sinks.clone());
    for cfg in attention_candidates(ctx.caps(), &ctx.limits(), &desc, 64) {
        let plan = AttentionPlan::with_mods(ctx, desc, Some(&mask), &mods, Some(cfg)).unwrap();
        let (q, _) = unit_data::<f32>(desc.q_len_elems() as usize, 5);
        let (k, _) = unit_data::<f32>(desc.kv_len_elems() as usize, 6);
        let (o, lse) = pollster::block_on(plan.run_host(&q, &k, &k)).unwrap();
        let lse = lse.unwrap();
        for h in 0..2usize {
            for i in (0..130usize).filter(|i| *i != 100 && *i != 129) {
                let row = &o[(h * 130 + i) * 32..(h * 130 + i + 1) * 32];
                assert!(row.iter().all(|&x| x == 0.0), "{}: row {i}", cfg.label());
                let l = lse[h * 130 + i];
                assert!(
                    (l - sinks[h]).abs() < 1e-5,
                    "{}: lse {l} vs sink {}",
                    cfg.label(),
                    sinks[h]
                );
            }
        }
    }
    // A sink far above every score takes almost all the weight: the output shrinks by e^-40
    // without overflow, and the LSE is the sink's. Decode shape: the split-KV path, where the
    // merge pass adds the sink once.
    let desc = AttentionDesc::new(1, 2, 1, 64).kv_len(900).with_lse();
    let mods = ScoreMods::none().sinks(vec![40.0, 0.0]);
    let (q, qf) = unit_data::<f32>(desc.q_len_elems() as usize, 9);
    let (k, kf) = unit_data::<f32>(desc.kv_len_elems() as usize, 10);
    let (v, vf) = unit_data::<f32>(desc.kv_len_elems() as usize, 11);
    let (want, want_lse) = attention_ref_mods(&desc, None, &mods, &qf, &kf, &vf, None);
    for cfg in attention_candidates(ctx.caps(), &ctx.limits(), &desc, 16) {
        let plan = AttentionPlan::with_mods(ctx, desc, None, &mods, Some(cfg)).unwrap();
        let (o, lse) = pollster::block_on(plan.run_host(&q, &k, &v)).unwrap();
        // Head 0's output is ~e^-40 of head 1's: compare each head on its own scale.
        for h in 0..2 {
            let got: Vec<f64> = o[h * 64..(h + 1) * 64].iter().map(|&x| x as f64).collect();
            let c = compare(
                &got,
                &want[h * 64..(h + 1) * 64],
                Tolerance::attention(attention_compute_dtype(&cfg), DType::F32, 900, 64),
            );
            assert!(
                c.pass,
                "{} head {h}: rel L2 {:.3e}",
                cfg.label(),
                c.rel_l2_err
            );
        }
        let lse_tol = Tolerance::attention_max_abs(attention_compute_dtype(&cfg), DType::F32);
        for (g, w) in lse.unwrap().iter().zip(&want_lse) {
            assert!(
                (*g as f64 - w).abs() < lse_tol,
                "{}: lse {g} vs {w}",
                cfg.label()
            );
        }
    }
}

#[test]
fn mask_updates_keep_the_modifiers() {
    let ctx = ctx();
    let desc = AttentionDesc::new(1, 3, 90, 32).kv_len(120).with_lse();
    let mods = test_all_mods(&desc);
    let b = MaskBuilder::new(90, 120, 64, 64);
    let first = b.build(&Pattern::Causal).unwrap();
    // A larger word list: the per-head values move behind it.
    let second = b
        .build(&Pattern::closure(|i, j| (i + 2 * j) % 3 == 0 || j == 5))
        .unwrap();
    let mut plan = AttentionPlan::with_mods(ctx, desc, Some(&first), &mods, None).unwrap();
    let (q, qf) = unit_data::<f32>(desc.q_len_elems() as usize, 21);
    let (k, kf) = unit_data::<f32>(desc.kv_len_elems() as usize, 22);
    let (v, vf) = unit_data::<f32>(desc.kv_len_elems() as usize, 23);
    for mask in [&first, &second] {
        plan.update_mask(mask).unwrap();
        let (o, lse) = pollster::block_on(plan.run_host(&q, &k, &v)).unwrap();
        let (want, want_lse) = attention_ref_mods(&desc, Some(mask), &mods, &qf, &kf, &vf, None);
        let err = o
            .iter()
            .zip(&want)
            .map(|(g, w)| (*g as f64 - w).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-4, "max abs error {err}");
        for (g, w) in lse.unwrap().iter().zip(&want_lse) {
            assert!((*g as f64 - w).abs() < 1e-4, "lse {g} vs {w}");
        }
    }
}

#[test]
fn coop_modifiers_match_reference() {
    if !has_coop("coop_modifiers_match_reference") {
        return;
    }
    for (i, case) in attention_mods_cases().into_iter().enumerate() {
        for dtype in [DType::F32, DType::F16] {
            let mut case = case.clone();
            case.desc.dtype = dtype;
            let bq = case.block_q(ctx());
            let coop = attention_candidates(ctx().caps(), &ctx().limits(), &case.desc, bq)
                .into_iter()
                .find(|c| c.variant() == AttentionVariant::Coop);
            match coop {
                Some(c) => assert_passes(&case, Some(c), 80 + i as u64),
                // Head dims the coop tile does not divide (80 with 16x16 tiles) have none.
                None => assert!(!case.desc.head_dim.is_multiple_of(16), "{:?}", case.desc),
            }
        }
    }
}

#[test]
fn t5_buckets_follow_a_growing_cache_and_a_bias_refuses_to() {
    let ctx = ctx();
    // Decode-like: 4 queries over a cache that grows from 100 to 300 keys; max distance 200, so
    // the table's reach grows with the cache (100 -> 200) and must be rewritten with the mask.
    let b = MaskBuilder::new(4, 100, 16, 64);
    let mut grow = GrowingMask::single(&b, &Pattern::Causal).unwrap();
    let desc = AttentionDesc::new(1, 2, 4, 32).kv_len(100).with_lse();
    let mods = ScoreMods::none().t5(test_t5(2, 32, 200, false));
    let mut plan = AttentionPlan::with_mods(ctx, desc, Some(grow.mask()), &mods, None).unwrap();
    for nkv in [100, 300] {
        if nkv > 100 {
            grow.extend_kv(nkv).unwrap();
            plan.extend_kv(grow.mask()).unwrap();
        }
        let d = desc.kv_len(nkv);
        let (q, qf) = unit_data::<f32>(d.q_len_elems() as usize, 41);
        let (k, kf) = unit_data::<f32>(d.kv_len_elems() as usize, 42);
        let (v, vf) = unit_data::<f32>(d.kv_len_elems() as usize, 43);
        let (o, lse) = pollster::block_on(plan.run_host(&q, &k, &v)).unwrap();
        let (want, want_lse) =
            attention_ref_mods(&d, Some(grow.mask()), &mods, &qf, &kf, &vf, None);
        let got: Vec<f64> = o.iter().map(|&x| x as f64).collect();
        let cfg = *plan.config();
        let c = compare(
            &got,
            &want,
            Tolerance::attention(attention_compute_dtype(&cfg), DType::F32, nkv, 32),
        );
        assert!(c.pass, "nkv {nkv}: rel L2 {:.3e}", c.rel_l2_err);
        for (g, w) in lse.unwrap().iter().zip(&want_lse) {
            assert!((*g as f64 - w).abs() < 1e-4, "nkv {nkv}: lse {g} vs {w}");
        }
    }
    // A bias tensor is sized for its nkv: growing the cache under it is a typed error and
    // leaves the plan as it was.
    let d = AttentionDesc::new(1, 2, 4, 32).kv_len(300);
    let mods = ScoreMods::none().bias(test_bias(&d, false, false, 5));
    let mut plan = AttentionPlan::with_mods(ctx, d, Some(grow.mask()), &mods, None).unwrap();
    grow.extend_kv(301).unwrap();
    assert!(matches!(plan.extend_kv(grow.mask()), Err(Error::Shape(_))));
    assert_eq!(plan.desc().nkv, 300);
}

#[test]
fn a_bias_plan_has_its_own_pipeline_with_one_more_binding() {
    let ctx = ctx();
    // Head dim 52 (D4 = 13) is this test's alone.
    let desc = AttentionDesc::new(1, 2, 40, 52).kv_len(45);
    let mine = || attention_builds(13);
    let plain = AttentionPlan::new(ctx, desc, None, None).unwrap();
    let t5 = ScoreMods::none().t5(test_t5(2, 8, 16, true));
    AttentionPlan::with_mods(ctx, desc, None, &t5, None).unwrap();
    let before = mine();
    assert_eq!(before.len(), 2, "{before:?}");
    assert!(before.iter().all(|l| !l.contains("Bias")), "{before:?}");
    let bias = ScoreMods::none().bias(test_bias(&desc, false, true, 3));
    let with = AttentionPlan::with_mods(ctx, desc, None, &bias, None).unwrap();
    let after = mine();
    assert_eq!(after.len(), 3, "{after:?}");
    assert!(
        after[2].contains("Bias") && after[2].contains("MODS=16"),
        "{}",
        after[2]
    );
    assert_eq!(with.config(), plain.config());
    // Caller-owned buffers: the plain plan binds the 8 bindings it always had, the bias plan
    // adds its own bias buffer; both run.
    let (q, _) = unit_data::<f32>(desc.q_len_elems() as usize, 1);
    let qb = ctx.upload("Q", &q).unwrap();
    let kb = ctx
        .upload("K", &unit_data::<f32>(desc.kv_len_elems() as usize, 2).0)
        .unwrap();
    let ob = ctx.storage("O", desc.o_len_elems() * 4).unwrap();
    for plan in [&plain, &with] {
        let bound = plan.bind(&qb, &kb, &kb, &ob, None).unwrap();
        ctx.submit(|pass| bound.record(pass)).unwrap();
    }
    let host_out: Vec<f32> = pollster::block_on(wgkernels::runtime::read_buffer(
        ctx,
        &ob,
        ob.size() as usize / 4,
    ))
    .unwrap();
    // The same bias from the caller's buffer (same pipeline): not bindable before the buffer is
    // set, a short buffer is a typed error, then the output is the host-bias plan's, exactly.
    let (db, dh, dq, dk) = (1, 2, desc.nq, desc.nkv);
    let on_dev = ScoreMods::none().bias(BiasTensor::on_device(db, dh, dq, dk));
    let mut dev = AttentionPlan::with_mods(ctx, desc, None, &on_dev, None).unwrap();
    assert_eq!(
        attention_builds(13).len(),
        3,
        "the device bias built a pipeline"
    );
    assert!(matches!(
        dev.bind(&qb, &kb, &kb, &ob, None),
        Err(Error::Shape(_))
    ));
    let values = &bias.bias.as_ref().unwrap().values;
    let short = ctx.upload("bias", &values[1..]).unwrap();
    assert!(dev.set_bias_buffer(&short).is_err());
    let full = ctx.upload("bias", &values[..]).unwrap();
    dev.set_bias_buffer(&full).unwrap();
    let ob2 = ctx.storage("O", desc.o_len_elems() * 4).unwrap();
    let bound = dev.bind(&qb, &kb, &kb, &ob2, None).unwrap();
    ctx.submit(|pass| bound.record(pass)).unwrap();
    let dev_out: Vec<f32> = pollster::block_on(wgkernels::runtime::read_buffer(
        ctx,
        &ob2,
        ob2.size() as usize / 4,
    ))
    .unwrap();
    assert_eq!(dev_out, host_out);
    // A plan without a bias has no bias buffer to set.
    assert!(matches!(
        AttentionPlan::new(ctx, desc, None, None)
            .unwrap()
            .set_bias_buffer(&full),
        Err(Error::Shape(_))
    ));
}

#[test]
fn bad_modifiers_are_typed_errors() {
    let ctx = ctx();
    let desc = AttentionDesc::new(1, 4, 10, 32);
    let mut nan_bias = vec![0.0; 100];
    nan_bias[57] = f32::NAN;
    let mut inf_t5 = vec![0.0; 4 * 8];
    inf_t5[9] = f32::NEG_INFINITY;
    for mods in [
        ScoreMods::none().softcap(-1.0),
        ScoreMods::none().softcap(f32::INFINITY),
        ScoreMods::none().alibi(vec![0.5; 3]),
        ScoreMods::none().sinks(vec![0.0, 1.0, f32::NAN, 0.0]),
        // T5: a table for 3 heads, too few buckets, a max distance inside the exact buckets,
        // a value that is not finite.
        ScoreMods::none().t5(T5Bias::new(8, 20, true, vec![0.0; 3 * 8])),
        ScoreMods::none().t5(T5Bias::new(3, 20, true, vec![0.0; 4 * 3])),
        ScoreMods::none().t5(T5Bias::new(8, 4, false, vec![0.0; 4 * 8])),
        ScoreMods::none().t5(T5Bias::new(8, 20, false, inf_t5)),
        // Bias: 2 heads of 4, the wrong lengths, too few values, a NaN.
        ScoreMods::none().bias(BiasTensor::new(1, 2, 10, 10, vec![0.0; 200])),
        ScoreMods::none().bias(BiasTensor::new(1, 1, 10, 11, vec![0.0; 110])),
        ScoreMods::none().bias(BiasTensor::new(1, 1, 10, 10, vec![0.0; 99])),
        ScoreMods::none().bias(BiasTensor::new(1, 1, 10, 10, nan_bias)),
    ] {
        match AttentionPlan::with_mods(ctx, desc, None, &mods, None) {
            Err(Error::Shape(_)) => {}
            other => panic!("{mods:?}: expected a shape error, got {other:?}"),
        }
    }
}
