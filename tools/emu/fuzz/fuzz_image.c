// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the VF image loader (image.c: img_load_start, _feed, _end),
 * on a STOPPED VF with 8 KiB of device memory.
 *
 * Input: 1 byte k, then the image.  The image is fed in k-byte pieces
 * (k = 0: in one piece), as LOAD_CHUNKs of any size would deliver it.
 *
 * Checked: feed and end agree (a poisoned feed's status is what end
 * returns), and an image the loader accepts round-trips: saving the
 * loaded VF gives an image of img_full_size() bytes that loads into the
 * second VF, which then holds the same registers, DEVMEM_ACTIVE and
 * active device memory.
 */
#include <stdlib.h>
#include <string.h>

#include "../image.h"
#include "fuzz.h"

#define DEVMEM		(8u << 10)

struct fz_image {
	struct fz z;
	uint8_t saved[DEVMEM + 4096];	/* a STOP_COPY image of one VF */
};

static struct fz_image *state;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	state = fz_zalloc(sizeof(*state));
	fz_init(&state->z, 2, DEVMEM, 4096);
	FZ_ASSERT(img_full_size(DEVMEM) <= sizeof(state->saved));
	return 0;
}

static void stop(struct vf *vf)
{
	FZ_ASSERT(vf_suspend(vf, MVF_SUSPEND_P2P) == MVF_AQ_STS_OK);
	FZ_ASSERT(vf_suspend(vf, MVF_SUSPEND_FULL) == MVF_AQ_STS_OK);
}

/* Load @len bytes into @vf in @piece-byte feeds; the LOAD_END status. */
static int load(struct vf *vf, const uint8_t *img, size_t len, size_t piece)
{
	int st = MVF_AQ_STS_OK, end;
	size_t off = 0, k;

	FZ_ASSERT(img_load_start(vf) == MVF_AQ_STS_OK);
	while (off < len && !st) {
		k = piece && piece < len - off ? piece : len - off;
		st = img_load_feed(vf->load, img + off, k);
		off += k;
	}
	end = img_load_end(vf);
	FZ_ASSERT(!vf->load);
	FZ_ASSERT(!st || end == st);
	return end;
}

/* Save @vf's whole STOP_COPY image into s->saved; its length. */
static size_t save(struct fz_image *s, struct vf *vf)
{
	size_t n = 0, k;
	uint32_t flags = 0;

	FZ_ASSERT(img_save_start(vf, MVF_SAVE_MODE_STOP_COPY) == MVF_AQ_STS_OK);
	while (!(flags & MVF_SAVE_F_END)) {
		FZ_ASSERT(n < sizeof(s->saved));
		k = img_save_read(vf, s->saved + n, sizeof(s->saved) - n, &flags);
		FZ_ASSERT(k || (flags & MVF_SAVE_F_END));
		n += k;
	}
	img_save_free(vf->save);
	vf->save = NULL;
	return n;
}

static bool regs_equal(const struct vf_regs *a, const struct vf_regs *b)
{
	return a->ctrl == b->ctrl && a->status == b->status && a->sq == b->sq &&
	       a->cq == b->cq && a->ring_size == b->ring_size &&
	       a->sq_tail == b->sq_tail && a->sq_head == b->sq_head &&
	       a->db_latched == b->db_latched && a->cnt_desc == b->cnt_desc &&
	       a->cnt_bytes == b->cnt_bytes && a->cnt_err == b->cnt_err &&
	       a->last_err == b->last_err &&
	       !memcmp(a->scratch, b->scratch, sizeof(a->scratch)) &&
	       a->msix_pending == b->msix_pending;
}

static void round_trip(struct fz_image *s, struct vf *a, struct vf *b)
{
	size_t n = save(s, a);

	FZ_ASSERT(n == img_full_size(a->active_size));
	FZ_ASSERT(load(b, s->saved, n, 0) == MVF_AQ_STS_OK);
	FZ_ASSERT(regs_equal(&a->r, &b->r));
	FZ_ASSERT(a->active_mib == b->active_mib);
	FZ_ASSERT(a->active_size == b->active_size);
	FZ_ASSERT(!memcmp(a->devmem, b->devmem, a->active_size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_image *s = state;
	struct vf *vf0 = &s->z.dev.vfs[0], *vf1 = &s->z.dev.vfs[1];

	if (!size)
		return 0;
	fz_reset(&s->z, false);
	stop(vf0);
	stop(vf1);
	if (load(vf0, data + 1, size - 1, data[0]) == MVF_AQ_STS_OK)
		round_trip(s, vf0, vf1);
	return 0;
}
