/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu: the whole device: one PF and @nr_vfs VFs, each a struct func,
 * wired together (VF events go to the PF's event queue, the PF's admin
 * commands act on the VFs).
 */
#ifndef EMU_DEVICE_H
#define EMU_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "func.h"
#include "pf.h"
#include "vf.h"

#define DEV_MAX_VFS	64u

struct mvf_dev {
	unsigned int nr_vfs;
	struct func pf_fn;
	struct func *vf_fns;	/* [nr_vfs] */
	struct pf pf;
	struct vf *vfs;		/* [nr_vfs] */
	struct vf **vfp;	/* [nr_vfs], for the PF */
};

/*
 * 0, -EINVAL (bad sizes/counts) or -ENOMEM.  @dirty: the VFs' dirty
 * tracker settings (memory budget, test-only fault plan), NULL for the
 * defaults.
 */
int mvf_dev_init(struct mvf_dev *d, unsigned int nr_vfs, uint64_t devmem_size,
		 uint64_t serial, const struct dirty_cfg *dirty, bool verbose);
/* The same with VF i's device memory @devmem_sizes[i] bytes. */
int mvf_dev_init_sizes(struct mvf_dev *d, unsigned int nr_vfs,
		       const uint64_t *devmem_sizes, uint64_t serial,
		       const struct dirty_cfg *dirty, bool verbose);
void mvf_dev_destroy(struct mvf_dev *d);

/* TEST ONLY: hold SAVE/LOAD_CHUNK commands @ms ms each (slow.h). */
void mvf_dev_set_slow_chunks(struct mvf_dev *d, unsigned int ms);
/* Poll timeout the device needs (ms, -1: none), and the work when due. */
int mvf_dev_timeout_ms(const struct mvf_dev *d);
void mvf_dev_tick(struct mvf_dev *d);

#endif
