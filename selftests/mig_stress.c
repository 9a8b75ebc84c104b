// SPDX-License-Identifier: GPL-2.0
/*
 * mig_stress: data_fd concurrency and user-memory corner cases.
 *
 * Every test compares byte for byte against VF0's reference stream (saved
 * in STOP at setup; a save of an unchanged stopped VF is reproducible).
 * "While a read is in progress" is made certain, not likely: the reader's
 * buffer is userfaultfd memory, so it stops inside the driver's
 * copy_to_user() with the file's rw_lock held until the test lets it go.
 *
 *  - concurrent_readers_exactly_once: four threads read one STOP_COPY
 *    data_fd; every 64 KiB slice of the stream is returned exactly once;
 *  - leave_stop_copy_during_read, reset_during_read,
 *    close_device_during_read: the arc / VFIO_DEVICE_RESET / device close
 *    completes while a reader is stopped mid-copy; the reader then gets
 *    the bytes it was copying (a prefix of the stream), the next read()
 *    -ENODEV; the VF saves (and, after close, reopens) fine;
 *  - two_writers_race: two threads write the whole stream into one
 *    resuming data_fd; either the load fails (exact errnos, ERROR, reset
 *    recovers) or it loaded exactly VF0's state; then a clean load works;
 *  - efault_does_not_consume: -EFAULT (also after a partial copy) neither
 *    loses nor duplicates bytes, on the saving and the resuming side;
 *  - odd_write_sizes_resave_equal: the stream written in 1-byte pieces
 *    over the record headers, then odd sizes, loads; VF1 saved again
 *    gives VF0's stream byte for byte.
 *
 * Usage: mig_stress [harness options] [VF0-BDF VF1-BDF]
 */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mvf_ksft.h"

#define SX_BOUNCE	(64u << 10)
#define SX_SLICE	(64u << 10)
#define SX_READERS	4
#define SX_FAULT_MS	20000
#define SX_BLOCKED_LEN	(1u << 20)

FIXTURE(sx) {
	struct mvf_pair p;
	struct vt_buf ref;	/* VF0's stream, saved in STOP */
	struct vt_buf got;
	long pagesz;
};

FIXTURE_SETUP(sx)
{
	ASSERT_EQ(0, mvf_pair_open(&self->p, mvf_vf_bdf[0], mvf_vf_bdf[1],
				   SX_BOUNCE));
	self->pagesz = sysconf(_SC_PAGESIZE);
	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_save(&self->p.dev[0].vt, &self->ref));
	ASSERT_LT(self->p.devmem, (uint64_t)self->ref.len);
}

FIXTURE_TEARDOWN(sx)
{
	vt_buf_free(&self->got);
	vt_buf_free(&self->ref);
	mvf_pair_close(&self->p);
}

static ssize_t rd(int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	return n < 0 ? -errno : n;
}

static ssize_t wr(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	return n < 0 ? -errno : n;
}

/* Save VF0 (in STOP) again and compare with the reference. */
static void expect_resave_equal(struct __test_metadata *_metadata,
				FIXTURE_DATA(sx) *self, int vf)
{
	struct vt_buf again = { 0 };

	ASSERT_EQ(0, vt_mig_save(&self->p.dev[vf].vt, &again));
	ASSERT_EQ(self->ref.len, again.len);
	ASSERT_EQ(0, memcmp(self->ref.data, again.data, again.len))
		TH_LOG("VF%d's stream differs from VF0's reference", vf);
	vt_buf_free(&again);
}

/* ---- concurrent readers ---- */

struct slice {
	uint32_t crc;
	uint32_t len;
	const uint8_t *data;
};

struct sx_reader {
	int fd;
	struct slice *s;	/* chunks read */
	size_t n, cap;
	int err;		/* errno that ended it, 0 at the end */
	bool eof;
};

static void *sx_reader_fn(void *arg)
{
	struct sx_reader *r = arg;

	for (;;) {
		uint8_t *b;
		ssize_t n;

		if (r->n == r->cap) {
			r->err = ENOSPC;
			return NULL;
		}
		b = malloc(SX_SLICE);
		if (!b) {
			r->err = ENOMEM;
			return NULL;
		}
		n = rd(r->fd, b, SX_SLICE);
		if (n <= 0) {
			free(b);
			r->err = n < 0 ? (int)-n : 0;
			r->eof = !n;
			return NULL;
		}
		r->s[r->n++] = (struct slice){
			.crc = mvf_crc32c(0, b, (size_t)n),
			.len = (uint32_t)n, .data = b,
		};
	}
}

static int slice_cmp(const void *a, const void *b)
{
	const struct slice *x = a, *y = b;

	if (x->crc != y->crc)
		return x->crc < y->crc ? -1 : 1;
	return (int)x->len - (int)y->len;
}

TEST_F_TIMEOUT(sx, concurrent_readers_exactly_once, 600)
{
	size_t nsl = (self->ref.len + SX_SLICE - 1) / SX_SLICE, i, k = 0;
	struct sx_reader r[SX_READERS];
	struct slice *want, *have;
	pthread_t t[SX_READERS];
	int fd;

	want = calloc(nsl, sizeof(*want));
	have = calloc(nsl + SX_READERS, sizeof(*have));
	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, have);
	for (i = 0; i < nsl; i++) {
		size_t off = i * SX_SLICE, len = self->ref.len - off;

		if (len > SX_SLICE)
			len = SX_SLICE;
		want[i] = (struct slice){
			.crc = mvf_crc32c(0, self->ref.data + off, len),
			.len = (uint32_t)len, .data = self->ref.data + off,
		};
	}

	ASSERT_SET_STATE_FD(&self->p.dev[0], VFIO_DEVICE_STATE_STOP_COPY, &fd);
	for (i = 0; i < SX_READERS; i++) {
		r[i] = (struct sx_reader){ .fd = fd, .cap = nsl + 1 };
		r[i].s = calloc(r[i].cap, sizeof(*r[i].s));
		ASSERT_NE(NULL, r[i].s);
		ASSERT_EQ(0, pthread_create(&t[i], NULL, sx_reader_fn, &r[i]));
	}
	for (i = 0; i < SX_READERS; i++)
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	for (i = 0; i < SX_READERS; i++) {
		TH_LOG("reader %zu: %zu reads", i, r[i].n);
		EXPECT_EQ(0, r[i].err) TH_LOG("reader %zu: %s", i,
					      strerror(r[i].err));
		EXPECT_TRUE(r[i].eof);
		memcpy(have + k, r[i].s, r[i].n * sizeof(*have));
		k += r[i].n;
	}
	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, close(fd));

	/*
	 * Reads are full unless the stream ends, so the reads are the
	 * stream's 64 KiB slices in some order: compare as multisets.
	 */
	ASSERT_EQ(nsl, k) TH_LOG("%zu reads for %zu slices", k, nsl);
	qsort(want, nsl, sizeof(*want), slice_cmp);
	qsort(have, k, sizeof(*have), slice_cmp);
	for (i = 0; i < nsl; i++) {
		ASSERT_EQ(want[i].len, have[i].len);
		ASSERT_EQ(want[i].crc, have[i].crc);
		ASSERT_EQ(0, memcmp(want[i].data, have[i].data, want[i].len));
	}
	for (i = 0; i < SX_READERS; i++) {
		for (k = 0; k < r[i].n; k++)
			free((void *)r[i].s[k].data);
		free(r[i].s);
	}
	free(want);
	free(have);
}

/* ---- a reader stopped inside read() ---- */

struct blocked_reader {
	int fd;
	void *buf;
	size_t len;
	ssize_t ret;
};

static void *blocked_reader_fn(void *arg)
{
	struct blocked_reader *b = arg;

	b->ret = rd(b->fd, b->buf, b->len);
	return NULL;
}

enum interrupt { LEAVE_STOP_COPY, RESET, CLOSE_DEVICE };

/*
 * Start a STOP_COPY read into userfaultfd memory, wait until it stops in
 * the driver's copy, do @what, let the reader go.  It must return a
 * prefix of the stream; the file is then dead.
 */
static void interrupt_read(struct __test_metadata *_metadata,
			   FIXTURE_DATA(sx) *self, enum interrupt what)
{
	struct mvf_dev *vf0 = &self->p.dev[0];
	struct blocked_reader b = { .len = SX_BLOCKED_LEN };
	struct mvf_uffd uf;
	uint64_t fault;
	pthread_t t;
	char c;

	ASSERT_EQ(0, mvf_uffd_open(&uf, SX_BLOCKED_LEN));
	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_STOP_COPY, &b.fd);
	b.buf = uf.area;
	ASSERT_EQ(0, pthread_create(&t, NULL, blocked_reader_fn, &b));
	ASSERT_EQ(0, mvf_uffd_wait_fault(&uf, SX_FAULT_MS, &fault));
	ASSERT_EQ((uintptr_t)uf.area, fault);

	/* none of these may wait for the reader */
	switch (what) {
	case LEAVE_STOP_COPY:
		ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
		break;
	case RESET:
		ASSERT_EQ(0, vt_dev_reset(&vf0->vt));
		ASSERT_MIG_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
		break;
	case CLOSE_DEVICE:
		mvf_dev_close(vf0);
		break;
	}

	ASSERT_EQ(0, mvf_uffd_release(&uf));
	ASSERT_EQ(0, pthread_join(t, NULL));
	TH_LOG("reader stopped mid-copy returned %zd", b.ret);
	ASSERT_LT(0, b.ret) TH_LOG("%s", strerror((int)-b.ret));
	ASSERT_GE((ssize_t)SX_BLOCKED_LEN, b.ret);
	ASSERT_EQ(0, memcmp(self->ref.data, uf.area, (size_t)b.ret));
	ASSERT_EQ(-ENODEV, rd(b.fd, &c, 1));
	ASSERT_EQ(0, close(b.fd));
	mvf_uffd_close(&uf);

	if (what == CLOSE_DEVICE) {
		ASSERT_EQ(0, mvf_dev_open(&self->p.vfio, vf0, mvf_vf_bdf[0]));
		ASSERT_MIG_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	}
	if (what != LEAVE_STOP_COPY) {
		/* registers were reset: the device works and saves */
		ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, 0));
		ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
		vt_buf_free(&self->ref);
		ASSERT_EQ(0, vt_mig_save(&vf0->vt, &self->ref));
	}
	expect_resave_equal(_metadata, self, 0);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
}

TEST_F_TIMEOUT(sx, leave_stop_copy_during_read, 300)
{
	interrupt_read(_metadata, self, LEAVE_STOP_COPY);
}

TEST_F_TIMEOUT(sx, reset_during_read, 300)
{
	interrupt_read(_metadata, self, RESET);
}

TEST_F_TIMEOUT(sx, close_device_during_read, 300)
{
	interrupt_read(_metadata, self, CLOSE_DEVICE);
}

/* ---- the resuming side ---- */

struct sx_writer {
	int fd;
	const uint8_t *p;
	size_t len, piece, done;
	int err;
};

static void *sx_writer_fn(void *arg)
{
	struct sx_writer *w = arg;

	while (w->done < w->len) {
		size_t n = w->len - w->done;
		ssize_t k;

		if (n > w->piece)
			n = w->piece;
		k = wr(w->fd, w->p + w->done, n);
		if (k <= 0) {
			w->err = k ? (int)-k : EIO;
			return NULL;
		}
		w->done += (size_t)k;
	}
	return NULL;
}

static bool load_errno(int e)
{
	/* corrupt image, record too large, unknown tag or flags */
	return e == EINVAL || e == ENOMEM || e == EOPNOTSUPP;
}

TEST_F_TIMEOUT(sx, two_writers_race, 600)
{
	struct mvf_dev *vf1 = &self->p.dev[1];
	struct sx_writer w[2];
	pthread_t t[2];
	int fd, ret, i;

	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_RESUMING, &fd);
	for (i = 0; i < 2; i++) {
		w[i] = (struct sx_writer){
			.fd = fd, .p = self->ref.data, .len = self->ref.len,
			.piece = i ? 5003 : 4093,
		};
		ASSERT_EQ(0, pthread_create(&t[i], NULL, sx_writer_fn, &w[i]));
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	ret = vt_mig_set_state_quiet(&vf1->vt, VFIO_DEVICE_STATE_STOP, NULL);
	TH_LOG("writers: %s / %s; RESUMING -> STOP: %s",
	       strerror(w[0].err), strerror(w[1].err), strerror(-ret));
	ASSERT_TRUE(!w[0].err || load_errno(w[0].err));
	ASSERT_TRUE(!w[1].err || load_errno(w[1].err));
	if (!ret) {
		/* a second whole image after the first (HEADER restarts) */
		ASSERT_EQ(0, w[0].err);
		ASSERT_EQ(0, w[1].err);
		ASSERT_MIG_STATE(vf1, VFIO_DEVICE_STATE_STOP);
		expect_resave_equal(_metadata, self, 1);
	} else {
		ASSERT_TRUE(load_errno(-ret));
		if (w[0].err || w[1].err)
			ASSERT_EQ(-ret, w[0].err ? w[0].err : w[1].err)
				TH_LOG("RESUMING -> STOP errno is not the sticky one");
		ASSERT_MIG_STATE(vf1, VFIO_DEVICE_STATE_ERROR);
		ASSERT_EQ(0, vt_dev_reset(&vf1->vt));
		ASSERT_MIG_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
		ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, 1));
	}
	ASSERT_EQ(0, close(fd));
	/* one writer: loads, and VF1 is VF0 */
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_load(&vf1->vt, self->ref.data, self->ref.len));
	expect_resave_equal(_metadata, self, 1);
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
}

/* Two pages: the first readable and writable, the second PROT_NONE. */
static uint8_t *edge_pages(struct __test_metadata *_metadata, long pagesz)
{
	uint8_t *m = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, mprotect(m + pagesz, pagesz, PROT_NONE));
	return m;
}

TEST_F_TIMEOUT(sx, efault_does_not_consume, 600)
{
	struct mvf_dev *vf0 = &self->p.dev[0], *vf1 = &self->p.dev[1];
	size_t ps = (size_t)self->pagesz, off;
	uint8_t *m = edge_pages(_metadata, self->pagesz), *bad = m + ps;
	ssize_t n;
	int fd;

	/* saving */
	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	ASSERT_EQ(-EFAULT, rd(fd, bad, 100));
	ASSERT_EQ(0, vt_buf_reserve(&self->got, self->ref.len));
	ASSERT_EQ(7, rd(fd, self->got.data, 7));	/* inside the header */
	self->got.len = 7;
	ASSERT_EQ(-EFAULT, rd(fd, bad, 100));
	/* a copy that faults part way: only whole copies are consumed */
	n = rd(fd, m, 2 * ps);
	ASSERT_LT(0, n) TH_LOG("%s", strerror((int)-n));
	ASSERT_GT((ssize_t)ps, n);
	ASSERT_EQ(0, vt_buf_append(&self->got, m, (size_t)n));
	ASSERT_EQ(0, vt_mig_read_all(&vf0->vt, fd, &self->got));
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(self->ref.len, self->got.len);
	ASSERT_EQ(0, memcmp(self->ref.data, self->got.data, self->got.len));

	/* resuming */
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_RESUMING, &fd);
	ASSERT_EQ(-EFAULT, wr(fd, bad, 100));
	ASSERT_EQ(7, wr(fd, self->ref.data, 7));
	ASSERT_EQ(-EFAULT, wr(fd, bad, 100));
	off = 7;
	memcpy(m, self->ref.data + off, ps);
	n = wr(fd, m, 2 * ps);
	ASSERT_LT(0, n) TH_LOG("%s", strerror((int)-n));
	ASSERT_GE((ssize_t)ps, n);
	off += (size_t)n;
	ASSERT_EQ(0, vt_mig_write_all(&vf1->vt, fd, self->ref.data + off,
				       self->ref.len - off, 0, NULL));
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, close(fd));
	munmap(m, 2 * ps);
	expect_resave_equal(_metadata, self, 1);
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
}

TEST_F_TIMEOUT(sx, odd_write_sizes_resave_equal, 600)
{
	struct mvf_dev *vf1 = &self->p.dev[1];
	size_t off = 0, piece = 1, nhdr = 0;
	ssize_t n;
	int fd;

	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_RESUMING, &fd);
	while (off < self->ref.len) {
		size_t len = self->ref.len - off;

		if (len > piece)
			len = piece;
		n = wr(fd, self->ref.data + off, len);
		ASSERT_EQ((ssize_t)len, n)
			TH_LOG("write %zu at %zu: %s", len, off,
			       n < 0 ? strerror((int)-n) : "short");
		off += len;
		/* 1-byte pieces over the first 3 record headers */
		if (off < 64 || (nhdr < 3 && off % SX_SLICE < 32)) {
			piece = 1;
		} else {
			nhdr += piece == 1;
			piece = piece == 1 ? 3 : (piece * 7 + 1) % 300007 + 1;
		}
	}
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, close(fd));
	expect_resave_equal(_metadata, self, 1);
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
}

MVF_KSFT_MAIN
