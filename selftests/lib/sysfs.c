// SPDX-License-Identifier: GPL-2.0
/*
 * mvf's device selection: BDFs from the command line (trailing
 * arguments, as upstream vfio selftests), else from MVF_VF0_BDF and
 * MVF_VF1_BDF, else the functions 1dea:0002 ordered by the vf_index of
 * their vendor capability.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mvf_test.h"

#define PCI_DEVICES	"/sys/bus/pci/devices"

/* Copy a BDF already checked by vt_is_bdf() (12 characters). */
static void bdf_copy(char dst[MVF_BDF_LEN], const char *src)
{
	size_t n = strnlen(src, MVF_BDF_LEN - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

/* Name of the driver bound to @bdf, "" if none.  Returns 0 or -errno. */
int mvf_sysfs_driver(const char *bdf, char *name, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		if (errno == ENOENT) {
			snprintf(name, len, "%s", "");
			return 0;
		}
		return -errno;
	}
	link[n] = 0;
	base = strrchr(link, '/');
	snprintf(name, len, "%s", base ? base + 1 : link);
	return 0;
}

static int read_hex(const char *bdf, const char *attr, unsigned int *val)
{
	char path[PATH_MAX];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fscanf(f, "%x", val) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

/*
 * VF index from the vendor capability in config space, or -ENOENT.
 * Needs root for config space beyond 64 bytes.
 */
static int vcap_vf_index(const char *bdf)
{
	uint8_t cfg[256];
	char path[PATH_MAX];
	unsigned int pos, guard = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (n != sizeof(cfg))
		return -EIO;
	if (!(cfg[0x06] & 0x10))	/* PCI_STATUS_CAP_LIST */
		return -ENOENT;
	for (pos = cfg[0x34] & ~3u; pos && pos < 0xfc && guard++ < 48;
	     pos = cfg[pos + 1] & ~3u) {
		if (cfg[pos] != 0x09)	/* PCI_CAP_ID_VNDR */
			continue;
		if (pos + MVF_VCAP_VERSION + 4 > sizeof(cfg))
			break;
		if (cfg[pos + MVF_VCAP_TYPE] == MVF_VCAP_TYPE_LINK &&
		    cfg[pos + MVF_VCAP_ROLE] == MVF_VCAP_ROLE_VF)
			return cfg[pos + MVF_VCAP_VF_INDEX];
	}
	return -ENOENT;
}

/*
 * Find functions 1dea:@device.  For VFs the result is ordered by vf_index
 * (slot i holds VF i when every index is below @max); otherwise in
 * directory order.  Returns how many were found.
 */
int mvf_sysfs_find(uint16_t device, char bdfs[][MVF_BDF_LEN], int max)
{
	struct dirent *de;
	int found = 0, i;
	DIR *dir;

	for (i = 0; i < max; i++)
		bdfs[i][0] = 0;
	dir = opendir(PCI_DEVICES);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		unsigned int ven, dev;
		int idx;

		if (!vt_is_bdf(de->d_name))
			continue;
		if (read_hex(de->d_name, "vendor", &ven) ||
		    read_hex(de->d_name, "device", &dev))
			continue;
		if (ven != MVF_PCI_VENDOR_ID || dev != device)
			continue;
		idx = -1;
		if (device == MVF_PCI_DEVICE_VF)
			idx = vcap_vf_index(de->d_name);
		if (idx < 0 || idx >= max || bdfs[idx][0]) {
			for (idx = 0; idx < max && bdfs[idx][0]; idx++)
				;
			if (idx == max)
				continue;
		}
		bdf_copy(bdfs[idx], de->d_name);
		found++;
	}
	closedir(dir);
	return found;
}

/*
 * Pick VF0 and VF1: the last two arguments if they are BDFs (removed from
 * argv so the harness does not see them), else MVF_VF0_BDF/MVF_VF1_BDF,
 * else sysfs discovery.  Returns 0 or -ENODEV (printed).
 */
int mvf_select_vfs(int *argc, char **argv, char vf0[MVF_BDF_LEN],
		   char vf1[MVF_BDF_LEN])
{
	char found[MVF_MAX_VFS][MVF_BDF_LEN];
	const char *e0, *e1;

	if (*argc >= 3 && vt_is_bdf(argv[*argc - 2]) &&
	    vt_is_bdf(argv[*argc - 1])) {
		bdf_copy(vf0, argv[*argc - 2]);
		bdf_copy(vf1, argv[*argc - 1]);
		*argc -= 2;
		argv[*argc] = NULL;
		return 0;
	}
	e0 = getenv("MVF_VF0_BDF");
	e1 = getenv("MVF_VF1_BDF");
	if (e0 && e1) {
		if (!vt_is_bdf(e0) || !vt_is_bdf(e1)) {
			fprintf(stderr, "invalid MVF_VF0_BDF/MVF_VF1_BDF: %s %s\n",
				e0, e1);
			return -EINVAL;
		}
		bdf_copy(vf0, e0);
		bdf_copy(vf1, e1);
		return 0;
	}
	if (mvf_sysfs_find(MVF_PCI_DEVICE_VF, found, MVF_MAX_VFS) >= 2 &&
	    found[0][0] && found[1][0]) {
		bdf_copy(vf0, found[0]);
		bdf_copy(vf1, found[1]);
		return 0;
	}
	fprintf(stderr,
		"no two mvf VFs (%04x:%04x): pass 'VF0-BDF VF1-BDF' as the last arguments or set MVF_VF0_BDF and MVF_VF1_BDF\n",
		MVF_PCI_VENDOR_ID, MVF_PCI_DEVICE_VF);
	return -ENODEV;
}

/*
 * Write @val to the sysfs or debugfs file @path (one write()).  Returns 0,
 * -EIO for a short write, or the -errno of open()/write() (unprinted: a
 * refused write is what some tests expect).
 */
int mvf_sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/*
 * Write @val to mvf_core's debugfs file @file of PF @pf
 * (<debugfs>/mvf_core/<PF BDF>/@file: reset_queues, events_paused).
 * Returns as mvf_sysfs_write().
 */
int mvf_pf_debugfs_write(const char *pf, const char *file, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/kernel/debug/mvf_core/%s/%s", pf,
		 file);
	return mvf_sysfs_write(path, val);
}

/* Is @bdf bound to the driver named @want? */
bool mvf_sysfs_driver_is(const char *bdf, const char *want)
{
	char drv[64];

	return !mvf_sysfs_driver(bdf, drv, sizeof(drv)) && !strcmp(drv, want);
}

/* Bind PF @pf to mvf_core unless it is bound already.  0 or -errno. */
int mvf_pf_bind(const char *pf)
{
	if (mvf_sysfs_driver_is(pf, "mvf_core"))
		return 0;
	return mvf_sysfs_write("/sys/bus/pci/drivers/mvf_core/bind", pf);
}
