//! `wgkernels tune`: measures the candidates of each op's shape buckets into the cache.

use crate::*;

pub(crate) fn tune(ctx: &Context, ops: &[String], quick: bool, force: bool) -> Result<(), Error> {
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
    for op in wgkernels::ops::names().iter().filter(|op| wants(ops, op)) {
        let jobs = match wgkernels::ops::tune_jobs(ctx, op, quick) {
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
                    println!(
                        "{op} {}: already cached (--force re-measures)",
                        shape_text(&job.bucket)
                    )
                });
                continue;
            }
            let bucket = shape_text(&job.bucket);
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
pub(crate) fn print_entry(e: &wgkernels::tune::TuneEntry) {
    println!(
        "\n{} {} (timed on {}, timing {}): winner {}",
        e.op,
        shape_text(&e.bucket),
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

/// The cache directory and key of `ctx`'s adapter, or why there is none.
fn cache_dir_and_key(ctx: &Context) -> Result<(PathBuf, wgkernels::tune::CacheKey), Error> {
    let dir = ctx
        .tuner()
        .cache_path(ctx)
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .ok_or_else(|| {
            Error::Shape(
                "no tuning cache directory (set --cache-dir or WGKERNELS_CACHE_DIR)".into(),
            )
        })?;
    Ok((dir, wgkernels::tune::CacheKey::new(ctx.adapter_id())))
}

/// `tune --import FILE`: merges an export into the per-adapter caches and says what became of
/// each adapter's entries.
pub(crate) fn tune_import(ctx: &Context, file: &Path) -> Result<(), Error> {
    use wgkernels::runtime::tune_cache::{import, read_export, ImportOutcome};
    let export = read_export(file).map_err(|msg| Error::Format {
        path: file.display().to_string(),
        msg,
    })?;
    let (dir, key) = cache_dir_and_key(ctx)?;
    for o in import(&dir, &key, &export) {
        match o {
            ImportOutcome::Applied { path, added, kept } => println!(
                "this adapter: {added} entries added to {} ({kept} already there kept)",
                path.display()
            ),
            ImportOutcome::KeptApart {
                adapter,
                path,
                added,
                kept,
            } => println!(
                "{adapter}: another adapter's entries, kept apart in {} ({added} added, {kept} kept); never used on this adapter",
                path.display()
            ),
            ImportOutcome::Refused { adapter, why } => {
                eprintln!("{adapter}: refused: {why}")
            }
        }
    }
    Ok(())
}

/// `tune --export FILE`: adds this adapter's cache to FILE.
pub(crate) fn tune_export(ctx: &Context, file: &Path) -> Result<(), Error> {
    let (dir, key) = cache_dir_and_key(ctx)?;
    let n =
        wgkernels::runtime::tune_cache::export(&dir, &key, file).map_err(|msg| Error::Format {
            path: file.display().to_string(),
            msg,
        })?;
    println!(
        "exported {n} entries of {} ({}, {} {}) to {}",
        key.adapter.name,
        key.adapter.backend,
        key.adapter.driver,
        key.adapter.driver_info,
        file.display()
    );
    Ok(())
}
