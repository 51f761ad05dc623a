//! N:M sparse GEMM: the format (round trips, the documented layout, prune semantics, typed
//! errors naming the offending group), every kernel variant against the f64 reference on the
//! decompressed matrix over awkward shapes and every pattern, caller-owned buffers, bad input,
//! and random shapes (proptest).

mod common;

use common::{ctx, has_coop, has_f16};
use half::f16;
use proptest::prelude::*;
use wgkernels::harness::verify::Tier;
use wgkernels::ops::sparse_gemm::config::sparse_gemm_candidates;
use wgkernels::ops::sparse_gemm::verify::check_sparse_gemm;
use wgkernels::ops::sparse_gemm::verify::random_nm;
use wgkernels::ops::sparse_gemm::verify::sparse_patterns;
use wgkernels::ops::sparse_gemm::verify::sparse_shapes;
use wgkernels::ops::sparse_gemm::{prune, upload_words, validate_meta};
use wgkernels::ops::verify_op;
use wgkernels::{
    DType, Error, NmMatrix, NmPattern, SparseConfig, SparseGemmDesc, SparseGemmPlan, SparseVariant,
};

fn p(n: u32, m: u32) -> NmPattern {
    NmPattern::new(n, m).unwrap()
}

fn assert_passes(desc: &SparseGemmDesc, cfg: SparseConfig, seed: u64) {
    let c = check_sparse_gemm(ctx(), desc, cfg, seed);
    assert!(
        c.pass,
        "{} on {:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
        c.config, desc, c.rel_l2_err, c.tolerance, c.error
    );
}

// ---- format ---------------------------------------------------------------------------------

#[test]
fn documented_2_4_layout() {
    // Row 0: groups [0 5 0 7] and [1 0 2 0]; row 1: [0 0 0 0] and [0 0 9 0].
    let dense = [
        0.0f32, 5.0, 0.0, 7.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 9.0, 0.0,
    ];
    let a = NmMatrix::compress(&dense, 2, 8, NmPattern::TWO_FOUR).unwrap();
    // Kept values in group order; an under-full group keeps its lowest-index zeros.
    assert_eq!(a.values(), &[5.0, 7.0, 1.0, 2.0, 0.0, 0.0, 0.0, 9.0]);
    // 2 bits per index, lower index in the low bits, 8 groups per word, one word per row here.
    // Row 0: (1, 3) -> 0b1101, (0, 2) -> 0b1000 << 4. Row 1: (0, 1) -> 0b0100, (0, 2) -> 0b1000 << 4.
    assert_eq!(a.meta(), &[0b1000_1101, 0b1000_0100]);
    assert_eq!(a.decompress(), dense.to_vec());
    assert_eq!(NmPattern::TWO_FOUR.bits(), 2);
    assert_eq!(NmPattern::TWO_FOUR.per_word(), 16);
}

#[test]
fn metadata_packing_for_every_group_length() {
    for (m, bits, per_word) in [
        (2, 1, 32),
        (3, 2, 16),
        (4, 2, 16),
        (5, 3, 10),
        (8, 3, 10),
        (9, 4, 8),
        (16, 4, 8),
    ] {
        let pat = p(1, m);
        assert_eq!((pat.bits(), pat.per_word()), (bits, per_word), "M = {m}");
    }
    // 3:8, K = 32: 12 kept values per row at 3 bits, 10 per word -> two words, the second with
    // 2 indices; kept value j sits in word j / 10 at bit 3·(j mod 10).
    let (a, _) = random_nm::<f32>(3, 32, p(3, 8), 7).unwrap();
    assert_eq!(a.meta().len(), 3 * 2);
    for r in 0..3 {
        for j in 0..12 {
            let word = a.meta()[r * 2 + j / 10];
            assert_eq!((word >> (3 * (j % 10))) & 7, a.index(r, j));
        }
        assert_eq!(a.meta()[r * 2 + 1] >> 6, 0, "unused bits are zero");
    }
}

#[test]
fn round_trips_for_every_pattern() {
    for (i, pat) in sparse_patterns().into_iter().enumerate() {
        let (rows, k) = (5 + i, pat.m as usize * (1 + i % 5));
        let (a, af) = random_nm::<f32>(rows, k, pat, i as u64).unwrap();
        let dense = a.decompress();
        assert_eq!(dense.iter().map(|&x| x as f64).collect::<Vec<_>>(), af);
        // compress ∘ decompress is the identity on compressed input, decompress ∘ compress on
        // valid N:M dense input.
        let again = NmMatrix::compress(&dense, rows, k, pat).unwrap();
        assert_eq!(again, a, "pattern {pat}");
        assert_eq!(again.decompress(), dense);
        let parts =
            NmMatrix::from_parts(rows, k, pat, a.values().to_vec(), a.meta().to_vec()).unwrap();
        assert_eq!(parts, a);
        validate_meta(a.meta(), rows, k, pat).unwrap();
        // f16 as well.
        let (h, _) = random_nm::<f16>(rows, k, pat, 100 + i as u64).unwrap();
        assert_eq!(
            NmMatrix::compress(&h.decompress(), rows, k, pat).unwrap(),
            h
        );
    }
}

#[test]
fn prune_keeps_the_largest_magnitudes_ties_to_the_lower_index() {
    let pat = NmPattern::TWO_FOUR;
    let cases: [([f32; 4], [f32; 4]); 6] = [
        ([1.0, -3.0, 2.0, 0.5], [0.0, -3.0, 2.0, 0.0]),
        ([1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0]),
        ([0.0, -2.0, 2.0, 2.0], [0.0, -2.0, 2.0, 0.0]),
        ([0.0, 0.0, 0.0, 4.0], [0.0, 0.0, 0.0, 4.0]),
        ([f32::NAN, 1.0, 5.0, -9.0], [f32::NAN, 0.0, 0.0, -9.0]),
        ([-0.0, 3.0, -3.0, 1.0], [0.0, 3.0, -3.0, 0.0]),
    ];
    for (input, want) in cases {
        let got = prune(&input, 1, 4, pat).unwrap();
        for (g, w) in got.iter().zip(want) {
            assert!(
                g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()) || (*g == 0.0 && w == 0.0),
                "prune {input:?} = {got:?}, want {want:?}"
            );
        }
        NmMatrix::compress(&got, 1, 4, pat).unwrap();
    }
    // 1:3 and 3:5 on one row: lower index wins ties.
    assert_eq!(
        prune(&[2.0f32, -2.0, 2.0], 1, 3, p(1, 3)).unwrap(),
        vec![2.0, 0.0, 0.0]
    );
    assert_eq!(
        prune(&[1.0f32, 5.0, 1.0, 5.0, 1.0], 1, 5, p(3, 5)).unwrap(),
        vec![1.0, 5.0, 0.0, 5.0, 0.0]
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]
    #[test]
    fn prune_keeps_n_and_no_dropped_value_beats_a_kept_one(
        pick in 0usize..15, rows in 1usize..5, groups in 1usize..6, seed in 0u64..10_000,
    ) {
        let pat = sparse_patterns()[pick];
        let k = groups * pat.m as usize;
        let (x, _) = wgkernels::harness::verify::random_data::<f32>(rows * k, seed);
        let y = prune(&x, rows, k, pat).unwrap();
        for g in 0..rows * groups {
            let m = pat.m as usize;
            let (xs, ys) = (&x[g * m..g * m + m], &y[g * m..g * m + m]);
            let kept: Vec<usize> = (0..m).filter(|&i| ys[i] != 0.0).collect();
            prop_assert!(kept.len() <= pat.n as usize);
            for i in 0..m {
                prop_assert!(ys[i] == 0.0 || ys[i] == xs[i], "pruning changed a kept value");
            }
            let min_kept = kept.iter().map(|&i| xs[i].abs()).fold(f32::INFINITY, f32::min);
            for i in (0..m).filter(|i| !kept.contains(i)) {
                prop_assert!(kept.len() < pat.n as usize || xs[i].abs() <= min_kept, "dropped {} kept {min_kept}", xs[i]);
            }
        }
        let a = NmMatrix::compress(&y, rows, k, pat).unwrap();
        prop_assert_eq!(a.decompress(), y);
    }
}

#[test]
fn compressed_bytes_match_the_issue() {
    let (a, _) = random_nm::<f16>(64, 4096, NmPattern::TWO_FOUR, 1).unwrap();
    assert_eq!(a.compressed_bytes() as f64 / a.dense_bytes() as f64, 0.5625);
    let (b, _) = random_nm::<f32>(64, 4096, NmPattern::TWO_FOUR, 1).unwrap();
    assert_eq!(
        b.compressed_bytes() as f64 / b.dense_bytes() as f64,
        0.53125
    );
    assert_eq!(NmPattern::TWO_FOUR.compressed_fraction(2), 0.5625);
    assert_eq!(NmPattern::TWO_FOUR.compressed_fraction(4), 0.53125);
    let d = SparseGemmDesc::linear(1, 4096, 4096, NmPattern::TWO_FOUR);
    assert_eq!(
        d.sparse_bytes() as f64 / d.sparse_dense_bytes() as f64,
        0.53125
    );
}

#[test]
fn format_errors_name_the_problem() {
    let pat = NmPattern::TWO_FOUR;
    // Row 1, group 2 (columns 8..12) is the first group with three nonzeros.
    let mut x = vec![0.0f32; 2 * 16];
    x[16 + 8] = 1.0;
    x[16 + 9] = 1.0;
    x[16 + 11] = -1.0;
    x[16 + 12..16 + 16].copy_from_slice(&[1.0, 1.0, 1.0, 1.0]);
    match NmMatrix::compress(&x, 2, 16, pat) {
        Err(Error::NotNm {
            n: 2,
            m: 4,
            row: 1,
            group: 2,
            nonzeros: 3,
        }) => {}
        other => panic!("expected NotNm at row 1 group 2, got {other:?}"),
    }
    let e = NmMatrix::compress(&x, 2, 16, pat).unwrap_err().to_string();
    assert!(e.contains("row 1, group 2 (columns 8..12)"), "{e}");
    // Pruning instead is fine.
    NmMatrix::compress_pruned(&x, 2, 16, pat).unwrap();
    // K not a multiple of M, wrong lengths, unsupported patterns.
    assert!(matches!(
        NmMatrix::compress(&[0.0f32; 6], 1, 6, pat),
        Err(Error::Shape(_))
    ));
    assert!(matches!(
        NmMatrix::compress(&[0.0f32; 7], 1, 8, pat),
        Err(Error::Length {
            have: 7,
            need: 8,
            ..
        })
    ));
    assert!(matches!(
        NmMatrix::compress(&[0.0f32; 0], 0, 8, pat),
        Err(Error::ZeroSized(_))
    ));
    for (n, m) in [(0, 4), (4, 4), (5, 4), (3, 17)] {
        assert!(
            matches!(NmPattern::new(n, m), Err(Error::Shape(_))),
            "{n}:{m}"
        );
    }
    assert!("2:4".parse::<NmPattern>().is_ok());
    assert!("2-4".parse::<NmPattern>().is_err());
    // Inconsistent parts.
    let (a, _) = random_nm::<f32>(3, 16, pat, 3).unwrap();
    let (v, m) = (a.values().to_vec(), a.meta().to_vec());
    assert!(matches!(
        NmMatrix::from_parts(3, 16, pat, v[1..].to_vec(), m.clone()),
        Err(Error::Length {
            name: "N:M values",
            ..
        })
    ));
    assert!(matches!(
        NmMatrix::from_parts(3, 16, pat, v.clone(), m[1..].to_vec()),
        Err(Error::Length {
            name: "N:M metadata",
            ..
        })
    ));
    // Row 2, group 1: indices (2, 2) — not strictly increasing.
    let mut bad = m.clone();
    bad[2] = (bad[2] & !(0xF << 4)) | (0b1010 << 4);
    match NmMatrix::from_parts(3, 16, pat, v.clone(), bad) {
        Err(Error::NmMetadata {
            row: 2, group: 1, ..
        }) => {}
        other => panic!("expected NmMetadata row 2 group 1, got {other:?}"),
    }
    // Stray bits past the row's last index (4 groups use 16 bits).
    let mut stray = m.clone();
    stray[0] |= 1 << 20;
    assert!(matches!(
        NmMatrix::from_parts(3, 16, pat, v.clone(), stray),
        Err(Error::NmMetadata { row: 0, .. })
    ));
    // An index >= M (3:5 stores 3 bits per index).
    let (c, _) = random_nm::<f32>(1, 10, p(3, 5), 4).unwrap();
    let mut big = c.meta().to_vec();
    big[0] = (big[0] & !(7 << 9)) | (7 << 9); // kept value 3 = group 1, first slot
    match NmMatrix::from_parts(1, 10, p(3, 5), c.values().to_vec(), big) {
        Err(Error::NmMetadata {
            row: 0,
            group: 1,
            reason,
        }) => assert!(reason.contains("not below M = 5"), "{reason}"),
        other => panic!("expected index out of range, got {other:?}"),
    }
}

// ---- kernels --------------------------------------------------------------------------------

#[test]
fn verify_list_passes_on_every_variant() {
    let checks = verify_op(ctx(), "sparse_gemm", Tier::Full, &mut |_| {}).unwrap();
    let failed: Vec<_> = checks.iter().filter(|c| !c.pass).collect();
    assert!(failed.is_empty(), "failed: {failed:#?}");
    assert!(
        sparse_shapes(Tier::Full).len() >= 40,
        "verify covers only {} shapes",
        sparse_shapes(Tier::Full).len()
    );
    // Without f16 and subgroups (GL, browsers) those checks are skipped.
    let caps = ctx().caps();
    let min = if caps.f16 && caps.subgroups { 80 } else { 30 };
    assert!(checks.len() >= min, "only {} checks", checks.len());
    for v in ["plain", "gemv-plain"] {
        assert!(
            checks.iter().any(|c| c.variant == v),
            "variant {v} never ran"
        );
    }
    let caps = ctx().caps();
    if caps.subgroups && caps.subgroup_min == caps.subgroup_max && caps.subgroup_min >= 8 {
        for v in ["subgroup", "gemv-sg"] {
            assert!(
                checks.iter().any(|c| c.variant == v),
                "variant {v} never ran"
            );
        }
    }
    if has_coop("verify_list coop part") {
        assert!(
            checks.iter().any(|c| c.variant == "coop"),
            "coop variant never ran"
        );
    }
    // Every pattern ran on some kernel, in both forms.
    for pat in sparse_patterns() {
        let s = pat.to_string();
        for form in ["matmul", "linear"] {
            assert!(
                checks
                    .iter()
                    .any(|c| c.shape["pattern"] == s.as_str() && c.shape["form"] == form),
                "pattern {s} ({form}) never ran"
            );
        }
    }
}

#[test]
fn every_candidate_config_on_awkward_shapes() {
    let ran = awkward_shape_runs(ctx(), &[DType::F32, DType::F16], &|_, _| true);
    assert!(ran > 30, "only {ran} configurations ran");
}

/// Where the shared context runs the sparse kernels of CPU rasterisers on 64-bit words (a CPU
/// adapter with `SHADER_INT64`), the same awkward shapes on their vector-access path (a GPU, or
/// a CPU adapter without 64-bit integers), f32 and f16: the candidates whose kernel has a word
/// form (the others run the same kernel in both contexts, and the test above ran them).
#[test]
fn vector_access_on_awkward_shapes() {
    use wgkernels::ops::sparse_gemm::shaders::{for_device, COLS, COLS_WIDE};
    if for_device(COLS, ctx().caps(), DType::F32).name != COLS_WIDE.name {
        eprintln!("skipped: the shared context runs the vector-access kernels already");
        return;
    }
    let c = common::without_int64();
    assert_eq!(for_device(COLS, c.caps(), DType::F16).name, COLS.name);
    let has_word_form = |d: &SparseGemmDesc, cfg: &SparseConfig| {
        let shader = cfg.shader(d);
        for_device(shader, ctx().caps(), d.dtype).name != shader.name
    };
    let ran = awkward_shape_runs(c, &[DType::F32, DType::F16], &has_word_form);
    assert!(ran > 15, "only {ran} configurations ran");
}

/// [`every_candidate_config_on_awkward_shapes`]'s shapes on every candidate on `c` that `keep`
/// accepts, in each of `dtypes` the device has; returns how many ran.
fn awkward_shape_runs(
    c: &wgkernels::Context,
    dtypes: &[DType],
    keep: &dyn Fn(&SparseGemmDesc, &SparseConfig) -> bool,
) -> usize {
    let pat = NmPattern::TWO_FOUR;
    let shapes = [
        SparseGemmDesc::matmul(67, 45, 28, pat),
        SparseGemmDesc::matmul(1, 1, 4, pat),
        SparseGemmDesc::matmul(130, 9, 36, pat)
            .batch(2)
            .with_bias(true),
        SparseGemmDesc::linear(1, 61, 44, pat).with_bias(true),
        SparseGemmDesc::linear(13, 29, 24, NmPattern { n: 4, m: 8 }).batch(3),
        SparseGemmDesc::matmul(40, 23, 48, NmPattern { n: 1, m: 16 }),
    ];
    let mut ran = 0;
    for &dtype in dtypes.iter().filter(|&&t| t == DType::F32 || c.caps().f16) {
        for (i, d) in shapes.iter().enumerate() {
            let d = d.dtype(dtype);
            for cfg in sparse_gemm_candidates(c.caps(), &c.limits(), &d) {
                if !keep(&d, &cfg) {
                    continue;
                }
                common::assert_check(&check_sparse_gemm(c, &d, cfg, 70 + i as u64), &d);
                ran += 1;
            }
        }
    }
    ran
}

#[test]
fn cols_kernel_on_awkward_shapes() {
    // The column-lanes kernel needs vec4-aligned op(B) rows and subgroups of 8: shapes with
    // tails in rows, columns (tokens) and K (not a multiple of the step), K = M, one row, one
    // column quad, batches, bias, every pattern it takes, f16.
    let p24 = NmPattern::TWO_FOUR;
    let mut shapes = vec![
        SparseGemmDesc::matmul(67, 44, 28, p24),
        SparseGemmDesc::matmul(1, 4, 4, p24),
        SparseGemmDesc::matmul(130, 132, 40, p24)
            .batch(2)
            .with_bias(true),
        SparseGemmDesc::matmul(24, 40, 36, p24)
            .batch(3)
            .shared_sparse(true),
        SparseGemmDesc::matmul(33, 20, 36, p(1, 4)),
        SparseGemmDesc::matmul(17, 8, 2, p(1, 2)),
        SparseGemmDesc::matmul(9, 12, 16, p(4, 16)),
        SparseGemmDesc::linear(1, 61, 44, p24).with_bias(true),
        SparseGemmDesc::linear(5, 33, 40, p24),
        SparseGemmDesc::linear(37, 70, 64, p24)
            .batch(2)
            .with_bias(true),
        SparseGemmDesc::linear(3, 9, 4, p24),
    ];
    if has_f16("cols f16") {
        shapes.push(SparseGemmDesc::matmul(70, 36, 48, p24).dtype(DType::F16));
        shapes.push(
            SparseGemmDesc::linear(18, 40, 56, p24)
                .dtype(DType::F16)
                .with_bias(true),
        );
    }
    let caps = ctx().caps();
    let mut ran = 0;
    for (i, d) in shapes.iter().enumerate() {
        for cfg in sparse_gemm_candidates(caps, &ctx().limits(), d) {
            if cfg.variant() == SparseVariant::Cols {
                assert_passes(d, cfg, 300 + i as u64);
                ran += 1;
            }
        }
        // Every column-lanes configuration, listed or not, that claims the shape.
        for (r, nt, ks) in [(8, 1, 4), (8, 3, 16)] {
            let cfg = SparseConfig::cols(8, r, nt, ks);
            if cfg.valid_for(caps, &ctx().limits(), d) {
                assert_passes(d, cfg, 400 + i as u64);
                ran += 1;
            }
        }
    }
    if caps.subgroups && caps.subgroup_min == 8 && caps.subgroup_max == 8 {
        assert!(ran >= 25, "only {ran} column-lanes configurations ran");
    }
    // Unaligned op(B) rows are not the kernel's: the rows kernels take them.
    let odd = SparseGemmDesc::matmul(16, 45, 32, p24);
    assert!(!SparseConfig::cols(8, 32, 4, 16).valid_for(caps, &ctx().limits(), &odd));
}

/// The tuner measures every candidate that can run a call: its small correctness check must
/// find a shape each one runs (the column-lanes kernel needs vec4-aligned B rows and C stores),
/// else tuning would drop the CPU default at 2048³ and store a slower winner.
#[test]
fn tuner_check_runs_every_candidate_of_the_bench_shapes() {
    use wgkernels::ops::sparse_gemm::tune::SparseTune;
    use wgkernels::tune::TuneOp;
    let p24 = NmPattern::TWO_FOUR;
    let shapes = [
        SparseGemmDesc::matmul(2048, 2048, 2048, p24),
        SparseGemmDesc::linear(16, 4096, 4096, p24),
        SparseGemmDesc::linear(1, 4096, 4096, p24).with_bias(true),
        SparseGemmDesc::matmul(512, 512, 512, p(1, 2)),
    ];
    let (caps, limits) = (ctx().caps(), ctx().limits());
    let mut checked = 0;
    for d in &shapes {
        for cfg in SparseTune::candidates(caps, &limits, d) {
            if cfg.valid_for(caps, &limits, d) {
                let r = pollster::block_on(SparseTune::check(ctx(), d, cfg));
                assert!(r.is_ok(), "{} on {d:?}: {r:?}", cfg.label());
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} candidates checked");
}

#[test]
fn large_batch_and_many_tiles() {
    let pat = NmPattern::TWO_FOUR;
    for d in [
        SparseGemmDesc::matmul(9, 17, 8, pat).batch(300),
        SparseGemmDesc::linear(3, 21, 12, pat)
            .batch(257)
            .with_bias(true),
    ] {
        for cfg in wgkernels::ops::sparse_gemm::verify::sparse_variants_to_check(ctx(), &d) {
            assert_passes(&d, cfg, 11);
        }
    }
}

#[test]
fn coop_sparse_runs_and_matches_reference() {
    if !has_coop("coop_sparse_runs_and_matches_reference") {
        return;
    }
    for dtype in [DType::F32, DType::F16] {
        for d in [
            SparseGemmDesc::matmul(40, 24, 72, NmPattern::TWO_FOUR),
            SparseGemmDesc::matmul(33, 65, 20, NmPattern { n: 3, m: 5 })
                .batch(2)
                .with_bias(true),
            SparseGemmDesc::linear(17, 70, 64, NmPattern { n: 4, m: 8 }).with_bias(true),
            SparseGemmDesc::matmul(128, 128, 128, NmPattern::TWO_FOUR),
        ] {
            let d = d.dtype(dtype);
            let cfgs: Vec<_> = sparse_gemm_candidates(ctx().caps(), &ctx().limits(), &d)
                .into_iter()
                .filter(|c| c.variant() == SparseVariant::Coop)
                .collect();
            assert!(!cfgs.is_empty(), "no coop candidate for {d:?}");
            for c in cfgs {
                assert_passes(&d, c, 9);
            }
        }
    }
}

#[test]
fn caller_owned_buffers_record_twice_and_bias() {
    // Y = X·W_sᵀ + b with W_s = [[0 2 0 1], [3 0 0 -1]], X = [[1 2 3 4]], b = [10, 20].
    let ctx = ctx();
    let pat = NmPattern::TWO_FOUR;
    let w = NmMatrix::compress(&[0.0f32, 2.0, 0.0, 1.0, 3.0, 0.0, 0.0, -1.0], 2, 4, pat).unwrap();
    let d = SparseGemmDesc::linear(1, 2, 4, pat).with_bias(true);
    let plan = SparseGemmPlan::new(ctx, d, None).unwrap();
    let vb = ctx.upload("w values", &w.gpu_values()).unwrap();
    let mb = upload_words(ctx, "w meta", w.meta()).unwrap();
    let xb = ctx.upload("x", &[1.0f32, 2.0, 3.0, 4.0]).unwrap();
    let bb = ctx.upload("b", &[10.0f32, 20.0]).unwrap();
    let yb = ctx.upload("y", &[-7.0f32; 2]).unwrap();
    let bound = plan.bind(&vb, &mb, &xb, Some(&bb), &yb).unwrap();
    ctx.submit(|pass| {
        bound.record(pass);
        bound.record(pass);
    })
    .unwrap();
    let y: Vec<f32> = pollster::block_on(wgkernels::read_buffer(ctx, &yb, 2)).unwrap();
    assert_eq!(y, vec![2.0 * 2.0 + 4.0 + 10.0, 3.0 - 4.0 + 20.0]);
    // The host-slice form gives the same.
    let y2 = pollster::block_on(plan.run_host(&w, &[1.0f32, 2.0, 3.0, 4.0], Some(&[10.0, 20.0])))
        .unwrap();
    assert_eq!(y2, y);
}

#[test]
fn bad_input_is_a_typed_error() {
    let ctx = ctx();
    let pat = NmPattern::TWO_FOUR;
    let new = |d: SparseGemmDesc| SparseGemmPlan::new(ctx, d, None);
    assert!(matches!(
        new(SparseGemmDesc::matmul(0, 4, 8, pat)),
        Err(Error::ZeroSized(_))
    ));
    assert!(matches!(
        new(SparseGemmDesc::matmul(4, 0, 8, pat)),
        Err(Error::ZeroSized(_))
    ));
    assert!(matches!(
        new(SparseGemmDesc::matmul(4, 4, 8, pat).batch(0)),
        Err(Error::ZeroSized(_))
    ));
    assert!(matches!(
        new(SparseGemmDesc::matmul(4, 4, 0, pat)),
        Err(Error::ZeroSized(_))
    ));
    assert!(
        matches!(
            new(SparseGemmDesc::matmul(4, 4, 10, pat)),
            Err(Error::Shape(_))
        ),
        "K not a multiple of M"
    );
    assert!(matches!(
        new(SparseGemmDesc::matmul(4, 4, 8, NmPattern { n: 4, m: 4 })),
        Err(Error::Shape(_))
    ));
    // Over the binding limit, named by the limit, before any dispatch.
    match new(SparseGemmDesc::matmul(16, 60_000, 60_000, pat)) {
        Err(Error::OverLimit { limit, .. }) => assert_eq!(limit, "max_storage_buffer_binding_size"),
        other => panic!("expected OverLimit, got {other:?}"),
    }
    // A configuration that cannot run the shape.
    let gemv = SparseConfig::gemv(64, 2, 0);
    assert!(matches!(
        SparseGemmPlan::new(ctx, SparseGemmDesc::matmul(8, 100, 8, pat), Some(gemv)),
        Err(Error::Unsupported(_))
    ));
    let sg_odd = SparseConfig::subgroup(64, 2, 2, ctx.caps().subgroup_min);
    assert!(matches!(
        SparseGemmPlan::new(
            ctx,
            SparseGemmDesc::matmul(8, 100, 15, NmPattern { n: 3, m: 5 }),
            Some(sg_odd)
        ),
        Err(Error::Unsupported(_))
    ));
    // Buffers: too small, wrong usage, bias mismatches.
    let d = SparseGemmDesc::matmul(4, 4, 8, pat);
    let plan = new(d).unwrap();
    let ok = ctx.storage("ok", 256).unwrap();
    let small = ctx.storage("small", 4).unwrap();
    assert!(matches!(
        plan.bind(&small, &ok, &ok, None, &ok),
        Err(Error::BufferTooSmall { name: "values", .. })
    ));
    assert!(matches!(
        plan.bind(&ok, &ok, &ok, None, &small),
        Err(Error::BufferTooSmall { name: "out", .. })
    ));
    let uniform = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: 256,
        usage: wgpu::BufferUsages::UNIFORM,
        mapped_at_creation: false,
    });
    assert!(matches!(
        plan.bind(&ok, &uniform, &ok, None, &ok),
        Err(Error::BufferUsage { name: "meta", .. })
    ));
    assert!(matches!(
        plan.bind(&ok, &ok, &ok, Some(&ok), &ok),
        Err(Error::Shape(_))
    ));
    let with_bias = new(d.with_bias(true)).unwrap();
    assert!(matches!(
        with_bias.bind(&ok, &ok, &ok, None, &ok),
        Err(Error::Shape(_))
    ));
    // Host data: sparse operand of the wrong shape or pattern, dense of the wrong length,
    // bias of the wrong length, wrong element type.
    let (a, _) = random_nm::<f32>(4, 8, pat, 1).unwrap();
    let b = vec![1.0f32; 32];
    assert!(pollster::block_on(plan.run_host(&a, &b, None)).is_ok());
    let (a5, _) = random_nm::<f32>(5, 8, pat, 1).unwrap();
    assert!(matches!(
        pollster::block_on(plan.run_host(&a5, &b, None)),
        Err(Error::Shape(_))
    ));
    let (a14, _) = random_nm::<f32>(4, 8, p(1, 4), 1).unwrap();
    assert!(matches!(
        pollster::block_on(plan.run_host(&a14, &b, None)),
        Err(Error::Shape(_))
    ));
    assert!(matches!(
        pollster::block_on(plan.run_host(&a, &b[1..], None)),
        Err(Error::Length {
            name: "dense",
            have: 31,
            need: 32
        })
    ));
    assert!(matches!(
        pollster::block_on(with_bias.run_host(&a, &b, Some(&[1.0; 3]))),
        Err(Error::Length { name: "bias", .. })
    ));
    let (ah, _) = random_nm::<f16>(4, 8, pat, 1).unwrap();
    assert!(matches!(
        pollster::block_on(plan.run_host(&ah, &[f16::ZERO; 32], None)),
        Err(Error::Shape(_))
    ));
}

#[test]
fn f16_without_feature_or_with_it() {
    let d = SparseGemmDesc::matmul(5, 6, 8, NmPattern::TWO_FOUR).dtype(DType::F16);
    if has_f16("f16 sparse plan") {
        assert!(SparseGemmPlan::new(ctx(), d, None).is_ok());
    } else {
        assert!(matches!(
            SparseGemmPlan::new(ctx(), d, None),
            Err(Error::MissingFeature(_))
        ));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    #[test]
    fn random_shapes_match_reference(
        rows in 1u32..90, cols in 1u32..40, groups in 1u32..12, batch in 1u32..4, pat_pick in 0usize..15,
        linear: bool, bias: bool, shared: bool, half: bool, pick in 0usize..64, seed in 0u64..1000,
    ) {
        let pat = sparse_patterns()[pat_pick];
        let dtype = if half && has_f16("proptest f16 case") { DType::F16 } else { DType::F32 };
        let d = if linear {
            SparseGemmDesc::linear(cols, rows, groups * pat.m, pat)
        } else {
            SparseGemmDesc::matmul(rows, cols, groups * pat.m, pat)
        };
        let d = d.batch(batch).with_bias(bias).shared_sparse(shared).dtype(dtype);
        let cands = sparse_gemm_candidates(ctx().caps(), &ctx().limits(), &d);
        let cfg = cands[pick % cands.len()];
        let c = check_sparse_gemm(ctx(), &d, cfg, seed);
        prop_assert!(c.pass, "{} on {:?}: rel {:.3e} tol {:.3e} {:?}", c.config, d, c.rel_l2_err, c.tolerance, c.error);
    }
}

// ---- CLI --------------------------------------------------------------------------------------

fn cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_wgkernels"))
        .args(args)
        .output()
        .expect("the CLI runs")
}

#[test]
fn cli_prune_and_sparse_gemm_on_npy_files() {
    use wgkernels::harness::verify::random_data;
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    let dir = std::env::temp_dir().join(format!("wgk-sparse-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |n: &str| dir.join(n).to_str().unwrap().to_string();
    let f32s = |a: wgkernels::npy::NpyArray| match a.data {
        NpyData::F32(v) => v,
        _ => panic!("expected f32"),
    };
    let (w, _) = random_data::<f32>(37 * 64, 1);
    let (x, _) = random_data::<f32>(2 * 3 * 64, 2);
    let (b, _) = random_data::<f32>(37, 3);
    write_npy(std::path::Path::new(&path("w.npy")), &[37, 64], &w).unwrap();
    write_npy(std::path::Path::new(&path("x.npy")), &[2, 3, 64], &x).unwrap();
    write_npy(std::path::Path::new(&path("b.npy")), &[37], &b).unwrap();

    // A dense W is not 2:4: the error names the first group, exit code 2.
    let o = cli(&[
        "run",
        "sparse_gemm",
        "--linear",
        "--in",
        &path("w.npy"),
        "--in",
        &path("x.npy"),
        "--out",
        &path("y.npy"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("row 0, group 0"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // prune writes the pruned matrix and its compressed parts.
    let o = cli(&[
        "run",
        "prune",
        "--in",
        &path("w.npy"),
        "--out",
        &path("wp.npy"),
        "--values",
        &path("wv.npy"),
        "--meta",
        &path("wm.npy"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let wp = f32s(read_npy(std::path::Path::new(&path("wp.npy"))).unwrap());
    assert_eq!(wp, prune(&w, 37, 64, NmPattern::TWO_FOUR).unwrap());
    let meta = read_npy(std::path::Path::new(&path("wm.npy")))
        .map(|_| ())
        .unwrap_err();
    assert!(
        meta.to_string().contains("not f32"),
        "metadata is uint32: {meta}"
    );
    let values = read_npy(std::path::Path::new(&path("wv.npy"))).unwrap();
    assert_eq!(values.shape, vec![37, 32]);

    // The pruned W runs; Y = X·Wpᵀ + b, batch 2 × 3 tokens × 37.
    let o = cli(&[
        "run",
        "sparse_gemm",
        "--linear",
        "--in",
        &path("wp.npy"),
        "--in",
        &path("x.npy"),
        "--in",
        &path("b.npy"),
        "--out",
        &path("y.npy"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let y = read_npy(std::path::Path::new(&path("y.npy"))).unwrap();
    assert_eq!(y.shape, vec![2, 3, 37]);
    let y = f32s(y);
    for t in 0..6 {
        for o in 0..37 {
            let want: f64 = (0..64)
                .map(|k| wp[o * 64 + k] as f64 * x[t * 64 + k] as f64)
                .sum::<f64>()
                + b[o] as f64;
            assert!(
                (y[t * 37 + o] as f64 - want).abs() < 1e-4,
                "Y[{t}][{o}] = {} want {want}",
                y[t * 37 + o]
            );
        }
    }

    // Matmul with --prune and 4:8: C = prune(A)·B.
    let (a, _) = random_data::<f32>(19 * 32, 4);
    let (bm, _) = random_data::<f32>(32 * 11, 5);
    write_npy(std::path::Path::new(&path("a.npy")), &[19, 32], &a).unwrap();
    write_npy(std::path::Path::new(&path("bm.npy")), &[32, 11], &bm).unwrap();
    let o = cli(&[
        "run",
        "sparse_gemm",
        "--prune",
        "--pattern",
        "4:8",
        "--in",
        &path("a.npy"),
        "--in",
        &path("bm.npy"),
        "--out",
        &path("c.npy"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = f32s(read_npy(std::path::Path::new(&path("c.npy"))).unwrap());
    let ap = prune(&a, 19, 32, p(4, 8)).unwrap();
    for i in 0..19 {
        for j in 0..11 {
            let want: f64 = (0..32)
                .map(|k| ap[i * 32 + k] as f64 * bm[k * 11 + j] as f64)
                .sum();
            assert!((c[i * 11 + j] as f64 - want).abs() < 1e-4);
        }
    }
    // Bad input: K not a multiple of M, a bad pattern.
    let o = cli(&[
        "run",
        "sparse_gemm",
        "--prune",
        "--pattern",
        "3:5",
        "--in",
        &path("a.npy"),
        "--in",
        &path("bm.npy"),
        "--out",
        &path("c.npy"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not a multiple of M = 5"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = cli(&[
        "run",
        "prune",
        "--pattern",
        "4:4",
        "--in",
        &path("a.npy"),
        "--out",
        &path("z.npy"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

// ---- tuning -----------------------------------------------------------------------------------

#[test]
fn tuned_sparse_bucket_is_served_from_the_cache() {
    use wgkernels::ops::sparse_gemm::tune::sparse_gemm_pick_with_source;
    use wgkernels::ops::sparse_gemm::tune::SparseTune;
    use wgkernels::tune::{ConfigSource, TuneMode, TuneOp, Tuner};
    let dir = std::env::temp_dir().join(format!("wgk-sparse-tune-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let d = SparseGemmDesc::matmul(60, 40, 32, NmPattern::TWO_FOUR).with_bias(true);
    let (bucket, rep) = SparseTune::bucket(&d);
    assert_eq!(
        bucket,
        wgkernels::ops::sparse_gemm::tune::SparseBucket {
            dtype: DType::F32,
            form: wgkernels::SparseForm::Matmul,
            pattern: NmPattern::TWO_FOUR,
            rows: 64,
            cols: 64,
            k: 32,
            batch: 1,
            bias: true,
            shared_sparse: false,
        }
    );
    assert_eq!((rep.rows, rep.cols, rep.k), (64, 64, 32));
    // K rounds to a power of two, then up to a multiple of M.
    assert_eq!(
        SparseTune::bucket(&SparseGemmDesc::matmul(5, 5, 30, p(2, 3)))
            .1
            .k,
        33
    );

    let auto = ctx().with_tuner(Tuner::new(TuneMode::Auto, Some(dir.clone())));
    let first = sparse_gemm_pick_with_source(&auto, &d);
    assert_eq!(first.source, ConfigSource::Tuned);
    let entry = auto
        .tuner()
        .entry(&auto, "sparse_gemm", &serde_json::to_value(bucket).unwrap())
        .expect("entry stored");
    assert!(entry.candidates.len() >= 2, "{entry:?}");
    // Another context on the same cache serves the winner without tuning, and it runs right.
    let cached = ctx().with_tuner(Tuner::new(TuneMode::Cached, Some(dir.clone())));
    let again = sparse_gemm_pick_with_source(&cached, &d);
    assert_eq!(again.source, ConfigSource::Cache);
    assert_eq!(again.config, first.config);
    assert_eq!(cached.tuner().stats().tuning_runs, 0);
    assert_passes(&d, again.config, 5);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn async_verify_passes_on_a_browser_like_device() {
    // WebGPU's default limits and no optional features (no f16, no subgroups): what the web
    // demo gets; only the plain kernels run, through the non-blocking verify path.
    let c = common::browser_like();
    assert!(!c.caps().subgroups && !c.caps().f16);
    let checks = pollster::block_on(wgkernels::ops::verify_op_async(
        c,
        "sparse_gemm",
        Tier::Full,
        &mut |_| {},
    ))
    .unwrap();
    assert!(checks.len() >= 40, "only {} checks", checks.len());
    let failed: Vec<_> = checks.iter().filter(|k| !k.pass).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(checks
        .iter()
        .all(|k| k.dtype == DType::F32 && !k.variant.contains("sg")));
}

/// The report times a sparse shape next to its dense baselines in alternating rounds: the dense
/// rows (both linear-form layouts) come first, every row passed its reference spot check, and
/// each sparse row's ratio is the faster dense median over its own.
#[test]
fn bench_rows_carry_the_ratio_to_the_faster_dense_layout() {
    use wgkernels::ops::sparse_gemm::bench::bench_sparse_with_dense;
    use wgkernels::probe::Peaks;
    let peaks = Peaks {
        fma_f32_gflops: 1.0,
        fma_f16_gflops: None,
        copy_gbps: 1.0,
        copy_buffer_gbps: 1.0,
    };
    let desc = SparseGemmDesc::linear(3, 40, 64, p(2, 4));
    let mut errors = Vec::new();
    let rows = bench_sparse_with_dense(ctx(), &peaks, desc, &[None], true, &mut |e| errors.push(e));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(rows[..2].iter().all(|r| r.variant.starts_with("dense ")));
    assert!(rows
        .iter()
        .all(|r| !r.note.contains("FAILED") && r.median_ms > 0.0));
    let dense = rows[0].median_ms.min(rows[1].median_ms);
    let want = format!("{:.2}x vs dense ({dense:.3} ms)", dense / rows[2].median_ms);
    assert!(
        rows[2].note.starts_with(&want),
        "{} vs {want}",
        rows[2].note
    );
}
