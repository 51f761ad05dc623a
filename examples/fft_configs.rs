//! Times one power-of-two FFT shape under several Stockham configurations in alternating rounds
//! (one timed run of each per round, the first rotating), with the measured copy kernel before
//! and after, and prints each one's GB/s and % of the copy kernel: how the 1-D speed work in
//! issue 14 compares kernels on a shared, noisy machine.
//!
//! ```text
//! cargo run --release --example fft_configs -- N BATCH [ROUNDS] [CONFIGS]
//! cargo run --release --example fft_configs -- 1024 8192 7 sg,plain
//! cargo run --release --example fft_configs -- 65536 128 5 sg,plain,plain-mp2
//! ```
//! CONFIGS (comma-separated): `sg` = `stockham_sg(12, 32, 0)` (the subgroup kernels, the CPU
//! default), `plain` = `stockham(12, 32, 0)`, `plain-mpK` = `stockham(12, 32, K)`,
//! `pick` = the dispatcher's pick. A config may name its own shape, `sg@256x32768` (N x BATCH,
//! same bytes or not: GB/s and % of copy count each case's own buffer), to set a multi-pass
//! transform beside a fused one in the same rounds, and f16 storage, `pick:f16` (or
//! `sg:f16@4096x2048`).

use wgkernels::harness::bench::time_rounds;
use wgkernels::harness::verify::random_data;
use wgkernels::{Context, DType, FftConfig, FftDesc, FftPlan};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

fn config(name: &str) -> AnyResult<Option<FftConfig>> {
    Ok(match name {
        "pick" => None,
        "sg" => Some(FftConfig::stockham_sg(12, 32, 0)),
        "plain" => Some(FftConfig::stockham(12, 32, 0)),
        _ => match name.strip_prefix("plain-mp") {
            Some(k) => Some(FftConfig::stockham(12, 32, k.parse()?)),
            None => return Err(format!("config {name}: sg, plain, plain-mpK or pick").into()),
        },
    })
}

fn main() -> AnyResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: fft_configs N BATCH [ROUNDS] [sg,plain,plain-mpK,pick[:f16][@NxBATCH]]";
    let n: u32 = args.first().ok_or(usage)?.parse()?;
    let batch: u32 = args.get(1).ok_or(usage)?.parse()?;
    let rounds: usize = args.get(2).map_or(Ok(7), |r| r.parse())?;
    let names: Vec<&str> = args
        .get(3)
        .map_or("sg,plain", String::as_str)
        .split(',')
        .collect();
    let ctx = Context::new_blocking()?;
    let mut cases = Vec::new();
    for name in &names {
        let (cfg, desc) = match name.split_once('@') {
            Some((c, shape)) => {
                let (n, b) = shape.split_once('x').ok_or(usage)?;
                (c, FftDesc::new(n.parse()?).batch(b.parse()?))
            }
            None => (*name, FftDesc::new(n).batch(batch)),
        };
        let (cfg, desc) = match cfg.strip_suffix(":f16") {
            Some(c) => (c, desc.dtype(DType::F16)),
            None => (cfg, desc),
        };
        let values = 2 * desc.len() as usize;
        let input = match desc.dtype {
            DType::F32 => ctx.upload("x", &random_data::<f32>(values, 1).0)?,
            DType::F16 => ctx.upload("x", &random_data::<half::f16>(values, 1).0)?,
        };
        let output = ctx.storage("y", desc.bytes())?;
        let plan = FftPlan::new(&ctx, desc, config(cfg)?)?;
        let label = format!(
            "n={} batch={}: {} ({} dispatches)",
            desc.n,
            desc.batch,
            plan.config().label(),
            plan.dispatches()
        );
        cases.push((label, desc, plan.bind(&input, &output)?));
    }
    let copy_before = wgkernels::probe::measure_peaks(&ctx, true)?.copy_gbps;
    // `quick = false`: the rounds follow the budget; at least `rounds`.
    let mut timings = vec![Vec::new(); cases.len()];
    while timings[0].len() < rounds {
        let t = time_rounds(&ctx, true, &cases, |(_, _, bound), pass| bound.record(pass))?;
        for (all, t) in timings.iter_mut().zip(t) {
            all.extend(t.samples_ms);
        }
    }
    let copy_after = wgkernels::probe::measure_peaks(&ctx, true)?.copy_gbps;
    let copy = copy_before.max(copy_after);
    println!(
        "default shape n = {n}, batch = {batch}, adapter {}; copy kernel {copy_before:.2} GB/s before, \
         {copy_after:.2} after",
        ctx.adapter_id().name
    );
    let base = wgkernels::runtime::median(&timings[0]);
    for ((name, (label, desc, _)), s) in names.iter().zip(&cases).zip(&timings) {
        let gb = 2.0 * desc.bytes() as f64 / 1e9;
        let t = wgkernels::runtime::median(s);
        let gbps = gb / (t * 1e-3);
        println!(
            "{name:>10}: {t:8.2} ms  {gbps:5.2} GB/s  {:5.1} % of copy  x{:.2} of {}'s time  \
             [{label}]  {} samples",
            100.0 * gbps / copy,
            t / base,
            names[0],
            s.len()
        );
    }
    Ok(())
}
