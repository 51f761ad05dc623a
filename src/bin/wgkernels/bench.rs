//! `wgkernels bench`: peaks, then every op's cases, into the vendor report.

use crate::*;

/// Runs the bench of `args.ops` and writes the report; `compile` holds the rows of earlier
/// phases of the run (the main job's verify), to which the bench's own are added.
pub(crate) fn bench(
    ctx: &Context,
    args: &BenchArgs,
    mut compile: Vec<CompileRow>,
) -> Result<(), Error> {
    // Before anything runs: what else loads the machine.
    let mut system = wgkernels::report::SystemInfo::detect();
    let spinner = progress_bar(1, "peaks");
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    let peaks = wgkernels::probe::measure_peaks(ctx, args.quick)?;
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
    for op in wgkernels::ops::names()
        .iter()
        .filter(|op| wants(&args.ops, op))
    {
        let mark = ctx.compile_mark();
        let t0 = std::time::Instant::now();
        let pb = progress_bar(0, &format!("bench {op}"));
        results.extend(wgkernels::ops::bench_op(
            ctx,
            &peaks,
            op,
            args.quick,
            &mut |i, n, label| {
                pb.set_length(n as u64);
                pb.set_position(i as u64);
                pb.set_message(label.to_string());
            },
            &mut |r| {
                let mut r = r.clone();
                wgkernels::report::roofline::apply(&mut r, &peaks);
                pb.suspend(|| println!("{}", r.line()))
            },
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
    system.load_after = wgkernels::report::system::load_average();
    let report = BenchReport::new(ctx.adapter_id(), peaks, results, compile, Some(system));
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
    // Charts go next to the Markdown (or the HTML, JSON or CSV when there is no Markdown).
    let mut charts = Vec::new();
    let anchor = args
        .md
        .as_ref()
        .or(args.html.as_ref())
        .or(args.json.as_ref())
        .or(args.csv.as_ref());
    if let Some(anchor) = anchor {
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
    print!(
        "{}",
        report
            .scores_markdown()
            .replace("## Scores\n\n", "scores: ")
    );
    if let Some(p) = &args.json {
        write_json(
            p,
            &serde_json::to_value(&report).expect("report serialises"),
        )?;
        println!("wrote {}", p.display());
    }
    if let Some(p) = &args.md {
        write_text(p, &md)?;
    }
    if let Some(p) = &args.csv {
        write_text(p, &report.to_csv())?;
    }
    if let Some(p) = &args.html {
        let with_titles: Vec<(PathBuf, String)> = charts
            .iter()
            .map(|(_, t, p)| (p.clone(), t.clone()))
            .collect();
        write_text(
            p,
            &report.to_html(&read_charts(&with_titles)?, Some(&tuning)),
        )?;
    }
    for (_, _, p) in &charts {
        println!("wrote {}", p.display());
    }
    Ok(())
}
