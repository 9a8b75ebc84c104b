// SPDX-License-Identifier: GPL-2.0
/*
 * mvf_vfio_pci: the resuming data_fd's record parser (see stream_parse.h).
 * No kernel dependency beyond stream_shim.h: tools/fuzz/fuzz_stream.c
 * compiles this file as it is.
 */

#include "stream_parse.h"

#define MVF_REC_HDR	sizeof(struct mvf_mig_record)

/**
 * mvf_stream_init - start parsing a stream
 * @p: the parser
 */
void mvf_stream_init(struct mvf_stream_parser *p)
{
	p->rec_got = 0;
	p->rec_left = 0;
	p->rec_skip = false;
	p->why = NULL;
}

/**
 * mvf_stream_next - what the next input bytes are
 * @p: the parser, not failed
 * @avail: input bytes available, non-zero
 * @st: filled with the kind of the next bytes, how many of the @avail
 *      are of that kind (at least 1), and for header bytes where they go
 */
void mvf_stream_next(struct mvf_stream_parser *p, size_t avail,
		     struct mvf_stream_step *st)
{
	if (p->rec_got < MVF_REC_HDR) {
		st->kind = MVF_STREAM_HDR;
		st->len = min_t(size_t, avail, MVF_REC_HDR - p->rec_got);
		st->dst = (u8 *)&p->rec + p->rec_got;
		return;
	}
	st->kind = p->rec_skip ? MVF_STREAM_SKIP : MVF_STREAM_DATA;
	/* Not more than @avail, so it fits a size_t. */
	st->len = min_t(u64, avail, p->rec_left);
	st->dst = NULL;
}

/* A complete header is in @p->rec: check it, set up its payload. */
static int mvf_stream_header(struct mvf_stream_parser *p)
{
	u64 size = le64_to_cpu(p->rec.size);
	u32 flags = le32_to_cpu(p->rec.flags);
	u32 tag = le32_to_cpu(p->rec.tag);

	if (size > MVF_MIG_RECORD_MAX) {
		p->why = "record size exceeds MVF_MIG_RECORD_MAX";
		return -ENOMEM;
	}
	switch (tag) {
	case MVF_MIG_TAG_DEVICE_DATA:
		if (flags & ~MVF_MIG_F_OPTIONAL) {
			p->why = "device data record with unknown flags";
			return -EOPNOTSUPP;
		}
		p->rec_skip = false;
		break;
	case MVF_MIG_TAG_STOP_COPY_SIZE:
		/* A sizing hint; nothing here needs it. */
		p->rec_skip = true;
		break;
	default:
		if (!(flags & MVF_MIG_F_OPTIONAL)) {
			p->why = "unknown mandatory record tag";
			return -EOPNOTSUPP;
		}
		p->rec_skip = true;
		break;
	}
	p->rec_left = size;
	if (!size)
		p->rec_got = 0;
	return 0;
}

/**
 * mvf_stream_advance - consume input bytes
 * @p: the parser
 * @st: the step mvf_stream_next() returned for these bytes
 * @n: bytes consumed, 1 .. @st->len (%MVF_STREAM_HDR: copied to @st->dst)
 *
 * A header that completes is checked here.  After an error the parser
 * must not be used again; @p->why says what was wrong and @p->rec holds
 * the offending header.
 *
 * Return: 0; -ENOMEM for a record size above %MVF_MIG_RECORD_MAX;
 * -EOPNOTSUPP for unknown flags on a DEVICE_DATA record or an unknown tag
 * without %MVF_MIG_F_OPTIONAL.
 */
int mvf_stream_advance(struct mvf_stream_parser *p,
		       const struct mvf_stream_step *st, size_t n)
{
	if (st->kind == MVF_STREAM_HDR) {
		p->rec_got += n;
		return p->rec_got == MVF_REC_HDR ? mvf_stream_header(p) : 0;
	}
	p->rec_left -= n;
	if (!p->rec_left)
		p->rec_got = 0;
	return 0;
}
