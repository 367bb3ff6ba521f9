/* SPDX-License-Identifier: MIT */
/*
 * sevsim's check of the KVM under it.  The model is built on a handful of
 * KVM behaviours that kvm_amd and kvm_intel have and another KVM may not
 * (PVM does not): run before the first SEV command of a VM, in a
 * throw-away probe VM (vmm/kvm_probe.h), so that a KVM that cannot carry
 * the model is refused with the mechanism's name instead of running a
 * guest that can only hang.
 */
#ifndef MINISEV_SEVSIM_SELFCHECK_H
#define MINISEV_SEVSIM_SELFCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "kvm_probe.h"

/* The process exit status when the model refuses this KVM. */
#define SEVSIM_EXIT_UNSUPPORTED 5

/*
 * Checks, in order, each with a name for messages:
 *   msr-exit        RDMSR of SEV_STATUS and WRMSR of the GHCB MSR exit to
 *                   user space through KVM_X86_SET_MSR_FILTER
 *   alias-memslot   a memslot at 1 << 47 (the private alias above the
 *                   C-bit) is reachable from the guest's page tables
 *   immediate-exit  a KVM_RUN with immediate_exit completes a pending IN
 *                   without entering the guest (RIP past it, AL loaded)
 * and with `es`:
 *   msr-deny        every other MSR exits too (KVM_MSR_FILTER_DEFAULT_DENY)
 *   vmgexit         VMGEXIT (rep; vmmcall) returns to the guest as a
 *                   VMMCALL with RAX clobbered
 * Returns 0 when all of them work, else -1 with `why` naming the first
 * that does not and what was seen.  Each KVM_RUN is bounded.
 */
int sim_selfcheck(int kvm_fd, kprobe_ioctl_fn fn, bool es, char *why, size_t len);

/*
 * The MSR filter the model runs with: SEV_STATUS and the GHCB MSR exit to
 * user space; with `es` every other MSR too.  Returns 0 or -errno.
 */
int sim_enable_msr_exits(kprobe_ioctl_fn fn, int vm_fd, bool es);

/*
 * The model's own ranges of an MSR filter, first in any filter it
 * installs (KVM takes the first range that matches): SEV_STATUS and the
 * GHCB MSR exit; with `es` the MSRs an SEV-ES guest reaches without #VC
 * pass.  Fills r[0..] (six ranges at most); returns how many.
 */
uint32_t sim_model_msr_ranges(struct kvm_msr_filter_range *r, bool es);

#endif /* MINISEV_SEVSIM_SELFCHECK_H */
