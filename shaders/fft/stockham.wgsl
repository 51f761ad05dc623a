// One pass of a batched complex FFT (Stockham, natural order): every workgroup runs the
// FFT_P-point sub-FFT of FFT_M columns in workgroup memory. A transform of n points is one pass
// (FFT_P = n: the fused kernel, several transforms per workgroup) or a product of passes whose
// spans ns grow by FFT_P each time; column j of a pass reads x[j + r*(n/P)], multiplies by the
// cross-pass twiddle w_{ns*P}^{r*(j mod ns)} and writes (j/ns)*ns*P + (j mod ns) + o*ns.
// IN_MODE / OUT_MODE fuse Bluestein's chirp products and the pointwise spectrum product into the
// first and last pass. Includes: grid, fft_core.

@group(0) @binding(2) var<storage, read> src: array<vec2<Elem>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec2<Elem>>;
// The chirp (IN_MODE 1, OUT_MODE 2) and the spectrum to multiply by (OUT_MODE 1).
@group(0) @binding(4) var<storage, read> aux: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read> spec: array<vec2<f32>>;

// 0: plain complex input. 1: Bluestein pre-multiply: x[b*a0 + n] * chirp[n] for n < a0, else 0.
override IN_MODE: u32 = 0u;
// 0: plain complex output (conjugate / scale by flags). 1: multiply by aux[idx] then conjugate
// (the pointwise product of a convolution, ready for the inverse done as a forward FFT).
// 2: Bluestein post-multiply: y[b*a0 + k] = chirp[k] * conj(v) * scale for k < a0.
override OUT_MODE: u32 = 0u;

var<private> col0: u32;

fn fft_load(m: u32, r: u32) -> vec2<f32> {
    let c = col0 + m;
    if c >= fp.cols {
        return vec2<f32>(0.0);
    }
    let log_q = fp.log_n - log2u(FFT_P);
    let b = c >> log_q;
    let j = c & ((1u << log_q) - 1u);
    let n = j + (r << log_q);
    var v = vec2<f32>(0.0);
    if IN_MODE == 1u {
        let n0 = fp.a0;
        if n < n0 {
            v = vec2<f32>(src[fp.in_off + b * n0 + n]);
            if (fp.flags & 1u) != 0u {
                v = conj(v);
            }
            v = cmul(v, aux[n]);
        }
    } else {
        v = vec2<f32>(src[fp.in_off + (b << fp.log_n) + n]);
        if (fp.flags & 1u) != 0u {
            v = conj(v);
        }
    }
    if fp.log_ns > 0u {
        let k = j & (fp.ns - 1u);
        let lp = fp.log_ns + log2u(FFT_P);
        v = cmul(v, twiddle((r * k) & ((1u << lp) - 1u), lp));
    }
    return v;
}

fn fft_store(m: u32, o: u32, v_in: vec2<f32>) {
    let c = col0 + m;
    if c >= fp.cols {
        return;
    }
    let log_q = fp.log_n - log2u(FFT_P);
    let b = c >> log_q;
    let j = c & ((1u << log_q) - 1u);
    let k = j & (fp.ns - 1u);
    let idx = ((j >> fp.log_ns) << (fp.log_ns + log2u(FFT_P))) + k + (o << fp.log_ns);
    var v = v_in;
    if OUT_MODE == 1u {
        v = conj(cmul(v, spec[idx]));
    } else if OUT_MODE == 2u {
        let n0 = fp.a0;
        if idx >= n0 {
            return;
        }
        v = cmul(aux[idx], conj(v));
        if (fp.flags & 2u) != 0u {
            v = conj(v);
        }
        dst[fp.out_off + b * n0 + idx] = vec2<Elem>(v * fp.scale);
        return;
    } else if (fp.flags & 2u) != 0u {
        v = conj(v);
    }
    dst[fp.out_off + (b << fp.log_n) + idx] = vec2<Elem>(v * fp.scale);
}

@compute @workgroup_size(FFT_WG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
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
