#!/usr/bin/env bash
# The JavaScript package's test: builds js/dist/, type-checks the example against index.d.ts
# (tsc, checkJs), then runs the example page in headless Chromium (main thread, worker,
# worker.js). Needs what web-demo/ci.sh installs; npm packages come from js/package-lock.json.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
t0=$SECONDS
"$here/build.sh"
cd "$here"
[ -d node_modules/typescript ] && [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error
node_modules/.bin/tsc -p example/tsconfig.json
echo "js/e2e.sh: tsc --noEmit passed on the example"
node --test e2e.test.mjs
echo "js/e2e.sh: build + type check + browser test in $((SECONDS - t0)) s"
