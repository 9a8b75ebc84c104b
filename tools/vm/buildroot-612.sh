#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The 6.12 LTS build check: build mvf_core.ko and mvf_vfio_pci.ko with W=1
# against Debian trixie's Linux 6.12 headers, in a second cached build
# environment (a trixie minbase chroot with linux-headers-amd64, gcc, make,
# perl: W=1 runs scripts/kernel-doc).
# The sources are copied into a per-run scratch dir inside that chroot, so
# the repository's own .o/.ko files (built for the test VM's kernel) are
# never touched; the two .ko files are copied to build/kmod-<6.12 release>/,
# where the 6.12 test VM boot (tools/vm/run.sh --kernel 612) loads them.
#
# The chroot also holds the same release's linux-image (its vmlinuz and
# /lib/modules tree), which run.sh --kernel 612 boots.  The VM needs no
# initramfs: trixie's 6.12 has FUSE_FS and VIRTIO_FS built in (checked
# below), like sid's 7.2, so the virtiofs root mounts directly; the
# initrd.img that the package's postinst generates is deleted.
#
# usage: tools/vm/buildroot-612.sh [--root-only]
#   --root-only  build (or reuse) the chroot and print its path, nothing else
# Exit status 0 only if both .ko files were built and the build printed no
# warning; the build log is build/build-612.log.  The .ko files are copied
# to build/kmod-<release>/ whenever they were built (warnings or not).
#
# The chroot is cached under $MVF_CACHE (default ~/.cache/mvf) as
# buildroot-612-<hash>, keyed by a hash of this script, so it is rebuilt
# only when the recipe changes.  Needs root (debootstrap, chroot, mounts).
# env: MVF_MIRROR (default http://deb.debian.org/debian), MVF_JOBS (2)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/vm/lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)

MIRROR=${MVF_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
PKGS=linux-headers-amd64,linux-image-amd64,gcc,make,libc6-dev,perl
jobs=${MVF_JOBS:-2}

root_only=0
case ${1:-} in
'') ;;
--root-only) root_only=1 ;;
*)
	echo "usage: $0 [--root-only]" >&2
	exit 2
	;;
esac
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, mounts)"

cache=${MVF_CACHE:-$HOME/.cache/mvf}
key=$( { cat "$0"; echo "$MIRROR $SUITE $PKGS"; } | sha256sum | cut -c1-16)
root=$cache/buildroot-612-$key

# 1. The cached chroot (built by one make check at a time: the lock).
mkdir -p "$cache"
exec 9>"$root.lock"
flock 9
if [ ! -f "$root/.mvf-ready" ]; then
	command -v debootstrap >/dev/null ||
		die "debootstrap missing; run tools/deps.sh"
	tmp=$(mktemp -d "$cache/buildroot-612-build.XXXXXX")
	trap 'rm -rf --one-file-system "$tmp"' EXIT
	start=$(date +%s)
	echo "buildroot-612: debootstrap $SUITE + $PKGS into $tmp (a few minutes)" >&2
	debootstrap --variant=minbase --include="$PKGS" "$SUITE" "$tmp" \
		"$MIRROR" >"$tmp.log" 2>&1 || {
		tail -20 "$tmp.log" >&2
		die "debootstrap failed, log $tmp.log"
	}
	# Drop the package cache and the unused initramfs (see above).
	rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/boot/initrd.img-*
	kv=$(mvf_kver "$tmp") ||
		die "no 6.12 kernel image with its headers in the trixie chroot (log $tmp.log)"
	case $kv in
	6.12.*-amd64) ;;
	*) die "the trixie chroot's kernel is $kv, not 6.12.*-amd64 (log $tmp.log)" ;;
	esac
	[ -f "$tmp/lib/modules/$kv/modules.dep" ] ||
		die "no /lib/modules/$kv/modules.dep in the trixie chroot (log $tmp.log)"
	grep -qx 'CONFIG_VIRTIO_FS=y' "$tmp/boot/config-$kv" &&
		grep -qx 'CONFIG_FUSE_FS=y' "$tmp/boot/config-$kv" ||
		die "$kv has virtiofs or fuse as a module; the test VM boots without an initramfs"
	touch "$tmp/.mvf-ready"
	rm -rf "$root"
	mv "$tmp" "$root"
	trap - EXIT
	rm -f "$tmp.log"
	echo "buildroot-612: ready in $(($(date +%s) - start)) s: $root" >&2
fi
flock -u 9
exec 9>&-
if [ "$root_only" = 1 ]; then
	echo "$root"
	exit 0
fi

# 2. The W=1 build.
krel=$(mvf_kver "$root")
hdr=/usr/src/linux-headers-$krel
[ -f "$root$hdr/Makefile" ] || die "no $hdr in $root"
log=$repo/build/build-612.log
mkdir -p "$repo/build"
scratch=$(mktemp -d "$root/tmp/mvf-612.XXXXXX")
trap 'rm -rf --one-file-system "$scratch"' EXIT
tar -C "$repo" --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.order' \
	--exclude=Module.symvers -cf - Kbuild src include |
	tar -C "$scratch" -xf -
src=${scratch#"$root"}
echo "buildroot-612: make -C $hdr M=$src W=1 modules" >&2
status=0
unshare --mount sh -c '
	mount -t proc proc "$1/proc" && shift &&
	exec chroot "$@"' sh "$root" \
	"$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	make -C "$hdr" M="$src" W=1 -j"$jobs" modules >"$log" 2>&1 || status=$?
cat "$log"
[ "$status" = 0 ] || die "the W=1 build against ${hdr##*/} failed (status $status; $log)"
for m in mvf_core mvf_vfio_pci; do
	[ -f "$scratch/$m.ko" ] || die "$m.ko was not built against ${hdr##*/} ($log)"
done
# For run.sh --kernel 612: renamed into place, never half-written.
kmod=$repo/build/kmod-$krel
rm -rf "$kmod.new"
mkdir -p "$kmod.new"
cp "$scratch/mvf_core.ko" "$scratch/mvf_vfio_pci.ko" "$kmod.new/"
rm -rf "$kmod"
mv "$kmod.new" "$kmod"
if grep -qi 'warning' "$log"; then
	grep -i 'warning' "$log" >&2
	die "the W=1 build against ${hdr##*/} printed warnings ($log)"
fi
echo "buildroot-612: mvf_core.ko and mvf_vfio_pci.ko built against ${hdr##*/} with W=1, no warnings" >&2
