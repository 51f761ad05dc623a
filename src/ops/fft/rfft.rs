//! Real FFTs: `rfft` (n reals → n/2+1 complex bins, unnormalised) and `irfft` (n/2+1 bins → n
//! reals, scaled by 1/n; the imaginary parts of bin 0 and, for even n, bin n/2 are ignored, as in
//! numpy). Even n uses the half-length complex trick (the reals are read as n/2 complex values
//! in place, one complex FFT of n/2 points, one split pass); odd n runs a full complex FFT.

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::fft::config::FftConfig;
use crate::ops::fft::{grid_for, FftBound, FftDesc, FftPlan};
use crate::runtime::pipelines::Spec;
use crate::runtime::{read_buffer, Context, Dispatch, Operand};
use std::sync::Arc;

/// Shape and direction of a batched real FFT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RfftDesc {
    /// Real samples per row (any length ≥ 1).
    pub n: u32,
    /// Rows.
    pub batch: u32,
    /// Storage type.
    pub dtype: DType,
    /// irfft (bins → reals) instead of rfft.
    pub inverse: bool,
}

impl RfftDesc {
    /// A forward f32 rfft of `n` reals, batch 1.
    pub fn new(n: u32) -> Self {
        Self {
            n,
            batch: 1,
            dtype: DType::F32,
            inverse: false,
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
    /// Selects irfft (true) or rfft (false).
    pub fn inverse(mut self, inverse: bool) -> Self {
        self.inverse = inverse;
        self
    }
    /// Complex bins per row: n/2 + 1.
    pub fn bins(&self) -> u32 {
        self.n / 2 + 1
    }
    /// Scalars of the real side (n·batch).
    pub fn real_len(&self) -> u64 {
        self.n as u64 * self.batch as u64
    }
    /// Scalars of the spectrum side (2·(n/2+1)·batch).
    pub fn spec_len(&self) -> u64 {
        2 * self.bins() as u64 * self.batch as u64
    }
    /// Scalars of (input, output).
    pub fn lens(&self) -> (u64, u64) {
        if self.inverse {
            (self.spec_len(), self.real_len())
        } else {
            (self.real_len(), self.spec_len())
        }
    }
    /// Checks dimensions.
    pub fn validate(&self) -> Result<()> {
        if self.n == 0 {
            return Err(Error::ZeroSized("rfft length n"));
        }
        if self.batch == 0 {
            return Err(Error::ZeroSized("rfft batch"));
        }
        self.inner().validate()
    }
    fn even(&self) -> bool {
        self.n.is_multiple_of(2)
    }
    /// The complex FFT this real transform runs (n/2 points for even n, else n), whose
    /// dispatcher pick the rfft plan uses: tuning it tunes the real transform.
    pub fn inner(&self) -> FftDesc {
        let n = if self.even() { self.n / 2 } else { self.n };
        FftDesc::new(n)
            .batch(self.batch)
            .dtype(self.dtype)
            .inverse(self.inverse)
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct RParams {
    n: u32,
    half: u32,
    bins: u32,
    batch: u32,
    odd: u32,
    total: u32,
    /// Rows along the last two row axes of an N-D split (top bit: that axis is transformed);
    /// 0 for a 1-D real FFT (see `mirror_row` in rfft.wgsl).
    m2: u32,
    m1: u32,
}

#[derive(Debug)]
struct Step {
    pipeline: Arc<wgpu::ComputePipeline>,
    params: wgpu::Buffer,
    grid: (u32, u32),
}

/// A real FFT ready to run.
#[derive(Debug)]
pub struct RfftPlan {
    ctx: Context,
    desc: RfftDesc,
    inner: FftPlan,
    step: Step,
    wn: wgpu::Buffer,
    s1: wgpu::Buffer,
    s2: Option<wgpu::Buffer>,
}

impl RfftPlan {
    /// Plans `desc`; `config` applies to the inner complex FFT.
    pub fn new(ctx: &Context, desc: RfftDesc, config: Option<FftConfig>) -> Result<Self> {
        desc.validate()?;
        if desc.dtype == DType::F16 {
            ctx.require_f16()?;
        }
        let es = desc.dtype.size();
        let (li, lo) = desc.lens();
        ctx.check_binding_size("rfft input", li * es)?;
        ctx.check_binding_size("rfft output", lo * es)?;
        let inner_desc = desc.inner();
        let inner = FftPlan::new(ctx, inner_desc, config)?;
        let n = desc.n;
        let wn = half_twiddles(ctx, n)?;
        let spec = Spec::new(desc.dtype);
        let s1 = ctx.storage("rfft scratch", inner_desc.bytes())?;
        let s2 = if desc.even() {
            None
        } else {
            Some(ctx.storage("rfft scratch 2", inner_desc.bytes())?)
        };
        // The one pre/post step next to the inner FFT (odd n has a second, widening/narrowing).
        let (entry, total) = if desc.inverse {
            ("pre", inner_desc.n as u64 * desc.batch as u64)
        } else {
            ("post", desc.bins() as u64 * desc.batch as u64)
        };
        let params = RParams {
            n,
            half: inner_desc.n,
            bins: desc.bins(),
            batch: desc.batch,
            odd: !desc.even() as u32,
            total: total as u32,
            m2: 0,
            m1: 0,
        };
        let step = Step {
            pipeline: ctx.pipeline(super::shaders::RFFT, spec, entry, &[])?,
            params: ctx.uniform("rfft params", &params)?,
            grid: grid_for(ctx, "rfft workgroups", total.div_ceil(256))?,
        };
        Ok(Self {
            ctx: ctx.clone(),
            desc,
            inner,
            step,
            wn,
            s1,
            s2,
        })
    }

    /// The problem.
    pub fn desc(&self) -> &RfftDesc {
        &self.desc
    }

    /// The configuration of the inner complex FFT (the one the dispatcher picked and tuning
    /// measures).
    pub fn config(&self) -> &FftConfig {
        self.inner.config()
    }

    /// The inner complex FFT's variant ([`FftPlan::variant`]).
    pub fn variant(&self) -> &'static str {
        self.inner.variant()
    }

    fn elementwise(
        &self,
        entry: &'static str,
        bindings: &[(u32, &wgpu::Buffer)],
        total: u64,
    ) -> Result<Dispatch> {
        let d = &self.desc;
        let params = RParams {
            n: d.n,
            half: d.n,
            bins: d.bins(),
            batch: d.batch,
            odd: 1,
            total: total as u32,
            m2: 0,
            m1: 0,
        };
        let pipeline = self
            .ctx
            .pipeline(super::shaders::RFFT, Spec::new(d.dtype), entry, &[])?;
        let pbuf = self.ctx.uniform("rfft params", &params)?;
        let mut entries = vec![(0, &pbuf)];
        entries.extend_from_slice(bindings);
        Dispatch::new(
            &self.ctx,
            pipeline,
            entry,
            &entries,
            grid_for(&self.ctx, "rfft workgroups", total.div_ceil(256))?,
        )
    }

    /// Binds the caller's buffers: rfft reads `n·batch` reals and writes `(n/2+1)·batch`
    /// interleaved complex bins; irfft the other way round.
    pub fn bind(&self, input: &wgpu::Buffer, output: &wgpu::Buffer) -> Result<RfftBound> {
        let es = self.desc.dtype.size();
        let (li, lo) = self.desc.lens();
        Operand::new("input", input).check(&self.ctx, li * es)?;
        Operand::new("output", output).check(&self.ctx, lo * es)?;
        if input == output {
            return Err(Error::Shape(
                "rfft input and output must be different buffers".into(),
            ));
        }
        let d = &self.desc;
        let step = |src: &wgpu::Buffer, dst: &wgpu::Buffer| -> Result<Dispatch> {
            Dispatch::new(
                &self.ctx,
                self.step.pipeline.clone(),
                "rfft step",
                &[(0, &self.step.params), (1, src), (2, dst), (3, &self.wn)],
                self.step.grid,
            )
        };
        let mut before = Vec::new();
        let mut after = Vec::new();
        let inner;
        match (d.inverse, &self.s2) {
            (false, None) => {
                inner = self.inner.bind_unchecked(input, &self.s1)?;
                after.push(step(&self.s1, output)?);
            }
            (false, Some(s2)) => {
                before.push(self.elementwise("r2c", &[(2, &self.s1), (4, input)], d.real_len())?);
                inner = self.inner.bind_unchecked(&self.s1, s2)?;
                after.push(step(s2, output)?);
            }
            (true, None) => {
                before.push(step(input, &self.s1)?);
                inner = self.inner.bind_unchecked(&self.s1, output)?;
            }
            (true, Some(s2)) => {
                before.push(step(input, &self.s1)?);
                inner = self.inner.bind_unchecked(&self.s1, s2)?;
                after.push(self.elementwise("c2r", &[(1, s2), (5, output)], d.real_len())?);
            }
        }
        Ok(RfftBound {
            before,
            inner,
            after,
        })
    }

    /// Runs on host data and returns the result.
    pub async fn run_host<T: Element>(&self, data: &[T]) -> Result<Vec<T>> {
        if T::DTYPE != self.desc.dtype {
            return Err(Error::Shape(format!(
                "host data is {} but the plan is {}",
                T::DTYPE,
                self.desc.dtype
            )));
        }
        let (li, lo) = self.desc.lens();
        if data.len() as u64 != li {
            return Err(Error::Length {
                name: "rfft input",
                have: data.len(),
                need: li as usize,
            });
        }
        let input = self.ctx.upload("rfft input", data)?;
        let output = self
            .ctx
            .storage("rfft output", lo * self.desc.dtype.size())?;
        let bound = self.bind(&input, &output)?;
        self.ctx.submit(|p| bound.record(p))?;
        read_buffer(&self.ctx, &output, lo as usize).await
    }
}

/// exp(-2πik/n) for k ≤ n/2, computed in f64: the twiddles of `post` and `pre`.
fn half_twiddles(ctx: &Context, n: u32) -> Result<wgpu::Buffer> {
    let wn: Vec<f32> = (0..=n / 2)
        .flat_map(|k| {
            let a = -2.0 * std::f64::consts::PI * k as f64 / n as f64;
            [a.cos() as f32, a.sin() as f32]
        })
        .collect();
    ctx.upload("rfft twiddles", &wn)
}

/// One dispatch of an N-D rfftn (or irfftn) whose last axis has even length n, on rows of n
/// reals read as n/2 complex values (no copy), with its parameters and a twiddle table:
/// - [`RfftRowStep::split`]: the `post` step of a real FFT on its own. The c2c chain over every
///   axis ran first (power-of-two strides where the shape has them, so the fast column passes
///   apply); this splits that spectrum Z into the n/2 + 1 bins per row of NumPy's layout,
///   pairing bin k of row (o, r1, r2) with bin n/2 − k of row (o, −r1, −r2) along the
///   transformed axes (the former order, rfft rows first, left the column passes a stride of
///   n/2 + 1). Inverse: the split undone, the first step of an irfftn.
/// - [`RfftRowStep::pair`]: a 2-D rfftn's row DFTs and split fused, one row pair (b, −b along
///   the row axis) per subgroup (`p512r`, `p1024r`, `p2048r` in stockham_sg.wgsl, which derives
///   it), after the column transforms: the split on its own reads and writes the array once more.
///   Inverse (`p512u` …): the split undone and the inverse row DFTs, before the inverse columns.
#[derive(Debug)]
pub(crate) struct RfftRowStep {
    ctx: Context,
    pipeline: Arc<wgpu::ComputePipeline>,
    params: wgpu::Buffer,
    table: wgpu::Buffer,
    grid: (u32, u32),
    /// Bindings of the parameters, the table, the source and the destination.
    slots: [u32; 4],
    label: &'static str,
}

impl RfftRowStep {
    /// The split of `rows` rows of n reals (n even); `rows_2`, `rows_1`: the lengths of the two
    /// row axes before the last (`rows` is a multiple of their product) and whether each is
    /// transformed. `inverse`: the split undone (`unsplit`, n/2 + 1 bins to n/2 values per
    /// row), which starts an irfftn.
    pub fn split(
        ctx: &Context,
        dtype: DType,
        n: u32,
        rows: u32,
        (rows_2, t2): (u32, bool),
        (rows_1, t1): (u32, bool),
        inverse: bool,
    ) -> Result<Self> {
        let desc = RfftDesc::new(n).batch(rows).dtype(dtype);
        desc.validate()?;
        if !desc.even() {
            return Err(Error::Shape(format!(
                "rfftn split of n = {n}: n must be even"
            )));
        }
        if rows_1 >= 1 << 31 || rows_2 >= 1 << 31 {
            return Err(Error::Shape(format!(
                "rfftn split: row axes of {rows_1} and {rows_2} exceed 2^31"
            )));
        }
        let total = desc.bins() as u64 * rows as u64;
        let params = RParams {
            n,
            half: n / 2,
            bins: desc.bins(),
            batch: rows,
            odd: 0,
            total: u32::try_from(total)
                .map_err(|_| Error::Shape(format!("{total} rfftn bins exceed 2^32")))?,
            m2: rows_2 | (t2 as u32) << 31,
            m1: rows_1 | (t1 as u32) << 31,
        };
        // Workgroup x: rows x, x + grid.0, … (see `split` in rfft.wgsl).
        let max = ctx.limits().max_compute_workgroups_per_dimension;
        Ok(Self {
            ctx: ctx.clone(),
            pipeline: ctx.pipeline(
                super::shaders::RFFT,
                Spec::new(dtype),
                if inverse { "unsplit" } else { "split" },
                &[],
            )?,
            params: ctx.uniform("rfftn split params", &params)?,
            table: half_twiddles(ctx, n)?,
            grid: (rows.min(max), 1),
            slots: [0, 3, 1, 2],
            label: "rfftn split",
        })
    }

    /// The kernel for rows of `n` reals under `cfg` (the pick for their n/2-point DFT): the
    /// 8-lane subgroup kernels only; `inverse`: the irfftn step (`p512u` …).
    pub fn pair_entry(cfg: &FftConfig, n: u32, inverse: bool) -> Option<&'static str> {
        if !(cfg.subgroup_passes() && cfg.log_cap == 12) {
            return None;
        }
        let i = match n {
            1024 => 0,
            2048 => 1,
            4096 => 2,
            _ => return None,
        };
        Some(if inverse {
            ["p512u", "p1024u", "p2048u"][i]
        } else {
            ["p512r", "p1024r", "p2048r"][i]
        })
    }

    /// Whether the adapter runs [`RfftRowStep::pair`] for `rows` rows of `n` reals (an even
    /// count for the inverse, whose vec4 reads cannot reach the last bin of an odd one).
    pub fn pair_fits(ctx: &Context, dtype: DType, n: u32, rows: u64, inverse: bool) -> bool {
        u32::try_from(rows).is_ok_and(|r| {
            let d = FftDesc::new(n / 2).batch(r).dtype(dtype);
            let pick = crate::ops::fft::tune::fft_pick(ctx, &d);
            n > 1
                && (!inverse || r.is_multiple_of(2))
                && Self::pair_entry(&pick, n, inverse).is_some()
        })
    }

    /// The fused row step of `rows` rows of n reals (as n/2 complex values, transformed along
    /// the row axis of length `d`; `rows` is a multiple of it) to rows of n/2 + 1 bins, or
    /// (`inverse`, `rows` even) from those bins to the rows' inverse DFTs, scaled by 2/n.
    pub fn pair(
        ctx: &Context,
        dtype: DType,
        n: u32,
        rows: u32,
        d: u32,
        inverse: bool,
    ) -> Result<Self> {
        let h = n / 2;
        let pick = crate::ops::fft::tune::fft_pick(ctx, &FftDesc::new(h).batch(rows).dtype(dtype));
        let entry = Self::pair_entry(&pick, n, inverse).ok_or_else(|| {
            Error::Unsupported(format!("the fused rfftn row step of n = {n} needs 8-lane subgroups and n = 1024, 2048 or 4096"))
        })?;
        if inverse && !rows.is_multiple_of(2) {
            return Err(Error::Shape(format!(
                "the fused irfftn row step needs an even row count, not {rows}"
            )));
        }
        if dtype == DType::F16 {
            ctx.require_f16()?;
        }
        if d == 0 || !rows.is_multiple_of(d) {
            return Err(Error::Shape(format!(
                "rfftn row pairs: {rows} rows are not a multiple of the row axis {d}"
            )));
        }
        ctx.check_binding_size(
            "rfftn output",
            rows as u64 * (h as u64 + 1) * 2 * dtype.size(),
        )?;
        let pairs = (rows / d) as u64 * (d / 2 + 1) as u64;
        let log_h = h.trailing_zeros();
        let (table, log_f) = super::twiddle_table(log_h);
        let mut p = super::FftParams {
            n: h,
            log_n: log_h,
            ns: 1,
            cols: u32::try_from(pairs)
                .map_err(|_| Error::Shape(format!("{pairs} rfftn row pairs exceed 2^32")))?,
            batch: rows,
            log_tw: log_h,
            log_f,
            scale: if inverse { 1.0 / h as f32 } else { 1.0 },
            ..Default::default()
        };
        p.a[0] = d;
        Ok(Self {
            ctx: ctx.clone(),
            pipeline: ctx.pipeline(
                super::shaders::stockham_sg(ctx.caps(), dtype),
                Spec::new(dtype),
                entry,
                &[],
            )?,
            params: ctx.uniform("rfftn pair params", &p)?,
            table: ctx.upload(
                "rfftn pair twiddles",
                bytemuck::cast_slice::<[f32; 2], f32>(&table),
            )?,
            grid: grid_for(ctx, "rfftn pair workgroups", pairs.div_ceil(8))?,
            slots: [0, 1, 2, if inverse { 3 } else { 7 }],
            label: if inverse {
                "irfftn unsplit and rows"
            } else {
                "rfftn rows and split"
            },
        })
    }

    /// The step from `src` to `dst`.
    pub fn bind(&self, src: &wgpu::Buffer, dst: &wgpu::Buffer) -> Result<Dispatch> {
        let [p, t, s, d] = self.slots;
        Dispatch::new(
            &self.ctx,
            self.pipeline.clone(),
            self.label,
            &[(p, &self.params), (t, &self.table), (s, src), (d, dst)],
            self.grid,
        )
    }
}

/// A real FFT bound to buffers.
#[derive(Debug)]
pub struct RfftBound {
    before: Vec<Dispatch>,
    inner: FftBound,
    after: Vec<Dispatch>,
}

impl RfftBound {
    /// Records every dispatch.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        for s in &self.before {
            s.record(pass);
        }
        self.inner.record(pass);
        for s in &self.after {
            s.record(pass);
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn params_match_the_wgsl_struct() {
        crate::runtime::pipelines::assert_uniform_layout!(
            RParams,
            crate::ops::fft::shaders::RFFT,
            "RParams",
            [n, half, bins, batch, odd, total, m2, m1]
        );
    }
}
