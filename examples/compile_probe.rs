//! Builds one pipeline and prints how long it took: for measuring what a shader edit does to a
//! driver's compile time without running a whole verify. Point the driver's own cache at an
//! empty directory to see the cold time (lavapipe: `MESA_SHADER_CACHE_DIR=$(mktemp -d)`).
//!
//! ```text
//! cargo run --release --example compile_probe -- SHADER[/ENTRY] [f32|f16] [NAME=VALUE,...]
//! cargo run --release --example compile_probe -- GemmSubgroup f32 TRANS_A=0,TRANS_B=0,SG=8,RQ=16,NT=2
//! ```
//! The labels `WGKERNELS_LOG_PIPELINES=1` prints have this form, so a slow pipeline from a log
//! can be rebuilt on its own.

use wgkernels::runtime::pipelines::Spec;
use wgkernels::{Context, DType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: compile_probe SHADER[/ENTRY] [f32|f16] [NAME=VALUE,...]";
    let (name, entry) = match args.first().ok_or(usage)?.split_once('/') {
        Some((n, e)) => (n.to_string(), e.to_string()),
        None => (args[0].clone(), "main".to_string()),
    };
    let all = wgkernels::ops::all_shaders();
    let shader = *all
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| format!("unknown shader {name}; known: {all:?}"))?;
    let dtype = match args.get(1).map(String::as_str) {
        None | Some("f32") => DType::F32,
        Some("f16") => DType::F16,
        Some(d) => return Err(format!("dtype {d}: f32 or f16").into()),
    };
    let mut constants: Vec<(&'static str, f64)> = Vec::new();
    for kv in args.get(2).map_or("", String::as_str).split(',') {
        if kv.is_empty() {
            continue;
        }
        let (k, v) = kv.split_once('=').ok_or(usage)?;
        constants.push((Box::leak(k.to_string().into_boxed_str()), v.parse()?));
    }
    let entry: &'static str = Box::leak(entry.into_boxed_str());
    let ctx = Context::new_blocking()?;
    ctx.pipeline(shader, Spec::new(dtype), entry, &constants)?;
    println!("{}", ctx.compile_summary_since(0).line());
    Ok(())
}
