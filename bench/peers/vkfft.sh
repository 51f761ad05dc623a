#!/usr/bin/env bash
# VkFFT side by side with wgkernels on the same Vulkan adapter, in alternating rounds.
#
#   bash bench/peers/vkfft.sh VKFFT_SRC [ROUNDS]
#   SIZES="1000 1536 3000" bash bench/peers/vkfft.sh VKFFT_SRC [ROUNDS]   (other lengths)
#
# VKFFT_SRC: a checkout of VkFFT v1.3.4 (github DTolm/VkFFT), kept outside this repository; it is
# built in a copy under ${VKFFT_BUILD:-/tmp/vkfft-build} (never in this tree) against Debian's
# glslang (apt: glslang-dev glslang-tools libvulkan-dev spirv-headers cmake g++) instead of the
# glslang its CMakeLists fetches. Each round runs VkFFT's user benchmark
# (`-benchmark_vkfft -X N -B batch`, FFT + iFFT per step, 64 MiB complex f32 buffers) and then
# `examples/fft_configs` (the dispatcher's pick, same shape, with the copy kernel measured in the
# same process) for every N, so machine load moves both alike. GB/s counts one read and one write
# of the buffer per transform for both (64 MiB, or the most whole transforms that fit in it).
set -euo pipefail
src=${1:?usage: vkfft.sh VKFFT_SRC [ROUNDS]}
rounds=${2:-3}
build=${VKFFT_BUILD:-/tmp/vkfft-build}
repo=$(cd "$(dirname "$0")/../.." && pwd)
export WGPU_BACKEND=${WGPU_BACKEND:-vulkan}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
if [ ! -x "$build/bin/VkFFT_TestSuite" ]; then
    rm -rf "$build" && mkdir -p "$build" && cp -r "$src" "$build/src"
    # Use the system glslang: drop the FetchContent block, include and link Debian's libraries.
    python3 - "$build/src/CMakeLists.txt" <<'PY'
import sys, re, pathlib
p = pathlib.Path(sys.argv[1]); s = p.read_text()
a = s.index("if(${VKFFT_BACKEND} EQUAL 0)\n\tset(ENABLE_OPT 0)")
b = s.index("add_subdirectory(${CMAKE_CURRENT_SOURCE_DIR}/glslang-main)\nendif()", a)
b += len("add_subdirectory(${CMAKE_CURRENT_SOURCE_DIR}/glslang-main)\nendif()")
s = s[:a] + "target_include_directories(${PROJECT_NAME} PUBLIC /usr/include/glslang/Include/)" + s[b:]
s = s.replace("PUBLIC SPIRV glslang Vulkan::Vulkan", "PUBLIC glslang SPIRV MachineIndependent "
              "OSDependent GenericCodeGen OGLCompiler glslang-default-resource-limits "
              "SPIRV-Tools-opt SPIRV-Tools pthread Vulkan::Vulkan")
p.write_text(s)
PY
    cmake -S "$build/src" -B "$build/b" -DCMAKE_BUILD_TYPE=Release >/dev/null
    make -C "$build/b" -j"$(nproc)" VkFFT_TestSuite >/dev/null
    mkdir -p "$build/bin" && cp "$build/b/VkFFT_TestSuite" "$build/bin/"
fi
(cd "$repo" && cargo build --release --example fft_configs -q)
ours="$repo/target/release/examples/fft_configs"
printf '%-8s %-6s %-12s %-12s %-8s\n' N round "VkFFT GB/s" "ours GB/s" "copy GB/s"
for r in $(seq 1 "$rounds"); do
    for n in ${SIZES:-256 1024 4096 65536 1048576}; do
        batch=$(( (8 << 20) / n ))
        bytes=$(( n * batch * 8 ))
        line=$(cd "$build/bin" && ./VkFFT_TestSuite -benchmark_vkfft -X "$n" -B "$batch" -N 10 | grep "avg_time_per_step")
        ms=$(sed -E 's/.*avg_time_per_step: ([0-9.]+) ms.*/\1/' <<<"$line")
        vk=$(python3 -c "print(f'{2 * 2 * $bytes / ($ms * 1e-3) / 1e9:.2f}')")
        out=$("$ours" "$n" "$batch" 3 pick)
        wg=$(grep -E '^ +pick:' <<<"$out" | sed -E 's/.* ([0-9.]+) GB\/s.*/\1/')
        copy=$(grep -E 'copy kernel' <<<"$out" | sed -E 's/.*copy kernel ([0-9.]+) GB\/s before, ([0-9.]+) after/\1 \2/' | awk '{print ($1 > $2) ? $1 : $2}')
        printf '%-8s %-6s %-12s %-12s %-8s\n' "$n" "$r" "$vk" "$wg" "$copy"
    done
done
