// Monarch / matrix FFT on cooperative matrices: every stage of the in-workgroup P-point DFTs is
// one dense [2R x 2R] x [2R x P*M/R] real GEMM on the coop tile helper (CBM = CBK = 2R, CBN =
// P*M/R: the whole stage in one step; the MP_NSG subgroups take the SGM x SGN output blocks in
// turn). Operands are f16 (stage_a: the DFT matrix, stage_b: the twiddled data), accumulation is
// f32; stage_c (f32) holds a stage's result, from which the next stage's operands are scattered,
// twiddled in f32 and rounded to f16 once per stage. An f16-accuracy path (see
// Tolerance::fft_monarch).

fn mp_enter(l: u32, m: u32, e: u32, v: vec2<f32>) {
    let s = mp_in_slot(l, m, e);
    let w = cmul(v, mp_in_twiddle(l, e));
    stage_b[s.x * CBN + s.y] = f16(w.x);
    stage_b[(s.x + 1u) * CBN + s.y] = f16(w.y);
}

// A of stage l into stage_a ([CBM][CBK] row-major f16) from the k-major table.
fn mp_load_a(l: u32, li: u32, threads: u32) {
    let base = (mp_lr(l) - 1u) * CBM * CBK;
    for (var i = li; i < CBM * CBK; i += threads) {
        let r = i / CBK;
        let kk = i % CBK;
        stage_a[i] = f16(dftm[base + kk * CBM + r]);
    }
}

@compute @workgroup_size(SG * MP_NSG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    let col0 = linear_workgroup(wid, nwg) << MP_LOG_M;
    mp_col0 = col0;
    if col0 >= mp.cols {
        return;
    }
    let threads = SG * MP_NSG;
    let total = 1u << (MP_LOG_P + MP_LOG_M);
    mp_load_a(0u, li, threads);
    for (var t = li; t < total; t += threads) {
        let me = mp_order(t);
        mp_enter(0u, me.x, me.y, mp_load(me.x, me.y));
    }
    workgroupBarrier();
    let stages = mp_stages();
    let sg = li / SG;
    let blocks = SGM * SGN;
    for (var l = 0u; l < stages; l++) {
        for (var b = sg; b < blocks; b += MP_NSG) {
            let sm = b / SGN;
            let sn = b % SGN;
            var acc: CoopAcc;
            acc.c00 = CoopC();
            acc.c01 = CoopC();
            acc.c10 = CoopC();
            acc.c11 = CoopC();
            coop_mma(&acc, sm, sn);
            coop_spill(acc, sm, sn);
        }
        workgroupBarrier();
        let last = l + 1u == stages;
        if !last {
            mp_load_a(l + 1u, li, threads);
        }
        // Row pair p, column c of C: (CBM / 2) x CBN = P*M complex outputs.
        for (var i = li; i < total; i += threads) {
            let p = i / CBN;
            let c = i % CBN;
            let v = vec2<f32>(stage_c[(2u * p) * CBN + c], stage_c[(2u * p + 1u) * CBN + c]);
            let me = mp_out_elem(l, p, c);
            if last {
                mp_store(me.x, me.y, v);
            } else {
                mp_enter(l + 1u, me.x, me.y, v);
            }
        }
        workgroupBarrier();
    }
}
