// Dense GEMM, subgroup variant: register blocking with no workgroup memory and no barriers,
// operands shared through subgroup broadcasts. The fast path on CPU rasterisers (lavapipe).
//
// Work split: a workgroup is one subgroup of SG lanes = SG/8 clusters of 8 lanes. A cluster
// owns a block of 8·RQ rows × 32·NT columns of C. Lane l of a cluster
//   - loads, per step of 4 k, one vec4 of op(A) for each of its rows (rows 8r + l): A[row][k..k+3];
//   - loads, per k, one vec4 of B per 32-column chunk t: B[k][32t + 4l .. +3];
//   - keeps the C block transposed: acc[(r·8 + i)·NT + t] = C[row 8r + i][quad 32t + 4l], fed
//     by broadcasting lane i's A values (subgroupBroadcast with a constant lane on 8-wide
//     subgroups, a shuffle inside the cluster elsewhere).
// So every element of the A and B slices is loaded by exactly one lane, once per block.
//
// Transposed operands are read the way they lie, still one vec4 per lane and step (override
// constants TRANS_A / TRANS_B fold the other layout away):
//   - TRANS_A (A stored K×M): lane l loads, for rows 8r..8r+7, the quad along M of storage row
//     k + l/2 at rows 8r + 4(l%2) .. +3; op(A)[8r + i][k + kk] then sits in lane 2kk + i/4,
//     component i%4, and the broadcasts fetch it from there;
//   - TRANS_B (B stored N×K): lane l loads, per chunk t, the four quads along K of its four
//     columns 32t + 4l + j and transposes that 4×4 block in registers.
//
// Why it is written this way: CPU rasterisers execute every load whose address differs per
// invocation lane by lane (~20 instructions per lane and component); a vec4 moves four
// components per lane visit, and each loaded value feeds 8·RQ (B) or 32·NT (A) FMAs. Private
// arrays are indexed by constants only (helpers take literal indices, `if RQ > n` guards fold
// once the overrides are set): a run-time index would move them out of registers. No barrier:
// barriers turn lavapipe shaders into coroutines.
//
// Host guarantees: K % 4 == 0 and N % 4 == 0, and M % 4 == 0 when TRANS_A (vec4 rows, so every
// quad is aligned; C is read and written as vec4s too), SG a multiple of 8 equal to the
// subgroup size, RQ <= 16, NT <= 4, RQ * NT <= 32.

override SG: u32 = 8u;  // subgroup size = workgroup size
override RQ: u32 = 8u;  // rows per lane (8·RQ rows per cluster)
override NT: u32 = 2u;  // 32-column chunks per cluster
override READ_C: bool = true;  // beta != 0: C is read and scaled (else only written)

const MAX_ACC: u32 = 256u;

@group(0) @binding(1) var<storage, read> a: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read_write> c: array<vec4<Elem>>;
@group(0) @binding(6) var<storage, read> bias: array<vec4<Elem>>; // EPI_BIAS

fn gemm_a_at(i: u32) -> Elem { return a[i / 4u][i % 4u]; }
fn gemm_b_at(i: u32) -> Elem { return b[i / 4u][i % 4u]; }
fn gemm_c_at(i: u32) -> Elem { return c[i / 4u][i % 4u]; }
fn gemm_c_put(i: u32, v: f32) { c[i / 4u][i % 4u] = Elem(v); }
fn gemm_bias_at(i: u32) -> Elem { return bias[i / 4u][i % 4u]; }

var<private> acc: array<vec4<f32>, MAX_ACC>; // [(r * 8 + i) * NT + t]
var<private> av: array<vec4<f32>, 16>;       // this lane's A quads, one per row r
var<private> bq: array<vec4<f32>, 16>;       // [kk * 4 + t]: B[k + kk][quad of chunk t]
var<private> g_arow: array<u32, 16>;         // quad index of each of this lane's A quads at k = 0
var<private> g_bcol: array<u32, 4>;          // quad index of this lane's B quad(s) per chunk at k = 0
var<private> g_bias: array<vec4<f32>, 4>;    // EPI_BIAS: the bias of this lane's columns per chunk
var<private> g_lane: u32;                    // lane within the cluster
var<private> g_cl8: u32;                     // first lane of the cluster

// Lane i's value of x within the cluster.
fn bf(x: f32, i: u32) -> f32 {
    if SG == 8u {
        switch i {
            case 0u: { return subgroupBroadcast(x, 0u); }
            case 1u: { return subgroupBroadcast(x, 1u); }
            case 2u: { return subgroupBroadcast(x, 2u); }
            case 3u: { return subgroupBroadcast(x, 3u); }
            case 4u: { return subgroupBroadcast(x, 4u); }
            case 5u: { return subgroupBroadcast(x, 5u); }
            case 6u: { return subgroupBroadcast(x, 6u); }
            default: { return subgroupBroadcast(x, 7u); }
        }
    }
    return subgroupShuffle(x, g_cl8 + i);
}

// acc[o + t] += sum over kk of s_kk · B[k + kk][chunk t]: four FMAs per accumulator visit.
fn fma_t(o: u32, t: u32, s0: vec4<f32>, s1: vec4<f32>, s2: vec4<f32>, s3: vec4<f32>) {
    acc[o + t] = fma(s3, bq[12u + t], fma(s2, bq[8u + t], fma(s1, bq[4u + t], fma(s0, bq[t], acc[o + t]))));
}

// Row 8r + i of the block: lane i's A quad of row r, broadcast, times this lane's B quads.
fn fma_row(r: u32, i: u32) {
    let a4 = av[r];
    var s0: vec4<f32>;
    var s1: vec4<f32>;
    var s2: vec4<f32>;
    var s3: vec4<f32>;
    if TRANS_A {
        // op(A)[8r + i][k + kk] is component i % 4 of lane 2kk + i / 4.
        let x = a4[i % 4u];
        let h = i / 4u;
        s0 = vec4<f32>(bf(x, h));
        s1 = vec4<f32>(bf(x, 2u + h));
        s2 = vec4<f32>(bf(x, 4u + h));
        s3 = vec4<f32>(bf(x, 6u + h));
    } else {
        s0 = vec4<f32>(bf(a4.x, i));
        s1 = vec4<f32>(bf(a4.y, i));
        s2 = vec4<f32>(bf(a4.z, i));
        s3 = vec4<f32>(bf(a4.w, i));
    }
    let o = (r * 8u + i) * NT;
    fma_t(o, 0u, s0, s1, s2, s3);
    if NT > 1u { fma_t(o, 1u, s0, s1, s2, s3); }
    if NT > 2u { fma_t(o, 2u, s0, s1, s2, s3); }
    if NT > 3u { fma_t(o, 3u, s0, s1, s2, s3); }
}

fn step_r(r: u32) {
    fma_row(r, 0u);
    fma_row(r, 1u);
    fma_row(r, 2u);
    fma_row(r, 3u);
    fma_row(r, 4u);
    fma_row(r, 5u);
    fma_row(r, 6u);
    fma_row(r, 7u);
}

// B[k + kk][chunk t quads] for every chunk; `krow` is the quad index of row k + kk.
fn load_b(kk: u32, krow: u32) {
    bq[kk * 4u] = vec4<f32>(b[krow + g_bcol[0]]);
    if NT > 1u { bq[kk * 4u + 1u] = vec4<f32>(b[krow + g_bcol[1]]); }
    if NT > 2u { bq[kk * 4u + 2u] = vec4<f32>(b[krow + g_bcol[2]]); }
    if NT > 3u { bq[kk * 4u + 3u] = vec4<f32>(b[krow + g_bcol[3]]); }
}

// TRANS_B: chunk t's four columns (quads along K at `ko`), transposed into bq[kk * 4 + t].
fn load_bt(t: u32, ko: u32, ldb4: u32) {
    let q0 = vec4<f32>(b[g_bcol[t] + ko]);
    let q1 = vec4<f32>(b[g_bcol[t] + ldb4 + ko]);
    let q2 = vec4<f32>(b[g_bcol[t] + 2u * ldb4 + ko]);
    let q3 = vec4<f32>(b[g_bcol[t] + 3u * ldb4 + ko]);
    bq[t] = vec4<f32>(q0.x, q1.x, q2.x, q3.x);
    bq[4u + t] = vec4<f32>(q0.y, q1.y, q2.y, q3.y);
    bq[8u + t] = vec4<f32>(q0.z, q1.z, q2.z, q3.z);
    bq[12u + t] = vec4<f32>(q0.w, q1.w, q2.w, q3.w);
}

// One step of 4 k: this lane's A and B quads, then every row of the block. `ao` is the quad
// offset of this step in A (kq, or 4·kq rows of A when TRANS_A).
fn k_step(kq: u32, ao: u32, ldb4: u32) {
    av[0] = vec4<f32>(a[g_arow[0] + ao]);
    if RQ > 1u { av[1] = vec4<f32>(a[g_arow[1] + ao]); }
    if RQ > 2u { av[2] = vec4<f32>(a[g_arow[2] + ao]); }
    if RQ > 3u { av[3] = vec4<f32>(a[g_arow[3] + ao]); }
    if RQ > 4u { av[4] = vec4<f32>(a[g_arow[4] + ao]); }
    if RQ > 5u { av[5] = vec4<f32>(a[g_arow[5] + ao]); }
    if RQ > 6u { av[6] = vec4<f32>(a[g_arow[6] + ao]); }
    if RQ > 7u { av[7] = vec4<f32>(a[g_arow[7] + ao]); }
    if RQ > 8u { av[8] = vec4<f32>(a[g_arow[8] + ao]); }
    if RQ > 9u { av[9] = vec4<f32>(a[g_arow[9] + ao]); }
    if RQ > 10u { av[10] = vec4<f32>(a[g_arow[10] + ao]); }
    if RQ > 11u { av[11] = vec4<f32>(a[g_arow[11] + ao]); }
    if RQ > 12u { av[12] = vec4<f32>(a[g_arow[12] + ao]); }
    if RQ > 13u { av[13] = vec4<f32>(a[g_arow[13] + ao]); }
    if RQ > 14u { av[14] = vec4<f32>(a[g_arow[14] + ao]); }
    if RQ > 15u { av[15] = vec4<f32>(a[g_arow[15] + ao]); }
    if TRANS_B {
        load_bt(0u, kq, ldb4);
        if NT > 1u { load_bt(1u, kq, ldb4); }
        if NT > 2u { load_bt(2u, kq, ldb4); }
        if NT > 3u { load_bt(3u, kq, ldb4); }
    } else {
        let krow = 4u * kq * ldb4;
        load_b(0u, krow);
        load_b(1u, krow + ldb4);
        load_b(2u, krow + 2u * ldb4);
        load_b(3u, krow + 3u * ldb4);
    }
    step_r(0u);
    if RQ > 1u { step_r(1u); }
    if RQ > 2u { step_r(2u); }
    if RQ > 3u { step_r(3u); }
    if RQ > 4u { step_r(4u); }
    if RQ > 5u { step_r(5u); }
    if RQ > 6u { step_r(6u); }
    if RQ > 7u { step_r(7u); }
    if RQ > 8u { step_r(8u); }
    if RQ > 9u { step_r(9u); }
    if RQ > 10u { step_r(10u); }
    if RQ > 11u { step_r(11u); }
    if RQ > 12u { step_r(12u); }
    if RQ > 13u { step_r(13u); }
    if RQ > 14u { step_r(14u); }
    if RQ > 15u { step_r(15u); }
}

// act(alpha·v + bias) + beta·C on the quad at (row, col..col+3) of chunk t, one vec4 access
// each way. N % 4 == 0 and col % 4 == 0, so a quad is wholly inside C or wholly outside. (Why
// vec4: every memory access with a per-lane address is a loop in lavapipe's code, and the
// driver's compile time grows with their number; scalar stores of a 16×2-chunk block were 2048
// such loops, ~45 s of LLVM. The bias of a lane's columns is loaded once, before the stores.)
fn store_q(v: vec4<f32>, t: u32, c_base: u32, row: u32, col: u32) {
    if row >= p.m || col >= p.n {
        return;
    }
    let i = (c_base + row * p.ldc + col) / 4u;
    var o = p.alpha * v;
    if EPI_BIAS {
        o += g_bias[t];
    }
    o = gemm_act4(o);
    if READ_C {
        o += p.beta * vec4<f32>(c[i]);
    }
    c[i] = vec4<Elem>(o);
}

fn store_row(r: u32, i: u32, c_base: u32, row0: u32, col0: u32) {
    let row = row0 + r * 8u + i;
    let o = (r * 8u + i) * NT;
    let col = col0 + 4u * g_lane;
    store_q(acc[o], 0u, c_base, row, col);
    if NT > 1u { store_q(acc[o + 1u], 1u, c_base, row, col + 32u); }
    if NT > 2u { store_q(acc[o + 2u], 2u, c_base, row, col + 64u); }
    if NT > 3u { store_q(acc[o + 3u], 3u, c_base, row, col + 96u); }
}

fn store_r(r: u32, c_base: u32, row0: u32, col0: u32) {
    store_row(r, 0u, c_base, row0, col0);
    store_row(r, 1u, c_base, row0, col0);
    store_row(r, 2u, c_base, row0, col0);
    store_row(r, 3u, c_base, row0, col0);
    store_row(r, 4u, c_base, row0, col0);
    store_row(r, 5u, c_base, row0, col0);
    store_row(r, 6u, c_base, row0, col0);
    store_row(r, 7u, c_base, row0, col0);
}

// One-dimensional workgroup: subgroup builtins are only defined for those.
@compute @workgroup_size(SG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(subgroup_invocation_id) lane: u32,
) {
    load_params();
    let t = gemm_tile_of(linear_workgroup(wid, nwg), p);
    // Whole workgroups leave together, so subgroups stay complete for the broadcasts.
    if t.x >= p.batch {
        return;
    }
    g_lane = lane % 8u;
    g_cl8 = lane - g_lane;
    let row0 = t.y * (SG * RQ) + g_cl8 * RQ;
    let col0 = t.z * (32u * NT);
    let a_base4 = t.x * p.stride_a / 4u;
    let b_base4 = t.x * p.stride_b / 4u;
    let lda4 = p.lda / 4u;
    let ldb4 = p.ldb / 4u;
    // Rows and columns past the end are clamped for loads (their results are not stored).
    if TRANS_A {
        // Storage row l/2 (k offset), quad along M at rows 8r + 4(l%2): M % 4 == 0, so a quad
        // clamped to the last one stays aligned.
        let arow = a_base4 + (g_lane / 2u) * lda4;
        let am4 = p.m / 4u - 1u;
        let m4 = row0 / 4u + g_lane % 2u;
        g_arow[0] = arow + min(m4 + 0u, am4);
        g_arow[1] = arow + min(m4 + 2u, am4);
        g_arow[2] = arow + min(m4 + 4u, am4);
        g_arow[3] = arow + min(m4 + 6u, am4);
        g_arow[4] = arow + min(m4 + 8u, am4);
        g_arow[5] = arow + min(m4 + 10u, am4);
        g_arow[6] = arow + min(m4 + 12u, am4);
        g_arow[7] = arow + min(m4 + 14u, am4);
        g_arow[8] = arow + min(m4 + 16u, am4);
        g_arow[9] = arow + min(m4 + 18u, am4);
        g_arow[10] = arow + min(m4 + 20u, am4);
        g_arow[11] = arow + min(m4 + 22u, am4);
        g_arow[12] = arow + min(m4 + 24u, am4);
        g_arow[13] = arow + min(m4 + 26u, am4);
        g_arow[14] = arow + min(m4 + 28u, am4);
        g_arow[15] = arow + min(m4 + 30u, am4);
    } else {
        let am = p.m - 1u;
        g_arow[0] = a_base4 + min(row0 + 0u + g_lane, am) * lda4;
        g_arow[1] = a_base4 + min(row0 + 8u + g_lane, am) * lda4;
        g_arow[2] = a_base4 + min(row0 + 16u + g_lane, am) * lda4;
        g_arow[3] = a_base4 + min(row0 + 24u + g_lane, am) * lda4;
        g_arow[4] = a_base4 + min(row0 + 32u + g_lane, am) * lda4;
        g_arow[5] = a_base4 + min(row0 + 40u + g_lane, am) * lda4;
        g_arow[6] = a_base4 + min(row0 + 48u + g_lane, am) * lda4;
        g_arow[7] = a_base4 + min(row0 + 56u + g_lane, am) * lda4;
        g_arow[8] = a_base4 + min(row0 + 64u + g_lane, am) * lda4;
        g_arow[9] = a_base4 + min(row0 + 72u + g_lane, am) * lda4;
        g_arow[10] = a_base4 + min(row0 + 80u + g_lane, am) * lda4;
        g_arow[11] = a_base4 + min(row0 + 88u + g_lane, am) * lda4;
        g_arow[12] = a_base4 + min(row0 + 96u + g_lane, am) * lda4;
        g_arow[13] = a_base4 + min(row0 + 104u + g_lane, am) * lda4;
        g_arow[14] = a_base4 + min(row0 + 112u + g_lane, am) * lda4;
        g_arow[15] = a_base4 + min(row0 + 120u + g_lane, am) * lda4;
    }
    let bq0 = col0 / 4u + g_lane;
    if TRANS_B {
        // Column quad start 4·(quad), clamped to the last quad (N % 4 == 0); rows of B are K long.
        let bn = p.n / 4u - 1u;
        g_bcol[0] = b_base4 + 4u * min(bq0, bn) * ldb4;
        g_bcol[1] = b_base4 + 4u * min(bq0 + 8u, bn) * ldb4;
        g_bcol[2] = b_base4 + 4u * min(bq0 + 16u, bn) * ldb4;
        g_bcol[3] = b_base4 + 4u * min(bq0 + 24u, bn) * ldb4;
    } else {
        let bn = p.n / 4u - 1u;
        g_bcol[0] = b_base4 + min(bq0, bn);
        g_bcol[1] = b_base4 + min(bq0 + 8u, bn);
        g_bcol[2] = b_base4 + min(bq0 + 16u, bn);
        g_bcol[3] = b_base4 + min(bq0 + 24u, bn);
    }
    let k4 = p.k / 4u;
    // A step of 4 k moves one quad along a row of A, or four rows down a stored-transposed A.
    let astep = select(1u, 4u * lda4, TRANS_A);
    for (var kq = 0u; kq < k4; kq++) {
        k_step(kq, kq * astep, ldb4);
    }
    let c_base = t.x * p.stride_c;
    if EPI_BIAS {
        // Bias quads of this lane's columns (clamped like B's; past-the-end ones are not stored).
        let bn4 = p.n / 4u - 1u;
        g_bias[0] = vec4<f32>(bias[min(bq0, bn4)]);
        if NT > 1u { g_bias[1] = vec4<f32>(bias[min(bq0 + 8u, bn4)]); }
        if NT > 2u { g_bias[2] = vec4<f32>(bias[min(bq0 + 16u, bn4)]); }
        if NT > 3u { g_bias[3] = vec4<f32>(bias[min(bq0 + 24u, bn4)]); }
    }
    store_r(0u, c_base, row0, col0);
    if RQ > 1u { store_r(1u, c_base, row0, col0); }
    if RQ > 2u { store_r(2u, c_base, row0, col0); }
    if RQ > 3u { store_r(3u, c_base, row0, col0); }
    if RQ > 4u { store_r(4u, c_base, row0, col0); }
    if RQ > 5u { store_r(5u, c_base, row0, col0); }
    if RQ > 6u { store_r(6u, c_base, row0, col0); }
    if RQ > 7u { store_r(7u, c_base, row0, col0); }
    if RQ > 8u { store_r(8u, c_base, row0, col0); }
    if RQ > 9u { store_r(9u, c_base, row0, col0); }
    if RQ > 10u { store_r(10u, c_base, row0, col0); }
    if RQ > 11u { store_r(11u, c_base, row0, col0); }
    if RQ > 12u { store_r(12u, c_base, row0, col0); }
    if RQ > 13u { store_r(13u, c_base, row0, col0); }
    if RQ > 14u { store_r(14u, c_base, row0, col0); }
    if RQ > 15u { store_r(15u, c_base, row0, col0); }
}
