// Block-sparse flash attention, subgroup variant (the default where the subgroup size is fixed).
//
// Work split: a cluster of 8 lanes owns 8*RQ query rows (lane l holds rows l, l+8, ...); a
// workgroup is one subgroup of SG lanes = SG/8 clusters. Per key, lane l loads vec4 slots
// t*8 + l of the key's K row (a whole 32-float chunk per cluster and one load per lane) and the
// cluster passes them around with subgroup broadcasts, so K and V are read once per cluster
// instead of once per lane. The output is kept transposed: lane l accumulates vec4 slot t*8 + l
// of every row of the cluster, fed by broadcasting each row's probability.
//
// Why it is written this way: on CPU rasterisers (lavapipe) every memory load is executed lane
// by lane, and so is any private array indexed by a run-time value. Every private array below is
// therefore indexed by constants only: the chunk loops over the head dimension are written out
// with literal chunk numbers (`if NT > 1u { ... }` guards fold away once the override is set),
// and the only run-time loops are over keys, which touch no private array by a key index.
//
// Softmax: scores are pre-scaled by scale*log2(e) (exp2), and the running maximum is raised only
// when a score exceeds it by more than TAU (conditional rescaling): between rescales the
// unnormalised probabilities stay below 2^TAU, so f32 accumulation cannot overflow, and the
// rescale of the accumulators (the expensive part) happens a handful of times per row.

override D4: u32 = 16u;       // head dim / 4
override NT: u32 = 2u;        // ceil(D4 / 8): 32-float chunks of the head dim, at most 8
override DV4: u32 = D4;       // V, O head dim / 4 (set only when it differs)
override NV: u32 = NT;        // ceil(DV4 / 8)
override RQ: u32 = 4u;        // rows per lane, 1..4
override SG: u32 = 8u;        // subgroup size (a multiple of 8)
override MASKED: bool = true; // false: dense, no mask is read
override PARTIAL: bool = true; // false: the mask lists full blocks only (no per-key mask path)

const MAXQ: u32 = 256u;       // 4 rows * 8 chunks * 8 slots
const TAU: f32 = 8.0;

@group(0) @binding(1) var<storage, read> q: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<Elem>>;
@group(0) @binding(4) var<storage, read_write> o: array<vec4<Elem>>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;
@group(0) @binding(6) var<storage, read> amask: array<u32>;
@group(0) @binding(7) var<storage, read_write> part: array<vec4<f32>>;

var<private> qr: array<vec4<f32>, MAXQ>;  // [(r*NT + t)*8 + i]: row r, slot t*8+i
var<private> ot: array<vec4<f32>, MAXQ>;  // [(r*8 + i)*NV + t]: row r of lane i, slot t*8+lane
var<private> s: vec4<f32>;                // scores of the RQ rows for the current key
var<private> mv: vec4<f32>;               // running max (log2 units)
var<private> lv: vec4<f32>;               // running sum
var<private> g_lane: u32;                 // lane within the cluster
var<private> g_cl8: u32;                  // first lane of the cluster
var<private> g_kv: u32;                   // vec4 index of the K head
var<private> g_v: u32;                    // vec4 index of the V head
var<private> g_head0: u32;                // global index (b * hq + h) of the first folded head
var<private> g_rm: array<RowMods, 4>;     // score modifiers of each row (constant indices)
var<private> g_qpos: vec4<u32>;           // PAGED: aligned query position of each row
var<private> g_qmin: u32;                 // PAGED: smallest g_qpos of the subgroup's rows

// Output row (over batch, head, query) of folded row `vr`: with GQA decode the query heads of
// one KV head are folded into one row space, row vr = (head h0 + vr / nq, query vr % nq), so
// their K/V are read once.
fn out_row(vr: u32) -> u32 {
    return (g_head0 + vr / p.nq) * p.nq + vr % p.nq;
}

fn bv(x: vec4<f32>, i: u32) -> vec4<f32> {
    if SG == 8u {
        switch i {
            case 0u: { return subgroupBroadcast(x, 0u); }
            case 1u: { return subgroupBroadcast(x, 1u); }
            case 2u: { return subgroupBroadcast(x, 2u); }
            case 3u: { return subgroupBroadcast(x, 3u); }
            case 4u: { return subgroupBroadcast(x, 4u); }
            case 5u: { return subgroupBroadcast(x, 5u); }
            case 6u: { return subgroupBroadcast(x, 6u); }
            default: { return subgroupBroadcast(x, 7u); }
        }
    }
    return subgroupShuffle(x, g_cl8 + i);
}

fn bf(x: f32, i: u32) -> f32 {
    if SG == 8u {
        switch i {
            case 0u: { return subgroupBroadcast(x, 0u); }
            case 1u: { return subgroupBroadcast(x, 1u); }
            case 2u: { return subgroupBroadcast(x, 2u); }
            case 3u: { return subgroupBroadcast(x, 3u); }
            case 4u: { return subgroupBroadcast(x, 4u); }
            case 5u: { return subgroupBroadcast(x, 5u); }
            case 6u: { return subgroupBroadcast(x, 6u); }
            default: { return subgroupBroadcast(x, 7u); }
        }
    }
    return subgroupShuffle(x, g_cl8 + i);
}

fn dot4(a: vec4<f32>, b: vec4<f32>, c: f32) -> f32 {
    return fma(a.w, b.w, fma(a.z, b.z, fma(a.y, b.y, fma(a.x, b.x, c))));
}

// ---- loading Q (pre-scaled) into registers
fn load_q_row(r: u32, t: u32, qrow: u32, sc: f32) {
    let qb = (r * NT + t) * 8u;
    for (var i = 0u; i < 8u; i++) {
        let d = t * 8u + i;
        var x = vec4<f32>(0.0);
        if d < D4 {
            x = vec4<f32>(q[qrow + d]) * sc;
        }
        qr[qb + i] = x;
    }
}

fn load_q_chunk(t: u32, qrows: vec4<u32>, sc: f32) {
    load_q_row(0u, t, qrows.x, sc);
    if RQ > 1u { load_q_row(1u, t, qrows.y, sc); }
    if RQ > 2u { load_q_row(2u, t, qrows.z, sc); }
    if RQ > 3u { load_q_row(3u, t, qrows.w, sc); }
}

// ---- scores: s[r] += q_r . k over chunk t
fn qk_row(r: u32, t: u32, kv: vec4<f32>) {
    let qb = (r * NT + t) * 8u;
    var a = s[r];
    a = dot4(qr[qb + 0u], bv(kv, 0u), a);
    a = dot4(qr[qb + 1u], bv(kv, 1u), a);
    a = dot4(qr[qb + 2u], bv(kv, 2u), a);
    a = dot4(qr[qb + 3u], bv(kv, 3u), a);
    a = dot4(qr[qb + 4u], bv(kv, 4u), a);
    a = dot4(qr[qb + 5u], bv(kv, 5u), a);
    a = dot4(qr[qb + 6u], bv(kv, 6u), a);
    a = dot4(qr[qb + 7u], bv(kv, 7u), a);
    s[r] = a;
}

fn ldk(c: u32, t: u32) -> vec4<f32> {
    return vec4<f32>(k[g_kv + c * D4 + min(t * 8u + g_lane, D4 - 1u)]);
}

fn ldv(c: u32, t: u32) -> vec4<f32> {
    return vec4<f32>(v[g_v + c * DV4 + min(t * 8u + g_lane, DV4 - 1u)]);
}

fn qk_chunk(t: u32, c: u32) {
    let kv = ldk(c, t);
    qk_row(0u, t, kv);
    if RQ > 1u { qk_row(1u, t, kv); }
    if RQ > 2u { qk_row(2u, t, kv); }
    if RQ > 3u { qk_row(3u, t, kv); }
}

// ---- output accumulation: ot[row (r, lane i)][slot t*8 + lane] += p(r, i) * v
fn pv_row(r: u32, t: u32, pc: f32, x: vec4<f32>) {
    let ob = r * 8u * NV + t;
    ot[ob + 0u * NV] = fma(vec4<f32>(bf(pc, 0u)), x, ot[ob + 0u * NV]);
    ot[ob + 1u * NV] = fma(vec4<f32>(bf(pc, 1u)), x, ot[ob + 1u * NV]);
    ot[ob + 2u * NV] = fma(vec4<f32>(bf(pc, 2u)), x, ot[ob + 2u * NV]);
    ot[ob + 3u * NV] = fma(vec4<f32>(bf(pc, 3u)), x, ot[ob + 3u * NV]);
    ot[ob + 4u * NV] = fma(vec4<f32>(bf(pc, 4u)), x, ot[ob + 4u * NV]);
    ot[ob + 5u * NV] = fma(vec4<f32>(bf(pc, 5u)), x, ot[ob + 5u * NV]);
    ot[ob + 6u * NV] = fma(vec4<f32>(bf(pc, 6u)), x, ot[ob + 6u * NV]);
    ot[ob + 7u * NV] = fma(vec4<f32>(bf(pc, 7u)), x, ot[ob + 7u * NV]);
}

fn pv_chunk(t: u32, pr: vec4<f32>, c: u32) {
    let x = ldv(c, t);
    pv_row(0u, t, pr.x, x);
    if RQ > 1u { pv_row(1u, t, pr.y, x); }
    if RQ > 2u { pv_row(2u, t, pr.z, x); }
    if RQ > 3u { pv_row(3u, t, pr.w, x); }
}

fn scale_row(r: u32, t: u32, a: f32) {
    let ob = r * 8u * NV + t;
    ot[ob + 0u * NV] *= bf(a, 0u);
    ot[ob + 1u * NV] *= bf(a, 1u);
    ot[ob + 2u * NV] *= bf(a, 2u);
    ot[ob + 3u * NV] *= bf(a, 3u);
    ot[ob + 4u * NV] *= bf(a, 4u);
    ot[ob + 5u * NV] *= bf(a, 5u);
    ot[ob + 6u * NV] *= bf(a, 6u);
    ot[ob + 7u * NV] *= bf(a, 7u);
}

fn scale_chunk(t: u32, a: vec4<f32>) {
    scale_row(0u, t, a.x);
    if RQ > 1u { scale_row(1u, t, a.y); }
    if RQ > 2u { scale_row(2u, t, a.z); }
    if RQ > 3u { scale_row(3u, t, a.w); }
}

// One key for the RQ rows of this lane: logical key `c` at row `kr` (relative to g_kv / g_v);
// `ok` says which rows may see it.
fn key_step(c: u32, kr: u32, ok_in: vec4<bool>) {
    let ok = ok_in & vec4<bool>(true, RQ > 1u, RQ > 2u, RQ > 3u);
    s = vec4<f32>(0.0);
    qk_chunk(0u, kr);
    if NT > 1u { qk_chunk(1u, kr); }
    if NT > 2u { qk_chunk(2u, kr); }
    if NT > 3u { qk_chunk(3u, kr); }
    if NT > 4u { qk_chunk(4u, kr); }
    if NT > 5u { qk_chunk(5u, kr); }
    if NT > 6u { qk_chunk(6u, kr); }
    if NT > 7u { qk_chunk(7u, kr); }
    var sv = s;
    if (MODS & MOD_SCORE) != 0u {
        sv.x = attn_modify(s.x, c, g_rm[0]);
        if RQ > 1u { sv.y = attn_modify(s.y, c, g_rm[1]); }
        if RQ > 2u { sv.z = attn_modify(s.z, c, g_rm[2]); }
        if RQ > 3u { sv.w = attn_modify(s.w, c, g_rm[3]); }
    }
    if subgroupAny(any(ok & (sv > mv + vec4<f32>(TAU)))) {
        let mn = max(mv, select(mv, sv, ok));
        let a = exp2(mv - mn);
        lv *= a;
        mv = mn;
        scale_chunk(0u, a);
        if NV > 1u { scale_chunk(1u, a); }
        if NV > 2u { scale_chunk(2u, a); }
        if NV > 3u { scale_chunk(3u, a); }
        if NV > 4u { scale_chunk(4u, a); }
        if NV > 5u { scale_chunk(5u, a); }
        if NV > 6u { scale_chunk(6u, a); }
        if NV > 7u { scale_chunk(7u, a); }
    }
    let pr = select(vec4<f32>(0.0), exp2(sv - mv), ok);
    lv += pr;
    pv_chunk(0u, pr, kr);
    if NV > 1u { pv_chunk(1u, pr, kr); }
    if NV > 2u { pv_chunk(2u, pr, kr); }
    if NV > 3u { pv_chunk(3u, pr, kr); }
    if NV > 4u { pv_chunk(4u, pr, kr); }
    if NV > 5u { pv_chunk(5u, pr, kr); }
    if NV > 6u { pv_chunk(6u, pr, kr); }
    if NV > 7u { pv_chunk(7u, pr, kr); }
}

// ---- epilogue: row (r, lane i) is spread over the cluster, slot t*8 + lane in each lane
fn store_row(r: u32, t: u32, scale: f32, rows0: u32, split_base: u32) {
    let d = t * 8u + g_lane;
    let ob = r * 8u * NV + t;
    for (var i = 0u; i < 8u; i++) {
        let sc = bf(scale, i);
        let row = rows0 + r * 8u + i;
        let val = ot[ob + i * NV] * sc;
        if row < p.vrows && d < DV4 {
            let idx = out_row(row) * DV4 + d;
            if (p.flags & 2u) != 0u {
                part[split_base + idx] = val;
            } else {
                o[idx] = vec4<Elem>(val);
            }
        }
    }
}

fn store_chunk(t: u32, inv: vec4<f32>, rows0: u32, split_base: u32) {
    store_row(0u, t, inv.x, rows0, split_base);
    if RQ > 1u { store_row(1u, t, inv.y, rows0, split_base); }
    if RQ > 2u { store_row(2u, t, inv.z, rows0, split_base); }
    if RQ > 3u { store_row(3u, t, inv.w, rows0, split_base); }
}

@compute @workgroup_size(SG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(subgroup_invocation_id) lane: u32,
) {
    load_params();
    let lin = linear_workgroup(wid, nwg);
    let per_head = p.row_groups * p.splits;
    let hgroups = p.hq / p.fold;
    let bh = lin / per_head;
    // Whole workgroups leave together, so subgroups stay complete for the broadcasts.
    if bh >= p.batch * hgroups {
        return;
    }
    let rem = lin % per_head;
    let g = rem / p.splits;
    let split = rem % p.splits;
    let b = bh / hgroups;
    let h = (bh % hgroups) * p.fold;  // first query head of the fold
    g_lane = lane % 8u;
    g_cl8 = lane - g_lane;
    let kvhead = b * p.hkv + h / p.group;
    let seq_len = attn_seq_len(b);
    if PAGED {
        // Rows are absolute in the page pool.
        g_kv = 0u;
        g_v = 0u;
    } else {
        g_kv = kvhead * p.nkv * D4;
        g_v = kvhead * p.nkv * DV4;
    }
    g_head0 = b * p.hq + h;
    let wrows = SG * RQ;
    let rows0 = g * wrows + (lane / 8u) * 8u * RQ;  // first (folded) row of this cluster
    let rr = vec4<u32>(rows0) + vec4<u32>(0u, 8u, 16u, 24u) + vec4<u32>(g_lane);
    let rc = min(rr, vec4<u32>(p.vrows - 1u));
    // Score modifiers: each row's query head (folded rows may differ) and query.
    let hrow = vec4<u32>(h) + rc / vec4<u32>(p.nq);
    let qi = rc % vec4<u32>(p.nq);
    if PAGED {
        g_qpos = vec4<u32>(
            attn_qpos(qi.x, seq_len),
            attn_qpos(qi.y, seq_len),
            attn_qpos(qi.z, seq_len),
            attn_qpos(qi.w, seq_len),
        );
        let mine = min(min(g_qpos.x, select(g_qpos.x, g_qpos.y, RQ > 1u)),
                       min(select(g_qpos.x, g_qpos.z, RQ > 2u), select(g_qpos.x, g_qpos.w, RQ > 3u)));
        g_qmin = subgroupMin(mine);
    }
    if (MODS & MOD_SCORE) != 0u {
        g_rm[0] = attn_row_mods(b, hrow.x, qi.x);
        if RQ > 1u { g_rm[1] = attn_row_mods(b, hrow.y, qi.y); }
        if RQ > 2u { g_rm[2] = attn_row_mods(b, hrow.z, qi.z); }
        if RQ > 3u { g_rm[3] = attn_row_mods(b, hrow.w, qi.w); }
    }
    let qrows = vec4<u32>(out_row(rc.x), out_row(rc.y), out_row(rc.z), out_row(rc.w)) * D4;
    load_q_chunk(0u, qrows, p.scale_log2);
    if NT > 1u { load_q_chunk(1u, qrows, p.scale_log2); }
    if NT > 2u { load_q_chunk(2u, qrows, p.scale_log2); }
    if NT > 3u { load_q_chunk(3u, qrows, p.scale_log2); }
    if NT > 4u { load_q_chunk(4u, qrows, p.scale_log2); }
    if NT > 5u { load_q_chunk(5u, qrows, p.scale_log2); }
    if NT > 6u { load_q_chunk(6u, qrows, p.scale_log2); }
    if NT > 7u { load_q_chunk(7u, qrows, p.scale_log2); }
    ot = array<vec4<f32>, MAXQ>();
    mv = vec4<f32>(-3.0e38);
    lv = vec4<f32>(0.0);

    // Query block of the workgroup (folding needs nq <= block_q: one block) and each row's
    // row within it (clamped for tail rows, whose results are discarded).
    let qb = ((g * wrows) % p.nq) / p.block_q;
    let rib = min(rr % vec4<u32>(p.nq) - vec4<u32>(qb * p.block_q), vec4<u32>(p.block_q - 1u));
    let rl = attn_rows(MASKED, b, h, qb);
    let range = attn_split_range(attn_units(rl), split);
    for (var u = range.x; u < range.y; u++) {
        let un = attn_unit_at(MASKED, rl, u);
        // Row of the unit's first key: a block's keys are consecutive rows (of one page).
        var ubase = un.kstart;
        if PAGED && un.kind != UNIT_STRIPES && un.kcount > 0u {
            ubase = attn_key_row(b, kvhead, un.kstart);
        }
        if !MASKED || !PARTIAL || un.kind == UNIT_FULL {
            if PAGED && un.kstart + un.kcount > g_qmin + 1u {
                // A block that reaches past some row's position (inside a prefill chunk): the
                // causal test per key. (Subgroup-uniform: g_qmin is the subgroup's minimum.)
                for (var idx = 0u; idx < un.kcount; idx++) {
                    let c = un.kstart + idx;
                    key_step(c, ubase + idx, vec4<u32>(c) <= g_qpos);
                }
                continue;
            }
            // Full blocks: no element mask, no per-key test.
            for (var idx = 0u; idx < un.kcount; idx++) {
                key_step(un.kstart + idx, ubase + idx, vec4<bool>(true));
            }
            continue;
        }
        var wv = vec4<u32>(0u);
        for (var idx = 0u; idx < un.kcount; idx++) {
            var c = un.kstart + idx;
            var kr = ubase + idx;
            var ok: vec4<bool>;
            if un.kind == UNIT_PARTIAL {
                if (idx & 31u) == 0u {
                    let w = idx >> 5u;
                    wv = vec4<u32>(
                        attn_tile_word(un.aux, rib.x, w),
                        attn_tile_word(un.aux, rib.y, w),
                        attn_tile_word(un.aux, rib.z, w),
                        attn_tile_word(un.aux, rib.w, w),
                    );
                }
                ok = ((wv >> vec4<u32>(idx & 31u)) & vec4<u32>(1u)) != vec4<u32>(0u);
            } else {
                c = amask[un.aux + 2u * idx];
                kr = c;
                if PAGED {
                    kr = attn_key_row(b, kvhead, min(c, p.nkv - 1u));
                }
                let iv = amask[un.aux + 2u * idx + 1u];
                ok = (rib >= vec4<u32>(iv & 0xffffu)) & (rib < vec4<u32>(iv >> 16u));
            }
            if PAGED {
                // The sequence's own length, and causality inside the appended chunk.
                ok = ok & (vec4<u32>(c) <= g_qpos) & (vec4<u32>(c) < vec4<u32>(seq_len));
            }
            // Keys no row of the subgroup sees are skipped (e.g. above a causal diagonal).
            if subgroupAny(any(ok & vec4<bool>(true, RQ > 1u, RQ > 2u, RQ > 3u))) {
                key_step(c, kr, ok);
            }
        }
    }

    var mf = mv;
    var lf = lv;
    var fo = vec4<f32>(1.0);
    if (MODS & MOD_SINK) != 0u {
        let f0 = attn_with_sink(mv.x, lv.x, attn_head_value(1u, hrow.x));
        let f1 = attn_with_sink(mv.y, lv.y, attn_head_value(1u, hrow.y));
        let f2 = attn_with_sink(mv.z, lv.z, attn_head_value(1u, hrow.z));
        let f3 = attn_with_sink(mv.w, lv.w, attn_head_value(1u, hrow.w));
        mf = vec4<f32>(f0.x, f1.x, f2.x, f3.x);
        lf = vec4<f32>(f0.y, f1.y, f2.y, f3.y);
        fo = vec4<f32>(f0.z, f1.z, f2.z, f3.z);
    }
    let nonempty = lf > vec4<f32>(0.0);
    let inv = select(vec4<f32>(0.0), fo / lf, nonempty);
    let lse2 = select(vec4<f32>(attn_neg_inf()), mf + log2(lf), nonempty);
    var split_base = 0u;
    if (p.flags & 2u) != 0u {
        split_base = split * p.rows_total * DV4;
        // partial LSE (log2 units) per split, after the final LSE block
        for (var r = 0u; r < RQ; r++) {
            if rr[r] < p.vrows {
                stats[p.rows_total + split * p.rows_total + out_row(rr[r])] = lse2[r];
            }
        }
    } else if (p.flags & 1u) != 0u {
        for (var r = 0u; r < RQ; r++) {
            if rr[r] < p.vrows {
                stats[out_row(rr[r])] = lse2[r] * 0.6931471805599453;
            }
        }
    }
    store_chunk(0u, inv, rows0, split_base);
    if NV > 1u { store_chunk(1u, inv, rows0, split_base); }
    if NV > 2u { store_chunk(2u, inv, rows0, split_base); }
    if NV > 3u { store_chunk(3u, inv, rows0, split_base); }
    if NV > 4u { store_chunk(4u, inv, rows0, split_base); }
    if NV > 5u { store_chunk(5u, inv, rows0, split_base); }
    if NV > 6u { store_chunk(6u, inv, rows0, split_base); }
    if NV > 7u { store_chunk(7u, inv, rows0, split_base); }
}
