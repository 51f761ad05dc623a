//! `Kernels.report`: timed plans as a `wgkernels bench --json` report (the crate's
//! `BenchReport`, same schema version), so `wgkernels compare` ranks a browser beside native
//! adapters. Each `plan.time()` carries its row ([`timed_row`]); the report puts rows under this
//! adapter's peaks, measured once per `Kernels` by the native bench's probe.

use crate::data::{from_json, js_err, options, Shared};
use js_sys::Promise;
use serde::Deserialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use wgkernels::report::system::wgpu_version;
use wgkernels::report::{BenchReport, BenchResult, SystemInfo, Work};
use wgkernels::runtime::Timing;

/// `row` (op, variant, dtype, shape, config and its source) completed with a timing of `work`:
/// the median, every sample, the work, the timing source, GFLOP/s, and GB/s for the ops whose
/// native rows report it (the FFTs and the convolution, which are memory-bound). The roofline
/// fields are the report's ([`BenchReport::new`]).
pub fn timed_row(mut row: BenchResult, t: &Timing, work: Work) -> BenchResult {
    let secs = t.median_ms * 1e-3;
    row.median_ms = t.median_ms;
    row.samples_ms = t.samples_ms.clone();
    row.work = Some(work);
    row.timing = format!("{:?}", t.source).to_lowercase();
    if secs > 0.0 {
        row.gflops = Some(work.flops / secs / 1e9);
        let memory_bound = [wgkernels::ops::fft::NAME, wgkernels::ops::fftconv::NAME];
        row.gbps = memory_bound
            .contains(&row.op.as_str())
            .then(|| work.bytes / secs / 1e9);
    }
    row
}

/// Options of `Kernels.report` (the wrapper fills them from the page: `navigator`, the device's
/// `adapterInfo`).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReportOptions {
    /// Stands in for the OS of a native report (the browser's user agent).
    #[serde(default)]
    os: String,
    /// Logical CPUs (`navigator.hardwareConcurrency`).
    #[serde(default)]
    cpu_threads: usize,
    /// The adapter's name where wgpu reports none (the web backend never does).
    #[serde(default)]
    adapter: String,
    /// The driver where wgpu reports none (the browser and its version).
    #[serde(default)]
    driver: String,
}

/// A row of `timings`: a `Timing` of `plan.time()` (its `row`) or a row itself.
fn row_of(v: serde_json::Value) -> Result<BenchResult, JsValue> {
    let v = match v.get("row") {
        Some(r) => r.clone(),
        None => v,
    };
    serde_json::from_value(v).map_err(|e| js_err(format!("report: not a timing or a row: {e}")))
}

/// See `Kernels::report`.
pub fn report(shared: Rc<Shared>, timings: JsValue, o: JsValue) -> Promise {
    future_to_promise(async move {
        let rows: Vec<serde_json::Value> = options("report timings", &timings)?;
        let rows = rows
            .into_iter()
            .map(row_of)
            .collect::<Result<Vec<_>, _>>()?;
        let o: ReportOptions = if o.is_undefined() || o.is_null() {
            ReportOptions::default()
        } else {
            options("report", &o)?
        };
        let ctx = &shared.ctx;
        let known = *shared.peaks.borrow();
        let peaks = match known {
            Some(p) => p,
            None => {
                let p = ctx
                    .capture_errors(wgkernels::probe::measure_peaks_async(ctx, true))
                    .await
                    .map_err(|e| js_err(format!("report: measuring the peaks failed: {e}")))?;
                *shared.peaks.borrow_mut() = Some(p);
                p
            }
        };
        let mut id = ctx.adapter_id();
        if id.name.is_empty() {
            id.name = o.adapter;
        }
        if id.driver.is_empty() {
            id.driver = o.driver;
        }
        let system = SystemInfo {
            cpu: String::new(),
            cpu_threads: o.cpu_threads,
            os: o.os,
            wgpu_version: wgpu_version(),
            load_before: None,
            load_after: None,
        };
        let report = BenchReport::new(id, peaks, rows, Vec::new(), Some(system));
        from_json(&serde_json::to_value(&report).map_err(js_err)?)
    })
}
