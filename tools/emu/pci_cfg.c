// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: PCI configuration space (see pci_cfg.h). */
#include <string.h>

#include <linux/pci_regs.h>

#include "mvf/mvf_pci.h"
#include "pci_cfg.h"

static void put8(uint8_t *b, uint32_t off, uint8_t v)
{
	b[off] = v;
}

static void put16(uint8_t *b, uint32_t off, uint16_t v)
{
	b[off] = v & 0xff;
	b[off + 1] = v >> 8;
}

static void put32(uint8_t *b, uint32_t off, uint32_t v)
{
	put16(b, off, v & 0xffff);
	put16(b, off + 2, v >> 16);
}

static uint16_t get16(const uint8_t *b, uint32_t off)
{
	return b[off] | (uint16_t)b[off + 1] << 8;
}

void pci_cfg_init(struct pci_cfg *c, const struct pci_cfg_id *id)
{
	uint8_t *d = c->data, *w = c->wmask;
	const uint32_t pe = MVF_CFG_CAP_PCIE, mx = MVF_CFG_CAP_MSIX,
		       vc = MVF_CFG_CAP_VNDR;

	memset(c, 0, sizeof(*c));

	/* Type 0 header. */
	put16(d, PCI_VENDOR_ID, MVF_PCI_VENDOR_ID);
	put16(d, PCI_DEVICE_ID, id->device_id);
	put16(w, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
	      PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	put16(d, PCI_STATUS, PCI_STATUS_CAP_LIST);
	put16(c->w1c, PCI_STATUS, PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
	      PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
	      PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
	put8(d, PCI_REVISION_ID, MVF_PCI_REVISION);
	put8(d, PCI_CLASS_PROG, MVF_PCI_CLASS & 0xff);
	put16(d, PCI_CLASS_DEVICE, MVF_PCI_CLASS >> 8);
	put8(w, PCI_CACHE_LINE_SIZE, 0xff);
	put8(d, PCI_HEADER_TYPE, PCI_HEADER_TYPE_NORMAL);
	/* BAR0 and BAR2: 32-bit non-prefetchable memory, MVF_BAR_SIZE. */
	put32(w, PCI_BASE_ADDRESS_0 + 4 * MVF_BAR_REGS, ~(MVF_BAR_SIZE - 1));
	put32(w, PCI_BASE_ADDRESS_0 + 4 * MVF_BAR_MSIX, ~(MVF_BAR_SIZE - 1));
	put16(d, PCI_SUBSYSTEM_VENDOR_ID, MVF_PCI_VENDOR_ID);
	put16(d, PCI_SUBSYSTEM_ID, id->device_id);
	put8(d, PCI_CAPABILITY_LIST, pe);
	put8(w, PCI_INTERRUPT_LINE, 0xff);
	put8(d, PCI_INTERRUPT_PIN, 0);	/* MSI-X only */

	/* PCI Express capability, version 2, endpoint. */
	put8(d, pe + PCI_CAP_LIST_ID, PCI_CAP_ID_EXP);
	put8(d, pe + PCI_CAP_LIST_NEXT, mx);
	put16(d, pe + PCI_EXP_FLAGS, 2 | (PCI_EXP_TYPE_ENDPOINT << 4));
	put32(d, pe + PCI_EXP_DEVCAP, PCI_EXP_DEVCAP_FLR | PCI_EXP_DEVCAP_RBER);
	put16(d, pe + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_RELAX_EN |
	      PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ_512B);
	/* Everything but Initiate FLR (handled apart, reads as 0). */
	put16(w, pe + PCI_EXP_DEVCTL, 0x7fff);
	put16(c->w1c, pe + PCI_EXP_DEVSTA, PCI_EXP_DEVSTA_CED |
	      PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD);
	put32(d, pe + PCI_EXP_LNKCAP, PCI_EXP_LNKCAP_SLS_2_5GB | (1 << 4));
	put16(w, pe + PCI_EXP_LNKCTL, PCI_EXP_LNKCTL_ASPMC | PCI_EXP_LNKCTL_RCB |
	      PCI_EXP_LNKCTL_CCC | PCI_EXP_LNKCTL_ES);
	put16(d, pe + PCI_EXP_LNKSTA, PCI_EXP_LNKSTA_CLS_2_5GB | (1 << 4));
	put32(d, pe + PCI_EXP_LNKCAP2, PCI_EXP_LNKCAP2_SLS_2_5GB);
	put16(d, pe + PCI_EXP_LNKCTL2, PCI_EXP_LNKCTL2_TLS_2_5GT);

	/* MSI-X: table in BAR2 at 0, PBA in BAR2 at MVF_MSIX_PBA_OFFSET. */
	put8(d, mx + PCI_CAP_LIST_ID, PCI_CAP_ID_MSIX);
	put8(d, mx + PCI_CAP_LIST_NEXT, vc);
	put16(d, mx + PCI_MSIX_FLAGS, (id->msix_count - 1) & PCI_MSIX_FLAGS_QSIZE);
	put16(w, mx + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	put32(d, mx + PCI_MSIX_TABLE, 0 | MVF_BAR_MSIX);
	put32(d, mx + PCI_MSIX_PBA, MVF_MSIX_PBA_OFFSET | MVF_BAR_MSIX);

	/* mvf vendor capability: the link to the PF. */
	put8(d, vc + PCI_CAP_LIST_ID, PCI_CAP_ID_VNDR);
	put8(d, vc + PCI_CAP_LIST_NEXT, 0);
	put8(d, vc + PCI_CAP_FLAGS, MVF_VCAP_LEN);
	put8(d, vc + MVF_VCAP_TYPE, MVF_VCAP_TYPE_LINK);
	put8(d, vc + MVF_VCAP_ROLE, id->role);
	put8(d, vc + MVF_VCAP_VF_INDEX, id->role == MVF_VCAP_ROLE_VF ? id->vf_index : 0);
	put16(d, vc + MVF_VCAP_NUM_VFS, id->role == MVF_VCAP_ROLE_PF ? id->num_vfs : 0);
	put32(d, vc + MVF_VCAP_SERIAL_LO, (uint32_t)id->serial);
	put32(d, vc + MVF_VCAP_SERIAL_HI, (uint32_t)(id->serial >> 32));
	put32(d, vc + MVF_VCAP_VERSION, MVF_VCAP_VERSION_1);

	memcpy(c->init, c->data, sizeof(c->init));
}

void pci_cfg_reset(struct pci_cfg *c)
{
	memcpy(c->data, c->init, sizeof(c->data));
}

void pci_cfg_read(const struct pci_cfg *c, uint32_t off, void *buf,
		  uint32_t len)
{
	memcpy(buf, c->data + off, len);
}

bool pci_cfg_write(struct pci_cfg *c, uint32_t off, const void *buf,
		   uint32_t len)
{
	const uint32_t flr_byte = MVF_CFG_CAP_PCIE + PCI_EXP_DEVCTL + 1;
	const uint8_t *v = buf;
	bool flr = false;
	uint32_t i;

	for (i = 0; i < len; i++) {
		uint32_t a = off + i;
		uint8_t old = c->data[a];

		if (a == flr_byte && (v[i] & (PCI_EXP_DEVCTL_BCR_FLR >> 8)))
			flr = true;
		c->data[a] = (old & ~c->wmask[a]) | (v[i] & c->wmask[a]);
		c->data[a] &= ~(v[i] & c->w1c[a]);
	}
	return flr;
}

bool pci_cfg_bus_master(const struct pci_cfg *c)
{
	return get16(c->data, PCI_COMMAND) & PCI_COMMAND_MASTER;
}
