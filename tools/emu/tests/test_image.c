// SPDX-License-Identifier: GPL-2.0
/* VF state images: round trips, determinism, precopy, corrupt streams. */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "../crc.h"
#include "../image.h"
#include "fixture.h"
#include "test.h"

#define NREGS	64	/* BAR0 dwords compared */
#define SEC	16

/* Give VF0 a workload: devmem pattern, counters, ring state, scratch and a
 * latched doorbell (quiesced with one descriptor waiting), then stop it. */
static int populate(struct fx *f)
{
	struct vf *v = &f->dev.vfs[0];
	struct mvf_desc d;
	uint64_t i;

	for (i = 0; i < v->devmem_size; i += 4096)
		memset(v->devmem + i, (int)(i / 4096 * 37 + 1), 4096);
	for (i = 0; i < 8192; i++)
		f->ram[FX_VF_DATA(0) + i] = (uint8_t)(i ^ (i >> 5));
	fx_ring_setup(f, 0, 8, MVF_VF_CTRL_IRQ);
	memset(&d, 0, sizeof(d));
	d.opcode = MVF_DESC_OP_H2D;
	d.len = htole32(8192);
	d.src = htole64(fx_iova(FX_VF_DATA(0)));
	d.dst = htole64(4096);
	d.cookie = htole64(1);
	fx_put_desc(f, 0, 0, &d);
	d.opcode = MVF_DESC_OP_D2H;	/* fails: devmem range out of bounds */
	d.src = htole64(v->devmem_size);
	d.cookie = htole64(2);
	fx_put_desc(f, 0, 1, &d);
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, 2);
	vf_reg_write(v, MVF_VF_REG_SCRATCH0, 0xcafef00d);
	vf_reg_write(v, MVF_VF_REG_SCRATCH0 + 12, 0x5eed);
	if (fx_aq(f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_P2P, 0, 0, NULL))
		return -1;
	d.opcode = MVF_DESC_OP_DFILL;
	d.dst = htole64(0);
	d.len = htole32(4096);
	d.pattern = htole64(0x0102030405060708ull);
	d.cookie = htole64(3);
	fx_put_desc(f, 0, 2, &d);
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, 3);	/* latched */
	v->r.msix_pending = 1;			/* as if raised while quiesced */
	if (vf_reg_read(v, MVF_VF_REG_DB_LATCHED) != 1 ||
	    vf_reg_read(v, MVF_VF_REG_CNT_ERR) != 1)
		return -1;
	return fx_aq(f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_FULL, 0, 0, NULL) ? -1 : 0;
}

static void regs(struct vf *v, uint32_t *r)
{
	uint32_t i;

	for (i = 0; i < NREGS; i++)
		r[i] = vf_reg_read(v, i * 4);
}

static int img_roundtrip_byte_exact(void)
{
	uint32_t r0[NREGS], r1[NREGS];
	uint8_t *img, *img2, *img3;
	size_t len, len2, len3;
	struct fx f;
	struct vf *v1;
	int cst;

	TRY(fx_init(&f, (2 << 20) + 8192, true));
	v1 = &f.dev.vfs[1];
	TRY(populate(&f));
	TRY(fx_stop(&f, 1));
	TRY(fx_save(&f, 0, 65543, &img, &len));
	CHECK_EQ(len, img_full_size((2 << 20) + 8192));
	CHECK_EQ(fx_load(&f, 1, img, len, 333333, &cst), MVF_AQ_STS_OK);
	CHECK_EQ(cst, MVF_AQ_STS_OK);
	CHECK(!memcmp(f.dev.vfs[0].devmem, v1->devmem, v1->devmem_size));
	regs(&f.dev.vfs[0], r0);
	regs(v1, r1);
	CHECK(!memcmp(r0, r1, sizeof(r0)));
	CHECK_EQ(vf_msix_pending(v1), 1);
	/* Same state, same bytes: VF1 saves what VF0 saved, VF0 again too. */
	TRY(fx_save(&f, 1, 1 << 20, &img2, &len2));
	TRY(fx_save(&f, 0, 4096, &img3, &len3));
	CHECK_EQ(len2, len);
	CHECK_EQ(len3, len);
	CHECK(!memcmp(img, img2, len));
	CHECK(!memcmp(img, img3, len));
	free(img);
	free(img2);
	free(img3);
	/* VF1 keeps working: resuming runs the latched descriptor, delivers
	 * the pending interrupt. */
	TRY(fx_run(&f, 1));
	CHECK_EQ(vf_reg_read(v1, MVF_VF_REG_SQ_HEAD), 3);
	CHECK_EQ(vf_reg_read(v1, MVF_VF_REG_DB_LATCHED), 0);
	CHECK_EQ(vf_reg_read(v1, MVF_VF_REG_CNT_DESC_LO), 3);
	CHECK_EQ(v1->devmem[0], 0x08);
	CHECK_EQ(v1->devmem[7], 0x01);
	CHECK_EQ(fx_irq_count(f.vf_irq[1][MVF_VF_MSIX_CPL]), 2);
	CHECK_EQ(le64toh(fx_cpl(&f, 0, 2)->cookie), 3);
	CHECK_EQ(f.dev.vfs[0].devmem[0], 1);	/* VF0 untouched */
	fx_fini(&f);
	return 0;
}

/* Shared by the corruption tests: 64 KiB of devmem, VF0 populated and
 * saved, VF1 stopped with a different state. */
struct ct {
	struct fx f;
	uint8_t *img;
	size_t len;
	uint32_t before[NREGS];
	uint8_t *before_mem;
};

static int ct_open(struct ct *t)
{
	struct vf *v1;

	memset(t, 0, sizeof(*t));
	if (fx_init(&t->f, 64 << 10, false) || populate(&t->f) ||
	    fx_save(&t->f, 0, 1 << 20, &t->img, &t->len))
		return -1;
	v1 = &t->f.dev.vfs[1];
	memset(v1->devmem, 0xee, v1->devmem_size);
	vf_reg_write(v1, MVF_VF_REG_SCRATCH0 + 4, 0x1234);
	if (fx_stop(&t->f, 1))
		return -1;
	regs(v1, t->before);
	t->before_mem = malloc(v1->devmem_size);
	if (!t->before_mem)
		return -1;
	memcpy(t->before_mem, v1->devmem, v1->devmem_size);
	return 0;
}

static void ct_close(struct ct *t)
{
	free(t->img);
	free(t->before_mem);
	fx_fini(&t->f);
}

static bool vf1_unchanged(struct ct *t)
{
	uint32_t now[NREGS];

	regs(&t->f.dev.vfs[1], now);
	return !memcmp(now, t->before, sizeof(now)) &&
	       !memcmp(t->before_mem, t->f.dev.vfs[1].devmem, 64 << 10);
}

/* Load @img into VF1 in 1000-byte chunks; expect statuses, VF1 unchanged. */
static int reject(struct ct *t, const uint8_t *img, size_t len, int want_chunk,
		  int want_end)
{
	int cst, est;

	est = fx_load(&t->f, 1, img, len, 1000, &cst);
	if (cst != want_chunk || est != want_end) {
		printf("# chunk status 0x%x (want 0x%x), end status 0x%x (want 0x%x)\n",
		       cst, want_chunk, est, want_end);
		return -1;
	}
	if (!vf1_unchanged(t)) {
		printf("# VF1 changed by a rejected image\n");
		return -1;
	}
	return t->f.dev.vfs[1].load ? -1 : 0;
}

/* Load @img into VF1; expect success. */
static int accept_img(struct ct *t, const uint8_t *img, size_t len)
{
	int cst, est;

	est = fx_load(&t->f, 1, img, len, 1000, &cst);
	if (cst || est) {
		printf("# chunk status 0x%x, end status 0x%x, want OK\n", cst, est);
		return -1;
	}
	return 0;
}

/* Recompute the trailer's CRC after a deliberate edit. */
static void fix_crc(uint8_t *img, size_t len)
{
	uint32_t crc = htole32(crc32c(0, img, len - 32));

	memcpy(img + len - 16, &crc, 4);
}

/* Offsets in the 64 KiB image: header section at 0, devmem section at 80
 * (payload: offset at 96, data at 112), regs section at 112 + 65536. */
#define OFF_DEVMEM	80
#define OFF_REGS	(112 + (64 << 10))

static int img_reject_checksum_truncated_overrun(void)
{
	struct ct t;
	uint8_t *b;

	TRY(ct_open(&t));
	b = malloc(2 * t.len);
	CHECK(b);
	/* One bit in device memory data. */
	memcpy(b, t.img, t.len);
	b[OFF_DEVMEM + 32 + 40000] ^= 0x10;
	TRY(reject(&t, b, t.len, MVF_AQ_STS_IMG_CHECKSUM, MVF_AQ_STS_IMG_CHECKSUM));
	/* One bit in the trailer's CRC. */
	memcpy(b, t.img, t.len);
	b[t.len - 16] ^= 1;
	TRY(reject(&t, b, t.len, MVF_AQ_STS_IMG_CHECKSUM, MVF_AQ_STS_IMG_CHECKSUM));
	/* Truncated anywhere: chunks are fine, LOAD_END says TRUNCATED. */
	TRY(reject(&t, t.img, t.len - 1, MVF_AQ_STS_OK, MVF_AQ_STS_IMG_TRUNCATED));
	TRY(reject(&t, t.img, t.len - 32, MVF_AQ_STS_OK, MVF_AQ_STS_IMG_TRUNCATED));
	TRY(reject(&t, t.img, t.len / 2, MVF_AQ_STS_OK, MVF_AQ_STS_IMG_TRUNCATED));
	TRY(reject(&t, t.img, 7, MVF_AQ_STS_OK, MVF_AQ_STS_IMG_TRUNCATED));
	/* Anything after the trailer. */
	memcpy(b, t.img, t.len);
	b[t.len] = 0;
	TRY(reject(&t, b, t.len + 1, MVF_AQ_STS_IMG_OVERRUN, MVF_AQ_STS_IMG_OVERRUN));
	memcpy(b + t.len, t.img, t.len);
	TRY(reject(&t, b, 2 * t.len, MVF_AQ_STS_IMG_OVERRUN, MVF_AQ_STS_IMG_OVERRUN));
	/* The session stays poisoned after a failed chunk. */
	{
		int st;

		CHECK_EQ(fx_aq(&t.f, MVF_AQ_OP_LOAD_START, 1, 0, 0, 0, NULL), 0);
		memcpy(t.f.ram + FX_PF_CHUNK, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", 32);
		st = fx_aq(&t.f, MVF_AQ_OP_LOAD_CHUNK, 1, 0, fx_iova(FX_PF_CHUNK), 32, NULL);
		CHECK_EQ(st, MVF_AQ_STS_IMG_SECTION);
		memcpy(t.f.ram + FX_PF_CHUNK, t.img, 1000);
		CHECK_EQ(fx_aq(&t.f, MVF_AQ_OP_LOAD_CHUNK, 1, 0, fx_iova(FX_PF_CHUNK), 1000, NULL),
			 MVF_AQ_STS_IMG_SECTION);
		CHECK_EQ(fx_aq(&t.f, MVF_AQ_OP_LOAD_END, 1, 0, 0, 0, NULL), MVF_AQ_STS_IMG_SECTION);
		CHECK(vf1_unchanged(&t));
	}
	/* And the clean image still loads afterwards. */
	TRY(accept_img(&t, t.img, t.len));
	CHECK(!memcmp(t.f.dev.vfs[0].devmem, t.f.dev.vfs[1].devmem, 64 << 10));
	free(b);
	ct_close(&t);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static int img_reject_header_fields(void)
{
	struct ct t;
	uint8_t *b;

	TRY(ct_open(&t));
	b = malloc(t.len);
	CHECK(b);
#define EDIT(stmt, want)						\
	do {								\
		memcpy(b, t.img, t.len);				\
		stmt;							\
		TRY(reject(&t, b, t.len, want, want));			\
	} while (0)
	EDIT(b[SEC + 0] ^= 0x01, MVF_AQ_STS_IMG_MAGIC);
	EDIT(put32(b + SEC + 8, 2), MVF_AQ_STS_IMG_VERSION);
	EDIT(put64(b + SEC + 16, 128 << 10), MVF_AQ_STS_IMG_INCOMPAT);	/* devmem size */
	EDIT(put32(b + SEC + 24, VF_CAPS | (1u << 10)), MVF_AQ_STS_IMG_INCOMPAT);
	EDIT(put32(b + SEC + 28, 8192), MVF_AQ_STS_IMG_INCOMPAT);	/* page size */
	EDIT(put32(b + SEC + 12, 1), MVF_AQ_STS_IMG_SECTION);		/* header flags */
	EDIT(put64(b + 8, 65), MVF_AQ_STS_IMG_LENGTH);			/* header len */
	EDIT(put32(b + 0, MVF_IMG_SEC_DEVMEM), MVF_AQ_STS_IMG_SECTION);	/* not first */
	EDIT(put32(b + 4, 1), MVF_AQ_STS_IMG_SECTION);			/* section flags */
	/* A caps subset is fine (checked against the target's caps). */
	memcpy(b, t.img, t.len);
	put32(b + SEC + 24, MVF_VF_CAP_COPY);
	fix_crc(b, t.len);
	TRY(accept_img(&t, b, t.len));
	free(b);
	ct_close(&t);
	return 0;
}

static int img_reject_sections(void)
{
	struct ct t;
	uint8_t *b;
	size_t tr;

	TRY(ct_open(&t));
	b = malloc(t.len);
	CHECK(b);
	tr = t.len - 32;	/* trailer section */
	/* DEVMEM lengths: not whole pages, too big, absurd. */
	EDIT(put64(b + OFF_DEVMEM + 8, 16 + 4095), MVF_AQ_STS_IMG_LENGTH);
	EDIT(put64(b + OFF_DEVMEM + 8, 16 + MVF_IMG_DEVMEM_MAX + 4096), MVF_AQ_STS_IMG_LENGTH);
	EDIT(put64(b + OFF_DEVMEM + 8, 1ull << 62), MVF_AQ_STS_IMG_LENGTH);
	EDIT(put64(b + OFF_DEVMEM + 8, 16), MVF_AQ_STS_IMG_LENGTH);
	/* DEVMEM offset misaligned or past the end. */
	EDIT(put64(b + OFF_DEVMEM + 16, 512), MVF_AQ_STS_IMG_SECTION);
	EDIT(put64(b + OFF_DEVMEM + 16, 4096), MVF_AQ_STS_IMG_SECTION);
	EDIT(put64(b + OFF_DEVMEM + 16, ~0ull << 12), MVF_AQ_STS_IMG_SECTION);
	/* Unknown section type; REGS length; trailer length. */
	EDIT(put32(b + OFF_DEVMEM, 0x42), MVF_AQ_STS_IMG_SECTION);
	EDIT(put64(b + OFF_REGS + 8, 120), MVF_AQ_STS_IMG_LENGTH);
	EDIT(put64(b + tr + 8, 8), MVF_AQ_STS_IMG_LENGTH);
	/* Trailer counts (not covered by the CRC, checked exactly). */
	EDIT(put32(b + tr + SEC + 4, 4), MVF_AQ_STS_IMG_SECTION);
	EDIT(put64(b + tr + SEC + 8, tr + 1), MVF_AQ_STS_IMG_LENGTH);
	/* Register values a VF cannot have, CRC fixed up so the values are judged. */
	EDIT((put32(b + OFF_REGS + SEC + 24, 3), fix_crc(b, t.len)),
	     MVF_AQ_STS_IMG_SECTION);				/* ring_size 3 */
	EDIT((put32(b + OFF_REGS + SEC + 0, 0x80), fix_crc(b, t.len)),
	     MVF_AQ_STS_IMG_SECTION);				/* ctrl bit */
	EDIT((put32(b + OFF_REGS + SEC + 36, 2), fix_crc(b, t.len)),
	     MVF_AQ_STS_IMG_SECTION);				/* db_latched 2 */
	EDIT((put32(b + OFF_REGS + SEC + 100, 4), fix_crc(b, t.len)),
	     MVF_AQ_STS_IMG_SECTION);				/* msix_pending */
	EDIT((put32(b + OFF_REGS + SEC + 127, 1), fix_crc(b, t.len)),
	     MVF_AQ_STS_IMG_SECTION);				/* rsvd */
	/* REGS where the trailer should be: duplicate section. */
	EDIT((put32(b + tr, MVF_IMG_SEC_REGS), put64(b + tr + 8, 16)),
	     MVF_AQ_STS_IMG_SECTION);
	free(b);
	ct_close(&t);
	return 0;
}

/* Hand-built stream missing a page of device memory: rejected. */
static int img_reject_missing_pages(void)
{
	struct ct t;
	uint8_t *b;
	size_t n, dm = 32 + 4096 * 15;

	TRY(ct_open(&t));
	b = malloc(t.len);
	CHECK(b);
	/* header, devmem (15 pages), regs, trailer */
	memcpy(b, t.img, 80);
	memcpy(b + 80, t.img + 80, dm);
	put64(b + 80 + 8, 16 + 4096 * 15);
	n = 80 + dm;
	memcpy(b + n, t.img + OFF_REGS, 144 + 32);
	n += 144 + 32;
	put64(b + n - 8, n - 32);
	fix_crc(b, n);
	TRY(reject(&t, b, n, MVF_AQ_STS_IMG_SECTION, MVF_AQ_STS_IMG_SECTION));
	free(b);
	ct_close(&t);
	return 0;
}

/* Every single-bit flip in metadata and a sample of data is refused. */
static int img_reject_every_bit_flip(void)
{
	struct ct t;
	uint8_t *b;
	size_t pos;
	int cst, est, bit = 0;

	TRY(ct_open(&t));
	b = malloc(t.len);
	CHECK(b);
	memcpy(b, t.img, t.len);
	for (pos = 0; pos < t.len; pos++) {
		if (pos >= OFF_DEVMEM + 32 && pos < OFF_REGS && pos % 97)
			continue;
		b[pos] ^= (uint8_t)(1u << (bit++ & 7));
		est = fx_load(&t.f, 1, b, t.len, 1 << 20, &cst);
		b[pos] = t.img[pos];
		if (est == MVF_AQ_STS_OK || !vf1_unchanged(&t)) {
			printf("# flip at byte %zu accepted (status 0x%x)\n", pos, est);
			return -1;
		}
	}
	free(b);
	ct_close(&t);
	return 0;
}

/* The parser copes with any chunking, down to single bytes. */
static int img_load_byte_by_byte(void)
{
	struct ct t;
	struct vf *v1;
	size_t i;

	TRY(ct_open(&t));
	v1 = &t.f.dev.vfs[1];
	CHECK_EQ(img_load_start(v1), MVF_AQ_STS_OK);
	for (i = 0; i < t.len; i++)
		CHECK_EQ(img_load_feed(v1->load, t.img + i, 1), MVF_AQ_STS_OK);
	CHECK_EQ(img_load_end(v1), MVF_AQ_STS_OK);
	CHECK(!memcmp(t.f.dev.vfs[0].devmem, v1->devmem, 64 << 10));
	CHECK_EQ(vf_reg_read(v1, MVF_VF_REG_SCRATCH0), 0xcafef00d);
	ct_close(&t);
	return 0;
}

static int query(struct fx *f, uint16_t vf, uint64_t *sc, uint64_t *init,
		 uint64_t *dirty)
{
	struct mvf_state_size sz;

	if (fx_aq(f, MVF_AQ_OP_VF_QUERY_SIZE, vf, 0, fx_iova(FX_PF_BUF), 32, NULL))
		return -1;
	memcpy(&sz, f->ram + FX_PF_BUF, sizeof(sz));
	*sc = le64toh(sz.stop_copy_bytes);
	*init = le64toh(sz.initial_bytes);
	*dirty = le64toh(sz.dirty_bytes);
	return 0;
}

/* Append up to @chunk next bytes; returns result1 flags or -1. */
static int pull(struct fx *f, uint32_t chunk, uint8_t *out, size_t *len)
{
	struct mvf_aq_cpl cpl;

	if (fx_aq(f, MVF_AQ_OP_SAVE_CHUNK, 0, 0, fx_iova(FX_PF_CHUNK), chunk, &cpl))
		return -1;
	memcpy(out + *len, f->ram + FX_PF_CHUNK, le32toh(cpl.result0));
	*len += le32toh(cpl.result0);
	return (int)le32toh(cpl.result1);
}

static int img_precopy_stream(void)
{
	const uint64_t dm = 2 << 20, full = img_full_size(2 << 20);
	uint64_t sc, init, dirty;
	uint32_t r0[NREGS], r1[NREGS];
	struct mvf_desc d;
	struct fx f;
	uint8_t *s;
	size_t len = 0;
	struct vf *v0;
	int fl, cst;

	TRY(fx_init(&f, dm, false));
	v0 = &f.dev.vfs[0];
	s = malloc(2 * full);
	CHECK(s);
	memset(v0->devmem, 0x11, dm);
	fx_ring_setup(&f, 0, 16, 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 0, MVF_SAVE_MODE_PRECOPY, 0, 0, NULL), 0);
	TRY(query(&f, 0, &sc, &init, &dirty));
	CHECK_EQ(init, 80 + 2 * (32 + (1 << 20)));
	CHECK_EQ(dirty, 0);
	CHECK_EQ(sc, init + IMG_TAIL_BYTES);
	CHECK_EQ(sc, full);
	CHECK_EQ(pull(&f, 100, s, &len), 0);
	TRY(query(&f, 0, &sc, &init, &dirty));
	CHECK_EQ(init, 80 + 2 * (32 + (1 << 20)) - 100);
	/* The ring keeps running: dirty page 0 (already partly streamed? no:
	 * only 100 bytes so far, page 0 is in the section being streamed). */
	memset(&d, 0, sizeof(d));
	d.opcode = MVF_DESC_OP_DFILL;
	d.len = htole32(4096);
	d.pattern = htole64(0x2222222222222222ull);
	d.dst = htole64(0);
	fx_put_desc(&f, 0, 0, &d);
	vf_reg_write(v0, MVF_VF_REG_SQ_TAIL, 1);
	TRY(query(&f, 0, &sc, &init, &dirty));
	CHECK_EQ(dirty, 32 + 4096);
	/* Drain the initial data: then a temporary end. */
	while (!((fl = pull(&f, 1 << 20, s, &len)) & MVF_SAVE_F_EMPTY) && fl >= 0)
		CHECK_EQ(fl & MVF_SAVE_F_END, 0);
	CHECK_EQ(fl, MVF_SAVE_F_EMPTY);
	CHECK_EQ(len, 80 + 2 * (32 + (1 << 20)) + 32 + 4096);
	TRY(query(&f, 0, &sc, &init, &dirty));
	CHECK_EQ(init, 0);
	CHECK_EQ(dirty, 0);
	CHECK_EQ(sc, IMG_TAIL_BYTES);
	/* Dirty pages 2..4 and 300: two runs. */
	d.opcode = MVF_DESC_OP_DFILL;
	d.dst = htole64(2 * 4096);
	d.len = htole32(3 * 4096);
	d.pattern = htole64(0x3333333333333333ull);
	fx_put_desc(&f, 0, 1, &d);
	d.dst = htole64(300 * 4096 + 100);
	d.len = htole32(10);
	fx_put_desc(&f, 0, 2, &d);
	vf_reg_write(v0, MVF_VF_REG_SQ_TAIL, 3);
	TRY(query(&f, 0, &sc, &init, &dirty));
	CHECK_EQ(init, 0);
	CHECK_EQ(dirty, 2 * 32 + 4 * 4096);
	CHECK_EQ(sc, dirty + IMG_TAIL_BYTES);
	CHECK_EQ(pull(&f, 1 << 20, s, &len), 0);
	CHECK_EQ(pull(&f, 1 << 20, s, &len), MVF_SAVE_F_EMPTY);
	/* Stop: the rest is the last dirty page, REGS and TRAILER. */
	d.dst = htole64(2 * 4096);
	d.len = htole32(1);
	d.pattern = htole64(0x44);
	fx_put_desc(&f, 0, 3, &d);
	vf_reg_write(v0, MVF_VF_REG_SQ_TAIL, 4);
	vf_reg_write(v0, MVF_VF_REG_SCRATCH0, 77);
	TRY(fx_stop(&f, 0));
	TRY(query(&f, 0, &sc, &init, &dirty));
	CHECK_EQ(sc, 32 + 4096 + IMG_TAIL_BYTES);
	CHECK_EQ(pull(&f, 1 << 20, s, &len), MVF_SAVE_F_END);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 0, MVF_SUSPEND_FULL, 0, 0, NULL), MVF_AQ_STS_BUSY);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_END, 0, 0, 0, 0, NULL), 0);
	/* The precopy stream loads and reproduces the final state. */
	TRY(fx_stop(&f, 1));
	CHECK_EQ(fx_load(&f, 1, s, len, 1 << 20, &cst), MVF_AQ_STS_OK);
	CHECK(!memcmp(v0->devmem, f.dev.vfs[1].devmem, dm));
	CHECK_EQ(f.dev.vfs[1].devmem[2 * 4096], 0x44);
	CHECK_EQ(f.dev.vfs[1].devmem[300 * 4096 + 100], 0x33);
	regs(v0, r0);
	regs(&f.dev.vfs[1], r1);
	CHECK(!memcmp(r0, r1, sizeof(r0)));
	free(s);
	fx_fini(&f);
	return 0;
}

const struct test image_tests[] = {
	{ "img_roundtrip_byte_exact", img_roundtrip_byte_exact },
	{ "img_reject_checksum_truncated_overrun", img_reject_checksum_truncated_overrun },
	{ "img_reject_header_fields", img_reject_header_fields },
	{ "img_reject_sections", img_reject_sections },
	{ "img_reject_missing_pages", img_reject_missing_pages },
	{ "img_reject_every_bit_flip", img_reject_every_bit_flip },
	{ "img_load_byte_by_byte", img_load_byte_by_byte },
	{ "img_precopy_stream", img_precopy_stream },
	{ NULL, NULL },
};
