// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: TEST ONLY slow chunk commands (see slow.h). */
#include <time.h>

#include "mvf/mvf.h"
#include "slow.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool slow_hold(struct slow_chunks *s, uint8_t opcode)
{
	if (!s->ms || (opcode != MVF_AQ_OP_SAVE_CHUNK &&
		       opcode != MVF_AQ_OP_LOAD_CHUNK))
		return false;
	if (!s->held) {
		s->held = true;
		s->until = now_ms() + s->ms;
		return true;
	}
	return now_ms() < s->until;
}

void slow_done(struct slow_chunks *s)
{
	s->held = false;
}

int slow_timeout_ms(const struct slow_chunks *s)
{
	uint64_t now;

	if (!s->held)
		return -1;
	now = now_ms();
	return now >= s->until ? 0 : (int)(s->until - now);
}
