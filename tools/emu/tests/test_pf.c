// SPDX-License-Identifier: GPL-2.0
/* The PF model: admin queue commands, states, sessions, errors. */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../image.h"
#include "fixture.h"
#include "test.h"

#define BUF	fx_iova(FX_PF_BUF)

static int pf_identify_and_regs(void)
{
	struct mvf_identify id;
	struct fx f;
	struct pf *pf;

	TRY(fx_init(&f, 1 << 20, false));
	pf = &f.dev.pf;
	CHECK_EQ(pf_reg_read(pf, MVF_REG_ID), MVF_ID_PF);
	CHECK_EQ(pf_reg_read(pf, MVF_PF_REG_NUM_VFS), 2);
	CHECK_EQ(pf_reg_read(pf, MVF_PF_REG_SERIAL_LO), 0x66000001);
	CHECK_EQ(pf_reg_read(pf, MVF_PF_REG_SERIAL_HI), 0x6d76);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_IDENTIFY, 0, 0, BUF, 63, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_IDENTIFY, 0, 0, BUF, 64, NULL), 0);
	CHECK_EQ(fx_irq_count(f.pf_irq[MVF_PF_MSIX_ADMINQ]), 2);
	memcpy(&id, f.ram + FX_PF_BUF, sizeof(id));
	CHECK_EQ(le32toh(id.magic), MVF_IDENTIFY_MAGIC);
	CHECK_EQ(le32toh(id.dev_version), MVF_DEV_VERSION);
	CHECK_EQ(le32toh(id.num_vfs), 2);
	CHECK_EQ(le32toh(id.img_version), MVF_IMG_VERSION);
	CHECK_EQ(le64toh(id.serial), 0x6d7666000001ull);
	CHECK_EQ(le64toh(id.devmem_size), 1 << 20);
	CHECK_EQ(le32toh(id.max_chunk), 1 << 20);
	/* Buffer outside the PF's DMA space. */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_IDENTIFY, 0, 0, 0x1000, 64, NULL), MVF_AQ_STS_DMA_ERR);
	fx_fini(&f);
	return 0;
}

static int pf_bad_commands(void)
{
	struct fx f;
	struct pf *pf;
	uint32_t slot;

	TRY(fx_init(&f, 1 << 20, false));
	pf = &f.dev.pf;
	CHECK_EQ(fx_aq(&f, 0x00, 0, 0, 0, 0, NULL), MVF_AQ_STS_BAD_OPCODE);
	CHECK_EQ(fx_aq(&f, 0x55, 0, 0, 0, 0, NULL), MVF_AQ_STS_BAD_OPCODE);
	CHECK_EQ(fx_aq(&f, 0x13, 0, 0, 0, 0, NULL), MVF_AQ_STS_BAD_OPCODE);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 2, MVF_SUSPEND_P2P, 0, 0, NULL), MVF_AQ_STS_BAD_VF);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0xffff, MVF_SUSPEND_P2P, 0, 0, NULL),
		 MVF_AQ_STS_BAD_VF);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0, 7, 0, 0, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 0, 9, 0, 0, NULL), MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_QUERY_SIZE, 0, 0, BUF, 31, NULL), MVF_AQ_STS_BAD_PARAM);
	/* Nonzero flags byte. */
	slot = pf_reg_read(pf, MVF_PF_REG_AQ_TAIL) & (FX_AQ_SIZE - 1);
	f.ram[FX_AQ_SQ + slot * 64 + 1] = 1;
	{
		struct mvf_aq_cmd cmd = { .opcode = MVF_AQ_OP_IDENTIFY, .flags = 1,
			.buf_addr = htole64(BUF), .buf_len = htole32(64), .cid = 7 };

		memcpy(f.ram + FX_AQ_SQ + slot * 64, &cmd, sizeof(cmd));
		pf_reg_write(pf, MVF_PF_REG_AQ_TAIL, pf_reg_read(pf, MVF_PF_REG_AQ_TAIL) + 1);
		CHECK_EQ(f.ram[FX_AQ_CQ + slot * 16 + 10], MVF_AQ_STS_BAD_PARAM);
	}
	CHECK_EQ(pf_reg_read(pf, MVF_REG_STATUS), MVF_PF_STS_AQ_READY);
	fx_fini(&f);
	return 0;
}

static int pf_suspend_resume_fsm(void)
{
	struct fx f;
	struct vf *v;

	TRY(fx_init(&f, 1 << 20, false));
	v = &f.dev.vfs[0];
	/* RUNNING */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_FULL, 0, 0, NULL), MVF_AQ_STS_BAD_STATE);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 0, MVF_SUSPEND_FULL, 0, 0, NULL), MVF_AQ_STS_BAD_STATE);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 0, MVF_SUSPEND_P2P, 0, 0, NULL), 0);
	CHECK_EQ(v->state, VF_RUNNING);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_P2P, 0, 0, NULL), 0);
	/* QUIESCED */
	CHECK_EQ(v->state, VF_QUIESCED);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_P2P, 0, 0, NULL), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 0, MVF_SUSPEND_FULL, 0, 0, NULL), 0);
	CHECK_EQ(v->state, VF_QUIESCED);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_FULL, 0, 0, NULL), 0);
	/* STOPPED */
	CHECK_EQ(v->state, VF_STOPPED);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_FULL, 0, 0, NULL), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_P2P, 0, 0, NULL), MVF_AQ_STS_BAD_STATE);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 0, MVF_SUSPEND_P2P, 0, 0, NULL), MVF_AQ_STS_BAD_STATE);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 0, MVF_SUSPEND_FULL, 0, 0, NULL), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 0, MVF_SUSPEND_P2P, 0, 0, NULL), 0);
	CHECK_EQ(v->state, VF_RUNNING);
	CHECK_EQ(f.dev.vfs[1].state, VF_RUNNING);	/* the other VF untouched */
	fx_fini(&f);
	return 0;
}

static int pf_query_size_is_exact(void)
{
	struct mvf_state_size sz;
	struct fx f;
	uint8_t *img;
	size_t len;

	TRY(fx_init(&f, 3 << 20, false));
	CHECK_EQ(fx_stop(&f, 0), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_QUERY_SIZE, 0, 0, BUF, 32, NULL), 0);
	memcpy(&sz, f.ram + FX_PF_BUF, sizeof(sz));
	CHECK_EQ(le64toh(sz.initial_bytes), 0);
	CHECK_EQ(le64toh(sz.dirty_bytes), 0);
	TRY(fx_save(&f, 0, 100003, &img, &len));
	free(img);
	CHECK_EQ(le64toh(sz.stop_copy_bytes), len);
	CHECK_EQ(len, img_full_size(3 << 20));
	CHECK_EQ(len, 80 + 3 * (32 + (1 << 20)) + 176);
	fx_fini(&f);
	return 0;
}

static int pf_save_session_rules(void)
{
	struct mvf_state_size sz;
	struct mvf_aq_cpl cpl;
	struct fx f;
	uint8_t first[64];

	TRY(fx_init(&f, 1 << 20, false));
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_CHUNK, 0, 0, fx_iova(FX_PF_CHUNK), 64, NULL),
		 MVF_AQ_STS_NO_SESSION);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_END, 0, 0, 0, 0, NULL), MVF_AQ_STS_NO_SESSION);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 0, MVF_SAVE_MODE_STOP_COPY, 0, 0, NULL),
		 MVF_AQ_STS_BAD_STATE);
	CHECK_EQ(fx_stop(&f, 0), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 0, MVF_SAVE_MODE_STOP_COPY, 0, 0, NULL), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 0, MVF_SAVE_MODE_STOP_COPY, 0, 0, NULL),
		 MVF_AQ_STS_BUSY);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_LOAD_START, 0, 0, 0, 0, NULL), MVF_AQ_STS_BUSY);
	/* The VF may not leave STOPPED under a STOP_COPY session. */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 0, MVF_SUSPEND_FULL, 0, 0, NULL), MVF_AQ_STS_BUSY);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_CHUNK, 0, 0, fx_iova(FX_PF_CHUNK), 0, NULL),
		 MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_CHUNK, 0, 0, fx_iova(FX_PF_CHUNK), (1 << 20) + 1, NULL),
		 MVF_AQ_STS_BAD_PARAM);
	/* A bad buffer loses no stream bytes. */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_CHUNK, 0, 0, fx_iova(FX_RAM_SIZE - 32), 64, NULL),
		 MVF_AQ_STS_DMA_ERR);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_CHUNK, 0, 0, fx_iova(FX_PF_CHUNK), 64, &cpl), 0);
	CHECK_EQ(le32toh(cpl.result0), 64);
	CHECK_EQ(le32toh(cpl.result1), 0);
	memcpy(first, f.ram + FX_PF_CHUNK, 64);
	CHECK_EQ(first[0], MVF_IMG_SEC_HEADER);
	CHECK(!memcmp(first + 16, "MVFIMG1", 8));
	/* Remaining bytes reported, then drain. */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_QUERY_SIZE, 0, 0, BUF, 32, NULL), 0);
	memcpy(&sz, f.ram + FX_PF_BUF, sizeof(sz));
	CHECK_EQ(le64toh(sz.stop_copy_bytes), img_full_size(1 << 20) - 64);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_CHUNK, 0, 0, fx_iova(FX_PF_CHUNK), 1 << 20, &cpl), 0);
	CHECK_EQ(le32toh(cpl.result0), 1 << 20);
	CHECK_EQ(le32toh(cpl.result1), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_CHUNK, 0, 0, fx_iova(FX_PF_CHUNK), 1 << 20, &cpl), 0);
	CHECK_EQ(le32toh(cpl.result0), img_full_size(1 << 20) - 64 - (1 << 20));
	CHECK_EQ(le32toh(cpl.result1), MVF_SAVE_F_END);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_CHUNK, 0, 0, fx_iova(FX_PF_CHUNK), 1 << 20, &cpl), 0);
	CHECK_EQ(le32toh(cpl.result0), 0);
	CHECK_EQ(le32toh(cpl.result1), MVF_SAVE_F_END);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_END, 0, 0, 0, 0, NULL), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 0, MVF_SUSPEND_FULL, 0, 0, NULL), 0);
	fx_fini(&f);
	return 0;
}

static int pf_load_session_rules(void)
{
	struct fx f;

	TRY(fx_init(&f, 1 << 20, false));
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_LOAD_START, 1, 0, 0, 0, NULL), MVF_AQ_STS_BAD_STATE);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_LOAD_CHUNK, 1, 0, fx_iova(FX_PF_CHUNK), 16, NULL),
		 MVF_AQ_STS_NO_SESSION);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_LOAD_END, 1, 0, 0, 0, NULL), MVF_AQ_STS_NO_SESSION);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_LOAD_ABORT, 1, 0, 0, 0, NULL), MVF_AQ_STS_NO_SESSION);
	CHECK_EQ(fx_stop(&f, 1), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_LOAD_START, 1, 0, 0, 0, NULL), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_LOAD_START, 1, 0, 0, 0, NULL), MVF_AQ_STS_BUSY);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 1, MVF_SAVE_MODE_STOP_COPY, 0, 0, NULL),
		 MVF_AQ_STS_BUSY);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 1, MVF_SUSPEND_FULL, 0, 0, NULL), MVF_AQ_STS_BUSY);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_LOAD_CHUNK, 1, 0, fx_iova(FX_PF_CHUNK), 0, NULL),
		 MVF_AQ_STS_BAD_PARAM);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_LOAD_CHUNK, 1, 0, 0x10, 16, NULL), MVF_AQ_STS_DMA_ERR);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_LOAD_ABORT, 1, 0, 0, 0, NULL), 0);
	CHECK(!f.dev.vfs[1].load);
	/* CTRL.RESET of the PF drops open sessions too. */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_LOAD_START, 1, 0, 0, 0, NULL), 0);
	pf_reg_write(&f.dev.pf, MVF_REG_CTRL, MVF_PF_CTRL_RESET);
	CHECK(!f.dev.vfs[1].load);
	CHECK_EQ(pf_reg_read(&f.dev.pf, MVF_REG_STATUS), 0);
	CHECK_EQ(pf_reg_read(&f.dev.pf, MVF_PF_REG_AQ_SIZE), 0);
	CHECK_EQ(pf_reg_read(&f.dev.pf, MVF_REG_CTRL), 0);
	CHECK_EQ(f.dev.vfs[1].state, VF_STOPPED);	/* VF states are kept */
	fx_fini(&f);
	return 0;
}

static int pf_admin_ring_wrap_and_fatal(void)
{
	struct fx f;
	struct pf *pf;
	uint32_t i;

	TRY(fx_init(&f, 1 << 20, false));
	pf = &f.dev.pf;
	/* 64-entry ring: 130 commands wrap it twice, phases checked by fx_aq. */
	for (i = 0; i < 130; i++)
		CHECK_EQ(fx_aq(&f, MVF_AQ_OP_IDENTIFY, 0, 0, BUF, 64, NULL), 0);
	CHECK_EQ(fx_irq_count(f.pf_irq[MVF_PF_MSIX_ADMINQ]), 130);
	/* TAIL too far ahead: fatal, queue stops. */
	pf_reg_write(pf, MVF_PF_REG_AQ_TAIL, pf_reg_read(pf, MVF_PF_REG_AQ_HEAD) + 65);
	CHECK(pf_reg_read(pf, MVF_REG_STATUS) & MVF_PF_STS_FATAL);
	pf_reg_write(pf, MVF_REG_CTRL, MVF_PF_CTRL_RESET);
	CHECK_EQ(pf_reg_read(pf, MVF_REG_STATUS), 0);
	/* Bad AQ_SIZE at enable: fatal. */
	pf_reg_write(pf, MVF_PF_REG_AQ_SIZE, 3);
	pf_reg_write(pf, MVF_REG_CTRL, MVF_PF_CTRL_AQ_ENABLE);
	CHECK_EQ(pf_reg_read(pf, MVF_REG_STATUS), MVF_PF_STS_FATAL);
	fx_fini(&f);
	return 0;
}

/* Random admin commands (valid opcodes, random fields): never a crash,
 * always a completion with a defined status. */
static int pf_random_commands(void)
{
	static const uint8_t ops[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x10, 0x99 };
	uint32_t seed = 777, i;
	struct mvf_aq_cpl cpl;
	struct fx f;
	int st;

	TRY(fx_init(&f, 64 << 10, false));
	for (i = 0; i < 20000; i++) {
		uint64_t buf;
		uint32_t len;

		seed = seed * 1103515245 + 12345;
		buf = (seed & 0x80000) ? fx_iova(FX_PF_CHUNK) + (seed & 0xffff) : seed;
		len = (seed & 0x40000) ? (seed >> 8) & 0x1fff : (seed >> 4);
		memset(f.ram + FX_PF_CHUNK, (int)seed, 0x2000);
		st = fx_aq(&f, ops[(seed >> 16) % sizeof(ops)], (seed >> 24) % 3,
			   (seed >> 12) % 4, buf, len, &cpl);
		CHECK(st >= 0 && st <= MVF_AQ_STS_IMG_OVERRUN);
	}
	CHECK_EQ(pf_reg_read(&f.dev.pf, MVF_REG_STATUS), MVF_PF_STS_AQ_READY);
	fx_fini(&f);
	return 0;
}

/*
 * --slow-chunks: a SAVE_CHUNK is held (no completion, no DMA, AQ_HEAD
 * stays) until its time is up, the commands behind it wait in order, and
 * pf_tick() runs them when due; other commands are not held.  Disabling
 * the queue drops a held command.
 */
static int pf_slow_chunks(void)
{
	struct pf *pf;
	struct mvf_aq_cmd cmd;
	struct timespec ts = { 0, 60 * 1000 * 1000 };
	struct fx f;
	uint32_t tail;
	int t;

	TRY(fx_init(&f, 1 << 20, false));
	pf = &f.dev.pf;
	mvf_dev_set_slow_chunks(&f.dev, 50);
	CHECK_EQ(mvf_dev_timeout_ms(&f.dev), -1);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_P2P, 0, 0, NULL), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_FULL, 0, 0, NULL), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 0, MVF_SAVE_MODE_STOP_COPY, 0, 0,
		       NULL), 0);
	tail = pf_reg_read(pf, MVF_PF_REG_AQ_TAIL);
	memset(f.ram + FX_PF_BUF, 0xee, 4096);
	/* SAVE_CHUNK, then SAVE_END behind it. */
	cmd = fx_cmd(MVF_AQ_OP_SAVE_CHUNK, 0, 0, fx_iova(FX_PF_BUF), 4096);
	cmd.cid = htole32(++f.cid);
	memcpy(f.ram + FX_AQ_SQ + (tail & (FX_AQ_SIZE - 1)) * sizeof(cmd), &cmd,
	       sizeof(cmd));
	cmd = fx_cmd(MVF_AQ_OP_SAVE_END, 0, 0, 0, 0);
	cmd.cid = htole32(++f.cid);
	memcpy(f.ram + FX_AQ_SQ + ((tail + 1) & (FX_AQ_SIZE - 1)) * sizeof(cmd),
	       &cmd, sizeof(cmd));
	pf_reg_write(pf, MVF_PF_REG_AQ_TAIL, tail + 2);
	CHECK_EQ(pf_reg_read(pf, MVF_PF_REG_AQ_HEAD), tail);
	t = mvf_dev_timeout_ms(&f.dev);
	CHECK(t > 0 && t <= 50);
	mvf_dev_tick(&f.dev);	/* not due yet */
	CHECK_EQ(pf_reg_read(pf, MVF_PF_REG_AQ_HEAD), tail);
	CHECK_EQ(f.ram[FX_PF_BUF], 0xee);	/* no DMA yet */
	nanosleep(&ts, NULL);
	CHECK_EQ(mvf_dev_timeout_ms(&f.dev), 0);
	mvf_dev_tick(&f.dev);
	CHECK_EQ(pf_reg_read(pf, MVF_PF_REG_AQ_HEAD), tail + 2);
	CHECK_EQ(mvf_dev_timeout_ms(&f.dev), -1);
	CHECK(f.ram[FX_PF_BUF] != 0xee);	/* the image went out */

	/* A held command is dropped with the queue. */
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 0, MVF_SAVE_MODE_STOP_COPY, 0, 0,
		       NULL), 0);
	tail = pf_reg_read(pf, MVF_PF_REG_AQ_TAIL);
	cmd = fx_cmd(MVF_AQ_OP_SAVE_CHUNK, 0, 0, fx_iova(FX_PF_BUF), 4096);
	cmd.cid = htole32(++f.cid);
	memcpy(f.ram + FX_AQ_SQ + (tail & (FX_AQ_SIZE - 1)) * sizeof(cmd), &cmd,
	       sizeof(cmd));
	pf_reg_write(pf, MVF_PF_REG_AQ_TAIL, tail + 1);
	CHECK(mvf_dev_timeout_ms(&f.dev) > 0);
	pf_reg_write(pf, MVF_REG_CTRL, 0);
	CHECK_EQ(mvf_dev_timeout_ms(&f.dev), -1);
	fx_fini(&f);
	return 0;
}

/*
 * A full event queue drops events and counts them per VF; as soon as there
 * is room, one MVF_EVENT_LOST per VF with a count goes before any newer
 * event, VFs taken round robin, so VF0's flood cannot hide VF1's loss.
 */
static int pf_event_queue_full_posts_lost(void)
{
	struct fx f;
	struct pf *pf;
	unsigned int i;

	TRY(fx_init(&f, 1 << 20, false));
	pf = &f.dev.pf;
	TRY(fx_eq_enable(&f));
	for (i = 0; i < FX_EQ_SIZE; i++)
		pf_post_event(pf, MVF_EVENT_INITIAL_CHANGED, 0, i);
	/* full: VF1's event and three more of VF0's are dropped */
	pf_post_event(pf, MVF_EVENT_PRECOPY_DATA, 1, 0);
	for (i = 0; i < 3; i++)
		pf_post_event(pf, MVF_EVENT_INITIAL_CHANGED, 0, 100 + i);
	CHECK_EQ(pf->eq_dropped, 4);
	CHECK_EQ(pf_reg_read(pf, MVF_PF_REG_EQ_TAIL), FX_EQ_SIZE);
	/* each consumed entry makes room for one notice, VF0's first */
	TRY(fx_expect_event(&f, MVF_EVENT_INITIAL_CHANGED, 0, 0));
	CHECK_EQ(pf_reg_read(pf, MVF_PF_REG_EQ_TAIL), FX_EQ_SIZE + 1);
	/* still full: a new event of VF0 is dropped, counted again */
	pf_post_event(pf, MVF_EVENT_INITIAL_CHANGED, 0, 200);
	TRY(fx_expect_event(&f, MVF_EVENT_INITIAL_CHANGED, 0, 1));
	for (i = 2; i < FX_EQ_SIZE; i++)
		TRY(fx_expect_event(&f, MVF_EVENT_INITIAL_CHANGED, 0, i));
	TRY(fx_expect_event(&f, MVF_EVENT_LOST, 0, 3));
	TRY(fx_expect_event(&f, MVF_EVENT_LOST, 1, 1));
	TRY(fx_expect_event(&f, MVF_EVENT_LOST, 0, 1));
	CHECK(fx_no_event(&f));
	/* nothing pending: events flow as before */
	pf_post_event(pf, MVF_EVENT_PRECOPY_DATA, 1, 0);
	TRY(fx_expect_event(&f, MVF_EVENT_PRECOPY_DATA, 1, 0));
	CHECK(fx_no_event(&f));
	/* counts do not survive a re-enable of the queue */
	for (i = 0; i <= FX_EQ_SIZE; i++)
		pf_post_event(pf, MVF_EVENT_INITIAL_CHANGED, 1, i);
	pf_reg_write(pf, MVF_REG_CTRL, MVF_PF_CTRL_AQ_ENABLE);
	TRY(fx_eq_enable(&f));
	pf_post_event(pf, MVF_EVENT_PRECOPY_DATA, 1, 0);
	TRY(fx_expect_event(&f, MVF_EVENT_PRECOPY_DATA, 1, 0));
	CHECK(fx_no_event(&f));
	fx_fini(&f);
	return 0;
}

const struct test pf_tests[] = {
	{ "pf_event_queue_full_posts_lost", pf_event_queue_full_posts_lost },
	{ "pf_random_commands", pf_random_commands },
	{ "pf_identify_and_regs", pf_identify_and_regs },
	{ "pf_bad_commands", pf_bad_commands },
	{ "pf_suspend_resume_fsm", pf_suspend_resume_fsm },
	{ "pf_query_size_is_exact", pf_query_size_is_exact },
	{ "pf_save_session_rules", pf_save_session_rules },
	{ "pf_load_session_rules", pf_load_session_rules },
	{ "pf_admin_ring_wrap_and_fatal", pf_admin_ring_wrap_and_fatal },
	{ "pf_slow_chunks", pf_slow_chunks },
	{ NULL, NULL },
};
