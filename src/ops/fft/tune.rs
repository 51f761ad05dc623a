//! The FFT plugged into the tuner: shape buckets, the small correctness check, the timed plan,
//! and the shapes `wgkernels tune` measures.
//!
//! The FFT (and the FFT convolution, `ops/fftconv/tune.rs`) run on an [`FftConfig`] and take
//! their candidates from [`fft_candidates`], whatever variants that list holds: a new variant
//! there is timed, checked and cached with no change to this file.

use super::config::{fft_candidates, fft_default, FftConfig};
use crate::ops::fft::FftDesc;
use crate::runtime::Capabilities;
use crate::runtime::Context;
use crate::tune::engine::TuneOp;

/// The batched complex FFT as a [`TuneOp`].
#[derive(Clone, Copy, Debug)]
pub struct FftTune;

pub(crate) fn pow2(x: u32) -> u32 {
    x.checked_next_power_of_two().unwrap_or(x)
}

/// Bytes above which a representative problem does not grow past the call's own size: the
/// WebGPU default storage-binding limit (a rounded-up batch must not make it unrunnable).
pub(crate) const REP_BYTES: u64 = 128 << 20;

/// The descriptor the convolution's FFT configuration is validated against (the op checks its
/// configuration for the storage type only).
/// An FFT shape bucket: what a tuned winner is stored under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FftBucket {
    /// Storage type.
    pub dtype: crate::DType,
    /// The power-of-two length transformed (Bluestein: its inner length).
    pub n: u32,
    /// Whether the call's length is not a power of two (Bluestein).
    pub bluestein: bool,
    /// Batch of the representative problem (a power of two, capped by size).
    pub batch: u32,
    /// Inverse transform.
    pub inverse: bool,
}

impl TuneOp for FftTune {
    const NAME: &'static str = "fft";
    type Desc = FftDesc;
    type Config = FftConfig;
    type Bucket = FftBucket;

    fn shaders() -> Vec<crate::runtime::pipelines::Shader> {
        super::shaders::ALL.to_vec()
    }

    /// The power-of-two length the transform runs on (n, or Bluestein's ≥ 2n − 1), whether it
    /// is a Bluestein transform, the batch rounded up to a power of two (kept at or under the
    /// call's own bytes or 128 MiB, whichever is larger), the dtype and the direction. The
    /// representative problem of a Bluestein bucket is the longest length of the same inner
    /// length that takes Bluestein on every adapter (`bluestein_representative`).
    fn bucket(d: &FftDesc) -> (FftBucket, FftDesc) {
        let inner = d.inner_len().min(u32::MAX as u64) as u32;
        let n = if d.is_pow2() {
            d.n
        } else {
            bluestein_representative(inner).unwrap_or(d.n)
        };
        let mut rep = FftDesc {
            n,
            batch: pow2(d.batch),
            ..*d
        };
        let cap = d.bytes().max(REP_BYTES);
        while rep.batch > 1 && rep.bytes() > cap {
            rep.batch /= 2;
        }
        if rep.validate().is_err() {
            rep = *d;
        }
        let bucket = FftBucket {
            dtype: d.dtype,
            n: inner,
            bluestein: !d.is_pow2(),
            batch: rep.batch,
            inverse: d.inverse,
        };
        (bucket, rep)
    }

    fn shape_json(d: &FftDesc) -> serde_json::Value {
        crate::ops::fft::verify::fft_shape_json(d)
    }

    fn default_config(caps: &Capabilities, limits: &wgpu::Limits, d: &FftDesc) -> FftConfig {
        fft_default(caps, limits, d)
    }

    fn candidates(caps: &Capabilities, limits: &wgpu::Limits, d: &FftDesc) -> Vec<FftConfig> {
        fft_candidates(caps, limits, d)
    }

    fn label(c: &FftConfig) -> String {
        c.label()
    }

    /// Runs the configuration on the same length and direction (the pass schedule depends on
    /// the length) with a batch of at most 3, against rustfft in f64 under the crate's FFT
    /// tolerance. A configuration that cannot run the small batch is checked at full size.
    async fn check(ctx: &Context, d: &FftDesc, config: FftConfig) -> Result<(), String> {
        let mut small = FftDesc {
            batch: d.batch.min(3),
            ..*d
        };
        if !config.valid_for(ctx.caps(), &ctx.limits(), &small) {
            small = *d;
        }
        let c = crate::ops::fft::verify::check_fft_async(ctx, &small, Some(config), 4444).await;
        match (c.pass, c.error) {
            (true, _) => Ok(()),
            (false, Some(e)) => Err(e),
            (false, None) => Err(format!(
                "rel L2 error {:.2e} over the tolerance {:.2e} on n {} batch {}",
                c.rel_l2_err, c.tolerance, small.n, small.batch
            )),
        }
    }

    fn prepare(
        ctx: &Context,
        d: &FftDesc,
        config: FftConfig,
    ) -> crate::Result<Box<dyn crate::tune::engine::Prepared>> {
        match d.dtype {
            crate::DType::F32 => timed::prepare_fft::<f32>(ctx, d, config),
            crate::DType::F16 => timed::prepare_fft::<half::f16>(ctx, d, config),
        }
    }
}

mod timed {
    use crate::dtype::Element;
    use crate::harness::tolerance::compare;
    use crate::ops::fft::reference::fft_ref;
    use crate::ops::fft::{FftBound, FftDesc, FftPlan};
    use crate::runtime::{read_buffer, Context};
    use crate::tune::engine::Prepared;
    use futures::future::LocalBoxFuture;

    use crate::harness::tolerance::Tolerance;
    use crate::harness::verify::random_data;
    use crate::ops::fft::config::FftConfig;

    struct FftPrepared<T: Element> {
        desc: FftDesc,
        bound: FftBound,
        out: wgpu::Buffer,
        xf: Vec<f64>,
        _t: std::marker::PhantomData<T>,
    }

    pub(super) fn prepare_fft<T: Element>(
        ctx: &Context,
        d: &FftDesc,
        config: FftConfig,
    ) -> crate::Result<Box<dyn Prepared>> {
        let plan = FftPlan::new(ctx, *d, Some(config))?;
        let (x, xf) = random_data::<T>(d.len() as usize, 31);
        let a = ctx.upload("tune fft in", &x)?;
        // The output starts as data (not zeros) so that a kernel that skips work shows up.
        let (o, _) = random_data::<T>(d.len() as usize, 32);
        let out = ctx.upload("tune fft out", &o)?;
        let bound = plan.bind(&a, &out)?;
        Ok(Box::new(FftPrepared::<T> {
            desc: *d,
            bound,
            out,
            xf,
            _t: std::marker::PhantomData,
        }))
    }

    impl<T: Element> Prepared for FftPrepared<T> {
        fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
            self.bound.record(pass);
        }

        /// The first and the last transform of the batch against rustfft.
        fn check_output<'a>(&'a self, ctx: &'a Context) -> LocalBoxFuture<'a, Result<(), String>> {
            Box::pin(async move {
                let d = &self.desc;
                let per = 2 * d.n as usize;
                let got: Vec<T> = read_buffer(ctx, &self.out, d.len() as usize)
                    .await
                    .map_err(|e| e.to_string())?;
                let last = (d.batch as usize - 1) * per;
                let mut g: Vec<f64> = got[..per].iter().map(|x| x.to_f64()).collect();
                let mut w = fft_ref(d.n as usize, 1, d.inverse, &self.xf[..per]);
                if last > 0 {
                    g.extend(got[last..last + per].iter().map(|x| x.to_f64()));
                    w.extend(fft_ref(
                        d.n as usize,
                        1,
                        d.inverse,
                        &self.xf[last..last + per],
                    ));
                }
                compare(&g, &w, Tolerance::fft(d.dtype, d.n as u64)).verdict()
            })
        }
    }
}

/// The longest n with Bluestein's inner length `inner` (2n − 1 ≤ inner, so n ≤ inner / 2) that
/// takes Bluestein on every adapter, which neither the mixed-radix kernel nor Rader's algorithm
/// takes ([`super::rader::takes_nowhere`]; 1019 for 2048). (inner / 2 − 1, the representative
/// before, is often smooth: 1023 = 3 · 11 · 31 ran the mixed-radix kernel, where no
/// configuration field matters, so tuning measured noise.) `None` for inner lengths too short to
/// have one.
fn bluestein_representative(inner: u32) -> Option<u32> {
    (2..=inner / 2)
        .rev()
        .find(|&n| super::rader::takes_nowhere(n))
}

/// The FFT buckets `wgkernels tune fft` measures: every shape the bench runs with the
/// dispatcher's choice (so a later `bench` is served from the cache), less the lengths of the
/// mixed-radix kernel (directly or by Rader's algorithm), which take no tuned configuration.
#[cfg(not(target_arch = "wasm32"))]
pub fn fft_tune_shapes(ctx: &Context, quick: bool) -> Vec<FftDesc> {
    crate::ops::fft::bench::fft_cases(ctx, quick)
        .into_iter()
        .filter(|(d, c)| c.is_none() && !crate::ops::fft::runs_untuned(ctx, d.n))
        .map(|(d, _)| d)
        .collect()
}

/// The configuration an FFT uses when the caller names none: the measured winner where tuning
/// has stored one, else [`crate::ops::fft::config::fft_default`] (see [`crate::tune::TuneMode`]).
pub fn fft_pick(ctx: &Context, desc: &crate::ops::fft::FftDesc) -> FftConfig {
    fft_pick_with_source(ctx, desc).config
}

/// [`fft_pick`] and where the configuration came from (cache, tuned, default). Lengths the
/// mixed-radix kernel runs (directly or by Rader's algorithm) take the default untuned: no
/// configuration field changes that kernel.
pub fn fft_pick_with_source(
    ctx: &Context,
    desc: &crate::ops::fft::FftDesc,
) -> crate::tune::Picked<FftConfig> {
    if crate::ops::fft::runs_untuned(ctx, desc.n) {
        return crate::tune::Picked {
            config: fft_default(ctx.caps(), &ctx.limits(), desc),
            source: crate::tune::ConfigSource::Default,
        };
    }
    crate::tune::pick::<FftTune>(ctx, desc)
}
