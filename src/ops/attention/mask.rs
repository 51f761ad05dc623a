//! The block mask: FlexAttention's `BlockMask` representation plus MInference-style stripe
//! columns, as the kernels read it.
//!
//! For every (batch slot, pattern slot, query block) a *row list* names the KV blocks the
//! kernel visits, split into
//! - **full** blocks: every (query, key) pair of the block is attended, no element mask is
//!   evaluated (the cheap case);
//! - **partial** blocks: the block's bit tile (one bit per pair, `block_q` rows of
//!   `ceil(block_kv / 32)` words) says which pairs are attended; identical tiles are stored once;
//! - **stripe** columns: single key columns (token indices, not block-aligned) gathered one by
//!   one, each with the interval of query rows of the block that see it.
//!
//! Blocks not listed are never loaded: the kernel's work is proportional to what the lists
//! contain. Heads that share a pattern share a slot (`head_map`), so one dispatch serves every
//! head. [`BlockMask::validate`] checks everything the kernel relies on (sorted, in range,
//! disjoint), so a malformed mask is a typed error, never an out-of-bounds read.

use crate::error::{Error, Result};

/// One stripe column of a row list: key `col`, seen by rows `lo..hi` of the query block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Stripe {
    /// Key (token) index.
    pub col: u32,
    /// First row of the query block that sees it.
    pub lo: u16,
    /// One past the last row that sees it.
    pub hi: u16,
}

/// The KV work of one (batch slot, pattern slot, query block).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MaskRow {
    /// Full KV blocks, strictly increasing.
    pub full: Vec<u32>,
    /// Partial KV blocks, strictly increasing, disjoint from `full`.
    pub partial: Vec<u32>,
    /// Bit tile of each partial block (index into [`BlockMask::tiles`]).
    pub tiles: Vec<u32>,
    /// Stripe columns, strictly increasing, none inside a listed block.
    pub stripes: Vec<Stripe>,
}

/// A block-sparse attention mask for `nq` queries × `nkv` keys in blocks of
/// `block_q` × `block_kv`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlockMask {
    /// Query length it was built for.
    pub nq: u32,
    /// Key length it was built for.
    pub nkv: u32,
    /// Query rows per block (16..=128, a power of two).
    pub block_q: u32,
    /// Keys per block (16..=128, a power of two).
    pub block_kv: u32,
    /// 1 (one mask for every batch) or the batch size.
    pub batch: u32,
    /// Pattern slots per batch slot.
    pub slots: u32,
    /// Query head → pattern slot; empty when every head uses slot 0.
    pub head_map: Vec<u32>,
    /// Row lists, index `(batch_slot * slots + slot) * n_qblocks + query_block`.
    pub rows: Vec<MaskRow>,
    /// Bit tiles of partial blocks, `block_q * words()` u32 each, row-major; bit `j % 32` of
    /// word `j / 32` of row `i` is pair (i, j) of the block.
    pub tiles: Vec<u32>,
}

impl BlockMask {
    /// Query blocks.
    pub fn n_qblocks(&self) -> u32 {
        self.nq.div_ceil(self.block_q.max(1))
    }
    /// KV blocks.
    pub fn n_kblocks(&self) -> u32 {
        self.nkv.div_ceil(self.block_kv.max(1))
    }
    /// u32 words per tile row.
    pub fn words(&self) -> u32 {
        self.block_kv.div_ceil(32)
    }
    /// Number of bit tiles.
    pub fn n_tiles(&self) -> u32 {
        let per = (self.block_q * self.words()).max(1) as usize;
        (self.tiles.len() / per) as u32
    }
    /// The slot of query head `h`.
    pub fn slot_of(&self, h: u32) -> u32 {
        self.head_map.get(h as usize).copied().unwrap_or(0)
    }
    /// The row list of batch `b`, head `h`, query block `qb`.
    pub fn row(&self, b: u32, h: u32, qb: u32) -> &MaskRow {
        let bs = if self.batch > 1 { b } else { 0 };
        &self.rows[((bs * self.slots + self.slot_of(h)) * self.n_qblocks() + qb) as usize]
    }

    /// Checks the structure: geometry, sizes, sorted and in-range indices, disjoint lists,
    /// stripes outside listed blocks, valid tiles and intervals. Every error is
    /// [`Error::Shape`] naming the offending row.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::Shape(format!("invalid block mask: {msg}")));
        for (name, b) in [("block_q", self.block_q), ("block_kv", self.block_kv)] {
            if !(16..=128).contains(&b) || !b.is_power_of_two() {
                return bad(format!(
                    "{name} = {b}; block sizes are powers of two in 16..=128"
                ));
            }
        }
        if self.nq == 0 || self.nkv == 0 {
            return bad(format!(
                "nq = {}, nkv = {}: both must be positive",
                self.nq, self.nkv
            ));
        }
        if self.batch == 0 || self.slots == 0 {
            return bad("batch and slots must be at least 1".into());
        }
        if let Some(&s) = self.head_map.iter().find(|&&s| s >= self.slots) {
            return bad(format!(
                "head_map names slot {s} but there are {} slots",
                self.slots
            ));
        }
        let (nqb, nkb) = (self.n_qblocks(), self.n_kblocks());
        let want = self.batch as u64 * self.slots as u64 * nqb as u64;
        if self.rows.len() as u64 != want {
            return bad(format!(
                "{} row lists, the geometry needs {want}",
                self.rows.len()
            ));
        }
        let tile_words = (self.block_q * self.words()) as usize;
        if !self.tiles.len().is_multiple_of(tile_words) {
            return bad(format!(
                "tile storage of {} words is not a multiple of {tile_words}",
                self.tiles.len()
            ));
        }
        let n_tiles = self.n_tiles();
        for (ri, row) in self.rows.iter().enumerate() {
            let at = |what: &str| format!("row list {ri}: {what}");
            for (name, list) in [("full", &row.full), ("partial", &row.partial)] {
                if list.windows(2).any(|w| w[0] >= w[1]) {
                    return bad(at(&format!(
                        "{name} block indices are not strictly increasing"
                    )));
                }
                if let Some(&kb) = list.iter().find(|&&kb| kb >= nkb) {
                    return bad(at(&format!(
                        "{name} block {kb} is out of range (there are {nkb} KV blocks)"
                    )));
                }
            }
            if row.tiles.len() != row.partial.len() {
                return bad(at("partial blocks and tiles differ in number"));
            }
            if let Some(&t) = row.tiles.iter().find(|&&t| t >= n_tiles) {
                return bad(at(&format!("tile {t} is out of range ({n_tiles} tiles)")));
            }
            let listed = |kb: u32| {
                row.full.binary_search(&kb).is_ok() || row.partial.binary_search(&kb).is_ok()
            };
            if let Some(&kb) = row
                .partial
                .iter()
                .find(|&&kb| row.full.binary_search(&kb).is_ok())
            {
                return bad(at(&format!("block {kb} is both full and partial")));
            }
            if row.stripes.windows(2).any(|w| w[0].col >= w[1].col) {
                return bad(at("stripe columns are not strictly increasing"));
            }
            for s in &row.stripes {
                if s.col >= self.nkv {
                    return bad(at(&format!(
                        "stripe column {} is out of range (nkv = {})",
                        s.col, self.nkv
                    )));
                }
                if listed(s.col / self.block_kv) {
                    return bad(at(&format!(
                        "stripe column {} lies inside a listed block",
                        s.col
                    )));
                }
                if s.lo >= s.hi || s.hi as u32 > self.block_q {
                    return bad(at(&format!(
                        "stripe interval {}..{} is empty or beyond block_q",
                        s.lo, s.hi
                    )));
                }
            }
        }
        Ok(())
    }

    /// Drops tiles no row list uses and numbers the rest in order of first use (row lists in
    /// order, partial blocks in order), as [`super::MaskBuilder`] numbers them: a mask that was
    /// edited (e.g. grown by [`super::GrowingMask`]) then equals a fresh build of the same
    /// pattern. Costs one pass over the mask.
    pub fn compact(&mut self) {
        let per = (self.block_q * self.words()) as usize;
        let mut new_id = vec![u32::MAX; self.n_tiles() as usize];
        let mut tiles = Vec::new();
        for row in &mut self.rows {
            for t in &mut row.tiles {
                let old = *t as usize;
                if new_id[old] == u32::MAX {
                    new_id[old] = (tiles.len() / per.max(1)) as u32;
                    tiles.extend_from_slice(&self.tiles[old * per..(old + 1) * per]);
                }
                *t = new_id[old];
            }
        }
        self.tiles = tiles;
    }

    /// Whether query `i` of batch `b`, head `h` attends key `j` (the reference's view).
    pub fn allows(&self, b: u32, h: u32, i: u32, j: u32) -> bool {
        let row = self.row(b, h, i / self.block_q);
        let kb = j / self.block_kv;
        if row.full.binary_search(&kb).is_ok() {
            return true;
        }
        if let Ok(pi) = row.partial.binary_search(&kb) {
            let w = self.words();
            let (ri, c) = (i % self.block_q, j % self.block_kv);
            let word = self.tiles[((row.tiles[pi] * self.block_q + ri) * w + c / 32) as usize];
            return (word >> (c % 32)) & 1 == 1;
        }
        let ri = (i % self.block_q) as u16;
        row.stripes.binary_search_by_key(&j, |s| s.col).map(|k| {
            let s = row.stripes[k];
            ri >= s.lo && ri < s.hi
        }) == Ok(true)
    }
    /// Whether every query block of every slot sees every key block in full: the mask hides
    /// nothing, so it is dense attention, and plans run it on the dense kernel (no mask reads).
    /// (The row lists are validated strictly increasing and in range, so a full list of
    /// `n_kblocks` entries names every block.)
    pub fn all_full(&self) -> bool {
        let nkb = self.n_kblocks() as usize;
        self.rows
            .iter()
            .all(|r| r.full.len() == nkb && r.partial.is_empty() && r.stripes.is_empty())
    }

    /// Key-steps the kernel performs for one (batch slot, slot), divided by the dense count
    /// `n_qblocks·block_q·nkv`: the fraction of the dense work this mask costs (partial blocks
    /// count whole, stripes one key each). Averaged over every row list.
    pub fn work_density(&self) -> f64 {
        let dense = self.n_qblocks() as f64 * self.nkv as f64;
        if self.rows.is_empty() || dense == 0.0 {
            return 0.0;
        }
        let per_list = self.n_qblocks() as usize;
        let mut total = 0.0;
        for row in &self.rows {
            let mut keys = 0u64;
            for &kb in row.full.iter().chain(&row.partial) {
                keys += (self.block_kv.min(self.nkv - kb * self.block_kv)) as u64;
            }
            keys += row.stripes.len() as u64;
            total += keys as f64;
        }
        total / (dense * (self.rows.len() / per_list) as f64)
    }

    /// Fraction of (query, key) pairs attended, averaged over batch and slots.
    pub fn density(&self) -> f64 {
        let mut pairs = 0u64;
        let nqb = self.n_qblocks();
        for (ri, row) in self.rows.iter().enumerate() {
            let qb = ri as u32 % nqb;
            let rows_here = self.block_q.min(self.nq - qb * self.block_q) as u64;
            for &kb in &row.full {
                pairs += rows_here * self.block_kv.min(self.nkv - kb * self.block_kv) as u64;
            }
            let tw = (self.block_q * self.words()) as usize;
            for &t in &row.tiles {
                let tile = &self.tiles[t as usize * tw..(t as usize + 1) * tw];
                let w = self.words() as usize;
                pairs += tile
                    .chunks(w)
                    .take(rows_here as usize)
                    .map(|r| r.iter().map(|x| x.count_ones() as u64).sum::<u64>())
                    .sum::<u64>();
            }
            for s in &row.stripes {
                pairs += (s.hi.min(rows_here as u16).saturating_sub(s.lo)) as u64;
            }
        }
        let lists = (self.rows.len() as u32 / nqb.max(1)) as f64;
        pairs as f64 / (self.nq as f64 * self.nkv as f64 * lists.max(1.0))
    }

    /// The u32 words the kernels read (layout in `shaders/attention/params.wgsl`), for `hq`
    /// query heads, with the offsets of the row table and the tiles.
    pub fn to_words(&self, hq: u32) -> (Vec<u32>, u32, u32) {
        let mut words: Vec<u32> = (0..hq).map(|h| self.slot_of(h)).collect();
        let rows_off = words.len() as u32;
        let mut entries: Vec<u32> = Vec::new();
        let entries_off = rows_off + 4 * self.rows.len() as u32;
        let mut table = Vec::with_capacity(4 * self.rows.len());
        for row in &self.rows {
            table.extend([
                entries_off + entries.len() as u32,
                row.full.len() as u32,
                row.partial.len() as u32,
                row.stripes.len() as u32,
            ]);
            entries.extend(&row.full);
            entries.extend(&row.partial);
            entries.extend(&row.tiles);
            for s in &row.stripes {
                entries.extend([s.col, s.lo as u32 | (s.hi as u32) << 16]);
            }
        }
        words.extend(table);
        words.extend(entries);
        let tiles_off = words.len() as u32;
        words.extend(&self.tiles);
        if words.is_empty() {
            words.push(0);
        }
        (words, rows_off, tiles_off)
    }
}
