#!/usr/bin/env python3
"""Writes shaders/fft/mixed.wgsl: the mixed-radix kernel, one whole transform of a smooth length
(every prime factor ≤ 53, at most MR_SM / 2 points) per workgroup slot, without Bluestein.

Each stage is a Stockham (self-sorting) radix-R step (R = 2 … 25 or a prime to 53): an
invocation takes butterfly j, reads its R inputs j + r·n/R, multiplies them by the stage twiddles
W_(ns·R)^(r·k) (k = j mod ns: one table lookup, then powers in registers), runs the register DFT
of radix R and writes output (j − k)·R + k + r·ns. The first stage reads the caller's buffer, the
last writes it; the stages between ping-pong between two halves of workgroup memory, so no value
is held across a barrier (on lavapipe a barrier turns the shader into coroutines whose live values
sit in memory), or, past what two halves take, share one buffer (ONE_BUFFER).

The radix of stage s is the override MR_R<s> (1: no stage); `main` branches on those overrides
only, so the host's specialisation (src/runtime/specialize.rs) leaves one stage function per
stage. The DFTs of odd prime radix use the symmetric form (pairs x_k ± x_(R−k)): (R−1)²/2 real
multiplies instead of (R−1)²; composite radices nest two smaller DFTs. With RADER, `main` runs
the stages twice (Rader's algorithm for the prime MR_N + 1: two transforms of MR_N points in one
dispatch, src/ops/fft/rader.rs). Run it after editing; the WGSL is checked in."""
import math, pathlib, sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from fft_gen import c, tw_expr  # noqa: E402  (WGSL float literals, constant twiddles)


# Odd prime radices. Primes to 53 beat Bluestein by 2-3x on lavapipe (37: 0.34x its time, 47: 0.5x,
# 53: 0.46-0.66x); 61 only by 0.8x (register spills; docs/kernel-notes.md, stop 41).
ODD = [3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53]
# Composite radices r = a · b up to 25 (every r ≤ 25 then has a stage): b DFTs of a points,
# constant twiddles, a DFTs of b points. Larger radices cost more than they save on lavapipe
# (32 · 25 took 1.2× the time of 10 · 10 · 8 for 800 points, 32 · 3 1.5× that of 12 · 8 for 96;
# docs/kernel-notes.md, stop 41); src/ops/fft/mixed.rs plans with the same list.
COMPOSITE = {
    6: (2, 3), 9: (3, 3), 10: (2, 5), 12: (4, 3), 14: (2, 7), 15: (3, 5), 18: (3, 6),
    20: (4, 5), 21: (3, 7), 22: (2, 11), 24: (4, 6), 25: (5, 5),
}
RADICES = sorted([1, 2, 4, 8, 16] + ODD + list(COMPOSITE))
# Stages of the longest plan: radices to 25 need at most 4 up to 4096 points (7 · 7 · 7 · 7).
MAX_STAGES = 4


def odd_dft(r):
    h = (r - 1) // 2
    lines = [f"fn dft{r}(x: array<vec2<f32>, {r}>) -> array<vec2<f32>, {r}> {{"]
    for k in range(1, h + 1):
        lines.append(f"    let a{k} = x[{k}] + x[{r - k}];")
        lines.append(f"    let b{k} = x[{k}] - x[{r - k}];")
    lines.append("    var y: array<vec2<f32>, %d>;" % r)
    lines.append("    y[0] = x[0] + " + " + ".join(f"a{k}" for k in range(1, h + 1)) + ";")
    for j in range(1, h + 1):
        re = " + ".join(
            f"{c(math.cos(2 * math.pi * j * k / r))} * a{k}" for k in range(1, h + 1)
        )
        im = " + ".join(
            f"{c(math.sin(2 * math.pi * j * k / r))} * b{k}" for k in range(1, h + 1)
        )
        lines.append(f"    let re{j} = x[0] + {re};")
        lines.append(f"    let im{j} = mul_mi({im});")
        lines.append(f"    y[{j}] = re{j} + im{j};")
        lines.append(f"    y[{r - j}] = re{j} - im{j};")
    lines.append("    return y;\n}\n")
    return "\n".join(lines)


def composite_dft(r):
    """The DFT of r = a · b points: input n = n2 + b·n1, output k = k1 + a·k2 (X[k] = Σ_n2
    W_b^(n2·k2) · W_r^(n2·k1) · (DFT_a over n1)[k1])."""
    a, b = COMPOSITE[r]
    lines = [f"fn dft{r}(x: array<vec2<f32>, {r}>) -> array<vec2<f32>, {r}> {{"]
    for n2 in range(b):
        args = ", ".join(f"x[{n2 + b * n1}]" for n1 in range(a))
        lines.append(f"    let u{n2} = dft{a}(array<vec2<f32>, {a}>({args}));")
    lines.append(f"    var y: array<vec2<f32>, {r}>;")
    for k1 in range(a):
        args = ", ".join(tw_expr(f"u{n2}[{k1}]", n2 * k1, r) for n2 in range(b))
        lines.append(f"    let v{k1} = dft{b}(array<vec2<f32>, {b}>({args}));")
        for k2 in range(b):
            lines.append(f"    y[{k1 + a * k2}] = v{k1}[{k2}];")
    lines.append("    return y;\n}\n")
    return "\n".join(lines)


def stage(r):
    pw = []
    for q in range(2, r):
        hb = 1 << (q.bit_length() - 1)
        a, b = (q // 2, q // 2) if q == hb else (hb, q - hb)
        pw.append(f"        let w{q} = cmul(w{a}, w{b});")
    tw = "\n".join(pw)
    tw_apply = "\n".join(f"        x[{q}] = cmul(x[{q}], w{q});" for q in range(1, r))
    reads = "\n".join(f"    x[{q}] = mr_in(s, t, c, j + {q}u * q, &g);" for q in range(r))
    writes = "\n".join(f"    mr_out(s, t, c, o + {q}u * ns, y[{q}], &g);" for q in range(r))
    dft = "x" if r == 1 else f"dft{r}(x)"
    return f"""// Butterfly u of stage s (span ns) of radix {r}, as a validity flag and its R inputs times the
// stage twiddles.
fn mr_load{r}(s: u32, ns: u32, u: u32) -> MrIn{r} {{
    // Butterflies per transform (max: a stage of a radix that does not divide MR_N is never
    // called, but its constant divisor must not be zero).
    let q = max(MR_N / {r}u, 1u);
    var x: array<vec2<f32>, {r}>;
    let b = mr_butterfly(u, q);
    let t = b.x;
    let j = b.y;
    let c = col0 + t;
    if u >= MR_M * q || c >= fp.batch {{
        return MrIn{r}(false, x);
    }}
    // Rader: where input j lies in the row (g^j mod p), then input j + i·q (times g^q).
    var g = 0u;
    if RADER && s == 0u {{
        g = rader[j].x;
    }}
{reads}
    let k = j % ns;
    if ns > 1u {{
        // W_(ns·{r})^k from the fp.n-th roots, its powers by products.
        let w1 = root(k * (MR_N / (ns * {r}u)) * mr_root_step());
{tw}
{tw_apply}
    }}
    return MrIn{r}(true, x);
}}

// The DFT of butterfly u's inputs `a`, written as stage s's outputs.
fn mr_store{r}(s: u32, ns: u32, u: u32, a: MrIn{r}) {{
    if !a.ok {{
        return;
    }}
    let q = max(MR_N / {r}u, 1u);
    let b = mr_butterfly(u, q);
    let t = b.x;
    let j = b.y;
    let c = col0 + t;
    let x = a.x;
    let y = {dft};
    let k = j % ns;
    let o = (j - k) * {r}u + k;
    // Rader: where output o goes in the row (g^-o mod p), then output o + i·ns (times g^-ns).
    var g = 0u;
    if RADER && mr_last(s) {{
        g = rader[o].y;
    }}
{writes}
}}

// Stage s of radix {r}: the butterflies of the workgroup's transforms in turn, or (ONE_BUFFER) at
// most two per invocation, all read before any is written.
fn mr_stage{r}(s: u32, ns: u32, li: u32) {{
    let q = max(MR_N / {r}u, 1u);
    if ONE_BUFFER {{
        // A second butterfly only where the stage has more than MR_WG (a constant).
        let two = MR_M * q > MR_WG;
        let a = mr_load{r}(s, ns, li);
        var b: MrIn{r};
        if two {{
            b = mr_load{r}(s, ns, li + MR_WG);
        }}
        if s > 0u && !mr_last(s) {{
            workgroupBarrier();
        }}
        mr_store{r}(s, ns, li, a);
        if two {{
            mr_store{r}(s, ns, li + MR_WG, b);
        }}
    }} else {{
        for (var u = li; u < MR_M * q; u += MR_WG) {{
            mr_store{r}(s, ns, u, mr_load{r}(s, ns, u));
        }}
    }}
}}

struct MrIn{r} {{
    ok: bool,
    x: array<vec2<f32>, {r}>,
}}
"""


def main_fn():
    """The stages of one transform, then (RADER) those of the second, stage MR_STAGES + s with
    the radix and span of stage s."""
    out = []
    for second in (False, True):
        for s in range(MAX_STAGES):
            span = " * ".join(f"MR_R{i}" for i in range(s)) or "1u"
            index = f"MR_STAGES + {s}u" if second else f"{s}u"
            chain = " else ".join(
                f"if MR_R{s} == {r}u {{\n        mr_stage{r}({index}, {span}, li);\n    }}"
                for r in RADICES
            )
            barrier = f"    if !mr_last({index}) {{\n        workgroupBarrier();\n    }}"
            gate = f"RADER && {s}u < MR_STAGES" if second else f"{s}u < MR_STAGES"
            name = f"Stage {s} of Rader's second transform" if second else f"Stage {s}"
            out.append(f"    // {name}.\n    if {gate} {{\n    {chain}\n{barrier}\n    }}")
    return "\n".join(out)


text = f"""// GENERATED by gen_mixed.py: do not edit by hand.
//
// Mixed-radix complex FFT of a smooth length MR_N (every prime factor ≤ 53): MR_M transforms per
// workgroup, every stage a Stockham radix-R step with a register DFT (see gen_mixed.py). The
// first stage reads the input (at stride fp.a1 when STRIDED), the last writes the output
// (conjugated and scaled by fp.flags / fp.scale for the inverse); the stages between ping-pong
// through the two halves of workgroup memory. Twiddles: `root(e)` is exp(-2πi·e/fp.n), e < fp.n
// (fp.n = MR_N · fp.a3: the whole transform of a MULTI pass, else MR_N with fp.a3 = 1; with
// RADER the roots of MR_N points, whatever the pass).

// Points per transform, transforms per workgroup, invocations, stages and their radices (1: none).
override MR_N: u32 = 6u;
override MR_M: u32 = 1u;
override MR_WG: u32 = 64u;
override MR_STAGES: u32 = 2u;
""" + "".join(f"override MR_R{s}: u32 = 1u;\n" for s in range(MAX_STAGES)) + f"""// Transform b reads and writes its values at stride fp.a1 (b = outer·a1 + inner, value i at
// outer·a1·MR_N + inner + i·a1): an FFT along a non-last axis of a row-major array.
override STRIDED: bool = false;
// The input is the output buffer (the steps of an N-D chain in place): each workgroup reads all
// values of its transforms in the first stage and writes them in the last.
override IN_PLACE: bool = false;
// One pass of a longer transform (fp.n points, fp.n / MR_N = fp.a3 columns each): column j reads
// x[j + i·a3] with the cross-pass twiddle and writes Stockham order at span fp.ns (the passes of
// the power-of-two core, with mixed radices).
override MULTI: bool = false;
// One transform in one buffer of workgroup memory (MR_SM = MR_N): every stage reads its inputs,
// waits for the workgroup, then writes its outputs over them, at most two butterflies per
// invocation. Twice the points of the two halves; the values of two butterflies live across a
// barrier.
override ONE_BUFFER: bool = false;
// Rader's algorithm for the prime MR_N + 1 (src/ops/fft/rader.rs), rows of MR_N + 1 values in
// and out (with MULTI: the columns of the first pass of a longer transform, ns = 1): the first transform takes the values x_(g^i) gathered by the table, its last stage
// writes X_0 = x_0 + A_0 out and conj(A_k·B_k) (plus MR_N·x_0 at k = 0) to workgroup memory,
// and a second transform of those (stages MR_STAGES …, the same radices) gives
// MR_N·conj(X_(g^-i)), scattered by the table.
override RADER: bool = false;

// Rader's table, entry i: (g^i mod p, g^-i mod p), p = MR_N + 1; fp.a4 = g^(MR_N / MR_R0) and
// fp.a5 = g^-(MR_N / R_last) mod p step the gather and the scatter from one lookup per
// butterfly. B, the MR_N-point transform of exp(-2πi·g^-q/p), follows the roots: B_i =
// root(MR_N + i).
@group(0) @binding(5) var<storage, read> rader: array<vec2<u32>>;

// The workgroup memory (`sm1_ld` / `sm1_st`, MR_SM = 2 · MR_M · MR_N values in two halves, or
// MR_N with ONE_BUFFER) and
// the roots (`root`, binding 4) are declared by shaders/common/fft_mixed_vec.wgsl or
// fft_mixed_wide.wgsl (64-bit words, for CPU adapters).
var<private> col0: u32;

// Values per transform in and out: MR_N, or Rader's prime MR_N + 1.
fn mr_len() -> u32 {{
    return MR_N + select(0u, 1u, RADER);
}}

// What the stage twiddles' root index is scaled by: the pass's columns fp.a3 (the roots are of
// fp.n points), or 1 for Rader's transforms (the roots of MR_N points).
fn mr_root_step() -> u32 {{
    return select(fp.a3, 1u, RADER);
}}

// Where value i of transform c lies in the input (MULTI: column c = b·fp.a3 + j of a pass of a
// longer transform, at stride fp.a3; STRIDED: at stride fp.a1).
fn mr_in_addr(c: u32, i: u32) -> u32 {{
    if MULTI {{
        return (c / fp.a3) * fp.n + c % fp.a3 + i * fp.a3;
    }}
    if STRIDED {{
        return (c / fp.a1) * fp.a1 * mr_len() + c % fp.a1 + i * fp.a1;
    }}
    return c * mr_len() + i;
}}

// Where output i of transform c goes (MULTI: Stockham order across passes, span fp.ns).
fn mr_out_addr(c: u32, i: u32) -> u32 {{
    if MULTI {{
        let j = c % fp.a3;
        let k = j % fp.ns;
        return (c / fp.a3) * fp.n + (j - k) * mr_len() + k + i * fp.ns;
    }}
    return mr_in_addr(c, i);
}}

// Transform t of the workgroup and butterfly j of it that invocation slot u takes in a stage of
// q butterflies per transform.
fn mr_butterfly(u: u32, q: u32) -> vec2<u32> {{
    if STRIDED || MULTI {{
        // Adjacent invocations take adjacent transforms: adjacent in memory.
        return vec2<u32>(u % MR_M, u / MR_M);
    }}
    return vec2<u32>(u / q, u % q);
}}

// Where stage s's input half of workgroup memory starts (s > 0).
fn mr_half(s: u32) -> u32 {{
    if ONE_BUFFER {{
        return 0u;
    }}
    return (s & 1u) * MR_M * MR_N;
}}

// Input i of stage s for transform t of the workgroup (transform c of the batch); g: where
// Rader's gather finds it in the row, stepped to the butterfly's next input (times fp.a4 mod p: a
// product of two values under 2^13 and a modulus the host makes a literal cost less than a table
// lookup on CPU adapters).
fn mr_in(s: u32, t: u32, c: u32, i: u32, g: ptr<function, u32>) -> vec2<f32> {{
    if s == 0u {{
        let sign = select(1.0, -1.0, (fp.flags & 1u) != 0u);
        var e = mr_in_addr(c, i);
        if RADER {{
            e = mr_in_addr(c, *g);
            *g = *g * fp.a4 % (MR_N + 1u);
        }}
        var v: vec2<f32>;
        if IN_PLACE {{
            v = lde_dst(e);
        }} else {{
            v = lde_src(e);
        }}
        v *= vec2<f32>(1.0, sign);
        if MULTI && fp.ns > 1u {{
            // The cross-pass twiddle W_(ns·MR_N)^(i·k), k = j mod ns (< fp.n: no wrap).
            let k = (c % fp.a3) % fp.ns;
            v = cmul(v, root(i * k * (fp.n / (fp.ns * MR_N))));
        }}
        return v;
    }}
    return sm1_ld(mr_half(s + 1u) + t * MR_N + i);
}}

// Whether stage s writes the output: the last of the transform, or of Rader's second.
fn mr_last(s: u32) -> bool {{
    return s + 1u == select(MR_STAGES, 2u * MR_STAGES, RADER);
}}

// Output i of the last stage of Rader's first transform, v = A_i (transform t of the workgroup,
// c of the batch): X_0 = x_0 + A_0 goes out (finished as the second transform's outputs are, less
// its factor MR_N and its conjugate); conj(A_i·B_i) goes to workgroup memory, with MR_N·x_0 added
// to A_0·B_0 (x_0 added to every value of the cyclic convolution). The conjugate lets the
// second transform run forward.
fn mr_rader_mid(s: u32, t: u32, c: u32, i: u32, v: vec2<f32>) {{
    var y = cmul(v, root(MR_N + i));
    if i == 0u {{
        let x0 = lde_src(mr_in_addr(c, 0u)) * vec2<f32>(1.0, select(1.0, -1.0, (fp.flags & 1u) != 0u));
        y += f32(MR_N) * x0;
        let sign = select(1.0, -1.0, (fp.flags & 2u) != 0u);
        let s0 = f32(MR_N) * fp.scale;
        ste_dst(mr_out_addr(c, 0u), (x0 + v) * vec2<f32>(s0, -sign * s0));
    }}
    sm1_st(mr_half(s) + t * MR_N + i, conj(y));
}}

// Output i of stage s; g: where Rader's scatter puts it in the row, stepped as `mr_in` steps its
// (times fp.a5).
fn mr_out(s: u32, t: u32, c: u32, i: u32, v: vec2<f32>, g: ptr<function, u32>) {{
    let sign = select(1.0, -1.0, (fp.flags & 2u) != 0u);
    let out = v * vec2<f32>(fp.scale, sign * fp.scale);
    if RADER {{
        if s + 1u == MR_STAGES {{
            mr_rader_mid(s, t, c, i, v);
        }} else if mr_last(s) {{
            // v = MR_N·conj(X_(g^-i)): fp.scale holds the 1 / MR_N, fp.flags the conjugate.
            ste_dst(mr_out_addr(c, *g), out);
            *g = *g * fp.a5 % (MR_N + 1u);
        }} else {{
            sm1_st(mr_half(s) + t * MR_N + i, v);
        }}
        return;
    }}
    if s + 1u == MR_STAGES {{
        ste_dst(mr_out_addr(c, i), out);
        return;
    }}
    sm1_st(mr_half(s) + t * MR_N + i, v);
}}

""" + "\n".join(odd_dft(r) for r in ODD) + "\n" + "\n".join(composite_dft(r) for r in COMPOSITE) + "\n" + "\n".join(stage(r) for r in RADICES) + f"""
@compute @workgroup_size(MR_WG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {{
    load_params();
    // Workgroups past the last transform leave together (uniform); see stockham.wgsl.
    let first = linear_workgroup(wid, nwg) * MR_M;
    col0 = first;
    if first >= fp.batch {{
        return;
    }}
{main_fn()}
}}
"""

pathlib.Path(__file__).with_name("mixed.wgsl").write_text(text)
