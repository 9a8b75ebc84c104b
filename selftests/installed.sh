#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# installed.sh install|remove DEB PF VF0 VF1 - the mvf-dkms package used the
# way a user uses it (TAP).  Run by guest-run.sh in the "installed" lane, in
# a VM whose root is a throwaway overlayfs (guest-init.sh mvf.root=overlay):
# it refuses to run on any other root, since it installs packages.
#
#   install  apt installs DEB (offline: its dependency dkms is in the rootfs),
#            checks the package, DKMS's state, the installed .ko files and
#            modules.alias; starts udevd and replays the boot's "add" events
#            (what systemd-udev-trigger does), after which the PF must be
#            bound to mvf_core through its modalias alone (no
#            driver_override); binds VF0 and VF1 with "driverctl
#            set-override", and checks that VF0 stays with mvf_vfio_pci
#            across an unbind and reprobe.
#   remove   gives VF1 back (driverctl --noprobe unset-override), lets libvirt's
#            managed mode pick the variant driver by itself (virsh
#            nodedev-detach must bind mvf_vfio_pci because of its vfio_pci:
#            modalias, nodedev-reattach must leave VF1 with no driver), then
#            apt removes the package and checks that the modules, their
#            aliases and DKMS's record are gone.
#
# Between the two, guest-run.sh runs selftests against the modules this
# loaded (modprobe from /lib/modules/<release>/updates/dkms, never insmod
# from the tree).  Every step is one TAP test with an exact assertion; the
# output names what was expected and what was found.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive

PHASE=${1:-}
DEB=${2:-}
PF=${3:-}
VF0=${4:-}
VF1=${5:-}
if [ -z "$VF1" ] || { [ "$PHASE" != install ] && [ "$PHASE" != remove ]; }; then
	echo "usage: $0 install|remove DEB PF VF0 VF1" >&2
	exit 2
fi

KVER=$(uname -r)
# The VM has no network.  apt is told it has no package sources, as on an
# offline machine: it installs the local .deb against what dpkg already has
# (dkms and the rest are in the rootfs) and does not parse sid's index
# (minutes under TCG).
APT_OFFLINE=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=/dev/null)
DKMS_DIR=/lib/modules/$KVER/updates/dkms
N=0
FAILED=0

ok() { # ok 0|1 DESCRIPTION [DETAIL]
	N=$((N + 1))
	echo "# (${SECONDS} s into this phase)"
	if [ "$1" = 0 ]; then
		echo "ok $N - $2"
	else
		echo "not ok $N - $2${3:+ # $3}"
		FAILED=$((FAILED + 1))
	fi
}

# run CMD...: run CMD, its output on stdout as TAP comments as it comes
# (a phase that runs out of time still shows where it was).
run() {
	"$@" </dev/null 2>&1 | sed -u 's/^/# /'
	return "${PIPESTATUS[0]}"
}

driver_of() {
	local l
	l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || return 0
	basename "$l"
}

# is_driver BDF DRIVER: BDF's driver is DRIVER ('' = no driver); prints
# what it found otherwise.
is_driver() {
	local cur
	cur=$(driver_of "$1")
	[ "$cur" = "$2" ] && return 0
	echo "# $1: driver '${cur}', expected '$2'"
	return 1
}

# no_override BDF: the kernel's driver_override of BDF is unset.
no_override() {
	local o
	o=$(cat "/sys/bus/pci/devices/$1/driver_override")
	[ "$o" = "(null)" ] && return 0
	echo "# $1: driver_override '$o', expected '(null)'"
	return 1
}

# alias_line MODULE PREFIX BDF: the modules.alias line depmod writes for
# MODULE's table entry matching BDF's vendor and device ID (PREFIX pci or
# vfio_pci).
alias_line() {
	local v d
	v=$(cat "/sys/bus/pci/devices/$3/vendor")
	d=$(cat "/sys/bus/pci/devices/$3/device")
	printf 'alias %s:v%08Xd%08Xsv*sd*bc*sc*i* %s\n' "$2" "$((v))" "$((d))" "$1"
}

# has_line FILE LINE: FILE has exactly LINE.
has_line() {
	grep -qxF "$2" "$1" && return 0
	echo "# $1 lacks: $2"
	return 1
}

# wait_for SECONDS CMD...: until CMD succeeds.
wait_for() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		"${@:2}" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

if [ "$(findmnt -n -o FSTYPE /)" != overlay ] || [ ! -e /.mvf-overlay ]; then
	echo "1..1"
	echo "not ok 1 - root is guest-init.sh's throwaway overlay # refusing to install packages on the shared rootfs"
	exit 1
fi

install_phase() {
	local pkg ver st f vf s grp
	echo "1..16"
	ok 0 "root is guest-init.sh's throwaway overlay ($(findmnt -n -o SOURCE /))"
	st=0
	for m in mvf_core mvf_vfio_pci; do
		[ ! -d "/sys/module/$m" ] || { echo "# $m is already loaded"; st=1; }
	done
	ok $st "no mvf module loaded before the package is installed"
	pkg=$(dpkg-deb -f "$DEB" Package 2>/dev/null)
	ver=$(dpkg-deb -f "$DEB" Version 2>/dev/null)
	st=0
	[ "$pkg" = mvf-dkms ] || st=1
	dpkg-deb -f "$DEB" Depends | grep -qE '(^|, )dkms( |,|$)' || st=1
	dpkg-deb -f "$DEB" Architecture | grep -qx all || st=1
	ok $st "$DEB is mvf-dkms $ver, Architecture all, Depends on dkms" \
		"$(dpkg-deb -f "$DEB" Package Architecture Depends | tr '\n' ' ')"
	# apt install ./file.deb, as the README says; the VM has no network,
	# so this also shows that nothing but the rootfs's packages is needed
	run apt "${APT_OFFLINE[@]}" install -y "$DEB"
	st=$?
	ok $st "apt install $DEB (offline)" "exit status $st"
	s=$(dpkg-query -W -f '${Status} ${Version}' mvf-dkms 2>&1)
	[ "$s" = "install ok installed $ver" ]
	ok $? "dpkg: mvf-dkms $ver is installed" "dpkg-query: $s"
	st=0
	for f in dkms.conf Makefile Kbuild src/core/main.c src/vfio/main.c include/mvf/mvf_pci.h; do
		[ -f "/usr/src/mvf-$ver/$f" ] || { echo "# /usr/src/mvf-$ver/$f missing"; st=1; }
	done
	grep -qx "PACKAGE_VERSION=\"$ver\"" "/usr/src/mvf-$ver/dkms.conf" || st=1
	ok $st "sources and dkms.conf (PACKAGE_VERSION=$ver) in /usr/src/mvf-$ver"
	s=$(dkms status -m mvf -v "$ver" -k "$KVER" 2>&1)
	echo "# dkms status: $s"
	[ "$s" = "mvf/$ver, $KVER, $(uname -m): installed" ]
	ok $? "dkms status: mvf/$ver, $KVER, $(uname -m): installed"
	st=0
	for m in mvf_core mvf_vfio_pci; do
		f=$(modinfo -n "$m" 2>&1)
		case $f in
		"$DKMS_DIR/$m.ko" | "$DKMS_DIR/$m.ko."*) echo "# $m: $f" ;;
		*)
			echo "# modinfo -n $m: '$f', expected under $DKMS_DIR"
			st=1
			;;
		esac
	done
	ok $st "modprobe finds mvf_core and mvf_vfio_pci in $DKMS_DIR"
	has_line "/lib/modules/$KVER/modules.alias" "$(alias_line mvf_core pci "$PF")"
	ok $? "modules.alias: $(alias_line mvf_core pci "$PF")"
	has_line "/lib/modules/$KVER/modules.alias" "$(alias_line mvf_vfio_pci vfio_pci "$VF0")"
	ok $? "modules.alias: $(alias_line mvf_vfio_pci vfio_pci "$VF0")"

	# Boot: udevd, then the "add" events of every device, then wait for
	# their rules (modprobe by MODALIAS) to finish.
	is_driver "$PF" ""
	st=$?
	run /usr/lib/systemd/systemd-udevd --daemon || st=1
	wait_for 30 udevadm control --ping || st=1
	run udevadm trigger --type=devices --action=add || st=1
	run udevadm settle --timeout=120 || st=1
	ok $st "udevd started and the boot's add events replayed and settled"
	st=0
	is_driver "$PF" mvf_core || st=1
	no_override "$PF" || st=1
	ok $st "PF $PF bound to mvf_core by its modalias, no driver_override"

	st=0
	for vf in "$VF0" "$VF1"; do
		run driverctl set-override "$vf" mvf_vfio_pci || st=1
		is_driver "$vf" mvf_vfio_pci || st=1
	done
	ok $st "driverctl set-override binds $VF0 and $VF1 to mvf_vfio_pci"
	st=0
	for vf in "$VF0" "$VF1"; do
		grp=$(basename "$(readlink "/sys/bus/pci/devices/$vf/iommu_group")")
		[ -c "/dev/vfio/$grp" ] || { echo "# $vf: no /dev/vfio/$grp"; st=1; }
	done
	ok $st "/dev/vfio/<group> exists for both VFs"
	s=$(driverctl list-overrides 2>&1 | grep -F "$VF0")
	[ "$s" = "$VF0 mvf_vfio_pci" ]
	ok $? "driverctl list-overrides: $VF0 mvf_vfio_pci" "found '$s'"
	# the override outlives the driver: unbind, reprobe
	st=0
	echo "$VF0" >/sys/bus/pci/drivers/mvf_vfio_pci/unbind || st=1
	is_driver "$VF0" "" || st=1
	echo "$VF0" >/sys/bus/pci/drivers_probe || st=1
	is_driver "$VF0" mvf_vfio_pci || st=1
	ok $st "$VF0 unbound, then reprobed: mvf_vfio_pci again"
}

remove_phase() {
	local ver st s vnode pid
	ver=$(dpkg-query -W -f '${Version}' mvf-dkms 2>/dev/null)
	echo "1..8"
	# VF1 back to the host, no driver: its driver_override is gone
	st=0
	# --noprobe: without it driverctl insists on a driver binding
	# afterwards, and a VF has none but the override-only ones
	run driverctl --noprobe unset-override "$VF1" || st=1
	is_driver "$VF1" "" || st=1
	no_override "$VF1" || st=1
	[ ! -e "/etc/driverctl.d/pci-$VF1" ] || { echo "# /etc/driverctl.d/pci-$VF1 still there"; st=1; }
	ok $st "driverctl --noprobe unset-override: $VF1 has no driver, no driver_override, no saved override"

	# libvirt: monolithic libvirtd (qemu and nodedev drivers in one)
	st=0
	run libvirtd --daemon --pid-file /run/mvf-libvirtd.pid || st=1
	# the first connection probes QEMU's capabilities (slow under TCG)
	wait_for 300 virsh -c qemu:///system nodedev-list --cap pci || st=1
	vnode=pci_$(echo "$VF1" | tr ':.' '__')
	s=$(virsh -c qemu:///system nodedev-list --cap pci 2>&1 | grep -cx "$vnode")
	[ "$s" = 1 ] || { echo "# virsh nodedev-list --cap pci has no $vnode"; st=1; }
	ok $st "libvirtd answers and lists $vnode"
	run virsh -c qemu:///system nodedev-detach "$vnode"
	st=$?
	is_driver "$VF1" mvf_vfio_pci || st=1
	ok $st "virsh nodedev-detach $vnode binds mvf_vfio_pci (its vfio_pci: modalias), not vfio-pci"
	run virsh -c qemu:///system nodedev-reattach "$vnode"
	st=$?
	is_driver "$VF1" "" || st=1
	no_override "$VF1" || st=1
	ok $st "virsh nodedev-reattach $vnode: no driver, no driver_override"
	pid=$(cat /run/mvf-libvirtd.pid 2>/dev/null)
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait_for 30 sh -c "! kill -0 $pid"

	run apt "${APT_OFFLINE[@]}" remove -y mvf-dkms
	st=$?
	ok $st "apt remove mvf-dkms" "exit status $st"
	s=$(dkms status -m mvf 2>&1)
	[ -z "$s" ] && [ ! -e "/usr/src/mvf-$ver" ] && [ ! -e /var/lib/dkms/mvf ]
	ok $? "DKMS has no mvf left (dkms status empty, no /usr/src/mvf-$ver, no /var/lib/dkms/mvf)" "dkms status: '$s'"
	st=0
	for m in mvf_core mvf_vfio_pci; do
		if s=$(modinfo -n "$m" 2>&1); then
			echo "# modinfo -n $m still finds $s"
			st=1
		fi
	done
	ls "$DKMS_DIR"/mvf_* >/dev/null 2>&1 && st=1
	ok $st "mvf_core and mvf_vfio_pci are gone from /lib/modules/$KVER"
	! grep -E ' (mvf_core|mvf_vfio_pci)$' "/lib/modules/$KVER/modules.alias"
	ok $? "modules.alias has no mvf_core or mvf_vfio_pci line"
}

case $PHASE in
install) install_phase ;;
remove) remove_phase ;;
esac
[ "$FAILED" = 0 ]
