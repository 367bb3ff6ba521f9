// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the bzImage loader (`run --kernel FILE`): the header
 * checks, then, for an image they accept, the layout and the zero page
 * with RAM, initrd and command-line sizes taken from the input's first
 * bytes (so the fuzzer reaches the placement checks too).
 */
#include <string.h>

#include "fuzz.h"
#include "linux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linux_plan_in in = { .acpi_gpa = LINUX_ACPI_GPA, .himem_start = 1ULL << 20 };
	struct linux_layout l;
	struct linux_image img;
	uint8_t zp[4096];
	char err[256];
	uint32_t knobs = 0;

	if (linux_parse(data, size, &img, err, sizeof(err)))
		return 0;
	/* Bytes 0-3 (in the boot sector, which the loader ignores) pick the sizes. */
	memcpy(&knobs, data, sizeof(knobs));
	in.ram_size = (8ULL + (knobs & 0xfff)) << 20;
	in.initrd_size = (uint64_t)((knobs >> 12) & 0x3ff) << 18;
	in.cmdline_len = 1 + ((knobs >> 22) & 0xfff);
	in.gap = knobs & 0x80000000u ? 64ULL << 20 : 0;
	if (knobs & 0x40000000u)
		in.himem_start = 6ULL << 20;
	if (linux_plan(&img, &in, &l, err, sizeof(err)))
		return 0;
	linux_zero_page(&img, &l, zp);
	return 0;
}
