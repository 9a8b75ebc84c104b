#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# One test VM boot, run by tools/vm/run.sh as PID 1 of private mount and pid
# namespaces (do not call it directly).  Starts, on the host side of the
# chroot, the device emulator, then inside the rootfs virtiofsd and QEMU;
# waits for QEMU to end or the deadline; always stops all three.  When this
# script exits, the kernel kills anything left in the pid namespace and
# drops every mount made here.
#
# Inputs (environment, set by run.sh):
#   MVF_ROOT     host path of the rootfs          MVF_REPO   host path of the repo
#   MVF_RUN      host path of the per-run scratch dir, inside MVF_ROOT/mvf-run
#   MVF_LOGDIR   host dir for console.log, qemu.log, virtiofsd.log, emu.log
#   MVF_EMU      host path of mvf-emu             MVF_DEVMEM device memory, MiB
#   MVF_KVER     guest kernel release             MVF_APPEND kernel command line
#   MVF_KIMAGE   guest kernel image in the rootfs (default /boot/vmlinuz-$MVF_KVER)
#   MVF_KERNEL_DIR  tools/vm/kernel.sh's directory or the 6.12 chroot, mounted at /mvf-kernel
#   MVF_TIMEOUT  seconds QEMU may run             MVF_VFS    VFs (2..5, default 2)
#   MVF_EMU_OPTS more mvf-emu options
# Exit: 0 QEMU ended by itself (guest powered off) and mvf-emu stayed up and
# exited cleanly; 124 timeout; 1 anything else.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/vm/lib.sh
. "$here/lib.sh"

[ $$ = 1 ] || die "must be pid 1 of a new pid namespace; use tools/vm/run.sh"
root=${MVF_ROOT:?}
repo=${MVF_REPO:?}
rundir=${MVF_RUN:?}
logdir=${MVF_LOGDIR:?}
emu=${MVF_EMU:?}
devmem=${MVF_DEVMEM:?}
kver=${MVF_KVER:?}
append=${MVF_APPEND:?}
timeout=${MVF_TIMEOUT:?}
nvfs=${MVF_VFS:-2}

log() {
	echo "vm: $*" >&2
}

emu_pid=
vfs_pid=
qemu_pid=

# stop PID NAME: SIGTERM, up to 10 s grace, then SIGKILL.  Prints nothing
# for processes already gone.
# shellcheck disable=SC2317 # called from the EXIT trap
stop() {
	local pid=$1 name=$2 i
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	log "$name (pid $pid) ignored SIGTERM for 10 s; killing it"
	kill -KILL "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317 # runs as the EXIT trap
cleanup() {
	local status=$?
	set +e
	trap - EXIT TERM INT HUP
	stop "$qemu_pid" qemu
	stop "$vfs_pid" virtiofsd
	if [ -n "$emu_pid" ] && kill -0 "$emu_pid" 2>/dev/null; then
		kill -TERM "$emu_pid"
		wait "$emu_pid"
		local est=$?
		if [ "$est" != 0 ] && [ "$status" = 0 ]; then
			log "mvf-emu exited with status $est on SIGTERM (expected 0); see $logdir/emu.log"
			status=1
		fi
	fi
	rm -rf "$rundir"
	exit "$status"
}
trap cleanup EXIT
trap 'log "SIGTERM: stopping the VM"; exit 143' TERM
trap 'log "SIGINT: stopping the VM"; exit 130' INT
trap 'exit 129' HUP

# wait_for TEST PATH PID NAME SECONDS: wait until [ TEST PATH ] holds, while
# PID stays alive.
wait_for() {
	local test=$1 path=$2 pid=$3 name=$4 secs=$5 i
	for i in $(seq $((secs * 10))); do
		if test "$test" "$path"; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" && i=0 || i=$?
			log "$name exited (status $i) before creating $path"
			return 1
		fi
		sleep 0.1
	done
	log "$name did not create $path within $secs s"
	return 1
}

# dump_log FILE: show the end of a helper's log after it failed.
dump_log() {
	[ -s "$1" ] || return 0
	echo "---- last lines of $1 ----" >&2
	tail -n 20 "$1" >&2
	echo "----" >&2
}

mvf_ns_mounts "$root" "$repo"
run=${rundir#"$root"}	# the scratch dir as seen inside the chroot

# 1. The device: one mvf-emu process serving the PF and its VFs.
# shellcheck disable=SC2086 # MVF_EMU_OPTS is a list of options
"$emu" --socket-dir "$rundir" --devmem-mib "$devmem" --vfs "$nvfs" ${MVF_EMU_OPTS:-} \
	</dev/null >"$logdir/emu.log" 2>&1 &
emu_pid=$!
wait_for -f "$rundir/ready" "$emu_pid" mvf-emu 20 || {
	dump_log "$logdir/emu.log"
	emu_pid=
	exit 1
}
socks=(pf)
for ((i = 0; i < nvfs; i++)); do socks+=("vf$i"); done
for s in "${socks[@]}"; do
	[ -S "$rundir/$s.sock" ] || {
		log "mvf-emu wrote ready but $rundir/$s.sock is not a socket"
		exit 1
	}
done

# 2. virtiofsd, exporting ROOT/mnt (rootfs + /mvf-src, see mvf_ns_mounts).
mvf_chroot "$root" /usr/libexec/virtiofsd --shared-dir /mnt \
	--socket-path "$run/vfs.sock" --cache always --announce-submounts \
	</dev/null >"$logdir/virtiofsd.log" 2>&1 &
vfs_pid=$!
wait_for -S "$rundir/vfs.sock" "$vfs_pid" virtiofsd 20 || {
	dump_log "$logdir/virtiofsd.log"
	vfs_pid=
	exit 1
}

# 3. QEMU, exactly as measured in DESIGN.md "Test VM recipe": TCG, q35 with
# split irqchip, memfd-backed shared RAM (virtiofs and the vfio-user server
# map it), intel-iommu before the vfio-user devices, PF at 00:04.0, VF0 at
# 00:05.0, VF1 at 00:06.0 (and VF2, VF3 at 00:07.0, 00:08.0 with MVF_VFS=4).
vfio_user() {
	printf '{"driver":"vfio-user-pci","id":"%s","addr":"%s","socket":{"type":"unix","path":"%s"}}' \
		"$1" "$2" "$run/$1.sock"
}
# shellcheck disable=SC2054 # commas belong to QEMU option values
qemu_args=(
	-nodefaults -no-user-config -display none -monitor none
	-machine q35,kernel-irqchip=split,memory-backend=mem
	-accel tcg,thread=multi -cpu max -smp 2 -m 2G
	-object memory-backend-memfd,id=mem,size=2G,share=on
	-chardev "socket,id=vfs,path=$run/vfs.sock"
	-device vhost-user-fs-pci,chardev=vfs,tag=rootfs
	-device intel-iommu,intremap=on,caching-mode=on
	-device "$(vfio_user pf 0x4)"
)
for ((i = 0; i < nvfs; i++)); do
	qemu_args+=(-device "$(vfio_user "vf$i" "$(printf '0x%x' $((5 + i)))")")
done
qemu_args+=(
	-serial "file:/mvf-src/${logdir#"$repo"/}/console.log"
	-no-reboot
	-kernel "${MVF_KIMAGE:-/boot/vmlinuz-$kver}"
	-append "$append"
)
printf '%q ' qemu-system-x86_64 "${qemu_args[@]}" >"$logdir/qemu.cmd"
echo >>"$logdir/qemu.cmd"
start=$(date +%s.%N)
mvf_chroot "$root" qemu-system-x86_64 "${qemu_args[@]}" \
	</dev/null >"$logdir/qemu.log" 2>&1 &
qemu_pid=$!
log "QEMU started (pid $qemu_pid in the VM's pid namespace), timeout ${timeout}s"

deadline=$(($(date +%s) + timeout))
while kill -0 "$qemu_pid" 2>/dev/null; do
	if ! kill -0 "$emu_pid" 2>/dev/null; then
		wait "$emu_pid" && st=0 || st=$?
		emu_pid=
		log "mvf-emu died while the VM was running (status $st); see $logdir/emu.log"
		dump_log "$logdir/emu.log"
		exit 1
	fi
	if [ "$(date +%s)" -ge "$deadline" ]; then
		log "timeout: the VM ran for ${timeout}s; stopping it"
		exit 124
	fi
	sleep 1
done
wait "$qemu_pid" && st=0 || st=$?
qemu_pid=
end=$(date +%s.%N)
secs=$(echo "$start $end" | awk '{printf "%.1f", $2 - $1}')
echo "$secs" >"$logdir/wall-seconds"
if [ "$st" != 0 ]; then
	log "QEMU exited with status $st after ${secs}s"
	dump_log "$logdir/qemu.log"
	exit 1
fi
log "guest powered off after ${secs}s (QEMU start to exit)"
exit 0
