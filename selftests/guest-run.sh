#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-run.sh MODE OUTDIR - entry point inside the test VM.
#
# Called by the infra's guest init (PID 1, proc/sys/devtmpfs mounted) with
# MODE one of:
#   check  run the kselftest programs (TAP), vfio-mig's smoke test and the
#          QEMU live-migration tests (selftests/qemu/qemu-mig.py), count
#          passed/failed
#   demo   QEMU live migration of a running VM that owns VF0 to a QEMU
#          that owns VF1 (qemu-mig.py's "default" case): QEMU's figures and
#          the guest's verdict in OUTDIR/demo.txt
#   demo-uapi  run mvf-demo (VF0 -> VF1 through the VFIO uAPI, verified)
#   bench  run mvf-bench, results in OUTDIR/bench.txt
# Every mode loads vfio-pci and our modules, binds the PF to mvf_core and
# the VFs to mvf_vfio_pci through driver_override, and at the end unloads
# the modules and checks the kernel log; each of these is a check of its
# own.  Except with "installed" in MVF_TESTS (the installed-modules lane,
# on guest-init.sh's overlay root): then selftests/installed.sh installs
# the mvf-dkms package (MVF_DEB, default the one build/ holds), the PF binds
# through udev and its modalias, the VFs through driverctl, the other
# programs in MVF_TESTS run against those modules, and at the end
# installed.sh's remove phase (libvirt's nodedev-detach/reattach, apt
# remove) runs before the unload.  Writes OUTDIR/summary ("N passed, N
# failed"), OUTDIR/dmesg.txt and OUTDIR/guest-run.log (everything
# printed, also on the console).
#
# Environment: MVF_PF_BDF, MVF_VF0_BDF, MVF_VF1_BDF (default 0000:00:04.0,
# 0000:00:05.0, 0000:00:06.0), MVF_VF2_BDF, MVF_VF3_BDF (0000:00:07.0,
# 0000:00:08.0; bound if present: run.sh check boots 4 VFs), MVF_QEMU_CASES
# (qemu-mig.py --cases, default all), MVF_TEST_TIMEOUT (seconds per program,
# default 600), MVF_TESTS (programs to run in check mode; the default list
# is DEFAULT_TESTS below, and the ones it leaves out are named in the log).
#
# Each program runs in a process group of its own (timeout(1) makes one)
# with its output in a file, not a pipe: a hung program is killed with
# everything it started when its time is up and counts as failed (its
# missing TAP results too), a program that exits non-zero counts as a
# failure even when its TAP counts are complete, and the other programs'
# counts are kept.  OUTDIR/summary.partial holds the counts so far after
# every program, for the host to use if the VM never finishes.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}

MODE=${1:-}
OUT=${2:-}
case "$MODE" in
check | demo | demo-uapi | bench) ;;
*)
	echo "usage: $0 check|demo|demo-uapi|bench OUTDIR" >&2
	exit 2
	;;
esac
if [ -z "$OUT" ]; then
	echo "usage: $0 check|demo|demo-uapi|bench OUTDIR" >&2
	exit 2
fi

ST=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$ST/.." && pwd)
PF_BDF=${MVF_PF_BDF:-0000:00:04.0}
VF0_BDF=${MVF_VF0_BDF:-0000:00:05.0}
VF1_BDF=${MVF_VF1_BDF:-0000:00:06.0}
VF2_BDF=${MVF_VF2_BDF:-0000:00:07.0}
VF3_BDF=${MVF_VF3_BDF:-0000:00:08.0}
VF4_BDF=${MVF_VF4_BDF:-0000:00:09.0}
QEMU_MISMATCH=""
export MVF_VF0_BDF=$VF0_BDF MVF_VF1_BDF=$VF1_BDF
# The VFs the QEMU migration tests use: VF0, VF1, and VF2, VF3 if present.
QEMU_VFS=$VF0_BDF,$VF1_BDF
TIMEOUT=${MVF_TEST_TIMEOUT:-600}
# Our modules: built for Debian's kernel in the tree, for the
# dirty-tracking and debug kernels (tools/vm/kernel.sh) in build/kmod-<release>.
KO_DIR=$SRC
[ -f "$SRC/build/kmod-$(uname -r)/mvf_core.ko" ] && KO_DIR=$SRC/build/kmod-$(uname -r)
# reinit-stress: mig_precopy's REINIT-is-synchronous test 50 times in a
# row (it once lost a race in the emulator's write ordering); vfio-mig:
# the vfio-mig tool's smoke test; qemu-mig: QEMU live migration of a VM
# owning VFs (selftests/qemu/qemu-mig.py); conformance: the generic
# vfio_mig_conformance on VF0 and on mtty, side by side
# (selftests/conformance/run.sh; vfio_mig_conformance alone runs it on VF0).
# mig_golden: the committed golden streams (selftests/golden/) load.
DEFAULT_TESTS="mig_arcs mig_vf0_to_vf1 mig_stream_errors mig_precopy reinit-stress mig_poll mig_stress mig_dirty mig_lifecycle conformance vfio-mig mig_golden qemu-mig"
# Not in the default list: xkernel-save and xkernel-load, the two halves
# of the cross-kernel test (selftests/mig_file.sh), which need boots of
# two kernels in a row (tools/vm/test.sh check-612).  In MVF_TESTS the
# word "default" stands for DEFAULT_TESTS.
TESTS=${MVF_TESTS:-$DEFAULT_TESTS}
TESTS=$(echo " $TESTS " | sed "s/ default / $DEFAULT_TESTS /")
XKERNEL_DIR=$SRC/build/xkernel
REINIT_RUNS=${MVF_REINIT_RUNS:-50}
# installed.sh's phases (apt, DKMS build, depmod, libvirtd under TCG)
INSTALLED_TIMEOUT=${MVF_INSTALLED_TIMEOUT:-2400}
# shellcheck source=selftests/lib/runner.sh
. "$ST/lib/runner.sh"

driver_of() {
	local l
	l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || return 0
	basename "$l"
}

# bind BDF DRIVER: unbind from any other driver, driver_override, probe.
bind() {
	local bdf=$1 drv=$2 dev=/sys/bus/pci/devices/$1 cur
	if [ ! -e "$dev" ]; then
		echo "bind: $bdf: no such PCI device"
		return 1
	fi
	echo "bind: $bdf [$(cat "$dev/vendor"):$(cat "$dev/device")] -> $drv"
	cur=$(driver_of "$bdf")
	if [ -n "$cur" ] && [ "$cur" != "$drv" ]; then
		echo "$bdf" >"$dev/driver/unbind" || return 1
	fi
	echo "$drv" >"$dev/driver_override" || return 1
	if [ "$(driver_of "$bdf")" != "$drv" ]; then
		echo "$bdf" >/sys/bus/pci/drivers_probe || true
	fi
	cur=$(driver_of "$bdf")
	if [ "$cur" != "$drv" ]; then
		echo "bind: $bdf is bound to '${cur:-nothing}', not $drv"
		return 1
	fi
	return 0
}

load_modules() {
	local ko
	modprobe vfio-pci || return 1
	modprobe vfio_iommu_type1 || return 1
	for m in vfio_pci_core vfio_iommu_type1; do
		if [ ! -d "/sys/module/$m" ]; then
			echo "modules: $m not loaded"
			return 1
		fi
	done
	for ko in mvf_core mvf_vfio_pci; do
		if [ -d "/sys/module/$ko" ]; then
			echo "modules: $ko already loaded"
			continue
		fi
		if [ ! -f "$KO_DIR/$ko.ko" ]; then
			echo "modules: $KO_DIR/$ko.ko missing"
			return 1
		fi
		insmod "$KO_DIR/$ko.ko" || return 1
	done
	return 0
}

bind_all() {
	local bdf grp ok=0
	bind "$PF_BDF" mvf_core || ok=1
	for bdf in "$VF0_BDF" "$VF1_BDF"; do
		bind "$bdf" mvf_vfio_pci || {
			ok=1
			continue
		}
		grp=$(basename "$(readlink "/sys/bus/pci/devices/$bdf/iommu_group")")
		if [ ! -c "/dev/vfio/$grp" ]; then
			echo "bind: $bdf: /dev/vfio/$grp missing"
			ok=1
		fi
	done
	# VF2 and VF3 exist only in a 4-VF boot (run.sh --vfs 4, check's default)
	if [ -e "/sys/bus/pci/devices/$VF2_BDF" ] && [ -e "/sys/bus/pci/devices/$VF3_BDF" ]; then
		bind "$VF2_BDF" mvf_vfio_pci || ok=1
		bind "$VF3_BDF" mvf_vfio_pci || ok=1
		QEMU_VFS=$QEMU_VFS,$VF2_BDF,$VF3_BDF
	fi
	# VF4, in a 5-VF boot, has other device memory than VF0 (test.sh's
	# check runs mvf-emu --devmem-mib 64,64,64,64,32): qemu-mig's
	# devmem-mismatch case migrates onto it
	if [ -e "/sys/bus/pci/devices/$VF4_BDF" ]; then
		bind "$VF4_BDF" mvf_vfio_pci || ok=1
		QEMU_MISMATCH="--mismatch-vf $VF4_BDF"
	fi
	return $ok
}


# Build the programs if the infra did not (slow under TCG, but works).
ensure_built() {
	local k p missing=0
	for p in $TESTS mvf-demo mvf-bench mvf-precopy-bench mvf-state; do
		case $p in
		reinit-stress) p=mig_precopy ;;
		conformance) p=vfio_mig_conformance ;;
		vfio-mig | qemu-mig | qemu-mig-broken | installed | mig_golden | xkernel-*) continue ;;
		esac
		[ -x "$ST/$p" ] || missing=1
	done
	[ $missing = 0 ] && return 0
	k=
	for p in /usr/src/linux-source-*/tools/testing/selftests; do
		[ -f "$p/kselftest_harness.h" ] && k=$p
	done
	echo "build: programs missing, building with KSFT_DIR=$k"
	make -C "$ST" KSFT_DIR="$k"
}

# kmemleak (the debug kernel, tools/vm/kernel.sh): it does not scan by
# itself there.  kmemleak_start marks what boot left unreferenced as
# already seen; kmemleak_check, after the modules are unloaded, scans
# and counts one check: no unreferenced object since the start.  On a
# kernel without kmemleak neither does anything.
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_start() {
	mountpoint -q /sys/kernel/debug ||
		mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	[ -e "$KMEMLEAK" ] || return 0
	echo "guest-run: kmemleak: scan, then clear what boot left"
	echo scan >"$KMEMLEAK" && echo clear >"$KMEMLEAK"
}
kmemleak_check() {
	local n
	[ -e "$KMEMLEAK" ] || return 0
	echo "=== kmemleak"
	# an object is reported once it has been unreferenced for 5 s
	sleep 6
	echo scan >"$KMEMLEAK" && echo scan >"$KMEMLEAK"
	if ! cat "$KMEMLEAK" >"$OUT/kmemleak.txt" 2>&1; then
		result 1 "kmemleak scan (reading $KMEMLEAK failed: $(head -n1 "$OUT/kmemleak.txt"))"
		return
	fi
	n=$(grep -c '^unreferenced object' "$OUT/kmemleak.txt")
	if [ "$n" != 0 ]; then
		head -n 80 "$OUT/kmemleak.txt"
		result 1 "kmemleak: no unreferenced object after the run" \
			"$n reported, $OUT/kmemleak.txt"
	else
		result 0 "kmemleak: no unreferenced object after the run"
	fi
}

main() {
	local rc bad installed deb
	mkdir -p "$OUT"
	echo "guest-run: mode $MODE, kernel $(uname -r), source $SRC, out $OUT"
	echo "guest-run: PF $PF_BDF, VF0 $VF0_BDF, VF1 $VF1_BDF"
	kmemleak_start

	case " $TESTS " in
	*" installed "*)
		installed=1
		deb=${MVF_DEB:-$(ls "$SRC"/build/mvf-dkms_*_all.deb 2>/dev/null | tail -n1)}
		# the package's modules, loaded by udev and driverctl
		# DKMS's build and depmod take minutes under TCG
		TIMEOUT=$INSTALLED_TIMEOUT run_tap installed "$ST/installed.sh" install \
			"${deb:-no-mvf-dkms-deb-in-build}" "$PF_BDF" "$VF0_BDF" "$VF1_BDF"
		;;
	*)
		installed=0
		load_modules
		result $? "load vfio-pci, mvf_core.ko, mvf_vfio_pci.ko"
		bind_all
		result $? "bind PF to mvf_core and VFs to mvf_vfio_pci via driver_override"
		;;
	esac

	case "$MODE" in
	check)
		ensure_built || result 1 "build selftests"
		for t in $DEFAULT_TESTS; do
			case " $TESTS " in
			*" $t "*) ;;
			*) echo "guest-run: MVF_TESTS leaves out $t" ;;
			esac
		done
		for t in $TESTS; do
			case $t in
			installed) ;;
			vfio-mig)
				# the vfio-mig tool, driven like a user would
				run_tap vfio-mig "$SRC/tools/vfio-mig/guest-test.sh" \
					"$VF0_BDF" "$VF1_BDF" "$OUT/vfio-mig"
				;;
			qemu-mig)
				# QEMU live migration of a VM owning VFs (TAP, one
				# test per case; figures in qemu-mig/qemu-mig-results.txt)
				run_tap qemu-mig python3 "$ST/qemu/qemu-mig.py" \
					--vfs "$QEMU_VFS" --out "$OUT/qemu-mig" \
					${MVF_QEMU_CASES:+--cases "$MVF_QEMU_CASES"} \
					$QEMU_MISMATCH
				;;
			qemu-mig-broken)
				# with mvf-emu --dirty-fault drop (a tracker that
				# loses the pages the workload's DMA writes): the
				# migrated guest must find stale pages
				run_tap "$t" python3 "$ST/qemu/qemu-mig.py" \
					--vfs "$QEMU_VFS" --out "$OUT/qemu-mig-broken" \
					--cases broken-tracker --config device
				;;
			mig_golden)
				run_tap "$t" "$ST/mig_file.sh" golden "$VF1_BDF" \
					"$ST/golden"
				;;
			xkernel-save)
				run_tap "$t" "$ST/mig_file.sh" save "$VF0_BDF" \
					"$XKERNEL_DIR"
				;;
			xkernel-load)
				run_tap "$t" "$ST/mig_file.sh" load "$VF1_BDF" \
					"$XKERNEL_DIR"
				;;
			reinit-stress)
				run_tap "$t" "$ST/repeat.sh" "$REINIT_RUNS" \
					"$ST/mig_precopy" pc.reinit_reported_synchronously \
					"$VF0_BDF" "$VF1_BDF"
				;;
			vfio_mig_conformance)
				# generic suite: one device, as the upstream
				# vfio selftests take it
				run_tap "$t" "$ST/$t" "$VF0_BDF"
				;;
			conformance)
				# the generic suite on VF0 and on mtty, side by
				# side (two runs of it: twice the time)
				TIMEOUT=$((TIMEOUT * 2)) run_tap "$t" \
					"$ST/conformance/run.sh" "$OUT" "$VF0_BDF"
				;;
			*)
				if [ -x "$ST/$t" ]; then
					run_tap "$t" "$ST/$t" "$VF0_BDF" "$VF1_BDF"
				else
					result 1 "$t: program missing"
				fi
				;;
			esac
		done
		;;
	demo)
		echo "=== QEMU live migration demo (selftests/qemu/qemu-mig.py --demo)"
		timeout -k 10 "$TIMEOUT" python3 "$ST/qemu/qemu-mig.py" --demo \
			--vfs "$VF0_BDF,$VF1_BDF" --out "$OUT/qemu-mig" 2>&1 |
			tee "$OUT/demo.txt"
		rc=${PIPESTATUS[0]}
		result "$rc" "demo: QEMU live migration of a running VM with VF0 to VF1, guest verdict PASS" "exit status $rc"
		;;
	demo-uapi)
		ensure_built || result 1 "build demo"
		echo "=== mvf-demo"
		timeout -k 10 "$TIMEOUT" "$ST/mvf-demo" "$VF0_BDF" "$VF1_BDF" 2>&1 |
			tee "$OUT/demo.txt"
		rc=${PIPESTATUS[0]}
		result "$rc" "demo: VF0 -> VF1 migration verified" "exit status $rc"
		;;
	bench)
		ensure_built || result 1 "build bench"
		echo "=== mvf-bench"
		timeout -k 10 "$TIMEOUT" "$ST/mvf-bench" "$OUT/bench.txt" \
			"$VF0_BDF" "$VF1_BDF" 2>&1
		rc=$?
		result "$rc" "bench: results in $OUT/bench.txt" "exit status $rc"
		echo "=== mvf-precopy-bench"
		timeout -k 10 "$TIMEOUT" "$ST/mvf-precopy-bench" "$OUT/bench.txt" \
			"$VF0_BDF" "$VF1_BDF" 2>&1
		rc=$?
		result "$rc" "bench: PRE_COPY figures in $OUT/bench.txt" \
			"exit status $rc"
		;;
	esac

	if [ "$installed" = 1 ]; then
		TIMEOUT=$INSTALLED_TIMEOUT run_tap installed-remove "$ST/installed.sh" remove \
			"$deb" "$PF_BDF" "$VF0_BDF" "$VF1_BDF"
	fi

	# Unloading must work once the devices are closed.
	echo "=== unload"
	rmmod mvf_vfio_pci && rmmod mvf_core
	result $? "rmmod mvf_vfio_pci mvf_core"
	kmemleak_check

	echo "=== kernel log"
	if ! dmesg >"$OUT/dmesg.txt" 2>&1; then
		result 1 "kernel log readable (dmesg failed: $(head -n1 "$OUT/dmesg.txt"))"
	fi
	bad=$(dmesg_bad "$OUT/dmesg.txt")
	if [ -n "$bad" ]; then
		echo "$bad"
		result 1 "kernel log free of $DMESG_BAD"
	else
		result 0 "kernel log free of $DMESG_BAD"
	fi

	echo "$PASS passed, $FAIL failed" >"$OUT/summary"
	echo "guest-run: $PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
}

mkdir -p "$OUT" || exit 2
main 2>&1 | tee "$OUT/guest-run.log"
rc=${PIPESTATUS[0]}
sync
exit "$rc"
