// The linear layer's epilogue as a pass of its own over C: C = act(C + bias[col]), as vec4s
// (host guarantees N % 4 == 0). For a product computed elsewhere; and the unfused baseline the
// bench times the fused epilogue against (one more read and write of C).

@group(0) @binding(3) var<storage, read_write> c: array<vec4<Elem>>;
@group(0) @binding(6) var<storage, read> bias: array<vec4<Elem>>; // EPI_BIAS

// params.wgsl's element accessors: this pass reads no A or B.
fn gemm_a_at(i: u32) -> Elem { return Elem(0.0); }
fn gemm_b_at(i: u32) -> Elem { return Elem(0.0); }
fn gemm_c_at(i: u32) -> Elem { return c[i / 4u][i % 4u]; }
fn gemm_c_put(i: u32, v: f32) { c[i / 4u][i % 4u] = Elem(v); }
fn gemm_bias_at(i: u32) -> Elem { return bias[i / 4u][i % 4u]; }

const EPI_WG: u32 = 64u;

@compute @workgroup_size(EPI_WG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    // Quad q of C (all batches, rows of N / 4 quads: ldc == N).
    let q = linear_workgroup(wid, nwg) * EPI_WG + li;
    let n4 = p.n / 4u;
    if q >= p.batch * p.m * n4 {
        return;
    }
    var v = p.alpha * vec4<f32>(c[q]);
    if EPI_BIAS {
        v += vec4<f32>(bias[q % n4]);
    }
    c[q] = vec4<Elem>(gemm_act4(v));
}
