/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf_vfio_pci: differences between the kernels we build against.
 *
 * One source builds against Debian sid's 7.2 and trixie's 6.12 LTS.  The
 * MVF_HAVE_* switches are not derived from LINUX_VERSION_CODE: compat.mk
 * greps the target kernel's own headers at build time, because
 * distributions backport.  Only what the driver uses is listed here.
 *
 *   MVF_HAVE_GET_REGION_INFO_CAPS  vfio_device_ops.get_region_info_caps
 *   MVF_HAVE_MATCH_TOKEN_UUID      vfio_device_ops.match_token_uuid
 *   MVF_HAVE_PRECOPY_INFO_V2       vfio_device.precopy_info_v2 (PRE_COPY);
 *                                  without it the driver answers
 *                                  VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2
 *                                  itself, with the core's semantics
 *   MVF_HAVE_BARE_IMPORT_NS        MODULE_IMPORT_NS(IOMMUFD), not a string
 *   MVF_HAVE_KZALLOC_OBJ           kzalloc_obj() (7.0+)
 */
#ifndef _MVF_VFIO_COMPAT_H
#define _MVF_VFIO_COMPAT_H

#include <linux/bits.h>
#include <linux/module.h>
#include <linux/slab.h>

#ifndef MVF_VFIO_COMPAT_DETECTED
#error "build mvf_vfio_pci through Kbuild: src/vfio/compat.mk sets the API switches"
#endif

#ifdef MVF_HAVE_BARE_IMPORT_NS
#define MVF_IMPORT_NS_IOMMUFD()	MODULE_IMPORT_NS(IOMMUFD)
#else
#define MVF_IMPORT_NS_IOMMUFD()	MODULE_IMPORT_NS("IOMMUFD")
#endif

/*
 * uAPI of the REINIT opt-in (7.1); absent from older uapi headers.  The
 * values are ABI, so defining them here matches any kernel that has them.
 */
#include <linux/vfio.h>
#ifndef VFIO_PRECOPY_INFO_REINIT	/* both come with the same patch */
#define VFIO_PRECOPY_INFO_REINIT		BIT(0)
#define VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2	12
#endif
/* The uAPI spelling, for code that would otherwise trip on its case. */
#define MVF_FEATURE_MIG_PRECOPY_INFO_V2	VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2

#ifndef MVF_HAVE_KZALLOC_OBJ
#define kzalloc_obj(P, GFP)	kzalloc(sizeof(P), GFP)
#endif

#endif /* _MVF_VFIO_COMPAT_H */
