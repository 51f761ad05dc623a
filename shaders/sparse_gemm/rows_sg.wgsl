// N:M sparse GEMM, subgroup variant: only the kept multiply-adds, reading only the compressed
// values and metadata of A_s.
//
// The op(B) blocks reach every lane through subgroups: each lane of an aligned group of 8 loads
// the op(B) values of 4 consecutive k for all the tile's columns (vec4 loads where aligned), then
// the 8 blocks are broadcast lane by lane (subgroupBroadcast with constant lanes on 8-wide
// subgroups, subgroupShuffle inside the group of 8 elsewhere), so op(B) is loaded once per 8·R
// rows and no lane reads memory at an address another lane also reads.
//
// Host guarantees (beyond nm_rows'): WG a multiple of the subgroup size, subgroups of at least
// 8 lanes.

override SG8: bool = true;  // subgroups are exactly 8 wide

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
    load_params();
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
        nm_load_words(c, &mrows, &words);
        nm_step(0u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(1u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(2u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(3u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(4u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(5u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(6u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
        nm_step(7u, c, gbase, &xr, &bx, &vrows, &cur, &words, &acc);
    }
    nm_store_rows(acc, bt * p.stride_c, row0, li, col0);
}
