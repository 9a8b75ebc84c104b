/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu: one function's DMA space, built from vfio-user DMA_MAP and
 * DMA_UNMAP messages.
 *
 * A map says "IOVA range [iova, iova + size) is backed by bytes
 * [offset, offset + size) of a file" (QEMU's memfd guest RAM).  Behind a
 * vIOMMU QEMU sends one map per 4 KiB IOTLB entry, each with the same
 * memfd, so backing files are deduplicated by st_dev/st_ino and mmapped
 * once; maps only reference them.  Maps live in a tsearch() tree ordered
 * by IOVA (they never overlap), so lookups and updates are O(log n).
 * A map that continues its neighbour (next IOVA, next byte of the same
 * file, same permission) is folded into it, so the tree holds runs, not
 * pages, and dma_unmap() splits a run again.  Device accesses are
 * translated run by run, with one accessor call (one memcpy) per run of
 * host-contiguous bytes, and bounds-checked: an access
 * touching any byte that is unmapped, has no backing file or lacks the
 * needed permission fails as a whole before any byte is transferred.
 */
#ifndef EMU_DMA_H
#define EMU_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DMA_PROT_READ	1u	/* the device may read the range */
#define DMA_PROT_WRITE	2u	/* the device may write the range */

/* Most runs one function may hold (QEMU's default limit is 65535 maps). */
#define DMA_MAX_MAPS	(1u << 20)

struct dma_backing {
	dev_t dev;
	ino_t ino;
	uint8_t *base;		/* mmap of the whole file, MAP_SHARED */
	size_t len;		/* bytes mapped at @base */
	uint32_t prot;		/* DMA_PROT_* the mmap allows */
	unsigned int refs;	/* maps using it; 0 = slot free */
};

/*
 * Write observer: told about every device write into the space, i.e.
 * every dma_access() with DMA_PROT_WRITE whose check passed -- also one
 * that faulted part way, since it may have stored some bytes.  Called
 * once per access with the whole range, after it, outside the SIGBUS
 * guard (so it may allocate).  Writes through dma_ptr() pointers are not
 * seen: device code writes only through dma_access()/dma_write().
 */
typedef void (*dma_write_fn)(void *ctx, uint64_t iova, uint64_t len);

struct dma_space {
	const char *name;	/* for messages, e.g. "vf0" */
	bool verbose;
	dma_write_fn on_write;	/* optional observer, see above */
	void *on_write_ctx;
	void *root;		/* tsearch tree of struct dma_map * */
	size_t nr_maps;		/* runs in @root (coalesced maps) */
	struct dma_backing *bk;
	size_t nr_bk;		/* slots in @bk, used or free */
};

void dma_init(struct dma_space *ds, const char *name, bool verbose);

/* Install (or with NULL remove) the write observer; maps do not matter. */
void dma_set_write_observer(struct dma_space *ds, dma_write_fn fn, void *ctx);

/*
 * Add the map [iova, iova + size) -> (fd, offset), replacing whatever part
 * of existing maps it overlaps.  @fd < 0 adds a map without backing (QEMU
 * sends those for RAM it cannot share): it exists, but device accesses to
 * it fail.  @fd is not consumed.  Returns 0 or -EINVAL (bad range, flags
 * or file), -ENOSPC (too many maps), -ENOMEM, or mmap's -errno.
 */
int dma_map(struct dma_space *ds, uint64_t iova, uint64_t size, uint32_t prot,
	    int fd, uint64_t offset);

/*
 * Remove every mapped byte in [iova, iova + size), splitting maps that
 * straddle the range.  Lenient: ranges covering several maps, parts of
 * maps, or nothing at all are fine.  Returns the number of bytes removed.
 */
uint64_t dma_unmap(struct dma_space *ds, uint64_t iova, uint64_t size);

/* Remove all maps and unmap all backing files. */
void dma_unmap_all(struct dma_space *ds);

/*
 * Translate: on success *@p points at the host bytes for @iova and
 * *@contig (1..@len) says how many bytes are contiguous there.  Returns
 * 0, -EFAULT (not mapped, no backing, overflow) or -EACCES (permission).
 */
int dma_ptr(struct dma_space *ds, uint64_t iova, uint64_t len, uint32_t prot,
	    uint8_t **p, size_t *contig);

/* 0 if all of [iova, iova + len) is accessible with @prot, else -errno. */
int dma_check(struct dma_space *ds, uint64_t iova, uint64_t len,
	      uint32_t prot);

/*
 * Accessor for dma_access(): called once per host-contiguous run, @p
 * the host bytes, @n their count, @done the bytes of the access before
 * them.  It may only touch memory (see dma.c: it runs under the SIGBUS
 * guard): no allocation, I/O, or dma_* call.
 */
typedef void (*dma_accessor_fn)(void *ctx, uint8_t *p, size_t n,
				uint64_t done);

/*
 * The one place device code touches DMA memory: check that all of
 * [iova, iova + len) is accessible with @prot, then call @fn on each
 * chunk with SIGBUS turned into an error: if a backing file faults (the
 * client shrank it after DMA_MAP), that backing is dropped (its maps
 * stay, without backing, so later accesses fail cleanly) and -EFAULT is
 * returned.  0, -EFAULT or -EACCES; nothing is touched on a failed check.
 */
int dma_access(struct dma_space *ds, uint64_t iova, uint64_t len,
	       uint32_t prot, dma_accessor_fn fn, void *ctx);

/* Copy from/to the DMA space via dma_access(); 0 or -errno as above. */
int dma_read(struct dma_space *ds, uint64_t iova, void *buf, size_t len);
int dma_write(struct dma_space *ds, uint64_t iova, const void *buf,
	      size_t len);

/* Backing files currently mmapped (for tests and verbose logs). */
size_t dma_nr_backings(const struct dma_space *ds);

#endif
