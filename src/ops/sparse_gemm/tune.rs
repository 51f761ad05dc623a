//! N:M sparse GEMM plugged into the tuner: shape buckets, the small correctness check, the
//! timed plan, and the shapes `wgkernels tune sparse_gemm` measures.

use super::config::{
    gcd, sparse_gemm_candidates, sparse_gemm_default, SparseConfig, SparseVariant,
};
use crate::ops::sparse_gemm::{SparseForm, SparseGemmDesc};
use crate::runtime::Capabilities;
use crate::runtime::Context;
use crate::tune::engine::TuneOp;

/// A sparse GEMM shape bucket: what a tuned winner is stored under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SparseBucket {
    /// Storage type.
    pub dtype: crate::DType,
    /// Matmul or linear form.
    pub form: SparseForm,
    /// The N:M pattern.
    pub pattern: crate::ops::sparse_gemm::NmPattern,
    /// Sparse rows, output columns (tokens), K (whole groups) and the batch, rounded up to
    /// powers of two.
    pub rows: u32,
    /// See `rows`.
    pub cols: u32,
    /// See `rows`.
    pub k: u32,
    /// See `rows`.
    pub batch: u32,
    /// Whether a bias is added.
    pub bias: bool,
    /// One sparse matrix for every batch (batches > 1 only).
    pub shared_sparse: bool,
}

/// The sparse GEMM as a [`TuneOp`].
#[derive(Clone, Copy, Debug)]
pub struct SparseTune;

fn pow2(x: u32) -> u32 {
    x.checked_next_power_of_two().unwrap_or(x)
}

impl TuneOp for SparseTune {
    const NAME: &'static str = "sparse_gemm";
    type Desc = SparseGemmDesc;
    type Config = SparseConfig;
    type Bucket = SparseBucket;

    fn shaders() -> Vec<crate::runtime::pipelines::Shader> {
        super::shaders::ALL.to_vec()
    }

    /// Rows, columns and batch rounded up to powers of two (1 stays 1, so single-token shapes
    /// keep their own buckets), K to a power of two rounded up to a multiple of M; the form,
    /// pattern, dtype, bias and sharing are part of the key. The representative problem has the
    /// rounded sizes (the call's own where those are over the index range).
    fn bucket(d: &SparseGemmDesc) -> (SparseBucket, SparseGemmDesc) {
        let m = d.pattern.m;
        let mut rep = SparseGemmDesc {
            rows: pow2(d.rows),
            cols: pow2(d.cols),
            k: pow2(d.k).div_ceil(m) * m,
            batch: pow2(d.batch),
            ..*d
        };
        if rep.validate().is_err() {
            rep = *d;
        }
        let bucket = SparseBucket {
            dtype: d.dtype,
            form: d.form,
            pattern: d.pattern,
            rows: rep.rows,
            cols: rep.cols,
            k: rep.k,
            batch: rep.batch,
            bias: d.bias,
            shared_sparse: d.shared_sparse && d.batch > 1,
        };
        (bucket, rep)
    }

    fn shape_json(d: &SparseGemmDesc) -> serde_json::Value {
        crate::ops::sparse_gemm::verify::sparse_shape_json(d)
    }

    fn default_config(
        caps: &Capabilities,
        limits: &wgpu::Limits,
        d: &SparseGemmDesc,
    ) -> SparseConfig {
        sparse_gemm_default(caps, limits, d)
    }

    /// [`sparse_gemm_candidates`] less the cooperative-matrix ones for f32 storage: those round
    /// the operands to f16, and tuning never trades accuracy silently (as for dense GEMM).
    fn candidates(
        caps: &Capabilities,
        limits: &wgpu::Limits,
        d: &SparseGemmDesc,
    ) -> Vec<SparseConfig> {
        let mut c = sparse_gemm_candidates(caps, limits, d);
        if d.dtype == crate::DType::F32 {
            c.retain(|c| c.variant() != SparseVariant::Coop);
        }
        c
    }

    fn label(c: &SparseConfig) -> String {
        c.label()
    }

    /// Runs the configuration on a small problem of the same form, pattern, dtype, bias and
    /// sharing, against the f64 reference under the crate's tolerance rule. The first of these
    /// sizes the configuration runs: ≤ 67 rows, ≤ 45 columns (the call's own column count where
    /// it is GEMV-shaped), K ≤ 13 groups and batch ≤ 2, none a multiple of any tile; then 68 × 44
    /// and 64 × 48 with K a multiple of 4, for kernels that load vec4s of B or store vec4s of C
    /// (the column-lanes kernel, the CPU default at 2048³, would otherwise never be measured).
    async fn check(ctx: &Context, d: &SparseGemmDesc, config: SparseConfig) -> Result<(), String> {
        let m = d.pattern.m;
        let aligned_k = |groups: u32| (groups * m).next_multiple_of(4 * m / gcd(4, m));
        let shapes = [
            (67, 45, 13 * m),
            (68, 44, aligned_k(13)),
            (64, 48, aligned_k(8)),
        ];
        let small = shapes
            .iter()
            .map(|&(rows, cols, k)| SparseGemmDesc {
                rows: d.rows.min(rows),
                cols: if d.gemv_shape() {
                    d.cols
                } else {
                    d.cols.min(cols)
                },
                k: d.k.min(k),
                batch: d.batch.min(2),
                ..*d
            })
            .find(|s| config.valid_for(ctx.caps(), &ctx.limits(), s))
            .ok_or_else(|| format!("`{}` runs none of the small check shapes", config.label()))?;
        let c = crate::ops::sparse_gemm::verify::check_sparse_gemm_async(ctx, &small, config, 4343)
            .await;
        match (c.pass, c.error) {
            (true, _) => Ok(()),
            (false, Some(e)) => Err(e),
            (false, None) => Err(format!(
                "rel L2 error {:.2e} over the tolerance {:.2e} on {}x{}x{}",
                c.rel_l2_err, c.tolerance, small.rows, small.cols, small.k
            )),
        }
    }

    fn prepare(
        ctx: &Context,
        d: &SparseGemmDesc,
        config: SparseConfig,
    ) -> crate::Result<Box<dyn crate::tune::engine::Prepared>> {
        match d.dtype {
            crate::DType::F32 => timed::prepare::<f32>(ctx, d, config),
            crate::DType::F16 => timed::prepare::<half::f16>(ctx, d, config),
        }
    }
}

mod timed {
    use crate::dtype::{DType, Element};
    use crate::harness::tolerance::compare;
    use crate::harness::tolerance::Tolerance;
    use crate::harness::verify::random_data;
    use crate::ops::sparse_gemm::config::SparseConfig;
    use crate::ops::sparse_gemm::config::SparseVariant;
    use crate::ops::sparse_gemm::reference::sparse_gemm_ref_rows;
    use crate::ops::sparse_gemm::verify::random_nm;
    use crate::ops::sparse_gemm::{
        upload_words, SparseForm, SparseGemmBound, SparseGemmDesc, SparseGemmPlan,
    };
    use crate::runtime::{read_buffer, Context};
    use crate::tune::engine::Prepared;
    use futures::future::LocalBoxFuture;

    /// Sparse rows of every batch compared with the reference after timing.
    const CHECK_ROWS: usize = 8;

    struct SparsePrepared<T: Element> {
        desc: SparseGemmDesc,
        config: SparseConfig,
        bound: SparseGemmBound,
        out: wgpu::Buffer,
        af: Vec<f64>,
        bf: Vec<f64>,
        biasf: Vec<f64>,
        _t: std::marker::PhantomData<T>,
    }

    pub(super) fn prepare<T: Element>(
        ctx: &Context,
        d: &SparseGemmDesc,
        config: SparseConfig,
    ) -> crate::Result<Box<dyn Prepared>> {
        let plan = SparseGemmPlan::new(ctx, *d, Some(config))?;
        let rows = d.rows as usize * d.sparse_batches() as usize;
        let (a, af) = random_nm::<T>(rows, d.k as usize, d.pattern, 21)?;
        let (b, bf) = random_data::<T>(d.dense_len() as usize, 22);
        let (bias, biasf) = random_data::<T>(d.rows as usize, 23);
        let vb = ctx.upload("tune values", &a.gpu_values())?;
        let mb = upload_words(ctx, "tune meta", a.meta())?;
        let db = ctx.upload("tune dense", &b)?;
        let bb = if d.bias {
            Some(ctx.upload("tune bias", &bias)?)
        } else {
            None
        };
        // The output starts as data (not zeros) so that a kernel that skips a tile shows up.
        let (o, _) = random_data::<T>(d.out_len() as usize, 24);
        let ob = ctx.upload("tune out", &o)?;
        let bound = plan.bind(&vb, &mb, &db, bb.as_ref(), &ob)?;
        Ok(Box::new(SparsePrepared::<T> {
            desc: *d,
            config,
            bound,
            out: ob,
            af,
            bf,
            biasf,
            _t: std::marker::PhantomData,
        }))
    }

    impl<T: Element> Prepared for SparsePrepared<T> {
        fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
            self.bound.record(pass);
        }

        fn check_output<'a>(&'a self, ctx: &'a Context) -> LocalBoxFuture<'a, Result<(), String>> {
            Box::pin(async move {
                let d = &self.desc;
                let got: Vec<T> = read_buffer(ctx, &self.out, d.out_len() as usize)
                    .await
                    .map_err(|e| e.to_string())?;
                let want =
                    sparse_gemm_ref_rows(d, &self.af, &self.bf, Some(&self.biasf), CHECK_ROWS);
                let (m, n) = (d.rows as usize, d.cols as usize);
                let (mut g, mut w) = (Vec::new(), Vec::new());
                for bi in 0..d.batch as usize {
                    for i in 0..m.min(CHECK_ROWS) {
                        for j in 0..n {
                            let idx = match d.form {
                                SparseForm::Matmul => bi * m * n + i * n + j,
                                SparseForm::Linear => bi * m * n + j * m + i,
                            };
                            g.push(got[idx].to_f64());
                            w.push(want[idx]);
                        }
                    }
                }
                let compute = if self.config.variant() == SparseVariant::Coop {
                    DType::F16
                } else {
                    d.dtype
                };
                compare(&g, &w, Tolerance::sparse_gemm(compute, d.k, d.pattern)).verdict()
            })
        }
    }
}

/// The sparse GEMM buckets `wgkernels tune sparse_gemm` measures: every shape the bench runs
/// with the dispatcher's choice (so a later `bench` is served from the cache).
#[cfg(not(target_arch = "wasm32"))]
pub fn sparse_gemm_tune_shapes(ctx: &Context, quick: bool) -> Vec<SparseGemmDesc> {
    crate::ops::sparse_gemm::bench::sparse_cases(ctx, quick)
        .into_iter()
        .filter(|(_, cfgs)| cfgs.contains(&None))
        .map(|(d, _)| d)
        .collect()
}

/// The configuration an N:M sparse GEMM uses when the caller names none: the measured winner
/// where tuning has stored one, else [`super::config::sparse_gemm_default`] (see [`crate::tune::TuneMode`]).
pub fn sparse_gemm_pick(
    ctx: &Context,
    desc: &crate::ops::sparse_gemm::SparseGemmDesc,
) -> SparseConfig {
    crate::tune::pick::<SparseTune>(ctx, desc).config
}

/// [`sparse_gemm_pick`] and where the configuration came from (cache, tuned, default).
pub fn sparse_gemm_pick_with_source(
    ctx: &Context,
    desc: &crate::ops::sparse_gemm::SparseGemmDesc,
) -> crate::tune::Picked<SparseConfig> {
    crate::tune::pick::<SparseTune>(ctx, desc)
}
