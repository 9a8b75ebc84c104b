#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# runner-test.sh - checks, on the host, the counting rules of
# selftests/lib/runner.sh that the guest runner relies on: a hung program
# is killed with its process group and counts as failed, a non-zero exit
# with complete TAP counts is a failure, leftovers of a program never hold
# the run up, a missing plan is a failure, and the kernel-log patterns
# catch every kind of splat and nothing benign.  Ends with
# "N passed, N failed"; exit status 1 on any failure.
set -u
ST=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp -d) || exit 1
trap 'rm -rf "$OUT"' EXIT
TIMEOUT=3
# shellcheck source=selftests/lib/runner.sh
. "$ST/lib/runner.sh"

# shellcheck source=selftests/lib/check.sh
. "$ST/lib/check.sh"

# counts P F: PASS and FAIL since the last reset equal P and F.
counts() {
	[ "$PASS" = "$1" ] && [ "$FAIL" = "$2" ] ||
		{ echo "# counted $PASS passed, $FAIL failed; expected $1, $2"; return 1; }
}
reset() { PASS=0 FAIL=0; }

prog=$OUT/prog.sh
mkprog() { printf '#!/bin/bash\n%s\n' "$1" >"$prog" && chmod +x "$prog"; }
quiet() { "$@" >/dev/null 2>&1; }

reset
mkprog 'echo 1..2; echo "ok 1 a"; echo "ok 2 b"'
quiet run_tap pass "$prog"
check "complete TAP, exit 0: 2 passed" counts 2 0

reset
mkprog 'echo 1..2; echo "ok 1 a"; echo "ok 2 b"; exit 3'
quiet run_tap exit3 "$prog"
check "complete TAP, exit 3: one failure more" counts 2 1

reset
mkprog 'echo 1..3; echo "ok 1 a"; echo "not ok 2 b"; exit 1'
quiet run_tap partialtap "$prog"
check "a missing result counts as failed" counts 1 2

reset
mkprog 'echo "ok 1 a"'
quiet run_tap noplan "$prog"
check "no plan: one failure" counts 0 1

reset
marker=mvf-runner-test-$$
mkprog "echo 1..2; echo 'ok 1 a'; bash -c 'exec -a $marker sleep 300' & sleep 300"
start=$(date +%s)
quiet run_tap hang "$prog"
took=$(($(date +%s) - start))
check "a hung program is stopped at its time limit (took ${took}s)" [ "$took" -le $((TIMEOUT + 12)) ]
check "a hung program: its result and the missing one" counts 1 1
sleep 0.2
check "a hung program's children are killed" bash -c "! pgrep -f '^$marker' >/dev/null"

reset
mkprog "echo 1..1; echo 'ok 1 a'; bash -c 'exec -a $marker-2 sleep 300' & exit 0"
start=$(date +%s)
quiet run_tap leftover "$prog"
took=$(($(date +%s) - start))
check "a leftover child does not hold the run (took ${took}s)" [ "$took" -le 2 ]
check "a leftover child: counts" counts 1 0
sleep 0.2
check "a leftover child is killed" bash -c "! pgrep -f '^$marker-2' >/dev/null"

reset
quiet run_tap partialfile "$prog"
check "summary.partial written after a program" \
	grep -qx "$PASS passed, $FAIL failed" "$OUT/summary.partial"

bad=$OUT/bad.txt
good=$OUT/good.txt
cat >"$bad" <<'LOG'
[   12.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008
[   12.000000] WARNING: CPU: 1 PID: 77 at drivers/vfio/vfio_main.c:100 foo+0x1/0x2
[   12.000000] Oops: general protection fault, probably for non-canonical address
[   12.000000] BUG: KASAN: slab-use-after-free in mvf_vfio_release+0x10/0x20
[   12.000000] UBSAN: array-index-out-of-bounds in src/vfio/lm.c:42:7
[   12.000000] WARNING: possible circular locking dependency detected
[   12.000000] INFO: task mig_stress:123 blocked for more than 120 seconds.
[   12.000000] rcu: INFO: rcu_preempt self-detected stall on CPU
[   12.000000] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
[   12.000000] general protection fault, probably for non-canonical address 0xdead: 0000 [#1]
[   12.000000] Kernel panic - not syncing: Fatal exception
[   12.000000] INFO: lockdep is turned off.
[   12.000000] DEBUG_LOCKS_WARN_ON(1)
LOG
cat >"$good" <<'LOG'
[    1.000000] mvf_vfio_pci 0000:00:05.0: resetting
[    1.000000] rcu: Hierarchical RCU implementation.
[    1.000000] kmemleak disabled
[    0.000000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15679)
[    0.000000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    0.000000] ... MAX_LOCKDEP_KEYS:        8192
[    0.000000] kasan: KernelAddressSanitizer initialized (generic)
[    0.000000] rcu: 	RCU lockdep checking is enabled.
[    1.000000] vfio-pci 0000:00:05.0: enabling device (0000 -> 0002)
LOG
check "every splat kind matches the kernel-log check" \
	[ "$(dmesg_bad "$bad" | wc -l)" = "$(wc -l <"$bad")" ]
check "benign kernel-log lines do not match" bash -c "! grep -qE '$DMESG_BAD' '$good'"

echo "$TPASS passed, $TFAIL failed"
[ "$TFAIL" = 0 ]
