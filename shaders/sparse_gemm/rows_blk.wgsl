// N:M sparse GEMM, plain block variant (no subgroups; M ∈ {2, 4, 8, 16}, N ∈ {1, 2, 4}): only the
// kept multiply-adds, reading only the compressed values and metadata of A_s.
//
// The workgroup stages op(B) for each 32-column chunk of k in workgroup memory, as
// xs[kk·TQ + q] = op(B)[k0 + kk][col0 + 4q .. +3]; every invocation then reads each block's 4·TQ
// quads once (shared by its R rows) and the rows select their operands in registers. Compared
// with gathering one quad per kept value and row (shaders/sparse_gemm/rows.wgsl), that is R·N·4/M
// times fewer workgroup-memory reads.

var<workgroup> xs: array<vec4<f32>, 128>; // 32 × MAX_TQ

// Block j's op(B) quads from workgroup memory into bx, then block j.
fn nm_step_blk(
    j: u32,
    c: u32,
    bx: ptr<function, array<vec4<f32>, 64>>,
    vrows: ptr<function, array<u32, 4>>,
    cur: ptr<function, array<vec4<f32>, 4>>,
    words: ptr<function, array<u32, 32>>,
    acc: ptr<function, array<vec4<f32>, 16>>,
) {
    let slot = 16u * (j % max(MG / 4u, 1u));
    for (var q = 0u; q < TQ; q++) {
        for (var m = 0u; m < 4u; m++) {
            (*bx)[slot + 4u * q + m] = xs[(4u * j + m) * TQ + q];
        }
    }
    nm_block(j, c, bx, vrows, cur, words, acc);
}

@compute @workgroup_size(WG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    let lin = linear_workgroup(wid, nwg);
    let per_batch = p.tiles_r * p.tiles_c;
    let bt = lin / per_batch;
    if bt >= p.batch {
        return;
    }
    let rem = lin % per_batch;
    let row0 = (rem / p.tiles_c) * WG * R;
    let col0 = (rem % p.tiles_c) * TQ * 4u;
    let v_base = bt * p.stride_v;
    let m_base = bt * p.stride_m;
    let b_base = bt * p.stride_b;
    var acc: array<vec4<f32>, 16>;
    var cur: array<vec4<f32>, 4>;
    var words: array<u32, 32>;
    var vrows: array<u32, 4>;
    var mrows: array<u32, 4>;
    var bx: array<vec4<f32>, 64>;
    for (var r = 0u; r < R; r++) {
        let row = min(row0 + r * WG + li, p.rows - 1u);
        vrows[r] = v_base + row * p.kc4;
        mrows[r] = m_base + row * p.mw;
    }
    let chunks = (p.k + 31u) / 32u;
    for (var c = 0u; c < chunks; c++) {
        let k0 = c * 32u;
        workgroupBarrier();
        if TRANS_B {
            // Contiguous 4-k runs of one column, spread over the quads' components.
            for (var i = li; i < 32u * TQ; i += WG) {
                let kb = i / (4u * TQ);
                let t = i % (4u * TQ);
                let v = nm_x_k4(b_base, k0 + 4u * kb, col0 + t);
                for (var e = 0u; e < 4u; e++) {
                    xs[(4u * kb + e) * TQ + t / 4u][t % 4u] = v[e];
                }
            }
        } else {
            for (var i = li; i < 32u * TQ; i += WG) {
                xs[i] = nm_x_c4(b_base, k0 + i / TQ, col0 + 4u * (i % TQ));
            }
        }
        workgroupBarrier();
        nm_load_words(c, &mrows, &words);
        nm_step_blk(0u, c, &bx, &vrows, &cur, &words, &acc);
        nm_step_blk(1u, c, &bx, &vrows, &cur, &words, &acc);
        nm_step_blk(2u, c, &bx, &vrows, &cur, &words, &acc);
        nm_step_blk(3u, c, &bx, &vrows, &cur, &words, &acc);
        nm_step_blk(4u, c, &bx, &vrows, &cur, &words, &acc);
        nm_step_blk(5u, c, &bx, &vrows, &cur, &words, &acc);
        nm_step_blk(6u, c, &bx, &vrows, &cur, &words, &acc);
        nm_step_blk(7u, c, &bx, &vrows, &cur, &words, &acc);
    }
    nm_store_rows(acc, bt * p.stride_c, row0, li, col0);
}
