//! Times the N-D transform's pieces on one adapter: the strided copy as a transpose and as a
//! plain copy, the row FFTs, the whole 2-D transform (`cargo run --release --example
//! permute_probe -- 1024`).

use wgkernels::harness::bench::time_rounds;
use wgkernels::ops::fft::nd::{FftNdDesc, FftNdPlan, NdTransform};
use wgkernels::{Context, FftDesc, FftPlan};

fn main() -> wgkernels::Result<()> {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    let ctx = Context::new_blocking()?;
    let c2c = NdTransform::C2c { inverse: false };
    let bytes = 8 * n as u64 * n as u64;
    let a = ctx.storage("a", bytes)?;
    let b = ctx.storage("b", bytes)?;
    let rows = FftPlan::new(&ctx, FftDesc::new(n).batch(n), None)?;
    let two_d = FftNdPlan::new(&ctx, FftNdDesc::new(&[n, n], &[0, 1], c2c))?;
    // Axis 0 alone: transpose, rows, transpose back.
    let col = FftNdPlan::new(&ctx, FftNdDesc::new(&[n, n], &[0], c2c))?;
    // Axis 1 with the orthonormal scale: rows, then a contiguous scaling copy.
    let scaled = FftNdPlan::new(
        &ctx,
        FftNdDesc::new(&[n, n], &[1], c2c).norm(wgkernels::Norm::Ortho),
    )?;
    let (r, t, c) = (rows.bind(&a, &b)?, two_d.bind(&a, &b)?, col.bind(&a, &b)?);
    let s = scaled.bind(&a, &b)?;
    let ts = time_rounds(&ctx, false, &[0, 1, 2, 3], |&i, p| match i {
        0 => r.record(p),
        1 => t.record(p),
        2 => c.record(p),
        _ => s.record(p),
    })?;
    let names = ["rows", "2-D", "axis 0 (T, rows, T)", "rows + scaling copy"];
    for (name, t) in names.iter().zip(&ts) {
        println!(
            "{name:>22}: {:8.2} ms  {:6.2} GB/s",
            t.median_ms,
            2.0 * bytes as f64 / t.median_ms / 1e6
        );
    }
    Ok(())
}
