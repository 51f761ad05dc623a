// Real-to-real transforms (DCT-II/III/IV, DST-II) through one complex FFT of length L = 2n:
//   pre:  u[m] = x[m]·tw_pre[m] for m < n, 0 for n ≤ m < 2n
//   (forward complex FFT of L points, Z)
//   post: y[k] = Re(tw_post[k]·Z[k + shift])  (or −Im when take_im = 1), k < keep
// or, for DCT-II of even n (makhoul = 1, Makhoul's reordering), of length L = n:
//   pre:  u[m] = x[2m] for m < n/2, x[2(n−1−m) + 1] above (times tw_pre of that x)
// with the same post table (the same phase factor turns Z into the cosine sums).
// The kind and normalisation live in the two tables, computed on the host in f64
// (ops/fft/r2r.rs derives them), so every kind runs these same two pipelines.

struct R2rParams {
    n: u32,
    total: u32,    // invocations needed
    shift: u32,
    take_im: u32,
    keep: u32,     // outputs kept per row (the first `keep`)
    len: u32,      // complex FFT points per row: 2n, or n with makhoul
    makhoul: u32,  // 1: Makhoul's even/odd reordering instead of zero padding
    _p0: u32,
}

// Binding 0 holds `tp: R2rParams` (see `runtime::pipelines::params_block`).
@group(0) @binding(1) var<storage, read> rsrc: array<Elem>;
@group(0) @binding(2) var<storage, read_write> cdst: array<vec2<Elem>>;
@group(0) @binding(3) var<storage, read> csrc: array<vec2<Elem>>;
@group(0) @binding(4) var<storage, read_write> rdst: array<Elem>;
@group(0) @binding(5) var<storage, read> tw: array<vec2<f32>>;   // tw_pre (n), then tw_post (n)

fn cmul_r2r(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

@compute @workgroup_size(256, 1, 1)
fn pre(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    let i = linear_workgroup(wid, nwg) * 256u + li;
    if i >= tp.total {
        return;
    }
    let m = i % tp.len;
    let b = i / tp.len;
    var u = vec2<f32>(0.0, 0.0);
    if tp.makhoul != 0u {
        let j = select(2u * (tp.n - 1u - m) + 1u, 2u * m, 2u * m < tp.n);
        u = f32(rsrc[b * tp.n + j]) * tw[j];
    } else if m < tp.n {
        u = f32(rsrc[b * tp.n + m]) * tw[m];
    }
    cdst[i] = vec2<Elem>(u);
}

@compute @workgroup_size(256, 1, 1)
fn post(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    let i = linear_workgroup(wid, nwg) * 256u + li;
    if i >= tp.total {
        return;
    }
    let k = i % tp.keep;
    let b = i / tp.keep;
    let v = cmul_r2r(tw[tp.n + k], vec2<f32>(csrc[b * tp.len + k + tp.shift]));
    rdst[i] = Elem(select(v.x, -v.y, tp.take_im != 0u));
}
