// SPDX-License-Identifier: GPL-2.0
/*
 * mig_precopy: PRE_COPY migration of an mvf VF.
 *
 *  - live_precopy_vf0_to_vf1: VF0's ring keeps dirtying device memory
 *    between precopy reads; PRE_COPY -> PRE_COPY_P2P -> STOP_COPY; VF1
 *    resumed from the whole stream equals VF0 register for register and
 *    byte for byte;
 *  - reinit_mid_precopy: with the PRECOPY_INFOv2 opt-in, a write of
 *    MVF_VF_REG_DEVMEM_ACTIVE in PRE_COPY makes the next precopy info
 *    report VFIO_PRECOPY_INFO_REINIT once, with the new initial_bytes and
 *    dirty_bytes 0; the migration goes on and VF1 gets the new active
 *    size and exact data;
 *  - no_optin_no_flags: the same reconfiguration without the opt-in never
 *    shows a flag;
 *  - no_optin_flags_as_passed: without the opt-in flags is returned as the
 *    user passed it (the v1 behaviour);
 *  - no_optin_reinit_initial_monotonic: a REINIT late in the initial data
 *    without the opt-in never makes initial_bytes grow (the new initial
 *    data is reported as dirty_bytes), and a later opt-in finds no stale
 *    REINIT;
 *  - reinit_reported_synchronously: with the opt-in, the query right after
 *    the DEVMEM_ACTIVE write reports REINIT, and only once (the device's
 *    INITIAL_CHANGED event arriving later does not report it again);
 *  - precopy_sizes_count_framing: initial_bytes/dirty_bytes count the
 *    record headers, so a reader's countdown is exact.
 *  - close_saving_fd_*: closing the saving data_fd in PRE_COPY,
 *    PRE_COPY_P2P and STOP_COPY; the VF keeps working and can transition
 *    and save again.
 *
 * Usage: mig_precopy [harness options] [VF0-BDF VF1-BDF]
 */
#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mvf_ksft.h"

#define PC_BOUNCE	(1u << 20)
#define PC_CHUNK	(1u << 20)
#define SEED0		0x5eed0000c0ffee00ull
#define MIB		(1ull << 20)

FIXTURE(pc) {
	struct mvf_pair p;
	struct mvf_model m;
	struct vt_buf stream;
	uint64_t rnd;
};

FIXTURE_SETUP(pc)
{
	ASSERT_EQ(0, mvf_pair_open(&self->p, mvf_vf_bdf[0], mvf_vf_bdf[1],
				   PC_BOUNCE));
	ASSERT_EQ(0, mvf_model_init(&self->m, self->p.devmem));
	self->rnd = 0x123456789abcdefull;
}

FIXTURE_TEARDOWN(pc)
{
	vt_buf_free(&self->stream);
	mvf_model_free(&self->m);
	mvf_pair_close(&self->p);
}

static uint64_t rnd(FIXTURE_DATA(pc) *self)
{
	self->rnd ^= self->rnd << 13;
	self->rnd ^= self->rnd >> 7;
	self->rnd ^= self->rnd << 17;
	return self->rnd;
}

static int precopy_info(int fd, uint32_t flags_in, struct vfio_precopy_info *i)
{
	memset(i, 0, sizeof(*i));
	i->argsz = sizeof(*i);
	i->flags = flags_in;
	return ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, i) ? -errno : 0;
}

static int opt_in_v2(struct mvf_dev *d)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2,
	};

	return ioctl(d->vt.fd, VFIO_DEVICE_FEATURE, &f) ? -errno : 0;
}

/* DFILL @n random pages of the first @pages pages of VF0 (ring running). */
static void dirty_pages(struct __test_metadata *_metadata,
			FIXTURE_DATA(pc) *self, unsigned int n, uint64_t pages)
{
	struct mvf_desc descs[64];
	unsigned int i, k = 0;

	for (i = 0; i < n; i++) {
		uint64_t pg = rnd(self) % pages, pat = rnd(self) | 1;

		descs[k++] = mvf_desc_make(MVF_DESC_OP_DFILL, MVF_IMG_PAGE_SIZE,
					   0, pg * MVF_IMG_PAGE_SIZE, pat,
					   0xd1000000ull + i);
		mvf_pattern_fill(self->m.mem + pg * MVF_IMG_PAGE_SIZE,
				 MVF_IMG_PAGE_SIZE, pat);
		if (k == 64 || i + 1 == n) {
			ASSERT_EQ(0, mvf_ring_run(&self->p.dev[0],
						  &self->p.ring[0], descs, k,
						  NULL));
			k = 0;
		}
	}
}

/*
 * read() the saving fd into self->stream until -ENOMSG (PRE_COPY states):
 * never 0, -ENOMSG only when the precopy info says nothing is left.
 * Every @dirty_every bytes (0: never) @dirty_n pages are dirtied through
 * the ring.  initial_bytes must not grow (no REINIT expected here).
 * Returns the bytes read.
 */
static uint64_t read_precopy(struct __test_metadata *_metadata,
			     FIXTURE_DATA(pc) *self, int fd,
			     uint64_t dirty_every, unsigned int dirty_n,
			     uint64_t pages)
{
	struct vfio_precopy_info info;
	uint64_t total = 0, since = 0, prev_init = UINT64_MAX;
	uint64_t limit = 16 * self->p.devmem + (64u << 20);
	ssize_t n;

	for (;;) {
		ASSERT_EQ(0, precopy_info(fd, 0, &info));
		ASSERT_EQ(0u, info.flags);
		ASSERT_GE(prev_init, info.initial_bytes);
		prev_init = info.initial_bytes;
		ASSERT_EQ(0, vt_buf_reserve(&self->stream,
					     self->stream.len + PC_CHUNK));
		n = read(fd, self->stream.data + self->stream.len, PC_CHUNK);
		if (n < 0 && errno == ENOMSG) {
			/* a temporary end: nothing left at the device */
			ASSERT_EQ(0, precopy_info(fd, 0, &info));
			ASSERT_EQ(0ull, (unsigned long long)info.initial_bytes);
			return total;
		}
		ASSERT_LT(0, n) TH_LOG("read in PRE_COPY: %s",
				       n ? strerror(errno) : "end of stream");
		self->stream.len += (size_t)n;
		total += (uint64_t)n;
		since += (uint64_t)n;
		ASSERT_GT(limit, total) TH_LOG("precopy never ends");
		if (dirty_every && since >= dirty_every) {
			since = 0;
			dirty_pages(_metadata, self, dirty_n, pages);
		}
	}
}

static uint64_t read_stop_copy(struct __test_metadata *_metadata,
			       FIXTURE_DATA(pc) *self, int fd)
{
	struct vfio_precopy_info info;
	size_t before = self->stream.len;

	ASSERT_EQ(-EINVAL, precopy_info(fd, 0, &info));
	ASSERT_EQ(0, vt_mig_read_all(&self->p.dev[0].vt, fd, &self->stream));
	return self->stream.len - before;
}

/* Verify VF1 (resumed, RUNNING) against the model over @len bytes. */
static void verify_vf1(struct __test_metadata *_metadata,
		       FIXTURE_DATA(pc) *self, uint64_t len)
{
	struct mvf_pair *p = &self->p;
	struct mvf_ring r1 = p->ring[0];
	struct mvf_ctx c1 = {
		.dev = &p->dev[1], .ring = &r1, .bounce = &p->bounce[0],
	};

	ASSERT_EQ(-1, mvf_dev_verify(&c1, &self->m, 0, len));
}

/*
 * Save VF0 through PRE_COPY while its ring runs, then PRE_COPY_P2P and
 * STOP_COPY; resume VF1 and compare.  @reinit_mib (0: none) is written
 * to DEVMEM_ACTIVE after the first quarter of the initial data, with the
 * PRECOPY_INFOv2 opt-in when @v2.
 */
static void precopy_migrate(struct __test_metadata *_metadata,
			    FIXTURE_DATA(pc) *self, uint32_t reinit_mib,
			    bool v2)
{
	struct mvf_pair *p = &self->p;
	struct mvf_dev *vf0 = &p->dev[0], *vf1 = &p->dev[1];
	uint64_t pages = p->devmem / MVF_IMG_PAGE_SIZE, active = p->devmem;
	uint64_t pre = 0, stop, est = 0, quarter;
	struct vfio_precopy_info info, info0;
	struct mvf_regs s0, s1;
	unsigned int i;
	int fd;

	ASSERT_EQ(0, mvf_fill_all_pages(&p->ctx[0], &self->m, SEED0, 16));
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		mvf_wr32(vf0, MVF_VF_REG_SCRATCH0 + 4 * i, 0xa5a50000u + i);
	ASSERT_EQ((uint32_t)(p->devmem / MIB),
		  mvf_rd32(vf0, MVF_VF_REG_DEVMEM_ACTIVE));
	if (v2)
		ASSERT_EQ(0, opt_in_v2(vf0));

	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	ASSERT_EQ(0, precopy_info(fd, 0, &info0));
	ASSERT_EQ(0u, info0.flags);
	ASSERT_LT(p->devmem, info0.initial_bytes);
	ASSERT_EQ(0, vt_mig_data_size(&vf0->vt, &est));
	TH_LOG("PRE_COPY: initial_bytes %llu dirty_bytes %llu MIG_DATA_SIZE %llu",
	       (unsigned long long)info0.initial_bytes,
	       (unsigned long long)info0.dirty_bytes,
	       (unsigned long long)est);

	if (reinit_mib) {
		uint64_t img, got = 0;
		ssize_t n;

		/* read a quarter of the initial data, ring idle */
		quarter = info0.initial_bytes / 4;
		while (got < quarter) {
			ASSERT_EQ(0, vt_buf_reserve(&self->stream,
						     self->stream.len + PC_CHUNK));
			n = read(fd, self->stream.data + self->stream.len,
				 PC_CHUNK);
			ASSERT_LT(0, n);
			self->stream.len += (size_t)n;
			got += (uint64_t)n;
		}
		pre += got;
		ASSERT_EQ(0, precopy_info(fd, 0, &info));
		ASSERT_EQ(0u, info.flags);
		ASSERT_GT(info0.initial_bytes, info.initial_bytes);

		mvf_wr32(vf0, MVF_VF_REG_DEVMEM_ACTIVE, reinit_mib);
		ASSERT_EQ(reinit_mib, mvf_rd32(vf0, MVF_VF_REG_DEVMEM_ACTIVE));
		active = (uint64_t)reinit_mib * MIB;
		pages = active / MVF_IMG_PAGE_SIZE;
		/* new initial data: HEADER + DEVMEM sections of the active part */
		img = 80 + reinit_mib * 32ull + active;
		if (v2) {
			double t0 = mvf_now();

			/* the INITIAL_CHANGED event reaches the driver async */
			do {
				ASSERT_EQ(0, precopy_info(fd, 0, &info));
			} while (!info.flags && mvf_now() - t0 < 10.0);
			ASSERT_EQ((uint32_t)VFIO_PRECOPY_INFO_REINIT, info.flags)
				TH_LOG("no REINIT within 10 s");
			ASSERT_EQ(0ull, (unsigned long long)info.dirty_bytes);
			TH_LOG("REINIT: initial_bytes %llu (image %llu)",
			       (unsigned long long)info.initial_bytes,
			       (unsigned long long)img);
			ASSERT_LE(img, info.initial_bytes + MVF_MIG_RECORD_MAX);
			ASSERT_GE(img + MVF_MIG_RECORD_MAX, info.initial_bytes);
			/* reported once */
			ASSERT_EQ(0, precopy_info(fd, 0, &info));
			ASSERT_EQ(0u, info.flags);
		} else {
			usleep(500 * 1000);
			for (i = 0; i < 20; i++) {
				ASSERT_EQ(0, precopy_info(fd, 0, &info));
				ASSERT_EQ(0u, info.flags);
				usleep(50 * 1000);
			}
		}
	}

	/* initial data with the ring dirtying pages along the way */
	pre += read_precopy(_metadata, self, fd, 8 * MIB, 32, pages);
	ASSERT_FALSE(_metadata->exit_code);
	/* rounds of dirty data */
	for (i = 0; i < 3; i++) {
		dirty_pages(_metadata, self, 64, pages);
		ASSERT_EQ(0, precopy_info(fd, 0, &info));
		ASSERT_EQ(0u, info.flags);
		ASSERT_LT(0ull, (unsigned long long)info.dirty_bytes)
			TH_LOG("round %u: 64 pages dirtied, dirty_bytes 0", i);
		pre += read_precopy(_metadata, self, fd, 0, 0, pages);
		ASSERT_FALSE(_metadata->exit_code);
	}
	/*
	 * A last burst, not read in PRE_COPY(_P2P): STOP_COPY must carry
	 * those pages (at least 16 distinct ones of the 64 random picks).
	 */
	dirty_pages(_metadata, self, 64, pages);
	ASSERT_EQ(0, precopy_info(fd, 0, &info));
	ASSERT_LT(0ull, (unsigned long long)info.dirty_bytes);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_PRE_COPY_P2P);
	ASSERT_EQ(0, precopy_info(fd, 0, &info));
	ASSERT_LE(16ull * MVF_IMG_PAGE_SIZE, info.dirty_bytes);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP_COPY);
	stop = read_stop_copy(_metadata, self, fd);
	ASSERT_LE(16ull * MVF_IMG_PAGE_SIZE, stop);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, close(fd));
	mvf_regs_read(vf0, &s0);
	TH_LOG("stream %zu bytes: %llu in PRE_COPY(_P2P), %llu in STOP_COPY",
	       self->stream.len, (unsigned long long)pre,
	       (unsigned long long)stop);

	/* VF1 */
	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_RESUMING, &fd);
	ASSERT_EQ(0, vt_mig_write_all(&vf1->vt, fd, self->stream.data,
				       self->stream.len, 1u << 20, NULL));
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, close(fd));
	mvf_regs_read(vf1, &s1);
	ASSERT_EQ(0, mvf_regs_diff("VF0 saved vs VF1 resumed", &s0, &s1, 0));
	for (i = 0; i < MVF_BAR_SIZE / 4; i++)
		ASSERT_EQ(mvf_rd32(vf0, i * 4), mvf_rd32(vf1, i * 4))
			TH_LOG("BAR0 offset 0x%03x", i * 4);
	ASSERT_EQ((uint32_t)(active / MIB),
		  mvf_rd32(vf1, MVF_VF_REG_DEVMEM_ACTIVE));
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
	verify_vf1(_metadata, self, active);
}

TEST_F_TIMEOUT(pc, live_precopy_vf0_to_vf1, 1800)
{
	precopy_migrate(_metadata, self, 0, false);
}

TEST_F_TIMEOUT(pc, reinit_mid_precopy, 1800)
{
	precopy_migrate(_metadata, self,
			(uint32_t)(self->p.devmem / MIB / 2), true);
}

TEST_F_TIMEOUT(pc, no_optin_no_flags, 1800)
{
	precopy_migrate(_metadata, self,
			(uint32_t)(self->p.devmem / MIB / 2), false);
}

/*
 * Without the opt-in, flags is returned as the user passed it: the vfio
 * core's vfio_check_precopy_ioctl() clears it only with the opt-in ("keep
 * v1 behaviour as is for compatibility reasons"), and the v1 uAPI never
 * made it an output.  A user passing 0 never sees REINIT (checked by
 * no_optin_no_flags and no_optin_reinit_initial_monotonic).
 */
TEST_F_TIMEOUT(pc, no_optin_flags_as_passed, 300)
{
	struct vfio_precopy_info info;
	int fd;

	ASSERT_SET_STATE_FD(&self->p.dev[0], VFIO_DEVICE_STATE_PRE_COPY, &fd);
	ASSERT_EQ(0, precopy_info(fd, 0x5a5a0000u, &info));
	EXPECT_EQ(0x5a5a0000u, info.flags);
	ASSERT_EQ(0, precopy_info(fd, 0xffffffffu, &info));
	EXPECT_EQ(0xffffffffu, info.flags);
	ASSERT_EQ(0, precopy_info(fd, 0, &info));
	EXPECT_EQ(0u, info.flags);
	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, close(fd));
}

/*
 * The precopy sizes count the stream as read() hands it out, record
 * headers included, so that a reader counting its bytes down as QEMU does
 * (initial_bytes first, then dirty_bytes) gets exact figures: on an idle
 * VF, initial_bytes + dirty_bytes at the start is the number of bytes up
 * to the temporary end, and after every read() initial_bytes is exactly
 * what the countdown says is left of it (odd read sizes, so reads end
 * inside record headers too).
 */
TEST_F_TIMEOUT(pc, precopy_sizes_count_framing, 900)
{
	static const size_t sizes[] = { PC_CHUNK, 4093, 16, 7, PC_CHUNK + 13 };
	struct vfio_precopy_info info, info0;
	uint8_t *buf = malloc(PC_CHUNK + 64);
	uint64_t total = 0, init_left;
	unsigned int i = 0;
	ssize_t n;
	int fd;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, opt_in_v2(&self->p.dev[0]));
	ASSERT_SET_STATE_FD(&self->p.dev[0], VFIO_DEVICE_STATE_PRE_COPY, &fd);
	ASSERT_EQ(0, precopy_info(fd, 0, &info0));
	ASSERT_EQ(0u, info0.flags);
	ASSERT_LT(self->p.devmem, info0.initial_bytes);
	init_left = info0.initial_bytes;
	for (;;) {
		n = read(fd, buf, sizes[i++ % 5]);
		if (n < 0 && errno == ENOMSG)
			break;
		ASSERT_LT(0, n) TH_LOG("read: %s", n ? strerror(errno) : "EOF");
		total += (uint64_t)n;
		init_left -= (uint64_t)n < init_left ? (uint64_t)n : init_left;
		ASSERT_EQ(0, precopy_info(fd, 0, &info));
		ASSERT_EQ(0u, info.flags);
		ASSERT_EQ(init_left, info.initial_bytes)
			TH_LOG("after %llu bytes read", (unsigned long long)total);
	}
	ASSERT_EQ(info0.initial_bytes + info0.dirty_bytes, total);
	ASSERT_EQ(0, precopy_info(fd, 0, &info));
	ASSERT_EQ(0ull, (unsigned long long)info.initial_bytes);
	ASSERT_EQ(0ull, (unsigned long long)info.dirty_bytes);
	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, close(fd));
	free(buf);
}

/* read() from the saving fd until initial_bytes < @below; returns info. */
static void read_initial_below(struct __test_metadata *_metadata, int fd,
			       uint64_t below, struct vfio_precopy_info *info)
{
	uint8_t *buf = malloc(PC_CHUNK);
	ssize_t n;

	ASSERT_NE(NULL, buf);
	for (;;) {
		ASSERT_EQ(0, precopy_info(fd, 0, info));
		ASSERT_EQ(0u, info->flags);
		if (info->initial_bytes < below)
			break;
		n = read(fd, buf, PC_CHUNK);
		ASSERT_LT(0, n) TH_LOG("read: %s", n ? strerror(errno) : "EOF");
	}
	free(buf);
}

/*
 * No opt-in: with less than a quarter of the initial data left, shrink
 * DEVMEM_ACTIVE to half, which restarts the initial data with more bytes
 * than were left.  initial_bytes must never grow (v1 uAPI), the new data
 * shows up as dirty_bytes, flags stays 0, the stream still reaches its
 * temporary end, and an opt-in afterwards does not report that old
 * restart as REINIT.
 */
TEST_F_TIMEOUT(pc, no_optin_reinit_initial_monotonic, 900)
{
	struct mvf_dev *vf0 = &self->p.dev[0];
	uint32_t half = (uint32_t)(self->p.devmem / MIB / 2);
	struct vfio_precopy_info info;
	uint64_t prev, total = 0;
	uint8_t *buf;
	ssize_t n;
	int fd;

	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	read_initial_below(_metadata, fd, self->p.devmem / 4, &info);
	ASSERT_FALSE(_metadata->exit_code);
	prev = info.initial_bytes;

	mvf_wr32(vf0, MVF_VF_REG_DEVMEM_ACTIVE, half);
	ASSERT_EQ(half, mvf_rd32(vf0, MVF_VF_REG_DEVMEM_ACTIVE));
	/* right away, before the device's event can have arrived */
	ASSERT_EQ(0, precopy_info(fd, 0, &info));
	ASSERT_EQ(0u, info.flags);
	ASSERT_GE(prev, info.initial_bytes);
	ASSERT_LE((uint64_t)half * MIB, info.dirty_bytes)
		TH_LOG("new initial data not counted as dirty: %llu",
		       (unsigned long long)info.dirty_bytes);
	prev = info.initial_bytes;

	buf = malloc(PC_CHUNK);
	ASSERT_NE(NULL, buf);
	for (;;) {
		n = read(fd, buf, PC_CHUNK);
		if (n < 0 && errno == ENOMSG)
			break;
		ASSERT_LT(0, n) TH_LOG("read: %s", n ? strerror(errno) : "EOF");
		total += (uint64_t)n;
		ASSERT_GT(4 * self->p.devmem, total);
		ASSERT_EQ(0, precopy_info(fd, 0, &info));
		ASSERT_EQ(0u, info.flags);
		ASSERT_GE(prev, info.initial_bytes);
		prev = info.initial_bytes;
	}
	free(buf);
	ASSERT_LE((uint64_t)half * MIB, total);

	/* the event has long arrived: an opt-in now finds no stale REINIT */
	usleep(200 * 1000);
	ASSERT_EQ(0, precopy_info(fd, 0, &info));
	ASSERT_EQ(0u, info.flags);
	ASSERT_EQ(0, opt_in_v2(vf0));
	ASSERT_EQ(0, precopy_info(fd, 0x5a5a0000u, &info));
	ASSERT_EQ(0u, info.flags);
	ASSERT_EQ(0ull, (unsigned long long)info.initial_bytes);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, close(fd));
}

/*
 * Opt-in: the device restarts its initial data synchronously with the
 * DEVMEM_ACTIVE write, so the very next query reports REINIT, without
 * waiting for the INITIAL_CHANGED event; the event, arriving later, does
 * not make a second REINIT.
 */
TEST_F_TIMEOUT(pc, reinit_reported_synchronously, 600)
{
	struct mvf_dev *vf0 = &self->p.dev[0];
	uint32_t half = (uint32_t)(self->p.devmem / MIB / 2);
	struct vfio_precopy_info info;
	uint8_t *buf = malloc(PC_CHUNK);
	unsigned int i;
	int fd;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, opt_in_v2(vf0));
	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	ASSERT_LT(0, read(fd, buf, PC_CHUNK));
	ASSERT_EQ(0, precopy_info(fd, 0, &info));
	ASSERT_EQ(0u, info.flags);

	mvf_wr32(vf0, MVF_VF_REG_DEVMEM_ACTIVE, half);
	ASSERT_EQ(0, precopy_info(fd, 0, &info));
	ASSERT_EQ((uint32_t)VFIO_PRECOPY_INFO_REINIT, info.flags);
	ASSERT_EQ(0ull, (unsigned long long)info.dirty_bytes);
	ASSERT_LE((uint64_t)half * MIB, info.initial_bytes);
	for (i = 0; i < 10; i++) {
		usleep(50 * 1000);
		ASSERT_EQ(0, precopy_info(fd, VFIO_PRECOPY_INFO_REINIT, &info));
		ASSERT_EQ(0u, info.flags) TH_LOG("REINIT again after %u ms",
						 (i + 1) * 50);
	}
	free(buf);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, close(fd));
}

/* One descriptor on VF0's ring: the data plane works. */
static void check_works(struct __test_metadata *_metadata,
			FIXTURE_DATA(pc) *self)
{
	struct mvf_pair *p = &self->p;
	uint8_t *buf = p->bounce[0].va, expect[256];
	struct mvf_desc d;

	memset(buf, 0, sizeof(expect));
	mvf_pattern_fill(expect, sizeof(expect), 0x0123456789abcdefull);
	d = mvf_desc_make(MVF_DESC_OP_FILL, sizeof(expect), 0,
			  p->bounce[0].iova, 0x0123456789abcdefull, 0x77);
	ASSERT_EQ(0, mvf_ring_exec(&p->dev[0], &p->ring[0], &d, NULL));
	ASSERT_EQ(0, memcmp(buf, expect, sizeof(expect)));
}

/*
 * Close the saving fd in @where after reading @nread bytes, then bring
 * VF0 back to RUNNING: it works and a full save still succeeds.
 */
static void close_saving(struct __test_metadata *_metadata,
			 FIXTURE_DATA(pc) *self, uint32_t where, size_t nread)
{
	struct mvf_dev *vf0 = &self->p.dev[0];
	uint8_t *buf = malloc(nread);
	struct vt_buf again = { 0 };
	int fd;

	ASSERT_NE(NULL, buf);
	if (where == VFIO_DEVICE_STATE_STOP_COPY) {
		ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_PRE_COPY, &fd);
		ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_PRE_COPY_P2P);
		ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP_COPY);
	} else {
		ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_PRE_COPY, &fd);
		if (where == VFIO_DEVICE_STATE_PRE_COPY_P2P)
			ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_PRE_COPY_P2P);
	}
	ASSERT_EQ((ssize_t)nread, read(fd, buf, nread));
	free(buf);
	ASSERT_EQ(0, close(fd));
	ASSERT_MIG_STATE(vf0, where);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	check_works(_metadata, self);
	/* and a new session works to the end */
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_save(&vf0->vt, &again));
	ASSERT_LT(self->p.devmem, (uint64_t)again.len);
	vt_buf_free(&again);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	check_works(_metadata, self);
}

TEST_F_TIMEOUT(pc, close_saving_fd_pre_copy, 600)
{
	close_saving(_metadata, self, VFIO_DEVICE_STATE_PRE_COPY, 12345);
}

TEST_F_TIMEOUT(pc, close_saving_fd_pre_copy_p2p, 600)
{
	close_saving(_metadata, self, VFIO_DEVICE_STATE_PRE_COPY_P2P, 3 * 4096);
}

TEST_F_TIMEOUT(pc, close_saving_fd_stop_copy, 600)
{
	close_saving(_metadata, self, VFIO_DEVICE_STATE_STOP_COPY, 1u << 20);
}

MVF_KSFT_MAIN
