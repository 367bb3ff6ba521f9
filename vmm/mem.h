/* SPDX-License-Identifier: MIT */
/* Guest RAM: allocation, pinning and the KVM memslot. */
#ifndef MINISEV_MEM_H
#define MINISEV_MEM_H

#include "vm.h"

/*
 * Map `size` bytes of anonymous guest RAM, pin it with mlock when
 * `lock` (SEV pins through KVM_MEMORY_ENCRYPT_REG_REGION instead, and
 * both count against the same RLIMIT_MEMLOCK), and register it as
 * memslot 0 at GPA 0.  Returns 0 or -errno, with a message that says
 * what to raise.
 */
int __must_check mem_init(struct vm *vm, uint64_t size, bool lock);
void mem_exit(struct vm *vm);

/* "256 MiB", "1.5 GiB": for messages. */
const char *mem_human(uint64_t bytes, char *buf, size_t len);

#endif /* MINISEV_MEM_H */
