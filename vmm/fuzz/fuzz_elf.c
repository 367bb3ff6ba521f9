// SPDX-License-Identifier: MIT
/* libFuzzer target: the firmware ELF loader (`run -f FILE`), into 2 MiB of RAM. */
#include <stdlib.h>
#include <string.h>

#include "elf_load.h"
#include "fuzz.h"
#include "guestmem.h"

#define RAM (2u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	struct guest_mem gm = { 0 };
	struct elf_image img;
	char err[256];

	if (!ram && !(ram = malloc(RAM)))
		return 0;
	gm.hva = ram;
	gm.size = RAM;
	FUZZ_IGNORE(elf_load(&gm, data, size, 0x1000, RAM, &img, err, sizeof(err)));
	return 0;
}
