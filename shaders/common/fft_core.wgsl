// FFT core shared by the FFT family (c2c passes, Bluestein, real FFT, convolution): complex
// arithmetic, the twiddle tables, register DFTs of radix 2/4/8/16 and the in-workgroup Stockham
// sub-FFT every FFT kernel runs.
//
// A workgroup transforms FFT_M columns of FFT_P points (FFT_P * FFT_M complex values in workgroup
// memory, stored as vec4 pairs); each invocation holds FFT_E = 32 of them in registers: in every
// stage it owns 16/R pairs of ADJACENT radix-R butterflies (j, j+1), so that every input it reads
// and every output it writes is a pair of neighbouring values, one vec4 access. (On lavapipe every
// workgroup or global access whose address varies per invocation is a per-lane loop, the cost
// that dominates an FFT; a vec4 moves two complex values per lane-iteration.) Stages are radix 16
// after one smaller leading stage (see the radix plans in gen_fft_core.py). The first stage may
// read through the kernel's `fft_load2(m, e)` (values e, e+1 of column m, e even) and the last may
// write through `fft_store2(m, o, v)` (values o, o+1): that is how kernels fuse their own input and
// output work (chirps, gates, packing, pointwise products) into the transform. With FFT_TW_IN the
// first stage also multiplies value e of column m by the cross-pass twiddle w_{ns*P}^(e*k),
// k = fft_tw_k(m) (the kernel's column → rotation), from three table look-ups per butterfly pair.
// Always the forward transform (exp(-2πi·nk/P)); inverses conjugate on the way in and out.
//
// Twiddles come from one table computed in f64 on the host (accurate on every adapter, unlike
// sin/cos, whose WGSL precision is implementation-defined): first the stage table S[L + i] =
// exp(-2πi·i/L) for every power of two L <= 2^min(log_tw, 13) (a butterfly pair reads w^k, w^(k+1)
// as one vec4), then `fine` and `coarse` for any exponent of the whole transform:
// w = fine[i & (F-1)] * coarse[i >> log F], i in units of 2π/2^log_tw. Powers inside a butterfly
// are formed by products.

override FFT_P: u32 = 1024u;          // sub-FFT length, a power of two >= 2
override FFT_M: u32 = 2u;             // columns per workgroup
override FFT_E: u32 = 32u;            // values per invocation (32: the generated stages)
override FFT_WG: u32 = 64u;           // invocations = FFT_P * FFT_M / FFT_E
override FFT_TW_IN: bool = false;     // first stage applies cross-pass twiddles (fp.log_ns > 0)

// Largest stage-table length (log2): the largest sub-FFT of any configuration.
const FFT_LOG_STAGE_MAX: u32 = 13u;

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

@group(0) @binding(0) var<uniform> fp: FftParams;
@group(0) @binding(1) var<storage, read> tw: array<vec4<f32>>;

// Workgroup memory: FFT_SM = FFT_P * FFT_M / 2 vec4 pairs. A named override rather than the
// expression: naga 30 turns an override expression in an array size into an anonymous override,
// and its process_overrides panics when that lands before a named override only function bodies use.
override FFT_SM: u32 = 1024u;
var<workgroup> sm: array<vec4<f32>, FFT_SM>;

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

// Pair i of the stage table: (S[2i], S[2i+1]).
fn stage_tw(i: u32) -> vec4<f32> {
    return tw[i];
}

// exp(-2πi t / 2^log_l) for t < 2^log_l <= 2^log_tw (fine × coarse, after the stage table).
fn twiddle(t: u32, log_l: u32) -> vec2<f32> {
    let base = 2u << min(fp.log_tw, FFT_LOG_STAGE_MAX);
    let i = t << (fp.log_tw - log_l);
    let f = tw2(base + (i & ((1u << fp.log_f) - 1u)));
    let c = tw2(base + (1u << fp.log_f) + (i >> fp.log_f));
    return cmul(f, c);
}

fn log2u(x: u32) -> u32 {
    return 31u - countLeadingZeros(x);
}

fn fft_read2(first: bool, m: u32, e: u32) -> vec4<f32> {
    if first {
        return fft_load2(m, e);
    }
    return sm[(m * FFT_P + e) >> 1u];
}

fn fft_write2(last: bool, m: u32, o: u32, v: vec4<f32>) {
    if last {
        fft_store2(m, o, v);
    } else {
        sm[(m * FFT_P + o) >> 1u] = v;
    }
}

// FFT_P == 2: one butterfly per column, 16 columns per invocation.
fn fft_p2(li: u32, first: bool, last: bool) {
    let m0 = li + 0u * FFT_WG;
    let v0 = fft_read2(first, m0, 0u);
    let m1 = li + 1u * FFT_WG;
    let v1 = fft_read2(first, m1, 0u);
    let m2 = li + 2u * FFT_WG;
    let v2 = fft_read2(first, m2, 0u);
    let m3 = li + 3u * FFT_WG;
    let v3 = fft_read2(first, m3, 0u);
    let m4 = li + 4u * FFT_WG;
    let v4 = fft_read2(first, m4, 0u);
    let m5 = li + 5u * FFT_WG;
    let v5 = fft_read2(first, m5, 0u);
    let m6 = li + 6u * FFT_WG;
    let v6 = fft_read2(first, m6, 0u);
    let m7 = li + 7u * FFT_WG;
    let v7 = fft_read2(first, m7, 0u);
    let m8 = li + 8u * FFT_WG;
    let v8 = fft_read2(first, m8, 0u);
    let m9 = li + 9u * FFT_WG;
    let v9 = fft_read2(first, m9, 0u);
    let m10 = li + 10u * FFT_WG;
    let v10 = fft_read2(first, m10, 0u);
    let m11 = li + 11u * FFT_WG;
    let v11 = fft_read2(first, m11, 0u);
    let m12 = li + 12u * FFT_WG;
    let v12 = fft_read2(first, m12, 0u);
    let m13 = li + 13u * FFT_WG;
    let v13 = fft_read2(first, m13, 0u);
    let m14 = li + 14u * FFT_WG;
    let v14 = fft_read2(first, m14, 0u);
    let m15 = li + 15u * FFT_WG;
    let v15 = fft_read2(first, m15, 0u);
    if !first {
        workgroupBarrier();
    }
    fft_write2(last, m0, 0u, vec4<f32>(v0.xy + v0.zw, v0.xy - v0.zw));
    fft_write2(last, m1, 0u, vec4<f32>(v1.xy + v1.zw, v1.xy - v1.zw));
    fft_write2(last, m2, 0u, vec4<f32>(v2.xy + v2.zw, v2.xy - v2.zw));
    fft_write2(last, m3, 0u, vec4<f32>(v3.xy + v3.zw, v3.xy - v3.zw));
    fft_write2(last, m4, 0u, vec4<f32>(v4.xy + v4.zw, v4.xy - v4.zw));
    fft_write2(last, m5, 0u, vec4<f32>(v5.xy + v5.zw, v5.xy - v5.zw));
    fft_write2(last, m6, 0u, vec4<f32>(v6.xy + v6.zw, v6.xy - v6.zw));
    fft_write2(last, m7, 0u, vec4<f32>(v7.xy + v7.zw, v7.xy - v7.zw));
    fft_write2(last, m8, 0u, vec4<f32>(v8.xy + v8.zw, v8.xy - v8.zw));
    fft_write2(last, m9, 0u, vec4<f32>(v9.xy + v9.zw, v9.xy - v9.zw));
    fft_write2(last, m10, 0u, vec4<f32>(v10.xy + v10.zw, v10.xy - v10.zw));
    fft_write2(last, m11, 0u, vec4<f32>(v11.xy + v11.zw, v11.xy - v11.zw));
    fft_write2(last, m12, 0u, vec4<f32>(v12.xy + v12.zw, v12.xy - v12.zw));
    fft_write2(last, m13, 0u, vec4<f32>(v13.xy + v13.zw, v13.xy - v13.zw));
    fft_write2(last, m14, 0u, vec4<f32>(v14.xy + v14.zw, v14.xy - v14.zw));
    fft_write2(last, m15, 0u, vec4<f32>(v15.xy + v15.zw, v15.xy - v15.zw));
    if !last {
        workgroupBarrier();
    }
}

// ---- GENERATED by gen_fft_core.py: do not edit by hand ----
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

fn dft32(x: array<vec2<f32>, 32>) -> array<vec2<f32>, 32> {
    let e = dft16(array<vec2<f32>, 16>(x[0], x[2], x[4], x[6], x[8], x[10], x[12], x[14], x[16], x[18], x[20], x[22], x[24], x[26], x[28], x[30]));
    let o = dft16(array<vec2<f32>, 16>(x[1], x[3], x[5], x[7], x[9], x[11], x[13], x[15], x[17], x[19], x[21], x[23], x[25], x[27], x[29], x[31]));
    let t0 = o[0];
    let t1 = cmul(o[1], vec2<f32>(0.98078528040323043, -0.19509032201612825));
    let t2 = cmul(o[2], vec2<f32>(0.92387953251128674, -0.38268343236508978));
    let t3 = cmul(o[3], vec2<f32>(0.83146961230254524, -0.55557023301960218));
    let t4 = cmul(o[4], vec2<f32>(0.70710678118654757, -0.70710678118654746));
    let t5 = cmul(o[5], vec2<f32>(0.55557023301960229, -0.83146961230254524));
    let t6 = cmul(o[6], vec2<f32>(0.38268343236508984, -0.92387953251128674));
    let t7 = cmul(o[7], vec2<f32>(0.19509032201612833, -0.98078528040323043));
    let t8 = mul_mi(o[8]);
    let t9 = cmul(o[9], vec2<f32>(-0.19509032201612819, -0.98078528040323043));
    let t10 = cmul(o[10], vec2<f32>(-0.38268343236508973, -0.92387953251128674));
    let t11 = cmul(o[11], vec2<f32>(-0.55557023301960196, -0.83146961230254546));
    let t12 = cmul(o[12], vec2<f32>(-0.70710678118654746, -0.70710678118654757));
    let t13 = cmul(o[13], vec2<f32>(-0.83146961230254535, -0.55557023301960218));
    let t14 = cmul(o[14], vec2<f32>(-0.92387953251128674, -0.38268343236508989));
    let t15 = cmul(o[15], vec2<f32>(-0.98078528040323043, -0.19509032201612861));
    return array<vec2<f32>, 32>(
        e[0] + t0, e[1] + t1, e[2] + t2, e[3] + t3, e[4] + t4, e[5] + t5, e[6] + t6, e[7] + t7,
        e[8] + t8, e[9] + t9, e[10] + t10, e[11] + t11, e[12] + t12, e[13] + t13, e[14] + t14, e[15] + t15,
        e[0] - t0, e[1] - t1, e[2] - t2, e[3] - t3, e[4] - t4, e[5] - t5, e[6] - t6, e[7] - t7,
        e[8] - t8, e[9] - t9, e[10] - t10, e[11] - t11, e[12] - t12, e[13] - t13, e[14] - t14, e[15] - t15,
    );
}

fn dft64(x: array<vec2<f32>, 64>) -> array<vec2<f32>, 64> {
    let e = dft32(array<vec2<f32>, 32>(x[0], x[2], x[4], x[6], x[8], x[10], x[12], x[14], x[16], x[18], x[20], x[22], x[24], x[26], x[28], x[30], x[32], x[34], x[36], x[38], x[40], x[42], x[44], x[46], x[48], x[50], x[52], x[54], x[56], x[58], x[60], x[62]));
    let o = dft32(array<vec2<f32>, 32>(x[1], x[3], x[5], x[7], x[9], x[11], x[13], x[15], x[17], x[19], x[21], x[23], x[25], x[27], x[29], x[31], x[33], x[35], x[37], x[39], x[41], x[43], x[45], x[47], x[49], x[51], x[53], x[55], x[57], x[59], x[61], x[63]));
    let t0 = o[0];
    let t1 = cmul(o[1], vec2<f32>(0.99518472667219693, -0.098017140329560604));
    let t2 = cmul(o[2], vec2<f32>(0.98078528040323043, -0.19509032201612825));
    let t3 = cmul(o[3], vec2<f32>(0.95694033573220882, -0.29028467725446233));
    let t4 = cmul(o[4], vec2<f32>(0.92387953251128674, -0.38268343236508978));
    let t5 = cmul(o[5], vec2<f32>(0.88192126434835505, -0.47139673682599764));
    let t6 = cmul(o[6], vec2<f32>(0.83146961230254524, -0.55557023301960218));
    let t7 = cmul(o[7], vec2<f32>(0.77301045336273699, -0.63439328416364549));
    let t8 = cmul(o[8], vec2<f32>(0.70710678118654757, -0.70710678118654746));
    let t9 = cmul(o[9], vec2<f32>(0.63439328416364549, -0.77301045336273699));
    let t10 = cmul(o[10], vec2<f32>(0.55557023301960229, -0.83146961230254524));
    let t11 = cmul(o[11], vec2<f32>(0.47139673682599781, -0.88192126434835494));
    let t12 = cmul(o[12], vec2<f32>(0.38268343236508984, -0.92387953251128674));
    let t13 = cmul(o[13], vec2<f32>(0.29028467725446233, -0.95694033573220894));
    let t14 = cmul(o[14], vec2<f32>(0.19509032201612833, -0.98078528040323043));
    let t15 = cmul(o[15], vec2<f32>(0.09801714032956077, -0.99518472667219682));
    let t16 = mul_mi(o[16]);
    let t17 = cmul(o[17], vec2<f32>(-0.098017140329560645, -0.99518472667219693));
    let t18 = cmul(o[18], vec2<f32>(-0.19509032201612819, -0.98078528040323043));
    let t19 = cmul(o[19], vec2<f32>(-0.29028467725446216, -0.95694033573220894));
    let t20 = cmul(o[20], vec2<f32>(-0.38268343236508973, -0.92387953251128674));
    let t21 = cmul(o[21], vec2<f32>(-0.4713967368259977, -0.88192126434835505));
    let t22 = cmul(o[22], vec2<f32>(-0.55557023301960196, -0.83146961230254546));
    let t23 = cmul(o[23], vec2<f32>(-0.63439328416364538, -0.7730104533627371));
    let t24 = cmul(o[24], vec2<f32>(-0.70710678118654746, -0.70710678118654757));
    let t25 = cmul(o[25], vec2<f32>(-0.77301045336273699, -0.63439328416364549));
    let t26 = cmul(o[26], vec2<f32>(-0.83146961230254535, -0.55557023301960218));
    let t27 = cmul(o[27], vec2<f32>(-0.88192126434835494, -0.47139673682599786));
    let t28 = cmul(o[28], vec2<f32>(-0.92387953251128674, -0.38268343236508989));
    let t29 = cmul(o[29], vec2<f32>(-0.95694033573220882, -0.29028467725446239));
    let t30 = cmul(o[30], vec2<f32>(-0.98078528040323043, -0.19509032201612861));
    let t31 = cmul(o[31], vec2<f32>(-0.99518472667219682, -0.098017140329560826));
    return array<vec2<f32>, 64>(
        e[0] + t0, e[1] + t1, e[2] + t2, e[3] + t3, e[4] + t4, e[5] + t5, e[6] + t6, e[7] + t7,
        e[8] + t8, e[9] + t9, e[10] + t10, e[11] + t11, e[12] + t12, e[13] + t13, e[14] + t14, e[15] + t15,
        e[16] + t16, e[17] + t17, e[18] + t18, e[19] + t19, e[20] + t20, e[21] + t21, e[22] + t22, e[23] + t23,
        e[24] + t24, e[25] + t25, e[26] + t26, e[27] + t27, e[28] + t28, e[29] + t29, e[30] + t30, e[31] + t31,
        e[0] - t0, e[1] - t1, e[2] - t2, e[3] - t3, e[4] - t4, e[5] - t5, e[6] - t6, e[7] - t7,
        e[8] - t8, e[9] - t9, e[10] - t10, e[11] - t11, e[12] - t12, e[13] - t13, e[14] - t14, e[15] - t15,
        e[16] - t16, e[17] - t17, e[18] - t18, e[19] - t19, e[20] - t20, e[21] - t21, e[22] - t22, e[23] - t23,
        e[24] - t24, e[25] - t25, e[26] - t26, e[27] - t27, e[28] - t28, e[29] - t29, e[30] - t30, e[31] - t31,
    );
}

// Butterflies j and j+1 (j even) of column m in a radix-2 stage of span 2^log_ns.
fn bf2(first: bool, m: u32, j: u32, log_ns: u32) -> array<vec4<f32>, 2> {
    let s = FFT_P / 2u;
    let v = array<vec4<f32>, 2>(
        fft_read2(first, m, j + 0u * s),
        fft_read2(first, m, j + 1u * s),
    );
    var a = array<vec2<f32>, 2>(v[0].xy, v[1].xy);
    var b = array<vec2<f32>, 2>(v[0].zw, v[1].zw);
    if first && FFT_TW_IN {
        // Cross-pass twiddles W^(e·k), e = j + r·s (+1 for b): W^(jk)·(W^(sk))^r.
        let k = fft_tw_k(m);
        let lp = fp.log_ns + log2u(FFT_P);
        let msk = (1u << lp) - 1u;
        let c0 = twiddle((j * k) & msk, lp);
        let d = twiddle(k & msk, lp);
        let c1 = twiddle((s * k) & msk, lp);

        a[0] = cmul(a[0], c0);
        b[0] = cmul(b[0], cmul(c0, d));
        let e1 = cmul(c0, c1);
        a[1] = cmul(a[1], e1);
        b[1] = cmul(b[1], cmul(e1, d));
    }
    if log_ns > 0u {
        let k = j & ((1u << log_ns) - 1u);
        let w = stage_tw(((2u << log_ns) + k) >> 1u);
        let p1 = w.xy;
        let q1 = w.zw;


        a[1] = cmul(a[1], p1);
        b[1] = cmul(b[1], q1);
    }
    let ya = dft2(a);
    let yb = dft2(b);
    return array<vec4<f32>, 2>(
        vec4<f32>(ya[0], yb[0]),
        vec4<f32>(ya[1], yb[1]),
    );
}

// Writes the outputs of butterflies j, j+1 (y: (a, b) pairs) of a span-1 stage: butterfly j
// writes j*2 + r, so the pairs are (r, r+1) of one butterfly.
fn wr1_2(last: bool, m: u32, j: u32, y: array<vec4<f32>, 2>) {
    fft_write2(last, m, j * 2u + 0u, vec4<f32>(y[0].xy, y[1].xy));
    fft_write2(last, m, j * 2u + 2u, vec4<f32>(y[0].zw, y[1].zw));
}

// The same for span 2^log_ns > 1: outputs r of j and j+1 are neighbours.
fn wrn_2(last: bool, m: u32, j: u32, log_ns: u32, y: array<vec4<f32>, 2>) {
    let ns = 1u << log_ns;
    let base = ((j >> log_ns) << (log_ns + 1u)) + (j & (ns - 1u));
    fft_write2(last, m, base + 0u * ns, y[0]);
    fft_write2(last, m, base + 1u * ns, y[1]);
}

// First stage (span 1) reading through fft_load2: 8 pair(s) per invocation (no barrier
// between reads and writes: nothing else reads what it writes), then a barrier.
fn fst2(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 4u, 1u);
    let j0 = (g0 % max(FFT_P / 4u, 1u)) * 2u;
    let y0 = bf2(true, m0, j0, 0u);
    wr1_2(false, m0, j0, y0);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 4u, 1u);
    let j1 = (g1 % max(FFT_P / 4u, 1u)) * 2u;
    let y1 = bf2(true, m1, j1, 0u);
    wr1_2(false, m1, j1, y1);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 4u, 1u);
    let j2 = (g2 % max(FFT_P / 4u, 1u)) * 2u;
    let y2 = bf2(true, m2, j2, 0u);
    wr1_2(false, m2, j2, y2);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 4u, 1u);
    let j3 = (g3 % max(FFT_P / 4u, 1u)) * 2u;
    let y3 = bf2(true, m3, j3, 0u);
    wr1_2(false, m3, j3, y3);
    let g4 = li + 4u * FFT_WG;
    let m4 = g4 / max(FFT_P / 4u, 1u);
    let j4 = (g4 % max(FFT_P / 4u, 1u)) * 2u;
    let y4 = bf2(true, m4, j4, 0u);
    wr1_2(false, m4, j4, y4);
    let g5 = li + 5u * FFT_WG;
    let m5 = g5 / max(FFT_P / 4u, 1u);
    let j5 = (g5 % max(FFT_P / 4u, 1u)) * 2u;
    let y5 = bf2(true, m5, j5, 0u);
    wr1_2(false, m5, j5, y5);
    let g6 = li + 6u * FFT_WG;
    let m6 = g6 / max(FFT_P / 4u, 1u);
    let j6 = (g6 % max(FFT_P / 4u, 1u)) * 2u;
    let y6 = bf2(true, m6, j6, 0u);
    wr1_2(false, m6, j6, y6);
    let g7 = li + 7u * FFT_WG;
    let m7 = g7 / max(FFT_P / 4u, 1u);
    let j7 = (g7 % max(FFT_P / 4u, 1u)) * 2u;
    let y7 = bf2(true, m7, j7, 0u);
    wr1_2(false, m7, j7, y7);
    workgroupBarrier();
}

// First stage (span 1) from workgroup memory: all reads, barrier, all writes, barrier.
fn fsm2(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 4u, 1u);
    let j0 = (g0 % max(FFT_P / 4u, 1u)) * 2u;
    let y0 = bf2(false, m0, j0, 0u);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 4u, 1u);
    let j1 = (g1 % max(FFT_P / 4u, 1u)) * 2u;
    let y1 = bf2(false, m1, j1, 0u);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 4u, 1u);
    let j2 = (g2 % max(FFT_P / 4u, 1u)) * 2u;
    let y2 = bf2(false, m2, j2, 0u);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 4u, 1u);
    let j3 = (g3 % max(FFT_P / 4u, 1u)) * 2u;
    let y3 = bf2(false, m3, j3, 0u);
    let g4 = li + 4u * FFT_WG;
    let m4 = g4 / max(FFT_P / 4u, 1u);
    let j4 = (g4 % max(FFT_P / 4u, 1u)) * 2u;
    let y4 = bf2(false, m4, j4, 0u);
    let g5 = li + 5u * FFT_WG;
    let m5 = g5 / max(FFT_P / 4u, 1u);
    let j5 = (g5 % max(FFT_P / 4u, 1u)) * 2u;
    let y5 = bf2(false, m5, j5, 0u);
    let g6 = li + 6u * FFT_WG;
    let m6 = g6 / max(FFT_P / 4u, 1u);
    let j6 = (g6 % max(FFT_P / 4u, 1u)) * 2u;
    let y6 = bf2(false, m6, j6, 0u);
    let g7 = li + 7u * FFT_WG;
    let m7 = g7 / max(FFT_P / 4u, 1u);
    let j7 = (g7 % max(FFT_P / 4u, 1u)) * 2u;
    let y7 = bf2(false, m7, j7, 0u);
    workgroupBarrier();
    wr1_2(false, m0, j0, y0);
    wr1_2(false, m1, j1, y1);
    wr1_2(false, m2, j2, y2);
    wr1_2(false, m3, j3, y3);
    wr1_2(false, m4, j4, y4);
    wr1_2(false, m5, j5, y5);
    wr1_2(false, m6, j6, y6);
    wr1_2(false, m7, j7, y7);
    workgroupBarrier();
}


// A later stage of span 2^log_ns (reads workgroup memory); with `last` it writes through
// fft_store2 (no barrier needed), else back to workgroup memory between two barriers.
fn lst2(li: u32, log_ns: u32, last: bool) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 4u, 1u);
    let j0 = (g0 % max(FFT_P / 4u, 1u)) * 2u;
    let y0 = bf2(false, m0, j0, log_ns);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 4u, 1u);
    let j1 = (g1 % max(FFT_P / 4u, 1u)) * 2u;
    let y1 = bf2(false, m1, j1, log_ns);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 4u, 1u);
    let j2 = (g2 % max(FFT_P / 4u, 1u)) * 2u;
    let y2 = bf2(false, m2, j2, log_ns);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 4u, 1u);
    let j3 = (g3 % max(FFT_P / 4u, 1u)) * 2u;
    let y3 = bf2(false, m3, j3, log_ns);
    let g4 = li + 4u * FFT_WG;
    let m4 = g4 / max(FFT_P / 4u, 1u);
    let j4 = (g4 % max(FFT_P / 4u, 1u)) * 2u;
    let y4 = bf2(false, m4, j4, log_ns);
    let g5 = li + 5u * FFT_WG;
    let m5 = g5 / max(FFT_P / 4u, 1u);
    let j5 = (g5 % max(FFT_P / 4u, 1u)) * 2u;
    let y5 = bf2(false, m5, j5, log_ns);
    let g6 = li + 6u * FFT_WG;
    let m6 = g6 / max(FFT_P / 4u, 1u);
    let j6 = (g6 % max(FFT_P / 4u, 1u)) * 2u;
    let y6 = bf2(false, m6, j6, log_ns);
    let g7 = li + 7u * FFT_WG;
    let m7 = g7 / max(FFT_P / 4u, 1u);
    let j7 = (g7 % max(FFT_P / 4u, 1u)) * 2u;
    let y7 = bf2(false, m7, j7, log_ns);
    if !last {
        workgroupBarrier();
    }
    wrn_2(last, m0, j0, log_ns, y0);
    wrn_2(last, m1, j1, log_ns, y1);
    wrn_2(last, m2, j2, log_ns, y2);
    wrn_2(last, m3, j3, log_ns, y3);
    wrn_2(last, m4, j4, log_ns, y4);
    wrn_2(last, m5, j5, log_ns, y5);
    wrn_2(last, m6, j6, log_ns, y6);
    wrn_2(last, m7, j7, log_ns, y7);
    if !last {
        workgroupBarrier();
    }
}

// First stage (span 1) reading through fft_load2: 32 pair(s) per invocation (no barrier
// between reads and writes: nothing else reads what it writes), then a barrier.
fn fst2w(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 4u, 1u);
    let j0 = (g0 % max(FFT_P / 4u, 1u)) * 2u;
    let y0 = bf2(true, m0, j0, 0u);
    wr1_2(false, m0, j0, y0);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 4u, 1u);
    let j1 = (g1 % max(FFT_P / 4u, 1u)) * 2u;
    let y1 = bf2(true, m1, j1, 0u);
    wr1_2(false, m1, j1, y1);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 4u, 1u);
    let j2 = (g2 % max(FFT_P / 4u, 1u)) * 2u;
    let y2 = bf2(true, m2, j2, 0u);
    wr1_2(false, m2, j2, y2);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 4u, 1u);
    let j3 = (g3 % max(FFT_P / 4u, 1u)) * 2u;
    let y3 = bf2(true, m3, j3, 0u);
    wr1_2(false, m3, j3, y3);
    let g4 = li + 4u * FFT_WG;
    let m4 = g4 / max(FFT_P / 4u, 1u);
    let j4 = (g4 % max(FFT_P / 4u, 1u)) * 2u;
    let y4 = bf2(true, m4, j4, 0u);
    wr1_2(false, m4, j4, y4);
    let g5 = li + 5u * FFT_WG;
    let m5 = g5 / max(FFT_P / 4u, 1u);
    let j5 = (g5 % max(FFT_P / 4u, 1u)) * 2u;
    let y5 = bf2(true, m5, j5, 0u);
    wr1_2(false, m5, j5, y5);
    let g6 = li + 6u * FFT_WG;
    let m6 = g6 / max(FFT_P / 4u, 1u);
    let j6 = (g6 % max(FFT_P / 4u, 1u)) * 2u;
    let y6 = bf2(true, m6, j6, 0u);
    wr1_2(false, m6, j6, y6);
    let g7 = li + 7u * FFT_WG;
    let m7 = g7 / max(FFT_P / 4u, 1u);
    let j7 = (g7 % max(FFT_P / 4u, 1u)) * 2u;
    let y7 = bf2(true, m7, j7, 0u);
    wr1_2(false, m7, j7, y7);
    let g8 = li + 8u * FFT_WG;
    let m8 = g8 / max(FFT_P / 4u, 1u);
    let j8 = (g8 % max(FFT_P / 4u, 1u)) * 2u;
    let y8 = bf2(true, m8, j8, 0u);
    wr1_2(false, m8, j8, y8);
    let g9 = li + 9u * FFT_WG;
    let m9 = g9 / max(FFT_P / 4u, 1u);
    let j9 = (g9 % max(FFT_P / 4u, 1u)) * 2u;
    let y9 = bf2(true, m9, j9, 0u);
    wr1_2(false, m9, j9, y9);
    let g10 = li + 10u * FFT_WG;
    let m10 = g10 / max(FFT_P / 4u, 1u);
    let j10 = (g10 % max(FFT_P / 4u, 1u)) * 2u;
    let y10 = bf2(true, m10, j10, 0u);
    wr1_2(false, m10, j10, y10);
    let g11 = li + 11u * FFT_WG;
    let m11 = g11 / max(FFT_P / 4u, 1u);
    let j11 = (g11 % max(FFT_P / 4u, 1u)) * 2u;
    let y11 = bf2(true, m11, j11, 0u);
    wr1_2(false, m11, j11, y11);
    let g12 = li + 12u * FFT_WG;
    let m12 = g12 / max(FFT_P / 4u, 1u);
    let j12 = (g12 % max(FFT_P / 4u, 1u)) * 2u;
    let y12 = bf2(true, m12, j12, 0u);
    wr1_2(false, m12, j12, y12);
    let g13 = li + 13u * FFT_WG;
    let m13 = g13 / max(FFT_P / 4u, 1u);
    let j13 = (g13 % max(FFT_P / 4u, 1u)) * 2u;
    let y13 = bf2(true, m13, j13, 0u);
    wr1_2(false, m13, j13, y13);
    let g14 = li + 14u * FFT_WG;
    let m14 = g14 / max(FFT_P / 4u, 1u);
    let j14 = (g14 % max(FFT_P / 4u, 1u)) * 2u;
    let y14 = bf2(true, m14, j14, 0u);
    wr1_2(false, m14, j14, y14);
    let g15 = li + 15u * FFT_WG;
    let m15 = g15 / max(FFT_P / 4u, 1u);
    let j15 = (g15 % max(FFT_P / 4u, 1u)) * 2u;
    let y15 = bf2(true, m15, j15, 0u);
    wr1_2(false, m15, j15, y15);
    let g16 = li + 16u * FFT_WG;
    let m16 = g16 / max(FFT_P / 4u, 1u);
    let j16 = (g16 % max(FFT_P / 4u, 1u)) * 2u;
    let y16 = bf2(true, m16, j16, 0u);
    wr1_2(false, m16, j16, y16);
    let g17 = li + 17u * FFT_WG;
    let m17 = g17 / max(FFT_P / 4u, 1u);
    let j17 = (g17 % max(FFT_P / 4u, 1u)) * 2u;
    let y17 = bf2(true, m17, j17, 0u);
    wr1_2(false, m17, j17, y17);
    let g18 = li + 18u * FFT_WG;
    let m18 = g18 / max(FFT_P / 4u, 1u);
    let j18 = (g18 % max(FFT_P / 4u, 1u)) * 2u;
    let y18 = bf2(true, m18, j18, 0u);
    wr1_2(false, m18, j18, y18);
    let g19 = li + 19u * FFT_WG;
    let m19 = g19 / max(FFT_P / 4u, 1u);
    let j19 = (g19 % max(FFT_P / 4u, 1u)) * 2u;
    let y19 = bf2(true, m19, j19, 0u);
    wr1_2(false, m19, j19, y19);
    let g20 = li + 20u * FFT_WG;
    let m20 = g20 / max(FFT_P / 4u, 1u);
    let j20 = (g20 % max(FFT_P / 4u, 1u)) * 2u;
    let y20 = bf2(true, m20, j20, 0u);
    wr1_2(false, m20, j20, y20);
    let g21 = li + 21u * FFT_WG;
    let m21 = g21 / max(FFT_P / 4u, 1u);
    let j21 = (g21 % max(FFT_P / 4u, 1u)) * 2u;
    let y21 = bf2(true, m21, j21, 0u);
    wr1_2(false, m21, j21, y21);
    let g22 = li + 22u * FFT_WG;
    let m22 = g22 / max(FFT_P / 4u, 1u);
    let j22 = (g22 % max(FFT_P / 4u, 1u)) * 2u;
    let y22 = bf2(true, m22, j22, 0u);
    wr1_2(false, m22, j22, y22);
    let g23 = li + 23u * FFT_WG;
    let m23 = g23 / max(FFT_P / 4u, 1u);
    let j23 = (g23 % max(FFT_P / 4u, 1u)) * 2u;
    let y23 = bf2(true, m23, j23, 0u);
    wr1_2(false, m23, j23, y23);
    let g24 = li + 24u * FFT_WG;
    let m24 = g24 / max(FFT_P / 4u, 1u);
    let j24 = (g24 % max(FFT_P / 4u, 1u)) * 2u;
    let y24 = bf2(true, m24, j24, 0u);
    wr1_2(false, m24, j24, y24);
    let g25 = li + 25u * FFT_WG;
    let m25 = g25 / max(FFT_P / 4u, 1u);
    let j25 = (g25 % max(FFT_P / 4u, 1u)) * 2u;
    let y25 = bf2(true, m25, j25, 0u);
    wr1_2(false, m25, j25, y25);
    let g26 = li + 26u * FFT_WG;
    let m26 = g26 / max(FFT_P / 4u, 1u);
    let j26 = (g26 % max(FFT_P / 4u, 1u)) * 2u;
    let y26 = bf2(true, m26, j26, 0u);
    wr1_2(false, m26, j26, y26);
    let g27 = li + 27u * FFT_WG;
    let m27 = g27 / max(FFT_P / 4u, 1u);
    let j27 = (g27 % max(FFT_P / 4u, 1u)) * 2u;
    let y27 = bf2(true, m27, j27, 0u);
    wr1_2(false, m27, j27, y27);
    let g28 = li + 28u * FFT_WG;
    let m28 = g28 / max(FFT_P / 4u, 1u);
    let j28 = (g28 % max(FFT_P / 4u, 1u)) * 2u;
    let y28 = bf2(true, m28, j28, 0u);
    wr1_2(false, m28, j28, y28);
    let g29 = li + 29u * FFT_WG;
    let m29 = g29 / max(FFT_P / 4u, 1u);
    let j29 = (g29 % max(FFT_P / 4u, 1u)) * 2u;
    let y29 = bf2(true, m29, j29, 0u);
    wr1_2(false, m29, j29, y29);
    let g30 = li + 30u * FFT_WG;
    let m30 = g30 / max(FFT_P / 4u, 1u);
    let j30 = (g30 % max(FFT_P / 4u, 1u)) * 2u;
    let y30 = bf2(true, m30, j30, 0u);
    wr1_2(false, m30, j30, y30);
    let g31 = li + 31u * FFT_WG;
    let m31 = g31 / max(FFT_P / 4u, 1u);
    let j31 = (g31 % max(FFT_P / 4u, 1u)) * 2u;
    let y31 = bf2(true, m31, j31, 0u);
    wr1_2(false, m31, j31, y31);
    workgroupBarrier();
}

// First stage (span 1) from workgroup memory: all reads, barrier, all writes, barrier.
fn fsm2w(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 4u, 1u);
    let j0 = (g0 % max(FFT_P / 4u, 1u)) * 2u;
    let y0 = bf2(false, m0, j0, 0u);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 4u, 1u);
    let j1 = (g1 % max(FFT_P / 4u, 1u)) * 2u;
    let y1 = bf2(false, m1, j1, 0u);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 4u, 1u);
    let j2 = (g2 % max(FFT_P / 4u, 1u)) * 2u;
    let y2 = bf2(false, m2, j2, 0u);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 4u, 1u);
    let j3 = (g3 % max(FFT_P / 4u, 1u)) * 2u;
    let y3 = bf2(false, m3, j3, 0u);
    let g4 = li + 4u * FFT_WG;
    let m4 = g4 / max(FFT_P / 4u, 1u);
    let j4 = (g4 % max(FFT_P / 4u, 1u)) * 2u;
    let y4 = bf2(false, m4, j4, 0u);
    let g5 = li + 5u * FFT_WG;
    let m5 = g5 / max(FFT_P / 4u, 1u);
    let j5 = (g5 % max(FFT_P / 4u, 1u)) * 2u;
    let y5 = bf2(false, m5, j5, 0u);
    let g6 = li + 6u * FFT_WG;
    let m6 = g6 / max(FFT_P / 4u, 1u);
    let j6 = (g6 % max(FFT_P / 4u, 1u)) * 2u;
    let y6 = bf2(false, m6, j6, 0u);
    let g7 = li + 7u * FFT_WG;
    let m7 = g7 / max(FFT_P / 4u, 1u);
    let j7 = (g7 % max(FFT_P / 4u, 1u)) * 2u;
    let y7 = bf2(false, m7, j7, 0u);
    let g8 = li + 8u * FFT_WG;
    let m8 = g8 / max(FFT_P / 4u, 1u);
    let j8 = (g8 % max(FFT_P / 4u, 1u)) * 2u;
    let y8 = bf2(false, m8, j8, 0u);
    let g9 = li + 9u * FFT_WG;
    let m9 = g9 / max(FFT_P / 4u, 1u);
    let j9 = (g9 % max(FFT_P / 4u, 1u)) * 2u;
    let y9 = bf2(false, m9, j9, 0u);
    let g10 = li + 10u * FFT_WG;
    let m10 = g10 / max(FFT_P / 4u, 1u);
    let j10 = (g10 % max(FFT_P / 4u, 1u)) * 2u;
    let y10 = bf2(false, m10, j10, 0u);
    let g11 = li + 11u * FFT_WG;
    let m11 = g11 / max(FFT_P / 4u, 1u);
    let j11 = (g11 % max(FFT_P / 4u, 1u)) * 2u;
    let y11 = bf2(false, m11, j11, 0u);
    let g12 = li + 12u * FFT_WG;
    let m12 = g12 / max(FFT_P / 4u, 1u);
    let j12 = (g12 % max(FFT_P / 4u, 1u)) * 2u;
    let y12 = bf2(false, m12, j12, 0u);
    let g13 = li + 13u * FFT_WG;
    let m13 = g13 / max(FFT_P / 4u, 1u);
    let j13 = (g13 % max(FFT_P / 4u, 1u)) * 2u;
    let y13 = bf2(false, m13, j13, 0u);
    let g14 = li + 14u * FFT_WG;
    let m14 = g14 / max(FFT_P / 4u, 1u);
    let j14 = (g14 % max(FFT_P / 4u, 1u)) * 2u;
    let y14 = bf2(false, m14, j14, 0u);
    let g15 = li + 15u * FFT_WG;
    let m15 = g15 / max(FFT_P / 4u, 1u);
    let j15 = (g15 % max(FFT_P / 4u, 1u)) * 2u;
    let y15 = bf2(false, m15, j15, 0u);
    let g16 = li + 16u * FFT_WG;
    let m16 = g16 / max(FFT_P / 4u, 1u);
    let j16 = (g16 % max(FFT_P / 4u, 1u)) * 2u;
    let y16 = bf2(false, m16, j16, 0u);
    let g17 = li + 17u * FFT_WG;
    let m17 = g17 / max(FFT_P / 4u, 1u);
    let j17 = (g17 % max(FFT_P / 4u, 1u)) * 2u;
    let y17 = bf2(false, m17, j17, 0u);
    let g18 = li + 18u * FFT_WG;
    let m18 = g18 / max(FFT_P / 4u, 1u);
    let j18 = (g18 % max(FFT_P / 4u, 1u)) * 2u;
    let y18 = bf2(false, m18, j18, 0u);
    let g19 = li + 19u * FFT_WG;
    let m19 = g19 / max(FFT_P / 4u, 1u);
    let j19 = (g19 % max(FFT_P / 4u, 1u)) * 2u;
    let y19 = bf2(false, m19, j19, 0u);
    let g20 = li + 20u * FFT_WG;
    let m20 = g20 / max(FFT_P / 4u, 1u);
    let j20 = (g20 % max(FFT_P / 4u, 1u)) * 2u;
    let y20 = bf2(false, m20, j20, 0u);
    let g21 = li + 21u * FFT_WG;
    let m21 = g21 / max(FFT_P / 4u, 1u);
    let j21 = (g21 % max(FFT_P / 4u, 1u)) * 2u;
    let y21 = bf2(false, m21, j21, 0u);
    let g22 = li + 22u * FFT_WG;
    let m22 = g22 / max(FFT_P / 4u, 1u);
    let j22 = (g22 % max(FFT_P / 4u, 1u)) * 2u;
    let y22 = bf2(false, m22, j22, 0u);
    let g23 = li + 23u * FFT_WG;
    let m23 = g23 / max(FFT_P / 4u, 1u);
    let j23 = (g23 % max(FFT_P / 4u, 1u)) * 2u;
    let y23 = bf2(false, m23, j23, 0u);
    let g24 = li + 24u * FFT_WG;
    let m24 = g24 / max(FFT_P / 4u, 1u);
    let j24 = (g24 % max(FFT_P / 4u, 1u)) * 2u;
    let y24 = bf2(false, m24, j24, 0u);
    let g25 = li + 25u * FFT_WG;
    let m25 = g25 / max(FFT_P / 4u, 1u);
    let j25 = (g25 % max(FFT_P / 4u, 1u)) * 2u;
    let y25 = bf2(false, m25, j25, 0u);
    let g26 = li + 26u * FFT_WG;
    let m26 = g26 / max(FFT_P / 4u, 1u);
    let j26 = (g26 % max(FFT_P / 4u, 1u)) * 2u;
    let y26 = bf2(false, m26, j26, 0u);
    let g27 = li + 27u * FFT_WG;
    let m27 = g27 / max(FFT_P / 4u, 1u);
    let j27 = (g27 % max(FFT_P / 4u, 1u)) * 2u;
    let y27 = bf2(false, m27, j27, 0u);
    let g28 = li + 28u * FFT_WG;
    let m28 = g28 / max(FFT_P / 4u, 1u);
    let j28 = (g28 % max(FFT_P / 4u, 1u)) * 2u;
    let y28 = bf2(false, m28, j28, 0u);
    let g29 = li + 29u * FFT_WG;
    let m29 = g29 / max(FFT_P / 4u, 1u);
    let j29 = (g29 % max(FFT_P / 4u, 1u)) * 2u;
    let y29 = bf2(false, m29, j29, 0u);
    let g30 = li + 30u * FFT_WG;
    let m30 = g30 / max(FFT_P / 4u, 1u);
    let j30 = (g30 % max(FFT_P / 4u, 1u)) * 2u;
    let y30 = bf2(false, m30, j30, 0u);
    let g31 = li + 31u * FFT_WG;
    let m31 = g31 / max(FFT_P / 4u, 1u);
    let j31 = (g31 % max(FFT_P / 4u, 1u)) * 2u;
    let y31 = bf2(false, m31, j31, 0u);
    workgroupBarrier();
    wr1_2(false, m0, j0, y0);
    wr1_2(false, m1, j1, y1);
    wr1_2(false, m2, j2, y2);
    wr1_2(false, m3, j3, y3);
    wr1_2(false, m4, j4, y4);
    wr1_2(false, m5, j5, y5);
    wr1_2(false, m6, j6, y6);
    wr1_2(false, m7, j7, y7);
    wr1_2(false, m8, j8, y8);
    wr1_2(false, m9, j9, y9);
    wr1_2(false, m10, j10, y10);
    wr1_2(false, m11, j11, y11);
    wr1_2(false, m12, j12, y12);
    wr1_2(false, m13, j13, y13);
    wr1_2(false, m14, j14, y14);
    wr1_2(false, m15, j15, y15);
    wr1_2(false, m16, j16, y16);
    wr1_2(false, m17, j17, y17);
    wr1_2(false, m18, j18, y18);
    wr1_2(false, m19, j19, y19);
    wr1_2(false, m20, j20, y20);
    wr1_2(false, m21, j21, y21);
    wr1_2(false, m22, j22, y22);
    wr1_2(false, m23, j23, y23);
    wr1_2(false, m24, j24, y24);
    wr1_2(false, m25, j25, y25);
    wr1_2(false, m26, j26, y26);
    wr1_2(false, m27, j27, y27);
    wr1_2(false, m28, j28, y28);
    wr1_2(false, m29, j29, y29);
    wr1_2(false, m30, j30, y30);
    wr1_2(false, m31, j31, y31);
    workgroupBarrier();
}

// Butterflies j and j+1 (j even) of column m in a radix-4 stage of span 2^log_ns.
fn bf4(first: bool, m: u32, j: u32, log_ns: u32) -> array<vec4<f32>, 4> {
    let s = FFT_P / 4u;
    let v = array<vec4<f32>, 4>(
        fft_read2(first, m, j + 0u * s),
        fft_read2(first, m, j + 1u * s),
        fft_read2(first, m, j + 2u * s),
        fft_read2(first, m, j + 3u * s),
    );
    var a = array<vec2<f32>, 4>(v[0].xy, v[1].xy, v[2].xy, v[3].xy);
    var b = array<vec2<f32>, 4>(v[0].zw, v[1].zw, v[2].zw, v[3].zw);
    if first && FFT_TW_IN {
        // Cross-pass twiddles W^(e·k), e = j + r·s (+1 for b): W^(jk)·(W^(sk))^r.
        let k = fft_tw_k(m);
        let lp = fp.log_ns + log2u(FFT_P);
        let msk = (1u << lp) - 1u;
        let c0 = twiddle((j * k) & msk, lp);
        let d = twiddle(k & msk, lp);
        let c1 = twiddle((s * k) & msk, lp);
        let c2 = cmul(c1, c1);
        let c3 = cmul(c2, c1);
        a[0] = cmul(a[0], c0);
        b[0] = cmul(b[0], cmul(c0, d));
        let e1 = cmul(c0, c1);
        let e2 = cmul(c0, c2);
        let e3 = cmul(c0, c3);
        a[1] = cmul(a[1], e1);
        b[1] = cmul(b[1], cmul(e1, d));
        a[2] = cmul(a[2], e2);
        b[2] = cmul(b[2], cmul(e2, d));
        a[3] = cmul(a[3], e3);
        b[3] = cmul(b[3], cmul(e3, d));
    }
    if log_ns > 0u {
        let k = j & ((1u << log_ns) - 1u);
        let w = stage_tw(((4u << log_ns) + k) >> 1u);
        let p1 = w.xy;
        let q1 = w.zw;
        let p2 = cmul(p1, p1);
        let p3 = cmul(p2, p1);
        let q2 = cmul(q1, q1);
        let q3 = cmul(q2, q1);
        a[1] = cmul(a[1], p1);
        b[1] = cmul(b[1], q1);
        a[2] = cmul(a[2], p2);
        b[2] = cmul(b[2], q2);
        a[3] = cmul(a[3], p3);
        b[3] = cmul(b[3], q3);
    }
    let ya = dft4(a);
    let yb = dft4(b);
    return array<vec4<f32>, 4>(
        vec4<f32>(ya[0], yb[0]),
        vec4<f32>(ya[1], yb[1]),
        vec4<f32>(ya[2], yb[2]),
        vec4<f32>(ya[3], yb[3]),
    );
}

// Writes the outputs of butterflies j, j+1 (y: (a, b) pairs) of a span-1 stage: butterfly j
// writes j*4 + r, so the pairs are (r, r+1) of one butterfly.
fn wr1_4(last: bool, m: u32, j: u32, y: array<vec4<f32>, 4>) {
    fft_write2(last, m, j * 4u + 0u, vec4<f32>(y[0].xy, y[1].xy));
    fft_write2(last, m, j * 4u + 4u, vec4<f32>(y[0].zw, y[1].zw));
    fft_write2(last, m, j * 4u + 2u, vec4<f32>(y[2].xy, y[3].xy));
    fft_write2(last, m, j * 4u + 6u, vec4<f32>(y[2].zw, y[3].zw));
}

// The same for span 2^log_ns > 1: outputs r of j and j+1 are neighbours.
fn wrn_4(last: bool, m: u32, j: u32, log_ns: u32, y: array<vec4<f32>, 4>) {
    let ns = 1u << log_ns;
    let base = ((j >> log_ns) << (log_ns + 2u)) + (j & (ns - 1u));
    fft_write2(last, m, base + 0u * ns, y[0]);
    fft_write2(last, m, base + 1u * ns, y[1]);
    fft_write2(last, m, base + 2u * ns, y[2]);
    fft_write2(last, m, base + 3u * ns, y[3]);
}

// First stage (span 1) reading through fft_load2: 4 pair(s) per invocation (no barrier
// between reads and writes: nothing else reads what it writes), then a barrier.
fn fst4(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 8u, 1u);
    let j0 = (g0 % max(FFT_P / 8u, 1u)) * 2u;
    let y0 = bf4(true, m0, j0, 0u);
    wr1_4(false, m0, j0, y0);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 8u, 1u);
    let j1 = (g1 % max(FFT_P / 8u, 1u)) * 2u;
    let y1 = bf4(true, m1, j1, 0u);
    wr1_4(false, m1, j1, y1);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 8u, 1u);
    let j2 = (g2 % max(FFT_P / 8u, 1u)) * 2u;
    let y2 = bf4(true, m2, j2, 0u);
    wr1_4(false, m2, j2, y2);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 8u, 1u);
    let j3 = (g3 % max(FFT_P / 8u, 1u)) * 2u;
    let y3 = bf4(true, m3, j3, 0u);
    wr1_4(false, m3, j3, y3);
    workgroupBarrier();
}

// First stage (span 1) from workgroup memory: all reads, barrier, all writes, barrier.
fn fsm4(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 8u, 1u);
    let j0 = (g0 % max(FFT_P / 8u, 1u)) * 2u;
    let y0 = bf4(false, m0, j0, 0u);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 8u, 1u);
    let j1 = (g1 % max(FFT_P / 8u, 1u)) * 2u;
    let y1 = bf4(false, m1, j1, 0u);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 8u, 1u);
    let j2 = (g2 % max(FFT_P / 8u, 1u)) * 2u;
    let y2 = bf4(false, m2, j2, 0u);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 8u, 1u);
    let j3 = (g3 % max(FFT_P / 8u, 1u)) * 2u;
    let y3 = bf4(false, m3, j3, 0u);
    workgroupBarrier();
    wr1_4(false, m0, j0, y0);
    wr1_4(false, m1, j1, y1);
    wr1_4(false, m2, j2, y2);
    wr1_4(false, m3, j3, y3);
    workgroupBarrier();
}


// A later stage of span 2^log_ns (reads workgroup memory); with `last` it writes through
// fft_store2 (no barrier needed), else back to workgroup memory between two barriers.
fn lst4(li: u32, log_ns: u32, last: bool) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 8u, 1u);
    let j0 = (g0 % max(FFT_P / 8u, 1u)) * 2u;
    let y0 = bf4(false, m0, j0, log_ns);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 8u, 1u);
    let j1 = (g1 % max(FFT_P / 8u, 1u)) * 2u;
    let y1 = bf4(false, m1, j1, log_ns);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 8u, 1u);
    let j2 = (g2 % max(FFT_P / 8u, 1u)) * 2u;
    let y2 = bf4(false, m2, j2, log_ns);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 8u, 1u);
    let j3 = (g3 % max(FFT_P / 8u, 1u)) * 2u;
    let y3 = bf4(false, m3, j3, log_ns);
    if !last {
        workgroupBarrier();
    }
    wrn_4(last, m0, j0, log_ns, y0);
    wrn_4(last, m1, j1, log_ns, y1);
    wrn_4(last, m2, j2, log_ns, y2);
    wrn_4(last, m3, j3, log_ns, y3);
    if !last {
        workgroupBarrier();
    }
}

// First stage (span 1) reading through fft_load2: 16 pair(s) per invocation (no barrier
// between reads and writes: nothing else reads what it writes), then a barrier.
fn fst4w(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 8u, 1u);
    let j0 = (g0 % max(FFT_P / 8u, 1u)) * 2u;
    let y0 = bf4(true, m0, j0, 0u);
    wr1_4(false, m0, j0, y0);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 8u, 1u);
    let j1 = (g1 % max(FFT_P / 8u, 1u)) * 2u;
    let y1 = bf4(true, m1, j1, 0u);
    wr1_4(false, m1, j1, y1);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 8u, 1u);
    let j2 = (g2 % max(FFT_P / 8u, 1u)) * 2u;
    let y2 = bf4(true, m2, j2, 0u);
    wr1_4(false, m2, j2, y2);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 8u, 1u);
    let j3 = (g3 % max(FFT_P / 8u, 1u)) * 2u;
    let y3 = bf4(true, m3, j3, 0u);
    wr1_4(false, m3, j3, y3);
    let g4 = li + 4u * FFT_WG;
    let m4 = g4 / max(FFT_P / 8u, 1u);
    let j4 = (g4 % max(FFT_P / 8u, 1u)) * 2u;
    let y4 = bf4(true, m4, j4, 0u);
    wr1_4(false, m4, j4, y4);
    let g5 = li + 5u * FFT_WG;
    let m5 = g5 / max(FFT_P / 8u, 1u);
    let j5 = (g5 % max(FFT_P / 8u, 1u)) * 2u;
    let y5 = bf4(true, m5, j5, 0u);
    wr1_4(false, m5, j5, y5);
    let g6 = li + 6u * FFT_WG;
    let m6 = g6 / max(FFT_P / 8u, 1u);
    let j6 = (g6 % max(FFT_P / 8u, 1u)) * 2u;
    let y6 = bf4(true, m6, j6, 0u);
    wr1_4(false, m6, j6, y6);
    let g7 = li + 7u * FFT_WG;
    let m7 = g7 / max(FFT_P / 8u, 1u);
    let j7 = (g7 % max(FFT_P / 8u, 1u)) * 2u;
    let y7 = bf4(true, m7, j7, 0u);
    wr1_4(false, m7, j7, y7);
    let g8 = li + 8u * FFT_WG;
    let m8 = g8 / max(FFT_P / 8u, 1u);
    let j8 = (g8 % max(FFT_P / 8u, 1u)) * 2u;
    let y8 = bf4(true, m8, j8, 0u);
    wr1_4(false, m8, j8, y8);
    let g9 = li + 9u * FFT_WG;
    let m9 = g9 / max(FFT_P / 8u, 1u);
    let j9 = (g9 % max(FFT_P / 8u, 1u)) * 2u;
    let y9 = bf4(true, m9, j9, 0u);
    wr1_4(false, m9, j9, y9);
    let g10 = li + 10u * FFT_WG;
    let m10 = g10 / max(FFT_P / 8u, 1u);
    let j10 = (g10 % max(FFT_P / 8u, 1u)) * 2u;
    let y10 = bf4(true, m10, j10, 0u);
    wr1_4(false, m10, j10, y10);
    let g11 = li + 11u * FFT_WG;
    let m11 = g11 / max(FFT_P / 8u, 1u);
    let j11 = (g11 % max(FFT_P / 8u, 1u)) * 2u;
    let y11 = bf4(true, m11, j11, 0u);
    wr1_4(false, m11, j11, y11);
    let g12 = li + 12u * FFT_WG;
    let m12 = g12 / max(FFT_P / 8u, 1u);
    let j12 = (g12 % max(FFT_P / 8u, 1u)) * 2u;
    let y12 = bf4(true, m12, j12, 0u);
    wr1_4(false, m12, j12, y12);
    let g13 = li + 13u * FFT_WG;
    let m13 = g13 / max(FFT_P / 8u, 1u);
    let j13 = (g13 % max(FFT_P / 8u, 1u)) * 2u;
    let y13 = bf4(true, m13, j13, 0u);
    wr1_4(false, m13, j13, y13);
    let g14 = li + 14u * FFT_WG;
    let m14 = g14 / max(FFT_P / 8u, 1u);
    let j14 = (g14 % max(FFT_P / 8u, 1u)) * 2u;
    let y14 = bf4(true, m14, j14, 0u);
    wr1_4(false, m14, j14, y14);
    let g15 = li + 15u * FFT_WG;
    let m15 = g15 / max(FFT_P / 8u, 1u);
    let j15 = (g15 % max(FFT_P / 8u, 1u)) * 2u;
    let y15 = bf4(true, m15, j15, 0u);
    wr1_4(false, m15, j15, y15);
    workgroupBarrier();
}

// First stage (span 1) from workgroup memory: all reads, barrier, all writes, barrier.
fn fsm4w(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 8u, 1u);
    let j0 = (g0 % max(FFT_P / 8u, 1u)) * 2u;
    let y0 = bf4(false, m0, j0, 0u);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 8u, 1u);
    let j1 = (g1 % max(FFT_P / 8u, 1u)) * 2u;
    let y1 = bf4(false, m1, j1, 0u);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 8u, 1u);
    let j2 = (g2 % max(FFT_P / 8u, 1u)) * 2u;
    let y2 = bf4(false, m2, j2, 0u);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 8u, 1u);
    let j3 = (g3 % max(FFT_P / 8u, 1u)) * 2u;
    let y3 = bf4(false, m3, j3, 0u);
    let g4 = li + 4u * FFT_WG;
    let m4 = g4 / max(FFT_P / 8u, 1u);
    let j4 = (g4 % max(FFT_P / 8u, 1u)) * 2u;
    let y4 = bf4(false, m4, j4, 0u);
    let g5 = li + 5u * FFT_WG;
    let m5 = g5 / max(FFT_P / 8u, 1u);
    let j5 = (g5 % max(FFT_P / 8u, 1u)) * 2u;
    let y5 = bf4(false, m5, j5, 0u);
    let g6 = li + 6u * FFT_WG;
    let m6 = g6 / max(FFT_P / 8u, 1u);
    let j6 = (g6 % max(FFT_P / 8u, 1u)) * 2u;
    let y6 = bf4(false, m6, j6, 0u);
    let g7 = li + 7u * FFT_WG;
    let m7 = g7 / max(FFT_P / 8u, 1u);
    let j7 = (g7 % max(FFT_P / 8u, 1u)) * 2u;
    let y7 = bf4(false, m7, j7, 0u);
    let g8 = li + 8u * FFT_WG;
    let m8 = g8 / max(FFT_P / 8u, 1u);
    let j8 = (g8 % max(FFT_P / 8u, 1u)) * 2u;
    let y8 = bf4(false, m8, j8, 0u);
    let g9 = li + 9u * FFT_WG;
    let m9 = g9 / max(FFT_P / 8u, 1u);
    let j9 = (g9 % max(FFT_P / 8u, 1u)) * 2u;
    let y9 = bf4(false, m9, j9, 0u);
    let g10 = li + 10u * FFT_WG;
    let m10 = g10 / max(FFT_P / 8u, 1u);
    let j10 = (g10 % max(FFT_P / 8u, 1u)) * 2u;
    let y10 = bf4(false, m10, j10, 0u);
    let g11 = li + 11u * FFT_WG;
    let m11 = g11 / max(FFT_P / 8u, 1u);
    let j11 = (g11 % max(FFT_P / 8u, 1u)) * 2u;
    let y11 = bf4(false, m11, j11, 0u);
    let g12 = li + 12u * FFT_WG;
    let m12 = g12 / max(FFT_P / 8u, 1u);
    let j12 = (g12 % max(FFT_P / 8u, 1u)) * 2u;
    let y12 = bf4(false, m12, j12, 0u);
    let g13 = li + 13u * FFT_WG;
    let m13 = g13 / max(FFT_P / 8u, 1u);
    let j13 = (g13 % max(FFT_P / 8u, 1u)) * 2u;
    let y13 = bf4(false, m13, j13, 0u);
    let g14 = li + 14u * FFT_WG;
    let m14 = g14 / max(FFT_P / 8u, 1u);
    let j14 = (g14 % max(FFT_P / 8u, 1u)) * 2u;
    let y14 = bf4(false, m14, j14, 0u);
    let g15 = li + 15u * FFT_WG;
    let m15 = g15 / max(FFT_P / 8u, 1u);
    let j15 = (g15 % max(FFT_P / 8u, 1u)) * 2u;
    let y15 = bf4(false, m15, j15, 0u);
    workgroupBarrier();
    wr1_4(false, m0, j0, y0);
    wr1_4(false, m1, j1, y1);
    wr1_4(false, m2, j2, y2);
    wr1_4(false, m3, j3, y3);
    wr1_4(false, m4, j4, y4);
    wr1_4(false, m5, j5, y5);
    wr1_4(false, m6, j6, y6);
    wr1_4(false, m7, j7, y7);
    wr1_4(false, m8, j8, y8);
    wr1_4(false, m9, j9, y9);
    wr1_4(false, m10, j10, y10);
    wr1_4(false, m11, j11, y11);
    wr1_4(false, m12, j12, y12);
    wr1_4(false, m13, j13, y13);
    wr1_4(false, m14, j14, y14);
    wr1_4(false, m15, j15, y15);
    workgroupBarrier();
}

// Butterflies j and j+1 (j even) of column m in a radix-8 stage of span 2^log_ns.
fn bf8(first: bool, m: u32, j: u32, log_ns: u32) -> array<vec4<f32>, 8> {
    let s = FFT_P / 8u;
    let v = array<vec4<f32>, 8>(
        fft_read2(first, m, j + 0u * s),
        fft_read2(first, m, j + 1u * s),
        fft_read2(first, m, j + 2u * s),
        fft_read2(first, m, j + 3u * s),
        fft_read2(first, m, j + 4u * s),
        fft_read2(first, m, j + 5u * s),
        fft_read2(first, m, j + 6u * s),
        fft_read2(first, m, j + 7u * s),
    );
    var a = array<vec2<f32>, 8>(v[0].xy, v[1].xy, v[2].xy, v[3].xy, v[4].xy, v[5].xy, v[6].xy, v[7].xy);
    var b = array<vec2<f32>, 8>(v[0].zw, v[1].zw, v[2].zw, v[3].zw, v[4].zw, v[5].zw, v[6].zw, v[7].zw);
    if first && FFT_TW_IN {
        // Cross-pass twiddles W^(e·k), e = j + r·s (+1 for b): W^(jk)·(W^(sk))^r.
        let k = fft_tw_k(m);
        let lp = fp.log_ns + log2u(FFT_P);
        let msk = (1u << lp) - 1u;
        let c0 = twiddle((j * k) & msk, lp);
        let d = twiddle(k & msk, lp);
        let c1 = twiddle((s * k) & msk, lp);
        let c2 = cmul(c1, c1);
        let c3 = cmul(c2, c1);
        let c4 = cmul(c2, c2);
        let c5 = cmul(c4, c1);
        let c6 = cmul(c4, c2);
        let c7 = cmul(c4, c3);
        a[0] = cmul(a[0], c0);
        b[0] = cmul(b[0], cmul(c0, d));
        let e1 = cmul(c0, c1);
        let e2 = cmul(c0, c2);
        let e3 = cmul(c0, c3);
        let e4 = cmul(c0, c4);
        let e5 = cmul(c0, c5);
        let e6 = cmul(c0, c6);
        let e7 = cmul(c0, c7);
        a[1] = cmul(a[1], e1);
        b[1] = cmul(b[1], cmul(e1, d));
        a[2] = cmul(a[2], e2);
        b[2] = cmul(b[2], cmul(e2, d));
        a[3] = cmul(a[3], e3);
        b[3] = cmul(b[3], cmul(e3, d));
        a[4] = cmul(a[4], e4);
        b[4] = cmul(b[4], cmul(e4, d));
        a[5] = cmul(a[5], e5);
        b[5] = cmul(b[5], cmul(e5, d));
        a[6] = cmul(a[6], e6);
        b[6] = cmul(b[6], cmul(e6, d));
        a[7] = cmul(a[7], e7);
        b[7] = cmul(b[7], cmul(e7, d));
    }
    if log_ns > 0u {
        let k = j & ((1u << log_ns) - 1u);
        let w = stage_tw(((8u << log_ns) + k) >> 1u);
        let p1 = w.xy;
        let q1 = w.zw;
        let p2 = cmul(p1, p1);
        let p3 = cmul(p2, p1);
        let p4 = cmul(p2, p2);
        let p5 = cmul(p4, p1);
        let p6 = cmul(p4, p2);
        let p7 = cmul(p4, p3);
        let q2 = cmul(q1, q1);
        let q3 = cmul(q2, q1);
        let q4 = cmul(q2, q2);
        let q5 = cmul(q4, q1);
        let q6 = cmul(q4, q2);
        let q7 = cmul(q4, q3);
        a[1] = cmul(a[1], p1);
        b[1] = cmul(b[1], q1);
        a[2] = cmul(a[2], p2);
        b[2] = cmul(b[2], q2);
        a[3] = cmul(a[3], p3);
        b[3] = cmul(b[3], q3);
        a[4] = cmul(a[4], p4);
        b[4] = cmul(b[4], q4);
        a[5] = cmul(a[5], p5);
        b[5] = cmul(b[5], q5);
        a[6] = cmul(a[6], p6);
        b[6] = cmul(b[6], q6);
        a[7] = cmul(a[7], p7);
        b[7] = cmul(b[7], q7);
    }
    let ya = dft8(a);
    let yb = dft8(b);
    return array<vec4<f32>, 8>(
        vec4<f32>(ya[0], yb[0]),
        vec4<f32>(ya[1], yb[1]),
        vec4<f32>(ya[2], yb[2]),
        vec4<f32>(ya[3], yb[3]),
        vec4<f32>(ya[4], yb[4]),
        vec4<f32>(ya[5], yb[5]),
        vec4<f32>(ya[6], yb[6]),
        vec4<f32>(ya[7], yb[7]),
    );
}

// Writes the outputs of butterflies j, j+1 (y: (a, b) pairs) of a span-1 stage: butterfly j
// writes j*8 + r, so the pairs are (r, r+1) of one butterfly.
fn wr1_8(last: bool, m: u32, j: u32, y: array<vec4<f32>, 8>) {
    fft_write2(last, m, j * 8u + 0u, vec4<f32>(y[0].xy, y[1].xy));
    fft_write2(last, m, j * 8u + 8u, vec4<f32>(y[0].zw, y[1].zw));
    fft_write2(last, m, j * 8u + 2u, vec4<f32>(y[2].xy, y[3].xy));
    fft_write2(last, m, j * 8u + 10u, vec4<f32>(y[2].zw, y[3].zw));
    fft_write2(last, m, j * 8u + 4u, vec4<f32>(y[4].xy, y[5].xy));
    fft_write2(last, m, j * 8u + 12u, vec4<f32>(y[4].zw, y[5].zw));
    fft_write2(last, m, j * 8u + 6u, vec4<f32>(y[6].xy, y[7].xy));
    fft_write2(last, m, j * 8u + 14u, vec4<f32>(y[6].zw, y[7].zw));
}

// The same for span 2^log_ns > 1: outputs r of j and j+1 are neighbours.
fn wrn_8(last: bool, m: u32, j: u32, log_ns: u32, y: array<vec4<f32>, 8>) {
    let ns = 1u << log_ns;
    let base = ((j >> log_ns) << (log_ns + 3u)) + (j & (ns - 1u));
    fft_write2(last, m, base + 0u * ns, y[0]);
    fft_write2(last, m, base + 1u * ns, y[1]);
    fft_write2(last, m, base + 2u * ns, y[2]);
    fft_write2(last, m, base + 3u * ns, y[3]);
    fft_write2(last, m, base + 4u * ns, y[4]);
    fft_write2(last, m, base + 5u * ns, y[5]);
    fft_write2(last, m, base + 6u * ns, y[6]);
    fft_write2(last, m, base + 7u * ns, y[7]);
}

// First stage (span 1) reading through fft_load2: 2 pair(s) per invocation (no barrier
// between reads and writes: nothing else reads what it writes), then a barrier.
fn fst8(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 16u, 1u);
    let j0 = (g0 % max(FFT_P / 16u, 1u)) * 2u;
    let y0 = bf8(true, m0, j0, 0u);
    wr1_8(false, m0, j0, y0);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 16u, 1u);
    let j1 = (g1 % max(FFT_P / 16u, 1u)) * 2u;
    let y1 = bf8(true, m1, j1, 0u);
    wr1_8(false, m1, j1, y1);
    workgroupBarrier();
}

// First stage (span 1) from workgroup memory: all reads, barrier, all writes, barrier.
fn fsm8(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 16u, 1u);
    let j0 = (g0 % max(FFT_P / 16u, 1u)) * 2u;
    let y0 = bf8(false, m0, j0, 0u);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 16u, 1u);
    let j1 = (g1 % max(FFT_P / 16u, 1u)) * 2u;
    let y1 = bf8(false, m1, j1, 0u);
    workgroupBarrier();
    wr1_8(false, m0, j0, y0);
    wr1_8(false, m1, j1, y1);
    workgroupBarrier();
}

// First stage (span 1) reading through fft_load2: 8 pair(s) per invocation (no barrier
// between reads and writes: nothing else reads what it writes), then a barrier.
fn fst8w(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 16u, 1u);
    let j0 = (g0 % max(FFT_P / 16u, 1u)) * 2u;
    let y0 = bf8(true, m0, j0, 0u);
    wr1_8(false, m0, j0, y0);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 16u, 1u);
    let j1 = (g1 % max(FFT_P / 16u, 1u)) * 2u;
    let y1 = bf8(true, m1, j1, 0u);
    wr1_8(false, m1, j1, y1);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 16u, 1u);
    let j2 = (g2 % max(FFT_P / 16u, 1u)) * 2u;
    let y2 = bf8(true, m2, j2, 0u);
    wr1_8(false, m2, j2, y2);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 16u, 1u);
    let j3 = (g3 % max(FFT_P / 16u, 1u)) * 2u;
    let y3 = bf8(true, m3, j3, 0u);
    wr1_8(false, m3, j3, y3);
    let g4 = li + 4u * FFT_WG;
    let m4 = g4 / max(FFT_P / 16u, 1u);
    let j4 = (g4 % max(FFT_P / 16u, 1u)) * 2u;
    let y4 = bf8(true, m4, j4, 0u);
    wr1_8(false, m4, j4, y4);
    let g5 = li + 5u * FFT_WG;
    let m5 = g5 / max(FFT_P / 16u, 1u);
    let j5 = (g5 % max(FFT_P / 16u, 1u)) * 2u;
    let y5 = bf8(true, m5, j5, 0u);
    wr1_8(false, m5, j5, y5);
    let g6 = li + 6u * FFT_WG;
    let m6 = g6 / max(FFT_P / 16u, 1u);
    let j6 = (g6 % max(FFT_P / 16u, 1u)) * 2u;
    let y6 = bf8(true, m6, j6, 0u);
    wr1_8(false, m6, j6, y6);
    let g7 = li + 7u * FFT_WG;
    let m7 = g7 / max(FFT_P / 16u, 1u);
    let j7 = (g7 % max(FFT_P / 16u, 1u)) * 2u;
    let y7 = bf8(true, m7, j7, 0u);
    wr1_8(false, m7, j7, y7);
    workgroupBarrier();
}

// First stage (span 1) from workgroup memory: all reads, barrier, all writes, barrier.
fn fsm8w(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 16u, 1u);
    let j0 = (g0 % max(FFT_P / 16u, 1u)) * 2u;
    let y0 = bf8(false, m0, j0, 0u);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 16u, 1u);
    let j1 = (g1 % max(FFT_P / 16u, 1u)) * 2u;
    let y1 = bf8(false, m1, j1, 0u);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 16u, 1u);
    let j2 = (g2 % max(FFT_P / 16u, 1u)) * 2u;
    let y2 = bf8(false, m2, j2, 0u);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 16u, 1u);
    let j3 = (g3 % max(FFT_P / 16u, 1u)) * 2u;
    let y3 = bf8(false, m3, j3, 0u);
    let g4 = li + 4u * FFT_WG;
    let m4 = g4 / max(FFT_P / 16u, 1u);
    let j4 = (g4 % max(FFT_P / 16u, 1u)) * 2u;
    let y4 = bf8(false, m4, j4, 0u);
    let g5 = li + 5u * FFT_WG;
    let m5 = g5 / max(FFT_P / 16u, 1u);
    let j5 = (g5 % max(FFT_P / 16u, 1u)) * 2u;
    let y5 = bf8(false, m5, j5, 0u);
    let g6 = li + 6u * FFT_WG;
    let m6 = g6 / max(FFT_P / 16u, 1u);
    let j6 = (g6 % max(FFT_P / 16u, 1u)) * 2u;
    let y6 = bf8(false, m6, j6, 0u);
    let g7 = li + 7u * FFT_WG;
    let m7 = g7 / max(FFT_P / 16u, 1u);
    let j7 = (g7 % max(FFT_P / 16u, 1u)) * 2u;
    let y7 = bf8(false, m7, j7, 0u);
    workgroupBarrier();
    wr1_8(false, m0, j0, y0);
    wr1_8(false, m1, j1, y1);
    wr1_8(false, m2, j2, y2);
    wr1_8(false, m3, j3, y3);
    wr1_8(false, m4, j4, y4);
    wr1_8(false, m5, j5, y5);
    wr1_8(false, m6, j6, y6);
    wr1_8(false, m7, j7, y7);
    workgroupBarrier();
}


// A later stage of span 2^log_ns (reads workgroup memory); with `last` it writes through
// fft_store2 (no barrier needed), else back to workgroup memory between two barriers.
fn lst8w(li: u32, log_ns: u32, last: bool) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 16u, 1u);
    let j0 = (g0 % max(FFT_P / 16u, 1u)) * 2u;
    let y0 = bf8(false, m0, j0, log_ns);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 16u, 1u);
    let j1 = (g1 % max(FFT_P / 16u, 1u)) * 2u;
    let y1 = bf8(false, m1, j1, log_ns);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 16u, 1u);
    let j2 = (g2 % max(FFT_P / 16u, 1u)) * 2u;
    let y2 = bf8(false, m2, j2, log_ns);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 16u, 1u);
    let j3 = (g3 % max(FFT_P / 16u, 1u)) * 2u;
    let y3 = bf8(false, m3, j3, log_ns);
    let g4 = li + 4u * FFT_WG;
    let m4 = g4 / max(FFT_P / 16u, 1u);
    let j4 = (g4 % max(FFT_P / 16u, 1u)) * 2u;
    let y4 = bf8(false, m4, j4, log_ns);
    let g5 = li + 5u * FFT_WG;
    let m5 = g5 / max(FFT_P / 16u, 1u);
    let j5 = (g5 % max(FFT_P / 16u, 1u)) * 2u;
    let y5 = bf8(false, m5, j5, log_ns);
    let g6 = li + 6u * FFT_WG;
    let m6 = g6 / max(FFT_P / 16u, 1u);
    let j6 = (g6 % max(FFT_P / 16u, 1u)) * 2u;
    let y6 = bf8(false, m6, j6, log_ns);
    let g7 = li + 7u * FFT_WG;
    let m7 = g7 / max(FFT_P / 16u, 1u);
    let j7 = (g7 % max(FFT_P / 16u, 1u)) * 2u;
    let y7 = bf8(false, m7, j7, log_ns);
    if !last {
        workgroupBarrier();
    }
    wrn_8(last, m0, j0, log_ns, y0);
    wrn_8(last, m1, j1, log_ns, y1);
    wrn_8(last, m2, j2, log_ns, y2);
    wrn_8(last, m3, j3, log_ns, y3);
    wrn_8(last, m4, j4, log_ns, y4);
    wrn_8(last, m5, j5, log_ns, y5);
    wrn_8(last, m6, j6, log_ns, y6);
    wrn_8(last, m7, j7, log_ns, y7);
    if !last {
        workgroupBarrier();
    }
}

// Butterflies j and j+1 (j even) of column m in a radix-16 stage of span 2^log_ns.
fn bf16(first: bool, m: u32, j: u32, log_ns: u32) -> array<vec4<f32>, 16> {
    let s = FFT_P / 16u;
    let v = array<vec4<f32>, 16>(
        fft_read2(first, m, j + 0u * s),
        fft_read2(first, m, j + 1u * s),
        fft_read2(first, m, j + 2u * s),
        fft_read2(first, m, j + 3u * s),
        fft_read2(first, m, j + 4u * s),
        fft_read2(first, m, j + 5u * s),
        fft_read2(first, m, j + 6u * s),
        fft_read2(first, m, j + 7u * s),
        fft_read2(first, m, j + 8u * s),
        fft_read2(first, m, j + 9u * s),
        fft_read2(first, m, j + 10u * s),
        fft_read2(first, m, j + 11u * s),
        fft_read2(first, m, j + 12u * s),
        fft_read2(first, m, j + 13u * s),
        fft_read2(first, m, j + 14u * s),
        fft_read2(first, m, j + 15u * s),
    );
    var a = array<vec2<f32>, 16>(v[0].xy, v[1].xy, v[2].xy, v[3].xy, v[4].xy, v[5].xy, v[6].xy, v[7].xy, v[8].xy, v[9].xy, v[10].xy, v[11].xy, v[12].xy, v[13].xy, v[14].xy, v[15].xy);
    var b = array<vec2<f32>, 16>(v[0].zw, v[1].zw, v[2].zw, v[3].zw, v[4].zw, v[5].zw, v[6].zw, v[7].zw, v[8].zw, v[9].zw, v[10].zw, v[11].zw, v[12].zw, v[13].zw, v[14].zw, v[15].zw);
    if first && FFT_TW_IN {
        // Cross-pass twiddles W^(e·k), e = j + r·s (+1 for b): W^(jk)·(W^(sk))^r.
        let k = fft_tw_k(m);
        let lp = fp.log_ns + log2u(FFT_P);
        let msk = (1u << lp) - 1u;
        let c0 = twiddle((j * k) & msk, lp);
        let d = twiddle(k & msk, lp);
        let c1 = twiddle((s * k) & msk, lp);
        let c2 = cmul(c1, c1);
        let c3 = cmul(c2, c1);
        let c4 = cmul(c2, c2);
        let c5 = cmul(c4, c1);
        let c6 = cmul(c4, c2);
        let c7 = cmul(c4, c3);
        let c8 = cmul(c4, c4);
        let c9 = cmul(c8, c1);
        let c10 = cmul(c8, c2);
        let c11 = cmul(c8, c3);
        let c12 = cmul(c8, c4);
        let c13 = cmul(c8, c5);
        let c14 = cmul(c8, c6);
        let c15 = cmul(c8, c7);
        a[0] = cmul(a[0], c0);
        b[0] = cmul(b[0], cmul(c0, d));
        let e1 = cmul(c0, c1);
        let e2 = cmul(c0, c2);
        let e3 = cmul(c0, c3);
        let e4 = cmul(c0, c4);
        let e5 = cmul(c0, c5);
        let e6 = cmul(c0, c6);
        let e7 = cmul(c0, c7);
        let e8 = cmul(c0, c8);
        let e9 = cmul(c0, c9);
        let e10 = cmul(c0, c10);
        let e11 = cmul(c0, c11);
        let e12 = cmul(c0, c12);
        let e13 = cmul(c0, c13);
        let e14 = cmul(c0, c14);
        let e15 = cmul(c0, c15);
        a[1] = cmul(a[1], e1);
        b[1] = cmul(b[1], cmul(e1, d));
        a[2] = cmul(a[2], e2);
        b[2] = cmul(b[2], cmul(e2, d));
        a[3] = cmul(a[3], e3);
        b[3] = cmul(b[3], cmul(e3, d));
        a[4] = cmul(a[4], e4);
        b[4] = cmul(b[4], cmul(e4, d));
        a[5] = cmul(a[5], e5);
        b[5] = cmul(b[5], cmul(e5, d));
        a[6] = cmul(a[6], e6);
        b[6] = cmul(b[6], cmul(e6, d));
        a[7] = cmul(a[7], e7);
        b[7] = cmul(b[7], cmul(e7, d));
        a[8] = cmul(a[8], e8);
        b[8] = cmul(b[8], cmul(e8, d));
        a[9] = cmul(a[9], e9);
        b[9] = cmul(b[9], cmul(e9, d));
        a[10] = cmul(a[10], e10);
        b[10] = cmul(b[10], cmul(e10, d));
        a[11] = cmul(a[11], e11);
        b[11] = cmul(b[11], cmul(e11, d));
        a[12] = cmul(a[12], e12);
        b[12] = cmul(b[12], cmul(e12, d));
        a[13] = cmul(a[13], e13);
        b[13] = cmul(b[13], cmul(e13, d));
        a[14] = cmul(a[14], e14);
        b[14] = cmul(b[14], cmul(e14, d));
        a[15] = cmul(a[15], e15);
        b[15] = cmul(b[15], cmul(e15, d));
    }
    if log_ns > 0u {
        let k = j & ((1u << log_ns) - 1u);
        let w = stage_tw(((16u << log_ns) + k) >> 1u);
        let p1 = w.xy;
        let q1 = w.zw;
        let p2 = cmul(p1, p1);
        let p3 = cmul(p2, p1);
        let p4 = cmul(p2, p2);
        let p5 = cmul(p4, p1);
        let p6 = cmul(p4, p2);
        let p7 = cmul(p4, p3);
        let p8 = cmul(p4, p4);
        let p9 = cmul(p8, p1);
        let p10 = cmul(p8, p2);
        let p11 = cmul(p8, p3);
        let p12 = cmul(p8, p4);
        let p13 = cmul(p8, p5);
        let p14 = cmul(p8, p6);
        let p15 = cmul(p8, p7);
        let q2 = cmul(q1, q1);
        let q3 = cmul(q2, q1);
        let q4 = cmul(q2, q2);
        let q5 = cmul(q4, q1);
        let q6 = cmul(q4, q2);
        let q7 = cmul(q4, q3);
        let q8 = cmul(q4, q4);
        let q9 = cmul(q8, q1);
        let q10 = cmul(q8, q2);
        let q11 = cmul(q8, q3);
        let q12 = cmul(q8, q4);
        let q13 = cmul(q8, q5);
        let q14 = cmul(q8, q6);
        let q15 = cmul(q8, q7);
        a[1] = cmul(a[1], p1);
        b[1] = cmul(b[1], q1);
        a[2] = cmul(a[2], p2);
        b[2] = cmul(b[2], q2);
        a[3] = cmul(a[3], p3);
        b[3] = cmul(b[3], q3);
        a[4] = cmul(a[4], p4);
        b[4] = cmul(b[4], q4);
        a[5] = cmul(a[5], p5);
        b[5] = cmul(b[5], q5);
        a[6] = cmul(a[6], p6);
        b[6] = cmul(b[6], q6);
        a[7] = cmul(a[7], p7);
        b[7] = cmul(b[7], q7);
        a[8] = cmul(a[8], p8);
        b[8] = cmul(b[8], q8);
        a[9] = cmul(a[9], p9);
        b[9] = cmul(b[9], q9);
        a[10] = cmul(a[10], p10);
        b[10] = cmul(b[10], q10);
        a[11] = cmul(a[11], p11);
        b[11] = cmul(b[11], q11);
        a[12] = cmul(a[12], p12);
        b[12] = cmul(b[12], q12);
        a[13] = cmul(a[13], p13);
        b[13] = cmul(b[13], q13);
        a[14] = cmul(a[14], p14);
        b[14] = cmul(b[14], q14);
        a[15] = cmul(a[15], p15);
        b[15] = cmul(b[15], q15);
    }
    let ya = dft16(a);
    let yb = dft16(b);
    return array<vec4<f32>, 16>(
        vec4<f32>(ya[0], yb[0]),
        vec4<f32>(ya[1], yb[1]),
        vec4<f32>(ya[2], yb[2]),
        vec4<f32>(ya[3], yb[3]),
        vec4<f32>(ya[4], yb[4]),
        vec4<f32>(ya[5], yb[5]),
        vec4<f32>(ya[6], yb[6]),
        vec4<f32>(ya[7], yb[7]),
        vec4<f32>(ya[8], yb[8]),
        vec4<f32>(ya[9], yb[9]),
        vec4<f32>(ya[10], yb[10]),
        vec4<f32>(ya[11], yb[11]),
        vec4<f32>(ya[12], yb[12]),
        vec4<f32>(ya[13], yb[13]),
        vec4<f32>(ya[14], yb[14]),
        vec4<f32>(ya[15], yb[15]),
    );
}

// Writes the outputs of butterflies j, j+1 (y: (a, b) pairs) of a span-1 stage: butterfly j
// writes j*16 + r, so the pairs are (r, r+1) of one butterfly.
fn wr1_16(last: bool, m: u32, j: u32, y: array<vec4<f32>, 16>) {
    fft_write2(last, m, j * 16u + 0u, vec4<f32>(y[0].xy, y[1].xy));
    fft_write2(last, m, j * 16u + 16u, vec4<f32>(y[0].zw, y[1].zw));
    fft_write2(last, m, j * 16u + 2u, vec4<f32>(y[2].xy, y[3].xy));
    fft_write2(last, m, j * 16u + 18u, vec4<f32>(y[2].zw, y[3].zw));
    fft_write2(last, m, j * 16u + 4u, vec4<f32>(y[4].xy, y[5].xy));
    fft_write2(last, m, j * 16u + 20u, vec4<f32>(y[4].zw, y[5].zw));
    fft_write2(last, m, j * 16u + 6u, vec4<f32>(y[6].xy, y[7].xy));
    fft_write2(last, m, j * 16u + 22u, vec4<f32>(y[6].zw, y[7].zw));
    fft_write2(last, m, j * 16u + 8u, vec4<f32>(y[8].xy, y[9].xy));
    fft_write2(last, m, j * 16u + 24u, vec4<f32>(y[8].zw, y[9].zw));
    fft_write2(last, m, j * 16u + 10u, vec4<f32>(y[10].xy, y[11].xy));
    fft_write2(last, m, j * 16u + 26u, vec4<f32>(y[10].zw, y[11].zw));
    fft_write2(last, m, j * 16u + 12u, vec4<f32>(y[12].xy, y[13].xy));
    fft_write2(last, m, j * 16u + 28u, vec4<f32>(y[12].zw, y[13].zw));
    fft_write2(last, m, j * 16u + 14u, vec4<f32>(y[14].xy, y[15].xy));
    fft_write2(last, m, j * 16u + 30u, vec4<f32>(y[14].zw, y[15].zw));
}

// The same for span 2^log_ns > 1: outputs r of j and j+1 are neighbours.
fn wrn_16(last: bool, m: u32, j: u32, log_ns: u32, y: array<vec4<f32>, 16>) {
    let ns = 1u << log_ns;
    let base = ((j >> log_ns) << (log_ns + 4u)) + (j & (ns - 1u));
    fft_write2(last, m, base + 0u * ns, y[0]);
    fft_write2(last, m, base + 1u * ns, y[1]);
    fft_write2(last, m, base + 2u * ns, y[2]);
    fft_write2(last, m, base + 3u * ns, y[3]);
    fft_write2(last, m, base + 4u * ns, y[4]);
    fft_write2(last, m, base + 5u * ns, y[5]);
    fft_write2(last, m, base + 6u * ns, y[6]);
    fft_write2(last, m, base + 7u * ns, y[7]);
    fft_write2(last, m, base + 8u * ns, y[8]);
    fft_write2(last, m, base + 9u * ns, y[9]);
    fft_write2(last, m, base + 10u * ns, y[10]);
    fft_write2(last, m, base + 11u * ns, y[11]);
    fft_write2(last, m, base + 12u * ns, y[12]);
    fft_write2(last, m, base + 13u * ns, y[13]);
    fft_write2(last, m, base + 14u * ns, y[14]);
    fft_write2(last, m, base + 15u * ns, y[15]);
}

// First stage (span 1) reading through fft_load2: 1 pair(s) per invocation (no barrier
// between reads and writes: nothing else reads what it writes), then a barrier.
fn fst16(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 32u, 1u);
    let j0 = (g0 % max(FFT_P / 32u, 1u)) * 2u;
    let y0 = bf16(true, m0, j0, 0u);
    wr1_16(false, m0, j0, y0);
    workgroupBarrier();
}

// First stage (span 1) from workgroup memory: all reads, barrier, all writes, barrier.
fn fsm16(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 32u, 1u);
    let j0 = (g0 % max(FFT_P / 32u, 1u)) * 2u;
    let y0 = bf16(false, m0, j0, 0u);
    workgroupBarrier();
    wr1_16(false, m0, j0, y0);
    workgroupBarrier();
}


// A later stage of span 2^log_ns (reads workgroup memory); with `last` it writes through
// fft_store2 (no barrier needed), else back to workgroup memory between two barriers.
fn lst16(li: u32, log_ns: u32, last: bool) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 32u, 1u);
    let j0 = (g0 % max(FFT_P / 32u, 1u)) * 2u;
    let y0 = bf16(false, m0, j0, log_ns);
    if !last {
        workgroupBarrier();
    }
    wrn_16(last, m0, j0, log_ns, y0);
    if !last {
        workgroupBarrier();
    }
}

// First stage (span 1) reading through fft_load2: 4 pair(s) per invocation (no barrier
// between reads and writes: nothing else reads what it writes), then a barrier.
fn fst16w(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 32u, 1u);
    let j0 = (g0 % max(FFT_P / 32u, 1u)) * 2u;
    let y0 = bf16(true, m0, j0, 0u);
    wr1_16(false, m0, j0, y0);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 32u, 1u);
    let j1 = (g1 % max(FFT_P / 32u, 1u)) * 2u;
    let y1 = bf16(true, m1, j1, 0u);
    wr1_16(false, m1, j1, y1);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 32u, 1u);
    let j2 = (g2 % max(FFT_P / 32u, 1u)) * 2u;
    let y2 = bf16(true, m2, j2, 0u);
    wr1_16(false, m2, j2, y2);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 32u, 1u);
    let j3 = (g3 % max(FFT_P / 32u, 1u)) * 2u;
    let y3 = bf16(true, m3, j3, 0u);
    wr1_16(false, m3, j3, y3);
    workgroupBarrier();
}

// First stage (span 1) from workgroup memory: all reads, barrier, all writes, barrier.
fn fsm16w(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 32u, 1u);
    let j0 = (g0 % max(FFT_P / 32u, 1u)) * 2u;
    let y0 = bf16(false, m0, j0, 0u);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 32u, 1u);
    let j1 = (g1 % max(FFT_P / 32u, 1u)) * 2u;
    let y1 = bf16(false, m1, j1, 0u);
    let g2 = li + 2u * FFT_WG;
    let m2 = g2 / max(FFT_P / 32u, 1u);
    let j2 = (g2 % max(FFT_P / 32u, 1u)) * 2u;
    let y2 = bf16(false, m2, j2, 0u);
    let g3 = li + 3u * FFT_WG;
    let m3 = g3 / max(FFT_P / 32u, 1u);
    let j3 = (g3 % max(FFT_P / 32u, 1u)) * 2u;
    let y3 = bf16(false, m3, j3, 0u);
    workgroupBarrier();
    wr1_16(false, m0, j0, y0);
    wr1_16(false, m1, j1, y1);
    wr1_16(false, m2, j2, y2);
    wr1_16(false, m3, j3, y3);
    workgroupBarrier();
}

// Butterflies j and j+1 (j even) of column m in a radix-32 stage of span 2^log_ns.
fn bf32(first: bool, m: u32, j: u32, log_ns: u32) -> array<vec4<f32>, 32> {
    let s = FFT_P / 32u;
    let v = array<vec4<f32>, 32>(
        fft_read2(first, m, j + 0u * s),
        fft_read2(first, m, j + 1u * s),
        fft_read2(first, m, j + 2u * s),
        fft_read2(first, m, j + 3u * s),
        fft_read2(first, m, j + 4u * s),
        fft_read2(first, m, j + 5u * s),
        fft_read2(first, m, j + 6u * s),
        fft_read2(first, m, j + 7u * s),
        fft_read2(first, m, j + 8u * s),
        fft_read2(first, m, j + 9u * s),
        fft_read2(first, m, j + 10u * s),
        fft_read2(first, m, j + 11u * s),
        fft_read2(first, m, j + 12u * s),
        fft_read2(first, m, j + 13u * s),
        fft_read2(first, m, j + 14u * s),
        fft_read2(first, m, j + 15u * s),
        fft_read2(first, m, j + 16u * s),
        fft_read2(first, m, j + 17u * s),
        fft_read2(first, m, j + 18u * s),
        fft_read2(first, m, j + 19u * s),
        fft_read2(first, m, j + 20u * s),
        fft_read2(first, m, j + 21u * s),
        fft_read2(first, m, j + 22u * s),
        fft_read2(first, m, j + 23u * s),
        fft_read2(first, m, j + 24u * s),
        fft_read2(first, m, j + 25u * s),
        fft_read2(first, m, j + 26u * s),
        fft_read2(first, m, j + 27u * s),
        fft_read2(first, m, j + 28u * s),
        fft_read2(first, m, j + 29u * s),
        fft_read2(first, m, j + 30u * s),
        fft_read2(first, m, j + 31u * s),
    );
    var a = array<vec2<f32>, 32>(v[0].xy, v[1].xy, v[2].xy, v[3].xy, v[4].xy, v[5].xy, v[6].xy, v[7].xy, v[8].xy, v[9].xy, v[10].xy, v[11].xy, v[12].xy, v[13].xy, v[14].xy, v[15].xy, v[16].xy, v[17].xy, v[18].xy, v[19].xy, v[20].xy, v[21].xy, v[22].xy, v[23].xy, v[24].xy, v[25].xy, v[26].xy, v[27].xy, v[28].xy, v[29].xy, v[30].xy, v[31].xy);
    var b = array<vec2<f32>, 32>(v[0].zw, v[1].zw, v[2].zw, v[3].zw, v[4].zw, v[5].zw, v[6].zw, v[7].zw, v[8].zw, v[9].zw, v[10].zw, v[11].zw, v[12].zw, v[13].zw, v[14].zw, v[15].zw, v[16].zw, v[17].zw, v[18].zw, v[19].zw, v[20].zw, v[21].zw, v[22].zw, v[23].zw, v[24].zw, v[25].zw, v[26].zw, v[27].zw, v[28].zw, v[29].zw, v[30].zw, v[31].zw);
    if first && FFT_TW_IN {
        // Cross-pass twiddles W^(e·k), e = j + r·s (+1 for b): W^(jk)·(W^(sk))^r.
        let k = fft_tw_k(m);
        let lp = fp.log_ns + log2u(FFT_P);
        let msk = (1u << lp) - 1u;
        let c0 = twiddle((j * k) & msk, lp);
        let d = twiddle(k & msk, lp);
        let c1 = twiddle((s * k) & msk, lp);
        let c2 = cmul(c1, c1);
        let c3 = cmul(c2, c1);
        let c4 = cmul(c2, c2);
        let c5 = cmul(c4, c1);
        let c6 = cmul(c4, c2);
        let c7 = cmul(c4, c3);
        let c8 = cmul(c4, c4);
        let c9 = cmul(c8, c1);
        let c10 = cmul(c8, c2);
        let c11 = cmul(c8, c3);
        let c12 = cmul(c8, c4);
        let c13 = cmul(c8, c5);
        let c14 = cmul(c8, c6);
        let c15 = cmul(c8, c7);
        let c16 = cmul(c8, c8);
        let c17 = cmul(c16, c1);
        let c18 = cmul(c16, c2);
        let c19 = cmul(c16, c3);
        let c20 = cmul(c16, c4);
        let c21 = cmul(c16, c5);
        let c22 = cmul(c16, c6);
        let c23 = cmul(c16, c7);
        let c24 = cmul(c16, c8);
        let c25 = cmul(c16, c9);
        let c26 = cmul(c16, c10);
        let c27 = cmul(c16, c11);
        let c28 = cmul(c16, c12);
        let c29 = cmul(c16, c13);
        let c30 = cmul(c16, c14);
        let c31 = cmul(c16, c15);
        a[0] = cmul(a[0], c0);
        b[0] = cmul(b[0], cmul(c0, d));
        let e1 = cmul(c0, c1);
        let e2 = cmul(c0, c2);
        let e3 = cmul(c0, c3);
        let e4 = cmul(c0, c4);
        let e5 = cmul(c0, c5);
        let e6 = cmul(c0, c6);
        let e7 = cmul(c0, c7);
        let e8 = cmul(c0, c8);
        let e9 = cmul(c0, c9);
        let e10 = cmul(c0, c10);
        let e11 = cmul(c0, c11);
        let e12 = cmul(c0, c12);
        let e13 = cmul(c0, c13);
        let e14 = cmul(c0, c14);
        let e15 = cmul(c0, c15);
        let e16 = cmul(c0, c16);
        let e17 = cmul(c0, c17);
        let e18 = cmul(c0, c18);
        let e19 = cmul(c0, c19);
        let e20 = cmul(c0, c20);
        let e21 = cmul(c0, c21);
        let e22 = cmul(c0, c22);
        let e23 = cmul(c0, c23);
        let e24 = cmul(c0, c24);
        let e25 = cmul(c0, c25);
        let e26 = cmul(c0, c26);
        let e27 = cmul(c0, c27);
        let e28 = cmul(c0, c28);
        let e29 = cmul(c0, c29);
        let e30 = cmul(c0, c30);
        let e31 = cmul(c0, c31);
        a[1] = cmul(a[1], e1);
        b[1] = cmul(b[1], cmul(e1, d));
        a[2] = cmul(a[2], e2);
        b[2] = cmul(b[2], cmul(e2, d));
        a[3] = cmul(a[3], e3);
        b[3] = cmul(b[3], cmul(e3, d));
        a[4] = cmul(a[4], e4);
        b[4] = cmul(b[4], cmul(e4, d));
        a[5] = cmul(a[5], e5);
        b[5] = cmul(b[5], cmul(e5, d));
        a[6] = cmul(a[6], e6);
        b[6] = cmul(b[6], cmul(e6, d));
        a[7] = cmul(a[7], e7);
        b[7] = cmul(b[7], cmul(e7, d));
        a[8] = cmul(a[8], e8);
        b[8] = cmul(b[8], cmul(e8, d));
        a[9] = cmul(a[9], e9);
        b[9] = cmul(b[9], cmul(e9, d));
        a[10] = cmul(a[10], e10);
        b[10] = cmul(b[10], cmul(e10, d));
        a[11] = cmul(a[11], e11);
        b[11] = cmul(b[11], cmul(e11, d));
        a[12] = cmul(a[12], e12);
        b[12] = cmul(b[12], cmul(e12, d));
        a[13] = cmul(a[13], e13);
        b[13] = cmul(b[13], cmul(e13, d));
        a[14] = cmul(a[14], e14);
        b[14] = cmul(b[14], cmul(e14, d));
        a[15] = cmul(a[15], e15);
        b[15] = cmul(b[15], cmul(e15, d));
        a[16] = cmul(a[16], e16);
        b[16] = cmul(b[16], cmul(e16, d));
        a[17] = cmul(a[17], e17);
        b[17] = cmul(b[17], cmul(e17, d));
        a[18] = cmul(a[18], e18);
        b[18] = cmul(b[18], cmul(e18, d));
        a[19] = cmul(a[19], e19);
        b[19] = cmul(b[19], cmul(e19, d));
        a[20] = cmul(a[20], e20);
        b[20] = cmul(b[20], cmul(e20, d));
        a[21] = cmul(a[21], e21);
        b[21] = cmul(b[21], cmul(e21, d));
        a[22] = cmul(a[22], e22);
        b[22] = cmul(b[22], cmul(e22, d));
        a[23] = cmul(a[23], e23);
        b[23] = cmul(b[23], cmul(e23, d));
        a[24] = cmul(a[24], e24);
        b[24] = cmul(b[24], cmul(e24, d));
        a[25] = cmul(a[25], e25);
        b[25] = cmul(b[25], cmul(e25, d));
        a[26] = cmul(a[26], e26);
        b[26] = cmul(b[26], cmul(e26, d));
        a[27] = cmul(a[27], e27);
        b[27] = cmul(b[27], cmul(e27, d));
        a[28] = cmul(a[28], e28);
        b[28] = cmul(b[28], cmul(e28, d));
        a[29] = cmul(a[29], e29);
        b[29] = cmul(b[29], cmul(e29, d));
        a[30] = cmul(a[30], e30);
        b[30] = cmul(b[30], cmul(e30, d));
        a[31] = cmul(a[31], e31);
        b[31] = cmul(b[31], cmul(e31, d));
    }
    if log_ns > 0u {
        let k = j & ((1u << log_ns) - 1u);
        let w = stage_tw(((32u << log_ns) + k) >> 1u);
        let p1 = w.xy;
        let q1 = w.zw;
        let p2 = cmul(p1, p1);
        let p3 = cmul(p2, p1);
        let p4 = cmul(p2, p2);
        let p5 = cmul(p4, p1);
        let p6 = cmul(p4, p2);
        let p7 = cmul(p4, p3);
        let p8 = cmul(p4, p4);
        let p9 = cmul(p8, p1);
        let p10 = cmul(p8, p2);
        let p11 = cmul(p8, p3);
        let p12 = cmul(p8, p4);
        let p13 = cmul(p8, p5);
        let p14 = cmul(p8, p6);
        let p15 = cmul(p8, p7);
        let p16 = cmul(p8, p8);
        let p17 = cmul(p16, p1);
        let p18 = cmul(p16, p2);
        let p19 = cmul(p16, p3);
        let p20 = cmul(p16, p4);
        let p21 = cmul(p16, p5);
        let p22 = cmul(p16, p6);
        let p23 = cmul(p16, p7);
        let p24 = cmul(p16, p8);
        let p25 = cmul(p16, p9);
        let p26 = cmul(p16, p10);
        let p27 = cmul(p16, p11);
        let p28 = cmul(p16, p12);
        let p29 = cmul(p16, p13);
        let p30 = cmul(p16, p14);
        let p31 = cmul(p16, p15);
        let q2 = cmul(q1, q1);
        let q3 = cmul(q2, q1);
        let q4 = cmul(q2, q2);
        let q5 = cmul(q4, q1);
        let q6 = cmul(q4, q2);
        let q7 = cmul(q4, q3);
        let q8 = cmul(q4, q4);
        let q9 = cmul(q8, q1);
        let q10 = cmul(q8, q2);
        let q11 = cmul(q8, q3);
        let q12 = cmul(q8, q4);
        let q13 = cmul(q8, q5);
        let q14 = cmul(q8, q6);
        let q15 = cmul(q8, q7);
        let q16 = cmul(q8, q8);
        let q17 = cmul(q16, q1);
        let q18 = cmul(q16, q2);
        let q19 = cmul(q16, q3);
        let q20 = cmul(q16, q4);
        let q21 = cmul(q16, q5);
        let q22 = cmul(q16, q6);
        let q23 = cmul(q16, q7);
        let q24 = cmul(q16, q8);
        let q25 = cmul(q16, q9);
        let q26 = cmul(q16, q10);
        let q27 = cmul(q16, q11);
        let q28 = cmul(q16, q12);
        let q29 = cmul(q16, q13);
        let q30 = cmul(q16, q14);
        let q31 = cmul(q16, q15);
        a[1] = cmul(a[1], p1);
        b[1] = cmul(b[1], q1);
        a[2] = cmul(a[2], p2);
        b[2] = cmul(b[2], q2);
        a[3] = cmul(a[3], p3);
        b[3] = cmul(b[3], q3);
        a[4] = cmul(a[4], p4);
        b[4] = cmul(b[4], q4);
        a[5] = cmul(a[5], p5);
        b[5] = cmul(b[5], q5);
        a[6] = cmul(a[6], p6);
        b[6] = cmul(b[6], q6);
        a[7] = cmul(a[7], p7);
        b[7] = cmul(b[7], q7);
        a[8] = cmul(a[8], p8);
        b[8] = cmul(b[8], q8);
        a[9] = cmul(a[9], p9);
        b[9] = cmul(b[9], q9);
        a[10] = cmul(a[10], p10);
        b[10] = cmul(b[10], q10);
        a[11] = cmul(a[11], p11);
        b[11] = cmul(b[11], q11);
        a[12] = cmul(a[12], p12);
        b[12] = cmul(b[12], q12);
        a[13] = cmul(a[13], p13);
        b[13] = cmul(b[13], q13);
        a[14] = cmul(a[14], p14);
        b[14] = cmul(b[14], q14);
        a[15] = cmul(a[15], p15);
        b[15] = cmul(b[15], q15);
        a[16] = cmul(a[16], p16);
        b[16] = cmul(b[16], q16);
        a[17] = cmul(a[17], p17);
        b[17] = cmul(b[17], q17);
        a[18] = cmul(a[18], p18);
        b[18] = cmul(b[18], q18);
        a[19] = cmul(a[19], p19);
        b[19] = cmul(b[19], q19);
        a[20] = cmul(a[20], p20);
        b[20] = cmul(b[20], q20);
        a[21] = cmul(a[21], p21);
        b[21] = cmul(b[21], q21);
        a[22] = cmul(a[22], p22);
        b[22] = cmul(b[22], q22);
        a[23] = cmul(a[23], p23);
        b[23] = cmul(b[23], q23);
        a[24] = cmul(a[24], p24);
        b[24] = cmul(b[24], q24);
        a[25] = cmul(a[25], p25);
        b[25] = cmul(b[25], q25);
        a[26] = cmul(a[26], p26);
        b[26] = cmul(b[26], q26);
        a[27] = cmul(a[27], p27);
        b[27] = cmul(b[27], q27);
        a[28] = cmul(a[28], p28);
        b[28] = cmul(b[28], q28);
        a[29] = cmul(a[29], p29);
        b[29] = cmul(b[29], q29);
        a[30] = cmul(a[30], p30);
        b[30] = cmul(b[30], q30);
        a[31] = cmul(a[31], p31);
        b[31] = cmul(b[31], q31);
    }
    let ya = dft32(a);
    let yb = dft32(b);
    return array<vec4<f32>, 32>(
        vec4<f32>(ya[0], yb[0]),
        vec4<f32>(ya[1], yb[1]),
        vec4<f32>(ya[2], yb[2]),
        vec4<f32>(ya[3], yb[3]),
        vec4<f32>(ya[4], yb[4]),
        vec4<f32>(ya[5], yb[5]),
        vec4<f32>(ya[6], yb[6]),
        vec4<f32>(ya[7], yb[7]),
        vec4<f32>(ya[8], yb[8]),
        vec4<f32>(ya[9], yb[9]),
        vec4<f32>(ya[10], yb[10]),
        vec4<f32>(ya[11], yb[11]),
        vec4<f32>(ya[12], yb[12]),
        vec4<f32>(ya[13], yb[13]),
        vec4<f32>(ya[14], yb[14]),
        vec4<f32>(ya[15], yb[15]),
        vec4<f32>(ya[16], yb[16]),
        vec4<f32>(ya[17], yb[17]),
        vec4<f32>(ya[18], yb[18]),
        vec4<f32>(ya[19], yb[19]),
        vec4<f32>(ya[20], yb[20]),
        vec4<f32>(ya[21], yb[21]),
        vec4<f32>(ya[22], yb[22]),
        vec4<f32>(ya[23], yb[23]),
        vec4<f32>(ya[24], yb[24]),
        vec4<f32>(ya[25], yb[25]),
        vec4<f32>(ya[26], yb[26]),
        vec4<f32>(ya[27], yb[27]),
        vec4<f32>(ya[28], yb[28]),
        vec4<f32>(ya[29], yb[29]),
        vec4<f32>(ya[30], yb[30]),
        vec4<f32>(ya[31], yb[31]),
    );
}

// Writes the outputs of butterflies j, j+1 (y: (a, b) pairs) of a span-1 stage: butterfly j
// writes j*32 + r, so the pairs are (r, r+1) of one butterfly.
fn wr1_32(last: bool, m: u32, j: u32, y: array<vec4<f32>, 32>) {
    fft_write2(last, m, j * 32u + 0u, vec4<f32>(y[0].xy, y[1].xy));
    fft_write2(last, m, j * 32u + 32u, vec4<f32>(y[0].zw, y[1].zw));
    fft_write2(last, m, j * 32u + 2u, vec4<f32>(y[2].xy, y[3].xy));
    fft_write2(last, m, j * 32u + 34u, vec4<f32>(y[2].zw, y[3].zw));
    fft_write2(last, m, j * 32u + 4u, vec4<f32>(y[4].xy, y[5].xy));
    fft_write2(last, m, j * 32u + 36u, vec4<f32>(y[4].zw, y[5].zw));
    fft_write2(last, m, j * 32u + 6u, vec4<f32>(y[6].xy, y[7].xy));
    fft_write2(last, m, j * 32u + 38u, vec4<f32>(y[6].zw, y[7].zw));
    fft_write2(last, m, j * 32u + 8u, vec4<f32>(y[8].xy, y[9].xy));
    fft_write2(last, m, j * 32u + 40u, vec4<f32>(y[8].zw, y[9].zw));
    fft_write2(last, m, j * 32u + 10u, vec4<f32>(y[10].xy, y[11].xy));
    fft_write2(last, m, j * 32u + 42u, vec4<f32>(y[10].zw, y[11].zw));
    fft_write2(last, m, j * 32u + 12u, vec4<f32>(y[12].xy, y[13].xy));
    fft_write2(last, m, j * 32u + 44u, vec4<f32>(y[12].zw, y[13].zw));
    fft_write2(last, m, j * 32u + 14u, vec4<f32>(y[14].xy, y[15].xy));
    fft_write2(last, m, j * 32u + 46u, vec4<f32>(y[14].zw, y[15].zw));
    fft_write2(last, m, j * 32u + 16u, vec4<f32>(y[16].xy, y[17].xy));
    fft_write2(last, m, j * 32u + 48u, vec4<f32>(y[16].zw, y[17].zw));
    fft_write2(last, m, j * 32u + 18u, vec4<f32>(y[18].xy, y[19].xy));
    fft_write2(last, m, j * 32u + 50u, vec4<f32>(y[18].zw, y[19].zw));
    fft_write2(last, m, j * 32u + 20u, vec4<f32>(y[20].xy, y[21].xy));
    fft_write2(last, m, j * 32u + 52u, vec4<f32>(y[20].zw, y[21].zw));
    fft_write2(last, m, j * 32u + 22u, vec4<f32>(y[22].xy, y[23].xy));
    fft_write2(last, m, j * 32u + 54u, vec4<f32>(y[22].zw, y[23].zw));
    fft_write2(last, m, j * 32u + 24u, vec4<f32>(y[24].xy, y[25].xy));
    fft_write2(last, m, j * 32u + 56u, vec4<f32>(y[24].zw, y[25].zw));
    fft_write2(last, m, j * 32u + 26u, vec4<f32>(y[26].xy, y[27].xy));
    fft_write2(last, m, j * 32u + 58u, vec4<f32>(y[26].zw, y[27].zw));
    fft_write2(last, m, j * 32u + 28u, vec4<f32>(y[28].xy, y[29].xy));
    fft_write2(last, m, j * 32u + 60u, vec4<f32>(y[28].zw, y[29].zw));
    fft_write2(last, m, j * 32u + 30u, vec4<f32>(y[30].xy, y[31].xy));
    fft_write2(last, m, j * 32u + 62u, vec4<f32>(y[30].zw, y[31].zw));
}

// The same for span 2^log_ns > 1: outputs r of j and j+1 are neighbours.
fn wrn_32(last: bool, m: u32, j: u32, log_ns: u32, y: array<vec4<f32>, 32>) {
    let ns = 1u << log_ns;
    let base = ((j >> log_ns) << (log_ns + 5u)) + (j & (ns - 1u));
    fft_write2(last, m, base + 0u * ns, y[0]);
    fft_write2(last, m, base + 1u * ns, y[1]);
    fft_write2(last, m, base + 2u * ns, y[2]);
    fft_write2(last, m, base + 3u * ns, y[3]);
    fft_write2(last, m, base + 4u * ns, y[4]);
    fft_write2(last, m, base + 5u * ns, y[5]);
    fft_write2(last, m, base + 6u * ns, y[6]);
    fft_write2(last, m, base + 7u * ns, y[7]);
    fft_write2(last, m, base + 8u * ns, y[8]);
    fft_write2(last, m, base + 9u * ns, y[9]);
    fft_write2(last, m, base + 10u * ns, y[10]);
    fft_write2(last, m, base + 11u * ns, y[11]);
    fft_write2(last, m, base + 12u * ns, y[12]);
    fft_write2(last, m, base + 13u * ns, y[13]);
    fft_write2(last, m, base + 14u * ns, y[14]);
    fft_write2(last, m, base + 15u * ns, y[15]);
    fft_write2(last, m, base + 16u * ns, y[16]);
    fft_write2(last, m, base + 17u * ns, y[17]);
    fft_write2(last, m, base + 18u * ns, y[18]);
    fft_write2(last, m, base + 19u * ns, y[19]);
    fft_write2(last, m, base + 20u * ns, y[20]);
    fft_write2(last, m, base + 21u * ns, y[21]);
    fft_write2(last, m, base + 22u * ns, y[22]);
    fft_write2(last, m, base + 23u * ns, y[23]);
    fft_write2(last, m, base + 24u * ns, y[24]);
    fft_write2(last, m, base + 25u * ns, y[25]);
    fft_write2(last, m, base + 26u * ns, y[26]);
    fft_write2(last, m, base + 27u * ns, y[27]);
    fft_write2(last, m, base + 28u * ns, y[28]);
    fft_write2(last, m, base + 29u * ns, y[29]);
    fft_write2(last, m, base + 30u * ns, y[30]);
    fft_write2(last, m, base + 31u * ns, y[31]);
}

// First stage (span 1) reading through fft_load2: 2 pair(s) per invocation (no barrier
// between reads and writes: nothing else reads what it writes), then a barrier.
fn fst32w(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 64u, 1u);
    let j0 = (g0 % max(FFT_P / 64u, 1u)) * 2u;
    let y0 = bf32(true, m0, j0, 0u);
    wr1_32(false, m0, j0, y0);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 64u, 1u);
    let j1 = (g1 % max(FFT_P / 64u, 1u)) * 2u;
    let y1 = bf32(true, m1, j1, 0u);
    wr1_32(false, m1, j1, y1);
    workgroupBarrier();
}

// First stage (span 1) from workgroup memory: all reads, barrier, all writes, barrier.
fn fsm32w(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 64u, 1u);
    let j0 = (g0 % max(FFT_P / 64u, 1u)) * 2u;
    let y0 = bf32(false, m0, j0, 0u);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 64u, 1u);
    let j1 = (g1 % max(FFT_P / 64u, 1u)) * 2u;
    let y1 = bf32(false, m1, j1, 0u);
    workgroupBarrier();
    wr1_32(false, m0, j0, y0);
    wr1_32(false, m1, j1, y1);
    workgroupBarrier();
}

// Butterflies j and j+1 (j even) of column m in a radix-64 stage of span 2^log_ns.
fn bf64(first: bool, m: u32, j: u32, log_ns: u32) -> array<vec4<f32>, 64> {
    let s = FFT_P / 64u;
    let v = array<vec4<f32>, 64>(
        fft_read2(first, m, j + 0u * s),
        fft_read2(first, m, j + 1u * s),
        fft_read2(first, m, j + 2u * s),
        fft_read2(first, m, j + 3u * s),
        fft_read2(first, m, j + 4u * s),
        fft_read2(first, m, j + 5u * s),
        fft_read2(first, m, j + 6u * s),
        fft_read2(first, m, j + 7u * s),
        fft_read2(first, m, j + 8u * s),
        fft_read2(first, m, j + 9u * s),
        fft_read2(first, m, j + 10u * s),
        fft_read2(first, m, j + 11u * s),
        fft_read2(first, m, j + 12u * s),
        fft_read2(first, m, j + 13u * s),
        fft_read2(first, m, j + 14u * s),
        fft_read2(first, m, j + 15u * s),
        fft_read2(first, m, j + 16u * s),
        fft_read2(first, m, j + 17u * s),
        fft_read2(first, m, j + 18u * s),
        fft_read2(first, m, j + 19u * s),
        fft_read2(first, m, j + 20u * s),
        fft_read2(first, m, j + 21u * s),
        fft_read2(first, m, j + 22u * s),
        fft_read2(first, m, j + 23u * s),
        fft_read2(first, m, j + 24u * s),
        fft_read2(first, m, j + 25u * s),
        fft_read2(first, m, j + 26u * s),
        fft_read2(first, m, j + 27u * s),
        fft_read2(first, m, j + 28u * s),
        fft_read2(first, m, j + 29u * s),
        fft_read2(first, m, j + 30u * s),
        fft_read2(first, m, j + 31u * s),
        fft_read2(first, m, j + 32u * s),
        fft_read2(first, m, j + 33u * s),
        fft_read2(first, m, j + 34u * s),
        fft_read2(first, m, j + 35u * s),
        fft_read2(first, m, j + 36u * s),
        fft_read2(first, m, j + 37u * s),
        fft_read2(first, m, j + 38u * s),
        fft_read2(first, m, j + 39u * s),
        fft_read2(first, m, j + 40u * s),
        fft_read2(first, m, j + 41u * s),
        fft_read2(first, m, j + 42u * s),
        fft_read2(first, m, j + 43u * s),
        fft_read2(first, m, j + 44u * s),
        fft_read2(first, m, j + 45u * s),
        fft_read2(first, m, j + 46u * s),
        fft_read2(first, m, j + 47u * s),
        fft_read2(first, m, j + 48u * s),
        fft_read2(first, m, j + 49u * s),
        fft_read2(first, m, j + 50u * s),
        fft_read2(first, m, j + 51u * s),
        fft_read2(first, m, j + 52u * s),
        fft_read2(first, m, j + 53u * s),
        fft_read2(first, m, j + 54u * s),
        fft_read2(first, m, j + 55u * s),
        fft_read2(first, m, j + 56u * s),
        fft_read2(first, m, j + 57u * s),
        fft_read2(first, m, j + 58u * s),
        fft_read2(first, m, j + 59u * s),
        fft_read2(first, m, j + 60u * s),
        fft_read2(first, m, j + 61u * s),
        fft_read2(first, m, j + 62u * s),
        fft_read2(first, m, j + 63u * s),
    );
    var a = array<vec2<f32>, 64>(v[0].xy, v[1].xy, v[2].xy, v[3].xy, v[4].xy, v[5].xy, v[6].xy, v[7].xy, v[8].xy, v[9].xy, v[10].xy, v[11].xy, v[12].xy, v[13].xy, v[14].xy, v[15].xy, v[16].xy, v[17].xy, v[18].xy, v[19].xy, v[20].xy, v[21].xy, v[22].xy, v[23].xy, v[24].xy, v[25].xy, v[26].xy, v[27].xy, v[28].xy, v[29].xy, v[30].xy, v[31].xy, v[32].xy, v[33].xy, v[34].xy, v[35].xy, v[36].xy, v[37].xy, v[38].xy, v[39].xy, v[40].xy, v[41].xy, v[42].xy, v[43].xy, v[44].xy, v[45].xy, v[46].xy, v[47].xy, v[48].xy, v[49].xy, v[50].xy, v[51].xy, v[52].xy, v[53].xy, v[54].xy, v[55].xy, v[56].xy, v[57].xy, v[58].xy, v[59].xy, v[60].xy, v[61].xy, v[62].xy, v[63].xy);
    var b = array<vec2<f32>, 64>(v[0].zw, v[1].zw, v[2].zw, v[3].zw, v[4].zw, v[5].zw, v[6].zw, v[7].zw, v[8].zw, v[9].zw, v[10].zw, v[11].zw, v[12].zw, v[13].zw, v[14].zw, v[15].zw, v[16].zw, v[17].zw, v[18].zw, v[19].zw, v[20].zw, v[21].zw, v[22].zw, v[23].zw, v[24].zw, v[25].zw, v[26].zw, v[27].zw, v[28].zw, v[29].zw, v[30].zw, v[31].zw, v[32].zw, v[33].zw, v[34].zw, v[35].zw, v[36].zw, v[37].zw, v[38].zw, v[39].zw, v[40].zw, v[41].zw, v[42].zw, v[43].zw, v[44].zw, v[45].zw, v[46].zw, v[47].zw, v[48].zw, v[49].zw, v[50].zw, v[51].zw, v[52].zw, v[53].zw, v[54].zw, v[55].zw, v[56].zw, v[57].zw, v[58].zw, v[59].zw, v[60].zw, v[61].zw, v[62].zw, v[63].zw);
    if first && FFT_TW_IN {
        // Cross-pass twiddles W^(e·k), e = j + r·s (+1 for b): W^(jk)·(W^(sk))^r.
        let k = fft_tw_k(m);
        let lp = fp.log_ns + log2u(FFT_P);
        let msk = (1u << lp) - 1u;
        let c0 = twiddle((j * k) & msk, lp);
        let d = twiddle(k & msk, lp);
        let c1 = twiddle((s * k) & msk, lp);
        let c2 = cmul(c1, c1);
        let c3 = cmul(c2, c1);
        let c4 = cmul(c2, c2);
        let c5 = cmul(c4, c1);
        let c6 = cmul(c4, c2);
        let c7 = cmul(c4, c3);
        let c8 = cmul(c4, c4);
        let c9 = cmul(c8, c1);
        let c10 = cmul(c8, c2);
        let c11 = cmul(c8, c3);
        let c12 = cmul(c8, c4);
        let c13 = cmul(c8, c5);
        let c14 = cmul(c8, c6);
        let c15 = cmul(c8, c7);
        let c16 = cmul(c8, c8);
        let c17 = cmul(c16, c1);
        let c18 = cmul(c16, c2);
        let c19 = cmul(c16, c3);
        let c20 = cmul(c16, c4);
        let c21 = cmul(c16, c5);
        let c22 = cmul(c16, c6);
        let c23 = cmul(c16, c7);
        let c24 = cmul(c16, c8);
        let c25 = cmul(c16, c9);
        let c26 = cmul(c16, c10);
        let c27 = cmul(c16, c11);
        let c28 = cmul(c16, c12);
        let c29 = cmul(c16, c13);
        let c30 = cmul(c16, c14);
        let c31 = cmul(c16, c15);
        let c32 = cmul(c16, c16);
        let c33 = cmul(c32, c1);
        let c34 = cmul(c32, c2);
        let c35 = cmul(c32, c3);
        let c36 = cmul(c32, c4);
        let c37 = cmul(c32, c5);
        let c38 = cmul(c32, c6);
        let c39 = cmul(c32, c7);
        let c40 = cmul(c32, c8);
        let c41 = cmul(c32, c9);
        let c42 = cmul(c32, c10);
        let c43 = cmul(c32, c11);
        let c44 = cmul(c32, c12);
        let c45 = cmul(c32, c13);
        let c46 = cmul(c32, c14);
        let c47 = cmul(c32, c15);
        let c48 = cmul(c32, c16);
        let c49 = cmul(c32, c17);
        let c50 = cmul(c32, c18);
        let c51 = cmul(c32, c19);
        let c52 = cmul(c32, c20);
        let c53 = cmul(c32, c21);
        let c54 = cmul(c32, c22);
        let c55 = cmul(c32, c23);
        let c56 = cmul(c32, c24);
        let c57 = cmul(c32, c25);
        let c58 = cmul(c32, c26);
        let c59 = cmul(c32, c27);
        let c60 = cmul(c32, c28);
        let c61 = cmul(c32, c29);
        let c62 = cmul(c32, c30);
        let c63 = cmul(c32, c31);
        a[0] = cmul(a[0], c0);
        b[0] = cmul(b[0], cmul(c0, d));
        let e1 = cmul(c0, c1);
        let e2 = cmul(c0, c2);
        let e3 = cmul(c0, c3);
        let e4 = cmul(c0, c4);
        let e5 = cmul(c0, c5);
        let e6 = cmul(c0, c6);
        let e7 = cmul(c0, c7);
        let e8 = cmul(c0, c8);
        let e9 = cmul(c0, c9);
        let e10 = cmul(c0, c10);
        let e11 = cmul(c0, c11);
        let e12 = cmul(c0, c12);
        let e13 = cmul(c0, c13);
        let e14 = cmul(c0, c14);
        let e15 = cmul(c0, c15);
        let e16 = cmul(c0, c16);
        let e17 = cmul(c0, c17);
        let e18 = cmul(c0, c18);
        let e19 = cmul(c0, c19);
        let e20 = cmul(c0, c20);
        let e21 = cmul(c0, c21);
        let e22 = cmul(c0, c22);
        let e23 = cmul(c0, c23);
        let e24 = cmul(c0, c24);
        let e25 = cmul(c0, c25);
        let e26 = cmul(c0, c26);
        let e27 = cmul(c0, c27);
        let e28 = cmul(c0, c28);
        let e29 = cmul(c0, c29);
        let e30 = cmul(c0, c30);
        let e31 = cmul(c0, c31);
        let e32 = cmul(c0, c32);
        let e33 = cmul(c0, c33);
        let e34 = cmul(c0, c34);
        let e35 = cmul(c0, c35);
        let e36 = cmul(c0, c36);
        let e37 = cmul(c0, c37);
        let e38 = cmul(c0, c38);
        let e39 = cmul(c0, c39);
        let e40 = cmul(c0, c40);
        let e41 = cmul(c0, c41);
        let e42 = cmul(c0, c42);
        let e43 = cmul(c0, c43);
        let e44 = cmul(c0, c44);
        let e45 = cmul(c0, c45);
        let e46 = cmul(c0, c46);
        let e47 = cmul(c0, c47);
        let e48 = cmul(c0, c48);
        let e49 = cmul(c0, c49);
        let e50 = cmul(c0, c50);
        let e51 = cmul(c0, c51);
        let e52 = cmul(c0, c52);
        let e53 = cmul(c0, c53);
        let e54 = cmul(c0, c54);
        let e55 = cmul(c0, c55);
        let e56 = cmul(c0, c56);
        let e57 = cmul(c0, c57);
        let e58 = cmul(c0, c58);
        let e59 = cmul(c0, c59);
        let e60 = cmul(c0, c60);
        let e61 = cmul(c0, c61);
        let e62 = cmul(c0, c62);
        let e63 = cmul(c0, c63);
        a[1] = cmul(a[1], e1);
        b[1] = cmul(b[1], cmul(e1, d));
        a[2] = cmul(a[2], e2);
        b[2] = cmul(b[2], cmul(e2, d));
        a[3] = cmul(a[3], e3);
        b[3] = cmul(b[3], cmul(e3, d));
        a[4] = cmul(a[4], e4);
        b[4] = cmul(b[4], cmul(e4, d));
        a[5] = cmul(a[5], e5);
        b[5] = cmul(b[5], cmul(e5, d));
        a[6] = cmul(a[6], e6);
        b[6] = cmul(b[6], cmul(e6, d));
        a[7] = cmul(a[7], e7);
        b[7] = cmul(b[7], cmul(e7, d));
        a[8] = cmul(a[8], e8);
        b[8] = cmul(b[8], cmul(e8, d));
        a[9] = cmul(a[9], e9);
        b[9] = cmul(b[9], cmul(e9, d));
        a[10] = cmul(a[10], e10);
        b[10] = cmul(b[10], cmul(e10, d));
        a[11] = cmul(a[11], e11);
        b[11] = cmul(b[11], cmul(e11, d));
        a[12] = cmul(a[12], e12);
        b[12] = cmul(b[12], cmul(e12, d));
        a[13] = cmul(a[13], e13);
        b[13] = cmul(b[13], cmul(e13, d));
        a[14] = cmul(a[14], e14);
        b[14] = cmul(b[14], cmul(e14, d));
        a[15] = cmul(a[15], e15);
        b[15] = cmul(b[15], cmul(e15, d));
        a[16] = cmul(a[16], e16);
        b[16] = cmul(b[16], cmul(e16, d));
        a[17] = cmul(a[17], e17);
        b[17] = cmul(b[17], cmul(e17, d));
        a[18] = cmul(a[18], e18);
        b[18] = cmul(b[18], cmul(e18, d));
        a[19] = cmul(a[19], e19);
        b[19] = cmul(b[19], cmul(e19, d));
        a[20] = cmul(a[20], e20);
        b[20] = cmul(b[20], cmul(e20, d));
        a[21] = cmul(a[21], e21);
        b[21] = cmul(b[21], cmul(e21, d));
        a[22] = cmul(a[22], e22);
        b[22] = cmul(b[22], cmul(e22, d));
        a[23] = cmul(a[23], e23);
        b[23] = cmul(b[23], cmul(e23, d));
        a[24] = cmul(a[24], e24);
        b[24] = cmul(b[24], cmul(e24, d));
        a[25] = cmul(a[25], e25);
        b[25] = cmul(b[25], cmul(e25, d));
        a[26] = cmul(a[26], e26);
        b[26] = cmul(b[26], cmul(e26, d));
        a[27] = cmul(a[27], e27);
        b[27] = cmul(b[27], cmul(e27, d));
        a[28] = cmul(a[28], e28);
        b[28] = cmul(b[28], cmul(e28, d));
        a[29] = cmul(a[29], e29);
        b[29] = cmul(b[29], cmul(e29, d));
        a[30] = cmul(a[30], e30);
        b[30] = cmul(b[30], cmul(e30, d));
        a[31] = cmul(a[31], e31);
        b[31] = cmul(b[31], cmul(e31, d));
        a[32] = cmul(a[32], e32);
        b[32] = cmul(b[32], cmul(e32, d));
        a[33] = cmul(a[33], e33);
        b[33] = cmul(b[33], cmul(e33, d));
        a[34] = cmul(a[34], e34);
        b[34] = cmul(b[34], cmul(e34, d));
        a[35] = cmul(a[35], e35);
        b[35] = cmul(b[35], cmul(e35, d));
        a[36] = cmul(a[36], e36);
        b[36] = cmul(b[36], cmul(e36, d));
        a[37] = cmul(a[37], e37);
        b[37] = cmul(b[37], cmul(e37, d));
        a[38] = cmul(a[38], e38);
        b[38] = cmul(b[38], cmul(e38, d));
        a[39] = cmul(a[39], e39);
        b[39] = cmul(b[39], cmul(e39, d));
        a[40] = cmul(a[40], e40);
        b[40] = cmul(b[40], cmul(e40, d));
        a[41] = cmul(a[41], e41);
        b[41] = cmul(b[41], cmul(e41, d));
        a[42] = cmul(a[42], e42);
        b[42] = cmul(b[42], cmul(e42, d));
        a[43] = cmul(a[43], e43);
        b[43] = cmul(b[43], cmul(e43, d));
        a[44] = cmul(a[44], e44);
        b[44] = cmul(b[44], cmul(e44, d));
        a[45] = cmul(a[45], e45);
        b[45] = cmul(b[45], cmul(e45, d));
        a[46] = cmul(a[46], e46);
        b[46] = cmul(b[46], cmul(e46, d));
        a[47] = cmul(a[47], e47);
        b[47] = cmul(b[47], cmul(e47, d));
        a[48] = cmul(a[48], e48);
        b[48] = cmul(b[48], cmul(e48, d));
        a[49] = cmul(a[49], e49);
        b[49] = cmul(b[49], cmul(e49, d));
        a[50] = cmul(a[50], e50);
        b[50] = cmul(b[50], cmul(e50, d));
        a[51] = cmul(a[51], e51);
        b[51] = cmul(b[51], cmul(e51, d));
        a[52] = cmul(a[52], e52);
        b[52] = cmul(b[52], cmul(e52, d));
        a[53] = cmul(a[53], e53);
        b[53] = cmul(b[53], cmul(e53, d));
        a[54] = cmul(a[54], e54);
        b[54] = cmul(b[54], cmul(e54, d));
        a[55] = cmul(a[55], e55);
        b[55] = cmul(b[55], cmul(e55, d));
        a[56] = cmul(a[56], e56);
        b[56] = cmul(b[56], cmul(e56, d));
        a[57] = cmul(a[57], e57);
        b[57] = cmul(b[57], cmul(e57, d));
        a[58] = cmul(a[58], e58);
        b[58] = cmul(b[58], cmul(e58, d));
        a[59] = cmul(a[59], e59);
        b[59] = cmul(b[59], cmul(e59, d));
        a[60] = cmul(a[60], e60);
        b[60] = cmul(b[60], cmul(e60, d));
        a[61] = cmul(a[61], e61);
        b[61] = cmul(b[61], cmul(e61, d));
        a[62] = cmul(a[62], e62);
        b[62] = cmul(b[62], cmul(e62, d));
        a[63] = cmul(a[63], e63);
        b[63] = cmul(b[63], cmul(e63, d));
    }
    if log_ns > 0u {
        let k = j & ((1u << log_ns) - 1u);
        let w = stage_tw(((64u << log_ns) + k) >> 1u);
        let p1 = w.xy;
        let q1 = w.zw;
        let p2 = cmul(p1, p1);
        let p3 = cmul(p2, p1);
        let p4 = cmul(p2, p2);
        let p5 = cmul(p4, p1);
        let p6 = cmul(p4, p2);
        let p7 = cmul(p4, p3);
        let p8 = cmul(p4, p4);
        let p9 = cmul(p8, p1);
        let p10 = cmul(p8, p2);
        let p11 = cmul(p8, p3);
        let p12 = cmul(p8, p4);
        let p13 = cmul(p8, p5);
        let p14 = cmul(p8, p6);
        let p15 = cmul(p8, p7);
        let p16 = cmul(p8, p8);
        let p17 = cmul(p16, p1);
        let p18 = cmul(p16, p2);
        let p19 = cmul(p16, p3);
        let p20 = cmul(p16, p4);
        let p21 = cmul(p16, p5);
        let p22 = cmul(p16, p6);
        let p23 = cmul(p16, p7);
        let p24 = cmul(p16, p8);
        let p25 = cmul(p16, p9);
        let p26 = cmul(p16, p10);
        let p27 = cmul(p16, p11);
        let p28 = cmul(p16, p12);
        let p29 = cmul(p16, p13);
        let p30 = cmul(p16, p14);
        let p31 = cmul(p16, p15);
        let p32 = cmul(p16, p16);
        let p33 = cmul(p32, p1);
        let p34 = cmul(p32, p2);
        let p35 = cmul(p32, p3);
        let p36 = cmul(p32, p4);
        let p37 = cmul(p32, p5);
        let p38 = cmul(p32, p6);
        let p39 = cmul(p32, p7);
        let p40 = cmul(p32, p8);
        let p41 = cmul(p32, p9);
        let p42 = cmul(p32, p10);
        let p43 = cmul(p32, p11);
        let p44 = cmul(p32, p12);
        let p45 = cmul(p32, p13);
        let p46 = cmul(p32, p14);
        let p47 = cmul(p32, p15);
        let p48 = cmul(p32, p16);
        let p49 = cmul(p32, p17);
        let p50 = cmul(p32, p18);
        let p51 = cmul(p32, p19);
        let p52 = cmul(p32, p20);
        let p53 = cmul(p32, p21);
        let p54 = cmul(p32, p22);
        let p55 = cmul(p32, p23);
        let p56 = cmul(p32, p24);
        let p57 = cmul(p32, p25);
        let p58 = cmul(p32, p26);
        let p59 = cmul(p32, p27);
        let p60 = cmul(p32, p28);
        let p61 = cmul(p32, p29);
        let p62 = cmul(p32, p30);
        let p63 = cmul(p32, p31);
        let q2 = cmul(q1, q1);
        let q3 = cmul(q2, q1);
        let q4 = cmul(q2, q2);
        let q5 = cmul(q4, q1);
        let q6 = cmul(q4, q2);
        let q7 = cmul(q4, q3);
        let q8 = cmul(q4, q4);
        let q9 = cmul(q8, q1);
        let q10 = cmul(q8, q2);
        let q11 = cmul(q8, q3);
        let q12 = cmul(q8, q4);
        let q13 = cmul(q8, q5);
        let q14 = cmul(q8, q6);
        let q15 = cmul(q8, q7);
        let q16 = cmul(q8, q8);
        let q17 = cmul(q16, q1);
        let q18 = cmul(q16, q2);
        let q19 = cmul(q16, q3);
        let q20 = cmul(q16, q4);
        let q21 = cmul(q16, q5);
        let q22 = cmul(q16, q6);
        let q23 = cmul(q16, q7);
        let q24 = cmul(q16, q8);
        let q25 = cmul(q16, q9);
        let q26 = cmul(q16, q10);
        let q27 = cmul(q16, q11);
        let q28 = cmul(q16, q12);
        let q29 = cmul(q16, q13);
        let q30 = cmul(q16, q14);
        let q31 = cmul(q16, q15);
        let q32 = cmul(q16, q16);
        let q33 = cmul(q32, q1);
        let q34 = cmul(q32, q2);
        let q35 = cmul(q32, q3);
        let q36 = cmul(q32, q4);
        let q37 = cmul(q32, q5);
        let q38 = cmul(q32, q6);
        let q39 = cmul(q32, q7);
        let q40 = cmul(q32, q8);
        let q41 = cmul(q32, q9);
        let q42 = cmul(q32, q10);
        let q43 = cmul(q32, q11);
        let q44 = cmul(q32, q12);
        let q45 = cmul(q32, q13);
        let q46 = cmul(q32, q14);
        let q47 = cmul(q32, q15);
        let q48 = cmul(q32, q16);
        let q49 = cmul(q32, q17);
        let q50 = cmul(q32, q18);
        let q51 = cmul(q32, q19);
        let q52 = cmul(q32, q20);
        let q53 = cmul(q32, q21);
        let q54 = cmul(q32, q22);
        let q55 = cmul(q32, q23);
        let q56 = cmul(q32, q24);
        let q57 = cmul(q32, q25);
        let q58 = cmul(q32, q26);
        let q59 = cmul(q32, q27);
        let q60 = cmul(q32, q28);
        let q61 = cmul(q32, q29);
        let q62 = cmul(q32, q30);
        let q63 = cmul(q32, q31);
        a[1] = cmul(a[1], p1);
        b[1] = cmul(b[1], q1);
        a[2] = cmul(a[2], p2);
        b[2] = cmul(b[2], q2);
        a[3] = cmul(a[3], p3);
        b[3] = cmul(b[3], q3);
        a[4] = cmul(a[4], p4);
        b[4] = cmul(b[4], q4);
        a[5] = cmul(a[5], p5);
        b[5] = cmul(b[5], q5);
        a[6] = cmul(a[6], p6);
        b[6] = cmul(b[6], q6);
        a[7] = cmul(a[7], p7);
        b[7] = cmul(b[7], q7);
        a[8] = cmul(a[8], p8);
        b[8] = cmul(b[8], q8);
        a[9] = cmul(a[9], p9);
        b[9] = cmul(b[9], q9);
        a[10] = cmul(a[10], p10);
        b[10] = cmul(b[10], q10);
        a[11] = cmul(a[11], p11);
        b[11] = cmul(b[11], q11);
        a[12] = cmul(a[12], p12);
        b[12] = cmul(b[12], q12);
        a[13] = cmul(a[13], p13);
        b[13] = cmul(b[13], q13);
        a[14] = cmul(a[14], p14);
        b[14] = cmul(b[14], q14);
        a[15] = cmul(a[15], p15);
        b[15] = cmul(b[15], q15);
        a[16] = cmul(a[16], p16);
        b[16] = cmul(b[16], q16);
        a[17] = cmul(a[17], p17);
        b[17] = cmul(b[17], q17);
        a[18] = cmul(a[18], p18);
        b[18] = cmul(b[18], q18);
        a[19] = cmul(a[19], p19);
        b[19] = cmul(b[19], q19);
        a[20] = cmul(a[20], p20);
        b[20] = cmul(b[20], q20);
        a[21] = cmul(a[21], p21);
        b[21] = cmul(b[21], q21);
        a[22] = cmul(a[22], p22);
        b[22] = cmul(b[22], q22);
        a[23] = cmul(a[23], p23);
        b[23] = cmul(b[23], q23);
        a[24] = cmul(a[24], p24);
        b[24] = cmul(b[24], q24);
        a[25] = cmul(a[25], p25);
        b[25] = cmul(b[25], q25);
        a[26] = cmul(a[26], p26);
        b[26] = cmul(b[26], q26);
        a[27] = cmul(a[27], p27);
        b[27] = cmul(b[27], q27);
        a[28] = cmul(a[28], p28);
        b[28] = cmul(b[28], q28);
        a[29] = cmul(a[29], p29);
        b[29] = cmul(b[29], q29);
        a[30] = cmul(a[30], p30);
        b[30] = cmul(b[30], q30);
        a[31] = cmul(a[31], p31);
        b[31] = cmul(b[31], q31);
        a[32] = cmul(a[32], p32);
        b[32] = cmul(b[32], q32);
        a[33] = cmul(a[33], p33);
        b[33] = cmul(b[33], q33);
        a[34] = cmul(a[34], p34);
        b[34] = cmul(b[34], q34);
        a[35] = cmul(a[35], p35);
        b[35] = cmul(b[35], q35);
        a[36] = cmul(a[36], p36);
        b[36] = cmul(b[36], q36);
        a[37] = cmul(a[37], p37);
        b[37] = cmul(b[37], q37);
        a[38] = cmul(a[38], p38);
        b[38] = cmul(b[38], q38);
        a[39] = cmul(a[39], p39);
        b[39] = cmul(b[39], q39);
        a[40] = cmul(a[40], p40);
        b[40] = cmul(b[40], q40);
        a[41] = cmul(a[41], p41);
        b[41] = cmul(b[41], q41);
        a[42] = cmul(a[42], p42);
        b[42] = cmul(b[42], q42);
        a[43] = cmul(a[43], p43);
        b[43] = cmul(b[43], q43);
        a[44] = cmul(a[44], p44);
        b[44] = cmul(b[44], q44);
        a[45] = cmul(a[45], p45);
        b[45] = cmul(b[45], q45);
        a[46] = cmul(a[46], p46);
        b[46] = cmul(b[46], q46);
        a[47] = cmul(a[47], p47);
        b[47] = cmul(b[47], q47);
        a[48] = cmul(a[48], p48);
        b[48] = cmul(b[48], q48);
        a[49] = cmul(a[49], p49);
        b[49] = cmul(b[49], q49);
        a[50] = cmul(a[50], p50);
        b[50] = cmul(b[50], q50);
        a[51] = cmul(a[51], p51);
        b[51] = cmul(b[51], q51);
        a[52] = cmul(a[52], p52);
        b[52] = cmul(b[52], q52);
        a[53] = cmul(a[53], p53);
        b[53] = cmul(b[53], q53);
        a[54] = cmul(a[54], p54);
        b[54] = cmul(b[54], q54);
        a[55] = cmul(a[55], p55);
        b[55] = cmul(b[55], q55);
        a[56] = cmul(a[56], p56);
        b[56] = cmul(b[56], q56);
        a[57] = cmul(a[57], p57);
        b[57] = cmul(b[57], q57);
        a[58] = cmul(a[58], p58);
        b[58] = cmul(b[58], q58);
        a[59] = cmul(a[59], p59);
        b[59] = cmul(b[59], q59);
        a[60] = cmul(a[60], p60);
        b[60] = cmul(b[60], q60);
        a[61] = cmul(a[61], p61);
        b[61] = cmul(b[61], q61);
        a[62] = cmul(a[62], p62);
        b[62] = cmul(b[62], q62);
        a[63] = cmul(a[63], p63);
        b[63] = cmul(b[63], q63);
    }
    let ya = dft64(a);
    let yb = dft64(b);
    return array<vec4<f32>, 64>(
        vec4<f32>(ya[0], yb[0]),
        vec4<f32>(ya[1], yb[1]),
        vec4<f32>(ya[2], yb[2]),
        vec4<f32>(ya[3], yb[3]),
        vec4<f32>(ya[4], yb[4]),
        vec4<f32>(ya[5], yb[5]),
        vec4<f32>(ya[6], yb[6]),
        vec4<f32>(ya[7], yb[7]),
        vec4<f32>(ya[8], yb[8]),
        vec4<f32>(ya[9], yb[9]),
        vec4<f32>(ya[10], yb[10]),
        vec4<f32>(ya[11], yb[11]),
        vec4<f32>(ya[12], yb[12]),
        vec4<f32>(ya[13], yb[13]),
        vec4<f32>(ya[14], yb[14]),
        vec4<f32>(ya[15], yb[15]),
        vec4<f32>(ya[16], yb[16]),
        vec4<f32>(ya[17], yb[17]),
        vec4<f32>(ya[18], yb[18]),
        vec4<f32>(ya[19], yb[19]),
        vec4<f32>(ya[20], yb[20]),
        vec4<f32>(ya[21], yb[21]),
        vec4<f32>(ya[22], yb[22]),
        vec4<f32>(ya[23], yb[23]),
        vec4<f32>(ya[24], yb[24]),
        vec4<f32>(ya[25], yb[25]),
        vec4<f32>(ya[26], yb[26]),
        vec4<f32>(ya[27], yb[27]),
        vec4<f32>(ya[28], yb[28]),
        vec4<f32>(ya[29], yb[29]),
        vec4<f32>(ya[30], yb[30]),
        vec4<f32>(ya[31], yb[31]),
        vec4<f32>(ya[32], yb[32]),
        vec4<f32>(ya[33], yb[33]),
        vec4<f32>(ya[34], yb[34]),
        vec4<f32>(ya[35], yb[35]),
        vec4<f32>(ya[36], yb[36]),
        vec4<f32>(ya[37], yb[37]),
        vec4<f32>(ya[38], yb[38]),
        vec4<f32>(ya[39], yb[39]),
        vec4<f32>(ya[40], yb[40]),
        vec4<f32>(ya[41], yb[41]),
        vec4<f32>(ya[42], yb[42]),
        vec4<f32>(ya[43], yb[43]),
        vec4<f32>(ya[44], yb[44]),
        vec4<f32>(ya[45], yb[45]),
        vec4<f32>(ya[46], yb[46]),
        vec4<f32>(ya[47], yb[47]),
        vec4<f32>(ya[48], yb[48]),
        vec4<f32>(ya[49], yb[49]),
        vec4<f32>(ya[50], yb[50]),
        vec4<f32>(ya[51], yb[51]),
        vec4<f32>(ya[52], yb[52]),
        vec4<f32>(ya[53], yb[53]),
        vec4<f32>(ya[54], yb[54]),
        vec4<f32>(ya[55], yb[55]),
        vec4<f32>(ya[56], yb[56]),
        vec4<f32>(ya[57], yb[57]),
        vec4<f32>(ya[58], yb[58]),
        vec4<f32>(ya[59], yb[59]),
        vec4<f32>(ya[60], yb[60]),
        vec4<f32>(ya[61], yb[61]),
        vec4<f32>(ya[62], yb[62]),
        vec4<f32>(ya[63], yb[63]),
    );
}

// Writes the outputs of butterflies j, j+1 (y: (a, b) pairs) of a span-1 stage: butterfly j
// writes j*64 + r, so the pairs are (r, r+1) of one butterfly.
fn wr1_64(last: bool, m: u32, j: u32, y: array<vec4<f32>, 64>) {
    fft_write2(last, m, j * 64u + 0u, vec4<f32>(y[0].xy, y[1].xy));
    fft_write2(last, m, j * 64u + 64u, vec4<f32>(y[0].zw, y[1].zw));
    fft_write2(last, m, j * 64u + 2u, vec4<f32>(y[2].xy, y[3].xy));
    fft_write2(last, m, j * 64u + 66u, vec4<f32>(y[2].zw, y[3].zw));
    fft_write2(last, m, j * 64u + 4u, vec4<f32>(y[4].xy, y[5].xy));
    fft_write2(last, m, j * 64u + 68u, vec4<f32>(y[4].zw, y[5].zw));
    fft_write2(last, m, j * 64u + 6u, vec4<f32>(y[6].xy, y[7].xy));
    fft_write2(last, m, j * 64u + 70u, vec4<f32>(y[6].zw, y[7].zw));
    fft_write2(last, m, j * 64u + 8u, vec4<f32>(y[8].xy, y[9].xy));
    fft_write2(last, m, j * 64u + 72u, vec4<f32>(y[8].zw, y[9].zw));
    fft_write2(last, m, j * 64u + 10u, vec4<f32>(y[10].xy, y[11].xy));
    fft_write2(last, m, j * 64u + 74u, vec4<f32>(y[10].zw, y[11].zw));
    fft_write2(last, m, j * 64u + 12u, vec4<f32>(y[12].xy, y[13].xy));
    fft_write2(last, m, j * 64u + 76u, vec4<f32>(y[12].zw, y[13].zw));
    fft_write2(last, m, j * 64u + 14u, vec4<f32>(y[14].xy, y[15].xy));
    fft_write2(last, m, j * 64u + 78u, vec4<f32>(y[14].zw, y[15].zw));
    fft_write2(last, m, j * 64u + 16u, vec4<f32>(y[16].xy, y[17].xy));
    fft_write2(last, m, j * 64u + 80u, vec4<f32>(y[16].zw, y[17].zw));
    fft_write2(last, m, j * 64u + 18u, vec4<f32>(y[18].xy, y[19].xy));
    fft_write2(last, m, j * 64u + 82u, vec4<f32>(y[18].zw, y[19].zw));
    fft_write2(last, m, j * 64u + 20u, vec4<f32>(y[20].xy, y[21].xy));
    fft_write2(last, m, j * 64u + 84u, vec4<f32>(y[20].zw, y[21].zw));
    fft_write2(last, m, j * 64u + 22u, vec4<f32>(y[22].xy, y[23].xy));
    fft_write2(last, m, j * 64u + 86u, vec4<f32>(y[22].zw, y[23].zw));
    fft_write2(last, m, j * 64u + 24u, vec4<f32>(y[24].xy, y[25].xy));
    fft_write2(last, m, j * 64u + 88u, vec4<f32>(y[24].zw, y[25].zw));
    fft_write2(last, m, j * 64u + 26u, vec4<f32>(y[26].xy, y[27].xy));
    fft_write2(last, m, j * 64u + 90u, vec4<f32>(y[26].zw, y[27].zw));
    fft_write2(last, m, j * 64u + 28u, vec4<f32>(y[28].xy, y[29].xy));
    fft_write2(last, m, j * 64u + 92u, vec4<f32>(y[28].zw, y[29].zw));
    fft_write2(last, m, j * 64u + 30u, vec4<f32>(y[30].xy, y[31].xy));
    fft_write2(last, m, j * 64u + 94u, vec4<f32>(y[30].zw, y[31].zw));
    fft_write2(last, m, j * 64u + 32u, vec4<f32>(y[32].xy, y[33].xy));
    fft_write2(last, m, j * 64u + 96u, vec4<f32>(y[32].zw, y[33].zw));
    fft_write2(last, m, j * 64u + 34u, vec4<f32>(y[34].xy, y[35].xy));
    fft_write2(last, m, j * 64u + 98u, vec4<f32>(y[34].zw, y[35].zw));
    fft_write2(last, m, j * 64u + 36u, vec4<f32>(y[36].xy, y[37].xy));
    fft_write2(last, m, j * 64u + 100u, vec4<f32>(y[36].zw, y[37].zw));
    fft_write2(last, m, j * 64u + 38u, vec4<f32>(y[38].xy, y[39].xy));
    fft_write2(last, m, j * 64u + 102u, vec4<f32>(y[38].zw, y[39].zw));
    fft_write2(last, m, j * 64u + 40u, vec4<f32>(y[40].xy, y[41].xy));
    fft_write2(last, m, j * 64u + 104u, vec4<f32>(y[40].zw, y[41].zw));
    fft_write2(last, m, j * 64u + 42u, vec4<f32>(y[42].xy, y[43].xy));
    fft_write2(last, m, j * 64u + 106u, vec4<f32>(y[42].zw, y[43].zw));
    fft_write2(last, m, j * 64u + 44u, vec4<f32>(y[44].xy, y[45].xy));
    fft_write2(last, m, j * 64u + 108u, vec4<f32>(y[44].zw, y[45].zw));
    fft_write2(last, m, j * 64u + 46u, vec4<f32>(y[46].xy, y[47].xy));
    fft_write2(last, m, j * 64u + 110u, vec4<f32>(y[46].zw, y[47].zw));
    fft_write2(last, m, j * 64u + 48u, vec4<f32>(y[48].xy, y[49].xy));
    fft_write2(last, m, j * 64u + 112u, vec4<f32>(y[48].zw, y[49].zw));
    fft_write2(last, m, j * 64u + 50u, vec4<f32>(y[50].xy, y[51].xy));
    fft_write2(last, m, j * 64u + 114u, vec4<f32>(y[50].zw, y[51].zw));
    fft_write2(last, m, j * 64u + 52u, vec4<f32>(y[52].xy, y[53].xy));
    fft_write2(last, m, j * 64u + 116u, vec4<f32>(y[52].zw, y[53].zw));
    fft_write2(last, m, j * 64u + 54u, vec4<f32>(y[54].xy, y[55].xy));
    fft_write2(last, m, j * 64u + 118u, vec4<f32>(y[54].zw, y[55].zw));
    fft_write2(last, m, j * 64u + 56u, vec4<f32>(y[56].xy, y[57].xy));
    fft_write2(last, m, j * 64u + 120u, vec4<f32>(y[56].zw, y[57].zw));
    fft_write2(last, m, j * 64u + 58u, vec4<f32>(y[58].xy, y[59].xy));
    fft_write2(last, m, j * 64u + 122u, vec4<f32>(y[58].zw, y[59].zw));
    fft_write2(last, m, j * 64u + 60u, vec4<f32>(y[60].xy, y[61].xy));
    fft_write2(last, m, j * 64u + 124u, vec4<f32>(y[60].zw, y[61].zw));
    fft_write2(last, m, j * 64u + 62u, vec4<f32>(y[62].xy, y[63].xy));
    fft_write2(last, m, j * 64u + 126u, vec4<f32>(y[62].zw, y[63].zw));
}

// The same for span 2^log_ns > 1: outputs r of j and j+1 are neighbours.
fn wrn_64(last: bool, m: u32, j: u32, log_ns: u32, y: array<vec4<f32>, 64>) {
    let ns = 1u << log_ns;
    let base = ((j >> log_ns) << (log_ns + 6u)) + (j & (ns - 1u));
    fft_write2(last, m, base + 0u * ns, y[0]);
    fft_write2(last, m, base + 1u * ns, y[1]);
    fft_write2(last, m, base + 2u * ns, y[2]);
    fft_write2(last, m, base + 3u * ns, y[3]);
    fft_write2(last, m, base + 4u * ns, y[4]);
    fft_write2(last, m, base + 5u * ns, y[5]);
    fft_write2(last, m, base + 6u * ns, y[6]);
    fft_write2(last, m, base + 7u * ns, y[7]);
    fft_write2(last, m, base + 8u * ns, y[8]);
    fft_write2(last, m, base + 9u * ns, y[9]);
    fft_write2(last, m, base + 10u * ns, y[10]);
    fft_write2(last, m, base + 11u * ns, y[11]);
    fft_write2(last, m, base + 12u * ns, y[12]);
    fft_write2(last, m, base + 13u * ns, y[13]);
    fft_write2(last, m, base + 14u * ns, y[14]);
    fft_write2(last, m, base + 15u * ns, y[15]);
    fft_write2(last, m, base + 16u * ns, y[16]);
    fft_write2(last, m, base + 17u * ns, y[17]);
    fft_write2(last, m, base + 18u * ns, y[18]);
    fft_write2(last, m, base + 19u * ns, y[19]);
    fft_write2(last, m, base + 20u * ns, y[20]);
    fft_write2(last, m, base + 21u * ns, y[21]);
    fft_write2(last, m, base + 22u * ns, y[22]);
    fft_write2(last, m, base + 23u * ns, y[23]);
    fft_write2(last, m, base + 24u * ns, y[24]);
    fft_write2(last, m, base + 25u * ns, y[25]);
    fft_write2(last, m, base + 26u * ns, y[26]);
    fft_write2(last, m, base + 27u * ns, y[27]);
    fft_write2(last, m, base + 28u * ns, y[28]);
    fft_write2(last, m, base + 29u * ns, y[29]);
    fft_write2(last, m, base + 30u * ns, y[30]);
    fft_write2(last, m, base + 31u * ns, y[31]);
    fft_write2(last, m, base + 32u * ns, y[32]);
    fft_write2(last, m, base + 33u * ns, y[33]);
    fft_write2(last, m, base + 34u * ns, y[34]);
    fft_write2(last, m, base + 35u * ns, y[35]);
    fft_write2(last, m, base + 36u * ns, y[36]);
    fft_write2(last, m, base + 37u * ns, y[37]);
    fft_write2(last, m, base + 38u * ns, y[38]);
    fft_write2(last, m, base + 39u * ns, y[39]);
    fft_write2(last, m, base + 40u * ns, y[40]);
    fft_write2(last, m, base + 41u * ns, y[41]);
    fft_write2(last, m, base + 42u * ns, y[42]);
    fft_write2(last, m, base + 43u * ns, y[43]);
    fft_write2(last, m, base + 44u * ns, y[44]);
    fft_write2(last, m, base + 45u * ns, y[45]);
    fft_write2(last, m, base + 46u * ns, y[46]);
    fft_write2(last, m, base + 47u * ns, y[47]);
    fft_write2(last, m, base + 48u * ns, y[48]);
    fft_write2(last, m, base + 49u * ns, y[49]);
    fft_write2(last, m, base + 50u * ns, y[50]);
    fft_write2(last, m, base + 51u * ns, y[51]);
    fft_write2(last, m, base + 52u * ns, y[52]);
    fft_write2(last, m, base + 53u * ns, y[53]);
    fft_write2(last, m, base + 54u * ns, y[54]);
    fft_write2(last, m, base + 55u * ns, y[55]);
    fft_write2(last, m, base + 56u * ns, y[56]);
    fft_write2(last, m, base + 57u * ns, y[57]);
    fft_write2(last, m, base + 58u * ns, y[58]);
    fft_write2(last, m, base + 59u * ns, y[59]);
    fft_write2(last, m, base + 60u * ns, y[60]);
    fft_write2(last, m, base + 61u * ns, y[61]);
    fft_write2(last, m, base + 62u * ns, y[62]);
    fft_write2(last, m, base + 63u * ns, y[63]);
}

// First stage (span 1) reading through fft_load2: 1 pair(s) per invocation (no barrier
// between reads and writes: nothing else reads what it writes), then a barrier.
fn fst64w(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 128u, 1u);
    let j0 = (g0 % max(FFT_P / 128u, 1u)) * 2u;
    let y0 = bf64(true, m0, j0, 0u);
    wr1_64(false, m0, j0, y0);
    workgroupBarrier();
}

// First stage (span 1) from workgroup memory: all reads, barrier, all writes, barrier.
fn fsm64w(li: u32) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 128u, 1u);
    let j0 = (g0 % max(FFT_P / 128u, 1u)) * 2u;
    let y0 = bf64(false, m0, j0, 0u);
    workgroupBarrier();
    wr1_64(false, m0, j0, y0);
    workgroupBarrier();
}


// A later stage of span 2^log_ns (reads workgroup memory); with `last` it writes through
// fft_store2 (no barrier needed), else back to workgroup memory between two barriers.
fn lst64w(li: u32, log_ns: u32, last: bool) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 128u, 1u);
    let j0 = (g0 % max(FFT_P / 128u, 1u)) * 2u;
    let y0 = bf64(false, m0, j0, log_ns);
    if !last {
        workgroupBarrier();
    }
    wrn_64(last, m0, j0, log_ns, y0);
    if !last {
        workgroupBarrier();
    }
}

// The forward FFT_P-point DFT of every column of the workgroup. Radix plan: a first stage of
// radix R1 (FFT_P = 4: 2·2, 8: 2·4, 16: 4·4, else R1 = 2^(log P mod 4) or 16), radix-16 middle
// stages in a loop and a last stage. With `from_load` the first stage reads through fft_load2,
// else from workgroup memory (column m at values m*P ..); with `to_store` the last stage writes
// through fft_store2, else back to workgroup memory in natural order, followed by a barrier.
fn sub_fft(li: u32, from_load: bool, to_store: bool) {
    // (Also keeps FFT_SM used in a function body, which naga needs; the host sets it right.)
    if FFT_SM < FFT_P * FFT_M / 2u {
        return;
    }
    if FFT_P == 2u {
        fft_p2(li, from_load, to_store);
        return;
    }
    if FFT_E == 128u {
        sub_fft_w(li, from_load, to_store);
        return;
    }
    let lp = log2u(FFT_P);
    var l1 = lp % 4u;
    if l1 == 0u || lp == 4u {
        l1 = select(4u, 2u, lp == 4u);
    }
    if lp <= 3u {
        l1 = 1u;
    }
    var ll = 4u;
    if lp <= 4u {
        ll = lp - l1;
    }
    if l1 == 1u {
        if from_load { fst2(li); } else { fsm2(li); }
    } else if l1 == 2u {
        if from_load { fst4(li); } else { fsm4(li); }
    } else if l1 == 3u {
        if from_load { fst8(li); } else { fsm8(li); }
    } else {
        if from_load { fst16(li); } else { fsm16(li); }
    }
    var log_ns = l1;
    loop {
        if log_ns + ll >= lp {
            break;
        }
        lst16(li, log_ns, false);
        log_ns += 4u;
    }
    if ll == 1u {
        lst2(li, log_ns, to_store);
    } else if ll == 2u {
        lst4(li, log_ns, to_store);
    } else {
        lst16(li, log_ns, to_store);
    }
}

// sub_fft with FFT_E = 128 (FFT_P >= 64: pairs of radix-64 butterflies, 128 values per
// invocation): radix plan 8·8 for 64 points, else a first stage of radix 2^(log P mod 6) (64 when
// 0) and radix-64 stages, so that 4096 = 64·64 takes one exchange through workgroup memory
// instead of two.
fn sub_fft_w(li: u32, from_load: bool, to_store: bool) {
    let lp = log2u(FFT_P);
    var l1 = lp % 6u;
    if l1 == 0u {
        l1 = 6u;
    }
    var ll = 6u;
    if lp == 6u {
        l1 = 3u;
        ll = 3u;
    }
    if l1 == 1u {
        if from_load { fst2w(li); } else { fsm2w(li); }
    } else if l1 == 2u {
        if from_load { fst4w(li); } else { fsm4w(li); }
    } else if l1 == 3u {
        if from_load { fst8w(li); } else { fsm8w(li); }
    } else if l1 == 4u {
        if from_load { fst16w(li); } else { fsm16w(li); }
    } else if l1 == 5u {
        if from_load { fst32w(li); } else { fsm32w(li); }
    } else if l1 == 6u {
        if from_load { fst64w(li); } else { fsm64w(li); }
    }
    var log_ns = l1;
    loop {
        if log_ns + ll >= lp {
            break;
        }
        lst64w(li, log_ns, false);
        log_ns += 6u;
    }
    if ll == 3u {
        lst8w(li, log_ns, to_store);
    } else {
        lst64w(li, log_ns, to_store);
    }
}
// ---- END GENERATED ----
