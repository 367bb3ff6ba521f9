// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm.h"
#include "vm.h"

int kvm_open(int *kvm_fd)
{
	int fd, ver;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ver = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION) {
		pr_err("/dev/kvm speaks API version %d, minisev needs %d", ver, KVM_API_VERSION);
		close(fd);
		return -EPROTO;
	}
	*kvm_fd = fd;
	return 0;
}

int kvm_check_extension(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

static const struct {
	long cap;
	const char *name;
} required_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },
	/* Lets vm_end() stop a vCPU without racing its KVM_RUN entry. */
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
};

int kvm_check_caps(int kvm_fd)
{
	for (size_t i = 0; i < ARRAY_SIZE(required_caps); i++) {
		if (!kvm_check_extension(kvm_fd, required_caps[i].cap)) {
			pr_err("this KVM lacks %s, which minisev needs", required_caps[i].name);
			return -ENOTSUP;
		}
	}
	return 0;
}

int kvm_create_vm(struct vm *vm, unsigned long type)
{
	int fd, sz;

	sz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (int)sizeof(struct kvm_run))
		return sz < 0 ? -errno : -EPROTO;
	/* EINTR is documented for KVM_CREATE_VM when a signal arrives. */
	do {
		fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, type);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	vm->vm_fd = fd;
	vm->run_size = sz;
	vm->vm_type = type;
	return 0;
}

int kvm_set_memslot(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *hva,
		    uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

int kvm_get_supported_cpuid(int kvm_fd, struct kvm_cpuid2 **out)
{
	/* Grow until KVM stops saying E2BIG; hosts have ~60 entries today. */
	for (unsigned int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c;

		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return -ENOMEM;
		c->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			*out = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG)
			return -errno;
	}
	return -E2BIG;
}

struct kvm_cpuid_entry2 *kvm_cpuid_find(struct kvm_cpuid2 *c, uint32_t fn, uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != fn)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != index)
			continue;
		return e;
	}
	return NULL;
}

#define EXIT_NAME(x) [KVM_EXIT_##x] = "KVM_EXIT_" #x
static const char *const exit_names[] = {
	EXIT_NAME(UNKNOWN),
	EXIT_NAME(EXCEPTION),
	EXIT_NAME(IO),
	EXIT_NAME(HYPERCALL),
	EXIT_NAME(DEBUG),
	EXIT_NAME(HLT),
	EXIT_NAME(MMIO),
	EXIT_NAME(IRQ_WINDOW_OPEN),
	EXIT_NAME(SHUTDOWN),
	EXIT_NAME(FAIL_ENTRY),
	EXIT_NAME(INTR),
	EXIT_NAME(SET_TPR),
	EXIT_NAME(TPR_ACCESS),
	EXIT_NAME(NMI),
	EXIT_NAME(INTERNAL_ERROR),
	EXIT_NAME(OSI),
	EXIT_NAME(PAPR_HCALL),
	EXIT_NAME(WATCHDOG),
	EXIT_NAME(EPR),
	EXIT_NAME(SYSTEM_EVENT),
	EXIT_NAME(IOAPIC_EOI),
	EXIT_NAME(HYPERV),
	EXIT_NAME(X86_RDMSR),
	EXIT_NAME(X86_WRMSR),
	EXIT_NAME(DIRTY_RING_FULL),
	EXIT_NAME(AP_RESET_HOLD),
	EXIT_NAME(X86_BUS_LOCK),
	EXIT_NAME(XEN),
};

const char *kvm_exit_name(uint32_t reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	/* Newer than our headers (e.g. 39 KVM_EXIT_MEMORY_FAULT on 6.8+). */
	if (reason == 39)
		return "KVM_EXIT_MEMORY_FAULT";
	return "KVM_EXIT_(unknown)";
}
