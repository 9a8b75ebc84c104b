# SPDX-License-Identifier: GPL-2.0
#
# Kernel API switches for mvf_vfio_pci, detected from the headers of the
# kernel we build against (not from its version number: distributions
# backport).  Each switch becomes -DMVF_HAVE_<NAME>=1 on the compiler
# command line of the src/vfio/ objects only; src/vfio/compat.h turns the
# switches into code.  Included by the top-level Kbuild.

mvf_vfio_inc := $(srctree)/include/linux

ifeq ($(wildcard $(mvf_vfio_inc)/vfio.h),)
$(error mvf_vfio_pci: $(mvf_vfio_inc)/vfio.h not found; need the headers of a kernel with VFIO)
endif

# $(call mvf_vfio_have,HEADER,FIXED-STRING,SWITCH)
mvf_vfio_have = $(shell grep -qsF -e '$(2)' $(mvf_vfio_inc)/$(1) && echo -DMVF_HAVE_$(3)=1)

# 7.x: struct vfio_device_ops.get_region_info_caps, filled by
# vfio_pci_ioctl_get_region_info(); older kernels answer
# VFIO_DEVICE_GET_REGION_INFO inside vfio_pci_core_ioctl().
mvf_vfio_compat := $(call mvf_vfio_have,vfio.h,(*get_region_info_caps),GET_REGION_INFO_CAPS)
# 6.17+: struct vfio_device_ops.match_token_uuid and its vfio-pci-core helper.
mvf_vfio_compat += $(call mvf_vfio_have,vfio_pci_core.h,vfio_pci_core_match_token_uuid,MATCH_TOKEN_UUID)
# 7.1+: the core-owned PRECOPY_INFOv2 opt-in (vdev->precopy_info_v2); used
# by the PRE_COPY support.
mvf_vfio_compat += $(call mvf_vfio_have,vfio.h,precopy_info_v2,PRECOPY_INFO_V2)
# 6.13+: MODULE_IMPORT_NS() takes a string literal; before, a bare token.
mvf_vfio_ns_old := import_ns, __stringify(ns)
mvf_vfio_compat += $(call mvf_vfio_have,module.h,$(mvf_vfio_ns_old),BARE_IMPORT_NS)

# 7.0+: kzalloc_obj() and friends.
mvf_vfio_compat += $(call mvf_vfio_have,slab.h,define kzalloc_obj,KZALLOC_OBJ)

mvf_vfio_compat += -DMVF_VFIO_COMPAT_DETECTED=1

$(foreach o,$(mvf_vfio_pci-y),$(eval CFLAGS_$(basename $(o)).o += $(mvf_vfio_compat)))
