// FFT core shared by the FFT family (c2c passes, Bluestein, real FFT, convolution): complex
// arithmetic, the twiddle table, register DFTs of radix 2/4/8/16 and the in-workgroup Stockham
// sub-FFT every FFT kernel runs.
//
// A workgroup transforms FFT_M columns of FFT_P points (FFT_P * FFT_M complex values in workgroup
// memory); each invocation holds 16 of them in registers. Stages are radix 16 after one
// smaller leading stage. Each stage reads the inputs of the butterflies it owns,
// synchronises, twiddles, runs the register DFT and writes (Stockham autosort: natural order in
// and out, no bit reversal). The first stage may read through the kernel's `fft_load(m, r)` and the
// last may write through `fft_store(m, o, v)`: that is how kernels fuse their own input and output
// work (cross-pass twiddles, chirps, gates, packing, pointwise products) into the transform.
// Always the forward transform (exp(-2πi·nk/P)); inverses conjugate on the way in and out.
//
// Twiddles come from a table computed in f64 on the host (accurate on every adapter, unlike
// sin/cos, whose WGSL precision is implementation-defined): w = fine[i & (F-1)] * coarse[i >> log F]
// for i in units of 2π/2^log_tw. Powers inside a butterfly are formed by repeated products.

override FFT_P: u32 = 1024u;          // sub-FFT length, a power of two >= 2
override FFT_M: u32 = 1u;             // columns per workgroup
override FFT_WG: u32 = 64u;           // invocations = FFT_P * FFT_M / 16 (16 values each)
override FFT_COL_FAST: bool = false;  // consecutive butterflies walk columns first (strided passes)


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
@group(0) @binding(1) var<storage, read> tw: array<vec2<f32>>;

// Workgroup memory: FFT_SM = FFT_P * FFT_M values. A named override rather than the expression:
// naga 30 turns an override expression in an array size into an anonymous override, and its
// process_overrides panics when that lands before a named override only function bodies use.
override FFT_SM: u32 = 1024u;
var<workgroup> sm: array<vec2<f32>, FFT_SM>;

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

fn conj(a: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.x, -a.y);
}

// a * (-i)
fn mul_mi(a: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.y, -a.x);
}

// exp(-2πi t / 2^log_l) for t < 2^log_l <= 2^log_tw.
fn twiddle(t: u32, log_l: u32) -> vec2<f32> {
    let i = t << (fp.log_tw - log_l);
    let f = tw[i & ((1u << fp.log_f) - 1u)];
    let c = tw[(1u << fp.log_f) + (i >> fp.log_f)];
    return cmul(f, c);
}

fn log2u(x: u32) -> u32 {
    return 31u - countLeadingZeros(x);
}

fn dft4(x: array<vec2<f32>, 4>) -> array<vec2<f32>, 4> {
    let t0 = x[0] + x[2];
    let t1 = x[0] - x[2];
    let t2 = x[1] + x[3];
    let t3 = mul_mi(x[1] - x[3]);
    return array<vec2<f32>, 4>(t0 + t2, t1 + t3, t0 - t2, t1 - t3);
}

const S2: f32 = 0.70710678118654752;
const C16: f32 = 0.92387953251128674;
const S16: f32 = 0.38268343236508978;

fn dft8(x: array<vec2<f32>, 8>) -> array<vec2<f32>, 8> {
    let e = dft4(array<vec2<f32>, 4>(x[0], x[2], x[4], x[6]));
    var o = dft4(array<vec2<f32>, 4>(x[1], x[3], x[5], x[7]));
    o[1] = cmul(o[1], vec2<f32>(S2, -S2));
    o[2] = mul_mi(o[2]);
    o[3] = cmul(o[3], vec2<f32>(-S2, -S2));
    return array<vec2<f32>, 8>(
        e[0] + o[0], e[1] + o[1], e[2] + o[2], e[3] + o[3],
        e[0] - o[0], e[1] - o[1], e[2] - o[2], e[3] - o[3],
    );
}

fn dft16(x: array<vec2<f32>, 16>) -> array<vec2<f32>, 16> {
    let e = dft8(array<vec2<f32>, 8>(x[0], x[2], x[4], x[6], x[8], x[10], x[12], x[14]));
    var o = dft8(array<vec2<f32>, 8>(x[1], x[3], x[5], x[7], x[9], x[11], x[13], x[15]));
    o[1] = cmul(o[1], vec2<f32>(C16, -S16));
    o[2] = cmul(o[2], vec2<f32>(S2, -S2));
    o[3] = cmul(o[3], vec2<f32>(S16, -C16));
    o[4] = mul_mi(o[4]);
    o[5] = cmul(o[5], vec2<f32>(-S16, -C16));
    o[6] = cmul(o[6], vec2<f32>(-S2, -S2));
    o[7] = cmul(o[7], vec2<f32>(-C16, -S16));
    return array<vec2<f32>, 16>(
        e[0] + o[0], e[1] + o[1], e[2] + o[2], e[3] + o[3], e[4] + o[4], e[5] + o[5], e[6] + o[6], e[7] + o[7],
        e[0] - o[0], e[1] - o[1], e[2] - o[2], e[3] - o[3], e[4] - o[4], e[5] - o[5], e[6] - o[6], e[7] - o[7],
    );
}

// Column and butterfly of butterfly number `bi` (of `nb` per column).
fn fft_split(bi: u32, nb: u32) -> vec2<u32> {
    if FFT_COL_FAST {
        return vec2<u32>(bi % FFT_M, bi / FFT_M);
    }
    return vec2<u32>(bi / nb, bi % nb);
}

fn fft_read(first: bool, m: u32, r: u32) -> vec2<f32> {
    if first {
        return fft_load(m, r);
    }
    return sm[m * FFT_P + r];
}

fn fft_write(last: bool, m: u32, o: u32, v: vec2<f32>) {
    if last {
        fft_store(m, o, v);
    } else {
        sm[m * FFT_P + o] = v;
    }
}

// One Stockham stage of radix R over every column: butterfly j of a column reads j + r*P/R,
// multiplies input r by w_{ns*R}^{r*k} (k = j mod ns), and writes (j/ns)*ns*R + k + r*ns.
// Every invocation owns 16/R butterflies (16 values). Written out without loops or dynamically
// indexed arrays: drivers that do not unroll (lavapipe) would otherwise spill them to scratch
// memory indexed per invocation, which costs 100x.
fn dft2(x: array<vec2<f32>, 2>) -> array<vec2<f32>, 2> {
    return array<vec2<f32>, 2>(x[0] + x[1], x[0] - x[1]);
}

fn ld16(first: bool, bi: u32) -> array<vec2<f32>, 16> {
    let s = FFT_P / 16u;
    let mj = fft_split(bi, s);
    return array<vec2<f32>, 16>(
        fft_read(first, mj.x, mj.y),
        fft_read(first, mj.x, mj.y + 1u * s),
        fft_read(first, mj.x, mj.y + 2u * s),
        fft_read(first, mj.x, mj.y + 3u * s),
        fft_read(first, mj.x, mj.y + 4u * s),
        fft_read(first, mj.x, mj.y + 5u * s),
        fft_read(first, mj.x, mj.y + 6u * s),
        fft_read(first, mj.x, mj.y + 7u * s),
        fft_read(first, mj.x, mj.y + 8u * s),
        fft_read(first, mj.x, mj.y + 9u * s),
        fft_read(first, mj.x, mj.y + 10u * s),
        fft_read(first, mj.x, mj.y + 11u * s),
        fft_read(first, mj.x, mj.y + 12u * s),
        fft_read(first, mj.x, mj.y + 13u * s),
        fft_read(first, mj.x, mj.y + 14u * s),
        fft_read(first, mj.x, mj.y + 15u * s),
    );
}

fn cs16(last: bool, bi: u32, log_ns: u32, x_in: array<vec2<f32>, 16>) {
    let mj = fft_split(bi, FFT_P / 16u);
    let ns = 1u << log_ns;
    let k = mj.y & (ns - 1u);
    var x = x_in;
    if log_ns > 0u {
        let w = twiddle(k, log_ns + 4u);
        let w2 = cmul(w, w);
        let w3 = cmul(w2, w);
        let w4 = cmul(w2, w2);
        let w5 = cmul(w4, w);
        let w6 = cmul(w4, w2);
        let w7 = cmul(w4, w3);
        let w8 = cmul(w4, w4);
        let w9 = cmul(w8, w);
        let w10 = cmul(w8, w2);
        let w11 = cmul(w8, w3);
        let w12 = cmul(w8, w4);
        let w13 = cmul(w8, w5);
        let w14 = cmul(w8, w6);
        let w15 = cmul(w8, w7);
        x[1] = cmul(x[1], w);
        x[2] = cmul(x[2], w2);
        x[3] = cmul(x[3], w3);
        x[4] = cmul(x[4], w4);
        x[5] = cmul(x[5], w5);
        x[6] = cmul(x[6], w6);
        x[7] = cmul(x[7], w7);
        x[8] = cmul(x[8], w8);
        x[9] = cmul(x[9], w9);
        x[10] = cmul(x[10], w10);
        x[11] = cmul(x[11], w11);
        x[12] = cmul(x[12], w12);
        x[13] = cmul(x[13], w13);
        x[14] = cmul(x[14], w14);
        x[15] = cmul(x[15], w15);
    }
    let y = dft16(x);
    let base = ((mj.y >> log_ns) << (log_ns + 4u)) + k;
    fft_write(last, mj.x, base, y[0]);
    fft_write(last, mj.x, base + 1u * ns, y[1]);
    fft_write(last, mj.x, base + 2u * ns, y[2]);
    fft_write(last, mj.x, base + 3u * ns, y[3]);
    fft_write(last, mj.x, base + 4u * ns, y[4]);
    fft_write(last, mj.x, base + 5u * ns, y[5]);
    fft_write(last, mj.x, base + 6u * ns, y[6]);
    fft_write(last, mj.x, base + 7u * ns, y[7]);
    fft_write(last, mj.x, base + 8u * ns, y[8]);
    fft_write(last, mj.x, base + 9u * ns, y[9]);
    fft_write(last, mj.x, base + 10u * ns, y[10]);
    fft_write(last, mj.x, base + 11u * ns, y[11]);
    fft_write(last, mj.x, base + 12u * ns, y[12]);
    fft_write(last, mj.x, base + 13u * ns, y[13]);
    fft_write(last, mj.x, base + 14u * ns, y[14]);
    fft_write(last, mj.x, base + 15u * ns, y[15]);
}

fn stage16(li: u32, log_ns: u32, first: bool, last: bool) {
    let a0 = ld16(first, li + 0u * FFT_WG);
    workgroupBarrier();
    cs16(last, li + 0u * FFT_WG, log_ns, a0);
    workgroupBarrier();
}

fn ld8(first: bool, bi: u32) -> array<vec2<f32>, 8> {
    let s = FFT_P / 8u;
    let mj = fft_split(bi, s);
    return array<vec2<f32>, 8>(
        fft_read(first, mj.x, mj.y),
        fft_read(first, mj.x, mj.y + 1u * s),
        fft_read(first, mj.x, mj.y + 2u * s),
        fft_read(first, mj.x, mj.y + 3u * s),
        fft_read(first, mj.x, mj.y + 4u * s),
        fft_read(first, mj.x, mj.y + 5u * s),
        fft_read(first, mj.x, mj.y + 6u * s),
        fft_read(first, mj.x, mj.y + 7u * s),
    );
}

fn cs8(last: bool, bi: u32, log_ns: u32, x_in: array<vec2<f32>, 8>) {
    let mj = fft_split(bi, FFT_P / 8u);
    let ns = 1u << log_ns;
    let k = mj.y & (ns - 1u);
    var x = x_in;
    if log_ns > 0u {
        let w = twiddle(k, log_ns + 3u);
        let w2 = cmul(w, w);
        let w3 = cmul(w2, w);
        let w4 = cmul(w2, w2);
        let w5 = cmul(w4, w);
        let w6 = cmul(w4, w2);
        let w7 = cmul(w4, w3);
        x[1] = cmul(x[1], w);
        x[2] = cmul(x[2], w2);
        x[3] = cmul(x[3], w3);
        x[4] = cmul(x[4], w4);
        x[5] = cmul(x[5], w5);
        x[6] = cmul(x[6], w6);
        x[7] = cmul(x[7], w7);
    }
    let y = dft8(x);
    let base = ((mj.y >> log_ns) << (log_ns + 3u)) + k;
    fft_write(last, mj.x, base, y[0]);
    fft_write(last, mj.x, base + 1u * ns, y[1]);
    fft_write(last, mj.x, base + 2u * ns, y[2]);
    fft_write(last, mj.x, base + 3u * ns, y[3]);
    fft_write(last, mj.x, base + 4u * ns, y[4]);
    fft_write(last, mj.x, base + 5u * ns, y[5]);
    fft_write(last, mj.x, base + 6u * ns, y[6]);
    fft_write(last, mj.x, base + 7u * ns, y[7]);
}

fn stage8(li: u32, log_ns: u32, first: bool, last: bool) {
    let a0 = ld8(first, li + 0u * FFT_WG);
    let a1 = ld8(first, li + 1u * FFT_WG);
    workgroupBarrier();
    cs8(last, li + 0u * FFT_WG, log_ns, a0);
    cs8(last, li + 1u * FFT_WG, log_ns, a1);
    workgroupBarrier();
}

fn ld4(first: bool, bi: u32) -> array<vec2<f32>, 4> {
    let s = FFT_P / 4u;
    let mj = fft_split(bi, s);
    return array<vec2<f32>, 4>(
        fft_read(first, mj.x, mj.y),
        fft_read(first, mj.x, mj.y + 1u * s),
        fft_read(first, mj.x, mj.y + 2u * s),
        fft_read(first, mj.x, mj.y + 3u * s),
    );
}

fn cs4(last: bool, bi: u32, log_ns: u32, x_in: array<vec2<f32>, 4>) {
    let mj = fft_split(bi, FFT_P / 4u);
    let ns = 1u << log_ns;
    let k = mj.y & (ns - 1u);
    var x = x_in;
    if log_ns > 0u {
        let w = twiddle(k, log_ns + 2u);
        let w2 = cmul(w, w);
        let w3 = cmul(w2, w);
        x[1] = cmul(x[1], w);
        x[2] = cmul(x[2], w2);
        x[3] = cmul(x[3], w3);
    }
    let y = dft4(x);
    let base = ((mj.y >> log_ns) << (log_ns + 2u)) + k;
    fft_write(last, mj.x, base, y[0]);
    fft_write(last, mj.x, base + 1u * ns, y[1]);
    fft_write(last, mj.x, base + 2u * ns, y[2]);
    fft_write(last, mj.x, base + 3u * ns, y[3]);
}

fn stage4(li: u32, log_ns: u32, first: bool, last: bool) {
    let a0 = ld4(first, li + 0u * FFT_WG);
    let a1 = ld4(first, li + 1u * FFT_WG);
    let a2 = ld4(first, li + 2u * FFT_WG);
    let a3 = ld4(first, li + 3u * FFT_WG);
    workgroupBarrier();
    cs4(last, li + 0u * FFT_WG, log_ns, a0);
    cs4(last, li + 1u * FFT_WG, log_ns, a1);
    cs4(last, li + 2u * FFT_WG, log_ns, a2);
    cs4(last, li + 3u * FFT_WG, log_ns, a3);
    workgroupBarrier();
}

fn ld2(first: bool, bi: u32) -> array<vec2<f32>, 2> {
    let s = FFT_P / 2u;
    let mj = fft_split(bi, s);
    return array<vec2<f32>, 2>(
        fft_read(first, mj.x, mj.y),
        fft_read(first, mj.x, mj.y + 1u * s),
    );
}

fn cs2(last: bool, bi: u32, log_ns: u32, x_in: array<vec2<f32>, 2>) {
    let mj = fft_split(bi, FFT_P / 2u);
    let ns = 1u << log_ns;
    let k = mj.y & (ns - 1u);
    var x = x_in;
    if log_ns > 0u {
        let w = twiddle(k, log_ns + 1u);

        x[1] = cmul(x[1], w);
    }
    let y = dft2(x);
    let base = ((mj.y >> log_ns) << (log_ns + 1u)) + k;
    fft_write(last, mj.x, base, y[0]);
    fft_write(last, mj.x, base + 1u * ns, y[1]);
}

fn stage2(li: u32, log_ns: u32, first: bool, last: bool) {
    let a0 = ld2(first, li + 0u * FFT_WG);
    let a1 = ld2(first, li + 1u * FFT_WG);
    let a2 = ld2(first, li + 2u * FFT_WG);
    let a3 = ld2(first, li + 3u * FFT_WG);
    let a4 = ld2(first, li + 4u * FFT_WG);
    let a5 = ld2(first, li + 5u * FFT_WG);
    let a6 = ld2(first, li + 6u * FFT_WG);
    let a7 = ld2(first, li + 7u * FFT_WG);
    workgroupBarrier();
    cs2(last, li + 0u * FFT_WG, log_ns, a0);
    cs2(last, li + 1u * FFT_WG, log_ns, a1);
    cs2(last, li + 2u * FFT_WG, log_ns, a2);
    cs2(last, li + 3u * FFT_WG, log_ns, a3);
    cs2(last, li + 4u * FFT_WG, log_ns, a4);
    cs2(last, li + 5u * FFT_WG, log_ns, a5);
    cs2(last, li + 6u * FFT_WG, log_ns, a6);
    cs2(last, li + 7u * FFT_WG, log_ns, a7);
    workgroupBarrier();
}

// The forward FFT_P-point DFT of every column of the workgroup. With `from_load` the first stage
// reads through fft_load, else from workgroup memory (column m at sm[m*P ..]); with `to_store`
// the last stage writes through fft_store, else back to workgroup memory (natural order).
fn sub_fft(li: u32, from_load: bool, to_store: bool) {
    // (Also keeps FFT_SM used in a function body, which naga needs; the host sets it right.)
    if FFT_SM < FFT_P * FFT_M {
        return;
    }
    let log_p = log2u(FFT_P);
    let lr = 4u;
    var log_ns = 0u;
    let lead = log_p % lr;
    if lead == 1u {
        stage2(li, 0u, from_load, to_store && log_p == 1u);
        log_ns = 1u;
    } else if lead == 2u {
        stage4(li, 0u, from_load, to_store && log_p == 2u);
        log_ns = 2u;
    } else if lead == 3u {
        stage8(li, 0u, from_load, to_store && log_p == 3u);
        log_ns = 3u;
    }
    loop {
        if log_ns >= log_p {
            break;
        }
        let first = from_load && log_ns == 0u;
        let last = to_store && log_ns + lr == log_p;
        stage16(li, log_ns, first, last);
        log_ns += lr;
    }
}
