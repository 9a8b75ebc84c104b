// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: vfio-user message handling (vfu.c's dispatch and every
 * command handler, and what they reach: config space, BAR0 registers of
 * the PF and VF models, the VF descriptor engine, DMA maps, eventfds).
 *
 * Input: one byte choosing the function (0 PF, 1 VF0, 2 VF1, modulo 3),
 * then messages, each
 *   1 byte of file descriptors to attach: bits 0-3 how many (0..15),
 *          bit 4 set: eventfds, clear: dups of the 64 KiB RAM memfd
 *   struct vfu_hdr, then hdr.size - 16 body bytes
 * as vfu_handle() would receive them from a socket.  The input ends (the
 * client disconnects) at a header smaller than 16 bytes, a body longer
 * than the rest of the input, or the end of the input.  A body over the
 * receive limit is skipped, as the server drains it.
 *
 * Checked on every reply: a successful reply's payload fits the transmit
 * buffer, and has the size its command defines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../vfu.h"
#include "fuzz.h"

#define RAM_SIZE	(64u << 10)
#define RX_LIMIT	(sizeof(struct vfu_region_access) + VFU_MAX_XFER)

struct fz_vfu {
	struct fz z;
	struct vfu_conn conn[3];	/* PF, VF0, VF1 */
};

static struct fz_vfu *state;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct func *fns[3];
	int i;

	(void)argc;
	(void)argv;
	state = fz_zalloc(sizeof(*state));
	fz_init(&state->z, 2, 1u << 20, RAM_SIZE);
	fns[0] = &state->z.dev.pf_fn;
	fns[1] = &state->z.dev.vf_fns[0];
	fns[2] = &state->z.dev.vf_fns[1];
	for (i = 0; i < 3; i++)
		if (vfu_conn_init(&state->conn[i], -1, fns[i]))
			abort();
	return 0;
}

static unsigned int make_fds(struct fz_vfu *s, uint8_t ctl, int *fds)
{
	unsigned int i, n = ctl & 0xf;

	for (i = 0; i < n; i++) {
		fds[i] = ctl & 0x10 ? eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) :
				      dup(s->z.memfd);
		FZ_ASSERT(fds[i] >= 0);
	}
	return n;
}

/* Payload bytes a successful reply to @cmd carries, or -1 if it varies. */
static long reply_size(const struct vfu_hdr *h)
{
	switch (h->cmd) {
	case VFU_DMA_MAP:
	case VFU_DEVICE_SET_IRQS:
	case VFU_DEVICE_RESET:
		return 0;
	case VFU_DMA_UNMAP:
		return sizeof(struct vfu_dma_unmap);
	case VFU_DEVICE_GET_INFO:
		return sizeof(struct vfu_device_info);
	case VFU_DEVICE_GET_REGION_INFO:
		return sizeof(struct vfu_region_info);
	case VFU_DEVICE_GET_IRQ_INFO:
		return sizeof(struct vfu_irq_info);
	case VFU_REGION_WRITE:
		return sizeof(struct vfu_region_access);
	}
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_vfu *s = state;
	struct vfu_conn *c;
	struct vfu_hdr h;
	int fds[16];
	size_t off = 1, plen, blen;
	unsigned int nfds;
	int err;

	if (!size)
		return 0;
	fz_reset(&s->z, true);
	c = &s->conn[data[0] % 3];
	c->negotiated = false;
	while (size - off > sizeof(h)) {
		uint8_t ctl = data[off++];

		memcpy(&h, data + off, sizeof(h));
		off += sizeof(h);
		if (h.size < sizeof(h))
			break;
		blen = h.size - sizeof(h);
		if (blen <= RX_LIMIT && blen > size - off)
			break;
		nfds = make_fds(s, ctl, fds);
		err = vfu_handle_msg(c, &h, data + off, fds, nfds, &plen);
		FZ_ASSERT(err >= 0);
		FZ_ASSERT(plen <= RX_LIMIT);
		if (!err && reply_size(&h) >= 0)
			FZ_ASSERT(plen == (size_t)reply_size(&h));
		if (!err && h.cmd == VFU_REGION_READ) {
			struct vfu_region_access a;

			memcpy(&a, data + off, sizeof(a));
			FZ_ASSERT(plen == sizeof(a) + a.count);
		}
		off += blen < size - off ? blen : size - off;
	}
	return 0;
}
