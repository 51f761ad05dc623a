#!/usr/bin/env bash
# Builds the web demo into web-demo/pkg/ (a static site): the page (www/: HTML, CSS, plain JS
# modules) and the wgkernels JavaScript package beside it in pkg/wgkernels/, built by
# js/build.sh exactly as a user gets it. The page imports it the way a user would and calls only
# what its index.d.ts declares: the demo has no wasm of its own.
#   web-demo/build.sh            release build (what the page and the browser test use)
#   WGK_WEB_PROFILE=dev web-demo/build.sh   faster debug build
# Needs what js/build.sh needs (the wasm32-unknown-unknown target, the wasm-bindgen CLI at the
# version in Cargo.lock; web-demo/ci.sh installs both).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

"$root/js/build.sh"
out="$here/pkg"
rm -rf "$out"
mkdir -p "$out"
cp -r "$here"/www/* "$out"/
cp -r "$root/js/dist" "$out/wgkernels"
echo "built $out ($(du -sh "$out" | cut -f1)); serve it with: node web-demo/serve.mjs"
