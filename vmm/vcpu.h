/* SPDX-License-Identifier: MIT */
/* vCPUs: creation, CPUID, the 64-bit entry state, and their threads. */
#ifndef MINISEV_VCPU_H
#define MINISEV_VCPU_H

#include "boot.h"
#include "vm.h"

/*
 * Create vCPU `id`, map its kvm_run, give it CPUID and the entry state `e`
 * (runnable at once), or with `e` NULL leave it as KVM made it: an AP that
 * waits for the guest's INIT-SIPI-SIPI.
 */
int __must_check vcpu_create(struct vm *vm, unsigned int id, const struct boot_entry *e);
/* Start one thread per vCPU running vcpu_loop(). */
int __must_check vcpu_start_all(struct vm *vm);
/* Join every vCPU thread; -ETIMEDOUT when one stays in KVM_RUN though kicked. */
int __must_check vcpu_join_all(struct vm *vm);
/* Kick every vCPU out of KVM_RUN (vm_end() calls it). */
void vcpu_kick_all(struct vm *vm);
void vcpu_destroy_all(struct vm *vm);

/* Print RIP, RSP, CR2, CR3, ... when the state is readable; else say so. */
void vcpu_dump(struct vcpu *vcpu);

#endif /* MINISEV_VCPU_H */
