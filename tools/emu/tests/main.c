// SPDX-License-Identifier: GPL-2.0
/*
 * mvf-emu unit test runner: runs every test in a child process (a crash
 * is a failure, not the end of the run), prints one line per test and
 * ends with "N passed, N failed".  Exit status 1 on any failure.
 *
 *   run-tests [-v] [NAME-SUBSTRING...]
 * -v keeps the emulator's stderr diagnostics; otherwise they go to
 * /dev/null so the output stays one line per test.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

int main(int argc, char **argv)
{
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
			if (pid == 0)
				_exit(t->fn() ? 1 : 0);
			while (waitpid(pid, &status, 0) < 0)
				;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
				printf("ok   %s\n", t->name);
				passed++;
			} else {
				if (WIFSIGNALED(status))
					printf("# killed by signal %d\n", WTERMSIG(status));
				printf("FAIL %s\n", t->name);
				failed++;
			}
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
