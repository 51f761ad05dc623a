// fft_io_vec.wgsl's functions over 64-bit words, for f32 storage on CPU adapters with 64-bit
// integers. Why: Mesa's gallivm (lavapipe) compiles every storage and workgroup access into a
// loop over the lanes with one scalar access per component, so a vec4<f32> costs four trips of
// that loop and the same 16 bytes as vec2<u64> cost two. Packing and unpacking are a few vector
// shifts (README, "Kernel notes": 1.06–1.33x faster 1-D transforms on lavapipe 22.3).

@group(0) @binding(2) var<storage, read> src: array<vec2<u64>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec2<u64>>;
// One-complex views of the same buffers (strided and Bluestein accesses).
@group(0) @binding(6) var<storage, read> src_e: array<u64>;
@group(0) @binding(7) var<storage, read_write> dst_e: array<u64>;
// 4096 complex values as pairs of words.
var<workgroup> sm: array<vec2<u64>, 2048>;

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

// Complex pair i (values 2i, 2i + 1) of the input or the output.
fn ld_src(i: u32) -> vec4<f32> {
    return pair_of(src[i]);
}
fn ld_dst(i: u32) -> vec4<f32> {
    return pair_of(dst[i]);
}
fn st_dst(i: u32, v: vec4<f32>) {
    dst[i] = words_of(v);
}
// Complex value i of the input or the output.
fn lde_src(i: u32) -> vec2<f32> {
    return value_of(src_e[i]);
}
fn lde_dst(i: u32) -> vec2<f32> {
    return value_of(dst_e[i]);
}
fn ste_dst(i: u32, v: vec2<f32>) {
    dst_e[i] = word_of(v);
}
// Pair i of workgroup memory.
fn sm_ld(i: u32) -> vec4<f32> {
    return pair_of(sm[i]);
}
fn sm_st(i: u32, v: vec4<f32>) {
    sm[i] = words_of(v);
}
