//! The N-D transforms plugged into the tuner: per shape, which [`NdConfig`] (transpose kernel,
//! strided column passes or transposes) runs fastest on this adapter. Each 1-D step keeps the
//! FFT's own pick ([`super::tune::FftTune`]); this chooses only how the axes are moved.

use super::nd::{FftNdDesc, NdConfig};
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
    use crate::ops::fft::nd::{FftNdPlan, NdBound, NdTransform};
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
                let r2r_axes = match d.transform {
                    NdTransform::R2r(_) => d.axes.len() as u32,
                    _ => 0,
                };
                let want = crate::ops::fft::reference::fftn_ref(d, &self.xf);
                compare(
                    &got,
                    &want,
                    Tolerance::fft_nd(d.dtype, d.points(), r2r_axes),
                )
                .verdict()
            })
        }
    }
}

/// The N-D buckets `wgkernels tune fft` measures: the bench's N-D transforms.
#[cfg(not(target_arch = "wasm32"))]
pub fn nd_tune_shapes(quick: bool) -> Vec<FftNdDesc> {
    super::bench::nd_cases(quick)
        .into_iter()
        .filter_map(|c| match c {
            super::work::NdCase::Transform(d) => Some(d),
            _ => None,
        })
        .collect()
}

/// The configuration an N-D transform uses when the caller names none: the measured winner
/// where tuning has stored one for this shape, else [`NdConfig::default_for`].
pub fn nd_pick(ctx: &Context, desc: &FftNdDesc) -> NdConfig {
    crate::tune::pick::<NdTune>(ctx, desc).config
}
