/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf_vfio_pci: the resuming data_fd's record parser (the framing of
 * include/mvf/mvf_stream.h), kept apart from the file so that a userspace
 * fuzz target builds the same source (see stream_shim.h).
 *
 * The parser owns no buffer: the caller asks what the next bytes of its
 * input are (mvf_stream_next()), puts them where the answer says (header
 * bytes into the parser, DEVICE_DATA payload wherever it gathers image
 * bytes, skipped payload nowhere), and reports how many it consumed
 * (mvf_stream_advance()), which validates each header as it completes.
 * Input may arrive in any segmentation, down to one byte at a time.
 */
#ifndef _MVF_VFIO_STREAM_PARSE_H
#define _MVF_VFIO_STREAM_PARSE_H

#include "stream_shim.h"
#include "mvf_stream.h"

/**
 * struct mvf_stream_parser - state of a partially received record
 * @rec: the record header being received (little-endian, as sent)
 * @rec_got: bytes of @rec received; sizeof(@rec) once complete
 * @rec_left: payload bytes of the current record still to come
 * @rec_skip: the current record's payload is dropped (optional record)
 * @why: after an error, what was wrong (a static string), else NULL
 */
struct mvf_stream_parser {
	struct mvf_mig_record rec;
	size_t rec_got;
	u64 rec_left;
	bool rec_skip;
	const char *why;
};

/**
 * enum mvf_stream_kind - what the next input bytes are
 * @MVF_STREAM_HDR: record header bytes, to be copied to &mvf_stream_step.dst
 * @MVF_STREAM_DATA: DEVICE_DATA payload: device image bytes
 * @MVF_STREAM_SKIP: payload of a record that is dropped
 */
enum mvf_stream_kind {
	MVF_STREAM_HDR,
	MVF_STREAM_DATA,
	MVF_STREAM_SKIP,
};

/**
 * struct mvf_stream_step - the next input bytes, as mvf_stream_next() sees them
 * @kind: what they are
 * @len: how many of them are of @kind (1 .. the bytes available)
 * @dst: %MVF_STREAM_HDR: where in the parser they go; otherwise NULL
 */
struct mvf_stream_step {
	enum mvf_stream_kind kind;
	size_t len;
	void *dst;
};

void mvf_stream_init(struct mvf_stream_parser *p);
void mvf_stream_next(struct mvf_stream_parser *p, size_t avail,
		     struct mvf_stream_step *st);
int mvf_stream_advance(struct mvf_stream_parser *p,
		       const struct mvf_stream_step *st, size_t n);

/**
 * mvf_stream_at_boundary - whether the input so far ends between records
 * @p: the parser
 *
 * Return: true if no record is partially received.
 */
static inline bool mvf_stream_at_boundary(const struct mvf_stream_parser *p)
{
	return !p->rec_got;
}

#endif /* _MVF_VFIO_STREAM_PARSE_H */
