#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Do what a new user does: clone the repository into an empty directory and
# run the README's Quick start test commands there, "make demo", "make
# check", "make check-debug" and "make check-612" (the last three are what
# .ci/run runs), timing each; MVF_FRESH_TARGETS="check check-debug
# check-612" runs just what CI does.  Prints every wall time, exit status
# and closing count line and writes them to OUT (default: <this checkout>/build/fresh-user.txt).
#
# usage: sudo tools/fresh-user.sh [--cold] [REPO [OUT]]
#   REPO  what to clone (default: this checkout; a clone has only what is
#         committed, so commit first)
#   --cold  also start from an empty cache (MVF_CACHE in the scratch dir):
#         rootfs, 6.12 chroot and debug kernel are built again, as
#         on a machine that never ran mvf (about 25 minutes more); without
#         it the clone reuses ~/.cache/mvf like a second checkout would.
# Exit status 0 only if every command exited 0.  The scratch directory is
# removed at the end, unless MVF_KEEP=1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cold=0
if [ "${1:-}" = --cold ]; then
	cold=1
	shift
fi
src=${1:-$repo}
out=${2:-$repo/build/fresh-user.txt}
[ "$(id -u)" = 0 ] || { echo "${0##*/}: must run as root (as the README's commands do)" >&2; exit 1; }

# Not under /tmp: the VM's socket paths must stay short, and a cold
# cache is several GB.
scratch=$(mktemp -d /var/tmp/mvf-fresh.XXXXXX)
# shellcheck disable=SC2317 # runs as the EXIT trap
cleanup() {
	[ "${MVF_KEEP:-0}" = 1 ] || rm -rf --one-file-system "$scratch"
}
trap cleanup EXIT
[ "$cold" = 0 ] || export MVF_CACHE=$scratch/cache
mkdir -p "$(dirname "$out")"

start=$(date +%s)
git clone -q "$src" "$scratch/mvf"
rev=$(git -C "$scratch/mvf" rev-parse --short HEAD)
cd "$scratch/mvf"
report=("fresh clone of $src at $rev in $scratch/mvf, cache ${MVF_CACHE:-~/.cache/mvf}")
status=0
for target in ${MVF_FRESH_TARGETS:-demo check check-debug check-612}; do
	t0=$(date +%s)
	st=0
	make "$target" </dev/null 2>&1 | tee "$scratch/make-$target.log" || st=${PIPESTATUS[0]}
	t1=$(date +%s)
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$scratch/make-$target.log" | tail -n1 || true)
	report+=("make $target: exit status $st, wall time $((t1 - t0)) s${last:+, $last}")
	[ "$st" = 0 ] || status=1
	cp "$scratch/make-$target.log" "$(dirname "$out")/fresh-user-$target.log"
done
report+=("total wall time $(($(date +%s) - start)) s")
printf '%s\n' "${report[@]}" | tee "$out"
exit "$status"
