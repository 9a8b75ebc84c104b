#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mig_file.sh - migration streams kept in files, inside the test VM (VFs
# bound to mvf_vfio_pci).  Prints TAP for guest-run.sh's run_tap; exit
# status 0 only if every test passed.
#
#   mig_file.sh save VF DIR    the save half of the cross-kernel test: VF's
#                              device memory gets a pattern (mvf-state fill),
#                              vfio-mig save writes DIR/$(uname -r).mig, and
#                              the file must describe the VF byte for byte
#                              (mvf-state check)
#   mig_file.sh load VF DIR    the load half: DIR must hold exactly one
#                              .mig file saved under another kernel release
#                              (none is a failure, not a skip); VF's device
#                              memory is overwritten with another pattern,
#                              vfio-mig load must accept the file, the VF's
#                              device memory must then equal the file's
#                              DEVMEM bytes, and a vfio-mig save of the VF
#                              must give back the file byte for byte
#   mig_file.sh golden VF DIR  every committed golden stream DIR/*.mig (one
#                              per stream format version, see
#                              Documentation/device.rst) must load into
#                              VF with every register and device memory byte
#                              as it was saved (mvf-state load)
#
# tools/vm/test.sh's check-612 runs "save" under Debian's 7.2, "load" then
# "save" under trixie's 6.12 and "load" under 7.2 again, with DIR the
# shared build/xkernel of the repository: each direction is one "load".
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}

MODE=${1:-}
VF=${2:-}
DIR=${3:-}
if [ -z "$MODE" ] || [ -z "$VF" ] || [ -z "$DIR" ]; then
	echo "usage: $0 save|load|golden VF_BDF DIR" >&2
	exit 2
fi
ST=$(cd "$(dirname "$0")" && pwd)
MIG=$ST/../tools/vfio-mig/vfio-mig
STATE=$ST/mvf-state
REL=$(uname -r)
N=0
FAILS=0

# t STATUS NAME: report one test.
t() {
	N=$((N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $N - $MODE: $2"
	else
		FAILS=$((FAILS + 1))
		echo "not ok $N - $MODE: $2"
	fi
}

# quote CMD...: run CMD with its output as TAP comments; CMD's status.
quote() {
	local out st
	out=$("$@" 2>&1)
	st=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
	return "$st"
}

echo "TAP version 13"
case $MODE in
save)
	echo "1..3"
	mkdir -p "$DIR" || exit 1
	f=$DIR/$REL.mig
	rm -f "$f"
	# a seed of this kernel's own, so the two directions differ
	seed=0x$(printf '%s' "$REL" | sha256sum | cut -c1-15)
	quote "$STATE" fill "$VF" "$seed"
	t $? "mvf-state fill $VF $seed"
	quote "$MIG" save "$VF" "$f"
	t $? "vfio-mig save $VF $f (kernel $REL)"
	quote "$STATE" check "$VF" "$f"
	t $? "$f holds $VF's device memory byte for byte"
	;;
load)
	echo "1..5"
	files=()
	for f in "$DIR"/*.mig; do
		[ -f "$f" ] && [ "${f##*/}" != "$REL.mig" ] && files+=("$f")
	done
	[ ${#files[@]} = 1 ]
	t $? "exactly one state saved under another kernel than $REL in $DIR: ${files[*]:-none}"
	f=${files[0]:-$DIR/missing.mig}
	quote "$STATE" fill "$VF" 0x10ad0000
	t $? "mvf-state fill $VF 0x10ad0000 (the load must overwrite it)"
	quote "$MIG" load "$VF" "$f"
	t $? "vfio-mig load $VF $f (saved under ${f##*/}, loaded under $REL.mig)"
	quote "$STATE" check "$VF" "$f"
	t $? "$VF's device memory equals $f byte for byte"
	back=$(mktemp /tmp/mig_file.XXXXXX)
	quote "$MIG" save "$VF" "$back" && quote cmp "$f" "$back"
	t $? "vfio-mig save of $VF after the load gives back $f byte for byte"
	rm -f "$back"
	;;
golden)
	files=()
	for f in "$DIR"/*.mig; do
		[ -f "$f" ] && files+=("$f")
	done
	echo "1..$((1 + 2 * ${#files[@]}))"
	[ ${#files[@]} -gt 0 ]
	t $? "golden streams in $DIR: ${#files[@]}"
	for f in "${files[@]}"; do
		quote "$STATE" fill "$VF" 0x60dd0000
		t $? "mvf-state fill $VF 0x60dd0000 (the load must overwrite it)"
		quote "$STATE" load "$VF" "$f"
		t $? "${f##*/} loads into $VF with its registers and device memory"
	done
	;;
*)
	echo "usage: $0 save|load|golden VF_BDF DIR" >&2
	exit 2
	;;
esac
echo "# $MODE: $((N - FAILS)) passed, $FAILS failed"
[ "$FAILS" = 0 ]
