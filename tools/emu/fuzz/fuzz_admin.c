// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: admin-command handling through the PF's admin queue
 * (pf.c's ring processing and every opcode, and what they reach: VF
 * states, save and load sessions and the image code, dirty trackers,
 * the event queue, DMA into the PF's buffers).
 *
 * The PF has its admin queue (64 entries) and event queue (64 entries)
 * enabled in a 128 KiB RAM mapped at FZ_IOVA; two VFs have 64 KiB of
 * device memory each.  Input:
 *   1 byte: n, the number of commands (the input may hold fewer)
 *   n struct mvf_aq_cmd (64 bytes each), submitted one per AQ_TAIL
 *     doorbell, as the driver does
 *   the rest: copied into RAM at DATA (the commands' buffers point there)
 *
 * Checked after each command: the queue consumed it, its completion
 * carries its cid, the right phase and a defined status; a successful
 * SAVE_CHUNK wrote no more than buf_len; and every DMA write of the
 * device (the PF's write observer) lies inside the command's buffer, its
 * completion slot or the event ring.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "../pf.h"
#include "fuzz.h"

#define RAM_SIZE	(128u << 10)
#define SQ		0x0000u
#define CQ		0x1000u
#define EQ		0x2000u
#define DATA		0x4000u
#define QSIZE		64u

struct fz_admin {
	struct fz z;
	/* RAM the current command may write: its buffer, its completion. */
	uint64_t buf_lo, buf_hi, cpl;
};

static struct fz_admin *state;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool status_defined(uint8_t st)
{
	return st <= MVF_AQ_STS_TRACKER_ERR ||
	       (st >= MVF_AQ_STS_IMG_MAGIC && st <= MVF_AQ_STS_IMG_OVERRUN);
}

/*
 * The PF's DMA write observer: the device writes only the current
 * command's buffer, its completion slot and the event ring.
 */
static void on_write(void *ctx, uint64_t iova, uint64_t len)
{
	struct fz_admin *s = ctx;
	uint64_t off = iova - FZ_IOVA;

	FZ_ASSERT(iova >= FZ_IOVA && len <= RAM_SIZE && off <= RAM_SIZE - len);
	FZ_ASSERT((off >= s->buf_lo && off + len <= s->buf_hi) ||
		  (off == s->cpl && len == sizeof(struct mvf_aq_cpl)) ||
		  (off >= EQ && off + len <= EQ + QSIZE * sizeof(struct mvf_event)));
}

/* Set what the command @cmd in slot @slot may write. */
static void allow(struct fz_admin *s, const struct mvf_aq_cmd *cmd, uint32_t slot)
{
	uint64_t buf = le64toh(cmd->buf_addr);

	s->buf_lo = s->buf_hi = 0;
	if (buf >= FZ_IOVA && buf - FZ_IOVA < RAM_SIZE) {
		s->buf_lo = buf - FZ_IOVA;
		s->buf_hi = s->buf_lo + le32toh(cmd->buf_len);
	}
	s->cpl = CQ + slot * sizeof(struct mvf_aq_cpl);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	state = fz_zalloc(sizeof(*state));
	fz_init(&state->z, 2, 64u << 10, RAM_SIZE);
	fz_map_ram(&state->z, &state->z.dev.pf_fn.dma);
	dma_set_write_observer(&state->z.dev.pf_fn.dma, on_write, state);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_admin *s = state;
	struct pf *pf = &s->z.dev.pf;
	struct mvf_aq_cmd cmd;
	struct mvf_aq_cpl cpl;
	size_t n, i, ncmd;
	uint32_t tail, slot;

	if (!size)
		return 0;
	fz_reset(&s->z, false);
	fz_pf_queues_on(pf, SQ, CQ, EQ, QSIZE);
	ncmd = data[0];
	if (ncmd > (size - 1) / sizeof(cmd))
		ncmd = (size - 1) / sizeof(cmd);
	n = size - 1 - ncmd * sizeof(cmd);
	if (n > RAM_SIZE - DATA)
		n = RAM_SIZE - DATA;
	memcpy(s->z.ram + DATA, data + 1 + ncmd * sizeof(cmd), n);

	for (i = 0; i < ncmd; i++) {
		memcpy(&cmd, data + 1 + i * sizeof(cmd), sizeof(cmd));
		tail = pf_reg_read(pf, MVF_PF_REG_AQ_TAIL);
		slot = tail & (QSIZE - 1);
		memcpy(s->z.ram + SQ + slot * sizeof(cmd), &cmd, sizeof(cmd));
		allow(s, &cmd, slot);
		pf_reg_write(pf, MVF_PF_REG_AQ_TAIL, tail + 1);
		/* The rings live in RAM the commands' buffers may cover. */
		if (pf_reg_read(pf, MVF_REG_STATUS) & MVF_PF_STS_FATAL)
			break;
		FZ_ASSERT(pf_reg_read(pf, MVF_PF_REG_AQ_HEAD) == tail + 1);
		memcpy(&cpl, s->z.ram + CQ + slot * sizeof(cpl), sizeof(cpl));
		FZ_ASSERT(le16toh(cpl.cid) == (uint16_t)le32toh(cmd.cid));
		FZ_ASSERT(cpl.phase == (((tail / QSIZE) & 1) ^ 1));
		FZ_ASSERT(!cpl.rsvd);
		FZ_ASSERT(status_defined(cpl.status));
		if (cmd.opcode == MVF_AQ_OP_SAVE_CHUNK && cpl.status == MVF_AQ_STS_OK)
			FZ_ASSERT(le32toh(cpl.result0) <= le32toh(cmd.buf_len));
	}
	return 0;
}
