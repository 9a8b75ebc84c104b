/* SPDX-License-Identifier: GPL-2.0 */
/* VF0 and VF1 opened together in one container (lib/pair.c). */
#ifndef _MVF_PAIR_H
#define _MVF_PAIR_H

#include "mvf_test.h"

#define MVF_PAIR_RING_SIZE	256

/**
 * struct mvf_pair - two VFs sharing one container
 * @vfio: the container
 * @dev: VF0 and VF1
 * @nr_open: devices opened so far
 * @ring: each VF's rings (programmed at open)
 * @bounce: each VF's staging buffer
 * @ctx: dev + ring + bounce of each VF
 * @devmem: device memory bytes of each VF
 */
struct mvf_pair {
	struct vt_iommu vfio;
	struct mvf_dev dev[2];
	int nr_open;
	struct mvf_ring ring[2];
	struct vt_dma bounce[2];
	struct mvf_ctx ctx[2];
	uint64_t devmem;
};

int mvf_pair_open(struct mvf_pair *p, const char *bdf0, const char *bdf1,
		  size_t bounce_size);
int mvf_pair_open_one(struct mvf_pair *p, const char *bdf, size_t bounce_size);
void mvf_pair_close(struct mvf_pair *p);
int mvf_pair_vf_setup(struct mvf_pair *p, int i);
uint64_t mvf_page_pattern(uint64_t seed, uint64_t page);
int mvf_fill_all_pages(struct mvf_ctx *c, struct mvf_model *m, uint64_t seed,
		       unsigned int nr_h2d);

#endif /* _MVF_PAIR_H */
