//! Block-sparse attention on the page: the block masks the kernels run on (diagonal window,
//! multi-diagonal video-frame bands, vertical stripes) as heat maps, a per-head plan chosen on
//! the GPU by the pattern search from synthetic heads with known structure (checked against the
//! f64 reference), and timings of dense against windowed attention.

use super::{heat, timed_bar, verdict, DemoOp, Pick, Ran, Rate, Recorder};
use crate::controls::{Control, Params};
use crate::figure::{Bar, Figure, Palette};
use futures::future::LocalBoxFuture;
use wgkernels::harness::tolerance::compare;
use wgkernels::harness::tolerance::Tolerance;
use wgkernels::ops::attention::reference::attention_ref;
use wgkernels::ops::attention::tune::attention_pick;
use wgkernels::ops::attention::verify::{
    attention_compute_dtype, attention_shape_json, test_sinks, test_t5, AttnCase,
};
use wgkernels::ops::attention::work::attention_work;
use wgkernels::report::BenchResult;
use wgkernels::{
    search_patterns, AttentionDesc, AttentionPlan, BlockMask, Context, DType, MaskBuilder, Pattern,
    ScoreMods, SearchOptions,
};

/// The Measure section's score modifier `which` for `heads` heads: FlexAttention-style
/// `score_mod`s on the same kernels (a soft-cap of 30 as Gemma 2, ALiBi's standard slopes, a sink
/// logit per head, T5 buckets), or all of them.
fn measure_mods(which: &str, heads: u32) -> ScoreMods {
    let m = ScoreMods::none();
    match which {
        "softcap" => m.softcap(30.0),
        "alibi" => m.alibi(ScoreMods::alibi_standard(heads)),
        "sinks" => m.sinks(test_sinks(heads)),
        "t5" => m.t5(test_t5(heads, 32, 128, true)),
        "all" => m
            .softcap(30.0)
            .alibi(ScoreMods::alibi_standard(heads))
            .sinks(test_sinks(heads))
            .t5(test_t5(heads, 32, 128, true)),
        _ => m,
    }
}

/// The attention entry of the demo registry.
pub struct Attention;

/// Head dimension of the See section's synthetic heads.
const SEE_DIM: u32 = 32;

/// Per (query block, key block) of head `h`: 0 where no pair is attended (the kernel never
/// touches the block), else 0.2 + 0.8 × the fraction of its pairs attended, so that a block
/// with a single stripe key is still visible and a full block is darkest.
fn block_fill(mask: &BlockMask, h: u32) -> Vec<f32> {
    let (bq, bk) = (mask.block_q, mask.block_kv);
    let (nqb, nkb) = (mask.n_qblocks(), mask.n_kblocks());
    let mut out = vec![0f32; (nqb * nkb) as usize];
    for qb in 0..nqb {
        let rows = bq.min(mask.nq - qb * bq);
        for kb in 0..nkb {
            let cols = bk.min(mask.nkv - kb * bk);
            let mut n = 0u32;
            for i in qb * bq..qb * bq + rows {
                for j in kb * bk..kb * bk + cols {
                    n += mask.allows(0, h, i, j) as u32;
                }
            }
            if n > 0 {
                out[(qb * nkb + kb) as usize] = 0.2 + 0.8 * n as f32 / (rows * cols) as f32;
            }
        }
    }
    out
}

/// The block counts of head `h`'s row lists, for a caption.
fn mask_summary(mask: &BlockMask, h: u32) -> String {
    let (mut full, mut partial, mut stripes) = (0usize, 0usize, 0usize);
    for qb in 0..mask.n_qblocks() {
        let r = mask.row(0, h, qb);
        full += r.full.len();
        partial += r.partial.len();
        stripes += r.stripes.len();
    }
    format!(
        "{}×{} blocks of {}×{}: {full} full (dark), {partial} partial, {stripes} stripe keys (light: few pairs); {:.0}% of pairs",
        mask.n_qblocks(),
        mask.n_kblocks(),
        mask.block_q,
        mask.block_kv,
        100.0 * mask.density()
    )
}

/// What each synthetic head of the See section is built to attend to.
const HEAD_KINDS: [&str; 4] = ["local", "frame-periodic", "every 16th key", "uniform"];

/// Q, K, V (B=1, H heads, N, D) whose heads have known structure, so the search has
/// something to find: `local` heads score by a sum of cosines of the distance (a peak at the
/// diagonal), `frame-periodic` heads by harmonics of the frame length (peaks every frame),
/// `every 16th key` heads put a large shared component on keys 0, 16, 32, ... (vertical
/// stripes), and `uniform` heads have zero queries (every key weighs the same: only dense
/// attention reproduces them).
fn synthetic_heads(heads: u32, n: u32, dim: u32, frame: u32) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (n, d) = (n as usize, dim as usize);
    let tau = std::f64::consts::TAU;
    let mut q = vec![0f32; heads as usize * n * d];
    let mut k = q.clone();
    for h in 0..heads as usize {
        for t in 0..n {
            let at = (h * n + t) * d;
            for f in 0..d / 2 {
                let (qa, qb, ka, kb) = match h % 4 {
                    0 => {
                        let w = 0.6 / 1.3f64.powi(f as i32);
                        let a = 2.5;
                        let (c, s) = ((w * t as f64).cos(), (w * t as f64).sin());
                        (a * c, a * s, a * c, a * s)
                    }
                    1 => {
                        let w = tau * (f + 1) as f64 / frame as f64;
                        let a = 2.5;
                        let (c, s) = ((w * t as f64).cos(), (w * t as f64).sin());
                        (a * c, a * s, a * c, a * s)
                    }
                    2 => {
                        // Sink keys score 64/√d ≈ 11 nats above the rest.
                        let sink = if f == 0 && t % 16 == 0 { 8.0 } else { 0.0 };
                        let q0 = if f == 0 { 8.0 } else { 0.0 };
                        (q0, 0.0, sink, 0.0)
                    }
                    _ => (0.0, 0.0, 0.0, 0.0),
                };
                q[at + 2 * f] = qa as f32;
                q[at + 2 * f + 1] = qb as f32;
                k[at + 2 * f] = ka as f32;
                k[at + 2 * f + 1] = kb as f32;
            }
        }
    }
    let mut seed = 0x853c49e6748fea9bu64;
    let v = (0..q.len())
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            ((seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32
        })
        .collect();
    (q, k, v)
}

impl DemoOp for Attention {
    fn name(&self) -> &'static str {
        wgkernels::ops::attention::NAME
    }

    fn title(&self) -> &'static str {
        "Block-sparse attention — softmax(QKᵀ/√d)·V over a block mask"
    }

    fn picks(&self, ctx: &Context) -> Vec<Pick> {
        [
            (
                "f32 B=1 H=8 N=4096 d=64, masked",
                AttentionDesc::new(1, 8, 4096, 64),
            ),
            (
                "f32 decode: 1 query, 8 KV heads of 4096, GQA 4",
                AttentionDesc::new(1, 32, 4096, 128).gqa(8).q_len(1),
            ),
        ]
        .into_iter()
        .map(|(case, desc)| {
            let (bq, bk) = AttentionPlan::block_sizes(ctx, &desc);
            let cfg = attention_pick(ctx, &desc, bq);
            Pick {
                case: case.into(),
                config: cfg.label(),
                note: format!(
                    "mask blocks {bq}×{bk}; {} variant{}",
                    cfg.variant().name(),
                    if ctx.caps().subgroups {
                        ""
                    } else {
                        " (no subgroups on this device: the workgroup-memory tiles run)"
                    }
                ),
            }
        })
        .collect()
    }

    fn see_controls(&self) -> Vec<Control> {
        vec![
            Control::int("n", "tokens N", "512", 16, 2048, "queries = keys; the search runs attention at this length on the GPU"),
            Control::choice("block", "mask block", "32", vec!["auto", "16", "32", "64", "128"], "rows and keys per mask block (auto = the dispatcher's)"),
            Control::int("window", "diagonal ±W", "48", 0, 4096, "half-width of the diagonal window, in keys"),
            Control::int("frame", "frame length", "128", 1, 4096, "multi-diagonal: bands at ±k·frame (video frames)"),
            Control::int("frames", "frames ±k", "2", 1, 16, "multi-diagonal: how many frames on each side"),
            Control::int("band", "band ±", "8", 0, 512, "half-width of each multi-diagonal band and of the stripes' diagonal"),
            Control::int("stride", "stripe stride", "64", 1, 4096, "stripes: every stride-th key is seen by every query"),
            Control::int("heads", "heads in the plan", "4", 1, 8, "synthetic heads for the per-head search (local, frame-periodic, stripes, uniform, repeating)"),
        ]
    }

    fn cross_check(&self, section: &str, p: &Params) -> Result<(), (&'static str, String)> {
        if section == "see" {
            let n = p.int("n");
            for id in ["window", "frame", "stride"] {
                if p.int(id) >= n {
                    return Err((id, format!("must be below N = {n}")));
                }
            }
        }
        if section == "measure" && !p.int("dv").is_multiple_of(4) {
            return Err(("dv", "must be a multiple of 4".into()));
        }
        Ok(())
    }

    fn see<'a>(
        &'a self,
        ctx: &'a Context,
        p: &'a Params,
    ) -> LocalBoxFuture<'a, Result<Vec<Figure>, String>> {
        Box::pin(async move {
            let n = p.int("n");
            let heads = p.int("heads");
            let desc = AttentionDesc::new(1, heads, n, SEE_DIM);
            let (bq, bk) = match p.word("block").parse::<u32>() {
                Ok(b) => (b, b),
                Err(_) => AttentionPlan::block_sizes(ctx, &desc),
            };
            let builder = MaskBuilder::new(n, n, bq, bk);
            let (w, band) = (p.int("window"), p.int("band"));
            let patterns = [
                (
                    "Diagonal window",
                    Pattern::window(w),
                    format!("|j − i| ≤ {w}"),
                ),
                (
                    "Multi-diagonal (video frames)",
                    Pattern::frames(p.int("frame"), p.int("frames"), band),
                    format!(
                        "|j − i − k·{}| ≤ {band}, |k| ≤ {}",
                        p.int("frame"),
                        p.int("frames")
                    ),
                ),
                (
                    "Vertical stripes",
                    Pattern::StripesEvery {
                        stride: p.int("stride"),
                        offset: 0,
                    }
                    .or(Pattern::window(band)),
                    format!("every {}th key, plus |j − i| ≤ {band}", p.int("stride")),
                ),
            ];
            let mut figs = Vec::new();
            for (title, pat, rule) in patterns {
                let mask = builder.build(&pat).map_err(|e| e.to_string())?;
                figs.push(heat(
                    format!("{title}: {rule}"),
                    mask.n_qblocks() as usize,
                    mask.n_kblocks() as usize,
                    block_fill(&mask, 0),
                    Palette::Mask,
                    "query block",
                    "key block",
                    mask_summary(&mask, 0),
                ));
            }

            // The per-head plan: the search runs every candidate pattern on the GPU and keeps,
            // per head, the cheapest one close enough to dense attention.
            let (q, k, v) = synthetic_heads(heads, n, SEE_DIM, p.int("frame"));
            let opts = SearchOptions {
                frame_len: Some(p.int("frame")),
                blocks: Some((bq, bk)),
                ..Default::default()
            };
            let (plan, got, cfg, mask) = ctx
                .capture_errors(async {
                    let plan = search_patterns(ctx, &desc, &q, &k, &v, &opts).await?;
                    let mask = plan.mask(n, n)?;
                    let attn = AttentionPlan::new(ctx, desc, Some(&mask), None)?;
                    let (o, _) = attn.run_host(&q, &k, &v).await?;
                    Ok((plan, o, *attn.config(), mask))
                })
                .await
                .map_err(|e| e.to_string())?;
            let f = |x: &[f32]| x.iter().map(|&v| v as f64).collect::<Vec<f64>>();
            let (want, _) = attention_ref(&desc, Some(&mask), &f(&q), &f(&k), &f(&v), None);
            let tol = Tolerance::attention(attention_compute_dtype(&cfg), DType::F32, n, SEE_DIM);
            let cmp = compare(&f(&got), &want, tol);
            for (h, choice) in plan.heads.iter().enumerate() {
                let mut caption = format!(
                    "built as {}: chose `{}`, error {:.1e} vs dense, {:.0}% of the dense work",
                    HEAD_KINDS[h % 4],
                    choice.pattern,
                    choice.err,
                    100.0 * choice.density
                );
                if h == 0 {
                    caption.push_str(&format!(
                        ". Whole plan: predicted {:.1}× faster than dense; ran on the GPU with `{}`, {}",
                        plan.predicted_speedup,
                        cfg.label(),
                        verdict(&cmp)
                    ));
                }
                figs.push(heat(
                    format!("Per-head plan: head {h}"),
                    mask.n_qblocks() as usize,
                    mask.n_kblocks() as usize,
                    block_fill(&mask, h as u32),
                    Palette::Mask,
                    "query block",
                    "key block",
                    caption,
                ));
            }
            Ok(figs)
        })
    }

    fn measure_controls(&self) -> Vec<Control> {
        vec![
            Control::int_list(
                "sizes",
                "tokens N",
                "128, 256, 512",
                (16, 8192, 5),
                "self-attention lengths; each is timed dense and with a ±64 window",
            ),
            Control::int("heads", "heads", "4", 1, 32, "heads (batch 1, Q·K head dim 64)"),
            Control::int("dv", "value head dim Dv", "64", 4, 256, "head dim of V and O, a multiple of 4 (latent-attention models use Dv ≠ Dqk, e.g. 128 beside 192)"),
            Control::choice("mods", "score modifier", "none", vec!["none", "softcap", "alibi", "sinks", "t5", "all"], "FlexAttention-style score_mod on the same kernel: tanh soft-cap 30, ALiBi slopes, a sink logit per head, T5 buckets (32, max distance 128), or all"),
            Control::iters("5"),
        ]
    }

    fn measure<'a>(
        &'a self,
        ctx: &'a Context,
        p: &'a Params,
    ) -> LocalBoxFuture<'a, Result<Vec<Bar>, String>> {
        Box::pin(async move {
            let heads = p.int("heads");
            let dv = p.int("dv");
            let mods = measure_mods(p.word("mods"), heads);
            let mut bars = Vec::new();
            for n in p.int_list("sizes") {
                let desc = AttentionDesc::new(1, heads, n, 64).value_dim(dv);
                for windowed in [false, true] {
                    let (bq, bk) = AttentionPlan::block_sizes(ctx, &desc);
                    let mask = if windowed {
                        match MaskBuilder::new(n, n, bq, bk).build(&Pattern::window(64)) {
                            Ok(m) => Some(m),
                            Err(e) => return Err(e.to_string()),
                        }
                    } else {
                        None
                    };
                    let density = mask.as_ref().map_or(1.0, |m| m.work_density());
                    // The shape object as the native bench writes it (pattern, work density).
                    let mut shape = attention_shape_json(&AttnCase::dense(desc).mods(mods.clone()));
                    shape["pattern"] = if windowed {
                        Pattern::window(64).describe().into()
                    } else {
                        "dense".into()
                    };
                    shape["work_density"] = serde_json::json!((density * 1e4).round() / 1e4);
                    let row = BenchResult {
                        op: wgkernels::ops::attention::NAME.into(),
                        dtype: desc.dtype,
                        shape,
                        work: Some(attention_work(&desc, density, false)),
                        ..Default::default()
                    };
                    let mut label =
                        format!("{} N={n}", if windowed { "window ±64" } else { "dense" });
                    if dv != 64 {
                        label.push_str(&format!(" Dv={dv}"));
                    }
                    if !mods.is_none() {
                        label.push_str(&format!(" {}", mods.describe()));
                    }
                    let mods = mods.clone();
                    let bar = timed_bar(
                        ctx,
                        row,
                        label,
                        Rate::Flops,
                        p.int("iters") as usize,
                        || {
                            let plan =
                                AttentionPlan::with_mods(ctx, desc, mask.as_ref(), &mods, None)?;
                            let (q, k, _) = synthetic_heads(heads, n, 64, 64);
                            let (_, _, v) = synthetic_heads(heads, n, dv, 64);
                            let qb = ctx.upload("Q", &q)?;
                            let kb = ctx.upload("K", &k)?;
                            let vb = ctx.upload("V", &v)?;
                            let ob = ctx.storage("O", desc.o_len_elems() * 4)?;
                            let bound = plan.bind(&qb, &kb, &vb, &ob, None)?;
                            let cfg = *plan.config();
                            let ran = Ran {
                                variant: cfg.variant().name().into(),
                                config: cfg.label(),
                                f16_math: attention_compute_dtype(&cfg) == DType::F16,
                            };
                            let rec: Recorder = Box::new(move |pass| {
                                let _keep = (&qb, &kb, &vb, &ob);
                                bound.record(pass)
                            });
                            Ok((rec, ran))
                        },
                    )
                    .await;
                    bars.push(bar);
                }
            }
            Ok(bars)
        })
    }
}
