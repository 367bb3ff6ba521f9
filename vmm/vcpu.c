// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"
#include "exit.h"
#include "kvm.h"
#include "vcpu.h"

#define KICK_SIGNAL SIGUSR1

/*
 * Give each vCPU its own APIC ID in the CPUID leaves that report one, so
 * that a guest using CPUID sees distinct CPUs (the firmware itself does
 * not rely on it: CPUID is a #VC under SEV-ES).
 */
static int vcpu_set_cpuid(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *src = vcpu->vm->cpuid;
	size_t sz = sizeof(*src) + src->nent * sizeof(src->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	struct kvm_cpuid_entry2 *e;
	int ret = 0;

	if (!c)
		return -ENOMEM;
	memcpy(c, src, sz);
	e = kvm_cpuid_find(c, 1, 0);
	if (e)
		e->ebx = (e->ebx & 0x00ffffff) | (vcpu->id << 24);
	for (uint32_t i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = vcpu->id;
	}
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0)
		ret = -errno;
	free(c);
	return ret;
}

/*
 * MTRRs on, default type write-back, as QEMU and Firecracker set them:
 * with MTRRs off Linux 6.1 skips PAT setup, and an SEV guest then finds
 * no write-protect memory type for its early encryption changes (the
 * BUG_ON in __sme_early_enc_dec).  Every vCPU alike: Linux checks that
 * the CPUs agree.
 */
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MTRR_DEF_TYPE_E (1u << 11)
#define MTRR_TYPE_WB 6

static int vcpu_enable_mtrrs(struct vcpu *vcpu)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1,
		.e = { .index = MSR_MTRR_DEF_TYPE, .data = MTRR_DEF_TYPE_E | MTRR_TYPE_WB } };

	return ioctl(vcpu->fd, KVM_SET_MSRS, &m) == 1 ? 0 : -EIO;
}

static int set_mxcsr(int fd, uint32_t mxcsr)
{
	struct kvm_xsave *x = calloc(1, sizeof(*x));
	int ret = 0;

	if (!x)
		return -ENOMEM;
	/* MXCSR is at byte 24 of the FXSAVE/XSAVE legacy region. */
	if (ioctl(fd, KVM_GET_XSAVE, x) < 0 ||
	    (memcpy((uint8_t *)x->region + 24, &mxcsr, 4), ioctl(fd, KVM_SET_XSAVE, x) < 0))
		ret = -errno;
	free(x);
	return ret;
}

static int vcpu_set_entry_state(struct vcpu *vcpu, const struct boot_entry *e)
{
	int ret;

	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	boot_entry_sregs(&sregs, e);
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	boot_entry_regs(&regs, e);
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	/*
	 * Architectural FPU reset values, set explicitly: under SEV-ES with
	 * INIT2 they are copied into the measured VMSA, and KVM's defaults
	 * are not ABI.
	 */
	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = BOOT_FCW;
	fpu.mxcsr = BOOT_MXCSR;
	if (ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	/*
	 * KVM_SET_FPU ignores the mxcsr field (kvm_arch_vcpu_ioctl_set_fpu
	 * copies everything else), so a vCPU would keep whatever the kernel
	 * initialised, which differs between versions and would change the
	 * INIT2 SEV-ES measurement.  Set it in the XSAVE legacy area instead.
	 */
	ret = set_mxcsr(vcpu->fd, BOOT_MXCSR);
	if (ret)
		return ret;
	/*
	 * With the in-kernel LAPIC an AP starts in wait-for-SIPI; the boot
	 * protocol starts every vCPU at the entry point, so make it runnable.
	 */
	if (ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp) < 0)
		return -errno;
	return 0;
}

int vcpu_create(struct vm *vm, unsigned int id, const struct boot_entry *e)
{
	struct vcpu *vcpu = &vm->vcpus[id];
	int ret;

	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0) {
		ret = -errno;
		pr_err("KVM_CREATE_VCPU %u: %s", id, strerror(errno));
		return ret;
	}
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		ret = -errno;
		vcpu->run = NULL;
		pr_err("mmap of vCPU %u's kvm_run: %s", id, strerror(errno));
		return ret;
	}
	ret = vcpu_set_cpuid(vcpu);
	if (ret) {
		pr_err("KVM_SET_CPUID2 on vCPU %u: %s", id, strerror(-ret));
		return ret;
	}
	if (vm->linux_guest && (ret = vcpu_enable_mtrrs(vcpu))) {
		pr_err("enabling vCPU %u's MTRRs: %s", id, strerror(-ret));
		return ret;
	}
	/* No entry state: an AP left to the guest's INIT-SIPI-SIPI (Linux). */
	ret = e ? vcpu_set_entry_state(vcpu, e) : 0;
	if (ret)
		pr_err("setting vCPU %u's entry state: %s", id, strerror(-ret));
	return ret;
}

void vcpu_dump(struct vcpu *vcpu)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	/* After LAUNCH_UPDATE_VMSA the state is encrypted: don't even ask. */
	if (vcpu->state_protected) {
		pr_err("vCPU %u: registers not readable (SEV-ES state is encrypted)", vcpu->id);
		return;
	}
	if (vcpu->fd < 0 || ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		pr_err("vCPU %u: registers not readable", vcpu->id);
		return;
	}
	pr_err("vCPU %u: rip %#llx rsp %#llx rflags %#llx", vcpu->id, (unsigned long long)r.rip,
	       (unsigned long long)r.rsp, (unsigned long long)r.rflags);
	pr_err("vCPU %u: rax %#llx rbx %#llx rcx %#llx rdx %#llx rsi %#llx rdi %#llx", vcpu->id,
	       (unsigned long long)r.rax, (unsigned long long)r.rbx, (unsigned long long)r.rcx,
	       (unsigned long long)r.rdx, (unsigned long long)r.rsi, (unsigned long long)r.rdi);
	pr_err("vCPU %u: cr0 %#llx cr2 %#llx cr3 %#llx cr4 %#llx efer %#llx", vcpu->id,
	       (unsigned long long)s.cr0, (unsigned long long)s.cr2, (unsigned long long)s.cr3,
	       (unsigned long long)s.cr4, (unsigned long long)s.efer);
	pr_err("vCPU %u: idt %#llx/%#x gdt %#llx/%#x cs %#x", vcpu->id,
	       (unsigned long long)s.idt.base, s.idt.limit, (unsigned long long)s.gdt.base,
	       s.gdt.limit, s.cs.selector);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	int ret;

	while (!vm_ended(vm)) {
		if (!atomic_load(&vm->t_first_run_ns)) {
			uint64_t zero = 0;

			atomic_compare_exchange_strong(&vm->t_first_run_ns, &zero, now_ns());
		}
		ret = ioctl(vcpu->fd, KVM_RUN, 0);
		atomic_store(&vm->last_exit_ns, now_ns());
		if (ret < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				vcpu->run->immediate_exit = 0;
				continue;
			}
			if (errno == EINVAL && vcpu->state_protected) {
				/*
				 * Kernels before 5.19 (termination) and ~6.7
				 * (triple fault) report a dead SEV-ES guest
				 * this way instead of with an exit reason.
				 */
				pr_err("vCPU %u: KVM_RUN: EINVAL: the SEV-ES guest is dead "
				       "(terminated or triple-faulted on an older kernel)",
				       vcpu->id);
				vm_end(vm, VM_END_GUEST_ERROR, MINISEV_STATUS_GUEST);
				break;
			}
			pr_err("vCPU %u: KVM_RUN: %s", vcpu->id, strerror(errno));
			vm_end(vm, VM_END_VMM_ERROR, MINISEV_STATUS_VMM);
			break;
		}
		if (exit_dispatch(vcpu) == EXIT_STOP)
			break;
	}
	/* The last vCPU to stop without a verdict must not leave us waiting. */
	if (atomic_fetch_sub(&vm->running_vcpus, 1) == 1 && !vm_ended(vm)) {
		pr_err("every vCPU stopped without a verdict from the guest");
		vm_end(vm, VM_END_GUEST_ERROR, MINISEV_STATUS_GUEST);
	}
	return NULL;
}

static void kick_handler(int sig)
{
	/* Nothing: the signal only makes KVM_RUN return with EINTR. */
}

int vcpu_start_all(struct vm *vm)
{
	struct sigaction sa;
	sigset_t set;
	int ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the point is to interrupt KVM_RUN. */
	if (sigaction(KICK_SIGNAL, &sa, NULL) < 0)
		return -errno;
	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	atomic_store(&vm->running_vcpus, vm->nr_vcpus);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		ret = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		if (ret) {
			pr_err("cannot start vCPU %u's thread: %s", i, strerror(ret));
			vm_end(vm, VM_END_VMM_ERROR, MINISEV_STATUS_VMM);
			return -ret;
		}
		vm->vcpus[i].thread_started = true;
	}
	return 0;
}

void vcpu_kick_all(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		if (v->thread_started && !pthread_equal(v->thread, pthread_self()))
			pthread_kill(v->thread, KICK_SIGNAL);
	}
}

/*
 * Bounded: a vCPU that stays in KVM_RUN though kicked (a KVM bug, or a
 * software KVM looping in the kernel) is reported, not waited for; the
 * process exit then takes it down.
 */
#define JOIN_TIMEOUT_S 10

static int join_within(pthread_t t, unsigned int secs)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += secs;
	return pthread_timedjoin_np(t, NULL, &until);
}

int vcpu_join_all(struct vm *vm)
{
	int stuck = 0;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		unsigned int waited = 0;
		int r;

		if (!v->thread_started)
			continue;
		/* Kick again each second: one signal may have come before KVM_RUN. */
		while ((r = join_within(v->thread, 1)) == ETIMEDOUT && ++waited < JOIN_TIMEOUT_S)
			pthread_kill(v->thread, KICK_SIGNAL);
		if (r == ETIMEDOUT) {
			pr_err("vCPU %u did not leave KVM_RUN within %d s of being stopped: this "
			       "KVM does not return to user space",
			       v->id, JOIN_TIMEOUT_S);
			stuck = -ETIMEDOUT;
			continue;
		}
		v->thread_started = false;
	}
	return stuck;
}

void vcpu_destroy_all(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
		v->run = NULL;
		v->fd = -1;
	}
}
