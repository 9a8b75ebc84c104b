/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf_vfio_pci: the VFIO device of one mvf VF.
 *
 * Locking (outermost first):
 *
 *   state_mutex     mig_state, saving_migf, resuming_migf.  Held across a
 *                   whole migration_set_state() and across the admin
 *                   commands of its arcs.  Always released through
 *                   mvf_vfio_state_mutex_unlock(), which runs a deferred
 *                   reset.  read()/write() on a data_fd never take it.
 *   migf->rw_lock   see file.h; taken under state_mutex only by
 *                   RESUMING -> STOP, never by the reset path.
 *   migf->lock      see file.h; taken under state_mutex by every path that
 *                   disables a data_fd, including the reset path.
 *   event_lock      event_migf, dirty.failed, dirty.active (also under
 *                   state_mutex).  A spinlock taken by the event callback
 *                   (the PF's event IRQ thread); nests outside the saving
 *                   file's ev_lock, inside state_mutex.
 *   reset_lock      deferred_reset.  A spinlock taken by reset_done(),
 *                   which must not sleep on state_mutex: vfio-pci-core's
 *                   reset paths (VFIO_DEVICE_RESET, FLR through config
 *                   space) call it with vdev->memory_lock held (sysfs
 *                   reset and AER recovery without it), and read()/
 *                   write() may fault on a vfio BAR mapping (mmap_lock ->
 *                   memory_lock) while they hold a data_fd lock.
 *
 * No lock of this driver is held across copy_to_user()/copy_from_user()
 * except migf->rw_lock, which the reset path never takes.
 */
#ifndef _MVF_VFIO_DEV_H
#define _MVF_VFIO_DEV_H

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "mvf_core.h"

struct mvf_pf;
struct mvf_vf_event;
struct mvf_vfio_mig_file;

/* mvf_vfio_dirty.failed values other than the device's MVF_DIRTY_ERR_* */
#define MVF_VFIO_DIRTY_ERR_REPORT	0x100	/* a DIRTY_REPORT failed */
#define MVF_VFIO_DIRTY_ERR_PF_RESET	0x101	/* PF queue reset freed it */

/**
 * struct mvf_vfio_dirty - the VF's DMA dirty tracking (dirty.c)
 * @active: the device's tracker is on (log_start succeeded and no
 *          log_stop or close since; a VF reset keeps it); written under
 *          state_mutex and event_lock, read under either
 * @shift: tracking page size, log2 of bytes; state_mutex
 * @gen: incremented by every start and stop, so a REPORT that drops
 *       state_mutex between admin commands notices a new session;
 *       state_mutex
 * @nr_ranges: entries of @ranges; state_mutex
 * @ranges: what the device tracks (combined, rounded to the tracking
 *          page, sorted, not touching), for the REPORT range check;
 *          state_mutex
 * @failed: 0, or why the tracker failed (the MVF_DIRTY_ERR_* of an
 *          MVF_EVENT_TRACKER_ERROR, or MVF_VFIO_DIRTY_ERR_REPORT): REPORT
 *          fails with -EIO until the next start; event_lock (the event
 *          callback sets it)
 */
struct mvf_vfio_dirty {
	bool active;
	unsigned int shift;
	u32 gen;
	unsigned int nr_ranges;
	struct mvf_vf_dirty_range *ranges;
	u32 failed;
};

/**
 * struct mvf_vfio_pci_device - an mvf VF bound to mvf_vfio_pci
 * @core_device: vfio-pci-core state; must be first (vfio_alloc_device())
 * @pf: the VF's PF, referenced from init to release; every migration
 *      command goes through the PF's admin queue
 * @vf_id: the VF's index on @pf
 * @state_mutex: protects @mig_state, @saving_migf and @resuming_migf
 * @mig_state: the migration FSM state as the user sees it
 * @saving_migf: the saving-group data_fd while in PRE_COPY, PRE_COPY_P2P
 *               or STOP_COPY; holds a file reference of its own
 * @resuming_migf: the resuming data_fd while in RESUMING; holds a file
 *                 reference of its own
 * @event_lock: protects @event_migf
 * @event_migf: the data_fd whose device session is open (saving, either
 *              mode, or resuming), for the event callback: set before the
 *              arc's first admin command (the VF_QUERY_SIZE ahead of
 *              SAVE_START, LOAD_START), cleared when the session fails to
 *              start or before the driver ends it and drops its file
 *              reference; always under @state_mutex too
 * @precopy_info_v2: the VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 opt-in, on
 *                   kernels whose vfio core has none (before 7.1); set by
 *                   the feature, cleared on close; READ_ONCE/WRITE_ONCE
 * @dirty_caps: the PF's dirty tracker limits, cached at init
 * @dirty: DMA dirty tracking state; see struct mvf_vfio_dirty for which
 *         lock protects each field (state_mutex, event_lock)
 * @dirty_test: DMA logging is offered through the dirty_without_report
 *              test parameter (the core cannot REPORT): the test ioctl
 *              MVF_VFIO_TEST_DIRTY_REPORT is answered; set at open
 * @vcap_pos: config space offset of the VF->PF link capability, 0 if
 *            none; constant once bound (cfg.c)
 * @vcap: the capability's MVF_VCAP_LEN bytes as read at bind time, what
 *        user reads of it return; constant once bound
 * @reset_lock: protects @deferred_reset
 * @deferred_reset: a reset happened while @state_mutex was held; the next
 *                  mvf_vfio_state_mutex_unlock() disables the data_fds and
 *                  returns to RUNNING.  A whole byte, not a bitfield: it is
 *                  written from reset context while other fields change.
 */
struct mvf_vfio_pci_device {
	struct vfio_pci_core_device core_device;
	struct mvf_pf *pf;
	u16 vf_id;

	/* FSM state and the driver's data_fd references */
	struct mutex state_mutex;
	enum vfio_device_mig_state mig_state;
	struct mvf_vfio_mig_file *saving_migf;
	struct mvf_vfio_mig_file *resuming_migf;

	/* the saving data_fd's event forwarding; taken in the event callback */
	spinlock_t event_lock;
	struct mvf_vfio_mig_file *event_migf;
#ifndef MVF_HAVE_PRECOPY_INFO_V2
	u8 precopy_info_v2;
#endif

	/* DMA dirty tracking (vfio_log_ops) */
	struct mvf_dirty_caps dirty_caps;
	struct mvf_vfio_dirty dirty;
	bool dirty_test;

	/* the link capability as the user sees it (cfg.c) */
	u8 vcap_pos;
	u8 vcap[MVF_VCAP_LEN];

	/* deferred_reset; taken in reset_done() */
	spinlock_t reset_lock;
	bool deferred_reset;
};

static inline struct mvf_vfio_pci_device *
mvf_vfio_from_vdev(struct vfio_device *vdev)
{
	return container_of(vdev, struct mvf_vfio_pci_device,
			    core_device.vdev);
}

static inline struct device *mvf_vfio_dev(struct mvf_vfio_pci_device *mvdev)
{
	return &mvdev->core_device.pdev->dev;
}

/* lm.c: the migration FSM */
void mvf_vfio_lm_init(struct mvf_vfio_pci_device *mvdev);
void mvf_vfio_lm_uninit(struct mvf_vfio_pci_device *mvdev);
void mvf_vfio_lm_open(struct mvf_vfio_pci_device *mvdev);
void mvf_vfio_lm_close(struct mvf_vfio_pci_device *mvdev);
void mvf_vfio_lm_reset_done(struct mvf_vfio_pci_device *mvdev);
void mvf_vfio_state_mutex_unlock(struct mvf_vfio_pci_device *mvdev);
void mvf_vfio_lm_event(void *priv, const struct mvf_vf_event *ev);

/* cfg.c: the link capability virtualized in config space */
int mvf_vfio_cfg_init(struct mvf_vfio_pci_device *mvdev);
ssize_t mvf_vfio_read(struct vfio_device *vdev, char __user *buf,
		      size_t count, loff_t *ppos);
ssize_t mvf_vfio_write(struct vfio_device *vdev, const char __user *buf,
		       size_t count, loff_t *ppos);

/* dirty.c: DMA dirty tracking, struct vfio_log_ops */
void mvf_vfio_dirty_init(struct mvf_vfio_pci_device *mvdev);
void mvf_vfio_dirty_open(struct mvf_vfio_pci_device *mvdev);
void mvf_vfio_dirty_close_locked(struct mvf_vfio_pci_device *mvdev);
void mvf_vfio_dirty_event(struct mvf_vfio_pci_device *mvdev, u32 data);
long mvf_vfio_dirty_test_ioctl(struct mvf_vfio_pci_device *mvdev,
			       void __user *uarg);
const char *mvf_vfio_dirty_err_name(u32 failed);

#ifndef MVF_HAVE_PRECOPY_INFO_V2
int mvf_vfio_precopy_info_v2_feature(struct mvf_vfio_pci_device *mvdev,
				     u32 flags, size_t argsz);
#endif

#endif /* _MVF_VFIO_DEV_H */
