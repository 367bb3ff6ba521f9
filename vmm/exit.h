/* SPDX-License-Identifier: MIT */
/*
 * Exit dispatch: one handler per KVM exit reason, each returning what the
 * vCPU loop does next.  Unit tests drive it with synthetic kvm_run
 * structures, no KVM needed.
 */
#ifndef MINISEV_EXIT_H
#define MINISEV_EXIT_H

#include "vm.h"

enum exit_action {
	EXIT_CONTINUE, /* re-enter the guest */
	EXIT_STOP, /* the run has ended (vm_end() was called) */
};

/* Handle vcpu->run after KVM_RUN returned 0. */
enum exit_action exit_dispatch(struct vcpu *vcpu);

#endif /* MINISEV_EXIT_H */
