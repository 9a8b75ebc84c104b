/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu: the PF model: BAR0 registers, the admin queue (commands on the
 * VFs, executed synchronously on the AQ_TAIL doorbell) and the event
 * queue.  Both rings live in the PF's DMA space.
 */
#ifndef EMU_PF_H
#define EMU_PF_H

#include <stdbool.h>
#include <stdint.h>

#include "dirty.h"
#include "slow.h"
#include "mvf/mvf.h"
#include "pf_lost.h"

struct dma_space;
struct irq_table;
struct vf;

#define PF_MAX_CHUNK	(1u << 20)	/* struct mvf_identify max_chunk */

struct pf {
	const char *name;
	bool verbose;
	uint64_t serial;
	unsigned int nr_vfs;
	struct vf **vfs;
	struct dma_space *dma;
	struct irq_table *irq;
	uint8_t *chunk;		/* PF_MAX_CHUNK bytes for SAVE/LOAD_CHUNK, DIRTY_REPORT */
	struct dirty_cfg dirty;	/* settings of the trackers DIRTY_START creates */
	struct slow_chunks slow;	/* TEST ONLY --slow-chunks */
	/* Registers. */
	uint32_t ctrl;
	uint32_t status;	/* MVF_PF_STS_* */
	uint64_t aq_sq, aq_cq;
	uint32_t aq_size, aq_tail, aq_head;
	uint64_t eq;
	uint32_t eq_size, eq_head, eq_tail;
	/* Event queue bookkeeping. */
	uint32_t eq_seq;	/* seq of the next event */
	uint64_t eq_dropped;	/* events dropped: queue off, full or DMA error */
	struct pf_lost lost;	/* per VF, dropped while enabled: MVF_EVENT_LOST */
};

/*
 * 0 or -ENOMEM.  @vfs stays owned by the caller.  @dirty: tracker
 * settings, NULL for the defaults (DIRTY_BUDGET_DEFAULT, no fault).
 */
int pf_init(struct pf *pf, uint64_t serial, struct vf **vfs,
	    unsigned int nr_vfs, struct dma_space *dma, struct irq_table *irq,
	    const struct dirty_cfg *dirty, bool verbose);
void pf_destroy(struct pf *pf);

uint32_t pf_reg_read(struct pf *pf, uint32_t off);
void pf_reg_write(struct pf *pf, uint32_t off, uint32_t val);

/*
 * CTRL.RESET, FLR and vfio-user DEVICE_RESET: admin and event queue
 * registers to defaults; save/load sessions and dirty trackers of all VFs
 * dropped (they belong to the admin queue's owner).  VF states are kept.
 */
void pf_reset(struct pf *pf);

/* Run a held slow chunk command that is due (see slow.h). */
void pf_tick(struct pf *pf);

/*
 * Post an event (a vf_event_fn).  Pending MVF_EVENT_LOST notices go
 * first; an event that finds the queue full is dropped and counted
 * against its VF (pf_lost.h).  With the queue off it is only counted in
 * eq_dropped.
 */
void pf_post_event(void *pf, uint16_t type, uint16_t vf_id, uint32_t data);

/*
 * Execute one admin command (no rings involved); fills *@cpl except its
 * phase.  Exposed for tests.
 */
void pf_exec(struct pf *pf, const struct mvf_aq_cmd *cmd,
	     struct mvf_aq_cpl *cpl);

#endif
