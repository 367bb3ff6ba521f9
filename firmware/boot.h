/* SPDX-License-Identifier: MIT */
/* The boot-info page: copied once, then validated (boot.c). */
#ifndef FW_BOOT_H
#define FW_BOOT_H

#include "fw.h"

/*
 * Copy the boot-info page at `gpa` into fw_boot and validate the copy.
 * Returns NULL when it is sound, else what is wrong with it.
 */
const char *boot_parse(uint64_t gpa);

/*
 * Where the console is and where its rings go.  Valid even after
 * boot_parse() failed, falling back to the fixed addresses of the ABI, so
 * that a bad boot-info page can still be reported.
 */
void boot_console(uint64_t *mmio_gpa, uint64_t *area_gpa);

/* GPA of `cpu`'s request page in the shared window. */
uint64_t boot_req_page(unsigned int cpu);

/*
 * Whether [gpa, gpa + len) lies in the shared window: the only memory the
 * firmware hands to the host (requests, virtio rings and buffers, GHCB
 * pages).  Anything else is private under SEV, and the host would see
 * ciphertext.
 */
bool boot_shared_range(uint64_t gpa, uint64_t len);

#endif /* FW_BOOT_H */
