// Mixed-radix DFTs in workgroup memory, any length whose factors are small: a batch of short
// transforms (rows or columns of a tile) held in `wgd` and transformed in place, one Stockham
// stage per call. Each stage of radix r sums its r inputs directly against a twiddle table of
// the transform's n-th roots (the DFT-as-matrix form of the Monarch FFT, for odd radices as for
// even ones), so lengths like 7, 14, 28, 56 need no Bluestein: n·Σr complex products per
// transform instead of n².
//
// Needs `tw2(i)` and `cmul` (fft_base.wgsl) and a twiddle table in `tw`: exp(-2πi·e/n) at
// tw2(off + e) for e < n. A workgroup is WGD_THREADS invocations; each holds at most WGD_PER
// outputs of a stage in registers between the reads and the writes, so a stage moves at most
// WGD_CAP values. Every invocation of the workgroup calls a stage (it has barriers).

const WGD_THREADS: u32 = 256u;
const WGD_CAP: u32 = 2048u;             // 64 × 32: a 64 × 64 real map's packed spectrum, 16 KiB
const WGD_PER: u32 = 8u;                // ⌈WGD_CAP / WGD_THREADS⌉
var<workgroup> wgd: array<vec2<f32>, WGD_CAP>;

// Where a stage's transforms lie: `groups` blocks `gstep` apart, each holding `count`
// transforms of n points; point i of transform t of block g at g·gstep + t·tstep + i·istep.
struct WgdLayout {
    groups: u32,
    gstep: u32,
    count: u32,
    tstep: u32,
    istep: u32,
    n: u32,
}

// (a / d, a % d) for a < 2^22, d ≥ 1, without an integer division (CPU adapters run a vector's
// integer divisions one lane at a time; on lavapipe this made no measurable difference to the
// fused filter, whose time goes to workgroup-memory accesses): an f32 quotient is off by at most
// one, and one step corrects it.
fn wgd_divmod(a: u32, d: u32) -> vec2<u32> {
    var q = u32(f32(a) / f32(d));
    var r = i32(a) - i32(q * d);
    if r < 0 {
        q -= 1u;
        r += i32(d);
    }
    if r >= i32(d) {
        q += 1u;
        r -= i32(d);
    }
    return vec2<u32>(q, u32(r));
}

// One Stockham (self-sorting) stage of radix r after stages whose radices multiply to ns:
// output (b·ns·r + q·ns + a) = Σ_k in[j + k·n/r] · (ω^((a + q·ns)·n/(ns·r)))^k, j = b·ns + a,
// ω = exp(∓2πi/n) (sign = -1.0 conjugates the table: the inverse transform, unscaled).
fn wgd_stage(li: u32, l: WgdLayout, r: u32, ns: u32, tw_off: u32, sign: f32) {
    var acc: array<vec2<f32>, WGD_PER>;
    var dst: array<u32, WGD_PER>;
    let n = l.n;
    let pts = l.count * n;
    let total = l.groups * pts;
    let m = n / r;
    let unit = n / (ns * r);
    for (var s = 0u; s < WGD_PER; s++) {
        let o = li + s * WGD_THREADS;
        if o < total {
            let gr = wgd_divmod(o, pts);
            let ti = wgd_divmod(gr.y, n);
            let base = gr.x * l.gstep + ti.x * l.tstep;
            let ba = wgd_divmod(ti.y, ns);
            let bq = wgd_divmod(ba.x, r);
            let j = bq.x * ns + ba.y;
            // One table read per output; the k-th factor is its k-th power (products in
            // registers instead of r table reads: 1.4–1.9× faster on lavapipe).
            let t = tw2(tw_off + (ba.y + bq.y * ns) * unit);
            let w1 = vec2<f32>(t.x, sign * t.y);
            var w = vec2<f32>(1.0, 0.0);
            var sum = vec2<f32>(0.0);
            for (var k = 0u; k < r; k++) {
                sum += cmul(wgd[base + (j + k * m) * l.istep], w);
                w = cmul(w, w1);
            }
            acc[s] = sum;
            dst[s] = base + ti.y * l.istep;
        }
    }
    workgroupBarrier();
    for (var s = 0u; s < WGD_PER; s++) {
        if li + s * WGD_THREADS < total {
            wgd[dst[s]] = acc[s];
        }
    }
    workgroupBarrier();
}
