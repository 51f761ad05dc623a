//! Criterion bench: N:M sparse GEMM next to our dense GEMM on the same shapes (2:4 f32), on the
//! default adapter, in the vendor report's units (see `common.rs`): dense-equivalent GFLOP/s
//! (2·rows·cols·K, for sparse and dense alike, so the two rates compare directly), GPU time per
//! iteration.
//!
//! `cargo bench --bench sparse_gemm` runs the linear layer (W 4096×4096, 1, 4 and 16 tokens)
//! and a 1024³ product; `WGK_BENCH_FULL=1` adds the 2048³ product of the target.

#[path = "common.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;
use wgkernels::harness::verify::random_data;
use wgkernels::ops::sparse_gemm::upload_words;
use wgkernels::ops::sparse_gemm::verify::random_nm;
use wgkernels::{Context, GemmPlan, NmPattern, SparseGemmDesc, SparseGemmPlan};

fn bench(c: &mut Criterion) {
    let ctx = Context::new_blocking().expect("a GPU adapter (lavapipe works)");
    let p = NmPattern::TWO_FOUR;
    let mut shapes = vec![
        ("linear t1 4096", SparseGemmDesc::linear(1, 4096, 4096, p)),
        ("linear t4 4096", SparseGemmDesc::linear(4, 4096, 4096, p)),
        ("linear t16 4096", SparseGemmDesc::linear(16, 4096, 4096, p)),
        ("matmul 1024", SparseGemmDesc::matmul(1024, 1024, 1024, p)),
    ];
    if std::env::var("WGK_BENCH_FULL").is_ok_and(|v| v == "1") {
        shapes.push(("matmul 2048", SparseGemmDesc::matmul(2048, 2048, 2048, p)));
    }
    let mut g = c.benchmark_group("sparse_gemm 2:4 f32");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(3));
    for (name, d) in shapes {
        let plan = SparseGemmPlan::new(&ctx, d, None).expect("sparse plan");
        let (a, _) =
            random_nm::<f32>(d.rows as usize, d.k as usize, d.pattern, 1).expect("random N:M");
        let (x, _) = random_data::<f32>(d.dense_len() as usize, 2);
        let vb = ctx.upload("values", &a.gpu_values()).expect("upload");
        let mb = upload_words(&ctx, "meta", a.meta()).expect("upload");
        let xb = ctx.upload("dense", &x).expect("upload");
        let ob = ctx.storage("out", d.out_len() * 4).expect("alloc");
        let bound = plan.bind(&vb, &mb, &xb, None, &ob).expect("bind");
        g.throughput(common::flops(d.flops()));
        g.bench_function(BenchmarkId::new("sparse", name), |b| {
            b.iter_custom(|iters| common::gpu_time(&ctx, iters, &|pass| bound.record(pass)))
        });

        let dd = d.dense_equivalent();
        let dense = GemmPlan::new(&ctx, dd, None).expect("dense plan");
        let (da, _) = random_data::<f32>(dd.a_len() as usize, 3);
        let (db, _) = random_data::<f32>(dd.b_len() as usize, 4);
        let ab = ctx.upload("a", &da).expect("upload");
        let bb = ctx.upload("b", &db).expect("upload");
        let cb = ctx.storage("c", dd.c_len() * 4).expect("alloc");
        let dbound = dense.bind(&ab, &bb, &cb).expect("bind");
        g.bench_function(BenchmarkId::new("dense", name), |b| {
            b.iter_custom(|iters| common::gpu_time(&ctx, iters, &|pass| dbound.record(pass)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
