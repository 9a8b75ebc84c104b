/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu: the test-only dirty tracker fault plan (--dirty-fault).
 *
 * A broken tracker on purpose, so that an end-to-end migration test can
 * prove it notices lost dirty pages.  The plan is copied into every
 * tracker at DIRTY_START (so drop-every counts from 0 per tracker):
 *
 *   drop          never log the destinations of descriptor data writes
 *                 (COPY, FILL, D2H); completion ring entries are still
 *                 logged, so the tracker looks alive
 *   drop-every=N  lose every Nth page the tracker would log (all writes
 *                 counted, ring entries included); N >= 1
 *
 * Lost pages are silently not set: no event, no TRACKER_ERR.
 */
#ifndef EMU_DIRTY_FAULT_H
#define EMU_DIRTY_FAULT_H

#include <stdbool.h>
#include <stdint.h>

/* What a logged DMA write is (the VF says). */
enum dirty_src {
	DIRTY_SRC_RING,		/* completion ring entries (the default) */
	DIRTY_SRC_DATA,		/* descriptor data: COPY/FILL/D2H destinations */
};

enum dirty_fault_mode {
	DIRTY_FAULT_NONE,
	DIRTY_FAULT_DROP,
	DIRTY_FAULT_DROP_EVERY,
};

struct dirty_fault {
	enum dirty_fault_mode mode;
	uint64_t every;		/* DROP_EVERY: N */
	uint64_t seen;		/* DROP_EVERY: pages counted so far */
};

/* Parse "drop" or "drop-every=N" (N 1..2^32); 0 or -EINVAL. */
int dirty_fault_parse(const char *s, struct dirty_fault *f);

/* The whole write is lost (DROP of a data write). */
bool dirty_fault_drops_write(const struct dirty_fault *f, enum dirty_src src);

/* Pages must be counted one by one (DROP_EVERY). */
bool dirty_fault_per_page(const struct dirty_fault *f);

/* Count one page; true if it is the Nth and is lost. */
bool dirty_fault_drops_page(struct dirty_fault *f);

#endif
