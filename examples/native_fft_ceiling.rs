//! What the same CPU does natively: rustfft (f32, SIMD, one thread per core, in place) beside the
//! dispatcher's pick on the adapter, for every power of two from 256 to 2^20, each as a share of
//! the copy kernel measured in the same process. On a CPU rasteriser (lavapipe) this separates
//! what the silicon allows from what the driver's code generation gives our kernels: issue 14's
//! 1-D targets are shares of that copy kernel.
//!
//! ```text
//! cargo run --release --example native_fft_ceiling -- [ROUNDS]
//! ```
//! Both count one read and one write of the 64 MiB batch per transform. rustfft takes the best
//! of ROUNDS (default 5) runs, the adapter the median of at least ROUNDS; the two alternate per
//! size.

use rustfft::num_complex::Complex32;
use std::time::Instant;
use wgkernels::harness::bench::time_rounds;
use wgkernels::harness::verify::random_data;
use wgkernels::{Context, FftDesc, FftPlan};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Best time in seconds of `rounds` in-place rustfft runs over `data` in transforms of `n`,
/// split over `threads` threads (whole transforms each).
fn native_seconds(data: &mut [Complex32], n: usize, threads: usize, rounds: usize) -> f64 {
    let fft = rustfft::FftPlanner::<f32>::new().plan_fft_forward(n);
    let per_thread = (data.len() / n).div_ceil(threads) * n;
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        std::thread::scope(|s| {
            for part in data.chunks_mut(per_thread) {
                let fft = fft.clone();
                s.spawn(move || {
                    let mut scratch = vec![Complex32::default(); fft.get_inplace_scratch_len()];
                    fft.process_with_scratch(part, &mut scratch);
                });
            }
        });
        best = best.min(start.elapsed().as_secs_f64());
    }
    best
}

fn main() -> AnyResult<()> {
    let rounds: usize = std::env::args().nth(1).map_or(Ok(5), |r| r.parse())?;
    let threads = std::thread::available_parallelism()?.get();
    let total = 1usize << 23;
    let ctx = Context::new_blocking()?;
    let copy_before = wgkernels::probe::measure_peaks(&ctx, true)?.copy_gbps;
    let (values, _) = random_data::<f32>(2 * total, 1);
    let input = ctx.upload("x", &values)?;
    let output = ctx.storage("y", (total * 8) as u64)?;
    let mut data: Vec<Complex32> = values
        .chunks(2)
        .map(|c| Complex32::new(c[0], c[1]))
        .collect();
    let gb = 2.0 * (total * 8) as f64 / 1e9;
    let mut rows = Vec::new();
    for log_n in 8..=20u32 {
        let desc = FftDesc::new(1 << log_n).batch((total >> log_n) as u32);
        let plan = FftPlan::new(&ctx, desc, None)?;
        let bound = plan.bind(&input, &output)?;
        let mut samples = Vec::new();
        while samples.len() < rounds {
            let t = time_rounds(&ctx, true, &[&bound], |b, pass| b.record(pass))?;
            samples.extend(t.into_iter().flat_map(|t| t.samples_ms));
        }
        let ours = gb / (wgkernels::runtime::median(&samples) * 1e-3);
        let native = gb / native_seconds(&mut data, 1 << log_n, threads, rounds);
        rows.push((log_n, ours, native));
    }
    let copy_after = wgkernels::probe::measure_peaks(&ctx, true)?.copy_gbps;
    let copy = copy_before.max(copy_after);
    println!(
        "adapter {}; copy kernel {copy_before:.2} GB/s before, {copy_after:.2} after; rustfft on \
         {threads} threads",
        ctx.adapter_id().name
    );
    println!(
        "{:>8} {:>18} {:>18} {:>14}",
        "N", "ours GB/s (%)", "rustfft GB/s (%)", "rustfft/ours"
    );
    for (log_n, ours, native) in rows {
        println!(
            "{:>8} {:>9.2} ({:5.1}) {:>9.2} ({:5.1}) {:>13.2}x",
            1u32 << log_n,
            ours,
            100.0 * ours / copy,
            native,
            100.0 * native / copy,
            native / ours
        );
    }
    Ok(())
}
