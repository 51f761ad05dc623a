// Real FFT pre/post-processing around a complex FFT (Elem storage, f32 arithmetic).
// Even n: the n reals of a row are read as n/2 complex values z[m] = x[2m] + i·x[2m+1] (no copy),
// Z = FFT_{n/2}(z) and `post` splits it into the n/2+1 bins of the real transform:
//   E_k = (Z_k + conj Z_{h-k})/2,  O_k = (Z_k - conj Z_{h-k})/(2i),  X_k = E_k + w_n^k·O_k.
// `pre` inverts that (Im X_0 and Im X_{n/2} are ignored, as numpy's irfft does), and the inverse
// complex FFT of half length writes the n reals directly.
// Odd n: `r2c` widens the reals, a full complex FFT runs, `post` keeps bins 0..n/2;
// `pre` rebuilds the Hermitian spectrum, the inverse FFT runs and `c2r` keeps real parts.

struct RParams {
    n: u32,
    half: u32,     // n/2 (even) or n (odd: length of the complex transform)
    bins: u32,     // n/2 + 1
    batch: u32,
    odd: u32,
    total: u32,    // invocations needed
    // `split` (an N-D rfftn or irfftn, `RfftRowStep::split`): rows are (outer, r1, r2) with m1 / m2
    // rows along axes 1 / 2 (low 31 bits), the top bit set where that axis was transformed, so
    // that the partner row is (outer, -r1, -r2). Unused by the 1-D steps.
    m2: u32,
    m1: u32,
}

// Binding 0 holds the parameters: `rp: RParams`, declared with `load_params()` by the generated
// prelude (see `shaders::source`); every entry point calls `load_params()` first.
@group(0) @binding(1) var<storage, read> csrc: array<vec2<Elem>>;
@group(0) @binding(2) var<storage, read_write> cdst: array<vec2<Elem>>;
@group(0) @binding(3) var<storage, read> wn: array<vec2<f32>>;       // exp(-2πik/n), k <= n/2
@group(0) @binding(4) var<storage, read> rsrc: array<Elem>;
@group(0) @binding(5) var<storage, read_write> rdst: array<Elem>;

fn cmul2(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

fn gid(wid: vec3<u32>, nwg: vec3<u32>, li: u32) -> u32 {
    return linear_workgroup(wid, nwg) * 256u + li;
}

// The partner of row b in an N-D rfftn's split (`RfftRowStep::split`): minus its index along every
// transformed row axis (RParams.m1 / m2). `split` and `unsplit` call it once per row: on CPU
// rasterisers a vector integer division is one scalar division per lane.
fn split_partner(b: u32) -> u32 {
    let d2 = rp.m2 & 0x7fffffffu;
    let d1 = rp.m1 & 0x7fffffffu;
    let r2 = b % d2;
    let t = b / d2;
    let r1 = t % d1;
    let q2 = select(r2, (d2 - r2) % d2, (rp.m2 >> 31u) != 0u);
    let q1 = select(r1, (d1 - r1) % d1, (rp.m1 >> 31u) != 0u);
    return ((t - r1) + q1) * d2 + q2;
}

// Bin k of a row from zk = Z_k of that row, zm = Z_(h-k) of its partner and w = w_n^k.
fn split_bin(zk: vec2<f32>, zm: vec2<f32>, w: vec2<f32>) -> vec2<f32> {
    let zc = vec2<f32>(zm.x, -zm.y);
    let e = 0.5 * (zk + zc);
    let d = 0.5 * (zk - zc);
    return e + cmul2(w, vec2<f32>(d.y, -d.x)); // E + w·(d / i)
}

// `post` for an N-D rfftn: workgroup x takes rows x, x + nwg.x, … whole (64 invocations stride
// over the bins). `post`'s own layout (one bin per invocation, i / bins and i % bins) made the
// 4096² split cost more than the c2c transform before it. A version with vec4 loads and stores
// over row pairs took 0.97x this one's time (the 4096² rfftn 116 ms against 119 ms), too little for
// its own pipeline: with its stores alone (wrong results) the split still takes ~18 ms of them.
@compute @workgroup_size(64, 1, 1)
fn split(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    let h = rp.half;
    for (var b = wid.x; b < rp.batch; b += nwg.x) {
        let z0 = b * h;
        let m0 = split_partner(b) * h;
        let x0 = b * rp.bins;
        for (var k = li; k <= h; k += 64u) {
            let zk = vec2<f32>(csrc[z0 + select(k, 0u, k == h)]);
            let zm = vec2<f32>(csrc[m0 + select(h - k, 0u, k == 0u)]);
            cdst[x0 + k] = vec2<Elem>(split_bin(zk, zm, wn[k]));
        }
    }
}

// Z_k of row b (E + i·O) from xk = X_k of that row, xm = X_(h-k) of its partner, w = w_n^k.
fn unsplit_bin(xk: vec2<f32>, xm: vec2<f32>, w: vec2<f32>) -> vec2<f32> {
    let xc = vec2<f32>(xm.x, -xm.y);
    let e = 0.5 * (xk + xc);
    let o = cmul2(0.5 * (xk - xc), vec2<f32>(w.x, -w.y));
    return e + vec2<f32>(-o.y, o.x);
}

// `split` inverted, for an N-D irfftn over a last axis of even length n: rows of n/2 + 1 bins
// to rows of n/2 complex values Z, whose inverse complex transform over every axis (at half
// width) yields the n reals of each row as n/2 complex values. Rows and partners as in `split`.
@compute @workgroup_size(64, 1, 1)
fn unsplit(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    let h = rp.half;
    for (var b = wid.x; b < rp.batch; b += nwg.x) {
        let x0 = b * rp.bins;
        let m0 = split_partner(b) * rp.bins;
        let z0 = b * h;
        for (var k = li; k < h; k += 64u) {
            let xk = vec2<f32>(csrc[x0 + k]);
            let xm = vec2<f32>(csrc[m0 + h - k]);
            cdst[z0 + k] = vec2<Elem>(unsplit_bin(xk, xm, wn[k]));
        }
        if li == 0u {
            // Bins 0 and h count by their real parts once the other axes are inverted (numpy's
            // irfft ignores their imaginary parts): each with its partner's conjugate, halved.
            // This overwrites k = 0 above (same invocation, so in order).
            let p0 = vec2<f32>(csrc[m0]);
            let ph = vec2<f32>(csrc[m0 + h]);
            let y0 = 0.5 * (vec2<f32>(csrc[x0]) + vec2<f32>(p0.x, -p0.y));
            let yh = 0.5 * (vec2<f32>(csrc[x0 + h]) + vec2<f32>(ph.x, -ph.y));
            cdst[z0] = vec2<Elem>(unsplit_bin(y0, vec2<f32>(yh.x, -yh.y), vec2<f32>(1.0, 0.0)));
        }
    }
}

@compute @workgroup_size(256, 1, 1)
fn post(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    let i = gid(wid, nwg, li);
    if i >= rp.total {
        return;
    }
    let b = i / rp.bins;
    let k = i % rp.bins;
    let zb = b * rp.half;
    if rp.odd != 0u {
        cdst[i] = csrc[zb + k];
        return;
    }
    let h = rp.half;
    let zk = vec2<f32>(csrc[zb + (k % h)]);
    let zm = vec2<f32>(csrc[zb + ((h - k) % h)]);
    cdst[i] = vec2<Elem>(split_bin(zk, zm, wn[k]));
}

@compute @workgroup_size(256, 1, 1)
fn pre(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    let i = gid(wid, nwg, li);
    if i >= rp.total {
        return;
    }
    let b = i / rp.half;
    let k = i % rp.half;
    let xb = b * rp.bins;
    if rp.odd != 0u {
        // Hermitian extension to n points.
        var v: vec2<f32>;
        if k < rp.bins {
            v = vec2<f32>(csrc[xb + k]);
        } else {
            let m = vec2<f32>(csrc[xb + rp.n - k]);
            v = vec2<f32>(m.x, -m.y);
        }
        if k == 0u {
            v.y = 0.0;
        }
        cdst[i] = vec2<Elem>(v);
        return;
    }
    let h = rp.half;
    var xk = vec2<f32>(csrc[xb + k]);
    var xm = vec2<f32>(csrc[xb + h - k]);
    if k == 0u {
        xk.y = 0.0;
        xm.y = 0.0; // X_{n/2}
    }
    cdst[i] = vec2<Elem>(unsplit_bin(xk, xm, wn[k]));
}

@compute @workgroup_size(256, 1, 1)
fn r2c(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    let i = gid(wid, nwg, li);
    if i >= rp.total {
        return;
    }
    cdst[i] = vec2<Elem>(rsrc[i], Elem(0.0));
}

@compute @workgroup_size(256, 1, 1)
fn c2r(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    let i = gid(wid, nwg, li);
    if i >= rp.total {
        return;
    }
    rdst[i] = csrc[i].x;
}
