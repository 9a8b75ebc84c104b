# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# How the guest runner counts: TAP programs with time limits, one result
# line per check, the kernel-log verdict.  Sourced by guest-run.sh (with
# OUT and TIMEOUT set) and by runner-test.sh, which checks these rules on
# the host.
#
#   result 0|1 NAME [DETAIL]   count one check, print ok/not ok
#   run_tap NAME CMD...        run a TAP program, add its counts (below)
#   partial                    write OUT/summary.partial
#   dmesg_bad FILE             print FILE's lines that fail a run

# Any of these in the kernel log fails the run.
DMESG_BAD='BUG:|WARNING:|Oops|KASAN|UBSAN:|lockdep is turned off|DEBUG_LOCKS_WARN_ON|possible circular locking|INFO: task .* blocked for more than|rcu: .*[Ss]tall|rcu_.*stall|kmemleak: .*suspected memory leak|general protection fault|Kernel panic'

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

dmesg_bad() {
	grep -E "$DMESG_BAD" "$1"
}

# partial: the counts so far, in case the VM never gets to the summary.
partial() {
	echo "$PASS passed, $FAIL failed" >"$OUT/summary.partial"
}

# run_tap NAME CMD...: run a kselftest program, count its TAP results.
run_tap() {
	local name=$1 tap=$OUT/$1.tap plan ok notok skip rc pid
	shift
	echo "=== $name"
	# timeout(1) leads a process group of its own: on expiry it signals
	# the whole group, and whatever is left of it afterwards is killed.
	timeout -k 10 "$TIMEOUT" "$@" >"$tap" 2>&1 &
	pid=$!
	wait "$pid"
	rc=$?
	kill -KILL -- "-$pid" 2>/dev/null
	cat "$tap"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "$name: timed out after $TIMEOUT s (exit status $rc), killed"
	fi
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$tap" | head -n1)
	ok=$(grep -E '^ok [0-9]+ ' "$tap" | grep -vc '# SKIP')
	skip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$tap")
	notok=$(grep -cE '^not ok [0-9]+ ' "$tap")
	if [ -z "$plan" ]; then
		echo "$name: no TAP plan (exit status $rc)"
		result 1 "$name: program ran"
		partial
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
	if [ "$rc" != 0 ] && [ $((notok + skip)) = 0 ] && [ $((ok + notok + skip)) -ge "$plan" ]; then
		result 1 "$name: exit status" "$rc, although every test passed"
	fi
	echo "$name: $ok passed, $((notok + skip)) failed, exit status $rc"
	partial
}
