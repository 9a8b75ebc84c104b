/* SPDX-License-Identifier: GPL-2.0 */
/* mvf-emu: CRC32C (Castagnoli). */
#ifndef EMU_CRC_H
#define EMU_CRC_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC32C of @len bytes at @buf, continuing from @crc, zlib style: the
 * register starts at ~@crc and the result is inverted, so
 * crc32c(0, "123456789", 9) == 0xE3069283 (the standard check value) and
 * crc32c(crc32c(0, a), b) == crc32c(0, a || b).
 */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
