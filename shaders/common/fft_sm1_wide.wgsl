// fft_sm1_vec.wgsl's workgroup memory as 64-bit words (one trip of lavapipe's per-lane access
// loop instead of two; packing: words.wgsl), for CPU adapters with 64-bit integers.

// Values of workgroup memory (declared here, before the array it sizes: naga 30 wants an
// override before the array sizes that use it).
override MR_SM: u32 = 12u;
var<workgroup> sm1: array<u64, MR_SM>;

// Value i of workgroup memory.
fn sm1_ld(i: u32) -> vec2<f32> {
    return value_of(sm1[i]);
}
fn sm1_st(i: u32, v: vec2<f32>) {
    sm1[i] = word_of(v);
}
