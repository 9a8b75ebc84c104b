/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * mvf device interface: the PF admin queue and event queue.
 *
 * The admin queue is a submission ring of struct mvf_aq_cmd and a
 * completion ring of struct mvf_aq_cpl, both MVF_PF_REG_AQ_SIZE entries in
 * host memory owned by the PF driver.  Indices are free-running u32 as on
 * the VF rings; the completion of command i goes to CQ slot
 * (i & (size - 1)) with phase ((i / size) & 1) ^ 1, and MSI-X vector
 * MVF_PF_MSIX_ADMINQ fires after each completion.  Up to size commands
 * may be outstanding; the driver matches a completion to its command by
 * @cid.  Commands of one VF execute and complete in submission order, so
 * several SAVE_CHUNK or LOAD_CHUNK commands of one stream may be queued at
 * once (each into its own buffer) and come back in stream order; commands
 * of different VFs are not ordered against each other (mvf-emu happens to
 * run all of them in order).  A command's buffer belongs to the device
 * from the doorbell until its completion is written.  Every command names
 * the VF it acts on in @vf_id.
 *
 * Host buffers named by a command (buf_addr, buf_len) are IOVAs of the
 * PF's DMA space; the device bounds-checks them and fails the command with
 * MVF_AQ_STS_DMA_ERR, never touching memory outside them.
 */
#ifndef _MVF_ADMIN_H
#define _MVF_ADMIN_H

#include "mvf_types.h"

enum mvf_aq_opcode {
	MVF_AQ_OP_IDENTIFY	= 0x01,	/* buf <- struct mvf_identify */
	MVF_AQ_OP_VF_SUSPEND	= 0x02,	/* arg0: MVF_SUSPEND_* */
	MVF_AQ_OP_VF_RESUME	= 0x03,	/* arg0: MVF_SUSPEND_* */
	MVF_AQ_OP_VF_QUERY_SIZE	= 0x04,	/* buf <- struct mvf_state_size */
	MVF_AQ_OP_SAVE_START	= 0x05,	/* arg0: MVF_SAVE_MODE_* */
	MVF_AQ_OP_SAVE_CHUNK	= 0x06,	/* buf <- next image bytes */
	MVF_AQ_OP_SAVE_END	= 0x07,	/* ends the save session */
	MVF_AQ_OP_LOAD_START	= 0x08,	/* opens a load session */
	MVF_AQ_OP_LOAD_CHUNK	= 0x09,	/* buf -> next image bytes */
	MVF_AQ_OP_LOAD_END	= 0x0a,	/* validate and commit */
	MVF_AQ_OP_LOAD_ABORT	= 0x0b,	/* drop a load session */
	MVF_AQ_OP_DIRTY_START	= 0x10,	/* arg0: page shift; buf -> ranges */
	MVF_AQ_OP_DIRTY_REPORT	= 0x11,	/* arg1/arg2: IOVA range; buf <- bitmap */
	MVF_AQ_OP_DIRTY_STOP	= 0x12,	/* ends dirty tracking */
};

/*
 * DMA dirty tracking (one tracker per VF, owned by the admin queue's
 * owner).  While it is on, the device logs every DMA write the VF makes
 * into host memory (ring completions included; reads log nothing), one
 * bit per tracking page of IOVA space.
 *
 * DIRTY_START: @arg0 is the tracking page shift (a bit set in
 * mvf_identify.dirty_pgsizes); the buffer holds @buf_len / 16 struct
 * mvf_dirty_range, 1..mvf_identify.dirty_max_ranges of them, sorted by
 * IOVA, not overlapping, each non-empty and page aligned.  Status: BUSY if
 * the VF's tracker is already on, BAD_PARAM for a bad shift or range list,
 * NO_MEMORY if the tracker cannot hold the ranges.
 *
 * DIRTY_REPORT: report and clear the pages of [@arg1, @arg1 + @arg2);
 * @arg0 is the tracking page shift again, the range page aligned and
 * inside the tracked ranges.  The device writes a bitmap of
 * DIV_ROUND_UP(@arg2 >> shift, 64) little-endian u64 words at @buf_addr
 * (@buf_len must hold them; bit i of the bitmap, counting from bit 0 of
 * word 0, is the page at @arg1 + (i << shift)) and clears those bits in
 * the tracker.  result0: number of dirty pages reported.  Status:
 * NO_SESSION if tracking is off, BAD_PARAM for a bad range or shift,
 * TRACKER_ERR once the tracker has failed (see below).
 *
 * DIRTY_STOP: tracking off, tracker freed.  NO_SESSION if it was off.
 *
 * Tracker failure: a DMA write the tracker cannot log (outside every
 * tracked range, or no tracker memory left) marks the tracker failed and
 * posts MVF_EVENT_TRACKER_ERROR (data: MVF_DIRTY_ERR_*) once; every later
 * DIRTY_REPORT fails with TRACKER_ERR until DIRTY_STOP.  The write itself
 * still happens.
 *
 * Clarifications (details: Documentation/device.rst, "DMA dirty
 * tracking"): DIRTY_START's @buf_len is a multiple of 16, 16 to
 * 16 * dirty_max_ranges (else BAD_PARAM); a range may not end past
 * 2^64 - 1.  DIRTY_REPORT checks TRACKER_ERR right after NO_SESSION,
 * before its parameters; the range may span adjacent tracked ranges but
 * no gap; @buf_len is at most mvf_identify.max_chunk; the device writes
 * exactly the bitmap's words (bytes after them are untouched) and clears
 * the pages only once the bitmap is in the buffer, so a DMA_ERR loses no
 * dirty page.  A PF reset (CTRL.RESET, PF FLR) stops every tracker as
 * DIRTY_STOP would; a VF FLR leaves the VF's tracker running.
 */
#define MVF_DIRTY_ERR_RANGE	1	/* write outside every tracked range */
#define MVF_DIRTY_ERR_NOMEM	2	/* tracker out of memory */

/**
 * struct mvf_dirty_range - a DIRTY_START range (16 bytes)
 * @iova: first byte, aligned to the tracking page size
 * @length: bytes, a non-zero multiple of the tracking page size
 */
struct mvf_dirty_range {
	__le64	iova;
	__le64	length;
};
static_assert(sizeof(struct mvf_dirty_range) == 16, "mvf_dirty_range size");

/*
 * Suspend/resume steps.  A VF is RUNNING, QUIESCED (P2P: no new DMA or
 * interrupts, MMIO still accepted and doorbells latched) or STOPPED
 * (nothing runs).  SUSPEND P2P: RUNNING -> QUIESCED; SUSPEND FULL:
 * QUIESCED -> STOPPED; RESUME FULL: STOPPED -> QUIESCED; RESUME P2P:
 * QUIESCED -> RUNNING.  Any other step fails with MVF_AQ_STS_BAD_STATE.
 * Suspending to the state the VF is already in succeeds.
 */
#define MVF_SUSPEND_P2P		1
#define MVF_SUSPEND_FULL	2

/*
 * Save modes.  STOP_COPY needs a STOPPED VF and streams the whole image
 * once.  PRECOPY may start in any state: the device streams its initial
 * data, then what changed; the end is final only once the VF is STOPPED.
 */
#define MVF_SAVE_MODE_STOP_COPY	1
#define MVF_SAVE_MODE_PRECOPY	2

/* SAVE_CHUNK completion result1 flags. */
#define MVF_SAVE_F_END		(1u << 0)	/* final end: trailer sent */
#define MVF_SAVE_F_EMPTY	(1u << 1)	/* no data for now (precopy) */

/**
 * struct mvf_aq_cmd - admin command (64 bytes)
 * @opcode: enum mvf_aq_opcode
 * @flags: zero
 * @vf_id: VF index the command acts on (ignored by IDENTIFY)
 * @cid: command identifier, echoed in the completion
 * @arg0: opcode-specific argument
 * @buf_addr: IOVA of the host buffer, if the opcode uses one
 * @buf_len: bytes available at @buf_addr (SAVE_CHUNK, QUERY_SIZE,
 *           IDENTIFY, DIRTY_REPORT) or bytes to consume (LOAD_CHUNK,
 *           DIRTY_START)
 * @arg1: opcode-specific: DIRTY_REPORT first IOVA; zero otherwise
 * @arg2: opcode-specific: DIRTY_REPORT length in bytes; zero otherwise
 * @rsvd: zero
 */
struct mvf_aq_cmd {
	__u8	opcode;
	__u8	flags;
	__le16	vf_id;
	__le32	cid;
	__le32	arg0;
	__le32	buf_len;
	__le64	buf_addr;
	__le64	arg1;
	__le64	arg2;
	__le64	rsvd[3];
};
static_assert(sizeof(struct mvf_aq_cmd) == 64, "mvf_aq_cmd size");

enum mvf_aq_status {
	MVF_AQ_STS_OK			= 0x00,
	MVF_AQ_STS_BAD_OPCODE		= 0x01,
	MVF_AQ_STS_BAD_PARAM		= 0x02,	/* flags, arg0, lengths */
	MVF_AQ_STS_BAD_VF		= 0x03,	/* no such VF */
	MVF_AQ_STS_BAD_STATE		= 0x04,	/* VF state forbids it */
	MVF_AQ_STS_DMA_ERR		= 0x05,	/* host buffer unreachable */
	MVF_AQ_STS_NO_SESSION		= 0x06,	/* no save/load session */
	MVF_AQ_STS_BUSY			= 0x07,	/* session already open */
	MVF_AQ_STS_NO_MEMORY		= 0x08,
	MVF_AQ_STS_TRACKER_ERR		= 0x09,	/* dirty tracker failed */
	MVF_AQ_STS_IMG_MAGIC		= 0x10,	/* image: bad magic */
	MVF_AQ_STS_IMG_VERSION		= 0x11,	/* image: unknown version */
	MVF_AQ_STS_IMG_INCOMPAT		= 0x12,	/* image: other device cfg */
	MVF_AQ_STS_IMG_LENGTH		= 0x13,	/* image: bad section length */
	MVF_AQ_STS_IMG_CHECKSUM		= 0x14,	/* image: CRC32C mismatch */
	MVF_AQ_STS_IMG_TRUNCATED	= 0x15,	/* image: ended early */
	MVF_AQ_STS_IMG_SECTION		= 0x16,	/* image: bad section */
	MVF_AQ_STS_IMG_OVERRUN		= 0x17,	/* image: bytes after end */
};

/**
 * struct mvf_aq_cpl - admin completion (16 bytes)
 * @result0: opcode-specific: SAVE_CHUNK bytes written
 * @result1: opcode-specific: SAVE_CHUNK MVF_SAVE_F_* flags
 * @cid: the command's @cid, low 16 bits
 * @status: enum mvf_aq_status
 * @phase: bit 0 is the phase bit
 * @rsvd: zero
 */
struct mvf_aq_cpl {
	__le32	result0;
	__le32	result1;
	__le16	cid;
	__u8	status;
	__u8	phase;
	__le32	rsvd;
};
static_assert(sizeof(struct mvf_aq_cpl) == 16, "mvf_aq_cpl size");

/**
 * struct mvf_identify - IDENTIFY data (64 bytes)
 * @magic: MVF_IDENTIFY_MAGIC
 * @dev_version: MVF_DEV_VERSION
 * @num_vfs: VFs owned by this PF
 * @img_version: newest image version the device writes and loads
 * @serial: PF serial, as in the vendor capability
 * @devmem_size: device memory of VF 0, bytes (VFs may differ, e.g. with
 *               mvf-emu --devmem-mib 64,32; each VF's MVF_VF_REG_DEVMEM_LO/HI
 *               has its own)
 * @max_chunk: largest SAVE_CHUNK/LOAD_CHUNK/DIRTY_REPORT buf_len
 *             accepted, bytes
 * @dirty_max_ranges: most DIRTY_START ranges per VF; 0: no dirty tracker
 * @dirty_pgsizes: tracking page sizes: bit n set = 2^n bytes supported
 * @rsvd: zero
 */
struct mvf_identify {
	__le32	magic;
	__le32	dev_version;
	__le32	num_vfs;
	__le32	img_version;
	__le64	serial;
	__le64	devmem_size;
	__le32	max_chunk;
	__le32	dirty_max_ranges;
	__le32	dirty_pgsizes;
	__le32	rsvd[5];
};
static_assert(sizeof(struct mvf_identify) == 64, "mvf_identify size");

#define MVF_IDENTIFY_MAGIC	0x4446564d	/* "MVFD" */

/**
 * struct mvf_state_size - VF_QUERY_SIZE data (32 bytes)
 * @stop_copy_bytes: bytes an immediate STOP_COPY save would stream
 * @initial_bytes: precopy initial data not yet streamed (0 outside
 *                 a PRECOPY session)
 * @dirty_bytes: precopy data changed since streamed (0 outside PRECOPY)
 * @flags: zero
 * @initial_gen: precopy initial-data generation of the open PRECOPY
 *               session: 0 when it starts, incremented each time the
 *               device restarts its initial data (the REINIT trigger, see
 *               MVF_VF_REG_DEVMEM_ACTIVE); lets the driver see a restart
 *               synchronously, without waiting for the event. 0 outside
 *               a PRECOPY session.
 */
struct mvf_state_size {
	__le64	stop_copy_bytes;
	__le64	initial_bytes;
	__le64	dirty_bytes;
	__le32	flags;
	__le32	initial_gen;
};
static_assert(sizeof(struct mvf_state_size) == 32, "mvf_state_size size");

/* Event queue entries, written by the device, MSI-X MVF_PF_MSIX_EVENTQ. */
enum mvf_event_type {
	MVF_EVENT_INITIAL_CHANGED	= 0x01,	/* precopy initial data reset */
	MVF_EVENT_TRACKER_ERROR		= 0x02,	/* dirty tracker failed */
	MVF_EVENT_VF_RESET		= 0x03,	/* VF was reset (FLR) */
	/*
	 * New precopy data exists after a SAVE_CHUNK answered
	 * MVF_SAVE_F_EMPTY.  One-shot: armed by each EMPTY answer, posted at
	 * most once until the next EMPTY.
	 */
	MVF_EVENT_PRECOPY_DATA		= 0x04,
	/*
	 * Events of this VF were dropped because the event queue was full;
	 * data: how many (saturating).  Posted as soon as there is room,
	 * before any newer event.  The driver must assume any event of the
	 * VF may have been among them and re-query what it needs.
	 */
	MVF_EVENT_LOST			= 0x05,
};

/**
 * struct mvf_event - event queue entry (16 bytes)
 * @type: enum mvf_event_type
 * @vf_id: VF the event concerns
 * @data: event-specific
 * @seq: event sequence number; bit 0 of @phase is the phase bit
 * @phase: as on the admin completion ring
 * @rsvd: zero
 */
struct mvf_event {
	__le16	type;
	__le16	vf_id;
	__le32	data;
	__le32	seq;
	__u8	phase;
	__u8	rsvd[3];
};
static_assert(sizeof(struct mvf_event) == 16, "mvf_event size");

#endif /* _MVF_ADMIN_H */
