// SPDX-License-Identifier: GPL-2.0
/* PCI configuration space. */
#include <string.h>

#include <linux/pci_regs.h>

#include "fixture.h"
#include "test.h"

static uint32_t rd(struct func *fn, uint32_t off, uint32_t len)
{
	uint8_t b[4] = { 0 };

	func_region_read(fn, FUNC_REGION_CONFIG, off, b, len);
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static void wr(struct func *fn, uint32_t off, uint32_t v, uint32_t len)
{
	uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };

	func_region_write(fn, FUNC_REGION_CONFIG, off, b, len);
}

static int cfg_ids(void)
{
	struct mvf_dev d;
	struct func *pf, *vf;

	TRY(mvf_dev_init(&d, 2, 1 << 20, 0x1122334455667788ull, NULL, false));
	pf = &d.pf_fn;
	vf = &d.vf_fns[1];
	CHECK_EQ(rd(pf, PCI_VENDOR_ID, 2), MVF_PCI_VENDOR_ID);
	CHECK_EQ(rd(pf, PCI_DEVICE_ID, 2), MVF_PCI_DEVICE_PF);
	CHECK_EQ(rd(vf, PCI_DEVICE_ID, 2), MVF_PCI_DEVICE_VF);
	CHECK_EQ(rd(vf, PCI_CLASS_REVISION, 4), (MVF_PCI_CLASS << 8) | MVF_PCI_REVISION);
	CHECK_EQ(rd(vf, PCI_SUBSYSTEM_VENDOR_ID, 2), MVF_PCI_VENDOR_ID);
	CHECK_EQ(rd(vf, PCI_HEADER_TYPE, 1), 0);
	CHECK_EQ(rd(vf, PCI_INTERRUPT_PIN, 1), 0);
	CHECK(rd(vf, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	mvf_dev_destroy(&d);
	return 0;
}

static int cfg_capabilities(void)
{
	struct mvf_dev d;
	struct func *pf, *vf;
	uint32_t pos, ids[8], n = 0, vc = 0, ex = 0, mx = 0;

	TRY(mvf_dev_init(&d, 2, 1 << 20, 0x1122334455667788ull, NULL, false));
	pf = &d.pf_fn;
	vf = &d.vf_fns[1];
	for (pos = rd(vf, PCI_CAPABILITY_LIST, 1); pos && n < 8; pos = rd(vf, pos + 1, 1)) {
		CHECK(pos >= 0x40 && pos < 0x100 && !(pos & 3));
		ids[n++] = rd(vf, pos, 1);
		if (ids[n - 1] == PCI_CAP_ID_VNDR)
			vc = pos;
		if (ids[n - 1] == PCI_CAP_ID_EXP)
			ex = pos;
		if (ids[n - 1] == PCI_CAP_ID_MSIX)
			mx = pos;
	}
	CHECK_EQ(n, 3);
	CHECK_EQ(ex, MVF_CFG_CAP_PCIE);
	CHECK_EQ(mx, MVF_CFG_CAP_MSIX);
	CHECK_EQ(vc, MVF_CFG_CAP_VNDR);
	/* PCIe v2 endpoint with FLR. */
	CHECK_EQ(rd(vf, ex + PCI_EXP_FLAGS, 2) & PCI_EXP_FLAGS_VERS, 2);
	CHECK_EQ((rd(vf, ex + PCI_EXP_FLAGS, 2) & PCI_EXP_FLAGS_TYPE) >> 4, PCI_EXP_TYPE_ENDPOINT);
	CHECK(rd(vf, ex + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR);
	/* MSI-X: 2 vectors, table BAR2 + 0, PBA BAR2 + 0x800. */
	CHECK_EQ(rd(vf, mx + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE, MVF_VF_MSIX_COUNT - 1);
	CHECK_EQ(rd(vf, mx + PCI_MSIX_TABLE, 4), MVF_BAR_MSIX);
	CHECK_EQ(rd(vf, mx + PCI_MSIX_PBA, 4), MVF_MSIX_PBA_OFFSET | MVF_BAR_MSIX);
	/* Vendor capability, VF role. */
	CHECK_EQ(rd(vf, vc + 2, 1), MVF_VCAP_LEN);
	CHECK_EQ(rd(vf, vc + MVF_VCAP_TYPE, 1), MVF_VCAP_TYPE_LINK);
	CHECK_EQ(rd(vf, vc + MVF_VCAP_ROLE, 1), MVF_VCAP_ROLE_VF);
	CHECK_EQ(rd(vf, vc + MVF_VCAP_VF_INDEX, 1), 1);
	CHECK_EQ(rd(vf, vc + MVF_VCAP_SERIAL_LO, 4), 0x55667788);
	CHECK_EQ(rd(vf, vc + MVF_VCAP_SERIAL_HI, 4), 0x11223344);
	CHECK_EQ(rd(vf, vc + MVF_VCAP_VERSION, 4), MVF_VCAP_VERSION_1);
	/* PF role. */
	CHECK_EQ(rd(pf, vc + MVF_VCAP_ROLE, 1), MVF_VCAP_ROLE_PF);
	CHECK_EQ(rd(pf, vc + MVF_VCAP_NUM_VFS, 2), 2);
	CHECK_EQ(rd(pf, vc + MVF_VCAP_SERIAL_HI, 4), 0x11223344);
	CHECK_EQ(rd(pf, pf->cfg.data[PCI_CAPABILITY_LIST] + PCI_EXP_DEVCAP, 4) &
		 PCI_EXP_DEVCAP_FLR, PCI_EXP_DEVCAP_FLR);
	CHECK_EQ(rd(pf, 0x100, 4), 0);	/* no extended capabilities */
	mvf_dev_destroy(&d);
	return 0;
}

static int cfg_bar_sizing_and_command(void)
{
	struct mvf_dev d;
	struct func *vf;

	TRY(mvf_dev_init(&d, 1, 1 << 20, 1, NULL, false));
	vf = &d.vf_fns[0];
	wr(vf, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	CHECK_EQ(rd(vf, PCI_BASE_ADDRESS_0, 4), ~(uint32_t)(MVF_BAR_SIZE - 1));
	wr(vf, PCI_BASE_ADDRESS_2, 0xffffffff, 4);
	CHECK_EQ(rd(vf, PCI_BASE_ADDRESS_2, 4), ~(uint32_t)(MVF_BAR_SIZE - 1));
	wr(vf, PCI_BASE_ADDRESS_1, 0xffffffff, 4);
	CHECK_EQ(rd(vf, PCI_BASE_ADDRESS_1, 4), 0);
	wr(vf, PCI_ROM_ADDRESS, 0xffffffff, 4);
	CHECK_EQ(rd(vf, PCI_ROM_ADDRESS, 4), 0);
	wr(vf, PCI_BASE_ADDRESS_0, 0xfebf1234, 4);
	CHECK_EQ(rd(vf, PCI_BASE_ADDRESS_0, 4), 0xfebf1000);
	wr(vf, PCI_COMMAND, 0xffff, 2);
	CHECK_EQ(rd(vf, PCI_COMMAND, 2), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	wr(vf, PCI_STATUS, 0xffff, 2);
	CHECK_EQ(rd(vf, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	wr(vf, PCI_VENDOR_ID, 0, 4);
	CHECK_EQ(rd(vf, PCI_VENDOR_ID, 2), MVF_PCI_VENDOR_ID);
	/* MSI-X enable and function mask are writable, the size is not. */
	wr(vf, MVF_CFG_CAP_MSIX + PCI_MSIX_FLAGS, 0xffff, 2);
	CHECK_EQ(rd(vf, MVF_CFG_CAP_MSIX + PCI_MSIX_FLAGS, 2),
		 PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | (MVF_VF_MSIX_COUNT - 1));
	mvf_dev_destroy(&d);
	return 0;
}

static int cfg_flr_resets_function_keeps_devmem(void)
{
	struct mvf_dev d;
	struct func *vf;
	struct vf *v;

	TRY(mvf_dev_init(&d, 1, 1 << 20, 1, NULL, false));
	vf = &d.vf_fns[0];
	v = vf->vf;
	wr(vf, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	wr(vf, PCI_BASE_ADDRESS_0, 0xfebf0000, 4);
	vf_reg_write(v, MVF_VF_REG_SCRATCH0, 0xdeadbeef);
	vf_reg_write(v, MVF_VF_REG_RING_SIZE, 16);
	memset(v->devmem + 4096, 0xa5, 4096);
	/* A DevCtl write without Initiate FLR is a plain write. */
	wr(vf, MVF_CFG_CAP_PCIE + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_RELAX_EN, 2);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_SCRATCH0), 0xdeadbeef);
	CHECK_EQ(rd(vf, MVF_CFG_CAP_PCIE + PCI_EXP_DEVCTL, 2), PCI_EXP_DEVCTL_RELAX_EN);
	wr(vf, MVF_CFG_CAP_PCIE + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_BCR_FLR, 2);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_SCRATCH0), 0);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_RING_SIZE), 0);
	CHECK_EQ(rd(vf, PCI_COMMAND, 2), 0);
	CHECK_EQ(rd(vf, PCI_BASE_ADDRESS_0, 4), 0);
	CHECK_EQ(rd(vf, MVF_CFG_CAP_PCIE + PCI_EXP_DEVCTL, 2) & PCI_EXP_DEVCTL_BCR_FLR, 0);
	CHECK_EQ(v->devmem[4096], 0xa5);
	CHECK_EQ(v->devmem[8191], 0xa5);
	mvf_dev_destroy(&d);
	return 0;
}

/*
 * The link capability is read-only (device contract): no write of any
 * size changes a byte of it, on a VF or on the PF, and the capability
 * list still ends there.
 */
static int cfg_vcap_read_only(void)
{
	const uint32_t vc = MVF_CFG_CAP_VNDR;
	uint8_t before[MVF_VCAP_LEN], after[MVF_VCAP_LEN];
	struct func *fns[2];
	struct mvf_dev d;
	uint32_t i, off;

	TRY(mvf_dev_init(&d, 2, 1 << 20, 0x1122334455667788ull, NULL, false));
	fns[0] = &d.vf_fns[1];
	fns[1] = &d.pf_fn;
	for (i = 0; i < 2; i++) {
		func_region_read(fns[i], FUNC_REGION_CONFIG, vc, before,
				 sizeof(before));
		for (off = 0; off < MVF_VCAP_LEN; off++)
			wr(fns[i], vc + off, 0xa5, 1);
		for (off = 0; off < MVF_VCAP_LEN; off += 2)
			wr(fns[i], vc + off, 0x5aa5, 2);
		for (off = 0; off < MVF_VCAP_LEN; off += 4)
			wr(fns[i], vc + off, 0xdeadbeef, 4);
		func_region_read(fns[i], FUNC_REGION_CONFIG, vc, after,
				 sizeof(after));
		CHECK(!memcmp(before, after, sizeof(before)));
	}
	CHECK_EQ(rd(&d.vf_fns[1], vc + MVF_VCAP_VF_INDEX, 1), 1);
	CHECK_EQ(rd(&d.vf_fns[1], vc + PCI_CAP_LIST_NEXT, 1), 0);
	mvf_dev_destroy(&d);
	return 0;
}

const struct test cfg_tests[] = {
	{ "cfg_vcap_read_only", cfg_vcap_read_only },
	{ "cfg_ids", cfg_ids },
	{ "cfg_capabilities", cfg_capabilities },
	{ "cfg_bar_sizing_and_command", cfg_bar_sizing_and_command },
	{ "cfg_flr_resets_function_keeps_devmem", cfg_flr_resets_function_keeps_devmem },
	{ NULL, NULL },
};
