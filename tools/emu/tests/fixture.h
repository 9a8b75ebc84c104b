/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu unit tests: a device plus "guest RAM" (a memfd) mapped into the
 * PF's and VFs' DMA spaces, helpers for the admin queue and VF rings, and
 * a fake vfio-user client over a socketpair.
 */
#ifndef EMU_TEST_FIXTURE_H
#define EMU_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <endian.h>

#include "../device.h"
#include "../vfu.h"
#include "mvf/mvf.h"

#define FX_RAM_SIZE	(32u << 20)
#define FX_IOVA		0x10000000ull	/* IOVA of RAM offset 0, all functions */

/* RAM layout (offsets; IOVA = FX_IOVA + offset). */
#define FX_AQ_SQ	0x000000
#define FX_AQ_CQ	0x010000
#define FX_EQ		0x020000
#define FX_PF_BUF	0x030000	/* small PF buffers */
#define FX_PF_CHUNK	0x100000	/* 1 MiB PF chunk buffer */
#define FX_VF_SQ(i)	(0x400000 + (i) * 0x100000)
#define FX_VF_CQ(i)	(0x440000 + (i) * 0x100000)
#define FX_VF_DATA(i)	(0x800000 + (i) * 0x800000)	/* 8 MiB each */

#define FX_AQ_SIZE	64
#define FX_EQ_SIZE	64	/* entries, once fx_eq_enable() ran */

struct fx {
	struct mvf_dev dev;
	int memfd;
	uint8_t *ram;		/* FX_RAM_SIZE bytes, the memfd */
	uint32_t cid;
	int pf_irq[2];		/* eventfds of PF MSI-X vectors */
	int vf_irq[2][2];	/* eventfds of VF0/VF1 MSI-X vectors */
};

/*
 * Two VFs with @devmem bytes each; RAM mapped for all functions (per 4 KiB
 * page for the VFs when @per_page, like QEMU behind a vIOMMU), eventfds
 * attached, admin queue of FX_AQ_SIZE entries enabled.
 */
int fx_init(struct fx *f, uint64_t devmem, bool per_page);
void fx_fini(struct fx *f);

/* Pending count of an eventfd (reads and clears it); 0 if none. */
uint64_t fx_irq_count(int efd);

/* One admin command through the ring; returns the completion status. */
int fx_aq(struct fx *f, uint8_t op, uint16_t vf, uint32_t arg0,
	  uint64_t buf_iova, uint32_t buf_len, struct mvf_aq_cpl *cpl);

/* An admin command (cid 0, arg1/arg2 0). */
static inline struct mvf_aq_cmd fx_cmd(uint8_t op, uint16_t vf, uint32_t arg0,
				       uint64_t buf_iova, uint32_t buf_len)
{
	struct mvf_aq_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = op;
	cmd.vf_id = htole16(vf);
	cmd.arg0 = htole32(arg0);
	cmd.buf_addr = htole64(buf_iova);
	cmd.buf_len = htole32(buf_len);
	return cmd;
}

/* Submit *@cmd (its cid is set here) through the ring; status as fx_aq(). */
int fx_aq_cmd(struct fx *f, struct mvf_aq_cmd *cmd, struct mvf_aq_cpl *cpl);

/* Event queue of FX_EQ_SIZE entries at FX_EQ enabled (admin queue kept). */
int fx_eq_enable(struct fx *f);

/* Consume the next event into *@ev: 0, or -1 if none is pending. */
int fx_next_event(struct fx *f, struct mvf_event *ev);

/* Consume the next event and check it: 0, or -1 with a note. */
int fx_expect_event(struct fx *f, uint16_t type, uint16_t vf, uint32_t data);

/* True if no event is pending (else a note, and the event is consumed). */
bool fx_no_event(struct fx *f);

/* Save VF @vf's whole STOP_COPY image (VF must be STOPPED) with @chunk-byte
 * SAVE_CHUNKs into a malloc'd buffer.  0 or -1. */
int fx_save(struct fx *f, uint16_t vf, uint32_t chunk, uint8_t **img,
	    size_t *len);

/* Load @len bytes with @chunk-byte LOAD_CHUNKs; *@chunk_sts = first
 * non-OK LOAD_CHUNK status (or OK); returns the LOAD_END status. */
int fx_load(struct fx *f, uint16_t vf, const uint8_t *img, size_t len,
	    uint32_t chunk, int *chunk_sts);

/* Suspend (P2P then FULL) / resume (FULL then P2P) through the admin queue. */
int fx_stop(struct fx *f, uint16_t vf);
int fx_run(struct fx *f, uint16_t vf);

/* VF ring setup: SQ/CQ at FX_VF_SQ/CQ, @size entries, CTRL.ENABLE|@ctrl. */
void fx_ring_setup(struct fx *f, unsigned int vf, uint32_t size, uint32_t ctrl);

/* Write descriptor @idx (slot idx & (size-1)) of VF @vf. */
void fx_put_desc(struct fx *f, unsigned int vf, uint32_t idx,
		 const struct mvf_desc *d);
struct mvf_cpl *fx_cpl(struct fx *f, unsigned int vf, uint32_t idx);

/* Run descriptor @d (cookie set here) as VF @vf's next one on a ring set
 * up by the caller; the completion status, or -1 if it did not complete. */
int fx_run_desc(struct fx *f, unsigned int vf, struct mvf_desc *d);

static inline uint64_t fx_iova(uint64_t off)
{
	return FX_IOVA + off;
}

/* A VF descriptor; @len in bytes, @src/@dst IOVAs or devmem offsets. */
static inline struct mvf_desc fx_desc(uint8_t op, uint8_t flags, uint32_t len,
				      uint64_t src, uint64_t dst,
				      uint64_t pattern, uint64_t cookie)
{
	struct mvf_desc d;

	memset(&d, 0, sizeof(d));
	d.opcode = op;
	d.flags = flags;
	d.len = htole32(len);
	d.src = htole64(src);
	d.dst = htole64(dst);
	d.pattern = htole64(pattern);
	d.cookie = htole64(cookie);
	return d;
}

/* ---- fake vfio-user client ---- */

struct cl {
	int fd;			/* client end */
	int srv_fd;		/* server end */
	struct vfu_conn conn;
	uint16_t id;
};

int cl_open(struct cl *c, struct func *fn);
void cl_close(struct cl *c);

/* Send a message (header built here), optionally with fds. */
int cl_send(struct cl *c, uint16_t cmd, uint32_t flags, const void *payload,
	    size_t len, const int *fds, unsigned int nfds);

/* Let the server handle one message; returns vfu_handle()'s value. */
int cl_serve(struct cl *c);

/* Receive one reply if one is waiting; -1 if none (non-blocking). */
int cl_recv(struct cl *c, struct vfu_hdr *h, void *buf, size_t cap,
	    size_t *len);

/*
 * send + serve + recv.  Returns the reply's error (0 for success, the
 * errno otherwise) or -1 if there was no proper reply to this message.
 */
int cl_call(struct cl *c, uint16_t cmd, const void *payload, size_t len,
	    const int *fds, unsigned int nfds, void *reply, size_t cap,
	    size_t *rlen);

/* VERSION with a QEMU-like capabilities string. */
int cl_version(struct cl *c);

int cl_region_read(struct cl *c, uint32_t region, uint64_t off, void *buf,
		   uint32_t count);
int cl_region_write(struct cl *c, uint32_t region, uint64_t off,
		    const void *buf, uint32_t count, bool posted);

#endif
