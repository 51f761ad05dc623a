// Dense GEMM, subgroup variant: register blocking with no workgroup memory and no barriers.
// Each subgroup owns RM rows of C (the same for all its lanes: `subgroup_id` is uniform), and
// lane l owns the column quads l, l + SG, ..., l + (RQ-1)*SG. Per step of k, A's RM values are
// uniform loads (one scalar broadcast per row on any hardware: GPU scalar/constant caches,
// CPU rasterisers' uniform-load path) and B's RQ quads are vec4 loads, coalesced across lanes.
// Why no workgroup memory: reuse comes from registers and caches; without barriers CPU
// rasterisers such as lavapipe need no per-barrier coroutine frames, which dominate the tiled
// kernel there. Host guarantees: op(B) not transposed, N % 4 == 0 (B is read as vec4 rows),
// the subgroup size is fixed and equal to SG.
// Includes: grid, gemm_params.

override SG: u32 = 32u;   // subgroup size
override RM: u32 = 4u;    // rows per subgroup, <= MAX_RM
override RQ: u32 = 1u;    // column quads per lane, <= MAX_RQ
override NSG: u32 = 2u;   // subgroups per workgroup (stacked along M)
const MAX_RM: u32 = 8u;
const MAX_RQ: u32 = 2u;

@group(0) @binding(0) var<uniform> p: GemmParams;
@group(0) @binding(1) var<storage, read> a: array<Elem>;
@group(0) @binding(2) var<storage, read> b: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read_write> c: array<Elem>;

fn gemm_a_at(i: u32) -> Elem { return a[i]; }
fn gemm_b_at(i: u32) -> Elem { return b[i / 4u][i % 4u]; }
fn gemm_c_at(i: u32) -> Elem { return c[i]; }
fn gemm_c_put(i: u32, v: f32) { c[i] = Elem(v); }

@compute @workgroup_size(SG * NSG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(subgroup_id) sg: u32,
    @builtin(subgroup_invocation_id) lane: u32,
) {
    let t = gemm_tile_of(linear_workgroup(wid, nwg), p);
    if t.x >= p.batch {
        return;
    }
    let a_base = t.x * p.stride_a;
    let b_base4 = t.x * p.stride_b / 4u;
    let row0 = t.y * (RM * NSG) + sg * RM;
    let col0 = t.z * (SG * RQ * 4u);
    let ldb4 = p.ldb / 4u;
    var acc: array<vec4<f32>, 16>; // MAX_RM * MAX_RQ
    var bq: array<vec4<f32>, MAX_RQ>;
    for (var k = 0u; k < p.k; k++) {
        for (var q = 0u; q < RQ; q++) {
            let col = col0 + 4u * (lane + q * SG);
            if col < p.n {
                bq[q] = vec4<f32>(b[b_base4 + k * ldb4 + col / 4u]);
            } else {
                bq[q] = vec4<f32>();
            }
        }
        for (var i = 0u; i < RM; i++) {
            let av = vec4<f32>(gemm_a(a_base, row0 + i, k, p));
            for (var q = 0u; q < RQ; q++) {
                acc[i * MAX_RQ + q] = fma(av, bq[q], acc[i * MAX_RQ + q]);
            }
        }
    }
    let c_base = t.x * p.stride_c;
    for (var i = 0u; i < RM; i++) {
        for (var q = 0u; q < RQ; q++) {
            let v = acc[i * MAX_RQ + q];
            let col = col0 + 4u * (lane + q * SG);
            gemm_store(c_base, row0 + i, col, v.x, p);
            gemm_store(c_base, row0 + i, col + 1u, v.y, p);
            gemm_store(c_base, row0 + i, col + 2u, v.z, p);
            gemm_store(c_base, row0 + i, col + 3u, v.w, p);
        }
    }
}
