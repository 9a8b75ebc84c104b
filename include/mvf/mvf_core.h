/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf_core.ko API used by mvf_vfio_pci.ko.  Kernel only.
 *
 * The PF core driver owns the admin queue.  A VF driver finds its PF with
 * mvf_pf_get_by_vf() and issues migration commands for its VF through the
 * functions below; each one builds one admin command, waits for its
 * completion and turns the device status into an errno:
 *
 *   MVF_AQ_STS_BAD_OPCODE          -EOPNOTSUPP
 *   MVF_AQ_STS_BAD_PARAM           -EINVAL
 *   MVF_AQ_STS_BAD_VF              -ENODEV
 *   MVF_AQ_STS_BAD_STATE           -EBUSY
 *   MVF_AQ_STS_DMA_ERR             -EIO
 *   MVF_AQ_STS_NO_SESSION          -ENOENT
 *   MVF_AQ_STS_BUSY                -EBUSY
 *   MVF_AQ_STS_NO_MEMORY           -ENOMEM
 *   MVF_AQ_STS_IMG_VERSION         -EOPNOTSUPP
 *   MVF_AQ_STS_IMG_INCOMPAT        -EOPNOTSUPP
 *   other MVF_AQ_STS_IMG_*         -EINVAL
 *   no completion in time          -ETIMEDOUT
 *   PF removed                     -ENODEV
 *
 * All functions sleep; none may be called in atomic context.  Commands of
 * all VFs are serialised by the PF's admin queue mutex, internal to the
 * core driver; callers hold no mvf_core lock.
 */
#ifndef _MVF_CORE_H
#define _MVF_CORE_H

#include <linux/types.h>
#include "mvf.h"

struct pci_dev;
struct mvf_pf;

/**
 * struct mvf_vf_sizes - VF state sizes, CPU byte order
 * @stop_copy_bytes: bytes an immediate STOP_COPY would stream
 * @initial_bytes: precopy initial bytes not yet streamed
 * @dirty_bytes: precopy bytes dirtied since streamed
 */
struct mvf_vf_sizes {
	u64 stop_copy_bytes;
	u64 initial_bytes;
	u64 dirty_bytes;
};

/**
 * struct mvf_vf_event - one device event for a VF, CPU byte order
 * @type: enum mvf_event_type (mvf_admin.h): MVF_EVENT_INITIAL_CHANGED,
 *        MVF_EVENT_TRACKER_ERROR, MVF_EVENT_VF_RESET or
 *        MVF_EVENT_PRECOPY_DATA; unknown types must be ignored
 * @vf_id: VF the event concerns, < the PF's number of VFs
 * @data: event-specific data (Documentation/device.rst)
 * @seq: the device's event sequence number
 */
struct mvf_vf_event {
	u16 type;
	u16 vf_id;
	u32 data;
	u32 seq;
};

/**
 * typedef mvf_vf_event_fn - a VF driver's event callback
 * @priv: the pointer given to mvf_pf_set_vf_event_handler()
 * @ev: the event; valid only during the call
 *
 * Called from the PF's event queue IRQ thread (process context) with the
 * core's event lock held, one event at a time, in device order.  It may
 * take spinlocks and wake waiters, but must not sleep for long, must not
 * issue admin commands (admin queue recovery waits for this thread with
 * the admin queue mutex held) and must not call
 * mvf_pf_set_vf_event_handler(): defer such work to a workqueue.
 */
typedef void (*mvf_vf_event_fn)(void *priv, const struct mvf_vf_event *ev);

struct mvf_pf *mvf_pf_get_by_vf(struct pci_dev *vf, u16 *vf_id);
int mvf_pf_set_vf_event_handler(struct mvf_pf *pf, u16 vf_id,
				mvf_vf_event_fn fn, void *priv);
void mvf_pf_put(struct mvf_pf *pf);
size_t mvf_pf_max_chunk(struct mvf_pf *pf);

int mvf_vf_suspend(struct mvf_pf *pf, u16 vf_id, u32 type);
int mvf_vf_resume(struct mvf_pf *pf, u16 vf_id, u32 type);
int mvf_vf_query_size(struct mvf_pf *pf, u16 vf_id,
		      struct mvf_vf_sizes *sizes);
int mvf_vf_save_start(struct mvf_pf *pf, u16 vf_id, u32 mode);
ssize_t mvf_vf_save_chunk(struct mvf_pf *pf, u16 vf_id, void *buf,
			  size_t len, u32 *flags);
int mvf_vf_save_end(struct mvf_pf *pf, u16 vf_id);
int mvf_vf_load_start(struct mvf_pf *pf, u16 vf_id);
int mvf_vf_load_chunk(struct mvf_pf *pf, u16 vf_id, const void *buf,
		      size_t len);
int mvf_vf_load_end(struct mvf_pf *pf, u16 vf_id);
int mvf_vf_load_abort(struct mvf_pf *pf, u16 vf_id);

#endif /* _MVF_CORE_H */
