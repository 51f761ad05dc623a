//! Attention plugged into the tuner: shape buckets (the query block of the mask is part of the
//! key, since it decides which configurations can run), the small correctness check, the timed
//! plan, and the shapes `wgkernels tune attention` measures.

use super::config::{attention_candidates, attention_default, AttentionConfig};
use crate::ops::attention::AttentionDesc;
use crate::runtime::Capabilities;
use crate::runtime::Context;
use crate::tune::engine::TuneOp;

/// The attention as a [`TuneOp`].
#[derive(Clone, Copy, Debug)]
pub struct AttentionTune;

/// What an attention pick depends on: the call and the query-block size of its mask (the
/// dispatcher's block size for dense calls).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AttnTuneDesc {
    /// The call.
    pub desc: AttentionDesc,
    /// Query rows per mask block.
    pub block_q: u32,
}

fn pow2(x: u32) -> u32 {
    x.checked_next_power_of_two().unwrap_or(x)
}

/// An attention shape bucket: what a tuned winner is stored under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttentionBucket {
    /// Storage type.
    pub dtype: crate::DType,
    /// Batch, KV heads, the GQA group, Nq and Nkv rounded up to powers of two.
    pub batch: u32,
    /// See `batch`.
    pub heads_kv: u32,
    /// See `batch`.
    pub group: u32,
    /// See `batch`.
    pub nq: u32,
    /// See `batch`.
    pub nkv: u32,
    /// The head dim, as is (compiled into the kernel).
    pub head_dim: u32,
    /// The value head dim, as is (compiled into the kernel; a Dv ≠ Dqk call has its own
    /// winner). Absent in caches written before it was part of the key: those entries match no
    /// bucket and are tuned again.
    #[serde(default)]
    pub value_dim: u32,
    /// The mask's query block.
    pub block_q: u32,
    /// Whether the LSE is written.
    pub lse: bool,
}

impl TuneOp for AttentionTune {
    const NAME: &'static str = "attention";
    type Desc = AttnTuneDesc;
    type Config = AttentionConfig;
    type Bucket = AttentionBucket;

    fn shaders() -> Vec<crate::runtime::pipelines::Shader> {
        super::shaders::ALL.to_vec()
    }

    /// Batch, KV heads, the GQA group, Nq and Nkv rounded up to powers of two (1 stays 1, so
    /// decode keeps its own buckets), the head dims (Q·K and V) as they are (compiled into the
    /// kernel), the dtype, whether the LSE is written and the mask's query block.
    fn bucket(d: &AttnTuneDesc) -> (AttentionBucket, AttnTuneDesc) {
        let a = &d.desc;
        let group = a.heads_q / a.heads_kv.max(1);
        let hkv = pow2(a.heads_kv);
        let mut rep = AttentionDesc {
            batch: pow2(a.batch),
            heads_kv: hkv,
            heads_q: hkv.saturating_mul(pow2(group)),
            nq: pow2(a.nq),
            nkv: pow2(a.nkv),
            scale: None,
            ..*a
        };
        if rep.validate().is_err() {
            rep = AttentionDesc { scale: None, ..*a };
        }
        let bucket = AttentionBucket {
            dtype: a.dtype,
            batch: rep.batch,
            heads_kv: rep.heads_kv,
            group: rep.heads_q / rep.heads_kv.max(1),
            nq: rep.nq,
            nkv: rep.nkv,
            head_dim: a.head_dim,
            value_dim: a.dv(),
            block_q: d.block_q,
            lse: a.lse,
        };
        (
            bucket,
            AttnTuneDesc {
                desc: rep,
                block_q: d.block_q,
            },
        )
    }

    fn shape_json(d: &AttnTuneDesc) -> serde_json::Value {
        let mut s = crate::ops::attention::verify::attention_shape_json(
            &crate::ops::attention::verify::AttnCase::dense(d.desc),
        );
        s["block_q"] = d.block_q.into();
        s
    }

    fn default_config(
        caps: &Capabilities,
        limits: &wgpu::Limits,
        d: &AttnTuneDesc,
    ) -> AttentionConfig {
        attention_default(caps, limits, &d.desc, d.block_q)
    }

    /// [`attention_candidates`] less the cooperative-matrix ones for f32 storage: those round
    /// Q, K and V to f16, and tuning never trades accuracy silently (as for GEMM).
    fn candidates(
        caps: &Capabilities,
        limits: &wgpu::Limits,
        d: &AttnTuneDesc,
    ) -> Vec<AttentionConfig> {
        let mut c = attention_candidates(caps, limits, &d.desc, d.block_q);
        if d.desc.dtype == crate::DType::F32 {
            c.retain(|c| c.variant() != super::AttentionVariant::Coop);
        }
        c
    }

    fn label(c: &AttentionConfig) -> String {
        c.label()
    }

    /// Runs the configuration on a small problem with the same head dim, dtype, GQA group, LSE
    /// and query block (decode stays decode), Nq ≤ 67, Nkv ≤ 131 (tails in both), batch 1 and
    /// at most 2 KV heads, against the f64 reference under the crate's attention tolerance.
    async fn check(ctx: &Context, d: &AttnTuneDesc, config: AttentionConfig) -> Result<(), String> {
        let a = &d.desc;
        let group = a.heads_q / a.heads_kv;
        let hkv = a.heads_kv.min(2);
        let small = AttentionDesc {
            batch: 1,
            heads_kv: hkv,
            heads_q: hkv * group,
            nq: a.nq.min(67),
            nkv: a.nkv.min(131),
            ..*a
        };
        let case = timed::case(ctx, small, d.block_q);
        let c =
            crate::ops::attention::verify::check_attention_async(ctx, &case, Some(config), 4545)
                .await;
        match (c.pass, c.error) {
            (true, _) => Ok(()),
            (false, Some(e)) => Err(e),
            (false, None) => Err(format!(
                "rel L2 error {:.2e} (tolerance {:.2e}), max abs {:.2e} on nq {} nkv {}",
                c.rel_l2_err, c.tolerance, c.max_abs_err, small.nq, small.nkv
            )),
        }
    }

    fn prepare(
        ctx: &Context,
        d: &AttnTuneDesc,
        config: AttentionConfig,
    ) -> crate::Result<Box<dyn crate::tune::engine::Prepared>> {
        match d.desc.dtype {
            crate::DType::F32 => timed::prepare::<f32>(ctx, d, config),
            crate::DType::F16 => timed::prepare::<half::f16>(ctx, d, config),
        }
    }
}

mod timed {
    use super::AttnTuneDesc;
    use crate::dtype::Element;
    use crate::harness::tolerance::compare;
    use crate::harness::tolerance::Tolerance;
    use crate::ops::attention::config::AttentionConfig;
    use crate::ops::attention::reference::attention_ref;
    use crate::ops::attention::verify::attention_compute_dtype;
    use crate::ops::attention::verify::unit_data;
    use crate::ops::attention::verify::AttnCase;
    use crate::ops::attention::{
        AttentionBound, AttentionDesc, AttentionPlan, BlockMask, MaskBuilder, Pattern,
    };
    use crate::runtime::{read_buffer, Context};
    use crate::tune::engine::Prepared;
    use futures::future::LocalBoxFuture;

    /// Query rows of every head compared with the reference after timing.
    const CHECK_ROWS: u32 = 8;

    /// The problem as the plan will see it: dense where the dispatcher's query block is the
    /// bucket's, else a full mask with the bucket's query block (the KV block the dispatcher's).
    pub(super) fn case(ctx: &Context, desc: AttentionDesc, block_q: u32) -> AttnCase {
        let (bq, bk) = AttentionPlan::block_sizes(ctx, &desc);
        if bq == block_q {
            AttnCase::dense(desc)
        } else {
            AttnCase::masked(desc, Pattern::Full).blocks(block_q, bk)
        }
    }

    struct AttnPrepared<T: Element> {
        desc: AttentionDesc,
        config: AttentionConfig,
        mask: Option<BlockMask>,
        bound: AttentionBound,
        out: wgpu::Buffer,
        host: [Vec<f64>; 3],
        _bufs: Vec<wgpu::Buffer>,
        _t: std::marker::PhantomData<T>,
    }

    pub(super) fn prepare<T: Element>(
        ctx: &Context,
        d: &AttnTuneDesc,
        config: AttentionConfig,
    ) -> crate::Result<Box<dyn Prepared>> {
        let a = d.desc;
        let c = case(ctx, a, d.block_q);
        let mask = match (&c.pattern, c.blocks) {
            (Some(p), Some((bq, bk))) => Some(MaskBuilder::new(a.nq, a.nkv, bq, bk).build(p)?),
            _ => None,
        };
        let plan = AttentionPlan::new(ctx, a, mask.as_ref(), Some(config))?;
        let (q, qf) = unit_data::<T>(a.q_len_elems() as usize, 61);
        let (k, kf) = unit_data::<T>(a.kv_len_elems() as usize, 62);
        let (v, vf) = unit_data::<T>(a.v_len_elems() as usize, 63);
        let qb = ctx.upload("tune Q", &q)?;
        let kb = ctx.upload("tune K", &k)?;
        let vb = ctx.upload("tune V", &v)?;
        // The output starts as data (not zeros) so that a kernel that skips rows shows up.
        let (o, _) = unit_data::<T>(a.o_len_elems() as usize, 64);
        let out = ctx.upload("tune O", &o)?;
        let mut bufs = vec![qb, kb, vb];
        if a.lse {
            bufs.push(ctx.storage("tune LSE", a.rows() * 4)?);
        }
        let bound = plan.bind(&bufs[0], &bufs[1], &bufs[2], &out, bufs.get(3))?;
        Ok(Box::new(AttnPrepared::<T> {
            desc: a,
            config: *plan.config(),
            mask,
            bound,
            out,
            host: [qf, kf, vf],
            _bufs: bufs,
            _t: std::marker::PhantomData,
        }))
    }

    impl<T: Element> Prepared for AttnPrepared<T> {
        fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
            self.bound.record(pass);
        }

        /// The first rows of every head against the f64 reference.
        fn check_output<'a>(&'a self, ctx: &'a Context) -> LocalBoxFuture<'a, Result<(), String>> {
            Box::pin(async move {
                let d = &self.desc;
                let got: Vec<T> = read_buffer(ctx, &self.out, d.o_len_elems() as usize)
                    .await
                    .map_err(|e| e.to_string())?;
                let [qf, kf, vf] = &self.host;
                let (want, _) = attention_ref(d, self.mask.as_ref(), qf, kf, vf, Some(CHECK_ROWS));
                let dim = d.dv() as usize;
                let (mut g, mut w) = (Vec::new(), Vec::new());
                for bh in 0..(d.batch * d.heads_q) as usize {
                    for i in 0..d.nq.min(CHECK_ROWS) as usize {
                        let at = (bh * d.nq as usize + i) * dim;
                        g.extend(got[at..at + dim].iter().map(|x| x.to_f64()));
                        w.extend_from_slice(&want[at..at + dim]);
                    }
                }
                let compute = attention_compute_dtype(&self.config);
                compare(
                    &g,
                    &w,
                    Tolerance::attention(compute, d.dtype, d.nkv, d.head_dim),
                )
                .verdict()
            })
        }
    }
}

/// The attention buckets `wgkernels tune attention` measures: every bench shape that runs the
/// dispatcher's choice without modifiers (they do not change the pick), with the query block
/// its mask (or the dense plan) uses.
#[cfg(not(target_arch = "wasm32"))]
pub fn attention_tune_shapes(ctx: &Context, quick: bool) -> Vec<AttnTuneDesc> {
    crate::ops::attention::bench::attention_bench_cases(ctx, quick)
        .into_iter()
        .filter(|c| c.config.is_none() && c.mods.is_none())
        .map(|c| AttnTuneDesc {
            desc: c.desc,
            block_q: crate::ops::attention::AttentionPlan::block_sizes(ctx, &c.desc).0,
        })
        .collect()
}

/// The configuration an attention call uses when the caller names none, for masks with query
/// blocks of `block_q` rows: the measured winner for this adapter and shape bucket where tuning
/// has stored one, else [`super::config::attention_default`] (see [`crate::tune::TuneMode`]).
pub fn attention_pick(ctx: &Context, desc: &AttentionDesc, block_q: u32) -> AttentionConfig {
    attention_pick_with_source(ctx, desc, block_q).config
}

/// [`attention_pick`] and where the configuration came from (cache, tuned, default).
pub fn attention_pick_with_source(
    ctx: &Context,
    desc: &AttentionDesc,
    block_q: u32,
) -> crate::tune::Picked<AttentionConfig> {
    crate::tune::pick::<AttentionTune>(
        ctx,
        &AttnTuneDesc {
            desc: *desc,
            block_q,
        },
    )
}
