// SPDX-License-Identifier: GPL-2.0
/*
 * mig_dirty: device DMA dirty tracking (VFIO_DEVICE_FEATURE_DMA_LOGGING_*,
 * Documentation/driver.rst, "DMA dirty tracking") on VF0.
 *
 * The vfio core answers REPORT itself and needs CONFIG_IOMMUFD_DRIVER for
 * it (iova_bitmap); without it REPORT always fails with -EOPNOTSUPP and
 * the driver offers DMA logging only with its dirty_without_report
 * parameter, which the fixture sets (and clears again).  The fixture finds
 * out which kernel it runs on by a START + REPORT and cross-checks that
 * with the kernel config when /boot has it.  On a kernel without it the
 * REPORTs go through the driver's test ioctl MVF_VFIO_TEST_DIRTY_REPORT
 * (the driver's REPORT code, a plain bitmap instead of the core's
 * iova_bitmap, the core's checks and errnos); with it, through the core
 * (and the test ioctl must be refused).
 *
 * uAPI: PROBE; unaligned, overlapping, empty, too many (core limit:
 * -E2BIG) ranges; page size 0 or not a power of two; more ranges than the
 * device takes (combined: success); a second START (-EINVAL); STOP twice
 * (0); REPORT before START (-EINVAL), outside the tracked ranges
 * (0, clean), at another page size than START's (0); the page size
 * written back for each hint.
 * Exactness (REPORT): FILL/COPY into chosen pages of a host buffer are
 * reported exactly, plus the completion ring page, and nothing else; a
 * second REPORT is empty; H2D (a DMA read of host memory) dirties
 * nothing but the completion; tracking at 64 KiB and 2 MiB, REPORT at a
 * smaller and a larger page size; combined ranges; a DMA write outside
 * every range fails the tracker (-EIO until STOP).
 * Life cycle: tracking survives PRE_COPY -> PRE_COPY_P2P -> STOP_COPY and
 * a VFIO_DEVICE_RESET (the log is kept); after a close and reopen the
 * device is not tracking.
 *
 * Usage: mig_dirty [harness options] [VF0-BDF VF1-BDF]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mvf_ksft.h"
#include "mvf_vfio_test.h"

#define KIB		(1ull << 10)
#define MIB		(1ull << 20)
#define GIB		(1ull << 30)
#define DT_BOUNCE	(64u << 10)
#define DT_BUF_IOVA	(2 * GIB)	/* test buffers, 2 MiB aligned */
#define DT_BUF_SIZE	(4 * MIB)
#define DT_SRC_IOVA	(3 * GIB)
#define DT_DEV_MAX	8	/* mvf-emu's dirty_max_ranges */
#define DT_CORE_MAX	256	/* vfio core: ranges in one 4 KiB page */
#define DT_PARAM	"/sys/module/mvf_vfio_pci/parameters/dirty_without_report"

typedef struct vfio_device_feature_dma_logging_range dl_range;

static int dl_feature(struct mvf_dev *d, uint32_t flags, void *payload,
		      size_t len)
{
	uint8_t buf[sizeof(struct vfio_device_feature) + 64]
		__attribute__((aligned(8)));
	struct vfio_device_feature *f = (void *)buf;

	memset(buf, 0, sizeof(buf));
	f->argsz = sizeof(*f) + len;
	f->flags = flags;
	if (len)
		memcpy(f->data, payload, len);
	if (ioctl(d->vt.fd, VFIO_DEVICE_FEATURE, f))
		return -errno;
	if (len)
		memcpy(payload, f->data, len);
	return 0;
}

static int dl_start(struct mvf_dev *d, uint64_t *pgsize, const dl_range *r,
		    uint32_t n)
{
	struct vfio_device_feature_dma_logging_control c = {
		.page_size = *pgsize,
		.num_ranges = n,
		.ranges = (uintptr_t)r,
	};
	int ret;

	ret = dl_feature(d, VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_DMA_LOGGING_START, &c, sizeof(c));
	if (!ret)
		*pgsize = c.page_size;
	return ret;
}

static int dl_start1(struct mvf_dev *d, uint64_t pgsize, uint64_t iova,
		     uint64_t len)
{
	dl_range r = { .iova = iova, .length = len };

	return dl_start(d, &pgsize, &r, 1);
}

static int dl_stop(struct mvf_dev *d)
{
	return dl_feature(d, VFIO_DEVICE_FEATURE_SET |
			  VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP, NULL, 0);
}

/* REPORT through the vfio core (true) or the driver's test ioctl. */
static bool dl_core_report = true;

static int dl_report(struct mvf_dev *d, uint64_t iova, uint64_t len,
		     uint64_t pgsize, uint64_t *bitmap)
{
	struct vfio_device_feature_dma_logging_report r = {
		.iova = iova,
		.length = len,
		.page_size = pgsize,
		.bitmap = (uintptr_t)bitmap,
	};

	if (!dl_core_report)
		return ioctl(d->vt.fd, MVF_VFIO_TEST_DIRTY_REPORT, &r) ? -errno : 0;
	return dl_feature(d, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT, &r,
			  sizeof(r));
}

/* 1 if the running kernel's config says CONFIG_IOMMUFD_DRIVER=y, 0 if
 * not, -1 if /boot has no config. */
static int kconfig_iommufd_driver(void)
{
	char path[300], line[256];
	struct utsname u;
	int ret = 0;
	FILE *f;

	if (uname(&u))
		return -1;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	f = fopen(path, "r");
	if (!f) {
		/* a kernel built here (tools/vm/kernel.sh): its build tree */
		snprintf(path, sizeof(path), "/lib/modules/%s/build/.config",
			 u.release);
		f = fopen(path, "r");
	}
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CONFIG_IOMMUFD_DRIVER=y", 23))
			ret = 1;
	fclose(f);
	return ret;
}

static int write_param(const char *val)
{
	FILE *f = fopen(DT_PARAM, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fputs(val, f) < 0 ? -EIO : 0;
	if (fclose(f))
		ret = -errno;
	return ret;
}

FIXTURE(dt) {
	struct mvf_pair p;
	struct mvf_dev *d;
	struct vt_dma buf;	/* DT_BUF_SIZE at DT_BUF_IOVA */
	struct vt_dma src;	/* DT_BUF_SIZE at DT_SRC_IOVA */
	uint64_t *bmp;		/* big enough for any report here */
};

static int dt_open(struct mvf_pair *p, struct vt_dma *buf,
		   struct vt_dma *src)
{
	int ret = mvf_pair_open(p, mvf_vf_bdf[0], mvf_vf_bdf[1], DT_BOUNCE);

	if (ret)
		return ret;
	p->vfio.next_iova = DT_BUF_IOVA;
	ret = vt_dma_alloc(&p->vfio, DT_BUF_SIZE, buf);
	if (ret)
		return ret;
	p->vfio.next_iova = DT_SRC_IOVA;
	return vt_dma_alloc(&p->vfio, DT_BUF_SIZE, src);
}

FIXTURE_SETUP(dt)
{
	bool core_reports;
	int ret, kc;

	ASSERT_EQ(0, write_param("Y"));
	ASSERT_EQ(0, dt_open(&self->p, &self->buf, &self->src));
	self->d = &self->p.dev[0];
	self->bmp = calloc(1, 1 * MIB);
	ASSERT_NE(NULL, self->bmp);

	/* Which kernel: does the vfio core REPORT at all? */
	ASSERT_EQ(0, dl_start1(self->d, 4096, DT_BUF_IOVA, DT_BUF_SIZE));
	dl_core_report = true;
	ret = dl_report(self->d, DT_BUF_IOVA, DT_BUF_SIZE, 4096, self->bmp);
	ASSERT_TRUE(ret == 0 || ret == -EOPNOTSUPP)
		TH_LOG("first REPORT: %s", strerror(-ret));
	core_reports = ret == 0;
	kc = kconfig_iommufd_driver();
	if (kc >= 0)
		ASSERT_EQ(kc, core_reports)
			TH_LOG("CONFIG_IOMMUFD_DRIVER %d but REPORT %s", kc,
			       strerror(-ret));
	/*
	 * Without the core's REPORT, the driver's test ioctl runs the same
	 * driver code into a plain bitmap (mvf_vfio_test.h); with it, the
	 * ioctl is not answered.
	 */
	dl_core_report = false;
	ret = dl_report(self->d, DT_BUF_IOVA, DT_BUF_SIZE, 4096, self->bmp);
	if (core_reports) {
		ASSERT_EQ(-ENOTTY, ret);
		dl_core_report = true;
	} else {
		ASSERT_EQ(0, ret);
	}
	ASSERT_EQ(0, dl_stop(self->d));
	memset(self->bmp, 0, 1 * MIB);
}

FIXTURE_TEARDOWN(dt)
{
	if (self->p.nr_open)
		dl_stop(self->d);
	mvf_pair_close(&self->p);
	free(self->bmp);
	write_param("N");
}

/* Number of bits set in @bmp[0 .. @nbits). */
static int bits_set(const uint64_t *bmp, uint64_t nbits)
{
	int n = 0;
	uint64_t i;

	for (i = 0; i < nbits; i++)
		n += (bmp[i / 64] >> (i % 64)) & 1;
	return n;
}

static bool bit(const uint64_t *bmp, uint64_t i)
{
	return (bmp[i / 64] >> (i % 64)) & 1;
}

/* Run one descriptor on VF0's ring and check its completion. */
static int run1(struct mvf_pair *p, uint8_t op, uint32_t len, uint64_t src,
		uint64_t dst, uint64_t pattern)
{
	struct mvf_desc desc = mvf_desc_make(op, len, src, dst, pattern, 7);
	struct mvf_cpl cpl;
	int ret;

	ret = mvf_ring_exec(&p->dev[0], &p->ring[0], &desc, &cpl);
	if (ret)
		return ret;
	return cpl.status ? -EIO : 0;
}

/* The ring and bounce buffers of the pair: [MVF_IOVA_BASE-ish, ...) */
static void ring_range(struct mvf_pair *p, dl_range *r)
{
	uint64_t lo = p->ring[0].sq.iova, hi = p->bounce[1].iova +
		p->bounce[1].size;

	r->iova = lo & ~(2 * MIB - 1);
	r->length = ((hi + 2 * MIB - 1) & ~(2 * MIB - 1)) - r->iova;
}

TEST_F(dt, probe)
{
	ASSERT_EQ(0, dl_feature(self->d, VFIO_DEVICE_FEATURE_PROBE |
				VFIO_DEVICE_FEATURE_SET |
				VFIO_DEVICE_FEATURE_DMA_LOGGING_START, NULL, 0));
	ASSERT_EQ(0, dl_feature(self->d, VFIO_DEVICE_FEATURE_PROBE |
				VFIO_DEVICE_FEATURE_SET |
				VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP, NULL, 0));
	ASSERT_EQ(0, dl_feature(self->d, VFIO_DEVICE_FEATURE_PROBE |
				VFIO_DEVICE_FEATURE_GET |
				VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT, NULL, 0));
	/* START is SET only */
	ASSERT_EQ(-EINVAL, dl_feature(self->d, VFIO_DEVICE_FEATURE_PROBE |
				      VFIO_DEVICE_FEATURE_GET |
				      VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
				      NULL, 0));
}

TEST_F(dt, start_bad_ranges)
{
	dl_range r[DT_CORE_MAX + 1];
	uint64_t pg = 4096;
	int i;

	/* unaligned start, unaligned length */
	ASSERT_EQ(-EINVAL, dl_start1(self->d, 4096, DT_BUF_IOVA + 512, 4096));
	ASSERT_EQ(-EINVAL, dl_start1(self->d, 4096, DT_BUF_IOVA, 4097));
	/* aligned to 4 KiB, not to the 64 KiB asked for */
	ASSERT_EQ(-EINVAL, dl_start1(self->d, 64 * KIB, DT_BUF_IOVA + 4096,
				     64 * KIB));
	/* empty range */
	ASSERT_EQ(-EINVAL, dl_start1(self->d, 4096, DT_BUF_IOVA, 0));
	/* no range */
	ASSERT_EQ(-EINVAL, dl_start(self->d, &pg, r, 0));
	/* overlapping */
	r[0] = (dl_range){ DT_BUF_IOVA, 2 * 4096 };
	r[1] = (dl_range){ DT_BUF_IOVA + 4096, 4096 };
	ASSERT_EQ(-EINVAL, dl_start(self->d, &pg, r, 2));
	/* wrapping */
	ASSERT_EQ(-EOVERFLOW, dl_start1(self->d, 4096, -8192ull, 16384));
	/* more than the core takes: -E2BIG, whatever the device does */
	for (i = 0; i <= DT_CORE_MAX; i++)
		r[i] = (dl_range){ DT_BUF_IOVA + i * 8192ull, 4096 };
	ASSERT_EQ(-E2BIG, dl_start(self->d, &pg, r, DT_CORE_MAX + 1));
	/* nothing started by any of these */
	ASSERT_EQ(0, dl_start1(self->d, 4096, DT_BUF_IOVA, DT_BUF_SIZE));
}

TEST_F(dt, start_bad_page_size)
{
	/*
	 * 12 KiB is not a power of two; the core's IS_ALIGNED() (a mask
	 * test) accepts this range for it, so the driver must refuse.
	 */
	ASSERT_EQ(-EINVAL, dl_start1(self->d, 12 * KIB, 3 * GIB, 16 * KIB));
	/* 0: only an empty range at 0 is "aligned" to it */
	ASSERT_EQ(-EINVAL, dl_start1(self->d, 0, 0, 0));
	ASSERT_EQ(0, dl_start1(self->d, 4096, DT_BUF_IOVA, DT_BUF_SIZE));
}

TEST_F(dt, page_size_written_back)
{
	static const struct { uint64_t hint, iova, len, want; } c[] = {
		{ 4 * KIB, DT_BUF_IOVA, DT_BUF_SIZE, 4 * KIB },
		{ 64 * KIB, DT_BUF_IOVA, DT_BUF_SIZE, 64 * KIB },
		{ 2 * MIB, DT_BUF_IOVA, DT_BUF_SIZE, 2 * MIB },
		{ 1 * GIB, 2 * GIB, 1 * GIB, 1 * GIB },
		/* above the device's largest (1 GiB): its largest */
		{ 4 * GIB, 4 * GIB, 4 * GIB, 1 * GIB },
		/* below its smallest (4 KiB): its smallest, ranges rounded */
		{ 1 * KIB, DT_BUF_IOVA + KIB, KIB, 4 * KIB },
	};
	unsigned int i;
	uint64_t pg;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		dl_range r = { c[i].iova, c[i].len };

		pg = c[i].hint;
		ASSERT_EQ(0, dl_start(self->d, &pg, &r, 1))
			TH_LOG("hint %llu", (unsigned long long)c[i].hint);
		ASSERT_EQ(c[i].want, pg)
			TH_LOG("hint %llu", (unsigned long long)c[i].hint);
		ASSERT_EQ(0, dl_stop(self->d));
	}
}

TEST_F(dt, start_twice_stop_twice)
{
	ASSERT_EQ(0, dl_start1(self->d, 4096, DT_BUF_IOVA, DT_BUF_SIZE));
	ASSERT_EQ(-EINVAL, dl_start1(self->d, 4096, DT_BUF_IOVA, 4096));
	ASSERT_EQ(0, dl_stop(self->d));
	ASSERT_EQ(0, dl_stop(self->d));
	ASSERT_EQ(0, dl_start1(self->d, 4096, DT_BUF_IOVA, 4096));
	ASSERT_EQ(0, dl_stop(self->d));
}

TEST_F(dt, more_ranges_than_device)
{
	dl_range r[2 * DT_DEV_MAX], big[DT_CORE_MAX];
	uint64_t pg = 64 * KIB;
	int i;

	/* 16 ranges of 64 KiB with 64 KiB gaps: combined into 8 */
	for (i = 0; i < 2 * DT_DEV_MAX; i++)
		r[i] = (dl_range){ DT_BUF_IOVA + i * 128 * KIB, 64 * KIB };
	ASSERT_EQ(0, dl_start(self->d, &pg, r, 2 * DT_DEV_MAX));
	ASSERT_EQ(64 * KIB, pg);
	ASSERT_EQ(0, dl_stop(self->d));
	/* the core's own maximum is accepted too */
	for (i = 0; i < DT_CORE_MAX; i++)
		big[i] = (dl_range){ DT_BUF_IOVA + i * 8192ull, 4096 };
	pg = 4096;
	ASSERT_EQ(0, dl_start(self->d, &pg, big, DT_CORE_MAX));
	ASSERT_EQ(4 * KIB, pg);
	/* the last gap lies inside a combined range; beyond is clean */
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA + 4096, 4096, 4096,
			       self->bmp));
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA + DT_CORE_MAX *
			       8192ull, 4096, 4096, self->bmp));
	ASSERT_EQ(0, bits_set(self->bmp, 1));
}

static int dirty_pages(struct mvf_pair *p, struct vt_dma *buf,
		       struct vt_dma *src, const unsigned int *pages, int n);

TEST_F(dt, report_errors)
{
	uint64_t pg = 4096;
	dl_range r[2];

	ASSERT_EQ(-EINVAL, dl_report(self->d, DT_BUF_IOVA, 4096, 4096,
				     self->bmp));
	ring_range(&self->p, &r[0]);	/* the completions are written too */
	r[1] = (dl_range){ DT_BUF_IOVA, 2 * MIB };
	ASSERT_EQ(0, dl_start(self->d, &pg, r, 2));
	/*
	 * Outside, straddling the end, before the start: untracked pages
	 * are clean (a device write there fails the tracker instead), and
	 * QEMU 11.1 does REPORT such pages (a sub-page BAR section above
	 * the range it tracks), so they are reported, not refused.  One
	 * page inside the range is dirtied first, so the straddling
	 * reports must find it and nothing else.
	 */
	ASSERT_EQ(0, dl_report(self->d, DT_SRC_IOVA, 4096, 4096, self->bmp));
	ASSERT_EQ(0, bits_set(self->bmp, 1));
	ASSERT_EQ(0, dirty_pages(&self->p, &self->buf, &self->src,
				 (unsigned int[]){ 511 }, 1));
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA + 2 * MIB - 4096, 8192,
			       4096, self->bmp));
	ASSERT_EQ(1, bits_set(self->bmp, 1));
	ASSERT_EQ(1ull, self->bmp[0]);
	self->bmp[0] = 0;
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA - 4096, 8192, 4096,
			       self->bmp));
	ASSERT_EQ(0, bits_set(self->bmp, 1));
	/* the core's checks: page size not a power of two, below 4 KiB */
	ASSERT_EQ(-EINVAL, dl_report(self->d, DT_BUF_IOVA, 4096, 12288,
				     self->bmp));
	ASSERT_EQ(-EINVAL, dl_report(self->d, DT_BUF_IOVA, 4096, 2048,
				     self->bmp));
	/* another page size than START's is fine */
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA, 2 * MIB, 2 * MIB,
			       self->bmp));
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA, 2 * MIB, 64 * KIB,
			       self->bmp));
	ASSERT_EQ(0, bits_set(self->bmp, 32));
	ASSERT_EQ(0, dl_stop(self->d));
	ASSERT_EQ(-EINVAL, dl_report(self->d, DT_BUF_IOVA, 4096, 4096,
				     self->bmp));
}

/* Dirty pages @pages (4 KiB indices into buf) with FILL and one COPY. */
static int dirty_pages(struct mvf_pair *p, struct vt_dma *buf,
		       struct vt_dma *src, const unsigned int *pages, int n)
{
	int i;
	int ret;

	for (i = 0; i + 1 < n; i++) {
		ret = run1(p, MVF_DESC_OP_FILL, 4096,
			   0, buf->iova + pages[i] * 4096ull, 0x1234 + i);
		if (ret)
			return ret;
	}
	/* the last page by a copy host -> host (a read of src, a write) */
	return run1(p, MVF_DESC_OP_COPY, 4096, src->iova,
		    buf->iova + pages[n - 1] * 4096ull, 0);
}

static const unsigned int dt_pages[] = { 0, 3, 17, 100, 511, 512, 1000 };
#define DT_NPAGES	((int)(sizeof(dt_pages) / sizeof(dt_pages[0])))

TEST_F(dt, exact_4k)
{
	uint64_t pg = 4096, cq_page, rng_pages;
	dl_range r[2];
	int i;

	ring_range(&self->p, &r[0]);
	r[1] = (dl_range){ DT_BUF_IOVA, DT_BUF_SIZE };
	ASSERT_EQ(0, dl_start(self->d, &pg, r, 2));
	ASSERT_EQ(4 * KIB, pg);

	ASSERT_EQ(0, dirty_pages(&self->p, &self->buf, &self->src, dt_pages,
				 DT_NPAGES));
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA, DT_BUF_SIZE, 4096,
			       self->bmp));
	ASSERT_EQ(DT_NPAGES, bits_set(self->bmp, DT_BUF_SIZE / 4096));
	for (i = 0; i < DT_NPAGES; i++)
		ASSERT_TRUE(bit(self->bmp, dt_pages[i])) TH_LOG("page %u",
								 dt_pages[i]);

	/* the ring: exactly the completion ring's page (256 x 16 bytes) */
	memset(self->bmp, 0, 4096);
	rng_pages = r[0].length / 4096;
	ASSERT_EQ(0, dl_report(self->d, r[0].iova, r[0].length, 4096,
			       self->bmp));
	cq_page = (self->p.ring[0].cq.iova - r[0].iova) / 4096;
	ASSERT_EQ(1, bits_set(self->bmp, rng_pages));
	ASSERT_TRUE(bit(self->bmp, cq_page));

	/* reported means cleared */
	memset(self->bmp, 0, 4096);
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA, DT_BUF_SIZE, 4096,
			       self->bmp));
	ASSERT_EQ(0, dl_report(self->d, r[0].iova, r[0].length, 4096,
			       self->bmp + DT_BUF_SIZE / 4096 / 64));
	ASSERT_EQ(0, bits_set(self->bmp, DT_BUF_SIZE / 4096 + rng_pages));

	/* a read of host memory (H2D) dirties only the completion */
	ASSERT_EQ(0, run1(&self->p, MVF_DESC_OP_H2D, 64 * KIB,
			  DT_BUF_IOVA, 0, 0));
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA, DT_BUF_SIZE, 4096,
			       self->bmp));
	ASSERT_EQ(0, bits_set(self->bmp, DT_BUF_SIZE / 4096));
	ASSERT_EQ(0, dl_report(self->d, r[0].iova, r[0].length, 4096,
			       self->bmp));
	ASSERT_EQ(1, bits_set(self->bmp, rng_pages));
	ASSERT_EQ(0, dl_stop(self->d));
}

/* Track at @track, report the buffer at @rep: whole tracking pages. */
static void exact_at(struct __test_metadata *_metadata,
		     FIXTURE_DATA(dt) *self, uint64_t track, uint64_t rep)
{
	uint64_t pg = track, unit = track > rep ? track : rep, nbits;
	dl_range r[2];
	int i, want = 0;
	uint64_t b;

	ring_range(&self->p, &r[0]);
	r[1] = (dl_range){ DT_BUF_IOVA, DT_BUF_SIZE };
	ASSERT_EQ(0, dl_start(self->d, &pg, r, 2));
	ASSERT_EQ(track, pg);
	ASSERT_EQ(0, dirty_pages(&self->p, &self->buf, &self->src, dt_pages,
				 DT_NPAGES));
	nbits = DT_BUF_SIZE / rep;
	memset(self->bmp, 0, (nbits + 63) / 64 * 8);
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA, DT_BUF_SIZE, rep,
			       self->bmp));
	/* expected: every rep page inside a dirty unit (tracking page) */
	for (b = 0; b < nbits; b++) {
		bool dirty = false;

		for (i = 0; i < DT_NPAGES; i++)
			if (dt_pages[i] * 4096ull / unit == b * rep / unit)
				dirty = true;
		ASSERT_EQ(dirty, bit(self->bmp, b))
			TH_LOG("track %llu rep %llu bit %llu",
			       (unsigned long long)track,
			       (unsigned long long)rep,
			       (unsigned long long)b);
		want += dirty;
	}
	ASSERT_EQ(want, bits_set(self->bmp, nbits));
	ASSERT_EQ(0, dl_stop(self->d));
}

TEST_F(dt, exact_64k_report_4k_and_2m)
{
	exact_at(_metadata, self, 64 * KIB, 4096);
	exact_at(_metadata, self, 64 * KIB, 2 * MIB);
	exact_at(_metadata, self, 64 * KIB, 64 * KIB);
}

TEST_F(dt, exact_2m_report_4k_and_64k)
{
	exact_at(_metadata, self, 2 * MIB, 4096);
	exact_at(_metadata, self, 2 * MIB, 64 * KIB);
	exact_at(_metadata, self, 4096, 2 * MIB);
}

TEST_F(dt, exact_combined)
{
	dl_range r[2 * DT_DEV_MAX + 1];
	/* in ranges 0, 1, 1, 15; page 20 lies in the gap after range 0 */
	static const unsigned int pages[] = { 0, 32, 33, 480, 20 };
	uint64_t pg = 4096;
	int i;

	/* 16 ranges of 64 KiB every 128 KiB, plus the ring */
	ring_range(&self->p, &r[0]);
	for (i = 0; i < 2 * DT_DEV_MAX; i++)
		r[i + 1] = (dl_range){ DT_BUF_IOVA + i * 128 * KIB, 64 * KIB };
	ASSERT_EQ(0, dl_start(self->d, &pg, r, 2 * DT_DEV_MAX + 1));
	ASSERT_EQ(0, dirty_pages(&self->p, &self->buf, &self->src, pages, 5));
	for (i = 0; i < 2 * DT_DEV_MAX; i++) {
		uint64_t iova = DT_BUF_IOVA + i * 128 * KIB;
		unsigned int j;
		int want = 0;

		self->bmp[0] = 0;
		ASSERT_EQ(0, dl_report(self->d, iova, 64 * KIB, 4096,
				       self->bmp));
		for (j = 0; j < 4; j++)
			if (pages[j] / 32 == (unsigned int)i) {
				want++;
				ASSERT_TRUE(bit(self->bmp, pages[j] % 32));
			}
		ASSERT_EQ(want, bits_set(self->bmp, 16)) TH_LOG("range %d", i);
	}
	/*
	 * vfio_combine_iova_ranges() merges the smallest gaps first, the
	 * lowest of equal ones first: the gap after range 0 is tracked, and
	 * the write into it (page 20) did not fail the tracker.
	 */
	self->bmp[0] = 0;
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA + 64 * KIB, 64 * KIB,
			       4096, self->bmp));
	ASSERT_EQ(1, bits_set(self->bmp, 16));
	ASSERT_TRUE(bit(self->bmp, 4));
	ASSERT_EQ(0, dl_stop(self->d));
}

TEST_F(dt, tracker_error)
{
	/* the completion ring is not tracked: its write fails the tracker */
	ASSERT_EQ(0, dl_start1(self->d, 4096, DT_BUF_IOVA, DT_BUF_SIZE));
	ASSERT_EQ(0, run1(&self->p, MVF_DESC_OP_FILL, 4096, 0, DT_BUF_IOVA,
			  1));
	ASSERT_EQ(-EIO, dl_report(self->d, DT_BUF_IOVA, DT_BUF_SIZE, 4096,
				  self->bmp));
	ASSERT_EQ(-EIO, dl_report(self->d, DT_BUF_IOVA, 4096, 4096,
				  self->bmp));
	ASSERT_EQ(0, dl_stop(self->d));
	ASSERT_EQ(0, dl_start1(self->d, 4096, DT_BUF_IOVA, DT_BUF_SIZE));
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA, DT_BUF_SIZE, 4096,
			       self->bmp));
}

TEST_F(dt, across_precopy_to_stop_copy)
{
	dl_range r[2];
	uint64_t pg = 4096;
	int fd;

	ring_range(&self->p, &r[0]);
	r[1] = (dl_range){ DT_BUF_IOVA, DT_BUF_SIZE };
	ASSERT_EQ(0, dl_start(self->d, &pg, r, 2));
	ASSERT_SET_STATE_FD(self->d, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	ASSERT_EQ(0, run1(&self->p, MVF_DESC_OP_FILL, 4096, 0,
			  DT_BUF_IOVA + 5 * 4096, 5));
	ASSERT_SET_STATE(self->d, VFIO_DEVICE_STATE_PRE_COPY_P2P);
	ASSERT_SET_STATE(self->d, VFIO_DEVICE_STATE_STOP_COPY);
	/* still tracking: a second START is refused */
	ASSERT_EQ(-EINVAL, dl_start1(self->d, 4096, DT_BUF_IOVA, 4096));
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA, DT_BUF_SIZE, 4096,
			       self->bmp));
	ASSERT_EQ(1, bits_set(self->bmp, DT_BUF_SIZE / 4096));
	ASSERT_TRUE(bit(self->bmp, 5));
	close(fd);
	ASSERT_SET_STATE(self->d, VFIO_DEVICE_STATE_STOP);
	ASSERT_SET_STATE(self->d, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, dl_stop(self->d));
}

TEST_F(dt, reset_keeps_tracking)
{
	dl_range r[2];
	uint64_t pg = 4096;

	ring_range(&self->p, &r[0]);
	r[1] = (dl_range){ DT_BUF_IOVA, DT_BUF_SIZE };
	ASSERT_EQ(0, dl_start(self->d, &pg, r, 2));
	ASSERT_EQ(0, run1(&self->p, MVF_DESC_OP_FILL, 4096, 0,
			  DT_BUF_IOVA + 9 * 4096, 9));
	ASSERT_EQ(0, vt_dev_reset(&self->d->vt));
	/* still tracking: a second START is refused */
	ASSERT_EQ(-EINVAL, dl_start1(self->d, 4096, DT_BUF_IOVA, 4096));
	/* the page written before the reset is still in the log */
	ASSERT_EQ(0, dl_report(self->d, DT_BUF_IOVA, DT_BUF_SIZE, 4096,
			       self->bmp));
	ASSERT_EQ(1, bits_set(self->bmp, DT_BUF_SIZE / 4096));
	ASSERT_TRUE(bit(self->bmp, 9));
	ASSERT_EQ(0, dl_stop(self->d));
	ASSERT_EQ(0, dl_start1(self->d, 4096, DT_BUF_IOVA, DT_BUF_SIZE));
}

TEST_F(dt, close_reopen_not_tracking)
{
	ASSERT_EQ(0, dl_start1(self->d, 4096, DT_BUF_IOVA, DT_BUF_SIZE));
	mvf_pair_close(&self->p);
	ASSERT_EQ(0, dt_open(&self->p, &self->buf, &self->src));
	self->d = &self->p.dev[0];
	ASSERT_EQ(-EINVAL, dl_report(self->d, DT_BUF_IOVA, 4096, 4096,
				     self->bmp));
	ASSERT_EQ(0, dl_start1(self->d, 4096, DT_BUF_IOVA, DT_BUF_SIZE));
	ASSERT_EQ(0, dl_stop(self->d));
}

MVF_KSFT_MAIN
