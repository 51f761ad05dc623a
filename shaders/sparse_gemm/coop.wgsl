// N:M sparse GEMM on cooperative matrices (f16 operands, f32 accumulation). The win over the
// dense coop GEMM is weight bandwidth: A_s is read only in compressed form (values + metadata)
// and expanded tile by tile in workgroup memory (zero-fill, then scatter every kept value of the
// groups that overlap the tile to its column), then multiplied with the shared coop_mma.
// Works for any N:M (groups may straddle tiles).

@compute @workgroup_size(SG * SGM * SGN, 1, 1)
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
    let row0 = (rem / p.tiles_c) * CBM;
    let col0 = (rem % p.tiles_c) * CBN;
    let threads = SG * SGM * SGN;
    let sg = li / SG;
    let sm = sg / SGN;
    let sn = sg % SGN;
    let v_base = bt * p.stride_v;
    let m_base = bt * p.stride_m;
    let b_base = bt * p.stride_b;
    let groups = p.k / MG;
    var acc: CoopAcc;
    acc.c00 = CoopC();
    acc.c01 = CoopC();
    acc.c10 = CoopC();
    acc.c11 = CoopC();
    for (var k0 = 0u; k0 < p.k; k0 += CBK) {
        for (var i = li; i < CBM * CBK; i += threads) {
            stage_a[i] = f16(0.0);
        }
        workgroupBarrier();
        // Expand: every kept value of the groups overlapping k0 .. k0 + CBK, for every row.
        let g0 = k0 / MG;
        let ng = min((k0 + CBK - 1u) / MG + 1u, groups) - g0;
        for (var i = li; i < CBM * ng; i += threads) {
            let r = i / ng;
            let g = g0 + i % ng;
            let row = row0 + r;
            if row < p.rows {
                let vrow = v_base + row * p.kc4;
                let mrow = m_base + row * p.mw;
                for (var n = 0u; n < NK; n++) {
                    let j = g * NK + n;
                    let kk = g * MG + nm_idx(nm_meta[mrow + j / PW], j);
                    if kk >= k0 && kk < k0 + CBK {
                        let ia = r * CBK + (kk - k0);
                        stage_a[ia] = f16(nm_value4(vrow + j / 4u)[j % 4u]);
                    }
                }
            }
        }
        // op(B) in quads along its contiguous direction (CBK and CBN are multiples of 4).
        for (var i = li; i < CBK * CBN / 4u; i += threads) {
            if TRANS_B {
                let col = i / (CBK / 4u);
                let kq = 4u * (i % (CBK / 4u));
                let x = nm_x_k4(b_base, k0 + kq, col0 + col);
                for (var e = 0u; e < 4u; e++) {
                    stage_b[(kq + e) * CBN + col] = f16(x[e]);
                }
            } else {
                let kk = i / (CBN / 4u);
                let cq = 4u * (i % (CBN / 4u));
                let x = nm_x_c4(b_base, k0 + kk, col0 + cq);
                for (var e = 0u; e < 4u; e++) {
                    stage_b[kk * CBN + cq + e] = f16(x[e]);
                }
            }
        }
        workgroupBarrier();
        coop_mma(&acc, sm, sn);
        workgroupBarrier();
    }
    coop_spill(acc, sm, sn);
    workgroupBarrier();
    let c_base = bt * p.stride_c;
    for (var i = li; i < CBM * CBN; i += threads) {
        nm_store(c_base, row0 + i / CBN, col0 + i % CBN, stage_c[i]);
    }
}
