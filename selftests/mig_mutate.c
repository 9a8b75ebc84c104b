// SPDX-License-Identifier: GPL-2.0
/*
 * mig_mutate: mutated resume streams written into the real driver.
 *
 * Two valid streams are saved from VF0 (A: one state; B: another, with
 * other registers and device memory).  Then MVF_MUTATE_COUNT (default
 * 500) times: a mutation of A (bit flips, a truncation, a record size
 * changed, a record's tag or flags changed, a record dropped or
 * duplicated, bytes inserted, a zero-length record inserted, or a splice
 * of A's head and B's tail) is written into VF1 in random write() sizes,
 * then RESUMING -> STOP.  Seeded by MVF_MUTATE_SEED (default: the time;
 * printed, so a failure can be replayed).
 *
 * What must hold for every stream:
 *  - write() and RESUMING -> STOP succeed, or fail with one of the errnos
 *    the driver documents for a bad stream: EINVAL (the device or the
 *    parser found it corrupt), EOPNOTSUPP (an image the device cannot
 *    load, an unknown mandatory record), ENOMEM (a record above
 *    MVF_MIG_RECORD_MAX); a failed write() makes RESUMING -> STOP fail
 *    with the same errno;
 *  - after a failure VF1 is in ERROR with the registers it had before
 *    (nothing was committed), and a reset brings it back to RUNNING with
 *    its own device memory (sampled every MUTATE_DEVMEM_EVERY streams);
 *  - after a success the state VF1 saves back is A's or B's image, byte
 *    for byte (a mutation that loads must be one that changes nothing the
 *    image CRC covers);
 *  - the kernel's Slab + VmallocUsed never grow by more than the device's
 *    image bound while a stream is written.
 * At the end the pristine A loads into VF1, which saves it back unchanged.
 * Run by make check-debug (KASAN, lockdep, kmemleak: the lane fails on
 * any splat or leak report); MVF_MUTATE_COUNT=10000 is the long run.
 *
 * Usage: mig_mutate [harness options] [VF0-BDF VF1-BDF]
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "mvf_ksft.h"

#define MUTATE_BOUNCE		(1u << 20)
#define MUTATE_DEFAULT_COUNT	500
#define MUTATE_DEVMEM_EVERY	100
#define MUTATE_ACTIVE_MIB	1	/* DEVMEM_ACTIVE of the saved states */
#define NR_SAMPLES		3

enum mut_kind {
	MUT_FLIP, MUT_TRUNCATE, MUT_RECSIZE, MUT_TAG, MUT_DROP, MUT_DUP,
	MUT_INSERT, MUT_ZERO_REC, MUT_SPLICE, MUT_NR
};

static const char *const mut_name[MUT_NR] = {
	"bit flips", "truncation", "record size", "record tag/flags",
	"record dropped", "record duplicated", "bytes inserted",
	"zero-length record", "splice of two streams",
};

/* Outcomes counted per kind. */
enum mut_outcome { OUT_LOADED, OUT_EINVAL, OUT_EOPNOTSUPP, OUT_ENOMEM,
		   OUT_NR };

FIXTURE(mut) {
	struct mvf_pair p;
	struct vt_buf a, b;		/* VF0's two valid streams */
	struct mvf_stream pa, pb;	/* ... parsed */
	struct mvf_regs prior1;		/* VF1's registers before a load */
	uint64_t off[NR_SAMPLES], len[NR_SAMPLES];
	uint8_t *vf1_data[NR_SAMPLES];	/* VF1's own content there */
	uint64_t rng;
	uint64_t counts[MUT_NR][OUT_NR];
	long long mem_base_kib, mem_peak_kib;
};

static uint64_t rnd(FIXTURE_DATA(mut) *self)
{
	/* xorshift64* */
	self->rng ^= self->rng >> 12;
	self->rng ^= self->rng << 25;
	self->rng ^= self->rng >> 27;
	return self->rng * 0x2545f4914f6cdd1dull;
}

/* A random value in [0, n); 0 if n is 0. */
static uint64_t rnd_below(FIXTURE_DATA(mut) *self, uint64_t n)
{
	return n ? rnd(self) % n : 0;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

/* Slab + VmallocUsed of /proc/meminfo, KiB; -1 if unreadable. */
static long long kernel_mem_kib(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	long long sum = 0, v;
	char key[64];
	int found = 0;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld kB\n", key, &v) == 2) {
		if (!strcmp(key, "Slab:") || !strcmp(key, "VmallocUsed:")) {
			sum += v;
			found++;
		}
	}
	fclose(f);
	return found == 2 ? sum : -1;
}

static uint64_t sample_pattern(int vf, int i)
{
	return mvf_page_pattern(0x3a7a000000000000ull + (uint64_t)vf, i);
}

/*
 * Give VF0 the samples of pattern set @set and scratch registers from
 * @scratch on, save it (STOP, save, RUNNING) into @s, parse it into @ps.
 */
static void save_vf0(struct __test_metadata *_metadata,
		     FIXTURE_DATA(mut) *self, int set, uint32_t scratch,
		     struct vt_buf *s, struct mvf_stream *ps)
{
	struct mvf_dev *vf0 = &self->p.dev[0];
	int i;

	for (i = 0; i < NR_SAMPLES; i++)
		ASSERT_EQ(0, mvf_dev_dfill(&self->p.ctx[0], NULL, self->off[i],
					   self->len[i],
					   sample_pattern(set, i)));
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		mvf_wr32(vf0, MVF_VF_REG_SCRATCH0 + 4 * i, scratch + i);

	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_save(&vf0->vt, s));
	ASSERT_SET_STATE(vf0, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, mvf_stream_parse(s, ps));
	ASSERT_LE((size_t)2, ps->nr_recs);
}

FIXTURE_SETUP(mut)
{
	struct mvf_pair *p = &self->p;
	uint64_t seed;
	int i;

	ASSERT_EQ(0, mvf_pair_open(p, mvf_vf_bdf[0], mvf_vf_bdf[1],
				   MUTATE_BOUNCE));
	seed = env_u64("MVF_MUTATE_SEED", (uint64_t)time(NULL));
	self->rng = seed ? seed : 1;
	TH_LOG("MVF_MUTATE_SEED=%llu", (unsigned long long)seed);

	self->off[0] = 0;
	self->len[0] = 4096;
	self->off[1] = (MUTATE_ACTIVE_MIB << 20) / 2 + 100;
	self->len[1] = 5000;
	self->off[2] = (MUTATE_ACTIVE_MIB << 20) - 8192;
	self->len[2] = 8192;

	/* VF0, state A then state B: small active memory, own data */
	mvf_wr32(&p->dev[0], MVF_VF_REG_DEVMEM_ACTIVE, MUTATE_ACTIVE_MIB);
	ASSERT_EQ((uint32_t)MUTATE_ACTIVE_MIB,
		  mvf_rd32(&p->dev[0], MVF_VF_REG_DEVMEM_ACTIVE));
	save_vf0(_metadata, self, 0, 0xa0000, &self->a, &self->pa);
	save_vf0(_metadata, self, 2, 0xb0000, &self->b, &self->pb);
	ASSERT_TRUE(self->pa.img.len != self->pb.img.len ||
		    memcmp(self->pa.img.data, self->pb.img.data,
			   self->pa.img.len));
	TH_LOG("stream A %zu bytes (%zu records), B %zu bytes",
	       self->a.len, self->pa.nr_recs, self->b.len);

	/* VF1: its own data in the sample ranges */
	for (i = 0; i < NR_SAMPLES; i++) {
		self->vf1_data[i] = malloc(self->len[i]);
		ASSERT_NE(NULL, self->vf1_data[i]);
		mvf_pattern_fill(self->vf1_data[i], self->len[i],
				 sample_pattern(1, i));
		ASSERT_EQ(0, mvf_dev_dfill(&p->ctx[1], NULL, self->off[i],
					   self->len[i], sample_pattern(1, i)));
	}
	mvf_regs_read(&p->dev[1], &self->prior1);
	self->mem_base_kib = kernel_mem_kib();
	self->mem_peak_kib = self->mem_base_kib;
}

FIXTURE_TEARDOWN(mut)
{
	int i;

	for (i = 0; i < NR_SAMPLES; i++)
		free(self->vf1_data[i]);
	mvf_stream_free(&self->pa);
	mvf_stream_free(&self->pb);
	vt_buf_free(&self->a);
	vt_buf_free(&self->b);
	mvf_pair_close(&self->p);
}

/* Header of record @r of @s. */
static struct mvf_mig_record *rec_hdr(struct vt_buf *s, const struct mvf_rec *r)
{
	return (struct mvf_mig_record *)(s->data + r->off);
}

/* Replace @s's bytes [at, at + cut) with @len bytes of @src. */
static int splice_in(struct vt_buf *s, size_t at, size_t cut,
		     const void *src, size_t len)
{
	struct vt_buf out = { 0 };
	int ret;

	ret = vt_buf_append(&out, s->data, at);
	if (!ret)
		ret = vt_buf_append(&out, src, len);
	if (!ret)
		ret = vt_buf_append(&out, s->data + at + cut,
				    s->len - at - cut);
	vt_buf_free(s);
	*s = out;
	return ret;
}

/* Mutate @s, a copy of A, in the way @kind says. */
static void mutate(struct __test_metadata *_metadata, FIXTURE_DATA(mut) *self,
		   enum mut_kind kind, struct vt_buf *s)
{
	const struct mvf_stream *pa = &self->pa;
	const struct mvf_rec *r = &pa->recs[rnd_below(self, pa->nr_recs)];
	struct mvf_mig_record *h = rec_hdr(s, r), zero = { 0 };
	static const uint64_t sizes[] = { 0, 1, 15, 16, 4095,
					  MVF_MIG_RECORD_MAX,
					  MVF_MIG_RECORD_MAX + 1ull,
					  UINT32_MAX, UINT64_MAX };
	uint8_t junk[64];
	size_t n, i, at;

	switch (kind) {
	case MUT_FLIP:
		n = 1 + rnd_below(self, 8);
		for (i = 0; i < n; i++)
			s->data[rnd_below(self, s->len)] ^=
				(uint8_t)(1u << rnd_below(self, 8));
		break;
	case MUT_TRUNCATE:
		s->len = rnd_below(self, s->len);
		break;
	case MUT_RECSIZE:
		switch (rnd_below(self, 3)) {
		case 0:
			h->size = htole64(le64toh(h->size) + 1);
			break;
		case 1:
			h->size = htole64(le64toh(h->size) - 1);
			break;
		default:
			h->size = htole64(sizes[rnd_below(self,
					ARRAY_SIZE(sizes))]);
		}
		break;
	case MUT_TAG:
		if (rnd_below(self, 2))
			h->tag = htole32(rnd_below(self, 2) ?
					 (uint32_t)rnd_below(self, 4) :
					 (uint32_t)rnd(self));
		else
			h->flags = htole32(le32toh(h->flags) ^
					   (uint32_t)(1u << rnd_below(self, 32)));
		break;
	case MUT_DROP:
		ASSERT_EQ(0, splice_in(s, r->off, 16 + r->size, NULL, 0));
		break;
	case MUT_DUP:
		ASSERT_EQ(0, splice_in(s, r->off, 0, self->a.data + r->off,
				       16 + r->size));
		break;
	case MUT_INSERT:
		n = 1 + rnd_below(self, sizeof(junk));
		for (i = 0; i < n; i++)
			junk[i] = (uint8_t)rnd(self);
		ASSERT_EQ(0, splice_in(s, rnd_below(self, s->len + 1), 0, junk,
				       n));
		break;
	case MUT_ZERO_REC:
		/* a zero-length DEVICE_DATA record between two records */
		ASSERT_EQ(0, splice_in(s, r->off, 0, &zero, sizeof(zero)));
		break;
	case MUT_SPLICE:
		at = rnd_below(self, s->len);
		i = rnd_below(self, self->b.len);
		if (rnd_below(self, 2)) {
			/* record-aligned: A's first records, B's last */
			at = pa->recs[rnd_below(self, pa->nr_recs)].off;
			i = self->pb.recs[rnd_below(self, self->pb.nr_recs)].off;
		}
		s->len = at;
		ASSERT_EQ(0, vt_buf_append(s, self->b.data + i,
					   self->b.len - i));
		break;
	case MUT_NR:
		break;
	}
}

/* Write @s into VF1 in random sizes; the first errno, or 0. */
static int write_random_sizes(FIXTURE_DATA(mut) *self, int fd,
			      const struct vt_buf *s)
{
	size_t off = 0;

	while (off < s->len) {
		/* one write in 8 tiny, to split headers */
		size_t n = 1 + rnd_below(self, rnd_below(self, 8) ?
					 (256u << 10) : 64);
		ssize_t w;

		if (n > s->len - off)
			n = s->len - off;
		w = write(fd, s->data + off, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		if (w == 0)
			return EIO;
		off += (size_t)w;
	}
	return 0;
}

static int outcome_of(int err)
{
	switch (err) {
	case 0:
		return OUT_LOADED;
	case EINVAL:
		return OUT_EINVAL;
	case EOPNOTSUPP:
		return OUT_EOPNOTSUPP;
	case ENOMEM:
		return OUT_ENOMEM;
	}
	return -1;
}

/* -1 if VF1's samples hold its own data, else the first that does not. */
static int vf1_samples_changed(FIXTURE_DATA(mut) *self)
{
	return mvf_dev_verify_samples(&self->p.ctx[1], self->vf1_data,
				      self->off, self->len, NR_SAMPLES);
}

/* Reset VF1 to RUNNING with its own samples; new register baseline. */
static void vf1_back(struct __test_metadata *_metadata,
		     FIXTURE_DATA(mut) *self, bool refill)
{
	struct mvf_dev *vf1 = &self->p.dev[1];
	int i;

	ASSERT_EQ(0, vt_dev_reset(&vf1->vt));
	ASSERT_MIG_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
	ASSERT_EQ(0, mvf_pair_vf_setup(&self->p, 1));
	for (i = 0; refill && i < NR_SAMPLES; i++)
		ASSERT_EQ(0, mvf_dev_dfill(&self->p.ctx[1], NULL, self->off[i],
					   self->len[i], sample_pattern(1, i)));
	mvf_regs_read(vf1, &self->prior1);
}

/* One stream into VF1, checked; returns its outcome. */
static int one_stream(struct __test_metadata *_metadata,
		      FIXTURE_DATA(mut) *self, const struct vt_buf *s,
		      bool check_devmem)
{
	struct mvf_dev *vf1 = &self->p.dev[1];
	struct vt_buf back = { 0 };
	struct mvf_stream pback;
	struct mvf_regs now;
	long long kib;
	int fd, werr, serr, out;

	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_RESUMING, &fd);
	werr = write_random_sizes(self, fd, s);
	kib = kernel_mem_kib();
	if (kib > self->mem_peak_kib)
		self->mem_peak_kib = kib;
	serr = -vt_mig_set_state_quiet(&vf1->vt, VFIO_DEVICE_STATE_STOP, NULL);
	ASSERT_EQ(0, close(fd));
	out = outcome_of(werr ? werr : serr);
	ASSERT_LE(0, out)
		TH_LOG("%zu-byte stream: write %s, RESUMING->STOP %s",
		       s->len, strerror(werr), strerror(serr));
	if (werr)
		ASSERT_EQ(werr, serr)
			TH_LOG("write failed with %s, RESUMING->STOP %s",
			       strerror(werr), strerror(serr));
	if (out != OUT_LOADED) {
		ASSERT_MIG_STATE(vf1, VFIO_DEVICE_STATE_ERROR);
		mvf_regs_read(vf1, &now);
		ASSERT_EQ(0, mvf_regs_diff("VF1 before vs in ERROR",
					   &self->prior1, &now,
					   MVF_VF_STS_QUIESCED |
					   MVF_VF_STS_STOPPED));
		vf1_back(_metadata, self, false);
		if (check_devmem) {
			ASSERT_EQ(-1, vf1_samples_changed(self));
			/* the check's DMA moved VF1's counters */
			mvf_regs_read(vf1, &self->prior1);
		}
		return out;
	}
	/* It loaded: what VF1 holds now is A or B, byte for byte. */
	ASSERT_MIG_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, vt_mig_save(&vf1->vt, &back));
	ASSERT_EQ(0, mvf_stream_parse(&back, &pback));
	ASSERT_TRUE((pback.img.len == self->pa.img.len &&
		     !memcmp(pback.img.data, self->pa.img.data,
			     pback.img.len)) ||
		    (pback.img.len == self->pb.img.len &&
		     !memcmp(pback.img.data, self->pb.img.data,
			     pback.img.len)))
		TH_LOG("a mutated %zu-byte stream loaded a third state",
		       s->len);
	mvf_stream_free(&pback);
	vt_buf_free(&back);
	vf1_back(_metadata, self, true);
	return out;
}

TEST_F_TIMEOUT(mut, mutated_streams, 7200)
{
	uint64_t count = env_u64("MVF_MUTATE_COUNT", MUTATE_DEFAULT_COUNT);
	uint64_t bound_kib = (self->p.devmem >> 10) + 1024;
	struct mvf_dev *vf1 = &self->p.dev[1];
	struct vt_buf back = { 0 };
	uint64_t n;
	int k, o, fd;

	for (n = 0; n < count; n++) {
		struct vt_buf s = { 0 };
		enum mut_kind kind = (enum mut_kind)(n % MUT_NR);

		ASSERT_EQ(0, vt_buf_append(&s, self->a.data, self->a.len));
		mutate(_metadata, self, kind, &s);
		o = one_stream(_metadata, self, &s,
			       n % MUTATE_DEVMEM_EVERY == 0);
		self->counts[kind][o]++;
		vt_buf_free(&s);
		if ((n + 1) % 1000 == 0)
			TH_LOG("%llu streams written", (unsigned long long)n + 1);
	}
	for (k = 0; k < MUT_NR; k++)
		TH_LOG("%-22s loaded %llu, EINVAL %llu, EOPNOTSUPP %llu, ENOMEM %llu",
		       mut_name[k],
		       (unsigned long long)self->counts[k][OUT_LOADED],
		       (unsigned long long)self->counts[k][OUT_EINVAL],
		       (unsigned long long)self->counts[k][OUT_EOPNOTSUPP],
		       (unsigned long long)self->counts[k][OUT_ENOMEM]);
	TH_LOG("%llu streams; Slab+VmallocUsed %lld KiB at the start, peak %lld KiB (bound +%llu KiB)",
	       (unsigned long long)count, self->mem_base_kib,
	       self->mem_peak_kib, (unsigned long long)bound_kib);
	ASSERT_LE(0, self->mem_base_kib);
	ASSERT_GE((long long)bound_kib,
		  self->mem_peak_kib - self->mem_base_kib);

	/* The pristine A still loads, and VF1 saves it back unchanged. */
	ASSERT_EQ(-1, vf1_samples_changed(self));
	ASSERT_SET_STATE_FD(vf1, VFIO_DEVICE_STATE_RESUMING, &fd);
	ASSERT_EQ(0, vt_mig_write_all(&vf1->vt, fd, self->a.data, self->a.len,
				      0, NULL));
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_STOP);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, vt_mig_save(&vf1->vt, &back));
	ASSERT_EQ(self->a.len, back.len);
	ASSERT_EQ(0, memcmp(self->a.data, back.data, back.len));
	vt_buf_free(&back);
	ASSERT_SET_STATE(vf1, VFIO_DEVICE_STATE_RUNNING);
}

MVF_KSFT_MAIN
