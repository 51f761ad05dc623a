//! GEMM verification: awkward shapes × every variant the dispatcher can pick here.

use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::harness::tolerance::compare;
use crate::harness::tolerance::Tolerance;
use crate::harness::verify::{random_data, Check, Tier};
use crate::ops::gemm::config::gemm_candidates;
use crate::ops::gemm::config::GemmConfig;
use crate::ops::gemm::config::GemmVariant;
use crate::ops::gemm::reference::gemm_ref_bias;
use crate::ops::gemm::{Activation, GemmDesc, GemmPlan};
use crate::runtime::Context;

/// The GEMM shapes `verify` covers at `tier`. Standard: 1×1×1, primes and sizes off the tile
/// under each of the four transposes, K = 1, one-row and one-column products (GEMV), a batch,
/// broadcast A and B, alpha/beta, f16 (also scaled), the linear layer with each activation,
/// bias and residual. Full adds more tails, longer reductions,
/// batched GEMV shapes, more f16 shapes and 512³.
pub fn gemm_shapes(tier: Tier) -> Vec<GemmDesc> {
    let mut v = Vec::new();
    let t4 = [(false, false), (true, false), (false, true), (true, true)];
    let mut base = vec![
        (1, 1, 1, 1),
        (17, 19, 23, 1),
        (65, 63, 67, 1),
        (128, 128, 1, 1),
        (1, 128, 128, 1),
        (100, 1, 33, 1),
        (33, 17, 9, 3),
        (64, 64, 64, 1),
    ];
    if tier.full() {
        base.extend([
            (1, 1, 7, 1),
            (2, 3, 4, 1),
            (7, 1, 13, 1),
            (1, 9, 5, 1),
            (31, 37, 41, 1),
            (3, 5, 257, 1),
            (257, 129, 65, 1),
            (300, 200, 100, 1),
            (127, 1, 511, 2),
            (64, 1, 256, 3),
            (1, 64, 96, 1),
        ]);
    }
    for (i, &(m, n, k, b)) in base.iter().enumerate() {
        let t = t4[i % 4];
        v.push(GemmDesc::new(m, n, k).batch(b).trans(t.0, t.1));
    }
    let f16_shapes: &[(u32, u32, u32, u32)] = if tier.full() {
        &[
            (19, 23, 29, 2),
            (64, 48, 80, 1),
            (1, 1, 1, 1),
            (5, 1, 77, 1),
        ]
    } else {
        &[(19, 23, 29, 2), (64, 48, 80, 1)]
    };
    for &(m, n, k, b) in f16_shapes {
        for (ta, tb) in [(false, false), (true, true)] {
            v.push(
                GemmDesc::new(m, n, k)
                    .batch(b)
                    .trans(ta, tb)
                    .dtype(DType::F16),
            );
        }
    }
    v.push(GemmDesc::new(45, 27, 18).scale(0.5, -1.5));
    v.push(GemmDesc::new(45, 27, 18).scale(2.0, 0.25).dtype(DType::F16));
    let mut bc = GemmDesc::new(24, 40, 16).batch(5);
    bc.broadcast_b = true;
    v.push(bc);
    let mut ba = GemmDesc::new(9, 12, 70).batch(4).trans(true, false);
    ba.broadcast_a = true;
    v.push(ba);
    // The linear layer (X·Wᵀ, W out × in) with its fused epilogue: bias + GELU on a shape the
    // subgroup kernel takes and on tails (tiled), one token (GEMV on the swapped problem) with
    // SiLU and the residual, ReLU over a batch of tokens, f16.
    v.push(
        GemmDesc::linear(20, 36, 24)
            .with_bias(true)
            .activation(Activation::Gelu),
    );
    v.push(
        GemmDesc::linear(17, 19, 23)
            .with_bias(true)
            .activation(Activation::Gelu),
    );
    v.push(
        GemmDesc::linear(1, 40, 36)
            .with_bias(true)
            .activation(Activation::Silu)
            .residual(true),
    );
    v.push(
        GemmDesc::linear(9, 12, 16)
            .batch(3)
            .with_bias(true)
            .activation(Activation::Relu),
    );
    v.push(
        GemmDesc::linear(19, 24, 28)
            .dtype(DType::F16)
            .with_bias(true)
            .activation(Activation::Gelu),
    );
    if tier.full() {
        v.push(GemmDesc::new(512, 512, 512));
    }
    v
}

/// JSON shape object of a GEMM. The epilogue's keys appear only when it has one, so plain
/// GEMM rows keep the shape they had in earlier reports (`compare` matches rows by shape).
pub fn gemm_shape_json(d: &GemmDesc) -> serde_json::Value {
    let mut v = serde_json::json!({
        "m": d.m, "n": d.n, "k": d.k, "batch": d.batch,
        "trans_a": d.trans_a, "trans_b": d.trans_b,
        "alpha": d.alpha, "beta": d.beta,
        "broadcast_a": d.broadcast_a, "broadcast_b": d.broadcast_b,
    });
    if d.bias {
        v["bias"] = true.into();
    }
    if d.activation != Activation::None {
        v["activation"] = d.activation.name().into();
    }
    v
}

/// One configuration per variant that the dispatcher can pick for `desc` here: the default,
/// then the first candidate of every other variant.
pub fn gemm_variants_to_check(ctx: &Context, desc: &GemmDesc) -> Vec<GemmConfig> {
    let mut out: Vec<GemmConfig> = Vec::new();
    for c in gemm_candidates(ctx.caps(), &ctx.limits(), desc) {
        if !out.iter().any(|o| o.variant() == c.variant()) {
            out.push(c);
        }
    }
    out
}

/// Runs `desc` with `config` on random data and compares with the f64 reference.
/// (Blocking; the browser uses [`check_gemm_async`].)
#[cfg(not(target_arch = "wasm32"))]
pub fn check_gemm(ctx: &Context, desc: &GemmDesc, config: GemmConfig, seed: u64) -> Check {
    pollster::block_on(check_gemm_async(ctx, desc, config, seed))
}

/// [`check_gemm`] without blocking. GPU errors raised while it runs (a shader the browser
/// rejects, an invalid dispatch) are caught around the whole check and land in `Check::error`.
pub async fn check_gemm_async(
    ctx: &Context,
    desc: &GemmDesc,
    config: GemmConfig,
    seed: u64,
) -> Check {
    let r = match desc.dtype {
        DType::F32 => {
            ctx.capture_errors(check_gemm_typed::<f32>(ctx, desc, config, seed))
                .await
        }
        DType::F16 => {
            ctx.capture_errors(check_gemm_typed::<half::f16>(ctx, desc, config, seed))
                .await
        }
    };
    let compute = if config.variant() == GemmVariant::Coop {
        DType::F16
    } else {
        desc.dtype
    };
    let tol = Tolerance::gemm_desc(compute, desc);
    match r {
        Ok((got, want)) => {
            let c = compare(&got, &want, tol);
            Check {
                op: "gemm".into(),
                variant: config.variant().name().into(),
                dtype: desc.dtype,
                shape: gemm_shape_json(desc),
                max_abs_err: c.max_abs_err,
                rel_l2_err: c.rel_l2_err,
                tolerance: c.tolerance,
                pass: c.pass,
                config: config.label(),
                error: None,
            }
        }
        Err(e) => Check {
            op: "gemm".into(),
            variant: config.variant().name().into(),
            dtype: desc.dtype,
            shape: gemm_shape_json(desc),
            max_abs_err: f64::NAN,
            rel_l2_err: f64::NAN,
            tolerance: tol.rel_l2,
            pass: false,
            config: config.label(),
            error: Some(e.to_string()),
        },
    }
}

async fn check_gemm_typed<T: Element>(
    ctx: &Context,
    desc: &GemmDesc,
    config: GemmConfig,
    seed: u64,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let (a, af) = random_data::<T>(desc.a_len() as usize, seed);
    let (b, bf) = random_data::<T>(desc.b_len() as usize, seed + 1);
    let (c, cf) = random_data::<T>(desc.c_len() as usize, seed + 2);
    let (bias, biasf) = random_data::<T>(desc.n as usize, seed + 3);
    let plan = GemmPlan::new(ctx, *desc, Some(config))?;
    let c_in = (desc.beta != 0.0).then_some(&c[..]);
    let bias_in = desc.bias.then_some(&bias[..]);
    let got = plan.run_host_with_bias(&a, &b, bias_in, c_in).await?;
    let want = gemm_ref_bias(desc, &af, &bf, Some(&biasf), Some(&cf));
    Ok((got.iter().map(|x| x.to_f64()).collect(), want))
}

/// Every GEMM check `verify gemm` runs at `tier` on this adapter: each shape of
/// [`gemm_shapes`] with one configuration per variant the dispatcher can pick for it;
/// `progress` is called after each.
pub async fn verify_gemm_async(
    ctx: &Context,
    tier: Tier,
    progress: &mut dyn FnMut(&Check),
) -> Vec<Check> {
    let mut out = Vec::new();
    for (i, desc) in gemm_shapes(tier).into_iter().enumerate() {
        if desc.dtype == DType::F16 && !ctx.caps().f16 {
            continue;
        }
        for config in gemm_variants_to_check(ctx, &desc) {
            let check = check_gemm_async(ctx, &desc, config, 1000 + i as u64).await;
            progress(&check);
            out.push(check);
        }
    }
    out
}
