// SPDX-License-Identifier: GPL-2.0
/*
 * mvf-bench: STOP_COPY save and resume throughput of a VF, each as MiB/s
 * and as a ratio to in-guest memcpy() of the same number of bytes
 * measured in the same run (the test VM is emulated and the host is
 * shared, so only ratios are comparable between runs).  The data_fd is
 * read and written in 1 MiB read()/write() calls, as QEMU does.
 *
 *   save      STOP -> STOP_COPY, read() the stream into memory, -> STOP
 *   resume    STOP -> RESUMING, write() that stream into VF1, -> STOP
 *   save_one  VF0 alone, read() into one 1 MiB buffer (the stream is
 *             discarded, as QEMU sends it on)
 *   save_two  VF0 and VF1 at the same time, one thread each, as save_one;
 *             two_vfs_vs_one = (2 streams / wall time) / (1 stream / its
 *             time), 2.0 is perfect scaling
 *   peak_*    the largest rise of /proc/meminfo Slab and VmallocUsed
 *             (KiB) over the value before the data_fd was opened, sampled
 *             every millisecond during one extra save and one resume
 *
 * Times are medians over the iterations.
 *
 * Usage: mvf-bench OUTFILE [VF0-BDF VF1-BDF]
 * Environment: MVF_BENCH_ITERS (default 3).
 * OUTFILE gets key=value lines; the same lines go to stdout.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mvf_pair.h"

#define MIB		(1024.0 * 1024.0)
#define IO_SIZE		(1u << 20)	/* QEMU's data_fd read()/write() size */
#define MEMCPY_DST	(64u << 20)	/* memcpy destination, reused */
#define MAX_ITERS	16

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

/*
 * Median time to memcpy() the @len bytes at @src, seconds, over @iters
 * runs: the same bytes the data_fd moved, copied in IO_SIZE pieces into
 * a MEMCPY_DST destination that is reused (so no extra @len of RAM).
 */
static double memcpy_seconds(const uint8_t *src, size_t len, int iters)
{
	double t[MAX_ITERS];
	uint8_t *dst;
	int i;

	dst = mmap(NULL, MEMCPY_DST, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (dst == MAP_FAILED)
		return 0;
	for (i = 0; i < iters; i++) {
		double t0 = mvf_now();
		size_t off, n;

		for (off = 0; off < len; off += n) {
			n = len - off < IO_SIZE ? len - off : IO_SIZE;
			memcpy(dst + off % MEMCPY_DST, src + off, n);
		}
		__asm__ __volatile__("" : : "r"(dst) : "memory");
		t[i] = mvf_now() - t0;
	}
	munmap(dst, MEMCPY_DST);
	return median(t, iters);
}

/* Slab + VmallocUsed sampling, KiB. */
struct memwatch {
	pthread_t thread;
	volatile int stop;
	long slab0, vmalloc0;	/* before */
	long slab_peak, vmalloc_peak;
};

static int meminfo(long *slab, long *vmalloc)
{
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");
	int got = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Slab: %ld", slab) == 1)
			got |= 1;
		else if (sscanf(line, "VmallocUsed: %ld", vmalloc) == 1)
			got |= 2;
	}
	fclose(f);
	return got == 3 ? 0 : -ENOENT;
}

static void *memwatch_fn(void *arg)
{
	struct memwatch *w = arg;
	long s, v;

	while (!w->stop) {
		if (!meminfo(&s, &v)) {
			if (s > w->slab_peak)
				w->slab_peak = s;
			if (v > w->vmalloc_peak)
				w->vmalloc_peak = v;
		}
		usleep(1000);
	}
	return NULL;
}

static int memwatch_start(struct memwatch *w)
{
	memset(w, 0, sizeof(*w));
	if (meminfo(&w->slab0, &w->vmalloc0))
		return -ENOENT;
	w->slab_peak = w->slab0;
	w->vmalloc_peak = w->vmalloc0;
	return -pthread_create(&w->thread, NULL, memwatch_fn, w);
}

static void memwatch_stop(struct memwatch *w)
{
	w->stop = 1;
	pthread_join(w->thread, NULL);
}

/*
 * One STOP_COPY save of @d: read() in IO_SIZE calls into @out (at least
 * @cap bytes; the stream stays there) or, with @out NULL, into one
 * IO_SIZE buffer.  *@len gets the stream bytes.  0 or -errno.
 */
static int save(struct mvf_dev *d, uint8_t *out, size_t cap, size_t *len)
{
	static __thread uint8_t sink[IO_SIZE];
	size_t got = 0;
	int fd, ret;

	ret = vt_mig_set_state(&d->vt, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (ret)
		return ret;
	for (;;) {
		uint8_t *dst = out ? out + got : sink;
		ssize_t n;

		if (out && cap - got < IO_SIZE) {
			fprintf(stderr, "%s: stream longer than %zu bytes\n",
				d->vt.name, cap);
			close(fd);
			return -EFBIG;
		}
		n = read(fd, dst, IO_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			fprintf(stderr, "%s: read data_fd at %zu: %s\n",
				d->vt.name, got, strerror(-ret));
			close(fd);
			return ret;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return vt_mig_set_state(&d->vt, VFIO_DEVICE_STATE_STOP, NULL);
}

static int resume(struct mvf_dev *d, const uint8_t *s, size_t len)
{
	size_t done;
	int fd, ret;

	ret = vt_mig_set_state(&d->vt, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (ret)
		return ret;
	ret = vt_mig_write_all(&d->vt, fd, s, len, IO_SIZE, &done);
	close(fd);
	if (ret) {
		fprintf(stderr, "%s: write data_fd at %zu of %zu: %s\n",
			d->vt.name, done, len, strerror(-ret));
		return ret;
	}
	return vt_mig_set_state(&d->vt, VFIO_DEVICE_STATE_STOP, NULL);
}

struct saver {
	pthread_t thread;
	struct mvf_dev *dev;
	size_t len;
	int ret;
};

static void *saver_fn(void *arg)
{
	struct saver *s = arg;

	s->ret = save(s->dev, NULL, 0, &s->len);
	return NULL;
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
	double tsave[MAX_ITERS], tload[MAX_ITERS], tone[MAX_ITERS];
	double ttwo[MAX_ITERS], ms, mr, mc, m1, m2;
	const char *env = getenv("MVF_BENCH_ITERS");
	int iters = env ? atoi(env) : 3, i, ret, verified = 1;
	struct memwatch ws, wr;
	struct saver sv[2];
	struct mvf_regs s0, s1;
	uint64_t est;
	size_t cap, len = 0, n;
	struct utsname un;
	uint8_t *stream;
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OUTFILE [VF0-BDF VF1-BDF]\n", argv[0]);
		return 2;
	}
	if (iters < 1 || iters > MAX_ITERS)
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

	/* every page written, so the image is full-size and not zeros */
	ret = mvf_fill_all_pages(&p->ctx[0], NULL, 0xbe4c000000000001ull, 0);
	if (ret) {
		fprintf(stderr, "filling VF0: %s\n", strerror(-ret));
		return 2;
	}
	ret = vt_mig_set_state(&p->dev[0].vt, VFIO_DEVICE_STATE_STOP, NULL);
	ret = ret ? ret : vt_mig_set_state(&p->dev[1].vt,
					    VFIO_DEVICE_STATE_STOP, NULL);
	ret = ret ? ret : vt_mig_data_size(&p->dev[0].vt, &est);
	if (ret)
		return 2;
	/* The estimate plus slack: one mapping, no realloc of a GiB. */
	cap = (size_t)est + est / 16 + 4 * IO_SIZE;
	stream = mmap(NULL, cap, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (stream == MAP_FAILED) {
		fprintf(stderr, "stream buffer of %zu bytes: %s\n", cap,
			strerror(errno));
		return 2;
	}
	mvf_regs_read(&p->dev[0], &s0);
	for (i = 0; i < iters; i++) {
		double t0 = mvf_now();

		if (save(&p->dev[0], stream, cap, &len))
			return 2;
		tsave[i] = mvf_now() - t0;
		t0 = mvf_now();
		if (resume(&p->dev[1], stream, len))
			return 2;
		tload[i] = mvf_now() - t0;
		mvf_regs_read(&p->dev[1], &s1);
		if (mvf_regs_diff("bench VF0 vs VF1", &s0, &s1, 0))
			verified = 0;
		fprintf(stderr, "# iteration %d: save %.3f s, resume %.3f s, %zu bytes\n",
			i + 1, tsave[i], tload[i], len);
	}
	/* VF1 holds VF0's image now (STOP): a full-size image as well. */
	for (i = 0; i < iters; i++) {
		double t0 = mvf_now();
		int k;

		if (save(&p->dev[0], NULL, 0, &n))
			return 2;
		tone[i] = mvf_now() - t0;
		t0 = mvf_now();
		for (k = 0; k < 2; k++) {
			sv[k] = (struct saver){ .dev = &p->dev[k] };
			if (pthread_create(&sv[k].thread, NULL, saver_fn, &sv[k]))
				return 2;
		}
		for (k = 0; k < 2; k++)
			pthread_join(sv[k].thread, NULL);
		ttwo[i] = mvf_now() - t0;
		if (sv[0].ret || sv[1].ret || sv[0].len != n)
			return 2;
		fprintf(stderr, "# iteration %d: one VF %.3f s, two VFs %.3f s\n",
			i + 1, tone[i], ttwo[i]);
	}

	/* Driver memory: one more save and resume, watched, not timed. */
	if (memwatch_start(&ws))
		return 2;
	ret = save(&p->dev[0], stream, cap, &len);
	memwatch_stop(&ws);
	if (ret || memwatch_start(&wr))
		return 2;
	ret = resume(&p->dev[1], stream, len);
	memwatch_stop(&wr);
	if (ret)
		return 2;

	ms = median(tsave, iters);
	mr = median(tload, iters);
	m1 = median(tone, iters);
	m2 = median(ttwo, iters);
	mc = memcpy_seconds(stream, len, 5);
	if (mc <= 0)
		return 2;
	mc = len / MIB / mc;

	uname(&un);
	out(f, "kernel=%s\n", un.release);
	out(f, "devmem_bytes=%llu\n", (unsigned long long)p->devmem);
	out(f, "devmem_mib=%.0f\n", p->devmem / MIB);
	out(f, "stream_bytes=%zu\n", len);
	out(f, "io_bytes=%u\n", IO_SIZE);
	out(f, "iterations=%d\n", iters);
	out(f, "save_seconds=%.4f\n", ms);
	out(f, "save_mib_s=%.1f\n", len / MIB / ms);
	out(f, "resume_seconds=%.4f\n", mr);
	out(f, "resume_mib_s=%.1f\n", len / MIB / mr);
	out(f, "memcpy_mib_s=%.1f\n", mc);
	out(f, "save_vs_memcpy=%.4f\n", len / MIB / ms / mc);
	out(f, "resume_vs_memcpy=%.4f\n", len / MIB / mr / mc);
	out(f, "save_one_mib_s=%.1f\n", len / MIB / m1);
	out(f, "save_two_mib_s=%.1f\n", 2 * len / MIB / m2);
	out(f, "two_vfs_vs_one=%.3f\n", 2 * m1 / m2);
	out(f, "save_peak_slab_kib=%ld\n", ws.slab_peak - ws.slab0);
	out(f, "save_peak_vmalloc_kib=%ld\n", ws.vmalloc_peak - ws.vmalloc0);
	out(f, "resume_peak_slab_kib=%ld\n", wr.slab_peak - wr.slab0);
	out(f, "resume_peak_vmalloc_kib=%ld\n", wr.vmalloc_peak - wr.vmalloc0);
	out(f, "verified=%d\n", verified);
	fclose(f);
	vt_mig_set_state(&p->dev[0].vt, VFIO_DEVICE_STATE_RUNNING, NULL);
	vt_mig_set_state(&p->dev[1].vt, VFIO_DEVICE_STATE_RUNNING, NULL);
	munmap(stream, cap);
	mvf_pair_close(p);
	return verified ? 0 : 1;
}
