/* SPDX-License-Identifier: MIT */
/*
 * Firmware layout constants, shared by C, the assembly entry and the
 * (preprocessed) linker script, so this file holds #defines only.  Values
 * that repeat include/minisev/abi.h are checked against it in main.c.
 */
#ifndef FW_LAYOUT_H
#define FW_LAYOUT_H

#define FW_VERSION "0.1"

#define FW_BASE 0x100000 /* MINISEV_FW_BASE */
#define FW_LIMIT 0x400000 /* MINISEV_FW_LIMIT */

/*
 * One stack per possible vCPU, 16 KiB each, in a NOLOAD area after .bss:
 * not in the ELF file, so not in the SEV launch measurement.  The CPU
 * index of the code that runs is (rsp - __stacks_start) >> FW_STACK_SHIFT,
 * which needs neither an MSR (GS base) nor CPUID, both of which raise #VC
 * under SEV-ES.
 */
#define FW_MAX_CPUS 16 /* MINISEV_MAX_VCPUS */
#define FW_STACK_SHIFT 14
#define FW_STACK_SIZE (1 << FW_STACK_SHIFT)

/* Our own GDT uses the selectors the VMM started us with. */
#define FW_CODE_SEL 0x08
#define FW_DATA_SEL 0x10

#define FW_PORT_EXIT 0x0500 /* MINISEV_PORT_EXIT */
#define FW_EXIT_CRASH 0x02 /* MINISEV_EXIT_CRASH */

/* Size of struct fault_jmpbuf (firmware/idt.h), used by isr.S. */
#define FW_JMPBUF_RBX 0
#define FW_JMPBUF_RBP 8
#define FW_JMPBUF_R12 16
#define FW_JMPBUF_R13 24
#define FW_JMPBUF_R14 32
#define FW_JMPBUF_R15 40
#define FW_JMPBUF_RSP 48
#define FW_JMPBUF_RIP 56

#endif /* FW_LAYOUT_H */
