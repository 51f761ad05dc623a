//! The N-D transforms plugged into the tuner: per shape, which [`NdConfig`] (transpose kernel,
//! strided column passes or transposes) runs fastest on this adapter. Each 1-D step keeps the
//! FFT's own pick ([`super::tune::FftTune`]); this chooses only how the axes are moved. The
//! global filter layer has its own bucket ([`FilterTune`]: fused or which chain), and so has
//! the DCT low-pass ([`LowpassTune`]: which transpose kernel).

use super::filter::{DctLowpassDesc, FilterConfig, FilterDesc};
use super::nd::{FftNdDesc, NdConfig, TransposeKernel};
use crate::runtime::{Capabilities, Context};
use crate::tune::engine::TuneOp;

/// The N-D transforms as a [`TuneOp`] (cache entries under [`NAME`]).
#[derive(Clone, Copy, Debug)]
pub struct NdTune;

/// The name of the N-D entries in the tuning cache.
pub const NAME: &str = "fft_nd";

/// An N-D shape bucket: the transform, its axes and the exact shape (the column-pass choice
/// depends on every length: strided passes need a power of two that fits one fused pass).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NdBucket {
    /// Storage type.
    pub dtype: crate::DType,
    /// `c2c`, `ic2c` (inverse), `r2c`, `c2r` or the real-to-real kind (as in reports).
    pub transform: String,
    /// The transformed axes.
    pub axes: Vec<usize>,
    /// The array's shape.
    pub shape: Vec<u32>,
}

impl TuneOp for NdTune {
    const NAME: &'static str = NAME;
    type Desc = FftNdDesc;
    type Config = NdConfig;
    type Bucket = NdBucket;

    fn shaders() -> Vec<crate::runtime::pipelines::Shader> {
        super::shaders::ALL.to_vec()
    }

    /// The exact shape, contiguous (strides change where values lie, not which configuration
    /// wins) and with the normalisation dropped (a scale folded into a pass).
    fn bucket(d: &FftNdDesc) -> (NdBucket, FftNdDesc) {
        let rep = FftNdDesc {
            in_strides: None,
            out_strides: None,
            norm: super::nd::Norm::Backward,
            ..d.clone()
        };
        let bucket = NdBucket {
            dtype: d.dtype,
            transform: d.transform.name().to_string(),
            axes: d.axes.clone(),
            shape: d.shape.clone(),
        };
        (bucket, rep)
    }

    fn shape_json(d: &FftNdDesc) -> serde_json::Value {
        serde_json::json!({ "shape": d.shape, "axes": d.axes, "transform": d.transform.name() })
    }

    fn default_config(caps: &Capabilities, _: &wgpu::Limits, _: &FftNdDesc) -> NdConfig {
        NdConfig::default_for(caps)
    }

    /// All four configurations, the adapter's default first (each runs every shape: strided
    /// column passes fall back to transposes on the axes they cannot take).
    fn candidates(caps: &Capabilities, _: &wgpu::Limits, _: &FftNdDesc) -> Vec<NdConfig> {
        let first = NdConfig::default_for(caps);
        std::iter::once(first)
            .chain(NdConfig::all().into_iter().filter(|c| *c != first))
            .collect()
    }

    fn label(c: &NdConfig) -> String {
        c.label()
    }

    /// The same transform and axes with every other axis cut to at most 2 (the batch), against
    /// the f64 reference under `Tolerance::fft_nd`.
    async fn check(ctx: &Context, d: &FftNdDesc, config: NdConfig) -> Result<(), String> {
        let mut small = d.clone();
        for (i, len) in small.shape.iter_mut().enumerate() {
            if !d.axes.contains(&i) {
                *len = (*len).min(2);
            }
        }
        let c = super::verify::check_nd_async(ctx, &small, Some(config), 4545).await;
        match (c.pass, c.error) {
            (true, _) => Ok(()),
            (false, Some(e)) => Err(e),
            (false, None) => Err(format!(
                "rel L2 error {:.2e} over the tolerance {:.2e} on shape {:?}",
                c.rel_l2_err, c.tolerance, small.shape
            )),
        }
    }

    fn prepare(
        ctx: &Context,
        d: &FftNdDesc,
        config: NdConfig,
    ) -> crate::Result<Box<dyn crate::tune::engine::Prepared>> {
        match d.dtype {
            crate::DType::F32 => timed::prepare::<f32>(ctx, d, config),
            crate::DType::F16 => timed::prepare::<half::f16>(ctx, d, config),
        }
    }
}

mod timed {
    use super::*;
    use crate::dtype::Element;
    use crate::harness::tolerance::{compare, Tolerance};
    use crate::harness::verify::random_data;
    use crate::ops::fft::nd::{FftNdPlan, NdBound};
    use crate::runtime::read_buffer;
    use crate::tune::engine::Prepared;
    use futures::future::LocalBoxFuture;

    /// Points (× batch) up to which a timed candidate's output is compared in full with the f64
    /// reference; larger problems rely on [`NdTune::check`] at a small batch.
    const CHECK_POINTS: u64 = 1 << 21;

    struct NdPrepared<T: Element> {
        desc: FftNdDesc,
        bound: NdBound,
        out: wgpu::Buffer,
        xf: Vec<f64>,
        _t: std::marker::PhantomData<T>,
    }

    struct FilterPrepared {
        desc: FilterDesc,
        bound: NdBound,
        out: wgpu::Buffer,
        xf: Vec<f64>,
        wf: Vec<f64>,
    }

    /// f32 or f16 maps (the filter is f32) and a filter, random; the output starts as data.
    pub(super) fn prepare_filter(
        ctx: &Context,
        d: &FilterDesc,
        config: FilterConfig,
    ) -> crate::Result<Box<dyn Prepared>> {
        fn typed<T: Element>(
            ctx: &Context,
            d: &FilterDesc,
            config: FilterConfig,
        ) -> crate::Result<Box<dyn Prepared>> {
            let plan = crate::ops::fft::filter::FilterPlan::with_config(ctx, *d, config)?;
            let (x, xf) = random_data::<T>(d.len() as usize, 43);
            let (w, wf) = random_data::<f32>(d.filter_len() as usize, 44);
            let (o, _) = random_data::<T>(d.len() as usize, 45);
            let (xb, wb) = (
                ctx.upload("tune filter x", &x)?,
                ctx.upload("tune filter W", &w)?,
            );
            let out = ctx.upload("tune filter y", &o)?;
            let bound = plan.bind(&xb, &wb, &out)?;
            // The plan's buffers live in its bound steps; the inputs in the bind group.
            Ok(Box::new(FilterPrepared {
                desc: *d,
                bound,
                out,
                xf,
                wf,
            }))
        }
        match d.dtype {
            crate::DType::F32 => typed::<f32>(ctx, d, config),
            crate::DType::F16 => typed::<half::f16>(ctx, d, config),
        }
    }

    impl Prepared for FilterPrepared {
        fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
            self.bound.record(pass);
        }

        /// The whole output against `filter_ref`, for problems up to [`CHECK_POINTS`] values.
        fn check_output<'a>(&'a self, ctx: &'a Context) -> LocalBoxFuture<'a, Result<(), String>> {
            Box::pin(async move {
                let d = &self.desc;
                if d.len() > CHECK_POINTS {
                    return Ok(());
                }
                let got = read_f64(ctx, &self.out, d.len() as usize, d.dtype).await?;
                let want = crate::ops::fft::reference::filter_ref(d, &self.xf, &self.wf);
                let pts = d.h as u64 * d.w as u64;
                compare(&got, &want, Tolerance::fft_nd(d.dtype, pts * pts, 0)).verdict()
            })
        }
    }

    struct LowpassPrepared {
        desc: DctLowpassDesc,
        bound: NdBound,
        out: wgpu::Buffer,
        xf: Vec<f64>,
    }

    /// Random maps of the descriptor's storage type; the output starts as data.
    pub(super) fn prepare_lowpass(
        ctx: &Context,
        d: &DctLowpassDesc,
        config: TransposeKernel,
    ) -> crate::Result<Box<dyn Prepared>> {
        fn typed<T: Element>(
            ctx: &Context,
            d: &DctLowpassDesc,
            config: TransposeKernel,
        ) -> crate::Result<Box<dyn Prepared>> {
            let plan = crate::ops::fft::filter::DctLowpassPlan::with_config(ctx, *d, config)?;
            let (x, xf) = random_data::<T>(d.len() as usize, 46);
            let (o, _) = random_data::<T>(d.out_len() as usize, 47);
            let xb = ctx.upload("tune lowpass x", &x)?;
            let out = ctx.upload("tune lowpass coefficients", &o)?;
            let bound = plan.bind(&xb, &out)?;
            Ok(Box::new(LowpassPrepared {
                desc: *d,
                bound,
                out,
                xf,
            }))
        }
        match d.dtype {
            crate::DType::F32 => typed::<f32>(ctx, d, config),
            crate::DType::F16 => typed::<half::f16>(ctx, d, config),
        }
    }

    impl Prepared for LowpassPrepared {
        fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
            self.bound.record(pass);
        }

        /// The coefficients against `dct_lowpass_ref`, for problems up to [`CHECK_POINTS`].
        fn check_output<'a>(&'a self, ctx: &'a Context) -> LocalBoxFuture<'a, Result<(), String>> {
            Box::pin(async move {
                let d = &self.desc;
                if d.len() > CHECK_POINTS {
                    return Ok(());
                }
                let got = read_f64(ctx, &self.out, d.out_len() as usize, d.dtype).await?;
                let want = crate::ops::fft::reference::dct_lowpass_ref(d, &self.xf);
                let tol = d.tolerance();
                compare(&got, &want, tol).verdict()
            })
        }
    }

    /// `n` values of a `dtype` buffer, in f64.
    async fn read_f64(
        ctx: &Context,
        b: &wgpu::Buffer,
        n: usize,
        dtype: crate::DType,
    ) -> Result<Vec<f64>, String> {
        async fn typed<T: Element>(
            ctx: &Context,
            b: &wgpu::Buffer,
            n: usize,
        ) -> Result<Vec<f64>, String> {
            let v: Vec<T> = read_buffer(ctx, b, n).await.map_err(|e| e.to_string())?;
            Ok(v.iter().map(|x| x.to_f64()).collect())
        }
        match dtype {
            crate::DType::F32 => typed::<f32>(ctx, b, n).await,
            crate::DType::F16 => typed::<half::f16>(ctx, b, n).await,
        }
    }

    pub(super) fn prepare<T: Element>(
        ctx: &Context,
        d: &FftNdDesc,
        config: NdConfig,
    ) -> crate::Result<Box<dyn Prepared>> {
        let plan = FftNdPlan::with_config(ctx, d.clone(), config)?;
        let (x, xf) = random_data::<T>(d.in_len() as usize, 41);
        let input = ctx.upload("tune nd in", &x)?;
        // The output starts as data (not zeros) so that a kernel that skips work shows up.
        let (o, _) = random_data::<T>(d.out_len() as usize, 42);
        let out = ctx.upload("tune nd out", &o)?;
        let bound = plan.bind(&input, &out)?;
        Ok(Box::new(NdPrepared::<T> {
            desc: d.clone(),
            bound,
            out,
            xf,
            _t: std::marker::PhantomData,
        }))
    }

    impl<T: Element> Prepared for NdPrepared<T> {
        fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
            self.bound.record(pass);
        }

        /// The whole (contiguous) output against `fftn_ref`, for problems up to
        /// [`CHECK_POINTS`] values.
        fn check_output<'a>(&'a self, ctx: &'a Context) -> LocalBoxFuture<'a, Result<(), String>> {
            Box::pin(async move {
                let d = &self.desc;
                if d.shape.iter().map(|&n| n as u64).product::<u64>() > CHECK_POINTS {
                    return Ok(());
                }
                let got: Vec<T> = read_buffer(ctx, &self.out, d.out_len() as usize)
                    .await
                    .map_err(|e| e.to_string())?;
                let got: Vec<f64> = got.iter().map(|v| v.to_f64()).collect();
                let want = crate::ops::fft::reference::fftn_ref(d, &self.xf);
                compare(&got, &want, d.tolerance()).verdict()
            })
        }
    }
}

/// The N-D buckets `wgkernels tune fft` measures: the bench's N-D transforms.
#[cfg(not(target_arch = "wasm32"))]
pub fn nd_tune_shapes(quick: bool) -> Vec<FftNdDesc> {
    bench_shapes(quick, |c| match c {
        super::work::NdCase::Transform(d) => Some(d),
        _ => None,
    })
}

/// The configuration an N-D transform uses when the caller names none: the measured winner
/// where tuning has stored one for this shape, else [`NdConfig::default_for`].
pub fn nd_pick(ctx: &Context, desc: &FftNdDesc) -> NdConfig {
    crate::tune::pick::<NdTune>(ctx, desc).config
}

/// The global filter layer plugged into the tuner: per map shape, fused or which chain
/// ([`FilterConfig`]) runs fastest on this adapter (cache entries under [`FILTER_NAME`]).
#[derive(Clone, Copy, Debug)]
pub struct FilterTune;

/// The name of the global filter's entries in the tuning cache.
pub const FILTER_NAME: &str = "fft_filter";

/// A global filter bucket: the exact map (fusion and the chain's column passes depend on both
/// lengths) and the batch rounded up to a power of two (it sets how many workgroups run).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FilterBucket {
    /// Storage type.
    pub dtype: crate::DType,
    /// Rows per map.
    pub h: u32,
    /// Columns per map.
    pub w: u32,
    /// Maps, rounded up to a power of two.
    pub batch: u32,
}

impl TuneOp for FilterTune {
    const NAME: &'static str = FILTER_NAME;
    type Desc = FilterDesc;
    type Config = FilterConfig;
    type Bucket = FilterBucket;

    fn shaders() -> Vec<crate::runtime::pipelines::Shader> {
        super::shaders::ALL.to_vec()
    }

    fn bucket(d: &FilterDesc) -> (FilterBucket, FilterDesc) {
        let batch = d.batch.checked_next_power_of_two().unwrap_or(d.batch);
        let bucket = FilterBucket {
            dtype: d.dtype,
            h: d.h,
            w: d.w,
            batch,
        };
        (bucket, FilterDesc { batch, ..*d })
    }

    fn shape_json(d: &FilterDesc) -> serde_json::Value {
        serde_json::json!({ "batch": d.batch, "h": d.h, "w": d.w })
    }

    fn default_config(caps: &Capabilities, limits: &wgpu::Limits, d: &FilterDesc) -> FilterConfig {
        FilterConfig::default_for(caps, limits, d)
    }

    fn candidates(caps: &Capabilities, limits: &wgpu::Limits, d: &FilterDesc) -> Vec<FilterConfig> {
        FilterConfig::candidates(caps, limits, d)
    }

    fn label(c: &FilterConfig) -> String {
        c.label()
    }

    /// The same maps, at most two of them, against the f64 reference.
    async fn check(ctx: &Context, d: &FilterDesc, config: FilterConfig) -> Result<(), String> {
        let small = FilterDesc {
            batch: d.batch.min(2),
            ..*d
        };
        check_verdict(super::verify::check_filter_async(ctx, &small, Some(config), 4646).await)
    }

    fn prepare(
        ctx: &Context,
        d: &FilterDesc,
        config: FilterConfig,
    ) -> crate::Result<Box<dyn crate::tune::engine::Prepared>> {
        timed::prepare_filter(ctx, d, config)
    }
}

/// What a tuning check says of a verify check: `Ok`, or why it failed.
fn check_verdict(c: crate::harness::verify::Check) -> Result<(), String> {
    match (c.pass, c.error) {
        (true, _) => Ok(()),
        (false, Some(e)) => Err(e),
        (false, None) => Err(format!(
            "rel L2 error {:.2e} over the tolerance {:.2e} on shape {}",
            c.rel_l2_err, c.tolerance, c.shape
        )),
    }
}

/// The bench's N-D cases that `pick` keeps (the shapes `wgkernels tune fft` measures).
#[cfg(not(target_arch = "wasm32"))]
fn bench_shapes<T>(quick: bool, pick: impl Fn(super::work::NdCase) -> Option<T>) -> Vec<T> {
    super::bench::nd_cases(quick)
        .into_iter()
        .filter_map(pick)
        .collect()
}

/// The global filter buckets `wgkernels tune fft` measures: the bench's filter rows.
#[cfg(not(target_arch = "wasm32"))]
pub fn filter_tune_shapes(quick: bool) -> Vec<FilterDesc> {
    bench_shapes(quick, |c| match c {
        super::work::NdCase::Filter(d) => Some(d),
        _ => None,
    })
}

/// The DCT low-pass plugged into the tuner: per shape, which [`TransposeKernel`] moves its
/// column axis (cache entries under [`LOWPASS_NAME`]).
#[derive(Clone, Copy, Debug)]
pub struct LowpassTune;

/// The name of the DCT low-pass entries in the tuning cache.
pub const LOWPASS_NAME: &str = "fft_lowpass";

/// A DCT low-pass bucket: the exact map and k, the batch rounded up to a power of two.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LowpassBucket {
    /// Storage type.
    pub dtype: crate::DType,
    /// Rows per map.
    pub h: u32,
    /// Columns per map.
    pub w: u32,
    /// Coefficients kept per axis.
    pub k: u32,
    /// Maps, rounded up to a power of two.
    pub batch: u32,
}

impl TuneOp for LowpassTune {
    const NAME: &'static str = LOWPASS_NAME;
    type Desc = DctLowpassDesc;
    type Config = TransposeKernel;
    type Bucket = LowpassBucket;

    fn shaders() -> Vec<crate::runtime::pipelines::Shader> {
        super::shaders::ALL.to_vec()
    }

    fn bucket(d: &DctLowpassDesc) -> (LowpassBucket, DctLowpassDesc) {
        let batch = d.batch.checked_next_power_of_two().unwrap_or(d.batch);
        let bucket = LowpassBucket {
            dtype: d.dtype,
            h: d.h,
            w: d.w,
            k: d.k,
            batch,
        };
        (bucket, DctLowpassDesc { batch, ..*d })
    }

    fn shape_json(d: &DctLowpassDesc) -> serde_json::Value {
        serde_json::json!({ "batch": d.batch, "h": d.h, "w": d.w, "k": d.k })
    }

    fn default_config(
        caps: &Capabilities,
        _: &wgpu::Limits,
        _: &DctLowpassDesc,
    ) -> TransposeKernel {
        TransposeKernel::default_for(caps)
    }

    /// Both kernels, the adapter's default first.
    fn candidates(
        caps: &Capabilities,
        _: &wgpu::Limits,
        _: &DctLowpassDesc,
    ) -> Vec<TransposeKernel> {
        let first = TransposeKernel::default_for(caps);
        let other = match first {
            TransposeKernel::Tiled => TransposeKernel::Direct,
            TransposeKernel::Direct => TransposeKernel::Tiled,
        };
        vec![first, other]
    }

    fn label(c: &TransposeKernel) -> String {
        format!("{c:?}").to_lowercase()
    }

    /// The same maps, at most two of them, against the f64 reference.
    async fn check(
        ctx: &Context,
        d: &DctLowpassDesc,
        config: TransposeKernel,
    ) -> Result<(), String> {
        let small = DctLowpassDesc {
            batch: d.batch.min(2),
            ..*d
        };
        check_verdict(super::verify::check_lowpass_async(ctx, &small, Some(config), 4747).await)
    }

    fn prepare(
        ctx: &Context,
        d: &DctLowpassDesc,
        config: TransposeKernel,
    ) -> crate::Result<Box<dyn crate::tune::engine::Prepared>> {
        timed::prepare_lowpass(ctx, d, config)
    }
}

/// The DCT low-pass buckets `wgkernels tune fft` measures: the bench's low-pass rows.
#[cfg(not(target_arch = "wasm32"))]
pub fn lowpass_tune_shapes(quick: bool) -> Vec<DctLowpassDesc> {
    bench_shapes(quick, |c| match c {
        super::work::NdCase::Lowpass(d) => Some(d),
        _ => None,
    })
}
