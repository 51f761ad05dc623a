//! Shared test setup: one GPU context per test binary, and feature gates that say why a test is
//! skipped. No adapter at all is a failure, never a silent pass.
#![allow(dead_code)]

use std::sync::OnceLock;
use wgkernels::Context;

/// The context every test in this binary shares (created once; panics loudly without an adapter).
pub fn ctx() -> &'static Context {
    static CTX: OnceLock<Context> = OnceLock::new();
    CTX.get_or_init(|| match Context::new_blocking() {
        Ok(c) => {
            let a = c.adapter_id();
            eprintln!("test adapter: {} ({}, {} {})", a.name, a.backend, a.driver, a.driver_info);
            if std::env::var("WGK_EXPECT_COOP").is_ok_and(|v| v == "1") {
                assert!(
                    c.caps().coop_f16_f32_tile().is_some(),
                    "WGK_EXPECT_COOP=1 but the adapter lists no f16->f32 cooperative-matrix configuration"
                );
            }
            c
        }
        Err(e) => panic!(
            "no GPU adapter: {e}. These tests need one (Mesa's lavapipe works: apt-get install mesa-vulkan-drivers)"
        ),
    })
}

/// True if the adapter has cooperative matrices usable by the kernels; prints why not otherwise.
pub fn has_coop(test: &str) -> bool {
    let ok = ctx().caps().coop_f16_f32_tile().is_some();
    if !ok {
        eprintln!(
            "{test}: skipped — the adapter lists no f16->f32 cooperative-matrix configuration"
        );
    }
    ok
}

/// True if the adapter has f16; prints why not otherwise.
pub fn has_f16(test: &str) -> bool {
    let ok = ctx().caps().f16;
    if !ok {
        eprintln!("{test}: skipped — the adapter has no SHADER_F16");
    }
    ok
}

/// A context on the test adapter restricted to WebGPU's default compute limits (or the adapter's,
/// where lower) and no optional features.
pub fn browser_like() -> &'static Context {
    static BROWSER: OnceLock<Context> = OnceLock::new();
    BROWSER.get_or_init(|| {
        let adapter = ctx().adapter.clone();
        let (have, web) = (adapter.limits(), wgpu::Limits::default());
        let limits = wgpu::Limits {
            max_compute_workgroup_storage_size: web
                .max_compute_workgroup_storage_size
                .min(have.max_compute_workgroup_storage_size),
            max_compute_invocations_per_workgroup: web
                .max_compute_invocations_per_workgroup
                .min(have.max_compute_invocations_per_workgroup),
            max_compute_workgroup_size_x: web
                .max_compute_workgroup_size_x
                .min(have.max_compute_workgroup_size_x),
            max_compute_workgroup_size_y: web
                .max_compute_workgroup_size_y
                .min(have.max_compute_workgroup_size_y),
            max_storage_buffer_binding_size: web
                .max_storage_buffer_binding_size
                .min(have.max_storage_buffer_binding_size),
            max_buffer_size: web.max_buffer_size.min(have.max_buffer_size),
            ..have
        };
        let desc = wgpu::DeviceDescriptor {
            label: Some("browser-like"),
            required_features: wgpu::Features::empty(),
            required_limits: limits,
            ..Default::default()
        };
        let (device, queue) =
            pollster::block_on(adapter.request_device(&desc)).expect("device with default limits");
        Context::from_parts(adapter, device, queue)
    })
}

/// A context on the test adapter with the shared one's features and limits but no
/// `SHADER_INT64` (nor cooperative matrices): there the FFT kernels (subgroup and plain Stockham,
/// f32 and f16, and the convolution's) take their vector-access path (`fft_io_vec.wgsl`,
/// `fft_sm_vec.wgsl`) instead of words, as on a CPU adapter without 64-bit integers.
pub fn without_int64() -> &'static Context {
    static NO_INT64: OnceLock<Context> = OnceLock::new();
    NO_INT64.get_or_init(|| {
        let adapter = ctx().adapter.clone();
        let desc = wgpu::DeviceDescriptor {
            label: Some("no-int64"),
            required_features: ctx().device.features()
                - wgpu::Features::SHADER_INT64
                - wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX,
            required_limits: ctx().device.limits(),
            ..Default::default()
        };
        let (device, queue) =
            pollster::block_on(adapter.request_device(&desc)).expect("device without int64");
        Context::from_parts(adapter, device, queue)
    })
}

/// Panics with the check's figures, naming `what` (the shape), unless it passed.
pub fn assert_check(check: &wgkernels::harness::verify::Check, what: &dyn std::fmt::Debug) {
    assert!(
        check.pass,
        "{} on {what:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
        check.config, check.rel_l2_err, check.tolerance, check.error
    );
}
