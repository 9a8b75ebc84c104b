/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu: the VF model: BAR0 registers, the descriptor engine over the
 * descriptor/completion rings in host memory, device memory, and the
 * RUNNING / QUIESCED (P2P) / STOPPED states the PF puts it in.
 *
 * All work happens synchronously inside the MMIO write that triggers it
 * (SQ_TAIL doorbell, CTRL.ENABLE, or the PF resuming the VF), so the model
 * needs no locking and tests can drive it directly.
 */
#ifndef EMU_VF_H
#define EMU_VF_H

#include <stdbool.h>
#include <stdint.h>

#include "dirty.h"
#include "mvf/mvf.h"

struct dma_space;
struct irq_table;
struct img_save;
struct img_load;

enum vf_state {
	VF_RUNNING,
	VF_QUIESCED,	/* P2P: no DMA, no interrupts, MMIO latched */
	VF_STOPPED,	/* nothing runs */
};

/* Everything guest-visible that is migration state (struct mvf_img_regs). */
struct vf_regs {
	uint32_t ctrl;		/* MVF_VF_CTRL_* */
	uint32_t status;	/* MVF_VF_STS_ENABLED | MVF_VF_STS_HALTED only */
	uint64_t sq;
	uint64_t cq;
	uint32_t ring_size;
	uint32_t sq_tail;
	uint32_t sq_head;
	uint32_t db_latched;
	uint64_t cnt_desc;
	uint64_t cnt_bytes;
	uint32_t cnt_err;
	uint32_t last_err;
	uint32_t scratch[MVF_VF_NUM_SCRATCH];
	uint32_t msix_pending;	/* MSI-X vectors raised while not RUNNING */
};

/* Posts an event on the PF's event queue (struct mvf_event fields). */
typedef void vf_event_fn(void *ctx, uint16_t type, uint16_t vf_id,
			 uint32_t data);

#define VF_CAPS	(MVF_VF_CAP_COPY | MVF_VF_CAP_FILL | MVF_VF_CAP_H2D | \
		 MVF_VF_CAP_D2H | MVF_VF_CAP_DFILL | MVF_VF_CAP_CRC32C)

struct vf {
	unsigned int index;
	char name[16];
	bool verbose;
	uint64_t devmem_size;	/* bytes, multiple of MVF_IMG_PAGE_SIZE */
	uint8_t *devmem;
	uint64_t npages;	/* devmem pages of MVF_IMG_PAGE_SIZE */
	uint64_t *dirty;	/* page bitmap: written since bit cleared */
	/*
	 * MVF_VF_REG_DEVMEM_ACTIVE: the part of device memory descriptors
	 * reach and images carry.  @active_mib is the register value,
	 * 1..vf_devmem_mib_max(); @active_size = min(@active_mib MiB,
	 * @devmem_size) bytes, @active_pages its pages.
	 */
	uint32_t active_mib;
	uint64_t active_size;
	uint64_t active_pages;
	struct vf_regs r;
	enum vf_state state;
	struct dma_space *dma;	/* the VF's own DMA space (its IOVAs) */
	struct irq_table *irq;
	struct img_save *save;	/* open save session, or NULL */
	struct img_load *load;	/* open load session, or NULL */
	/*
	 * DMA dirty tracker, or NULL: created and freed by the PF's
	 * DIRTY_START/STOP (and PF reset); every write the VF makes into its
	 * DMA space is logged into it (struct dma_space's write observer).
	 * @log_src says what the VF is writing, for the fault plan.
	 */
	struct dirty *tracker;
	enum dirty_src log_src;
	vf_event_fn *event;
	void *event_ctx;
};

/* Device memory buffers (anonymous, zero-filled, lazily backed). */
uint8_t *devmem_alloc(uint64_t size);
void devmem_free(uint8_t *p, uint64_t size);

/*
 * 0, -EINVAL (size not a positive multiple of 4 KiB) or -ENOMEM.  Installs
 * the VF's dirty logger as @dma's write observer.
 */
int vf_init(struct vf *vf, unsigned int index, uint64_t devmem_size,
	    struct dma_space *dma, struct irq_table *irq, bool verbose);
void vf_destroy(struct vf *vf);

/* 32-bit BAR0 register access; @off is 4-byte aligned, < MVF_BAR_SIZE. */
uint32_t vf_reg_read(struct vf *vf, uint32_t off);
void vf_reg_write(struct vf *vf, uint32_t off, uint32_t val);

/*
 * Function Level Reset / vfio-user DEVICE_RESET: registers, rings,
 * counters, scratch and pending interrupts to defaults, save/load session
 * dropped, DEVMEM_ACTIVE back to all of device memory, state RUNNING,
 * MVF_EVENT_VF_RESET posted.  Device memory is preserved, and so is the
 * dirty tracker (it belongs to the PF's admin queue owner, not to the
 * VF's user, who resets the VF while the tracker runs).
 */
void vf_reset(struct vf *vf);

/* Stop dirty tracking (DIRTY_STOP, PF reset): the tracker is freed. */
void vf_dirty_stop(struct vf *vf);

/* PF admin steps; return an MVF_AQ_STS_* status. */
int vf_suspend(struct vf *vf, uint32_t type);
int vf_resume(struct vf *vf, uint32_t type);

/* MSI-X PBA bits (vectors pending while quiesced/stopped). */
uint32_t vf_msix_pending(const struct vf *vf);

/* Mark device memory [off, off + len) as written (dirty pages). */
void vf_mark_dirty(struct vf *vf, uint64_t off, uint64_t len);

/* Largest DEVMEM_ACTIVE value: device memory in MiB, rounded up. */
uint32_t vf_devmem_mib_max(const struct vf *vf);

/* Set DEVMEM_ACTIVE to @mib (1..vf_devmem_mib_max(), unchecked). */
void vf_set_active(struct vf *vf, uint32_t mib);

/* Install @r (validated) as the register state; used by image loads. */
void vf_set_regs(struct vf *vf, const struct vf_regs *r);

#endif
