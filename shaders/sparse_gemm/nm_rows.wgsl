// Register-blocked rows kernel of the N:M sparse GEMM, shared by shaders/sparse_gemm/rows_sg.wgsl
// (op(B) blocks broadcast through subgroups) and shaders/sparse_gemm/rows_blk.wgsl (op(B) blocks read
// from workgroup memory). Needs nm_sparse.
//
// Each invocation owns R rows of A_s (rows row0 + r·WG + li) and the workgroup's tile of 4·TQ
// output columns. K advances in chunks of 32 columns = 8 blocks of 4. For each block the kernel
// has bx[16·b + 4q + m] = op(B)[k0 + 4·(block) + m][col0 + 4q .. +3] in registers (the last M/4
// blocks for M ≥ 8); each row's kept values pick their operand from it by their own in-group
// index — selects in registers, no memory access — and do one FMA per 4 columns. A_s is read
// once per column tile, compressed: a vec4 of kept values per group (N divides 4) and one
// metadata word per PW kept values.
//
// Every function-scope array is indexed only by r, q and constants, in loops small enough for
// drivers to unroll (an array indexed dynamically leaves registers on CPU drivers).
//
// Host guarantees: M ∈ {2, 4, 8, 16}, N ∈ {1, 2, 4}, R ≤ MAX_R, TQ ≤ MAX_TQ, MWC ≤ MAX_W.

override WG: u32 = 64u;
override R: u32 = 4u;       // rows per invocation
override TQ: u32 = 4u;      // column quads per workgroup (4·TQ columns)
override KPC: u32 = 16u;    // kept values per 32-k chunk, 32·N/M
override MWC: u32 = 1u;     // metadata words loaded per chunk and row

const MAX_R: u32 = 4u;
const MAX_TQ: u32 = 4u;
const MAX_W: u32 = 8u;

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
        (*cur)[r] = nm_value4((*vrows)[r] + min(jr / 4u, p.kc4 - 1u));
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

// Loads, for every row, the metadata words that index chunk c's kept values.
fn nm_load_words(c: u32, mrows: ptr<function, array<u32, 4>>, words: ptr<function, array<u32, 32>>) {
    let w0 = (c * KPC) / PW;
    for (var r = 0u; r < R; r++) {
        for (var w = 0u; w < MWC; w++) {
            (*words)[r * MAX_W + w] = nm_meta[(*mrows)[r] + min(w0 + w, p.mw - 1u)];
        }
    }
}

// Writes every row's accumulators (+ bias). Copies them first: the store loop is too big to
// unroll, and dynamic indices into `acc` itself would move it out of registers everywhere.
fn nm_store_rows(acc: array<vec4<f32>, 16>, c_base: u32, row0: u32, li: u32, col0: u32) {
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
