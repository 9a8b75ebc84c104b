#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# repeat.sh N PROGRAM TEST [ARGS...] - run one kselftest harness test N
# times in a row (PROGRAM -r TEST ARGS...) and report each run as one TAP
# test.  A run passes only if the program exits 0 and its own TAP output
# says "ok" for the test.  For races that show once in many runs, e.g.
#   repeat.sh 50 ./mig_precopy pc.reinit_reported_synchronously VF0 VF1
# Each run has its own time limit (MVF_REPEAT_TIMEOUT seconds, default
# 120); the failing runs' output is kept on stdout as TAP comments.
set -u
if [ $# -lt 3 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: $0 N PROGRAM TEST [ARGS...]" >&2
	exit 2
fi
n=$1 prog=$2 test=$3
shift 3
limit=${MVF_REPEAT_TIMEOUT:-120}
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

echo "TAP version 13"
echo "1..$n"
failed=0
for i in $(seq 1 "$n"); do
	timeout -k 5 "$limit" "$prog" -r "$test" "$@" >"$out" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -Eq "^ok [0-9]+ ${test//./\\.}( |$)" "$out"; then
		echo "ok $i $test run $i"
	else
		failed=$((failed + 1))
		sed 's/^/# /' "$out"
		echo "not ok $i $test run $i (exit status $rc)"
	fi
done
echo "# $test: $((n - failed)) of $n runs passed"
[ "$failed" = 0 ]
