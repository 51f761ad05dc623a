//! N:M structured-sparse GEMM (2:4 first-class, any `1 ≤ N < M ≤ 16`), f32 or f16 storage with
//! f32 accumulation, batched, any shape with `K` a multiple of `M`:
//!
//! ```text
//! matmul:  C = A_s · B (+ bias[row])     A_s: M×K sparse   B: K×N     C: M×N
//! linear:  Y = X · W_sᵀ (+ bias)         W_s: out×K sparse X: tokens×K Y: tokens×out   (torch)
//! ```
//!
//! The sparse operand is only ever read compressed ([`NmMatrix`]: values + metadata, see
//! [`mod@format`] for the layout). The plain and subgroup kernels do only the kept multiply-adds
//! (half of dense at 2:4); the cooperative-matrix kernel expands compressed tiles in workgroup
//! memory; few output columns (1…16 tokens) take the weight-bound GEMV-shaped path. Batches are
//! contiguous; `shared_sparse` uses one sparse matrix (weights) for every batch; the bias (one
//! value per sparse row) is shared by every batch and token.

#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod config;
pub mod reference;
pub mod shaders;
pub mod tune;
pub mod verify;
pub mod work;

pub mod format;

pub use format::{prune, validate_meta, NmMatrix, NmPattern};

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::gemm::GemmDesc;
use crate::ops::sparse_gemm::config::SparseConfig;
use crate::runtime::check_len;
use crate::runtime::pipelines::Spec;
use crate::runtime::{read_buffer, Context, Operand};
use std::sync::Arc;

/// Which product the sparse operand takes part in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SparseForm {
    /// `C = A_s · B`: the sparse operand on the left, B is K×N row-major, C is M×N.
    Matmul,
    /// `Y = X · W_sᵀ + bias`: X is tokens×K, W_s is out×K sparse, Y is tokens×out (torch's
    /// `F.linear` with a semi-structured weight).
    Linear,
}

/// Shape of a sparse GEMM. `rows`, `cols` and `k` are the dimensions of `C = A_s · op(B)`:
/// for [`SparseForm::Linear`], `rows` = out features, `cols` = tokens, `k` = in features.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct SparseGemmDesc {
    /// Matmul or linear layout.
    pub form: SparseForm,
    /// Rows of the sparse operand (M, or out features).
    pub rows: u32,
    /// Output columns (N, or tokens).
    pub cols: u32,
    /// Reduction length (a multiple of the pattern's M).
    pub k: u32,
    /// Independent products.
    pub batch: u32,
    /// The N:M pattern of the sparse operand.
    pub pattern: NmPattern,
    /// Storage type of every operand.
    pub dtype: DType,
    /// Add `bias[row]` to every output of that row (the linear layer's bias).
    pub bias: bool,
    /// One sparse matrix for every batch (weights), instead of one per batch.
    pub shared_sparse: bool,
}

impl SparseGemmDesc {
    /// `C = A_s · B` with A_s `m×k` (N:M sparse along k), B `k×n`; f32, batch 1, no bias.
    pub fn matmul(m: u32, n: u32, k: u32, pattern: NmPattern) -> Self {
        Self {
            form: SparseForm::Matmul,
            rows: m,
            cols: n,
            k,
            batch: 1,
            pattern,
            dtype: DType::F32,
            bias: false,
            shared_sparse: false,
        }
    }
    /// `Y = X · W_sᵀ` with X `tokens×in_features`, W_s `out_features×in_features`; f32, batch 1,
    /// no bias, the weight shared by every batch.
    pub fn linear(tokens: u32, out_features: u32, in_features: u32, pattern: NmPattern) -> Self {
        Self {
            form: SparseForm::Linear,
            rows: out_features,
            cols: tokens,
            k: in_features,
            batch: 1,
            pattern,
            dtype: DType::F32,
            bias: false,
            shared_sparse: true,
        }
    }
    /// Sets the batch count.
    pub fn batch(mut self, batch: u32) -> Self {
        self.batch = batch;
        self
    }
    /// Sets the storage type.
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    /// Adds (or removes) the per-row bias.
    pub fn with_bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }
    /// One sparse matrix for every batch, or one per batch.
    pub fn shared_sparse(mut self, shared: bool) -> Self {
        self.shared_sparse = shared;
        self
    }

    /// The dense operand is X (tokens×K), read transposed.
    pub fn trans_b(&self) -> bool {
        self.form == SparseForm::Linear
    }
    /// The output is written transposed (Y = Cᵀ).
    pub fn trans_c(&self) -> bool {
        self.form == SparseForm::Linear
    }
    /// The dense operand's rows are vec4-aligned, so kernels may load it four at a time.
    pub fn vec_b(&self) -> bool {
        if self.trans_b() {
            self.k.is_multiple_of(4)
        } else {
            self.cols.is_multiple_of(4)
        }
    }
    /// At most 16 output columns (tokens): the weight-bound GEMV-shaped path applies.
    pub fn gemv_shape(&self) -> bool {
        self.cols <= 16
    }
    /// Sparse matrices stored (1 when shared).
    pub fn sparse_batches(&self) -> u32 {
        if self.shared_sparse {
            1
        } else {
            self.batch
        }
    }
    /// Kept values per sparse row.
    pub fn kept(&self) -> u64 {
        self.pattern.kept(self.k as usize) as u64
    }
    /// Elements of the values operand in the GPU layout (rows padded to 4), all sparse batches.
    pub fn values_len(&self) -> u64 {
        self.pattern.kept_padded(self.k as usize) as u64
            * self.rows as u64
            * self.sparse_batches() as u64
    }
    /// Metadata words, all sparse batches.
    pub fn meta_len(&self) -> u64 {
        self.pattern.meta_words(self.k as usize) as u64
            * self.rows as u64
            * self.sparse_batches() as u64
    }
    /// Elements of the dense operand (B, or X), all batches.
    pub fn dense_len(&self) -> u64 {
        self.k as u64 * self.cols as u64 * self.batch as u64
    }
    /// Elements of the output (C, or Y), all batches.
    pub fn out_len(&self) -> u64 {
        self.rows as u64 * self.cols as u64 * self.batch as u64
    }
    /// Dense-equivalent floating-point operations, 2·rows·cols·K per batch (what a dense GEMM of
    /// the same shape does; the sparse kernels do N/M of it).
    pub fn flops(&self) -> f64 {
        2.0 * self.rows as f64 * self.cols as f64 * self.k as f64 * self.batch as f64
    }
    /// Bytes of the compressed sparse operand (values + metadata, host layout), all batches.
    pub fn sparse_bytes(&self) -> u64 {
        let per =
            self.kept() * self.dtype.size() + 4 * self.pattern.meta_words(self.k as usize) as u64;
        per * self.rows as u64 * self.sparse_batches() as u64
    }
    /// Bytes the same operand takes dense.
    pub fn sparse_dense_bytes(&self) -> u64 {
        self.k as u64 * self.dtype.size() * self.rows as u64 * self.sparse_batches() as u64
    }
    /// The same product as a dense GEMM (for comparisons; the bias is not part of it).
    pub fn dense_equivalent(&self) -> GemmDesc {
        match self.form {
            SparseForm::Matmul => {
                let mut d = GemmDesc::new(self.rows, self.cols, self.k)
                    .batch(self.batch)
                    .dtype(self.dtype);
                d.broadcast_a = self.shared_sparse && self.batch > 1;
                d
            }
            SparseForm::Linear => {
                let mut d = GemmDesc::new(self.cols, self.rows, self.k)
                    .trans(false, true)
                    .batch(self.batch)
                    .dtype(self.dtype);
                d.broadcast_b = self.shared_sparse && self.batch > 1;
                d
            }
        }
    }

    /// Checks the pattern, dimensions and index ranges; nothing about the device.
    pub fn validate(&self) -> Result<()> {
        self.pattern.validate()?;
        for (name, v) in [
            ("sparse GEMM rows", self.rows),
            ("sparse GEMM cols", self.cols),
            ("sparse GEMM batch", self.batch),
        ] {
            if v == 0 {
                return Err(Error::ZeroSized(name));
            }
        }
        self.pattern.check_k(self.k as usize)?;
        for (what, len) in [
            ("sparse values", self.values_len()),
            ("sparse metadata", self.meta_len()),
            ("dense operand", self.dense_len()),
            ("output", self.out_len()),
        ] {
            if len > u32::MAX as u64 {
                return Err(Error::Shape(format!(
                    "{what} has {len} elements, over the 2^32 elements one binding can index"
                )));
            }
        }
        Ok(())
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct SpParams {
    rows: u32,
    cols: u32,
    k: u32,
    batch: u32,
    kc: u32,
    kc4: u32,
    mw: u32,
    ldb: u32,
    ldc: u32,
    tiles_r: u32,
    tiles_c: u32,
    stride_v: u32,
    stride_m: u32,
    stride_b: u32,
    stride_c: u32,
    has_bias: u32,
}

/// A sparse GEMM ready to run: pipeline, parameters and dispatch size built once.
#[derive(Debug)]
pub struct SparseGemmPlan {
    ctx: Context,
    desc: SparseGemmDesc,
    config: SparseConfig,
    pipeline: Arc<wgpu::ComputePipeline>,
    params: wgpu::Buffer,
    no_bias: wgpu::Buffer,
    grid: (u32, u32),
}

impl SparseGemmPlan {
    /// Plans `desc` with `config`, or the dispatcher's pick when `None`. Every check on the
    /// shape, features and limits happens here, before anything is dispatched.
    pub fn new(ctx: &Context, desc: SparseGemmDesc, config: Option<SparseConfig>) -> Result<Self> {
        desc.validate()?;
        if desc.dtype == DType::F16 {
            ctx.require_f16()?;
        }
        let config =
            config.unwrap_or_else(|| crate::ops::sparse_gemm::tune::sparse_gemm_pick(ctx, &desc));
        if !config.valid_for(ctx.caps(), &ctx.limits(), &desc) {
            return Err(Error::Unsupported(format!(
                "sparse GEMM config `{}` cannot run {} {}x{}x{} {} on this adapter",
                config.label(),
                desc.pattern,
                desc.rows,
                desc.cols,
                desc.k,
                desc.dtype
            )));
        }
        let es = desc.dtype.size();
        for (what, bytes) in [
            ("sparse values", desc.values_len() * es),
            ("sparse metadata", desc.meta_len() * 4),
            ("dense operand", desc.dense_len() * es),
            ("output", desc.out_len() * es),
        ] {
            ctx.check_binding_size(&format!("sparse GEMM {what}"), bytes)?;
        }
        let (bm, bn) = config.block(&desc);
        let tiles_r = desc.rows.div_ceil(bm);
        let tiles_c = desc.cols.div_ceil(bn);
        let total = tiles_r as u64 * tiles_c as u64 * desc.batch as u64;
        let grid = crate::runtime::grid_for(ctx, "sparse GEMM workgroup count", total)?;
        let k = desc.k as usize;
        let kc4 = desc.pattern.kept_padded(k) as u32 / 4;
        let mw = desc.pattern.meta_words(k) as u32;
        let (ldb, ldc) = match desc.form {
            SparseForm::Matmul => (desc.cols, desc.cols),
            SparseForm::Linear => (desc.k, desc.rows),
        };
        let params = SpParams {
            rows: desc.rows,
            cols: desc.cols,
            k: desc.k,
            batch: desc.batch,
            kc: desc.kept() as u32,
            kc4,
            mw,
            ldb,
            ldc,
            tiles_r,
            tiles_c,
            stride_v: if desc.shared_sparse {
                0
            } else {
                desc.rows * kc4
            },
            stride_m: if desc.shared_sparse {
                0
            } else {
                desc.rows * mw
            },
            stride_b: desc.k * desc.cols,
            stride_c: desc.rows * desc.cols,
            has_bias: desc.bias as u32,
        };
        let spec = Spec {
            dtype: desc.dtype,
            coop: config.coop_tile(),
        };
        let pipeline = ctx.pipeline(
            shaders::for_device(config.shader(&desc), ctx.caps(), spec.dtype),
            spec,
            "main",
            &config.constants(&desc),
        )?;
        let params = ctx.uniform("sparse gemm params", &params)?;
        let no_bias = ctx.storage("sparse gemm: no bias", 4)?;
        Ok(Self {
            ctx: ctx.clone(),
            desc,
            config,
            pipeline,
            params,
            no_bias,
            grid,
        })
    }

    /// The problem.
    pub fn desc(&self) -> &SparseGemmDesc {
        &self.desc
    }
    /// The configuration that runs it.
    pub fn config(&self) -> &SparseConfig {
        &self.config
    }

    /// Binds the caller's buffers (checked for usage and size): the compressed values (GPU
    /// layout: rows padded to a multiple of 4 values, see [`NmMatrix::gpu_values`]), the
    /// metadata, the dense operand (B, or X), the bias (exactly when the descriptor has one)
    /// and the output. Metadata in a caller's buffer is trusted: malformed indices give wrong
    /// numbers but never an out-of-bounds access ([`validate_meta`] checks host copies).
    pub fn bind(
        &self,
        values: &wgpu::Buffer,
        meta: &wgpu::Buffer,
        dense: &wgpu::Buffer,
        bias: Option<&wgpu::Buffer>,
        out: &wgpu::Buffer,
    ) -> Result<SparseGemmBound> {
        let d = &self.desc;
        let es = d.dtype.size();
        Operand::new("values", values).check(&self.ctx, d.values_len() * es)?;
        Operand::new("meta", meta).check(&self.ctx, d.meta_len() * 4)?;
        Operand::new("dense", dense).check(&self.ctx, d.dense_len() * es)?;
        Operand::new("out", out).check(&self.ctx, d.out_len() * es)?;
        let bias = match (bias, d.bias) {
            (Some(b), true) => {
                Operand::new("bias", b).check(&self.ctx, d.rows as u64 * es)?;
                b
            }
            (None, false) => &self.no_bias,
            (Some(_), false) => {
                return Err(Error::Shape(
                    "a bias buffer was given but the descriptor has no bias".into(),
                ))
            }
            (None, true) => {
                return Err(Error::Shape(
                    "the descriptor has a bias but no bias buffer was given".into(),
                ))
            }
        };
        let layout = self.pipeline.get_bind_group_layout(0);
        // The column-lanes kernel also stores through a vec4 view of the output.
        let out4 = matches!(self.config, SparseConfig::Cols { .. }).then(|| wgpu::BindGroupEntry {
            binding: 7,
            resource: out.as_entire_binding(),
        });
        let bind_group = self.ctx.scoped(|| {
            self.ctx
                .device
                .create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("sparse gemm"),
                    layout: &layout,
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: self.params.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: values.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 2,
                            resource: meta.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 3,
                            resource: dense.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 4,
                            resource: dense.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 5,
                            resource: bias.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 6,
                            resource: out.as_entire_binding(),
                        },
                    ]
                    .into_iter()
                    .chain(out4)
                    .collect::<Vec<_>>(),
                })
        })?;
        Ok(SparseGemmBound {
            pipeline: self.pipeline.clone(),
            bind_group,
            grid: self.grid,
        })
    }

    /// Runs on host data: `sparse` holds every sparse batch stacked along its rows
    /// (`rows × sparse_batches` rows of `k` columns), `dense` is B (`batch × k × cols`) or X
    /// (`batch × tokens × k`), `bias` has `rows` values exactly when the descriptor has a bias.
    /// Returns C (`batch × rows × cols`) or Y (`batch × tokens × rows`).
    pub async fn run_host<T: Element>(
        &self,
        sparse: &NmMatrix<T>,
        dense: &[T],
        bias: Option<&[T]>,
    ) -> Result<Vec<T>> {
        let d = &self.desc;
        if T::DTYPE != d.dtype {
            return Err(Error::Shape(format!(
                "host data is {} but the plan is {}",
                T::DTYPE,
                d.dtype
            )));
        }
        if sparse.pattern() != d.pattern {
            return Err(Error::Shape(format!(
                "the sparse matrix is {} but the plan is {}",
                sparse.pattern(),
                d.pattern
            )));
        }
        let want_rows = d.rows as usize * d.sparse_batches() as usize;
        if sparse.cols() != d.k as usize || sparse.rows() != want_rows {
            return Err(Error::Shape(format!(
                "the sparse matrix is {}×{} but the plan needs {want_rows}×{} ({} batch(es) of {}×{})",
                sparse.rows(),
                sparse.cols(),
                d.k,
                d.sparse_batches(),
                d.rows,
                d.k
            )));
        }
        check_len("dense", dense.len(), d.dense_len())?;
        if let Some(b) = bias {
            check_len("bias", b.len(), d.rows as u64)?;
        }
        let ctx = &self.ctx;
        let vb = ctx.upload("sparse values", &sparse.gpu_values())?;
        let mb = upload_words(ctx, "sparse meta", sparse.meta())?;
        let db = ctx.upload("dense", dense)?;
        let bb = bias.map(|b| ctx.upload("bias", b)).transpose()?;
        let ob = ctx.storage("out", d.out_len() * d.dtype.size())?;
        let bound = self.bind(&vb, &mb, &db, bb.as_ref(), &ob)?;
        ctx.submit(|pass| bound.record(pass))?;
        read_buffer(ctx, &ob, d.out_len() as usize).await
    }
}

/// Uploads metadata words into a new storage buffer (usable as copy source and destination).
pub fn upload_words(ctx: &Context, label: &str, words: &[u32]) -> Result<wgpu::Buffer> {
    ctx.upload_words(label, words)
}

/// A plan bound to buffers: records its dispatch into a compute pass.
#[derive(Debug)]
pub struct SparseGemmBound {
    pipeline: Arc<wgpu::ComputePipeline>,
    bind_group: wgpu::BindGroup,
    grid: (u32, u32),
}

impl SparseGemmBound {
    /// Records the dispatch.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.dispatch_workgroups(self.grid.0, self.grid.1, 1);
    }
}

/// One-call sparse GEMM on host data with the dispatcher's choice (see
/// [`SparseGemmPlan::run_host`] for the operands).
pub async fn sparse_gemm<T: Element>(
    ctx: &Context,
    desc: SparseGemmDesc,
    sparse: &NmMatrix<T>,
    dense: &[T],
    bias: Option<&[T]>,
) -> Result<Vec<T>> {
    SparseGemmPlan::new(ctx, desc, None)?
        .run_host(sparse, dense, bias)
        .await
}

/// N:M sparse GEMM in the op registry (`crate::ops::ALL`).
#[derive(Clone, Copy, Debug)]
pub struct SparseGemmOp;

/// The op's name in the CLI, reports and the tuning cache.
pub const NAME: &str = "sparse_gemm";

crate::harness::impl_op!(
    SparseGemmOp,
    NAME,
    shaders: shaders::ALL.to_vec(),
    verify: verify::verify_sparse_gemm_async,
    bench: bench::bench_all,
    tune_jobs: |ctx, quick| crate::tune::jobs_for::<tune::SparseTune>(ctx, tune::sparse_gemm_tune_shapes(ctx, quick))
);

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn params_match_the_wgsl_struct() {
        crate::runtime::pipelines::assert_uniform_layout!(
            SpParams,
            shaders::ROWS,
            "SpParams",
            [
                rows, cols, k, batch, kc, kc4, mw, ldb, ldc, tiles_r, tiles_c, stride_v, stride_m,
                stride_b, stride_c, has_bias
            ]
        );
    }
}
