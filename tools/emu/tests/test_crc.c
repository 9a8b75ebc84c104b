// SPDX-License-Identifier: GPL-2.0
/* CRC32C conventions. */
#include <stdlib.h>
#include <string.h>

#include "../crc.h"
#include "test.h"

/* Bitwise reference: reflected Castagnoli polynomial 0x82F63B78. */
static uint32_t ref_crc32c(uint32_t crc, const uint8_t *p, size_t n)
{
	int k;

	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & -(crc & 1));
	}
	return ~crc;
}

static int crc_check_value(void)
{
	CHECK_EQ(crc32c(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ(crc32c(0, "", 0), 0);
	return 0;
}

static int crc_chaining_matches_reference(void)
{
	size_t n = 300000, i;
	uint8_t *b = malloc(n);
	uint32_t whole, split;

	CHECK(b);
	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 131 + (i >> 7));
	whole = crc32c(0, b, n);
	split = crc32c(crc32c(crc32c(0, b, 1), b + 1, 4095), b + 4096, n - 4096);
	if (whole != split || whole != ref_crc32c(0, b, n) ||
	    crc32c(0x12345678, b, 1000) != ref_crc32c(0x12345678, b, 1000)) {
		free(b);
		CHECK(!"CRC32C mismatch");
	}
	free(b);
	return 0;
}

const struct test crc_tests[] = {
	{ "crc32c_check_value", crc_check_value },
	{ "crc32c_chaining_matches_reference", crc_chaining_matches_reference },
	{ NULL, NULL },
};
