//! Criterion benches of the FFT family on the default adapter, in the vendor report's units
//! (see `common.rs`): batched c2c at N = 4096 and N = 2^20 in GB/s (read + write of the buffer
//! per transform, the VkFFT convention), and the FFT convolution (group `fftconv`) at
//! L = 1024 and 16384, the dispatcher's path next to the unfused pipeline, in GB/s (u read +
//! y written). GPU time per iteration.

#[path = "common.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use wgkernels::{Context, FftConvDesc, FftConvPath, FftConvPlan, FftDesc, FftPlan};

fn benches(c: &mut Criterion) {
    let ctx = match Context::new_blocking() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench fft: skipped, no adapter ({e})");
            return;
        }
    };
    let mut g = c.benchmark_group("fft");
    g.sample_size(10);
    for (n, batch) in [(4096u32, 256u32), (1 << 20, 1)] {
        let d = FftDesc::new(n).batch(batch);
        let plan = FftPlan::new(&ctx, d, None).expect("plan");
        let a = ctx.storage("a", d.bytes()).expect("a");
        let b = ctx.storage("b", d.bytes()).expect("b");
        let bound = plan.bind(&a, &b).expect("bind");
        g.throughput(common::bytes(2 * d.bytes()));
        g.bench_function(
            format!("c2c n={n} batch={batch} [{}]", plan.config().label()),
            |bch| bch.iter_custom(|iters| common::gpu_time(&ctx, iters, &|p| bound.record(p))),
        );
    }
    g.finish();

    let mut g = c.benchmark_group("fftconv");
    g.sample_size(10);
    for l in [1024u32, 16384] {
        for path in [None, Some(FftConvPath::Unfused)] {
            let d = FftConvDesc::new(4, 64, l, l).path(path);
            let plan = FftConvPlan::new(&ctx, d, None).expect("plan");
            let ks = plan
                .prepare_kernel(&vec![0.01f32; d.k_len() as usize])
                .expect("kernel");
            let u = ctx.storage("u", d.len() * 4).expect("u");
            let y = ctx.storage("y", d.len() * 4).expect("y");
            let bound = plan.bind(&u, &ks, &y, None, None).expect("bind");
            g.throughput(common::bytes(2 * d.len() * 4));
            g.bench_function(
                format!("b4 h64 L={l} {} n_fft {}", plan.path().name(), plan.n_fft()),
                |bch| bch.iter_custom(|iters| common::gpu_time(&ctx, iters, &|p| bound.record(p))),
            );
        }
    }
    g.finish();
}

criterion_group!(fft, benches);
criterion_main!(fft);
