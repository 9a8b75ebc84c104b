// SPDX-License-Identifier: GPL-2.0
/*
 * Seed corpora for the mvf-emu fuzz targets, made by driving a real
 * device the way QEMU and the mvf drivers drive it, and checking that the
 * device accepts every step as the seed claims:
 *   corpus/fuzz_vfu/    vfio-user sessions (QEMU's bring-up of a VF and
 *                       of the PF, DMA unmaps, resets, refused messages)
 *   corpus/fuzz_admin/  admin command sequences (identify, suspend/resume,
 *                       STOP_COPY and PRECOPY saves, a load of a saved
 *                       image, dirty tracking)
 *   corpus/fuzz_image/  images saved from a VF (STOP_COPY, PRECOPY with
 *                       dirty sections), in several feed sizes
 *
 *   ./gen_seeds DIR     writes DIR/<target>/<name>; exits 1 on a mismatch
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "../image.h"
#include "../vfu.h"
#include "../tests/qemu_version.h"
#include "fuzz.h"

/* The targets' fixed configurations (see each fuzz_*.c). */
#define VFU_RAM		(64u << 10)
#define ADM_RAM		(128u << 10)
#define ADM_DEVMEM	(16u << 10)
#define ADM_DATA	0x4000u
#define IMG_DEVMEM	(8u << 10)

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (!n)
		return;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void write_seed(const char *dir, const char *target, const char *name,
		       const struct buf *b)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b->p, 1, b->len, f) != b->len || fclose(f)) {
		fprintf(stderr, "gen_seeds: writing %s: %s\n", path, strerror(errno));
		exit(1);
	}
	printf("%s/%s: %zu bytes\n", target, name, b->len);
}

/* ---- vfio-user sessions -------------------------------------------------- */

struct sess {
	struct fz *z;
	struct vfu_conn c;
	struct buf b;
	uint16_t id;
};

/*
 * Append a message (with @nfds fds: eventfds if @efd, else RAM memfd
 * dups; fuzz_vfu's fd byte) and run it through the device: its reply must
 * carry errno @want.
 */
static void msg(struct sess *s, uint16_t cmd, uint32_t flags, const void *body,
		size_t len, unsigned int nfds, bool efd, int want)
{
	struct vfu_hdr h = {
		.msg_id = ++s->id, .cmd = cmd, .size = (uint32_t)(sizeof(h) + len),
		.flags = flags,
	};
	uint8_t ctl = (uint8_t)(nfds | (efd ? 0x10 : 0));
	int fds[16];
	unsigned int i;
	size_t plen;
	int err;

	put(&s->b, &ctl, 1);
	put(&s->b, &h, sizeof(h));
	put(&s->b, body, len);
	for (i = 0; i < nfds; i++)
		fds[i] = efd ? eventfd(0, EFD_CLOEXEC) : dup(s->z->memfd);
	err = vfu_handle_msg(&s->c, &h, body, fds, nfds, &plen);
	if (err != want) {
		fprintf(stderr, "gen_seeds: vfio-user cmd %u: errno %d, expected %d\n",
			cmd, err, want);
		exit(1);
	}
}

static void sess_open(struct sess *s, struct fz *z, unsigned int fn)
{
	uint8_t sel = (uint8_t)fn;

	memset(s, 0, sizeof(*s));
	s->z = z;
	fz_reset(z, true);
	if (vfu_conn_init(&s->c, -1, fn ? &z->dev.vf_fns[fn - 1] : &z->dev.pf_fn))
		abort();
	put(&s->b, &sel, 1);
}

static void sess_close(struct sess *s, const char *dir, const char *name)
{
	write_seed(dir, "fuzz_vfu", name, &s->b);
	vfu_conn_fini(&s->c);
	free(s->b.p);
}

static void version(struct sess *s)
{
	uint8_t req[QEMU_VERSION_LEN];

	qemu_version_req(req);
	msg(s, VFU_VERSION, 0, req, sizeof(req), 0, false, 0);
}

/* QEMU's probing: device, regions, irqs, the config space. */
static void probe(struct sess *s)
{
	struct vfu_device_info di = { .argsz = sizeof(di) };
	struct vfu_region_info ri = { .argsz = sizeof(ri) };
	struct vfu_irq_info ii = { .argsz = sizeof(ii) };
	struct vfu_region_access a = { .region = FUNC_REGION_CONFIG, .count = 256 };
	uint32_t i;

	msg(s, VFU_DEVICE_GET_INFO, 0, &di, sizeof(di), 0, false, 0);
	for (i = 0; i < FUNC_NR_REGIONS; i++) {
		ri.index = i;
		msg(s, VFU_DEVICE_GET_REGION_INFO, 0, &ri, sizeof(ri), 0, false, 0);
	}
	for (i = 0; i < IRQ_NR_INDEX; i++) {
		ii.index = i;
		msg(s, VFU_DEVICE_GET_IRQ_INFO, 0, &ii, sizeof(ii), 0, false, 0);
	}
	msg(s, VFU_REGION_READ, 0, &a, sizeof(a), 0, false, 0);
}

static void dma_map_ram(struct sess *s, uint64_t iova, uint64_t off, uint64_t size)
{
	struct vfu_dma_map m = {
		.argsz = sizeof(m), .flags = VFU_DMA_F_READ | VFU_DMA_F_WRITE,
		.offset = off, .iova = iova, .size = size,
	};

	msg(s, VFU_DMA_MAP, 0, &m, sizeof(m), 1, false, 0);
}

static void msix_on(struct sess *s, uint32_t n)
{
	struct vfu_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = IRQ_MSIX, .count = n,
	};

	msg(s, VFU_DEVICE_SET_IRQS, 0, &set, sizeof(set), n, true, 0);
}

/* A 32-bit BAR0 register write, posted as QEMU posts MMIO writes. */
static void reg(struct sess *s, uint32_t off, uint32_t val)
{
	uint8_t req[sizeof(struct vfu_region_access) + 4];
	struct vfu_region_access a = { .offset = off, .region = FUNC_REGION_BAR0,
				       .count = 4 };

	memcpy(req, &a, sizeof(a));
	memcpy(req + sizeof(a), &val, 4);
	msg(s, VFU_REGION_WRITE, VFU_F_NO_REPLY, req, sizeof(req), 0, false, 0);
}

static void reg_read(struct sess *s, uint32_t off)
{
	struct vfu_region_access a = { .offset = off, .region = FUNC_REGION_BAR0,
				       .count = 4 };

	msg(s, VFU_REGION_READ, 0, &a, sizeof(a), 0, false, 0);
}

static void gen_vfu(const char *dir)
{
	struct vfu_dma_unmap u = { .argsz = sizeof(u), .iova = FZ_IOVA, .size = 4096 };
	struct vfu_region_access flr = {
		.offset = MVF_CFG_CAP_PCIE + PCI_EXP_DEVCTL, .region = FUNC_REGION_CONFIG,
		.count = 2,
	};
	uint8_t flr_req[sizeof(flr) + 2];
	uint16_t devctl = PCI_EXP_DEVCTL_BCR_FLR;
	struct fz z;
	struct sess s;
	int v;

	fz_init(&z, 2, 1u << 20, VFU_RAM);

	/* QEMU bringing up VF0, then the VF driver starting its ring. */
	sess_open(&s, &z, 1);
	version(&s);
	probe(&s);
	dma_map_ram(&s, FZ_IOVA, 0, VFU_RAM);
	msix_on(&s, 2);
	reg(&s, MVF_VF_REG_SQ_LO, (uint32_t)FZ_IOVA);
	reg(&s, MVF_VF_REG_SQ_HI, (uint32_t)(FZ_IOVA >> 32));
	reg(&s, MVF_VF_REG_CQ_LO, (uint32_t)(FZ_IOVA + 0x1000));
	reg(&s, MVF_VF_REG_CQ_HI, (uint32_t)(FZ_IOVA >> 32));
	reg(&s, MVF_VF_REG_RING_SIZE, 16);
	reg(&s, MVF_REG_CTRL, MVF_VF_CTRL_ENABLE | MVF_VF_CTRL_IRQ);
	reg(&s, MVF_VF_REG_SQ_TAIL, 3);	/* three NOPs (RAM is zero) */
	reg_read(&s, MVF_VF_REG_SQ_HEAD);
	reg_read(&s, MVF_REG_STATUS);
	sess_close(&s, dir, "vf0-bringup");

	/* The PF: the core driver's admin and event queue setup, one command. */
	sess_open(&s, &z, 0);
	version(&s);
	probe(&s);
	dma_map_ram(&s, FZ_IOVA, 0, VFU_RAM);
	msix_on(&s, 2);
	reg(&s, MVF_PF_REG_AQ_SQ_LO, (uint32_t)FZ_IOVA);
	reg(&s, MVF_PF_REG_AQ_SQ_HI, (uint32_t)(FZ_IOVA >> 32));
	reg(&s, MVF_PF_REG_AQ_CQ_LO, (uint32_t)(FZ_IOVA + 0x1000));
	reg(&s, MVF_PF_REG_AQ_CQ_HI, (uint32_t)(FZ_IOVA >> 32));
	reg(&s, MVF_PF_REG_AQ_SIZE, 64);
	reg(&s, MVF_PF_REG_EQ_LO, (uint32_t)(FZ_IOVA + 0x2000));
	reg(&s, MVF_PF_REG_EQ_HI, (uint32_t)(FZ_IOVA >> 32));
	reg(&s, MVF_PF_REG_EQ_SIZE, 64);
	reg(&s, MVF_REG_CTRL, MVF_PF_CTRL_AQ_ENABLE | MVF_PF_CTRL_EQ_ENABLE);
	reg(&s, MVF_PF_REG_AQ_TAIL, 1);	/* opcode 0: BAD_OPCODE completion */
	reg_read(&s, MVF_PF_REG_AQ_HEAD);
	reg_read(&s, MVF_REG_STATUS);
	sess_close(&s, dir, "pf-bringup");

	/* Per-page maps as behind a vIOMMU, unmaps, FLR, reset, teardown. */
	sess_open(&s, &z, 2);
	version(&s);
	for (v = 0; v < 4; v++)
		dma_map_ram(&s, FZ_IOVA + v * 4096ull, v * 4096ull, 4096);
	msg(&s, VFU_DMA_UNMAP, 0, &u, sizeof(u), 0, false, 0);
	memcpy(flr_req, &flr, sizeof(flr));
	memcpy(flr_req + sizeof(flr), &devctl, 2);
	msg(&s, VFU_REGION_WRITE, 0, flr_req, sizeof(flr_req), 0, false, 0);
	msg(&s, VFU_DEVICE_RESET, 0, NULL, 0, 0, false, 0);
	u.flags = VFU_UNMAP_F_ALL;
	u.iova = u.size = 0;
	msg(&s, VFU_DMA_UNMAP, 0, &u, sizeof(u), 0, false, 0);
	sess_close(&s, dir, "vf1-maps-reset");

	/* Refused messages: before VERSION, unsupported, bad arguments. */
	sess_open(&s, &z, 1);
	msg(&s, VFU_DEVICE_GET_INFO, 0, &(struct vfu_device_info){ .argsz = 16 }, 16, 0,
	    false, EINVAL);
	version(&s);
	msg(&s, VFU_DIRTY_PAGES, 0, NULL, 0, 0, false, ENOTSUP);
	msg(&s, 99, 0, NULL, 0, 0, false, ENOSYS);
	msg(&s, VFU_DEVICE_GET_REGION_INFO, 0,
	    &(struct vfu_region_info){ .argsz = 32, .index = 9 }, 32, 0, false, EINVAL);
	msg(&s, VFU_REGION_READ, 0,
	    &(struct vfu_region_access){ .region = 0, .offset = 4094, .count = 4 },
	    sizeof(struct vfu_region_access), 0, false, EINVAL);
	sess_close(&s, dir, "vf0-refused");
	mvf_dev_destroy(&z.dev);
}

/* ---- admin command sequences --------------------------------------------- */

struct adm {
	struct fz z;
	struct buf cmds;	/* the commands, in order */
	uint8_t data[ADM_RAM - ADM_DATA];
	size_t data_len;
	uint32_t cid, tail;
	struct mvf_aq_cpl cpl;
};

static void adm_open(struct adm *a)
{
	struct pf *pf = &a->z.dev.pf;

	a->cmds.len = 0;
	a->data_len = 0;
	a->cid = 0;
	a->tail = 0;
	fz_reset(&a->z, false);
	fz_pf_queues_on(pf, 0, 0x1000, 0x2000, 64);
}

/* Data for the commands' buffers: at IOVA FZ_IOVA + ADM_DATA + offset. */
static uint64_t adm_data(struct adm *a, const void *p, size_t n)
{
	uint64_t iova = FZ_IOVA + ADM_DATA + a->data_len;

	memcpy(a->data + a->data_len, p, n);
	memcpy(a->z.ram + ADM_DATA + a->data_len, p, n);
	a->data_len += n;
	return iova;
}

/* Submit one command through the ring; its status must be @want. */
static void adm_cmd(struct adm *a, uint8_t op, uint16_t vf, uint32_t arg0,
		    uint64_t buf, uint32_t len, uint64_t arg1, uint64_t arg2, int want)
{
	struct pf *pf = &a->z.dev.pf;
	struct mvf_aq_cmd c = {
		.opcode = op, .vf_id = htole16(vf), .cid = htole32(++a->cid),
		.arg0 = htole32(arg0), .buf_len = htole32(len), .buf_addr = htole64(buf),
		.arg1 = htole64(arg1), .arg2 = htole64(arg2),
	};
	uint32_t slot = a->tail & 63;

	put(&a->cmds, &c, sizeof(c));
	memcpy(a->z.ram + slot * sizeof(c), &c, sizeof(c));
	pf_reg_write(pf, MVF_PF_REG_AQ_TAIL, ++a->tail);
	memcpy(&a->cpl, a->z.ram + 0x1000 + slot * sizeof(a->cpl), sizeof(a->cpl));
	if (a->cpl.status != want) {
		fprintf(stderr, "gen_seeds: admin op 0x%02x vf %u: status 0x%02x, expected 0x%02x\n",
			op, vf, a->cpl.status, want);
		exit(1);
	}
}

static void adm_close(struct adm *a, const char *dir, const char *name)
{
	struct buf b = { 0 };
	uint8_t n = (uint8_t)(a->cmds.len / sizeof(struct mvf_aq_cmd));

	put(&b, &n, 1);
	put(&b, a->cmds.p, a->cmds.len);
	put(&b, a->data, a->data_len);
	write_seed(dir, "fuzz_admin", name, &b);
	free(b.p);
}

static void adm_stop(struct adm *a, uint16_t vf)
{
	adm_cmd(a, MVF_AQ_OP_VF_SUSPEND, vf, MVF_SUSPEND_P2P, 0, 0, 0, 0, 0);
	adm_cmd(a, MVF_AQ_OP_VF_SUSPEND, vf, MVF_SUSPEND_FULL, 0, 0, 0, 0, 0);
}

/* Save VF @vf (STOPPED) into the data area in @chunk-byte SAVE_CHUNKs. */
static size_t adm_save(struct adm *a, uint16_t vf, uint32_t chunk, uint8_t *out)
{
	uint64_t buf = FZ_IOVA + ADM_DATA + a->data_len;
	size_t n = 0;

	adm_cmd(a, MVF_AQ_OP_SAVE_START, vf, MVF_SAVE_MODE_STOP_COPY, 0, 0, 0, 0, 0);
	do {
		adm_cmd(a, MVF_AQ_OP_SAVE_CHUNK, vf, 0, buf, chunk, 0, 0, 0);
		if (out)
			memcpy(out + n, a->z.ram + (buf - FZ_IOVA), le32toh(a->cpl.result0));
		n += le32toh(a->cpl.result0);
	} while (!(le32toh(a->cpl.result1) & MVF_SAVE_F_END));
	adm_cmd(a, MVF_AQ_OP_SAVE_END, vf, 0, 0, 0, 0, 0, 0);
	return n;
}

static void gen_admin(const char *dir)
{
	static uint8_t img[ADM_DEVMEM + 4096];
	struct mvf_dirty_range r[2] = {
		{ .iova = htole64(FZ_IOVA), .length = htole64(0x10000) },
		{ .iova = htole64(FZ_IOVA + 0x100000), .length = htole64(0x4000) },
	};
	struct adm *a = fz_zalloc(sizeof(*a));
	uint64_t buf;
	size_t n, off;

	fz_init(&a->z, 2, ADM_DEVMEM, ADM_RAM);
	fz_map_ram(&a->z, &a->z.dev.pf_fn.dma);

	/* The core driver's probe, and a VF's suspend/resume cycle. */
	adm_open(a);
	buf = FZ_IOVA + ADM_DATA;
	adm_cmd(a, MVF_AQ_OP_IDENTIFY, 0, 0, buf, 64, 0, 0, 0);
	adm_stop(a, 1);
	adm_cmd(a, MVF_AQ_OP_VF_QUERY_SIZE, 1, 0, buf, 32, 0, 0, 0);
	adm_cmd(a, MVF_AQ_OP_VF_RESUME, 1, MVF_SUSPEND_FULL, 0, 0, 0, 0, 0);
	adm_cmd(a, MVF_AQ_OP_VF_RESUME, 1, MVF_SUSPEND_P2P, 0, 0, 0, 0, 0);
	adm_close(a, dir, "identify-suspend-resume");

	/* STOP_COPY save of VF0 in 4 KiB chunks. */
	adm_open(a);
	adm_stop(a, 0);
	n = adm_save(a, 0, 4096, img);
	adm_close(a, dir, "save-stop-copy");

	/* That image loaded into VF1 in 6 KiB LOAD_CHUNKs. */
	adm_open(a);
	adm_stop(a, 1);
	buf = adm_data(a, img, n);
	adm_cmd(a, MVF_AQ_OP_LOAD_START, 1, 0, 0, 0, 0, 0, 0);
	for (off = 0; off < n; off += 6144)
		adm_cmd(a, MVF_AQ_OP_LOAD_CHUNK, 1, 0, buf + off,
			(uint32_t)(n - off < 6144 ? n - off : 6144), 0, 0, 0);
	adm_cmd(a, MVF_AQ_OP_LOAD_END, 1, 0, 0, 0, 0, 0, 0);
	adm_close(a, dir, "load-image");

	/* PRECOPY: the initial data while RUNNING, then the rest once stopped. */
	adm_open(a);
	buf = FZ_IOVA + ADM_DATA;
	adm_cmd(a, MVF_AQ_OP_SAVE_START, 0, MVF_SAVE_MODE_PRECOPY, 0, 0, 0, 0, 0);
	do
		adm_cmd(a, MVF_AQ_OP_SAVE_CHUNK, 0, 0, buf, 8192, 0, 0, 0);
	while (!(le32toh(a->cpl.result1) & MVF_SAVE_F_EMPTY));
	adm_cmd(a, MVF_AQ_OP_VF_QUERY_SIZE, 0, 0, buf, 32, 0, 0, 0);
	adm_stop(a, 0);
	do
		adm_cmd(a, MVF_AQ_OP_SAVE_CHUNK, 0, 0, buf, 8192, 0, 0, 0);
	while (!(le32toh(a->cpl.result1) & MVF_SAVE_F_END));
	adm_cmd(a, MVF_AQ_OP_SAVE_END, 0, 0, 0, 0, 0, 0, 0);
	adm_close(a, dir, "save-precopy");

	/* Dirty tracking of two ranges of VF0's IOVA space: start, report, stop. */
	adm_open(a);
	buf = adm_data(a, r, sizeof(r));
	adm_cmd(a, MVF_AQ_OP_DIRTY_START, 0, 12, buf, sizeof(r), 0, 0, 0);
	adm_cmd(a, MVF_AQ_OP_DIRTY_REPORT, 0, 12, buf + 64, 8, FZ_IOVA, 0x10000, 0);
	adm_cmd(a, MVF_AQ_OP_DIRTY_STOP, 0, 0, 0, 0, 0, 0, 0);
	adm_cmd(a, MVF_AQ_OP_DIRTY_STOP, 0, 0, 0, 0, 0, 0, MVF_AQ_STS_NO_SESSION);
	adm_close(a, dir, "dirty-start-report-stop");

	/* Refused: bad opcode, bad VF, no session, load while RUNNING. */
	adm_open(a);
	adm_cmd(a, 0x55, 0, 0, 0, 0, 0, 0, MVF_AQ_STS_BAD_OPCODE);
	adm_cmd(a, MVF_AQ_OP_VF_SUSPEND, 7, MVF_SUSPEND_P2P, 0, 0, 0, 0, MVF_AQ_STS_BAD_VF);
	adm_cmd(a, MVF_AQ_OP_SAVE_CHUNK, 0, 0, FZ_IOVA + ADM_DATA, 4096, 0, 0,
		MVF_AQ_STS_NO_SESSION);
	adm_cmd(a, MVF_AQ_OP_LOAD_START, 0, 0, 0, 0, 0, 0, MVF_AQ_STS_BAD_STATE);
	adm_close(a, dir, "refused");
	mvf_dev_destroy(&a->z.dev);
	free(a->cmds.p);
	free(a);
}

/* ---- images ----------------------------------------------------------- */

static size_t save_all(struct vf *vf, uint32_t mode, uint8_t *out, size_t cap)
{
	uint32_t flags = 0;
	size_t n = 0, k;

	if (img_save_start(vf, mode) != MVF_AQ_STS_OK)
		abort();
	while (!(flags & MVF_SAVE_F_END)) {
		k = img_save_read(vf, out + n, cap - n, &flags);
		if (!k && (flags & MVF_SAVE_F_EMPTY)) {
			/* PRECOPY ran dry: dirty two pages, stop, finish. */
			memset(vf->devmem + 4096, 0x5a, 100);
			vf_mark_dirty(vf, 4096, 100);
			vf_mark_dirty(vf, 0, 8);
			if (vf->state != VF_STOPPED) {
				vf_suspend(vf, MVF_SUSPEND_P2P);
				vf_suspend(vf, MVF_SUSPEND_FULL);
			}
		}
		n += k;
		if (n >= cap)
			abort();
	}
	img_save_free(vf->save);
	vf->save = NULL;
	return n;
}

static void gen_image(const char *dir)
{
	static uint8_t img[4 * IMG_DEVMEM];
	struct buf b = { 0 };
	struct fz z;
	struct vf *vf;
	uint8_t k;
	size_t n;

	fz_init(&z, 2, IMG_DEVMEM, 4096);
	vf = &z.dev.vfs[0];

	fz_reset(&z, false);
	vf_suspend(vf, MVF_SUSPEND_P2P);
	vf_suspend(vf, MVF_SUSPEND_FULL);
	n = save_all(vf, MVF_SAVE_MODE_STOP_COPY, img, sizeof(img));
	k = 0;
	put(&b, &k, 1);
	put(&b, img, n);
	write_seed(dir, "fuzz_image", "stop-copy-zero", &b);

	/* Device memory and registers with content, fed in 16-byte pieces. */
	fz_reset(&z, false);
	memset(vf->devmem, 0xa5, IMG_DEVMEM / 2);
	vf_reg_write(vf, MVF_VF_REG_SCRATCH0, 0x12345678);
	vf_reg_write(vf, MVF_VF_REG_RING_SIZE, 64);
	vf_suspend(vf, MVF_SUSPEND_P2P);
	vf_suspend(vf, MVF_SUSPEND_FULL);
	n = save_all(vf, MVF_SAVE_MODE_STOP_COPY, img, sizeof(img));
	b.len = 0;
	k = 16;
	put(&b, &k, 1);
	put(&b, img, n);
	write_seed(dir, "fuzz_image", "stop-copy-data", &b);

	/* PRECOPY stream with dirty sections after the initial pass. */
	fz_reset(&z, false);
	n = save_all(vf, MVF_SAVE_MODE_PRECOPY, img, sizeof(img));
	b.len = 0;
	k = 255;
	put(&b, &k, 1);
	put(&b, img, n);
	write_seed(dir, "fuzz_image", "precopy-dirty", &b);
	free(b.p);
	mvf_dev_destroy(&z.dev);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds DIR\n");
		return 2;
	}
	mkdir(argv[1], 0755);
	gen_vfu(argv[1]);
	gen_admin(argv[1]);
	gen_image(argv[1]);
	return 0;
}
