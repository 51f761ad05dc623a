// Dense GEMM, plain tiled variant: runs on every adapter (browser limits included).
// Includes: grid, gemm_params, gemm_tile.

@group(0) @binding(0) var<uniform> p: GemmParams;
@group(0) @binding(1) var<storage, read> a: array<Elem>;
@group(0) @binding(2) var<storage, read> b: array<Elem>;
@group(0) @binding(3) var<storage, read_write> c: array<Elem>;

fn gemm_a_at(i: u32) -> Elem { return a[i]; }
fn gemm_b_at(i: u32) -> Elem { return b[i]; }
fn gemm_c_at(i: u32) -> Elem { return c[i]; }
fn gemm_c_put(i: u32, v: f32) { c[i] = Elem(v); }

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    let t = gemm_tile_of(linear_workgroup(wid, nwg), p);
    if t.x >= p.batch {
        return;
    }
    let a_base = t.x * p.stride_a;
    let b_base = t.x * p.stride_b;
    let row0 = t.y * BM;
    let col0 = t.z * BN;
    let threads = WG_X * WG_Y;
    var acc: array<f32, MAX_ACC>;
    for (var k0 = 0u; k0 < p.k; k0 += BK) {
        // Stage op(A)[row0.., k0..] k-major; the index order follows the memory order of A.
        for (var idx = li; idx < BM * BK; idx += threads) {
            var r: u32;
            var kk: u32;
            if TRANS_A {
                kk = idx / BM;
                r = idx % BM;
            } else {
                r = idx / BK;
                kk = idx % BK;
            }
            tile_a[kk * BM + r] = gemm_a(a_base, row0 + r, k0 + kk, p);
        }
        for (var idx = li; idx < BK * BN; idx += threads) {
            var col: u32;
            var kk: u32;
            if TRANS_B {
                col = idx / BK;
                kk = idx % BK;
            } else {
                kk = idx / BN;
                col = idx % BN;
            }
            tile_b[kk * BN + col] = gemm_b(b_base, k0 + kk, col0 + col, p);
        }
        workgroupBarrier();
        tile_mma(&acc, lid.x, lid.y, BK);
        workgroupBarrier();
    }
    let c_base = t.x * p.stride_c;
    for (var i = 0u; i < TM; i++) {
        for (var j = 0u; j < TN; j++) {
            gemm_store(c_base, row0 + lid.y * TM + i, col0 + lid.x + j * WG_X, acc[i * TN + j], p);
        }
    }
}
