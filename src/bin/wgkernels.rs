//! `wgkernels`: adapter info, verification against CPU references, the vendor benchmark
//! report, and running ops on `.npy` files. With no arguments: info, verify, quick bench, report.
//!
//! Exit codes: 0 success; 1 a verification failed; 2 bad usage or input (unknown op, unreadable
//! file, shape mismatch, a `compare` input that is not a readable bench report); 3 no usable GPU
//! adapter or a GPU error. A tuning cache that cannot be written is not an error: `tune` then
//! keeps its results in memory, says so on stderr and exits 0.

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wgkernels::report::{shape_text, BenchReport};
use wgkernels::tune::{CandidateStatus, TuneOptions};
use wgkernels::verify::Check;
use wgkernels::{Context, Error, GemmDesc, GemmPlan};

#[derive(Parser)]
#[command(
    name = "wgkernels",
    version,
    about = "Cross-vendor GPU kernels on wgpu: info, verify, bench, run.\n\nSelect the adapter with WGPU_BACKEND=vulkan|gl|metal|dx12 and WGPU_ADAPTER_NAME=<substring>."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Directory of the tuning cache (default: $WGKERNELS_CACHE_DIR, else the user cache
    /// directory + /wgkernels). The tuning mode of library calls is $WGKERNELS_TUNE
    /// (off | cached | auto; default cached).
    #[arg(long, global = true)]
    cache_dir: Option<PathBuf>,
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
        /// Ops to verify (default: all). Known: gemm.
        ops: Vec<String>,
        /// Write the checks as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// The vendor report: measured peaks, then each op × shape (JSON, Markdown, SVG charts).
    Bench(BenchArgs),
    /// Measure every candidate configuration of each op's bench shapes on this adapter and store
    /// the winners (and every candidate's time) in the tuning cache.
    Tune {
        /// Ops to tune (default: all). Known: gemm.
        ops: Vec<String>,
        /// Only the shapes of `bench --quick`, fewer timed runs.
        #[arg(long)]
        quick: bool,
        /// Re-measure buckets that are already cached.
        #[arg(long)]
        force: bool,
    },
    /// Several bench reports (--json files) side by side, with speed ratios against the first.
    /// Exit 2 if a file is unreadable or not a bench report.
    Compare {
        /// Report files written by `wgkernels bench --json` (at least two).
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        /// Also write the table as Markdown (and the chart next to it, unless --svg is given).
        #[arg(long)]
        md: Option<PathBuf>,
        /// Write the relative-speed chart (SVG) here.
        #[arg(long)]
        svg: Option<PathBuf>,
    },
    /// Run one op on .npy files (f32 or f16, C order).
    Run {
        #[command(subcommand)]
        op: RunOp,
    },
}

#[derive(Args, Clone)]
struct BenchArgs {
    /// Ops to bench (default: all). Known: gemm.
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
                Error::NoAdapter(_)
                | Error::RequestDevice(_)
                | Error::Gpu(_)
                | Error::DeviceLost(_) => 3,
                _ => 2,
            })
        }
    }
}

/// The context, with the tuning cache moved to `--cache-dir` when given.
fn context(cache_dir: &Option<PathBuf>) -> Result<Context, Error> {
    let ctx = Context::new_blocking()?;
    if let Some(d) = cache_dir {
        ctx.tuner().set_cache_dir(Some(d.clone()));
    }
    Ok(ctx)
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    let cd = &cli.cache_dir;
    match cli.command {
        None => {
            let ctx = context(cd)?;
            print_info(&ctx, None)?;
            let ok = verify(&ctx, &[], None)?;
            std::fs::create_dir_all("report").map_err(|source| Error::Io {
                path: "report".into(),
                source,
            })?;
            let args = BenchArgs {
                ops: vec![],
                quick: true,
                json: Some("report/report.json".into()),
                md: Some("report/report.md".into()),
            };
            bench(&ctx, &args)?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Some(Command::Info { json }) => {
            let ctx = context(cd)?;
            print_info(&ctx, json.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Verify { ops, json }) => {
            check_ops(&ops)?;
            let ctx = context(cd)?;
            let ok = verify(&ctx, &ops, json.as_deref())?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Some(Command::Bench(args)) => {
            check_ops(&args.ops)?;
            let ctx = context(cd)?;
            bench(&ctx, &args)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Tune { ops, quick, force }) => {
            check_ops(&ops)?;
            let ctx = context(cd)?;
            tune(&ctx, &ops, quick, force)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Compare { files, md, svg }) => {
            compare(&files, md.as_deref(), svg.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Run { op }) => {
            let ctx = context(cd)?;
            match op {
                RunOp::Gemm {
                    inputs,
                    out,
                    trans_a,
                    trans_b,
                    alpha,
                    beta,
                } => run_gemm(&ctx, &inputs, &out, trans_a, trans_b, alpha, beta)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check_ops(ops: &[String]) -> Result<(), Error> {
    for op in ops {
        if !OPS.contains(&op.as_str()) {
            return Err(Error::Unsupported(format!(
                "unknown op `{op}` (known: {})",
                OPS.join(", ")
            )));
        }
    }
    Ok(())
}

fn wants(ops: &[String], op: &str) -> bool {
    ops.is_empty() || ops.iter().any(|o| o == op)
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).expect("JSON values always serialise");
    std::fs::write(path, text).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
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
    println!(
        "adapter   {} ({}, {}, vendor {:#06x} device {:#06x})",
        a.name, a.backend, a.device_type, a.vendor, a.device
    );
    println!("driver    {} {}", a.driver, a.driver_info);
    println!("f16       {}", c.f16);
    println!(
        "subgroups {} (sizes {}..{})",
        c.subgroups, c.subgroup_min, c.subgroup_max
    );
    let coop: Vec<String> = c
        .coop
        .iter()
        .map(|k| format!("{}x{}x{} {}->{}", k.m, k.n, k.k, k.ab, k.c))
        .collect();
    println!(
        "coop      {}",
        if coop.is_empty() {
            "none".to_string()
        } else {
            coop.join(", ")
        }
    );
    println!("timestamps {}", c.timestamps);
    println!("limits    {}", v["limits"]);
    let st = ctx.tuner().status(ctx);
    print_cache_status(&st);
    if let Some(p) = json {
        let mut v = v;
        v["tuning"] = serde_json::to_value(&st).expect("cache status serialises");
        write_json(p, &v)?;
    }
    Ok(())
}

/// The tuning cache as `info` shows it: file, state, one line per tuned bucket.
fn print_cache_status(st: &wgkernels::tune::CacheStatus) {
    let path = st
        .path
        .as_ref()
        .map_or("none (in memory only)".to_string(), |p| {
            p.display().to_string()
        });
    println!(
        "tuning    mode {}; cache {} ({}): {}",
        st.mode, path, st.dir_origin, st.state
    );
    if st.path.is_some() && !st.persistent {
        println!("          not writable: tuning results stay in memory for this process");
    }
    for e in &st.entries {
        let count = |s: CandidateStatus| e.candidates.iter().filter(|c| c.status == s).count();
        let speedup = match (e.winner_ms, e.default_ms) {
            (Some(w), Some(d)) if w > 0.0 => format!(", {:.2}x the default", d / w),
            _ => String::new(),
        };
        println!(
            "  {:<6} {:<34} winner {:<26} {:>9} (default {} {}{speedup}); {} candidates: {} ok, {} pruned, {} dropped; timing {}",
            e.op,
            e.bucket,
            e.winner_label.as_deref().unwrap_or("none (all failed)"),
            e.winner_ms.map_or("-".into(), |m| format!("{m:.3} ms")),
            e.default_label,
            e.default_ms.map_or("-".into(), |m| format!("{m:.3} ms")),
            e.candidates.len(),
            count(CandidateStatus::Ok),
            count(CandidateStatus::Pruned),
            count(CandidateStatus::Dropped),
            e.timing
        );
    }
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
    println!(
        "\n{:<10} {:<9} {:<5} {:<44} {:>10} {:>10} {:>10}  result",
        "op", "variant", "dtype", "shape", "max abs", "rel L2", "tol"
    );
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
            c.error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
    }
    let failed = checks.iter().filter(|c| !c.pass).count();
    println!(
        "verify: {} checks, {} passed, {} failed",
        checks.len(),
        checks.len() - failed,
        failed
    );
    if let Some(p) = json {
        write_json(
            p,
            &serde_json::json!({ "adapter": ctx.adapter_id(), "checks": checks }),
        )?;
    }
    Ok(failed == 0)
}

fn bench(ctx: &Context, args: &BenchArgs) -> Result<(), Error> {
    let spinner = progress_bar(1, "peaks");
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    let peaks = wgkernels::ops::peaks::measure_peaks(ctx, args.quick)?;
    spinner.finish_and_clear();
    println!(
        "peaks: FMA f32 {:.1} GFLOP/s{}, copy kernel {:.2} GB/s, copy_buffer_to_buffer {:.2} GB/s",
        peaks.fma_f32_gflops,
        peaks
            .fma_f16_gflops
            .map(|h| format!(", FMA f16 {h:.1} GFLOP/s"))
            .unwrap_or_default(),
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
            // (suspend, not println: println is a no-op when stdout is not a terminal)
            &mut |e| pb.suspend(|| eprintln!("{e}")),
        )?);
        pb.finish_and_clear();
    }
    let report = BenchReport {
        adapter: ctx.adapter_id(),
        peaks,
        results,
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let st = ctx.tuner().status(ctx);
    let stats = ctx.tuner().stats();
    let tuning = format!(
        "mode {}, cache {} ({}); this run: {} picks from the cache, {} vendor defaults, {} tuning runs",
        st.mode,
        st.path.as_ref().map_or("none".to_string(), |p| p.display().to_string()),
        st.state,
        stats.cache_hits,
        stats.defaults,
        stats.tuning_runs
    );
    // Charts go next to the Markdown (or the JSON when there is no Markdown).
    let mut charts = Vec::new();
    if let Some(anchor) = args.md.as_ref().or(args.json.as_ref()) {
        let dir = anchor.parent().map(Path::to_path_buf).unwrap_or_default();
        let stem = anchor
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("report");
        for c in wgkernels::report::charts::write_report_charts(&report, &dir, stem)? {
            let name = c
                .path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            charts.push((name, c.title, c.path));
        }
    }
    let links: Vec<(String, String)> = charts
        .iter()
        .map(|(n, t, _)| (n.clone(), t.clone()))
        .collect();
    let md = report.to_markdown_with(&links, Some(&tuning));
    println!("{}", report.to_markdown_with(&[], Some(&tuning)));
    if let Some(p) = &args.json {
        write_json(
            p,
            &serde_json::to_value(&report).expect("report serialises"),
        )?;
        println!("wrote {}", p.display());
    }
    if let Some(p) = &args.md {
        std::fs::write(p, md).map_err(|source| Error::Io {
            path: p.display().to_string(),
            source,
        })?;
        println!("wrote {}", p.display());
    }
    for (_, _, p) in &charts {
        println!("wrote {}", p.display());
    }
    Ok(())
}

fn tune(ctx: &Context, ops: &[String], quick: bool, force: bool) -> Result<(), Error> {
    let st = ctx.tuner().status(ctx);
    print_cache_status(&st);
    if st.path.is_none() {
        eprintln!(
            "warning: no cache directory: tuning results are kept in memory only and lost at exit"
        );
    }
    let opts = TuneOptions {
        force,
        ..if quick {
            TuneOptions::quick()
        } else {
            TuneOptions::default()
        }
    };
    let mut tuned = 0;
    for op in OPS.iter().filter(|op| wants(ops, op)) {
        let jobs = match wgkernels::tune::tune_jobs(ctx, op, quick) {
            Ok(j) => j,
            Err(_) => {
                println!("{op}: no tuning for this op yet");
                continue;
            }
        };
        let todo: usize = jobs
            .iter()
            .filter(|j| force || !j.cached)
            .map(|j| j.candidates)
            .sum();
        let pb = progress_bar(todo as u64, &format!("tune {op}"));
        pb.enable_steady_tick(std::time::Duration::from_millis(500));
        let mut base = 0u64;
        for job in &jobs {
            if job.cached && !force {
                pb.suspend(|| {
                    println!("{op} {}: already cached (--force re-measures)", job.bucket)
                });
                continue;
            }
            let bucket = job.bucket.clone();
            let entry = job.run(ctx, &opts, &mut |i, _n, label| {
                pb.set_position(base + i as u64);
                pb.set_message(format!("{bucket}: {label}"));
            })?;
            base += job.candidates as u64;
            pb.set_position(base);
            tuned += 1;
            pb.suspend(|| print_entry(&entry));
        }
        pb.finish_and_clear();
    }
    let st = ctx.tuner().status(ctx);
    match (&st.path, st.persistent) {
        (Some(p), true) => println!(
            "tuned {tuned} buckets; cache {} now holds {} entries",
            p.display(),
            st.entries.len()
        ),
        (Some(p), false) => {
            eprintln!(
                "warning: {} is not writable: {tuned} buckets tuned in memory only (lost at exit)",
                p.display()
            )
        }
        (None, _) => {
            eprintln!("warning: {tuned} buckets tuned in memory only (no cache directory)")
        }
    }
    Ok(())
}

/// Every candidate of one tuned bucket, fastest first, the winner marked.
fn print_entry(e: &wgkernels::tune::TuneEntry) {
    println!(
        "\n{} {} (timed on {}, timing {}): winner {}",
        e.op,
        e.bucket,
        shape_text(&e.shape),
        e.timing,
        e.winner_label
            .as_deref()
            .unwrap_or("none: every candidate failed")
    );
    let mut c: Vec<_> = e.candidates.iter().collect();
    c.sort_by(|a, b| {
        a.median_ms
            .unwrap_or(f64::MAX)
            .total_cmp(&b.median_ms.unwrap_or(f64::MAX))
    });
    for r in c {
        let mark = if Some(&r.label) == e.winner_label.as_ref() {
            "*"
        } else {
            " "
        };
        let vs = match (r.median_ms, e.default_ms) {
            (Some(m), Some(d)) if m > 0.0 => format!("{:.2}x", d / m),
            _ => "-".into(),
        };
        println!(
            " {mark} {:<28} {:>8} {:>11} {:>6} vs default{}",
            r.label,
            format!("{:?}", r.status).to_lowercase(),
            r.median_ms.map_or("-".into(), |m| format!("{m:.3} ms")),
            vs,
            r.reason
                .as_ref()
                .map(|x| format!("  ({x})"))
                .unwrap_or_default()
        );
    }
}

fn compare(files: &[PathBuf], md: Option<&Path>, svg: Option<&Path>) -> Result<(), Error> {
    use wgkernels::report::compare::{compare_reports, load_report};
    if files.len() < 2 {
        return Err(Error::Shape(format!(
            "compare needs at least two report files; got {}",
            files.len()
        )));
    }
    let reports = files
        .iter()
        .map(|f| load_report(f))
        .collect::<Result<Vec<_>, _>>()?;
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let cmp = compare_reports(&reports, &names);
    if reports.iter().any(|r| r.version != reports[0].version) {
        eprintln!("warning: the reports come from different wgkernels versions: shapes and configs may not line up");
    }
    print!("{}", cmp.to_text());
    if cmp.shared_rows() == 0 {
        eprintln!("warning: no result appears in more than one report: nothing to take ratios of");
    }
    let svg_path = svg
        .map(Path::to_path_buf)
        .or_else(|| md.map(|m| m.with_extension("svg")));
    if let Some(p) = &svg_path {
        wgkernels::report::charts::compare_chart(&cmp, p)?;
        println!("wrote {}", p.display());
    }
    if let Some(m) = md {
        let link = svg_path.as_ref().map(|p| match (p.parent(), m.parent()) {
            (Some(a), Some(b)) if a == b => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            _ => p.display().to_string(),
        });
        std::fs::write(m, cmp.to_markdown(link.as_deref())).map_err(|source| Error::Io {
            path: m.display().to_string(),
            source,
        })?;
        println!("wrote {}", m.display());
    }
    Ok(())
}

/// Splits an npy shape into (batch, rows, cols).
fn matrix_dims(name: &str, shape: &[u64]) -> Result<(u32, u32, u32), Error> {
    let to32 = |x: u64| {
        u32::try_from(x).map_err(|_| Error::Shape(format!("{name}: dimension {x} too large")))
    };
    match *shape {
        [r, c] => Ok((1, to32(r)?, to32(c)?)),
        [b, r, c] => Ok((to32(b)?, to32(r)?, to32(c)?)),
        _ => Err(Error::Shape(format!(
            "{name} must be 2-D or 3-D (batch, rows, cols); got shape {shape:?}"
        ))),
    }
}

fn run_gemm(
    ctx: &Context,
    inputs: &[PathBuf],
    out: &Path,
    ta: bool,
    tb: bool,
    alpha: f32,
    beta: f32,
) -> Result<(), Error> {
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    if inputs.len() < 2 || inputs.len() > 3 {
        return Err(Error::Shape(format!(
            "run gemm takes 2 or 3 --in files (A, B[, C]); got {}",
            inputs.len()
        )));
    }
    let a = read_npy(&inputs[0])?;
    let b = read_npy(&inputs[1])?;
    let c = inputs.get(2).map(|p| read_npy(p)).transpose()?;
    let (ba, ra, ca) = matrix_dims("A", &a.shape)?;
    let (bb, rb, cb) = matrix_dims("B", &b.shape)?;
    let (m, ka) = if ta { (ca, ra) } else { (ra, ca) };
    let (kb, n) = if tb { (cb, rb) } else { (rb, cb) };
    if ka != kb {
        return Err(Error::Shape(format!(
            "inner dimensions differ: op(A) is {m}×{ka}, op(B) is {kb}×{n}"
        )));
    }
    if a.dtype() != b.dtype() || c.as_ref().is_some_and(|c| c.dtype() != a.dtype()) {
        return Err(Error::Shape("A, B (and C) must have the same dtype".into()));
    }
    let batch = ba.max(bb);
    if (ba != bb) && ba != 1 && bb != 1 {
        return Err(Error::Shape(format!(
            "batch sizes {ba} and {bb} differ (1 broadcasts)"
        )));
    }
    let mut desc = GemmDesc::new(m, n, ka)
        .batch(batch)
        .trans(ta, tb)
        .scale(alpha, beta)
        .dtype(a.dtype());
    desc.broadcast_a = ba == 1 && batch > 1;
    desc.broadcast_b = bb == 1 && batch > 1;
    if let Some(c) = &c {
        let (bc, rc, cc) = matrix_dims("C", &c.shape)?;
        if (bc, rc, cc) != (batch, m, n) {
            return Err(Error::Shape(format!(
                "C must be {batch}×{m}×{n}; got {:?}",
                c.shape
            )));
        }
    }
    let plan = GemmPlan::new(ctx, desc, None)?;
    let shape: Vec<u64> = if a.shape.len() == 3 || b.shape.len() == 3 {
        vec![batch as u64, m as u64, n as u64]
    } else {
        vec![m as u64, n as u64]
    };
    match (a.data, b.data, c.map(|c| c.data)) {
        (NpyData::F32(a), NpyData::F32(b), c) => {
            let c = match c {
                Some(NpyData::F32(c)) => Some(c),
                _ => None,
            };
            let r = pollster::block_on(plan.run_host(&a, &b, c.as_deref()))?;
            write_npy(out, &shape, &r)?;
        }
        (NpyData::F16(a), NpyData::F16(b), c) => {
            let c = match c {
                Some(NpyData::F16(c)) => Some(c),
                _ => None,
            };
            let r = pollster::block_on(plan.run_host(&a, &b, c.as_deref()))?;
            write_npy(out, &shape, &r)?;
        }
        _ => unreachable!("dtypes checked equal above"),
    }
    eprintln!(
        "gemm {}x{}x{} batch {} ({}) -> {}",
        m,
        n,
        ka,
        batch,
        plan.config().label(),
        out.display()
    );
    Ok(())
}
