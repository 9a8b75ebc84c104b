// SPDX-License-Identifier: GPL-2.0
/*
 * Parse a saved data_fd stream: the driver's records (mvf_stream.h) and,
 * inside the DEVICE_DATA records, the device image (mvf_image.h).  Tests
 * use this to check what the driver produced and to corrupt chosen bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mvf_test.h"

void mvf_stream_free(struct mvf_stream *ps)
{
	free(ps->recs);
	free(ps->secs);
	vt_buf_free(&ps->img);
	memset(ps, 0, sizeof(*ps));
}

static int push_rec(struct mvf_stream *ps, const struct mvf_rec *r,
		    size_t *cap)
{
	if (ps->nr_recs == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		struct mvf_rec *p = realloc(ps->recs, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		ps->recs = p;
		*cap = n;
	}
	ps->recs[ps->nr_recs++] = *r;
	return 0;
}

static int push_sec(struct mvf_stream *ps, const struct mvf_sec *s,
		    size_t *cap)
{
	if (ps->nr_secs == *cap) {
		size_t n = *cap ? *cap * 2 : 256;
		struct mvf_sec *p = realloc(ps->secs, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		ps->secs = p;
		*cap = n;
	}
	ps->secs[ps->nr_secs++] = *s;
	return 0;
}

/*
 * Split @s into records and the image into sections.  Returns 0, or
 * -EINVAL (printed) if the framing itself is malformed.
 */
int mvf_stream_parse(const struct vt_buf *s, struct mvf_stream *ps)
{
	size_t off = 0, rcap = 0, scap = 0;
	int ret;

	memset(ps, 0, sizeof(*ps));
	while (off < s->len) {
		struct mvf_mig_record h;
		struct mvf_rec r;

		if (s->len - off < sizeof(h)) {
			fprintf(stderr, "stream: %zu stray bytes at %zu\n",
				s->len - off, off);
			ret = -EINVAL;
			goto err;
		}
		memcpy(&h, s->data + off, sizeof(h));
		if (h.size > s->len - off - sizeof(h)) {
			fprintf(stderr,
				"stream: record at %zu: size %llu past the end\n",
				off, (unsigned long long)h.size);
			ret = -EINVAL;
			goto err;
		}
		r.off = off;
		r.size = h.size;
		r.flags = h.flags;
		r.tag = h.tag;
		ret = push_rec(ps, &r, &rcap);
		if (ret)
			goto err;
		if (h.tag == MVF_MIG_TAG_DEVICE_DATA) {
			ret = vt_buf_append(&ps->img, s->data + off + sizeof(h),
					     h.size);
			if (ret)
				goto err;
		}
		off += sizeof(h) + h.size;
	}

	off = 0;
	while (off < ps->img.len) {
		struct mvf_img_sec h;
		struct mvf_sec sec;

		if (ps->img.len - off < sizeof(h)) {
			fprintf(stderr, "image: %zu stray bytes at %zu\n",
				ps->img.len - off, off);
			ret = -EINVAL;
			goto err;
		}
		memcpy(&h, ps->img.data + off, sizeof(h));
		if (h.len > ps->img.len - off - sizeof(h)) {
			fprintf(stderr,
				"image: section at %zu: len %llu past the end\n",
				off, (unsigned long long)h.len);
			ret = -EINVAL;
			goto err;
		}
		sec.img_off = off;
		sec.type = h.type;
		sec.len = h.len;
		ret = push_sec(ps, &sec, &scap);
		if (ret)
			goto err;
		off += sizeof(h) + h.len;
	}
	return 0;
err:
	mvf_stream_free(ps);
	return ret;
}

/* Stream offset of image byte @img_off, or -ERANGE. */
ssize_t mvf_stream_img_to_off(const struct mvf_stream *ps, size_t img_off)
{
	size_t base = 0, i;

	for (i = 0; i < ps->nr_recs; i++) {
		const struct mvf_rec *r = &ps->recs[i];

		if (r->tag != MVF_MIG_TAG_DEVICE_DATA)
			continue;
		if (img_off < base + r->size)
			return (ssize_t)(r->off + sizeof(struct mvf_mig_record) +
					 (img_off - base));
		base += r->size;
	}
	return -ERANGE;
}

const struct mvf_sec *mvf_stream_find_sec(const struct mvf_stream *ps,
					  uint32_t type, unsigned int nth)
{
	size_t i;

	for (i = 0; i < ps->nr_secs; i++)
		if (ps->secs[i].type == type && nth-- == 0)
			return &ps->secs[i];
	return NULL;
}

/*
 * Check the image against mvf_image.h: HEADER first and valid, DEVMEM
 * sections in bounds, one REGS, TRAILER last with a correct CRC32C,
 * section count and length.  Returns 0 or -EINVAL with @why filled.
 */
int mvf_stream_check_image(const struct mvf_stream *ps, uint64_t devmem_size,
			   char *why, size_t why_len)
{
	const uint8_t *img = ps->img.data;
	struct mvf_img_header hdr;
	struct mvf_img_trailer tr;
	const struct mvf_sec *last;
	unsigned int nregs = 0;
	size_t i;

#define FAIL(...) do { snprintf(why, why_len, __VA_ARGS__); return -EINVAL; } while (0)
	if (ps->nr_secs < 3)
		FAIL("%zu sections", ps->nr_secs);
	if (ps->secs[0].type != MVF_IMG_SEC_HEADER ||
	    ps->secs[0].len != sizeof(hdr))
		FAIL("first section type %u len %llu", ps->secs[0].type,
		     (unsigned long long)ps->secs[0].len);
	memcpy(&hdr, img + sizeof(struct mvf_img_sec), sizeof(hdr));
	if (hdr.magic != MVF_IMG_MAGIC || hdr.version != MVF_IMG_VERSION ||
	    hdr.devmem_size != devmem_size ||
	    hdr.page_size != MVF_IMG_PAGE_SIZE)
		FAIL("header magic 0x%llx version %u devmem %llu page %u",
		     (unsigned long long)hdr.magic, hdr.version,
		     (unsigned long long)hdr.devmem_size, hdr.page_size);
	last = &ps->secs[ps->nr_secs - 1];
	if (last->type != MVF_IMG_SEC_TRAILER || last->len != sizeof(tr))
		FAIL("last section type %u len %llu", last->type,
		     (unsigned long long)last->len);
	for (i = 1; i + 1 < ps->nr_secs; i++) {
		const struct mvf_sec *s = &ps->secs[i];
		struct mvf_img_devmem dm;
		uint64_t dlen;

		switch (s->type) {
		case MVF_IMG_SEC_DEVMEM:
			if (s->len <= sizeof(dm))
				FAIL("DEVMEM section %zu len %llu", i,
				     (unsigned long long)s->len);
			memcpy(&dm, img + s->img_off + sizeof(struct mvf_img_sec),
			       sizeof(dm));
			dlen = s->len - sizeof(dm);
			if (dm.offset % MVF_IMG_PAGE_SIZE ||
			    dlen % MVF_IMG_PAGE_SIZE ||
			    dlen > MVF_IMG_DEVMEM_MAX ||
			    dm.offset > devmem_size ||
			    dlen > devmem_size - dm.offset)
				FAIL("DEVMEM section %zu offset %llu len %llu", i,
				     (unsigned long long)dm.offset,
				     (unsigned long long)dlen);
			if (nregs)
				FAIL("DEVMEM section %zu after REGS", i);
			break;
		case MVF_IMG_SEC_REGS:
			if (s->len != sizeof(struct mvf_img_regs))
				FAIL("REGS len %llu", (unsigned long long)s->len);
			nregs++;
			break;
		default:
			FAIL("section %zu has type %u", i, s->type);
		}
	}
	if (nregs != 1)
		FAIL("%u REGS sections", nregs);
	memcpy(&tr, img + last->img_off + sizeof(struct mvf_img_sec),
	       sizeof(tr));
	if (tr.total_len != last->img_off)
		FAIL("trailer total_len %llu, want %zu",
		     (unsigned long long)tr.total_len, last->img_off);
	if (tr.nr_sections != ps->nr_secs - 1)
		FAIL("trailer nr_sections %u, want %zu", tr.nr_sections,
		     ps->nr_secs - 1);
	if (tr.crc32c != mvf_crc32c(0, img, last->img_off))
		FAIL("trailer crc32c 0x%08x, want 0x%08x", tr.crc32c,
		     mvf_crc32c(0, img, last->img_off));
	if (ps->img.len != last->img_off + sizeof(struct mvf_img_sec) +
	    sizeof(tr))
		FAIL("bytes after the trailer");
#undef FAIL
	return 0;
}
