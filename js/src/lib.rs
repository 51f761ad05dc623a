//! # wgkernels-js
//!
//! The `wgkernels` kernels as a JavaScript package (built by `js/build.sh` into `js/dist/`).
//! The package owns its `GPUDevice` (wgpu cannot adopt a device or buffer JavaScript created)
//! and hands it out ([`Kernels::device`]) so a page can build its own buffers and pipelines on
//! it. Every op is a plan built once and run many times; `run` takes typed arrays
//! (`Float32Array`, or `Uint16Array` holding f16 bits) and returns the same kind, or takes
//! `GPUBuffer`s made by [`Kernels::create_buffer`] and returns a `GPUBuffer` without reading
//! anything back (a chain of ops stays on the GPU).
//!
//! Errors reject the returned promise (or throw) with a JS `Error` whose message is the Rust
//! error's. Only `js/dist/index.js` (the hand-written wrapper that loads the wasm) and
//! `index.d.ts` are the public surface; this crate's names are what they forward to.
//!
//! On native targets the crate is empty: it exists for the browser only.
#![cfg(target_arch = "wasm32")]

mod check;
mod data;
mod explain;
mod nd;
mod plans;
mod report;
mod search;
mod tune;

use data::{js_err, Shared};
use js_sys::{Function, Promise};
use serde_json::json;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use wgkernels::harness::verify::{Check, Tier};
use wgkernels::Context;

pub use nd::{DctLowpassPlan, FftNdPlan};
pub use plans::{
    AttentionPlan, FftConvPlan, FftPlan, GemmPlan, KernelSpectrum, RfftPlan, SparseGemmPlan,
    SparseMatrix,
};

/// The kernels on the package's own WebGPU device.
#[wasm_bindgen]
pub struct Kernels {
    shared: Rc<Shared>,
}

#[wasm_bindgen]
impl Kernels {
    /// Requests the adapter and a device with every feature and limit the kernels can use.
    /// Called by the wrapper's `Kernels.create(options)` after the wasm is loaded.
    #[wasm_bindgen(js_name = _create)]
    pub fn create() -> Promise {
        future_to_promise(async move {
            let ctx = Context::new().await.map_err(js_err)?;
            Ok(Kernels {
                shared: Rc::new(Shared::new(ctx)),
            }
            .into())
        })
    }

    /// The `GPUDevice` every plan runs on: the page's own buffers, pipelines and rendering can
    /// share it (and so the data, without a copy through the CPU).
    #[wasm_bindgen(getter)]
    pub fn device(&self) -> Result<JsValue, JsValue> {
        self.shared
            .ctx
            .device
            .as_webgpu()
            .map(|d| d.clone().into())
            .ok_or_else(|| js_err("the device is not on the browser's WebGPU backend"))
    }

    /// What the kernels see of the adapter: name, capabilities (f16, subgroups, cooperative
    /// matrices) and the limits users meet (storage binding size, workgroup memory).
    #[wasm_bindgen(getter)]
    pub fn capabilities(&self) -> Result<JsValue, JsValue> {
        let ctx = &self.shared.ctx;
        let l = ctx.limits();
        let v = json!({
            "adapter": ctx.adapter_id(),
            "f16": ctx.caps().f16,
            "caps": ctx.caps(),
            "limits": {
                "maxStorageBufferBindingSize": l.max_storage_buffer_binding_size,
                "maxBufferSize": l.max_buffer_size,
                "maxComputeWorkgroupStorageSize": l.max_compute_workgroup_storage_size,
                "maxComputeInvocationsPerWorkgroup": l.max_compute_invocations_per_workgroup,
                "maxComputeWorkgroupsPerDimension": l.max_compute_workgroups_per_dimension,
                "maxStorageBuffersPerShaderStage": l.max_storage_buffers_per_shader_stage,
            },
            "ops": wgkernels::ops::names(),
            "version": env!("CARGO_PKG_VERSION"),
        });
        data::from_json(&v)
    }

    /// A storage buffer on [`Kernels::device`] that plans accept: `init` is a byte length
    /// (zero-filled) or a `Float32Array` / `Uint16Array` to upload. Its usage is
    /// STORAGE | COPY_SRC | COPY_DST, so the page can copy into and out of it.
    #[wasm_bindgen(js_name = createBuffer)]
    pub fn create_buffer(&self, init: JsValue) -> Result<JsValue, JsValue> {
        self.shared.create_buffer(&init)
    }

    /// Reads `length` elements (all of the buffer when omitted) of a buffer made by
    /// [`Kernels::create_buffer`] back as `dtype` (`"f32"` → `Float32Array`, `"f16"` →
    /// `Uint16Array`).
    pub fn read(&self, buffer: JsValue, dtype: Option<String>, length: Option<u32>) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move { shared.read(&buffer, dtype.as_deref(), length).await })
    }

    /// Destroys a buffer made by [`Kernels::create_buffer`] (or returned by a plan) and forgets
    /// it; the package holds every buffer it made until then.
    #[wasm_bindgen(js_name = destroyBuffer)]
    pub fn destroy_buffer(&self, buffer: JsValue) -> Result<(), JsValue> {
        self.shared.destroy(&buffer)
    }

    /// A GEMM plan: C = alpha·op(A)·op(B) + beta·C (see `GemmOptions` in index.d.ts).
    pub fn gemm(&self, options: JsValue) -> Result<GemmPlan, JsValue> {
        GemmPlan::new(&self.shared, options)
    }

    /// A batched complex FFT plan (interleaved re, im).
    pub fn fft(&self, options: JsValue) -> Result<FftPlan, JsValue> {
        FftPlan::new(&self.shared, options)
    }

    /// A batched real FFT plan (n reals ↔ n/2+1 interleaved complex bins).
    pub fn rfft(&self, options: JsValue) -> Result<RfftPlan, JsValue> {
        RfftPlan::new(&self.shared, options)
    }

    /// An N-D transform plan (`{shape, axes?, transform, inverse?, norm?, dtype?}`):
    /// `c2c`, `r2c`, `c2r` or a real-to-real `dct2` / `dct3` / `dct4` / `dst2` over up to the
    /// last three axes (NumPy's `fftn`, `rfftn`, `irfftn`, SciPy's `dctn`; `norm` as theirs).
    pub fn fftn(&self, options: JsValue) -> Result<FftNdPlan, JsValue> {
        FftNdPlan::new(&self.shared, options)
    }

    /// A DCT low-pass plan (`{batch?, height, width, k, dtype?}`): per image the lowest k × k
    /// coefficients of its orthonormal 2-D DCT-II.
    #[wasm_bindgen(js_name = dctLowpass)]
    pub fn dct_lowpass(&self, options: JsValue) -> Result<DctLowpassPlan, JsValue> {
        DctLowpassPlan::new(&self.shared, options)
    }

    /// A long FFT convolution plan (causal or circular, gates, frequency-sparse).
    pub fn fftconv(&self, options: JsValue) -> Result<FftConvPlan, JsValue> {
        FftConvPlan::new(&self.shared, options)
    }

    /// A block-sparse flash attention plan; `pattern` takes the CLI's spec strings (one for
    /// every head, or one per query head), e.g. `"causal"`, `"window:64+every:256&causal"`.
    pub fn attention(&self, options: JsValue) -> Result<AttentionPlan, JsValue> {
        AttentionPlan::new(&self.shared, options)
    }

    /// The block mask an attention plan of `options` would run, as query head `head` (default
    /// 0) sees it, without building the plan (no pipeline compiles): its block sizes, per block
    /// the share of pairs attended, the full / partial / stripe counts and densities (see
    /// `AttentionPlan.mask`). Null when the options have no pattern.
    #[wasm_bindgen(js_name = attentionMask)]
    pub fn attention_mask(&self, options: JsValue, head: Option<u32>) -> Result<JsValue, JsValue> {
        let o: plans::AttentionOptions = data::options("attentionMask", &options)?;
        let desc = o.desc()?;
        match o.mask(&self.shared.ctx, &desc)?.0 {
            None => Ok(JsValue::NULL),
            Some(m) => plans::mask_info(&m, head.unwrap_or(0)),
        }
    }

    /// The attention pattern search (Sparse-vDiT's step) on sample `q`, `k`, `v` (typed arrays
    /// in the layout of `attention`): per query head the cheapest candidate pattern whose output
    /// stays within `epsilon` (relative MSE) of full attention. `options` are the attention
    /// call's (no `pattern`, no `lse`) plus `lambda`, `epsilon`, `candidates` (spec strings),
    /// `frameLen`. Resolves to the per-head choices with every candidate's error and density,
    /// and `patterns` (one spec per head) for `attention({pattern: patterns})`.
    #[wasm_bindgen(js_name = searchPatterns)]
    pub fn search_patterns(&self, q: JsValue, k: JsValue, v: JsValue, options: JsValue) -> Promise {
        search::search(self.shared.clone(), q, k, v, options)
    }

    /// An N:M structured-sparse GEMM plan (`pattern: "2:4"`); its `compress` (with or without
    /// pruning) makes the sparse operand once.
    #[wasm_bindgen(js_name = sparseGemm)]
    pub fn sparse_gemm(&self, options: JsValue) -> Result<SparseGemmPlan, JsValue> {
        SparseGemmPlan::new(&self.shared, options)
    }

    /// Measures the candidate configurations of `op`'s shapes (every op when omitted) on this
    /// adapter and keeps the winners in memory for the page's lifetime: plans built afterwards
    /// use them. The shapes are those of the plans built so far, or `options.shapes` (plan
    /// options of `op`). `options.onProgress({op, done, total, label})` is called before each
    /// candidate, and the page gets a task between candidates. Resolves to the measured
    /// entries (every candidate's time and status, the winner, the default).
    pub fn tune(&self, op: Option<String>, options: JsValue) -> Promise {
        tune::tune(self.shared.clone(), op, options)
    }

    /// Everything tuned on this device so far, in the native tuning cache file's form
    /// (`{format, key, entries}`), e.g. to save or to compare adapters.
    #[wasm_bindgen(js_name = tuneResults)]
    pub fn tune_results(&self) -> Result<JsValue, JsValue> {
        tune::results(&self.shared)
    }

    /// Restores tuning results saved from `tuneResults` (e.g. in `localStorage`) so plans built
    /// afterwards use the tuned picks without measuring again. Refused (an error naming why)
    /// when they were measured on another adapter, driver or package version, as the native
    /// cache refuses such a file; entries already tuned here win over imported ones, and an
    /// entry for kernels that changed since is ignored at lookup. Returns `{imported, kept}`.
    #[wasm_bindgen(js_name = importTuning)]
    pub fn import_tuning(&self, results: JsValue) -> Result<JsValue, JsValue> {
        tune::import(&self.shared, &results)
    }

    /// What the dispatcher picks for `op`'s plan options on this adapter, without building the
    /// plan (no pipeline is compiled): `{op, variant, config, source, error, candidates,
    /// variants: [{variant, available, candidates, reason}]}`: every variant of the op, whether
    /// this adapter can run it for these options, and if not why (a missing feature, the
    /// limits, the shape). `error` is why a plan of these options cannot run here at all.
    pub fn explain(&self, op: String, options: JsValue) -> Result<JsValue, JsValue> {
        explain::explain(&self.shared, &op, &options)
    }

    /// Gathers timings of `plan.time()` (or their `row`s) into a `wgkernels bench --json`
    /// report (same schema version) under this adapter's peaks, measured by the native
    /// bench's probe on the first call (seconds) and kept: `wgkernels compare` reads it beside
    /// native reports. `options` (`{os, cpuThreads, adapter, driver}`) stand in for what a
    /// native report reads from the machine; the wrapper fills them from the page.
    #[wasm_bindgen(js_name = _report)]
    pub fn report(&self, timings: JsValue, options: JsValue) -> Promise {
        report::report(self.shared.clone(), timings, options)
    }

    /// Verifies `op` (every op when omitted) against its f64 CPU reference on the standard
    /// tier's awkward shapes (`tier: "full"` for more). `on_progress(check)` is called after
    /// each check. Resolves to `{pass, ops: [{op, pass, checks, error}]}`.
    pub fn verify(
        &self,
        op: Option<String>,
        on_progress: Option<Function>,
        tier: Option<String>,
    ) -> Promise {
        let ctx = self.shared.ctx.clone();
        future_to_promise(async move {
            let tier = match tier.as_deref().unwrap_or("standard") {
                "standard" => Tier::Standard,
                "full" => Tier::Full,
                other => return Err(js_err(format!("unknown tier `{other}` (standard or full)"))),
            };
            let names: Vec<String> = match op {
                Some(op) => vec![op],
                None => wgkernels::ops::names()
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            };
            let mut ops = Vec::new();
            let mut all = true;
            for name in names {
                let mut progress = |c: &Check| {
                    if let Some(f) = &on_progress {
                        if let Ok(v) = serde_json::to_value(c)
                            .map_err(js_err)
                            .and_then(|v| data::from_json(&v))
                        {
                            let _ = f.call1(&JsValue::NULL, &v);
                        }
                    }
                };
                let mark = ctx.compile_mark();
                let r = wgkernels::ops::verify_op_async(&ctx, &name, tier, &mut progress).await;
                let entry = match r {
                    Ok(checks) => {
                        let pass = !checks.is_empty() && checks.iter().all(|c| c.pass);
                        all &= pass;
                        let compile = ctx.compile_summary_since(mark);
                        json!({ "op": name, "pass": pass, "checks": checks, "error": null, "compile": compile })
                    }
                    Err(e) if wgkernels::ops::find(&name).is_err() => return Err(js_err(e)),
                    Err(e) => {
                        all = false;
                        json!({ "op": name, "pass": false, "checks": [], "error": e.to_string() })
                    }
                };
                ops.push(entry);
            }
            data::from_json(&json!({ "pass": all, "tier": tier.name(), "ops": ops }))
        })
    }
}
