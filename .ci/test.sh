#!/usr/bin/env bash
# Runs the whole test suite on lavapipe, `verify` and the device-loss test on two more software
# adapters, then the browser test:
#   (a) Vulkan lavapipe on the host, (b) GL llvmpipe on the host, (c) Vulkan lavapipe from
#   Mesa >= 26.1 inside the trixie root, where cooperative matrices exist: the coop tests
#   (WGK_EXPECT_COOP=1 makes them assert that coop is there, so they run, not skip) and `verify`.
# Any failure, or no adapter at all, fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
export CARGO_TERM_COLOR=never
# No incremental state: CI builds once, and it would multiply the target dir on a disk that
# CI machines share (one run failed with "No space left on device").
export CARGO_INCREMENTAL=0
# A fresh, empty driver shader cache for every run, under the checkout so the trixie root sees it
# too: CI then pays (and these timings show) what a new machine pays to compile our pipelines.
export MESA_SHADER_CACHE_DIR="$PWD/target/ci-shader-cache"
rm -rf "$MESA_SHADER_CACHE_DIR"
mkdir -p "$MESA_SHADER_CACHE_DIR"
t0=$SECONDS
step() { echo; echo "=== $* ($(date +%T), $((SECONDS - t0)) s into the run)"; }
step "build tests"
df -h . | tail -n 1
cargo test --no-run --all-targets --workspace 2>&1 | tail -n 3
# Lavapipe compiles a pipeline at its first dispatch, on its device's one queue thread, so one
# test process kept about one of the two cores busy however many test threads it ran (50-55 %
# through attention.rs, 2026-12-07). Steps (a), and (b) with (c), therefore run as two or three
# processes at once, each with its own devices: `in_background NAME CMD...` starts one with its
# output in target/ci-NAME.log, `finish NAME` waits for it and prints that log.
declare -A pids
in_background() {
  local name=$1
  shift
  "$@" > "target/ci-$name.log" 2>&1 &
  pids[$name]=$!
}
finish() {
  local rc=0
  wait "${pids[$1]}" || rc=$?
  echo
  echo "--- $1: exit $rc, $((SECONDS - t0)) s into the run"
  cat "target/ci-$1.log"
  return "$rc"
}
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

step "(a) Vulkan lavapipe (host)"
# --workspace: the web demo's own unit tests (no GPU) run here too. HEAVY: the test binaries of
# the second process, chosen so that both take about as long cold (sparse_gemm alone ran
# ~1,300 s on a slow machine, 2026-12-07); every other test target runs in the first.
HEAVY="sparse_gemm tune fftconv report gemm_layouts"
heavy=()
rest=()
for f in tests/*.rs; do
  name="$(basename "$f" .rs)"
  case " $HEAVY " in
    *" $name "*) heavy+=(--test "$name") ;;
    *) rest+=(--test "$name") ;;
  esac
done
in_background a-heavy env WGPU_BACKEND=vulkan cargo test --workspace "${heavy[@]}"
WGPU_BACKEND=vulkan cargo test --workspace --lib --bins "${rest[@]}"
WGPU_BACKEND=vulkan cargo test --workspace --doc
finish a-heavy

step "(b) GL llvmpipe (host) and (c) Vulkan lavapipe, Mesa 26 with cooperative matrices (trixie root), at once"
# (b): what differs on GL is naga's GLSL translation and the limits (no subgroups, no f16):
# `verify` runs every variant the dispatcher picks there on the standard tier's awkward shapes,
# and the device-loss test checks the typed errors. (a) runs the full matrix on the same
# kernels; the whole suite again on GL took 21 minutes cold. One test thread: GL contexts are
# locked per call with a timeout in wgpu-hal, so a long dispatch must not starve another
# thread's lock.
# --workspace here and in (c): the features (a) built with (the JS crate's unify with ours), so
# neither step rebuilds the dependencies and every test binary under another feature set.
gl_checks() {
  WGPU_BACKEND=gl cargo test --workspace --test device_lost -- --test-threads=1
  WGPU_BACKEND=gl target/debug/wgkernels verify --json target/ci-verify-gl.json
}
in_background b-gl gl_checks
# (c): what differs there is the cooperative-matrix variants: their tests, and `verify` (every
# variant the dispatcher picks on that adapter, coop included, on the standard tier's awkward
# shapes). The whole suite there took over 50 minutes cold (its LLVM compiles slower); (a)
# already runs it on the same kernels.
mesa26_verify() {
  WGPU_BACKEND=vulkan .ci/in-root.sh "$PWD/target/debug/wgkernels" verify --json target/ci-verify-mesa26.json
  grep -q '"variant": *"coop"' target/ci-verify-mesa26.json || { echo "no coop variant was verified on Mesa 26" >&2; exit 1; }
}
in_background c-verify mesa26_verify
# The f16 GEMM tuning test (tune.rs) is left out here: it times every candidate of a bucket
# (318 s on Mesa 26 cold); the coop candidates' correctness is gemm.rs's coop test, and the
# tuner itself is tested in (a).
WGPU_BACKEND=vulkan WGK_EXPECT_COOP=1 \
  CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="$PWD/.ci/in-root.sh" \
  cargo test --workspace --tests coop -- --skip f16_bucket_tunes_every_variant
finish b-gl
finish c-verify
if [ -f web-demo/ci.sh ]; then
  step "(d) WebGPU demo in headless Chromium"
  # The demo page runs on the JS package (web-demo/build.sh builds js/dist/ and copies it
  # beside the page): one wasm for both browser tests; js/e2e.sh below finds it built.
  bash web-demo/ci.sh
  # The JS package (js/): build, tsc on the example, the example page in headless Chromium
  # (main thread, worker, worker.js); ~6 min on a loaded 2-core machine (2026-12-05).
  bash js/e2e.sh
fi
step "all adapters passed"
