#!/usr/bin/env bash
# Builds the web demo into web-demo/pkg/ (a static site: index.html, the JS, the wasm).
#   web-demo/build.sh            release build (what the page and the browser test use)
#   WGK_WEB_PROFILE=dev web-demo/build.sh   faster debug build
# Needs: rustup target add wasm32-unknown-unknown, and the wasm-bindgen CLI at exactly the
# version of the wasm-bindgen crate in Cargo.lock (web-demo/ci.sh installs both).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if ! command -v wasm-bindgen >/dev/null; then
  echo "build.sh: wasm-bindgen CLI not found; install it with: cargo install wasm-bindgen-cli --version =$want" >&2
  exit 1
fi
have="$(wasm-bindgen --version | awk '{ print $2 }')"
if [ "$have" != "$want" ]; then
  echo "build.sh: wasm-bindgen CLI is $have but Cargo.lock has $want; run: cargo install wasm-bindgen-cli --version =$want" >&2
  exit 1
fi

profile="${WGK_WEB_PROFILE:-release}"
dir="$profile"
[ "$profile" = dev ] && dir=debug
cargo build -p wgkernels-web-demo --lib --target wasm32-unknown-unknown --profile "$profile"
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"

out="$here/pkg"
rm -rf "$out"
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" \
  "$target_dir/wasm32-unknown-unknown/$dir/wgkernels_web_demo.wasm"
cp "$here"/www/* "$out"/
echo "built $out ($(du -sh "$out" | cut -f1)); serve it with: node web-demo/serve.mjs"
