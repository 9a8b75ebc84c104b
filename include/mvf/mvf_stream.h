/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * mvf_vfio_pci migration data_fd stream framing.
 *
 * What userspace reads from the saving data_fd, and must write back to the
 * resuming data_fd, is a sequence of records: a struct mvf_mig_record
 * header followed by @size payload bytes.  The driver frames the device's
 * image (include/mvf/mvf_image.h) in MVF_MIG_TAG_DEVICE_DATA records.
 * Unknown tags are skipped when MVF_MIG_F_OPTIONAL is set and fail the
 * write with -EOPNOTSUPP otherwise.  A record's payload may be at most
 * MVF_MIG_RECORD_MAX bytes; larger sizes fail with -ENOMEM.
 */
#ifndef _MVF_STREAM_H
#define _MVF_STREAM_H

#include "mvf_types.h"

/**
 * struct mvf_mig_record - record header (16 bytes)
 * @size: payload bytes following this header
 * @flags: MVF_MIG_F_*
 * @tag: enum mvf_mig_tag
 */
struct mvf_mig_record {
	__le64	size;
	__le32	flags;
	__le32	tag;
};
static_assert(sizeof(struct mvf_mig_record) == 16, "mvf_mig_record size");

#define MVF_MIG_F_OPTIONAL	(1u << 0)

enum mvf_mig_tag {
	MVF_MIG_TAG_DEVICE_DATA		= 0,	/* device image bytes */
	/*
	 * Optional, first record of a saving stream: __le64 bytes of the
	 * device image an immediate STOP_COPY would stream (a sizing hint;
	 * the resuming side may ignore it).
	 */
	MVF_MIG_TAG_STOP_COPY_SIZE	= 1,
};

#define MVF_MIG_RECORD_MAX	(4u << 20)

#endif /* _MVF_STREAM_H */
