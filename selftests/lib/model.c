// SPDX-License-Identifier: GPL-2.0
/*
 * Device memory access through the VF's copy engine (H2D, D2H, DFILL),
 * keeping a model of what the device memory must contain.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mvf_test.h"

int mvf_model_init(struct mvf_model *m, uint64_t size)
{
	m->size = size;
	m->mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->mem == MAP_FAILED) {
		m->mem = NULL;
		fprintf(stderr, "model: mmap %llu bytes: %s\n",
			(unsigned long long)size, strerror(errno));
		return -ENOMEM;
	}
	return 0;
}

void mvf_model_free(struct mvf_model *m)
{
	if (m->mem)
		munmap(m->mem, m->size);
	m->mem = NULL;
}

static uint64_t next_cookie(struct mvf_ctx *c)
{
	return 0xc0c0000000000000ull | c->ring->tail;
}

/* DFILL [off, off + len) with @pattern, in descriptors of at most 16 MiB. */
int mvf_dev_dfill(struct mvf_ctx *c, struct mvf_model *m, uint64_t off,
		  uint64_t len, uint64_t pattern)
{
	while (len) {
		uint32_t n = len > MVF_DESC_MAX_LEN ? MVF_DESC_MAX_LEN :
			     (uint32_t)len;
		struct mvf_desc d = mvf_desc_make(MVF_DESC_OP_DFILL, n, 0, off,
						  pattern, next_cookie(c));
		int ret = mvf_ring_exec(c->dev, c->ring, &d, NULL);

		if (ret)
			return ret;
		if (m)
			mvf_pattern_fill(m->mem + off, n, pattern);
		/* The pattern restarts at each descriptor's first byte. */
		off += n;
		len -= n;
	}
	return 0;
}

/* Copy @len bytes of @data to devmem @off through the bounce buffer. */
int mvf_dev_h2d(struct mvf_ctx *c, struct mvf_model *m, uint64_t off,
		const void *data, uint64_t len)
{
	const uint8_t *p = data;

	while (len) {
		uint64_t n = len < c->bounce->size ? len : c->bounce->size;
		struct mvf_desc d;
		int ret;

		if (n > MVF_DESC_MAX_LEN)
			n = MVF_DESC_MAX_LEN;
		memcpy(c->bounce->va, p, n);
		d = mvf_desc_make(MVF_DESC_OP_H2D, (uint32_t)n, c->bounce->iova,
				  off, 0, next_cookie(c));
		ret = mvf_ring_exec(c->dev, c->ring, &d, NULL);
		if (ret)
			return ret;
		if (m)
			memcpy(m->mem + off, p, n);
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* Copy @len bytes of devmem at @off to @out through the bounce buffer. */
int mvf_dev_d2h(struct mvf_ctx *c, uint64_t off, void *out, uint64_t len)
{
	uint8_t *p = out;

	while (len) {
		uint64_t n = len < c->bounce->size ? len : c->bounce->size;
		struct mvf_desc d;
		int ret;

		if (n > MVF_DESC_MAX_LEN)
			n = MVF_DESC_MAX_LEN;
		/* Poison, so a D2H that writes nothing cannot pass. */
		memset(c->bounce->va, 0xa5, n);
		d = mvf_desc_make(MVF_DESC_OP_D2H, (uint32_t)n, off,
				  c->bounce->iova, 0, next_cookie(c));
		ret = mvf_ring_exec(c->dev, c->ring, &d, NULL);
		if (ret)
			return ret;
		memcpy(p, c->bounce->va, n);
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * Read devmem [off, off + len) back and compare it with @expect (which
 * holds the expected bytes of that range).  Returns -1 if equal, the
 * devmem offset of the first differing byte, or a negative errno (< -1)
 * if the device could not be read.
 */
int64_t mvf_dev_verify_bytes(struct mvf_ctx *c, const uint8_t *expect,
			     uint64_t off, uint64_t len)
{
	uint64_t done = 0;

	while (done < len) {
		uint64_t n = len - done < c->bounce->size ? len - done :
			     c->bounce->size;
		const uint8_t *got = c->bounce->va;
		struct mvf_desc d;
		uint64_t i;
		int ret;

		if (n > MVF_DESC_MAX_LEN)
			n = MVF_DESC_MAX_LEN;
		memset(c->bounce->va, 0xa5, n);
		d = mvf_desc_make(MVF_DESC_OP_D2H, (uint32_t)n, off + done,
				  c->bounce->iova, 0, next_cookie(c));
		ret = mvf_ring_exec(c->dev, c->ring, &d, NULL);
		if (ret)
			return ret < -1 ? ret : -EIO;
		if (memcmp(got, expect + done, n)) {
			for (i = 0; i < n && got[i] == expect[done + i]; i++)
				;
			fprintf(stderr,
				"%s: devmem 0x%llx: read 0x%02x, expected 0x%02x\n",
				c->dev->vt.name,
				(unsigned long long)(off + done + i), got[i],
				expect[done + i]);
			return (int64_t)(off + done + i);
		}
		done += n;
	}
	return -1;
}

/*
 * Compare @n sample ranges of devmem ([@off[k], +@len[k]) holding
 * @expect[k]) with what the device reads back.  Returns -1 if all are
 * equal, else the index of the first range that differs or could not be
 * read (mvf_dev_verify_bytes() says where, on stderr).
 */
int mvf_dev_verify_samples(struct mvf_ctx *c, uint8_t *const *expect,
			   const uint64_t *off, const uint64_t *len, int n)
{
	int k;

	for (k = 0; k < n; k++)
		if (mvf_dev_verify_bytes(c, expect[k], off[k], len[k]) != -1)
			return k;
	return -1;
}

int64_t mvf_dev_verify(struct mvf_ctx *c, const struct mvf_model *m,
		       uint64_t off, uint64_t len)
{
	return mvf_dev_verify_bytes(c, m->mem + off, off, len);
}
