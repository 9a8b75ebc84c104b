// SPDX-License-Identifier: GPL-2.0
/*
 * PRECOPY save sessions: initial data countdown, dirty data, the sizes
 * invariant, MVF_EVENT_PRECOPY_DATA, DEVMEM_ACTIVE and the REINIT it
 * triggers, and loading streams that restart with a later HEADER.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "../crc.h"
#include "../image.h"
#include "fixture.h"
#include "test.h"

#define MIB		(1u << 20)
#define DM		(4 * MIB)	/* device memory of each VF */
#define HDR_BYTES	80u		/* HEADER section */
#define DEVSEC		32u		/* DEVMEM section header + devmem header */
#define TAIL		176u		/* REGS + TRAILER sections */
#define NREGS		64

/* Initial data of a session for @mib MiB of active device memory. */
static uint64_t initial_for(uint64_t mib)
{
	return HDR_BYTES + mib * (DEVSEC + MIB);
}

struct sizes {
	uint64_t sc, init, dirty;
	uint32_t gen;		/* initial_gen */
};

static int query(struct fx *f, uint16_t vf, struct sizes *z)
{
	struct mvf_state_size sz;

	if (fx_aq(f, MVF_AQ_OP_VF_QUERY_SIZE, vf, 0, fx_iova(FX_PF_BUF), 32, NULL))
		return -1;
	memcpy(&sz, f->ram + FX_PF_BUF, sizeof(sz));
	z->sc = le64toh(sz.stop_copy_bytes);
	z->init = le64toh(sz.initial_bytes);
	z->dirty = le64toh(sz.dirty_bytes);
	z->gen = le32toh(sz.initial_gen);
	if (sz.flags)
		return -1;
	return 0;
}

/* Query and check the precopy invariant (valid until REGS starts). */
static int query_inv(struct fx *f, uint16_t vf, struct sizes *z)
{
	if (query(f, vf, z))
		return -1;
	if (z->init + z->dirty + TAIL != z->sc) {
		printf("# invariant broken: initial %llu + dirty %llu + %u != stop_copy %llu\n",
		       (unsigned long long)z->init, (unsigned long long)z->dirty, TAIL,
		       (unsigned long long)z->sc);
		return -1;
	}
	return 0;
}

struct stream {
	uint8_t *b;
	size_t len, cap;
};

/* One SAVE_CHUNK of up to @chunk bytes appended to @s; result1 or -1. */
static int pull(struct fx *f, uint16_t vf, uint32_t chunk, struct stream *s,
		uint32_t *got)
{
	struct mvf_aq_cpl cpl;
	uint32_t n;

	if (fx_aq(f, MVF_AQ_OP_SAVE_CHUNK, vf, 0, fx_iova(FX_PF_CHUNK), chunk, &cpl))
		return -1;
	n = le32toh(cpl.result0);
	if (n > chunk || s->len + n > s->cap)
		return -1;
	memcpy(s->b + s->len, f->ram + FX_PF_CHUNK, n);
	s->len += n;
	if (got)
		*got = n;
	return (int)le32toh(cpl.result1);
}

/* Pull until F_EMPTY (precopy) or F_END; returns that flag or -1. */
static int drain(struct fx *f, uint16_t vf, struct stream *s)
{
	int fl;

	do {
		fl = pull(f, vf, MIB, s, NULL);
	} while (fl == 0);
	return fl;
}

/* DFILL @len bytes at devmem @off with @byte; the completion status. */
static int dfill(struct fx *f, unsigned int vf, uint64_t off, uint32_t len,
		 uint8_t byte)
{
	struct mvf_desc d = fx_desc(MVF_DESC_OP_DFILL, 0, len, 0, off,
				    0x0101010101010101ull * byte, 0);

	return fx_run_desc(f, vf, &d);
}

/* Fill VF @vf's device memory with a page-dependent pattern. */
static void pattern(struct vf *v, uint8_t seed)
{
	uint64_t p;

	for (p = 0; p < v->devmem_size / 4096; p++)
		memset(v->devmem + p * 4096, (int)(uint8_t)(p * 13 + seed), 4096);
}

static void regs(struct vf *v, uint32_t *r)
{
	uint32_t i;

	for (i = 0; i < NREGS; i++)
		r[i] = vf_reg_read(v, i * 4);
}

static int stream_open(struct stream *s, size_t cap)
{
	s->len = 0;
	s->cap = cap;
	s->b = malloc(cap);
	return s->b ? 0 : -1;
}


/* Both VFs stopped: their STOP_COPY images must be identical. */
static int same_images(struct fx *f, uint64_t active)
{
	uint8_t *a, *b;
	size_t la, lb;
	int ret = -1;

	if (fx_save(f, 0, 65536 + 7, &a, &la))
		return -1;
	if (fx_save(f, 1, MIB, &b, &lb)) {
		free(a);
		return -1;
	}
	if (la == lb && la == img_full_size(active) && !memcmp(a, b, la))
		ret = 0;
	else
		printf("# images differ: %zu vs %zu bytes (want %llu)\n", la, lb,
		       (unsigned long long)img_full_size(active));
	free(a);
	free(b);
	return ret;
}

/*
 * Initial data first, counting down by exactly what is handed out; dirty
 * pages of already streamed pages counted once, of not yet streamed pages
 * not at all; the invariant at every step; once STOPPED exactly
 * stop_copy_bytes remain; the stream loads into VF1 byte-exact.
 */
static int pc_initial_countdown(void)
{
	const uint64_t init0 = initial_for(DM / MIB);
	uint32_t got, r0[NREGS], r1[NREGS];
	struct sizes z, y;
	struct stream s;
	struct vf *v0, *v1;
	struct fx f;
	uint64_t before;
	int cst;

	TRY(fx_init(&f, DM, false));
	v0 = &f.dev.vfs[0];
	v1 = &f.dev.vfs[1];
	TRY(stream_open(&s, 2 * init0));
	pattern(v0, 1);
	fx_ring_setup(&f, 0, 16, 0);
	TRY(query(&f, 0, &z));
	CHECK_EQ(z.sc, img_full_size(DM));
	CHECK_EQ(z.init, 0);
	CHECK_EQ(z.dirty, 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 0, MVF_SAVE_MODE_PRECOPY, 0, 0, NULL), 0);
	TRY(query_inv(&f, 0, &z));
	CHECK_EQ(z.init, init0);
	CHECK_EQ(z.dirty, 0);
	CHECK_EQ(z.sc, img_full_size(DM));
	/* 21 odd chunks: into the third DEVMEM section (pages 512..767). */
	while (s.len < init0 / 2) {
		CHECK_EQ(pull(&f, 0, 99991, &s, &got), 0);
		CHECK_EQ(got, 99991);
		TRY(query_inv(&f, 0, &y));
		CHECK_EQ(y.init, z.init - got);
		CHECK_EQ(y.dirty, 0);
		z = y;
	}
	CHECK_EQ(s.len, 21 * 99991);
	CHECK(!memcmp(s.b + HDR_BYTES + DEVSEC, v0->devmem, MIB));
	/* A page already streamed: dirty. */
	CHECK_EQ(dfill(&f, 0, 3 * 4096, 4096, 0xa1), MVF_DESC_STS_OK);
	TRY(query_inv(&f, 0, &y));
	CHECK_EQ(y.init, z.init);
	CHECK_EQ(y.dirty, DEVSEC + 4096);
	/* A page not streamed yet: neither initial nor dirty changes. */
	CHECK_EQ(dfill(&f, 0, 1000 * 4096, 4096, 0xa2), MVF_DESC_STS_OK);
	TRY(query_inv(&f, 0, &y));
	CHECK_EQ(y.init, z.init);
	CHECK_EQ(y.dirty, DEVSEC + 4096);
	/* A page of the section being handed out: sent again later. */
	CHECK_EQ(dfill(&f, 0, 600 * 4096 + 10, 1, 0xa3), MVF_DESC_STS_OK);
	TRY(query_inv(&f, 0, &y));
	CHECK_EQ(y.dirty, 2 * (DEVSEC + 4096));
	/* Pages 4..5 join the run of page 3: one section of 3 pages. */
	CHECK_EQ(dfill(&f, 0, 4 * 4096, 4096 + 1, 0xa4), MVF_DESC_STS_OK);
	TRY(query_inv(&f, 0, &y));
	CHECK_EQ(y.init, z.init);
	CHECK_EQ(y.dirty, 2 * DEVSEC + 4 * 4096);
	/* Drain: the rest of the initial data, then exactly the dirty data. */
	CHECK_EQ(drain(&f, 0, &s), MVF_SAVE_F_EMPTY);
	CHECK_EQ(s.len, init0 + 2 * DEVSEC + 4 * 4096);
	TRY(query_inv(&f, 0, &y));
	CHECK_EQ(y.init, 0);
	CHECK_EQ(y.dirty, 0);
	CHECK_EQ(y.sc, TAIL);
	/* More writes, then stop: exactly stop_copy_bytes remain. */
	CHECK_EQ(dfill(&f, 0, DM - 3 * 4096, 3 * 4096, 0xb1), MVF_DESC_STS_OK);
	CHECK_EQ(dfill(&f, 0, 5 * MIB / 4, MIB, 0xb2), MVF_DESC_STS_OK);
	vf_reg_write(v0, MVF_VF_REG_SCRATCH0 + 8, 0xfeed);
	TRY(fx_stop(&f, 0));
	TRY(query_inv(&f, 0, &z));
	CHECK_EQ(z.init, 0);
	CHECK_EQ(z.dirty, 2 * DEVSEC + (3 + 256) * 4096);
	before = s.len;
	CHECK_EQ(drain(&f, 0, &s), MVF_SAVE_F_END);
	CHECK_EQ(s.len - before, z.sc);
	TRY(query(&f, 0, &z));
	CHECK_EQ(z.sc, 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_END, 0, 0, 0, 0, NULL), 0);
	/* Load into VF1: same memory, same registers, same image. */
	pattern(v1, 99);
	TRY(fx_stop(&f, 1));
	CHECK_EQ(fx_load(&f, 1, s.b, s.len, 65537, &cst), MVF_AQ_STS_OK);
	CHECK_EQ(cst, MVF_AQ_STS_OK);
	CHECK(!memcmp(v0->devmem, v1->devmem, DM));
	regs(v0, r0);
	regs(v1, r1);
	CHECK(!memcmp(r0, r1, sizeof(r0)));
	TRY(same_images(&f, DM));
	free(s.b);
	fx_fini(&f);
	return 0;
}

/* MVF_EVENT_PRECOPY_DATA: armed by F_EMPTY, posted once, re-armed by the
 * next F_EMPTY; never without an armed PRECOPY session. */
static int pc_precopy_data_event_once(void)
{
	const uint64_t init0 = initial_for(DM / MIB);
	struct stream s;
	struct fx f;

	TRY(fx_init(&f, DM, false));
	TRY(fx_eq_enable(&f));
	TRY(stream_open(&s, 2 * init0));
	fx_ring_setup(&f, 0, 16, 0);
	fx_ring_setup(&f, 1, 16, 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 0, MVF_SAVE_MODE_PRECOPY, 0, 0, NULL), 0);
	/* During the initial data: nothing armed, nothing posted. */
	CHECK_EQ(dfill(&f, 0, 0, 4096, 1), MVF_DESC_STS_OK);
	CHECK_EQ(pull(&f, 0, MIB, &s, NULL), 0);
	CHECK_EQ(dfill(&f, 0, 4096, 4096, 2), MVF_DESC_STS_OK);
	CHECK_EQ(drain(&f, 0, &s), MVF_SAVE_F_EMPTY);
	CHECK(fx_no_event(&f));
	CHECK_EQ(pull(&f, 0, MIB, &s, NULL), MVF_SAVE_F_EMPTY);	/* stays armed */
	CHECK(fx_no_event(&f));
	CHECK_EQ(fx_irq_count(f.pf_irq[MVF_PF_MSIX_EVENTQ]), 0);
	/* Another VF's writes are not this session's data. */
	CHECK_EQ(dfill(&f, 1, 0, 4096, 3), MVF_DESC_STS_OK);
	CHECK(fx_no_event(&f));
	/* A failed descriptor dirties nothing. */
	CHECK_EQ(dfill(&f, 0, DM, 4096, 3), MVF_DESC_STS_DEVMEM_ERR);
	CHECK(fx_no_event(&f));
	/* First new data: exactly one event. */
	CHECK_EQ(dfill(&f, 0, 7 * 4096, 4096, 4), MVF_DESC_STS_OK);
	TRY(fx_expect_event(&f, MVF_EVENT_PRECOPY_DATA, 0, 0));
	CHECK_EQ(fx_irq_count(f.pf_irq[MVF_PF_MSIX_EVENTQ]), 1);
	CHECK_EQ(dfill(&f, 0, 8 * 4096, 4096, 5), MVF_DESC_STS_OK);
	CHECK(fx_no_event(&f));
	/* Data handed out without reaching EMPTY: not re-armed. */
	CHECK_EQ(pull(&f, 0, 4096, &s, NULL), 0);
	CHECK_EQ(dfill(&f, 0, 100 * 4096, 4096, 6), MVF_DESC_STS_OK);
	CHECK(fx_no_event(&f));
	/* EMPTY again re-arms: one more event. */
	CHECK_EQ(drain(&f, 0, &s), MVF_SAVE_F_EMPTY);
	CHECK(fx_no_event(&f));
	CHECK_EQ(dfill(&f, 0, 200 * 4096, 2, 7), MVF_DESC_STS_OK);
	TRY(fx_expect_event(&f, MVF_EVENT_PRECOPY_DATA, 0, 0));
	CHECK_EQ(dfill(&f, 0, 201 * 4096, 2, 7), MVF_DESC_STS_OK);
	CHECK(fx_no_event(&f));
	/* Stopping is not new precopy data (the driver knows it stopped). */
	CHECK_EQ(drain(&f, 0, &s), MVF_SAVE_F_EMPTY);
	TRY(fx_stop(&f, 0));
	CHECK(fx_no_event(&f));
	TRY(fx_run(&f, 0));
	/* After SAVE_END nothing is armed. */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_END, 0, 0, 0, 0, NULL), 0);
	CHECK_EQ(dfill(&f, 0, 300 * 4096, 4096, 8), MVF_DESC_STS_OK);
	CHECK(fx_no_event(&f));
	CHECK_EQ(fx_irq_count(f.pf_irq[MVF_PF_MSIX_EVENTQ]), 1);
	CHECK_EQ(f.dev.pf.eq_dropped, 0);
	free(s.b);
	fx_fini(&f);
	return 0;
}

/* The HEADER section at @off of @s: its devmem_active, or 0 if no HEADER. */
static uint32_t header_active_at(const struct stream *s, size_t off)
{
	struct mvf_img_sec sec;
	struct mvf_img_header h;

	if (off + HDR_BYTES > s->len)
		return 0;
	memcpy(&sec, s->b + off, sizeof(sec));
	memcpy(&h, s->b + off + sizeof(sec), sizeof(h));
	if (le32toh(sec.type) != MVF_IMG_SEC_HEADER || le64toh(sec.len) != sizeof(h) ||
	    le64toh(h.magic) != MVF_IMG_MAGIC)
		return 0;
	return le32toh(h.devmem_active);
}

/*
 * REINIT: DEVMEM_ACTIVE changed in a PRECOPY session (once mid-section
 * while shrinking, once at a temporary end while growing) restarts the
 * initial data with a new HEADER, resets dirty_bytes, posts
 * INITIAL_CHANGED (and PRECOPY_DATA when armed); the whole stream loads
 * byte-exact, applying the last DEVMEM_ACTIVE and keeping the target's
 * memory beyond it.
 */
static int pc_reinit_devmem_active(void)
{
	const uint64_t init0 = initial_for(DM / MIB);
	uint32_t r0[NREGS], r1[NREGS];
	struct sizes z, y;
	struct stream s;
	struct vf *v0, *v1;
	struct fx f;
	size_t hdr2, hdr3, before;
	uint64_t i;
	int cst;

	TRY(fx_init(&f, DM, false));
	v0 = &f.dev.vfs[0];
	v1 = &f.dev.vfs[1];
	TRY(fx_eq_enable(&f));
	TRY(stream_open(&s, 4 * init0));
	pattern(v0, 3);
	fx_ring_setup(&f, 0, 16, MVF_VF_CTRL_IRQ);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 0, MVF_SAVE_MODE_PRECOPY, 0, 0, NULL), 0);
	TRY(query_inv(&f, 0, &y));
	CHECK_EQ(y.gen, 0);
	/* 2 MiB handed out: the second DEVMEM section (pages 256..511) has
	 * 144 bytes left. */
	CHECK_EQ(pull(&f, 0, MIB, &s, NULL), 0);
	CHECK_EQ(pull(&f, 0, MIB, &s, NULL), 0);
	CHECK_EQ(header_active_at(&s, 0), DM / MIB);
	CHECK_EQ(dfill(&f, 0, 2 * 4096, 4096, 0xc1), MVF_DESC_STS_OK);
	TRY(query_inv(&f, 0, &z));
	CHECK_EQ(z.init, init0 - 2 * MIB);
	CHECK_EQ(z.dirty, DEVSEC + 4096);
	CHECK_EQ(z.gen, 0);
	/* Values out of range and the current value change nothing. */
	vf_reg_write(v0, MVF_VF_REG_DEVMEM_ACTIVE, 0);
	vf_reg_write(v0, MVF_VF_REG_DEVMEM_ACTIVE, DM / MIB + 1);
	vf_reg_write(v0, MVF_VF_REG_DEVMEM_ACTIVE, DM / MIB);
	CHECK_EQ(vf_reg_read(v0, MVF_VF_REG_DEVMEM_ACTIVE), DM / MIB);
	CHECK(fx_no_event(&f));
	TRY(query_inv(&f, 0, &y));
	CHECK(y.sc == z.sc && y.init == z.init && y.dirty == z.dirty && y.gen == z.gen);
	/* Shrink to 1 MiB while a section beyond it is being handed out. */
	vf_reg_write(v0, MVF_VF_REG_DEVMEM_ACTIVE, 1);
	CHECK_EQ(vf_reg_read(v0, MVF_VF_REG_DEVMEM_ACTIVE), 1);
	TRY(fx_expect_event(&f, MVF_EVENT_INITIAL_CHANGED, 0, 1));
	CHECK(fx_no_event(&f));	/* not armed: no PRECOPY_DATA */
	TRY(query_inv(&f, 0, &y));
	CHECK_EQ(y.gen, 1);
	CHECK_EQ(y.dirty, 0);
	CHECK_EQ(y.init, 144 + initial_for(1));
	hdr2 = s.len + 144;
	CHECK_EQ(drain(&f, 0, &s), MVF_SAVE_F_EMPTY);
	CHECK_EQ(s.len, hdr2 + initial_for(1));
	CHECK_EQ(header_active_at(&s, hdr2), 1);
	/* Descriptors now stop at 1 MiB. */
	CHECK_EQ(dfill(&f, 0, MIB, 4096, 0xc2), MVF_DESC_STS_DEVMEM_ERR);
	CHECK_EQ(dfill(&f, 0, MIB - 4096, 4097, 0xc2), MVF_DESC_STS_DEVMEM_ERR);
	CHECK(fx_no_event(&f));
	CHECK_EQ(dfill(&f, 0, 5 * 4096, 4096, 0xc3), MVF_DESC_STS_OK);
	TRY(fx_expect_event(&f, MVF_EVENT_PRECOPY_DATA, 0, 0));
	TRY(query_inv(&f, 0, &y));
	CHECK_EQ(y.init, 0);
	CHECK_EQ(y.dirty, DEVSEC + 4096);
	/* REINIT (to 2 MiB) while a dirty section is being handed out: its
	 * rest becomes initial data, dirty_bytes restarts at 0. */
	CHECK_EQ(pull(&f, 0, 100, &s, NULL), 0);
	vf_reg_write(v0, MVF_VF_REG_DEVMEM_ACTIVE, 2);
	TRY(fx_expect_event(&f, MVF_EVENT_INITIAL_CHANGED, 0, 2));
	CHECK(fx_no_event(&f));
	TRY(query_inv(&f, 0, &y));
	CHECK_EQ(y.gen, 2);
	CHECK_EQ(y.dirty, 0);
	CHECK_EQ(y.init, DEVSEC + 4096 - 100 + initial_for(2));
	hdr2 = s.len + DEVSEC + 4096 - 100;
	CHECK_EQ(drain(&f, 0, &s), MVF_SAVE_F_EMPTY);
	CHECK_EQ(s.len, hdr2 + initial_for(2));
	CHECK_EQ(header_active_at(&s, hdr2), 2);
	/* Grow to 3 MiB at a temporary end (armed): initial_bytes jumps from
	 * 0 to the whole new initial data, both events posted. */
	TRY(query_inv(&f, 0, &y));
	CHECK_EQ(y.init, 0);
	CHECK_EQ(y.sc, TAIL);
	hdr3 = s.len;
	vf_reg_write(v0, MVF_VF_REG_DEVMEM_ACTIVE, 3);
	TRY(fx_expect_event(&f, MVF_EVENT_INITIAL_CHANGED, 0, 3));
	TRY(fx_expect_event(&f, MVF_EVENT_PRECOPY_DATA, 0, 0));
	CHECK(fx_no_event(&f));
	TRY(query_inv(&f, 0, &y));
	CHECK_EQ(y.init, initial_for(3));
	CHECK_EQ(y.dirty, 0);
	CHECK_EQ(y.sc, img_full_size(3 * MIB));
	CHECK_EQ(y.gen, 3);
	/* Stream part of it, dirty streamed and unstreamed pages. */
	CHECK_EQ(pull(&f, 0, MIB, &s, NULL), 0);
	CHECK_EQ(header_active_at(&s, hdr3), 3);
	CHECK_EQ(dfill(&f, 0, 4096, 4096, 0xc4), MVF_DESC_STS_OK);
	CHECK_EQ(dfill(&f, 0, 2 * MIB + 4096, 4096, 0xc5), MVF_DESC_STS_OK);
	CHECK(fx_no_event(&f));
	TRY(query_inv(&f, 0, &z));
	CHECK_EQ(z.init, initial_for(3) - MIB);
	CHECK_EQ(z.dirty, DEVSEC + 4096);
	vf_reg_write(v0, MVF_VF_REG_SCRATCH0, 0x600d);
	/* Stop: exactly stop_copy_bytes remain; the generation stays. */
	TRY(fx_stop(&f, 0));
	TRY(query_inv(&f, 0, &z));
	CHECK_EQ(z.gen, 3);
	before = s.len;
	CHECK_EQ(drain(&f, 0, &s), MVF_SAVE_F_END);
	CHECK_EQ(s.len - before, z.sc);
	TRY(query(&f, 0, &y));
	CHECK_EQ(y.gen, 3);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_END, 0, 0, 0, 0, NULL), 0);
	/* Outside a PRECOPY session: 0 again. */
	TRY(query(&f, 0, &y));
	CHECK_EQ(y.gen, 0);
	/* Load into VF1 (DEVMEM_ACTIVE 2, memory 0xee): the last HEADER's
	 * DEVMEM_ACTIVE applies, memory beyond it stays VF1's. */
	memset(v1->devmem, 0xee, DM);
	vf_reg_write(v1, MVF_VF_REG_DEVMEM_ACTIVE, 2);
	CHECK_EQ(vf_reg_read(v1, MVF_VF_REG_DEVMEM_ACTIVE), 2);
	TRY(fx_stop(&f, 1));
	CHECK_EQ(fx_load(&f, 1, s.b, s.len, 300007, &cst), MVF_AQ_STS_OK);
	CHECK_EQ(cst, MVF_AQ_STS_OK);
	CHECK_EQ(vf_reg_read(v1, MVF_VF_REG_DEVMEM_ACTIVE), 3);
	CHECK(!memcmp(v0->devmem, v1->devmem, 3 * MIB));
	for (i = 3 * MIB; i < DM; i++)
		if (v1->devmem[i] != 0xee)
			CHECK_EQ(i, DM);
	regs(v0, r0);
	regs(v1, r1);
	CHECK(!memcmp(r0, r1, sizeof(r0)));
	TRY(same_images(&f, 3 * MIB));
	/* Same stream, one byte at a time through the parser. */
	CHECK_EQ(img_load_start(v1), MVF_AQ_STS_OK);
	for (i = 0; i < s.len; i++)
		CHECK_EQ(img_load_feed(v1->load, s.b + i, 1), MVF_AQ_STS_OK);
	CHECK_EQ(img_load_end(v1), MVF_AQ_STS_OK);
	CHECK(!memcmp(v0->devmem, v1->devmem, 3 * MIB));
	/* initial_gen is per session: a new PRECOPY session starts at 0,
	 * a STOP_COPY session reports 0. */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 0, MVF_SAVE_MODE_STOP_COPY, 0, 0, NULL), 0);
	TRY(query(&f, 0, &y));
	CHECK_EQ(y.gen, 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_END, 0, 0, 0, 0, NULL), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 0, MVF_SUSPEND_FULL, 0, 0, NULL), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 0, MVF_SUSPEND_P2P, 0, 0, NULL), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 0, MVF_SAVE_MODE_PRECOPY, 0, 0, NULL), 0);
	TRY(query_inv(&f, 0, &y));
	CHECK_EQ(y.gen, 0);
	vf_reg_write(v0, MVF_VF_REG_DEVMEM_ACTIVE, 1);
	TRY(query_inv(&f, 0, &y));
	CHECK_EQ(y.gen, 1);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_END, 0, 0, 0, 0, NULL), 0);
	/* Outside a session DEVMEM_ACTIVE changes no generation. */
	vf_reg_write(v0, MVF_VF_REG_DEVMEM_ACTIVE, 2);
	CHECK_EQ(vf_reg_read(v0, MVF_VF_REG_DEVMEM_ACTIVE), 2);
	TRY(query(&f, 0, &y));
	CHECK_EQ(y.gen, 0);
	free(s.b);
	fx_fini(&f);
	return 0;
}

/*
 * DEVMEM_ACTIVE register rules: default all of device memory, range
 * 1..DEVMEM MiB, honoured only while RUNNING with an idle ring, reset by
 * FLR; descriptors beyond the active part fail with DEVMEM_ERR and touch
 * nothing; sizes and images follow the active part.
 */
static int pc_devmem_active_rules(void)
{
	struct mvf_img_header h;
	struct mvf_desc d;
	struct sizes z;
	struct vf *v;
	struct fx f;
	uint8_t *img;
	size_t len;

	TRY(fx_init(&f, DM, false));
	v = &f.dev.vfs[0];
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_DEVMEM_ACTIVE), DM / MIB);
	vf_reg_write(v, MVF_VF_REG_DEVMEM_ACTIVE, 2);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_DEVMEM_ACTIVE), 2);
	TRY(query(&f, 0, &z));
	CHECK_EQ(z.sc, img_full_size(2 * MIB));
	CHECK_EQ(z.init + z.dirty, 0);
	/* Descriptors: inside OK, anything reaching 2 MiB fails. */
	v->devmem[2 * MIB] = 0x5a;
	memset(f.ram + FX_VF_DATA(0), 0x33, 8192);
	fx_ring_setup(&f, 0, 16, 0);
	CHECK_EQ(dfill(&f, 0, 2 * MIB - 4096, 4096, 1), MVF_DESC_STS_OK);
	CHECK_EQ(dfill(&f, 0, 2 * MIB - 4095, 4096, 1), MVF_DESC_STS_DEVMEM_ERR);
	CHECK_EQ(dfill(&f, 0, 2 * MIB, 1, 1), MVF_DESC_STS_DEVMEM_ERR);
	d = fx_desc(MVF_DESC_OP_H2D, 0, 2, fx_iova(FX_VF_DATA(0)), 2 * MIB - 1, 0, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), MVF_DESC_STS_DEVMEM_ERR);
	d = fx_desc(MVF_DESC_OP_D2H, 0, 1, 2 * MIB, fx_iova(FX_VF_DATA(0)), 0, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), MVF_DESC_STS_DEVMEM_ERR);
	d = fx_desc(MVF_DESC_OP_CRC32C, MVF_DESC_F_SRC_DEVMEM, 4096, 2 * MIB, 0, 0, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), MVF_DESC_STS_DEVMEM_ERR);
	d = fx_desc(MVF_DESC_OP_H2D, 0, 8192, fx_iova(FX_VF_DATA(0)), 2 * MIB - 8192, 0, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), MVF_DESC_STS_OK);
	CHECK_EQ(v->devmem[2 * MIB - 1], 0x33);
	CHECK_EQ(v->devmem[2 * MIB], 0x5a);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_LAST_ERR), MVF_DESC_STS_DEVMEM_ERR);
	/* Out of range: ignored. */
	vf_reg_write(v, MVF_VF_REG_DEVMEM_ACTIVE, 0);
	vf_reg_write(v, MVF_VF_REG_DEVMEM_ACTIVE, DM / MIB + 1);
	vf_reg_write(v, MVF_VF_REG_DEVMEM_ACTIVE, 0xffffffff);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_DEVMEM_ACTIVE), 2);
	/* Ring not idle (halted with a descriptor outstanding): ignored. */
	vf_reg_write(v, MVF_VF_REG_RING_SIZE, 0);
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, vf_reg_read(v, MVF_VF_REG_SQ_TAIL) + 1);
	CHECK(vf_reg_read(v, MVF_REG_STATUS) & MVF_VF_STS_HALTED);
	vf_reg_write(v, MVF_VF_REG_DEVMEM_ACTIVE, 3);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_DEVMEM_ACTIVE), 2);
	/* Disabled ring with a doorbell written: still not idle. */
	vf_reg_write(v, MVF_REG_CTRL, 0);
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, 1);
	vf_reg_write(v, MVF_VF_REG_DEVMEM_ACTIVE, 3);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_DEVMEM_ACTIVE), 2);
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, 0);
	/* Quiesced, stopped: ignored. */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_P2P, 0, 0, NULL), 0);
	vf_reg_write(v, MVF_VF_REG_DEVMEM_ACTIVE, 3);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_DEVMEM_ACTIVE), 2);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_FULL, 0, 0, NULL), 0);
	vf_reg_write(v, MVF_VF_REG_DEVMEM_ACTIVE, 3);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_DEVMEM_ACTIVE), 2);
	/* A STOP_COPY image carries the active part only. */
	TRY(fx_save(&f, 0, MIB, &img, &len));
	CHECK_EQ(len, img_full_size(2 * MIB));
	memcpy(&h, img + sizeof(struct mvf_img_sec), sizeof(h));
	CHECK_EQ(le32toh(h.devmem_active), 2);
	CHECK_EQ(le64toh(h.devmem_size), DM);
	free(img);
	/* RUNNING, idle ring (disabled, HEAD == TAIL): honoured. */
	TRY(fx_run(&f, 0));
	vf_reg_write(v, MVF_VF_REG_DEVMEM_ACTIVE, 1);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_DEVMEM_ACTIVE), 1);
	TRY(query(&f, 0, &z));
	CHECK_EQ(z.sc, img_full_size(MIB));
	/* Growing again exposes the memory as it was (not cleared). */
	vf_reg_write(v, MVF_VF_REG_DEVMEM_ACTIVE, 4);
	CHECK_EQ(v->devmem[2 * MIB - 1], 0x33);
	vf_reg_write(v, MVF_VF_REG_DEVMEM_ACTIVE, 1);
	/* FLR: back to all of device memory; memory kept. */
	func_reset(&f.dev.vf_fns[0]);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_DEVMEM_ACTIVE), DM / MIB);
	CHECK_EQ(v->devmem[2 * MIB], 0x5a);
	TRY(query(&f, 0, &z));
	CHECK_EQ(z.sc, img_full_size(DM));
	fx_fini(&f);
	return 0;
}

/* Append a TRAILER for the @n bytes at @b (@nsec sections); new length. */
static size_t seal(uint8_t *b, size_t n, uint32_t nsec)
{
	struct mvf_img_sec sec = { .type = htole32(MVF_IMG_SEC_TRAILER),
				   .flags = 0, .len = htole64(16) };
	struct mvf_img_trailer t = { .crc32c = htole32(crc32c(0, b, n)),
				     .nr_sections = htole32(nsec),
				     .total_len = htole64(n) };

	memcpy(b + n, &sec, sizeof(sec));
	memcpy(b + n + sizeof(sec), &t, sizeof(t));
	return n + sizeof(sec) + sizeof(t);
}

/*
 * The loader: devmem_active checked, DEVMEM sections must lie inside the
 * active part and cover it, a later HEADER discards what was staged, a
 * HEADER after REGS is refused.  VF1 is untouched by every rejection.
 */
static int pc_load_restart_rules(void)
{
	const size_t dsec = DEVSEC + MIB, off_d = HDR_BYTES, off_r = HDR_BYTES + dsec;
	uint8_t *img, *b, *keep;
	struct vf *v0, *v1;
	struct fx f;
	size_t len, n;
	int cst;

	TRY(fx_init(&f, 2 * MIB, false));
	v0 = &f.dev.vfs[0];
	v1 = &f.dev.vfs[1];
	pattern(v0, 5);
	vf_reg_write(v0, MVF_VF_REG_DEVMEM_ACTIVE, 1);
	TRY(fx_stop(&f, 0));
	TRY(fx_save(&f, 0, MIB, &img, &len));	/* H D R T */
	CHECK_EQ(len, off_r + 144 + 32);
	memset(v1->devmem, 0xee, 2 * MIB);
	TRY(fx_stop(&f, 1));
	keep = malloc(2 * MIB);
	b = malloc(3 * len);
	CHECK(keep && b);
	memcpy(keep, v1->devmem, 2 * MIB);
#define LOAD_FAILS(nbytes, want)						\
	do {									\
		CHECK_EQ(fx_load(&f, 1, b, nbytes, 99999, &cst), want);	\
		CHECK(!memcmp(keep, v1->devmem, 2 * MIB));			\
		CHECK_EQ(vf_reg_read(v1, MVF_VF_REG_DEVMEM_ACTIVE), 2);	\
	} while (0)
	/* Refused as soon as the bad section's bytes are in. */
#define FEED_FAILS(nbytes)							\
	do {									\
		CHECK_EQ(img_load_start(v1), MVF_AQ_STS_OK);			\
		CHECK_EQ(img_load_feed(v1->load, b, nbytes), MVF_AQ_STS_IMG_SECTION); \
		img_load_free(v1->load);					\
		v1->load = NULL;						\
	} while (0)
	/* devmem_active 0, beyond device memory, or not covered. */
	memcpy(b, img, len);
	b[48] = 0;
	FEED_FAILS(HDR_BYTES);
	LOAD_FAILS(seal(b, len - 32, 3), MVF_AQ_STS_IMG_SECTION);
	b[48] = 3;
	FEED_FAILS(HDR_BYTES);
	LOAD_FAILS(seal(b, len - 32, 3), MVF_AQ_STS_IMG_SECTION);
	b[48] = 2;	/* 2 MiB active, 1 MiB carried */
	LOAD_FAILS(seal(b, len - 32, 3), MVF_AQ_STS_IMG_SECTION);
	b[48] = 1;
	CHECK_EQ(b[49] | b[50] | b[51], 0);
	/* rsvd0 nonzero. */
	b[52] = 1;
	LOAD_FAILS(seal(b, len - 32, 3), MVF_AQ_STS_IMG_SECTION);
	b[52] = 0;
	/* A DEVMEM section beyond the active part is refused at once. */
	b[off_d + 16 + 2] = 0x10;	/* offset 1 MiB */
	FEED_FAILS(off_d + DEVSEC);
	b[off_d + 16 + 2] = 0;
	/* H D H R T: the second HEADER discarded the pages. */
	memcpy(b, img, off_r);
	memcpy(b + off_r, img, HDR_BYTES);
	memcpy(b + off_r + HDR_BYTES, img + off_r, 144);
	LOAD_FAILS(seal(b, off_r + HDR_BYTES + 144, 4), MVF_AQ_STS_IMG_SECTION);
	/* H D R H T: no HEADER after REGS (refused at its section header). */
	memcpy(b, img, off_r + 144);
	memcpy(b + off_r + 144, img, HDR_BYTES);
	CHECK_EQ(img_load_start(v1), MVF_AQ_STS_OK);
	CHECK_EQ(img_load_feed(v1->load, b, off_r + 144 + 15), MVF_AQ_STS_OK);
	CHECK_EQ(img_load_feed(v1->load, b + off_r + 144 + 15, 1), MVF_AQ_STS_IMG_SECTION);
	img_load_free(v1->load);
	v1->load = NULL;
	LOAD_FAILS(seal(b, off_r + 144 + HDR_BYTES, 4), MVF_AQ_STS_IMG_SECTION);
	/* H D' H D R T with D' garbage: loads, D' leaves no trace; the
	 * trailer counts every section and covers every byte. */
	memcpy(b, img, off_r);
	memset(b + off_d + DEVSEC, 0x77, MIB);
	memcpy(b + off_r, img, off_r);
	memcpy(b + 2 * off_r, img + off_r, 144);
	n = 2 * off_r + 144;
	LOAD_FAILS(seal(b, n, 4), MVF_AQ_STS_IMG_SECTION);	/* nr_sections */
	n = seal(b, n, 5);
	CHECK_EQ(fx_load(&f, 1, b, n, 77777, &cst), MVF_AQ_STS_OK);
	CHECK(!memcmp(v0->devmem, v1->devmem, MIB));
	CHECK(!memcmp(keep + MIB, v1->devmem + MIB, MIB));
	CHECK_EQ(vf_reg_read(v1, MVF_VF_REG_DEVMEM_ACTIVE), 1);
	free(img);
	free(b);
	free(keep);
	fx_fini(&f);
	return 0;
}

const struct test precopy_tests[] = {
	{ "pc_initial_countdown", pc_initial_countdown },
	{ "pc_precopy_data_event_once", pc_precopy_data_event_once },
	{ "pc_reinit_devmem_active", pc_reinit_devmem_active },
	{ "pc_devmem_active_rules", pc_devmem_active_rules },
	{ "pc_load_restart_rules", pc_load_restart_rules },
	{ NULL, NULL },
};
