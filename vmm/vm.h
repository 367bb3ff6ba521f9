/* SPDX-License-Identifier: MIT */
/*
 * The virtual machine: KVM file descriptors, guest memory, buses, vCPUs
 * and the state that ends a run.  One per process.
 */
#ifndef MINISEV_VM_H
#define MINISEV_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "minisev/abi.h"
#include "bus.h"
#include "guestmem.h"
#include "kvm_info.h"
#include "timings.h"
#include "util.h"

struct vm;
struct vcon;
struct launch;

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	/*
	 * Set once LAUNCH_UPDATE_VMSA has encrypted this vCPU's state: from
	 * then on register ioctls fail (typed SEV-ES VMs) or lie (legacy),
	 * so diagnostics must not call them.
	 */
	bool state_protected;
	/* Exits taken, by reason, for the -v summary. */
	uint64_t nr_exits;
};

/* Why a run ended; the first reason recorded wins. */
enum vm_end {
	VM_RUNNING = 0,
	VM_END_VERDICT, /* guest wrote the exit port or asked to terminate */
	VM_END_GUEST_ERROR, /* guest misbehaved: triple fault, bad device use */
	VM_END_VMM_ERROR, /* KVM or VMM failure */
	VM_END_TIMEOUT,
	VM_END_SIGNAL,
};

struct vm {
	int kvm_fd;
	int vm_fd;
	int run_size; /* KVM_GET_VCPU_MMAP_SIZE */
	unsigned long vm_type;
	uint64_t entry; /* the firmware's entry point, every vCPU's RIP */

	struct guest_mem gm;

	struct bus pio;
	struct bus mmio;

	unsigned int nr_vcpus;
	struct vcpu vcpus[MINISEV_MAX_VCPUS];
	struct kvm_cpuid2 *cpuid; /* what every vCPU gets */
	struct kvm_info kvm_info; /* which KVM this is, what its probes found */

	struct vcon *console;
	struct serial *serial; /* COM1, Linux guests only */
	struct pm_dev *pm; /* ACPI poweroff and reset ports, Linux guests only */
	/*
	 * A Linux guest, which probes legacy ports and devices that are not
	 * there (8042, CMOS, PCI config, other UARTs): reads of nothing give
	 * all ones and writes vanish, as on a PC.  The firmware gets no such
	 * leniency: an access to nothing ends its run.
	 */
	bool linux_guest;
	struct launch *launch; /* NULL without SEV */
	atomic_uint vcpu_hellos;
	atomic_uint running_vcpus; /* vCPU threads not yet returned */

	/* End of the run. */
	pthread_mutex_t end_lock;
	atomic_int end; /* enum vm_end */
	int status; /* MINISEV_STATUS_* to exit with */
	int end_efd; /* eventfd the main loop waits on */
	int input_efd; /* eventfd: the console has room for input again */

	struct timings *timings;
	_Atomic uint64_t t_first_run_ns; /* first KVM_RUN entered by any vCPU */
	_Atomic uint64_t last_exit_ns; /* latest return from KVM_RUN, any vCPU */
	bool stalled; /* the run ended because no exit came (--stall) */
};

/*
 * Record the end of the run (first caller wins), wake the main loop and
 * kick every vCPU out of KVM_RUN.  Safe from any thread.
 */
void vm_end(struct vm *vm, enum vm_end why, int status);
static inline bool vm_ended(struct vm *vm)
{
	return atomic_load(&vm->end) != VM_RUNNING;
}

#endif /* MINISEV_VM_H */
