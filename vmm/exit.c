// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "exit.h"
#include "kvm.h"
#include "vcpu.h"

typedef enum exit_action (*exit_handler_t)(struct vcpu *vcpu);

static enum exit_action guest_error(struct vcpu *vcpu)
{
	vcpu_dump(vcpu);
	vm_end(vcpu->vm, VM_END_GUEST_ERROR, MINISEV_STATUS_GUEST);
	return EXIT_STOP;
}

static enum exit_action handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	uint32_t size = run->io.size;

	/* kvm_run is ours, but check KVM's numbers before following them. */
	if (size != 1 && size != 2 && size != 4) {
		pr_err("vCPU %u: KVM_EXIT_IO with size %u", vcpu->id, size);
		return guest_error(vcpu);
	}
	if (run->io.data_offset < sizeof(*run) ||
	    run->io.data_offset >= (uint64_t)vcpu->vm->run_size ||
	    (uint64_t)run->io.count * size > vcpu->vm->run_size - run->io.data_offset) {
		pr_err("vCPU %u: KVM_EXIT_IO data outside kvm_run", vcpu->id);
		return guest_error(vcpu);
	}
	/* String I/O (REP OUTS/INS, or SEV-ES GHCB string I/O) has count > 1. */
	for (uint32_t i = 0; i < run->io.count; i++, data += size) {
		int ret = out ? bus_write(&vcpu->vm->pio, run->io.port, data, size) :
				bus_read(&vcpu->vm->pio, run->io.port, data, size);

		if (ret == -ENODEV && vcpu->vm->linux_guest) {
			if (!out)
				memset(data, 0xff, size);
			continue;
		}
		if (ret == -ENODEV) {
			pr_err("vCPU %u: %s of %u bytes at port %#x: no device there", vcpu->id,
			       out ? "OUT" : "IN", size, run->io.port);
			return guest_error(vcpu);
		}
		if (ret) {
			pr_err("vCPU %u: %s port %#x failed: %s", vcpu->id, out ? "OUT" : "IN",
			       run->io.port, strerror(-ret));
			return guest_error(vcpu);
		}
		if (vm_ended(vcpu->vm))
			return EXIT_STOP;
	}
	return EXIT_CONTINUE;
}

static enum exit_action handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint32_t len = run->mmio.len;
	uint64_t addr = run->mmio.phys_addr;
	int ret;

	if (len == 0 || len > sizeof(run->mmio.data)) {
		pr_err("vCPU %u: KVM_EXIT_MMIO with length %u", vcpu->id, len);
		return guest_error(vcpu);
	}
	ret = run->mmio.is_write ? bus_write(&vcpu->vm->mmio, addr, run->mmio.data, len) :
				   bus_read(&vcpu->vm->mmio, addr, run->mmio.data, len);
	if (ret == -ENODEV && vcpu->vm->linux_guest) {
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, len);
		return EXIT_CONTINUE;
	}
	if (ret == -ENODEV) {
		pr_err("vCPU %u: MMIO %s of %u bytes at %#llx: no device there", vcpu->id,
		       run->mmio.is_write ? "write" : "read", len, (unsigned long long)addr);
		return guest_error(vcpu);
	}
	if (ret) {
		pr_err("vCPU %u: MMIO %s at %#llx failed: %s", vcpu->id,
		       run->mmio.is_write ? "write" : "read", (unsigned long long)addr,
		       strerror(-ret));
		return guest_error(vcpu);
	}
	return vm_ended(vcpu->vm) ? EXIT_STOP : EXIT_CONTINUE;
}

static enum exit_action handle_shutdown(struct vcpu *vcpu)
{
	pr_err("vCPU %u: guest shut down (KVM_EXIT_SHUTDOWN): a triple fault, "
	       "or a fault with no usable IDT",
	       vcpu->id);
	return guest_error(vcpu);
}

static enum exit_action handle_hlt(struct vcpu *vcpu)
{
	/*
	 * Only without an in-kernel LAPIC does HLT reach us; with one it
	 * stays in KVM.  A halted vCPU with nothing to wake it is done.
	 */
	pr_debug("vCPU %u halted", vcpu->id);
	return EXIT_STOP;
}

static enum exit_action handle_fail_entry(struct vcpu *vcpu)
{
	pr_err("vCPU %u: KVM_EXIT_FAIL_ENTRY, hardware entry failure reason %#llx", vcpu->id,
	       (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
	vcpu_dump(vcpu);
	vm_end(vcpu->vm, VM_END_VMM_ERROR, MINISEV_STATUS_VMM);
	return EXIT_STOP;
}

static enum exit_action handle_internal_error(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint32_t n = run->internal.ndata;

	pr_err("vCPU %u: KVM_EXIT_INTERNAL_ERROR, suberror %u%s", vcpu->id, run->internal.suberror,
	       run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
		       " (instruction emulation failed)" :
		       "");
	if (n > ARRAY_SIZE(run->internal.data))
		n = ARRAY_SIZE(run->internal.data);
	for (uint32_t i = 0; i < n; i++)
		pr_err("  data[%u] = %#llx", i, (unsigned long long)run->internal.data[i]);
	return guest_error(vcpu);
}

/* What the firmware's own termination codes mean, where the VMM can say more. */
static const char *term_reason(unsigned int set, unsigned int code)
{
	if (set != MINISEV_TERM_SET)
		return "";
	switch (code) {
	case MINISEV_TERM_LINUX_KERNEL:
		return ": the verifier refused the kernel, which differs from the measured hash";
	case MINISEV_TERM_LINUX_INITRD:
		return ": the verifier refused the initrd, which differs from the measured hash";
	case MINISEV_TERM_LINUX_CMDLINE:
		return ": the verifier refused the command line, which differs from the measured "
		       "hash";
	default:
		return "";
	}
}

static enum exit_action handle_system_event(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint64_t d0 = run->system_event.ndata ? run->system_event.data[0] : 0;

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SEV_TERM:
		/*
		 * GHCB termination request (GHCB spec 2.0, 4.1.13): with the
		 * MSR protocol data[0] is the raw MSR, reason set in bits
		 * 15:12 and reason code in 23:16.  Set 0 code 0 is our pass.
		 */
		if ((d0 & 0xfff) == 0x100) {
			unsigned int set = (d0 >> 12) & 0xf, code = (d0 >> 16) & 0xff;

			pr_info("vCPU %u: guest requested termination, reason set %u code %#x%s",
				vcpu->id, set, code, term_reason(set, code));
			vm_end(vcpu->vm, VM_END_VERDICT,
			       set == 0 && code == 0 ? MINISEV_STATUS_PASS : MINISEV_STATUS_GUEST);
		} else {
			pr_err("vCPU %u: guest requested termination (GHCB at %#llx)", vcpu->id,
			       (unsigned long long)d0);
			vm_end(vcpu->vm, VM_END_VERDICT, MINISEV_STATUS_GUEST);
		}
		return EXIT_STOP;
	case KVM_SYSTEM_EVENT_SHUTDOWN:
	case KVM_SYSTEM_EVENT_RESET:
	case KVM_SYSTEM_EVENT_CRASH:
	default:
		pr_err("vCPU %u: KVM_EXIT_SYSTEM_EVENT type %u, data %#llx", vcpu->id,
		       run->system_event.type, (unsigned long long)d0);
		return guest_error(vcpu);
	}
}

static enum exit_action handle_intr(struct vcpu *vcpu)
{
	/* A signal (vcpu_kick_all) interrupted KVM_RUN. */
	return vm_ended(vcpu->vm) ? EXIT_STOP : EXIT_CONTINUE;
}

static const exit_handler_t exit_handlers[] = {
	[KVM_EXIT_IO] = handle_io,
	[KVM_EXIT_MMIO] = handle_mmio,
	[KVM_EXIT_HLT] = handle_hlt,
	[KVM_EXIT_SHUTDOWN] = handle_shutdown,
	[KVM_EXIT_FAIL_ENTRY] = handle_fail_entry,
	[KVM_EXIT_INTERNAL_ERROR] = handle_internal_error,
	[KVM_EXIT_SYSTEM_EVENT] = handle_system_event,
	[KVM_EXIT_INTR] = handle_intr,
};

enum exit_action exit_dispatch(struct vcpu *vcpu)
{
	uint32_t reason = vcpu->run->exit_reason;

	vcpu->nr_exits++;
	if (reason < ARRAY_SIZE(exit_handlers) && exit_handlers[reason])
		return exit_handlers[reason](vcpu);
	pr_err("vCPU %u: unhandled exit %s (%u)", vcpu->id, kvm_exit_name(reason), reason);
	return guest_error(vcpu);
}
