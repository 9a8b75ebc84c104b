/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf selftest library (libmvftest.a): drive an mvf VF from userspace.
 * Everything that is not mvf's (container, device open, DMA, the migration
 * uAPI, byte buffers) is in the generic library, vfio_test.h; this one adds
 *  - struct mvf_dev: a generic VFIO device plus BAR0, opened with bus
 *    mastering on (the VF DMAs);
 *  - struct mvf_ring: the VF descriptor/completion rings (mvf_desc.h);
 *  - mvf_stream_*: parsing of the driver's record framing (mvf_stream.h)
 *    and of the device image inside it (mvf_image.h);
 *  - mvf_model: the expected content of a VF's device memory.
 *
 * Functions return 0 (or a count) on success and a negative errno on
 * failure; every failure is printed to stderr naming the device (BDF) and
 * the errno.
 */
#ifndef _MVF_TEST_H
#define _MVF_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mvf.h"
#include "vfio_test.h"

#define MVF_BDF_LEN		16	/* "0000:00:05.0" + NUL, rounded */
#define MVF_MAX_VFS		8
#define MVF_VF_NR_REGS		25	/* readable VF registers, mvf_vf_regs[] */

/* Default completion timeout: generous, the test VM runs under TCG. */
#define MVF_RING_TIMEOUT_MS	20000

/* ---- mvf VFs opened through the generic library (vfio.c) ---- */

/**
 * struct mvf_dev - one opened mvf VF
 * @vt: the VFIO device (libvfiotest: fd, group, name = BDF)
 * @bar0: BAR0 mapping, or NULL when BAR0 is accessed with pread/pwrite
 * @bar0_offset: region offset of BAR0 in the device fd
 * @bar0_size: BAR0 bytes (at least MVF_BAR_SIZE)
 */
struct mvf_dev {
	struct vt_dev vt;
	volatile uint32_t *bar0;
	uint64_t bar0_offset;
	uint64_t bar0_size;
};

int mvf_dev_open(struct vt_iommu *v, struct mvf_dev *d, const char *bdf);
void mvf_dev_close(struct mvf_dev *d);
uint32_t mvf_rd32(struct mvf_dev *d, uint32_t off);
void mvf_wr32(struct mvf_dev *d, uint32_t off, uint32_t val);
uint64_t mvf_rd64(struct mvf_dev *d, uint32_t off_lo);
void mvf_wr64(struct mvf_dev *d, uint32_t off_lo, uint64_t val);

/* Every readable VF BAR0 register, for register-for-register compares. */
struct mvf_reg_name {
	uint32_t off;
	const char *name;
};
extern const struct mvf_reg_name mvf_vf_regs[MVF_VF_NR_REGS];
extern const size_t mvf_vf_nr_regs;

/**
 * struct mvf_regs - a snapshot of every readable VF register
 * @val: values, indexed like mvf_vf_regs[]
 */
struct mvf_regs {
	uint32_t val[MVF_VF_NR_REGS];
};

void mvf_regs_read(struct mvf_dev *d, struct mvf_regs *r);
/*
 * Compare two snapshots; STATUS bits in @status_ignore are not compared.
 * Prints each difference (prefix @what) and returns how many differ.
 */
int mvf_regs_diff(const char *what, const struct mvf_regs *a,
		  const struct mvf_regs *b, uint32_t status_ignore);
uint32_t mvf_regs_get(const struct mvf_regs *r, uint32_t off);

/* ---- VF rings (ring.c) ---- */

/**
 * struct mvf_ring - host side of one VF's descriptor and completion rings
 * @sq: descriptor ring memory (size * 64 bytes)
 * @cq: completion ring memory (size * 16 bytes)
 * @size: entries, power of 2
 * @tail: next descriptor index to post (free-running)
 * @done: next descriptor index whose completion is consumed
 * @timeout_ms: completion timeout
 */
struct mvf_ring {
	struct vt_dma sq;
	struct vt_dma cq;
	uint32_t size;
	uint32_t tail;
	uint32_t done;
	int timeout_ms;
};

int mvf_ring_alloc(struct vt_iommu *v, struct mvf_ring *r, uint32_t size);
void mvf_ring_free(struct vt_iommu *v, struct mvf_ring *r);
void mvf_ring_reset(struct mvf_ring *r);
void mvf_ring_program(struct mvf_dev *d, struct mvf_ring *r);
uint32_t mvf_ring_post(struct mvf_ring *r, const struct mvf_desc *desc);
void mvf_ring_doorbell(struct mvf_dev *d, struct mvf_ring *r);
uint8_t mvf_ring_phase(const struct mvf_ring *r, uint32_t idx);
int mvf_ring_wait(struct mvf_dev *d, struct mvf_ring *r, uint32_t idx,
		  struct mvf_cpl *cpl);
bool mvf_ring_peek(struct mvf_ring *r, uint32_t idx, struct mvf_cpl *cpl);
int mvf_ring_run(struct mvf_dev *d, struct mvf_ring *r,
		 const struct mvf_desc *descs, size_t n, struct mvf_cpl *cpls);
int mvf_ring_exec(struct mvf_dev *d, struct mvf_ring *r,
		  const struct mvf_desc *desc, struct mvf_cpl *cpl);

struct mvf_desc mvf_desc_make(uint8_t op, uint32_t len, uint64_t src,
			      uint64_t dst, uint64_t pattern, uint64_t cookie);

/* ---- data patterns and CRC32C (util.c) ---- */

void mvf_pattern_fill(void *buf, size_t len, uint64_t pattern);
void mvf_prng_fill(void *buf, size_t len, uint64_t seed);
uint32_t mvf_crc32c(uint32_t seed, const void *buf, size_t len);
double mvf_now(void);

/* ---- stream framing and device image (stream.c) ---- */

/**
 * struct mvf_rec - one record of a saved stream
 * @off: stream offset of the record header
 * @size: payload bytes
 * @flags: MVF_MIG_F_*
 * @tag: enum mvf_mig_tag
 */
struct mvf_rec {
	size_t off;
	uint64_t size;
	uint32_t flags;
	uint32_t tag;
};

/**
 * struct mvf_sec - one section of the device image
 * @img_off: image offset of the section header
 * @type: enum mvf_img_sec_type
 * @len: payload bytes
 */
struct mvf_sec {
	size_t img_off;
	uint32_t type;
	uint64_t len;
};

/**
 * struct mvf_stream - a parsed stream
 * @recs: records in stream order
 * @nr_recs: number of records
 * @img: concatenated DEVICE_DATA payloads (the device image)
 * @secs: image sections
 * @nr_secs: number of sections
 */
struct mvf_stream {
	struct mvf_rec *recs;
	size_t nr_recs;
	struct vt_buf img;
	struct mvf_sec *secs;
	size_t nr_secs;
};

int mvf_stream_parse(const struct vt_buf *s, struct mvf_stream *ps);
void mvf_stream_free(struct mvf_stream *ps);
ssize_t mvf_stream_img_to_off(const struct mvf_stream *ps, size_t img_off);
const struct mvf_sec *mvf_stream_find_sec(const struct mvf_stream *ps,
					  uint32_t type, unsigned int nth);
int mvf_stream_check_image(const struct mvf_stream *ps, uint64_t devmem_size,
			   char *why, size_t why_len);

/* ---- expected device memory (model.c) ---- */

/**
 * struct mvf_model - expected content of one VF's device memory
 * @mem: devmem_size bytes
 * @size: device memory bytes
 */
struct mvf_model {
	uint8_t *mem;
	uint64_t size;
};

/**
 * struct mvf_ctx - what a test needs to drive one VF's data plane
 * @dev: the device
 * @ring: its rings
 * @bounce: a DMA buffer for H2D/D2H staging
 */
struct mvf_ctx {
	struct mvf_dev *dev;
	struct mvf_ring *ring;
	struct vt_dma *bounce;
};

int mvf_model_init(struct mvf_model *m, uint64_t size);
void mvf_model_free(struct mvf_model *m);
int mvf_dev_dfill(struct mvf_ctx *c, struct mvf_model *m, uint64_t off,
		  uint64_t len, uint64_t pattern);
int mvf_dev_h2d(struct mvf_ctx *c, struct mvf_model *m, uint64_t off,
		const void *data, uint64_t len);
int mvf_dev_d2h(struct mvf_ctx *c, uint64_t off, void *out, uint64_t len);
int64_t mvf_dev_verify(struct mvf_ctx *c, const struct mvf_model *m,
		       uint64_t off, uint64_t len);
int64_t mvf_dev_verify_bytes(struct mvf_ctx *c, const uint8_t *expect,
			     uint64_t off, uint64_t len);
int mvf_dev_verify_samples(struct mvf_ctx *c, uint8_t *const *expect,
			   const uint64_t *off, const uint64_t *len, int n);

/* ---- sysfs and device selection (sysfs.c) ---- */

int mvf_sysfs_driver(const char *bdf, char *name, size_t len);
bool mvf_sysfs_driver_is(const char *bdf, const char *want);
int mvf_pf_bind(const char *pf);
int mvf_sysfs_find(uint16_t device, char bdfs[][MVF_BDF_LEN], int max);
int mvf_select_vfs(int *argc, char **argv, char vf0[MVF_BDF_LEN],
		   char vf1[MVF_BDF_LEN]);
int mvf_sysfs_write(const char *path, const char *val);
int mvf_pf_debugfs_write(const char *pf, const char *file, const char *val);

/* ---- a buffer whose first touch blocks (uffd.c) ---- */

/**
 * struct mvf_uffd - anonymous memory registered with userfaultfd
 * @fd: the userfaultfd
 * @area: the memory (missing pages block the toucher until released)
 * @size: bytes
 * @registered: the area is still registered
 */
struct mvf_uffd {
	int fd;
	void *area;
	size_t size;
	bool registered;
};

int mvf_uffd_open(struct mvf_uffd *u, size_t size);
int mvf_uffd_wait_fault(struct mvf_uffd *u, int timeout_ms, uint64_t *addr);
int mvf_uffd_release(struct mvf_uffd *u);
void mvf_uffd_close(struct mvf_uffd *u);

#endif /* _MVF_TEST_H */
