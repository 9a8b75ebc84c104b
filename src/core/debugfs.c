// SPDX-License-Identifier: GPL-2.0
/*
 * mvf_core: debugfs, <debugfs>/mvf_core/<PF BDF>/.
 *
 *   reset_queues (write-only)  writing a true value ("1", "y") resets the
 *                              PF's admin and event queues (CTRL.RESET),
 *                              exactly as admin queue recovery does when
 *                              the admin queue does not restart: every
 *                              VF's save/load session and dirty tracker is
 *                              dropped and every VF driver is notified
 *                              (MVF_EVENT_VF_RESET, MVF_VF_RESET_DATA_PF).
 *                              The write returns the count, or -ENODEV if
 *                              the PF is being removed, or the errno of the
 *                              reset (the admin queue is then dead).
 *
 *   events_paused (read-write)  "1" stops the event queue's IRQ (the
 *                              device goes on posting until the queue is
 *                              full, then counts what it drops, see
 *                              MVF_EVENT_LOST), "0" lets it run again;
 *                              reads 0 or 1.  Models a slow event consumer.
 *
 * For testing the VF drivers' handling of a PF queue reset and of a full
 * event queue, and for an operator to recover a wedged PF without
 * unbinding it.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/kstrtox.h>
#include <linux/pci.h>

#include "core.h"

static struct dentry *mvf_debugfs_root;

/*
 * A write of a boolean ("1", "y", "0", "n", ...) to one of @pf's files:
 * @op runs with @pf->aq_lock held, unless the PF is being removed.
 * Returns the count, the parse error, -ENODEV, or @op's errno.
 */
static ssize_t mvf_debugfs_write_bool(struct file *filp,
				      const char __user *ubuf, size_t count,
				      int (*op)(struct mvf_pf *pf, bool val))
{
	struct mvf_pf *pf = filp->private_data;
	bool val;
	int ret;

	ret = kstrtobool_from_user(ubuf, count, &val);
	if (ret)
		return ret;

	mutex_lock(&pf->aq_lock);
	ret = pf->detached ? -ENODEV : op(pf, val);
	mutex_unlock(&pf->aq_lock);
	return ret ? ret : count;
}

/* reset_queues: aq_lock held. */
static int mvf_debugfs_reset(struct mvf_pf *pf, bool reset)
{
	return reset ? mvf_pf_reset_queues(pf, NULL) : 0;
}

/* events_paused: aq_lock held. */
static int mvf_debugfs_pause(struct mvf_pf *pf, bool pause)
{
	if (pause == pf->eq_paused)
		return 0;
	/* Waits for a running event thread, callbacks included. */
	if (pause)
		disable_irq(pf->irq_eq);
	else
		enable_irq(pf->irq_eq);
	pf->eq_paused = pause;
	return 0;
}

static ssize_t mvf_debugfs_reset_write(struct file *filp,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	return mvf_debugfs_write_bool(filp, ubuf, count, mvf_debugfs_reset);
}

static ssize_t mvf_debugfs_pause_write(struct file *filp,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	return mvf_debugfs_write_bool(filp, ubuf, count, mvf_debugfs_pause);
}

static ssize_t mvf_debugfs_pause_read(struct file *filp, char __user *ubuf,
				      size_t count, loff_t *ppos)
{
	struct mvf_pf *pf = filp->private_data;
	char buf[2];

	buf[0] = READ_ONCE(pf->eq_paused) ? '1' : '0';
	buf[1] = '\n';
	return simple_read_from_buffer(ubuf, count, ppos, buf, sizeof(buf));
}

static const struct file_operations mvf_debugfs_pause_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = mvf_debugfs_pause_read,
	.write = mvf_debugfs_pause_write,
	.llseek = default_llseek,
};

static const struct file_operations mvf_debugfs_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = mvf_debugfs_reset_write,
	.llseek = noop_llseek,
};

/**
 * mvf_debugfs_init() - create <debugfs>/mvf_core
 *
 * Context: module init.  Failures are ignored, as debugfs wants.
 */
void mvf_debugfs_init(void)
{
	mvf_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
}

/**
 * mvf_debugfs_exit() - remove <debugfs>/mvf_core and everything below
 *
 * Context: module exit, after every PF was removed.
 */
void mvf_debugfs_exit(void)
{
	debugfs_remove_recursive(mvf_debugfs_root);
	mvf_debugfs_root = NULL;
}

/**
 * mvf_debugfs_add_pf() - create a bound PF's directory and files
 * @pf: the PF, at the end of probe (its queues and IRQs are set up)
 *
 * Context: process context, probe.
 */
void mvf_debugfs_add_pf(struct mvf_pf *pf)
{
	pf->debugfs = debugfs_create_dir(pci_name(pf->pdev), mvf_debugfs_root);
	debugfs_create_file("reset_queues", 0200, pf->debugfs, pf,
			    &mvf_debugfs_reset_fops);
	debugfs_create_file("events_paused", 0600, pf->debugfs, pf,
			    &mvf_debugfs_pause_fops);
}

/**
 * mvf_debugfs_del_pf() - remove a PF's directory
 * @pf: the PF, at the start of remove
 *
 * Waits for a write in progress to return, and lets the event IRQ run
 * again if events_paused stopped it, so the PF's queues and IRQs may be
 * torn down afterwards.
 *
 * Context: process context, remove; must not hold @pf->aq_lock.
 */
void mvf_debugfs_del_pf(struct mvf_pf *pf)
{
	debugfs_remove_recursive(pf->debugfs);
	pf->debugfs = NULL;
	mutex_lock(&pf->aq_lock);
	if (pf->eq_paused)
		enable_irq(pf->irq_eq);
	pf->eq_paused = false;
	mutex_unlock(&pf->aq_lock);
}
