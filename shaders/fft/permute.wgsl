// Strided copy of a 4-D index space (i0, i1, i2, i3): dst[out(i)] = scale · src[in(i)] (⊙ a
// complex filter), with in(i) = in_off + Σ i_d·is_d and out(i) likewise, in elements of `comps`
// scalars (1: real, 2: complex). The N-D FFT's transposes, strided gathers and scatters, its
// normalisation and the frequency filter's product are all this one kernel.
// A workgroup takes one 32×32 tile of (i2, i3). TRANSPOSE (when src is contiguous along i2):
// the tile is read with lanes along i2 and written with lanes along i3 through workgroup memory,
// so both sides are read and written in runs; otherwise lanes run along i3 on both sides.

struct PermParams {
    d1: u32,
    d2: u32,
    d3: u32,
    tiles2: u32,
    tiles3: u32,
    total_wg: u32,
    comps: u32,
    filtered: u32,   // 1: multiply by filt[fs·i] (complex)
    in_off: u32,
    out_off: u32,
    scale: f32,
    _p0: u32,
    is: vec4<u32>,
    os: vec4<u32>,
    fs: vec4<u32>,
}

// Binding 0 holds `pp: PermParams` (see `runtime::pipelines::params_block`).
// Real data goes through the scalar views, complex through the vec2 ones (one load and one
// store per value; lavapipe runs the copy ~1.4x faster than with two scalar accesses). The
// view a plan does not use binds a stand-in (WebGPU allows one writable binding per buffer).
@group(0) @binding(1) var<storage, read> src: array<Elem>;
@group(0) @binding(2) var<storage, read_write> dst: array<Elem>;
@group(0) @binding(3) var<storage, read> filt: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read> src2: array<vec2<Elem>>;
@group(0) @binding(5) var<storage, read_write> dst2: array<vec2<Elem>>;

override TRANSPOSE: bool = true;

const TILE: u32 = 32u;
var<workgroup> tile: array<vec2<f32>, 1056>; // 32 × 33: the pad column keeps reads conflict-free

fn load(e: u32) -> vec2<f32> {
    if pp.comps == 2u {
        return vec2<f32>(src2[e]);
    }
    return vec2<f32>(f32(src[e]), 0.0);
}

fn store(e: u32, v: vec2<f32>, f: u32) {
    var w = v * pp.scale;
    if pp.filtered != 0u {
        let h = filt[f];
        w = vec2<f32>(w.x * h.x - w.y * h.y, w.x * h.y + w.y * h.x);
    }
    if pp.comps == 2u {
        dst2[e] = vec2<Elem>(w);
    } else {
        dst[e] = Elem(w.x);
    }
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    let w = linear_workgroup(wid, nwg);
    if w >= pp.total_wg {
        return;
    }
    var r = w;
    let b3 = (r % pp.tiles3) * TILE;
    r /= pp.tiles3;
    let b2 = (r % pp.tiles2) * TILE;
    r /= pp.tiles2;
    let i1 = r % pp.d1;
    let i0 = r / pp.d1;
    let in0 = pp.in_off + i0 * pp.is.x + i1 * pp.is.y;
    let out0 = pp.out_off + i0 * pp.os.x + i1 * pp.os.y;
    let f0 = i0 * pp.fs.x + i1 * pp.fs.y;
    let x = li % TILE;
    let y0 = li / TILE;
    if TRANSPOSE {
        for (var j = 0u; j < TILE; j += 8u) {
            let i2 = b2 + x;
            let i3 = b3 + y0 + j;
            if i2 < pp.d2 && i3 < pp.d3 {
                tile[(y0 + j) * 33u + x] = load(in0 + i2 * pp.is.z + i3 * pp.is.w);
            }
        }
        workgroupBarrier();
        for (var j = 0u; j < TILE; j += 8u) {
            let i2 = b2 + y0 + j;
            let i3 = b3 + x;
            if i2 < pp.d2 && i3 < pp.d3 {
                store(out0 + i2 * pp.os.z + i3 * pp.os.w, tile[x * 33u + y0 + j], f0 + i2 * pp.fs.z + i3 * pp.fs.w);
            }
        }
    } else {
        for (var j = 0u; j < TILE; j += 8u) {
            let i2 = b2 + y0 + j;
            let i3 = b3 + x;
            if i2 < pp.d2 && i3 < pp.d3 {
                store(out0 + i2 * pp.os.z + i3 * pp.os.w, load(in0 + i2 * pp.is.z + i3 * pp.is.w), f0 + i2 * pp.fs.z + i3 * pp.fs.w);
            }
        }
    }
}
