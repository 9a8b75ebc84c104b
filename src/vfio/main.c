// SPDX-License-Identifier: GPL-2.0
/*
 * mvf_vfio_pci: VFIO PCI variant driver for the VFs of the mvf device.
 *
 * PCI glue and the vfio_device_ops: everything that is not migration is
 * vfio-pci-core's; migration (lm.c, file.c) drives the VF through its PF's
 * admin queue, owned by mvf_core.ko.
 */

#include <linux/err.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "mvf_core.h"
#include "mvf_vfio_test.h"
#include "compat.h"
#include "vfio_dev.h"

static struct mvf_vfio_pci_device *mvf_vfio_drvdata(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core_device = dev_get_drvdata(&pdev->dev);

	return container_of(core_device, struct mvf_vfio_pci_device,
			    core_device);
}

static int mvf_vfio_init_dev(struct vfio_device *vdev)
{
	struct mvf_vfio_pci_device *mvdev = mvf_vfio_from_vdev(vdev);
	struct pci_dev *pdev = to_pci_dev(vdev->dev);
	struct mvf_pf *pf;
	u16 vf_id;
	int ret;

	/* Before any user can write it (cfg.c). */
	ret = mvf_vfio_cfg_init(mvdev);
	if (ret)
		return ret;

	/* -EPROBE_DEFER while the PF has no driver: probe again later. */
	pf = mvf_pf_get_by_vf(pdev, &vf_id);
	if (IS_ERR(pf))
		return PTR_ERR(pf);

	mvdev->pf = pf;
	mvdev->vf_id = vf_id;
	mvf_vfio_lm_init(mvdev);
	mvf_vfio_dirty_init(mvdev);

	/* PRECOPY data, INITIAL_CHANGED and TRACKER_ERROR events of this VF. */
	ret = mvf_pf_set_vf_event_handler(pf, vf_id, mvf_vfio_lm_event, mvdev);
	if (ret)
		goto err_uninit;

	ret = vfio_pci_core_init_dev(vdev);
	if (ret)
		goto err_clear_handler;
	return 0;

err_clear_handler:
	mvf_pf_set_vf_event_handler(pf, vf_id, NULL, NULL);
err_uninit:
	mvf_vfio_lm_uninit(mvdev);
	mvf_pf_put(pf);
	return ret;
}

static void mvf_vfio_release_dev(struct vfio_device *vdev)
{
	struct mvf_vfio_pci_device *mvdev = mvf_vfio_from_vdev(vdev);

	/* Once cleared, the event callback no longer runs. */
	mvf_pf_set_vf_event_handler(mvdev->pf, mvdev->vf_id, NULL, NULL);
	mvf_vfio_lm_uninit(mvdev);
	mvf_pf_put(mvdev->pf);
	vfio_pci_core_release_dev(vdev);
}

static int mvf_vfio_open_device(struct vfio_device *vdev)
{
	struct mvf_vfio_pci_device *mvdev = mvf_vfio_from_vdev(vdev);
	int ret;

	ret = vfio_pci_core_enable(&mvdev->core_device);
	if (ret)
		return ret;

	mvf_vfio_lm_open(mvdev);
	mvf_vfio_dirty_open(mvdev);
	vfio_pci_core_finish_enable(&mvdev->core_device);
	return 0;
}

static void mvf_vfio_close_device(struct vfio_device *vdev)
{
	struct mvf_vfio_pci_device *mvdev = mvf_vfio_from_vdev(vdev);

	mvf_vfio_lm_close(mvdev);
	vfio_pci_core_close_device(vdev);
}

#ifdef MVF_HAVE_PRECOPY_INFO_V2
#define mvf_vfio_device_feature	vfio_pci_core_ioctl_feature
#else
/* Before 7.1 the vfio core passes the PRECOPY_INFOv2 opt-in to us. */
static int mvf_vfio_device_feature(struct vfio_device *vdev, u32 flags,
				   void __user *arg, size_t argsz)
{
	if ((flags & VFIO_DEVICE_FEATURE_MASK) ==
	    MVF_FEATURE_MIG_PRECOPY_INFO_V2)
		return mvf_vfio_precopy_info_v2_feature(mvf_vfio_from_vdev(vdev),
							flags, argsz);
	return vfio_pci_core_ioctl_feature(vdev, flags, arg, argsz);
}
#endif

/* vfio-pci-core's ioctls, plus the dirty tracking test hook. */
static long mvf_vfio_ioctl(struct vfio_device *vdev, unsigned int cmd,
			   unsigned long arg)
{
	if (cmd == MVF_VFIO_TEST_DIRTY_REPORT)
		return mvf_vfio_dirty_test_ioctl(mvf_vfio_from_vdev(vdev),
						 (void __user *)arg);
	return vfio_pci_core_ioctl(vdev, cmd, arg);
}

static const struct vfio_device_ops mvf_vfio_pci_ops = {
	.name = "mvf-vfio-pci",
	.init = mvf_vfio_init_dev,
	.release = mvf_vfio_release_dev,
	.open_device = mvf_vfio_open_device,
	.close_device = mvf_vfio_close_device,
	.ioctl = mvf_vfio_ioctl,
#ifdef MVF_HAVE_GET_REGION_INFO_CAPS
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
#endif
	.device_feature = mvf_vfio_device_feature,
	.read = mvf_vfio_read,
	.write = mvf_vfio_write,
	.mmap = vfio_pci_core_mmap,
	.request = vfio_pci_core_request,
	.match = vfio_pci_core_match,
#ifdef MVF_HAVE_MATCH_TOKEN_UUID
	.match_token_uuid = vfio_pci_core_match_token_uuid,
#endif
	.bind_iommufd = vfio_iommufd_physical_bind,
	.unbind_iommufd = vfio_iommufd_physical_unbind,
	.attach_ioas = vfio_iommufd_physical_attach_ioas,
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
};

static int mvf_vfio_pci_probe(struct pci_dev *pdev,
			      const struct pci_device_id *id)
{
	struct mvf_vfio_pci_device *mvdev;
	int ret;

	mvdev = vfio_alloc_device(mvf_vfio_pci_device, core_device.vdev,
				  &pdev->dev, &mvf_vfio_pci_ops);
	if (IS_ERR(mvdev))
		return PTR_ERR(mvdev);

	dev_set_drvdata(&pdev->dev, &mvdev->core_device);
	ret = vfio_pci_core_register_device(&mvdev->core_device);
	if (ret)
		goto out_put_vdev;
	return 0;

out_put_vdev:
	vfio_put_device(&mvdev->core_device.vdev);
	return ret;
}

static void mvf_vfio_pci_remove(struct pci_dev *pdev)
{
	struct mvf_vfio_pci_device *mvdev = mvf_vfio_drvdata(pdev);

	vfio_pci_core_unregister_device(&mvdev->core_device);
	vfio_put_device(&mvdev->core_device.vdev);
}

static void mvf_vfio_pci_reset_done(struct pci_dev *pdev)
{
	mvf_vfio_lm_reset_done(mvf_vfio_drvdata(pdev));
}

static const struct pci_device_id mvf_vfio_pci_table[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(MVF_PCI_VENDOR_ID, MVF_PCI_DEVICE_VF) },
	{ }
};
MODULE_DEVICE_TABLE(pci, mvf_vfio_pci_table);

/*
 * vfio_pci_core_err_handlers has no reset_done, which the deferred reset
 * needs, so pair vfio-pci-core's error_detected with our own reset_done.
 */
static const struct pci_error_handlers mvf_vfio_pci_err_handlers = {
	.reset_done = mvf_vfio_pci_reset_done,
	.error_detected = vfio_pci_core_aer_err_detected,
};

static struct pci_driver mvf_vfio_pci_driver = {
	.name = KBUILD_MODNAME,
	.id_table = mvf_vfio_pci_table,
	.probe = mvf_vfio_pci_probe,
	.remove = mvf_vfio_pci_remove,
	.err_handler = &mvf_vfio_pci_err_handlers,
	.driver_managed_dma = true,
};

module_pci_driver(mvf_vfio_pci_driver);

MVF_IMPORT_NS_IOMMUFD();
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO PCI variant driver with live migration for mvf VFs");
