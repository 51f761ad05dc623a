//! `wgkernels verify`: every op of the registry against its CPU reference, streamed.

use crate::*;

/// One verify result as a table row (the header is [`CHECK_HEADER`]).
pub(crate) fn check_line(c: &Check) -> String {
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
pub(crate) fn verify_devices(ctx: &Context, ops: usize) -> usize {
    let cpu = ctx.caps().device_type == wgpu::DeviceType::Cpu;
    let gl = ctx.adapter.get_info().backend == wgpu::Backend::Gl;
    if !cpu || gl {
        return 1;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(2).min(ops).max(1)
}

/// One op's verify outcome.
pub(crate) struct OpChecks {
    op: &'static str,
    checks: Vec<Check>,
    cost: wgkernels::runtime::pipelines::CompileSummary,
}

/// Runs the checks of `ops` at `tier`, printing each as it finishes (several ops at once on
/// CPU adapters, see [`verify_devices`]); returns whether all passed and what the pipelines
/// each op built cost.
pub(crate) fn verify(
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
    let todo: Vec<&'static str> = wgkernels::ops::names()
        .iter()
        .copied()
        .filter(|op| wants(ops, op))
        .collect();
    let mut devices = vec![ctx.clone()];
    for _ in 1..verify_devices(ctx, todo.len()) {
        devices.push(pollster::block_on(ctx.sibling())?);
    }
    // The costliest ops first, so that the devices finish close together: a device pops the
    // last op of the registry's order, and the last ones compile longest on lavapipe (cold,
    // standard tier: sparse GEMM 46 s, attention 29 s, FFT convolution 27 s, GEMM 11 s, FFT
    // 5 s; taking GEMM and FFT first instead made verify 78.5 s where ~61 s is possible).
    let queue = std::sync::Mutex::new(todo);
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
                let r = wgkernels::ops::verify_op(dev, op, tier, &mut |c| {
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
    done.sort_by_key(|d| wgkernels::ops::names().iter().position(|o| *o == d.op));
    let checks: Vec<&Check> = done.iter().flat_map(|d| &d.checks).collect();
    let costs: Vec<_> = done.iter().map(|d| d.cost.clone()).collect();
    let total = wgkernels::runtime::pipelines::CompileSummary::sum(&costs);
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
