#!/usr/bin/env bash
# Builds the JavaScript package into js/dist/ (package.json, index.js, index.d.ts, worker example,
# the wasm-bindgen module and the wasm): what a web developer imports.
#   js/build.sh                       release build
#   WGK_WEB_PROFILE=dev js/build.sh   faster debug build
# Needs the wasm32-unknown-unknown target and the wasm-bindgen CLI at the version in Cargo.lock
# (web-demo/ci.sh installs both).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
have="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
if [ "$have" != "$want" ]; then
  echo "js/build.sh: need the wasm-bindgen CLI $want (have: ${have:-none}); run: cargo install wasm-bindgen-cli --version =$want" >&2
  exit 1
fi

profile="${WGK_WEB_PROFILE:-release}"
dir="$profile"
[ "$profile" = dev ] && dir=debug
cargo build -p wgkernels-js --lib --target wasm32-unknown-unknown --profile "$profile"
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"

out="$here/dist"
rm -rf "$out"
mkdir -p "$out"
# The generated module is internal (index.js wraps it); its typings are index.d.ts, written by
# hand so options, typed arrays and GPUBuffers have real types.
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name wgkernels_core \
  "$target_dir/wasm32-unknown-unknown/$dir/wgkernels_js.wasm"
cp "$here"/pkg/* "$out"/
wasm="$out/wgkernels_core_bg.wasm"
echo "built $out: wasm $(stat -c %s "$wasm") bytes, $(gzip -9 -c "$wasm" | wc -c) gzipped"
