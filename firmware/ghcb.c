// SPDX-License-Identifier: MIT
/*
 * The GHCB MSR and page protocols (see ghcb.h).  Requests follow the GHCB
 * specification 2.x, section 4.1 "Non-automatic exits": clear the valid
 * bitmap, fill and mark every input, write the GHCB MSR, VMGEXIT, then
 * trust only results that come back marked valid and a zero
 * SW_EXITINFO1[31:0] (any non-zero value is an error: spec 4.1.2, and
 * Linux commit "x86/sev: Return an error on a returned non-zero
 * SW_EXITINFO1[31:0]").  Fields of the shared page are read once each:
 * the hypervisor can change them at any time.
 */
#include "ghcb.h"

#ifdef HOST_TEST
#include <string.h>
/* The host-side responder (firmware/tests/ghcb_responder.c) plays the CPU. */
uint64_t ghcb_hw_rdmsr(void);
void ghcb_hw_wrmsr_vmgexit(uint64_t val);
#define ghcb_barrier() __asm__ __volatile__("" ::: "memory")
#else
#include "fw.h"
#define ghcb_barrier() barrier()

/* The GHCB MSR lives in the VMSA: reading or writing it never raises #VC. */
static uint64_t ghcb_hw_rdmsr(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_GHCB) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * WRMSR of the GHCB MSR, then VMGEXIT ("rep; vmmcall", F3 0F 01 D9), in
 * one asm statement so that nothing can be scheduled between the two.
 * RAX is clobbered: without SEV-ES hardware (the minisev model) the
 * VMGEXIT runs as a VMMCALL and KVM writes its hypercall status there.
 * RAX = ~0 before it, so that KVM sees no hypercall it knows (KVM_HC_*
 * are small numbers; an SEV-ES CPU ignores RAX here).
 */
static void ghcb_hw_wrmsr_vmgexit(uint64_t val)
{
	uint64_t rax = (uint32_t)val;

	__asm__ __volatile__("wrmsr\n\t"
			     "movq $-1, %%rax\n\t"
			     "rep; vmmcall"
			     : "+a"(rax)
			     : "c"(MSR_GHCB), "d"((uint32_t)(val >> 32))
			     : "memory");
}
#endif

uint16_t ghcb_version;

const char *ghcb_strerror(int ret)
{
	switch (ret) {
	case GHCB_OK:
		return "ok";
	case GHCB_E_EXCEPTION:
		return "the hypervisor injects an exception";
	case GHCB_E_HV:
		return "the hypervisor reports an error";
	case GHCB_E_OUTPUT:
		return "a result is not marked valid";
	case GHCB_E_PROTOCOL:
		return "bad MSR-protocol response";
	case GHCB_E_INVAL:
		return "bad request";
	default:
		return "?";
	}
}

const char *ghcb_err_name(uint64_t reason)
{
	static const char *const names[] = {
		[GHCB_ERR_NOT_REGISTERED] = "NOT_REGISTERED",
		[GHCB_ERR_INVALID_USAGE] = "INVALID_USAGE",
		[GHCB_ERR_INVALID_SCRATCH] = "INVALID_SCRATCH_AREA",
		[GHCB_ERR_MISSING_INPUT] = "MISSING_INPUT",
		[GHCB_ERR_INVALID_INPUT] = "INVALID_INPUT",
		[GHCB_ERR_INVALID_EVENT] = "INVALID_EVENT",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "unknown reason";
}

/* ---- MSR protocol (spec 2.3.1) ---- */

static uint64_t ghcb_msr_call(uint64_t req)
{
	ghcb_hw_wrmsr_vmgexit(req);
	return ghcb_hw_rdmsr();
}

int ghcb_msr_negotiate(uint16_t *hv_min, uint16_t *hv_max, unsigned int *cbit)
{
	uint64_t resp = ghcb_msr_call(GHCB_MSR_SEV_INFO_REQ);
	uint16_t max = (uint16_t)(resp >> 48), min = (uint16_t)(resp >> 32);

	*hv_min = min;
	*hv_max = max;
	*cbit = (unsigned int)(resp >> 24) & 0xff;
	if ((resp & GHCB_MSR_INFO_MASK) != GHCB_MSR_SEV_INFO_RESP)
		return GHCB_E_PROTOCOL;
	/* The ranges must meet (spec 2.2); then the highest common version. */
	if (min > max || max < GHCB_VERSION_MIN || min > GHCB_VERSION_MAX)
		return GHCB_E_PROTOCOL;
	ghcb_version = max < GHCB_VERSION_MAX ? max : GHCB_VERSION_MAX;
	return GHCB_OK;
}

int ghcb_msr_cpuid_reg(uint32_t leaf, unsigned int reg, uint32_t *val)
{
	uint64_t resp;

	if (reg > 3)
		return GHCB_E_INVAL;
	resp = ghcb_msr_call(GHCB_MSR_CPUID_REQ | (uint64_t)reg << 30 | (uint64_t)leaf << 32);
	if ((resp & GHCB_MSR_INFO_MASK) != GHCB_MSR_CPUID_RESP)
		return GHCB_E_PROTOCOL;
	*val = (uint32_t)(resp >> 32);
	return GHCB_OK;
}

int ghcb_msr_cpuid(uint32_t leaf, struct cpuid_regs *r)
{
	uint32_t v[4];
	int ret;

	for (unsigned int i = 0; i < 4; i++) {
		ret = ghcb_msr_cpuid_reg(leaf, i, &v[i]);
		if (ret)
			return ret;
	}
	*r = (struct cpuid_regs){ .eax = v[0], .ebx = v[1], .ecx = v[2], .edx = v[3] };
	return GHCB_OK;
}

void ghcb_msr_terminate(unsigned int set, unsigned int code)
{
	ghcb_hw_wrmsr_vmgexit(GHCB_MSR_TERM_REQ | (uint64_t)(set & 0xf) << 12 |
			      (uint64_t)(code & 0xff) << 16);
}

/* ---- Page protocol (spec 2.3.2, 4.1) ---- */

/* Nothing of an earlier request may look valid in this one. */
static void ghcb_invalidate(struct ghcb *g)
{
	g->save.sw_exit_code = 0;
	memset(g->save.valid_bitmap, 0, sizeof(g->save.valid_bitmap));
}

static int ghcb_hv_call(struct ghcb_cpu *c, uint64_t code, uint64_t info1, uint64_t info2)
{
	struct ghcb *g = c->page;
	uint64_t r1, r2;

	ghcb_set(g, sw_exit_code, code);
	ghcb_set(g, sw_exit_info1, info1);
	ghcb_set(g, sw_exit_info2, info2);
	/* Spec 2.3.2: the version in use and usage 0 (the standard layout). */
	g->protocol_version = ghcb_version;
	g->usage = 0;
	ghcb_barrier();
	ghcb_hw_wrmsr_vmgexit(c->gpa);
	ghcb_barrier();

	r1 = *(volatile uint64_t *)&g->save.sw_exit_info1;
	r2 = *(volatile uint64_t *)&g->save.sw_exit_info2;
	if (!(uint32_t)r1)
		return GHCB_OK;
	c->fail_code = code;
	c->fail_info1 = r1;
	c->fail_info2 = r2;
	if ((uint32_t)r1 == GHCB_RESULT_EXCEPTION && (r2 & EVENTINJ_V) &&
	    EVENTINJ_TYPE(r2) == EVENTINJ_TYPE_EXCEPTION)
		return GHCB_E_EXCEPTION;
	return GHCB_E_HV;
}

uint64_t ghcb_event(const struct ghcb_cpu *c)
{
	return c->fail_info2;
}

/* An output the hypervisor must have written, read once. */
#define ghcb_out(c, g, f, dst)                                      \
	({                                                          \
		int __ok = ghcb_valid(g, f);                        \
		if (__ok)                                           \
			(dst) = *(volatile uint64_t *)&(g)->save.f; \
		else                                                \
			(c)->fail_code = (g)->save.sw_exit_code;    \
		__ok;                                               \
	})

static uint64_t size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

int ghcb_ioio(struct ghcb_cpu *c, uint16_t port, unsigned int size, bool in, uint32_t *val)
{
	struct ghcb *g = c->page;
	uint64_t info1 = (uint64_t)port << IOIO_PORT_SHIFT | IOIO_A64, rax = 0;
	int ret;

	switch (size) {
	case 1:
		info1 |= IOIO_SZ8;
		break;
	case 2:
		info1 |= IOIO_SZ16;
		break;
	case 4:
		info1 |= IOIO_SZ32;
		break;
	default:
		return GHCB_E_INVAL;
	}
	ghcb_invalidate(g);
	if (in)
		info1 |= IOIO_TYPE_IN;
	else
		ghcb_set(g, rax, *val & size_mask(size));
	ret = ghcb_hv_call(c, SVM_EXIT_IOIO, info1, 0);
	if (ret || !in)
		return ret;
	if (!ghcb_out(c, g, rax, rax))
		return GHCB_E_OUTPUT;
	*val = (uint32_t)(rax & size_mask(size));
	return GHCB_OK;
}

int ghcb_mmio(struct ghcb_cpu *c, uint64_t gpa, unsigned int size, bool write, uint64_t *val)
{
	struct ghcb *g = c->page;
	uint64_t v = 0;
	int ret;

	/* At most 8 bytes, data inside the GHCB: what GHCB v2 allows. */
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return GHCB_E_INVAL;
	ghcb_invalidate(g);
	if (write) {
		v = *val;
		memcpy(g->shared, &v, size);
	}
	ghcb_set(g, sw_scratch, c->gpa + GHCB_SHARED_OFF);
	ret = ghcb_hv_call(c, write ? SVM_VMGEXIT_MMIO_WRITE : SVM_VMGEXIT_MMIO_READ, gpa, size);
	if (ret || write)
		return ret;
	ghcb_barrier();
	memcpy(&v, g->shared, size);
	*val = v;
	return GHCB_OK;
}

int ghcb_cpuid(struct ghcb_cpu *c, uint32_t leaf, uint32_t subleaf, uint64_t xcr0,
	       struct cpuid_regs *r)
{
	struct ghcb *g = c->page;
	uint64_t a, b, cx, d;
	int ret;

	ghcb_invalidate(g);
	ghcb_set(g, rax, leaf);
	ghcb_set(g, rcx, subleaf);
	/* Leaf 0xd's sizes depend on XCR0, which only the guest knows (spec 4.1.3). */
	if (leaf == 0xd)
		ghcb_set(g, xcr0, xcr0);
	ret = ghcb_hv_call(c, SVM_EXIT_CPUID, 0, 0);
	if (ret)
		return ret;
	if (!ghcb_out(c, g, rax, a) || !ghcb_out(c, g, rbx, b) || !ghcb_out(c, g, rcx, cx) ||
	    !ghcb_out(c, g, rdx, d))
		return GHCB_E_OUTPUT;
	*r = (struct cpuid_regs){ (uint32_t)a, (uint32_t)b, (uint32_t)cx, (uint32_t)d };
	return GHCB_OK;
}

int ghcb_rdmsr(struct ghcb_cpu *c, uint32_t msr, uint64_t *val)
{
	struct ghcb *g = c->page;
	uint64_t a, d;
	int ret;

	ghcb_invalidate(g);
	ghcb_set(g, rcx, msr);
	ret = ghcb_hv_call(c, SVM_EXIT_MSR, 0, 0); /* SW_EXITINFO1 0: read */
	if (ret)
		return ret;
	if (!ghcb_out(c, g, rax, a) || !ghcb_out(c, g, rdx, d))
		return GHCB_E_OUTPUT;
	*val = d << 32 | (uint32_t)a;
	return GHCB_OK;
}

int ghcb_wrmsr(struct ghcb_cpu *c, uint32_t msr, uint64_t val)
{
	struct ghcb *g = c->page;

	ghcb_invalidate(g);
	ghcb_set(g, rcx, msr);
	ghcb_set(g, rax, (uint32_t)val);
	ghcb_set(g, rdx, val >> 32);
	return ghcb_hv_call(c, SVM_EXIT_MSR, 1, 0); /* SW_EXITINFO1 1: write */
}

int ghcb_rdtsc(struct ghcb_cpu *c, bool rdtscp, uint64_t *tsc, uint32_t *aux)
{
	struct ghcb *g = c->page;
	uint64_t a, d, cx = 0;
	int ret;

	ghcb_invalidate(g);
	ret = ghcb_hv_call(c, rdtscp ? SVM_EXIT_RDTSCP : SVM_EXIT_RDTSC, 0, 0);
	if (ret)
		return ret;
	if (!ghcb_out(c, g, rax, a) || !ghcb_out(c, g, rdx, d) ||
	    (rdtscp && !ghcb_out(c, g, rcx, cx)))
		return GHCB_E_OUTPUT;
	*tsc = d << 32 | (uint32_t)a;
	if (aux)
		*aux = (uint32_t)cx;
	return GHCB_OK;
}

void ghcb_terminate(struct ghcb_cpu *c, unsigned int set, unsigned int code)
{
	ghcb_invalidate(c->page);
	/* SW_EXITINFO1: 3:0 reason code set, 11:4 reason code (spec 4.1.13). */
	(void)ghcb_hv_call(c, SVM_VMGEXIT_TERM_REQ, (set & 0xf) | (uint64_t)(code & 0xff) << 4, 0);
}
