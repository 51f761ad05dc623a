#!/usr/bin/env bash
# The web demo's end-to-end test: builds the demo (the page and the JS package beside it), runs
# the controls' unit tests under node, serves the page on 127.0.0.1, opens it in headless
# Chromium with WebGPU (SwiftShader where there is no GPU) and fails unless every op reports
# verified, and unless the page's JSON report loads into `wgkernels compare` beside a native one;
# saves web-demo/screenshot.png. Needs what web-demo/ci.sh installs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/build.sh"
# The native CLI the test loads the page's report into (`wgkernels compare`).
(cd "$here/.." && cargo build --bin wgkernels)
cd "$here"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
node --test controls.test.mjs e2e.test.mjs
