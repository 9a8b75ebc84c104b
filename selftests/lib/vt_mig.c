// SPDX-License-Identifier: GPL-2.0
/* The VFIO migration v2 uAPI: features, arcs, data_fd read/write. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio_test.h"

/* Chunk used to read a saving data_fd; the stream may be any size. */
#define VT_MIG_READ_CHUNK	(1u << 20)

const char *vt_mig_state_name(uint32_t state)
{
	static const char *const names[] = {
		[VFIO_DEVICE_STATE_ERROR] = "ERROR",
		[VFIO_DEVICE_STATE_STOP] = "STOP",
		[VFIO_DEVICE_STATE_RUNNING] = "RUNNING",
		[VFIO_DEVICE_STATE_STOP_COPY] = "STOP_COPY",
		[VFIO_DEVICE_STATE_RESUMING] = "RESUMING",
		[VFIO_DEVICE_STATE_RUNNING_P2P] = "RUNNING_P2P",
		[VFIO_DEVICE_STATE_PRE_COPY] = "PRE_COPY",
		[VFIO_DEVICE_STATE_PRE_COPY_P2P] = "PRE_COPY_P2P",
	};

	if (state < sizeof(names) / sizeof(names[0]))
		return names[state];
	return "INVALID";
}

/**
 * vt_feature() - VFIO_DEVICE_FEATURE with a payload (quiet)
 * @d: the device
 * @flags: VFIO_DEVICE_FEATURE_GET/SET/PROBE | feature number
 * @data: @len bytes sent, and replaced by what the kernel returns
 * @len: payload bytes, at most 64 (0: no payload, @data may be NULL)
 *
 * Return: 0, -EINVAL for @len > 64, or the negative errno of the ioctl.
 */
int vt_feature(struct vt_dev *d, uint32_t flags, void *data, size_t len)
{
	union {
		struct vfio_device_feature f;
		uint8_t raw[sizeof(struct vfio_device_feature) + 64];
	} u;
	int ret;

	if (len > 64)
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	u.f.argsz = sizeof(u.f) + len;
	u.f.flags = flags;
	if (len)
		memcpy(u.f.data, data, len);
	ret = ioctl(d->fd, VFIO_DEVICE_FEATURE, &u.f);
	if (ret)
		return -errno;
	if (len)
		memcpy(data, u.f.data, len);
	return 0;
}

int vt_mig_get_flags(struct vt_dev *d, uint64_t *flags)
{
	struct vfio_device_feature_migration m = { 0 };
	int ret;

	ret = vt_feature(d, VFIO_DEVICE_FEATURE_GET |
		      VFIO_DEVICE_FEATURE_MIGRATION, &m, sizeof(m));
	if (ret) {
		fprintf(stderr, "%s: GET FEATURE_MIGRATION: %s\n", d->name,
			strerror(-ret));
		return ret;
	}
	*flags = m.flags;
	return 0;
}

int vt_mig_get_state(struct vt_dev *d, uint32_t *state)
{
	struct vfio_device_feature_mig_state m = { .data_fd = -2 };
	int ret;

	ret = vt_feature(d, VFIO_DEVICE_FEATURE_GET |
		      VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &m, sizeof(m));
	if (ret) {
		fprintf(stderr, "%s: GET MIG_DEVICE_STATE: %s\n", d->name,
			strerror(-ret));
		return ret;
	}
	if (m.data_fd != -1) {
		fprintf(stderr, "%s: GET MIG_DEVICE_STATE: data_fd %d, want -1\n",
			d->name, m.data_fd);
		return -EPROTO;
	}
	*state = m.device_state;
	return 0;
}

/*
 * SET MIG_DEVICE_STATE.  On success *data_fd (if non-NULL) is the new
 * data_fd or -1; an arc that returns an fd when the caller passed NULL
 * has its fd closed.  Returns 0 or the negative errno of the ioctl.
 */
int vt_mig_set_state_quiet(struct vt_dev *d, uint32_t state, int *data_fd)
{
	struct vfio_device_feature_mig_state m = {
		.device_state = state,
		.data_fd = -2,
	};
	int ret;

	if (data_fd)
		*data_fd = -1;
	ret = vt_feature(d, VFIO_DEVICE_FEATURE_SET |
		      VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &m, sizeof(m));
	if (ret)
		return ret;
	if (data_fd)
		*data_fd = m.data_fd;
	else if (m.data_fd >= 0)
		close(m.data_fd);
	return 0;
}

int vt_mig_set_state(struct vt_dev *d, uint32_t state, int *data_fd)
{
	int ret = vt_mig_set_state_quiet(d, state, data_fd);

	if (ret)
		fprintf(stderr, "%s: SET MIG_DEVICE_STATE %s: %s\n", d->name,
			vt_mig_state_name(state), strerror(-ret));
	return ret;
}

int vt_mig_data_size(struct vt_dev *d, uint64_t *bytes)
{
	struct vfio_device_feature_mig_data_size m = { 0 };
	int ret;

	ret = vt_feature(d, VFIO_DEVICE_FEATURE_GET |
		      VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, &m, sizeof(m));
	if (ret) {
		fprintf(stderr, "%s: GET MIG_DATA_SIZE: %s\n", d->name,
			strerror(-ret));
		return ret;
	}
	*bytes = m.stop_copy_length;
	return 0;
}

/* read() a saving data_fd until it returns 0, appending to @out. */
int vt_mig_read_all(struct vt_dev *d, int fd, struct vt_buf *out)
{
	for (;;) {
		ssize_t n;
		int ret;

		ret = vt_buf_reserve(out, out->len + VT_MIG_READ_CHUNK);
		if (ret) {
			fprintf(stderr, "%s: stream buffer: %s\n", d->name,
				strerror(-ret));
			return ret;
		}
		n = read(fd, out->data + out->len, VT_MIG_READ_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			fprintf(stderr, "%s: read data_fd at %zu: %s\n", d->name,
				out->len, strerror(-ret));
			return ret;
		}
		if (n == 0)
			return 0;
		out->len += (size_t)n;
	}
}

/*
 * write() @len bytes to a resuming data_fd in pieces of at most @chunk
 * bytes.  *done gets the bytes accepted.  Returns 0 or the negative errno
 * of the failing write() (not printed: callers expect some failures).
 */
int vt_mig_write_all(struct vt_dev *d, int fd, const void *buf, size_t len,
		      size_t chunk, size_t *done)
{
	const uint8_t *p = buf;
	size_t off = 0;

	(void)d;
	if (!chunk)
		chunk = len;
	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;
		ssize_t w = write(fd, p + off, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (done)
				*done = off;
			return -errno;
		}
		if (w == 0) {
			if (done)
				*done = off;
			return -EIO;
		}
		off += (size_t)w;
	}
	if (done)
		*done = off;
	return 0;
}

/* STOP -> STOP_COPY, read the whole stream, STOP_COPY -> STOP. */
int vt_mig_save(struct vt_dev *d, struct vt_buf *stream)
{
	int fd, ret;

	ret = vt_mig_set_state(d, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (ret)
		return ret;
	if (fd < 0) {
		fprintf(stderr, "%s: STOP_COPY returned no data_fd\n", d->name);
		return -EPROTO;
	}
	stream->len = 0;
	ret = vt_mig_read_all(d, fd, stream);
	close(fd);
	if (ret)
		return ret;
	return vt_mig_set_state(d, VFIO_DEVICE_STATE_STOP, NULL);
}

/* STOP -> RESUMING, write the stream, RESUMING -> STOP. */
int vt_mig_load(struct vt_dev *d, const void *stream, size_t len)
{
	size_t done;
	int fd, ret;

	ret = vt_mig_set_state(d, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (ret)
		return ret;
	if (fd < 0) {
		fprintf(stderr, "%s: RESUMING returned no data_fd\n", d->name);
		return -EPROTO;
	}
	ret = vt_mig_write_all(d, fd, stream, len, VT_MIG_READ_CHUNK, &done);
	close(fd);
	if (ret) {
		fprintf(stderr, "%s: write data_fd at %zu of %zu: %s\n", d->name,
			done, len, strerror(-ret));
		return ret;
	}
	return vt_mig_set_state(d, VFIO_DEVICE_STATE_STOP, NULL);
}
