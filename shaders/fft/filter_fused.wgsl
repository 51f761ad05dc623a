// The global filter layer y = irfft2(rfft2(x) ⊙ W) in one dispatch: a workgroup takes `maps`
// whole maps, keeps their spectra in workgroup memory (`wgd`, wg_dft.wgsl) from the first read
// of x to the last write of y, and transforms rows and columns with wgd_stage.
// Real rows go in pairs (z = x[2p] + i·x[2p+1], one complex transform for two rows): the row
// pass is half a complex one, and so is the inverse. Layouts in `wgd`, per map (`stride` apart):
//   row pairs: pair p, point m at p·w + m        (pairs × w)
//   spectrum:  row r, bin k at r·ws + k           (h × ws, ws = ⌈w/2⌉)
// For even w the spectrum is packed: bins 0 and w/2 of a real row are both real, so they share
// one complex value (bin 0 in x, bin w/2 in y), and a 64 × 64 map takes 64 × 32 values, 16 KiB
// (WebGPU's default workgroup storage) instead of 64 × 33. The packed column is then the complex
// column c0 + i·c_{w/2} of two real columns: its transform holds both spectra, which the filter
// step separates, filters and joins again (`filter_packed`).

struct GfParams {
    h: u32,
    w: u32,
    wb: u32,
    pairs: u32,      // ⌈h/2⌉
    batch: u32,
    maps: u32,       // maps per workgroup
    stride: u32,     // values of wgd per map
    total_wg: u32,
    nsw: u32,        // stages along rows (radices of w in rw)
    nsh: u32,        // stages along columns (radices of h in rh)
    tw_h: u32,       // the h-point table's offset in tw (the w-point one is at 0)
    scale: f32,      // 1/(h·w)
    rw: array<vec4<u32>, 2>, // radices of the row stages
    rh: array<vec4<u32>, 2>, // and of the column stages
}

// Binding 0 holds `gp: GfParams`, binding 1 the twiddle tables (`tw`, fft_base.wgsl).
@group(0) @binding(2) var<storage, read> x: array<Elem>;
@group(0) @binding(3) var<storage, read> filt: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<Elem>;

// All stages of the row (rows = true) or column transforms, forward (sign 1) or inverse (-1).
fn transform(li: u32, maps: u32, rows: bool, sign: f32) {
    let ws = stored_bins();
    var l = WgdLayout(maps, gp.stride, ws, 1u, ws, gp.h);
    var stages = gp.nsh;
    var tw_off = gp.tw_h;
    if rows {
        l = WgdLayout(maps, gp.stride, gp.pairs, gp.w, 1u, gp.w);
        stages = gp.nsw;
        tw_off = 0u;
    }
    var ns = 1u;
    for (var s = 0u; s < stages; s++) {
        var r = gp.rh[s / 4u][s % 4u];
        if rows {
            r = gp.rw[s / 4u][s % 4u];
        }
        wgd_stage(li, l, r, ns, tw_off, sign);
        ns *= r;
    }
}

// Complex values per stored spectrum row: ⌈w/2⌉ (bins 0 … w/2 for odd w, packed for even w).
fn stored_bins() -> u32 {
    return (gp.w + 1u) / 2u;
}

// Whether bin w/2 rides in the imaginary part of bin 0 (even w).
fn packed() -> bool {
    return (gp.w & 1u) == 0u;
}

// Row-pair value o of a workgroup: (map, pair, point).
fn pair_of(o: u32) -> vec3<u32> {
    let gx = wgd_divmod(o, gp.pairs * gp.w);
    let pm = wgd_divmod(gx.y, gp.w);
    return vec3<u32>(gx.x, pm.x, pm.y);
}

// Writes the values of `maps` maps that the invocation staged in `acc` (value o of the
// workgroup at wgd[map·stride + o % pts]), between barriers.
fn put_staged(li: u32, maps: u32, pts: u32, acc: ptr<function, array<vec2<f32>, WGD_PER>>) {
    workgroupBarrier();
    for (var s = 0u; s < WGD_PER; s++) {
        let o = li + s * WGD_THREADS;
        if o < maps * pts {
            let gx = wgd_divmod(o, pts);
            wgd[gx.x * gp.stride + gx.y] = (*acc)[s];
        }
    }
    workgroupBarrier();
}

// Value m < w of the full spectrum row r (Hermitian completion of the stored bins; the
// imaginary parts of bins 0 and w/2 dropped, as irfft does).
fn full_bin(g: u32, r: u32, m: u32) -> vec2<f32> {
    let row = g * gp.stride + r * stored_bins();
    if m == 0u {
        return vec2<f32>(wgd[row].x, 0.0);
    }
    if 2u * m == gp.w {
        return vec2<f32>(wgd[row].y, 0.0);
    }
    if m < stored_bins() {
        return wgd[row + m];
    }
    return conj(wgd[row + gp.w - m]);
}

// The filtered packed column (bin 0 with bin w/2) at row r of map g. f = F_r and fm = F_{-r} of
// the column's transform F = C0 + i·Ch (C0, Ch: spectra of the real columns 0 and w/2) give
// C0_r = (F_r + conj F_{-r})/2 and Ch_r = (F_r - conj F_{-r})/(2i). irfft2 keeps only the real
// parts of the inverse-transformed columns 0 and w/2, which are the inverse transforms of the
// Hermitian parts of Y = C·W: (C_r·W_r + conj(C_{-r}·W_{-r}))/2 = C_r·(W_r + conj W_{-r})/2, as
// C is Hermitian. Joined as H0 + i·Hh, one inverse column transform yields both real columns.
fn filter_packed(g: u32, r: u32) -> vec2<f32> {
    let h = gp.h;
    let rm = select(h - r, 0u, r == 0u);
    let ws = stored_bins();
    let f = wgd[g * gp.stride + r * ws];
    let fm = conj(wgd[g * gp.stride + rm * ws]);
    let c0 = 0.5 * (f + fm);
    let ch = 0.5 * mul_mi(f - fm);
    let half = gp.w / 2u;
    let w0 = 0.5 * (filt[r * gp.wb] + conj(filt[rm * gp.wb]));
    let wh = 0.5 * (filt[r * gp.wb + half] + conj(filt[rm * gp.wb + half]));
    let h0 = cmul(c0, w0);
    let hh = cmul(ch, wh);
    return vec2<f32>(h0.x - hh.y, h0.y + hh.x);
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    load_params();
    let wgi = linear_workgroup(wid, nwg);
    if wgi >= gp.total_wg {
        return;
    }
    let first = wgi * gp.maps;
    let maps = min(gp.maps, gp.batch - first);
    let h = gp.h;
    let w = gp.w;
    let hw = h * w;
    let pair_pts = gp.pairs * w;
    let ws = stored_bins();
    let spec_pts = h * ws;
    var acc: array<vec2<f32>, WGD_PER>;

    // x → row pairs.
    for (var s = 0u; s < WGD_PER; s++) {
        let o = li + s * WGD_THREADS;
        if o < maps * pair_pts {
            let gpm = pair_of(o);
            let g = gpm.x;
            let p = gpm.y;
            let m = gpm.z;
            let src = (first + g) * hw + 2u * p * w + m;
            var v = vec2<f32>(f32(x[src]), 0.0);
            if 2u * p + 1u < h {
                v.y = f32(x[src + w]);
            }
            wgd[g * gp.stride + p * w + m] = v;
        }
    }
    workgroupBarrier();
    transform(li, maps, true, 1.0);

    // Row pairs → spectrum: Z = X_a + i·X_b splits into X_a = (Z_k + conj Z_{w-k})/2 and
    // X_b = (Z_k - conj Z_{w-k})/(2i). Packed bin 0: X_a = Re Z (bins 0 and w/2 are real),
    // X_b = Im Z.
    for (var s = 0u; s < WGD_PER; s++) {
        let o = li + s * WGD_THREADS;
        if o < maps * spec_pts {
            let gx = wgd_divmod(o, spec_pts);
            let rk = wgd_divmod(gx.y, ws);
            let r = rk.x;
            let k = rk.y;
            let base = gx.x * gp.stride + (r / 2u) * w;
            let zk = wgd[base + k];
            if k == 0u && packed() {
                let zh = wgd[base + w / 2u];
                acc[s] = select(vec2<f32>(zk.y, zh.y), vec2<f32>(zk.x, zh.x), r % 2u == 0u);
            } else {
                let zc = conj(wgd[base + select(w - k, 0u, k == 0u)]);
                acc[s] = select(0.5 * mul_mi(zk - zc), 0.5 * (zk + zc), r % 2u == 0u);
            }
        }
    }
    put_staged(li, maps, spec_pts, &acc);

    // Columns forward, ⊙ W (W is h × (w/2 + 1), rfft2's layout), columns inverse. The packed
    // column reads rows r and -r, so every product goes through registers.
    transform(li, maps, false, 1.0);
    for (var s = 0u; s < WGD_PER; s++) {
        let o = li + s * WGD_THREADS;
        if o < maps * spec_pts {
            let gx = wgd_divmod(o, spec_pts);
            let rk = wgd_divmod(gx.y, ws);
            if rk.y == 0u && packed() {
                acc[s] = filter_packed(gx.x, rk.x);
            } else {
                acc[s] = cmul(wgd[gx.x * gp.stride + gx.y], filt[rk.x * gp.wb + rk.y]);
            }
        }
    }
    put_staged(li, maps, spec_pts, &acc);
    transform(li, maps, false, -1.0);

    // Spectrum → row pairs: Z = X_a + i·X_b over the full (Hermitian) rows.
    for (var s = 0u; s < WGD_PER; s++) {
        let o = li + s * WGD_THREADS;
        if o < maps * pair_pts {
            let gpm = pair_of(o);
            let g = gpm.x;
            let p = gpm.y;
            let m = gpm.z;
            let xa = full_bin(g, 2u * p, m);
            var xb = vec2<f32>(0.0);
            if 2u * p + 1u < h {
                xb = full_bin(g, 2u * p + 1u, m);
            }
            acc[s] = vec2<f32>(xa.x - xb.y, xa.y + xb.x);
        }
    }
    put_staged(li, maps, pair_pts, &acc);
    transform(li, maps, true, -1.0);

    // Row pairs → y (real parts row 2p, imaginary parts row 2p+1), scaled by 1/(h·w).
    for (var s = 0u; s < WGD_PER; s++) {
        let o = li + s * WGD_THREADS;
        if o < maps * pair_pts {
            let gpm = pair_of(o);
            let g = gpm.x;
            let p = gpm.y;
            let m = gpm.z;
            let v = gp.scale * wgd[g * gp.stride + p * w + m];
            let dst = (first + g) * hw + 2u * p * w + m;
            y[dst] = Elem(v.x);
            if 2u * p + 1u < h {
                y[dst + w] = Elem(v.y);
            }
        }
    }
}
