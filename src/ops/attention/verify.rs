//! Attention verification: awkward shapes (tails, Nq ≠ Nkv, GQA, every listed head dim, f16),
//! every pattern builder, score modifiers and sinks, every variant the dispatcher can pick here,
//! against the f64 reference computed from the same mask.

use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::harness::tolerance::compare;
use crate::harness::tolerance::Tolerance;
use crate::harness::verify::{Check, Tier};
use crate::ops::attention::config::attention_candidates;
use crate::ops::attention::config::AttentionConfig;
use crate::ops::attention::config::AttentionVariant;
use crate::ops::attention::reference::attention_ref_mods;
use crate::ops::attention::{
    AttentionDesc, AttentionPlan, BiasTensor, BlockMask, MaskBuilder, Pattern, ScoreMods, T5Bias,
};
use crate::runtime::Context;
use rand::{Rng, SeedableRng};

/// One verification case: a shape and an optional pattern (built with the dispatcher's blocks
/// unless `blocks` fixes them).
#[derive(Clone, Debug)]
pub struct AttnCase {
    /// The call.
    pub desc: AttentionDesc,
    /// The pattern (`None`: dense).
    pub pattern: Option<Pattern>,
    /// Fixed (block_q, block_kv), else the dispatcher's.
    pub blocks: Option<(u32, u32)>,
    /// Score modifiers and sinks (none by default).
    pub mods: ScoreMods,
}

impl AttnCase {
    /// A dense case.
    pub fn dense(desc: AttentionDesc) -> Self {
        Self {
            desc,
            pattern: None,
            blocks: None,
            mods: ScoreMods::none(),
        }
    }
    /// A masked case.
    pub fn masked(desc: AttentionDesc, pattern: Pattern) -> Self {
        Self {
            desc,
            pattern: Some(pattern),
            blocks: None,
            mods: ScoreMods::none(),
        }
    }
    /// Fixes the block sizes.
    pub fn blocks(mut self, bq: u32, bk: u32) -> Self {
        self.blocks = Some((bq, bk));
        self
    }
    /// Sets the score modifiers and sinks.
    pub fn mods(mut self, mods: ScoreMods) -> Self {
        self.mods = mods;
        self
    }
    /// Builds the mask (if any) for this adapter.
    pub fn mask(&self, ctx: &Context) -> Result<Option<BlockMask>> {
        match &self.pattern {
            None => Ok(None),
            Some(p) => {
                let (bq, bk) = self
                    .blocks
                    .unwrap_or_else(|| AttentionPlan::block_sizes(ctx, &self.desc));
                Ok(Some(
                    MaskBuilder::new(self.desc.nq, self.desc.nkv, bq, bk).build(p)?,
                ))
            }
        }
    }
    /// The block_q the plan will see.
    pub fn block_q(&self, ctx: &Context) -> u32 {
        self.blocks
            .map(|b| b.0)
            .unwrap_or_else(|| AttentionPlan::block_sizes(ctx, &self.desc).0)
    }
}

/// Unit-variance uniform data (`[-√3, √3)`), rounded to `T`, and its f64 values.
pub fn unit_data<T: Element>(len: usize, seed: u64) -> (Vec<T>, Vec<f64>) {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let a = 3f64.sqrt();
    let v: Vec<T> = (0..len)
        .map(|_| T::from_f64(rng.random_range(-a..a)))
        .collect();
    let f = v.iter().map(|x| x.to_f64()).collect();
    (v, f)
}

/// The shapes and patterns `verify attention` covers at `tier`: tails (N not a multiple of the
/// block), N = 1, primes, Nq ≠ Nkv both ways, GQA and MQA, batches, f16, the LSE output, decode
/// shapes (split-KV), and every pattern builder. Standard takes head dims 32, 64, 80 and 256
/// (the smallest, the common one, one not a power of two, the largest); full adds 96 and 128
/// and more of everything. Masks reuse the pipelines of their head dim, so the standard tier
/// keeps every pattern.
pub fn attention_cases(tier: Tier) -> Vec<AttnCase> {
    let mut v = Vec::new();
    let d = AttentionDesc::new;
    let head_dims: &[u32] = if tier.full() {
        &[32, 64, 80, 96, 128, 256]
    } else {
        &[64, 80, 256]
    };
    for &hd in head_dims {
        v.push(AttnCase::dense(d(1, 2, 77, hd)));
    }
    v.push(AttnCase::dense(d(1, 1, 1, 64)));
    v.push(AttnCase::dense(d(2, 3, 131, 64).with_lse()));
    v.push(AttnCase::dense(d(1, 4, 100, 64).gqa(2).kv_len(257)));
    v.push(AttnCase::dense(d(1, 8, 200, 32).gqa(1).kv_len(61)));
    v.push(AttnCase::dense(d(1, 2, 1, 64).kv_len(1000).with_lse()));
    if tier.full() {
        v.push(AttnCase::dense(d(2, 4, 5, 128).gqa(2).kv_len(333)));
    }
    v.push(AttnCase::dense(d(1, 2, 96, 64).dtype(DType::F16)));
    v.push(AttnCase::dense(
        d(1, 2, 50, 80).dtype(DType::F16).kv_len(70).with_lse(),
    ));
    if tier.full() {
        v.push(AttnCase::dense(
            d(1, 2, 1, 256).dtype(DType::F16).kv_len(300),
        ));
    }
    v.push(AttnCase::dense(d(1, 1, 40, 64).scale(0.5)));
    let n = 300;
    let pats = [
        Pattern::Causal,
        Pattern::window(40),
        Pattern::causal_window(33),
        Pattern::frames(64, 2, 6),
        Pattern::Stripes(vec![0, 5, 70, 71, 299]),
        Pattern::StripesEvery {
            stride: 37,
            offset: 3,
        },
        Pattern::GlobalRows(vec![0, 150])
            .or(Pattern::Stripes(vec![0, 150]))
            .or(Pattern::window(10)),
        Pattern::window(50).and(Pattern::Causal),
        Pattern::Causal.or(Pattern::StripesEvery {
            stride: 64,
            offset: 0,
        }),
        Pattern::closure(|i, j| (i * 7 + j * 3) % 5 == 0 || i == j),
        Pattern::Empty,
        Pattern::Full,
    ];
    for p in pats {
        v.push(AttnCase::masked(d(1, 2, n, 64), p));
    }
    let map = (0..4 * 5).map(|x| x % 3 != 1).collect();
    v.push(AttnCase::masked(
        d(1, 2, 250, 64).kv_len(310),
        Pattern::BlockMap {
            block_q: 64,
            block_kv: 64,
            map,
        },
    ));
    v.push(AttnCase::masked(
        d(1, 2, 100, 64).kv_len(333),
        Pattern::Causal,
    ));
    if tier.full() {
        v.push(AttnCase::masked(d(2, 4, 129, 96).gqa(2), Pattern::window(17)).blocks(32, 16));
    }
    v.push(
        AttnCase::masked(
            d(1, 2, 160, 64).dtype(DType::F16),
            Pattern::frames(40, 1, 4),
        )
        .blocks(32, 32),
    );
    v.push(AttnCase::masked(
        d(1, 2, 3, 64).kv_len(700).with_lse(),
        Pattern::causal_window(200),
    ));
    v.push(AttnCase::masked(d(1, 4, 256, 32), Pattern::Causal).blocks(128, 128));
    v.extend(attention_mods_cases());
    v.extend(attention_dv_cases());
    v
}

/// `Dv ≠ Dqk` checks: one pipeline per (Dqk, Dv) pair and variant, reused across dense, masked
/// (tails, partial blocks, stripes), GQA, LSE and split-KV decode shapes.
pub fn attention_dv_cases() -> Vec<AttnCase> {
    let d = |b, h, n, dqk, dv| AttentionDesc::new(b, h, n, dqk).value_dim(dv);
    let p = Pattern::causal_window(30).or(Pattern::Stripes(vec![0, 1, 2]));
    vec![
        AttnCase::dense(d(1, 2, 77, 192, 128)),
        AttnCase::masked(
            d(2, 4, 97, 192, 128).gqa(2).kv_len(131).with_lse(),
            p.clone(),
        ),
        AttnCase::dense(d(1, 4, 1, 192, 128).gqa(1).kv_len(700).with_lse()),
        AttnCase::masked(d(1, 2, 61, 32, 100), p),
        AttnCase::dense(d(1, 2, 50, 64, 32).dtype(DType::F16).kv_len(70)),
        AttnCase::masked(
            d(1, 2, 90, 192, 128).dtype(DType::F16).kv_len(101),
            Pattern::Causal,
        ),
    ]
}

/// Sink logits that differ per head (and change sign), for checks.
pub fn test_sinks(heads: u32) -> Vec<f32> {
    (0..heads).map(|h| 1.3 * h as f32 - 1.0).collect()
}

/// A T5 table for `heads` query heads of `buckets` buckets whose values differ per head and
/// bucket (within ±1), for checks.
pub fn test_t5(heads: u32, buckets: u32, max_distance: u32, bidirectional: bool) -> T5Bias {
    let table = (0..heads * buckets)
        .map(|x| ((x * 7 + x / buckets * 3) as f32 * 0.61).sin())
        .collect();
    T5Bias::new(buckets, max_distance, bidirectional, table)
}

/// A bias tensor for `d` with unit-range random values: per batch and per head as asked (else
/// broadcast), for checks.
pub fn test_bias(d: &AttentionDesc, per_batch: bool, per_head: bool, seed: u64) -> BiasTensor {
    let b = if per_batch { d.batch } else { 1 };
    let h = if per_head { d.heads_q } else { 1 };
    let n = b as usize * h as usize * d.nq as usize * d.nkv as usize;
    let (_, values) = unit_data::<f32>(n, seed);
    BiasTensor::new(
        b,
        h,
        d.nq,
        d.nkv,
        values.iter().map(|&x| (0.6 * x) as f32).collect(),
    )
}

/// Every modifier at once on `d`: soft-cap, ALiBi, sinks, T5 buckets (a short max distance, so
/// distances saturate) and a per-head bias tensor (per batch too when `d` has batches).
pub fn test_all_mods(d: &AttentionDesc) -> ScoreMods {
    let h = d.heads_q;
    ScoreMods::none()
        .softcap(1.5)
        .alibi(ScoreMods::alibi_standard(h))
        .sinks(test_sinks(h))
        .t5(test_t5(h, 16, 40, true))
        .bias(test_bias(d, d.batch > 1, true, 77))
}

/// The score-modifier cases of [`attention_cases`]: each modifier alone (soft-cap dense, ALiBi
/// under a causal mask with Nq ≠ Nkv, sinks on the split-KV decode path with the LSE), all
/// three together over a mask with empty rows (Nq > Nkv under causal), GQA and a batch, in f16,
/// and on GQA decode whose folded rows belong to different heads; T5 buckets alone (dense,
/// Nq < Nkv, and causal buckets under a causal mask with partial blocks, Nq > Nkv) and the bias
/// tensor alone (per head, dense with tails; broadcast under a mask with stripes). "All"
/// is all five modifiers ([`test_all_mods`]). Heads have different slopes (the standard ALiBi
/// sequence), sinks and T5 tables. Cases share pipelines where their constants agree.
pub fn attention_mods_cases() -> Vec<AttnCase> {
    let d = AttentionDesc::new;
    let all = |desc: AttentionDesc| AttnCase::dense(desc).mods(test_all_mods(&desc));
    let t5 = |h, bi| ScoreMods::none().t5(test_t5(h, 32, 64, bi));
    let bias = |desc: &AttentionDesc, per_head| {
        ScoreMods::none().bias(test_bias(desc, false, per_head, 31))
    };
    let masked_all = d(2, 4, 130, 64).gqa(2).kv_len(97).with_lse();
    let decode_all = d(1, 8, 3, 64).gqa(2).kv_len(700).with_lse();
    let bias_dense = d(1, 3, 77, 64).kv_len(90);
    let bias_masked = d(2, 2, 120, 64).kv_len(150);
    vec![
        AttnCase::dense(d(1, 3, 77, 64)).mods(ScoreMods::none().softcap(1.5)),
        AttnCase::masked(d(1, 3, 100, 64).kv_len(133), Pattern::Causal)
            .mods(ScoreMods::none().alibi(ScoreMods::alibi_standard(3))),
        AttnCase::dense(d(1, 3, 1, 64).kv_len(1000).with_lse())
            .mods(ScoreMods::none().sinks(test_sinks(3))),
        AttnCase::dense(d(1, 3, 61, 64).kv_len(200)).mods(t5(3, true)),
        AttnCase::masked(d(1, 3, 150, 64).kv_len(111), Pattern::Causal).mods(t5(3, false)),
        AttnCase::dense(bias_dense).mods(bias(&bias_dense, true)),
        AttnCase::masked(
            bias_masked,
            Pattern::window(20).or(Pattern::Stripes(vec![0, 149])),
        )
        .mods(bias(&bias_masked, false)),
        AttnCase {
            pattern: Some(Pattern::causal_window(40)),
            ..all(masked_all)
        },
        all(d(1, 2, 50, 80).dtype(DType::F16).kv_len(70).with_lse()),
        AttnCase {
            pattern: Some(Pattern::causal_window(200)),
            ..all(decode_all)
        },
    ]
}

/// JSON shape object of an attention case.
pub fn attention_shape_json(c: &AttnCase) -> serde_json::Value {
    let d = &c.desc;
    let mut v = serde_json::json!({
        "b": d.batch, "hq": d.heads_q, "hkv": d.heads_kv, "nq": d.nq, "nkv": d.nkv, "d": d.head_dim,
        "pattern": c.pattern.as_ref().map_or("dense".to_string(), |p| p.describe()),
        "lse": d.lse,
    });
    if !c.mods.is_none() {
        v["mods"] = serde_json::Value::String(c.mods.describe());
    }
    if let Some(dv) = d.value_dim {
        v["dv"] = serde_json::json!(dv);
    }
    v
}

/// One configuration per variant the dispatcher can pick for `case` here: the default, then
/// the first candidate of every other variant.
pub fn attention_variants_to_check(ctx: &Context, case: &AttnCase) -> Vec<AttentionConfig> {
    let mut out: Vec<AttentionConfig> = Vec::new();
    for c in attention_candidates(ctx.caps(), &ctx.limits(), &case.desc, case.block_q(ctx)) {
        if !out.iter().any(|o| o.variant() == c.variant()) {
            out.push(c);
        }
    }
    out
}

/// The precision a configuration computes in (coop rounds to f16).
pub fn attention_compute_dtype(cfg: &AttentionConfig) -> DType {
    if cfg.variant() == AttentionVariant::Coop {
        DType::F16
    } else {
        DType::F32
    }
}

/// Runs `case` with `config` (`None`: the dispatcher's) on unit-variance random data and
/// compares output and LSE with the f64 reference. Passes when the relative L2 error is within
/// [`Tolerance::attention`] and the max abs error within [`Tolerance::attention_max_abs`].
#[cfg(not(target_arch = "wasm32"))]
pub fn check_attention(
    ctx: &Context,
    case: &AttnCase,
    config: Option<AttentionConfig>,
    seed: u64,
) -> Check {
    pollster::block_on(check_attention_async(ctx, case, config, seed))
}

/// [`check_attention`] without blocking (the browser's path; native wraps it).
pub async fn check_attention_async(
    ctx: &Context,
    case: &AttnCase,
    config: Option<AttentionConfig>,
    seed: u64,
) -> Check {
    let r = match case.desc.dtype {
        DType::F32 => {
            ctx.capture_errors(run_typed::<f32>(ctx, case, config, seed))
                .await
        }
        DType::F16 => {
            ctx.capture_errors(run_typed::<half::f16>(ctx, case, config, seed))
                .await
        }
    };
    outcome_check(&case.desc, attention_shape_json(case), config, r)
}

/// The check of an attention run: `r` holds output, reference, LSE (got, wanted) and the
/// configuration that ran, or the error that stopped it (`config`: the one requested).
pub(crate) fn outcome_check(
    d: &AttentionDesc,
    shape: serde_json::Value,
    config: Option<AttentionConfig>,
    r: Result<Outcome>,
) -> Check {
    let fallback = config.unwrap_or(AttentionConfig::tiled(0, 0));
    match r {
        Ok((got, want, lse_got, lse_want, cfg)) => {
            let compute = attention_compute_dtype(&cfg);
            let tol = Tolerance::attention(compute, d.dtype, d.nkv, d.head_dim);
            let mut c = compare(&got, &want, tol);
            let max_abs = Tolerance::attention_max_abs(compute, d.dtype);
            let mut pass = c.pass && c.max_abs_err <= max_abs;
            if let Some(lg) = lse_got {
                // LSE: -inf rows must match exactly; finite ones within max_abs.
                for (g, w) in lg.iter().zip(&lse_want) {
                    let ok = if w.is_infinite() {
                        *g == *w
                    } else {
                        (g - w).abs() <= max_abs.max(1e-3)
                    };
                    pass &= ok;
                }
            }
            c.pass = pass;
            Check {
                op: "attention".into(),
                variant: cfg.variant().name().into(),
                dtype: d.dtype,
                shape,
                max_abs_err: c.max_abs_err,
                rel_l2_err: c.rel_l2_err,
                tolerance: c.tolerance,
                pass,
                config: cfg.label(),
                error: None,
            }
        }
        Err(e) => Check {
            op: "attention".into(),
            variant: fallback.variant().name().into(),
            dtype: d.dtype,
            shape,
            max_abs_err: f64::NAN,
            rel_l2_err: f64::NAN,
            tolerance: f64::NAN,
            pass: false,
            config: fallback.label(),
            error: Some(e.to_string()),
        },
    }
}

/// Output and reference, LSE (got, wanted), and the configuration that ran.
pub(crate) type Outcome = (
    Vec<f64>,
    Vec<f64>,
    Option<Vec<f64>>,
    Vec<f64>,
    AttentionConfig,
);

async fn run_typed<T: Element>(
    ctx: &Context,
    case: &AttnCase,
    config: Option<AttentionConfig>,
    seed: u64,
) -> Result<Outcome> {
    let d = &case.desc;
    let (q, qf) = unit_data::<T>(d.q_len_elems() as usize, seed);
    let (k, kf) = unit_data::<T>(d.kv_len_elems() as usize, seed + 1);
    let (v, vf) = unit_data::<T>(d.v_len_elems() as usize, seed + 2);
    let mask = case.mask(ctx)?;
    let plan = AttentionPlan::with_mods(ctx, *d, mask.as_ref(), &case.mods, config)?;
    let (out, lse) = plan.run_host(&q, &k, &v).await?;
    let (want, lse_want) = attention_ref_mods(d, mask.as_ref(), &case.mods, &qf, &kf, &vf, None);
    let got = out.iter().map(|x| x.to_f64()).collect();
    let lse = lse.map(|l| l.iter().map(|&x| x as f64).collect());
    Ok((got, want, lse, lse_want, *plan.config()))
}

/// Every attention check `verify attention` runs at `tier` on this adapter: each case of
/// [`attention_cases`] with one configuration per variant the dispatcher can pick for it;
/// `progress` is called after each.
pub async fn verify_attention_async(
    ctx: &Context,
    tier: Tier,
    progress: &mut dyn FnMut(&Check),
) -> Vec<Check> {
    let mut out = Vec::new();
    for (i, case) in attention_cases(tier).into_iter().enumerate() {
        if case.desc.dtype == DType::F16 && !ctx.caps().f16 {
            continue;
        }
        for config in attention_variants_to_check(ctx, &case) {
            let check = check_attention_async(ctx, &case, Some(config), 4000 + i as u64).await;
            progress(&check);
            out.push(check);
        }
    }
    for (i, case) in crate::ops::attention::paged::paged_cases()
        .into_iter()
        .enumerate()
    {
        if case.desc.dtype == DType::F16 && !ctx.caps().f16 {
            continue;
        }
        for config in crate::ops::attention::paged::paged_variants_to_check(ctx, &case) {
            let check = crate::ops::attention::paged::check_paged_async(
                ctx,
                &case,
                Some(config),
                5000 + i as u64,
            )
            .await;
            progress(&check);
            out.push(check);
        }
    }
    out
}
