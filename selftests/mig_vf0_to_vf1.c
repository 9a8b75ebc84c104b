// SPDX-License-Identifier: GPL-2.0
/*
 * mig_vf0_to_vf1: move a VF's complete state to another VF through the
 * VFIO migration uAPI and check that nothing was lost.
 *
 * VF0 gets a known workload through its own ring (every device memory
 * page written, unaligned fills, host-memory copies and fills, CRC32C,
 * scratch registers, counters, ring positions) and, in RUNNING_P2P, a
 * doorbell that the device must latch.  VF0 is saved (STOP_COPY) and VF1
 * resumed from the stream.  VF1 must then equal VF0 register for register
 * and byte for byte, run the latched doorbell when it starts, and keep
 * working; VF0 must still be able to run again.
 *
 * Both VFs sit in one container, so the rings and buffers VF0 used are at
 * the same IOVAs for VF1, as they would be for a migrated guest.
 *
 * Usage: mig_vf0_to_vf1 [harness options] [VF0-BDF VF1-BDF]
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "mvf_ksft.h"

#define BOUNCE_SIZE	(1u << 20)
#define HOST_SIZE	(1u << 20)
#define SEED0		0x5eed000000000001ull
#define SEED1		0x5eed000000000002ull

FIXTURE(mig) {
	struct mvf_pair p;
	struct mvf_model model;
	struct vt_buf stream;
	struct vt_dma host;
};

FIXTURE_SETUP(mig)
{
	ASSERT_EQ(0, mvf_pair_open(&self->p, mvf_vf_bdf[0], mvf_vf_bdf[1],
				   BOUNCE_SIZE));
	ASSERT_EQ(0, vt_dma_alloc(&self->p.vfio, HOST_SIZE, &self->host));
	ASSERT_EQ(0, mvf_model_init(&self->model, self->p.devmem));
}

FIXTURE_TEARDOWN(mig)
{
	mvf_model_free(&self->model);
	vt_buf_free(&self->stream);
	vt_dma_free(&self->p.vfio, &self->host);
	mvf_pair_close(&self->p);
}

static bool stays_pending(struct mvf_ring *r, uint32_t idx)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	return !mvf_ring_peek(r, idx, NULL);
}

/* Run one descriptor, assert success, return its completion. */
static struct mvf_cpl run1(struct __test_metadata *_metadata,
			   struct mvf_dev *d, struct mvf_ring *r,
			   struct mvf_desc desc)
{
	struct mvf_cpl c = { 0 };

	ASSERT_EQ(0, mvf_ring_exec(d, r, &desc, &c));
	ASSERT_EQ(desc.cookie, c.cookie);
	return c;
}

/*
 * Host-memory operations and CRC32C on @d: checks each result and counts
 * the descriptors and bytes it ran.
 */
static void host_ops(struct __test_metadata *_metadata, struct mvf_dev *d,
		     struct mvf_ring *r, struct vt_dma *host,
		     const struct mvf_model *m, uint64_t seed)
{
	uint8_t *h = host->va, expect[8192];
	static const char vec[] = "123456789";
	uint64_t io = host->iova;
	struct mvf_cpl c;
	uint32_t crc;

	memset(h, 0, HOST_SIZE);
	/* FILL A = [0, 8K) */
	mvf_pattern_fill(expect, 8192, seed ^ 0xa5a5);
	run1(_metadata, d, r, mvf_desc_make(MVF_DESC_OP_FILL, 8192, 0, io,
					    seed ^ 0xa5a5, 1));
	ASSERT_EQ(0, memcmp(h, expect, 8192));
	/* COPY A -> B = [8K, 16K) */
	run1(_metadata, d, r, mvf_desc_make(MVF_DESC_OP_COPY, 8192, io,
					    io + 8192, 0, 2));
	ASSERT_EQ(0, memcmp(h + 8192, expect, 8192));
	/* COPY of an odd length to an odd address: [20K+3, +333) */
	mvf_prng_fill(h + 65536, 65536, seed);
	run1(_metadata, d, r, mvf_desc_make(MVF_DESC_OP_COPY, 333,
					    io + 65536 + 1, io + 20480 + 3,
					    0, 3));
	ASSERT_EQ(0, memcmp(h + 20480 + 3, h + 65536 + 1, 333));
	ASSERT_EQ(0, h[20480 + 2]);
	ASSERT_EQ(0, h[20480 + 3 + 333]);
	/* CRC32C known vector */
	memcpy(h + 32768, vec, 9);
	ASSERT_EQ(0xE3069283u, mvf_crc32c(0, vec, 9));
	c = run1(_metadata, d, r, mvf_desc_make(MVF_DESC_OP_CRC32C, 9,
						io + 32768, 0, 0, 4));
	ASSERT_EQ(0xE3069283u, c.result);
	/* CRC32C of 64 KiB, whole and chained through the seed */
	crc = mvf_crc32c(0, h + 65536, 65536);
	c = run1(_metadata, d, r, mvf_desc_make(MVF_DESC_OP_CRC32C, 65536,
						io + 65536, 0, 0, 5));
	ASSERT_EQ(crc, c.result);
	c = run1(_metadata, d, r, mvf_desc_make(MVF_DESC_OP_CRC32C, 1000,
						io + 65536, 0, 0, 6));
	ASSERT_EQ(mvf_crc32c(0, h + 65536, 1000), c.result);
	c = run1(_metadata, d, r, mvf_desc_make(MVF_DESC_OP_CRC32C, 64536,
						io + 65536 + 1000, 0,
						c.result, 7));
	ASSERT_EQ(crc, c.result);
	/* CRC32C of device memory: pages 10..12 plus 5 bytes */
	if (m) {
		uint64_t off = 10 * MVF_IMG_PAGE_SIZE, len = 3 * 4096 + 5;
		struct mvf_desc dd = mvf_desc_make(MVF_DESC_OP_CRC32C, len,
						   off, 0, 0, 8);

		dd.flags = MVF_DESC_F_SRC_DEVMEM;
		c = run1(_metadata, d, r, dd);
		ASSERT_EQ(mvf_crc32c(0, m->mem + off, len), c.result);
	}
}

/*
 * Descriptors that fail: they complete with an error status, count in
 * CNT_DESC and CNT_ERR, set LAST_ERR, and the ring keeps going.
 */
static void failing_descs(struct __test_metadata *_metadata,
			  struct mvf_ctx *c, struct mvf_model *m)
{
	uint64_t dm = mvf_rd64(c->dev, MVF_VF_REG_DEVMEM_LO);
	uint32_t err0 = mvf_rd32(c->dev, MVF_VF_REG_CNT_ERR);
	uint64_t n0 = mvf_rd64(c->dev, MVF_VF_REG_CNT_DESC_LO);
	struct mvf_desc d[3];
	struct mvf_cpl cpl;
	uint32_t first;
	int i;

	d[0] = mvf_desc_make(0x7f, 8, 0, 0, 0, 0xbad0);
	d[1] = mvf_desc_make(MVF_DESC_OP_D2H, 4096, dm - 4095,
			     c->bounce->iova, 0, 0xbad1);
	d[2] = mvf_desc_make(MVF_DESC_OP_DFILL, 8, 0, dm - 8, 0x42, 0x900d);
	first = c->ring->tail;
	for (i = 0; i < 3; i++)
		mvf_ring_post(c->ring, &d[i]);
	mvf_ring_doorbell(c->dev, c->ring);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, mvf_ring_wait(c->dev, c->ring, first + i, &cpl));
		ASSERT_EQ(d[i].cookie, cpl.cookie);
	}
	ASSERT_TRUE(mvf_ring_peek(c->ring, first, &cpl));
	ASSERT_EQ(MVF_DESC_STS_BAD_OP, cpl.status);
	ASSERT_TRUE(mvf_ring_peek(c->ring, first + 1, &cpl));
	ASSERT_EQ(MVF_DESC_STS_DEVMEM_ERR, cpl.status);
	ASSERT_TRUE(mvf_ring_peek(c->ring, first + 2, &cpl));
	ASSERT_EQ(MVF_DESC_STS_OK, cpl.status);
	ASSERT_EQ(err0 + 2, mvf_rd32(c->dev, MVF_VF_REG_CNT_ERR));
	ASSERT_EQ((uint32_t)MVF_DESC_STS_DEVMEM_ERR,
		  mvf_rd32(c->dev, MVF_VF_REG_LAST_ERR));
	ASSERT_EQ(n0 + 3, mvf_rd64(c->dev, MVF_VF_REG_CNT_DESC_LO));
	ASSERT_EQ(0u, mvf_rd32(c->dev, MVF_REG_STATUS) & MVF_VF_STS_HALTED);
	mvf_pattern_fill(m->mem + dm - 8, 8, 0x42);
}

/* The VF0 workload; the model tracks device memory. */
static void workload(struct __test_metadata *_metadata,
		     FIXTURE_DATA(mig) *self)
{
	struct mvf_ctx *c = &self->p.ctx[0];
	uint64_t dm = self->p.devmem;
	uint8_t data[1000];
	int i;

	/* every page gets a distinct pattern, 256 pages prng data */
	ASSERT_EQ(0, mvf_fill_all_pages(c, &self->model, SEED0, 256));
	/* unaligned DFILLs: odd offset, across a MiB, tail, one byte */
	ASSERT_EQ(0, mvf_dev_dfill(c, &self->model, 12345, 7777,
				   0x0102030405060708ull));
	ASSERT_EQ(0, mvf_dev_dfill(c, &self->model, (1u << 20) - 5, 10,
				   0xf0e0d0c0b0a09080ull));
	ASSERT_EQ(0, mvf_dev_dfill(c, &self->model, dm - 4099, 4099,
				   0x1122334455667788ull));
	ASSERT_EQ(0, mvf_dev_dfill(c, &self->model, 3 * 4096 + 1, 1,
				   0xabull));
	/* unaligned H2D */
	mvf_prng_fill(data, sizeof(data), SEED0 ^ 77);
	ASSERT_EQ(0, mvf_dev_h2d(c, &self->model, 5 * 4096 + 3, data,
				 sizeof(data)));
	host_ops(_metadata, c->dev, c->ring, &self->host, &self->model,
		 SEED0);
	failing_descs(_metadata, c, &self->model);
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		mvf_wr32(c->dev, MVF_VF_REG_SCRATCH0 + 4 * i,
			 0xc0de0000u + (uint32_t)i * 0x1111u);
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		ASSERT_EQ(0xc0de0000u + (uint32_t)i * 0x1111u,
			  mvf_rd32(c->dev, MVF_VF_REG_SCRATCH0 + 4 * i));
}

/* A different state for VF1, so the load visibly replaces it. */
static void vf1_prior_state(struct __test_metadata *_metadata,
			    FIXTURE_DATA(mig) *self)
{
	struct mvf_ctx *c = &self->p.ctx[1];
	int i;

	ASSERT_EQ(0, mvf_dev_dfill(c, NULL, 0, 64 * 4096, SEED1));
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		mvf_wr32(c->dev, MVF_VF_REG_SCRATCH0 + 4 * i, 0x11110000u + i);
}

/* The REGS section of the image must carry the registers VF0 showed. */
static void check_image_regs(struct __test_metadata *_metadata,
			     const struct mvf_stream *ps,
			     const struct mvf_regs *s)
{
	const struct mvf_sec *sec = mvf_stream_find_sec(ps, MVF_IMG_SEC_REGS,
							0);
	struct mvf_img_regs ir;
	int i;

	ASSERT_NE(NULL, sec);
	ASSERT_EQ(sizeof(ir), sec->len);
	memcpy(&ir, ps->img.data + sec->img_off + sizeof(struct mvf_img_sec),
	       sizeof(ir));
	ASSERT_EQ(mvf_regs_get(s, MVF_REG_CTRL), ir.ctrl);
	ASSERT_EQ(mvf_regs_get(s, MVF_VF_REG_RING_SIZE), ir.ring_size);
	ASSERT_EQ(mvf_regs_get(s, MVF_VF_REG_SQ_TAIL), ir.sq_tail);
	ASSERT_EQ(mvf_regs_get(s, MVF_VF_REG_SQ_HEAD), ir.sq_head);
	ASSERT_EQ(1u, ir.db_latched);
	ASSERT_EQ(mvf_regs_get(s, MVF_VF_REG_SQ_LO) |
		  (uint64_t)mvf_regs_get(s, MVF_VF_REG_SQ_HI) << 32, ir.sq);
	ASSERT_EQ(mvf_regs_get(s, MVF_VF_REG_CQ_LO) |
		  (uint64_t)mvf_regs_get(s, MVF_VF_REG_CQ_HI) << 32, ir.cq);
	ASSERT_EQ(mvf_regs_get(s, MVF_VF_REG_CNT_DESC_LO) |
		  (uint64_t)mvf_regs_get(s, MVF_VF_REG_CNT_DESC_HI) << 32,
		  ir.cnt_desc);
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		ASSERT_EQ(mvf_regs_get(s, MVF_VF_REG_SCRATCH0 + 4 * i),
			  ir.scratch[i]);
}

/* Put descriptor @idx back into the shared ring with a cleared CQ slot. */
static void repost(struct mvf_ring *r, uint32_t idx, const struct mvf_desc *d)
{
	uint32_t tail = r->tail;

	r->tail = idx;
	mvf_ring_post(r, d);
	r->tail = tail;
}

static uint64_t cnt_desc(struct mvf_dev *d)
{
	return mvf_rd64(d, MVF_VF_REG_CNT_DESC_LO);
}

TEST_F_TIMEOUT(mig, full_state, 900)
{
	struct mvf_pair *p = &self->p;
	struct mvf_dev *vf0 = &p->dev[0], *vf1 = &p->dev[1];
	struct mvf_regs s0, s0b, s1, prior1;
	struct mvf_ring r1;
	struct mvf_ctx c1;
	struct mvf_stream ps;
	struct mvf_desc latched;
	struct mvf_cpl cpl;
	uint8_t *dbuf = (uint8_t *)self->host.va + 512 * 1024;
	uint8_t expect[4096];
	char why[256] = "";
	uint64_t est = 0, n_after;
	double t0, t_save, t_load;
	uint32_t idx;
	size_t i;
	int fd;

	workload(_metadata, self);
	vf1_prior_state(_metadata, self);
	mvf_regs_read(vf1, &prior1);

	/* RUNNING_P2P: a doorbell is latched, nothing runs */
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING_P2P);
	memset(dbuf, 0, 4096);
	mvf_pattern_fill(expect, sizeof(expect), 0x0badc0ffee0ddf00ull);
	latched = mvf_desc_make(MVF_DESC_OP_FILL, 4096, 0,
				self->host.iova + 512 * 1024,
				0x0badc0ffee0ddf00ull, 0x1a7c4edull);
	idx = mvf_ring_post(&p->ring[0], &latched);
	mvf_ring_doorbell(vf0, &p->ring[0]);
	ASSERT_EQ(1u, mvf_rd32(vf0, MVF_VF_REG_DB_LATCHED));
	ASSERT_EQ(idx + 1, mvf_rd32(vf0, MVF_VF_REG_SQ_TAIL));
	ASSERT_EQ(idx, mvf_rd32(vf0, MVF_VF_REG_SQ_HEAD));
	ASSERT_TRUE(stays_pending(&p->ring[0], idx));
	ASSERT_EQ(0, dbuf[0]);

	/* save VF0 */
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
	mvf_regs_read(vf0, &s0);
	ASSERT_EQ(0, vt_mig_data_size(&vf0->vt, &est));
	t0 = mvf_now();
	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	ASSERT_EQ(0, vt_mig_read_all(&vf0->vt, fd, &self->stream));
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
	t_save = mvf_now() - t0;
	ASSERT_EQ(0, close(fd));
	mvf_regs_read(vf0, &s0b);
	ASSERT_EQ(0, mvf_regs_diff("VF0 before/after save", &s0, &s0b, 0));
	TH_LOG("stream %zu bytes (estimate %llu) saved in %.3f s",
	       self->stream.len, (unsigned long long)est, t_save);
	ASSERT_LE(self->stream.len, est);

	/* the stream: records, a valid image carrying VF0's registers */
	ASSERT_EQ(0, mvf_stream_parse(&self->stream, &ps));
	for (i = 0; i < ps.nr_recs; i++) {
		ASSERT_GE(MVF_MIG_RECORD_MAX, ps.recs[i].size);
		if (ps.recs[i].tag != MVF_MIG_TAG_DEVICE_DATA)
			ASSERT_EQ(MVF_MIG_F_OPTIONAL,
				  ps.recs[i].flags & MVF_MIG_F_OPTIONAL);
	}
	ASSERT_EQ(0, mvf_stream_check_image(&ps, p->devmem, why,
					    sizeof(why)))
		TH_LOG("image: %s", why);
	check_image_regs(_metadata, &ps, &s0);
	mvf_stream_free(&ps);

	/* resume VF1: RUNNING -> RESUMING is a combination arc */
	t0 = mvf_now();
	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_RESUMING, &fd);
	ASSERT_EQ(0, vt_mig_write_all(&vf1->vt, fd, self->stream.data,
				       self->stream.len, 1u << 20, NULL));
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	t_load = mvf_now() - t0;
	ASSERT_EQ(0, close(fd));
	TH_LOG("resumed in %.3f s", t_load);

	/* register for register, in STOP on both sides */
	mvf_regs_read(vf1, &s1);
	ASSERT_EQ(0, mvf_regs_diff("VF0 saved vs VF1 resumed", &s0, &s1, 0));
	/* and every other dword of BAR0 reads the same on both */
	for (i = 0; i < MVF_BAR_SIZE / 4; i++) {
		uint32_t off = (uint32_t)i * 4;

		ASSERT_EQ(mvf_rd32(vf0, off), mvf_rd32(vf1, off))
			TH_LOG("BAR0 offset 0x%03x", off);
	}
	ASSERT_NE(0, mvf_regs_diff("VF1 before vs after (expected)",
				   &prior1, &s1, MVF_VF_STS_QUIESCED |
				   MVF_VF_STS_STOPPED));

	/* VF1 starts: the latched doorbell runs, on VF0's ring memory */
	r1 = p->ring[0];
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, mvf_ring_wait(vf1, &r1, idx, &cpl));
	ASSERT_EQ(MVF_DESC_STS_OK, cpl.status);
	ASSERT_EQ(0x1a7c4edull, cpl.cookie);
	ASSERT_EQ(mvf_ring_phase(&r1, idx), cpl.phase & 1);
	ASSERT_EQ(0, memcmp(dbuf, expect, sizeof(expect)));
	ASSERT_EQ(idx + 1, mvf_rd32(vf1, MVF_VF_REG_SQ_HEAD));
	ASSERT_EQ(0u, mvf_rd32(vf1, MVF_VF_REG_DB_LATCHED));
	ASSERT_EQ(cnt_desc(vf0) + 1, cnt_desc(vf1));

	/* device memory byte for byte */
	c1.dev = vf1;
	c1.ring = &r1;
	c1.bounce = &p->bounce[0];
	n_after = r1.tail;
	ASSERT_EQ(-1, mvf_dev_verify(&c1, &self->model, 0, p->devmem));
	/* VF1 keeps working: host ops, then the counter kept counting */
	host_ops(_metadata, vf1, &r1, &self->host, &self->model, SEED1);
	n_after = r1.tail - n_after;
	ASSERT_EQ(cnt_desc(vf0) + 1 + n_after, cnt_desc(vf1));
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		ASSERT_EQ(mvf_regs_get(&s0, MVF_VF_REG_SCRATCH0 + 4 * i),
			  mvf_rd32(vf1, MVF_VF_REG_SCRATCH0 + 4 * (uint32_t)i));

	/*
	 * VF0 was only saved, not changed: back in RUNNING it runs its own
	 * latched doorbell and keeps working with its device memory intact.
	 */
	memset(dbuf, 0, 4096);
	repost(&p->ring[0], idx, &latched);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, mvf_ring_wait(vf0, &p->ring[0], idx, &cpl));
	ASSERT_EQ(0x1a7c4edull, cpl.cookie);
	ASSERT_EQ(MVF_DESC_STS_OK, cpl.status);
	ASSERT_EQ(0, memcmp(dbuf, expect, sizeof(expect)));
	ASSERT_EQ(idx + 1, mvf_rd32(vf0, MVF_VF_REG_SQ_HEAD));
	ASSERT_EQ(-1, mvf_dev_verify(&p->ctx[0], &self->model, 0,
				     p->devmem));
	host_ops(_metadata, vf0, &p->ring[0], &self->host, &self->model,
		 SEED0 + 9);
}

/*
 * Interrupts are state too: CTRL.IRQ moves with the VF, a doorbell latched
 * in RUNNING_P2P raises nothing, and once VF1 runs the latched work the
 * completion interrupt arrives on VF1's vector, not on VF0's.  On VF1 a
 * ring overrun then halts the ring and raises the error vector.
 */
TEST_F_TIMEOUT(mig, interrupts_follow_the_vf, 600)
{
	struct mvf_pair *p = &self->p;
	struct mvf_dev *vf0 = &p->dev[0], *vf1 = &p->dev[1];
	const uint32_t ctrl = MVF_VF_CTRL_ENABLE | MVF_VF_CTRL_IRQ;
	struct mvf_desc d;
	struct mvf_cpl c;
	struct mvf_ring r1;
	int e0[2], e1[2], i;
	uint32_t idx;

	ASSERT_EQ(0, vt_dev_msix_enable(&vf0->vt, 2, e0));
	ASSERT_EQ(0, vt_dev_msix_enable(&vf1->vt, 2, e1));
	mvf_wr32(vf0, MVF_REG_CTRL, ctrl);
	ASSERT_EQ(ctrl, mvf_rd32(vf0, MVF_REG_CTRL));

	/* RUNNING: a completion with F_IRQ raises vector 0 */
	d = mvf_desc_make(MVF_DESC_OP_FILL, 4096, 0, self->host.iova, 7, 0x111);
	d.flags = MVF_DESC_F_IRQ;
	ASSERT_EQ(0, mvf_ring_exec(vf0, &p->ring[0], &d, NULL));
	ASSERT_LT(0, vt_eventfd_wait(e0[0], 10000));
	ASSERT_EQ(0, vt_eventfd_wait(e0[1], 0));

	/* RUNNING_P2P: latched, no interrupt */
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING_P2P);
	d.cookie = 0x222;
	idx = mvf_ring_post(&p->ring[0], &d);
	mvf_ring_doorbell(vf0, &p->ring[0]);
	ASSERT_EQ(1u, mvf_rd32(vf0, MVF_VF_REG_DB_LATCHED));
	ASSERT_EQ(0, vt_eventfd_wait(e0[0], 300));

	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_save(&vf0->vt, &self->stream));
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_load(&vf1->vt, self->stream.data, self->stream.len));
	ASSERT_EQ(ctrl, mvf_rd32(vf1, MVF_REG_CTRL));
	ASSERT_EQ(0, vt_eventfd_wait(e1[0], 0));

	/* VF1 runs the latched descriptor and interrupts on its own vector */
	r1 = p->ring[0];
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, mvf_ring_wait(vf1, &r1, idx, &c));
	ASSERT_EQ(0x222u, c.cookie);
	ASSERT_LT(0, vt_eventfd_wait(e1[0], 10000));
	ASSERT_EQ(0, vt_eventfd_wait(e0[0], 0));
	ASSERT_EQ(0, vt_eventfd_wait(e1[1], 0));

	/* VF1: a doorbell past the ring size halts it, error vector 1 */
	mvf_wr32(vf1, MVF_VF_REG_SQ_TAIL, r1.tail + r1.size + 1);
	ASSERT_LT(0, vt_eventfd_wait(e1[1], 10000));
	ASSERT_EQ(MVF_VF_STS_HALTED,
		  mvf_rd32(vf1, MVF_REG_STATUS) & MVF_VF_STS_HALTED);
	ASSERT_EQ((uint32_t)MVF_DESC_STS_BAD_RING,
		  mvf_rd32(vf1, MVF_VF_REG_LAST_ERR));
	ASSERT_EQ(0, vt_eventfd_wait(e0[1], 0));
	for (i = 0; i < 2; i++) {
		close(e0[i]);
		close(e1[i]);
	}
}

/*
 * The user need not keep the saved segmentation: write the stream in
 * pieces of odd sizes (1 byte, around record and page boundaries, prng
 * lengths); VF1 must equal VF0 afterwards.
 */
TEST_F_TIMEOUT(mig, odd_write_segments, 900)
{
	static const size_t sizes[] = { 1, 2, 3, 15, 16, 17, 4095, 4096,
					4097, 65537, 1 };
	struct mvf_pair *p = &self->p;
	struct mvf_dev *vf0 = &p->dev[0], *vf1 = &p->dev[1];
	struct mvf_regs s0, s1;
	uint64_t x = 12345;
	size_t off = 0, k = 0;
	int fd, i;
	uint8_t *b0, *b1;
	uint64_t o;

	ASSERT_EQ(0, mvf_dev_dfill(&p->ctx[0], NULL, 7 * 4096 + 9, 20000,
				   0x7777777777777777ull));
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		mvf_wr32(vf0, MVF_VF_REG_SCRATCH0 + 4 * i, 0x5e600000u + i);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
	mvf_regs_read(vf0, &s0);
	ASSERT_EQ(0, vt_mig_save(&vf0->vt, &self->stream));

	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_RESUMING, &fd);
	while (off < self->stream.len) {
		size_t n;
		ssize_t w;

		if (k < sizeof(sizes) / sizeof(sizes[0])) {
			n = sizes[k++];
		} else {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			n = 1 + (size_t)((x >> 33) % 200000);
		}
		if (n > self->stream.len - off)
			n = self->stream.len - off;
		w = write(fd, self->stream.data + off, n);
		ASSERT_LT(0, w)
			TH_LOG("write %zu at %zu: %s", n, off, strerror(errno));
		off += (size_t)w;
	}
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, close(fd));
	mvf_regs_read(vf1, &s1);
	ASSERT_EQ(0, mvf_regs_diff("VF0 saved vs VF1 resumed", &s0, &s1, 0));

	/*
	 * Compare device memory VF0 vs VF1 directly.  VF1 would continue on
	 * VF0's ring indices; reset it instead (device memory survives an
	 * FLR by design) and give it its own ring again.
	 */
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, vt_dev_reset(&vf1->vt));
	ASSERT_MIG_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, mvf_pair_vf_setup(p, 1));
	b0 = malloc(BOUNCE_SIZE);
	b1 = malloc(BOUNCE_SIZE);
	ASSERT_NE(NULL, b0);
	ASSERT_NE(NULL, b1);
	for (o = 0; o < p->devmem; o += BOUNCE_SIZE) {
		uint64_t n = p->devmem - o < BOUNCE_SIZE ? p->devmem - o :
			     BOUNCE_SIZE;

		ASSERT_EQ(0, mvf_dev_d2h(&p->ctx[0], o, b0, n));
		ASSERT_EQ(0, mvf_dev_d2h(&p->ctx[1], o, b1, n));
		ASSERT_EQ(0, memcmp(b0, b1, n))
			TH_LOG("devmem differs in [0x%llx, +%llu)",
			       (unsigned long long)o, (unsigned long long)n);
	}
	free(b0);
	free(b1);
}

MVF_KSFT_MAIN
