// SPDX-License-Identifier: GPL-2.0
/*
 * mvf-l3: a bare-metal guest that keeps an mvf VF busy while QEMU migrates
 * it, and checks every result the device DMAs into its RAM.
 *
 * Booted by QEMU's multiboot loader (-kernel), 32-bit protected mode,
 * paging off, no interrupts.  Without a vIOMMU guest-physical == IOVA.
 *
 * Memory (the VM has 64 MiB):
 *   image + tables       0x00100000  (expected results, devmem patterns)
 *   SQ, CQ               RING_BASE   one 4 KiB page each, per VF
 *   source pages         SRC_BASE    NSRC pages, written by the CPU
 *   result slots         SLOT_BASE   NSLOT pages, written ONLY by the
 *                                    device (COPY, FILL, D2H); the CPU
 *                                    only reads them
 * It drives every mvf VF it finds on bus 0 (up to MAX_VF), one batch on
 * each in turn.  Device memory: blocks 0..NBLK-1 of 4 KiB per VF, each
 * holding one repeated 64-bit pattern that this program tracks.
 *
 * Every descriptor's result is checked when it completes; "verify"
 * re-checks every result slot and every device memory block.  A result
 * page the migration's dirty tracking missed reaches the destination
 * stale, and the re-check after switchover finds it.
 *
 * COM1 output: "mvf-l3: ready ...", "mvf-l3: ops N", "mvf-l3: verify ok
 * ...", "mvf-l3: FAIL <what>", "mvf-l3: PASS ...".  COM1 input (one
 * command per line): "V" verify now, "A<mib>" set DEVMEM_ACTIVE, "Q"
 * verify and exit, "P" report progress.  Exit through isa-debug-exit at
 * port 0xf4: QEMU's exit status is 33 on PASS, 3 on FAIL.
 */
#include <stdint.h>
#include <stddef.h>
#include "mvf_pci.h"
#include "mvf_desc.h"

#define RING_BASE	0x00400000u
#define RING_ENTRIES	64u
#define BATCH		16u
#define SRC_BASE	0x00500000u
#define NSRC		64u
#define SLOT_BASE	0x01000000u
#define NSLOT		2048u		/* 8 MiB of device-written pages */
#define NBLK		512u		/* 2 MiB of device memory */
#define PAGE		4096u
#define CRC_LEN		256u
#define DEF_ACTIVE_MIB	8u
#define REPORT_EVERY	16384u

#define COM1		0x3f8
#define DEBUG_EXIT	0xf4
#define EXIT_PASS	0x10		/* QEMU exits with (0x10 << 1) | 1 = 33 */
#define EXIT_FAIL	0x01		/* 3 */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define barrier() __asm__ volatile("" : : : "memory")

/* the compiler may emit calls to these for structure copies */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

/* ---- console ---- */

static void putc_(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

static void puts_(const char *s)
{
	while (*s) {
		if (*s == '\n')
			putc_('\r');
		putc_(*s++);
	}
}

static void putu(uint32_t v)
{
	char b[12];
	int i = 11;

	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_(b + i);
}

static void putx(uint64_t v)
{
	char b[19];
	int i;

	b[0] = '0';
	b[1] = 'x';
	for (i = 0; i < 16; i++)
		b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	b[18] = 0;
	puts_(b);
}

static void serial_init(void)
{
	outb(COM1 + 1, 0x00);	/* no interrupts */
	outb(COM1 + 3, 0x80);	/* DLAB */
	outb(COM1 + 0, 0x01);	/* 115200 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);	/* 8N1 */
	outb(COM1 + 2, 0x07);	/* FIFO on, cleared */
	outb(COM1 + 4, 0x03);	/* DTR, RTS */
}

static __attribute__((noreturn)) void qexit(uint8_t code)
{
	outb(DEBUG_EXIT, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static uint32_t ops_done;

static __attribute__((noreturn)) void fail(const char *what, uint64_t a,
					   uint64_t b)
{
	puts_("mvf-l3: FAIL ");
	puts_(what);
	puts_(" ");
	putx(a);
	puts_(" ");
	putx(b);
	puts_(" after ops ");
	putu(ops_done);
	puts_("\n");
	qexit(EXIT_FAIL);
}

/* ---- PRNG, CRC32C ---- */

static uint64_t rng_state = 0x6d76662d6c330001ull;

static uint64_t rnd64(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd(uint32_t n)	/* n a power of 2 */
{
	return (uint32_t)(rnd64() >> 32) & (n - 1);
}

static uint32_t crc_table[256];

static void crc_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

/* crc32c of len bytes of a 64-bit pattern repeated, zlib convention */
static uint32_t crc_pattern(uint64_t pat, uint32_t len)
{
	uint32_t c = ~0u, i;

	for (i = 0; i < len; i++)
		c = crc_table[(c ^ (uint8_t)(pat >> (8 * (i & 7)))) & 0xff] ^
		    (c >> 8);
	return ~c;
}

/* ---- PCI, registers ---- */

#define MAX_VF		2

struct pending {
	uint8_t op;
	uint32_t slot;		/* slot to check, or ~0 */
	uint32_t crc;		/* expected CRC32C result */
};

/* one VF this guest drives: its registers, rings and device memory */
struct vf {
	volatile uint32_t *regs;
	uint32_t bdf;
	struct mvf_desc *sq;
	volatile struct mvf_cpl *cq;
	uint32_t tail;		/* descriptors submitted */
	struct pending pend[RING_ENTRIES];
	uint64_t blk[NBLK];	/* pattern of each devmem block */
};
static struct vf vfs[MAX_VF];
static uint32_t nvf;
static struct vf *cur;		/* the VF rd(), wr() and the ring use */

static uint32_t pci_read(uint32_t bdf, uint32_t off)
{
	outl(0xcf8, 0x80000000u | (bdf << 8) | (off & 0xfc));
	return inl(0xcfc);
}

static void pci_write(uint32_t bdf, uint32_t off, uint32_t v)
{
	outl(0xcf8, 0x80000000u | (bdf << 8) | (off & 0xfc));
	outl(0xcfc, v);
}

static uint32_t rd(uint32_t off)
{
	return cur->regs[off / 4];
}

static void wr(uint32_t off, uint32_t v)
{
	cur->regs[off / 4] = v;
}

static void wr64(uint32_t off, uint64_t v)
{
	wr(off, (uint32_t)v);
	wr(off + 4, (uint32_t)(v >> 32));
}

/* every mvf VF on bus 0 (up to MAX_VF), in slot order */
static void find_vfs(void)
{
	uint32_t dev, id, bar;

	for (dev = 0; dev < 32 && nvf < MAX_VF; dev++) {
		id = pci_read(dev << 3, 0);
		if ((id & 0xffff) != MVF_PCI_VENDOR_ID ||
		    (id >> 16) != MVF_PCI_DEVICE_VF)
			continue;
		cur = &vfs[nvf];
		cur->bdf = dev << 3;
		bar = pci_read(cur->bdf, 0x10) & ~0xfu;
		if (!bar)
			fail("BAR0 not assigned", cur->bdf, 0);
		/* Memory Space + Bus Master */
		pci_write(cur->bdf, 0x04,
			  (pci_read(cur->bdf, 0x04) & 0xffff) | 0x6);
		cur->regs = (volatile uint32_t *)(uintptr_t)bar;
		if (rd(MVF_REG_ID) != MVF_ID_VF)
			fail("BAR0 ID", rd(MVF_REG_ID), MVF_ID_VF);
		/* this VF's rings: SQ page, CQ page */
		cur->sq = (struct mvf_desc *)(RING_BASE + nvf * 2 * PAGE);
		cur->cq = (volatile struct mvf_cpl *)(RING_BASE +
						      (nvf * 2 + 1) * PAGE);
		nvf++;
	}
	if (!nvf)
		fail("no mvf VF on bus 0", 0, 0);
}

/* ---- ring ---- */


/* what a slot or a devmem block must hold */
static uint64_t slot_pat[NSLOT];
static uint8_t slot_used[NSLOT];
static uint64_t src_pat[NSRC];


static uint64_t slot_addr(uint32_t s)
{
	return SLOT_BASE + (uint64_t)s * PAGE;
}

static uint64_t src_addr(uint32_t i)
{
	return SRC_BASE + (uint64_t)i * PAGE;
}

static void fill_page(uint64_t addr, uint64_t pat)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)addr;
	uint32_t i;

	for (i = 0; i < PAGE / 8; i++)
		p[i] = pat;
}

/* stride 8: every word; stride 64: one word per cache line */
static int page_is(uint64_t addr, uint64_t pat, uint32_t stride)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)addr;
	uint32_t i;

	for (i = 0; i < PAGE / 8; i += stride / 8)
		if (p[i] != pat)
			return 0;
	return p[PAGE / 8 - 1] == pat;
}

static void ring_init(void)
{
	uint32_t i;

	wr(MVF_REG_CTRL, 0);	/* resets the ring */
	for (i = 0; i < RING_ENTRIES; i++)
		cur->cq[i].phase = 0;
	wr64(MVF_VF_REG_SQ_LO, (uintptr_t)cur->sq);
	wr64(MVF_VF_REG_CQ_LO, (uintptr_t)cur->cq);
	wr(MVF_VF_REG_RING_SIZE, RING_ENTRIES);
	wr(MVF_REG_CTRL, MVF_VF_CTRL_ENABLE);
	cur->tail = 0;
	if (rd(MVF_VF_REG_SQ_HEAD) != 0)
		fail("SQ_HEAD after ring reset", rd(MVF_VF_REG_SQ_HEAD), 0);
}

static struct mvf_desc *desc_next(uint8_t op, uint32_t len, uint64_t src,
				  uint64_t dst, uint64_t pattern,
				  uint32_t slot, uint32_t crc)
{
	struct mvf_desc *d = &cur->sq[cur->tail & (RING_ENTRIES - 1)];
	struct pending *p = &cur->pend[cur->tail & (RING_ENTRIES - 1)];

	*d = (struct mvf_desc){ .opcode = op, .len = len, .src = src,
				.dst = dst, .pattern = pattern,
				.cookie = cur->tail };
	p->op = op;
	p->slot = slot;
	p->crc = crc;
	cur->tail++;
	return d;
}

/* doorbell, wait for every completion, check each one */
static void ring_run(uint32_t first)
{
	uint32_t i, spins;
	volatile struct mvf_cpl *c;
	struct pending *p;

	barrier();
	wr(MVF_VF_REG_SQ_TAIL, cur->tail);
	for (i = first; i != cur->tail; i++) {
		c = &cur->cq[i & (RING_ENTRIES - 1)];
		spins = 0;
		while ((c->phase & 1) != (((i / RING_ENTRIES) & 1) ^ 1)) {
			if (++spins == 50000000u)
				fail("completion timeout, seq/head", i,
				     rd(MVF_VF_REG_SQ_HEAD));
			__asm__ volatile("pause");
		}
		barrier();
		p = &cur->pend[i & (RING_ENTRIES - 1)];
		if (c->cookie != i)
			fail("completion cookie (lost or repeated op)",
			     c->cookie, i);
		if (c->status != MVF_DESC_STS_OK)
			fail("completion status, seq", c->status, i);
		if (p->op == MVF_DESC_OP_CRC32C && c->result != p->crc)
			fail("crc32c result", c->result, p->crc);
		ops_done++;
	}
	for (i = first; i != cur->tail; i++) {
		p = &cur->pend[i & (RING_ENTRIES - 1)];
		if (p->slot != ~0u &&
		    !page_is(slot_addr(p->slot), slot_pat[p->slot], 8))
			fail("result slot content after op, slot",
			     p->slot, slot_pat[p->slot]);
	}
	if (rd(MVF_VF_REG_SQ_HEAD) != cur->tail)
		fail("SQ_HEAD", rd(MVF_VF_REG_SQ_HEAD), cur->tail);
}

/* one batch of random operations */
static void batch(void)
{
	uint32_t n, first = cur->tail, s, b, k;
	uint64_t pat;

	for (n = 0; n < BATCH; n++) {
		s = rnd(NSLOT);
		b = rnd(NBLK);
		k = rnd(NSRC);
		switch (rnd(8)) {
		case 0:
		case 1:	/* devmem -> host: the page the CPU only reads */
		case 2:
			slot_pat[s] = cur->blk[b];
			slot_used[s] = 1;
			desc_next(MVF_DESC_OP_D2H, PAGE, (uint64_t)b * PAGE,
				  slot_addr(s), 0, s, 0);
			break;
		case 3:	/* host -> host */
			slot_pat[s] = src_pat[k];
			slot_used[s] = 1;
			desc_next(MVF_DESC_OP_COPY, PAGE, src_addr(k),
				  slot_addr(s), 0, s, 0);
			break;
		case 4:	/* fill */
			pat = rnd64();
			slot_pat[s] = pat;
			slot_used[s] = 1;
			desc_next(MVF_DESC_OP_FILL, PAGE, 0, slot_addr(s), pat,
				  s, 0);
			break;
		case 5:	/* host -> devmem */
			cur->blk[b] = src_pat[k];
			desc_next(MVF_DESC_OP_H2D, PAGE, src_addr(k),
				  (uint64_t)b * PAGE, 0, ~0u, 0);
			break;
		case 6:	/* devmem fill */
			pat = rnd64();
			cur->blk[b] = pat;
			desc_next(MVF_DESC_OP_DFILL, PAGE, 0, (uint64_t)b * PAGE,
				  pat, ~0u, 0);
			break;
		default: { /* crc32c of a devmem block */
			struct mvf_desc *d;

			d = desc_next(MVF_DESC_OP_CRC32C, CRC_LEN,
				      (uint64_t)b * PAGE, 0, 0, ~0u,
				      crc_pattern(cur->blk[b], CRC_LEN));
			d->flags = MVF_DESC_F_SRC_DEVMEM;
			break;
		}
		}
	}
	ring_run(first);
	/* the CPU dirties guest RAM too: rewrite one source page */
	k = rnd(NSRC);
	src_pat[k] = rnd64();
	fill_page(src_addr(k), src_pat[k]);
}

/* re-check everything: all result slots, every devmem block, counters */
/* re-check everything: all result slots, every devmem block, counters */
static void verify_all(const char *why)
{
	uint32_t s, b, n, first, used = 0, active[MAX_VF];

	for (s = 0; s < NSLOT; s++) {
		if (!slot_used[s])
			continue;
		used++;
		if (!page_is(slot_addr(s), slot_pat[s], 64))
			fail("stale result page (missed dirty page?), slot",
			     s, slot_pat[s]);
	}
	for (n = 0; n < nvf; n++) {
		cur = &vfs[n];
		for (b = 0; b < NBLK; b += BATCH) {
			struct mvf_desc *d;
			uint32_t j;

			first = cur->tail;
			for (j = b; j < b + BATCH && j < NBLK; j++) {
				d = desc_next(MVF_DESC_OP_CRC32C, CRC_LEN,
					      (uint64_t)j * PAGE, 0, 0, ~0u,
					      crc_pattern(cur->blk[j],
							  CRC_LEN));
				d->flags = MVF_DESC_F_SRC_DEVMEM;
			}
			ring_run(first);
		}
		if (rd(MVF_VF_REG_CNT_ERR) != 0)
			fail("CNT_ERR", rd(MVF_VF_REG_CNT_ERR), n);
		if (rd(MVF_VF_REG_CNT_DESC_LO) != cur->tail)
			fail("CNT_DESC (lost or repeated op)",
			     rd(MVF_VF_REG_CNT_DESC_LO), cur->tail);
		if (rd(MVF_VF_REG_SCRATCH0) != 0x6d766633u + n)
			fail("SCRATCH0", rd(MVF_VF_REG_SCRATCH0),
			     0x6d766633u + n);
		active[n] = rd(MVF_VF_REG_DEVMEM_ACTIVE);
		if (active[n] != active[0])
			fail("DEVMEM_ACTIVE differs between VFs", active[n],
			     active[0]);
	}
	cur = &vfs[0];
	puts_("mvf-l3: verify ok (");
	puts_(why);
	puts_(") ops ");
	putu(ops_done);
	puts_(" seq ");
	putu(cur->tail);
	puts_(" slots ");
	putu(used);
	puts_(" blocks ");
	putu(NBLK);
	puts_(" vfs ");
	putu(nvf);
	puts_(" active ");
	putu(rd(MVF_VF_REG_DEVMEM_ACTIVE));
	puts_("\n");
}

/* DEVMEM_ACTIVE of every VF (between batches: the rings are idle) */
static void set_active(uint32_t mib)
{
	uint32_t n, got = 0, ok = 1;

	for (n = 0; n < nvf; n++) {
		cur = &vfs[n];
		wr(MVF_VF_REG_DEVMEM_ACTIVE, mib);
		got = rd(MVF_VF_REG_DEVMEM_ACTIVE);
		if (got != mib)
			ok = 0;
	}
	puts_("mvf-l3: devmem-active ");
	putu(got);
	puts_(ok ? " ok\n" : " ignored\n");
}

/* COM1 input: one command a line */
static char cmd[16];
static uint32_t cmd_len;

static void poll_input(void)
{
	char c;
	uint32_t v, i;

	while (inb(COM1 + 5) & 1) {
		c = (char)inb(COM1);
		if (c != '\n' && c != '\r') {
			if (cmd_len < sizeof(cmd) - 1)
				cmd[cmd_len++] = c;
			continue;
		}
		cmd[cmd_len] = 0;
		if (!cmd_len)
			continue;
		cmd_len = 0;
		switch (cmd[0]) {
		case 'V':
			verify_all("request");
			break;
		case 'P':
			puts_("mvf-l3: ops ");
			putu(ops_done);
			puts_("\n");
			break;
		case 'A':
			v = 0;
			for (i = 1; cmd[i] >= '0' && cmd[i] <= '9'; i++)
				v = v * 10 + (uint32_t)(cmd[i] - '0');
			set_active(v);
			break;
		case 'Q':
			verify_all("final");
			puts_("mvf-l3: PASS ops ");
			putu(ops_done);
			puts_("\n");
			qexit(EXIT_PASS);
		default:
			puts_("mvf-l3: unknown command ");
			puts_(cmd);
			puts_("\n");
		}
	}
}

/* reset the ring, set DEVMEM_ACTIVE, give every devmem block a pattern */
static void vf_init(uint32_t n)
{
	uint32_t i, j, first;
	uint64_t devmem;

	cur = &vfs[n];
	ring_init();
	devmem = rd(MVF_VF_REG_DEVMEM_LO) |
		 ((uint64_t)rd(MVF_VF_REG_DEVMEM_HI) << 32);
	if (devmem < (uint64_t)DEF_ACTIVE_MIB << 20)
		fail("device memory too small", devmem, DEF_ACTIVE_MIB << 20);
	wr(MVF_VF_REG_DEVMEM_ACTIVE, DEF_ACTIVE_MIB);
	if (rd(MVF_VF_REG_DEVMEM_ACTIVE) != DEF_ACTIVE_MIB)
		fail("DEVMEM_ACTIVE", rd(MVF_VF_REG_DEVMEM_ACTIVE),
		     DEF_ACTIVE_MIB);
	wr(MVF_VF_REG_SCRATCH0, 0x6d766633u + n);
	for (i = 0; i < NBLK; i += BATCH) {
		first = cur->tail;
		for (j = i; j < i + BATCH; j++) {
			cur->blk[j] = rnd64();
			desc_next(MVF_DESC_OP_DFILL, PAGE, 0, (uint64_t)j * PAGE,
				  cur->blk[j], ~0u, 0);
		}
		ring_run(first);
	}
	puts_("mvf-l3: vf ");
	putu(n);
	puts_(" at ");
	putx(cur->bdf);
	puts_(" bar0 ");
	putx((uintptr_t)cur->regs);
	puts_(" devmem ");
	putu((uint32_t)(devmem >> 20));
	puts_(" MiB active ");
	putu(DEF_ACTIVE_MIB);
	puts_("\n");
}

void l3_main(void);
void l3_main(void)
{
	uint32_t i, n = 0, last_report = 0;

	serial_init();
	crc_init();
	find_vfs();
	for (i = 0; i < NSRC; i++) {
		src_pat[i] = rnd64();
		fill_page(src_addr(i), src_pat[i]);
	}
	for (i = 0; i < nvf; i++)
		vf_init(i);
	puts_("mvf-l3: ready vfs ");
	putu(nvf);
	puts_("\n");
	for (;;) {
		cur = &vfs[n];
		n = (n + 1) % nvf;
		batch();
		poll_input();
		if (ops_done - last_report >= REPORT_EVERY) {
			last_report = ops_done;
			puts_("mvf-l3: ops ");
			putu(ops_done);
			puts_("\n");
		}
	}
}
