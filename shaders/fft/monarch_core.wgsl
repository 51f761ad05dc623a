// Monarch / matrix FFT core shared by the tiled (f32) and cooperative-matrix (f16 operands, f32
// accumulation) kernels: pass parameters, twiddles, and the index maps between the dense
// DFT-matrix GEMMs of one workgroup.
//
// A workgroup transforms 2^MP_LOG_M columns of P = 2^MP_LOG_P points (P*M complex values). The
// P-point DFT is S = ceil(MP_LOG_P / MP_LOG_R) stages, Stockham order (natural in and out): stage
// l of radix R_l (R = 2^MP_LOG_R, the first stage R_0 <= R takes the remainder), span ns_l =
// R_0*R*...; butterfly j < P/R_l reads element j + r*(P/R_l), multiplies it by
// w_{ns*R_l}^{r*(j mod ns)}, and its output o lands on (j/ns)*ns*R_l + (j mod ns) + o*ns.
// Each stage is ONE real GEMM  C[2R x P*M/R] = A[2R x 2R] * B[2R x P*M/R]:
//  - complex arithmetic in [Re;Im] block form, interleaved: B row 2r holds Re x_r, row 2r+1
//    Im x_r; A's 2x2 block (o, r) is [[Re F, -Im F], [Im F, Re F]] of F = exp(-2πi·o·r/R_l);
//    C row 2o / 2o+1 is Re / Im y_o. (4 real products per complex one, like 4M complex GEMM;
//    Gauss's 3-mult form saves a quarter of the products but adds the operand sums, which cost
//    an extra rounding of the f16 operands on the coop path and do not map onto one GEMM.)
//  - a stage of smaller radix R_l = R/g is the block-diagonal matrix I_g ⊗ F_{R_l}: each GEMM
//    column then holds g independent butterflies (column c, block b: butterfly q = c*g + b).
// The host uploads A for every radix 2^1..2^MP_LOG_R k-major (dftm[k * 2R + row], one 4R^2 block
// per log2 radix) and the in-workgroup twiddles exp(-2πi·t/2^MP_LOG_LT) (ltw).
// Between passes (multi-pass transforms) the cross-pass twiddle comes from the fine/coarse
// table tw, built in f64 on the host like the Stockham kernels'.

struct MonarchParams {
    n: u32,        // points of the whole transform
    log_n: u32,
    ns: u32,       // Stockham span before this pass (1 for the first pass)
    log_ns: u32,
    cols: u32,     // sub-FFT columns in all: batch * n / P
    log_tw: u32,   // twiddle table base length 2^log_tw
    log_f: u32,    // its fine part has 2^log_f entries
    flags: u32,    // bit 0: conjugate the input, bit 1: conjugate the output
    scale: f32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

// Binding 0 holds the parameters: `mp: MonarchParams`, declared with `load_params()` by the generated
// prelude (see `shaders::source`); every entry point calls `load_params()` first.
@group(0) @binding(1) var<storage, read> tw: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> src: array<vec2<Elem>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec2<Elem>>;
@group(0) @binding(4) var<storage, read> dftm: array<f32>;
@group(0) @binding(5) var<storage, read> ltw: array<vec2<f32>>;

override MP_LOG_P: u32 = 11u;        // sub-FFT length P = 2^MP_LOG_P
override MP_LOG_M: u32 = 0u;         // columns per workgroup M = 2^MP_LOG_M (P*M fixed per config)
override MP_LOG_R: u32 = 4u;         // DFT matrix size R = 2^MP_LOG_R
override MP_LOG_LT: u32 = 11u;       // ltw has 2^MP_LOG_LT entries (>= P)
override MP_COL_FAST: bool = false;  // load/store order: columns fastest (strided passes)
override MP_NSG: u32 = 4u;           // coop variant: subgroups per workgroup

var<private> mp_col0: u32;

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

// exp(-2πi t / 2^log_l) for t < 2^log_l <= 2^log_tw (fine * coarse).
fn mp_twiddle(t: u32, log_l: u32) -> vec2<f32> {
    let i = t << (mp.log_tw - log_l);
    let f = tw[i & ((1u << mp.log_f) - 1u)];
    let c = tw[(1u << mp.log_f) + (i >> mp.log_f)];
    return cmul(f, c);
}

fn mp_stages() -> u32 {
    return (MP_LOG_P + MP_LOG_R - 1u) / MP_LOG_R;
}

// log2 of the radix of stage l.
fn mp_lr(l: u32) -> u32 {
    if l == 0u {
        return MP_LOG_P - (mp_stages() - 1u) * MP_LOG_R;
    }
    return MP_LOG_R;
}

// log2 of the span before stage l.
fn mp_lns(l: u32) -> u32 {
    if l == 0u {
        return 0u;
    }
    return mp_lr(0u) + (l - 1u) * MP_LOG_R;
}

// Where element e of column m enters stage l: x = B row (2r, even: real part), y = B column.
fn mp_in_slot(l: u32, m: u32, e: u32) -> vec2<u32> {
    let lr = mp_lr(l);
    let lq = MP_LOG_P - lr;
    let r = e >> lq;
    let j = e & ((1u << lq) - 1u);
    let q = (m << lq) + j;
    let lg = MP_LOG_R - lr;
    let b = q & ((1u << lg) - 1u);
    return vec2<u32>(2u * ((b << lr) + r), q >> lg);
}

// The twiddle element e of any column is multiplied by on entering stage l.
fn mp_in_twiddle(l: u32, e: u32) -> vec2<f32> {
    let lns = mp_lns(l);
    if lns == 0u {
        return vec2<f32>(1.0, 0.0);
    }
    let lr = mp_lr(l);
    let lq = MP_LOG_P - lr;
    let r = e >> lq;
    let k = e & ((1u << lns) - 1u);
    return ltw[(r * k) << (MP_LOG_LT - lns - lr)];
}

// Which element (x = column m, y = element e) output row pair p (C rows 2p, 2p+1) of GEMM
// column c of stage l is.
fn mp_out_elem(l: u32, p: u32, c: u32) -> vec2<u32> {
    let lr = mp_lr(l);
    let lg = MP_LOG_R - lr;
    let b = p >> lr;
    let o = p & ((1u << lr) - 1u);
    let q = (c << lg) + b;
    let lq = MP_LOG_P - lr;
    let j = q & ((1u << lq) - 1u);
    let lns = mp_lns(l);
    let e = ((j >> lns) << (lns + lr)) + (j & ((1u << lns) - 1u)) + (o << lns);
    return vec2<u32>(q >> lq, e);
}

// Column m and element e of the t-th value a workgroup loads or stores (memory order).
fn mp_order(t: u32) -> vec2<u32> {
    if MP_COL_FAST {
        return vec2<u32>(t & ((1u << MP_LOG_M) - 1u), t >> MP_LOG_M);
    }
    return vec2<u32>(t >> MP_LOG_P, t & ((1u << MP_LOG_P) - 1u));
}

// Element e of the workgroup's column m from the pass input: conjugated for the inverse,
// multiplied by the cross-pass twiddle w_{ns*P}^{e*(j mod ns)}. Zero past the last column.
fn mp_load(m: u32, e: u32) -> vec2<f32> {
    let c = mp_col0 + m;
    if c >= mp.cols {
        return vec2<f32>(0.0);
    }
    let log_q = mp.log_n - MP_LOG_P;
    let b = c >> log_q;
    let j = c & ((1u << log_q) - 1u);
    var v = vec2<f32>(src[(b << mp.log_n) + j + (e << log_q)]);
    if (mp.flags & 1u) != 0u {
        v.y = -v.y;
    }
    if mp.log_ns > 0u {
        let k = j & (mp.ns - 1u);
        let lp = mp.log_ns + MP_LOG_P;
        v = cmul(v, mp_twiddle((e * k) & ((1u << lp) - 1u), lp));
    }
    return v;
}

// Output o of the workgroup's column m to the pass output (Stockham order), conjugated and
// scaled for the inverse.
fn mp_store(m: u32, o: u32, v_in: vec2<f32>) {
    let c = mp_col0 + m;
    if c >= mp.cols {
        return;
    }
    let log_q = mp.log_n - MP_LOG_P;
    let b = c >> log_q;
    let j = c & ((1u << log_q) - 1u);
    let k = j & (mp.ns - 1u);
    let idx = ((j >> mp.log_ns) << (mp.log_ns + MP_LOG_P)) + k + (o << mp.log_ns);
    var v = v_in;
    if (mp.flags & 2u) != 0u {
        v.y = -v.y;
    }
    dst[(b << mp.log_n) + idx] = vec2<Elem>(v * mp.scale);
}
