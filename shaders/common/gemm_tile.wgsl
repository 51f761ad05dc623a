// Register-blocked workgroup tile of a matrix product, shared by every tiled kernel (dense GEMM,
// sparse GEMM, the matrix FFT's emulated stages).
//
// The workgroup computes a BM x BN block of C, stepping K by BK. A's slice is staged k-major in
// `tile_a[kk * BM + row]`, B's in `tile_b[kk * BN + col]`. Invocation (tx, ty) owns rows
// ty*TM .. ty*TM+TM-1 and columns tx, tx+WG_X, ..., tx+(TN-1)*WG_X: neighbouring invocations
// read neighbouring columns (coalesced on GPUs, one vector load on CPU SIMD lanes) and the A
// values they need are the same for the whole row of invocations (a broadcast).
override BM: u32 = 64u;
override BN: u32 = 64u;
override BK: u32 = 16u;
override TM: u32 = 4u;
override TN: u32 = 4u;
override WG_X: u32 = 16u; // = BN / TN
override WG_Y: u32 = 16u; // = BM / TM

// Upper bound of TM * TN (function-scope arrays need a constant size; loops use TM, TN).
const MAX_ACC: u32 = 64u;
const MAX_T: u32 = 8u;

var<workgroup> tile_a: array<f32, BM * BK>;
var<workgroup> tile_b: array<f32, BK * BN>;

// acc[i * TN + j] += sum_kk tile_a[kk][ty*TM + i] * tile_b[kk][tx + j*WG_X]
fn tile_mma(acc: ptr<function, array<f32, MAX_ACC>>, tx: u32, ty: u32, depth: u32) {
    var a: array<f32, MAX_T>;
    var b: array<f32, MAX_T>;
    for (var kk = 0u; kk < depth; kk++) {
        for (var i = 0u; i < TM; i++) {
            a[i] = tile_a[kk * BM + ty * TM + i];
        }
        for (var j = 0u; j < TN; j++) {
            b[j] = tile_b[kk * BN + tx + j * WG_X];
        }
        for (var i = 0u; i < TM; i++) {
            for (var j = 0u; j < TN; j++) {
                (*acc)[i * TN + j] = fma(a[i], b[j], (*acc)[i * TN + j]);
            }
        }
    }
}
