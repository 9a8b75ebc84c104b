// SPDX-License-Identifier: GPL-2.0
/*
 * mvf_core: PCI driver for the mvf PF.
 *
 * Binds the PF, sets up its admin and event queues (adminq.c), keeps a
 * registry of bound PFs so that a VF driver can find the PF of its VF
 * through the VF's vendor capability, and exports the VF command API
 * (vf_api.c) to mvf_vfio_pci.ko.
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "core.h"

static unsigned int adminq_timeout_ms = 10000;
module_param(adminq_timeout_ms, uint, 0644);
MODULE_PARM_DESC(adminq_timeout_ms,
		 "Admin command completion timeout in milliseconds (default 10000, minimum 1)");

/**
 * mvf_adminq_timeout_ms() - current admin command timeout
 *
 * Context: any.
 * Return: the adminq_timeout_ms module parameter in milliseconds, at
 * least 1.
 */
unsigned int mvf_adminq_timeout_ms(void)
{
	return max(READ_ONCE(adminq_timeout_ms), 1U);
}

/*
 * The PF registry: every struct mvf_pf from the end of its first probe
 * until it is freed, bound or not (struct mvf_pf.state).  The mutex
 * protects the list and every @state, and makes "find + kref_get" atomic
 * against the last mvf_pf_put() (kref_put_mutex()), so a struct found
 * here always has a live reference.
 */
static LIST_HEAD(mvf_pf_list);
static DEFINE_MUTEX(mvf_pf_list_lock);

/* Contents of a function's MVF_VCAP_TYPE_LINK vendor capability. */
struct mvf_vcap {
	u8 role;
	u8 vf_index;
	u16 num_vfs;
	u64 serial;
};

/**
 * mvf_pci_find_vcap() - find a function's MVF_VCAP_TYPE_LINK capability
 * @pdev: an mvf PF or VF
 *
 * Walks the vendor capabilities (PCI_CAP_ID_VNDR) for the one of length
 * MVF_VCAP_LEN and type MVF_VCAP_TYPE_LINK, skipping others.  Reads the
 * device's config space directly (not a user's view of it).
 *
 * Context: process context (config space access).
 * Return: its config space offset, or 0 if there is none or config space
 * cannot be read.
 */
int mvf_pci_find_vcap(struct pci_dev *pdev)
{
	u8 len, type;
	int pos;

	for (pos = pci_find_capability(pdev, PCI_CAP_ID_VNDR); pos;
	     pos = pci_find_next_capability(pdev, pos, PCI_CAP_ID_VNDR)) {
		if (pci_read_config_byte(pdev, pos + PCI_CAP_FLAGS, &len) ||
		    pci_read_config_byte(pdev, pos + MVF_VCAP_TYPE, &type))
			return 0;
		if (len == MVF_VCAP_LEN && type == MVF_VCAP_TYPE_LINK)
			return pos;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(mvf_pci_find_vcap);

/*
 * Find and read the link capability of @pdev.  Other vendor capabilities
 * (wrong length or type) are skipped.  Return: 0, or -ENODEV if there is
 * none or it is malformed (bad version, bad role, config read failure).
 */
static int mvf_read_vcap(struct pci_dev *pdev, struct mvf_vcap *vcap)
{
	u32 lo, hi, version;
	int pos;

	pos = mvf_pci_find_vcap(pdev);
	if (!pos) {
		pci_dbg(pdev, "no mvf link capability\n");
		return -ENODEV;
	}

	if (pci_read_config_byte(pdev, pos + MVF_VCAP_ROLE, &vcap->role) ||
	    pci_read_config_byte(pdev, pos + MVF_VCAP_VF_INDEX,
				 &vcap->vf_index) ||
	    pci_read_config_word(pdev, pos + MVF_VCAP_NUM_VFS,
				 &vcap->num_vfs) ||
	    pci_read_config_dword(pdev, pos + MVF_VCAP_SERIAL_LO, &lo) ||
	    pci_read_config_dword(pdev, pos + MVF_VCAP_SERIAL_HI, &hi) ||
	    pci_read_config_dword(pdev, pos + MVF_VCAP_VERSION, &version))
		return -ENODEV;

	if (version != MVF_VCAP_VERSION_1) {
		pci_warn(pdev, "mvf link capability version 0x%x unsupported\n",
			 version);
		return -ENODEV;
	}
	if (vcap->role != MVF_VCAP_ROLE_PF && vcap->role != MVF_VCAP_ROLE_VF) {
		pci_warn(pdev, "mvf link capability: bad role %u\n",
			 vcap->role);
		return -ENODEV;
	}
	vcap->serial = (u64)hi << 32 | lo;
	return 0;
}

/**
 * mvf_pf_get_by_vf() - find and reference the PF that owns a VF
 * @vf: the VF's PCI device
 * @vf_id: on success, the VF's index on its PF (0-based); the value to
 *         pass as vf_id to the mvf_vf_*() commands
 *
 * Reads the MVF_VCAP_TYPE_LINK vendor capability of @vf (role VF, version
 * MVF_VCAP_VERSION_1), looks up the bound PF with the serial it names and
 * checks the VF index against the PF's VF count.
 *
 * Context: process context (takes a mutex); typically VF probe.
 * Return: the PF with a reference the caller drops with mvf_pf_put();
 * ERR_PTR(-ENODEV) if @vf is not an mvf VF (other vendor, capability
 * missing or malformed, index beyond the PF's num_vfs);
 * ERR_PTR(-EPROBE_DEFER) if no PF with that serial is bound (yet).
 */
struct mvf_pf *mvf_pf_get_by_vf(struct pci_dev *vf, u16 *vf_id)
{
	struct mvf_pf *pf, *found = NULL;
	struct mvf_vcap vcap;
	int ret;

	if (vf->vendor != MVF_PCI_VENDOR_ID)
		return ERR_PTR(-ENODEV);
	ret = mvf_read_vcap(vf, &vcap);
	if (ret)
		return ERR_PTR(ret);
	if (vcap.role != MVF_VCAP_ROLE_VF) {
		pci_warn(vf, "mvf link capability: role %u is not a VF\n",
			 vcap.role);
		return ERR_PTR(-ENODEV);
	}

	mutex_lock(&mvf_pf_list_lock);
	list_for_each_entry(pf, &mvf_pf_list, node) {
		if (pf->state == MVF_PF_BOUND && pf->serial == vcap.serial) {
			found = pf;
			break;
		}
	}
	if (!found) {
		mutex_unlock(&mvf_pf_list_lock);
		pci_dbg(vf, "PF serial %016llx not bound yet\n", vcap.serial);
		return ERR_PTR(-EPROBE_DEFER);
	}
	if (vcap.vf_index >= found->num_vfs) {
		mutex_unlock(&mvf_pf_list_lock);
		pci_warn(vf, "VF index %u beyond PF %s's %u VFs\n",
			 vcap.vf_index, pci_name(found->pdev), found->num_vfs);
		return ERR_PTR(-ENODEV);
	}
	kref_get(&found->kref);
	mutex_unlock(&mvf_pf_list_lock);

	*vf_id = vcap.vf_index;
	return found;
}
EXPORT_SYMBOL_GPL(mvf_pf_get_by_vf);

/* The last reference went; called with mvf_pf_list_lock held. */
static void mvf_pf_release(struct kref *kref)
{
	struct mvf_pf *pf = container_of(kref, struct mvf_pf, kref);

	list_del_init(&pf->node);
	mutex_unlock(&mvf_pf_list_lock);

	mutex_destroy(&pf->event_lock);
	mutex_destroy(&pf->aq_lock);
	kfree(pf->vf_event_cbs);
	pci_dev_put(pf->pdev);
	kfree(pf);
}

/**
 * mvf_pf_put() - drop a reference taken by mvf_pf_get_by_vf()
 * @pf: the PF, or NULL (no-op)
 *
 * The struct is freed when the last reference goes, which may be after
 * the PF was removed.  The caller must have unregistered any event
 * callback and must not use @pf afterwards.
 *
 * Context: process context (the final put releases the PF's pci_dev and
 * takes the PF registry mutex); normally VF remove.
 */
void mvf_pf_put(struct mvf_pf *pf)
{
	if (pf)
		kref_put_mutex(&pf->kref, mvf_pf_release, &mvf_pf_list_lock);
}
EXPORT_SYMBOL_GPL(mvf_pf_put);

/**
 * mvf_pf_max_chunk() - largest SAVE/LOAD chunk the PF moves per command
 * @pf: the PF, referenced
 *
 * The value is fixed when the PF is probed: the smaller of MVF_CHUNK_MAX
 * (4 MiB) and the device's IDENTIFY max_chunk.  It does not change on
 * remove (commands then fail with -ENODEV).
 *
 * Context: any.
 * Return: bytes, > 0.
 */
size_t mvf_pf_max_chunk(struct mvf_pf *pf)
{
	return pf->max_chunk;
}
EXPORT_SYMBOL_GPL(mvf_pf_max_chunk);

/*
 * Keep the dirty tracker limits of IDENTIFY that the core can use: at
 * most MVF_DIRTY_MAX_RANGES_CORE ranges (what the bounce buffer holds)
 * and page sizes of 4 KiB or more (the vfio uAPI's smallest).  A tracker
 * with no usable page size is treated as absent.
 */
static void mvf_pf_identify_dirty(struct mvf_pf *pf,
				  const struct mvf_identify *id)
{
	u32 ranges = le32_to_cpu(id->dirty_max_ranges);
	u32 pgsizes = le32_to_cpu(id->dirty_pgsizes);
	u32 usable = pgsizes & ~(SZ_4K - 1);

	pf->dirty.max_ranges = 0;
	pf->dirty.pgsizes = 0;
	if (!ranges)
		return;
	if (!usable) {
		dev_warn(&pf->pdev->dev,
			 "IDENTIFY: dirty tracker page sizes 0x%08x below 4 KiB, tracking disabled\n",
			 pgsizes);
		return;
	}
	pf->dirty.max_ranges = min_t(u32, ranges, MVF_DIRTY_MAX_RANGES_CORE);
	pf->dirty.pgsizes = usable;
}

/* IDENTIFY the device and check it agrees with its registers. */
static int mvf_pf_identify(struct mvf_pf *pf)
{
	struct device *dev = &pf->pdev->dev;
	struct mvf_identify id;
	u32 max_chunk;
	int ret;

	mutex_lock(&pf->aq_lock);
	ret = mvf_aq_exec(pf, MVF_AQ_OP_IDENTIFY, 0, 0, sizeof(id), NULL);
	if (!ret)
		memcpy(&id, pf->bounce, sizeof(id));
	mutex_unlock(&pf->aq_lock);
	if (ret) {
		dev_err(dev, "IDENTIFY failed: %d\n", ret);
		return ret;
	}

	if (le32_to_cpu(id.magic) != MVF_IDENTIFY_MAGIC) {
		dev_err(dev, "IDENTIFY: bad magic 0x%08x\n",
			le32_to_cpu(id.magic));
		return -EIO;
	}
	if (le32_to_cpu(id.dev_version) >> 16 != MVF_DEV_VERSION >> 16) {
		dev_err(dev, "IDENTIFY: device version 0x%08x unsupported\n",
			le32_to_cpu(id.dev_version));
		return -EOPNOTSUPP;
	}
	if (le64_to_cpu(id.serial) != pf->serial ||
	    le32_to_cpu(id.num_vfs) != pf->num_vfs) {
		dev_err(dev,
			"IDENTIFY: serial %016llx/%u VFs disagree with registers %016llx/%u VFs\n",
			le64_to_cpu(id.serial), le32_to_cpu(id.num_vfs),
			pf->serial, pf->num_vfs);
		return -EIO;
	}
	max_chunk = le32_to_cpu(id.max_chunk);
	if (!max_chunk) {
		dev_err(dev, "IDENTIFY: max_chunk is 0\n");
		return -EIO;
	}
	pf->max_chunk = min_t(size_t, max_chunk, MVF_CHUNK_MAX);
	pf->bounce_chunk = min_t(size_t, max_chunk, MVF_BOUNCE_SIZE);
	pf->devmem_size = le64_to_cpu(id.devmem_size);
	pf->img_version = le32_to_cpu(id.img_version);
	mvf_pf_identify_dirty(pf, &id);
	return 0;
}

/* A link capability on the PF is optional; if present it must agree. */
static int mvf_pf_check_own_vcap(struct mvf_pf *pf)
{
	struct mvf_vcap vcap;

	if (mvf_read_vcap(pf->pdev, &vcap))
		return 0;
	if (vcap.role != MVF_VCAP_ROLE_PF || vcap.serial != pf->serial ||
	    vcap.num_vfs != pf->num_vfs) {
		dev_err(&pf->pdev->dev,
			"link capability (role %u, serial %016llx, %u VFs) disagrees with registers\n",
			vcap.role, vcap.serial, vcap.num_vfs);
		return -EIO;
	}
	return 0;
}

/*
 * Probe found the registers of @fresh (a new struct, not in the registry,
 * with only @pdev, @bar, @serial and @num_vfs set).  If an unbound struct
 * with the same serial and VF count is kept for VF drivers, revive it:
 * it takes over @fresh's device and registers, @fresh is freed, and the
 * VF drivers' references and event callbacks work with the new binding.
 * Return: the struct the probe goes on with.
 */
static struct mvf_pf *mvf_pf_adopt(struct mvf_pf *fresh)
{
	struct mvf_pf *pf, *found = NULL;

	mutex_lock(&mvf_pf_list_lock);
	list_for_each_entry(pf, &mvf_pf_list, node) {
		if (pf->state == MVF_PF_UNBOUND && pf->serial == fresh->serial &&
		    pf->num_vfs == fresh->num_vfs) {
			found = pf;
			break;
		}
	}
	if (found) {
		/* The reference of this binding, dropped by remove. */
		kref_get(&found->kref);
		found->state = MVF_PF_BUSY;
	}
	mutex_unlock(&mvf_pf_list_lock);
	if (!found)
		return fresh;

	/* Detached: no command, so nobody else looks at these. */
	mutex_lock(&found->aq_lock);
	pci_dev_put(found->pdev);
	found->pdev = fresh->pdev;
	found->bar = fresh->bar;
	found->aq_dead = false;
	found->aq_bogus = false;
	found->dma_live = false;
	mutex_unlock(&found->aq_lock);

	dev_info(&found->pdev->dev,
		 "serial %016llx: reviving the PF kept for %u VF driver references\n",
		 found->serial, kref_read(&found->kref) - 1);
	mutex_destroy(&fresh->event_lock);
	mutex_destroy(&fresh->aq_lock);
	kfree(fresh);
	return found;
}

/* Mark @pf bound unless another PF with its serial is bound or busy. */
static int mvf_pf_register(struct mvf_pf *pf)
{
	struct mvf_pf *other;
	int ret = 0;

	mutex_lock(&mvf_pf_list_lock);
	list_for_each_entry(other, &mvf_pf_list, node) {
		if (other != pf && other->serial == pf->serial &&
		    other->state != MVF_PF_UNBOUND) {
			dev_err(&pf->pdev->dev,
				"serial %016llx already used by PF %s\n",
				pf->serial, pci_name(other->pdev));
			ret = -EEXIST;
			goto out;
		}
	}
	if (list_empty(&pf->node))
		list_add_tail(&pf->node, &mvf_pf_list);
	pf->state = MVF_PF_BOUND;
out:
	mutex_unlock(&mvf_pf_list_lock);
	return ret;
}

/* Set @pf's binding state (BUSY at remove start, UNBOUND at its end). */
static void mvf_pf_set_state(struct mvf_pf *pf, enum mvf_pf_state state)
{
	mutex_lock(&mvf_pf_list_lock);
	pf->state = state;
	mutex_unlock(&mvf_pf_list_lock);
}

/* Allow or refuse commands (probe of a revived struct, remove). */
static void mvf_pf_set_detached(struct mvf_pf *pf, bool detached)
{
	mutex_lock(&pf->aq_lock);
	pf->detached = detached;
	mutex_unlock(&pf->aq_lock);
}

/* Check identification registers; read serial and VF count. */
static int mvf_pf_check_regs(struct mvf_pf *pf)
{
	struct device *dev = &pf->pdev->dev;
	u32 id, version, caps;

	id = readl(pf->bar + MVF_REG_ID);
	version = readl(pf->bar + MVF_REG_VERSION);
	caps = readl(pf->bar + MVF_REG_CAPS);
	if (id != MVF_ID_PF) {
		dev_err(dev, "bad ID register 0x%08x, expected 0x%08x\n", id,
			MVF_ID_PF);
		return -ENODEV;
	}
	if (version >> 16 != MVF_DEV_VERSION >> 16) {
		dev_err(dev, "device version 0x%08x unsupported (driver 0x%08x)\n",
			version, MVF_DEV_VERSION);
		return -ENODEV;
	}
	if ((caps & (MVF_PF_CAP_ADMINQ | MVF_PF_CAP_EVENTQ)) !=
	    (MVF_PF_CAP_ADMINQ | MVF_PF_CAP_EVENTQ)) {
		dev_err(dev, "device lacks admin/event queue (caps 0x%08x)\n",
			caps);
		return -ENODEV;
	}

	pf->serial = (u64)readl(pf->bar + MVF_PF_REG_SERIAL_HI) << 32 |
		     readl(pf->bar + MVF_PF_REG_SERIAL_LO);
	pf->num_vfs = readl(pf->bar + MVF_PF_REG_NUM_VFS);
	if (pf->num_vfs > MVF_MAX_VFS) {
		dev_err(dev, "device claims %u VFs, at most %u supported\n",
			pf->num_vfs, MVF_MAX_VFS);
		return -ENODEV;
	}
	return 0;
}

static int mvf_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mvf_dirty_caps prev_dirty;
	struct device *dev = &pdev->dev;
	struct mvf_pf *pf;
	size_t prev_chunk;
	int ret;

	pf = kzalloc_obj(*pf, GFP_KERNEL);
	if (!pf)
		return -ENOMEM;
	kref_init(&pf->kref);
	INIT_LIST_HEAD(&pf->node);
	mutex_init(&pf->aq_lock);
	mutex_init(&pf->event_lock);
	spin_lock_init(&pf->aq_cpl_lock);
	init_waitqueue_head(&pf->aq_wq);
	pf->pdev = pci_dev_get(pdev);

	ret = pci_enable_device_mem(pdev);
	if (ret) {
		dev_err(dev, "cannot enable device: %d\n", ret);
		goto err_put;
	}
	ret = pci_request_regions(pdev, KBUILD_MODNAME);
	if (ret) {
		dev_err(dev, "cannot request regions: %d\n", ret);
		goto err_disable;
	}
	if (pci_resource_len(pdev, MVF_BAR_REGS) < MVF_BAR_SIZE ||
	    !(pci_resource_flags(pdev, MVF_BAR_REGS) & IORESOURCE_MEM)) {
		dev_err(dev, "BAR%d is not a %u byte memory BAR\n",
			MVF_BAR_REGS, MVF_BAR_SIZE);
		ret = -ENODEV;
		goto err_regions;
	}
	pf->bar = pci_iomap(pdev, MVF_BAR_REGS, MVF_BAR_SIZE);
	if (!pf->bar) {
		ret = -ENOMEM;
		goto err_regions;
	}

	ret = mvf_pf_check_regs(pf);
	if (ret)
		goto err_unmap;
	ret = mvf_pf_check_own_vcap(pf);
	if (ret)
		goto err_unmap;

	/* A revived struct keeps its VF drivers' callbacks. */
	pf = mvf_pf_adopt(pf);
	if (!pf->vf_event_cbs)
		pf->vf_event_cbs = kcalloc(max(pf->num_vfs, 1U),
					   sizeof(*pf->vf_event_cbs),
					   GFP_KERNEL);
	if (!pf->vf_event_cbs) {
		ret = -ENOMEM;
		goto err_unmap;
	}

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret) {
		dev_err(dev, "no 64-bit DMA: %d\n", ret);
		goto err_unmap;
	}

	/*
	 * Start from a known state whatever a previous driver left, before
	 * the device may master the bus: rings a previous owner programmed
	 * must not be written once bus mastering is on.
	 */
	ret = mvf_hw_reset(pf);
	if (ret)
		goto err_unmap;
	pci_set_master(pdev);

	ret = pci_alloc_irq_vectors(pdev, MVF_PF_MSIX_COUNT, MVF_PF_MSIX_COUNT,
				    PCI_IRQ_MSIX);
	if (ret < 0) {
		dev_err(dev, "cannot allocate %d MSI-X vectors: %d\n",
			MVF_PF_MSIX_COUNT, ret);
		goto err_master;
	}

	ret = mvf_aq_alloc(pf);
	if (ret)
		goto err_vectors;
	/*
	 * Enable the queues before requesting the IRQs: mvf_queues_enable()
	 * resets eq_head, which is the event IRQ thread's once the IRQ is
	 * requested.  An MSI-X the device sends meanwhile stays pending in
	 * the (still masked) vector and fires when the IRQ is requested.
	 */
	ret = mvf_queues_enable(pf);
	if (ret) {
		dev_err(dev, "cannot enable admin/event queues: %d\n", ret);
		goto err_disable_queues;
	}
	ret = mvf_aq_request_irqs(pf);
	if (ret) {
		dev_err(dev, "cannot request IRQs: %d\n", ret);
		goto err_disable_queues;
	}

	/* A revived struct was detached by the previous remove. */
	prev_chunk = pf->max_chunk;	/* 0 unless revived */
	prev_dirty = pf->dirty;
	mvf_pf_set_detached(pf, false);
	ret = mvf_pf_identify(pf);
	if (ret)
		goto err_detach;
	if (prev_chunk && (pf->max_chunk != prev_chunk ||
			   pf->dirty.max_ranges != prev_dirty.max_ranges ||
			   pf->dirty.pgsizes != prev_dirty.pgsizes)) {
		dev_err(dev,
			"IDENTIFY: chunk %zu, dirty tracker %u ranges 0x%x differ from the earlier binding's (%zu, %u, 0x%x) its VF drivers use; unbind them first\n",
			pf->max_chunk, pf->dirty.max_ranges, pf->dirty.pgsizes,
			prev_chunk, prev_dirty.max_ranges, prev_dirty.pgsizes);
		pf->max_chunk = prev_chunk;
		pf->dirty = prev_dirty;
		ret = -EBUSY;
		goto err_detach;
	}

	ret = mvf_pf_register(pf);
	if (ret)
		goto err_detach;
	pci_set_drvdata(pdev, pf);
	mvf_debugfs_add_pf(pf);

	dev_info(dev,
		 "mvf PF serial %016llx: %u VFs, %llu MiB device memory (VF 0), image v%u, chunk %zu bytes, dirty tracker %u ranges page sizes 0x%x\n",
		 pf->serial, pf->num_vfs, pf->devmem_size >> 20,
		 pf->img_version, pf->max_chunk, pf->dirty.max_ranges,
		 pf->dirty.pgsizes);
	return 0;

err_detach:
	mvf_pf_set_detached(pf, true);
	mvf_aq_free_irqs(pf);
err_disable_queues:
	/* If the device does not stop, mvf_aq_free() leaks the buffers. */
	mvf_queues_disable(pf);
	mvf_aq_free(pf);
err_vectors:
	pci_free_irq_vectors(pdev);
err_master:
	pci_clear_master(pdev);
err_unmap:
	pci_iounmap(pdev, pf->bar);
	pf->bar = NULL;
err_regions:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_put:
	/* A revived struct goes back to its VF drivers, unbound. */
	mvf_pf_set_state(pf, MVF_PF_UNBOUND);
	mvf_pf_put(pf);
	return ret;
}

static void mvf_remove(struct pci_dev *pdev)
{
	struct mvf_pf *pf = pci_get_drvdata(pdev);
	unsigned int vf_refs, notified;

	/* No reset_queues write runs or starts ... */
	mvf_debugfs_del_pf(pf);
	/* ... no new mvf_pf_get_by_vf() finds it, no probe adopts it ... */
	mvf_pf_set_state(pf, MVF_PF_BUSY);
	/* ... and, once the command in flight is done, none may start. */
	mvf_pf_set_detached(pf, true);

	/* Every VF's session goes with the queues: tell the VF drivers. */
	notified = mvf_pf_notify_vfs(pf, MVF_VF_RESET_DATA_PF_GONE);

	/*
	 * VF drivers still referencing the PF keep this struct: their
	 * commands fail with -ENODEV until a PF with the same serial and VF
	 * count is bound again, which revives it (mvf_pf_adopt()).
	 */
	vf_refs = kref_read(&pf->kref) - 1;
	if (vf_refs)
		dev_info(&pdev->dev,
			 "%u VF driver references remain (%u notified); their commands fail with -ENODEV until this PF is bound again\n",
			 vf_refs, notified);

	/* If the device does not stop, mvf_aq_free() leaks the buffers. */
	mvf_queues_disable(pf);
	/* Commands still in flight fail with -ENODEV. */
	mvf_aq_detach(pf);
	mvf_aq_free_irqs(pf);
	mvf_aq_free(pf);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pci_iounmap(pdev, pf->bar);
	pf->bar = NULL;
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	pci_set_drvdata(pdev, NULL);

	dev_info(&pdev->dev, "mvf PF serial %016llx removed\n", pf->serial);
	mvf_pf_set_state(pf, MVF_PF_UNBOUND);
	mvf_pf_put(pf);
}

/*
 * Reboot/kexec: stop the device writing the admin and event rings, which
 * the next kernel may reuse.  Later commands fail with -ENODEV.
 */
static void mvf_shutdown(struct pci_dev *pdev)
{
	struct mvf_pf *pf = pci_get_drvdata(pdev);

	mutex_lock(&pf->aq_lock);
	pf->detached = true;
	mutex_unlock(&pf->aq_lock);
	mvf_queues_disable(pf);
	mvf_aq_detach(pf);
	pci_clear_master(pdev);
	dev_dbg(&pdev->dev, "shutdown: admin and event queues disabled\n");
}

static const struct pci_device_id mvf_pci_ids[] = {
	{ PCI_DEVICE(MVF_PCI_VENDOR_ID, MVF_PCI_DEVICE_PF) },
	{ }
};
MODULE_DEVICE_TABLE(pci, mvf_pci_ids);

static struct pci_driver mvf_pci_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= mvf_pci_ids,
	.probe		= mvf_probe,
	.remove		= mvf_remove,
	.shutdown	= mvf_shutdown,
};

static int __init mvf_init(void)
{
	int ret;

	mvf_debugfs_init();
	ret = pci_register_driver(&mvf_pci_driver);
	if (ret)
		mvf_debugfs_exit();
	return ret;
}
module_init(mvf_init);

static void __exit mvf_exit(void)
{
	pci_unregister_driver(&mvf_pci_driver);
	mvf_debugfs_exit();
}
module_exit(mvf_exit);

MODULE_DESCRIPTION("mvf PF core driver: admin queue and VF migration commands");
MODULE_LICENSE("GPL");
