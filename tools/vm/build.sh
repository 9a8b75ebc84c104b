#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build everything the test VM needs:
#  - on the host: the device emulator, tools/emu/mvf-emu;
#  - inside the rootfs (chroot, Debian sid's gcc): the kernel modules against
#    the rootfs kernel's headers (/mvf-src/mvf_core.ko, mvf_vfio_pci.ko),
#    the selftests against its unpacked linux-source (kselftest_harness.h)
#    and tools/vfio-mig/vfio-mig against its uAPI headers (the guest runs it
#    as /mvf-src/tools/vfio-mig/vfio-mig);
#  - modules-mvf: the modules for the dirty-tracking kernel
#    (tools/vm/kernel.sh builds it first if needed), as
#    build/kmod-<release>/*.ko;
#  - modules-612: the modules for Debian trixie's 6.12 LTS kernel, built
#    with W=1 against its headers (tools/vm/buildroot-612.sh, the 6.12
#    build check; it fails on any warning), as build/kmod-<release>/*.ko;
#  - l3guest: tools/l3guest/mvf-l3.elf, the bare-metal multiboot workload
#    the QEMU live-migration tests boot in the nested VMs (rootfs gcc, -m32);
#  - vfio-mig-host: vfio-mig compiled on the host too, as build/host/vfio-mig
#    (a compile check against the host's older uAPI headers);
#  - deb: the mvf-dkms Debian package (debian/, dh-dkms), built with
#    dpkg-buildpackage in the rootfs from a copy of the sources without
#    build products, as build/mvf-dkms_<version>_all.deb ("make deb");
#  - mtty: the kernel's sample migration driver (samples/vfio-mdev/mtty.c
#    of the rootfs's linux-source) against the rootfs kernel's headers, as
#    build/mtty/mtty.ko: the peer device of the conformance suite;
#    mtty-mvf: the same for the dirty-tracking kernel, as
#    build/mtty-<release>/mtty.ko.
#
# usage: tools/vm/build.sh [emu|modules|modules-mvf|modules-612|selftests|vfio-mig|vfio-mig-host|l3guest|mtty|mtty-mvf|deb]...
#        (default: emu modules selftests vfio-mig l3guest)
# env:   MVF_ROOTFS  use this rootfs instead of the tools/vm/rootfs.sh one
#        MVF_JOBS    make -j value (default 2: the machines have 2 cores)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/vm/lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
jobs=${MVF_JOBS:-2}

[ $# -gt 0 ] || set -- emu modules selftests vfio-mig l3guest
for what in "$@"; do
	case $what in
	emu | modules | modules-mvf | modules-612 | selftests | vfio-mig | vfio-mig-host | l3guest | mtty | mtty-mvf | deb) ;;
	*) die "unknown part '$what' (want emu, modules, modules-mvf, modules-612, selftests, vfio-mig, vfio-mig-host, l3guest, mtty, mtty-mvf or deb)" ;;
	esac
done

root=
kver=
need_root() {
	[ -n "$root" ] && return 0
	root=$(mvf_rootfs "$repo")
	kver=$(mvf_kver "$root")
}

# build_mtty OUT KBUILD RELEASE: samples/vfio-mdev/mtty.c of the rootfs's
# linux-source, built against KBUILD (a path inside the rootfs) into OUT
# (relative to the repository).
build_mtty() {
	local out=$1 ksrc
	ksrc=$(mvf_ksft_dir "$root")
	ksrc=${ksrc%/tools/testing/selftests}
	echo "build: mtty from $ksrc for $3 (in the rootfs) into $out" >&2
	rm -rf "${repo:?}/$out"
	mkdir -p "$repo/$out"
	cp "$root$ksrc/samples/vfio-mdev/mtty.c" "$repo/$out/"
	echo 'obj-m := mtty.o' >"$repo/$out/Kbuild"
	"$here/enter.sh" make -C "$2" M="/mvf-src/$out" -j"$jobs" modules
	[ -f "$repo/$out/mtty.ko" ] || die "$out/mtty.ko was not built"
}

for what in "$@"; do
	case $what in
	emu)
		echo "build: emulator (host)" >&2
		make -C "$repo/tools/emu" -j"$jobs"
		;;
	modules)
		need_root
		echo "build: kernel modules for $kver (in the rootfs)" >&2
		"$here/enter.sh" make -C "/usr/src/linux-headers-$kver" \
			M=/mvf-src -j"$jobs" modules
		for m in mvf_core mvf_vfio_pci; do
			[ -f "$repo/$m.ko" ] || die "$m.ko was not built"
		done
		;;
	modules-mvf)
		# The modules again, for the dirty-tracking kernel
		# (tools/vm/kernel.sh), into build/kmod-<release>/ so that the
		# stock kernel's .ko files in the tree stay as they are.
		need_root
		kdir=$("$here/kernel.sh")
		krel=$(cat "$kdir/build/include/config/kernel.release")
		out=build/kmod-$krel
		echo "build: kernel modules for $krel (dirty-tracking kernel, in the rootfs) into $out" >&2
		# A copy of the sources: kbuild refuses MO= next to the
		# stock build's objects in the tree.
		rm -rf "${repo:?}/$out"
		mkdir -p "$repo/$out"
		tar -C "$repo" --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
			--exclude='*.mod.c' --exclude='.*.cmd' -cf - Kbuild src include |
			tar -C "$repo/$out" -xf -
		MVF_KERNEL_DIR=$kdir "$here/enter.sh" make -C /mvf-kernel/build \
			M="/mvf-src/$out" -j"$jobs" modules
		for m in mvf_core mvf_vfio_pci; do
			[ -f "$repo/$out/$m.ko" ] || die "$out/$m.ko was not built"
		done
		;;
	modules-612)
		echo "build: kernel modules for trixie's 6.12 (tools/vm/buildroot-612.sh, W=1)" >&2
		"$here/buildroot-612.sh"
		;;
	selftests)
		need_root
		ksft=$(mvf_ksft_dir "$root")
		echo "build: selftests (in the rootfs, KSFT_DIR=$ksft)" >&2
		[ -f "$repo/selftests/Makefile" ] || die "no selftests/Makefile"
		"$here/enter.sh" make -C /mvf-src/selftests KSFT_DIR="$ksft" \
			-j"$jobs"
		;;
	vfio-mig)
		need_root
		echo "build: vfio-mig (in the rootfs)" >&2
		# Always rebuilt (a second; never stale against the rootfs
		# headers), then renamed into place, so that a VM running at
		# the same time never sees a half-written binary.
		rm -f "$repo/tools/vfio-mig/vfio-mig.new"
		"$here/enter.sh" make -C /mvf-src/tools/vfio-mig BIN=vfio-mig.new
		[ -x "$repo/tools/vfio-mig/vfio-mig.new" ] || die "vfio-mig was not built"
		mv -f "$repo/tools/vfio-mig/vfio-mig.new" "$repo/tools/vfio-mig/vfio-mig"
		;;
	l3guest)
		need_root
		echo "build: L3 guest workload (in the rootfs)" >&2
		# renamed into place like vfio-mig: a VM may be booting it
		rm -f "$repo/tools/l3guest/mvf-l3.elf.new"
		"$here/enter.sh" make -C /mvf-src/tools/l3guest BIN=mvf-l3.elf.new
		[ -f "$repo/tools/l3guest/mvf-l3.elf.new" ] || die "mvf-l3.elf was not built"
		mv -f "$repo/tools/l3guest/mvf-l3.elf.new" "$repo/tools/l3guest/mvf-l3.elf"
		;;
	deb)
		need_root
		ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$repo/dkms.conf")
		[ -n "$ver" ] || die "no PACKAGE_VERSION in dkms.conf"
		echo "build: mvf-dkms $ver Debian package (in the rootfs)" >&2
		stage=build/deb/mvf-$ver
		rm -rf "${repo:?}/build/deb"
		mkdir -p "$repo/$stage"
		tar -C "$repo" --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
			--exclude='*.mod.c' --exclude='.*.cmd' -cf - \
			Makefile Kbuild dkms.conf LICENSE src include debian |
			tar -C "$repo/$stage" -xf -
		# -d: the rootfs has gcc and make but not the build-essential
		# metapackage dpkg-checkbuilddeps also asks for; nothing is
		# compiled, and dh fails by itself without debhelper/dh-dkms.
		"$here/enter.sh" sh -c "cd /mvf-src/$stage && dpkg-buildpackage -b -us -uc -d" \
			>"$repo/build/deb/build.log" 2>&1 || {
			tail -n 30 "$repo/build/deb/build.log" >&2
			die "dpkg-buildpackage failed (build/deb/build.log)"
		}
		debs=("$repo"/build/deb/mvf-dkms_*_all.deb)
		[ -f "${debs[0]}" ] || die "dpkg-buildpackage made no mvf-dkms .deb (build/deb/build.log)"
		rm -f "$repo"/build/mvf-dkms_*_all.deb
		mv "${debs[0]}" "$repo/build/"
		echo "build: build/${debs[0]##*/}" >&2
		;;
	mtty)
		need_root
		build_mtty build/mtty "/usr/src/linux-headers-$kver" "$kver"
		;;
	mtty-mvf)
		# mtty again, for the dirty-tracking kernel (its VFIO cdevs:
		# the conformance suite runs both devices through them), into
		# build/mtty-<release>/; conformance/run.sh loads the
		# one built for the running kernel
		need_root
		kdir=$("$here/kernel.sh")
		krel=$(cat "$kdir/build/include/config/kernel.release")
		MVF_KERNEL_DIR=$kdir build_mtty "build/mtty-$krel" \
			/mvf-kernel/build "$krel"
		;;
	vfio-mig-host)
		echo "build: vfio-mig (host, build/host/vfio-mig)" >&2
		mkdir -p "$repo/build/host"
		make -C "$repo/tools/vfio-mig" BIN="$repo/build/host/vfio-mig"
		;;
	esac
done
