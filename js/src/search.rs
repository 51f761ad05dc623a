//! `Kernels.searchPatterns`: the library's attention pattern search (Sparse-vDiT's step,
//! `wgkernels::search_patterns`) on sample Q, K, V, returning per query head the CLI's pattern
//! spec string, which `Kernels.attention({pattern: [...]})` takes back as per-head plans.

use crate::data::{expect, from_json, js_err, options, Host, JsElement, Shared};
use crate::plans::AttentionOptions;
use half::f16;
use js_sys::Promise;
use serde::Deserialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use wgkernels::{AttentionDesc, DType, Pattern, SearchOptions};

/// The search's own options (the rest of the object is the attention call's).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SearchPart {
    /// Weight of the work density in each head's score (λ, default 0.02).
    #[serde(default)]
    lambda: Option<f64>,
    /// Largest relative MSE against full attention a head accepts (ε, default 0.05).
    #[serde(default)]
    epsilon: Option<f64>,
    /// Candidate pattern specs; default: the library's (windows, stripes, frame bands, skip).
    #[serde(default)]
    candidates: Option<Vec<String>>,
    /// Frame length of a video layout (adds multi-diagonal frame candidates).
    #[serde(default)]
    frame_len: Option<u32>,
}

/// The keys of [`SearchPart`] as JS spells them.
const SEARCH_KEYS: [&str; 4] = ["lambda", "epsilon", "candidates", "frameLen"];

/// Splits `o` into the attention call and the search's options.
fn split(o: &JsValue) -> Result<(AttentionOptions, SearchPart), JsValue> {
    let v: serde_json::Value = options("searchPatterns", o)?;
    let serde_json::Value::Object(mut call) = v else {
        return Err(js_err("searchPatterns: options are not a plain object"));
    };
    if call.contains_key("pattern") || call.contains_key("lse") {
        return Err(js_err(
            "searchPatterns: `pattern` and `lse` are not options of the search (it chooses the \
             patterns, on plain attention)",
        ));
    }
    let mut part = serde_json::Map::new();
    for key in SEARCH_KEYS {
        if let Some(x) = call.remove(key) {
            part.insert(key.to_string(), x);
        }
    }
    let what = |e: serde_json::Error| js_err(format!("searchPatterns: {e}"));
    let call: AttentionOptions =
        serde_json::from_value(serde_json::Value::Object(call)).map_err(what)?;
    let part: SearchPart = serde_json::from_value(serde_json::Value::Object(part)).map_err(what)?;
    Ok((call, part))
}

async fn search_as<T: JsElement>(
    ctx: &wgkernels::Context,
    desc: &AttentionDesc,
    (q, k, v): (Host, Host, Host),
    opts: &SearchOptions,
) -> Result<wgkernels::SearchPlan, JsValue> {
    let q = expect::<T>("Q", q)?;
    let k = expect::<T>("K", k)?;
    let v = expect::<T>("V", v)?;
    ctx.capture_errors(wgkernels::search_patterns(ctx, desc, &q, &k, &v, opts))
        .await
        .map_err(js_err)
}

/// See `Kernels::search_patterns`.
pub fn search(shared: Rc<Shared>, q: JsValue, k: JsValue, v: JsValue, o: JsValue) -> Promise {
    future_to_promise(async move {
        let (call, part) = split(&o)?;
        let desc = call.desc()?;
        if call.config.is_some() {
            return Err(js_err(
                "searchPatterns: `config` is not an option of the search (the dispatcher picks)",
            ));
        }
        if !call.mods()?.is_none() {
            return Err(js_err(
                "searchPatterns: score modifiers are not options of the search (it compares \
                 patterns on plain attention)",
            ));
        }
        let mut opts = SearchOptions {
            frame_len: part.frame_len,
            blocks: call.blocks,
            ..SearchOptions::default()
        };
        if let Some(l) = part.lambda {
            opts.lambda = l;
        }
        if let Some(e) = part.epsilon {
            opts.epsilon = e;
        }
        if let Some(c) = &part.candidates {
            opts.candidates = c
                .iter()
                .map(|s| Pattern::parse(s))
                .collect::<wgkernels::Result<_>>()
                .map_err(js_err)?;
        }
        let data = (
            shared.host_arg("Q", &q)?,
            shared.host_arg("K", &k)?,
            shared.host_arg("V", &v)?,
        );
        let ctx = &shared.ctx;
        let plan = match desc.dtype {
            DType::F32 => search_as::<f32>(ctx, &desc, data, &opts).await?,
            DType::F16 => search_as::<f16>(ctx, &desc, data, &opts).await?,
        };
        // Per head the spec string `attention({pattern})` parses back to the same mask.
        let patterns = plan
            .patterns()
            .map_err(js_err)?
            .iter()
            .map(|p| {
                p.spec().ok_or_else(|| {
                    js_err(format!(
                        "searchPatterns: the chosen pattern `{}` has no spec string",
                        p.describe()
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = serde_json::to_value(&plan).map_err(js_err)?;
        out["patterns"] = patterns.into();
        from_json(&out)
    })
}
