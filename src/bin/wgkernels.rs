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
use wgkernels::report::{shape_text, BenchReport, CompileRow};
use wgkernels::tune::{CandidateStatus, TuneOptions};
use wgkernels::verify::{Check, Tier};
use wgkernels::{
    search_patterns, AttentionDesc, AttentionPlan, Context, Error, GemmDesc, GemmPlan, MaskBuilder,
    Pattern, SearchOptions,
};

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
        /// Ops to verify (default: all). Known: gemm, fft, fftconv, attention, sparse_gemm.
        ops: Vec<String>,
        /// The whole matrix (every candidate configuration, every N:M pattern, every head dim,
        /// million-point transforms), not only the standard tier's shapes: many more
        /// pipelines, so tens of minutes on a cold CPU adapter.
        #[arg(long)]
        full: bool,
        /// Write the checks as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// The vendor report: measured peaks, then each op × shape (JSON, Markdown, SVG charts).
    Bench(BenchArgs),
    /// Measure every candidate configuration of each op's bench shapes on this adapter and store
    /// the winners (and every candidate's time) in the tuning cache.
    Tune {
        /// Ops to tune (default: all). Known: gemm, fft, fftconv, attention, sparse_gemm.
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
    /// Ops to bench (default: all). Known: gemm, fft, fftconv, attention, sparse_gemm.
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
    /// Batched complex FFT along the last axis of a (..., n, 2) array of interleaved (re, im)
    /// pairs (f32 or f16). Forward unnormalised; --inverse scales by 1/n. Any n.
    Fft {
        /// Input file.
        #[arg(long = "in", required = true)]
        input: PathBuf,
        /// Output file (same shape and dtype).
        #[arg(long)]
        out: PathBuf,
        /// Inverse transform.
        #[arg(long)]
        inverse: bool,
    },
    /// FFT convolution: --in u.npy (B, H, L) --in k.npy (H, Lk) [--in pre.npy] [--in post.npy]
    /// (gates shaped like u, in that order when both are given), output y (B, H, L).
    Fftconv {
        /// Input files in order: u, k, then the gates the flags ask for.
        #[arg(long = "in", required = true, num_args = 1)]
        inputs: Vec<PathBuf>,
        /// Output file for y.
        #[arg(long)]
        out: PathBuf,
        /// Circular instead of causal.
        #[arg(long)]
        circular: bool,
        /// A pre-gate file follows k.
        #[arg(long)]
        pre_gate: bool,
        /// A post-gate file follows (after the pre-gate).
        #[arg(long)]
        post_gate: bool,
        /// Frequency-sparse: the fraction of frequency classes kept.
        #[arg(long)]
        freq_keep: Option<f32>,
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

/// Mesa's Vulkan device-select layer (loaded implicitly with any Mesa driver) and GL through EGL
/// probe Wayland, and libwayland prints `error: XDG_RUNTIME_DIR is invalid or not set in the
/// environment` where that variable is missing (a headless machine, a container): a false alarm
/// in our output. Where it is missing, point it at a private directory of ours.
/// (Called first thing in `main`, before any thread exists, as `set_var` requires.)
fn give_wayland_probes_a_runtime_dir() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt};
        let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
            return;
        };
        let dir = std::env::temp_dir().join(format!("wgkernels-runtime-{uid}"));
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
        // Only a directory that is ours and private (not one another user planted).
        let ours = std::fs::symlink_metadata(&dir)
            .is_ok_and(|m| m.is_dir() && m.uid() == uid && m.mode() & 0o077 == 0);
        if ours {
            std::env::set_var("XDG_RUNTIME_DIR", &dir);
        }
    }
}

fn main() -> ExitCode {
    give_wayland_probes_a_runtime_dir();
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

/// The context of one command. When the command is done (or fails) it stores the driver's
/// pipeline cache next to the tuning cache, so the next run starts with it.
struct Session(Context);

impl std::ops::Deref for Session {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.0
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        match self.0.save_pipeline_cache() {
            Ok(Some((path, bytes))) => {
                log::info!("pipeline cache: {bytes} bytes to {}", path.display())
            }
            Ok(None) => {}
            Err(e) => eprintln!("warning: pipeline cache not stored: {e}"),
        }
    }
}

/// The context, with the tuning cache moved to `--cache-dir` when given.
fn context(cache_dir: &Option<PathBuf>) -> Result<Session, Error> {
    let ctx = Context::new_blocking()?;
    if let Some(d) = cache_dir {
        ctx.tuner().set_cache_dir(Some(d.clone()));
    }
    Ok(Session(ctx))
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    let cd = &cli.cache_dir;
    match cli.command {
        None => {
            let ctx = context(cd)?;
            print_info(&ctx, None)?;
            let (ok, compile) = verify(&ctx, &[], Tier::Standard, None)?;
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
            bench(&ctx, &args, compile)?;
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
        Some(Command::Verify { ops, full, json }) => {
            check_ops(&ops)?;
            let ctx = context(cd)?;
            let tier = if full { Tier::Full } else { Tier::Standard };
            let (ok, _) = verify(&ctx, &ops, tier, json.as_deref())?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Some(Command::Bench(args)) => {
            check_ops(&args.ops)?;
            let ctx = context(cd)?;
            bench(&ctx, &args, Vec::new())?;
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
        Some(Command::Run {
            op:
                RunOp::Prune {
                    input,
                    out,
                    pattern,
                    values,
                    meta,
                },
        }) => {
            run_prune(&input, &out, &pattern, values.as_deref(), meta.as_deref())?;
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
                RunOp::Attention(args) => run_attention(&ctx, &args)?,
                RunOp::AttentionSearch(args) => run_attention_search(&ctx, &args)?,
                RunOp::Fft {
                    input,
                    out,
                    inverse,
                } => run_fft(&ctx, &input, &out, inverse)?,
                RunOp::Fftconv {
                    inputs,
                    out,
                    circular,
                    pre_gate,
                    post_gate,
                    freq_keep,
                } => run_fftconv(
                    &ctx, &inputs, &out, circular, pre_gate, post_gate, freq_keep,
                )?,
                RunOp::SparseGemm {
                    inputs,
                    out,
                    pattern,
                    linear,
                    prune,
                } => run_sparse_gemm(&ctx, &inputs, &out, &pattern, linear, prune)?,
                RunOp::Prune { .. } => unreachable!("handled before a context is made"),
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
    // Nothing is compiled to show the adapter: a cheap first screen.
    println!("pipelines {}", ctx.compile_summary_since(0).line());
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

/// A spinner for work whose length is not known up front: the count done, the time it has run
/// (ticking, so a long pipeline compile never looks like a hang) and the last item.
fn spinner(what: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{prefix} {spinner} {pos} done, {elapsed} {msg}")
            .expect("static template"),
    );
    pb.set_prefix(what.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(250));
    pb
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

/// One verify result as a table row (the header is [`CHECK_HEADER`]).
fn check_line(c: &Check) -> String {
    format!(
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
    )
}

/// Devices `verify` spreads its ops over. A CPU adapter (lavapipe) compiles each device's
/// pipelines on that device's one driver thread, and compiling is most of what a cold verify
/// does there: ops on separate devices compile in parallel, one per core (at most 2: the
/// machines this runs on have 2, and memory grows with each device). GPU drivers compile at
/// creation on the calling thread and are fast; GL locks its one context per call.
fn verify_devices(ctx: &Context, ops: usize) -> usize {
    let cpu = ctx.caps().device_type == wgpu::DeviceType::Cpu;
    let gl = ctx.adapter.get_info().backend == wgpu::Backend::Gl;
    if !cpu || gl {
        return 1;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(2).min(ops).max(1)
}

/// One op's verify outcome.
struct OpChecks {
    op: &'static str,
    checks: Vec<Check>,
    cost: wgkernels::shaders::CompileSummary,
}

/// Runs the checks of `ops` at `tier`, printing each as it finishes (several ops at once on
/// CPU adapters, see [`verify_devices`]); returns whether all passed and what the pipelines
/// each op built cost.
fn verify(
    ctx: &Context,
    ops: &[String],
    tier: Tier,
    json: Option<&Path>,
) -> Result<(bool, Vec<CompileRow>), Error> {
    println!(
        "{:<10} {:<9} {:<5} {:<44} {:>10} {:>10} {:>10}  result",
        "op", "variant", "dtype", "shape", "max abs", "rel L2", "tol"
    );
    let start = std::time::Instant::now();
    let todo: Vec<&'static str> = OPS.iter().copied().filter(|op| wants(ops, op)).collect();
    let mut devices = vec![ctx.clone()];
    for _ in 1..verify_devices(ctx, todo.len()) {
        devices.push(pollster::block_on(ctx.sibling())?);
    }
    // The costliest ops first (the sparse and convolution kernels compile longest), so that
    // the devices finish close together.
    let queue = std::sync::Mutex::new(todo.iter().rev().copied().collect::<Vec<_>>());
    let bars = indicatif::MultiProgress::new();
    let done = std::sync::Mutex::new(Vec::<OpChecks>::new());
    let failure = std::sync::Mutex::new(None::<Error>);
    std::thread::scope(|s| {
        for dev in &devices {
            let (queue, bars, done, failure) = (&queue, &bars, &done, &failure);
            s.spawn(move || loop {
                let Some(op) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop() else {
                    return;
                };
                let mark = dev.compile_mark();
                let t0 = std::time::Instant::now();
                let pb = bars.add(spinner(&format!("verify {op}")));
                let r = wgkernels::verify::verify_op(dev, op, tier, &mut |c| {
                    pb.inc(1);
                    pb.set_message(format!("{} {}", c.variant, shape_text(&c.shape)));
                    // (suspend, not println: println is a no-op when stderr is not a terminal)
                    bars.suspend(|| println!("{}", check_line(c)));
                });
                pb.finish_and_clear();
                bars.remove(&pb);
                match r {
                    Ok(checks) => {
                        let cost = dev.compile_summary_since(mark);
                        bars.suspend(|| {
                            println!(
                                "verify {op}: {} checks in {:.1} s; {}",
                                checks.len(),
                                t0.elapsed().as_secs_f64(),
                                cost.line()
                            )
                        });
                        let mut d = done.lock().unwrap_or_else(|e| e.into_inner());
                        d.push(OpChecks { op, checks, cost });
                    }
                    Err(e) => {
                        *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                        return;
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|d| OPS.iter().position(|o| *o == d.op));
    let checks: Vec<&Check> = done.iter().flat_map(|d| &d.checks).collect();
    let costs: Vec<_> = done.iter().map(|d| d.cost.clone()).collect();
    let total = wgkernels::shaders::CompileSummary::sum(&costs);
    let failed = checks.iter().filter(|c| !c.pass).count();
    println!(
        "verify ({} tier): {} checks, {} passed, {} failed in {:.1} s on {} device{}; {}",
        tier.name(),
        checks.len(),
        checks.len() - failed,
        failed,
        start.elapsed().as_secs_f64(),
        devices.len(),
        if devices.len() == 1 { "" } else { "s" },
        total.line()
    );
    if let Some(p) = json {
        write_json(
            p,
            &serde_json::json!({
                "adapter": ctx.adapter_id(),
                "tier": tier,
                "checks": checks,
                "compile": total,
            }),
        )?;
    }
    let rows = done
        .into_iter()
        .map(|d| CompileRow {
            phase: "verify".into(),
            op: d.op.to_string(),
            cost: d.cost,
        })
        .collect();
    Ok((failed == 0, rows))
}

/// Runs the bench of `args.ops` and writes the report; `compile` holds the rows of earlier
/// phases of the run (the main job's verify), to which the bench's own are added.
fn bench(ctx: &Context, args: &BenchArgs, mut compile: Vec<CompileRow>) -> Result<(), Error> {
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
        let mark = ctx.compile_mark();
        let t0 = std::time::Instant::now();
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
            &mut |r| pb.suspend(|| println!("{}", r.line())),
            // (suspend, not println: println is a no-op when stdout is not a terminal)
            &mut |e| pb.suspend(|| eprintln!("{e}")),
        )?);
        pb.finish_and_clear();
        let cost = ctx.compile_summary_since(mark);
        println!(
            "bench {op}: {:.1} s; {}",
            t0.elapsed().as_secs_f64(),
            cost.line()
        );
        compile.push(CompileRow {
            phase: "bench".into(),
            op: op.to_string(),
            cost,
        });
    }
    let report = BenchReport {
        adapter: ctx.adapter_id(),
        peaks,
        results,
        version: env!("CARGO_PKG_VERSION").into(),
        compile,
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
    // The rows were printed as they were measured.
    println!("tuning: {tuning}");
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
    match st.path.as_ref().and_then(|p| p.parent()) {
        None => eprintln!(
            "warning: no cache directory: tuning results are kept in memory only and lost at exit"
        ),
        // Said before the first (possibly long) measurement, not only when the first write fails.
        Some(dir) => {
            if let Err(e) = std::fs::create_dir_all(dir) {
                eprintln!(
                    "warning: cache directory {} is not writable ({e}): tuning results are kept in memory only and lost at exit",
                    dir.display()
                );
            }
        }
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

/// Reads Q, K, V and derives the attention shape: 4-D (B, H, N, D) or 3-D (H, N, D).
fn attention_inputs(
    inputs: &[PathBuf],
) -> Result<(AttentionDesc, [wgkernels::npy::NpyArray; 3], bool), Error> {
    use wgkernels::npy::read_npy;
    if inputs.len() != 3 {
        return Err(Error::Shape(format!(
            "attention takes 3 --in files (Q, K, V); got {}",
            inputs.len()
        )));
    }
    let q = read_npy(&inputs[0])?;
    let k = read_npy(&inputs[1])?;
    let v = read_npy(&inputs[2])?;
    let dims = |name: &str, s: &[u64]| -> Result<[u32; 4], Error> {
        let to32 = |x: u64| {
            u32::try_from(x).map_err(|_| Error::Shape(format!("{name}: dimension {x} too large")))
        };
        match *s {
            [h, n, d] => Ok([1, to32(h)?, to32(n)?, to32(d)?]),
            [b, h, n, d] => Ok([to32(b)?, to32(h)?, to32(n)?, to32(d)?]),
            _ => Err(Error::Shape(format!(
                "{name} must be 3-D (H, N, D) or 4-D (B, H, N, D); got shape {s:?}"
            ))),
        }
    };
    let (qd, kd, vd) = (
        dims("Q", &q.shape)?,
        dims("K", &k.shape)?,
        dims("V", &v.shape)?,
    );
    if kd != vd {
        return Err(Error::Shape(format!(
            "K and V shapes differ: {:?} vs {:?}",
            k.shape, v.shape
        )));
    }
    if qd[0] != kd[0] || qd[3] != kd[3] {
        return Err(Error::Shape(format!(
            "Q {:?} and K {:?} differ in batch or head dim",
            q.shape, k.shape
        )));
    }
    if q.dtype() != k.dtype() || k.dtype() != v.dtype() {
        return Err(Error::Shape("Q, K and V must have the same dtype".into()));
    }
    let desc = AttentionDesc::new(qd[0], qd[1], qd[2], qd[3])
        .gqa(kd[1])
        .kv_len(kd[2])
        .dtype(q.dtype());
    desc.validate()?;
    let three_d = q.shape.len() == 3;
    Ok((desc, [q, k, v], three_d))
}

/// The mask block sizes: the ones asked for, else the dispatcher's. A size the help rules out
/// (not a power of two in 16..=128) is an error, not silently replaced.
fn attention_blocks(
    ctx: &Context,
    desc: &AttentionDesc,
    bq: Option<u32>,
    bk: Option<u32>,
) -> Result<(u32, u32), Error> {
    for (flag, b) in [("--block-q", bq), ("--block-kv", bk)] {
        if let Some(b) = b.filter(|&b| !(16..=128).contains(&b) || !b.is_power_of_two()) {
            return Err(Error::Unsupported(format!(
                "{flag} {b}: block sizes are powers of two in 16..=128"
            )));
        }
    }
    let (dq, dk) = AttentionPlan::block_sizes(ctx, desc);
    Ok((bq.unwrap_or(dq), bk.unwrap_or(dk)))
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
        let text = std::fs::read_to_string(plan_path).map_err(|source| Error::Io {
            path: plan_path.display().to_string(),
            source,
        })?;
        let fmt = |msg: String| Error::Format {
            path: plan_path.display().to_string(),
            msg,
        };
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| fmt(e.to_string()))?;
        let heads = json["heads"]
            .as_array()
            .ok_or_else(|| fmt("no `heads` array".into()))?;
        if heads.len() != desc.heads_q as usize {
            return Err(fmt(format!(
                "the plan lists {} heads but Q has {}",
                heads.len(),
                desc.heads_q
            )));
        }
        let pats = heads
            .iter()
            .map(|h| Pattern::parse(h["pattern"].as_str().unwrap_or("")))
            .collect::<Result<Vec<_>, _>>()?;
        let block = |key: &str| -> Result<Option<u32>, Error> {
            match &json[key] {
                serde_json::Value::Null => Ok(None),
                v => v
                    .as_u64()
                    .and_then(|x| u32::try_from(x).ok())
                    .map(Some)
                    .ok_or_else(|| fmt(format!("`{key}` is not a block size: {v}"))),
            }
        };
        let bq = a.block_q.or(block("block_q")?);
        let bk = a.block_kv.or(block("block_kv")?);
        let (bq, bk) = attention_blocks(ctx, &desc, bq, bk)?;
        Some(MaskBuilder::new(desc.nq, desc.nkv, bq, bk).build_heads(&pats)?)
    } else if a.pattern.is_some() || a.block_q.is_some() || a.block_kv.is_some() {
        // Block sizes without a pattern: the dense mask on those blocks.
        let pattern = match &a.pattern {
            Some(spec) => Pattern::parse(spec)?,
            None => Pattern::Full,
        };
        let (bq, bk) = attention_blocks(ctx, &desc, a.block_q, a.block_kv)?;
        Some(MaskBuilder::new(desc.nq, desc.nkv, bq, bk).build(&pattern)?)
    } else {
        None
    };
    let plan = AttentionPlan::new(ctx, desc, mask.as_ref(), None)?;
    let oshape: Vec<u64> = if three_d {
        vec![desc.heads_q as u64, desc.nq as u64, desc.head_dim as u64]
    } else {
        vec![
            desc.batch as u64,
            desc.heads_q as u64,
            desc.nq as u64,
            desc.head_dim as u64,
        ]
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
        Some(c) => c
            .split(';')
            .filter(|s| !s.trim().is_empty())
            .map(Pattern::parse)
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let blocks = (a.block_q.is_some() || a.block_kv.is_some())
        .then(|| attention_blocks(ctx, &desc, a.block_q, a.block_kv))
        .transpose()?;
    let opts = SearchOptions {
        lambda: a.lambda,
        epsilon: a.epsilon,
        candidates,
        frame_len: a.frame_len,
        blocks,
    };
    let (plan, measured) = match (&q.data, &k.data, &v.data) {
        (NpyData::F32(q), NpyData::F32(k), NpyData::F32(v)) => {
            let plan = pollster::block_on(search_patterns(ctx, &desc, q, k, v, &opts))?;
            let m = if a.measure {
                Some(measure_plan(ctx, &desc, &plan, q, k, v)?)
            } else {
                None
            };
            (plan, m)
        }
        (NpyData::F16(q), NpyData::F16(k), NpyData::F16(v)) => {
            let plan = pollster::block_on(search_patterns(ctx, &desc, q, k, v, &opts))?;
            let m = if a.measure {
                Some(measure_plan(ctx, &desc, &plan, q, k, v)?)
            } else {
                None
            };
            (plan, m)
        }
        _ => unreachable!("dtypes checked equal above"),
    };
    println!(
        "{:<5} {:<40} {:>10} {:>8}",
        "head", "pattern", "rel MSE", "density"
    );
    for h in &plan.heads {
        println!(
            "{:<5} {:<40} {:>10.2e} {:>8.3}",
            h.head, h.pattern, h.err, h.density
        );
    }
    println!(
        "predicted speedup over dense: {:.2}x (lambda {}, epsilon {})",
        plan.predicted_speedup, plan.lambda, plan.epsilon
    );
    if let Some((dense_ms, plan_ms)) = measured {
        println!(
            "measured: dense {dense_ms:.2} ms, plan {plan_ms:.2} ms, speedup {:.2}x",
            dense_ms / plan_ms
        );
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
fn run_fft(ctx: &Context, input: &Path, out: &Path, inverse: bool) -> Result<(), Error> {
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    let a = read_npy(input)?;
    let dims = &a.shape;
    if dims.len() < 2 || dims[dims.len() - 1] != 2 {
        return Err(Error::Shape(format!(
            "fft input must be (..., n, 2) interleaved (re, im); got shape {dims:?}"
        )));
    }
    let n = dims[dims.len() - 2];
    let batch: u64 = dims[..dims.len() - 2].iter().product();
    let to32 = |x: u64, w: &str| {
        u32::try_from(x).map_err(|_| Error::Shape(format!("{w} = {x} is too large")))
    };
    let desc = wgkernels::FftDesc::new(to32(n, "n")?)
        .batch(to32(batch, "batch")?)
        .dtype(a.dtype())
        .inverse(inverse);
    let plan = wgkernels::FftPlan::new(ctx, desc, None)?;
    match a.data {
        NpyData::F32(x) => write_npy(out, dims, &pollster::block_on(plan.run_host(&x))?)?,
        NpyData::F16(x) => write_npy(out, dims, &pollster::block_on(plan.run_host(&x))?)?,
    }
    eprintln!(
        "fft n={n} batch={batch} {} ({}, {} dispatches) -> {}",
        if inverse { "inverse" } else { "forward" },
        plan.config().label(),
        plan.dispatches(),
        out.display()
    );
    Ok(())
}

fn run_fftconv(
    ctx: &Context,
    inputs: &[PathBuf],
    out: &Path,
    circular: bool,
    pre: bool,
    post: bool,
    freq_keep: Option<f32>,
) -> Result<(), Error> {
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    let need = 2 + pre as usize + post as usize;
    if inputs.len() != need {
        return Err(Error::Shape(format!(
            "run fftconv takes {need} --in files (u, k{}{}); got {}",
            if pre { ", pre" } else { "" },
            if post { ", post" } else { "" },
            inputs.len()
        )));
    }
    let arrays = inputs
        .iter()
        .map(|p| read_npy(p))
        .collect::<Result<Vec<_>, _>>()?;
    let (u, k) = (&arrays[0], &arrays[1]);
    let [b, h, l] = u.shape[..] else {
        return Err(Error::Shape(format!(
            "u must be (B, H, L); got {:?}",
            u.shape
        )));
    };
    let [hk, lk] = k.shape[..] else {
        return Err(Error::Shape(format!(
            "k must be (H, Lk); got {:?}",
            k.shape
        )));
    };
    if hk != h {
        return Err(Error::Shape(format!(
            "k has {hk} channels but u has H = {h}"
        )));
    }
    for g in &arrays[2..] {
        if g.shape != u.shape {
            return Err(Error::Shape(format!(
                "gates must be shaped like u {:?}; got {:?}",
                u.shape, g.shape
            )));
        }
    }
    if arrays.iter().any(|a| a.dtype() != u.dtype()) {
        return Err(Error::Shape("all inputs must have the same dtype".into()));
    }
    let to32 =
        |x: u64| u32::try_from(x).map_err(|_| Error::Shape(format!("dimension {x} too large")));
    let desc = wgkernels::FftConvDesc::new(to32(b)?, to32(h)?, to32(l)?, to32(lk)?)
        .circular(circular)
        .gates(pre, post)
        .dtype(u.dtype())
        .freq_keep(freq_keep);
    let plan = wgkernels::FftConvPlan::new(ctx, desc, None)?;
    let gate = |i: usize| arrays.get(i);
    let (gp, gq) = match (pre, post) {
        (true, true) => (gate(2), gate(3)),
        (true, false) => (gate(2), None),
        (false, true) => (None, gate(2)),
        (false, false) => (None, None),
    };
    macro_rules! go {
        ($v:ident) => {{
            let data = |a: Option<&wgkernels::npy::NpyArray>| match a.map(|a| &a.data) {
                Some(NpyData::$v(x)) => Some(x.clone()),
                _ => None,
            };
            let (NpyData::$v(uu), NpyData::$v(kk)) = (&u.data, &k.data) else {
                unreachable!("dtypes checked equal")
            };
            let (p1, p2) = (data(gp), data(gq));
            let y = pollster::block_on(plan.run_host(uu, kk, p1.as_deref(), p2.as_deref()))?;
            write_npy(out, &u.shape, &y)?;
        }};
    }
    match u.dtype() {
        wgkernels::DType::F32 => go!(F32),
        wgkernels::DType::F16 => go!(F16),
    }
    eprintln!(
        "fftconv B={b} H={h} L={l} Lk={lk} ({}, n_fft {}, {} dispatches) -> {}",
        plan.path().name(),
        plan.n_fft(),
        plan.dispatches(),
        out.display()
    );
    Ok(())
}

/// Rows × columns of an array whose last axis is K (every leading axis folds into rows).
fn rows_by_last(name: &str, shape: &[u64]) -> Result<(usize, usize), Error> {
    let (&k, lead) = shape
        .split_last()
        .ok_or_else(|| Error::Shape(format!("{name} must have at least one axis")))?;
    Ok((lead.iter().product::<u64>() as usize, k as usize))
}

fn run_prune(
    input: &Path,
    out: &Path,
    pattern: &str,
    values: Option<&Path>,
    meta: Option<&Path>,
) -> Result<(), Error> {
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    use wgkernels::ops::sparse_gemm::NmMatrix;
    let pattern: wgkernels::NmPattern = pattern.parse()?;
    let a = read_npy(input)?;
    let (rows, k) = rows_by_last("the input", &a.shape)?;
    #[allow(clippy::too_many_arguments)] // one argument per file and flag of the subcommand
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
        let zeros = x.iter().filter(|v| v.to_f64() != 0.0).count()
            - c.decompress().iter().filter(|v| v.to_f64() != 0.0).count();
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

fn run_sparse_gemm(
    ctx: &Context,
    inputs: &[PathBuf],
    out: &Path,
    pattern: &str,
    linear: bool,
    prune: bool,
) -> Result<(), Error> {
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
            _ => {
                return Err(Error::Shape(format!(
                    "W must be 2-D (out × in); got {:?}",
                    s.shape
                )))
            }
        };
        let (batch, tokens, k) = matrix_dims("X", &d.shape)?;
        if k != in_f {
            return Err(Error::Shape(format!(
                "X has {k} features but W has {in_f} inputs"
            )));
        }
        let desc = SparseGemmDesc::linear(tokens, out_f, in_f, pattern).batch(batch);
        let shape = if d.shape.len() == 3 {
            vec![batch as u64, tokens as u64, out_f as u64]
        } else {
            vec![tokens as u64, out_f as u64]
        };
        (desc, shape, out_f as usize)
    } else {
        let (ba, m, k) = matrix_dims("A", &s.shape)?;
        let (bb, kb, n) = matrix_dims("B", &d.shape)?;
        if k != kb {
            return Err(Error::Shape(format!(
                "inner dimensions differ: A is {m}×{k}, B is {kb}×{n}"
            )));
        }
        if ba != bb && ba != 1 {
            return Err(Error::Shape(format!(
                "batch sizes {ba} and {bb} differ (a single A is shared)"
            )));
        }
        let desc = SparseGemmDesc::matmul(m, n, k, pattern)
            .batch(bb)
            .shared_sparse(ba == 1);
        let shape = if s.shape.len() == 3 || d.shape.len() == 3 {
            vec![bb as u64, m as u64, n as u64]
        } else {
            vec![m as u64, n as u64]
        };
        (desc, shape, m as usize * ba as usize)
    };
    if let Some(b) = &bias {
        if b.shape.iter().product::<u64>() != desc.rows as u64 {
            return Err(Error::Shape(format!(
                "the bias must have {} values; got shape {:?}",
                desc.rows, b.shape
            )));
        }
    }
    let desc = desc.with_bias(bias.is_some()).dtype(s.dtype());
    let plan = SparseGemmPlan::new(ctx, desc, None)?;
    let k = desc.k as usize;
    #[allow(clippy::too_many_arguments)] // one argument per file and flag of the subcommand
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
        let c = if prune {
            NmMatrix::compress_pruned(a, rows, k, p)?
        } else {
            NmMatrix::compress(a, rows, k, p)?
        };
        let r = pollster::block_on(plan.run_host(&c, dense, bias))?;
        write_npy(out, shape, &r)?;
        Ok(c.compressed_bytes())
    }
    let bytes = match (s.data, d.data, bias.map(|b| b.data)) {
        (NpyData::F32(a), NpyData::F32(x), b) => {
            let b = match b {
                Some(NpyData::F32(b)) => Some(b),
                _ => None,
            };
            go(
                &plan,
                &a,
                sparse_rows,
                k,
                prune,
                &x,
                b.as_deref(),
                out,
                &out_shape,
            )?
        }
        (NpyData::F16(a), NpyData::F16(x), b) => {
            let b = match b {
                Some(NpyData::F16(b)) => Some(b),
                _ => None,
            };
            go(
                &plan,
                &a,
                sparse_rows,
                k,
                prune,
                &x,
                b.as_deref(),
                out,
                &out_shape,
            )?
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
