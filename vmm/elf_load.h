/* SPDX-License-Identifier: MIT */
/* Loading the firmware ELF into guest memory, every segment checked. */
#ifndef MINISEV_ELF_LOAD_H
#define MINISEV_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "guestmem.h"

#define ELF_MAX_SEGS 16

struct elf_segment {
	uint64_t gpa;
	uint64_t offset; /* in the file */
	uint64_t filesz; /* bytes copied from the file (measured under SEV) */
	uint64_t memsz; /* filesz plus the zero-filled tail */
	uint32_t flags; /* PF_R/PF_W/PF_X */
};

struct elf_image {
	uint64_t entry;
	uint64_t lo, hi; /* [lo, hi) covers every segment's memsz */
	unsigned int nr_segs;
	struct elf_segment segs[ELF_MAX_SEGS]; /* sorted by gpa */
};

/*
 * Check the image in buf[0..len) and copy it into `gm`.  Every PT_LOAD
 * segment must lie inside [min, limit), inside the file, and apart from
 * the others; the entry point must be in an executable segment.  Nothing
 * is written to guest memory unless the whole image passes.  On error,
 * returns -EINVAL (or -ENOMEM) with the reason in err.
 */
int __must_check elf_load(const struct guest_mem *gm, const void *buf, size_t len, uint64_t min,
			  uint64_t limit, struct elf_image *img, char *err, size_t errlen);

#endif /* MINISEV_ELF_LOAD_H */
