// SPDX-License-Identifier: GPL-2.0
/*
 * mvf_vfio_pci: the migration state machine (VFIO migration uAPI v2).
 *
 * migration_set_state() walks vfio_mig_get_next_state() one arc at a time
 * under state_mutex.  Each arc is one step of the VF's suspend state
 * (RUNNING, QUIESCED for P2P, STOPPED; see mvf_admin.h) or starts or ends a
 * save/load session on the PF's admin queue:
 *
 *   RUNNING      -> RUNNING_P2P   VF_SUSPEND P2P
 *   RUNNING_P2P  -> RUNNING       VF_RESUME P2P
 *   RUNNING_P2P  -> STOP          VF_SUSPEND FULL
 *   STOP         -> RUNNING_P2P   VF_RESUME FULL
 *   STOP         -> STOP_COPY     VF_QUERY_SIZE, SAVE_START STOP_COPY;
 *                                 new saving data_fd
 *   STOP_COPY    -> STOP          SAVE_END; the saving data_fd is disabled
 *   RUNNING      -> PRE_COPY      VF_QUERY_SIZE, SAVE_START PRECOPY,
 *                                 VF_QUERY_SIZE; new saving data_fd
 *   RUNNING_P2P  -> PRE_COPY_P2P  as RUNNING -> PRE_COPY (VF quiesced)
 *   PRE_COPY     -> PRE_COPY_P2P  VF_SUSPEND P2P; same data_fd
 *   PRE_COPY_P2P -> PRE_COPY      VF_RESUME P2P; same data_fd
 *   PRE_COPY     -> RUNNING       SAVE_END; the saving data_fd is disabled
 *   PRE_COPY_P2P -> RUNNING_P2P   SAVE_END; the saving data_fd is disabled
 *   PRE_COPY_P2P -> STOP_COPY     VF_SUSPEND FULL; same data_fd, whose end
 *                                 is now permanent
 *   STOP         -> RESUMING      LOAD_START; new resuming data_fd
 *   RESUMING     -> STOP          LOAD_CHUNK (rest), LOAD_END, or
 *                                 LOAD_ABORT if the stream already failed;
 *                                 the data_fd is disabled
 *
 * A failed admin command leaves the device in ERROR, with every data_fd
 * disabled and its session ended; only VFIO_DEVICE_RESET (or closing the
 * device) leaves ERROR.  A failure before any command (no memory) leaves
 * the state unchanged.
 *
 * STOP_COPY -> PRE_COPY(_P2P) is refused by vfio_mig_get_next_state()
 * (the uAPI's blocked arcs), so it never reaches mvf_vfio_step_locked().
 *
 * Device events reach the VF through mvf_vfio_lm_event(), which forwards
 * them to the saving file of a PRECOPY session (@event_migf) and only
 * wakes waiters.
 */

#include <linux/device.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/lockdep.h>
#include <linux/overflow.h>
#include <linux/vfio.h>

#include "mvf_core.h"
#include "compat.h"
#include "file.h"
#include "vfio_dev.h"

static const char *mvf_vfio_state_name(enum vfio_device_mig_state state)
{
	static const char * const names[] = {
		[VFIO_DEVICE_STATE_ERROR] = "ERROR",
		[VFIO_DEVICE_STATE_STOP] = "STOP",
		[VFIO_DEVICE_STATE_RUNNING] = "RUNNING",
		[VFIO_DEVICE_STATE_STOP_COPY] = "STOP_COPY",
		[VFIO_DEVICE_STATE_RESUMING] = "RESUMING",
		[VFIO_DEVICE_STATE_RUNNING_P2P] = "RUNNING_P2P",
		[VFIO_DEVICE_STATE_PRE_COPY] = "PRE_COPY",
		[VFIO_DEVICE_STATE_PRE_COPY_P2P] = "PRE_COPY_P2P",
	};

	if (state < ARRAY_SIZE(names) && names[state])
		return names[state];
	return "?";
}

static int mvf_vfio_stop_saving(struct mvf_vfio_pci_device *mvdev);

/* The file whose session the event callback tells about; or none. */
static void mvf_vfio_set_event_file(struct mvf_vfio_pci_device *mvdev,
				    struct mvf_vfio_mig_file *migf)
{
	lockdep_assert_held(&mvdev->state_mutex);

	spin_lock(&mvdev->event_lock);
	mvdev->event_migf = migf;
	spin_unlock(&mvdev->event_lock);
}

/*
 * Disable both data_fds, end their device sessions and drop the driver's
 * file references.  Used when leaving a state abnormally (ERROR, close,
 * reset): a failure to end a session is only worth a debug message, since
 * the VF is reset or already broken.
 */
static void mvf_vfio_disable_files(struct mvf_vfio_pci_device *mvdev)
{
	int ret;

	lockdep_assert_held(&mvdev->state_mutex);

	if (mvdev->saving_migf) {
		ret = mvf_vfio_stop_saving(mvdev);
		if (ret)
			dev_dbg(mvf_vfio_dev(mvdev), "SAVE_END: %pe\n",
				ERR_PTR(ret));
	}
	if (mvdev->resuming_migf) {
		mvf_vfio_set_event_file(mvdev, NULL);
		ret = mvf_vfio_mig_file_end(mvdev->resuming_migf);
		if (ret)
			dev_dbg(mvf_vfio_dev(mvdev), "LOAD_ABORT: %pe\n",
				ERR_PTR(ret));
		mvf_vfio_mig_file_put(mvdev->resuming_migf);
		mvdev->resuming_migf = NULL;
	}
}

/*
 * Bring the VF back to running after a reset or before the device is
 * closed.  An FLR returns the VF to RUNNING, but a reset that raced with
 * set_state may have come before the last suspend, so resume fully:
 * VF_RESUME FULL then P2P, each a no-op from the state it leads to.
 * FULL's -EBUSY is ambiguous: MVF_AQ_STS_BAD_STATE (the VF is RUNNING
 * already: fine) or MVF_AQ_STS_BUSY (a save or load session still blocks
 * a STOPPED VF, e.g. one whose SAVE_END failed).  P2P tells them apart: it
 * succeeds from RUNNING and QUIESCED and fails only on a STOPPED VF.  If
 * it fails, end whatever session the device may still hold (SAVE_END,
 * LOAD_ABORT; the data_fds are disabled already) and try once more.
 * Return: 0 once the VF runs, else the errno of the last VF_RESUME.
 */
static int mvf_vfio_resume_running(struct mvf_vfio_pci_device *mvdev)
{
	struct mvf_pf *pf = mvdev->pf;
	u16 vf = mvdev->vf_id;
	int ret;

	lockdep_assert_held(&mvdev->state_mutex);

	if (mvdev->mig_state == VFIO_DEVICE_STATE_RUNNING ||
	    mvdev->mig_state == VFIO_DEVICE_STATE_PRE_COPY)
		return 0;

	mvf_vf_resume(pf, vf, MVF_SUSPEND_FULL);
	ret = mvf_vf_resume(pf, vf, MVF_SUSPEND_P2P);
	if (ret != -EBUSY)
		return ret;

	/* Still STOPPED: a session the driver no longer owns blocks it. */
	dev_warn_ratelimited(mvf_vfio_dev(mvdev),
			     "VF stays stopped after a reset; ending its leftover save/load session\n");
	mvf_vf_save_end(pf, vf);
	mvf_vf_load_abort(pf, vf);
	mvf_vf_resume(pf, vf, MVF_SUSPEND_FULL);
	return mvf_vf_resume(pf, vf, MVF_SUSPEND_P2P);
}

/*
 * The deferred part of a reset; see mvf_vfio_lm_reset_done().  The state
 * is RUNNING only if the VF runs: if it cannot be resumed (the PF is
 * unbound, the admin queue is dead, a session cannot be ended), ERROR,
 * which the next reset may leave.
 */
static void mvf_vfio_reset_locked(struct mvf_vfio_pci_device *mvdev)
{
	int ret;

	mvf_vfio_disable_files(mvdev);
	ret = mvf_vfio_resume_running(mvdev);
	if (ret) {
		dev_err_ratelimited(mvf_vfio_dev(mvdev),
				    "cannot resume the VF after a reset: %pe; device state is ERROR\n",
				    ERR_PTR(ret));
		mvdev->mig_state = VFIO_DEVICE_STATE_ERROR;
		return;
	}
	mvdev->mig_state = VFIO_DEVICE_STATE_RUNNING;
}

/**
 * mvf_vfio_state_mutex_unlock - release state_mutex, running a deferred reset
 * @mvdev: the VF; its state_mutex must be held
 *
 * Every unlock of state_mutex goes through here.  If reset_done() ran
 * while the mutex was held, it only flagged @mvdev->deferred_reset; the
 * cleanup happens now, before the mutex is released: the data_fds are
 * disabled, their sessions ended, and the state is RUNNING again.
 */
void mvf_vfio_state_mutex_unlock(struct mvf_vfio_pci_device *mvdev)
{
again:
	spin_lock(&mvdev->reset_lock);
	if (mvdev->deferred_reset) {
		mvdev->deferred_reset = false;
		spin_unlock(&mvdev->reset_lock);
		mvf_vfio_reset_locked(mvdev);
		goto again;
	}
	mutex_unlock(&mvdev->state_mutex);
	spin_unlock(&mvdev->reset_lock);
}

/**
 * mvf_vfio_lm_reset_done - the VF was reset (FLR, VFIO_DEVICE_RESET, ...)
 * @mvdev: the VF
 *
 * Called from pci_reset_function() and friends.  When vfio-pci-core
 * resets the VF (VFIO_DEVICE_RESET, an FLR through config space) it holds
 * the VF's vdev->memory_lock around the reset, so this must not sleep on
 * state_mutex: a set_state or close_device holding state_mutex may be
 * waiting on a data_fd lock whose holder faults on a vfio BAR mapping and
 * so waits for memory_lock.  A reset through sysfs or AER recovery calls
 * it without memory_lock; the same path serves both.  If state_mutex is busy,
 * its holder runs the cleanup in mvf_vfio_state_mutex_unlock().  Takes no
 * lock on entry; sleeps (admin commands) only if it got state_mutex.
 */
void mvf_vfio_lm_reset_done(struct mvf_vfio_pci_device *mvdev)
{
	spin_lock(&mvdev->reset_lock);
	mvdev->deferred_reset = true;
	if (!mutex_trylock(&mvdev->state_mutex)) {
		spin_unlock(&mvdev->reset_lock);
		return;
	}
	spin_unlock(&mvdev->reset_lock);
	mvf_vfio_state_mutex_unlock(mvdev);
}

/* A failed admin command: log once, disable everything, enter ERROR. */
static struct file *mvf_vfio_arc_failed(struct mvf_vfio_pci_device *mvdev,
					enum vfio_device_mig_state new,
					int err)
{
	/* The user picks the arcs: ratelimited. */
	dev_err_ratelimited(mvf_vfio_dev(mvdev),
			    "migration arc %s -> %s failed: %pe; device state is ERROR until reset\n",
			    mvf_vfio_state_name(mvdev->mig_state),
			    mvf_vfio_state_name(new), ERR_PTR(err));
	mvf_vfio_disable_files(mvdev);
	mvdev->mig_state = VFIO_DEVICE_STATE_ERROR;
	return ERR_PTR(err);
}

static struct file *mvf_vfio_arc_cmd(struct mvf_vfio_pci_device *mvdev,
				     enum vfio_device_mig_state new, int err)
{
	return err ? mvf_vfio_arc_failed(mvdev, new, err) : NULL;
}

/*
 * STOP -> STOP_COPY (@mode STOP_COPY), RUNNING -> PRE_COPY and RUNNING_P2P
 * -> PRE_COPY_P2P (@mode PRECOPY): open the save session, hand out the
 * saving data_fd.
 */
static struct file *mvf_vfio_start_saving(struct mvf_vfio_pci_device *mvdev,
					  enum vfio_device_mig_state new,
					  u32 mode)
{
	struct mvf_vfio_mig_file *migf;
	struct mvf_vf_sizes sizes;
	int ret;

	migf = mvf_vfio_mig_file_alloc(mvdev, MVF_VFIO_MIGF_SAVE);
	if (IS_ERR(migf))
		return ERR_CAST(migf);

	/*
	 * Events of the session from SAVE_START on belong to this file: an
	 * INITIAL_CHANGED right after SAVE_START must not be lost, nor a PF
	 * queue reset that drops the session.
	 */
	mvf_vfio_set_event_file(mvdev, migf);

	ret = mvf_vf_query_size(mvdev->pf, mvdev->vf_id, &sizes);
	if (!ret)
		ret = mvf_vfio_save_file_start(migf, mode,
					       sizes.stop_copy_bytes);
	if (ret) {
		mvf_vfio_set_event_file(mvdev, NULL);
		mvf_vfio_mig_file_put(migf);
		return mvf_vfio_arc_failed(mvdev, new, ret);
	}

	/* The driver's reference; the one from alloc goes to userspace. */
	get_file(migf->filp);
	mvdev->saving_migf = migf;
	return migf->filp;
}

/*
 * STOP_COPY -> STOP, PRE_COPY -> RUNNING, PRE_COPY_P2P -> RUNNING_P2P and
 * every abnormal exit: stop forwarding events to the saving data_fd, end
 * the save session, disable the file and drop the driver's reference.
 */
static int mvf_vfio_stop_saving(struct mvf_vfio_pci_device *mvdev)
{
	int ret;

	lockdep_assert_held(&mvdev->state_mutex);

	mvf_vfio_set_event_file(mvdev, NULL);
	ret = mvf_vfio_mig_file_end(mvdev->saving_migf);
	mvf_vfio_mig_file_put(mvdev->saving_migf);
	mvdev->saving_migf = NULL;
	return ret;
}

/* PRE_COPY_P2P -> STOP_COPY: stop the VF; the same data_fd goes on. */
static struct file *mvf_vfio_precopy_stop(struct mvf_vfio_pci_device *mvdev,
					  enum vfio_device_mig_state new)
{
	int ret;

	ret = mvf_vf_suspend(mvdev->pf, mvdev->vf_id, MVF_SUSPEND_FULL);
	if (ret)
		return mvf_vfio_arc_failed(mvdev, new, ret);
	mvf_vfio_save_file_final(mvdev->saving_migf);
	return NULL;
}

/* STOP -> RESUMING: open the load session, hand out the resuming data_fd. */
static struct file *
mvf_vfio_start_resuming(struct mvf_vfio_pci_device *mvdev,
			enum vfio_device_mig_state new)
{
	struct mvf_vfio_mig_file *migf;
	int ret;

	migf = mvf_vfio_mig_file_alloc(mvdev, MVF_VFIO_MIGF_RESUME);
	if (IS_ERR(migf))
		return ERR_CAST(migf);

	/* A PF queue reset or unbind drops the session: tell this file. */
	mvf_vfio_set_event_file(mvdev, migf);
	ret = mvf_vfio_resume_file_start(migf);
	if (ret) {
		mvf_vfio_set_event_file(mvdev, NULL);
		mvf_vfio_mig_file_put(migf);
		return mvf_vfio_arc_failed(mvdev, new, ret);
	}

	get_file(migf->filp);
	mvdev->resuming_migf = migf;
	return migf->filp;
}

/* RESUMING -> STOP: load what was written, disable the resuming data_fd. */
static int mvf_vfio_stop_resuming(struct mvf_vfio_pci_device *mvdev)
{
	int ret;

	mvf_vfio_set_event_file(mvdev, NULL);
	ret = mvf_vfio_resume_file_finish(mvdev->resuming_migf);
	mvf_vfio_mig_file_put(mvdev->resuming_migf);
	mvdev->resuming_migf = NULL;
	return ret;
}

/* Perform one FSM arc from mvdev->mig_state to @new. */
static struct file *mvf_vfio_step_locked(struct mvf_vfio_pci_device *mvdev,
					 enum vfio_device_mig_state new)
{
	enum vfio_device_mig_state cur = mvdev->mig_state;
	struct mvf_pf *pf = mvdev->pf;
	u16 vf = mvdev->vf_id;

	lockdep_assert_held(&mvdev->state_mutex);

	if (cur == VFIO_DEVICE_STATE_RUNNING &&
	    new == VFIO_DEVICE_STATE_RUNNING_P2P)
		return mvf_vfio_arc_cmd(mvdev, new,
					mvf_vf_suspend(pf, vf, MVF_SUSPEND_P2P));

	if (cur == VFIO_DEVICE_STATE_RUNNING_P2P &&
	    new == VFIO_DEVICE_STATE_RUNNING)
		return mvf_vfio_arc_cmd(mvdev, new,
					mvf_vf_resume(pf, vf, MVF_SUSPEND_P2P));

	if (cur == VFIO_DEVICE_STATE_RUNNING_P2P &&
	    new == VFIO_DEVICE_STATE_STOP)
		return mvf_vfio_arc_cmd(mvdev, new,
					mvf_vf_suspend(pf, vf, MVF_SUSPEND_FULL));

	if (cur == VFIO_DEVICE_STATE_STOP &&
	    new == VFIO_DEVICE_STATE_RUNNING_P2P)
		return mvf_vfio_arc_cmd(mvdev, new,
					mvf_vf_resume(pf, vf, MVF_SUSPEND_FULL));

	if (cur == VFIO_DEVICE_STATE_STOP &&
	    new == VFIO_DEVICE_STATE_STOP_COPY)
		return mvf_vfio_start_saving(mvdev, new,
					     MVF_SAVE_MODE_STOP_COPY);

	if ((cur == VFIO_DEVICE_STATE_RUNNING &&
	     new == VFIO_DEVICE_STATE_PRE_COPY) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING_P2P &&
	     new == VFIO_DEVICE_STATE_PRE_COPY_P2P))
		return mvf_vfio_start_saving(mvdev, new,
					     MVF_SAVE_MODE_PRECOPY);

	if (cur == VFIO_DEVICE_STATE_PRE_COPY &&
	    new == VFIO_DEVICE_STATE_PRE_COPY_P2P)
		return mvf_vfio_arc_cmd(mvdev, new,
					mvf_vf_suspend(pf, vf, MVF_SUSPEND_P2P));

	if (cur == VFIO_DEVICE_STATE_PRE_COPY_P2P &&
	    new == VFIO_DEVICE_STATE_PRE_COPY)
		return mvf_vfio_arc_cmd(mvdev, new,
					mvf_vf_resume(pf, vf, MVF_SUSPEND_P2P));

	if ((cur == VFIO_DEVICE_STATE_PRE_COPY &&
	     new == VFIO_DEVICE_STATE_RUNNING) ||
	    (cur == VFIO_DEVICE_STATE_PRE_COPY_P2P &&
	     new == VFIO_DEVICE_STATE_RUNNING_P2P))
		return mvf_vfio_arc_cmd(mvdev, new, mvf_vfio_stop_saving(mvdev));

	if (cur == VFIO_DEVICE_STATE_PRE_COPY_P2P &&
	    new == VFIO_DEVICE_STATE_STOP_COPY)
		return mvf_vfio_precopy_stop(mvdev, new);

	if (cur == VFIO_DEVICE_STATE_STOP_COPY &&
	    new == VFIO_DEVICE_STATE_STOP)
		return mvf_vfio_arc_cmd(mvdev, new, mvf_vfio_stop_saving(mvdev));

	if (cur == VFIO_DEVICE_STATE_STOP &&
	    new == VFIO_DEVICE_STATE_RESUMING)
		return mvf_vfio_start_resuming(mvdev, new);

	if (cur == VFIO_DEVICE_STATE_RESUMING &&
	    new == VFIO_DEVICE_STATE_STOP)
		return mvf_vfio_arc_cmd(mvdev, new,
					mvf_vfio_stop_resuming(mvdev));

	/* vfio_mig_get_next_state() yields no other arc for our flags. */
	WARN_ON_ONCE(1);
	return ERR_PTR(-EINVAL);
}

static struct file *
mvf_vfio_set_state(struct vfio_device *vdev,
		   enum vfio_device_mig_state new_state)
{
	struct mvf_vfio_pci_device *mvdev = mvf_vfio_from_vdev(vdev);
	enum vfio_device_mig_state next;
	struct file *res = NULL;
	int ret;

	/* ERROR cannot be requested (vfio_mig_get_next_state() agrees). */
	if (new_state == VFIO_DEVICE_STATE_ERROR)
		return ERR_PTR(-EINVAL);

	mutex_lock(&mvdev->state_mutex);
	while (new_state != mvdev->mig_state) {
		/*
		 * Only a reset leaves ERROR; vfio_mig_get_next_state() would
		 * WARN if asked for a path out of it.
		 */
		if (mvdev->mig_state == VFIO_DEVICE_STATE_ERROR) {
			res = ERR_PTR(-EINVAL);
			break;
		}

		ret = vfio_mig_get_next_state(vdev, mvdev->mig_state,
					      new_state, &next);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}

		res = mvf_vfio_step_locked(mvdev, next);
		if (IS_ERR(res))
			break;
		mvdev->mig_state = next;

		/* Only the final arc may open a data_fd. */
		if (WARN_ON(res && new_state != mvdev->mig_state)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	mvf_vfio_state_mutex_unlock(mvdev);
	return res;
}

static int mvf_vfio_get_state(struct vfio_device *vdev,
			      enum vfio_device_mig_state *curr_state)
{
	struct mvf_vfio_pci_device *mvdev = mvf_vfio_from_vdev(vdev);

	mutex_lock(&mvdev->state_mutex);
	*curr_state = mvdev->mig_state;
	mvf_vfio_state_mutex_unlock(mvdev);
	return 0;
}

static int mvf_vfio_get_data_size(struct vfio_device *vdev,
				  unsigned long *stop_copy_length)
{
	struct mvf_vfio_pci_device *mvdev = mvf_vfio_from_vdev(vdev);
	struct mvf_vf_sizes sizes;
	u64 total, buffered;
	size_t chunk;
	int ret;

	chunk = mvf_vfio_chunk_size(mvdev->pf);
	if (!chunk)
		return -EIO;

	mutex_lock(&mvdev->state_mutex);
	ret = mvf_vf_query_size(mvdev->pf, mvdev->vf_id, &sizes);
	/*
	 * In the saving group the device counts what it has still to hand
	 * out; the data_fd may buffer up to one more record.
	 */
	buffered = mvdev->saving_migf ? chunk + sizeof(struct mvf_mig_record) :
					0;
	mvf_vfio_state_mutex_unlock(mvdev);
	if (ret)
		return ret;

	if (check_add_overflow(sizes.stop_copy_bytes,
			       mvf_vfio_stream_overhead(sizes.stop_copy_bytes,
							chunk),
			       &total) ||
	    check_add_overflow(total, buffered, &total) ||
	    total > ULONG_MAX)
		return -EOVERFLOW;

	*stop_copy_length = total;
	return 0;
}

static const struct vfio_migration_ops mvf_vfio_mig_ops = {
	.migration_set_state = mvf_vfio_set_state,
	.migration_get_state = mvf_vfio_get_state,
	.migration_get_data_size = mvf_vfio_get_data_size,
};

/**
 * mvf_vfio_lm_init - set up migration for a VF (vfio_device_ops.init)
 * @mvdev: the VF; @mvdev->pf and @mvdev->vf_id already set
 *
 * Declares STOP_COPY, P2P and PRE_COPY support and the migration
 * callbacks; the state starts as RUNNING.
 */
void mvf_vfio_lm_init(struct mvf_vfio_pci_device *mvdev)
{
	struct vfio_device *vdev = &mvdev->core_device.vdev;

	mutex_init(&mvdev->state_mutex);
	spin_lock_init(&mvdev->reset_lock);
	spin_lock_init(&mvdev->event_lock);
	mvdev->mig_state = VFIO_DEVICE_STATE_RUNNING;

	vdev->migration_flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P |
				VFIO_MIGRATION_PRE_COPY;
	vdev->mig_ops = &mvf_vfio_mig_ops;
}

/**
 * mvf_vfio_lm_uninit - undo mvf_vfio_lm_init() (vfio_device_ops.release)
 * @mvdev: the VF; closed, so no data_fd is enabled
 */
void mvf_vfio_lm_uninit(struct mvf_vfio_pci_device *mvdev)
{
	mutex_destroy(&mvdev->state_mutex);
}

/**
 * mvf_vfio_lm_open - the device was opened (vfio_device_ops.open_device)
 * @mvdev: the VF
 *
 * A freshly opened device is RUNNING.  Takes state_mutex.
 */
void mvf_vfio_lm_open(struct mvf_vfio_pci_device *mvdev)
{
	mutex_lock(&mvdev->state_mutex);
	mvdev->mig_state = VFIO_DEVICE_STATE_RUNNING;
	mvf_vfio_state_mutex_unlock(mvdev);
}

/**
 * mvf_vfio_lm_close - the last user closed the device (close_device)
 * @mvdev: the VF
 *
 * Disables any data_fd still open (its holder then gets -ENODEV), ends the
 * device sessions and lets the VF run again, as the uAPI requires every
 * data_fd to reach its end before close_device() returns.  Takes
 * state_mutex.
 */
void mvf_vfio_lm_close(struct mvf_vfio_pci_device *mvdev)
{
	mutex_lock(&mvdev->state_mutex);
	/* Dirty tracking ends with the close (a reset keeps it). */
	mvf_vfio_dirty_close_locked(mvdev);
	mvf_vfio_reset_locked(mvdev);
#ifndef MVF_HAVE_PRECOPY_INFO_V2
	/* As the 7.1+ core does on the last close. */
	WRITE_ONCE(mvdev->precopy_info_v2, 0);
#endif
	mvf_vfio_state_mutex_unlock(mvdev);
}

/**
 * mvf_vfio_lm_event - a device event for this VF (mvf_vf_event_fn)
 * @priv: the VF, a struct mvf_vfio_pci_device
 * @ev: the event
 *
 * Runs in the PF's event queue IRQ thread, or in the core's PF queue
 * reset or PF remove: sends no admin command and takes only spinlocks.
 * Forwards the event to the data_fd whose device session is open, if any
 * (@event_migf): MVF_EVENT_PRECOPY_DATA, MVF_EVENT_INITIAL_CHANGED and
 * MVF_EVENT_LOST (the VF's events were dropped by a full event queue)
 * wake the poll() waiters of a saving one (INITIAL_CHANGED latches a
 * REINIT; LOST makes the next read() re-query the device).
 * A core-generated MVF_EVENT_VF_RESET (MVF_VF_RESET_DATA_PF: a PF queue
 * reset; MVF_VF_RESET_DATA_PF_GONE: the PF is being unbound) dropped the
 * session without any function reset, so the file is marked lost
 * (-ECONNRESET, -ENODEV) and its waiters woken; it also frees the dirty
 * tracker, marked failed as on MVF_EVENT_TRACKER_ERROR
 * (mvf_vfio_dirty_event()).  A device-posted MVF_EVENT_VF_RESET needs
 * nothing here: the PCI core's reset_done() disables the data_fds.
 */
void mvf_vfio_lm_event(void *priv, const struct mvf_vf_event *ev)
{
	struct mvf_vfio_pci_device *mvdev = priv;
	struct mvf_vfio_mig_file *migf;
	bool pf_reset = ev->type == MVF_EVENT_VF_RESET &&
			(ev->data == MVF_VF_RESET_DATA_PF ||
			 ev->data == MVF_VF_RESET_DATA_PF_GONE);

	spin_lock(&mvdev->event_lock);
	/* The FSM's file reference keeps event_migf alive while it is set. */
	migf = mvdev->event_migf;
	if (ev->type == MVF_EVENT_TRACKER_ERROR)
		mvf_vfio_dirty_event(mvdev, ev->data);
	else if (pf_reset)
		mvf_vfio_dirty_event(mvdev, MVF_VFIO_DIRTY_ERR_PF_RESET);
	if (migf && pf_reset)
		mvf_vfio_mig_file_lost(migf, ev->data == MVF_VF_RESET_DATA_PF ?
					     -ECONNRESET : -ENODEV);
	else if (migf && migf->type == MVF_VFIO_MIGF_SAVE)
		mvf_vfio_save_file_event(migf, ev->type);
	spin_unlock(&mvdev->event_lock);
}

#ifndef MVF_HAVE_PRECOPY_INFO_V2
/**
 * mvf_vfio_precopy_info_v2_feature - VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2
 * @mvdev: the VF
 * @flags: the VFIO_DEVICE_FEATURE_* operation flags of the request
 * @argsz: payload bytes after struct vfio_device_feature
 *
 * The opt-in for VFIO_PRECOPY_INFO_REINIT, for kernels whose vfio core
 * lacks it (before 7.1); same semantics as the core's: PROBE and SET are
 * supported, GET is not; the opt-in lasts until the device is closed.
 *
 * Return: 0; -EINVAL without VFIO_MIGRATION_PRE_COPY, for GET, or for
 * neither GET nor SET without PROBE.
 */
int mvf_vfio_precopy_info_v2_feature(struct mvf_vfio_pci_device *mvdev,
				     u32 flags, size_t argsz)
{
	struct vfio_device *vdev = &mvdev->core_device.vdev;
	int ret;

	if (!(vdev->migration_flags & VFIO_MIGRATION_PRE_COPY))
		return -EINVAL;

	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
	if (ret != 1)
		return ret;

	WRITE_ONCE(mvdev->precopy_info_v2, 1);
	return 0;
}
#endif
