/* SPDX-License-Identifier: MIT */
/*
 * Exceptions: an IDT for vectors 0-31 whose handler reports the vector,
 * error code, RIP and CR2 and ends the run as a crash, unless a test armed
 * an "expected fault": then the handler records the fault and resumes at
 * the point where the test armed it, like longjmp().
 *
 *	if (!fault_try(X86_VEC_PF)) {
 *		*(volatile int *)0x10;		// faults
 *		fault_disarm();
 *		check(0, "no #PF");		// not reached if it faulted
 *	} else {
 *		const struct fault_record *r = fault_last();
 *		...
 *	}
 *
 * As with setjmp(), locals changed between fault_try() and the fault are
 * undefined afterwards unless they are volatile.
 */
#ifndef FW_IDT_H
#define FW_IDT_H

#include "fw.h"

#define X86_VEC_DE 0
#define X86_VEC_DB 1
#define X86_VEC_NMI 2
#define X86_VEC_BP 3
#define X86_VEC_UD 6
#define X86_VEC_DF 8
#define X86_VEC_GP 13
#define X86_VEC_PF 14
#define X86_VEC_VC 29

/* #PF error code bits (APM vol. 2, 8.4.2 "Page-Fault Error Code"). */
#define PF_ERR_P (1u << 0)
#define PF_ERR_W (1u << 1)
#define PF_ERR_U (1u << 2)
#define PF_ERR_RSV (1u << 3)
#define PF_ERR_ID (1u << 4)

/* What isr.S pushes; field order is the reverse of the push order. */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

struct fault_jmpbuf {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
};

struct fault_record {
	unsigned int vector;
	unsigned int cpu;
	uint64_t error, rip, cr2;
};

void idt_init(void); /* BSP, once, before the APs run */
void idt_load(void); /* every CPU */
const char *exc_name(unsigned int vector);

int fault_setjmp(struct fault_jmpbuf *jb) __attribute__((returns_twice));
void __noreturn fault_longjmp(const struct fault_jmpbuf *jb);
struct fault_jmpbuf *fault_arm(unsigned int vector);
#define fault_try(vector) fault_setjmp(fault_arm(vector))
void fault_disarm(void);
/* The last expected fault this CPU took. */
const struct fault_record *fault_last(void);

/*
 * Deliver exception `vector` with `error` as if the caller's instruction
 * had raised it: for a GHCB request that the hypervisor answers with an
 * exception to inject (GHCB spec 4.1.2).  Returns only to an armed
 * fault_try(), through its longjmp.
 */
void __noreturn exc_raise(unsigned int vector, uint64_t error);

#endif /* FW_IDT_H */
