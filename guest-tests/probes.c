// SPDX-License-Identifier: MIT
#include "probes.h"

__asm__(".text\n"
	".globl probe_read\n"
	"probe_read:\n"
	"	movq (%rdi), %rax\n"
	"	ret\n"

	".globl probe_write\n"
	"probe_write:\n"
	"	movq %rsi, (%rdi)\n"
	"	ret\n"

	".globl probe_ud\n"
	"probe_ud:\n"
	"	ud2\n"
	"	ret\n"

	".globl probe_div0, probe_div0_insn\n"
	"probe_div0:\n"
	"	xorl %ecx, %ecx\n"
	"	movl $1, %eax\n"
	"	xorl %edx, %edx\n"
	"probe_div0_insn:\n"
	"	divl %ecx\n"
	"	ret\n"

	".globl probe_int3, probe_int3_after\n"
	"probe_int3:\n"
	"	int3\n"
	"probe_int3_after:\n"
	"	ret\n"

	/* The data selector is restored on the way out if the load worked. */
	".globl probe_load_ds, probe_load_ds_insn\n"
	"probe_load_ds:\n"
	"	movl %edi, %eax\n"
	"probe_load_ds_insn:\n"
	"	movl %eax, %ds\n"
	"	movl $0x10, %eax\n"
	"	movl %eax, %ds\n"
	"	ret\n"

	".globl probe_call\n"
	"probe_call:\n"
	"	call *%rdi\n"
	"	ret\n");
