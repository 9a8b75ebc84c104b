// SPDX-License-Identifier: GPL-2.0
/*
 * mvf-state: put known content into a VF, and check a VF against a saved
 * migration stream (a file written by vfio-mig save, or a golden stream
 * of selftests/golden/).  The tests in selftests/mig_file.sh drive it.
 *
 *   mvf-state fill BDF SEED     give every device memory page of BDF a
 *                               pattern derived from SEED (decimal or 0x)
 *   mvf-state check BDF FILE    BDF's device memory equals, byte for byte,
 *                               what FILE's DEVMEM sections put there (the
 *                               active part FILE's HEADER names)
 *   mvf-state load BDF FILE     resume BDF from FILE (RESUMING -> STOP), then
 *                               every register FILE's REGS section and
 *                               HEADER carry must read back as saved, and,
 *                               after a close and reopen, "check"
 *   mvf-state golden BDF FILE   write a golden stream: 1 MiB active device
 *                               memory with fixed patterns, scratch
 *                               registers and counters set, saved through
 *                               STOP_COPY
 *
 * Device memory survives the function reset vfio-pci does on every open
 * and close (Documentation/device.rst), registers do not: that is why
 * "load" checks registers before it closes the device, and why "fill" and
 * "check" can run in processes of their own around vfio-mig.
 * Exit status: 0 ok, 1 a check failed or an operation failed (printed,
 * naming the device or file and the errno), 2 bad usage.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mvf_pair.h"

#define BOUNCE_SIZE	(1u << 20)
#define MIB		(1ull << 20)
#define GOLDEN_SEED	0x60dde5eed0000001ull

static int usage(void)
{
	fprintf(stderr,
		"usage: mvf-state fill BDF SEED | check BDF FILE | load BDF FILE | golden BDF FILE\n");
	return 2;
}

static int read_file(const char *path, struct vt_buf *b)
{
	char chunk[65536];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "mvf-state: open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || vt_buf_append(b, chunk, (size_t)n)) {
			fprintf(stderr, "mvf-state: read %s: %s\n", path,
				n < 0 ? strerror(errno) : "out of memory");
			close(fd);
			return -EIO;
		}
	}
	close(fd);
	return 0;
}

static int write_file(const char *path, const struct vt_buf *b)
{
	size_t done = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "mvf-state: create %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (done < b->len) {
		n = write(fd, b->data + done, b->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "mvf-state: write %s: %s\n", path,
				strerror(errno));
			close(fd);
			return -EIO;
		}
		done += (size_t)n;
	}
	if (close(fd)) {
		fprintf(stderr, "mvf-state: close %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

/**
 * struct expect - what a stream file says a VF must hold
 * @file: the stream bytes
 * @ps: the parsed stream
 * @hdr: its HEADER payload
 * @regs: its REGS payload
 * @mem: the active device memory its DEVMEM sections describe
 * @active: bytes of @mem (HEADER devmem_active, in bytes)
 */
struct expect {
	struct vt_buf file;
	struct mvf_stream ps;
	struct mvf_img_header hdr;
	struct mvf_img_regs regs;
	uint8_t *mem;
	uint64_t active;
};

static void expect_free(struct expect *e)
{
	free(e->mem);
	mvf_stream_free(&e->ps);
	vt_buf_free(&e->file);
}

/* Parse @path for a VF with @devmem bytes of device memory. */
static int expect_load(struct expect *e, const char *path, uint64_t devmem)
{
	const uint8_t *img;
	uint64_t *covered = NULL, pages, pg;
	char why[160];
	size_t i;
	int ret = -EINVAL;

	memset(e, 0, sizeof(*e));
	if (read_file(path, &e->file))
		return -EIO;
	if (mvf_stream_parse(&e->file, &e->ps))
		return -EINVAL;
	if (mvf_stream_check_image(&e->ps, devmem, why, sizeof(why))) {
		fprintf(stderr, "mvf-state: %s: not an image for %llu bytes of device memory: %s\n",
			path, (unsigned long long)devmem, why);
		return -EINVAL;
	}
	img = e->ps.img.data;
	memcpy(&e->hdr, img + e->ps.secs[0].img_off + sizeof(struct mvf_img_sec),
	       sizeof(e->hdr));
	e->active = (uint64_t)le32toh(e->hdr.devmem_active) * MIB;
	if (!e->active || e->active > devmem) {
		fprintf(stderr, "mvf-state: %s: devmem_active %u MiB\n", path,
			le32toh(e->hdr.devmem_active));
		return -EINVAL;
	}
	pages = e->active / MVF_IMG_PAGE_SIZE;
	e->mem = calloc(1, e->active);
	covered = calloc((pages + 63) / 64, sizeof(*covered));
	if (!e->mem || !covered) {
		fprintf(stderr, "mvf-state: out of memory\n");
		goto out;
	}
	for (i = 1; i + 1 < e->ps.nr_secs; i++) {
		const struct mvf_sec *s = &e->ps.secs[i];
		const uint8_t *p = img + s->img_off + sizeof(struct mvf_img_sec);
		struct mvf_img_devmem dm;
		uint64_t off, len;

		if (s->type == MVF_IMG_SEC_REGS) {
			memcpy(&e->regs, p, sizeof(e->regs));
			continue;
		}
		memcpy(&dm, p, sizeof(dm));
		off = le64toh(dm.offset);
		len = s->len - sizeof(dm);
		if (off > e->active || len > e->active - off) {
			fprintf(stderr, "mvf-state: %s: DEVMEM section %zu at %llu+%llu outside the active %llu bytes\n",
				path, i, (unsigned long long)off,
				(unsigned long long)len,
				(unsigned long long)e->active);
			goto out;
		}
		/* a later section for a page replaces an earlier one */
		memcpy(e->mem + off, p + sizeof(dm), len);
		for (pg = off / MVF_IMG_PAGE_SIZE;
		     pg < (off + len) / MVF_IMG_PAGE_SIZE; pg++)
			covered[pg / 64] |= 1ull << (pg % 64);
	}
	for (pg = 0; pg < pages; pg++) {
		if (!(covered[pg / 64] & (1ull << (pg % 64)))) {
			fprintf(stderr, "mvf-state: %s: no DEVMEM section covers page %llu\n",
				path, (unsigned long long)pg);
			goto out;
		}
	}
	ret = 0;
out:
	free(covered);
	return ret;
}

static int cmd_fill(const char *bdf, uint64_t seed)
{
	struct mvf_pair p;
	int ret;

	if (mvf_pair_open_one(&p, bdf, BOUNCE_SIZE))
		return 1;
	ret = mvf_fill_all_pages(&p.ctx[0], NULL, seed, 16);
	if (!ret)
		printf("filled %s: %llu bytes of device memory, seed 0x%llx\n",
		       bdf, (unsigned long long)p.devmem,
		       (unsigned long long)seed);
	mvf_pair_close(&p);
	return ret ? 1 : 0;
}

/* @p's VF holds @e's device memory, byte for byte. */
static int devmem_matches(struct mvf_pair *p, const struct expect *e,
			  const char *path)
{
	int64_t bad = mvf_dev_verify_bytes(&p->ctx[0], e->mem, 0, e->active);

	if (bad != -1) {
		fprintf(stderr, "mvf-state: %s: device memory differs from %s%s\n",
			p->dev[0].vt.name, path, bad < -1 ? " (read failed)" : "");
		return 1;
	}
	printf("%s: device memory 0..%llu equals the DEVMEM sections of %s\n",
	       p->dev[0].vt.name, (unsigned long long)e->active, path);
	return 0;
}

static int cmd_check(const char *bdf, const char *path)
{
	struct expect e;
	struct mvf_pair p;
	int ret = 1;

	if (mvf_pair_open_one(&p, bdf, BOUNCE_SIZE))
		return 1;
	if (!expect_load(&e, path, p.devmem))
		ret = devmem_matches(&p, &e, path);
	expect_free(&e);
	mvf_pair_close(&p);
	return ret;
}

/* One register against its saved value; prints a mismatch. */
static int reg_is(struct mvf_dev *d, const char *name, uint64_t got,
		  uint64_t want)
{
	if (got == want)
		return 0;
	fprintf(stderr, "mvf-state: %s: %s reads 0x%llx after the load, saved 0x%llx\n",
		d->vt.name, name, (unsigned long long)got, (unsigned long long)want);
	return 1;
}

static int regs_match(struct mvf_dev *d, const struct expect *e)
{
	const struct mvf_img_regs *r = &e->regs;
	const uint32_t sts = MVF_VF_STS_ENABLED | MVF_VF_STS_HALTED;
	char name[16];
	int bad = 0, i;

	bad += reg_is(d, "CTRL", mvf_rd32(d, MVF_REG_CTRL), le32toh(r->ctrl));
	bad += reg_is(d, "STATUS & (ENABLED|HALTED)",
		      mvf_rd32(d, MVF_REG_STATUS) & sts, le32toh(r->status));
	bad += reg_is(d, "SQ", mvf_rd64(d, MVF_VF_REG_SQ_LO), le64toh(r->sq));
	bad += reg_is(d, "CQ", mvf_rd64(d, MVF_VF_REG_CQ_LO), le64toh(r->cq));
	bad += reg_is(d, "RING_SIZE", mvf_rd32(d, MVF_VF_REG_RING_SIZE),
		      le32toh(r->ring_size));
	bad += reg_is(d, "SQ_TAIL", mvf_rd32(d, MVF_VF_REG_SQ_TAIL),
		      le32toh(r->sq_tail));
	bad += reg_is(d, "SQ_HEAD", mvf_rd32(d, MVF_VF_REG_SQ_HEAD),
		      le32toh(r->sq_head));
	bad += reg_is(d, "DB_LATCHED", mvf_rd32(d, MVF_VF_REG_DB_LATCHED),
		      le32toh(r->db_latched));
	bad += reg_is(d, "CNT_DESC", mvf_rd64(d, MVF_VF_REG_CNT_DESC_LO),
		      le64toh(r->cnt_desc));
	bad += reg_is(d, "CNT_BYTES", mvf_rd64(d, MVF_VF_REG_CNT_BYTES_LO),
		      le64toh(r->cnt_bytes));
	bad += reg_is(d, "CNT_ERR", mvf_rd32(d, MVF_VF_REG_CNT_ERR),
		      le32toh(r->cnt_err));
	bad += reg_is(d, "LAST_ERR", mvf_rd32(d, MVF_VF_REG_LAST_ERR),
		      le32toh(r->last_err));
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++) {
		snprintf(name, sizeof(name), "SCRATCH%d", i);
		bad += reg_is(d, name, mvf_rd32(d, MVF_VF_REG_SCRATCH0 + 4 * i),
			      le32toh(r->scratch[i]));
	}
	bad += reg_is(d, "DEVMEM_ACTIVE", mvf_rd32(d, MVF_VF_REG_DEVMEM_ACTIVE),
		      le32toh(e->hdr.devmem_active));
	if (!bad)
		printf("%s: CTRL, STATUS, ring, counter, scratch and DEVMEM_ACTIVE registers read back as saved\n",
		       d->vt.name);
	return bad ? 1 : 0;
}

static int cmd_load(const char *bdf, const char *path)
{
	struct expect e;
	struct mvf_pair p;
	uint32_t st;
	int ret = 1;

	if (mvf_pair_open_one(&p, bdf, BOUNCE_SIZE))
		return 1;
	if (expect_load(&e, path, p.devmem))
		goto out;
	printf("%s: image version %u, devmem %llu bytes, %u MiB active, %zu sections\n",
	       path, le32toh(e.hdr.version),
	       (unsigned long long)le64toh(e.hdr.devmem_size),
	       le32toh(e.hdr.devmem_active), e.ps.nr_secs);
	/* from RUNNING, as a migration target is */
	if (vt_mig_load(&p.dev[0].vt, e.file.data, e.file.len))
		goto out;
	if (vt_mig_get_state(&p.dev[0].vt, &st) || st != VFIO_DEVICE_STATE_STOP) {
		fprintf(stderr, "mvf-state: %s: not in STOP after the load\n", bdf);
		goto out;
	}
	printf("%s: loaded %zu bytes from %s, device in STOP\n", bdf,
	       e.file.len, path);
	if (regs_match(&p.dev[0], &e))
		goto out;
	/* device memory survives the reset of the close and the reopen */
	mvf_pair_close(&p);
	if (mvf_pair_open_one(&p, bdf, BOUNCE_SIZE)) {
		expect_free(&e);
		return 1;
	}
	ret = devmem_matches(&p, &e, path);
out:
	expect_free(&e);
	mvf_pair_close(&p);
	return ret;
}

static int cmd_golden(const char *bdf, const char *path)
{
	const uint32_t pages = MIB / MVF_IMG_PAGE_SIZE;
	struct mvf_desc descs[256];
	struct vt_buf stream = { 0 };
	struct mvf_pair p;
	uint32_t pg, i;
	int ret = 1;

	if (mvf_pair_open_one(&p, bdf, BOUNCE_SIZE))
		return 1;
	mvf_wr32(&p.dev[0], MVF_VF_REG_DEVMEM_ACTIVE, 1);
	if (mvf_rd32(&p.dev[0], MVF_VF_REG_DEVMEM_ACTIVE) != 1) {
		fprintf(stderr, "mvf-state: %s: DEVMEM_ACTIVE does not take 1 MiB\n",
			bdf);
		goto out;
	}
	for (pg = 0; pg < pages; pg++)
		descs[pg] = mvf_desc_make(MVF_DESC_OP_DFILL, MVF_IMG_PAGE_SIZE,
					  0, (uint64_t)pg * MVF_IMG_PAGE_SIZE,
					  mvf_page_pattern(GOLDEN_SEED, pg), pg);
	if (mvf_ring_run(&p.dev[0], &p.ring[0], descs, pages, NULL))
		goto out;
	/* pseudo-random bytes into every 16th page */
	for (i = 0; i < pages / 16; i++) {
		uint8_t *src = (uint8_t *)p.bounce[0].va + i * MVF_IMG_PAGE_SIZE;

		mvf_prng_fill(src, MVF_IMG_PAGE_SIZE, GOLDEN_SEED + i);
		descs[i] = mvf_desc_make(MVF_DESC_OP_H2D, MVF_IMG_PAGE_SIZE,
					 p.bounce[0].iova + i * MVF_IMG_PAGE_SIZE,
					 (uint64_t)i * 16 * MVF_IMG_PAGE_SIZE, 0,
					 0x100 + i);
	}
	if (mvf_ring_run(&p.dev[0], &p.ring[0], descs, pages / 16, NULL))
		goto out;
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		mvf_wr32(&p.dev[0], MVF_VF_REG_SCRATCH0 + 4 * i,
			 0x60d0e000u + i);
	if (vt_mig_save(&p.dev[0].vt, &stream) || write_file(path, &stream))
		goto out;
	printf("golden: saved %s (1 MiB active device memory) to %s: %zu bytes\n",
	       bdf, path, stream.len);
	ret = 0;
out:
	vt_buf_free(&stream);
	mvf_pair_close(&p);
	return ret;
}

int main(int argc, char **argv)
{
	char *end;
	uint64_t seed;

	if (argc != 4 || !vt_is_bdf(argv[2]))
		return usage();
	if (!strcmp(argv[1], "fill")) {
		errno = 0;
		seed = strtoull(argv[3], &end, 0);
		if (errno || *end || end == argv[3])
			return usage();
		return cmd_fill(argv[2], seed);
	}
	if (!strcmp(argv[1], "check"))
		return cmd_check(argv[2], argv[3]);
	if (!strcmp(argv[1], "load"))
		return cmd_load(argv[2], argv[3]);
	if (!strcmp(argv[1], "golden"))
		return cmd_golden(argv[2], argv[3]);
	return usage();
}
