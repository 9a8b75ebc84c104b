/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Glue between the mvf selftest library and kselftest_harness.h: device
 * selection in main() and assertion helpers usable from functions that
 * take the harness's _metadata.
 */
#ifndef _MVF_KSFT_H
#define _MVF_KSFT_H

#include "kselftest_harness.h"

#include "mvf_pair.h"

/* VF BDFs chosen in main(); the harness forks tests after it is set. */
static char mvf_vf_bdf[2][MVF_BDF_LEN];

#define MVF_KSFT_MAIN							\
int main(int argc, char **argv)						\
{									\
	if (mvf_select_vfs(&argc, argv, mvf_vf_bdf[0], mvf_vf_bdf[1]))	\
		return KSFT_SKIP;					\
	fprintf(stderr, "# mvf: VF0 %s, VF1 %s\n", mvf_vf_bdf[0],	\
		mvf_vf_bdf[1]);						\
	return test_harness_run(argc, argv);				\
}

/* GET the migration state and assert it. */
#define ASSERT_MIG_STATE(dev, want) do {				\
	uint32_t __st = 0xffffffffu;					\
	ASSERT_EQ(0, vt_mig_get_state(&(dev)->vt, &__st));			\
	ASSERT_EQ((uint32_t)(want), __st)				\
		TH_LOG("%s: state %s, want %s", (dev)->vt.name,		\
		       vt_mig_state_name(__st),			\
		       vt_mig_state_name(want));			\
} while (0)

/* SET a state that creates no data_fd and assert success and GET. */
#define ASSERT_SET_STATE(dev, want) do {				\
	int __fd = -2;							\
	ASSERT_EQ(0, vt_mig_set_state(&(dev)->vt, want, &__fd));		\
	ASSERT_EQ(-1, __fd);						\
	ASSERT_MIG_STATE(dev, want);					\
} while (0)

/* SET a state that creates a data_fd; assert it and return the fd. */
#define ASSERT_SET_STATE_FD(dev, want, fdp) do {			\
	*(fdp) = -2;							\
	ASSERT_EQ(0, vt_mig_set_state(&(dev)->vt, want, fdp));		\
	ASSERT_LE(0, *(fdp));						\
	ASSERT_MIG_STATE(dev, want);					\
} while (0)

#endif /* _MVF_KSFT_H */
