// SPDX-License-Identifier: GPL-2.0
/* A growable byte buffer (migration streams). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_test.h"

/* Make room for @cap bytes; grows at least geometrically. */
int vt_buf_reserve(struct vt_buf *b, size_t cap)
{
	uint8_t *p;

	if (cap <= b->cap)
		return 0;
	if (b->cap <= SIZE_MAX / 2 && cap < b->cap * 2)
		cap = b->cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int vt_buf_append(struct vt_buf *b, const void *p, size_t len)
{
	return vt_buf_insert(b, b->len, p, len);
}

int vt_buf_insert(struct vt_buf *b, size_t at, const void *p, size_t len)
{
	int ret;

	if (at > b->len)
		return -EINVAL;
	if (len > SIZE_MAX - b->len)
		return -EOVERFLOW;
	ret = vt_buf_reserve(b, b->len + len);
	if (ret)
		return ret;
	memmove(b->data + at + len, b->data + at, b->len - at);
	memcpy(b->data + at, p, len);
	b->len += len;
	return 0;
}

void vt_buf_free(struct vt_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}
