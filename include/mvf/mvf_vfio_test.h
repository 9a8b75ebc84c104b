/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * mvf_vfio_pci test hook: a driver-private ioctl on the VF's VFIO device
 * fd that runs the driver's DMA_LOGGING_REPORT code into a plain user
 * bitmap, for kernels whose vfio core cannot REPORT (no
 * CONFIG_IOMMUFD_DRIVER: the core's iova_bitmap is a stub there).
 *
 * Answered only while DMA logging is offered through the test-only
 * module parameter dirty_without_report (Documentation/driver.rst, "DMA
 * dirty tracking"); -ENOTTY otherwise.  Same argument, bitmap layout,
 * checks and errnos as VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT, plus
 * -E2BIG for a bitmap above MVF_VFIO_TEST_REPORT_MAX_BITS bits and
 * -EFAULT for an unwritable bitmap.  Unlike the core's REPORT, the bitmap
 * is written whole (bits of clean pages are cleared).
 */
#ifndef _MVF_VFIO_TEST_H
#define _MVF_VFIO_TEST_H

#include <linux/ioctl.h>
#include <linux/vfio.h>

#define MVF_VFIO_TEST_REPORT_MAX_BITS	(8u << 20)	/* 1 MiB of bitmap */

#define MVF_VFIO_TEST_DIRTY_REPORT \
	_IOWR('M', 0x01, struct vfio_device_feature_dma_logging_report)

#endif /* _MVF_VFIO_TEST_H */
