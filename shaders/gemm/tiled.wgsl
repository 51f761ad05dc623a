// Dense GEMM, plain tiled variant: runs on every adapter (browser limits included).

@group(0) @binding(1) var<storage, read> a: array<Elem>;
@group(0) @binding(2) var<storage, read> b: array<Elem>;
@group(0) @binding(3) var<storage, read_write> c: array<Elem>;
@group(0) @binding(6) var<storage, read> bias: array<Elem>; // EPI_BIAS

fn gemm_a_at(i: u32) -> Elem { return a[i]; }
fn gemm_b_at(i: u32) -> Elem { return b[i]; }
fn gemm_c_at(i: u32) -> Elem { return c[i]; }
fn gemm_c_put(i: u32, v: f32) { c[i] = Elem(v); }
fn gemm_bias_at(i: u32) -> Elem { return bias[i]; }

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    let t = gemm_tile_of(linear_workgroup(wid, nwg), p);
    if t.x >= p.batch {
        return;
    }
    let a_base = t.x * p.stride_a;
    let b_base = t.x * p.stride_b;
    let row0 = t.y * BM;
    let col0 = t.z * BN;
    let threads = WG_X * WG_Y;
    var acc: array<vec4<f32>, MAX_ACC4>;
    for (var k0 = 0u; k0 < p.k; k0 += BK) {
        // Stage op(A)[row0.., k0..] as quads of rows; quad-major order follows A's memory order.
        for (var idx = li; idx < BM * BK / 4u; idx += threads) {
            var r4: u32;
            var kk: u32;
            if TRANS_A {
                kk = idx / (BM / 4u);
                r4 = idx % (BM / 4u);
            } else {
                r4 = idx / BK;
                kk = idx % BK;
            }
            let r = row0 + 4u * r4;
            let k = k0 + kk;
            tile_a4[kk * (BM / 4u) + r4] = vec4<f32>(
                gemm_a(a_base, r, k, p), gemm_a(a_base, r + 1u, k, p),
                gemm_a(a_base, r + 2u, k, p), gemm_a(a_base, r + 3u, k, p));
        }
        for (var idx = li; idx < BK * BN / 4u; idx += threads) {
            var c4: u32;
            var kk: u32;
            if TRANS_B {
                c4 = idx / BK;
                kk = idx % BK;
            } else {
                kk = idx / (BN / 4u);
                c4 = idx % (BN / 4u);
            }
            let col = col0 + 4u * c4;
            let k = k0 + kk;
            tile_b4[kk * (BN / 4u) + c4] = vec4<f32>(
                gemm_b(b_base, k, col, p), gemm_b(b_base, k, col + 1u, p),
                gemm_b(b_base, k, col + 2u, p), gemm_b(b_base, k, col + 3u, p));
        }
        workgroupBarrier();
        tile_mma4(&acc, lid.x, select(lid.y, 0u, WG_Y == 1u), BK);
        workgroupBarrier();
    }
    let c_base = t.x * p.stride_c;
    let row = row0 + lid.y * TM;
    let col = col0 + 4u * lid.x;
    // A copy indexed at run time (the stores run once per block, so its cost is small there),
    // leaving `acc` itself indexed by literals only.
    let out = acc;
    let qb = TN / 4u;
    for (var i = 0u; i < TM; i++) {
        for (var q = 0u; q < qb; q++) {
            store_quad(out[i * qb + q], c_base, row + i, col + 4u * WG_X * q);
        }
    }
}

fn store_quad(v: vec4<f32>, c_base: u32, row: u32, col: u32) {
    gemm_store(c_base, row, col, v.x, p);
    gemm_store(c_base, row, col + 1u, v.y, p);
    gemm_store(c_base, row, col + 2u, v.z, p);
    gemm_store(c_base, row, col + 3u, v.w, p);
}
