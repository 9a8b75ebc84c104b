#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Stand-in guest runner for tools/vm/run.sh (MVF_GUEST_RUN): runs the
# emulator's end-to-end smoke test in the VM with plain vfio-pci.
#   MVF_GUEST_RUN=tools/emu/tests/vm/guest-smoke.sh tools/vm/run.sh check --name emu-smoke
mode=$1
out=$2
mkdir -p "$out"
python3 /mvf-src/tools/emu/tests/vm/guest_smoke.py "$out" 2>&1 | tee "$out/smoke.txt"
dmesg >"$out/dmesg.txt" 2>/dev/null
exit 0
