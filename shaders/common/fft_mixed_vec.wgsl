// What the mixed-radix kernel (shaders/fft/mixed.wgsl) reads one complex value at a time: its
// workgroup memory and its table of roots (fft_mixed_wide.wgsl has the same functions over
// 64-bit words, one trip of lavapipe's per-lane access loop instead of two).

// Values of workgroup memory (declared here, before the array it sizes: naga 30 wants an
// override before the array sizes that use it).
override MR_SM: u32 = 12u;
var<workgroup> sm1: array<vec2<f32>, MR_SM>;

// exp(-2πi·e/fp.n) for e < fp.n.
@group(0) @binding(4) var<storage, read> roots: array<vec2<f32>>;

// Value i of workgroup memory.
fn sm1_ld(i: u32) -> vec2<f32> {
    return sm1[i];
}
fn sm1_st(i: u32, v: vec2<f32>) {
    sm1[i] = v;
}

// Root e.
fn root(e: u32) -> vec2<f32> {
    return roots[e];
}
