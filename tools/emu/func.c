// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: vfio regions of one function (see func.h). */
#include <errno.h>
#include <string.h>

#include "func.h"
#include "log.h"
#include "mvf/mvf.h"
#include "pf.h"
#include "vf.h"

uint64_t func_region_size(uint32_t region)
{
	switch (region) {
	case FUNC_REGION_BAR0:
	case FUNC_REGION_BAR2:
		return MVF_BAR_SIZE;
	case FUNC_REGION_CONFIG:
		return PCI_CFG_SIZE;
	}
	return 0;
}

static uint32_t reg_read(struct func *fn, uint32_t off)
{
	return fn->kind == FUNC_PF ? pf_reg_read(fn->pf, off) :
				     vf_reg_read(fn->vf, off);
}

static void reg_write(struct func *fn, uint32_t off, uint32_t val)
{
	if (fn->kind == FUNC_PF)
		pf_reg_write(fn->pf, off, val);
	else
		vf_reg_write(fn->vf, off, val);
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void bar0_read(struct func *fn, uint32_t off, uint8_t *buf,
		      uint32_t count)
{
	uint8_t dw[4];
	uint32_t i;

	for (i = 0; i < count; i++) {
		uint32_t a = off + i;

		if (i == 0 || a % 4 == 0)
			put_le32(dw, reg_read(fn, a & ~3u));
		buf[i] = dw[a % 4];
	}
}

static void bar0_write(struct func *fn, uint32_t off, const uint8_t *buf,
		       uint32_t count)
{
	if (off % 4 || (count != 4 && count != 8)) {
		emu_dbg(fn->verbose, "%s: BAR0 write of %u bytes at 0x%x ignored (32-bit only)",
			fn->name, count, off);
		return;
	}
	reg_write(fn, off, le32(buf));
	if (count == 8)
		reg_write(fn, off + 4, le32(buf + 4));
}

static uint32_t pending(struct func *fn)
{
	return fn->kind == FUNC_VF ? vf_msix_pending(fn->vf) : 0;
}

int func_region_read(struct func *fn, uint32_t region, uint64_t off,
		     void *buf, uint32_t count)
{
	uint8_t *out = buf;
	uint8_t pba[8];
	uint32_t i;

	switch (region) {
	case FUNC_REGION_BAR0:
		bar0_read(fn, (uint32_t)off, out, count);
		return 0;
	case FUNC_REGION_BAR2:
		put_le32(pba, pending(fn));
		put_le32(pba + 4, 0);
		for (i = 0; i < count; i++) {
			uint64_t a = off + i;

			if (a < MVF_MSIX_PBA_OFFSET)
				out[i] = fn->msix_table[a];
			else if (a < MVF_MSIX_PBA_OFFSET + sizeof(pba))
				out[i] = pba[a - MVF_MSIX_PBA_OFFSET];
			else
				out[i] = 0;
		}
		return 0;
	case FUNC_REGION_CONFIG:
		pci_cfg_read(&fn->cfg, (uint32_t)off, buf, count);
		return 0;
	}
	return -EINVAL;
}

int func_region_write(struct func *fn, uint32_t region, uint64_t off,
		      const void *buf, uint32_t count)
{
	uint64_t i;

	switch (region) {
	case FUNC_REGION_BAR0:
		bar0_write(fn, (uint32_t)off, buf, count);
		return 0;
	case FUNC_REGION_BAR2:
		/* QEMU emulates the table; keep a copy, PBA is read-only. */
		for (i = 0; i < count; i++)
			if (off + i < MVF_MSIX_PBA_OFFSET)
				fn->msix_table[off + i] = ((const uint8_t *)buf)[i];
		return 0;
	case FUNC_REGION_CONFIG:
		if (pci_cfg_write(&fn->cfg, (uint32_t)off, buf, count)) {
			emu_dbg(fn->verbose, "%s: function level reset", fn->name);
			func_reset(fn);
		}
		return 0;
	}
	return -EINVAL;
}

void func_msix_table_reset(struct func *fn)
{
	unsigned int v;

	memset(fn->msix_table, 0, sizeof(fn->msix_table));
	for (v = 0; v < fn->irq.count[IRQ_MSIX]; v++)
		fn->msix_table[v * 16 + 12] = 1;	/* Vector Control: masked */
}

void func_reset(struct func *fn)
{
	if (fn->kind == FUNC_PF)
		pf_reset(fn->pf);
	else
		vf_reset(fn->vf);
	pci_cfg_reset(&fn->cfg);
	func_msix_table_reset(fn);
}

void func_disconnect(struct func *fn)
{
	emu_dbg(fn->verbose, "%s: dropping %zu DMA maps and all eventfds",
		fn->name, fn->dma.nr_maps);
	dma_unmap_all(&fn->dma);
	irq_clear(&fn->irq);
}
