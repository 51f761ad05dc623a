// 2-D DCT-II over the last two axes (n1 × n2, both even) and its inverse (DCT-III) by Makhoul's
// route in both axes, around one 2-D real FFT (rfftn's half spectrum H, n1 × (n2/2 + 1) bins per
// plane). DCT-II:
//   reorder: v[m1, m2] = x[π1(m1), π2(m2)], π(m) = 2m for m < n/2, 2(n − 1 − m) + 1 above
//   (rfftn of v: V, stored as H[k1, k2] = V[k1, k2] for k2 ≤ n2/2)
//   finish:  X[k1, k2] = Re(T1[k1]·(T2[k2]·V[k1, k2] + conj(T2[k2])·V[k1, n2 − k2])) / 2
// with T[k] = s_k·exp(−iπk/2n) the 1-D Makhoul post factor of each axis (SciPy's norm in s_k,
// ops/fft/r2r.rs) and V[k1, n2 − k2] = conj(H[−k1 mod n1, k2]) (v is real). `finish` takes the
// rows k1 and −k1 mod n1 together and makes X at (k1, k2), (k1, n2 − k2) and the same for −k1
// from the same two bins (T2[n2 − k2] = −i·conj(T2[k2]) for 0 < k2 < n2). Each invocation takes
// DP_RUN neighbouring columns of a row: on lavapipe 22.3 a one-value invocation costs about what
// its fixed overhead does, and with one value each these two steps took ~9 ms of 1024²'s 15.
// DCT-III, the same steps undone (ops/fft/dct2_plane.rs derives it):
//   start:   V[k1, k2] = P1[k1]·P2[k2]·(X[k1, k2] − X[−k1, −k2] − i·(X[−k1, k2] + X[k1, −k2]))
//            for k2 ≤ n2/2, where X[−0, ·] and X[·, −0] count as 0 (not X[0, ·]) and
//            P[k] = g_k·exp(iπk/2n)/2, g_k the factor that makes SciPy's DCT-III the exact
//            inverse of the unnormalised DCT-II; rows k1 and −k1 together, from the same four reals
//   (irfftn of V: v, the true inverse DFT)
//   reorder with `inverse` set: x[j1, j2] = v[π1⁻¹(j1), π2⁻¹(j2)]

struct Dct2PlaneParams {
    n1: u32,
    n2: u32,
    rows: u32,    // planes·n1 (reorder), planes·(n1/2 + 1) row pairs (finish, start)
    chunks: u32,  // workgroups per row: its n2 reals (reorder) or n2/2 + 1 bins (finish, start)
    inverse: u32, // reorder: 1 undoes the reordering (DCT-III's last step)
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// Columns per invocation; a workgroup of 64 takes 64·DP_RUN of a row (`DCT2_PLANE_RUN` in
// ops/fft/dct2_plane.rs).
const DP_RUN: u32 = 8u;

// Binding 0 holds `dp: Dct2PlaneParams` (see `runtime::pipelines::params_block`).
@group(0) @binding(1) var<storage, read> rsrc: array<Elem>;
@group(0) @binding(2) var<storage, read> csrc: array<vec2<Elem>>;
@group(0) @binding(3) var<storage, read_write> rdst: array<Elem>;  // `start`: bins as (re, im)
@group(0) @binding(4) var<storage, read> tw: array<vec2<f32>>;   // T1 (n1 entries), then T2 (n2)

// Makhoul's source index of v[m] along an axis of even length n.
fn makhoul_src(m: u32, n: u32) -> u32 {
    return select(2u * (n - 1u - m) + 1u, 2u * m, 2u * m < n);
}

// The inverse: where x[j] went in v.
fn makhoul_dst(j: u32, n: u32) -> u32 {
    return select(n - 1u - (j >> 1u), j >> 1u, (j & 1u) == 0u);
}

// v's index along an axis for the reordering (forward) or x's for its undoing.
fn reorder_src(m: u32, n: u32) -> u32 {
    return select(makhoul_src(m, n), makhoul_dst(m, n), dp.inverse != 0u);
}

// This invocation's row (uniform in the workgroup) and first column: one division per
// workgroup, none per lane (lavapipe divides vectors lane by lane).
fn row_col(wid: vec3<u32>, nwg: vec3<u32>, li: u32) -> vec2<u32> {
    let wg = linear_workgroup(wid, nwg);
    let row = wg / dp.chunks;
    return vec2<u32>(row, ((wg - row * dp.chunks) * 64u + li) * DP_RUN);
}

// The rows k1 and −k1 mod n1 of plane p that the spectral steps (`finish`, `start`) take
// together, from their row index p·(n1/2 + 1) + k1: k1 = 0 and n1/2 pair with themselves.
struct RowPair {
    k1: u32,
    k1m: u32,
    ra: u32,  // p·n1 + k1
    rm: u32,  // p·n1 + k1m
}

fn row_pair(row: u32) -> RowPair {
    let pairs = dp.n1 / 2u + 1u;
    let p = row / pairs;
    let k1 = row - p * pairs;
    let k1m = select(dp.n1 - k1, 0u, k1 == 0u);
    return RowPair(k1, k1m, p * dp.n1 + k1, p * dp.n1 + k1m);
}

fn cmul_d(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

@compute @workgroup_size(64, 1, 1)
fn reorder(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    _ = arrayLength(&csrc);
    _ = arrayLength(&tw);
    let rc = row_col(wid, nwg, li);
    if rc.x >= dp.rows {
        return;
    }
    let m1 = rc.x % dp.n1;
    let src_row = (rc.x - m1 + reorder_src(m1, dp.n1)) * dp.n2;
    for (var t = 0u; t < DP_RUN; t++) {
        let m2 = rc.y + t;
        if m2 < dp.n2 {
            rdst[rc.x * dp.n2 + m2] = rsrc[src_row + reorder_src(m2, dp.n2)];
        }
    }
}

@compute @workgroup_size(64, 1, 1)
fn finish(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    _ = arrayLength(&rsrc);
    let h = dp.n2 / 2u;
    let rc = row_col(wid, nwg, li);
    if rc.x >= dp.rows {
        return;
    }
    let rp = row_pair(rc.x);
    let both = rp.k1m != rp.k1;
    let ta = 0.5 * tw[rp.k1];
    let tm = 0.5 * tw[rp.k1m];
    for (var t = 0u; t < DP_RUN; t++) {
        let k2 = rc.y + t;
        if k2 <= h {
            let a = vec2<f32>(csrc[rp.ra * (h + 1u) + k2]);
            let c = vec2<f32>(csrc[rp.rm * (h + 1u) + k2]);
            let ca = vec2<f32>(a.x, -a.y);
            let cc = vec2<f32>(c.x, -c.y);
            let t2 = tw[dp.n1 + k2];
            let t2c = vec2<f32>(t2.x, -t2.y);
            rdst[rp.ra * dp.n2 + k2] = Elem(cmul_d(ta, cmul_d(t2, a) + cmul_d(t2c, cc)).x);
            if both {
                rdst[rp.rm * dp.n2 + k2] = Elem(cmul_d(tm, cmul_d(t2, c) + cmul_d(t2c, ca)).x);
            }
            if k2 != 0u && k2 != h {
                let t3 = vec2<f32>(-t2.y, -t2.x);
                let t3c = vec2<f32>(-t2.y, t2.x);
                rdst[rp.ra * dp.n2 + dp.n2 - k2] = Elem(cmul_d(ta, cmul_d(t3, cc) + cmul_d(t3c, a)).x);
                if both {
                    rdst[rp.rm * dp.n2 + dp.n2 - k2] = Elem(cmul_d(tm, cmul_d(t3, ca) + cmul_d(t3c, c)).x);
                }
            }
        }
    }
}

@compute @workgroup_size(64, 1, 1)
fn start(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    _ = arrayLength(&csrc);
    let h = dp.n2 / 2u;
    let rc = row_col(wid, nwg, li);
    if rc.x >= dp.rows {
        return;
    }
    // Row −0 (k1 = 0's mirror) counts as zero.
    let rp = row_pair(rc.x);
    let both = rp.k1m != rp.k1;
    let zr = select(1.0, 0.0, rp.k1 == 0u);
    let ra = rp.ra * dp.n2;
    let rm = rp.rm * dp.n2;
    let pa = tw[rp.k1];
    let pm = tw[rp.k1m];
    for (var t = 0u; t < DP_RUN; t++) {
        let k2 = rc.y + t;
        if k2 <= h {
            let k2m = select(dp.n2 - k2, 0u, k2 == 0u);
            let zc = select(1.0, 0.0, k2 == 0u);
            let a = f32(rsrc[ra + k2]);
            let b = zc * f32(rsrc[ra + k2m]);
            let c = zr * f32(rsrc[rm + k2]);
            let d = zr * zc * f32(rsrc[rm + k2m]);
            let p2 = tw[dp.n1 + k2];
            let va = cmul_d(cmul_d(pa, p2), vec2<f32>(a - d, -(c + b)));
            let oa = 2u * (rp.ra * (h + 1u) + k2);
            rdst[oa] = Elem(va.x);
            rdst[oa + 1u] = Elem(va.y);
            if both {
                let vm = cmul_d(cmul_d(pm, p2), vec2<f32>(c - b, -(a + d)));
                let om = 2u * (rp.rm * (h + 1u) + k2);
                rdst[om] = Elem(vm.x);
                rdst[om + 1u] = Elem(vm.y);
            }
        }
    }
}
