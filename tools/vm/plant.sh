#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Show that the debug lane (make check-debug) catches what it exists for:
# for each planted bug in tools/vm/plants/*.patch, apply it to the tree,
# build the modules for the debug kernel, boot it with one short guest
# program, and check that the run fails and that the kernel log names the
# bug.  The patch is reverted and the modules rebuilt afterwards, also when
# this script is interrupted.
#
#   use-after-free.patch   a write to the migration file after its kfree():
#                          KASAN must report "slab-use-after-free" in
#                          mvf_vfio_mig_file_release
#   lock-inversion.patch   state_mutex taken under migf->lock (the arcs take
#                          them the other way round): lockdep must report
#                          "possible circular locking dependency"
#   leak.patch             the migration file is never freed: kmemleak's
#                          scan at the end of the run must report it
#                          (an object the test program allocated, by its
#                          comm: the module is unloaded by then, so the
#                          backtrace has no symbols of ours)
#
# Prints one line per plant, "caught" or "MISSED", and ends with
# "N passed, N failed".  Needs a clean src/ (the patches apply to it).
#
# usage: tools/vm/plant.sh [PLANT...]   (default: all three, by file name)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/vm/lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
cd "$repo"

[ $# -gt 0 ] || set -- use-after-free lock-inversion leak
# the debug kernel (tools/vm/kernel.sh) for build.sh and run.sh
export MVF_KERNEL_DEBUG=1
git diff --quiet -- src || die "src/ has uncommitted changes: the plants apply to a clean src/"

# What each plant must leave in the guest's kernel log.
expect() {
	case $1 in
	use-after-free) echo 'BUG: KASAN: slab-use-after-free in mvf_vfio_mig_file_release' ;;
	lock-inversion) echo 'WARNING: possible circular locking dependency detected' ;;
	leak) echo 'comm "mig_arcs"' ;;
	*) die "unknown plant '$1'" ;;
	esac
}
# The program that reaches the planted line: mig_arcs closes data_fds,
# mig_precopy calls PRECOPY_INFO (the inversion needs an arc that takes
# migf->lock under state_mutex too, which every save does).
program() {
	case $1 in
	use-after-free) echo mig_arcs ;;
	lock-inversion) echo mig_precopy ;;
	leak) echo mig_arcs ;;
	esac
}

applied=
revert() {
	if [ -n "$applied" ]; then
		git apply -R "tools/vm/plants/$applied.patch"
		applied=
		"$here/build.sh" modules-mvf >&2 || echo "plant: rebuilding the clean modules failed" >&2
	fi
}
trap revert EXIT

passed=0
failed=0
for p in "$@"; do
	want=$(expect "$p")
	git apply "tools/vm/plants/$p.patch"
	applied=$p
	"$here/build.sh" modules-mvf >&2
	st=0
	MVF_SKIP_DEPS=1 MVF_TESTS=$(program "$p") \
		"$here/run.sh" check --name "plant-$p" --kernel mvf --vfs 2 >&2 || st=$?
	revert
	out=$repo/build/guest/plant-$p
	if [ "$st" != 0 ] && cat "$out/dmesg.txt" "$out/kmemleak.txt" 2>/dev/null | grep -qF "$want" &&
		grep -qE '^[0-9]+ passed, [1-9][0-9]* failed$' "$out/summary" 2>/dev/null; then
		echo "plant $p: caught (run failed with status $st; the guest logged: $want)"
		passed=$((passed + 1))
	else
		echo "plant $p: MISSED (status $st; wanted '$want' in $out/dmesg.txt or kmemleak.txt and a failed summary)"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
