//! Criterion bench of the block-sparse flash attention: the dense kernel and the block-sparse
//! kernel at densities 1 … 1/16 (B=1, H=8, N=1024, D=64, f32; the vendor report's
//! `wgkernels bench attention` runs the N=4096), and split-KV decode (Nq=1, Nkv=4096).
//! Units as in the vendor report (see `common.rs`): GFLOP/s of the computed blocks for dense
//! and block-sparse, GB/s of K + V read for decode; GPU time per iteration.

#[path = "common.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use wgkernels::ops::attention::bench::density_pattern;
use wgkernels::ops::attention::verify::unit_data;
use wgkernels::{AttentionDesc, AttentionPlan, Context, MaskBuilder};

fn run_case(
    c: &mut Criterion,
    ctx: &Context,
    name: &str,
    desc: AttentionDesc,
    keep_of: Option<(u32, u32)>,
) {
    let (bq, bk) = AttentionPlan::block_sizes(ctx, &desc);
    let mask = keep_of.map(|(keep, of)| {
        MaskBuilder::new(desc.nq, desc.nkv, bq, bk)
            .build(&density_pattern(&desc, bq, bk, keep, of, 99))
            .expect("density mask")
    });
    let plan = AttentionPlan::new(ctx, desc, mask.as_ref(), None).expect("plan");
    let (q, _) = unit_data::<f32>(desc.q_len_elems() as usize, 1);
    let (k, _) = unit_data::<f32>(desc.kv_len_elems() as usize, 2);
    let (v, _) = unit_data::<f32>(desc.kv_len_elems() as usize, 3);
    let qb = ctx.upload("Q", &q).expect("upload");
    let kb = ctx.upload("K", &k).expect("upload");
    let vb = ctx.upload("V", &v).expect("upload");
    let ob = ctx.storage("O", desc.q_len_elems() * 4).expect("alloc");
    let bound = plan.bind(&qb, &kb, &vb, &ob, None).expect("bind");
    let mut group = c.benchmark_group("attention");
    group.sample_size(10);
    group.throughput(if desc.nq <= 16 {
        common::bytes(2 * desc.kv_len_elems() * desc.dtype.size())
    } else {
        common::flops(plan.flops())
    });
    group.bench_function(format!("{name} [{}]", plan.config().label()), |b| {
        b.iter_custom(|iters| common::gpu_time(ctx, iters, &|pass| bound.record(pass)))
    });
    group.finish();
}

fn attention(c: &mut Criterion) {
    let ctx = match Context::new_blocking() {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("attention bench skipped: {e}");
            return;
        }
    };
    let desc = AttentionDesc::new(1, 8, 1024, 64);
    run_case(c, &ctx, "dense n1024", desc, None);
    for of in [1, 2, 4, 8, 16] {
        run_case(
            c,
            &ctx,
            &format!("sparse 1/{of} n1024"),
            desc,
            Some((1, of)),
        );
    }
    run_case(
        c,
        &ctx,
        "decode nkv4096",
        AttentionDesc::new(1, 8, 1, 64).kv_len(4096),
        None,
    );
}

criterion_group!(benches, attention);
criterion_main!(benches);
