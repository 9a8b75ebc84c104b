/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu: the event queue's per-VF "events lost" counts.
 *
 * An event the device cannot post because the event queue is full (or
 * its entry is not writable) is counted against its VF.  As soon as there
 * is room, before any newer event, the device posts one MVF_EVENT_LOST per
 * VF with a count (data = the count, saturating), taking the VFs round
 * robin so that no VF's flood starves another's notice.  The counts are
 * cleared when the event queue is (re)enabled and on a PF reset: a driver
 * knows that everything before those is gone.
 */
#ifndef EMU_PF_LOST_H
#define EMU_PF_LOST_H

#include <stdbool.h>
#include <stdint.h>

struct pf_lost {
	uint32_t *count;	/* per VF, saturating at UINT32_MAX */
	unsigned int nr;	/* VFs */
	unsigned int next;	/* first VF the next pf_lost_peek() looks at */
};

/* 0 or -ENOMEM. */
int pf_lost_init(struct pf_lost *l, unsigned int nr_vfs);
void pf_lost_destroy(struct pf_lost *l);
void pf_lost_clear(struct pf_lost *l);

/* One event of @vf was dropped; @vf >= nr is ignored. */
void pf_lost_note(struct pf_lost *l, unsigned int vf);

/*
 * The next VF with a count, round robin from the one after the last
 * posted: true with *@vf and *@count, false if no VF lost anything.
 */
bool pf_lost_peek(const struct pf_lost *l, unsigned int *vf, uint32_t *count);

/* *@vf's MVF_EVENT_LOST was posted: its count goes to 0. */
void pf_lost_posted(struct pf_lost *l, unsigned int vf);

#endif
