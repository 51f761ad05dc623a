// N:M structured-sparse GEMM: bindings, parameters and helpers shared by shaders/sparse_gemm/*.wgsl.
//
//   C = A_s · op(B) (+ bias[row])        A_s: rows × k, N:M sparse along k (compressed)
//   op(B)[kk][c] = B[kk·ldb + c]         B: k × cols, row-major
//            or  = X[c·ldb + kk]         TRANS_B: X is cols × k (the linear form Y = X·W_sᵀ)
//   C[r][c] at r·ldc + c, or at c·ldc + r with TRANS_C (the linear form writes Y = Cᵀ).
//
// A_s is read only in compressed form: `values` [rows][kc4] vec4s (kept values, rows padded to
// a multiple of 4 with zeros) and `nm_meta` [rows][mw] u32 words (the in-group index of kept value
// j at bits (j % PW)·BITS of word j / PW). B is bound twice over the same buffer, as vec4s and as
// scalars: kernels take vec4 loads where the layout is aligned (VEC_B) and scalars otherwise.
struct SpParams {
    rows: u32,
    cols: u32,
    k: u32,
    batch: u32,
    kc: u32,        // kept values per row
    kc4: u32,       // row stride of `values` in vec4s
    mw: u32,        // metadata words per row
    ldb: u32,
    ldc: u32,
    tiles_r: u32,
    tiles_c: u32,
    stride_v: u32,  // batch strides: values (vec4s; 0 = one sparse matrix for every batch),
    stride_m: u32,  //   metadata words,
    stride_b: u32,  //   B elements,
    stride_c: u32,  //   C elements
    has_bias: u32,
}

// Binding 0 holds the parameters: `p: SpParams`, declared with `load_params()` by the generated
// prelude (see `shaders::source`); every entry point calls `load_params()` first.
// The quad views of the compressed values (binding 1) and of B (binding 3), with
// `nm_value4(i)` and `nm_b4(i)` (quad i as f32), come from the helper the shader is built with:
// the storage type's vec4, or 64-bit words on CPU adapters (ops/sparse_gemm/shaders.rs).
@group(0) @binding(2) var<storage, read> nm_meta: array<u32>;
@group(0) @binding(4) var<storage, read> bsc: array<Elem>;
@group(0) @binding(5) var<storage, read> bias: array<Elem>;
@group(0) @binding(6) var<storage, read_write> out: array<Elem>;

override NK: u32 = 2u;     // kept values per group (N)
override MG: u32 = 4u;     // group length along k (M)
override BITS: u32 = 2u;   // bits per stored index, ceil(log2 M)
override PW: u32 = 16u;    // indices per metadata word, floor(32 / BITS)
override TRANS_B: bool = false;
override TRANS_C: bool = false;
override VEC_B: bool = false;

// In-group index of row-relative kept value j, read from the word that holds it.
fn nm_idx(word: u32, j: u32) -> u32 {
    return (word >> ((j % PW) * BITS)) & ((1u << BITS) - 1u);
}

// op(B)[kk][c] as f32, 0 outside the matrix (tails in k and in the columns).
fn nm_x(b_base: u32, kk: u32, c: u32) -> f32 {
    if kk >= p.k || c >= p.cols {
        return 0.0;
    }
    if TRANS_B {
        return f32(bsc[b_base + c * p.ldb + kk]);
    }
    return f32(bsc[b_base + kk * p.ldb + c]);
}

// Four consecutive k of op(B) for column c (TRANS_B: contiguous in X), 0 outside.
fn nm_x_k4(b_base: u32, kk: u32, c: u32) -> vec4<f32> {
    if VEC_B && TRANS_B {
        // Host guarantees: k % 4 == 0, ldb % 4 == 0, stride_b % 4 == 0, kk % 4 == 0.
        if kk < p.k && c < p.cols {
            return nm_b4((b_base + c * p.ldb + kk) / 4u);
        }
        return vec4<f32>(0.0);
    }
    return vec4<f32>(nm_x(b_base, kk, c), nm_x(b_base, kk + 1u, c), nm_x(b_base, kk + 2u, c), nm_x(b_base, kk + 3u, c));
}

// Four consecutive columns c .. c+3 of op(B) at row kk (normal layout: contiguous in B), 0 outside.
fn nm_x_c4(b_base: u32, kk: u32, c: u32) -> vec4<f32> {
    if VEC_B && !TRANS_B {
        // Host guarantees: cols % 4 == 0, ldb % 4 == 0, stride_b % 4 == 0, c % 4 == 0.
        if kk < p.k && c < p.cols {
            return nm_b4((b_base + kk * p.ldb + c) / 4u);
        }
        return vec4<f32>(0.0);
    }
    return vec4<f32>(nm_x(b_base, kk, c), nm_x(b_base, kk, c + 1u), nm_x(b_base, kk, c + 2u), nm_x(b_base, kk, c + 3u));
}

// a, b, c, d by index 0..3 (three selects; any index stays in range).
fn nm_pick4(a: vec4<f32>, b: vec4<f32>, c: vec4<f32>, d: vec4<f32>, i: u32) -> vec4<f32> {
    return select(select(a, b, i == 1u), select(c, d, i == 3u), i >= 2u);
}

// Writes C[r][c] (+ bias[r]) if inside the output.
fn nm_store(c_base: u32, r: u32, c: u32, v: f32) {
    if r >= p.rows || c >= p.cols {
        return;
    }
    var y = v;
    if p.has_bias != 0u {
        y += f32(bias[r]);
    }
    var idx = c_base + r * p.ldc + c;
    if TRANS_C {
        idx = c_base + c * p.ldc + r;
    }
    out[idx] = Elem(y);
}
