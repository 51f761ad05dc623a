//! Offline pattern search (Sparse-vDiT's step): from sample Q, K, V of one layer, choose per
//! head the cheapest pattern whose output stays close to full attention.
//!
//! For every candidate pattern the kernel runs once over all heads (the candidate applied to
//! every head), and each head's error is measured against dense attention:
//! `err_h = ‖O_h − O_full,h‖² / ‖O_full,h‖²` (relative MSE, so the threshold does not depend on
//! the scale of V). Each head then takes the candidate minimising `err + λ·(1 − sparsity)`
//! (`1 − sparsity` = the work density the kernel pays) among those with `err ≤ ε`; `full`
//! (error 0, density 1) is always eligible, so a head no candidate approximates falls back to
//! it. The plan's predicted speedup is `H / Σ_h density_h`: the kernel's time is proportional
//! to the blocks present (the bench measures how closely).

use super::{AttentionDesc, AttentionPlan, BlockMask, MaskBuilder, Pattern};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::runtime::Context;

/// Options of the search.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// Weight of the work density in the score (λ).
    pub lambda: f64,
    /// Largest relative MSE accepted (ε).
    pub epsilon: f64,
    /// Candidate patterns; empty: [`default_candidates`].
    pub candidates: Vec<Pattern>,
    /// Frame length of a video layout (adds multi-diagonal candidates at `±k·frame_len`).
    pub frame_len: Option<u32>,
    /// Fixed (block_q, block_kv); `None`: the dispatcher's.
    pub blocks: Option<(u32, u32)>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            lambda: 0.02,
            epsilon: 0.05,
            candidates: Vec::new(),
            frame_len: None,
            blocks: None,
        }
    }
}

/// Error and cost of one candidate on one head.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CandidateScore {
    /// The candidate's text form (or its description when it has none).
    pub pattern: String,
    /// Relative MSE against full attention.
    pub err: f64,
    /// Work density of the candidate's mask.
    pub density: f64,
    /// `err + λ·density`, or `None` when `err > ε`.
    pub score: Option<f64>,
}

/// The choice for one head.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HeadChoice {
    /// Query head.
    pub head: u32,
    /// The chosen pattern's text form (`Pattern::parse` reads it back).
    pub pattern: String,
    /// Its relative MSE.
    pub err: f64,
    /// Its work density.
    pub density: f64,
    /// Every candidate's numbers for this head.
    pub candidates: Vec<CandidateScore>,
}

/// The search's result: per head a pattern, and the predicted speedup over dense.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SearchPlan {
    /// λ used.
    pub lambda: f64,
    /// ε used.
    pub epsilon: f64,
    /// Block sizes of the masks.
    pub block_q: u32,
    /// Block sizes of the masks.
    pub block_kv: u32,
    /// One choice per query head.
    pub heads: Vec<HeadChoice>,
    /// `H / Σ_h density_h` (a head that is skipped counts 1/n_kblocks: its workgroups still run).
    pub predicted_speedup: f64,
    /// The chosen patterns themselves (closures included), one per head.
    #[serde(skip)]
    pub chosen: Vec<Pattern>,
}

impl SearchPlan {
    /// The per-head patterns of the plan.
    pub fn patterns(&self) -> Result<Vec<Pattern>> {
        if self.chosen.len() == self.heads.len() {
            return Ok(self.chosen.clone());
        }
        self.heads
            .iter()
            .map(|h| Pattern::parse(&h.pattern))
            .collect()
    }
    /// The plan's mask for `nq × nkv` (heads sharing a pattern share a slot: one dispatch).
    pub fn mask(&self, nq: u32, nkv: u32) -> Result<BlockMask> {
        MaskBuilder::new(nq, nkv, self.block_q, self.block_kv).build_heads(&self.patterns()?)
    }
}

/// The default candidates for `nq × nkv`: full, skip, three diagonal windows, multi-diagonal
/// frame bands (with `frame_len`), and vertical stripes (leading columns, every 16th column)
/// each with a narrow window — Sparse-vDiT's five kinds.
pub fn default_candidates(nkv: u32, frame_len: Option<u32>) -> Vec<Pattern> {
    let n = nkv.max(1);
    let w = |f: u32| (n / f).max(1);
    let mut v = vec![
        Pattern::Full,
        Pattern::Empty,
        Pattern::window(w(8)),
        Pattern::window(w(16)),
        Pattern::window(w(64)),
    ];
    if let Some(f) = frame_len.filter(|&f| f > 0 && f < n) {
        let hw = (f / 16).max(1);
        v.push(Pattern::frames(f, 1, hw));
        v.push(Pattern::frames(f, 2, hw));
        v.push(Pattern::frames(f, (n / f).min(8), (f / 32).max(1)));
    }
    let lead: Vec<u32> = (0..n.min(64)).collect();
    v.push(Pattern::Stripes(lead).or(Pattern::window(w(64))));
    v.push(
        Pattern::StripesEvery {
            stride: 16,
            offset: 0,
        }
        .or(Pattern::window(w(64))),
    );
    v
}

fn text_of(p: &Pattern) -> String {
    p.spec().unwrap_or_else(|| p.describe())
}

/// Runs the search on sample data (host slices in the layout of [`AttentionDesc`]).
pub async fn search_patterns<T: Element>(
    ctx: &Context,
    desc: &AttentionDesc,
    q: &[T],
    k: &[T],
    v: &[T],
    opts: &SearchOptions,
) -> Result<SearchPlan> {
    desc.validate()?;
    let bad = |x: f64| !x.is_finite() || x < 0.0;
    if bad(opts.lambda) || bad(opts.epsilon) {
        return Err(Error::Shape(
            "search: lambda and epsilon must be finite and non-negative".into(),
        ));
    }
    let desc = AttentionDesc {
        lse: false,
        ..*desc
    };
    let (bq, bk) = opts
        .blocks
        .unwrap_or_else(|| AttentionPlan::block_sizes(ctx, &desc));
    let mut cands = if opts.candidates.is_empty() {
        default_candidates(desc.nkv, opts.frame_len)
    } else {
        opts.candidates.clone()
    };
    if !cands.contains(&Pattern::Full) {
        cands.insert(0, Pattern::Full);
    }
    let dense = AttentionPlan::new(ctx, desc, None, None)?;
    let (full, _) = dense.run_host(q, k, v).await?;
    let full: Vec<f64> = full.iter().map(|x| x.to_f64()).collect();
    let per_head = desc.nq as usize * desc.dv() as usize; // output rows are Dv wide
    let heads = desc.heads_q as usize;
    let builder = MaskBuilder::new(desc.nq, desc.nkv, bq, bk);
    let n_kblocks = desc.nkv.div_ceil(bk) as f64;
    // scores[c][h]
    let mut table: Vec<Vec<CandidateScore>> = Vec::with_capacity(cands.len());
    for cand in &cands {
        let (out, density) = if *cand == Pattern::Full {
            (full.clone(), 1.0)
        } else {
            let mask = builder.build(cand)?;
            let plan = AttentionPlan::new(ctx, desc, Some(&mask), None)?;
            let (o, _) = plan.run_host(q, k, v).await?;
            (o.iter().map(|x| x.to_f64()).collect(), mask.work_density())
        };
        let mut row = Vec::with_capacity(heads);
        for h in 0..heads {
            let (mut num, mut den) = (0.0, 0.0);
            for b in 0..desc.batch as usize {
                let at = (b * heads + h) * per_head;
                for (x, y) in out[at..at + per_head].iter().zip(&full[at..at + per_head]) {
                    num += (x - y) * (x - y);
                    den += y * y;
                }
            }
            let err = if den > 0.0 {
                num / den
            } else if num > 0.0 {
                f64::INFINITY
            } else {
                0.0
            };
            let score = (err <= opts.epsilon).then_some(err + opts.lambda * density);
            row.push(CandidateScore {
                pattern: text_of(cand),
                err,
                density,
                score,
            });
        }
        table.push(row);
    }
    let mut choices = Vec::with_capacity(heads);
    let mut chosen = Vec::with_capacity(heads);
    let mut total = 0.0;
    for h in 0..heads {
        let mut best = 0usize;
        for (c, row) in table.iter().enumerate() {
            let s = row[h].score.unwrap_or(f64::INFINITY);
            if s < table[best][h].score.unwrap_or(f64::INFINITY) {
                best = c;
            }
        }
        let pick = &table[best][h];
        chosen.push(cands[best].clone());
        total += pick.density.max(1.0 / n_kblocks);
        choices.push(HeadChoice {
            head: h as u32,
            pattern: pick.pattern.clone(),
            err: pick.err,
            density: pick.density,
            candidates: table.iter().map(|r| r[h].clone()).collect(),
        });
    }
    Ok(SearchPlan {
        lambda: opts.lambda,
        epsilon: opts.epsilon,
        block_q: bq,
        block_kv: bk,
        heads: choices,
        predicted_speedup: heads as f64 / total,
        chosen,
    })
}
