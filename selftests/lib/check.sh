# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The host-side tests' counter (runner-test.sh, conformance/compare-test.sh):
#   check NAME CONDITION...   run CONDITION, count and print ok/FAIL NAME
# TPASS and TFAIL hold the counts.

TPASS=0
TFAIL=0
check() {
	local name=$1
	shift
	if "$@"; then
		TPASS=$((TPASS + 1))
		echo "ok   $name"
	else
		TFAIL=$((TFAIL + 1))
		echo "FAIL $name"
	fi
}
