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
# own.  Writes OUTDIR/summary ("N passed, N failed"), OUTDIR/dmesg.txt and
# OUTDIR/guest-run.log (everything printed, also on the console).
#
# Environment: MVF_PF_BDF, MVF_VF0_BDF, MVF_VF1_BDF (default 0000:00:04.0,
# 0000:00:05.0, 0000:00:06.0), MVF_VF2_BDF, MVF_VF3_BDF (0000:00:07.0,
# 0000:00:08.0; bound if present: run.sh check boots 4 VFs), MVF_TEST_TIMEOUT
# (seconds per program, default 2400), MVF_TESTS (programs to run in check
# mode; qemu-mig runs only when it is unset), MVF_QEMU_CASES (qemu-mig.py
# --cases, default all).
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
export MVF_VF0_BDF=$VF0_BDF MVF_VF1_BDF=$VF1_BDF
# The VFs the QEMU migration tests use: VF0, VF1, and VF2, VF3 if present.
QEMU_VFS=$VF0_BDF,$VF1_BDF
TIMEOUT=${MVF_TEST_TIMEOUT:-2400}
TESTS=${MVF_TESTS:-mig_arcs mig_vf0_to_vf1 mig_stream_errors mig_precopy mig_poll mig_stress mig_dirty vfio_mig_conformance}
DMESG_BAD='BUG:|WARNING:|Oops|KASAN|lockdep|possible circular locking'

PASS=0
FAIL=0

result() { # result 0|1 NAME [detail]
	if [ "$1" = 0 ]; then
		PASS=$((PASS + 1))
		echo "ok - $2${3:+ ($3)}"
	else
		FAIL=$((FAIL + 1))
		echo "not ok - $2${3:+ ($3)}"
	fi
}

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
		if [ ! -f "$SRC/$ko.ko" ]; then
			echo "modules: $SRC/$ko.ko missing"
			return 1
		fi
		insmod "$SRC/$ko.ko" || return 1
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
	return $ok
}

# Build the programs if the infra did not (slow under TCG, but works).
ensure_built() {
	local k p missing=0
	for p in $TESTS mvf-demo mvf-bench mvf-precopy-bench; do
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

# run_tap NAME CMD...: run a kselftest program, count its TAP results.
run_tap() {
	local name=$1 tap=$OUT/$1.tap plan ok notok skip rc
	shift
	echo "=== $name"
	timeout -k 10 "$TIMEOUT" "$@" 2>&1 | tee "$tap"
	rc=${PIPESTATUS[0]}
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$tap" | head -n1)
	ok=$(grep -E '^ok [0-9]+ ' "$tap" | grep -vc '# SKIP')
	skip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$tap")
	notok=$(grep -cE '^not ok [0-9]+ ' "$tap")
	if [ -z "$plan" ]; then
		echo "$name: no TAP plan (exit status $rc)"
		result 1 "$name: program ran"
		return
	fi
	PASS=$((PASS + ok))
	FAIL=$((FAIL + notok + skip))
	if [ "$skip" -gt 0 ]; then
		echo "$name: $skip test(s) skipped, counted as failed"
	fi
	if [ $((ok + notok + skip)) -lt "$plan" ]; then
		echo "$name: $((plan - ok - notok - skip)) of $plan tests reported no result (exit status $rc)"
		FAIL=$((FAIL + plan - ok - notok - skip))
	fi
	echo "$name: $ok passed, $((notok + skip)) failed, exit status $rc"
}

main() {
	local rc bad
	mkdir -p "$OUT"
	echo "guest-run: mode $MODE, kernel $(uname -r), source $SRC, out $OUT"
	echo "guest-run: PF $PF_BDF, VF0 $VF0_BDF, VF1 $VF1_BDF"

	load_modules
	result $? "load vfio-pci, mvf_core.ko, mvf_vfio_pci.ko"
	bind_all
	result $? "bind PF to mvf_core and VFs to mvf_vfio_pci via driver_override"

	case "$MODE" in
	check)
		ensure_built || result 1 "build selftests"
		for t in $TESTS; do
			if [ ! -x "$ST/$t" ]; then
				result 1 "$t: program missing"
			elif [ "$t" = vfio_mig_conformance ]; then
				# generic suite: one device, as the upstream
				# vfio selftests take it
				run_tap "$t" "$ST/$t" "$VF0_BDF"
			else
				run_tap "$t" "$ST/$t" "$VF0_BDF" "$VF1_BDF"
			fi
		done
		# the vfio-mig tool, driven like a user would (TAP)
		if [ -z "${MVF_TESTS:-}" ]; then
			run_tap vfio-mig "$SRC/tools/vfio-mig/guest-test.sh" \
				"$VF0_BDF" "$VF1_BDF" "$OUT/vfio-mig"
			# QEMU live migration of a VM owning a VF (TAP, one
			# test per case; figures in qemu-mig/qemu-mig-results.txt)
			run_tap qemu-mig python3 "$ST/qemu/qemu-mig.py" \
				--vfs "$QEMU_VFS" --out "$OUT/qemu-mig" \
				${MVF_QEMU_CASES:+--cases "$MVF_QEMU_CASES"}
		fi
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

	# Unloading must work once the devices are closed.
	echo "=== unload"
	rmmod mvf_vfio_pci && rmmod mvf_core
	result $? "rmmod mvf_vfio_pci mvf_core"

	echo "=== kernel log"
	dmesg >"$OUT/dmesg.txt" 2>&1
	bad=$(grep -E "$DMESG_BAD" "$OUT/dmesg.txt")
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
