/* SPDX-License-Identifier: MIT */
/*
 * `minisev run --kernel`: put a bzImage, its initrd, command line, zero
 * page, GDT, page tables and ACPI tables into guest memory (linux.h has
 * the checks and the layout; this file reads the files and writes
 * memory).  Two ways in:
 *   - direct: everything at its place and the boot vCPU at the kernel's
 *     64-bit entry (plain guests);
 *   - verified: the firmware boots first, copies kernel, initrd and
 *     command line from a staging area into private memory, checks them
 *     against the measured kernel-hashes table and enters the kernel
 *     itself (SEV and SEV-ES, or --verify without SEV).
 */
#ifndef MINISEV_LINUX_BOOT_H
#define MINISEV_LINUX_BOOT_H

#include "boot.h"
#include "vm.h"

/*
 * The virtio console's interrupt (ACPI _CRS, IOAPIC pin).  Above 15 on
 * purpose: GSIs 0-15 reach the 8259 too, whose vector base is 0 until
 * Linux programs it, so an edge from before Linux ran (the verifier
 * prints through the same device) would arrive as exception vector 5.
 * The IOAPIC keeps its pins masked until Linux sets them up.
 */
#define LINUX_CONSOLE_IRQ 16
/* The command line without --cmdline: the console is the virtio one. */
#define LINUX_DEFAULT_CMDLINE "console=hvc0"

/* Change one byte of a staged blob after the table was built (--provoke). */
enum linux_tamper {
	LINUX_TAMPER_NONE,
	LINUX_TAMPER_KERNEL,
	LINUX_TAMPER_INITRD,
	LINUX_TAMPER_CMDLINE,
};

struct linux_boot_args {
	const char *kernel; /* bzImage path */
	const char *initrd; /* NULL: none */
	const char *cmdline; /* NULL: LINUX_DEFAULT_CMDLINE */
	enum linux_tamper tamper;
};

static inline const char *linux_cmdline(const struct linux_boot_args *a)
{
	return a->cmdline ? a->cmdline : LINUX_DEFAULT_CMDLINE;
}

/*
 * Direct boot: load everything and fill `e` for the boot vCPU.  A bad
 * file is reported (path and reason) and gives -EINVAL.
 */
int __must_check linux_boot_load(struct vm *vm, const struct linux_boot_args *a,
				 struct boot_entry *e);

/*
 * Verified boot: put kernel, initrd, command line, zero page and ACPI
 * tables in a staging area above the kernel's runtime memory and the
 * descriptor (struct minisev_linux_desc) in the shared window; nothing
 * of it is measured.
 */
int __must_check linux_boot_stage(struct vm *vm, const struct linux_boot_args *a);

#endif /* MINISEV_LINUX_BOOT_H */
