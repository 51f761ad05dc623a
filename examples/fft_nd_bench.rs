//! The N-D rows of `wgkernels bench fft` alone (quick or full cases), with the copy-kernel peak
//! measured in the same process: `cargo run --release --example fft_nd_bench -- [--full]
//! [--only SUBSTRING]` (`--only filter`: the global filter rows alone), or one c2c shape of
//! your own: `-- --shape 2,1024,8192 --axes 1,2` (axes default to all; the row compares the
//! pick against the plain strided passes in alternating rounds, like the c2c rows).

use wgkernels::ops::fft::bench::{bench_nd_case, nd_cases, nd_label};
use wgkernels::ops::fft::nd::{FftNdDesc, NdTransform};
use wgkernels::ops::fft::work::NdCase;
use wgkernels::Context;

/// The comma-separated numbers after `flag`, if given.
fn list<T: std::str::FromStr>(args: &[String], flag: &str) -> Option<Vec<T>> {
    let i = args.iter().position(|a| a == flag)?;
    let v = args.get(i + 1)?.split(',').map(|x| x.trim().parse().ok());
    v.collect()
}

fn main() -> wgkernels::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--full");
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1).cloned());
    let cases = match list::<u32>(&args, "--shape") {
        Some(shape) => {
            let axes = list::<usize>(&args, "--axes").unwrap_or_else(|| (0..shape.len()).collect());
            let c2c = NdTransform::C2c { inverse: false };
            vec![NdCase::Transform(FftNdDesc::new(&shape, &axes, c2c))]
        }
        None => nd_cases(!full),
    };
    let ctx = Context::new_blocking()?;
    let peaks = wgkernels::probe::measure_peaks(&ctx, true)?;
    println!("copy kernel {:.2} GB/s", peaks.copy_gbps);
    for case in cases {
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
