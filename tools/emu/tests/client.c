// SPDX-License-Identifier: GPL-2.0
/* mvf-emu unit tests: fixture and fake vfio-user client (see fixture.h). */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../image.h"
#include "qemu_version.h"
#include "fixture.h"

static int new_efd(int *keep)
{
	*keep = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return *keep < 0 ? -1 : dup(*keep);
}

int fx_init(struct fx *f, uint64_t devmem, bool per_page)
{
	struct pf *pf;
	unsigned int i, v;
	uint64_t off;

	memset(f, 0, sizeof(*f));
	f->memfd = -1;
	if (mvf_dev_init(&f->dev, 2, devmem, 0x6d7666000001ull, NULL, false))
		return -1;
	f->memfd = memfd_create("fx-ram", MFD_CLOEXEC);
	if (f->memfd < 0 || ftruncate(f->memfd, FX_RAM_SIZE) < 0)
		return -1;
	f->ram = mmap(NULL, FX_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      f->memfd, 0);
	if (f->ram == MAP_FAILED)
		return -1;
	if (dma_map(&f->dev.pf_fn.dma, FX_IOVA, FX_RAM_SIZE, DMA_PROT_READ | DMA_PROT_WRITE,
		    f->memfd, 0))
		return -1;
	for (i = 0; i < 2; i++) {
		struct dma_space *ds = &f->dev.vf_fns[i].dma;

		if (!per_page) {
			if (dma_map(ds, FX_IOVA, FX_RAM_SIZE, DMA_PROT_READ | DMA_PROT_WRITE,
				    f->memfd, 0))
				return -1;
			continue;
		}
		for (off = 0; off < FX_RAM_SIZE; off += 4096)
			if (dma_map(ds, FX_IOVA + off, 4096, DMA_PROT_READ | DMA_PROT_WRITE,
				    f->memfd, off))
				return -1;
	}
	for (v = 0; v < 2; v++) {
		irq_set_fd(&f->dev.pf_fn.irq, IRQ_MSIX, v, new_efd(&f->pf_irq[v]));
		for (i = 0; i < 2; i++)
			irq_set_fd(&f->dev.vf_fns[i].irq, IRQ_MSIX, v,
				   new_efd(&f->vf_irq[i][v]));
	}
	pf = &f->dev.pf;
	pf_reg_write(pf, MVF_PF_REG_AQ_SQ_LO, (uint32_t)fx_iova(FX_AQ_SQ));
	pf_reg_write(pf, MVF_PF_REG_AQ_SQ_HI, (uint32_t)(fx_iova(FX_AQ_SQ) >> 32));
	pf_reg_write(pf, MVF_PF_REG_AQ_CQ_LO, (uint32_t)fx_iova(FX_AQ_CQ));
	pf_reg_write(pf, MVF_PF_REG_AQ_CQ_HI, (uint32_t)(fx_iova(FX_AQ_CQ) >> 32));
	pf_reg_write(pf, MVF_PF_REG_AQ_SIZE, FX_AQ_SIZE);
	pf_reg_write(pf, MVF_REG_CTRL, MVF_PF_CTRL_AQ_ENABLE);
	return pf_reg_read(pf, MVF_REG_STATUS) == MVF_PF_STS_AQ_READY ? 0 : -1;
}

void fx_fini(struct fx *f)
{
	unsigned int i, v;

	mvf_dev_destroy(&f->dev);
	for (v = 0; v < 2; v++) {
		if (f->pf_irq[v] > 0)
			close(f->pf_irq[v]);
		for (i = 0; i < 2; i++)
			if (f->vf_irq[i][v] > 0)
				close(f->vf_irq[i][v]);
	}
	if (f->ram && f->ram != MAP_FAILED)
		munmap(f->ram, FX_RAM_SIZE);
	if (f->memfd >= 0)
		close(f->memfd);
}

uint64_t fx_irq_count(int efd)
{
	uint64_t n = 0;

	if (read(efd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

int fx_aq_cmd(struct fx *f, struct mvf_aq_cmd *cmd, struct mvf_aq_cpl *cpl)
{
	struct pf *pf = &f->dev.pf;
	uint32_t tail = pf_reg_read(pf, MVF_PF_REG_AQ_TAIL);
	uint32_t slot = tail & (FX_AQ_SIZE - 1);
	struct mvf_aq_cpl local, *c = cpl ? cpl : &local;

	cmd->cid = htole32(++f->cid);
	memcpy(f->ram + FX_AQ_SQ + slot * sizeof(*cmd), cmd, sizeof(*cmd));
	pf_reg_write(pf, MVF_PF_REG_AQ_TAIL, tail + 1);
	if (pf_reg_read(pf, MVF_PF_REG_AQ_HEAD) != tail + 1)
		return -1;
	memcpy(c, f->ram + FX_AQ_CQ + slot * sizeof(*c), sizeof(*c));
	if (le16toh(c->cid) != (uint16_t)f->cid ||
	    c->phase != (((tail / FX_AQ_SIZE) & 1) ^ 1))
		return -1;
	return c->status;
}

int fx_aq(struct fx *f, uint8_t op, uint16_t vf, uint32_t arg0,
	  uint64_t buf_iova, uint32_t buf_len, struct mvf_aq_cpl *cpl)
{
	struct mvf_aq_cmd cmd = fx_cmd(op, vf, arg0, buf_iova, buf_len);

	return fx_aq_cmd(f, &cmd, cpl);
}

int fx_eq_enable(struct fx *f)
{
	struct pf *pf = &f->dev.pf;

	pf_reg_write(pf, MVF_PF_REG_EQ_LO, (uint32_t)fx_iova(FX_EQ));
	pf_reg_write(pf, MVF_PF_REG_EQ_HI, (uint32_t)(fx_iova(FX_EQ) >> 32));
	pf_reg_write(pf, MVF_PF_REG_EQ_SIZE, FX_EQ_SIZE);
	pf_reg_write(pf, MVF_REG_CTRL, MVF_PF_CTRL_AQ_ENABLE | MVF_PF_CTRL_EQ_ENABLE);
	return pf_reg_read(pf, MVF_REG_STATUS) & MVF_PF_STS_EQ_READY ? 0 : -1;
}

int fx_next_event(struct fx *f, struct mvf_event *ev)
{
	struct pf *pf = &f->dev.pf;
	uint32_t head = pf_reg_read(pf, MVF_PF_REG_EQ_HEAD);

	if (head == pf_reg_read(pf, MVF_PF_REG_EQ_TAIL))
		return -1;
	memcpy(ev, f->ram + FX_EQ + (head & (FX_EQ_SIZE - 1)) * sizeof(*ev), sizeof(*ev));
	pf_reg_write(pf, MVF_PF_REG_EQ_HEAD, head + 1);
	return 0;
}

int fx_expect_event(struct fx *f, uint16_t type, uint16_t vf, uint32_t data)
{
	struct mvf_event ev;

	if (fx_next_event(f, &ev)) {
		printf("# expected event %u (vf %u data %u), none posted\n", type, vf, data);
		return -1;
	}
	if (le16toh(ev.type) != type || le16toh(ev.vf_id) != vf ||
	    le32toh(ev.data) != data) {
		printf("# event type %u vf %u data %u, expected type %u vf %u data %u\n",
		       le16toh(ev.type), le16toh(ev.vf_id), le32toh(ev.data), type, vf, data);
		return -1;
	}
	return 0;
}

bool fx_no_event(struct fx *f)
{
	struct mvf_event ev;

	if (!fx_next_event(f, &ev)) {
		printf("# unexpected event type %u vf %u data %u\n", le16toh(ev.type),
		       le16toh(ev.vf_id), le32toh(ev.data));
		return false;
	}
	return true;
}

int fx_run_desc(struct fx *f, unsigned int vf, struct mvf_desc *d)
{
	struct vf *v = &f->dev.vfs[vf];
	uint32_t i = vf_reg_read(v, MVF_VF_REG_SQ_TAIL);

	d->cookie = htole64(i + 1);
	fx_put_desc(f, vf, i, d);
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, i + 1);
	if (vf_reg_read(v, MVF_VF_REG_SQ_HEAD) != i + 1 ||
	    le64toh(fx_cpl(f, vf, i)->cookie) != i + 1)
		return -1;
	return fx_cpl(f, vf, i)->status;
}

int fx_save(struct fx *f, uint16_t vf, uint32_t chunk, uint8_t **img,
	    size_t *len)
{
	struct mvf_aq_cpl cpl;
	uint8_t *buf = NULL, *nb;
	size_t n = 0;

	*img = NULL;
	*len = 0;
	if (fx_aq(f, MVF_AQ_OP_SAVE_START, vf, MVF_SAVE_MODE_STOP_COPY, 0, 0, NULL))
		return -1;
	for (;;) {
		if (fx_aq(f, MVF_AQ_OP_SAVE_CHUNK, vf, 0, fx_iova(FX_PF_CHUNK), chunk,
			  &cpl))
			goto fail;
		if (le32toh(cpl.result0) > chunk)
			goto fail;
		nb = realloc(buf, n + le32toh(cpl.result0) + 1);
		if (!nb)
			goto fail;
		buf = nb;
		memcpy(buf + n, f->ram + FX_PF_CHUNK, le32toh(cpl.result0));
		n += le32toh(cpl.result0);
		if (le32toh(cpl.result1) & MVF_SAVE_F_END)
			break;
		if (!cpl.result0)	/* STOP_COPY never runs dry */
			goto fail;
	}
	if (fx_aq(f, MVF_AQ_OP_SAVE_END, vf, 0, 0, 0, NULL))
		goto fail;
	*img = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	return -1;
}

int fx_load(struct fx *f, uint16_t vf, const uint8_t *img, size_t len,
	    uint32_t chunk, int *chunk_sts)
{
	size_t off = 0;
	int st;

	*chunk_sts = MVF_AQ_STS_OK;
	st = fx_aq(f, MVF_AQ_OP_LOAD_START, vf, 0, 0, 0, NULL);
	if (st)
		return st;
	while (off < len) {
		uint32_t k = len - off < chunk ? (uint32_t)(len - off) : chunk;

		memcpy(f->ram + FX_PF_CHUNK, img + off, k);
		st = fx_aq(f, MVF_AQ_OP_LOAD_CHUNK, vf, 0, fx_iova(FX_PF_CHUNK), k, NULL);
		if (st) {
			*chunk_sts = st;
			break;
		}
		off += k;
	}
	return fx_aq(f, MVF_AQ_OP_LOAD_END, vf, 0, 0, 0, NULL);
}

int fx_stop(struct fx *f, uint16_t vf)
{
	if (fx_aq(f, MVF_AQ_OP_VF_SUSPEND, vf, MVF_SUSPEND_P2P, 0, 0, NULL))
		return -1;
	return fx_aq(f, MVF_AQ_OP_VF_SUSPEND, vf, MVF_SUSPEND_FULL, 0, 0, NULL) ? -1 : 0;
}

int fx_run(struct fx *f, uint16_t vf)
{
	if (fx_aq(f, MVF_AQ_OP_VF_RESUME, vf, MVF_SUSPEND_FULL, 0, 0, NULL))
		return -1;
	return fx_aq(f, MVF_AQ_OP_VF_RESUME, vf, MVF_SUSPEND_P2P, 0, 0, NULL) ? -1 : 0;
}

void fx_ring_setup(struct fx *f, unsigned int vf, uint32_t size, uint32_t ctrl)
{
	struct vf *v = &f->dev.vfs[vf];

	vf_reg_write(v, MVF_VF_REG_SQ_LO, (uint32_t)fx_iova(FX_VF_SQ(vf)));
	vf_reg_write(v, MVF_VF_REG_SQ_HI, (uint32_t)(fx_iova(FX_VF_SQ(vf)) >> 32));
	vf_reg_write(v, MVF_VF_REG_CQ_LO, (uint32_t)fx_iova(FX_VF_CQ(vf)));
	vf_reg_write(v, MVF_VF_REG_CQ_HI, (uint32_t)(fx_iova(FX_VF_CQ(vf)) >> 32));
	vf_reg_write(v, MVF_VF_REG_RING_SIZE, size);
	vf_reg_write(v, MVF_REG_CTRL, MVF_VF_CTRL_ENABLE | ctrl);
}

void fx_put_desc(struct fx *f, unsigned int vf, uint32_t idx,
		 const struct mvf_desc *d)
{
	uint32_t size = f->dev.vfs[vf].r.ring_size;

	memcpy(f->ram + FX_VF_SQ(vf) + (idx & (size - 1)) * sizeof(*d), d, sizeof(*d));
}

struct mvf_cpl *fx_cpl(struct fx *f, unsigned int vf, uint32_t idx)
{
	uint32_t size = f->dev.vfs[vf].r.ring_size;

	return (struct mvf_cpl *)(f->ram + FX_VF_CQ(vf) +
				  (idx & (size - 1)) * sizeof(struct mvf_cpl));
}

/* ---- client ---- */

int cl_open(struct cl *c, struct func *fn)
{
	int sv[2];

	memset(c, 0, sizeof(*c));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	c->fd = sv[0];
	c->srv_fd = sv[1];
	return vfu_conn_init(&c->conn, c->srv_fd, fn) ? -1 : 0;
}

void cl_close(struct cl *c)
{
	vfu_conn_fini(&c->conn);
	if (c->fd >= 0)
		close(c->fd);
	if (c->srv_fd >= 0)
		close(c->srv_fd);
	c->fd = c->srv_fd = -1;
}

int cl_send(struct cl *c, uint16_t cmd, uint32_t flags, const void *payload,
	    size_t len, const int *fds, unsigned int nfds)
{
	struct vfu_hdr h = {
		.msg_id = ++c->id,
		.cmd = cmd,
		.size = (uint32_t)(sizeof(h) + len),
		.flags = flags,
	};
	union {
		char buf[CMSG_SPACE(32 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	struct cmsghdr *cm;

	if (nfds) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	return sendmsg(c->fd, &msg, MSG_NOSIGNAL) == (ssize_t)(sizeof(h) + len) ? 0 : -1;
}

int cl_serve(struct cl *c)
{
	return vfu_handle(&c->conn);
}

int cl_recv(struct cl *c, struct vfu_hdr *h, void *buf, size_t cap,
	    size_t *len)
{
	size_t body;

	if (recv(c->fd, h, sizeof(*h), MSG_DONTWAIT | MSG_WAITALL) != sizeof(*h))
		return -1;
	if (h->size < sizeof(*h))
		return -1;
	body = h->size - sizeof(*h);
	if (body > cap)
		return -1;
	if (body && recv(c->fd, buf, body, MSG_WAITALL) != (ssize_t)body)
		return -1;
	if (len)
		*len = body;
	return 0;
}

int cl_call(struct cl *c, uint16_t cmd, const void *payload, size_t len,
	    const int *fds, unsigned int nfds, void *reply, size_t cap,
	    size_t *rlen)
{
	static uint8_t scratch[8192];
	struct vfu_hdr h;
	size_t n = 0;

	if (cl_send(c, cmd, 0, payload, len, fds, nfds) || cl_serve(c))
		return -1;
	if (!reply) {
		reply = scratch;
		cap = sizeof(scratch);
	}
	if (cl_recv(c, &h, reply, cap, &n))
		return -1;
	if (h.msg_id != c->id || h.cmd != cmd ||
	    (h.flags & VFU_F_TYPE_MASK) != VFU_F_TYPE_REPLY)
		return -1;
	if (rlen)
		*rlen = n;
	if (h.flags & VFU_F_ERROR)
		return h.error ? (int)h.error : -1;
	return 0;
}

int cl_version(struct cl *c)
{
	uint8_t req[QEMU_VERSION_LEN];

	qemu_version_req(req);
	return cl_call(c, VFU_VERSION, req, sizeof(req), NULL, 0, NULL, 0, NULL);
}

int cl_region_read(struct cl *c, uint32_t region, uint64_t off, void *buf,
		   uint32_t count)
{
	struct vfu_region_access a = { .offset = off, .region = region, .count = count };
	uint8_t reply[sizeof(a) + 4096];
	struct vfu_region_access ra;
	size_t n;
	int ret;

	if (count > 4096)
		return -1;
	ret = cl_call(c, VFU_REGION_READ, &a, sizeof(a), NULL, 0, reply,
		      sizeof(reply), &n);
	if (ret)
		return ret;
	memcpy(&ra, reply, sizeof(ra));
	if (n != sizeof(a) + count || ra.offset != off || ra.region != region ||
	    ra.count != count)
		return -1;
	memcpy(buf, reply + sizeof(a), count);
	return 0;
}

int cl_region_write(struct cl *c, uint32_t region, uint64_t off,
		    const void *buf, uint32_t count, bool posted)
{
	struct vfu_region_access a = { .offset = off, .region = region, .count = count };
	uint8_t req[sizeof(a) + 4096], reply[64];
	struct vfu_region_access ra;
	size_t n;
	int ret;

	if (count > 4096)
		return -1;
	memcpy(req, &a, sizeof(a));
	memcpy(req + sizeof(a), buf, count);
	if (posted) {
		if (cl_send(c, VFU_REGION_WRITE, VFU_F_NO_REPLY, req, sizeof(a) + count,
			    NULL, 0) || cl_serve(c))
			return -1;
		return 0;
	}
	ret = cl_call(c, VFU_REGION_WRITE, req, sizeof(a) + count, NULL, 0, reply,
		      sizeof(reply), &n);
	if (ret)
		return ret;
	memcpy(&ra, reply, sizeof(ra));
	return n == sizeof(ra) && ra.offset == off && ra.region == region &&
	       ra.count == count ? 0 : -1;
}
