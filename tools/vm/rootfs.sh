#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the test VM's root filesystem: Debian sid with QEMU 11.x,
# Linux 7.x image + headers + source, virtiofsd, a compiler and what a kernel
# build needs.
#
# The tree is cached under $MVF_CACHE (default ~/.cache/mvf), keyed by a hash
# of this recipe, so it is rebuilt only when the recipe changes.  Prints the
# path of the ready root filesystem on stdout.
set -euo pipefail

MIRROR=${MVF_MIRROR:-http://deb.debian.org/debian}
SUITE=${MVF_SUITE:-sid}
# flex bison bc libelf-dev libssl-dev: tools/vm/kernel.sh builds the
# dirty-tracking kernel from linux-source with the rootfs's own compiler.
# dh-dkms debhelper: "make deb" builds mvf-dkms here; dkms driverctl udev
# libvirt-daemon-system libvirt-clients: the "installed" lane installs it in
# the VM (on a throwaway overlay root) and uses it the way a user does.
PKGS="qemu-system-x86 linux-image-amd64 linux-headers-amd64 linux-source \
virtiofsd gcc make kmod pciutils perl python3 xz-utils libc6-dev \
flex bison bc libelf-dev libssl-dev \
dh-dkms debhelper dkms driverctl udev libvirt-daemon-system libvirt-clients"

cache=${MVF_CACHE:-$HOME/.cache/mvf}
key=$( { cat "$0"; echo "$MIRROR $SUITE $PKGS"; } | sha256sum | cut -c1-16)
root=$cache/rootfs-$key

if [ -f "$root/.mvf-ready" ]; then
	echo "$root"
	exit 0
fi

command -v debootstrap >/dev/null || {
	echo "rootfs: debootstrap missing; run tools/deps.sh" >&2
	exit 1
}

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/rootfs-build.XXXXXX")
cleanup() {
	for m in proc sys dev; do
		umount -l "$tmp/$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT

echo "rootfs: debootstrap $SUITE into $tmp (a few minutes)" >&2
debootstrap --variant=minbase "$SUITE" "$tmp" "$MIRROR" >"$tmp.log" 2>&1 || {
	tail -20 "$tmp.log" >&2
	echo "rootfs: debootstrap failed, log $tmp.log" >&2
	exit 1
}
echo 'Acquire::Check-Valid-Until "false";' >"$tmp/etc/apt/apt.conf.d/99mvf-valid"
echo 'APT::Install-Recommends "false";' >"$tmp/etc/apt/apt.conf.d/99mvf-norec"
mount -t proc proc "$tmp/proc"
mount --rbind /sys "$tmp/sys"
mount --rbind /dev "$tmp/dev"
echo "rootfs: installing $PKGS" >&2
chroot "$tmp" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
	sh -c "apt-get update -q && apt-get install -y -q $PKGS && apt-get clean" \
	>>"$tmp.log" 2>&1 || {
	tail -20 "$tmp.log" >&2
	echo "rootfs: package install failed, log $tmp.log" >&2
	exit 1
}
for m in proc sys dev; do
	umount -l "$tmp/$m"
done
# Unpack the kernel source tarball once: kselftest_harness.h and
# checkpatch.pl are used from there at build time.
src=$(ls "$tmp"/usr/src/linux-source-*.tar.xz | head -n1)
tar -C "$tmp/usr/src" -xf "$src"
rm -f "$src"
touch "$tmp/.mvf-ready"
rm -rf "$root"
mv "$tmp" "$root"
trap - EXIT
rm -f "$tmp.log"
echo "$root"
