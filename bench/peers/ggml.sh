#!/usr/bin/env bash
# ggml-vulkan (llama.cpp's Vulkan backend) side by side with wgkernels' GEMM on Mesa 26 lavapipe,
# in alternating rounds, in ggml's own layout.
#
#   bash bench/peers/ggml.sh GGML_SRC [ROUNDS]
#   GGML_ONLY="4096 1 4096 f32" bash bench/peers/ggml.sh GGML_SRC 3   # the GEMV only
#   GGML_OURS=nt@tiled bash bench/peers/ggml.sh GGML_SRC 3  # ours forced onto the tiled kernel
#
# GGML_SRC: a checkout of github ggml-org/ggml (measured: d99724f, 2026-08-21), kept outside this
# repository. It is built in a copy of the trixie root (.ci/root, Mesa 26) under
# ${GGML_BUILD:-/tmp/ggml-build}, never in this tree: ggml-vulkan needs newer Vulkan headers than
# Debian 12 has. The build (apt cmake g++ make glslc libvulkan-dev spirv-headers in that root,
# target test-backend-ops) takes ~15 min on 2 idle cores; it adds our shapes to ggml's perf list
# (`make_test_cases_perf`) first. Each round runs ggml's `test-backend-ops perf -o MUL_MAT` on
# the CPU device (`GGML_VK_VISIBLE_DEVICES=0`; it skips CPU devices otherwise) and then our
# `examples/gemm_layouts` in the same root, for every shape, so load moves both alike.
#
# ggml's mul_mat(a: m×k, b: n×k) is our `C = B·Aᵀ` with M = n (tokens), N = m (outputs), K = k:
# the linear layer's layout, `GemmDesc::trans(false, true)` (NT). Its f16 case takes f16 weights
# and f32 activations; ours takes f16 for both operands (f32 accumulation).
set -euo pipefail
src=${1:?usage: ggml.sh GGML_SRC [ROUNDS]}
src=$(cd "$src" && pwd)
rounds=${2:-3}
build=${GGML_BUILD:-/tmp/ggml-build}
repo=$(cd "$(dirname "$0")/../.." && pwd)
root="$build/root"
# (ggml m, n, k, type) = (our N, M, K); the GEMV is one token.
shapes=("1024 1024 1024 f32" "4096 512 4096 f32" "1024 1024 1024 f16" "4096 512 4096 f16" "4096 1 4096 f32")
# GGML_ONLY="4096 1 4096 f32" times only the shapes containing that text (the build keeps all).
only=${GGML_ONLY:-}
# GGML_OURS: our side as a `gemm_layouts` layout spec, NT (ggml's layout) with an optional forced
# variant, e.g. `nt@tiled` for the kernel a GPU without a tuned subgroup/coop path runs.
ours_spec=${GGML_OURS:-nt}
[[ "$ours_spec" == nt || "$ours_spec" == nt@* ]] || { echo "ggml.sh: GGML_OURS must be nt or nt@VARIANT" >&2; exit 2; }

if [ ! -x "$root/src/build/bin/test-backend-ops" ]; then
    [ -d "$repo/.ci/root/usr" ] || { echo "ggml.sh: run .ci/trixie-root.sh first" >&2; exit 2; }
    rm -rf "$build" && mkdir -p "$build"
    cp -a "$repo/.ci/root" "$root"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    chroot "$root" apt-get update -qq
    chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        cmake g++ make glslc libvulkan-dev spirv-headers >/dev/null
    cp -r "$src" "$root/src"
    # Our shapes at the head of ggml's perf list.
    python3 - "$root/src/tests/test-backend-ops.cpp" "${shapes[@]}" <<'PY'
import sys, pathlib
p = pathlib.Path(sys.argv[1]); s = p.read_text()
head = "static std::vector<std::unique_ptr<test_case>> make_test_cases_perf() {\n    std::vector<std::unique_ptr<test_case>> test_cases;\n"
assert head in s, "make_test_cases_perf not found"
lines = []
for shape in sys.argv[2:]:
    m, n, k, t = shape.split()
    ta = "GGML_TYPE_F16" if t == "f16" else "GGML_TYPE_F32"
    lines.append(f"    test_cases.emplace_back(new test_mul_mat({ta}, GGML_TYPE_F32, {m}, {n}, {k}, {{1, 1}}, {{1, 1}}));\n")
s = s.replace(head, head + "".join(lines), 1)
p.write_text(s)
PY
    chroot "$root" sh -c 'cd /src && cmake -B build -DCMAKE_BUILD_TYPE=Release -DGGML_VULKAN=ON \
        -DGGML_BUILD_TESTS=ON -DGGML_BUILD_EXAMPLES=OFF >/dev/null && \
        cmake --build build -j"$(nproc)" --target test-backend-ops >/dev/null'
fi

# Runs a command in the ggml root with /proc and /dev mounted (lavapipe sizes its thread pool
# from /proc), in a private mount namespace, as .ci/in-root.sh does for ours.
in_root() {
    unshare --mount --propagation private bash -c 'r=$1; shift
        mountpoint -q "$r/proc" || mount -t proc proc "$r/proc"
        mountpoint -q "$r/dev" || mount --rbind /dev "$r/dev"
        exec chroot "$r" "$@"' in-root "$root" "$@"
}

(cd "$repo" && cargo build --release --example gemm_layouts -q)
ours="$repo/target/release/examples/gemm_layouts"
export WGPU_BACKEND=vulkan XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
printf '%-22s %-6s %-12s %-12s %-8s\n' "shape (M×N×K)" round "ggml GFLOP/s" "ours ($ours_spec)" "ours/ggml"
for r in $(seq 1 "$rounds"); do
    for shape in "${shapes[@]}"; do
        [[ -z "$only" || "$shape" == *"$only"* ]] || continue
        read -r m n k t <<<"$shape"
        ta=$([ "$t" = f16 ] && echo f16 || echo f32)
        line=$(in_root env GGML_VK_VISIBLE_DEVICES=0 /src/build/bin/test-backend-ops perf -o MUL_MAT \
            -b Vulkan0 -p "type_a=$ta,type_b=f32,m=$m,n=$n,k=$k,bs=\[1,1\],nr=\[1,1\]" 2>/dev/null \
            | grep -E "MUL_MAT.*m=$m,n=$n,k=$k," | head -1)
        us=$(sed -E 's/.* ([0-9.]+) us\/run.*/\1/' <<<"$line")
        gg=$(python3 -c "print(f'{2 * $m * $n * $k / ($us * 1e-6) / 1e9:.2f}')")
        out=$(WGK_TRIXIE_ROOT="$repo/.ci/root" "$repo/.ci/in-root.sh" "$ours" "$n" "$m" "$k" "$t" "$ours_spec" 3)
        ms=$(grep -F "$ours_spec:" <<<"$out" | head -1 | sed -E 's/^[^:]*: *([0-9.]+) ms.*/\1/')
        wg=$(python3 -c "print(f'{2 * $m * $n * $k / ($ms * 1e-3) / 1e9:.2f}')")
        ratio=$(python3 -c "print(f'{$wg / $gg:.2f}')")
        printf '%-22s %-6s %-12s %-12s %-8s\n' "$n×$m×$k $t" "$r" "$gg" "$wg" "$ratio"
    done
done
