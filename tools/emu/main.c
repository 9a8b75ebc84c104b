// SPDX-License-Identifier: GPL-2.0
/*
 * mvf-emu: command line, sockets, and the single-threaded poll() loop.
 *
 *   mvf-emu --socket-dir DIR [--vfs N] [--devmem-mib M[,M...]] [--serial HEX]
 *           [--dirty-budget-kib K] [--dirty-fault PLAN] [-v]
 *
 * Serves the PF on DIR/pf.sock and VF i on DIR/vf<i>.sock, one vfio-user
 * client per socket at a time, and creates DIR/ready once all sockets
 * listen.  SIGTERM/SIGINT: clean exit 0.  Bad options: exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "device.h"
#include "log.h"
#include "vfu.h"

#define EXIT_USAGE	2

struct opts {
	const char *dir;
	unsigned int vfs;
	unsigned int devmem_mib[DEV_MAX_VFS];	/* per VF */
	unsigned int nr_devmem;			/* sizes given */
	uint64_t serial;
	struct dirty_cfg dirty;
	unsigned int slow_chunk_ms;		/* TEST ONLY */
	bool verbose;
};

struct server {
	struct func *fn;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int lfd;		/* listening socket */
	int cfd;		/* the client, or -1 */
	struct vfu_conn conn;
};

struct emu {
	struct opts o;
	struct mvf_dev dev;
	struct server *srv;
	unsigned int nr_srv;
	int sfd;		/* signalfd for SIGTERM/SIGINT */
	char ready[PATH_MAX];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mvf-emu --socket-dir DIR [--vfs N] [--devmem-mib M[,M...]] [--serial HEX]\n"
		"               [--dirty-budget-kib K] [--dirty-fault PLAN] [--slow-chunks MS] [-v]\n"
		"  --socket-dir DIR  create DIR/pf.sock, DIR/vf0.sock, ... and DIR/ready\n"
		"  --vfs N           number of VFs, 0..%u (default 2)\n"
		"  --devmem-mib M[,M...]  device memory per VF in MiB, 1..4096 (default 64):\n"
		"                    VF i gets the i-th size, the last also the VFs after it\n"
		"  --serial HEX      PF serial number (default 0x6d7666000001)\n"
		"  --dirty-budget-kib K  memory of each VF's dirty tracker in KiB, 0..%u\n"
		"                    (default %llu); running out fails the tracker\n"
		"  --dirty-fault PLAN  TEST ONLY, a broken dirty tracker: 'drop' never logs\n"
		"                    descriptor data writes (ring entries still logged),\n"
		"                    'drop-every=N' loses every Nth logged page\n"
		"  --slow-chunks MS  TEST ONLY: every SAVE_CHUNK/LOAD_CHUNK completes MS ms\n"
		"                    (1..%u) after it reaches the queue head, in order\n"
		"  -v, --verbose     log every admin command and vfio-user error\n",
		DEV_MAX_VFS, DIRTY_BUDGET_KIB_MAX,
		(unsigned long long)(DIRTY_BUDGET_DEFAULT >> 10), SLOW_MAX_MS);
}

static bool parse_u64(const char *s, int base, uint64_t min, uint64_t max,
		      uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/*
 * --devmem-mib M[,M...]: VF i gets the i-th size, the last one given also
 * every VF after it.  Each 1..4096.
 */
static int parse_devmem(const char *arg, struct opts *o)
{
	char buf[16 * DEV_MAX_VFS], *tok, *save = NULL;
	unsigned int n = 0;
	uint64_t v;

	if (strlen(arg) >= sizeof(buf) || arg[0] == ',' || strstr(arg, ",,"))
		goto bad;
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == DEV_MAX_VFS || !parse_u64(tok, 10, 1, 4096, &v))
			goto bad;
		o->devmem_mib[n++] = (unsigned int)v;
	}
	if (!n || arg[strlen(arg) - 1] == ',')
		goto bad;
	o->nr_devmem = n;
	return 0;
bad:
	fprintf(stderr, "mvf-emu: --devmem-mib: '%s' is not a list of up to %u numbers in 1..4096\n",
		arg, DEV_MAX_VFS);
	return -1;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "socket-dir", required_argument, NULL, 'd' },
		{ "vfs", required_argument, NULL, 'n' },
		{ "devmem-mib", required_argument, NULL, 'm' },
		{ "serial", required_argument, NULL, 's' },
		{ "dirty-budget-kib", required_argument, NULL, 'b' },
		{ "dirty-fault", required_argument, NULL, 'f' },
		{ "slow-chunks", required_argument, NULL, 'w' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	o->dir = NULL;
	o->vfs = 2;
	o->devmem_mib[0] = 64;
	o->nr_devmem = 1;
	o->serial = 0x6d7666000001ull;
	memset(&o->dirty, 0, sizeof(o->dirty));
	o->dirty.budget = DIRTY_BUDGET_DEFAULT;
	o->slow_chunk_ms = 0;
	o->verbose = false;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dir = optarg;
			break;
		case 'n':
			if (!parse_u64(optarg, 10, 0, DEV_MAX_VFS, &v)) {
				fprintf(stderr, "mvf-emu: --vfs: '%s' is not a number in 0..%u\n",
					optarg, DEV_MAX_VFS);
				return -1;
			}
			o->vfs = (unsigned int)v;
			break;
		case 'm':
			if (parse_devmem(optarg, o))
				return -1;
			break;
		case 's':
			if (!parse_u64(optarg, 16, 0, UINT64_MAX, &v)) {
				fprintf(stderr, "mvf-emu: --serial: '%s' is not a hexadecimal number\n",
					optarg);
				return -1;
			}
			o->serial = v;
			break;
		case 'b':
			if (!parse_u64(optarg, 10, 0, DIRTY_BUDGET_KIB_MAX, &v)) {
				fprintf(stderr, "mvf-emu: --dirty-budget-kib: '%s' is not a number in 0..%u\n",
					optarg, DIRTY_BUDGET_KIB_MAX);
				return -1;
			}
			o->dirty.budget = v << 10;
			break;
		case 'f':
			if (dirty_fault_parse(optarg, &o->dirty.fault)) {
				fprintf(stderr, "mvf-emu: --dirty-fault: '%s' is not 'drop' or 'drop-every=N' (N 1..2^32)\n",
					optarg);
				return -1;
			}
			break;
		case 'w':
			if (!parse_u64(optarg, 10, 1, SLOW_MAX_MS, &v)) {
				fprintf(stderr, "mvf-emu: --slow-chunks: '%s' is not a number in 1..%u\n",
					optarg, SLOW_MAX_MS);
				return -1;
			}
			o->slow_chunk_ms = (unsigned int)v;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			fprintf(stderr, "mvf-emu: option '%s' needs an argument\n",
				argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "mvf-emu: unknown option '%s'\n", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mvf-emu: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->dir) {
		fprintf(stderr, "mvf-emu: --socket-dir is required\n");
		return -1;
	}
	return 0;
}

static int listen_on(struct server *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	memcpy(sa.sun_path, s->path, sizeof(sa.sun_path));
	if (lstat(s->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			emu_err("%s exists and is not a socket", s->path);
			return -1;
		}
		unlink(s->path);	/* stale socket of an earlier run */
	}
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0) {
		emu_err("socket for %s: %s", s->path, strerror(errno));
		return -1;
	}
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->lfd, 1) < 0) {
		emu_err("listening on %s: %s", s->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int setup(struct emu *e)
{
	uint64_t sizes[DEV_MAX_VFS];
	unsigned int i;
	sigset_t mask;
	int ret, fd, n;

	if (mkdir(e->o.dir, 0755) < 0 && errno != EEXIST) {
		emu_err("creating socket directory %s: %s", e->o.dir, strerror(errno));
		return -1;
	}
	n = snprintf(e->ready, sizeof(e->ready), "%s/ready", e->o.dir);
	if (n < 0 || (size_t)n >= sizeof(e->ready)) {
		emu_err("socket directory path too long: %s", e->o.dir);
		return -1;
	}
	unlink(e->ready);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (e->sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		emu_err("signalfd: %s", strerror(errno));
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < DEV_MAX_VFS; i++)
		sizes[i] = (uint64_t)e->o.devmem_mib[i < e->o.nr_devmem ? i :
						     e->o.nr_devmem - 1] << 20;
	ret = mvf_dev_init_sizes(&e->dev, e->o.vfs, sizes, e->o.serial,
				 &e->o.dirty, e->o.verbose);
	if (ret) {
		emu_err("creating the device (%u VFs, %u MiB device memory for VF 0): %s",
			e->o.vfs, e->o.devmem_mib[0], strerror(-ret));
		return -1;
	}
	mvf_dev_set_slow_chunks(&e->dev, e->o.slow_chunk_ms);
	if (e->o.slow_chunk_ms)
		emu_err("TEST ONLY: SAVE_CHUNK/LOAD_CHUNK held %u ms each",
			e->o.slow_chunk_ms);
	e->nr_srv = e->o.vfs + 1;
	e->srv = calloc(e->nr_srv, sizeof(*e->srv));
	if (!e->srv) {
		emu_err("out of memory");
		return -1;
	}
	for (i = 0; i < e->nr_srv; i++) {
		e->srv[i].lfd = -1;
		e->srv[i].cfd = -1;
	}
	for (i = 0; i < e->nr_srv; i++) {
		struct server *s = &e->srv[i];

		s->fn = i ? &e->dev.vf_fns[i - 1] : &e->dev.pf_fn;
		n = i ? snprintf(s->path, sizeof(s->path), "%s/vf%u.sock", e->o.dir, i - 1)
		      : snprintf(s->path, sizeof(s->path), "%s/pf.sock", e->o.dir);
		if (n < 0 || (size_t)n >= sizeof(s->path)) {
			emu_err("socket path too long for AF_UNIX: %s/...", e->o.dir);
			return -1;
		}
		if (listen_on(s))
			return -1;
	}
	fd = open(e->ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		emu_err("creating %s: %s", e->ready, strerror(errno));
		return -1;
	}
	dprintf(fd, "%d\n", (int)getpid());
	close(fd);
	emu_err("serving pf and %u VFs in %s", e->o.vfs, e->o.dir);
	for (i = 0; i < e->o.vfs; i++)
		emu_err("vf%u: %llu MiB device memory", i,
			(unsigned long long)(sizes[i] >> 20));
	if (e->o.dirty.fault.mode != DIRTY_FAULT_NONE)
		emu_err("dirty tracker fault plan on: trackers lose pages (test only)");
	return 0;
}

static void drop_client(struct server *s)
{
	vfu_conn_fini(&s->conn);
	close(s->cfd);
	s->cfd = -1;
	func_disconnect(s->fn);
	emu_err("%s: client disconnected", s->fn->name);
}

static void accept_client(struct server *s)
{
	int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno != EINTR && errno != EAGAIN)
			emu_err("%s: accept: %s", s->path, strerror(errno));
		return;
	}
	if (vfu_conn_init(&s->conn, fd, s->fn)) {
		emu_err("%s: out of memory for a client", s->fn->name);
		close(fd);
		return;
	}
	s->cfd = fd;
	emu_err("%s: client connected", s->fn->name);
}

/*
 * Write ordering between functions.  QEMU posts MMIO writes: a
 * REGION_WRITE goes out with NO_REPLY and the vCPU goes on at once, so a
 * guest that writes a VF register and then rings the PF's admin doorbell
 * has both messages queued, on two sockets, before we look.  On PCIe a
 * later posted write never passes an earlier one, and an admin command
 * must see every VF register write the CPU made before it.  So before a
 * PF message is handled, every VF socket is drained of the bytes that were
 * queued on it at that moment (SIOCINQ): those messages were sent
 * earlier.  Messages that arrive during the drain wait for the next round,
 * so a busy VF cannot starve the PF.
 */
static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

static void drain_vfs(struct emu *e)
{
	unsigned int i;

	for (i = 1; i < e->nr_srv; i++) {
		struct server *s = &e->srv[i];
		uint64_t end;
		int queued;

		if (s->cfd < 0)
			continue;
		if (ioctl(s->cfd, FIONREAD, &queued) < 0) {
			emu_err("%s: FIONREAD: %s", s->fn->name, strerror(errno));
			continue;
		}
		end = s->conn.rx_bytes + (uint64_t)queued;
		while (s->cfd >= 0 && s->conn.rx_bytes < end)
			if (vfu_handle(&s->conn))
				drop_client(s);
	}
}

static int run(struct emu *e)
{
	struct pollfd *pfd;
	struct signalfd_siginfo si;
	unsigned int i;
	bool drained;

	pfd = calloc(e->nr_srv + 1, sizeof(*pfd));
	if (!pfd) {
		emu_err("out of memory");
		return -1;
	}
	for (;;) {
		pfd[0].fd = e->sfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < e->nr_srv; i++) {
			pfd[i + 1].fd = e->srv[i].cfd >= 0 ? e->srv[i].cfd : e->srv[i].lfd;
			pfd[i + 1].events = POLLIN;
			pfd[i + 1].revents = 0;
		}
		if (poll(pfd, e->nr_srv + 1, mvf_dev_timeout_ms(&e->dev)) < 0) {
			if (errno == EINTR)
				continue;
			emu_err("poll: %s", strerror(errno));
			free(pfd);
			return -1;
		}
		mvf_dev_tick(&e->dev);
		if (pfd[0].revents & POLLIN) {
			if (read(e->sfd, &si, sizeof(si)) == sizeof(si))
				emu_err("signal %u: shutting down", si.ssi_signo);
			free(pfd);
			return 0;
		}
		drained = false;
		for (i = 0; i < e->nr_srv; i++) {
			struct server *s = &e->srv[i];

			if (!pfd[i + 1].revents)
				continue;
			if (s->cfd < 0) {
				/* not a client the drain dropped */
				if (pfd[i + 1].fd == s->lfd)
					accept_client(s);
				continue;
			}
			if (i == 0) {	/* the PF: VF writes sent earlier first */
				drain_vfs(e);
				drained = true;
			} else if (drained && !readable(s->cfd)) {
				continue;	/* the drain took what poll saw */
			}
			if (vfu_handle(&s->conn))
				drop_client(s);
		}
	}
}

static void teardown(struct emu *e)
{
	unsigned int i;

	for (i = 0; e->srv && i < e->nr_srv; i++) {
		struct server *s = &e->srv[i];

		if (s->cfd >= 0) {
			vfu_conn_fini(&s->conn);
			close(s->cfd);
		}
		if (s->lfd >= 0) {
			close(s->lfd);
			unlink(s->path);
		}
	}
	free(e->srv);
	mvf_dev_destroy(&e->dev);
	if (e->ready[0])
		unlink(e->ready);
	if (e->sfd >= 0)
		close(e->sfd);
}

int main(int argc, char **argv)
{
	struct emu e;
	int ret;

	memset(&e, 0, sizeof(e));
	e.sfd = -1;
	if (parse_opts(argc, argv, &e.o)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	ret = setup(&e);
	if (!ret)
		ret = run(&e);
	teardown(&e);
	return ret ? 1 : 0;
}
