//! Block-sparse flash attention: `O = softmax(scale·Q·Kᵀ ⊙ mask)·V` without materialising the
//! scores, over a [`BlockMask`] whose empty blocks are never loaded.
//!
//! ```text
//! Q: (B, Hq, Nq, D)    K: (B, Hkv, Nkv, D)    V: (B, Hkv, Nkv, Dv)    O: (B, Hq, Nq, Dv)
//! LSE: (B, Hq, Nq) f32
//! ```
//! Row-major and contiguous; f32 or f16 storage, f32 accumulation; `Hq` a multiple of `Hkv`
//! (GQA / MQA: query head `h` reads KV head `h / (Hq / Hkv)`); any `Nq`, `Nkv` (tails masked);
//! head dims that are multiples of 4 up to 256 (32, 64, 80, 96, 128, 256 are tested), and a value head
//! dim `Dv` that may differ from `D` under the same rule ([`AttentionDesc::value_dim`]). With
//! `Nq ≠ Nkv`, causal and diagonal patterns are aligned to the bottom-right (see [`pattern`]).
//! Rows that attend no key produce zeros (and LSE = −∞), never NaN; the running maximum is
//! subtracted, so large inputs do not overflow.
//!
//! Score modifiers (tanh soft-capping, ALiBi) and a per-head sink logit are optional
//! ([`ScoreMods`], [`AttentionPlan::with_mods`]); see [`mods`] for their exact meaning.
//!
//! A paged KV cache (pages from a pool, a page table and a length per sequence, several
//! sequences in one dispatch) is planned with [`AttentionPlan::paged`]; see [`paged`].
//!
//! Few query rows (decode, `Nq ≤ 16`) run split-KV: the block list of each row is cut into
//! ranges handled by separate workgroups, and a merge pass combines the partial results by
//! their log-sum-exp.

#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod config;
pub mod reference;
pub mod shaders;
pub mod tune;
pub mod verify;
pub mod work;

pub mod grow;
pub mod mask;
pub mod mods;
pub mod paged;
pub mod pattern;
pub mod search;

pub use grow::GrowingMask;
pub use mask::{BlockMask, MaskRow, Stripe};
pub use mods::{BiasTensor, ScoreMods, T5Bias};
pub use paged::PagedKv;
pub use pattern::{BlockClass, Diagonal, MaskBuilder, MaskFn, Pattern};
pub use search::{default_candidates, search_patterns, HeadChoice, SearchOptions, SearchPlan};

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::attention::config::AttentionConfig;
use crate::ops::attention::config::AttentionVariant;
use crate::runtime::check_len;
use crate::runtime::pipelines::Spec;
use crate::runtime::{read_buffer, Context, Operand};
use std::sync::Arc;

/// Shape and options of an attention call.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct AttentionDesc {
    /// Batch size.
    pub batch: u32,
    /// Query heads.
    pub heads_q: u32,
    /// Key/value heads (divides `heads_q`).
    pub heads_kv: u32,
    /// Query length.
    pub nq: u32,
    /// Key/value length.
    pub nkv: u32,
    /// Head dimension of Q and K.
    pub head_dim: u32,
    /// Head dimension of V and O when it differs from `head_dim` (latent-attention models:
    /// 192 for Q·K, 128 for V); `None`: the same.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_dim: Option<u32>,
    /// Storage type of Q, K, V and O.
    pub dtype: DType,
    /// Softmax scale; `None` means `1/√head_dim`.
    pub scale: Option<f32>,
    /// Also write the per-row log-sum-exp (natural log) of the scaled scores.
    pub lse: bool,
}

impl AttentionDesc {
    /// Self-attention of `batch × heads` heads of length `n`, head dim `head_dim`, f32.
    pub fn new(batch: u32, heads: u32, n: u32, head_dim: u32) -> Self {
        Self {
            batch,
            heads_q: heads,
            heads_kv: heads,
            nq: n,
            nkv: n,
            head_dim,
            value_dim: None,
            dtype: DType::F32,
            scale: None,
            lse: false,
        }
    }
    /// Sets the head dimension of V and O (Q and K keep `head_dim`).
    pub fn value_dim(mut self, dv: u32) -> Self {
        self.value_dim = (dv != self.head_dim).then_some(dv);
        self
    }
    /// The head dimension of V and O.
    pub fn dv(&self) -> u32 {
        self.value_dim.unwrap_or(self.head_dim)
    }
    /// Grouped-query attention: `heads_kv` KV heads.
    pub fn gqa(mut self, heads_kv: u32) -> Self {
        self.heads_kv = heads_kv;
        self
    }
    /// Sets the key/value length (queries keep theirs).
    pub fn kv_len(mut self, nkv: u32) -> Self {
        self.nkv = nkv;
        self
    }
    /// Sets the query length.
    pub fn q_len(mut self, nq: u32) -> Self {
        self.nq = nq;
        self
    }
    /// Sets the storage type.
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    /// Sets the softmax scale.
    pub fn scale(mut self, scale: f32) -> Self {
        self.scale = Some(scale);
        self
    }
    /// Requests the per-row log-sum-exp.
    pub fn with_lse(mut self) -> Self {
        self.lse = true;
        self
    }
    /// The softmax scale in use.
    pub fn softmax_scale(&self) -> f32 {
        self.scale.unwrap_or(1.0 / (self.head_dim as f32).sqrt())
    }
    /// Elements of Q (and of O when `Dv = D`).
    pub fn q_len_elems(&self) -> u64 {
        self.batch as u64 * self.heads_q as u64 * self.nq as u64 * self.head_dim as u64
    }
    /// Elements of K (and of V when `Dv = D`).
    pub fn kv_len_elems(&self) -> u64 {
        self.batch as u64 * self.heads_kv as u64 * self.nkv as u64 * self.head_dim as u64
    }
    /// Elements of O, `(B, Hq, Nq, Dv)`.
    pub fn o_len_elems(&self) -> u64 {
        self.rows() * self.dv() as u64
    }
    /// Elements of V, `(B, Hkv, Nkv, Dv)`.
    pub fn v_len_elems(&self) -> u64 {
        self.batch as u64 * self.heads_kv as u64 * self.nkv as u64 * self.dv() as u64
    }
    /// Query rows over every batch and head (the LSE length).
    pub fn rows(&self) -> u64 {
        self.batch as u64 * self.heads_q as u64 * self.nq as u64
    }
    /// Dense flops, `2·B·Hq·Nq·Nkv·(D + Dv)` (the two matrix products).
    pub fn dense_flops(&self) -> f64 {
        2.0 * self.rows() as f64 * self.nkv as f64 * (self.head_dim + self.dv()) as f64
    }

    /// Checks dimensions; nothing about the device.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("attention batch", self.batch),
            ("attention heads_q", self.heads_q),
            ("attention heads_kv", self.heads_kv),
            ("attention nq", self.nq),
            ("attention nkv", self.nkv),
            ("attention head_dim", self.head_dim),
            ("attention value dim", self.dv()),
        ] {
            if v == 0 {
                return Err(Error::ZeroSized(name));
            }
        }
        if !self.heads_q.is_multiple_of(self.heads_kv) {
            return Err(Error::Shape(format!(
                "heads_q = {} is not a multiple of heads_kv = {} (GQA needs whole groups)",
                self.heads_q, self.heads_kv
            )));
        }
        for (what, dim) in [("head dim", self.head_dim), ("value head dim", self.dv())] {
            if !dim.is_multiple_of(4) || dim > 256 {
                return Err(Error::Unsupported(format!(
                    "{what} {dim}: the attention kernels take multiples of 4 up to 256"
                )));
            }
        }
        if let Some(s) = self.scale {
            if !s.is_finite() {
                return Err(Error::Shape(format!("softmax scale {s} is not finite")));
            }
        }
        for (what, len) in [
            ("Q", self.q_len_elems()),
            ("K", self.kv_len_elems()),
            ("V", self.v_len_elems()),
            ("O", self.o_len_elems()),
        ] {
            if len > u32::MAX as u64 {
                return Err(Error::Shape(format!(
                    "{what} has {len} elements, over the 2^32 one binding can index"
                )));
            }
        }
        if self.nq > 0xffff_ff00 || self.nkv > 0xffff_ff00 {
            return Err(Error::Shape(
                "sequence lengths must stay below 2^32 - 256".into(),
            ));
        }
        Ok(())
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct AttnParams {
    batch: u32,
    hq: u32,
    hkv: u32,
    nq: u32,
    nkv: u32,
    group: u32,
    row_groups: u32,
    splits: u32,
    block_q: u32,
    block_kv: u32,
    n_kblocks: u32,
    n_qblocks: u32,
    mask_batch: u32,
    mask_heads: u32,
    words: u32,
    flags: u32,
    rows_off: u32,
    tiles_off: u32,
    rows_total: u32,
    scale_log2: f32,
    fold: u32,
    vrows: u32,
    softcap2: f32,
    softcap_inv: f32,
    mods_off: u32,
    _pad: [u32; 3],
    pages_off: u32,
    page_log2: u32,
    max_pages: u32,
    _pad3: u32,
}

/// Geometry of the work list a plan walks: the mask's, or dense blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Geometry {
    block_q: u32,
    block_kv: u32,
}

/// An attention call ready to run: pipelines, mask and parameters built once.
#[derive(Debug)]
pub struct AttentionPlan {
    ctx: Context,
    desc: AttentionDesc,
    config: AttentionConfig,
    geometry: Geometry,
    masked: bool,
    /// The kernel walks the mask's row lists (`MASKED`); false for dense plans and for masks
    /// whose every block is full ([`BlockMask::all_full`]), which run the dense kernel.
    reads_mask: bool,
    pipeline: Arc<wgpu::ComputePipeline>,
    merge: Option<Arc<wgpu::ComputePipeline>>,
    params: wgpu::Buffer,
    mask_buf: wgpu::Buffer,
    /// Score modifiers and sinks (see [`mods`]).
    mods: ScoreMods,
    /// The bias tensor's values on the device (binding 8), when the mods have one.
    bias_buf: Option<wgpu::Buffer>,
    part: Option<wgpu::Buffer>,
    pstats: Option<wgpu::Buffer>,
    dummy: wgpu::Buffer,
    /// A second stand-in for the partials binding: two writable bindings may not alias one
    /// buffer (browsers validate it), so each unused writable slot gets its own.
    dummy_part: wgpu::Buffer,
    grid: (u32, u32),
    merge_grid: (u32, u32),
    work_density: f64,
    fold: u32,
    /// The pipeline has the per-key mask path (partial blocks, stripes).
    partial: bool,
    spec: Spec,
    /// The paged KV cache, when the plan reads one (`PAGED`).
    paged: Option<PagedState>,
}

/// A paged plan's cache shape and the words the kernel reads from the mask buffer (lengths,
/// then the page table), kept on the host so a mask update rewrites them with the mask.
#[derive(Debug)]
struct PagedState {
    kv: PagedKv,
    words: Vec<u32>,
    /// Word offset of the lengths in the mask buffer.
    off: u32,
}

/// Workgroup size of the merge pass.
const MERGE_WG: u32 = 64;

impl AttentionPlan {
    /// The (block_q, block_kv) the dispatcher proposes for masks of `desc` on this adapter.
    pub fn block_sizes(ctx: &Context, desc: &AttentionDesc) -> (u32, u32) {
        crate::ops::attention::config::attention_blocks(ctx.caps(), &ctx.limits(), desc)
    }

    /// Plans `desc` over `mask` (`None`: dense), with `config` or the dispatcher's pick.
    /// Everything about the inputs is checked here, before anything is dispatched.
    pub fn new(
        ctx: &Context,
        desc: AttentionDesc,
        mask: Option<&BlockMask>,
        config: Option<AttentionConfig>,
    ) -> Result<Self> {
        Self::with_mods(ctx, desc, mask, &ScoreMods::none(), config)
    }

    /// [`AttentionPlan::new`] with score modifiers and sinks. Each modifier present is an
    /// override constant of the kernel (and of nothing else): `ScoreMods::none()` plans exactly
    /// what `new` does.
    pub fn with_mods(
        ctx: &Context,
        desc: AttentionDesc,
        mask: Option<&BlockMask>,
        mods: &ScoreMods,
        config: Option<AttentionConfig>,
    ) -> Result<Self> {
        Self::build(ctx, desc, mask, mods, None, config)
    }

    /// Plans attention over a paged KV cache `kv` (see [`paged`]): K and V are page pools
    /// `(pool_pages, Hkv, page_size, D)`, `desc.nkv` is the capacity `max_pages · page_size`,
    /// `mask` (if any) indexes logical key positions. The lengths start at 0 (every slot idle):
    /// call [`AttentionPlan::set_pages`] before recording, and again between steps (a buffer
    /// write, no rebuild). Runs on the subgroup and tiled variants; an explicit coop
    /// configuration is refused, the dispatcher never picks one here.
    pub fn paged(
        ctx: &Context,
        desc: AttentionDesc,
        mask: Option<&BlockMask>,
        mods: &ScoreMods,
        kv: PagedKv,
        config: Option<AttentionConfig>,
    ) -> Result<Self> {
        Self::build(ctx, desc, mask, mods, Some(kv), config)
    }

    fn build(
        ctx: &Context,
        desc: AttentionDesc,
        mask: Option<&BlockMask>,
        mods: &ScoreMods,
        paged: Option<PagedKv>,
        config: Option<AttentionConfig>,
    ) -> Result<Self> {
        desc.validate()?;
        mods.validate(&desc)?;
        if paged.is_some() && mods.bias.is_some() {
            // The tensor is indexed by batch slot and logical key; neither the kernel nor the
            // reference has been checked for that over pages yet.
            return Err(Error::Unsupported(
                "a bias tensor on a paged KV cache is not supported (use it on a contiguous plan, \
                 or ALiBi / T5 buckets, which follow each sequence's positions)"
                    .into(),
            ));
        }
        if desc.dtype == DType::F16 {
            ctx.require_f16()?;
        }
        let geometry = match mask {
            Some(m) => {
                check_mask(&desc, m)?;
                Geometry {
                    block_q: m.block_q,
                    block_kv: m.block_kv,
                }
            }
            None => {
                let (bq, bk) = Self::block_sizes(ctx, &desc);
                Geometry {
                    block_q: bq,
                    // Pages hold whole blocks: smaller pages take smaller dense blocks.
                    block_kv: paged.map_or(bk, |kv| bk.min(kv.page_size.max(1))),
                }
            }
        };
        if let Some(kv) = &paged {
            kv.validate(&desc, geometry.block_kv)?;
        }
        let mut config = match config {
            Some(c) if paged.is_some() && c.variant() == AttentionVariant::Coop => {
                return Err(Error::Unsupported(format!(
                    "attention config `{}`: the coop variant does not read a paged KV cache \
                     (subgroup and tiled do)",
                    c.label()
                )))
            }
            Some(c) => c,
            None => {
                let c = crate::ops::attention::tune::attention_pick(ctx, &desc, geometry.block_q);
                if paged.is_some() && c.variant() == AttentionVariant::Coop {
                    paged_fallback(ctx, &desc, geometry.block_q)
                } else {
                    c
                }
            }
        };
        if !config.valid_for(ctx.caps(), &ctx.limits(), &desc, geometry.block_q) {
            return Err(Error::Unsupported(format!(
                "attention config `{}` cannot run head dim {} {} with block_q {} on this adapter",
                config.label(),
                desc.head_dim,
                desc.dtype,
                geometry.block_q
            )));
        }
        let rows_wg = config.rows_per_workgroup();
        let n_kblocks = desc.nkv.div_ceil(geometry.block_kv);
        let (mut words, rows_off, tiles_off, mask_batch, mask_heads, work_density) = match mask {
            Some(m) => {
                let (w, r, t) = m.to_words(desc.heads_q);
                (w, r, t, m.batch, m.slots, m.work_density())
            }
            None => (vec![0u32], 0, 0, 1, 1, 1.0),
        };
        // GQA decode: fold the query heads of a KV head into one row space when they share a
        // mask slot.
        let heads_share = match mask {
            Some(m) if !m.head_map.is_empty() => {
                let g = (desc.heads_q / desc.heads_kv) as usize;
                m.head_map.chunks(g).all(|c| c.iter().all(|&s| s == c[0]))
            }
            _ => true,
        };
        let fold = crate::ops::attention::config::attention_fold(
            &config,
            &desc,
            geometry.block_q,
            heads_share,
        );
        if config.splits == 0 {
            let units = match mask {
                Some(m) => m
                    .rows
                    .iter()
                    .map(|r| r.full.len() + r.partial.len() + r.stripes.len().div_ceil(32))
                    .max()
                    .unwrap_or(0) as u32,
                None => n_kblocks,
            };
            config.splits = crate::ops::attention::config::attention_splits(
                ctx.caps(),
                &desc,
                rows_wg,
                fold,
                units,
            );
        }
        let mods_off = words.len() as u32;
        words.extend(mods.words(&desc));
        let paged = paged.map(|kv| {
            let n = desc.batch as usize * (1 + kv.max_pages as usize);
            let state = PagedState {
                kv,
                words: vec![0; n],
                off: words.len() as u32,
            };
            words.extend(&state.words);
            state
        });
        let es = desc.dtype.size();
        let (k_elems, v_elems) = kv_elems(&desc, paged.as_ref());
        for (what, len) in [
            ("Q", desc.q_len_elems()),
            ("K", k_elems),
            ("V", v_elems),
            ("O", desc.o_len_elems()),
        ] {
            ctx.check_binding_size(&format!("attention operand {what}"), len * es)?;
        }
        ctx.check_binding_size("attention mask", 4 * words.len() as u64)?;
        let vrows = desc.nq * fold;
        let row_groups = vrows.div_ceil(rows_wg);
        let total = desc.batch as u64
            * (desc.heads_q / fold) as u64
            * row_groups as u64
            * config.splits as u64;
        let max_dim = ctx.limits().max_compute_workgroups_per_dimension;
        let over = |what: &str, need: u64| Error::OverLimit {
            what: what.into(),
            need,
            limit: "max_compute_workgroups_per_dimension (squared)",
            max: max_dim as u64 * max_dim as u64,
        };
        let grid = crate::runtime::grid_2d(total, max_dim)
            .ok_or_else(|| over("attention workgroup count", total))?;
        let rows_total = desc.rows();
        let d4 = (desc.dv() / 4) as u64;
        let merge_groups = (rows_total * d4).div_ceil(MERGE_WG as u64);
        let merge_grid = crate::runtime::grid_2d(merge_groups, max_dim)
            .ok_or_else(|| over("attention merge workgroups", merge_groups))?;
        let masked = mask.is_some();
        // A mask of every block in full is dense attention: the dense kernel (the same
        // pipeline as a dense plan's) skips the row-list and block-index reads.
        let reads_mask = mask.is_some_and(|m| !m.all_full());
        // Masks of full blocks only need no per-key mask path.
        let partial = mask.is_some_and(needs_partial);
        let spec = Spec {
            dtype: desc.dtype,
            coop: config.coop_tile(),
        };
        let pipeline = main_pipeline(
            ctx,
            &config,
            spec,
            &desc,
            mods,
            (reads_mask, partial),
            paged.is_some(),
        )?;
        // The bias tensor: the plan's own buffer, bound at binding 8 of the bias variants.
        let bias_buf = match &mods.bias {
            Some(b) if !b.is_on_device() => Some(ctx.upload("attention bias", &b.values[..])?),
            Some(b) => {
                ctx.check_binding_size("attention bias", b.len() * 4)?;
                None
            }
            None => None,
        };
        let (merge, part, pstats) = if config.splits > 1 {
            let consts = [("D4", d4 as f64), ("MWG", MERGE_WG as f64)];
            let m = ctx.pipeline(shaders::MERGE, Spec::new(desc.dtype), "main", &consts)?;
            let part = ctx.storage(
                "attention partial outputs",
                config.splits as u64 * rows_total * desc.dv() as u64 * 4,
            )?;
            let pstats = ctx.storage(
                "attention partial lse",
                (config.splits as u64 + 1) * rows_total * 4,
            )?;
            (Some(m), Some(part), Some(pstats))
        } else {
            (None, None, None)
        };
        let params = AttnParams {
            batch: desc.batch,
            hq: desc.heads_q,
            hkv: desc.heads_kv,
            nq: desc.nq,
            nkv: desc.nkv,
            group: desc.heads_q / desc.heads_kv,
            row_groups,
            splits: config.splits,
            block_q: geometry.block_q,
            block_kv: geometry.block_kv,
            n_kblocks,
            n_qblocks: desc.nq.div_ceil(geometry.block_q),
            mask_batch,
            mask_heads,
            words: geometry.block_kv.div_ceil(32),
            flags: desc.lse as u32
                | ((config.splits > 1) as u32) << 1
                | (mods.sinks.is_some() as u32) << 2,
            rows_off,
            tiles_off,
            rows_total: rows_total as u32,
            scale_log2: desc.softmax_scale() * std::f32::consts::LOG2_E,
            fold,
            vrows,
            softcap2: mods.softcap.unwrap_or(1.0) * std::f32::consts::LOG2_E,
            softcap_inv: 1.0 / (mods.softcap.unwrap_or(1.0) * std::f32::consts::LOG2_E),
            mods_off,
            _pad: [0; 3],
            pages_off: paged.as_ref().map_or(0, |s| s.off),
            page_log2: paged
                .as_ref()
                .map_or(0, |s| s.kv.page_size.trailing_zeros()),
            max_pages: paged.as_ref().map_or(0, |s| s.kv.max_pages),
            _pad3: 0,
        };
        let mask_buf = upload_words(ctx, &words)?;
        let dummy = ctx.storage("attention unused binding", 16)?;
        let dummy_part = ctx.storage("attention unused partials binding", 16)?;
        Ok(Self {
            ctx: ctx.clone(),
            desc,
            config,
            geometry,
            masked,
            reads_mask,
            pipeline,
            merge,
            params: ctx.uniform("attention params", &params)?,
            mask_buf,
            mods: mods.clone(),
            bias_buf,
            part,
            pstats,
            dummy,
            dummy_part,
            grid,
            merge_grid,
            work_density,
            fold,
            partial,
            spec,
            paged,
        })
    }

    /// The paged KV cache this plan reads, if any.
    pub fn paged_kv(&self) -> Option<&PagedKv> {
        self.paged.as_ref().map(|s| &s.kv)
    }

    /// Sets the page table `(B, max_pages)` and the sequence lengths `(B,)` of a paged plan (see
    /// [`paged`] for what they mean; checked first: pages inside the pool, lengths 0 or within
    /// `nq ..= capacity`). A buffer write ordered before the next submission: bound forms stay
    /// valid, nothing is rebuilt.
    pub fn set_pages(&mut self, table: &[u32], lens: &[u32]) -> Result<()> {
        let desc = self.desc;
        let Some(state) = self.paged.as_mut() else {
            return Err(Error::Shape(
                "this plan reads contiguous K and V; plan with `AttentionPlan::paged`".into(),
            ));
        };
        state.words = state.kv.words(&desc, table, lens)?;
        self.ctx.queue.write_buffer(
            &self.mask_buf,
            4 * state.off as u64,
            bytemuck::cast_slice(&state.words),
        );
        Ok(())
    }

    /// Where a paged plan's lengths and page table live on the device: the buffer, the byte
    /// offset and the byte size of `lengths (B) ++ table (B · max_pages)` as u32. A caller whose
    /// tables are produced on the GPU copies them there (`copy_buffer_to_buffer`) instead of
    /// [`AttentionPlan::set_pages`]; it then owns their validity (pages inside the pool, lengths
    /// within `nq ..= capacity` or 0), which the kernel does not re-check.
    pub fn page_table_location(&self) -> Option<(&wgpu::Buffer, u64, u64)> {
        self.paged
            .as_ref()
            .map(|s| (&self.mask_buf, 4 * s.off as u64, 4 * s.words.len() as u64))
    }

    /// The problem.
    pub fn desc(&self) -> &AttentionDesc {
        &self.desc
    }
    /// The configuration that runs it.
    pub fn config(&self) -> &AttentionConfig {
        &self.config
    }
    /// The score modifiers and sinks applied.
    pub fn mods(&self) -> &ScoreMods {
        &self.mods
    }
    /// Whether a mask is applied (else dense).
    pub fn masked(&self) -> bool {
        self.masked
    }
    /// Whether the kernel reads the mask: false for dense plans and for masks whose every block
    /// is full ([`BlockMask::all_full`]), which run the dense kernel at the dense cost.
    pub fn reads_mask(&self) -> bool {
        self.reads_mask
    }
    /// Query heads read together per KV head (GQA decode), 1 otherwise.
    pub fn fold(&self) -> u32 {
        self.fold
    }
    /// Fraction of the dense key-steps this plan performs (1 for dense).
    pub fn work_density(&self) -> f64 {
        self.work_density
    }
    /// Flops actually computed: dense flops × work density.
    pub fn flops(&self) -> f64 {
        self.desc.dense_flops() * self.work_density
    }

    /// Replaces the mask by another of the same geometry (a cheap rebuild: one upload, no
    /// pipeline work). The new mask is validated like the first. Returns `true` when it was
    /// written in place (it is no larger than the current one), so forms bound earlier stay
    /// valid; `false` when it needed a new buffer: bind again before recording.
    pub fn update_mask(&mut self, mask: &BlockMask) -> Result<bool> {
        self.replace_mask(mask, false)
    }

    /// Follows a KV cache that grew to `mask.nkv` keys (a mask of the plan's queries and blocks,
    /// e.g. [`GrowingMask::mask`] after [`GrowingMask::extend_kv`]): no pipeline work, only the
    /// parameters and the mask words are rewritten (the mask buffer gets headroom when it must
    /// grow, so most steps write in place). K and V are `(B, Hkv, Nkv, D)` for the new `Nkv`.
    /// Returns `true` when bound forms stay valid (they do if the mask words fit and the same
    /// K and V buffers, large enough for the new length, are bound; with `B·Hkv = 1` a buffer
    /// sized for the cache's capacity is); `false`: bind again. Errors leave the plan as it was.
    pub fn extend_kv(&mut self, mask: &BlockMask) -> Result<bool> {
        if self.paged.is_some() {
            return Err(Error::Shape(
                "a paged plan's keys grow by `set_pages` (its nkv is the fixed capacity)".into(),
            ));
        }
        if self.mods.bias.is_some() && mask.nkv != self.desc.nkv {
            return Err(Error::Shape(
                "the plan's bias tensor is sized for its nkv; plan again with one for the grown \
                 cache"
                    .into(),
            ));
        }
        if mask.nq != self.desc.nq || mask.nkv < self.desc.nkv {
            return Err(Error::Shape(format!(
                "the plan has nq = {}, nkv = {}; a grown mask keeps nq and has at least as many \
                 keys, this one has nq = {}, nkv = {}",
                self.desc.nq, self.desc.nkv, mask.nq, mask.nkv
            )));
        }
        let old = self.desc;
        self.desc.nkv = mask.nkv;
        let grown = self
            .desc
            .validate()
            .and_then(|()| {
                let es = self.desc.dtype.size();
                self.ctx
                    .check_binding_size("attention operand K", self.desc.kv_len_elems() * es)
            })
            .and_then(|()| self.replace_mask(mask, true));
        match grown {
            Ok(in_place) => {
                let n_kblocks = mask.nkv.div_ceil(self.geometry.block_kv);
                for (field, value) in [
                    (std::mem::offset_of!(AttnParams, nkv), mask.nkv),
                    (std::mem::offset_of!(AttnParams, n_kblocks), n_kblocks),
                ] {
                    self.ctx.rewrite_uniform(
                        &self.params,
                        field as u64,
                        bytemuck::bytes_of(&value),
                    );
                }
                Ok(in_place)
            }
            Err(e) => {
                self.desc = old;
                Err(e)
            }
        }
    }

    /// [`AttentionPlan::update_mask`]; `headroom`: a new mask buffer gets twice the words, for
    /// masks that keep growing.
    fn replace_mask(&mut self, mask: &BlockMask, headroom: bool) -> Result<bool> {
        if !self.masked {
            return Err(Error::Shape(
                "this plan is dense; plan a masked one instead".into(),
            ));
        }
        check_mask(&self.desc, mask)?;
        if mask.block_q != self.geometry.block_q || mask.block_kv != self.geometry.block_kv {
            return Err(Error::Shape(format!(
                "mask blocks {}x{} differ from the plan's {}x{}",
                mask.block_q, mask.block_kv, self.geometry.block_q, self.geometry.block_kv
            )));
        }
        if self.fold > 1 && !mask.head_map.is_empty() {
            let g = self.fold as usize;
            let shared = mask
                .head_map
                .chunks(g)
                .all(|c| c.iter().all(|&s| s == c[0]));
            if !shared {
                return Err(Error::Shape(
                    "this plan reads each KV head once for its query heads (GQA decode), but the \
                     new mask gives them different patterns: plan again with it"
                        .into(),
                ));
            }
        }
        if let Some(s) = &self.paged {
            s.kv.validate(&self.desc, mask.block_kv)?;
        }
        let (mut words, rows_off, tiles_off) = mask.to_words(self.desc.heads_q);
        let mods_off = words.len() as u32;
        words.extend(self.mods.words(&self.desc));
        let pages_off = words.len() as u32;
        if let Some(s) = &self.paged {
            words.extend(&s.words);
        }
        self.ctx
            .check_binding_size("attention mask", 4 * words.len() as u64)?;
        let mut in_place = 4 * words.len() as u64 <= self.mask_buf.size();
        // The kernel the new mask needs: the dense one for a mask of every block in full; else
        // the masked one, with the per-key path once any mask needed it (never dropped again).
        let reads_mask = !mask.all_full();
        let partial = reads_mask && (self.partial || needs_partial(mask));
        if (reads_mask, partial) != (self.reads_mask, self.partial) {
            self.pipeline = main_pipeline(
                &self.ctx,
                &self.config,
                self.spec,
                &self.desc,
                &self.mods,
                (reads_mask, partial),
                self.paged.is_some(),
            )?;
            (self.reads_mask, self.partial) = (reads_mask, partial);
            in_place = false;
        }
        if in_place {
            self.ctx
                .queue
                .write_buffer(&self.mask_buf, 0, bytemuck::cast_slice(&words));
        } else if headroom {
            let need = 4 * words.len() as u64;
            let max = self.ctx.limits().max_storage_buffer_binding_size;
            let buf = self
                .ctx
                .storage("attention mask", (2 * need).min(max).max(need))?;
            self.ctx
                .queue
                .write_buffer(&buf, 0, bytemuck::cast_slice(&words));
            self.mask_buf = buf;
        } else {
            self.mask_buf = upload_words(&self.ctx, &words)?;
        }
        // Rewrite the mask-dependent parameters (the rest is unchanged).
        let fields: [u32; 6] = [mask.batch, mask.slots, 0, 0, rows_off, tiles_off];
        self.ctx
            .rewrite_uniform(&self.params, 12 * 4, bytemuck::cast_slice(&fields[..2]));
        self.ctx
            .rewrite_uniform(&self.params, 16 * 4, bytemuck::cast_slice(&fields[4..]));
        self.ctx.rewrite_uniform(
            &self.params,
            std::mem::offset_of!(AttnParams, mods_off) as u64,
            bytemuck::bytes_of(&mods_off),
        );
        if let Some(s) = &mut self.paged {
            s.off = pages_off;
            self.ctx.rewrite_uniform(
                &self.params,
                std::mem::offset_of!(AttnParams, pages_off) as u64,
                bytemuck::bytes_of(&pages_off),
            );
        }
        self.work_density = mask.work_density();
        Ok(in_place)
    }

    /// Makes the kernel read the bias tensor from the caller's `bias` (f32, the plan's bias
    /// shape, storage usage; checked) instead of the plan's upload, e.g. for a
    /// [`BiasTensor::on_device`] bias. Bind again afterwards.
    pub fn set_bias_buffer(&mut self, bias: &wgpu::Buffer) -> Result<()> {
        let Some(b) = &self.mods.bias else {
            return Err(Error::Shape(
                "this plan has no bias tensor; plan with `ScoreMods::bias`".into(),
            ));
        };
        Operand::new("bias", bias).check(&self.ctx, b.len() * 4)?;
        self.bias_buf = Some(bias.clone());
        Ok(())
    }

    /// Binds the caller's buffers (checked for usage and size): Q, K, V read; O written; LSE
    /// (f32, one per query row) written when the plan asked for it. Build once, record many times.
    pub fn bind(
        &self,
        q: &wgpu::Buffer,
        k: &wgpu::Buffer,
        v: &wgpu::Buffer,
        o: &wgpu::Buffer,
        lse: Option<&wgpu::Buffer>,
    ) -> Result<AttentionBound> {
        let d = &self.desc;
        let es = d.dtype.size();
        let (k_elems, v_elems) = kv_elems(d, self.paged.as_ref());
        Operand::new("Q", q).check(&self.ctx, d.q_len_elems() * es)?;
        Operand::new("K", k).check(&self.ctx, k_elems * es)?;
        Operand::new("V", v).check(&self.ctx, v_elems * es)?;
        Operand::new("O", o).check(&self.ctx, d.o_len_elems() * es)?;
        let lse = match (d.lse, lse) {
            (true, Some(b)) => {
                Operand::new("LSE", b).check(&self.ctx, d.rows() * 4)?;
                b
            }
            (true, None) => {
                return Err(Error::Shape(
                    "the plan writes the LSE but no LSE buffer was bound".into(),
                ))
            }
            (false, Some(_)) => {
                return Err(Error::Shape(
                    "an LSE buffer was bound but the plan was built without `with_lse`".into(),
                ))
            }
            (false, None) => &self.dummy,
        };
        if self.mods.bias.is_some() && self.bias_buf.is_none() {
            return Err(Error::Shape(
                "the plan's bias tensor is on the device: `set_bias_buffer` before binding".into(),
            ));
        }
        let split = self.config.splits > 1;
        let stats = if split {
            self.pstats.as_ref().unwrap_or(&self.dummy)
        } else {
            lse
        };
        let part = self.part.as_ref().unwrap_or(&self.dummy_part);
        let main = self.main_bind_group(&self.pipeline, [q, k, v, o, stats])?;
        let merge = match &self.merge {
            Some(m) => {
                let layout = m.get_bind_group_layout(0);
                let bg = self.ctx.scoped(|| {
                    self.ctx
                        .device
                        .create_bind_group(&wgpu::BindGroupDescriptor {
                            label: Some("attention merge"),
                            layout: &layout,
                            entries: &[
                                entry(0, &self.params),
                                entry(1, o),
                                entry(2, lse),
                                entry(3, part),
                                entry(4, self.pstats.as_ref().unwrap_or(&self.dummy)),
                                entry(5, &self.mask_buf),
                            ],
                        })
                })?;
                Some((m.clone(), bg, self.merge_grid))
            }
            None => None,
        };
        Ok(AttentionBound {
            pipeline: self.pipeline.clone(),
            bind_group: main,
            grid: self.grid,
            merge,
        })
    }

    /// The main kernel's bind group for `pipeline` (this plan's, or one built from the same
    /// bindings): Q, K, V, O and the stats binding (LSE or split partials' LSE).
    fn main_bind_group(
        &self,
        pipeline: &wgpu::ComputePipeline,
        [q, k, v, o, stats]: [&wgpu::Buffer; 5],
    ) -> Result<wgpu::BindGroup> {
        let part = self.part.as_ref().unwrap_or(&self.dummy_part);
        let layout = pipeline.get_bind_group_layout(0);
        self.ctx.scoped(|| {
            self.ctx
                .device
                .create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("attention"),
                    layout: &layout,
                    entries: &[
                        entry(0, &self.params),
                        entry(1, q),
                        entry(2, k),
                        entry(3, v),
                        entry(4, o),
                        entry(5, stats),
                        entry(6, &self.mask_buf),
                        entry(7, part),
                    ]
                    .into_iter()
                    .chain(self.bias_buf.as_ref().map(|b| entry(8, b)))
                    .collect::<Vec<_>>(),
                })
        })
    }

    /// Runs on host data: uploads Q, K, V, dispatches, reads O (and the LSE when requested).
    pub async fn run_host<T: Element>(
        &self,
        q: &[T],
        k: &[T],
        v: &[T],
    ) -> Result<(Vec<T>, Option<Vec<f32>>)> {
        let d = &self.desc;
        if T::DTYPE != d.dtype {
            return Err(Error::Shape(format!(
                "host data is {} but the plan is {}",
                T::DTYPE,
                d.dtype
            )));
        }
        let (k_elems, v_elems) = kv_elems(d, self.paged.as_ref());
        check_len("Q", q.len(), d.q_len_elems())?;
        check_len("K", k.len(), k_elems)?;
        check_len("V", v.len(), v_elems)?;
        let ctx = &self.ctx;
        let qb = ctx.upload("Q", q)?;
        let kb = ctx.upload("K", k)?;
        let vb = ctx.upload("V", v)?;
        let ob = ctx.storage("O", d.o_len_elems() * d.dtype.size())?;
        let lb = if d.lse {
            Some(ctx.storage("LSE", d.rows() * 4)?)
        } else {
            None
        };
        let bound = self.bind(&qb, &kb, &vb, &ob, lb.as_ref())?;
        ctx.submit(|pass| bound.record(pass))?;
        let out = read_buffer(ctx, &ob, d.o_len_elems() as usize).await?;
        let lse = match &lb {
            Some(b) => Some(read_buffer(ctx, b, d.rows() as usize).await?),
            None => None,
        };
        Ok((out, lse))
    }
}

/// Whether `m` has partial blocks or stripes (the kernel's per-key mask path).
fn needs_partial(m: &BlockMask) -> bool {
    m.rows
        .iter()
        .any(|r| !r.partial.is_empty() || !r.stripes.is_empty())
}

/// Checks a mask against the call: geometry, batch, heads, structure.
fn check_mask(desc: &AttentionDesc, m: &BlockMask) -> Result<()> {
    if m.nq != desc.nq || m.nkv != desc.nkv {
        return Err(Error::Shape(format!(
            "mask built for nq = {}, nkv = {} but the inputs have nq = {}, nkv = {}",
            m.nq, m.nkv, desc.nq, desc.nkv
        )));
    }
    if m.batch != 1 && m.batch != desc.batch {
        return Err(Error::Shape(format!(
            "mask has {} batches; the inputs {} (1 broadcasts)",
            m.batch, desc.batch
        )));
    }
    if !m.head_map.is_empty() && m.head_map.len() != desc.heads_q as usize {
        return Err(Error::Shape(format!(
            "mask maps {} heads; the inputs have {} query heads",
            m.head_map.len(),
            desc.heads_q
        )));
    }
    m.validate()
}

fn entry(binding: u32, b: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: b.as_entire_binding(),
    }
}

/// The main kernel of a plan: `config`'s shader (its bias-tensor variant when `mods` has one)
/// with its constants, `MODS` and `PAGED` (see [`kernel_constants`]). `kernel`: (reads the
/// mask, has partial blocks).
fn main_pipeline(
    ctx: &Context,
    config: &AttentionConfig,
    spec: Spec,
    desc: &AttentionDesc,
    mods: &ScoreMods,
    (reads_mask, partial): (bool, bool),
    paged: bool,
) -> Result<Arc<wgpu::ComputePipeline>> {
    ctx.pipeline(
        shaders::with_bias(config.shader(), mods.bias.is_some()),
        spec,
        "main",
        &kernel_constants(
            config.constants_for(desc.head_dim, desc.dv(), reads_mask, partial),
            mods,
            paged,
        ),
    )
}

/// Adds the `MODS` override constant when a modifier is present and `PAGED` for a paged cache
/// (neither: the constants, and so the pipeline, of a plain plan).
fn kernel_constants(
    mut constants: Vec<(&'static str, f64)>,
    mods: &ScoreMods,
    paged: bool,
) -> Vec<(&'static str, f64)> {
    if !mods.is_none() {
        constants.push(("MODS", mods.bits() as f64));
    }
    if paged {
        constants.push(("PAGED", 1.0));
    }
    constants
}

/// Elements of the K and V operands: contiguous `(B, Hkv, Nkv, D)`, or the page pools.
fn kv_elems(d: &AttentionDesc, paged: Option<&PagedState>) -> (u64, u64) {
    match paged {
        Some(s) => (
            s.kv.pool_elems(d.heads_kv, d.head_dim),
            s.kv.pool_elems(d.heads_kv, d.dv()),
        ),
        None => (d.kv_len_elems(), d.v_len_elems()),
    }
}

/// The dispatcher's pick for a paged plan when the usual pick is the coop variant (which does
/// not read pages): the best-ranked subgroup or tiled candidate.
fn paged_fallback(ctx: &Context, desc: &AttentionDesc, block_q: u32) -> AttentionConfig {
    crate::ops::attention::config::attention_candidates(ctx.caps(), &ctx.limits(), desc, block_q)
        .into_iter()
        .find(|c| c.variant() != AttentionVariant::Coop)
        .unwrap_or_else(|| AttentionConfig::tiled(16, 1))
}

/// Uploads the mask words into a storage buffer (copy destination too, for in-place updates).
fn upload_words(ctx: &Context, words: &[u32]) -> Result<wgpu::Buffer> {
    ctx.upload_words("attention mask", words)
}

/// A plan bound to buffers: records the attention dispatch (and the merge pass) into a pass.
#[derive(Debug)]
pub struct AttentionBound {
    pipeline: Arc<wgpu::ComputePipeline>,
    bind_group: wgpu::BindGroup,
    grid: (u32, u32),
    merge: Option<(Arc<wgpu::ComputePipeline>, wgpu::BindGroup, (u32, u32))>,
}

impl AttentionBound {
    /// Records the dispatches.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.dispatch_workgroups(self.grid.0, self.grid.1, 1);
        if let Some((p, bg, g)) = &self.merge {
            pass.set_pipeline(p);
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(g.0, g.1, 1);
        }
    }
}

/// One-call attention on host slices with the dispatcher's choice: returns O.
pub async fn attention<T: Element>(
    ctx: &Context,
    desc: AttentionDesc,
    mask: Option<&BlockMask>,
    q: &[T],
    k: &[T],
    v: &[T],
) -> Result<Vec<T>> {
    Ok(AttentionPlan::new(ctx, desc, mask, None)?
        .run_host(q, k, v)
        .await?
        .0)
}

/// Block-sparse attention in the op registry (`crate::ops::ALL`).
#[derive(Clone, Copy, Debug)]
pub struct AttentionOp;

/// The op's name in the CLI, reports and the tuning cache.
pub const NAME: &str = "attention";

crate::harness::impl_op!(
    AttentionOp,
    NAME,
    shaders: shaders::ALL.to_vec(),
    verify: verify::verify_attention_async,
    bench: bench::bench_all,
    tune_jobs: |ctx, quick| crate::tune::jobs_for::<tune::AttentionTune>(ctx, tune::attention_tune_shapes(ctx, quick))
);

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// Times plans with `Dv = D` on the current kernels against the same pipelines built from
    /// other shader files (`WGK_OLD_ATTN_DIR`: e.g. `shaders/attention` of the commit before
    /// `Dv ≠ Dqk`), same constants and bindings, in alternating rounds in one process. A
    /// measurement, not a check: run with `--ignored --nocapture`.
    #[test]
    #[ignore]
    fn dv_equal_runs_at_the_old_speed() {
        let Ok(dir) = std::env::var("WGK_OLD_ATTN_DIR") else {
            eprintln!("set WGK_OLD_ATTN_DIR to the old shaders/attention directory");
            return;
        };
        let ctx = Context::new_blocking().unwrap();
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let cases = [
            ("dense N=4096", AttentionDesc::new(1, 8, 4096, 64)),
            (
                "decode Nkv=4096",
                AttentionDesc::new(1, 8, 1, 64).kv_len(4096),
            ),
            ("dense N=1024 D=128", AttentionDesc::new(1, 8, 1024, 128)),
        ];
        for (label, desc) in cases {
            let plan = AttentionPlan::new(&ctx, desc, None, None).unwrap();
            let (base, file) = match plan.config.variant() {
                AttentionVariant::Subgroup => (shaders::SUBGROUP, "subgroup.wgsl"),
                AttentionVariant::Tiled => (shaders::TILED, "tiled.wgsl"),
                AttentionVariant::Coop => (shaders::COOP, "coop.wgsl"),
            };
            let body = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
            let old = crate::runtime::pipelines::Shader {
                name: leak(format!("{}Before", base.name)),
                body: leak(body),
                ..base
            };
            let d = desc.head_dim;
            let consts = plan.config.constants_for(d, d, false, false);
            let old_pipe = ctx.pipeline(old, plan.spec, "main", &consts).unwrap();
            let es = desc.dtype.size();
            let buf = |n: u64| ctx.storage("probe", n * es).unwrap();
            let (q, k, v, o) = (
                buf(desc.q_len_elems()),
                buf(desc.kv_len_elems()),
                buf(desc.v_len_elems()),
                buf(desc.o_len_elems()),
            );
            let new_bound = plan.bind(&q, &k, &v, &o, None).unwrap();
            let stats = plan.pstats.as_ref().unwrap_or(&plan.dummy);
            let bind_group = plan
                .main_bind_group(&old_pipe, [&q, &k, &v, &o, stats])
                .unwrap();
            let old_bound = AttentionBound {
                pipeline: old_pipe,
                bind_group,
                grid: plan.grid,
                merge: new_bound.merge.clone(),
            };
            let (mut ratios, rounds) = (Vec::new(), 8);
            for r in 0..rounds {
                let mut t = [0.0f64; 2];
                for which in [r % 2, 1 - r % 2] {
                    let b = if which == 0 { &new_bound } else { &old_bound };
                    t[which] = crate::runtime::time_gpu(&ctx, 1, 5, &|pass| b.record(pass))
                        .unwrap()
                        .median_ms;
                }
                ratios.push(t[0] / t[1]);
            }
            ratios.sort_by(f64::total_cmp);
            eprintln!(
                "{label} ({}): new/old per round {:?}, median {:.3}",
                plan.config.label(),
                ratios.iter().map(|r| format!("{r:.3}")).collect::<Vec<_>>(),
                ratios[rounds / 2]
            );
        }
    }

    #[test]
    fn params_match_the_wgsl_struct() {
        crate::runtime::pipelines::assert_uniform_layout!(
            AttnParams,
            shaders::TILED,
            "AttnParams",
            [
                batch,
                hq,
                hkv,
                nq,
                nkv,
                group,
                row_groups,
                splits,
                block_q,
                block_kv,
                n_kblocks,
                n_qblocks,
                mask_batch,
                mask_heads,
                words,
                flags,
                rows_off,
                tiles_off,
                rows_total,
                scale_log2,
                fold,
                vrows,
                softcap2,
                softcap_inv,
                mods_off,
                pages_off,
                page_log2,
                max_pages
            ]
        );
    }
}
