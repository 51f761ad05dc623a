"""Helpers shared by the FFT shader generators (gen_fft_core.py, ../fft/gen_mixed.py): WGSL float
literals, constant-twiddle products, and the register DFTs of radix 2..16, which live in
fft_base.wgsl for every FFT kernel. ../fft/gen_stockham_sg.py keeps its own literals (nine
digits, |v| < 1e-12 written as 0.0): the same f32 values in all but rare double roundings, but
switching would rewrite its checked-in kernel for no gain."""
import math, pathlib

def c(x):
    s = f"{x:.17g}"
    return s if ('.' in s or 'e' in s) else s + ".0"

def tw_expr(v, k, n):
    k %= n
    if k == 0:
        return v
    if 4 * k == n:
        return f"mul_mi({v})"
    a = -2 * math.pi * k / n
    return f"cmul({v}, vec2<f32>({c(math.cos(a))}, {c(math.sin(a))}))"

def dft_functions():
    """dft2 and dft4 written out, dft8 and dft16 by one radix-2 step with constant twiddles."""
    out = ["""fn dft2(x: array<vec2<f32>, 2>) -> array<vec2<f32>, 2> {
    return array<vec2<f32>, 2>(x[0] + x[1], x[0] - x[1]);
}

fn dft4(x: array<vec2<f32>, 4>) -> array<vec2<f32>, 4> {
    let t0 = x[0] + x[2];
    let t1 = x[0] - x[2];
    let t2 = x[1] + x[3];
    let t3 = mul_mi(x[1] - x[3]);
    return array<vec2<f32>, 4>(t0 + t2, t1 + t3, t0 - t2, t1 - t3);
}
"""]
    for n in [8, 16]:
        h = n // 2
        ev = ", ".join(f"x[{2*i}]" for i in range(h))
        od = ", ".join(f"x[{2*i+1}]" for i in range(h))
        lines = [f"fn dft{n}(x: array<vec2<f32>, {n}>) -> array<vec2<f32>, {n}> {{",
                 f"    let e = dft{h}(array<vec2<f32>, {h}>({ev}));",
                 f"    let o = dft{h}(array<vec2<f32>, {h}>({od}));"]
        for k in range(h):
            lines.append(f"    let t{k} = {tw_expr(f'o[{k}]', k, n)};")
        outs = [f"e[{k}] + t{k}" for k in range(h)] + [f"e[{k}] - t{k}" for k in range(h)]
        lines.append(f"    return array<vec2<f32>, {n}>(")
        for i in range(0, n, 8):
            lines.append("        " + ", ".join(outs[i:i+8]) + ",")
        lines.append("    );\n}\n")
        out.append("\n".join(lines))
    return "\n".join(out)

def write_dfts():
    """Rewrites the generated DFT section of fft_base.wgsl (between its markers)."""
    path = pathlib.Path(__file__).with_name("fft_base.wgsl")
    text = path.read_text()
    start = "// ---- GENERATED DFTS by gen_fft_core.py: do not edit by hand ----\n"
    end = "// ---- END GENERATED DFTS ----\n"
    if start not in text or end not in text:
        raise SystemExit("fft_base.wgsl: markers missing")
    body = start + dft_functions() + end
    path.write_text(text[:text.index(start)] + body + text[text.index(end) + len(end):])
