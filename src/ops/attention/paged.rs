//! Paged KV cache for serving: K and V live in a pool of fixed-size pages, each sequence of the
//! batch has a page table (logical page → physical page) and its own length, and one dispatch
//! runs every sequence (decode: one query each; chunked prefill: `nq` queries appended at the
//! end of each sequence).
//!
//! ```text
//! K pool: (pool_pages, Hkv, page_size, D)    V pool: (pool_pages, Hkv, page_size, Dv)
//! table:  (B, max_pages) u32                 lens:   (B,) u32, nq ≤ len ≤ max_pages·page_size (or 0)
//! ```
//!
//! Key `j` of sequence `b` is row `j mod page_size` of page `table[b][j / page_size]`. A page
//! holds whole KV blocks of the kernel (`page_size` is a multiple of its `block_kv`), so the keys
//! of one block are consecutive rows: the inner loop stays a plain contiguous read and the table
//! costs one read per block. Block masks index logical positions (their `nkv` is the capacity
//! `max_pages·page_size`); the `nq` query rows of sequence `b` sit at positions
//! `len_b − nq … len_b − 1` and see keys up to their own position (the chunk is causal; decode,
//! `nq = 1`, sees the whole sequence). A length of 0 marks an idle slot: its rows see no key and
//! produce zeros.

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::harness::verify::Check;
use crate::ops::attention::config::{attention_candidates, AttentionConfig, AttentionVariant};
use crate::ops::attention::verify::{attention_shape_json, outcome_check, unit_data, AttnCase};
use crate::ops::attention::ScoreMods;
use crate::ops::attention::{AttentionDesc, AttentionPlan, BlockMask, MaskBuilder, Pattern};
use crate::runtime::Context;
use std::sync::Arc;

/// The shape of a paged KV cache: what [`crate::ops::attention::AttentionPlan::paged`] plans for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PagedKv {
    /// Keys per page: a power of two and a multiple of the plan's `block_kv`.
    pub page_size: u32,
    /// Pages in the K and V pools.
    pub pool_pages: u32,
    /// Page-table entries per sequence; a sequence holds at most `max_pages · page_size` keys.
    pub max_pages: u32,
}

impl PagedKv {
    /// A cache of `pool_pages` pages of `page_size` keys, sequences of up to `max_pages` pages.
    pub fn new(page_size: u32, pool_pages: u32, max_pages: u32) -> Self {
        Self {
            page_size,
            pool_pages,
            max_pages,
        }
    }

    /// Keys one sequence can hold: the plan's `nkv` (and its masks').
    pub fn capacity(&self) -> u64 {
        self.max_pages as u64 * self.page_size as u64
    }

    /// Elements of the K pool for head dim `d` and `hkv` KV heads (of V with `Dv`).
    pub fn pool_elems(&self, hkv: u32, d: u32) -> u64 {
        self.pool_pages as u64 * hkv as u64 * self.page_size as u64 * d as u64
    }

    /// Checks the cache against the call `desc` and the kernel's KV block `block_kv`.
    pub fn validate(&self, desc: &AttentionDesc, block_kv: u32) -> Result<()> {
        for (name, v) in [
            ("paged KV page_size", self.page_size),
            ("paged KV pool_pages", self.pool_pages),
            ("paged KV max_pages", self.max_pages),
        ] {
            if v == 0 {
                return Err(Error::ZeroSized(name));
            }
        }
        if !self.page_size.is_power_of_two() || !self.page_size.is_multiple_of(block_kv) {
            return Err(Error::Unsupported(format!(
                "page size {}: pages must be a power of two and hold whole KV blocks of {} keys \
                 (so a block's keys are consecutive rows of one page)",
                self.page_size, block_kv
            )));
        }
        if self.capacity() != desc.nkv as u64 {
            return Err(Error::Shape(format!(
                "a paged plan's nkv is the capacity max_pages · page_size = {}, the call has nkv = {}",
                self.capacity(),
                desc.nkv
            )));
        }
        for (what, d) in [("K", desc.head_dim), ("V", desc.dv())] {
            let n = self.pool_elems(desc.heads_kv, d);
            if n > u32::MAX as u64 {
                return Err(Error::Shape(format!(
                    "the {what} pool has {n} elements, over the 2^32 one binding can index"
                )));
            }
        }
        Ok(())
    }

    /// Checks a page table `(B, max_pages)` and lengths `(B,)` for `desc` and returns the words
    /// the kernel reads: the lengths, then the table. Every table entry must name a pool page
    /// (unused entries too: 0 is fine), every length be 0 or within `nq ..= capacity`.
    pub fn words(&self, desc: &AttentionDesc, table: &[u32], lens: &[u32]) -> Result<Vec<u32>> {
        let b = desc.batch as usize;
        crate::runtime::check_len("paged KV lengths", lens.len(), b as u64)?;
        crate::runtime::check_len(
            "paged KV page table",
            table.len(),
            b as u64 * self.max_pages as u64,
        )?;
        for (s, &len) in lens.iter().enumerate() {
            if len != 0 && (len < desc.nq || len as u64 > self.capacity()) {
                return Err(Error::Shape(format!(
                    "sequence {s} has length {len}: lengths are 0 (idle) or between nq = {} and \
                     the capacity {}",
                    desc.nq,
                    self.capacity()
                )));
            }
        }
        if let Some((i, &page)) = table
            .iter()
            .enumerate()
            .find(|&(_, &p)| p >= self.pool_pages)
        {
            return Err(Error::Shape(format!(
                "page table entry {} (sequence {}, logical page {}) is page {page}, outside the \
                 pool of {} pages",
                i,
                i / self.max_pages as usize,
                i % self.max_pages as usize,
                self.pool_pages
            )));
        }
        Ok(lens.iter().chain(table).copied().collect())
    }

    /// A page table for `lens` (checks and benches): each sequence gets its own pages from the
    /// whole pool in an order shuffled by `seed`; entries past a sequence's length name the
    /// pool's last page. `None` when the pool is too small for the lengths.
    pub fn shuffled_table(&self, lens: &[u32], seed: u64) -> Option<Vec<u32>> {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        let mut pages: Vec<u32> = (0..self.pool_pages).collect();
        pages.shuffle(&mut rand::rngs::SmallRng::seed_from_u64(seed));
        let mut next = pages.into_iter();
        let mp = self.max_pages as usize;
        let mut table = vec![self.pool_pages - 1; lens.len() * mp];
        for (b, &len) in lens.iter().enumerate() {
            for lp in 0..len.div_ceil(self.page_size) as usize {
                table[b * mp + lp] = next.next()?;
            }
        }
        Some(table)
    }

    /// Gathers sequence `b`'s first `len` keys of every KV head from a pool `(pool_pages, Hkv,
    /// page_size, dim)` into contiguous `(Hkv, len, dim)` (for the reference and for callers
    /// that want the sequence back).
    pub fn gather<T: Copy>(
        &self,
        hkv: u32,
        dim: u32,
        pool: &[T],
        table: &[u32],
        b: u32,
        len: u32,
    ) -> Vec<T> {
        let (ps, dim) = (self.page_size as usize, dim as usize);
        let mut out = Vec::with_capacity(hkv as usize * len as usize * dim);
        for h in 0..hkv as usize {
            for j in 0..len as usize {
                let page = table[b as usize * self.max_pages as usize + j / ps] as usize;
                let row = (page * hkv as usize + h) * ps + j % ps;
                out.extend_from_slice(&pool[row * dim..(row + 1) * dim]);
            }
        }
        out
    }
}

/// The f64 reference of a paged call: each sequence's pages gathered into contiguous K and V,
/// then the existing reference over its own length with the mask restricted to its keys and to
/// the chunk's causality. Returns O `(B, Hq, Nq, Dv)` and the natural-log LSE `(B, Hq, Nq)`.
#[allow(clippy::too_many_arguments)]
pub fn paged_reference(
    desc: &AttentionDesc,
    kv: &PagedKv,
    mask: Option<&BlockMask>,
    mods: &ScoreMods,
    q: &[f64],
    k_pool: &[f64],
    v_pool: &[f64],
    table: &[u32],
    lens: &[u32],
) -> Result<(Vec<f64>, Vec<f64>)> {
    let (nq, hq) = (desc.nq, desc.heads_q);
    let mut out = vec![0.0; desc.o_len_elems() as usize];
    let mut lse = vec![f64::NEG_INFINITY; desc.rows() as usize];
    let q_per = (hq * nq * desc.head_dim) as usize;
    let o_per = (hq * nq * desc.dv()) as usize;
    let shared = mask.map(|m| Arc::new(m.clone()));
    for b in 0..desc.batch {
        let len = lens[b as usize];
        if len == 0 {
            // An idle slot: no keys, output 0, LSE the sink (or −∞), as for any empty row.
            for h in 0..hq {
                let r0 = ((b * hq + h) * nq) as usize;
                let sink = mods.sink(h as usize).unwrap_or(f64::NEG_INFINITY);
                lse[r0..r0 + nq as usize].fill(sink);
            }
            continue;
        }
        let d1 = AttentionDesc { batch: 1, ..*desc }.kv_len(len);
        let k = kv.gather(desc.heads_kv, desc.head_dim, k_pool, table, b, len);
        let v = kv.gather(desc.heads_kv, desc.dv(), v_pool, table, b, len);
        let patterns: Vec<Pattern> = (0..hq)
            .map(|h| {
                let m = shared.clone();
                Pattern::closure(move |i, j| {
                    j + nq <= len + i && m.as_ref().is_none_or(|m| m.allows(b, h, i, j))
                })
            })
            .collect();
        let seq_mask = MaskBuilder::new(nq, len, 16, 16).build_heads(&patterns)?;
        let qb = &q[b as usize * q_per..(b as usize + 1) * q_per];
        let (o1, l1) = crate::ops::attention::reference::attention_ref_mods(
            &d1,
            Some(&seq_mask),
            mods,
            qb,
            &k,
            &v,
            None,
        );
        out[b as usize * o_per..(b as usize + 1) * o_per].copy_from_slice(&o1);
        let r = (hq * nq) as usize;
        lse[b as usize * r..(b as usize + 1) * r].copy_from_slice(&l1);
    }
    Ok((out, lse))
}

/// One paged verification case: a call over a paged cache with its sequence lengths, and an
/// optional pattern (built in blocks of the dispatcher's `block_q` × the page-sized `block_kv`).
#[derive(Clone, Debug)]
pub struct PagedCase {
    /// The call (`nkv` = the cache's capacity).
    pub desc: AttentionDesc,
    /// The cache.
    pub kv: PagedKv,
    /// One length per sequence.
    pub lens: Vec<u32>,
    /// The pattern over logical positions (`None`: dense).
    pub pattern: Option<Pattern>,
    /// Score modifiers and sinks.
    pub mods: ScoreMods,
}

impl PagedCase {
    /// Builds the mask (if any) for this adapter, in blocks the pages hold whole.
    pub fn mask(&self, ctx: &Context) -> Result<Option<BlockMask>> {
        let (bq, bk) = AttentionPlan::block_sizes(ctx, &self.desc);
        self.pattern
            .as_ref()
            .map(|p| {
                MaskBuilder::new(self.desc.nq, self.desc.nkv, bq, bk.min(self.kv.page_size))
                    .build(p)
            })
            .transpose()
    }
}

/// The paged cases of `verify attention`: decode over sequences of every awkward length (the
/// capacity, 1 key, tails, a multiple of the page, an idle slot) with GQA and the LSE, dense
/// and under a causal window with sink tokens (partial blocks, stripes); chunked prefill of 5
/// queries under the same pattern; all modifiers. Pages of 16 keys from a pool in a shuffled
/// order. Head dim 64 throughout, so the cases share their pipelines.
pub fn paged_cases() -> Vec<PagedCase> {
    let kv = PagedKv::new(16, 29, 5);
    let d = |b: u32, nq: u32| {
        AttentionDesc::new(b, 4, nq, 64)
            .gqa(2)
            .kv_len(kv.capacity() as u32)
            .with_lse()
    };
    let pattern = Pattern::causal_window(21).or(Pattern::Stripes(vec![0, 1, 2, 35]));
    let case = |desc, lens: &[u32], pattern: Option<Pattern>| PagedCase {
        desc,
        kv,
        lens: lens.to_vec(),
        pattern,
        mods: ScoreMods::none(),
    };
    let decode = [80, 1, 33, 0, 48, 17];
    let prefill = [80, 5, 37, 0, 64];
    vec![
        case(d(6, 1), &decode, None),
        case(d(6, 1), &decode, Some(pattern.clone())),
        case(d(5, 5), &prefill, None),
        case(d(5, 5), &prefill, Some(pattern)),
        PagedCase {
            mods: ScoreMods::none()
                .softcap(1.5)
                .alibi(ScoreMods::alibi_standard(4))
                .sinks(crate::ops::attention::verify::test_sinks(4))
                .t5(crate::ops::attention::verify::test_t5(4, 16, 32, false)),
            ..case(d(5, 5), &prefill, None)
        },
        case(d(4, 1).dtype(DType::F16), &[80, 1, 33, 48], None),
    ]
}

/// One configuration per variant the dispatcher can pick for a paged `case` here (every
/// variant but coop, which paged plans do not run): the default first.
pub fn paged_variants_to_check(ctx: &Context, case: &PagedCase) -> Vec<AttentionConfig> {
    let bq = AttentionPlan::block_sizes(ctx, &case.desc).0;
    let mut out: Vec<AttentionConfig> = Vec::new();
    for c in attention_candidates(ctx.caps(), &ctx.limits(), &case.desc, bq) {
        if c.variant() != AttentionVariant::Coop && !out.iter().any(|o| o.variant() == c.variant())
        {
            out.push(c);
        }
    }
    out
}

/// Runs a paged `case` with `config` (`None`: the dispatcher's) on unit-variance data over a
/// shuffled page table and checks output and LSE against [`paged_reference`] under the rules of
/// [`crate::ops::attention::verify::check_attention_async`].
pub async fn check_paged_async(
    ctx: &Context,
    case: &PagedCase,
    config: Option<AttentionConfig>,
    seed: u64,
) -> Check {
    let r = match case.desc.dtype {
        DType::F32 => {
            ctx.capture_errors(run_paged::<f32>(ctx, case, config, seed))
                .await
        }
        DType::F16 => {
            ctx.capture_errors(run_paged::<half::f16>(ctx, case, config, seed))
                .await
        }
    };
    let mut shape = attention_shape_json(&AttnCase {
        desc: case.desc,
        pattern: case.pattern.clone(),
        blocks: None,
        mods: case.mods.clone(),
    });
    shape["page_size"] = serde_json::json!(case.kv.page_size);
    shape["lens"] = serde_json::json!(case.lens);
    outcome_check(&case.desc, shape, config, r)
}

/// [`check_paged_async`], blocking (native).
#[cfg(not(target_arch = "wasm32"))]
pub fn check_paged(
    ctx: &Context,
    case: &PagedCase,
    config: Option<AttentionConfig>,
    seed: u64,
) -> Check {
    pollster::block_on(check_paged_async(ctx, case, config, seed))
}

async fn run_paged<T: Element>(
    ctx: &Context,
    case: &PagedCase,
    config: Option<AttentionConfig>,
    seed: u64,
) -> Result<crate::ops::attention::verify::Outcome> {
    let (d, kv) = (&case.desc, &case.kv);
    let (q, qf) = unit_data::<T>(d.q_len_elems() as usize, seed);
    let (k, kf) = unit_data::<T>(kv.pool_elems(d.heads_kv, d.head_dim) as usize, seed + 1);
    let (v, vf) = unit_data::<T>(kv.pool_elems(d.heads_kv, d.dv()) as usize, seed + 2);
    let table = kv
        .shuffled_table(&case.lens, seed)
        .ok_or_else(|| Error::Shape("the pool is too small for the lengths".into()))?;
    let mask = case.mask(ctx)?;
    let mut plan = AttentionPlan::paged(ctx, *d, mask.as_ref(), &case.mods, *kv, config)?;
    plan.set_pages(&table, &case.lens)?;
    let (out, lse) = plan.run_host(&q, &k, &v).await?;
    let (want, lse_want) = paged_reference(
        d,
        kv,
        mask.as_ref(),
        &case.mods,
        &qf,
        &kf,
        &vf,
        &table,
        &case.lens,
    )?;
    let got = out.iter().map(|x| x.to_f64()).collect();
    let lse = lse.map(|l| l.iter().map(|&x| x as f64).collect());
    Ok((got, want, lse, lse_want, *plan.config()))
}
