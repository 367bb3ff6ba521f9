// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: a split virtqueue whose guest memory (descriptors,
 * available ring, the used ring's index) is the input: a hostile guest.
 * The VMM pops and completes every chain it is offered, as the console
 * does, and must neither read outside guest memory nor loop.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "guestmem.h"
#include "util.h"
#include "virtq.h"

#define RAM 0x10000u
#define DESC_GPA 0x1000u
#define AVAIL_GPA 0x2000u
#define USED_GPA 0x3000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	struct guest_mem gm = { 0 };
	struct virtq_chain ch;
	struct virtq vq;
	int guard = 0;

	if (size < 2 || (!ram && !(ram = malloc(RAM))))
		return 0;
	log_level = LOG_SILENT; /* each broken ring is reported */
	/* The first byte: the queue size (a power of two up to 256), SEV or not. */
	memset(ram, 0, RAM);
	memcpy(ram + DESC_GPA, data + 1, size - 1 < RAM - DESC_GPA ? size - 1 : RAM - DESC_GPA);
	gm.hva = ram;
	gm.size = RAM;
	/* All of it shared, as under SEV the window is: the rings may be anywhere. */
	gm.shared_gpa = 0;
	gm.shared_size = RAM;
	gm.encrypted = data[0] & 0x80;
	virtq_init(&vq, &gm, "fuzz", 256);
	vq.num = 1u << ((data[0] & 0x7f) % 9);
	vq.desc_gpa = DESC_GPA;
	vq.avail_gpa = AVAIL_GPA;
	vq.used_gpa = USED_GPA;
	if (virtq_enable(&vq))
		return 0;
	while (guard++ < 1024 && virtq_pop(&vq, &ch) > 0)
		FUZZ_IGNORE(virtq_push(&vq, ch.head, 1));
	return 0;
}
