//! `wgkernels`: adapter info, verification against CPU references, the vendor benchmark
//! report, and running ops on `.npy` files. With no arguments: info, verify, quick bench, report.
//!
//! Exit codes: 0 success; 1 a verification failed; 2 bad usage or input (unknown op, unreadable
//! file, shape mismatch); 3 no usable GPU adapter or a GPU error.

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wgkernels::report::{shape_text, BenchReport};
use wgkernels::verify::Check;
use wgkernels::{
    search_patterns, AttentionDesc, AttentionPlan, Context, Error, GemmDesc, GemmPlan, MaskBuilder, Pattern, SearchOptions,
};

#[derive(Parser)]
#[command(name = "wgkernels", version, about = "Cross-vendor GPU kernels on wgpu: info, verify, bench, run.\n\nSelect the adapter with WGPU_BACKEND=vulkan|gl|metal|dx12 and WGPU_ADAPTER_NAME=<substring>.")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Adapter, backend, driver, features (f16, subgroups, cooperative matrices, timestamps), limits.
    Info {
        /// Write the info as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Every op and variant the adapter supports against its CPU reference (exit 1 on failure).
    Verify {
        /// Ops to verify (default: all). Known: gemm, attention.
        ops: Vec<String>,
        /// Write the checks as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// The vendor report: measured peaks, then each op × shape.
    Bench(BenchArgs),
    /// Run one op on .npy files (f32 or f16, C order).
    Run {
        #[command(subcommand)]
        op: RunOp,
    },
}

#[derive(Args, Clone)]
struct BenchArgs {
    /// Ops to bench (default: all). Known: gemm, attention.
    ops: Vec<String>,
    /// Fewer shapes and repetitions (under a minute on lavapipe).
    #[arg(long)]
    quick: bool,
    /// Write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the report as Markdown to this file.
    #[arg(long)]
    md: Option<PathBuf>,
}

#[derive(Subcommand)]
enum RunOp {
    /// C = alpha·op(A)·op(B) + beta·C. A: [batch,] M×K (K×M with --trans-a); B: [batch,] K×N
    /// (N×K with --trans-b); optional C: [batch,] M×N (needed when beta ≠ 0).
    Gemm {
        /// Input files in order: A, B, and optionally C.
        #[arg(long = "in", required = true, num_args = 1)]
        inputs: Vec<PathBuf>,
        /// Output file for C (same dtype as the inputs).
        #[arg(long)]
        out: PathBuf,
        /// A is stored transposed (K×M).
        #[arg(long)]
        trans_a: bool,
        /// B is stored transposed (N×K).
        #[arg(long)]
        trans_b: bool,
        /// Scale of the product.
        #[arg(long, default_value_t = 1.0)]
        alpha: f32,
        /// Scale of the input C.
        #[arg(long, default_value_t = 0.0)]
        beta: f32,
    },
    /// Block-sparse flash attention. Q: [B,] Hq×Nq×D; K, V: [B,] Hkv×Nkv×D (f32 or f16);
    /// writes O shaped like Q.
    Attention(AttnRunArgs),
    /// Sparse-vDiT pattern search on sample Q, K, V of one layer: per head the cheapest pattern
    /// within the error threshold, and the predicted speedup.
    AttentionSearch(AttnSearchArgs),
}

#[derive(Args)]
struct AttnRunArgs {
    /// Input files in order: Q, K, V.
    #[arg(long = "in", required = true, num_args = 1)]
    inputs: Vec<PathBuf>,
    /// Output file for O.
    #[arg(long)]
    out: PathBuf,
    /// Also write the per-row log-sum-exp (f32, [B,] Hq×Nq) to this file.
    #[arg(long)]
    lse: Option<PathBuf>,
    /// Pattern for every head, e.g. `causal`, `window:128`, `frames:1024:2:32`,
    /// `window:64+every:256&causal` (`+` union, `&` intersection). Default: dense.
    #[arg(long)]
    pattern: Option<String>,
    /// Per-head patterns from `run attention-search --json` (overrides --pattern).
    #[arg(long)]
    plan: Option<PathBuf>,
    /// Query block size of the mask (16..128, power of two); default: the dispatcher's.
    #[arg(long)]
    block_q: Option<u32>,
    /// KV block size of the mask (16..128, power of two); default: the dispatcher's.
    #[arg(long)]
    block_kv: Option<u32>,
    /// Softmax scale (default 1/sqrt(D)).
    #[arg(long)]
    scale: Option<f32>,
}

#[derive(Args)]
struct AttnSearchArgs {
    /// Sample inputs in order: Q, K, V.
    #[arg(long = "in", required = true, num_args = 1)]
    inputs: Vec<PathBuf>,
    /// Weight of the work density in the score (lambda).
    #[arg(long, default_value_t = 0.02)]
    lambda: f64,
    /// Largest relative MSE against full attention a pattern may have (epsilon).
    #[arg(long, default_value_t = 0.05)]
    epsilon: f64,
    /// Frame length of a video token layout (adds multi-diagonal candidates).
    #[arg(long)]
    frame_len: Option<u32>,
    /// Candidate patterns separated by `;` (default: full, skip, windows, frames, stripes).
    #[arg(long)]
    candidates: Option<String>,
    /// Query block size of the masks.
    #[arg(long)]
    block_q: Option<u32>,
    /// KV block size of the masks.
    #[arg(long)]
    block_kv: Option<u32>,
    /// Write the plan as JSON (readable by `run attention --plan`).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Also time dense attention against the plan on the sample (measured speedup).
    #[arg(long)]
    measure: bool,
}

use wgkernels::verify::OPS;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(match e {
                Error::NoAdapter(_) | Error::RequestDevice(_) | Error::Gpu(_) | Error::DeviceLost(_) => 3,
                _ => 2,
            })
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        None => {
            let ctx = Context::new_blocking()?;
            print_info(&ctx, None)?;
            let ok = verify(&ctx, &[], None)?;
            std::fs::create_dir_all("report").map_err(|source| Error::Io { path: "report".into(), source })?;
            let args = BenchArgs {
                ops: vec![],
                quick: true,
                json: Some("report/report.json".into()),
                md: Some("report/report.md".into()),
            };
            bench(&ctx, &args)?;
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Some(Command::Info { json }) => {
            let ctx = Context::new_blocking()?;
            print_info(&ctx, json.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Verify { ops, json }) => {
            check_ops(&ops)?;
            let ctx = Context::new_blocking()?;
            let ok = verify(&ctx, &ops, json.as_deref())?;
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Some(Command::Bench(args)) => {
            check_ops(&args.ops)?;
            let ctx = Context::new_blocking()?;
            bench(&ctx, &args)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Run { op }) => {
            let ctx = Context::new_blocking()?;
            match op {
                RunOp::Gemm { inputs, out, trans_a, trans_b, alpha, beta } => {
                    run_gemm(&ctx, &inputs, &out, trans_a, trans_b, alpha, beta)?
                }
                RunOp::Attention(args) => run_attention(&ctx, &args)?,
                RunOp::AttentionSearch(args) => run_attention_search(&ctx, &args)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check_ops(ops: &[String]) -> Result<(), Error> {
    for op in ops {
        if !OPS.contains(&op.as_str()) {
            return Err(Error::Unsupported(format!("unknown op `{op}` (known: {})", OPS.join(", "))));
        }
    }
    Ok(())
}

fn wants(ops: &[String], op: &str) -> bool {
    ops.is_empty() || ops.iter().any(|o| o == op)
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).expect("JSON values always serialise");
    std::fs::write(path, text).map_err(|source| Error::Io { path: path.display().to_string(), source })
}

fn info_json(ctx: &Context) -> serde_json::Value {
    let caps = ctx.caps();
    let l = ctx.limits();
    serde_json::json!({
        "adapter": ctx.adapter_id(),
        "features": {
            "f16": caps.f16,
            "subgroups": caps.subgroups,
            "subgroup_min_size": caps.subgroup_min,
            "subgroup_max_size": caps.subgroup_max,
            "cooperative_matrix": caps.coop,
            "timestamps": caps.timestamps,
        },
        "limits": {
            "max_storage_buffer_binding_size": l.max_storage_buffer_binding_size,
            "max_buffer_size": l.max_buffer_size,
            "max_compute_workgroup_storage_size": l.max_compute_workgroup_storage_size,
            "max_compute_invocations_per_workgroup": l.max_compute_invocations_per_workgroup,
            "max_compute_workgroup_size_x": l.max_compute_workgroup_size_x,
            "max_compute_workgroups_per_dimension": l.max_compute_workgroups_per_dimension,
            "max_storage_buffers_per_shader_stage": l.max_storage_buffers_per_shader_stage,
        },
    })
}

fn print_info(ctx: &Context, json: Option<&Path>) -> Result<(), Error> {
    let v = info_json(ctx);
    let a = ctx.adapter_id();
    let c = ctx.caps();
    println!("adapter   {} ({}, {}, vendor {:#06x} device {:#06x})", a.name, a.backend, a.device_type, a.vendor, a.device);
    println!("driver    {} {}", a.driver, a.driver_info);
    println!("f16       {}", c.f16);
    println!("subgroups {} (sizes {}..{})", c.subgroups, c.subgroup_min, c.subgroup_max);
    let coop: Vec<String> = c.coop.iter().map(|k| format!("{}x{}x{} {}->{}", k.m, k.n, k.k, k.ab, k.c)).collect();
    println!("coop      {}", if coop.is_empty() { "none".to_string() } else { coop.join(", ") });
    println!("timestamps {}", c.timestamps);
    println!("limits    {}", v["limits"]);
    if let Some(p) = json {
        write_json(p, &v)?;
    }
    Ok(())
}

fn progress_bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {elapsed} {msg}")
            .expect("static template")
            .progress_chars("=> "),
    );
    pb.set_prefix(what.to_string());
    pb
}

fn verify(ctx: &Context, ops: &[String], json: Option<&Path>) -> Result<bool, Error> {
    let mut checks: Vec<Check> = Vec::new();
    for op in OPS.iter().filter(|op| wants(ops, op)) {
        let pb = progress_bar(0, &format!("verify {op}"));
        checks.extend(wgkernels::verify::verify_op(ctx, op, &mut |c| {
            pb.inc(1);
            pb.set_message(format!("{} {}", c.variant, shape_text(&c.shape)));
        })?);
        pb.finish_and_clear();
    }
    println!("\n{:<10} {:<9} {:<5} {:<44} {:>10} {:>10} {:>10}  result", "op", "variant", "dtype", "shape", "max abs", "rel L2", "tol");
    for c in &checks {
        println!(
            "{:<10} {:<9} {:<5} {:<44} {:>10.2e} {:>10.2e} {:>10.2e}  {}{}",
            c.op,
            c.variant,
            c.dtype.to_string(),
            shape_text(&c.shape),
            c.max_abs_err,
            c.rel_l2_err,
            c.tolerance,
            if c.pass { "ok" } else { "FAIL" },
            c.error.as_ref().map(|e| format!(" ({e})")).unwrap_or_default()
        );
    }
    let failed = checks.iter().filter(|c| !c.pass).count();
    println!("verify: {} checks, {} passed, {} failed", checks.len(), checks.len() - failed, failed);
    if let Some(p) = json {
        write_json(p, &serde_json::json!({ "adapter": ctx.adapter_id(), "checks": checks }))?;
    }
    Ok(failed == 0)
}

fn bench(ctx: &Context, args: &BenchArgs) -> Result<(), Error> {
    let spinner = progress_bar(1, "peaks");
    let peaks = wgkernels::ops::peaks::measure_peaks(ctx, args.quick)?;
    spinner.finish_and_clear();
    println!(
        "peaks: FMA f32 {:.1} GFLOP/s{}, copy kernel {:.2} GB/s, copy_buffer_to_buffer {:.2} GB/s",
        peaks.fma_f32_gflops,
        peaks.fma_f16_gflops.map(|h| format!(", FMA f16 {h:.1} GFLOP/s")).unwrap_or_default(),
        peaks.copy_gbps,
        peaks.copy_buffer_gbps
    );
    let mut results = Vec::new();
    for op in OPS.iter().filter(|op| wants(&args.ops, op)) {
        let pb = progress_bar(0, &format!("bench {op}"));
        results.extend(wgkernels::bench::bench_op(
            ctx,
            &peaks,
            op,
            args.quick,
            &mut |i, n, label| {
                pb.set_length(n as u64);
                pb.set_position(i as u64);
                pb.set_message(label.to_string());
            },
            &mut |e| pb.println(e),
        )?);
        pb.finish_and_clear();
    }
    let report = BenchReport {
        adapter: ctx.adapter_id(),
        peaks,
        results,
        version: env!("CARGO_PKG_VERSION").into(),
    };
    println!("{}", report.to_markdown());
    if let Some(p) = &args.json {
        write_json(p, &serde_json::to_value(&report).expect("report serialises"))?;
    }
    if let Some(p) = &args.md {
        std::fs::write(p, report.to_markdown()).map_err(|source| Error::Io { path: p.display().to_string(), source })?;
    }
    Ok(())
}

/// Splits an npy shape into (batch, rows, cols).
fn matrix_dims(name: &str, shape: &[u64]) -> Result<(u32, u32, u32), Error> {
    let to32 = |x: u64| u32::try_from(x).map_err(|_| Error::Shape(format!("{name}: dimension {x} too large")));
    match *shape {
        [r, c] => Ok((1, to32(r)?, to32(c)?)),
        [b, r, c] => Ok((to32(b)?, to32(r)?, to32(c)?)),
        _ => Err(Error::Shape(format!("{name} must be 2-D or 3-D (batch, rows, cols); got shape {shape:?}"))),
    }
}

fn run_gemm(ctx: &Context, inputs: &[PathBuf], out: &Path, ta: bool, tb: bool, alpha: f32, beta: f32) -> Result<(), Error> {
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    if inputs.len() < 2 || inputs.len() > 3 {
        return Err(Error::Shape(format!("run gemm takes 2 or 3 --in files (A, B[, C]); got {}", inputs.len())));
    }
    let a = read_npy(&inputs[0])?;
    let b = read_npy(&inputs[1])?;
    let c = inputs.get(2).map(|p| read_npy(p)).transpose()?;
    let (ba, ra, ca) = matrix_dims("A", &a.shape)?;
    let (bb, rb, cb) = matrix_dims("B", &b.shape)?;
    let (m, ka) = if ta { (ca, ra) } else { (ra, ca) };
    let (kb, n) = if tb { (cb, rb) } else { (rb, cb) };
    if ka != kb {
        return Err(Error::Shape(format!("inner dimensions differ: op(A) is {m}×{ka}, op(B) is {kb}×{n}")));
    }
    if a.dtype() != b.dtype() || c.as_ref().is_some_and(|c| c.dtype() != a.dtype()) {
        return Err(Error::Shape("A, B (and C) must have the same dtype".into()));
    }
    let batch = ba.max(bb);
    if (ba != bb) && ba != 1 && bb != 1 {
        return Err(Error::Shape(format!("batch sizes {ba} and {bb} differ (1 broadcasts)")));
    }
    let mut desc = GemmDesc::new(m, n, ka).batch(batch).trans(ta, tb).scale(alpha, beta).dtype(a.dtype());
    desc.broadcast_a = ba == 1 && batch > 1;
    desc.broadcast_b = bb == 1 && batch > 1;
    if let Some(c) = &c {
        let (bc, rc, cc) = matrix_dims("C", &c.shape)?;
        if (bc, rc, cc) != (batch, m, n) {
            return Err(Error::Shape(format!("C must be {batch}×{m}×{n}; got {:?}", c.shape)));
        }
    }
    let plan = GemmPlan::new(ctx, desc, None)?;
    let shape: Vec<u64> = if a.shape.len() == 3 || b.shape.len() == 3 { vec![batch as u64, m as u64, n as u64] } else { vec![m as u64, n as u64] };
    match (a.data, b.data, c.map(|c| c.data)) {
        (NpyData::F32(a), NpyData::F32(b), c) => {
            let c = match c { Some(NpyData::F32(c)) => Some(c), _ => None };
            let r = pollster::block_on(plan.run_host(&a, &b, c.as_deref()))?;
            write_npy(out, &shape, &r)?;
        }
        (NpyData::F16(a), NpyData::F16(b), c) => {
            let c = match c { Some(NpyData::F16(c)) => Some(c), _ => None };
            let r = pollster::block_on(plan.run_host(&a, &b, c.as_deref()))?;
            write_npy(out, &shape, &r)?;
        }
        _ => unreachable!("dtypes checked equal above"),
    }
    eprintln!("gemm {}x{}x{} batch {} ({}) -> {}", m, n, ka, batch, plan.config().label(), out.display());
    Ok(())
}

/// Reads Q, K, V and derives the attention shape: 4-D (B, H, N, D) or 3-D (H, N, D).
fn attention_inputs(inputs: &[PathBuf]) -> Result<(AttentionDesc, [wgkernels::npy::NpyArray; 3], bool), Error> {
    use wgkernels::npy::read_npy;
    if inputs.len() != 3 {
        return Err(Error::Shape(format!("attention takes 3 --in files (Q, K, V); got {}", inputs.len())));
    }
    let q = read_npy(&inputs[0])?;
    let k = read_npy(&inputs[1])?;
    let v = read_npy(&inputs[2])?;
    let dims = |name: &str, s: &[u64]| -> Result<[u32; 4], Error> {
        let to32 = |x: u64| u32::try_from(x).map_err(|_| Error::Shape(format!("{name}: dimension {x} too large")));
        match *s {
            [h, n, d] => Ok([1, to32(h)?, to32(n)?, to32(d)?]),
            [b, h, n, d] => Ok([to32(b)?, to32(h)?, to32(n)?, to32(d)?]),
            _ => Err(Error::Shape(format!("{name} must be 3-D (H, N, D) or 4-D (B, H, N, D); got shape {s:?}"))),
        }
    };
    let (qd, kd, vd) = (dims("Q", &q.shape)?, dims("K", &k.shape)?, dims("V", &v.shape)?);
    if kd != vd {
        return Err(Error::Shape(format!("K and V shapes differ: {:?} vs {:?}", k.shape, v.shape)));
    }
    if qd[0] != kd[0] || qd[3] != kd[3] {
        return Err(Error::Shape(format!("Q {:?} and K {:?} differ in batch or head dim", q.shape, k.shape)));
    }
    if q.dtype() != k.dtype() || k.dtype() != v.dtype() {
        return Err(Error::Shape("Q, K and V must have the same dtype".into()));
    }
    let desc = AttentionDesc::new(qd[0], qd[1], qd[2], qd[3]).gqa(kd[1]).kv_len(kd[2]).dtype(q.dtype());
    desc.validate()?;
    let three_d = q.shape.len() == 3;
    Ok((desc, [q, k, v], three_d))
}

fn attention_blocks(ctx: &Context, desc: &AttentionDesc, bq: Option<u32>, bk: Option<u32>) -> (u32, u32) {
    let (dq, dk) = AttentionPlan::block_sizes(ctx, desc);
    (bq.unwrap_or(dq), bk.unwrap_or(dk))
}

fn run_attention(ctx: &Context, a: &AttnRunArgs) -> Result<(), Error> {
    use wgkernels::npy::{write_npy, NpyData};
    let (mut desc, [q, k, v], three_d) = attention_inputs(&a.inputs)?;
    if let Some(s) = a.scale {
        desc = desc.scale(s);
    }
    if a.lse.is_some() {
        desc = desc.with_lse();
    }
    let mask = if let Some(plan_path) = &a.plan {
        let text = std::fs::read_to_string(plan_path).map_err(|source| Error::Io { path: plan_path.display().to_string(), source })?;
        let fmt = |msg: String| Error::Format { path: plan_path.display().to_string(), msg };
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| fmt(e.to_string()))?;
        let heads = json["heads"].as_array().ok_or_else(|| fmt("no `heads` array".into()))?;
        let pats = heads
            .iter()
            .map(|h| Pattern::parse(h["pattern"].as_str().unwrap_or("")))
            .collect::<Result<Vec<_>, _>>()?;
        let bq = a.block_q.or(json["block_q"].as_u64().map(|x| x as u32));
        let bk = a.block_kv.or(json["block_kv"].as_u64().map(|x| x as u32));
        let (bq, bk) = attention_blocks(ctx, &desc, bq, bk);
        Some(MaskBuilder::new(desc.nq, desc.nkv, bq, bk).build_heads(&pats)?)
    } else if let Some(spec) = &a.pattern {
        let (bq, bk) = attention_blocks(ctx, &desc, a.block_q, a.block_kv);
        Some(MaskBuilder::new(desc.nq, desc.nkv, bq, bk).build(&Pattern::parse(spec)?)?)
    } else {
        None
    };
    let plan = AttentionPlan::new(ctx, desc, mask.as_ref(), None)?;
    let oshape: Vec<u64> = if three_d {
        vec![desc.heads_q as u64, desc.nq as u64, desc.head_dim as u64]
    } else {
        vec![desc.batch as u64, desc.heads_q as u64, desc.nq as u64, desc.head_dim as u64]
    };
    let lse = match (q.data, k.data, v.data) {
        (NpyData::F32(q), NpyData::F32(k), NpyData::F32(v)) => {
            let (o, lse) = pollster::block_on(plan.run_host(&q, &k, &v))?;
            write_npy(&a.out, &oshape, &o)?;
            lse
        }
        (NpyData::F16(q), NpyData::F16(k), NpyData::F16(v)) => {
            let (o, lse) = pollster::block_on(plan.run_host(&q, &k, &v))?;
            write_npy(&a.out, &oshape, &o)?;
            lse
        }
        _ => unreachable!("dtypes checked equal above"),
    };
    if let (Some(path), Some(lse)) = (&a.lse, lse) {
        write_npy(path, &oshape[..oshape.len() - 1], &lse)?;
    }
    eprintln!(
        "attention B={} Hq={} Hkv={} Nq={} Nkv={} D={} {} ({}, work density {:.3}) -> {}",
        desc.batch,
        desc.heads_q,
        desc.heads_kv,
        desc.nq,
        desc.nkv,
        desc.head_dim,
        desc.dtype,
        plan.config().label(),
        plan.work_density(),
        a.out.display()
    );
    Ok(())
}

fn run_attention_search(ctx: &Context, a: &AttnSearchArgs) -> Result<(), Error> {
    use wgkernels::npy::NpyData;
    let (desc, [q, k, v], _) = attention_inputs(&a.inputs)?;
    let candidates = match &a.candidates {
        Some(c) => c.split(';').filter(|s| !s.trim().is_empty()).map(Pattern::parse).collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let blocks = (a.block_q.is_some() || a.block_kv.is_some()).then(|| attention_blocks(ctx, &desc, a.block_q, a.block_kv));
    let opts = SearchOptions { lambda: a.lambda, epsilon: a.epsilon, candidates, frame_len: a.frame_len, blocks };
    let (plan, measured) = match (&q.data, &k.data, &v.data) {
        (NpyData::F32(q), NpyData::F32(k), NpyData::F32(v)) => {
            let plan = pollster::block_on(search_patterns(ctx, &desc, q, k, v, &opts))?;
            let m = if a.measure { Some(measure_plan(ctx, &desc, &plan, q, k, v)?) } else { None };
            (plan, m)
        }
        (NpyData::F16(q), NpyData::F16(k), NpyData::F16(v)) => {
            let plan = pollster::block_on(search_patterns(ctx, &desc, q, k, v, &opts))?;
            let m = if a.measure { Some(measure_plan(ctx, &desc, &plan, q, k, v)?) } else { None };
            (plan, m)
        }
        _ => unreachable!("dtypes checked equal above"),
    };
    println!("{:<5} {:<40} {:>10} {:>8}", "head", "pattern", "rel MSE", "density");
    for h in &plan.heads {
        println!("{:<5} {:<40} {:>10.2e} {:>8.3}", h.head, h.pattern, h.err, h.density);
    }
    println!("predicted speedup over dense: {:.2}x (lambda {}, epsilon {})", plan.predicted_speedup, plan.lambda, plan.epsilon);
    if let Some((dense_ms, plan_ms)) = measured {
        println!("measured: dense {dense_ms:.2} ms, plan {plan_ms:.2} ms, speedup {:.2}x", dense_ms / plan_ms);
    }
    if let Some(p) = &a.json {
        let mut v = serde_json::to_value(&plan).expect("plan serialises");
        if let Some((d, s)) = measured {
            v["measured"] = serde_json::json!({"dense_ms": d, "plan_ms": s, "speedup": d / s});
        }
        write_json(p, &v)?;
    }
    Ok(())
}

/// Times dense attention and the plan's mask on the sample (median of 3 runs each).
fn measure_plan<T: wgkernels::Element>(
    ctx: &Context,
    desc: &AttentionDesc,
    plan: &wgkernels::SearchPlan,
    q: &[T],
    k: &[T],
    v: &[T],
) -> Result<(f64, f64), Error> {
    let mask = plan.mask(desc.nq, desc.nkv)?;
    let qb = ctx.upload("Q", q)?;
    let kb = ctx.upload("K", k)?;
    let vb = ctx.upload("V", v)?;
    let ob = ctx.storage("O", desc.q_len_elems() * desc.dtype.size())?;
    let mut times = Vec::new();
    for m in [None, Some(&mask)] {
        let p = AttentionPlan::new(ctx, *desc, m, None)?;
        let bound = p.bind(&qb, &kb, &vb, &ob, None)?;
        times.push(wgkernels::gpu::time_gpu(ctx, 1, 3, &|pass| bound.record(pass))?.median_ms);
    }
    Ok((times[0], times[1]))
}
