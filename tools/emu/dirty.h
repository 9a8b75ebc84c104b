/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu: a VF's DMA dirty tracker (DIRTY_START/REPORT/STOP, see
 * include/mvf/mvf_admin.h).  A leaf: the VF logs its DMA writes into it,
 * the PF's admin commands create, report and free it.
 *
 * One bit per tracking page of IOVA space in each tracked range.  A
 * range's bitmap is cut into fixed blocks of DIRTY_BLOCK_PAGES pages
 * (4 KiB of bitmap: 128 MiB of IOVA at 4 KiB pages, 64 GiB at 2 MiB),
 * aligned to absolute page numbers; a block is allocated the first time
 * one of its pages gets dirty, so a sparse range (a 64-bit PCI hole of
 * tens of GiB) costs only its block directory (8 bytes per block) until
 * the device writes there.  Directory and blocks count against the
 * tracker's memory budget; a write that needs a new block beyond it fails
 * the tracker (MVF_DIRTY_ERR_NOMEM).  Blocks are kept until the tracker
 * is freed.
 *
 * Each block counts its set bits.  Reports are produced 64 pages at a
 * time, straight into the host buffer: dirty blocks are copied (a memcpy
 * when the report starts at a 64-page aligned IOVA, two-word shifts
 * otherwise), clean or unallocated ones zero-filled; never page by page.
 * A block a report covers whole is not cleared but detached and reused
 * (zeroed) by the next write that needs a block; partly covered blocks
 * are cleared word by word.
 */
#ifndef EMU_DIRTY_H
#define EMU_DIRTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirty_fault.h"

#define DIRTY_MAX_RANGES	8u	/* mvf_identify.dirty_max_ranges */
#define DIRTY_SHIFT_MIN		12u	/* 4 KiB */
#define DIRTY_SHIFT_MAX		30u	/* 1 GiB */
/* mvf_identify.dirty_pgsizes: every power of two from 4 KiB to 1 GiB. */
#define DIRTY_PGSIZES \
	((uint32_t)(((1ull << (DIRTY_SHIFT_MAX + 1)) - 1) & ~((1ull << DIRTY_SHIFT_MIN) - 1)))
#define DIRTY_BLOCK_PAGES	(1u << 15)	/* pages per bitmap block */
#define DIRTY_BLOCK_BYTES	(DIRTY_BLOCK_PAGES / 8 + 8)	/* with its count */
#define DIRTY_BUDGET_DEFAULT	(64ull << 20)	/* bytes per tracker */
#define DIRTY_BUDGET_KIB_MAX	(16u << 20)	/* --dirty-budget-kib: 16 GiB */

/* Device-wide tracker settings (emulator options). */
struct dirty_cfg {
	uint64_t budget;		/* bytes of directory + blocks per tracker */
	struct dirty_fault fault;	/* test-only fault plan */
};

/* A tracked range in host byte order. */
struct dirty_range {
	uint64_t iova;
	uint64_t len;
};

struct dirty;

/* True if @shift is a supported tracking page shift. */
bool dirty_shift_ok(uint32_t shift);

/*
 * Start tracking @n ranges at 2^@shift pages.  Returns an MVF_AQ_STS_*:
 * OK (*@out set), BAD_PARAM (bad shift; n not 1..DIRTY_MAX_RANGES; a
 * range empty, unaligned, wrapping past 2^64, out of order or
 * overlapping the previous one) or NO_MEMORY (directories beyond the
 * budget, or malloc failed).
 */
int dirty_start(struct dirty **out, const struct dirty_cfg *cfg,
		uint32_t shift, const struct dirty_range *r, unsigned int n);
void dirty_free(struct dirty *t);

uint32_t dirty_shift(const struct dirty *t);

/* Bytes of directory and blocks allocated (counted against the budget). */
uint64_t dirty_mem(const struct dirty *t);

/* 0 or the MVF_DIRTY_ERR_* the tracker failed with. */
uint32_t dirty_failed(const struct dirty *t);

/*
 * Log a DMA write of [@iova, @iova + @len).  Returns 0, or the
 * MVF_DIRTY_ERR_* if this write made the tracker fail (only the first
 * failure returns it, so the caller posts the event once).  A failed
 * tracker logs nothing more.
 */
uint32_t dirty_log(struct dirty *t, uint64_t iova, uint64_t len,
		   enum dirty_src src);

/* True if every page of [@iova, @iova + @len) is tracked (@len > 0). */
bool dirty_covers(const struct dirty *t, uint64_t iova, uint64_t len);

/* Little-endian u64 words a report of @len bytes needs. */
uint64_t dirty_report_words(const struct dirty *t, uint64_t len);

/*
 * Report and clear [@iova, @iova + @len) (dirty_covers() must hold) in
 * two steps, so that a bitmap that never reached the host loses nothing:
 * dirty_report_fill() produces the bitmap -- dirty_report_words()
 * little-endian words, bit i = the page at @iova + (i << shift), unused
 * bits of the last word 0 -- in consecutive pieces of any size, touching
 * only memory (it may run as a dma_access() accessor); then
 * dirty_report_commit() clears what was reported and returns the number
 * of dirty pages.  Nothing may log into the tracker in between.
 */
struct dirty_report {
	const struct dirty *t;
	uint64_t iova, end;	/* pages not yet produced */
	uint8_t part[8];	/* a word split across two pieces */
	unsigned int part_len, part_off;
};

void dirty_report_begin(struct dirty_report *r, const struct dirty *t,
			uint64_t iova, uint64_t len);
void dirty_report_fill(struct dirty_report *r, uint8_t *dst, size_t n);
uint64_t dirty_report_commit(struct dirty *t, uint64_t iova, uint64_t len);

/* All three steps into @bm; returns the number of dirty pages. */
uint64_t dirty_report(struct dirty *t, uint64_t iova, uint64_t len,
		      uint64_t *bm);

#endif
