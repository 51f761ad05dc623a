// Block-sparse flash attention on cooperative matrices: S = Q·Kᵀ and O += P·V as COOP x COOP
// f16 tiles with f32 accumulation (tensor cores / matrix units).
// COOP and CoopA/B/C come from the prelude.
//
// A workgroup of NSGC subgroups owns CR query rows and steps through its block list CK keys at
// a time: keys are staged as f16, the S tiles are spread over the subgroups, the online softmax
// runs one row per invocation on S in workgroup memory (the element mask is applied there), the
// accumulators O (f32, workgroup memory) are rescaled, and the PV tiles accumulate into O
// through coopLoadT / coopMultiplyAdd / coopStoreT. Q is rounded to f16 once.

override D4: u32 = 16u;       // Q, K head dim / 4
override DV4: u32 = D4;       // V, O head dim / 4 (set only when it differs)
override MASKED: bool = true;
override SG: u32 = 8u;        // subgroup size
override CR: u32 = 32u;       // query rows per workgroup (a multiple of COOP)
override CK: u32 = 32u;       // keys per step (a multiple of COOP)

const NSGC: u32 = 4u;         // subgroups per workgroup

@group(0) @binding(1) var<storage, read> q: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<Elem>>;
@group(0) @binding(4) var<storage, read_write> o: array<vec4<Elem>>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;
@group(0) @binding(6) var<storage, read> amask: array<u32>;
@group(0) @binding(7) var<storage, read_write> part: array<vec4<f32>>;

var<workgroup> qs: array<f16, CR * D4 * 4u>;   // [row][d]
var<workgroup> kst: array<f16, CK * D4 * 4u>;  // [key][d]
var<workgroup> vst: array<f16, CK * DV4 * 4u>; // [key][d]
var<workgroup> ss: array<f32, CR * CK>;        // [row][key] scores
var<workgroup> ps: array<f16, CR * CK>;        // [row][key] probabilities
var<workgroup> os: array<f32, CR * DV4 * 4u>;  // [row][d] output accumulators
var<workgroup> rm: array<f32, CR>;             // running max (log2 units)
var<workgroup> rsum: array<f32, CR>;           // running sum
var<workgroup> ra: array<f32, CR>;             // rescale factor of this step
var<workgroup> kcol: array<u32, CK>;           // key index of each staged key

@compute @workgroup_size(SG * NSGC, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    let lin = linear_workgroup(wid, nwg);
    let per_head = p.row_groups * p.splits;
    // Workgroups past the end (grid padding) redo the last head and store nothing: an early
    // return here would put the coop operations in non-uniform control flow for naga.
    let live = lin / per_head < p.batch * p.hq;
    let bh = min(lin / per_head, p.batch * p.hq - 1u);
    let rem = select(per_head - 1u, lin % per_head, live);
    let g = rem / p.splits;
    let split = rem % p.splits;
    let b = bh / p.hq;
    let h = bh % p.hq;
    let dd = D4 * 4u;
    let ddv = DV4 * 4u;
    let threads = SG * NSGC;
    let sg = li / SG;
    let kvbase = (b * p.hkv + h / p.group) * p.nkv * D4;
    let vbase = (b * p.hkv + h / p.group) * p.nkv * DV4;
    let rows0 = g * CR;
    let orow0 = bh * p.nq;

    for (var e = li; e < CR * D4; e += threads) {
        let r = e / D4;
        let x = vec4<f16>(q[(orow0 + min(rows0 + r, p.nq - 1u)) * D4 + e % D4]);
        qs[4u * e] = x.x;
        qs[4u * e + 1u] = x.y;
        qs[4u * e + 2u] = x.z;
        qs[4u * e + 3u] = x.w;
    }
    for (var e = li; e < CR * ddv; e += threads) {
        os[e] = 0.0;
    }
    for (var r = li; r < CR; r += threads) {
        rm[r] = -3.0e38;
        rsum[r] = 0.0;
    }

    let qb = rows0 / p.block_q;
    var sink = 0.0;
    if (MODS & MOD_SINK) != 0u {
        sink = attn_head_value(1u, h);
    }
    let rl = attn_rows(MASKED, b, h, qb);
    let range = attn_split_range(attn_units(rl), split);
    for (var u = range.x; u < range.y; u++) {
        let un = attn_unit_at(MASKED, rl, u);
        for (var i0 = 0u; i0 < un.kcount; i0 += CK) {
            let nk = min(CK, un.kcount - i0);
            workgroupBarrier();
            for (var j = li; j < CK; j += threads) {
                var c = un.kstart + i0 + j;
                if un.kind == UNIT_STRIPES {
                    c = amask[un.aux + 2u * min(i0 + j, un.kcount - 1u)];
                }
                kcol[j] = min(c, p.nkv - 1u);
            }
            workgroupBarrier();
            if DV4 == D4 {
                for (var e = li; e < CK * D4; e += threads) {
                    let src = kvbase + kcol[e / D4] * D4 + e % D4;
                    stage_k(e, vec4<f16>(k[src]));
                    stage_v(e, vec4<f16>(v[src]));
                }
            } else {
                for (var e = li; e < CK * D4; e += threads) {
                    stage_k(e, vec4<f16>(k[kvbase + kcol[e / D4] * D4 + e % D4]));
                }
                for (var e = li; e < CK * DV4; e += threads) {
                    stage_v(e, vec4<f16>(v[vbase + kcol[e / DV4] * DV4 + e % DV4]));
                }
            }
            workgroupBarrier();
            // S = Q Kᵀ, one COOP x COOP tile per subgroup at a time (the host makes the tile
            // count a multiple of NSGC, so every subgroup runs the same trip count: the coop
            // operations stay in uniform control flow).
            let tcs = CK / COOP;
            for (var it = 0u; it < (CR / COOP) * tcs / NSGC; it++) {
                let tile = it * NSGC + sg;
                let tr = tile / tcs;
                let tc = tile % tcs;
                var acc = CoopC();
                for (var d0 = 0u; d0 < dd; d0 += COOP) {
                    let ia = tr * COOP * dd + d0;
                    let ib = tc * COOP * dd + d0;
                    let a = coopLoadT<CoopA>(&qs[ia], dd);
                    let bm = coopLoad<CoopB>(&kst[ib], dd);
                    acc = coopMultiplyAdd(a, bm, acc);
                }
                let is = tr * COOP * CK + tc * COOP;
                coopStoreT(acc, &ss[is], CK);
            }
            workgroupBarrier();
            // Online softmax, one row per invocation; the element mask is applied here.
            for (var r = li; r < CR; r += threads) {
                let rib = rows0 + r - qb * p.block_q;
                let rmods = attn_row_mods(b, h, min(rows0 + r, p.nq - 1u));
                let m_old = rm[r];
                var mx = m_old;
                for (var j = 0u; j < nk; j++) {
                    if attn_coop_ok(un, i0 + j, rib) {
                        mx = max(mx, attn_modify(ss[r * CK + j] * p.scale_log2, kcol[j], rmods));
                    }
                }
                let alpha = exp2(m_old - mx);
                var l = rsum[r] * alpha;
                for (var j = 0u; j < CK; j++) {
                    var pr = 0.0h;
                    if j < nk && attn_coop_ok(un, i0 + j, rib) {
                        let sv = attn_modify(ss[r * CK + j] * p.scale_log2, kcol[j], rmods);
                        pr = f16(exp2(sv - mx));
                    }
                    ps[r * CK + j] = pr;
                    l += f32(pr);
                }
                rm[r] = mx;
                rsum[r] = l;
                ra[r] = alpha;
            }
            workgroupBarrier();
            for (var e = li; e < CR * ddv; e += threads) {
                os[e] *= ra[e / ddv];
            }
            workgroupBarrier();
            // O += P V
            let tco = ddv / COOP;
            for (var it = 0u; it < (CR / COOP) * tco / NSGC; it++) {
                let tile = it * NSGC + sg;
                let tr = tile / tco;
                let tc = tile % tco;
                let io = tr * COOP * ddv + tc * COOP;
                var acc = coopLoadT<CoopC>(&os[io], ddv);
                for (var k0 = 0u; k0 < CK; k0 += COOP) {
                    let ia = tr * COOP * CK + k0;
                    let ib = k0 * ddv + tc * COOP;
                    let a = coopLoadT<CoopA>(&ps[ia], CK);
                    let bm = coopLoadT<CoopB>(&vst[ib], ddv);
                    acc = coopMultiplyAdd(a, bm, acc);
                }
                coopStoreT(acc, &os[io], ddv);
            }
        }
    }
    workgroupBarrier();

    let splitting = (p.flags & 2u) != 0u;
    for (var r = li; r < CR; r += threads) {
        let row = rows0 + r;
        if live && row < p.nq {
            let fin = attn_with_sink(rm[r], rsum[r], sink);
            var lse2 = attn_neg_inf();
            if fin.y > 0.0 {
                lse2 = fin.x + log2(fin.y);
            }
            if splitting {
                stats[p.rows_total + split * p.rows_total + orow0 + row] = lse2;
            } else if (p.flags & 1u) != 0u {
                stats[orow0 + row] = lse2 * 0.6931471805599453;
            }
        }
    }
    for (var e = li; e < CR * DV4; e += threads) {
        let r = e / DV4;
        let row = rows0 + r;
        if live && row < p.nq {
            let fin = attn_with_sink(rm[r], rsum[r], sink);
            let inv = select(0.0, fin.z / fin.y, fin.y > 0.0);
            let base = r * ddv + 4u * (e % DV4);
            let val = vec4<f32>(os[base], os[base + 1u], os[base + 2u], os[base + 3u]) * inv;
            let idx = (orow0 + row) * DV4 + e % DV4;
            if splitting {
                part[split * p.rows_total * DV4 + idx] = val;
            } else {
                o[idx] = vec4<Elem>(val);
            }
        }
    }
}

// Vec4 `e` of the staged keys / values.
fn stage_k(e: u32, x: vec4<f16>) {
    kst[4u * e] = x.x;
    kst[4u * e + 1u] = x.y;
    kst[4u * e + 2u] = x.z;
    kst[4u * e + 3u] = x.w;
}

fn stage_v(e: u32, x: vec4<f16>) {
    vst[4u * e] = x.x;
    vst[4u * e + 1u] = x.y;
    vst[4u * e + 2u] = x.z;
    vst[4u * e + 3u] = x.w;
}

// Whether row `rib` of the query block may see key number `idx` of unit `un`.
fn attn_coop_ok(un: Unit, idx: u32, rib: u32) -> bool {
    if !MASKED || un.kind == UNIT_FULL {
        return true;
    }
    if un.kind == UNIT_PARTIAL {
        return ((attn_tile_word(un.aux, rib, idx >> 5u) >> (idx & 31u)) & 1u) != 0u;
    }
    let iv = amask[un.aux + 2u * idx + 1u];
    return rib >= (iv & 0xffffu) && rib < (iv >> 16u);
}
