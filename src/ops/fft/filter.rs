//! Two frequency-domain layers built on the N-D transforms, each one planned chain:
//!
//! - the **global filter** (a learned filter over 2-D feature maps, as frequency token mixers
//!   use): `y = irfft2(rfft2(x) ⊙ W)` over the last two axes of (batch, h, w) reals, with one
//!   complex filter W of shape (h, w/2+1) shared over the batch. Where strided column passes
//!   run ([`NdConfig`]) it is rfft rows, column FFT, product, inverse column FFT, irfft rows in
//!   place — the same five steps rfftn, the product and irfftn take in turn; otherwise the
//!   column steps run on the transposed spectrum, two transposes fewer than those parts.
//! - the **DCT low-pass** (DCT compression of visual tokens): the lowest k × k coefficients of
//!   the orthonormal 2-D DCT-II of each (h, w) map. The row pass keeps k coefficients per row,
//!   so the column pass runs on k/w of the data, and nothing outside the corner is written.

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::fft::nd::{
    strided_probe, Chain, ChainSpec, NdBound, NdConfig, Norm, StageSpec, TransposeKernel,
};
use crate::ops::fft::permute::Copy4;
use crate::ops::fft::r2r::R2rKind;
use crate::runtime::{read_buffer, Context, Operand};

/// A global filter layer over `batch` maps of h × w reals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FilterDesc {
    /// Maps.
    pub batch: u32,
    /// Rows per map.
    pub h: u32,
    /// Columns per map.
    pub w: u32,
    /// Storage type of x and y (the filter is complex f32).
    pub dtype: DType,
}

impl FilterDesc {
    /// f32 maps.
    pub fn new(batch: u32, h: u32, w: u32) -> Self {
        Self {
            batch,
            h,
            w,
            dtype: DType::F32,
        }
    }
    /// Sets the storage type.
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    /// Scalars of x (and y).
    pub fn len(&self) -> u64 {
        self.batch as u64 * self.h as u64 * self.w as u64
    }
    /// Whether there is no data (never true for a valid descriptor).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Scalars of the filter: 2·h·(w/2+1) (interleaved complex, f32).
    pub fn filter_len(&self) -> u64 {
        2 * self.h as u64 * (self.w as u64 / 2 + 1)
    }
    /// Checks dimensions.
    pub fn validate(&self) -> Result<()> {
        if self.batch == 0 || self.h == 0 || self.w == 0 {
            return Err(Error::ZeroSized("global filter batch, h or w"));
        }
        Ok(())
    }

    /// The chain. With strided column passes (`strided` says whether they run here): rfft rows,
    /// column FFT, ⊙ W, inverse column FFT, irfft rows, all in place in the natural layout.
    /// Otherwise: rfft rows, transpose, column FFT, ⊙ Wᵀ, inverse column FFT, transpose back,
    /// irfft rows (the column steps on the transposed spectrum, so two transposes fewer than
    /// rfftn, product and irfftn in turn). The inverse plans' 1/h and 1/w make irfft2's 1/(h·w).
    fn chain(&self, strided: &dyn Fn(u32, u64, u64, bool) -> bool) -> Result<ChainSpec> {
        let (b, h, w) = (self.batch as u64, self.h as u64, self.w as u64);
        let wb = w / 2 + 1;
        let mut c = ChainSpec::default();
        let mut dims = [1, b, h, w];
        c.along(&mut dims, 3, 1, 2, |n, batch| {
            Ok((
                StageSpec::Rfft {
                    n,
                    batch,
                    inverse: false,
                },
                n as u64 / 2 + 1,
            ))
        })?;
        let spec = b * h * wb * 2;
        if strided(self.h, b * wb, wb, false) && strided(self.h, b * wb, wb, true) {
            for inverse in [false, true] {
                if inverse {
                    let mut mul =
                        Copy4::strided(&[b, h, wb], &[h * wb, wb, 1], &[h * wb, wb, 1], 2);
                    mul.filter = Some([0, 0, wb, 1]);
                    c.push(StageSpec::Copy(mul), spec);
                }
                let col = StageSpec::FftStrided {
                    n: self.h,
                    batch: b * wb,
                    stride: wb,
                    inverse,
                };
                c.push(col, spec);
            }
            c.push(
                StageSpec::Rfft {
                    n: self.w,
                    batch: b * h,
                    inverse: true,
                },
                b * h * w,
            );
            return Ok(c);
        }
        c.push(StageSpec::Copy(Copy4::transpose(b, h, wb, 2)), spec);
        c.push(
            StageSpec::Fft {
                n: self.h,
                batch: b * wb,
                inverse: false,
            },
            spec,
        );
        let mut mul = Copy4::strided(&[b, wb, h], &[wb * h, h, 1], &[wb * h, h, 1], 2);
        mul.filter = Some([0, 0, 1, wb]);
        c.push(StageSpec::Copy(mul), spec);
        c.push(
            StageSpec::Fft {
                n: self.h,
                batch: b * wb,
                inverse: true,
            },
            spec,
        );
        c.push(StageSpec::Copy(Copy4::transpose(b, wb, h, 2)), spec);
        c.push(
            StageSpec::Rfft {
                n: self.w,
                batch: b * h,
                inverse: true,
            },
            b * h * w,
        );
        Ok(c)
    }
}

/// A global filter layer ready to run.
#[derive(Debug)]
pub struct FilterPlan {
    desc: FilterDesc,
    chain: Chain,
}

impl FilterPlan {
    /// Plans `desc` with the adapter's [`NdConfig::default_for`].
    pub fn new(ctx: &Context, desc: FilterDesc) -> Result<Self> {
        Self::with_config(ctx, desc, NdConfig::default_for(ctx.caps()))
    }
    /// Plans `desc` with `config`.
    pub fn with_config(ctx: &Context, desc: FilterDesc, config: NdConfig) -> Result<Self> {
        desc.validate()?;
        if desc.dtype == DType::F16 {
            ctx.require_f16()?;
        }
        let chain = desc.chain(&strided_probe(ctx, desc.dtype, config))?;
        Ok(Self {
            desc,
            chain: Chain::new(ctx, desc.dtype, &chain, config.transpose)?,
        })
    }
    /// The problem.
    pub fn desc(&self) -> &FilterDesc {
        &self.desc
    }
    /// Binds x (read), the filter (read, f32 complex (h, w/2+1)) and y (written).
    pub fn bind(
        &self,
        x: &wgpu::Buffer,
        filter: &wgpu::Buffer,
        y: &wgpu::Buffer,
    ) -> Result<NdBound> {
        let ctx = self.chain.ctx();
        let bytes = self.desc.len() * self.desc.dtype.size();
        Operand::new("x", x).check(ctx, bytes)?;
        Operand::new("filter", filter).check(ctx, self.desc.filter_len() * 4)?;
        Operand::new("y", y).check(ctx, bytes)?;
        if x == y {
            return Err(Error::Shape(
                "global filter x and y must be different buffers".into(),
            ));
        }
        self.chain.bind(x, y, Some(filter))
    }
    /// Runs on host data: x (`len` scalars) and the filter (`filter_len` f32).
    pub async fn run_host<T: Element>(&self, x: &[T], filter: &[f32]) -> Result<Vec<T>> {
        crate::runtime::check_host_dtype::<T>(self.desc.dtype)?;
        crate::runtime::check_len("global filter x", x.len(), self.desc.len())?;
        crate::runtime::check_len("global filter W", filter.len(), self.desc.filter_len())?;
        let ctx = self.chain.ctx();
        let xb = ctx.upload("filter x", x)?;
        let wb = ctx.upload("filter W", filter)?;
        let y = ctx.storage("filter y", self.desc.len() * self.desc.dtype.size())?;
        let bound = self.bind(&xb, &wb, &y)?;
        ctx.submit(|p| bound.record(p))?;
        read_buffer(ctx, &y, self.desc.len() as usize).await
    }
}

/// The lowest k × k coefficients of the orthonormal 2-D DCT-II of `batch` maps of h × w reals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DctLowpassDesc {
    /// Maps.
    pub batch: u32,
    /// Rows per map.
    pub h: u32,
    /// Columns per map.
    pub w: u32,
    /// Coefficients kept along each axis (k ≤ h, k ≤ w).
    pub k: u32,
    /// Storage type.
    pub dtype: DType,
}

impl DctLowpassDesc {
    /// f32 maps.
    pub fn new(batch: u32, h: u32, w: u32, k: u32) -> Self {
        Self {
            batch,
            h,
            w,
            k,
            dtype: DType::F32,
        }
    }
    /// Sets the storage type.
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    /// Scalars in.
    pub fn len(&self) -> u64 {
        self.batch as u64 * self.h as u64 * self.w as u64
    }
    /// Whether there is no data (never true for a valid descriptor).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Scalars out: batch·k·k.
    pub fn out_len(&self) -> u64 {
        self.batch as u64 * self.k as u64 * self.k as u64
    }
    /// Checks dimensions.
    pub fn validate(&self) -> Result<()> {
        if self.batch == 0 || self.h == 0 || self.w == 0 || self.k == 0 {
            return Err(Error::ZeroSized("DCT low-pass batch, h, w or k"));
        }
        if self.k > self.h || self.k > self.w {
            return Err(Error::Shape(format!(
                "k = {} coefficients of a {} x {} map",
                self.k, self.h, self.w
            )));
        }
        Ok(())
    }
    fn chain(&self) -> Result<ChainSpec> {
        let mut c = ChainSpec::default();
        let mut dims = [1, self.batch as u64, self.h as u64, self.w as u64];
        let k = self.k;
        for axis in [3, 2] {
            c.along(&mut dims, axis, 1, 1, |n, batch| {
                let spec = StageSpec::R2r {
                    n,
                    batch,
                    kind: R2rKind::Dct2,
                    norm: Norm::Ortho,
                    keep: k,
                };
                Ok((spec, k as u64))
            })?;
        }
        Ok(c)
    }
}

/// A DCT low-pass ready to run.
#[derive(Debug)]
pub struct DctLowpassPlan {
    desc: DctLowpassDesc,
    chain: Chain,
}

impl DctLowpassPlan {
    /// Plans `desc`.
    pub fn new(ctx: &Context, desc: DctLowpassDesc) -> Result<Self> {
        desc.validate()?;
        if desc.dtype == DType::F16 {
            ctx.require_f16()?;
        }
        Ok(Self {
            desc,
            chain: Chain::new(
                ctx,
                desc.dtype,
                &desc.chain()?,
                TransposeKernel::default_for(ctx.caps()),
            )?,
        })
    }
    /// The problem.
    pub fn desc(&self) -> &DctLowpassDesc {
        &self.desc
    }
    /// Binds x (read, batch·h·w) and the coefficients (written, batch·k·k).
    pub fn bind(&self, x: &wgpu::Buffer, coefs: &wgpu::Buffer) -> Result<NdBound> {
        let ctx = self.chain.ctx();
        let es = self.desc.dtype.size();
        Operand::new("x", x).check(ctx, self.desc.len() * es)?;
        Operand::new("coefficients", coefs).check(ctx, self.desc.out_len() * es)?;
        if x == coefs {
            return Err(Error::Shape(
                "DCT low-pass input and output must be different buffers".into(),
            ));
        }
        self.chain.bind(x, coefs, None)
    }
    /// Runs on host data.
    pub async fn run_host<T: Element>(&self, x: &[T]) -> Result<Vec<T>> {
        crate::runtime::check_host_dtype::<T>(self.desc.dtype)?;
        crate::runtime::check_len("DCT low-pass input", x.len(), self.desc.len())?;
        let ctx = self.chain.ctx();
        let xb = ctx.upload("lowpass x", x)?;
        let out = self.desc.out_len();
        let y = ctx.storage("lowpass coefficients", out * self.desc.dtype.size())?;
        let bound = self.bind(&xb, &y)?;
        ctx.submit(|p| bound.record(p))?;
        read_buffer(ctx, &y, out as usize).await
    }
}
