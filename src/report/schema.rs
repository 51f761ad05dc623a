//! The report's JSON Schema (`schema/bench-report.schema.json`) and a checker for the subset of
//! JSON Schema it uses. One checker for every writer: the tests check what `bench` writes with
//! it, and `compare` checks every report it loads that claims the current layout, so a report
//! written elsewhere (the web demo's "Download JSON") is held to the same contract.

/// The report's JSON Schema, `schema/bench-report.schema.json`, as text.
pub const SCHEMA_TEXT: &str = include_str!("../../schema/bench-report.schema.json");

/// The report's JSON Schema, parsed.
pub fn schema() -> serde_json::Value {
    // The file is part of the crate and a test parses it: it is valid JSON.
    serde_json::from_str(SCHEMA_TEXT).unwrap_or(serde_json::Value::Null)
}

/// Checks `v` against the JSON Schema subset the schema file uses (type, const, enum, minimum,
/// required, properties, items); returns one message per violation, with its path (`at` is
/// the path of `v`, `$` at the top). A type name outside that subset matches nothing.
pub fn validate(schema: &serde_json::Value, v: &serde_json::Value, at: &str) -> Vec<String> {
    use serde_json::Value;
    let mut errs = Vec::new();
    let type_ok = |t: &str| match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_u64() || v.is_i64(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => false,
    };
    match &schema["type"] {
        Value::String(t) if !type_ok(t) => errs.push(format!("{at}: not {t}: {v}")),
        Value::Array(ts) if !ts.iter().any(|t| t.as_str().is_some_and(type_ok)) => {
            errs.push(format!("{at}: none of {ts:?}: {v}"))
        }
        _ => {}
    }
    if let Some(c) = schema.get("const") {
        if c != v {
            errs.push(format!("{at}: {v} is not {c}"));
        }
    }
    if let Some(e) = schema["enum"].as_array() {
        if !e.contains(v) {
            errs.push(format!("{at}: {v} not in {e:?}"));
        }
    }
    if let (Some(m), Some(x)) = (schema["minimum"].as_f64(), v.as_f64()) {
        if x < m {
            errs.push(format!("{at}: {x} < {m}"));
        }
    }
    if let Some(o) = v.as_object() {
        for r in schema["required"].as_array().into_iter().flatten() {
            if !r.as_str().is_some_and(|r| o.contains_key(r)) {
                errs.push(format!("{at}: `{r}` missing"));
            }
        }
        if let Some(props) = schema["properties"].as_object() {
            for (k, sub) in props {
                if let Some(x) = o.get(k) {
                    errs.extend(validate(sub, x, &format!("{at}.{k}")));
                }
            }
        }
    }
    if let (Some(items), Some(a)) = (schema.get("items"), v.as_array()) {
        for (i, x) in a.iter().enumerate() {
            errs.extend(validate(items, x, &format!("{at}[{i}]")));
        }
    }
    errs
}
