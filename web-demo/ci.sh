#!/usr/bin/env bash
# Installs what the browser test needs on a fresh Debian 12 machine (as root), then runs it:
#   Debian's chromium (with SwiftShader, for WebGPU without a GPU) and fonts,
#   the wasm32-unknown-unknown Rust target,
#   the wasm-bindgen CLI at exactly the version in Cargo.lock (built once, ~2-5 min),
#   playwright-core from web-demo/package-lock.json.
# Each step is skipped when already done, so a second run costs only the build and the test.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
t0=$SECONDS

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "ci.sh: apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "ci.sh: Node.js $(node --version) is too old for playwright-core (needs 20+)" >&2
  exit 1
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
have="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
if [ "$have" != "$want" ]; then
  echo "ci.sh: cargo install wasm-bindgen-cli --version =$want (have: ${have:-none})"
  cargo install wasm-bindgen-cli --version "=$want"
fi

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
echo "ci.sh: setup took $((SECONDS - t0)) s"

"$here/e2e.sh"
echo "ci.sh: web demo build + browser test done in $((SECONDS - t0)) s"
