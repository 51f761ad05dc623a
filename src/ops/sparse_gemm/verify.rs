//! N:M sparse GEMM verification: awkward shapes × every N:M × every variant the dispatcher can
//! pick here, against the f64 reference on the decompressed matrix.

use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::harness::tolerance::compare;
use crate::harness::tolerance::Tolerance;
use crate::harness::verify::{random_data, Check, Tier};
use crate::ops::sparse_gemm::config::sparse_gemm_candidates;
use crate::ops::sparse_gemm::config::SparseConfig;
use crate::ops::sparse_gemm::config::SparseVariant;
use crate::ops::sparse_gemm::reference::sparse_gemm_ref;
use crate::ops::sparse_gemm::{NmMatrix, NmPattern, SparseForm, SparseGemmDesc, SparseGemmPlan};
use crate::runtime::Context;
use rand::{Rng, SeedableRng};

/// Every pattern the suite checks: all of PyTorch's (2:4), the power-of-two family the subgroup
/// kernel covers, and odd group lengths only the plain and coop kernels take.
pub fn sparse_patterns() -> Vec<NmPattern> {
    [
        (2, 4),
        (1, 4),
        (3, 4),
        (1, 2),
        (2, 8),
        (4, 8),
        (7, 8),
        (1, 8),
        (2, 16),
        (8, 16),
        (5, 16),
        (2, 3),
        (3, 5),
        (4, 7),
        (6, 12),
    ]
    .into_iter()
    .map(|(n, m)| NmPattern { n, m })
    .collect()
}

/// The shapes `verify sparse_gemm` covers at `tier`: one row, one column, K = M, tails, primes,
/// batches (per-batch and shared sparse operands), bias, both forms, f16, and patterns on a
/// tail-heavy shape in both forms. Every N:M pattern is its own set of pipelines (the group
/// length and index width are compile-time constants), so the standard tier takes 2:4 and one
/// pattern of each other kernel family (4:8: the power-of-two kernels' other group length;
/// 3:5: an odd group, plain and coop kernels only); full takes every pattern of
/// [`sparse_patterns`] and two larger products.
pub fn sparse_shapes(tier: Tier) -> Vec<SparseGemmDesc> {
    let p24 = NmPattern::TWO_FOUR;
    let mm = SparseGemmDesc::matmul;
    let lin = SparseGemmDesc::linear;
    let mut v = vec![
        mm(1, 1, 4, p24),
        mm(7, 13, 8, p24),
        mm(37, 5, 64, p24).with_bias(true),
        mm(65, 33, 96, p24).batch(3),
        mm(130, 70, 128, p24).dtype(DType::F16),
        mm(24, 40, 36, p24)
            .batch(4)
            .shared_sparse(true)
            .with_bias(true),
        mm(300, 200, 100, p24),
        lin(1, 37, 64, p24).with_bias(true),
        lin(4, 100, 128, p24).with_bias(true).batch(2),
        lin(16, 65, 96, p24),
        lin(17, 40, 64, p24).with_bias(true),
        lin(3, 9, 4, p24),
        lin(5, 33, 40, p24).dtype(DType::F16).with_bias(true),
    ];
    if tier.full() {
        v.push(lin(64, 96, 160, p24).dtype(DType::F16));
        v.push(mm(256, 256, 256, p24));
        v.push(lin(8, 512, 512, p24).with_bias(true));
    }
    for (i, p) in sparse_patterns().into_iter().enumerate() {
        // Standard: 4:8 in the linear form, 3:5 in the matmul form (the forms differ in the
        // layout of the dense operand and output, which 2:4 covers both ways).
        let (matmul, linear) = match (p.n, p.m) {
            _ if tier.full() => (true, true),
            (4, 8) => (false, true),
            (3, 5) => (true, false),
            _ => (false, false),
        };
        if matmul {
            v.push(mm(29 + i as u32, 19, p.m * (3 + i as u32 % 4), p));
        }
        if linear {
            v.push(lin(1 + i as u32 % 16, 45, p.m * 8, p).with_bias(i % 2 == 0));
        }
    }
    v
}

/// JSON shape object of a sparse GEMM.
pub fn sparse_shape_json(d: &SparseGemmDesc) -> serde_json::Value {
    let mut v = match d.form {
        SparseForm::Matmul => {
            serde_json::json!({ "form": "matmul", "m": d.rows, "n": d.cols, "k": d.k })
        }
        SparseForm::Linear => {
            serde_json::json!({ "form": "linear", "tokens": d.cols, "out": d.rows, "in": d.k })
        }
    };
    let o = v.as_object_mut().expect("object literal");
    o.insert("pattern".into(), d.pattern.to_string().into());
    o.insert("batch".into(), d.batch.into());
    o.insert("bias".into(), d.bias.into());
    o.insert(
        "shared_sparse".into(),
        (d.shared_sparse && d.batch > 1).into(),
    );
    v
}

/// One configuration per kernel the dispatcher can pick for `desc` here: the default, then the
/// first candidate of every other (variant, kernel) pair.
pub fn sparse_variants_to_check(ctx: &Context, desc: &SparseGemmDesc) -> Vec<SparseConfig> {
    let mut out: Vec<SparseConfig> = Vec::new();
    for c in sparse_gemm_candidates(ctx.caps(), &ctx.limits(), desc) {
        if !out
            .iter()
            .any(|o| o.variant() == c.variant() && o.shader(desc) == c.shader(desc))
        {
            out.push(c);
        }
    }
    out
}

/// A random `rows × k` N:M matrix (random values pruned to the pattern, with some kept slots
/// zeroed so that under-full groups occur) and its decompressed f64 values.
pub fn random_nm<T: Element>(
    rows: usize,
    k: usize,
    pattern: NmPattern,
    seed: u64,
) -> Result<(NmMatrix<T>, Vec<f64>)> {
    let (mut dense, _) = random_data::<T>(rows * k, seed);
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed ^ 0x5eed);
    for x in dense.iter_mut() {
        if rng.random_range(0.0..1.0) < 0.03 {
            *x = T::from_f64(0.0);
        }
    }
    let a = NmMatrix::compress_pruned(&dense, rows, k, pattern)?;
    let f = a.decompress().iter().map(|x| x.to_f64()).collect();
    Ok((a, f))
}

/// The variant name reported for `config`: gemv runs either rows kernel, so it says which.
pub fn sparse_variant_name(config: &SparseConfig) -> String {
    match *config {
        SparseConfig::Gemv { sg, .. } if sg > 0 => "gemv-sg".into(),
        SparseConfig::Gemv { .. } => "gemv-plain".into(),
        c => c.variant().name().into(),
    }
}

/// Runs `desc` with `config` on random data and compares with the f64 reference.
/// (Blocking; the browser uses [`check_sparse_gemm_async`].)
#[cfg(not(target_arch = "wasm32"))]
pub fn check_sparse_gemm(
    ctx: &Context,
    desc: &SparseGemmDesc,
    config: SparseConfig,
    seed: u64,
) -> Check {
    pollster::block_on(check_sparse_gemm_async(ctx, desc, config, seed))
}

/// [`check_sparse_gemm`] without blocking (GPU errors captured, not panicking).
pub async fn check_sparse_gemm_async(
    ctx: &Context,
    desc: &SparseGemmDesc,
    config: SparseConfig,
    seed: u64,
) -> Check {
    let r = match desc.dtype {
        DType::F32 => {
            ctx.capture_errors(check_typed::<f32>(ctx, desc, config, seed))
                .await
        }
        DType::F16 => {
            ctx.capture_errors(check_typed::<half::f16>(ctx, desc, config, seed))
                .await
        }
    };
    let compute = if config.variant() == SparseVariant::Coop {
        DType::F16
    } else {
        desc.dtype
    };
    let tol = Tolerance::sparse_gemm(compute, desc.k, desc.pattern);
    let (max_abs_err, rel_l2_err, pass, error) = match r {
        Ok((got, want)) => {
            let c = compare(&got, &want, tol);
            (c.max_abs_err, c.rel_l2_err, c.pass, None)
        }
        Err(e) => (f64::NAN, f64::NAN, false, Some(e.to_string())),
    };
    Check {
        op: "sparse_gemm".into(),
        variant: sparse_variant_name(&config),
        dtype: desc.dtype,
        shape: sparse_shape_json(desc),
        max_abs_err,
        rel_l2_err,
        tolerance: tol.rel_l2,
        pass,
        config: config.label(),
        error,
    }
}

async fn check_typed<T: Element>(
    ctx: &Context,
    desc: &SparseGemmDesc,
    config: SparseConfig,
    seed: u64,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let rows = desc.rows as usize * desc.sparse_batches() as usize;
    let (a, af) = random_nm::<T>(rows, desc.k as usize, desc.pattern, seed)?;
    let (b, bf) = random_data::<T>(desc.dense_len() as usize, seed + 1);
    let (bias, biasf) = random_data::<T>(desc.rows as usize, seed + 2);
    let plan = SparseGemmPlan::new(ctx, *desc, Some(config))?;
    let bias_in = desc.bias.then_some(&bias[..]);
    let got = plan.run_host(&a, &b, bias_in).await?;
    let want = sparse_gemm_ref(desc, &af, &bf, Some(&biasf));
    Ok((got.iter().map(|x| x.to_f64()).collect(), want))
}

/// Every sparse GEMM check `verify sparse_gemm` runs at `tier` on this adapter: each shape of
/// [`sparse_shapes`] with one configuration per kernel the dispatcher can pick for it;
/// `progress` is called after each.
pub async fn verify_sparse_gemm_async(
    ctx: &Context,
    tier: Tier,
    progress: &mut dyn FnMut(&Check),
) -> Vec<Check> {
    let mut out = Vec::new();
    for (i, desc) in sparse_shapes(tier).into_iter().enumerate() {
        if desc.dtype == DType::F16 && !ctx.caps().f16 {
            continue;
        }
        for config in sparse_variants_to_check(ctx, &desc) {
            let check = check_sparse_gemm_async(ctx, &desc, config, 5000 + i as u64).await;
            progress(&check);
            out.push(check);
        }
    }
    out
}
