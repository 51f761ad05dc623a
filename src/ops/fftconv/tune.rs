//! The FFT convolution plugged into the tuner: its configuration is the FFT geometry of its
//! passes (candidates from the FFT's list), checked against the f64 convolution.

use crate::ops::fft::config::{fft_candidates, FftConfig};
use crate::ops::fft::tune::{pow2, REP_BYTES};
use crate::ops::fft::FftDesc;
use crate::ops::fftconv::{FftConvDesc, FftConvPath};
use crate::runtime::{Capabilities, Context};
use crate::tune::TuneOp;

/// The FFT convolution as a [`TuneOp`]: its configuration is the FFT geometry of its passes.
#[derive(Clone, Copy, Debug)]
pub struct FftConvTune;

fn conv_fft_desc(d: &FftConvDesc) -> FftDesc {
    FftDesc::new(2).dtype(d.dtype)
}

/// An FFT convolution shape bucket: what a tuned winner is stored under.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FftConvBucket {
    /// Storage type.
    pub dtype: crate::DType,
    /// B, H, L and Lk rounded up to powers of two (Lk at most L; B capped by size).
    pub b: u32,
    /// See `b`.
    pub h: u32,
    /// See `b`.
    pub l: u32,
    /// See `b`.
    pub lk: u32,
    /// Circular rather than causal.
    pub circular: bool,
    /// Gate multiplied before the convolution.
    pub pre_gate: bool,
    /// Gate multiplied after it.
    pub post_gate: bool,
    /// A path the call forces, if any.
    pub path: Option<FftConvPath>,
    /// The frequency-sparse fraction kept, if any.
    pub freq_keep: Option<f32>,
}

impl TuneOp for FftConvTune {
    const NAME: &'static str = "fftconv";
    type Desc = FftConvDesc;
    type Config = FftConfig;
    type Bucket = FftConvBucket;

    fn shaders() -> Vec<crate::runtime::pipelines::Shader> {
        [super::shaders::ALL, crate::ops::fft::shaders::ALL].concat()
    }

    /// B, H, L and Lk rounded up to powers of two (Lk at most L), causal or circular, the gates,
    /// the dtype, a forced path and the frequency-sparse fraction.
    fn bucket(d: &FftConvDesc) -> (FftConvBucket, FftConvDesc) {
        let l = pow2(d.l);
        let mut rep = FftConvDesc {
            b: pow2(d.b),
            h: pow2(d.h),
            l,
            lk: pow2(d.lk).min(l),
            ..*d
        };
        let cap = (d.len() * d.dtype.size()).max(REP_BYTES);
        while rep.len() * rep.dtype.size() > cap && rep.b > 1 {
            rep.b /= 2;
        }
        if rep.validate().is_err() {
            rep = *d;
        }
        let bucket = FftConvBucket {
            dtype: d.dtype,
            b: rep.b,
            h: rep.h,
            l: rep.l,
            lk: rep.lk,
            circular: d.circular,
            pre_gate: d.pre_gate,
            post_gate: d.post_gate,
            path: d.path,
            freq_keep: d.freq_keep,
        };
        (bucket, rep)
    }

    fn shape_json(d: &FftConvDesc) -> serde_json::Value {
        crate::ops::fftconv::verify::fftconv_shape_json(d)
    }

    /// The plain Stockham default (the convolution kernels run the Stockham core only).
    fn default_config(caps: &Capabilities, limits: &wgpu::Limits, d: &FftConvDesc) -> FftConfig {
        crate::ops::fft::config::stockham_default(caps, limits, &conv_fft_desc(d))
    }

    /// The Stockham entries of [`fft_candidates`] for the convolution's storage type (the
    /// convolution kernels are Stockham-only: a Monarch configuration would only re-time the
    /// same geometry). The unfused path runs separate real FFTs with their own plans, so only
    /// the default is tried there.
    fn candidates(caps: &Capabilities, limits: &wgpu::Limits, d: &FftConvDesc) -> Vec<FftConfig> {
        if d.path == Some(FftConvPath::Unfused) {
            return vec![Self::default_config(caps, limits, d)];
        }
        fft_candidates(caps, limits, &conv_fft_desc(d))
            .into_iter()
            .filter(|c| c.algo == crate::ops::fft::config::FftAlgo::Stockham { sg8: false })
            .collect()
    }

    fn label(c: &FftConfig) -> String {
        c.label()
    }

    /// Runs the configuration on the same L, Lk, gates, path and dtype (the path and the
    /// segmenting depend on them) with B ≤ 2 and H ≤ 3, against the f64 FFT convolution.
    async fn check(ctx: &Context, d: &FftConvDesc, config: FftConfig) -> Result<(), String> {
        let small = FftConvDesc {
            b: d.b.min(2),
            h: d.h.min(3),
            ..*d
        };
        // GPU errors (a shader the browser rejects) are caught around the whole check.
        let r = ctx
            .capture_errors(async {
                Ok(match d.dtype {
                    crate::DType::F32 => timed::check_conv::<f32>(ctx, &small, config).await,
                    crate::DType::F16 => timed::check_conv::<half::f16>(ctx, &small, config).await,
                })
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r);
        r.map_err(|e| format!("{e} (b {} h {} l {})", small.b, small.h, small.l))
    }

    fn prepare(
        ctx: &Context,
        d: &FftConvDesc,
        config: FftConfig,
    ) -> crate::Result<Box<dyn crate::tune::engine::Prepared>> {
        match d.dtype {
            crate::DType::F32 => timed::prepare_conv::<f32>(ctx, d, config),
            crate::DType::F16 => timed::prepare_conv::<half::f16>(ctx, d, config),
        }
    }
}

mod timed {
    use crate::dtype::Element;
    use crate::harness::tolerance::{compare, Tolerance};
    use crate::harness::verify::random_data;
    use crate::ops::fft::config::FftConfig;
    use crate::ops::fft::reference::fftconv_fft_ref;
    use crate::ops::fftconv::{FftConvDesc, FftConvPlan};
    use crate::runtime::{read_buffer, Context};
    use crate::tune::Prepared;
    use futures::future::LocalBoxFuture;

    /// Gate values in [0.5, 1.5) (as the verify suite uses), rounded to `T`.
    fn gate<T: Element>(n: usize, seed: u64) -> (Vec<T>, Vec<f64>) {
        let (g, _) = random_data::<f32>(n, seed);
        let g: Vec<T> = g
            .iter()
            .map(|&v| T::from_f64(1.0 + 0.5 * v as f64))
            .collect();
        let gf = g.iter().map(|v| v.to_f64()).collect();
        (g, gf)
    }

    /// The f64 FFT convolution of the first `rows` rows (b = 0, h < rows) with the plan's
    /// frequency mask.
    #[allow(clippy::too_many_arguments)]
    fn conv_ref(
        plan: &FftConvPlan,
        d: &FftConvDesc,
        rows: usize,
        uf: &[f64],
        kf: &[f64],
        pre: Option<&[f64]>,
        post: Option<&[f64]>,
    ) -> Vec<f64> {
        let (l, lk) = (d.l as usize, d.lk as usize);
        let sparse = plan.freq_blocks().map(|(c, dd)| (c as usize, dd as usize));
        let nf = if sparse.is_some() {
            plan.n_fft() as usize
        } else {
            (l + lk - 1).next_power_of_two()
        };
        fftconv_fft_ref(
            1,
            rows,
            l,
            lk,
            d.circular,
            &uf[..rows * l],
            &kf[..rows * lk],
            pre.map(|p| &p[..rows * l]),
            post.map(|p| &p[..rows * l]),
            nf,
            sparse,
        )
    }

    fn verdict(got: &[f64], want: &[f64], tol: Tolerance) -> Result<(), String> {
        compare(got, want, tol).verdict()
    }

    pub(super) async fn check_conv<T: Element>(
        ctx: &Context,
        d: &FftConvDesc,
        config: FftConfig,
    ) -> Result<(), String> {
        let plan = FftConvPlan::new(ctx, *d, Some(config)).map_err(|e| e.to_string())?;
        let n = d.len() as usize;
        let (u, uf) = random_data::<T>(n, 41);
        let (k, kf) = random_data::<T>(d.k_len() as usize, 42);
        let pre = d.pre_gate.then(|| gate::<T>(n, 43));
        let post = d.post_gate.then(|| gate::<T>(n, 44));
        let got = plan
            .run_host(
                &u,
                &k,
                pre.as_ref().map(|g| &g.0[..]),
                post.as_ref().map(|g| &g.0[..]),
            )
            .await
            .map_err(|e| e.to_string())?;
        let got: Vec<f64> = got.iter().map(|v| v.to_f64()).collect();
        let (pf, qf) = (
            pre.as_ref().map(|g| &g.1[..]),
            post.as_ref().map(|g| &g.1[..]),
        );
        let (l, lk, h) = (d.l as usize, d.lk as usize, d.h as usize);
        let mut want = Vec::with_capacity(n);
        for b in 0..d.b as usize {
            let (lo, klo) = (b * h * l, 0);
            let r = conv_ref(
                &plan,
                d,
                h,
                &uf[lo..lo + h * l],
                &kf[klo..klo + h * lk],
                pf.map(|p| &p[lo..lo + h * l]),
                qf.map(|p| &p[lo..lo + h * l]),
            );
            want.extend(r);
        }
        verdict(
            &got,
            &want,
            Tolerance::fftconv(d.dtype, plan.n_fft() as u64),
        )
    }

    struct ConvPrepared<T: Element> {
        desc: FftConvDesc,
        plan: FftConvPlan,
        bound: crate::ops::fftconv::FftConvBound,
        y: wgpu::Buffer,
        uf: Vec<f64>,
        kf: Vec<f64>,
        pre: Option<Vec<f64>>,
        post: Option<Vec<f64>>,
        _bufs: Vec<wgpu::Buffer>,
        _t: std::marker::PhantomData<T>,
    }

    pub(super) fn prepare_conv<T: Element>(
        ctx: &Context,
        d: &FftConvDesc,
        config: FftConfig,
    ) -> crate::Result<Box<dyn Prepared>> {
        let plan = FftConvPlan::new(ctx, *d, Some(config))?;
        let n = d.len() as usize;
        let (u, uf) = random_data::<T>(n, 51);
        // The kernel spectrum is prepared from f32 values; the reference uses the same ones.
        let (k, kf) = random_data::<f32>(d.k_len() as usize, 52);
        let ks = plan.prepare_kernel(&k)?;
        let ub = ctx.upload("tune conv u", &u)?;
        let (y0, _) = random_data::<T>(n, 53);
        let y = ctx.upload("tune conv y", &y0)?;
        let mut bufs = vec![ub];
        let mut host_gate = |on: bool, seed: u64| -> crate::Result<Option<Vec<f64>>> {
            if !on {
                return Ok(None);
            }
            let (g, gf) = gate::<T>(n, seed);
            bufs.push(ctx.upload("tune conv gate", &g)?);
            Ok(Some(gf))
        };
        let pre = host_gate(d.pre_gate, 54)?;
        let post = host_gate(d.post_gate, 55)?;
        let gate_buf = |on: bool, i: usize| on.then(|| &bufs[i]);
        let pre_i = 1;
        let post_i = 1 + usize::from(d.pre_gate);
        let bound = plan.bind(
            &bufs[0],
            &ks,
            &y,
            gate_buf(d.pre_gate, pre_i),
            gate_buf(d.post_gate, post_i),
        )?;
        Ok(Box::new(ConvPrepared::<T> {
            desc: *d,
            plan,
            bound,
            y,
            uf,
            kf,
            pre,
            post,
            _bufs: bufs,
            _t: std::marker::PhantomData,
        }))
    }

    impl<T: Element> Prepared for ConvPrepared<T> {
        fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
            self.bound.record(pass);
        }

        /// The first two rows (b = 0, h = 0 and 1) against the f64 FFT convolution.
        fn check_output<'a>(&'a self, ctx: &'a Context) -> LocalBoxFuture<'a, Result<(), String>> {
            Box::pin(async move {
                let d = &self.desc;
                let rows = (d.h as usize).min(2);
                let l = d.l as usize;
                let got: Vec<T> = read_buffer(ctx, &self.y, rows * l)
                    .await
                    .map_err(|e| e.to_string())?;
                let got: Vec<f64> = got.iter().map(|v| v.to_f64()).collect();
                let want = conv_ref(
                    &self.plan,
                    d,
                    rows,
                    &self.uf,
                    &self.kf,
                    self.pre.as_deref(),
                    self.post.as_deref(),
                );
                verdict(
                    &got,
                    &want,
                    Tolerance::fftconv(d.dtype, self.plan.n_fft() as u64),
                )
            })
        }
    }
}

/// The convolution buckets `wgkernels tune fftconv` measures: the bench's shapes (each runs the
/// dispatcher's FFT geometry), the unfused baselines left out (they have one candidate).
#[cfg(not(target_arch = "wasm32"))]
pub fn fftconv_tune_shapes(quick: bool) -> Vec<FftConvDesc> {
    crate::ops::fftconv::bench::fftconv_cases(quick)
        .into_iter()
        .map(|(d, _)| d)
        .filter(|d| d.path != Some(FftConvPath::Unfused))
        .collect()
}

/// The FFT geometry an FFT convolution uses when the caller names none: the measured winner
/// for its shape bucket where tuning has stored one, else the FFT default for its dtype.
pub fn fftconv_pick(ctx: &Context, desc: &crate::ops::fftconv::FftConvDesc) -> FftConfig {
    crate::tune::pick::<FftConvTune>(ctx, desc).config
}

/// [`fftconv_pick`] and where the configuration came from (cache, tuned, default).
pub fn fftconv_pick_with_source(
    ctx: &Context,
    desc: &crate::ops::fftconv::FftConvDesc,
) -> crate::tune::Picked<FftConfig> {
    crate::tune::pick::<FftConvTune>(ctx, desc)
}
