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
use wgkernels::{Context, Error, GemmDesc, GemmPlan};

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
        /// Ops to verify (default: all). Known: gemm, sparse_gemm.
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
    /// Ops to bench (default: all). Known: gemm, sparse_gemm.
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
    /// N:M structured-sparse GEMM. Default (matmul): inputs A ([batch,] M×K, N:M sparse along K),
    /// B ([batch,] K×N), optional bias (M) -> C = A·B + bias. With --linear (torch F.linear):
    /// inputs W (out×in, N:M sparse along in), X ([batch,] tokens×in), optional bias (out)
    /// -> Y = X·Wᵀ + bias. A/W is compressed before the GPU sees it; if it is not N:M the error
    /// names the first offending group, unless --prune.
    #[command(name = "sparse_gemm", alias = "sparse-gemm")]
    SparseGemm {
        /// Input files in order: A (or W), B (or X), and optionally the bias.
        #[arg(long = "in", required = true, num_args = 1)]
        inputs: Vec<PathBuf>,
        /// Output file for C (or Y), same dtype as the inputs.
        #[arg(long)]
        out: PathBuf,
        /// The sparsity pattern N:M (any 1 <= N < M <= 16).
        #[arg(long, default_value = "2:4")]
        pattern: String,
        /// The linear form Y = X·Wᵀ + bias.
        #[arg(long)]
        linear: bool,
        /// Prune the sparse operand to the pattern (keep the N largest magnitudes of every M).
        #[arg(long)]
        prune: bool,
    },
    /// Prune a matrix to N:M along its last axis (keep the N largest magnitudes of every group of
    /// M, ties to the lower index); optionally also write the compressed values and metadata.
    Prune {
        /// The dense matrix (any rank >= 1; groups run along the last axis).
        #[arg(long = "in", required = true)]
        input: PathBuf,
        /// Output file for the pruned dense matrix (same shape and dtype).
        #[arg(long)]
        out: PathBuf,
        /// The sparsity pattern N:M.
        #[arg(long, default_value = "2:4")]
        pattern: String,
        /// Also write the compressed values, [rows, K·N/M].
        #[arg(long)]
        values: Option<PathBuf>,
        /// Also write the metadata words (uint32), [rows, ceil(K·N/M / P)].
        #[arg(long)]
        meta: Option<PathBuf>,
    },
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
        Some(Command::Run { op: RunOp::Prune { input, out, pattern, values, meta } }) => {
            run_prune(&input, &out, &pattern, values.as_deref(), meta.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Run { op }) => {
            let ctx = Context::new_blocking()?;
            match op {
                RunOp::Gemm { inputs, out, trans_a, trans_b, alpha, beta } => {
                    run_gemm(&ctx, &inputs, &out, trans_a, trans_b, alpha, beta)?
                }
                RunOp::SparseGemm { inputs, out, pattern, linear, prune } => {
                    run_sparse_gemm(&ctx, &inputs, &out, &pattern, linear, prune)?
                }
                RunOp::Prune { .. } => unreachable!("handled before a context is made"),
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

/// Rows × columns of an array whose last axis is K (every leading axis folds into rows).
fn rows_by_last(name: &str, shape: &[u64]) -> Result<(usize, usize), Error> {
    let (&k, lead) = shape
        .split_last()
        .ok_or_else(|| Error::Shape(format!("{name} must have at least one axis")))?;
    Ok((lead.iter().product::<u64>() as usize, k as usize))
}

fn run_prune(input: &Path, out: &Path, pattern: &str, values: Option<&Path>, meta: Option<&Path>) -> Result<(), Error> {
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    use wgkernels::ops::sparse_gemm::NmMatrix;
    let pattern: wgkernels::NmPattern = pattern.parse()?;
    let a = read_npy(input)?;
    let (rows, k) = rows_by_last("the input", &a.shape)?;
    fn go<T: wgkernels::Element + npyz::AutoSerialize>(
        x: &[T],
        shape: &[u64],
        rows: usize,
        k: usize,
        pattern: wgkernels::NmPattern,
        out: &Path,
        values: Option<&Path>,
        meta: Option<&Path>,
    ) -> Result<(usize, u64, u64), Error> {
        let c = NmMatrix::compress_pruned(x, rows, k, pattern)?;
        let kept = pattern.kept(k);
        write_npy(out, shape, &c.decompress())?;
        if let Some(v) = values {
            write_npy(v, &[rows as u64, kept as u64], c.values())?;
        }
        if let Some(m) = meta {
            write_npy(m, &[rows as u64, pattern.meta_words(k) as u64], c.meta())?;
        }
        let zeros = x.iter().filter(|v| v.to_f64() != 0.0).count() - c.decompress().iter().filter(|v| v.to_f64() != 0.0).count();
        Ok((zeros, c.compressed_bytes(), c.dense_bytes()))
    }
    let (dropped, cb, db) = match &a.data {
        NpyData::F32(x) => go(x, &a.shape, rows, k, pattern, out, values, meta)?,
        NpyData::F16(x) => go(x, &a.shape, rows, k, pattern, out, values, meta)?,
    };
    eprintln!(
        "prune {pattern}: {rows}×{k}, {dropped} nonzeros dropped, compressed {cb} bytes = {:.2}% of dense -> {}",
        100.0 * cb as f64 / db as f64,
        out.display()
    );
    Ok(())
}

fn run_sparse_gemm(ctx: &Context, inputs: &[PathBuf], out: &Path, pattern: &str, linear: bool, prune: bool) -> Result<(), Error> {
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    use wgkernels::{NmMatrix, SparseGemmDesc, SparseGemmPlan};
    if inputs.len() < 2 || inputs.len() > 3 {
        return Err(Error::Shape(format!(
            "run sparse_gemm takes 2 or 3 --in files (sparse, dense[, bias]); got {}",
            inputs.len()
        )));
    }
    let pattern: wgkernels::NmPattern = pattern.parse()?;
    let s = read_npy(&inputs[0])?;
    let d = read_npy(&inputs[1])?;
    let bias = inputs.get(2).map(|p| read_npy(p)).transpose()?;
    if s.dtype() != d.dtype() || bias.as_ref().is_some_and(|b| b.dtype() != s.dtype()) {
        return Err(Error::Shape("all inputs must have the same dtype".into()));
    }
    let (desc, out_shape, sparse_rows) = if linear {
        let (out_f, in_f) = match *s.shape {
            [o, i] => (o as u32, i as u32),
            _ => return Err(Error::Shape(format!("W must be 2-D (out × in); got {:?}", s.shape))),
        };
        let (batch, tokens, k) = matrix_dims("X", &d.shape)?;
        if k != in_f {
            return Err(Error::Shape(format!("X has {k} features but W has {in_f} inputs")));
        }
        let desc = SparseGemmDesc::linear(tokens, out_f, in_f, pattern).batch(batch);
        let shape = if d.shape.len() == 3 { vec![batch as u64, tokens as u64, out_f as u64] } else { vec![tokens as u64, out_f as u64] };
        (desc, shape, out_f as usize)
    } else {
        let (ba, m, k) = matrix_dims("A", &s.shape)?;
        let (bb, kb, n) = matrix_dims("B", &d.shape)?;
        if k != kb {
            return Err(Error::Shape(format!("inner dimensions differ: A is {m}×{k}, B is {kb}×{n}")));
        }
        if ba != bb && ba != 1 {
            return Err(Error::Shape(format!("batch sizes {ba} and {bb} differ (a single A is shared)")));
        }
        let desc = SparseGemmDesc::matmul(m, n, k, pattern).batch(bb).shared_sparse(ba == 1);
        let shape = if s.shape.len() == 3 || d.shape.len() == 3 { vec![bb as u64, m as u64, n as u64] } else { vec![m as u64, n as u64] };
        (desc, shape, m as usize * ba as usize)
    };
    if let Some(b) = &bias {
        if b.shape.iter().product::<u64>() != desc.rows as u64 {
            return Err(Error::Shape(format!("the bias must have {} values; got shape {:?}", desc.rows, b.shape)));
        }
    }
    let desc = desc.with_bias(bias.is_some()).dtype(s.dtype());
    let plan = SparseGemmPlan::new(ctx, desc, None)?;
    let k = desc.k as usize;
    fn go<T: wgkernels::Element + npyz::AutoSerialize>(
        plan: &SparseGemmPlan,
        a: &[T],
        rows: usize,
        k: usize,
        prune: bool,
        dense: &[T],
        bias: Option<&[T]>,
        out: &Path,
        shape: &[u64],
    ) -> Result<u64, Error> {
        let p = plan.desc().pattern;
        let c = if prune { NmMatrix::compress_pruned(a, rows, k, p)? } else { NmMatrix::compress(a, rows, k, p)? };
        let r = pollster::block_on(plan.run_host(&c, dense, bias))?;
        write_npy(out, shape, &r)?;
        Ok(c.compressed_bytes())
    }
    let bytes = match (s.data, d.data, bias.map(|b| b.data)) {
        (NpyData::F32(a), NpyData::F32(x), b) => {
            let b = match b { Some(NpyData::F32(b)) => Some(b), _ => None };
            go(&plan, &a, sparse_rows, k, prune, &x, b.as_deref(), out, &out_shape)?
        }
        (NpyData::F16(a), NpyData::F16(x), b) => {
            let b = match b { Some(NpyData::F16(b)) => Some(b), _ => None };
            go(&plan, &a, sparse_rows, k, prune, &x, b.as_deref(), out, &out_shape)?
        }
        _ => unreachable!("dtypes checked equal above"),
    };
    eprintln!(
        "sparse_gemm {} {}x{}x{} batch {} ({}, sparse operand {} bytes compressed) -> {}",
        pattern,
        desc.rows,
        desc.cols,
        desc.k,
        desc.batch,
        plan.config().label(),
        bytes,
        out.display()
    );
    Ok(())
}
