// SPDX-License-Identifier: GPL-2.0
/*
 * mig_race: every user-reachable entry point of the driver at once, for
 * MVF_RACE_SECONDS (default 60), then a check that the VFs still migrate.
 * Run by make check-debug on the debug kernel (KASAN, lockdep, kmemleak;
 * the lane fails on any splat or leak report).
 *
 * Threads, all running until the time is up:
 *  - arc0, arc1: SET_STATE of VF0 / VF1 to a random state of the seven a
 *    user can ask for; a returned data_fd replaces the VF's current one;
 *  - reader, writer, poller: read() 256 KiB, write() a piece of VF0's
 *    saved stream (or garbage), poll() + VFIO_MIG_GET_PRECOPY_INFO, each on
 *    a dup() of a random VF's current data_fd;
 *  - closer: closes a VF's current data_fd;
 *  - reset: VFIO_DEVICE_RESET of a random VF;
 *  - pf: unbinds the PF from mvf_core and binds it again;
 *  - vf: with a third VF (if there is one): open it, STOP_COPY, read,
 *    close the device with its data_fd still open, unbind and bind the VF
 *    again, read the old fd (-ENODEV), close it.
 *
 * What must hold: each call returns one of the errnos its entry point
 * documents for a lost session, a missing PF or a wrong state (the
 * per-operation counts are printed); none takes longer than RACE_STUCK_S;
 * afterwards the PF and the VFs are bound, a reset brings VF0 and VF1 to
 * RUNNING, and VF0's state saved in STOP loads into VF1, which then saves
 * the same stream byte for byte.
 *
 * Usage: mig_race [harness options] [VF0-BDF VF1-BDF]
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "mvf_ksft.h"

#define RACE_BOUNCE	(64u << 10)
#define RACE_IO		(256u << 10)
#define RACE_STUCK_S	60	/* one call may take this long (TCG, 10 s timeouts) */
#define PCI_DEVICES	"/sys/bus/pci/devices"

enum race_op {
	OP_ARC, OP_READ, OP_WRITE, OP_POLL, OP_INFO, OP_RESET, OP_PF,
	OP_VF_OPEN, OP_VF_UNBIND, OP_OLD_FD, OP_NR
};

static const char *const op_name[OP_NR] = {
	"set_state", "read", "write", "poll", "precopy_info", "reset",
	"pf unbind/bind", "vf open", "vf unbind/bind", "old data_fd read",
};

/*
 * The errnos each entry point may return while the others run (the
 * kernel-doc of mvf_vf_cmd_wait() and mvf_vfio_resume_file_finish()): a
 * wrong state or arc, or a stream the device refused (EINVAL), a device
 * or PF that is gone (ENODEV), a session the PF reset ended (ECONNRESET)
 * or that is not open any more (ENOENT), a session still open (EBUSY),
 * the end of PRE_COPY data (ENOMSG), an image of another version or
 * configuration (EOPNOTSUPP), a device that cannot stage more (ENOMEM),
 * a failed or timed-out admin command (EIO, ETIMEDOUT), a signal (EINTR),
 * a non-blocking read with nothing ready (EAGAIN), a group node that the
 * VF's unbind removed (ENOENT).  Also EBADF for read() of a resuming and
 * write() of a saving data_fd and ENOTTY for PRECOPY_INFO on a resuming
 * one (errno_ok()).  EFAULT, EPERM or anything else is a bug.
 */
static const int ok_errnos[] = {
	EINVAL, ENODEV, ECONNRESET, ENOENT, EBUSY, ENOMSG, EOPNOTSUPP, ENOMEM,
	EIO, ETIMEDOUT, EINTR, EAGAIN,
};

#define NR_ERRNO	160

struct race {
	struct mvf_pair *p;
	const char *pf;
	char vf2[MVF_BDF_LEN];	/* "" if there is no third VF */
	const struct vt_buf *ref;
	atomic_bool stop;
	/* each VF's current data_fd (-1 if none), under fd_lock */
	pthread_mutex_t fd_lock;
	int fd[2];
	/* counts, under cnt_lock */
	pthread_mutex_t cnt_lock;
	unsigned long ok[OP_NR];
	unsigned long err[OP_NR][NR_ERRNO];
	int bad_op, bad_errno;	/* the first errno outside ok_errnos */
	/* the oldest call in progress, per thread (0 if none) */
	atomic_long started[16];
	atomic_int worst_s;
};

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	return (unsigned int)rand_r(seed) % n;
}

static const char *opname(int op)
{
	return op >= 0 && op < OP_NR ? op_name[op] : "unknown operation";
}

static const char *errname(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "unknown errno";
}

static bool errno_ok(enum race_op op, int e)
{
	size_t i;

	if (op == OP_OLD_FD)
		return false;
	/* a saving data_fd is read-only, a resuming one write-only */
	if (e == EBADF && (op == OP_READ || op == OP_WRITE))
		return true;
	/* a resuming data_fd has no ioctl */
	if (e == ENOTTY && op == OP_INFO)
		return true;
	for (i = 0; i < sizeof(ok_errnos) / sizeof(ok_errnos[0]); i++)
		if (ok_errnos[i] == e)
			return true;
	return false;
}

/* Count one call's result: @ret >= 0 for success, else -errno. */
static void count(struct race *r, enum race_op op, long ret)
{
	int e = ret < 0 ? (int)-ret : 0;

	pthread_mutex_lock(&r->cnt_lock);
	if (!e)
		r->ok[op]++;
	else
		r->err[op][e < NR_ERRNO ? e : NR_ERRNO - 1]++;
	if (e && !errno_ok(op, e) && !r->bad_errno) {
		r->bad_op = op;
		r->bad_errno = e;
	}
	pthread_mutex_unlock(&r->cnt_lock);
}

static long now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void call_begin(struct race *r, int tid)
{
	atomic_store(&r->started[tid], now_s());
}

static void call_end(struct race *r, int tid)
{
	long took = now_s() - atomic_load(&r->started[tid]);

	atomic_store(&r->started[tid], 0);
	if (took > atomic_load(&r->worst_s))
		atomic_store(&r->worst_s, (int)took);
}

/* A dup() of VF @i's current data_fd, or -1. */
static int fd_get(struct race *r, int i)
{
	int fd = -1;

	pthread_mutex_lock(&r->fd_lock);
	if (r->fd[i] >= 0)
		fd = dup(r->fd[i]);
	pthread_mutex_unlock(&r->fd_lock);
	return fd;
}

static void fd_put(struct race *r, int i, int fd)
{
	int old;

	pthread_mutex_lock(&r->fd_lock);
	old = r->fd[i];
	r->fd[i] = fd;
	pthread_mutex_unlock(&r->fd_lock);
	if (old >= 0)
		close(old);
}

struct worker {
	pthread_t thr;
	struct race *r;
	int tid;
	unsigned int seed;
	int vf;			/* arc threads: which VF */
	void *(*fn)(void *);
};

static const uint32_t user_states[] = {
	VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_STOP,
	VFIO_DEVICE_STATE_STOP_COPY, VFIO_DEVICE_STATE_RESUMING,
	VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_PRE_COPY,
	VFIO_DEVICE_STATE_PRE_COPY_P2P,
};

static void *arc_fn(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;
	struct vt_dev *d = &r->p->dev[w->vf].vt;
	uint32_t st;
	int fd, ret;

	while (!atomic_load(&r->stop)) {
		st = user_states[rnd(&w->seed, 7)];
		fd = -1;
		call_begin(r, w->tid);
		ret = vt_mig_set_state_quiet(d, st, &fd);
		call_end(r, w->tid);
		count(r, OP_ARC, ret);
		if (!ret && fd >= 0)
			fd_put(r, w->vf, fd);
		usleep(rnd(&w->seed, 20000));
	}
	return NULL;
}

static void *reader_fn(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;
	uint8_t *buf = malloc(RACE_IO);
	ssize_t n;
	int fd;

	while (buf && !atomic_load(&r->stop)) {
		fd = fd_get(r, rnd(&w->seed, 2));
		if (fd < 0) {
			usleep(5000);
			continue;
		}
		fcntl(fd, F_SETFL, O_NONBLOCK);
		call_begin(r, w->tid);
		n = read(fd, buf, RACE_IO);
		call_end(r, w->tid);
		count(r, OP_READ, n < 0 ? -errno : n);
		close(fd);
	}
	free(buf);
	return NULL;
}

static void *writer_fn(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;
	uint8_t junk[4096];
	size_t off, len;
	ssize_t n;
	int fd;

	while (!atomic_load(&r->stop)) {
		fd = fd_get(r, rnd(&w->seed, 2));
		if (fd < 0) {
			usleep(5000);
			continue;
		}
		call_begin(r, w->tid);
		if (rnd(&w->seed, 10) == 0) {
			mvf_prng_fill(junk, sizeof(junk), w->seed);
			n = write(fd, junk, sizeof(junk));
		} else {
			off = rnd(&w->seed, 4) ? 0 : rnd(&w->seed, (unsigned int)r->ref->len);
			len = r->ref->len - off;
			if (len > RACE_IO)
				len = RACE_IO;
			n = write(fd, r->ref->data + off, len);
		}
		call_end(r, w->tid);
		count(r, OP_WRITE, n < 0 ? -errno : n);
		close(fd);
	}
	return NULL;
}

static void *poller_fn(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;
	struct vfio_precopy_info info;
	struct pollfd pfd;
	int fd, ret;

	while (!atomic_load(&r->stop)) {
		fd = fd_get(r, rnd(&w->seed, 2));
		if (fd < 0) {
			usleep(5000);
			continue;
		}
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
		call_begin(r, w->tid);
		ret = poll(&pfd, 1, 100);
		call_end(r, w->tid);
		count(r, OP_POLL, ret < 0 ? -errno : 0);
		info = (struct vfio_precopy_info){ .argsz = sizeof(info) };
		call_begin(r, w->tid);
		ret = ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &info);
		call_end(r, w->tid);
		count(r, OP_INFO, ret < 0 ? -errno : 0);
		close(fd);
	}
	return NULL;
}

static void *closer_fn(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;

	while (!atomic_load(&r->stop)) {
		usleep(50000 + rnd(&w->seed, 200000));
		fd_put(r, rnd(&w->seed, 2), -1);
	}
	return NULL;
}

static void *reset_fn(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;
	int ret;

	while (!atomic_load(&r->stop)) {
		usleep(100000 + rnd(&w->seed, 400000));
		call_begin(r, w->tid);
		ret = vt_dev_reset(&r->p->dev[rnd(&w->seed, 2)].vt);
		call_end(r, w->tid);
		count(r, OP_RESET, ret);
	}
	return NULL;
}

static void *pf_fn(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;
	int ret;

	while (!atomic_load(&r->stop)) {
		usleep(1000000 + rnd(&w->seed, 2000000));
		call_begin(r, w->tid);
		ret = mvf_sysfs_write("/sys/bus/pci/drivers/mvf_core/unbind",
				      r->pf);
		call_end(r, w->tid);
		count(r, OP_PF, ret);
		usleep(rnd(&w->seed, 500000));
		call_begin(r, w->tid);
		ret = mvf_pf_bind(r->pf);
		call_end(r, w->tid);
		count(r, OP_PF, ret);
	}
	return NULL;
}

static void *vf_fn(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;
	char path[PATH_MAX];
	uint8_t buf[4096];
	struct vt_iommu v;
	struct mvf_dev d;
	ssize_t n;
	int fd, ret;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", r->vf2);
	while (!atomic_load(&r->stop)) {
		fd = -1;
		call_begin(r, w->tid);
		ret = vt_iommu_init(&v, VT_GROUP);
		if (!ret) {
			ret = mvf_dev_open(&v, &d, r->vf2);
			if (!ret) {
				if (!vt_mig_set_state_quiet(&d.vt,
							    VFIO_DEVICE_STATE_STOP,
							    &fd) &&
				    !vt_mig_set_state_quiet(&d.vt,
							    VFIO_DEVICE_STATE_STOP_COPY,
							    &fd) && fd >= 0 &&
				    read(fd, buf, sizeof(buf)) < 0)
					count(r, OP_READ, -errno);
				mvf_dev_close(&d);
			}
			vt_iommu_fini(&v);
		}
		call_end(r, w->tid);
		count(r, OP_VF_OPEN, ret);

		call_begin(r, w->tid);
		ret = mvf_sysfs_write(path, r->vf2);
		if (!ret)
			ret = mvf_sysfs_write("/sys/bus/pci/drivers_probe",
					      r->vf2);
		call_end(r, w->tid);
		count(r, OP_VF_UNBIND, ret);
		if (fd >= 0) {
			/*
			 * The device was closed: the old data_fd is dead.
			 * -ENODEV counts as success, any other errno as
			 * itself, and a read that returns data as EPROTO;
			 * errno_ok() accepts none of them for OP_OLD_FD.
			 */
			n = read(fd, buf, sizeof(buf));
			count(r, OP_OLD_FD, n >= 0 ? -EPROTO :
					    errno == ENODEV ? 0 : -errno);
			close(fd);
		}
		usleep(rnd(&w->seed, 300000));
	}
	return NULL;
}

FIXTURE(race) {
	struct mvf_pair p;
	char pf[MVF_BDF_LEN];
	struct vt_buf ref;
	struct vt_buf got;
};

FIXTURE_SETUP(race)
{
	char pfs[1][MVF_BDF_LEN];

	ASSERT_EQ(1, mvf_sysfs_find(MVF_PCI_DEVICE_PF, pfs, 1));
	snprintf(self->pf, sizeof(self->pf), "%s", pfs[0]);
	ASSERT_TRUE(mvf_sysfs_driver_is(self->pf, "mvf_core"));
	ASSERT_EQ(0, mvf_pair_open(&self->p, mvf_vf_bdf[0], mvf_vf_bdf[1],
				   RACE_BOUNCE));
	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_save(&self->p.dev[0].vt, &self->ref));
	ASSERT_LT(self->p.devmem, (uint64_t)self->ref.len);
	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_RUNNING);
}

FIXTURE_TEARDOWN(race)
{
	mvf_pair_close(&self->p);
	if (mvf_pf_bind(self->pf))
		fprintf(stderr, "# PF %s: bind to mvf_core failed\n", self->pf);
	vt_buf_free(&self->ref);
	vt_buf_free(&self->got);
}

static void print_counts(struct race *r)
{
	int op, e;

	for (op = 0; op < OP_NR; op++) {
		char line[512];
		int n;

		n = snprintf(line, sizeof(line), "%s: %lu ok", opname(op),
			     r->ok[op]);
		for (e = 1; e < NR_ERRNO; e++)
			if (r->err[op][e] && n < (int)sizeof(line))
				n += snprintf(line + n, sizeof(line) - n,
					      ", %lu %s", r->err[op][e],
					      errname(e));
		fprintf(stderr, "# %s\n", line);
	}
}

TEST_F_TIMEOUT(race, concurrent_ops, 1800)
{
	static void *(*const fns[])(void *) = {
		arc_fn, arc_fn, reader_fn, writer_fn, poller_fn, closer_fn,
		reset_fn, pf_fn, vf_fn,
	};
	const char *env = getenv("MVF_RACE_SECONDS");
	long secs = env ? strtol(env, NULL, 10) : 60, end, t, stuck = 0;
	char vfs[8][MVF_BDF_LEN];
	struct worker w[9];
	struct race *r;
	int i, nw = 9, nvf;

	r = calloc(1, sizeof(*r));
	ASSERT_NE(NULL, r);
	r->p = &self->p;
	r->pf = self->pf;
	r->ref = &self->ref;
	r->fd[0] = r->fd[1] = -1;
	pthread_mutex_init(&r->fd_lock, NULL);
	pthread_mutex_init(&r->cnt_lock, NULL);
	nvf = mvf_sysfs_find(MVF_PCI_DEVICE_VF, vfs, 8);
	for (i = 0; i < nvf && i < 8; i++)
		if (strcmp(vfs[i], mvf_vf_bdf[0]) &&
		    strcmp(vfs[i], mvf_vf_bdf[1]) &&
		    mvf_sysfs_driver_is(vfs[i], "mvf_vfio_pci")) {
			memcpy(r->vf2, vfs[i], sizeof(r->vf2));
			r->vf2[sizeof(r->vf2) - 1] = 0;
			break;
		}
	if (!r->vf2[0]) {
		fprintf(stderr, "# no third VF: no unbind/bind of a VF\n");
		nw = 8;
	}
	fprintf(stderr, "# %ld s, PF %s, VF0 %s, VF1 %s, VF %s\n", secs,
		self->pf, mvf_vf_bdf[0], mvf_vf_bdf[1],
		r->vf2[0] ? r->vf2 : "-");

	for (i = 0; i < nw; i++) {
		w[i] = (struct worker){ .r = r, .tid = i, .seed = 0x5eed + i,
					.vf = i == 1, .fn = fns[i] };
		ASSERT_EQ(0, pthread_create(&w[i].thr, NULL, fns[i], &w[i]));
	}
	end = now_s() + secs;
	while ((t = now_s()) < end && !stuck) {
		sleep(1);
		for (i = 0; i < nw; i++) {
			long s = atomic_load(&r->started[i]);

			if (s && t - s > RACE_STUCK_S)
				stuck = i + 1;
		}
	}
	atomic_store(&r->stop, true);
	if (stuck) {
		print_counts(r);
		/* the threads cannot be joined; the harness kills us */
		ASSERT_EQ(0, stuck) TH_LOG("thread %ld stuck in a call for more than %d s",
					   stuck - 1, RACE_STUCK_S);
	}
	for (i = 0; i < nw; i++)
		pthread_join(w[i].thr, NULL);
	fd_put(r, 0, -1);
	fd_put(r, 1, -1);
	print_counts(r);
	fprintf(stderr, "# longest call: %d s\n", atomic_load(&r->worst_s));
	EXPECT_EQ(0, r->bad_errno)
		TH_LOG("%s returned %s", opname(r->bad_op),
		       errname(r->bad_errno));
	for (i = 0; i < OP_NR; i++)
		if (i < OP_VF_OPEN || r->vf2[0])
			EXPECT_LT(0ul, r->ok[i])
				TH_LOG("%s never succeeded", opname(i));

	/* everything bound, both VFs recover and migrate */
	ASSERT_EQ(0, mvf_pf_bind(self->pf));
	ASSERT_TRUE(mvf_sysfs_driver_is(mvf_vf_bdf[0], "mvf_vfio_pci"));
	ASSERT_TRUE(mvf_sysfs_driver_is(mvf_vf_bdf[1], "mvf_vfio_pci"));
	if (r->vf2[0])
		ASSERT_TRUE(mvf_sysfs_driver_is(r->vf2, "mvf_vfio_pci"));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, vt_dev_reset(&self->p.dev[i].vt));
		ASSERT_MIG_STATE(&self->p.dev[i], VFIO_DEVICE_STATE_RUNNING);
	}
	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_STOP);
	vt_buf_free(&self->ref);
	ASSERT_EQ(0, vt_mig_save(&self->p.dev[0].vt, &self->ref));
	ASSERT_SET_STATE(&self->p.dev[1], VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_load(&self->p.dev[1].vt, self->ref.data,
				  self->ref.len));
	ASSERT_MIG_STATE(&self->p.dev[1], VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_save(&self->p.dev[1].vt, &self->got));
	ASSERT_EQ(self->ref.len, self->got.len);
	ASSERT_EQ(0, memcmp(self->ref.data, self->got.data, self->ref.len))
		TH_LOG("VF1 does not save VF0's stream after the load");
	ASSERT_SET_STATE(&self->p.dev[0], VFIO_DEVICE_STATE_RUNNING);
	ASSERT_SET_STATE(&self->p.dev[1], VFIO_DEVICE_STATE_RUNNING);
	pthread_mutex_destroy(&r->fd_lock);
	pthread_mutex_destroy(&r->cnt_lock);
	free(r);
}

MVF_KSFT_MAIN
