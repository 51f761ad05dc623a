//! `Kernels.explain(op, options)`: what the dispatcher picks for a plan's options on this
//! adapter, without building the plan (so without compiling a pipeline): the variant and
//! configuration, where the configuration comes from (the untuned default or a tuned entry),
//! and for every variant of the op whether this adapter can run it for these options, and if
//! not, why (a missing feature, the device's limits, the shape). The candidate lists are the
//! crate's (`*_candidates`, the ones the tuner measures), so "available" means the dispatcher
//! or the tuner can pick it here.

use crate::data::{from_json, js_err, options, Shared};
use crate::plans::{AttentionOptions, FftConvOptions, FftOptions, GemmOptions, SparseOptions};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wgkernels::ops::attention::config::attention_candidates;
use wgkernels::ops::attention::tune::attention_pick_with_source;
use wgkernels::ops::fft::config::fft_candidates;
use wgkernels::ops::fft::tune::fft_pick_with_source;
use wgkernels::ops::fftconv::tune::fftconv_pick_with_source;
use wgkernels::ops::gemm::config::gemm_candidates;
use wgkernels::ops::gemm::tune::gemm_pick_with_source;
use wgkernels::ops::sparse_gemm::config::sparse_gemm_candidates;
use wgkernels::ops::sparse_gemm::tune::sparse_gemm_pick_with_source;
use wgkernels::ops::sparse_gemm::verify::sparse_variant_name;
use wgkernels::{Capabilities, Context, DType, FftConvPath};

/// What a variant of `kind` needs that the device may lack, in words (`None` when it needs
/// nothing special): the subgroup kernels need a fixed subgroup size, the cooperative-matrix
/// ones an f16→f32 cooperative-matrix configuration.
fn missing_feature(kind: &str, caps: &Capabilities) -> Option<String> {
    let subgroups = matches!(kind, "subgroup" | "cols" | "gemv-sg");
    let coop = matches!(kind, "coop" | "monarch_coop");
    if subgroups && !caps.subgroups {
        return Some(
            "the device has no subgroups (wgpu's WebGPU backend does not request the browser's \
             `subgroups` feature yet)"
                .into(),
        );
    }
    if subgroups && caps.subgroup_min != caps.subgroup_max {
        return Some(format!(
            "the subgroup size varies ({}–{}); the kernel needs a fixed one",
            caps.subgroup_min, caps.subgroup_max
        ));
    }
    if coop && caps.coop_f16_f32_tile().is_none() {
        return Some(
            "the adapter lists no f16→f32 cooperative-matrix configuration (WebGPU has none)"
                .into(),
        );
    }
    None
}

/// A candidate configuration as `explain` lists it: its variant name, its label and its serde
/// form (what a plan's `config` option takes to force it).
struct Listed {
    variant: String,
    label: String,
    config: Value,
}

/// The candidates `cands` as [`Listed`] entries, each named by `name`.
fn listed<C: serde::Serialize>(
    cands: &[C],
    name: impl Fn(&C) -> String,
    label: impl Fn(&C) -> String,
) -> Vec<Listed> {
    cands
        .iter()
        .map(|c| Listed {
            variant: name(c),
            label: label(c),
            config: serde_json::to_value(c).unwrap_or(Value::Null),
        })
        .collect()
}

/// One entry of `variants`: its candidates among `cands` (labels and serde forms); a variant
/// with none gets the feature it lacks, else `shape` (why the shape rules it out) or the limits.
fn variant(name: &str, cands: &[Listed], caps: &Capabilities, shape: Option<&str>) -> Value {
    let configs: Vec<Value> = cands
        .iter()
        .filter(|c| c.variant == name)
        .map(|c| json!({ "label": c.label, "config": c.config }))
        .collect();
    let n = configs.len();
    let reason = (n == 0).then(|| {
        missing_feature(name, caps)
            .or_else(|| shape.map(str::to_string))
            .unwrap_or_else(|| {
                "no configuration of it fits these options within the device's limits".into()
            })
    });
    json!({
        "variant": name, "available": n > 0, "candidates": n, "reason": reason,
        "configs": configs,
    })
}

/// The f16 storage check every op makes first: the error when the device lacks `shader-f16`.
fn f16_error(ctx: &Context, dtype: DType) -> Option<String> {
    (dtype == DType::F16)
        .then(|| ctx.require_f16().err().map(|e| e.to_string()))
        .flatten()
}

/// See `Kernels::explain`.
pub fn explain(shared: &Shared, op: &str, o: &JsValue) -> Result<JsValue, JsValue> {
    let ctx = &shared.ctx;
    let caps = ctx.caps();
    let limits = ctx.limits();
    let what = format!("explain {op}");
    let v = match op {
        "gemm" => {
            let d = options::<GemmOptions>(&what, o)?.desc()?;
            let p = gemm_pick_with_source(ctx, &d);
            let cands = gemm_candidates(caps, &limits, &d);
            let names = listed(&cands, |c| c.variant().name().into(), |c| c.label());
            let gemv = "only for one output row or column (M = 1 or N = 1)";
            json!({
                "variant": p.config.variant().name(), "config": p.config.label(),
                "source": p.source.name(), "error": f16_error(ctx, d.dtype),
                "candidates": cands.len(),
                "variants": [
                    variant("tiled", &names, caps, None),
                    variant("subgroup", &names, caps, None),
                    variant("coop", &names, caps, None),
                    variant("gemv", &names, caps, (!d.gemv_shape()).then_some(gemv)),
                ],
            })
        }
        "fft" | "rfft" => {
            let fo = options::<FftOptions>(&what, o)?;
            let d = if op == "fft" {
                fo.fft_desc()?
            } else {
                fo.rfft_desc()?.inner()
            };
            let p = fft_pick_with_source(ctx, &d);
            let cands = fft_candidates(caps, &limits, &d);
            let name = |c: &wgkernels::FftConfig| match (c.variant(), c.coop_tile().is_some()) {
                (wgkernels::FftVariant::Monarch, true) => "monarch_coop".to_string(),
                (v, _) => v.name().into(),
            };
            let names = listed(&cands, name, |c| c.label());
            let variant_name =
                wgkernels::ops::fft::length_route(ctx, d.n).unwrap_or(p.config.variant().name());
            json!({
                "variant": variant_name, "config": p.config.label(),
                "source": p.source.name(), "error": f16_error(ctx, d.dtype),
                "candidates": cands.len(),
                "variants": [
                    variant("stockham", &names, caps, None),
                    variant("monarch", &names, caps, None),
                    variant("monarch_coop", &names, caps,
                        (d.dtype != DType::F16).then_some("f16 storage only (it rounds every stage to f16)")),
                ],
            })
        }
        "fftconv" => {
            let d = options::<FftConvOptions>(&what, o)?.desc()?;
            let p = fftconv_pick_with_source(ctx, &d);
            let geometry = d.validate().and_then(|_| d.geometry(&p.config));
            let paths: Vec<Value> = [
                FftConvPath::Fused,
                FftConvPath::MultiPass,
                FftConvPath::Unfused,
            ]
            .into_iter()
            .map(|path| {
                let forced = d.path(Some(path));
                let r = forced.validate().and_then(|_| forced.geometry(&p.config));
                json!({
                    "variant": path.name(), "available": r.is_ok(),
                    "candidates": usize::from(r.is_ok()),
                    "reason": r.err().map(|e| e.to_string()),
                })
            })
            .collect();
            let (variant_name, config, error) = match &geometry {
                Ok(g) => {
                    let mut v = g.path.name().to_string();
                    if d.freq_keep.is_some() {
                        v.push_str(" sparse");
                    }
                    let c = format!("{} n{} seg{}", g.path.name(), g.n_fft, g.segments);
                    (v, c, f16_error(ctx, d.dtype))
                }
                Err(e) => (String::new(), String::new(), Some(e.to_string())),
            };
            json!({
                "variant": variant_name, "config": config, "fft": p.config.label(),
                "source": p.source.name(), "error": error,
                "candidates": 1, "variants": paths,
            })
        }
        "attention" => {
            let ao = options::<AttentionOptions>(&what, o)?;
            let d = ao.desc()?;
            let (bq, bk) = ao.block_sizes(ctx, &d);
            let p = attention_pick_with_source(ctx, &d, bq);
            let cands = attention_candidates(caps, &limits, &d, bq);
            let names = listed(&cands, |c| c.variant().name().into(), |c| c.label());
            json!({
                "variant": p.config.variant().name(), "config": p.config.label(),
                "source": p.source.name(), "error": f16_error(ctx, d.dtype),
                "blocks": [bq, bk],
                "candidates": cands.len(),
                "variants": [
                    variant("tiled", &names, caps, None),
                    variant("subgroup", &names, caps, None),
                    variant("coop", &names, caps, None),
                ],
            })
        }
        "sparseGemm" => {
            let d = options::<SparseOptions>(&what, o)?.desc()?;
            let p = sparse_gemm_pick_with_source(ctx, &d);
            let cands = sparse_gemm_candidates(caps, &limits, &d);
            let names = listed(&cands, sparse_variant_name, |c| c.label());
            let gemv = "only for few output columns (1 to 16 tokens)";
            let few = (!d.gemv_shape()).then_some(gemv);
            json!({
                "variant": sparse_variant_name(&p.config), "config": p.config.label(),
                "source": p.source.name(), "error": f16_error(ctx, d.dtype),
                "candidates": cands.len(),
                "variants": [
                    variant("plain", &names, caps, None),
                    variant("subgroup", &names, caps, None),
                    variant("cols", &names, caps, None),
                    variant("coop", &names, caps, None),
                    variant("gemv-plain", &names, caps, few),
                    variant("gemv-sg", &names, caps, few),
                ],
            })
        }
        other => {
            return Err(js_err(format!(
                "explain: unknown op `{other}` (gemm, fft, rfft, fftconv, attention, sparseGemm)"
            )))
        }
    };
    let mut v = v;
    v["op"] = op.into();
    from_json(&v)
}
