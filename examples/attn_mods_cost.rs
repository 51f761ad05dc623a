//! Times the plain attention kernel against the same call with a T5 relative-position bias and
//! with an additive bias tensor, in alternating rounds in one process, and prints each one's
//! median over the plain median: issue 15's bound on what a score modifier may cost (T5 ≤ 1.10×,
//! bias tensor ≤ 1.25×). The bias is broadcast over heads, `[1, 1, N, N]` (64 MiB at N = 4096;
//! one per head would be 512 MiB, over lavapipe's 128 MiB storage binding).
//!
//! ```text
//! cargo run --release --example attn_mods_cost -- [N] [D] [HEADS] [ROUNDS] [dense|causal]
//! WGPU_BACKEND=vulkan cargo run --release --example attn_mods_cost -- 4096 64 8 7 dense
//! ```

use wgkernels::harness::verify::random_data;
use wgkernels::ops::attention::verify::{test_bias, test_t5};
use wgkernels::{AttentionDesc, AttentionPlan, Context, MaskBuilder, Pattern, ScoreMods};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, d: u32| -> Result<u32, Box<dyn std::error::Error>> {
        Ok(args.get(i).map_or(Ok(d), |s| s.parse())?)
    };
    let (n, d, heads, rounds) = (arg(0, 4096)?, arg(1, 64)?, arg(2, 8)?, arg(3, 7)?);
    let causal = match args.get(4).map(String::as_str) {
        None | Some("dense") => false,
        Some("causal") => true,
        Some(other) => return Err(format!("pattern `{other}`: dense or causal").into()),
    };
    let ctx = pollster::block_on(Context::new())?;
    let desc = AttentionDesc::new(1, heads, n, d);
    let mask = if causal {
        let (bq, bk) = AttentionPlan::block_sizes(&ctx, &desc);
        Some(MaskBuilder::new(n, n, bq, bk).build(&Pattern::Causal)?)
    } else {
        None
    };
    let (q, _) = random_data::<f32>(desc.q_len_elems() as usize, 1);
    let (k, _) = random_data::<f32>(desc.kv_len_elems() as usize, 2);
    let (v, _) = random_data::<f32>(desc.v_len_elems() as usize, 3);
    let qb = ctx.upload("Q", &q)?;
    let kb = ctx.upload("K", &k)?;
    let vb = ctx.upload("V", &v)?;
    let variants = [
        ("plain", ScoreMods::none()),
        (
            "t5 (32 buckets, max 128)",
            ScoreMods::none().t5(test_t5(heads, 32, 128, true)),
        ),
        (
            "bias [1, 1, N, N]",
            ScoreMods::none().bias(test_bias(&desc, false, false, 4)),
        ),
    ];
    let mut cases = Vec::new();
    for (name, mods) in variants {
        let plan = AttentionPlan::with_mods(&ctx, desc, mask.as_ref(), &mods, None)?;
        let ob = ctx.storage("O", desc.o_len_elems() * 4)?;
        let bound = plan.bind(&qb, &kb, &vb, &ob, None)?;
        ctx.submit(|pass| bound.record(pass))?;
        ctx.wait()?;
        println!("{name}: config {}", plan.config().label());
        cases.push((name, plan, bound, ob, Vec::new()));
    }
    let count = cases.len();
    for r in 0..rounds as usize {
        for i in 0..count {
            let c = &mut cases[(r + i) % count];
            let t = wgkernels::runtime::time_gpu(&ctx, 0, 1, &|pass| c.2.record(pass))?;
            c.4.extend(t.samples_ms);
        }
    }
    let med = |s: &Vec<f64>| wgkernels::runtime::median(s);
    let plain = med(&cases[0].4);
    println!(
        "N={n} D={d} heads={heads} {} rounds={rounds}: plain {plain:.1} ms",
        if causal { "causal" } else { "dense" }
    );
    for c in &cases[1..] {
        let t = med(&c.4);
        println!("  {}: {t:.1} ms, {:.3}x plain", c.0, t / plain);
    }
    Ok(())
}
