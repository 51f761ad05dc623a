//! N:M sparse GEMM on the page: a weight pruned to 2:4 (or another N:M pattern) — the dense
//! weight, which entries stay, the product of the compressed weight on the GPU and its error
//! against the f64 reference — and timings of sparse against dense products of the same shape.

use super::{heat, timed_bar, verdict, DemoOp, Pick, Ran, Rate, Recorder};
use crate::controls::{Control, Params};
use crate::figure::{Bar, Figure, Palette};
use futures::future::LocalBoxFuture;
use wgkernels::harness::tolerance::compare;
use wgkernels::harness::tolerance::Tolerance;
use wgkernels::harness::verify::random_data;
use wgkernels::ops::gemm::config::GemmVariant;
use wgkernels::ops::gemm::work::gemm_work;
use wgkernels::ops::sparse_gemm::config::{sparse_gemm_candidates, SparseVariant};
use wgkernels::ops::sparse_gemm::reference::sparse_gemm_ref;
use wgkernels::ops::sparse_gemm::tune::sparse_gemm_pick;
use wgkernels::ops::sparse_gemm::upload_words;
use wgkernels::ops::sparse_gemm::verify::{sparse_shape_json, sparse_variant_name};
use wgkernels::ops::sparse_gemm::work::sparse_gemm_work;
use wgkernels::report::BenchResult;
use wgkernels::{
    Context, DType, GemmDesc, GemmPlan, NmMatrix, NmPattern, SparseGemmDesc, SparseGemmPlan,
};

/// The sparse-GEMM entry of the demo registry.
pub struct SparseGemm;

const PATTERNS: &[&str] = &["2:4", "1:4", "4:8", "1:2", "2:8"];

fn pattern(p: &Params) -> NmPattern {
    p.word("pattern").parse().unwrap_or(NmPattern::TWO_FOUR)
}

impl DemoOp for SparseGemm {
    fn name(&self) -> &'static str {
        wgkernels::ops::sparse_gemm::NAME
    }

    fn title(&self) -> &'static str {
        "N:M sparse GEMM — Y = X·W_sᵀ with a 2:4 weight"
    }

    fn picks(&self, ctx: &Context) -> Vec<Pick> {
        let limits = ctx.limits();
        [
            (
                "f32 linear, 2:4, 256 tokens × 1024 out × 1024 in",
                SparseGemmDesc::linear(256, 1024, 1024, NmPattern::TWO_FOUR),
            ),
            (
                "f32 linear, 2:4, one token (decode)",
                SparseGemmDesc::linear(1, 4096, 4096, NmPattern::TWO_FOUR),
            ),
        ]
        .into_iter()
        .map(|(case, desc)| {
            let cfg = sparse_gemm_pick(ctx, &desc);
            Pick {
                case: case.into(),
                config: cfg.label(),
                note: format!(
                    "{} candidates on this device; compressed weight = {:.0}% of the dense bytes",
                    sparse_gemm_candidates(ctx.caps(), &limits, &desc).len(),
                    100.0 * desc.pattern.compressed_fraction(4)
                ),
            }
        })
        .collect()
    }

    fn see_controls(&self) -> Vec<Control> {
        vec![
            Control::int("out", "out features", "16", 1, 256, "rows of the weight W"),
            Control::int(
                "in",
                "in features K",
                "32",
                1,
                512,
                "columns of W; a multiple of the pattern's M",
            ),
            Control::int("tokens", "tokens", "24", 1, 256, "rows of X (and of Y)"),
            Control::choice(
                "pattern",
                "N:M pattern",
                "2:4",
                PATTERNS.to_vec(),
                "keep the N largest magnitudes of every M consecutive weights (density N/M)",
            ),
        ]
    }

    fn cross_check(&self, section: &str, p: &Params) -> Result<(), (&'static str, String)> {
        let m = pattern(p).m;
        if section == "see" && !p.int("in").is_multiple_of(m) {
            return Err((
                "in",
                format!("must be a multiple of M = {m} (the groups run along K)"),
            ));
        }
        if section == "measure" {
            if let Some(s) = p
                .int_list("sizes")
                .into_iter()
                .find(|s| !s.is_multiple_of(4))
            {
                return Err((
                    "sizes",
                    format!("{s} is not a multiple of 4 (2:4 groups run along K)"),
                ));
            }
        }
        Ok(())
    }

    fn see<'a>(
        &'a self,
        ctx: &'a Context,
        p: &'a Params,
    ) -> LocalBoxFuture<'a, Result<Vec<Figure>, String>> {
        Box::pin(async move {
            let (out, k, tokens, pat) = (p.int("out"), p.int("in"), p.int("tokens"), pattern(p));
            let desc = SparseGemmDesc::linear(tokens, out, k, pat);
            let (w, _) = random_data::<f32>((out * k) as usize, 42);
            let (x, xf) = random_data::<f32>((tokens * k) as usize, 43);
            let ws = NmMatrix::compress_pruned(&w, out as usize, k as usize, pat)
                .map_err(|e| e.to_string())?;
            let pruned = ws.decompress();
            let (got, label) = ctx
                .capture_errors(async {
                    let plan = SparseGemmPlan::new(ctx, desc, None)?;
                    let got = plan.run_host(&ws, &x, None).await?;
                    Ok((got, plan.config().label()))
                })
                .await
                .map_err(|e| e.to_string())?;
            let pf: Vec<f64> = pruned.iter().map(|&v| v as f64).collect();
            let want = sparse_gemm_ref(&desc, &pf, &xf, None);
            let gotf: Vec<f64> = got.iter().map(|&v| v as f64).collect();
            let cmp = compare(&gotf, &want, Tolerance::sparse_gemm(DType::F32, k, pat));
            let kept: Vec<f32> = pruned.iter().map(|&v| (v != 0.0) as u8 as f32).collect();
            let err: Vec<f32> = gotf
                .iter()
                .zip(&want)
                .map(|(g, w)| (g - w).abs() as f32)
                .collect();
            let (o, k, t) = (out as usize, k as usize, tokens as usize);
            Ok(vec![
                heat("Dense weight W", o, k, w, Palette::Diverging, "out feature", "in feature", format!("{o}×{k}, uniform in [−1, 1)")),
                heat(
                    format!("{pat} pattern: the weights kept"),
                    o,
                    k,
                    kept,
                    Palette::Mask,
                    "out feature",
                    "in feature",
                    format!(
                        "in every group of {} columns the {} largest |w| stay (dark); stored as {:.0}% of the dense bytes",
                        pat.m,
                        pat.n,
                        100.0 * pat.compressed_fraction(4)
                    ),
                ),
                heat("Y = X·W_sᵀ on the GPU", t, o, got, Palette::Diverging, "token", "out feature", format!("{t} tokens × {o} outputs, `{label}`")),
                heat(
                    "|GPU − CPU reference|",
                    t,
                    o,
                    err,
                    Palette::Magnitude,
                    "token",
                    "out feature",
                    format!(
                        "max abs err {:.1e}; {}",
                        cmp.max_abs_err,
                        verdict(&cmp)
                    ),
                ),
            ])
        })
    }

    fn measure_controls(&self) -> Vec<Control> {
        vec![
            Control::int_list(
                "sizes",
                "square sizes",
                "128, 256, 384",
                (4, 2048, 5),
                "tokens = out = in for each run; each is timed 2:4 sparse and dense",
            ),
            Control::iters("5"),
        ]
    }

    fn measure<'a>(
        &'a self,
        ctx: &'a Context,
        p: &'a Params,
    ) -> LocalBoxFuture<'a, Result<Vec<Bar>, String>> {
        Box::pin(async move {
            let iters = p.int("iters") as usize;
            let mut bars = Vec::new();
            for s in p.int_list("sizes") {
                let desc = SparseGemmDesc::linear(s, s, s, NmPattern::TWO_FOUR);
                let (w, _) = random_data::<f32>((s * s) as usize, 7);
                let (x, _) = random_data::<f32>((s * s) as usize, 8);
                let row = BenchResult {
                    op: wgkernels::ops::sparse_gemm::NAME.into(),
                    dtype: desc.dtype,
                    shape: sparse_shape_json(&desc),
                    work: Some(sparse_gemm_work(&desc, false)),
                    ..Default::default()
                };
                let sparse = timed_bar(ctx, row, format!("2:4 {s}³"), Rate::Flops, iters, || {
                    let plan = SparseGemmPlan::new(ctx, desc, None)?;
                    let ws = NmMatrix::compress_pruned(&w, s as usize, s as usize, desc.pattern)?;
                    let vb = ctx.upload("values", &ws.gpu_values())?;
                    let mb = upload_words(ctx, "meta", ws.meta())?;
                    let xb = ctx.upload("X", &x)?;
                    let yb = ctx.storage("Y", desc.out_len() * 4)?;
                    let bound = plan.bind(&vb, &mb, &xb, None, &yb)?;
                    let cfg = *plan.config();
                    let ran = Ran {
                        variant: sparse_variant_name(&cfg),
                        config: cfg.label(),
                        f16_math: cfg.variant() == SparseVariant::Coop,
                    };
                    let rec: Recorder = Box::new(move |pass| {
                        let _keep = (&vb, &mb, &xb, &yb);
                        bound.record(pass)
                    });
                    Ok((rec, ran))
                })
                .await;
                bars.push(sparse);
                let dd = GemmDesc::new(s, s, s);
                // The dense baseline's row as the native bench writes it: the sparse op's
                // shape with pattern `dense`, our dense GEMM's work.
                let mut shape = sparse_shape_json(&desc);
                shape["pattern"] = "dense".into();
                let row = BenchResult {
                    op: wgkernels::ops::sparse_gemm::NAME.into(),
                    dtype: dd.dtype,
                    shape,
                    work: Some(gemm_work(&dd, false)),
                    note: "our dense GEMM on the same shape".into(),
                    ..Default::default()
                };
                let dense = timed_bar(ctx, row, format!("dense {s}³"), Rate::Flops, iters, || {
                    let plan = GemmPlan::new(ctx, dd, None)?;
                    let ab = ctx.upload("A", &w)?;
                    let bb = ctx.upload("B", &x)?;
                    let cb = ctx.storage("C", dd.c_len() * 4)?;
                    let bound = plan.bind(&ab, &bb, &cb)?;
                    let cfg = *plan.config();
                    let ran = Ran {
                        variant: format!("dense {}", cfg.variant().name()),
                        config: format!("dense GEMM {}", cfg.label()),
                        f16_math: cfg.variant() == GemmVariant::Coop,
                    };
                    let rec: Recorder = Box::new(move |pass| {
                        let _keep = (&ab, &bb, &cb);
                        bound.record(pass)
                    });
                    Ok((rec, ran))
                })
                .await;
                bars.push(dense);
            }
            Ok(bars)
        })
    }
}
