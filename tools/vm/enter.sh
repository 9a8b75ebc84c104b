#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run a command inside the test rootfs (chroot) with this repository at
# /mvf-src.  The command runs in private mount and pid namespaces: when it
# ends, or when this script is killed in any way, every mount made for it
# and every process it started vanish with the namespaces.
#
# usage: tools/vm/enter.sh [CMD [ARG...]]      (default: an interactive bash)
# env:   MVF_ROOTFS  use this rootfs instead of the tools/vm/rootfs.sh one
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/vm/lib.sh
. "$here/lib.sh"

if [ "${1:-}" = --in-ns ]; then
	# PID 1 of the new pid namespace.  Keep running as the command's
	# parent: a pid namespace's init gets only signals it handles, so
	# forward them; when this shell exits, the kernel kills the rest.
	root=$2
	repo=$3
	shift 3
	mvf_ns_mounts "$root" "$repo"
	mvf_chroot "$root" "$@" <&0 &
	child=$!
	trap 'kill -TERM "$child" 2>/dev/null || true' TERM INT HUP
	status=0
	while :; do
		wait "$child" && status=0 || status=$?
		kill -0 "$child" 2>/dev/null || break
	done
	exit "$status"
fi

[ "$(id -u)" = 0 ] || die "must run as root (mounts, chroot)"
repo=$(cd "$here/../.." && pwd)
root=$(mvf_rootfs "$repo")
[ $# -gt 0 ] || set -- bash
# --pdeathsig: if our caller dies, unshare dies, and --kill-child passes
# SIGTERM on to the namespace's init above.
exec setpriv --pdeathsig KILL \
	unshare --mount --pid --fork --kill-child=TERM \
	"$here/enter.sh" --in-ns "$root" "$repo" "$@"
