// SPDX-License-Identifier: GPL-2.0
/* The vfio-user transport, through a fake client over a socketpair. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "fixture.h"
#include "test.h"

struct vt {
	struct mvf_dev dev;
	struct cl c;
	int fds_before;
};

/* Open file descriptors of this process. */
static int nr_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int vt_open(struct vt *t, bool version)
{
	t->fds_before = nr_fds();
	if (mvf_dev_init(&t->dev, 2, 1 << 20, 0x6d7666000001ull, NULL, false) ||
	    cl_open(&t->c, &t->dev.vf_fns[0]))
		return -1;
	return version ? cl_version(&t->c) : 0;
}

/* Tear down; fails if any file descriptor leaked. */
static int vt_close(struct vt *t)
{
	cl_close(&t->c);
	mvf_dev_destroy(&t->dev);
	if (nr_fds() != t->fds_before) {
		printf("# %d file descriptors before, %d after\n", t->fds_before, nr_fds());
		return -1;
	}
	return 0;
}

/* No reply is waiting on the client socket. */
static bool quiet(struct cl *c)
{
	uint8_t b;

	return recv(c->fd, &b, 1, MSG_DONTWAIT | MSG_PEEK) < 0 && errno == EAGAIN;
}

static int vfu_version_reply(void)
{
	static const char req_json[] =
		"{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576,"
		"\"pgsizes\":4096,\"max_dma_maps\":65535,\"write_multiple\":true,"
		"\"migration\":{\"pgsize\":4096,\"max_bitmap_size\":268435456}}}";
	uint8_t req[4 + sizeof(req_json)] = { 0 }, reply[512];
	struct vt t;
	size_t n;

	TRY(vt_open(&t, false));
	/* Before VERSION nothing else is accepted. */
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_GET_INFO, &(struct vfu_device_info){ .argsz = 16 },
			 16, NULL, 0, NULL, 0, NULL), EINVAL);
	/* Major version 1 is refused. */
	req[0] = 1;
	memcpy(req + 4, req_json, sizeof(req_json));
	CHECK_EQ(cl_call(&t.c, VFU_VERSION, req, sizeof(req), NULL, 0, NULL, 0, NULL),
		 ENOTSUP);
	/* Not NUL-terminated. */
	req[0] = 0;
	CHECK_EQ(cl_call(&t.c, VFU_VERSION, req, sizeof(req) - 1, NULL, 0, NULL, 0, NULL),
		 EINVAL);
	CHECK_EQ(cl_call(&t.c, VFU_VERSION, req, sizeof(req), NULL, 0, reply,
			 sizeof(reply), &n), 0);
	CHECK(n > 4 && n <= sizeof(req));
	CHECK_EQ(reply[0] | reply[1] << 8, 0);
	CHECK_EQ(reply[2] | reply[3] << 8, 0);
	CHECK_EQ(reply[n - 1], 0);
	CHECK(strlen((char *)reply + 4) == n - 5);
	CHECK(strstr((char *)reply + 4, "\"max_msg_fds\":8"));
	CHECK(strstr((char *)reply + 4, "\"max_data_xfer_size\":1048576"));
	CHECK(strstr((char *)reply + 4, "\"pgsize\":4096"));
	CHECK(!strstr((char *)reply + 4, "write_multiple"));
	/* A short request gets a reply that still fits it. */
	{
		static const char small[] = "{\"capabilities\":{\"max_msg_fds\":16}}";
		uint8_t sreq[4 + sizeof(small)] = { 0 };

		memcpy(sreq + 4, small, sizeof(small));
		CHECK_EQ(cl_call(&t.c, VFU_VERSION, sreq, sizeof(sreq), NULL, 0, reply,
				 sizeof(reply), &n), 0);
		CHECK(n <= sizeof(sreq));
		CHECK_EQ(reply[n - 1], 0);
	}
	TRY(vt_close(&t));
	return 0;
}

static int vfu_device_region_irq_info(void)
{
	static const uint64_t sizes[FUNC_NR_REGIONS] = {
		4096, 0, 4096, 0, 0, 0, 0, 4096, 0,
	};
	static const uint32_t counts[5] = { 1, 0, MVF_VF_MSIX_COUNT, 1, 0 };
	struct vfu_device_info di = { .argsz = sizeof(di) };
	struct vfu_region_info ri;
	struct vfu_irq_info ii;
	struct vt t;
	uint32_t i;
	size_t n;

	TRY(vt_open(&t, true));
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_GET_INFO, &di, sizeof(di), NULL, 0, &di,
			 sizeof(di), &n), 0);
	CHECK_EQ(n, 16);
	CHECK_EQ(di.argsz, 16);
	CHECK_EQ(di.flags, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
	CHECK_EQ(di.num_regions, 9);
	CHECK_EQ(di.num_irqs, 5);
	for (i = 0; i <= FUNC_NR_REGIONS; i++) {
		memset(&ri, 0, sizeof(ri));
		ri.argsz = sizeof(ri);
		ri.index = i;
		if (i == FUNC_NR_REGIONS) {
			CHECK_EQ(cl_call(&t.c, VFU_DEVICE_GET_REGION_INFO, &ri, sizeof(ri),
					 NULL, 0, &ri, sizeof(ri), &n), EINVAL);
			break;
		}
		CHECK_EQ(cl_call(&t.c, VFU_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), NULL, 0,
				 &ri, sizeof(ri), &n), 0);
		CHECK_EQ(n, sizeof(ri));
		CHECK_EQ(ri.index, i);
		CHECK_EQ(ri.size, sizes[i]);
		CHECK_EQ(ri.flags, sizes[i] ? VFIO_REGION_INFO_FLAG_READ |
			 VFIO_REGION_INFO_FLAG_WRITE : 0);
	}
	for (i = 0; i <= 5; i++) {
		memset(&ii, 0, sizeof(ii));
		ii.argsz = sizeof(ii);
		ii.index = i;
		if (i == 5) {
			CHECK_EQ(cl_call(&t.c, VFU_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii),
					 NULL, 0, &ii, sizeof(ii), &n), EINVAL);
			break;
		}
		CHECK_EQ(cl_call(&t.c, VFU_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), NULL, 0,
				 &ii, sizeof(ii), &n), 0);
		CHECK_EQ(n, sizeof(ii));
		CHECK_EQ(ii.count, counts[i]);
		CHECK(ii.flags & VFIO_IRQ_INFO_EVENTFD);
	}
	TRY(vt_close(&t));
	return 0;
}

static int vfu_config_and_bar0(void)
{
	uint8_t cfg[256];
	uint32_t v, pos, ncap = 0;
	struct vt t;

	TRY(vt_open(&t, true));
	TRY(cl_region_read(&t.c, FUNC_REGION_CONFIG, 0, cfg, sizeof(cfg)));
	CHECK_EQ(cfg[0] | cfg[1] << 8, MVF_PCI_VENDOR_ID);
	CHECK_EQ(cfg[2] | cfg[3] << 8, MVF_PCI_DEVICE_VF);
	for (pos = cfg[PCI_CAPABILITY_LIST]; pos && ncap < 10; pos = cfg[pos + 1])
		ncap++;
	CHECK_EQ(ncap, 3);
	/* BAR sizing through the socket. */
	v = 0xffffffff;
	TRY(cl_region_write(&t.c, FUNC_REGION_CONFIG, PCI_BASE_ADDRESS_0, &v, 4, false));
	TRY(cl_region_read(&t.c, FUNC_REGION_CONFIG, PCI_BASE_ADDRESS_0, &v, 4));
	CHECK_EQ(v, 0xfffff000);
	TRY(cl_region_read(&t.c, FUNC_REGION_BAR0, MVF_REG_ID, &v, 4));
	CHECK_EQ(v, MVF_ID_VF);
	TRY(cl_region_read(&t.c, FUNC_REGION_BAR0, MVF_VF_REG_DEVMEM_LO, &v, 4));
	CHECK_EQ(v, 1 << 20);
	/* A posted write gets no reply, and takes effect. */
	v = 0x12345678;
	TRY(cl_region_write(&t.c, FUNC_REGION_BAR0, MVF_VF_REG_SCRATCH0 + 4, &v, 4, true));
	CHECK(quiet(&t.c));
	v = 0;
	TRY(cl_region_read(&t.c, FUNC_REGION_BAR0, MVF_VF_REG_SCRATCH0 + 4, &v, 4));
	CHECK_EQ(v, 0x12345678);
	CHECK(quiet(&t.c));
	/* Byte read of a register; 64-bit write split low half first. */
	TRY(cl_region_read(&t.c, FUNC_REGION_BAR0, MVF_VF_REG_SCRATCH0 + 5, &v, 1));
	CHECK_EQ(v & 0xff, 0x56);
	{
		uint64_t q = 0x1111222233334444ull;

		TRY(cl_region_write(&t.c, FUNC_REGION_BAR0, MVF_VF_REG_SCRATCH0, &q, 8, false));
		TRY(cl_region_read(&t.c, FUNC_REGION_BAR0, MVF_VF_REG_SCRATCH0 + 4, &v, 4));
		CHECK_EQ(v, 0x11112222);
	}
	/* PBA reads are served by us. */
	t.dev.vfs[0].r.msix_pending = 2;
	TRY(cl_region_read(&t.c, FUNC_REGION_BAR2, MVF_MSIX_PBA_OFFSET, &v, 4));
	CHECK_EQ(v, 2);
	TRY(vt_close(&t));
	return 0;
}

static int vfu_malformed_messages(void)
{
	struct vfu_region_access a;
	struct vfu_irq_set s;
	struct vfu_dma_map m;
	uint8_t junk[64] = { 0 };
	struct vt t;

	TRY(vt_open(&t, true));
	/* Short REGION_READ body. */
	CHECK_EQ(cl_call(&t.c, VFU_REGION_READ, junk, 8, NULL, 0, NULL, 0, NULL), EINVAL);
	/* Region that does not exist, access past the end, huge count. */
	a = (struct vfu_region_access){ .offset = 0, .region = 1, .count = 4 };
	CHECK_EQ(cl_call(&t.c, VFU_REGION_READ, &a, sizeof(a), NULL, 0, NULL, 0, NULL), EINVAL);
	a = (struct vfu_region_access){ .offset = 4094, .region = 7, .count = 4 };
	CHECK_EQ(cl_call(&t.c, VFU_REGION_READ, &a, sizeof(a), NULL, 0, NULL, 0, NULL), EINVAL);
	a = (struct vfu_region_access){ .offset = ~0ull, .region = 0, .count = 0xffffffff };
	CHECK_EQ(cl_call(&t.c, VFU_REGION_READ, &a, sizeof(a), NULL, 0, NULL, 0, NULL), EINVAL);
	/* A write whose data is missing. */
	a = (struct vfu_region_access){ .offset = 0, .region = 0, .count = 16 };
	CHECK_EQ(cl_call(&t.c, VFU_REGION_WRITE, &a, sizeof(a), NULL, 0, NULL, 0, NULL), EINVAL);
	/* Unknown and unsupported commands. */
	CHECK_EQ(cl_call(&t.c, 99, junk, 4, NULL, 0, NULL, 0, NULL), ENOSYS);
	CHECK_EQ(cl_call(&t.c, VFU_DMA_READ, junk, 16, NULL, 0, NULL, 0, NULL), ENOTSUP);
	CHECK_EQ(cl_call(&t.c, VFU_REGION_WRITE_MULTI, junk, 16, NULL, 0, NULL, 0, NULL), ENOTSUP);
	/* SET_IRQS with two data types, an out-of-range vector, too many. */
	s = (struct vfu_irq_set){ .argsz = sizeof(s), .index = IRQ_MSIX, .count = 1,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL |
			 VFIO_IRQ_SET_ACTION_TRIGGER };
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0, NULL, 0, NULL), EINVAL);
	s.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	s.start = 2;
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0, NULL, 0, NULL), EINVAL);
	s.start = 1;
	s.count = 0xffffffff;
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0, NULL, 0, NULL), EINVAL);
	s = (struct vfu_irq_set){ .argsz = 8, .index = IRQ_MSIX, .count = 1,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER };
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0, NULL, 0, NULL), EINVAL);
	/* DMA_MAP: small argsz, unknown flag, size 0. */
	m = (struct vfu_dma_map){ .argsz = 8, .flags = 3, .iova = 0x1000, .size = 0x1000 };
	CHECK_EQ(cl_call(&t.c, VFU_DMA_MAP, &m, sizeof(m), NULL, 0, NULL, 0, NULL), EINVAL);
	m.argsz = sizeof(m);
	m.flags = 1u << 8;
	CHECK_EQ(cl_call(&t.c, VFU_DMA_MAP, &m, sizeof(m), NULL, 0, NULL, 0, NULL), EINVAL);
	m.flags = 3;
	m.size = 0;
	CHECK_EQ(cl_call(&t.c, VFU_DMA_MAP, &m, sizeof(m), NULL, 0, NULL, 0, NULL), EINVAL);
	/* A "reply" sent to the server. */
	TRY(cl_send(&t.c, VFU_DEVICE_GET_INFO, VFU_F_TYPE_REPLY, junk, 16, NULL, 0));
	CHECK_EQ(cl_serve(&t.c), 0);
	{
		struct vfu_hdr h;

		CHECK_EQ(cl_recv(&t.c, &h, junk, sizeof(junk), NULL), 0);
		CHECK(h.flags & VFU_F_ERROR);
		CHECK_EQ(h.error, EINVAL);
	}
	/* A malformed posted message: no reply at all. */
	a = (struct vfu_region_access){ .offset = 0, .region = 5, .count = 4 };
	TRY(cl_send(&t.c, VFU_REGION_WRITE, VFU_F_NO_REPLY, &a, sizeof(a), NULL, 0));
	CHECK_EQ(cl_serve(&t.c), 0);
	CHECK(quiet(&t.c));
	/* The connection still works. */
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_GET_INFO, &(struct vfu_device_info){ .argsz = 16 },
			 16, NULL, 0, NULL, 0, NULL), 0);
	/* An unframeable header (size < 16) ends the connection, no crash. */
	{
		struct vfu_hdr h = { .msg_id = 1, .cmd = VFU_DEVICE_GET_INFO, .size = 8 };

		CHECK(send(t.c.fd, &h, sizeof(h), 0) == sizeof(h));
		CHECK_EQ(cl_serve(&t.c), -1);
	}
	TRY(vt_close(&t));
	return 0;
}

/* A body too large for the server is skipped: E2BIG, stream stays framed. */
static int vfu_oversized_message(void)
{
	size_t big = 2u << 20;
	struct vt t;
	pid_t pid;
	int st;

	TRY(vt_open(&t, true));
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		uint8_t *b = calloc(1, big);
		int bad = !b || cl_send(&t.c, VFU_REGION_WRITE, 0, b, big, NULL, 0);

		free(b);
		_exit(bad);
	}
	CHECK_EQ(cl_serve(&t.c), 0);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st));
	{
		struct vfu_hdr h;
		uint8_t junk[64];

		CHECK_EQ(cl_recv(&t.c, &h, junk, sizeof(junk), NULL), 0);
		CHECK(h.flags & VFU_F_ERROR);
		CHECK_EQ(h.error, E2BIG);
	}
	t.c.id++;	/* the child used one id */
	TRY(cl_version(&t.c));
	TRY(vt_close(&t));
	return 0;
}

static int vfu_set_irqs_eventfds(void)
{
	struct vfu_irq_set s = { .argsz = sizeof(s), .index = IRQ_MSIX };
	struct irq_table *irq;
	int efd[2], fds[2];
	uint64_t n;
	struct vt t;

	TRY(vt_open(&t, true));
	irq = &t.dev.vf_fns[0].irq;
	efd[0] = eventfd(0, EFD_NONBLOCK);
	efd[1] = eventfd(0, EFD_NONBLOCK);
	fds[0] = efd[0];
	fds[1] = efd[1];
	/* QEMU's MSI-X enable: count 1 with no fd first. */
	s.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s.start = 0;
	s.count = 1;
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0, NULL, 0, NULL), 0);
	/* fd count mismatch: refused, fds not kept. */
	s.count = 2;
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_SET_IRQS, &s, sizeof(s), fds, 1, NULL, 0, NULL), EINVAL);
	CHECK_EQ(irq->fd[IRQ_MSIX][0], -1);
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_SET_IRQS, &s, sizeof(s), fds, 2, NULL, 0, NULL), 0);
	CHECK(irq->fd[IRQ_MSIX][0] >= 0 && irq->fd[IRQ_MSIX][1] >= 0);
	/* Loopback trigger of vector 1. */
	s.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	s.start = 1;
	s.count = 1;
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0, NULL, 0, NULL), 0);
	CHECK(read(efd[1], &n, 8) == 8 && n == 1);
	CHECK(read(efd[0], &n, 8) < 0);
	/* A -1 run (no fds) de-assigns vector 0 only. */
	s.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s.start = 0;
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0, NULL, 0, NULL), 0);
	CHECK_EQ(irq->fd[IRQ_MSIX][0], -1);
	CHECK(irq->fd[IRQ_MSIX][1] >= 0);
	/* DATA_NONE count 0 disables the index. */
	s.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	s.count = 0;
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0, NULL, 0, NULL), 0);
	CHECK_EQ(irq->fd[IRQ_MSIX][1], -1);
	/* INTx unmask (QEMU sends it on EOI) is accepted. */
	s = (struct vfu_irq_set){ .argsz = sizeof(s), .index = IRQ_INTX, .count = 1,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK };
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0, NULL, 0, NULL), 0);
	close(efd[0]);
	close(efd[1]);
	TRY(vt_close(&t));
	return 0;
}

static void desc_at(uint8_t *ram, uint64_t off, uint8_t op, uint32_t len,
		    uint64_t src, uint64_t dst, uint64_t cookie)
{
	struct mvf_desc d;

	memset(&d, 0, sizeof(d));
	d.opcode = op;
	d.len = len;
	d.src = src;
	d.dst = dst;
	d.cookie = cookie;
	memcpy(ram + off, &d, sizeof(d));
}

static int wr32(struct cl *c, uint32_t off, uint32_t v)
{
	return cl_region_write(c, FUNC_REGION_BAR0, off, &v, 4, true);
}

/* DMA_MAP per page with the memfd, then a copy through MMIO doorbells. */
static int vfu_dma_map_and_ring(void)
{
	const uint64_t iova = 0x7f0000000ull, size = 1 << 20;
	struct vfu_dma_unmap u;
	struct vfu_dma_map m;
	struct mvf_cpl cpl;
	uint8_t *ram, reply[64];
	struct vt t;
	uint64_t off;
	size_t n;
	int fd;

	TRY(vt_open(&t, true));
	fd = memfd_create("guest", MFD_CLOEXEC);
	CHECK(fd >= 0 && ftruncate(fd, 4 * size) == 0);
	ram = mmap(NULL, 4 * size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(ram != MAP_FAILED);
	for (off = 0; off < size; off += 4096) {
		m = (struct vfu_dma_map){ .argsz = sizeof(m), .flags = 3,
			.offset = 2 * size + off, .iova = iova + off, .size = 4096 };
		CHECK_EQ(cl_call(&t.c, VFU_DMA_MAP, &m, sizeof(m), &fd, 1, reply,
				 sizeof(reply), &n), 0);
		CHECK_EQ(n, 0);
	}
	CHECK_EQ(t.dev.vf_fns[0].dma.nr_maps, 1);	/* one coalesced run */
	CHECK_EQ(dma_nr_backings(&t.dev.vf_fns[0].dma), 1);
	/* SQ at page 0, CQ at page 1, src page 2..3, dst page 5..6 */
	memset(ram + 2 * size + 2 * 4096, 0x3c, 8192);
	desc_at(ram, 2 * size, MVF_DESC_OP_COPY, 8192, iova + 2 * 4096, iova + 5 * 4096, 77);
	TRY(wr32(&t.c, MVF_VF_REG_SQ_LO, (uint32_t)iova));
	TRY(wr32(&t.c, MVF_VF_REG_SQ_HI, (uint32_t)(iova >> 32)));
	TRY(wr32(&t.c, MVF_VF_REG_CQ_LO, (uint32_t)(iova + 4096)));
	TRY(wr32(&t.c, MVF_VF_REG_CQ_HI, (uint32_t)((iova + 4096) >> 32)));
	TRY(wr32(&t.c, MVF_VF_REG_RING_SIZE, 8));
	TRY(wr32(&t.c, MVF_REG_CTRL, MVF_VF_CTRL_ENABLE));
	TRY(wr32(&t.c, MVF_VF_REG_SQ_TAIL, 1));
	CHECK(quiet(&t.c));
	memcpy(&cpl, ram + 2 * size + 4096, sizeof(cpl));
	CHECK_EQ(cpl.status, MVF_DESC_STS_OK);
	CHECK_EQ(cpl.cookie, 77);
	CHECK_EQ(cpl.phase, 1);
	CHECK_EQ(ram[2 * size + 5 * 4096], 0x3c);
	CHECK_EQ(ram[2 * size + 7 * 4096 - 1], 0x3c);
	CHECK_EQ(ram[2 * size + 7 * 4096], 0);
	/* Unmap the source pages: the next copy fails in its completion. */
	u = (struct vfu_dma_unmap){ .argsz = sizeof(u), .iova = iova + 2 * 4096, .size = 8192 };
	CHECK_EQ(cl_call(&t.c, VFU_DMA_UNMAP, &u, sizeof(u), NULL, 0, reply, sizeof(reply),
			 &n), 0);
	CHECK_EQ(n, sizeof(u));
	desc_at(ram, 2 * size + 64, MVF_DESC_OP_COPY, 8192, iova + 2 * 4096, iova + 5 * 4096, 78);
	TRY(wr32(&t.c, MVF_VF_REG_SQ_TAIL, 2));
	memcpy(&cpl, ram + 2 * size + 4096 + 16, sizeof(cpl));
	CHECK_EQ(cpl.status, MVF_DESC_STS_DMA_ERR);
	CHECK_EQ(cpl.cookie, 78);
	/* UNMAP_ALL (iova = size = 0). */
	u = (struct vfu_dma_unmap){ .argsz = sizeof(u), .flags = VFU_UNMAP_F_ALL };
	CHECK_EQ(cl_call(&t.c, VFU_DMA_UNMAP, &u, sizeof(u), NULL, 0, reply, sizeof(reply),
			 &n), 0);
	CHECK_EQ(t.dev.vf_fns[0].dma.nr_maps, 0);
	CHECK_EQ(dma_nr_backings(&t.dev.vf_fns[0].dma), 0);
	munmap(ram, 4 * size);
	close(fd);
	TRY(vt_close(&t));
	return 0;
}

static int vfu_reset_and_disconnect(void)
{
	struct vfu_dma_map m = { .argsz = sizeof(m), .flags = 3, .iova = 0x1000, .size = 0x1000 };
	struct vfu_irq_set s = { .argsz = sizeof(s), .index = IRQ_MSIX, .count = 1,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER };
	struct func *fn;
	uint32_t v = 0xabcd;
	struct vt t;
	int efd, memfd;

	TRY(vt_open(&t, true));
	fn = &t.dev.vf_fns[0];
	TRY(cl_region_write(&t.c, FUNC_REGION_BAR0, MVF_VF_REG_SCRATCH0, &v, 4, false));
	fn->vf->devmem[100] = 0x42;
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_RESET, NULL, 0, NULL, 0, NULL, 0, NULL), 0);
	CHECK_EQ(vf_reg_read(fn->vf, MVF_VF_REG_SCRATCH0), 0);
	CHECK_EQ(fn->vf->devmem[100], 0x42);
	/* Give it a map and an eventfd, then hang up. */
	memfd = memfd_create("g", MFD_CLOEXEC);
	CHECK(memfd >= 0 && ftruncate(memfd, 0x10000) == 0);
	CHECK_EQ(cl_call(&t.c, VFU_DMA_MAP, &m, sizeof(m), &memfd, 1, NULL, 0, NULL), 0);
	efd = eventfd(0, 0);
	CHECK_EQ(cl_call(&t.c, VFU_DEVICE_SET_IRQS, &s, sizeof(s), &efd, 1, NULL, 0, NULL), 0);
	close(efd);
	close(memfd);
	TRY(cl_region_write(&t.c, FUNC_REGION_BAR0, MVF_VF_REG_SCRATCH0, &v, 4, false));
	close(t.c.fd);
	t.c.fd = -1;
	CHECK_EQ(cl_serve(&t.c), -1);
	func_disconnect(fn);
	CHECK_EQ(fn->dma.nr_maps, 0);
	CHECK_EQ(dma_nr_backings(&fn->dma), 0);
	CHECK_EQ(fn->irq.fd[IRQ_MSIX][0], -1);
	CHECK_EQ(vf_reg_read(fn->vf, MVF_VF_REG_SCRATCH0), 0xabcd);	/* state kept */
	TRY(vt_close(&t));
	return 0;
}

/* Random well-framed messages: never a crash, a reply iff not NO_REPLY. */
static int vfu_random_messages(void)
{
	uint32_t seed = 12345, i, k;
	uint8_t body[96], reply[8192];
	struct vfu_hdr h;
	struct vt t;
	size_t n;

	TRY(vt_open(&t, true));
	for (i = 0; i < 5000; i++) {
		uint16_t cmd;
		uint32_t flags, len;

		seed = seed * 1103515245 + 12345;
		cmd = (seed >> 16) % 20;
		if (cmd == VFU_VERSION)
			cmd = VFU_REGION_WRITE;
		flags = (seed >> 8) & 1 ? VFU_F_NO_REPLY : 0;
		len = (seed >> 20) % sizeof(body);
		for (k = 0; k < len; k++) {
			seed = seed * 1103515245 + 12345;
			body[k] = (uint8_t)(seed >> 16);
		}
		/* Keep region accesses in range half of the time. */
		if ((cmd == VFU_REGION_READ || cmd == VFU_REGION_WRITE) && len >= 16 &&
		    (seed & 0x100)) {
			struct vfu_region_access a = {
				.offset = body[0] * 4u, .region = body[1] % 8,
				.count = (body[2] % 2) ? 4 : body[2] % 9 };

			memcpy(body, &a, sizeof(a));
		}
		TRY(cl_send(&t.c, cmd, flags, body, len, NULL, 0));
		CHECK_EQ(cl_serve(&t.c), 0);
		if (flags & VFU_F_NO_REPLY) {
			CHECK(quiet(&t.c));
			continue;
		}
		CHECK_EQ(cl_recv(&t.c, &h, reply, sizeof(reply), &n), 0);
		CHECK_EQ(h.msg_id, t.c.id);
		CHECK_EQ(h.cmd, cmd);
	}
	TRY(vt_close(&t));
	return 0;
}

const struct test vfu_tests[] = {
	{ "vfu_random_messages", vfu_random_messages },
	{ "vfu_version_reply", vfu_version_reply },
	{ "vfu_device_region_irq_info", vfu_device_region_irq_info },
	{ "vfu_config_and_bar0", vfu_config_and_bar0 },
	{ "vfu_malformed_messages", vfu_malformed_messages },
	{ "vfu_oversized_message", vfu_oversized_message },
	{ "vfu_set_irqs_eventfds", vfu_set_irqs_eventfds },
	{ "vfu_dma_map_and_ring", vfu_dma_map_and_ring },
	{ "vfu_reset_and_disconnect", vfu_reset_and_disconnect },
	{ NULL, NULL },
};
