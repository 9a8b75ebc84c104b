/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * mvf device interface: the VF state image.
 *
 * SAVE_CHUNK hands out, and LOAD_CHUNK takes in, one byte stream per save
 * session: a sequence of sections, each a struct mvf_img_sec header
 * followed by @len payload bytes (no padding).  The stream is
 *
 *   HEADER  (first; a later HEADER restarts the image: everything staged
 *            before it is discarded, which is how precopy re-sends its
 *            initial data after MVF_EVENT_INITIAL_CHANGED)
 *   DEVMEM* (device memory pages; a later section for the same page
 *            replaces an earlier one, which is how precopy resends dirty
 *            pages)
 *   REGS    (exactly once, after the VF stopped)
 *   TRAILER (exactly once, last)
 *
 * The device stages what it loads and commits it on LOAD_END only if the
 * whole stream was valid, so a bad image never leaves the VF half-loaded.
 */
#ifndef _MVF_IMAGE_H
#define _MVF_IMAGE_H

#include "mvf_types.h"

#define MVF_IMG_MAGIC		0x31474d4946564dULL	/* "MVFIMG1" */
#define MVF_IMG_VERSION		1

enum mvf_img_sec_type {
	MVF_IMG_SEC_HEADER	= 0x01,
	MVF_IMG_SEC_DEVMEM	= 0x02,
	MVF_IMG_SEC_REGS	= 0x03,
	MVF_IMG_SEC_TRAILER	= 0x7f,
};

/**
 * struct mvf_img_sec - section header (16 bytes)
 * @type: enum mvf_img_sec_type
 * @flags: zero
 * @len: payload bytes after this header
 */
struct mvf_img_sec {
	__le32	type;
	__le32	flags;
	__le64	len;
};
static_assert(sizeof(struct mvf_img_sec) == 16, "mvf_img_sec size");

/**
 * struct mvf_img_header - HEADER payload (64 bytes)
 * @magic: MVF_IMG_MAGIC
 * @version: MVF_IMG_VERSION
 * @flags: zero
 * @devmem_size: device memory of the source VF, bytes; must equal the
 *               target's (else MVF_AQ_STS_IMG_INCOMPAT)
 * @vf_caps: MVF_REG_CAPS of the source VF; must be a subset of the
 *           target's (else MVF_AQ_STS_IMG_INCOMPAT)
 * @page_size: devmem page size of DEVMEM sections, bytes (4096)
 * @devmem_active: MVF_VF_REG_DEVMEM_ACTIVE of the source, MiB; DEVMEM
 *                 sections must lie inside it and must cover all of it
 * @rsvd0: zero
 * @rsvd: zero
 */
struct mvf_img_header {
	__le64	magic;
	__le32	version;
	__le32	flags;
	__le64	devmem_size;
	__le32	vf_caps;
	__le32	page_size;
	__le32	devmem_active;
	__le32	rsvd0;
	__le64	rsvd[3];
};
static_assert(sizeof(struct mvf_img_header) == 64, "mvf_img_header size");

#define MVF_IMG_PAGE_SIZE	4096u

/*
 * DEVMEM payload: struct mvf_img_devmem then @len - 16 bytes of device
 * memory starting at @offset.  @offset and the data length are multiples
 * of MVF_IMG_PAGE_SIZE, the data length is 1..MVF_IMG_DEVMEM_MAX bytes and
 * the range lies inside device memory.
 */
struct mvf_img_devmem {
	__le64	offset;
	__le64	rsvd;
};
static_assert(sizeof(struct mvf_img_devmem) == 16, "mvf_img_devmem size");

#define MVF_IMG_DEVMEM_MAX	(1u << 20)

/**
 * struct mvf_img_regs - REGS payload (128 bytes): the VF's register state
 * @ctrl: MVF_REG_CTRL
 * @status: MVF_REG_STATUS bits ENABLED and HALTED
 * @sq: descriptor ring IOVA
 * @cq: completion ring IOVA
 * @ring_size: ring entries
 * @sq_tail: producer index
 * @sq_head: consumer index
 * @db_latched: 1 if a doorbell is pending
 * @cnt_desc: descriptors completed
 * @cnt_bytes: bytes processed
 * @cnt_err: descriptors failed
 * @last_err: last descriptor error status
 * @scratch: scratch registers
 * @msix_pending: MSI-X vectors pending (PBA bits) while quiesced
 * @rsvd: zero
 */
struct mvf_img_regs {
	__le32	ctrl;
	__le32	status;
	__le64	sq;
	__le64	cq;
	__le32	ring_size;
	__le32	sq_tail;
	__le32	sq_head;
	__le32	db_latched;
	__le64	cnt_desc;
	__le64	cnt_bytes;
	__le32	cnt_err;
	__le32	last_err;
	__le32	scratch[4];
	__le32	msix_pending;
	__le32	rsvd[11];
};
static_assert(sizeof(struct mvf_img_regs) == 128, "mvf_img_regs size");

/**
 * struct mvf_img_trailer - TRAILER payload (16 bytes)
 * @crc32c: CRC32C (Castagnoli, seed ~0, final xor ~0) of every stream
 *          byte before this section's header
 * @nr_sections: sections before the trailer
 * @total_len: stream bytes before this section's header
 */
struct mvf_img_trailer {
	__le32	crc32c;
	__le32	nr_sections;
	__le64	total_len;
};
static_assert(sizeof(struct mvf_img_trailer) == 16, "mvf_img_trailer size");

#endif /* _MVF_IMAGE_H */
