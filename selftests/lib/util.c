// SPDX-License-Identifier: GPL-2.0
/* Patterns, a reference CRC32C and a clock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mvf_test.h"

/*
 * What FILL/DFILL write: the 64-bit pattern repeated little-endian from
 * the first byte of the range, i.e. byte k of the range is byte (k % 8)
 * of the pattern.
 */
void mvf_pattern_fill(void *buf, size_t len, uint64_t pattern)
{
	uint8_t *p = buf;
	uint8_t pb[8];
	size_t i;

	for (i = 0; i < 8; i++)
		pb[i] = (uint8_t)(pattern >> (8 * i));
	for (i = 0; i + 8 <= len; i += 8)
		memcpy(p + i, pb, 8);
	for (; i < len; i++)
		p[i] = pb[i % 8];
}

/* Deterministic pseudo-random bytes (splitmix64). */
void mvf_prng_fill(void *buf, size_t len, uint64_t seed)
{
	uint8_t *p = buf;
	uint64_t x = seed;
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t z;
		size_t n = len - i < 8 ? len - i : 8;

		x += 0x9e3779b97f4a7c15ull;
		z = x;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		memcpy(p + i, &z, n);
	}
}

/*
 * Reference CRC32C (Castagnoli, reflected polynomial 0x82f63b78) with the
 * device's seed convention: the seed is a previous result, so seed 0 gives
 * the standard CRC32C and mvf_crc32c(mvf_crc32c(0, a), b) == crc(a || b).
 */
uint32_t mvf_crc32c(uint32_t seed, const void *buf, size_t len)
{
	static uint32_t table[256];
	static int ready;
	const uint8_t *p = buf;
	uint32_t crc = ~seed;
	size_t i;

	if (!ready) {
		for (i = 0; i < 256; i++) {
			uint32_t c = (uint32_t)i;
			int k;

			for (k = 0; k < 8; k++)
				c = (c >> 1) ^ (0x82f63b78u & -(c & 1));
			table[i] = c;
		}
		ready = 1;
	}
	for (i = 0; i < len; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

double mvf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
