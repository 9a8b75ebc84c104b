// SPDX-License-Identifier: GPL-2.0
/*
 * Seeds for fuzz_stream: real device images (the fuzz_image seeds, saved
 * from the emulator's VF) framed as the driver's saving data_fd frames
 * them (src/vfio/file.c: the optional STOP_COPY_SIZE record, then one
 * DEVICE_DATA record per SAVE_CHUNK), and reframed as a resuming data_fd
 * also accepts them (1-byte records, unknown optional records).
 *
 *   ./gen_stream_seeds IMAGE_DIR OUT_DIR
 * Each IMAGE_DIR file is one control byte and an image (fuzz_image's
 * input); each OUT_DIR file is fuzz_stream's input: 2 control bytes, then
 * the stream.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mvf_stream.h"

struct out {
	FILE *f;
	size_t len;
};

static void emit(struct out *o, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, o->f) != n) {
		perror("gen_stream_seeds: write");
		exit(1);
	}
	o->len += n;
}

static void record(struct out *o, uint32_t tag, uint32_t flags, const void *p,
		   size_t n)
{
	struct mvf_mig_record h = {
		.size = htole64(n), .flags = htole32(flags), .tag = htole32(tag),
	};

	emit(o, &h, sizeof(h));
	emit(o, p, n);
}

/*
 * One seed: @img framed in @chunk-byte DEVICE_DATA records after the
 * size hint; @odd: the first 64 bytes in 1-byte records and an unknown
 * optional record in the middle.
 */
static void seed(const char *dir, const char *name, const uint8_t *img,
		 size_t len, size_t chunk, bool odd, uint8_t seg, uint8_t ck)
{
	uint64_t hint = htole64(len + 24 + (len + chunk - 1) / chunk * 16);
	char path[512];
	struct out o = { 0 };
	size_t off = 0, n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	o.f = fopen(path, "wb");
	if (!o.f) {
		fprintf(stderr, "gen_stream_seeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	emit(&o, &seg, 1);
	emit(&o, &ck, 1);
	record(&o, MVF_MIG_TAG_STOP_COPY_SIZE, MVF_MIG_F_OPTIONAL, &hint, sizeof(hint));
	while (off < len) {
		n = odd && off < 64 ? 1 : chunk;
		if (n > len - off)
			n = len - off;
		if (odd && off == 64)
			record(&o, 0x7001, MVF_MIG_F_OPTIONAL, "opt", 3);
		record(&o, MVF_MIG_TAG_DEVICE_DATA, 0, img + off, n);
		off += n;
	}
	if (fclose(o.f)) {
		perror("gen_stream_seeds: close");
		exit(1);
	}
	printf("fuzz_stream/%s: %zu bytes\n", name, o.len);
}

int main(int argc, char **argv)
{
	static uint8_t img[1 << 20];
	char path[512], name[300];
	struct dirent *e;
	size_t len;
	FILE *f;
	DIR *d;

	if (argc != 3) {
		fprintf(stderr, "usage: gen_stream_seeds IMAGE_DIR OUT_DIR\n");
		return 2;
	}
	d = opendir(argv[1]);
	if (!d) {
		fprintf(stderr, "gen_stream_seeds: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	mkdir(argv[2], 0755);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		len = fread(img, 1, sizeof(img), f);
		fclose(f);
		if (len < 2)
			continue;
		/* Skip fuzz_image's control byte. */
		snprintf(name, sizeof(name), "%s-4k", e->d_name);
		seed(argv[2], name, img + 1, len - 1, 4096, false, 0, 255);
		snprintf(name, sizeof(name), "%s-odd", e->d_name);
		seed(argv[2], name, img + 1, len - 1, 3000, true, 7, 63);
	}
	closedir(d);
	return 0;
}
