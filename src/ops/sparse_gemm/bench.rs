//! N:M sparse GEMM cases of the vendor report. Every sparse shape is measured next to our own
//! dense GEMM on the same shape, in alternating rounds of the same run, and each sparse row
//! notes its speed-up over that dense row and the compressed weight bytes.

use super::work::sparse_gemm_work;
use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::harness::bench::{time_case, time_rounds, PreparedCase};
use crate::harness::tolerance::compare;
use crate::harness::tolerance::Tolerance;
use crate::harness::verify::random_data;
use crate::ops::gemm::bench::prepare_gemm_case;
use crate::ops::gemm::GemmDesc;
use crate::ops::sparse_gemm::config::SparseConfig;
use crate::ops::sparse_gemm::config::SparseVariant;
use crate::ops::sparse_gemm::reference::sparse_gemm_ref_rows;
use crate::ops::sparse_gemm::verify::random_nm;
use crate::ops::sparse_gemm::verify::sparse_shape_json;
use crate::ops::sparse_gemm::verify::sparse_variant_name;
use crate::ops::sparse_gemm::verify::sparse_variants_to_check;
use crate::ops::sparse_gemm::{
    upload_words, NmPattern, SparseForm, SparseGemmBound, SparseGemmDesc, SparseGemmPlan,
};
use crate::probe::Peaks;
use crate::report::BenchResult;
use crate::runtime::{read_buffer, Context, Timing};
use std::marker::PhantomData;

/// Sparse rows checked against the reference during a bench (a spot check).
const CHECK_ROWS: usize = 16;

/// One shape of the report with the sparse configurations to time on it (`None` = the
/// dispatcher's pick); the dense GEMM of the same shape is timed once beside them.
pub type SparseCase = (SparseGemmDesc, Vec<Option<SparseConfig>>);

/// The cases: the targets in both modes — 2:4 f32 2048³, and the 2:4 f32 linear layer
/// with a 4096×4096 weight at 1, 4 and 16 tokens — plus the f16 weight-bytes case; full mode
/// adds every variant at 2048³, other patterns and f16 storage.
pub fn sparse_cases(ctx: &Context, quick: bool) -> Vec<SparseCase> {
    let p24 = NmPattern::TWO_FOUR;
    let mut v: Vec<SparseCase> = Vec::new();
    let square = SparseGemmDesc::matmul(2048, 2048, 2048, p24);
    let mut sq_cfgs = vec![None];
    if !quick {
        sq_cfgs.extend(
            sparse_variants_to_check(ctx, &square)
                .into_iter()
                .skip(1)
                .map(Some),
        );
    }
    v.push((square, sq_cfgs));
    for tokens in [1, 4, 16] {
        v.push((SparseGemmDesc::linear(tokens, 4096, 4096, p24), vec![None]));
    }
    if ctx.caps().f16 {
        v.push((
            SparseGemmDesc::linear(1, 4096, 4096, p24).dtype(DType::F16),
            vec![None],
        ));
    }
    if !quick {
        for p in [NmPattern { n: 1, m: 4 }, NmPattern { n: 4, m: 8 }] {
            v.push((SparseGemmDesc::matmul(1024, 1024, 1024, p), vec![None]));
        }
        if ctx.caps().f16 {
            let h = SparseGemmDesc::matmul(1024, 1024, 1024, p24).dtype(DType::F16);
            let mut cfgs = vec![None];
            cfgs.extend(
                sparse_variants_to_check(ctx, &h)
                    .into_iter()
                    .skip(1)
                    .map(Some),
            );
            v.push((h, cfgs));
        }
        v.push((
            SparseGemmDesc::linear(64, 4096, 4096, p24).with_bias(true),
            vec![None],
        ));
    }
    v
}

/// Times the dense GEMM of `desc`'s shape and every listed sparse configuration in alternating
/// rounds ([`time_rounds`]: the ratios to dense come from the same moments of machine load),
/// returning the dense rows first. Sparse rows carry `speed-up ×… vs dense` and the weight bytes
/// in `note`. A case that cannot be built is reported through `on_error` and left out.
pub fn bench_sparse_with_dense(
    ctx: &Context,
    peaks: &Peaks,
    desc: SparseGemmDesc,
    configs: &[Option<SparseConfig>],
    quick: bool,
    on_error: &mut dyn FnMut(String),
) -> Vec<BenchResult> {
    let mut dense: Vec<(Box<dyn PreparedCase>, &str)> = Vec::new();
    for (gd, layout) in dense_baselines(&desc) {
        match prepare_gemm_case(ctx, gd, None) {
            Ok(c) => dense.push((c, layout)),
            Err(e) => on_error(format!(
                "dense baseline of sparse_gemm {desc:?} ({layout}): {e}"
            )),
        }
    }
    let mut sparse: Vec<(Box<dyn PreparedCase>, Option<SparseConfig>)> = Vec::new();
    for cfg in configs {
        match prepare_sparse_case(ctx, desc, *cfg) {
            Ok(c) => sparse.push((c, *cfg)),
            Err(e) => on_error(format!("sparse_gemm {desc:?} {cfg:?}: {e}")),
        }
    }
    let cases: Vec<&dyn PreparedCase> = dense
        .iter()
        .map(|(c, _)| c.as_ref())
        .chain(sparse.iter().map(|(c, _)| c.as_ref()))
        .collect();
    let timings = match time_rounds(ctx, quick, &cases, |c, pass| c.record(pass)) {
        Ok(t) => t,
        Err(e) => {
            on_error(format!("sparse_gemm {desc:?}: timing failed: {e}"));
            return Vec::new();
        }
    };
    let mut out: Vec<BenchResult> = Vec::new();
    let mut best: Option<usize> = None;
    for ((case, layout), t) in dense.iter().zip(&timings) {
        match case.finish(ctx, peaks, t) {
            Ok(mut r) => {
                r.op = "sparse_gemm".into();
                r.variant = format!("dense {}", r.variant);
                let mut shape = sparse_shape_json(&desc);
                shape["pattern"] = "dense".into();
                r.shape = shape;
                r.note = format!(
                    "our dense GEMM on the same shape, {layout} (weights {:.2} MB){}",
                    desc.sparse_dense_bytes() as f64 / 1e6,
                    if desc.bias { "; bias not included" } else { "" }
                );
                if best.is_none_or(|i: usize| r.median_ms < out[i].median_ms) {
                    best = Some(out.len());
                }
                out.push(r);
            }
            Err(e) => on_error(format!(
                "dense baseline of sparse_gemm {desc:?} ({layout}): {e}"
            )),
        }
    }
    if let (Some(i), true) = (best, out.len() > 1) {
        out[i]
            .note
            .push_str("; the faster dense layout: the baseline of the ratios");
    }
    let dense_ms = best.map(|i| out[i].median_ms);
    for ((case, cfg), t) in sparse.iter().zip(&timings[dense.len()..]) {
        match case.finish(ctx, peaks, t) {
            Ok(mut r) => {
                if let Some(d) = dense_ms {
                    r.note = format!("{:.2}x vs dense ({d:.3} ms); {}", d / r.median_ms, r.note);
                }
                out.push(r);
            }
            Err(e) => on_error(format!("sparse_gemm {desc:?} {cfg:?}: {e}")),
        }
    }
    out
}

/// The dense GEMMs a sparse case is compared with, each with a description of its layout. The
/// matmul form has one (`C = A·B`, both row-major). The linear form has two: the same layout as
/// the sparse call (`Y = X·Wᵀ` with W out×K, B transposed), and `Y = X·Wt` with the weight
/// stored pre-transposed (K×out, no transposes) — the layout our dense GEMM's fastest kernels
/// take. The faster of the two is the baseline, so the ratio is not flattered by a slow layout.
pub fn dense_baselines(desc: &SparseGemmDesc) -> Vec<(GemmDesc, &'static str)> {
    let d = desc.dense_equivalent();
    match desc.form {
        SparseForm::Matmul => vec![(d, "C = A·B")],
        SparseForm::Linear => {
            let mut u = d;
            u.trans_b = false;
            vec![
                (d, "Y = X·Wᵀ, W out×K (transposed operand)"),
                (u, "Y = X·Wt, Wt stored K×out (no transposes)"),
            ]
        }
    }
}

/// Benchmarks one sparse configuration (the dispatcher's pick when `None`).
pub fn bench_sparse_case(
    ctx: &Context,
    peaks: &Peaks,
    desc: SparseGemmDesc,
    config: Option<SparseConfig>,
    quick: bool,
) -> Result<BenchResult> {
    let case = prepare_sparse_case(ctx, desc, config)?;
    let t = time_case(ctx, quick, &|pass| case.record(pass))?;
    case.finish(ctx, peaks, &t)
}

/// Builds and binds one sparse configuration on random N:M data.
fn prepare_sparse_case(
    ctx: &Context,
    desc: SparseGemmDesc,
    config: Option<SparseConfig>,
) -> Result<Box<dyn PreparedCase>> {
    Ok(match desc.dtype {
        DType::F32 => Box::new(PreparedSparse::<f32>::new(ctx, desc, config)?),
        DType::F16 => Box::new(PreparedSparse::<half::f16>::new(ctx, desc, config)?),
    })
}

/// A sparse case ready to time: its plan, bound buffers and the f64 inputs of the spot check.
struct PreparedSparse<T> {
    desc: SparseGemmDesc,
    source: crate::tune::ConfigSource,
    plan: SparseGemmPlan,
    bound: SparseGemmBound,
    out: wgpu::Buffer,
    a: Vec<f64>,
    b: Vec<f64>,
    bias: Vec<f64>,
    _element: PhantomData<T>,
}

impl<T: Element> PreparedSparse<T> {
    fn new(ctx: &Context, desc: SparseGemmDesc, config: Option<SparseConfig>) -> Result<Self> {
        let (config, source) = match config {
            Some(c) => (c, crate::tune::ConfigSource::Explicit),
            None => {
                let p = crate::ops::sparse_gemm::tune::sparse_gemm_pick_with_source(ctx, &desc);
                (p.config, p.source)
            }
        };
        let plan = SparseGemmPlan::new(ctx, desc, Some(config))?;
        let rows = desc.rows as usize * desc.sparse_batches() as usize;
        let (a, af) = random_nm::<T>(rows, desc.k as usize, desc.pattern, 17)?;
        let (b, bf) = random_data::<T>(desc.dense_len() as usize, 18);
        let (bias, biasf) = random_data::<T>(desc.rows as usize, 19);
        let vb = ctx.upload("sparse values", &a.gpu_values())?;
        let mb = upload_words(ctx, "sparse meta", a.meta())?;
        let db = ctx.upload("dense", &b)?;
        let bb = if desc.bias {
            Some(ctx.upload("bias", &bias)?)
        } else {
            None
        };
        let out = ctx.storage("out", desc.out_len() * desc.dtype.size())?;
        let bound = plan.bind(&vb, &mb, &db, bb.as_ref(), &out)?;
        Ok(Self {
            desc,
            source,
            plan,
            bound,
            out,
            a: af,
            b: bf,
            bias: biasf,
            _element: PhantomData,
        })
    }
}

impl<T: Element> PreparedCase for PreparedSparse<T> {
    fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        self.bound.record(pass);
    }

    fn finish(&self, ctx: &Context, peaks: &Peaks, t: &Timing) -> Result<BenchResult> {
        let (desc, source) = (self.desc, self.source);
        // Spot-check the first sparse rows of every batch.
        let got: Vec<T> = pollster::block_on(read_buffer(ctx, &self.out, desc.out_len() as usize))?;
        let want = sparse_gemm_ref_rows(&desc, &self.a, &self.b, Some(&self.bias), CHECK_ROWS);
        let (m, n) = (desc.rows as usize, desc.cols as usize);
        let mut g = Vec::new();
        let mut w = Vec::new();
        for bi in 0..desc.batch as usize {
            for i in 0..m.min(CHECK_ROWS) {
                for j in 0..n {
                    let idx = match desc.form {
                        SparseForm::Matmul => bi * m * n + i * n + j,
                        SparseForm::Linear => bi * m * n + j * m + i,
                    };
                    g.push(got[idx].to_f64());
                    w.push(want[idx]);
                }
            }
        }
        let cfg = *self.plan.config();
        let compute = if cfg.variant() == SparseVariant::Coop {
            DType::F16
        } else {
            desc.dtype
        };
        let err = compare(
            &g,
            &w,
            Tolerance::sparse_gemm(compute, desc.k, desc.pattern),
        );
        let secs = t.median_ms * 1e-3;
        let gflops = desc.flops() / secs / 1e9;
        let es = desc.dtype.size() as f64;
        let (gbps, pct) = if desc.gemv_shape() {
            let bytes =
                desc.sparse_bytes() as f64 + (desc.dense_len() + desc.out_len()) as f64 * es;
            let gbps = bytes / secs / 1e9;
            (Some(gbps), Some(100.0 * gbps / peaks.copy_gbps))
        } else {
            let peak = match (compute, peaks.fma_f16_gflops) {
                (DType::F16, Some(h)) if cfg.variant() == SparseVariant::Coop => h,
                _ => peaks.fma_f32_gflops,
            };
            // Share of peak counts the multiply-adds actually done (N/M of the dense-equivalent).
            let done = gflops * desc.pattern.n as f64 / desc.pattern.m as f64;
            (None, Some(100.0 * done / peak))
        };
        let weights = format!(
            "weights {:.2} MB = {:.2}% of dense {}",
            desc.sparse_bytes() as f64 / 1e6,
            100.0 * desc.sparse_bytes() as f64 / desc.sparse_dense_bytes() as f64,
            desc.dtype
        );
        Ok(BenchResult {
            op: "sparse_gemm".into(),
            variant: sparse_variant_name(&cfg),
            dtype: desc.dtype,
            shape: sparse_shape_json(&desc),
            median_ms: t.median_ms,
            samples_ms: t.samples_ms.clone(),
            work: Some(sparse_gemm_work(
                &desc,
                cfg.variant() == SparseVariant::Coop,
            )),
            gflops: Some(gflops),
            gbps,
            pct_of_peak: pct,
            config: cfg.label(),
            rel_l2_err: err.rel_l2_err,
            timing: format!("{:?}", t.source).to_lowercase(),
            config_source: source.name().into(),
            note: if err.pass {
                weights
            } else {
                format!("FAILED reference spot check; {weights}")
            },
            ..Default::default()
        })
    }
}

/// Benchmarks every case of this op (`ops::bench_op` runs it by name). `progress(done, total,
/// label)` is called before each case, `on_result` with each row as soon as it is measured; a
/// case that fails to run is reported through `on_error` and skipped.
pub fn bench_all(
    ctx: &Context,
    peaks: &Peaks,
    quick: bool,
    progress: &mut dyn FnMut(usize, usize, &str),
    on_result: &mut dyn FnMut(&BenchResult),
    on_error: &mut dyn FnMut(String),
) -> Vec<BenchResult> {
    let mut out = Vec::new();
    // Announces the rows a case added since `from`.
    let mut emit =
        |out: &Vec<BenchResult>, from: usize| out[from..].iter().for_each(&mut *on_result);
    let cases = sparse_cases(ctx, quick);
    for (i, (desc, cfgs)) in cases.iter().enumerate() {
        progress(
            i,
            cases.len(),
            &crate::report::shape_text(&crate::ops::sparse_gemm::verify::sparse_shape_json(desc)),
        );
        let from = out.len();
        out.extend(bench_sparse_with_dense(
            ctx, peaks, *desc, cfgs, quick, on_error,
        ));
        emit(&out, from);
    }
    out
}
