#!/usr/bin/env bash
# One-time set-up of a fresh Debian 12 machine for wgkernels: Mesa's software Vulkan (lavapipe)
# and GL (llvmpipe) drivers when no Vulkan device is present, and the Mesa 26 trixie root whose
# lavapipe has cooperative matrices (built inside the checkout, .ci/root). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need=()
ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1 || need+=(mesa-vulkan-drivers)
ldconfig -p | grep -q 'libvulkan.so.1' || need+=(libvulkan1)
ldconfig -p | grep -q 'libEGL_mesa.so.0' || need+=(libegl-mesa0)
command -v debootstrap >/dev/null || need+=(debootstrap)
# The generated-WGSL test re-runs the shader generators.
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  apt-get clean
fi
bash .ci/trixie-root.sh
