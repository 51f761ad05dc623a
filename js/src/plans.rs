//! The plans JS builds once and runs many times. Each `run` takes either typed arrays (uploaded,
//! run, read back: resolves to the same kind of array) or the package's `GPUBuffer`s (recorded
//! and submitted, nothing read back: resolves to the output `GPUBuffer`).

use crate::data::{dtype, expect, js_err, options, Arg, Host, JsElement, Shared};
use crate::tune::TuneJob;
use half::f16;
use js_sys::Promise;
use serde::Deserialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use wgkernels::ops::attention::tune::AttnTuneDesc;
use wgkernels::report::{BenchResult, Work};
use wgkernels::tune::ConfigSource;
use wgkernels::{DType, FftConvDesc, FftDesc, GemmDesc, NdTransform, RfftDesc};

/// Runs `work` (on the plan's device) with GPU errors attributed to it, as a promise.
pub(crate) fn promise<F>(
    shared: &Rc<Shared>,
    work: impl FnOnce(Rc<Shared>) -> F + 'static,
) -> Promise
where
    F: std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
{
    let shared = shared.clone();
    future_to_promise(async move {
        let ctx = shared.ctx.clone();
        // GPU validation errors inside `work` become its error (the browser reports them late).
        let mut inner = Err(JsValue::UNDEFINED);
        let scoped = ctx
            .capture_errors(async {
                inner = work(shared).await;
                Ok(())
            })
            .await;
        match (scoped, inner) {
            (Err(e), _) => Err(js_err(e)),
            (Ok(()), r) => r,
        }
    })
}

/// Builds a wgkernels plan with GPU errors during creation reported as its error; also where
/// its configuration came from (`cache` when building it hit the tuner's entries, else
/// `default`), for its report rows.
pub(crate) fn make<P>(
    shared: &Shared,
    build: impl FnOnce(&wgkernels::Context) -> wgkernels::Result<P>,
) -> Result<(Rc<P>, &'static str), JsValue> {
    let ctx = &shared.ctx;
    let hits = ctx.tuner().stats().cache_hits;
    let plan = ctx.scoped(|| build(ctx)).and_then(|p| p);
    let source = if ctx.tuner().stats().cache_hits > hits {
        ConfigSource::Cache
    } else {
        ConfigSource::Default
    };
    plan.map(|p| (Rc::new(p), source.name())).map_err(js_err)
}

/// The configuration an options object forces (`config`: the serde form the tuner stores and
/// `tuneResults` shows, e.g. `{variant: 'tiled', bm: 64, bn: 64, bk: 16, tm: 4, tn: 8}`), or
/// `None` for the dispatcher's pick. A configuration the shape or adapter cannot run is the
/// plan's error.
fn forced<C: serde::de::DeserializeOwned>(
    what: &str,
    v: &Option<serde_json::Value>,
) -> Result<Option<C>, JsValue> {
    v.as_ref()
        .map(|v| serde_json::from_value(v.clone()))
        .transpose()
        .map_err(|e| js_err(format!("{what}: config: {e}")))
}

/// `source` of a plan built with `forced` (`explicit` when a configuration was named).
fn source_of<C>(forced: &Option<C>, source: &'static str) -> &'static str {
    if forced.is_some() {
        ConfigSource::Explicit.name()
    } else {
        source
    }
}

/// Records `record` into one compute pass and submits it.
pub(crate) fn submit(
    shared: &Shared,
    record: impl FnOnce(&mut wgpu::ComputePass<'_>),
) -> Result<(), JsValue> {
    shared.ctx.submit(record).map_err(js_err)
}

/// Options of a plan's `time`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TimeOptions {
    /// Untimed runs first (default 1).
    #[serde(default)]
    warmup: Option<usize>,
    /// Timed runs (default 5; the median is reported).
    #[serde(default)]
    iters: Option<usize>,
}

/// Times a plan on operands of its own (zero-filled: the kernels' time does not depend on the
/// values), recorded by `bind` into each timed pass: `{median_ms, samples_ms, source, work,
/// row}`, `source` `gpu` (timestamp queries) or `wall`, `work` the op's roofline FLOP and bytes
/// (the native bench's count), so a page can show GFLOP/s and GB/s as the native report does,
/// and `row` the measurement as a `wgkernels bench --json` result row (`row` is its op,
/// variant, dtype, shape, config and config source; `Kernels.report` gathers rows into a
/// report).
pub(crate) fn time_plan<B: 'static>(
    shared: &Rc<Shared>,
    o: JsValue,
    row: BenchResult,
    bind: impl FnOnce(&Shared) -> wgkernels::Result<(B, Work)> + 'static,
    record: fn(&B, &mut wgpu::ComputePass<'_>),
) -> Promise {
    promise(shared, move |s| async move {
        let o: TimeOptions = if o.is_undefined() || o.is_null() {
            TimeOptions::default()
        } else {
            options("time", &o)?
        };
        let (bound, work) = bind(&s).map_err(js_err)?;
        let t =
            wgkernels::time_gpu_async(&s.ctx, o.warmup.unwrap_or(1), o.iters.unwrap_or(5), &|p| {
                record(&bound, p)
            })
            .await
            .map_err(js_err)?;
        let mut v = serde_json::to_value(&t).map_err(js_err)?;
        v["work"] = serde_json::to_value(work).map_err(js_err)?;
        v["row"] = serde_json::to_value(crate::report::timed_row(row, &t, work)).map_err(js_err)?;
        crate::data::from_json(&v)
    })
}

/// The report row of a plan's timing before it is timed: op (the native name), the problem
/// (`dtype`, `shape`), what runs and where its configuration came from.
pub(crate) fn base_row(
    op: &str,
    dtype: DType,
    shape: serde_json::Value,
    variant: String,
    config: String,
    source: &str,
) -> BenchResult {
    BenchResult {
        op: op.into(),
        variant,
        dtype,
        shape,
        config,
        config_source: source.into(),
        ..Default::default()
    }
}

/// A zero-filled storage buffer of `elems` values of `dtype` (for timing).
fn zeros(s: &Shared, label: &str, elems: u64, dtype: DType) -> wgkernels::Result<wgpu::Buffer> {
    s.ctx.storage(label, elems * dtype.size())
}

/// Options of `Kernels.gemm` (camelCase in JS).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct GemmOptions {
    m: u32,
    n: u32,
    k: u32,
    #[serde(default)]
    batch: Option<u32>,
    #[serde(default)]
    trans_a: bool,
    #[serde(default)]
    trans_b: bool,
    #[serde(default)]
    dtype: Option<String>,
    #[serde(default)]
    alpha: Option<f32>,
    #[serde(default)]
    beta: Option<f32>,
    /// A configuration to run instead of the dispatcher's pick (see `forced`).
    #[serde(default)]
    pub(crate) config: Option<serde_json::Value>,
}

/// A GEMM plan: C = alpha·op(A)·op(B) + beta·C, row-major, batched.
#[wasm_bindgen]
pub struct GemmPlan {
    pub(crate) shared: Rc<Shared>,
    pub(crate) plan: Rc<wgkernels::GemmPlan>,
    /// Where the configuration came from (`default` or `cache`).
    source: &'static str,
}

impl GemmOptions {
    /// The problem these options describe.
    pub(crate) fn desc(&self) -> Result<GemmDesc, JsValue> {
        Ok(GemmDesc::new(self.m, self.n, self.k)
            .batch(self.batch.unwrap_or(1))
            .trans(self.trans_a, self.trans_b)
            .dtype(dtype(self.dtype.as_deref())?)
            .scale(self.alpha.unwrap_or(1.0), self.beta.unwrap_or(0.0)))
    }
}

impl GemmPlan {
    pub(crate) fn new(shared: &Rc<Shared>, o: JsValue) -> Result<Self, JsValue> {
        let o = options::<GemmOptions>("gemm", &o)?;
        let desc = o.desc()?;
        let config = forced("gemm", &o.config)?;
        let (plan, source) = make(shared, |ctx| wgkernels::GemmPlan::new(ctx, desc, config))?;
        let source = source_of(&config, source);
        shared.remember(TuneJob::Gemm(desc));
        Ok(Self {
            shared: shared.clone(),
            plan,
            source,
        })
    }
}

async fn gemm_host<T: JsElement>(
    plan: &wgkernels::GemmPlan,
    a: Host,
    b: Host,
    c: Option<Host>,
) -> Result<JsValue, JsValue> {
    let a = expect::<T>("A", a)?;
    let b = expect::<T>("B", b)?;
    let c = c.map(|c| expect::<T>("C", c)).transpose()?;
    let out = plan.run_host(&a, &b, c.as_deref()).await.map_err(js_err)?;
    Ok(T::to_js(&out))
}

#[wasm_bindgen]
impl GemmPlan {
    /// Runs on `a`, `b` (and `c` when beta ≠ 0; with GPUBuffers `c` is the output and required).
    pub fn run(&self, a: JsValue, b: JsValue, c: JsValue) -> Promise {
        let plan = self.plan.clone();
        promise(&self.shared, move |s| async move {
            match s.arg("A", &a)? {
                Arg::Host(ah) => {
                    let bh = s.host_arg("B", &b)?;
                    let ch = if c.is_undefined() || c.is_null() {
                        None
                    } else {
                        Some(s.host_arg("C", &c)?)
                    };
                    match plan.desc().dtype {
                        DType::F32 => gemm_host::<f32>(&plan, ah, bh, ch).await,
                        DType::F16 => gemm_host::<f16>(&plan, ah, bh, ch).await,
                    }
                }
                Arg::Gpu(ab) => {
                    let bb = s.gpu_arg("B", &b)?;
                    if c.is_undefined() || c.is_null() {
                        return Err(js_err("C: with GPUBuffer inputs the output C is required"));
                    }
                    let cb = s.gpu_arg("C", &c)?;
                    let bound = plan.bind(&ab, &bb, &cb).map_err(js_err)?;
                    submit(&s, |p| bound.record(p))?;
                    Ok(c)
                }
            }
        })
    }

    /// The configuration the dispatcher picked (e.g. `tiled 64x64x16 t4x8`).
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> String {
        self.plan.config().label()
    }

    /// The kernel variant of the configuration (`tiled`, `subgroup`, `coop`, `gemv`), as the
    /// native bench's rows name it.
    #[wasm_bindgen(getter)]
    pub fn variant(&self) -> String {
        self.plan.config().variant().name().into()
    }

    /// Times the plan on operands of its own (`{warmup, iters}`); see `time_plan`.
    pub fn time(&self, options: JsValue) -> Promise {
        let plan = self.plan.clone();
        let d = *plan.desc();
        let row = base_row(
            wgkernels::ops::gemm::NAME,
            d.dtype,
            wgkernels::ops::gemm::verify::gemm_shape_json(&d),
            self.variant(),
            self.config(),
            self.source,
        );
        time_plan(
            &self.shared,
            options,
            row,
            move |s| {
                let d = *plan.desc();
                let bound = plan.bind(
                    &zeros(s, "A", d.a_len(), d.dtype)?,
                    &zeros(s, "B", d.b_len(), d.dtype)?,
                    &zeros(s, "C", d.c_len(), d.dtype)?,
                )?;
                let coop = plan.config().variant() == wgkernels::GemmVariant::Coop;
                Ok((bound, wgkernels::ops::gemm::work::gemm_work(&d, coop)))
            },
            |b, p| b.record(p),
        )
    }
}

/// Options of `Kernels.fft` and `Kernels.rfft`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FftOptions {
    n: u32,
    #[serde(default)]
    batch: Option<u32>,
    #[serde(default)]
    inverse: bool,
    #[serde(default)]
    dtype: Option<String>,
    /// A configuration to run instead of the dispatcher's pick (see `forced`).
    #[serde(default)]
    pub(crate) config: Option<serde_json::Value>,
}

/// A one-input wgkernels plan (FFT, rfft, N-D transforms, the DCT low-pass): what `run`
/// needs of it.
pub(crate) trait Transform: 'static {
    /// Storage type.
    fn dtype(&self) -> DType;
    /// Bytes of the input.
    fn in_bytes(&self) -> u64;
    /// Bytes of the output.
    fn out_bytes(&self) -> u64;
    /// Uploads, runs and reads back.
    async fn host<T: JsElement>(&self, data: &[T]) -> wgkernels::Result<Vec<T>>;
    /// Binds `input` → `output` and submits.
    fn submit(
        &self,
        s: &Shared,
        input: &wgpu::Buffer,
        output: &wgpu::Buffer,
    ) -> Result<(), JsValue>;
    /// Times the plan on zero-filled operands of its own (`plan.time`); `row` and `work` are
    /// its report row and roofline work.
    fn time(
        self: Rc<Self>,
        s: &Rc<Shared>,
        options: JsValue,
        row: BenchResult,
        work: Work,
    ) -> Promise;
}

/// `impl Transform` for a wgkernels plan with `desc()`, `run_host`, `bind` → a bound op with
/// `record`: `$in` and `$out` are its input's and output's byte counts, computed from the plan
/// `$p`.
macro_rules! transform {
    ($t:ty, |$p:ident| $in:expr, $out:expr) => {
        impl Transform for $t {
            fn dtype(&self) -> DType {
                self.desc().dtype
            }
            fn in_bytes(&self) -> u64 {
                let $p = self;
                $in
            }
            fn out_bytes(&self) -> u64 {
                let $p = self;
                $out
            }
            fn time(
                self: Rc<Self>,
                s: &Rc<Shared>,
                options: JsValue,
                row: wgkernels::report::BenchResult,
                work: wgkernels::report::Work,
            ) -> Promise {
                $crate::plans::time_plan(
                    s,
                    options,
                    row,
                    move |s| {
                        let input = s.ctx.storage("time in", self.in_bytes())?;
                        let output = s.ctx.storage("time out", self.out_bytes())?;
                        Ok((self.bind(&input, &output)?, work))
                    },
                    |b, p| b.record(p),
                )
            }
            async fn host<T: JsElement>(&self, data: &[T]) -> wgkernels::Result<Vec<T>> {
                self.run_host(data).await
            }
            fn submit(
                &self,
                s: &Shared,
                input: &wgpu::Buffer,
                output: &wgpu::Buffer,
            ) -> Result<(), JsValue> {
                let bound = self.bind(input, output).map_err(js_err)?;
                submit(s, |p| bound.record(p))
            }
        }
    };
}
pub(crate) use transform;

transform!(wgkernels::FftPlan, |p| p.desc().bytes(), p.desc().bytes());
transform!(
    wgkernels::RfftPlan,
    |p| p.desc().lens().0 * p.desc().dtype.size(),
    p.desc().lens().1 * p.desc().dtype.size()
);

/// Typed array in → typed array out.
async fn transform_host<T: JsElement, P: Transform>(plan: &P, h: Host) -> Result<JsValue, JsValue> {
    let v = expect::<T>("input", h)?;
    Ok(T::to_js(&plan.host(&v).await.map_err(js_err)?))
}

/// Runs a one-input plan: typed array in → typed array out, or GPUBuffer in → `output` (a new
/// buffer when omitted).
pub(crate) fn run_transform<P: Transform>(
    shared: &Rc<Shared>,
    plan: Rc<P>,
    input: JsValue,
    output: JsValue,
) -> Promise {
    promise(shared, move |s| async move {
        match s.arg("input", &input)? {
            Arg::Host(h) => match plan.dtype() {
                DType::F32 => transform_host::<f32, P>(&plan, h).await,
                DType::F16 => transform_host::<f16, P>(&plan, h).await,
            },
            Arg::Gpu(ib) => {
                let (ob, oj) = if output.is_undefined() || output.is_null() {
                    s.output("output", plan.out_bytes())?
                } else {
                    (s.gpu_arg("output", &output)?, output)
                };
                plan.submit(&s, &ib, &ob)?;
                Ok(oj)
            }
        }
    })
}

/// A batched complex FFT plan over interleaved (re, im) values; the inverse is scaled by 1/n.
#[wasm_bindgen]
pub struct FftPlan {
    pub(crate) shared: Rc<Shared>,
    pub(crate) plan: Rc<wgkernels::FftPlan>,
    /// Where the configuration came from (`default` or `cache`).
    source: &'static str,
}

impl FftOptions {
    /// The complex transform these options describe.
    pub(crate) fn fft_desc(&self) -> Result<FftDesc, JsValue> {
        Ok(FftDesc::new(self.n)
            .batch(self.batch.unwrap_or(1))
            .inverse(self.inverse)
            .dtype(dtype(self.dtype.as_deref())?))
    }

    /// The real transform these options describe.
    pub(crate) fn rfft_desc(&self) -> Result<RfftDesc, JsValue> {
        Ok(RfftDesc::new(self.n)
            .batch(self.batch.unwrap_or(1))
            .inverse(self.inverse)
            .dtype(dtype(self.dtype.as_deref())?))
    }
}

impl FftPlan {
    pub(crate) fn new(shared: &Rc<Shared>, o: JsValue) -> Result<Self, JsValue> {
        let o = options::<FftOptions>("fft", &o)?;
        let desc = o.fft_desc()?;
        let config = forced("fft", &o.config)?;
        let (plan, source) = make(shared, |ctx| wgkernels::FftPlan::new(ctx, desc, config))?;
        let source = source_of(&config, source);
        shared.remember(TuneJob::Fft(desc));
        Ok(Self {
            shared: shared.clone(),
            plan,
            source,
        })
    }
}

#[wasm_bindgen]
impl FftPlan {
    /// Transforms `input` (2·n·batch values); with a GPUBuffer input, into `output` (a new
    /// buffer when omitted).
    pub fn run(&self, input: JsValue, output: JsValue) -> Promise {
        run_transform(&self.shared, self.plan.clone(), input, output)
    }

    /// The configuration the dispatcher picked.
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> String {
        self.plan.config().label()
    }

    /// The kernel variant: `stockham` or `monarch` for powers of two; `mixed` (the
    /// mixed-radix kernel: lengths whose prime factors are ≤ 53, one dispatch up to 2048 points
    /// on WebGPU's default limits, two passes beyond), `rader` (primes whose n − 1 the mixed-radix
    /// kernel takes in one dispatch: two transforms of n − 1 points in one) or `bluestein` (its inner
    /// transforms run the configuration) otherwise, as the native bench's rows name it.
    #[wasm_bindgen(getter)]
    pub fn variant(&self) -> String {
        self.plan.variant().into()
    }

    /// Times the plan on operands of its own (`{warmup, iters}`); see `time_plan`.
    pub fn time(&self, options: JsValue) -> Promise {
        let plan = self.plan.clone();
        let d = *plan.desc();
        let row = base_row(
            wgkernels::ops::fft::NAME,
            d.dtype,
            wgkernels::ops::fft::verify::fft_shape_json(&d),
            self.variant(),
            self.config(),
            self.source,
        );
        time_plan(
            &self.shared,
            options,
            row,
            move |s| {
                let d = *plan.desc();
                let bound = plan.bind(
                    &zeros(s, "x", d.len(), d.dtype)?,
                    &zeros(s, "X", d.len(), d.dtype)?,
                )?;
                Ok((bound, wgkernels::ops::fft::work::fft_work(&d)))
            },
            |b, p| b.record(p),
        )
    }
}

/// A batched real FFT plan: n reals → n/2+1 complex bins (interleaved), or back (`inverse`).
#[wasm_bindgen]
pub struct RfftPlan {
    pub(crate) shared: Rc<Shared>,
    pub(crate) plan: Rc<wgkernels::RfftPlan>,
    /// Where the inner FFT's configuration came from (`default`, `cache` or `explicit`).
    source: &'static str,
}

impl RfftPlan {
    pub(crate) fn new(shared: &Rc<Shared>, o: JsValue) -> Result<Self, JsValue> {
        let o = options::<FftOptions>("rfft", &o)?;
        let desc = o.rfft_desc()?;
        let config = forced("rfft", &o.config)?;
        let (plan, source) = make(shared, |ctx| wgkernels::RfftPlan::new(ctx, desc, config))?;
        // The real transform runs a complex FFT of half its length: that plan's pick is tuned.
        shared.remember(TuneJob::Fft(desc.inner()));
        Ok(Self {
            shared: shared.clone(),
            plan,
            source: source_of(&config, source),
        })
    }
}

#[wasm_bindgen]
impl RfftPlan {
    /// Transforms `input`; with a GPUBuffer input, into `output` (a new buffer when omitted).
    pub fn run(&self, input: JsValue, output: JsValue) -> Promise {
        run_transform(&self.shared, self.plan.clone(), input, output)
    }

    /// The configuration the dispatcher picked for the inner complex FFT (n/2 points).
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> String {
        self.plan.config().label()
    }

    /// The inner complex FFT's variant (see `FftPlan.variant`).
    #[wasm_bindgen(getter)]
    pub fn variant(&self) -> String {
        self.plan.variant().into()
    }

    /// Times the plan on operands of its own (`{warmup, iters}`); its work is the 1-D real
    /// transform's (`ops::fft::work::nd_work`).
    pub fn time(&self, options: JsValue) -> Promise {
        let d = *self.plan.desc();
        let shape =
            serde_json::json!({ "n": d.n, "batch": d.batch, "real": true, "inverse": d.inverse });
        let row = base_row(
            wgkernels::ops::fft::NAME,
            d.dtype,
            shape,
            self.variant(),
            self.config(),
            self.source,
        );
        let kind = if d.inverse {
            NdTransform::C2r
        } else {
            NdTransform::R2c
        };
        let nd = wgkernels::FftNdDesc::new(&[d.batch, d.n], &[1], kind);
        let work =
            wgkernels::ops::fft::work::nd_work(&wgkernels::ops::fft::work::NdCase::Transform(nd));
        self.plan.clone().time(&self.shared, options, row, work)
    }
}

/// Options of `Kernels.fftconv`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FftConvOptions {
    batch: u32,
    channels: u32,
    length: u32,
    kernel_length: u32,
    #[serde(default)]
    circular: bool,
    #[serde(default)]
    pre_gate: bool,
    #[serde(default)]
    post_gate: bool,
    #[serde(default)]
    freq_keep: Option<f32>,
    /// Forces a path (`fused`, `multipass`, `unfused`); default: the dispatcher's pick.
    #[serde(default)]
    path: Option<wgkernels::FftConvPath>,
    #[serde(default)]
    dtype: Option<String>,
    /// An FFT configuration to run instead of the dispatcher's pick (see `forced`).
    #[serde(default)]
    pub(crate) config: Option<serde_json::Value>,
}

/// Extra inputs of `FftConvPlan.run`.
struct ConvExtras {
    pre: JsValue,
    post: JsValue,
    out: JsValue,
}

/// A kernel's spectrum prepared for one [`FftConvPlan`] (kept on the GPU, reused across runs).
#[wasm_bindgen]
pub struct KernelSpectrum {
    spec: Rc<wgkernels::KernelSpectrum>,
}

/// A long convolution y = (pre ⊙ u) ∗ k ⊙ post over (batch, channels, length), one kernel
/// (length kernelLength) per channel; causal unless `circular`.
#[wasm_bindgen]
pub struct FftConvPlan {
    pub(crate) shared: Rc<Shared>,
    pub(crate) plan: Rc<wgkernels::FftConvPlan>,
    /// Where the configuration came from (`default` or `cache`).
    source: &'static str,
}

impl FftConvOptions {
    /// The convolution these options describe.
    pub(crate) fn desc(&self) -> Result<FftConvDesc, JsValue> {
        Ok(
            FftConvDesc::new(self.batch, self.channels, self.length, self.kernel_length)
                .circular(self.circular)
                .gates(self.pre_gate, self.post_gate)
                .freq_keep(self.freq_keep)
                .path(self.path)
                .dtype(dtype(self.dtype.as_deref())?),
        )
    }
}

impl FftConvPlan {
    pub(crate) fn new(shared: &Rc<Shared>, o: JsValue) -> Result<Self, JsValue> {
        let o = options::<FftConvOptions>("fftconv", &o)?;
        let desc = o.desc()?;
        let config = forced("fftconv", &o.config)?;
        let (plan, source) = make(shared, |ctx| wgkernels::FftConvPlan::new(ctx, desc, config))?;
        let source = source_of(&config, source);
        shared.remember(TuneJob::FftConv(desc));
        Ok(Self {
            shared: shared.clone(),
            plan,
            source,
        })
    }
}

async fn conv_host<T: JsElement>(
    s: &Shared,
    plan: &wgkernels::FftConvPlan,
    u: Host,
    spec: &wgkernels::KernelSpectrum,
    ex: &ConvExtras,
) -> Result<JsValue, JsValue> {
    let d = *plan.desc();
    let u = expect::<T>("u", u)?;
    let gate = |name: &str, v: &JsValue| -> Result<Option<wgpu::Buffer>, JsValue> {
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        let g = expect::<T>(name, s.host_arg(name, v)?)?;
        s.ctx.upload(name, &g).map(Some).map_err(js_err)
    };
    let pre = gate("preGate", &ex.pre)?;
    let post = gate("postGate", &ex.post)?;
    let n = d.len();
    if u.len() as u64 != n {
        return Err(js_err(format!(
            "u has {} values, the plan needs {n}",
            u.len()
        )));
    }
    let ub = s.ctx.upload("u", &u).map_err(js_err)?;
    let yb = s.ctx.storage("y", n * d.dtype.size()).map_err(js_err)?;
    let bound = plan
        .bind(&ub, spec, &yb, pre.as_ref(), post.as_ref())
        .map_err(js_err)?;
    submit(s, |p| bound.record(p))?;
    let y = wgkernels::read_buffer::<T>(&s.ctx, &yb, n as usize)
        .await
        .map_err(js_err)?;
    Ok(T::to_js(&y))
}

#[wasm_bindgen]
impl FftConvPlan {
    /// Prepares the kernels `k` (Float32Array, channels × kernelLength) once for many runs.
    #[wasm_bindgen(js_name = prepareKernel)]
    pub fn prepare_kernel(&self, k: JsValue) -> Result<KernelSpectrum, JsValue> {
        let k = match self.shared.host_arg("k", &k)? {
            Host::F32(v) => v,
            Host::F16(_) => return Err(js_err("k: kernels are given as a Float32Array")),
        };
        let spec = self.shared.ctx.scoped(|| self.plan.prepare_kernel(&k));
        let spec = spec.and_then(|s| s).map_err(js_err)?;
        Ok(KernelSpectrum {
            spec: Rc::new(spec),
        })
    }

    /// Convolves `u` with the prepared kernel `k`; `extras` is `{preGate, postGate, output}`
    /// (the gates of the kind of `u`; `output` only with GPUBuffers, a new one when omitted).
    pub fn run(&self, u: JsValue, k: &KernelSpectrum, extras: JsValue) -> Promise {
        let plan = self.plan.clone();
        let spec = k.spec.clone();
        let get = |key: &str| -> JsValue {
            if extras.is_object() {
                js_sys::Reflect::get(&extras, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
            } else {
                JsValue::UNDEFINED
            }
        };
        let ex = ConvExtras {
            pre: get("preGate"),
            post: get("postGate"),
            out: get("output"),
        };
        promise(&self.shared, move |s| async move {
            let d = *plan.desc();
            match s.arg("u", &u)? {
                Arg::Host(h) => match d.dtype {
                    DType::F32 => conv_host::<f32>(&s, &plan, h, &spec, &ex).await,
                    DType::F16 => conv_host::<f16>(&s, &plan, h, &spec, &ex).await,
                },
                Arg::Gpu(ub) => {
                    let gate = |name: &str, v: &JsValue| -> Result<Option<wgpu::Buffer>, JsValue> {
                        if v.is_undefined() || v.is_null() {
                            Ok(None)
                        } else {
                            s.gpu_arg(name, v).map(Some)
                        }
                    };
                    let pre = gate("preGate", &ex.pre)?;
                    let post = gate("postGate", &ex.post)?;
                    let (yb, yj) = if ex.out.is_undefined() || ex.out.is_null() {
                        s.output("y", d.len() * d.dtype.size())?
                    } else {
                        (s.gpu_arg("output", &ex.out)?, ex.out.clone())
                    };
                    let bound = plan
                        .bind(&ub, &spec, &yb, pre.as_ref(), post.as_ref())
                        .map_err(js_err)?;
                    submit(&s, |p| bound.record(p))?;
                    Ok(yj)
                }
            }
        })
    }

    /// The path the dispatcher picked (fused, partial, multi-pass, ...).
    #[wasm_bindgen(getter)]
    pub fn path(&self) -> String {
        self.plan.path().name().to_string()
    }

    /// The path, FFT length and segments (e.g. `fused n2048 seg1`).
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> String {
        let p = &self.plan;
        format!("{} n{} seg{}", p.path().name(), p.n_fft(), p.segments())
    }

    /// The variant as the native bench's rows name it: the path, with ` sparse` when
    /// frequency-sparse.
    #[wasm_bindgen(getter)]
    pub fn variant(&self) -> String {
        let path = self.plan.path().name();
        if self.plan.desc().freq_keep.is_some() {
            format!("{path} sparse")
        } else {
            path.into()
        }
    }

    /// Times the plan on operands of its own (zero kernels and gates, `{warmup, iters}`); see
    /// `time_plan`. The kernels' spectrum is prepared once, outside the timed runs.
    pub fn time(&self, options: JsValue) -> Promise {
        let plan = self.plan.clone();
        let d = *plan.desc();
        let row = base_row(
            wgkernels::ops::fftconv::NAME,
            d.dtype,
            wgkernels::ops::fftconv::verify::fftconv_shape_json(&d),
            self.variant(),
            self.config(),
            self.source,
        );
        time_plan(
            &self.shared,
            options,
            row,
            move |s| {
                let d = *plan.desc();
                let spec = plan.prepare_kernel(&vec![0.0; d.k_len() as usize])?;
                let gate =
                    |on: bool, label| on.then(|| zeros(s, label, d.len(), d.dtype)).transpose();
                let pre = gate(d.pre_gate, "pre gate")?;
                let post = gate(d.post_gate, "post gate")?;
                let bound = plan.bind(
                    &zeros(s, "u", d.len(), d.dtype)?,
                    &spec,
                    &zeros(s, "y", d.len(), d.dtype)?,
                    pre.as_ref(),
                    post.as_ref(),
                )?;
                Ok((bound, wgkernels::ops::fftconv::work::fftconv_work(&d)))
            },
            |b, p| b.record(p),
        )
    }
}

/// Options of `Kernels.attention`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AttentionOptions {
    batch: u32,
    heads: u32,
    #[serde(default)]
    heads_kv: Option<u32>,
    /// Query length (and key/value length unless `kvLen`).
    n: u32,
    #[serde(default)]
    kv_len: Option<u32>,
    head_dim: u32,
    #[serde(default)]
    dtype: Option<String>,
    #[serde(default)]
    scale: Option<f32>,
    #[serde(default)]
    lse: bool,
    /// One pattern for every head, or one per query head (the CLI's spec strings).
    #[serde(default)]
    pattern: Option<PatternSpec>,
    /// Head dim of V and O when it differs from Q·K's (latent attention).
    #[serde(default)]
    value_dim: Option<u32>,
    /// The mask's (query, key) block sizes instead of the dispatcher's.
    #[serde(default)]
    pub(crate) blocks: Option<(u32, u32)>,
    /// Score soft-cap: scores become `cap·tanh(s/cap)`.
    #[serde(default)]
    softcap: Option<f32>,
    /// ALiBi: a slope per query head, or `"standard"` (the paper's geometric slopes).
    #[serde(default)]
    alibi: Option<Alibi>,
    /// A sink logit per query head.
    #[serde(default)]
    sinks: Option<Vec<f32>>,
    /// T5 relative-position buckets.
    #[serde(default)]
    t5: Option<T5Options>,
    /// A kernel configuration to run instead of the dispatcher's pick (see `forced`).
    #[serde(default)]
    pub(crate) config: Option<serde_json::Value>,
}

/// `alibi`: the slopes, or `"standard"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Alibi {
    Slopes(Vec<f32>),
    Named(String),
}

/// `t5`: T5's bucketed relative-position bias, one value per query head and bucket.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct T5Options {
    buckets: u32,
    max_distance: u32,
    bidirectional: bool,
    /// `heads × buckets` values, head-major.
    table: Vec<f32>,
}

/// `pattern`: one spec or one per head.
#[derive(Deserialize)]
#[serde(untagged)]
enum PatternSpec {
    One(String),
    PerHead(Vec<String>),
}

/// Block-sparse flash attention O = softmax(scale·Q·Kᵀ, masked by the pattern)·V over
/// (batch, heads, n, headDim), with the per-row log-sum-exp when `lse`.
#[wasm_bindgen]
pub struct AttentionPlan {
    pub(crate) shared: Rc<Shared>,
    pub(crate) plan: Rc<wgkernels::AttentionPlan>,
    /// Where the configuration came from (`default` or `cache`).
    source: &'static str,
    /// The mask the pattern made (the f64 reference of `check` applies it).
    pub(crate) mask: Option<wgkernels::BlockMask>,
    /// The score modifiers (the reference applies them too).
    pub(crate) mods: wgkernels::ScoreMods,
    /// The pattern as its report row names it (`dense`, one spec, or one per head).
    pattern: String,
}

impl AttentionOptions {
    /// The call these options describe.
    pub(crate) fn desc(&self) -> Result<wgkernels::AttentionDesc, JsValue> {
        let mut desc = wgkernels::AttentionDesc::new(self.batch, self.heads, self.n, self.head_dim)
            .gqa(self.heads_kv.unwrap_or(self.heads))
            .kv_len(self.kv_len.unwrap_or(self.n))
            .dtype(dtype(self.dtype.as_deref())?);
        if let Some(s) = self.scale {
            desc = desc.scale(s);
        }
        if self.lse {
            desc = desc.with_lse();
        }
        if let Some(dv) = self.value_dim {
            desc = desc.value_dim(dv);
        }
        Ok(desc)
    }

    /// The score modifiers these options name (none by default).
    pub(crate) fn mods(&self) -> Result<wgkernels::ScoreMods, JsValue> {
        let mut m = wgkernels::ScoreMods::none();
        if let Some(c) = self.softcap {
            m = m.softcap(c);
        }
        match &self.alibi {
            None => {}
            Some(Alibi::Slopes(s)) => m = m.alibi(s.clone()),
            Some(Alibi::Named(n)) if n == "standard" => {
                m = m.alibi(wgkernels::ScoreMods::alibi_standard(self.heads))
            }
            Some(Alibi::Named(n)) => {
                return Err(js_err(format!(
                    "attention: alibi `{n}`: give the slopes or \"standard\""
                )))
            }
        }
        if let Some(s) = &self.sinks {
            m = m.sinks(s.clone());
        }
        if let Some(t) = &self.t5 {
            m = m.t5(wgkernels::T5Bias::new(
                t.buckets,
                t.max_distance,
                t.bidirectional,
                t.table.clone(),
            ));
        }
        Ok(m)
    }

    /// The (query, key) block sizes of the mask: `blocks`, else the dispatcher's for `desc`.
    pub(crate) fn block_sizes(
        &self,
        ctx: &wgkernels::Context,
        desc: &wgkernels::AttentionDesc,
    ) -> (u32, u32) {
        self.blocks
            .unwrap_or_else(|| wgkernels::AttentionPlan::block_sizes(ctx, desc))
    }

    /// The mask of `pattern` (none when dense) and its name for report rows.
    pub(crate) fn mask(
        &self,
        ctx: &wgkernels::Context,
        desc: &wgkernels::AttentionDesc,
    ) -> Result<(Option<wgkernels::BlockMask>, String), JsValue> {
        use wgkernels::{MaskBuilder, Pattern};
        let Some(spec) = &self.pattern else {
            return Ok((None, "dense".into()));
        };
        let (bq, bk) = self.block_sizes(ctx, desc);
        let b = MaskBuilder::new(desc.nq, desc.nkv, bq, bk);
        let parsed = match spec {
            PatternSpec::One(s) => vec![Pattern::parse(s).map_err(js_err)?],
            PatternSpec::PerHead(v) => v
                .iter()
                .map(|s| Pattern::parse(s))
                .collect::<wgkernels::Result<Vec<_>>>()
                .map_err(js_err)?,
        };
        let m = match spec {
            PatternSpec::One(_) => b.build(&parsed[0]),
            PatternSpec::PerHead(_) => b.build_heads(&parsed),
        };
        let names: Vec<String> = parsed.iter().map(|p| p.describe()).collect();
        Ok((Some(m.map_err(js_err)?), names.join(" | ")))
    }
}

impl AttentionPlan {
    pub(crate) fn new(shared: &Rc<Shared>, o: JsValue) -> Result<Self, JsValue> {
        let o: AttentionOptions = options("attention", &o)?;
        let desc = o.desc()?;
        let mods = o.mods()?;
        let ctx = &shared.ctx;
        // Masks are built with the dispatcher's block sizes (unless `blocks` says otherwise),
        // so the pick (and its tuning) is for that query block, masked or dense.
        let (bq, _) = o.block_sizes(ctx, &desc);
        let (mask, pattern) = o.mask(ctx, &desc)?;
        let config = forced("attention", &o.config)?;
        let (plan, source) = make(shared, |ctx| {
            wgkernels::AttentionPlan::with_mods(ctx, desc, mask.as_ref(), &mods, config)
        })?;
        let source = source_of(&config, source);
        shared.remember(TuneJob::Attention(AttnTuneDesc { desc, block_q: bq }));
        Ok(Self {
            shared: shared.clone(),
            plan,
            source,
            mask,
            mods,
            pattern,
        })
    }
}

async fn attention_host<T: JsElement>(
    plan: &wgkernels::AttentionPlan,
    q: Host,
    k: Host,
    v: Host,
) -> Result<JsValue, JsValue> {
    let q = expect::<T>("Q", q)?;
    let k = expect::<T>("K", k)?;
    let v = expect::<T>("V", v)?;
    let (o, lse) = plan.run_host(&q, &k, &v).await.map_err(js_err)?;
    let o = T::to_js(&o);
    match lse {
        None => Ok(o),
        Some(l) => {
            let out = js_sys::Object::new();
            js_sys::Reflect::set(&out, &"o".into(), &o)?;
            js_sys::Reflect::set(&out, &"lse".into(), &f32::to_js(&l))?;
            Ok(out.into())
        }
    }
}

#[wasm_bindgen]
impl AttentionPlan {
    /// Typed arrays: resolves to O (or `{o, lse}` when the plan has `lse`). GPUBuffers: writes
    /// `o` (and `lse` when the plan has it), both required, and resolves to `o`.
    pub fn run(&self, q: JsValue, k: JsValue, v: JsValue, o: JsValue, lse: JsValue) -> Promise {
        let plan = self.plan.clone();
        promise(&self.shared, move |s| async move {
            match s.arg("Q", &q)? {
                Arg::Host(qh) => {
                    let kh = s.host_arg("K", &k)?;
                    let vh = s.host_arg("V", &v)?;
                    match plan.desc().dtype {
                        DType::F32 => attention_host::<f32>(&plan, qh, kh, vh).await,
                        DType::F16 => attention_host::<f16>(&plan, qh, kh, vh).await,
                    }
                }
                Arg::Gpu(qb) => {
                    let kb = s.gpu_arg("K", &k)?;
                    let vb = s.gpu_arg("V", &v)?;
                    if o.is_undefined() || o.is_null() {
                        return Err(js_err("O: with GPUBuffer inputs the output O is required"));
                    }
                    let ob = s.gpu_arg("O", &o)?;
                    let lb = match (plan.desc().lse, lse.is_undefined() || lse.is_null()) {
                        (false, _) => None,
                        (true, true) => {
                            return Err(js_err("LSE: the plan has lse, so its output is required"))
                        }
                        (true, false) => Some(s.gpu_arg("LSE", &lse)?),
                    };
                    let bound = plan.bind(&qb, &kb, &vb, &ob, lb.as_ref()).map_err(js_err)?;
                    submit(&s, |p| bound.record(p))?;
                    Ok(o)
                }
            }
        })
    }

    /// The kernel configuration the dispatcher picked.
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> String {
        self.plan.config().label()
    }

    /// The kernel variant (`tiled`, `subgroup`, `coop`).
    #[wasm_bindgen(getter)]
    pub fn variant(&self) -> String {
        self.plan.config().variant().name().into()
    }

    /// Fraction of the score tiles the mask keeps (1 when dense).
    #[wasm_bindgen(getter, js_name = workDensity)]
    pub fn work_density(&self) -> f64 {
        self.plan.work_density()
    }

    /// The plan's block mask as query head `head` (default 0) sees it (see
    /// `Kernels::attention_mask`); null when the plan is dense.
    pub fn mask(&self, head: Option<u32>) -> Result<JsValue, JsValue> {
        match &self.mask {
            None => Ok(JsValue::NULL),
            Some(m) => mask_info(m, head.unwrap_or(0)),
        }
    }

    /// Times the plan on operands of its own (`{warmup, iters}`); see `time_plan`. The work
    /// counts the blocks the mask keeps.
    pub fn time(&self, options: JsValue) -> Promise {
        let plan = self.plan.clone();
        let d = *plan.desc();
        let mut shape = wgkernels::ops::attention::verify::attention_shape_json(
            &wgkernels::ops::attention::verify::AttnCase::dense(d).mods(self.mods.clone()),
        );
        shape["pattern"] = self.pattern.clone().into();
        shape["work_density"] = ((self.plan.work_density() * 1e4).round() / 1e4).into();
        let row = base_row(
            wgkernels::ops::attention::NAME,
            d.dtype,
            shape,
            self.variant(),
            self.config(),
            self.source,
        );
        time_plan(
            &self.shared,
            options,
            row,
            move |s| {
                let d = *plan.desc();
                let lse = d
                    .lse
                    .then(|| zeros(s, "LSE", d.rows(), DType::F32))
                    .transpose()?;
                let bound = plan.bind(
                    &zeros(s, "Q", d.q_len_elems(), d.dtype)?,
                    &zeros(s, "K", d.kv_len_elems(), d.dtype)?,
                    &zeros(s, "V", d.v_len_elems(), d.dtype)?,
                    &zeros(s, "O", d.o_len_elems(), d.dtype)?,
                    lse.as_ref(),
                )?;
                let coop = plan.config().variant() == wgkernels::AttentionVariant::Coop;
                let work =
                    wgkernels::ops::attention::work::attention_work(&d, plan.work_density(), coop);
                Ok((bound, work))
            },
            |b, p| b.record(p),
        )
    }
}

/// What a page draws of a block mask for query head `head` (batch 0): `{blockQ, blockKv,
/// rows, cols, fill, full, partial, stripes, density, workDensity}`, `fill` a `Float32Array`
/// of `rows × cols` (query block × key block): 0 where the block is skipped, else 0.2 + 0.8 ×
/// the fraction of its pairs attended; `full` / `partial` the blocks listed as such, `stripes`
/// the single keys; `density` the fraction of pairs attended, `workDensity` the fraction of
/// the dense work the kernel does.
pub(crate) fn mask_info(mask: &wgkernels::BlockMask, head: u32) -> Result<JsValue, JsValue> {
    let (bq, bk) = (mask.block_q, mask.block_kv);
    let (nqb, nkb) = (mask.n_qblocks(), mask.n_kblocks());
    let mut fill = vec![0f32; (nqb * nkb) as usize];
    let (mut full, mut partial, mut stripes) = (0usize, 0usize, 0usize);
    for qb in 0..nqb {
        let r = mask.row(0, head, qb);
        full += r.full.len();
        partial += r.partial.len();
        stripes += r.stripes.len();
        let rows = bq.min(mask.nq - qb * bq);
        for kb in 0..nkb {
            let cols = bk.min(mask.nkv - kb * bk);
            let mut n = 0u32;
            for i in qb * bq..qb * bq + rows {
                for j in kb * bk..kb * bk + cols {
                    n += mask.allows(0, head, i, j) as u32;
                }
            }
            if n > 0 {
                fill[(qb * nkb + kb) as usize] = 0.2 + 0.8 * n as f32 / (rows * cols) as f32;
            }
        }
    }
    let v = serde_json::json!({
        "blockQ": bq, "blockKv": bk, "rows": nqb, "cols": nkb,
        "full": full, "partial": partial, "stripes": stripes,
        "density": mask.density(), "workDensity": mask.work_density(),
    });
    let out = crate::data::from_json(&v)?;
    js_sys::Reflect::set(&out, &"fill".into(), &js_sys::Float32Array::from(&fill[..]))?;
    Ok(out)
}

/// Options of `Kernels.sparseGemm`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SparseOptions {
    /// Rows of the sparse operand (M; out features for `linear`).
    m: u32,
    /// Output columns (N; tokens for `linear`).
    n: u32,
    /// Reduction length (a multiple of the pattern's M).
    k: u32,
    /// `"N:M"`, e.g. `"2:4"`.
    pattern: String,
    #[serde(default)]
    linear: bool,
    #[serde(default)]
    batch: Option<u32>,
    #[serde(default)]
    bias: bool,
    #[serde(default)]
    dtype: Option<String>,
    /// A configuration to run instead of the dispatcher's pick (see `forced`).
    #[serde(default)]
    pub(crate) config: Option<serde_json::Value>,
}

/// An N:M compressed sparse operand on the GPU (values and metadata), made by
/// [`SparseGemmPlan::compress`] for that plan and reused across runs.
#[wasm_bindgen]
pub struct SparseMatrix {
    values: wgpu::Buffer,
    meta: wgpu::Buffer,
    /// The plan it was made for (its shape and pattern).
    desc: wgkernels::SparseGemmDesc,
}

/// N:M structured-sparse GEMM: C = A_s·B (A_s m×k, N:M sparse along k; B k×n), or with
/// `linear` Y = X·W_sᵀ (+ bias) (X n×k tokens, W_s m×k).
#[wasm_bindgen]
pub struct SparseGemmPlan {
    pub(crate) shared: Rc<Shared>,
    pub(crate) plan: Rc<wgkernels::SparseGemmPlan>,
    /// Where the configuration came from (`default` or `cache`).
    source: &'static str,
}

impl SparseOptions {
    /// The product these options describe.
    pub(crate) fn desc(&self) -> Result<wgkernels::SparseGemmDesc, JsValue> {
        use wgkernels::{NmPattern, SparseGemmDesc};
        let pattern: NmPattern = self.pattern.parse().map_err(js_err)?;
        let desc = if self.linear {
            SparseGemmDesc::linear(self.n, self.m, self.k, pattern)
        } else {
            SparseGemmDesc::matmul(self.m, self.n, self.k, pattern)
        };
        Ok(desc
            .batch(self.batch.unwrap_or(1))
            .with_bias(self.bias)
            .dtype(dtype(self.dtype.as_deref())?))
    }
}

impl SparseGemmPlan {
    pub(crate) fn new(shared: &Rc<Shared>, o: JsValue) -> Result<Self, JsValue> {
        let o = options::<SparseOptions>("sparseGemm", &o)?;
        let desc = o.desc()?;
        let config = forced("sparseGemm", &o.config)?;
        let (plan, source) = make(shared, |ctx| {
            wgkernels::SparseGemmPlan::new(ctx, desc, config)
        })?;
        let source = source_of(&config, source);
        shared.remember(TuneJob::Sparse(desc));
        Ok(Self {
            shared: shared.clone(),
            plan,
            source,
        })
    }

    /// The sparse operand's dense shape (rows of every sparse batch stacked, k).
    fn sparse_shape(&self) -> (usize, usize) {
        let d = self.plan.desc();
        (d.rows as usize * d.sparse_batches() as usize, d.k as usize)
    }
}

/// Compresses (optionally pruning) `h` as `T` and uploads it.
fn compress_as<T: JsElement>(
    s: &Shared,
    d: &wgkernels::SparseGemmDesc,
    (rows, cols): (usize, usize),
    h: Host,
    prune: bool,
) -> Result<SparseMatrix, JsValue> {
    use wgkernels::NmMatrix;
    let v = expect::<T>("dense", h)?;
    if v.len() != rows * cols {
        return Err(js_err(format!(
            "dense: {} values, the plan's sparse operand is {rows}×{cols}",
            v.len()
        )));
    }
    let m = if prune {
        NmMatrix::compress_pruned(&v, rows, cols, d.pattern)
    } else {
        NmMatrix::compress(&v, rows, cols, d.pattern)
    }
    .map_err(js_err)?;
    let values = s
        .ctx
        .upload("sparse values", &m.gpu_values())
        .map_err(js_err)?;
    let meta = wgkernels::ops::sparse_gemm::upload_words(&s.ctx, "sparse meta", m.meta())
        .map_err(js_err)?;
    Ok(SparseMatrix {
        values,
        meta,
        desc: *d,
    })
}

/// Prunes `h` as `T`: the N largest magnitudes of every group of M stay.
fn prune_as<T: JsElement>(
    d: &wgkernels::SparseGemmDesc,
    (rows, cols): (usize, usize),
    h: Host,
) -> Result<JsValue, JsValue> {
    let v = expect::<T>("dense", h)?;
    let p = wgkernels::ops::sparse_gemm::prune(&v, rows, cols, d.pattern).map_err(js_err)?;
    Ok(T::to_js(&p))
}

#[wasm_bindgen]
impl SparseGemmPlan {
    /// Compresses the dense form of the sparse operand (a typed array of the plan's type,
    /// rows × k row-major) into N:M form on the GPU; `prune` first keeps the N largest
    /// magnitudes of every group of M (without it, a group with more than N nonzeros is an
    /// error).
    pub fn compress(&self, dense: JsValue, prune: Option<bool>) -> Result<SparseMatrix, JsValue> {
        let s = &self.shared;
        let h = s.host_arg("dense", &dense)?;
        let d = self.plan.desc();
        let shape = self.sparse_shape();
        let prune = prune.unwrap_or(false);
        let m = s.ctx.scoped(|| match d.dtype {
            DType::F32 => compress_as::<f32>(s, d, shape, h, prune),
            DType::F16 => compress_as::<f16>(s, d, shape, h, prune),
        });
        m.map_err(js_err)?
    }

    /// `dense` pruned to the plan's N:M pattern (same shape and kind), on the host.
    pub fn prune(&self, dense: JsValue) -> Result<JsValue, JsValue> {
        let h = self.shared.host_arg("dense", &dense)?;
        let d = self.plan.desc();
        match d.dtype {
            DType::F32 => prune_as::<f32>(d, self.sparse_shape(), h),
            DType::F16 => prune_as::<f16>(d, self.sparse_shape(), h),
        }
    }

    /// Multiplies the compressed `sparse` with `dense` (B, or X for `linear`); `extras` is
    /// `{bias, output}` (bias of the kind of `dense`, m values, when the plan has one; `output`
    /// only with GPUBuffers, a new one when omitted). Resolves to the same kind as `dense`.
    pub fn run(&self, sparse: &SparseMatrix, dense: JsValue, extras: JsValue) -> Promise {
        let plan = self.plan.clone();
        let same = sparse.desc == *plan.desc();
        let (values, meta) = (sparse.values.clone(), sparse.meta.clone());
        let get = |key: &str| -> JsValue {
            if extras.is_object() {
                js_sys::Reflect::get(&extras, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
            } else {
                JsValue::UNDEFINED
            }
        };
        let (bias, output) = (get("bias"), get("output"));
        promise(&self.shared, move |s| async move {
            if !same {
                return Err(js_err("sparse: compressed for another plan"));
            }
            let d = *plan.desc();
            let out_bytes = d.out_len() * d.dtype.size();
            let absent = |v: &JsValue| v.is_undefined() || v.is_null();
            match s.arg("dense", &dense)? {
                Arg::Host(h) => {
                    let up = |name: &str, h: Host| match d.dtype {
                        DType::F32 => expect::<f32>(name, h)
                            .and_then(|v| s.ctx.upload(name, &v).map_err(js_err)),
                        DType::F16 => expect::<f16>(name, h)
                            .and_then(|v| s.ctx.upload(name, &v).map_err(js_err)),
                    };
                    let db = up("dense", h)?;
                    let bb = if absent(&bias) {
                        None
                    } else {
                        Some(up("bias", s.host_arg("bias", &bias)?)?)
                    };
                    let ob = s.ctx.storage("out", out_bytes).map_err(js_err)?;
                    let bound = plan
                        .bind(&values, &meta, &db, bb.as_ref(), &ob)
                        .map_err(js_err)?;
                    submit(&s, |p| bound.record(p))?;
                    let n = d.out_len() as usize;
                    let r = match d.dtype {
                        DType::F32 => f32::to_js(
                            &wgkernels::read_buffer::<f32>(&s.ctx, &ob, n)
                                .await
                                .map_err(js_err)?,
                        ),
                        DType::F16 => f16::to_js(
                            &wgkernels::read_buffer::<f16>(&s.ctx, &ob, n)
                                .await
                                .map_err(js_err)?,
                        ),
                    };
                    ob.destroy();
                    Ok(r)
                }
                Arg::Gpu(db) => {
                    let bb = if absent(&bias) {
                        None
                    } else {
                        Some(s.gpu_arg("bias", &bias)?)
                    };
                    let (ob, oj) = if absent(&output) {
                        s.output("out", out_bytes)?
                    } else {
                        (s.gpu_arg("output", &output)?, output)
                    };
                    let bound = plan
                        .bind(&values, &meta, &db, bb.as_ref(), &ob)
                        .map_err(js_err)?;
                    submit(&s, |p| bound.record(p))?;
                    Ok(oj)
                }
            }
        })
    }

    /// The configuration the dispatcher picked.
    #[wasm_bindgen(getter)]
    pub fn config(&self) -> String {
        self.plan.config().label()
    }

    /// The kernel variant (`plain`, `subgroup`, `cols`, `coop`, `gemv-sg`, `gemv-plain`), as
    /// the native bench's rows name it.
    #[wasm_bindgen(getter)]
    pub fn variant(&self) -> String {
        wgkernels::ops::sparse_gemm::verify::sparse_variant_name(self.plan.config())
    }

    /// Times the plan with the compressed `sparse` on a dense operand of its own
    /// (`{warmup, iters}`); see `time_plan`.
    pub fn time(&self, sparse: &SparseMatrix, options: JsValue) -> Promise {
        let plan = self.plan.clone();
        let same = sparse.desc == *plan.desc();
        let (values, meta) = (sparse.values.clone(), sparse.meta.clone());
        let d = *plan.desc();
        let row = base_row(
            wgkernels::ops::sparse_gemm::NAME,
            d.dtype,
            wgkernels::ops::sparse_gemm::verify::sparse_shape_json(&d),
            self.variant(),
            self.config(),
            self.source,
        );
        time_plan(
            &self.shared,
            options,
            row,
            move |s| {
                if !same {
                    return Err(wgkernels::Error::Shape(
                        "sparse: compressed for another plan".into(),
                    ));
                }
                let d = *plan.desc();
                let bias = d
                    .bias
                    .then(|| zeros(s, "bias", d.rows as u64, d.dtype))
                    .transpose()?;
                let bound = plan.bind(
                    &values,
                    &meta,
                    &zeros(s, "dense", d.dense_len(), d.dtype)?,
                    bias.as_ref(),
                    &zeros(s, "out", d.out_len(), d.dtype)?,
                )?;
                let coop = plan.config().variant() == wgkernels::SparseVariant::Coop;
                Ok((
                    bound,
                    wgkernels::ops::sparse_gemm::work::sparse_gemm_work(&d, coop),
                ))
            },
            |b, p| b.record(p),
        )
    }
}
