//! Criterion bench of the dense GEMM, in the vendor report's units (see `common.rs`): GFLOP/s
//! for the products, GB/s (A + B + C bytes) for the GEMV, GPU time per iteration.
//! `cargo bench --bench gemm`.

#[path = "common.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use wgkernels::harness::verify::random_data;
use wgkernels::{Context, GemmDesc, GemmPlan};

fn bench_gemm(c: &mut Criterion) {
    let ctx = Context::new_blocking().expect("a GPU adapter (e.g. Mesa lavapipe) is required");
    let mut group = c.benchmark_group("gemm");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for (name, desc) in [
        ("f32 1024x1024x1024", GemmDesc::new(1024, 1024, 1024)),
        ("f32 gemv 4096x4096", GemmDesc::new(4096, 1, 4096)),
        (
            "f32 256x256x256 batch 16",
            GemmDesc::new(256, 256, 256).batch(16),
        ),
    ] {
        let plan = GemmPlan::new(&ctx, desc, None).expect("plan");
        let (a, _) = random_data::<f32>(desc.a_len() as usize, 1);
        let (b, _) = random_data::<f32>(desc.b_len() as usize, 2);
        let ab = ctx.upload("A", &a).expect("upload");
        let bb = ctx.upload("B", &b).expect("upload");
        let cb = ctx.storage("C", desc.c_len() * 4).expect("alloc");
        let bound = plan.bind(&ab, &bb, &cb).expect("bind");
        group.throughput(if desc.gemv_shape() {
            common::bytes((desc.a_len() + desc.b_len() + desc.c_len()) * 4)
        } else {
            common::flops(desc.flops())
        });
        group.bench_function(format!("{name} [{}]", plan.config().label()), |bencher| {
            bencher.iter_custom(|iters| common::gpu_time(&ctx, iters, &|pass| bound.record(pass)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_gemm);
criterion_main!(benches);
