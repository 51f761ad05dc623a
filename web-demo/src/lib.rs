//! # wgkernels web demo
//!
//! The `wgkernels` kernels in the browser: the same WGSL, the same dispatcher and the same CPU
//! references (compiled to wasm), on the page's WebGPU adapter through wgpu's `webgpu` backend.
//! This crate is the page's engine; the page itself (`www/`) is plain HTML + JavaScript that
//! draws what [`Demo`] returns as JSON:
//!
//! - `info()`: the device's limits and capabilities as the kernels see them, and per op the
//!   configuration the dispatcher picks for typical shapes;
//! - `verify(op, tier)`: `wgkernels::ops::verify_op_async`, the checks of one op at the
//!   `standard` tier (what the page runs on load) or the `full` one (a button), each reported
//!   as it finishes;
//! - `see(op, params)` / `measure(op, params)`: figures and timings from the op's
//!   [`ops::DemoOp`] entry, the demo's one extension point;
//! - `validate(...)`: the message shown next to a page control holding a bad value;
//! - `report(browser, threads, adapter, driver)`: the rows of every Measure run as a `wgkernels bench --json`
//!   report (the page's "Download JSON"), for `wgkernels compare`.
//!
//! GPU errors never stay in the console: errors inside an operation come back in its result
//! (through `Context::capture_errors`), uncaptured ones and panics go to the page's error
//! callback.

pub mod controls;
pub mod figure;
pub mod ops;

use controls::{Control, Params};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wgkernels::harness::verify::Check;
use wgkernels::harness::verify::Tier;
use wgkernels::ops::verify_op_async;
use wgkernels::probe::Peaks;
use wgkernels::report::system::wgpu_version;
use wgkernels::report::{BenchReport, BenchResult, SystemInfo};
use wgkernels::runtime::AdapterId;
use wgkernels::Context;

thread_local! {
    /// The page's error callback (set by [`Demo::create`]).
    static ON_ERROR: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// Shows `msg` on the page (through its callback) and in the console.
fn report_error(msg: &str) {
    web_sys::console::error_1(&JsValue::from_str(msg));
    ON_ERROR.with(|f| {
        if let Some(f) = &*f.borrow() {
            let _ = f.call1(&JsValue::NULL, &JsValue::from_str(msg));
        }
    });
}

/// Installs the panic hook once, when the module loads: a panic becomes a message on the page.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        report_error(&format!("panic in the demo: {info}"))
    }));
}

/// Which page section a control belongs to.
fn section_controls(op: &dyn ops::DemoOp, section: &str) -> Vec<Control> {
    match section {
        "see" => op.see_controls(),
        "measure" => op.measure_controls(),
        _ => Vec::new(),
    }
}

/// The demo: a `wgkernels::Context` on the browser's adapter, and what its JSON report holds.
#[wasm_bindgen]
pub struct Demo {
    ctx: Context,
    /// The rows of every op's latest Measure run (the page's report).
    rows: Rc<RefCell<Vec<BenchResult>>>,
    /// The peaks measured for the report (once per page: the probe takes seconds).
    peaks: Rc<RefCell<Option<Peaks>>>,
}

#[wasm_bindgen]
impl Demo {
    /// Requests the adapter and a device with every feature and limit the adapter offers that
    /// the kernels can use (exactly what `Context::new` does natively). `on_error(message)`
    /// receives uncaptured WebGPU errors, device loss and panics.
    pub async fn create(on_error: js_sys::Function) -> Result<Demo, JsValue> {
        ON_ERROR.with(|f| *f.borrow_mut() = Some(on_error));
        let ctx = Context::new()
            .await
            .map_err(|e| JsValue::from_str(&e.to_string()))?;
        ctx.device.on_uncaptured_error(Arc::new(|e: wgpu::Error| {
            report_error(&format!("uncaptured WebGPU error: {e}"));
        }));
        Ok(Demo {
            ctx,
            rows: Rc::default(),
            peaks: Rc::default(),
        })
    }

    /// JSON: device limits and capabilities as the kernels see them, every op name that
    /// `verify` knows, and per registered op its title, picks and controls.
    pub fn info(&self) -> String {
        let ctx = &self.ctx;
        let l = ctx.limits();
        let ops: Vec<Value> = wgkernels::ops::names()
            .iter()
            .map(|name| match ops::find(name) {
                Some(op) => json!({
                    "name": name,
                    "title": op.title(),
                    "registered": true,
                    "picks": op.picks(ctx),
                    "see_controls": op.see_controls(),
                    "measure_controls": op.measure_controls(),
                }),
                None => json!({ "name": name, "title": name, "registered": false }),
            })
            .collect();
        json!({
            "adapter": ctx.adapter_id(),
            "caps": ctx.caps(),
            "limits": {
                "max_compute_workgroup_storage_size": l.max_compute_workgroup_storage_size,
                "max_compute_invocations_per_workgroup": l.max_compute_invocations_per_workgroup,
                "max_compute_workgroup_size_x": l.max_compute_workgroup_size_x,
                "max_compute_workgroup_size_y": l.max_compute_workgroup_size_y,
                "max_compute_workgroups_per_dimension": l.max_compute_workgroups_per_dimension,
                "max_storage_buffer_binding_size": l.max_storage_buffer_binding_size,
                "max_buffer_size": l.max_buffer_size,
                "max_storage_buffers_per_shader_stage": l.max_storage_buffers_per_shader_stage,
            },
            "ops": ops,
            "version": env!("CARGO_PKG_VERSION"),
        })
        .to_string()
    }

    /// The message for a bad value of control `id` in `section` (`see` or `measure`) of `op`,
    /// or `None` when the value is fine.
    pub fn validate(&self, op: &str, section: &str, id: &str, value: &str) -> Option<String> {
        let op = ops::find(op)?;
        let controls = section_controls(op.as_ref(), section);
        match controls.iter().find(|c| c.id == id) {
            Some(c) => c.validate(value).err(),
            None => Some(format!("unknown control `{id}`")),
        }
    }

    /// Verifies `op` against its CPU reference at `tier` (`standard` or `full`: the shapes and
    /// variants `wgkernels verify [--full]` runs natively). `on_check(json)` is called after
    /// each check; the promise resolves to JSON `{op, tier, checks, error}`.
    pub fn verify(&self, op: String, tier: String, on_check: js_sys::Function) -> js_sys::Promise {
        let ctx = self.ctx.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let tier = match tier.as_str() {
                "standard" => Tier::Standard,
                "full" => Tier::Full,
                other => {
                    let e = format!("unknown tier `{other}` (standard or full)");
                    return Ok(JsValue::from_str(
                        &json!({ "op": op, "checks": [], "error": e }).to_string(),
                    ));
                }
            };
            let mut progress = |c: &Check| {
                let text = serde_json::to_string(c).unwrap_or_default();
                let _ = on_check.call1(&JsValue::NULL, &JsValue::from_str(&text));
            };
            let r = verify_op_async(&ctx, &op, tier, &mut progress).await;
            let tier = tier.name();
            let out = match r {
                Ok(checks) => json!({ "op": op, "tier": tier, "checks": checks, "error": null }),
                Err(e) => json!({ "op": op, "tier": tier, "checks": [], "error": e.to_string() }),
            };
            Ok(JsValue::from_str(&out.to_string()))
        })
    }

    /// Runs the See section of `op` with the page's control values (`params`: JSON object of
    /// strings). Resolves to JSON `{ok, figures}` or `{ok: false, error, control}`.
    pub fn see(&self, op: String, params: String) -> js_sys::Promise {
        let ctx = self.ctx.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let out = match prepare(&op, "see", &params) {
                Err(e) => e,
                Ok((demo_op, p)) => match demo_op.see(&ctx, &p).await {
                    Ok(figures) => json!({ "ok": true, "figures": figures }),
                    Err(e) => json!({ "ok": false, "error": e, "control": null }),
                },
            };
            Ok(JsValue::from_str(&out.to_string()))
        })
    }

    /// Runs the Measure section of `op`. Resolves to JSON `{ok, bars}` or `{ok: false, error,
    /// control}`. The rows of the bars replace the op's earlier rows in the page's report.
    pub fn measure(&self, op: String, params: String) -> js_sys::Promise {
        let ctx = self.ctx.clone();
        let rows = self.rows.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let out = match prepare(&op, "measure", &params) {
                Err(e) => e,
                Ok((demo_op, p)) => match demo_op.measure(&ctx, &p).await {
                    Ok(bars) => {
                        let mut rows = rows.borrow_mut();
                        rows.retain(|r| r.op != op);
                        rows.extend(bars.iter().filter_map(|b| b.row.clone()));
                        json!({ "ok": true, "bars": bars })
                    }
                    Err(e) => json!({ "ok": false, "error": e, "control": null }),
                },
            };
            Ok(JsValue::from_str(&out.to_string()))
        })
    }
}

#[wasm_bindgen]
impl Demo {
    /// The page's bench report: the rows of every op's latest Measure run under this adapter's
    /// peaks (measured on the first call by the same probe as `wgkernels bench`), as the JSON of
    /// `wgkernels bench --json` (same schema version), so `wgkernels compare` ranks a browser
    /// beside native adapters. `browser` (the user agent) and `threads` (the page's
    /// `navigator.hardwareConcurrency`) stand in for the OS and CPU threads a native report
    /// reads from the machine. wgpu's WebGPU backend reports no adapter name or driver (the
    /// browser hands it none), so where they are empty `adapter` (the page's `GPUAdapterInfo`:
    /// vendor, architecture, device, description) and `driver` (the browser and its version)
    /// stand in. Resolves to JSON `{ok, report}` (the report as text) or `{ok: false, error}`.
    pub fn report(
        &self,
        browser: String,
        threads: u32,
        adapter: String,
        driver: String,
    ) -> js_sys::Promise {
        let ctx = self.ctx.clone();
        let rows = self.rows.clone();
        let peaks = self.peaks.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let mut id = ctx.adapter_id();
            if id.name.is_empty() {
                id.name = adapter;
            }
            if id.driver.is_empty() {
                id.driver = driver;
            }
            let system = SystemInfo {
                cpu: String::new(),
                cpu_threads: threads as usize,
                os: browser,
                wgpu_version: wgpu_version(),
                load_before: None,
                load_after: None,
            };
            let out = match build_report(&ctx, id, &rows, &peaks, system).await {
                Ok(text) => json!({ "ok": true, "report": text }),
                Err(e) => json!({ "ok": false, "error": e }),
            };
            Ok(JsValue::from_str(&out.to_string()))
        })
    }
}

/// The report of `rows` (see [`Demo::report`]); measures the peaks once and keeps them.
async fn build_report(
    ctx: &Context,
    adapter: AdapterId,
    rows: &RefCell<Vec<BenchResult>>,
    peaks: &RefCell<Option<Peaks>>,
    system: SystemInfo,
) -> Result<String, String> {
    let known = *peaks.borrow();
    let p = match known {
        Some(p) => p,
        None => {
            let p = ctx
                .capture_errors(wgkernels::probe::measure_peaks_async(ctx, true))
                .await
                .map_err(|e| format!("measuring the peaks failed: {e}"))?;
            *peaks.borrow_mut() = Some(p);
            p
        }
    };
    let report = BenchReport::new(adapter, p, rows.borrow().clone(), Vec::new(), Some(system));
    serde_json::to_string_pretty(&report).map_err(|e| e.to_string())
}

/// Finds `op` and validates the section's raw control values; the error is the JSON result.
fn prepare(op: &str, section: &str, params: &str) -> Result<(Box<dyn ops::DemoOp>, Params), Value> {
    let demo_op = ops::find(op).ok_or_else(
        || json!({ "ok": false, "error": format!("`{op}` has no page entry (web-demo/src/ops)"), "control": null }),
    )?;
    let raw: BTreeMap<String, String> = serde_json::from_str(params).map_err(
        |e| json!({ "ok": false, "error": format!("bad parameters: {e}"), "control": null }),
    )?;
    let controls = section_controls(demo_op.as_ref(), section);
    let p = Params::parse(&controls, &raw)
        .map_err(|(id, msg)| json!({ "ok": false, "error": msg, "control": id }))?;
    demo_op
        .cross_check(section, &p)
        .map_err(|(id, msg)| json!({ "ok": false, "error": msg, "control": id }))?;
    Ok((demo_op, p))
}
