//! Criterion bench of the dense GEMM: GFLOP/s (criterion's "elements" are flops) with the GPU
//! time of each iteration from timestamp queries where the adapter has them (`iter_custom`),
//! wall clock otherwise. `cargo bench --bench gemm`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;
use wgkernels::gpu::time_gpu;
use wgkernels::verify::random_data;
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
        group.throughput(Throughput::Elements(desc.flops() as u64));
        group.bench_function(format!("{name} [{}]", plan.config().label()), |bencher| {
            bencher.iter_custom(|iters| {
                let t =
                    time_gpu(&ctx, 0, iters as usize, &|pass| bound.record(pass)).expect("timing");
                Duration::from_secs_f64(t.samples_ms.iter().sum::<f64>() * 1e-3)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_gemm);
criterion_main!(benches);
