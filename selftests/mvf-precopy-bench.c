// SPDX-License-Identifier: GPL-2.0
/*
 * mvf-precopy-bench: what PRE_COPY saves on STOP_COPY for a VF whose ring
 * keeps dirtying a fixed share of its device memory.
 *
 * In one run, on VF0 with every device-memory page written:
 *  1. STOP_COPY only: RUNNING -> STOP, then STOP -> STOP_COPY, read() to
 *     the end, STOP_COPY -> STOP (timed: the downtime part; median of 3),
 *     STOP -> RUNNING.
 *  2. PRE_COPY: RUNNING -> PRE_COPY, read the initial data while the ring
 *     dirties pages; then MVF_PC_ROUNDS rounds of "dirty the share, read
 *     the dirty data to -ENOMSG"; one more share dirtied (what the guest
 *     dirtied during the last round), then PRE_COPY -> PRE_COPY_P2P ->
 *     STOP_COPY, read() to the end, STOP_COPY -> STOP (timed like 1).
 * Both streams go into one buffer faulted in beforehand.
 * Writes key=value lines (appended) to OUTFILE and stdout: bytes streamed
 * in PRE_COPY and in STOP_COPY, STOP_COPY bytes as a share of the total,
 * STOP_COPY time as a ratio to the STOP_COPY-only time.  The PRE_COPY
 * stream is loaded into VF1 and checked page for page, so the figures are
 * those of a migration that works.
 *
 * Usage: mvf-precopy-bench OUTFILE [VF0-BDF VF1-BDF]
 * Environment: MVF_PC_DIRTY_PCT (default 10), MVF_PC_ROUNDS (default 3).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mvf_pair.h"

#define CHUNK	(1u << 20)
#define MIB	(1024.0 * 1024.0)
#define ITERS	3

static double median3(const double *t)
{
	double a = t[0], b = t[1], c = t[2];

	if ((a <= b && b <= c) || (c <= b && b <= a))
		return b;
	if ((b <= a && a <= c) || (c <= a && a <= b))
		return a;
	return c;
}

struct bench {
	struct mvf_pair p;
	struct mvf_model m;
	struct vt_buf s;
	uint64_t pages;
	uint64_t rnd;
	FILE *out;
};

static void emit(struct bench *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vfprintf(b->out, fmt, ap);
	va_end(ap);
}

static uint64_t rnd(struct bench *b)
{
	b->rnd ^= b->rnd << 13;
	b->rnd ^= b->rnd >> 7;
	b->rnd ^= b->rnd << 17;
	return b->rnd;
}

/* DFILL @n random pages of VF0 through its ring. */
static int dirty(struct bench *b, uint64_t n)
{
	struct mvf_desc d[128];
	uint64_t i;
	unsigned int k = 0;
	int ret;

	for (i = 0; i < n; i++) {
		uint64_t pg = rnd(b) % b->pages, pat = rnd(b) | 1;

		d[k++] = mvf_desc_make(MVF_DESC_OP_DFILL, MVF_IMG_PAGE_SIZE, 0,
				       pg * MVF_IMG_PAGE_SIZE, pat, i);
		mvf_pattern_fill(b->m.mem + pg * MVF_IMG_PAGE_SIZE,
				 MVF_IMG_PAGE_SIZE, pat);
		if (k == 128 || i + 1 == n) {
			ret = mvf_ring_run(&b->p.dev[0], &b->p.ring[0], d, k,
					   NULL);
			if (ret)
				return ret;
			k = 0;
		}
	}
	return 0;
}

/*
 * read() PRE_COPY data until -ENOMSG; with @dirty_every, dirty @n pages
 * every @dirty_every bytes.  Returns bytes read or a negative errno.
 */
static int64_t read_pre(struct bench *b, int fd, uint64_t dirty_every,
			uint64_t n)
{
	uint64_t total = 0, since = 0;
	int ret;

	for (;;) {
		ssize_t r;

		ret = vt_buf_reserve(&b->s, b->s.len + CHUNK);
		if (ret)
			return ret;
		r = read(fd, b->s.data + b->s.len, CHUNK);
		if (r < 0 && errno == ENOMSG)
			return (int64_t)total;
		if (r <= 0) {
			fprintf(stderr, "%s: read in PRE_COPY: %s\n",
				b->p.dev[0].vt.name, r ? strerror(errno) : "end");
			return r ? -errno : -EPROTO;
		}
		b->s.len += (size_t)r;
		total += (uint64_t)r;
		since += (uint64_t)r;
		if (dirty_every && since >= dirty_every) {
			since = 0;
			ret = dirty(b, n);
			if (ret)
				return ret;
		}
	}
}

static int run(struct bench *b, int pct, int rounds)
{
	struct mvf_dev *vf0 = &b->p.dev[0], *vf1 = &b->p.dev[1];
	uint64_t share = b->pages * (uint64_t)pct / 100, only_bytes;
	double t0, t_only, t_pre_stop, t_pre_total, t_iter[ITERS];
	struct mvf_ring r1;
	struct mvf_ctx c1;
	int64_t pre = 0, n;
	size_t before;
	int fd, ret, i;

	if (!share)
		share = 1;
	ret = mvf_fill_all_pages(&b->p.ctx[0], &b->m, 0xbe0c0000ull, 0);
	if (ret)
		return ret;

	/*
	 * Room for both streams, faulted in up front so that neither run
	 * pays for page faults or realloc() copies.
	 */
	ret = vt_buf_reserve(&b->s, 2 * b->p.devmem + (16u << 20));
	if (ret)
		return ret;
	memset(b->s.data, 0, b->s.cap);

	/* 1. STOP_COPY only: median of ITERS saves */
	ret = vt_mig_set_state(&vf0->vt, VFIO_DEVICE_STATE_STOP, NULL);
	if (ret)
		return ret;
	for (i = 0; i < ITERS; i++) {
		t0 = mvf_now();
		ret = vt_mig_save(&vf0->vt, &b->s);
		t_iter[i] = mvf_now() - t0;
		if (ret)
			return ret;
	}
	t_only = median3(t_iter);
	only_bytes = b->s.len;
	ret = vt_mig_set_state(&vf0->vt, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (ret)
		return ret;

	/* 2. PRE_COPY with the workload */
	b->s.len = 0;
	t0 = mvf_now();
	ret = vt_mig_set_state(&vf0->vt, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	if (ret)
		return ret;
	/* initial data: the share dirtied over its duration */
	n = read_pre(b, fd, b->pages * MVF_IMG_PAGE_SIZE / 8, share / 8 + 1);
	if (n < 0)
		goto err;
	pre += n;
	for (i = 0; i < rounds; i++) {
		ret = dirty(b, share);
		if (ret)
			goto err_ret;
		n = read_pre(b, fd, 0, 0);
		if (n < 0)
			goto err;
		pre += n;
	}
	ret = dirty(b, share);
	if (ret)
		goto err_ret;
	ret = vt_mig_set_state(&vf0->vt, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL);
	if (ret)
		goto err_ret;
	before = b->s.len;
	t_pre_stop = mvf_now();
	ret = vt_mig_set_state(&vf0->vt, VFIO_DEVICE_STATE_STOP_COPY, NULL);
	if (ret)
		goto err_ret;
	ret = vt_mig_read_all(&vf0->vt, fd, &b->s);
	if (ret)
		goto err_ret;
	ret = vt_mig_set_state(&vf0->vt, VFIO_DEVICE_STATE_STOP, NULL);
	if (ret)
		goto err_ret;
	t_pre_stop = mvf_now() - t_pre_stop;
	t_pre_total = mvf_now() - t0;
	close(fd);

	/* the stream works: load VF1 and compare every page */
	ret = vt_mig_set_state(&vf1->vt, VFIO_DEVICE_STATE_STOP, NULL);
	if (!ret)
		ret = vt_mig_load(&vf1->vt, b->s.data, b->s.len);
	if (!ret)
		ret = vt_mig_set_state(&vf1->vt, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (ret)
		return ret;
	r1 = b->p.ring[0];
	c1 = (struct mvf_ctx){ .dev = vf1, .ring = &r1,
			       .bounce = &b->p.bounce[0] };
	if (mvf_dev_verify(&c1, &b->m, 0, b->p.devmem) != -1) {
		fprintf(stderr, "%s: device memory differs after PRE_COPY migration\n",
			vf1->vt.name);
		return -EIO;
	}

	emit(b, "precopy_devmem_mib=%.0f\n", b->p.devmem / MIB);
	emit(b, "precopy_dirty_share_pct=%d\n", pct);
	emit(b, "precopy_rounds=%d\n", rounds);
	emit(b, "precopy_dirtied_pages_per_round=%llu\n",
	     (unsigned long long)share);
	emit(b, "stop_copy_only_bytes=%llu\n", (unsigned long long)only_bytes);
	emit(b, "stop_copy_only_s=%.3f\n", t_only);
	emit(b, "stop_copy_only_iterations=%d\n", ITERS);
	emit(b, "precopy_pre_copy_bytes=%lld\n", (long long)(before));
	emit(b, "precopy_stop_copy_bytes=%llu\n",
	     (unsigned long long)(b->s.len - before));
	emit(b, "precopy_total_bytes=%zu\n", b->s.len);
	emit(b, "precopy_stop_copy_share_of_total=%.4f\n",
	     (double)(b->s.len - before) / (double)b->s.len);
	emit(b, "precopy_stop_copy_share_of_stop_copy_only=%.4f\n",
	     (double)(b->s.len - before) / (double)only_bytes);
	emit(b, "precopy_stop_copy_s=%.3f\n", t_pre_stop);
	emit(b, "precopy_total_s=%.3f\n", t_pre_total);
	emit(b, "precopy_stop_copy_time_ratio=%.4f\n", t_pre_stop / t_only);
	emit(b, "precopy_verified=1\n");
	(void)pre;
	return 0;
err:
	ret = (int)n;
err_ret:
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	char vf0[MVF_BDF_LEN], vf1[MVF_BDF_LEN];
	const char *e;
	struct bench b;
	int pct = 10, rounds = 3, ret;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OUTFILE [VF0-BDF VF1-BDF]\n", argv[0]);
		return 2;
	}
	memset(&b, 0, sizeof(b));
	b.rnd = 0x9e3779b97f4a7c15ull;
	e = getenv("MVF_PC_DIRTY_PCT");
	if (e && *e)
		pct = atoi(e);
	e = getenv("MVF_PC_ROUNDS");
	if (e && *e)
		rounds = atoi(e);
	if (pct < 1 || pct > 100 || rounds < 0 || rounds > 100) {
		fprintf(stderr, "MVF_PC_DIRTY_PCT 1..100, MVF_PC_ROUNDS 0..100\n");
		return 2;
	}
	b.out = fopen(argv[1], "a");
	if (!b.out) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	argv[1] = argv[0];
	argc--;
	argv++;
	if (mvf_select_vfs(&argc, argv, vf0, vf1))
		return 1;
	ret = mvf_pair_open(&b.p, vf0, vf1, 1u << 20);
	if (ret)
		return 1;
	b.pages = b.p.devmem / MVF_IMG_PAGE_SIZE;
	ret = mvf_model_init(&b.m, b.p.devmem);
	if (!ret)
		ret = run(&b, pct, rounds);
	if (ret)
		fprintf(stderr, "mvf-precopy-bench: %s\n", strerror(-ret));
	vt_buf_free(&b.s);
	mvf_model_free(&b.m);
	mvf_pair_close(&b.p);
	fclose(b.out);
	return ret ? 1 : 0;
}
