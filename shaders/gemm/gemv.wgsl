// Matrix x vector: the GEMM path for one output column (the host maps a one-row GEMM here too,
// by transposing the problem). Memory-bound: the matrix is read exactly once, coalesced.
// Not transposed: a workgroup of GV_WG invocations owns GV_ROWS rows and strides along them.
// Transposed (A stored k x m): GV_KS slices split k; an invocation owns one output row, or with
// VEC4 (M % 4 == 0, K % 4 == 0) GV_ROWS quads of four adjacent rows, read as vec4s along the
// stored rows of A (four per x quad).

override GV_WG: u32 = 128u;   // invocations per workgroup
override GV_ROWS: u32 = 4u;   // rows per workgroup (not transposed, at most MAX_ROWS), quads
                              // per invocation (transposed, VEC4: at most MAX_TQ)
override GV_KS: u32 = 4u;     // k slices (transposed); GV_WG / GV_KS output rows per workgroup
// Read A and x as vec4 (host sets it when the quads are aligned: K % 4 == 0, and M % 4 == 0
// when A is transposed).
// One vec4 load moves 16 bytes per invocation: GPUs issue 128-bit loads, CPU rasterisers
// (lavapipe), which load per invocation, move 4x the data per step. Each x quad feeds GV_ROWS
// rows, and the rows' accumulators are private values indexed by constants only (a run-time
// index would put them in memory, lane by lane, on CPU rasterisers).
override VEC4: bool = false;
const MAX_ROWS: u32 = 8u;

@group(0) @binding(1) var<storage, read> a: array<Elem>;
@group(0) @binding(2) var<storage, read> b: array<Elem>;
@group(0) @binding(3) var<storage, read_write> c: array<Elem>;
@group(0) @binding(6) var<storage, read> bias: array<Elem>; // EPI_BIAS
// The same buffers as `a` and `b`, viewed as quads (used when VEC4): bindings 4 and 5 and
// `a_quad(i)` / `b_quad(i)` (quad i as f32) come from the helper the shader is built with: the
// storage type's vec4, or 64-bit words on CPU adapters (ops/gemm/shaders.rs).

fn gemm_a_at(i: u32) -> Elem { return a[i]; }
fn gemm_b_at(i: u32) -> Elem { return b[i]; }
fn gemm_c_at(i: u32) -> Elem { return c[i]; }
fn gemm_c_put(i: u32, v: f32) { c[i] = Elem(v); }
fn gemm_bias_at(i: u32) -> Elem { return bias[i]; }

var<workgroup> partial: array<f32, GV_WG * MAX_ROWS>;

// Transposed, VEC4: up to 32 quads per lane, so that a lane-group reads 4 KiB of a stored row
// per visit (at 1 KiB, lavapipe ran Aᵀ·x at 0.7× the speed of A·x; at 4 KiB, 0.9×).
const MAX_TQ: u32 = 32u;
var<private> q_acc: array<vec4<f32>, MAX_TQ>; // VEC4: this invocation's partial row sums
var<private> q_row: array<u32, MAX_TQ>;        // VEC4: quad index of each row of A

// VEC4: row r of the workgroup += A[row][quad q] . x (rows past GV_ROWS fold away).
fn quad_fma(r: u32, q: u32, x: vec4<f32>) {
    if r < GV_ROWS {
        q_acc[r] = fma(a_quad(q_row[r] + q), x, q_acc[r]);
    }
}

// VEC4: row r's quad index (rows past M are clamped: read, never stored).
fn quad_row(r: u32, a_base4: u32, row0: u32, lda4: u32) {
    q_row[r] = a_base4 + min(row0 + r, p.m - 1u) * lda4;
}

// VEC4: row r's partial sum into the reduction slots.
fn quad_spill(r: u32, li: u32) {
    if r < GV_ROWS {
        let v = q_acc[r];
        partial[r * GV_WG + li] = (v.x + v.y) + (v.z + v.w);
    }
}

// TRANS_A && VEC4: quad j's index in row 0 of the stored A (clamped past M: read, never stored).
fn tq_row(j: u32, a_base4: u32, first: u32, quads: u32, m4: u32) {
    if j >= GV_ROWS {
        return;
    }
    q_row[j] = a_base4 + min(first + j * quads, m4 - 1u);
}

// TRANS_A && VEC4: quad j += A[k..k+3][quad] · x quad, `r` the quad offset of stored row k.
fn tq_fma(j: u32, r: u32, lda4: u32, x: vec4<f32>) {
    if j < GV_ROWS {
        let i = q_row[j] + r;
        var s = q_acc[j];
        s = fma(a_quad(i), vec4<f32>(x.x), s);
        s = fma(a_quad(i + lda4), vec4<f32>(x.y), s);
        s = fma(a_quad(i + 2u * lda4), vec4<f32>(x.z), s);
        s = fma(a_quad(i + 3u * lda4), vec4<f32>(x.w), s);
        q_acc[j] = s;
    }
}

// TRANS_A && VEC4: sums quad j over the K slices (through `partial`, one quad at a time) and
// stores its four rows. With one slice (CPU workgroups) there is no barrier at all.
fn tq_store(j: u32, li: u32, first: u32, quads: u32, c_base: u32) {
    if j >= GV_ROWS {
        return;
    }
    var total = q_acc[j];
    if GV_KS > 1u {
        workgroupBarrier();
        partial[4u * li] = total.x;
        partial[4u * li + 1u] = total.y;
        partial[4u * li + 2u] = total.z;
        partial[4u * li + 3u] = total.w;
        workgroupBarrier();
        let q = li % quads;
        total = vec4<f32>(0.0);
        for (var s = 0u; s < GV_KS; s++) {
            let o = 4u * (s * quads + q);
            total += vec4<f32>(partial[o], partial[o + 1u], partial[o + 2u], partial[o + 3u]);
        }
    }
    // Slice 0 stores (every invocation reaches the barriers of the next quad).
    if li < quads {
        let row = 4u * (first + j * quads);
        gemm_store(c_base, row, 0u, total.x, p);
        gemm_store(c_base, row + 1u, 0u, total.y, p);
        gemm_store(c_base, row + 2u, 0u, total.z, p);
        gemm_store(c_base, row + 3u, 0u, total.w, p);
    }
}

fn x_at(b_base: u32, kk: u32) -> f32 {
    if TRANS_B {
        return f32(b[b_base + kk]);
    }
    return f32(b[b_base + kk * p.ldb]);
}

// Tree reduction of partial[slot * GV_WG + 0 .. GV_WG) over `lanes` contiguous entries.
fn reduce_partials(li: u32, rows: u32) {
    for (var s = GV_WG / 2u; s > 0u; s >>= 1u) {
        workgroupBarrier();
        if li < s {
            for (var r = 0u; r < rows; r++) {
                partial[r * GV_WG + li] += partial[r * GV_WG + li + s];
            }
        }
    }
    workgroupBarrier();
}

@compute @workgroup_size(GV_WG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    let lin = linear_workgroup(wid, nwg);
    let per_batch = p.tiles_m;
    let batch = lin / per_batch;
    if batch >= p.batch {
        return;
    }
    let tile = lin % per_batch;
    let a_base = batch * p.stride_a;
    let b_base = batch * p.stride_b;
    let c_base = batch * p.stride_c;
    if TRANS_A && VEC4 {
        // Lane q of slice `slice` owns GV_ROWS quads of rows, `quads` apart (adjacent lanes read
        // adjacent quads): per x quad, four vec4s of each (stored rows k..k+3 of A).
        let quads = GV_WG / GV_KS;
        let q = li % quads;
        let slice = li / quads;
        let first = tile * quads * GV_ROWS + q;
        let m4 = p.m / 4u;
        let a_base4 = a_base / 4u;
        tq_row(0u, a_base4, first, quads, m4);
        tq_row(1u, a_base4, first, quads, m4);
        tq_row(2u, a_base4, first, quads, m4);
        tq_row(3u, a_base4, first, quads, m4);
        tq_row(4u, a_base4, first, quads, m4);
        tq_row(5u, a_base4, first, quads, m4);
        tq_row(6u, a_base4, first, quads, m4);
        tq_row(7u, a_base4, first, quads, m4);
        tq_row(8u, a_base4, first, quads, m4);
        tq_row(9u, a_base4, first, quads, m4);
        tq_row(10u, a_base4, first, quads, m4);
        tq_row(11u, a_base4, first, quads, m4);
        tq_row(12u, a_base4, first, quads, m4);
        tq_row(13u, a_base4, first, quads, m4);
        tq_row(14u, a_base4, first, quads, m4);
        tq_row(15u, a_base4, first, quads, m4);
        tq_row(16u, a_base4, first, quads, m4);
        tq_row(17u, a_base4, first, quads, m4);
        tq_row(18u, a_base4, first, quads, m4);
        tq_row(19u, a_base4, first, quads, m4);
        tq_row(20u, a_base4, first, quads, m4);
        tq_row(21u, a_base4, first, quads, m4);
        tq_row(22u, a_base4, first, quads, m4);
        tq_row(23u, a_base4, first, quads, m4);
        tq_row(24u, a_base4, first, quads, m4);
        tq_row(25u, a_base4, first, quads, m4);
        tq_row(26u, a_base4, first, quads, m4);
        tq_row(27u, a_base4, first, quads, m4);
        tq_row(28u, a_base4, first, quads, m4);
        tq_row(29u, a_base4, first, quads, m4);
        tq_row(30u, a_base4, first, quads, m4);
        tq_row(31u, a_base4, first, quads, m4);
        let k4 = p.k / 4u;
        let chunk = (k4 + GV_KS - 1u) / GV_KS;
        let kq_end = min(k4, (slice + 1u) * chunk);
        let lda4 = p.lda / 4u;
        for (var kq = slice * chunk; kq < kq_end; kq++) {
            let x = b_quad(b_base / 4u + kq);
            let r = 4u * kq * lda4;
            tq_fma(0u, r, lda4, x);
            tq_fma(1u, r, lda4, x);
            tq_fma(2u, r, lda4, x);
            tq_fma(3u, r, lda4, x);
            tq_fma(4u, r, lda4, x);
            tq_fma(5u, r, lda4, x);
            tq_fma(6u, r, lda4, x);
            tq_fma(7u, r, lda4, x);
            tq_fma(8u, r, lda4, x);
            tq_fma(9u, r, lda4, x);
            tq_fma(10u, r, lda4, x);
            tq_fma(11u, r, lda4, x);
            tq_fma(12u, r, lda4, x);
            tq_fma(13u, r, lda4, x);
            tq_fma(14u, r, lda4, x);
            tq_fma(15u, r, lda4, x);
            tq_fma(16u, r, lda4, x);
            tq_fma(17u, r, lda4, x);
            tq_fma(18u, r, lda4, x);
            tq_fma(19u, r, lda4, x);
            tq_fma(20u, r, lda4, x);
            tq_fma(21u, r, lda4, x);
            tq_fma(22u, r, lda4, x);
            tq_fma(23u, r, lda4, x);
            tq_fma(24u, r, lda4, x);
            tq_fma(25u, r, lda4, x);
            tq_fma(26u, r, lda4, x);
            tq_fma(27u, r, lda4, x);
            tq_fma(28u, r, lda4, x);
            tq_fma(29u, r, lda4, x);
            tq_fma(30u, r, lda4, x);
            tq_fma(31u, r, lda4, x);
        }
        tq_store(0u, li, first, quads, c_base);
        tq_store(1u, li, first, quads, c_base);
        tq_store(2u, li, first, quads, c_base);
        tq_store(3u, li, first, quads, c_base);
        tq_store(4u, li, first, quads, c_base);
        tq_store(5u, li, first, quads, c_base);
        tq_store(6u, li, first, quads, c_base);
        tq_store(7u, li, first, quads, c_base);
        tq_store(8u, li, first, quads, c_base);
        tq_store(9u, li, first, quads, c_base);
        tq_store(10u, li, first, quads, c_base);
        tq_store(11u, li, first, quads, c_base);
        tq_store(12u, li, first, quads, c_base);
        tq_store(13u, li, first, quads, c_base);
        tq_store(14u, li, first, quads, c_base);
        tq_store(15u, li, first, quads, c_base);
        tq_store(16u, li, first, quads, c_base);
        tq_store(17u, li, first, quads, c_base);
        tq_store(18u, li, first, quads, c_base);
        tq_store(19u, li, first, quads, c_base);
        tq_store(20u, li, first, quads, c_base);
        tq_store(21u, li, first, quads, c_base);
        tq_store(22u, li, first, quads, c_base);
        tq_store(23u, li, first, quads, c_base);
        tq_store(24u, li, first, quads, c_base);
        tq_store(25u, li, first, quads, c_base);
        tq_store(26u, li, first, quads, c_base);
        tq_store(27u, li, first, quads, c_base);
        tq_store(28u, li, first, quads, c_base);
        tq_store(29u, li, first, quads, c_base);
        tq_store(30u, li, first, quads, c_base);
        tq_store(31u, li, first, quads, c_base);
        return;
    }
    if TRANS_A {
        let rows_per_wg = GV_WG / GV_KS;
        let row = tile * rows_per_wg + li % rows_per_wg;
        let slice = li / rows_per_wg;
        let chunk = (p.k + GV_KS - 1u) / GV_KS;
        let k_end = min(p.k, (slice + 1u) * chunk);
        var s = 0.0;
        if row < p.m {
            for (var kk = slice * chunk; kk < k_end; kk++) {
                s = fma(f32(a[a_base + kk * p.lda + row]), x_at(b_base, kk), s);
            }
        }
        partial[slice * rows_per_wg + li % rows_per_wg] = s;
        workgroupBarrier();
        if slice == 0u {
            var total = 0.0;
            for (var q = 0u; q < GV_KS; q++) {
                total += partial[q * rows_per_wg + li];
            }
            gemm_store(c_base, row, 0u, total, p);
        }
        return;
    }
    let row0 = tile * GV_ROWS;
    if VEC4 {
        // Invocation li takes quads li, li + GV_WG, ... of every row: one x load per GV_ROWS
        // row loads, rows written out (constant indices).
        let a_base4 = a_base / 4u;
        let lda4 = p.lda / 4u;
        quad_row(0u, a_base4, row0, lda4);
        quad_row(1u, a_base4, row0, lda4);
        quad_row(2u, a_base4, row0, lda4);
        quad_row(3u, a_base4, row0, lda4);
        quad_row(4u, a_base4, row0, lda4);
        quad_row(5u, a_base4, row0, lda4);
        quad_row(6u, a_base4, row0, lda4);
        quad_row(7u, a_base4, row0, lda4);
        let k4 = p.k / 4u;
        for (var q = li; q < k4; q += GV_WG) {
            let x = b_quad(b_base / 4u + q);
            quad_fma(0u, q, x);
            quad_fma(1u, q, x);
            quad_fma(2u, q, x);
            quad_fma(3u, q, x);
            quad_fma(4u, q, x);
            quad_fma(5u, q, x);
            quad_fma(6u, q, x);
            quad_fma(7u, q, x);
        }
        quad_spill(0u, li);
        quad_spill(1u, li);
        quad_spill(2u, li);
        quad_spill(3u, li);
        quad_spill(4u, li);
        quad_spill(5u, li);
        quad_spill(6u, li);
        quad_spill(7u, li);
        reduce_partials(li, GV_ROWS);
        if li < GV_ROWS {
            gemm_store(c_base, row0 + li, 0u, partial[li * GV_WG], p);
        }
        return;
    }
    var acc: array<f32, MAX_ROWS>;
    for (var kk = li; kk < p.k; kk += GV_WG) {
        let x = x_at(b_base, kk);
        for (var r = 0u; r < GV_ROWS; r++) {
            let row = min(row0 + r, p.m - 1u);
            acc[r] = fma(f32(a[a_base + row * p.lda + kk]), x, acc[r]);
        }
    }
    for (var r = 0u; r < GV_ROWS; r++) {
        partial[r * GV_WG + li] = acc[r];
    }
    reduce_partials(li, GV_ROWS);
    if li < GV_ROWS {
        gemm_store(c_base, row0 + li, 0u, partial[li * GV_WG], p);
    }
}
