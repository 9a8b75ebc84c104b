// SPDX-License-Identifier: GPL-2.0
/*
 * A userspace driver for the VF descriptor and completion rings
 * (include/mvf/mvf_desc.h).
 *
 * Descriptor i lives in SQ slot (i & (size - 1)); its completion goes to
 * CQ slot (i & (size - 1)) with phase ((i / size) & 1) ^ 1.  Before
 * posting descriptor i the driver writes the inverse phase and a zero
 * cookie into that CQ slot, so a stale completion left by an earlier pass,
 * by another VF sharing the rings after a migration, or by a reset can
 * never be mistaken for the new one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mvf_test.h"

static volatile struct mvf_desc *sq_slot(struct mvf_ring *r, uint32_t idx)
{
	return (volatile struct mvf_desc *)r->sq.va + (idx & (r->size - 1));
}

static volatile struct mvf_cpl *cq_slot(struct mvf_ring *r, uint32_t idx)
{
	return (volatile struct mvf_cpl *)r->cq.va + (idx & (r->size - 1));
}

uint8_t mvf_ring_phase(const struct mvf_ring *r, uint32_t idx)
{
	return ((idx / r->size) & 1) ^ 1;
}

int mvf_ring_alloc(struct vt_iommu *v, struct mvf_ring *r, uint32_t size)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if (!size || size > MVF_VF_RING_MAX_ENTRIES || (size & (size - 1)))
		return -EINVAL;
	r->size = size;
	r->timeout_ms = MVF_RING_TIMEOUT_MS;
	ret = vt_dma_alloc(v, (size_t)size * sizeof(struct mvf_desc), &r->sq);
	if (ret)
		return ret;
	ret = vt_dma_alloc(v, (size_t)size * sizeof(struct mvf_cpl), &r->cq);
	if (ret) {
		vt_dma_free(v, &r->sq);
		return ret;
	}
	mvf_ring_reset(r);
	return 0;
}

void mvf_ring_free(struct vt_iommu *v, struct mvf_ring *r)
{
	vt_dma_free(v, &r->sq);
	vt_dma_free(v, &r->cq);
}

/* Forget all indices (a reset VF starts again at 0) and clear both rings. */
void mvf_ring_reset(struct mvf_ring *r)
{
	memset(r->sq.va, 0, r->sq.size);
	memset(r->cq.va, 0, r->cq.size);
	r->tail = 0;
	r->done = 0;
}

/* Point the VF at the rings and enable it; the VF's indices must be 0. */
void mvf_ring_program(struct mvf_dev *d, struct mvf_ring *r)
{
	mvf_wr32(d, MVF_REG_CTRL, 0);
	mvf_wr64(d, MVF_VF_REG_SQ_LO, r->sq.iova);
	mvf_wr64(d, MVF_VF_REG_CQ_LO, r->cq.iova);
	mvf_wr32(d, MVF_VF_REG_RING_SIZE, r->size);
	mvf_wr32(d, MVF_REG_CTRL, MVF_VF_CTRL_ENABLE);
}

struct mvf_desc mvf_desc_make(uint8_t op, uint32_t len, uint64_t src,
			      uint64_t dst, uint64_t pattern, uint64_t cookie)
{
	struct mvf_desc d;

	memset(&d, 0, sizeof(d));
	d.opcode = op;
	d.len = len;
	d.src = src;
	d.dst = dst;
	d.pattern = pattern;
	d.cookie = cookie;
	return d;
}

/* Write one descriptor at the tail; the doorbell is separate. */
uint32_t mvf_ring_post(struct mvf_ring *r, const struct mvf_desc *desc)
{
	uint32_t idx = r->tail;
	volatile struct mvf_cpl *c = cq_slot(r, idx);

	c->cookie = 0;
	c->result = 0;
	c->status = 0xff;
	c->phase = mvf_ring_phase(r, idx) ^ 1;
	memcpy((void *)sq_slot(r, idx), desc, sizeof(*desc));
	r->tail = idx + 1;
	return idx;
}

void mvf_ring_doorbell(struct mvf_dev *d, struct mvf_ring *r)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	mvf_wr32(d, MVF_VF_REG_SQ_TAIL, r->tail);
}

/* Has descriptor @idx completed?  Copies the completion if so. */
bool mvf_ring_peek(struct mvf_ring *r, uint32_t idx, struct mvf_cpl *cpl)
{
	volatile struct mvf_cpl *c = cq_slot(r, idx);

	if ((c->phase & 1) != mvf_ring_phase(r, idx))
		return false;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (cpl) {
		cpl->cookie = c->cookie;
		cpl->result = c->result;
		cpl->status = c->status;
		cpl->phase = c->phase;
		cpl->rsvd = c->rsvd;
	}
	return true;
}

/*
 * Wait for the completion of descriptor @idx: a bounded poll loop.
 * Returns 0 with *cpl filled, or -ETIMEDOUT (the device state is printed).
 */
int mvf_ring_wait(struct mvf_dev *d, struct mvf_ring *r, uint32_t idx,
		  struct mvf_cpl *cpl)
{
	double end = mvf_now() + r->timeout_ms / 1000.0;
	struct timespec ts = { 0, 20000 };
	unsigned long spins = 0;

	for (;;) {
		if (mvf_ring_peek(r, idx, cpl)) {
			if ((int32_t)(idx + 1 - r->done) > 0)
				r->done = idx + 1;
			return 0;
		}
		if (++spins > 64) {
			if (mvf_now() > end)
				break;
			nanosleep(&ts, NULL);
		}
	}
	fprintf(stderr,
		"%s: descriptor %u: no completion in %d ms (STATUS 0x%x SQ_TAIL %u SQ_HEAD %u DB_LATCHED %u LAST_ERR %u)\n",
		d->vt.name, idx, r->timeout_ms, mvf_rd32(d, MVF_REG_STATUS),
		mvf_rd32(d, MVF_VF_REG_SQ_TAIL), mvf_rd32(d, MVF_VF_REG_SQ_HEAD),
		mvf_rd32(d, MVF_VF_REG_DB_LATCHED),
		mvf_rd32(d, MVF_VF_REG_LAST_ERR));
	return -ETIMEDOUT;
}

/*
 * Run @n descriptors in ring-sized batches and wait for all of them.
 * Completions go to @cpls (may be NULL).  Returns 0 if every descriptor
 * completed with MVF_DESC_STS_OK and echoed its cookie, -EIO if one
 * completed with another status or cookie, -ETIMEDOUT if one did not
 * complete.
 */
int mvf_ring_run(struct mvf_dev *d, struct mvf_ring *r,
		 const struct mvf_desc *descs, size_t n, struct mvf_cpl *cpls)
{
	int bad = 0;
	size_t i = 0;

	while (i < n) {
		size_t batch = n - i, j;
		uint32_t first = r->tail;

		if (batch > r->size)
			batch = r->size;
		for (j = 0; j < batch; j++)
			mvf_ring_post(r, &descs[i + j]);
		mvf_ring_doorbell(d, r);
		for (j = 0; j < batch; j++) {
			struct mvf_cpl c;
			int ret = mvf_ring_wait(d, r, first + j, &c);

			if (ret)
				return ret;
			if (cpls)
				cpls[i + j] = c;
			if (c.status != MVF_DESC_STS_OK ||
			    c.cookie != descs[i + j].cookie) {
				if (!bad)
					fprintf(stderr,
						"%s: descriptor %u (op %u cookie 0x%llx): status %u cookie 0x%llx\n",
						d->vt.name, first + (uint32_t)j,
						descs[i + j].opcode,
						(unsigned long long)descs[i + j].cookie,
						c.status,
						(unsigned long long)c.cookie);
				bad++;
			}
		}
		i += batch;
	}
	return bad ? -EIO : 0;
}

int mvf_ring_exec(struct mvf_dev *d, struct mvf_ring *r,
		  const struct mvf_desc *desc, struct mvf_cpl *cpl)
{
	return mvf_ring_run(d, r, desc, 1, cpl);
}
