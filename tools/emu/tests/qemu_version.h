/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VFU_VERSION request QEMU 11.1's vfio-user client sends: its
 * capabilities JSON after the 4-byte major/minor header (both 0 here: the
 * server ignores them).  Shared by the test client (client.c) and the
 * fuzz seed generator (../fuzz/gen_seeds.c), so that both speak as QEMU.
 */
#ifndef EMU_TESTS_QEMU_VERSION_H
#define EMU_TESTS_QEMU_VERSION_H

#include <stdint.h>
#include <string.h>

#define QEMU_VERSION_JSON \
	"{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576," \
	"\"pgsizes\":4096,\"max_dma_maps\":65535,\"write_multiple\":true," \
	"\"migration\":{\"pgsize\":4096,\"max_bitmap_size\":268435456}}}"

/* Bytes of the request: the header and the JSON with its NUL. */
#define QEMU_VERSION_LEN	(4 + sizeof(QEMU_VERSION_JSON))

/* Fill @req (QEMU_VERSION_LEN bytes) with the request. */
static inline void qemu_version_req(uint8_t *req)
{
	memset(req, 0, 4);
	memcpy(req + 4, QEMU_VERSION_JSON, sizeof(QEMU_VERSION_JSON));
}

#endif
