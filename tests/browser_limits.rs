//! The browser's constraints, checked natively: a device created with WebGPU's default limits
//! (16 KiB workgroup storage, 256 invocations) and none of the optional features (no f16, no
//! subgroups, no timestamps, no cooperative matrices) — what a browser grants a page that asks
//! for nothing — must still verify every op through the async paths the web demo uses; the
//! dispatcher must never offer a configuration over those limits; and the async helpers
//! (`capture_errors`, `time_gpu_async`, `verify_op_async`) must behave as documented.
//! The real browser run is web-demo/e2e.sh.

mod common;

use common::{browser_like, ctx};
use wgkernels::harness::verify::Tier;
use wgkernels::ops::gemm::config::gemm_candidates;
use wgkernels::ops::gemm::tune::gemm_pick;
use wgkernels::ops::gemm::verify::gemm_shapes;
use wgkernels::ops::verify_op_async;
use wgkernels::{time_gpu_async, Capabilities, DType, Error, GemmDesc, GemmPlan, GemmVariant};

/// Capabilities of a browser adapter like Chromium's SwiftShader: subgroups of 4 that wgpu does
/// not request, no f16, timestamps.
fn browser_caps() -> Capabilities {
    Capabilities {
        f16: false,
        subgroups: false,
        int64: false,
        subgroup_min: 4,
        subgroup_max: 4,
        coop: Vec::new(),
        timestamps: true,
        device_type: wgpu::DeviceType::Cpu,
        vendor: 0,
    }
}

#[test]
fn the_browser_like_device_has_webgpu_defaults() {
    let c = browser_like();
    let l = c.limits();
    assert!(
        l.max_compute_workgroup_storage_size <= 16384,
        "{}",
        l.max_compute_workgroup_storage_size
    );
    assert!(
        l.max_compute_invocations_per_workgroup <= 256,
        "{}",
        l.max_compute_invocations_per_workgroup
    );
    assert!(
        !c.caps().f16 && !c.caps().subgroups && !c.caps().timestamps && c.caps().coop.is_empty()
    );
}

#[test]
fn no_candidate_exceeds_webgpu_default_limits() {
    let limits = wgpu::Limits::default();
    for caps in [browser_caps(), browser_like().caps().clone()] {
        for desc in gemm_shapes(Tier::Full) {
            for cfg in gemm_candidates(&caps, &limits, &desc) {
                assert!(
                    cfg.workgroup_bytes() <= 16384,
                    "{} needs {} B",
                    cfg.label(),
                    cfg.workgroup_bytes()
                );
                assert!(
                    cfg.invocations() <= 256,
                    "{} needs {} invocations",
                    cfg.label(),
                    cfg.invocations()
                );
                assert!(
                    matches!(cfg.variant(), GemmVariant::Tiled | GemmVariant::Gemv),
                    "{} offered without subgroups/coop",
                    cfg.label()
                );
                assert!(
                    desc.dtype == DType::F32,
                    "f16 candidates offered without f16: {desc:?}"
                );
            }
        }
    }
}

#[test]
fn tighter_limits_than_webgpus_still_get_a_runnable_default() {
    // A very small adapter (8 KiB, 128 invocations): the fallback tile must fit it.
    let limits = wgpu::Limits {
        max_compute_workgroup_storage_size: 8192,
        max_compute_invocations_per_workgroup: 128,
        max_compute_workgroup_size_x: 128,
        max_compute_workgroup_size_y: 128,
        ..wgpu::Limits::default()
    };
    let desc = GemmDesc::new(100, 100, 100);
    let cfgs = gemm_candidates(&browser_caps(), &limits, &desc);
    assert!(!cfgs.is_empty());
    for c in &cfgs {
        assert!(
            c.valid_for(&browser_caps(), &limits, &desc),
            "{}",
            c.label()
        );
        assert!(
            c.workgroup_bytes() <= 8192 && c.invocations() <= 128,
            "{}",
            c.label()
        );
    }
}

/// Every op the web demo verifies (all of `wgkernels::ops::names()`) passes its standard tier (what the page runs on
/// load) through the non-blocking path on a device with WebGPU's default limits.
#[test]
fn every_op_verifies_through_the_async_path_under_browser_limits() {
    let c = browser_like();
    for op in wgkernels::ops::names() {
        let checks = pollster::block_on(verify_op_async(c, op, Tier::Standard, &mut |_| {}))
            .unwrap_or_else(|e| panic!("{op} has no browser verify path: {e}"));
        assert!(!checks.is_empty(), "{op}: no checks");
        let failed: Vec<_> = checks.iter().filter(|k| !k.pass).collect();
        assert!(
            failed.is_empty(),
            "{op} under WebGPU default limits: {failed:#?}"
        );
        assert!(
            checks.iter().all(|k| k.dtype == DType::F32),
            "{op}: f16 checked without f16"
        );
    }
}

#[test]
fn the_default_pick_runs_on_the_browser_like_device() {
    let c = browser_like();
    let desc = GemmDesc::new(130, 70, 90);
    let cfg = gemm_pick(c, &desc);
    assert!(cfg.workgroup_bytes() <= 16384 && cfg.invocations() <= 256);
    let a = vec![1.0f32; 130 * 90];
    let b = vec![0.5f32; 90 * 70];
    let out =
        pollster::block_on(GemmPlan::new(c, desc, None).unwrap().run_host(&a, &b, None)).unwrap();
    assert!(out.iter().all(|&x| x == 45.0), "{:?}", &out[..4]);
}

#[test]
fn verify_op_async_names_an_unknown_op() {
    let r = pollster::block_on(verify_op_async(ctx(), "nope", Tier::Standard, &mut |_| {}));
    assert!(matches!(r, Err(Error::Unsupported(m)) if m.contains("unknown op `nope`")));
}

#[test]
fn capture_errors_turns_a_validation_error_into_gpu_error() {
    let c = browser_like();
    let too_big = c.limits().max_buffer_size + 4;
    let r: Result<(), Error> = pollster::block_on(c.capture_errors(async {
        let _b = c.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("over the limit"),
            size: too_big,
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: false,
        });
        Ok(())
    }));
    assert!(matches!(r, Err(Error::Gpu(_))), "{r:?}");
    // The work's own error passes through when the GPU raised none.
    let r: Result<(), Error> =
        pollster::block_on(c.capture_errors(async { Err(Error::ZeroSized("x")) }));
    assert!(matches!(r, Err(Error::ZeroSized("x"))));
    // And the device is still usable afterwards.
    let ok = pollster::block_on(c.capture_errors(async { Ok(7) })).unwrap();
    assert_eq!(ok, 7);
}

#[test]
fn time_gpu_async_measures_a_gemm() {
    for c in [ctx(), browser_like()] {
        let desc = GemmDesc::new(64, 64, 64);
        let plan = GemmPlan::new(c, desc, None).unwrap();
        let a = c.upload("A", &vec![1.0f32; 64 * 64]).unwrap();
        let b = c.upload("B", &vec![1.0f32; 64 * 64]).unwrap();
        let out = c.storage("C", 64 * 64 * 4).unwrap();
        let bound = plan.bind(&a, &b, &out).unwrap();
        let t = pollster::block_on(time_gpu_async(c, 1, 3, &|pass| bound.record(pass))).unwrap();
        assert_eq!(t.samples_ms.len(), 3);
        assert!(t.median_ms > 0.0 && t.median_ms.is_finite(), "{t:?}");
        if !c.caps().timestamps {
            assert_eq!(format!("{:?}", t.source), "Wall");
        }
    }
}

/// The FFT and attention dispatchers stay inside WebGPU's default limits too: with 16 KiB of
/// workgroup memory the fused FFT holds 2048 points (not the 4096 a native 32 KiB adapter
/// gets), and every transform length still has a candidate (multi-pass beyond the fused size).
#[test]
fn fft_and_attention_candidates_fit_webgpu_default_limits() {
    use wgkernels::ops::attention::config::attention_blocks;
    use wgkernels::ops::attention::config::attention_candidates;
    use wgkernels::ops::attention::verify::attention_cases;
    use wgkernels::ops::fft::config::fft_candidates;
    use wgkernels::ops::fft::tune::fft_pick;
    use wgkernels::ops::fft::verify::fft_shapes;
    let limits = wgpu::Limits::default();
    for caps in [browser_caps(), browser_like().caps().clone()] {
        for desc in fft_shapes(Tier::Full) {
            let cands = fft_candidates(&caps, &limits, &desc);
            if desc.dtype == DType::F16 {
                assert!(cands.is_empty(), "f16 FFT offered without f16");
                continue;
            }
            assert!(!cands.is_empty(), "no FFT candidate for {desc:?}");
            for c in &cands {
                assert!(
                    c.workgroup_bytes() <= 16384 && c.invocations() <= 256,
                    "{} needs {} B, {} invocations",
                    c.label(),
                    c.workgroup_bytes(),
                    c.invocations()
                );
            }
            assert_eq!(cands[0].fused_max(), 2048, "{}", cands[0].label());
        }
        for case in attention_cases(Tier::Full) {
            let (bq, _) = attention_blocks(&caps, &limits, &case.desc);
            for c in attention_candidates(&caps, &limits, &case.desc, bq) {
                assert!(
                    c.workgroup_bytes(case.desc.head_dim) <= 16384 && c.invocations() <= 256,
                    "{} needs {} B, {} invocations",
                    c.label(),
                    c.workgroup_bytes(case.desc.head_dim),
                    c.invocations()
                );
            }
        }
    }
    let c = browser_like();
    assert_eq!(
        fft_pick(c, &wgkernels::FftDesc::new(4096)).fused_max(),
        2048
    );
}
