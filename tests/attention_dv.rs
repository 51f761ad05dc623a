//! `Dv ≠ Dqk`: every variant the dispatcher can pick (and every candidate on one case) against
//! the f64 reference on value dims larger and smaller than the key dim, with tails, masks, GQA,
//! the LSE and split-KV decode; `Dv = Dqk` is the plain description (same constants, same
//! pipeline); bad value dims and buffers sized for the wrong dim are typed errors.

mod common;

use common::{ctx, has_coop};
use wgkernels::harness::verify::Tier;
use wgkernels::ops::attention::config::attention_candidates;
use wgkernels::ops::attention::verify::{
    attention_cases, attention_dv_cases, attention_variants_to_check, check_attention, AttnCase,
};
use wgkernels::{AttentionDesc, AttentionPlan, AttentionVariant, Error, Pattern};

#[test]
fn every_candidate_runs_dv_unlike_dqk_coop_too() {
    let ctx = ctx();
    let mut ran = Vec::new();
    for (i, case) in attention_dv_cases().into_iter().enumerate() {
        if case.desc.dtype == wgkernels::DType::F16 && !ctx.caps().f16 {
            continue;
        }
        // Every candidate on the masked GQA case, one per variant on the others (the verify
        // list's picks: the same pipelines, so CI compiles few new ones).
        let cands = if i == 1 {
            attention_candidates(ctx.caps(), &ctx.limits(), &case.desc, case.block_q(ctx))
        } else {
            attention_variants_to_check(ctx, &case)
        };
        assert!(!cands.is_empty(), "no candidate for case {i}");
        for cfg in cands {
            ran.push(cfg.variant());
            let c = check_attention(ctx, &case, Some(cfg), 40 + i as u64);
            assert!(
                c.pass,
                "{} on {}: rel L2 {:.3e} (tol {:.3e}) ({:?})",
                c.config, c.shape, c.rel_l2_err, c.tolerance, c.error
            );
        }
    }
    assert!(ran.contains(&AttentionVariant::Tiled));
    let caps = ctx.caps();
    if caps.subgroups && caps.subgroup_min == caps.subgroup_max {
        assert!(
            ran.contains(&AttentionVariant::Subgroup),
            "subgroup never ran"
        );
    }
    if has_coop("dv coop part") {
        assert!(ran.contains(&AttentionVariant::Coop), "coop never ran");
    }
}

#[test]
fn the_verify_list_carries_the_dv_cases() {
    // `tests/attention.rs` runs the list on every variant; here only that the cases are in it.
    for tier in [Tier::Standard, Tier::Full] {
        let n = attention_cases(tier)
            .iter()
            .filter(|c| c.desc.value_dim.is_some())
            .count();
        assert_eq!(n, attention_dv_cases().len(), "{tier:?}");
    }
}

#[test]
fn equal_value_dim_is_the_plain_plan_and_bad_dims_are_errors() {
    let ctx = ctx();
    let plain = AttentionDesc::new(1, 2, 40, 64);
    assert_eq!(
        plain.value_dim(64),
        plain,
        "Dv = D must be the plain description"
    );
    let a = AttentionPlan::new(ctx, plain, None, None).unwrap();
    let b = AttentionPlan::new(ctx, plain.value_dim(64), None, None).unwrap();
    assert_eq!(a.config(), b.config());
    for dv in [0, 6, 260] {
        let e = AttentionPlan::new(ctx, plain.value_dim(dv), None, None);
        assert!(
            matches!(e, Err(Error::Unsupported(_)) | Err(Error::ZeroSized(_))),
            "dv {dv}: {e:?}"
        );
    }
    // Buffers are checked against the value dim: O sized for Dqk is too small for Dv > Dqk.
    let desc = AttentionDesc::new(1, 1, 8, 32).value_dim(64);
    let plan = AttentionPlan::new(ctx, desc, None, None).unwrap();
    let q = ctx.storage("q", desc.q_len_elems() * 4).unwrap();
    let k = ctx.storage("k", desc.kv_len_elems() * 4).unwrap();
    let v = ctx.storage("v", desc.v_len_elems() * 4).unwrap();
    let small_o = ctx.storage("o", desc.q_len_elems() * 4).unwrap();
    assert!(plan.bind(&q, &k, &v, &small_o, None).is_err());
    let small_v = ctx.storage("v", desc.kv_len_elems() * 4).unwrap();
    let o = ctx.storage("o", desc.o_len_elems() * 4).unwrap();
    assert!(plan.bind(&q, &k, &small_v, &o, None).is_err());
    assert!(plan.bind(&q, &k, &v, &o, None).is_ok());
    // A masked Dv case runs with the dispatcher's pick too.
    let case = AttnCase::masked(
        AttentionDesc::new(1, 2, 33, 48).value_dim(16).kv_len(90),
        Pattern::Causal,
    );
    let c = check_attention(ctx, &case, None, 7);
    assert!(c.pass, "{c:?}");
}
