// SPDX-License-Identifier: GPL-2.0
/*
 * mig_stream_errors: the resume side treats the data_fd stream as
 * untrusted input, and the save side survives an abandoned reader.
 *
 * Each test saves VF0, breaks the stream in one way, feeds it to VF1 and
 * expects the exact errno, either from write() or from RESUMING -> STOP:
 *
 *   device-detected corruption (bad magic, CRC, lengths,
 *   truncation, bytes after the end)            -EINVAL
 *   image version / compatibility mismatch      -EOPNOTSUPP
 *   record size above MVF_MIG_RECORD_MAX        -ENOMEM (write)
 *   unknown mandatory record tag                -EOPNOTSUPP (write)
 *
 * A failed RESUMING -> STOP leaves ERROR.  VF1 must be unchanged: its
 * registers read in ERROR equal those before the attempt, and after
 * VFIO_DEVICE_RESET (registers reset, device memory kept by design) its
 * device memory still holds VF1's data, not VF0's.
 *
 * Usage: mig_stream_errors [harness options] [VF0-BDF VF1-BDF]
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "mvf_ksft.h"

#define BOUNCE_SIZE	(1u << 20)
#define WRITE_CHUNK	(64u << 10)
#define NR_SAMPLES	4

FIXTURE(err) {
	struct mvf_pair p;
	struct vt_buf stream;		/* VF0's valid stream */
	struct mvf_stream ps;		/* ... parsed */
	struct mvf_regs s0;		/* VF0's registers when saved */
	struct mvf_regs prior1;		/* VF1's registers before a load */
	uint64_t off[NR_SAMPLES];	/* sample devmem ranges */
	uint64_t len[NR_SAMPLES];
	uint8_t *vf1_data[NR_SAMPLES];	/* VF1's content there */
};

static uint64_t sample_pattern(int vf, int i)
{
	return mvf_page_pattern(0x0e44000000000000ull + (uint64_t)vf, i);
}

FIXTURE_SETUP(err)
{
	struct mvf_pair *p = &self->p;
	char why[256] = "";
	int i;

	ASSERT_EQ(0, mvf_pair_open(p, mvf_vf_bdf[0], mvf_vf_bdf[1],
				   BOUNCE_SIZE));
	self->off[0] = 0;
	self->len[0] = 4096;
	self->off[1] = p->devmem / 2 + 8192;
	self->len[1] = 3 * 4096 + 100;
	self->off[2] = p->devmem - 8192;
	self->len[2] = 8192;
	self->off[3] = 12345;
	self->len[3] = 5000;

	/* VF0: its own data in the sample ranges, scratch registers */
	for (i = 0; i < NR_SAMPLES; i++)
		ASSERT_EQ(0, mvf_dev_dfill(&p->ctx[0], NULL, self->off[i],
					   self->len[i], sample_pattern(0, i)));
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		mvf_wr32(&p->dev[0], MVF_VF_REG_SCRATCH0 + 4 * i,
			 0xa0a00000u + i);
	ASSERT_SET_STATE(&p->dev[0], VFIO_DEVICE_STATE_STOP);
	mvf_regs_read(&p->dev[0], &self->s0);
	ASSERT_EQ(0, vt_mig_save(&p->dev[0].vt, &self->stream));
	ASSERT_SET_STATE(&p->dev[0], VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, mvf_stream_parse(&self->stream, &self->ps));
	ASSERT_LE((size_t)2, self->ps.nr_recs);
	ASSERT_EQ(0, mvf_stream_check_image(&self->ps, p->devmem, why,
					    sizeof(why)))
		TH_LOG("VF0 image: %s", why);

	/* VF1: different data in the same ranges, different registers */
	for (i = 0; i < NR_SAMPLES; i++) {
		self->vf1_data[i] = malloc(self->len[i]);
		ASSERT_NE(NULL, self->vf1_data[i]);
		mvf_pattern_fill(self->vf1_data[i], self->len[i],
				 sample_pattern(1, i));
		ASSERT_EQ(0, mvf_dev_dfill(&p->ctx[1], NULL, self->off[i],
					   self->len[i], sample_pattern(1, i)));
	}
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		mvf_wr32(&p->dev[1], MVF_VF_REG_SCRATCH0 + 4 * i,
			 0xb1b10000u + i);
	mvf_regs_read(&p->dev[1], &self->prior1);
	ASSERT_NE(0, mvf_regs_diff("VF0 vs VF1 (expected to differ)",
				   &self->s0, &self->prior1,
				   MVF_VF_STS_QUIESCED | MVF_VF_STS_STOPPED));
}

FIXTURE_TEARDOWN(err)
{
	int i;

	for (i = 0; i < NR_SAMPLES; i++)
		free(self->vf1_data[i]);
	mvf_stream_free(&self->ps);
	vt_buf_free(&self->stream);
	mvf_pair_close(&self->p);
}

/* VF1's device memory still holds VF1's data (after a reset). */
static void check_vf1_devmem(struct __test_metadata *_metadata,
			     FIXTURE_DATA(err) *self)
{
	int k = mvf_dev_verify_samples(&self->p.ctx[1], self->vf1_data,
				       self->off, self->len, NR_SAMPLES);

	ASSERT_EQ(-1, k) TH_LOG("VF1 sample %d changed", k);
}

/* VF1 holds VF0's state: registers equal and VF0's data in the samples. */
static void check_vf1_is_vf0(struct __test_metadata *_metadata,
			     FIXTURE_DATA(err) *self)
{
	struct mvf_regs s1;

	mvf_regs_read(&self->p.dev[1], &s1);
	ASSERT_EQ(0, mvf_regs_diff("VF0 saved vs VF1", &self->s0, &s1, 0));
}

/*
 * Load @s (@len bytes) into VF1 and expect @want (a positive errno) from
 * the first failing step: write() or RESUMING -> STOP.  @close_early
 * closes the data_fd before RESUMING -> STOP.  Then check ERROR, VF1's
 * registers, reset, VF1's device memory.  @bad_at: the stream offset of
 * the first bad byte when the failure is a record header the driver must
 * reject at write() time (SIZE_MAX if not known).
 */
static void resume_expect(struct __test_metadata *_metadata,
			  FIXTURE_DATA(err) *self, const uint8_t *s,
			  size_t len, int want, bool close_early,
			  size_t bad_at)
{
	struct mvf_dev *vf1 = &self->p.dev[1];
	struct mvf_regs now;
	size_t done = 0;
	int fd, wret, sret;

	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_RESUMING, &fd);
	wret = vt_mig_write_all(&vf1->vt, fd, s, len, WRITE_CHUNK, &done);
	if (close_early)
		ASSERT_EQ(0, close(fd));
	sret = vt_mig_set_state_quiet(&vf1->vt, VFIO_DEVICE_STATE_STOP, NULL);
	TH_LOG("%zu-byte stream: write %s after %zu bytes, RESUMING->STOP %s",
	       len, wret ? strerror(-wret) : "ok", done,
	       sret ? strerror(-sret) : "ok");
	if (!close_early)
		ASSERT_EQ(0, close(fd));
	if (want == 0) {
		ASSERT_EQ(0, wret);
		ASSERT_EQ(0, sret);
		ASSERT_MIG_STATE(vf1, VFIO_DEVICE_STATE_STOP);
		return;
	}
	ASSERT_EQ(-want, wret ? wret : sret)
		TH_LOG("want %s", strerror(want));
	if (bad_at != SIZE_MAX) {
		ASSERT_EQ(-want, wret);
		ASSERT_GE(bad_at + sizeof(struct mvf_mig_record), done);
	}
	/* a failed stream can never be completed */
	ASSERT_EQ(wret ? wret : -want, sret);
	ASSERT_MIG_STATE(vf1, VFIO_DEVICE_STATE_ERROR);

	/* nothing was committed */
	mvf_regs_read(vf1, &now);
	ASSERT_EQ(0, mvf_regs_diff("VF1 before vs in ERROR", &self->prior1,
				   &now, MVF_VF_STS_QUIESCED |
				   MVF_VF_STS_STOPPED));

	ASSERT_EQ(0, vt_dev_reset(&vf1->vt));
	ASSERT_MIG_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, 1));
	check_vf1_devmem(_metadata, self);
	/* the reset cleared VF1's registers: they are the new baseline */
	mvf_regs_read(vf1, &self->prior1);
}

/* The unmodified stream loads into VF1 (after whatever failed before). */
static void resume_ok(struct __test_metadata *_metadata,
		      FIXTURE_DATA(err) *self, const uint8_t *s, size_t len)
{
	resume_expect(_metadata, self, s, len, 0, false, SIZE_MAX);
	check_vf1_is_vf0(_metadata, self);
	ASSERT_SET_STATE(&self->p.dev[1], VFIO_DEVICE_STATE_RUNNING);
}

/* A private copy of VF0's stream to corrupt. */
static void copy_stream(struct __test_metadata *_metadata,
			FIXTURE_DATA(err) *self, struct vt_buf *out)
{
	memset(out, 0, sizeof(*out));
	ASSERT_EQ(0, vt_buf_append(out, self->stream.data, self->stream.len));
}

/* Overwrite image bytes [img_off, +len) through the record framing. */
static void patch_img(struct __test_metadata *_metadata,
		      const struct mvf_stream *ps, struct vt_buf *s,
		      size_t img_off, const void *bytes, size_t len)
{
	const uint8_t *b = bytes;
	size_t i;

	for (i = 0; i < len; i++) {
		ssize_t o = mvf_stream_img_to_off(ps, img_off + i);

		ASSERT_LE(0, o);
		s->data[o] = b[i];
	}
}

static void flip_img_bit(struct __test_metadata *_metadata,
			 const struct mvf_stream *ps, struct vt_buf *s,
			 size_t img_off, unsigned int bit)
{
	ssize_t o = mvf_stream_img_to_off(ps, img_off);

	ASSERT_LE(0, o);
	s->data[o] ^= (uint8_t)(1u << bit);
}

/* Recompute the trailer CRC32C of a modified stream. */
static void fix_crc(struct __test_metadata *_metadata, struct vt_buf *s)
{
	struct mvf_stream ps;
	const struct mvf_sec *tr;
	uint32_t crc;

	ASSERT_EQ(0, mvf_stream_parse(s, &ps));
	tr = &ps.secs[ps.nr_secs - 1];
	ASSERT_EQ((uint32_t)MVF_IMG_SEC_TRAILER, tr->type);
	crc = mvf_crc32c(0, ps.img.data, tr->img_off);
	patch_img(_metadata, &ps, s, tr->img_off + sizeof(struct mvf_img_sec),
		  &crc, sizeof(crc));
	mvf_stream_free(&ps);
}

static size_t sec_payload(const struct mvf_sec *sec)
{
	return sec->img_off + sizeof(struct mvf_img_sec);
}

/* ---- the saving side ---- */

/* Closing the saving fd mid-stream: STOP_COPY -> STOP still works. */
TEST_F_TIMEOUT(err, close_saving_fd_mid_stream, 300)
{
	struct mvf_dev *vf0 = &self->p.dev[0];
	struct vt_buf again = { 0 };
	uint8_t *buf = malloc(65536), *exp;
	size_t got = 0;
	int fd;

	ASSERT_NE(NULL, buf);
	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	while (got < self->stream.len / 2) {
		ssize_t n = read(fd, buf, 65536);

		ASSERT_LT(0, n);
		got += (size_t)n;
	}
	ASSERT_EQ(0, close(fd));
	free(buf);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
	/* the device session was closed: a new save is complete and equal */
	ASSERT_EQ(0, vt_mig_save(&vf0->vt, &again));
	ASSERT_EQ(self->stream.len, again.len);
	ASSERT_EQ(0, memcmp(self->stream.data, again.data, again.len));
	vt_buf_free(&again);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	/* VF0 still works and still has its data */
	exp = malloc(self->len[1]);
	ASSERT_NE(NULL, exp);
	mvf_pattern_fill(exp, self->len[1], sample_pattern(0, 1));
	ASSERT_EQ(-1, mvf_dev_verify_bytes(&self->p.ctx[0], exp, self->off[1],
					   self->len[1]));
	free(exp);
}

/* Closing the saving fd before reading anything. */
TEST_F_TIMEOUT(err, close_saving_fd_unread, 300)
{
	struct mvf_dev *vf0 = &self->p.dev[0];
	int fd;

	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	ASSERT_EQ(0, close(fd));
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	ASSERT_EQ(0, close(fd));
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
	resume_ok(_metadata, self, self->stream.data, self->stream.len);
}

/* Leaving STOP_COPY with the fd open mid-stream disables the fd. */
TEST_F_TIMEOUT(err, leave_stop_copy_mid_stream, 300)
{
	struct mvf_dev *vf0 = &self->p.dev[0];
	uint8_t buf[4096];
	int fd;

	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	ASSERT_EQ((ssize_t)sizeof(buf), read(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, memcmp(buf, self->stream.data, sizeof(buf)));
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(-1, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(0, close(fd));
}

/* Reads of any size return the same stream (a second save is equal). */
TEST_F_TIMEOUT(err, odd_read_sizes, 300)
{
	static const size_t sizes[] = { 1, 2, 15, 16, 17, 23, 4095, 4096,
					4097, 262143, 262184, 1u << 20, 3 };
	struct mvf_dev *vf0 = &self->p.dev[0];
	struct vt_buf got = { 0 };
	size_t k = 0;
	ssize_t n;
	int fd;

	ASSERT_EQ(0, vt_buf_reserve(&got, self->stream.len + (1u << 20)));
	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	do {
		size_t want = sizes[k++ % (sizeof(sizes) / sizeof(sizes[0]))];

		ASSERT_GE(got.cap - got.len, want);
		n = read(fd, got.data + got.len, want);
		ASSERT_LE(0, n)
			TH_LOG("read %zu at %zu: %s", want, got.len,
			       strerror(errno));
		ASSERT_GE(want, (size_t)n);
		got.len += (size_t)n;
	} while (n > 0);
	ASSERT_EQ(0, close(fd));
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(self->stream.len, got.len);
	ASSERT_EQ(0, memcmp(self->stream.data, got.data, got.len));
	vt_buf_free(&got);
}

/* ---- VFIO_DEVICE_RESET racing read()/write() on a data_fd ---- */

struct streamer {
	struct mvf_dev *dev;
	int fd;
	bool writing;
	const uint8_t *src;	/* writing: the stream */
	size_t len;		/* writing: its length */
	uint8_t *buf;		/* reading: 1 MiB */
	size_t done;		/* bytes moved (updated while running) */
	int err;		/* errno that ended it, 0 at the end */
	int finished;		/* set when the thread returns */
};

static void streamer_run(struct streamer *st)
{
	for (;;) {
		size_t n = 1u << 16;
		ssize_t r;

		if (st->writing) {
			if (st->done == st->len)
				return;
			if (n > st->len - st->done)
				n = st->len - st->done;
			r = write(st->fd, st->src + st->done, n);
		} else {
			r = read(st->fd, st->buf, n);
		}
		if (r < 0) {
			st->err = errno;
			return;
		}
		if (r == 0)
			return;
		__atomic_add_fetch(&st->done, (size_t)r, __ATOMIC_RELEASE);
	}
}

static void *streamer_fn(void *arg)
{
	struct streamer *st = arg;

	streamer_run(st);
	__atomic_store_n(&st->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Reset @dev once @st has moved @after bytes, while it keeps going.  The
 * data_fd must end with -ENODEV (or have finished first), the device must
 * be RUNNING and work.
 */
static void reset_while_streaming(struct __test_metadata *_metadata,
				  FIXTURE_DATA(err) *self, int vf,
				  struct streamer *st, size_t after)
{
	struct timespec ts = { 0, 1000 * 1000 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, streamer_fn, st));
	while (__atomic_load_n(&st->done, __ATOMIC_ACQUIRE) < after &&
	       !__atomic_load_n(&st->finished, __ATOMIC_ACQUIRE))
		nanosleep(&ts, NULL);
	ASSERT_EQ(0, vt_dev_reset(&st->dev->vt));
	ASSERT_EQ(0, pthread_join(t, NULL));
	TH_LOG("%s: %zu bytes before the reset ended it (%s)",
	       st->writing ? "write" : "read", st->done,
	       st->err ? strerror(st->err) : "finished first");
	if (st->err) {
		ASSERT_EQ(ENODEV, st->err);
	} else {
		ASSERT_EQ(st->writing ? st->len : self->stream.len, st->done);
	}
	ASSERT_MIG_STATE(st->dev, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, close(st->fd));
	ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, vf));
}

TEST_F_TIMEOUT(err, reset_during_read_and_write, 600)
{
	static const size_t after[] = { 1, 1u << 20, 16u << 20 };
	struct streamer st;
	size_t i;

	for (i = 0; i < 3; i++) {
		memset(&st, 0, sizeof(st));
		st.dev = &self->p.dev[0];
		st.buf = malloc(1u << 16);
		ASSERT_NE(NULL, st.buf);
		ASSERT_SET_STATE_FD(st.dev, VFIO_DEVICE_STATE_STOP_COPY,
				    &st.fd);
		reset_while_streaming(_metadata, self, 0, &st, after[i]);
		free(st.buf);

		memset(&st, 0, sizeof(st));
		st.dev = &self->p.dev[1];
		st.writing = true;
		st.src = self->stream.data;
		st.len = self->stream.len;
		ASSERT_SET_STATE_FD(st.dev, VFIO_DEVICE_STATE_RESUMING,
				    &st.fd);
		reset_while_streaming(_metadata, self, 1, &st, after[i]);
		/* nothing was committed */
		check_vf1_devmem(_metadata, self);
	}
	/* both still migrate */
	ASSERT_EQ(0, vt_mig_set_state(&self->p.dev[0].vt,
				       VFIO_DEVICE_STATE_STOP, NULL));
	mvf_regs_read(&self->p.dev[0], &self->s0);
	ASSERT_EQ(0, vt_mig_save(&self->p.dev[0].vt, &self->stream));
	resume_ok(_metadata, self, self->stream.data, self->stream.len);
}

/* ---- the resuming side: closed early, truncated ---- */

TEST_F_TIMEOUT(err, close_resuming_fd_mid_stream, 300)
{
	resume_expect(_metadata, self, self->stream.data,
		      self->stream.len / 2, EINVAL, true, SIZE_MAX);
	resume_ok(_metadata, self, self->stream.data, self->stream.len);
}

TEST_F_TIMEOUT(err, truncated, 900)
{
	const struct mvf_sec *tr = &self->ps.secs[self->ps.nr_secs - 1];
	const struct mvf_rec *last = &self->ps.recs[self->ps.nr_recs - 1];
	size_t cuts[6];
	size_t i;

	cuts[0] = 8;				/* inside the first header */
	cuts[1] = sizeof(struct mvf_mig_record);	/* header only */
	cuts[2] = self->stream.len / 2;		/* inside device memory */
	cuts[3] = mvf_stream_img_to_off(&self->ps, tr->img_off);
						/* all but the trailer */
	cuts[4] = last->off;			/* all but the last record */
	cuts[5] = self->stream.len - 1;		/* one byte short */
	for (i = 0; i < 6; i++) {
		TH_LOG("cut at %zu of %zu", cuts[i], self->stream.len);
		ASSERT_LT((size_t)0, cuts[i]);
		ASSERT_GT(self->stream.len, cuts[i]);
		resume_expect(_metadata, self, self->stream.data, cuts[i],
			      EINVAL, false, SIZE_MAX);
	}
	resume_ok(_metadata, self, self->stream.data, self->stream.len);
}

/* ---- bit flips in the device image (caught by the device) ---- */

TEST_F_TIMEOUT(err, bitflip_header, 600)
{
	const struct mvf_sec *h = &self->ps.secs[0];
	static const size_t at[] = { 0, 3, 7 };	/* magic bytes */
	struct vt_buf s;
	size_t i;

	ASSERT_EQ((uint32_t)MVF_IMG_SEC_HEADER, h->type);
	for (i = 0; i < 3; i++) {
		copy_stream(_metadata, self, &s);
		flip_img_bit(_metadata, &self->ps, &s, sec_payload(h) + at[i],
			     (unsigned int)i);
		resume_expect(_metadata, self, s.data, s.len, EINVAL, false,
			      SIZE_MAX);
		vt_buf_free(&s);
	}
	/* the section header itself: type */
	copy_stream(_metadata, self, &s);
	flip_img_bit(_metadata, &self->ps, &s, h->img_off, 0);
	resume_expect(_metadata, self, s.data, s.len, EINVAL, false, SIZE_MAX);
	vt_buf_free(&s);
}

TEST_F_TIMEOUT(err, bitflip_devmem, 600)
{
	const struct mvf_sec *d0 = mvf_stream_find_sec(&self->ps,
						       MVF_IMG_SEC_DEVMEM, 0);
	const struct mvf_sec *dl = NULL;
	struct vt_buf s;
	size_t i;

	ASSERT_NE(NULL, d0);
	for (i = 0; i < self->ps.nr_secs; i++)
		if (self->ps.secs[i].type == MVF_IMG_SEC_DEVMEM)
			dl = &self->ps.secs[i];
	/* first data byte of the first section, last byte of the last */
	copy_stream(_metadata, self, &s);
	flip_img_bit(_metadata, &self->ps, &s,
		     sec_payload(d0) + sizeof(struct mvf_img_devmem), 7);
	resume_expect(_metadata, self, s.data, s.len, EINVAL, false, SIZE_MAX);
	vt_buf_free(&s);
	copy_stream(_metadata, self, &s);
	flip_img_bit(_metadata, &self->ps, &s, sec_payload(dl) + dl->len - 1,
		     0);
	resume_expect(_metadata, self, s.data, s.len, EINVAL, false, SIZE_MAX);
	vt_buf_free(&s);
	/* the DEVMEM offset field */
	copy_stream(_metadata, self, &s);
	flip_img_bit(_metadata, &self->ps, &s, sec_payload(d0) + 1, 4);
	resume_expect(_metadata, self, s.data, s.len, EINVAL, false, SIZE_MAX);
	vt_buf_free(&s);
}

TEST_F_TIMEOUT(err, bitflip_regs, 300)
{
	const struct mvf_sec *r = mvf_stream_find_sec(&self->ps,
						      MVF_IMG_SEC_REGS, 0);
	struct vt_buf s;

	ASSERT_NE(NULL, r);
	copy_stream(_metadata, self, &s);
	flip_img_bit(_metadata, &self->ps, &s,
		     sec_payload(r) + offsetof(struct mvf_img_regs, scratch),
		     2);
	resume_expect(_metadata, self, s.data, s.len, EINVAL, false, SIZE_MAX);
	vt_buf_free(&s);
}

TEST_F_TIMEOUT(err, bitflip_trailer, 600)
{
	const struct mvf_sec *tr = &self->ps.secs[self->ps.nr_secs - 1];
	static const size_t at[] = {
		offsetof(struct mvf_img_trailer, crc32c),
		offsetof(struct mvf_img_trailer, nr_sections),
		offsetof(struct mvf_img_trailer, total_len),
	};
	struct vt_buf s;
	size_t i;

	ASSERT_EQ((uint32_t)MVF_IMG_SEC_TRAILER, tr->type);
	for (i = 0; i < 3; i++) {
		copy_stream(_metadata, self, &s);
		flip_img_bit(_metadata, &self->ps, &s, sec_payload(tr) + at[i],
			     (unsigned int)i);
		resume_expect(_metadata, self, s.data, s.len, EINVAL, false,
			      SIZE_MAX);
		vt_buf_free(&s);
	}
}

/* ---- well-formed images the target must refuse: -EOPNOTSUPP ---- */

static void header_patch_expect(struct __test_metadata *_metadata,
				FIXTURE_DATA(err) *self, size_t field,
				const void *val, size_t len, int want)
{
	struct vt_buf s;

	copy_stream(_metadata, self, &s);
	patch_img(_metadata, &self->ps, &s, sec_payload(&self->ps.secs[0]) +
		  field, val, len);
	fix_crc(_metadata, &s);
	resume_expect(_metadata, self, s.data, s.len, want, false, SIZE_MAX);
	vt_buf_free(&s);
}

TEST_F_TIMEOUT(err, image_version_mismatch, 300)
{
	uint32_t v = MVF_IMG_VERSION + 1;

	header_patch_expect(_metadata, self,
			    offsetof(struct mvf_img_header, version), &v,
			    sizeof(v), EOPNOTSUPP);
	resume_ok(_metadata, self, self->stream.data, self->stream.len);
}

TEST_F_TIMEOUT(err, image_devmem_size_mismatch, 300)
{
	uint64_t sz = self->p.devmem * 2;

	header_patch_expect(_metadata, self,
			    offsetof(struct mvf_img_header, devmem_size), &sz,
			    sizeof(sz), EOPNOTSUPP);
}

TEST_F_TIMEOUT(err, image_caps_not_subset, 300)
{
	uint32_t caps = mvf_rd32(&self->p.dev[1], MVF_REG_CAPS) | (1u << 30);

	header_patch_expect(_metadata, self,
			    offsetof(struct mvf_img_header, vf_caps), &caps,
			    sizeof(caps), EOPNOTSUPP);
}

/*
 * Control: a device memory byte changed with the CRC fixed up loads, and
 * VF1 then holds exactly that byte (the image is what gets loaded).
 */
TEST_F_TIMEOUT(err, devmem_patch_with_valid_crc_loads, 300)
{
	const struct mvf_sec *d0 = mvf_stream_find_sec(&self->ps,
						       MVF_IMG_SEC_DEVMEM, 0);
	struct mvf_img_devmem dm;
	struct vt_buf s;
	uint8_t page[4096], newbyte;
	size_t data;

	ASSERT_NE(NULL, d0);
	memcpy(&dm, self->ps.img.data + sec_payload(d0), sizeof(dm));
	data = sec_payload(d0) + sizeof(dm);
	memcpy(page, self->ps.img.data + data, sizeof(page));
	newbyte = page[100] ^ 0x5a;
	page[100] = newbyte;
	copy_stream(_metadata, self, &s);
	patch_img(_metadata, &self->ps, &s, data + 100, &newbyte, 1);
	fix_crc(_metadata, &s);
	resume_expect(_metadata, self, s.data, s.len, 0, false, SIZE_MAX);
	vt_buf_free(&s);
	ASSERT_SET_STATE(&self->p.dev[1], VFIO_DEVICE_STATE_RUNNING);
	/* VF1 runs on VF0's ring indices now; reset keeps device memory */
	ASSERT_EQ(0, vt_dev_reset(&self->p.dev[1].vt));
	ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, 1));
	ASSERT_EQ(-1, mvf_dev_verify_bytes(&self->p.ctx[1], page, dm.offset,
					   sizeof(page)));
}

/* ---- the driver's record framing ---- */

static void insert_record(struct __test_metadata *_metadata,
			  struct vt_buf *s, size_t at, uint64_t size,
			  uint32_t flags, uint32_t tag, size_t payload)
{
	struct mvf_mig_record h = { .size = size, .flags = flags, .tag = tag };
	uint8_t *p = calloc(1, payload ? payload : 1);

	ASSERT_NE(NULL, p);
	mvf_prng_fill(p, payload, tag);
	ASSERT_EQ(0, vt_buf_insert(s, at, p, payload));
	ASSERT_EQ(0, vt_buf_insert(s, at, &h, sizeof(h)));
	free(p);
}

TEST_F_TIMEOUT(err, oversized_record, 600)
{
	static const uint64_t sizes[] = {
		(uint64_t)MVF_MIG_RECORD_MAX + 1, 1ull << 40, UINT64_MAX,
	};
	struct vt_buf s;
	size_t i;

	for (i = 0; i < 3; i++) {
		/* the first record claims more than the limit */
		struct mvf_mig_record h;

		copy_stream(_metadata, self, &s);
		memcpy(&h, s.data, sizeof(h));
		h.size = sizes[i];
		memcpy(s.data, &h, sizeof(h));
		resume_expect(_metadata, self, s.data, s.len, ENOMEM, false, 0);
		vt_buf_free(&s);
	}
	/* an optional record above the limit is refused as well, mid-stream */
	copy_stream(_metadata, self, &s);
	insert_record(_metadata, &s, self->ps.recs[1].off,
		      (uint64_t)MVF_MIG_RECORD_MAX + 1, MVF_MIG_F_OPTIONAL,
		      0x7001, 0);
	resume_expect(_metadata, self, s.data, s.len, ENOMEM, false,
		      self->ps.recs[1].off);
	vt_buf_free(&s);
}

TEST_F_TIMEOUT(err, unknown_mandatory_tag, 300)
{
	struct vt_buf s;
	size_t i;

	copy_stream(_metadata, self, &s);
	insert_record(_metadata, &s, self->ps.recs[1].off, 8, 0, 0x7002, 8);
	resume_expect(_metadata, self, s.data, s.len, EOPNOTSUPP, false,
		      self->ps.recs[1].off);
	vt_buf_free(&s);
	/* a DEVICE_DATA record turned into an unknown tag by a bit flip */
	for (i = 0; self->ps.recs[i].tag != MVF_MIG_TAG_DEVICE_DATA; i++)
		ASSERT_GT(self->ps.nr_recs, i + 1);
	ASSERT_EQ(0u, self->ps.recs[i].flags);
	copy_stream(_metadata, self, &s);
	s.data[self->ps.recs[i].off + offsetof(struct mvf_mig_record, tag) +
	       1] ^= 0x01;
	resume_expect(_metadata, self, s.data, s.len, EOPNOTSUPP, false,
		      self->ps.recs[i].off);
	vt_buf_free(&s);
}

/* Unknown optional records are skipped wherever they are. */
TEST_F_TIMEOUT(err, unknown_optional_tag_skipped, 600)
{
	struct vt_buf s;

	copy_stream(_metadata, self, &s);
	/* at the end first, so earlier offsets stay valid */
	insert_record(_metadata, &s, s.len, 3, MVF_MIG_F_OPTIONAL, 0x7003, 3);
	insert_record(_metadata, &s, self->ps.recs[self->ps.nr_recs / 2].off,
		      4096, MVF_MIG_F_OPTIONAL, 0x7004, 4096);
	insert_record(_metadata, &s, 0, 0, MVF_MIG_F_OPTIONAL, 0x7005, 0);
	insert_record(_metadata, &s, 0, 100, MVF_MIG_F_OPTIONAL, 0x7006, 100);
	resume_ok(_metadata, self, s.data, s.len);
	vt_buf_free(&s);
}

/* An optional record of exactly MVF_MIG_RECORD_MAX bytes is accepted. */
TEST_F_TIMEOUT(err, max_size_optional_record, 300)
{
	struct vt_buf s;

	copy_stream(_metadata, self, &s);
	insert_record(_metadata, &s, self->ps.recs[1].off, MVF_MIG_RECORD_MAX,
		      MVF_MIG_F_OPTIONAL, 0x7007, MVF_MIG_RECORD_MAX);
	resume_ok(_metadata, self, s.data, s.len);
	vt_buf_free(&s);
}

/* Image bytes after the trailer, or a partial record at the end. */
TEST_F_TIMEOUT(err, trailing_garbage, 600)
{
	struct vt_buf s;

	copy_stream(_metadata, self, &s);
	insert_record(_metadata, &s, s.len, 64, 0, MVF_MIG_TAG_DEVICE_DATA,
		      64);
	resume_expect(_metadata, self, s.data, s.len, EINVAL, false, SIZE_MAX);
	vt_buf_free(&s);

	copy_stream(_metadata, self, &s);
	ASSERT_EQ(0, vt_buf_append(&s, "\x01\x02\x03\x04\x05", 5));
	resume_expect(_metadata, self, s.data, s.len, EINVAL, false, SIZE_MAX);
	vt_buf_free(&s);
}

/* The same image framed in different (smaller) records loads. */
TEST_F_TIMEOUT(err, reframed_records_load, 600)
{
	static const size_t rec_sizes[] = { 1, 4095, 100003 };
	const struct vt_buf *img = &self->ps.img;
	size_t k;

	for (k = 0; k < 3; k++) {
		struct vt_buf s = { 0 };
		size_t off = 0, limit = k == 0 ? 4096 : img->len;

		/* k == 0: 1-byte records for the first 4 KiB only */
		while (off < img->len) {
			size_t n = k == 0 && off >= limit ? img->len - off :
				   rec_sizes[k];
			struct mvf_mig_record h = {
				.tag = MVF_MIG_TAG_DEVICE_DATA,
			};

			if (n > img->len - off)
				n = img->len - off;
			if (n > MVF_MIG_RECORD_MAX)
				n = MVF_MIG_RECORD_MAX;
			h.size = n;
			ASSERT_EQ(0, vt_buf_append(&s, &h, sizeof(h)));
			ASSERT_EQ(0, vt_buf_append(&s, img->data + off, n));
			off += n;
		}
		resume_ok(_metadata, self, s.data, s.len);
		ASSERT_EQ(0, vt_dev_reset(&self->p.dev[1].vt));
		ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, 1));
		mvf_regs_read(&self->p.dev[1], &self->prior1);
		vt_buf_free(&s);
	}
}

MVF_KSFT_MAIN
