// SPDX-License-Identifier: GPL-2.0
/*
 * mvf-demo: fill VF0 with state (every device memory page, registers, a
 * latched doorbell), move it to VF1 through the VFIO migration uAPI, and
 * show what moved and whether VF1 is now VF0.
 *
 * Usage: mvf-demo [VF0-BDF VF1-BDF]   (else MVF_VF0_BDF/MVF_VF1_BDF, else
 *                                      sysfs discovery)
 * Exit status: 0 if the migration was verified, 1 if not, 2 on setup error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mvf_pair.h"

#define DEMO_BOUNCE	(4u << 20)
#define DEMO_SEED	0xd3e0000000000001ull
#define MIB		(1024.0 * 1024.0)

struct demo {
	struct mvf_pair p;
	struct mvf_model model;
	struct vt_buf stream;
	struct vt_dma host;
	int failures;
};

static void step(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void check(struct demo *d, int ok, const char *fmt, ...)
{
	va_list ap;

	printf("    %s: ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		d->failures++;
}

static int die(struct demo *d, const char *what, int err)
{
	printf("    FAIL: %s: %s\n", what, strerror(err < 0 ? -err : err));
	printf("RESULT: FAIL\n");
	mvf_model_free(&d->model);
	vt_buf_free(&d->stream);
	mvf_pair_close(&d->p);
	return 1;
}

int main(int argc, char **argv)
{
	static struct demo demo;
	struct demo *d = &demo;
	struct mvf_pair *p = &d->p;
	struct mvf_dev *vf0, *vf1;
	char bdf0[MVF_BDF_LEN], bdf1[MVF_BDF_LEN], drv0[64] = "", drv1[64] = "";
	struct mvf_regs s0, s1;
	struct mvf_stream ps;
	struct mvf_ring r1;
	struct mvf_ctx c1;
	struct mvf_desc latched, crc;
	struct mvf_cpl cpl;
	char why[256] = "";
	uint8_t expect[4096];
	uint64_t est = 0, devmem_img = 0;
	double t0, t_fill, t_save, t_load;
	int64_t bad;
	uint32_t idx;
	size_t i, ndev = 0;
	int ret, diffs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mvf_select_vfs(&argc, argv, bdf0, bdf1))
		return 2;
	printf("mvf demo: move a VF's live state VF0 -> VF1 through the VFIO migration uAPI\n");
	ret = mvf_pair_open(p, bdf0, bdf1, DEMO_BOUNCE);
	if (ret) {
		printf("cannot open %s and %s through VFIO: %s\n", bdf0, bdf1,
		       strerror(-ret));
		return 2;
	}
	vf0 = &p->dev[0];
	vf1 = &p->dev[1];
	mvf_sysfs_driver(bdf0, drv0, sizeof(drv0));
	mvf_sysfs_driver(bdf1, drv1, sizeof(drv1));
	printf("  VF0 %s (%s), VF1 %s (%s), device memory %.0f MiB each\n",
	       bdf0, drv0, bdf1, drv1, p->devmem / MIB);
	if (mvf_model_init(&d->model, p->devmem) ||
	    vt_dma_alloc(&p->vfio, 1u << 20, &d->host))
		return die(d, "memory", ENOMEM);

	/* 1: workload */
	step("[1] VF0 workload through its descriptor ring\n");
	t0 = mvf_now();
	ret = mvf_fill_all_pages(&p->ctx[0], &d->model, DEMO_SEED, 1024);
	if (ret)
		return die(d, "filling VF0 device memory", ret);
	t_fill = mvf_now() - t0;
	check(d, 1, "%llu pages of device memory given distinct patterns, 256 pages random data (%.2f s)",
	      (unsigned long long)(p->devmem / MVF_IMG_PAGE_SIZE), t_fill);
	memcpy(d->host.va, "123456789", 9);
	crc = mvf_desc_make(MVF_DESC_OP_CRC32C, 9, d->host.iova, 0, 0, 0xc4c);
	ret = mvf_ring_exec(vf0, &p->ring[0], &crc, &cpl);
	check(d, !ret && cpl.result == 0xE3069283u,
	      "CRC32C(\"123456789\") on VF0 = 0x%08x (want 0xe3069283)",
	      cpl.result);
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		mvf_wr32(vf0, MVF_VF_REG_SCRATCH0 + 4 * (uint32_t)i,
			 0xde300000u + (uint32_t)i);
	step("    counters: %llu descriptors, %llu bytes processed; SQ_HEAD %u\n",
	     (unsigned long long)mvf_rd64(vf0, MVF_VF_REG_CNT_DESC_LO),
	     (unsigned long long)mvf_rd64(vf0, MVF_VF_REG_CNT_BYTES_LO),
	     mvf_rd32(vf0, MVF_VF_REG_SQ_HEAD));

	/* 2: latched doorbell */
	step("[2] VF0 RUNNING -> RUNNING_P2P, then a doorbell\n");
	ret = vt_mig_set_state(&vf0->vt, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	if (ret)
		return die(d, "RUNNING -> RUNNING_P2P", ret);
	memset((uint8_t *)d->host.va + 4096, 0, 4096);
	latched = mvf_desc_make(MVF_DESC_OP_FILL, 4096, 0, d->host.iova + 4096,
				0x1a7c4ed1a7c4ed00ull, 0x1a7c4ed);
	idx = mvf_ring_post(&p->ring[0], &latched);
	mvf_ring_doorbell(vf0, &p->ring[0]);
	check(d, mvf_rd32(vf0, MVF_VF_REG_DB_LATCHED) == 1 &&
	      mvf_rd32(vf0, MVF_VF_REG_SQ_HEAD) == idx &&
	      mvf_rd32(vf0, MVF_VF_REG_SQ_TAIL) == idx + 1,
	      "doorbell latched: DB_LATCHED=%u SQ_HEAD=%u SQ_TAIL=%u",
	      mvf_rd32(vf0, MVF_VF_REG_DB_LATCHED),
	      mvf_rd32(vf0, MVF_VF_REG_SQ_HEAD),
	      mvf_rd32(vf0, MVF_VF_REG_SQ_TAIL));

	/* 3: save */
	step("[3] VF0 RUNNING_P2P -> STOP -> STOP_COPY, read the data_fd\n");
	ret = vt_mig_set_state(&vf0->vt, VFIO_DEVICE_STATE_STOP, NULL);
	if (ret)
		return die(d, "RUNNING_P2P -> STOP", ret);
	mvf_regs_read(vf0, &s0);
	vt_mig_data_size(&vf0->vt, &est);
	t0 = mvf_now();
	ret = vt_mig_save(&vf0->vt, &d->stream);
	t_save = mvf_now() - t0;
	if (ret)
		return die(d, "saving VF0", ret);
	ret = mvf_stream_parse(&d->stream, &ps);
	if (ret)
		return die(d, "parsing the stream", ret);
	for (i = 0; i < ps.nr_secs; i++)
		if (ps.secs[i].type == MVF_IMG_SEC_DEVMEM) {
			devmem_img += ps.secs[i].len -
				      sizeof(struct mvf_img_devmem);
			ndev++;
		}
	ret = mvf_stream_check_image(&ps, p->devmem, why, sizeof(why));
	check(d, 1, "%zu bytes read in %.2f s (%.1f MiB/s), estimate was %llu",
	      d->stream.len, t_save, d->stream.len / MIB / t_save,
	      (unsigned long long)est);
	check(d, !ret, "stream: %zu records; image %zu bytes: %zu sections, %zu DEVMEM (%.1f MiB), REGS, TRAILER CRC32C %s",
	      ps.nr_recs, ps.img.len, ps.nr_secs, ndev, devmem_img / MIB,
	      ret ? why : "valid");
	mvf_stream_free(&ps);

	/* 4: resume */
	step("[4] VF1 RUNNING -> RESUMING, write the stream, RESUMING -> STOP\n");
	t0 = mvf_now();
	ret = vt_mig_set_state(&vf1->vt, VFIO_DEVICE_STATE_STOP, NULL);
	if (!ret)
		ret = vt_mig_load(&vf1->vt, d->stream.data, d->stream.len);
	t_load = mvf_now() - t0;
	if (ret)
		return die(d, "resuming VF1", ret);
	check(d, 1, "%zu bytes written and loaded in %.2f s (%.1f MiB/s)",
	      d->stream.len, t_load, d->stream.len / MIB / t_load);

	/* 5: verify */
	step("[5] verify VF1 against VF0\n");
	mvf_regs_read(vf1, &s1);
	diffs = mvf_regs_diff("VF0 vs VF1", &s0, &s1, 0);
	check(d, !diffs, "registers: %zu of %zu equal (ring IOVAs, SQ_TAIL %u, SQ_HEAD %u, DB_LATCHED %u, CNT_DESC %llu, scratch)",
	      mvf_vf_nr_regs - (size_t)diffs, mvf_vf_nr_regs,
	      mvf_rd32(vf1, MVF_VF_REG_SQ_TAIL),
	      mvf_rd32(vf1, MVF_VF_REG_SQ_HEAD),
	      mvf_rd32(vf1, MVF_VF_REG_DB_LATCHED),
	      (unsigned long long)mvf_rd64(vf1, MVF_VF_REG_CNT_DESC_LO));
	ret = vt_mig_set_state(&vf1->vt, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (ret)
		return die(d, "VF1 STOP -> RUNNING", ret);
	r1 = p->ring[0];	/* VF1 continues on VF0's ring (same IOVAs) */
	mvf_pattern_fill(expect, sizeof(expect), latched.pattern);
	ret = mvf_ring_wait(vf1, &r1, idx, &cpl);
	check(d, !ret && cpl.cookie == 0x1a7c4ed &&
	      cpl.status == MVF_DESC_STS_OK &&
	      mvf_rd32(vf1, MVF_VF_REG_SQ_HEAD) == idx + 1 &&
	      !memcmp((uint8_t *)d->host.va + 4096, expect, sizeof(expect)),
	      "latched doorbell ran on VF1 after RUNNING: SQ_HEAD %u, completion phase %u",
	      mvf_rd32(vf1, MVF_VF_REG_SQ_HEAD), cpl.phase);
	c1.dev = vf1;
	c1.ring = &r1;
	c1.bounce = &p->bounce[0];
	t0 = mvf_now();
	bad = mvf_dev_verify(&c1, &d->model, 0, p->devmem);
	check(d, bad == -1,
	      "device memory: %llu bytes read back with D2H, %s (%.2f s)",
	      (unsigned long long)p->devmem,
	      bad == -1 ? "byte-for-byte equal" : "DIFFERENT",
	      mvf_now() - t0);
	ret = mvf_ring_exec(vf1, &r1, &crc, &cpl);
	check(d, !ret && cpl.result == 0xE3069283u,
	      "VF1 keeps working: CRC32C(\"123456789\") = 0x%08x",
	      cpl.result);

	printf("moved: stream %zu bytes (%.1f MiB), device memory %llu bytes (%.1f MiB), registers %zu\n",
	       d->stream.len, d->stream.len / MIB,
	       (unsigned long long)devmem_img, devmem_img / MIB,
	       mvf_vf_nr_regs);
	printf("time: save %.3f s (%.1f MiB/s), resume %.3f s (%.1f MiB/s)\n",
	       t_save, d->stream.len / MIB / t_save, t_load,
	       d->stream.len / MIB / t_load);
	printf("RESULT: %s\n", d->failures ? "FAIL" : "PASS");
	mvf_model_free(&d->model);
	vt_buf_free(&d->stream);
	vt_dma_free(&p->vfio, &d->host);
	mvf_pair_close(p);
	return d->failures ? 1 : 0;
}
