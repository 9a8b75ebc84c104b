// SPDX-License-Identifier: GPL-2.0
/*
 * mvf_vfio_pci: the saving and resuming data_fd files.
 *
 * Saving: read() hands out records.  The optional STOP_COPY_SIZE record
 * comes first, then one DEVICE_DATA record per admin SAVE_CHUNK, each
 * fetched when the previous one has been read; read() returns 0 once the
 * device flagged the end of its image and everything was read.
 *
 * Resuming: write() parses the records as untrusted input, in any
 * segmentation (a header may arrive one byte at a time).  DEVICE_DATA
 * payload is gathered into a buffer and sent with LOAD_CHUNK whenever
 * @chunk bytes are ready; RESUMING -> STOP sends the rest and LOAD_END.
 */

#include <linux/anon_inodes.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mvf_core.h"
#include "compat.h"
#include "file.h"
#include "vfio_dev.h"

#define MVF_REC_HDR	sizeof(struct mvf_mig_record)

/* Payload of the optional MVF_MIG_TAG_STOP_COPY_SIZE record. */
struct mvf_vfio_stop_copy_size {
	__le64 image_bytes;
};

#define MVF_REC_SIZE_HINT \
	(MVF_REC_HDR + sizeof(struct mvf_vfio_stop_copy_size))

/**
 * mvf_vfio_chunk_size - bytes moved by one SAVE_CHUNK/LOAD_CHUNK
 * @pf: the PF
 *
 * Return: the PF's largest chunk capped at MVF_MIG_RECORD_MAX, so that one
 * chunk always fits in one record; 0 if the PF reports a size too small
 * to hold the STOP_COPY_SIZE record's payload.
 */
size_t mvf_vfio_chunk_size(struct mvf_pf *pf)
{
	size_t chunk = min_t(size_t, mvf_pf_max_chunk(pf), MVF_MIG_RECORD_MAX);

	return chunk < sizeof(struct mvf_vfio_stop_copy_size) ? 0 : chunk;
}

/**
 * mvf_vfio_stream_overhead - framing bytes around a saved image
 * @image_bytes: device image bytes
 * @chunk: bytes per SAVE_CHUNK, non-zero (see mvf_vfio_chunk_size())
 *
 * The saving stream is the STOP_COPY_SIZE record plus one record header per
 * chunk.  A device may return short chunks, so this is an estimate, as
 * VFIO_DEVICE_FEATURE_MIG_DATA_SIZE allows.
 *
 * Return: framing bytes, saturated at U64_MAX.
 */
u64 mvf_vfio_stream_overhead(u64 image_bytes, size_t chunk)
{
	u64 records = div64_u64(image_bytes, chunk) + 1;
	u64 bytes;

	if (check_mul_overflow(records, (u64)MVF_REC_HDR, &bytes) ||
	    check_add_overflow(bytes, (u64)MVF_REC_SIZE_HINT, &bytes))
		return U64_MAX;
	return bytes;
}

static const char *mvf_vfio_migf_name(struct mvf_vfio_mig_file *migf)
{
	return migf->type == MVF_VFIO_MIGF_SAVE ? "saving" : "resuming";
}

/* 0 if the file may still be used, else the errno to return. */
static int mvf_vfio_migf_usable_locked(struct mvf_vfio_mig_file *migf)
{
	lockdep_assert_held(&migf->lock);

	if (migf->disabled)
		return -ENODEV;
	return migf->error;
}

static int mvf_vfio_migf_usable(struct mvf_vfio_mig_file *migf)
{
	int ret;

	mutex_lock(&migf->lock);
	ret = mvf_vfio_migf_usable_locked(migf);
	mutex_unlock(&migf->lock);
	return ret;
}

/*
 * Fail the stream: @err becomes sticky and is logged once.  A disabled
 * file is not poisoned (its device may be gone); it keeps returning
 * -ENODEV.
 */
static int mvf_vfio_migf_vfail_locked(struct mvf_vfio_mig_file *migf,
				      int err, const char *fmt, va_list *args)
{
	struct va_format vaf = { .fmt = fmt, .va = args };

	lockdep_assert_held(&migf->lock);

	if (migf->disabled)
		return -ENODEV;
	if (migf->error)
		return migf->error;

	migf->error = err;
	dev_err(migf->dev, "%s data_fd at byte %llu: %pV: %pe\n",
		mvf_vfio_migf_name(migf), migf->total, &vaf, ERR_PTR(err));
	return err;
}

static __printf(3, 4) int
mvf_vfio_migf_fail_locked(struct mvf_vfio_mig_file *migf, int err,
			  const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	err = mvf_vfio_migf_vfail_locked(migf, err, fmt, &args);
	va_end(args);
	return err;
}

static __printf(3, 4) int
mvf_vfio_migf_fail(struct mvf_vfio_mig_file *migf, int err,
		   const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	mutex_lock(&migf->lock);
	err = mvf_vfio_migf_vfail_locked(migf, err, fmt, &args);
	mutex_unlock(&migf->lock);
	va_end(args);
	return err;
}

/*
 * An admin command of the session failed.  -ENOENT (no session) while the
 * file still owns one means a function or PF reset dropped the session on
 * the device; reset_done() is about to disable the file, so fail the same
 * way, quietly.  Anything else poisons the stream and is logged.
 */
static __printf(3, 4) int
mvf_vfio_migf_cmd_failed_locked(struct mvf_vfio_mig_file *migf, int err,
				const char *fmt, ...)
{
	va_list args;

	lockdep_assert_held(&migf->lock);

	if (err == -ENOENT && !migf->disabled && !migf->error) {
		dev_dbg(migf->dev, "%s data_fd: session dropped by a reset\n",
			mvf_vfio_migf_name(migf));
		migf->error = -ENODEV;
		return -ENODEV;
	}

	va_start(args, fmt);
	err = mvf_vfio_migf_vfail_locked(migf, err, fmt, &args);
	va_end(args);
	return err;
}

/*
 * Saving: put the next record in @buf.  Returns 1 if @buf holds a record,
 * 0 at the end of the stream, or a negative errno.
 */
static int mvf_vfio_save_fill(struct mvf_vfio_mig_file *migf)
{
	u32 flags = 0;
	ssize_t n;
	int ret;

	lockdep_assert_held(&migf->rw_lock);

	mutex_lock(&migf->lock);
	ret = mvf_vfio_migf_usable_locked(migf);
	if (ret || migf->dev_end)
		goto out_unlock;

	n = mvf_vf_save_chunk(migf->pf, migf->vf_id, migf->buf, migf->chunk,
			      &flags);
	if (n < 0) {
		ret = mvf_vfio_migf_cmd_failed_locked(migf, n,
						      "SAVE_CHUNK failed");
		goto out_unlock;
	}
	if ((size_t)n > migf->chunk) {
		ret = mvf_vfio_migf_fail_locked(migf, -EIO,
						"SAVE_CHUNK returned %zd bytes for a %zu byte buffer",
						n, migf->chunk);
		goto out_unlock;
	}
	if (flags & MVF_SAVE_F_END)
		migf->dev_end = true;
	if (!n) {
		/* STOP_COPY streams the whole image: no data means the end. */
		if (!migf->dev_end)
			ret = mvf_vfio_migf_fail_locked(migf, -EIO,
							"SAVE_CHUNK returned no data (flags %#x) before the end of the image",
							flags);
		goto out_unlock;
	}

	migf->rec.size = cpu_to_le64(n);
	migf->rec.flags = cpu_to_le32(0);
	migf->rec.tag = cpu_to_le32(MVF_MIG_TAG_DEVICE_DATA);
	migf->buf_len = n;
	migf->buf_pos = 0;
	ret = 1;

out_unlock:
	mutex_unlock(&migf->lock);
	return ret;
}

static ssize_t mvf_vfio_save_read(struct file *filp, char __user *ubuf,
				  size_t len, loff_t *pos)
{
	struct mvf_vfio_mig_file *migf = filp->private_data;
	size_t done = 0;
	int ret;

	if (pos)
		return -ESPIPE;

	mutex_lock(&migf->rw_lock);
	ret = mvf_vfio_migf_usable(migf);
	while (!ret && done < len) {
		const u8 *src;
		size_t n;

		if (migf->buf_pos == MVF_REC_HDR + migf->buf_len) {
			ret = mvf_vfio_save_fill(migf);
			if (ret <= 0)
				break;
			ret = 0;
		}

		if (migf->buf_pos < MVF_REC_HDR) {
			src = (const u8 *)&migf->rec + migf->buf_pos;
			n = MVF_REC_HDR - migf->buf_pos;
		} else {
			src = migf->buf + (migf->buf_pos - MVF_REC_HDR);
			n = MVF_REC_HDR + migf->buf_len - migf->buf_pos;
		}
		n = min(n, len - done);

		/*
		 * Only @rw_lock is held: the reset path may disable the file
		 * meanwhile, but nobody else changes or frees @rec or @buf.
		 */
		if (copy_to_user(ubuf + done, src, n)) {
			ret = -EFAULT;
			break;
		}
		migf->buf_pos += n;
		migf->total += n;
		done += n;
	}
	mutex_unlock(&migf->rw_lock);

	return done ? done : ret;
}

/* Resuming: send the gathered image bytes to the device. */
static int mvf_vfio_resume_flush(struct mvf_vfio_mig_file *migf)
{
	int ret;

	lockdep_assert_held(&migf->rw_lock);

	mutex_lock(&migf->lock);
	ret = mvf_vfio_migf_usable_locked(migf);
	if (!ret && migf->buf_len) {
		ret = mvf_vf_load_chunk(migf->pf, migf->vf_id, migf->buf,
					migf->buf_len);
		if (ret < 0)
			ret = mvf_vfio_migf_cmd_failed_locked(migf, ret,
							      "LOAD_CHUNK of %zu bytes failed",
							      migf->buf_len);
		else
			migf->buf_len = 0;
	}
	mutex_unlock(&migf->lock);
	return ret < 0 ? ret : 0;
}

/* Resuming: act on a complete record header in @rec. */
static int mvf_vfio_resume_parse_header(struct mvf_vfio_mig_file *migf)
{
	u64 size = le64_to_cpu(migf->rec.size);
	u32 flags = le32_to_cpu(migf->rec.flags);
	u32 tag = le32_to_cpu(migf->rec.tag);

	lockdep_assert_held(&migf->rw_lock);

	if (size > MVF_MIG_RECORD_MAX)
		return mvf_vfio_migf_fail(migf, -ENOMEM,
					  "record tag %u of %llu bytes exceeds %u",
					  tag, size, MVF_MIG_RECORD_MAX);

	switch (tag) {
	case MVF_MIG_TAG_DEVICE_DATA:
		if (flags & ~MVF_MIG_F_OPTIONAL)
			return mvf_vfio_migf_fail(migf, -EOPNOTSUPP,
						  "device data record with unknown flags %#x",
						  flags);
		migf->rec_skip = false;
		break;
	case MVF_MIG_TAG_STOP_COPY_SIZE:
		/* A sizing hint; nothing here needs it. */
		migf->rec_skip = true;
		break;
	default:
		if (!(flags & MVF_MIG_F_OPTIONAL))
			return mvf_vfio_migf_fail(migf, -EOPNOTSUPP,
						  "unknown mandatory record tag %u",
						  tag);
		migf->rec_skip = true;
		break;
	}

	migf->rec_left = size;
	if (!size)
		migf->rec_got = 0;
	return 0;
}

static ssize_t mvf_vfio_resume_write(struct file *filp,
				     const char __user *ubuf, size_t len,
				     loff_t *pos)
{
	struct mvf_vfio_mig_file *migf = filp->private_data;
	size_t done = 0;
	int ret;

	if (pos)
		return -ESPIPE;

	mutex_lock(&migf->rw_lock);
	ret = mvf_vfio_migf_usable(migf);
	while (!ret && done < len) {
		size_t n;

		if (migf->rec_got < MVF_REC_HDR) {
			n = min(len - done, MVF_REC_HDR - migf->rec_got);
			if (copy_from_user((u8 *)&migf->rec + migf->rec_got,
					   ubuf + done, n)) {
				ret = -EFAULT;
				break;
			}
			migf->rec_got += n;
			migf->total += n;
			done += n;
			if (migf->rec_got == MVF_REC_HDR)
				ret = mvf_vfio_resume_parse_header(migf);
			continue;
		}

		/* n <= len - done, so it fits a size_t. */
		n = min_t(u64, len - done, migf->rec_left);
		if (!migf->rec_skip) {
			n = min(n, migf->chunk - migf->buf_len);
			if (copy_from_user(migf->buf + migf->buf_len,
					   ubuf + done, n)) {
				ret = -EFAULT;
				break;
			}
			migf->buf_len += n;
		}
		migf->rec_left -= n;
		migf->total += n;
		done += n;
		if (!migf->rec_left)
			migf->rec_got = 0;
		if (migf->buf_len == migf->chunk)
			ret = mvf_vfio_resume_flush(migf);
	}
	mutex_unlock(&migf->rw_lock);

	/* A fault is the caller's to retry; anything else killed the stream. */
	if (ret == -EFAULT && done)
		return done;
	return ret ? ret : done;
}

static int mvf_vfio_mig_file_release(struct inode *inode, struct file *filp)
{
	struct mvf_vfio_mig_file *migf = filp->private_data;

	/*
	 * Last reference: the FSM dropped its own after ending the session
	 * (or never started one), so nothing can reach @migf any more.
	 */
	mutex_destroy(&migf->rw_lock);
	mutex_destroy(&migf->lock);
	kvfree(migf->buf);
	kfree(migf);
	return 0;
}

static const struct file_operations mvf_vfio_save_fops = {
	.owner = THIS_MODULE,
	.read = mvf_vfio_save_read,
	.release = mvf_vfio_mig_file_release,
};

static const struct file_operations mvf_vfio_resume_fops = {
	.owner = THIS_MODULE,
	.write = mvf_vfio_resume_write,
	.release = mvf_vfio_mig_file_release,
};

/**
 * mvf_vfio_mig_file_alloc - create a data_fd file, no device session yet
 * @mvdev: the VF
 * @type: saving or resuming
 *
 * Allocates the file, its state and a GFP_KERNEL_ACCOUNT buffer of one
 * chunk.  Sends no admin command.
 * Called with @mvdev->state_mutex held.
 *
 * Return: the file holding one reference (for userspace), or
 * ERR_PTR(-ENOMEM), ERR_PTR(-EIO) if the PF reports no chunk size, or the
 * error of anon_inode_getfile().
 */
struct mvf_vfio_mig_file *
mvf_vfio_mig_file_alloc(struct mvf_vfio_pci_device *mvdev,
			enum mvf_vfio_migf_type type)
{
	bool save = type == MVF_VFIO_MIGF_SAVE;
	struct mvf_vfio_mig_file *migf;
	struct file *filp;
	size_t chunk;
	int ret;

	chunk = mvf_vfio_chunk_size(mvdev->pf);
	if (!chunk)
		return ERR_PTR(-EIO);

	migf = kzalloc_obj(*migf, GFP_KERNEL_ACCOUNT);
	if (!migf)
		return ERR_PTR(-ENOMEM);

	migf->buf = kvmalloc(chunk, GFP_KERNEL_ACCOUNT);
	if (!migf->buf) {
		ret = -ENOMEM;
		goto err_free;
	}

	migf->type = type;
	migf->pf = mvdev->pf;
	migf->vf_id = mvdev->vf_id;
	migf->dev = mvf_vfio_dev(mvdev);
	migf->chunk = chunk;
	/* Saving: no record yet, the current (empty) one is all read. */
	migf->buf_pos = save ? MVF_REC_HDR : 0;
	mutex_init(&migf->lock);
	mutex_init(&migf->rw_lock);

	filp = anon_inode_getfile("mvf_vfio_mig",
				  save ? &mvf_vfio_save_fops :
					 &mvf_vfio_resume_fops,
				  migf, save ? O_RDONLY : O_WRONLY);
	if (IS_ERR(filp)) {
		ret = PTR_ERR(filp);
		goto err_destroy;
	}
	migf->filp = filp;
	stream_open(filp->f_inode, filp);
	return migf;

err_destroy:
	mutex_destroy(&migf->rw_lock);
	mutex_destroy(&migf->lock);
	kvfree(migf->buf);
err_free:
	kfree(migf);
	return ERR_PTR(ret);
}

/**
 * mvf_vfio_mig_file_put - drop a reference on a data_fd file
 * @migf: the file; freed (release()) when this was the last reference
 */
void mvf_vfio_mig_file_put(struct mvf_vfio_mig_file *migf)
{
	fput(migf->filp);
}

/**
 * mvf_vfio_save_file_start - open the device save session of a file
 * @migf: a saving file from mvf_vfio_mig_file_alloc(), not yet published
 * @mode: MVF_SAVE_MODE_*
 * @image_bytes: the device's estimate of its image size, bytes; sent to
 *               the reader in the optional STOP_COPY_SIZE record
 *
 * Called with the device's state_mutex held.
 *
 * Return: 0, or the errno of the SAVE_START admin command (see
 * mvf_core.h, e.g. -EBUSY if the VF is not stopped or already saving).
 */
int mvf_vfio_save_file_start(struct mvf_vfio_mig_file *migf, u32 mode,
			     u64 image_bytes)
{
	struct mvf_vfio_stop_copy_size *hint = (void *)migf->buf;
	int ret;

	mutex_lock(&migf->lock);
	ret = mvf_vf_save_start(migf->pf, migf->vf_id, mode);
	if (!ret)
		migf->session = true;
	mutex_unlock(&migf->lock);
	if (ret)
		return ret;

	/* No reader yet: the file is not installed in any fd table. */
	mutex_lock(&migf->rw_lock);
	migf->rec.size = cpu_to_le64(sizeof(*hint));
	migf->rec.flags = cpu_to_le32(MVF_MIG_F_OPTIONAL);
	migf->rec.tag = cpu_to_le32(MVF_MIG_TAG_STOP_COPY_SIZE);
	hint->image_bytes = cpu_to_le64(image_bytes);
	migf->buf_len = sizeof(*hint);
	migf->buf_pos = 0;
	mutex_unlock(&migf->rw_lock);
	return 0;
}

/**
 * mvf_vfio_resume_file_start - open the device load session of a file
 * @migf: a resuming file from mvf_vfio_mig_file_alloc(), not yet published
 *
 * Called with the device's state_mutex held.
 *
 * Return: 0, or the errno of the LOAD_START admin command (see
 * mvf_core.h, e.g. -EBUSY if the VF is not stopped or already loading).
 */
int mvf_vfio_resume_file_start(struct mvf_vfio_mig_file *migf)
{
	int ret;

	mutex_lock(&migf->lock);
	ret = mvf_vf_load_start(migf->pf, migf->vf_id);
	if (!ret)
		migf->session = true;
	mutex_unlock(&migf->lock);
	return ret;
}

/**
 * mvf_vfio_resume_file_finish - complete a resume (RESUMING -> STOP)
 * @migf: the resuming file
 *
 * Waits for a write() in progress, checks that the stream ended on a
 * record boundary, sends the gathered image bytes (LOAD_CHUNK) and commits
 * the image (LOAD_END).  On any failure the VF keeps its previous state:
 * LOAD_END closes the session itself, any earlier failure drops it with
 * LOAD_ABORT.  Disables the file in every case.  Called with the device's
 * state_mutex held; takes the file's @rw_lock, so never from the reset
 * path.
 *
 * Return: 0 if the device loaded the image; the sticky errno of an earlier
 * write() (see mvf_vfio_resume_write()); -EINVAL if the stream stops
 * inside a record; the errno of LOAD_CHUNK or LOAD_END (-EINVAL for a
 * truncated, corrupt or inconsistent image, -EOPNOTSUPP for an image of
 * another version or device configuration, see mvf_core.h); -ENODEV if the
 * file was already disabled.
 */
int mvf_vfio_resume_file_finish(struct mvf_vfio_mig_file *migf)
{
	int ret;

	mutex_lock(&migf->rw_lock);
	ret = mvf_vfio_migf_usable(migf);
	if (!ret && migf->rec_got) {
		dev_dbg(migf->dev,
			"resume stream ends inside a record: %zu of %zu header bytes, %llu payload bytes missing\n",
			migf->rec_got, MVF_REC_HDR,
			migf->rec_got == MVF_REC_HDR ? migf->rec_left : 0);
		ret = -EINVAL;
	}
	if (!ret)
		ret = mvf_vfio_resume_flush(migf);

	mutex_lock(&migf->lock);
	if (!ret)
		ret = mvf_vfio_migf_usable_locked(migf);
	if (!ret) {
		/* LOAD_END closes the session whatever its outcome. */
		ret = mvf_vf_load_end(migf->pf, migf->vf_id);
		migf->session = false;
	}
	if (ret && migf->session) {
		int err = mvf_vf_load_abort(migf->pf, migf->vf_id);

		if (err)
			dev_dbg(migf->dev, "LOAD_ABORT: %pe\n", ERR_PTR(err));
	}
	migf->session = false;
	migf->disabled = true;
	mutex_unlock(&migf->lock);
	mutex_unlock(&migf->rw_lock);
	return ret;
}

/**
 * mvf_vfio_mig_file_end - disable a data_fd and end its device session
 * @migf: the file
 *
 * Waits for an admin command of the file that is in flight, marks the file
 * disabled (later read()/write() return -ENODEV) and ends the device
 * session: SAVE_END for a saving file, LOAD_ABORT for a resuming one.
 * Takes only @migf->lock, so the reset path may call it.  Called with the
 * device's state_mutex held.
 *
 * Return: 0, or the errno of the admin command that ended the session.
 */
int mvf_vfio_mig_file_end(struct mvf_vfio_mig_file *migf)
{
	int ret = 0;

	mutex_lock(&migf->lock);
	if (migf->session) {
		if (migf->type == MVF_VFIO_MIGF_SAVE)
			ret = mvf_vf_save_end(migf->pf, migf->vf_id);
		else
			ret = mvf_vf_load_abort(migf->pf, migf->vf_id);
		migf->session = false;
	}
	migf->disabled = true;
	mutex_unlock(&migf->lock);
	return ret;
}
