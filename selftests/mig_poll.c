// SPDX-License-Identifier: GPL-2.0
/*
 * mig_poll: poll(), O_NONBLOCK and stale-fd behaviour of the saving
 * data_fd of a PRECOPY session (Documentation/driver.rst, "read()" and
 * "poll()").
 *
 *  - precopy_data_wakes_poll: at the temporary end (read() -ENOMSG)
 *    poll() reports nothing while VF0 is idle; a page dirtied through
 *    VF0's ring (MVF_EVENT_PRECOPY_DATA) makes poll() return POLLIN, and
 *    the data read then carries exactly that page; twice (the event is
 *    re-armed by the next EMPTY answer);
 *  - devmem_active_wakes_poll: a write of MVF_VF_REG_DEVMEM_ACTIVE at the
 *    temporary end (MVF_EVENT_INITIAL_CHANGED) wakes poll(), and the next
 *    record starts a new image HEADER with the new active size;
 *  - nonblock_reads: with O_NONBLOCK a read() returns -EAGAIN while
 *    another reader is inside read() (held in its copy to user memory by
 *    userfaultfd, so the overlap is certain), data when the file is free,
 *    -ENOMSG at the temporary end in PRE_COPY and PRE_COPY_P2P, never
 *    -ENOMSG in STOP_COPY; the bytes of all readers form one valid image;
 *  - stale_fd_*: after the session left the saving group (PRE_COPY ->
 *    RUNNING, PRE_COPY_P2P -> RUNNING_P2P) with a record half read:
 *    read() -ENODEV (blocking and O_NONBLOCK), VFIO_MIG_GET_PRECOPY_INFO
 *    -EINVAL, poll() exactly POLLIN|POLLRDNORM|POLLERR|POLLRDHUP.
 *
 * Usage: mig_poll [harness options] [VF0-BDF VF1-BDF]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mvf_ksft.h"

#define PL_BOUNCE	(64u << 10)
#define PL_CHUNK	(1u << 20)
#define PL_WAKE_MS	20000	/* event delivery bound (TCG) */
#define PL_QUIET_MS	200	/* "nothing happens" window */
#define MIB		(1ull << 20)

FIXTURE(pl) {
	struct mvf_pair p;
	struct vt_buf stream;
	uint8_t *buf;		/* PL_CHUNK bytes */
	uint32_t active;	/* DEVMEM_ACTIVE at setup, MiB */
};

FIXTURE_SETUP(pl)
{
	ASSERT_EQ(0, mvf_pair_open(&self->p, mvf_vf_bdf[0], mvf_vf_bdf[1],
				   PL_BOUNCE));
	self->buf = malloc(PL_CHUNK);
	ASSERT_NE(NULL, self->buf);
	self->active = mvf_rd32(&self->p.dev[0], MVF_VF_REG_DEVMEM_ACTIVE);
	ASSERT_EQ(self->p.devmem / MIB, self->active);
}

FIXTURE_TEARDOWN(pl)
{
	/* leave VF0 as found, whatever the test did */
	if (self->p.nr_open > 0 &&
	    mvf_rd32(&self->p.dev[0], MVF_VF_REG_DEVMEM_ACTIVE) != self->active)
		mvf_wr32(&self->p.dev[0], MVF_VF_REG_DEVMEM_ACTIVE,
			 self->active);
	free(self->buf);
	vt_buf_free(&self->stream);
	mvf_pair_close(&self->p);
}

static ssize_t rd(int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	return n < 0 ? -errno : n;
}

static int precopy_info(int fd, struct vfio_precopy_info *i)
{
	memset(i, 0, sizeof(*i));
	i->argsz = sizeof(*i);
	return ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, i) ? -errno : 0;
}

static int set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) ? -errno : 0;
}

/*
 * read() @fd in PL_CHUNK pieces, appended to self->stream, until the
 * temporary end (-ENOMSG); every other result but data fails.  Returns
 * the bytes read.
 */
static uint64_t drain(struct __test_metadata *_metadata,
		      FIXTURE_DATA(pl) *self, int fd)
{
	uint64_t total = 0, limit = 4 * self->p.devmem + (64u << 20);
	ssize_t n;

	for (;;) {
		ASSERT_EQ(0, vt_buf_reserve(&self->stream,
					     self->stream.len + PL_CHUNK));
		n = rd(fd, self->stream.data + self->stream.len, PL_CHUNK);
		if (n == -ENOMSG)
			return total;
		ASSERT_LT(0, n) TH_LOG("read in PRE_COPY: %s",
				       n ? strerror((int)-n) : "end of stream");
		self->stream.len += (size_t)n;
		total += (uint64_t)n;
		ASSERT_GT(limit, total) TH_LOG("no temporary end");
	}
}

/*
 * At the temporary end with VF0 idle, poll() reports nothing.  One
 * wakeup queued before the last fetch may be spurious (driver.rst); then
 * read() must say -ENOMSG and the next poll() must stay quiet.
 */
static void expect_quiet(struct __test_metadata *_metadata,
			 FIXTURE_DATA(pl) *self, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;

	r = poll(&pfd, 1, PL_QUIET_MS);
	ASSERT_LE(0, r);
	if (r) {
		ASSERT_EQ(POLLIN, pfd.revents)
			TH_LOG("revents 0x%x at the temporary end", pfd.revents);
		ASSERT_EQ(-ENOMSG, rd(fd, self->buf, PL_CHUNK))
			TH_LOG("an idle device had data after -ENOMSG");
		TH_LOG("one spurious wakeup at the temporary end");
		pfd.revents = 0;
		ASSERT_EQ(0, poll(&pfd, 1, PL_QUIET_MS))
			TH_LOG("revents 0x%x: poll() not quiet while idle",
			       pfd.revents);
	}
	ASSERT_EQ(-ENOMSG, rd(fd, self->buf, PL_CHUNK));
}

/* Wait (bounded) for poll() to report readable data, not an error. */
static void expect_wakeup(struct __test_metadata *_metadata, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	ASSERT_EQ(1, poll(&pfd, 1, PL_WAKE_MS))
		TH_LOG("poll() not woken within %d ms", PL_WAKE_MS);
	ASSERT_EQ(POLLIN, pfd.revents) TH_LOG("revents 0x%x", pfd.revents);
}

static bool contains(const struct vt_buf *b, size_t from, const void *p,
		     size_t len)
{
	return b->len >= from &&
	       memmem(b->data + from, b->len - from, p, len) != NULL;
}

TEST_F_TIMEOUT(pl, precopy_data_wakes_poll, 600)
{
	struct mvf_dev *vf0 = &self->p.dev[0];
	struct vfio_precopy_info info;
	struct pollfd pfd;
	uint8_t page[MVF_IMG_PAGE_SIZE];
	int fd, round;

	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	/* the initial data is there from the start */
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_EQ(POLLIN, pfd.revents);
	ASSERT_LT(self->p.devmem, drain(_metadata, self, fd));
	ASSERT_FALSE(_metadata->exit_code);
	ASSERT_EQ(0, precopy_info(fd, &info));
	ASSERT_EQ(0ull, (unsigned long long)info.initial_bytes);
	ASSERT_EQ(0ull, (unsigned long long)info.dirty_bytes);
	expect_quiet(_metadata, self, fd);
	ASSERT_FALSE(_metadata->exit_code);

	for (round = 0; round < 2; round++) {
		uint64_t pg = 5 + 7 * (uint64_t)round;
		uint64_t pat = 0x9011f00d00000000ull + (uint64_t)round;
		size_t from = self->stream.len;
		struct mvf_desc d;

		d = mvf_desc_make(MVF_DESC_OP_DFILL, MVF_IMG_PAGE_SIZE, 0,
				  pg * MVF_IMG_PAGE_SIZE, pat, 0x90110 + round);
		ASSERT_EQ(0, mvf_ring_exec(vf0, &self->p.ring[0], &d, NULL));
		expect_wakeup(_metadata, fd);
		ASSERT_EQ(0, precopy_info(fd, &info));
		ASSERT_EQ(0ull, (unsigned long long)info.initial_bytes);
		ASSERT_LE(MVF_IMG_PAGE_SIZE, info.dirty_bytes)
			TH_LOG("round %d: woken but dirty_bytes %llu", round,
			       (unsigned long long)info.dirty_bytes);
		ASSERT_LE(MVF_IMG_PAGE_SIZE, drain(_metadata, self, fd));
		ASSERT_FALSE(_metadata->exit_code);
		/* the dirtied page itself came through */
		mvf_pattern_fill(page, sizeof(page), pat);
		ASSERT_TRUE(contains(&self->stream, from, page, sizeof(page)))
			TH_LOG("round %d: page %llu not in the %zu new bytes",
			       round, (unsigned long long)pg,
			       self->stream.len - from);
		expect_quiet(_metadata, self, fd);
		ASSERT_FALSE(_metadata->exit_code);
	}
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, close(fd));
}

TEST_F_TIMEOUT(pl, devmem_active_wakes_poll, 600)
{
	struct mvf_dev *vf0 = &self->p.dev[0];
	uint32_t half = self->active / 2;
	const struct mvf_mig_record *rec;
	const struct mvf_img_sec *sec;
	const struct mvf_img_header *hdr;
	ssize_t n;
	int fd;

	ASSERT_LT(0u, half);
	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	drain(_metadata, self, fd);
	ASSERT_FALSE(_metadata->exit_code);
	expect_quiet(_metadata, self, fd);
	ASSERT_FALSE(_metadata->exit_code);

	mvf_wr32(vf0, MVF_VF_REG_DEVMEM_ACTIVE, half);
	ASSERT_EQ(half, mvf_rd32(vf0, MVF_VF_REG_DEVMEM_ACTIVE));
	expect_wakeup(_metadata, fd);

	/* nothing was buffered: the next record restarts the image */
	n = rd(fd, self->buf, 4096);
	ASSERT_EQ(4096, n) TH_LOG("read after INITIAL_CHANGED: %s",
				  n < 0 ? strerror((int)-n) : "short");
	rec = (const void *)self->buf;
	sec = (const void *)(self->buf + sizeof(*rec));
	hdr = (const void *)(self->buf + sizeof(*rec) + sizeof(*sec));
	ASSERT_EQ((uint32_t)MVF_MIG_TAG_DEVICE_DATA, rec->tag);
	ASSERT_EQ(0u, rec->flags);
	ASSERT_EQ((uint32_t)MVF_IMG_SEC_HEADER, sec->type);
	ASSERT_EQ(sizeof(*hdr), sec->len);
	ASSERT_EQ(MVF_IMG_MAGIC, hdr->magic);
	ASSERT_EQ(half, hdr->devmem_active);
	ASSERT_EQ(self->p.devmem, hdr->devmem_size);

	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, close(fd));
	mvf_wr32(vf0, MVF_VF_REG_DEVMEM_ACTIVE, self->active);
	ASSERT_EQ(self->active, mvf_rd32(vf0, MVF_VF_REG_DEVMEM_ACTIVE));
}

struct blocked_reader {
	int fd;
	void *buf;
	size_t len;
	ssize_t ret;		/* read()'s result or -errno */
};

static void *blocked_reader_fn(void *arg)
{
	struct blocked_reader *r = arg;

	r->ret = rd(r->fd, r->buf, r->len);
	return NULL;
}

TEST_F_TIMEOUT(pl, nonblock_reads, 900)
{
	struct mvf_dev *vf0 = &self->p.dev[0];
	struct blocked_reader br = { .len = 4096 };
	struct mvf_stream ps = { 0 };
	struct mvf_uffd uf;
	struct pollfd pfd;
	char why[256] = "";
	uint64_t fault;
	pthread_t t;
	ssize_t n;
	int fd;

	ASSERT_EQ(0, mvf_uffd_open(&uf, 1u << 16));
	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	ASSERT_EQ(0, set_nonblock(fd, true));

	/* a reader stopped inside read(), in its copy to user memory */
	br.fd = fd;
	br.buf = uf.area;
	ASSERT_EQ(0, pthread_create(&t, NULL, blocked_reader_fn, &br));
	ASSERT_EQ(0, mvf_uffd_wait_fault(&uf, PL_WAKE_MS, &fault));
	ASSERT_EQ((uintptr_t)uf.area, fault);
	EXPECT_EQ(-EAGAIN, rd(fd, self->buf, PL_CHUNK));
	EXPECT_EQ(-EAGAIN, rd(fd, self->buf, 1));
	/* poll() does not wait for the reader and says data is there */
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents);
	ASSERT_EQ(0, mvf_uffd_release(&uf));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(4096, br.ret) TH_LOG("blocked reader: %s",
				       br.ret < 0 ? strerror((int)-br.ret) :
				       "short read");
	ASSERT_EQ(0, vt_buf_append(&self->stream, uf.area, 4096));

	/* free file: data, then -ENOMSG, with O_NONBLOCK */
	ASSERT_LT(self->p.devmem, drain(_metadata, self, fd));
	ASSERT_FALSE(_metadata->exit_code);
	ASSERT_EQ(-ENOMSG, rd(fd, self->buf, PL_CHUNK));
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_PRE_COPY_P2P);
	drain(_metadata, self, fd);
	ASSERT_FALSE(_metadata->exit_code);
	ASSERT_EQ(-ENOMSG, rd(fd, self->buf, PL_CHUNK));

	/* STOP_COPY: never -ENOMSG or -EAGAIN, a permanent end */
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP_COPY);
	for (;;) {
		ASSERT_EQ(0, vt_buf_reserve(&self->stream,
					     self->stream.len + PL_CHUNK));
		n = rd(fd, self->stream.data + self->stream.len, PL_CHUNK);
		ASSERT_LE(0, n) TH_LOG("O_NONBLOCK read in STOP_COPY: %s",
				       strerror((int)-n));
		if (!n)
			break;
		self->stream.len += (size_t)n;
	}
	ASSERT_EQ(0, rd(fd, self->buf, PL_CHUNK));
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, close(fd));
	mvf_uffd_close(&uf);

	/* every byte once, in order: the records form one valid image */
	ASSERT_EQ(0, mvf_stream_parse(&self->stream, &ps));
	EXPECT_EQ(0, mvf_stream_check_image(&ps, self->p.devmem, why,
					    sizeof(why)))
		TH_LOG("image: %s", why);
	mvf_stream_free(&ps);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
}

/*
 * Open a PRECOPY session from @from (RUNNING or RUNNING_P2P), read half
 * a record, leave the saving group back to @from, then check the stale fd.
 */
static void stale_fd(struct __test_metadata *_metadata,
		     FIXTURE_DATA(pl) *self, uint32_t from)
{
	const short want = POLLIN | POLLRDNORM | POLLERR | POLLRDHUP;
	struct mvf_dev *vf0 = &self->p.dev[0];
	uint32_t pre = from == VFIO_DEVICE_STATE_RUNNING ?
		       VFIO_DEVICE_STATE_PRE_COPY :
		       VFIO_DEVICE_STATE_PRE_COPY_P2P;
	struct vfio_precopy_info info;
	struct pollfd pfd;
	int fd, fd2;

	if (from != VFIO_DEVICE_STATE_RUNNING)
		ASSERT_SET_STATE(vf0, from);
	ASSERT_SET_STATE_FD(vf0, pre, &fd);
	ASSERT_EQ(100, rd(fd, self->buf, 100));
	ASSERT_EQ(0, precopy_info(fd, &info));
	ASSERT_LT(0ull, (unsigned long long)info.initial_bytes);
	ASSERT_SET_STATE(vf0, from);

	ASSERT_EQ(-ENODEV, rd(fd, self->buf, PL_CHUNK));
	ASSERT_EQ(-ENODEV, rd(fd, self->buf, 1));
	ASSERT_EQ(0, set_nonblock(fd, true));
	ASSERT_EQ(-ENODEV, rd(fd, self->buf, PL_CHUNK));
	ASSERT_EQ(-EINVAL, precopy_info(fd, &info));
	pfd = (struct pollfd){
		.fd = fd, .events = POLLIN | POLLRDNORM | POLLRDHUP,
	};
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_EQ(want, pfd.revents) TH_LOG("revents 0x%x, want 0x%x",
					    pfd.revents, want);
	/* a new session has a new, working fd; the old one stays dead */
	ASSERT_SET_STATE_FD(vf0, pre, &fd2);
	ASSERT_EQ(100, rd(fd2, self->buf, 100));
	ASSERT_EQ(-ENODEV, rd(fd, self->buf, PL_CHUNK));
	ASSERT_SET_STATE(vf0, from);
	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(0, close(fd));
	if (from != VFIO_DEVICE_STATE_RUNNING)
		ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
}

TEST_F_TIMEOUT(pl, stale_fd_pre_copy, 300)
{
	stale_fd(_metadata, self, VFIO_DEVICE_STATE_RUNNING);
}

TEST_F_TIMEOUT(pl, stale_fd_pre_copy_p2p, 300)
{
	stale_fd(_metadata, self, VFIO_DEVICE_STATE_RUNNING_P2P);
}

MVF_KSFT_MAIN
