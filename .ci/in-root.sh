#!/usr/bin/env bash
# Cargo target runner: runs a host-built binary inside the trixie root built by
# .ci/trixie-root.sh, whose Mesa (>= 26.1) lavapipe has cooperative matrices.
#   CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER=$PWD/.ci/in-root.sh cargo test
# The checkout (and the target dir, if elsewhere) is bind-mounted at the same absolute path in a
# private mount namespace, so paths and relative files work unchanged and nothing leaks out.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${WGK_TRIXIE_ROOT:-$here/root}
checkout=$(cd "$here/.." && pwd)
bin=$1; shift
[ -d "$root/usr" ] || { echo "in-root.sh: no trixie root at $root (run .ci/trixie-root.sh)" >&2; exit 2; }
mounts=("$checkout")
case "$bin" in "$checkout"/*) ;; *) mounts+=("$(dirname "$bin")");; esac
[ -n "${CARGO_TARGET_DIR:-}" ] && mounts+=("$CARGO_TARGET_DIR")
script='set -e; r=$1; shift; n=$1; shift
for ((i = 0; i < n; i++)); do mkdir -p "$r$1"; mount --bind "$1" "$r$1"; shift; done
mountpoint -q "$r/proc" || mount -t proc proc "$r/proc"
mountpoint -q "$r/dev" || mount --rbind /dev "$r/dev"
mkdir -p "$r/tmp"; chmod 1777 "$r/tmp"
cwd=$1; shift
exec chroot "$r" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"'
exec unshare --mount --propagation private bash -c "$script" in-root "$root" "${#mounts[@]}" "${mounts[@]}" "$PWD" "$bin" "$@"
