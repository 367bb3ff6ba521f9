// SPDX-License-Identifier: MIT
/*
 * SEV detection, the cross-checks that catch a lying hypervisor, and the
 * per-CPU GHCB pages (see sev.h).
 *
 * Order matters under SEV-ES, where CPUID, port I/O and most MSRs raise
 * #VC: sev_init() runs with the IDT (and so the #VC handler) loaded, and
 * when the boot info says SEV-ES it asks CPUID through the GHCB MSR
 * protocol rather than by instruction.  SEV_STATUS and the GHCB MSR are
 * never intercepted (the one lives in hardware, the other in the VMSA),
 * so plain RDMSR/WRMSR of them is right; on a guest without SEV they are
 * a #GP, which an expected-fault probe turns into a finding.
 */
#include "sev.h"
#include "idt.h"
#include "io.h"

#define MSR_SEV_STATUS 0xc0010131

struct fw_sev_state fw_sev;

static struct ghcb_cpu ghcb_cpus[FW_MAX_CPUS];
static bool ghcb_ready;

uint64_t sev_status_read(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_SEV_STATUS) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* Probes that may #GP, each in its own frame for fault_try() (idt.h). */
static __attribute__((noinline)) bool probe_sev_status(uint64_t *v)
{
	if (!fault_try(X86_VEC_GP)) {
		*v = sev_status_read();
		fault_disarm();
		return true;
	}
	return false;
}

/* 1: the GHCB MSR is a #GP (no SEV-ES); else what ghcb_msr_negotiate() says. */
static __attribute__((noinline)) int probe_negotiate(void)
{
	if (!fault_try(X86_VEC_GP)) {
		int ret = ghcb_msr_negotiate(&fw_sev.ghcb_hv_min, &fw_sev.ghcb_hv_max,
					     &fw_sev.ghcb_cbit);

		fault_disarm();
		return ret;
	}
	return 1;
}

/*
 * Terminate by the MSR protocol and never come back: a hypervisor that
 * resumes us anyway finds a halted vCPU, not firmware going on without
 * the GHCB or protocol it just said it lacked (as Linux's
 * sev_es_terminate() does).
 */
static void __noreturn sev_terminate(unsigned int set, unsigned int code)
{
	ghcb_msr_terminate(set, code);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

/* CPUID before the GHCB pages exist: by MSR protocol where SEV-ES is known. */
static struct cpuid_regs early_cpuid(uint32_t leaf, bool msr_protocol)
{
	struct cpuid_regs r = { 0 };

	if (!msr_protocol)
		return cpuid(leaf, 0);
	if (ghcb_msr_cpuid(leaf, &r)) {
		/* The hypervisor broke the protocol it just agreed to: nothing works. */
		sev_terminate(FW_TERM_SET, FW_TERM_GHCB);
	}
	return r;
}

static char mismatch[512];
static size_t mismatch_len;

static void __printf(1, 2) disagree(const char *fmt, ...)
{
	va_list ap;

	if (mismatch_len + 3 >= sizeof(mismatch))
		return;
	if (mismatch_len)
		mismatch_len +=
			snprintf(mismatch + mismatch_len, sizeof(mismatch) - mismatch_len, "; ");
	va_start(ap, fmt);
	mismatch_len +=
		vsnprintf(mismatch + mismatch_len, sizeof(mismatch) - mismatch_len, fmt, ap);
	va_end(ap);
	if (mismatch_len >= sizeof(mismatch))
		mismatch_len = sizeof(mismatch) - 1;
}

static void cross_check(void)
{
	struct fw_sev_state *s = &fw_sev;
	unsigned int cpuid_cbit = s->leaf.ebx & 0x3f;

	if (s->claimed_sev && s->cpuid_max_ext < 0x8000001f)
		disagree("boot info says SEV, CPUID has no leaf 0x8000001f (max 0x%x)",
			 s->cpuid_max_ext);
	if (s->claimed_sev && !s->status_read)
		disagree("boot info says SEV, SEV_STATUS is a #GP");
	if (s->status_read && s->claimed_sev != s->sev)
		disagree("boot info says SEV %s, SEV_STATUS 0x%lx says %s",
			 s->claimed_sev ? "on" : "off", s->status, s->sev ? "on" : "off");
	if (s->status_read && s->claimed_es != s->es)
		disagree("boot info says SEV-ES %s, SEV_STATUS 0x%lx says %s",
			 s->claimed_es ? "on" : "off", s->status, s->es ? "on" : "off");
	if (s->claimed_es && !s->es && !s->ghcb_info)
		disagree("boot info says SEV-ES, the GHCB MSR is a #GP");
	if (s->sev && !(s->leaf.eax & CPUID_8000001F_SEV))
		disagree("SEV is on, CPUID 0x8000001f EAX 0x%x says SEV does not exist",
			 s->leaf.eax);
	if (s->es && !(s->leaf.eax & CPUID_8000001F_ES))
		disagree("SEV-ES is on, CPUID 0x8000001f EAX 0x%x says SEV-ES does not exist",
			 s->leaf.eax);
	if ((s->sev || s->claimed_sev) && cpuid_cbit != s->boot_cbit)
		disagree("C-bit: CPUID 0x8000001f says %u, boot info %u", cpuid_cbit, s->boot_cbit);
	if (s->ghcb_info && s->ghcb_cbit != s->boot_cbit)
		disagree("C-bit: the GHCB SEV information says %u, boot info %u", s->ghcb_cbit,
			 s->boot_cbit);
}

/* SEV-ES: one GHCB page per CPU in the shared window, which must be shared. */
static void ghcb_setup(bool boot_ok)
{
	uint64_t base =
		(boot_ok ? fw_boot.shared_gpa : MINISEV_SHARED_GPA) + MINISEV_SHARED_GHCB_OFF;
	unsigned int i;

	fw_sev.ghcb_base = base;
	for (i = 0; i < FW_MAX_CPUS; i++) {
		uint64_t gpa = base + (uint64_t)i * PAGE_SIZE;
		struct pt_leaf leaf;

		/*
		 * A GHCB page mapped with the C-bit would be private: the
		 * hypervisor would read ciphertext and we could not even say
		 * so on the console.  Terminate with the reason instead.
		 */
		if (!pt_lookup(gpa, &leaf) || pt_private(&leaf))
			sev_terminate(FW_TERM_SET, FW_TERM_NO_GHCB);
		ghcb_cpus[i] = (struct ghcb_cpu){
			.page = (struct ghcb *)(uintptr_t)gpa,
			.gpa = gpa,
		};
		memset(ghcb_cpus[i].page, 0, PAGE_SIZE);
	}
	ghcb_ready = true;
}

const char *sev_init(bool boot_ok)
{
	struct fw_sev_state *s = &fw_sev;
	bool msr_protocol = false;
	int ret;

	*s = (struct fw_sev_state){ 0 };
	mismatch_len = 0;
	mismatch[0] = '\0';
	if (boot_ok) {
		s->claimed_sev = fw_boot.flags & MINISEV_BOOT_F_SEV;
		s->claimed_es = fw_boot.flags & MINISEV_BOOT_F_SEV_ES;
		s->boot_cbit = fw_boot.cbit;
	}

	/*
	 * Claimed SEV-ES: the SEV information request first (GHCB spec
	 * 2.3.1), which also tells whether the claim holds: without SEV-ES
	 * the GHCB MSR is a #GP.
	 */
	if (s->claimed_es) {
		ret = probe_negotiate();
		if (ret == GHCB_E_PROTOCOL)
			sev_terminate(GHCB_TERM_SET_GENERAL, GHCB_TERM_PROTOCOL_RANGE);
		s->ghcb_info = ret == GHCB_OK;
		msr_protocol = s->ghcb_info;
	}

	s->cpuid_max_ext = early_cpuid(0x80000000, msr_protocol).eax;
	if (s->cpuid_max_ext >= 0x8000001f && s->cpuid_max_ext < 0x8000ffff)
		s->leaf = early_cpuid(0x8000001f, msr_protocol);
	/* SEV_STATUS is a #GP where SEV does not exist: read it only when told it does. */
	if ((s->leaf.eax & CPUID_8000001F_SEV) || s->claimed_sev || s->ghcb_info)
		s->status_read = probe_sev_status(&s->status);
	s->sev = s->status_read && (s->status & MSR_SEV_STATUS_SEV);
	s->es = s->status_read && (s->status & MSR_SEV_STATUS_ES);

	if (s->es && !s->ghcb_info) {
		/* SEV-ES although nobody said so: negotiate now, it cannot #GP. */
		ret = ghcb_msr_negotiate(&s->ghcb_hv_min, &s->ghcb_hv_max, &s->ghcb_cbit);
		if (ret)
			sev_terminate(GHCB_TERM_SET_GENERAL, GHCB_TERM_PROTOCOL_RANGE);
		s->ghcb_info = true;
	}
	if (s->es) {
		ghcb_setup(boot_ok);
		io_set_ghcb(true);
	}
	if (boot_ok)
		cross_check();
	return mismatch_len ? mismatch : NULL;
}

struct ghcb_cpu *sev_ghcb_of(unsigned int cpu)
{
	return ghcb_ready && cpu < FW_MAX_CPUS ? &ghcb_cpus[cpu] : NULL;
}

struct ghcb_cpu *sev_ghcb(void)
{
	return sev_ghcb_of(this_cpu());
}

void __noreturn sev_ghcb_fatal(struct ghcb_cpu *c, int ret, const char *what)
{
	static bool reporting[FW_MAX_CPUS];
	unsigned int cpu = this_cpu();

	c->busy = false;
	if (ret == GHCB_E_EXCEPTION) {
		uint64_t ev = ghcb_event(c);

		exc_raise(EVENTINJ_VECTOR(ev), (ev & EVENTINJ_EV) ? ev >> 32 : 0);
	}
	/* The console itself goes through the GHCB: report once, then just end. */
	if (cpu < FW_MAX_CPUS && !reporting[cpu]) {
		reporting[cpu] = true;
		printf("# GHCB: %s failed: %s: exit code 0x%lx, SW_EXITINFO1 0x%lx, "
		       "SW_EXITINFO2 0x%lx%s%s\n",
		       what, ghcb_strerror(ret), c->fail_code, c->fail_info1, c->fail_info2,
		       ret == GHCB_E_HV ? " " : "",
		       ret == GHCB_E_HV ? ghcb_err_name(c->fail_info2) : "");
		printf("Bail out! GHCB request %s failed on cpu %u\n", what, cpu);
	}
	fw_crash(FW_TERM_GHCB);
}

/* ---- Page tables ---- */

#define PTE_P (1ULL << 0)
#define PTE_PS (1ULL << 7)
#define PTE_ADDR 0x000ffffffffff000ULL /* bits 51:12 (APM vol. 2, 5.3) */

static unsigned int pt_cbit(void)
{
	return fw_boot.cbit;
}

bool pt_lookup(uint64_t va, struct pt_leaf *out)
{
	uint64_t cmask = pt_cbit() ? 1ULL << pt_cbit() : 0;
	uint64_t table = read_cr3() & PTE_ADDR & ~cmask;
	unsigned int level;

	for (level = 4; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t e = ((volatile const uint64_t *)(uintptr_t)table)[(va >> shift) & 511];

		if (!(e & PTE_P))
			return false;
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
			uint64_t size = 1ULL << shift;

			out->pte = e;
			out->level = level;
			out->pa = (e & PTE_ADDR & ~cmask & ~(size - 1)) | (va & (size - 1));
			return true;
		}
		table = e & PTE_ADDR & ~cmask;
	}
	return false;
}

bool pt_private(const struct pt_leaf *leaf)
{
	return pt_cbit() && ((leaf->pte >> pt_cbit()) & 1);
}

/* For the #VC handler (vc.h): MMIO must go through a shared mapping. */
bool vc_translate(uint64_t va, uint64_t *gpa)
{
	struct pt_leaf leaf;

	if (!pt_lookup(va, &leaf) || pt_private(&leaf))
		return false;
	*gpa = leaf.pa;
	return true;
}
