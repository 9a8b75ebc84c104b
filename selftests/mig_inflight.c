// SPDX-License-Identifier: GPL-2.0
/*
 * mig_inflight: close, VFIO_DEVICE_RESET and arc changes while the
 * device still owns a data_fd's DMA buffer.
 *
 * In STOP_COPY the driver keeps SAVE_CHUNKs queued into the file's DMA
 * buffers while the user reads (Documentation/driver.rst, "Data path");
 * on the resume side write() queues LOAD_CHUNKs and returns.  Run with the
 * emulator's --slow-chunks MS (tools/vm/run.sh --devmem-mib 16 --emu-opts
 * "--slow-chunks 200", as make check does): every chunk command is then
 * held MS ms in the device, so right
 * after a read()/write() returns there certainly are chunk commands in
 * flight, and each test ends the stream that moment.  Each test then
 * checks the exact errnos and states, that a later save is byte for byte
 * the reference (a late chunk of the old session neither lands in nor
 * breaks the new one), and that the kernel logged no device DMA error, no
 * admin timeout and no warning since the test began (a buffer freed while
 * the device still writes it shows up as a DMA error: behind the vIOMMU
 * its IOVA is unmapped).
 *
 *  - leave_stop_copy: STOP_COPY -> STOP with chunks queued;
 *  - close_fd_then_leave: the data_fd closed first, then the arc;
 *  - close_device: the device fd closed with the data_fd still open;
 *  - reset: VFIO_DEVICE_RESET with chunks queued;
 *  - pf_reset_reader_waits: a PF queue reset (debugfs reset_queues) while
 *    a reader waits for a held chunk: the reset fails the chunks in flight
 *    (-EIO) but the reader is told why, -ECONNRESET, sticky; STOP_COPY ->
 *    STOP succeeds (Documentation/driver.rst, "PF queue reset and PF
 *    unbind");
 *  - resume_reset: VFIO_DEVICE_RESET with a LOAD_CHUNK queued, then a
 *    clean load of the whole stream makes VF1 equal VF0;
 *  - resume_close_device: the device fd closed with a LOAD_CHUNK queued;
 *  - resume_finish_waits: RESUMING -> STOP right after the last write()
 *    (the LOAD_CHUNKs are still queued) loads the image.
 *
 * Usage: mig_inflight [harness options] [VF0-BDF VF1-BDF]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mvf_ksft.h"

#define IF_BOUNCE	(64u << 10)
#define IF_IO		(1u << 20)	/* read()/write() size, as QEMU */

FIXTURE(inf) {
	struct mvf_pair p;
	struct vt_buf ref;	/* VF0's stream, saved in STOP */
	struct mvf_regs s0;
	int kmsg;		/* /dev/kmsg, positioned at the test's start */
	uint8_t *io;
};

FIXTURE_SETUP(inf)
{
	ASSERT_EQ(0, mvf_pair_open(&self->p, mvf_vf_bdf[0], mvf_vf_bdf[1],
				   IF_BOUNCE));
	ASSERT_EQ(0, mvf_fill_all_pages(&self->p.ctx[0], NULL,
					0x1f11a5e000000001ull, 0));
	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_STOP);
	mvf_regs_read(&self->p.dev[0], &self->s0);
	ASSERT_EQ(0, vt_mig_save(&self->p.dev[0].vt, &self->ref));
	/* Several chunks, so that some are queued after the first read. */
	ASSERT_LT(4 * (size_t)IF_IO, self->ref.len);
	self->io = malloc(IF_IO);
	ASSERT_NE(NULL, self->io);
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, self->kmsg);
	ASSERT_LE(0, lseek(self->kmsg, 0, SEEK_END));
}

FIXTURE_TEARDOWN(inf)
{
	if (self->kmsg >= 0)
		close(self->kmsg);
	free(self->io);
	vt_buf_free(&self->ref);
	mvf_pair_close(&self->p);
}

/* Kernel log lines since the test began that show a broken rule. */
static int bad_kmsg(struct __test_metadata *_metadata, int fd)
{
	static const char *const bad[] = {
		"device DMA error", "timed out", "WARNING:", "BUG:",
		"leaking",
	};
	char rec[2048];
	int found = 0;
	unsigned int i;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = 0;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (strstr(rec, bad[i])) {
				TH_LOG("kernel: %s", strchr(rec, ';') ?
				       strchr(rec, ';') + 1 : rec);
				found++;
			}
		}
	}
	return found;
}

/* STOP_COPY data_fd with the STOP_COPY_SIZE record and a chunk read. */
static int start_save(struct __test_metadata *_metadata,
		      FIXTURE_DATA(inf) *self)
{
	int fd;
	ssize_t n;

	ASSERT_SET_STATE_FD(&self->p.dev[0], VFIO_DEVICE_STATE_STOP_COPY, &fd);
	n = read(fd, self->io, IF_IO);
	EXPECT_EQ(IF_IO, n) TH_LOG("read: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(self->io, self->ref.data, IF_IO));
	/* The driver has queued the next chunks: the device holds them. */
	return fd;
}

static void expect_enodev(struct __test_metadata *_metadata, int fd,
			  bool writer)
{
	ssize_t n = writer ? write(fd, "x", 1) : read(fd, (char[8]){ 0 }, 8);

	EXPECT_EQ(-1, n);
	EXPECT_EQ(ENODEV, errno) TH_LOG("got %s", strerror(errno));
}

/* VF0 saves the reference again, byte for byte, and the log is clean. */
static void expect_clean(struct __test_metadata *_metadata,
			 FIXTURE_DATA(inf) *self)
{
	struct vt_buf again = { 0 };

	ASSERT_EQ(0, vt_mig_save(&self->p.dev[0].vt, &again));
	EXPECT_EQ(self->ref.len, again.len);
	EXPECT_EQ(0, memcmp(self->ref.data, again.data,
			    again.len < self->ref.len ? again.len :
							 self->ref.len));
	vt_buf_free(&again);
	EXPECT_EQ(0, bad_kmsg(_metadata, self->kmsg));
}

TEST_F_TIMEOUT(inf, leave_stop_copy, 300)
{
	int fd = start_save(_metadata, self);

	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_STOP);
	expect_enodev(_metadata, fd, false);
	ASSERT_EQ(0, close(fd));
	expect_clean(_metadata, self);
}

TEST_F_TIMEOUT(inf, close_fd_then_leave, 300)
{
	int fd = start_save(_metadata, self);

	ASSERT_EQ(0, close(fd));
	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_STOP);
	expect_clean(_metadata, self);
}

TEST_F_TIMEOUT(inf, close_device, 300)
{
	int fd = start_save(_metadata, self);

	mvf_dev_close(&self->p.dev[0]);
	expect_enodev(_metadata, fd, false);
	ASSERT_EQ(0, close(fd));
	/* Reopened: RUNNING, device memory kept; registers set up again. */
	ASSERT_EQ(0, mvf_dev_open(&self->p.vfio, &self->p.dev[0],
				  mvf_vf_bdf[0]));
	ASSERT_MIG_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, 0));
	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_save(&self->p.dev[0].vt, &self->ref));
	EXPECT_EQ(0, bad_kmsg(_metadata, self->kmsg));
}

TEST_F_TIMEOUT(inf, reset, 300)
{
	struct vt_buf again = { 0 };
	int fd = start_save(_metadata, self);

	ASSERT_EQ(0, vt_dev_reset(&self->p.dev[0].vt));
	ASSERT_MIG_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_RUNNING);
	expect_enodev(_metadata, fd, false);
	ASSERT_EQ(0, close(fd));
	/* Registers reset, device memory kept: a full-size image again. */
	ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, 0));
	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_save(&self->p.dev[0].vt, &again));
	EXPECT_EQ(self->ref.len, again.len);
	vt_buf_free(&again);
	EXPECT_EQ(0, bad_kmsg(_metadata, self->kmsg));
}

/* A reader of a STOP_COPY data_fd until its first error. */
struct reader {
	int fd;
	uint8_t *buf;		/* IF_IO bytes */
	size_t got;		/* bytes read */
	int err;		/* errno of the first failed read(), or 0 */
};

static void *reader_fn(void *arg)
{
	struct reader *r = arg;
	ssize_t n;

	for (;;) {
		n = read(r->fd, r->buf, IF_IO);
		if (n <= 0) {
			r->err = n ? errno : 0;
			return NULL;
		}
		r->got += (size_t)n;
	}
}

TEST_F_TIMEOUT(inf, pf_reset_reader_waits, 300)
{
	struct reader r = { .fd = start_save(_metadata, self) };
	char pf[1][MVF_BDF_LEN];
	pthread_t thr;

	ASSERT_EQ(1, mvf_sysfs_find(MVF_PCI_DEVICE_PF, pf, 1));
	r.buf = malloc(IF_IO);
	ASSERT_NE(NULL, r.buf);
	ASSERT_EQ(0, pthread_create(&thr, NULL, reader_fn, &r));
	/* Each chunk is held in the device: the reader is waiting for one. */
	usleep(100 * 1000);
	ASSERT_EQ(0, mvf_pf_debugfs_write(pf[0], "reset_queues", "1"));
	ASSERT_EQ(0, pthread_join(thr, NULL));
	free(r.buf);
	EXPECT_EQ(ECONNRESET, r.err) TH_LOG("reader: %s after %zu bytes",
					    strerror(r.err), r.got);
	EXPECT_GT(self->ref.len, IF_IO + r.got);
	EXPECT_EQ(-1, read(r.fd, self->io, IF_IO));
	EXPECT_EQ(ECONNRESET, errno);
	/* The session is gone: the exit arc has nothing to end, no ERROR. */
	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_STOP);
	expect_enodev(_metadata, r.fd, false);
	ASSERT_EQ(0, close(r.fd));
	expect_clean(_metadata, self);
}

/* RESUMING data_fd of VF1 with three chunks written (LOAD_CHUNKs queued). */
static int start_load(struct __test_metadata *_metadata,
		      FIXTURE_DATA(inf) *self)
{
	size_t done = 0;
	int fd;

	ASSERT_SET_STATE(&self->p.dev[1], VFIO_DEVICE_STATE_STOP);
	ASSERT_SET_STATE_FD(&self->p.dev[1], VFIO_DEVICE_STATE_RESUMING, &fd);
	EXPECT_EQ(0, vt_mig_write_all(&self->p.dev[1].vt, fd, self->ref.data,
				       3 * IF_IO, IF_IO, &done));
	EXPECT_EQ(3 * IF_IO, done);
	return fd;
}

/* The whole stream loads into VF1, which then equals VF0. */
static void expect_loads(struct __test_metadata *_metadata,
			 FIXTURE_DATA(inf) *self)
{
	struct mvf_regs s1;

	ASSERT_SET_STATE(&self->p.dev[1], VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_load(&self->p.dev[1].vt, self->ref.data,
				  self->ref.len));
	mvf_regs_read(&self->p.dev[1], &s1);
	EXPECT_EQ(0, mvf_regs_diff("VF0 saved vs VF1 loaded", &self->s0, &s1,
				   0));
	EXPECT_EQ(0, bad_kmsg(_metadata, self->kmsg));
}

TEST_F_TIMEOUT(inf, resume_reset, 300)
{
	int fd = start_load(_metadata, self);

	ASSERT_EQ(0, vt_dev_reset(&self->p.dev[1].vt));
	ASSERT_MIG_STATE(&self->p.dev[1], VFIO_DEVICE_STATE_RUNNING);
	expect_enodev(_metadata, fd, true);
	ASSERT_EQ(0, close(fd));
	expect_loads(_metadata, self);
}

TEST_F_TIMEOUT(inf, resume_close_device, 300)
{
	int fd = start_load(_metadata, self);

	mvf_dev_close(&self->p.dev[1]);
	expect_enodev(_metadata, fd, true);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, mvf_dev_open(&self->p.vfio, &self->p.dev[1],
				  mvf_vf_bdf[1]));
	ASSERT_MIG_STATE(&self->p.dev[1], VFIO_DEVICE_STATE_RUNNING);
	expect_loads(_metadata, self);
}

TEST_F_TIMEOUT(inf, resume_finish_waits, 300)
{
	struct mvf_regs s1;
	size_t done = 0;
	int fd;

	ASSERT_SET_STATE(&self->p.dev[1], VFIO_DEVICE_STATE_STOP);
	ASSERT_SET_STATE_FD(&self->p.dev[1], VFIO_DEVICE_STATE_RESUMING, &fd);
	ASSERT_EQ(0, vt_mig_write_all(&self->p.dev[1].vt, fd, self->ref.data,
				       self->ref.len, IF_IO, &done));
	/* LOAD_CHUNKs still held by the device: STOP waits for them. */
	ASSERT_SET_STATE(&self->p.dev[1], VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, close(fd));
	mvf_regs_read(&self->p.dev[1], &s1);
	EXPECT_EQ(0, mvf_regs_diff("VF0 saved vs VF1 loaded", &self->s0, &s1,
				   0));
	EXPECT_EQ(0, bad_kmsg(_metadata, self->kmsg));
}

MVF_KSFT_MAIN
