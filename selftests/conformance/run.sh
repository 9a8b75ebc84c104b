#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh OUTDIR MVF-BDF - vfio_mig_conformance on an mvf VF and on mtty,
# side by side (the guest program "conformance", selftests/guest-run.sh).
#
# mtty is the kernel's own sample migration driver (samples/vfio-mdev/
# mtty.c), built from the rootfs's kernel source by tools/vm/build.sh mtty
# into build/mtty/mtty.ko.  This script loads it (after the mdev core),
# creates one instance with a fixed UUID, runs the suite on the VF (by its
# sysfs path) and on the instance (by UUID), each through its IOMMU group
# and, where the kernel has VFIO cdevs, through its cdev as well, hands the TAP
# outputs to compare.py with each device's expectation file (mvf.xfail,
# mtty.xfail).  Prints compare.py's TAP (one test a check) and table; the
# table also goes to OUTDIR/conformance/table.txt, the suite's own outputs
# to OUTDIR/conformance/*.tap.  Exit status: compare.py's (0 only if
# nothing was unexpected on any device), 1 if a device could not be set up.
#
# Environment: MVF_CONF_MVF_XFAIL, MVF_CONF_MTTY_XFAIL (other expectation
# files), MVF_MTTY_KO (default: SRC/build/mtty-<running release>/mtty.ko
# if there is one, as tools/vm/build.sh mtty-mvf builds for the
# dirty-tracking kernel, else SRC/build/mtty/mtty.ko).
set -u

OUT=${1:?usage: run.sh OUTDIR MVF-BDF}
VF=${2:?usage: run.sh OUTDIR MVF-BDF}
HERE=$(cd "$(dirname "$0")" && pwd)
ST=$(cd "$HERE/.." && pwd)
SRC=$(cd "$ST/.." && pwd)
SUITE=$ST/vfio_mig_conformance
MTTY_KO=$SRC/build/mtty-$(uname -r)/mtty.ko
[ -f "$MTTY_KO" ] || MTTY_KO=$SRC/build/mtty/mtty.ko
MTTY_KO=${MVF_MTTY_KO:-$MTTY_KO}
MTTY_UUID=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
MTTY_TYPES=/sys/class/mdev_bus/mtty/mdev_supported_types
D=$OUT/conformance
mkdir -p "$D"

# TAP for a setup failure: compare.py is not reached.
setup_failed() {
	echo "1..1"
	echo "not ok 1 conformance: $*"
	exit 1
}

mtty_up() {
	local t
	[ -f "$MTTY_KO" ] || setup_failed "$MTTY_KO missing (tools/vm/build.sh mtty)"
	modprobe mdev || setup_failed "modprobe mdev failed (CONFIG_VFIO_MDEV)"
	if [ ! -d /sys/module/mtty ]; then
		insmod "$MTTY_KO" || setup_failed "insmod $MTTY_KO failed"
	fi
	t=$MTTY_TYPES/mtty-1
	[ -d "$t" ] || setup_failed "no $t after loading mtty"
	if [ ! -e "/sys/bus/mdev/devices/$MTTY_UUID" ]; then
		echo "$MTTY_UUID" >"$t/create" ||
			setup_failed "creating mtty instance $MTTY_UUID failed"
	fi
	[ -e "/sys/bus/mdev/devices/$MTTY_UUID/iommu_group" ] ||
		setup_failed "mtty instance $MTTY_UUID has no IOMMU group"
	echo "# mtty: instance $MTTY_UUID of $(cat "$t/name") ($t)"
}

mtty_down() {
	[ -e "/sys/bus/mdev/devices/$MTTY_UUID/remove" ] &&
		echo 1 >"/sys/bus/mdev/devices/$MTTY_UUID/remove"
	[ -d /sys/module/mtty ] && rmmod mtty
}

# suite NAME SPEC [cdev]: run the suite on one device into D/NAME.tap.
suite() {
	local name=$1 spec=$2 rc
	if [ "${3:-}" = cdev ]; then
		VFIO_SELFTESTS_CDEV=1 "$SUITE" "$spec" >"$D/$name.tap" 2>&1
	else
		"$SUITE" "$spec" >"$D/$name.tap" 2>&1
	fi
	rc=$?
	echo "# $name: vfio_mig_conformance $spec${3:+ (cdev)}: exit status $rc," \
		"$(grep -cE '^ok ' "$D/$name.tap") ok," \
		"$(grep -cE '^not ok ' "$D/$name.tap") not ok"
}

# has_cdev SYSFS-DIR: the device has /dev/vfio/devices/vfioN and there is
# an iommufd to bind it to.  (sysfs has vfio-dev/vfioN without
# CONFIG_VFIO_DEVICE_CDEV too: the class device exists, the node does not.)
has_cdev() {
	local c
	[ -c /dev/iommu ] || return 1
	for c in "$1"/vfio-dev/vfio*; do
		[ -c "/dev/vfio/devices/${c##*/}" ] && return 0
	done
	return 1
}

[ -x "$SUITE" ] || setup_failed "$SUITE not built"
uapi=
for h in /usr/src/linux-source-*/include/uapi/linux/vfio.h; do
	[ -f "$h" ] && uapi=$h
done
[ -n "$uapi" ] || setup_failed "no kernel source uAPI header (include/uapi/linux/vfio.h)"
[ -e "/sys/bus/pci/devices/$VF" ] || setup_failed "no PCI device $VF"
mtty_up

mvf_x=${MVF_CONF_MVF_XFAIL:-$HERE/mvf.xfail}
mtty_x=${MVF_CONF_MTTY_XFAIL:-$HERE/mtty.xfail}
devs=(--dev mvf "$D/mvf.tap" "$mvf_x" --dev mtty "$D/mtty.tap" "$mtty_x")
# The VF by its sysfs path (its BDF is what the mvf tests select it by),
# mtty by its UUID: every way to name a device is used.
suite mvf "$(readlink -f "/sys/bus/pci/devices/$VF")"
suite mtty "$MTTY_UUID"
# A kernel configured with VFIO cdevs must have them for both devices.
cdev_kernel=0
grep -qx 'CONFIG_VFIO_DEVICE_CDEV=y' "/boot/config-$(uname -r)" 2>/dev/null && cdev_kernel=1
if [ "$cdev_kernel" = 1 ]; then
	for s in "/sys/bus/pci/devices/$VF" "/sys/bus/mdev/devices/$MTTY_UUID"; do
		has_cdev "$s" || setup_failed "$(uname -r) has CONFIG_VFIO_DEVICE_CDEV=y but $s has no /dev/vfio/devices node or there is no /dev/iommu"
	done
fi
if has_cdev "/sys/bus/pci/devices/$VF"; then
	suite mvf-cdev "$VF" cdev
	devs+=(--dev mvf-cdev "$D/mvf-cdev.tap" "$mvf_x")
else
	echo "# cdev: $VF has no /dev/vfio/devices node or there is no /dev/iommu" \
		"(kernel without CONFIG_VFIO_DEVICE_CDEV): through the group only"
fi
if has_cdev "/sys/bus/mdev/devices/$MTTY_UUID"; then
	suite mtty-cdev "$MTTY_UUID" cdev
	devs+=(--dev mtty-cdev "$D/mtty-cdev.tap" "$mtty_x")
fi
mtty_down

python3 "$HERE/compare.py" --uapi "$uapi" --table "$D/table.txt" "${devs[@]}"
