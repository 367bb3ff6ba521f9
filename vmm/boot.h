/* SPDX-License-Identifier: MIT */
/*
 * The initial guest image besides the firmware: identity page tables and
 * the boot-info page (include/minisev/abi.h has the layout), and the
 * 64-bit entry state every vCPU starts in.
 */
#ifndef MINISEV_BOOT_H
#define MINISEV_BOOT_H

#include <stdint.h>
#include <linux/kvm.h>

#include "minisev/abi.h"
#include "guestmem.h"
#include "util.h"

/* Page-table entry bits (AMD APM vol. 2, 5.3). */
#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)

/*
 * Write the page tables at MINISEV_PGTABLE_GPA.  `cbit` is the C-bit
 * position (0 = no SEV): it is set on every private mapping and on the
 * table pointers, clear on the shared window and the MMIO window.
 */
int __must_check boot_build_pgtables(const struct guest_mem *gm, unsigned int cbit);

/*
 * Map page 0 as well, for a guest that reads the BIOS data area there
 * (Linux's decompressor reads the EBDA pointer at 0x40e).
 */
int __must_check boot_map_page0(const struct guest_mem *gm, unsigned int cbit);

/* Translate a guest virtual address by walking the tables (for tests). */
int __must_check boot_walk(const struct guest_mem *gm, uint64_t cr3, uint64_t va, uint64_t *pa,
			   uint64_t *pte);

/* Write the boot-info page; `bi` is copied whole into guest memory. */
int __must_check boot_write_info(const struct guest_mem *gm, const struct minisev_boot_info *bi);

/* Control-register and EFER values of the 64-bit entry state. */
#define BOOT_CR0 0x80050033ULL /* PG | WP | NE | ET | MP | PE */
#define BOOT_CR4 0x00000620ULL /* OSXMMEXCPT | OSFXSR | PAE */
#define BOOT_EFER 0x00000d00ULL /* NXE | LMA | LME */
/* x87 and SSE control at reset (SDM vol. 1, 8.1.5 and 10.2.3.1). */
#define BOOT_FCW 0x37f
#define BOOT_MXCSR 0x1f80

/*
 * Where a vCPU starts: always 64-bit mode with paging on and flat
 * segments; what differs between the firmware's entry and Linux's is the
 * selectors, the GDT and what RSI points at.
 */
struct boot_entry {
	uint64_t rip;
	uint64_t rsi;
	uint64_t cr3;
	uint16_t cs, ds; /* selectors of the flat code and data segments */
	uint64_t gdt_base; /* 0/0: none, the code loads its own first */
	uint16_t gdt_limit;
};

/*
 * The firmware's entry: selectors 0x08/0x10 with no GDT (it loads its
 * own before anything can fault), RSI = the boot-info page.  Identical
 * for every vCPU on purpose: the firmware finds its own index.
 */
void boot_fw_entry(struct boot_entry *e, uint64_t rip, uint64_t cr3);

/* Fill the special and general registers of that entry state. */
void boot_entry_sregs(struct kvm_sregs *s, const struct boot_entry *e);
void boot_entry_regs(struct kvm_regs *r, const struct boot_entry *e);

/*
 * The VMSA every vCPU of a minisev SEV-ES guest is measured with: the
 * entry state above as KVM copies it (sev/vmsa.h), with x87/SSE state for
 * the INIT2 flavour only.  The VMM writes these for --vmsa-out and the
 * guest owner predicts the measurement from them; the model builds its own
 * from what KVM really holds, so any drift between the two shows.
 */
void boot_vmsa(uint64_t entry, unsigned int cbit, bool init2, uint64_t sev_features,
	       uint8_t out[4096]);

#endif /* MINISEV_BOOT_H */
