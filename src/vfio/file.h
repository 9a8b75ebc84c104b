/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvf_vfio_pci: the saving and resuming data_fd files.
 *
 * A data_fd carries the record stream of include/mvf/mvf_stream.h: each
 * record is a struct mvf_mig_record header and its payload; the device's
 * image travels in MVF_MIG_TAG_DEVICE_DATA records.
 *
 * Life cycle: the FSM (lm.c) allocates a file, starts the device session
 * through it, and keeps a file reference of its own in saving_migf or
 * resuming_migf while the device is in that state.  Leaving the state,
 * close_device() and a reset end the session and *disable* the file; the
 * file and its buffer are freed only by the last fput(), in release(), so
 * a user still holding the fd sees -ENODEV, never freed memory.  Once
 * disabled, a file never touches the device or the PF again: @pf, @vf_id
 * and @dev are used only under @lock while !@disabled, and disabling takes
 * @lock, so it waits for an admin command that is in flight.
 */
#ifndef _MVF_VFIO_FILE_H
#define _MVF_VFIO_FILE_H

#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "mvf_core.h"
#include "mvf_stream.h"
#include "stream_parse.h"

struct device;
struct file;
struct mvf_pf;
struct mvf_vfio_pci_device;
struct vfio_device;
struct vfio_precopy_info;

/**
 * enum mvf_vfio_migf_type - direction of a data_fd
 * @MVF_VFIO_MIGF_SAVE: saving group (PRE_COPY, PRE_COPY_P2P, STOP_COPY);
 *                      read(), poll() and VFIO_MIG_GET_PRECOPY_INFO
 * @MVF_VFIO_MIGF_RESUME: RESUMING; write()
 */
enum mvf_vfio_migf_type {
	MVF_VFIO_MIGF_SAVE,
	MVF_VFIO_MIGF_RESUME,
};

/*
 * DMA buffers per data_fd.  Saving: one the user reads while the device
 * fills the next two (STOP_COPY).  Resuming: one write() gathers while
 * the device loads the other.
 */
#define MVF_VFIO_SAVE_BUFS	3
#define MVF_VFIO_LOAD_BUFS	2
/* Smallest chunk tried when MVF_MIG_RECORD_MAX-sized buffers fail. */
#define MVF_VFIO_CHUNK_MIN	SZ_64K

/**
 * struct mvf_vfio_chunk - one DMA buffer of a data_fd and its command
 * @dma: the buffer, @chunk bytes, on the PF
 * @cmd: its SAVE_CHUNK or LOAD_CHUNK; @cmd.busy while the device owns @dma
 * @seq: saving: the file's @ev_seq when the SAVE_CHUNK was queued (events
 *       after it mean new data if it answers MVF_SAVE_F_EMPTY)
 * @final: saving: queued once the end of the stream was permanent
 * @err: saving: the collected command's errno, once not busy
 */
struct mvf_vfio_chunk {
	struct mvf_dma_buf dma;
	struct mvf_vf_cmd cmd;
	u32 seq;
	bool final;
	int err;
};

/**
 * struct mvf_vfio_mig_file - a saving or resuming data_fd
 * @filp: the anon-inode file; its private_data is this structure
 * @type: direction
 * @pf: PF of the VF (the device's reference; see the life cycle above);
 *       after that, release() uses it only to free @bufs, each of which
 *       holds a PF reference of its own
 * @vf_id: VF index on @pf
 * @dev: the VF's struct device, for messages
 * @vdev: the VF's vfio_device, for the PRECOPY_INFOv2 opt-in; no
 *        reference: like @pf it is used only under @lock while !@disabled
 *        (close_device() disables the file before the device can go), so
 *        a file the user keeps does not keep the device, its PF reference
 *        or its event callback alive after the VF is unbound
 * @mode: saving: MVF_SAVE_MODE_STOP_COPY or MVF_SAVE_MODE_PRECOPY
 * @chunk: largest admin SAVE_CHUNK/LOAD_CHUNK, bytes; never above
 *         MVF_MIG_RECORD_MAX, so one chunk always fits one record
 * @lock: protects @disabled, @session, @error, @dev_end, @final,
 *        @dev_initial, @gen, @gen_done, @init_as_dirty, the chunk commands
 *        (@bufs[].cmd), @q_head and @q_len, and is held around every
 *        synchronous admin command of the file's session and every
 *        submission or collection of a chunk command.  Taken by the
 *        paths that disable the file, including the reset path, so it is
 *        never held across copy_to_user()/copy_from_user().
 * @disabled: the FSM let go of the file; read()/write() return -ENODEV
 * @session: a device save/load session is open for this file
 * @error: sticky errno once the stream failed (device error or bad input);
 *         later read()/write() return it and RESUMING -> STOP fails with it
 * @dev_end: saving: the device flagged MVF_SAVE_F_END
 * @final: saving: the end of the stream is permanent (the device is in
 *         STOP_COPY; the VF is STOPPED); false while in PRE_COPY(_P2P),
 *         where an MVF_SAVE_F_EMPTY answer is a temporary end (-ENOMSG)
 * @dev_initial: saving, PRECOPY: the device's initial bytes not yet
 *               fetched by SAVE_CHUNK, as last queried and counted down
 *               by each fetch (the device hands out initial data first)
 * @gen: saving, PRECOPY: the newest initial-data generation known to the
 *       file: the largest of every VF_QUERY_SIZE initial_gen and @ev_gen
 * @gen_done: @gen as of the last VFIO_MIG_GET_PRECOPY_INFO; a newer @gen
 *            is a restart of the initial data that the ioctl has not yet
 *            accounted for (the REINIT latch)
 * @init_as_dirty: saving, PRECOPY: a restart was accounted for without
 *                 the PRECOPY_INFOv2 opt-in, so the new initial data is
 *                 reported as dirty_bytes (initial_bytes never grows
 *                 without REINIT); cleared when a REINIT is reported
 * @bufs: @nbufs DMA buffers of @chunk bytes on the PF, each with the
 *        admin command that uses it.  A buffer belongs to the device while
 *        its command is busy (submitted and collected only under @lock;
 *        waited for before the session ends and before it is freed, in
 *        release()), else to the reader or writer under @rw_lock.
 * @nbufs: buffers in @bufs: MVF_VFIO_SAVE_BUFS or MVF_VFIO_LOAD_BUFS
 * @q_head: saving: index in @bufs of the oldest chunk queued (SAVE_CHUNK
 *          busy or collected); chunks are queued and consumed in stream
 *          order, round robin over @bufs; under @lock
 * @q_len: saving: chunks queued from @q_head on; under @lock
 * @cur_chunk: saving: index in @bufs of the current record's payload (the
 *             device wrote it there, read() copies it out: one copy), or
 *             -1 (the STOP_COPY_SIZE record, or none); under @rw_lock
 * @fill: resuming: index in @bufs of the buffer write() gathers into;
 *        under @rw_lock
 * @hint: saving: payload of the STOP_COPY_SIZE record
 * @rw_lock: serialises read()/write(), VFIO_MIG_GET_PRECOPY_INFO and
 *           RESUMING -> STOP; protects the fields below up to @total.  Held
 *           across copy_to_user()/copy_from_user(); the reset path never
 *           takes it.  Order: state_mutex, @rw_lock, @lock, @ev_lock.
 * @cur: saving: payload of the current record (@hint or a chunk buffer)
 * @buf_len: saving: payload bytes of the current record; resuming: bytes
 *           gathered in @bufs[@fill]
 * @buf_pos: saving: bytes of the current record (@rec, then @buf) already
 *           read by the user
 * @rec_data: saving: payload bytes of the current record that the
 *            precopy sizes count (device image data, or the
 *            STOP_COPY_SIZE record's payload, counted as initial data)
 * @rec_init_end: saving: offset in the current record (header included)
 *                up to which its payload is precopy initial data
 * @rec: saving: header of the current record
 * @parse: resuming: the record parser (a partially received record)
 * @total: bytes read from or written to the file so far
 * @ev_lock: spinlock, innermost; protects the fields below, which the
 *           event callback and poll() use without sleeping
 * @poll_wq: poll() waiters; woken by events, disabling, errors, STOP_COPY
 * @ev_dead: mirror of @disabled || @error || @ev_lost, for poll()
 * @ev_lost: 0, or why the device session was lost under the file, set by
 *           the event callback (mvf_vfio_mig_file_lost()): -ECONNRESET the
 *           PF's queues were reset, -ENODEV the PF was unbound.  Taken
 *           over as the sticky @error by the next user of the file
 * @ev_final: mirror of @final, for poll()
 * @at_temp_end: the last SAVE_CHUNK answered MVF_SAVE_F_EMPTY (so nothing
 *               is buffered either): the temporary end of the stream
 * @ev_seq: count of new-data events (MVF_EVENT_PRECOPY_DATA and
 *          MVF_EVENT_INITIAL_CHANGED) for this session
 * @empty_seq: @ev_seq as it was before the SAVE_CHUNK that answered EMPTY;
 *             an event after that one means new data (the device arms its
 *             one-shot PRECOPY_DATA event with each EMPTY answer)
 * @ev_gen: count of MVF_EVENT_INITIAL_CHANGED events of this session; the
 *          device bumps initial_gen before posting each, so this is a
 *          lower bound of the device's generation
 * @initial_stale: MVF_EVENT_INITIAL_CHANGED arrived: @dev_initial must be
 *                 queried again before the next fetch
 */
struct mvf_vfio_mig_file {
	struct file *filp;
	enum mvf_vfio_migf_type type;
	struct mvf_pf *pf;
	u16 vf_id;
	struct device *dev;
	struct vfio_device *vdev;
	u32 mode;
	size_t chunk;

	/* session state and admin commands; not across user copies */
	struct mutex lock;
	bool disabled;
	bool session;
	int error;
	bool dev_end;
	bool final;
	u64 dev_initial;
	u32 gen;
	u32 gen_done;
	bool init_as_dirty;

	/* DMA buffers and their commands, see above */
	struct mvf_vfio_chunk bufs[MVF_VFIO_SAVE_BUFS];
	unsigned int nbufs;
	unsigned int q_head;
	unsigned int q_len;
	int cur_chunk;
	unsigned int fill;
	__le64 hint;

	/* read()/write() and the buffer; held across user copies */
	struct mutex rw_lock;
	const u8 *cur;
	size_t buf_len;
	size_t buf_pos;
	size_t rec_data;
	size_t rec_init_end;
	struct mvf_mig_record rec;
	struct mvf_stream_parser parse;
	u64 total;

	/* event and poll() state; spinlock, taken by the event callback */
	spinlock_t ev_lock;
	wait_queue_head_t poll_wq;
	bool ev_dead;
	int ev_lost;
	bool ev_final;
	bool at_temp_end;
	u32 ev_seq;
	u32 empty_seq;
	u32 ev_gen;
	bool initial_stale;
};

size_t mvf_vfio_chunk_size(struct mvf_pf *pf);
u64 mvf_vfio_stream_overhead(u64 image_bytes, size_t chunk);

struct mvf_vfio_mig_file *
mvf_vfio_mig_file_alloc(struct mvf_vfio_pci_device *mvdev,
			enum mvf_vfio_migf_type type);
void mvf_vfio_mig_file_put(struct mvf_vfio_mig_file *migf);
int mvf_vfio_save_file_start(struct mvf_vfio_mig_file *migf, u32 mode,
			     u64 image_bytes);
void mvf_vfio_save_file_final(struct mvf_vfio_mig_file *migf);
void mvf_vfio_save_file_event(struct mvf_vfio_mig_file *migf, u16 type);
void mvf_vfio_mig_file_lost(struct mvf_vfio_mig_file *migf, int err);
int mvf_vfio_resume_file_start(struct mvf_vfio_mig_file *migf);
int mvf_vfio_resume_file_finish(struct mvf_vfio_mig_file *migf);
int mvf_vfio_mig_file_end(struct mvf_vfio_mig_file *migf);

#endif /* _MVF_VFIO_FILE_H */
