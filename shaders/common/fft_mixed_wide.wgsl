// fft_mixed_vec.wgsl's workgroup memory and roots as 64-bit words (packing: words.wgsl), for CPU
// adapters with 64-bit integers.

// Values of workgroup memory (declared here, before the array it sizes: naga 30 wants an
// override before the array sizes that use it).
override MR_SM: u32 = 12u;
var<workgroup> sm1: array<u64, MR_SM>;

// exp(-2πi·e/fp.n) for e < fp.n, as words (f32 pairs, whatever the storage type).
@group(0) @binding(4) var<storage, read> roots: array<u64>;

// Value i of workgroup memory.
fn sm1_ld(i: u32) -> vec2<f32> {
    return value_of(sm1[i]);
}
fn sm1_st(i: u32, v: vec2<f32>) {
    sm1[i] = word_of(v);
}

// Root e.
fn root(e: u32) -> vec2<f32> {
    return value_of(roots[e]);
}
