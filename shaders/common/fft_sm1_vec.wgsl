// Workgroup memory of single complex f32 values (the mixed-radix kernel, whose stages address
// values one at a time; fft_sm1_wide.wgsl has the same functions over 64-bit words). MR_SM
// values.

// Values of workgroup memory (declared here, before the array it sizes: naga 30 wants an
// override before the array sizes that use it).
override MR_SM: u32 = 12u;
var<workgroup> sm1: array<vec2<f32>, MR_SM>;

// Value i of workgroup memory.
fn sm1_ld(i: u32) -> vec2<f32> {
    return sm1[i];
}
fn sm1_st(i: u32, v: vec2<f32>) {
    sm1[i] = v;
}
