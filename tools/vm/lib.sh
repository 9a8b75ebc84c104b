# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers shared by the tools/vm scripts.  Source it; it defines functions
# only (no side effects).  Callers run with "set -euo pipefail".
#
# Paths: "root" is the host path of the cached test rootfs (tools/vm/rootfs.sh),
# "repo" the host path of this repository.  Inside the rootfs the repository
# is visible at /mvf-src.

# die MESSAGE...: print "<script>: MESSAGE" to stderr and exit 1.
die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# mvf_kver ROOT: print the kernel release of the rootfs's newest kernel that
# also has its headers installed (e.g. 7.2.13+deb14-amd64).
mvf_kver() {
	local root=$1 img ver best=
	for img in "$root"/boot/vmlinuz-*; do
		[ -e "$img" ] || continue
		ver=${img##*/vmlinuz-}
		[ -d "$root/usr/src/linux-headers-$ver" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$ver" | sed '/^$/d' | sort -V | tail -n1)
	done
	[ -n "$best" ] || die "no kernel with headers in $root/boot"
	echo "$best"
}

# mvf_ksft_dir ROOT: print the rootfs-internal path of the unpacked kernel
# source's tools/testing/selftests (kselftest_harness.h lives there).
mvf_ksft_dir() {
	local root=$1 d best=
	for d in "$root"/usr/src/linux-source-*/tools/testing/selftests; do
		[ -f "$d/kselftest_harness.h" ] || continue
		best=${d#"$root"}
	done
	[ -n "$best" ] || die "no unpacked linux-source with kselftest_harness.h in $root/usr/src"
	echo "$best"
}

# mvf_ns_mounts ROOT REPO: set up the rootfs for chroot use.  Must run inside
# a private mount namespace (unshare --mount), so that every mount made here
# disappears with the namespace's last process, whatever way it ends.
#  - ROOT is bind-mounted onto itself (virtiofsd needs its shared dir to be
#    inside a mount it can find in /proc/self/mountinfo);
#  - REPO at ROOT/mvf-src;
#  - a fresh proc (this pid namespace's), /sys and /dev for QEMU/virtiofsd;
#  - ROOT/mnt: the rootfs plus /mvf-src only, without proc/sys/dev, which is
#    what virtiofsd exports to the guest (the guest must never reach the
#    host's /sys or /dev through the shared root);
#  - if MVF_KERNEL_DIR is set (tools/vm/kernel.sh's cache directory, or
#    tools/vm/buildroot-612.sh's trixie chroot for --kernel 612), it at
#    ROOT/mvf-kernel, in both views.
mvf_ns_mounts() {
	local root=$1 repo=$2
	mkdir -p "$root/mvf-src" "$root/mvf-run" "$root/mvf-kernel"
	mount --make-rprivate /
	mount --bind "$root" "$root"
	mount --bind "$repo" "$root/mvf-src"
	mount --bind "$root" "$root/mnt"
	mount --bind "$repo" "$root/mnt/mvf-src"
	if [ -n "${MVF_KERNEL_DIR:-}" ]; then
		mount --bind "$MVF_KERNEL_DIR" "$root/mvf-kernel"
		mount --bind "$MVF_KERNEL_DIR" "$root/mnt/mvf-kernel"
	fi
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --rbind /dev "$root/dev"
}

# mvf_chroot ROOT CMD [ARG...]: run CMD inside ROOT (already set up by
# mvf_ns_mounts) with a clean, predictable environment.
mvf_chroot() {
	local root=$1
	shift
	chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
		TERM="${TERM:-dumb}" \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		"$@"
}

# mvf_rootfs REPO: print the path of the ready rootfs: $MVF_ROOTFS if set,
# else whatever tools/vm/rootfs.sh builds or finds in its cache.
mvf_rootfs() {
	local repo=$1 root
	if [ -n "${MVF_ROOTFS:-}" ]; then
		root=$MVF_ROOTFS
	else
		root=$("$repo/tools/vm/rootfs.sh")
	fi
	[ -f "$root/.mvf-ready" ] || die "rootfs $root is not ready (no .mvf-ready)"
	echo "$root"
}
