/* SPDX-License-Identifier: MIT */
/*
 * A throw-away VM for capability probes: one vCPU in 64-bit mode at CPL 0
 * running a few bytes of code, with a GDT, an identity map of the first
 * 2 MiB and one more 2 MiB page at linear KPROBE_HIGH_VA mapped to a
 * physical address the caller chooses.  Every KVM_RUN is bounded: a probe
 * guest that hangs the KVM it runs on is reported, not waited out.
 *
 * Used by the VMM (kvm_info.c: can this KVM deliver a guest #BP?) and by
 * the SEV model (does this KVM do what the model relies on?).  The ioctl
 * to call is a parameter because the model must reach the real KVM, not
 * its own interposer.
 */
#ifndef MINISEV_KVM_PROBE_H
#define MINISEV_KVM_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "util.h"

typedef int (*kprobe_ioctl_fn)(int fd, unsigned long req, ...);

#define KPROBE_MEM_SIZE 0x200000ULL
#define KPROBE_GDT_GPA 0x5000ULL
#define KPROBE_IDT_GPA 0x6000ULL
#define KPROBE_STACK_TOP 0x8000ULL
#define KPROBE_CODE_GPA 0x8000ULL
#define KPROBE_HIGH_VA 0x40000000ULL
#define KPROBE_CODE_SEL 0x08

struct kprobe {
	kprobe_ioctl_fn ioctl;
	int vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem; /* KPROBE_MEM_SIZE bytes at GPA 0 */
	char why[120]; /* what failed, for the caller's message */
};

/*
 * Create the VM and its vCPU, load `code` at KPROBE_CODE_GPA and point
 * RIP at it.  `high_gpa` is where linear KPROBE_HIGH_VA maps (2 MiB
 * aligned; the caller adds a memslot there if it wants one).  Returns 0 or
 * -errno with p->why set; on failure nothing is left open.
 */
int __must_check kprobe_open(struct kprobe *p, int kvm_fd, kprobe_ioctl_fn fn, uint64_t high_gpa,
			     const void *code, size_t len);
/* An interrupt gate for `vector` to code offset `off` (the IDT is loaded). */
void kprobe_set_gate(struct kprobe *p, unsigned int vector, size_t off);
/*
 * One KVM_RUN, ended after `timeout_ms` if the guest gives no exit.
 * Returns 0 (run->exit_reason says what happened), -ETIMEDOUT, or -errno.
 */
int __must_check kprobe_run(struct kprobe *p, unsigned int timeout_ms);
/* The vCPU's RIP as a code offset, for messages; ~0 when unreadable. */
uint64_t kprobe_rip(struct kprobe *p);
void kprobe_close(struct kprobe *p);

#endif /* MINISEV_KVM_PROBE_H */
