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
override TM: u32 = 4u;   // multiple of 4, <= 8
override TN: u32 = 4u;   // multiple of 4, <= 8
override WG_X: u32 = 16u; // = BN / TN
override WG_Y: u32 = 16u; // = BM / TM

const MAX_ACC4: u32 = 16u; // TM * TN / 4 at most
const MAX_Q: u32 = 2u;     // TM / 4 or TN / 4 at most

var<workgroup> tile_a4: array<vec4<f32>, BK * BM / 4u>;
var<workgroup> tile_b4: array<vec4<f32>, BK * BN / 4u>;

// acc[i * TN/4 + q] += A[ty*TM + i][kk] * B[kk][quad (tx + q*WG_X)]
fn tile_mma4(acc: ptr<function, array<vec4<f32>, MAX_ACC4>>, tx: u32, ty: u32, depth: u32) {
    let qa = TM / 4u;
    let qb = TN / 4u;
    var a: array<vec4<f32>, MAX_Q>;
    var b: array<vec4<f32>, MAX_Q>;
    for (var kk = 0u; kk < depth; kk++) {
        for (var i = 0u; i < qa; i++) {
            a[i] = tile_a4[kk * (BM / 4u) + ty * qa + i];
        }
        for (var q = 0u; q < qb; q++) {
            b[q] = tile_b4[kk * (BN / 4u) + tx + q * WG_X];
        }
        for (var i = 0u; i < qa; i++) {
            for (var q = 0u; q < qb; q++) {
                let base = (4u * i) * qb + q;
                (*acc)[base] = fma(vec4<f32>(a[i].x), b[q], (*acc)[base]);
                (*acc)[base + qb] = fma(vec4<f32>(a[i].y), b[q], (*acc)[base + qb]);
                (*acc)[base + 2u * qb] = fma(vec4<f32>(a[i].z), b[q], (*acc)[base + 2u * qb]);
                (*acc)[base + 3u * qb] = fma(vec4<f32>(a[i].w), b[q], (*acc)[base + 3u * qb]);
            }
        }
    }
}
