#!/usr/bin/env bash
# Builds a minimal Debian trixie root with Mesa >= 26.1 lavapipe (trixie-backports), whose
# Vulkan driver exposes cooperative matrices (8x8x8 f16 -> f16/f32) to wgpu. Host-built test
# binaries run inside it through .ci/in-root.sh (a cargo target runner).
# Usage: .ci/trixie-root.sh [DIR]   (default: .ci/root inside the checkout). Idempotent.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")" && pwd)/root}
if [ -x "$root/usr/bin/true" ] && chroot "$root" sh -c 'ls /usr/share/vulkan/icd.d/lvp_icd*.json' >/dev/null 2>&1; then
  echo "trixie root ready at $root"; exit 0
fi
command -v debootstrap >/dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
rm -rf "$root"; mkdir -p "$root"
debootstrap --variant=minbase trixie "$root" http://deb.debian.org/debian >/dev/null
echo 'deb http://deb.debian.org/debian trixie-backports main' > "$root/etc/apt/sources.list.d/backports.list"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
chroot "$root" apt-get update -qq
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  -t trixie-backports mesa-vulkan-drivers libvulkan1 >/dev/null
chroot "$root" dpkg-query -W mesa-vulkan-drivers
# The downloaded packages and lists are not needed once installed (~180 MB).
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/*
echo "trixie root ready at $root"
