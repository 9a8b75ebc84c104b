// SPDX-License-Identifier: GPL-2.0
/*
 * mvf-emu: CRC32C through ISA-L (Debian libisal-dev).
 *
 * ISA-L's crc32_iscsi(buf, len, init) runs the reflected Castagnoli CRC
 * with register start value @init and no final inversion: the standard
 * CRC32C is ~crc32_iscsi(buf, len, ~0).  Checked against "123456789" ->
 * 0xE3069283 by the unit tests.
 */
#include <limits.h>

#include <isa-l/crc.h>

#include "crc.h"

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	unsigned char *p = (unsigned char *)buf;
	unsigned int reg = ~crc;

	while (len) {
		int n = len > (size_t)(INT_MAX & ~4095) ? (INT_MAX & ~4095) : (int)len;

		reg = crc32_iscsi(p, n, reg);
		p += n;
		len -= (size_t)n;
	}
	return ~reg;
}
