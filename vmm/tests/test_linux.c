// SPDX-License-Identifier: MIT
/*
 * The bzImage loader's checks and layout (vmm/linux.c): a synthetic image
 * with each header field broken in turn, the placement of kernel, initrd
 * and command line, the zero page, and Debian's own kernel when the
 * machine has one in /boot.
 */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linux.h"

#define MIB (1ULL << 20)
#define IMG_LEN 0x20000

static uint8_t img_buf[IMG_LEN];

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* A well-formed protocol 2.15 bzImage header over a 0x1e000-byte kernel. */
static uint8_t *good_image(void)
{
	uint8_t *b = img_buf;

	memset(b, 0, IMG_LEN);
	b[BP_HDR] = 15; /* 16 sectors of setup */
	put32(b + BP_SYSSIZE, (IMG_LEN - 16 * 512) / 16);
	b[BP_BOOT_FLAG] = 0x55;
	b[BP_BOOT_FLAG + 1] = 0xaa;
	b[BP_JUMP + 1] = 0x6a;
	memcpy(b + BP_HEADER, "HdrS", 4);
	b[BP_VERSION] = 0x0f;
	b[BP_VERSION + 1] = 0x02;
	b[BP_LOADFLAGS] = LINUX_LOADED_HIGH;
	put32(b + BP_INITRD_ADDR_MAX, 0x7fffffff);
	put32(b + BP_KERNEL_ALIGNMENT, 0x200000);
	b[BP_RELOCATABLE] = 1;
	b[BP_XLOADFLAGS] = LINUX_XLF_KERNEL_64 | LINUX_XLF_CAN_BE_LOADED_ABOVE_4G;
	put32(b + BP_CMDLINE_SIZE, 2047);
	put32(b + BP_PREF_ADDRESS, 0x1000000);
	put32(b + BP_INIT_SIZE, 40 * MIB);
	return b;
}

static void test_parse_good(void **state)
{
	struct linux_image img;
	char err[256];
	size_t pm_len;

	assert_int_equal(linux_parse(good_image(), IMG_LEN, &img, err, sizeof(err)), 0);
	assert_int_equal(img.version, 0x020f);
	assert_int_equal(img.setup_len, 16 * 512);
	assert_int_equal(img.hdr_end, 0x202 + 0x6a);
	assert_int_equal(img.init_size, 40 * MIB);
	assert_ptr_equal(linux_pm(&img, &pm_len), img_buf + 16 * 512);
	assert_int_equal(pm_len, IMG_LEN - 16 * 512);
}

/* Each way to break the header, and the word the message must contain. */
static void test_parse_bad(void **state)
{
	static const struct {
		size_t off;
		uint8_t val;
		const char *word;
	} cases[] = {
		{ BP_BOOT_FLAG, 0, "not a bzImage" },
		{ BP_HEADER, 'X', "not a bzImage" },
		{ BP_VERSION, 0x0b, "2.12" }, /* protocol 2.11 */
		{ BP_XLOADFLAGS, 0, "XLF_KERNEL_64" },
		{ BP_LOADFLAGS, 0, "LOADED_HIGH" },
		{ BP_JUMP + 1, 0x10, "setup header ends" }, /* ends before init_size */
		{ BP_HDR, 0xff, "setup part" }, /* 256 sectors: more than the file */
		{ BP_KERNEL_ALIGNMENT + 2, 0x30, "power of two" },
		{ BP_SYSSIZE + 2, 0x10, "syssize" },
	};
	struct linux_image img;
	char err[256];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t *b = good_image();

		b[cases[i].off] = cases[i].val;
		if (linux_parse(b, IMG_LEN, &img, err, sizeof(err)) != -EINVAL)
			fail_msg("case %zu (offset %#zx) was accepted", i, cases[i].off);
		if (!strstr(err, cases[i].word))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].word);
	}
	/* init_size smaller than the kernel it must hold. */
	put32(good_image() + BP_INIT_SIZE, 0x1000);
	assert_int_equal(linux_parse(img_buf, IMG_LEN, &img, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "init_size"));
	/* Truncated files. */
	assert_int_equal(linux_parse(good_image(), 0x100, &img, err, sizeof(err)), -EINVAL);
	assert_int_equal(linux_parse(good_image(), 16 * 512, &img, err, sizeof(err)), -EINVAL);
	assert_int_equal(linux_parse(good_image(), IMG_LEN - 16, &img, err, sizeof(err)), -EINVAL);
}

static void test_plan(void **state)
{
	struct linux_plan_in in = {
		.ram_size = 256 * MIB,
		.initrd_size = 3 * MIB + 5,
		.cmdline_len = 13,
		.acpi_gpa = LINUX_ACPI_GPA,
		.himem_start = 1 * MIB,
	};
	struct linux_image img;
	struct linux_layout l;
	char err[256];

	assert_int_equal(linux_parse(good_image(), IMG_LEN, &img, err, sizeof(err)), 0);
	assert_int_equal(linux_plan(&img, &in, &l, err, sizeof(err)), 0);
	assert_int_equal(l.kernel_gpa, 16 * MIB);
	assert_int_equal(l.entry, 16 * MIB + 0x200);
	assert_int_equal(l.kernel_end, 56 * MIB);
	/* Page-aligned, at the top of RAM. */
	assert_int_equal(l.initrd_gpa, (256 * MIB - (3 * MIB + 5)) & ~0xfffULL);
	assert_true(l.initrd_gpa + in.initrd_size <= 256 * MIB);
	/* RAM below 640 KiB, the ACPI area reserved, RAM from 1 MiB: no MMIO as RAM. */
	assert_int_equal(l.nr_e820, 3);
	assert_int_equal(l.e820[1].type, E820_RESERVED);
	assert_int_equal(l.e820[2].addr + l.e820[2].size, 256 * MIB);

	/* With the firmware's memory kept out and a staging gap. */
	in.himem_start = 6 * MIB;
	in.gap = 20 * MIB;
	assert_int_equal(linux_plan(&img, &in, &l, err, sizeof(err)), 0);
	assert_int_equal(l.nr_e820, 4);
	assert_int_equal(l.e820[2].addr, 1 * MIB);
	assert_int_equal(l.e820[2].type, E820_RESERVED);
	assert_int_equal(l.e820[3].addr, 6 * MIB);

	/* Too little RAM for init_size, for the initrd, for the gap. */
	in.gap = 0;
	in.ram_size = 48 * MIB;
	assert_int_equal(linux_plan(&img, &in, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "init_size"));
	in.ram_size = 58 * MIB;
	assert_int_equal(linux_plan(&img, &in, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "initrd"));
	in.ram_size = 256 * MIB;
	in.gap = 200 * MIB;
	assert_int_equal(linux_plan(&img, &in, &l, err, sizeof(err)), -EINVAL);
	in.gap = 0;
	/* A command line longer than the kernel takes. */
	in.cmdline_len = 2049;
	assert_int_equal(linux_plan(&img, &in, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "command line"));
}

static void test_zero_page(void **state)
{
	struct linux_plan_in in = {
		.ram_size = 128 * MIB,
		.initrd_size = 4096,
		.cmdline_len = 5,
		.acpi_gpa = LINUX_ACPI_GPA,
		.himem_start = 1 * MIB,
	};
	struct linux_image img;
	struct linux_layout l;
	uint8_t zp[4096];
	uint32_t v;
	uint64_t q;
	char err[256];

	assert_int_equal(linux_parse(good_image(), IMG_LEN, &img, err, sizeof(err)), 0);
	assert_int_equal(linux_plan(&img, &in, &l, err, sizeof(err)), 0);
	linux_zero_page(&img, &l, zp);
	/* The header is the image's, from 0x1f1 to its end, and nothing past it. */
	assert_memory_equal(zp + BP_HEADER, "HdrS", 4);
	assert_int_equal(zp[BP_SENTINEL], 0);
	assert_int_equal(zp[BP_TYPE_OF_LOADER], 0xff);
	memcpy(&v, zp + BP_CMD_LINE_PTR, 4);
	assert_int_equal(v, LINUX_CMDLINE_GPA);
	memcpy(&v, zp + BP_RAMDISK_IMAGE, 4);
	assert_int_equal(v, l.initrd_gpa);
	memcpy(&v, zp + BP_RAMDISK_SIZE, 4);
	assert_int_equal(v, 4096);
	memcpy(&q, zp + BP_ACPI_RSDP_ADDR, 8);
	assert_int_equal(q, LINUX_ACPI_GPA);
	assert_int_equal(zp[BP_E820_ENTRIES], 3);
	memcpy(&q, zp + BP_E820_TABLE + 20 * 2, 8);
	assert_int_equal(q, 1 * MIB);
}

/* Debian's kernel, where this machine has one: the loader must take it. */
static void test_real_kernel(void **state)
{
	struct linux_image img;
	glob_t g;
	char err[256];
	size_t len;
	void *buf;

	if (glob("/boot/vmlinuz-*", 0, NULL, &g) || !g.gl_pathc) {
		skip();
		return;
	}
	buf = read_file(g.gl_pathv[g.gl_pathc - 1], 128u << 20, &len);
	assert_non_null(buf);
	if (linux_parse(buf, len, &img, err, sizeof(err)))
		fail_msg("%s: %s", g.gl_pathv[g.gl_pathc - 1], err);
	assert_true(img.xloadflags & LINUX_XLF_KERNEL_64);
	assert_true(img.relocatable);
	free(buf);
	globfree(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),  cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_plan),	    cmocka_unit_test(test_zero_page),
		cmocka_unit_test(test_real_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
