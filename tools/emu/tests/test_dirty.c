// SPDX-License-Identifier: GPL-2.0
/*
 * DMA dirty tracking: DIRTY_START/REPORT/STOP validation (one exact status
 * per rule), exact reports of what a VF ring workload wrote, every page
 * size, several ranges, sub-range reports, tracker failures and their
 * event, the memory budget, reset behaviour, the test-only fault plan, and
 * a randomized check of the tracker's bit arithmetic against a model.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../dirty.h"
#include "fixture.h"
#include "test.h"

#define KIB		(1ull << 10)
#define MIB		(1ull << 20)
#define GIB		(1ull << 30)
#define RANGES		fx_iova(FX_PF_BUF)
#define BM_OFF		FX_PF_CHUNK		/* report bitmaps land here */
#define BM		fx_iova(BM_OFF)
#define RAM_LO		fx_iova(0)
#define DATA		FX_VF_DATA(0)
#define HIOVA		0x80000000ull	/* a backing file the client shrinks */

/* DIRTY_START on @vf with @n ranges (written at RANGES), buf_len n * 16. */
static int start(struct fx *f, uint16_t vf, uint32_t shift,
		 const struct dirty_range *r, unsigned int n)
{
	struct mvf_dirty_range *w = (struct mvf_dirty_range *)(f->ram + FX_PF_BUF);
	unsigned int i;

	for (i = 0; i < n; i++) {
		w[i].iova = htole64(r[i].iova);
		w[i].length = htole64(r[i].len);
	}
	return fx_aq(f, MVF_AQ_OP_DIRTY_START, vf, shift, RANGES,
		     n * (uint32_t)sizeof(*w), NULL);
}

static int start1(struct fx *f, uint16_t vf, uint32_t shift, uint64_t iova,
		  uint64_t len)
{
	struct dirty_range r = { iova, len };

	return start(f, vf, shift, &r, 1);
}

/* DIRTY_REPORT of [iova, iova + len) into BM; *@count = result0. */
static int report_buf(struct fx *f, uint16_t vf, uint32_t shift, uint64_t iova,
		      uint64_t len, uint64_t buf, uint32_t buf_len,
		      uint32_t *count)
{
	struct mvf_aq_cmd cmd = fx_cmd(MVF_AQ_OP_DIRTY_REPORT, vf, shift, buf, buf_len);
	struct mvf_aq_cpl cpl;
	int st;

	cmd.arg1 = htole64(iova);
	cmd.arg2 = htole64(len);
	st = fx_aq_cmd(f, &cmd, &cpl);
	if (count)
		*count = le32toh(cpl.result0);
	return st;
}

/* Words a report of @len bytes at @shift needs, in bytes. */
static uint32_t bm_bytes(uint32_t shift, uint64_t len)
{
	return (uint32_t)(((len >> shift) + 63) / 64 * 8);
}

static int report(struct fx *f, uint16_t vf, uint32_t shift, uint64_t iova,
		  uint64_t len, uint32_t *count)
{
	return report_buf(f, vf, shift, iova, len, BM, bm_bytes(shift, len), count);
}

static bool bm_bit(const struct fx *f, uint64_t i)
{
	uint64_t w;

	memcpy(&w, f->ram + BM_OFF + i / 64 * 8, 8);
	return (le64toh(w) >> (i % 64)) & 1;
}

/* Expected dirty pages of one report range: one byte per page. */
struct model {
	uint64_t iova, len;
	uint32_t shift;
	uint8_t *pg;
};

static int model_init(struct model *m, uint32_t shift, uint64_t iova, uint64_t len)
{
	m->iova = iova;
	m->len = len;
	m->shift = shift;
	m->pg = calloc(len >> shift, 1);
	return m->pg ? 0 : -1;
}

/* The device wrote [iova, iova + len): mark the pages inside the model. */
static void model_write(struct model *m, uint64_t iova, uint64_t len)
{
	uint64_t a;

	for (a = iova & ~((1ull << m->shift) - 1); a < iova + len; a += 1ull << m->shift)
		if (a >= m->iova && a - m->iova < m->len)
			m->pg[(a - m->iova) >> m->shift] = 1;
}

/* Report the model's range and compare every bit, then clear the model. */
static int model_check(struct fx *f, uint16_t vf, struct model *m)
{
	uint64_t i, n = m->len >> m->shift, want = 0;
	uint32_t count;

	memset(f->ram + BM_OFF, 0xee, bm_bytes(m->shift, m->len));
	CHECK_EQ(report(f, vf, m->shift, m->iova, m->len, &count), 0);
	for (i = 0; i < n; i++) {
		if (bm_bit(f, i) != m->pg[i]) {
			printf("# page %llu (IOVA 0x%llx): reported %d, expected %d\n",
			       (unsigned long long)i,
			       (unsigned long long)(m->iova + (i << m->shift)),
			       bm_bit(f, i), m->pg[i]);
			return -1;
		}
		want += m->pg[i];
	}
	for (; i % 64; i++)
		CHECK(!bm_bit(f, i));	/* unused bits of the last word */
	CHECK_EQ(count, want);
	memset(m->pg, 0, n);
	return 0;
}

static void model_fini(struct model *m)
{
	free(m->pg);
}

/* Run @d on VF 0's ring, mirror its host writes (and the completion's) in @m. */
static int run_logged(struct fx *f, struct model *m, struct mvf_desc d)
{
	uint32_t idx = f->dev.vfs[0].r.sq_tail, size = f->dev.vfs[0].r.ring_size;
	uint64_t dst = le64toh(d.dst);
	int st = fx_run_desc(f, 0, &d);

	if (st == MVF_DESC_STS_OK &&
	    (d.opcode == MVF_DESC_OP_COPY || d.opcode == MVF_DESC_OP_FILL ||
	     d.opcode == MVF_DESC_OP_D2H))
		model_write(m, dst, le32toh(d.len));
	model_write(m, fx_iova(FX_VF_CQ(0)) + (idx & (size - 1)) * 16, 16);
	return st;
}

static int dirty_identify_limits(void)
{
	struct mvf_identify id;
	struct fx f;

	TRY(fx_init(&f, 1 << 20, false));
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_IDENTIFY, 0, 0, RANGES, 64, NULL), 0);
	memcpy(&id, f.ram + FX_PF_BUF, sizeof(id));
	CHECK_EQ(le32toh(id.dirty_max_ranges), 8);
	CHECK_EQ(le32toh(id.dirty_pgsizes), 0x7ffff000);	/* 4 KiB .. 1 GiB */
	CHECK_EQ(le32toh(id.max_chunk), 1 << 20);
	fx_fini(&f);
	return 0;
}

static int dirty_start_validation(void)
{
	struct mvf_aq_cmd cmd;
	struct dirty_range r[9];
	struct fx f;
	unsigned int i;

	TRY(fx_init(&f, 1 << 20, false));
	/* Page shift: bits 12..30 only. */
	CHECK_EQ(start1(&f, 0, 11, 0, 1 << 20), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(start1(&f, 0, 31, 0, 1ull << 31), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(start1(&f, 0, 32, 0, 1ull << 32), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(start1(&f, 0, 0xffffffff, 0, 4096), MVF_AQ_STS_BAD_PARAM);
	/* buf_len: 1..8 whole ranges. */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_DIRTY_START, 0, 12, RANGES, 0, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_DIRTY_START, 0, 12, RANGES, 15, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_DIRTY_START, 0, 12, RANGES, 17, NULL), MVF_AQ_STS_BAD_PARAM);
	for (i = 0; i < 9; i++) {
		r[i].iova = i * 2 * MIB;
		r[i].len = MIB;
	}
	CHECK_EQ(start(&f, 0, 12, r, 9), MVF_AQ_STS_BAD_PARAM);
	/* Unreadable range list. */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_DIRTY_START, 0, 12, 0x1000, 16, NULL), MVF_AQ_STS_DMA_ERR);
	/* Each range non-empty, aligned, not wrapping. */
	CHECK_EQ(start1(&f, 0, 12, 0, 0), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(start1(&f, 0, 12, 0x800, 4096), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(start1(&f, 0, 12, 0, 4095), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(start1(&f, 0, 21, 4096, 2 * MIB), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(start1(&f, 0, 21, 0, 2 * MIB + 4096), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(start1(&f, 0, 12, ~0ull - 4095, 8192), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(start1(&f, 0, 12, ~0ull - 4095, 4096), MVF_AQ_STS_BAD_PARAM);	/* ends at 2^64 */
	/* Sorted, not overlapping (adjacent is fine). */
	r[0] = (struct dirty_range){ 4 * MIB, MIB };
	r[1] = (struct dirty_range){ 0, MIB };
	CHECK_EQ(start(&f, 0, 12, r, 2), MVF_AQ_STS_BAD_PARAM);
	r[0] = (struct dirty_range){ 0, 2 * MIB };
	r[1] = (struct dirty_range){ MIB, 2 * MIB };
	CHECK_EQ(start(&f, 0, 12, r, 2), MVF_AQ_STS_BAD_PARAM);
	r[1] = (struct dirty_range){ 0, 2 * MIB };
	CHECK_EQ(start(&f, 0, 12, r, 2), MVF_AQ_STS_BAD_PARAM);	/* same start */
	CHECK(!f.dev.vfs[0].tracker);
	/* arg1/arg2 belong to DIRTY_REPORT only. */
	cmd = fx_cmd(MVF_AQ_OP_DIRTY_START, 0, 12, RANGES, 16);
	cmd.arg1 = htole64(1);
	CHECK_EQ(fx_aq_cmd(&f, &cmd, NULL), MVF_AQ_STS_BAD_PARAM);
	cmd.opcode = MVF_AQ_OP_IDENTIFY;
	cmd.buf_len = htole32(64);
	cmd.arg1 = 0;
	cmd.arg2 = htole64(1);
	CHECK_EQ(fx_aq_cmd(&f, &cmd, NULL), MVF_AQ_STS_BAD_PARAM);
	cmd.opcode = MVF_AQ_OP_DIRTY_STOP;
	CHECK_EQ(fx_aq_cmd(&f, &cmd, NULL), MVF_AQ_STS_BAD_PARAM);
	cmd.opcode = MVF_AQ_OP_SAVE_END;
	CHECK_EQ(fx_aq_cmd(&f, &cmd, NULL), MVF_AQ_STS_BAD_PARAM);
	/* Bad VF. */
	CHECK_EQ(start1(&f, 2, 12, 0, 4096), MVF_AQ_STS_BAD_VF);
	/* Good: adjacent ranges, then BUSY (before any parameter check). */
	r[0] = (struct dirty_range){ 0, 4 * GIB };
	r[1] = (struct dirty_range){ 4 * GIB, 4096 };
	CHECK_EQ(start(&f, 0, 12, r, 2), 0);
	CHECK_EQ(start(&f, 0, 12, r, 2), MVF_AQ_STS_BUSY);
	CHECK_EQ(start1(&f, 0, 11, 0, 0), MVF_AQ_STS_BUSY);
	CHECK_EQ(start1(&f, 1, 12, 0, 4096), 0);	/* one tracker per VF */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_DIRTY_STOP, 0, 0, 0, 0, NULL), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_DIRTY_STOP, 0, 0, 0, 0, NULL), MVF_AQ_STS_NO_SESSION);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_DIRTY_STOP, 1, 0, 0, 0, NULL), 0);
	/* Memory: directories beyond the budget. */
	f.dev.pf.dirty.budget = 0;
	CHECK_EQ(start1(&f, 0, 12, 0, 4096), MVF_AQ_STS_NO_MEMORY);
	f.dev.pf.dirty.budget = DIRTY_BUDGET_DEFAULT;
	CHECK_EQ(start1(&f, 0, 12, 0, 1ull << 63), MVF_AQ_STS_NO_MEMORY);
	CHECK_EQ(start1(&f, 0, 12, 0, ~0ull - 4095), MVF_AQ_STS_NO_MEMORY);
	CHECK(!f.dev.vfs[0].tracker);
	fx_fini(&f);
	return 0;
}

static int dirty_report_validation(void)
{
	struct dirty_range r[3] = {
		{ RAM_LO, 8 * MIB }, { RAM_LO + 8 * MIB, 8 * MIB }, { RAM_LO + 20 * MIB, 4 * MIB },
	};
	uint32_t count;
	struct fx f;

	TRY(fx_init(&f, 1 << 20, false));
	CHECK_EQ(report(&f, 0, 12, RAM_LO, MIB, NULL), MVF_AQ_STS_NO_SESSION);
	CHECK_EQ(start(&f, 0, 12, r, 3), 0);
	CHECK_EQ(report(&f, 1, 12, RAM_LO, MIB, NULL), MVF_AQ_STS_NO_SESSION);
	CHECK_EQ(report(&f, 0, 12, RAM_LO, MIB, &count), 0);
	CHECK_EQ(count, 0);
	/* Shift must be the tracker's. */
	CHECK_EQ(report(&f, 0, 13, RAM_LO, MIB, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(report(&f, 0, 99, RAM_LO, MIB, NULL), MVF_AQ_STS_BAD_PARAM);
	/* Range: aligned, non-empty, inside the tracked ranges. */
	CHECK_EQ(report(&f, 0, 12, RAM_LO + 1, MIB, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(report(&f, 0, 12, RAM_LO, MIB + 1, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(report(&f, 0, 12, RAM_LO, 0, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(report(&f, 0, 12, RAM_LO - 4096, MIB, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(report(&f, 0, 12, RAM_LO + 16 * MIB, 4096, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(report(&f, 0, 12, RAM_LO + 12 * MIB, 12 * MIB, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(report(&f, 0, 12, RAM_LO + 20 * MIB, 4 * MIB + 4096, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(report(&f, 0, 12, ~0ull - 4095, 8192, NULL), MVF_AQ_STS_BAD_PARAM);
	/* Spanning two adjacent ranges is inside them. */
	CHECK_EQ(report(&f, 0, 12, RAM_LO + 4 * MIB, 8 * MIB, NULL), 0);
	/* buf_len: at least the bitmap, at most max_chunk. */
	CHECK_EQ(report_buf(&f, 0, 12, RAM_LO, 16 * MIB, BM, 511, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(report_buf(&f, 0, 12, RAM_LO, 16 * MIB, BM, 512, NULL), 0);
	CHECK_EQ(report_buf(&f, 0, 12, RAM_LO, 4096, BM, 7, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(report_buf(&f, 0, 12, RAM_LO, 4096, BM, 8, NULL), 0);
	CHECK_EQ(report_buf(&f, 0, 12, RAM_LO, 4096, BM, (1 << 20) + 1, NULL),
		 MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(report_buf(&f, 0, 12, RAM_LO, 4096, BM, 1 << 20, NULL), 0);
	/* A bitmap beyond max_chunk cannot be asked for: split the range. */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_DIRTY_STOP, 0, 0, 0, 0, NULL), 0);
	CHECK_EQ(start1(&f, 0, 12, 0, 64 * GIB), 0);
	CHECK_EQ(report_buf(&f, 0, 12, 0, 32 * GIB, BM, 1 << 20, NULL), 0);
	CHECK_EQ(report_buf(&f, 0, 12, 0, 32 * GIB + 4096, BM, 1 << 20, NULL),
		 MVF_AQ_STS_BAD_PARAM);
	/* Unwritable bitmap buffer. */
	CHECK_EQ(report_buf(&f, 0, 12, 0, MIB, 0x1000, 4096, NULL), MVF_AQ_STS_DMA_ERR);
	fx_fini(&f);
	return 0;
}

/*
 * A ring workload with every kind of write, read and failure: the report
 * holds exactly the pages written (data destinations and completion
 * entries) and nothing else; a second report holds nothing.
 */
static int dirty_ring_workload_exact(void)
{
	struct model m;
	struct fx f;
	uint32_t i;

	TRY(fx_init(&f, 1 << 20, true));	/* per-page maps, like a vIOMMU */
	TRY(model_init(&m, 12, RAM_LO, FX_RAM_SIZE));
	fx_ring_setup(&f, 0, 16, 0);
	CHECK_EQ(start1(&f, 0, 12, RAM_LO, FX_RAM_SIZE), 0);
	CHECK_EQ(model_check(&f, 0, &m), 0);	/* nothing yet */
	CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_FILL, 0, 100, 0, fx_iova(DATA + 0xff0), 7, 0)), 0);
	CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_FILL, 0, 3 * 4096 + 1, 0, fx_iova(DATA + 0x10000), 7, 0)), 0);
	CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_COPY, 0, 8192, fx_iova(DATA + 0x200000),
					      fx_iova(DATA + 0x300005), 0, 0)), 0);
	CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_H2D, 0, 8192, fx_iova(DATA + 0x400000), 0, 0, 0)), 0);
	CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_D2H, 0, 8192, 0, fx_iova(DATA + 0x500000), 0, 0)), 0);
	CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_CRC32C, 0, 4096, fx_iova(DATA + 0x600000), 0, 0, 0)), 0);
	CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_DFILL, 0, 4096, 0, 0, 1, 0)), 0);
	/* A failing descriptor writes (and dirties) nothing but its completion. */
	CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_FILL, 0, 64, 0, 0x1000, 7, 0)),
		 MVF_DESC_STS_DMA_ERR);
	CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_COPY, 0, 64, 0x1000, fx_iova(DATA + 0x700000), 0, 0)),
		 MVF_DESC_STS_DMA_ERR);
	CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_NOP, 0, 0, 0, 0, 0, 0)), 0);
	/* Wrap the 16-entry ring: completions keep landing in one CQ page. */
	for (i = 0; i < 20; i++)
		CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_FILL, 0, 8, 0,
						      fx_iova(DATA + 0x800000 + i * 0x3000), i, 0)), 0);
	CHECK_EQ(model_check(&f, 0, &m), 0);
	CHECK_EQ(model_check(&f, 0, &m), 0);	/* report-and-clear: now empty */
	CHECK(!f.dev.vfs[1].tracker);
	model_fini(&m);
	fx_fini(&f);
	return 0;
}

/* Reads dirty nothing: only the completion ring page shows up. */
static int dirty_reads_only_ring(void)
{
	uint64_t cq_page = (fx_iova(FX_VF_CQ(0)) - RAM_LO) / 4096;
	uint32_t count, i;
	struct fx f;

	TRY(fx_init(&f, 1 << 20, false));
	fx_ring_setup(&f, 0, 16, 0);
	CHECK_EQ(start1(&f, 0, 12, RAM_LO, FX_RAM_SIZE), 0);
	{
		struct mvf_desc d1 = fx_desc(MVF_DESC_OP_H2D, 0, MIB, fx_iova(DATA), 0, 0, 0);
		struct mvf_desc d2 = fx_desc(MVF_DESC_OP_CRC32C, 0, MIB, fx_iova(DATA), 0, 0, 0);

		CHECK_EQ(fx_run_desc(&f, 0, &d1), 0);
		CHECK_EQ(fx_run_desc(&f, 0, &d2), 0);
	}
	CHECK_EQ(report(&f, 0, 12, RAM_LO, FX_RAM_SIZE, &count), 0);
	CHECK_EQ(count, 1);
	CHECK(bm_bit(&f, cq_page));
	for (i = 0; i < FX_RAM_SIZE / 4096; i++)
		CHECK(i == cq_page || !bm_bit(&f, i));
	fx_fini(&f);
	return 0;
}

/* Every supported page size, 4 KiB .. 1 GiB, over [0, 4 GiB). */
static int dirty_every_page_size(void)
{
	struct model m;
	struct fx f;
	uint32_t shift;

	TRY(fx_init(&f, 1 << 20, false));
	fx_ring_setup(&f, 0, 16, 0);
	for (shift = 12; shift <= 30; shift++) {
		TRY(model_init(&m, shift, 0, 4 * GIB));
		CHECK_EQ(start1(&f, 0, shift, 0, 4 * GIB), 0);
		CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_FILL, 0, 1, 0,
						      fx_iova(DATA + 0x12345), 1, 0)), 0);
		CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_FILL, 0, 4 * MIB, 0,
						      fx_iova(DATA + 2 * MIB - 4096), 1, 0)), 0);
		CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_D2H, 0, 4096, 0,
						      fx_iova(FX_RAM_SIZE - 4096), 0, 0)), 0);
		CHECK_EQ(model_check(&f, 0, &m), 0);
		CHECK_EQ(model_check(&f, 0, &m), 0);
		CHECK_EQ(fx_aq(&f, MVF_AQ_OP_DIRTY_STOP, 0, 0, 0, 0, NULL), 0);
		model_fini(&m);
	}
	fx_fini(&f);
	return 0;
}

/* Eight ranges (QEMU-like plus small ones), sub-range reports at any page. */
static int dirty_ranges_and_subranges(void)
{
	struct dirty_range r[8];
	struct model m;
	uint32_t count, i;
	struct fx f;

	TRY(fx_init(&f, 1 << 20, false));
	fx_ring_setup(&f, 0, 16, 0);
	r[0] = (struct dirty_range){ 0, RAM_LO + 4 * MIB };	/* 32-bit low part */
	for (i = 1; i < 7; i++)
		r[i] = (struct dirty_range){ RAM_LO + (4 + 4 * (i - 1)) * MIB + 4096,
					    4 * MIB - 4096 };	/* 1-page holes */
	r[7] = (struct dirty_range){ 64 * GIB, 32 * GIB };	/* a 64-bit hole */
	CHECK_EQ(start(&f, 0, 12, r, 8), 0);
	TRY(model_init(&m, 12, RAM_LO, FX_RAM_SIZE));
	for (i = 0; i < 40; i++)
		CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_FILL, 0, 5000, 0,
						      fx_iova(DATA + (5 + i * 37) * 4096), 1, 0)), 0);
	/* Whole ranges one by one. */
	for (i = 1; i < 7; i++) {
		struct model s = { .iova = r[i].iova, .len = r[i].len, .shift = 12 };

		s.pg = m.pg + ((r[i].iova - RAM_LO) >> 12);
		CHECK_EQ(model_check(&f, 0, &s), 0);
	}
	/* Sub-ranges at odd pages of range 0, across bitmap words. */
	{
		struct model s = { .iova = RAM_LO + 3 * 4096, .len = 77 * 4096, .shift = 12 };

		s.pg = m.pg + 3;
		CHECK_EQ(model_check(&f, 0, &s), 0);
		s.iova = RAM_LO;
		s.len = 4 * MIB;
		s.pg = m.pg;
		CHECK_EQ(model_check(&f, 0, &s), 0);
	}
	/* The hole: nothing, and writes into it (none here) would show. */
	CHECK_EQ(report(&f, 0, 12, 64 * GIB + 4096 * 5, 16 * GIB, &count), 0);
	CHECK_EQ(count, 0);
	/* A write into a 1-page gap between ranges fails the tracker. */
	CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_FILL, 0, 1, 0, r[2].iova - 4096, 1, 0)), 0);
	CHECK_EQ(report(&f, 0, 12, r[2].iova, 4096, NULL), MVF_AQ_STS_TRACKER_ERR);
	model_fini(&m);
	fx_fini(&f);
	return 0;
}

/* Words of a report at odd pages, spanning ranges: against the model. */
static int dirty_report_spans_adjacent_ranges(void)
{
	struct dirty_range r[3] = {
		{ RAM_LO, 3 * 4096 }, { RAM_LO + 3 * 4096, 130 * 4096 },
		{ RAM_LO + 133 * 4096, 8 * MIB },
	};
	struct model m, s;
	struct fx f;
	uint32_t i;

	TRY(fx_init(&f, 1 << 20, false));
	fx_ring_setup(&f, 0, 16, 0);
	CHECK_EQ(start(&f, 0, 12, r, 3), 0);
	TRY(model_init(&m, 12, RAM_LO, 133 * 4096 + 8 * MIB));
	for (i = 0; i < 64; i++)
		CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_FILL, 0, 1, 0,
						      RAM_LO + (i * 29 % 2181) * 4096, 1, 0)), 0);
	s = m;
	s.iova = RAM_LO + 4096;
	s.len = 200 * 4096;
	s.pg = m.pg + 1;
	CHECK_EQ(model_check(&f, 0, &s), 0);
	CHECK_EQ(model_check(&f, 0, &m), 0);
	model_fini(&m);
	fx_fini(&f);
	return 0;
}

/* The last pages below 2^64 are trackable (blocks on absolute pages). */
static int dirty_top_of_iova_space(void)
{
	uint64_t top = ~0ull - 2 * MIB + 1;	/* the last 2 MiB */
	struct dirty_range r = { top, 2 * MIB - 4096 };
	struct mvf_desc d;
	uint32_t count;
	struct fx f;

	TRY(fx_init(&f, 1 << 20, false));
	fx_ring_setup(&f, 0, 16, 0);
	CHECK_EQ(dma_map(&f.dev.vf_fns[0].dma, top, 2 * MIB - 4096,
			 DMA_PROT_READ | DMA_PROT_WRITE, f.memfd, 0), 0);
	CHECK_EQ(start(&f, 0, 12, (struct dirty_range[]){ { RAM_LO, FX_RAM_SIZE }, r }, 2), 0);
	d = fx_desc(MVF_DESC_OP_FILL, 0, 8192, 0, top + 2 * MIB - 3 * 4096, 1, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);
	CHECK_EQ(report(&f, 0, 12, top, 2 * MIB - 4096, &count), 0);
	CHECK_EQ(count, 2);
	CHECK(bm_bit(&f, 509) && bm_bit(&f, 510) && !bm_bit(&f, 508));
	CHECK_EQ(report(&f, 0, 12, top + 2 * MIB - 8192, 8192, NULL), MVF_AQ_STS_BAD_PARAM);
	fx_fini(&f);
	return 0;
}

/* A write outside every range: written anyway, event once, TRACKER_ERR
 * until STOP, a new START works again. */
static int dirty_outside_range_fails_tracker(void)
{
	struct mvf_desc d;
	uint32_t count;
	struct fx f;

	TRY(fx_init(&f, 1 << 20, false));
	TRY(fx_eq_enable(&f));
	fx_ring_setup(&f, 0, 16, 0);
	/* Ring and the first MiB of data tracked, the rest not. */
	CHECK_EQ(start1(&f, 0, 12, RAM_LO, DATA + MIB), 0);
	d = fx_desc(MVF_DESC_OP_FILL, 0, 16, 0, fx_iova(DATA + 0x1000), 0x4141414141414141ull, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);
	CHECK(fx_no_event(&f));
	d = fx_desc(MVF_DESC_OP_FILL, 0, 16, 0, fx_iova(DATA + MIB - 8), 0x4242424242424242ull, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);	/* straddles the end */
	CHECK_EQ(f.ram[DATA + MIB + 7], 0x42);	/* the write still happened */
	TRY(fx_expect_event(&f, MVF_EVENT_TRACKER_ERROR, 0, MVF_DIRTY_ERR_RANGE));
	d = fx_desc(MVF_DESC_OP_FILL, 0, 16, 0, fx_iova(DATA + 2 * MIB), 0x43, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);
	CHECK(fx_no_event(&f));			/* posted once */
	CHECK_EQ(report(&f, 0, 12, RAM_LO, MIB, NULL), MVF_AQ_STS_TRACKER_ERR);
	CHECK_EQ(report(&f, 0, 13, RAM_LO, 0, NULL), MVF_AQ_STS_TRACKER_ERR);
	CHECK_EQ(start1(&f, 0, 12, RAM_LO, FX_RAM_SIZE), MVF_AQ_STS_BUSY);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_DIRTY_STOP, 0, 0, 0, 0, NULL), 0);
	CHECK_EQ(report(&f, 0, 12, RAM_LO, MIB, NULL), MVF_AQ_STS_NO_SESSION);
	CHECK_EQ(start1(&f, 0, 12, RAM_LO, FX_RAM_SIZE), 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);
	CHECK_EQ(report(&f, 0, 12, RAM_LO, FX_RAM_SIZE, &count), 0);
	CHECK_EQ(count, 2);			/* data page and CQ page */
	CHECK(fx_no_event(&f));
	fx_fini(&f);
	return 0;
}

/* Budget: one block beyond the directory; a second block fails with NOMEM. */
static int dirty_budget_exhausted(void)
{
	struct mvf_desc d;
	struct fx f;

	TRY(fx_init(&f, 1 << 20, false));
	TRY(fx_eq_enable(&f));
	fx_ring_setup(&f, 0, 16, 0);
	/* [0, 4 GiB) at 4 KiB: 32 blocks, 256 bytes of directory. */
	f.dev.pf.dirty.budget = 256 + DIRTY_BLOCK_BYTES;
	CHECK_EQ(start1(&f, 0, 12, 0, 4 * GIB), 0);
	CHECK_EQ(dirty_mem(f.dev.vfs[0].tracker), 256);
	/* Ring and data in the same 128 MiB block (RAM is at 256 MiB). */
	d = fx_desc(MVF_DESC_OP_FILL, 0, 16, 0, fx_iova(DATA), 1, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);
	CHECK_EQ(dirty_mem(f.dev.vfs[0].tracker), 256 + DIRTY_BLOCK_BYTES);
	CHECK(fx_no_event(&f));
	/* A block a report took is reused, not allocated again. */
	TRY(report(&f, 0, 12, 0, 4 * GIB, NULL));
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);
	CHECK_EQ(dirty_mem(f.dev.vfs[0].tracker), 256 + DIRTY_BLOCK_BYTES);
	/* A VF write at 3 GiB needs a second block: map a page there. */
	CHECK_EQ(dma_map(&f.dev.vf_fns[0].dma, 3 * GIB, 4096, DMA_PROT_READ | DMA_PROT_WRITE,
			 f.memfd, FX_RAM_SIZE - 4096), 0);
	d = fx_desc(MVF_DESC_OP_FILL, 0, 16, 0, 3 * GIB, 0x44, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);
	CHECK_EQ(f.ram[FX_RAM_SIZE - 4096], 0x44);
	TRY(fx_expect_event(&f, MVF_EVENT_TRACKER_ERROR, 0, MVF_DIRTY_ERR_NOMEM));
	CHECK_EQ(report(&f, 0, 12, 0, 4 * GIB, NULL), MVF_AQ_STS_TRACKER_ERR);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_DIRTY_STOP, 0, 0, 0, 0, NULL), 0);
	fx_fini(&f);
	return 0;
}

/* 64 GiB at 4 KiB starts with a 4 KiB directory and grows per block. */
static int dirty_sparse_range_is_cheap(void)
{
	struct mvf_desc d;
	uint32_t count;
	struct fx f;

	TRY(fx_init(&f, 1 << 20, false));
	fx_ring_setup(&f, 0, 16, 0);
	CHECK_EQ(start1(&f, 0, 12, 0, 64 * GIB), 0);
	CHECK_EQ(dirty_mem(f.dev.vfs[0].tracker), 512 * 8);
	CHECK_EQ(report(&f, 0, 12, 0, 4 * GIB, &count), 0);
	CHECK_EQ(count, 0);
	CHECK_EQ(dirty_mem(f.dev.vfs[0].tracker), 512 * 8);	/* reports allocate nothing */
	d = fx_desc(MVF_DESC_OP_FILL, 0, 16, 0, fx_iova(DATA), 1, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);
	CHECK_EQ(dirty_mem(f.dev.vfs[0].tracker), 512 * 8 + DIRTY_BLOCK_BYTES);
	CHECK_EQ(report(&f, 0, 12, 0, 4 * GIB, &count), 0);
	CHECK_EQ(count, 2);
	fx_fini(&f);
	return 0;
}

/*
 * A bitmap that cannot be written loses no dirty bit, also when the
 * write faults part way (the client shrank the backing file); a VF write
 * that faults part way may have stored bytes, so it is logged.
 */
static int dirty_dma_faults_lose_nothing(void)
{
	struct dirty_range r[2] = { { RAM_LO, FX_RAM_SIZE }, { HIOVA, MIB } };
	uint32_t rw = DMA_PROT_READ | DMA_PROT_WRITE;
	struct model m, h;
	struct mvf_desc d;
	struct fx f;
	int fd;

	TRY(fx_init(&f, 1 << 20, false));
	fx_ring_setup(&f, 0, 16, 0);
	TRY(model_init(&m, 12, RAM_LO, FX_RAM_SIZE));
	TRY(model_init(&h, 12, HIOVA, MIB));
	fd = memfd_create("hostile", MFD_CLOEXEC);
	CHECK(fd >= 0 && ftruncate(fd, MIB) == 0);
	CHECK_EQ(dma_map(&f.dev.pf_fn.dma, HIOVA, MIB, rw, fd, 0), 0);
	CHECK_EQ(dma_map(&f.dev.vf_fns[0].dma, HIOVA, MIB, rw, fd, 0), 0);
	CHECK_EQ(start(&f, 0, 12, r, 2), 0);
	CHECK_EQ(run_logged(&f, &m, fx_desc(MVF_DESC_OP_FILL, 0, 99999, 0, fx_iova(DATA + 5), 1, 0)), 0);
	CHECK_EQ(report_buf(&f, 0, 12, RAM_LO, FX_RAM_SIZE, 0x1000, 4096, NULL), MVF_AQ_STS_DMA_ERR);
	/* Straddling the end of the PF's DMA space. */
	CHECK_EQ(report_buf(&f, 0, 12, RAM_LO, FX_RAM_SIZE,
			    fx_iova(FX_RAM_SIZE - 512), 1024, NULL), MVF_AQ_STS_DMA_ERR);
	/* Faulting after 512 of its 1024 bytes. */
	CHECK(ftruncate(fd, 4096) == 0);
	CHECK_EQ(report_buf(&f, 0, 12, RAM_LO, FX_RAM_SIZE, HIOVA + 4096 - 512, 1024, NULL),
		 MVF_AQ_STS_DMA_ERR);
	d = fx_desc(MVF_DESC_OP_FILL, 0, 16, 0, HIOVA + 4096 - 8, 1, 0);
	CHECK_EQ(run_logged(&f, &m, d), MVF_DESC_STS_DMA_ERR);
	model_write(&h, HIOVA + 4096 - 8, 16);
	CHECK_EQ(model_check(&f, 0, &m), 0);
	CHECK_EQ(model_check(&f, 0, &h), 0);
	CHECK_EQ(dirty_failed(f.dev.vfs[0].tracker), 0);
	model_fini(&m);
	model_fini(&h);
	fx_fini(&f);
	close(fd);
	return 0;
}

/* VF FLR keeps the tracker and its bits; PF reset stops every tracker. */
static int dirty_reset_behaviour(void)
{
	struct mvf_desc d;
	uint32_t count;
	struct fx f;

	TRY(fx_init(&f, 1 << 20, false));
	fx_ring_setup(&f, 0, 16, 0);
	CHECK_EQ(start1(&f, 0, 12, RAM_LO, FX_RAM_SIZE), 0);
	CHECK_EQ(start1(&f, 1, 12, RAM_LO, FX_RAM_SIZE), 0);
	d = fx_desc(MVF_DESC_OP_FILL, 0, 16, 0, fx_iova(DATA), 1, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);
	func_reset(&f.dev.vf_fns[0]);		/* FLR / DEVICE_RESET of VF0 */
	CHECK(f.dev.vfs[0].tracker);
	CHECK_EQ(report(&f, 0, 12, RAM_LO, FX_RAM_SIZE, &count), 0);
	CHECK_EQ(count, 2);
	/* The VF's user sets its ring up again after the reset: still tracked. */
	fx_ring_setup(&f, 0, 16, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);
	CHECK_EQ(report(&f, 0, 12, RAM_LO, FX_RAM_SIZE, &count), 0);
	CHECK_EQ(count, 2);
	/* The VF's client going away keeps it too (device state). */
	func_disconnect(&f.dev.vf_fns[0]);
	CHECK(f.dev.vfs[0].tracker);
	pf_reg_write(&f.dev.pf, MVF_REG_CTRL, MVF_PF_CTRL_RESET);
	CHECK(!f.dev.vfs[0].tracker);
	CHECK(!f.dev.vfs[1].tracker);
	fx_fini(&f);
	return 0;
}

/* --dirty-fault: the option parser, then each plan loses pages. */
static int dirty_fault_plans(void)
{
	uint64_t cq_page = (fx_iova(FX_VF_CQ(0)) - RAM_LO) / 4096;
	uint64_t data_page = (fx_iova(DATA) - RAM_LO) / 4096;
	struct dirty_fault fp;
	struct mvf_desc d;
	uint32_t count;
	struct fx f;

	CHECK_EQ(dirty_fault_parse("drop", &fp), 0);
	CHECK_EQ(fp.mode, DIRTY_FAULT_DROP);
	CHECK_EQ(dirty_fault_parse("drop-every=3", &fp), 0);
	CHECK_EQ(fp.mode, DIRTY_FAULT_DROP_EVERY);
	CHECK_EQ(fp.every, 3);
	CHECK(dirty_fault_parse("drop-every=0", &fp) < 0);
	CHECK(dirty_fault_parse("drop-every=", &fp) < 0);
	CHECK(dirty_fault_parse("drop-every=-1", &fp) < 0);
	CHECK(dirty_fault_parse("drop-every=4x", &fp) < 0);
	CHECK(dirty_fault_parse("drop-every=4294967297", &fp) < 0);
	CHECK(dirty_fault_parse("dropx", &fp) < 0);
	CHECK(dirty_fault_parse("", &fp) < 0);

	/* drop: data destinations are lost, completion entries are not. */
	TRY(fx_init(&f, 1 << 20, false));
	fx_ring_setup(&f, 0, 16, 0);
	TRY(dirty_fault_parse("drop", &f.dev.pf.dirty.fault));
	CHECK_EQ(start1(&f, 0, 12, RAM_LO, FX_RAM_SIZE), 0);
	d = fx_desc(MVF_DESC_OP_FILL, 0, 64 * 4096, 0, fx_iova(DATA), 1, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);
	d = fx_desc(MVF_DESC_OP_D2H, 0, 4096, 0, fx_iova(DATA + MIB), 0, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);
	CHECK_EQ(report(&f, 0, 12, RAM_LO, FX_RAM_SIZE, &count), 0);
	CHECK_EQ(count, 1);
	CHECK(bm_bit(&f, cq_page));
	CHECK(!bm_bit(&f, data_page));
	fx_fini(&f);

	/* drop-every=4: a quarter of the pages are lost, counted per tracker. */
	TRY(fx_init(&f, 1 << 20, false));
	fx_ring_setup(&f, 0, 16, 0);
	TRY(dirty_fault_parse("drop-every=4", &f.dev.pf.dirty.fault));
	CHECK_EQ(start1(&f, 0, 12, RAM_LO, FX_RAM_SIZE), 0);
	d = fx_desc(MVF_DESC_OP_FILL, 0, 99 * 4096, 0, fx_iova(DATA), 1, 0);
	CHECK_EQ(fx_run_desc(&f, 0, &d), 0);	/* 99 data pages + 1 CQ page */
	CHECK_EQ(report(&f, 0, 12, RAM_LO, FX_RAM_SIZE, &count), 0);
	CHECK_EQ(count, 75);
	CHECK(bm_bit(&f, data_page));
	CHECK(!bm_bit(&f, data_page + 3));
	CHECK(!bm_bit(&f, cq_page));		/* the 100th page */
	fx_fini(&f);
	return 0;
}

/* 300 random writes into random ranges of @t, mirrored in @ref. */
static int random_writes(struct dirty *t, const struct dirty_range *r,
			 const uint64_t *npg, const uint64_t *base, uint8_t *ref,
			 uint32_t *seed)
{
	uint32_t k, rk, p, n, i;

	for (k = 0; k < 300; k++) {
		*seed = *seed * 1103515245 + 12345;
		rk = (*seed >> 20) % 4;
		p = (*seed >> 3) % npg[rk];
		n = 1 + (*seed >> 9) % ((*seed & 1) ? 3 : 300);
		if (p + n > npg[rk])
			n = (uint32_t)(npg[rk] - p);
		CHECK_EQ(dirty_log(t, r[rk].iova + ((uint64_t)p << 12) + (*seed & 0xfff),
				   ((uint64_t)n << 12) - (*seed & 0xfff), DIRTY_SRC_DATA), 0);
		for (i = 0; i < n; i++)
			ref[base[rk] + p + i] = 1;
	}
	return 0;
}

/* Report every range of @t in random slices of up to @max pages. */
static int random_reports(struct dirty *t, const struct dirty_range *r,
			  const uint64_t *npg, const uint64_t *base, uint8_t *ref,
			  uint32_t *seed, uint32_t max, uint64_t *bm)
{
	uint64_t p, n, i, want, got;
	unsigned int k;
	bool b;

	for (k = 0; k < 4; k++) {
		for (p = 0; p < npg[k]; p += n) {
			*seed = *seed * 1103515245 + 12345;
			n = 1 + (*seed >> 7) % max;
			if (p + n > npg[k])
				n = npg[k] - p;
			got = dirty_report(t, r[k].iova + (p << 12), n << 12, bm);
			want = 0;
			for (i = 0; i < n; i++) {
				b = (le64toh(bm[i / 64]) >> (i % 64)) & 1;
				if (b != ref[base[k] + p + i]) {
					printf("# range %u page %llu: %d\n", k,
					       (unsigned long long)(p + i), b);
					return -1;
				}
				want += b;
				ref[base[k] + p + i] = 0;
			}
			for (; i % 64; i++)
				CHECK(!((le64toh(bm[i / 64]) >> (i % 64)) & 1));
			CHECK_EQ(got, want);
		}
	}
	return 0;
}

/*
 * The tracker alone, against a per-page model: random ranges (some
 * adjacent), random writes, random report windows at any page, over
 * several blocks.
 */
static int dirty_tracker_random_model(void)
{
	struct dirty_cfg cfg = { .budget = DIRTY_BUDGET_DEFAULT };
	uint64_t base[4], npg[4], total = 0, *bm;
	uint32_t seed = 4242, round, k, pass;
	struct dirty_range r[4];
	struct dirty *t;
	uint8_t *ref;

	bm = malloc(1 << 20);
	CHECK(bm);
	for (round = 0; round < 20; round++) {
		uint64_t a = (uint64_t)(round * 7) << 12;

		for (k = 0; k < 4; k++) {
			seed = seed * 1103515245 + 12345;
			npg[k] = 1 + (seed >> 8) % 70000;
			a += (seed & 0x100) ? 0 : ((seed >> 4) % 9) << 12;	/* adjacent or a gap */
			base[k] = total;
			r[k] = (struct dirty_range){ a, npg[k] << 12 };
			a += npg[k] << 12;
			total += npg[k];
		}
		ref = calloc(total, 1);
		CHECK(ref);
		CHECK_EQ(dirty_start(&t, &cfg, 12, r, 4), MVF_AQ_STS_OK);
		/* Three write-and-report passes: blocks taken whole by a report
		 * are reused (zeroed) by the next pass's writes. */
		for (pass = 0; pass < 3; pass++) {
			TRY(random_writes(t, r, npg, base, ref, &seed));
			TRY(random_reports(t, r, npg, base, ref, &seed,
					   (round + pass) & 1 ? 5000 : 200000, bm));
		}
		for (k = 0; k < 4; k++)
			CHECK_EQ(dirty_report(t, r[k].iova, npg[k] << 12, bm), 0);
		CHECK_EQ(dirty_failed(t), 0);
		dirty_free(t);
		free(ref);
		total = 0;
	}
	free(bm);
	return 0;
}

/* Random DIRTY_* commands: never a crash, always a defined status. */
static int dirty_random_commands(void)
{
	uint32_t seed = 99, i, n;
	struct mvf_aq_cmd cmd;
	struct fx f;
	int st;

	TRY(fx_init(&f, 1 << 20, false));
	fx_ring_setup(&f, 0, 16, 0);
	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245 + 12345;
		cmd = fx_cmd(MVF_AQ_OP_DIRTY_START + (seed >> 28) % 3, (seed >> 26) & 1,
			     10 + (seed >> 5) % 24,
			     (seed & 0x10) ? RANGES : BM + (seed & 0xfff),
			     (seed & 0x20) ? 16 * (1 + (seed >> 7) % 9) : seed >> 12);
		cmd.arg1 = htole64((seed & 0x40) ? (uint64_t)(seed >> 9) << 12 : RAM_LO);
		cmd.arg2 = htole64((uint64_t)((seed >> 13) % 5000) << ((seed >> 2) % 24));
		for (n = 0; n < 9 * 16; n++) {
			seed = seed * 1103515245 + 12345;
			f.ram[FX_PF_BUF + n] = (uint8_t)((seed & 0x1000) ? 0 : seed >> 24);
		}
		st = fx_aq_cmd(&f, &cmd, NULL);
		CHECK(st >= 0 && st <= MVF_AQ_STS_TRACKER_ERR);
		if (i % 16 == 0) {
			struct mvf_desc d = fx_desc(MVF_DESC_OP_FILL, 0, 64, 0,
						    fx_iova(DATA + (seed & 0xffff0)), 1, 0);

			CHECK_EQ(fx_run_desc(&f, 0, &d), 0);
		}
	}
	CHECK_EQ(pf_reg_read(&f.dev.pf, MVF_REG_STATUS), MVF_PF_STS_AQ_READY);
	fx_fini(&f);
	return 0;
}

const struct test dirty_tests[] = {
	{ "dirty_identify_limits", dirty_identify_limits },
	{ "dirty_start_validation", dirty_start_validation },
	{ "dirty_report_validation", dirty_report_validation },
	{ "dirty_ring_workload_exact", dirty_ring_workload_exact },
	{ "dirty_reads_only_ring", dirty_reads_only_ring },
	{ "dirty_every_page_size", dirty_every_page_size },
	{ "dirty_ranges_and_subranges", dirty_ranges_and_subranges },
	{ "dirty_report_spans_adjacent_ranges", dirty_report_spans_adjacent_ranges },
	{ "dirty_top_of_iova_space", dirty_top_of_iova_space },
	{ "dirty_outside_range_fails_tracker", dirty_outside_range_fails_tracker },
	{ "dirty_budget_exhausted", dirty_budget_exhausted },
	{ "dirty_sparse_range_is_cheap", dirty_sparse_range_is_cheap },
	{ "dirty_dma_faults_lose_nothing", dirty_dma_faults_lose_nothing },
	{ "dirty_reset_behaviour", dirty_reset_behaviour },
	{ "dirty_fault_plans", dirty_fault_plans },
	{ "dirty_tracker_random_model", dirty_tracker_random_model },
	{ "dirty_random_commands", dirty_random_commands },
	{ NULL, NULL },
};
