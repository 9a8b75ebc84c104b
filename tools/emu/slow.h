/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu: TEST ONLY slow chunk commands (--slow-chunks MS).
 *
 * Each SAVE_CHUNK and LOAD_CHUNK the PF takes from its admin queue is
 * held for MS milliseconds before it executes (its DMA included) and
 * completes; the commands behind it wait (the queue stays in order).  The
 * server keeps serving every other message meanwhile, so the driver sees
 * a chunk in flight for MS ms: what the in-flight selftests close, reset
 * and change arcs against.  Disabling or resetting the admin queue drops
 * a held command, as it drops every queued one.
 */
#ifndef EMU_SLOW_H
#define EMU_SLOW_H

#include <stdbool.h>
#include <stdint.h>

#define SLOW_MAX_MS	60000u

struct slow_chunks {
	unsigned int ms;	/* 0: off */
	bool held;		/* the command at AQ_HEAD is being held */
	uint64_t until;		/* CLOCK_MONOTONIC ms it is released at */
};

/*
 * Whether the command at the head of the queue, of @opcode, must wait:
 * the first call for it starts its hold.  Release with slow_done().
 */
bool slow_hold(struct slow_chunks *s, uint8_t opcode);

/* The held command ran (or the queue was dropped). */
void slow_done(struct slow_chunks *s);

/* Milliseconds until the held command is due, -1 if none. */
int slow_timeout_ms(const struct slow_chunks *s);

#endif
