// N:M sparse GEMM, plain variant (no subgroups, any N:M): only the kept multiply-adds, reading
// only the compressed values and metadata of A_s.
//
// Each invocation owns R rows of A_s (rows row0 + r·WG + li) and the workgroup's tile of 4·TQ
// output columns. K advances in chunks of KCH = GPC·M columns: the workgroup stages op(B) for
// the chunk in workgroup memory as xs[kk·TQ + q] = op(B)[k0 + kk][col0 + 4q .. +3], then every
// kept value of a row fetches its operand quad at its own k (one workgroup-memory read per kept
// value and 4 columns) — half the operand reads of a dense product at 2:4. Values arrive as
// vec4s of the row's compressed stream; a chunk holds KPC = GPC·N kept values (a multiple of 4).

override WG: u32 = 64u;
override R: u32 = 2u;       // rows per invocation
override TQ: u32 = 4u;      // column quads per workgroup
override GPC: u32 = 8u;     // groups per chunk
override KCH: u32 = 32u;    // columns of k per chunk, GPC·M
override KPC: u32 = 16u;    // kept values per chunk, GPC·N
override VPC: u32 = 4u;     // KPC / 4

const MAX_R: u32 = 4u;
const MAX_TQ: u32 = 4u;

var<workgroup> xs: array<vec4<f32>, KCH * TQ>;

@compute @workgroup_size(WG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    let lin = linear_workgroup(wid, nwg);
    let per_batch = p.tiles_r * p.tiles_c;
    let bt = lin / per_batch;
    if bt >= p.batch {
        return;
    }
    let rem = lin % per_batch;
    let row0 = (rem / p.tiles_c) * WG * R;
    let col0 = (rem % p.tiles_c) * TQ * 4u;
    let v_base = bt * p.stride_v;
    let m_base = bt * p.stride_m;
    let b_base = bt * p.stride_b;
    var acc: array<vec4<f32>, 16>;
    let chunks = (p.k + KCH - 1u) / KCH;
    for (var c = 0u; c < chunks; c++) {
        let k0 = c * KCH;
        workgroupBarrier();
        for (var i = li; i < KCH * TQ; i += WG) {
            let kk = k0 + i / TQ;
            let cq = col0 + 4u * (i % TQ);
            if TRANS_B {
                xs[i] = vec4<f32>(nm_x(b_base, kk, cq), nm_x(b_base, kk, cq + 1u), nm_x(b_base, kk, cq + 2u), nm_x(b_base, kk, cq + 3u));
            } else {
                xs[i] = nm_x_c4(b_base, kk, cq);
            }
        }
        workgroupBarrier();
        for (var vq = 0u; vq < VPC; vq++) {
            let j0 = c * KPC + 4u * vq;
            for (var r = 0u; r < R; r++) {
                let row = min(row0 + r * WG + li, p.rows - 1u);
                let v4 = nm_value4(v_base + row * p.kc4 + min(j0 / 4u, p.kc4 - 1u));
                let mrow = m_base + row * p.mw;
                let wa = nm_meta[mrow + min(j0 / PW, p.mw - 1u)];
                var wb = wa;
                if PW % 4u != 0u {
                    wb = nm_meta[mrow + min((j0 + 3u) / PW, p.mw - 1u)];
                }
                for (var e = 0u; e < 4u; e++) {
                    let j = j0 + e;
                    let idx = nm_idx(select(wa, wb, j / PW != j0 / PW), j);
                    let kk = min(((4u * vq + e) / NK) * MG + idx, KCH - 1u);
                    let v = vec4<f32>(select(0.0, v4[e], j < p.kc));
                    for (var q = 0u; q < TQ; q++) {
                        acc[r * MAX_TQ + q] = fma(v, xs[kk * TQ + q], acc[r * MAX_TQ + q]);
                    }
                }
            }
        }
    }
    let c_base = bt * p.stride_c;
    // A copy for the store loop, which is too big to unroll: dynamic indices into `acc` itself
    // would move it out of registers for the whole kernel.
    var fin = acc;
    for (var r = 0u; r < R; r++) {
        let row = row0 + r * WG + li;
        for (var q = 0u; q < TQ; q++) {
            let a = fin[r * MAX_TQ + q];
            for (var e = 0u; e < 4u; e++) {
                nm_store(c_base, row, col0 + 4u * q + e, a[e]);
            }
        }
    }
}
