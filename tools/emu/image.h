/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf-emu: the VF state image (include/mvf/mvf_image.h): a save session
 * that writes the stream lazily as SAVE_CHUNK asks for bytes, and a load
 * session that parses an untrusted stream incrementally into a staging
 * copy and commits it to the VF only when the whole stream was valid.
 *
 * The stream is deterministic: the same VF state always gives the same
 * bytes.  Layout of a STOP_COPY stream for D bytes of active device memory
 * (DEVMEM_ACTIVE; the rest of device memory is not part of the image):
 *   HEADER (16 + 64), then ceil(D / 1 MiB) DEVMEM sections (16 + 16 +
 *   up to 1 MiB each, ascending offsets), REGS (16 + 128), TRAILER (16 + 16).
 * A PRECOPY stream is the same up to the last initial DEVMEM section, then
 * carries DEVMEM sections for pages written since they were streamed, and
 * REGS + TRAILER once the VF is STOPPED.  A change of DEVMEM_ACTIVE during
 * a PRECOPY session restarts it: a new HEADER and all initial data again.
 */
#ifndef EMU_IMAGE_H
#define EMU_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mvf/mvf.h"

struct vf;
struct img_save;
struct img_load;

/* Bytes after the last DEVMEM section: REGS + TRAILER, headers included. */
#define IMG_TAIL_BYTES	(2 * sizeof(struct mvf_img_sec) + \
			 sizeof(struct mvf_img_regs) + sizeof(struct mvf_img_trailer))

/* Bytes of a complete STOP_COPY stream for @active_size bytes of active
 * device memory (DEVMEM_ACTIVE). */
uint64_t img_full_size(uint64_t active_size);

/*
 * Open a save session on @vf (vf->save must be NULL) in @mode
 * (MVF_SAVE_MODE_*).  Returns an MVF_AQ_STS_* status: BAD_PARAM for an
 * unknown mode, BAD_STATE for STOP_COPY on a VF that is not STOPPED,
 * NO_MEMORY.
 */
int img_save_start(struct vf *vf, uint32_t mode);

/*
 * Hand out up to @len next stream bytes into @buf; returns the count and
 * sets *@flags to MVF_SAVE_F_END once the trailer has been handed out in
 * full (also on every later call, which returns 0), or MVF_SAVE_F_EMPTY
 * when a PRECOPY session has nothing to send for now.
 */
size_t img_save_read(struct vf *vf, uint8_t *buf, size_t len,
		     uint32_t *flags);

/*
 * New precopy data appeared on @vf (a page was dirtied): posts
 * MVF_EVENT_PRECOPY_DATA once if a SAVE_CHUNK answered F_EMPTY since the
 * last such event.  No-op without an armed PRECOPY session.
 */
void img_save_new_data(struct vf *vf);

/*
 * DEVMEM_ACTIVE of @vf changed: a PRECOPY session (before REGS) restarts
 * its initial data after the section being handed out: a new HEADER, then
 * every active page; dirty data is dropped.  Increments the session's
 * initial_gen (VF_QUERY_SIZE), then posts MVF_EVENT_INITIAL_CHANGED (data = new DEVMEM_ACTIVE, MiB), then
 * img_save_new_data().  No-op without such a session.
 */
void img_save_reinit(struct vf *vf);

/* VF_QUERY_SIZE data for @vf (with or without a save session). */
void img_query_size(const struct vf *vf, struct mvf_state_size *out);

/* True once the session relies on the VF staying STOPPED. */
bool img_save_pins_stopped(const struct img_save *s);

void img_save_free(struct img_save *s);

/* Open a load session (vf->load must be NULL): MVF_AQ_STS_OK or NO_MEMORY. */
int img_load_start(struct vf *vf);

/*
 * Parse @len more stream bytes.  Returns MVF_AQ_STS_OK or the image
 * status of the first error; after an error the session is poisoned and
 * keeps returning that status.
 */
int img_load_feed(struct img_load *l, const uint8_t *buf, size_t len);

/*
 * Finish the load session of @vf: the poisoning status, IMG_TRUNCATED if
 * the trailer has not been parsed, else commit device memory and registers
 * to the VF at once and return OK.  The session is closed in every case.
 */
int img_load_end(struct vf *vf);

void img_load_free(struct img_load *l);

#endif
