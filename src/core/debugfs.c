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
 * For testing the VF drivers' handling of a PF queue reset, and for an
 * operator to recover a wedged PF without unbinding it.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/pci.h>

#include "core.h"

static struct dentry *mvf_debugfs_root;

static ssize_t mvf_debugfs_reset_write(struct file *filp,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	struct mvf_pf *pf = filp->private_data;
	bool reset;
	int ret;

	ret = kstrtobool_from_user(ubuf, count, &reset);
	if (ret)
		return ret;
	if (!reset)
		return count;

	mutex_lock(&pf->aq_lock);
	ret = pf->detached ? -ENODEV : mvf_pf_reset_queues(pf);
	mutex_unlock(&pf->aq_lock);
	return ret ? ret : count;
}

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
}

/**
 * mvf_debugfs_del_pf() - remove a PF's directory
 * @pf: the PF, at the start of remove
 *
 * Waits for a write in progress to return, so the PF's queues and IRQs
 * may be torn down afterwards.
 *
 * Context: process context, remove; must not hold @pf->aq_lock.
 */
void mvf_debugfs_del_pf(struct mvf_pf *pf)
{
	debugfs_remove_recursive(pf->debugfs);
	pf->debugfs = NULL;
}
