/* SPDX-License-Identifier: MIT */
/*
 * The measured-boot verifier: Linux under SEV and SEV-ES (see
 * struct minisev_linux_desc in include/minisev/abi.h for the handoff).
 * The checks are pure functions, tested on the host
 * (firmware/tests/test_fw_verifier.c); linux_boot() does the copying, the
 * page-table changes and the jump.
 */
#ifndef FW_VERIFIER_H
#define FW_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "minisev/abi.h"

/* A range of guest-physical memory the blobs must stay clear of. */
struct fw_range {
	uint64_t start, size;
};

#define LINUX_MAX_KEEP_OUT 6

struct linux_limits {
	uint64_t ram_size;
	unsigned int nr_keep_out;
	struct fw_range keep_out[LINUX_MAX_KEEP_OUT];
};

/*
 * Check a copy of the descriptor against RAM and the keep-out ranges:
 * NULL when every blob's source lies in the staging area and every
 * destination in RAM, clear of the keep-out ranges, the staging area and
 * each other; else why not (into err).
 */
const char *linux_desc_check(const struct minisev_linux_desc *d, const struct linux_limits *lim,
			     char *err, size_t errlen);

/* The hashes the measured table holds (QEMU's layout, as OVMF parses it). */
struct linux_hashes {
	uint8_t cmdline[32], initrd[32], kernel[32];
};

/* Parse the 176-byte table: NULL, or why it is not a table OVMF would accept. */
const char *linux_table_parse(const void *table, struct linux_hashes *h);

/*
 * Check the verified kernel copy's header and find its entry: the 64-bit
 * entry of the protected-mode part, which must sit at the kernel's
 * alignment, its init_size clear of the other blobs.  NULL, or why not.
 */
const char *linux_kernel_entry(const uint8_t *k, uint64_t size, uint64_t dst,
			       const struct minisev_linux_desc *d, uint64_t ram_size,
			       uint64_t *entry, char *err, size_t errlen);

/*
 * Write over the zero-page template: the verified kernel's setup header,
 * then the addresses of the verified copies.
 */
void linux_zero_page_patch(uint8_t *zp, const uint8_t *kernel, const struct minisev_linux_desc *d);

/* Firmware only: verify, then enter the kernel; never returns. */
void __attribute__((noreturn)) linux_boot(void);

#endif /* FW_VERIFIER_H */
