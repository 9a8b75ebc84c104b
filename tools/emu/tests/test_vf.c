// SPDX-License-Identifier: GPL-2.0
/* The VF model: descriptor engine, errors, quiesce/stop, interrupts. */
#include <endian.h>
#include <string.h>

#include "../crc.h"
#include "fixture.h"
#include "test.h"

#define DATA(i)	FX_VF_DATA(i)

static uint64_t rd64(struct vf *v, uint32_t lo)
{
	return vf_reg_read(v, lo) | (uint64_t)vf_reg_read(v, lo + 4) << 32;
}

static int vf_all_ops(void)
{
	struct fx f;
	struct vf *v;
	struct mvf_desc d[8];
	uint8_t *src, *dst;
	uint32_t i, exp_crc;
	uint64_t bytes = 0;

	TRY(fx_init(&f, 1 << 20, true));
	v = &f.dev.vfs[0];
	src = f.ram + DATA(0);
	dst = f.ram + DATA(0) + 0x100000;
	for (i = 0; i < 20000; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	exp_crc = crc32c(0, src, 20000);
	fx_ring_setup(&f, 0, 16, MVF_VF_CTRL_IRQ);
	/* COPY host->host across page maps, FILL, H2D, D2H, DFILL, CRC x2, NOP. */
	d[0] = fx_desc(MVF_DESC_OP_COPY, 0, 20000, fx_iova(DATA(0)), fx_iova(DATA(0) + 0x100000), 0, 1);
	d[1] = fx_desc(MVF_DESC_OP_FILL, 0, 13, 0, fx_iova(DATA(0) + 0x200000), 0x0807060504030201ull, 2);
	d[2] = fx_desc(MVF_DESC_OP_H2D, 0, 20000, fx_iova(DATA(0)), 4096 * 3, 0, 3);
	d[3] = fx_desc(MVF_DESC_OP_D2H, 0, 20000, 4096 * 3, fx_iova(DATA(0) + 0x300000), 0, 4);
	d[4] = fx_desc(MVF_DESC_OP_DFILL, 0, 4096, 0, 0, 0xa5a5a5a5a5a5a5a5ull, 5);
	d[5] = fx_desc(MVF_DESC_OP_CRC32C, 0, 20000, fx_iova(DATA(0)), 0, 0, 6);
	d[6] = fx_desc(MVF_DESC_OP_CRC32C, MVF_DESC_F_SRC_DEVMEM, 20000, 4096 * 3, 0, 0, 7);
	d[7] = fx_desc(MVF_DESC_OP_NOP, MVF_DESC_F_IRQ, 0, 0, 0, 0, 8);
	for (i = 0; i < 8; i++) {
		fx_put_desc(&f, 0, i, &d[i]);
		if (d[i].opcode != MVF_DESC_OP_NOP)
			bytes += le32toh(d[i].len);
	}
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, 7);	/* first batch: 7 descriptors */
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_SQ_HEAD), 7);
	CHECK_EQ(fx_irq_count(f.vf_irq[0][MVF_VF_MSIX_CPL]), 1);	/* end of run */
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, 8);
	CHECK_EQ(fx_irq_count(f.vf_irq[0][MVF_VF_MSIX_CPL]), 1);
	for (i = 0; i < 8; i++) {
		struct mvf_cpl *c = fx_cpl(&f, 0, i);

		CHECK_EQ(c->status, MVF_DESC_STS_OK);
		CHECK_EQ(le64toh(c->cookie), i + 1);
		CHECK_EQ(c->phase, 1);
	}
	CHECK(!memcmp(dst, src, 20000));
	CHECK_EQ(dst[20000], 0);
	CHECK(!memcmp(f.ram + DATA(0) + 0x200000, "\1\2\3\4\5\6\7\10\1\2\3\4\5", 13));
	CHECK_EQ(f.ram[DATA(0) + 0x200000 + 13], 0);
	CHECK(!memcmp(v->devmem + 4096 * 3, src, 20000));
	CHECK(!memcmp(f.ram + DATA(0) + 0x300000, src, 20000));
	CHECK_EQ(v->devmem[0], 0xa5);
	CHECK_EQ(v->devmem[4095], 0xa5);
	CHECK_EQ(v->devmem[4096], 0);
	CHECK_EQ(le32toh(fx_cpl(&f, 0, 5)->result), exp_crc);
	CHECK_EQ(le32toh(fx_cpl(&f, 0, 6)->result), exp_crc);
	CHECK_EQ(le32toh(fx_cpl(&f, 0, 0)->result), 0);
	CHECK_EQ(rd64(v, MVF_VF_REG_CNT_DESC_LO), 8);
	CHECK_EQ(rd64(v, MVF_VF_REG_CNT_BYTES_LO), bytes);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_CNT_ERR), 0);
	CHECK_EQ(vf_reg_read(v, MVF_REG_STATUS), MVF_VF_STS_ENABLED);
	fx_fini(&f);
	return 0;
}

static int vf_crc_seed_chains(void)
{
	struct fx f;
	struct mvf_desc d;
	uint32_t part;

	TRY(fx_init(&f, 1 << 20, false));
	memcpy(f.ram + DATA(0), "123456789", 9);
	fx_ring_setup(&f, 0, 4, 0);
	d = fx_desc(MVF_DESC_OP_CRC32C, 0, 9, fx_iova(DATA(0)), 0, 0, 1);
	fx_put_desc(&f, 0, 0, &d);
	part = crc32c(0, "1234", 4);
	d = fx_desc(MVF_DESC_OP_CRC32C, 0, 5, fx_iova(DATA(0) + 4), 0, part, 2);
	fx_put_desc(&f, 0, 1, &d);
	vf_reg_write(&f.dev.vfs[0], MVF_VF_REG_SQ_TAIL, 2);
	CHECK_EQ(le32toh(fx_cpl(&f, 0, 0)->result), 0xE3069283u);
	CHECK_EQ(le32toh(fx_cpl(&f, 0, 1)->result), 0xE3069283u);
	fx_fini(&f);
	return 0;
}

static int vf_phase_wraps(void)
{
	static const uint8_t want[10] = { 1, 1, 1, 1, 0, 0, 0, 0, 1, 1 };
	struct fx f;
	struct mvf_desc d;
	uint32_t i;

	TRY(fx_init(&f, 1 << 20, false));
	fx_ring_setup(&f, 0, 4, 0);
	for (i = 0; i < 10; i++) {
		d = fx_desc(MVF_DESC_OP_NOP, 0, 0, 0, 0, 0, 100 + i);
		fx_put_desc(&f, 0, i, &d);
		vf_reg_write(&f.dev.vfs[0], MVF_VF_REG_SQ_TAIL, i + 1);
		CHECK_EQ(fx_cpl(&f, 0, i)->phase, want[i]);
		CHECK_EQ(le64toh(fx_cpl(&f, 0, i)->cookie), 100 + i);
	}
	fx_fini(&f);
	return 0;
}

static int vf_descriptor_errors_continue(void)
{
	struct fx f;
	struct vf *v;
	struct mvf_desc d[7];
	uint32_t i;
	static const uint8_t want[7] = {
		MVF_DESC_STS_DMA_ERR, MVF_DESC_STS_OK, MVF_DESC_STS_BAD_OP,
		MVF_DESC_STS_BAD_LEN, MVF_DESC_STS_DEVMEM_ERR, MVF_DESC_STS_BAD_OP,
		MVF_DESC_STS_DMA_ERR,
	};

	TRY(fx_init(&f, 1 << 20, true));
	v = &f.dev.vfs[0];
	fx_ring_setup(&f, 0, 8, MVF_VF_CTRL_IRQ);
	f.ram[DATA(0) + 0x100000] = 0x99;
	/* Source IOVA not mapped; the copy must not write anything. */
	d[0] = fx_desc(MVF_DESC_OP_COPY, 0, 64, 0xdead0000000ull, fx_iova(DATA(0) + 0x100000), 0, 1);
	d[1] = fx_desc(MVF_DESC_OP_FILL, 0, 8, 0, fx_iova(DATA(0)), 0x11, 2);
	d[2] = fx_desc(0x7f, 0, 8, 0, 0, 0, 3);
	d[3] = fx_desc(MVF_DESC_OP_FILL, 0, MVF_DESC_MAX_LEN + 1, 0, fx_iova(DATA(0)), 0, 4);
	d[4] = fx_desc(MVF_DESC_OP_DFILL, 0, 4096, 0, (1 << 20) - 4095, 0, 5);
	d[5] = fx_desc(MVF_DESC_OP_COPY, MVF_DESC_F_SRC_DEVMEM, 8, fx_iova(0), fx_iova(0), 0, 6);
	/* Destination straddling the end of RAM: partly mapped. */
	d[6] = fx_desc(MVF_DESC_OP_FILL, 0, 8192, 0, fx_iova(FX_RAM_SIZE - 4096), 0x22, 7);
	for (i = 0; i < 7; i++)
		fx_put_desc(&f, 0, i, &d[i]);
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, 7);
	for (i = 0; i < 7; i++) {
		CHECK_EQ(fx_cpl(&f, 0, i)->status, want[i]);
		CHECK_EQ(le64toh(fx_cpl(&f, 0, i)->cookie), i + 1);
	}
	CHECK_EQ(f.ram[DATA(0) + 0x100000], 0x99);
	CHECK_EQ(f.ram[DATA(0)], 0x11);
	CHECK_EQ(f.ram[FX_RAM_SIZE - 1], 0);	/* all or nothing */
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_SQ_HEAD), 7);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_CNT_ERR), 6);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_LAST_ERR), MVF_DESC_STS_DMA_ERR);
	CHECK_EQ(rd64(v, MVF_VF_REG_CNT_DESC_LO), 7);
	CHECK_EQ(rd64(v, MVF_VF_REG_CNT_BYTES_LO), 8);
	CHECK_EQ(vf_reg_read(v, MVF_REG_STATUS) & MVF_VF_STS_HALTED, 0);
	CHECK_EQ(fx_irq_count(f.vf_irq[0][MVF_VF_MSIX_ERR]), 0);
	fx_fini(&f);
	return 0;
}

static int vf_ring_errors_halt(void)
{
	struct fx f;
	struct vf *v;
	struct mvf_desc d = fx_desc(MVF_DESC_OP_NOP, 0, 0, 0, 0, 0, 1);

	TRY(fx_init(&f, 1 << 20, false));
	v = &f.dev.vfs[0];
	fx_ring_setup(&f, 0, 4, MVF_VF_CTRL_IRQ);
	/* TAIL more than RING_SIZE ahead. */
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, 5);
	CHECK_EQ(vf_reg_read(v, MVF_REG_STATUS), MVF_VF_STS_ENABLED | MVF_VF_STS_HALTED);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_LAST_ERR), MVF_DESC_STS_BAD_RING);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_SQ_HEAD), 0);
	CHECK_EQ(fx_irq_count(f.vf_irq[0][MVF_VF_MSIX_ERR]), 1);
	/* Halted: doorbells do nothing until the ring is disabled. */
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, 1);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_SQ_HEAD), 0);
	vf_reg_write(v, MVF_REG_CTRL, 0);
	CHECK_EQ(vf_reg_read(v, MVF_REG_STATUS), 0);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_SQ_TAIL), 0);
	/* Descriptor ring not mapped: halt with DMA_ERR. */
	vf_reg_write(v, MVF_VF_REG_SQ_HI, 0x100);
	vf_reg_write(v, MVF_REG_CTRL, MVF_VF_CTRL_ENABLE | MVF_VF_CTRL_IRQ);
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, 1);
	CHECK_EQ(vf_reg_read(v, MVF_REG_STATUS), MVF_VF_STS_ENABLED | MVF_VF_STS_HALTED);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_LAST_ERR), MVF_DESC_STS_DMA_ERR);
	/* Recover. */
	vf_reg_write(v, MVF_REG_CTRL, 0);
	vf_reg_write(v, MVF_VF_REG_SQ_HI, (uint32_t)(fx_iova(FX_VF_SQ(0)) >> 32));
	vf_reg_write(v, MVF_REG_CTRL, MVF_VF_CTRL_ENABLE);
	fx_put_desc(&f, 0, 0, &d);
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, 1);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_SQ_HEAD), 1);
	CHECK_EQ(fx_cpl(&f, 0, 0)->status, MVF_DESC_STS_OK);
	/* RING_SIZE takes only powers of 2 up to the maximum. */
	vf_reg_write(v, MVF_VF_REG_RING_SIZE, 3);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_RING_SIZE), 4);
	vf_reg_write(v, MVF_VF_REG_RING_SIZE, 8192);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_RING_SIZE), 4);
	fx_fini(&f);
	return 0;
}

static int vf_quiesce_latches_and_resumes(void)
{
	struct fx f;
	struct vf *v;
	struct mvf_desc d = fx_desc(MVF_DESC_OP_FILL, MVF_DESC_F_IRQ, 16, 0,
				 fx_iova(DATA(0)), 0x3333333333333333ull, 9);

	TRY(fx_init(&f, 1 << 20, false));
	v = &f.dev.vfs[0];
	fx_ring_setup(&f, 0, 4, MVF_VF_CTRL_IRQ);
	fx_put_desc(&f, 0, 0, &d);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_P2P, 0, 0, NULL), 0);
	CHECK_EQ(vf_reg_read(v, MVF_REG_STATUS), MVF_VF_STS_ENABLED | MVF_VF_STS_QUIESCED);
	vf_reg_write(v, MVF_VF_REG_SQ_TAIL, 1);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_DB_LATCHED), 1);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_SQ_HEAD), 0);
	CHECK_EQ(f.ram[DATA(0)], 0);
	/* MMIO is still accepted. */
	vf_reg_write(v, MVF_VF_REG_SCRATCH0 + 8, 5);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_SCRATCH0 + 8), 5);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_SUSPEND, 0, MVF_SUSPEND_FULL, 0, 0, NULL), 0);
	CHECK_EQ(vf_reg_read(v, MVF_REG_STATUS), MVF_VF_STS_ENABLED | MVF_VF_STS_QUIESCED |
		 MVF_VF_STS_STOPPED);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 0, MVF_SUSPEND_FULL, 0, 0, NULL), 0);
	CHECK_EQ(f.ram[DATA(0)], 0);
	CHECK_EQ(fx_irq_count(f.vf_irq[0][MVF_VF_MSIX_CPL]), 0);
	/* A pending interrupt recorded while quiesced is delivered on resume. */
	v->r.msix_pending = 1u << MVF_VF_MSIX_ERR;
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_VF_RESUME, 0, MVF_SUSPEND_P2P, 0, 0, NULL), 0);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_DB_LATCHED), 0);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_SQ_HEAD), 1);
	CHECK_EQ(f.ram[DATA(0) + 15], 0x33);
	CHECK_EQ(fx_irq_count(f.vf_irq[0][MVF_VF_MSIX_CPL]), 1);
	CHECK_EQ(fx_irq_count(f.vf_irq[0][MVF_VF_MSIX_ERR]), 1);
	CHECK_EQ(vf_msix_pending(v), 0);
	CHECK_EQ(vf_reg_read(v, MVF_REG_STATUS), MVF_VF_STS_ENABLED);
	fx_fini(&f);
	return 0;
}

static int vf_flr_event_and_devmem(void)
{
	struct fx f;
	struct pf *pf;
	struct vf *v;
	struct mvf_event ev;

	TRY(fx_init(&f, 1 << 20, false));
	pf = &f.dev.pf;
	v = &f.dev.vfs[1];
	pf_reg_write(pf, MVF_PF_REG_EQ_LO, (uint32_t)fx_iova(FX_EQ));
	pf_reg_write(pf, MVF_PF_REG_EQ_HI, (uint32_t)(fx_iova(FX_EQ) >> 32));
	pf_reg_write(pf, MVF_PF_REG_EQ_SIZE, 2);
	pf_reg_write(pf, MVF_REG_CTRL, MVF_PF_CTRL_AQ_ENABLE | MVF_PF_CTRL_EQ_ENABLE);
	CHECK_EQ(pf_reg_read(pf, MVF_REG_STATUS), MVF_PF_STS_AQ_READY | MVF_PF_STS_EQ_READY);
	memset(v->devmem, 0x6b, 8192);
	vf_reg_write(v, MVF_VF_REG_SCRATCH0, 1);
	CHECK_EQ(fx_stop(&f, 1), 0);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_START, 1, MVF_SAVE_MODE_STOP_COPY, 0, 0, NULL), 0);
	func_reset(&f.dev.vf_fns[1]);
	CHECK_EQ(vf_reg_read(v, MVF_VF_REG_SCRATCH0), 0);
	CHECK_EQ(vf_reg_read(v, MVF_REG_STATUS), 0);	/* RUNNING again */
	CHECK_EQ(v->devmem[8191], 0x6b);
	CHECK(!v->save);
	CHECK_EQ(fx_aq(&f, MVF_AQ_OP_SAVE_CHUNK, 1, 0, fx_iova(FX_PF_CHUNK), 4096, NULL),
		 MVF_AQ_STS_NO_SESSION);
	memcpy(&ev, f.ram + FX_EQ, sizeof(ev));
	CHECK_EQ(le16toh(ev.type), MVF_EVENT_VF_RESET);
	CHECK_EQ(le16toh(ev.vf_id), 1);
	CHECK_EQ(le32toh(ev.seq), 0);
	CHECK_EQ(ev.phase, 1);
	CHECK_EQ(pf_reg_read(pf, MVF_PF_REG_EQ_TAIL), 1);
	CHECK_EQ(fx_irq_count(f.pf_irq[MVF_PF_MSIX_EVENTQ]), 1);
	/* Fill the queue (size 2): the third event is dropped. */
	func_reset(&f.dev.vf_fns[0]);
	func_reset(&f.dev.vf_fns[0]);
	CHECK_EQ(pf_reg_read(pf, MVF_PF_REG_EQ_TAIL), 2);
	CHECK_EQ(pf->eq_dropped, 1);
	/* Room again: the notice of the lost event goes first. */
	pf_reg_write(pf, MVF_PF_REG_EQ_HEAD, 2);
	CHECK_EQ(pf_reg_read(pf, MVF_PF_REG_EQ_TAIL), 3);
	memcpy(&ev, f.ram + FX_EQ, sizeof(ev));	/* slot 0 again, second pass */
	CHECK_EQ(ev.phase, 0);
	CHECK_EQ(le32toh(ev.seq), 2);
	CHECK_EQ(le16toh(ev.type), MVF_EVENT_LOST);
	CHECK_EQ(le16toh(ev.vf_id), 0);
	CHECK_EQ(le32toh(ev.data), 1);
	func_reset(&f.dev.vf_fns[0]);
	CHECK_EQ(pf_reg_read(pf, MVF_PF_REG_EQ_TAIL), 4);
	memcpy(&ev, f.ram + FX_EQ + sizeof(ev), sizeof(ev));
	CHECK_EQ(ev.phase, 0);
	CHECK_EQ(le32toh(ev.seq), 3);
	CHECK_EQ(le16toh(ev.type), MVF_EVENT_VF_RESET);
	CHECK_EQ(le16toh(ev.vf_id), 0);
	fx_fini(&f);
	return 0;
}

const struct test vf_tests[] = {
	{ "vf_all_ops", vf_all_ops },
	{ "vf_crc_seed_chains", vf_crc_seed_chains },
	{ "vf_phase_wraps", vf_phase_wraps },
	{ "vf_descriptor_errors_continue", vf_descriptor_errors_continue },
	{ "vf_ring_errors_halt", vf_ring_errors_halt },
	{ "vf_quiesce_latches_and_resumes", vf_quiesce_latches_and_resumes },
	{ "vf_flr_event_and_devmem", vf_flr_event_and_devmem },
	{ NULL, NULL },
};
