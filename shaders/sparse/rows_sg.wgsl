// N:M sparse GEMM, subgroup variant: only the kept multiply-adds, reading only the compressed
// values and metadata of A_s. Includes: grid, nm_sparse.
//
// Each invocation owns R rows of A_s (rows row0 + r·WG + li) and a tile of 4·TQ output columns
// shared by the workgroup. K advances in chunks of 32: every lane of an 8-lane group loads the
// op(B) values of 4 consecutive k (for all the tile's columns) with vec4 loads, then the 8 blocks
// of 4 k are broadcast lane by lane (subgroupBroadcast with constant lanes on 8-wide subgroups,
// subgroupShuffle within aligned groups of 8 elsewhere). Each row's kept values pick their
// operand from the broadcast block by their own in-group index (selects, no memory access), so
// per kept value the lane does one select tree and one FMA per 4 columns, and op(B) is loaded
// once per 8·R rows. Values arrive as vec4s of the row's compressed stream.
//
// Host guarantees: M divides 32, KPC = 32·N/M is a multiple of 4, WG is a multiple of the
// subgroup size, subgroups are at least 8 wide, R ≤ MAX_R, TQ ≤ MAX_TQ, VPC ≤ MAX_V,
// MWC ≤ MAX_W, and for M ≥ 8: R·N·TQ ≤ MAX_SEL.

override WG: u32 = 64u;
override R: u32 = 4u;       // rows per invocation
override TQ: u32 = 4u;      // column quads per workgroup (4·TQ columns)
override KPC: u32 = 16u;    // kept values per 32-k chunk, 32·N/M
override VPC: u32 = 4u;     // value vec4s per chunk and row, KPC / 4
override MWC: u32 = 1u;     // metadata words loaded per chunk and row
override SG8: bool = true;  // subgroups are exactly 8 wide

const MAX_R: u32 = 8u;
const MAX_TQ: u32 = 4u;
const MAX_V: u32 = 8u;
const MAX_W: u32 = 8u;
const MAX_SEL: u32 = 64u;

// Lane j's value of the caller's aligned group of 8 lanes.
fn nm_bcast(v: vec4<f32>, j: u32, gbase: u32) -> vec4<f32> {
    if !SG8 {
        return subgroupShuffle(v, gbase + j);
    }
    switch j {
        case 0u: { return subgroupBroadcast(v, 0u); }
        case 1u: { return subgroupBroadcast(v, 1u); }
        case 2u: { return subgroupBroadcast(v, 2u); }
        case 3u: { return subgroupBroadcast(v, 3u); }
        case 4u: { return subgroupBroadcast(v, 4u); }
        case 5u: { return subgroupBroadcast(v, 5u); }
        case 6u: { return subgroupBroadcast(v, 6u); }
        default: { return subgroupBroadcast(v, 7u); }
    }
}

// In-group index of row r's kept value jr (row-relative) in chunk c, from the chunk's words.
fn nm_row_idx(words: ptr<function, array<u32, 64>>, r: u32, c: u32, jr: u32) -> u32 {
    let wi = jr / PW - (c * KPC) / PW;
    var w = (*words)[r * MAX_W];
    for (var i = 1u; i < MWC; i++) {
        w = select(w, (*words)[r * MAX_W + i], wi == i);
    }
    return nm_idx(w, jr);
}

// Block j of chunk c: k = 32·c + 4j .. +3, whose op(B) values for column quad q are
// bx[4q + m] = op(B)[32c + 4j + m][col0 + 4q .. +3].
fn nm_block(
    j: u32,
    c: u32,
    bx: ptr<function, array<vec4<f32>, 16>>,
    vals: ptr<function, array<vec4<f32>, 64>>,
    words: ptr<function, array<u32, 64>>,
    sel: ptr<function, array<vec4<f32>, 64>>,
    acc: ptr<function, array<vec4<f32>, 32>>,
) {
    if MG <= 4u {
        // The block holds 4/M whole groups.
        for (var s = 0u; s < 4u / MG; s++) {
            let g = (4u * j) / MG + s;
            for (var n = 0u; n < NK; n++) {
                let jj = g * NK + n;
                let jr = c * KPC + jj;
                for (var r = 0u; r < R; r++) {
                    let v = select(0.0, (*vals)[r * MAX_V + jj / 4u][jj % 4u], jr < p.kc);
                    let m = s * MG + nm_row_idx(words, r, c, jr);
                    let vv = vec4<f32>(v);
                    for (var q = 0u; q < TQ; q++) {
                        let x = nm_pick4((*bx)[4u * q], (*bx)[4u * q + 1u], (*bx)[4u * q + 2u], (*bx)[4u * q + 3u], m);
                        (*acc)[r * MAX_TQ + q] = fma(vv, x, (*acc)[r * MAX_TQ + q]);
                    }
                }
            }
        }
    } else {
        // The block is part `part` of group g (M = 8 or 16): every kept value selects its
        // operand across the group's blocks, and multiplies once, in the group's last block.
        let g = (4u * j) / MG;
        let part = ((4u * j) % MG) / 4u;
        for (var n = 0u; n < NK; n++) {
            let jj = g * NK + n;
            let jr = c * KPC + jj;
            for (var r = 0u; r < R; r++) {
                let idx = nm_row_idx(words, r, c, jr);
                let hit = (idx >> 2u) == part;
                for (var q = 0u; q < TQ; q++) {
                    let si = (r * NK + n) * TQ + q;
                    let x = nm_pick4((*bx)[4u * q], (*bx)[4u * q + 1u], (*bx)[4u * q + 2u], (*bx)[4u * q + 3u], idx & 3u);
                    var s = (*sel)[si];
                    if part == 0u {
                        s = vec4<f32>(0.0);
                    }
                    s = select(s, x, hit);
                    (*sel)[si] = s;
                    if part == MG / 4u - 1u {
                        let v = select(0.0, (*vals)[r * MAX_V + jj / 4u][jj % 4u], jr < p.kc);
                        (*acc)[r * MAX_TQ + q] = fma(vec4<f32>(v), s, (*acc)[r * MAX_TQ + q]);
                    }
                }
            }
        }
    }
}

// Broadcasts lane j's op(B) block to the whole group of 8 and runs block j.
fn nm_step(
    j: u32,
    c: u32,
    gbase: u32,
    xr: ptr<function, array<vec4<f32>, 16>>,
    bx: ptr<function, array<vec4<f32>, 16>>,
    vals: ptr<function, array<vec4<f32>, 64>>,
    words: ptr<function, array<u32, 64>>,
    sel: ptr<function, array<vec4<f32>, 64>>,
    acc: ptr<function, array<vec4<f32>, 32>>,
) {
    for (var i = 0u; i < 4u * TQ; i++) {
        (*bx)[i] = nm_bcast((*xr)[i], j, gbase);
    }
    nm_block(j, c, bx, vals, words, sel, acc);
}

// One-dimensional workgroup: subgroup builtins are only defined for those.
@compute @workgroup_size(WG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
    @builtin(subgroup_invocation_id) sl: u32,
) {
    let lin = linear_workgroup(wid, nwg);
    let per_batch = p.tiles_r * p.tiles_c;
    let bt = lin / per_batch;
    // Whole workgroups leave together, so subgroups stay complete for the broadcasts.
    if bt >= p.batch {
        return;
    }
    let rem = lin % per_batch;
    let row0 = (rem / p.tiles_c) * WG * R;
    let col0 = (rem % p.tiles_c) * TQ * 4u;
    let lane8 = sl & 7u;
    let gbase = sl & ~7u;
    let v_base = bt * p.stride_v;
    let m_base = bt * p.stride_m;
    let b_base = bt * p.stride_b;
    var acc: array<vec4<f32>, 32>;
    var vals: array<vec4<f32>, 64>;
    var words: array<u32, 64>;
    var sel: array<vec4<f32>, 64>;
    var xr: array<vec4<f32>, 16>;
    var bx: array<vec4<f32>, 16>;
    let chunks = (p.k + 31u) / 32u;
    for (var c = 0u; c < chunks; c++) {
        // This lane's block of op(B): k = 32c + 4·lane8 .. +3, every column of the tile.
        let kq = c * 32u + 4u * lane8;
        for (var q = 0u; q < TQ; q++) {
            let cq = col0 + 4u * q;
            if TRANS_B {
                var t: array<vec4<f32>, 4>;
                for (var e = 0u; e < 4u; e++) {
                    t[e] = vec4<f32>(0.0);
                    if cq + e < p.cols {
                        t[e] = nm_x_k4(b_base, kq, cq + e);
                    }
                }
                for (var m = 0u; m < 4u; m++) {
                    xr[4u * q + m] = vec4<f32>(t[0][m], t[1][m], t[2][m], t[3][m]);
                }
            } else {
                for (var m = 0u; m < 4u; m++) {
                    xr[4u * q + m] = nm_x_c4(b_base, kq + m, cq);
                }
            }
        }
        // This lane's rows: the chunk's kept values and the metadata words that index them.
        let w0 = (c * KPC) / PW;
        for (var r = 0u; r < R; r++) {
            let row = min(row0 + r * WG + li, p.rows - 1u);
            let vrow = v_base + row * p.kc4;
            for (var q = 0u; q < VPC; q++) {
                vals[r * MAX_V + q] = vec4<f32>(values[vrow + min(c * VPC + q, p.kc4 - 1u)]);
            }
            let mrow = m_base + row * p.mw;
            for (var w = 0u; w < MWC; w++) {
                words[r * MAX_W + w] = nm_meta[mrow + min(w0 + w, p.mw - 1u)];
            }
        }
        nm_step(0u, c, gbase, &xr, &bx, &vals, &words, &sel, &acc);
        nm_step(1u, c, gbase, &xr, &bx, &vals, &words, &sel, &acc);
        nm_step(2u, c, gbase, &xr, &bx, &vals, &words, &sel, &acc);
        nm_step(3u, c, gbase, &xr, &bx, &vals, &words, &sel, &acc);
        nm_step(4u, c, gbase, &xr, &bx, &vals, &words, &sel, &acc);
        nm_step(5u, c, gbase, &xr, &bx, &vals, &words, &sel, &acc);
        nm_step(6u, c, gbase, &xr, &bx, &vals, &words, &sel, &acc);
        nm_step(7u, c, gbase, &xr, &bx, &vals, &words, &sel, &acc);
    }
    let c_base = bt * p.stride_c;
    for (var r = 0u; r < R; r++) {
        let row = row0 + r * WG + li;
        for (var q = 0u; q < TQ; q++) {
            let a = acc[r * MAX_TQ + q];
            for (var e = 0u; e < 4u; e++) {
                nm_store(c_base, row, col0 + 4u * q + e, a[e]);
            }
        }
    }
}
