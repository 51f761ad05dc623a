// Storage access of the FFT kernels (shaders/fft/stockham.wgsl, stockham_sg.wgsl) in the
// storage type's own vectors. fft_io_wide.wgsl (f32) and fft_io_wide_f16.wgsl (f16) have the same
// functions over words. Every value crosses as f32: loads widen Elem, stores narrow it.

@group(0) @binding(2) var<storage, read> src: array<vec4<Elem>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec4<Elem>>;
// One-complex views of the same buffers (strided and Bluestein accesses).
@group(0) @binding(6) var<storage, read> src_e: array<vec2<Elem>>;
@group(0) @binding(7) var<storage, read_write> dst_e: array<vec2<Elem>>;
// Complex pair i (values 2i, 2i + 1) of the input or the output.
fn ld_src(i: u32) -> vec4<f32> {
    return vec4<f32>(src[i]);
}
fn ld_dst(i: u32) -> vec4<f32> {
    return vec4<f32>(dst[i]);
}
fn st_dst(i: u32, v: vec4<f32>) {
    dst[i] = vec4<Elem>(v);
}
// Complex value i of the input or the output.
fn lde_src(i: u32) -> vec2<f32> {
    return vec2<f32>(src_e[i]);
}
fn lde_dst(i: u32) -> vec2<f32> {
    return vec2<f32>(dst_e[i]);
}
fn ste_dst(i: u32, v: vec2<f32>) {
    dst_e[i] = vec2<Elem>(v);
}
