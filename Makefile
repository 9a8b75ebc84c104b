# SPDX-License-Identifier: GPL-2.0
#
# mvf: out-of-tree VFIO PCI variant driver with live migration.
#
# Kernel modules (standard out-of-tree Kbuild; the module list is in Kbuild):
#   make [modules] [KDIR=/path/to/kernel/build]   build mvf_core.ko, mvf_vfio_pci.ko
#   make install                                  modules_install + depmod
#   make clean
#   make C=1 / make W=1                           sparse / extra warnings
# Emulator and test VM (need root; see README.md):
#   make emu        build tools/emu/mvf-emu
#   make vfio-mig   build tools/vfio-mig/vfio-mig with this machine's headers
#   make check      emulator unit tests, fuzz targets (30 s each), 6.12 build
#                   check, selftests in the VM on Debian's kernel
#   make check-debug  the debug kernel (KASAN, lockdep, kmemleak; device DMA
#                   dirty tracking): every guest program, mig_race,
#                   mig_mutate, the broken-tracker migration
#   make fuzz       libFuzzer benchmark: 10M executions per target, figures in
#                   build/fuzz-results.txt (tools/fuzz/run.sh)
#   make check-612  6.12 LTS at run time: the 6.12 build check, every guest
#                   program on trixie's 6.12 kernel, the cross-kernel
#                   (6.12 <-> 7.2) state file test
#   make deb        build/mvf-dkms_<version>_all.deb (dh-dkms, built in the rootfs)
#   make demo       QEMU live migration of a running VM that owns a VF (test VM)
#   make demo-uapi  the VFIO uAPI migration demo (VF0 -> VF1, no QEMU)
#   make bench      benchmark in the test VM (64, 256 and 1024 MiB device memory)

KDIR ?= /lib/modules/$(shell uname -r)/build
KVER = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null || \
	$(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null)
DEPMOD ?= /sbin/depmod

all: modules

kdir-exists:
	@test -d "$(KDIR)" || { \
		echo "KDIR=$(KDIR) does not exist: install the kernel headers" \
		     "(e.g. linux-headers-$$(uname -r)) or pass KDIR=<kernel build dir>" >&2; \
		exit 1; }

modules: kdir-exists
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	$(DEPMOD) -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

clean:
	@if [ -d "$(KDIR)" ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	else \
		find . -path ./build -prune -o \( -name '*.o' -o -name '*.ko' \
			-o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \) \
			-type f -print0 | xargs -0r rm -f; \
		rm -f Module.symvers modules.order; \
	fi
	@if [ -f tools/emu/Makefile ]; then $(MAKE) -C tools/emu clean; fi
	@if [ -f selftests/Makefile ]; then $(MAKE) -C selftests clean; fi
	@if [ -f tools/vfio-mig/Makefile ]; then $(MAKE) -C tools/vfio-mig clean; fi
	@if [ -f tools/emu/fuzz/Makefile ]; then $(MAKE) -C tools/emu/fuzz clean; fi
	@if [ -f tools/fuzz/Makefile ]; then $(MAKE) -C tools/fuzz clean; fi
	rm -rf build

emu:
	$(MAKE) -C tools/emu

vfio-mig:
	$(MAKE) -C tools/vfio-mig

check check-debug check-612 demo demo-uapi bench:
	@tools/vm/test.sh $@

deb:
	@tools/vm/build.sh deb

fuzz:
	@tools/fuzz/run.sh bench

.PHONY: all kdir-exists modules install modules_install clean emu vfio-mig \
	check-612 check check-debug demo demo-uapi bench deb fuzz
