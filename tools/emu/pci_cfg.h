/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu: PCI configuration space of one function (4 KiB, vfio region 7).
 *
 * Type 0 header with BAR0 and BAR2 (32-bit memory, 4 KiB each), a PCI
 * Express v2 endpoint capability at 0x40 (FLR in DevCap), MSI-X at 0x80
 * (table in BAR2 at 0, PBA at MVF_MSIX_PBA_OFFSET) and the mvf vendor
 * capability at 0x90.  No extended capabilities.  Writes go through a
 * per-byte writable mask and a write-1-to-clear mask; QEMU forwards all of
 * them, BAR sizing included.
 */
#ifndef EMU_PCI_CFG_H
#define EMU_PCI_CFG_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CFG_SIZE	4096

struct pci_cfg_id {
	uint16_t device_id;
	uint8_t role;		/* MVF_VCAP_ROLE_* */
	uint8_t vf_index;	/* VF role */
	uint16_t num_vfs;	/* PF role */
	uint64_t serial;	/* the PF's serial, in both roles */
	uint16_t msix_count;
};

struct pci_cfg {
	uint8_t data[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];	/* bits software may change */
	uint8_t w1c[PCI_CFG_SIZE];	/* bits cleared by writing 1 */
	uint8_t init[PCI_CFG_SIZE];	/* reset values */
};

void pci_cfg_init(struct pci_cfg *c, const struct pci_cfg_id *id);

/* Back to power-on values (FLR, vfio-user DEVICE_RESET). */
void pci_cfg_reset(struct pci_cfg *c);

/* Caller checks off + len <= PCI_CFG_SIZE. */
void pci_cfg_read(const struct pci_cfg *c, uint32_t off, void *buf,
		  uint32_t len);

/*
 * Apply a config write.  Returns true if it initiated a Function Level
 * Reset (DevCtl Initiate FLR); the caller then resets the function,
 * config space included.
 */
bool pci_cfg_write(struct pci_cfg *c, uint32_t off, const void *buf,
		   uint32_t len);

/* Command register Bus Master Enable. */
bool pci_cfg_bus_master(const struct pci_cfg *c);

#endif
