// SPDX-License-Identifier: GPL-2.0
/*
 * Open VF0 and VF1 in one container, each with its own rings and bounce
 * buffer, ready to run descriptors.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mvf_pair.h"

int mvf_pair_vf_setup(struct mvf_pair *p, int i)
{
	struct mvf_dev *d = &p->dev[i];
	uint32_t id, state;
	int ret;

	id = mvf_rd32(d, MVF_REG_ID);
	if (id != MVF_ID_VF) {
		fprintf(stderr, "%s: ID register 0x%08x, want 0x%08x\n",
			d->vt.name, id, MVF_ID_VF);
		return -ENODEV;
	}
	ret = vt_mig_get_state(&d->vt, &state);
	if (ret)
		return ret;
	if (state != VFIO_DEVICE_STATE_RUNNING) {
		fprintf(stderr, "%s: opened in state %s, want RUNNING\n",
			d->vt.name, vt_mig_state_name(state));
		return -EPROTO;
	}
	mvf_ring_reset(&p->ring[i]);
	mvf_ring_program(d, &p->ring[i]);
	return 0;
}

/* Open @n (1 or 2) VFs of @bdf into @p's slots 0..n-1. */
static int pair_open_n(struct mvf_pair *p, const char *const *bdf, int n,
		       size_t bounce_size)
{
	uint64_t other;
	int i, ret;

	memset(p, 0, sizeof(*p));
	p->dev[0].vt.fd = p->dev[1].vt.fd = -1;
	p->dev[0].vt.group = p->dev[1].vt.group = -1;
	ret = vt_iommu_init(&p->vfio, VT_GROUP);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		ret = mvf_dev_open(&p->vfio, &p->dev[i], bdf[i]);
		if (ret)
			goto err;
		p->nr_open = i + 1;
	}
	for (i = 0; i < n; i++) {
		ret = mvf_ring_alloc(&p->vfio, &p->ring[i], MVF_PAIR_RING_SIZE);
		if (ret)
			goto err;
		ret = vt_dma_alloc(&p->vfio, bounce_size, &p->bounce[i]);
		if (ret)
			goto err;
		p->ctx[i].dev = &p->dev[i];
		p->ctx[i].ring = &p->ring[i];
		p->ctx[i].bounce = &p->bounce[i];
		ret = mvf_pair_vf_setup(p, i);
		if (ret)
			goto err;
	}
	p->devmem = mvf_rd64(&p->dev[0], MVF_VF_REG_DEVMEM_LO);
	other = n == 2 ? mvf_rd64(&p->dev[1], MVF_VF_REG_DEVMEM_LO) : p->devmem;
	if (other != p->devmem || p->devmem < (1u << 20) ||
	    p->devmem % MVF_IMG_PAGE_SIZE) {
		fprintf(stderr, "%s%s%s: devmem sizes %llu and %llu\n", bdf[0],
			n == 2 ? "/" : "", n == 2 ? bdf[1] : "",
			(unsigned long long)p->devmem,
			(unsigned long long)other);
		ret = -EINVAL;
		goto err;
	}
	return 0;
err:
	mvf_pair_close(p);
	return ret;
}

int mvf_pair_open(struct mvf_pair *p, const char *bdf0, const char *bdf1,
		  size_t bounce_size)
{
	const char *bdf[2] = { bdf0, bdf1 };

	return pair_open_n(p, bdf, 2, bounce_size);
}

/*
 * One VF only, in slot 0 of @p (ring, bounce buffer, ctx[0]); close it
 * with mvf_pair_close().
 */
int mvf_pair_open_one(struct mvf_pair *p, const char *bdf, size_t bounce_size)
{
	return pair_open_n(p, &bdf, 1, bounce_size);
}

void mvf_pair_close(struct mvf_pair *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (p->bounce[i].va)
			vt_dma_free(&p->vfio, &p->bounce[i]);
		if (p->ring[i].sq.va || p->ring[i].cq.va)
			mvf_ring_free(&p->vfio, &p->ring[i]);
	}
	for (i = 0; i < 2; i++)
		mvf_dev_close(&p->dev[i]);
	vt_iommu_fini(&p->vfio);
}

/* Per-page pattern used by the workloads: distinct for every page. */
uint64_t mvf_page_pattern(uint64_t seed, uint64_t page)
{
	uint64_t x = seed ^ (page * 0x9e3779b97f4a7c15ull);

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	return x | 1;	/* never all-zero */
}

/*
 * Give every page of device memory a distinct pattern: one DFILL per page
 * (batched on the ring), then prng data into @nr_h2d pages spread across
 * the memory.  @m (if non-NULL) tracks the content.
 */
int mvf_fill_all_pages(struct mvf_ctx *c, struct mvf_model *m, uint64_t seed,
		       unsigned int nr_h2d)
{
	uint64_t devmem = mvf_rd64(c->dev, MVF_VF_REG_DEVMEM_LO);
	uint64_t pages = devmem / MVF_IMG_PAGE_SIZE, pg;
	struct mvf_desc descs[256];
	unsigned int n = 0, i;
	int ret;

	for (pg = 0; pg < pages; pg++) {
		uint64_t pat = mvf_page_pattern(seed, pg);

		descs[n++] = mvf_desc_make(MVF_DESC_OP_DFILL, MVF_IMG_PAGE_SIZE,
					   0, pg * MVF_IMG_PAGE_SIZE, pat,
					   0xd000000000000000ull | pg);
		if (m)
			mvf_pattern_fill(m->mem + pg * MVF_IMG_PAGE_SIZE,
					 MVF_IMG_PAGE_SIZE, pat);
		if (n == 256 || pg + 1 == pages) {
			ret = mvf_ring_run(c->dev, c->ring, descs, n, NULL);
			if (ret)
				return ret;
			n = 0;
		}
	}
	if (nr_h2d > c->bounce->size / MVF_IMG_PAGE_SIZE)
		nr_h2d = c->bounce->size / MVF_IMG_PAGE_SIZE;
	if (nr_h2d > 256)
		nr_h2d = 256;
	for (i = 0; i < nr_h2d; i++) {
		uint64_t page = (i * (pages / nr_h2d) + (i * 7) % 5) % pages;
		uint8_t *src = (uint8_t *)c->bounce->va +
			       (size_t)i * MVF_IMG_PAGE_SIZE;

		mvf_prng_fill(src, MVF_IMG_PAGE_SIZE, seed + page);
		if (m)
			memcpy(m->mem + page * MVF_IMG_PAGE_SIZE, src,
			       MVF_IMG_PAGE_SIZE);
		descs[i] = mvf_desc_make(MVF_DESC_OP_H2D, MVF_IMG_PAGE_SIZE,
					 c->bounce->iova +
					 (uint64_t)i * MVF_IMG_PAGE_SIZE,
					 page * MVF_IMG_PAGE_SIZE, 0,
					 0xe000000000000000ull | page);
	}
	return mvf_ring_run(c->dev, c->ring, descs, nr_h2d, NULL);
}
