// Monarch / matrix FFT, tiled f32 variant: every stage of the in-workgroup P-point DFTs is one
// dense [2R x 2R] x [2R x P*M/R] real GEMM on the register-blocked vec4 tile helper (BM = BK =
// 2R, BN = P*M/R: the whole stage in one step). tile_b4 holds the data between stages: after a
// stage's GEMM (accumulators in registers) and a barrier, every invocation scatters its outputs,
// twiddled, straight into the next stage's B slots; the last stage writes the pass output.
// Runs on every adapter (no subgroups, no f16 needed for f32 data).

// Writes complex v (already twiddled) into B row pair k / k+1, column c.
fn mp_put_b(k: u32, c: u32, v: vec2<f32>) {
    let q = c >> 2u;
    let i = c & 3u;
    let bn4 = BN / 4u;
    tile_b4[k * bn4 + q][i] = v.x;
    tile_b4[(k + 1u) * bn4 + q][i] = v.y;
}

// Element e of column m enters stage l.
fn mp_enter(l: u32, m: u32, e: u32, v: vec2<f32>) {
    let s = mp_in_slot(l, m, e);
    mp_put_b(s.x, s.y, cmul(v, mp_in_twiddle(l, e)));
}

// A of stage l (radix 2^mp_lr(l)) into tile_a4 ([BK][BM/4] vec4 along rows).
fn mp_load_a(l: u32, li: u32, threads: u32) {
    let base = (mp_lr(l) - 1u) * BM * BK;
    let bm4 = BM / 4u;
    for (var i = li; i < BK * bm4; i += threads) {
        let kk = i / bm4;
        let r = 4u * (i % bm4);
        let o = base + kk * BM + r;
        tile_a4[i] = vec4<f32>(dftm[o], dftm[o + 1u], dftm[o + 2u], dftm[o + 3u]);
    }
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    let col0 = linear_workgroup(wid, nwg) << MP_LOG_M;
    mp_col0 = col0;
    // Workgroups past the last column leave together (uniform); partial ones mask per column.
    if col0 >= mp.cols {
        return;
    }
    let threads = WG_X * WG_Y;
    let total = 1u << (MP_LOG_P + MP_LOG_M);
    mp_load_a(0u, li, threads);
    for (var t = li; t < total; t += threads) {
        let me = mp_order(t);
        mp_enter(0u, me.x, me.y, mp_load(me.x, me.y));
    }
    workgroupBarrier();
    let stages = mp_stages();
    let qb = TN / 4u;
    for (var l = 0u; l < stages; l++) {
        var acc: array<vec4<f32>, MAX_ACC4>;
        for (var i = 0u; i < TM * TN / 4u; i++) {
            acc[i] = vec4<f32>(0.0);
        }
        tile_mma4(&acc, lid.x, lid.y, BK);
        workgroupBarrier();
        let last = l + 1u == stages;
        if !last {
            mp_load_a(l + 1u, li, threads);
        }
        for (var i = 0u; i < TM / 2u; i++) {
            let p = (lid.y * TM) / 2u + i;
            for (var q = 0u; q < qb; q++) {
                let re = acc[(2u * i) * qb + q];
                let im = acc[(2u * i + 1u) * qb + q];
                let c0 = 4u * (lid.x + q * WG_X);
                for (var d = 0u; d < 4u; d++) {
                    let me = mp_out_elem(l, p, c0 + d);
                    let v = vec2<f32>(re[d], im[d]);
                    if last {
                        mp_store(me.x, me.y, v);
                    } else {
                        mp_enter(l + 1u, me.x, me.y, v);
                    }
                }
            }
        }
        workgroupBarrier();
    }
}
