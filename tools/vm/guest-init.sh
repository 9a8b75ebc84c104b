#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the mvf test VM (kernel command line: init=/mvf-src/tools/vm/guest-init.sh).
#
# Mounts the pseudo filesystems, then runs
#   /mvf-src/selftests/guest-run.sh MODE OUTDIR
# with MODE and OUTDIR from the kernel command line (mvf.mode=, mvf.out=),
# and powers the VM off, whatever happened.  If the runner is missing or
# exits without writing OUTDIR/summary, this script writes a failing summary
# ("0 passed, 1 failed") and the reason to OUTDIR/init-error.txt, so the host
# never mistakes a broken run for a passing one.
#
# Optional kernel parameters: mvf.run=PATH (another runner, used to test the
# VM plumbing itself), mvf.devmem=MIB (exported as MVF_DEVMEM_MIB),
# mvf.timeout=SECONDS (the host's limit for the whole boot; exported as
# MVF_VM_TIMEOUT, and MVF_TEST_TIMEOUT defaults to it minus 120),
# mvf.root=overlay (run on a throwaway overlayfs copy of the root, see
# overlay_root below).
#
# PID 1 must never exit (the kernel would panic), so every exit path goes
# through the EXIT trap, which powers off and then sleeps.
set -euo pipefail

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

out=
mode=
runner=/mvf-src/selftests/guest-run.sh

note() {
	local up=
	read -r up _ </proc/uptime 2>/dev/null || true
	echo "[${up:-?}s] guest-init: $*"
}

# fail_summary REASON: record a failed run unless the runner left a summary.
fail_summary() {
	note "FAILED: $1"
	[ -n "$out" ] || return 0
	mkdir -p "$out" 2>/dev/null || return 0
	echo "$1" >>"$out/init-error.txt"
	[ -s "$out/summary" ] && return 0
	# Keep what the runner counted before it went wrong.
	if [[ $(cat "$out/summary.partial" 2>/dev/null) =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		echo "${BASH_REMATCH[1]} passed, $((BASH_REMATCH[2] + 1)) failed" >"$out/summary"
	else
		echo "0 passed, 1 failed" >"$out/summary"
	fi
}

# shellcheck disable=SC2317 # runs from the EXIT trap
power_off() {
	local status=$?
	set +e
	trap - EXIT
	if [ "$status" != 0 ]; then
		fail_summary "guest-init.sh exited with status $status before finishing"
	fi
	sync
	note "powering off"
	echo 1 >/proc/sys/kernel/sysrq
	echo o >/proc/sysrq-trigger
	# The power-off runs asynchronously; never return from PID 1.
	while :; do
		sleep 3600
	done
}
trap power_off EXIT

# overlay_root: make a writable root that cannot change the shared one and
# run this script again as PID 1 inside it.  The virtiofs root is the
# host's cached rootfs, shared read-write, and a test that installs
# packages (selftests/installed.sh) must leave it as it was: the new root
# is an overlayfs with the virtiofs root as its (read-only) lower layer and
# a tmpfs as its upper layer, so every write lands in guest RAM and is gone
# at power-off.  /mvf-src (the repository: programs in, results out) and
# /mvf-kernel stay the shared mounts.  /.mvf-overlay (in the upper layer
# only) marks the second pass.
overlay_root() {
	local t=/mnt d
	mount -t tmpfs -o mode=0755 mvf-overlay "$t"
	mkdir "$t/lower" "$t/upper" "$t/work" "$t/root"
	# /mvf-src and /mvf-kernel are virtiofs submounts, which overlayfs
	# cannot look up in its lower layer (EREMOTE): opaque upper
	# directories hide them, and the real mounts go on top.
	mkdir "$t/upper/mvf-src" "$t/upper/mvf-kernel"
	python3 -c 'import os, sys
for d in sys.argv[1:]:
    os.setxattr(d, "trusted.overlay.opaque", b"y")' \
		"$t/upper/mvf-src" "$t/upper/mvf-kernel"
	mount --bind / "$t/lower"
	mount -o remount,bind,ro "$t/lower"
	mount -t overlay -o "lowerdir=$t/lower,upperdir=$t/upper,workdir=$t/work" \
		mvf-root "$t/root"
	for d in /mvf-src /mvf-kernel; do
		mount --rbind "$d" "$t/root$d"
	done
	touch "$t/root/.mvf-overlay"
	mkdir -p "$t/root/.mvf-oldroot"
	note "root is now an overlayfs (upper: tmpfs); restarting init in it"
	cd "$t/root"
	# pivot_root(2) (155 on x86-64); the rootfs has no pivot_root(8)
	perl -e 'my ($new, $old) = (".", ".mvf-oldroot");
		syscall(155, $new, $old) == 0 or die "pivot_root: $!\n"'
	trap - EXIT
	exec chroot . /mvf-src/tools/vm/guest-init.sh
}

# PID 1 starts with nothing mounted but the root; proc first, then one
# mount -a for the rest (see guest-fstab).
mount -t proc proc /proc
note "started"
if [ -e /.mvf-oldroot/proc/self ]; then
	# second pass of overlay_root: drop the old root's view
	umount -l /.mvf-oldroot || note "could not detach the old root"
fi
# Kernel parameters with a dot are not passed to init; read them here.
devmem=
vm_timeout=
rootmode=
read -ra cmdline </proc/cmdline
for arg in "${cmdline[@]}"; do
	case $arg in
	mvf.mode=*) mode=${arg#mvf.mode=} ;;
	mvf.out=*) out=${arg#mvf.out=} ;;
	mvf.run=*) runner=${arg#mvf.run=} ;;
	mvf.devmem=*) devmem=${arg#mvf.devmem=} ;;
	mvf.timeout=*) vm_timeout=${arg#mvf.timeout=} ;;
	mvf.root=*) rootmode=${arg#mvf.root=} ;;
	mvf.tests=*)
		MVF_TESTS=${arg#mvf.tests=}
		export MVF_TESTS=${MVF_TESTS//,/ }
		;;
	esac
done
case $rootmode in
'') ;;
overlay) [ -e /.mvf-overlay ] || overlay_root ;;
*)
	fail_summary "bad mvf.root= on the kernel command line: '$rootmode'"
	exit 0
	;;
esac
mount -a -T /mvf-src/tools/vm/guest-fstab
# The dirty-tracking kernel (tools/vm/kernel.sh, its install/ tree) and
# trixie's 6.12 (tools/vm/buildroot-612.sh's chroot) have their modules
# outside the rootfs, at /mvf-kernel; show them at /lib/modules in this VM
# only, and their /boot too (config-<release>, which tests read).
rel=$(uname -r)
for kdir in /mvf-kernel/install /mvf-kernel; do
	[ ! -d "/lib/modules/$rel" ] && [ -d "$kdir/lib/modules/$rel" ] || continue
	mount --bind "$kdir/lib/modules" /lib/modules
	if [ ! -f "/boot/config-$rel" ] && [ -f "$kdir/boot/config-$rel" ]; then
		mount --bind "$kdir/boot" /boot
	fi
done
# The kernel opened /dev/console on the shared root's static node before
# devtmpfs existed; reopen it on the real device.
exec </dev/console >/dev/console 2>&1
echo mvf-guest >/proc/sys/kernel/hostname
note "pseudo filesystems mounted"
# Bring up loopback for nested QEMU's QMP and migration streams on
# 127.0.0.1 (the rootfs has no iproute2; perl starts fast).
perl -e 'use Socket;
	socket(my $s, AF_INET, SOCK_DGRAM, 0) or die "socket: $!";
	my $req = pack("a16 x24", "lo");
	ioctl($s, 0x8913, $req) or die "SIOCGIFFLAGS: $!";
	my $flags = unpack("x16 s", $req);
	ioctl($s, 0x8914, pack("a16 s x22", "lo", $flags | 1)) or die "SIOCSIFFLAGS: $!";' ||
	note "could not bring up lo"

[ -n "$out" ] || out=/mvf-src/build/guest/${mode:-unknown}
mkdir -p "$out"
case $mode in
check | demo | demo-uapi | bench) ;;
*)
	fail_summary "bad or missing mvf.mode= on the kernel command line: '$mode'"
	exit 0
	;;
esac
export MVF_DEVMEM_MIB=$devmem
# The host kills the VM after mvf.timeout seconds.  Each test program
# (guest-run.sh's MVF_TEST_TIMEOUT) gets at most 600 s, and never more than
# that budget minus two minutes for boot, log checks and power-off, so that
# a hung program still leaves a summary.
if [[ $vm_timeout =~ ^[0-9]+$ ]] && [ "$vm_timeout" -gt 240 ]; then
	export MVF_VM_TIMEOUT=$vm_timeout
	per=$((vm_timeout - 120))
	[ "$per" -le 600 ] || per=600
	export MVF_TEST_TIMEOUT=${MVF_TEST_TIMEOUT:-$per}
fi

note "kernel $(uname -r), mode $mode, output $out"
if [ ! -x "$runner" ]; then
	fail_summary "runner $runner is missing or not executable"
	exit 0
fi
note "running $runner $mode $out"
status=0
"$runner" "$mode" "$out" || status=$?
note "$runner exited with status $status"
if [ ! -s "$out/summary" ]; then
	fail_summary "$runner (status $status) wrote no $out/summary"
elif [ "$status" != 0 ] && grep -Eq '^[0-9]+ passed, 0 failed$' "$out/summary"; then
	# A runner that fails must not leave a passing summary behind.
	fail_summary "$runner exited with status $status but its summary reports no failure"
	sed -Ei 's/^([0-9]+) passed, 0 failed$/\1 passed, 1 failed/' "$out/summary"
fi
exit 0
