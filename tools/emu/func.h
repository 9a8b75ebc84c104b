/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu: one PCI function as the vfio-user transport sees it: config
 * space, the vfio regions, DMA space and interrupt eventfds, in front of
 * a PF or VF model.
 */
#ifndef EMU_FUNC_H
#define EMU_FUNC_H

#include <stdbool.h>
#include <stdint.h>

#include "dma.h"
#include "irq.h"
#include "mvf/mvf_pci.h"
#include "pci_cfg.h"

struct pf;
struct vf;

/* vfio-pci region indices. */
#define FUNC_REGION_BAR0	0
#define FUNC_REGION_BAR2	2
#define FUNC_REGION_CONFIG	7
#define FUNC_NR_REGIONS		9

enum func_kind {
	FUNC_PF,
	FUNC_VF,
};

struct func {
	enum func_kind kind;
	char name[16];		/* "pf", "vf0", ... */
	bool verbose;
	struct pci_cfg cfg;
	struct dma_space dma;
	struct irq_table irq;
	uint8_t msix_table[MVF_MSIX_PBA_OFFSET];	/* BAR2 shadow */
	struct pf *pf;		/* FUNC_PF */
	struct vf *vf;		/* FUNC_VF */
};

/* Region size in bytes, 0 if the region does not exist. */
uint64_t func_region_size(uint32_t region);

/*
 * Region access from the client.  @off + @count must lie inside the
 * region (checked by the caller).  BAR0 takes aligned 32-bit accesses
 * (64-bit ones are split, low half first); other sizes read the bytes of
 * the registers without side effects and writes of other sizes are
 * ignored.  Returns 0 or -EINVAL.
 */
int func_region_read(struct func *fn, uint32_t region, uint64_t off,
		     void *buf, uint32_t count);
int func_region_write(struct func *fn, uint32_t region, uint64_t off,
		      const void *buf, uint32_t count);

/* FLR or DEVICE_RESET: the model and config space back to defaults. */
void func_reset(struct func *fn);

/* MSI-X table shadow to reset values (all vectors masked). */
void func_msix_table_reset(struct func *fn);

/* Client gone: drop its DMA maps and eventfds, keep device state. */
void func_disconnect(struct func *fn);

#endif
