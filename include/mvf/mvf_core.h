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
 *   MVF_AQ_STS_TRACKER_ERR         -EIO (the VF's dirty tracker failed)
 *   MVF_AQ_STS_IMG_VERSION         -EOPNOTSUPP
 *   MVF_AQ_STS_IMG_INCOMPAT        -EOPNOTSUPP
 *   other MVF_AQ_STS_IMG_*         -EINVAL
 *   no completion in time          -ETIMEDOUT
 *   PF removed                     -ENODEV
 *
 * All functions sleep; none may be called in atomic context.  Callers
 * hold no mvf_core lock.  The control commands (suspend, resume, query,
 * session start/end, dirty tracking) are synchronous and use the core's
 * bounce buffer, one at a time per PF.  The data path is asynchronous:
 * mvf_vf_save_chunk_submit() and mvf_vf_load_chunk_submit() queue a
 * SAVE_CHUNK or LOAD_CHUNK on a caller's DMA buffer (mvf_pf_dma_alloc())
 * and return once the doorbell rang; mvf_vf_cmd_wait() collects it.  Any
 * number of them, of any VFs, may be in flight (the admin queue holds 64);
 * the commands of one VF execute in submission order.  A buffer must not
 * be freed, nor a struct mvf_vf_cmd reused, while its command is busy.
 *
 * PF removal: every VF driver with an event callback first gets a
 * core-generated MVF_EVENT_VF_RESET with data MVF_VF_RESET_DATA_PF_GONE
 * (its sessions are gone).  A struct mvf_pf outlives the PF's binding
 * while VF drivers hold references: while the PF is unbound every command
 * fails with -ENODEV and no device event arrives.  Binding a PF with the
 * same serial and VF count again revives that same struct (the callbacks
 * stay registered), so VF drivers bound earlier use the new binding
 * without being re-bound.  The PF's queues are reset by that probe: no
 * VF save or load session survives an unbind, but VF suspend states do.
 */
#ifndef _MVF_CORE_H
#define _MVF_CORE_H

#include <linux/completion.h>
#include <linux/types.h>
#include "mvf.h"

struct pci_dev;
struct mvf_pf;

/**
 * struct mvf_dma_buf - a DMA buffer of the PF for SAVE/LOAD chunks
 * @va: kernel address of the buffer
 * @dma: its IOVA on the PF (the device's view)
 * @size: bytes
 */
struct mvf_dma_buf {
	void *va;
	dma_addr_t dma;
	size_t size;
};

/**
 * struct mvf_vf_cmd - an asynchronous admin command, owned by its caller
 * @done: completed when the device answered or the core gave up on it
 * @deadline: jiffies by which it must complete (adminq_timeout_ms)
 * @cid: the command identifier the completion must echo
 * @opcode: enum mvf_aq_opcode
 * @vf_id: VF index
 * @buf_len: bytes of the buffer the command uses
 * @busy: submitted and not yet collected by mvf_vf_cmd_wait(); only the
 *        owner touches it
 * @bogus: the completion did not match (core internal)
 * @err: errno of the completion, valid once @done
 * @result0: completion result0 (SAVE_CHUNK: bytes written), CPU order
 * @result1: completion result1 (SAVE_CHUNK: MVF_SAVE_F_* flags)
 *
 * Everything but @busy is the core's between submission and collection.
 */
struct mvf_vf_cmd {
	struct completion done;
	unsigned long deadline;
	u32 cid;
	u8 opcode;
	u16 vf_id;
	u32 buf_len;
	bool busy;
	bool bogus;
	int err;
	u32 result0;
	u32 result1;
};

/**
 * struct mvf_vf_sizes - VF state sizes, CPU byte order
 * @stop_copy_bytes: bytes an immediate STOP_COPY would stream
 * @initial_bytes: precopy initial bytes not yet streamed
 * @dirty_bytes: precopy bytes dirtied since streamed
 * @initial_gen: precopy initial-data generation (mvf_state_size.initial_gen):
 *               0 at SAVE_START, +1 on each restart of the initial data
 */
struct mvf_vf_sizes {
	u64 stop_copy_bytes;
	u64 initial_bytes;
	u64 dirty_bytes;
	u32 initial_gen;
};

/**
 * struct mvf_vf_event - one device event for a VF, CPU byte order
 * @type: enum mvf_event_type (mvf_admin.h): MVF_EVENT_INITIAL_CHANGED,
 *        MVF_EVENT_TRACKER_ERROR, MVF_EVENT_VF_RESET,
 *        MVF_EVENT_PRECOPY_DATA or MVF_EVENT_LOST (events of the VF were
 *        dropped by a full event queue); unknown types must be ignored
 * @vf_id: VF the event concerns, < the PF's number of VFs
 * @data: event-specific data (Documentation/device.rst); for
 *        MVF_EVENT_VF_RESET, 0 after a VF reset posted by the device,
 *        MVF_VF_RESET_DATA_PF or MVF_VF_RESET_DATA_PF_GONE when the core
 *        generated the event
 * @seq: the device's event sequence number; 0 for an event generated by
 *       the core (MVF_EVENT_VF_RESET with data MVF_VF_RESET_DATA_PF or
 *       MVF_VF_RESET_DATA_PF_GONE)
 */
struct mvf_vf_event {
	u16 type;
	u16 vf_id;
	u32 data;
	u32 seq;
};

/*
 * mvf_vf_event.data of a core-generated MVF_EVENT_VF_RESET: admin queue
 * recovery had to reset the PF's queues (CTRL.RESET), which drops every
 * VF's save and load session.  The VF itself was not reset; its open
 * session is gone and later commands on it fail with -ENOENT (or -EIO if
 * the recovery failed).  Sent to every VF with a callback.
 */
#define MVF_VF_RESET_DATA_PF	1

/*
 * mvf_vf_event.data of a core-generated MVF_EVENT_VF_RESET: the PF is
 * being unbound (remove).  Every VF's session is gone; commands fail with
 * -ENODEV until the PF is bound again (see "PF removal" above), then with
 * -ENOENT for the sessions that were open.  Sent to every VF with a
 * callback, after the PF stopped taking commands.
 */
#define MVF_VF_RESET_DATA_PF_GONE	2

/**
 * typedef mvf_vf_event_fn - a VF driver's event callback
 * @priv: the pointer given to mvf_pf_set_vf_event_handler()
 * @ev: the event; valid only during the call
 *
 * Called in process context with the core's event lock held, one event
 * at a time, in device order: from the PF's event queue IRQ thread for
 * device events, or, for a core-generated MVF_EVENT_VF_RESET
 * (MVF_VF_RESET_DATA_PF), from a PF queue reset (admin queue recovery in
 * the task whose admin command timed out, or the debugfs file
 * reset_queues), with the admin queue mutex held and the event IRQ
 * disabled (so before any event of the reset queues), or
 * (MVF_VF_RESET_DATA_PF_GONE) from PF remove.  It may take
 * spinlocks and wake waiters, but must not sleep for long, must not take
 * a lock held across an mvf_vf_*() call, must not issue admin commands
 * (admin queue recovery holds the admin queue mutex while it runs, or
 * waits for, callbacks) and must not call mvf_pf_set_vf_event_handler():
 * defer such work to a workqueue.
 */
/**
 * struct mvf_dirty_caps - a PF's VF dirty tracker limits, from IDENTIFY
 * @max_ranges: most ranges one mvf_vf_dirty_start() takes (1 ..
 *              MVF_DIRTY_MAX_RANGES_CORE); 0: the device has no (usable)
 *              dirty tracker and every mvf_vf_dirty_*() fails with
 *              -EOPNOTSUPP
 * @pgsizes: tracking page sizes: bit n set = 2^n bytes supported; only
 *           sizes from 4 KiB to 2 GiB are kept; 0 iff @max_ranges is 0
 */
struct mvf_dirty_caps {
	u32 max_ranges;
	u32 pgsizes;
};

/* Most DIRTY_START ranges the core sends: its bounce buffer's worth. */
#define MVF_DIRTY_MAX_RANGES_CORE	16384

/**
 * struct mvf_vf_dirty_range - one range to track, CPU byte order
 * @iova: first byte, aligned to the tracking page size
 * @length: bytes, a non-zero multiple of the tracking page size
 */
struct mvf_vf_dirty_range {
	u64 iova;
	u64 length;
};

typedef void (*mvf_vf_event_fn)(void *priv, const struct mvf_vf_event *ev);

int mvf_pci_find_vcap(struct pci_dev *pdev);
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
int mvf_vf_save_chunk_submit(struct mvf_pf *pf, u16 vf_id,
			     const struct mvf_dma_buf *buf, size_t len,
			     struct mvf_vf_cmd *cmd);
int mvf_vf_save_end(struct mvf_pf *pf, u16 vf_id);
int mvf_vf_load_start(struct mvf_pf *pf, u16 vf_id);
int mvf_vf_load_chunk_submit(struct mvf_pf *pf, u16 vf_id,
			     const struct mvf_dma_buf *buf, size_t len,
			     struct mvf_vf_cmd *cmd);
int mvf_vf_cmd_wait(struct mvf_pf *pf, struct mvf_vf_cmd *cmd, bool killable);
int mvf_pf_dma_alloc(struct mvf_pf *pf, struct mvf_dma_buf *buf, size_t size);
void mvf_pf_dma_free(struct mvf_pf *pf, struct mvf_dma_buf *buf);
int mvf_vf_load_end(struct mvf_pf *pf, u16 vf_id);
int mvf_vf_load_abort(struct mvf_pf *pf, u16 vf_id);

void mvf_pf_dirty_caps(struct mvf_pf *pf, struct mvf_dirty_caps *caps);
int mvf_vf_dirty_start(struct mvf_pf *pf, u16 vf_id, unsigned int page_shift,
		       const struct mvf_vf_dirty_range *ranges,
		       unsigned int nr);
int mvf_vf_dirty_report(struct mvf_pf *pf, u16 vf_id,
			unsigned int page_shift, u64 iova, u64 length,
			unsigned long *bitmap, u64 *ndirty);
int mvf_vf_dirty_stop(struct mvf_pf *pf, u16 vf_id);

#endif /* _MVF_CORE_H */
