// SPDX-License-Identifier: GPL-2.0
/*
 * bench-dirty: cost of a DIRTY_REPORT over 4 GiB at 4 KiB pages (a
 * 128 KiB bitmap), through the admin queue into the PF's DMA space, over
 * the cost of a memcpy() of 128 KiB in the same run.  Prints ratios; the
 * goal is at most about 2.  Not a test: nothing is asserted.
 *
 *   bench-dirty [ITERATIONS]     (default 2000)
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../dirty.h"
#include "fixture.h"

#define SPAN		(4ull << 30)
#define BM_BYTES	(SPAN / 4096 / 8)	/* 128 KiB */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

enum fill { FILL_NONE, FILL_SPARSE, FILL_ALL, FILL_ALL_UNALIGNED };

/*
 * Median ns of one REPORT of [0, SPAN) (of a tracked [0, 2 * SPAN)), or of
 * [4 KiB, SPAN + 4 KiB), after dirtying per @fill: the
 * command alone (pf_exec()) or, with @ring, through the admin queue
 * (command fetch, completion, MSI-X eventfd write included).
 */
static double time_report(struct fx *f, enum fill fill, bool ring,
			  unsigned int iters, double *t)
{
	struct dirty *tr = f->dev.vfs[0].tracker;
	struct mvf_aq_cmd cmd;
	struct mvf_aq_cpl cpl;
	unsigned int i;
	uint64_t a;
	double t0;
	int st;

	for (i = 0; i < iters; i++) {
		if (fill >= FILL_ALL)
			dirty_log(tr, 0, 2 * SPAN, DIRTY_SRC_DATA);
		else if (fill == FILL_SPARSE)
			for (a = 0; a < SPAN; a += 64 << 20)	/* 2 pages per block */
				dirty_log(tr, a, 1, DIRTY_SRC_DATA);
		cmd = fx_cmd(MVF_AQ_OP_DIRTY_REPORT, 0, 12, fx_iova(FX_PF_CHUNK), BM_BYTES);
		cmd.arg2 = htole64(SPAN);
		if (fill == FILL_ALL_UNALIGNED)
			cmd.arg1 = htole64(4096);	/* not word-aligned with the range */
		t0 = now_ns();
		if (ring) {
			st = fx_aq_cmd(f, &cmd, NULL);
		} else {
			pf_exec(&f->dev.pf, &cmd, &cpl);
			st = cpl.status;
		}
		t[i] = now_ns() - t0;
		if (st) {
			fprintf(stderr, "bench-dirty: DIRTY_REPORT failed\n");
			exit(1);
		}
	}
	return median(t, iters);
}

int main(int argc, char **argv)
{
	unsigned int iters = argc > 1 ? (unsigned int)atoi(argv[1]) : 2000, i;
	uint8_t *src, *dst;
	static const char *const what[] = {
		"no block allocated", "all blocks, 2 pages each", "every page dirty",
		"every page, from page 1",
	};
	double *t, mc, v;
	int fill;
	struct fx f;

	if (iters < 1)
		iters = 1;
	t = calloc(iters, sizeof(*t));
	src = malloc(BM_BYTES);
	dst = malloc(BM_BYTES);
	if (!t || !src || !dst || fx_init(&f, 1 << 20, false)) {
		fprintf(stderr, "bench-dirty: setup failed\n");
		return 1;
	}
	memset(src, 0x5a, BM_BYTES);
	memset(dst, 0, BM_BYTES);
	for (i = 0; i < iters; i++) {
		double t0 = now_ns();

		memcpy(dst, src, BM_BYTES);
		__asm__ __volatile__("" : : "r"(dst), "r"(src) : "memory");
		t[i] = now_ns() - t0;
	}
	mc = median(t, iters);
	{
		struct mvf_dirty_range *r = (struct mvf_dirty_range *)(f.ram + FX_PF_BUF);

		r->iova = 0;
		r->length = htole64(2 * SPAN);
		if (fx_aq(&f, MVF_AQ_OP_DIRTY_START, 0, 12, fx_iova(FX_PF_BUF), 16, NULL)) {
			fprintf(stderr, "bench-dirty: DIRTY_START failed\n");
			return 1;
		}
	}
	printf("memcpy 128 KiB: %.2f us (median of %u)\n", mc / 1e3, iters);
	printf("DIRTY_REPORT of 4 GiB at 4 KiB (128 KiB bitmap), median, ratio to memcpy:\n");
	for (fill = FILL_NONE; fill <= FILL_ALL_UNALIGNED; fill++) {
		v = time_report(&f, fill, false, iters, t);
		printf("  %-26s command %6.2f us  ratio %5.2f", what[fill], v / 1e3, v / mc);
		v = time_report(&f, fill, true, iters, t);
		printf("   via admin queue %6.2f us  ratio %5.2f\n", v / 1e3, v / mc);
	}
	fx_fini(&f);
	free(t);
	free(src);
	free(dst);
	return 0;
}
