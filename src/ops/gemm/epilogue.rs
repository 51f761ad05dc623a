//! The linear layer's epilogue on its own: `C = act(alpha·C + bias)` over a product already in
//! C. The GEMM kernels fuse it into their store ([`GemmDesc::with_bias`],
//! [`GemmDesc::activation`]); this pass is for products computed elsewhere (another library,
//! split-K sums), and it is the unfused baseline that `bench` times the fused epilogue against.

use std::sync::Arc;

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ops::gemm::{bias_binding, bound, shaders, GemmBound, GemmDesc, GemmParams};
use crate::runtime::pipelines::Spec;
use crate::runtime::{Context, Operand};

/// Invocations per workgroup of `shaders/gemm/epilogue.wgsl` (`EPI_WG`), one quad of C each.
const EPI_WG: u64 = 64;

/// The epilogue of `desc` (its bias, activation and alpha; M, N, batch and storage type) as a
/// pass over C, built once and bound to buffers like a [`super::GemmPlan`].
#[derive(Debug)]
pub struct EpiloguePlan {
    ctx: Context,
    desc: GemmDesc,
    pipeline: Arc<wgpu::ComputePipeline>,
    params: wgpu::Buffer,
    grid: (u32, u32),
    /// Bound at the bias binding when `desc` has no bias.
    bias_stand_in: Option<wgpu::Buffer>,
}

impl EpiloguePlan {
    /// Plans the pass. C is read and written as quads, so N must be a multiple of 4; C holds
    /// the product, so there is no residual (beta must be 0).
    pub fn new(ctx: &Context, desc: &GemmDesc) -> Result<Self> {
        desc.validate()?;
        if desc.dtype == DType::F16 {
            ctx.require_f16()?;
        }
        if desc.beta != 0.0 {
            return Err(Error::Unsupported(
                "the separate epilogue has no residual (beta ≠ 0): C holds the product".into(),
            ));
        }
        if !desc.n.is_multiple_of(4) {
            return Err(Error::Unsupported(format!(
                "the separate epilogue reads C as quads: N = {} is not a multiple of 4",
                desc.n
            )));
        }
        let quads = desc.c_len() / 4;
        let total = quads.div_ceil(EPI_WG);
        let grid = crate::runtime::grid_for(ctx, "epilogue workgroup count", total)?;
        let params = GemmParams {
            m: desc.m,
            n: desc.n,
            k: desc.k,
            batch: desc.batch,
            lda: 0,
            ldb: 0,
            ldc: desc.n,
            tiles_m: 0,
            tiles_n: 0,
            stride_a: 0,
            stride_b: 0,
            stride_c: desc.m * desc.n,
            alpha: desc.alpha,
            beta: 0.0,
            bias_row: 0,
            _pad: 0,
        };
        let constants = [
            ("EPI_BIAS", desc.bias as u8 as f64),
            ("EPI_ACT", desc.activation.code() as f64),
        ];
        let spec = Spec {
            dtype: desc.dtype,
            coop: None,
        };
        let pipeline = ctx.pipeline(shaders::EPILOGUE, spec, "main", &constants)?;
        let bias_stand_in = if desc.bias {
            None
        } else {
            Some(ctx.storage("epilogue bias stand-in", 16)?)
        };
        Ok(Self {
            ctx: ctx.clone(),
            desc: *desc,
            pipeline,
            params: ctx.uniform("epilogue params", &params)?,
            grid,
            bias_stand_in,
        })
    }

    /// Binds C (read and written in place) and the bias (N values; `Some` exactly when the
    /// descriptor has a bias).
    pub fn bind(&self, bias: Option<&wgpu::Buffer>, c: &wgpu::Buffer) -> Result<GemmBound> {
        let es = self.desc.dtype.size();
        Operand::new("C", c).check(&self.ctx, self.desc.c_len() * es)?;
        let bias = bias_binding(&self.ctx, &self.desc, bias, self.bias_stand_in.as_ref())?;
        let entries = [
            wgpu::BindGroupEntry {
                binding: 0,
                resource: self.params.as_entire_binding(),
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
        bound(&self.ctx, &self.pipeline, &entries, self.grid)
    }
}
