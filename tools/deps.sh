#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the host packages mvf's build and test VM need (Debian bookworm or
# newer; run as root or with sudo).  Idempotent and quiet: when everything is
# installed already it does nothing, not even "apt-get update".
#
#   debootstrap, debian-archive-keyring   build the test VM's sid rootfs and
#                                         the 6.12 build check's trixie chroot
#   gcc, make, libc6-dev, libisal-dev     the emulator (CRC32C: crc32_iscsi)
#   sparse                                "make C=1" on the kernel modules
#   clang, libclang-rt-14-dev             the libFuzzer targets (tools/fuzz/run.sh:
#                                         -fsanitize=fuzzer,address,undefined)
#   util-linux, mount, coreutils, procps  unshare, setpriv, mount, chroot, ps
#   tar, xz-utils                         unpacking the kernel source
#   sed, grep, findutils                  the scripts themselves
set -euo pipefail

pkgs=(
	debootstrap debian-archive-keyring
	gcc make libc6-dev libisal-dev
	sparse
	clang libclang-rt-14-dev
	util-linux mount coreutils procps
	tar xz-utils
	sed grep findutils
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

sudo=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null ||
		{ echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	sudo=sudo
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
	if ! $sudo env DEBIAN_FRONTEND=noninteractive "$@" >"$log" 2>&1 </dev/null; then
		tail -n 30 "$log" >&2
		echo "deps: '$*' failed" >&2
		exit 1
	fi
}
run apt-get update -q
run apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "deps: done" >&2
