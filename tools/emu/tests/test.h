/* SPDX-License-Identifier: GPL-2.0 */
/* mvf-emu unit tests: a tiny harness. */
#ifndef EMU_TEST_H
#define EMU_TEST_H

#include <stdio.h>

struct test {
	const char *name;
	int (*fn)(void);	/* 0 = pass */
};

/* Fail the current test with a "# file:line: what" note on stdout. */
#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: check failed: %s\n",		\
			       __FILE__, __LINE__, #cond);		\
			return -1;					\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		unsigned long long _a = (unsigned long long)(a);	\
		unsigned long long _b = (unsigned long long)(b);	\
		if (_a != _b) {						\
			printf("# %s:%d: %s == 0x%llx, expected %s == 0x%llx\n", \
			       __FILE__, __LINE__, #a, _a, #b, _b);	\
			return -1;					\
		}							\
	} while (0)

/* Propagate a helper's failure. */
#define TRY(expr)							\
	do {								\
		if ((expr) != 0) {					\
			printf("# %s:%d: %s failed\n", __FILE__, __LINE__, #expr); \
			return -1;					\
		}							\
	} while (0)

extern const struct test crc_tests[];
extern const struct test cfg_tests[];
extern const struct test dma_tests[];
extern const struct test vfu_tests[];
extern const struct test vf_tests[];
extern const struct test pf_tests[];
extern const struct test image_tests[];
extern const struct test precopy_tests[];
extern const struct test dirty_tests[];
extern const struct test main_tests[];

#endif
