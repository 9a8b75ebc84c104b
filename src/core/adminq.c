// SPDX-License-Identifier: GPL-2.0
/*
 * mvf_core: the PF admin queue and event queue.
 *
 * The admin queue carries up to MVF_AQ_ENTRIES commands at a time, of all
 * VFs.  A submitter takes aq_lock only to write the command to the SQ
 * slot of the next free-running index and ring the doorbell; the
 * command's struct mvf_vf_cmd is then parked in @aq_cmds[slot] until its
 * completion is reaped.  The admin MSI-X handler reaps: it walks the CQ
 * from @aq_head in phase order, matches each entry to its parked command
 * by command id, stores status and results and completes the command.  A
 * waiter sleeps on its own command only (killable for the data path), and
 * reaps itself every MVF_AQ_POLL_MS, so a lost MSI-X costs milliseconds,
 * not the admin timeout.  A command that does not complete in time is
 * logged, the queue is disabled, every command still parked fails, and the
 * queue is cleared and re-enabled, so the next command starts from index 0
 * on an empty CQ; a fresh command identifier in every command makes a
 * completion of the old queue incarnation unmistakable.
 *
 * Commands of one VF execute in submission order (Documentation/device.rst,
 * "Admin queue"), which is what lets the VF driver keep several SAVE_CHUNK
 * or LOAD_CHUNK commands of one stream in flight.
 *
 * The event queue is consumed by a threaded IRQ handler on vector
 * MVF_PF_MSIX_EVENTQ, in phase order, acknowledging each entry through
 * MVF_PF_REG_EQ_HEAD.
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "core.h"

static_assert((MVF_AQ_ENTRIES & (MVF_AQ_ENTRIES - 1)) == 0 &&
	      MVF_AQ_ENTRIES <= MVF_AQ_MAX_ENTRIES);
static_assert((MVF_EQ_ENTRIES & (MVF_EQ_ENTRIES - 1)) == 0 &&
	      MVF_EQ_ENTRIES <= MVF_EQ_MAX_ENTRIES);

static inline u32 mvf_rd(struct mvf_pf *pf, u32 reg)
{
	return readl(pf->bar + reg);
}

static inline void mvf_wr(struct mvf_pf *pf, u32 reg, u32 val)
{
	writel(val, pf->bar + reg);
}

static void mvf_wr64(struct mvf_pf *pf, u32 reg_lo, u64 val)
{
	mvf_wr(pf, reg_lo, lower_32_bits(val));
	mvf_wr(pf, reg_lo + 4, upper_32_bits(val));
}

/* Phase the device writes for free-running ring index @idx. */
static inline u8 mvf_ring_phase(u32 idx, u32 entries)
{
	return ((idx / entries) & 1) ^ 1;
}

static const char * const mvf_aq_op_names[] = {
	[MVF_AQ_OP_IDENTIFY]		= "IDENTIFY",
	[MVF_AQ_OP_VF_SUSPEND]		= "VF_SUSPEND",
	[MVF_AQ_OP_VF_RESUME]		= "VF_RESUME",
	[MVF_AQ_OP_VF_QUERY_SIZE]	= "VF_QUERY_SIZE",
	[MVF_AQ_OP_SAVE_START]		= "SAVE_START",
	[MVF_AQ_OP_SAVE_CHUNK]		= "SAVE_CHUNK",
	[MVF_AQ_OP_SAVE_END]		= "SAVE_END",
	[MVF_AQ_OP_LOAD_START]		= "LOAD_START",
	[MVF_AQ_OP_LOAD_CHUNK]		= "LOAD_CHUNK",
	[MVF_AQ_OP_LOAD_END]		= "LOAD_END",
	[MVF_AQ_OP_LOAD_ABORT]		= "LOAD_ABORT",
	[MVF_AQ_OP_DIRTY_START]		= "DIRTY_START",
	[MVF_AQ_OP_DIRTY_REPORT]	= "DIRTY_REPORT",
	[MVF_AQ_OP_DIRTY_STOP]		= "DIRTY_STOP",
};

/**
 * mvf_aq_opcode_name() - printable name of an admin opcode
 * @opcode: enum mvf_aq_opcode value
 *
 * Context: any.
 * Return: a static string, "UNKNOWN" for opcodes the driver does not know.
 */
const char *mvf_aq_opcode_name(u8 opcode)
{
	if (opcode < ARRAY_SIZE(mvf_aq_op_names) && mvf_aq_op_names[opcode])
		return mvf_aq_op_names[opcode];
	return "UNKNOWN";
}

static const char *mvf_aq_status_name(u8 status)
{
	switch (status) {
	case MVF_AQ_STS_OK:		return "OK";
	case MVF_AQ_STS_BAD_OPCODE:	return "BAD_OPCODE";
	case MVF_AQ_STS_BAD_PARAM:	return "BAD_PARAM";
	case MVF_AQ_STS_BAD_VF:		return "BAD_VF";
	case MVF_AQ_STS_BAD_STATE:	return "BAD_STATE";
	case MVF_AQ_STS_DMA_ERR:	return "DMA_ERR";
	case MVF_AQ_STS_NO_SESSION:	return "NO_SESSION";
	case MVF_AQ_STS_BUSY:		return "BUSY";
	case MVF_AQ_STS_NO_MEMORY:	return "NO_MEMORY";
	case MVF_AQ_STS_TRACKER_ERR:	return "TRACKER_ERR";
	case MVF_AQ_STS_IMG_MAGIC:	return "IMG_MAGIC";
	case MVF_AQ_STS_IMG_VERSION:	return "IMG_VERSION";
	case MVF_AQ_STS_IMG_INCOMPAT:	return "IMG_INCOMPAT";
	case MVF_AQ_STS_IMG_LENGTH:	return "IMG_LENGTH";
	case MVF_AQ_STS_IMG_CHECKSUM:	return "IMG_CHECKSUM";
	case MVF_AQ_STS_IMG_TRUNCATED:	return "IMG_TRUNCATED";
	case MVF_AQ_STS_IMG_SECTION:	return "IMG_SECTION";
	case MVF_AQ_STS_IMG_OVERRUN:	return "IMG_OVERRUN";
	default:			return "UNKNOWN";
	}
}

/* The status -> errno table of include/mvf/mvf_core.h. */
static int mvf_aq_status_to_errno(u8 status)
{
	switch (status) {
	case MVF_AQ_STS_OK:
		return 0;
	case MVF_AQ_STS_BAD_OPCODE:
	case MVF_AQ_STS_IMG_VERSION:
	case MVF_AQ_STS_IMG_INCOMPAT:
		return -EOPNOTSUPP;
	case MVF_AQ_STS_BAD_PARAM:
	case MVF_AQ_STS_IMG_MAGIC:
	case MVF_AQ_STS_IMG_LENGTH:
	case MVF_AQ_STS_IMG_CHECKSUM:
	case MVF_AQ_STS_IMG_TRUNCATED:
	case MVF_AQ_STS_IMG_SECTION:
	case MVF_AQ_STS_IMG_OVERRUN:
		return -EINVAL;
	case MVF_AQ_STS_BAD_VF:
		return -ENODEV;
	case MVF_AQ_STS_BAD_STATE:
	case MVF_AQ_STS_BUSY:
		return -EBUSY;
	case MVF_AQ_STS_DMA_ERR:
	case MVF_AQ_STS_TRACKER_ERR:
		return -EIO;
	case MVF_AQ_STS_NO_SESSION:
		return -ENOENT;
	case MVF_AQ_STS_NO_MEMORY:
		return -ENOMEM;
	default:
		/* Other MVF_AQ_STS_IMG_* codes a newer device may add. */
		if (status >= MVF_AQ_STS_IMG_MAGIC && status <= 0x1f)
			return -EINVAL;
		return -EIO;
	}
}

static void mvf_aq_fail_all(struct mvf_pf *pf, struct mvf_vf_cmd *victim,
			    int err);

/**
 * mvf_aq_alloc() - allocate the admin, event and bounce DMA buffers
 * @pf: the PF, being probed
 *
 * Allocates the admin SQ and CQ rings (MVF_AQ_ENTRIES entries each), the
 * event ring (MVF_EQ_ENTRIES entries) and the MVF_BOUNCE_SIZE bytes bounce
 * buffer, all coherent DMA memory of the PF.  On failure nothing stays
 * allocated.
 *
 * Context: process context, probe.
 * Return: 0 or -ENOMEM.
 */
int mvf_aq_alloc(struct mvf_pf *pf)
{
	struct device *dev = &pf->pdev->dev;

	pf->sq = dma_alloc_coherent(dev, MVF_AQ_ENTRIES * sizeof(*pf->sq),
				    &pf->sq_dma, GFP_KERNEL);
	if (!pf->sq)
		goto err;
	pf->cq = dma_alloc_coherent(dev, MVF_AQ_ENTRIES * sizeof(*pf->cq),
				    &pf->cq_dma, GFP_KERNEL);
	if (!pf->cq)
		goto err;
	pf->eq = dma_alloc_coherent(dev, MVF_EQ_ENTRIES * sizeof(*pf->eq),
				    &pf->eq_dma, GFP_KERNEL);
	if (!pf->eq)
		goto err;
	pf->bounce = dma_alloc_coherent(dev, MVF_BOUNCE_SIZE, &pf->bounce_dma,
					GFP_KERNEL);
	if (!pf->bounce)
		goto err;
	return 0;

err:
	mvf_aq_free(pf);
	return -ENOMEM;
}

/**
 * mvf_aq_free() - free what mvf_aq_alloc() allocated
 * @pf: the PF; the queues must have been disabled (mvf_queues_disable())
 *      and no command may be in flight
 *
 * Frees every buffer that is allocated and clears its pointer, so calling
 * it twice, or after a partial mvf_aq_alloc(), is safe.  If the device
 * never confirmed it stopped using the queues (@pf->dma_live), the
 * buffers are leaked instead, with an error message: the device may still
 * write them, and freed memory must not be written by DMA.
 *
 * Context: process context, probe error path or remove.
 */
void mvf_aq_free(struct mvf_pf *pf)
{
	struct device *dev = &pf->pdev->dev;

	if (pf->dma_live) {
		if (pf->sq || pf->cq || pf->eq || pf->bounce)
			dev_err(dev,
				"device did not stop, leaking its admin/event rings and bounce buffer (%zu bytes of DMA memory)\n",
				MVF_AQ_ENTRIES * (sizeof(*pf->sq) +
						  sizeof(*pf->cq)) +
				MVF_EQ_ENTRIES * sizeof(*pf->eq) +
				MVF_BOUNCE_SIZE);
		pf->bounce = NULL;
		pf->eq = NULL;
		pf->cq = NULL;
		pf->sq = NULL;
		return;
	}

	if (pf->bounce)
		dma_free_coherent(dev, MVF_BOUNCE_SIZE, pf->bounce,
				  pf->bounce_dma);
	pf->bounce = NULL;
	if (pf->eq)
		dma_free_coherent(dev, MVF_EQ_ENTRIES * sizeof(*pf->eq),
				  pf->eq, pf->eq_dma);
	pf->eq = NULL;
	if (pf->cq)
		dma_free_coherent(dev, MVF_AQ_ENTRIES * sizeof(*pf->cq),
				  pf->cq, pf->cq_dma);
	pf->cq = NULL;
	if (pf->sq)
		dma_free_coherent(dev, MVF_AQ_ENTRIES * sizeof(*pf->sq),
				  pf->sq, pf->sq_dma);
	pf->sq = NULL;
}

/* Wait until (STATUS & @mask) == @want; -EIO if the device went FATAL. */
static int mvf_hw_wait_status(struct mvf_pf *pf, u32 mask, u32 want)
{
	u32 sts;
	int ret;

	ret = readl_poll_timeout(pf->bar + MVF_REG_STATUS, sts,
				 (sts & MVF_PF_STS_FATAL) ||
				 (sts & mask) == want,
				 MVF_HW_POLL_US, MVF_HW_TIMEOUT_US);
	if (!ret && (sts & MVF_PF_STS_FATAL) && !(want & MVF_PF_STS_FATAL))
		ret = -EIO;
	if (ret)
		dev_err(&pf->pdev->dev,
			"device status 0x%08x, waited for 0x%08x/0x%08x: %d\n",
			sts, want, mask, ret);
	return ret;
}

/**
 * mvf_hw_reset() - reset the PF's queues with MVF_PF_CTRL_RESET
 * @pf: the PF; the caller owns the queue registers (probe, remove, or
 *      recovery with aq_lock held and the event IRQ disabled)
 *
 * Writes MVF_PF_CTRL_RESET and waits for the self-clearing bit to drop
 * and both queues to report not ready.  The driver's rings stay allocated
 * and must be reprogrammed with mvf_queues_enable().
 *
 * Context: process context, sleeps up to MVF_HW_TIMEOUT_US.
 * Return: 0, -ETIMEDOUT if the reset does not finish, -EIO if the device
 * stays FATAL.
 */
int mvf_hw_reset(struct mvf_pf *pf)
{
	u32 ctrl;
	int ret;

	pf->ctrl = 0;
	mvf_wr(pf, MVF_REG_CTRL, MVF_PF_CTRL_RESET);
	ret = readl_poll_timeout(pf->bar + MVF_REG_CTRL, ctrl,
				 !(ctrl & MVF_PF_CTRL_RESET),
				 MVF_HW_POLL_US, MVF_HW_TIMEOUT_US);
	if (ret) {
		dev_err(&pf->pdev->dev, "reset did not complete: CTRL 0x%08x\n",
			ctrl);
		return ret;
	}
	return mvf_hw_wait_status(pf, MVF_PF_STS_AQ_READY |
				  MVF_PF_STS_EQ_READY | MVF_PF_STS_FATAL, 0);
}

/* Program the admin queue registers for an empty queue; AQ disabled. */
static void mvf_aq_program(struct mvf_pf *pf)
{
	unsigned long flags;

	memset(pf->sq, 0, MVF_AQ_ENTRIES * sizeof(*pf->sq));
	spin_lock_irqsave(&pf->aq_cpl_lock, flags);
	memset(pf->cq, 0, MVF_AQ_ENTRIES * sizeof(*pf->cq));
	pf->aq_tail = 0;
	pf->aq_head = 0;
	spin_unlock_irqrestore(&pf->aq_cpl_lock, flags);
	mvf_wr64(pf, MVF_PF_REG_AQ_SQ_LO, pf->sq_dma);
	mvf_wr64(pf, MVF_PF_REG_AQ_CQ_LO, pf->cq_dma);
	mvf_wr(pf, MVF_PF_REG_AQ_SIZE, MVF_AQ_ENTRIES);
	mvf_wr(pf, MVF_PF_REG_AQ_TAIL, 0);
}

/*
 * A freshly enabled admin queue starts at index 0 (the driver's CQ was
 * cleared for a first pass with phase 1): check the device agrees.
 */
static int mvf_aq_check_empty(struct mvf_pf *pf)
{
	u32 head = mvf_rd(pf, MVF_PF_REG_AQ_HEAD);

	if (head) {
		dev_err(&pf->pdev->dev,
			"admin queue enabled with head %u, expected 0\n", head);
		return -EIO;
	}
	return 0;
}

/* Program the event queue registers for an empty queue; EQ disabled. */
static void mvf_eq_program(struct mvf_pf *pf)
{
	memset(pf->eq, 0, MVF_EQ_ENTRIES * sizeof(*pf->eq));
	pf->eq_head = 0;
	mvf_wr64(pf, MVF_PF_REG_EQ_LO, pf->eq_dma);
	mvf_wr(pf, MVF_PF_REG_EQ_SIZE, MVF_EQ_ENTRIES);
	mvf_wr(pf, MVF_PF_REG_EQ_HEAD, 0);
}

/**
 * mvf_queues_enable() - program and enable the admin and event queues
 * @pf: the PF, freshly reset (mvf_hw_reset()) with both queues disabled;
 *      the caller owns the queue registers and no event IRQ thread may run
 *
 * Clears the rings, programs their IOVAs and sizes, sets
 * MVF_PF_CTRL_AQ_ENABLE | MVF_PF_CTRL_EQ_ENABLE and waits for both
 * MVF_PF_STS_*_READY bits; both queues must then start at index 0
 * (AQ_HEAD and EQ_TAIL read 0).
 *
 * Context: process context, sleeps up to MVF_HW_TIMEOUT_US.
 * Return: 0, -ETIMEDOUT if the queues do not become ready, -EIO if the
 * device rejects the configuration (MVF_PF_STS_FATAL) or does not start
 * the queues at index 0.
 */
int mvf_queues_enable(struct mvf_pf *pf)
{
	u32 eq_tail;
	int ret;

	mvf_aq_program(pf);
	mvf_eq_program(pf);
	pf->ctrl = MVF_PF_CTRL_AQ_ENABLE | MVF_PF_CTRL_EQ_ENABLE;
	mvf_wr(pf, MVF_REG_CTRL, pf->ctrl);
	ret = mvf_hw_wait_status(pf, MVF_PF_STS_AQ_READY | MVF_PF_STS_EQ_READY,
				 MVF_PF_STS_AQ_READY | MVF_PF_STS_EQ_READY);
	if (ret)
		return ret;
	ret = mvf_aq_check_empty(pf);
	if (ret)
		return ret;
	eq_tail = mvf_rd(pf, MVF_PF_REG_EQ_TAIL);
	if (eq_tail) {
		dev_err(&pf->pdev->dev,
			"event queue enabled with tail %u, expected 0\n",
			eq_tail);
		return -EIO;
	}
	return 0;
}

/**
 * mvf_queues_disable() - stop the device using the admin and event queues
 * @pf: the PF; no command in flight (detached set, or probe error path)
 *
 * Clears both enable bits and waits for the device to report both queues
 * not ready; if it does not, resets it with MVF_PF_CTRL_RESET.  On success
 * the device no longer writes the rings, so they may be freed.  If even
 * the reset fails, @pf->dma_live is set and mvf_aq_free() will leak the
 * buffers rather than free memory the device may still write.
 *
 * Context: process context, sleeps up to 3 * MVF_HW_TIMEOUT_US.
 * Return: 0 once the device stopped; -ETIMEDOUT or -EIO (see
 * mvf_hw_reset()) if it did not.
 */
int mvf_queues_disable(struct mvf_pf *pf)
{
	int ret;

	pf->ctrl = 0;
	mvf_wr(pf, MVF_REG_CTRL, 0);
	if (!mvf_hw_wait_status(pf, MVF_PF_STS_AQ_READY | MVF_PF_STS_EQ_READY,
				0))
		return 0;
	ret = mvf_hw_reset(pf);
	if (ret) {
		dev_err(&pf->pdev->dev,
			"device did not stop its admin/event queues: %d\n", ret);
		pf->dma_live = true;
	}
	return ret;
}

/**
 * mvf_pf_notify_vfs() - send a core-generated MVF_EVENT_VF_RESET to every VF
 * @pf: the PF
 * @data: the event's data: MVF_VF_RESET_DATA_PF (the PF's queues were
 *        reset) or MVF_VF_RESET_DATA_PF_GONE (the PF is being unbound)
 *
 * Both drop every VF's save and load session (Documentation/device.rst,
 * "Reset behaviour").  Each VF driver with a callback hears of it through
 * that callback, one VF at a time under event_lock, as for device events.
 * Queue recovery calls this with aq_lock held and the event IRQ disabled,
 * so no device event is dispatched concurrently and these come before any
 * event of the re-enabled queue; PF remove calls it with the PF detached.
 *
 * Context: process context; takes event_lock.
 * Return: the number of VF drivers notified.
 */
unsigned int mvf_pf_notify_vfs(struct mvf_pf *pf, u32 data)
{
	struct mvf_vf_event ev = {
		.type = MVF_EVENT_VF_RESET,
		.data = data,
	};
	struct mvf_vf_event_cb *cb;
	unsigned int notified = 0;
	u32 vf;

	mutex_lock(&pf->event_lock);
	for (vf = 0; vf < pf->num_vfs; vf++) {
		cb = &pf->vf_event_cbs[vf];
		if (!cb->fn)
			continue;
		ev.vf_id = vf;
		cb->fn(cb->priv, &ev);
		notified++;
	}
	mutex_unlock(&pf->event_lock);
	return notified;
}

/**
 * mvf_pf_reset_queues() - reset the PF's queues and tell every VF driver
 * @pf: the PF, bound (not detached), with its IRQs requested
 * @victim: the command whose timeout led here, failed with -ETIMEDOUT;
 *          NULL if none (a bogus completion, the debugfs reset_queues)
 *
 * CTRL.RESET drops every VF's save and load session and frees every VF's
 * dirty tracker, so every VF driver gets a core-generated
 * MVF_EVENT_VF_RESET (MVF_VF_RESET_DATA_PF) whatever the outcome.  Then
 * every command still in flight (of any VF, synchronous or a data-path
 * chunk) fails with -EIO, and the admin and event queues are programmed
 * and enabled again.  If the queues do not come back the admin queue is
 * marked dead (later commands fail with -EIO).  Used by admin queue
 * recovery and by the debugfs file reset_queues.
 *
 * Context: process context, sleeps; caller holds @pf->aq_lock.
 * Return: 0, or the errno of mvf_hw_reset() / mvf_queues_enable().
 */
int mvf_pf_reset_queues(struct mvf_pf *pf, struct mvf_vf_cmd *victim)
{
	unsigned int notified;
	int ret;

	lockdep_assert_held(&pf->aq_lock);

	/* The event IRQ thread owns eq_head: keep it out while we reset. */
	disable_irq(pf->irq_eq);
	ret = mvf_hw_reset(pf);
	if (ret)
		pf->dma_live = true;	/* not even a reset stopped it */
	/*
	 * Whatever the outcome, no VF session survives this.  The VF drivers
	 * hear of it before their commands in flight fail, so that they can
	 * tell the user why.
	 */
	notified = mvf_pf_notify_vfs(pf, MVF_VF_RESET_DATA_PF);
	/*
	 * No parked command can complete any more.  If the device did not
	 * stop (@dma_live), their buffers are leaked by mvf_pf_dma_free().
	 */
	mvf_aq_fail_all(pf, victim, -EIO);
	if (!ret)
		ret = mvf_queues_enable(pf);
	enable_irq(pf->irq_eq);
	dev_warn(&pf->pdev->dev,
		 "PF queue reset dropped the save/load sessions of all %u VFs; %u VF drivers notified\n",
		 pf->num_vfs, notified);
	if (ret)
		pf->aq_dead = true;
	return ret;
}

/*
 * Bring the admin queue back after a lost or bogus completion: disable
 * it, wait until the device stops using it (so nothing it still had in
 * hand can land in the CQ afterwards), clear and reprogram the rings and
 * enable it again.  If the device does not cooperate, reset the whole PF
 * queue state, event queue included: that drops every VF's save/load
 * session, so every VF driver gets a core-generated MVF_EVENT_VF_RESET.
 * If even that fails the admin queue is marked dead and later commands
 * fail with -EIO.
 */
static void mvf_aq_recover(struct mvf_pf *pf, struct mvf_vf_cmd *victim)
{
	struct device *dev = &pf->pdev->dev;
	int ret;

	lockdep_assert_held(&pf->aq_lock);

	pf->aq_bogus = false;
	pf->ctrl &= ~MVF_PF_CTRL_AQ_ENABLE;
	mvf_wr(pf, MVF_REG_CTRL, pf->ctrl);
	ret = mvf_hw_wait_status(pf, MVF_PF_STS_AQ_READY, 0);
	if (!ret) {
		/* The device let go of every command and its buffer. */
		mvf_aq_fail_all(pf, victim, -EIO);
		mvf_aq_program(pf);
		pf->ctrl |= MVF_PF_CTRL_AQ_ENABLE;
		mvf_wr(pf, MVF_REG_CTRL, pf->ctrl);
		ret = mvf_hw_wait_status(pf, MVF_PF_STS_AQ_READY,
					 MVF_PF_STS_AQ_READY);
		if (!ret)
			ret = mvf_aq_check_empty(pf);
		if (!ret) {
			dev_info(dev, "admin queue recovered\n");
			return;
		}
	}

	dev_warn(dev, "admin queue did not restart, resetting PF queues\n");
	ret = mvf_pf_reset_queues(pf, victim);
	if (ret) {
		dev_err(dev, "admin queue recovery failed (%d), queue disabled\n",
			ret);
		return;
	}
	dev_info(dev, "admin queue recovered by PF queue reset\n");
}

/* Record @cpl, the completion of parked command @c; aq_cpl_lock held. */
static void mvf_aq_complete_locked(struct mvf_pf *pf, struct mvf_vf_cmd *c,
				   const struct mvf_aq_cpl *cpl)
{
	struct device *dev = &pf->pdev->dev;
	u8 status;

	lockdep_assert_held(&pf->aq_cpl_lock);

	if (le16_to_cpu(cpl->cid) != (u16)c->cid) {
		dev_err_ratelimited(dev,
				    "admin command %s (0x%02x) for VF %u: completion cid 0x%04x, expected 0x%04x\n",
				    mvf_aq_opcode_name(c->opcode), c->opcode,
				    c->vf_id, le16_to_cpu(cpl->cid),
				    (u16)c->cid);
		c->err = -EIO;
		c->bogus = true;
		pf->aq_bogus = true;
		return;
	}
	status = cpl->status;
	c->err = mvf_aq_status_to_errno(status);
	c->result0 = le32_to_cpu(cpl->result0);
	c->result1 = le32_to_cpu(cpl->result1);
	if (status == MVF_AQ_STS_DMA_ERR)
		dev_err_ratelimited(dev,
				    "admin command %s (0x%02x) for VF %u: device DMA error\n",
				    mvf_aq_opcode_name(c->opcode), c->opcode,
				    c->vf_id);
	else if (c->err)
		dev_dbg(dev,
			"admin command %s (0x%02x) for VF %u: status %s (0x%02x) -> %d\n",
			mvf_aq_opcode_name(c->opcode), c->opcode, c->vf_id,
			mvf_aq_status_name(status), status, c->err);
}

/*
 * Reap every completion the device has written, in CQ order: each is
 * matched to the command parked in its slot, which is completed (its
 * owner may free it from then on) and unparked.  Runs in the admin MSI-X
 * handler and, as the lost-interrupt fallback, in waiters.
 */
static void mvf_aq_reap(struct mvf_pf *pf)
{
	unsigned long flags;
	bool reaped = false;

	spin_lock_irqsave(&pf->aq_cpl_lock, flags);
	while (pf->aq_head != pf->aq_tail) {
		u32 slot = pf->aq_head & (MVF_AQ_ENTRIES - 1);
		struct mvf_vf_cmd *c = pf->aq_cmds[slot];

		if ((READ_ONCE(pf->cq[slot].phase) & 1) !=
		    mvf_ring_phase(pf->aq_head, MVF_AQ_ENTRIES))
			break;
		/* Read the entry only after seeing its phase. */
		dma_rmb();
		pf->aq_cmds[slot] = NULL;
		pf->aq_head++;
		reaped = true;
		if (WARN_ON_ONCE(!c))
			continue;
		mvf_aq_complete_locked(pf, c, &pf->cq[slot]);
		complete(&c->done);
	}
	spin_unlock_irqrestore(&pf->aq_cpl_lock, flags);
	if (reaped)
		wake_up_all(&pf->aq_wq);
}

/*
 * Fail every parked command: @victim (may be NULL) with -ETIMEDOUT, the
 * others with @err.  The caller made sure the device writes neither the
 * CQ nor any command's buffer any more (queue stopped, reset, or PF
 * detached), or gave up on it (@dma_live).
 */
static void mvf_aq_fail_all(struct mvf_pf *pf, struct mvf_vf_cmd *victim,
			    int err)
{
	unsigned long flags;
	u32 slot;

	spin_lock_irqsave(&pf->aq_cpl_lock, flags);
	for (slot = 0; slot < MVF_AQ_ENTRIES; slot++) {
		struct mvf_vf_cmd *c = pf->aq_cmds[slot];

		if (!c)
			continue;
		pf->aq_cmds[slot] = NULL;
		c->err = c == victim ? -ETIMEDOUT : err;
		complete(&c->done);
	}
	pf->aq_head = pf->aq_tail;
	spin_unlock_irqrestore(&pf->aq_cpl_lock, flags);
	wake_up_all(&pf->aq_wq);
}

/**
 * mvf_aq_detach() - fail every command in flight of a detached PF
 * @pf: the PF, @detached set and its queues disabled (or given up on)
 *
 * Their waiters return -ENODEV.
 *
 * Context: process context, remove or shutdown.
 */
void mvf_aq_detach(struct mvf_pf *pf)
{
	mvf_aq_fail_all(pf, NULL, -ENODEV);
}

/* A free SQ slot for index @idx: its previous command was reaped. */
static bool mvf_aq_slot_free(struct mvf_pf *pf, u32 idx)
{
	unsigned long flags;
	bool free;

	spin_lock_irqsave(&pf->aq_cpl_lock, flags);
	free = idx - pf->aq_head < MVF_AQ_ENTRIES;
	spin_unlock_irqrestore(&pf->aq_cpl_lock, flags);
	return free;
}

/* The oldest command in flight is past its deadline. */
static bool mvf_aq_oldest_expired(struct mvf_pf *pf)
{
	struct mvf_vf_cmd *c;
	unsigned long flags;
	bool expired = false;

	spin_lock_irqsave(&pf->aq_cpl_lock, flags);
	if (pf->aq_head != pf->aq_tail) {
		c = pf->aq_cmds[pf->aq_head & (MVF_AQ_ENTRIES - 1)];
		expired = c && time_after(jiffies, c->deadline);
	}
	spin_unlock_irqrestore(&pf->aq_cpl_lock, flags);
	return expired;
}

/**
 * mvf_aq_post() - submit one admin command without waiting for it
 * @pf: the PF
 * @c: the command's state, owned by the caller until mvf_aq_cmd_wait()
 *     returned something other than -EINTR for it; must stay allocated
 *     (and any buffer it names DMA-mapped) until then
 * @opcode: enum mvf_aq_opcode
 * @vf_id: VF the command acts on (0 for IDENTIFY)
 * @arg0: opcode-specific argument, CPU order
 * @arg1: opcode-specific 64-bit argument (DIRTY_REPORT: first IOVA), CPU
 *        order; 0 for opcodes that do not use it
 * @arg2: opcode-specific 64-bit argument (DIRTY_REPORT: length in bytes),
 *        CPU order; 0 for opcodes that do not use it
 * @buf: IOVA of the command's buffer (on the PF), 0 if @buf_len is 0
 * @buf_len: bytes the device may write at, or must read from, @buf
 *
 * Waits for a free SQ slot if all MVF_AQ_ENTRIES are in flight (reaping
 * and, past the oldest command's deadline, recovering the queue).
 *
 * Context: process context, sleeps; caller holds @pf->aq_lock.
 * Return: 0 once the doorbell rang; -ENODEV if the PF was removed; -EIO if
 * the admin queue could not be recovered earlier.
 */
int mvf_aq_post(struct mvf_pf *pf, struct mvf_vf_cmd *c, u8 opcode,
		u16 vf_id, u32 arg0, u64 arg1, u64 arg2, dma_addr_t buf,
		u32 buf_len)
{
	struct mvf_aq_cmd *cmd;
	unsigned long flags;
	u32 idx, slot;

	lockdep_assert_held(&pf->aq_lock);

	for (;;) {
		if (pf->detached)
			return -ENODEV;
		if (pf->aq_dead)
			return -EIO;
		idx = pf->aq_tail;
		if (mvf_aq_slot_free(pf, idx))
			break;
		/* 64 commands in flight: wait for the oldest one. */
		mvf_aq_reap(pf);
		if (wait_event_timeout(pf->aq_wq, mvf_aq_slot_free(pf, idx),
				       msecs_to_jiffies(MVF_AQ_POLL_MS)))
			continue;
		mvf_aq_reap(pf);
		if (!mvf_aq_slot_free(pf, idx) && mvf_aq_oldest_expired(pf)) {
			dev_err(&pf->pdev->dev,
				"admin queue full and its oldest command timed out\n");
			mvf_aq_recover(pf, NULL);
		}
	}
	slot = idx & (MVF_AQ_ENTRIES - 1);

	init_completion(&c->done);
	c->cid = pf->aq_cid++;
	c->opcode = opcode;
	c->vf_id = vf_id;
	c->buf_len = buf_len;
	c->err = 0;
	c->bogus = false;
	c->result0 = 0;
	c->result1 = 0;
	c->deadline = jiffies + msecs_to_jiffies(mvf_adminq_timeout_ms());

	cmd = &pf->sq[slot];
	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = opcode;
	cmd->vf_id = cpu_to_le16(vf_id);
	cmd->cid = cpu_to_le32(c->cid);
	cmd->arg0 = cpu_to_le32(arg0);
	cmd->arg1 = cpu_to_le64(arg1);
	cmd->arg2 = cpu_to_le64(arg2);
	if (buf_len) {
		cmd->buf_len = cpu_to_le32(buf_len);
		cmd->buf_addr = cpu_to_le64(buf);
	}

	spin_lock_irqsave(&pf->aq_cpl_lock, flags);
	pf->aq_cmds[slot] = c;
	pf->aq_tail = idx + 1;
	spin_unlock_irqrestore(&pf->aq_cpl_lock, flags);
	c->busy = true;
	/* writel() orders the SQ entry and the command's buffer before it */
	mvf_wr(pf, MVF_PF_REG_AQ_TAIL, idx + 1);
	return 0;
}

/* @c's deadline passed: recover the queue unless it completed meanwhile. */
static void mvf_aq_timeout(struct mvf_pf *pf, struct mvf_vf_cmd *c,
			   bool locked)
{
	if (!locked)
		mutex_lock(&pf->aq_lock);
	mvf_aq_reap(pf);
	if (!completion_done(&c->done)) {
		if (pf->detached || pf->aq_dead) {
			/* Nothing will reap it: the queue is gone. */
			mvf_aq_fail_all(pf, c, pf->detached ? -ENODEV : -EIO);
		} else {
			dev_err(&pf->pdev->dev,
				"admin command %s (0x%02x) for VF %u timed out after %u ms (status 0x%08x, head %u, tail %u)\n",
				mvf_aq_opcode_name(c->opcode), c->opcode,
				c->vf_id, mvf_adminq_timeout_ms(),
				mvf_rd(pf, MVF_REG_STATUS),
				mvf_rd(pf, MVF_PF_REG_AQ_HEAD), pf->aq_tail);
			mvf_aq_recover(pf, c);
		}
	}
	if (!locked)
		mutex_unlock(&pf->aq_lock);
}

/**
 * mvf_aq_cmd_wait() - wait for a command mvf_aq_post() submitted
 * @pf: the PF
 * @c: the command, busy (submitted and not yet collected)
 * @killable: return -EINTR on a fatal signal; the command then stays in
 *            flight and busy, and the caller must wait for it again
 *            (non-killable, e.g. before freeing its buffer)
 * @locked: the caller holds @pf->aq_lock (synchronous commands)
 *
 * Sleeps on the command's own completion, reaping the CQ itself every
 * MVF_AQ_POLL_MS in case the admin MSI-X was lost.  Past the command's
 * deadline (adminq_timeout_ms after submission) the admin queue is
 * recovered, which fails every command in flight; a completion that did
 * not match its command also recovers it.  On any return but -EINTR the
 * device is done with the command and its buffer.
 *
 * Context: process context, sleeps; takes @pf->aq_lock unless @locked.
 * Return: 0 on MVF_AQ_STS_OK (results in @c->result0/1); the errno of the
 * mvf_core.h table for other statuses; -ETIMEDOUT if it did not complete
 * in time; -EIO if the completion did not match the command, or another
 * command's timeout recovered the queue; -ENODEV if the PF was removed;
 * -EINTR (only if @killable) on a fatal signal.
 */
int mvf_aq_cmd_wait(struct mvf_pf *pf, struct mvf_vf_cmd *c, bool killable,
		    bool locked)
{
	unsigned long poll = msecs_to_jiffies(MVF_AQ_POLL_MS);
	long left, t;

	if (WARN_ON_ONCE(!c->busy))
		return -EINVAL;
	/* The wait functions consume the completion: leave once they did. */
	while (!try_wait_for_completion(&c->done)) {
		left = (long)(c->deadline - jiffies);
		if (left <= 0) {
			mvf_aq_timeout(pf, c, locked);
			continue;
		}
		t = min_t(long, left, poll);
		if (killable)
			t = wait_for_completion_killable_timeout(&c->done, t);
		else
			t = wait_for_completion_timeout(&c->done, t);
		if (t < 0)
			return -EINTR;
		if (t > 0)
			break;
		mvf_aq_reap(pf);
		if (completion_done(&c->done))
			dev_warn_once(&pf->pdev->dev,
				      "admin completion reaped by polling before its MSI-X (lost or late); waiters poll every %u ms\n",
				      MVF_AQ_POLL_MS);
	}
	c->busy = false;
	if (c->bogus) {
		if (!locked)
			mutex_lock(&pf->aq_lock);
		if (pf->aq_bogus)
			mvf_aq_recover(pf, NULL);
		if (!locked)
			mutex_unlock(&pf->aq_lock);
	}
	return c->err;
}

/**
 * mvf_aq_exec_args() - run one admin command with @arg1/@arg2 and wait
 * @pf: the PF
 * @opcode: enum mvf_aq_opcode
 * @vf_id: VF the command acts on (0 for IDENTIFY)
 * @arg0: opcode-specific argument, CPU order
 * @arg1: opcode-specific 64-bit argument (DIRTY_REPORT: first IOVA), CPU
 *        order; 0 for opcodes that do not use it
 * @arg2: opcode-specific 64-bit argument (DIRTY_REPORT: length in bytes),
 *        CPU order; 0 for opcodes that do not use it
 * @buf_len: bytes of the bounce buffer the command uses (the device
 *           writes at most, or reads exactly, this many), at most
 *           MVF_BOUNCE_SIZE; 0 for commands without a buffer
 * @res: if not NULL, receives result0/result1 of a successful completion
 *
 * The caller has filled the bounce buffer (DIRTY_START) and reads it back
 * after the call (IDENTIFY, QUERY_SIZE, DIRTY_REPORT), all under aq_lock,
 * which is held across the wait: the bounce buffer is the lock's.  Other
 * commands (SAVE/LOAD chunks of every VF) stay in flight meanwhile.
 *
 * Context: process context, sleeps; caller holds @pf->aq_lock.
 * Return: as mvf_aq_cmd_wait() (never -EINTR), or mvf_aq_post()'s errno.
 */
int mvf_aq_exec_args(struct mvf_pf *pf, u8 opcode, u16 vf_id, u32 arg0,
		     u64 arg1, u64 arg2, u32 buf_len,
		     struct mvf_aq_result *res)
{
	struct mvf_vf_cmd c;
	int ret;

	lockdep_assert_held(&pf->aq_lock);

	if (WARN_ON_ONCE(buf_len > MVF_BOUNCE_SIZE))
		return -EINVAL;
	ret = mvf_aq_post(pf, &c, opcode, vf_id, arg0, arg1, arg2,
			  buf_len ? pf->bounce_dma : 0, buf_len);
	if (ret)
		return ret;
	ret = mvf_aq_cmd_wait(pf, &c, false, true);
	if (!ret && res) {
		res->result0 = c.result0;
		res->result1 = c.result1;
	}
	return ret;
}

/**
 * mvf_aq_exec() - run one admin command and wait for its completion
 * @pf: the PF
 * @opcode: enum mvf_aq_opcode
 * @vf_id: VF the command acts on (0 for IDENTIFY)
 * @arg0: opcode-specific argument, CPU order
 * @buf_len: bytes of the bounce buffer the command uses, at most
 *           MVF_BOUNCE_SIZE; 0 for commands without a buffer
 * @res: if not NULL, receives result0/result1 of a successful completion
 *
 * mvf_aq_exec_args() with @arg1 and @arg2 zero.
 *
 * Context: process context, sleeps; caller holds @pf->aq_lock.
 * Return: as mvf_aq_exec_args().
 */
int mvf_aq_exec(struct mvf_pf *pf, u8 opcode, u16 vf_id, u32 arg0,
		u32 buf_len, struct mvf_aq_result *res)
{
	return mvf_aq_exec_args(pf, opcode, vf_id, arg0, 0, 0, buf_len, res);
}

static irqreturn_t mvf_aq_irq(int irq, void *data)
{
	mvf_aq_reap(data);
	return IRQ_HANDLED;
}

static const char *mvf_event_name(u16 type)
{
	switch (type) {
	case MVF_EVENT_INITIAL_CHANGED:	return "initial data changed";
	case MVF_EVENT_TRACKER_ERROR:	return "dirty tracker error";
	case MVF_EVENT_VF_RESET:	return "VF reset";
	case MVF_EVENT_PRECOPY_DATA:	return "new precopy data";
	case MVF_EVENT_LOST:		return "events lost (queue full)";
	default:			return "unknown event";
	}
}

static void mvf_eq_dispatch(struct mvf_pf *pf, const struct mvf_vf_event *ev)
{
	struct device *dev = &pf->pdev->dev;
	struct mvf_vf_event_cb *cb;

	dev_dbg(dev, "event %u: VF %u: %s (type 0x%x, data 0x%x)\n",
		ev->seq, ev->vf_id, mvf_event_name(ev->type), ev->type,
		ev->data);

	if (ev->vf_id >= pf->num_vfs) {
		dev_warn_ratelimited(dev, "event %u names VF %u of %u, dropped\n",
				     ev->seq, ev->vf_id, pf->num_vfs);
		return;
	}

	mutex_lock(&pf->event_lock);
	cb = &pf->vf_event_cbs[ev->vf_id];
	if (cb->fn)
		cb->fn(cb->priv, ev);
	mutex_unlock(&pf->event_lock);
}

/* Event queue IRQ thread: the only user of eq_head while the IRQ is on. */
static irqreturn_t mvf_eq_thread(int irq, void *data)
{
	struct mvf_pf *pf = data;
	u32 head = pf->eq_head;
	struct mvf_vf_event ev;
	struct mvf_event *e;

	for (;;) {
		e = &pf->eq[head & (MVF_EQ_ENTRIES - 1)];
		if ((READ_ONCE(e->phase) & 1) !=
		    mvf_ring_phase(head, MVF_EQ_ENTRIES))
			break;
		dma_rmb();
		ev.type = le16_to_cpu(e->type);
		ev.vf_id = le16_to_cpu(e->vf_id);
		ev.data = le32_to_cpu(e->data);
		ev.seq = le32_to_cpu(e->seq);
		/* Hand the slot back before acting on the copy. */
		head++;
		pf->eq_head = head;
		mvf_wr(pf, MVF_PF_REG_EQ_HEAD, head);
		mvf_eq_dispatch(pf, &ev);
	}
	return IRQ_HANDLED;
}

/**
 * mvf_aq_request_irqs() - install the admin and event queue MSI-X handlers
 * @pf: the PF, with MVF_PF_MSIX_COUNT MSI-X vectors allocated and its
 *      queues enabled (mvf_queues_enable()): from here on only the event
 *      IRQ thread touches @pf->eq_head
 *
 * The admin vector gets a hard IRQ handler that completes @pf->aq_done;
 * the event vector gets a threaded handler that consumes the event ring.
 *
 * Context: process context, probe.
 * Return: 0 or the errno of request_irq(); nothing stays requested on error.
 */
int mvf_aq_request_irqs(struct mvf_pf *pf)
{
	struct pci_dev *pdev = pf->pdev;
	int ret;

	pf->irq_aq = pci_irq_vector(pdev, MVF_PF_MSIX_ADMINQ);
	if (pf->irq_aq < 0)
		return pf->irq_aq;
	pf->irq_eq = pci_irq_vector(pdev, MVF_PF_MSIX_EVENTQ);
	if (pf->irq_eq < 0)
		return pf->irq_eq;

	snprintf(pf->irq_name_aq, sizeof(pf->irq_name_aq), "mvf-aq@%s",
		 pci_name(pdev));
	snprintf(pf->irq_name_eq, sizeof(pf->irq_name_eq), "mvf-eq@%s",
		 pci_name(pdev));

	ret = request_irq(pf->irq_aq, mvf_aq_irq, 0, pf->irq_name_aq, pf);
	if (ret)
		return ret;
	ret = request_threaded_irq(pf->irq_eq, NULL, mvf_eq_thread,
				   IRQF_ONESHOT, pf->irq_name_eq, pf);
	if (ret) {
		free_irq(pf->irq_aq, pf);
		return ret;
	}
	return 0;
}

/**
 * mvf_aq_free_irqs() - remove the handlers mvf_aq_request_irqs() installed
 * @pf: the PF
 *
 * Waits for running handlers, including an event callback, to return.
 *
 * Context: process context; must not hold @pf->event_lock.
 */
void mvf_aq_free_irqs(struct mvf_pf *pf)
{
	free_irq(pf->irq_eq, pf);
	free_irq(pf->irq_aq, pf);
}

/**
 * mvf_pf_set_vf_event_handler() - set or clear a VF's event callback
 * @pf: the VF's PF, referenced through mvf_pf_get_by_vf()
 * @vf_id: the VF's index on @pf
 * @fn: callback, or NULL to clear; see mvf_vf_event_fn for its context
 * @priv: passed to @fn
 *
 * A VF driver sets one callback per VF (normally when it binds the VF) to
 * receive that VF's device events: MVF_EVENT_INITIAL_CHANGED,
 * MVF_EVENT_PRECOPY_DATA, MVF_EVENT_VF_RESET, MVF_EVENT_TRACKER_ERROR and
 * MVF_EVENT_LOST.
 * Events that arrive while no callback is set are dropped.  It must clear
 * the callback before mvf_pf_put(); once this returns after clearing, @fn
 * is no longer running and will not be called again.  After the PF is
 * removed no more events arrive, but setting and clearing still work.
 *
 * Context: process context; sleeps on the PF's event lock, so it must not
 * be called from an event callback.
 * Return: 0; -ENODEV if @vf_id is not one of @pf's VFs; -EBUSY if @fn is
 * not NULL and a callback is already set for the VF.
 */
int mvf_pf_set_vf_event_handler(struct mvf_pf *pf, u16 vf_id,
				mvf_vf_event_fn fn, void *priv)
{
	struct mvf_vf_event_cb *cb;
	int ret = 0;

	if (vf_id >= pf->num_vfs)
		return -ENODEV;

	mutex_lock(&pf->event_lock);
	cb = &pf->vf_event_cbs[vf_id];
	if (fn && cb->fn) {
		ret = -EBUSY;
	} else {
		cb->fn = fn;
		cb->priv = fn ? priv : NULL;
	}
	mutex_unlock(&pf->event_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mvf_pf_set_vf_event_handler);
