// fft_io_vec.wgsl's storage functions for f32 storage as 64-bit words (a complex value is one
// word, a pair two; packing: words.wgsl): for CPU adapters with 64-bit integers, where each word
// is one trip of the driver's per-lane access loop.

@group(0) @binding(2) var<storage, read> src: array<vec2<u64>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec2<u64>>;
// One-complex views of the same buffers (strided and Bluestein accesses).
@group(0) @binding(6) var<storage, read> src_e: array<u64>;
@group(0) @binding(7) var<storage, read_write> dst_e: array<u64>;

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
