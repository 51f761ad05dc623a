//! Times paged decode (16 sequences × 4096 keys in pages of 64, shuffled in the pool, 32 query
//! heads over 8 KV heads, D = 64, f32) against the contiguous decode of the same data in
//! alternating rounds in one process, and prints both rows and the GB/s ratio (issue 15's
//! bound: paged within 10 % of contiguous). The same rows are part of the full
//! `wgkernels bench attention`.
//!
//! ```text
//! WGPU_BACKEND=vulkan cargo run --release --example attn_paged -- [--quick] [PAGE_SIZE]
//! ```
//!
//! `PAGE_SIZE` (default 64, as in the report) is a power of two up to 4096; below 64 the paged
//! plan also takes KV blocks of that size (pages hold whole blocks).

use wgkernels::ops::attention::bench::bench_paged_decode;
use wgkernels::Context;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quick = std::env::args().any(|a| a == "--quick");
    let page = match std::env::args().skip(1).find(|a| a != "--quick") {
        Some(p) => p.parse()?,
        None => 64,
    };
    let ctx = pollster::block_on(Context::new())?;
    let peaks = wgkernels::probe::measure_peaks(&ctx, true)?;
    let rows = bench_paged_decode(&ctx, &peaks, quick, page)?;
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
