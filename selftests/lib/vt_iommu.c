// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA address space the opened devices share: a type1v2 container
 * (group backend) or an iommufd IOAS (cdev backend), and DMA buffers
 * mapped into it at IOVAs handed out by a bump allocator.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "vfio_test.h"

/* First IOVA handed out; well below the x86 MSI window at 0xfee00000. */
#define VT_IOVA_BASE	0x10000000ull
#define VT_IOVA_LIMIT	0xfee00000ull

static int container_init(struct vt_iommu *v)
{
	int ret;

	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (v->container < 0) {
		ret = -errno;
		fprintf(stderr, "vfio: open /dev/vfio/vfio: %s\n",
			strerror(-ret));
		return ret;
	}
	ret = ioctl(v->container, VFIO_GET_API_VERSION);
	if (ret != VFIO_API_VERSION) {
		fprintf(stderr, "vfio: API version %d, want %d\n", ret,
			VFIO_API_VERSION);
		return -EINVAL;
	}
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1) {
		fprintf(stderr, "vfio: container lacks VFIO_TYPE1v2_IOMMU\n");
		return -ENODEV;
	}
	return 0;
}

static int iommufd_init(struct vt_iommu *v)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	int ret;

	v->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (v->iommufd < 0) {
		ret = -errno;
		fprintf(stderr, "vfio: open /dev/iommu: %s\n", strerror(-ret));
		return ret;
	}
	if (ioctl(v->iommufd, IOMMU_IOAS_ALLOC, &alloc)) {
		ret = -errno;
		fprintf(stderr, "vfio: IOMMU_IOAS_ALLOC: %s\n", strerror(-ret));
		return ret;
	}
	v->ioas_id = alloc.out_ioas_id;
	return 0;
}

/**
 * vt_iommu_init() - open an empty DMA address space
 * @v: filled in
 * @backend: VT_GROUP (type1v2 container) or VT_CDEV (iommufd IOAS)
 *
 * Return: 0, or the negative errno of the open or ioctl that failed
 * (-ENODEV: the container lacks type1v2).
 */
int vt_iommu_init(struct vt_iommu *v, enum vt_backend backend)
{
	int ret;

	memset(v, 0, sizeof(*v));
	v->backend = backend;
	v->container = -1;
	v->iommufd = -1;
	v->next_iova = VT_IOVA_BASE;
	ret = backend == VT_CDEV ? iommufd_init(v) : container_init(v);
	if (ret)
		vt_iommu_fini(v);
	return ret;
}

/**
 * vt_iommu_fini() - close the address space (after its devices)
 * @v: from vt_iommu_init(), or zeroed with the fds at -1
 */
void vt_iommu_fini(struct vt_iommu *v)
{
	if (v->container >= 0)
		close(v->container);
	v->container = -1;
	if (v->iommufd >= 0)
		close(v->iommufd);
	v->iommufd = -1;
}

static int map_ioas(struct vt_iommu *v, struct vt_dma *dma)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = v->ioas_id,
		.user_va = (uintptr_t)dma->va,
		.length = dma->size,
		.iova = dma->iova,
	};

	return ioctl(v->iommufd, IOMMU_IOAS_MAP, &m) ? -errno : 0;
}

static int map_type1(struct vt_iommu *v, struct vt_dma *dma)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)dma->va,
		.iova = dma->iova,
		.size = dma->size,
	};

	return ioctl(v->container, VFIO_IOMMU_MAP_DMA, &m) ? -errno : 0;
}

/**
 * vt_dma_alloc() - anonymous memory mapped for DMA at the next free IOVA
 * @v: the address space (with at least one device attached, for the
 *	group backend: type1 is set when the first group joins)
 * @size: bytes, rounded up to the page size
 * @dma: filled in
 *
 * Return: 0, -ENOSPC when the IOVA range is used up, or the negative
 * errno of mmap() or of the map ioctl.
 */
int vt_dma_alloc(struct vt_iommu *v, size_t size, struct vt_dma *dma)
{
	long pg = sysconf(_SC_PAGESIZE);
	int ret;

	size = (size + pg - 1) & ~(size_t)(pg - 1);
	if (v->next_iova + size > VT_IOVA_LIMIT) {
		fprintf(stderr, "vfio: IOVA space exhausted (%zu bytes)\n",
			size);
		return -ENOSPC;
	}
	dma->va = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (dma->va == MAP_FAILED) {
		ret = -errno;
		fprintf(stderr, "vfio: mmap %zu bytes: %s\n", size,
			strerror(-ret));
		dma->va = NULL;
		return ret;
	}
	dma->size = size;
	dma->iova = v->next_iova;
	ret = v->backend == VT_CDEV ? map_ioas(v, dma) : map_type1(v, dma);
	if (ret) {
		fprintf(stderr, "vfio: %s iova 0x%llx size %zu: %s\n",
			v->backend == VT_CDEV ? "IOMMU_IOAS_MAP" :
			"VFIO_IOMMU_MAP_DMA", (unsigned long long)dma->iova,
			size, strerror(-ret));
		munmap(dma->va, size);
		dma->va = NULL;
		return ret;
	}
	/* Leave an unmapped guard page between buffers. */
	v->next_iova += size + (uint64_t)pg;
	return 0;
}

/**
 * vt_dma_free() - unmap and free a buffer from vt_dma_alloc()
 * @v: its address space
 * @dma: the buffer (nothing happens if it was never allocated)
 *
 * Return: 0 or the negative errno of the unmap ioctl (the memory is
 * freed either way).
 */
int vt_dma_free(struct vt_iommu *v, struct vt_dma *dma)
{
	int ret = 0;

	if (!dma->va)
		return 0;
	if (v->backend == VT_CDEV) {
		struct iommu_ioas_unmap u = {
			.size = sizeof(u),
			.ioas_id = v->ioas_id,
			.iova = dma->iova,
			.length = dma->size,
		};

		if (ioctl(v->iommufd, IOMMU_IOAS_UNMAP, &u))
			ret = -errno;
	} else {
		struct vfio_iommu_type1_dma_unmap u = {
			.argsz = sizeof(u),
			.iova = dma->iova,
			.size = dma->size,
		};

		if (ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &u))
			ret = -errno;
	}
	if (ret)
		fprintf(stderr, "vfio: unmap iova 0x%llx: %s\n",
			(unsigned long long)dma->iova, strerror(-ret));
	munmap(dma->va, dma->size);
	dma->va = NULL;
	return ret;
}
