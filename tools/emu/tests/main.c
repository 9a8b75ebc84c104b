// SPDX-License-Identifier: GPL-2.0
/*
 * mvf-emu unit test runner: runs every test in a child process of its
 * own process group (a crash is a failure, not the end of the run), with
 * a time limit: a test still running after EMU_TEST_TIMEOUT seconds
 * (default 60) fails as "timed out".  Whatever a test leaves behind in
 * its process group (an mvf-emu it started, say) is killed when it ends,
 * so nothing outlives it holding the output pipe.  Prints one line per
 * test and ends with "N passed, N failed".  Exit status 1 on any failure.
 *
 *   run-tests [-v] [NAME-SUBSTRING...]
 * -v keeps the emulator's stderr diagnostics; otherwise they go to
 * /dev/null so the output stays one line per test.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static const struct test *const suites[] = {
	crc_tests, cfg_tests, dma_tests, vfu_tests, vf_tests, pf_tests,
	image_tests, precopy_tests, dirty_tests, main_tests,
};

static bool selected(const char *name, int argc, char **argv, int first)
{
	int i;

	if (first >= argc)
		return true;
	for (i = first; i < argc; i++)
		if (strstr(name, argv[i]))
			return true;
	return false;
}

static unsigned int test_timeout(void)
{
	const char *v = getenv("EMU_TEST_TIMEOUT");
	long t = v ? strtol(v, NULL, 10) : 0;

	return t > 0 ? (unsigned int)t : 60;
}

/*
 * Wait for test process @pid (leader of its own process group) for at
 * most @limit seconds; then kill the whole group.  Returns the wait
 * status, or -1 if the test timed out.
 */
static int wait_test(pid_t pid, unsigned int limit)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	unsigned long ticks = 0, max = limit * 50ul;
	int status = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			perror("waitpid");
			status = -1;
			break;
		}
		if (++ticks > max) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			status = -1;
			break;
		}
		nanosleep(&tick, NULL);
	}
	kill(-pid, SIGKILL);	/* leftovers of the test's group */
	return status;
}

int main(int argc, char **argv)
{
	unsigned int limit = test_timeout();
	unsigned int passed = 0, failed = 0, s;
	bool verbose = argc > 1 && !strcmp(argv[1], "-v");
	int first = verbose ? 2 : 1;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!verbose) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0) {
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
	}
	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		const struct test *t;

		for (t = suites[s]; t->name; t++) {
			int status = 0;
			pid_t pid;

			if (!selected(t->name, argc, argv, first))
				continue;
			pid = fork();
			if (pid < 0) {
				perror("fork");
				return 1;
			}
			if (pid == 0) {
				setpgid(0, 0);
				_exit(t->fn() ? 1 : 0);
			}
			setpgid(pid, pid);	/* no race with the child's own */
			status = wait_test(pid, limit);
			if (status != -1 && WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0) {
				printf("ok   %s\n", t->name);
				passed++;
			} else {
				if (status == -1)
					printf("# timed out after %u s\n", limit);
				else if (WIFSIGNALED(status))
					printf("# killed by signal %d\n", WTERMSIG(status));
				printf("FAIL %s\n", t->name);
				failed++;
			}
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
