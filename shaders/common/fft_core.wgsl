// FFT core shared by the FFT family (c2c passes, Bluestein, real FFT, convolution): the twiddle
// tables and the in-workgroup Stockham sub-FFT every FFT kernel runs, on top of fft_base.wgsl
// (pass parameters, complex arithmetic, register DFTs of radix 2/4/8/16).
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

// Workgroup memory: FFT_SM = FFT_P * FFT_M / 2 pairs, declared with sm_ld / sm_st by
// fft_sm_vec.wgsl (vec4 pairs) or fft_sm_wide.wgsl (64-bit words, for CPU adapters). A named
// override rather than the expression: naga 30 turns an override expression in an array size
// into an anonymous override, and its process_overrides panics when that lands before a named
// override only function bodies use.
override FFT_SM: u32 = 1024u;

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
    return sm_ld((m * FFT_P + e) >> 1u);
}

fn fft_write2(last: bool, m: u32, o: u32, v: vec4<f32>) {
    if last {
        fft_store2(m, o, v);
    } else {
        sm_st((m * FFT_P + o) >> 1u, v);
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

// A later stage of span 2^log_ns (reads workgroup memory); with `last` it writes through
// fft_store2 (no barrier needed), else back to workgroup memory between two barriers.
fn lst8(li: u32, log_ns: u32, last: bool) {
    let g0 = li + 0u * FFT_WG;
    let m0 = g0 / max(FFT_P / 16u, 1u);
    let j0 = (g0 % max(FFT_P / 16u, 1u)) * 2u;
    let y0 = bf8(false, m0, j0, log_ns);
    let g1 = li + 1u * FFT_WG;
    let m1 = g1 / max(FFT_P / 16u, 1u);
    let j1 = (g1 % max(FFT_P / 16u, 1u)) * 2u;
    let y1 = bf8(false, m1, j1, log_ns);
    if !last {
        workgroupBarrier();
    }
    wrn_8(last, m0, j0, log_ns, y0);
    wrn_8(last, m1, j1, log_ns, y1);
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
    // Constant expressions of overrides only (no `var`s), so that the host's pipeline
    // specialisation folds them and drops the radix paths this FFT_P does not take.
    let lp = 31u - countLeadingZeros(FFT_P);
    let m4 = lp % 4u;
    let l1 = select(select(select(m4, 4u, m4 == 0u), 2u, lp == 4u), 1u, lp <= 3u);
    let ll = select(4u, lp - l1, lp <= 4u);
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
// ---- END GENERATED ----
