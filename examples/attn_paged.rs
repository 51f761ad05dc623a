//! Times paged decode (16 sequences × 4096 keys in pages of 64, shuffled in the pool, 32 query
//! heads over 8 KV heads, D = 64, f32) against the contiguous decode of the same data in
//! alternating rounds in one process, and prints both rows and the GB/s ratio (issue 15's
//! bound: paged within 10 % of contiguous). The same rows are part of the full
//! `wgkernels bench attention`.
//!
//! ```text
//! WGPU_BACKEND=vulkan cargo run --release --example attn_paged -- [--quick]
//! ```

use wgkernels::ops::attention::bench::bench_paged_decode;
use wgkernels::Context;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quick = std::env::args().any(|a| a == "--quick");
    let ctx = pollster::block_on(Context::new())?;
    let peaks = wgkernels::probe::measure_peaks(&ctx, true)?;
    let rows = bench_paged_decode(&ctx, &peaks, quick)?;
    for r in &rows {
        println!(
            "{:<28} {:<26} median {:8.3} ms  {:6.2} GB/s  rel L2 {:.1e}  {}",
            r.shape["pattern"].as_str().unwrap_or(""),
            r.config,
            r.median_ms,
            r.gbps.unwrap_or(f64::NAN),
            r.rel_l2_err,
            r.note
        );
    }
    Ok(())
}
