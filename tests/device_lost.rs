//! After the device is gone every public call returns `Error::DeviceLost`: plans made before
//! the loss, plans made after it, runs on host data and on caller-owned buffers. Nothing panics.
//! The test destroys its own device (`device.destroy()`), never the shared test context's.

use wgkernels::{
    AttentionDesc, AttentionPlan, Context, Error, FftConvDesc, FftConvPlan, FftDesc, FftPlan,
    GemmDesc, GemmPlan, NmMatrix, NmPattern, RfftDesc, RfftPlan, SparseGemmDesc, SparseGemmPlan,
};

fn lost<T: std::fmt::Debug>(what: &str, r: wgkernels::Result<T>) {
    assert!(
        matches!(r, Err(Error::DeviceLost(_))),
        "{what}: expected Error::DeviceLost, got {r:?}"
    );
}

#[test]
fn every_op_returns_device_lost_after_destroy() {
    let ctx = Context::new_blocking().expect("a GPU adapter (lavapipe works)");
    let gemm_desc = GemmDesc::new(8, 8, 8);
    let fft_desc = FftDesc::new(64).batch(2);
    let rfft_desc = RfftDesc::new(64);
    let conv_desc = FftConvDesc::new(1, 2, 64, 64);
    let attn_desc = AttentionDesc::new(1, 2, 32, 32);
    let sparse_desc = SparseGemmDesc::matmul(8, 8, 16, NmPattern::TWO_FOUR);

    // Plans made while the device is alive.
    let gemm = GemmPlan::new(&ctx, gemm_desc, None).unwrap();
    let fft = FftPlan::new(&ctx, fft_desc, None).unwrap();
    let rfft = RfftPlan::new(&ctx, rfft_desc, None).unwrap();
    let conv = FftConvPlan::new(&ctx, conv_desc, None).unwrap();
    let attn = AttentionPlan::new(&ctx, attn_desc, None, None).unwrap();
    let sparse = SparseGemmPlan::new(&ctx, sparse_desc, None).unwrap();
    let c_buf = ctx.storage("C", 8 * 8 * 4).unwrap();

    ctx.device.destroy();

    lost("check_alive", ctx.check_alive());
    lost("upload", ctx.upload("x", &[1.0f32; 4]));
    lost("storage", ctx.storage("x", 16));
    lost("wait", ctx.wait());

    // New plans.
    lost("GemmPlan::new", GemmPlan::new(&ctx, gemm_desc, None));
    lost("FftPlan::new", FftPlan::new(&ctx, fft_desc, None));
    lost("RfftPlan::new", RfftPlan::new(&ctx, rfft_desc, None));
    lost("FftConvPlan::new", FftConvPlan::new(&ctx, conv_desc, None));
    lost(
        "AttentionPlan::new",
        AttentionPlan::new(&ctx, attn_desc, None, None),
    );
    lost(
        "SparseGemmPlan::new",
        SparseGemmPlan::new(&ctx, sparse_desc, None),
    );

    // Runs of the plans made before the loss.
    let x = vec![0.5f32; 8 * 8];
    lost(
        "gemm run_host",
        pollster::block_on(gemm.run_host(&x, &x, None)),
    );
    lost("gemm bind", gemm.bind(&c_buf, &c_buf, &c_buf).map(|_| ()));
    let z = vec![0.25f32; 2 * 64 * 2];
    lost("fft run_host", pollster::block_on(fft.run_host(&z)));
    lost("rfft run_host", pollster::block_on(rfft.run_host(&z[..64])));
    let u = vec![0.5f32; 2 * 64];
    lost(
        "fftconv run_host",
        pollster::block_on(conv.run_host(&u, &u, None, None)),
    );
    let q = vec![0.5f32; 2 * 32 * 32];
    lost(
        "attention run_host",
        pollster::block_on(attn.run_host(&q, &q, &q)),
    );
    let dense: Vec<f32> = (0..8 * 16)
        .map(|i| if i % 4 < 2 { 1.0 } else { 0.0 })
        .collect();
    let a = NmMatrix::compress(&dense, 8, 16, NmPattern::TWO_FOUR).unwrap();
    lost(
        "sparse_gemm run_host",
        pollster::block_on(sparse.run_host(&a, &vec![0.5f32; 16 * 8], None)),
    );
}

/// An allocation the device cannot make is a typed error, not a panic (over the adapter's
/// buffer-size or binding limits; inside them, wgpu's out-of-memory error comes back as
/// `Error::Gpu` through the same error scopes).
#[test]
fn allocations_over_the_limits_are_typed_errors() {
    let ctx = Context::new_blocking().expect("a GPU adapter (lavapipe works)");
    let too_big = ctx
        .limits()
        .max_buffer_size
        .max(ctx.limits().max_storage_buffer_binding_size)
        + 4;
    let r = ctx.storage("huge", too_big);
    assert!(matches!(r, Err(Error::OverLimit { .. })), "{r:?}");
    let plan = GemmPlan::new(&ctx, GemmDesc::new(1 << 15, 1 << 15, 1 << 15), None);
    assert!(matches!(plan, Err(Error::OverLimit { .. })), "{plan:?}");
}
