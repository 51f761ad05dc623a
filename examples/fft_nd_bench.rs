//! The N-D rows of `wgkernels bench fft` alone (quick or full cases), with the copy-kernel peak
//! measured in the same process: `cargo run --release --example fft_nd_bench -- [--full]`.

use wgkernels::ops::fft::bench::{bench_nd_case, nd_cases, nd_label};
use wgkernels::Context;

fn main() -> wgkernels::Result<()> {
    let full = std::env::args().any(|a| a == "--full");
    let ctx = Context::new_blocking()?;
    let peaks = wgkernels::probe::measure_peaks(&ctx, true)?;
    println!("copy kernel {:.2} GB/s", peaks.copy_gbps);
    for case in nd_cases(!full) {
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
