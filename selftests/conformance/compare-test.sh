#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# compare-test.sh VFIO_H - checks, on the host, that compare.py fails the
# conformance run on anything unexpected.  Input: the suite's real outputs
# on an mvf VF and on mtty (testdata/*.tap, from a test VM run), the
# expectation files as they are and with one change each, and VFIO_H, the
# kernel's include/uapi/linux/vfio.h.  Ends with "N passed, N failed";
# exit status 1 on any failure.
set -u
H=${1:?usage: compare-test.sh VFIO_H}
X=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

# shellcheck source=selftests/lib/check.sh
. "$X/../lib/check.sh"

# cmp MVF-XFAIL MTTY-XFAIL [MTTY-TAP]: compare.py's exit status; its
# output in $T/out, the table in $T/table.
cmp() {
	python3 "$X/compare.py" --uapi "$H" --table "$T/table" \
		--dev mvf "$X/testdata/mvf.tap" "$1" \
		--dev mtty "${3:-$X/testdata/mtty.tap}" "$2" >"$T/out" 2>&1
}
has() { grep -qF -- "$1" "$T/${2:-out}"; }

# without the entry whose check name is $1
drop() {
	awk -v c="$1" '/^check /{skip = ($2 == c)} !skip' "$X/mtty.xfail" >"$T/drop.xfail"
}

cmp "$X/mvf.xfail" "$X/mtty.xfail"
check "as committed: exit 0" [ $? = 0 ]
check "as committed: 0 unexpected" has "unexpected: 0" table
check "as committed: mtty's ENOMSG deviation is an expected failure" \
	has "ok 3 conf.precopy_stream_rules: mvf pass, mtty xfail"
check "as committed: mvf passes every check" has "mvf: 73 pass" table

drop conf.precopy_stream_rules
cmp "$X/mvf.xfail" "$T/drop.xfail"
check "mtty entry removed: exit 1" [ $? = 1 ]
check "mtty entry removed: the row fails, charged to mtty" \
	has "not ok 3 conf.precopy_stream_rules: mvf pass, mtty FAIL !"

cp "$X/mvf.xfail" "$T/mvf.xfail"
printf 'check conf.invalid_state_numbers\nexpect fail\nreason x\nuapi Device supports reset\n' \
	>>"$T/mvf.xfail"
cmp "$T/mvf.xfail" "$X/mtty.xfail"
check "wrong mvf expectation: exit 1" [ $? = 1 ]
check "wrong mvf expectation: an unexpected pass" \
	has "conf.invalid_state_numbers: mvf XPASS !"

sed 's/should return ENOMSG/must return ENOMSG/' "$X/mtty.xfail" >"$T/quote.xfail"
cmp "$X/mvf.xfail" "$T/quote.xfail"
check "a quote the header lacks: exit 1" [ $? = 1 ]
check "a quote the header lacks: named" has "quote not in the uAPI header"

sed 's/^reason read() returned 0.*/reason some other failure/' "$X/mtty.xfail" >"$T/reason.xfail"
cmp "$X/mvf.xfail" "$T/reason.xfail"
check "a failure for another reason than listed: exit 1" [ $? = 1 ]
check "a failure for another reason: named" has "FAIL (not for the listed reason) !"

sed '/^check pair.ERROR/,$d' "$X/mtty.xfail" >"$T/noskip.xfail"
cmp "$X/mvf.xfail" "$T/noskip.xfail"
check "an unlisted skip: exit 1" [ $? = 1 ]
check "an unlisted skip: the ERROR rows fail" \
	has "pair.ERROR__to__STOP.transition: mvf pass, mtty SKIP !"

head -n 100 "$X/testdata/mtty.tap" >"$T/short.tap"
cmp "$X/mvf.xfail" "$X/mtty.xfail" "$T/short.tap"
check "a device that stopped early: exit 1" [ $? = 1 ]
check "a device that stopped early: MISSING rows" has "mtty MISSING !"

echo "$TPASS passed, $TFAIL failed"
[ "$TFAIL" = 0 ]
