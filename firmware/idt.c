// SPDX-License-Identifier: MIT
/*
 * The IDT and the exception handler.  All 32 exception vectors use
 * interrupt gates (IF stays clear) on the current stack: no IST, no TSS,
 * so a stack overflow ends in a triple fault, which the VMM reports.
 */
#include "idt.h"
#include "io.h"
#include "test.h"
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

void exc_handler(struct exc_frame *f);

void exc_handler(struct exc_frame *f)
{
	unsigned int cpu = this_cpu(), vec = (unsigned int)f->vector;
	struct cpu_faults *c;
	uint64_t cr2 = read_cr2();

	if (cpu >= FW_MAX_CPUS)
		fw_exit(MINISEV_EXIT_CRASH); /* not on one of our stacks */
	c = &cpu_faults[cpu];

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
		fw_exit(MINISEV_EXIT_CRASH);
	if (!vcon_lock_for_panic())
		fw_exit(MINISEV_EXIT_CRASH);
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
	fw_exit(MINISEV_EXIT_CRASH);
}
