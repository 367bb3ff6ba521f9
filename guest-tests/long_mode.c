// SPDX-License-Identifier: MIT
/*
 * long_mode: the CPU state every vCPU starts with, and the page tables as
 * the boot-info page describes them (abi.h, "Guest physical memory map"):
 * RAM and the MMIO window identity-mapped, page 0 not present, RAM with the
 * C-bit under SEV, the shared window and the MMIO window without it, MMIO
 * uncached, the firmware executable.
 */
#include "test.h"
#include "io.h"

/* Page-table entry bits (APM vol. 2, 5.3 "Long-Mode Page Translation"). */
#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL /* bits 51:12 */

struct walk {
	unsigned int level; /* of the leaf: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB */
	unsigned int missing; /* level whose entry was not present, or 0 */
	uint64_t leaf;
	uint64_t pa;
};

static uint64_t pt_addr_mask;
static unsigned int pt_reported;
static unsigned int pt_nx; /* leaves with NX set */

/* Page tables are private memory below the firmware; anything else is bogus. */
static bool table_ok(uint64_t table)
{
	return table >= MINISEV_PGTABLE_GPA &&
	       table < MINISEV_PGTABLE_GPA + MINISEV_PGTABLE_PAGES * PAGE_SIZE;
}

static bool walk(uint64_t va, struct walk *w)
{
	uint64_t table = read_cr3() & pt_addr_mask;
	unsigned int level;

	*w = (struct walk){ 0 };
	for (level = 4; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t e;

		if (!table_ok(table)) {
			check(0,
			      "VA 0x%lx: level-%u table at 0x%lx is outside the page-table pages",
			      va, level, table);
			w->missing = level;
			return false;
		}
		e = ((volatile const uint64_t *)table)[(va >> shift) & 511];
		if (!(e & PTE_P)) {
			w->missing = level;
			return false;
		}
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
			uint64_t size = 1ULL << shift;

			w->level = level;
			w->leaf = e;
			w->pa = (e & pt_addr_mask & ~(size - 1)) | (va & (size - 1));
			return true;
		}
		table = e & pt_addr_mask;
	}
	return false;
}

#define PT_REPORT_MAX 8

/* Report the first few broken mappings, count the rest (see the end of the test). */
static void pt_bad(uint64_t va, const char *what, const struct walk *w)
{
	if (pt_reported++ < PT_REPORT_MAX)
		check(0, "VA 0x%lx: %s (leaf 0x%lx level %u, pa 0x%lx)", va, what, w->leaf,
		      w->level, w->pa);
}

static bool in_range(uint64_t a, uint64_t base, uint64_t size)
{
	return a >= base && a - base < size;
}

/*
 * Check one address.  RAM and the MMIO window must be mapped; the holes
 * between them may be left out (then a stray access is a #PF, not an MMIO
 * exit), but what is mapped must be identity-mapped.
 */
static void check_mapping(uint64_t va, bool sev, unsigned int cbit)
{
	bool ram = va < fw_boot.ram_size;
	bool shared = in_range(va, fw_boot.shared_gpa, fw_boot.shared_size);
	bool mmio = in_range(va, MINISEV_MMIO_GPA, MINISEV_MMIO_WINDOW);
	struct walk w;
	bool c;

	if (!walk(va, &w)) {
		if (ram || mmio)
			pt_bad(va, "not mapped", &w);
		return;
	}
	if (w.leaf & PTE_NX)
		pt_nx++;
	if (w.pa != va)
		pt_bad(va, "not identity-mapped", &w);
	if ((ram || mmio) && !(w.leaf & PTE_RW))
		pt_bad(va, "read-only", &w);
	c = cbit && ((w.leaf >> cbit) & 1);
	if (sev && ram && !shared && !c)
		pt_bad(va, "private RAM without the C-bit", &w);
	if ((shared || mmio) && c)
		pt_bad(va, "shared or MMIO page with the C-bit", &w);
	if (mmio && !(w.leaf & PTE_PCD))
		pt_bad(va, "MMIO page not uncached (PCD clear)", &w);
	if (va >= (uint64_t)__fw_start && va < (uint64_t)__fw_end && (w.leaf & PTE_NX))
		pt_bad(va, "firmware mapped no-execute", &w);
}

GUEST_TEST(long_mode, 0)
{
	const uint64_t cr0_want = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
				  X86_CR0_PG;
	const uint64_t cr4_want = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	uint64_t cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4(), efer, rflags, va;
	bool sev = fw_sev_active();
	unsigned int cbit = fw_boot.cbit, checked = 0;
	struct walk w = { 0 };

	/* Under SEV-ES this is a GHCB request (io.c). */
	efer = msr_read(MSR_EFER);
	__asm__ __volatile__("pushfq; popq %0" : "=r"(rflags));
	diag("CR0 0x%lx CR3 0x%lx CR4 0x%lx EFER 0x%lx RFLAGS 0x%lx, C-bit %u", cr0, cr3, cr4, efer,
	     rflags, cbit);

	check((cr0 & cr0_want) == cr0_want, "CR0 0x%lx lacks 0x%lx", cr0, cr0_want & ~cr0);
	check(!(cr0 & (X86_CR0_CD | X86_CR0_NW)), "CR0 0x%lx: caching disabled", cr0);
	check((cr4 & cr4_want) == cr4_want, "CR4 0x%lx lacks 0x%lx", cr4, cr4_want & ~cr4);
	check((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA),
	      "EFER 0x%lx: long mode not active", efer);
	check(!(efer & EFER_SCE), "EFER 0x%lx: SCE set, the boot protocol leaves it off", efer);
	check(!(rflags & (1ULL << 9)), "interrupts enabled (RFLAGS 0x%lx)", rflags);

	pt_reported = pt_nx = 0;
	pt_addr_mask = PTE_ADDR & ~(cbit ? 1ULL << cbit : 0);
	check((cr3 & pt_addr_mask) == fw_boot.pgtable_gpa, "CR3 0x%lx, boot info says 0x%lx", cr3,
	      fw_boot.pgtable_gpa);

	check(!walk(0, &w), "page 0 is mapped (leaf 0x%lx): NULL would not fault", w.leaf);

	/* 4 KiB steps over the first 2 MiB (boot info, tables, firmware)... */
	for (va = PAGE_SIZE; va < (2ULL << 20); va += PAGE_SIZE, checked++)
		check_mapping(va, sev, cbit);
	/* ...then 2 MiB steps, and the last page of RAM, up to 4 GiB. */
	for (va = 2ULL << 20; va < (4ULL << 30); va += 2ULL << 20, checked++) {
		check_mapping(va, sev, cbit);
		if (va < fw_boot.ram_size && fw_boot.ram_size - va <= (2ULL << 20))
			check_mapping(fw_boot.ram_size - PAGE_SIZE, sev, cbit);
	}
	check_mapping((4ULL << 30) - PAGE_SIZE, sev, cbit);

	/* NX in a leaf is a reserved bit unless EFER.NXE is set (APM vol. 2, 5.6.1). */
	check(!pt_nx || (efer & EFER_NXE), "%u leaves with NX, but EFER.NXE is clear", pt_nx);
	check(pt_reported <= PT_REPORT_MAX, "and %u more bad mappings",
	      pt_reported - PT_REPORT_MAX);
	diag("%u mappings checked, %u bad, %u no-execute", checked, pt_reported, pt_nx);
	return test_result();
}
