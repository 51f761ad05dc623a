//! Attention patterns and the builder that turns them into a [`BlockMask`].
//!
//! A [`Pattern`] says which (query i, key j) pairs are attended. Diagonal patterns are aligned
//! to the **bottom-right** corner, as causal attention with a KV cache is: query `i` sits at key
//! position `i' = i + (nkv − nq)`, so with `nq = nkv` the diagonal is the usual one and with a
//! shorter query (decode, chunked prefill) the last query lines up with the last key.
//!
//! The builder classifies every (query block, KV block) pair from the pattern's structure
//! (empty, full, or maybe-partial), evaluates the pair-level predicate only inside the
//! maybe-partial blocks (so its cost is proportional to the band, not to N², except for
//! [`Pattern::Closure`], which has no structure to exploit), and stores:
//! - full blocks as indices,
//! - partial blocks with few attended columns, each seen by a contiguous run of rows, as
//!   stripe columns (gathered token by token: a vertical line costs one key, not a block),
//! - other partial blocks as deduplicated bit tiles.
//!
//! The result is exact: the mask allows precisely the pairs the pattern allows.

use super::mask::{BlockMask, MaskRow, Stripe};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::Arc;

/// A CPU predicate `(query, key) -> attended` (see [`Pattern::Closure`]).
#[derive(Clone)]
pub struct MaskFn(pub Arc<dyn Fn(u32, u32) -> bool + Send + Sync>);

impl std::fmt::Debug for MaskFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MaskFn(..)")
    }
}

impl PartialEq for MaskFn {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// One diagonal band of a multi-diagonal pattern: keys `j` with
/// `|j − i' − offset| ≤ half_width` (i' the bottom-right aligned query position).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Diagonal {
    /// Offset of the band's centre from the main diagonal (keys after the query: positive).
    pub offset: i64,
    /// Keys on each side of the centre.
    pub half_width: u32,
}

/// Which (query, key) pairs are attended.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    /// Every pair (dense attention).
    Full,
    /// No pair: the head's output is zero (Sparse-vDiT's "skip").
    Empty,
    /// `j ≤ i'`.
    Causal,
    /// Sliding window `i' − left ≤ j ≤ i' + right` (symmetric: `left = right`; causal: `right = 0`).
    Window {
        /// Keys before the query.
        left: u32,
        /// Keys after the query.
        right: u32,
    },
    /// Union of diagonal bands (e.g. the same position in neighbouring video frames: offsets
    /// `±k·frame_len`).
    MultiDiagonal(Vec<Diagonal>),
    /// Vertical stripes: these key columns for every query (sorted, deduplicated on build).
    Stripes(Vec<u32>),
    /// Vertical stripes every `stride` keys starting at `offset`.
    StripesEvery {
        /// Distance between stripes.
        stride: u32,
        /// First stripe.
        offset: u32,
    },
    /// Horizontal global rows: these queries attend every key (Longformer's global tokens;
    /// combine with [`Pattern::Stripes`] of the same indices for symmetric global tokens).
    GlobalRows(Vec<u32>),
    /// A dense boolean map over blocks of `block_q × block_kv` (its own block size, any).
    BlockMap {
        /// Rows per map cell.
        block_q: u32,
        /// Keys per map cell.
        block_kv: u32,
        /// Row-major cells, `ceil(nq / block_q) × ceil(nkv / block_kv)`.
        map: Vec<bool>,
    },
    /// A predicate evaluated on the CPU for every pair of the maybe-partial blocks (here: all).
    Closure(MaskFn),
    /// Pairs any member allows.
    Union(Vec<Pattern>),
    /// Pairs every member allows.
    Intersection(Vec<Pattern>),
}

/// Structural class of a rectangle of pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockClass {
    /// No pair attended.
    Empty,
    /// Every pair attended.
    Full,
    /// Some, or unknown without looking at the pairs.
    Partial,
}

/// The most sink tokens a `sink:K` term takes (a handful in practice; the list is kept per
/// pattern).
const SINK_TOKENS_MAX: u32 = 4096;

impl Pattern {
    /// Sink tokens: the first `k` keys, attended by every query (StreamingLLM's attention
    /// sinks kept beside a window); the stripes `0..k`. Spec term `sink:K`.
    pub fn sink_tokens(k: u32) -> Self {
        Pattern::Stripes((0..k).collect())
    }

    /// Sliding window of `w` keys on each side of the diagonal.
    pub fn window(w: u32) -> Self {
        Pattern::Window { left: w, right: w }
    }
    /// Causal sliding window: the query and the `w` keys before it.
    pub fn causal_window(w: u32) -> Self {
        Pattern::Window { left: w, right: 0 }
    }
    /// The diagonal of `half_width` plus the same band at `±k·frame_len` for k = 1..=frames: the
    /// same spatial position in neighbouring video frames.
    pub fn frames(frame_len: u32, frames: u32, half_width: u32) -> Self {
        let mut d = vec![Diagonal {
            offset: 0,
            half_width,
        }];
        for k in 1..=frames as i64 {
            d.push(Diagonal {
                offset: k * frame_len as i64,
                half_width,
            });
            d.push(Diagonal {
                offset: -k * frame_len as i64,
                half_width,
            });
        }
        Pattern::MultiDiagonal(d)
    }
    /// A pattern from a CPU predicate.
    pub fn closure(f: impl Fn(u32, u32) -> bool + Send + Sync + 'static) -> Self {
        Pattern::Closure(MaskFn(Arc::new(f)))
    }
    /// `self ∪ other`.
    pub fn or(self, other: Pattern) -> Self {
        Pattern::Union(vec![self, other])
    }
    /// `self ∩ other`.
    pub fn and(self, other: Pattern) -> Self {
        Pattern::Intersection(vec![self, other])
    }

    /// Whether query `i` attends key `j` for lengths `nq`, `nkv`.
    pub fn contains(&self, i: u32, j: u32, nq: u32, nkv: u32) -> bool {
        let ip = i as i64 + nkv as i64 - nq as i64;
        let j64 = j as i64;
        match self {
            Pattern::Full => true,
            Pattern::Empty => false,
            Pattern::Causal => j64 <= ip,
            Pattern::Window { left, right } => {
                j64 >= ip - *left as i64 && j64 <= ip + *right as i64
            }
            Pattern::MultiDiagonal(ds) => ds
                .iter()
                .any(|d| (j64 - ip - d.offset).abs() <= d.half_width as i64),
            Pattern::Stripes(cols) => cols.contains(&j),
            Pattern::StripesEvery { stride, offset } => {
                *stride > 0 && j >= *offset && (j - offset).is_multiple_of(*stride)
            }
            Pattern::GlobalRows(rows) => rows.contains(&i),
            Pattern::BlockMap {
                block_q,
                block_kv,
                map,
            } => {
                let nkb = nkv.div_ceil((*block_kv).max(1));
                map.get(((i / block_q.max(&1)) * nkb + j / block_kv.max(&1)) as usize)
                    .copied()
                    .unwrap_or(false)
            }
            Pattern::Closure(f) => (f.0)(i, j),
            Pattern::Union(ps) => ps.iter().any(|p| p.contains(i, j, nq, nkv)),
            Pattern::Intersection(ps) => ps.iter().all(|p| p.contains(i, j, nq, nkv)),
        }
    }

    /// Class of the rectangle `q0..q1 × k0..k1` (non-empty, inside `nq × nkv`) from the
    /// pattern's structure; `Partial` when the pairs must be looked at.
    pub fn classify(&self, q0: u32, q1: u32, k0: u32, k1: u32, nq: u32, nkv: u32) -> BlockClass {
        use BlockClass::*;
        let off = nkv as i64 - nq as i64;
        let (ip0, ip1) = (q0 as i64 + off, q1 as i64 - 1 + off); // aligned first/last query
        let (j0, j1) = (k0 as i64, k1 as i64 - 1);
        let band = |lo: i64, hi: i64| {
            // keys attended by query ip are [ip + lo, ip + hi]
            if j1 < ip0 + lo || j0 > ip1 + hi {
                Empty
            } else if j0 >= ip1 + lo && j1 <= ip0 + hi {
                Full
            } else {
                Partial
            }
        };
        match self {
            Pattern::Full => Full,
            Pattern::Empty => Empty,
            Pattern::Causal => band(i64::MIN / 4, 0),
            Pattern::Window { left, right } => band(-(*left as i64), *right as i64),
            Pattern::MultiDiagonal(ds) => {
                let classes: Vec<BlockClass> = ds
                    .iter()
                    .map(|d| {
                        band(
                            d.offset - d.half_width as i64,
                            d.offset + d.half_width as i64,
                        )
                    })
                    .collect();
                union_class(&classes)
            }
            Pattern::Stripes(cols) => {
                if cols.iter().any(|&c| c >= k0 && c < k1) {
                    Partial
                } else {
                    Empty
                }
            }
            Pattern::StripesEvery { stride, offset } => {
                if *stride == 0 {
                    return Empty;
                }
                if *stride == 1 && *offset <= k0 {
                    return Full;
                }
                let first = if k0 <= *offset {
                    *offset
                } else {
                    offset + (k0 - offset).div_ceil(*stride) * stride
                };
                if first < k1 {
                    Partial
                } else {
                    Empty
                }
            }
            Pattern::GlobalRows(rows) => {
                let n = rows.iter().filter(|&&r| r >= q0 && r < q1).count() as u32;
                if n == 0 {
                    Empty
                } else if n == q1 - q0 {
                    Full
                } else {
                    Partial
                }
            }
            Pattern::BlockMap {
                block_q,
                block_kv,
                map,
            } => {
                let (bq, bk) = ((*block_q).max(1), (*block_kv).max(1));
                let nkb = nkv.div_ceil(bk);
                let (mut any, mut all) = (false, true);
                for qb in q0 / bq..=(q1 - 1) / bq {
                    for kb in k0 / bk..=(k1 - 1) / bk {
                        let cell = map.get((qb * nkb + kb) as usize).copied().unwrap_or(false);
                        any |= cell;
                        all &= cell;
                    }
                }
                if all {
                    Full
                } else if any {
                    Partial
                } else {
                    Empty
                }
            }
            Pattern::Closure(_) => Partial,
            Pattern::Union(ps) => {
                let c: Vec<BlockClass> = ps
                    .iter()
                    .map(|p| p.classify(q0, q1, k0, k1, nq, nkv))
                    .collect();
                union_class(&c)
            }
            Pattern::Intersection(ps) => {
                let c: Vec<BlockClass> = ps
                    .iter()
                    .map(|p| p.classify(q0, q1, k0, k1, nq, nkv))
                    .collect();
                if c.contains(&Empty) {
                    Empty
                } else if c.iter().all(|&x| x == Full) {
                    Full
                } else {
                    Partial
                }
            }
        }
    }

    /// Key ranges (inclusive, possibly beyond `0..new`) where the pairs of queries `q0..q1` may
    /// change when the key length grows from `old` to `new` with `nq` fixed: bottom-right
    /// alignment moves every query by `new − old`, so the edges of diagonal bands move (each by
    /// `new − old` keys, over the block's rows). Keys `≥ old` are new and not listed. A block
    /// map is laid out for one key length and cannot grow: [`Error::Unsupported`].
    pub(super) fn moved_keys(
        &self,
        (q0, q1): (u32, u32),
        nq: u32,
        (old, new): (u32, u32),
        out: &mut Vec<(i64, i64)>,
    ) -> Result<()> {
        let off = old as i64 - nq as i64;
        let (ip0, ip1) = (q0 as i64 + off, q1 as i64 - 1 + off);
        let delta = new as i64 - old as i64;
        // Keys attended by aligned query ip are [ip + lo, ip + hi]; each edge sweeps delta keys.
        let mut edges = |lo: Option<i64>, hi: i64| {
            if let Some(lo) = lo {
                out.push((ip0 + lo, ip1 + lo + delta - 1));
            }
            out.push((ip0 + hi + 1, ip1 + hi + delta));
        };
        match self {
            Pattern::Full
            | Pattern::Empty
            | Pattern::Stripes(_)
            | Pattern::StripesEvery { .. }
            | Pattern::GlobalRows(_)
            | Pattern::Closure(_) => {}
            Pattern::Causal => edges(None, 0),
            Pattern::Window { left, right } => edges(Some(-(*left as i64)), *right as i64),
            Pattern::MultiDiagonal(ds) => {
                for d in ds {
                    let hw = d.half_width as i64;
                    edges(Some(d.offset - hw), d.offset + hw);
                }
            }
            Pattern::BlockMap { .. } => {
                return Err(Error::Unsupported(
                    "a block-map pattern is laid out for one key length and cannot be extended; \
                     build the mask again"
                        .into(),
                ))
            }
            Pattern::Union(ps) | Pattern::Intersection(ps) => {
                for p in ps {
                    p.moved_keys((q0, q1), nq, (old, new), out)?;
                }
            }
        }
        Ok(())
    }

    /// A short text for reports and plans (`full`, `window 64/64`, `stripes x12`, ...).
    pub fn describe(&self) -> String {
        match self {
            Pattern::Full => "full".into(),
            Pattern::Empty => "skip".into(),
            Pattern::Causal => "causal".into(),
            Pattern::Window { left, right } => format!("window {left}/{right}"),
            Pattern::MultiDiagonal(ds) => {
                let hw = ds.first().map_or(0, |d| d.half_width);
                format!("multi-diagonal x{} hw{hw}", ds.len())
            }
            Pattern::Stripes(c) => format!("stripes x{}", c.len()),
            Pattern::StripesEvery { stride, offset } => {
                format!("stripes every {stride} from {offset}")
            }
            Pattern::GlobalRows(r) => format!("global rows x{}", r.len()),
            Pattern::BlockMap {
                block_q, block_kv, ..
            } => format!("block map {block_q}x{block_kv}"),
            Pattern::Closure(_) => "closure".into(),
            Pattern::Union(ps) => ps
                .iter()
                .map(|p| p.describe())
                .collect::<Vec<_>>()
                .join(" | "),
            Pattern::Intersection(ps) => ps
                .iter()
                .map(|p| format!("({})", p.describe()))
                .collect::<Vec<_>>()
                .join(" & "),
        }
    }
}

fn union_class(c: &[BlockClass]) -> BlockClass {
    if c.contains(&BlockClass::Full) {
        BlockClass::Full
    } else if c.iter().all(|&x| x == BlockClass::Empty) {
        BlockClass::Empty
    } else {
        BlockClass::Partial
    }
}

/// Builds [`BlockMask`]s for `nq` queries × `nkv` keys in blocks of `block_q × block_kv`.
#[derive(Clone, Debug)]
pub struct MaskBuilder {
    pub(super) nq: u32,
    pub(super) nkv: u32,
    pub(super) block_q: u32,
    pub(super) block_kv: u32,
    pub(super) stripes: bool,
}

impl MaskBuilder {
    /// A builder for this geometry (block sizes: powers of two in 16..=128, e.g. from
    /// `AttentionPlan::block_sizes`).
    pub fn new(nq: u32, nkv: u32, block_q: u32, block_kv: u32) -> Self {
        Self {
            nq,
            nkv,
            block_q,
            block_kv,
            stripes: true,
        }
    }

    /// Whether sparse columns of partial blocks become stripe columns (default on).
    pub fn stripes(mut self, on: bool) -> Self {
        self.stripes = on;
        self
    }

    /// One pattern for every batch and head.
    pub fn build(&self, pattern: &Pattern) -> Result<BlockMask> {
        self.build_batch_heads(&[vec![pattern.clone()]])
    }

    /// One pattern per query head (heads with equal patterns share a slot).
    pub fn build_heads(&self, patterns: &[Pattern]) -> Result<BlockMask> {
        self.build_batch_heads(&[patterns.to_vec()])
    }

    /// Per batch, one pattern per query head (or a single pattern for every head). All batches
    /// must list the same number of heads.
    pub fn build_batch_heads(&self, patterns: &[Vec<Pattern>]) -> Result<BlockMask> {
        self.check()?;
        if patterns.is_empty() || patterns.iter().any(|p| p.is_empty()) {
            return Err(Error::Shape("mask builder: no patterns given".into()));
        }
        let heads = patterns[0].len();
        if patterns.iter().any(|p| p.len() != heads) {
            return Err(Error::Shape(
                "mask builder: batches list different numbers of heads".into(),
            ));
        }
        let (head_map, firsts) = slot_layout(patterns);
        let slots = firsts.len() as u32;
        let nqb = self.nq.div_ceil(self.block_q);
        let mut tiles: Vec<u32> = Vec::new();
        let mut tile_ids: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut rows = Vec::with_capacity(patterns.len() * slots as usize * nqb as usize);
        for batch in patterns {
            for &f in &firsts {
                for qb in 0..nqb {
                    rows.push(self.build_row(&batch[f], qb, &mut tiles, &mut tile_ids));
                }
            }
        }
        let mask = BlockMask {
            nq: self.nq,
            nkv: self.nkv,
            block_q: self.block_q,
            block_kv: self.block_kv,
            batch: patterns.len() as u32,
            slots,
            head_map: if heads == 1 { Vec::new() } else { head_map },
            rows,
            tiles,
        };
        mask.validate()?;
        Ok(mask)
    }

    pub(super) fn check(&self) -> Result<()> {
        if self.nq == 0 || self.nkv == 0 {
            return Err(Error::ZeroSized("attention mask length"));
        }
        for (name, b) in [("block_q", self.block_q), ("block_kv", self.block_kv)] {
            if !(16..=128).contains(&b) || !b.is_power_of_two() {
                return Err(Error::Unsupported(format!(
                    "mask {name} = {b}: block sizes are powers of two in 16..=128"
                )));
            }
        }
        Ok(())
    }

    fn build_row(
        &self,
        p: &Pattern,
        qb: u32,
        tiles: &mut Vec<u32>,
        ids: &mut HashMap<Vec<u32>, u32>,
    ) -> MaskRow {
        let mut row = MaskRow::default();
        for kb in 0..self.nkv.div_ceil(self.block_kv) {
            match self.build_block(p, qb, kb) {
                BlockEntry::Empty => {}
                BlockEntry::Full => row.full.push(kb),
                BlockEntry::Stripes(st) => row.stripes.extend(st),
                BlockEntry::Tile(tile) => {
                    let next = (tiles.len() / tile.len().max(1)) as u32;
                    let id = *ids.entry(tile).or_insert_with_key(|t| {
                        tiles.extend(t);
                        next
                    });
                    row.partial.push(kb);
                    row.tiles.push(id);
                }
            }
        }
        row
    }

    /// What (query block `qb`, KV block `kb`) of `p` stores: the one place a block is
    /// classified and, when the structure cannot tell, evaluated pair by pair (the builder and
    /// [`super::grow::GrowingMask`] both use it, so an extended mask equals a fresh build).
    pub(super) fn build_block(&self, p: &Pattern, qb: u32, kb: u32) -> BlockEntry {
        let (bq, bk, nq, nkv) = (self.block_q, self.block_kv, self.nq, self.nkv);
        let q0 = qb * bq;
        let q1 = (q0 + bq).min(nq);
        let words = bk.div_ceil(32) as usize;
        let k0 = kb * bk;
        let k1 = (k0 + bk).min(nkv);
        match p.classify(q0, q1, k0, k1, nq, nkv) {
            BlockClass::Empty => BlockEntry::Empty,
            BlockClass::Full => BlockEntry::Full,
            BlockClass::Partial => {
                let mut tile = vec![0u32; bq as usize * words];
                let mut set = 0u64;
                for i in q0..q1 {
                    for j in k0..k1 {
                        if p.contains(i, j, nq, nkv) {
                            let (r, c) = ((i - q0) as usize, (j - k0) as usize);
                            tile[r * words + c / 32] |= 1 << (c % 32);
                            set += 1;
                        }
                    }
                }
                let valid = (q1 - q0) as u64 * (k1 - k0) as u64;
                if set == 0 {
                    return BlockEntry::Empty;
                }
                if set == valid {
                    return BlockEntry::Full;
                }
                if self.stripes {
                    if let Some(st) = as_stripes(&tile, words, q1 - q0, k1 - k0, k0) {
                        return BlockEntry::Stripes(st);
                    }
                }
                BlockEntry::Tile(tile)
            }
        }
    }
}

/// Slots of a batch × head pattern table: the slot of each head, and the first head of each
/// slot. Slots are the distinct patterns of the first batch, by head (batches share the slot
/// layout of head h; a batch's slot s is the pattern of the first head mapped to s).
pub(super) fn slot_layout(patterns: &[Vec<Pattern>]) -> (Vec<u32>, Vec<usize>) {
    let heads = patterns.first().map_or(0, |p| p.len());
    let mut head_map = Vec::with_capacity(heads);
    let mut firsts: Vec<usize> = Vec::new();
    for h in 0..heads {
        let same = firsts
            .iter()
            .position(|&f| patterns.iter().all(|b| b[f] == b[h]));
        match same {
            Some(s) => head_map.push(s as u32),
            None => {
                head_map.push(firsts.len() as u32);
                firsts.push(h);
            }
        }
    }
    (head_map, firsts)
}

/// How one (query block, KV block) is stored in a row list.
pub(super) enum BlockEntry {
    /// Not listed.
    Empty,
    /// A full block.
    Full,
    /// Stripe columns (none: the block held no attended pair).
    Stripes(Vec<Stripe>),
    /// A partial block with this bit tile.
    Tile(Vec<u32>),
}

/// The stripe form of a partial tile when it pays: at most half the block's columns attended,
/// each by one contiguous run of rows.
fn as_stripes(tile: &[u32], words: usize, rows: u32, cols: u32, k0: u32) -> Option<Vec<Stripe>> {
    let mut out = Vec::new();
    for c in 0..cols as usize {
        let bit = |r: usize| (tile[r * words + c / 32] >> (c % 32)) & 1 == 1;
        // First and last attended row, and how many: one contiguous run iff last − first + 1.
        let (mut lo, mut hi, mut n) = (usize::MAX, 0, 0);
        for r in (0..rows as usize).filter(|&r| bit(r)) {
            lo = lo.min(r);
            hi = r + 1;
            n += 1;
        }
        if n == 0 {
            continue;
        }
        if hi - lo != n {
            return None;
        }
        out.push(Stripe {
            col: k0 + c as u32,
            lo: lo as u16,
            hi: hi as u16,
        });
        if out.len() as u32 > cols / 2 {
            return None;
        }
    }
    Some(out)
}

impl Pattern {
    /// Parses the text form used by the CLI and by search plans:
    /// `spec := union ('&' union)*`, `union := term ('+' term)*`, terms
    /// `full`, `skip`, `causal`, `window:W` (symmetric), `window:L:R`, `diag:OFFSET:HW`,
    /// `frames:FRAME_LEN:K:HW`, `stripes:I,J,..`, `every:STRIDE[:OFFSET]`, `rows:I,J,..`,
    /// `sink:K` (the first K keys, [`Pattern::sink_tokens`]).
    /// Example: `window:64+every:256&causal`, `window:128:0+sink:4`.
    pub fn parse(spec: &str) -> Result<Pattern> {
        let bad = |m: String| Error::Shape(format!("pattern `{spec}`: {m}"));
        let num = |s: &str| {
            s.trim()
                .parse::<i64>()
                .map_err(|_| bad(format!("`{s}` is not a number")))
        };
        let unum = |s: &str| -> Result<u32> {
            let v = num(s)?;
            u32::try_from(v).map_err(|_| bad(format!("`{s}` must be a non-negative 32-bit number")))
        };
        let list = |s: &str| -> Result<Vec<u32>> {
            let mut v: Vec<u32> = s
                .split(',')
                .filter(|x| !x.trim().is_empty())
                .map(unum)
                .collect::<Result<_>>()?;
            v.sort_unstable();
            v.dedup();
            Ok(v)
        };
        let term = |t: &str| -> Result<Pattern> {
            let parts: Vec<&str> = t.trim().split(':').collect();
            Ok(match parts.as_slice() {
                ["full"] => Pattern::Full,
                ["skip"] | ["empty"] => Pattern::Empty,
                ["causal"] => Pattern::Causal,
                ["window", w] => Pattern::window(unum(w)?),
                ["window", l, r] => Pattern::Window {
                    left: unum(l)?,
                    right: unum(r)?,
                },
                ["diag", o, hw] => Pattern::MultiDiagonal(vec![Diagonal {
                    offset: num(o)?,
                    half_width: unum(hw)?,
                }]),
                ["frames", f, k, hw] => Pattern::frames(unum(f)?, unum(k)?, unum(hw)?),
                ["stripes", l] => Pattern::Stripes(list(l)?),
                ["every", s] => Pattern::StripesEvery {
                    stride: unum(s)?.max(1),
                    offset: 0,
                },
                ["every", s, o] => Pattern::StripesEvery {
                    stride: unum(s)?.max(1),
                    offset: unum(o)?,
                },
                ["rows", l] => Pattern::GlobalRows(list(l)?),
                ["sink", k] => match unum(k)? {
                    k if k <= SINK_TOKENS_MAX => Pattern::sink_tokens(k),
                    _ => return Err(bad(format!("sink:{k}: at most {SINK_TOKENS_MAX} tokens"))),
                },
                _ => return Err(bad(format!("unknown term `{t}`"))),
            })
        };
        let union = |u: &str| -> Result<Pattern> {
            let parsed: Vec<Pattern> = u.split('+').map(term).collect::<Result<_>>()?;
            // Consecutive diagonal terms form one multi-diagonal pattern.
            let mut terms: Vec<Pattern> = Vec::new();
            for t in parsed {
                match (terms.last_mut(), t) {
                    (Some(Pattern::MultiDiagonal(acc)), Pattern::MultiDiagonal(more)) => {
                        acc.extend(more)
                    }
                    (_, t) => terms.push(t),
                }
            }
            Ok(if terms.len() == 1 {
                terms.into_iter().next().unwrap_or(Pattern::Empty)
            } else {
                Pattern::Union(terms)
            })
        };
        let ands: Vec<Pattern> = spec.split('&').map(union).collect::<Result<_>>()?;
        Ok(if ands.len() == 1 {
            ands.into_iter().next().unwrap_or(Pattern::Empty)
        } else {
            Pattern::Intersection(ands)
        })
    }

    /// The text form [`Pattern::parse`] reads back, where one exists (not for closures and
    /// block maps, nor for intersections nested inside unions).
    pub fn spec(&self) -> Option<String> {
        let join = |v: &[u32]| {
            v.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        Some(match self {
            Pattern::Full => "full".into(),
            Pattern::Empty => "skip".into(),
            Pattern::Causal => "causal".into(),
            Pattern::Window { left, right } => format!("window:{left}:{right}"),
            Pattern::MultiDiagonal(ds) => ds
                .iter()
                .map(|d| format!("diag:{}:{}", d.offset, d.half_width))
                .collect::<Vec<_>>()
                .join("+"),
            Pattern::Stripes(c) => format!("stripes:{}", join(c)),
            Pattern::StripesEvery { stride, offset } => format!("every:{stride}:{offset}"),
            Pattern::GlobalRows(r) => format!("rows:{}", join(r)),
            Pattern::BlockMap { .. } | Pattern::Closure(_) => return None,
            Pattern::Union(ps) => {
                if ps.iter().any(|p| matches!(p, Pattern::Intersection(_))) {
                    return None;
                }
                ps.iter()
                    .map(|p| p.spec())
                    .collect::<Option<Vec<_>>>()?
                    .join("+")
            }
            Pattern::Intersection(ps) => {
                if ps.iter().any(|p| matches!(p, Pattern::Intersection(_))) {
                    return None;
                }
                ps.iter()
                    .map(|p| p.spec())
                    .collect::<Option<Vec<_>>>()?
                    .join("&")
            }
        })
    }
}
