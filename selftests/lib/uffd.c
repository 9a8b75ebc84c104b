// SPDX-License-Identifier: GPL-2.0
/*
 * A user buffer whose first touch blocks: anonymous memory registered
 * with userfaultfd (missing-page mode).  A thread that read()s a data_fd
 * into it stops inside the driver's copy_to_user(), holding whatever the
 * driver holds there, until the test resolves the fault.  This turns
 * "while a read is in progress" into a deterministic point.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/userfaultfd.h>

#include "mvf_test.h"

int mvf_uffd_open(struct mvf_uffd *u, size_t size)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	int ret;

	memset(u, 0, sizeof(*u));
	u->fd = -1;
	u->size = size;
	u->area = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->area == MAP_FAILED) {
		ret = -errno;
		u->area = NULL;
		fprintf(stderr, "uffd: mmap %zu bytes: %s\n", size,
			strerror(-ret));
		return ret;
	}
	u->fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (u->fd < 0) {
		ret = -errno;
		fprintf(stderr, "uffd: userfaultfd(): %s\n", strerror(-ret));
		goto fail;
	}
	if (ioctl(u->fd, UFFDIO_API, &api)) {
		ret = -errno;
		fprintf(stderr, "uffd: UFFDIO_API: %s\n", strerror(-ret));
		goto fail;
	}
	reg.range.start = (uintptr_t)u->area;
	reg.range.len = size;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(u->fd, UFFDIO_REGISTER, &reg)) {
		ret = -errno;
		fprintf(stderr, "uffd: UFFDIO_REGISTER: %s\n", strerror(-ret));
		goto fail;
	}
	u->registered = true;
	return 0;
fail:
	mvf_uffd_close(u);
	return ret;
}

/*
 * Wait up to @timeout_ms for a thread to fault on the area; on success
 * *@addr is the faulting address.  Returns 0, -ETIMEDOUT or -errno.
 */
int mvf_uffd_wait_fault(struct mvf_uffd *u, int timeout_ms, uint64_t *addr)
{
	struct pollfd pfd = { .fd = u->fd, .events = POLLIN };
	struct uffd_msg msg;
	ssize_t n;
	int r;

	r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (!r) {
		fprintf(stderr, "uffd: no fault within %d ms\n", timeout_ms);
		return -ETIMEDOUT;
	}
	n = read(u->fd, &msg, sizeof(msg));
	if (n != (ssize_t)sizeof(msg)) {
		r = n < 0 ? -errno : -EIO;
		fprintf(stderr, "uffd: read msg: %s\n", strerror(-r));
		return r;
	}
	if (msg.event != UFFD_EVENT_PAGEFAULT) {
		fprintf(stderr, "uffd: unexpected event %u\n", msg.event);
		return -EIO;
	}
	*addr = msg.arg.pagefault.address;
	return 0;
}

/*
 * Let every faulting thread go on: unregister the area (which wakes the
 * waiters); from now on it is plain anonymous memory.
 */
int mvf_uffd_release(struct mvf_uffd *u)
{
	struct uffdio_range range = {
		.start = (uintptr_t)u->area, .len = u->size,
	};

	if (!u->registered)
		return 0;
	if (ioctl(u->fd, UFFDIO_UNREGISTER, &range)) {
		int ret = -errno;

		fprintf(stderr, "uffd: UFFDIO_UNREGISTER: %s\n", strerror(-ret));
		return ret;
	}
	u->registered = false;
	return 0;
}

void mvf_uffd_close(struct mvf_uffd *u)
{
	mvf_uffd_release(u);
	if (u->fd >= 0)
		close(u->fd);
	if (u->area)
		munmap(u->area, u->size);
	u->fd = -1;
	u->area = NULL;
}
