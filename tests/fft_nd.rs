//! N-D transforms (c2c, r2c, c2r, DCT/DST) against the f64 reference: every shape of
//! `verify --full`'s N-D list (axis subsets, strides, Bluestein lengths, norms, f16), bound
//! caller buffers, round trips through the inverse, and typed errors for bad input.

mod common;

use common::{ctx, has_f16};
use wgkernels::harness::verify::Tier;
use wgkernels::ops::fft::nd::{FftNdDesc, FftNdPlan, NdTransform, Norm};
use wgkernels::ops::fft::r2r::R2rKind;
use wgkernels::ops::fft::verify::{check_nd_async, nd_shapes};
use wgkernels::{ColumnPass, DType, Error, NdConfig};

#[test]
fn nd_shapes_match_the_reference() {
    let shapes = nd_shapes(Tier::Full);
    // The list as of stop 37 (46 f32 shapes, 7 f16): a shape dropped by mistake fails here.
    let f32_shapes = shapes.iter().filter(|d| d.dtype == DType::F32).count();
    assert!(f32_shapes >= 46, "only {f32_shapes} f32 shapes");
    for (i, d) in shapes.iter().enumerate() {
        if d.dtype == DType::F16 && !has_f16("f16 N-D shapes") {
            continue;
        }
        // Every configuration (the dispatcher picks one per adapter).
        for cfg in NdConfig::all() {
            let c = pollster::block_on(check_nd_async(ctx(), d, Some(cfg), 40 + i as u64));
            assert!(
                c.pass,
                "{} {} {:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
                c.variant, c.config, c.shape, c.rel_l2_err, c.tolerance, c.error
            );
        }
    }
}

/// Columns at strides past the lane kernels' limits, on the lane-per-column configuration:
/// 256 points in place past `P256V_MAX_STRIDE` (stride 8192, after the 1024-point rows) run as
/// two `p16v` passes instead of one `p256v`, 1024 points past `LANES_1024_MAX_STRIDE` (stride
/// 4096) on the plain strided pass, on 8-lane subgroup adapters; in f16 the 256-point columns
/// keep `p256v` at any stride. Not in `nd_shapes`: at 2^21 and 2^22 points every
/// configuration's check would cost seconds in a debug build.
#[test]
fn wide_strided_columns_match_the_reference() {
    let fwd = NdTransform::C2c { inverse: false };
    let lanes = NdConfig::all()
        .into_iter()
        .find(|c| c.columns == ColumnPass::Lanes)
        .unwrap();
    let mut shapes = vec![
        FftNdDesc::new(&[256, 8, 1024], &[0, 2], fwd),
        FftNdDesc::new(&[1024, 4096], &[0, 1], NdTransform::C2c { inverse: true }),
    ];
    if has_f16("f16 wide-stride columns") {
        shapes.push(FftNdDesc::new(&[256, 8, 1024], &[0, 2], fwd).dtype(DType::F16));
    }
    for (i, d) in shapes.iter().enumerate() {
        let c = pollster::block_on(check_nd_async(ctx(), d, Some(lanes), 7 + i as u64));
        assert!(
            c.pass,
            "{:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
            c.shape, c.rel_l2_err, c.tolerance, c.error
        );
    }
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

/// The untuned filter pick follows the route of the map's sides: on a CPU adapter fused where
/// a side takes Bluestein on the chain (59) and the map is small (59 × 4), or the map is tiny
/// (7 × 7); the chain where both sides run the mixed-radix kernel (37 × 7) or are powers of two,
/// or the map is larger (59 × 59); on a GPU fused wherever it fits.
#[test]
fn filter_default_follows_the_sides_route() {
    use wgkernels::ops::fft::filter::FilterDesc;
    use wgkernels::FilterConfig;
    let (caps, limits) = (ctx().caps(), ctx().limits());
    let cpu = caps.device_type == wgpu::DeviceType::Cpu;
    for (h, w, cpu_fused) in [
        (7, 7, true),
        (59, 4, true),
        (37, 7, false),
        (59, 59, false),
        (14, 59, false),
        (14, 14, false),
        (56, 56, false),
        (16, 16, false),
        (64, 64, false),
    ] {
        let d = FilterDesc::new(8, h, w);
        let fused = FilterConfig::default_for(caps, &limits, &d) == FilterConfig::Fused;
        let fits = FilterConfig::Fused.fits(&d, &limits);
        assert_eq!(fused, fits && (cpu_fused || !cpu), "{h} x {w}");
    }
}

#[test]
fn frequency_layers_match_the_reference() {
    use wgkernels::ops::fft::verify::{check_filter_async, check_lowpass_async, freq_layer_shapes};
    use wgkernels::FilterConfig;
    let (filters, lowpasses) = freq_layer_shapes(Tier::Full);
    let limits = ctx().limits();
    let mut checks = Vec::new();
    let mut fused = 0;
    for (i, d) in filters.iter().enumerate() {
        if d.dtype == DType::F16 && !has_f16("f16 global filter") {
            continue;
        }
        // Every configuration that takes the shape: fused where the map fits, each chain.
        let cands = FilterConfig::candidates(ctx().caps(), &limits, d);
        let fits = d.h <= 64 && d.w <= 64 && limits.max_compute_workgroup_storage_size >= 16384;
        assert_eq!(
            cands.contains(&FilterConfig::Fused),
            fits,
            "{d:?}: {cands:?}"
        );
        assert_eq!(cands.len(), NdConfig::all().len() + fits as usize);
        fused += fits as usize;
        for c in cands {
            checks.push(pollster::block_on(check_filter_async(
                ctx(),
                d,
                Some(c),
                9 + i as u64,
            )));
        }
    }
    if limits.max_compute_workgroup_storage_size >= 16384 {
        assert!(fused >= 7, "fused shapes checked: {fused}");
    }
    // The low-pass with both transpose kernels (its one dispatcher choice).
    use wgkernels::ops::fft::nd::TransposeKernel;
    for (i, d) in lowpasses.iter().enumerate() {
        for t in [TransposeKernel::Tiled, TransposeKernel::Direct] {
            let seed = 19 + i as u64;
            checks.push(pollster::block_on(check_lowpass_async(
                ctx(),
                d,
                Some(t),
                seed,
            )));
        }
    }
    for c in checks {
        assert!(
            c.pass,
            "{} {} {:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
            c.variant, c.config, c.shape, c.rel_l2_err, c.tolerance, c.error
        );
    }
}

/// The fused global filter on maps it cannot hold is a typed error, not a wrong answer; a
/// plan bound to the caller's buffers runs twice with the same result.
#[test]
fn fused_filter_limits_and_bound_buffers() {
    use wgkernels::harness::verify::random_data;
    use wgkernels::{FilterConfig, FilterDesc, FilterPlan};
    for d in [FilterDesc::new(1, 128, 64), FilterDesc::new(1, 67, 8)] {
        match FilterPlan::with_config(ctx(), d, FilterConfig::Fused) {
            Err(Error::Unsupported(_)) => {}
            r => panic!("{d:?}: {r:?}"),
        }
    }
    if ctx().limits().max_compute_workgroup_storage_size < 16384 {
        return;
    }
    let d = FilterDesc::new(37, 28, 28);
    let plan = FilterPlan::with_config(ctx(), d, FilterConfig::Fused).unwrap();
    assert_eq!(plan.config(), FilterConfig::Fused);
    let (x, xf) = random_data::<f32>(d.len() as usize, 3);
    let (w, wf) = random_data::<f32>(d.filter_len() as usize, 4);
    let want = wgkernels::ops::fft::reference::filter_ref(&d, &xf, &wf);
    let c = ctx();
    let (xb, wb) = (c.upload("x", &x).unwrap(), c.upload("w", &w).unwrap());
    let y = c.storage("y", d.len() * 4).unwrap();
    let bound = plan.bind(&xb, &wb, &y).unwrap();
    assert!(plan.bind(&xb, &wb, &xb).is_err());
    let tol = wgkernels::harness::tolerance::Tolerance::fft_nd(DType::F32, 28u64.pow(4), 0);
    for _ in 0..2 {
        c.submit(|p| bound.record(p)).unwrap();
        let got: Vec<f32> =
            pollster::block_on(wgkernels::runtime::read_buffer(c, &y, d.len() as usize)).unwrap();
        let got: Vec<f64> = got.iter().map(|&v| v as f64).collect();
        let cmp = wgkernels::harness::tolerance::compare(&got, &want, tol);
        assert!(cmp.pass, "rel L2 {:.3e}", cmp.rel_l2_err);
    }
}

/// `run rfft`, `run rfft --inverse`, `run dct` and `run fft --axes --norm` on `.npy` files,
/// against the f64 reference; a bad axis exits with the typed error's code.
#[test]
fn cli_transforms_on_npy_files() {
    use std::path::Path;
    use wgkernels::harness::verify::random_data;
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    use wgkernels::ops::fft::reference::fftn_ref;
    let dir = std::env::temp_dir().join(format!("wgk-fftnd-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |n: &str| dir.join(n).to_str().unwrap().to_string();
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_wgkernels"))
            .args(args)
            .output()
            .expect("the CLI runs")
    };
    let read = |p: &str| match read_npy(Path::new(p)).unwrap() {
        wgkernels::npy::NpyArray {
            shape,
            data: NpyData::F32(v),
        } => (shape, v),
        _ => panic!("expected f32"),
    };
    let (x, xf) = random_data::<f32>(2 * 6 * 8, 4);
    write_npy(Path::new(&path("x.npy")), &[2, 6, 8], &x).unwrap();
    let close = |got: &[f32], want: &[f64]| {
        assert_eq!(got.len(), want.len());
        let err: f64 = got
            .iter()
            .zip(want)
            .map(|(g, w)| (*g as f64 - w).powi(2))
            .sum();
        let norm: f64 = want.iter().map(|w| w * w).sum();
        assert!(
            (err / norm).sqrt() < 1e-5,
            "rel err {}",
            (err / norm).sqrt()
        );
    };
    let ok = |o: std::process::Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    // rfftn over the last two axes, then back.
    ok(cli(&[
        "run",
        "rfft",
        "--in",
        &path("x.npy"),
        "--out",
        &path("s.npy"),
        "--axes",
        "-2,-1",
    ]));
    let (shape, s) = read(&path("s.npy"));
    assert_eq!(shape, vec![2, 6, 5, 2]);
    close(
        &s,
        &fftn_ref(&FftNdDesc::new(&[2, 6, 8], &[1, 2], NdTransform::R2c), &xf),
    );
    ok(cli(&[
        "run",
        "rfft",
        "--inverse",
        "--in",
        &path("s.npy"),
        "--out",
        &path("x2.npy"),
        "--axes",
        "1,2",
    ]));
    let (shape, x2) = read(&path("x2.npy"));
    assert_eq!(shape, vec![2, 6, 8]);
    close(&x2, &xf);
    // An orthonormal DCT-IV along axis 1.
    ok(cli(&[
        "run",
        "dct",
        "--type",
        "4",
        "--norm",
        "ortho",
        "--axes",
        "1",
        "--in",
        &path("x.npy"),
        "--out",
        &path("d.npy"),
    ]));
    let want = fftn_ref(
        &FftNdDesc::new(&[2, 6, 8], &[1], NdTransform::R2r(R2rKind::Dct4)).norm(Norm::Ortho),
        &xf,
    );
    close(&read(&path("d.npy")).1, &want);
    // A complex 2-D transform of the same values read as a (2, 6, 4) complex array.
    write_npy(Path::new(&path("z.npy")), &[2, 6, 4, 2], &x).unwrap();
    ok(cli(&[
        "run",
        "fft",
        "--axes",
        "0,1",
        "--norm",
        "forward",
        "--in",
        &path("z.npy"),
        "--out",
        &path("f.npy"),
    ]));
    let want = fftn_ref(
        &FftNdDesc::new(&[2, 6, 4], &[0, 1], NdTransform::C2c { inverse: false })
            .norm(Norm::Forward),
        &xf,
    );
    close(&read(&path("f.npy")).1, &want);
    let o = cli(&[
        "run",
        "dct",
        "--axes",
        "5",
        "--in",
        &path("x.npy"),
        "--out",
        &path("e.npy"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}
