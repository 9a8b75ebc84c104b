/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * mvf device interface: common types.
 *
 * Every header in include/mvf/ is shared by the kernel drivers, the
 * emulator (mvf-emu) and the selftests.  All multi-byte fields that cross
 * the device boundary are little-endian; every structure has a
 * static_assert on its size so a layout change cannot go unnoticed.
 */
#ifndef _MVF_TYPES_H
#define _MVF_TYPES_H

#include <linux/types.h>
#ifdef __KERNEL__
#include <linux/build_bug.h>
#else
#include <assert.h>
#endif

#endif /* _MVF_TYPES_H */
