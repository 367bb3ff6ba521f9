/* SPDX-License-Identifier: MIT */
/*
 * Which KVM is behind /dev/kvm, and what it can do.  The same VMM runs on
 * kvm_amd (what SEV users have), kvm_intel, and software KVMs such as PVM
 * (kvm_pvm: "pagetable-based" virtualization without SVM or VMX), which
 * run plain guests but emulate what hardware would deliver, and do not
 * emulate everything.  Knowing which one runs is what turns a mysterious
 * emulation failure into a message that says what to do.
 */
#ifndef MINISEV_KVM_INFO_H
#define MINISEV_KVM_INFO_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

enum kvm_impl { KVM_IMPL_UNKNOWN, KVM_IMPL_AMD, KVM_IMPL_INTEL, KVM_IMPL_PVM };

/* A capability probe's answer. */
enum kvm_probe_result { KVM_PROBE_NOT_RUN, KVM_PROBE_YES, KVM_PROBE_NO };

struct kvm_info {
	enum kvm_impl impl;
	const char *name; /* "kvm_amd", "kvm_intel", "PVM", "unknown" */
	const char *module; /* the module behind it, as in /sys/module */
	bool hw_virt; /* SVM or VMX: the CPU runs the guest */
	bool ambiguous; /* more than one vendor module present */
	char under[13]; /* CPUID 0x40000000 signature of our own hypervisor, "" on bare metal */
	char sev_param[8], sev_es_param[8]; /* kvm_amd.sev, .sev_es; "" when absent */
	bool dev_sev; /* /dev/sev exists */
	int vm_types; /* KVM_CAP_VM_TYPES (0 before 6.10) */

	/* Probes (kvm_info_probe_bp()). */
	enum kvm_probe_result bp; /* a guest int3 reaches the guest's #BP handler */
	char bp_detail[160]; /* what the probe saw when it did not */
};

/* Identify the KVM behind kvm_fd: sysfs, CPUID and capabilities, no guest. */
void kvm_info_read(int kvm_fd, struct kvm_info *ki);
/*
 * Run a probe guest that executes int3 under an IDT: does #BP reach its
 * handler?  PVM answers no (KVM_EXIT_INTERNAL_ERROR, emulation failed).
 * Bounded in time.  Returns ki->bp.
 */
enum kvm_probe_result kvm_info_probe_bp(int kvm_fd, struct kvm_info *ki);
/* One line for people: "PVM (kvm_pvm, software virtualization, ...)". */
void kvm_info_describe(const struct kvm_info *ki, char *buf, size_t len);
/* A JSON object (no trailing newline) for --timings and --launch-info. */
void kvm_info_json(const struct kvm_info *ki, char *buf, size_t len);

/* `minisev kvm-info [--json]`: identify, probe, print. */
int kvm_info_main(int argc, char **argv);

#endif /* MINISEV_KVM_INFO_H */
