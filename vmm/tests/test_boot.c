// SPDX-License-Identifier: MIT
/* Page tables and entry state, checked by walking what was written. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot.h"

#define RAM (64ULL << 20)

static struct guest_mem gm;

static int setup(void **state)
{
	gm.size = RAM;
	gm.hva = calloc(1, RAM);
	return gm.hva ? 0 : -1;
}

static int teardown(void **state)
{
	free(gm.hva);
	return 0;
}

static void expect_map(unsigned int cbit, uint64_t va, bool present, bool c)
{
	uint64_t pa = 0, pte = 0;
	int r = boot_walk(&gm, MINISEV_PGTABLE_GPA, va, &pa, &pte);

	if (!present) {
		assert_int_equal(r, -ENOENT);
		return;
	}
	assert_int_equal(r, 0);
	assert_int_equal(pa, va); /* identity */
	assert_true(pte & PTE_RW);
	if (cbit)
		assert_int_equal(!!(pte & (1ULL << cbit)), c);
}

static void check_layout(unsigned int cbit)
{
	assert_int_equal(boot_build_pgtables(&gm, cbit), 0);
	expect_map(cbit, 0, false, false); /* NULL page */
	expect_map(cbit, 0xfff, false, false);
	expect_map(cbit, MINISEV_BOOT_INFO_GPA, true, true);
	expect_map(cbit, MINISEV_FW_BASE + 0x1234, true, true);
	expect_map(cbit, MINISEV_SHARED_GPA, true, false);
	expect_map(cbit, MINISEV_SHARED_GPA + MINISEV_SHARED_SIZE - 1, true, false);
	expect_map(cbit, MINISEV_FREE_GPA, true, true);
	expect_map(cbit, RAM - 1, true, true);
	expect_map(cbit, RAM, false, false); /* beyond RAM: #PF, not MMIO */
	expect_map(cbit, MINISEV_MMIO_GPA, true, false);
	expect_map(cbit, MINISEV_MMIO_GPA + MINISEV_MMIO_WINDOW - 1, true, false);
	expect_map(cbit, MINISEV_MMIO_GPA + MINISEV_MMIO_WINDOW, false, false);
	expect_map(cbit, 4ULL << 30, false, false); /* only 4 GiB mapped */
}

static void test_layout_plain(void **state)
{
	uint64_t pa, pte;

	check_layout(0);
	/* MMIO uncached and non-executable, shared window non-executable. */
	assert_int_equal(boot_walk(&gm, MINISEV_PGTABLE_GPA, MINISEV_MMIO_GPA, &pa, &pte), 0);
	assert_true(pte & PTE_PCD);
	assert_true(pte & PTE_NX);
	assert_int_equal(boot_walk(&gm, MINISEV_PGTABLE_GPA, MINISEV_SHARED_GPA, &pa, &pte), 0);
	assert_true(pte & PTE_NX);
	assert_int_equal(boot_walk(&gm, MINISEV_PGTABLE_GPA, MINISEV_FW_BASE, &pa, &pte), 0);
	assert_false(pte & PTE_NX);
}

static void test_layout_cbit(void **state)
{
	check_layout(47);
	check_layout(51);
}

static void test_bad_params(void **state)
{
	struct guest_mem g = gm;

	assert_int_equal(boot_build_pgtables(&gm, 12), -EINVAL); /* C-bit inside a page */
	g.size = RAM + 4096; /* not 2 MiB aligned */
	assert_int_equal(boot_build_pgtables(&g, 0), -EINVAL);
	g.size = 4ULL << 30;
	assert_int_equal(boot_build_pgtables(&g, 0), -EINVAL);
}

static void test_entry_state(void **state)
{
	struct boot_entry e;
	struct kvm_sregs s;
	struct kvm_regs r;

	boot_fw_entry(&e, 0x100040, MINISEV_PGTABLE_GPA);
	memset(&s, 0xff, sizeof(s));
	boot_entry_sregs(&s, &e);
	assert_int_equal(s.cr0 & 0x80000001, 0x80000001); /* PG, PE */
	assert_true(s.cr4 & 0x20); /* PAE */
	assert_int_equal(s.efer & 0x500, 0x500); /* LME, LMA */
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.cs.db, 0);
	assert_int_equal(s.ds.l, 0);
	assert_int_equal(s.cr3, MINISEV_PGTABLE_GPA);
	assert_int_equal(s.cs.selector, 0x08);
	assert_int_equal(s.ss.selector, 0x10);
	assert_int_equal(s.gdt.limit, 0);
	boot_entry_regs(&r, &e);
	assert_int_equal(r.rip, 0x100040);
	assert_int_equal(r.rsi, MINISEV_BOOT_INFO_GPA);
	assert_int_equal(r.rsp, 0);
	assert_int_equal(r.rflags, 2);
}

static void test_boot_info(void **state)
{
	struct minisev_boot_info bi = { .magic = MINISEV_BOOT_MAGIC, .version = 1 };

	assert_int_equal(boot_write_info(&gm, &bi), 0);
	assert_memory_equal(gm.hva + MINISEV_BOOT_INFO_GPA, &bi, sizeof(bi));
	/* The page must fit in its page. */
	assert_true(sizeof(bi) <= 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_plain), cmocka_unit_test(test_layout_cbit),
		cmocka_unit_test(test_bad_params),   cmocka_unit_test(test_entry_state),
		cmocka_unit_test(test_boot_info),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
