/* SPDX-License-Identifier: GPL-2.0 */
/* Freestanding stand-in for <linux/types.h>: enough for include/mvf/. */
#ifndef _L3_SHIM_LINUX_TYPES_H
#define _L3_SHIM_LINUX_TYPES_H
#include <stdint.h>
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef uint64_t __le64;
#endif
