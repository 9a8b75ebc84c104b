// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the resuming data_fd's record parser, src/vfio/stream_parse.c,
 * compiled as the module compiles it (stream_shim.h maps its few kernel
 * names to the C library's), driven the way mvf_vfio_resume_write() drives
 * it: the input in write()-sized segments, DEVICE_DATA payload gathered
 * into a chunk buffer that is "loaded" (appended to the image) when full
 * and at the end.
 *
 * Input: 2 bytes of control, then the stream.  Byte 0 seeds the write
 * sizes (1..64 bytes, or everything at once when it is 0), byte 1 picks
 * the chunk size (1..256 bytes).
 *
 * Checked against a second, whole-buffer parser of the same format
 * (include/mvf/mvf_stream.h, Documentation/driver.rst "Stream framing"):
 * the same errno at the same stream offset, the same image bytes (those
 * gathered before an error included), the
 * same "ends inside a record" verdict; and every step mvf_stream_next()
 * hands out lies within the input and, for header bytes, within the
 * parser's header.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream_parse.h"

#define FZ_ASSERT(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_stream: %s:%d: assertion failed: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* What a parse of a whole stream came to. */
struct outcome {
	int err;		/* 0 or the errno */
	size_t err_at;		/* stream bytes consumed when it failed */
	bool boundary;		/* no error: the stream ends between records */
	u8 *img;		/* concatenated DEVICE_DATA payloads */
	size_t img_len;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reference: the format's rules applied to the whole buffer at once. */
static void reference(const u8 *s, size_t len, struct outcome *o)
{
	size_t off = 0;

	while (off < len) {
		struct mvf_mig_record h;
		u64 sz;
		u32 flags, tag;
		bool keep;

		if (len - off < sizeof(h)) {
			o->boundary = false;
			return;
		}
		memcpy(&h, s + off, sizeof(h));
		off += sizeof(h);
		sz = le64toh(h.size);
		flags = le32toh(h.flags);
		tag = le32toh(h.tag);
		if (sz > MVF_MIG_RECORD_MAX) {
			o->err = -ENOMEM;
			o->err_at = off;
			return;
		}
		if (tag == MVF_MIG_TAG_DEVICE_DATA && (flags & ~MVF_MIG_F_OPTIONAL)) {
			o->err = -EOPNOTSUPP;
			o->err_at = off;
			return;
		}
		if (tag != MVF_MIG_TAG_DEVICE_DATA && tag != MVF_MIG_TAG_STOP_COPY_SIZE &&
		    !(flags & MVF_MIG_F_OPTIONAL)) {
			o->err = -EOPNOTSUPP;
			o->err_at = off;
			return;
		}
		keep = tag == MVF_MIG_TAG_DEVICE_DATA;
		if (sz > len - off) {
			if (keep) {
				memcpy(o->img + o->img_len, s + off, len - off);
				o->img_len += len - off;
			}
			o->boundary = false;
			return;
		}
		if (keep) {
			memcpy(o->img + o->img_len, s + off, sz);
			o->img_len += sz;
		}
		off += sz;
	}
	o->boundary = true;
}

/* The parser under test, driven as mvf_vfio_resume_write() drives it. */
static void driven(const u8 *s, size_t len, u8 seed, size_t chunk,
		   struct outcome *o)
{
	struct mvf_stream_parser p;
	struct mvf_stream_step st;
	u8 buf[256];
	size_t done = 0, buf_len = 0, wr_end, n;
	u32 x = seed;
	int ret;

	mvf_stream_init(&p);
	while (done < len) {
		/* One write(): the next 1..64 bytes, or all of them. */
		x = x * 1103515245u + 12345u;
		wr_end = seed ? done + 1 + (x >> 16) % 64 : len;
		if (wr_end > len)
			wr_end = len;
		while (done < wr_end) {
			mvf_stream_next(&p, wr_end - done, &st);
			n = st.len;
			FZ_ASSERT(n >= 1 && n <= wr_end - done);
			if (st.kind == MVF_STREAM_HDR) {
				FZ_ASSERT((u8 *)st.dst >= (u8 *)&p.rec &&
					  (u8 *)st.dst + n <= (u8 *)&p.rec + sizeof(p.rec));
				memcpy(st.dst, s + done, n);
			} else if (st.kind == MVF_STREAM_DATA) {
				FZ_ASSERT(!st.dst);
				n = min_t(size_t, n, chunk - buf_len);
				memcpy(buf + buf_len, s + done, n);
				buf_len += n;
			} else {
				FZ_ASSERT(st.kind == MVF_STREAM_SKIP && !st.dst);
			}
			done += n;
			ret = mvf_stream_advance(&p, &st, n);
			if (ret) {
				FZ_ASSERT(p.why);
				o->err = ret;
				o->err_at = done;
				goto out;
			}
			if (buf_len == chunk) {
				memcpy(o->img + o->img_len, buf, buf_len);
				o->img_len += buf_len;
				buf_len = 0;
			}
		}
	}
	o->boundary = mvf_stream_at_boundary(&p);
out:
	/* What is still gathered counts: LOAD_END would flush it. */
	memcpy(o->img + o->img_len, buf, buf_len);
	o->img_len += buf_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome ref = { 0 }, got = { 0 };

	if (size < 2)
		return 0;
	ref.img = malloc(size);
	got.img = malloc(size);
	FZ_ASSERT(ref.img && got.img);
	reference(data + 2, size - 2, &ref);
	driven(data + 2, size - 2, data[0], 1 + data[1] % 256, &got);
	FZ_ASSERT(got.err == ref.err);
	FZ_ASSERT(got.err_at == ref.err_at);
	FZ_ASSERT(got.img_len == ref.img_len);
	FZ_ASSERT(!memcmp(got.img, ref.img, ref.img_len));
	if (!ref.err)
		FZ_ASSERT(got.boundary == ref.boundary);
	free(ref.img);
	free(got.img);
	return 0;
}
