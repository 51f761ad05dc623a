// FFT convolution y = u * k per (b, h) row: u (B, H, L), k (H, Lk), y (B, H, L), real Elem storage,
// f32 arithmetic, the kernel's spectrum K (H × N, natural order, f32 complex) precomputed.
//
// Two rows (b, h) and (b+1, h) share one complex transform: z = u_b + i·u_{b+1}; since both use
// the same real kernel, IFFT(FFT(z)·K) = y_b + i·y_{b+1}. A "pair" p = h·BP + b/2 (BP = ⌈B/2⌉).
//
// Positions (overlap-save, one rule for every path): segment s of a pair covers outputs
// t ∈ [s·S, s·S + S); its transform input n ∈ [0, N) is u at pos = s·S + n − (Lk − 1), zero for
// pos ≥ L and, for pos < 0, zero (causal) or u[pos + L] (circular); output n ≥ Lk − 1 is
// y[s·S + n − (Lk − 1)]. With one segment and N ≥ L + Lk − 1 this is the whole linear
// convolution; with N < L + Lk − 1 (partial convolution, Lk ≤ N/2) the segments tile L and the
// kernel's zero tail beyond Lk is never transformed.
//
// Entry `fused`: one workgroup per FFT_M (pair, segment) columns: gate → FFT → ·K → iFFT → gate.
// Entry `step`: one Stockham pass of the multi-pass path (IN_MODE 1 packs u, OUT_MODE 1 multiplies
// by K, OUT_MODE 2 unpacks into y). Entries `pad`, `mul`, `crop`: the unfused reference pipeline
// around separate real FFTs (f32 only).
// fp.a0 L, a1 Lk, a2 H, a3 B, a4 BP, a5 S, a6 segments per pair, a7 flags: 1 circular,
// 2 pre-gate, 4 post-gate, 8 remap columns to kept frequency classes, 16 zero dropped inputs;
// fp.in_off = D (classes c with min(c, C − c) ≤ D are kept), fp.out_off = 2D + 1.

@group(0) @binding(2) var<storage, read> csrc: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> cdst: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read> kspec: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read> u: array<Elem>;
@group(0) @binding(6) var<storage, read> gpre: array<Elem>;
@group(0) @binding(7) var<storage, read> gpost: array<Elem>;
@group(0) @binding(8) var<storage, read_write> y: array<Elem>;

override IN_MODE: u32 = 0u;
override OUT_MODE: u32 = 0u;
override FUSED: bool = false;
// Entry `mid`: the stores are those of the inverse's first pass (span 1), not of this pass.
override MID: bool = false;
// Columns are remapped to the kept frequency classes (fp.a7 flag 8; an override so that dense
// passes compile without the divisions).
override REMAP: bool = false;

var<private> col0: u32;

// Row offsets of the two rows of pair p (second = 0xffffffff when b+1 == B).
fn pair_rows(p: u32) -> vec2<u32> {
    let h = p / fp.a4;
    let b0 = 2u * (p % fp.a4);
    let r0 = (b0 * fp.a2 + h) * fp.a0;
    var r1 = 0xffffffffu;
    if b0 + 1u < fp.a3 {
        r1 = r0 + fp.a2 * fp.a0;
    }
    return vec2<u32>(r0, r1);
}

// Descriptor switches as overrides (lavapipe runs both sides of a branch on a uniform, gathers
// included): fp.a7 flags 1 circular, 2 pre-gate, 4 post-gate; ONE_SEG: one segment per pair.
override CIRCULAR: bool = false;
override PRE_GATE: bool = false;
override POST_GATE: bool = false;
override ONE_SEG: bool = false;

// Value n of segment s of pair p, rows r (pair_rows): (u_b, u_b+1) at the shifted position.
fn load_u_at(rows: vec2<u32>, s: u32, n: u32) -> vec2<f32> {
    let l = fp.a0;
    var pos = i32(s * fp.a5 + n) - i32(fp.a1 - 1u);
    var ok = pos < i32(l);
    if pos < 0 {
        ok = CIRCULAR;
        pos += i32(l);
    }
    var v = vec2<f32>(0.0);
    if ok {
        let i0 = rows.x + u32(pos);
        v.x = f32(u[i0]);
        if PRE_GATE {
            v.x *= f32(gpre[i0]);
        }
        if rows.y != 0xffffffffu {
            let i1 = rows.y + u32(pos);
            v.y = f32(u[i1]);
            if PRE_GATE {
                v.y *= f32(gpre[i1]);
            }
        }
    }
    return v;
}

fn load_u(p: u32, s: u32, n: u32) -> vec2<f32> {
    return load_u_at(pair_rows(p), s, n);
}

// v is the forward FFT of the conjugated product: y = conj(v)/N.
fn store_y_at(rows: vec2<u32>, s: u32, n: u32, v: vec2<f32>) {
    let sh = fp.a1 - 1u;
    let o = n - sh;
    let t = s * fp.a5 + o;
    if n < sh || o >= fp.a5 || t >= fp.a0 {
        return;
    }
    let scale = 1.0 / f32(fp.n);
    var y0 = v.x * scale;
    let i0 = rows.x + t;
    if POST_GATE {
        y0 *= f32(gpost[i0]);
    }
    y[i0] = Elem(y0);
    if rows.y != 0xffffffffu {
        let i1 = rows.y + t;
        var y1 = -v.y * scale;
        if POST_GATE {
            y1 *= f32(gpost[i1]);
        }
        y[i1] = Elem(y1);
    }
}

fn store_y(p: u32, s: u32, n: u32, v: vec2<f32>) {
    store_y_at(pair_rows(p), s, n, v);
}

// (pair, segment) of fused column c.
fn fused_col(c: u32) -> vec2<u32> {
    if ONE_SEG {
        return vec2<u32>(c, 0u);
    }
    return vec2<u32>(c / fp.a6, c % fp.a6);
}

// Column c of a multi-pass pass: (transform, column within it), remapped to kept classes.
fn pass_col(c: u32) -> vec2<u32> {
    let log_q = fp.log_n - log2u(FFT_P);
    if REMAP {
        let kept = fp.out_off;
        let b = c / kept;
        let jj = c % kept;
        var j = jj;
        if jj > fp.in_off {
            j = jj + (1u << log_q) - kept;
        }
        return vec2<u32>(b, j);
    }
    return vec2<u32>(c >> log_q, c & ((1u << log_q) - 1u));
}

fn fft_load1(c: u32, r: u32) -> vec2<f32> {
    if FUSED {
        return load_u(c / fp.a6, c % fp.a6, r);
    }
    let log_q = fp.log_n - log2u(FFT_P);
    let bj = pass_col(c);
    let n = bj.y + (r << log_q);
    if IN_MODE == 1u {
        return load_u(bj.x, 0u, n);
    }
    var live = true;
    if (fp.a7 & 16u) != 0u {
        live = min(r, FFT_P - r) <= fp.in_off;
    }
    var v = vec2<f32>(0.0);
    if live {
        v = csrc[(bj.x << fp.log_n) + n];
    }
    return v;
}

fn fft_tw_k(m: u32) -> u32 {
    return pass_col(min(col0 + m, fp.cols - 1u)).y & (fp.ns - 1u);
}

fn fft_load2(m: u32, r: u32) -> vec4<f32> {
    let c = col0 + m;
    if c >= fp.cols {
        return vec4<f32>(0.0);
    }
    if FUSED {
        let ps = fused_col(c);
        let rows = pair_rows(ps.x);
        return vec4<f32>(load_u_at(rows, ps.y, r), load_u_at(rows, ps.y, r + 1u));
    }
    return vec4<f32>(fft_load1(c, r), fft_load1(c, r + 1u));
}

fn fft_store1(c: u32, o: u32, v: vec2<f32>) {
    if FUSED {
        store_y(c / fp.a6, c % fp.a6, o, v);
        return;
    }
    let bj = pass_col(c);
    let k = bj.y & (fp.ns - 1u);
    var idx = ((bj.y >> fp.log_ns) << (fp.log_ns + log2u(FFT_P))) + k + (o << fp.log_ns);
    if MID {
        idx = (bj.y << log2u(FFT_P)) + o;
    }
    if OUT_MODE == 2u {
        store_y(bj.x, 0u, idx, v);
        return;
    }
    var w = v;
    if OUT_MODE == 1u {
        let h = bj.x / fp.a4;
        w = conj(cmul(v, kspec[(h << fp.log_n) + idx]));
    }
    cdst[(bj.x << fp.log_n) + idx] = w;
}

fn fft_store2(m: u32, o: u32, v: vec4<f32>) {
    let c = col0 + m;
    if c >= fp.cols {
        return;
    }
    if FUSED {
        let ps = fused_col(c);
        let rows = pair_rows(ps.x);
        store_y_at(rows, ps.y, o, v.xy);
        store_y_at(rows, ps.y, o + 1u, v.zw);
        return;
    }
    fft_store1(c, o, v.xy);
    fft_store1(c, o + 1u, v.zw);
}

@compute @workgroup_size(FFT_WG, 1, 1)
fn fused(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    // A function-local copy keeps the test uniform (see stockham.wgsl's main).
    let first = linear_workgroup(wid, nwg) * FFT_M;
    col0 = first;
    if first >= fp.cols {
        return;
    }
    sub_fft(li, true, false);
    // Pointwise product with the kernel's spectrum, conjugated so that the inverse is a forward FFT.
    for (var i = 0u; i < FFT_E / 2u; i++) {
        let idx = li + i * FFT_WG;
        let m = (2u * idx) / FFT_P;
        let f = (2u * idx) % FFT_P;
        let c = min(col0 + m, fp.cols - 1u);
        let h = fused_col(c).x / fp.a4;
        let v = sm_ld(idx);
        let k0 = kspec[h * FFT_P + f];
        let k1 = kspec[h * FFT_P + f + 1u];
        sm_st(idx, vec4<f32>(cmul(v.xy, k0), cmul(v.zw, k1)) * vec4<f32>(1.0, -1.0, 1.0, -1.0));
    }
    workgroupBarrier();
    sub_fft(li, false, true);
}

@compute @workgroup_size(FFT_WG, 1, 1)
fn step(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    // A function-local copy keeps the test uniform (see stockham.wgsl's main).
    let first = linear_workgroup(wid, nwg) * FFT_M;
    col0 = first;
    if first >= fp.cols {
        return;
    }
    sub_fft(li, true, true);
}

// The middle of a two-pass convolution in one dispatch: the forward's second pass (column j
// reads x[j + r*ns], twiddled, and holds X[j + o*ns] in natural o order), the product with the
// kernel's spectrum, and the inverse's first pass over the same column (no twiddles; it writes
// j*P + o). Saves one pass of memory traffic and a dispatch.
@compute @workgroup_size(FFT_WG, 1, 1)
fn mid(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    // A function-local copy keeps the test uniform (see stockham.wgsl's main).
    let first = linear_workgroup(wid, nwg) * FFT_M;
    col0 = first;
    if first >= fp.cols {
        return;
    }
    sub_fft(li, true, false);
    for (var i = 0u; i < FFT_E / 2u; i++) {
        let idx = li + i * FFT_WG;
        let m = (2u * idx) / FFT_P;
        let o = (2u * idx) % FFT_P;
        let bj = pass_col(min(col0 + m, fp.cols - 1u));
        let h = bj.x / fp.a4;
        let f = (h << fp.log_n) + bj.y + (o << fp.log_ns);
        let v = sm_ld(idx);
        let k0 = kspec[f];
        let k1 = kspec[f + fp.ns];
        sm_st(idx, vec4<f32>(cmul(v.xy, k0), cmul(v.zw, k1)) * vec4<f32>(1.0, -1.0, 1.0, -1.0));
    }
    workgroupBarrier();
    sub_fft(li, false, true);
}

// ---- unfused reference pipeline (separate dispatches around real FFTs of N points) ----
// pad: row r (of B·H) → N reals at cdst[r·N/2 ..] as pairs, shifted and gated like load_u.
@compute @workgroup_size(256, 1, 1)
fn pad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    let i = linear_workgroup(wid, nwg) * 256u + li;
    let half = fp.n / 2u;
    if i >= fp.batch * half {
        return;
    }
    let row = i / half;
    let n = 2u * (i % half);
    var out = vec2<f32>(0.0);
    for (var e = 0u; e < 2u; e++) {
        var pos = i32(n + e) - i32(fp.a1 - 1u);
        var ok = pos < i32(fp.a0);
        if pos < 0 {
            ok = CIRCULAR;
            pos += i32(fp.a0);
        }
        if ok {
            let idx = row * fp.a0 + u32(pos);
            var v = f32(u[idx]);
            if PRE_GATE {
                v *= f32(gpre[idx]);
            }
            out[e] = v;
        }
    }
    cdst[i] = out;
}

// mul: N/2+1 bins per row times the kernel spectrum of the row's h.
@compute @workgroup_size(256, 1, 1)
fn mul(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    let i = linear_workgroup(wid, nwg) * 256u + li;
    let bins = fp.n / 2u + 1u;
    if i >= fp.batch * bins {
        return;
    }
    let row = i / bins;
    let k = i % bins;
    let h = row % fp.a2;
    cdst[i] = cmul(csrc[i], kspec[h * fp.n + k]);
}

// crop: the real rows of N (pairs in csrc) → y, shifted and post-gated.
@compute @workgroup_size(256, 1, 1)
fn crop(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    let i = linear_workgroup(wid, nwg) * 256u + li;
    if i >= fp.batch * fp.a0 {
        return;
    }
    let row = i / fp.a0;
    let t = i % fp.a0;
    let n = t + fp.a1 - 1u;
    let pr = csrc[row * (fp.n / 2u) + n / 2u];
    var v = select(pr.x, pr.y, (n & 1u) == 1u);
    if POST_GATE {
        v *= f32(gpost[i]);
    }
    y[i] = Elem(v);
}
