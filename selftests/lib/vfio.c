// SPDX-License-Identifier: GPL-2.0
/*
 * An mvf VF opened through the generic library: a VFIO PCI device whose
 * BAR0 holds at least the VF register block, with memory decoding and bus
 * mastering on (the VF DMAs and signals MSI-X).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mvf_test.h"

static int bar0_setup(struct mvf_dev *d)
{
	struct vfio_region_info ri;
	void *p;
	int ret;

	ret = vt_dev_region(&d->vt, VFIO_PCI_BAR0_REGION_INDEX, &ri);
	if (ret)
		return ret;
	if (ri.size < MVF_BAR_SIZE) {
		fprintf(stderr, "%s: BAR0 is %llu bytes, want %u\n", d->vt.name,
			(unsigned long long)ri.size, MVF_BAR_SIZE);
		return -EINVAL;
	}
	d->bar0_offset = ri.offset;
	d->bar0_size = ri.size;
	d->bar0 = NULL;
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return 0;	/* pread/pwrite fallback */
	p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, d->vt.fd,
		 ri.offset);
	if (p == MAP_FAILED) {
		fprintf(stderr, "%s: mmap BAR0: %s (using pread/pwrite)\n",
			d->vt.name, strerror(errno));
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
	struct vfio_region_info ri;
	uint16_t cmd;
	int ret;

	ret = vt_dev_region(&d->vt, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (ret)
		return ret;
	if (pread(d->vt.fd, &cmd, 2, ri.offset + 0x04) != 2) {
		ret = errno ? -errno : -EIO;
		fprintf(stderr, "%s: read PCI_COMMAND: %s\n", d->vt.name,
			strerror(-ret));
		return ret;
	}
	cmd |= 0x0002 | 0x0004;	/* PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER */
	if (pwrite(d->vt.fd, &cmd, 2, ri.offset + 0x04) != 2) {
		ret = errno ? -errno : -EIO;
		fprintf(stderr, "%s: write PCI_COMMAND: %s\n", d->vt.name,
			strerror(-ret));
		return ret;
	}
	return 0;
}

/**
 * mvf_dev_open() - open an mvf VF in @v's address space
 * @v: from vt_iommu_init()
 * @d: filled in (closed again on failure)
 * @bdf: the VF's PCI address
 *
 * Return: 0, -ENODEV if it is not a VFIO PCI device, -EINVAL if its BAR0
 * is smaller than MVF_BAR_SIZE, or the negative errno of the step that
 * failed (printed).
 */
int mvf_dev_open(struct vt_iommu *v, struct mvf_dev *d, const char *bdf)
{
	int ret;

	memset(d, 0, sizeof(*d));
	ret = vt_dev_open(v, &d->vt, bdf);
	if (ret)
		return ret;
	if (!(d->vt.info.flags & VFIO_DEVICE_FLAGS_PCI)) {
		fprintf(stderr, "%s: not a VFIO PCI device\n", d->vt.name);
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

/**
 * mvf_dev_close() - unmap BAR0 and close the device
 * @d: opened or partly opened by mvf_dev_open()
 */
void mvf_dev_close(struct mvf_dev *d)
{
	if (d->bar0)
		munmap((void *)d->bar0, d->bar0_size);
	d->bar0 = NULL;
	vt_dev_close(&d->vt);
}

uint32_t mvf_rd32(struct mvf_dev *d, uint32_t off)
{
	uint32_t val;

	if (d->bar0)
		return d->bar0[off / 4];
	if (pread(d->vt.fd, &val, 4, d->bar0_offset + off) != 4) {
		fprintf(stderr, "%s: BAR0 read 0x%03x: %s\n", d->vt.name, off,
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
	if (pwrite(d->vt.fd, &val, 4, d->bar0_offset + off) != 4)
		fprintf(stderr, "%s: BAR0 write 0x%03x: %s\n", d->vt.name, off,
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
