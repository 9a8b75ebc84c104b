#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the test VM's second kernel, the "dirty-tracking kernel"
# (make check), or with MVF_KERNEL_DEBUG=1 its debug flavour, the "debug
# kernel" (make check-debug): the rootfs's own linux-source (the same 7.2 as Debian's
# kernel) with Debian's configuration plus
#  - CONFIG_IOMMUFD, which brings CONFIG_IOMMUFD_DRIVER (selected by
#    INTEL_IOMMU if IOMMUFD) and with it iova_bitmap, which the vfio core
#    needs to answer VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT.  Debian builds
#    its kernels without it (no in-tree driver that selects it is enabled),
#    so on Debian's kernel every REPORT fails with -EOPNOTSUPP in the core,
#    before any variant driver is asked, and QEMU cannot use device dirty
#    tracking at all (Documentation/qemu.rst).  Upstream distributions that
#    enable mlx5 or pds vfio drivers have it;
#  - CONFIG_VFIO_DEVICE_CDEV (which needs IOMMUFD), next to the group
#    interface: it gives every VFIO device a /dev/vfio/devices/vfioN node,
#    so the tools and the conformance suite run through the iommufd cdev
#    too (selftests/guest-run.sh, cdev programs);
#  - the debug kernel only: KASAN, PROVE_LOCKING (lockdep, PROVE_RCU),
#    DEBUG_ATOMIC_SLEEP and kmemleak (Debian's own config has UBSAN and
#    DEBUG_LIST), without DRM and KVM.  Both have the release suffix
#    -mvf: build.sh modules-mvf rebuilds build/kmod-<release> for the
#    flavour it is given (make check and make check-debug each do).
#
# Only the modules the test VM loads are built (localmodconfig), and no
# debug info, so the build takes minutes, not hours (33 minutes on 2
# cores for the dirty-tracking kernel, 18.5 for the debug kernel, measured).  Module signing is off
# (lockdown selects it; the rootfs has no openssl to make a key), so the
# kernel takes our unsigned modules as Debian's does without Secure Boot.  The result is cached
# in $MVF_CACHE/kernel-<hash of this recipe, Debian's config and the
# source's version>:
#   build/                   the kernel build tree (O=), also what out-of-tree
#                            modules build against (make -C .../build M=...)
#   build/arch/x86/boot/bzImage
#   install/lib/modules/<release>/   modules_install output, with depmod
#   install/boot/config-<release>    the configuration
# Inside the rootfs (tools/vm/enter.sh, run.sh) the cache directory is at
# /mvf-kernel (MVF_KERNEL_DIR, see lib.sh).  Prints the host path on stdout.
#
# usage: tools/vm/kernel.sh
# env:   MVF_KERNEL_DEBUG=1 (the debug kernel), MVF_CACHE, MVF_ROOTFS,
#        MVF_JOBS (make -j, default 2)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/vm/lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)

# The modules the test VM loads (lsmod format: name first).
MODULES="vfio vfio_pci vfio_pci_core vfio_iommu_type1 iommufd irqbypass mdev"

if [ "${1:-}" = --in-chroot ]; then
	# Inside the rootfs: $2 the source tree, $3 the stock kernel
	# release, $4 "debug" or "plain".
	src=$2
	kver=$3
	flavour=$4
	b=/mvf-kernel/build
	mkdir -p "$b"
	cp "/boot/config-$kver" "$b/.config"
	cfg="$src/scripts/config --file $b/.config"
	$cfg --enable IOMMUFD --enable VFIO_DEVICE_CDEV \
		--disable DEBUG_INFO_BTF --disable DEBUG_INFO_DWARF5 \
		--disable DEBUG_INFO_DWARF4 \
		--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
		--enable DEBUG_INFO_NONE \
		--disable MODULE_SIG --disable SECURITY_LOCKDOWN_LSM \
		--disable SECURITY_LOCKDOWN_LSM_EARLY \
		--disable KERNEL_ZSTD --enable KERNEL_GZIP \
		--disable MODULE_COMPRESS \
		--set-str SYSTEM_TRUSTED_KEYS "" \
		--set-str SYSTEM_REVOCATION_KEYS "" \
		--set-str LOCALVERSION "-mvf" --disable LOCALVERSION_AUTO
	checks="CONFIG_IOMMUFD_DRIVER=y CONFIG_VFIO_DEVICE_CDEV=y CONFIG_VFIO_GROUP=y"
	if [ "$flavour" = debug ]; then
		# The debug options (make check-debug): KASAN (generic, inline,
		# vmalloc too: the migration file's buffers are kvmalloc'ed),
		# lockdep with PROVE_LOCKING (and with it PROVE_RCU),
		# DEBUG_ATOMIC_SLEEP and kmemleak.  Debian's own config already has
		# UBSAN (bounds, shift), DEBUG_LIST, KFENCE and the hung-task and
		# RCU-stall detectors.  kmemleak does not scan by itself: the guest
		# runner scans once at the end of a run (selftests/guest-run.sh), so
		# a report belongs to that run.
		$cfg --enable KASAN --enable KASAN_GENERIC --enable KASAN_INLINE \
			--enable KASAN_VMALLOC \
			--enable UBSAN --enable UBSAN_BOUNDS --enable UBSAN_SHIFT \
			--enable PROVE_LOCKING --enable PROVE_RCU \
			--enable DEBUG_ATOMIC_SLEEP --enable DEBUG_LIST \
			--enable DEBUG_KMEMLEAK --disable DEBUG_KMEMLEAK_DEFAULT_OFF \
			--disable DEBUG_KMEMLEAK_AUTO_SCAN \
			--set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 16000
		checks="$checks CONFIG_KASAN=y CONFIG_KASAN_INLINE=y CONFIG_KASAN_VMALLOC=y
			CONFIG_PROVE_LOCKING=y CONFIG_PROVE_RCU=y CONFIG_DEBUG_ATOMIC_SLEEP=y
			CONFIG_DEBUG_KMEMLEAK=y CONFIG_UBSAN=y CONFIG_DEBUG_LIST=y
			CONFIG_VFIO_MDEV=m CONFIG_IRQ_BYPASS_MANAGER=m"
	fi
	for m in $MODULES; do echo "$m 16384 0"; done >"$b/lsmod"
	make -s -C "$src" O="$b" olddefconfig
	make -s -C "$src" O="$b" LSMOD="$b/lsmod" localmodconfig </dev/null
	# localmodconfig keeps what selects a listed module: i915's GVT
	# (and with it DRM) selects VFIO_MDEV, KVM selects IRQ_BYPASS.  The
	# VM needs neither (the L3 guest runs on TCG), and they were a third
	# of the build.  mdev then comes from mtty's own Kconfig entry (the
	# sample is built out of tree too, tools/vm/build.sh mtty-mvf).
	if [ "$flavour" = debug ]; then
		$cfg --disable DRM --disable KVM --disable ACPI_WMI \
			--disable ACPI_VIDEO --enable SAMPLES \
			--module SAMPLE_VFIO_MDEV_MTTY
		make -s -C "$src" O="$b" olddefconfig
	fi
	for c in $checks; do
		grep -qx "$c" "$b/.config" || {
			echo "kernel: $c is not in the configuration after localmodconfig" >&2
			exit 1
		}
	done
	log=/mvf-kernel/build.log
	make -C "$src" O="$b" -j"${MVF_JOBS:-2}" bzImage modules >"$log" 2>&1 || {
		grep -E -m 20 -B 3 'error|Error' "$log" >&2
		echo "kernel: build failed" >&2
		exit 1
	}
	make -s -C "$src" O="$b" INSTALL_MOD_PATH=/mvf-kernel/install \
		INSTALL_MOD_STRIP=1 modules_install >>"$log" 2>&1
	# /boot/config-<release>, as a distribution kernel has it: the
	# tests read the running kernel's options there (guest-init.sh
	# shows install/boot at /boot)
	rel=$(cat "$b/include/config/kernel.release")
	install -D -m 644 "$b/.config" "/mvf-kernel/install/boot/config-$rel"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "must run as root (mounts, chroot)"
# Callers capture stdout for the path: everything else goes to stderr.
exec 3>&1 1>&2
root=$(mvf_rootfs "$repo")
kver=$(mvf_kver "$root")
src=
for d in "$root"/usr/src/linux-source-*; do
	[ -f "$d/Makefile" ] && src=${d#"$root"}
done
[ -n "$src" ] || die "no unpacked linux-source in $root/usr/src"

cache=${MVF_CACHE:-$HOME/.cache/mvf}
flavour=plain
[ "${MVF_KERNEL_DEBUG:-0}" = 1 ] && flavour=debug
key=$( {
	echo "$flavour"
	cat "$0"
	cat "$root/boot/config-$kver"
	head -n 5 "$root$src/Makefile"
} | sha256sum | cut -c1-16)
out=$cache/kernel-$key
if [ -f "$out/.mvf-ready" ]; then
	echo "$out" >&3
	exit 0
fi

mkdir -p "$cache"
exec 8>"$cache/kernel-$key.lock"
flock 8
if [ -f "$out/.mvf-ready" ]; then
	echo "$out" >&3
	exit 0
fi
# A failed build is kept and continued (make is incremental) next time.
tmp=$out.build
mkdir -p "$tmp"
trap 'cp -f "$tmp/build.log" "$out.log" 2>/dev/null' EXIT
echo "kernel: building $src with CONFIG_IOMMUFD (localmodconfig) in $tmp (about 10-20 minutes)" >&2
start=$(date +%s)
MVF_KERNEL_DIR=$tmp "$here/enter.sh" /mvf-src/tools/vm/kernel.sh --in-chroot "$src" "$kver" "$flavour"
rel=$(cat "$tmp/build/include/config/kernel.release")
if [ ! -f "$tmp/build/arch/x86/boot/bzImage" ] || [ ! -d "$tmp/install/lib/modules/$rel" ] ||
	[ ! -f "$tmp/install/boot/config-$rel" ]; then
	die "the kernel build left no bzImage, modules or config"
fi
echo "kernel: $rel built in $(($(date +%s) - start)) s" >&2
touch "$tmp/.mvf-ready"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "$out" >&3
