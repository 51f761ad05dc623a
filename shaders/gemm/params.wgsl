// Parameters of one (batched) GEMM: C = alpha * op(A) * op(B) + beta * C, row-major.
// Leading dimensions and batch strides are in elements; a batch stride of 0 broadcasts.
struct GemmParams {
    m: u32,
    n: u32,
    k: u32,
    batch: u32,
    lda: u32,
    ldb: u32,
    ldc: u32,
    tiles_m: u32,
    tiles_n: u32,
    stride_a: u32,
    stride_b: u32,
    stride_c: u32,
    alpha: f32,
    beta: f32,
    bias_row: u32, // 1: the bias is indexed by row (a one-row product run as GEMV), else by column
    _pad1: u32,
}

// Binding 0 holds the parameters: `p: GemmParams`, declared with `load_params()` by the generated
// prelude (see `shaders::source`); every entry point calls `load_params()` first.

override TRANS_A: bool = false;
override TRANS_B: bool = false;

// Epilogue of the linear layer: y = act(alpha * acc + bias[col]) + beta * C. Override constants
// (not uniforms): the epilogue is unrolled over every output a lane owns, and a plain GEMM
// should not carry (or compile) branches it never takes. Each kernel declares its `bias`
// binding (6) and `gemm_bias_at`; a plan without bias binds a 16-byte stand-in there.
override EPI_BIAS: bool = false;
override EPI_ACT: u32 = 0u; // 0 none, 1 ReLU, 2 GELU (tanh form), 3 SiLU

// GELU's tanh form, 0.5·x·(1 + tanh(u)) = x / (1 + exp(-2u)), u = √(2/π)·(x + 0.044715·x³):
// written with exp so that large |x| gives x or -0, never inf/inf.
fn gemm_act(x: f32) -> f32 {
    if EPI_ACT == 1u {
        return max(x, 0.0);
    }
    if EPI_ACT == 2u {
        let u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
        return x / (1.0 + exp(-2.0 * u));
    }
    if EPI_ACT == 3u {
        return x / (1.0 + exp(-x));
    }
    return x;
}

fn gemm_act4(x: vec4<f32>) -> vec4<f32> {
    if EPI_ACT == 1u {
        return max(x, vec4<f32>(0.0));
    }
    if EPI_ACT == 2u {
        let u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
        return x / (1.0 + exp(-2.0 * u));
    }
    if EPI_ACT == 3u {
        return x / (1.0 + exp(-x));
    }
    return x;
}

// Element (row, col) of op(A) for batch offset `base`, 0 outside the matrix (tails).
fn gemm_a(a_base: u32, row: u32, col: u32, p: GemmParams) -> f32 {
    if row >= p.m || col >= p.k {
        return 0.0;
    }
    if TRANS_A {
        return f32(gemm_a_at(a_base + col * p.lda + row));
    }
    return f32(gemm_a_at(a_base + row * p.lda + col));
}

// Element (row, col) of op(B), 0 outside the matrix.
fn gemm_b(b_base: u32, row: u32, col: u32, p: GemmParams) -> f32 {
    if row >= p.k || col >= p.n {
        return 0.0;
    }
    if TRANS_B {
        return f32(gemm_b_at(b_base + col * p.ldb + row));
    }
    return f32(gemm_b_at(b_base + row * p.ldb + col));
}

// Writes act(alpha * acc + bias) + beta * C at (row, col) of batch offset c_base, if inside C.
fn gemm_store(c_base: u32, row: u32, col: u32, acc: f32, p: GemmParams) {
    if row >= p.m || col >= p.n {
        return;
    }
    let idx = c_base + row * p.ldc + col;
    var v = p.alpha * acc;
    if EPI_BIAS {
        v += f32(gemm_bias_at(select(col, row, p.bias_row != 0u)));
    }
    v = gemm_act(v);
    if p.beta != 0.0 {
        v += p.beta * f32(gemm_c_at(idx));
    }
    gemm_c_put(idx, v);
}

// Which (batch, tile_m, tile_n) a linear workgroup index addresses; batch == p.batch past the end.
fn gemm_tile_of(lin: u32, p: GemmParams) -> vec3<u32> {
    let per_batch = p.tiles_m * p.tiles_n;
    let batch = lin / per_batch;
    let rem = lin % per_batch;
    return vec3<u32>(batch, rem / p.tiles_n, rem % p.tiles_n);
}
