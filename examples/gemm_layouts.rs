//! Times one GEMM shape in several layouts (NN, NT, TN, TT) with the dispatcher's picks, in
//! alternating rounds (one timed run of each layout per round), and prints each layout's ratio
//! to NN: the check that a transposed operand costs nothing on the default path.
//!
//! ```text
//! cargo run --release --example gemm_layouts -- M N K [f32|f16] [LAYOUTS] [ROUNDS]
//! cargo run --release --example gemm_layouts -- 1024 1024 1024 f32 nn,nt,tn,tt 5
//! cargo run --release --example gemm_layouts -- 512 4096 4096 f32 nn,nt 3
//! cargo run --release --example gemm_layouts -- 512 4096 4096 f32 nt,nt+bias+gelu 3
//! ```
//! A layout may carry the linear layer's epilogue: `+bias`, `+relu`, `+gelu`, `+silu` (fused into
//! the product's store; with `+separate` as a pass of its own after the plain product), and
//! `@subgroup` or `@tiled` to force that variant's default blocking instead of the pick, or
//! `@tiled:BMxBNxBK:TMxTN` a tiled blocking (e.g. `nn@tiled:128x128x8:8x8`), or `@gemv:WGxROWS`
//! a GEMV blocking (one-column shapes, e.g. `tn@gemv:32x8` for `Aᵀ·x`).

use wgkernels::harness::verify::random_data;
use wgkernels::ops::gemm::config::gemm_candidates;
use wgkernels::{
    Activation, Context, DType, EpiloguePlan, GemmConfig, GemmDesc, GemmPlan, GemmVariant,
};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// What a layout argument forces: the dispatcher's pick, a variant's default, or a configuration.
enum Forced {
    Pick,
    Variant(GemmVariant),
    Config(GemmConfig),
}

/// `tiled:BMxBNxBK:TMxTN` or `gemv:WGxROWS` as a configuration.
fn forced_config(spec: &str) -> AnyResult<GemmConfig> {
    let (kind, sizes) = spec.split_once(':').ok_or("no sizes")?;
    let nums: Vec<u32> = sizes
        .split([':', 'x'])
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    match (kind, &nums[..]) {
        ("tiled", &[bm, bn, bk, tm, tn]) => Ok(GemmConfig::tiled(bm, bn, bk, tm, tn)),
        ("gemv", &[wg, rows]) => Ok(GemmConfig::gemv(wg, rows)),
        _ => Err(format!("{spec}: tiled:BMxBNxBK:TMxTN or gemv:WGxROWS").into()),
    }
}

/// Each layout's configuration label and timed samples (ms).
fn run<T: wgkernels::Element>(
    ctx: &Context,
    descs: &[(GemmDesc, Forced, bool)],
    rounds: usize,
) -> AnyResult<Vec<(String, Vec<f64>)>> {
    let mut cases = Vec::new();
    for (d, variant, separate) in descs {
        let config = match variant {
            Forced::Config(c) => Some(*c),
            Forced::Variant(v) => Some(
                gemm_candidates(ctx.caps(), &ctx.limits(), d)
                    .into_iter()
                    .find(|c| c.variant() == *v)
                    .ok_or_else(|| format!("no {} configuration for {d:?}", v.name()))?,
            ),
            Forced::Pick => None,
        };
        let product = if *separate {
            d.with_bias(false)
                .activation(Activation::None)
                .scale(1.0, 0.0)
        } else {
            *d
        };
        let plan = GemmPlan::new(ctx, product, config)?;
        let (a, _) = random_data::<T>(d.a_len() as usize, 1);
        let (b, _) = random_data::<T>(d.b_len() as usize, 2);
        let ab = ctx.upload("A", &a)?;
        let bb = ctx.upload("B", &b)?;
        let cb = ctx.storage("C", d.c_len() * d.dtype.size())?;
        let (bias, _) = random_data::<T>(d.n as usize, 3);
        let biasb = if d.bias {
            Some(ctx.upload("bias", &bias)?)
        } else {
            None
        };
        let mut bound = vec![];
        if *separate {
            bound.push(plan.bind(&ab, &bb, &cb)?);
            bound.push(EpiloguePlan::new(ctx, d)?.bind(biasb.as_ref(), &cb)?);
        } else {
            bound.push(plan.bind_with_bias(&ab, &bb, biasb.as_ref(), &cb)?);
        }
        // One untimed run: compiles nothing more, warms caches.
        ctx.submit(|pass| bound.iter().for_each(|b| b.record(pass)))?;
        ctx.wait()?;
        cases.push((plan.config().label(), bound, vec![]));
    }
    for _ in 0..rounds {
        for (_, bound, samples) in cases.iter_mut() {
            let t = wgkernels::runtime::time_gpu(ctx, 0, 1, &|pass| {
                bound.iter().for_each(|b| b.record(pass))
            })?;
            samples.extend(t.samples_ms);
        }
    }
    Ok(cases.into_iter().map(|(l, _, s)| (l, s)).collect())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: gemm_layouts M N K [f32|f16] [nn,nt,tn,tt] [ROUNDS]";
    let dim = |i: usize| -> Result<u32, Box<dyn std::error::Error>> {
        Ok(args.get(i).ok_or(usage)?.parse()?)
    };
    let (m, n, k) = (dim(0)?, dim(1)?, dim(2)?);
    let dtype = match args.get(3).map(String::as_str) {
        None | Some("f32") => DType::F32,
        Some("f16") => DType::F16,
        Some(d) => return Err(format!("dtype {d}: f32 or f16").into()),
    };
    let layouts: Vec<String> = args
        .get(4)
        .map_or("nn,nt,tn,tt", String::as_str)
        .split(',')
        .map(str::to_string)
        .collect();
    let rounds: usize = args.get(5).map_or(Ok(5), |r| r.parse())?;
    let mut descs = Vec::new();
    for l in &layouts {
        let (l, variant) = match l.split_once('@') {
            Some((l, "subgroup")) => (l, Forced::Variant(GemmVariant::Subgroup)),
            Some((l, "tiled")) => (l, Forced::Variant(GemmVariant::Tiled)),
            Some((l, v)) if v.contains(':') => (l, Forced::Config(forced_config(v)?)),
            Some((_, v)) => return Err(format!("variant {v}: subgroup or tiled").into()),
            None => (l.as_str(), Forced::Pick),
        };
        let mut parts = l.split('+');
        let (ta, tb) = match parts.next().unwrap_or("") {
            "nn" => (false, false),
            "nt" => (false, true),
            "tn" => (true, false),
            "tt" => (true, true),
            _ => return Err(format!("layout {l}: nn, nt, tn or tt").into()),
        };
        let mut d = GemmDesc::new(m, n, k).trans(ta, tb).dtype(dtype);
        let mut separate = false;
        for e in parts {
            d = match e {
                "separate" => {
                    separate = true;
                    d
                }
                "bias" => d.with_bias(true),
                "relu" => d.activation(Activation::Relu),
                "gelu" => d.activation(Activation::Gelu),
                "silu" => d.activation(Activation::Silu),
                _ => return Err(format!("epilogue {e}: bias, relu, gelu, silu or separate").into()),
            };
        }
        descs.push((d, variant, separate));
    }
    let ctx = Context::new_blocking()?;
    let results = match dtype {
        DType::F32 => run::<f32>(&ctx, &descs, rounds)?,
        DType::F16 => run::<half::f16>(&ctx, &descs, rounds)?,
    };
    let med = |s: &[f64]| {
        let mut v = s.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let base = med(&results[0].1);
    println!(
        "{m}x{n}x{k} {dtype}, {rounds} alternating rounds, adapter {}",
        ctx.adapter_id().name
    );
    for (l, (label, s)) in layouts.iter().zip(&results) {
        let t = med(s);
        let gflops = descs[0].0.flops() / (t * 1e-3) / 1e9;
        println!(
            "{l}: {t:8.2} ms  {gflops:6.1} GFLOP/s  x{:.2} of {} speed  ({label})  samples {:?}",
            base / t,
            layouts[0],
            s.iter()
                .map(|x| (x * 10.0).round() / 10.0)
                .collect::<Vec<_>>()
        );
    }
    Ok(())
}
