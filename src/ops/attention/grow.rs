//! A block mask that grows with a KV cache: decoding appends keys a step at a time, and
//! [`GrowingMask::extend_kv`] updates the mask for the longer key length by recomputing only the
//! blocks that can differ, so its cost follows the new blocks, not the mask's size.
//!
//! Which blocks can differ: every pattern term is either independent of the key length (full,
//! stripes, global rows, closures: only the old partial tail block and the new blocks change) or
//! a diagonal band aligned to the bottom-right corner (causal, windows, multi-diagonals), whose
//! queries all move by the number of appended keys, so each band edge sweeps that many keys
//! ([`Pattern`]'s `moved_keys`). Those blocks go through the builder's own per-block code, so the
//! extended mask equals a fresh build (after [`BlockMask::compact`], which numbers tiles the way
//! a build does).

use super::mask::{BlockMask, MaskRow};
use super::pattern::{slot_layout, BlockEntry, MaskBuilder, Pattern};
use crate::error::{Error, Result};
use std::collections::HashMap;

/// A [`BlockMask`] with the patterns that built it, extendable by appended key positions.
#[derive(Clone, Debug)]
pub struct GrowingMask {
    builder: MaskBuilder,
    /// The pattern of each (batch slot, pattern slot), in row-list order.
    patterns: Vec<Pattern>,
    mask: BlockMask,
    /// Tile contents → tile index, so new partial blocks share stored tiles.
    tile_ids: HashMap<Vec<u32>, u32>,
    /// Row-list references of each tile.
    refs: Vec<u32>,
    /// Tiles no row list references (kept for reuse until compaction).
    dead: u32,
}

impl GrowingMask {
    /// Builds the mask of `patterns` (per batch, one pattern per query head, as
    /// [`MaskBuilder::build_batch_heads`] takes them) for the builder's geometry.
    /// Block-map patterns cannot grow: [`Error::Unsupported`].
    pub fn new(builder: &MaskBuilder, patterns: &[Vec<Pattern>]) -> Result<Self> {
        for p in patterns.iter().flatten() {
            // Rejects terms that cannot be extended, before any work.
            p.moved_keys((0, 1), 1, (1, 1), &mut Vec::new())?;
        }
        let mask = builder.build_batch_heads(patterns)?;
        let (_, firsts) = slot_layout(patterns);
        let patterns = patterns
            .iter()
            .flat_map(|b| firsts.iter().map(move |&f| b[f].clone()))
            .collect();
        let mut g = Self {
            builder: builder.clone(),
            patterns,
            mask,
            tile_ids: HashMap::new(),
            refs: Vec::new(),
            dead: 0,
        };
        g.index_tiles();
        Ok(g)
    }

    /// One pattern for every batch and head.
    pub fn single(builder: &MaskBuilder, pattern: &Pattern) -> Result<Self> {
        Self::new(builder, &[vec![pattern.clone()]])
    }

    /// The current mask.
    pub fn mask(&self) -> &BlockMask {
        &self.mask
    }

    /// The current mask, taken.
    pub fn into_mask(self) -> BlockMask {
        self.mask
    }

    /// Grows the key length to `new_nkv` (queries keep their count; bottom-right aligned terms
    /// move with the new last key, as a fresh build for `new_nkv` would place them). Returns the
    /// number of (row list, KV block) pairs recomputed: for one appended key, a few per row list
    /// and per band edge, however long the mask. A shorter `new_nkv` is [`Error::Shape`].
    pub fn extend_kv(&mut self, new_nkv: u32) -> Result<usize> {
        let old = self.mask.nkv;
        if new_nkv < old {
            return Err(Error::Shape(format!(
                "a growing mask cannot shrink: it has {old} keys, asked for {new_nkv}; \
                 build a new mask"
            )));
        }
        if new_nkv == old {
            return Ok(0);
        }
        let mut grown = self.builder.clone();
        grown.nkv = new_nkv;
        grown.check()?;
        let (bq, bk, nq) = (grown.block_q, grown.block_kv, grown.nq);
        let nqb = nq.div_ceil(bq);
        let new_kb = new_nkv.div_ceil(bk);
        // The old tail block (partial or not) and every new block.
        let tail_kb = old / bk;
        let mut ranges = Vec::new();
        let mut cand: Vec<u32> = Vec::new();
        let mut touched = 0;
        // Taken for the loop (it borrows the mask mutably); `new` checked every term, so
        // `moved_keys` cannot fail here and the patterns always come back.
        let patterns = std::mem::take(&mut self.patterns);
        for ri in 0..self.mask.rows.len() {
            let pattern = &patterns[ri / nqb as usize];
            let qb = ri as u32 % nqb;
            let q0 = qb * bq;
            ranges.clear();
            if let Err(e) =
                pattern.moved_keys((q0, (q0 + bq).min(nq)), nq, (old, new_nkv), &mut ranges)
            {
                self.patterns = patterns;
                return Err(e);
            }
            cand.clear();
            for &(a, b) in &ranges {
                let (a, b) = (a.max(0), b.min(old as i64 - 1));
                if a <= b {
                    cand.extend((a as u32 / bk)..=(b as u32 / bk).min(tail_kb.saturating_sub(1)));
                }
            }
            cand.extend(tail_kb..new_kb);
            cand.sort_unstable();
            cand.dedup();
            for &kb in &cand {
                self.remove_block(ri, kb, bk);
                let entry = grown.build_block(pattern, qb, kb);
                self.insert_block(ri, kb, bk, entry);
            }
            touched += cand.len();
        }
        self.patterns = patterns;
        self.builder = grown;
        self.mask.nkv = new_nkv;
        let live = self.refs.len() as u32 - self.dead;
        if self.dead >= 16 && self.dead > live {
            self.mask.compact();
            self.index_tiles();
        }
        Ok(touched)
    }

    /// Rebuilds the tile index and reference counts from the mask.
    fn index_tiles(&mut self) {
        let per = (self.mask.block_q * self.mask.words()) as usize;
        self.tile_ids = self
            .mask
            .tiles
            .chunks(per.max(1))
            .enumerate()
            .map(|(i, t)| (t.to_vec(), i as u32))
            .collect();
        self.refs = vec![0; self.mask.n_tiles() as usize];
        for &t in self.mask.rows.iter().flat_map(|r| &r.tiles) {
            self.refs[t as usize] += 1;
        }
        self.dead = self.refs.iter().filter(|&&r| r == 0).count() as u32;
    }

    /// Drops whatever row list `ri` stores for KV block `kb`.
    fn remove_block(&mut self, ri: usize, kb: u32, bk: u32) {
        let row: &mut MaskRow = &mut self.mask.rows[ri];
        if let Ok(i) = row.full.binary_search(&kb) {
            row.full.remove(i);
        }
        if let Ok(i) = row.partial.binary_search(&kb) {
            row.partial.remove(i);
            let t = row.tiles.remove(i) as usize;
            self.refs[t] -= 1;
            if self.refs[t] == 0 {
                self.dead += 1;
            }
        }
        let a = row.stripes.partition_point(|s| s.col < kb * bk);
        let b = row.stripes.partition_point(|s| s.col < (kb + 1) * bk);
        row.stripes.drain(a..b);
    }

    /// Stores `entry` as row list `ri`'s KV block `kb` (nothing of it is listed yet).
    fn insert_block(&mut self, ri: usize, kb: u32, bk: u32, entry: BlockEntry) {
        let row = &mut self.mask.rows[ri];
        match entry {
            BlockEntry::Empty => {}
            BlockEntry::Full => {
                let at = row.full.partition_point(|&x| x < kb);
                row.full.insert(at, kb);
            }
            BlockEntry::Stripes(st) => {
                let at = row.stripes.partition_point(|s| s.col < kb * bk);
                row.stripes.splice(at..at, st);
            }
            BlockEntry::Tile(tile) => {
                let next = self.refs.len() as u32;
                let tiles = &mut self.mask.tiles;
                let id = *self.tile_ids.entry(tile).or_insert_with_key(|t| {
                    tiles.extend(t);
                    next
                });
                if id == next {
                    self.refs.push(0);
                } else if self.refs[id as usize] == 0 {
                    self.dead -= 1;
                }
                self.refs[id as usize] += 1;
                let at = row.partial.partition_point(|&x| x < kb);
                row.partial.insert(at, kb);
                row.tiles.insert(at, id);
            }
        }
    }
}
