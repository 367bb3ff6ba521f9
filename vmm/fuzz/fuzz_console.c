// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the virtio console behind the virtio-mmio transport,
 * driven by a hostile guest.  The input is the guest: its first 4 KiB are
 * guest memory at 0x1000 (rings and buffers wherever its registers put
 * them), the rest a sequence of register accesses, 6 bytes each: a read
 * or write bit and a register word (0x000-0x1fc), then a 32-bit value.
 * Output goes to /dev/null; the console has no input.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "fuzz.h"
#include "guestmem.h"
#include "util.h"
#include "virtio_console.h"

#define RAM 0x10000u
#define BASE 0xd0000000ULL
#define MEM_AT 0x1000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static int null_fd = -1;
	struct guest_mem gm = { 0 };
	struct bus bus = { .name = "mmio" };
	struct vcon con;
	size_t mem_len = size < 4096 ? size : 4096;

	if (!ram && !(ram = malloc(RAM)))
		return 0;
	if (null_fd < 0 && (null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		return 0;
	log_level = LOG_SILENT; /* a hostile guest makes the console complain */
	memset(ram, 0, RAM);
	memcpy(ram + MEM_AT, data, mem_len);
	gm.hva = ram;
	gm.size = RAM;
	gm.shared_gpa = 0;
	gm.shared_size = RAM;
	gm.encrypted = size & 1;
	if (vcon_init(&con, &gm, BASE, null_fd, -1))
		return 0;
	if (bus_register(&bus, vcon_bus_dev(&con)) == 0) {
		for (size_t i = mem_len; i + 6 <= size; i += 6) {
			uint64_t off = (uint64_t)(data[i + 1] & 0x7f) * 4;
			uint32_t v;

			memcpy(&v, data + i + 2, 4);
			if (data[i] & 1)
				FUZZ_IGNORE(bus_write(&bus, BASE + off, &v, 4));
			else
				FUZZ_IGNORE(bus_read(&bus, BASE + off, &v, 4));
		}
	}
	vcon_destroy(&con);
	return 0;
}
