// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: DMA map table and IOVA translation (see dma.h). */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dma.h"
#include "log.h"

struct dma_map {
	uint64_t iova;
	uint64_t size;
	uint64_t offset;	/* into the backing file */
	int bk;			/* index into ds->bk, or -1: no backing */
	uint32_t prot;
};

/* Maps never overlap, so "overlaps" is "equal" for the tree order. */
static int map_cmp(const void *a, const void *b)
{
	const struct dma_map *x = a, *y = b;

	if (x->iova + x->size <= y->iova)
		return -1;
	if (y->iova + y->size <= x->iova)
		return 1;
	return 0;
}

/*
 * SIGBUS safety.  Backing files are mmapped once at DMA_MAP time, but the
 * client keeps the file: if it shrinks it (ftruncate) afterwards, the next
 * device access to a page past the new end raises SIGBUS.  Sealing cannot
 * prevent that in general: QEMU's memory-backend-memfd seals
 * (F_SEAL_SHRINK) only with its default seal=on, and memory-backend-shm,
 * memory-backend-file on tmpfs or aux-ram-share memfds are never sealed,
 * so bk_get() only logs unsealed backings (verbose) and does not reject.
 *
 * Instead every device access to DMA memory runs inside dma_access(), the
 * one guarded place: it arms dma_guard (sigsetjmp) for the space, walks
 * the chunks and calls the accessor, which may only touch memory (memcpy,
 * fill, CRC: no allocation, no locks, no I/O, no nested dma_* call).  The
 * SIGBUS handler is async-signal-safe: it only reads dma_guard and the
 * space's backing array, which nothing modifies while the guard is armed.
 * A fault inside one of the guarded space's backings longjmps back into
 * dma_access(), which drops that backing (every map on it loses its
 * backing, like a map QEMU sent without an fd) and returns -EFAULT, so
 * the device completes the descriptor or admin command with DMA_ERR and
 * the server goes on.  Any other SIGBUS (a real bug, or kill -BUS) resets
 * the default action and re-raises it.  The handler is installed with
 * SA_NODEFER so that siglongjmp() out of it leaves SIGBUS unblocked
 * without saving/restoring the signal mask on every access.  A write that
 * faults part way may have stored the bytes before the fault: "all or
 * nothing" holds for every access except one racing a hostile truncate.
 *
 * This is process-wide state by nature (a signal handler has no context
 * argument); the server is single-threaded and dma_access() does not
 * nest.
 */
static struct {
	sigjmp_buf env;
	volatile sig_atomic_t armed;
	struct dma_space *volatile ds;	/* space being accessed */
	volatile int fault_bk;		/* backing that faulted, or -1 */
} dma_guard;

static void dma_sigbus(int sig, siginfo_t *si, void *uc)
{
	struct dma_space *ds = dma_guard.ds;
	uintptr_t a = (uintptr_t)si->si_addr, lo;
	size_t i;

	(void)uc;
	if (dma_guard.armed && ds) {
		for (i = 0; i < ds->nr_bk; i++) {
			if (!ds->bk[i].refs)
				continue;
			lo = (uintptr_t)ds->bk[i].base;
			if (a >= lo && a - lo < ds->bk[i].len) {
				dma_guard.armed = 0;
				dma_guard.fault_bk = (int)i;
				siglongjmp(dma_guard.env, 1);
			}
		}
	}
	/* Not a guarded DMA access: die of it as without a handler. */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void dma_guard_install(void)
{
	static bool installed;
	struct sigaction sa;

	if (installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = dma_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL) < 0)
		emu_err("dma: cannot install the SIGBUS handler: %s", strerror(errno));
	else
		installed = true;
}

void dma_init(struct dma_space *ds, const char *name, bool verbose)
{
	memset(ds, 0, sizeof(*ds));
	ds->name = name;
	ds->verbose = verbose;
	dma_guard_install();
}

void dma_set_write_observer(struct dma_space *ds, dma_write_fn fn, void *ctx)
{
	ds->on_write = fn;
	ds->on_write_ctx = ctx;
}

static void bk_put(struct dma_space *ds, int i)
{
	struct dma_backing *b;

	if (i < 0)
		return;
	b = &ds->bk[i];
	if (--b->refs == 0) {
		munmap(b->base, b->len);
		memset(b, 0, sizeof(*b));
	}
}

/* Find or mmap the backing file of @fd; returns its index or -errno. */
static int bk_get(struct dma_space *ds, int fd, uint64_t need)
{
	struct dma_backing *b;
	struct stat st;
	size_t i, free_slot = ds->nr_bk;
	uint32_t prot = DMA_PROT_READ | DMA_PROT_WRITE;
	void *base;
	int seals;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    need > (uint64_t)st.st_size || (uint64_t)st.st_size > SIZE_MAX)
		return -EINVAL;

	for (i = 0; i < ds->nr_bk; i++) {
		b = &ds->bk[i];
		if (!b->refs) {
			if (free_slot == ds->nr_bk)
				free_slot = i;
			continue;
		}
		if (b->dev != st.st_dev || b->ino != st.st_ino)
			continue;
		if (need > b->len) {
			/* The file grew: map it again, maps hold offsets. */
			base = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE,
				    MAP_SHARED, fd, 0);
			if (base == MAP_FAILED)
				return -errno;
			munmap(b->base, b->len);
			b->base = base;
			b->len = st.st_size;
			b->prot = prot;
		}
		b->refs++;
		return (int)i;
	}

	base = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED && errno == EACCES) {
		prot = DMA_PROT_READ;
		base = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	}
	if (base == MAP_FAILED)
		return -errno;
	if (free_slot == ds->nr_bk) {
		b = realloc(ds->bk, (ds->nr_bk + 1) * sizeof(*b));
		if (!b) {
			munmap(base, st.st_size);
			return -ENOMEM;
		}
		ds->bk = b;
		ds->nr_bk++;
	}
	b = &ds->bk[free_slot];
	b->dev = st.st_dev;
	b->ino = st.st_ino;
	b->base = base;
	b->len = st.st_size;
	b->prot = prot;
	b->refs = 1;
	seals = fcntl(fd, F_GET_SEALS);
	emu_dbg(ds->verbose, "%s: dma: mmapped backing file dev %lu ino %lu, %zu bytes%s",
		ds->name, (unsigned long)st.st_dev, (unsigned long)st.st_ino,
		b->len, seals >= 0 && (seals & F_SEAL_SHRINK) ? ", shrink-sealed" :
		" (not shrink-sealed: accesses are SIGBUS-guarded)");
	return (int)free_slot;
}

static int map_insert(struct dma_space *ds, uint64_t iova, uint64_t size,
		      uint64_t offset, int bk, uint32_t prot)
{
	struct dma_map *m = malloc(sizeof(*m));
	void *node;

	if (!m)
		return -ENOMEM;
	m->iova = iova;
	m->size = size;
	m->offset = offset;
	m->bk = bk;
	m->prot = prot;
	node = tsearch(m, &ds->root, map_cmp);
	if (!node || *(struct dma_map **)node != m) {
		/* Cannot happen: callers remove overlaps first. */
		free(m);
		return node ? -EEXIST : -ENOMEM;
	}
	if (bk >= 0)
		ds->bk[bk].refs++;
	ds->nr_maps++;
	return 0;
}

uint64_t dma_unmap(struct dma_space *ds, uint64_t iova, uint64_t size)
{
	struct dma_map probe, *m;
	uint64_t end, removed = 0;
	void *node;

	if (!size)
		return 0;
	end = iova + size;
	if (end < iova)		/* clamp ranges wrapping past 2^64 */
		end = UINT64_MAX;
	probe.iova = iova;
	probe.size = end - iova;

	while ((node = tfind(&probe, &ds->root, map_cmp))) {
		uint64_t mend, lo, hi;

		m = *(struct dma_map **)node;
		tdelete(m, &ds->root, map_cmp);
		ds->nr_maps--;
		mend = m->iova + m->size;
		lo = m->iova > iova ? m->iova : iova;
		hi = mend < end ? mend : end;
		removed += hi - lo;
		/* Keep the parts outside [iova, end); they cannot fail to
		 * insert for lack of overlap, only for lack of memory. */
		if (m->iova < iova &&
		    map_insert(ds, m->iova, iova - m->iova, m->offset, m->bk,
			       m->prot))
			emu_err("%s: dma: out of memory splitting a map", ds->name);
		if (mend > end &&
		    map_insert(ds, end, mend - end, m->offset + (end - m->iova),
			       m->bk, m->prot))
			emu_err("%s: dma: out of memory splitting a map", ds->name);
		bk_put(ds, m->bk);
		free(m);
	}
	return removed;
}

/* The map holding byte @iova, or NULL. */
static struct dma_map *map_at(struct dma_space *ds, uint64_t iova)
{
	struct dma_map probe = { .iova = iova, .size = 1 };
	void *node = tfind(&probe, &ds->root, map_cmp);

	return node ? *(struct dma_map **)node : NULL;
}

/* @b directly follows @a in IOVA, backing file offset and permission. */
static bool map_adjacent(const struct dma_map *a, const struct dma_map *b)
{
	return a->iova + a->size == b->iova && a->bk == b->bk &&
	       a->prot == b->prot &&
	       (a->bk < 0 || a->offset + a->size == b->offset);
}

/*
 * Fold the map @m into its neighbours where they continue it: behind a
 * vIOMMU QEMU maps guest RAM one 4 KiB IOTLB entry at a time, and entries
 * that are contiguous in IOVA and in the backing file become one run, so
 * a device access walks (and copies) one run instead of one page after
 * the other.  @m's neighbour is removed from the tree before @m grows
 * over its range, so the tree never holds overlapping maps.
 */
static void map_coalesce(struct dma_space *ds, struct dma_map *m)
{
	struct dma_map *n;

	if (m->iova && (n = map_at(ds, m->iova - 1)) && map_adjacent(n, m)) {
		tdelete(m, &ds->root, map_cmp);
		n->size += m->size;
		bk_put(ds, m->bk);
		free(m);
		ds->nr_maps--;
		m = n;
	}
	if (m->iova + m->size &&
	    (n = map_at(ds, m->iova + m->size)) && map_adjacent(m, n)) {
		tdelete(n, &ds->root, map_cmp);
		m->size += n->size;
		bk_put(ds, n->bk);
		free(n);
		ds->nr_maps--;
	}
}

int dma_map(struct dma_space *ds, uint64_t iova, uint64_t size, uint32_t prot,
	    int fd, uint64_t offset)
{
	int bk = -1, ret;

	if (!size || iova + size <= iova || offset + size < offset ||
	    (prot & ~(DMA_PROT_READ | DMA_PROT_WRITE)))
		return -EINVAL;
	if (ds->nr_maps >= DMA_MAX_MAPS)
		return -ENOSPC;
	if (fd >= 0) {
		bk = bk_get(ds, fd, offset + size);
		if (bk < 0)
			return bk;
	}
	dma_unmap(ds, iova, size);
	ret = map_insert(ds, iova, size, offset, bk, prot);
	bk_put(ds, bk);	/* drop bk_get's reference; the map holds its own */
	if (!ret)
		map_coalesce(ds, map_at(ds, iova));
	return ret;
}

static void free_map(void *p)
{
	free(p);
}

void dma_unmap_all(struct dma_space *ds)
{
	size_t i;

	tdestroy(ds->root, free_map);
	ds->root = NULL;
	ds->nr_maps = 0;
	for (i = 0; i < ds->nr_bk; i++)
		if (ds->bk[i].refs)
			munmap(ds->bk[i].base, ds->bk[i].len);
	free(ds->bk);
	ds->bk = NULL;
	ds->nr_bk = 0;
}

int dma_ptr(struct dma_space *ds, uint64_t iova, uint64_t len, uint32_t prot,
	    uint8_t **p, size_t *contig)
{
	struct dma_map probe = { .iova = iova, .size = 1 }, *m;
	struct dma_backing *b;
	uint64_t avail;
	void *node;

	if (!len || iova + len < iova)
		return -EFAULT;
	node = tfind(&probe, &ds->root, map_cmp);
	if (!node)
		return -EFAULT;
	m = *(struct dma_map **)node;
	if (m->bk < 0)
		return -EFAULT;
	b = &ds->bk[m->bk];
	if ((m->prot & prot) != prot || (b->prot & prot) != prot)
		return -EACCES;
	avail = m->iova + m->size - iova;
	if (m->offset + (iova - m->iova) + (len < avail ? len : avail) > b->len)
		return -EFAULT;	/* cannot happen: checked when mapped */
	*p = b->base + m->offset + (iova - m->iova);
	*contig = len < avail ? len : avail;
	return 0;
}

int dma_check(struct dma_space *ds, uint64_t iova, uint64_t len,
	      uint32_t prot)
{
	uint8_t *p;
	size_t n;
	int ret;

	if (iova + len < iova)
		return -EFAULT;
	while (len) {
		ret = dma_ptr(ds, iova, len, prot, &p, &n);
		if (ret)
			return ret;
		iova += n;
		len -= n;
	}
	return 0;
}

struct drop_ctx {
	int bk;
};

static void drop_map(const void *node, VISIT which, void *arg)
{
	struct dma_map *m = *(struct dma_map *const *)node;
	const struct drop_ctx *c = arg;

	if ((which == postorder || which == leaf) && m->bk == c->bk)
		m->bk = -1;
}

/* Backing @i faulted: its maps lose their backing, the mmap goes. */
static void bk_drop(struct dma_space *ds, int i)
{
	struct dma_backing *b = &ds->bk[i];
	struct drop_ctx c = { .bk = i };

	emu_err("%s: dma: SIGBUS accessing backing file dev %lu ino %lu (shrunk by the client?): its maps lose their backing",
		ds->name, (unsigned long)b->dev, (unsigned long)b->ino);
	twalk_r(ds->root, drop_map, &c);
	munmap(b->base, b->len);
	memset(b, 0, sizeof(*b));
}

int dma_access(struct dma_space *ds, uint64_t iova, uint64_t len,
	       uint32_t prot, dma_accessor_fn fn, void *ctx)
{
	/* volatile: read after a siglongjmp into this frame */
	volatile uint64_t done = 0;
	uint8_t *p;
	size_t n;
	int ret;

	ret = dma_check(ds, iova, len, prot);
	if (ret)
		return ret;
	if (dma_guard.armed) {
		emu_err("%s: dma: nested dma_access", ds->name);
		return -EFAULT;
	}
	dma_guard.ds = ds;
	dma_guard.fault_bk = -1;
	if (sigsetjmp(dma_guard.env, 0)) {
		/* The handler disarmed the guard. */
		dma_guard.ds = NULL;
		bk_drop(ds, dma_guard.fault_bk);
		if ((prot & DMA_PROT_WRITE) && ds->on_write)
			ds->on_write(ds->on_write_ctx, iova, len);
		return -EFAULT;
	}
	dma_guard.armed = 1;
	while (done < len) {
		uint64_t start = done;
		uint8_t *q;
		size_t m;

		dma_ptr(ds, iova + done, len - done, prot, &p, &n);
		done += n;
		/* Runs that meet in host memory too: one call for both. */
		while (done < len &&
		       !dma_ptr(ds, iova + done, len - done, prot, &q, &m) &&
		       q == p + n) {
			n += m;
			done += m;
		}
		fn(ctx, p, n, start);
	}
	dma_guard.armed = 0;
	dma_guard.ds = NULL;
	if ((prot & DMA_PROT_WRITE) && ds->on_write)
		ds->on_write(ds->on_write_ctx, iova, len);
	return 0;
}

static void read_chunk(void *ctx, uint8_t *p, size_t n, uint64_t done)
{
	memcpy((uint8_t *)ctx + done, p, n);
}

static void write_chunk(void *ctx, uint8_t *p, size_t n, uint64_t done)
{
	memcpy(p, (const uint8_t *)ctx + done, n);
}

int dma_read(struct dma_space *ds, uint64_t iova, void *buf, size_t len)
{
	return dma_access(ds, iova, len, DMA_PROT_READ, read_chunk, buf);
}

int dma_write(struct dma_space *ds, uint64_t iova, const void *buf,
	      size_t len)
{
	return dma_access(ds, iova, len, DMA_PROT_WRITE, write_chunk,
			  (void *)buf);
}

size_t dma_nr_backings(const struct dma_space *ds)
{
	size_t i, n = 0;

	for (i = 0; i < ds->nr_bk; i++)
		n += ds->bk[i].refs != 0;
	return n;
}
