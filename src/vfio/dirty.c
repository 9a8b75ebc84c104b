// SPDX-License-Identifier: GPL-2.0
/*
 * mvf_vfio_pci: device DMA dirty tracking (struct vfio_log_ops).
 *
 * The vfio core implements VFIO_DEVICE_FEATURE_DMA_LOGGING_START, _STOP
 * and _REPORT and calls the ops below; it keeps no logging state of its
 * own, so every op checks the state itself.  The VF's tracker lives on the
 * device and is driven through the PF's admin queue (DIRTY_START, _REPORT,
 * _STOP; mvf_core.h).
 *
 * log_start:  the ranges the core validated (aligned to the user's page
 *             size, not overlapping) are combined with
 *             vfio_combine_iova_ranges() when there are more than the
 *             device takes, the tracking page size is the supported size
 *             nearest to the user's hint (written back), and the ranges
 *             are rounded out to it and merged where they then touch.
 * log_read_and_clear:  one DIRTY_REPORT per tracked range and bitmap
 *             chunk into a kernel bitmap, then iova_bitmap_set() on each
 *             run of set bits, clipped to the requested range; the
 *             iova_bitmap converts from the tracking page size to the
 *             report page size (replicating or merging bits).
 * log_stop:   DIRTY_STOP.
 *
 * Locking: the ops take state_mutex (released through
 * mvf_vfio_state_mutex_unlock(), so a deferred reset runs) around each
 * admin command and the tracker state it reads or changes; the user's
 * bitmap (iova_bitmap_set(), which may pin user pages and so take
 * mmap_lock) is written with no driver lock held, from a private kernel
 * copy of the device's bitmap.  The tracker failure flag is also written
 * by the PF's event callback and therefore lives under event_lock.
 */

#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/interval_tree.h>
#include <linux/iova_bitmap.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "mvf_core.h"
#include "mvf_vfio_test.h"
#include "compat.h"
#include "vfio_dev.h"

/*
 * A vfio core built without CONFIG_IOMMUFD_DRIVER (Debian's 6.12 and 7.2)
 * has only the iova_bitmap stubs, so its DMA_LOGGING_REPORT always fails
 * with -EOPNOTSUPP before reaching the driver.  DMA logging is then not
 * offered (PROBE answers -ENOTTY), unless this test knob asks for START
 * and STOP anyway, and the MVF_VFIO_TEST_DIRTY_REPORT ioctl
 * (mvf_vfio_test.h) runs the driver's REPORT code into a plain bitmap.
 */
static bool dirty_without_report;
module_param(dirty_without_report, bool, 0644);
MODULE_PARM_DESC(dirty_without_report,
		 "Testing only: offer DMA logging (START/STOP) even if this kernel's vfio core cannot REPORT (no CONFIG_IOMMUFD_DRIVER); read at each open of a VF");

static void mvf_vfio_dirty_free(struct mvf_vfio_pci_device *mvdev)
{
	kvfree(mvdev->dirty.ranges);
	mvdev->dirty.ranges = NULL;
	mvdev->dirty.nr_ranges = 0;
}

/* Tracking on or off, as the event callback sees it. */
static void mvf_vfio_dirty_set_active(struct mvf_vfio_pci_device *mvdev,
				      bool active)
{
	spin_lock(&mvdev->event_lock);
	mvdev->dirty.active = active;
	mvdev->dirty.failed = 0;
	spin_unlock(&mvdev->event_lock);
}

/*
 * Stop the device's tracker, if on.  -ENOENT (the device dropped the
 * tracker already, e.g. in a PF queue reset) counts as success.
 */
static int mvf_vfio_dirty_stop_locked(struct mvf_vfio_pci_device *mvdev)
{
	int ret;

	lockdep_assert_held(&mvdev->state_mutex);

	if (!mvdev->dirty.active)
		return 0;

	mvf_vfio_dirty_set_active(mvdev, false);
	mvdev->dirty.gen++;
	mvf_vfio_dirty_free(mvdev);
	ret = mvf_vf_dirty_stop(mvdev->pf, mvdev->vf_id);
	if (ret == -ENOENT)
		ret = 0;
	if (ret)
		dev_warn_ratelimited(mvf_vfio_dev(mvdev),
				     "DIRTY_STOP failed: %pe\n", ERR_PTR(ret));
	return ret;
}

/**
 * mvf_vfio_dirty_close_locked - end dirty tracking (vfio_device_ops.close_device)
 * @mvdev: the VF; state_mutex held
 *
 * Stops the device's tracker if the user left it on, so that the next
 * open starts without tracking.  A reset of an open device (FLR,
 * VFIO_DEVICE_RESET) does not come here: the tracker logs IOVA space, not
 * VF state, and keeps running on the device, as mlx5 and pds keep theirs,
 * so a guest reboot during a migration does not lose the log.
 *
 * Context: process context, sleeps (DIRTY_STOP); caller holds
 * @mvdev->state_mutex.
 */
void mvf_vfio_dirty_close_locked(struct mvf_vfio_pci_device *mvdev)
{
	mvf_vfio_dirty_stop_locked(mvdev);
}

/* Nearest supported page shift to @want: log2 distance, ties go smaller. */
static unsigned int mvf_vfio_dirty_pick_shift(u32 pgsizes, unsigned int want)
{
	unsigned long sizes = pgsizes;
	unsigned int s, d, best = 0, best_d = UINT_MAX;

	for_each_set_bit(s, &sizes, 32) {
		d = s > want ? s - want : want - s;
		if (d < best_d) {
			best = s;
			best_d = d;
		}
	}
	return best;
}

/*
 * Turn the interval tree into the device's range list: each range rounded
 * out to the tracking page, ranges that then touch or overlap merged.
 * Returns the number of ranges written to @out (at most @nnodes).
 */
static int mvf_vfio_dirty_ranges(struct rb_root_cached *root, u32 nnodes,
				 unsigned int shift,
				 struct mvf_vf_dirty_range *out)
{
	struct interval_tree_node *node;
	u64 mask = BIT_ULL(shift) - 1;
	u64 start, end;
	int n = 0;

	for (node = interval_tree_iter_first(root, 0, ULONG_MAX); node;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		if (WARN_ON_ONCE(n >= nnodes))
			return -EINVAL;
		start = node->start & ~mask;
		/* last < ULONG_MAX was checked by the caller */
		end = (u64)node->last + 1;
		if (end & mask && check_add_overflow(end | mask, 1ULL, &end))
			return -EOVERFLOW;
		if (n && start <= out[n - 1].iova + out[n - 1].length) {
			out[n - 1].length = max(end, out[n - 1].iova +
						out[n - 1].length) -
					    out[n - 1].iova;
			continue;
		}
		out[n].iova = start;
		out[n].length = end - start;
		n++;
	}
	return n;
}

static int mvf_vfio_log_start(struct vfio_device *vdev,
			      struct rb_root_cached *ranges, u32 nnodes,
			      u64 *page_size)
{
	struct mvf_vfio_pci_device *mvdev = mvf_vfio_from_vdev(vdev);
	struct mvf_vf_dirty_range *dr;
	struct interval_tree_node *node;
	u32 max = mvdev->dirty_caps.max_ranges;
	unsigned int shift;
	int nr, ret;

	/* The core checks alignment to page_size, not that it is one. */
	if (!*page_size || !is_power_of_2(*page_size) || !nnodes)
		return -EINVAL;
	/* An empty range reaches us as last = start - 1. */
	for (node = interval_tree_iter_first(ranges, 0, ULONG_MAX); node;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX))
		if (node->last < node->start || node->last == ULONG_MAX)
			return -EINVAL;

	dr = kvcalloc(min(nnodes, max), sizeof(*dr), GFP_KERNEL_ACCOUNT);
	if (!dr)
		return -ENOMEM;

	mutex_lock(&mvdev->state_mutex);
	if (mvdev->dirty.active) {
		/* mlx5 and pds answer a second START the same way */
		ret = -EINVAL;
		goto out_unlock;
	}

	if (nnodes > max) {
		vfio_combine_iova_ranges(ranges, nnodes, max);
		nnodes = max;
	}
	shift = mvf_vfio_dirty_pick_shift(mvdev->dirty_caps.pgsizes,
					  ilog2(*page_size));
	nr = mvf_vfio_dirty_ranges(ranges, nnodes, shift, dr);
	if (nr < 0) {
		ret = nr;
		goto out_unlock;
	}

	ret = mvf_vf_dirty_start(mvdev->pf, mvdev->vf_id, shift, dr, nr);
	if (ret) {
		dev_dbg(mvf_vfio_dev(mvdev), "DIRTY_START of %d ranges: %pe\n",
			nr, ERR_PTR(ret));
		goto out_unlock;
	}

	mvdev->dirty.ranges = dr;
	mvdev->dirty.nr_ranges = nr;
	mvdev->dirty.shift = shift;
	mvdev->dirty.gen++;
	mvf_vfio_dirty_set_active(mvdev, true);
	*page_size = BIT_ULL(shift);
	dr = NULL;
out_unlock:
	mvf_vfio_state_mutex_unlock(mvdev);
	kvfree(dr);
	return ret;
}

static int mvf_vfio_log_stop(struct vfio_device *vdev)
{
	struct mvf_vfio_pci_device *mvdev = mvf_vfio_from_vdev(vdev);
	int ret;

	mutex_lock(&mvdev->state_mutex);
	ret = mvf_vfio_dirty_stop_locked(mvdev);
	mvf_vfio_state_mutex_unlock(mvdev);
	return ret;
}

/*
 * The first tracked range that ends after @iova (it holds @iova or lies
 * above it), or NULL; ranges are sorted.
 */
static const struct mvf_vf_dirty_range *
mvf_vfio_dirty_next(struct mvf_vfio_pci_device *mvdev, u64 iova)
{
	const struct mvf_vf_dirty_range *r;
	unsigned int i;

	for (i = 0; i < mvdev->dirty.nr_ranges; i++) {
		r = &mvdev->dirty.ranges[i];
		if (iova < r->iova || iova - r->iova < r->length)
			return r;
	}
	return NULL;
}

/*
 * Under state_mutex: is the tracking session @gen still usable?  Logs and
 * returns the errno a REPORT gets otherwise.
 */
static int mvf_vfio_dirty_check_locked(struct mvf_vfio_pci_device *mvdev,
				       u32 gen)
{
	u32 failed;

	if (!mvdev->dirty.active || mvdev->dirty.gen != gen)
		return -EINVAL;
	spin_lock(&mvdev->event_lock);
	failed = mvdev->dirty.failed;
	spin_unlock(&mvdev->event_lock);
	if (failed) {
		dev_warn_ratelimited(mvf_vfio_dev(mvdev),
				     "DMA_LOGGING_REPORT: dirty tracker failed (%s), stop and restart tracking\n",
				     mvf_vfio_dirty_err_name(failed));
		return -EIO;
	}
	return 0;
}

/* Where REPORT puts a dirty run [@iova, @iova + @len): see below. */
typedef void (*mvf_vfio_dirty_sink_fn)(void *ctx, u64 iova, u64 len);

/*
 * Read and clear [@iova, @iova + @length) of the log; hand each dirty run,
 * clipped to the range, to @sink with no driver lock held.
 */
static int mvf_vfio_dirty_read(struct mvf_vfio_pci_device *mvdev,
			       unsigned long iova, unsigned long length,
			       mvf_vfio_dirty_sink_fn sink, void *ctx)
{
	const struct mvf_vf_dirty_range *r;
	unsigned long *bmp = NULL;
	u64 start, end, cur, piece_end, mask, req_end, s, e;
	unsigned long rs, re, npages, max_pages;
	unsigned int shift;
	u32 gen;
	int ret;

	if (!length || check_add_overflow((u64)iova, (u64)length, &req_end))
		return -EINVAL;

	mutex_lock(&mvdev->state_mutex);
	gen = mvdev->dirty.gen;
	ret = mvf_vfio_dirty_check_locked(mvdev, gen);
	if (ret)
		goto out_unlock;
	shift = mvdev->dirty.shift;
	mask = BIT_ULL(shift) - 1;
	/* Whole tracking pages: the device reports and clears no less. */
	start = iova & ~mask;
	end = req_end;
	if (end & mask && check_add_overflow(end | mask, 1ULL, &end)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	mvf_vfio_state_mutex_unlock(mvdev);

	/* One admin command's worth of bitmap at most (bounce: 256 KiB). */
	max_pages = rounddown(min_t(size_t, mvf_pf_max_chunk(mvdev->pf),
				    SZ_256K) * BITS_PER_BYTE,
			      BITS_PER_TYPE(u64));
	npages = min_t(u64, (end - start) >> shift, max_pages);
	bmp = bitmap_zalloc(npages, GFP_KERNEL_ACCOUNT);
	if (!bmp)
		return -ENOMEM;

	for (cur = start; cur < end; cur = piece_end) {
		mutex_lock(&mvdev->state_mutex);
		ret = mvf_vfio_dirty_check_locked(mvdev, gen);
		if (ret)
			goto out_unlock;
		/*
		 * Pages outside every tracked range are clean: the device
		 * fails its tracker (-EIO above) if it ever writes there.
		 * QEMU asks for such pages, e.g. a sub-page BAR section just
		 * above the 32-bit range it started tracking.
		 */
		r = mvf_vfio_dirty_next(mvdev, cur);
		if (!r || r->iova >= end) {
			mvf_vfio_state_mutex_unlock(mvdev);
			break;
		}
		cur = max(cur, r->iova);
		piece_end = min3(end, r->iova + r->length,
				 cur + ((u64)max_pages << shift));
		npages = (piece_end - cur) >> shift;
		ret = mvf_vf_dirty_report(mvdev->pf, mvdev->vf_id, shift, cur,
					  piece_end - cur, bmp, NULL);
		if (ret == -EIO) {
			/* TRACKER_ERR, or the device broke the protocol */
			spin_lock(&mvdev->event_lock);
			if (!mvdev->dirty.failed)
				mvdev->dirty.failed = MVF_VFIO_DIRTY_ERR_REPORT;
			spin_unlock(&mvdev->event_lock);
			dev_warn_ratelimited(mvf_vfio_dev(mvdev),
					     "DIRTY_REPORT: dirty tracker failed: %pe\n",
					     ERR_PTR(ret));
		}
		mvf_vfio_state_mutex_unlock(mvdev);
		if (ret)
			goto out_free;

		/* Only set bits; never outside [iova, iova + length). */
		for_each_set_bitrange(rs, re, bmp, npages) {
			s = max(cur + ((u64)rs << shift), (u64)iova);
			e = min(cur + ((u64)re << shift), req_end);
			if (s < e)
				sink(ctx, s, e - s);
		}
	}
	ret = 0;
	goto out_free;

out_unlock:
	mvf_vfio_state_mutex_unlock(mvdev);
out_free:
	bitmap_free(bmp);
	return ret;
}

static void mvf_vfio_dirty_sink_iova_bitmap(void *ctx, u64 iova, u64 len)
{
	iova_bitmap_set(ctx, iova, len);
}

static int mvf_vfio_log_read_and_clear(struct vfio_device *vdev,
				       unsigned long iova,
				       unsigned long length,
				       struct iova_bitmap *dirty)
{
	return mvf_vfio_dirty_read(mvf_vfio_from_vdev(vdev), iova, length,
				   mvf_vfio_dirty_sink_iova_bitmap, dirty);
}

static const struct vfio_log_ops mvf_vfio_log_ops = {
	.log_start = mvf_vfio_log_start,
	.log_stop = mvf_vfio_log_stop,
	.log_read_and_clear = mvf_vfio_log_read_and_clear,
};

/**
 * mvf_vfio_dirty_err_name - printable reason of a tracker failure
 * @failed: MVF_DIRTY_ERR_* of MVF_EVENT_TRACKER_ERROR, or
 *          MVF_VFIO_DIRTY_ERR_REPORT
 *
 * Context: any.
 * Return: a static string.
 */
const char *mvf_vfio_dirty_err_name(u32 failed)
{
	switch (failed) {
	case MVF_DIRTY_ERR_RANGE:
		return "DMA write outside the tracked ranges";
	case MVF_DIRTY_ERR_NOMEM:
		return "device tracker out of memory";
	case MVF_VFIO_DIRTY_ERR_REPORT:
		return "DIRTY_REPORT failed";
	case MVF_VFIO_DIRTY_ERR_PF_RESET:
		return "PF queue reset dropped the tracker";
	default:
		return "unknown reason";
	}
}

/* The test REPORT's bitmap: bit i is [@iova + (i << @shift), ...). */
struct mvf_vfio_test_bitmap {
	unsigned long *bits;
	u64 iova;
	unsigned int shift;
};

static void mvf_vfio_dirty_sink_test(void *ctx, u64 iova, u64 len)
{
	struct mvf_vfio_test_bitmap *tb = ctx;
	u64 first = (iova - tb->iova) >> tb->shift;
	u64 last = (iova + len - 1 - tb->iova) >> tb->shift;

	bitmap_set(tb->bits, first, last - first + 1);
}

/**
 * mvf_vfio_dirty_test_ioctl - MVF_VFIO_TEST_DIRTY_REPORT (mvf_vfio_test.h)
 * @mvdev: the VF, open
 * @uarg: user pointer to a struct vfio_device_feature_dma_logging_report
 *
 * The driver's REPORT code with a kernel bitmap instead of the core's
 * iova_bitmap, copied to the user's bitmap whole at the end (no driver
 * lock held).  Only while DMA logging is offered through the
 * dirty_without_report test parameter, i.e. on a kernel whose core
 * cannot REPORT.
 *
 * Context: process context (the device fd's ioctl), sleeps; takes and
 * releases state_mutex around each admin command, holds no driver lock
 * while it touches user memory.
 * Return: 0; -ENOTTY if not offered; -EFAULT for bad user memory; the
 * core's REPORT checks: -EINVAL for a page size below 4 KiB or not a
 * power of two, -EOVERFLOW for a wrapping range; -E2BIG for more than
 * MVF_VFIO_TEST_REPORT_MAX_BITS bits; -ENOMEM; or a REPORT errno
 * (Documentation/driver.rst).
 */
long mvf_vfio_dirty_test_ioctl(struct mvf_vfio_pci_device *mvdev,
			       void __user *uarg)
{
	struct vfio_device_feature_dma_logging_report rep;
	struct mvf_vfio_test_bitmap tb;
	u64 end, nbits;
	int ret;

	if (!mvdev->dirty_test)
		return -ENOTTY;
	if (copy_from_user(&rep, uarg, sizeof(rep)))
		return -EFAULT;
	if (rep.page_size < SZ_4K || !is_power_of_2(rep.page_size))
		return -EINVAL;
	if (check_add_overflow(rep.iova, rep.length, &end) || end > ULONG_MAX)
		return -EOVERFLOW;
	tb.shift = ilog2(rep.page_size);
	tb.iova = rep.iova;
	nbits = DIV_ROUND_UP_ULL(rep.length, rep.page_size);
	if (nbits > MVF_VFIO_TEST_REPORT_MAX_BITS)
		return -E2BIG;
	tb.bits = bitmap_zalloc(max_t(u64, nbits, 1), GFP_KERNEL_ACCOUNT);
	if (!tb.bits)
		return -ENOMEM;
	ret = mvf_vfio_dirty_read(mvdev, rep.iova, rep.length,
				  mvf_vfio_dirty_sink_test, &tb);
	if (!ret && nbits) {
		bitmap_to_arr64((u64 *)tb.bits, tb.bits, nbits);
		if (copy_to_user(u64_to_user_ptr(rep.bitmap), tb.bits,
				 DIV_ROUND_UP_ULL(nbits, 64) * sizeof(u64)))
			ret = -EFAULT;
	}
	bitmap_free(tb.bits);
	return ret;
}

/**
 * mvf_vfio_dirty_init - set up dirty tracking state (vfio_device_ops.init)
 * @mvdev: the VF; @mvdev->pf set
 *
 * Caches the PF's tracker limits.  Whether log_ops is offered is decided
 * at each open (mvf_vfio_dirty_open()).
 *
 * Context: process context; no lock needed (the device is not yet
 * registered).
 */
void mvf_vfio_dirty_init(struct mvf_vfio_pci_device *mvdev)
{
	mvf_pf_dirty_caps(mvdev->pf, &mvdev->dirty_caps);
}

/**
 * mvf_vfio_dirty_open - offer DMA logging or not (vfio_device_ops.open_device)
 * @mvdev: the VF, being opened: no ioctl can run on it yet
 *
 * log_ops is set only if the device has a tracker (IDENTIFY's
 * dirty_max_ranges > 0) and the vfio core can REPORT
 * (CONFIG_IOMMUFD_DRIVER) or the dirty_without_report parameter is set.
 * Without log_ops the core answers every DMA_LOGGING feature with -ENOTTY.
 *
 * Context: process context, from open_device() (the vfio core holds the
 * device set's lock; no ioctl runs on the device yet).
 */
void mvf_vfio_dirty_open(struct mvf_vfio_pci_device *mvdev)
{
	struct vfio_device *vdev = &mvdev->core_device.vdev;
	bool core = IS_ENABLED(CONFIG_IOMMUFD_DRIVER);
	bool test = !core && READ_ONCE(dirty_without_report);
	bool offer = mvdev->dirty_caps.max_ranges && (core || test);

	vdev->log_ops = offer ? &mvf_vfio_log_ops : NULL;
	mvdev->dirty_test = offer && test;
}

/**
 * mvf_vfio_dirty_event - a tracker failure for this VF
 * @mvdev: the VF
 * @data: the MVF_DIRTY_ERR_* of an MVF_EVENT_TRACKER_ERROR, or
 *        MVF_VFIO_DIRTY_ERR_PF_RESET for a core-generated
 *        MVF_EVENT_VF_RESET (MVF_VF_RESET_DATA_PF: a PF queue reset freed
 *        every tracker)
 *
 * Called from the event callback with event_lock held: marks the tracker
 * failed (the next REPORT fails with -EIO) if tracking is on, and logs it
 * (ratelimited).  An event of a tracker already stopped is dropped.
 *
 * Context: the PF's event callback (process context, may not sleep for
 * long); caller holds @mvdev->event_lock.
 */
void mvf_vfio_dirty_event(struct mvf_vfio_pci_device *mvdev, u32 data)
{
	lockdep_assert_held(&mvdev->event_lock);

	if (!mvdev->dirty.active || mvdev->dirty.failed)
		return;
	mvdev->dirty.failed = data ?: MVF_VFIO_DIRTY_ERR_REPORT;
	dev_warn_ratelimited(mvf_vfio_dev(mvdev),
			     "dirty tracker failed: %s (0x%x); DMA_LOGGING_REPORT fails with -EIO until tracking is restarted\n",
			     mvf_vfio_dirty_err_name(data), data);
}
