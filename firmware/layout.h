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

/* struct minisev_boot_info: offset of `flags`, and the SEV-ES flag. */
#define FW_BOOT_FLAGS_OFF 12
#define FW_BOOT_F_SEV_ES 0x2 /* MINISEV_BOOT_F_SEV_ES */

/*
 * Under SEV-ES a crash ends with a GHCB termination request (GHCB MSR
 * protocol 0x100) in reason code set FW_TERM_SET; the VMM sees the raw
 * MSR value in KVM_SYSTEM_EVENT_SEV_TERM's data[0] (set in bits 15:12,
 * code in 23:16).  Codes 0x00-0x1f: an unexpected exception, the vector.
 */
#define FW_TERM_SET 1
#define FW_TERM_CRASH 0x40 /* fw_panic() or another crash verdict */
#define FW_TERM_SEV_MISMATCH 0x41 /* CPUID, SEV_STATUS and boot info disagree */
#define FW_TERM_VC 0x42 /* #VC for an instruction the handler cannot serve */
#define FW_TERM_GHCB 0x43 /* a GHCB request failed */
#define FW_TERM_GHCB_BUSY 0x44 /* #VC or request while this CPU's GHCB was in use */
#define FW_TERM_NO_GHCB 0x45 /* no usable GHCB page (shared window missing or private) */
#define FW_TERM_TOO_MANY_CPUS 0x46 /* more vCPUs than stacks (entry.S) */
/* The measured-boot verifier (verifier.c): which blob differs from its hash. */
#define FW_TERM_LINUX_KERNEL 0x47
#define FW_TERM_LINUX_INITRD 0x48
#define FW_TERM_LINUX_CMDLINE 0x49
#define FW_GHCB_MSR 0xc0010130
#define FW_GHCB_MSR_TERM_REQ 0x100

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
