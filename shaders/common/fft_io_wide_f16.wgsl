// fft_io_vec.wgsl's storage functions for f16 storage as words (a complex pair is one 64-bit
// word, a complex value one 32-bit word; packing: words.wgsl): for CPU adapters with 64-bit
// integers, where each word is one trip of the driver's per-lane access loop and each 16-bit
// component would be one too.

@group(0) @binding(2) var<storage, read> src: array<u64>;
@group(0) @binding(3) var<storage, read_write> dst: array<u64>;
// One-complex views of the same buffers (strided and Bluestein accesses).
@group(0) @binding(6) var<storage, read> src_e: array<u32>;
@group(0) @binding(7) var<storage, read_write> dst_e: array<u32>;

// Complex pair i (values 2i, 2i + 1) of the input or the output.
fn ld_src(i: u32) -> vec4<f32> {
    return half_pair_of(src[i]);
}
fn ld_dst(i: u32) -> vec4<f32> {
    return half_pair_of(dst[i]);
}
fn st_dst(i: u32, v: vec4<f32>) {
    dst[i] = half_word_of(v);
}
// Complex value i of the input or the output.
fn lde_src(i: u32) -> vec2<f32> {
    return unpack2x16float(src_e[i]);
}
fn lde_dst(i: u32) -> vec2<f32> {
    return unpack2x16float(dst_e[i]);
}
fn ste_dst(i: u32, v: vec2<f32>) {
    dst_e[i] = pack2x16float(v);
}
