// Dense GEMM, subgroup variant: B is staged in workgroup memory as in the tiled variant, but
// A never is. Lane l of a subgroup loads op(A)[row][k0 + l] for its rows (one coalesced load per
// row) and the values are passed around with subgroupShuffle, halving workgroup-memory traffic.
// Host guarantees: BK == the adapter's (fixed) subgroup size, and WG_X a multiple of BK so
// that one subgroup shares the same rows (subgroups are runs of consecutive invocations).
// Includes: grid, gemm_params, gemm_tile.

@group(0) @binding(0) var<uniform> p: GemmParams;
@group(0) @binding(1) var<storage, read> a: array<Elem>;
@group(0) @binding(2) var<storage, read> b: array<Elem>;
@group(0) @binding(3) var<storage, read_write> c: array<Elem>;

fn gemm_a_at(i: u32) -> Elem { return a[i]; }
fn gemm_b_at(i: u32) -> Elem { return b[i]; }
fn gemm_c_at(i: u32) -> Elem { return c[i]; }
fn gemm_c_put(i: u32, v: f32) { c[i] = Elem(v); }

// One-dimensional workgroup: subgroup builtins are only defined for those.
@compute @workgroup_size(WG_X * WG_Y, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
    @builtin(subgroup_invocation_id) lane: u32,
) {
    let lid = vec2<u32>(li % WG_X, li / WG_X);
    let t = gemm_tile_of(linear_workgroup(wid, nwg), p);
    // Whole workgroups leave together, so subgroups stay complete for the shuffles.
    if t.x >= p.batch {
        return;
    }
    let a_base = t.x * p.stride_a;
    let b_base = t.x * p.stride_b;
    let row0 = t.y * BM + lid.y * TM;
    let col0 = t.z * BN;
    let threads = WG_X * WG_Y;
    var acc: array<f32, MAX_ACC>;
    var areg: array<f32, MAX_T>;
    var av: array<f32, MAX_T>;
    var bv: array<f32, MAX_T>;
    for (var k0 = 0u; k0 < p.k; k0 += BK) {
        for (var i = 0u; i < TM; i++) {
            areg[i] = gemm_a(a_base, row0 + i, k0 + lane, p);
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
        for (var kk = 0u; kk < BK; kk++) {
            for (var i = 0u; i < TM; i++) {
                av[i] = subgroupShuffle(areg[i], kk);
            }
            for (var j = 0u; j < TN; j++) {
                bv[j] = tile_b[kk * BN + lid.x + j * WG_X];
            }
            for (var i = 0u; i < TM; i++) {
                for (var j = 0u; j < TN; j++) {
                    acc[i * TN + j] = fma(av[i], bv[j], acc[i * TN + j]);
                }
            }
        }
        workgroupBarrier();
    }
    let c_base = t.x * p.stride_c;
    for (var i = 0u; i < TM; i++) {
        for (var j = 0u; j < TN; j++) {
            gemm_store(c_base, row0 + i, col0 + lid.x + j * WG_X, acc[i * TN + j], p);
        }
    }
}
