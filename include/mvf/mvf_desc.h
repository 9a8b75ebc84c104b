/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * mvf device interface: VF descriptor and completion rings.
 *
 * The descriptor ring (SQ) and completion ring (CQ) live in host memory at
 * the IOVAs in MVF_VF_REG_SQ/CQ and have MVF_VF_REG_RING_SIZE entries each
 * (power of 2, 1..MVF_VF_RING_MAX_ENTRIES).  SQ_TAIL and SQ_HEAD are
 * free-running 32-bit indices; entry i lives at slot (i & (size - 1)).
 * Writing SQ_TAIL is the doorbell: while RUNNING and enabled, the device
 * processes descriptors HEAD..TAIL-1 in order and writes the completion of
 * descriptor i to CQ slot (i & (size - 1)) with phase ((i / size) & 1) ^ 1,
 * so the first pass over the ring writes phase 1.  TAIL - HEAD > size halts
 * the ring (MVF_VF_STS_HALTED, LAST_ERR = MVF_DESC_STS_BAD_RING).
 *
 * While the PF has the VF quiesced (P2P) or stopped, a doorbell write only
 * updates SQ_TAIL and sets DB_LATCHED; the work runs on resume.
 */
#ifndef _MVF_DESC_H
#define _MVF_DESC_H

#include "mvf_types.h"

enum mvf_desc_op {
	MVF_DESC_OP_NOP		= 0x00,
	MVF_DESC_OP_COPY	= 0x01,	/* host src -> host dst, len bytes */
	MVF_DESC_OP_FILL	= 0x02,	/* host dst <- 64-bit pattern */
	MVF_DESC_OP_H2D		= 0x03,	/* host src -> devmem dst offset */
	MVF_DESC_OP_D2H		= 0x04,	/* devmem src offset -> host dst */
	MVF_DESC_OP_DFILL	= 0x05,	/* devmem dst offset <- pattern */
	MVF_DESC_OP_CRC32C	= 0x06,	/* CRC32C of src into result */
};

/* Descriptor flags. */
#define MVF_DESC_F_IRQ		(1u << 0)	/* MSI-X after this one */
#define MVF_DESC_F_SRC_DEVMEM	(1u << 1)	/* CRC32C: src is devmem */

/**
 * struct mvf_desc - one VF descriptor (64 bytes)
 * @opcode: enum mvf_desc_op
 * @flags: MVF_DESC_F_*
 * @len: bytes to process, 1..MVF_DESC_MAX_LEN
 * @src: source IOVA, or device memory offset
 * @dst: destination IOVA, or device memory offset
 * @pattern: fill pattern (FILL, DFILL), repeated little-endian; CRC32C
 *           seed in the low 32 bits (standard CRC32C uses 0)
 * @cookie: echoed in the completion
 * @rsvd: must be zero
 */
struct mvf_desc {
	__u8	opcode;
	__u8	flags;
	__le16	rsvd0;
	__le32	len;
	__le64	src;
	__le64	dst;
	__le64	pattern;
	__le64	cookie;
	__le64	rsvd[3];
};
static_assert(sizeof(struct mvf_desc) == 64, "mvf_desc size");

#define MVF_DESC_MAX_LEN	(16u << 20)

enum mvf_desc_status {
	MVF_DESC_STS_OK		= 0x00,
	MVF_DESC_STS_BAD_OP	= 0x01,	/* unknown opcode or flags */
	MVF_DESC_STS_BAD_LEN	= 0x02,	/* len 0 or > MVF_DESC_MAX_LEN */
	MVF_DESC_STS_DMA_ERR	= 0x03,	/* IOVA not mapped / no access */
	MVF_DESC_STS_DEVMEM_ERR	= 0x04,	/* devmem range out of bounds */
	MVF_DESC_STS_BAD_RING	= 0x05,	/* ring config or index invalid */
};

/**
 * struct mvf_cpl - one VF completion (16 bytes)
 * @cookie: the descriptor's cookie
 * @result: CRC32C result; 0 for other operations
 * @status: enum mvf_desc_status
 * @phase: bit 0 is the phase bit, see above
 * @rsvd: zero
 */
struct mvf_cpl {
	__le64	cookie;
	__le32	result;
	__u8	status;
	__u8	phase;
	__le16	rsvd;
};
static_assert(sizeof(struct mvf_cpl) == 16, "mvf_cpl size");

#endif /* _MVF_DESC_H */
