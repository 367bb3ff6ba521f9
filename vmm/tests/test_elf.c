// SPDX-License-Identifier: MIT
/*
 * The ELF loader against good and malformed images.  Images are built in
 * memory so that each test states exactly which byte is wrong.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "elf_load.h"
#include "minisev/abi.h"

#define RAM (8u << 20)
#define IMG_MAX 8192

struct img {
	size_t len;
	union {
		uint8_t b[IMG_MAX];
		struct {
			Elf64_Ehdr eh;
			Elf64_Phdr ph[3];
		};
	};
};

static struct guest_mem gm;
static char err[256];
static struct elf_image out;

/* A valid two-segment image: text at 1 MiB, data+bss at 1 MiB + 64 KiB. */
static void make_good(struct img *im)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_ident[EI_VERSION] = EV_CURRENT;
	im->eh.e_type = ET_EXEC;
	im->eh.e_machine = EM_X86_64;
	im->eh.e_version = EV_CURRENT;
	im->eh.e_entry = MINISEV_FW_BASE + 0x10;
	im->eh.e_phoff = offsetof(struct img, ph) - offsetof(struct img, eh);
	im->eh.e_ehsize = sizeof(Elf64_Ehdr);
	im->eh.e_phentsize = sizeof(Elf64_Phdr);
	im->eh.e_phnum = 2;

	im->ph[0].p_type = PT_LOAD;
	im->ph[0].p_flags = PF_R | PF_X;
	im->ph[0].p_offset = 0x1000;
	im->ph[0].p_vaddr = im->ph[0].p_paddr = MINISEV_FW_BASE;
	im->ph[0].p_filesz = im->ph[0].p_memsz = 0x800;

	im->ph[1].p_type = PT_LOAD;
	im->ph[1].p_flags = PF_R | PF_W;
	im->ph[1].p_offset = 0x1800;
	im->ph[1].p_vaddr = im->ph[1].p_paddr = MINISEV_FW_BASE + 0x10000;
	im->ph[1].p_filesz = 0x100;
	im->ph[1].p_memsz = 0x3000;
	im->len = 0x1900;
	memset(im->b + 0x1000, 0xcc, 0x800);
	memset(im->b + 0x1800, 0xdd, 0x100);
}

static int setup(void **state)
{
	gm.size = RAM;
	gm.hva = malloc(RAM);
	memset(gm.hva, 0x5a, RAM);
	return gm.hva ? 0 : -1;
}

static int teardown(void **state)
{
	free(gm.hva);
	return 0;
}

static int load(struct img *im)
{
	memset(gm.hva, 0x5a, RAM);
	err[0] = 0;
	return elf_load(&gm, im->b, im->len, MINISEV_FW_BASE, MINISEV_FW_LIMIT, &out, err,
			sizeof(err));
}

/* The image is refused with a message containing `why`, RAM untouched. */
static void refused(struct img *im, const char *why)
{
	assert_int_equal(load(im), -EINVAL);
	if (!strstr(err, why))
		fail_msg("error '%s' does not mention '%s'", err, why);
	assert_int_equal(gm.hva[MINISEV_FW_BASE], 0x5a);
	assert_int_equal(gm.hva[MINISEV_FW_BASE + 0x10000], 0x5a);
}

static void test_good(void **state)
{
	struct img im;

	make_good(&im);
	assert_int_equal(load(&im), 0);
	assert_int_equal(out.entry, MINISEV_FW_BASE + 0x10);
	assert_int_equal(out.nr_segs, 2);
	assert_int_equal(out.lo, MINISEV_FW_BASE);
	assert_int_equal(out.hi, MINISEV_FW_BASE + 0x13000);
	assert_int_equal(out.segs[1].filesz, 0x100);
	assert_int_equal(gm.hva[MINISEV_FW_BASE], 0xcc);
	assert_int_equal(gm.hva[MINISEV_FW_BASE + 0x7ff], 0xcc);
	assert_int_equal(gm.hva[MINISEV_FW_BASE + 0x800], 0x5a); /* untouched gap */
	assert_int_equal(gm.hva[MINISEV_FW_BASE + 0x100ff], 0xdd);
	/* The bss tail is zeroed up to memsz and no further. */
	assert_int_equal(gm.hva[MINISEV_FW_BASE + 0x10100], 0);
	assert_int_equal(gm.hva[MINISEV_FW_BASE + 0x12fff], 0);
	assert_int_equal(gm.hva[MINISEV_FW_BASE + 0x13000], 0x5a);
}

static void test_segments_sorted(void **state)
{
	struct img im;
	Elf64_Phdr t;

	make_good(&im);
	t = im.ph[0];
	im.ph[0] = im.ph[1];
	im.ph[1] = t;
	assert_int_equal(load(&im), 0);
	assert_int_equal(out.segs[0].gpa, MINISEV_FW_BASE);
	assert_int_equal(out.segs[1].gpa, MINISEV_FW_BASE + 0x10000);
}

static void test_not_elf(void **state)
{
	struct img im;

	make_good(&im);
	im.b[1] = 'X';
	refused(&im, "not an ELF");
}

static void test_too_small(void **state)
{
	struct img im;

	make_good(&im);
	im.len = 20;
	refused(&im, "too small");
	im.len = 0;
	refused(&im, "too small");
}

static void test_wrong_class(void **state)
{
	struct img im;

	make_good(&im);
	im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	refused(&im, "64-bit");
}

static void test_big_endian(void **state)
{
	struct img im;

	make_good(&im);
	im.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	refused(&im, "little-endian");
}

static void test_wrong_arch(void **state)
{
	struct img im;

	make_good(&im);
	im.eh.e_machine = EM_AARCH64;
	refused(&im, "wrong architecture");
}

static void test_not_exec(void **state)
{
	struct img im;

	make_good(&im);
	im.eh.e_type = ET_DYN;
	refused(&im, "static executable");
}

static void test_truncated_segment(void **state)
{
	struct img im;

	make_good(&im);
	im.len = 0x1880; /* the data segment's bytes end at 0x1900 */
	refused(&im, "outside the");
}

static void test_offset_overflow(void **state)
{
	struct img im;

	make_good(&im);
	im.ph[1].p_offset = UINT64_MAX - 0x10;
	refused(&im, "outside the");
}

static void test_phdrs_past_end(void **state)
{
	struct img im;

	make_good(&im);
	im.eh.e_phoff = im.len - 8;
	assert_int_equal(load(&im), -EINVAL);
	im.eh.e_phoff = UINT64_MAX - 4;
	assert_int_equal(load(&im), -EINVAL);
}

static void test_filesz_gt_memsz(void **state)
{
	struct img im;

	make_good(&im);
	im.ph[1].p_memsz = 0x10;
	refused(&im, "exceeds memory size");
}

static void test_below_window(void **state)
{
	struct img im;

	make_good(&im);
	im.ph[0].p_vaddr = im.ph[0].p_paddr = 0x1000; /* over the boot info */
	refused(&im, "outside the firmware area");
}

static void test_past_window(void **state)
{
	struct img im;

	make_good(&im);
	im.ph[1].p_memsz = MINISEV_FW_LIMIT; /* runs into the shared window */
	refused(&im, "outside the firmware area");
	make_good(&im);
	im.ph[1].p_vaddr = im.ph[1].p_paddr = UINT64_MAX - 0x100; /* wraps */
	refused(&im, "outside the firmware area");
}

static void test_overlap(void **state)
{
	struct img im;

	make_good(&im);
	im.ph[1].p_vaddr = im.ph[1].p_paddr = MINISEV_FW_BASE + 0x7ff;
	refused(&im, "overlaps");
}

static void test_vaddr_ne_paddr(void **state)
{
	struct img im;

	make_good(&im);
	im.ph[0].p_vaddr = 0xffffffff80000000ULL;
	refused(&im, "vaddr");
}

static void test_entry_outside(void **state)
{
	struct img im;

	make_good(&im);
	im.eh.e_entry = MINISEV_FW_BASE + 0x10010; /* in data, not executable */
	refused(&im, "entry point");
	make_good(&im);
	im.eh.e_entry = 0;
	refused(&im, "entry point");
}

static void test_no_load(void **state)
{
	struct img im;

	make_good(&im);
	im.ph[0].p_type = PT_NOTE;
	im.ph[1].p_type = PT_NOTE;
	refused(&im, "no loadable");
}

static void test_dynamic(void **state)
{
	struct img im;

	make_good(&im);
	im.eh.e_phnum = 3;
	im.ph[2].p_type = PT_INTERP;
	refused(&im, "dynamically linked");
}

static void test_random_garbage(void **state)
{
	struct img im;

	/* Fuzz-ish: any corruption of the headers is refused or loads safely. */
	srand(1234);
	for (int i = 0; i < 2000; i++) {
		int r;

		make_good(&im);
		for (int k = 0; k < 4; k++)
			im.b[rand() % 0x100] = rand();
		r = load(&im);
		assert_true(r == 0 || r == -EINVAL);
		if (r == 0) {
			assert_true(out.lo >= MINISEV_FW_BASE);
			assert_true(out.hi <= MINISEV_FW_LIMIT);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_segments_sorted),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_wrong_class),
		cmocka_unit_test(test_big_endian),
		cmocka_unit_test(test_wrong_arch),
		cmocka_unit_test(test_not_exec),
		cmocka_unit_test(test_truncated_segment),
		cmocka_unit_test(test_offset_overflow),
		cmocka_unit_test(test_phdrs_past_end),
		cmocka_unit_test(test_filesz_gt_memsz),
		cmocka_unit_test(test_below_window),
		cmocka_unit_test(test_past_window),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_vaddr_ne_paddr),
		cmocka_unit_test(test_entry_outside),
		cmocka_unit_test(test_no_load),
		cmocka_unit_test(test_dynamic),
		cmocka_unit_test(test_random_garbage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
