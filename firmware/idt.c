// SPDX-License-Identifier: MIT
/*
 * The IDT and the exception handler.  All 32 exception vectors use
 * interrupt gates (IF stays clear) on the current stack: no IST, no TSS,
 * so a stack overflow ends in a triple fault, which the VMM reports.
 */
#include "idt.h"
#include "io.h"
#include "sev.h"
#include "test.h"
#include "vc.h"
#include "virtio_console.h"

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type; /* P | DPL 0 | 0xe: 64-bit interrupt gate */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define NR_EXC 32

extern const uint64_t isr_table[NR_EXC];

static struct idt_gate idt[NR_EXC] __aligned(16);

struct cpu_faults {
	int armed; /* vector + 1, or 0 */
	unsigned int depth; /* exception nesting in the handler */
	struct fault_jmpbuf jb;
	struct fault_record last;
};

static struct cpu_faults cpu_faults[FW_MAX_CPUS];

/* clang-format off */
static const char *const exc_names[NR_EXC] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "22", "23",
	"24", "25", "26", "27", "#HV", "#VC", "#SX", "31",
};
/* clang-format on */

const char *exc_name(unsigned int vector)
{
	return vector < NR_EXC ? exc_names[vector] : "?";
}

void idt_init(void)
{
	unsigned int i;

	for (i = 0; i < NR_EXC; i++) {
		uint64_t h = isr_table[i];

		idt[i] = (struct idt_gate){
			.off_lo = (uint16_t)h,
			.sel = FW_CODE_SEL,
			.type = 0x8e,
			.off_mid = (uint16_t)(h >> 16),
			.off_hi = (uint32_t)(h >> 32),
		};
	}
}

void idt_load(void)
{
	struct desc_ptr p = { .limit = sizeof(idt) - 1, .base = (uint64_t)idt };

	__asm__ __volatile__("lidt %0" : : "m"(p));
}

struct fault_jmpbuf *fault_arm(unsigned int vector)
{
	struct cpu_faults *c = &cpu_faults[this_cpu()];

	c->armed = (int)vector + 1;
	return &c->jb;
}

void fault_disarm(void)
{
	cpu_faults[this_cpu()].armed = 0;
}

const struct fault_record *fault_last(void)
{
	return &cpu_faults[this_cpu()].last;
}

/* Frame-pointer backtrace, staying inside this CPU's stack. */
static void print_backtrace(unsigned int cpu, uint64_t rbp)
{
	uint64_t lo = cpu_stack_base(cpu), hi = lo + FW_STACK_SIZE;
	unsigned int i;

	printf("# exception: backtrace");
	for (i = 0; i < 8 && rbp >= lo && rbp + 16 <= hi && IS_ALIGNED(rbp, 8); i++) {
		const uint64_t *fp = (const uint64_t *)rbp;

		printf(" 0x%lx", fp[1]);
		if (fp[0] <= rbp)
			break;
		rbp = fp[0];
	}
	printf("\n");
}

static const char *const vc_op_names[] = {
	[VC_CPUID] = "CPUID", [VC_RDMSR] = "RDMSR",	    [VC_WRMSR] = "WRMSR",
	[VC_RDTSC] = "RDTSC", [VC_RDTSCP] = "RDTSCP",	    [VC_IN] = "IN",
	[VC_OUT] = "OUT",     [VC_MMIO_READ] = "MMIO read", [VC_MMIO_WRITE] = "MMIO write",
};

/* A #VC that cannot be served: say what we can, then terminate. */
static void __noreturn vc_fatal(const struct exc_frame *f, unsigned int cpu,
				const struct vc_fail *fail, unsigned int reason)
{
	const uint8_t *code = (const uint8_t *)(uintptr_t)f->rip;
	struct ghcb_cpu *g = sev_ghcb();
	unsigned int i;

	if (cpu_faults[cpu].depth++)
		fw_crash(reason);
	if (!vcon_lock_for_panic())
		fw_crash(reason);
	vcon_unlock();
	printf("# #VC: exit code 0x%lx at rip 0x%lx on cpu %u: %s\n", f->error, f->rip, cpu,
	       fail->why);
	printf("# #VC: instruction bytes");
	for (i = 0; i < VC_INSN_MAX; i++)
		printf(" %02x", code[i]);
	printf("\n");
	if (fail->decoded)
		printf("# #VC: decoded as %s, %u bytes, size %u, port 0x%x, address 0x%lx\n",
		       vc_op_names[fail->insn.op], fail->insn.len, fail->insn.size, fail->insn.port,
		       fail->insn.addr);
	if (fail->ghcb_ret && g)
		printf("# #VC: GHCB: %s: exit code 0x%lx, SW_EXITINFO1 0x%lx, SW_EXITINFO2 0x%lx\n",
		       ghcb_strerror(fail->ghcb_ret), g->fail_code, g->fail_info1, g->fail_info2);
	printf("Bail out! #VC the firmware cannot serve on cpu %u in %s\n", cpu,
	       runner_current() ? runner_current() : "the firmware");
	fw_crash(reason);
}

/* True when the #VC was served and the instruction stepped over. */
static bool vc_dispatch(struct exc_frame *f, unsigned int cpu)
{
	struct ghcb_cpu *g = sev_ghcb();
	struct vc_fail fail;
	enum vc_result r;

	if (g && g->busy) {
		/* Requests never fault, so this is a bug; the page is ours to reuse. */
		g->busy = false;
		fail = (struct vc_fail){ .why = "#VC inside a GHCB request" };
		vc_fatal(f, cpu, &fail, FW_TERM_GHCB_BUSY);
	}
	if (g)
		g->busy = true;
	r = vc_handle(f, g, &fail);
	if (g)
		g->busy = false;
	if (r == VC_FAIL)
		vc_fatal(f, cpu, &fail, fail.ghcb_ret ? FW_TERM_GHCB : FW_TERM_VC);
	return r == VC_DONE;
}

void exc_handler(struct exc_frame *f);

void exc_handler(struct exc_frame *f)
{
	unsigned int cpu = this_cpu(), vec = (unsigned int)f->vector;
	struct cpu_faults *c;
	struct ghcb_cpu *g;
	uint64_t cr2 = read_cr2();

	if (cpu >= FW_MAX_CPUS)
		fw_crash(vec); /* not on one of our stacks */
	c = &cpu_faults[cpu];

	/*
	 * #VC (SEV-ES): serve the instruction through the GHCB.  When the
	 * hypervisor answers with an exception to inject, that exception
	 * is what the instruction raised: handle it as such below.
	 */
	if (vec == X86_VEC_VC) {
		if (vc_dispatch(f, cpu))
			return;
		vec = (unsigned int)f->vector;
	}

	if (c->armed == (int)vec + 1 && c->depth == 0) {
		c->armed = 0;
		c->last = (struct fault_record){
			.vector = vec,
			.cpu = cpu,
			.error = f->error,
			.rip = f->rip,
			.cr2 = cr2,
		};
		fault_longjmp(&c->jb);
	}

	/* A fault while reporting one: do not try to print again. */
	if (c->depth++)
		fw_crash(vec);
	/* A fault inside a GHCB request abandons it; the console needs the page. */
	g = sev_ghcb();
	if (g)
		g->busy = false;
	if (!vcon_lock_for_panic())
		fw_crash(vec);
	vcon_unlock();

	printf("# exception: vector %u (%s) error 0x%lx rip 0x%lx cr2 0x%lx\n", vec, exc_name(vec),
	       f->error, f->rip, cr2);
	printf("# exception: cpu %u rsp 0x%lx rflags 0x%lx cs 0x%lx%s\n", cpu, f->rsp, f->rflags,
	       f->cs, c->armed ? " (a different vector was expected)" : "");
	printf("# exception: rax 0x%lx rbx 0x%lx rcx 0x%lx rdx 0x%lx\n", f->rax, f->rbx, f->rcx,
	       f->rdx);
	printf("# exception: rsi 0x%lx rdi 0x%lx rbp 0x%lx r8 0x%lx\n", f->rsi, f->rdi, f->rbp,
	       f->r8);
	print_backtrace(cpu, f->rbp);
	printf("Bail out! unexpected exception %s on cpu %u in %s\n", exc_name(vec), cpu,
	       runner_current() ? runner_current() : "the firmware");
	fw_crash(vec);
}

void __noreturn exc_raise(unsigned int vector, uint64_t error)
{
	struct exc_frame f = {
		.vector = vector,
		.error = error,
		.rip = (uint64_t)__builtin_return_address(0),
		.cs = FW_CODE_SEL,
		.ss = FW_DATA_SEL,
	};

	__asm__ __volatile__("movq %%rsp, %0\n\t"
			     "movq %%rbp, %1\n\t"
			     "pushfq\n\t"
			     "popq %2"
			     : "=r"(f.rsp), "=r"(f.rbp), "=r"(f.rflags));
	if (vector != X86_VEC_VC)
		exc_handler(&f);
	fw_crash(vector);
}
