/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu: the vfio-user transport (docs/interop/vfio-user.rst as QEMU
 * 11.1's vfio-user-pci client speaks it): message framing over a UNIX
 * stream socket, file descriptors via SCM_RIGHTS, validation of every
 * message, and the command handlers in front of one struct func.
 */
#ifndef EMU_VFU_H
#define EMU_VFU_H

#include <stdbool.h>
#include <stdint.h>

struct func;

/* Wire format: host endian, packed by construction. */
struct vfu_hdr {
	uint16_t msg_id;
	uint16_t cmd;
	uint32_t size;		/* whole message, header included */
	uint32_t flags;
	uint32_t error;		/* errno, in replies with VFU_F_ERROR */
};

enum vfu_cmd {
	VFU_VERSION = 1,
	VFU_DMA_MAP = 2,
	VFU_DMA_UNMAP = 3,
	VFU_DEVICE_GET_INFO = 4,
	VFU_DEVICE_GET_REGION_INFO = 5,
	VFU_DEVICE_GET_REGION_IO_FDS = 6,
	VFU_DEVICE_GET_IRQ_INFO = 7,
	VFU_DEVICE_SET_IRQS = 8,
	VFU_REGION_READ = 9,
	VFU_REGION_WRITE = 10,
	VFU_DMA_READ = 11,
	VFU_DMA_WRITE = 12,
	VFU_DEVICE_RESET = 13,
	VFU_DIRTY_PAGES = 14,
	VFU_REGION_WRITE_MULTI = 15,
	VFU_DEVICE_FEATURE = 16,
	VFU_MIG_DATA_READ = 17,
	VFU_MIG_DATA_WRITE = 18,
};

#define VFU_F_TYPE_MASK		0xfu
#define VFU_F_TYPE_COMMAND	0x0u
#define VFU_F_TYPE_REPLY	0x1u
#define VFU_F_NO_REPLY		0x10u
#define VFU_F_ERROR		0x20u

struct vfu_dma_map {
	uint32_t argsz;
	uint32_t flags;		/* VFU_DMA_F_* */
	uint64_t offset;
	uint64_t iova;
	uint64_t size;
};

#define VFU_DMA_F_READ		(1u << 0)
#define VFU_DMA_F_WRITE		(1u << 1)
#define VFU_DMA_F_MMAP		(1u << 2)	/* access-mode bits: ignored */
#define VFU_DMA_F_FILE_IO	(1u << 3)

struct vfu_dma_unmap {
	uint32_t argsz;
	uint32_t flags;		/* VFU_UNMAP_F_* */
	uint64_t iova;
	uint64_t size;
};

#define VFU_UNMAP_F_GET_DIRTY_BITMAP	(1u << 0)
#define VFU_UNMAP_F_ALL			(1u << 1)

struct vfu_device_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t num_regions;
	uint32_t num_irqs;
};

struct vfu_region_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t cap_offset;
	uint64_t size;
	uint64_t offset;
};

struct vfu_irq_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t count;
};

struct vfu_irq_set {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t start;
	uint32_t count;
};

struct vfu_region_access {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
};

#define VFU_MAX_MSG_FDS		8		/* advertised max_msg_fds */
#define VFU_MAX_XFER		(1u << 20)	/* advertised max_data_xfer_size */
#define VFU_MAX_RX_FDS		16		/* fds we accept per message */

struct vfu_conn {
	int fd;
	struct func *fn;
	bool negotiated;	/* VERSION done */
	uint8_t *rx;		/* message body */
	uint8_t *tx;		/* reply payload */
	uint64_t nr_msgs;
	uint64_t rx_bytes;	/* bytes of whole messages received */
};

/* Serve @fn on connected socket @fd.  0 or -ENOMEM.  @fd is not owned. */
int vfu_conn_init(struct vfu_conn *c, int fd, struct func *fn);
void vfu_conn_fini(struct vfu_conn *c);

/*
 * Receive and handle one message, replying unless it has NO_REPLY.
 * Returns 0, or -1 when the connection is over (peer closed, I/O error,
 * unframeable message); the caller then closes the socket and calls
 * func_disconnect().  Malformed messages get an error reply and 0.
 */
int vfu_handle(struct vfu_conn *c);

/*
 * The same without the socket (fuzz targets): handle the message @hdr
 * with its @hdr->size - sizeof(*@hdr) body bytes at @body (@hdr->size is
 * at least the header; a body over the receive limit is refused as
 * vfu_handle() refuses it) and the @nfds file descriptors @fds, which are
 * consumed: kept by the handler or closed.  Sends nothing: returns the
 * reply's errno (0 for success) and leaves its *@plen payload bytes in
 * @c->tx.  @c->fd is not used.
 */
int vfu_handle_msg(struct vfu_conn *c, const struct vfu_hdr *hdr,
		   const void *body, int *fds, unsigned int nfds, size_t *plen);

#endif
