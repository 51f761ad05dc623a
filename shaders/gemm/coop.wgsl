// Dense GEMM on cooperative matrices (tensor cores / matrix units): f16 operands, f32
// accumulation. Works for f32 storage too (inputs rounded to f16: an f16-accuracy variant).

@group(0) @binding(1) var<storage, read> a: array<Elem>;
@group(0) @binding(2) var<storage, read> b: array<Elem>;
@group(0) @binding(3) var<storage, read_write> c: array<Elem>;
@group(0) @binding(6) var<storage, read> bias: array<Elem>; // EPI_BIAS

fn gemm_a_at(i: u32) -> Elem { return a[i]; }
fn gemm_b_at(i: u32) -> Elem { return b[i]; }
fn gemm_c_at(i: u32) -> Elem { return c[i]; }
fn gemm_c_put(i: u32, v: f32) { c[i] = Elem(v); }
fn gemm_bias_at(i: u32) -> Elem { return bias[i]; }

@compute @workgroup_size(SG * SGM * SGN, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    let t = gemm_tile_of(linear_workgroup(wid, nwg), p);
    if t.x >= p.batch {
        return;
    }
    let a_base = t.x * p.stride_a;
    let b_base = t.x * p.stride_b;
    let row0 = t.y * CBM;
    let col0 = t.z * CBN;
    let threads = SG * SGM * SGN;
    let sg = li / SG;
    let sm = sg / SGN;
    let sn = sg % SGN;
    var acc: CoopAcc;
    acc.c00 = CoopC();
    acc.c01 = CoopC();
    acc.c10 = CoopC();
    acc.c11 = CoopC();
    for (var k0 = 0u; k0 < p.k; k0 += CBK) {
        for (var idx = li; idx < CBM * CBK; idx += threads) {
            var r: u32;
            var kk: u32;
            if TRANS_A {
                kk = idx / CBM;
                r = idx % CBM;
            } else {
                r = idx / CBK;
                kk = idx % CBK;
            }
            stage_a[r * CBK + kk] = f16(gemm_a(a_base, row0 + r, k0 + kk, p));
        }
        for (var idx = li; idx < CBK * CBN; idx += threads) {
            var col: u32;
            var kk: u32;
            if TRANS_B {
                col = idx / CBK;
                kk = idx % CBK;
            } else {
                kk = idx / CBN;
                col = idx % CBN;
            }
            stage_b[kk * CBN + col] = f16(gemm_b(b_base, k0 + kk, col0 + col, p));
        }
        workgroupBarrier();
        coop_mma(&acc, sm, sn);
        workgroupBarrier();
    }
    coop_spill(acc, sm, sn);
    workgroupBarrier();
    let c_base = t.x * p.stride_c;
    for (var idx = li; idx < CBM * CBN; idx += threads) {
        gemm_store(c_base, row0 + idx / CBN, col0 + idx % CBN, stage_c[idx], p);
    }
}
