// SPDX-License-Identifier: GPL-2.0
/*
 * mvf-bench: STOP_COPY save and resume throughput of a VF, each as MiB/s
 * and as a ratio to in-guest memcpy() of the same size measured in the
 * same run (the test VM is emulated and the host is shared, so only the
 * ratio is comparable between runs).  Times are medians over the
 * iterations; save = STOP -> STOP_COPY, read() to the end, STOP_COPY ->
 * STOP; resume = STOP -> RESUMING, write() all, RESUMING -> STOP.
 *
 * Usage: mvf-bench OUTFILE [VF0-BDF VF1-BDF]
 * Environment: MVF_BENCH_ITERS (default 3).
 * OUTFILE gets key=value lines; the same lines go to stdout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include "mvf_pair.h"

#define MIB	(1024.0 * 1024.0)

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median memcpy() time for @len bytes over @iters runs, seconds. */
static double memcpy_seconds(size_t len, int iters)
{
	double t[16];
	uint8_t *a, *b;
	int i;

	if (iters > 16)
		iters = 16;

	a = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	b = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		return 0;
	memset(a, 0x5a, len);
	memset(b, 0xa5, len);
	for (i = 0; i < iters; i++) {
		double t0 = mvf_now();

		memcpy(b, a, len);
		__asm__ __volatile__("" : : "r"(b) : "memory");
		t[i] = mvf_now() - t0;
	}
	munmap(a, len);
	munmap(b, len);
	return median(t, iters);
}

static void out(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

int main(int argc, char **argv)
{
	static struct mvf_pair pair;
	struct mvf_pair *p = &pair;
	char bdf0[MVF_BDF_LEN], bdf1[MVF_BDF_LEN];
	struct vt_buf stream = { 0 };
	struct mvf_regs s0, s1;
	double *tsave, *tload, ms, mr, mc, bs, br;
	const char *env = getenv("MVF_BENCH_ITERS");
	int iters = env ? atoi(env) : 3, i, ret, verified = 1;
	struct utsname un;
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OUTFILE [VF0-BDF VF1-BDF]\n", argv[0]);
		return 2;
	}
	if (iters < 1 || iters > 100)
		iters = 3;
	argv++;
	argc--;
	if (mvf_select_vfs(&argc, argv, bdf0, bdf1))
		return 2;
	f = fopen(argv[0], "w");
	if (!f) {
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		return 2;
	}
	ret = mvf_pair_open(p, bdf0, bdf1, 4u << 20);
	if (ret) {
		fprintf(stderr, "cannot open %s and %s: %s\n", bdf0, bdf1,
			strerror(-ret));
		fclose(f);
		return 2;
	}
	tsave = calloc((size_t)iters, sizeof(double));
	tload = calloc((size_t)iters, sizeof(double));
	if (!tsave || !tload)
		return 2;

	/* every page written, so the image is full-size and not zeros */
	ret = mvf_fill_all_pages(&p->ctx[0], NULL, 0xbe4c000000000001ull, 0);
	if (ret) {
		fprintf(stderr, "filling VF0: %s\n", strerror(-ret));
		return 2;
	}
	ret = vt_mig_set_state(&p->dev[0].vt, VFIO_DEVICE_STATE_STOP, NULL);
	ret = ret ? ret : vt_mig_set_state(&p->dev[1].vt,
					    VFIO_DEVICE_STATE_STOP, NULL);
	if (ret)
		return 2;
	mvf_regs_read(&p->dev[0], &s0);
	for (i = 0; i < iters; i++) {
		double t0 = mvf_now();

		ret = vt_mig_save(&p->dev[0].vt, &stream);
		tsave[i] = mvf_now() - t0;
		if (ret)
			return 2;
		t0 = mvf_now();
		ret = vt_mig_load(&p->dev[1].vt, stream.data, stream.len);
		tload[i] = mvf_now() - t0;
		if (ret)
			return 2;
		mvf_regs_read(&p->dev[1], &s1);
		if (mvf_regs_diff("bench VF0 vs VF1", &s0, &s1, 0))
			verified = 0;
		fprintf(stderr, "# iteration %d: save %.3f s, resume %.3f s, %zu bytes\n",
			i + 1, tsave[i], tload[i], stream.len);
	}
	ms = median(tsave, iters);
	mr = median(tload, iters);
	bs = tsave[0];	/* sorted by median() */
	br = tload[0];
	mc = memcpy_seconds(stream.len, 5);
	if (mc <= 0)
		return 2;
	mc = stream.len / MIB / mc;

	uname(&un);
	out(f, "kernel=%s\n", un.release);
	out(f, "devmem_bytes=%llu\n", (unsigned long long)p->devmem);
	out(f, "devmem_mib=%.0f\n", p->devmem / MIB);
	out(f, "stream_bytes=%zu\n", stream.len);
	out(f, "iterations=%d\n", iters);
	out(f, "save_seconds=%.4f\n", ms);
	out(f, "save_mib_s=%.1f\n", stream.len / MIB / ms);
	out(f, "save_best_seconds=%.4f\n", bs);
	out(f, "resume_seconds=%.4f\n", mr);
	out(f, "resume_mib_s=%.1f\n", stream.len / MIB / mr);
	out(f, "resume_best_seconds=%.4f\n", br);
	out(f, "memcpy_mib_s=%.1f\n", mc);
	out(f, "save_vs_memcpy=%.4f\n", stream.len / MIB / ms / mc);
	out(f, "resume_vs_memcpy=%.4f\n", stream.len / MIB / mr / mc);
	out(f, "verified=%d\n", verified);
	fclose(f);
	vt_mig_set_state(&p->dev[0].vt, VFIO_DEVICE_STATE_RUNNING, NULL);
	vt_mig_set_state(&p->dev[1].vt, VFIO_DEVICE_STATE_RUNNING, NULL);
	vt_buf_free(&stream);
	free(tsave);
	free(tload);
	mvf_pair_close(p);
	return verified ? 0 : 1;
}
