// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: the VF model (see vf.h and Documentation/device.rst). */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "crc.h"
#include "dma.h"
#include "image.h"
#include "irq.h"
#include "log.h"
#include "vf.h"

uint8_t *devmem_alloc(uint64_t size)
{
	void *p;

	if (!size || size > SIZE_MAX)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void devmem_free(uint8_t *p, uint64_t size)
{
	if (p)
		munmap(p, size);
}

/*
 * The dma_space write observer: every VF write into host memory lands
 * here after it happened.  A write the tracker cannot log fails it; the
 * first failure posts MVF_EVENT_TRACKER_ERROR.
 */
static void vf_dma_written(void *ctx, uint64_t iova, uint64_t len)
{
	struct vf *vf = ctx;
	uint32_t err;

	if (!vf->tracker)
		return;
	err = dirty_log(vf->tracker, iova, len, vf->log_src);
	if (!err)
		return;
	emu_err("%s: dirty tracker failed at a DMA write of %llu bytes at IOVA 0x%llx: %s; DIRTY_REPORT fails until DIRTY_STOP",
		vf->name, (unsigned long long)len, (unsigned long long)iova,
		err == MVF_DIRTY_ERR_RANGE ? "outside every tracked range" :
		"tracker memory budget exhausted (--dirty-budget-kib): Cannot allocate memory (ENOMEM)");
	if (vf->event)
		vf->event(vf->event_ctx, MVF_EVENT_TRACKER_ERROR, (uint16_t)vf->index, err);
}

void vf_dirty_stop(struct vf *vf)
{
	dirty_free(vf->tracker);
	vf->tracker = NULL;
}

int vf_init(struct vf *vf, unsigned int index, uint64_t devmem_size,
	    struct dma_space *dma, struct irq_table *irq, bool verbose)
{
	memset(vf, 0, sizeof(*vf));
	if (!devmem_size || devmem_size % MVF_IMG_PAGE_SIZE)
		return -EINVAL;
	vf->index = index;
	snprintf(vf->name, sizeof(vf->name), "vf%u", index);
	vf->verbose = verbose;
	vf->devmem_size = devmem_size;
	vf->npages = devmem_size / MVF_IMG_PAGE_SIZE;
	vf->devmem = devmem_alloc(devmem_size);
	vf->dirty = calloc((vf->npages + 63) / 64, sizeof(uint64_t));
	if (!vf->devmem || !vf->dirty) {
		devmem_free(vf->devmem, devmem_size);
		free(vf->dirty);
		vf->devmem = NULL;
		vf->dirty = NULL;
		return -ENOMEM;
	}
	vf->dma = dma;
	dma_set_write_observer(dma, vf_dma_written, vf);
	vf->irq = irq;
	vf->state = VF_RUNNING;
	vf_set_active(vf, vf_devmem_mib_max(vf));
	return 0;
}

uint32_t vf_devmem_mib_max(const struct vf *vf)
{
	return (uint32_t)((vf->devmem_size + (1u << 20) - 1) >> 20);
}

void vf_set_active(struct vf *vf, uint32_t mib)
{
	uint64_t bytes = (uint64_t)mib << 20;

	vf->active_mib = mib;
	vf->active_size = bytes < vf->devmem_size ? bytes : vf->devmem_size;
	vf->active_pages = vf->active_size / MVF_IMG_PAGE_SIZE;
}

void vf_destroy(struct vf *vf)
{
	img_save_free(vf->save);
	img_load_free(vf->load);
	vf->save = NULL;
	vf->load = NULL;
	vf_dirty_stop(vf);
	if (vf->dma)
		dma_set_write_observer(vf->dma, NULL, NULL);
	devmem_free(vf->devmem, vf->devmem_size);
	free(vf->dirty);
	vf->devmem = NULL;
	vf->dirty = NULL;
}

void vf_mark_dirty(struct vf *vf, uint64_t off, uint64_t len)
{
	uint64_t p, last;

	if (!len)
		return;
	last = (off + len - 1) / MVF_IMG_PAGE_SIZE;
	for (p = off / MVF_IMG_PAGE_SIZE; p <= last && p < vf->npages; p++)
		vf->dirty[p / 64] |= 1ull << (p % 64);
	if (vf->save)
		img_save_new_data(vf);
}

static void vf_raise(struct vf *vf, unsigned int vec)
{
	if (vf->state != VF_RUNNING) {
		vf->r.msix_pending |= 1u << vec;
		return;
	}
	if (irq_raise(vf->irq, IRQ_MSIX, vec))
		emu_dbg(vf->verbose, "%s: MSI-X vector %u has no eventfd", vf->name, vec);
}

static void vf_halt(struct vf *vf, uint32_t err)
{
	vf->r.status |= MVF_VF_STS_HALTED;
	vf->r.last_err = err;
	emu_dbg(vf->verbose, "%s: ring halted, status %u (head %u tail %u size %u)",
		vf->name, err, vf->r.sq_head, vf->r.sq_tail, vf->r.ring_size);
	if (vf->r.ctrl & MVF_VF_CTRL_IRQ)
		vf_raise(vf, MVF_VF_MSIX_ERR);
}

static bool devmem_range_ok(const struct vf *vf, uint64_t off, uint64_t len)
{
	return off <= vf->active_size && len <= vf->active_size - off;
}

static void fill_pattern(uint8_t *p, size_t n, uint64_t pos, uint64_t pattern)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(pattern >> (8 * ((pos + i) % 8)));
}

/*
 * dma_access() accessors (run under the SIGBUS guard: memory only).  COPY
 * walks the destination chunks (a write access, so the dirty logger sees
 * it) and, inside each, the source chunks; both ranges were checked
 * before, so the dma_ptr() lookups cannot fail.
 */
struct copy_ctx {
	struct dma_space *dma;
	uint64_t src;
};

static void copy_chunk(void *ctx, uint8_t *dp, size_t n, uint64_t done)
{
	const struct copy_ctx *c = ctx;
	uint8_t *sp;
	size_t m, k;

	for (k = 0; k < n; k += m) {
		dma_ptr(c->dma, c->src + done + k, n - k, DMA_PROT_READ, &sp, &m);
		memmove(dp + k, sp, m);
	}
}

static void fill_chunk(void *ctx, uint8_t *p, size_t n, uint64_t done)
{
	fill_pattern(p, n, done, *(const uint64_t *)ctx);
}

static void crc_chunk(void *ctx, uint8_t *p, size_t n, uint64_t done)
{
	uint32_t *crc = ctx;

	(void)done;
	*crc = crc32c(*crc, p, n);
}

/* Execute one descriptor; returns an MVF_DESC_STS_*, sets *@result. */
static uint8_t vf_exec(struct vf *vf, const struct mvf_desc *d,
		       uint32_t *result)
{
	uint64_t src = le64toh(d->src), dst = le64toh(d->dst);
	uint64_t pattern = le64toh(d->pattern);
	uint32_t len = le32toh(d->len);
	uint32_t allowed = MVF_DESC_F_IRQ;
	struct copy_ctx cc;
	uint32_t crc;
	int i;

	*result = 0;
	if (d->opcode == MVF_DESC_OP_CRC32C)
		allowed |= MVF_DESC_F_SRC_DEVMEM;
	if (d->opcode > MVF_DESC_OP_CRC32C || (d->flags & ~allowed) || d->rsvd0)
		return MVF_DESC_STS_BAD_OP;
	for (i = 0; i < 3; i++)
		if (d->rsvd[i])
			return MVF_DESC_STS_BAD_OP;
	if (d->opcode == MVF_DESC_OP_NOP)
		return MVF_DESC_STS_OK;
	if (!len || len > MVF_DESC_MAX_LEN)
		return MVF_DESC_STS_BAD_LEN;

	switch (d->opcode) {
	case MVF_DESC_OP_COPY:
		/* Check both ranges first: a failed descriptor writes nothing. */
		if (dma_check(vf->dma, src, len, DMA_PROT_READ))
			return MVF_DESC_STS_DMA_ERR;
		cc.dma = vf->dma;
		cc.src = src;
		if (dma_access(vf->dma, dst, len, DMA_PROT_WRITE, copy_chunk, &cc))
			return MVF_DESC_STS_DMA_ERR;
		break;
	case MVF_DESC_OP_FILL:
		if (dma_access(vf->dma, dst, len, DMA_PROT_WRITE, fill_chunk,
			       &pattern))
			return MVF_DESC_STS_DMA_ERR;
		break;
	case MVF_DESC_OP_H2D:
		if (!devmem_range_ok(vf, dst, len))
			return MVF_DESC_STS_DEVMEM_ERR;
		if (dma_read(vf->dma, src, vf->devmem + dst, len))
			return MVF_DESC_STS_DMA_ERR;
		vf_mark_dirty(vf, dst, len);
		break;
	case MVF_DESC_OP_D2H:
		if (!devmem_range_ok(vf, src, len))
			return MVF_DESC_STS_DEVMEM_ERR;
		if (dma_write(vf->dma, dst, vf->devmem + src, len))
			return MVF_DESC_STS_DMA_ERR;
		break;
	case MVF_DESC_OP_DFILL:
		if (!devmem_range_ok(vf, dst, len))
			return MVF_DESC_STS_DEVMEM_ERR;
		fill_pattern(vf->devmem + dst, len, 0, pattern);
		vf_mark_dirty(vf, dst, len);
		break;
	case MVF_DESC_OP_CRC32C:
		crc = (uint32_t)pattern;
		if (d->flags & MVF_DESC_F_SRC_DEVMEM) {
			if (!devmem_range_ok(vf, src, len))
				return MVF_DESC_STS_DEVMEM_ERR;
			crc = crc32c(crc, vf->devmem + src, len);
		} else {
			if (dma_access(vf->dma, src, len, DMA_PROT_READ,
				       crc_chunk, &crc))
				return MVF_DESC_STS_DMA_ERR;
		}
		*result = crc;
		break;
	}
	return MVF_DESC_STS_OK;
}

static bool ring_size_ok(uint32_t size)
{
	return size && size <= MVF_VF_RING_MAX_ENTRIES && !(size & (size - 1));
}

/* Process descriptors HEAD..TAIL-1 if the VF may run. */
static void vf_run(struct vf *vf)
{
	struct vf_regs *r = &vf->r;
	struct mvf_desc d;
	struct mvf_cpl c;
	uint32_t slot, result;
	uint8_t sts;

	if (vf->state != VF_RUNNING || !(r->ctrl & MVF_VF_CTRL_ENABLE) ||
	    (r->status & MVF_VF_STS_HALTED))
		return;
	while (r->sq_head != r->sq_tail) {
		if (!ring_size_ok(r->ring_size) ||
		    r->sq_tail - r->sq_head > r->ring_size) {
			vf_halt(vf, MVF_DESC_STS_BAD_RING);
			return;
		}
		slot = r->sq_head & (r->ring_size - 1);
		if (dma_read(vf->dma, r->sq + (uint64_t)slot * sizeof(d), &d, sizeof(d))) {
			vf_halt(vf, MVF_DESC_STS_DMA_ERR);
			return;
		}
		vf->log_src = DIRTY_SRC_DATA;
		sts = vf_exec(vf, &d, &result);
		vf->log_src = DIRTY_SRC_RING;
		memset(&c, 0, sizeof(c));
		c.cookie = d.cookie;
		c.result = htole32(result);
		c.status = sts;
		c.phase = ((r->sq_head / r->ring_size) & 1) ^ 1;
		if (dma_write(vf->dma, r->cq + (uint64_t)slot * sizeof(c), &c, sizeof(c))) {
			vf_halt(vf, MVF_DESC_STS_DMA_ERR);
			return;
		}
		r->sq_head++;
		r->cnt_desc++;
		if (sts == MVF_DESC_STS_OK) {
			if (d.opcode != MVF_DESC_OP_NOP)
				r->cnt_bytes += le32toh(d.len);
		} else {
			r->cnt_err++;
			r->last_err = sts;
			emu_dbg(vf->verbose, "%s: descriptor %u (op %u) failed, status %u",
				vf->name, r->sq_head - 1, d.opcode, sts);
		}
		if ((r->ctrl & MVF_VF_CTRL_IRQ) &&
		    ((d.flags & MVF_DESC_F_IRQ) || r->sq_head == r->sq_tail))
			vf_raise(vf, MVF_VF_MSIX_CPL);
	}
}

static uint32_t hi32(uint64_t v)
{
	return (uint32_t)(v >> 32);
}

static void set_lo(uint64_t *v, uint32_t lo)
{
	*v = (*v & ~0xffffffffull) | lo;
}

static void set_hi(uint64_t *v, uint32_t hi)
{
	*v = (*v & 0xffffffffull) | (uint64_t)hi << 32;
}

uint32_t vf_reg_read(struct vf *vf, uint32_t off)
{
	const struct vf_regs *r = &vf->r;
	uint32_t sts;

	switch (off) {
	case MVF_REG_ID:
		return MVF_ID_VF;
	case MVF_REG_VERSION:
		return MVF_DEV_VERSION;
	case MVF_REG_CAPS:
		return VF_CAPS;
	case MVF_REG_STATUS:
		sts = r->status;
		if (vf->state != VF_RUNNING)
			sts |= MVF_VF_STS_QUIESCED;
		if (vf->state == VF_STOPPED)
			sts |= MVF_VF_STS_STOPPED;
		return sts;
	case MVF_REG_CTRL:
		return r->ctrl;
	case MVF_VF_REG_DEVMEM_LO:
		return (uint32_t)vf->devmem_size;
	case MVF_VF_REG_DEVMEM_HI:
		return hi32(vf->devmem_size);
	case MVF_VF_REG_SQ_LO:
		return (uint32_t)r->sq;
	case MVF_VF_REG_SQ_HI:
		return hi32(r->sq);
	case MVF_VF_REG_CQ_LO:
		return (uint32_t)r->cq;
	case MVF_VF_REG_CQ_HI:
		return hi32(r->cq);
	case MVF_VF_REG_RING_SIZE:
		return r->ring_size;
	case MVF_VF_REG_SQ_TAIL:
		return r->sq_tail;
	case MVF_VF_REG_SQ_HEAD:
		return r->sq_head;
	case MVF_VF_REG_DB_LATCHED:
		return r->db_latched;
	case MVF_VF_REG_CNT_DESC_LO:
		return (uint32_t)r->cnt_desc;
	case MVF_VF_REG_CNT_DESC_HI:
		return hi32(r->cnt_desc);
	case MVF_VF_REG_CNT_BYTES_LO:
		return (uint32_t)r->cnt_bytes;
	case MVF_VF_REG_CNT_BYTES_HI:
		return hi32(r->cnt_bytes);
	case MVF_VF_REG_CNT_ERR:
		return r->cnt_err;
	case MVF_VF_REG_LAST_ERR:
		return r->last_err;
	case MVF_VF_REG_DEVMEM_ACTIVE:
		return vf->active_mib;
	}
	if (off >= MVF_VF_REG_SCRATCH0 &&
	    off < MVF_VF_REG_SCRATCH0 + 4 * MVF_VF_NUM_SCRATCH)
		return r->scratch[(off - MVF_VF_REG_SCRATCH0) / 4];
	return 0;
}

static void vf_write_ctrl(struct vf *vf, uint32_t val)
{
	struct vf_regs *r = &vf->r;
	uint32_t old = r->ctrl;

	r->ctrl = val & (MVF_VF_CTRL_ENABLE | MVF_VF_CTRL_IRQ);
	if ((old & MVF_VF_CTRL_ENABLE) && !(r->ctrl & MVF_VF_CTRL_ENABLE)) {
		/* Disabling the ring resets it (the way out of HALTED). */
		r->status &= ~(MVF_VF_STS_ENABLED | MVF_VF_STS_HALTED);
		r->sq_head = 0;
		r->sq_tail = 0;
		r->db_latched = 0;
	} else if (!(old & MVF_VF_CTRL_ENABLE) && (r->ctrl & MVF_VF_CTRL_ENABLE)) {
		r->status |= MVF_VF_STS_ENABLED;
		r->status &= ~MVF_VF_STS_HALTED;
		if (vf->state != VF_RUNNING) {
			if (r->sq_head != r->sq_tail)
				r->db_latched = 1;
		} else {
			vf_run(vf);
		}
	}
}

/*
 * DEVMEM_ACTIVE: honoured only for 1..vf_devmem_mib_max() while the VF is
 * RUNNING and its ring idle (no descriptor outstanding: SQ_HEAD == SQ_TAIL,
 * no latched doorbell); anything else is ignored.  Changing it during a
 * PRECOPY save session restarts the session's initial data.
 */
static void vf_write_devmem_active(struct vf *vf, uint32_t val)
{
	const struct vf_regs *r = &vf->r;

	if (val == vf->active_mib)
		return;
	if (!val || val > vf_devmem_mib_max(vf)) {
		emu_dbg(vf->verbose, "%s: DEVMEM_ACTIVE %u ignored: not 1..%u MiB",
			vf->name, val, vf_devmem_mib_max(vf));
		return;
	}
	if (vf->state != VF_RUNNING || r->sq_head != r->sq_tail || r->db_latched) {
		emu_dbg(vf->verbose, "%s: DEVMEM_ACTIVE %u ignored: VF not running or ring busy (head %u tail %u)",
			vf->name, val, r->sq_head, r->sq_tail);
		return;
	}
	emu_dbg(vf->verbose, "%s: DEVMEM_ACTIVE %u -> %u MiB", vf->name,
		vf->active_mib, val);
	vf_set_active(vf, val);
	if (vf->save)
		img_save_reinit(vf);
}

void vf_reg_write(struct vf *vf, uint32_t off, uint32_t val)
{
	struct vf_regs *r = &vf->r;

	switch (off) {
	case MVF_REG_CTRL:
		vf_write_ctrl(vf, val);
		return;
	case MVF_VF_REG_SQ_LO:
		set_lo(&r->sq, val);
		return;
	case MVF_VF_REG_SQ_HI:
		set_hi(&r->sq, val);
		return;
	case MVF_VF_REG_CQ_LO:
		set_lo(&r->cq, val);
		return;
	case MVF_VF_REG_CQ_HI:
		set_hi(&r->cq, val);
		return;
	case MVF_VF_REG_RING_SIZE:
		/* Only 0 or a power of 2 up to the maximum is taken. */
		if (val <= MVF_VF_RING_MAX_ENTRIES && !(val & (val - 1)))
			r->ring_size = val;
		else
			emu_dbg(vf->verbose, "%s: RING_SIZE %u ignored", vf->name, val);
		return;
	case MVF_VF_REG_SQ_TAIL:
		r->sq_tail = val;
		if (vf->state != VF_RUNNING) {
			r->db_latched = 1;
			return;
		}
		vf_run(vf);
		return;
	case MVF_VF_REG_DEVMEM_ACTIVE:
		vf_write_devmem_active(vf, val);
		return;
	}
	if (off >= MVF_VF_REG_SCRATCH0 &&
	    off < MVF_VF_REG_SCRATCH0 + 4 * MVF_VF_NUM_SCRATCH) {
		r->scratch[(off - MVF_VF_REG_SCRATCH0) / 4] = val;
		return;
	}
	emu_dbg(vf->verbose, "%s: write 0x%x to read-only/unknown register 0x%03x ignored",
		vf->name, val, off);
}

void vf_reset(struct vf *vf)
{
	img_save_free(vf->save);
	img_load_free(vf->load);
	vf->save = NULL;
	vf->load = NULL;
	memset(&vf->r, 0, sizeof(vf->r));
	vf_set_active(vf, vf_devmem_mib_max(vf));
	vf->state = VF_RUNNING;
	/* The dirty tracker keeps running (see vf.h). */
	emu_dbg(vf->verbose, "%s: function reset (device memory preserved)", vf->name);
	if (vf->event)
		vf->event(vf->event_ctx, MVF_EVENT_VF_RESET, (uint16_t)vf->index, 0);
}

/* Leaving QUIESCED for RUNNING: deliver what was held back, run latched work. */
static void vf_go_running(struct vf *vf)
{
	uint32_t pend = vf->r.msix_pending;
	unsigned int v;

	vf->state = VF_RUNNING;
	vf->r.msix_pending = 0;
	for (v = 0; v < MVF_VF_MSIX_COUNT; v++)
		if (pend & (1u << v))
			vf_raise(vf, v);
	if (vf->r.db_latched) {
		vf->r.db_latched = 0;
		vf_run(vf);
	}
}

int vf_suspend(struct vf *vf, uint32_t type)
{
	switch (type) {
	case MVF_SUSPEND_P2P:
		if (vf->state == VF_STOPPED)
			return MVF_AQ_STS_BAD_STATE;
		vf->state = VF_QUIESCED;
		return MVF_AQ_STS_OK;
	case MVF_SUSPEND_FULL:
		if (vf->state == VF_RUNNING)
			return MVF_AQ_STS_BAD_STATE;
		vf->state = VF_STOPPED;
		return MVF_AQ_STS_OK;
	}
	return MVF_AQ_STS_BAD_PARAM;
}

int vf_resume(struct vf *vf, uint32_t type)
{
	switch (type) {
	case MVF_SUSPEND_FULL:
		if (vf->state == VF_RUNNING)
			return MVF_AQ_STS_BAD_STATE;
		if (vf->state == VF_STOPPED &&
		    (vf->load || (vf->save && img_save_pins_stopped(vf->save))))
			return MVF_AQ_STS_BUSY;
		vf->state = VF_QUIESCED;
		return MVF_AQ_STS_OK;
	case MVF_SUSPEND_P2P:
		if (vf->state == VF_STOPPED)
			return MVF_AQ_STS_BAD_STATE;
		if (vf->state == VF_QUIESCED)
			vf_go_running(vf);
		return MVF_AQ_STS_OK;
	}
	return MVF_AQ_STS_BAD_PARAM;
}

uint32_t vf_msix_pending(const struct vf *vf)
{
	return vf->r.msix_pending;
}

void vf_set_regs(struct vf *vf, const struct vf_regs *r)
{
	vf->r = *r;
}
