//! Times dense attention against a block mask whose every block is full (density 1) at one
//! shape, in alternating rounds in one process, and prints the ratio of the medians: the check
//! that an all-full mask costs what dense attention costs (issue 15).
//!
//! ```text
//! cargo run --release --example attn_density -- [N] [D] [HEADS] [ROUNDS]
//! WGPU_BACKEND=vulkan cargo run --release --example attn_density -- 4096 64 8 9
//! ```

use wgkernels::harness::verify::random_data;
use wgkernels::ops::attention::bench::density_pattern;
use wgkernels::{AttentionDesc, AttentionPlan, Context, MaskBuilder};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, d: u32| -> Result<u32, Box<dyn std::error::Error>> {
        Ok(args.get(i).map_or(Ok(d), |s| s.parse())?)
    };
    let (n, d, heads, rounds) = (arg(0, 4096)?, arg(1, 64)?, arg(2, 8)?, arg(3, 9)?);
    let ctx = pollster::block_on(Context::new())?;
    let desc = AttentionDesc::new(1, heads, n, d);
    let (bq, bk) = AttentionPlan::block_sizes(&ctx, &desc);
    let mask = MaskBuilder::new(n, n, bq, bk).build(&density_pattern(&desc, bq, bk, 1, 1, 99))?;
    let (q, _) = random_data::<f32>(desc.q_len_elems() as usize, 1);
    let (k, _) = random_data::<f32>(desc.kv_len_elems() as usize, 2);
    let (v, _) = random_data::<f32>(desc.v_len_elems() as usize, 3);
    let qb = ctx.upload("Q", &q)?;
    let kb = ctx.upload("K", &k)?;
    let vb = ctx.upload("V", &v)?;
    let mut cases = Vec::new();
    for (name, m) in [("dense", None), ("density 1", Some(&mask))] {
        let plan = AttentionPlan::new(&ctx, desc, m, None)?;
        let ob = ctx.storage("O", desc.o_len_elems() * 4)?;
        let bound = plan.bind(&qb, &kb, &vb, &ob, None)?;
        ctx.submit(|pass| bound.record(pass))?;
        ctx.wait()?;
        println!(
            "{name}: config {} splits {} masked {} reads mask {} blocks {bq}x{bk}",
            plan.config().label(),
            plan.config().splits,
            plan.masked(),
            plan.reads_mask()
        );
        cases.push((name, plan, bound, ob, Vec::new()));
    }
    for r in 0..rounds as usize {
        for i in 0..cases.len() {
            let c = &mut cases[(r + i) % 2];
            let t = wgkernels::runtime::time_gpu(&ctx, 0, 1, &|pass| c.2.record(pass))?;
            c.4.extend(t.samples_ms);
        }
    }
    let med = |s: &Vec<f64>| wgkernels::runtime::median(s);
    let (td, tm) = (med(&cases[0].4), med(&cases[1].4));
    println!(
        "dense {td:.2} ms, density 1 {tm:.2} ms: density 1 / dense = {:.3}",
        tm / td
    );
    Ok(())
}
