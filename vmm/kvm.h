/* SPDX-License-Identifier: MIT */
/*
 * Thin, typed wrappers over the KVM ioctls the VMM uses.  Each returns 0
 * or -errno and never exits: the caller decides how loud to be.  Exit
 * reasons get names here so every message says "KVM_EXIT_SHUTDOWN", not 8.
 */
#ifndef MINISEV_KVM_H
#define MINISEV_KVM_H

#include <stdint.h>
#include <linux/kvm.h>

#include "util.h"

struct vm;

/* Open /dev/kvm and check the API version; -ENOENT when there is none. */
int __must_check kvm_open(int *kvm_fd);
/* Check the extensions the VMM cannot work without; names what is missing. */
int __must_check kvm_check_caps(int kvm_fd);
int kvm_check_extension(int fd, long cap);

int __must_check kvm_create_vm(struct vm *vm, unsigned long type);
int __must_check kvm_set_memslot(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
				 void *hva, uint32_t flags);
/* KVM_GET_SUPPORTED_CPUID into a malloc'd table. */
int __must_check kvm_get_supported_cpuid(int kvm_fd, struct kvm_cpuid2 **out);
struct kvm_cpuid_entry2 *kvm_cpuid_find(struct kvm_cpuid2 *c, uint32_t fn, uint32_t index);

const char *kvm_exit_name(uint32_t reason);

#endif /* MINISEV_KVM_H */
