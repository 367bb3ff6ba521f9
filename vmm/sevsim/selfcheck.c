// SPDX-License-Identifier: MIT
/*
 * sevsim's check of the KVM under it (selfcheck.h).  The probe guest takes
 * each mechanism in turn and stops at a port exit after each, where the
 * host looks at what happened; the ES-only steps come last, so that a
 * plain SEV check never depends on them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "compat/kvm-sev.h"
#include "kvm.h"
#include "sevsim/kvmsim.h"
#include "sevsim/selfcheck.h"

#define PROBE_TIMEOUT_MS 2000
#define STATUS_MAGIC 0x5e55a7edU /* what the check answers for SEV_STATUS */
#define GHCB_MAGIC 0x1234U /* what the guest writes to the GHCB MSR */
#define DENY_MAGIC 0xdeadbeefU /* what the check answers for MSR 0x1b */
#define ALIAS_PATTERN 0xa11a5a11a5a11a5aULL
#define IN_DATA 0x5a
#define VMMCALL_NR 0x77
#define ALIAS_SLOT 1

/* The probe guest; labels give the host the RIPs it checks. */
extern const uint8_t sim_probe_code[], sim_probe_in[], sim_probe_after_in[], sim_probe_end[];
__asm__(".pushsection .rodata\n"
	".type sim_probe_code, @object\n"
	"sim_probe_code:\n"
	"	mov $0xc0010131, %ecx\n" /* RDMSR SEV_STATUS: exits */
	"	rdmsr\n"
	"	mov %eax, %ebx\n"
	"	mov $0xc0010130, %ecx\n" /* WRMSR GHCB: exits */
	"	mov $0x1234, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	mov $0x1b, %ecx\n" /* RDMSR APIC_BASE: exits only with default deny */
	"	rdmsr\n"
	"	mov %eax, %edi\n"
	"	mov $0x40000000, %esi\n" /* KPROBE_HIGH_VA: the alias at 1 << 47 */
	"	mov (%rsi), %rax\n"
	"	out %al, $0x11\n"
	"sim_probe_in:\n"
	"	in $0x12, %al\n"
	"sim_probe_after_in:\n"
	"	out %al, $0x13\n"
	"	mov $0x77, %eax\n"
	"	rep; vmmcall\n" /* VMGEXIT */
	"	out %al, $0x14\n"
	"	hlt\n"
	"sim_probe_end:\n"
	".popsection\n");

uint32_t sim_model_msr_ranges(struct kvm_msr_filter_range *r, bool es)
{
	static uint8_t deny[1]; /* bit clear: the access exits to user space */
	static uint8_t allow[1] = { 0xff };
	/*
	 * MSRs an SEV-ES guest reaches directly, without #VC: svm.c's
	 * direct_access_msrs, which no VM intercepts, and EFER and PAT,
	 * whose intercepts sev_es_init_vmcb() clears.
	 */
	static const struct {
		uint32_t base, n;
	} es_direct[] = {
		{ 0x48, 2 }, /* SPEC_CTRL, PRED_CMD */
		{ 0x174, 3 }, /* SYSENTER_CS, _ESP, _EIP */
		{ 0x277, 1 }, /* PAT */
		{ 0xc0000080, 5 }, /* EFER, STAR, LSTAR, CSTAR, SYSCALL_MASK */
		{ 0xc0000100, 3 }, /* FS_BASE, GS_BASE, KERNEL_GS_BASE */
	};
	uint32_t n = 0;

	r[n++] = (struct kvm_msr_filter_range){
		.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
		.nmsrs = 2,
		.base = MSR_AMD64_SEV_ES_GHCB,
		.bitmap = deny,
	};
	for (uint32_t i = 0; es && i < sizeof(es_direct) / sizeof(es_direct[0]); i++)
		r[n++] = (struct kvm_msr_filter_range){
			.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			.nmsrs = es_direct[i].n,
			.base = es_direct[i].base,
			.bitmap = allow,
		};
	return n;
}

int sim_enable_msr_exits(kprobe_ioctl_fn fn, int vm_fd, bool es)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_FILTER },
	};
	struct kvm_msr_filter filter = {
		.flags = es ? KVM_MSR_FILTER_DEFAULT_DENY : KVM_MSR_FILTER_DEFAULT_ALLOW,
	};

	sim_model_msr_ranges(filter.ranges, es);
	if (fn(vm_fd, KVM_ENABLE_CAP, &cap) < 0 || fn(vm_fd, KVM_X86_SET_MSR_FILTER, &filter) < 0)
		return -errno;
	return 0;
}

struct check {
	struct kprobe p;
	char *why;
	size_t len;
};

static int bad(struct check *c, const char *mech, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct check *c, const char *mech, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->why, c->len, "%s: ", mech);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < c->len)
		vsnprintf(c->why + n, c->len - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Run to the next exit; anything but `want` (or a hang) fails `mech`. */
static int run_to(struct check *c, const char *mech, uint32_t want, const char *what)
{
	struct kvm_run *run = c->p.run;
	int ret = kprobe_run(&c->p, PROBE_TIMEOUT_MS);

	if (ret == -ETIMEDOUT)
		return bad(c, mech,
			   "%s: the probe guest gave no exit within %u ms (stuck at code "
			   "offset %#llx)",
			   what, PROBE_TIMEOUT_MS, (unsigned long long)kprobe_rip(&c->p));
	if (ret)
		return bad(c, mech, "%s: %s", what, c->p.why);
	if (run->exit_reason == want)
		return 0;
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		return bad(c, mech,
			   "%s: KVM_EXIT_INTERNAL_ERROR, suberror %u, at code offset %#llx", what,
			   run->internal.suberror, (unsigned long long)kprobe_rip(&c->p));
	return bad(c, mech, "%s: %s instead of %s (code offset %#llx)", what,
		   kvm_exit_name(run->exit_reason), kvm_exit_name(want),
		   (unsigned long long)kprobe_rip(&c->p));
}

static int expect_port(struct check *c, const char *mech, uint16_t port, const char *what)
{
	if (run_to(c, mech, KVM_EXIT_IO, what))
		return -1;
	if (c->p.run->io.port != port)
		return bad(c, mech, "%s: port %#x instead of %#x", what, c->p.run->io.port, port);
	return 0;
}

static int get_regs(struct check *c, struct kvm_regs *r)
{
	if (c->p.ioctl(c->p.vcpu_fd, KVM_GET_REGS, r) < 0)
		return bad(c, "registers", "KVM_GET_REGS: %s", strerror(errno));
	return 0;
}

static int steps(struct check *c, bool es)
{
	struct kvm_run *run = c->p.run;
	struct kvm_regs r;
	uint8_t *data;
	int ret;

	ret = sim_enable_msr_exits(c->p.ioctl, c->p.vm_fd, es);
	if (ret)
		return bad(c, "msr-exit", "KVM_CAP_X86_USER_SPACE_MSR / KVM_X86_SET_MSR_FILTER: %s",
			   strerror(-ret));
	if (run_to(c, "msr-exit", KVM_EXIT_X86_RDMSR, "RDMSR of SEV_STATUS"))
		return -1;
	if (run->msr.index != MSR_AMD64_SEV)
		return bad(c, "msr-exit", "RDMSR exit for MSR %#x, expected SEV_STATUS",
			   run->msr.index);
	run->msr.data = STATUS_MAGIC;
	run->msr.error = 0;
	if (run_to(c, "msr-exit", KVM_EXIT_X86_WRMSR, "WRMSR of the GHCB MSR"))
		return -1;
	if (run->msr.index != MSR_AMD64_SEV_ES_GHCB || run->msr.data != GHCB_MAGIC)
		return bad(c, "msr-exit",
			   "WRMSR exit for MSR %#x data %#llx, expected the GHCB "
			   "MSR and %#x",
			   run->msr.index, (unsigned long long)run->msr.data, GHCB_MAGIC);
	run->msr.error = 0;
	if (es) {
		if (run_to(c, "msr-deny", KVM_EXIT_X86_RDMSR, "RDMSR of APIC_BASE"))
			return -1;
		run->msr.data = DENY_MAGIC;
		run->msr.error = 0;
	}

	if (expect_port(c, "alias-memslot", 0x11, "read through the alias") || get_regs(c, &r))
		return -1;
	if ((uint32_t)r.rbx != STATUS_MAGIC)
		return bad(c, "msr-exit", "the guest read SEV_STATUS as %#llx, not the %#x given",
			   (unsigned long long)r.rbx, STATUS_MAGIC);
	if (es && (uint32_t)r.rdi != DENY_MAGIC)
		return bad(c, "msr-deny", "the guest read APIC_BASE as %#llx, not the %#x given",
			   (unsigned long long)r.rdi, DENY_MAGIC);
	if (r.rax != ALIAS_PATTERN)
		return bad(c, "alias-memslot", "the guest read %#llx at GPA 1 << %d, not %#llx",
			   (unsigned long long)r.rax, SEVSIM_CBIT,
			   (unsigned long long)ALIAS_PATTERN);

	/* The IN is pending; complete it without entering the guest. */
	if (expect_port(c, "immediate-exit", 0x12, "IN"))
		return -1;
	data = (uint8_t *)run + run->io.data_offset;
	*data = IN_DATA;
	run->immediate_exit = 1;
	ret = c->p.ioctl(c->p.vcpu_fd, KVM_RUN, 0);
	run->immediate_exit = 0;
	if (ret == 0 || errno != EINTR)
		return bad(c, "immediate-exit",
			   "KVM_RUN with immediate_exit returned %d (%s), "
			   "expected EINTR",
			   ret, ret ? strerror(errno) : "an exit");
	if (get_regs(c, &r))
		return -1;
	if (r.rip != KPROBE_CODE_GPA + (uint64_t)(sim_probe_after_in - sim_probe_code) ||
	    (uint8_t)r.rax != IN_DATA)
		return bad(c, "immediate-exit",
			   "after the completion RIP is at code offset %#llx "
			   "and AL %#x, expected %#llx and %#x",
			   (unsigned long long)(r.rip - KPROBE_CODE_GPA), (uint8_t)r.rax,
			   (unsigned long long)(sim_probe_after_in - sim_probe_code), IN_DATA);
	if (expect_port(c, "immediate-exit", 0x13, "the OUT after the completed IN"))
		return -1;
	if (!es)
		return 0;

	if (expect_port(c, "vmgexit", 0x14, "VMGEXIT (rep; vmmcall) as a VMMCALL") ||
	    get_regs(c, &r))
		return -1;
	if (r.rax == VMMCALL_NR)
		return bad(c, "vmgexit", "RAX is still %#x after the VMMCALL: not clobbered",
			   VMMCALL_NR);
	return 0;
}

int sim_selfcheck(int kvm_fd, kprobe_ioctl_fn fn, bool es, char *why, size_t len)
{
	struct kvm_userspace_memory_region slot = {
		.slot = ALIAS_SLOT,
		.guest_phys_addr = 1ULL << SEVSIM_CBIT,
		.memory_size = KPROBE_MEM_SIZE,
	};
	struct check c = { .why = why, .len = len };
	uint64_t pattern = ALIAS_PATTERN;
	uint8_t *alias;
	int ret;

	ret = kprobe_open(&c.p, kvm_fd, fn, 1ULL << SEVSIM_CBIT, sim_probe_code,
			  sim_probe_end - sim_probe_code);
	if (ret)
		return bad(&c, "probe VM", "%s", c.p.why);
	alias = mmap(NULL, KPROBE_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		     0);
	if (alias == MAP_FAILED) {
		kprobe_close(&c.p);
		return bad(&c, "probe VM", "mmap: %s", strerror(errno));
	}
	memcpy(alias, &pattern, sizeof(pattern));
	slot.userspace_addr = (uint64_t)(uintptr_t)alias;
	if (fn(c.p.vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		ret = bad(&c, "alias-memslot", "KVM_SET_USER_MEMORY_REGION at 1 << %d: %s",
			  SEVSIM_CBIT, strerror(errno));
	else
		ret = steps(&c, es);
	kprobe_close(&c.p);
	munmap(alias, KPROBE_MEM_SIZE);
	return ret;
}
