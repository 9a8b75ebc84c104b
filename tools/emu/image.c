// SPDX-License-Identifier: GPL-2.0
/* mvf-emu: VF state image writer and loader (see image.h). */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "crc.h"
#include "image.h"
#include "vf.h"

#define SEC_HDR		sizeof(struct mvf_img_sec)
#define DM_HDR		sizeof(struct mvf_img_devmem)
#define PAGE		MVF_IMG_PAGE_SIZE
#define PAGES_PER_SEC	(MVF_IMG_DEVMEM_MAX / MVF_IMG_PAGE_SIZE)

enum save_phase {
	PH_HEADER,
	PH_INITIAL,	/* every page once, ascending */
	PH_DIRTY,	/* pages written since they were streamed */
	PH_REGS,
	PH_TRAILER,
	PH_END,
};

struct img_save {
	uint32_t mode;
	enum save_phase phase;	/* kind of the next section to start */
	uint64_t init_page;	/* next page of the initial pass */
	/* The section being handed out. */
	bool active;
	enum save_phase kind;
	uint8_t pre[SEC_HDR + sizeof(struct mvf_img_regs)];
	size_t pre_len;		/* bytes of @pre in the section */
	uint64_t dm_off;	/* device memory bytes after @pre */
	uint64_t len;		/* section bytes */
	uint64_t pos;		/* section bytes handed out */
	/*
	 * PRECOPY: a SAVE_CHUNK answered MVF_SAVE_F_EMPTY and no new data
	 * appeared since; the next new data posts MVF_EVENT_PRECOPY_DATA.
	 */
	bool data_armed;
	/*
	 * PRECOPY: initial-data restarts (img_save_reinit) in this session,
	 * reported as mvf_state_size.initial_gen; 0 at SAVE_START.
	 */
	uint32_t initial_gen;
	/* Stream so far. */
	uint32_t crc;
	uint32_t nsec;		/* sections started, trailer excluded */
	uint64_t total;		/* bytes handed out */
};

/* Bytes of the DEVMEM sections carrying @pages pages, split as the writer does. */
static uint64_t devmem_run_bytes(uint64_t pages)
{
	uint64_t nsec = (pages + PAGES_PER_SEC - 1) / PAGES_PER_SEC;

	return nsec * (SEC_HDR + DM_HDR) + pages * PAGE;
}

uint64_t img_full_size(uint64_t devmem_size)
{
	return SEC_HDR + sizeof(struct mvf_img_header) +
	       devmem_run_bytes(devmem_size / PAGE) + IMG_TAIL_BYTES;
}

static bool page_dirty(const struct vf *vf, uint64_t p)
{
	return vf->dirty[p / 64] & (1ull << (p % 64));
}

static void clear_dirty(struct vf *vf, uint64_t p, uint64_t n)
{
	for (; n; n--, p++)
		vf->dirty[p / 64] &= ~(1ull << (p % 64));
}

/* First page in [@from, @limit) that is dirty, or @limit. */
static uint64_t next_dirty(const struct vf *vf, uint64_t from, uint64_t limit)
{
	uint64_t p = from;

	while (p < limit) {
		uint64_t w = vf->dirty[p / 64] >> (p % 64);

		if (w)
			return p + __builtin_ctzll(w) < limit ?
			       p + __builtin_ctzll(w) : limit;
		p = (p / 64 + 1) * 64;
	}
	return limit;
}

/* Bytes the dirty pass would stream for the dirty pages below @limit. */
static uint64_t dirty_bytes(const struct vf *vf, uint64_t limit)
{
	uint64_t p = 0, run, bytes = 0;

	for (;;) {
		p = next_dirty(vf, p, limit);
		if (p >= limit)
			return bytes;
		for (run = 0; p < limit && page_dirty(vf, p); p++)
			run++;
		bytes += devmem_run_bytes(run);
	}
}

static void sec_begin(struct img_save *s, enum save_phase kind, uint32_t type,
		      uint64_t payload)
{
	struct mvf_img_sec h = {
		.type = htole32(type),
		.flags = 0,
		.len = htole64(payload),
	};

	memcpy(s->pre, &h, sizeof(h));
	s->pre_len = sizeof(h);
	s->len = sizeof(h) + payload;
	s->pos = 0;
	s->active = true;
	s->kind = kind;
	if (type != MVF_IMG_SEC_TRAILER)
		s->nsec++;
}

static void build_header(struct img_save *s, const struct vf *vf)
{
	struct mvf_img_header h;

	memset(&h, 0, sizeof(h));
	h.magic = htole64(MVF_IMG_MAGIC);
	h.version = htole32(MVF_IMG_VERSION);
	h.devmem_size = htole64(vf->devmem_size);
	h.vf_caps = htole32(VF_CAPS);
	h.page_size = htole32(PAGE);
	h.devmem_active = htole32(vf->active_mib);
	sec_begin(s, PH_HEADER, MVF_IMG_SEC_HEADER, sizeof(h));
	memcpy(s->pre + s->pre_len, &h, sizeof(h));
	s->pre_len += sizeof(h);
}

static void build_devmem(struct img_save *s, struct vf *vf,
			 enum save_phase kind, uint64_t page, uint64_t n)
{
	struct mvf_img_devmem d = { .offset = htole64(page * PAGE), .rsvd = 0 };

	/* Writes from now on make these pages dirty again. */
	clear_dirty(vf, page, n);
	sec_begin(s, kind, MVF_IMG_SEC_DEVMEM, DM_HDR + n * PAGE);
	memcpy(s->pre + s->pre_len, &d, sizeof(d));
	s->pre_len += sizeof(d);
	s->dm_off = page * PAGE;
}

static void regs_to_img(const struct vf_regs *r, struct mvf_img_regs *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->ctrl = htole32(r->ctrl);
	o->status = htole32(r->status);
	o->sq = htole64(r->sq);
	o->cq = htole64(r->cq);
	o->ring_size = htole32(r->ring_size);
	o->sq_tail = htole32(r->sq_tail);
	o->sq_head = htole32(r->sq_head);
	o->db_latched = htole32(r->db_latched);
	o->cnt_desc = htole64(r->cnt_desc);
	o->cnt_bytes = htole64(r->cnt_bytes);
	o->cnt_err = htole32(r->cnt_err);
	o->last_err = htole32(r->last_err);
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		o->scratch[i] = htole32(r->scratch[i]);
	o->msix_pending = htole32(r->msix_pending);
}

static void img_to_regs(const struct mvf_img_regs *o, struct vf_regs *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->ctrl = le32toh(o->ctrl);
	r->status = le32toh(o->status);
	r->sq = le64toh(o->sq);
	r->cq = le64toh(o->cq);
	r->ring_size = le32toh(o->ring_size);
	r->sq_tail = le32toh(o->sq_tail);
	r->sq_head = le32toh(o->sq_head);
	r->db_latched = le32toh(o->db_latched);
	r->cnt_desc = le64toh(o->cnt_desc);
	r->cnt_bytes = le64toh(o->cnt_bytes);
	r->cnt_err = le32toh(o->cnt_err);
	r->last_err = le32toh(o->last_err);
	for (i = 0; i < MVF_VF_NUM_SCRATCH; i++)
		r->scratch[i] = le32toh(o->scratch[i]);
	r->msix_pending = le32toh(o->msix_pending);
}

static void build_regs(struct img_save *s, const struct vf *vf)
{
	struct mvf_img_regs o;

	regs_to_img(&vf->r, &o);
	sec_begin(s, PH_REGS, MVF_IMG_SEC_REGS, sizeof(o));
	memcpy(s->pre + s->pre_len, &o, sizeof(o));
	s->pre_len += sizeof(o);
}

static void build_trailer(struct img_save *s)
{
	struct mvf_img_trailer t = {
		.crc32c = htole32(s->crc),
		.nr_sections = htole32(s->nsec),
		.total_len = htole64(s->total),
	};

	sec_begin(s, PH_TRAILER, MVF_IMG_SEC_TRAILER, sizeof(t));
	memcpy(s->pre + s->pre_len, &t, sizeof(t));
	s->pre_len += sizeof(t);
}

/* Start the next section; false at a (temporary or final) end of stream. */
static bool next_section(struct img_save *s, struct vf *vf)
{
	uint64_t p, n;

	for (;;) {
		switch (s->phase) {
		case PH_HEADER:
			build_header(s, vf);
			s->phase = PH_INITIAL;
			return true;
		case PH_INITIAL:
			if (s->init_page < vf->active_pages) {
				n = vf->active_pages - s->init_page;
				n = n < PAGES_PER_SEC ? n : PAGES_PER_SEC;
				build_devmem(s, vf, PH_INITIAL, s->init_page, n);
				s->init_page += n;
				return true;
			}
			s->phase = PH_DIRTY;
			continue;
		case PH_DIRTY:
			p = next_dirty(vf, 0, vf->active_pages);
			if (p < vf->active_pages) {
				for (n = 0; p + n < vf->active_pages && n < PAGES_PER_SEC &&
				     page_dirty(vf, p + n); n++)
					;
				build_devmem(s, vf, PH_DIRTY, p, n);
				return true;
			}
			if (vf->state != VF_STOPPED)
				return false;
			s->phase = PH_REGS;
			continue;
		case PH_REGS:
			build_regs(s, vf);
			s->phase = PH_TRAILER;
			return true;
		case PH_TRAILER:
			build_trailer(s);
			s->phase = PH_END;
			return true;
		case PH_END:
			return false;
		}
	}
}

int img_save_start(struct vf *vf, uint32_t mode)
{
	struct img_save *s;

	if (mode != MVF_SAVE_MODE_STOP_COPY && mode != MVF_SAVE_MODE_PRECOPY)
		return MVF_AQ_STS_BAD_PARAM;
	if (mode == MVF_SAVE_MODE_STOP_COPY && vf->state != VF_STOPPED)
		return MVF_AQ_STS_BAD_STATE;
	s = calloc(1, sizeof(*s));
	if (!s)
		return MVF_AQ_STS_NO_MEMORY;
	s->mode = mode;
	s->phase = PH_HEADER;
	/* Everything goes out in the initial pass. */
	clear_dirty(vf, 0, vf->npages);
	vf->save = s;
	return MVF_AQ_STS_OK;
}

size_t img_save_read(struct vf *vf, uint8_t *buf, size_t len, uint32_t *flags)
{
	struct img_save *s = vf->save;
	size_t n = 0, k, a;

	while (n < len) {
		if (!s->active && !next_section(s, vf))
			break;
		k = s->len - s->pos < len - n ? s->len - s->pos : len - n;
		a = 0;
		if (s->pos < s->pre_len) {
			a = s->pre_len - s->pos < k ? s->pre_len - s->pos : k;
			memcpy(buf + n, s->pre + s->pos, a);
		}
		if (k > a)
			memcpy(buf + n + a,
			       vf->devmem + s->dm_off + (s->pos + a - s->pre_len),
			       k - a);
		s->crc = crc32c(s->crc, buf + n, k);
		s->total += k;
		s->pos += k;
		n += k;
		if (s->pos == s->len)
			s->active = false;
	}
	if (s->phase == PH_END && !s->active) {
		*flags = MVF_SAVE_F_END;
	} else if (!n) {
		*flags = MVF_SAVE_F_EMPTY;
		s->data_armed = true;
	} else {
		*flags = 0;
	}
	return n;
}

static void post(struct vf *vf, uint16_t type, uint32_t data)
{
	if (vf->event)
		vf->event(vf->event_ctx, type, (uint16_t)vf->index, data);
}

void img_save_new_data(struct vf *vf)
{
	struct img_save *s = vf->save;

	if (!s || !s->data_armed)
		return;
	s->data_armed = false;
	post(vf, MVF_EVENT_PRECOPY_DATA, 0);
}

void img_save_reinit(struct vf *vf)
{
	struct img_save *s = vf->save;

	/* Only a PRECOPY session before REGS can see a RUNNING VF. */
	if (!s || s->mode != MVF_SAVE_MODE_PRECOPY || s->phase > PH_DIRTY)
		return;
	/*
	 * The section being handed out is finished as it is (the stream
	 * must stay parseable); its rest counts as initial data.  Then a
	 * new HEADER and every active page again.
	 */
	if (s->active)
		s->kind = PH_INITIAL;
	s->phase = PH_HEADER;
	s->init_page = 0;
	s->initial_gen++;
	clear_dirty(vf, 0, vf->npages);
	post(vf, MVF_EVENT_INITIAL_CHANGED, vf->active_mib);
	img_save_new_data(vf);
}

void img_query_size(const struct vf *vf, struct mvf_state_size *out)
{
	const struct img_save *s = vf->save;
	uint64_t init = 0, dirty = 0, tail = 0, rem;

	memset(out, 0, sizeof(*out));
	if (!s) {
		out->stop_copy_bytes = htole64(img_full_size(vf->active_size));
		return;
	}
	if (s->active) {
		rem = s->len - s->pos;
		if (s->kind == PH_HEADER || s->kind == PH_INITIAL)
			init += rem;
		else if (s->kind == PH_DIRTY)
			dirty += rem;
		else
			tail += rem;
	}
	if (s->phase == PH_HEADER)
		init += SEC_HDR + sizeof(struct mvf_img_header);
	if (s->phase <= PH_INITIAL)
		init += devmem_run_bytes(vf->active_pages - s->init_page);
	if (s->phase <= PH_DIRTY)
		dirty += dirty_bytes(vf, s->init_page);
	if (s->phase <= PH_REGS)
		tail += IMG_TAIL_BYTES;
	else if (s->phase == PH_TRAILER)
		tail += SEC_HDR + sizeof(struct mvf_img_trailer);
	out->stop_copy_bytes = htole64(init + dirty + tail);
	if (s->mode == MVF_SAVE_MODE_PRECOPY) {
		out->initial_bytes = htole64(init);
		out->dirty_bytes = htole64(dirty);
		out->initial_gen = htole32(s->initial_gen);
	}
}

bool img_save_pins_stopped(const struct img_save *s)
{
	return s->mode == MVF_SAVE_MODE_STOP_COPY || s->phase > PH_DIRTY;
}

void img_save_free(struct img_save *s)
{
	free(s);
}

/* ---- loading ---------------------------------------------------------- */

struct img_load {
	/* The target VF's configuration. */
	uint64_t devmem_size;
	uint64_t npages;
	uint32_t mib_max;	/* largest devmem_active the target takes */
	/* From the latest HEADER: the active part the DEVMEM sections cover. */
	uint32_t active_mib;
	uint64_t active_size;
	/* Staging copy, committed by img_load_end. */
	uint8_t *devmem;
	uint64_t *covered;	/* pages some DEVMEM section carried */
	struct mvf_img_regs regs;
	bool have_header, have_regs, done;
	int status;		/* first error: the session is poisoned */
	/* Parser position. */
	uint8_t hbuf[SEC_HDR];
	size_t hlen;		/* section header bytes collected */
	uint32_t type;
	uint64_t plen;		/* payload length of the current section */
	uint64_t ppos;		/* payload bytes consumed */
	uint8_t pbuf[sizeof(struct mvf_img_regs)];
	uint64_t dm_off;	/* DEVMEM: device memory offset of the data */
	uint32_t crc;
	uint32_t crc_at_sec;	/* CRC of the bytes before this section */
	uint64_t total;
	uint64_t total_at_sec;
	uint32_t nsec;		/* sections before the current one + it */
};

int img_load_start(struct vf *vf)
{
	struct img_load *l = calloc(1, sizeof(*l));

	if (!l)
		return MVF_AQ_STS_NO_MEMORY;
	l->devmem_size = vf->devmem_size;
	l->npages = vf->npages;
	l->mib_max = vf_devmem_mib_max(vf);
	l->devmem = devmem_alloc(vf->devmem_size);
	l->covered = calloc((l->npages + 63) / 64, sizeof(uint64_t));
	if (!l->devmem || !l->covered) {
		img_load_free(l);
		return MVF_AQ_STS_NO_MEMORY;
	}
	vf->load = l;
	return MVF_AQ_STS_OK;
}

void img_load_free(struct img_load *l)
{
	if (!l)
		return;
	devmem_free(l->devmem, l->devmem_size);
	free(l->covered);
	free(l);
}

static int sec_start(struct img_load *l)
{
	struct mvf_img_sec h;

	memcpy(&h, l->hbuf, sizeof(h));
	l->type = le32toh(h.type);
	l->plen = le64toh(h.len);
	l->ppos = 0;
	if (h.flags)
		return MVF_AQ_STS_IMG_SECTION;
	if (!l->have_header && l->type != MVF_IMG_SEC_HEADER)
		return MVF_AQ_STS_IMG_SECTION;
	switch (l->type) {
	case MVF_IMG_SEC_HEADER:
		/* A later HEADER restarts the image, but not after REGS. */
		if (l->have_regs)
			return MVF_AQ_STS_IMG_SECTION;
		if (l->plen != sizeof(struct mvf_img_header))
			return MVF_AQ_STS_IMG_LENGTH;
		break;
	case MVF_IMG_SEC_DEVMEM:
		if (l->have_regs)
			return MVF_AQ_STS_IMG_SECTION;
		if (l->plen < DM_HDR + PAGE || l->plen > DM_HDR + MVF_IMG_DEVMEM_MAX ||
		    (l->plen - DM_HDR) % PAGE)
			return MVF_AQ_STS_IMG_LENGTH;
		break;
	case MVF_IMG_SEC_REGS:
		if (l->have_regs)
			return MVF_AQ_STS_IMG_SECTION;
		if (l->plen != sizeof(struct mvf_img_regs))
			return MVF_AQ_STS_IMG_LENGTH;
		break;
	case MVF_IMG_SEC_TRAILER:
		if (l->plen != sizeof(struct mvf_img_trailer))
			return MVF_AQ_STS_IMG_LENGTH;
		return MVF_AQ_STS_OK;
	default:
		return MVF_AQ_STS_IMG_SECTION;
	}
	l->nsec++;
	return MVF_AQ_STS_OK;
}

static int check_header(struct img_load *l)
{
	struct mvf_img_header h;
	int i;

	memcpy(&h, l->pbuf, sizeof(h));
	if (le64toh(h.magic) != MVF_IMG_MAGIC)
		return MVF_AQ_STS_IMG_MAGIC;
	if (le32toh(h.version) != MVF_IMG_VERSION)
		return MVF_AQ_STS_IMG_VERSION;
	if (h.flags)
		return MVF_AQ_STS_IMG_SECTION;
	if (h.rsvd0)
		return MVF_AQ_STS_IMG_SECTION;
	for (i = 0; i < (int)(sizeof(h.rsvd) / sizeof(h.rsvd[0])); i++)
		if (h.rsvd[i])
			return MVF_AQ_STS_IMG_SECTION;
	if (le64toh(h.devmem_size) != l->devmem_size ||
	    (le32toh(h.vf_caps) & ~VF_CAPS) || le32toh(h.page_size) != PAGE)
		return MVF_AQ_STS_IMG_INCOMPAT;
	if (!le32toh(h.devmem_active) || le32toh(h.devmem_active) > l->mib_max)
		return MVF_AQ_STS_IMG_SECTION;
	l->active_mib = le32toh(h.devmem_active);
	l->active_size = (uint64_t)l->active_mib << 20;
	if (l->active_size > l->devmem_size)
		l->active_size = l->devmem_size;
	/* (Re)start: whatever earlier sections staged no longer counts. */
	memset(l->covered, 0, (l->npages + 63) / 64 * sizeof(uint64_t));
	l->have_header = true;
	return MVF_AQ_STS_OK;
}

static int check_devmem(struct img_load *l)
{
	struct mvf_img_devmem d;
	uint64_t off, len = l->plen - DM_HDR, p;

	memcpy(&d, l->pbuf, sizeof(d));
	off = le64toh(d.offset);
	if (d.rsvd || off % PAGE || off > l->active_size ||
	    len > l->active_size - off)
		return MVF_AQ_STS_IMG_SECTION;
	l->dm_off = off;
	for (p = off / PAGE; p < (off + len) / PAGE; p++)
		l->covered[p / 64] |= 1ull << (p % 64);
	return MVF_AQ_STS_OK;
}

/* Register values a VF can actually be in. */
static int check_regs(struct img_load *l)
{
	struct vf_regs r;
	int i;

	for (i = 0; i < 11; i++)
		if (((struct mvf_img_regs *)l->pbuf)->rsvd[i])
			return MVF_AQ_STS_IMG_SECTION;
	memcpy(&l->regs, l->pbuf, sizeof(l->regs));
	img_to_regs(&l->regs, &r);
	if ((r.ctrl & ~(MVF_VF_CTRL_ENABLE | MVF_VF_CTRL_IRQ)) ||
	    (r.status & ~(MVF_VF_STS_ENABLED | MVF_VF_STS_HALTED)) ||
	    !(r.ctrl & MVF_VF_CTRL_ENABLE) != !(r.status & MVF_VF_STS_ENABLED) ||
	    ((r.status & MVF_VF_STS_HALTED) && !(r.status & MVF_VF_STS_ENABLED)) ||
	    (!(r.ctrl & MVF_VF_CTRL_ENABLE) && r.sq_head) ||
	    r.ring_size > MVF_VF_RING_MAX_ENTRIES ||
	    (r.ring_size & (r.ring_size - 1)) ||
	    r.db_latched > 1 || r.last_err > MVF_DESC_STS_BAD_RING ||
	    (r.msix_pending & ~((1u << MVF_VF_MSIX_COUNT) - 1)))
		return MVF_AQ_STS_IMG_SECTION;
	l->have_regs = true;
	return MVF_AQ_STS_OK;
}

static int check_trailer(struct img_load *l)
{
	struct mvf_img_trailer t;
	uint64_t p;

	memcpy(&t, l->pbuf, sizeof(t));
	if (le32toh(t.crc32c) != l->crc_at_sec)
		return MVF_AQ_STS_IMG_CHECKSUM;
	if (le64toh(t.total_len) != l->total_at_sec)
		return MVF_AQ_STS_IMG_LENGTH;
	if (le32toh(t.nr_sections) != l->nsec || !l->have_regs)
		return MVF_AQ_STS_IMG_SECTION;
	for (p = 0; p < l->active_size / PAGE; p++)
		if (!(l->covered[p / 64] & (1ull << (p % 64))))
			return MVF_AQ_STS_IMG_SECTION;
	l->done = true;
	return MVF_AQ_STS_OK;
}

static void consume(struct img_load *l, const uint8_t **buf, size_t *len,
		    size_t k)
{
	l->crc = crc32c(l->crc, *buf, k);
	l->total += k;
	*buf += k;
	*len -= k;
}

static int poison(struct img_load *l, int status)
{
	l->status = status;
	return status;
}

int img_load_feed(struct img_load *l, const uint8_t *buf, size_t len)
{
	size_t k, small;
	int st;

	if (l->status)
		return l->status;
	while (len) {
		if (l->done)
			return poison(l, MVF_AQ_STS_IMG_OVERRUN);
		if (l->hlen < SEC_HDR) {
			if (!l->hlen) {
				l->crc_at_sec = l->crc;
				l->total_at_sec = l->total;
			}
			k = SEC_HDR - l->hlen < len ? SEC_HDR - l->hlen : len;
			memcpy(l->hbuf + l->hlen, buf, k);
			consume(l, &buf, &len, k);
			l->hlen += k;
			if (l->hlen == SEC_HDR) {
				st = sec_start(l);
				if (st)
					return poison(l, st);
			}
			continue;
		}
		if (l->type == MVF_IMG_SEC_DEVMEM && l->ppos >= DM_HDR) {
			k = l->plen - l->ppos < len ? l->plen - l->ppos : len;
			memcpy(l->devmem + l->dm_off + (l->ppos - DM_HDR), buf, k);
			consume(l, &buf, &len, k);
			l->ppos += k;
		} else {
			small = l->type == MVF_IMG_SEC_DEVMEM ? DM_HDR : l->plen;
			k = small - l->ppos < len ? small - l->ppos : len;
			memcpy(l->pbuf + l->ppos, buf, k);
			consume(l, &buf, &len, k);
			l->ppos += k;
			if (l->ppos == small) {
				switch (l->type) {
				case MVF_IMG_SEC_HEADER:
					st = check_header(l);
					break;
				case MVF_IMG_SEC_DEVMEM:
					st = check_devmem(l);
					break;
				case MVF_IMG_SEC_REGS:
					st = check_regs(l);
					break;
				default:
					st = check_trailer(l);
					break;
				}
				if (st)
					return poison(l, st);
			}
		}
		if (l->ppos == l->plen)
			l->hlen = 0;	/* section complete */
	}
	return MVF_AQ_STS_OK;
}

int img_load_end(struct vf *vf)
{
	struct img_load *l = vf->load;
	struct vf_regs r;
	uint8_t *old;
	int st;

	vf->load = NULL;
	st = l->status;
	if (!st && !l->done)
		st = MVF_AQ_STS_IMG_TRUNCATED;
	if (!st) {
		/*
		 * Commit: swap in the staged device memory (the part beyond
		 * the active one keeps the target's contents), DEVMEM_ACTIVE,
		 * then registers.
		 */
		old = vf->devmem;
		vf->devmem = l->devmem;
		l->devmem = old;
		if (l->active_size < vf->devmem_size)
			memcpy(vf->devmem + l->active_size, old + l->active_size,
			       vf->devmem_size - l->active_size);
		vf_set_active(vf, l->active_mib);
		img_to_regs(&l->regs, &r);
		vf_set_regs(vf, &r);
		vf_mark_dirty(vf, 0, vf->active_size);
	}
	img_load_free(l);
	return st;
}
