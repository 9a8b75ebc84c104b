// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: the vfio-user transport and command handlers (see vfu.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "func.h"
#include "log.h"
#include "vfu.h"

#define RX_MAX		(sizeof(struct vfu_region_access) + VFU_MAX_XFER)
#define TX_MAX		(sizeof(struct vfu_region_access) + VFU_MAX_XFER)
#define DRAIN_MAX	(64u << 20)	/* larger bodies: drop the client */
#define IO_TIMEOUT_S	5

/*
 * VERSION reply capabilities, longest first: QEMU rejects a reply longer
 * than its request, so the first one that fits is sent.  No
 * "write_multiple": we do not implement REGION_WRITE_MULTI.
 */
static const char *const version_json[] = {
	"{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576,"
	"\"migration\":{\"pgsize\":4096}}}",
	"{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576}}",
	"{\"capabilities\":{\"max_msg_fds\":8}}",
};

/* One received request. */
struct req {
	struct vfu_hdr hdr;
	const uint8_t *body;	/* NULL: too big, skipped */
	size_t len;
	int fds[VFU_MAX_RX_FDS];
	unsigned int nfds;
	bool fds_truncated;
};

int vfu_conn_init(struct vfu_conn *c, int fd, struct func *fn)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->fn = fn;
	c->rx = malloc(RX_MAX);
	c->tx = malloc(TX_MAX);
	if (!c->rx || !c->tx) {
		vfu_conn_fini(c);
		return -ENOMEM;
	}
	/* A client stalling mid-message must not hang the other functions. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

void vfu_conn_fini(struct vfu_conn *c)
{
	free(c->rx);
	free(c->tx);
	c->rx = NULL;
	c->tx = NULL;
}

static const char *cmd_name(unsigned int cmd)
{
	static const char *const names[] = {
		[VFU_VERSION] = "VERSION",
		[VFU_DMA_MAP] = "DMA_MAP",
		[VFU_DMA_UNMAP] = "DMA_UNMAP",
		[VFU_DEVICE_GET_INFO] = "DEVICE_GET_INFO",
		[VFU_DEVICE_GET_REGION_INFO] = "DEVICE_GET_REGION_INFO",
		[VFU_DEVICE_GET_REGION_IO_FDS] = "DEVICE_GET_REGION_IO_FDS",
		[VFU_DEVICE_GET_IRQ_INFO] = "DEVICE_GET_IRQ_INFO",
		[VFU_DEVICE_SET_IRQS] = "DEVICE_SET_IRQS",
		[VFU_REGION_READ] = "REGION_READ",
		[VFU_REGION_WRITE] = "REGION_WRITE",
		[VFU_DMA_READ] = "DMA_READ",
		[VFU_DMA_WRITE] = "DMA_WRITE",
		[VFU_DEVICE_RESET] = "DEVICE_RESET",
		[VFU_DIRTY_PAGES] = "DIRTY_PAGES",
		[VFU_REGION_WRITE_MULTI] = "REGION_WRITE_MULTI",
		[VFU_DEVICE_FEATURE] = "DEVICE_FEATURE",
		[VFU_MIG_DATA_READ] = "MIG_DATA_READ",
		[VFU_MIG_DATA_WRITE] = "MIG_DATA_WRITE",
	};

	return cmd < sizeof(names) / sizeof(names[0]) && names[cmd] ?
	       names[cmd] : "unknown";
}

/* ---- I/O ---------------------------------------------------------------- */

static int recv_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = recv(fd, p, len, MSG_WAITALL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_all(int fd, const void *a, size_t alen, const void *b,
		    size_t blen)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)a, .iov_len = alen },
		{ .iov_base = (void *)b, .iov_len = blen },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = blen ? 2 : 1 };
	ssize_t n;

	while (iov[0].iov_len + iov[1].iov_len) {
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		for (int i = 0; i < 2 && n; i++) {
			size_t k = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;

			iov[i].iov_base = (uint8_t *)iov[i].iov_base + k;
			iov[i].iov_len -= k;
			n -= (ssize_t)k;
		}
		if (!iov[0].iov_len) {
			msg.msg_iov = &iov[1];
			msg.msg_iovlen = 1;
		}
	}
	return 0;
}

/* Header and any fds, then the body.  0, or -errno: connection over. */
static int recv_req(struct vfu_conn *c, struct req *r)
{
	union {
		char buf[CMSG_SPACE(VFU_MAX_RX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = &r->hdr, .iov_len = sizeof(r->hdr) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int ret;

	memset(r, 0, sizeof(*r));
	do {
		n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : -EPIPE;

	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t nfd, i;
		int fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (r->nfds < VFU_MAX_RX_FDS)
				r->fds[r->nfds++] = fd;
			else
				close(fd);
		}
	}
	if (msg.msg_flags & MSG_CTRUNC)
		r->fds_truncated = true;

	if ((size_t)n < sizeof(r->hdr)) {
		ret = recv_all(c->fd, (uint8_t *)&r->hdr + n, sizeof(r->hdr) - (size_t)n);
		if (ret)
			return ret;
	}
	if (r->hdr.size < sizeof(r->hdr)) {
		emu_err("%s: message id %u: size %u smaller than the header, dropping client",
			c->fn->name, r->hdr.msg_id, r->hdr.size);
		return -EPROTO;
	}
	r->len = r->hdr.size - sizeof(r->hdr);
	r->body = c->rx;
	if (r->len > RX_MAX) {
		uint8_t *sink = c->tx;
		size_t left = r->len;

		/* Too big for us: skip it so the stream stays framed. */
		if (r->len > DRAIN_MAX) {
			emu_err("%s: message id %u: %zu byte body, dropping client",
				c->fn->name, r->hdr.msg_id, r->len);
			return -EPROTO;
		}
		while (left) {
			size_t k = left < TX_MAX ? left : TX_MAX;

			ret = recv_all(c->fd, sink, k);
			if (ret)
				return ret;
			left -= k;
		}
		r->body = NULL;
		return 0;
	}
	return recv_all(c->fd, c->rx, r->len);
}

static void close_fds(struct req *r)
{
	unsigned int i;

	for (i = 0; i < r->nfds; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	r->nfds = 0;
}

static int send_reply(struct vfu_conn *c, const struct req *r, int err,
		      const void *payload, size_t plen)
{
	struct vfu_hdr h = {
		.msg_id = r->hdr.msg_id,
		.cmd = r->hdr.cmd,
		.flags = VFU_F_TYPE_REPLY,
	};

	if (err) {
		h.flags |= VFU_F_ERROR;
		h.error = (uint32_t)err;
		plen = 0;
	}
	h.size = (uint32_t)(sizeof(h) + plen);
	return send_all(c->fd, &h, sizeof(h), payload, plen);
}

/* ---- handlers: return 0 or a positive errno; set *plen for replies -------- */

static int h_version(struct vfu_conn *c, struct req *r, size_t *plen)
{
	const size_t n = sizeof(version_json) / sizeof(version_json[0]);
	uint16_t ver[2];
	size_t i, jlen = 0;

	if (r->len < sizeof(ver))
		return EINVAL;
	memcpy(ver, r->body, sizeof(ver));
	/* The client's capabilities: a NUL-terminated JSON object. */
	if (r->len > sizeof(ver) &&
	    (r->body[r->len - 1] != '\0' || r->body[sizeof(ver)] != '{'))
		return EINVAL;
	if (ver[0] != 0)
		return ENOTSUP;
	ver[0] = 0;
	ver[1] = 0;
	memcpy(c->tx, ver, sizeof(ver));
	for (i = 0; i < n; i++) {
		jlen = strlen(version_json[i]) + 1;
		if (sizeof(ver) + jlen <= r->len)
			break;
	}
	if (i == n)
		i = n - 1;
	memcpy(c->tx + sizeof(ver), version_json[i], jlen);
	*plen = sizeof(ver) + jlen;
	c->negotiated = true;
	return 0;
}

static int h_dma_map(struct vfu_conn *c, struct req *r, size_t *plen)
{
	struct vfu_dma_map m;
	int ret;

	(void)plen;
	if (r->len < sizeof(m))
		return EINVAL;
	memcpy(&m, r->body, sizeof(m));
	if (m.argsz < sizeof(m) || r->nfds > 1 ||
	    (m.flags & ~(VFU_DMA_F_READ | VFU_DMA_F_WRITE | VFU_DMA_F_MMAP |
			 VFU_DMA_F_FILE_IO)))
		return EINVAL;
	ret = dma_map(&c->fn->dma, m.iova, m.size,
		      m.flags & (VFU_DMA_F_READ | VFU_DMA_F_WRITE),
		      r->nfds ? r->fds[0] : -1, m.offset);
	if (ret)
		emu_err("%s: DMA_MAP iova 0x%llx size 0x%llx offset 0x%llx: %s",
			c->fn->name, (unsigned long long)m.iova,
			(unsigned long long)m.size, (unsigned long long)m.offset,
			strerror(-ret));
	return -ret;
}

static int h_dma_unmap(struct vfu_conn *c, struct req *r, size_t *plen)
{
	struct vfu_dma_unmap u;

	if (r->len < sizeof(u) || r->nfds)
		return EINVAL;
	memcpy(&u, r->body, sizeof(u));
	if (u.argsz < sizeof(u) ||
	    (u.flags & ~(VFU_UNMAP_F_ALL | VFU_UNMAP_F_GET_DIRTY_BITMAP)))
		return EINVAL;
	if (u.flags & VFU_UNMAP_F_GET_DIRTY_BITMAP)
		return ENOTSUP;
	if (u.flags & VFU_UNMAP_F_ALL)
		dma_unmap_all(&c->fn->dma);
	else
		dma_unmap(&c->fn->dma, u.iova, u.size);
	u.argsz = sizeof(u);
	memcpy(c->tx, &u, sizeof(u));
	*plen = sizeof(u);
	return 0;
}

static int h_device_info(struct vfu_conn *c, struct req *r, size_t *plen)
{
	struct vfu_device_info i;

	if (r->len < sizeof(uint32_t))
		return EINVAL;
	memcpy(&i.argsz, r->body, sizeof(i.argsz));
	if (i.argsz < sizeof(i))
		return EINVAL;
	i.argsz = sizeof(i);
	i.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	i.num_regions = FUNC_NR_REGIONS;
	i.num_irqs = IRQ_NR_INDEX;
	memcpy(c->tx, &i, sizeof(i));
	*plen = sizeof(i);
	return 0;
}

static int h_region_info(struct vfu_conn *c, struct req *r, size_t *plen)
{
	struct vfu_region_info i;

	if (r->len < sizeof(i))
		return EINVAL;
	memcpy(&i, r->body, sizeof(i));
	if (i.argsz < sizeof(i) || i.index >= FUNC_NR_REGIONS)
		return EINVAL;
	i.argsz = sizeof(i);
	i.cap_offset = 0;
	i.size = func_region_size(i.index);
	i.flags = i.size ? VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE : 0;
	i.offset = 0;
	memcpy(c->tx, &i, sizeof(i));
	*plen = sizeof(i);
	return 0;
}

static int h_irq_info(struct vfu_conn *c, struct req *r, size_t *plen)
{
	struct vfu_irq_info i;

	if (r->len < sizeof(i))
		return EINVAL;
	memcpy(&i, r->body, sizeof(i));
	if (i.argsz < sizeof(i) || i.index >= IRQ_NR_INDEX)
		return EINVAL;
	i.argsz = sizeof(i);
	i.count = c->fn->irq.count[i.index];
	i.flags = VFIO_IRQ_INFO_EVENTFD;
	if (i.index == IRQ_INTX)
		i.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else
		i.flags |= VFIO_IRQ_INFO_NORESIZE;
	memcpy(c->tx, &i, sizeof(i));
	*plen = sizeof(i);
	return 0;
}

static bool one_bit(uint32_t v)
{
	return v && !(v & (v - 1));
}

static int h_set_irqs(struct vfu_conn *c, struct req *r, size_t *plen)
{
	struct irq_table *t = &c->fn->irq;
	struct vfu_irq_set s;
	uint32_t data, action, i;

	(void)plen;
	if (r->len < sizeof(s))
		return EINVAL;
	memcpy(&s, r->body, sizeof(s));
	data = s.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	action = s.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if (s.argsz < sizeof(s) || s.index >= IRQ_NR_INDEX || !one_bit(data) ||
	    !one_bit(action) ||
	    (s.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return EINVAL;
	if (data != VFIO_IRQ_SET_DATA_EVENTFD && r->nfds)
		return EINVAL;

	if (action != VFIO_IRQ_SET_ACTION_TRIGGER) {
		/* Mask/unmask: INTx only, and we never assert INTx. */
		if (s.index != IRQ_INTX)
			return EINVAL;
		if (data == VFIO_IRQ_SET_DATA_EVENTFD && r->nfds > 1)
			return EINVAL;
		return 0;	/* a resample eventfd is closed by the caller */
	}
	if (data == VFIO_IRQ_SET_DATA_NONE && s.count == 0) {
		for (i = 0; i < IRQ_MAX_VEC; i++)
			irq_set_fd(t, s.index, i, -1);
		emu_dbg(c->fn->verbose, "%s: irq index %u disabled", c->fn->name, s.index);
		return 0;
	}
	if (!s.count || s.start >= t->count[s.index] ||
	    s.count > t->count[s.index] - s.start)
		return EINVAL;

	switch (data) {
	case VFIO_IRQ_SET_DATA_EVENTFD:
		if (r->nfds == 0) {	/* a run of -1: de-assign */
			for (i = 0; i < s.count; i++)
				irq_set_fd(t, s.index, s.start + i, -1);
			return 0;
		}
		if (r->nfds != s.count)
			return EINVAL;
		for (i = 0; i < s.count; i++) {
			irq_set_fd(t, s.index, s.start + i, r->fds[i]);
			r->fds[i] = -1;	/* kept */
		}
		emu_dbg(c->fn->verbose, "%s: irq index %u vectors %u..%u assigned",
			c->fn->name, s.index, s.start, s.start + s.count - 1);
		return 0;
	case VFIO_IRQ_SET_DATA_NONE:
		for (i = 0; i < s.count; i++)
			irq_raise(t, s.index, s.start + i);
		return 0;
	default:	/* DATA_BOOL */
		if (r->len < sizeof(s) + s.count)
			return EINVAL;
		for (i = 0; i < s.count; i++)
			if (r->body[sizeof(s) + i])
				irq_raise(t, s.index, s.start + i);
		return 0;
	}
}

static int check_access(struct req *r, struct vfu_region_access *a, bool write)
{
	uint64_t size;

	if (r->len < sizeof(*a) || r->nfds)
		return EINVAL;
	memcpy(a, r->body, sizeof(*a));
	size = func_region_size(a->region);
	if (a->count > VFU_MAX_XFER || a->offset > size || a->count > size - a->offset)
		return EINVAL;
	if (write && r->len < sizeof(*a) + a->count)
		return EINVAL;
	return 0;
}

static int h_region_read(struct vfu_conn *c, struct req *r, size_t *plen)
{
	struct vfu_region_access a;
	int ret;

	ret = check_access(r, &a, false);
	if (ret)
		return ret;
	ret = func_region_read(c->fn, a.region, a.offset, c->tx + sizeof(a), a.count);
	if (ret)
		return -ret;
	memcpy(c->tx, &a, sizeof(a));
	*plen = sizeof(a) + a.count;
	return 0;
}

static int h_region_write(struct vfu_conn *c, struct req *r, size_t *plen)
{
	struct vfu_region_access a;
	int ret;

	ret = check_access(r, &a, true);
	if (ret)
		return ret;
	ret = func_region_write(c->fn, a.region, a.offset, r->body + sizeof(a), a.count);
	if (ret)
		return -ret;
	memcpy(c->tx, &a, sizeof(a));
	*plen = sizeof(a);
	return 0;
}

static int h_reset(struct vfu_conn *c, struct req *r, size_t *plen)
{
	(void)plen;
	if (r->nfds)
		return EINVAL;
	func_reset(c->fn);
	return 0;
}

static int dispatch(struct vfu_conn *c, struct req *r, size_t *plen)
{
	if ((r->hdr.flags & VFU_F_TYPE_MASK) != VFU_F_TYPE_COMMAND ||
	    (r->hdr.flags & VFU_F_ERROR) || r->fds_truncated)
		return EINVAL;
	if (!r->body)
		return E2BIG;
	if (!c->negotiated && r->hdr.cmd != VFU_VERSION)
		return EINVAL;
	switch (r->hdr.cmd) {
	case VFU_VERSION:
		return h_version(c, r, plen);
	case VFU_DMA_MAP:
		return h_dma_map(c, r, plen);
	case VFU_DMA_UNMAP:
		return h_dma_unmap(c, r, plen);
	case VFU_DEVICE_GET_INFO:
		return h_device_info(c, r, plen);
	case VFU_DEVICE_GET_REGION_INFO:
		return h_region_info(c, r, plen);
	case VFU_DEVICE_GET_IRQ_INFO:
		return h_irq_info(c, r, plen);
	case VFU_DEVICE_SET_IRQS:
		return h_set_irqs(c, r, plen);
	case VFU_REGION_READ:
		return h_region_read(c, r, plen);
	case VFU_REGION_WRITE:
		return h_region_write(c, r, plen);
	case VFU_DEVICE_RESET:
		return h_reset(c, r, plen);
	case VFU_DEVICE_GET_REGION_IO_FDS:
	case VFU_DMA_READ:
	case VFU_DMA_WRITE:
	case VFU_DIRTY_PAGES:
	case VFU_REGION_WRITE_MULTI:
	case VFU_DEVICE_FEATURE:
	case VFU_MIG_DATA_READ:
	case VFU_MIG_DATA_WRITE:
		return ENOTSUP;
	}
	return ENOSYS;
}

/* Count, dispatch and log one request; closes the fds it did not keep. */
static int process(struct vfu_conn *c, struct req *r, size_t *plen)
{
	int err;

	c->nr_msgs++;
	c->rx_bytes += r->hdr.size;
	err = dispatch(c, r, plen);
	close_fds(r);
	if (err)
		emu_err("%s: %s (cmd %u) id %u size %u refused: %s",
			c->fn->name, cmd_name(r->hdr.cmd), r->hdr.cmd, r->hdr.msg_id,
			r->hdr.size, strerror(err));
	return err;
}

int vfu_handle_msg(struct vfu_conn *c, const struct vfu_hdr *hdr,
		   const void *body, int *fds, unsigned int nfds, size_t *plen)
{
	struct req r;
	unsigned int i;

	memset(&r, 0, sizeof(r));
	r.hdr = *hdr;
	r.len = hdr->size - sizeof(r.hdr);
	/* NULL marks a body too big to receive; an empty one has none. */
	if (r.len <= RX_MAX)
		r.body = body ? body : c->rx;
	for (i = 0; i < nfds; i++) {
		if (r.nfds < VFU_MAX_RX_FDS)
			r.fds[r.nfds++] = fds[i];
		else
			close(fds[i]);
	}
	*plen = 0;
	return process(c, &r, plen);
}

int vfu_handle(struct vfu_conn *c)
{
	struct req r;
	size_t plen = 0;
	int err, ret;

	ret = recv_req(c, &r);
	if (ret) {
		close_fds(&r);
		if (ret != -EPIPE && ret != -EPROTO)
			emu_err("%s: receiving from client: %s", c->fn->name, strerror(-ret));
		return -1;
	}
	err = process(c, &r, &plen);
	if (r.hdr.flags & VFU_F_NO_REPLY)
		return 0;
	ret = send_reply(c, &r, err, c->tx, plen);
	if (ret) {
		emu_err("%s: replying to %s id %u: %s", c->fn->name,
			cmd_name(r.hdr.cmd), r.hdr.msg_id, strerror(-ret));
		return -1;
	}
	return 0;
}
