#!/usr/bin/env python3
"""Writes the generated section of shaders/common/fft_core.wgsl (between the GENERATED markers):
the butterfly-pair kernels `bfR` / `wr1_R` / `wrn_R` (every
invocation owns 16/R pairs of adjacent radix-R butterflies = 32 values, moved as vec4), the stage
functions `fstR` (first stage from the kernel's loads), `fsmR` (first stage from workgroup
memory), `lstR` (later stages) and `sub_fft`, which runs the radix plan of FFT_P. Straight-line code with constant indices only: lavapipe executes both sides
of every branch it cannot fold and spills dynamically indexed private arrays to scratch memory,
so every branch here is on an override or on a literal argument the compiler folds after
inlining. It also rewrites the register DFTs of radix 2..16 in fft_base.wgsl (fft_gen.py).
Run it after editing; the WGSL is checked in, nothing is generated at run time."""
import math, pathlib

from fft_gen import c, tw_expr, write_dfts

out = []
def pw_def(name, r):
    hb = 1 << (r.bit_length() - 1)
    if r == hb:
        return f"{name}{r} = cmul({name}{r//2}, {name}{r//2})"
    return f"{name}{r} = cmul({name}{hb}, {name}{r-hb})"

def pows(name, R, ind):
    return "\n".join(f"{ind}let {pw_def(name, r)};" for r in range(2, R))

for R in [2, 4, 8, 16]:
    lr = R.bit_length() - 1
    # Butterfly pair: load R vec4 (input r of butterflies j and j+1), twiddle, DFT both.
    reads = ",\n        ".join(f"fft_read2(first, m, j + {r}u * s)" for r in range(R))
    a_list = ", ".join(f"v[{r}].xy" for r in range(R))
    b_list = ", ".join(f"v[{r}].zw" for r in range(R))
    cross = "\n".join(f"        a[{r}] = cmul(a[{r}], c{r});\n        b[{r}] = cmul(b[{r}], cmul(c{r}, d));" for r in range(1, R))
    stage_tw = "\n".join(f"        a[{r}] = cmul(a[{r}], p{r});\n        b[{r}] = cmul(b[{r}], q{r});" for r in range(1, R))
    out.append(f"""// Butterflies j and j+1 (j even) of column m in a radix-{R} stage of span 2^log_ns.
fn bf{R}(first: bool, m: u32, j: u32, log_ns: u32) -> array<vec4<f32>, {R}> {{
    let s = FFT_P / {R}u;
    let v = array<vec4<f32>, {R}>(
        {reads},
    );
    var a = array<vec2<f32>, {R}>({a_list});
    var b = array<vec2<f32>, {R}>({b_list});
    if first && FFT_TW_IN {{
        // Cross-pass twiddles W^(e·k), e = j + r·s (+1 for b): W^(jk)·(W^(sk))^r.
        let k = fft_tw_k(m);
        let lp = fp.log_ns + log2u(FFT_P);
        let msk = (1u << lp) - 1u;
        let c0 = twiddle((j * k) & msk, lp);
        let d = twiddle(k & msk, lp);
        let c1 = twiddle((s * k) & msk, lp);
{pows('c', R, '        ')}
        a[0] = cmul(a[0], c0);
        b[0] = cmul(b[0], cmul(c0, d));
""" + "\n".join(f"        let e{r} = cmul(c0, c{r});" for r in range(1, R)) + "\n" +
    "\n".join(f"        a[{r}] = cmul(a[{r}], e{r});\n        b[{r}] = cmul(b[{r}], cmul(e{r}, d));" for r in range(1, R)) + f"""
    }}
    if log_ns > 0u {{
        let k = j & ((1u << log_ns) - 1u);
        let w = stage_tw((({R}u << log_ns) + k) >> 1u);
        let p1 = w.xy;
        let q1 = w.zw;
{pows('p', R, '        ')}
{pows('q', R, '        ')}
{stage_tw}
    }}
    let ya = dft{R}(a);
    let yb = dft{R}(b);
    return array<vec4<f32>, {R}>(
        """ + ",\n        ".join(f"vec4<f32>(ya[{r}], yb[{r}])" for r in range(R)) + f""",
    );
}}

// Writes the outputs of butterflies j, j+1 (y: (a, b) pairs) of a span-1 stage: butterfly j
// writes j*{R} + r, so the pairs are (r, r+1) of one butterfly.
fn wr1_{R}(last: bool, m: u32, j: u32, y: array<vec4<f32>, {R}>) {{
""" + "\n".join(f"    fft_write2(last, m, j * {R}u + {2*q}u, vec4<f32>(y[{2*q}].xy, y[{2*q+1}].xy));\n    fft_write2(last, m, j * {R}u + {R + 2*q}u, vec4<f32>(y[{2*q}].zw, y[{2*q+1}].zw));" for q in range(R // 2)) + f"""
}}

// The same for span 2^log_ns > 1: outputs r of j and j+1 are neighbours.
fn wrn_{R}(last: bool, m: u32, j: u32, log_ns: u32, y: array<vec4<f32>, {R}>) {{
    let ns = 1u << log_ns;
    let base = ((j >> log_ns) << (log_ns + {lr}u)) + (j & (ns - 1u));
""" + "\n".join(f"    fft_write2(last, m, base + {r}u * ns, y[{r}]);" for r in range(R)) + f"""
}}
""")
    per = 16 // R
    def pair(q, log_ns):
        return f"    let g{q} = li + {q}u * FFT_WG;\n    let m{q} = g{q} / max(FFT_P / {2*R}u, 1u);\n    let j{q} = (g{q} % max(FFT_P / {2*R}u, 1u)) * 2u;\n    let y{q} = bf{R}({'true' if log_ns == '0u' and False else 'false'}, m{q}, j{q}, {log_ns});"
    # First stage from the kernel's loads: no barrier between reads and writes, so one pair per
    # loop iteration (less code to compile).
    out.append(f"""// First stage (span 1) reading through fft_load2: {per} pair(s) per invocation (no barrier
// between reads and writes: nothing else reads what it writes), then a barrier.
fn fst{R}(li: u32) {{
""" + "\n".join(pair(q, "0u").replace(f"bf{R}(false", f"bf{R}(true") + f"\n    wr1_{R}(false, m{q}, j{q}, y{q});" for q in range(per)) + f"""
    workgroupBarrier();
}}

// First stage (span 1) from workgroup memory: all reads, barrier, all writes, barrier.
fn fsm{R}(li: u32) {{
""" + "\n".join(pair(q, "0u") for q in range(per)) + """
    workgroupBarrier();
""" + "\n".join(f"    wr1_{R}(false, m{q}, j{q}, y{q});" for q in range(per)) + f"""
    workgroupBarrier();
}}

// A later stage of span 2^log_ns (reads workgroup memory); with `last` it writes through
// fft_store2 (no barrier needed), else back to workgroup memory between two barriers.
fn lst{R}(li: u32, log_ns: u32, last: bool) {{
""" + "\n".join(pair(q, "log_ns") for q in range(per)) + """
    if !last {
        workgroupBarrier();
    }
""" + "\n".join(f"    wrn_{R}(last, m{q}, j{q}, log_ns, y{q});" for q in range(per)) + """
    if !last {
        workgroupBarrier();
    }
}
""")

out.append("""// The forward FFT_P-point DFT of every column of the workgroup. Radix plan: a first stage of
// radix R1 (FFT_P = 4: 2·2, 8: 2·4, 16: 4·4, else R1 = 2^(log P mod 4) or 16), radix-16 middle
// stages in a loop and a last stage. With `from_load` the first stage reads through fft_load2,
// else from workgroup memory (column m at values m*P ..); with `to_store` the last stage writes
// through fft_store2, else back to workgroup memory in natural order, followed by a barrier.
fn sub_fft(li: u32, from_load: bool, to_store: bool) {
    // (Also keeps FFT_SM used in a function body, which naga needs; the host sets it right.)
    if FFT_SM < FFT_P * FFT_M / 2u {
        return;
    }
    if FFT_P == 2u {
        fft_p2(li, from_load, to_store);
        return;
    }
    // Constant expressions of overrides only (no `var`s), so that the host's pipeline
    // specialisation folds them and drops the radix paths this FFT_P does not take.
    let lp = 31u - countLeadingZeros(FFT_P);
    let m4 = lp % 4u;
    let l1 = select(select(select(m4, 4u, m4 == 0u), 2u, lp == 4u), 1u, lp <= 3u);
    let ll = select(4u, lp - l1, lp <= 4u);
    if l1 == 1u {
        if from_load { fst2(li); } else { fsm2(li); }
    } else if l1 == 2u {
        if from_load { fst4(li); } else { fsm4(li); }
    } else if l1 == 3u {
        if from_load { fst8(li); } else { fsm8(li); }
    } else {
        if from_load { fst16(li); } else { fsm16(li); }
    }
    var log_ns = l1;
    loop {
        if log_ns + ll >= lp {
            break;
        }
        lst16(li, log_ns, false);
        log_ns += 4u;
    }
    if ll == 1u {
        lst2(li, log_ns, to_store);
    } else if ll == 2u {
        lst4(li, log_ns, to_store);
    } else {
        lst16(li, log_ns, to_store);
    }
}
""")

path = pathlib.Path(__file__).with_name("fft_core.wgsl")
text = path.read_text()
start = "// ---- GENERATED by gen_fft_core.py: do not edit by hand ----\n"
end = "// ---- END GENERATED ----\n"
body = start + "\n".join(out) + end
if start in text:
    text = text[:text.index(start)] + body + text[text.index(end) + len(end):]
else:
    raise SystemExit("markers missing")
path.write_text(text)
write_dfts()
