// Parameters and block-mask walking shared by the attention kernels (subgroup, tiled, coop,
// merge). The body declares `p: AttnParams` and `amask: array<u32>`.
//
// Mask buffer (u32 words), built on the host by `BlockMask::to_words`:
//   [0, hq)                       head_map: head -> pattern slot (heads sharing a pattern share rows)
//   rows_off + 4*row              row list of (batch slot, head slot, query block):
//                                 start, n_full, n_partial, n_stripes
//   start ..                      n_full full-block ids, n_partial partial-block ids,
//                                 n_partial tile ids, n_stripes (column, lo | hi << 16) pairs
//   tiles_off + tile*block_q*words  bit tiles of the partial blocks: row-major, `words` u32 per row
// Work is split into units: one unit per listed block, one per STRIPE_CHUNK stripe columns.
struct AttnParams {
    batch: u32,
    hq: u32,
    hkv: u32,
    nq: u32,
    nkv: u32,
    group: u32,       // hq / hkv
    row_groups: u32,  // ceil(nq / rows per workgroup)
    splits: u32,      // KV splits (1: no merge pass)
    block_q: u32,
    block_kv: u32,
    n_kblocks: u32,
    n_qblocks: u32,
    mask_batch: u32,  // 1: one mask for every batch
    mask_heads: u32,  // pattern slots
    words: u32,       // u32 words per tile row
    flags: u32,       // bit 0: write LSE, bit 1: write split partials
    rows_off: u32,
    tiles_off: u32,
    rows_total: u32,  // batch * hq * nq
    scale_log2: f32,  // softmax scale * log2(e)
    fold: u32,        // query heads folded into one row space (GQA decode; 1: none)
    vrows: u32,       // rows per folded head group: fold * nq
    softcap2: f32,    // soft-cap * log2(e) (MODS bit 0)
    softcap_inv: f32, // 1 / softcap2
    mods_off: u32,    // mods region in amask: ALiBi slopes, sink logits, header, T5 tables
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
    pages_off: u32,   // paged KV (PAGED): lengths [batch], then page table [batch][max_pages] in amask
    page_log2: u32,   // log2(page_size)
    max_pages: u32,   // page-table entries per sequence
    _pad3: u32,
}

// Binding 0 holds the parameters: `p: AttnParams`, declared with `load_params()` by the generated
// prelude (see `shaders::source`); every entry point calls `load_params()` first.

// Score modifiers (see `ScoreMods`): bit 0 tanh soft-cap, bit 1 ALiBi, bit 2 sink, bit 3 T5
// buckets, bit 4 bias tensor (only in the shader variants that declare it: `attn_bias_at` of
// `bias.wgsl`; the others include `nobias.wgsl`). 0 compiles none of them: the kernel without
// modifiers. Flags bit 2 says the same of the sink at run time for the merge pass, which is one
// pipeline for every plan.
override MODS: u32 = 0u;
const MOD_SOFTCAP: u32 = 1u;
const MOD_ALIBI: u32 = 2u;
const MOD_SINK: u32 = 4u;
const MOD_T5: u32 = 8u;
const MOD_BIAS: u32 = 16u;
// The bits that change a score (the sink changes the denominator only).
const MOD_SCORE: u32 = 27u;

// Paged KV cache (see `PagedKv`): K and V are pools of pages `(pool_pages, hkv, page_size, D)`;
// key `j` of sequence `b` lives in page `table[b][j >> page_log2]`, row `j & (page_size - 1)`.
// Sequences have their own lengths (`attn_seq_len`, carried in each RowList and passed down as
// a value: a module-scope private variable would make every loop bound it feeds non-uniform to
// WGSL's uniformity analysis, and the browser would reject the barriers under it); the chunk's
// `nq` queries sit at logical positions len - nq .. len - 1 and see keys up to their own position.
// Pages hold whole KV blocks (page_size is a multiple of block_kv), so the keys of one block
// are contiguous rows: one table read per block. false: contiguous K/V, nothing of this compiled.
override PAGED: bool = false;

const STRIPE_CHUNK: u32 = 32u;
const UNIT_FULL: u32 = 0u;
const UNIT_PARTIAL: u32 = 1u;
const UNIT_STRIPES: u32 = 2u;

// A row list: where its entries start and how many of each kind.
struct RowList {
    start: u32,
    nfull: u32,
    npart: u32,
    nstripe: u32,
    len: u32,  // keys of the row's sequence (attn_seq_len)
}

// One unit of work: `kcount` keys from `kstart` (blocks) or stripe entries at `aux` (stripes);
// `aux` is the tile index for partial blocks.
struct Unit {
    kind: u32,
    kstart: u32,
    kcount: u32,
    aux: u32,
}

fn attn_row_list(b: u32, h: u32, qb: u32) -> RowList {
    let bs = select(0u, b, p.mask_batch > 1u);
    let hs = amask[h];
    let row = (bs * p.mask_heads + hs) * p.n_qblocks + qb;
    let o = p.rows_off + 4u * row;
    return RowList(amask[o], amask[o + 1u], amask[o + 2u], amask[o + 3u], attn_seq_len(b));
}

// The units a workgroup walks for query block `qb`: the mask's row list, or, for a dense call
// (`masked` false: no mask is bound), every KV block as a full unit.
fn attn_rows(masked: bool, b: u32, h: u32, qb: u32) -> RowList {
    if masked {
        return attn_row_list(b, h, qb);
    }
    if PAGED {
        let len = attn_seq_len(b);
        return RowList(0u, (len + p.block_kv - 1u) / p.block_kv, 0u, 0u, len);
    }
    return RowList(0u, p.n_kblocks, 0u, 0u, p.nkv);
}

// Unit `u` of `rl` (see `attn_rows`).
fn attn_unit_at(masked: bool, rl: RowList, u: u32) -> Unit {
    if masked {
        return attn_unit(rl, u);
    }
    return attn_dense_unit(rl, u);
}

// Key length of sequence `b`: its own under PAGED, else nkv.
fn attn_seq_len(b: u32) -> u32 {
    if PAGED {
        return amask[p.pages_off + b];
    }
    return p.nkv;
}

// Keys of the block starting at key `ks` of a sequence of `len` keys (0 when it ends before).
fn attn_kcount(ks: u32, len: u32) -> u32 {
    if PAGED {
        if ks >= len {
            return 0u;
        }
        return min(p.block_kv, len - ks);
    }
    return min(p.block_kv, p.nkv - ks);
}

// Row (in head-dim rows of K, and of V) of logical key `key` of sequence `b`, KV head `kvh`
// (global: b * hkv + head): contiguous `(B, Hkv, Nkv, D)`, or its page under PAGED.
fn attn_key_row(b: u32, kvh: u32, key: u32) -> u32 {
    if PAGED {
        let page = amask[p.pages_off + p.batch + b * p.max_pages + (key >> p.page_log2)];
        let within = key & ((1u << p.page_log2) - 1u);
        return ((page * p.hkv + kvh % p.hkv) << p.page_log2) + within;
    }
    return kvh * p.nkv + key;
}

// Aligned position of query `r` (0-based within the chunk): bottom-right, at the sequence's
// own length `len` under PAGED.
fn attn_qpos(r: u32, len: u32) -> u32 {
    if PAGED {
        return r + len - p.nq;
    }
    return r + p.nkv - p.nq;
}

fn attn_units(rl: RowList) -> u32 {
    return rl.nfull + rl.npart + (rl.nstripe + STRIPE_CHUNK - 1u) / STRIPE_CHUNK;
}

// The dense list: every KV block, all full.
fn attn_dense_unit(rl: RowList, u: u32) -> Unit {
    let ks = u * p.block_kv;
    return Unit(UNIT_FULL, ks, attn_kcount(ks, rl.len), 0u);
}

fn attn_unit(rl: RowList, u: u32) -> Unit {
    if u < rl.nfull {
        let ks = amask[rl.start + u] * p.block_kv;
        return Unit(UNIT_FULL, ks, attn_kcount(ks, rl.len), 0u);
    }
    let nblk = rl.nfull + rl.npart;
    if u < nblk {
        let j = u - rl.nfull;
        let ks = amask[rl.start + u] * p.block_kv;
        let tile = amask[rl.start + nblk + j];
        return Unit(UNIT_PARTIAL, ks, attn_kcount(ks, rl.len), tile);
    }
    let e0 = (u - nblk) * STRIPE_CHUNK;
    let soff = rl.start + nblk + rl.npart + 2u * e0;
    return Unit(UNIT_STRIPES, 0u, min(STRIPE_CHUNK, rl.nstripe - e0), soff);
}

// Word `w` of row `rib` (row in the query block) of tile `tile`.
fn attn_tile_word(tile: u32, rib: u32, w: u32) -> u32 {
    return amask[p.tiles_off + (tile * p.block_q + rib) * p.words + w];
}

// Unit range of split `s` out of `splits` over `units` units.
fn attn_split_range(units: u32, s: u32) -> vec2<u32> {
    return vec2<u32>((units * s) / p.splits, (units * (s + 1u)) / p.splits);
}

// -inf, produced at run time (a constant expression may not evaluate to an infinity).
fn attn_neg_inf() -> f32 {
    return bitcast<f32>(0xff800000u | (p.flags & 0u));
}

// Per-head value `which` (0: ALiBi slope, 1: sink logit) of query head `h`, log2 units.
fn attn_head_value(which: u32, h: u32) -> f32 {
    return bitcast<f32>(amask[p.mods_off + which * p.hq + h]);
}

// Word `i` of the mods header (after the per-head values): 0 T5 reach R, 1 bias batch stride,
// 2 bias head stride.
fn attn_mods_header(i: u32) -> u32 {
    return amask[p.mods_off + 2u * p.hq + i];
}

// What the score modifiers need of one query row, looked up once per row: its bottom-right
// aligned position, its head's ALiBi slope (log2 units), the amask index of its head's T5 value
// at distance 0 with the reach R (distances are clamped to +-R), and the bias tensor's index of
// (row, key 0).
struct RowMods {
    qpos: u32,
    slope: f32,
    t5: u32,
    t5r: i32,
    bias: u32,
}

// The RowMods of query `qi` (clamped into range by the caller) of query head `h`, batch `b`.
fn attn_row_mods(b: u32, h: u32, qi: u32) -> RowMods {
    var r = RowMods(attn_qpos(qi, attn_seq_len(b)), 0.0, 0u, 0, 0u);
    if (MODS & MOD_ALIBI) != 0u {
        r.slope = attn_head_value(0u, h);
    }
    if (MODS & MOD_T5) != 0u {
        let reach = attn_mods_header(0u);
        r.t5r = i32(reach);
        r.t5 = p.mods_off + 2u * p.hq + 4u + h * (2u * reach + 1u) + reach;
    }
    if (MODS & MOD_BIAS) != 0u {
        r.bias = b * attn_mods_header(1u) + h * attn_mods_header(2u) + qi * p.nkv;
    }
    return r;
}

// Soft-cap of a score in log2 units: softcap2 * tanh(s / softcap2). The argument is clamped
// to +-10, where tanh is 1 in f32, so no implementation can form inf / inf.
fn attn_softcap(s: f32) -> f32 {
    return p.softcap2 * tanh(clamp(s * p.softcap_inv, -10.0, 10.0));
}

// A score (log2 units) of key `key` for the row `rm` describes after the modifiers MODS
// selects, in `ScoreMods`' order: soft-cap, then ALiBi, T5 and the bias tensor added.
fn attn_modify(s: f32, key: u32, rm: RowMods) -> f32 {
    var x = s;
    if (MODS & MOD_SOFTCAP) != 0u {
        x = attn_softcap(x);
    }
    let rel = i32(key) - i32(rm.qpos);
    if (MODS & MOD_ALIBI) != 0u {
        x = fma(rm.slope, f32(rel), x);
    }
    if (MODS & MOD_T5) != 0u {
        x += bitcast<f32>(amask[u32(i32(rm.t5) + clamp(rel, -rm.t5r, rm.t5r))]);
    }
    if (MODS & MOD_BIAS) != 0u {
        x = fma(attn_bias_at(rm.bias + key), 1.4426950408889634, x);
    }
    return x;
}

// The row's final (max, sum, output factor) once the sink logit `sink` (log2 units) joins a
// running (max m, sum l): the output accumulated against m is scaled by the factor before the
// division by the sum. Without a sink, or while writing split partials (the merge pass adds the
// sink once), it is (m, l, 1).
fn attn_with_sink(m: f32, l: f32, sink: f32) -> vec3<f32> {
    if (MODS & MOD_SINK) == 0u || (p.flags & 2u) != 0u {
        return vec3<f32>(m, l, 1.0);
    }
    let mf = max(m, sink);
    let a = exp2(m - mf);
    return vec3<f32>(mf, fma(l, a, exp2(sink - mf)), a);
}
