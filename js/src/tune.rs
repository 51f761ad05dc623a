//! `Kernels.tune`: the native tuner's measurement (`wgkernels::tune::tune_async`, the one
//! implementation) on the page's adapter, without blocking the page. The winners live in the
//! context's tuner, in memory for the page's lifetime, so plans built afterwards use them.
//!
//! What is tuned: the shapes of the plans the page has built (every plan remembers its
//! dispatcher call, [`TuneJob`]), or the shapes the caller names.

use crate::data::{from_json, js_err, options, Shared};
use crate::plans::{AttentionOptions, FftConvOptions, FftOptions, GemmOptions, SparseOptions};
use js_sys::{Function, Promise};
use serde::Deserialize;
use serde_json::json;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use wgkernels::ops::attention::tune::{AttentionTune, AttnTuneDesc};
use wgkernels::ops::fft::tune::FftTune;
use wgkernels::ops::fftconv::tune::FftConvTune;
use wgkernels::ops::gemm::tune::GemmTune;
use wgkernels::ops::sparse_gemm::tune::SparseTune;
use wgkernels::tune::{bucket_key, tune_async, TuneEntry, TuneOp, TuneOptions};
use wgkernels::{FftConvDesc, FftDesc, GemmDesc, SparseGemmDesc};

/// One dispatcher call a plan made (the descriptor its `pick` saw), to be tuned.
#[derive(Clone, Debug)]
pub enum TuneJob {
    Gemm(GemmDesc),
    /// Complex FFTs, and the inner FFT of real ones.
    Fft(FftDesc),
    FftConv(FftConvDesc),
    Attention(AttnTuneDesc),
    Sparse(SparseGemmDesc),
}

impl TuneJob {
    /// The JS name of the op (`op` of `k.tune(op)`).
    fn op(&self) -> &'static str {
        match self {
            TuneJob::Gemm(_) => "gemm",
            TuneJob::Fft(_) => "fft",
            TuneJob::FftConv(_) => "fftconv",
            TuneJob::Attention(_) => "attention",
            TuneJob::Sparse(_) => "sparseGemm",
        }
    }

    /// The tuner's bucket of this call: jobs of one bucket are measured once.
    fn key(&self) -> String {
        let b = match self {
            TuneJob::Gemm(d) => bucket_key::<GemmTune>(d).0,
            TuneJob::Fft(d) => bucket_key::<FftTune>(d).0,
            TuneJob::FftConv(d) => bucket_key::<FftConvTune>(d).0,
            TuneJob::Attention(d) => bucket_key::<AttentionTune>(d).0,
            TuneJob::Sparse(d) => bucket_key::<SparseTune>(d).0,
        };
        format!("{} {b}", self.op())
    }

    /// The jobs `shapes` name for `op` (each shape is that op's plan options).
    fn parse(ctx: &wgkernels::Context, op: &str, shape: &JsValue) -> Result<Self, JsValue> {
        let what = format!("tune {op} shape");
        Ok(match op {
            "gemm" => TuneJob::Gemm(options::<GemmOptions>(&what, shape)?.desc()?),
            "fft" => TuneJob::Fft(options::<FftOptions>(&what, shape)?.fft_desc()?),
            "rfft" => TuneJob::Fft(options::<FftOptions>(&what, shape)?.rfft_desc()?.inner()),
            "fftconv" => TuneJob::FftConv(options::<FftConvOptions>(&what, shape)?.desc()?),
            "attention" => {
                let desc = options::<AttentionOptions>(&what, shape)?.desc()?;
                let block_q = wgkernels::AttentionPlan::block_sizes(ctx, &desc).0;
                TuneJob::Attention(AttnTuneDesc { desc, block_q })
            }
            "sparseGemm" => TuneJob::Sparse(options::<SparseOptions>(&what, shape)?.desc()?),
            other => {
                return Err(js_err(format!(
                    "tune: unknown op `{other}` (gemm, fft, rfft, fftconv, attention, sparseGemm)"
                )))
            }
        })
    }
}

impl Shared {
    /// Remembers the dispatcher call of a plan just built (once per bucket), for `k.tune()`.
    pub fn remember(&self, job: TuneJob) {
        let key = job.key();
        let mut jobs = self.jobs.borrow_mut();
        if !jobs.iter().any(|(k, _)| *k == key) {
            jobs.push((key, job));
        }
    }
}

/// Options of `k.tune` besides `onProgress` (a function, which JSON leaves out).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TuneJsOptions {
    /// Plan options of `op` to tune instead of the page's plans.
    #[serde(default)]
    shapes: Option<Vec<serde_json::Value>>,
    /// Fewer timed runs per candidate and one final round.
    #[serde(default)]
    quick: bool,
    /// Re-measure buckets that already have a result.
    #[serde(default)]
    force: bool,
}

/// A promise that resolves on a later task (`setTimeout(0)`), so the page renders and handles
/// input between candidates; resolved at once where there is no `setTimeout`.
fn next_task() -> Pin<Box<dyn Future<Output = ()>>> {
    let p = Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        match js_sys::Reflect::get(&global, &"setTimeout".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
        {
            Some(set_timeout) => {
                let _ = set_timeout.call2(&global, &resolve, &0.into());
            }
            None => {
                let _ = resolve.call0(&JsValue::NULL);
            }
        }
    });
    Box::pin(async move {
        let _ = JsFuture::from(p).await;
    })
}

/// Runs `tune_async::<T>` with progress reported to `on_progress` as `{op, done, total, label}`
/// and a yield to the page before each candidate.
async fn run<T: TuneOp>(
    ctx: &wgkernels::Context,
    op: &str,
    desc: &T::Desc,
    opts: &TuneOptions,
    on_progress: &Option<Function>,
) -> Result<TuneEntry, JsValue> {
    let mut progress = |done: usize, total: usize, label: &str| {
        if let Some(f) = on_progress {
            let v = json!({ "op": op, "done": done, "total": total, "label": label });
            if let Ok(v) = from_json(&v) {
                let _ = f.call1(&JsValue::NULL, &v);
            }
        }
        next_task()
    };
    tune_async::<T>(ctx, desc, opts, &mut progress)
        .await
        .map_err(js_err)
}

/// See `Kernels::tune`.
pub fn tune(shared: Rc<Shared>, op: Option<String>, o: JsValue) -> Promise {
    future_to_promise(async move {
        let on_progress = if o.is_object() {
            js_sys::Reflect::get(&o, &"onProgress".into())
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
        } else {
            None
        };
        let opts: TuneJsOptions = if o.is_undefined() || o.is_null() {
            TuneJsOptions::default()
        } else {
            options("tune", &o)?
        };
        let ctx = &shared.ctx;
        ctx.check_alive().map_err(js_err)?;
        let jobs: Vec<TuneJob> = match (&op, &opts.shapes) {
            (Some(op), Some(shapes)) => {
                let mut v: Vec<(String, TuneJob)> = Vec::new();
                for s in shapes {
                    let j = TuneJob::parse(ctx, op, &from_json(s)?)?;
                    let key = j.key();
                    if !v.iter().any(|(k, _)| *k == key) {
                        v.push((key, j));
                    }
                }
                v.into_iter().map(|(_, j)| j).collect()
            }
            (None, Some(_)) => {
                return Err(js_err("tune: `shapes` needs the op they are shapes of"))
            }
            (op, None) => {
                let want = op.as_deref().map(|o| if o == "rfft" { "fft" } else { o });
                shared
                    .jobs
                    .borrow()
                    .iter()
                    .filter(|(_, j)| want.is_none_or(|w| w == j.op()))
                    .map(|(_, j)| j.clone())
                    .collect()
            }
        };
        let topts = TuneOptions {
            force: opts.force,
            ..if opts.quick {
                TuneOptions::quick()
            } else {
                TuneOptions::default()
            }
        };
        let mut entries = Vec::new();
        for job in &jobs {
            let op = job.op();
            let e = match job {
                TuneJob::Gemm(d) => run::<GemmTune>(ctx, op, d, &topts, &on_progress).await?,
                TuneJob::Fft(d) => run::<FftTune>(ctx, op, d, &topts, &on_progress).await?,
                TuneJob::FftConv(d) => run::<FftConvTune>(ctx, op, d, &topts, &on_progress).await?,
                TuneJob::Attention(d) => {
                    run::<AttentionTune>(ctx, op, d, &topts, &on_progress).await?
                }
                TuneJob::Sparse(d) => run::<SparseTune>(ctx, op, d, &topts, &on_progress).await?,
            };
            ctx.check_alive().map_err(js_err)?;
            entries.push(e);
        }
        let v = serde_json::to_value(&entries).map_err(js_err)?;
        from_json(&v)
    })
}

/// See `Kernels::tune_results`: the tuner's entries in the native cache file's form.
pub fn results(shared: &Shared) -> Result<JsValue, JsValue> {
    let ctx = &shared.ctx;
    let status = ctx.tuner().status(ctx);
    let key = wgkernels::runtime::tune_cache::CacheKey::new(ctx.adapter_id());
    let mut file = wgkernels::runtime::tune_cache::CacheFile::empty(key);
    for e in status.entries {
        file.put(e);
    }
    from_json(&serde_json::to_value(&file).map_err(js_err)?)
}

/// See `Kernels::import_tuning`: `results` is a tuning cache file's JSON (`tuneResults()`).
pub fn import(shared: &Shared, results: &JsValue) -> Result<JsValue, JsValue> {
    use wgkernels::runtime::tune_cache::{key_mismatch, CacheFile, CacheKey, FORMAT};
    let ctx = &shared.ctx;
    let v: serde_json::Value = options("importTuning", results)?;
    let format = v.get("format").and_then(|f| f.as_u64());
    if format != Some(FORMAT as u64) {
        return Err(js_err(format!(
            "importTuning: stale (format {format:?}, this package reads {FORMAT})"
        )));
    }
    let file: CacheFile =
        serde_json::from_value(v).map_err(|e| js_err(format!("importTuning: corrupt ({e})")))?;
    if let Some(why) = key_mismatch(&file.key, &CacheKey::new(ctx.adapter_id())) {
        return Err(js_err(format!("importTuning: {why}")));
    }
    let tuner = ctx.tuner();
    let (mut imported, mut kept) = (0, 0);
    for e in file.entries {
        if tuner.entry(ctx, &e.op, &e.bucket).is_some() {
            kept += 1;
        } else {
            tuner.store(ctx, e);
            imported += 1;
        }
    }
    from_json(&json!({ "imported": imported, "kept": kept }))
}
