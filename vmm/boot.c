// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "boot.h"
#include "sev/vmsa.h"

#define PT_ENTRIES 512
#define PAGE_SIZE 4096ULL
#define HUGE_2M (2ULL << 20)

/* Offsets of each table inside the page-table area. */
#define PML4_OFF 0
#define PDPT_OFF 1
#define PD_OFF 2 /* 4 PDs: 4 GiB of 2 MiB pages */
#define PT0_OFF 6 /* 4 KiB pages for the first 2 MiB */

_Static_assert(PT0_OFF + 1 == MINISEV_PGTABLE_PAGES, "page-table area size");
_Static_assert(MINISEV_PGTABLE_GPA + MINISEV_PGTABLE_PAGES * 4096 <= MINISEV_FW_BASE,
	       "page tables overlap the firmware");

static uint64_t tbl_gpa(unsigned int idx)
{
	return MINISEV_PGTABLE_GPA + idx * PAGE_SIZE;
}

static bool in_shared(uint64_t gpa)
{
	return gpa >= MINISEV_SHARED_GPA && gpa < MINISEV_SHARED_GPA + MINISEV_SHARED_SIZE;
}

static bool in_mmio(uint64_t gpa)
{
	return gpa >= MINISEV_MMIO_GPA && gpa < MINISEV_MMIO_GPA + MINISEV_MMIO_WINDOW;
}

int boot_build_pgtables(const struct guest_mem *gm, unsigned int cbit)
{
	uint64_t c = cbit ? 1ULL << cbit : 0;
	uint64_t *t;

	if (gm->size > MINISEV_RAM_MAX || !IS_ALIGNED(gm->size, HUGE_2M) ||
	    gm->size < MINISEV_RAM_MIN || (cbit && (cbit < 32 || cbit > 51)))
		return -EINVAL;
	t = gm_ptr(gm, MINISEV_PGTABLE_GPA, MINISEV_PGTABLE_PAGES * PAGE_SIZE, GM_ANY);
	if (!t)
		return -EFAULT;
	memset(t, 0, MINISEV_PGTABLE_PAGES * PAGE_SIZE);

	/*
	 * The tables live in private memory, so under SEV their own
	 * addresses carry the C-bit like any other private mapping.
	 */
	t[PML4_OFF * PT_ENTRIES] = tbl_gpa(PDPT_OFF) | c | PTE_P | PTE_RW;
	for (unsigned int i = 0; i < 4; i++)
		t[PDPT_OFF * PT_ENTRIES + i] = tbl_gpa(PD_OFF + i) | c | PTE_P | PTE_RW;

	for (uint64_t gpa = 0; gpa < (4ULL << 30); gpa += HUGE_2M) {
		uint64_t *pde = &t[PD_OFF * PT_ENTRIES + gpa / HUGE_2M];

		if (gpa == 0) {
			*pde = tbl_gpa(PT0_OFF) | c | PTE_P | PTE_RW;
		} else if (in_shared(gpa)) {
			/* Shared with the host: no C-bit, never executed. */
			*pde = gpa | PTE_P | PTE_RW | PTE_PS | PTE_NX;
		} else if (gpa < gm->size) {
			*pde = gpa | c | PTE_P | PTE_RW | PTE_PS;
		} else if (in_mmio(gpa)) {
			/* Device registers: uncached, unencrypted. */
			*pde = gpa | PTE_P | PTE_RW | PTE_PS | PTE_PCD | PTE_PWT | PTE_NX;
		}
		/* Anything else stays not-present: a stray access is a #PF. */
	}
	/* Page 0 stays not-present so that NULL dereferences fault. */
	for (uint64_t i = 1; i < PT_ENTRIES; i++)
		t[PT0_OFF * PT_ENTRIES + i] = (i * PAGE_SIZE) | c | PTE_P | PTE_RW;
	return 0;
}

int boot_map_page0(const struct guest_mem *gm, unsigned int cbit)
{
	uint64_t pte = (cbit ? 1ULL << cbit : 0) | PTE_P | PTE_RW;

	return gm_write(gm, tbl_gpa(PT0_OFF), &pte, sizeof(pte), GM_ANY);
}

int boot_walk(const struct guest_mem *gm, uint64_t cr3, uint64_t va, uint64_t *pa, uint64_t *pte)
{
	/* Physical address bits 51:12 minus the C-bit, whichever it is. */
	const uint64_t addr_mask = 0x000ffffffffff000ULL;
	uint64_t table = cr3, e = 0;

	for (int level = 3; level >= 0; level--) {
		unsigned int idx = (va >> (12 + 9 * level)) & 511;
		uint64_t base = table & addr_mask & ((1ULL << 47) - 1);

		if (gm_read(gm, &e, base + idx * 8, 8, GM_ANY))
			return -EFAULT;
		if (!(e & PTE_P))
			return -ENOENT;
		if (level > 0 && level < 3 && (e & PTE_PS)) {
			uint64_t sz = 1ULL << (12 + 9 * level);

			*pa = ((e & addr_mask & ((1ULL << 47) - 1)) & ~(sz - 1)) | (va & (sz - 1));
			*pte = e;
			return 0;
		}
		table = e;
	}
	*pa = (e & addr_mask & ((1ULL << 47) - 1)) | (va & 0xfff);
	*pte = e;
	return 0;
}

int boot_write_info(const struct guest_mem *gm, const struct minisev_boot_info *bi)
{
	return gm_write(gm, MINISEV_BOOT_INFO_GPA, bi, sizeof(*bi), GM_ANY);
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->dpl = 0;
	s->s = 1;
	s->g = 1;
	/* Long mode code: L=1 with D=0; data segments keep D/B=1. */
	s->l = code;
	s->db = !code;
}

void boot_fw_entry(struct boot_entry *e, uint64_t rip, uint64_t cr3)
{
	memset(e, 0, sizeof(*e));
	e->rip = rip;
	e->rsi = MINISEV_BOOT_INFO_GPA;
	e->cr3 = cr3;
	e->cs = 0x08;
	e->ds = 0x10;
}

void boot_entry_sregs(struct kvm_sregs *s, const struct boot_entry *e)
{
	seg(&s->cs, e->cs, 0xb, true); /* execute/read, accessed */
	seg(&s->ds, e->ds, 0x3, false); /* read/write, accessed */
	s->es = s->ds;
	s->fs = s->ds;
	s->gs = s->ds;
	s->ss = s->ds;

	/* A busy 64-bit TSS and an unusable LDT, as SVM and VMX accept. */
	memset(&s->tr, 0, sizeof(s->tr));
	s->tr.selector = 0x18;
	s->tr.limit = 0x67;
	s->tr.type = 0xb;
	s->tr.present = 1;
	memset(&s->ldt, 0, sizeof(s->ldt));
	s->ldt.type = 0x2;
	s->ldt.unusable = 1;

	s->gdt.base = e->gdt_base;
	s->gdt.limit = e->gdt_limit;
	s->idt.base = 0;
	s->idt.limit = 0;

	s->cr0 = BOOT_CR0;
	s->cr3 = e->cr3;
	s->cr4 = BOOT_CR4;
	s->efer = BOOT_EFER;
	memset(s->interrupt_bitmap, 0, sizeof(s->interrupt_bitmap));
}

void boot_entry_regs(struct kvm_regs *r, const struct boot_entry *e)
{
	memset(r, 0, sizeof(*r));
	r->rip = e->rip;
	r->rsi = e->rsi;
	r->rflags = 0x2; /* reserved bit 1; IF clear */
}

void boot_vmsa(uint64_t entry, unsigned int cbit, bool init2, uint64_t sev_features,
	       uint8_t out[4096])
{
	struct kvm_fpu fpu = { .fcw = BOOT_FCW, .mxcsr = BOOT_MXCSR };
	struct sev_vmsa_state st;
	struct kvm_sregs s;
	struct kvm_regs r;

	struct boot_entry e;

	boot_fw_entry(&e, entry, MINISEV_PGTABLE_GPA | (cbit ? 1ULL << cbit : 0));
	memset(&s, 0, sizeof(s));
	boot_entry_sregs(&s, &e);
	boot_entry_regs(&r, &e);
	sev_vmsa_from_kvm(&st, &s, &r, init2 ? &fpu : NULL, SEV_VMSA_RESET_XCR0, SEV_VMSA_RESET_DR6,
			  SEV_VMSA_RESET_DR7, SEV_VMSA_RESET_PAT);
	st.sev_features = sev_features;
	sev_vmsa_build(&st, out);
}
