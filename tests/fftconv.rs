//! Real FFTs and FFT convolution against f64 references: every path (fused single segment,
//! partial/overlap-save, multi-pass, unfused, frequency-sparse), causal and circular, gates,
//! L = 1, odd and prime L, Lk = 1 and Lk = L, f16 storage, random shapes, and typed errors.

mod common;

use common::{ctx, has_f16};
use proptest::prelude::*;
use wgkernels::harness::verify::Tier;
use wgkernels::ops::fftconv::verify::check_fftconv;
use wgkernels::ops::fftconv::verify::check_rfft;
use wgkernels::ops::fftconv::verify::fftconv_shapes;
use wgkernels::{DType, Error, FftConvDesc, FftConvPath, FftConvPlan, RfftDesc};

fn assert_pass(c: &wgkernels::harness::verify::Check) {
    assert!(
        c.pass,
        "{} {} {:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
        c.op, c.config, c.shape, c.rel_l2_err, c.tolerance, c.error
    );
}

#[test]
fn rfft_and_irfft_match_rustfft() {
    for (i, &(n, b)) in [
        (1u32, 2u32),
        (2, 3),
        (3, 1),
        (7, 2),
        (16, 4),
        (1000, 2),
        (1025, 1),
        (4096, 3),
        (8192, 2),
        (44100, 1),
        (1 << 18, 1),
    ]
    .iter()
    .enumerate()
    {
        for inv in [false, true] {
            assert_pass(&check_rfft(
                ctx(),
                &RfftDesc::new(n).batch(b).inverse(inv),
                i as u64,
            ));
        }
    }
    if has_f16("rfft f16") {
        assert_pass(&check_rfft(
            ctx(),
            &RfftDesc::new(512).batch(3).dtype(DType::F16),
            1,
        ));
        assert_pass(&check_rfft(
            ctx(),
            &RfftDesc::new(99).batch(2).dtype(DType::F16).inverse(true),
            2,
        ));
    }
}

#[test]
fn shape_list_matches_reference() {
    let mut paths = std::collections::HashSet::new();
    for (i, d) in fftconv_shapes(Tier::Full).into_iter().enumerate() {
        if d.dtype == DType::F16 && !has_f16("fftconv f16") {
            continue;
        }
        let c = check_fftconv(ctx(), &d, 40 + i as u64);
        assert_pass(&c);
        paths.insert(c.variant.split(' ').next().unwrap_or("").to_string());
    }
    for p in ["fused", "multipass", "unfused"] {
        assert!(paths.contains(p), "path {p} never ran: {paths:?}");
    }
}

/// Where the shared context runs the convolution kernel with its workgroup memory as 64-bit
/// words, the same shapes on the vector-access path (a GPU, or a CPU adapter without 64-bit
/// integers).
#[test]
fn vector_access_matches_reference() {
    use wgkernels::ops::fftconv::shaders::{conv, CONV, CONV_WIDE};
    if conv(ctx().caps()).name != CONV_WIDE.name {
        eprintln!("skipped: the shared context runs the vector-access kernel already");
        return;
    }
    let c = common::without_int64();
    assert_eq!(conv(c.caps()).name, CONV.name);
    for (i, d) in fftconv_shapes(Tier::Standard).into_iter().enumerate() {
        if d.dtype == DType::F16 && !c.caps().f16 {
            continue;
        }
        assert_pass(&check_fftconv(c, &d, 70 + i as u64));
    }
}

#[test]
fn paths_are_chosen_as_documented() {
    let plan = |d: FftConvDesc| FftConvPlan::new(ctx(), d, None).unwrap();
    let p = plan(FftConvDesc::new(2, 2, 1024, 1024));
    assert_eq!(
        (p.path(), p.segments(), p.dispatches()),
        (FftConvPath::Fused, 1, 1)
    );
    // Partial convolution: a short kernel on a long sequence stays fused, in segments.
    let p = plan(FftConvDesc::new(1, 1, 100_000, 64));
    assert_eq!(p.path(), FftConvPath::Fused);
    assert!(p.segments() > 20, "{} segments", p.segments());
    let p = plan(FftConvDesc::new(1, 1, 16384, 16384));
    assert_eq!(p.path(), FftConvPath::MultiPass);
    // Two passes per direction: forward pass, fused middle (pass + product + pass), last pass.
    assert_eq!(p.dispatches(), 3);
    let p = plan(FftConvDesc::new(1, 1, 16384, 16384).freq_keep(Some(0.25)));
    let (c, d) = p.freq_blocks().unwrap();
    assert!(
        2 * d + 1 < c && (2 * d + 1) as f32 / c as f32 <= 0.26,
        "classes {c} d {d}"
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let ctx = ctx();
    assert!(matches!(
        FftConvPlan::new(ctx, FftConvDesc::new(0, 1, 8, 2), None),
        Err(Error::ZeroSized(_))
    ));
    assert!(matches!(
        FftConvPlan::new(ctx, FftConvDesc::new(1, 1, 8, 0), None),
        Err(Error::ZeroSized(_))
    ));
    assert!(matches!(
        FftConvPlan::new(ctx, FftConvDesc::new(1, 1, 8, 9), None),
        Err(Error::Shape(_))
    ));
    assert!(matches!(
        FftConvPlan::new(ctx, FftConvDesc::new(1, 1, 8, 2).freq_keep(Some(0.0)), None),
        Err(Error::Shape(_))
    ));
    assert!(matches!(
        FftConvPlan::new(
            ctx,
            FftConvDesc::new(1, 1, 9000, 9000).path(Some(FftConvPath::Fused)),
            None
        ),
        Err(Error::Unsupported(_))
    ));
    match FftConvPlan::new(ctx, FftConvDesc::new(64, 64, 1 << 16, 16), None) {
        Err(Error::OverLimit { limit, .. }) => assert_eq!(limit, "max_storage_buffer_binding_size"),
        other => panic!("expected OverLimit, got {other:?}"),
    }
    let plan = FftConvPlan::new(ctx, FftConvDesc::new(2, 3, 10, 4), None).unwrap();
    let r = pollster::block_on(plan.run_host(&[0.0f32; 59], &[0.0f32; 12], None, None));
    assert!(matches!(
        r,
        Err(Error::Length {
            name: "u",
            have: 59,
            need: 60
        })
    ));
    assert!(matches!(
        plan.prepare_kernel(&[0.0; 11]),
        Err(Error::Length {
            name: "kernel k",
            ..
        })
    ));
    // A gate the descriptor does not have, a kernel prepared for another plan, aliasing.
    let ks = plan.prepare_kernel(&[0.0; 12]).unwrap();
    let u = ctx.storage("u", 240).unwrap();
    let y = ctx.storage("y", 240).unwrap();
    assert!(matches!(
        plan.bind(&u, &ks, &y, Some(&u), None),
        Err(Error::Shape(_))
    ));
    assert!(matches!(
        plan.bind(&u, &ks, &u, None, None),
        Err(Error::Shape(_))
    ));
    let other = FftConvPlan::new(ctx, FftConvDesc::new(2, 3, 100, 4), None).unwrap();
    let ks2 = other.prepare_kernel(&[0.0; 12]).unwrap();
    assert!(matches!(
        plan.bind(&u, &ks2, &y, None, None),
        Err(Error::Shape(_))
    ));
    let small = ctx.storage("small", 16).unwrap();
    assert!(matches!(
        plan.bind(&small, &ks, &y, None, None),
        Err(Error::BufferTooSmall { name: "u", .. })
    ));
}

#[test]
fn nan_propagates_within_its_row_pair() {
    // Rows (b, h) and (b+1, h), b even, share one complex transform (documented): a NaN poisons
    // its own row and that partner, never another pair.
    let d = FftConvDesc::new(4, 1, 64, 8);
    let plan = FftConvPlan::new(ctx(), d, None).unwrap();
    let mut u = vec![1.0f32; 256];
    u[2 * 64 + 6] = f32::NAN; // row b = 2, t = 6
    let y = pollster::block_on(plan.run_host(&u, &[0.5f32; 8], None, None)).unwrap();
    assert!(
        y[..128].iter().all(|v| v.is_finite()),
        "rows 0 and 1 must stay finite"
    );
    assert!(
        y[128 + 6..192].iter().all(|v| v.is_nan()),
        "row 2 after the NaN must be NaN"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20, .. ProptestConfig::default() })]
    #[test]
    fn random_shapes_match_direct_sum(b in 1u32..4, h in 1u32..4, l in 1u32..3000, kfrac in 0.0f64..1.0, circular: bool, pre: bool, post: bool, path in 0usize..4, seed in 0u64..1000) {
        let lk = ((l as f64 * kfrac) as u32).clamp(1, l);
        let path = [None, Some(FftConvPath::MultiPass), Some(FftConvPath::Unfused), None][path];
        let d = FftConvDesc::new(b, h, l, lk).circular(circular).gates(pre, post).path(path);
        let c = check_fftconv(ctx(), &d, seed);
        prop_assert!(c.pass, "{} {:?}: rel {:.3e} tol {:.3e} {:?}", c.config, d, c.rel_l2_err, c.tolerance, c.error);
    }
}
