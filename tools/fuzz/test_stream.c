// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the resume-stream record parser, src/vfio/stream_parse.c
 * (the module's source, built for userspace through stream_shim.h): the
 * framing rules of Documentation/driver.rst "Stream framing", exact errnos
 * and offsets, and the malleability the format keeps on purpose (empty
 * DEVICE_DATA records, the unchecked size hint).  Run by
 * tools/fuzz/run.sh check; prints "N passed, M failed".
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "stream_parse.h"

#define MAX_IMG	256

struct res {
	int err;		/* 0 or the errno */
	size_t at;		/* bytes consumed when it failed, else all */
	bool boundary;
	uint8_t img[MAX_IMG];	/* DEVICE_DATA payload bytes */
	size_t img_len;
};

/* Feed @len bytes in @seg-byte writes, as mvf_vfio_resume_write() does. */
static void feed(const uint8_t *s, size_t len, size_t seg, struct res *r)
{
	struct mvf_stream_parser p;
	struct mvf_stream_step st;
	size_t done = 0, end;

	memset(r, 0, sizeof(*r));
	mvf_stream_init(&p);
	while (done < len) {
		end = done + seg < len ? done + seg : len;
		while (done < end) {
			mvf_stream_next(&p, end - done, &st);
			if (st.kind == MVF_STREAM_HDR)
				memcpy(st.dst, s + done, st.len);
			else if (st.kind == MVF_STREAM_DATA && r->img_len + st.len <= MAX_IMG) {
				memcpy(r->img + r->img_len, s + done, st.len);
				r->img_len += st.len;
			}
			done += st.len;
			r->err = mvf_stream_advance(&p, &st, st.len);
			if (r->err) {
				r->at = done;
				return;
			}
		}
	}
	r->at = done;
	r->boundary = mvf_stream_at_boundary(&p);
}

static size_t rec(uint8_t *s, uint64_t size, uint32_t flags, uint32_t tag,
		  const void *payload, size_t n)
{
	struct mvf_mig_record h = {
		.size = htole64(size), .flags = htole32(flags), .tag = htole32(tag),
	};

	memcpy(s, &h, sizeof(h));
	if (n)
		memcpy(s + sizeof(h), payload, n);
	return sizeof(h) + n;
}

static int failed;
static int passed;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: check failed: %s\n", __FILE__,	\
			       __LINE__, #cond);			\
			return -1;					\
		}							\
	} while (0)

/* Every write size from 1 to the whole stream gives the same result. */
static int all_segs(const uint8_t *s, size_t len, int err, size_t at,
		    bool boundary, const void *img, size_t img_len)
{
	struct res r;
	size_t seg;

	for (seg = 1; seg <= len; seg++) {
		feed(s, len, seg, &r);
		CHECK(r.err == err);
		CHECK(r.at == at);
		if (!err)
			CHECK(r.boundary == boundary);
		CHECK(r.img_len == img_len);
		CHECK(!memcmp(r.img, img, img_len));
	}
	return 0;
}

static int t_saving_stream(void)
{
	uint8_t s[128];
	uint64_t hint = htole64(1234);
	size_t n = 0;

	n += rec(s + n, 8, MVF_MIG_F_OPTIONAL, MVF_MIG_TAG_STOP_COPY_SIZE, &hint, 8);
	n += rec(s + n, 5, 0, MVF_MIG_TAG_DEVICE_DATA, "abcde", 5);
	n += rec(s + n, 3, 0, MVF_MIG_TAG_DEVICE_DATA, "fgh", 3);
	return all_segs(s, n, 0, n, true, "abcdefgh", 8);
}

/* Kept malleable: a zero-length DEVICE_DATA record is an empty record. */
static int t_empty_device_data(void)
{
	uint8_t s[128];
	size_t n = 0;

	n += rec(s + n, 2, 0, MVF_MIG_TAG_DEVICE_DATA, "ab", 2);
	n += rec(s + n, 0, 0, MVF_MIG_TAG_DEVICE_DATA, NULL, 0);
	n += rec(s + n, 0, MVF_MIG_F_OPTIONAL, MVF_MIG_TAG_DEVICE_DATA, NULL, 0);
	n += rec(s + n, 1, 0, MVF_MIG_TAG_DEVICE_DATA, "c", 1);
	return all_segs(s, n, 0, n, true, "abc", 3);
}

/* A run of 48 zero bytes parses as three empty DEVICE_DATA records. */
static int t_zero_run(void)
{
	uint8_t s[48] = { 0 };

	return all_segs(s, sizeof(s), 0, sizeof(s), true, "", 0);
}

/* Kept malleable: the size hint's payload is not checked at all. */
static int t_size_hint_unchecked(void)
{
	static const uint64_t hints[] = { 0, 1, 0x8000000000000000ull, UINT64_MAX };
	uint8_t s[128];
	size_t i, n;
	uint64_t h;

	for (i = 0; i < 4; i++) {
		h = htole64(hints[i]);
		n = rec(s, 8, MVF_MIG_F_OPTIONAL, MVF_MIG_TAG_STOP_COPY_SIZE, &h, 8);
		n += rec(s + n, 2, 0, MVF_MIG_TAG_DEVICE_DATA, "xy", 2);
		CHECK(!all_segs(s, n, 0, n, true, "xy", 2));
	}
	/* Nor its length or flags: any size up to the limit is skipped. */
	n = rec(s, 3, 0, MVF_MIG_TAG_STOP_COPY_SIZE, "abc", 3);
	return all_segs(s, n, 0, n, true, "", 0);
}

static int t_errors(void)
{
	uint8_t s[128];
	size_t n;

	/* Size above MVF_MIG_RECORD_MAX: -ENOMEM once the header is in. */
	n = rec(s, 2, 0, MVF_MIG_TAG_DEVICE_DATA, "ab", 2);
	n += rec(s + n, (uint64_t)MVF_MIG_RECORD_MAX + 1, MVF_MIG_F_OPTIONAL, 77, NULL, 0);
	CHECK(!all_segs(s, n, -ENOMEM, n, false, "ab", 2));
	n = rec(s, UINT64_MAX, 0, MVF_MIG_TAG_DEVICE_DATA, NULL, 0);
	CHECK(!all_segs(s, n, -ENOMEM, 16, false, "", 0));
	/* Exactly the limit is fine (the payload is simply still to come). */
	n = rec(s, MVF_MIG_RECORD_MAX, MVF_MIG_F_OPTIONAL, 77, NULL, 0);
	CHECK(!all_segs(s, n, 0, 16, false, "", 0));
	/* Unknown flags on DEVICE_DATA, unknown mandatory tag: -EOPNOTSUPP. */
	n = rec(s, 1, 2, MVF_MIG_TAG_DEVICE_DATA, "a", 1);
	CHECK(!all_segs(s, n, -EOPNOTSUPP, 16, false, "", 0));
	n = rec(s, 1, 0, 2, "a", 1);
	CHECK(!all_segs(s, n, -EOPNOTSUPP, 16, false, "", 0));
	/* Unknown optional tag: skipped, payload not image data. */
	n = rec(s, 3, MVF_MIG_F_OPTIONAL, 0x7005, "zzz", 3);
	n += rec(s + n, 1, 0, MVF_MIG_TAG_DEVICE_DATA, "q", 1);
	return all_segs(s, n, 0, n, true, "q", 1);
}

/* Ending inside a header or a payload is not a boundary. */
static int t_partial(void)
{
	uint8_t s[128];
	size_t n;

	n = rec(s, 4, 0, MVF_MIG_TAG_DEVICE_DATA, "abcd", 4);
	CHECK(!all_segs(s, 7, 0, 7, false, "", 0));
	CHECK(!all_segs(s, 16, 0, 16, false, "", 0));
	CHECK(!all_segs(s, 18, 0, 18, false, "ab", 2));
	return all_segs(s, n, 0, n, true, "abcd", 4);
}

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	{ "saving_stream", t_saving_stream },
	{ "empty_device_data", t_empty_device_data },
	{ "zero_run", t_zero_run },
	{ "size_hint_unchecked", t_size_hint_unchecked },
	{ "errors", t_errors },
	{ "partial", t_partial },
};

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (tests[i].fn()) {
			printf("not ok - stream_parse: %s\n", tests[i].name);
			failed++;
		} else {
			printf("ok - stream_parse: %s\n", tests[i].name);
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
