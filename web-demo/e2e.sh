#!/usr/bin/env bash
# The web demo's end-to-end test: builds the demo, serves it on 127.0.0.1, opens it in headless
# Chromium with WebGPU (SwiftShader where there is no GPU) and fails unless every op reports
# verified; saves web-demo/screenshot.png. Needs what web-demo/ci.sh installs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/build.sh"
cd "$here"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
node --test e2e.test.mjs
