// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_mig_conformance: VFIO migration v2 uAPI conformance of any
 * migratable VFIO device (not only mvf).  It links only the generic VFIO
 * library (lib/vfio_test.h) and asks nothing of the device beyond the uAPI:
 * no bus, region or BAR size, no bus mastering.
 *
 * Checks, for the migration flags the device advertises:
 *  - every (current, requested) pair of the 8 states: end state, errno,
 *    and that a data_fd appears exactly on arcs into the saving group from
 *    outside it or into RESUMING.  The expected result is derived here from
 *    the uAPI rules (include/uapi/linux/vfio.h): the arcs a driver
 *    implements for its flags, the shortest path, no saving-group state as
 *    an interior step unless the whole path stays inside the saving group,
 *    STOP_COPY -> PRE_COPY(_P2P) blocked, ERROR only left by reset,
 *    unsupported and invalid states refused with -EINVAL;
 *  - PRE_COPY stream rules: -ENOMSG only at a temporary end (initial_bytes
 *    and dirty_bytes both zero), permanent end (0) only in STOP_COPY,
 *    never -ENOMSG in STOP_COPY, initial_bytes monotonic non-increasing
 *    without REINIT, poll(), VFIO_MIG_GET_PRECOPY_INFO -EINVAL outside
 *    PRE_COPY/PRE_COPY_P2P and for a short argsz;
 *  - VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2: PROBE, SET, GET refused,
 *    output flags after opt-in, no REINIT without opt-in;
 *  - VFIO_DEVICE_FEATURE_MIG_DATA_SIZE > 0 in every reachable state.
 *
 * The device must be idle (nothing else drives it) while the suite runs.
 * Reaching ERROR: STOP -> RESUMING, no data written, RESUMING -> STOP.  No
 * device state is empty, so the load must fail; the uAPI lets a failed arc
 * leave the device in the original state or ERROR, so if the device does
 * not end in ERROR the ERROR rows are skipped (with a message).
 *
 * Usage: vfio_mig_conformance [harness options] [DEVICE]
 * DEVICE: a PCI BDF (0000:00:05.0), an mdev UUID, or a sysfs path
 * (/sys/bus/mdev/devices/<UUID>, /sys/devices/...); the last argument if it
 * is one of these, else $VFIO_SELFTESTS_DEV, else $VFIO_SELFTESTS_BDF (like
 * tools/testing/selftests/vfio), else $MVF_VF0_BDF.
 * VFIO_SELFTESTS_CDEV=1 opens it through its cdev (/dev/vfio/devices/vfioN,
 * bound to an iommufd) instead of its IOMMU group; the kernel needs
 * CONFIG_VFIO_DEVICE_CDEV.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "vfio_test.h"

#define NST		8	/* VFIO_DEVICE_STATE_ERROR .. PRE_COPY_P2P */
#define RD_CHUNK	(256u * 1024)

static char conf_spec[VT_PATH_LEN];	/* as given */
static char conf_name[VT_NAME_LEN];	/* the kernel's name for it */
static enum vt_backend conf_backend = VT_GROUP;

enum {
	ERROR = VFIO_DEVICE_STATE_ERROR,
	STOP = VFIO_DEVICE_STATE_STOP,
	RUNNING = VFIO_DEVICE_STATE_RUNNING,
	STOP_COPY = VFIO_DEVICE_STATE_STOP_COPY,
	RESUMING = VFIO_DEVICE_STATE_RESUMING,
	RUNNING_P2P = VFIO_DEVICE_STATE_RUNNING_P2P,
	PRE_COPY = VFIO_DEVICE_STATE_PRE_COPY,
	PRE_COPY_P2P = VFIO_DEVICE_STATE_PRE_COPY_P2P,
};

static bool saving(uint32_t s)
{
	return s == STOP_COPY || s == PRE_COPY || s == PRE_COPY_P2P;
}

/* ---- the uAPI FSM, built from the flags ---- */

struct fsm {
	uint64_t flags;
	bool sup[NST];
	bool arc[NST][NST];
};

static void fsm_init(struct fsm *f, uint64_t flags)
{
	bool p2p = flags & VFIO_MIGRATION_P2P;
	bool pre = flags & VFIO_MIGRATION_PRE_COPY;

	memset(f, 0, sizeof(*f));
	f->flags = flags;
	f->sup[STOP] = f->sup[RUNNING] = true;
	f->sup[STOP_COPY] = f->sup[RESUMING] = true;
	f->sup[RUNNING_P2P] = p2p;
	f->sup[PRE_COPY] = pre;
	f->sup[PRE_COPY_P2P] = pre && p2p;

	/* mandatory with VFIO_MIGRATION_STOP_COPY */
	f->arc[STOP][STOP_COPY] = f->arc[STOP_COPY][STOP] = true;
	f->arc[STOP][RESUMING] = f->arc[RESUMING][STOP] = true;
	if (p2p) {
		f->arc[RUNNING][RUNNING_P2P] = f->arc[RUNNING_P2P][RUNNING] = true;
		f->arc[RUNNING_P2P][STOP] = f->arc[STOP][RUNNING_P2P] = true;
	} else {
		f->arc[RUNNING][STOP] = f->arc[STOP][RUNNING] = true;
	}
	if (pre) {
		f->arc[RUNNING][PRE_COPY] = f->arc[PRE_COPY][RUNNING] = true;
		if (p2p) {
			f->arc[PRE_COPY][PRE_COPY_P2P] = true;
			f->arc[PRE_COPY_P2P][PRE_COPY] = true;
			f->arc[PRE_COPY_P2P][RUNNING_P2P] = true;
			f->arc[RUNNING_P2P][PRE_COPY_P2P] = true;
			f->arc[PRE_COPY_P2P][STOP_COPY] = true;
		} else {
			f->arc[PRE_COPY][STOP_COPY] = true;
		}
	}
}

/*
 * A saving-group state may be an interior step only when the path starts
 * in the saving group, stays in it up to that step, and ends in it (the
 * session continues, e.g. PRE_COPY -> PRE_COPY_P2P -> STOP_COPY); any
 * other interior saving-group state would open or end a session as a side
 * effect.
 */
static bool path_ok(const uint32_t *p, int n)
{
	int i;

	for (i = 1; i < n - 1; i++) {
		int j;

		if (!saving(p[i]))
			continue;
		if (!saving(p[0]) || !saving(p[n - 1]))
			return false;
		for (j = 0; j < i; j++)
			if (!saving(p[j]))
				return false;
	}
	return true;
}

/* Depth-first search for the shortest allowed path (8 states: cheap). */
static void dfs(const struct fsm *f, uint32_t *p, int n, uint32_t to,
		bool *seen, uint32_t *best, int *best_n)
{
	uint32_t s;

	if (p[n - 1] == to) {
		if (path_ok(p, n) && (*best_n == 0 || n < *best_n)) {
			memcpy(best, p, sizeof(*p) * n);
			*best_n = n;
		}
		return;
	}
	if (*best_n && n >= *best_n)
		return;
	for (s = 0; s < NST; s++) {
		if (!f->arc[p[n - 1]][s] || seen[s])
			continue;
		seen[s] = true;
		p[n] = s;
		dfs(f, p, n + 1, to, seen, best, best_n);
		seen[s] = false;
	}
}

/* Shortest allowed path from @from to @to; returns its length or 0. */
static int fsm_path(const struct fsm *f, uint32_t from, uint32_t to,
		    uint32_t path[NST])
{
	uint32_t p[NST];
	bool seen[NST] = { false };
	int best_n = 0;

	p[0] = from;
	seen[from] = true;
	dfs(f, p, 1, to, seen, path, &best_n);
	return best_n;
}

/**
 * struct expect - what SET(@req) in @cur must do
 * @err: 0 or the negative errno
 * @end: the state GET reports afterwards
 * @data_fd: a data_fd is returned
 * @path: the arcs taken (for messages)
 * @n: states in @path
 */
struct expect {
	int err;
	uint32_t end;
	bool data_fd;
	uint32_t path[NST];
	int n;
};

static void fsm_expect(const struct fsm *f, uint32_t cur, uint32_t req,
		       struct expect *e)
{
	memset(e, 0, sizeof(*e));
	e->end = cur;
	e->err = -EINVAL;
	/* ERROR cannot be requested; unsupported states are refused */
	if (req >= NST || req == ERROR || !f->sup[req])
		return;
	/* ERROR is left only by VFIO_DEVICE_RESET */
	if (cur == ERROR)
		return;
	/* not permitted by the uAPI */
	if (cur == STOP_COPY && (req == PRE_COPY || req == PRE_COPY_P2P))
		return;
	if (cur == req) {
		e->err = 0;
		e->path[0] = cur;
		e->n = 1;
		return;
	}
	e->n = fsm_path(f, cur, req, e->path);
	if (!e->n)
		return;
	e->err = 0;
	e->end = req;
	e->data_fd = (saving(req) && !saving(cur)) || req == RESUMING;
}

static void path_str(const uint32_t *p, int n, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < n && o < len; i++)
		o += snprintf(buf + o, len - o, "%s%s", i ? " -> " : "",
			      vt_mig_state_name(p[i]));
}

/* ---- device helpers ---- */

static int precopy_info(int fd, uint32_t flags_in, struct vfio_precopy_info *i)
{
	memset(i, 0, sizeof(*i));
	i->argsz = sizeof(*i);
	i->flags = flags_in;
	i->initial_bytes = 0xdeadbeefull;
	i->dirty_bytes = 0xdeadbeefull;
	return ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, i) ? -errno : 0;
}

static ssize_t rd(int fd, void *buf, size_t len)
{
	ssize_t n;

	do {
		n = read(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

FIXTURE(conf) {
	struct vt_iommu v;
	struct vt_dev d;
	struct fsm f;
	int fd[4];		/* data_fds kept open while a state is held */
	int nfd;
	uint8_t *buf;
	struct vt_buf stream;
};

static void cf_setup(struct __test_metadata *_metadata,
		       FIXTURE_DATA(conf) *self)
{
	uint64_t flags = 0;
	uint32_t st;

	self->nfd = 0;
	self->d.fd = self->d.group = -1;
	ASSERT_EQ(0, vt_iommu_init(&self->v, conf_backend));
	ASSERT_EQ(0, vt_dev_open(&self->v, &self->d, conf_spec));
	ASSERT_EQ(0, vt_mig_get_flags(&self->d, &flags));
	ASSERT_TRUE(!!(flags & VFIO_MIGRATION_STOP_COPY))
		TH_LOG("%s: flags 0x%llx without STOP_COPY", conf_name,
		       (unsigned long long)flags);
	/* only flag combinations the uAPI defines */
	ASSERT_EQ(0ull, flags & ~(uint64_t)(VFIO_MIGRATION_STOP_COPY |
					    VFIO_MIGRATION_P2P |
					    VFIO_MIGRATION_PRE_COPY));
	fsm_init(&self->f, flags);
	ASSERT_EQ(0, vt_mig_get_state(&self->d, &st));
	if (st != RUNNING) {
		/* left so by someone else: RESET returns it to RUNNING */
		TH_LOG("%s: opened in %s, resetting", conf_name,
		       vt_mig_state_name(st));
		ASSERT_EQ(0, vt_dev_reset(&self->d));
		ASSERT_EQ(0, vt_mig_get_state(&self->d, &st));
	}
	ASSERT_EQ((uint32_t)RUNNING, st)
		TH_LOG("%s: in %s after VFIO_DEVICE_RESET", conf_name,
		       vt_mig_state_name(st));
	self->buf = malloc(RD_CHUNK);
	ASSERT_NE(NULL, self->buf);
}

static void cf_teardown(FIXTURE_DATA(conf) *self)
{
	int i;

	for (i = 0; i < self->nfd; i++)
		close(self->fd[i]);
	self->nfd = 0;
	if (self->d.fd >= 0)
		ioctl(self->d.fd, VFIO_DEVICE_RESET);
	free(self->buf);
	vt_buf_free(&self->stream);
	vt_dev_close(&self->d);
	vt_iommu_fini(&self->v);
}

FIXTURE_SETUP(conf)
{
	cf_setup(_metadata, self);
}

FIXTURE_TEARDOWN(conf)
{
	cf_teardown(self);
}

static void keep_fd(struct __test_metadata *_metadata,
		    FIXTURE_DATA(conf) *self, int fd)
{
	ASSERT_GT(4, self->nfd);
	self->fd[self->nfd++] = fd;
}

static void expect_state(struct __test_metadata *_metadata,
			 FIXTURE_DATA(conf) *self, uint32_t want)
{
	uint32_t st = 0xffffffffu;

	ASSERT_EQ(0, vt_mig_get_state(&self->d, &st));
	ASSERT_EQ(want, st)
		TH_LOG("%s: state %s, want %s", conf_name,
		       vt_mig_state_name(st), vt_mig_state_name(want));
}

/*
 * One single arc @from -> @to (an arc of the FSM), checking errno 0, the
 * data_fd rule and GET.  Returns the data_fd or -1.
 */
static int step(struct __test_metadata *_metadata, FIXTURE_DATA(conf) *self,
		uint32_t from, uint32_t to)
{
	bool want_fd = (saving(to) && !saving(from)) || to == RESUMING;
	int fd = -2, ret;

	ret = vt_mig_set_state(&self->d, to, &fd);
	EXPECT_EQ(0, ret)
		TH_LOG("arc %s -> %s: %s", vt_mig_state_name(from),
		       vt_mig_state_name(to), strerror(-ret));
	if (ret)
		return -1;
	EXPECT_EQ(want_fd, fd >= 0)
		TH_LOG("arc %s -> %s: data_fd %d", vt_mig_state_name(from),
		       vt_mig_state_name(to), fd);
	if (fd >= 0 && !want_fd) {
		close(fd);
		fd = -1;
	}
	expect_state(_metadata, self, to);
	return fd;
}

/* Walk single arcs from the current state @cur to @to. */
static void walk(struct __test_metadata *_metadata, FIXTURE_DATA(conf) *self,
		 uint32_t cur, uint32_t to)
{
	uint32_t path[NST];
	int n, i;

	if (cur == to)
		return;
	n = fsm_path(&self->f, cur, to, path);
	ASSERT_LT(1, n)
		TH_LOG("no path %s -> %s", vt_mig_state_name(cur),
		       vt_mig_state_name(to));
	for (i = 1; i < n; i++) {
		int fd = step(_metadata, self, path[i - 1], path[i]);

		ASSERT_FALSE(_metadata->exit_code);
		if (fd >= 0)
			keep_fd(_metadata, self, fd);
	}
}

/* Save the device's own state: RUNNING -> ... -> STOP_COPY, read, STOP. */
static void save_own(struct __test_metadata *_metadata,
		     FIXTURE_DATA(conf) *self)
{
	int fd;

	walk(_metadata, self, RUNNING, STOP);
	fd = step(_metadata, self, STOP, STOP_COPY);
	ASSERT_LE(0, fd);
	self->stream.len = 0;
	EXPECT_EQ(0, vt_mig_read_all(&self->d, fd, &self->stream));
	close(fd);
	ASSERT_FALSE(_metadata->exit_code);
	step(_metadata, self, STOP_COPY, STOP);
	ASSERT_FALSE(_metadata->exit_code);
}

/*
 * Bring the freshly opened (RUNNING) device into @cur by single arcs,
 * keeping the data_fds open.  RESUMING gets the device's own saved state
 * written, so that leaving it loads a valid state.  Returns false (after
 * SKIP) when @cur cannot be reached on this device.
 */
static bool reach(struct __test_metadata *_metadata, FIXTURE_DATA(conf) *self,
		  uint32_t cur)
{
	size_t done = 0;
	uint32_t st;
	int fd = -2, ret;

	if (cur >= NST)
		return false;
	if (cur == ERROR) {
		walk(_metadata, self, RUNNING, RESUMING);
		if (_metadata->exit_code)
			return false;
		ret = vt_mig_set_state_quiet(&self->d, STOP, &fd);
		if (fd >= 0)
			close(fd);
		EXPECT_NE(0, ret)
			TH_LOG("RESUMING -> STOP with no data succeeded");
		if (!ret)
			return false;
		ASSERT_EQ(0, vt_mig_get_state(&self->d, &st));
		if (st != ERROR) {
			/* allowed by the uAPI: no generic way to ERROR */
			SKIP(return false,
			     "%s: empty resume failed (%s) but left the device in %s, not ERROR",
			     conf_name, strerror(-ret), vt_mig_state_name(st));
		}
		return true;
	}
	if (!self->f.sup[cur])
		SKIP(return false, "%s: %s not supported (flags 0x%llx)",
		     conf_name, vt_mig_state_name(cur),
		     (unsigned long long)self->f.flags);
	if (cur == RESUMING) {
		save_own(_metadata, self);
		fd = step(_metadata, self, STOP, RESUMING);
		ASSERT_LE(0, fd) {
			return false;
		}
		keep_fd(_metadata, self, fd);
		ret = vt_mig_write_all(&self->d, fd, self->stream.data,
					self->stream.len, 1u << 20, &done);
		EXPECT_EQ(0, ret)
			TH_LOG("write own stream: %s at %zu of %zu",
			       strerror(-ret), done, self->stream.len);
		return !_metadata->exit_code;
	}
	walk(_metadata, self, RUNNING, cur);
	return !_metadata->exit_code;
}

/* ---- all 8x8 (current, requested) pairs ---- */

FIXTURE(pair) {
	FIXTURE_DATA(conf) c;
};

FIXTURE_VARIANT(pair) {
	uint32_t cur;
	uint32_t req;
};

#define PAIR(c, r)							\
	FIXTURE_VARIANT_ADD(pair, c##__to__##r) {			\
		.cur = VFIO_DEVICE_STATE_##c,				\
		.req = VFIO_DEVICE_STATE_##r,				\
	}
#define ROW(c)								\
	PAIR(c, ERROR); PAIR(c, STOP); PAIR(c, RUNNING);		\
	PAIR(c, STOP_COPY); PAIR(c, RESUMING); PAIR(c, RUNNING_P2P);	\
	PAIR(c, PRE_COPY); PAIR(c, PRE_COPY_P2P)

ROW(ERROR);
ROW(STOP);
ROW(RUNNING);
ROW(STOP_COPY);
ROW(RESUMING);
ROW(RUNNING_P2P);
ROW(PRE_COPY);
ROW(PRE_COPY_P2P);

FIXTURE_SETUP(pair)
{
	cf_setup(_metadata, &self->c);
}

FIXTURE_TEARDOWN(pair)
{
	cf_teardown(&self->c);
}

TEST_F_TIMEOUT(pair, transition, 300)
{
	FIXTURE_DATA(conf) *c = &self->c;
	uint32_t cur = variant->cur, req = variant->req, st;
	struct expect e;
	char path[160];
	int fd = -2, ret, fl;

	if (!reach(_metadata, c, cur))
		return;
	fsm_expect(&c->f, cur, req, &e);
	path_str(e.path, e.n, path, sizeof(path));
	TH_LOG("%s -> %s: expect %s, end %s, data_fd %s; path %s",
	       vt_mig_state_name(cur), vt_mig_state_name(req),
	       e.err ? strerror(-e.err) : "success",
	       vt_mig_state_name(e.end), e.data_fd ? "yes" : "no",
	       e.n ? path : "-");

	ret = vt_mig_set_state_quiet(&c->d, req, &fd);
	if (fd >= 0)
		keep_fd(_metadata, c, fd);
	EXPECT_EQ(e.err, ret)
		TH_LOG("SET %s in %s: got %s", vt_mig_state_name(req),
		       vt_mig_state_name(cur), ret ? strerror(-ret) : "success");
	if (!ret)
		EXPECT_EQ(e.data_fd, fd >= 0) TH_LOG("data_fd %d", fd);
	ASSERT_EQ(0, vt_mig_get_state(&c->d, &st));
	EXPECT_EQ(e.end, st)
		TH_LOG("state %s, want %s", vt_mig_state_name(st),
		       vt_mig_state_name(e.end));
	if (fd >= 0) {
		/* saving fds are read-only, resuming fds write-only */
		fl = fcntl(fd, F_GETFL);
		ASSERT_LE(0, fl);
		EXPECT_EQ(req == RESUMING ? O_WRONLY : O_RDONLY, fl & O_ACCMODE);
		EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	}
	/* VFIO_DEVICE_RESET returns every state, ERROR included, to RUNNING */
	ASSERT_EQ(0, vt_dev_reset(&c->d));
	ASSERT_EQ(0, vt_mig_get_state(&c->d, &st));
	EXPECT_EQ((uint32_t)RUNNING, st);
}

/* ---- states outside the enum ---- */

TEST_F_TIMEOUT(conf, invalid_state_numbers, 120)
{
	static const uint32_t bad[] = { NST, NST + 1, 0x7fffffffu, 0xffffffffu };
	size_t i;
	int fd;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, vt_mig_set_state_quiet(&self->d, bad[i], &fd))
			TH_LOG("state %u", bad[i]);
		expect_state(_metadata, self, RUNNING);
	}
}

/* ---- MIG_DATA_SIZE ---- */

TEST_F_TIMEOUT(conf, data_size_every_state, 600)
{
	uint32_t s;

	for (s = 1; s < NST; s++) {
		uint64_t bytes = 0;

		if (!self->f.sup[s])
			continue;
		ASSERT_TRUE(reach(_metadata, self, s));
		EXPECT_EQ(0, vt_mig_data_size(&self->d, &bytes))
			TH_LOG("in %s", vt_mig_state_name(s));
		EXPECT_LT(0ull, (unsigned long long)bytes)
			TH_LOG("MIG_DATA_SIZE 0 in %s", vt_mig_state_name(s));
		TH_LOG("%s: MIG_DATA_SIZE %llu", vt_mig_state_name(s),
		       (unsigned long long)bytes);
		while (self->nfd)
			close(self->fd[--self->nfd]);
		ASSERT_EQ(0, vt_dev_reset(&self->d));
		expect_state(_metadata, self, RUNNING);
	}
}

/* ---- PRE_COPY stream rules ---- */

#define NEED_PRE_COPY(self)						\
	do {								\
		if (!((self)->f.flags & VFIO_MIGRATION_PRE_COPY))	\
			SKIP(return, "%s: PRE_COPY not advertised",	\
			     conf_name);					\
	} while (0)

/*
 * read() a PRE_COPY data_fd until the temporary end: -ENOMSG exactly when
 * the precopy info says both initial_bytes and dirty_bytes are zero (the
 * device is idle), never 0, initial_bytes never growing (no REINIT: not
 * opted in).  Returns the bytes read.
 */
static uint64_t drain_precopy(struct __test_metadata *_metadata,
			      FIXTURE_DATA(conf) *self, int fd, bool v2)
{
	struct vfio_precopy_info info;
	uint64_t total = 0, prev_init = UINT64_MAX, limit = 0;
	ssize_t n;

	EXPECT_EQ(0, vt_mig_data_size(&self->d, &limit));
	limit = 4 * limit + (64u << 20);
	for (;;) {
		ASSERT_EQ(0, precopy_info(fd, 0, &info));
		/* 0 in; an idle device has no new initial data (v2) */
		ASSERT_EQ(0u, info.flags) TH_LOG("flags 0x%x (v2 %d)",
						 info.flags, v2);
		ASSERT_GE(prev_init, info.initial_bytes)
			TH_LOG("initial_bytes grew from %llu to %llu",
			       (unsigned long long)prev_init,
			       (unsigned long long)info.initial_bytes);
		prev_init = info.initial_bytes;
		n = rd(fd, self->buf, RD_CHUNK);
		ASSERT_NE(0, n)
			TH_LOG("read() returned 0 (end of stream) in PRE_COPY, not -ENOMSG");
		if (n > 0) {
			total += (uint64_t)n;
			ASSERT_GT(limit, total)
				TH_LOG("PRE_COPY of an idle device never reaches its temporary end");
			continue;
		}
		ASSERT_EQ(-ENOMSG, n) TH_LOG("read: %s", strerror((int)-n));
		/* ENOMSG only at the temporary end */
		ASSERT_EQ(0ull, (unsigned long long)info.initial_bytes)
			TH_LOG("-ENOMSG with initial_bytes %llu",
			       (unsigned long long)info.initial_bytes);
		ASSERT_EQ(0ull, (unsigned long long)info.dirty_bytes)
			TH_LOG("-ENOMSG with dirty_bytes %llu",
			       (unsigned long long)info.dirty_bytes);
		ASSERT_EQ(0, precopy_info(fd, 0, &info));
		ASSERT_EQ(0ull, (unsigned long long)info.initial_bytes);
		ASSERT_EQ(0ull, (unsigned long long)info.dirty_bytes);
		return total;
	}
}

/* STOP_COPY: read to 0, never -ENOMSG, poll() readable at the end. */
static uint64_t drain_stop_copy(struct __test_metadata *_metadata,
				FIXTURE_DATA(conf) *self, int fd)
{
	struct vfio_precopy_info info;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t total = 0;
	ssize_t n;

	EXPECT_EQ(-EINVAL, precopy_info(fd, 0, &info))
		TH_LOG("VFIO_MIG_GET_PRECOPY_INFO in STOP_COPY");
	for (;;) {
		n = rd(fd, self->buf, RD_CHUNK);
		ASSERT_NE(-ENOMSG, n) TH_LOG("-ENOMSG in STOP_COPY");
		ASSERT_LE(0, n) TH_LOG("read: %s", strerror((int)-n));
		if (!n)
			break;
		total += (uint64_t)n;
	}
	/* the end is permanent, and poll() always says readable there */
	ASSERT_EQ(0, rd(fd, self->buf, RD_CHUNK));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_TRUE(pfd.revents & POLLIN);
	ASSERT_EQ(0, rd(fd, self->buf, RD_CHUNK));
	return total;
}

TEST_F_TIMEOUT(conf, precopy_stream_rules, 900)
{
	struct vfio_precopy_info info;
	struct pollfd pfd;
	uint64_t pre, pre2, stop;
	bool p2p = self->f.flags & VFIO_MIGRATION_P2P;
	ssize_t n;
	int fd, r;

	NEED_PRE_COPY(self);
	fd = step(_metadata, self, RUNNING, PRE_COPY);
	ASSERT_LE(0, fd);
	keep_fd(_metadata, self, fd);
	ASSERT_EQ(0, precopy_info(fd, 0, &info));
	/* "should have a non-zero initial value" */
	EXPECT_LT(0ull, (unsigned long long)info.initial_bytes);
	TH_LOG("PRE_COPY start: initial_bytes %llu dirty_bytes %llu",
	       (unsigned long long)info.initial_bytes,
	       (unsigned long long)info.dirty_bytes);

	pre = drain_precopy(_metadata, self, fd, false);
	ASSERT_FALSE(_metadata->exit_code);
	EXPECT_LT(0ull, (unsigned long long)pre);
	/* still at the temporary end */
	ASSERT_EQ(-ENOMSG, rd(fd, self->buf, RD_CHUNK));

	/*
	 * poll at the temporary end: a timeout is fine ("can wait for more
	 * data (which may never come) by using poll"); readable means data,
	 * or a spurious wakeup, after which read() is still at the
	 * temporary end (-ENOMSG).  Never the permanent end (0).
	 */
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	r = poll(&pfd, 1, 200);
	ASSERT_LE(0, r);
	EXPECT_EQ(0, pfd.revents & (POLLERR | POLLNVAL));
	if (r == 1 && (pfd.revents & POLLIN)) {
		n = rd(fd, self->buf, RD_CHUNK);
		EXPECT_TRUE(n > 0 || n == -ENOMSG)
			TH_LOG("poll() readable at the temporary end but read() %s",
			       n < 0 ? strerror((int)-n) : "0 (end of stream)");
		if (n == -ENOMSG)
			TH_LOG("a spurious wakeup at the temporary end");
	}

	if (p2p) {
		/* same session: no new data_fd, precopy info still valid */
		ASSERT_EQ(-1, step(_metadata, self, PRE_COPY, PRE_COPY_P2P));
		pre2 = drain_precopy(_metadata, self, fd, false);
		ASSERT_FALSE(_metadata->exit_code);
		TH_LOG("PRE_COPY_P2P: %llu more bytes", (unsigned long long)pre2);
		ASSERT_EQ(-1, step(_metadata, self, PRE_COPY_P2P, STOP_COPY));
	} else {
		ASSERT_EQ(-1, step(_metadata, self, PRE_COPY, STOP_COPY));
	}
	stop = drain_stop_copy(_metadata, self, fd);
	TH_LOG("stream: %llu bytes in PRE_COPY, %llu in STOP_COPY",
	       (unsigned long long)pre, (unsigned long long)stop);
	step(_metadata, self, STOP_COPY, STOP);
}

/* A session opened by STOP -> STOP_COPY: no precopy info, no ENOMSG. */
TEST_F_TIMEOUT(conf, stop_copy_session, 600)
{
	uint64_t bytes;
	int fd;

	walk(_metadata, self, RUNNING, STOP);
	fd = step(_metadata, self, STOP, STOP_COPY);
	ASSERT_LE(0, fd);
	keep_fd(_metadata, self, fd);
	bytes = drain_stop_copy(_metadata, self, fd);
	EXPECT_LT(0ull, (unsigned long long)bytes);
	step(_metadata, self, STOP_COPY, STOP);
}

TEST_F_TIMEOUT(conf, precopy_info_argsz, 300)
{
	struct vfio_precopy_info info;
	uint32_t sizes[] = { 0, 4, 8, 16, sizeof(info) - 1 };
	struct {
		struct vfio_precopy_info i;
		uint64_t pad[2];
	} big;
	size_t k;
	int fd;

	NEED_PRE_COPY(self);
	fd = step(_metadata, self, RUNNING, PRE_COPY);
	ASSERT_LE(0, fd);
	keep_fd(_metadata, self, fd);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		memset(&info, 0, sizeof(info));
		info.argsz = sizes[k];
		EXPECT_EQ(-1, ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &info))
			TH_LOG("argsz %u accepted", sizes[k]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("argsz %u", sizes[k]);
	}
	/* a larger argsz is fine (extensible struct) */
	memset(&big, 0, sizeof(big));
	big.i.argsz = sizeof(big);
	EXPECT_EQ(0, ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &big));
	EXPECT_LT(0ull, (unsigned long long)big.i.initial_bytes);
	/* other ioctls on the data_fd: -ENOTTY */
	EXPECT_EQ(-1, ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO + 1, &info));
	EXPECT_EQ(ENOTTY, errno);
	/* and invalid outside the precopy states: STOP_COPY */
	if (self->f.flags & VFIO_MIGRATION_P2P) {
		step(_metadata, self, PRE_COPY, PRE_COPY_P2P);
		EXPECT_EQ(0, precopy_info(fd, 0, &info))
			TH_LOG("VFIO_MIG_GET_PRECOPY_INFO in PRE_COPY_P2P");
		step(_metadata, self, PRE_COPY_P2P, STOP_COPY);
	} else {
		step(_metadata, self, PRE_COPY, STOP_COPY);
	}
	EXPECT_EQ(-EINVAL, precopy_info(fd, 0, &info));
}

/* ---- VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 ---- */

TEST_F_TIMEOUT(conf, precopy_info_v2_feature, 120)
{
	uint32_t f = VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2;
	struct vt_dev *d = &self->d;

	if (!(self->f.flags & VFIO_MIGRATION_PRE_COPY)) {
		/* the opt-in needs VFIO_MIGRATION_PRE_COPY */
		EXPECT_EQ(-EINVAL, vt_feature(d, VFIO_DEVICE_FEATURE_SET | f,
					       NULL, 0));
		return;
	}
	EXPECT_EQ(0, vt_feature(d, VFIO_DEVICE_FEATURE_PROBE |
				 VFIO_DEVICE_FEATURE_SET | f, NULL, 0));
	/* SET only: GET is refused, also when probed */
	EXPECT_EQ(-EINVAL, vt_feature(d, VFIO_DEVICE_FEATURE_PROBE |
				       VFIO_DEVICE_FEATURE_GET | f, NULL, 0));
	EXPECT_EQ(-EINVAL, vt_feature(d, VFIO_DEVICE_FEATURE_PROBE |
				       VFIO_DEVICE_FEATURE_GET |
				       VFIO_DEVICE_FEATURE_SET | f, NULL, 0));
	EXPECT_EQ(-EINVAL, vt_feature(d, VFIO_DEVICE_FEATURE_GET | f,
				       NULL, 0));
	/* GET and SET together without PROBE: refused by the core */
	EXPECT_EQ(-EINVAL, vt_feature(d, VFIO_DEVICE_FEATURE_GET |
				       VFIO_DEVICE_FEATURE_SET | f, NULL, 0));
	/* SET takes no payload and is idempotent */
	EXPECT_EQ(0, vt_feature(d, VFIO_DEVICE_FEATURE_SET | f, NULL, 0));
	EXPECT_EQ(0, vt_feature(d, VFIO_DEVICE_FEATURE_SET | f, NULL, 0));
	/* opting in does not change the migration state */
	expect_state(_metadata, self, RUNNING);
}

/*
 * After the opt-in flags is an output: whatever the user passes in, an
 * idle device reports 0 (no new initial data), and REINIT, if ever
 * reported, comes with dirty_bytes reset to 0.
 */
TEST_F_TIMEOUT(conf, precopy_info_v2_flags_output, 600)
{
	struct vfio_precopy_info info;
	int fd;

	NEED_PRE_COPY(self);
	ASSERT_EQ(0, vt_feature(&self->d, VFIO_DEVICE_FEATURE_SET |
				 VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2,
				 NULL, 0));
	fd = step(_metadata, self, RUNNING, PRE_COPY);
	ASSERT_LE(0, fd);
	keep_fd(_metadata, self, fd);
	ASSERT_EQ(0, precopy_info(fd, 0xffffffffu, &info));
	EXPECT_EQ(0u, info.flags) TH_LOG("flags 0x%x on an idle device", info.flags);
	if (info.flags & VFIO_PRECOPY_INFO_REINIT)
		EXPECT_EQ(0ull, (unsigned long long)info.dirty_bytes);
	ASSERT_EQ(0, precopy_info(fd, VFIO_PRECOPY_INFO_REINIT, &info));
	EXPECT_EQ(0u, info.flags);
	drain_precopy(_metadata, self, fd, true);
	ASSERT_EQ(0, precopy_info(fd, 0x80000001u, &info));
	EXPECT_EQ(0u, info.flags);
}

/*
 * Without the opt-in flags is reserved: the driver never reports REINIT;
 * a non-zero input may come back echoed (the v1 bug-compatibility the
 * uAPI keeps) or zeroed, nothing else.
 */
TEST_F_TIMEOUT(conf, precopy_info_v1_no_reinit, 600)
{
	struct vfio_precopy_info info;
	uint32_t in = 0x5a5a0000u;
	int fd;

	NEED_PRE_COPY(self);
	fd = step(_metadata, self, RUNNING, PRE_COPY);
	ASSERT_LE(0, fd);
	keep_fd(_metadata, self, fd);
	ASSERT_EQ(0, precopy_info(fd, 0, &info));
	EXPECT_EQ(0u, info.flags);
	ASSERT_EQ(0, precopy_info(fd, in, &info));
	EXPECT_TRUE(info.flags == 0 || info.flags == in)
		TH_LOG("flags in 0x%x, out 0x%x", in, info.flags);
	TH_LOG("without opt-in, flags 0x%x in -> 0x%x out (%s)", in,
	       info.flags, info.flags ? "echoed" : "zeroed");
	drain_precopy(_metadata, self, fd, false);
	ASSERT_EQ(0, precopy_info(fd, 0, &info));
	EXPECT_EQ(0u, info.flags);
}

/* ---- device info ---- */

/*
 * "To recover from ERROR VFIO_DEVICE_RESET must be used": a migratable
 * device supports reset, and VFIO_DEVICE_FLAGS_RESET is how it says so.
 */
TEST_F_TIMEOUT(conf, reset_advertised, 60)
{
	EXPECT_TRUE(!!(self->d.info.flags & VFIO_DEVICE_FLAGS_RESET))
		TH_LOG("%s: flags 0x%x without VFIO_DEVICE_FLAGS_RESET",
		       conf_name, self->d.info.flags);
	/* and the reset itself works, from RUNNING to RUNNING */
	EXPECT_EQ(0, vt_dev_reset(&self->d));
	expect_state(_metadata, self, RUNNING);
}

static bool is_spec(const char *s)
{
	return vt_is_bdf(s) || vt_is_uuid(s) || s[0] == '/';
}

int main(int argc, char **argv)
{
	char sysfs[VT_PATH_LEN];
	const char *spec = NULL, *e;

	if (argc > 1 && is_spec(argv[argc - 1])) {
		spec = argv[--argc];
		argv[argc] = NULL;
	} else {
		const char *env[] = { "VFIO_SELFTESTS_DEV", "VFIO_SELFTESTS_BDF",
				      "MVF_VF0_BDF" };
		size_t i;

		for (i = 0; i < sizeof(env) / sizeof(env[0]) && !spec; i++) {
			e = getenv(env[i]);
			if (e && *e)
				spec = e;
		}
	}
	if (!spec || !is_spec(spec)) {
		fprintf(stderr, "usage: %s [harness options] BDF|UUID|SYSFS-PATH\n"
			"(or VFIO_SELFTESTS_DEV=BDF|UUID|SYSFS-PATH)\n", argv[0]);
		return KSFT_SKIP;
	}
	e = getenv("VFIO_SELFTESTS_CDEV");
	if (e && !strcmp(e, "1"))
		conf_backend = VT_CDEV;
	snprintf(conf_spec, sizeof(conf_spec), "%s", spec);
	if (vt_dev_resolve(conf_spec, sysfs, conf_name))
		return KSFT_FAIL;
	fprintf(stderr, "# vfio_mig_conformance: device %s (%s), through its %s\n",
		conf_name, sysfs, conf_backend == VT_CDEV ? "cdev" : "group");
	return test_harness_run(argc, argv);
}
