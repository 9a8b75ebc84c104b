#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What "make check", "make check-debug", "make check-612", "make demo" and "make bench" run:
# from a bare Debian machine to results in one command.
#
#   check  host packages, emulator + its unit tests, the guest runner's
#          counting rules (selftests/runner-test.sh), the fuzz targets
#          (tools/fuzz/run.sh check, ~2 min), rootfs, modules,
#          selftests and vfio-mig (built in the rootfs), the 6.12 build check
#          (tools/vm/buildroot-612.sh: the modules with W=1 against Debian
#          trixie's 6.12 headers, one test), the mvf-dkms package, and
#          three VM boots on Debian's kernel: every guest program;
#          mig_inflight with the emulator's --slow-chunks 200; and the
#          installed-modules lane: the mvf-dkms package (tools/vm/build.sh
#          deb) apt installed on a throwaway overlay root, the devices
#          bound by udev, driverctl and libvirt, two programs run on
#          those modules, apt remove (selftests/installed.sh).  Last line
#          of output: "N passed, N failed", the unit tests', the 6.12
#          check's and the guest's counts added up; a part that could not
#          run counts as one failure.  Exit status 0 only if every part
#          ran and nothing failed.
#   check-debug  host packages, emulator, rootfs, modules, selftests,
#          vfio-mig and the L3 guest as for check, the debug kernel
#          (MVF_KERNEL_DEBUG=1 tools/vm/kernel.sh, cached: Debian's config
#          with IOMMUFD, VFIO cdevs, KASAN, lockdep and kmemleak), its
#          modules and mtty, and two VM boots on it: every guest program,
#          mig_race and mig_mutate, ending with a kmemleak scan (mig_dirty
#          and QEMU's default, device dirty tracking, go through the vfio core's
#          DMA_LOGGING_REPORT here; the conformance suite and vfio-mig
#          through the iommufd cdevs too); and a QEMU migration with a
#          broken tracker that the migrated guest must catch.  Same
#          closing line and exit status rules as check.
#   check-612  Debian trixie's 6.12 LTS at run time: host packages,
#          emulator, rootfs, modules, selftests, vfio-mig and the L3 guest
#          as for check, the 6.12 build check (it also builds the modules
#          the 6.12 VM loads, build/kmod-<release>), and three VM boots:
#          Debian's 7.2 saves VF0's state into build/xkernel/ (guest test
#          xkernel-save, selftests/mig_file.sh); trixie's 6.12 runs every
#          guest program (the same list as check's first boot), loads the
#          7.2 state into VF1 and verifies it byte for byte (xkernel-load),
#          and saves its own; 7.2 again loads and verifies the 6.12 state.
#          Same closing line and exit status rules as check.
#   demo   same setup, one VM boot running the QEMU live-migration demo (a
#          running VM that owns VF0 migrated to a QEMU that owns VF1); prints
#          QEMU's figures and the guest's verdict (build/guest/demo/demo.txt).
#   demo-uapi  the same with the VFIO uAPI demo (mvf-demo: VF0's state
#          migrated into VF1 without QEMU).
#   bench  same setup, three VM boots (device memory 64, 256 and 1024 MiB);
#          the bench.txt files are collected into build/bench-results.txt.
#
# env: MVF_SKIP_DEPS=1  do not run tools/deps.sh
#      MVF_INSTALLED=0  check: leave out the fifth boot (the installed lane,
#                       10-30 minutes: DKMS builds the modules in the TCG guest)
#      (and those of tools/vm/run.sh, tools/vm/build.sh, tools/vm/rootfs.sh)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/vm/lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
# rootfs.sh caches under $HOME; CI jobs do not always set it.
if [ -z "${HOME:-}" ]; then
	HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
	export HOME
fi

mode=${1:-}
case $mode in
check | check-debug | check-612 | demo | demo-uapi | bench) ;;
*)
	echo "usage: $0 check|check-debug|check-612|demo|demo-uapi|bench" >&2
	exit 2
	;;
esac

passed=0
failed=0
problems=()

# problem TEXT: a part that did not run or failed outright (one failure).
problem() {
	echo "$mode: FAILED: $1" >&2
	problems+=("$1")
	failed=$((failed + 1))
}

# add_counts LINE: add "N passed, M failed" to the totals.
add_counts() {
	local re='^([0-9]+) passed, ([0-9]+) failed$'
	[[ $1 =~ $re ]] || return 1
	passed=$((passed + BASH_REMATCH[1]))
	failed=$((failed + BASH_REMATCH[2]))
}

step() {
	echo "==== $mode: $* ====" >&2
}

finish() {
	local p
	if [ ${#problems[@]} -gt 0 ]; then
		echo "$mode: problems:" >&2
		for p in "${problems[@]}"; do
			echo "  - $p" >&2
		done
	fi
}

# 1. Host packages.
host_ok=1
if [ "${MVF_SKIP_DEPS:-0}" != 1 ]; then
	step "host packages (tools/deps.sh)"
	"$repo/tools/deps.sh" || { problem "tools/deps.sh failed"; host_ok=0; }
fi

# 2. Emulator (host) and, for check, its unit tests.
emu_ok=0
if [ "$host_ok" = 1 ]; then
	step "emulator (make -C tools/emu)"
	if "$here/build.sh" emu; then
		emu_ok=1
	else
		problem "the emulator did not build"
	fi
fi
if [ "$mode" = check ]; then
	step "emulator unit tests (make -C tools/emu check)"
	unit_log=$repo/build/emu-unit-tests.log
	mkdir -p "$repo/build"
	unit_status=0
	make -C "$repo/tools/emu" check 2>&1 | tee "$unit_log" || unit_status=$?
	unit_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$unit_log" | tail -n1 || true)
	if [ -z "$unit_line" ]; then
		problem "the emulator unit tests did not run (status $unit_status; build/emu-unit-tests.log)"
	else
		add_counts "$unit_line"
		echo "$mode: emulator unit tests: $unit_line" >&2
		if [ "$unit_status" != 0 ] && [[ $unit_line =~ \ 0\ failed$ ]]; then
			problem "make -C tools/emu check exited with status $unit_status"
		fi
	fi
fi

# 2b. check: the guest runner's counting rules, on the host.
if [ "$mode" = check ]; then
	step "guest runner rules (selftests/runner-test.sh)"
	runner_log=$repo/build/runner-test.log
	runner_status=0
	"$repo/selftests/runner-test.sh" 2>&1 | tee "$runner_log" || runner_status=$?
	runner_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$runner_log" | tail -n1 || true)
	if [ -z "$runner_line" ]; then
		problem "selftests/runner-test.sh did not run (status $runner_status)"
	else
		add_counts "$runner_line"
		if [ "$runner_status" != 0 ] && [[ $runner_line =~ \ 0\ failed$ ]]; then
			problem "selftests/runner-test.sh exited with status $runner_status"
		fi
	fi
fi

# 2c. check: each fuzz target's regression inputs and ~30 s of fuzzing, one
# counted test per target (tools/fuzz/run.sh; Documentation/fuzzing.rst).
if [ "$mode" = check ] && [ "$host_ok" = 1 ]; then
	step "fuzz targets (tools/fuzz/run.sh check)"
	fuzz_log=$repo/build/fuzz-check.log
	fuzz_status=0
	"$repo/tools/fuzz/run.sh" check 2>&1 | tee "$fuzz_log" || fuzz_status=$?
	fuzz_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$fuzz_log" | tail -n1 || true)
	if [ -z "$fuzz_line" ]; then
		problem "tools/fuzz/run.sh check did not run (status $fuzz_status; build/fuzz-check.log)"
	else
		add_counts "$fuzz_line"
		if [ "$fuzz_status" != 0 ] && [[ $fuzz_line =~ \ 0\ failed$ ]]; then
			problem "tools/fuzz/run.sh check exited with status $fuzz_status"
		fi
	fi
fi

# 3. Rootfs, modules and selftests.
built=0
kmod_ok=0
deb_ok=0
if [ "$host_ok" = 1 ]; then
	step "test VM rootfs (tools/vm/rootfs.sh)"
	if root=$(mvf_rootfs "$repo"); then
		export MVF_ROOTFS=$root
		step "kernel modules and selftests (tools/vm/build.sh, in the rootfs)"
		if ! "$here/build.sh" modules; then
			problem "the kernel modules did not build"
		elif ! "$here/build.sh" selftests; then
			problem "the selftests did not build"
		else
			built=1
		fi
		step "vfio-mig (tools/vm/build.sh vfio-mig, in the rootfs)"
		"$here/build.sh" vfio-mig || problem "vfio-mig did not build"
		step "L3 guest workload (tools/vm/build.sh l3guest, in the rootfs)"
		"$here/build.sh" l3guest || problem "the L3 guest (tools/l3guest) did not build"
		if [ "$mode" = check ]; then
			step "mvf-dkms Debian package (tools/vm/build.sh deb, in the rootfs)"
			if "$here/build.sh" deb; then
				deb_ok=1
			else
				problem "the mvf-dkms package did not build (build/deb/build.log)"
			fi
			step "mtty, the conformance suite's peer device (tools/vm/build.sh mtty, in the rootfs)"
			"$here/build.sh" mtty || problem "mtty (samples/vfio-mdev) did not build"
			step "conformance table rules (selftests/conformance/compare-test.sh, on the host)"
			conf_log=$repo/build/compare-test.log
			conf_st=0
			"$repo/selftests/conformance/compare-test.sh" \
				"$(compgen -G "$root/usr/src/linux-source-*/include/uapi/linux/vfio.h" | tail -n1)" \
				2>&1 | tee "$conf_log" || conf_st=$?
			conf_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$conf_log" | tail -n1 || true)
			if [ -z "$conf_line" ]; then
				problem "selftests/conformance/compare-test.sh did not run (status $conf_st)"
			else
				add_counts "$conf_line"
			fi
		fi
		if [ "$mode" = check-debug ]; then
			step "debug kernel, its modules and mtty (MVF_KERNEL_DEBUG=1 tools/vm/kernel.sh, build.sh modules-mvf mtty-mvf)"
			if MVF_KERNEL_DEBUG=1 "$here/build.sh" modules-mvf mtty-mvf; then
				kmod_ok=1
			else
				problem "the debug kernel or its modules did not build"
			fi
		fi
	else
		problem "no test VM rootfs"
	fi
	# A compile check against the host's (older) uAPI headers; the
	# binary the guest runs is the rootfs one above.
	if [ "$mode" = check ]; then
		if "$here/build.sh" vfio-mig-host; then
			passed=$((passed + 1))
		else
			problem "vfio-mig does not compile on the host (README: it builds there)"
		fi
	fi
fi

# 3b. check, check-612: the 6.12 LTS build check, one test of its own; it
# also leaves the modules for the 6.12 VM in build/kmod-<release>.
k612_ok=0
if { [ "$mode" = check ] || [ "$mode" = check-612 ]; } && [ "$host_ok" = 1 ]; then
	step "6.12 build check: W=1 against Debian trixie's 6.12 headers (tools/vm/buildroot-612.sh)"
	if "$here/buildroot-612.sh"; then
		passed=$((passed + 1))
		echo "$mode: 6.12 build check passed" >&2
	else
		problem "the 6.12 build check failed (build/build-612.log)"
	fi
	# warnings fail the check above, but the modules are still tested
	if r612=$("$here/buildroot-612.sh" --root-only) &&
		k612=$(mvf_kver "$r612") &&
		[ -f "$repo/build/kmod-$k612/mvf_vfio_pci.ko" ]; then
		k612_ok=1
	fi
fi

# 4. The VM.
vm_status=1
run_vm() {
	step "VM: tools/vm/run.sh $*"
	"$here/run.sh" "$@"
}

# check_vm NAME RUN.SH-OPTIONS...: one check boot, its counts added.
check_vm() {
	local name=$1 st=0 line partial
	shift
	run_vm check --name "$name" "$@" || st=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' \
		"$repo/build/guest/$name/summary" 2>/dev/null | tail -n1 || true)
	partial=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' \
		"$repo/build/guest/$name/summary.partial" 2>/dev/null | tail -n1 || true)
	if [ -z "$line" ] && [ -n "$partial" ]; then
		# The VM died or timed out: keep what it counted.
		add_counts "$partial"
		problem "VM run $name did not finish (status $st); counts kept up to its last program: $partial"
	elif [ -z "$line" ]; then
		problem "VM run $name wrote no test summary (see build/vm/$name/console.log)"
	else
		add_counts "$line"
		if [ "$st" != 0 ] && [[ $line =~ \ 0\ failed$ ]]; then
			problem "VM run $name failed (status $st) although its summary reports no failure"
		fi
	fi
}
if [ "$built" = 1 ] && [ "$emu_ok" = 1 ]; then
	case $mode in
	check)
		# 1. Debian's kernel: every guest program; VF4 has half the
		# device memory (qemu-mig's devmem-mismatch case).
		check_vm check --vfs 5 --emu-opts "--devmem-mib 64,64,64,64,32"
		# 1b. The same kernel with every SAVE/LOAD_CHUNK held 200 ms in
		# the device: close, reset and arcs with chunks in flight.
		MVF_TESTS="mig_inflight" check_vm check-inflight \
			--devmem-mib 16 --emu-opts "--slow-chunks 200"
		# 2. The installed modules (selftests/installed.sh), on a
		# throwaway overlay root: apt install the mvf-dkms package,
		# udev/modalias, driverctl and libvirt bind the devices, two
		# programs run on those modules, apt remove.
		if [ "${MVF_INSTALLED:-1}" = 0 ]; then
			problem "MVF_INSTALLED=0: the installed-modules lane was left out"
		elif [ "$deb_ok" = 1 ]; then
			# (DKMS's build, xz and depmod under TCG: the install
			# phase took 17 minutes next to a kernel build)
			MVF_VM_TIMEOUT=${MVF_VM_TIMEOUT:-3600} \
				MVF_TESTS="installed mig_arcs vfio-mig" \
				check_vm check-installed --vfs 2
		fi
		;;
	check-debug)
		# 1. The debug kernel (tools/vm/kernel.sh: KASAN, lockdep,
		# kmemleak; and IOMMUFD, so the vfio core can REPORT: mig_dirty
		# goes through it and QEMU runs with its default, device dirty
		# tracking; and VFIO cdevs: vfio-mig and the conformance suite
		# (mvf and mtty) run through them as well as through the
		# groups).  Every guest program, with check's VFs, mig_race
		# (every entry point at once, PF and VF unbind included) and
		# mig_mutate (500 mutated resume streams into VF1); the run ends with a kmemleak scan (selftests/guest-run.sh), and
		# any report fails it.
		if [ "$kmod_ok" = 1 ]; then
			MVF_KERNEL_DEBUG=1 MVF_VM_TIMEOUT=${MVF_VM_TIMEOUT:-3600} \
				MVF_TESTS="default mig_race mig_mutate" check_vm check-debug --kernel mvf --vfs 5 \
				--emu-opts "--devmem-mib 64,64,64,64,32"
			# 2. The same kernel with a tracker that loses the pages
			# the workload writes: the migrated guest must notice.
			MVF_KERNEL_DEBUG=1 MVF_TESTS="qemu-mig-broken" check_vm check-broken \
				--kernel mvf --vfs 2 --emu-opts "--dirty-fault drop"
		else
			problem "no debug kernel: its VMs were not run"
		fi
		;;
	check-612)
		# Both directions of the cross-kernel test, in boot order: a
		# state file left from an earlier run must not count.
		rm -rf "$repo/build/xkernel"
		MVF_TESTS="xkernel-save" check_vm check-612-save72 --vfs 2
		if [ "$k612_ok" = 1 ]; then
			# the cross-kernel halves first (they must not depend on
			# the long suite finishing in time), then every guest
			# program on 6.12, with check's VFs; the conformance
			# suite runs on the VF alone (mtty is built for 7.2's
			# headers only, tools/vm/build.sh mtty)
			MVF_TESTS="xkernel-load xkernel-save mig_arcs mig_vf0_to_vf1 mig_stream_errors mig_precopy reinit-stress mig_poll mig_stress mig_lifecycle mig_dirty vfio_mig_conformance vfio-mig mig_golden qemu-mig" \
				check_vm check-612 --kernel 612 --vfs 5 \
				--emu-opts "--devmem-mib 64,64,64,64,32"
		else
			problem "no modules for the 6.12 kernel: the 6.12 VM was not run"
		fi
		MVF_TESTS="xkernel-load" check_vm check-612-load72 --vfs 2
		;;
	demo | demo-uapi)
		run_vm "$mode" && vm_status=0 || vm_status=$?
		[ "$vm_status" = 0 ] || problem "the demo failed (status $vm_status)"
		;;
	bench)
		results=$repo/build/bench-results.txt
		: >"$results"
		vm_status=0
		for mib in 64 256 1024; do
			st=0
			run_vm bench --devmem-mib "$mib" --name "bench-$mib" || st=$?
			f=$repo/build/guest/bench-$mib/bench.txt
			if [ "$st" != 0 ]; then
				problem "bench with $mib MiB device memory failed (status $st)"
				vm_status=$st
			fi
			if [ -s "$f" ]; then
				{
					echo "# device memory $mib MiB (build/guest/bench-$mib/bench.txt)"
					cat "$f"
					echo
				} >>"$results"
			else
				problem "bench with $mib MiB wrote no bench.txt"
			fi
		done
		if [ -s "$results" ]; then
			echo "==== build/bench-results.txt ===="
			cat "$results"
		fi
		;;
	esac
else
	problem "the VM was not run (nothing to run it with)"
fi

finish
if [ "$mode" = check ] || [ "$mode" = check-debug ] || [ "$mode" = check-612 ]; then
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
