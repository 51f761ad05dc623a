//! The N-D rows of `wgkernels bench fft` alone (quick or full cases), with the copy-kernel peak
//! measured in the same process: `cargo run --release --example fft_nd_bench -- [--full]
//! [--only SUBSTRING]` (`--only filter`: the global filter rows alone).

use wgkernels::ops::fft::bench::{bench_nd_case, nd_cases, nd_label};
use wgkernels::Context;

fn main() -> wgkernels::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--full");
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1).cloned());
    let ctx = Context::new_blocking()?;
    let peaks = wgkernels::probe::measure_peaks(&ctx, true)?;
    println!("copy kernel {:.2} GB/s", peaks.copy_gbps);
    for case in nd_cases(!full) {
        if only
            .as_ref()
            .is_some_and(|o| !nd_label(&case).contains(o.as_str()))
        {
            continue;
        }
        match bench_nd_case(&ctx, &peaks, &case, !full) {
            Ok(r) => println!(
                "{:<40} {:9.2} ms  {:5.2} GB/s  {:5.1} % of copy  [{}]",
                nd_label(&case),
                r.median_ms,
                r.gbps.unwrap_or(0.0),
                r.pct_of_peak.unwrap_or(0.0),
                r.note
            ),
            Err(e) => println!("{:<40} failed: {e}", nd_label(&case)),
        }
    }
    Ok(())
}
