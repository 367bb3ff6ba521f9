/* SPDX-License-Identifier: MIT */
/*
 * Exception entry stubs for vectors 0-31 and the setjmp/longjmp pair that
 * the "expected fault" mode of idt.c resumes through.
 *
 * Each stub makes the frame uniform (a zero error code where the CPU
 * pushes none, APM vol. 2, 8.2 "Vectors") and pushes its vector.  In
 * 64-bit mode the CPU aligns RSP to 16 bytes before it pushes the
 * interrupt frame (APM vol. 2, 8.9.3 "Interrupt Stack Frame"), so after
 * the 5 frame words, error code, vector and 15 registers (22 words) the
 * stack is still 16-byte aligned for the call into C.
 */
#include "layout.h"

	.text
	.code64

.macro ISR_NOERR vec
	.balign 16
isr_\vec:
	pushq	$0
	pushq	$\vec
	jmp	isr_common
.endm

.macro ISR_ERR vec
	.balign 16
isr_\vec:
	pushq	$\vec
	jmp	isr_common
.endm

	/* Vectors with an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX. */
	ISR_NOERR 0
	ISR_NOERR 1
	ISR_NOERR 2
	ISR_NOERR 3
	ISR_NOERR 4
	ISR_NOERR 5
	ISR_NOERR 6
	ISR_NOERR 7
	ISR_ERR 8
	ISR_NOERR 9
	ISR_ERR 10
	ISR_ERR 11
	ISR_ERR 12
	ISR_ERR 13
	ISR_ERR 14
	ISR_NOERR 15
	ISR_NOERR 16
	ISR_ERR 17
	ISR_NOERR 18
	ISR_NOERR 19
	ISR_NOERR 20
	ISR_ERR 21
	ISR_NOERR 22
	ISR_NOERR 23
	ISR_NOERR 24
	ISR_NOERR 25
	ISR_NOERR 26
	ISR_NOERR 27
	ISR_NOERR 28
	ISR_ERR 29
	ISR_ERR 30
	ISR_NOERR 31

	/* Register order must match struct exc_frame in idt.h. */
isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	call	exc_handler
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq

	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	isr_\vec
	.endr

	.text
	/*
	 * int fault_setjmp(struct fault_jmpbuf *jb): saves the callee-saved
	 * registers, the caller's stack pointer and the return address;
	 * returns 0, and 1 when exc_handler() resumes through fault_longjmp().
	 */
	.globl fault_setjmp
	.balign 16
fault_setjmp:
	movq	%rbx, FW_JMPBUF_RBX(%rdi)
	movq	%rbp, FW_JMPBUF_RBP(%rdi)
	movq	%r12, FW_JMPBUF_R12(%rdi)
	movq	%r13, FW_JMPBUF_R13(%rdi)
	movq	%r14, FW_JMPBUF_R14(%rdi)
	movq	%r15, FW_JMPBUF_R15(%rdi)
	leaq	8(%rsp), %rax
	movq	%rax, FW_JMPBUF_RSP(%rdi)
	movq	(%rsp), %rax
	movq	%rax, FW_JMPBUF_RIP(%rdi)
	xorl	%eax, %eax
	ret

	/*
	 * void fault_longjmp(const struct fault_jmpbuf *jb): back to where
	 * fault_setjmp() was called, abandoning the exception frame; that is
	 * safe because exceptions at CPL 0 without IST stay on this stack.
	 */
	.globl fault_longjmp
	.balign 16
fault_longjmp:
	movq	FW_JMPBUF_RBX(%rdi), %rbx
	movq	FW_JMPBUF_RBP(%rdi), %rbp
	movq	FW_JMPBUF_R12(%rdi), %r12
	movq	FW_JMPBUF_R13(%rdi), %r13
	movq	FW_JMPBUF_R14(%rdi), %r14
	movq	FW_JMPBUF_R15(%rdi), %r15
	movq	FW_JMPBUF_RSP(%rdi), %rsp
	movl	$1, %eax
	jmpq	*FW_JMPBUF_RIP(%rdi)
