// N:M sparse GEMM, subgroup variant: only the kept multiply-adds, reading only the compressed
// values and metadata of A_s. Includes: grid, nm_sparse.
//
// Each invocation owns R rows of A_s (rows row0 + r·WG + li) and the workgroup's tile of 4·TQ
// output columns. K advances in chunks of 32: every lane of an aligned group of 8 lanes loads the
// op(B) values of 4 consecutive k for all the tile's columns (vec4 loads where aligned), then the
// 8 blocks of 4 k are broadcast lane by lane (subgroupBroadcast with constant lanes on 8-wide
// subgroups, subgroupShuffle inside the group of 8 elsewhere). Each row's kept values pick their
// operand from the broadcast block by their own in-group index — selects in registers, no memory
// access — and do one FMA per 4 columns, so op(B) is loaded once per 8·R rows and A_s is read
// once, compressed: a vec4 of kept values per group (N divides 4) and one metadata word per
// PW kept values.
//
// Every function-scope array is indexed only by r, q and constants, in loops small enough for
// drivers to unroll (an array indexed dynamically leaves registers on CPU drivers).
//
// Host guarantees: M ∈ {2, 4, 8, 16}, N ∈ {1, 2, 4}, WG a multiple of the subgroup size,
// subgroups of at least 8 lanes, R ≤ MAX_R, TQ ≤ MAX_TQ, MWC ≤ MAX_W.

override WG: u32 = 64u;
override R: u32 = 4u;       // rows per invocation
override TQ: u32 = 4u;      // column quads per workgroup (4·TQ columns)
override KPC: u32 = 16u;    // kept values per 32-k chunk, 32·N/M
override MWC: u32 = 1u;     // metadata words loaded per chunk and row
override SG8: bool = true;  // subgroups are exactly 8 wide

const MAX_R: u32 = 4u;
const MAX_TQ: u32 = 4u;
const MAX_W: u32 = 8u;

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
fn nm_row_idx(words: ptr<function, array<u32, 32>>, r: u32, c: u32, jr: u32) -> u32 {
    let wi = jr / PW - (c * KPC) / PW;
    var w = (*words)[r * MAX_W];
    for (var i = 1u; i < MWC; i++) {
        w = select(w, (*words)[r * MAX_W + i], wi == i);
    }
    return nm_idx(w, jr);
}

// Every row's vec4 of values that holds row-relative kept index jr.
fn nm_fetch(jr: u32, vrows: ptr<function, array<u32, 4>>, cur: ptr<function, array<vec4<f32>, 4>>) {
    for (var r = 0u; r < R; r++) {
        (*cur)[r] = vec4<f32>(values[(*vrows)[r] + min(jr / 4u, p.kc4 - 1u)]);
    }
}

// acc[r][q] += v · bx[base + 4q + m] for every column quad q, where m ∈ lo .. lo + cnt - 1:
// canonical metadata (strictly increasing indices) puts kept slot n of a group in n ..= M - N + n,
// so 2:4 needs two selects per operand, 1:2 one.
fn nm_madd(
    r: u32,
    v: f32,
    m: u32,
    lo: u32,
    cnt: u32,
    base: u32,
    bx: ptr<function, array<vec4<f32>, 64>>,
    acc: ptr<function, array<vec4<f32>, 16>>,
) {
    let vv = vec4<f32>(v);
    for (var q = 0u; q < TQ; q++) {
        let i = base + 4u * q + lo;
        var x = (*bx)[i];
        for (var t = 1u; t < cnt; t++) {
            x = select(x, (*bx)[i + t], m == lo + t);
        }
        (*acc)[r * MAX_TQ + q] = fma(vv, x, (*acc)[r * MAX_TQ + q]);
    }
}

// Block j of chunk c (k = 32c + 4j .. +3). bx holds, for the last M/4 blocks (M ≥ 8) or this
// block (M ≤ 4), bx[16·b + 4q + m] = op(B)[k of block b + m][col0 + 4q .. +3].
fn nm_block(
    j: u32,
    c: u32,
    bx: ptr<function, array<vec4<f32>, 64>>,
    vrows: ptr<function, array<u32, 4>>,
    cur: ptr<function, array<vec4<f32>, 4>>,
    words: ptr<function, array<u32, 32>>,
    acc: ptr<function, array<vec4<f32>, 16>>,
) {
    if MG <= 4u {
        // 4N/M (1, 2 or 4) kept values of whole groups, inside one vec4 of values.
        let kpb = 4u * NK / MG;
        let a = c * KPC + j * kpb;
        if (j * kpb) % 4u == 0u {
            nm_fetch(a, vrows, cur);
        }
        for (var jj = 0u; jj < kpb; jj++) {
            let jr = a + jj;
            let s = jj / NK;
            let n = jj % NK;
            for (var r = 0u; r < R; r++) {
                let m = s * MG + nm_row_idx(words, r, c, jr);
                nm_madd(r, select(0.0, (*cur)[r][jr % 4u], jr < p.kc), m, s * MG + n, MG - NK + 1u, 0u, bx, acc);
            }
        }
    } else {
        // M = 8 or 16: a group spans M/4 blocks; it is done in its last block, picking each
        // kept value's operand across the group's broadcast blocks.
        let nb = max(MG / 4u, 1u);
        if j % nb == nb - 1u {
            let a = c * KPC + (j / nb) * NK;
            nm_fetch(a, vrows, cur);
            for (var n = 0u; n < NK; n++) {
                let jr = a + n;
                for (var r = 0u; r < R; r++) {
                    let idx = nm_row_idx(words, r, c, jr);
                    let blk = idx >> 2u;
                    let m = idx & 3u;
                    let v = select(0.0, (*cur)[r][jr % 4u], jr < p.kc);
                    let c1 = m == 1u;
                    let c2 = m >= 2u;
                    let c3 = m == 3u;
                    let vv = vec4<f32>(v);
                    for (var q = 0u; q < TQ; q++) {
                        var x = vec4<f32>(0.0);
                        for (var b = 0u; b < nb; b++) {
                            let i = 16u * b + 4u * q;
                            let xb = select(select((*bx)[i], (*bx)[i + 1u], c1), select((*bx)[i + 2u], (*bx)[i + 3u], c3), c2);
                            x = select(x, xb, blk == b);
                        }
                        (*acc)[r * MAX_TQ + q] = fma(vv, x, (*acc)[r * MAX_TQ + q]);
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
    bx: ptr<function, array<vec4<f32>, 64>>,
    vrows: ptr<function, array<u32, 4>>,
    cur: ptr<function, array<vec4<f32>, 4>>,
    words: ptr<function, array<u32, 32>>,
    acc: ptr<function, array<vec4<f32>, 16>>,
) {
    let slot = 16u * (j % max(MG / 4u, 1u));
    for (var i = 0u; i < 4u * TQ; i++) {
        (*bx)[slot + i] = nm_bcast((*xr)[i], j, gbase);
    }
    nm_block(j, c, bx, vrows, cur, words, acc);
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
    var acc: array<vec4<f32>, 16>;
    var cur: array<vec4<f32>, 4>;
    var words: array<u32, 32>;
    var vrows: array<u32, 4>;
    var mrows: array<u32, 4>;
    var xr: array<vec4<f32>, 16>;
    var bx: array<vec4<f32>, 64>;
    for (var r = 0u; r < R; r++) {
        let row = min(row0 + r * WG + li, p.rows - 1u);
        vrows[r] = v_base + row * p.kc4;
        mrows[r] = m_base + row * p.mw;
    }
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
        // The metadata words that index this chunk's kept values, for every row.
        let w0 = (c * KPC) / PW;
        for (var r = 0u; r < R; r++) {
            for (var w = 0u; w < MWC; w++) {
                words[r * MAX_W + w] = nm_meta[mrows[r] + min(w0 + w, p.mw - 1u)];
            }
        }
        nm_step(0u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(1u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(2u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(3u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(4u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(5u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(6u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(7u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
    }
    let c_base = bt * p.stride_c;
    // A copy for the store loop, which is too big to unroll: dynamic indices into `acc` itself
    // would move it out of registers for the whole kernel.
    var fin = acc;
    for (var r = 0u; r < R; r++) {
        let row = row0 + r * WG + li;
        for (var q = 0u; q < TQ; q++) {
            let a = fin[r * MAX_TQ + q];
            for (var e = 0u; e < 4u; e++) {
                nm_store(c_base, row, col0 + 4u * q + e, a[e]);
            }
        }
    }
}
