/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic VFIO selftest library (libvfiotest.a): drive any VFIO device
 * from userspace, whoever wrote its driver.  Nothing here knows mvf: no
 * mvf header is included, and nothing is asked of a device beyond what
 * the VFIO uAPI (include/uapi/linux/vfio.h) requires.
 *
 *  - struct vt_iommu: where DMA is mapped, either one legacy type1v2
 *    container shared by the devices opened through their groups, or one
 *    iommufd IOAS shared by the devices opened through their cdevs
 *    (/dev/vfio/devices/vfioN, when the kernel has CONFIG_VFIO_DEVICE_CDEV);
 *  - struct vt_dev: one VFIO device, selected by PCI BDF, mdev UUID or
 *    sysfs path (vt_dev_resolve());
 *  - struct vt_dma: anonymous memory mapped at an IOVA;
 *  - vt_mig_*: the VFIO migration v2 uAPI;
 *  - struct vt_buf: a growable byte buffer (migration streams).
 *
 * Functions return 0 (or a count) on success and a negative errno on
 * failure; failures are printed to stderr naming the device and the errno
 * unless the function says it is quiet.
 */
#ifndef _VFIO_TEST_H
#define _VFIO_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/vfio.h>

#define VT_NAME_LEN	64	/* BDF, mdev UUID or sysfs name + NUL */
#define VT_PATH_LEN	256	/* a resolved /sys/devices/... path + NUL */

/**
 * enum vt_backend - how devices are opened and DMA is mapped
 * @VT_GROUP: /dev/vfio/<group> + a type1v2 container (/dev/vfio/vfio)
 * @VT_CDEV: /dev/vfio/devices/vfioN bound to an iommufd (/dev/iommu) and
 *	attached to one IOAS
 */
enum vt_backend {
	VT_GROUP,
	VT_CDEV,
};

/**
 * struct vt_iommu - the DMA address space shared by the opened devices
 * @backend: VT_GROUP or VT_CDEV
 * @container: /dev/vfio/vfio fd (VT_GROUP), else -1
 * @iommu_set: VFIO_SET_IOMMU done (after the first group joined)
 * @iommufd: /dev/iommu fd (VT_CDEV), else -1
 * @ioas_id: the IOAS every cdev is attached to (VT_CDEV)
 * @next_iova: bump allocator for vt_dma_alloc()
 */
struct vt_iommu {
	enum vt_backend backend;
	int container;
	bool iommu_set;
	int iommufd;
	uint32_t ioas_id;
	uint64_t next_iova;
};

/**
 * struct vt_dev - one opened VFIO device
 * @iommu: the address space it is attached to
 * @name: what the kernel calls it: a PCI BDF ("0000:00:05.0"), an mdev
 *	UUID, or the basename of its sysfs directory
 * @sysfs: its resolved sysfs directory (/sys/devices/...)
 * @group_id: IOMMU group number (VT_GROUP), else -1
 * @group: /dev/vfio/<group_id> fd (VT_GROUP), else -1
 * @fd: device fd
 * @info: VFIO_DEVICE_GET_INFO's answer
 */
struct vt_dev {
	struct vt_iommu *iommu;
	char name[VT_NAME_LEN];
	char sysfs[VT_PATH_LEN];
	int group_id;
	int group;
	int fd;
	struct vfio_device_info info;
};

/**
 * struct vt_dma - host memory a device can reach
 * @va: user address
 * @iova: IOVA in the shared address space
 * @size: bytes (multiple of the page size)
 */
struct vt_dma {
	void *va;
	uint64_t iova;
	size_t size;
};

/* ---- address space and DMA (vt_iommu.c) ---- */

int vt_iommu_init(struct vt_iommu *v, enum vt_backend backend);
void vt_iommu_fini(struct vt_iommu *v);
int vt_dma_alloc(struct vt_iommu *v, size_t size, struct vt_dma *dma);
int vt_dma_free(struct vt_iommu *v, struct vt_dma *dma);

/* ---- device selection, open, reset, interrupts (vt_dev.c) ---- */

bool vt_is_bdf(const char *s);
bool vt_is_uuid(const char *s);
int vt_dev_resolve(const char *spec, char sysfs[VT_PATH_LEN],
		   char name[VT_NAME_LEN]);
int vt_dev_cdev(const char *sysfs, char *path, size_t len);
int vt_sysfs_iommu_group(const char *sysfs);
int vt_dev_open(struct vt_iommu *v, struct vt_dev *d, const char *spec);
void vt_dev_close(struct vt_dev *d);
int vt_dev_reset(struct vt_dev *d);
int vt_dev_region(struct vt_dev *d, uint32_t index,
		  struct vfio_region_info *ri);
int vt_dev_msix_enable(struct vt_dev *d, unsigned int nvec, int *efds);
int64_t vt_eventfd_wait(int efd, int timeout_ms);

/* ---- byte buffer (vt_buf.c) ---- */

/**
 * struct vt_buf - a growable byte buffer (migration streams)
 * @data: bytes
 * @len: bytes used
 * @cap: bytes allocated
 */
struct vt_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

int vt_buf_reserve(struct vt_buf *b, size_t cap);
int vt_buf_append(struct vt_buf *b, const void *p, size_t len);
int vt_buf_insert(struct vt_buf *b, size_t at, const void *p, size_t len);
void vt_buf_free(struct vt_buf *b);

/* ---- migration uAPI (vt_mig.c) ---- */

const char *vt_mig_state_name(uint32_t state);
int vt_feature(struct vt_dev *d, uint32_t flags, void *data, size_t len);
int vt_mig_get_flags(struct vt_dev *d, uint64_t *flags);
int vt_mig_get_state(struct vt_dev *d, uint32_t *state);
int vt_mig_set_state(struct vt_dev *d, uint32_t state, int *data_fd);
int vt_mig_set_state_quiet(struct vt_dev *d, uint32_t state, int *data_fd);
int vt_mig_data_size(struct vt_dev *d, uint64_t *bytes);
int vt_mig_read_all(struct vt_dev *d, int fd, struct vt_buf *out);
int vt_mig_write_all(struct vt_dev *d, int fd, const void *buf, size_t len,
		     size_t chunk, size_t *done);
int vt_mig_save(struct vt_dev *d, struct vt_buf *stream);
int vt_mig_load(struct vt_dev *d, const void *stream, size_t len);

#endif /* _VFIO_TEST_H */
