// SPDX-License-Identifier: GPL-2.0
/* DMA map table and translation. */
#include <endian.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../dma.h"
#include "fixture.h"
#include "test.h"

#define RAM	(1u << 20)

static int mkram(uint8_t **p)
{
	int fd = memfd_create("ram", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, RAM) < 0)
		return -1;
	*p = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return *p == MAP_FAILED ? -1 : fd;
}

static int dma_basic_rw(void)
{
	struct dma_space ds;
	uint8_t *ram, buf[64];
	int fd = mkram(&ram);

	CHECK(fd >= 0);
	dma_init(&ds, "t", false);
	TRY(dma_map(&ds, 0x10000, 0x4000, DMA_PROT_READ | DMA_PROT_WRITE, fd, 0x2000));
	memset(buf, 0x5a, sizeof(buf));
	TRY(dma_write(&ds, 0x10ff0, buf, sizeof(buf)));
	CHECK_EQ(ram[0x2ff0], 0x5a);
	CHECK_EQ(ram[0x302f], 0x5a);
	CHECK_EQ(ram[0x3030], 0);
	ram[0x2000] = 0x77;
	TRY(dma_read(&ds, 0x10000, buf, 1));
	CHECK_EQ(buf[0], 0x77);
	CHECK_EQ(ds.nr_maps, 1);
	CHECK_EQ(dma_nr_backings(&ds), 1);
	dma_unmap_all(&ds);
	munmap(ram, RAM);
	close(fd);
	return 0;
}

/* Per-page maps in reverse file order, like scattered guest pages. */
static int dma_per_page_dedupe_and_cross(void)
{
	struct dma_space ds;
	uint8_t *ram, buf[3 * 4096];
	int fd = mkram(&ram), fd2;
	uint64_t i;

	CHECK(fd >= 0);
	dma_init(&ds, "t", false);
	for (i = 0; i < 256; i++)
		TRY(dma_map(&ds, 0x100000 + i * 4096, 4096, DMA_PROT_READ | DMA_PROT_WRITE,
			    fd, (255 - i) * 4096));
	fd2 = dup(fd);		/* same inode, other fd: still one mmap */
	TRY(dma_map(&ds, 0x900000, 4096, DMA_PROT_READ, fd2, 0));
	close(fd2);
	CHECK_EQ(ds.nr_maps, 257);
	CHECK_EQ(dma_nr_backings(&ds), 1);
	for (i = 0; i < 3; i++)
		memset(ram + (255 - 10 - i) * 4096, (int)(0x10 + i), 4096);
	/* IOVA pages 10, 11, 12 come from file pages 245, 244, 243. */
	TRY(dma_read(&ds, 0x100000 + 10 * 4096, buf, sizeof(buf)));
	CHECK_EQ(buf[0], 0x10);
	CHECK_EQ(buf[4096], 0x11);
	CHECK_EQ(buf[8191 + 4096], 0x12);
	dma_unmap_all(&ds);
	CHECK_EQ(dma_nr_backings(&ds), 0);
	munmap(ram, RAM);
	close(fd);
	return 0;
}

static int dma_unmap_lenient_and_split(void)
{
	struct dma_space ds;
	uint8_t *ram, b = 0;
	int fd = mkram(&ram);

	CHECK(fd >= 0);
	dma_init(&ds, "t", false);
	TRY(dma_map(&ds, 0x100000, 0x10000, DMA_PROT_READ | DMA_PROT_WRITE, fd, 0));
	CHECK_EQ(dma_unmap(&ds, 0x500000, 0x1000), 0);		/* nothing there */
	CHECK_EQ(dma_unmap(&ds, 0x104000, 0x2000), 0x2000);	/* middle: split */
	CHECK_EQ(ds.nr_maps, 2);
	CHECK_EQ(dma_read(&ds, 0x104000, &b, 1), -EFAULT);
	CHECK_EQ(dma_read(&ds, 0x103fff, &b, 2), -EFAULT);	/* all or nothing */
	ram[0x6000] = 9;
	TRY(dma_read(&ds, 0x106000, &b, 1));
	CHECK_EQ(b, 9);	/* the tail piece kept its file offset */
	/* An unmap spanning both pieces and more. */
	CHECK_EQ(dma_unmap(&ds, 0, 0x200000), 0xe000);
	CHECK_EQ(ds.nr_maps, 0);
	CHECK_EQ(dma_nr_backings(&ds), 0);
	/* A new map replaces what it overlaps. */
	TRY(dma_map(&ds, 0x100000, 0x2000, DMA_PROT_READ, fd, 0));
	TRY(dma_map(&ds, 0x101000, 0x2000, DMA_PROT_READ | DMA_PROT_WRITE, fd, 0x10000));
	CHECK_EQ(ds.nr_maps, 2);
	TRY(dma_write(&ds, 0x101000, "x", 1));
	CHECK_EQ(ram[0x10000], 'x');
	CHECK_EQ(dma_write(&ds, 0x100000, "x", 1), -EACCES);
	dma_unmap_all(&ds);
	munmap(ram, RAM);
	close(fd);
	return 0;
}

static int dma_errors(void)
{
	struct dma_space ds;
	uint8_t *ram, b[16];
	uint8_t *p;
	size_t n;
	int fd = mkram(&ram), pp[2];

	CHECK(fd >= 0);
	dma_init(&ds, "t", false);
	CHECK_EQ(dma_map(&ds, 0x1000, RAM, DMA_PROT_READ, fd, 0x1000), -EINVAL);
	CHECK_EQ(dma_map(&ds, 0x1000, 0, DMA_PROT_READ, fd, 0), -EINVAL);
	CHECK_EQ(dma_map(&ds, ~0ull - 0xfff, 0x1000, DMA_PROT_READ, fd, 0), -EINVAL);
	CHECK(pipe(pp) == 0);
	CHECK_EQ(dma_map(&ds, 0x1000, 0x1000, DMA_PROT_READ, pp[0], 0), -EINVAL);
	close(pp[0]);
	close(pp[1]);
	TRY(dma_map(&ds, 0x1000, 0x1000, DMA_PROT_READ, fd, 0));
	TRY(dma_map(&ds, 0x2000, 0x1000, DMA_PROT_READ | DMA_PROT_WRITE, -1, 0));
	CHECK_EQ(dma_read(&ds, 0x0, b, 1), -EFAULT);
	CHECK_EQ(dma_read(&ds, 0x2000, b, 1), -EFAULT);	/* no backing */
	CHECK_EQ(dma_write(&ds, 0x1000, b, 1), -EACCES);
	CHECK_EQ(dma_read(&ds, 0x1ff8, b, 16), -EFAULT);
	CHECK_EQ(dma_ptr(&ds, ~0ull - 4, 16, DMA_PROT_READ, &p, &n), -EFAULT);
	CHECK_EQ(dma_check(&ds, 0x1000, 0x1000, DMA_PROT_READ), 0);
	CHECK_EQ(dma_check(&ds, 0x1000, 0x1001, DMA_PROT_READ), -EFAULT);
	dma_unmap_all(&ds);
	munmap(ram, RAM);
	close(fd);
	return 0;
}


/* Counts accessor calls and checks each sees the expected bytes. */
struct runs {
	unsigned int calls;
	uint64_t bytes;
	bool out_of_order;	/* a call's @done was not the bytes before it */
};

static void count_run(void *ctx, uint8_t *p, size_t n, uint64_t done)
{
	struct runs *r = ctx;

	(void)p;
	r->calls++;
	if (r->bytes != done)
		r->out_of_order = true;
	r->bytes += n;
}

/*
 * Per-page maps contiguous in IOVA and file (a vIOMMU's IOTLB entries
 * for one buffer) become one run: one map in the tree, one accessor call
 * (one memcpy) for a 1 MiB access; boundaries of the run are exact.
 */
static int dma_ranges_coalesce(void)
{
	struct dma_space ds;
	struct runs r = { 0 };
	uint8_t *ram, *buf = malloc(RAM), b = 0;
	int fd = mkram(&ram);
	uint64_t i;

	CHECK(fd >= 0 && buf);
	dma_init(&ds, "t", false);
	/* Even pages first, then odd ones: holes fill in, runs merge both ways. */
	for (i = 0; i < 256; i += 2)
		TRY(dma_map(&ds, 0x400000 + i * 4096, 4096,
			    DMA_PROT_READ | DMA_PROT_WRITE, fd, i * 4096));
	CHECK_EQ(ds.nr_maps, 128);
	/* A hole: the access fails as a whole, nothing is touched. */
	CHECK_EQ(dma_access(&ds, 0x400000, 2 * 4096, DMA_PROT_READ, count_run, &r),
		 -EFAULT);
	CHECK_EQ(r.calls, 0);
	for (i = 1; i < 256; i += 2)
		TRY(dma_map(&ds, 0x400000 + i * 4096, 4096,
			    DMA_PROT_READ | DMA_PROT_WRITE, fd, i * 4096));
	CHECK_EQ(ds.nr_maps, 1);
	CHECK_EQ(dma_nr_backings(&ds), 1);
	TRY(dma_access(&ds, 0x400000, RAM, DMA_PROT_READ, count_run, &r));
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.bytes, RAM);
	CHECK(!r.out_of_order);
	for (i = 0; i < RAM; i++)
		ram[i] = (uint8_t)(i * 7 + (i >> 12));
	TRY(dma_read(&ds, 0x400000, buf, RAM));
	CHECK(!memcmp(buf, ram, RAM));
	/* Boundaries: last byte in, one byte past, one byte before. */
	TRY(dma_read(&ds, 0x400000 + RAM - 1, &b, 1));
	CHECK_EQ(b, ram[RAM - 1]);
	CHECK_EQ(dma_read(&ds, 0x400000 + RAM - 1, buf, 2), -EFAULT);
	CHECK_EQ(dma_read(&ds, 0x400000 - 1, buf, 2), -EFAULT);
	CHECK_EQ(dma_check(&ds, 0x400000, RAM, DMA_PROT_WRITE), 0);
	CHECK_EQ(dma_check(&ds, 0x400000, RAM + 1, DMA_PROT_READ), -EFAULT);
	free(buf);
	dma_unmap_all(&ds);
	munmap(ram, RAM);
	close(fd);
	return 0;
}

/*
 * What must not merge: a file offset that does not continue, another
 * permission, an unbacked map next to a backed one.  An overlapping map
 * splits a run into three; unmapping the middle leaves two runs and a
 * hole that fails; mapping it back joins them again.
 */
static int dma_ranges_overlap_and_split(void)
{
	struct dma_space ds;
	struct runs r = { 0 };
	uint8_t *ram, b = 0;
	int fd = mkram(&ram);

	CHECK(fd >= 0);
	dma_init(&ds, "t", false);
	TRY(dma_map(&ds, 0x10000, 0x1000, DMA_PROT_READ, fd, 0));
	TRY(dma_map(&ds, 0x11000, 0x1000, DMA_PROT_READ, fd, 0x3000));	/* offset jumps */
	TRY(dma_map(&ds, 0x12000, 0x1000, DMA_PROT_READ | DMA_PROT_WRITE, fd, 0x4000));
	TRY(dma_map(&ds, 0x13000, 0x1000, DMA_PROT_READ | DMA_PROT_WRITE, -1, 0));
	CHECK_EQ(ds.nr_maps, 4);
	/* Two runs that are not host-contiguous: two accessor calls. */
	TRY(dma_access(&ds, 0x10000, 0x2000, DMA_PROT_READ, count_run, &r));
	CHECK_EQ(r.calls, 2);
	CHECK(!r.out_of_order && r.bytes == 0x2000);
	/* Runs that meet in the file though not in permission: one call. */
	r = (struct runs){ 0 };
	TRY(dma_access(&ds, 0x11000, 0x2000, DMA_PROT_READ, count_run, &r));
	CHECK_EQ(r.calls, 1);
	dma_unmap_all(&ds);

	TRY(dma_map(&ds, 0x100000, 0x10000, DMA_PROT_READ | DMA_PROT_WRITE, fd, 0));
	/* Overlap in the middle with another offset: three runs. */
	TRY(dma_map(&ds, 0x104000, 0x1000, DMA_PROT_READ | DMA_PROT_WRITE, fd, 0x80000));
	CHECK_EQ(ds.nr_maps, 3);
	ram[0x80000] = 0x42;
	ram[0x5000] = 0x43;
	TRY(dma_read(&ds, 0x104000, &b, 1));
	CHECK_EQ(b, 0x42);
	TRY(dma_read(&ds, 0x105000, &b, 1));
	CHECK_EQ(b, 0x43);
	/* Put the original page back: one run again. */
	TRY(dma_map(&ds, 0x104000, 0x1000, DMA_PROT_READ | DMA_PROT_WRITE, fd, 0x4000));
	CHECK_EQ(ds.nr_maps, 1);
	/* Unmap the middle: two runs, the hole is unmapped. */
	CHECK_EQ(dma_unmap(&ds, 0x108000, 0x1000), 0x1000);
	CHECK_EQ(ds.nr_maps, 2);
	CHECK_EQ(dma_read(&ds, 0x107fff, &b, 1), 0);
	CHECK_EQ(dma_read(&ds, 0x107fff, &b, 2), -EFAULT);
	CHECK_EQ(dma_write(&ds, 0x108000, "x", 1), -EFAULT);
	TRY(dma_map(&ds, 0x108000, 0x1000, DMA_PROT_READ | DMA_PROT_WRITE, fd, 0x8000));
	CHECK_EQ(ds.nr_maps, 1);
	CHECK_EQ(dma_unmap(&ds, 0, ~0ull), 0x10000);
	CHECK_EQ(ds.nr_maps, 0);
	CHECK_EQ(dma_nr_backings(&ds), 0);
	CHECK_EQ(dma_read(&ds, 0x100000, &b, 1), -EFAULT);
	dma_unmap_all(&ds);
	munmap(ram, RAM);
	close(fd);
	return 0;
}

#define HIOVA	0x80000000ull	/* IOVA of the hostile memfd */

/* One descriptor on VF @vf's ring; its completion status or -1. */
static int desc(struct fx *f, unsigned int vf, uint8_t op, uint64_t src,
		uint64_t dst, uint32_t len)
{
	struct mvf_desc d = fx_desc(op, 0, len, src, dst, 0x0123456789abcdefull, 0);

	return fx_run_desc(f, vf, &d);
}

/* (Re)size @fd to RAM bytes and map it at HIOVA into @ds. */
static int hostile_map(struct dma_space *ds, int fd)
{
	if (ftruncate(fd, RAM) < 0)
		return -1;
	return dma_map(ds, HIOVA, RAM, DMA_PROT_READ | DMA_PROT_WRITE, fd, 0);
}

/*
 * A hostile client shrinks a mapped memfd after DMA_MAP: every kind of
 * device access to it (descriptor FILL, H2D, D2H, COPY both ways, CRC32C;
 * admin command buffers) completes with DMA_ERR instead of killing the
 * server with SIGBUS; the faulting backing is dropped (its maps stay,
 * unbacked), other maps keep working, and nothing leaks.
 */
static int dma_sigbus_truncated_backing(void)
{
	struct dma_space *vds, *pds;
	struct fx f;
	size_t nbk;
	int fd;
	struct {
		uint8_t op;
		uint64_t src, dst;
	} ops[] = {
		{ MVF_DESC_OP_FILL, 0, HIOVA + 4096 },
		{ MVF_DESC_OP_H2D, HIOVA + 8192, 0 },
		{ MVF_DESC_OP_D2H, 0, HIOVA },
		{ MVF_DESC_OP_COPY, HIOVA, fx_iova(FX_VF_DATA(0)) },
		{ MVF_DESC_OP_COPY, fx_iova(FX_VF_DATA(0)), HIOVA + 4096 },
		{ MVF_DESC_OP_CRC32C, HIOVA, 0 },
	};
	unsigned int i;

	TRY(fx_init(&f, 1 << 20, false));
	vds = f.dev.vfs[0].dma;
	pds = f.dev.pf.dma;
	fx_ring_setup(&f, 0, 16, 0);
	fd = memfd_create("hostile", MFD_CLOEXEC);
	CHECK(fd >= 0);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		CHECK_EQ(hostile_map(vds, fd), 0);
		nbk = dma_nr_backings(vds);
		/* Works while the file is whole. */
		CHECK_EQ(desc(&f, 0, ops[i].op, ops[i].src, ops[i].dst, 4096),
			 MVF_DESC_STS_OK);
		CHECK_EQ(ftruncate(fd, 0), 0);
		CHECK_EQ(desc(&f, 0, ops[i].op, ops[i].src, ops[i].dst, 4096),
			 MVF_DESC_STS_DMA_ERR);
		CHECK_EQ(dma_nr_backings(vds), nbk - 1);
		/* The map stays, unbacked: a clean error, no fault. */
		CHECK_EQ(dma_check(vds, HIOVA, 1, DMA_PROT_READ), -EFAULT);
		CHECK_EQ(desc(&f, 0, ops[i].op, ops[i].src, ops[i].dst, 4096),
			 MVF_DESC_STS_DMA_ERR);
		/* The guest RAM backing still works. */
		CHECK_EQ(desc(&f, 0, MVF_DESC_OP_FILL, 0,
			      fx_iova(FX_VF_DATA(0)), 4096), MVF_DESC_STS_OK);
	}
	/* Admin command buffer on a shrunk backing of the PF. */
	CHECK_EQ(hostile_map(pds, fd), 0);
	nbk = dma_nr_backings(pds);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_QUERY_SIZE, 0, 0, HIOVA, 32, NULL), 0);
	CHECK_EQ(ftruncate(fd, 0), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_QUERY_SIZE, 0, 0, HIOVA, 32, NULL),
		 MVF_AQ_STS_DMA_ERR);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_IDENTIFY, 0, 0, HIOVA + 4096, 64, NULL),
		 MVF_AQ_STS_DMA_ERR);
	CHECK_EQ(dma_nr_backings(pds), nbk - 1);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_QUERY_SIZE, 0, 0, fx_iova(FX_PF_BUF), 32,
		       NULL), 0);
	close(fd);
	fx_fini(&f);
	return 0;
}

/* A SIGBUS outside a guarded DMA access still kills the process. */
static int dma_sigbus_elsewhere_is_fatal(void)
{
	struct dma_space ds;
	int st;
	pid_t pid;

	dma_init(&ds, "t", false);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		raise(SIGBUS);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS);
	return 0;
}

const struct test dma_tests[] = {
	{ "dma_basic_rw", dma_basic_rw },
	{ "dma_per_page_dedupe_and_cross", dma_per_page_dedupe_and_cross },
	{ "dma_unmap_lenient_and_split", dma_unmap_lenient_and_split },
	{ "dma_errors", dma_errors },
	{ "dma_ranges_coalesce", dma_ranges_coalesce },
	{ "dma_ranges_overlap_and_split", dma_ranges_overlap_and_split },
	{ "dma_sigbus_truncated_backing", dma_sigbus_truncated_backing },
	{ "dma_sigbus_elsewhere_is_fatal", dma_sigbus_elsewhere_is_fatal },
	{ NULL, NULL },
};
