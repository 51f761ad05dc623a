// fft_sm_vec.wgsl's workgroup memory as 64-bit words, with the packing the wide storage helpers
// (fft_io_wide.wgsl, fft_io_wide_f16.wgsl) share. Why words: Mesa's
// gallivm (lavapipe) compiles every storage and workgroup access into a loop over the lanes with
// one trip per component, so a vec4<f32> costs four trips and the same 16 bytes as vec2<u64>
// two; packing is a few vector shifts (docs/kernel-notes.md, stop 38).

// FFT_SM pairs of complex f32 values as pairs of words (the kernel declares the override).
var<workgroup> sm: array<vec2<u64>, FFT_SM>;

// One complex f32 value as one word (real part in the low half, as in memory) and back.
fn word_of(v: vec2<f32>) -> u64 {
    return u64(bitcast<u32>(v.x)) | (u64(bitcast<u32>(v.y)) << 32u);
}
fn value_of(w: u64) -> vec2<f32> {
    return vec2<f32>(bitcast<f32>(u32(w & 0xfffffffflu)), bitcast<f32>(u32(w >> 32u)));
}
fn words_of(v: vec4<f32>) -> vec2<u64> {
    return vec2<u64>(word_of(v.xy), word_of(v.zw));
}
fn pair_of(w: vec2<u64>) -> vec4<f32> {
    return vec4<f32>(value_of(w.x), value_of(w.y));
}

// Pair i of workgroup memory.
fn sm_ld(i: u32) -> vec4<f32> {
    return pair_of(sm[i]);
}
fn sm_st(i: u32, v: vec4<f32>) {
    sm[i] = words_of(v);
}
