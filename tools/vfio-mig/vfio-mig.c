// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-mig - inspect and drive the VFIO migration (v2) uAPI of any
 * migratable VFIO PCI device: show its migration capabilities, save its
 * state to a file (optionally through PRE_COPY), load a saved state, and
 * get or set its migration state.
 *
 * The device is opened through its IOMMU group with a legacy type1
 * container (like the upstream vfio selftests), or, when given as
 * /dev/vfio/devices/vfioN, through the device cdev bound to /dev/iommu.
 * Run "vfio-mig --help" for usage and exit codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

/*
 * Older uAPI headers (e.g. Debian bookworm's 6.1) lack the PRE_COPY family;
 * the values below are the stable uAPI ones from include/uapi/linux/vfio.h.
 */
#ifndef VFIO_MIGRATION_PRE_COPY
#define VFIO_MIGRATION_PRE_COPY (1 << 2)
struct vfio_precopy_info {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 initial_bytes;
	__aligned_u64 dirty_bytes;
};
#define VFIO_MIG_GET_PRECOPY_INFO _IO(VFIO_TYPE, VFIO_BASE + 21)
#endif
#ifndef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
struct vfio_device_feature_mig_data_size {
	__aligned_u64 stop_copy_length;
};
#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE 9
#endif
#ifndef VFIO_PRECOPY_INFO_REINIT
#define VFIO_PRECOPY_INFO_REINIT (1 << 0)
#endif
#ifndef VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2
#define VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 12
#endif

/* Exit codes (also in usage()). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* a VFIO/migration operation failed */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_UNSUPPORTED = 3,	/* device not migratable / lacks a feature */
	EXIT_FILE = 4,		/* reading or writing the state file failed */
};

/* enum vfio_device_mig_state values (uAPI, stable). */
enum {
	ST_ERROR = 0,
	ST_STOP = 1,
	ST_RUNNING = 2,
	ST_STOP_COPY = 3,
	ST_RESUMING = 4,
	ST_RUNNING_P2P = 5,
	ST_PRE_COPY = 6,
	ST_PRE_COPY_P2P = 7,
	ST_NR = 8,
};

static const char *const state_names[ST_NR] = {
	[ST_ERROR] = "error",
	[ST_STOP] = "stop",
	[ST_RUNNING] = "running",
	[ST_STOP_COPY] = "stop_copy",
	[ST_RESUMING] = "resuming",
	[ST_RUNNING_P2P] = "running_p2p",
	[ST_PRE_COPY] = "pre_copy",
	[ST_PRE_COPY_P2P] = "pre_copy_p2p",
};

static const char *const state_upper[ST_NR] = {
	[ST_ERROR] = "ERROR",
	[ST_STOP] = "STOP",
	[ST_RUNNING] = "RUNNING",
	[ST_STOP_COPY] = "STOP_COPY",
	[ST_RESUMING] = "RESUMING",
	[ST_RUNNING_P2P] = "RUNNING_P2P",
	[ST_PRE_COPY] = "PRE_COPY",
	[ST_PRE_COPY_P2P] = "PRE_COPY_P2P",
};

#define BUF_SIZE (1u << 20)

/* One opened VFIO device. */
struct dev {
	char name[PATH_MAX];	/* BDF or cdev path, for messages */
	int container;		/* /dev/vfio/vfio or /dev/iommu, or -1 */
	int group;		/* /dev/vfio/N, or -1 (cdev) */
	int group_id;
	int fd;			/* device fd */
	uint64_t mig_flags;	/* VFIO_DEVICE_FEATURE_MIGRATION flags */
};

/* Options of save/load/state. */
struct opts {
	bool precopy;
	bool run;
	bool hold;
	bool quiet;
	uint64_t dirty_max;	/* leave PRE_COPY once dirty_bytes <= this */
	unsigned int precopy_timeout;	/* seconds in PRE_COPY at most */
};

static const char *sname(uint32_t s)
{
	return s < ST_NR ? state_upper[s] : "(unknown)";
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vfio-mig [-q] COMMAND DEVICE [ARGS]\n"
"\n"
"DEVICE is a PCI address (0000:00:05.0 or 00:05.0) of a device bound to\n"
"vfio-pci or a VFIO variant driver (opened through its IOMMU group and a\n"
"type1 container), or a VFIO device cdev /dev/vfio/devices/vfioN (opened\n"
"through /dev/iommu).\n"
"\n"
"commands:\n"
"  info DEVICE               migration flags, supported states, current\n"
"                            state, VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,\n"
"                            PRECOPY_INFOv2 and DMA logging support\n"
"  save DEVICE FILE [--precopy] [--dirty-max BYTES] [--precopy-timeout SEC]\n"
"                            save the device state to FILE.  Without\n"
"                            --precopy: RUNNING -> STOP_COPY, read to EOF.\n"
"                            With --precopy: opt in to PRECOPY_INFOv2 when\n"
"                            offered, RUNNING -> PRE_COPY, read while showing\n"
"                            initial/dirty bytes until initial is 0 and dirty\n"
"                            <= --dirty-max (default 65536) or the timeout\n"
"                            (default 30 s), then PRE_COPY_P2P (if P2P) ->\n"
"                            STOP_COPY and read to EOF.  Ends in STOP.\n"
"  load DEVICE FILE [--run] [--hold]\n"
"                            RESUMING, write FILE, -> STOP (the device\n"
"                            accepts or rejects the state here); --run then\n"
"                            goes on to RUNNING\n"
"  state DEVICE [STATE] [--hold]\n"
"                            print the state, or set it; STATE is one of\n"
"                            stop, running, stop_copy, resuming,\n"
"                            running_p2p, pre_copy, pre_copy_p2p\n"
"\n"
"  -q           no progress output\n"
"  --hold       keep the device open after the command until SIGINT or\n"
"               SIGTERM (see below)\n"
"\n"
"Note: vfio-pci resets a device when it is opened and when it is closed,\n"
"and the device stays open only while vfio-mig runs.  So every command\n"
"starts from a freshly reset device in RUNNING, a state set by 'state' or\n"
"a state loaded by 'load' lasts only until vfio-mig exits (use --hold to\n"
"keep it while you look at the device), and 'save' saves the state of the\n"
"device as vfio-mig opened it.  save and load are self-contained: each\n"
"opens the device, does the whole migration and closes it.  The state\n"
"file is the raw, opaque migration data stream of the device.\n"
"\n"
"exit codes:\n"
"  0  success\n"
"  1  a VFIO or migration operation failed (the message names the device,\n"
"     the states and the errno)\n"
"  2  bad command line\n"
"  3  the device does not support migration or the requested feature\n"
"     (e.g. save --precopy without VFIO_MIGRATION_PRE_COPY)\n"
"  4  reading or writing FILE failed\n");
}

/* ---- device opening ---- */

static int normalize_bdf(const char *in, char *out, size_t len)
{
	unsigned int dom = 0, bus, slot, fn;
	char tail;

	if (sscanf(in, "%x:%x:%x.%x%c", &dom, &bus, &slot, &fn, &tail) == 4) {
		/* domain given */
	} else if (sscanf(in, "%x:%x.%x%c", &bus, &slot, &fn, &tail) == 3) {
		dom = 0;
	} else {
		return -1;
	}
	if (dom > 0xffff || bus > 0xff || slot > 0x1f || fn > 7)
		return -1;
	snprintf(out, len, "%04x:%02x:%02x.%x", dom, bus, slot, fn);
	return 0;
}

static void dev_close(struct dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	d->fd = d->group = d->container = -1;
}

static int open_group_dev(struct dev *d, const char *bdf)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	char path[PATH_MAX], link[PATH_MAX];
	const char *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	if (access(path, F_OK)) {
		fprintf(stderr, "vfio-mig: %s: no such PCI device (%s: %s)\n",
			bdf, path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		fprintf(stderr,
			"vfio-mig: %s: no IOMMU group (%s: %s); is an IOMMU enabled?\n",
			bdf, path, strerror(errno));
		return -1;
	}
	link[n] = '\0';
	p = strrchr(link, '/');
	d->group_id = atoi(p ? p + 1 : link);
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->group_id);
	d->group = open(path, O_RDWR | O_CLOEXEC);
	if (d->group < 0) {
		fprintf(stderr,
			"vfio-mig: %s: open %s: %s (is the device bound to vfio-pci or a VFIO variant driver, and not in use?)\n",
			bdf, path, strerror(errno));
		return -1;
	}
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &gs)) {
		fprintf(stderr, "vfio-mig: %s: VFIO_GROUP_GET_STATUS: %s\n",
			bdf, strerror(errno));
		return -1;
	}
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr,
			"vfio-mig: %s: IOMMU group %d is not viable: bind every device of the group to a VFIO driver\n",
			bdf, d->group_id);
		return -1;
	}
	d->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (d->container < 0) {
		fprintf(stderr, "vfio-mig: %s: open /dev/vfio/vfio: %s\n", bdf,
			strerror(errno));
		return -1;
	}
	if (ioctl(d->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		fprintf(stderr, "vfio-mig: %s: unexpected VFIO API version\n",
			bdf);
		return -1;
	}
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container)) {
		fprintf(stderr, "vfio-mig: %s: VFIO_GROUP_SET_CONTAINER: %s\n",
			bdf, strerror(errno));
		return -1;
	}
	if (ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) &&
	    ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU)) {
		fprintf(stderr, "vfio-mig: %s: VFIO_SET_IOMMU(type1): %s\n",
			bdf, strerror(errno));
		return -1;
	}
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (d->fd < 0) {
		fprintf(stderr,
			"vfio-mig: %s: VFIO_GROUP_GET_DEVICE_FD: %s (device busy or not a VFIO device?)\n",
			bdf, strerror(errno));
		return -1;
	}
	return 0;
}

static int open_cdev(struct dev *d, const char *path)
{
#ifdef VFIO_DEVICE_BIND_IOMMUFD
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.flags = 0,
	};

	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		fprintf(stderr, "vfio-mig: open %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	d->container = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (d->container < 0) {
		fprintf(stderr, "vfio-mig: %s: open /dev/iommu: %s\n", path,
			strerror(errno));
		return -1;
	}
	bind.iommufd = d->container;
	if (ioctl(d->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		fprintf(stderr, "vfio-mig: %s: VFIO_DEVICE_BIND_IOMMUFD: %s\n",
			path, strerror(errno));
		return -1;
	}
	return 0;
#else
	(void)d;
	fprintf(stderr,
		"vfio-mig: %s: this vfio-mig was built without VFIO cdev support (old uAPI headers); give a PCI address\n",
		path);
	return -1;
#endif
}

static int feature(struct dev *d, uint32_t flags, void *data, size_t size)
{
	uint64_t buf[(sizeof(struct vfio_device_feature) + 64) / 8];
	struct vfio_device_feature *f = (struct vfio_device_feature *)buf;

	if (size > 64) {
		errno = EINVAL;
		return -1;
	}
	memset(buf, 0, sizeof(buf));
	f->argsz = sizeof(*f) + size;
	f->flags = flags;
	if (data && size)
		memcpy(f->data, data, size);
	if (ioctl(d->fd, VFIO_DEVICE_FEATURE, f))
		return -1;
	if (data && size && (flags & VFIO_DEVICE_FEATURE_GET))
		memcpy(data, f->data, size);
	return 0;
}

/*
 * Open DEVICE (BDF or cdev path) and read its migration flags.  Returns 0,
 * or an exit code after printing why.
 */
static int dev_open(struct dev *d, const char *device)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_device_feature_migration mig = { 0 };
	char bdf[32];
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = d->group = d->container = -1;
	if (!strncmp(device, "/dev/", 5)) {
		snprintf(d->name, sizeof(d->name), "%s", device);
		ret = open_cdev(d, device);
	} else {
		if (normalize_bdf(device, bdf, sizeof(bdf))) {
			fprintf(stderr,
				"vfio-mig: '%s' is neither a PCI address (DDDD:BB:DD.F) nor a /dev/vfio/devices/vfioN path\n",
				device);
			return EXIT_USAGE;
		}
		snprintf(d->name, sizeof(d->name), "%s", bdf);
		ret = open_group_dev(d, bdf);
	}
	if (ret) {
		dev_close(d);
		return EXIT_FAIL;
	}
	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &di)) {
		fprintf(stderr, "vfio-mig: %s: VFIO_DEVICE_GET_INFO: %s\n",
			d->name, strerror(errno));
		dev_close(d);
		return EXIT_FAIL;
	}
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI)) {
		fprintf(stderr, "vfio-mig: %s: not a VFIO PCI device\n",
			d->name);
		dev_close(d);
		return EXIT_UNSUPPORTED;
	}
	if (feature(d, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
		    &mig, sizeof(mig))) {
		fprintf(stderr,
			"vfio-mig: %s: VFIO_DEVICE_FEATURE_MIGRATION: %s: the device does not support migration\n",
			d->name, strerror(errno));
		dev_close(d);
		return EXIT_UNSUPPORTED;
	}
	d->mig_flags = mig.flags;
	return 0;
}

/* ---- migration state ---- */

static int get_state(struct dev *d, uint32_t *state)
{
	struct vfio_device_feature_mig_state ms = { .data_fd = -1 };

	if (feature(d, VFIO_DEVICE_FEATURE_GET |
		    VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &ms, sizeof(ms)))
		return -1;
	*state = ms.device_state;
	return 0;
}

static bool state_supported(struct dev *d, uint32_t s)
{
	uint64_t f = d->mig_flags;

	switch (s) {
	case ST_RUNNING:
	case ST_ERROR:
		return true;
	case ST_STOP:
	case ST_STOP_COPY:
	case ST_RESUMING:
		return f & VFIO_MIGRATION_STOP_COPY;
	case ST_RUNNING_P2P:
		return (f & VFIO_MIGRATION_STOP_COPY) && (f & VFIO_MIGRATION_P2P);
	case ST_PRE_COPY:
		return (f & VFIO_MIGRATION_STOP_COPY) &&
		       (f & VFIO_MIGRATION_PRE_COPY);
	case ST_PRE_COPY_P2P:
		return (f & VFIO_MIGRATION_STOP_COPY) &&
		       (f & VFIO_MIGRATION_PRE_COPY) && (f & VFIO_MIGRATION_P2P);
	}
	return false;
}

/*
 * Set the migration state; *data_fd gets the new data_fd or -1.  On failure
 * prints the device, both states, the errno and the state the device is in
 * now, and returns -1.
 */
static int set_state(struct dev *d, uint32_t from, uint32_t to, int *data_fd)
{
	struct vfio_device_feature_mig_state ms = {
		.device_state = to,
		.data_fd = -1,
	};
	uint64_t buf[(sizeof(struct vfio_device_feature) + sizeof(ms) + 7) / 8];
	struct vfio_device_feature *f = (struct vfio_device_feature *)buf;
	uint32_t now;
	int err;

	*data_fd = -1;
	memset(buf, 0, sizeof(buf));
	f->argsz = sizeof(buf);
	f->flags = VFIO_DEVICE_FEATURE_SET |
		   VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE;
	memcpy(f->data, &ms, sizeof(ms));
	if (ioctl(d->fd, VFIO_DEVICE_FEATURE, f)) {
		err = errno;
		if (get_state(d, &now))
			fprintf(stderr,
				"vfio-mig: %s: set state %s -> %s: %s (state now unknown: %s)\n",
				d->name, sname(from), sname(to), strerror(err),
				strerror(errno));
		else
			fprintf(stderr,
				"vfio-mig: %s: set state %s -> %s: %s (device now in %s)\n",
				d->name, sname(from), sname(to), strerror(err),
				sname(now));
		errno = err;
		return -1;
	}
	memcpy(&ms, f->data, sizeof(ms));
	*data_fd = ms.data_fd;
	return 0;
}

/* Set a state that must not open a new data_fd (inside a session). */
static int set_state_nofd(struct dev *d, uint32_t from, uint32_t to)
{
	int fd;

	if (set_state(d, from, to, &fd))
		return -1;
	if (fd >= 0) {
		fprintf(stderr,
			"vfio-mig: %s: warning: %s -> %s returned a new data_fd %d; closing it\n",
			d->name, sname(from), sname(to), fd);
		close(fd);
	}
	return 0;
}

static int parse_state(const char *s)
{
	int i;

	for (i = 1; i < ST_NR; i++)
		if (!strcasecmp(s, state_names[i]))
			return i;
	return -1;
}

/* ---- info ---- */

static void print_flags(uint64_t f)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} bits[] = {
		{ VFIO_MIGRATION_STOP_COPY, "STOP_COPY" },
		{ VFIO_MIGRATION_P2P, "P2P" },
		{ VFIO_MIGRATION_PRE_COPY, "PRE_COPY" },
	};
	uint64_t rest = f;
	const char *sep = "";
	size_t i;

	printf("migration-flags: 0x%" PRIx64 " (", f);
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(f & bits[i].bit))
			continue;
		printf("%s%s", sep, bits[i].name);
		sep = "|";
		rest &= ~bits[i].bit;
	}
	if (rest)
		printf("%sunknown 0x%" PRIx64, sep, rest);
	printf(")\n");
}

static void print_probe(const char *what, struct dev *d, uint32_t feat)
{
	if (!feature(d, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
		     feat, NULL, 0))
		printf("%s: supported\n", what);
	else
		printf("%s: not supported (%s)\n", what, strerror(errno));
}

static int cmd_info(struct dev *d)
{
	struct vfio_device_feature_mig_data_size ds = { 0 };
	uint32_t st;
	int i;

	printf("device: %s", d->name);
	if (d->group >= 0)
		printf(" (IOMMU group %d)", d->group_id);
	printf("\n");
	print_flags(d->mig_flags);
	printf("states:");
	for (i = 1; i < ST_NR; i++)
		if (state_supported(d, i))
			printf(" %s", state_upper[i]);
	printf("\n");
	if (get_state(d, &st)) {
		fprintf(stderr, "vfio-mig: %s: get state: %s\n", d->name,
			strerror(errno));
		return EXIT_FAIL;
	}
	printf("state: %s\n", sname(st));
	if (feature(d, VFIO_DEVICE_FEATURE_GET |
		    VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, &ds, sizeof(ds)))
		printf("mig-data-size: not supported (%s)\n", strerror(errno));
	else
		printf("mig-data-size: %llu bytes\n",
		       (unsigned long long)ds.stop_copy_length);
	print_probe("precopy-info-v2", d,
		    VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2);
	print_probe("dirty-tracking", d, VFIO_DEVICE_FEATURE_DMA_LOGGING_START);
	return EXIT_OK;
}

/* ---- save ---- */

struct save_ctx {
	struct dev *d;
	const struct opts *o;
	const char *path;
	int out;		/* output file */
	int data_fd;
	char *buf;
	uint64_t precopy_bytes;
	uint64_t stopcopy_bytes;
	bool tty;
	double last_print;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * One read() from data_fd into the file.  Returns bytes read (> 0), 0 at
 * EOF, -ENOMSG at a temporary end, or another -errno (message printed) /
 * -EXIT_FILE - 1000 for a file error.
 */
static ssize_t save_chunk(struct save_ctx *c, uint32_t state)
{
	ssize_t n;

	do {
		n = read(c->data_fd, c->buf, BUF_SIZE);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int err = errno;

		if (err != ENOMSG)
			fprintf(stderr,
				"%svfio-mig: %s: read data_fd in %s: %s\n",
				c->tty ? "\n" : "", c->d->name, sname(state),
				strerror(err));
		return -err;
	}
	if (n > 0 && write_all(c->out, c->buf, (size_t)n)) {
		fprintf(stderr, "vfio-mig: %s: write %s: %s\n", c->d->name,
			c->path, strerror(errno));
		return -EXIT_FILE - 1000;
	}
	return n;
}

static void progress(struct save_ctx *c, const struct vfio_precopy_info *pi,
		     bool force)
{
	double t = now_s();

	if (c->o->quiet)
		return;
	if (!force && t - c->last_print < (c->tty ? 0.1 : 1.0))
		return;
	c->last_print = t;
	fprintf(stderr,
		"%sprecopy: %llu bytes saved, initial_bytes %llu, dirty_bytes %llu%s",
		c->tty ? "\r" : "", (unsigned long long)c->precopy_bytes,
		(unsigned long long)pi->initial_bytes,
		(unsigned long long)pi->dirty_bytes,
		c->tty ? "\033[K" : "\n");
}

static int precopy_info(struct save_ctx *c, uint32_t state,
			struct vfio_precopy_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->argsz = sizeof(*pi);
	if (ioctl(c->data_fd, VFIO_MIG_GET_PRECOPY_INFO, pi)) {
		fprintf(stderr,
			"%svfio-mig: %s: VFIO_MIG_GET_PRECOPY_INFO in %s: %s\n",
			c->tty ? "\n" : "", c->d->name, sname(state),
			strerror(errno));
		return -1;
	}
	return 0;
}

/* The PRE_COPY phase: read until the leave condition.  Returns exit code. */
static int save_precopy(struct save_ctx *c)
{
	struct vfio_precopy_info pi;
	double start = now_s();
	bool warned_eof = false, v2 = false;
	uint64_t reinits = 0;
	ssize_t n;

	if (!feature(c->d, VFIO_DEVICE_FEATURE_SET |
		     VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2, NULL, 0))
		v2 = true;
	else if (errno != ENOTTY && errno != EINVAL && errno != EOPNOTSUPP)
		fprintf(stderr,
			"vfio-mig: %s: warning: PRECOPY_INFOv2 opt-in: %s\n",
			c->d->name, strerror(errno));
	if (!c->o->quiet)
		fprintf(stderr, "precopy: PRECOPY_INFOv2 %s\n",
			v2 ? "enabled (REINIT reported)" :
			     "not offered (flags ignored)");
	if (set_state(c->d, ST_RUNNING, ST_PRE_COPY, &c->data_fd))
		return EXIT_FAIL;
	if (c->data_fd < 0) {
		fprintf(stderr,
			"vfio-mig: %s: RUNNING -> PRE_COPY returned no data_fd\n",
			c->d->name);
		return EXIT_FAIL;
	}
	for (;;) {
		if (precopy_info(c, ST_PRE_COPY, &pi))
			return EXIT_FAIL;
		if (v2 && (pi.flags & VFIO_PRECOPY_INFO_REINIT)) {
			reinits++;
			if (!c->o->quiet)
				fprintf(stderr,
					"%sprecopy: REINIT: new initial data, initial_bytes %llu\n",
					c->tty ? "\n" : "",
					(unsigned long long)pi.initial_bytes);
		}
		progress(c, &pi, false);
		if (pi.initial_bytes == 0 && pi.dirty_bytes <= c->o->dirty_max)
			break;
		if (now_s() - start >= c->o->precopy_timeout) {
			if (!c->o->quiet)
				fprintf(stderr,
					"%sprecopy: timeout after %u s with initial_bytes %llu, dirty_bytes %llu\n",
					c->tty ? "\n" : "",
					c->o->precopy_timeout,
					(unsigned long long)pi.initial_bytes,
					(unsigned long long)pi.dirty_bytes);
			break;
		}
		n = save_chunk(c, ST_PRE_COPY);
		if (n > 0) {
			c->precopy_bytes += (uint64_t)n;
			continue;
		}
		if (n == -EXIT_FILE - 1000)
			return EXIT_FILE;
		if (n == 0 && !warned_eof) {
			fprintf(stderr,
				"vfio-mig: %s: warning: read() returned 0 in PRE_COPY (the uAPI says ENOMSG); treating it as a temporary end\n",
				c->d->name);
			warned_eof = true;
		} else if (n < 0 && n != -ENOMSG) {
			return EXIT_FAIL;
		}
		/* Temporary end of stream: wait for new precopy data. */
		{
			struct pollfd p = { .fd = c->data_fd, .events = POLLIN };

			if (poll(&p, 1, 100) < 0 && errno != EINTR) {
				fprintf(stderr, "vfio-mig: %s: poll data_fd: %s\n",
					c->d->name, strerror(errno));
				return EXIT_FAIL;
			}
		}
	}
	progress(c, &pi, true);
	if (c->tty && !c->o->quiet)
		fprintf(stderr, "\n");
	if (reinits && !c->o->quiet)
		fprintf(stderr, "precopy: %llu REINIT(s)\n",
			(unsigned long long)reinits);
	if (c->d->mig_flags & VFIO_MIGRATION_P2P) {
		if (set_state_nofd(c->d, ST_PRE_COPY, ST_PRE_COPY_P2P))
			return EXIT_FAIL;
		if (set_state_nofd(c->d, ST_PRE_COPY_P2P, ST_STOP_COPY))
			return EXIT_FAIL;
	} else if (set_state_nofd(c->d, ST_PRE_COPY, ST_STOP_COPY)) {
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int cmd_save(struct dev *d, const char *path, const struct opts *o)
{
	struct save_ctx c = {
		.d = d, .o = o, .path = path, .out = -1, .data_fd = -1,
		.tty = isatty(STDERR_FILENO),
	};
	struct vfio_device_feature_mig_data_size ds = { 0 };
	double t0, t_sc;
	uint32_t st;
	int ret = EXIT_FAIL;
	ssize_t n;

	if (!(d->mig_flags & VFIO_MIGRATION_STOP_COPY)) {
		fprintf(stderr, "vfio-mig: %s: no VFIO_MIGRATION_STOP_COPY\n",
			d->name);
		return EXIT_UNSUPPORTED;
	}
	if (o->precopy && !(d->mig_flags & VFIO_MIGRATION_PRE_COPY)) {
		fprintf(stderr,
			"vfio-mig: %s: --precopy: the device does not advertise VFIO_MIGRATION_PRE_COPY\n",
			d->name);
		return EXIT_UNSUPPORTED;
	}
	if (get_state(d, &st)) {
		fprintf(stderr, "vfio-mig: %s: get state: %s\n", d->name,
			strerror(errno));
		return EXIT_FAIL;
	}
	if (st != ST_RUNNING) {
		fprintf(stderr, "vfio-mig: %s: in %s after open, want RUNNING\n",
			d->name, sname(st));
		return EXIT_FAIL;
	}
	c.buf = malloc(BUF_SIZE);
	if (!c.buf) {
		fprintf(stderr, "vfio-mig: out of memory\n");
		return EXIT_FAIL;
	}
	c.out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c.out < 0) {
		fprintf(stderr, "vfio-mig: %s: open %s: %s\n", d->name, path,
			strerror(errno));
		ret = EXIT_FILE;
		goto out;
	}
	if (!feature(d, VFIO_DEVICE_FEATURE_GET |
		     VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, &ds, sizeof(ds)) &&
	    !o->quiet)
		fprintf(stderr, "save: %s: MIG_DATA_SIZE %llu bytes\n",
			d->name, (unsigned long long)ds.stop_copy_length);
	t0 = now_s();
	if (o->precopy) {
		ret = save_precopy(&c);
		if (ret)
			goto out;
	} else {
		if (set_state(d, ST_RUNNING, ST_STOP_COPY, &c.data_fd))
			goto out;
		if (c.data_fd < 0) {
			fprintf(stderr,
				"vfio-mig: %s: RUNNING -> STOP_COPY returned no data_fd\n",
				d->name);
			goto out;
		}
	}
	t_sc = now_s();
	for (;;) {
		n = save_chunk(&c, ST_STOP_COPY);
		if (n == 0)
			break;
		if (n == -EXIT_FILE - 1000) {
			ret = EXIT_FILE;
			goto out;
		}
		if (n < 0) {
			ret = EXIT_FAIL;
			goto out;
		}
		c.stopcopy_bytes += (uint64_t)n;
	}
	if (set_state_nofd(d, ST_STOP_COPY, ST_STOP)) {
		ret = EXIT_FAIL;
		goto out;
	}
	if (fsync(c.out) && errno != EINVAL) {
		fprintf(stderr, "vfio-mig: %s: fsync %s: %s\n", d->name, path,
			strerror(errno));
		ret = EXIT_FILE;
		goto out;
	}
	if (!o->quiet)
		printf("saved %s to %s: %llu bytes (precopy %llu, stop-copy %llu); stop-copy %.1f ms, total %.1f ms\n",
		       d->name, path,
		       (unsigned long long)(c.precopy_bytes + c.stopcopy_bytes),
		       (unsigned long long)c.precopy_bytes,
		       (unsigned long long)c.stopcopy_bytes,
		       (now_s() - t_sc) * 1e3, (now_s() - t0) * 1e3);
	ret = EXIT_OK;
out:
	if (c.data_fd >= 0)
		close(c.data_fd);
	if (c.out >= 0 && close(c.out) && ret == EXIT_OK) {
		fprintf(stderr, "vfio-mig: close %s: %s\n", path,
			strerror(errno));
		ret = EXIT_FILE;
	}
	free(c.buf);
	return ret;
}

/* ---- load ---- */

static void hold(struct dev *d, const struct opts *o)
{
	sigset_t set;
	int sig;

	if (!o->hold)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fprintf(stderr,
		"vfio-mig: %s: holding the device open (pid %ld); SIGINT or SIGTERM closes it\n",
		d->name, (long)getpid());
	sigwait(&set, &sig);
}

static int cmd_load(struct dev *d, const char *path, const struct opts *o)
{
	char *buf = NULL;
	int in, data_fd = -1, ret = EXIT_FAIL;
	uint64_t total = 0;
	uint32_t st;
	double t0;
	ssize_t n;

	if (!(d->mig_flags & VFIO_MIGRATION_STOP_COPY)) {
		fprintf(stderr, "vfio-mig: %s: no VFIO_MIGRATION_STOP_COPY\n",
			d->name);
		return EXIT_UNSUPPORTED;
	}
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "vfio-mig: %s: open %s: %s\n", d->name, path,
			strerror(errno));
		return EXIT_FILE;
	}
	buf = malloc(BUF_SIZE);
	if (!buf) {
		fprintf(stderr, "vfio-mig: out of memory\n");
		goto out;
	}
	if (get_state(d, &st)) {
		fprintf(stderr, "vfio-mig: %s: get state: %s\n", d->name,
			strerror(errno));
		goto out;
	}
	t0 = now_s();
	if (set_state(d, st, ST_RESUMING, &data_fd))
		goto out;
	if (data_fd < 0) {
		fprintf(stderr,
			"vfio-mig: %s: %s -> RESUMING returned no data_fd\n",
			d->name, sname(st));
		goto out;
	}
	for (;;) {
		n = read(in, buf, BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "vfio-mig: %s: read %s: %s\n", d->name,
				path, strerror(errno));
			ret = EXIT_FILE;
			goto out;
		}
		if (n == 0)
			break;
		if (write_all(data_fd, buf, (size_t)n)) {
			fprintf(stderr,
				"vfio-mig: %s: write data_fd in RESUMING at stream offset %llu: %s\n",
				d->name, (unsigned long long)total,
				strerror(errno));
			goto out;
		}
		total += (uint64_t)n;
	}
	if (set_state_nofd(d, ST_RESUMING, ST_STOP))
		goto out;
	close(data_fd);
	data_fd = -1;
	if (o->run && set_state_nofd(d, ST_STOP, ST_RUNNING))
		goto out;
	if (!o->quiet)
		printf("loaded %s from %s: %llu bytes in %.1f ms, device in %s\n",
		       d->name, path, (unsigned long long)total,
		       (now_s() - t0) * 1e3, o->run ? "RUNNING" : "STOP");
	ret = EXIT_OK;
	hold(d, o);
out:
	if (data_fd >= 0)
		close(data_fd);
	close(in);
	free(buf);
	return ret;
}

/* ---- state ---- */

static int cmd_state(struct dev *d, const char *name, const struct opts *o)
{
	uint32_t cur;
	int to, fd;

	if (get_state(d, &cur)) {
		fprintf(stderr, "vfio-mig: %s: get state: %s\n", d->name,
			strerror(errno));
		return EXIT_FAIL;
	}
	if (!name) {
		printf("%s\n", sname(cur));
		hold(d, o);
		return EXIT_OK;
	}
	to = parse_state(name);
	if (to < 0) {
		fprintf(stderr,
			"vfio-mig: unknown state '%s' (want stop, running, stop_copy, resuming, running_p2p, pre_copy or pre_copy_p2p)\n",
			name);
		return EXIT_USAGE;
	}
	if (!state_supported(d, (uint32_t)to)) {
		fprintf(stderr,
			"vfio-mig: %s: state %s is not supported (migration flags 0x%llx)\n",
			d->name, sname((uint32_t)to),
			(unsigned long long)d->mig_flags);
		return EXIT_UNSUPPORTED;
	}
	if (set_state(d, cur, (uint32_t)to, &fd))
		return EXIT_FAIL;
	printf("%s -> %s%s\n", sname(cur), sname((uint32_t)to),
	       fd >= 0 ? " (data_fd opened)" : "");
	hold(d, o);
	if (fd >= 0)
		close(fd);
	return EXIT_OK;
}

/* ---- main ---- */

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return -1;
	*v = x;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .dirty_max = 65536, .precopy_timeout = 30 };
	const char *pos[3] = { NULL, NULL, NULL };
	int npos = 0, i, ret;
	const char *cmd;
	struct dev d;
	uint64_t v;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o.quiet = true;
		} else if (!strcmp(a, "--precopy")) {
			o.precopy = true;
		} else if (!strcmp(a, "--run")) {
			o.run = true;
		} else if (!strcmp(a, "--hold")) {
			o.hold = true;
		} else if (!strcmp(a, "--dirty-max") ||
			   !strcmp(a, "--precopy-timeout")) {
			if (i + 1 >= argc || parse_u64(argv[i + 1], &v) ||
			    (a[2] == 'p' && (v == 0 || v > 86400))) {
				fprintf(stderr, "vfio-mig: %s needs a number%s\n",
					a, a[2] == 'p' ? " of seconds (1..86400)" : "");
				return EXIT_USAGE;
			}
			if (a[2] == 'd')
				o.dirty_max = v;
			else
				o.precopy_timeout = (unsigned int)v;
			i++;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "vfio-mig: unknown option '%s'\n", a);
			usage(stderr);
			return EXIT_USAGE;
		} else if (npos < 3) {
			pos[npos++] = a;
		} else {
			fprintf(stderr, "vfio-mig: too many arguments\n");
			return EXIT_USAGE;
		}
	}
	if (npos < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = pos[0];
	if ((!strcmp(cmd, "info") && npos != 2) ||
	    ((!strcmp(cmd, "save") || !strcmp(cmd, "load")) && npos != 3) ||
	    (o.precopy && strcmp(cmd, "save")) ||
	    (o.run && strcmp(cmd, "load")) ||
	    (o.hold && strcmp(cmd, "load") && strcmp(cmd, "state"))) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "info") && strcmp(cmd, "save") &&
	    strcmp(cmd, "load") && strcmp(cmd, "state")) {
		fprintf(stderr, "vfio-mig: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "state") && pos[2] && parse_state(pos[2]) < 0) {
		fprintf(stderr,
			"vfio-mig: unknown state '%s' (want stop, running, stop_copy, resuming, running_p2p, pre_copy or pre_copy_p2p)\n",
			pos[2]);
		return EXIT_USAGE;
	}
	ret = dev_open(&d, pos[1]);
	if (ret)
		return ret;
	if (!strcmp(cmd, "info"))
		ret = cmd_info(&d);
	else if (!strcmp(cmd, "save"))
		ret = cmd_save(&d, pos[2], &o);
	else if (!strcmp(cmd, "load"))
		ret = cmd_load(&d, pos[2], &o);
	else
		ret = cmd_state(&d, pos[2], &o);
	dev_close(&d);
	return ret;
}
