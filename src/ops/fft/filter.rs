//! Two frequency-domain layers built on the N-D transforms:
//!
//! - the **global filter** (a learned filter over 2-D feature maps, as frequency token mixers
//!   use): `y = irfft2(rfft2(x) ⊙ W)` over the last two axes of (batch, h, w) reals, with one
//!   complex filter W of shape (h, w/2+1) shared over the batch. Two ways ([`FilterConfig`]):
//!   maps whose spectrum fits workgroup memory (up to 64 × 64, any lengths with prime factors
//!   ≤ 64) run **fused**, one dispatch that reads each map once and writes it once
//!   (`filter_fused.rs`); any map runs as a **chain**: where strided column passes run
//!   ([`NdConfig`]) rfft rows, column FFT, product, inverse column FFT, irfft rows in place —
//!   the same five steps rfftn, the product and irfftn take in turn; otherwise the column steps
//!   run on the transposed spectrum, two transposes fewer than those parts.
//! - the **DCT low-pass** (DCT compression of visual tokens): the lowest k × k coefficients of
//!   the orthonormal 2-D DCT-II of each (h, w) map. The row pass keeps k coefficients per row,
//!   so the column pass runs on k/w of the data, and nothing outside the corner is written.

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::fft::filter_fused::FusedFilter;
use crate::ops::fft::nd::{
    strided_probe, Chain, ChainSpec, ColumnPass, NdBound, NdConfig, Norm, StageSpec,
    TransposeKernel,
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

/// How a global filter runs: the dispatcher's choice for [`FilterPlan`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum FilterConfig {
    /// One dispatch, each map's spectrum kept in workgroup memory (maps up to 2048 complex
    /// values of row pairs or spectrum, h × ⌈w/2⌉ with bins 0 and w/2 packed for even w: 64 × 64
    /// fits; prime factors of h and w ≤ 64; WebGPU's default 16 KiB of workgroup storage and 256
    /// invocations).
    Fused,
    /// A chain of 1-D passes, copies and the product (any map), moving axes as `NdConfig` says.
    Chain(NdConfig),
}

impl From<NdConfig> for FilterConfig {
    fn from(c: NdConfig) -> Self {
        FilterConfig::Chain(c)
    }
}

impl FilterConfig {
    /// Whether this configuration runs `desc` on an adapter with `limits`.
    pub fn fits(&self, desc: &FilterDesc, limits: &wgpu::Limits) -> bool {
        match self {
            FilterConfig::Fused => crate::ops::fft::filter_fused::unfit(desc, limits).is_none(),
            FilterConfig::Chain(_) => true,
        }
    }

    /// The untuned pick for an adapter: fused where the map fits (one read and one write of
    /// each map against five to seven passes), else the chain with [`NdConfig::default_for`].
    /// On CPU adapters, where each workgroup-memory access costs a loop over lanes, fused only
    /// for tiny maps (≤ 64 values, not both sides powers of two) and small ones (≤ 289 values)
    /// with a side that would take Bluestein on the chain. On lavapipe
    /// (`examples/fft_nd_bench.rs -- --full --only filter`) the chain took 1.6× the fused time
    /// at 256 × 7 × 7 and 1.8× at 256 × 17 × 17 with 17 on Bluestein (stop 40, before radix 17),
    /// but 0.46× at 256 × 14 × 14 and 0.2× at 64 × 56 × 56 (mixed-radix sides) and 0.85× at
    /// 256 × 37 × 37 (37 on Bluestein then: the fused kernel's direct sums cost 37 products per
    /// value);
    /// fused took 4.4× the chain's time at 16 × 16 and 10× at 64 × 64 (tuning measures the rest).
    pub fn default_for(
        caps: &crate::runtime::Capabilities,
        limits: &wgpu::Limits,
        desc: &FilterDesc,
    ) -> Self {
        let max = crate::ops::fft::mixed_max_points(limits);
        // A side the mixed-radix kernel does not run in one dispatch: Bluestein, or since stop 42
        // Rader's one dispatch of two transforms for some primes (the rule was measured with Bluestein).
        let bluestein =
            |n: u32| !n.is_power_of_two() && crate::ops::fft::mixed_radices(n, max).is_none();
        let pow2 = desc.h.is_power_of_two() && desc.w.is_power_of_two();
        let values = desc.h as u64 * desc.w as u64;
        let cpu_fits =
            (values <= 64 && !pow2) || (values <= 289 && (bluestein(desc.h) || bluestein(desc.w)));
        let fused = caps.device_type != wgpu::DeviceType::Cpu || cpu_fits;
        if fused && FilterConfig::Fused.fits(desc, limits) {
            FilterConfig::Fused
        } else {
            FilterConfig::Chain(NdConfig::default_for(caps))
        }
    }

    /// Every configuration that runs `desc` here, the adapter's default first (for tuning,
    /// verify and the bench's comparisons).
    pub fn candidates(
        caps: &crate::runtime::Capabilities,
        limits: &wgpu::Limits,
        desc: &FilterDesc,
    ) -> Vec<Self> {
        let first = Self::default_for(caps, limits, desc);
        let all = std::iter::once(FilterConfig::Fused)
            .chain(NdConfig::all().into_iter().map(FilterConfig::Chain));
        std::iter::once(first)
            .chain(all.filter(|c| *c != first && c.fits(desc, limits)))
            .collect()
    }

    /// Short label: `fused`, `chain direct+strided`, ...
    pub fn label(&self) -> String {
        match self {
            FilterConfig::Fused => "fused".into(),
            FilterConfig::Chain(c) => format!("chain {}", c.label()),
        }
    }
}

/// How a planned filter runs.
#[derive(Debug)]
enum FilterRun {
    Fused(FusedFilter),
    Chain(Chain),
}

/// A global filter layer ready to run.
#[derive(Debug)]
pub struct FilterPlan {
    desc: FilterDesc,
    config: FilterConfig,
    ctx: Context,
    run: FilterRun,
}

impl FilterPlan {
    /// Plans `desc` with the dispatcher's [`FilterConfig`]: the tuned winner for this map
    /// shape where `wgkernels tune fft` stored one, else [`FilterConfig::default_for`].
    pub fn new(ctx: &Context, desc: FilterDesc) -> Result<Self> {
        desc.validate()?;
        let config = crate::tune::pick::<crate::ops::fft::nd_tune::FilterTune>(ctx, &desc).config;
        Self::with_config(ctx, desc, config)
    }
    /// Plans `desc` with `config` (an [`NdConfig`] names a chain); [`Error::Unsupported`]
    /// where the fused kernel cannot take the map.
    pub fn with_config(
        ctx: &Context,
        desc: FilterDesc,
        config: impl Into<FilterConfig>,
    ) -> Result<Self> {
        let config = config.into();
        desc.validate()?;
        if desc.dtype == DType::F16 {
            ctx.require_f16()?;
        }
        let run = match config {
            FilterConfig::Fused => FilterRun::Fused(FusedFilter::new(ctx, &desc)?),
            FilterConfig::Chain(nd) => {
                let chain = desc.chain(&strided_probe(ctx, desc.dtype, nd))?;
                FilterRun::Chain(Chain::new(
                    ctx,
                    desc.dtype,
                    &chain,
                    nd.transpose,
                    nd.columns,
                )?)
            }
        };
        Ok(Self {
            desc,
            config,
            ctx: ctx.clone(),
            run,
        })
    }
    /// The configuration that runs it.
    pub fn config(&self) -> FilterConfig {
        self.config
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
        let ctx = &self.ctx;
        let bytes = self.desc.len() * self.desc.dtype.size();
        Operand::new("x", x).check(ctx, bytes)?;
        Operand::new("filter", filter).check(ctx, self.desc.filter_len() * 4)?;
        Operand::new("y", y).check(ctx, bytes)?;
        if x == y {
            return Err(Error::Shape(
                "global filter x and y must be different buffers".into(),
            ));
        }
        match &self.run {
            FilterRun::Fused(f) => Ok(NdBound::single(f.bind(x, filter, y)?)),
            FilterRun::Chain(c) => c.bind(x, y, Some(filter)),
        }
    }
    /// Runs on host data: x (`len` scalars) and the filter (`filter_len` f32).
    pub async fn run_host<T: Element>(&self, x: &[T], filter: &[f32]) -> Result<Vec<T>> {
        crate::runtime::check_host_dtype::<T>(self.desc.dtype)?;
        crate::runtime::check_len("global filter x", x.len(), self.desc.len())?;
        crate::runtime::check_len("global filter W", filter.len(), self.desc.filter_len())?;
        let ctx = &self.ctx;
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
    /// The crate's tolerance for the low-pass against `dct_lowpass_ref`: the 2-D real-to-real
    /// FFT bound over one image.
    pub fn tolerance(&self) -> crate::harness::tolerance::Tolerance {
        crate::harness::tolerance::Tolerance::fft_nd(self.dtype, self.h as u64 * self.w as u64, 2)
    }

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
    transpose: TransposeKernel,
    chain: Chain,
}

impl DctLowpassPlan {
    /// Plans `desc` with the tuned transpose kernel for its shape where `wgkernels tune fft`
    /// stored one, else [`TransposeKernel::default_for`] the adapter.
    pub fn new(ctx: &Context, desc: DctLowpassDesc) -> Result<Self> {
        desc.validate()?;
        let t = crate::tune::pick::<crate::ops::fft::nd_tune::LowpassTune>(ctx, &desc).config;
        Self::with_config(ctx, desc, t)
    }
    /// Plans `desc` with `transpose` moving the column axis last and back.
    pub fn with_config(
        ctx: &Context,
        desc: DctLowpassDesc,
        transpose: TransposeKernel,
    ) -> Result<Self> {
        desc.validate()?;
        if desc.dtype == DType::F16 {
            ctx.require_f16()?;
        }
        Ok(Self {
            desc,
            transpose,
            chain: Chain::new(
                ctx,
                desc.dtype,
                &desc.chain()?,
                transpose,
                ColumnPass::Transposes,
            )?,
        })
    }
    /// The transpose kernel that runs it.
    pub fn config(&self) -> TransposeKernel {
        self.transpose
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
