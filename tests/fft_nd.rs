//! N-D transforms (c2c, r2c, c2r, DCT/DST) against the f64 reference: every shape of
//! `verify --full`'s N-D list (axis subsets, strides, Bluestein lengths, norms, f16), bound
//! caller buffers, round trips through the inverse, and typed errors for bad input.

mod common;

use common::{ctx, has_f16};
use wgkernels::harness::verify::Tier;
use wgkernels::ops::fft::nd::{FftNdDesc, FftNdPlan, NdTransform, Norm};
use wgkernels::ops::fft::r2r::R2rKind;
use wgkernels::ops::fft::verify::{check_nd_async, nd_shapes};
use wgkernels::{DType, Error, TransposeKernel};

#[test]
fn nd_shapes_match_the_reference() {
    let mut ran = 0;
    for (i, d) in nd_shapes(Tier::Full).iter().enumerate() {
        if d.dtype == DType::F16 && !has_f16("f16 N-D shapes") {
            continue;
        }
        // Both transpose kernels (the dispatcher picks one per adapter).
        for t in [TransposeKernel::Tiled, TransposeKernel::Direct] {
            let c = pollster::block_on(check_nd_async(ctx(), d, Some(t), 40 + i as u64));
            assert!(
                c.pass,
                "{} {} {:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
                c.variant, c.config, c.shape, c.rel_l2_err, c.tolerance, c.error
            );
            ran += 1;
        }
    }
    assert!(ran >= 38, "only {ran} checks ran");
}

/// rfftn then irfftn (backward norm) returns the input; dctn type 2 then type 3 with `ortho`.
#[test]
fn round_trips_return_the_input() {
    let shape = [3u32, 12, 10];
    let x: Vec<f32> = (0..360)
        .map(|i| ((i * 37 % 101) as f32) / 50.0 - 1.0)
        .collect();
    let run = |d: FftNdDesc, v: &[f32]| {
        pollster::block_on(FftNdPlan::new(ctx(), d).unwrap().run_host(v)).unwrap()
    };
    let spec = run(FftNdDesc::new(&shape, &[1, 2], NdTransform::R2c), &x);
    assert_eq!(spec.len(), 3 * 12 * 6 * 2);
    let back = run(FftNdDesc::new(&shape, &[1, 2], NdTransform::C2r), &spec);
    let d2 = run(
        FftNdDesc::new(&shape, &[1, 2], NdTransform::R2r(R2rKind::Dct2)).norm(Norm::Ortho),
        &x,
    );
    let back2 = run(
        FftNdDesc::new(&shape, &[1, 2], NdTransform::R2r(R2rKind::Dct3)).norm(Norm::Ortho),
        &d2,
    );
    for i in 0..x.len() {
        assert!(
            (back[i] - x[i]).abs() < 1e-5,
            "irfftn[{i}] {} vs {}",
            back[i],
            x[i]
        );
        assert!(
            (back2[i] - x[i]).abs() < 1e-5,
            "idctn[{i}] {} vs {}",
            back2[i],
            x[i]
        );
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    let c2c = NdTransform::C2c { inverse: false };
    let e = FftNdPlan::new(ctx(), FftNdDesc::new(&[2, 3, 4, 5], &[0], c2c)).unwrap_err();
    assert!(matches!(e, Error::Shape(_)), "{e}");
    let plan = FftNdPlan::new(ctx(), FftNdDesc::new(&[4, 4], &[0, 1], c2c)).unwrap();
    let small = ctx().storage("small", 16).unwrap();
    let ok = ctx().storage("ok", 128).unwrap();
    assert!(matches!(
        plan.bind(&small, &ok),
        Err(Error::BufferTooSmall { .. })
    ));
    assert!(matches!(plan.bind(&ok, &ok), Err(Error::Shape(_))));
    let e = pollster::block_on(plan.run_host(&[0f32; 3])).unwrap_err();
    assert!(matches!(e, Error::Length { .. }), "{e}");
}

#[test]
fn frequency_layers_match_the_reference() {
    use wgkernels::ops::fft::verify::{check_filter_async, check_lowpass_async, freq_layer_shapes};
    let (filters, lowpasses) = freq_layer_shapes(Tier::Full);
    let mut checks: Vec<_> = filters
        .iter()
        .enumerate()
        .map(|(i, d)| pollster::block_on(check_filter_async(ctx(), d, 9 + i as u64)))
        .collect();
    checks.extend(
        lowpasses
            .iter()
            .enumerate()
            .map(|(i, d)| pollster::block_on(check_lowpass_async(ctx(), d, 19 + i as u64))),
    );
    assert_eq!(checks.len(), 6);
    for c in checks {
        assert!(
            c.pass,
            "{} {:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
            c.variant, c.shape, c.rel_l2_err, c.tolerance, c.error
        );
    }
}
