//! Paged KV cache: K and V in a pool of pages, a shuffled page table and a length per sequence,
//! several sequences of different lengths in one dispatch (decode and chunked prefill), against
//! the f64 reference over the gathered pages: every variant the dispatcher can pick for a paged
//! plan, GQA, f16, a causal mask and a pattern with partial blocks and stripes, modifiers; table
//! and length updates without a rebuild; pipelines shared across shapes; typed errors.

mod common;

use common::{ctx, has_coop, has_f16};
use wgkernels::harness::tolerance::{compare, Tolerance};
use wgkernels::ops::attention::paged::{
    check_paged, paged_cases, paged_reference, paged_variants_to_check, PagedCase,
};
use wgkernels::ops::attention::verify::{test_sinks, unit_data};
use wgkernels::{
    AttentionConfig, AttentionDesc, AttentionPlan, BlockMask, DType, Error, MaskBuilder, PagedKv,
    Pattern, ScoreMods,
};

fn assert_passes(case: &PagedCase, config: Option<AttentionConfig>, seed: u64) {
    let c = check_paged(ctx(), case, config, seed);
    assert!(
        c.pass,
        "{} on {}: rel L2 {:.3e} (tol {:.3e}) max abs {:.3e} ({:?})",
        c.config, c.shape, c.rel_l2_err, c.tolerance, c.max_abs_err, c.error
    );
    assert_ne!(c.variant, "coop");
}

/// Asserts an f32 output of a paged plan without modifiers against the reference for the f64
/// inputs `[q, k pool, v pool]`.
#[allow(clippy::too_many_arguments)]
fn assert_f32_output(
    got: &[f32],
    desc: &AttentionDesc,
    kv: &PagedKv,
    mask: Option<&BlockMask>,
    [qf, kf, vf]: [&[f64]; 3],
    table: &[u32],
    lens: &[u32],
    what: &str,
) {
    let none = ScoreMods::none();
    let (want, _) = paged_reference(desc, kv, mask, &none, qf, kf, vf, table, lens).unwrap();
    let got: Vec<f64> = got.iter().map(|&x| x as f64).collect();
    let tol = Tolerance::attention(DType::F32, DType::F32, desc.nkv, desc.head_dim);
    let c = compare(&got, &want, tol);
    assert!(
        c.pass && c.max_abs_err <= Tolerance::attention_max_abs(DType::F32, DType::F32),
        "{what}: rel L2 {:.3e}, max abs {:.3e}",
        c.rel_l2_err,
        c.max_abs_err
    );
}

/// Capacity 80 keys in pages of 16, head dim 32, GQA 4:2, with the LSE.
fn decode_case(nq: u32, lens: Vec<u32>) -> (AttentionDesc, PagedKv, Vec<u32>) {
    let kv = PagedKv::new(16, 29, 5);
    let desc = AttentionDesc::new(lens.len() as u32, 4, nq, 32)
        .gqa(2)
        .kv_len(kv.capacity() as u32)
        .with_lse();
    (desc, kv, lens)
}

fn window_and_sinks(nq: u32, nkv: u32) -> BlockMask {
    MaskBuilder::new(nq, nkv, 16, 16)
        .build(&Pattern::causal_window(21).or(Pattern::Stripes(vec![0, 1, 2, 35])))
        .unwrap()
}

#[test]
fn the_verify_list_passes_on_every_variant() {
    // Decode (sequences of the capacity, 1 key, tails, a page multiple, an idle slot), chunked
    // prefill, dense and under a pattern with partial blocks and stripes, modifiers, f16.
    let cases = paged_cases();
    assert!(cases.iter().any(|c| c.desc.nq == 1 && c.pattern.is_some()));
    assert!(cases.iter().any(|c| c.desc.nq > 1 && c.pattern.is_some()));
    assert!(cases
        .iter()
        .any(|c| c.lens.contains(&1) && c.lens.contains(&0)));
    for (i, case) in cases.iter().enumerate() {
        if case.desc.dtype == DType::F16 && !has_f16("paged f16 case") {
            continue;
        }
        let configs = paged_variants_to_check(ctx(), case);
        assert!(!configs.is_empty());
        for (j, cfg) in configs.into_iter().map(Some).chain([None]).enumerate() {
            assert_passes(case, cfg, 100 + 10 * i as u64 + j as u64);
        }
    }
}

#[test]
fn paged_causal_mask_modifiers_without_gqa_and_long_chunks() {
    let ctx = ctx();
    let (desc, kv, lens) = decode_case(1, vec![80, 1, 33, 0, 48, 17]);
    let causal = PagedCase {
        desc,
        kv,
        lens,
        pattern: Some(Pattern::Causal),
        mods: ScoreMods::none(),
    };
    // Dv != D, pages of 32, two queries per sequence, every modifier.
    let mods = PagedCase {
        desc: AttentionDesc::new(3, 3, 2, 64)
            .kv_len(96)
            .value_dim(32)
            .with_lse(),
        kv: PagedKv::new(32, 11, 3),
        lens: vec![96, 2, 50],
        pattern: None,
        mods: ScoreMods::none()
            .softcap(1.5)
            .alibi(ScoreMods::alibi_standard(3))
            .sinks(test_sinks(3)),
    };
    // A long prefill chunk (37 queries: more than a decode's query block, a tail block).
    let (desc, kv, lens) = decode_case(37, vec![80, 37, 50]);
    let long = PagedCase {
        desc,
        kv,
        lens,
        pattern: Some(Pattern::causal_window(30).or(Pattern::Stripes(vec![3]))),
        mods: ScoreMods::none(),
    };
    let dense_long = PagedCase {
        pattern: None,
        ..long.clone()
    };
    for (i, case) in [causal, mods, long, dense_long].iter().enumerate() {
        for (j, cfg) in paged_variants_to_check(ctx, case).into_iter().enumerate() {
            assert_passes(case, Some(cfg), 300 + 10 * i as u64 + j as u64);
        }
    }
}

#[test]
fn page_and_length_updates_need_no_rebuild_and_pipelines_are_shared() {
    let ctx = ctx();
    // Head dim 36 (D4 = 9) is this test's alone, so parallel tests do not add to its builds.
    let mine = || -> Vec<String> {
        ctx.pipeline_builds()
            .into_iter()
            .map(|b| b.label)
            .filter(|l| l.starts_with("Attn") && !l.starts_with("AttnMerge") && l.contains("D4=9,"))
            .collect()
    };
    let kv = PagedKv::new(16, 29, 5);
    let desc = AttentionDesc::new(3, 4, 1, 36).gqa(2).kv_len(80).with_lse();
    let (q, qf) = unit_data::<f32>(desc.q_len_elems() as usize, 7);
    let (k, kf) = unit_data::<f32>(kv.pool_elems(2, 36) as usize, 8);
    let (v, vf) = unit_data::<f32>(kv.pool_elems(2, 36) as usize, 9);
    let (qb, kb, vb) = (
        ctx.upload("q", &q).unwrap(),
        ctx.upload("k", &k).unwrap(),
        ctx.upload("v", &v).unwrap(),
    );
    let ob = ctx.storage("o", desc.o_len_elems() * 4).unwrap();
    let lb = ctx.storage("lse", desc.rows() * 4).unwrap();
    let mut plan = AttentionPlan::paged(ctx, desc, None, &ScoreMods::none(), kv, None).unwrap();
    let builds = mine();
    assert!(
        !builds.is_empty() && builds.iter().all(|l| l.contains("PAGED=1")),
        "{builds:?}"
    );
    let bound = plan.bind(&qb, &kb, &vb, &ob, Some(&lb)).unwrap();
    // Decode steps: sequences grow by one key (crossing page boundaries), one finishes and its
    // slot restarts; the same bound form runs every step.
    for (step, lens) in [[1, 15, 0], [2, 16, 40], [3, 17, 41], [1, 64, 80]]
        .into_iter()
        .enumerate()
    {
        let table = kv.shuffled_table(&lens, 50 + step as u64).unwrap();
        plan.set_pages(&table, &lens).unwrap();
        ctx.submit(|pass| bound.record(pass)).unwrap();
        let got: Vec<f32> = pollster::block_on(wgkernels::read_buffer(
            ctx,
            &ob,
            desc.o_len_elems() as usize,
        ))
        .unwrap();
        let what = format!("step {step}");
        assert_f32_output(
            &got,
            &desc,
            &kv,
            None,
            [&qf, &kf, &vf],
            &table,
            &lens,
            &what,
        );
    }
    // Another batch size, capacity and page layout with the same head dims and pick: the same
    // pipelines (lengths, tables and geometry are uniforms and buffer words).
    let kv2 = PagedKv::new(16, 40, 7);
    let desc2 = AttentionDesc::new(5, 4, 1, 36)
        .gqa(2)
        .kv_len(112)
        .with_lse();
    let plan2 = AttentionPlan::paged(ctx, desc2, None, &ScoreMods::none(), kv2, None).unwrap();
    if plan2.config().kernel == plan.config().kernel {
        assert_eq!(mine(), builds, "a new pipeline was built");
    }
    // The paged pipeline carries the PAGED constant; a contiguous plan of the same call builds
    // none with it.
    let plain = AttentionPlan::new(ctx, desc, None, None).unwrap();
    assert!(plain.paged_kv().is_none());
    let after = mine();
    assert_eq!(after.len(), builds.len() + 1, "{after:?}");
    assert!(!after.last().unwrap().contains("PAGED"), "{after:?}");
}

#[test]
fn bad_paged_input_is_a_typed_error() {
    let ctx = ctx();
    let none = ScoreMods::none();
    let (desc, kv, _) = decode_case(2, vec![0; 2]);
    let mut plan = AttentionPlan::paged(ctx, desc, None, &none, kv, None).unwrap();
    let table = vec![0u32; 2 * 5];
    // Page id outside the pool, length over the capacity or under the chunk, wrong sizes.
    let mut bad = table.clone();
    bad[7] = 29;
    assert!(matches!(
        plan.set_pages(&bad, &[2, 80]),
        Err(Error::Shape(_))
    ));
    assert!(matches!(
        plan.set_pages(&table, &[81, 2]),
        Err(Error::Shape(_))
    ));
    assert!(matches!(
        plan.set_pages(&table, &[1, 2]),
        Err(Error::Shape(_))
    ));
    assert!(plan.set_pages(&table[1..], &[2, 2]).is_err());
    assert!(plan.set_pages(&table, &[2]).is_err());
    plan.set_pages(&table, &[2, 0]).unwrap();
    // Page sizes that are not a power of two, or smaller than the mask's KV block.
    assert!(matches!(
        AttentionPlan::paged(
            ctx,
            desc.kv_len(120),
            None,
            &none,
            PagedKv::new(24, 8, 5),
            None
        ),
        Err(Error::Unsupported(_))
    ));
    // A bias tensor is refused on a paged cache (a typed error, not a wrong answer).
    let cells = (desc.nq * desc.nkv) as usize;
    let bias = wgkernels::BiasTensor::new(1, 1, desc.nq, desc.nkv, vec![0.5; cells]);
    assert!(matches!(
        AttentionPlan::paged(ctx, desc, None, &ScoreMods::none().bias(bias), kv, None),
        Err(Error::Unsupported(_))
    ));
    let m32 = MaskBuilder::new(2, 80, 16, 32)
        .build(&Pattern::Causal)
        .unwrap();
    let kv80 = PagedKv::new(16, 29, 5);
    assert!(matches!(
        AttentionPlan::paged(ctx, desc, Some(&m32), &none, kv80, None),
        Err(Error::Unsupported(_))
    ));
    // nkv must be the capacity; a zero-sized pool is refused.
    assert!(matches!(
        AttentionPlan::paged(ctx, desc.kv_len(79), None, &none, kv, None),
        Err(Error::Shape(_))
    ));
    assert!(matches!(
        AttentionPlan::paged(ctx, desc, None, &none, PagedKv::new(16, 0, 5), None),
        Err(Error::ZeroSized(_))
    ));
    // K and V are pools: a buffer sized for the contiguous layout is too small.
    let small = ctx.storage("k", desc.kv_len_elems() * 4).unwrap();
    let pool = ctx.storage("pool", kv.pool_elems(2, 32) * 4).unwrap();
    let qb = ctx.storage("q", desc.q_len_elems() * 4).unwrap();
    let lb = ctx.storage("lse", desc.rows() * 4).unwrap();
    assert!(plan.bind(&qb, &small, &pool, &qb, Some(&lb)).is_err());
    assert!(plan.bind(&qb, &pool, &pool, &qb, Some(&lb)).is_ok());
    // A paged plan grows by its lengths; a contiguous one has no pages.
    let mask = MaskBuilder::new(2, 80, 16, 16)
        .build(&Pattern::Causal)
        .unwrap();
    assert!(matches!(plan.extend_kv(&mask), Err(Error::Shape(_))));
    let mut flat = AttentionPlan::new(ctx, desc, None, None).unwrap();
    assert!(matches!(
        flat.set_pages(&table, &[2, 2]),
        Err(Error::Shape(_))
    ));
    assert!(flat.page_table_location().is_none());
    let (_, off, size) = plan.page_table_location().unwrap();
    assert_eq!(size, 4 * (2 + 10));
    assert_eq!(off % 4, 0);
}

#[test]
fn paged_mask_update_keeps_the_pages() {
    let (desc, kv, lens) = decode_case(1, vec![80, 33, 7]);
    let table = kv.shuffled_table(&lens, 77).unwrap();
    let causal = MaskBuilder::new(1, 80, 16, 16)
        .build(&Pattern::Causal)
        .unwrap();
    let window = window_and_sinks(1, 80);
    let (q, qf) = unit_data::<f32>(desc.q_len_elems() as usize, 70);
    let (k, kf) = unit_data::<f32>(kv.pool_elems(2, 32) as usize, 71);
    let (v, vf) = unit_data::<f32>(kv.pool_elems(2, 32) as usize, 72);
    let mut plan =
        AttentionPlan::paged(ctx(), desc, Some(&causal), &ScoreMods::none(), kv, None).unwrap();
    plan.set_pages(&table, &lens).unwrap();
    plan.update_mask(&window).unwrap();
    let (out, _) = pollster::block_on(plan.run_host(&q, &k, &v)).unwrap();
    let f = [&qf[..], &kf, &vf];
    assert_f32_output(
        &out,
        &desc,
        &kv,
        Some(&window),
        f,
        &table,
        &lens,
        "updated mask",
    );
}

/// On adapters with cooperative matrices (Mesa 26 lavapipe): an explicit coop configuration is
/// refused for a paged plan, and the dispatcher's pick (coop is its default for f16 on GPUs)
/// runs a variant that reads pages.
#[test]
fn coop_adapters_run_paged_plans_on_other_variants() {
    if !has_coop("coop_adapters_run_paged_plans_on_other_variants") {
        return;
    }
    let ctx = ctx();
    let (desc, kv, lens) = decode_case(1, vec![80, 1, 33]);
    let desc = desc.dtype(DType::F16);
    let t = ctx.caps().coop_f16_f32_tile().unwrap();
    let coop = AttentionConfig::coop(4 * t, 4 * t, t, ctx.caps().subgroup_min);
    assert!(matches!(
        AttentionPlan::paged(ctx, desc, None, &ScoreMods::none(), kv, Some(coop)),
        Err(Error::Unsupported(_))
    ));
    let case = PagedCase {
        desc,
        kv,
        lens,
        pattern: Some(Pattern::causal_window(21)),
        mods: ScoreMods::none(),
    };
    assert_passes(&case, None, 500);
}

#[test]
fn cli_runs_a_paged_cache_from_npy_pools_and_a_pages_file() {
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    let dir = std::env::temp_dir().join(format!("wgk-paged-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |n: &str| dir.join(n);
    // Two sequences of 20 and 5 keys in pages 4, 1 and 3 of a pool of 5 pages of 16; two
    // queries each (a causal chunk), GQA 2:1, head dim 8.
    let kv = PagedKv::new(16, 5, 2);
    let desc = AttentionDesc::new(2, 2, 2, 8).gqa(1).kv_len(32);
    let (q, qf) = unit_data::<f32>(desc.q_len_elems() as usize, 61);
    let (k, kf) = unit_data::<f32>(kv.pool_elems(1, 8) as usize, 62);
    let (v, vf) = unit_data::<f32>(kv.pool_elems(1, 8) as usize, 63);
    write_npy(&path("q.npy"), &[2, 2, 2, 8], &q).unwrap();
    write_npy(&path("k.npy"), &[5, 1, 16, 8], &k).unwrap();
    write_npy(&path("v.npy"), &[5, 1, 16, 8], &v).unwrap();
    std::fs::write(path("pages.txt"), "20 4 1\n5, 3\n").unwrap();
    std::fs::write(path("bad.txt"), "20 4 9\n5 3\n").unwrap();
    let run = |pages: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_wgkernels"))
            .args(["run", "attention", "--in"])
            .arg(path("q.npy"))
            .arg("--in")
            .arg(path("k.npy"))
            .arg("--in")
            .arg(path("v.npy"))
            .arg("--pages")
            .arg(path(pages))
            .arg("--out")
            .arg(path("o.npy"))
            .output()
            .expect("the CLI runs")
    };
    let o = run("pages.txt");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got = match read_npy(&path("o.npy")).unwrap().data {
        NpyData::F32(x) => x,
        _ => panic!("expected f32"),
    };
    let f = [&qf[..], &kf, &vf];
    assert_f32_output(&got, &desc, &kv, None, f, &[4, 1, 3, 0], &[20, 5], "CLI");
    // A page outside the pool is a typed error naming it.
    let o = run("bad.txt");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("page 9, outside the pool of 5 pages"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
