// Copy-bandwidth probe: grid-stride copy, bytes moved = 2 x buffer size. `CopyWord` is vec4<f32>,
// or vec2<u64> on devices with 64-bit integers (declared by the probe; see src/probe.rs).
@group(0) @binding(0) var<storage, read> src: array<CopyWord>;
@group(0) @binding(1) var<storage, read_write> dst: array<CopyWord>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let n = arrayLength(&src);
    let stride = nwg.x * 256u;
    for (var i = gid.x; i < n; i += stride) {
        dst[i] = src[i];
    }
}
