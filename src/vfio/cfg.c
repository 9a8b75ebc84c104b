// SPDX-License-Identifier: GPL-2.0
/*
 * mvf_vfio_pci: the VF->PF link capability in the user's config space.
 *
 * The MVF_VCAP_TYPE_LINK vendor capability names the VF's PF (serial) and
 * the VF's index on it; mvf_core finds the PF, and so the VF's admin
 * commands, through it.  vfio-pci-core passes vendor capabilities through
 * to the device (reads and writes), so this driver virtualizes it: the
 * capability is read once at bind time, before any user has the device,
 * user reads of it are answered from that copy and user writes to it are
 * dropped (as vfio-pci does for read-only bits), so no user write reaches
 * the device.  The device contract makes it read-only as well
 * (Documentation/device.rst); the driver does not rely on that.
 */
#include <linux/minmax.h>
#include <linux/pci.h>
#include <linux/uaccess.h>
#include <linux/vfio_pci_core.h>

#include "mvf_core.h"
#include "vfio_dev.h"

/**
 * mvf_vfio_cfg_init - find and copy the VF's link capability
 * @mvdev: the VF, being bound (vfio_device_ops.init): no user yet
 *
 * Finds the capability as mvf_core does (mvf_pci_find_vcap()) and keeps
 * its bytes.  Without one (mvf_core refuses such a VF anyway) nothing is
 * virtualized.
 *
 * Return: 0, or -EIO if config space cannot be read.
 */
int mvf_vfio_cfg_init(struct mvf_vfio_pci_device *mvdev)
{
	struct pci_dev *pdev = to_pci_dev(mvdev->core_device.vdev.dev);
	unsigned int i;
	int pos;

	mvdev->vcap_pos = 0;
	pos = mvf_pci_find_vcap(pdev);
	if (!pos)
		return 0;
	for (i = 0; i < MVF_VCAP_LEN; i++)
		if (pci_read_config_byte(pdev, pos + i, &mvdev->vcap[i]))
			return -EIO;
	mvdev->vcap_pos = pos;
	return 0;
}

/* The part of [@pos, @pos + @count) that is the link capability. */
static bool mvf_vfio_cfg_overlap(struct mvf_vfio_pci_device *mvdev,
				 unsigned int index, u64 pos, size_t count,
				 u64 *start, u64 *end)
{
	u64 cap = mvdev->vcap_pos;

	if (index != VFIO_PCI_CONFIG_REGION_INDEX || !cap)
		return false;
	*start = max(pos, cap);
	*end = min(pos + count, cap + MVF_VCAP_LEN);
	return *start < *end;
}

/**
 * mvf_vfio_read - vfio_device_ops.read: vfio-pci-core's, with the link
 *                 capability answered from the copy made at bind time
 * @vdev: the VF's vfio_device
 * @buf: user buffer
 * @count: bytes to read
 * @ppos: region offset (region index in the high bits), advanced
 *
 * Return: bytes read, or the errno of vfio_pci_core_read(); -EFAULT if
 * the copy to @buf faults.
 */
ssize_t mvf_vfio_read(struct vfio_device *vdev, char __user *buf,
		      size_t count, loff_t *ppos)
{
	struct mvf_vfio_pci_device *mvdev = mvf_vfio_from_vdev(vdev);
	unsigned int index = VFIO_PCI_OFFSET_TO_INDEX(*ppos);
	u64 pos = *ppos & VFIO_PCI_OFFSET_MASK;
	u64 start, end;
	ssize_t ret;

	ret = vfio_pci_core_read(vdev, buf, count, ppos);
	if (ret <= 0 ||
	    !mvf_vfio_cfg_overlap(mvdev, index, pos, ret, &start, &end))
		return ret;
	if (copy_to_user(buf + (start - pos),
			 mvdev->vcap + (start - mvdev->vcap_pos), end - start))
		return -EFAULT;
	return ret;
}

/**
 * mvf_vfio_write - vfio_device_ops.write: vfio-pci-core's, except that
 *                  bytes of the link capability are dropped
 * @vdev: the VF's vfio_device
 * @buf: user buffer
 * @count: bytes to write
 * @ppos: region offset (region index in the high bits), advanced
 *
 * The bytes before and after the capability go to vfio-pci-core; the
 * capability's bytes count as written, as read-only bits do in vfio-pci.
 *
 * Return: bytes consumed (fewer if vfio-pci-core takes fewer), or the
 * errno of vfio_pci_core_write() if it took none.
 */
ssize_t mvf_vfio_write(struct vfio_device *vdev, const char __user *buf,
		       size_t count, loff_t *ppos)
{
	struct mvf_vfio_pci_device *mvdev = mvf_vfio_from_vdev(vdev);
	unsigned int index = VFIO_PCI_OFFSET_TO_INDEX(*ppos);
	u64 pos = *ppos & VFIO_PCI_OFFSET_MASK;
	loff_t base = *ppos - pos;
	size_t done = 0, n;
	u64 start, end;
	loff_t off;
	ssize_t ret;

	if (!mvf_vfio_cfg_overlap(mvdev, index, pos, count, &start, &end))
		return vfio_pci_core_write(vdev, buf, count, ppos);

	if (pos < start) {
		n = start - pos;
		off = *ppos;
		ret = vfio_pci_core_write(vdev, buf, n, &off);
		if (ret < 0)
			return ret;
		done = ret;
		if (done < n)
			goto out;
	}
	/* The capability: dropped. */
	done = end - pos;
	if (done < count) {
		off = base + end;
		ret = vfio_pci_core_write(vdev, buf + done, count - done, &off);
		if (ret > 0)
			done += ret;
	}
out:
	*ppos += done;
	return done;
}
