// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: the PF model (see pf.h and Documentation/device.rst). */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dma.h"
#include "image.h"
#include "irq.h"
#include "log.h"
#include "pf.h"
#include "slow.h"
#include "vf.h"

int pf_init(struct pf *pf, uint64_t serial, struct vf **vfs,
	    unsigned int nr_vfs, struct dma_space *dma, struct irq_table *irq,
	    const struct dirty_cfg *dirty, bool verbose)
{
	memset(pf, 0, sizeof(*pf));
	pf->name = "pf";
	pf->verbose = verbose;
	pf->serial = serial;
	pf->vfs = vfs;
	pf->nr_vfs = nr_vfs;
	pf->dma = dma;
	pf->irq = irq;
	if (dirty)
		pf->dirty = *dirty;
	else
		pf->dirty.budget = DIRTY_BUDGET_DEFAULT;
	pf->chunk = malloc(PF_MAX_CHUNK);
	if (!pf->chunk || pf_lost_init(&pf->lost, nr_vfs)) {
		free(pf->chunk);
		pf->chunk = NULL;
		return -ENOMEM;
	}
	return 0;
}

void pf_destroy(struct pf *pf)
{
	pf_lost_destroy(&pf->lost);
	free(pf->chunk);
	pf->chunk = NULL;
}

void pf_reset(struct pf *pf)
{
	unsigned int i;

	for (i = 0; i < pf->nr_vfs; i++) {
		img_save_free(pf->vfs[i]->save);
		img_load_free(pf->vfs[i]->load);
		pf->vfs[i]->save = NULL;
		pf->vfs[i]->load = NULL;
		vf_dirty_stop(pf->vfs[i]);
	}
	pf->ctrl = 0;
	pf->status = 0;
	pf->aq_sq = pf->aq_cq = 0;
	pf->aq_size = pf->aq_tail = pf->aq_head = 0;
	slow_done(&pf->slow);
	pf->eq = 0;
	pf->eq_size = pf->eq_head = pf->eq_tail = 0;
	pf->eq_seq = 0;
	pf->eq_dropped = 0;
	pf_lost_clear(&pf->lost);
	emu_dbg(pf->verbose, "pf: reset");
}

static bool ring_size_ok(uint32_t size, uint32_t max)
{
	return size && size <= max && !(size & (size - 1));
}

static bool pf_eq_on(const struct pf *pf)
{
	return (pf->status & MVF_PF_STS_EQ_READY) && !(pf->status & MVF_PF_STS_FATAL);
}

/* Write one entry; false if the queue is full or the entry not writable. */
static bool pf_write_event(struct pf *pf, uint16_t type, uint16_t vf_id, uint32_t data)
{
	struct mvf_event ev;
	uint32_t slot;

	if (pf->eq_tail - pf->eq_head >= pf->eq_size)
		return false;
	memset(&ev, 0, sizeof(ev));
	ev.type = htole16(type);
	ev.vf_id = htole16(vf_id);
	ev.data = htole32(data);
	ev.seq = htole32(pf->eq_seq);
	ev.phase = ((pf->eq_tail / pf->eq_size) & 1) ^ 1;
	slot = pf->eq_tail & (pf->eq_size - 1);
	if (dma_write(pf->dma, pf->eq + (uint64_t)slot * sizeof(ev), &ev, sizeof(ev))) {
		emu_err("pf: event queue entry at IOVA 0x%llx not writable, event dropped",
			(unsigned long long)(pf->eq + (uint64_t)slot * sizeof(ev)));
		return false;
	}
	pf->eq_tail++;
	pf->eq_seq++;
	irq_raise(pf->irq, IRQ_MSIX, MVF_PF_MSIX_EVENTQ);
	return true;
}

/* Post the pending MVF_EVENT_LOST notices while there is room. */
static void pf_flush_lost(struct pf *pf)
{
	unsigned int vf;
	uint32_t n;

	if (!pf_eq_on(pf))
		return;
	while (pf_lost_peek(&pf->lost, &vf, &n)) {
		if (!pf_write_event(pf, MVF_EVENT_LOST, (uint16_t)vf, n))
			return;
		pf_lost_posted(&pf->lost, vf);
	}
}

void pf_post_event(void *ctx, uint16_t type, uint16_t vf_id, uint32_t data)
{
	struct pf *pf = ctx;

	if (pf_eq_on(pf)) {
		pf_flush_lost(pf);
		if (pf_write_event(pf, type, vf_id, data))
			return;
		pf_lost_note(&pf->lost, vf_id);
	}
	pf->eq_dropped++;
	emu_dbg(pf->verbose, "pf: event %u for vf%u dropped (%llu so far)",
		type, vf_id, (unsigned long long)pf->eq_dropped);
}

static void fill_identify(const struct pf *pf, struct mvf_identify *id)
{
	memset(id, 0, sizeof(*id));
	id->magic = htole32(MVF_IDENTIFY_MAGIC);
	id->dev_version = htole32(MVF_DEV_VERSION);
	id->num_vfs = htole32(pf->nr_vfs);
	id->img_version = htole32(MVF_IMG_VERSION);
	id->serial = htole64(pf->serial);
	id->devmem_size = htole64(pf->nr_vfs ? pf->vfs[0]->devmem_size : 0);
	id->max_chunk = htole32(PF_MAX_CHUNK);
	id->dirty_max_ranges = htole32(DIRTY_MAX_RANGES);
	id->dirty_pgsizes = htole32(DIRTY_PGSIZES);
}

static bool chunk_len_ok(uint32_t len)
{
	return len && len <= PF_MAX_CHUNK;
}

static uint8_t dirty_start_cmd(struct pf *pf, struct vf *vf, uint32_t shift,
			       uint64_t buf, uint32_t len)
{
	struct mvf_dirty_range raw[DIRTY_MAX_RANGES];
	struct dirty_range r[DIRTY_MAX_RANGES];
	unsigned int i, n = len / sizeof(raw[0]);
	int st;

	if (vf->tracker)
		return MVF_AQ_STS_BUSY;
	if (!dirty_shift_ok(shift) || !len || len % sizeof(raw[0]) ||
	    n > DIRTY_MAX_RANGES)
		return MVF_AQ_STS_BAD_PARAM;
	if (dma_read(pf->dma, buf, raw, len))
		return MVF_AQ_STS_DMA_ERR;
	for (i = 0; i < n; i++) {
		r[i].iova = le64toh(raw[i].iova);
		r[i].len = le64toh(raw[i].length);
	}
	st = dirty_start(&vf->tracker, &pf->dirty, shift, r, n);
	if (!st)
		emu_dbg(pf->verbose, "pf: %s: dirty tracking on, %u ranges, %u-byte pages, %llu bytes of directory",
			vf->name, n, 1u << shift,
			(unsigned long long)dirty_mem(vf->tracker));
	return (uint8_t)st;
}

/* dma_access() accessor: the bitmap goes straight into the host buffer. */
static void report_chunk(void *ctx, uint8_t *p, size_t n, uint64_t done)
{
	(void)done;	/* chunks come in order */
	dirty_report_fill(ctx, p, n);
}

/*
 * The bitmap is written first and the tracker cleared only once it is
 * in the host buffer, so an unwritable buffer loses no dirty page.
 */
static uint8_t dirty_report_cmd(struct pf *pf, struct vf *vf,
				const struct mvf_aq_cmd *cmd,
				struct mvf_aq_cpl *cpl)
{
	uint64_t iova = le64toh(cmd->arg1), len = le64toh(cmd->arg2), need;
	uint32_t buf_len = le32toh(cmd->buf_len);
	struct dirty *t = vf->tracker;
	struct dirty_report rep;

	if (!t)
		return MVF_AQ_STS_NO_SESSION;
	if (dirty_failed(t))
		return MVF_AQ_STS_TRACKER_ERR;
	if (le32toh(cmd->arg0) != dirty_shift(t) ||
	    (iova | len) & ((1ull << dirty_shift(t)) - 1) ||
	    !dirty_covers(t, iova, len))
		return MVF_AQ_STS_BAD_PARAM;
	need = dirty_report_words(t, len) * sizeof(uint64_t);
	if (buf_len < need || buf_len > PF_MAX_CHUNK)
		return MVF_AQ_STS_BAD_PARAM;
	dirty_report_begin(&rep, t, iova, len);
	if (dma_access(pf->dma, le64toh(cmd->buf_addr), need, DMA_PROT_WRITE,
		       report_chunk, &rep))
		return MVF_AQ_STS_DMA_ERR;
	cpl->result0 = htole32((uint32_t)dirty_report_commit(t, iova, len));
	return MVF_AQ_STS_OK;
}

static uint8_t exec_vf(struct pf *pf, struct vf *vf, const struct mvf_aq_cmd *cmd,
		       struct mvf_aq_cpl *cpl)
{
	uint32_t arg0 = le32toh(cmd->arg0), len = le32toh(cmd->buf_len);
	uint64_t buf = le64toh(cmd->buf_addr);
	struct mvf_state_size sz;
	uint32_t flags;
	size_t n;

	switch (cmd->opcode) {
	case MVF_AQ_OP_VF_SUSPEND:
		return vf_suspend(vf, arg0);
	case MVF_AQ_OP_VF_RESUME:
		return vf_resume(vf, arg0);
	case MVF_AQ_OP_VF_QUERY_SIZE:
		if (len < sizeof(sz))
			return MVF_AQ_STS_BAD_PARAM;
		img_query_size(vf, &sz);
		return dma_write(pf->dma, buf, &sz, sizeof(sz)) ?
		       MVF_AQ_STS_DMA_ERR : MVF_AQ_STS_OK;
	case MVF_AQ_OP_SAVE_START:
		if (arg0 != MVF_SAVE_MODE_STOP_COPY && arg0 != MVF_SAVE_MODE_PRECOPY)
			return MVF_AQ_STS_BAD_PARAM;
		if (vf->save || vf->load)
			return MVF_AQ_STS_BUSY;
		return img_save_start(vf, arg0);
	case MVF_AQ_OP_SAVE_CHUNK:
		if (!vf->save)
			return MVF_AQ_STS_NO_SESSION;
		if (!chunk_len_ok(len))
			return MVF_AQ_STS_BAD_PARAM;
		/* Check first, so a bad buffer loses no stream bytes. */
		if (dma_check(pf->dma, buf, len, DMA_PROT_WRITE))
			return MVF_AQ_STS_DMA_ERR;
		n = img_save_read(vf, pf->chunk, len, &flags);
		dma_write(pf->dma, buf, pf->chunk, n);
		cpl->result0 = htole32((uint32_t)n);
		cpl->result1 = htole32(flags);
		return MVF_AQ_STS_OK;
	case MVF_AQ_OP_SAVE_END:
		if (!vf->save)
			return MVF_AQ_STS_NO_SESSION;
		img_save_free(vf->save);
		vf->save = NULL;
		return MVF_AQ_STS_OK;
	case MVF_AQ_OP_LOAD_START:
		if (vf->save || vf->load)
			return MVF_AQ_STS_BUSY;
		if (vf->state != VF_STOPPED)
			return MVF_AQ_STS_BAD_STATE;
		return img_load_start(vf);
	case MVF_AQ_OP_LOAD_CHUNK:
		if (!vf->load)
			return MVF_AQ_STS_NO_SESSION;
		if (!chunk_len_ok(len))
			return MVF_AQ_STS_BAD_PARAM;
		if (dma_read(pf->dma, buf, pf->chunk, len))
			return MVF_AQ_STS_DMA_ERR;
		cpl->result0 = htole32(len);
		return img_load_feed(vf->load, pf->chunk, len);
	case MVF_AQ_OP_LOAD_END:
		if (!vf->load)
			return MVF_AQ_STS_NO_SESSION;
		return img_load_end(vf);
	case MVF_AQ_OP_LOAD_ABORT:
		if (!vf->load)
			return MVF_AQ_STS_NO_SESSION;
		img_load_free(vf->load);
		vf->load = NULL;
		return MVF_AQ_STS_OK;
	case MVF_AQ_OP_DIRTY_START:
		return dirty_start_cmd(pf, vf, arg0, buf, len);
	case MVF_AQ_OP_DIRTY_REPORT:
		return dirty_report_cmd(pf, vf, cmd, cpl);
	case MVF_AQ_OP_DIRTY_STOP:
		if (!vf->tracker)
			return MVF_AQ_STS_NO_SESSION;
		vf_dirty_stop(vf);
		return MVF_AQ_STS_OK;
	}
	return MVF_AQ_STS_BAD_OPCODE;
}

void pf_exec(struct pf *pf, const struct mvf_aq_cmd *cmd, struct mvf_aq_cpl *cpl)
{
	uint16_t vf_id = le16toh(cmd->vf_id);
	struct mvf_identify id;
	uint8_t st;
	int i;

	memset(cpl, 0, sizeof(*cpl));
	cpl->cid = htole16((uint16_t)le32toh(cmd->cid));
	switch (cmd->opcode) {
	case MVF_AQ_OP_IDENTIFY:
	case MVF_AQ_OP_VF_SUSPEND:
	case MVF_AQ_OP_VF_RESUME:
	case MVF_AQ_OP_VF_QUERY_SIZE:
	case MVF_AQ_OP_SAVE_START:
	case MVF_AQ_OP_SAVE_CHUNK:
	case MVF_AQ_OP_SAVE_END:
	case MVF_AQ_OP_LOAD_START:
	case MVF_AQ_OP_LOAD_CHUNK:
	case MVF_AQ_OP_LOAD_END:
	case MVF_AQ_OP_LOAD_ABORT:
	case MVF_AQ_OP_DIRTY_START:
	case MVF_AQ_OP_DIRTY_REPORT:
	case MVF_AQ_OP_DIRTY_STOP:
		break;
	default:
		st = MVF_AQ_STS_BAD_OPCODE;
		goto out;
	}
	st = MVF_AQ_STS_BAD_PARAM;
	if (cmd->flags)
		goto out;
	for (i = 0; i < 3; i++)
		if (cmd->rsvd[i])
			goto out;
	/* arg1/arg2 are DIRTY_REPORT's IOVA range, zero for the others. */
	if (cmd->opcode != MVF_AQ_OP_DIRTY_REPORT && (cmd->arg1 || cmd->arg2))
		goto out;
	if (cmd->opcode == MVF_AQ_OP_IDENTIFY) {
		if (le32toh(cmd->buf_len) < sizeof(id))
			goto out;
		fill_identify(pf, &id);
		st = dma_write(pf->dma, le64toh(cmd->buf_addr), &id, sizeof(id)) ?
		     MVF_AQ_STS_DMA_ERR : MVF_AQ_STS_OK;
		goto out;
	}
	if (vf_id >= pf->nr_vfs) {
		st = MVF_AQ_STS_BAD_VF;
		goto out;
	}
	st = exec_vf(pf, pf->vfs[vf_id], cmd, cpl);
out:
	cpl->status = st;
	emu_dbg(pf->verbose, "pf: admin cid %u op 0x%02x vf %u arg0 %u len %u -> status 0x%02x result0 %u result1 %u",
		le32toh(cmd->cid), cmd->opcode, vf_id, le32toh(cmd->arg0),
		le32toh(cmd->buf_len), st, le32toh(cpl->result0),
		le32toh(cpl->result1));
}

static void pf_fatal(struct pf *pf, const char *why)
{
	pf->status |= MVF_PF_STS_FATAL;
	emu_err("pf: admin/event queue fatal error: %s (head %u tail %u size %u); CTRL.RESET needed",
		why, pf->aq_head, pf->aq_tail, pf->aq_size);
}

static void pf_run_aq(struct pf *pf)
{
	struct mvf_aq_cmd cmd;
	struct mvf_aq_cpl cpl;
	uint32_t slot;

	if (!(pf->status & MVF_PF_STS_AQ_READY) || (pf->status & MVF_PF_STS_FATAL))
		return;
	while (pf->aq_head != pf->aq_tail) {
		if (pf->aq_tail - pf->aq_head > pf->aq_size) {
			pf_fatal(pf, "AQ_TAIL more than AQ_SIZE ahead of AQ_HEAD");
			return;
		}
		slot = pf->aq_head & (pf->aq_size - 1);
		if (dma_read(pf->dma, pf->aq_sq + (uint64_t)slot * sizeof(cmd),
			     &cmd, sizeof(cmd))) {
			pf_fatal(pf, "admin submission ring not readable");
			return;
		}
		if (slow_hold(&pf->slow, cmd.opcode))
			return;	/* pf_tick() runs it when due */
		slow_done(&pf->slow);
		pf_exec(pf, &cmd, &cpl);
		cpl.phase = ((pf->aq_head / pf->aq_size) & 1) ^ 1;
		if (dma_write(pf->dma, pf->aq_cq + (uint64_t)slot * sizeof(cpl),
			      &cpl, sizeof(cpl))) {
			pf_fatal(pf, "admin completion ring not writable");
			return;
		}
		pf->aq_head++;
		irq_raise(pf->irq, IRQ_MSIX, MVF_PF_MSIX_ADMINQ);
	}
}

void pf_tick(struct pf *pf)
{
	if (slow_timeout_ms(&pf->slow) == 0)
		pf_run_aq(pf);
}

static void pf_write_ctrl(struct pf *pf, uint32_t val)
{
	uint32_t old = pf->ctrl;

	if (val & MVF_PF_CTRL_RESET) {
		pf_reset(pf);
		return;
	}
	pf->ctrl = val & (MVF_PF_CTRL_AQ_ENABLE | MVF_PF_CTRL_EQ_ENABLE);
	if (!(old & MVF_PF_CTRL_AQ_ENABLE) && (pf->ctrl & MVF_PF_CTRL_AQ_ENABLE)) {
		pf->aq_head = pf->aq_tail = 0;
		if (ring_size_ok(pf->aq_size, MVF_AQ_MAX_ENTRIES))
			pf->status |= MVF_PF_STS_AQ_READY;
		else
			pf_fatal(pf, "bad AQ_SIZE");
	} else if ((old & MVF_PF_CTRL_AQ_ENABLE) && !(pf->ctrl & MVF_PF_CTRL_AQ_ENABLE)) {
		pf->status &= ~MVF_PF_STS_AQ_READY;
		pf->aq_head = pf->aq_tail = 0;
		slow_done(&pf->slow);
	}
	if (!(old & MVF_PF_CTRL_EQ_ENABLE) && (pf->ctrl & MVF_PF_CTRL_EQ_ENABLE)) {
		pf->eq_head = pf->eq_tail = 0;
		pf->eq_seq = 0;
		pf_lost_clear(&pf->lost);
		if (ring_size_ok(pf->eq_size, MVF_EQ_MAX_ENTRIES))
			pf->status |= MVF_PF_STS_EQ_READY;
		else
			pf_fatal(pf, "bad EQ_SIZE");
	} else if ((old & MVF_PF_CTRL_EQ_ENABLE) && !(pf->ctrl & MVF_PF_CTRL_EQ_ENABLE)) {
		pf->status &= ~MVF_PF_STS_EQ_READY;
		pf->eq_head = pf->eq_tail = 0;
	}
}

static uint32_t hi32(uint64_t v)
{
	return (uint32_t)(v >> 32);
}

uint32_t pf_reg_read(struct pf *pf, uint32_t off)
{
	switch (off) {
	case MVF_REG_ID:
		return MVF_ID_PF;
	case MVF_REG_VERSION:
		return MVF_DEV_VERSION;
	case MVF_REG_CAPS:
		return MVF_PF_CAP_ADMINQ | MVF_PF_CAP_EVENTQ;
	case MVF_REG_STATUS:
		return pf->status;
	case MVF_REG_CTRL:
		return pf->ctrl;
	case MVF_PF_REG_NUM_VFS:
		return pf->nr_vfs;
	case MVF_PF_REG_SERIAL_LO:
		return (uint32_t)pf->serial;
	case MVF_PF_REG_SERIAL_HI:
		return hi32(pf->serial);
	case MVF_PF_REG_AQ_SQ_LO:
		return (uint32_t)pf->aq_sq;
	case MVF_PF_REG_AQ_SQ_HI:
		return hi32(pf->aq_sq);
	case MVF_PF_REG_AQ_CQ_LO:
		return (uint32_t)pf->aq_cq;
	case MVF_PF_REG_AQ_CQ_HI:
		return hi32(pf->aq_cq);
	case MVF_PF_REG_AQ_SIZE:
		return pf->aq_size;
	case MVF_PF_REG_AQ_TAIL:
		return pf->aq_tail;
	case MVF_PF_REG_AQ_HEAD:
		return pf->aq_head;
	case MVF_PF_REG_EQ_LO:
		return (uint32_t)pf->eq;
	case MVF_PF_REG_EQ_HI:
		return hi32(pf->eq);
	case MVF_PF_REG_EQ_SIZE:
		return pf->eq_size;
	case MVF_PF_REG_EQ_HEAD:
		return pf->eq_head;
	case MVF_PF_REG_EQ_TAIL:
		return pf->eq_tail;
	}
	return 0;
}

static void set_half(uint64_t *v, bool high, uint32_t val)
{
	if (high)
		*v = (*v & 0xffffffffull) | (uint64_t)val << 32;
	else
		*v = (*v & ~0xffffffffull) | val;
}

void pf_reg_write(struct pf *pf, uint32_t off, uint32_t val)
{
	switch (off) {
	case MVF_REG_CTRL:
		pf_write_ctrl(pf, val);
		return;
	case MVF_PF_REG_AQ_SQ_LO:
	case MVF_PF_REG_AQ_SQ_HI:
		set_half(&pf->aq_sq, off == MVF_PF_REG_AQ_SQ_HI, val);
		return;
	case MVF_PF_REG_AQ_CQ_LO:
	case MVF_PF_REG_AQ_CQ_HI:
		set_half(&pf->aq_cq, off == MVF_PF_REG_AQ_CQ_HI, val);
		return;
	case MVF_PF_REG_AQ_SIZE:
		/* Fixed while the queue is enabled. */
		if (!(pf->ctrl & MVF_PF_CTRL_AQ_ENABLE))
			pf->aq_size = val;
		return;
	case MVF_PF_REG_AQ_TAIL:
		pf->aq_tail = val;
		pf_run_aq(pf);
		return;
	case MVF_PF_REG_EQ_LO:
	case MVF_PF_REG_EQ_HI:
		set_half(&pf->eq, off == MVF_PF_REG_EQ_HI, val);
		return;
	case MVF_PF_REG_EQ_SIZE:
		if (!(pf->ctrl & MVF_PF_CTRL_EQ_ENABLE))
			pf->eq_size = val;
		return;
	case MVF_PF_REG_EQ_HEAD:
		pf->eq_head = val;
		/* Room again: the lost-event notices go first. */
		pf_flush_lost(pf);
		return;
	}
	emu_dbg(pf->verbose, "pf: write 0x%x to read-only/unknown register 0x%03x ignored",
		val, off);
}
