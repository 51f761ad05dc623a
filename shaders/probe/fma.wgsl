// FMA-throughput probe: each invocation runs 8 independent vec4 FMA chains, ITERS steps each,
// so the count is 2 * 4 * 8 * ITERS flops per invocation. The result is written so the work
// cannot be removed. `Elem` selects f32 or f16 arithmetic.
override ITERS: u32 = 1024u;

@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let seed = Elem(f32(gid.x & 7u) * 0.001);
    let m = vec4<Elem>(Elem(0.999), Elem(0.998), Elem(0.997), Elem(0.996));
    let d = vec4<Elem>(Elem(0.001));
    var x0 = vec4<Elem>(seed);
    var x1 = x0 + d;
    var x2 = x1 + d;
    var x3 = x2 + d;
    var x4 = x3 + d;
    var x5 = x4 + d;
    var x6 = x5 + d;
    var x7 = x6 + d;
    for (var i = 0u; i < ITERS; i++) {
        x0 = fma(x0, m, d);
        x1 = fma(x1, m, d);
        x2 = fma(x2, m, d);
        x3 = fma(x3, m, d);
        x4 = fma(x4, m, d);
        x5 = fma(x5, m, d);
        x6 = fma(x6, m, d);
        x7 = fma(x7, m, d);
    }
    let s = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
    let idx = gid.x + gid.y * nwg.x * 256u;
    out[idx % arrayLength(&out)] = vec4<f32>(s);
}
