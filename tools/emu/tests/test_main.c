// SPDX-License-Identifier: GPL-2.0
/* The mvf-emu binary: options, sockets, reconnects, signals. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "test.h"

/* mvf-emu next to the tests directory this runner lives in. */
static const char *emu_path(void)
{
	static char path[4096];
	char *slash;
	ssize_t n;

	if (path[0])
		return path;
	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n <= 0)
		return "./mvf-emu";
	path[n] = 0;
	slash = strrchr(path, '/');	/* .../tests/run-tests */
	if (slash)
		*slash = 0;
	slash = strrchr(path, '/');
	if (slash)
		strcpy(slash, "/mvf-emu");
	return path;
}

#define EMU	emu_path()

static int run_status(char *const argv[])
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/dev/null", 1);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(EMU, argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int emu_bad_options_exit_2(void)
{
	char *e = (char *)EMU;
	char *a1[] = { e, NULL };
	char *a2[] = { e, "--socket-dir", "/tmp/x", "--vfs", "many", NULL };
	char *a3[] = { e, "--socket-dir", "/tmp/x", "--devmem-mib", "0", NULL };
	char *a4[] = { e, "--socket-dir", "/tmp/x", "--serial", "xyz", NULL };
	char *a5[] = { e, "--socket-dir", "/tmp/x", "--frobnicate", NULL };
	char *a6[] = { e, "--socket-dir", NULL };
	char *a7[] = { e, "--socket-dir", "/tmp/x", "extra", NULL };
	char *a8[] = { e, "--socket-dir", "/tmp/x", "--dirty-fault", "lose", NULL };
	char *a9[] = { e, "--socket-dir", "/tmp/x", "--dirty-fault", "drop-every=0", NULL };
	char *a10[] = { e, "--socket-dir", "/tmp/x", "--dirty-budget-kib", "-1", NULL };
	char *a11[] = { e, "--socket-dir", "/tmp/x", "--dirty-budget-kib", "16777217", NULL };

	CHECK(access(EMU, X_OK) == 0);
	CHECK_EQ(run_status(a1), 2);
	CHECK_EQ(run_status(a2), 2);
	CHECK_EQ(run_status(a3), 2);
	CHECK_EQ(run_status(a4), 2);
	CHECK_EQ(run_status(a5), 2);
	CHECK_EQ(run_status(a6), 2);
	CHECK_EQ(run_status(a7), 2);
	CHECK_EQ(run_status(a8), 2);
	CHECK_EQ(run_status(a9), 2);
	CHECK_EQ(run_status(a10), 2);
	CHECK_EQ(run_status(a11), 2);
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* One request/reply over a real socket: payload in, reply payload out. */
static int xfer(int fd, uint16_t id, uint16_t cmd, uint32_t flags, const void *p,
		size_t len, void *out, size_t cap)
{
	struct vfu_hdr h = { .msg_id = id, .cmd = cmd, .size = 16 + len, .flags = flags };
	uint8_t msg[512];

	memcpy(msg, &h, 16);
	memcpy(msg + 16, p, len);
	if (send(fd, msg, 16 + len, MSG_NOSIGNAL) != (ssize_t)(16 + len))
		return -1;
	if (flags & VFU_F_NO_REPLY)
		return 0;
	if (recv(fd, &h, 16, MSG_WAITALL) != 16 || h.msg_id != id || h.cmd != cmd ||
	    (h.flags & VFU_F_ERROR) || h.size < 16 || h.size - 16 > cap)
		return -1;
	if (h.size > 16 && recv(fd, out, h.size - 16, MSG_WAITALL) != (ssize_t)(h.size - 16))
		return -1;
	return (int)(h.size - 16);
}

static int hello(int fd)
{
	uint8_t v[128] = { 0 }, r[256];
	static const char j[] = "{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576}}";

	memcpy(v + 4, j, sizeof(j));
	return xfer(fd, 1, VFU_VERSION, 0, v, 4 + sizeof(j), r, sizeof(r)) > 4 ? 0 : -1;
}

static int rd_scratch(int fd, uint32_t *v)
{
	struct vfu_region_access a = { .offset = MVF_VF_REG_SCRATCH0, .region = 0, .count = 4 };
	uint8_t r[32];

	if (xfer(fd, 3, VFU_REGION_READ, 0, &a, sizeof(a), r, sizeof(r)) != 20)
		return -1;
	memcpy(v, r + 16, 4);
	return 0;
}

static int emu_serves_reconnects_and_exits_0(void)
{
	char dir[] = "/tmp/mvf-emu-test.XXXXXX", path[128], *argv[8];
	struct vfu_region_access a = { .offset = MVF_VF_REG_SCRATCH0, .region = 0, .count = 4 };
	uint8_t w[20];
	uint32_t v = 0;
	struct stat st;
	pid_t pid;
	int fd, i, status;

	CHECK(mkdtemp(dir));
	argv[0] = (char *)EMU;
	argv[1] = "--socket-dir";
	argv[2] = dir;
	argv[3] = "--vfs";
	argv[4] = "3";
	argv[5] = "--devmem-mib";
	argv[6] = "1";
	argv[7] = NULL;
	pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", 1);

		dup2(nul, 2);
		execv(EMU, argv);
		_exit(127);
	}
	CHECK(pid > 0);
	snprintf(path, sizeof(path), "%s/ready", dir);
	for (i = 0; i < 200 && stat(path, &st); i++)
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	CHECK(i < 200);
	snprintf(path, sizeof(path), "%s/vf2.sock", dir);
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
	snprintf(path, sizeof(path), "%s/pf.sock", dir);
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));

	snprintf(path, sizeof(path), "%s/vf2.sock", dir);
	fd = connect_to(path);
	CHECK(fd >= 0);
	CHECK_EQ(hello(fd), 0);
	memcpy(w, &a, 16);
	v = 0x600dcafe;
	memcpy(w + 16, &v, 4);
	CHECK_EQ(xfer(fd, 2, VFU_REGION_WRITE, VFU_F_NO_REPLY, w, 20, NULL, 0), 0);
	CHECK_EQ(rd_scratch(fd, &v), 0);
	CHECK_EQ(v, 0x600dcafe);
	close(fd);
	/* Accepts again; the device state survived the disconnect. */
	fd = connect_to(path);
	CHECK(fd >= 0);
	CHECK_EQ(hello(fd), 0);
	CHECK_EQ(rd_scratch(fd, &v), 0);
	CHECK_EQ(v, 0x600dcafe);
	/* Garbage that cannot be framed drops this client, not the server. */
	CHECK(send(fd, "\1\0\1\0\3\0\0\0", 8, 0) == 8 && send(fd, "\0\0\0\0\0\0\0\0", 8, 0) == 8);
	close(fd);
	fd = connect_to(path);
	CHECK(fd >= 0);
	CHECK_EQ(hello(fd), 0);
	close(fd);

	CHECK(kill(pid, SIGTERM) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(stat(path, &st) < 0 && errno == ENOENT);
	snprintf(path, sizeof(path), "%s/ready", dir);
	CHECK(stat(path, &st) < 0 && errno == ENOENT);
	CHECK(rmdir(dir) == 0);
	return 0;
}

const struct test main_tests[] = {
	{ "emu_bad_options_exit_2", emu_bad_options_exit_2 },
	{ "emu_serves_reconnects_and_exits_0", emu_serves_reconnects_and_exits_0 },
	{ NULL, NULL },
};
