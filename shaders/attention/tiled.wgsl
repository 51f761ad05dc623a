// Block-sparse flash attention, plain tiled variant: no subgroups, runs on every adapter
// (browser limits included).
//
// One invocation per query row, WG rows per workgroup (WG divides the mask's block_q, so the
// whole workgroup walks the same block list). Keys are staged KT at a time into workgroup memory
// (K and V, converted to f32), then every invocation reads them at the same address (a broadcast
// on GPUs). Q and the output row stay in registers; as in the subgroup variant, every private
// array is indexed by constants only (chunk loops written out with literal chunk numbers).
// Conditional rescaling of the running maximum as in the subgroup variant (TAU).

override D4: u32 = 16u;       // Q, K head dim / 4
override NT: u32 = 2u;        // ceil(D4 / 8), at most 8
override DV4: u32 = D4;       // V, O head dim / 4 (set only when it differs)
override NV: u32 = NT;        // ceil(DV4 / 8)
override WG: u32 = 64u;       // rows (invocations) per workgroup
override KT: u32 = 16u;       // keys staged per step
override MASKED: bool = true;

const MAXQ: u32 = 64u;
const TAU: f32 = 8.0;

@group(0) @binding(1) var<storage, read> q: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<Elem>>;
@group(0) @binding(4) var<storage, read_write> o: array<vec4<Elem>>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;
@group(0) @binding(6) var<storage, read> amask: array<u32>;
@group(0) @binding(7) var<storage, read_write> part: array<vec4<f32>>;

var<workgroup> ks: array<vec4<f32>, KT * D4>;
var<workgroup> vs: array<vec4<f32>, KT * DV4>;
var<workgroup> kcol: array<u32, KT>;
var<workgroup> krow: array<u32, KT>;  // PAGED: row of each staged key in the page pool

var<private> qr: array<vec4<f32>, MAXQ>;  // slot t*8 + i
var<private> orow: array<vec4<f32>, MAXQ>;
var<private> sc: f32;

fn dot4(a: vec4<f32>, b: vec4<f32>, c: f32) -> f32 {
    return fma(a.w, b.w, fma(a.z, b.z, fma(a.y, b.y, fma(a.x, b.x, c))));
}

fn load_q(t: u32, qrow: u32, scale: f32) {
    for (var i = 0u; i < 8u; i++) {
        let d = t * 8u + i;
        var x = vec4<f32>(0.0);
        if d < D4 {
            x = vec4<f32>(q[qrow + d]) * scale;
        }
        qr[t * 8u + i] = x;
    }
}

fn qk(t: u32, kb: u32) {
    var a = sc;
    for (var i = 0u; i < 8u; i++) {
        let d = t * 8u + i;
        if d < D4 {
            a = dot4(qr[d], ks[kb + d], a);
        }
    }
    sc = a;
}

fn scale_o(t: u32, a: f32) {
    for (var i = 0u; i < 8u; i++) {
        orow[t * 8u + i] *= a;
    }
}

fn pv(t: u32, pr: f32, kb: u32) {
    for (var i = 0u; i < 8u; i++) {
        let d = t * 8u + i;
        if d < DV4 {
            orow[d] = fma(vec4<f32>(pr), vs[kb + d], orow[d]);
        }
    }
}

fn store(t: u32, inv: f32, idx0: u32, split_base: u32) {
    for (var i = 0u; i < 8u; i++) {
        let d = t * 8u + i;
        if d < DV4 {
            let val = orow[d] * inv;
            if (p.flags & 2u) != 0u {
                part[split_base + idx0 + d] = val;
            } else {
                o[idx0 + d] = vec4<Elem>(val);
            }
        }
    }
}

@compute @workgroup_size(WG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    let lin = linear_workgroup(wid, nwg);
    let per_head = p.row_groups * p.splits;
    let bh = lin / per_head;
    if bh >= p.batch * p.hq {
        return;
    }
    let rem = lin % per_head;
    let g = rem / p.splits;
    let split = rem % p.splits;
    let b = bh / p.hq;
    let h = bh % p.hq;
    let seq_len = attn_seq_len(b);
    let kvhead = b * p.hkv + h / p.group;
    let kvbase = kvhead * p.nkv * D4;
    let vbase = kvhead * p.nkv * DV4;
    let row = g * WG + li;
    let orow0 = bh * p.nq;
    let qrow = (orow0 + min(row, p.nq - 1u)) * D4;
    // Score modifiers: what the row's scores need (position, slope, T5 and bias rows); the
    // row's aligned position (its sequence's own under PAGED).
    let rmods = attn_row_mods(b, h, min(row, p.nq - 1u));
    let qpos = attn_qpos(min(row, p.nq - 1u), seq_len);
    load_q(0u, qrow, p.scale_log2);
    if NT > 1u { load_q(1u, qrow, p.scale_log2); }
    if NT > 2u { load_q(2u, qrow, p.scale_log2); }
    if NT > 3u { load_q(3u, qrow, p.scale_log2); }
    if NT > 4u { load_q(4u, qrow, p.scale_log2); }
    if NT > 5u { load_q(5u, qrow, p.scale_log2); }
    if NT > 6u { load_q(6u, qrow, p.scale_log2); }
    if NT > 7u { load_q(7u, qrow, p.scale_log2); }
    orow = array<vec4<f32>, MAXQ>();
    var m = -3.0e38;
    var l = 0.0;

    let qb = (g * WG) / p.block_q;
    let rib = row - qb * p.block_q;
    let rl = attn_rows(MASKED, b, h, qb);
    let range = attn_split_range(attn_units(rl), split);
    for (var u = range.x; u < range.y; u++) {
        let un = attn_unit_at(MASKED, rl, u);
        // PAGED: a block's keys are consecutive rows of one page; only units that reach past
        // this row's position (stripes, or inside a prefill chunk) test keys one by one.
        let check = PAGED && (un.kind == UNIT_STRIPES || un.kstart + un.kcount > qpos + 1u);
        var ubase = 0u;
        if PAGED && un.kind != UNIT_STRIPES && un.kcount > 0u {
            ubase = attn_key_row(b, kvhead, un.kstart);
        }
        for (var i0 = 0u; i0 < un.kcount; i0 += KT) {
            let nk = min(KT, un.kcount - i0);
            workgroupBarrier();
            if li < KT {
                var c = un.kstart + i0 + li;
                if un.kind == UNIT_STRIPES {
                    c = amask[un.aux + 2u * min(i0 + li, un.kcount - 1u)];
                }
                if PAGED {
                    kcol[li] = c;
                    if un.kind == UNIT_STRIPES {
                        krow[li] = attn_key_row(b, kvhead, min(c, p.nkv - 1u));
                    } else {
                        krow[li] = ubase + min(i0 + li, un.kcount - 1u);
                    }
                } else {
                    kcol[li] = min(c, p.nkv - 1u);
                }
            }
            workgroupBarrier();
            if PAGED {
                for (var e = li; e < KT * D4; e += WG) {
                    ks[e] = vec4<f32>(k[krow[e / D4] * D4 + e % D4]);
                }
                for (var e = li; e < KT * DV4; e += WG) {
                    vs[e] = vec4<f32>(v[krow[e / DV4] * DV4 + e % DV4]);
                }
            } else if DV4 == D4 {
                for (var e = li; e < KT * D4; e += WG) {
                    let j = e / D4;
                    let d = e % D4;
                    let src = kvbase + kcol[j] * D4 + d;
                    ks[e] = vec4<f32>(k[src]);
                    vs[e] = vec4<f32>(v[src]);
                }
            } else {
                for (var e = li; e < KT * D4; e += WG) {
                    ks[e] = vec4<f32>(k[kvbase + kcol[e / D4] * D4 + e % D4]);
                }
                for (var e = li; e < KT * DV4; e += WG) {
                    vs[e] = vec4<f32>(v[vbase + kcol[e / DV4] * DV4 + e % DV4]);
                }
            }
            workgroupBarrier();
            for (var j = 0u; j < nk; j++) {
                let idx = i0 + j;
                var ok = true;
                if MASKED {
                    if un.kind == UNIT_PARTIAL {
                        let w = attn_tile_word(un.aux, rib, idx >> 5u);
                        ok = ((w >> (idx & 31u)) & 1u) != 0u;
                    } else if un.kind == UNIT_STRIPES {
                        let iv = amask[un.aux + 2u * idx + 1u];
                        ok = rib >= (iv & 0xffffu) && rib < (iv >> 16u);
                    }
                }
                if check {
                    // The sequence's own length, and causality inside the appended chunk.
                    ok = ok && kcol[j] < seq_len && kcol[j] <= qpos;
                }
                if !ok {
                    continue;
                }
                let kb = j * D4;
                let vb = j * DV4;
                sc = 0.0;
                qk(0u, kb);
                if NT > 1u { qk(1u, kb); }
                if NT > 2u { qk(2u, kb); }
                if NT > 3u { qk(3u, kb); }
                if NT > 4u { qk(4u, kb); }
                if NT > 5u { qk(5u, kb); }
                if NT > 6u { qk(6u, kb); }
                if NT > 7u { qk(7u, kb); }
                let sv = attn_modify(sc, kcol[j], rmods);
                if sv > m + TAU {
                    let a = exp2(m - sv);
                    l *= a;
                    m = sv;
                    scale_o(0u, a);
                    if NV > 1u { scale_o(1u, a); }
                    if NV > 2u { scale_o(2u, a); }
                    if NV > 3u { scale_o(3u, a); }
                    if NV > 4u { scale_o(4u, a); }
                    if NV > 5u { scale_o(5u, a); }
                    if NV > 6u { scale_o(6u, a); }
                    if NV > 7u { scale_o(7u, a); }
                }
                let pr = exp2(sv - m);
                l += pr;
                pv(0u, pr, vb);
                if NV > 1u { pv(1u, pr, vb); }
                if NV > 2u { pv(2u, pr, vb); }
                if NV > 3u { pv(3u, pr, vb); }
                if NV > 4u { pv(4u, pr, vb); }
                if NV > 5u { pv(5u, pr, vb); }
                if NV > 6u { pv(6u, pr, vb); }
                if NV > 7u { pv(7u, pr, vb); }
            }
        }
    }

    if row >= p.nq {
        return;
    }
    var sink = 0.0;
    if (MODS & MOD_SINK) != 0u {
        sink = attn_head_value(1u, h);
    }
    let fin = attn_with_sink(m, l, sink);
    let nonempty = fin.y > 0.0;
    let inv = select(0.0, fin.z / fin.y, nonempty);
    let lse2 = select(attn_neg_inf(), fin.x + log2(fin.y), nonempty);
    var split_base = 0u;
    if (p.flags & 2u) != 0u {
        split_base = split * p.rows_total * DV4;
        stats[p.rows_total + split * p.rows_total + orow0 + row] = lse2;
    } else if (p.flags & 1u) != 0u {
        stats[orow0 + row] = lse2 * 0.6931471805599453;
    }
    let idx0 = (orow0 + row) * DV4;
    store(0u, inv, idx0, split_base);
    if NV > 1u { store(1u, inv, idx0, split_base); }
    if NV > 2u { store(2u, inv, idx0, split_base); }
    if NV > 3u { store(3u, inv, idx0, split_base); }
    if NV > 4u { store(4u, inv, idx0, split_base); }
    if NV > 5u { store(5u, inv, idx0, split_base); }
    if NV > 6u { store(6u, inv, idx0, split_base); }
    if NV > 7u { store(7u, inv, idx0, split_base); }
}
