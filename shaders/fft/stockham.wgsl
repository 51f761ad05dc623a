// One pass of a batched complex FFT (Stockham, natural order): every workgroup runs the
// FFT_P-point sub-FFT of FFT_M columns in workgroup memory. A transform of n points is one pass
// (FFT_P = n: the fused kernel, several transforms per workgroup) or a product of passes whose
// spans ns grow by FFT_P each time; column j of a pass reads x[j + r*(n/P)], multiplies by the
// cross-pass twiddle w_{ns*P}^{r*(j mod ns)} (the core, FFT_TW_IN) and writes
// (j/ns)*ns*P + (j mod ns) + o*ns.
// IN_MODE / OUT_MODE fuse Bluestein's chirp products and the pointwise spectrum product into the
// first and last pass. Values travel as pairs (two complex values) wherever they are adjacent
// in memory.

// The data bindings src, dst (vec4 pairs) and their one-complex views src_e, dst_e (strided and
// Bluestein accesses: a Bluestein buffer may hold an odd number of values, or fewer than a pair)
// are declared with their ld_* / st_* functions by shaders/common/fft_io_vec.wgsl (the storage
// type's vectors) or fft_io_wide.wgsl / fft_io_wide_f16.wgsl (words, for CPU adapters).
// The chirp (IN_MODE 1, OUT_MODE 2) and the spectrum to multiply by (OUT_MODE 1).
@group(0) @binding(4) var<storage, read> aux: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read> spec: array<vec4<f32>>;

// 0: plain complex input. 1: Bluestein pre-multiply: x[b*a0 + n] * chirp[n] for n < a0, else 0.
override IN_MODE: u32 = 0u;
// 0: plain complex output (conjugate / scale by flags). 1: multiply by spec[idx] then conjugate
// (the pointwise product of a convolution, ready for the inverse done as a forward FFT).
// 2: Bluestein post-multiply: y[b*a0 + k] = chirp[k] * conj(v) * scale for k < a0.
override OUT_MODE: u32 = 0u;

// Transform b reads and writes its values at stride fp.a1 (b = outer·a1 + inner, value n at
// outer·a1·n_len + inner + n·a1): an FFT along a non-last axis of a row-major array, read where
// it lies; adjacent columns of a workgroup are adjacent in memory. Fused single passes only.
override STRIDED: bool = false;

var<private> col0: u32;

// First element of transform b of a strided pass.
fn strided_base(b: u32) -> u32 {
    return (b / fp.a1) * (fp.a1 << fp.log_n) + b % fp.a1;
}

// The last pass of a multi-pass transform reads exactly the values it writes (column j: j + r·ns
// both ways), so it runs in place on dst: its strided stores then hit the lines its loads brought
// into the cache (see `PassGeom::in_place`).
override IN_PLACE: bool = false;

// Complex value i of the input (dst for a pass in place).
fn src1(i: u32) -> vec2<f32> {
    if IN_PLACE {
        return lde_dst(i);
    }
    return lde_src(i);
}

// Complex value i of the output.
fn dst1(i: u32, v: vec2<f32>) {
    ste_dst(i, v);
}

fn fft_tw_k(m: u32) -> u32 {
    let log_q = fp.log_n - log2u(FFT_P);
    return (col0 + m) & ((1u << log_q) - 1u) & (fp.ns - 1u);
}

// The pass reads whole transforms (FFT_P = n): values e, e+1 of a column are neighbours.
override WHOLE: bool = false;
// The pass has span 1 (the first pass): outputs o, o+1 of a column are neighbours.
override SPAN1: bool = false;

// (1, ±1, 1, ±1): conjugates a pair when multiplied, by flag `bit` of fp.flags (no branch).
fn conj_sign(bit: u32) -> vec4<f32> {
    let s = select(1.0, -1.0, (fp.flags & bit) != 0u);
    return vec4<f32>(1.0, s, 1.0, s);
}

fn fft_load2(m: u32, e: u32) -> vec4<f32> {
    let c = col0 + m;
    if c >= fp.cols {
        return vec4<f32>(0.0);
    }
    let log_q = fp.log_n - log2u(FFT_P);
    let b = c >> log_q;
    let j = c & ((1u << log_q) - 1u);
    let n = j + (e << log_q);
    let n1 = n + (1u << log_q);
    if IN_MODE == 1u {
        let n0 = fp.a0;
        let cs = conj_sign(1u);
        var x0 = vec2<f32>(0.0);
        var x1 = vec2<f32>(0.0);
        if n < n0 {
            x0 = cmul(src1(b * n0 + n) * cs.xy, aux[n]);
        }
        if n1 < n0 {
            x1 = cmul(src1(b * n0 + n1) * cs.xy, aux[n1]);
        }
        return vec4<f32>(x0, x1);
    }
    var v: vec4<f32>;
    if STRIDED {
        let base = strided_base(b);
        v = vec4<f32>(src1(base + n * fp.a1), src1(base + n1 * fp.a1));
    } else if WHOLE {
        v = ld_src(((b << fp.log_n) + e) >> 1u);
    } else {
        v = vec4<f32>(src1((b << fp.log_n) + n), src1((b << fp.log_n) + n1));
    }
    return v * conj_sign(1u);
}

fn fft_store2(m: u32, o: u32, v_in: vec4<f32>) {
    let c = col0 + m;
    if c >= fp.cols {
        return;
    }
    let log_q = fp.log_n - log2u(FFT_P);
    let b = c >> log_q;
    let j = c & ((1u << log_q) - 1u);
    let k = j & (fp.ns - 1u);
    let idx = ((j >> fp.log_ns) << (fp.log_ns + log2u(FFT_P))) + k + (o << fp.log_ns);
    let idx1 = idx + (1u << fp.log_ns);
    var v = v_in;
    if OUT_MODE == 1u {
        var s: vec4<f32>;
        if SPAN1 {
            s = spec[idx >> 1u];
        } else {
            let s0 = spec[idx >> 1u];
            let s1 = spec[idx1 >> 1u];
            s = vec4<f32>(select(s0.xy, s0.zw, (idx & 1u) == 1u), select(s1.xy, s1.zw, (idx1 & 1u) == 1u));
        }
        v = vec4<f32>(cmul(v.xy, s.xy), cmul(v.zw, s.zw)) * vec4<f32>(1.0, -1.0, 1.0, -1.0);
    } else if OUT_MODE == 2u {
        let n0 = fp.a0;
        let cs = conj_sign(2u);
        let c0 = cmul(aux[min(idx, n0 - 1u)], conj(v.xy)) * cs.xy * fp.scale;
        let c1 = cmul(aux[min(idx1, n0 - 1u)], conj(v.zw)) * cs.xy * fp.scale;
        if idx < n0 {
            dst1(b * n0 + idx, c0);
        }
        if idx1 < n0 {
            dst1(b * n0 + idx1, c1);
        }
        return;
    } else {
        v *= conj_sign(2u);
    }
    v *= fp.scale;
    if STRIDED {
        let sb = strided_base(b);
        dst1(sb + idx * fp.a1, v.xy);
        dst1(sb + idx1 * fp.a1, v.zw);
        return;
    }
    let base = b << fp.log_n;
    if SPAN1 {
        st_dst((base + idx) >> 1u, v);
    } else {
        dst1(base + idx, v.xy);
        dst1(base + idx1, v.zw);
    }
}

@compute @workgroup_size(FFT_WG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    let g = linear_workgroup(wid, nwg);
    // Workgroups past the last column leave together (uniform); partial ones mask per column.
    // Test a function-local copy: WGSL's uniformity analysis treats every read of a
    // module-scope private variable as non-uniform, so testing `col0` itself would put
    // sub_fft's barriers under non-uniform control flow (browsers reject the shader).
    let first = g * FFT_M;
    col0 = first;
    if first >= fp.cols {
        return;
    }
    sub_fft(li, true, true);
}
