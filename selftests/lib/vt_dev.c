// SPDX-License-Identifier: GPL-2.0
/*
 * Select, open, reset and close any VFIO device.  A device is named the
 * way the kernel names it: a PCI BDF (/sys/bus/pci/devices/<BDF>), an mdev
 * UUID (/sys/bus/mdev/devices/<UUID>), or its sysfs directory.  It is
 * opened through its IOMMU group (VT_GROUP) or its cdev (VT_CDEV); no
 * region, bus or capability is required of it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio_test.h"

bool vt_is_bdf(const char *s)
{
	unsigned int dom, bus, dev, fn;
	int n = 0;

	if (sscanf(s, "%4x:%2x:%2x.%1x%n", &dom, &bus, &dev, &fn, &n) != 4)
		return false;
	return (size_t)n == strlen(s) && dev < 32 && fn < 8;
}

/* 8-4-4-4-12 hex digits, as mdev names its devices. */
bool vt_is_uuid(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	}
	return true;
}

/**
 * vt_dev_resolve() - find the sysfs directory and kernel name of a device
 * @spec: a PCI BDF, an mdev UUID, or a sysfs path (absolute)
 * @sysfs: the resolved directory (symlinks followed)
 * @name: its basename: the name VFIO_GROUP_GET_DEVICE_FD takes
 *
 * Return: 0, -EINVAL if @spec is none of the three, -ENAMETOOLONG, or the
 * negative errno of realpath() (-ENOENT: no such device).
 */
int vt_dev_resolve(const char *spec, char sysfs[VT_PATH_LEN],
		   char name[VT_NAME_LEN])
{
	char path[PATH_MAX], real[PATH_MAX];
	const char *base;
	int ret;

	if (vt_is_bdf(spec)) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", spec);
	} else if (vt_is_uuid(spec)) {
		snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", spec);
	} else if (spec[0] == '/') {
		snprintf(path, sizeof(path), "%s", spec);
	} else {
		fprintf(stderr, "%s: not a PCI BDF, an mdev UUID or a sysfs path\n",
			spec);
		return -EINVAL;
	}
	if (!realpath(path, real)) {
		ret = -errno;
		fprintf(stderr, "%s: %s: %s\n", spec, path, strerror(-ret));
		return ret;
	}
	base = strrchr(real, '/');
	base = base ? base + 1 : real;
	if (strlen(real) >= VT_PATH_LEN || strlen(base) >= VT_NAME_LEN ||
	    !*base) {
		fprintf(stderr, "%s: %s: name too long\n", spec, real);
		return -ENAMETOOLONG;
	}
	snprintf(sysfs, VT_PATH_LEN, "%s", real);
	snprintf(name, VT_NAME_LEN, "%s", base);
	return 0;
}

/**
 * vt_sysfs_iommu_group() - the IOMMU group number of a device
 * @sysfs: its sysfs directory
 *
 * Return: the group number, or the negative errno of readlink() of
 * @sysfs/iommu_group (-ENOENT: the device has no group).
 */
int vt_sysfs_iommu_group(const char *sysfs)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/iommu_group", sysfs);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		int ret = -errno;

		fprintf(stderr, "readlink %s: %s\n", path, strerror(-ret));
		return ret;
	}
	link[n] = 0;
	base = strrchr(link, '/');
	return atoi(base ? base + 1 : link);
}

/**
 * vt_dev_cdev() - the device's VFIO cdev, /dev/vfio/devices/vfioN (quiet)
 * @sysfs: its sysfs directory
 * @path: filled with the cdev path
 * @len: bytes at @path
 *
 * Return: 0, or -ENOENT when the device has no cdev (a kernel without
 * CONFIG_VFIO_DEVICE_CDEV, or a device not bound to a VFIO driver).
 */
int vt_dev_cdev(const char *sysfs, char *path, size_t len)
{
	char dir[PATH_MAX];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/vfio-dev", sysfs);
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "vfio", 4) || !de->d_name[4])
			continue;
		snprintf(path, len, "/dev/vfio/devices/%s", de->d_name);
		ret = access(path, F_OK) ? -ENOENT : 0;
		break;
	}
	closedir(d);
	return ret;
}

static int open_group(struct vt_iommu *v, struct vt_dev *d)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	char path[64];
	int ret;

	d->group_id = vt_sysfs_iommu_group(d->sysfs);
	if (d->group_id < 0)
		return d->group_id;
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->group_id);
	d->group = open(path, O_RDWR | O_CLOEXEC);
	if (d->group < 0) {
		ret = -errno;
		fprintf(stderr, "%s: open %s: %s\n", d->name, path,
			strerror(-ret));
		return ret;
	}
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &gs)) {
		ret = -errno;
		fprintf(stderr, "%s: VFIO_GROUP_GET_STATUS: %s\n", d->name,
			strerror(-ret));
		return ret;
	}
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "%s: group %d is not viable\n", d->name,
			d->group_id);
		return -EBUSY;
	}
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &v->container)) {
		ret = -errno;
		fprintf(stderr, "%s: VFIO_GROUP_SET_CONTAINER: %s\n", d->name,
			strerror(-ret));
		return ret;
	}
	if (!v->iommu_set) {
		if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
			ret = -errno;
			fprintf(stderr, "%s: VFIO_SET_IOMMU(TYPE1v2): %s\n",
				d->name, strerror(-ret));
			return ret;
		}
		v->iommu_set = true;
	}
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->name);
	if (d->fd < 0) {
		ret = -errno;
		fprintf(stderr, "%s: VFIO_GROUP_GET_DEVICE_FD: %s\n", d->name,
			strerror(-ret));
		return ret;
	}
	return 0;
}

static int open_cdev(struct vt_iommu *v, struct vt_dev *d)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = v->iommufd,
	};
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = v->ioas_id,
	};
	char path[PATH_MAX];
	int ret;

	ret = vt_dev_cdev(d->sysfs, path, sizeof(path));
	if (ret) {
		fprintf(stderr, "%s: no VFIO cdev under %s/vfio-dev\n",
			d->name, d->sysfs);
		return ret;
	}
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		ret = -errno;
		fprintf(stderr, "%s: open %s: %s\n", d->name, path,
			strerror(-ret));
		return ret;
	}
	if (ioctl(d->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		ret = -errno;
		fprintf(stderr, "%s: VFIO_DEVICE_BIND_IOMMUFD: %s\n", d->name,
			strerror(-ret));
		return ret;
	}
	if (ioctl(d->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach)) {
		ret = -errno;
		fprintf(stderr, "%s: VFIO_DEVICE_ATTACH_IOMMUFD_PT(IOAS %u): %s\n",
			d->name, v->ioas_id, strerror(-ret));
		return ret;
	}
	return 0;
}

/**
 * vt_dev_open() - open a VFIO device in @v's address space
 * @v: from vt_iommu_init(); its backend decides group or cdev
 * @d: filled in (closed again on failure)
 * @spec: PCI BDF, mdev UUID or sysfs path (vt_dev_resolve())
 *
 * Only VFIO_DEVICE_GET_INFO is asked of the device; its answer is kept in
 * @d->info.
 *
 * Return: 0, or the negative errno of the step that failed (printed);
 * -EBUSY: the group is not viable.
 */
int vt_dev_open(struct vt_iommu *v, struct vt_dev *d, const char *spec)
{
	int ret;

	memset(d, 0, sizeof(*d));
	d->iommu = v;
	d->group_id = -1;
	d->group = -1;
	d->fd = -1;
	ret = vt_dev_resolve(spec, d->sysfs, d->name);
	if (ret)
		return ret;
	ret = v->backend == VT_CDEV ? open_cdev(v, d) : open_group(v, d);
	if (ret)
		goto err;
	d->info.argsz = sizeof(d->info);
	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &d->info)) {
		ret = -errno;
		fprintf(stderr, "%s: VFIO_DEVICE_GET_INFO: %s\n", d->name,
			strerror(-ret));
		goto err;
	}
	return 0;
err:
	vt_dev_close(d);
	return ret;
}

/**
 * vt_dev_close() - close the device fd and its group
 * @d: opened or partly opened by vt_dev_open()
 */
void vt_dev_close(struct vt_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->group >= 0)
		close(d->group);
	d->group = -1;
}

/**
 * vt_dev_reset() - VFIO_DEVICE_RESET
 * @d: the device
 *
 * Return: 0 or the negative errno of the ioctl (printed).
 */
int vt_dev_reset(struct vt_dev *d)
{
	if (ioctl(d->fd, VFIO_DEVICE_RESET)) {
		int ret = -errno;

		fprintf(stderr, "%s: VFIO_DEVICE_RESET: %s\n", d->name,
			strerror(-ret));
		return ret;
	}
	return 0;
}

/**
 * vt_dev_region() - VFIO_DEVICE_GET_REGION_INFO of region @index
 * @d: the device
 * @index: region index (e.g. VFIO_PCI_BAR0_REGION_INDEX)
 * @ri: filled in (argsz sizeof(*ri): capabilities are not read)
 *
 * Return: 0 or the negative errno of the ioctl (printed).
 */
int vt_dev_region(struct vt_dev *d, uint32_t index,
		  struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, ri)) {
		int ret = -errno;

		fprintf(stderr, "%s: VFIO_DEVICE_GET_REGION_INFO(%u): %s\n",
			d->name, index, strerror(-ret));
		return ret;
	}
	return 0;
}

/**
 * vt_dev_msix_enable() - route MSI-X vectors 0..@nvec-1 to new eventfds
 * @d: a VFIO PCI device
 * @nvec: vectors, at most 8
 * @efds: the @nvec eventfds (non-blocking), closed again on failure
 *
 * Return: 0, -EINVAL for @nvec > 8, or the negative errno of eventfd()
 * or VFIO_DEVICE_SET_IRQS.
 */
int vt_dev_msix_enable(struct vt_dev *d, unsigned int nvec, int *efds)
{
	union {
		struct vfio_irq_set s;
		uint8_t raw[sizeof(struct vfio_irq_set) + 8 * sizeof(int)];
	} u;
	unsigned int i;
	int ret;

	if (nvec > 8)
		return -EINVAL;
	for (i = 0; i < nvec; i++)
		efds[i] = -1;
	for (i = 0; i < nvec; i++) {
		efds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (efds[i] < 0) {
			ret = -errno;
			goto err;
		}
	}
	memset(&u, 0, sizeof(u));
	u.s.argsz = sizeof(u.s) + nvec * sizeof(int);
	u.s.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	u.s.index = VFIO_PCI_MSIX_IRQ_INDEX;
	u.s.start = 0;
	u.s.count = nvec;
	memcpy(u.s.data, efds, nvec * sizeof(int));
	if (ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &u.s)) {
		ret = -errno;
		fprintf(stderr, "%s: VFIO_DEVICE_SET_IRQS(MSI-X, %u): %s\n",
			d->name, nvec, strerror(-ret));
		goto err;
	}
	return 0;
err:
	for (i = 0; i < nvec; i++)
		if (efds[i] >= 0)
			close(efds[i]);
	return ret;
}

/**
 * vt_eventfd_wait() - wait for an eventfd
 * @efd: a non-blocking eventfd
 * @timeout_ms: poll() timeout
 *
 * Return: the count read (> 0), 0 on timeout, or a negative errno.
 */
int64_t vt_eventfd_wait(int efd, int timeout_ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	uint64_t cnt;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return 0;
	if (read(efd, &cnt, sizeof(cnt)) != sizeof(cnt))
		return errno == EAGAIN ? 0 : -errno;
	return (int64_t)cnt;
}
