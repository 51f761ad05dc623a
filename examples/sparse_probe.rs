//! Back-to-back timing of sparse GEMM configurations next to our dense GEMM (one process), or
//! a fixed number of dispatches of one configuration for instruction counting.
//!
//! `CFGS="32,4,16;64,4,16" SIZE=2048 ROUNDS=2 cargo run --release --example sparse_probe`
//! `REPS=3 CFGS="64,4,16" SIZE=512 valgrind --tool=callgrind target/release/examples/sparse_probe`
//! `TOKENS=16 CFGS="default;4;64,1,8" SIZE=4096 cargo run --release --example sparse_probe`
//! (`CFGS` entries: cols `r,nt,ks`; gemv `r`; `dense` = the dense GEMM (REPS mode); `default` =
//! the dispatcher's pick. `TOKENS=t`: the linear form with t tokens and a SIZE×SIZE weight.)
use wgkernels::harness::verify::random_data;
use wgkernels::ops::sparse_gemm::bench::bench_sparse_with_dense;
use wgkernels::ops::sparse_gemm::verify::random_nm;
use wgkernels::ops::sparse_gemm::{upload_words, NmPattern, SparseGemmDesc, SparseGemmPlan};
use wgkernels::probe::Peaks;
use wgkernels::{Context, GemmDesc, GemmPlan, SparseConfig};

/// `s` as a number, or exit with a message naming `what` (a probe, not a library: no recovery).
fn num<T: std::str::FromStr>(what: &str, s: &str) -> T {
    s.trim().parse().unwrap_or_else(|_| {
        eprintln!("sparse_probe: {what} = {s:?} is not a number");
        std::process::exit(2)
    })
}

fn parse(s: &str) -> Option<SparseConfig> {
    if s == "default" {
        return None;
    }
    let v: Vec<u32> = s.split(',').map(|x| num("CFGS entry", x)).collect();
    match v[..] {
        [r] => Some(SparseConfig::gemv(64, r, 8)),
        [r, nt, ks] => Some(SparseConfig::cols(8, r, nt, ks)),
        _ => {
            eprintln!("sparse_probe: CFGS entry {s:?} is neither `r` nor `r,nt,ks`");
            std::process::exit(2)
        }
    }
}

fn main() -> wgkernels::Result<()> {
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let n: u32 = num("SIZE", &env("SIZE", "2048"));
    let cfgs_s = env("CFGS", "default");
    let ctx = Context::new_blocking()?;
    let desc = match std::env::var("TOKENS") {
        Ok(t) => SparseGemmDesc::linear(num("TOKENS", &t), n, n, NmPattern::TWO_FOUR),
        Err(_) => SparseGemmDesc::matmul(n, n, n, NmPattern::TWO_FOUR),
    };
    if let Ok(reps) = std::env::var("REPS") {
        let reps: usize = num("REPS", &reps);
        let (a, _) = random_nm::<f32>(n as usize, n as usize, desc.pattern, 17)?;
        let (b, _) = random_data::<f32>((n * n) as usize, 18);
        let vb = ctx.upload("v", &a.gpu_values())?;
        let mb = upload_words(&ctx, "m", a.meta())?;
        let db = ctx.upload("b", &b)?;
        let ob = ctx.storage("o", (n * n * 4) as u64)?;
        for c in cfgs_s.split(';') {
            if c == "dense" {
                let plan = GemmPlan::new(&ctx, GemmDesc::new(n, n, n), None)?;
                let (a2, _) = random_data::<f32>((n * n) as usize, 19);
                let ab = ctx.upload("a", &a2)?;
                let bound = plan.bind(&ab, &db, &ob)?;
                for _ in 0..reps {
                    ctx.submit(|p| bound.record(p))?;
                    ctx.wait()?;
                }
            } else {
                let plan = SparseGemmPlan::new(&ctx, desc, parse(c))?;
                let bound = plan.bind(&vb, &mb, &db, None, &ob)?;
                for _ in 0..reps {
                    ctx.submit(|p| bound.record(p))?;
                    ctx.wait()?;
                }
            }
        }
        return Ok(());
    }
    let cfgs: Vec<Option<SparseConfig>> = cfgs_s.split(';').map(parse).collect();
    let peaks = Peaks {
        fma_f32_gflops: 1.0,
        fma_f16_gflops: None,
        copy_gbps: 1.0,
        copy_buffer_gbps: 1.0,
    };
    let rounds: usize = num("ROUNDS", &env("ROUNDS", "1"));
    for _ in 0..rounds {
        let rows = bench_sparse_with_dense(&ctx, &peaks, desc, &cfgs, true, &mut |e| {
            eprintln!("error: {e}")
        });
        for r in rows {
            println!(
                "{:<28} {:>9.2} ms  {:>7.1} GFLOP/s  err {:.1e}  {}",
                r.config,
                r.median_ms,
                r.gflops.unwrap_or(0.0),
                r.rel_l2_err,
                r.note
            );
        }
    }
    Ok(())
}
