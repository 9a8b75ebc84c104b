/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * mvf device interface: PCI identity, the VF->PF link capability and the
 * PF and VF register maps (BAR0).  See Documentation/device.rst.
 */
#ifndef _MVF_PCI_H
#define _MVF_PCI_H

#include "mvf_types.h"

/*
 * PCI IDs.  0x1dea is an experimental vendor ID used by this project's
 * emulated device only; it is not assigned by the PCI-SIG to mvf.
 */
#define MVF_PCI_VENDOR_ID	0x1dea
#define MVF_PCI_DEVICE_PF	0x0001
#define MVF_PCI_DEVICE_VF	0x0002
#define MVF_PCI_REVISION	0x01
#define MVF_PCI_CLASS		0x120000	/* processing accelerator */

/*
 * BAR layout, identical for PF and VF: BAR0 is a 4 KiB 32-bit memory BAR
 * holding the registers below, BAR2 is a 4 KiB 32-bit memory BAR holding
 * the MSI-X table (offset 0) and PBA (offset MVF_MSIX_PBA_OFFSET).
 */
#define MVF_BAR_REGS		0
#define MVF_BAR_MSIX		2
#define MVF_BAR_SIZE		0x1000
#define MVF_MSIX_PBA_OFFSET	0x800

/* Config space capability offsets (informative; drivers walk the list). */
#define MVF_CFG_CAP_PCIE	0x40
#define MVF_CFG_CAP_MSIX	0x80
#define MVF_CFG_CAP_VNDR	0x90

/*
 * Vendor-specific capability (PCI_CAP_ID_VNDR) linking a function to its
 * PF.  QEMU cannot model SR-IOV for vfio-user functions, so a VF names its
 * PF by the PF's serial number and its own index.  Both PF and VFs carry
 * it; the PF's vf_index is 0 and num_vfs says how many VFs it owns.
 * Offsets are relative to the capability start.  The whole capability is
 * read-only: writes are ignored and its values never change, so drivers
 * may read it once (Documentation/device.rst).
 */
#define MVF_VCAP_LEN		0x14	/* value of the length byte */
#define MVF_VCAP_TYPE		0x03	/* u8: MVF_VCAP_TYPE_LINK */
#define MVF_VCAP_ROLE		0x04	/* u8: MVF_VCAP_ROLE_* */
#define MVF_VCAP_VF_INDEX	0x05	/* u8: VF index, 0-based */
#define MVF_VCAP_NUM_VFS	0x06	/* u16: PF only, VFs it owns */
#define MVF_VCAP_SERIAL_LO	0x08	/* u32: PF serial, low half */
#define MVF_VCAP_SERIAL_HI	0x0c	/* u32: PF serial, high half */
#define MVF_VCAP_VERSION	0x10	/* u32: MVF_VCAP_VERSION_1 */

#define MVF_VCAP_TYPE_LINK	0x01
#define MVF_VCAP_ROLE_PF	0x00
#define MVF_VCAP_ROLE_VF	0x01
#define MVF_VCAP_VERSION_1	0x00000001

/* MSI-X vectors. */
#define MVF_PF_MSIX_ADMINQ	0	/* admin completion posted */
#define MVF_PF_MSIX_EVENTQ	1	/* event posted */
#define MVF_PF_MSIX_COUNT	2
#define MVF_VF_MSIX_CPL		0	/* descriptor completion posted */
#define MVF_VF_MSIX_ERR		1	/* ring halted on error */
#define MVF_VF_MSIX_COUNT	2

/* Common identification registers (PF and VF). */
#define MVF_REG_ID		0x000	/* ro u32: MVF_ID_PF or MVF_ID_VF */
#define MVF_REG_VERSION		0x004	/* ro u32: MVF_DEV_VERSION */
#define MVF_REG_CAPS		0x008	/* ro u32: MVF_*_CAP_* */
#define MVF_REG_STATUS		0x00c	/* ro u32: MVF_*_STS_* */
#define MVF_REG_CTRL		0x010	/* rw u32: MVF_*_CTRL_* */

#define MVF_ID_PF		0x3046564d	/* "MVF0" */
#define MVF_ID_VF		0x3146564d	/* "MVF1" */
#define MVF_DEV_VERSION		0x00010000	/* 1.0 */

/*
 * PF registers.  All 64-bit registers are two 32-bit halves, low first;
 * 32-bit accesses are the only ones the device accepts.
 */
#define MVF_PF_CAP_ADMINQ	(1u << 0)
#define MVF_PF_CAP_EVENTQ	(1u << 1)

#define MVF_PF_STS_AQ_READY	(1u << 0)	/* admin queue enabled */
#define MVF_PF_STS_EQ_READY	(1u << 1)	/* event queue enabled */
#define MVF_PF_STS_FATAL	(1u << 31)	/* bad queue config, reset */

#define MVF_PF_CTRL_AQ_ENABLE	(1u << 0)
#define MVF_PF_CTRL_EQ_ENABLE	(1u << 1)
#define MVF_PF_CTRL_RESET	(1u << 31)	/* self-clearing */

#define MVF_PF_REG_NUM_VFS	0x014	/* ro u32 */
#define MVF_PF_REG_SERIAL_LO	0x018	/* ro u32 */
#define MVF_PF_REG_SERIAL_HI	0x01c	/* ro u32 */
#define MVF_PF_REG_AQ_SQ_LO	0x020	/* rw: submission ring IOVA */
#define MVF_PF_REG_AQ_SQ_HI	0x024
#define MVF_PF_REG_AQ_CQ_LO	0x028	/* rw: completion ring IOVA */
#define MVF_PF_REG_AQ_CQ_HI	0x02c
#define MVF_PF_REG_AQ_SIZE	0x030	/* rw: entries, power of 2 */
#define MVF_PF_REG_AQ_TAIL	0x034	/* rw: doorbell, producer index */
#define MVF_PF_REG_AQ_HEAD	0x038	/* ro: consumer index */
#define MVF_PF_REG_EQ_LO	0x040	/* rw: event ring IOVA */
#define MVF_PF_REG_EQ_HI	0x044
#define MVF_PF_REG_EQ_SIZE	0x048	/* rw: entries, power of 2 */
#define MVF_PF_REG_EQ_HEAD	0x04c	/* rw: driver consumer index */
#define MVF_PF_REG_EQ_TAIL	0x050	/* ro: device producer index */

#define MVF_AQ_MAX_ENTRIES	4096
#define MVF_EQ_MAX_ENTRIES	4096

/*
 * VF registers.  Everything a guest can observe here (except ID, VERSION,
 * CAPS and DEVMEM_SIZE, which are fixed) is migration state.
 */
#define MVF_VF_CAP_COPY		(1u << 0)
#define MVF_VF_CAP_FILL		(1u << 1)
#define MVF_VF_CAP_H2D		(1u << 2)
#define MVF_VF_CAP_D2H		(1u << 3)
#define MVF_VF_CAP_DFILL	(1u << 4)
#define MVF_VF_CAP_CRC32C	(1u << 5)

#define MVF_VF_STS_ENABLED	(1u << 0)	/* ring enabled */
#define MVF_VF_STS_HALTED	(1u << 1)	/* ring stopped on error */
#define MVF_VF_STS_QUIESCED	(1u << 2)	/* P2P or stopped by PF */
#define MVF_VF_STS_STOPPED	(1u << 3)	/* fully stopped by PF */

#define MVF_VF_CTRL_ENABLE	(1u << 0)	/* process the ring */
#define MVF_VF_CTRL_IRQ		(1u << 1)	/* MSI-X on completion */

#define MVF_VF_REG_DEVMEM_LO	0x018	/* ro: device memory bytes */
#define MVF_VF_REG_DEVMEM_HI	0x01c
#define MVF_VF_REG_SQ_LO	0x020	/* rw: descriptor ring IOVA */
#define MVF_VF_REG_SQ_HI	0x024
#define MVF_VF_REG_CQ_LO	0x028	/* rw: completion ring IOVA */
#define MVF_VF_REG_CQ_HI	0x02c
#define MVF_VF_REG_RING_SIZE	0x030	/* rw: entries, power of 2 */
#define MVF_VF_REG_SQ_TAIL	0x034	/* rw: doorbell, producer index */
#define MVF_VF_REG_SQ_HEAD	0x038	/* ro: consumer index */
#define MVF_VF_REG_DB_LATCHED	0x03c	/* ro: 1 if a doorbell waits */
#define MVF_VF_REG_CNT_DESC_LO	0x040	/* ro: descriptors completed */
#define MVF_VF_REG_CNT_DESC_HI	0x044
#define MVF_VF_REG_CNT_BYTES_LO	0x048	/* ro: bytes processed */
#define MVF_VF_REG_CNT_BYTES_HI	0x04c
#define MVF_VF_REG_CNT_ERR	0x050	/* ro: descriptors failed */
#define MVF_VF_REG_LAST_ERR	0x054	/* ro: MVF_DESC_STS_* of last error */
/*
 * rw: active device memory, MiB, 1..DEVMEM/1 MiB (default: all of it).
 * Descriptors may only reach the active part (else DEVMEM_ERR) and the
 * state image only carries the active part.  Writes are honoured only
 * while the VF is RUNNING and ring-idle; others are ignored.  Changing it
 * during a PRECOPY save session invalidates the initial data already
 * streamed: the device restarts its initial data (a new HEADER section
 * and every active page) and posts MVF_EVENT_INITIAL_CHANGED.
 */
#define MVF_VF_REG_DEVMEM_ACTIVE	0x058
#define MVF_VF_REG_SCRATCH0	0x060	/* rw: 4 scratch registers */
#define MVF_VF_NUM_SCRATCH	4

#define MVF_VF_RING_MAX_ENTRIES	4096

#endif /* _MVF_PCI_H */
