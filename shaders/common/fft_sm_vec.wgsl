// The FFT kernels' workgroup memory as vec4 pairs of complex f32 values (fft_sm_wide.wgsl has
// the same functions over 64-bit words). FFT_SM pairs: the kernel declares the override.

var<workgroup> sm: array<vec4<f32>, FFT_SM>;

// Pair i of workgroup memory.
fn sm_ld(i: u32) -> vec4<f32> {
    return sm[i];
}
fn sm_st(i: u32, v: vec4<f32>) {
    sm[i] = v;
}
