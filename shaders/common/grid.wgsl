// Linear workgroup index over a 2-D dispatch grid. The host spreads a 1-D workgroup count over
// x and y (each at most max_compute_workgroups_per_dimension), so kernels address any number of
// tiles; workgroups past the real count return early.
fn linear_workgroup(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
}
