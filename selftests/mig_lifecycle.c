// SPDX-License-Identifier: GPL-2.0
/*
 * mig_lifecycle: what happens to open migrations when the PF's side goes
 * away under them, and to data_fds that outlive their device
 * (Documentation/driver.rst, "PF queue reset and PF unbind").
 *
 *  - pf_reset_precopy_resuming: VF0 in PRE_COPY with a poll() waiter at
 *    the temporary end and VF1 in RESUMING when the PF's queues are reset
 *    (debugfs mvf_core/<PF>/reset_queues): the waiter wakes with
 *    POLLIN|POLLRDNORM|POLLERR|POLLRDHUP, read(), write() and the precopy
 *    ioctl fail with -ECONNRESET, PRE_COPY -> RUNNING succeeds (no ERROR),
 *    RESUMING -> STOP fails with -ECONNRESET into ERROR; afterwards VF0
 *    migrates into VF1;
 *  - pf_reset_stop_copy: VF0 in STOP_COPY part-read, VF1 in PRE_COPY_P2P:
 *    after the reset both reads fail with -ECONNRESET and both return to
 *    RUNNING without ERROR; new sessions open (nothing left BUSY);
 *  - pf_unbind_rebind: VF0 in PRE_COPY with a poll() waiter, VF1 in
 *    STOP_COPY when the PF is unbound from mvf_core: the waiter wakes with
 *    the error mask, reads fail with -ENODEV, the exit arcs succeed, an arc
 *    that needs the device fails with -ENODEV into ERROR; after the PF is
 *    bound again both VFs work (reset, arcs, a VF0 -> VF1 migration)
 *    without being re-bound;
 *  - data_fd_outlives_unbind: a saving data_fd kept after its device was
 *    closed does not stop the VF from being unbound and bound again to
 *    mvf_vfio_pci; the old fd then reads -ENODEV;
 *  - event_flood_other_vf: with the PF's event IRQ paused (debugfs
 *    events_paused, a slow consumer), VF0's user fills the shared event
 *    queue with DEVMEM_ACTIVE writes during VF0's PRE_COPY, then VF1's
 *    PRECOPY_DATA event is dropped; once events run again, VF1's poll()
 *    waiter at the temporary end still wakes (MVF_EVENT_LOST) with POLLIN
 *    and the dirtied page is read;
 *  - vcap_write_ignored: a user write to the VF->PF link capability
 *    through the VFIO config region changes nothing, neither what the user
 *    reads back nor what the device holds (sysfs config).
 *
 * Needs root, debugfs at /sys/kernel/debug and the PF bound to mvf_core.
 * Usage: mig_lifecycle [harness options] [VF0-BDF VF1-BDF]
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "mvf_ksft.h"

#define LC_BOUNCE	(64u << 10)
#define LC_CHUNK	(1u << 20)
#define LC_WAKE_MS	20000	/* wakeup bound (TCG) */
#define LC_QUIET_MS	300	/* "the waiter is asleep" window */
#define LC_POLL_EVENTS	(POLLIN | POLLRDNORM | POLLRDHUP)
#define LC_POLL_ERR	(LC_POLL_EVENTS | POLLERR)
#define PCI_DEVICES	"/sys/bus/pci/devices"

FIXTURE(lc) {
	struct mvf_pair p;
	char pf[MVF_BDF_LEN];
	uint8_t *buf;		/* LC_CHUNK bytes */
	struct vt_buf stream;
	int fd[2];		/* data_fds the test holds, -1 if none */
};

static int pf_unbind(const char *pf)
{
	return mvf_sysfs_write("/sys/bus/pci/drivers/mvf_core/unbind", pf);
}

static int pf_reset_queues(const char *pf)
{
	return mvf_pf_debugfs_write(pf, "reset_queues", "1");
}

FIXTURE_SETUP(lc)
{
	char pfs[1][MVF_BDF_LEN];

	self->fd[0] = self->fd[1] = -1;
	ASSERT_EQ(1, mvf_sysfs_find(MVF_PCI_DEVICE_PF, pfs, 1));
	snprintf(self->pf, sizeof(self->pf), "%s", pfs[0]);
	ASSERT_TRUE(mvf_sysfs_driver_is(self->pf, "mvf_core"))
		TH_LOG("PF %s is not bound to mvf_core", self->pf);
	ASSERT_EQ(0, mvf_pair_open(&self->p, mvf_vf_bdf[0], mvf_vf_bdf[1],
				   LC_BOUNCE));
	self->buf = malloc(LC_CHUNK);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(lc)
{
	int i;

	for (i = 0; i < 2; i++)
		if (self->fd[i] >= 0)
			close(self->fd[i]);
	mvf_pair_close(&self->p);
	/* leave the PF, its event IRQ and the VFs as found */
	mvf_pf_debugfs_write(self->pf, "events_paused", "0");
	if (mvf_pf_bind(self->pf))
		fprintf(stderr, "# PF %s: bind to mvf_core failed\n", self->pf);
	for (i = 0; i < 2; i++)
		if (!mvf_sysfs_driver_is(mvf_vf_bdf[i], "mvf_vfio_pci"))
			mvf_sysfs_write("/sys/bus/pci/drivers_probe",
					mvf_vf_bdf[i]);
	free(self->buf);
	vt_buf_free(&self->stream);
}

static ssize_t rd(int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	return n < 0 ? -errno : n;
}

static int precopy_info(int fd)
{
	struct vfio_precopy_info i = { .argsz = sizeof(i) };

	return ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &i) ? -errno : 0;
}

/* read() a PRE_COPY data_fd until the temporary end (-ENOMSG). */
static void drain(struct __test_metadata *_metadata, FIXTURE_DATA(lc) *self,
		  int fd)
{
	uint64_t total = 0, limit = 4 * self->p.devmem + (64u << 20);
	ssize_t n;

	for (;;) {
		n = rd(fd, self->buf, LC_CHUNK);
		if (n == -ENOMSG)
			return;
		ASSERT_LT(0, n) TH_LOG("read in PRE_COPY: %s",
				       n ? strerror((int)-n) : "end of stream");
		total += (uint64_t)n;
		ASSERT_GT(limit, total) TH_LOG("no temporary end");
	}
}

/* A thread blocked in poll() on a data_fd. */
struct poller {
	pthread_t thr;
	int fd;
	int ret;
	short revents;
	volatile bool done;
};

static void *poller_fn(void *arg)
{
	struct poller *w = arg;
	struct pollfd pfd = { .fd = w->fd, .events = LC_POLL_EVENTS };

	w->ret = poll(&pfd, 1, 3 * LC_WAKE_MS);
	w->revents = pfd.revents;
	w->done = true;
	return NULL;
}

/* Start the waiter and check it is asleep (the fd is at its end). */
static void poller_start(struct __test_metadata *_metadata, struct poller *w,
			 int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	ASSERT_EQ(0, pthread_create(&w->thr, NULL, poller_fn, w));
	usleep(LC_QUIET_MS * 1000);
	ASSERT_FALSE(w->done) TH_LOG("poll() returned at the temporary end");
}

/* Join the waiter if it returns within LC_WAKE_MS: 0 or an errno. */
static int poller_join(struct poller *w)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts))
		return errno;
	ts.tv_sec += LC_WAKE_MS / 1000;
	return pthread_timedjoin_np(w->thr, NULL, &ts);
}

/* The waiter must wake within LC_WAKE_MS with the error mask. */
static void poller_expect_err(struct __test_metadata *_metadata,
			      struct poller *w)
{
	ASSERT_EQ(0, poller_join(w))
		TH_LOG("poll() waiter not woken within %d ms", LC_WAKE_MS);
	ASSERT_EQ(1, w->ret);
	ASSERT_EQ(LC_POLL_ERR, w->revents)
		TH_LOG("revents 0x%x", w->revents);
}

/* The same check on a fd nobody waits on. */
static void expect_poll_err(struct __test_metadata *_metadata, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = LC_POLL_EVENTS };

	ASSERT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_EQ(LC_POLL_ERR, pfd.revents) TH_LOG("revents 0x%x",
						    pfd.revents);
}

/* SET @want, assert the errno and the state reached. */
#define ASSERT_SET_FAILS(dev, want, err, end) do {			\
	int __fd = -2;							\
	ASSERT_EQ(-(err), vt_mig_set_state_quiet(&(dev)->vt, want, &__fd));	\
	ASSERT_MIG_STATE(dev, end);					\
} while (0)

/* VF0's state saved in STOP and loaded into VF1; both back to RUNNING. */
static void migrate_vf0_to_vf1(struct __test_metadata *_metadata,
			       FIXTURE_DATA(lc) *self)
{
	struct mvf_dev *vf0 = &self->p.dev[0], *vf1 = &self->p.dev[1];
	uint32_t sts;

	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_save(&vf0->vt, &self->stream));
	ASSERT_LT(self->p.devmem, self->stream.len);
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_load(&vf1->vt, self->stream.data,
				  self->stream.len));
	ASSERT_MIG_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	sts = mvf_rd32(vf1, MVF_REG_STATUS);
	ASSERT_EQ(0u, sts & (MVF_VF_STS_QUIESCED | MVF_VF_STS_STOPPED))
		TH_LOG("VF1 STATUS 0x%x after RUNNING", sts);
}

TEST_F_TIMEOUT(lc, pf_reset_precopy_resuming, 600)
{
	struct mvf_dev *vf0 = &self->p.dev[0], *vf1 = &self->p.dev[1];
	struct poller w;
	uint8_t hdr[24];

	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_PRE_COPY, &self->fd[0]);
	drain(_metadata, self, self->fd[0]);
	ASSERT_FALSE(_metadata->exit_code);

	/* VF1 takes the stream's first record (the optional size hint) */
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_RESUMING, &self->fd[1]);
	memset(hdr, 0, sizeof(hdr));
	hdr[0] = 8;				/* size 8 */
	hdr[8] = MVF_MIG_F_OPTIONAL;
	hdr[12] = MVF_MIG_TAG_STOP_COPY_SIZE;
	ASSERT_EQ((ssize_t)sizeof(hdr), write(self->fd[1], hdr, sizeof(hdr)));

	poller_start(_metadata, &w, self->fd[0]);
	ASSERT_FALSE(_metadata->exit_code);
	ASSERT_EQ(0, pf_reset_queues(self->pf));
	poller_expect_err(_metadata, &w);
	ASSERT_FALSE(_metadata->exit_code);

	ASSERT_EQ(-ECONNRESET, rd(self->fd[0], self->buf, LC_CHUNK));
	ASSERT_EQ(-ECONNRESET, precopy_info(self->fd[0]));
	ASSERT_EQ(-1, write(self->fd[1], hdr, sizeof(hdr)));
	ASSERT_EQ(ECONNRESET, errno);

	/* QEMU's cancel: back to RUNNING, no ERROR, no VF reset */
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(-ENODEV, rd(self->fd[0], self->buf, LC_CHUNK));
	/* committing a load that was dropped cannot succeed */
	ASSERT_SET_FAILS(vf1, VFIO_DEVICE_STATE_STOP, ECONNRESET,
			 VFIO_DEVICE_STATE_ERROR);
	ASSERT_EQ(0, vt_dev_reset(&vf1->vt));
	ASSERT_MIG_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);

	migrate_vf0_to_vf1(_metadata, self);
}

TEST_F_TIMEOUT(lc, pf_reset_stop_copy, 600)
{
	struct mvf_dev *vf0 = &self->p.dev[0], *vf1 = &self->p.dev[1];

	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_STOP_COPY, &self->fd[0]);
	ASSERT_EQ(4096, rd(self->fd[0], self->buf, 4096));
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_RUNNING_P2P);
	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_PRE_COPY_P2P, &self->fd[1]);
	ASSERT_LT(0, rd(self->fd[1], self->buf, 4096));

	ASSERT_EQ(0, pf_reset_queues(self->pf));
	expect_poll_err(_metadata, self->fd[0]);
	expect_poll_err(_metadata, self->fd[1]);
	ASSERT_EQ(-ECONNRESET, rd(self->fd[0], self->buf, LC_CHUNK));
	ASSERT_EQ(-ECONNRESET, rd(self->fd[1], self->buf, LC_CHUNK));

	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
	close(self->fd[0]);
	close(self->fd[1]);
	self->fd[0] = self->fd[1] = -1;

	/* the device has no stale session: new ones open on both VFs */
	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_PRE_COPY, &self->fd[0]);
	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_PRE_COPY, &self->fd[1]);
	ASSERT_LT(0, rd(self->fd[0], self->buf, 4096));
	ASSERT_LT(0, rd(self->fd[1], self->buf, 4096));
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
}

TEST_F_TIMEOUT(lc, pf_unbind_rebind, 600)
{
	struct mvf_dev *vf0 = &self->p.dev[0], *vf1 = &self->p.dev[1];
	struct poller w;
	uint32_t sts;

	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_PRE_COPY, &self->fd[0]);
	drain(_metadata, self, self->fd[0]);
	ASSERT_FALSE(_metadata->exit_code);
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_STOP_COPY, &self->fd[1]);
	ASSERT_EQ(4096, rd(self->fd[1], self->buf, 4096));

	poller_start(_metadata, &w, self->fd[0]);
	ASSERT_FALSE(_metadata->exit_code);
	ASSERT_EQ(0, pf_unbind(self->pf));
	ASSERT_FALSE(mvf_sysfs_driver_is(self->pf, "mvf_core"));
	poller_expect_err(_metadata, &w);
	ASSERT_FALSE(_metadata->exit_code);
	expect_poll_err(_metadata, self->fd[1]);
	ASSERT_EQ(-ENODEV, rd(self->fd[0], self->buf, LC_CHUNK));
	ASSERT_EQ(-ENODEV, rd(self->fd[1], self->buf, LC_CHUNK));

	/* the exit arcs need nothing from the lost sessions */
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	/* one that needs the device cannot work without the PF */
	ASSERT_SET_FAILS(vf1, VFIO_DEVICE_STATE_RUNNING_P2P, ENODEV,
			 VFIO_DEVICE_STATE_ERROR);

	ASSERT_EQ(0, mvf_pf_bind(self->pf));
	ASSERT_TRUE(mvf_sysfs_driver_is(self->pf, "mvf_core"));
	/* the VFs were not re-bound: their drivers use the new binding */
	ASSERT_TRUE(mvf_sysfs_driver_is(mvf_vf_bdf[0], "mvf_vfio_pci"));
	ASSERT_TRUE(mvf_sysfs_driver_is(mvf_vf_bdf[1], "mvf_vfio_pci"));
	ASSERT_EQ(0, vt_dev_reset(&vf1->vt));
	ASSERT_MIG_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
	sts = mvf_rd32(vf1, MVF_REG_STATUS);
	ASSERT_EQ(0u, sts & (MVF_VF_STS_QUIESCED | MVF_VF_STS_STOPPED))
		TH_LOG("VF1 STATUS 0x%x after the reset", sts);
	migrate_vf0_to_vf1(_metadata, self);
}

TEST_F_TIMEOUT(lc, data_fd_outlives_unbind, 600)
{
	const char *bdf = mvf_vf_bdf[0];
	char path[PATH_MAX];
	struct vt_iommu v;
	struct mvf_dev d;
	int fd;

	/* only VF0, in a container of its own */
	mvf_pair_close(&self->p);
	memset(&self->p, 0, sizeof(self->p));
	self->p.dev[0].vt.fd = self->p.dev[1].vt.fd = -1;
	self->p.dev[0].vt.group = self->p.dev[1].vt.group = -1;
	self->p.vfio.container = self->p.vfio.iommufd = -1;
	ASSERT_EQ(0, vt_iommu_init(&v, VT_GROUP));
	ASSERT_EQ(0, mvf_dev_open(&v, &d, bdf));
	ASSERT_SET_STATE_FD(&d, VFIO_DEVICE_STATE_PRE_COPY, &self->fd[0]);
	ASSERT_LT(0, rd(self->fd[0], self->buf, 4096));
	mvf_dev_close(&d);
	vt_iommu_fini(&v);
	/* close_device() disabled the file */
	ASSERT_EQ(-ENODEV, rd(self->fd[0], self->buf, 4096));

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", bdf);
	ASSERT_EQ(0, mvf_sysfs_write(path, bdf));
	ASSERT_FALSE(mvf_sysfs_driver_is(bdf, "mvf_vfio_pci"));
	ASSERT_EQ(0, mvf_sysfs_write("/sys/bus/pci/drivers_probe", bdf));
	ASSERT_TRUE(mvf_sysfs_driver_is(bdf, "mvf_vfio_pci"))
		TH_LOG("%s: not bound again while an old data_fd is open",
		       bdf);

	/* the new binding migrates; the old fd stays dead */
	ASSERT_EQ(0, vt_iommu_init(&v, VT_GROUP));
	ASSERT_EQ(0, mvf_dev_open(&v, &d, bdf));
	ASSERT_SET_STATE_FD(&d, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	ASSERT_LT(0, rd(fd, self->buf, 4096));
	ASSERT_SET_STATE(&d, VFIO_DEVICE_STATE_RUNNING);
	close(fd);
	ASSERT_EQ(-ENODEV, rd(self->fd[0], self->buf, 4096));
	expect_poll_err(_metadata, self->fd[0]);
	ASSERT_EQ(-EINVAL, precopy_info(self->fd[0]));
	mvf_dev_close(&d);
	vt_iommu_fini(&v);
}

/* More DEVMEM_ACTIVE changes than the driver's 64-entry event queue. */
#define LC_FLOOD	80u

TEST_F_TIMEOUT(lc, event_flood_other_vf, 600)
{
	struct mvf_dev *vf0 = &self->p.dev[0], *vf1 = &self->p.dev[1];
	uint32_t active = mvf_rd32(vf0, MVF_VF_REG_DEVMEM_ACTIVE);
	uint8_t page[MVF_IMG_PAGE_SIZE];
	uint64_t pat = 0xf100d00d0000000full;
	struct vt_buf got = { 0 };
	struct pollfd pfd;
	struct mvf_desc d;
	struct poller w;
	unsigned int i;
	ssize_t n;

	ASSERT_LT(1u, active);
	/* VF1 at its temporary end, a waiter asleep */
	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_PRE_COPY, &self->fd[1]);
	drain(_metadata, self, self->fd[1]);
	ASSERT_FALSE(_metadata->exit_code);
	poller_start(_metadata, &w, self->fd[1]);
	ASSERT_FALSE(_metadata->exit_code);

	ASSERT_EQ(0, mvf_pf_debugfs_write(self->pf, "events_paused", "1"));
	/* VF0's user: INITIAL_CHANGED after INITIAL_CHANGED */
	ASSERT_SET_STATE_FD(vf0, VFIO_DEVICE_STATE_PRE_COPY, &self->fd[0]);
	for (i = 0; i < LC_FLOOD; i++) {
		uint32_t want = i & 1 ? active : active / 2;

		mvf_wr32(vf0, MVF_VF_REG_DEVMEM_ACTIVE, want);
		if (mvf_rd32(vf0, MVF_VF_REG_DEVMEM_ACTIVE) != want)
			break;
	}
	ASSERT_EQ(LC_FLOOD, i) TH_LOG("DEVMEM_ACTIVE write %u ignored", i);
	/* VF1's new precopy data: its one-shot event finds the queue full */
	d = mvf_desc_make(MVF_DESC_OP_DFILL, MVF_IMG_PAGE_SIZE, 0,
			  9 * MVF_IMG_PAGE_SIZE, pat, 0xf100d);
	ASSERT_EQ(0, mvf_ring_exec(vf1, &self->p.ring[1], &d, NULL));
	usleep(LC_QUIET_MS * 1000);
	ASSERT_FALSE(w.done) TH_LOG("woken with the event IRQ paused");
	ASSERT_EQ(0, mvf_pf_debugfs_write(self->pf, "events_paused", "0"));

	ASSERT_EQ(0, poller_join(&w)) TH_LOG("VF1's waiter not woken");
	ASSERT_EQ(1, w.ret);
	ASSERT_EQ(POLLIN | POLLRDNORM, w.revents)
		TH_LOG("revents 0x%x", w.revents);
	/* the page itself comes through */
	for (;;) {
		ASSERT_EQ(0, vt_buf_reserve(&got, got.len + LC_CHUNK));
		n = rd(self->fd[1], got.data + got.len, LC_CHUNK);
		if (n == -ENOMSG)
			break;
		ASSERT_LT(0, n) TH_LOG("read: %s", strerror((int)-n));
		got.len += (size_t)n;
	}
	mvf_pattern_fill(page, sizeof(page), pat);
	ASSERT_TRUE(got.len >= sizeof(page) &&
		    memmem(got.data, got.len, page, sizeof(page)))
		TH_LOG("the dirtied page is not in the %zu bytes read",
		       got.len);
	vt_buf_free(&got);
	pfd = (struct pollfd){ .fd = self->fd[1], .events = LC_POLL_EVENTS };
	ASSERT_LE(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, pfd.revents & POLLERR);

	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	mvf_wr32(vf0, MVF_VF_REG_DEVMEM_ACTIVE, active);
}

/* Offset of the mvf link capability in config space read from @cfg. */
static unsigned int vcap_pos(const uint8_t *cfg)
{
	unsigned int pos, guard = 0;

	for (pos = cfg[0x34] & ~3u; pos && pos < 0xfc && guard++ < 48;
	     pos = cfg[pos + 1] & ~3u)
		if (cfg[pos] == 0x09 &&
		    cfg[pos + MVF_VCAP_TYPE] == MVF_VCAP_TYPE_LINK)
			return pos;
	return 0;
}

TEST_F_TIMEOUT(lc, vcap_write_ignored, 120)
{
	struct mvf_dev *vf0 = &self->p.dev[0];
	struct vfio_region_info ri = {
		.argsz = sizeof(ri),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	uint8_t cfg[256], after[256], raw[256], bogus[MVF_VCAP_LEN];
	char path[PATH_MAX];
	unsigned int pos;
	int sfd;

	ASSERT_EQ(0, ioctl(vf0->vt.fd, VFIO_DEVICE_GET_REGION_INFO, &ri));
	ASSERT_EQ((ssize_t)sizeof(cfg),
		  pread(vf0->vt.fd, cfg, sizeof(cfg), ri.offset));
	pos = vcap_pos(cfg);
	ASSERT_NE(0u, pos);
	ASSERT_EQ(MVF_VCAP_ROLE_VF, cfg[pos + MVF_VCAP_ROLE]);

	/* point it at another VF and another PF, in every access size */
	memset(bogus, 0x5a, sizeof(bogus));
	ASSERT_EQ(1, pwrite(vf0->vt.fd, bogus, 1,
			    ri.offset + pos + MVF_VCAP_VF_INDEX));
	ASSERT_EQ(2, pwrite(vf0->vt.fd, bogus, 2,
			    ri.offset + pos + MVF_VCAP_NUM_VFS));
	ASSERT_EQ(4, pwrite(vf0->vt.fd, bogus, 4,
			    ri.offset + pos + MVF_VCAP_SERIAL_LO));
	/* and everything after the header bytes in one write */
	ASSERT_EQ((ssize_t)(MVF_VCAP_LEN - MVF_VCAP_ROLE),
		  pwrite(vf0->vt.fd, bogus, MVF_VCAP_LEN - MVF_VCAP_ROLE,
			 ri.offset + pos + MVF_VCAP_ROLE));

	ASSERT_EQ((ssize_t)sizeof(after),
		  pread(vf0->vt.fd, after, sizeof(after), ri.offset));
	ASSERT_EQ(0, memcmp(cfg + pos, after + pos, MVF_VCAP_LEN))
		TH_LOG("the user sees a changed link capability");

	/* and the device kept it: sysfs reads config space directly */
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", vf0->vt.name);
	sfd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	ASSERT_EQ((ssize_t)sizeof(raw), pread(sfd, raw, sizeof(raw), 0));
	close(sfd);
	ASSERT_EQ(0, memcmp(cfg + pos, raw + pos, MVF_VCAP_LEN))
		TH_LOG("a user write reached the device's link capability");
}

MVF_KSFT_MAIN
