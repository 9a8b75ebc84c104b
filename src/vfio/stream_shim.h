/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf_vfio_pci: what stream_parse.c needs from its environment, so that
 * the module and the userspace fuzz target (tools/fuzz/fuzz_stream.c)
 * compile the same parser: fixed-width types, errno values, little-endian
 * loads and min_t().  In the kernel these are the kernel's own; elsewhere
 * the C library's.
 */
#ifndef _MVF_VFIO_STREAM_SHIM_H
#define _MVF_VFIO_STREAM_SHIM_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/types.h>
#include <asm/byteorder.h>
#else
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u32 u32;
typedef __u64 u64;

#define le32_to_cpu(x)	le32toh(x)
#define le64_to_cpu(x)	le64toh(x)
#define min_t(type, a, b) ({			\
	type __a = (a);				\
	type __b = (b);				\
	__a < __b ? __a : __b;			\
})
#endif

#endif /* _MVF_VFIO_STREAM_SHIM_H */
