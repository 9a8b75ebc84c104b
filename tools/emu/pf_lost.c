// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: per-VF counts of dropped events (see pf_lost.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pf_lost.h"

int pf_lost_init(struct pf_lost *l, unsigned int nr_vfs)
{
	memset(l, 0, sizeof(*l));
	l->nr = nr_vfs;
	if (!nr_vfs)
		return 0;
	l->count = calloc(nr_vfs, sizeof(*l->count));
	return l->count ? 0 : -ENOMEM;
}

void pf_lost_destroy(struct pf_lost *l)
{
	free(l->count);
	l->count = NULL;
	l->nr = 0;
}

void pf_lost_clear(struct pf_lost *l)
{
	if (l->count)
		memset(l->count, 0, l->nr * sizeof(*l->count));
	l->next = 0;
}

void pf_lost_note(struct pf_lost *l, unsigned int vf)
{
	if (vf < l->nr && l->count[vf] != UINT32_MAX)
		l->count[vf]++;
}

bool pf_lost_peek(const struct pf_lost *l, unsigned int *vf, uint32_t *count)
{
	unsigned int i, v;

	for (i = 0; i < l->nr; i++) {
		v = (l->next + i) % l->nr;
		if (l->count[v]) {
			*vf = v;
			*count = l->count[v];
			return true;
		}
	}
	return false;
}

void pf_lost_posted(struct pf_lost *l, unsigned int vf)
{
	if (vf >= l->nr)
		return;
	l->count[vf] = 0;
	l->next = (vf + 1) % l->nr;
}
