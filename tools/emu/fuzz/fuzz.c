// SPDX-License-Identifier: GPL-2.0
/* mvf-emu fuzz targets: the shared device fixture (see fuzz.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../log.h"
#include "../pf.h"
#include "fuzz.h"

/*
 * The emulator's diagnostics, replacing log.c: formatted (so a bad format
 * or argument still shows under the sanitizers) and dropped, unless
 * MVF_FUZZ_LOG is set in the environment.  A refused message per input
 * on stderr would cost a write() each and bury libFuzzer's own output.
 */
void emu_err(const char *fmt, ...)
{
	static int show = -1;
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (show < 0)
		show = getenv("MVF_FUZZ_LOG") != NULL;
	if (show)
		fprintf(stderr, "mvf-emu: %s\n", line);
}

void fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "fuzz: %s:%d: assertion failed: %s\n", file, line, what);
	abort();
}

void fz_init(struct fz *z, unsigned int nr_vfs, uint64_t devmem,
	     size_t ram_size)
{
	struct dirty_cfg dirty = { .budget = FZ_DIRTY_BUDGET };

	memset(z, 0, sizeof(*z));
	if (mvf_dev_init(&z->dev, nr_vfs, devmem, 0x6d7666000001ull, &dirty, false)) {
		fprintf(stderr, "fuzz: device of %u VFs with %llu bytes each: cannot create\n",
			nr_vfs, (unsigned long long)devmem);
		exit(1);
	}
	z->ram_size = ram_size;
	z->memfd = memfd_create("fuzz-ram", MFD_CLOEXEC);
	if (z->memfd < 0 || ftruncate(z->memfd, (off_t)ram_size) < 0) {
		perror("fuzz: memfd for RAM");
		exit(1);
	}
	z->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, z->memfd, 0);
	if (z->ram == MAP_FAILED) {
		perror("fuzz: mmap of RAM");
		exit(1);
	}
}

void fz_map_ram(struct fz *z, struct dma_space *ds)
{
	if (dma_map(ds, FZ_IOVA, z->ram_size, DMA_PROT_READ | DMA_PROT_WRITE,
		    z->memfd, 0)) {
		fprintf(stderr, "fuzz: mapping RAM into %s: failed\n", ds->name);
		exit(1);
	}
}

void fz_pf_queues_on(struct pf *pf, uint64_t sq, uint64_t cq, uint64_t eq,
		     uint32_t size)
{
	sq += FZ_IOVA;
	cq += FZ_IOVA;
	eq += FZ_IOVA;
	pf_reg_write(pf, MVF_PF_REG_AQ_SQ_LO, (uint32_t)sq);
	pf_reg_write(pf, MVF_PF_REG_AQ_SQ_HI, (uint32_t)(sq >> 32));
	pf_reg_write(pf, MVF_PF_REG_AQ_CQ_LO, (uint32_t)cq);
	pf_reg_write(pf, MVF_PF_REG_AQ_CQ_HI, (uint32_t)(cq >> 32));
	pf_reg_write(pf, MVF_PF_REG_AQ_SIZE, size);
	pf_reg_write(pf, MVF_PF_REG_EQ_LO, (uint32_t)eq);
	pf_reg_write(pf, MVF_PF_REG_EQ_HI, (uint32_t)(eq >> 32));
	pf_reg_write(pf, MVF_PF_REG_EQ_SIZE, size);
	pf_reg_write(pf, MVF_REG_CTRL, MVF_PF_CTRL_AQ_ENABLE | MVF_PF_CTRL_EQ_ENABLE);
	FZ_ASSERT(pf_reg_read(pf, MVF_REG_STATUS) ==
		  (MVF_PF_STS_AQ_READY | MVF_PF_STS_EQ_READY));
}

void *fz_zalloc(size_t size)
{
	void *p = calloc(1, size);

	if (!p)
		abort();
	return p;
}

void fz_reset(struct fz *z, bool disconnect)
{
	unsigned int i;

	for (i = 0; i < z->dev.nr_vfs; i++) {
		if (disconnect)
			func_disconnect(&z->dev.vf_fns[i]);
		func_reset(&z->dev.vf_fns[i]);
	}
	/* Last: the VF resets posted events, and this drops their count. */
	if (disconnect)
		func_disconnect(&z->dev.pf_fn);
	func_reset(&z->dev.pf_fn);
	memset(z->ram, 0, z->ram_size);
}
