// fft_sm_vec.wgsl's workgroup memory as 64-bit words (packing: words.wgsl), for CPU adapters
// with 64-bit integers.

// FFT_SM pairs of complex f32 values as pairs of words (the kernel declares the override).
var<workgroup> sm: array<vec2<u64>, FFT_SM>;

// Pair i of workgroup memory.
fn sm_ld(i: u32) -> vec4<f32> {
    return pair_of(sm[i]);
}
fn sm_st(i: u32, v: vec4<f32>) {
    sm[i] = words_of(v);
}
