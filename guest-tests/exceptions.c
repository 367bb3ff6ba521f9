// SPDX-License-Identifier: MIT
/*
 * exceptions: faults raised on purpose are caught with the right vector,
 * error code, RIP and CR2, and the run goes on.  Error codes and RIPs are
 * from APM vol. 2, 8.2 "Vectors" (faults report the faulting instruction,
 * traps the next one) and 8.4 "Error Codes".
 */
#include "test.h"
#include "idt.h"
#include "io.h"
#include "smp.h"
#include "probes.h"

#define NONCANONICAL 0x8000000000000000ULL
#define BAD_SELECTOR 0x40 /* beyond our 3-entry GDT */

struct expect {
	const char *what;
	unsigned int vector;
	uint64_t error; /* ~0: do not check */
	uint64_t rip;
	uint64_t cr2; /* ~0: do not check */
};

static void check_fault(const struct expect *e, const struct fault_record *r)
{
	diag("%s: vector %u (%s) error 0x%lx rip 0x%lx cr2 0x%lx", e->what, r->vector,
	     exc_name(r->vector), r->error, r->rip, r->cr2);
	check(r->vector == e->vector, "%s: vector %u, expected %u", e->what, r->vector, e->vector);
	if (e->error != ~0ULL)
		check(r->error == e->error, "%s: error code 0x%lx, expected 0x%lx", e->what,
		      r->error, e->error);
	check(r->rip == e->rip, "%s: RIP 0x%lx, expected 0x%lx", e->what, r->rip, e->rip);
	if (e->cr2 != ~0ULL)
		check(r->cr2 == e->cr2, "%s: CR2 0x%lx, expected 0x%lx", e->what, r->cr2, e->cr2);
}

/*
 * Each probe in its own function so that fault_try()'s setjmp frame is
 * simple.  `noinline` keeps the caller's locals out of the picture.
 */
#define DEFINE_CASE(name, vec, body)                     \
	static __attribute__((noinline)) bool name(void) \
	{                                                \
		if (!fault_try(vec)) {                   \
			body;                            \
			fault_disarm();                  \
			return false;                    \
		}                                        \
		return true;                             \
	}

DEFINE_CASE(case_pf_read, X86_VEC_PF, probe_read(0x10))
DEFINE_CASE(case_pf_write, X86_VEC_PF, probe_write(0x28, 1))
DEFINE_CASE(case_pf_fetch, X86_VEC_PF, probe_call(0))
DEFINE_CASE(case_gp_noncanonical, X86_VEC_GP, probe_read(NONCANONICAL))
DEFINE_CASE(case_gp_selector, X86_VEC_GP, probe_load_ds(BAD_SELECTOR))
DEFINE_CASE(case_ud, X86_VEC_UD, probe_ud())
DEFINE_CASE(case_de, X86_VEC_DE, probe_div0())
DEFINE_CASE(case_bp, X86_VEC_BP, probe_int3())

static void run_case(bool (*fn)(void), const struct expect *e)
{
	if (!check(fn(), "%s: no exception", e->what))
		return;
	check_fault(e, fault_last());
}

/* On the APs: the expected-fault state is per CPU. */
static struct {
	bool caught;
	struct fault_record rec;
} ap_result[FW_MAX_CPUS];

static void ap_ud(unsigned int cpu, void *arg)
{
	ap_result[cpu].caught = case_ud();
	ap_result[cpu].rec = *fault_last();
}

GUEST_TEST(exceptions, 0)
{
	bool nxe = msr_read(MSR_EFER) & EFER_NXE;
	const struct expect pf_read = { "#PF read of 0x10", X86_VEC_PF, 0, (uint64_t)probe_read,
					0x10 };
	const struct expect pf_write = { "#PF write to 0x28", X86_VEC_PF, PF_ERR_W,
					 (uint64_t)probe_write, 0x28 };
	/* The I/D bit is only defined with EFER.NXE set (APM vol. 2, 8.4.2). */
	const struct expect pf_fetch = { "#PF fetch from 0", X86_VEC_PF, nxe ? PF_ERR_ID : ~0ULL, 0,
					 0 };
	const struct expect gp_nc = { "#GP non-canonical read", X86_VEC_GP, 0, (uint64_t)probe_read,
				      ~0ULL };
	const struct expect gp_sel = { "#GP bad selector", X86_VEC_GP, BAD_SELECTOR,
				       (uint64_t)probe_load_ds_insn, ~0ULL };
	const struct expect ud = { "#UD ud2", X86_VEC_UD, 0, (uint64_t)probe_ud, ~0ULL };
	const struct expect de = { "#DE divide by zero", X86_VEC_DE, 0, (uint64_t)probe_div0_insn,
				   ~0ULL };
	unsigned int cpu, online, done;
	uint16_t ds;

	run_case(case_pf_read, &pf_read);
	run_case(case_pf_write, &pf_write);
	run_case(case_pf_fetch, &pf_fetch);
	if (fault_last()->vector == X86_VEC_PF && !nxe)
		check(!(fault_last()->error & ~(uint64_t)PF_ERR_ID), "#PF fetch: error 0x%lx",
		      fault_last()->error);
	run_case(case_gp_noncanonical, &gp_nc);
	run_case(case_gp_selector, &gp_sel);
	__asm__ __volatile__("mov %%ds, %0" : "=r"(ds));
	check(ds == FW_DATA_SEL, "DS is 0x%x after the failed load", ds);
	run_case(case_ud, &ud);
	run_case(case_de, &de);

	/* And the same on every AP. */
	online = smp_online();
	memset(ap_result, 0, sizeof(ap_result));
	done = smp_call_aps(ap_ud, NULL);
	check(done == online, "%u of %u APs finished", done, online);
	for (cpu = 1; cpu <= online && cpu < FW_MAX_CPUS; cpu++) {
		check(ap_result[cpu].caught, "cpu %u: #UD not caught", cpu);
		check(ap_result[cpu].rec.cpu == cpu && ap_result[cpu].rec.rip == (uint64_t)probe_ud,
		      "cpu %u: #UD recorded on cpu %u at 0x%lx", cpu, ap_result[cpu].rec.cpu,
		      ap_result[cpu].rec.rip);
	}
	if (online)
		diag("#UD caught on %u APs too", online);
	return test_result();
}

/*
 * #BP on its own: a trap, so RIP is the instruction after the int3.  Some
 * software KVMs cannot deliver it (PVM ends int3 in an emulation
 * failure); the VMM probes for that and says so in the boot info, and
 * this test then skips with that reason instead of taking the VM down.
 */
GUEST_TEST(breakpoint, 0)
{
	const struct expect bp = { "#BP int3 (a trap)", X86_VEC_BP, 0, (uint64_t)probe_int3_after,
				   ~0ULL };

	if (fw_boot.flags & MINISEV_BOOT_F_NO_BP)
		return test_skip("this KVM cannot deliver a #BP to the guest (the VMM's probe)");
	run_case(case_bp, &bp);
	diag("#BP caught");
	return test_result();
}
