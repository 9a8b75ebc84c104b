// SPDX-License-Identifier: GPL-2.0
/*
 * mvf_vfio_pci: the saving and resuming data_fd files.
 *
 * Saving: read() hands out records.  The optional STOP_COPY_SIZE record
 * comes first, then one DEVICE_DATA record per admin SAVE_CHUNK, each
 * fetched when the previous one has been read; read() returns 0 once the
 * device flagged the end of its image and everything was read.  In a
 * PRECOPY session (PRE_COPY, PRE_COPY_P2P) a SAVE_CHUNK that answers
 * MVF_SAVE_F_EMPTY is the temporary end of the stream: read() returns
 * -ENOMSG (if it copied nothing yet), and poll() stays quiet until the
 * device posts MVF_EVENT_PRECOPY_DATA or MVF_EVENT_INITIAL_CHANGED.  After
 * PRE_COPY_P2P -> STOP_COPY the same file streams the rest of the image
 * and its end is permanent.
 *
 * Data path: the device writes each SAVE_CHUNK straight into one of the
 * file's DMA buffers, and read() copies the record payload from there to
 * the user: one copy per byte in the guest.  Once the end is permanent
 * (STOP_COPY) read() keeps the other buffers queued with SAVE_CHUNKs, so
 * the device fills chunks N+1 and N+2 while the user copies chunk N.  In
 * PRE_COPY(_P2P) a chunk is fetched only when the previous one has been
 * read, inside read() under @rw_lock, so no -ENOMSG can be returned while a
 * fetch is in flight and the precopy sizes never have to account for a
 * chunk the device handed out but the file did not yet see: a second
 * reader waits for @rw_lock, or gets -EAGAIN with O_NONBLOCK.  A chunk
 * queued before the end became permanent that answers EMPTY is dropped.
 *
 * Resuming: write() parses the records as untrusted input, in any
 * segmentation (a header may arrive one byte at a time), with the parser
 * of stream_parse.c.  DEVICE_DATA
 * payload is gathered straight into a DMA buffer and queued with
 * LOAD_CHUNK whenever @chunk bytes are ready; write() goes on gathering
 * into the other buffer while the device loads, and waits for a buffer's
 * LOAD_CHUNK only before reusing it.  A LOAD_CHUNK error thus surfaces at
 * the next write() or at RESUMING -> STOP, which sends the rest, waits for
 * every LOAD_CHUNK and sends LOAD_END.
 *
 * In-flight rules: chunk commands are submitted and collected under
 * @lock; every path that ends the session (leaving the state, close,
 * reset) waits for all of them under @lock before SAVE_END/LOAD_ABORT, and
 * release() waits again (for none) before freeing the buffers, so memory
 * the device may still write is never freed.  A fatal signal interrupts a
 * STOP_COPY read() or a write() waiting for the device (-EINTR); the
 * command stays queued and is collected by the next read()/write() or by
 * the end of the session.
 */

#include <linux/anon_inodes.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/wait.h>

#include "mvf_core.h"
#include "compat.h"
#include "file.h"
#include "vfio_dev.h"

#define MVF_REC_HDR	sizeof(struct mvf_mig_record)

/* Payload of the optional MVF_MIG_TAG_STOP_COPY_SIZE record. */
struct mvf_vfio_stop_copy_size {
	__le64 image_bytes;
};

#define MVF_REC_SIZE_HINT \
	(MVF_REC_HDR + sizeof(struct mvf_vfio_stop_copy_size))

/**
 * mvf_vfio_chunk_size - bytes moved by one SAVE_CHUNK/LOAD_CHUNK
 * @pf: the PF
 *
 * Return: the PF's largest chunk capped at MVF_MIG_RECORD_MAX, so that one
 * chunk always fits in one record; 0 if the PF reports a size too small
 * to hold the STOP_COPY_SIZE record's payload.
 */
size_t mvf_vfio_chunk_size(struct mvf_pf *pf)
{
	size_t chunk = min_t(size_t, mvf_pf_max_chunk(pf), MVF_MIG_RECORD_MAX);

	return chunk < sizeof(struct mvf_vfio_stop_copy_size) ? 0 : chunk;
}

/**
 * mvf_vfio_stream_overhead - framing bytes around a saved image
 * @image_bytes: device image bytes
 * @chunk: bytes per SAVE_CHUNK, non-zero (see mvf_vfio_chunk_size())
 *
 * The saving stream is the STOP_COPY_SIZE record plus one record header per
 * chunk.  A device may return short chunks, so this is an estimate, as
 * VFIO_DEVICE_FEATURE_MIG_DATA_SIZE allows.
 *
 * Return: framing bytes, saturated at U64_MAX.
 */
u64 mvf_vfio_stream_overhead(u64 image_bytes, size_t chunk)
{
	u64 records = div64_u64(image_bytes, chunk) + 1;
	u64 bytes;

	if (check_mul_overflow(records, (u64)MVF_REC_HDR, &bytes) ||
	    check_add_overflow(bytes, (u64)MVF_REC_SIZE_HINT, &bytes))
		return U64_MAX;
	return bytes;
}

static const char *mvf_vfio_migf_name(struct mvf_vfio_mig_file *migf)
{
	return migf->type == MVF_VFIO_MIGF_SAVE ? "saving" : "resuming";
}

/*
 * @disabled, @error or @final changed (under @lock): update what poll()
 * sees and wake its waiters.
 */
static void mvf_vfio_migf_wake_locked(struct mvf_vfio_mig_file *migf)
{
	lockdep_assert_held(&migf->lock);

	spin_lock(&migf->ev_lock);
	migf->ev_dead = migf->disabled || migf->error || migf->ev_lost;
	migf->ev_final = migf->final;
	spin_unlock(&migf->ev_lock);
	wake_up_interruptible_all(&migf->poll_wq);
}

/* The session loss the event callback reported, or 0. */
static int mvf_vfio_migf_lost(struct mvf_vfio_mig_file *migf)
{
	int lost;

	spin_lock(&migf->ev_lock);
	lost = migf->ev_lost;
	spin_unlock(&migf->ev_lock);
	return lost;
}

/*
 * The sticky errno, after taking over a session loss the event callback
 * reported (@ev_lost): the file then fails with that errno, logged once.
 * The device session is gone, but @session stays set, so the exit arc
 * still ends it, ignoring the answer (mvf_vfio_mig_file_end()): the loss
 * may have come just before the session was opened.
 */
static int mvf_vfio_migf_error_locked(struct mvf_vfio_mig_file *migf)
{
	int lost = mvf_vfio_migf_lost(migf);

	lockdep_assert_held(&migf->lock);

	if (lost && !migf->error && !migf->disabled) {
		migf->error = lost;
		dev_warn_ratelimited(migf->dev,
				     "%s data_fd at byte %llu: the device session was lost (%s): %pe\n",
				     mvf_vfio_migf_name(migf), migf->total,
				     lost == -ENODEV ? "PF unbound" :
						       "PF queue reset",
				     ERR_PTR(lost));
	}
	return migf->error;
}

/* 0 if the file may still be used, else the errno to return. */
static int mvf_vfio_migf_usable_locked(struct mvf_vfio_mig_file *migf)
{
	lockdep_assert_held(&migf->lock);

	if (migf->disabled)
		return -ENODEV;
	return mvf_vfio_migf_error_locked(migf);
}

static int mvf_vfio_migf_usable(struct mvf_vfio_mig_file *migf)
{
	int ret;

	mutex_lock(&migf->lock);
	ret = mvf_vfio_migf_usable_locked(migf);
	mutex_unlock(&migf->lock);
	return ret;
}

/*
 * Fail the stream: @err becomes sticky and is logged once.  A disabled
 * file is not poisoned (its device may be gone); it keeps returning
 * -ENODEV.
 */
static int mvf_vfio_migf_vfail_locked(struct mvf_vfio_mig_file *migf,
				      int err, const char *fmt, va_list *args)
{
	struct va_format vaf = { .fmt = fmt, .va = args };

	lockdep_assert_held(&migf->lock);

	if (migf->disabled)
		return -ENODEV;
	if (migf->error)
		return migf->error;

	migf->error = err;
	mvf_vfio_migf_wake_locked(migf);
	/* A user can fail stream after stream: ratelimited. */
	dev_err_ratelimited(migf->dev, "%s data_fd at byte %llu: %pV: %pe\n",
			    mvf_vfio_migf_name(migf), migf->total, &vaf,
			    ERR_PTR(err));
	return err;
}

static __printf(3, 4) int
mvf_vfio_migf_fail_locked(struct mvf_vfio_mig_file *migf, int err,
			  const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	err = mvf_vfio_migf_vfail_locked(migf, err, fmt, &args);
	va_end(args);
	return err;
}

static __printf(3, 4) int
mvf_vfio_migf_fail(struct mvf_vfio_mig_file *migf, int err,
		   const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	mutex_lock(&migf->lock);
	err = mvf_vfio_migf_vfail_locked(migf, err, fmt, &args);
	mutex_unlock(&migf->lock);
	va_end(args);
	return err;
}

/*
 * An admin command of the session failed.  -ENOENT (no session) while the
 * file still owns one means the device dropped the session: a function
 * reset (then reset_done() disables the file too) or a full reset of the
 * PF's admin queue by mvf_core's recovery (no reset_done() at all).  The
 * file fails with -ENODEV, as a disabled one, and owns no session any
 * more (the exit arc has nothing to end).  A session loss the event
 * callback reported first (@ev_lost) wins: the PF queue reset also fails
 * the chunks in flight (-EIO), but the user is told why (-ECONNRESET,
 * -ENODEV).  Anything else poisons the stream with its errno.
 */
static __printf(3, 4) int
mvf_vfio_migf_cmd_failed_locked(struct mvf_vfio_mig_file *migf, int err,
				const char *fmt, ...)
{
	va_list args;
	int ret;

	lockdep_assert_held(&migf->lock);

	ret = mvf_vfio_migf_usable_locked(migf);
	if (ret)
		return ret;
	if (err == -ENOENT) {
		dev_warn_ratelimited(migf->dev,
				     "%s data_fd at byte %llu: the device dropped the migration session (VF or PF reset)\n",
				     mvf_vfio_migf_name(migf), migf->total);
		migf->error = -ENODEV;
		migf->session = false;
		mvf_vfio_migf_wake_locked(migf);
		return -ENODEV;
	}

	va_start(args, fmt);
	err = mvf_vfio_migf_vfail_locked(migf, err, fmt, &args);
	va_end(args);
	return err;
}

/* Wrap-safe "generation @a is newer than @b". */
static bool mvf_vfio_gen_after(u32 a, u32 b)
{
	return (s32)(a - b) > 0;
}

static u64 mvf_vfio_add_sat(u64 a, u64 b)
{
	u64 sum;

	return check_add_overflow(a, b, &sum) ? U64_MAX : sum;
}

/*
 * Saving, PRECOPY: refresh @dev_initial and @gen from the device.  A
 * restart of the initial data is seen here synchronously through the
 * device's initial_gen; the INITIAL_CHANGED events counted before the
 * query (@ev_gen) cover a device that does not report a generation.
 */
static int mvf_vfio_save_query_locked(struct mvf_vfio_mig_file *migf,
				      struct mvf_vf_sizes *sizes)
{
	u32 ev_gen;
	int ret;

	lockdep_assert_held(&migf->lock);

	spin_lock(&migf->ev_lock);
	ev_gen = migf->ev_gen;
	spin_unlock(&migf->ev_lock);

	memset(sizes, 0, sizeof(*sizes));
	ret = mvf_vf_query_size(migf->pf, migf->vf_id, sizes);
	if (ret)
		return mvf_vfio_migf_cmd_failed_locked(migf, ret,
						       "VF_QUERY_SIZE failed");
	migf->dev_initial = sizes->initial_bytes;
	if (mvf_vfio_gen_after(ev_gen, migf->gen))
		migf->gen = ev_gen;
	if (mvf_vfio_gen_after(sizes->initial_gen, migf->gen))
		migf->gen = sizes->initial_gen;
	return 0;
}

/* Saving: queue a SAVE_CHUNK on the next free buffer. */
static int mvf_vfio_save_submit_locked(struct mvf_vfio_mig_file *migf)
{
	unsigned int i = (migf->q_head + migf->q_len) % migf->nbufs;
	struct mvf_vfio_chunk *c = &migf->bufs[i];
	int ret;

	lockdep_assert_held(&migf->lock);

	spin_lock(&migf->ev_lock);
	c->seq = migf->ev_seq;
	spin_unlock(&migf->ev_lock);
	c->final = migf->final;
	ret = mvf_vf_save_chunk_submit(migf->pf, migf->vf_id, &c->dma,
				       migf->chunk, &c->cmd);
	if (ret)
		return mvf_vfio_migf_cmd_failed_locked(migf, ret,
						       "SAVE_CHUNK not queued");
	migf->q_len++;
	return 0;
}

/*
 * Saving, STOP_COPY: keep every buffer but the one being read queued, so
 * the device works while read() copies.
 */
static void mvf_vfio_save_prefetch_locked(struct mvf_vfio_mig_file *migf)
{
	unsigned int busy;

	lockdep_assert_held(&migf->lock);

	if (!migf->final || migf->dev_end || mvf_vfio_migf_usable_locked(migf))
		return;
	busy = migf->q_len + (migf->cur_chunk >= 0);
	while (busy++ < migf->nbufs)
		if (mvf_vfio_save_submit_locked(migf))
			return;
}

/*
 * Wait for every chunk command of the file (non-killable: the session is
 * ending or a buffer is about to be freed).  Saving: results are kept
 * for mvf_vfio_save_fill(); resuming: errors are returned.
 */
static int mvf_vfio_migf_drain_locked(struct mvf_vfio_mig_file *migf)
{
	unsigned int i;
	int ret = 0, err;

	lockdep_assert_held(&migf->lock);

	for (i = 0; i < migf->nbufs; i++) {
		struct mvf_vfio_chunk *c = &migf->bufs[i];

		if (!c->cmd.busy)
			continue;
		err = mvf_vf_cmd_wait(migf->pf, &c->cmd, false);
		c->err = err;
		if (err && !ret)
			ret = err;
	}
	return ret;
}

/*
 * Saving: make the oldest queued chunk the current record (queueing it
 * first if nothing is queued).  Returns 1 if @cur holds a record, 0 at
 * the (permanent) end of the stream, -ENOMSG at the temporary end of a
 * PRECOPY stream, or another negative errno.
 */
static int mvf_vfio_save_fill(struct mvf_vfio_mig_file *migf)
{
	struct mvf_vfio_chunk *c;
	struct mvf_vf_sizes sizes;
	bool stale = false;
	u32 flags;
	size_t n, k;
	int ret;

	lockdep_assert_held(&migf->rw_lock);

	mutex_lock(&migf->lock);
next:
	ret = mvf_vfio_migf_usable_locked(migf);
	if (ret || migf->dev_end)
		goto out_unlock;

	if (!migf->q_len) {
		/* Events up to here are covered by this SAVE_CHUNK's answer. */
		spin_lock(&migf->ev_lock);
		swap(stale, migf->initial_stale);
		spin_unlock(&migf->ev_lock);
		if (stale && migf->mode == MVF_SAVE_MODE_PRECOPY) {
			ret = mvf_vfio_save_query_locked(migf, &sizes);
			if (ret)
				goto out_unlock;
		}
		ret = mvf_vfio_save_submit_locked(migf);
		if (ret)
			goto out_unlock;
	}

	c = &migf->bufs[migf->q_head];
	if (c->cmd.busy) {
		/*
		 * Killable once the end is permanent (a dying reader of a big
		 * image); the chunk stays queued.  In PRE_COPY the fetch is
		 * bounded like any control command and never left behind.
		 */
		ret = mvf_vf_cmd_wait(migf->pf, &c->cmd, migf->final);
		if (ret == -EINTR)
			goto out_unlock;
		c->err = ret;
	}
	migf->q_head = (migf->q_head + 1) % migf->nbufs;
	migf->q_len--;
	if (c->err) {
		ret = mvf_vfio_migf_cmd_failed_locked(migf, c->err,
						      "SAVE_CHUNK failed");
		goto out_unlock;
	}
	n = c->cmd.result0;
	flags = c->cmd.result1;
	if (flags & MVF_SAVE_F_END) {
		migf->dev_end = true;
		/* The trailer is out: poll() reports readable from now on. */
		migf->final = true;
		mvf_vfio_migf_wake_locked(migf);
	}
	if (!n) {
		if (migf->dev_end)
			goto out_unlock;
		/* Queued in PRE_COPY, answered before STOP_COPY: no data. */
		if ((flags & MVF_SAVE_F_EMPTY) && !c->final && migf->final)
			goto next;
		/*
		 * Temporary end of a PRECOPY stream.  Once the VF is STOPPED
		 * (STOP_COPY) the device streams to its trailer without
		 * pausing, so EMPTY there, or no data without a flag, is a
		 * device error.
		 */
		if ((flags & MVF_SAVE_F_EMPTY) && !migf->final &&
		    migf->mode == MVF_SAVE_MODE_PRECOPY) {
			spin_lock(&migf->ev_lock);
			migf->at_temp_end = true;
			migf->empty_seq = c->seq;
			spin_unlock(&migf->ev_lock);
			ret = -ENOMSG;
			goto out_unlock;
		}
		ret = mvf_vfio_migf_fail_locked(migf, -EIO,
						"SAVE_CHUNK returned no data (flags %#x) before the end of the image",
						flags);
		goto out_unlock;
	}

	spin_lock(&migf->ev_lock);
	migf->at_temp_end = false;
	spin_unlock(&migf->ev_lock);

	/* The device hands out its initial data before any dirty data. */
	k = min_t(u64, n, migf->dev_initial);
	migf->dev_initial -= k;
	/* Without REINIT, data of a restarted initial part is dirty data. */
	if (migf->init_as_dirty)
		k = 0;

	migf->rec.size = cpu_to_le64(n);
	migf->rec.flags = cpu_to_le32(0);
	migf->rec.tag = cpu_to_le32(MVF_MIG_TAG_DEVICE_DATA);
	migf->cur_chunk = c - migf->bufs;
	migf->cur = c->dma.va;
	migf->buf_len = n;
	migf->buf_pos = 0;
	migf->rec_data = n;
	migf->rec_init_end = MVF_REC_HDR + k;
	/* While the user copies this one, the device fills the next ones. */
	mvf_vfio_save_prefetch_locked(migf);
	ret = 1;

out_unlock:
	mutex_unlock(&migf->lock);
	return ret;
}

static ssize_t mvf_vfio_save_read(struct file *filp, char __user *ubuf,
				  size_t len, loff_t *pos)
{
	struct mvf_vfio_mig_file *migf = filp->private_data;
	size_t done = 0;
	int ret;

	if (pos)
		return -ESPIPE;

	/* Another reader is fetching or copying: the data is only late. */
	if (filp->f_flags & O_NONBLOCK) {
		if (!mutex_trylock(&migf->rw_lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&migf->rw_lock)) {
		return -ERESTARTSYS;
	}
	ret = mvf_vfio_migf_usable(migf);
	while (!ret && done < len) {
		const u8 *src;
		size_t n;

		if (migf->buf_pos == MVF_REC_HDR + migf->buf_len) {
			/* The current chunk's buffer is free for the device. */
			migf->cur_chunk = -1;
			ret = mvf_vfio_save_fill(migf);
			if (ret <= 0)
				break;
			ret = 0;
		}

		if (migf->buf_pos < MVF_REC_HDR) {
			src = (const u8 *)&migf->rec + migf->buf_pos;
			n = MVF_REC_HDR - migf->buf_pos;
		} else {
			src = migf->cur + (migf->buf_pos - MVF_REC_HDR);
			n = MVF_REC_HDR + migf->buf_len - migf->buf_pos;
		}
		n = min(n, len - done);

		/*
		 * Only @rw_lock is held: the reset path may disable the file
		 * meanwhile, but nobody else changes or frees @rec or the
		 * current chunk's buffer (not queued, so the device does not
		 * write it; buffers are freed only in release()).
		 */
		if (copy_to_user(ubuf + done, src, n)) {
			ret = -EFAULT;
			break;
		}
		migf->buf_pos += n;
		migf->total += n;
		done += n;
	}
	mutex_unlock(&migf->rw_lock);

	return done ? done : ret;
}

/*
 * Saving: readable when a record is buffered or the device may have data
 * (no EMPTY answer yet, or an event since), and always once the end is
 * permanent (STOP_COPY), where read() then returns data or 0.  A disabled
 * or failed file is readable, hung up and in error: read() returns the
 * errno.
 */
static __poll_t mvf_vfio_save_poll(struct file *filp,
				   struct poll_table_struct *wait)
{
	struct mvf_vfio_mig_file *migf = filp->private_data;
	__poll_t mask = 0;

	poll_wait(filp, &migf->poll_wq, wait);

	spin_lock(&migf->ev_lock);
	if (migf->ev_dead)
		mask = EPOLLIN | EPOLLRDNORM | EPOLLERR | EPOLLRDHUP;
	else if (migf->ev_final || !migf->at_temp_end ||
		 migf->ev_seq != migf->empty_seq)
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock(&migf->ev_lock);
	return mask;
}

/* Whether the user opted in to VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2. */
static bool mvf_vfio_precopy_info_v2(struct vfio_device *vdev)
{
#ifdef MVF_HAVE_PRECOPY_INFO_V2
	return READ_ONCE(vdev->precopy_info_v2);
#else
	return READ_ONCE(mvf_vfio_from_vdev(vdev)->precopy_info_v2);
#endif
}

/*
 * Copy in and check the ioctl argument, as the core's
 * vfio_check_precopy_ioctl() does.  Not that helper itself: it reads the
 * vfio_device, which a file the user keeps may outlive (see @vdev); the
 * opt-in is read under the file's lock instead, where the core helper
 * clears flags for it (mvf_vfio_precopy_info_locked() writes them then).
 */
static int mvf_vfio_precopy_info_in(unsigned int cmd, unsigned long arg,
				    struct vfio_precopy_info *info)
{
	unsigned long minsz = offsetofend(struct vfio_precopy_info,
					  dirty_bytes);

	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (copy_from_user(info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info->argsz < minsz)
		return -EINVAL;
	return 0;
}

/*
 * Stream bytes that @dev_bytes device image bytes still to come will take:
 * the bytes plus one record header per SAVE_CHUNK (the device fills each
 * chunk while it has data).  Saturated at U64_MAX.
 */
static u64 mvf_vfio_stream_bytes(const struct mvf_vfio_mig_file *migf,
				 u64 dev_bytes)
{
	u64 hdrs;

	if (check_mul_overflow(DIV_ROUND_UP_ULL(dev_bytes, migf->chunk),
			       (u64)MVF_REC_HDR, &hdrs))
		return U64_MAX;
	return mvf_vfio_add_sat(dev_bytes, hdrs);
}

/*
 * Fill @info from the device's sizes and what this file buffers.  Sizes
 * are bytes of the stream read() hands out, record headers included (as
 * QEMU counts every byte it reads against initial_bytes, then
 * dirty_bytes): the unread rest of the buffered record, its header
 * counted with the initial part when the record has one, plus the
 * device's remaining bytes with one header per chunk.
 *
 * A restart of the device's initial data (@gen newer than @gen_done) is
 * accounted for by the first call that sees it, in either mode: with the
 * PRECOPY_INFOv2 opt-in (@v2) it is reported as VFIO_PRECOPY_INFO_REINIT
 * and everything not yet read is initial data again; without it, as the
 * v1 uAPI wants initial_bytes never to grow, the initial data from then
 * on is reported as dirty_bytes (@init_as_dirty) and initial_bytes is 0.
 * Either way a later opt-in finds no stale REINIT.  flags is written only
 * with the opt-in: without it the user's input is left as it was, as the
 * vfio core's vfio_check_precopy_ioctl() does to keep the v1 behaviour.
 */
static int mvf_vfio_precopy_info_locked(struct mvf_vfio_mig_file *migf,
					struct vfio_precopy_info *info,
					bool v2)
{
	size_t pos = max(migf->buf_pos, MVF_REC_HDR);
	u64 unread = 0, unread_init = 0, dev_init, dev_dirty;
	size_t hdr_left;
	struct mvf_vf_sizes sizes;
	bool restart;
	int ret;

	lockdep_assert_held(&migf->rw_lock);
	lockdep_assert_held(&migf->lock);

	if (migf->disabled || migf->final ||
	    migf->mode != MVF_SAVE_MODE_PRECOPY)
		return -EINVAL;
	ret = mvf_vfio_migf_error_locked(migf);
	if (ret)
		return ret;

	ret = mvf_vfio_save_query_locked(migf, &sizes);
	if (ret)
		return ret;

	/* Unread payload of the current record, and its initial part. */
	if (MVF_REC_HDR + migf->rec_data > pos)
		unread = MVF_REC_HDR + migf->rec_data - pos;
	if (migf->rec_init_end > pos)
		unread_init = migf->rec_init_end - pos;
	/* Its unread header goes with the part the record starts with. */
	if (migf->buf_pos < MVF_REC_HDR) {
		hdr_left = MVF_REC_HDR - migf->buf_pos;
		unread += hdr_left;
		if (migf->rec_init_end > MVF_REC_HDR)
			unread_init += hdr_left;
	}
	dev_init = mvf_vfio_stream_bytes(migf, sizes.initial_bytes);
	dev_dirty = mvf_vfio_stream_bytes(migf, sizes.dirty_bytes);

	restart = migf->gen != migf->gen_done;
	migf->gen_done = migf->gen;

	if (restart && v2) {
		/* What is buffered counts as new initial data. */
		migf->init_as_dirty = false;
		migf->rec_init_end = MVF_REC_HDR + migf->rec_data;
		info->flags = VFIO_PRECOPY_INFO_REINIT;
		info->initial_bytes = mvf_vfio_add_sat(unread, dev_init);
		info->dirty_bytes = 0;
		return 0;
	}

	if (restart) {
		/* v1: the unread initial part of the buffer is dirty now. */
		migf->init_as_dirty = true;
		migf->rec_init_end = 0;
		unread_init = 0;
	}
	if (v2)
		info->flags = 0;
	if (migf->init_as_dirty) {
		info->initial_bytes = 0;
		dev_dirty = mvf_vfio_add_sat(sizes.initial_bytes,
					     sizes.dirty_bytes);
		info->dirty_bytes = mvf_vfio_add_sat(unread,
						     mvf_vfio_stream_bytes(migf,
									   dev_dirty));
	} else {
		info->initial_bytes = mvf_vfio_add_sat(unread_init, dev_init);
		info->dirty_bytes = mvf_vfio_add_sat(unread - unread_init,
						     dev_dirty);
	}
	return 0;
}

/*
 * VFIO_MIG_GET_PRECOPY_INFO.  Errnos, in the order checked: -ENOTTY for
 * another ioctl; -EFAULT; -EINVAL if argsz is short; -EINVAL outside
 * PRE_COPY and PRE_COPY_P2P (STOP_COPY, or the file was disabled because
 * the device left the saving group); the stream's sticky errno; the errno
 * of VF_QUERY_SIZE.  With the PRECOPY_INFOv2 opt-in flags is an output:
 * VFIO_PRECOPY_INFO_REINIT or 0; without it, flags is returned as the user
 * passed it (the v1 behaviour the vfio core keeps).
 */
static long mvf_vfio_save_ioctl(struct file *filp, unsigned int cmd,
				unsigned long arg)
{
	struct mvf_vfio_mig_file *migf = filp->private_data;
	unsigned long minsz = offsetofend(struct vfio_precopy_info,
					  dirty_bytes);
	struct vfio_precopy_info info;
	bool v2;
	int ret;

	ret = mvf_vfio_precopy_info_in(cmd, arg, &info);
	if (ret)
		return ret;

	if (mutex_lock_interruptible(&migf->rw_lock))
		return -ERESTARTSYS;
	mutex_lock(&migf->lock);
	/* The device is there while the file is enabled. */
	v2 = !migf->disabled && mvf_vfio_precopy_info_v2(migf->vdev);
	ret = mvf_vfio_precopy_info_locked(migf, &info, v2);
	mutex_unlock(&migf->lock);
	mutex_unlock(&migf->rw_lock);
	if (ret)
		return ret;

	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/* Resuming: a LOAD_CHUNK of @len bytes failed with @ret. */
static int mvf_vfio_load_failed_locked(struct mvf_vfio_mig_file *migf,
				       int ret, size_t len)
{
	lockdep_assert_held(&migf->lock);

	if (ret == -EOPNOTSUPP)
		return mvf_vfio_migf_cmd_failed_locked(migf, ret,
						       "LOAD_CHUNK of %zu bytes failed: the device cannot load this image (another image version or device configuration, e.g. device memory size)",
						       len);
	return mvf_vfio_migf_cmd_failed_locked(migf, ret,
					       "LOAD_CHUNK of %zu bytes failed",
					       len);
}

/*
 * Resuming: queue the bytes gathered in @bufs[@fill] with LOAD_CHUNK and
 * move on to the next buffer, waiting (killable) for its earlier
 * LOAD_CHUNK first.  An error of any LOAD_CHUNK poisons the stream.
 */
static int mvf_vfio_resume_flush(struct mvf_vfio_mig_file *migf)
{
	struct mvf_vfio_chunk *c;
	int ret;

	lockdep_assert_held(&migf->rw_lock);

	mutex_lock(&migf->lock);
	ret = mvf_vfio_migf_usable_locked(migf);
	if (ret || !migf->buf_len)
		goto out_unlock;
	c = &migf->bufs[migf->fill];
	ret = mvf_vf_load_chunk_submit(migf->pf, migf->vf_id, &c->dma,
				       migf->buf_len, &c->cmd);
	if (ret) {
		if (ret != -EINTR)
			ret = mvf_vfio_load_failed_locked(migf, ret,
							  migf->buf_len);
		goto out_unlock;
	}
	migf->buf_len = 0;
	migf->fill = (migf->fill + 1) % migf->nbufs;
	c = &migf->bufs[migf->fill];
	if (c->cmd.busy) {
		ret = mvf_vf_cmd_wait(migf->pf, &c->cmd, true);
		if (ret && ret != -EINTR)
			ret = mvf_vfio_load_failed_locked(migf, ret,
							  c->cmd.buf_len);
	}
out_unlock:
	mutex_unlock(&migf->lock);
	return ret < 0 ? ret : 0;
}

/* Resuming: the gathering buffer is still loading (after an -EINTR). */
static int mvf_vfio_resume_wait_fill(struct mvf_vfio_mig_file *migf)
{
	struct mvf_vfio_chunk *c = &migf->bufs[migf->fill];
	int ret = 0;

	lockdep_assert_held(&migf->rw_lock);

	mutex_lock(&migf->lock);
	if (c->cmd.busy) {
		ret = mvf_vf_cmd_wait(migf->pf, &c->cmd, true);
		if (ret && ret != -EINTR)
			ret = mvf_vfio_load_failed_locked(migf, ret,
							  c->cmd.buf_len);
	}
	mutex_unlock(&migf->lock);
	return ret;
}

static ssize_t mvf_vfio_resume_write(struct file *filp,
				     const char __user *ubuf, size_t len,
				     loff_t *pos)
{
	struct mvf_vfio_mig_file *migf = filp->private_data;
	size_t done = 0;
	int ret;

	if (pos)
		return -ESPIPE;

	/* Nothing consumed yet: the write() restarts or fails with -EINTR. */
	if (mutex_lock_interruptible(&migf->rw_lock))
		return -ERESTARTSYS;
	ret = mvf_vfio_migf_usable(migf);
	if (!ret)
		ret = mvf_vfio_resume_wait_fill(migf);
	while (!ret && done < len) {
		struct mvf_stream_parser *p = &migf->parse;
		struct mvf_stream_step st;
		size_t n;

		mvf_stream_next(p, len - done, &st);
		n = st.len;
		if (st.kind == MVF_STREAM_HDR) {
			if (copy_from_user(st.dst, ubuf + done, n)) {
				ret = -EFAULT;
				break;
			}
		} else if (st.kind == MVF_STREAM_DATA) {
			u8 *dst = migf->bufs[migf->fill].dma.va;

			/* Not queued: the device does not read it now. */
			n = min(n, migf->chunk - migf->buf_len);
			if (copy_from_user(dst + migf->buf_len, ubuf + done,
					   n)) {
				ret = -EFAULT;
				break;
			}
			migf->buf_len += n;
		}
		migf->total += n;
		done += n;
		ret = mvf_stream_advance(p, &st, n);
		if (ret) {
			ret = mvf_vfio_migf_fail(migf, ret,
						 "%s: tag %u, flags %#x, %llu bytes",
						 p->why, le32_to_cpu(p->rec.tag),
						 le32_to_cpu(p->rec.flags),
						 le64_to_cpu(p->rec.size));
			break;
		}
		if (migf->buf_len == migf->chunk)
			ret = mvf_vfio_resume_flush(migf);
	}
	mutex_unlock(&migf->rw_lock);

	/*
	 * A fault is the caller's to retry, a fatal signal ends the caller
	 * (what was consumed is queued); anything else killed the stream.
	 */
	if ((ret == -EFAULT || ret == -EINTR) && done)
		return done;
	return ret ? ret : done;
}

/*
 * Free the DMA buffers, after waiting for any command still using one
 * (there is none once the session ended; this is the backstop for the
 * rule that the device never writes freed memory).  Each buffer holds its
 * own reference on the PF.
 */
static void mvf_vfio_migf_free_bufs(struct mvf_vfio_mig_file *migf)
{
	unsigned int i;

	/*
	 * No message: the VF (@dev) may be gone already; only @pf, which
	 * each buffer holds, is still there.
	 */
	mutex_lock(&migf->lock);
	mvf_vfio_migf_drain_locked(migf);
	mutex_unlock(&migf->lock);
	for (i = 0; i < migf->nbufs; i++)
		mvf_pf_dma_free(migf->pf, &migf->bufs[i].dma);
}

/*
 * @nbufs DMA buffers of @migf->chunk bytes; on -ENOMEM the chunk is
 * halved down to MVF_VFIO_CHUNK_MIN.  Returns 0 or -errno with nothing
 * allocated.
 */
static int mvf_vfio_migf_alloc_bufs(struct mvf_vfio_mig_file *migf)
{
	unsigned int i;
	int ret;

	for (;;) {
		for (i = 0; i < migf->nbufs; i++) {
			ret = mvf_pf_dma_alloc(migf->pf, &migf->bufs[i].dma,
					       migf->chunk);
			if (ret)
				break;
		}
		if (i == migf->nbufs)
			return 0;
		while (i--)
			mvf_pf_dma_free(migf->pf, &migf->bufs[i].dma);
		if (ret != -ENOMEM || migf->chunk / 2 < MVF_VFIO_CHUNK_MIN)
			return ret;
		migf->chunk /= 2;
	}
}

static int mvf_vfio_mig_file_release(struct inode *inode, struct file *filp)
{
	struct mvf_vfio_mig_file *migf = filp->private_data;

	/*
	 * Last reference: the FSM dropped its own after ending the session
	 * (or never started one), so nothing can reach @migf any more.
	 */
	mvf_vfio_migf_free_bufs(migf);
	mutex_destroy(&migf->rw_lock);
	mutex_destroy(&migf->lock);
	kfree(migf);
	return 0;
}

static const struct file_operations mvf_vfio_save_fops = {
	.owner = THIS_MODULE,
	.read = mvf_vfio_save_read,
	.poll = mvf_vfio_save_poll,
	.unlocked_ioctl = mvf_vfio_save_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = mvf_vfio_mig_file_release,
};

static const struct file_operations mvf_vfio_resume_fops = {
	.owner = THIS_MODULE,
	.write = mvf_vfio_resume_write,
	.release = mvf_vfio_mig_file_release,
};

/**
 * mvf_vfio_mig_file_alloc - create a data_fd file, no device session yet
 * @mvdev: the VF
 * @type: saving or resuming
 *
 * Allocates the file, its state and its DMA buffers on the PF (saving:
 * MVF_VFIO_SAVE_BUFS, resuming: MVF_VFIO_LOAD_BUFS, of one chunk each;
 * the chunk is halved while they cannot be allocated, down to
 * MVF_VFIO_CHUNK_MIN).  Sends no admin command.
 * Called with @mvdev->state_mutex held.
 *
 * Return: the file holding one reference (for userspace), or
 * ERR_PTR(-ENOMEM), ERR_PTR(-EIO) if the PF reports no chunk size,
 * ERR_PTR(-ENODEV) if the PF was removed, or the error of
 * anon_inode_getfile().
 */
struct mvf_vfio_mig_file *
mvf_vfio_mig_file_alloc(struct mvf_vfio_pci_device *mvdev,
			enum mvf_vfio_migf_type type)
{
	bool save = type == MVF_VFIO_MIGF_SAVE;
	struct mvf_vfio_mig_file *migf;
	struct file *filp;
	size_t chunk;
	int ret;

	chunk = mvf_vfio_chunk_size(mvdev->pf);
	if (!chunk)
		return ERR_PTR(-EIO);

	migf = kzalloc_obj(*migf, GFP_KERNEL_ACCOUNT);
	if (!migf)
		return ERR_PTR(-ENOMEM);

	migf->type = type;
	migf->pf = mvdev->pf;
	migf->vf_id = mvdev->vf_id;
	migf->dev = mvf_vfio_dev(mvdev);
	migf->vdev = &mvdev->core_device.vdev;
	migf->chunk = chunk;
	migf->nbufs = save ? MVF_VFIO_SAVE_BUFS : MVF_VFIO_LOAD_BUFS;
	migf->cur_chunk = -1;
	ret = mvf_vfio_migf_alloc_bufs(migf);
	if (ret)
		goto err_free;
	/* Saving: no record yet, the current (empty) one is all read. */
	migf->buf_pos = save ? MVF_REC_HDR : 0;
	mvf_stream_init(&migf->parse);
	mutex_init(&migf->lock);
	mutex_init(&migf->rw_lock);
	spin_lock_init(&migf->ev_lock);
	init_waitqueue_head(&migf->poll_wq);

	filp = anon_inode_getfile("mvf_vfio_mig",
				  save ? &mvf_vfio_save_fops :
					 &mvf_vfio_resume_fops,
				  migf, save ? O_RDONLY : O_WRONLY);
	if (IS_ERR(filp)) {
		ret = PTR_ERR(filp);
		goto err_destroy;
	}
	migf->filp = filp;
	stream_open(filp->f_inode, filp);
	return migf;

err_destroy:
	mvf_vfio_migf_free_bufs(migf);
	mutex_destroy(&migf->rw_lock);
	mutex_destroy(&migf->lock);
err_free:
	kfree(migf);
	return ERR_PTR(ret);
}

/**
 * mvf_vfio_mig_file_put - drop a reference on a data_fd file
 * @migf: the file; freed (release()) when this was the last reference
 */
void mvf_vfio_mig_file_put(struct mvf_vfio_mig_file *migf)
{
	fput(migf->filp);
}

/**
 * mvf_vfio_save_file_start - open the device save session of a file
 * @migf: a saving file from mvf_vfio_mig_file_alloc(), not yet published
 * @mode: MVF_SAVE_MODE_STOP_COPY (STOP -> STOP_COPY; the end of the stream
 *        is permanent from the start) or MVF_SAVE_MODE_PRECOPY (RUNNING ->
 *        PRE_COPY, RUNNING_P2P -> PRE_COPY_P2P; temporary ends until
 *        mvf_vfio_save_file_final())
 * @image_bytes: the device's estimate of its image size, bytes; sent to
 *               the reader in the optional STOP_COPY_SIZE record
 *
 * A PRECOPY session also queries the device's initial bytes (VF_QUERY_SIZE)
 * for the precopy accounting, and is ended again (SAVE_END) if that fails.
 * Called with the device's state_mutex held.
 *
 * Return: 0, or the errno of the SAVE_START or VF_QUERY_SIZE admin command
 * (see mvf_core.h, e.g. -EBUSY if the VF is not stopped for STOP_COPY or
 * is already saving).
 */
int mvf_vfio_save_file_start(struct mvf_vfio_mig_file *migf, u32 mode,
			     u64 image_bytes)
{
	struct mvf_vf_sizes sizes = {};
	int ret;

	mutex_lock(&migf->lock);
	migf->mode = mode;
	migf->final = mode != MVF_SAVE_MODE_PRECOPY;
	ret = mvf_vf_save_start(migf->pf, migf->vf_id, mode);
	if (!ret && mode == MVF_SAVE_MODE_PRECOPY) {
		ret = mvf_vf_query_size(migf->pf, migf->vf_id, &sizes);
		if (ret) {
			mvf_vf_save_end(migf->pf, migf->vf_id);
		} else {
			migf->dev_initial = sizes.initial_bytes;
			/*
			 * The generation the user's first sizes come from; an
			 * event of an earlier session does not count.
			 */
			migf->gen = sizes.initial_gen;
			migf->gen_done = sizes.initial_gen;
			spin_lock(&migf->ev_lock);
			migf->ev_gen = sizes.initial_gen;
			spin_unlock(&migf->ev_lock);
		}
	}
	if (!ret)
		migf->session = true;
	/* STOP_COPY: the device fills chunks while the user reads the hint. */
	if (!ret)
		mvf_vfio_save_prefetch_locked(migf);
	mvf_vfio_migf_wake_locked(migf);
	mutex_unlock(&migf->lock);
	if (ret)
		return ret;

	/* No reader yet: the file is not installed in any fd table. */
	mutex_lock(&migf->rw_lock);
	static_assert(sizeof(migf->hint) ==
		      sizeof(struct mvf_vfio_stop_copy_size));
	migf->rec.size = cpu_to_le64(sizeof(migf->hint));
	migf->rec.flags = cpu_to_le32(MVF_MIG_F_OPTIONAL);
	migf->rec.tag = cpu_to_le32(MVF_MIG_TAG_STOP_COPY_SIZE);
	migf->hint = cpu_to_le64(image_bytes);
	migf->cur = (const u8 *)&migf->hint;
	migf->buf_len = sizeof(migf->hint);
	migf->buf_pos = 0;
	/* The stream starts with it: precopy counts it as initial data. */
	migf->rec_data = sizeof(migf->hint);
	migf->rec_init_end = MVF_REC_HDR + sizeof(migf->hint);
	mutex_unlock(&migf->rw_lock);
	return 0;
}

/**
 * mvf_vfio_save_file_final - the saving group reached STOP_COPY
 * @migf: the saving file of a PRECOPY session
 *
 * Called after PRE_COPY_P2P -> STOP_COPY stopped the VF: the same data_fd
 * now streams the rest of the image (dirty data, registers, trailer) and
 * its end is permanent: read() returns 0 there, never -ENOMSG, poll()
 * always reports readable and VFIO_MIG_GET_PRECOPY_INFO fails with
 * -EINVAL.  Called with the device's state_mutex held; takes @migf->lock.
 */
void mvf_vfio_save_file_final(struct mvf_vfio_mig_file *migf)
{
	mutex_lock(&migf->lock);
	migf->final = true;
	mvf_vfio_migf_wake_locked(migf);
	mutex_unlock(&migf->lock);
}

/**
 * mvf_vfio_save_file_event - a device event for the file's PRECOPY session
 * @migf: the saving file, kept alive by the caller (the FSM's reference)
 * @type: enum mvf_event_type
 *
 * MVF_EVENT_PRECOPY_DATA and MVF_EVENT_INITIAL_CHANGED make poll() report
 * readable again after a temporary end; MVF_EVENT_INITIAL_CHANGED also
 * counts a restart of the initial data (@ev_gen: the next
 * VFIO_MIG_GET_PRECOPY_INFO accounts for it, if its VF_QUERY_SIZE did not
 * already show the device's newer initial_gen) and makes the next read()
 * re-query the initial bytes.  MVF_EVENT_LOST (the VF's events were
 * dropped, a full event queue) may stand for either, so it wakes waiters
 * and makes the next read() re-query; the query's initial_gen tells of a
 * lost restart, SAVE_CHUNK of lost data.  Only wakes waiters: sends no
 * admin command and takes only @migf->ev_lock, so it may run in the event
 * callback.
 */
void mvf_vfio_save_file_event(struct mvf_vfio_mig_file *migf, u16 type)
{
	spin_lock(&migf->ev_lock);
	switch (type) {
	case MVF_EVENT_INITIAL_CHANGED:
		migf->ev_gen++;
		fallthrough;
	case MVF_EVENT_LOST:
		/* Lost events may have been either: re-query, and wake. */
		migf->initial_stale = true;
		fallthrough;
	case MVF_EVENT_PRECOPY_DATA:
		migf->ev_seq++;
		break;
	default:
		break;
	}
	spin_unlock(&migf->ev_lock);
	wake_up_interruptible_all(&migf->poll_wq);
}

/**
 * mvf_vfio_mig_file_lost - the device dropped the file's session
 * @migf: the saving or resuming file, kept alive by the caller (the FSM's
 *        reference)
 * @err: -ECONNRESET (the PF's queues were reset: MVF_EVENT_VF_RESET with
 *       MVF_VF_RESET_DATA_PF) or -ENODEV (the PF is being unbound:
 *       MVF_VF_RESET_DATA_PF_GONE)
 *
 * No function reset comes with these, so nothing else would tell the
 * file.  Records @err (the first loss counts) for the next read(),
 * write(), precopy ioctl or arc to take over as the sticky errno, and
 * wakes poll() waiters, who then see EPOLLERR.  Takes only @migf->ev_lock,
 * so it may run in the event callback.
 */
void mvf_vfio_mig_file_lost(struct mvf_vfio_mig_file *migf, int err)
{
	spin_lock(&migf->ev_lock);
	if (!migf->ev_lost)
		migf->ev_lost = err;
	migf->ev_dead = true;
	spin_unlock(&migf->ev_lock);
	wake_up_interruptible_all(&migf->poll_wq);
}

/**
 * mvf_vfio_resume_file_start - open the device load session of a file
 * @migf: a resuming file from mvf_vfio_mig_file_alloc(), not yet published
 *
 * Called with the device's state_mutex held.
 *
 * Return: 0, or the errno of the LOAD_START admin command (see
 * mvf_core.h, e.g. -EBUSY if the VF is not stopped or already loading).
 */
int mvf_vfio_resume_file_start(struct mvf_vfio_mig_file *migf)
{
	int ret;

	mutex_lock(&migf->lock);
	ret = mvf_vf_load_start(migf->pf, migf->vf_id);
	if (!ret)
		migf->session = true;
	mutex_unlock(&migf->lock);
	return ret;
}

/**
 * mvf_vfio_resume_file_finish - complete a resume (RESUMING -> STOP)
 * @migf: the resuming file
 *
 * Waits for a write() in progress, checks that the stream ended on a
 * record boundary, sends the gathered image bytes (LOAD_CHUNK) and commits
 * the image (LOAD_END).  On any failure the VF keeps its previous state:
 * LOAD_END closes the session itself, any earlier failure drops it with
 * LOAD_ABORT.  Disables the file in every case.  Called with the device's
 * state_mutex held; takes the file's @rw_lock, so never from the reset
 * path.
 *
 * Return: 0 if the device loaded the image; the sticky errno of an earlier
 * write() (see mvf_vfio_resume_write()); -EINVAL if the stream stops
 * inside a record; the errno of LOAD_CHUNK or LOAD_END (-EINVAL for a
 * truncated, corrupt or inconsistent image, -EOPNOTSUPP for an image of
 * another version or device configuration, see mvf_core.h); -ENODEV if the
 * file was already disabled.
 */
int mvf_vfio_resume_file_finish(struct mvf_vfio_mig_file *migf)
{
	int ret, err;

	mutex_lock(&migf->rw_lock);
	ret = mvf_vfio_migf_usable(migf);
	if (!ret && !mvf_stream_at_boundary(&migf->parse)) {
		dev_dbg(migf->dev,
			"resume stream ends inside a record: %zu of %zu header bytes, %llu payload bytes missing\n",
			migf->parse.rec_got, MVF_REC_HDR,
			migf->parse.rec_got == MVF_REC_HDR ?
			migf->parse.rec_left : 0);
		ret = -EINVAL;
	}
	if (!ret)
		ret = mvf_vfio_resume_flush(migf);

	mutex_lock(&migf->lock);
	/* Every LOAD_CHUNK answered before LOAD_END or LOAD_ABORT. */
	err = mvf_vfio_migf_drain_locked(migf);
	if (!ret && err)
		ret = mvf_vfio_load_failed_locked(migf, err, migf->chunk);
	if (!ret)
		ret = mvf_vfio_migf_usable_locked(migf);
	if (!ret) {
		/* LOAD_END closes the session whatever its outcome. */
		ret = mvf_vf_load_end(migf->pf, migf->vf_id);
		migf->session = false;
	}
	if (ret && migf->session) {
		err = mvf_vf_load_abort(migf->pf, migf->vf_id);
		if (err)
			dev_dbg(migf->dev, "LOAD_ABORT: %pe\n", ERR_PTR(err));
	}
	migf->session = false;
	migf->disabled = true;
	mutex_unlock(&migf->lock);
	mutex_unlock(&migf->rw_lock);
	return ret;
}

/**
 * mvf_vfio_mig_file_end - disable a data_fd and end its device session
 * @migf: the file
 *
 * Waits for every admin command of the file that is in flight (a
 * synchronous one holds @migf->lock; queued chunks are collected here,
 * non-killable), marks the file disabled (later read()/write() return
 * -ENODEV) and ends the device session: SAVE_END for a saving file,
 * LOAD_ABORT for a resuming one.  If the device lost the session (a PF
 * queue reset or unbind, see mvf_vfio_mig_file_lost()), the command's
 * answer (-ENOENT, -ENODEV, ...) is ignored: there was nothing left to
 * end, so the exit arc succeeds.
 * Takes only @migf->lock, so the reset path may call it.  Called with the
 * device's state_mutex held.
 *
 * Return: 0, or the errno of the admin command that ended the session.
 */
int mvf_vfio_mig_file_end(struct mvf_vfio_mig_file *migf)
{
	int ret = 0;

	mutex_lock(&migf->lock);
	/* The device lets go of the buffers before the session ends. */
	mvf_vfio_migf_drain_locked(migf);
	if (migf->session) {
		if (migf->type == MVF_VFIO_MIGF_SAVE)
			ret = mvf_vf_save_end(migf->pf, migf->vf_id);
		else
			ret = mvf_vf_load_abort(migf->pf, migf->vf_id);
		migf->session = false;
		if (ret && mvf_vfio_migf_lost(migf)) {
			dev_dbg(migf->dev, "ending a lost session: %pe\n",
				ERR_PTR(ret));
			ret = 0;
		}
	}
	migf->disabled = true;
	mvf_vfio_migf_wake_locked(migf);
	mutex_unlock(&migf->lock);
	return ret;
}
