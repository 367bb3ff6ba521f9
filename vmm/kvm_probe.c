// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"
#include "kvm_probe.h"

/*
 * The signal that ends an overlong KVM_RUN.  The probing thread keeps it
 * blocked, and KVM_SET_SIGNAL_MASK unblocks it only inside KVM_RUN: a
 * pending one makes KVM_RUN return EINTR, and is then taken back with
 * sigtimedwait(), so no handler of the process ever sees it.
 */
#define KPROBE_SIGNAL SIGRTMAX

static void set_why(struct kprobe *p, const char *what, int err)
{
	snprintf(p->why, sizeof(p->why), "%s: %s", what, strerror(err));
}

static void put64(uint8_t *mem, uint64_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, sizeof(v));
}

/* The page tables and GDT, at fixed pages below the code. */
static void build_tables(uint8_t *mem, uint64_t high_gpa)
{
	put64(mem, 0x1000, 0x2000 | PTE_P | PTE_RW); /* PML4[0] */
	put64(mem, 0x2000, 0x3000 | PTE_P | PTE_RW); /* PDPT[0]: linear 0 */
	put64(mem, 0x2008, 0x4000 | PTE_P | PTE_RW); /* PDPT[1]: linear 1 GiB */
	put64(mem, 0x3000, 0 | PTE_P | PTE_RW | PTE_PS);
	put64(mem, 0x4000, high_gpa | PTE_P | PTE_RW | PTE_PS);
	/* Null, 64-bit code (selector 0x08), data (0x10): as boot_entry_sregs(). */
	put64(mem, KPROBE_GDT_GPA + 8, 0x00af9b000000ffffULL);
	put64(mem, KPROBE_GDT_GPA + 16, 0x00cf93000000ffffULL);
}

static int setup_vcpu(struct kprobe *p, int kvm_fd)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[256];
	} cpuid = { .c.nent = 256 };
	struct kvm_signal_mask *km;
	struct boot_entry e;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	sigset_t all;
	int ret = 0;

	/* Long mode needs CPUID.LM in the guest's CPUID (kvm_valid_efer()). */
	if (p->ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, &cpuid) < 0 ||
	    p->ioctl(p->vcpu_fd, KVM_SET_CPUID2, &cpuid) < 0) {
		set_why(p, "KVM_SET_CPUID2", errno);
		return -errno;
	}
	if (p->ioctl(p->vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
		set_why(p, "KVM_GET_SREGS", errno);
		return -errno;
	}
	boot_fw_entry(&e, KPROBE_CODE_GPA, 0x1000);
	e.gdt_base = KPROBE_GDT_GPA;
	e.gdt_limit = 3 * 8 - 1;
	boot_entry_sregs(&sregs, &e);
	sregs.idt.base = KPROBE_IDT_GPA;
	sregs.idt.limit = 256 * 16 - 1;
	memset(&regs, 0, sizeof(regs));
	regs.rip = KPROBE_CODE_GPA;
	regs.rsp = KPROBE_STACK_TOP;
	regs.rflags = 0x2;
	if (p->ioctl(p->vcpu_fd, KVM_SET_SREGS, &sregs) < 0 ||
	    p->ioctl(p->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
		set_why(p, "KVM_SET_SREGS/REGS", errno);
		return -errno;
	}

	/* Inside KVM_RUN every signal but ours stays blocked. */
	km = calloc(1, sizeof(*km) + 8);
	if (!km)
		return -ENOMEM;
	sigfillset(&all);
	sigdelset(&all, KPROBE_SIGNAL);
	km->len = 8; /* the kernel's sigset_t: 64 bits on x86-64 */
	memcpy(km->sigset, &all, 8);
	if (p->ioctl(p->vcpu_fd, KVM_SET_SIGNAL_MASK, km) < 0) {
		set_why(p, "KVM_SET_SIGNAL_MASK", errno);
		ret = -errno;
	}
	free(km);
	return ret;
}

int kprobe_open(struct kprobe *p, int kvm_fd, kprobe_ioctl_fn fn, uint64_t high_gpa,
		const void *code, size_t len)
{
	struct kvm_userspace_memory_region r = { .slot = 0, .memory_size = KPROBE_MEM_SIZE };
	int sz, ret;

	memset(p, 0, sizeof(*p));
	p->ioctl = fn;
	p->vm_fd = p->vcpu_fd = -1;
	if (len > KPROBE_MEM_SIZE - KPROBE_CODE_GPA)
		return -E2BIG;
	sz = fn(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (int)sizeof(struct kvm_run)) {
		set_why(p, "KVM_GET_VCPU_MMAP_SIZE", sz < 0 ? errno : EPROTO);
		return sz < 0 ? -errno : -EPROTO;
	}
	p->run_size = sz;
	p->mem = mmap(NULL, KPROBE_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (p->mem == MAP_FAILED) {
		p->mem = NULL;
		set_why(p, "mmap", errno);
		return -ENOMEM;
	}
	build_tables(p->mem, high_gpa);
	memcpy(p->mem + KPROBE_CODE_GPA, code, len);

	do {
		p->vm_fd = fn(kvm_fd, KVM_CREATE_VM, 0UL);
	} while (p->vm_fd < 0 && errno == EINTR);
	if (p->vm_fd < 0) {
		ret = -errno;
		set_why(p, "KVM_CREATE_VM", errno);
		goto fail;
	}
	r.userspace_addr = (uint64_t)(uintptr_t)p->mem;
	if (fn(p->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		ret = -errno;
		set_why(p, "KVM_SET_USER_MEMORY_REGION", errno);
		goto fail;
	}
	p->vcpu_fd = fn(p->vm_fd, KVM_CREATE_VCPU, 0UL);
	if (p->vcpu_fd < 0) {
		ret = -errno;
		set_why(p, "KVM_CREATE_VCPU", errno);
		goto fail;
	}
	p->run = mmap(NULL, p->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->vcpu_fd, 0);
	if (p->run == MAP_FAILED) {
		p->run = NULL;
		ret = -errno;
		set_why(p, "mmap of kvm_run", errno);
		goto fail;
	}
	ret = setup_vcpu(p, kvm_fd);
	if (ret)
		goto fail;
	return 0;
fail:
	kprobe_close(p);
	return ret;
}

void kprobe_set_gate(struct kprobe *p, unsigned int vector, size_t off)
{
	uint64_t handler = KPROBE_CODE_GPA + off;
	uint8_t *g = p->mem + KPROBE_IDT_GPA + vector * 16;

	memset(g, 0, 16);
	g[0] = handler & 0xff;
	g[1] = (handler >> 8) & 0xff;
	g[2] = KPROBE_CODE_SEL;
	g[5] = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
	g[6] = (handler >> 16) & 0xff;
	g[7] = (handler >> 24) & 0xff;
}

int kprobe_run(struct kprobe *p, unsigned int timeout_ms)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = KPROBE_SIGNAL };
	struct itimerspec its = {
		.it_value = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L },
		/* Again and again, in case the first one landed outside KVM_RUN. */
		.it_interval = { 0, 100 * 1000000L },
	};
	struct timespec zero = { 0, 0 };
	sigset_t sig, saved;
	timer_t timer;
	int ret, err;

	sigemptyset(&sig);
	sigaddset(&sig, KPROBE_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &sig, &saved);
	sev._sigev_un._tid = gettid(); /* sigev_notify_thread_id, unnamed in glibc 2.36 */
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0) {
		err = errno;
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
		set_why(p, "timer_create", err);
		return -err;
	}
	timer_settime(timer, 0, &its, NULL);
	ret = p->ioctl(p->vcpu_fd, KVM_RUN, 0);
	err = errno;
	timer_delete(timer);
	while (sigtimedwait(&sig, NULL, &zero) == KPROBE_SIGNAL)
		;
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (ret == 0)
		return 0;
	if (err == EINTR)
		return -ETIMEDOUT;
	set_why(p, "KVM_RUN", err);
	return -err;
}

uint64_t kprobe_rip(struct kprobe *p)
{
	struct kvm_regs regs;

	if (p->ioctl(p->vcpu_fd, KVM_GET_REGS, &regs) < 0)
		return ~0ULL;
	return regs.rip - KPROBE_CODE_GPA;
}

void kprobe_close(struct kprobe *p)
{
	if (p->run)
		munmap(p->run, p->run_size);
	if (p->vcpu_fd >= 0)
		close(p->vcpu_fd);
	if (p->vm_fd >= 0)
		close(p->vm_fd);
	if (p->mem)
		munmap(p->mem, KPROBE_MEM_SIZE);
	p->run = NULL;
	p->mem = NULL;
	p->vm_fd = p->vcpu_fd = -1;
}
