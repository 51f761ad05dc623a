// Real-to-real transforms (DCT-II/III/IV, DST-II) through one complex FFT of length 2n:
//   pre:  u[m] = x[m]·tw_pre[m] for m < n, 0 for n ≤ m < 2n
//   (forward complex FFT of 2n points, Z)
//   post: y[k] = Re(tw_post[k]·Z[k + shift])  (or −Im when take_im = 1), k < keep
// The kind and normalisation live in the two tables, computed on the host in f64
// (ops/fft/r2r.rs derives them), so every kind runs these same two pipelines.

struct R2rParams {
    n: u32,
    total: u32,    // invocations needed
    shift: u32,
    take_im: u32,
    keep: u32,     // outputs kept per row (the first `keep`)
    _p0: u32,
    _p1: u32,
    _p2: u32,
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
    let m = i % (2u * tp.n);
    let b = i / (2u * tp.n);
    var u = vec2<f32>(0.0, 0.0);
    if m < tp.n {
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
    let v = cmul_r2r(tw[tp.n + k], vec2<f32>(csrc[b * 2u * tp.n + k + tp.shift]));
    rdst[i] = Elem(select(v.x, -v.y, tp.take_im != 0u));
}
