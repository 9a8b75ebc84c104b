/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf_core.ko internals: the PF, its admin queue and its event queue.
 * Not seen by mvf_vfio_pci.ko, which only knows include/mvf/mvf_core.h.
 */
#ifndef _MVF_CORE_INTERNAL_H
#define _MVF_CORE_INTERNAL_H

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "mvf_core.h"

#define MVF_AQ_ENTRIES		64	/* admin queue SQ and CQ entries */
#define MVF_EQ_ENTRIES		64	/* event queue entries */
#define MVF_BOUNCE_SIZE		SZ_256K	/* IDENTIFY, QUERY_SIZE, DIRTY_* buffer */
#define MVF_CHUNK_MAX		SZ_4M	/* largest SAVE/LOAD chunk we send */
#define MVF_AQ_POLL_MS		10	/* waiters reap the CQ this often */
#define MVF_MAX_VFS		256	/* the vendor cap's vf_index is a u8 */
#define MVF_HW_POLL_US		100	/* register poll interval */
#define MVF_HW_TIMEOUT_US	(1000 * USEC_PER_MSEC)	/* enable/reset */

/**
 * struct mvf_vf_event_cb - per-VF event callback (internal hook)
 * @fn: called with mvf_pf.event_lock held from the event queue's IRQ
 *      thread, or from admin queue recovery (aq_lock held, event IRQ
 *      disabled); see mvf_vf_event_fn in mvf_core.h for what it may do
 * @priv: passed to @fn
 */
struct mvf_vf_event_cb {
	mvf_vf_event_fn fn;
	void *priv;
};

/**
 * struct mvf_pf - one bound PF
 * @kref: references: one from probe (dropped by remove), one per
 *        mvf_pf_get_by_vf(); the last mvf_pf_put() frees the struct
 * @node: entry in the PF registry, under mvf_pf_list_lock; linked from
 *        the end of probe until the struct is freed, also while unbound
 *        with VF drivers still referencing it, so that binding the PF
 *        again (same serial) revives this struct for them
 * @state: enum mvf_pf_state, under mvf_pf_list_lock
 * @pdev: the PF, with a reference held; replaced when an unbound struct
 *        is revived by a new binding, whose probe is the only user then
 * @bar: BAR0 registers; NULL once detached
 * @serial: PF serial (MVF_PF_REG_SERIAL_*, checked against IDENTIFY)
 * @num_vfs: VFs the PF owns
 * @devmem_size: device memory of VF 0, bytes (IDENTIFY; for the log only)
 * @img_version: newest image version the device supports (IDENTIFY)
 * @dirty: the VF dirty tracker's limits (IDENTIFY), constant once probed;
 *         max_ranges 0 if the device has no usable tracker
 * @max_chunk: largest SAVE/LOAD chunk we send, bytes: the smaller of
 *             MVF_CHUNK_MAX and IDENTIFY's max_chunk; constant once probed
 * @bounce_chunk: largest DIRTY_REPORT bitmap, bytes: the smaller of the
 *                bounce buffer and IDENTIFY's max_chunk
 * @ctrl: shadow of MVF_REG_CTRL as last written, under @aq_lock
 *
 * @aq_lock: the admin queue mutex. Protects: @detached, @aq_dead, the SQ
 *           ring, @aq_cid, submission (@aq_tail moves only under it, and
 *           @aq_cpl_lock), the bounce buffer contents (held across the
 *           whole command that uses it), @ctrl, queue recovery and every
 *           register write that (re)programs the admin queue.  Held only
 *           to submit SAVE/LOAD chunks, not while they are in flight.
 * @aq_cpl_lock: spinlock (IRQ-safe); protects @aq_cmds, @aq_head, the CQ
 *               ring's consumption and @aq_tail's reads by the reaper
 * @aq_cmds: the command parked in each SQ slot until reaped, or NULL
 * @aq_head: free-running index of the next completion to reap
 * @aq_wq: woken whenever completions are reaped (a slot may be free)
 * @aq_bogus: a completion did not match its command: recover the queue
 * @detached: set by remove or shutdown under @aq_lock; every later API
 *            call on this PF fails with -ENODEV
 * @aq_dead: queue recovery failed; commands fail with -EIO
 * @dma_live: the device did not stop using the rings and bounce buffer
 *            when told to (even CTRL.RESET failed): they may still be
 *            written by DMA, so mvf_aq_free() leaks them; set under
 *            @aq_lock or once no command can run (remove, probe error)
 * @sq: admin submission ring, MVF_AQ_ENTRIES entries, coherent DMA
 * @sq_dma: IOVA of @sq
 * @cq: admin completion ring, MVF_AQ_ENTRIES entries, coherent DMA
 * @cq_dma: IOVA of @cq
 * @aq_tail: free-running producer index of the next command; restarts at
 *           0 whenever the admin queue is (re)enabled
 * @aq_cid: free-running command identifier, never reset, so a stale
 *          completion of an older queue incarnation cannot match
 * @bounce: DMA bounce buffer for IDENTIFY, QUERY_SIZE and DIRTY_*
 * @bounce_dma: IOVA of @bounce
 *
 * @eq: event ring, MVF_EQ_ENTRIES entries, coherent DMA
 * @eq_dma: IOVA of @eq
 * @eq_head: free-running consumer index; touched only by the event IRQ
 *           thread, or while that thread cannot run: before the IRQ is
 *           requested (probe) or with it disabled (full reset)
 * @event_lock: protects @vf_event_cbs and serialises callbacks against
 *              (un)registration; nests inside @aq_lock (recovery)
 * @vf_event_cbs: @num_vfs per-VF event callbacks
 *
 * @debugfs: the PF's debugfs directory (mvf_core/<bdf>), or NULL
 * @eq_paused: debugfs events_paused disabled the event IRQ; @aq_lock
 *
 * @irq_aq: Linux IRQ of MVF_PF_MSIX_ADMINQ
 * @irq_eq: Linux IRQ of MVF_PF_MSIX_EVENTQ
 * @irq_name_aq: name given to request_irq() for @irq_aq
 * @irq_name_eq: name given to request_irq() for @irq_eq
 */
/**
 * enum mvf_pf_state - a struct mvf_pf's binding, under mvf_pf_list_lock
 * @MVF_PF_BUSY: a probe (fresh or revived struct) or a remove is working
 *               on it; nobody else may adopt it
 * @MVF_PF_BOUND: bound and set up; mvf_pf_get_by_vf() finds it
 * @MVF_PF_UNBOUND: removed, kept for the VF drivers that reference it;
 *                  the next probe of a PF with its serial and VF count
 *                  revives it
 */
enum mvf_pf_state {
	MVF_PF_BUSY,
	MVF_PF_BOUND,
	MVF_PF_UNBOUND,
};

struct mvf_pf {
	struct kref kref;
	struct list_head node;
	enum mvf_pf_state state;
	struct pci_dev *pdev;
	void __iomem *bar;

	u64 serial;
	u32 num_vfs;
	u64 devmem_size;
	u32 img_version;
	struct mvf_dirty_caps dirty;
	size_t max_chunk;
	size_t bounce_chunk;
	u32 ctrl;

	struct mutex aq_lock;		/* the admin queue mutex, see above */
	bool detached;
	bool aq_dead;
	bool dma_live;
	struct mvf_aq_cmd *sq;
	dma_addr_t sq_dma;
	struct mvf_aq_cpl *cq;
	dma_addr_t cq_dma;
	u32 aq_tail;
	u32 aq_cid;
	spinlock_t aq_cpl_lock;		/* parked commands, CQ consumption */
	struct mvf_vf_cmd *aq_cmds[MVF_AQ_ENTRIES];
	u32 aq_head;
	wait_queue_head_t aq_wq;
	bool aq_bogus;
	void *bounce;
	dma_addr_t bounce_dma;

	struct mvf_event *eq;
	dma_addr_t eq_dma;
	u32 eq_head;
	struct mutex event_lock;	/* protects vf_event_cbs */
	struct mvf_vf_event_cb *vf_event_cbs;

	struct dentry *debugfs;
	bool eq_paused;

	int irq_aq;
	int irq_eq;
	char irq_name_aq[32];
	char irq_name_eq[32];
};

/**
 * struct mvf_aq_result - opcode-specific completion results, CPU order
 * @result0: struct mvf_aq_cpl.result0
 * @result1: struct mvf_aq_cpl.result1
 */
struct mvf_aq_result {
	u32 result0;
	u32 result1;
};

/*
 * kzalloc_obj() is new in 7.0; on older kernels (6.12 LTS) fall back to
 * the equivalent kzalloc().  Detected by the macro, not by version.
 */
#ifndef kzalloc_obj
#define kzalloc_obj(P, GFP)	kzalloc(sizeof(P), GFP)
#endif

/* adminq.c */
int mvf_aq_alloc(struct mvf_pf *pf);
void mvf_aq_free(struct mvf_pf *pf);
int mvf_aq_request_irqs(struct mvf_pf *pf);
void mvf_aq_free_irqs(struct mvf_pf *pf);
int mvf_hw_reset(struct mvf_pf *pf);
int mvf_queues_enable(struct mvf_pf *pf);
int mvf_queues_disable(struct mvf_pf *pf);
int mvf_aq_post(struct mvf_pf *pf, struct mvf_vf_cmd *c, u8 opcode,
		u16 vf_id, u32 arg0, u64 arg1, u64 arg2, dma_addr_t buf,
		u32 buf_len);
int mvf_aq_cmd_wait(struct mvf_pf *pf, struct mvf_vf_cmd *c, bool killable,
		    bool locked);
void mvf_aq_detach(struct mvf_pf *pf);
int mvf_aq_exec_args(struct mvf_pf *pf, u8 opcode, u16 vf_id, u32 arg0,
		     u64 arg1, u64 arg2, u32 buf_len,
		     struct mvf_aq_result *res);
int mvf_aq_exec(struct mvf_pf *pf, u8 opcode, u16 vf_id, u32 arg0,
		u32 buf_len, struct mvf_aq_result *res);
const char *mvf_aq_opcode_name(u8 opcode);
unsigned int mvf_pf_notify_vfs(struct mvf_pf *pf, u32 data);
int mvf_pf_reset_queues(struct mvf_pf *pf, struct mvf_vf_cmd *victim);

/* debugfs.c */
void mvf_debugfs_init(void);
void mvf_debugfs_exit(void);
void mvf_debugfs_add_pf(struct mvf_pf *pf);
void mvf_debugfs_del_pf(struct mvf_pf *pf);

/* main.c */
unsigned int mvf_adminq_timeout_ms(void);

#endif /* _MVF_CORE_INTERNAL_H */
