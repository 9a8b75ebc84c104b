#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-test.sh VF0_BDF VF1_BDF [OUTDIR] - smoke test of vfio-mig inside the
# test VM, with VF0 and VF1 bound to mvf_vfio_pci (PRE_COPY capable).
# Prints TAP (a "1..N" plan, "ok N - ..." / "not ok N - ..."), so that
# guest-run.sh's run_tap can count it; exit status 0 only if all passed.
# Scratch files (the saved states, every command's output) go to OUTDIR
# (default: a temporary directory, removed at the end).
#
# What it checks, with exact expected strings:
#  - info on VF0: device line with the sysfs IOMMU group, migration flags
#    0x7 (STOP_COPY|P2P|PRE_COPY), all 7 states, state RUNNING, a non-zero
#    MIG_DATA_SIZE, PRECOPY_INFOv2 supported, dirty tracking supported
#    exactly when the kernel's vfio core can REPORT (CONFIG_IOMMUFD_DRIVER)
#    or mvf_vfio_pci's dirty_without_report parameter is set;
#  - save VF0 (STOP_COPY only) and save VF0 --precopy: exit 0, the summary
#    line's total equals the file size, nothing read in PRE_COPY without
#    --precopy, initial data read in PRE_COPY and less in STOP_COPY with it,
#    PRECOPY_INFOv2 enabled;
#  - load both files into VF1 (the second with --run): accepted;
#  - a truncated stream is refused with an error naming VF1 and the arc;
#  - state get/set by name, each arc's output line; --hold (the device stays
#    open and busy until SIGTERM); bad usage: exit 2;
#  - on a kernel built with CONFIG_VFIO_DEVICE_CDEV (the dirty-tracking
#    kernel, tools/vm/kernel.sh), the same device through its cdev
#    /dev/vfio/devices/vfioN bound to /dev/iommu: the node exists for both
#    VFs, info names it, a save through the cdev equals a save through the
#    group byte for byte, the file loads into VF1 through its cdev, and a
#    save of VF1 afterwards gives the file back byte for byte.  Five more
#    tests; a kernel whose configuration has the option but no node fails
#    them.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}

VF0=${1:-}
VF1=${2:-}
if [ -z "$VF0" ] || [ -z "$VF1" ]; then
	echo "usage: $0 VF0_BDF VF1_BDF [OUTDIR]" >&2
	exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
MIG=$HERE/vfio-mig
if [ -n "${3:-}" ]; then
	OUT=$3
	mkdir -p "$OUT" || exit 2
else
	OUT=$(mktemp -d /tmp/vfio-mig-test.XXXXXX) || exit 2
	trap 'rm -rf "$OUT"' EXIT
fi

# the cdev tests run where the kernel was built with VFIO cdevs
CDEV=0
grep -qx 'CONFIG_VFIO_DEVICE_CDEV=y' "/boot/config-$(uname -r)" 2>/dev/null && CDEV=1
PLAN=$((24 + 5 * CDEV))
N=0
FAILS=0
echo "TAP version 13"
echo "1..$PLAN"

# t STATUS NAME: report one test.
t() {
	N=$((N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $N - vfio-mig: $2"
	else
		FAILS=$((FAILS + 1))
		echo "not ok $N - vfio-mig: $2"
	fi
}

# has FILE LINE: FILE contains exactly LINE (whole line, fixed string).
has() {
	if grep -qFx -- "$2" "$1"; then
		return 0
	fi
	echo "# expected line '$2' in $1, got:"
	sed 's/^/#   /' "$1"
	return 1
}

# run NAME EXPECTED_STATUS CMD...: run vfio-mig, output in OUT/NAME.{out,err}.
run() {
	local name=$1 want=$2 st
	shift 2
	"$MIG" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
	st=$?
	sed 's/^/# /' "$OUT/$name.out" "$OUT/$name.err"
	if [ "$st" != "$want" ]; then
		echo "# vfio-mig $*: exit status $st, want $want"
		return 1
	fi
	return 0
}

# same FILE1 FILE2: the two files are byte-identical (cmp's words if not).
same() {
	local out
	out=$(cmp "$1" "$2" 2>&1) && return 0
	echo "# $out"
	return 1
}

# field FILE REGEX: print the first capture group of REGEX (sed -E) in FILE.
field() {
	sed -nE "s|$2|\\1|p" "$1" | head -n1
}

if [ ! -x "$MIG" ]; then
	echo "# $MIG missing, building it"
	make -C "$HERE" >/dev/null 2>&1 || true
fi
[ -x "$MIG" ]
t $? "binary $MIG present"

# --- info ---
grp=$(basename "$(readlink "/sys/bus/pci/devices/$VF0/iommu_group")")
run info0 0 info "$VF0"
t $? "info $VF0 exits 0"
has "$OUT/info0.out" "device: $VF0 (IOMMU group $grp)" &&
	has "$OUT/info0.out" "migration-flags: 0x7 (STOP_COPY|P2P|PRE_COPY)" &&
	has "$OUT/info0.out" "states: STOP RUNNING STOP_COPY RESUMING RUNNING_P2P PRE_COPY PRE_COPY_P2P" &&
	has "$OUT/info0.out" "state: RUNNING"
t $? "info: device, migration flags, states, state lines"
dsize=$(field "$OUT/info0.out" '^mig-data-size: ([0-9]+) bytes$')
[ -n "$dsize" ] && [ "$dsize" -gt 0 ]
t $? "info: mig-data-size is a non-zero byte count (${dsize:-none})"
has "$OUT/info0.out" "precopy-info-v2: supported"
t $? "info: precopy-info-v2 supported"
# mvf_vfio_pci offers DMA logging when the vfio core can REPORT
# (CONFIG_IOMMUFD_DRIVER) or its dirty_without_report parameter is set;
# otherwise the core answers the PROBE with ENOTTY.
dirty_want="dirty-tracking: not supported (Inappropriate ioctl for device)"
if grep -qx 'CONFIG_IOMMUFD_DRIVER=y' "/boot/config-$(uname -r)" 2>/dev/null ||
	[ "$(cat /sys/module/mvf_vfio_pci/parameters/dirty_without_report 2>/dev/null)" = Y ]; then
	dirty_want="dirty-tracking: supported"
fi
has "$OUT/info0.out" "$dirty_want"
t $? "info: $dirty_want"

# --- save without PRE_COPY ---
f_sc=$OUT/vf0-stopcopy.bin
run save_sc 0 save "$VF0" "$f_sc"
t $? "save $VF0 (STOP_COPY only) exits 0"
sz=$(stat -c %s "$f_sc" 2>/dev/null || echo 0)
re="^saved $VF0 to $f_sc: ([0-9]+) bytes \\(precopy 0, stop-copy ([0-9]+)\\); .*$"
tot=$(field "$OUT/save_sc.out" "$re")
[ "$sz" -gt 0 ] && [ "$tot" = "$sz" ] &&
	[ "$(sed -nE "s|$re|\\2|p" "$OUT/save_sc.out")" = "$sz" ]
t $? "save: summary '$tot bytes (precopy 0, stop-copy $sz)' matches the file size $sz"

# --- save through PRE_COPY ---
f_pc=$OUT/vf0-precopy.bin
run save_pc 0 save "$VF0" "$f_pc" --precopy --precopy-timeout 60
t $? "save $VF0 --precopy exits 0"
has "$OUT/save_pc.err" "precopy: PRECOPY_INFOv2 enabled (REINIT reported)"
t $? "save --precopy: PRECOPY_INFOv2 opted in"
sz_pc=$(stat -c %s "$f_pc" 2>/dev/null || echo 0)
re="^saved $VF0 to $f_pc: ([0-9]+) bytes \\(precopy ([0-9]+), stop-copy ([0-9]+)\\); .*$"
tot=$(field "$OUT/save_pc.out" "$re")
pre=$(sed -nE "s|$re|\\2|p" "$OUT/save_pc.out")
post=$(sed -nE "s|$re|\\3|p" "$OUT/save_pc.out")
[ "$sz_pc" -gt 0 ] && [ "$tot" = "$sz_pc" ] && [ -n "$pre" ] && [ -n "$post" ] &&
	[ $((pre + post)) = "$sz_pc" ]
t $? "save --precopy: summary total $tot = precopy ${pre:-?} + stop-copy ${post:-?} = file size $sz_pc"
[ -n "$pre" ] && [ -n "$post" ] && [ "$pre" -gt 0 ] && [ "$post" -gt 0 ] &&
	[ "$post" -lt "$pre" ]
t $? "save --precopy: initial data read in PRE_COPY (${pre:-?}), less in STOP_COPY (${post:-?})"
grep -qE '^precopy: [0-9]+ bytes saved, initial_bytes 0, dirty_bytes [0-9]+$' "$OUT/save_pc.err"
t $? "save --precopy: progress line reached initial_bytes 0"

# --- load into VF1 ---
run load_sc 0 load "$VF1" "$f_sc"
t $? "load $VF1 from the STOP_COPY-only file exits 0"
grep -qE "^loaded $VF1 from $f_sc: $sz bytes in [0-9.]+ ms, device in STOP$" "$OUT/load_sc.out"
t $? "load: summary names $VF1, $sz bytes, device in STOP"
run load_pc 0 load "$VF1" "$f_pc" --run
t $? "load --run $VF1 from the PRE_COPY file exits 0"
grep -qE "^loaded $VF1 from $f_pc: $sz_pc bytes in [0-9.]+ ms, device in RUNNING$" "$OUT/load_pc.out"
t $? "load --run: summary names $VF1, $sz_pc bytes, device in RUNNING"

# --- a truncated stream is refused ---
f_bad=$OUT/vf0-truncated.bin
head -c $((sz / 2)) "$f_sc" >"$f_bad"
run load_bad 1 load "$VF1" "$f_bad"
st=$?
grep -qE "^vfio-mig: $VF1: (set state RESUMING -> STOP: .+ \\(device now in [A-Z_]+\\)|write data_fd in RESUMING at stream offset [0-9]+: .+)$" "$OUT/load_bad.err"
gst=$?
[ "$st" = 0 ] && [ "$gst" = 0 ]
t $? "load of a truncated stream fails with exit 1 naming $VF1, the arc and the errno"

# --- state ---
run st_get 0 state "$VF0" && has "$OUT/st_get.out" "RUNNING"
t $? "state $VF0 prints RUNNING"
run st_sc 0 state "$VF0" stop_copy && has "$OUT/st_sc.out" "RUNNING -> STOP_COPY (data_fd opened)"
t $? "state $VF0 stop_copy: RUNNING -> STOP_COPY with a data_fd"
run st_pcp 0 state "$VF0" pre_copy_p2p &&
	has "$OUT/st_pcp.out" "RUNNING -> PRE_COPY_P2P (data_fd opened)"
t $? "state $VF0 pre_copy_p2p: RUNNING -> PRE_COPY_P2P with a data_fd"
run st_res 0 state "$VF1" resuming && has "$OUT/st_res.out" "RUNNING -> RESUMING (data_fd opened)" &&
	run st_p2p 0 state "$VF1" running_p2p && has "$OUT/st_p2p.out" "RUNNING -> RUNNING_P2P"
t $? "state $VF1 resuming / running_p2p"

# --- --hold keeps the device (and its state) until SIGTERM ---
"$MIG" state "$VF1" stop --hold >"$OUT/hold.out" 2>"$OUT/hold.err" &
hpid=$!
for _ in $(seq 100); do
	grep -q 'holding the device open' "$OUT/hold.err" && break
	sleep 0.1
done
run busy 1 state "$VF1"
bst=$?
grep -qE "^vfio-mig: $VF1: open /dev/vfio/[0-9]+: Device or resource busy " "$OUT/busy.err"
gst=$?
kill -TERM "$hpid"
wait "$hpid"
hst=$?
sed 's/^/# /' "$OUT/hold.out" "$OUT/hold.err"
[ "$bst" = 0 ] && [ "$gst" = 0 ] && [ "$hst" = 0 ] && has "$OUT/hold.out" "RUNNING -> STOP"
t $? "state --hold keeps $VF1 open (a second open: busy, exit 1) until SIGTERM (exit 0)"

# --- usage errors ---
run bad_state 2 state "$VF0" bogus &&
	has "$OUT/bad_state.err" "vfio-mig: unknown state 'bogus' (want stop, running, stop_copy, resuming, running_p2p, pre_copy or pre_copy_p2p)" &&
	run bad_args 2 save "$VF0"
t $? "bad usage exits 2 with a message"

# --- the same device through its VFIO cdev, bound to /dev/iommu ---
# cdev_of BDF: /dev/vfio/devices/vfioN of BDF (from sysfs), or nothing.
cdev_of() {
	local d
	for d in "/sys/bus/pci/devices/$1/vfio-dev/"vfio*; do
		[ -e "$d" ] && [ -c "/dev/vfio/devices/${d##*/}" ] &&
			echo "/dev/vfio/devices/${d##*/}"
	done
}
if [ "$CDEV" = 1 ]; then
	c0=$(cdev_of "$VF0")
	c1=$(cdev_of "$VF1")
	[ -n "$c0" ] && [ -n "$c1" ] && [ -c /dev/iommu ]
	st=$?
	echo "# $VF0: '${c0}', $VF1: '${c1}', /dev/iommu: $(stat -c %F /dev/iommu 2>&1)"
	t $st "cdev: /dev/vfio/devices nodes for $VF0 and $VF1 and /dev/iommu (CONFIG_VFIO_DEVICE_CDEV)"
	c0=${c0:-/dev/vfio/devices/none0}
	c1=${c1:-/dev/vfio/devices/none1}
	run cinfo 0 info "$c0" && has "$OUT/cinfo.out" "device: $c0" &&
		has "$OUT/cinfo.out" "migration-flags: 0x7 (STOP_COPY|P2P|PRE_COPY)" &&
		has "$OUT/cinfo.out" "state: RUNNING"
	t $? "cdev: info $c0 names the cdev, migration flags 0x7, state RUNNING"
	f_cg=$OUT/vf0-group.bin
	f_cd=$OUT/vf0-cdev.bin
	run csave 0 save "$c0" "$f_cd" && run gsave 0 save "$VF0" "$f_cg" &&
		grep -qE "^saved $c0 to $f_cd: [0-9]+ bytes " "$OUT/csave.out" &&
		[ -s "$f_cd" ] && same "$f_cd" "$f_cg"
	t $? "cdev: save through $c0 equals a save through $VF0's group byte for byte ($(stat -c %s "$f_cd" 2>/dev/null || echo 0) bytes)"
	run cload 0 load "$c1" "$f_cd" --run &&
		grep -qE "^loaded $c1 from $f_cd: [0-9]+ bytes in [0-9.]+ ms, device in RUNNING$" "$OUT/cload.out"
	t $? "cdev: load --run through $c1 accepted, device in RUNNING"
	f_back=$OUT/vf1-back.bin
	run cback 0 save "$VF1" "$f_back" && same "$f_cd" "$f_back"
	t $? "cdev: a save of $VF1 after the load gives the cdev file back byte for byte"
fi

if [ "$N" != "$PLAN" ]; then
	echo "# ran $N tests, plan says $PLAN"
	exit 1
fi
echo "# vfio-mig: $((N - FAILS)) passed, $FAILS failed"
[ "$FAILS" = 0 ]
