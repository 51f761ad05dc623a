// Shared by every FFT kernel (the Stockham core fft_core.wgsl and the subgroup kernels
// stockham_sg.wgsl): the pass parameters, the twiddle table binding, complex arithmetic and the
// register DFTs of radix 2..16 (straight-line code, written by gen_fft_core.py).

struct FftParams {
    n: u32,        // points of the whole transform this pass belongs to
    log_n: u32,
    ns: u32,       // Stockham span before this pass (1 for the first pass)
    log_ns: u32,
    cols: u32,     // columns in all: batch * n / FFT_P
    batch: u32,
    log_tw: u32,   // the twiddle table's base length is 2^log_tw
    log_f: u32,    // its fine part has 2^log_f entries
    in_off: u32,
    out_off: u32,
    scale: f32,
    flags: u32,    // bit 0: conjugate the input, bit 1: conjugate the output
    a0: u32,       // op-specific
    a1: u32,
    a2: u32,
    a3: u32,
    a4: u32,
    a5: u32,
    a6: u32,
    a7: u32,
}

// Binding 0 holds the parameters: `fp: FftParams`, declared with `load_params()` by the generated
// prelude (see `shaders::source`); every entry point calls `load_params()` first.
@group(0) @binding(1) var<storage, read> tw: array<vec4<f32>>;

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(fma(a.x, b.x, -a.y * b.y), fma(a.x, b.y, a.y * b.x));
}

fn conj(a: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.x, -a.y);
}

// a * (-i)
fn mul_mi(a: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.y, -a.x);
}

// Complex value i of the twiddle buffer.
fn tw2(i: u32) -> vec2<f32> {
    let v = tw[i >> 1u];
    return select(v.xy, v.zw, (i & 1u) == 1u);
}

// ---- GENERATED DFTS by gen_fft_core.py: do not edit by hand ----
fn dft2(x: array<vec2<f32>, 2>) -> array<vec2<f32>, 2> {
    return array<vec2<f32>, 2>(x[0] + x[1], x[0] - x[1]);
}

fn dft4(x: array<vec2<f32>, 4>) -> array<vec2<f32>, 4> {
    let t0 = x[0] + x[2];
    let t1 = x[0] - x[2];
    let t2 = x[1] + x[3];
    let t3 = mul_mi(x[1] - x[3]);
    return array<vec2<f32>, 4>(t0 + t2, t1 + t3, t0 - t2, t1 - t3);
}

fn dft8(x: array<vec2<f32>, 8>) -> array<vec2<f32>, 8> {
    let e = dft4(array<vec2<f32>, 4>(x[0], x[2], x[4], x[6]));
    let o = dft4(array<vec2<f32>, 4>(x[1], x[3], x[5], x[7]));
    let t0 = o[0];
    let t1 = cmul(o[1], vec2<f32>(0.70710678118654757, -0.70710678118654746));
    let t2 = mul_mi(o[2]);
    let t3 = cmul(o[3], vec2<f32>(-0.70710678118654746, -0.70710678118654757));
    return array<vec2<f32>, 8>(
        e[0] + t0, e[1] + t1, e[2] + t2, e[3] + t3, e[0] - t0, e[1] - t1, e[2] - t2, e[3] - t3,
    );
}

fn dft16(x: array<vec2<f32>, 16>) -> array<vec2<f32>, 16> {
    let e = dft8(array<vec2<f32>, 8>(x[0], x[2], x[4], x[6], x[8], x[10], x[12], x[14]));
    let o = dft8(array<vec2<f32>, 8>(x[1], x[3], x[5], x[7], x[9], x[11], x[13], x[15]));
    let t0 = o[0];
    let t1 = cmul(o[1], vec2<f32>(0.92387953251128674, -0.38268343236508978));
    let t2 = cmul(o[2], vec2<f32>(0.70710678118654757, -0.70710678118654746));
    let t3 = cmul(o[3], vec2<f32>(0.38268343236508984, -0.92387953251128674));
    let t4 = mul_mi(o[4]);
    let t5 = cmul(o[5], vec2<f32>(-0.38268343236508973, -0.92387953251128674));
    let t6 = cmul(o[6], vec2<f32>(-0.70710678118654746, -0.70710678118654757));
    let t7 = cmul(o[7], vec2<f32>(-0.92387953251128674, -0.38268343236508989));
    return array<vec2<f32>, 16>(
        e[0] + t0, e[1] + t1, e[2] + t2, e[3] + t3, e[4] + t4, e[5] + t5, e[6] + t6, e[7] + t7,
        e[0] - t0, e[1] - t1, e[2] - t2, e[3] - t3, e[4] - t4, e[5] - t5, e[6] - t6, e[7] - t7,
    );
}
// ---- END GENERATED DFTS ----
