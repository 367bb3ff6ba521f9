// SPDX-License-Identifier: MIT
#include <stdint.h>
#include <unistd.h>

#include "vcpu.h"
#include "virtio_console.h"
#include "vm.h"

void vm_end(struct vm *vm, enum vm_end why, int status)
{
	int expected = VM_RUNNING;
	uint64_t one = 1;

	pthread_mutex_lock(&vm->end_lock);
	if (atomic_compare_exchange_strong(&vm->end, &expected, why))
		vm->status = status;
	pthread_mutex_unlock(&vm->end_lock);
	if (vm->end_efd >= 0 && write(vm->end_efd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow from a handful of writes. */
	}
	/* A vCPU blocked writing console output must not hold up the end. */
	if (vm->console)
		vcon_stop(vm->console);
	vcpu_kick_all(vm);
}
