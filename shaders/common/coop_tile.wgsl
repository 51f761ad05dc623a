// Cooperative-matrix tile of a matrix product, shared by the coop kernels (dense GEMM, sparse
// GEMM, the matrix FFT). COOP, CoopA/B/C come from the prelude (8 or 16, f16 in, f32 acc).
//
// The workgroup holds SGM x SGN subgroups; each owns a 2x2 grid of COOP x COOP accumulators, so
// the workgroup block is CBM x CBN = (2*SGM*COOP) x (2*SGN*COOP), stepping K by CBK. Operands
// are staged as f16 in workgroup memory (row-major), converted and zero-padded by the caller's
// loader: tails, transposes and f32 storage all reduce to the same inner loop.
override SG: u32 = 32u;
override SGM: u32 = 2u;
override SGN: u32 = 2u;
override CBK: u32 = 32u; // a multiple of COOP

override CBM: u32 = 2u * SGM * COOP;
override CBN: u32 = 2u * SGN * COOP;

var<workgroup> stage_a: array<f16, CBM * CBK>;   // [CBM][CBK]
var<workgroup> stage_b: array<f16, CBK * CBN>;   // [CBK][CBN]
var<workgroup> stage_c: array<f32, CBM * CBN>;   // [CBM][CBN], epilogue only

struct CoopAcc {
    c00: CoopC,
    c01: CoopC,
    c10: CoopC,
    c11: CoopC,
}

// acc += stage_a[sm rows] * stage_b[sn cols] over the staged depth CBK.
fn coop_mma(acc: ptr<function, CoopAcc>, sm: u32, sn: u32) {
    for (var kk = 0u; kk < CBK; kk += COOP) {
        let ia0 = (sm * 2u * COOP) * CBK + kk;
        let ia1 = ia0 + COOP * CBK;
        let ib0 = kk * CBN + sn * 2u * COOP;
        let ib1 = ib0 + COOP;
        let a0 = coopLoadT<CoopA>(&stage_a[ia0], CBK);
        let a1 = coopLoadT<CoopA>(&stage_a[ia1], CBK);
        let b0 = coopLoadT<CoopB>(&stage_b[ib0], CBN);
        let b1 = coopLoadT<CoopB>(&stage_b[ib1], CBN);
        (*acc).c00 = coopMultiplyAdd(a0, b0, (*acc).c00);
        (*acc).c01 = coopMultiplyAdd(a0, b1, (*acc).c01);
        (*acc).c10 = coopMultiplyAdd(a1, b0, (*acc).c10);
        (*acc).c11 = coopMultiplyAdd(a1, b1, (*acc).c11);
    }
}

// Writes the four accumulators of subgroup (sm, sn) into stage_c.
fn coop_spill(acc: CoopAcc, sm: u32, sn: u32) {
    let i00 = (sm * 2u * COOP) * CBN + sn * 2u * COOP;
    let i01 = i00 + COOP;
    let i10 = i00 + COOP * CBN;
    let i11 = i10 + COOP;
    coopStoreT(acc.c00, &stage_c[i00], CBN);
    coopStoreT(acc.c01, &stage_c[i01], CBN);
    coopStoreT(acc.c10, &stage_c[i10], CBN);
    coopStoreT(acc.c11, &stage_c[i11], CBN);
}
