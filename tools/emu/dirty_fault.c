// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: the test-only dirty tracker fault plan (see dirty_fault.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dirty_fault.h"

int dirty_fault_parse(const char *s, struct dirty_fault *f)
{
	static const char every[] = "drop-every=";
	unsigned long long n;
	char *end;

	memset(f, 0, sizeof(*f));
	if (!strcmp(s, "drop")) {
		f->mode = DIRTY_FAULT_DROP;
		return 0;
	}
	if (strncmp(s, every, sizeof(every) - 1))
		return -EINVAL;
	s += sizeof(every) - 1;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || !n || n > (1ull << 32))
		return -EINVAL;
	f->mode = DIRTY_FAULT_DROP_EVERY;
	f->every = n;
	return 0;
}

bool dirty_fault_drops_write(const struct dirty_fault *f, enum dirty_src src)
{
	return f->mode == DIRTY_FAULT_DROP && src == DIRTY_SRC_DATA;
}

bool dirty_fault_per_page(const struct dirty_fault *f)
{
	return f->mode == DIRTY_FAULT_DROP_EVERY;
}

bool dirty_fault_drops_page(struct dirty_fault *f)
{
	return ++f->seen % f->every == 0;
}
