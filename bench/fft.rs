//! Criterion benches of the FFT family on the default adapter: batched c2c at N = 4096 and
//! N = 2^20, and the fused / unfused convolution at L = 1024.

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
        g.bench_function(format!("c2c n={n} batch={batch}"), |bch| {
            bch.iter(|| {
                ctx.submit(|p| bound.record(p)).expect("submit");
                ctx.wait().expect("wait");
            })
        });
    }
    for path in [None, Some(FftConvPath::Unfused)] {
        let d = FftConvDesc::new(4, 64, 1024, 1024).path(path);
        let plan = FftConvPlan::new(&ctx, d, None).expect("plan");
        let ks = plan
            .prepare_kernel(&vec![0.01f32; d.k_len() as usize])
            .expect("kernel");
        let u = ctx.storage("u", d.len() * 4).expect("u");
        let y = ctx.storage("y", d.len() * 4).expect("y");
        let bound = plan.bind(&u, &ks, &y, None, None).expect("bind");
        g.bench_function(format!("conv L=1024 {}", plan.path().name()), |bch| {
            bch.iter(|| {
                ctx.submit(|p| bound.record(p)).expect("submit");
                ctx.wait().expect("wait");
            })
        });
    }
    g.finish();
}

criterion_group!(fft, benches);
criterion_main!(fft);
