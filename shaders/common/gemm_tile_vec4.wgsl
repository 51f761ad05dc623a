// Register-blocked workgroup tile of a matrix product on vec4 tiles: the fast path of the dense
// tiled GEMM. The workgroup computes a BM x BN block of C stepping K by BK; A's slice is staged
// k-major as vec4s along M (`tile_a4[kk * BM/4 + r/4]` holds rows r..r+3 of column kk), B's as
// vec4s along N (`tile_b4[kk * BN/4 + c/4]`). Invocation (tx, ty) owns rows ty*TM .. +TM-1 and
// the column quads tx, tx + WG_X, ... (TN/4 of them), so each inner step is TM/4 + TN/4 vec4
// loads for TM*TN FMAs. Why vec4: on GPUs it is a 128-bit shared-memory load; on CPU rasterisers
// (lavapipe) per-invocation loads run lane by lane, and a vec4 moves 4x the data per lane step.
override BM: u32 = 64u;
override BN: u32 = 64u;
override BK: u32 = 16u;
override TM: u32 = 4u;   // 4, 8 or 16
override TN: u32 = 4u;   // 4, 8 or 16
override WG_X: u32 = 16u; // = BN / TN
override WG_Y: u32 = 16u; // = BM / TM

const MAX_ACC4: u32 = 64u; // TM * TN / 4 at most

var<workgroup> tile_a4: array<vec4<f32>, BK * BM / 4u>;
var<workgroup> tile_b4: array<vec4<f32>, BK * BN / 4u>;

var<private> tile_av: array<vec4<f32>, 4>; // A quads of this invocation's rows at one kk
var<private> tile_bv: array<vec4<f32>, 4>; // B quads of this invocation's columns at one kk

// acc[(4i + r) * TN/4 + q] += tile_av[i][r] * tile_bv[q] for r = 0..3: rows 4i..4i+3 of the
// micro-tile times column quad q, four FMAs.
fn mma_quad(acc: ptr<function, array<vec4<f32>, MAX_ACC4>>, i: u32, q: u32) {
    let qb = TN / 4u;
    let a = tile_av[i];
    let b = tile_bv[q];
    let base = (4u * i) * qb + q;
    (*acc)[base] = fma(vec4<f32>(a.x), b, (*acc)[base]);
    (*acc)[base + qb] = fma(vec4<f32>(a.y), b, (*acc)[base + qb]);
    (*acc)[base + 2u * qb] = fma(vec4<f32>(a.z), b, (*acc)[base + 2u * qb]);
    (*acc)[base + 3u * qb] = fma(vec4<f32>(a.w), b, (*acc)[base + 3u * qb]);
}

// Rows 4i..4i+3 of the micro-tile against each of its column quads.
fn mma_rows(acc: ptr<function, array<vec4<f32>, MAX_ACC4>>, i: u32) {
    if 4u * i >= TM {
        return;
    }
    mma_quad(acc, i, 0u);
    if TN > 4u {
        mma_quad(acc, i, 1u);
    }
    if TN > 8u {
        mma_quad(acc, i, 2u);
        mma_quad(acc, i, 3u);
    }
}

// acc[i * TN/4 + q] += A[ty*TM + i][kk] * B[kk][quad (tx + q*WG_X)]. Every register index is
// a literal (helpers take literal indices; guards on TM and TN fold once the overrides are
// set): a register array indexed at run time leaves registers on CPU rasterisers, and each
// access becomes a per-lane memory access.
fn tile_mma4(acc: ptr<function, array<vec4<f32>, MAX_ACC4>>, tx: u32, ty: u32, depth: u32) {
    let qa = TM / 4u;
    for (var kk = 0u; kk < depth; kk++) {
        let ar = kk * (BM / 4u) + ty * qa;
        let br = kk * (BN / 4u) + tx;
        tile_av[0] = tile_a4[ar];
        tile_bv[0] = tile_b4[br];
        if TM > 4u {
            tile_av[1] = tile_a4[ar + 1u];
        }
        if TM > 8u {
            tile_av[2] = tile_a4[ar + 2u];
            tile_av[3] = tile_a4[ar + 3u];
        }
        if TN > 4u {
            tile_bv[1] = tile_b4[br + WG_X];
        }
        if TN > 8u {
            tile_bv[2] = tile_b4[br + 2u * WG_X];
            tile_bv[3] = tile_b4[br + 3u * WG_X];
        }
        mma_rows(acc, 0u);
        mma_rows(acc, 1u);
        mma_rows(acc, 2u);
        mma_rows(acc, 3u);
    }
}
