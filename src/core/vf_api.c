// SPDX-License-Identifier: GPL-2.0
/*
 * mvf_core: the VF migration command API exported to mvf_vfio_pci.ko.
 *
 * Each control function issues one admin command for one VF on the VF's
 * PF and waits for it; its data moves through the PF's coherent DMA bounce
 * buffer.  The SAVE/LOAD chunk functions only queue the command, on a
 * buffer of the caller's from mvf_pf_dma_alloc(), and mvf_vf_cmd_wait()
 * collects it.  Values cross the device boundary little-endian and are
 * converted here.
 *
 * Errors common to every command (status -> errno table: mvf_core.h):
 *   -ENODEV     @vf_id is not one of the PF's VFs, or the PF was removed
 *   -ETIMEDOUT  no completion within adminq_timeout_ms (queue recovered)
 *   -EIO        device DMA error, a bogus completion, or an admin queue
 *               that could not be recovered after an earlier failure
 *   -EBUSY      the VF's state or an open session forbids the command
 * plus the command-specific ones documented below.
 *
 * Locking: control functions take the PF's admin queue mutex (aq_lock)
 * for the whole command (it owns the bounce buffer); chunk submission
 * takes it only to queue.  Chunk commands of all VFs stay in flight
 * meanwhile.  Callers must hold no mvf_core lock and must be able to
 * sleep.
 */
#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include "core.h"

/* Run a command that moves no data. */
static int mvf_vf_simple_cmd(struct mvf_pf *pf, u8 opcode, u16 vf_id,
			     u32 arg0)
{
	int ret;

	if (vf_id >= pf->num_vfs)
		return -ENODEV;

	mutex_lock(&pf->aq_lock);
	ret = mvf_aq_exec(pf, opcode, vf_id, arg0, 0, NULL);
	mutex_unlock(&pf->aq_lock);
	return ret;
}

/**
 * mvf_vf_suspend() - quiesce or stop a VF (VF_SUSPEND)
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 * @type: MVF_SUSPEND_P2P (RUNNING -> QUIESCED: no new DMA or interrupts,
 *        doorbells latched) or MVF_SUSPEND_FULL (QUIESCED -> STOPPED)
 *
 * Suspending to the state the VF is already in succeeds.
 *
 * Context: process context, sleeps; takes the PF's admin queue mutex.
 * Return: 0; -EBUSY if the step is not allowed from the VF's state
 * (MVF_AQ_STS_BAD_STATE); -EINVAL for an unknown @type; or a common error
 * (see the top of this file).
 */
int mvf_vf_suspend(struct mvf_pf *pf, u16 vf_id, u32 type)
{
	return mvf_vf_simple_cmd(pf, MVF_AQ_OP_VF_SUSPEND, vf_id, type);
}
EXPORT_SYMBOL_GPL(mvf_vf_suspend);

/**
 * mvf_vf_resume() - restart a VF one step (VF_RESUME)
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 * @type: MVF_SUSPEND_FULL (STOPPED -> QUIESCED) or MVF_SUSPEND_P2P
 *        (QUIESCED -> RUNNING; latched doorbells then run)
 *
 * Context: process context, sleeps; takes the PF's admin queue mutex.
 * Return: 0; -EBUSY if the step is not allowed from the VF's state;
 * -EINVAL for an unknown @type; or a common error.
 */
int mvf_vf_resume(struct mvf_pf *pf, u16 vf_id, u32 type)
{
	return mvf_vf_simple_cmd(pf, MVF_AQ_OP_VF_RESUME, vf_id, type);
}
EXPORT_SYMBOL_GPL(mvf_vf_resume);

/**
 * mvf_vf_query_size() - read a VF's migration state sizes (VF_QUERY_SIZE)
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 * @sizes: receives, in bytes and CPU order, what an immediate STOP_COPY
 *         save would stream and, inside a PRECOPY session, the initial
 *         and dirty bytes not yet streamed and the initial-data
 *         generation (0 otherwise); written only on success
 *
 * Context: process context, sleeps; takes the PF's admin queue mutex.
 * Return: 0 or a common error.
 */
int mvf_vf_query_size(struct mvf_pf *pf, u16 vf_id,
		      struct mvf_vf_sizes *sizes)
{
	struct mvf_state_size st;
	int ret;

	if (vf_id >= pf->num_vfs)
		return -ENODEV;

	mutex_lock(&pf->aq_lock);
	ret = mvf_aq_exec(pf, MVF_AQ_OP_VF_QUERY_SIZE, vf_id, 0, sizeof(st),
			  NULL);
	if (!ret)
		memcpy(&st, pf->bounce, sizeof(st));
	mutex_unlock(&pf->aq_lock);
	if (ret)
		return ret;

	sizes->stop_copy_bytes = le64_to_cpu(st.stop_copy_bytes);
	sizes->initial_bytes = le64_to_cpu(st.initial_bytes);
	sizes->dirty_bytes = le64_to_cpu(st.dirty_bytes);
	sizes->initial_gen = le32_to_cpu(st.initial_gen);
	return 0;
}
EXPORT_SYMBOL_GPL(mvf_vf_query_size);

/**
 * mvf_vf_save_start() - open a save session on a VF (SAVE_START)
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 * @mode: MVF_SAVE_MODE_STOP_COPY (VF must be STOPPED) or
 *        MVF_SAVE_MODE_PRECOPY (any state)
 *
 * Context: process context, sleeps; takes the PF's admin queue mutex.
 * Return: 0; -EBUSY if a session is already open or STOP_COPY is asked
 * of a VF that is not STOPPED; -EINVAL for an unknown @mode; or a common
 * error.
 */
int mvf_vf_save_start(struct mvf_pf *pf, u16 vf_id, u32 mode)
{
	return mvf_vf_simple_cmd(pf, MVF_AQ_OP_SAVE_START, vf_id, mode);
}
EXPORT_SYMBOL_GPL(mvf_vf_save_start);

/* Queue a SAVE_CHUNK or LOAD_CHUNK of @len bytes at @buf. */
static int mvf_vf_chunk_submit(struct mvf_pf *pf, u8 opcode, u16 vf_id,
			       const struct mvf_dma_buf *buf, size_t len,
			       struct mvf_vf_cmd *cmd)
{
	int ret;

	if (!len || len > pf->max_chunk || len > buf->size)
		return -EINVAL;
	if (vf_id >= pf->num_vfs)
		return -ENODEV;
	if (WARN_ON_ONCE(cmd->busy))
		return -EBUSY;

	if (mutex_lock_killable(&pf->aq_lock))
		return -EINTR;
	ret = mvf_aq_post(pf, cmd, opcode, vf_id, 0, 0, 0, buf->dma, len);
	mutex_unlock(&pf->aq_lock);
	return ret;
}

/**
 * mvf_vf_save_chunk_submit() - queue a SAVE_CHUNK into a DMA buffer
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 * @buf: a buffer from mvf_pf_dma_alloc() on @pf; the device writes the
 *       next image bytes straight into it
 * @len: bytes the device may write, 1..min(@buf->size, mvf_pf_max_chunk())
 * @cmd: the command's state, not busy; busy on success until
 *       mvf_vf_cmd_wait() collects it (then result0 is the bytes written,
 *       result1 the MVF_SAVE_F_* flags: MVF_SAVE_F_END once the trailer
 *       has been returned, MVF_SAVE_F_EMPTY if a PRECOPY session has no
 *       data for now)
 *
 * Context: process context, sleeps; takes the PF's admin queue mutex
 * (killable) only to submit.
 * Return: 0 once queued; -EINVAL for a bad @len; -EINTR on a fatal signal
 * (nothing queued); -ENODEV; -EIO if the admin queue is dead.
 */
int mvf_vf_save_chunk_submit(struct mvf_pf *pf, u16 vf_id,
			     const struct mvf_dma_buf *buf, size_t len,
			     struct mvf_vf_cmd *cmd)
{
	return mvf_vf_chunk_submit(pf, MVF_AQ_OP_SAVE_CHUNK, vf_id, buf, len,
				   cmd);
}
EXPORT_SYMBOL_GPL(mvf_vf_save_chunk_submit);

/**
 * mvf_vf_cmd_wait() - collect a command queued by mvf_vf_*_chunk_submit()
 * @pf: the PF the command was queued on
 * @cmd: the command, busy
 * @killable: give up waiting (-EINTR) on a fatal signal; the command then
 *            stays busy and must be waited for again, non-killable, before
 *            its buffer is freed or @cmd reused
 *
 * Context: process context, sleeps; takes no lock unless the command
 * times out (then the admin queue mutex, to recover the queue).
 * Return: 0, with @cmd->result0/result1 valid; -EIO also if a SAVE_CHUNK
 * claims to have written more than it was given; -EINVAL if the device
 * found LOAD_CHUNK bytes invalid; -EOPNOTSUPP for an image of another
 * version or configuration; -ENOENT if no session is open; -ENOMEM if
 * the device cannot stage more; -EINTR (only if @killable); or a common
 * error.  On every return but -EINTR the device is done with the buffer.
 */
int mvf_vf_cmd_wait(struct mvf_pf *pf, struct mvf_vf_cmd *cmd, bool killable)
{
	int ret = mvf_aq_cmd_wait(pf, cmd, killable, false);

	if (!ret && cmd->opcode == MVF_AQ_OP_SAVE_CHUNK &&
	    cmd->result0 > cmd->buf_len) {
		dev_err(&pf->pdev->dev,
			"VF %u: SAVE_CHUNK wrote %u bytes into %u\n",
			cmd->vf_id, cmd->result0, cmd->buf_len);
		ret = -EIO;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(mvf_vf_cmd_wait);

/**
 * mvf_pf_dma_alloc() - allocate a DMA buffer for SAVE/LOAD chunks
 * @pf: the PF, referenced through mvf_pf_get_by_vf()
 * @buf: receives the buffer
 * @size: bytes, > 0
 *
 * Coherent memory of the PF (the device that does the DMA), GFP_KERNEL.
 * The buffer holds a reference on @pf until mvf_pf_dma_free(), so it may
 * be freed after the PF was removed.
 *
 * Context: process context, sleeps.
 * Return: 0; -ENOMEM; -ENODEV if the PF was removed.
 */
int mvf_pf_dma_alloc(struct mvf_pf *pf, struct mvf_dma_buf *buf, size_t size)
{
	if (!size)
		return -EINVAL;
	if (READ_ONCE(pf->detached))
		return -ENODEV;
	buf->va = dma_alloc_coherent(&pf->pdev->dev, size, &buf->dma,
				     GFP_KERNEL);
	if (!buf->va)
		return -ENOMEM;
	buf->size = size;
	kref_get(&pf->kref);
	return 0;
}
EXPORT_SYMBOL_GPL(mvf_pf_dma_alloc);

/**
 * mvf_pf_dma_free() - free a buffer from mvf_pf_dma_alloc()
 * @pf: the PF it was allocated on
 * @buf: the buffer, or one never allocated (@va NULL: no-op); no command
 *       using it may be busy
 *
 * If the device once failed to stop when told to (its DMA may still be
 * live) the memory is leaked instead, with an error message.  Drops the
 * buffer's reference on @pf (which may free it).
 *
 * Context: process context, sleeps.
 */
void mvf_pf_dma_free(struct mvf_pf *pf, struct mvf_dma_buf *buf)
{
	if (!buf->va)
		return;
	if (READ_ONCE(pf->dma_live))
		dev_err(&pf->pdev->dev,
			"device did not stop, leaking a %zu byte migration buffer\n",
			buf->size);
	else
		dma_free_coherent(&pf->pdev->dev, buf->size, buf->va,
				  buf->dma);
	buf->va = NULL;
	mvf_pf_put(pf);
}
EXPORT_SYMBOL_GPL(mvf_pf_dma_free);

/**
 * mvf_vf_save_end() - close a VF's save session (SAVE_END)
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 *
 * May be called before the stream is complete to abandon it.
 *
 * Context: process context, sleeps; takes the PF's admin queue mutex.
 * Return: 0; -ENOENT if no save session is open; or a common error.
 */
int mvf_vf_save_end(struct mvf_pf *pf, u16 vf_id)
{
	return mvf_vf_simple_cmd(pf, MVF_AQ_OP_SAVE_END, vf_id, 0);
}
EXPORT_SYMBOL_GPL(mvf_vf_save_end);

/**
 * mvf_vf_load_start() - open a load session on a VF (LOAD_START)
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 *
 * Context: process context, sleeps; takes the PF's admin queue mutex.
 * Return: 0; -EBUSY if a session is already open or the VF's state
 * forbids loading; or a common error.
 */
int mvf_vf_load_start(struct mvf_pf *pf, u16 vf_id)
{
	return mvf_vf_simple_cmd(pf, MVF_AQ_OP_LOAD_START, vf_id, 0);
}
EXPORT_SYMBOL_GPL(mvf_vf_load_start);

/**
 * mvf_vf_load_chunk_submit() - queue a LOAD_CHUNK from a DMA buffer
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 * @buf: a buffer from mvf_pf_dma_alloc() on @pf holding the bytes; it
 *       must not change until the command is collected
 * @len: bytes at @buf, 1..min(@buf->size, mvf_pf_max_chunk()); all are
 *       consumed on success
 * @cmd: the command's state, not busy; busy on success until
 *       mvf_vf_cmd_wait() collects it
 *
 * The device stages what it loads; nothing reaches the VF before
 * mvf_vf_load_end() validates the whole image.
 *
 * Context: process context, sleeps; takes the PF's admin queue mutex
 * (killable) only to submit.
 * Return: as mvf_vf_save_chunk_submit().
 */
int mvf_vf_load_chunk_submit(struct mvf_pf *pf, u16 vf_id,
			     const struct mvf_dma_buf *buf, size_t len,
			     struct mvf_vf_cmd *cmd)
{
	return mvf_vf_chunk_submit(pf, MVF_AQ_OP_LOAD_CHUNK, vf_id, buf, len,
				   cmd);
}
EXPORT_SYMBOL_GPL(mvf_vf_load_chunk_submit);

/**
 * mvf_vf_load_end() - validate and commit a VF's loaded image (LOAD_END)
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 *
 * The session is closed whatever the outcome; on error the VF is left as
 * it was before LOAD_START.
 *
 * Context: process context, sleeps; takes the PF's admin queue mutex.
 * Return: 0 if the image was complete and valid and is now the VF's
 * state; -EINVAL if it was truncated or otherwise invalid; -EOPNOTSUPP if
 * its version or device configuration is not supported; -ENOENT if no
 * load session is open; or a common error.
 */
int mvf_vf_load_end(struct mvf_pf *pf, u16 vf_id)
{
	return mvf_vf_simple_cmd(pf, MVF_AQ_OP_LOAD_END, vf_id, 0);
}
EXPORT_SYMBOL_GPL(mvf_vf_load_end);

/**
 * mvf_vf_load_abort() - drop a VF's load session (LOAD_ABORT)
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 *
 * Discards what was staged; the VF keeps its state from before
 * LOAD_START.
 *
 * Context: process context, sleeps; takes the PF's admin queue mutex.
 * Return: 0; -ENOENT if no load session is open; or a common error.
 */
int mvf_vf_load_abort(struct mvf_pf *pf, u16 vf_id)
{
	return mvf_vf_simple_cmd(pf, MVF_AQ_OP_LOAD_ABORT, vf_id, 0);
}
EXPORT_SYMBOL_GPL(mvf_vf_load_abort);

/**
 * mvf_pf_dirty_caps() - the VF dirty tracker limits of a PF
 * @pf: the PF, referenced through mvf_pf_get_by_vf()
 * @caps: receives the limits IDENTIFY reported, as kept by the core
 *        (struct mvf_dirty_caps); max_ranges 0 if there is no tracker
 *
 * The limits are fixed when the PF is probed and are the same for every
 * VF of the PF.
 *
 * Context: any.
 */
void mvf_pf_dirty_caps(struct mvf_pf *pf, struct mvf_dirty_caps *caps)
{
	*caps = pf->dirty;
}
EXPORT_SYMBOL_GPL(mvf_pf_dirty_caps);

/* -EOPNOTSUPP without a tracker, -EINVAL for a page size it lacks. */
static int mvf_vf_dirty_check(struct mvf_pf *pf, u16 vf_id,
			      unsigned int page_shift)
{
	if (vf_id >= pf->num_vfs)
		return -ENODEV;
	if (!pf->dirty.max_ranges)
		return -EOPNOTSUPP;
	if (page_shift >= 32 || !(pf->dirty.pgsizes & BIT(page_shift)))
		return -EINVAL;
	return 0;
}

/**
 * mvf_vf_dirty_start() - start DMA dirty tracking on a VF (DIRTY_START)
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 * @page_shift: tracking page size, log2 of bytes; a size in
 *              mvf_pf_dirty_caps()'s pgsizes
 * @ranges: @nr IOVA ranges to track, sorted by IOVA, not overlapping,
 *          each non-empty and aligned (start and length) to the tracking
 *          page size; copied, so the caller keeps ownership
 * @nr: number of @ranges, 1 .. mvf_pf_dirty_caps()'s max_ranges
 *
 * From success on, the device logs every DMA write of the VF into the
 * ranges (one bit per tracking page) until mvf_vf_dirty_stop().  A write
 * outside them makes the tracker fail (MVF_EVENT_TRACKER_ERROR, then
 * mvf_vf_dirty_report() returns -EIO).
 *
 * Context: process context, sleeps; takes the PF's admin queue mutex.
 * Return: 0; -EOPNOTSUPP if the PF has no dirty tracker; -EINVAL for a
 * page size the device lacks, @nr out of bounds or a bad range list;
 * -EBUSY if the VF's tracker is already on; -ENOMEM if the device cannot
 * hold the ranges; or a common error.
 */
int mvf_vf_dirty_start(struct mvf_pf *pf, u16 vf_id, unsigned int page_shift,
		       const struct mvf_vf_dirty_range *ranges,
		       unsigned int nr)
{
	struct mvf_dirty_range *dr;
	u64 mask, next = 0, end;
	unsigned int i;
	int ret;

	ret = mvf_vf_dirty_check(pf, vf_id, page_shift);
	if (ret)
		return ret;
	if (!nr || nr > pf->dirty.max_ranges)
		return -EINVAL;
	static_assert(MVF_DIRTY_MAX_RANGES_CORE * sizeof(*dr) <=
		      MVF_BOUNCE_SIZE);

	mask = BIT_ULL(page_shift) - 1;
	for (i = 0; i < nr; i++) {
		if (!ranges[i].length || (ranges[i].iova & mask) ||
		    (ranges[i].length & mask) ||
		    check_add_overflow(ranges[i].iova, ranges[i].length, &end) ||
		    (i && ranges[i].iova < next))
			return -EINVAL;
		next = end;
	}

	mutex_lock(&pf->aq_lock);
	/* The bounce buffer is gone once detached: check before copying. */
	if (pf->detached) {
		ret = -ENODEV;
	} else {
		dr = pf->bounce;
		for (i = 0; i < nr; i++) {
			dr[i].iova = cpu_to_le64(ranges[i].iova);
			dr[i].length = cpu_to_le64(ranges[i].length);
		}
		ret = mvf_aq_exec(pf, MVF_AQ_OP_DIRTY_START, vf_id, page_shift,
				  nr * sizeof(*dr), NULL);
	}
	mutex_unlock(&pf->aq_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mvf_vf_dirty_start);

/**
 * mvf_vf_dirty_report() - read and clear a VF's dirty pages (DIRTY_REPORT)
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 * @page_shift: the tracking page size given to mvf_vf_dirty_start()
 * @iova: first byte of the range, aligned to the tracking page size
 * @length: bytes, a non-zero multiple of the tracking page size; the
 *          range must lie inside the tracked ranges
 * @bitmap: kernel buffer (not __user) of BITS_TO_LONGS(@length >>
 *          @page_shift) longs; bit i (bitmap.h order) is set iff the page
 *          at @iova + (i << @page_shift) was written since it was last
 *          reported; every bit is written, bits past the last page of the
 *          last long are cleared
 * @ndirty: if not NULL, receives the number of dirty pages reported
 *
 * The device clears what it reports.  A bitmap larger than the core's
 * bounce buffer (256 KiB, or IDENTIFY's max_chunk if smaller) is fetched
 * with one DIRTY_REPORT per bounce buffer (rounded down to whole 64-page
 * words), each
 * under the admin queue mutex on its own; on error the pieces already
 * fetched were cleared on the device, so the caller must treat the whole
 * range as dirty (the vfio uAPI's rule).
 *
 * Context: process context, sleeps; takes the PF's admin queue mutex.
 * Return: 0; -EOPNOTSUPP if the PF has no dirty tracker; -EINVAL for a bad
 * page size or range (unaligned, empty, overflowing, outside the tracked
 * ranges); -ENOENT if tracking is off; -EIO if the tracker failed
 * (MVF_AQ_STS_TRACKER_ERR), or the device reported more pages than the
 * range has or a count that disagrees with its bitmap; or a common error.
 */
int mvf_vf_dirty_report(struct mvf_pf *pf, u16 vf_id,
			unsigned int page_shift, u64 iova, u64 length,
			unsigned long *bitmap, u64 *ndirty)
{
	u64 mask, npages, done, n, end, total = 0;
	struct mvf_aq_result res;
	unsigned int words, i;
	u64 per_cmd;
	u64 *w;
	int ret;

	ret = mvf_vf_dirty_check(pf, vf_id, page_shift);
	if (ret)
		return ret;
	mask = BIT_ULL(page_shift) - 1;
	if (!length || (iova & mask) || (length & mask) ||
	    check_add_overflow(iova, length, &end))
		return -EINVAL;

	npages = length >> page_shift;
	/* Whole u64 words per command, so each piece starts on a long. */
	per_cmd = (u64)(pf->bounce_chunk / sizeof(u64)) * BITS_PER_TYPE(u64);
	if (!per_cmd)
		return -EIO;

	for (done = 0; done < npages; done += n) {
		n = min(npages - done, per_cmd);
		words = DIV_ROUND_UP(n, BITS_PER_TYPE(u64));

		mutex_lock(&pf->aq_lock);
		ret = mvf_aq_exec_args(pf, MVF_AQ_OP_DIRTY_REPORT, vf_id,
				       page_shift, iova + (done << page_shift),
				       n << page_shift, words * sizeof(u64),
				       &res);
		if (!ret) {
			w = pf->bounce;
			for (i = 0; i < words; i++)
				le64_to_cpus(&w[i]);
			bitmap_from_arr64(bitmap + BIT_WORD(done), w, n);
		}
		mutex_unlock(&pf->aq_lock);
		if (ret)
			return ret;

		if (res.result0 > n ||
		    res.result0 != bitmap_weight(bitmap + BIT_WORD(done), n)) {
			dev_err_ratelimited(&pf->pdev->dev,
					    "VF %u: DIRTY_REPORT of %llu pages counted %u dirty, bitmap has %u\n",
					    vf_id, n, res.result0,
					    bitmap_weight(bitmap + BIT_WORD(done),
							  n));
			return -EIO;
		}
		total += res.result0;
	}
	if (ndirty)
		*ndirty = total;
	return 0;
}
EXPORT_SYMBOL_GPL(mvf_vf_dirty_report);

/**
 * mvf_vf_dirty_stop() - stop DMA dirty tracking on a VF (DIRTY_STOP)
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 *
 * Frees the device's tracker, failed or not.
 *
 * Context: process context, sleeps; takes the PF's admin queue mutex.
 * Return: 0; -EOPNOTSUPP if the PF has no dirty tracker; -ENOENT if
 * tracking was off; or a common error.
 */
int mvf_vf_dirty_stop(struct mvf_pf *pf, u16 vf_id)
{
	if (vf_id < pf->num_vfs && !pf->dirty.max_ranges)
		return -EOPNOTSUPP;
	return mvf_vf_simple_cmd(pf, MVF_AQ_OP_DIRTY_STOP, vf_id, 0);
}
EXPORT_SYMBOL_GPL(mvf_vf_dirty_stop);
