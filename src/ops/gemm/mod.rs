//! Dense GEMM: `C = alpha·op(A)·op(B) + beta·C`, row-major, optional transposes, batched,
//! any M, N, K, f32 or f16 storage with f32 accumulation.
//!
//! ```text
//! A: batch × (M×K), or K×M when trans_a     B: batch × (K×N), or N×K when trans_b
//! C: batch × (M×N)
//! ```
//! Batches are contiguous; `broadcast_a` / `broadcast_b` use one matrix for every batch.
//!
//! The linear layer ([`GemmDesc::linear`]) is the same product with B = W stored out × in
//! (`trans_b`) and an epilogue fused into every kernel's store:
//! `Y = act(alpha·X·Wᵀ + bias) + beta·Y`, the residual being the Y the call passes in.

#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod config;
pub mod epilogue;
pub mod reference;
pub mod shaders;
pub mod tune;
pub mod verify;
pub mod work;

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::gemm::config::GemmConfig;
use crate::runtime::check_len;
use crate::runtime::pipelines::Spec;
use crate::runtime::{read_buffer, Context, Operand};
use std::sync::Arc;

/// Activation applied in a GEMM's epilogue (after the bias, before the residual add).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// None: the product (plus bias) as is.
    #[default]
    None,
    /// `max(x, 0)`.
    Relu,
    /// GELU in its tanh form, `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (what GPT-2-style
    /// models and ggml use; within 1e-3 of the erf form).
    Gelu,
    /// SiLU (swish), `x·sigmoid(x)`.
    Silu,
}

impl Activation {
    /// The `EPI_ACT` override constant of the GEMM shaders.
    pub(crate) fn code(self) -> u32 {
        match self {
            Activation::None => 0,
            Activation::Relu => 1,
            Activation::Gelu => 2,
            Activation::Silu => 3,
        }
    }
    /// The activation in f64 (the CPU reference), the same formulas as the shaders.
    pub fn apply_f64(self, x: f64) -> f64 {
        match self {
            Activation::None => x,
            Activation::Relu => x.max(0.0),
            Activation::Gelu => {
                let u = (2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x * x * x);
                0.5 * x * (1.0 + u.tanh())
            }
            Activation::Silu => x / (1.0 + (-x).exp()),
        }
    }
    /// Lower-case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Activation::None => "none",
            Activation::Relu => "relu",
            Activation::Gelu => "gelu",
            Activation::Silu => "silu",
        }
    }
}

/// Shape and scalars of a GEMM.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct GemmDesc {
    /// Rows of op(A) and C.
    pub m: u32,
    /// Columns of op(B) and C.
    pub n: u32,
    /// Columns of op(A), rows of op(B).
    pub k: u32,
    /// Number of independent products.
    pub batch: u32,
    /// A is stored K×M and used transposed.
    pub trans_a: bool,
    /// B is stored N×K and used transposed.
    pub trans_b: bool,
    /// Storage type of A, B and C.
    pub dtype: DType,
    /// Scale of the product.
    pub alpha: f32,
    /// Scale of the existing C (0: C is not read, so it may hold garbage).
    pub beta: f32,
    /// One A for every batch.
    pub broadcast_a: bool,
    /// One B for every batch.
    pub broadcast_b: bool,
    /// Epilogue: add `bias[col]` (N values, shared by every row and batch) to `alpha·op(A)·op(B)`.
    pub bias: bool,
    /// Epilogue: activation after the bias, before `beta·C` is added.
    pub activation: Activation,
}

impl GemmDesc {
    /// `C = A·B` of the given shape, f32, batch 1.
    pub fn new(m: u32, n: u32, k: u32) -> Self {
        Self {
            m,
            n,
            k,
            batch: 1,
            trans_a: false,
            trans_b: false,
            dtype: DType::F32,
            alpha: 1.0,
            beta: 0.0,
            broadcast_a: false,
            broadcast_b: false,
            bias: false,
            activation: Activation::None,
        }
    }
    /// The linear layer `Y = X·Wᵀ`: X is `tokens × in_features`, W is `out_features ×
    /// in_features` (stored as PyTorch and ggml store weights, read transposed in place), Y is
    /// `tokens × out_features`; f32, batch 1, one W for every batch ([`GemmDesc::batch`] adds
    /// batches of tokens). Add the epilogue with [`GemmDesc::with_bias`],
    /// [`GemmDesc::activation`] and [`GemmDesc::residual`].
    pub fn linear(tokens: u32, out_features: u32, in_features: u32) -> Self {
        let mut d = Self::new(tokens, out_features, in_features).trans(false, true);
        d.broadcast_b = true;
        d
    }
    /// Adds (or removes) the bias: one value per output column (out feature).
    pub fn with_bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }
    /// Sets the epilogue's activation.
    pub fn activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }
    /// Adds the C passed in (the residual stream) to the result: `beta = 1` (`false`: 0).
    pub fn residual(mut self, residual: bool) -> Self {
        self.beta = if residual { 1.0 } else { 0.0 };
        self
    }
    /// Whether the store does more than `alpha·acc + beta·C` (bias or activation).
    pub fn has_epilogue(&self) -> bool {
        self.bias || self.activation != Activation::None
    }
    /// Sets the batch count.
    pub fn batch(mut self, batch: u32) -> Self {
        self.batch = batch;
        self
    }
    /// Sets the transposes.
    pub fn trans(mut self, trans_a: bool, trans_b: bool) -> Self {
        self.trans_a = trans_a;
        self.trans_b = trans_b;
        self
    }
    /// Sets the storage type.
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    /// Sets alpha and beta.
    pub fn scale(mut self, alpha: f32, beta: f32) -> Self {
        self.alpha = alpha;
        self.beta = beta;
        self
    }
    /// Elements of A (all batches).
    pub fn a_len(&self) -> u64 {
        self.m as u64
            * self.k as u64
            * if self.broadcast_a {
                1
            } else {
                self.batch as u64
            }
    }
    /// Elements of B (all batches).
    pub fn b_len(&self) -> u64 {
        self.k as u64
            * self.n as u64
            * if self.broadcast_b {
                1
            } else {
                self.batch as u64
            }
    }
    /// Elements of C (all batches).
    pub fn c_len(&self) -> u64 {
        self.m as u64 * self.n as u64 * self.batch as u64
    }
    /// Floating-point operations (2·M·N·K per batch).
    pub fn flops(&self) -> f64 {
        2.0 * self.m as f64 * self.n as f64 * self.k as f64 * self.batch as f64
    }
    /// One output column or one output row: the memory-bound GEMV path applies.
    pub fn gemv_shape(&self) -> bool {
        self.n == 1 || self.m == 1
    }

    /// The one-column problem GEMV runs: this one, or for a one-row product (`n != 1`) the
    /// transposed one, `Cᵀ = op(B)ᵀ·op(A)ᵀ`.
    pub fn gemv_problem(&self) -> GemmDesc {
        if self.n == 1 {
            return *self;
        }
        GemmDesc {
            m: self.n,
            n: 1,
            trans_a: !self.trans_b,
            trans_b: !self.trans_a,
            ..*self
        }
    }

    /// Checks dimensions and index ranges; nothing about the device.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("m", self.m),
            ("n", self.n),
            ("k", self.k),
            ("batch", self.batch),
        ] {
            if v == 0 {
                return Err(Error::ZeroSized(match name {
                    "m" => "GEMM dimension m",
                    "n" => "GEMM dimension n",
                    "k" => "GEMM dimension k",
                    _ => "GEMM batch",
                }));
            }
        }
        for (what, len) in [
            ("A", self.a_len()),
            ("B", self.b_len()),
            ("C", self.c_len()),
        ] {
            if len > u32::MAX as u64 {
                return Err(Error::Shape(format!(
                    "{what} has {len} elements, over the 2^32 elements one binding can index"
                )));
            }
        }
        if !self.alpha.is_finite() || !self.beta.is_finite() {
            return Err(Error::Shape("alpha and beta must be finite".into()));
        }
        Ok(())
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct GemmParams {
    m: u32,
    n: u32,
    k: u32,
    batch: u32,
    lda: u32,
    ldb: u32,
    ldc: u32,
    tiles_m: u32,
    tiles_n: u32,
    stride_a: u32,
    stride_b: u32,
    stride_c: u32,
    alpha: f32,
    beta: f32,
    bias_row: u32,
    _pad: u32,
}

/// A GEMM ready to run: pipeline, parameters and dispatch size built once, reused per call.
#[derive(Debug)]
pub struct GemmPlan {
    ctx: Context,
    desc: GemmDesc,
    config: GemmConfig,
    pipeline: Arc<wgpu::ComputePipeline>,
    params: wgpu::Buffer,
    grid: (u32, u32),
    /// A and B exchanged (one-row GEMM run as GEMV on the transposed problem).
    swapped: bool,
    /// GEMV without quad views binds this 16-byte stand-in there (the views' minimum binding
    /// size could exceed a tiny operand).
    quad_stand_in: Option<wgpu::Buffer>,
    /// Bound at the bias binding when the plan has no bias (every GEMM shader declares one).
    bias_stand_in: Option<wgpu::Buffer>,
}

impl GemmPlan {
    /// Plans `desc` with `config`, or the dispatcher's default when `None`.
    pub fn new(ctx: &Context, desc: GemmDesc, config: Option<GemmConfig>) -> Result<Self> {
        desc.validate()?;
        if desc.dtype == DType::F16 {
            ctx.require_f16()?;
        }
        let config = config.unwrap_or_else(|| crate::ops::gemm::tune::gemm_pick(ctx, &desc));
        if !config.valid_for(ctx.caps(), &ctx.limits(), &desc) {
            return Err(Error::Unsupported(format!(
                "GEMM config `{}` cannot run {}x{}x{} {} on this adapter",
                config.label(),
                desc.m,
                desc.n,
                desc.k,
                desc.dtype
            )));
        }
        let es = desc.dtype.size();
        for (what, len) in [
            ("A", desc.a_len()),
            ("B", desc.b_len()),
            ("C", desc.c_len()),
        ] {
            ctx.check_binding_size(&format!("GEMM operand {what}"), len * es)?;
        }
        // A one-row product runs as GEMV on the transposed problem: C^T = op(B)^T · op(A)^T.
        let swapped = matches!(config, GemmConfig::Gemv { .. }) && desc.n != 1;
        let (m, n, k) = (desc.m, desc.n, desc.k);
        let lda = if desc.trans_a { m } else { k };
        let ldb = if desc.trans_b { k } else { n };
        let sa = if desc.broadcast_a { 0 } else { m * k };
        let sb = if desc.broadcast_b { 0 } else { k * n };
        let (eff, p_lda, p_ldb, p_sa, p_sb, ldc) = if swapped {
            (desc.gemv_problem(), ldb, lda, sb, sa, 1)
        } else {
            (desc, lda, ldb, sa, sb, n)
        };
        let (bm, bn) = config.block();
        let tiles_m = match config {
            GemmConfig::Gemv { .. } if eff.trans_a => {
                eff.m.div_ceil(config.gemv_rows_transposed(&eff))
            }
            _ => eff.m.div_ceil(bm),
        };
        let tiles_n = eff.n.div_ceil(bn);
        let total = tiles_m as u64 * tiles_n as u64 * desc.batch as u64;
        let grid = crate::runtime::grid_for(ctx, "GEMM workgroup count", total)?;
        let params = GemmParams {
            m: eff.m,
            n: eff.n,
            k: eff.k,
            batch: desc.batch,
            lda: p_lda,
            ldb: p_ldb,
            ldc,
            tiles_m,
            tiles_n,
            stride_a: p_sa,
            stride_b: p_sb,
            stride_c: m * n,
            alpha: desc.alpha,
            beta: desc.beta,
            // Swapped, the original columns are the effective rows.
            bias_row: swapped as u32,
            _pad: 0,
        };
        let spec = Spec {
            dtype: desc.dtype,
            coop: config.coop_tile(),
        };
        let constants = config.constants(&eff);
        let mut quad_stand_in = None;
        if matches!(config, GemmConfig::Gemv { .. }) && !GemmConfig::gemv_quads(&eff) {
            quad_stand_in = Some(ctx.storage("gemv quad stand-in", 16)?);
        }
        let bias_stand_in = if desc.bias {
            None
        } else {
            Some(ctx.storage("gemm bias stand-in", 16)?)
        };
        let pipeline = ctx.pipeline(
            config.shader_for(ctx.caps(), spec.dtype),
            spec,
            "main",
            &constants,
        )?;
        let params = ctx.uniform("gemm params", &params)?;
        Ok(Self {
            ctx: ctx.clone(),
            desc,
            config,
            pipeline,
            params,
            grid,
            swapped,
            quad_stand_in,
            bias_stand_in,
        })
    }

    /// The problem.
    pub fn desc(&self) -> &GemmDesc {
        &self.desc
    }
    /// The configuration that runs it.
    pub fn config(&self) -> &GemmConfig {
        &self.config
    }

    /// Binds the caller's buffers (checked for usage and size): A, B read; C read (if beta ≠ 0)
    /// and written. Build once, record many times. A plan with a bias binds with
    /// [`GemmPlan::bind_with_bias`].
    pub fn bind(&self, a: &wgpu::Buffer, b: &wgpu::Buffer, c: &wgpu::Buffer) -> Result<GemmBound> {
        self.bind_with_bias(a, b, None, c)
    }

    /// [`GemmPlan::bind`] with the bias (N values, read): `Some` exactly when the descriptor
    /// has a bias.
    pub fn bind_with_bias(
        &self,
        a: &wgpu::Buffer,
        b: &wgpu::Buffer,
        bias: Option<&wgpu::Buffer>,
        c: &wgpu::Buffer,
    ) -> Result<GemmBound> {
        let es = self.desc.dtype.size();
        Operand::new("A", a).check(&self.ctx, self.desc.a_len() * es)?;
        Operand::new("B", b).check(&self.ctx, self.desc.b_len() * es)?;
        Operand::new("C", c).check(&self.ctx, self.desc.c_len() * es)?;
        let bias = bias_binding(&self.ctx, &self.desc, bias, self.bias_stand_in.as_ref())?;
        let (a, b) = if self.swapped { (b, a) } else { (a, b) };
        let mut entries = vec![
            wgpu::BindGroupEntry {
                binding: 0,
                resource: self.params.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: a.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: b.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 3,
                resource: c.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 6,
                resource: bias.as_entire_binding(),
            },
        ];
        if matches!(self.config, GemmConfig::Gemv { .. }) {
            // Quad views of A and x (read-only aliases of the same buffers).
            let (a4, b4) = match &self.quad_stand_in {
                Some(s) => (s, s),
                None => (a, b),
            };
            entries.push(wgpu::BindGroupEntry {
                binding: 4,
                resource: a4.as_entire_binding(),
            });
            entries.push(wgpu::BindGroupEntry {
                binding: 5,
                resource: b4.as_entire_binding(),
            });
        }
        bound(&self.ctx, &self.pipeline, &entries, self.grid)
    }

    /// Runs on host data: uploads A, B (and C when beta ≠ 0), dispatches, reads C back.
    pub async fn run_host<T: Element>(&self, a: &[T], b: &[T], c: Option<&[T]>) -> Result<Vec<T>> {
        self.run_host_with_bias(a, b, None, c).await
    }

    /// [`GemmPlan::run_host`] with the bias (N values; `Some` exactly when the descriptor has
    /// one). For the linear layer: X, W, bias, and the residual as C when beta ≠ 0.
    pub async fn run_host_with_bias<T: Element>(
        &self,
        a: &[T],
        b: &[T],
        bias: Option<&[T]>,
        c: Option<&[T]>,
    ) -> Result<Vec<T>> {
        if T::DTYPE != self.desc.dtype {
            return Err(Error::Shape(format!(
                "host data is {} but the plan is {}",
                T::DTYPE,
                self.desc.dtype
            )));
        }
        let d = &self.desc;
        check_len("A", a.len(), d.a_len())?;
        check_len("B", b.len(), d.b_len())?;
        let ctx = &self.ctx;
        let ab = ctx.upload("A", a)?;
        let bb = ctx.upload("B", b)?;
        let cb = match c {
            Some(c) => {
                check_len("C", c.len(), d.c_len())?;
                ctx.upload("C", c)?
            }
            None if d.beta != 0.0 => {
                return Err(Error::Shape("beta ≠ 0 needs an input C".into()));
            }
            None => ctx.storage("C", d.c_len() * d.dtype.size())?,
        };
        let biasb = match bias {
            Some(x) => {
                check_len("bias", x.len(), d.n as u64)?;
                Some(ctx.upload("bias", x)?)
            }
            None => None,
        };
        let bound = self.bind_with_bias(&ab, &bb, biasb.as_ref(), &cb)?;
        ctx.submit(|pass| bound.record(pass))?;
        read_buffer(ctx, &cb, d.c_len() as usize).await
    }
}

/// The buffer bound at a GEMM shader's bias binding: the caller's (checked: N values) when the
/// descriptor has a bias, else the plan's stand-in; anything else is a typed error.
fn bias_binding<'a>(
    ctx: &Context,
    desc: &GemmDesc,
    given: Option<&'a wgpu::Buffer>,
    stand_in: Option<&'a wgpu::Buffer>,
) -> Result<&'a wgpu::Buffer> {
    match (given, stand_in) {
        (Some(x), None) => {
            Operand::new("bias", x).check(ctx, desc.n as u64 * desc.dtype.size())?;
            Ok(x)
        }
        (None, Some(s)) => Ok(s),
        (Some(_), Some(_)) => Err(Error::Shape(
            "a bias was given but the GEMM descriptor has none (GemmDesc::with_bias)".into(),
        )),
        (None, None) => Err(Error::Shape(
            "the GEMM descriptor has a bias but none was given (bind_with_bias)".into(),
        )),
    }
}

/// A GEMM shader's bind group over `entries`, ready to record.
fn bound(
    ctx: &Context,
    pipeline: &Arc<wgpu::ComputePipeline>,
    entries: &[wgpu::BindGroupEntry<'_>],
    grid: (u32, u32),
) -> Result<GemmBound> {
    let layout = pipeline.get_bind_group_layout(0);
    let bind_group = ctx.scoped(|| {
        ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("gemm"),
            layout: &layout,
            entries,
        })
    })?;
    Ok(GemmBound {
        pipeline: pipeline.clone(),
        bind_group,
        grid,
    })
}

/// A plan bound to buffers: records its dispatch into a compute pass.
#[derive(Debug)]
pub struct GemmBound {
    pipeline: Arc<wgpu::ComputePipeline>,
    bind_group: wgpu::BindGroup,
    grid: (u32, u32),
}

impl GemmBound {
    /// Records the dispatch.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.dispatch_workgroups(self.grid.0, self.grid.1, 1);
    }
}

/// One-call GEMM on host slices with the dispatcher's choice: returns C.
pub async fn gemm<T: Element>(
    ctx: &Context,
    desc: GemmDesc,
    a: &[T],
    b: &[T],
    c: Option<&[T]>,
) -> Result<Vec<T>> {
    GemmPlan::new(ctx, desc, None)?.run_host(a, b, c).await
}

/// Dense GEMM in the op registry (`crate::ops::ALL`).
#[derive(Clone, Copy, Debug)]
pub struct GemmOp;

/// The op's name in the CLI, reports and the tuning cache.
pub const NAME: &str = "gemm";

crate::harness::impl_op!(
    GemmOp,
    NAME,
    shaders: shaders::ALL.to_vec(),
    verify: verify::verify_gemm_async,
    bench: bench::bench_all,
    tune_jobs: |ctx, quick| crate::tune::jobs_for::<tune::GemmTune>(ctx, tune::gemm_tune_shapes(ctx, quick))
);

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn params_match_the_wgsl_struct() {
        crate::runtime::pipelines::assert_uniform_layout!(
            GemmParams,
            shaders::TILED,
            "GemmParams",
            [
                m, n, k, batch, lda, ldb, ldc, tiles_m, tiles_n, stride_a, stride_b, stride_c,
                alpha, beta, bias_row
            ]
        );
    }
}
