// FFT core shared by the FFT family (c2c passes, Bluestein, real FFT, convolution): complex
// arithmetic, the twiddle table, register DFTs of radix 2/4/8/16 and the in-workgroup Stockham
// sub-FFT every FFT kernel runs.
//
// A workgroup transforms FFT_M columns of FFT_P points (FFT_P * FFT_M complex values in workgroup
// memory); each invocation holds FFT_E of them in registers. Stages are radix FFT_RMAX (16 or 8)
// after one smaller leading stage. Each stage reads the inputs of the butterflies it owns,
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
override FFT_E: u32 = 16u;            // values per invocation (8 or 16)
override FFT_RMAX: u32 = 16u;         // largest radix (8 or 16), <= FFT_E
override FFT_WG: u32 = 64u;           // invocations = FFT_P * FFT_M / FFT_E
override FFT_COL_FAST: bool = false;  // consecutive butterflies walk columns first (strided passes)

const MAX_E: u32 = 16u;

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
    var y: array<vec2<f32>, 16>;
    for (var k = 0u; k < 8u; k++) {
        y[k] = e[k] + o[k];
        y[k + 8u] = e[k] - o[k];
    }
    return y;
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
// The radix is a compile-time constant per function so that loops unroll into registers.
fn stage16(li: u32, log_ns: u32, first: bool, last: bool) {
    let nb = FFT_P / 16u;
    let per = FFT_E / 16u;
    var v: array<vec2<f32>, MAX_E>;
    for (var i = 0u; i < per; i++) {
        let mj = fft_split(li + i * FFT_WG, nb);
        for (var r = 0u; r < 16u; r++) {
            v[i * 16u + r] = fft_read(first, mj.x, mj.y + r * nb);
        }
    }
    workgroupBarrier();
    let ns = 1u << log_ns;
    for (var i = 0u; i < per; i++) {
        let mj = fft_split(li + i * FFT_WG, nb);
        let k = mj.y & (ns - 1u);
        var x: array<vec2<f32>, 16>;
        x[0] = v[i * 16u];
        if log_ns > 0u {
            let w = twiddle(k, log_ns + 4u);
            var wr = w;
            for (var r = 1u; r < 16u; r++) {
                x[r] = cmul(v[i * 16u + r], wr);
                wr = cmul(wr, w);
            }
        } else {
            for (var r = 1u; r < 16u; r++) {
                x[r] = v[i * 16u + r];
            }
        }
        let y = dft16(x);
        let base = ((mj.y >> log_ns) << (log_ns + 4u)) + k;
        for (var r = 0u; r < 16u; r++) {
            fft_write(last, mj.x, base + (r << log_ns), y[r]);
        }
    }
    workgroupBarrier();
}

fn stage8(li: u32, log_ns: u32, first: bool, last: bool) {
    let nb = FFT_P / 8u;
    let per = FFT_E / 8u;
    var v: array<vec2<f32>, MAX_E>;
    for (var i = 0u; i < per; i++) {
        let mj = fft_split(li + i * FFT_WG, nb);
        for (var r = 0u; r < 8u; r++) {
            v[i * 8u + r] = fft_read(first, mj.x, mj.y + r * nb);
        }
    }
    workgroupBarrier();
    let ns = 1u << log_ns;
    for (var i = 0u; i < per; i++) {
        let mj = fft_split(li + i * FFT_WG, nb);
        let k = mj.y & (ns - 1u);
        var x: array<vec2<f32>, 8>;
        x[0] = v[i * 8u];
        if log_ns > 0u {
            let w = twiddle(k, log_ns + 3u);
            var wr = w;
            for (var r = 1u; r < 8u; r++) {
                x[r] = cmul(v[i * 8u + r], wr);
                wr = cmul(wr, w);
            }
        } else {
            for (var r = 1u; r < 8u; r++) {
                x[r] = v[i * 8u + r];
            }
        }
        let y = dft8(x);
        let base = ((mj.y >> log_ns) << (log_ns + 3u)) + k;
        for (var r = 0u; r < 8u; r++) {
            fft_write(last, mj.x, base + (r << log_ns), y[r]);
        }
    }
    workgroupBarrier();
}

fn stage4(li: u32, log_ns: u32, first: bool, last: bool) {
    let nb = FFT_P / 4u;
    let per = FFT_E / 4u;
    var v: array<vec2<f32>, MAX_E>;
    for (var i = 0u; i < per; i++) {
        let mj = fft_split(li + i * FFT_WG, nb);
        for (var r = 0u; r < 4u; r++) {
            v[i * 4u + r] = fft_read(first, mj.x, mj.y + r * nb);
        }
    }
    workgroupBarrier();
    let ns = 1u << log_ns;
    for (var i = 0u; i < per; i++) {
        let mj = fft_split(li + i * FFT_WG, nb);
        let k = mj.y & (ns - 1u);
        var x = array<vec2<f32>, 4>(v[i * 4u], v[i * 4u + 1u], v[i * 4u + 2u], v[i * 4u + 3u]);
        if log_ns > 0u {
            let w = twiddle(k, log_ns + 2u);
            let w2 = cmul(w, w);
            x[1] = cmul(x[1], w);
            x[2] = cmul(x[2], w2);
            x[3] = cmul(x[3], cmul(w2, w));
        }
        let y = dft4(x);
        let base = ((mj.y >> log_ns) << (log_ns + 2u)) + k;
        for (var r = 0u; r < 4u; r++) {
            fft_write(last, mj.x, base + (r << log_ns), y[r]);
        }
    }
    workgroupBarrier();
}

fn stage2(li: u32, log_ns: u32, first: bool, last: bool) {
    let nb = FFT_P / 2u;
    let per = FFT_E / 2u;
    var v: array<vec2<f32>, MAX_E>;
    for (var i = 0u; i < per; i++) {
        let mj = fft_split(li + i * FFT_WG, nb);
        v[i * 2u] = fft_read(first, mj.x, mj.y);
        v[i * 2u + 1u] = fft_read(first, mj.x, mj.y + nb);
    }
    workgroupBarrier();
    let ns = 1u << log_ns;
    for (var i = 0u; i < per; i++) {
        let mj = fft_split(li + i * FFT_WG, nb);
        let k = mj.y & (ns - 1u);
        var b = v[i * 2u + 1u];
        if log_ns > 0u {
            b = cmul(b, twiddle(k, log_ns + 1u));
        }
        let base = ((mj.y >> log_ns) << (log_ns + 1u)) + k;
        fft_write(last, mj.x, base, v[i * 2u] + b);
        fft_write(last, mj.x, base + ns, v[i * 2u] - b);
    }
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
    let lr = select(3u, 4u, FFT_RMAX == 16u);
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
        if lr == 4u {
            stage16(li, log_ns, first, last);
        } else {
            stage8(li, log_ns, first, last);
        }
        log_ns += lr;
    }
}
