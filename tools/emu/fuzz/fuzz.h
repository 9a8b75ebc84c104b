/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu fuzz targets (libFuzzer, clang -fsanitize=fuzzer,address,undefined):
 * a device built once per process and put back to its reset state before
 * every input, "guest RAM" (a memfd) for its DMA, and an assertion that
 * aborts, so libFuzzer records the input as a crash.
 *
 * libFuzzer's entry point takes no context, so each target keeps its one
 * struct fz in a static pointer set by LLVMFuzzerInitialize().
 */
#ifndef EMU_FUZZ_H
#define EMU_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../device.h"

#define FZ_IOVA		0x10000000ull	/* IOVA of RAM offset 0 */
#define FZ_DIRTY_BUDGET	(1u << 20)

struct fz {
	struct mvf_dev dev;
	int memfd;		/* the RAM, for DMA_MAP and dma_map() */
	uint8_t *ram;
	size_t ram_size;	/* bytes */
};

/*
 * A device of @nr_vfs VFs with @devmem bytes of device memory each and
 * @ram_size bytes of RAM (not mapped anywhere yet).  Dirty trackers get a
 * budget of FZ_DIRTY_BUDGET bytes (--dirty-budget-kib 1024): the default
 * 64 MiB lets one DIRTY_START of a huge range allocate and walk a 64 MiB
 * directory, a few hundred executions a second.  Exits on failure: a
 * fuzz target without its device cannot run.
 */
void fz_init(struct fz *z, unsigned int nr_vfs, uint64_t devmem,
	     size_t ram_size);

/*
 * Every function back to its reset state: PF and VFs reset (sessions,
 * trackers and rings gone, VFs RUNNING), RAM zeroed; with @disconnect
 * also DMA maps and eventfds dropped, as for a new client.  Device memory
 * keeps its bytes.
 */
void fz_reset(struct fz *z, bool disconnect);

/*
 * Enable the PF's admin queue (submission ring at RAM offset @sq,
 * completions at @cq) and event queue (at @eq), @size entries each, as
 * the core driver does.  Exits unless both come up.
 */
void fz_pf_queues_on(struct pf *pf, uint64_t sq, uint64_t cq, uint64_t eq,
		     uint32_t size);

/* calloc() of @size bytes, or abort. */
void *fz_zalloc(size_t size);

/* Map all of RAM at FZ_IOVA, read-write, into @ds; exits on failure. */
void fz_map_ram(struct fz *z, struct dma_space *ds);

/* Abort (a libFuzzer crash) with a message if @cond is false. */
#define FZ_ASSERT(cond)							\
	do {								\
		if (!(cond))						\
			fz_fail(__FILE__, __LINE__, #cond);		\
	} while (0)

void fz_fail(const char *file, int line, const char *what)
	__attribute__((noreturn));

#endif
