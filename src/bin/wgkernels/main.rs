//! `wgkernels`: adapter info, verification against CPU references, the vendor benchmark
//! report, and running ops on `.npy` files. With no arguments: info, verify, quick bench, report.
//!
//! Exit codes: 0 success; 1 a verification failed; 2 bad usage or input (unknown op, unreadable
//! file, shape mismatch, a `compare` input that is not a readable bench report); 3 no usable GPU
//! adapter or a GPU error. A tuning cache that cannot be written is not an error: `tune` then
//! keeps its results in memory, says so on stderr and exits 0.

mod args;
mod bench;
mod compare;
mod info;
mod progress;
mod run;
mod tune;
mod verify;

use args::*;
use bench::*;
use compare::*;
use info::*;
use progress::*;
use run::*;
use tune::*;
use verify::*;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wgkernels::harness::verify::Check;
use wgkernels::harness::verify::Tier;
use wgkernels::report::{shape_text, BenchReport, CompileRow};
use wgkernels::tune::{CandidateStatus, TuneOptions};
use wgkernels::{
    search_patterns, AttentionDesc, AttentionPlan, Context, Error, GemmDesc, GemmPlan, MaskBuilder,
    Pattern, SearchOptions,
};

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
pub(crate) struct Session(Context);

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
pub(crate) fn context(cache_dir: &Option<PathBuf>) -> Result<Session, Error> {
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
                csv: Some("report/report.csv".into()),
                html: Some("report/report.html".into()),
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
        Some(Command::Tune {
            ops,
            quick,
            force,
            import,
            export,
        }) => {
            check_ops(&ops)?;
            let ctx = context(cd)?;
            if import.is_none() && export.is_none() {
                tune(&ctx, &ops, quick, force)?;
            }
            if let Some(f) = &import {
                tune_import(&ctx, f)?;
            }
            if let Some(f) = &export {
                tune_export(&ctx, f)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Compare {
            files,
            md,
            svg,
            roofline,
            html,
        }) => {
            compare(
                &files,
                CompareOut {
                    md: md.as_deref(),
                    svg: svg.as_deref(),
                    roofline: roofline.as_deref(),
                    html: html.as_deref(),
                },
            )?;
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
                    bias,
                    activation,
                } => run_gemm(
                    &ctx,
                    &inputs,
                    &out,
                    (trans_a, trans_b),
                    (alpha, beta),
                    bias.as_deref(),
                    &activation,
                )?,
                RunOp::Attention(args) => run_attention(&ctx, &args)?,
                RunOp::AttentionSearch(args) => run_attention_search(&ctx, &args)?,
                RunOp::Fft { t, inverse } => run_fft(&ctx, &t.transform(), inverse)?,
                RunOp::Rfft { t, inverse, n } => run_rfft(&ctx, &t.transform(), inverse, n)?,
                RunOp::Dct { t, kind, dst } => run_dct(&ctx, &t.transform(), kind, dst)?,
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

pub(crate) fn check_ops(ops: &[String]) -> Result<(), Error> {
    for op in ops {
        if !wgkernels::ops::names().contains(&op.as_str()) {
            return Err(Error::Unsupported(format!(
                "unknown op `{op}` (known: {})",
                wgkernels::ops::names().join(", ")
            )));
        }
    }
    Ok(())
}

pub(crate) fn wants(ops: &[String], op: &str) -> bool {
    ops.is_empty() || ops.iter().any(|o| o == op)
}

pub(crate) fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).expect("JSON values always serialise");
    std::fs::write(path, text).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}
