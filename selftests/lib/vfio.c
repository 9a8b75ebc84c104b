// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO container, group, device and DMA helpers (legacy type1v2 container,
 * one container shared by all devices so their IOVA spaces are common).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mvf_test.h"

/* First IOVA handed out; well below the x86 MSI window at 0xfee00000. */
#define MVF_IOVA_BASE	0x10000000ull
#define MVF_IOVA_LIMIT	0xfee00000ull

int mvf_vfio_init(struct mvf_vfio *v)
{
	int ret;

	memset(v, 0, sizeof(*v));
	v->next_iova = MVF_IOVA_BASE;
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
		close(v->container);
		v->container = -1;
		return -EINVAL;
	}
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1) {
		fprintf(stderr, "vfio: container lacks VFIO_TYPE1v2_IOMMU\n");
		close(v->container);
		v->container = -1;
		return -ENODEV;
	}
	return 0;
}

void mvf_vfio_fini(struct mvf_vfio *v)
{
	if (v->container >= 0)
		close(v->container);
	v->container = -1;
}

static int bar0_setup(struct mvf_dev *d)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	void *p;

	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri)) {
		int ret = -errno;

		fprintf(stderr, "%s: VFIO_DEVICE_GET_REGION_INFO(BAR0): %s\n",
			d->bdf, strerror(-ret));
		return ret;
	}
	if (ri.size < MVF_BAR_SIZE) {
		fprintf(stderr, "%s: BAR0 is %llu bytes, want %u\n", d->bdf,
			(unsigned long long)ri.size, MVF_BAR_SIZE);
		return -EINVAL;
	}
	d->bar0_offset = ri.offset;
	d->bar0_size = ri.size;
	d->bar0 = NULL;
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return 0;	/* pread/pwrite fallback */
	p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		 ri.offset);
	if (p == MAP_FAILED) {
		fprintf(stderr, "%s: mmap BAR0: %s (using pread/pwrite)\n",
			d->bdf, strerror(errno));
		return 0;
	}
	d->bar0 = p;
	return 0;
}

/*
 * Enable memory decoding and bus mastering in the command register, as a
 * userspace driver must (vfio-pci leaves it to the user): without bus
 * mastering the function may not DMA and its MSI-X writes are dropped.
 */
static int enable_bus_master(struct mvf_dev *d)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	uint16_t cmd;
	int ret;

	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri)) {
		ret = -errno;
		fprintf(stderr, "%s: VFIO_DEVICE_GET_REGION_INFO(config): %s\n",
			d->bdf, strerror(-ret));
		return ret;
	}
	if (pread(d->fd, &cmd, 2, ri.offset + 0x04) != 2) {
		ret = errno ? -errno : -EIO;
		fprintf(stderr, "%s: read PCI_COMMAND: %s\n", d->bdf,
			strerror(-ret));
		return ret;
	}
	cmd |= 0x0002 | 0x0004;	/* PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER */
	if (pwrite(d->fd, &cmd, 2, ri.offset + 0x04) != 2) {
		ret = errno ? -errno : -EIO;
		fprintf(stderr, "%s: write PCI_COMMAND: %s\n", d->bdf,
			strerror(-ret));
		return ret;
	}
	return 0;
}

int mvf_dev_open(struct mvf_vfio *v, struct mvf_dev *d, const char *bdf)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_device_info di = { .argsz = sizeof(di) };
	char path[64];
	int ret;

	memset(d, 0, sizeof(*d));
	d->vfio = v;
	d->group = -1;
	d->fd = -1;
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);

	d->group_id = mvf_sysfs_iommu_group(bdf);
	if (d->group_id < 0)
		return d->group_id;
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->group_id);
	d->group = open(path, O_RDWR | O_CLOEXEC);
	if (d->group < 0) {
		ret = -errno;
		fprintf(stderr, "%s: open %s: %s\n", bdf, path, strerror(-ret));
		return ret;
	}
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &gs)) {
		ret = -errno;
		fprintf(stderr, "%s: VFIO_GROUP_GET_STATUS: %s\n", bdf,
			strerror(-ret));
		goto err;
	}
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "%s: group %d is not viable\n", bdf,
			d->group_id);
		ret = -EBUSY;
		goto err;
	}
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &v->container)) {
		ret = -errno;
		fprintf(stderr, "%s: VFIO_GROUP_SET_CONTAINER: %s\n", bdf,
			strerror(-ret));
		goto err;
	}
	if (!v->iommu_set) {
		if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
			ret = -errno;
			fprintf(stderr, "%s: VFIO_SET_IOMMU(TYPE1v2): %s\n",
				bdf, strerror(-ret));
			goto err;
		}
		v->iommu_set = true;
	}
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (d->fd < 0) {
		ret = -errno;
		fprintf(stderr, "%s: VFIO_GROUP_GET_DEVICE_FD: %s\n", bdf,
			strerror(-ret));
		goto err;
	}
	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &di)) {
		ret = -errno;
		fprintf(stderr, "%s: VFIO_DEVICE_GET_INFO: %s\n", bdf,
			strerror(-ret));
		goto err;
	}
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI)) {
		fprintf(stderr, "%s: not a VFIO PCI device\n", bdf);
		ret = -ENODEV;
		goto err;
	}
	ret = enable_bus_master(d);
	if (ret)
		goto err;
	ret = bar0_setup(d);
	if (ret)
		goto err;
	return 0;
err:
	mvf_dev_close(d);
	return ret;
}

void mvf_dev_close(struct mvf_dev *d)
{
	if (d->bar0)
		munmap((void *)d->bar0, d->bar0_size);
	d->bar0 = NULL;
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->group >= 0)
		close(d->group);
	d->group = -1;
}

int mvf_dev_reset(struct mvf_dev *d)
{
	if (ioctl(d->fd, VFIO_DEVICE_RESET)) {
		int ret = -errno;

		fprintf(stderr, "%s: VFIO_DEVICE_RESET: %s\n", d->bdf,
			strerror(-ret));
		return ret;
	}
	return 0;
}

uint32_t mvf_rd32(struct mvf_dev *d, uint32_t off)
{
	uint32_t val;

	if (d->bar0)
		return d->bar0[off / 4];
	if (pread(d->fd, &val, 4, d->bar0_offset + off) != 4) {
		fprintf(stderr, "%s: BAR0 read 0x%03x: %s\n", d->bdf, off,
			strerror(errno));
		return 0xffffffffu;
	}
	return val;
}

void mvf_wr32(struct mvf_dev *d, uint32_t off, uint32_t val)
{
	if (d->bar0) {
		d->bar0[off / 4] = val;
		return;
	}
	if (pwrite(d->fd, &val, 4, d->bar0_offset + off) != 4)
		fprintf(stderr, "%s: BAR0 write 0x%03x: %s\n", d->bdf, off,
			strerror(errno));
}

uint64_t mvf_rd64(struct mvf_dev *d, uint32_t off_lo)
{
	uint64_t lo = mvf_rd32(d, off_lo);

	return lo | (uint64_t)mvf_rd32(d, off_lo + 4) << 32;
}

void mvf_wr64(struct mvf_dev *d, uint32_t off_lo, uint64_t val)
{
	mvf_wr32(d, off_lo, (uint32_t)val);
	mvf_wr32(d, off_lo + 4, (uint32_t)(val >> 32));
}

int mvf_dma_alloc(struct mvf_vfio *v, size_t size, struct mvf_dma *dma)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	long pg = sysconf(_SC_PAGESIZE);
	int ret;

	size = (size + pg - 1) & ~(size_t)(pg - 1);
	if (v->next_iova + size > MVF_IOVA_LIMIT) {
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
	map.vaddr = (uintptr_t)dma->va;
	map.iova = dma->iova;
	map.size = size;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(v->container, VFIO_IOMMU_MAP_DMA, &map)) {
		ret = -errno;
		fprintf(stderr,
			"vfio: VFIO_IOMMU_MAP_DMA iova 0x%llx size %zu: %s\n",
			(unsigned long long)dma->iova, size, strerror(-ret));
		munmap(dma->va, size);
		dma->va = NULL;
		return ret;
	}
	/* Leave an unmapped guard page between buffers. */
	v->next_iova += size + (uint64_t)pg;
	return 0;
}

int mvf_dma_free(struct mvf_vfio *v, struct mvf_dma *dma)
{
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	int ret = 0;

	if (!dma->va)
		return 0;
	unmap.iova = dma->iova;
	unmap.size = dma->size;
	if (ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &unmap)) {
		ret = -errno;
		fprintf(stderr, "vfio: VFIO_IOMMU_UNMAP_DMA iova 0x%llx: %s\n",
			(unsigned long long)dma->iova, strerror(-ret));
	}
	munmap(dma->va, dma->size);
	dma->va = NULL;
	return ret;
}

const struct mvf_reg_name mvf_vf_regs[MVF_VF_NR_REGS] = {
	{ MVF_REG_ID, "ID" },
	{ MVF_REG_VERSION, "VERSION" },
	{ MVF_REG_CAPS, "CAPS" },
	{ MVF_REG_STATUS, "STATUS" },
	{ MVF_REG_CTRL, "CTRL" },
	{ MVF_VF_REG_DEVMEM_LO, "DEVMEM_LO" },
	{ MVF_VF_REG_DEVMEM_HI, "DEVMEM_HI" },
	{ MVF_VF_REG_SQ_LO, "SQ_LO" },
	{ MVF_VF_REG_SQ_HI, "SQ_HI" },
	{ MVF_VF_REG_CQ_LO, "CQ_LO" },
	{ MVF_VF_REG_CQ_HI, "CQ_HI" },
	{ MVF_VF_REG_RING_SIZE, "RING_SIZE" },
	{ MVF_VF_REG_SQ_TAIL, "SQ_TAIL" },
	{ MVF_VF_REG_SQ_HEAD, "SQ_HEAD" },
	{ MVF_VF_REG_DB_LATCHED, "DB_LATCHED" },
	{ MVF_VF_REG_CNT_DESC_LO, "CNT_DESC_LO" },
	{ MVF_VF_REG_CNT_DESC_HI, "CNT_DESC_HI" },
	{ MVF_VF_REG_CNT_BYTES_LO, "CNT_BYTES_LO" },
	{ MVF_VF_REG_CNT_BYTES_HI, "CNT_BYTES_HI" },
	{ MVF_VF_REG_CNT_ERR, "CNT_ERR" },
	{ MVF_VF_REG_LAST_ERR, "LAST_ERR" },
	{ MVF_VF_REG_SCRATCH0 + 0, "SCRATCH0" },
	{ MVF_VF_REG_SCRATCH0 + 4, "SCRATCH1" },
	{ MVF_VF_REG_SCRATCH0 + 8, "SCRATCH2" },
	{ MVF_VF_REG_SCRATCH0 + 12, "SCRATCH3" },
};
const size_t mvf_vf_nr_regs = MVF_VF_NR_REGS;
/* every entry filled: the last one is SCRATCH3 */
static_assert(MVF_VF_NR_REGS == 21 + MVF_VF_NUM_SCRATCH, "VF register list");

void mvf_regs_read(struct mvf_dev *d, struct mvf_regs *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < mvf_vf_nr_regs; i++)
		r->val[i] = mvf_rd32(d, mvf_vf_regs[i].off);
}

uint32_t mvf_regs_get(const struct mvf_regs *r, uint32_t off)
{
	size_t i;

	for (i = 0; i < mvf_vf_nr_regs; i++)
		if (mvf_vf_regs[i].off == off)
			return r->val[i];
	return 0xdeadbeef;
}

int mvf_regs_diff(const char *what, const struct mvf_regs *a,
		  const struct mvf_regs *b, uint32_t status_ignore)
{
	int n = 0;
	size_t i;

	for (i = 0; i < mvf_vf_nr_regs; i++) {
		uint32_t x = a->val[i], y = b->val[i];

		if (mvf_vf_regs[i].off == MVF_REG_STATUS) {
			x &= ~status_ignore;
			y &= ~status_ignore;
		}
		if (x == y)
			continue;
		fprintf(stderr, "%s: %-12s (0x%03x) 0x%08x != 0x%08x\n", what,
			mvf_vf_regs[i].name, mvf_vf_regs[i].off, a->val[i],
			b->val[i]);
		n++;
	}
	return n;
}

/*
 * Route MSI-X vectors 0..@nvec-1 of @d to new eventfds (returned in
 * @efds).  Returns 0 or -errno.
 */
int mvf_dev_msix_enable(struct mvf_dev *d, unsigned int nvec, int *efds)
{
	union {
		struct vfio_irq_set s;
		uint8_t raw[sizeof(struct vfio_irq_set) + 8 * sizeof(int)];
	} u;
	unsigned int i;
	int ret;

	if (nvec > 8)
		return -EINVAL;
	for (i = 0; i < nvec; i++)
		efds[i] = -1;
	for (i = 0; i < nvec; i++) {
		efds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (efds[i] < 0) {
			ret = -errno;
			goto err;
		}
	}
	memset(&u, 0, sizeof(u));
	u.s.argsz = sizeof(u.s) + nvec * sizeof(int);
	u.s.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	u.s.index = VFIO_PCI_MSIX_IRQ_INDEX;
	u.s.start = 0;
	u.s.count = nvec;
	memcpy(u.s.data, efds, nvec * sizeof(int));
	if (ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &u.s)) {
		ret = -errno;
		fprintf(stderr, "%s: VFIO_DEVICE_SET_IRQS(MSI-X, %u): %s\n",
			d->bdf, nvec, strerror(-ret));
		goto err;
	}
	return 0;
err:
	for (i = 0; i < nvec; i++)
		if (efds[i] >= 0)
			close(efds[i]);
	return ret;
}

/* Wait up to @timeout_ms for @efd: the count read (> 0), 0, or -errno. */
int64_t mvf_eventfd_wait(int efd, int timeout_ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	uint64_t cnt;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return 0;
	if (read(efd, &cnt, sizeof(cnt)) != sizeof(cnt))
		return errno == EAGAIN ? 0 : -errno;
	return (int64_t)cnt;
}
