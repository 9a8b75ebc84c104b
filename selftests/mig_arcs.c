// SPDX-License-Identifier: GPL-2.0
/*
 * mig_arcs: the VFIO migration v2 state machine of an mvf VF.
 *
 * Checks the advertised flags (exactly STOP_COPY | P2P | PRE_COPY), every
 * single arc the driver implements (the PRE_COPY family included),
 * every combination arc between supported states (against the path
 * vfio_mig_get_next_state() takes, observed through the VF's STATUS
 * register), unsupported and invalid states, the ERROR state and its
 * recovery by VFIO_DEVICE_RESET, MIG_DATA_SIZE, data_fd file semantics,
 * and what RUNNING_P2P and STOP mean for the device (doorbells latched).
 *
 * Usage: mig_arcs [harness options] [VF0-BDF VF1-BDF]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "mvf_ksft.h"

#define ARCS_BOUNCE	(1u << 20)

/* What src/vfio advertises (issue 3: the PRE_COPY family). */
#define MVF_MIG_FLAGS	(VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P | \
			 VFIO_MIGRATION_PRE_COPY)

static bool in_saving_group(uint32_t s)
{
	return s == VFIO_DEVICE_STATE_STOP_COPY ||
	       s == VFIO_DEVICE_STATE_PRE_COPY ||
	       s == VFIO_DEVICE_STATE_PRE_COPY_P2P;
}

static const uint32_t supported[] = {
	VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_RUNNING_P2P,
	VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_STOP_COPY,
	VFIO_DEVICE_STATE_RESUMING, VFIO_DEVICE_STATE_PRE_COPY,
	VFIO_DEVICE_STATE_PRE_COPY_P2P,
};
#define NR_SUPPORTED (sizeof(supported) / sizeof(supported[0]))

FIXTURE(arcs) {
	struct mvf_pair p;
	struct mvf_dev *vf;
	struct vt_buf stream;	/* a valid stream saved from VF0 */
};

FIXTURE_SETUP(arcs)
{
	ASSERT_EQ(0, mvf_pair_open(&self->p, mvf_vf_bdf[0], mvf_vf_bdf[1],
				   ARCS_BOUNCE));
	self->vf = &self->p.dev[0];
}

FIXTURE_TEARDOWN(arcs)
{
	vt_buf_free(&self->stream);
	mvf_pair_close(&self->p);
}

/*
 * The device side of each migration state: the VF reports QUIESCED unless
 * RUNNING or PRE_COPY, and STOPPED in STOP, STOP_COPY and RESUMING.
 */
static void check_device_status(struct __test_metadata *_metadata,
				struct mvf_dev *d, uint32_t state)
{
	uint32_t sts = mvf_rd32(d, MVF_REG_STATUS);
	bool stopped = state == VFIO_DEVICE_STATE_STOP ||
		       state == VFIO_DEVICE_STATE_STOP_COPY ||
		       state == VFIO_DEVICE_STATE_RESUMING;
	bool quiesced = state != VFIO_DEVICE_STATE_RUNNING &&
			state != VFIO_DEVICE_STATE_PRE_COPY;

	ASSERT_EQ(quiesced, !!(sts & MVF_VF_STS_QUIESCED))
		TH_LOG("%s: %s: STATUS 0x%x", d->vt.name,
		       vt_mig_state_name(state), sts);
	ASSERT_EQ(stopped, !!(sts & MVF_VF_STS_STOPPED))
		TH_LOG("%s: %s: STATUS 0x%x", d->vt.name,
		       vt_mig_state_name(state), sts);
}

/* Save VF0's own state once (RUNNING -> STOP_COPY -> RUNNING). */
static void save_stream(struct __test_metadata *_metadata,
			FIXTURE_DATA(arcs) *self)
{
	int fd;

	ASSERT_SET_STATE_FD(self->vf, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	ASSERT_EQ(0, vt_mig_read_all(&self->vf->vt, fd, &self->stream));
	ASSERT_EQ(0, close(fd));
	ASSERT_LT((size_t)0, self->stream.len);
	ASSERT_SET_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
}

static void write_stream(struct __test_metadata *_metadata,
			 FIXTURE_DATA(arcs) *self, int fd)
{
	size_t done = 0;

	ASSERT_EQ(0, vt_mig_write_all(&self->vf->vt, fd, self->stream.data,
				       self->stream.len, 1u << 20, &done));
	ASSERT_EQ(self->stream.len, done);
}

/* One descriptor through the ring: the data plane works. */
static void check_works(struct __test_metadata *_metadata,
			struct mvf_pair *p, int i)
{
	uint8_t *buf = p->bounce[i].va;
	uint8_t expect[256];
	struct mvf_desc d;

	memset(buf, 0, sizeof(expect));
	mvf_pattern_fill(expect, sizeof(expect), 0x0123456789abcdefull);
	d = mvf_desc_make(MVF_DESC_OP_FILL, sizeof(expect), 0,
			  p->bounce[i].iova, 0x0123456789abcdefull, 0x77);
	ASSERT_EQ(0, mvf_ring_exec(&p->dev[i], &p->ring[i], &d, NULL));
	ASSERT_EQ(0, memcmp(buf, expect, sizeof(expect)));
}

TEST_F_TIMEOUT(arcs, flags_exact, 120)
{
	uint64_t flags = 0;

	ASSERT_EQ(0, vt_mig_get_flags(&self->vf->vt, &flags));
	ASSERT_EQ((uint64_t)MVF_MIG_FLAGS, flags);
	ASSERT_EQ(0, vt_mig_get_flags(&self->p.dev[1].vt, &flags));
	ASSERT_EQ((uint64_t)MVF_MIG_FLAGS, flags);
}

TEST_F_TIMEOUT(arcs, feature_probe, 120)
{
	struct vfio_device_feature f = { .argsz = sizeof(f) };

	/* MIG_DEVICE_STATE: GET and SET */
	f.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
		  VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE;
	ASSERT_EQ(0, ioctl(self->vf->vt.fd, VFIO_DEVICE_FEATURE, &f));
	/* MIGRATION and MIG_DATA_SIZE: GET only */
	f.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
		  VFIO_DEVICE_FEATURE_MIGRATION;
	ASSERT_EQ(0, ioctl(self->vf->vt.fd, VFIO_DEVICE_FEATURE, &f));
	f.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
		  VFIO_DEVICE_FEATURE_MIGRATION;
	ASSERT_EQ(-1, ioctl(self->vf->vt.fd, VFIO_DEVICE_FEATURE, &f));
	ASSERT_EQ(EINVAL, errno);
	f.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
		  VFIO_DEVICE_FEATURE_MIG_DATA_SIZE;
	ASSERT_EQ(0, ioctl(self->vf->vt.fd, VFIO_DEVICE_FEATURE, &f));
	/* PRECOPY_INFOv2 (VFIO_MIGRATION_PRE_COPY is advertised): SET only */
	f.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
		  VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2;
	ASSERT_EQ(0, ioctl(self->vf->vt.fd, VFIO_DEVICE_FEATURE, &f));
	f.flags = VFIO_DEVICE_FEATURE_GET |
		  VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2;
	ASSERT_EQ(-1, ioctl(self->vf->vt.fd, VFIO_DEVICE_FEATURE, &f));
	ASSERT_EQ(EINVAL, errno);
	f.flags = VFIO_DEVICE_FEATURE_SET |
		  VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2;
	ASSERT_EQ(0, ioctl(self->vf->vt.fd, VFIO_DEVICE_FEATURE, &f));
}

TEST_F_TIMEOUT(arcs, opened_running, 120)
{
	ASSERT_MIG_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
	check_device_status(_metadata, self->vf, VFIO_DEVICE_STATE_RUNNING);
	check_works(_metadata, &self->p, 0);
}

/* Every arc the driver implements, one at a time, and GET after each. */
TEST_F_TIMEOUT(arcs, single_arcs, 300)
{
	struct mvf_dev *vf = self->vf;
	int fd, fd2;

	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_RUNNING_P2P);
	check_device_status(_metadata, vf, VFIO_DEVICE_STATE_RUNNING_P2P);
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_RUNNING);
	check_device_status(_metadata, vf, VFIO_DEVICE_STATE_RUNNING);
	check_works(_metadata, &self->p, 0);
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_RUNNING_P2P);
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_STOP);
	check_device_status(_metadata, vf, VFIO_DEVICE_STATE_STOP);
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_RUNNING_P2P);
	check_device_status(_metadata, vf, VFIO_DEVICE_STATE_RUNNING_P2P);
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_STOP);

	/* STOP -> STOP_COPY returns the saving data_fd */
	ASSERT_SET_STATE_FD(vf, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	check_device_status(_metadata, vf, VFIO_DEVICE_STATE_STOP_COPY);
	ASSERT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, vt_mig_read_all(&vf->vt, fd, &self->stream));
	ASSERT_LT(sizeof(struct mvf_mig_record), self->stream.len);
	/* STOP_COPY -> STOP ends the session */
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_STOP);
	check_device_status(_metadata, vf, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, close(fd));

	/* STOP -> RESUMING returns the resuming data_fd; a valid stream loads */
	ASSERT_SET_STATE_FD(vf, VFIO_DEVICE_STATE_RESUMING, &fd2);
	check_device_status(_metadata, vf, VFIO_DEVICE_STATE_RESUMING);
	write_stream(_metadata, self, fd2);
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, close(fd2));
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_RUNNING_P2P);
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_RUNNING);
	check_works(_metadata, &self->p, 0);

	/* the PRE_COPY arcs; the saving group shares one data_fd */
	ASSERT_SET_STATE_FD(vf, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	check_device_status(_metadata, vf, VFIO_DEVICE_STATE_PRE_COPY);
	ASSERT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	check_works(_metadata, &self->p, 0);
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_PRE_COPY_P2P);
	check_device_status(_metadata, vf, VFIO_DEVICE_STATE_PRE_COPY_P2P);
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_PRE_COPY);
	/* PRE_COPY -> RUNNING ends the session */
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, close(fd));
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_RUNNING_P2P);
	ASSERT_SET_STATE_FD(vf, VFIO_DEVICE_STATE_PRE_COPY_P2P, &fd);
	/* PRE_COPY_P2P -> RUNNING_P2P ends it too */
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_RUNNING_P2P);
	ASSERT_EQ(0, close(fd));
	ASSERT_SET_STATE_FD(vf, VFIO_DEVICE_STATE_PRE_COPY_P2P, &fd);
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_STOP_COPY);
	check_device_status(_metadata, vf, VFIO_DEVICE_STATE_STOP_COPY);
	self->stream.len = 0;
	ASSERT_EQ(0, vt_mig_read_all(&vf->vt, fd, &self->stream));
	ASSERT_LT(sizeof(struct mvf_mig_record), self->stream.len);
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, close(fd));
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_RUNNING_P2P);
	ASSERT_SET_STATE(vf, VFIO_DEVICE_STATE_RUNNING);
	check_works(_metadata, &self->p, 0);
}

/* Requesting the current state is a no-op that returns no data_fd. */
TEST_F_TIMEOUT(arcs, same_state_noop, 120)
{
	size_t i;
	int fd;

	for (i = 0; i < NR_SUPPORTED; i++) {
		uint32_t s = supported[i];

		if (s == VFIO_DEVICE_STATE_RESUMING)
			continue;	/* leaving it needs a stream: below */
		if (in_saving_group(s)) {
			ASSERT_SET_STATE_FD(self->vf, s, &fd);
			ASSERT_SET_STATE(self->vf, s);
			ASSERT_EQ(0, close(fd));
		} else {
			ASSERT_SET_STATE(self->vf, s);
			ASSERT_SET_STATE(self->vf, s);
		}
		check_device_status(_metadata, self->vf, s);
		ASSERT_SET_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
	}
	ASSERT_SET_STATE_FD(self->vf, VFIO_DEVICE_STATE_RESUMING, &fd);
	ASSERT_SET_STATE(self->vf, VFIO_DEVICE_STATE_RESUMING);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, vt_dev_reset(&self->vf->vt));
	ASSERT_MIG_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
}

/*
 * Every (from, to) pair of supported states as one SET request.  The
 * kernel splits it per vfio_mig_get_next_state(); a data_fd comes back
 * exactly when the path enters the saving group from outside it or ends
 * with STOP -> RESUMING.
 * Leaving RESUMING passes RESUMING -> STOP, so a valid stream is written
 * first.
 */
TEST_F_TIMEOUT(arcs, combination_arcs, 900)
{
	size_t i, j;

	save_stream(_metadata, self);
	for (i = 0; i < NR_SUPPORTED; i++) {
		for (j = 0; j < NR_SUPPORTED; j++) {
			uint32_t from = supported[i], to = supported[j];
			bool want_fd = from != to &&
				       ((in_saving_group(to) &&
					 !in_saving_group(from)) ||
					to == VFIO_DEVICE_STATE_RESUMING);
			int fd = -2, fd2 = -2;

			/* blocked by the uAPI: unsupported_states_einval */
			if (from == VFIO_DEVICE_STATE_STOP_COPY &&
			    (to == VFIO_DEVICE_STATE_PRE_COPY ||
			     to == VFIO_DEVICE_STATE_PRE_COPY_P2P))
				continue;

			TH_LOG("%s -> %s", vt_mig_state_name(from),
			       vt_mig_state_name(to));
			ASSERT_MIG_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
			ASSERT_EQ(0, vt_mig_set_state(&self->vf->vt, from, &fd));
			ASSERT_MIG_STATE(self->vf, from);
			if (from == VFIO_DEVICE_STATE_RESUMING) {
				ASSERT_LE(0, fd);
				write_stream(_metadata, self, fd);
			}
			ASSERT_EQ(0, vt_mig_set_state(&self->vf->vt, to, &fd2))
				TH_LOG("%s -> %s failed",
				       vt_mig_state_name(from),
				       vt_mig_state_name(to));
			if (want_fd) {
				ASSERT_LE(0, fd2);
			} else {
				ASSERT_EQ(-1, fd2);
			}
			ASSERT_MIG_STATE(self->vf, to);
			check_device_status(_metadata, self->vf, to);
			/* from == to == RESUMING: the stream is already in */
			if (to == VFIO_DEVICE_STATE_RESUMING && fd2 >= 0)
				write_stream(_metadata, self, fd2);
			if (fd >= 0)
				ASSERT_EQ(0, close(fd));
			if (fd2 >= 0)
				ASSERT_EQ(0, close(fd2));
			ASSERT_EQ(0, vt_mig_set_state(&self->vf->vt,
						       VFIO_DEVICE_STATE_RUNNING,
						       NULL));
		}
	}
	ASSERT_MIG_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
	check_works(_metadata, &self->p, 0);
}

TEST_F_TIMEOUT(arcs, unsupported_states_einval, 120)
{
	static const uint32_t bad[] = {
		VFIO_DEVICE_STATE_ERROR, VFIO_DEVICE_STATE_NR, 100, 0xffffffffu,
	};
	static const uint32_t from[] = {
		VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_RUNNING_P2P,
		VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_STOP_COPY,
	};
	size_t i, j;

	for (j = 0; j < sizeof(from) / sizeof(from[0]); j++) {
		int fd = -1;

		ASSERT_EQ(0, vt_mig_set_state(&self->vf->vt, from[j], &fd));
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			int fd2 = -2;

			ASSERT_EQ(-EINVAL, vt_mig_set_state_quiet(&self->vf->vt,
								   bad[i], &fd2))
				TH_LOG("%s -> %u", vt_mig_state_name(from[j]),
				       bad[i]);
			/* rejected before any arc: state unchanged */
			ASSERT_MIG_STATE(self->vf, from[j]);
		}
		/* STOP_COPY -> PRE_COPY(_P2P) is not permitted */
		if (from[j] == VFIO_DEVICE_STATE_STOP_COPY) {
			int fd2 = -2;

			ASSERT_EQ(-EINVAL, vt_mig_set_state_quiet(&self->vf->vt,
					VFIO_DEVICE_STATE_PRE_COPY, &fd2));
			ASSERT_MIG_STATE(self->vf, from[j]);
			ASSERT_EQ(-EINVAL, vt_mig_set_state_quiet(&self->vf->vt,
					VFIO_DEVICE_STATE_PRE_COPY_P2P, &fd2));
			ASSERT_MIG_STATE(self->vf, from[j]);
		}
		check_device_status(_metadata, self->vf, from[j]);
		if (fd >= 0)
			ASSERT_EQ(0, close(fd));
		ASSERT_SET_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
	}
	check_works(_metadata, &self->p, 0);
}

/*
 * RESUMING -> STOP with nothing written fails (the stream is incomplete)
 * and leaves ERROR; ERROR accepts no SET; VFIO_DEVICE_RESET recovers.
 */
TEST_F_TIMEOUT(arcs, empty_resume_error_reset, 120)
{
	static const uint32_t targets[] = {
		VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RUNNING,
		VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_STOP_COPY,
		VFIO_DEVICE_STATE_RESUMING,
	};
	uint64_t size;
	size_t i;
	int fd;

	ASSERT_SET_STATE_FD(self->vf, VFIO_DEVICE_STATE_RESUMING, &fd);
	ASSERT_EQ(-EINVAL, vt_mig_set_state_quiet(&self->vf->vt,
						   VFIO_DEVICE_STATE_STOP,
						   NULL));
	ASSERT_MIG_STATE(self->vf, VFIO_DEVICE_STATE_ERROR);
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		ASSERT_EQ(-EINVAL, vt_mig_set_state_quiet(&self->vf->vt,
							   targets[i], NULL));
		ASSERT_MIG_STATE(self->vf, VFIO_DEVICE_STATE_ERROR);
	}
	/* the resuming fd is dead once the session failed */
	ASSERT_EQ(-1, write(fd, "x", 1));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(0, close(fd));
	if (vt_mig_data_size(&self->vf->vt, &size) == 0)
		TH_LOG("MIG_DATA_SIZE in ERROR: %llu",
		       (unsigned long long)size);

	ASSERT_EQ(0, vt_dev_reset(&self->vf->vt));
	ASSERT_MIG_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
	check_device_status(_metadata, self->vf, VFIO_DEVICE_STATE_RUNNING);
	/* FLR cleared the ring registers: program them again */
	ASSERT_EQ(0u, mvf_rd32(self->vf, MVF_VF_REG_RING_SIZE));
	ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, 0));
	check_works(_metadata, &self->p, 0);

	/* the same error through a combination arc (RESUMING -> RUNNING) */
	ASSERT_SET_STATE_FD(self->vf, VFIO_DEVICE_STATE_RESUMING, &fd);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(-EINVAL, vt_mig_set_state_quiet(&self->vf->vt,
						   VFIO_DEVICE_STATE_RUNNING,
						   NULL));
	ASSERT_MIG_STATE(self->vf, VFIO_DEVICE_STATE_ERROR);
	ASSERT_EQ(0, vt_dev_reset(&self->vf->vt));
	ASSERT_MIG_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
}

/* VFIO_DEVICE_RESET from every state returns to RUNNING. */
TEST_F_TIMEOUT(arcs, reset_from_every_state, 300)
{
	size_t i;

	for (i = 0; i < NR_SUPPORTED; i++) {
		char c;
		int fd = -1;

		ASSERT_EQ(0, vt_mig_set_state(&self->vf->vt, supported[i], &fd));
		ASSERT_MIG_STATE(self->vf, supported[i]);
		ASSERT_EQ(0, vt_dev_reset(&self->vf->vt));
		ASSERT_MIG_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
		check_device_status(_metadata, self->vf,
				    VFIO_DEVICE_STATE_RUNNING);
		if (fd >= 0) {
			/* a data_fd outlives the reset but is disabled */
			ssize_t n;

			if (in_saving_group(supported[i]))
				n = read(fd, &c, 1);
			else
				n = write(fd, &c, 1);
			ASSERT_EQ(-1, n);
			ASSERT_EQ(ENODEV, errno);
			ASSERT_EQ(0, close(fd));
		}
		ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, 0));
		check_works(_metadata, &self->p, 0);
	}
}

/* MIG_DATA_SIZE answers with a non-zero estimate in every state. */
TEST_F_TIMEOUT(arcs, data_size_every_state, 300)
{
	uint64_t size;
	size_t i;

	for (i = 0; i < NR_SUPPORTED; i++) {
		int fd = -1;

		ASSERT_EQ(0, vt_mig_set_state(&self->vf->vt, supported[i], &fd));
		size = 0;
		ASSERT_EQ(0, vt_mig_data_size(&self->vf->vt, &size))
			TH_LOG("in %s", vt_mig_state_name(supported[i]));
		ASSERT_LT((uint64_t)0, size)
			TH_LOG("in %s", vt_mig_state_name(supported[i]));
		TH_LOG("%s: MIG_DATA_SIZE %llu",
		       vt_mig_state_name(supported[i]),
		       (unsigned long long)size);
		if (fd >= 0)
			ASSERT_EQ(0, close(fd));
		if (supported[i] == VFIO_DEVICE_STATE_RESUMING) {
			ASSERT_EQ(0, vt_dev_reset(&self->vf->vt));
		} else {
			ASSERT_SET_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
		}
	}
}

/*
 * In STOP the estimate covers what STOP_COPY then streams (the state
 * cannot change while stopped).
 */
TEST_F_TIMEOUT(arcs, data_size_covers_stream, 300)
{
	uint64_t size = 0;
	int fd;

	ASSERT_SET_STATE(self->vf, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_data_size(&self->vf->vt, &size));
	ASSERT_SET_STATE_FD(self->vf, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	ASSERT_EQ(0, vt_mig_read_all(&self->vf->vt, fd, &self->stream));
	ASSERT_EQ(0, close(fd));
	TH_LOG("estimate %llu, stream %zu", (unsigned long long)size,
	       self->stream.len);
	ASSERT_LE(self->stream.len, size);
	ASSERT_SET_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
}

/* data_fds are streams: no pread/pwrite/lseek, one direction each. */
TEST_F_TIMEOUT(arcs, data_fd_semantics, 300)
{
	char buf[64];
	int fd;

	ASSERT_SET_STATE_FD(self->vf, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	ASSERT_EQ(-1, pread(fd, buf, sizeof(buf), 0));
	ASSERT_EQ(ESPIPE, errno);
	ASSERT_EQ(-1, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(ESPIPE, errno);
	ASSERT_EQ(-1, write(fd, buf, sizeof(buf)));
	ASSERT_EQ(EBADF, errno);
	/* the stream is still intact after the failed calls */
	ASSERT_EQ(0, vt_mig_read_all(&self->vf->vt, fd, &self->stream));
	ASSERT_LT(sizeof(struct mvf_mig_record), self->stream.len);
	/* permanent end of stream in STOP_COPY */
	ASSERT_EQ(0, read(fd, buf, sizeof(buf)));
	ASSERT_SET_STATE(self->vf, VFIO_DEVICE_STATE_STOP);
	/* the session ended: the file is disabled */
	ASSERT_EQ(-1, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(0, close(fd));

	ASSERT_SET_STATE_FD(self->vf, VFIO_DEVICE_STATE_RESUMING, &fd);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(-1, pwrite(fd, buf, sizeof(buf), 0));
	ASSERT_EQ(ESPIPE, errno);
	ASSERT_EQ(-1, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(EBADF, errno);
	ASSERT_EQ(-1, lseek(fd, 0, SEEK_CUR));
	ASSERT_EQ(ESPIPE, errno);
	/* nothing was consumed: the full stream still loads */
	ASSERT_EQ(0, vt_mig_write_all(&self->vf->vt, fd, self->stream.data,
				       self->stream.len, 0, NULL));
	ASSERT_SET_STATE(self->vf, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(-1, write(fd, buf, 1));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(0, close(fd));
	ASSERT_SET_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
	check_works(_metadata, &self->p, 0);
}

/*
 * Closing the device while a data_fd is open mid-stream disables the
 * data_fd (-ENODEV, no use after free) and the device reopens RUNNING.
 */
TEST_F_TIMEOUT(arcs, close_device_disables_data_fd, 300)
{
	char c = 0;
	int fd, fd2;

	save_stream(_metadata, self);
	ASSERT_SET_STATE_FD(self->vf, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	ASSERT_EQ(1, read(fd, &c, 1));
	mvf_dev_close(self->vf);
	ASSERT_EQ(-1, read(fd, &c, 1));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, mvf_dev_open(&self->p.vfio, self->vf, mvf_vf_bdf[0]));
	ASSERT_MIG_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
	check_device_status(_metadata, self->vf, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, 0));
	check_works(_metadata, &self->p, 0);

	ASSERT_SET_STATE_FD(self->vf, VFIO_DEVICE_STATE_RESUMING, &fd2);
	ASSERT_EQ(100, write(fd2, self->stream.data, 100));
	mvf_dev_close(self->vf);
	ASSERT_EQ(-1, write(fd2, self->stream.data + 100, 100));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(0, mvf_dev_open(&self->p.vfio, self->vf, mvf_vf_bdf[0]));
	ASSERT_MIG_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
	check_device_status(_metadata, self->vf, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, 0));
	check_works(_metadata, &self->p, 0);
}

struct toggler {
	struct mvf_dev *dev;
	int stop;		/* set by the main thread */
	int ok;			/* SETs that succeeded */
	int failed;		/* SETs that failed (a reset intervened) */
	int bad_errno;		/* a failure other than EBUSY/EINVAL/EIO/ENOENT */
};

static void *toggler_fn(void *arg)
{
	static const uint32_t seq[] = {
		VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RUNNING_P2P,
		VFIO_DEVICE_STATE_STOP_COPY, VFIO_DEVICE_STATE_RUNNING,
	};
	struct timespec ts = { 0, 200 * 1000 };
	struct toggler *t = arg;
	int i;

	for (i = 0; !__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE); i++) {
		int ret = vt_mig_set_state_quiet(&t->dev->vt, seq[i % 4], NULL);

		if (!ret) {
			t->ok++;
			continue;
		}
		t->failed++;
		if (ret != -EBUSY && ret != -EINVAL && ret != -EIO &&
		    ret != -ENOENT)
			t->bad_errno = -ret;
		nanosleep(&ts, NULL);	/* ERROR until reset_done() */
	}
	return NULL;
}

/*
 * VFIO_DEVICE_RESET racing migration arcs (the deferred-reset path): no
 * hang, no splat (guest-run.sh checks the log), failures only with the
 * errnos an interrupted arc can return (an arc that meets a VF just reset
 * fails into ERROR until reset_done() runs), arcs keep succeeding between
 * resets, and afterwards the device is RUNNING, migrates and works.
 */
TEST_F_TIMEOUT(arcs, reset_races_set_state, 600)
{
	struct timespec ts = { 0, 3 * 1000 * 1000 };
	struct toggler t = { .dev = self->vf };
	pthread_t th;
	int i, fd;

	ASSERT_EQ(0, pthread_create(&th, NULL, toggler_fn, &t));
	for (i = 0; i < 40; i++) {
		ASSERT_EQ(0, vt_dev_reset(&self->vf->vt));
		nanosleep(&ts, NULL);
	}
	/* and arcs alone for a while after the last reset */
	ts.tv_nsec = 300 * 1000 * 1000;
	nanosleep(&ts, NULL);
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(th, NULL));
	TH_LOG("%d arcs requests succeeded, %d failed", t.ok, t.failed);
	ASSERT_EQ(0, t.bad_errno)
		TH_LOG("unexpected errno %s", strerror(t.bad_errno));
	ASSERT_LT(0, t.ok);
	ASSERT_EQ(0, vt_dev_reset(&self->vf->vt));
	ASSERT_MIG_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, 0));
	check_works(_metadata, &self->p, 0);
	ASSERT_SET_STATE_FD(self->vf, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	ASSERT_EQ(0, vt_mig_read_all(&self->vf->vt, fd, &self->stream));
	ASSERT_EQ(0, close(fd));
	ASSERT_SET_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
}

/* Wait a little and check that descriptor @idx has not completed. */
static bool stays_pending(struct mvf_ring *r, uint32_t idx)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	return !mvf_ring_peek(r, idx, NULL);
}

/*
 * RUNNING_P2P and STOP: the device starts no DMA; a doorbell only moves
 * SQ_TAIL and sets DB_LATCHED.  Back in RUNNING the latched work runs.
 */
TEST_F_TIMEOUT(arcs, quiesced_latches_doorbell, 120)
{
	static const uint32_t quiet[] = {
		VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_STOP,
	};
	struct mvf_pair *p = &self->p;
	struct mvf_ring *r = &p->ring[0];
	uint8_t *buf = p->bounce[0].va;
	uint8_t expect[512];
	size_t i;

	for (i = 0; i < 2; i++) {
		uint64_t pat = 0x1111111111111111ull * (i + 3);
		uint32_t head, idx;
		struct mvf_desc d;
		struct mvf_cpl c;

		memset(buf, 0, sizeof(expect));
		mvf_pattern_fill(expect, sizeof(expect), pat);
		ASSERT_SET_STATE(self->vf, quiet[i]);
		head = mvf_rd32(self->vf, MVF_VF_REG_SQ_HEAD);
		ASSERT_EQ(r->tail, head);
		ASSERT_EQ(0u, mvf_rd32(self->vf, MVF_VF_REG_DB_LATCHED));
		d = mvf_desc_make(MVF_DESC_OP_FILL, sizeof(expect), 0,
				  p->bounce[0].iova, pat, 0x4242 + i);
		idx = mvf_ring_post(r, &d);
		mvf_ring_doorbell(self->vf, r);
		ASSERT_EQ(r->tail, mvf_rd32(self->vf, MVF_VF_REG_SQ_TAIL));
		ASSERT_EQ(1u, mvf_rd32(self->vf, MVF_VF_REG_DB_LATCHED));
		ASSERT_TRUE(stays_pending(r, idx));
		ASSERT_EQ(head, mvf_rd32(self->vf, MVF_VF_REG_SQ_HEAD));
		ASSERT_EQ(0, buf[0]);
		ASSERT_SET_STATE(self->vf, VFIO_DEVICE_STATE_RUNNING);
		ASSERT_EQ(0, mvf_ring_wait(self->vf, r, idx, &c));
		ASSERT_EQ(MVF_DESC_STS_OK, c.status);
		ASSERT_EQ(0x4242 + i, c.cookie);
		ASSERT_EQ(mvf_ring_phase(r, idx), c.phase & 1);
		ASSERT_EQ(r->tail, mvf_rd32(self->vf, MVF_VF_REG_SQ_HEAD));
		ASSERT_EQ(0u, mvf_rd32(self->vf, MVF_VF_REG_DB_LATCHED));
		ASSERT_EQ(0, memcmp(buf, expect, sizeof(expect)));
	}
}

MVF_KSFT_MAIN
