/* SPDX-License-Identifier: MIT */
/*
 * 64-bit entry.  Every vCPU arrives here at once, in long mode, with the
 * same registers (RSP = 0, RSI = boot-info GPA, interrupts off): the VMM
 * makes them identical so that an SEV-ES launch can measure one AP VMSA.
 * So the first thing each CPU does is to find out who it is, without a
 * stack and without CPUID (which raises #VC under SEV-ES before any IDT
 * exists): a `lock xadd` on a counter in .data hands out indices 0, 1, ...
 * in arrival order.  Index 0 is the BSP for the rest of the run.
 *
 * Then: a stack from the per-CPU stack area, our own GDT, and a rendezvous:
 * the BSP zeroes .bss (NOLOAD, never written by the VMM, so on SEV
 * hardware it may hold garbage), builds the IDT and releases the APs
 * through a flag that, like the counter, lives in .data and so has a known
 * value from the first instruction.
 */
#include "layout.h"

	.section .text.entry, "ax"
	.code64
	.globl _start
_start:
	cld
	movl	$1, %eax
	lock xaddl %eax, fw_cpu_counter(%rip)
	cmpl	$FW_MAX_CPUS, %eax
	jae	.Ltoo_many
	movl	%eax, %ebx		/* CPU index, callee-saved from here on */
	movq	%rsi, %r12		/* boot-info GPA, likewise */

	/* rsp = __stacks_start + (index + 1) * FW_STACK_SIZE, 16-byte aligned */
	leaq	__stacks_start(%rip), %rsp
	leal	1(%rax), %ecx
	shlq	$FW_STACK_SHIFT, %rcx
	addq	%rcx, %rsp

	/* Our own GDT: same selectors as the VMM's, reload all of them. */
	lgdt	fw_gdt_desc(%rip)
	movl	$FW_DATA_SEL, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	pushq	$FW_CODE_SEL
	leaq	.Lnew_cs(%rip), %rax
	pushq	%rax
	lretq
.Lnew_cs:
	testl	%ebx, %ebx
	jnz	.Lap_wait

	/* BSP: zero .bss, build and load the IDT, then let the APs go. */
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_end(%rip), %rcx
	subq	%rdi, %rcx
	xorl	%eax, %eax
	rep stosb
	call	fw_bsp_early
	/*
	 * x86 stores are not reordered with older stores (APM vol. 2,
	 * 7.2 "Multiprocessor Memory Access Ordering"), so an AP that sees
	 * the flag also sees the zeroed .bss and the IDT.
	 */
	movl	$1, fw_release(%rip)
	jmp	.Lcommon

.Lap_wait:
	pause
	cmpl	$0, fw_release(%rip)
	je	.Lap_wait

.Lcommon:
	xorl	%ebp, %ebp		/* ends the frame-pointer chain for backtraces */
	movl	%ebx, %edi
	movq	%r12, %rsi
	call	fw_cpu_entry		/* does not return */
.Lhang:
	cli
	hlt
	jmp	.Lhang

	/*
	 * More vCPUs than we have stacks for.  The VMM never creates more
	 * than MINISEV_MAX_VCPUS; end the run as a crash if it did.  Under
	 * SEV-ES (as the measured boot info says) an OUT would raise #VC
	 * with no IDT loaded, so terminate through the GHCB MSR protocol
	 * instead (GHCB spec 2.3.1); that WRMSR never raises #VC.
	 */
.Ltoo_many:
	testl	$FW_BOOT_F_SEV_ES, FW_BOOT_FLAGS_OFF(%rsi)
	jnz	.Lterminate
	movl	$FW_EXIT_CRASH, %eax
	movw	$FW_PORT_EXIT, %dx
	outl	%eax, %dx
	jmp	.Lhang
.Lterminate:
	movl	$FW_GHCB_MSR, %ecx
	movl	$(FW_GHCB_MSR_TERM_REQ | FW_TERM_SET << 12 | FW_TERM_TOO_MANY_CPUS << 16), %eax
	xorl	%edx, %edx
	wrmsr
	rep; vmmcall
	jmp	.Lhang

	.section .data
	.balign 4
	.globl fw_cpu_counter
fw_cpu_counter:
	.long	0
fw_release:
	.long	0

	/*
	 * Null, 64-bit code (0x08), data (0x10).  The accessed bits are preset
	 * so that loading a selector never writes to the table.
	 */
	.balign 16
fw_gdt:
	.quad	0
	.quad	0x00209b0000000000	/* P, DPL 0, code, readable, accessed, L */
	.quad	0x00cf93000000ffff	/* P, DPL 0, data, writable, accessed, 4 GiB */
fw_gdt_end:

	.balign 8
	.word	0			/* aligns the base for the 10-byte load */
fw_gdt_desc:
	.word	fw_gdt_end - fw_gdt - 1
	.quad	fw_gdt
