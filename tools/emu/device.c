// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: assembling the PF and its VFs (see device.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"

static void func_setup(struct func *fn, enum func_kind kind, const char *name,
		       const struct pci_cfg_id *id, bool verbose)
{
	fn->kind = kind;
	snprintf(fn->name, sizeof(fn->name), "%s", name);
	fn->verbose = verbose;
	pci_cfg_init(&fn->cfg, id);
	dma_init(&fn->dma, fn->name, verbose);
	irq_init(&fn->irq, id->msix_count);
	func_msix_table_reset(fn);
}

int mvf_dev_init_sizes(struct mvf_dev *d, unsigned int nr_vfs,
		       const uint64_t *devmem_sizes, uint64_t serial,
		       const struct dirty_cfg *dirty, bool verbose)
{
	struct pci_cfg_id id;
	unsigned int i;
	char name[16];
	int ret;

	memset(d, 0, sizeof(*d));
	if (nr_vfs > DEV_MAX_VFS)
		return -EINVAL;
	d->vf_fns = calloc(nr_vfs ? nr_vfs : 1, sizeof(*d->vf_fns));
	d->vfs = calloc(nr_vfs ? nr_vfs : 1, sizeof(*d->vfs));
	d->vfp = calloc(nr_vfs ? nr_vfs : 1, sizeof(*d->vfp));
	if (!d->vf_fns || !d->vfs || !d->vfp) {
		ret = -ENOMEM;
		goto err;
	}

	memset(&id, 0, sizeof(id));
	id.device_id = MVF_PCI_DEVICE_PF;
	id.role = MVF_VCAP_ROLE_PF;
	id.num_vfs = nr_vfs;
	id.serial = serial;
	id.msix_count = MVF_PF_MSIX_COUNT;
	func_setup(&d->pf_fn, FUNC_PF, "pf", &id, verbose);

	for (i = 0; i < nr_vfs; i++) {
		struct func *fn = &d->vf_fns[i];

		id.device_id = MVF_PCI_DEVICE_VF;
		id.role = MVF_VCAP_ROLE_VF;
		id.vf_index = (uint8_t)i;
		id.num_vfs = 0;
		id.msix_count = MVF_VF_MSIX_COUNT;
		snprintf(name, sizeof(name), "vf%u", i);
		func_setup(fn, FUNC_VF, name, &id, verbose);
		ret = vf_init(&d->vfs[i], i, devmem_sizes[i], &fn->dma, &fn->irq, verbose);
		if (ret)
			goto err;
		d->nr_vfs = i + 1;
		fn->vf = &d->vfs[i];
		d->vfp[i] = &d->vfs[i];
	}
	ret = pf_init(&d->pf, serial, d->vfp, nr_vfs, &d->pf_fn.dma,
		      &d->pf_fn.irq, dirty, verbose);
	if (ret)
		goto err;
	d->pf_fn.pf = &d->pf;
	for (i = 0; i < nr_vfs; i++) {
		d->vfs[i].event = pf_post_event;
		d->vfs[i].event_ctx = &d->pf;
	}
	return 0;
err:
	mvf_dev_destroy(d);
	return ret;
}

int mvf_dev_init(struct mvf_dev *d, unsigned int nr_vfs, uint64_t devmem_size,
		 uint64_t serial, const struct dirty_cfg *dirty, bool verbose)
{
	uint64_t sizes[DEV_MAX_VFS];
	unsigned int i;

	if (nr_vfs > DEV_MAX_VFS)
		return -EINVAL;
	for (i = 0; i < nr_vfs; i++)
		sizes[i] = devmem_size;
	return mvf_dev_init_sizes(d, nr_vfs, sizes, serial, dirty, verbose);
}

void mvf_dev_destroy(struct mvf_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->nr_vfs; i++) {
		vf_destroy(&d->vfs[i]);
		func_disconnect(&d->vf_fns[i]);
	}
	pf_destroy(&d->pf);
	if (d->pf_fn.name[0])	/* set up: its eventfd table is valid */
		func_disconnect(&d->pf_fn);
	free(d->vf_fns);
	free(d->vfs);
	free(d->vfp);
	memset(d, 0, sizeof(*d));
}

void mvf_dev_set_slow_chunks(struct mvf_dev *d, unsigned int ms)
{
	d->pf.slow.ms = ms;
}

int mvf_dev_timeout_ms(const struct mvf_dev *d)
{
	return slow_timeout_ms(&d->pf.slow);
}

void mvf_dev_tick(struct mvf_dev *d)
{
	pf_tick(&d->pf);
}
