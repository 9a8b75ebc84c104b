// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: a VF's DMA dirty tracker (see dirty.h). */
#include <assert.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "dirty.h"
#include "mvf/mvf.h"

#define WORD_PAGES	64u
#define BLOCK_WORDS	(DIRTY_BLOCK_PAGES / WORD_PAGES)

/*
 * A bitmap block and how many of its bits are set (0: clean, skip it).
 * A block a report took whole is detached from its range onto the
 * tracker's spare list (@next) and zeroed when a write needs a block
 * again, so the report itself does not clear it.
 */
struct dblock {
	union {
		uint64_t count;		/* in a range */
		struct dblock *next;	/* on the spare list */
	};
	uint64_t w[BLOCK_WORDS];
};
static_assert(sizeof(struct dblock) == DIRTY_BLOCK_BYTES, "dblock size");

/*
 * Blocks are aligned to absolute tracking page numbers (IOVA >> shift), not
 * to the range start, so a report starting at a 64-page aligned IOVA takes
 * the fast path however the driver combined its ranges.
 */
struct drange {
	uint64_t iova;
	uint64_t end;		/* exclusive; never wraps */
	uint64_t base;		/* page number where block 0 starts */
	uint64_t nblocks;
	struct dblock **blk;	/* [nblocks], NULL until a page in it is dirty */
};

struct dirty {
	uint32_t shift;
	unsigned int n;
	struct drange r[DIRTY_MAX_RANGES];
	uint64_t budget;
	uint64_t mem;		/* directory + block bytes */
	uint32_t failed;	/* MVF_DIRTY_ERR_*, 0 while healthy */
	struct dirty_fault fault;
	struct dblock *spare;	/* detached blocks, still counted in @mem */
};

bool dirty_shift_ok(uint32_t shift)
{
	return shift < 32 && (DIRTY_PGSIZES >> shift) & 1;
}

static bool ranges_ok(uint32_t shift, const struct dirty_range *r,
		      unsigned int n)
{
	uint64_t mask = (1ull << shift) - 1, prev_end = 0;
	unsigned int i;

	if (!n || n > DIRTY_MAX_RANGES)
		return false;
	for (i = 0; i < n; i++) {
		if (!r[i].len || (r[i].iova & mask) || (r[i].len & mask) ||
		    r[i].iova + r[i].len < r[i].iova)
			return false;
		if (i && r[i].iova < prev_end)
			return false;	/* out of order or overlapping */
		prev_end = r[i].iova + r[i].len;
	}
	return true;
}

int dirty_start(struct dirty **out, const struct dirty_cfg *cfg,
		uint32_t shift, const struct dirty_range *r, unsigned int n)
{
	struct dirty *t;
	unsigned int i;

	*out = NULL;
	if (!dirty_shift_ok(shift) || !ranges_ok(shift, r, n))
		return MVF_AQ_STS_BAD_PARAM;
	t = calloc(1, sizeof(*t));
	if (!t)
		return MVF_AQ_STS_NO_MEMORY;
	t->shift = shift;
	t->budget = cfg->budget;
	t->fault = cfg->fault;
	t->fault.seen = 0;
	for (i = 0; i < n; i++) {
		struct drange *d = &t->r[i];

		d->iova = r[i].iova;
		d->end = r[i].iova + r[i].len;
		d->base = (d->iova >> shift) & ~(uint64_t)(DIRTY_BLOCK_PAGES - 1);
		d->nblocks = ((d->end >> shift) - d->base + DIRTY_BLOCK_PAGES - 1) /
			     DIRTY_BLOCK_PAGES;
		/* nblocks < 2^37, so the directory size cannot overflow. */
		if (d->nblocks * sizeof(*d->blk) > t->budget - t->mem ||
		    d->nblocks > SIZE_MAX / sizeof(*d->blk))
			goto nomem;
		d->blk = calloc(d->nblocks, sizeof(*d->blk));
		if (!d->blk)
			goto nomem;
		t->mem += d->nblocks * sizeof(*d->blk);
		t->n = i + 1;
	}
	*out = t;
	return MVF_AQ_STS_OK;
nomem:
	dirty_free(t);
	return MVF_AQ_STS_NO_MEMORY;
}

void dirty_free(struct dirty *t)
{
	struct dblock *sp;
	unsigned int i;
	uint64_t b;

	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		for (b = 0; b < t->r[i].nblocks; b++)
			free(t->r[i].blk[b]);
		free(t->r[i].blk);
	}
	while ((sp = t->spare)) {
		t->spare = sp->next;
		free(sp);
	}
	free(t);
}

uint32_t dirty_shift(const struct dirty *t)
{
	return t->shift;
}

uint64_t dirty_mem(const struct dirty *t)
{
	return t->mem;
}

uint32_t dirty_failed(const struct dirty *t)
{
	return t->failed;
}

/* The range holding byte @a, or NULL. */
static struct drange *range_of(const struct dirty *t, uint64_t a)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (a >= t->r[i].iova && a < t->r[i].end)
			return (struct drange *)&t->r[i];
	return NULL;
}

static uint32_t fail(struct dirty *t, uint32_t err)
{
	t->failed = err;
	return err;
}

/* Block @b of @d, allocated if needed; NULL (tracker failed) if over budget. */
static struct dblock *block(struct dirty *t, struct drange *d, uint64_t b)
{
	if (d->blk[b])
		return d->blk[b];
	if (t->spare) {
		d->blk[b] = t->spare;
		t->spare = t->spare->next;
		memset(d->blk[b], 0, sizeof(struct dblock));
		return d->blk[b];
	}
	if (sizeof(struct dblock) > t->budget - t->mem)
		return NULL;
	d->blk[b] = calloc(1, sizeof(struct dblock));
	if (d->blk[b])
		t->mem += sizeof(struct dblock);
	return d->blk[b];
}

static unsigned int popcount(uint64_t v)
{
	return (unsigned int)__builtin_popcountll(v);
}

/* The bits of word @i of a block that lie in pages @lo..@hi (inclusive). */
static uint64_t word_mask(uint64_t i, uint64_t lo, uint64_t hi)
{
	uint64_t m = ~0ull;

	if (i == lo / WORD_PAGES)
		m &= ~0ull << (lo % WORD_PAGES);
	if (i == hi / WORD_PAGES)
		m &= ~0ull >> (WORD_PAGES - 1 - hi % WORD_PAGES);
	return m;
}

/* Set bits @lo..@hi (inclusive) of @b, keeping its count. */
static void set_bits(struct dblock *b, uint64_t lo, uint64_t hi)
{
	uint64_t i, m;

	for (i = lo / WORD_PAGES; i <= hi / WORD_PAGES; i++) {
		m = word_mask(i, lo, hi);
		b->count += popcount(m & ~b->w[i]);
		b->w[i] |= m;
	}
}

/* Clear bits @lo..@hi (inclusive) of @b; returns how many were set. */
static uint64_t clear_bits(struct dblock *b, uint64_t lo, uint64_t hi)
{
	uint64_t i, m, n = 0;

	for (i = lo / WORD_PAGES; i <= hi / WORD_PAGES; i++) {
		m = word_mask(i, lo, hi);
		n += popcount(m & b->w[i]);
		b->w[i] &= ~m;
	}
	b->count -= n;
	return n;
}

/* Mark pages @p..@last of @d; 0 or MVF_DIRTY_ERR_NOMEM. */
static uint32_t mark(struct dirty *t, struct drange *d, uint64_t p,
		     uint64_t last)
{
	bool per_page = dirty_fault_per_page(&t->fault);
	struct dblock *w;
	uint64_t b, hi;

	while (p <= last) {
		b = p / DIRTY_BLOCK_PAGES;
		hi = (b + 1) * DIRTY_BLOCK_PAGES - 1;
		if (hi > last)
			hi = last;
		if (per_page && dirty_fault_drops_page(&t->fault)) {
			p++;
			continue;
		}
		w = block(t, d, b);
		if (!w)
			return MVF_DIRTY_ERR_NOMEM;
		if (per_page)
			hi = p;
		set_bits(w, p % DIRTY_BLOCK_PAGES, hi % DIRTY_BLOCK_PAGES);
		p = hi + 1;
	}
	return 0;
}

uint32_t dirty_log(struct dirty *t, uint64_t iova, uint64_t len,
		   enum dirty_src src)
{
	uint64_t end = iova + len, stop;
	struct drange *d;
	uint32_t err;

	if (t->failed || !len || dirty_fault_drops_write(&t->fault, src))
		return 0;
	if (end < iova)
		return fail(t, MVF_DIRTY_ERR_RANGE);
	while (iova < end) {
		d = range_of(t, iova);
		if (!d)
			return fail(t, MVF_DIRTY_ERR_RANGE);
		stop = end < d->end ? end : d->end;
		err = mark(t, d, (iova >> t->shift) - d->base,
			   ((stop - 1) >> t->shift) - d->base);
		if (err)
			return fail(t, err);
		iova = stop;
	}
	return 0;
}

bool dirty_covers(const struct dirty *t, uint64_t iova, uint64_t len)
{
	uint64_t end = iova + len;
	const struct drange *d;

	if (!len || end < iova)
		return false;
	while (iova < end) {
		d = range_of(t, iova);
		if (!d)
			return false;
		iova = d->end;
	}
	return true;
}

uint64_t dirty_report_words(const struct dirty *t, uint64_t len)
{
	return ((len >> t->shift) + WORD_PAGES - 1) / WORD_PAGES;
}

/* Where the report cursor is: range, block, page in the block, pages left. */
struct pos {
	struct drange *d;
	uint64_t blk;		/* block index in @d */
	struct dblock *b;	/* d->blk[blk], NULL: unallocated */
	uint64_t off;		/* page in the block */
	uint64_t n;		/* pages from @off to the end of block and report */
};

static void locate(const struct dirty_report *r, struct pos *p)
{
	uint64_t pg, stop;

	p->d = range_of(r->t, r->iova);	/* never NULL: dirty_covers() held */
	stop = r->end < p->d->end ? r->end : p->d->end;
	pg = (r->iova >> r->t->shift) - p->d->base;
	p->blk = pg / DIRTY_BLOCK_PAGES;
	p->b = p->d->blk[p->blk];
	p->off = pg % DIRTY_BLOCK_PAGES;
	p->n = (stop - r->iova) >> r->t->shift;
	if (p->n > DIRTY_BLOCK_PAGES - p->off)
		p->n = DIRTY_BLOCK_PAGES - p->off;
}

/* @k (1..64) bits at bit @pos of @b (pos + k inside the block). */
static uint64_t peek_bits(const struct dblock *b, uint64_t pos, unsigned int k)
{
	uint64_t i = pos / WORD_PAGES, v;
	unsigned int s = pos % WORD_PAGES;

	v = b->w[i] >> s;
	if (s + k > WORD_PAGES)
		v |= b->w[i + 1] << (WORD_PAGES - s);
	return k < WORD_PAGES ? v & ((1ull << k) - 1) : v;
}

/* The next bitmap word, gathered across words, blocks and ranges. */
static uint64_t next_word(struct dirty_report *r)
{
	unsigned int got = 0, k;
	uint64_t v = 0;
	struct pos p;

	while (got < WORD_PAGES && r->iova < r->end) {
		locate(r, &p);
		k = WORD_PAGES - got;
		if (p.n < k)
			k = (unsigned int)p.n;
		if (p.b && p.b->count)
			v |= peek_bits(p.b, p.off, k) << got;
		got += k;
		r->iova += (uint64_t)k << r->t->shift;
	}
	return v;
}

/*
 * Fast path: whole words from inside one block -- copied as they are when
 * the report is word-aligned with the block, shifted from two source
 * words otherwise, zero-filled for a clean or unallocated block.  Returns
 * the words written at @dst (at most @max), 0 if fewer than 64 pages are
 * left in the block or the report.
 */
static size_t run_words(struct dirty_report *r, uint8_t *dst, size_t max)
{
	unsigned int s;
	struct pos p;
	size_t k, i;
	uint64_t v;

	locate(r, &p);
	k = p.n / WORD_PAGES < max ? p.n / WORD_PAGES : max;
	s = p.off % WORD_PAGES;
	if (!k)
		return 0;
	if (!p.b || !p.b->count) {
		memset(dst, 0, k * sizeof(uint64_t));
	} else if (!s && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
		memcpy(dst, &p.b->w[p.off / WORD_PAGES], k * sizeof(uint64_t));
	} else {
		const uint64_t *w = &p.b->w[p.off / WORD_PAGES];

		/* With s > 0, w[i + 1] is inside the block: p.n >= 64 * k. */
		for (i = 0; i < k; i++) {
			v = s ? w[i] >> s | w[i + 1] << (WORD_PAGES - s) : w[i];
			v = htole64(v);
			memcpy(dst + i * sizeof(v), &v, sizeof(v));
		}
	}
	r->iova += (uint64_t)k * WORD_PAGES << r->t->shift;
	return k;
}

void dirty_report_begin(struct dirty_report *r, const struct dirty *t,
			uint64_t iova, uint64_t len)
{
	memset(r, 0, sizeof(*r));
	r->t = t;
	r->iova = iova;
	r->end = iova + len;
}

void dirty_report_fill(struct dirty_report *r, uint8_t *dst, size_t n)
{
	uint64_t w;
	size_t k;

	while (n && r->part_off < r->part_len) {
		*dst++ = r->part[r->part_off++];
		n--;
	}
	while (n >= sizeof(w)) {
		k = r->iova < r->end ? run_words(r, dst, n / sizeof(w)) : 0;
		if (!k) {
			w = htole64(next_word(r));
			memcpy(dst, &w, sizeof(w));
			k = 1;
		}
		dst += k * sizeof(w);
		n -= k * sizeof(w);
	}
	if (n) {
		/* A word split across two destination chunks. */
		w = htole64(next_word(r));
		memcpy(r->part, &w, sizeof(w));
		r->part_len = sizeof(w);
		memcpy(dst, r->part, n);
		r->part_off = (unsigned int)n;
	}
}

/* Does @p cover all pages of its block that lie in its range? */
static bool whole_block(const struct dirty *t, const struct pos *p)
{
	uint64_t first = p->d->base + p->blk * DIRTY_BLOCK_PAGES;
	uint64_t lo = p->d->iova >> t->shift, hi = p->d->end >> t->shift;

	lo = lo > first ? lo - first : 0;
	hi = hi - first < DIRTY_BLOCK_PAGES ? hi - first : DIRTY_BLOCK_PAGES;
	return p->off == lo && p->off + p->n == hi;
}

uint64_t dirty_report_commit(struct dirty *t, uint64_t iova, uint64_t len)
{
	struct dirty_report r;
	uint64_t count = 0;
	struct pos p;

	dirty_report_begin(&r, t, iova, len);
	while (r.iova < r.end) {
		locate(&r, &p);
		if (p.b && p.b->count) {
			if (whole_block(t, &p)) {
				count += p.b->count;
				p.d->blk[p.blk] = NULL;
				p.b->next = t->spare;
				t->spare = p.b;
			} else {
				count += clear_bits(p.b, p.off, p.off + p.n - 1);
			}
		}
		r.iova += p.n << t->shift;
	}
	return count;
}

uint64_t dirty_report(struct dirty *t, uint64_t iova, uint64_t len,
		      uint64_t *bm)
{
	struct dirty_report r;

	dirty_report_begin(&r, t, iova, len);
	dirty_report_fill(&r, (uint8_t *)bm, dirty_report_words(t, len) * sizeof(*bm));
	return dirty_report_commit(t, iova, len);
}
