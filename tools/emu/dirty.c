// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: a VF's DMA dirty tracker (see dirty.h). */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "dirty.h"
#include "mvf/mvf.h"

#define WORD_PAGES	64u
#define BLOCK_WORDS	(DIRTY_BLOCK_PAGES / WORD_PAGES)

struct drange {
	uint64_t iova;
	uint64_t end;		/* exclusive; never wraps */
	uint64_t npages;
	uint64_t nblocks;
	uint64_t **blk;		/* [nblocks] BLOCK_WORDS words, or NULL */
};

struct dirty {
	uint32_t shift;
	unsigned int n;
	struct drange r[DIRTY_MAX_RANGES];
	uint64_t budget;
	uint64_t mem;		/* directory + block bytes */
	uint32_t failed;	/* MVF_DIRTY_ERR_*, 0 while healthy */
	struct dirty_fault fault;
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
		d->npages = r[i].len >> shift;
		d->nblocks = (d->npages + DIRTY_BLOCK_PAGES - 1) / DIRTY_BLOCK_PAGES;
		/* nblocks < 2^41, so the directory size cannot overflow. */
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
	unsigned int i;
	uint64_t b;

	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		for (b = 0; b < t->r[i].nblocks; b++)
			free(t->r[i].blk[b]);
		free(t->r[i].blk);
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
static uint64_t *block(struct dirty *t, struct drange *d, uint64_t b)
{
	if (d->blk[b])
		return d->blk[b];
	if (DIRTY_BLOCK_BYTES > t->budget - t->mem)
		return NULL;
	d->blk[b] = calloc(BLOCK_WORDS, sizeof(uint64_t));
	if (d->blk[b])
		t->mem += DIRTY_BLOCK_BYTES;
	return d->blk[b];
}

/* Set bits @lo..@hi (inclusive, inside one block) of @w. */
static void set_bits(uint64_t *w, uint64_t lo, uint64_t hi)
{
	uint64_t wl = lo / WORD_PAGES, wh = hi / WORD_PAGES, i;
	uint64_t ml = ~0ull << (lo % WORD_PAGES);
	uint64_t mh = ~0ull >> (WORD_PAGES - 1 - hi % WORD_PAGES);

	if (wl == wh) {
		w[wl] |= ml & mh;
		return;
	}
	w[wl] |= ml;
	for (i = wl + 1; i < wh; i++)
		w[i] = ~0ull;
	w[wh] |= mh;
}

/* Mark pages @p..@last of @d; 0 or MVF_DIRTY_ERR_NOMEM. */
static uint32_t mark(struct dirty *t, struct drange *d, uint64_t p,
		     uint64_t last)
{
	bool per_page = dirty_fault_per_page(&t->fault);
	uint64_t b, hi, *w;

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
		err = mark(t, d, (iova - d->iova) >> t->shift,
			   (stop - 1 - d->iova) >> t->shift);
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

/* Sequential bitmap writer: 1..64 bits at a time, little-endian words. */
struct bw {
	uint64_t *out;
	uint64_t w;		/* next word */
	uint64_t acc;		/* bits not yet stored */
	unsigned int n;		/* bits in @acc, < 64 */
	uint64_t count;		/* set bits written */
};

static void bw_put(struct bw *b, uint64_t v, unsigned int n)
{
	b->count += (uint64_t)__builtin_popcountll(v);
	b->acc |= v << b->n;
	if (b->n + n < WORD_PAGES) {
		b->n += n;
		return;
	}
	b->out[b->w++] = htole64(b->acc);
	b->acc = b->n ? v >> (WORD_PAGES - b->n) : 0;
	b->n = b->n + n - WORD_PAGES;
}

static void bw_flush(struct bw *b)
{
	if (b->n)
		b->out[b->w++] = htole64(b->acc);
	b->n = 0;
	b->acc = 0;
}

static uint64_t low_mask(unsigned int k)
{
	return k >= WORD_PAGES ? ~0ull : (1ull << k) - 1;
}

/* Take and clear @k (1..64) bits at bit @pos of block @w (pos + k inside). */
static uint64_t take_bits(uint64_t *w, uint64_t pos, unsigned int k)
{
	uint64_t i = pos / WORD_PAGES, m = low_mask(k), v;
	unsigned int s = pos % WORD_PAGES;

	v = w[i] >> s;
	w[i] &= ~(m << s);
	if (s + k > WORD_PAGES) {
		v |= w[i + 1] << (WORD_PAGES - s);
		w[i + 1] &= ~(m >> (WORD_PAGES - s));
	}
	return v & m;
}

/* Whole words from an aligned position: copy and clear, or zero-fill. */
static void take_words(struct bw *b, uint64_t *w, uint64_t nw)
{
	uint64_t *o = b->out + b->w, i, v, c = 0;

	if (!w) {
		memset(o, 0, nw * sizeof(*o));
	} else {
		for (i = 0; i < nw; i++) {
			v = w[i];
			w[i] = 0;
			o[i] = htole64(v);
			c += (uint64_t)__builtin_popcountll(v);
		}
		b->count += c;
	}
	b->w += nw;
}

/* Report and clear @np pages of @d from page @p into @b. */
static void take(struct bw *b, struct drange *d, uint64_t p, uint64_t np)
{
	uint64_t blk, off, n, nw, *w;
	unsigned int k;

	while (np) {
		blk = p / DIRTY_BLOCK_PAGES;
		off = p % DIRTY_BLOCK_PAGES;
		n = DIRTY_BLOCK_PAGES - off < np ? DIRTY_BLOCK_PAGES - off : np;
		w = d->blk[blk];
		p += n;
		np -= n;
		if (!b->n && !(off % WORD_PAGES)) {
			nw = n / WORD_PAGES;
			take_words(b, w ? w + off / WORD_PAGES : NULL, nw);
			off += nw * WORD_PAGES;
			n -= nw * WORD_PAGES;
		}
		while (n) {
			k = n < WORD_PAGES ? (unsigned int)n : WORD_PAGES;
			bw_put(b, w ? take_bits(w, off, k) : 0, k);
			off += k;
			n -= k;
		}
	}
}

uint64_t dirty_report(struct dirty *t, uint64_t iova, uint64_t len,
		      uint64_t *bm)
{
	struct bw b = { .out = bm };
	uint64_t end = iova + len, stop;
	struct drange *d;

	while (iova < end) {
		d = range_of(t, iova);
		if (!d)
			break;	/* cannot happen: dirty_covers() held */
		stop = end < d->end ? end : d->end;
		take(&b, d, (iova - d->iova) >> t->shift,
		     (stop - iova) >> t->shift);
		iova = stop;
	}
	bw_flush(&b);
	return b.count;
}

void dirty_unreport(struct dirty *t, uint64_t iova, uint64_t len,
		    const uint64_t *bm)
{
	uint64_t nw = dirty_report_words(t, len), i, v, a, p;
	struct drange *d;
	unsigned int bit;

	for (i = 0; i < nw; i++) {
		for (v = le64toh(bm[i]); v; v &= v - 1) {
			bit = (unsigned int)__builtin_ctzll(v);
			a = iova + ((i * WORD_PAGES + bit) << t->shift);
			d = range_of(t, a);
			if (!d)
				continue;
			p = (a - d->iova) >> t->shift;
			/* The block exists: the bit was taken from it. */
			if (d->blk[p / DIRTY_BLOCK_PAGES])
				d->blk[p / DIRTY_BLOCK_PAGES][p % DIRTY_BLOCK_PAGES / WORD_PAGES] |=
					1ull << (p % WORD_PAGES);
		}
	}
}
