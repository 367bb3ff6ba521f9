// SPDX-License-Identifier: MIT
/*
 * The measured-boot verifier's pure parts (firmware/verifier.c and
 * firmware/sha256.c, built for the host): SHA-256 against OpenSSL, the
 * kernel-hashes table as QEMU lays it out, the descriptor checks that
 * keep a hostile VMM's addresses away from the firmware, and the kernel
 * header checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "minisev/bootparam.h"
#include "verifier.h"
#include "sha256.h"

static void test_sha256_matches_openssl(void **state)
{
	static uint8_t buf[3 * 65536 + 7];
	uint8_t ours[32], ref[32];
	struct sha256_ctx c;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	/* Every length around the padding boundaries, then big ones. */
	for (size_t len = 0; len < 300; len++) {
		sha256(buf, len, ours);
		SHA256(buf, len, ref);
		assert_memory_equal(ours, ref, 32);
	}
	SHA256(buf, sizeof(buf), ref);
	sha256(buf, sizeof(buf), ours);
	assert_memory_equal(ours, ref, 32);
	/* In uneven pieces, as a streaming caller feeds it. */
	sha256_init(&c);
	for (size_t off = 0, step = 1; off < sizeof(buf); off += step, step = step * 3 % 1000 + 1)
		sha256_update(&c, buf + off, off + step > sizeof(buf) ? sizeof(buf) - off : step);
	sha256_final(&c, ours);
	assert_memory_equal(ours, ref, 32);
}

/* QEMU's table: GUID, length 168, then cmdline, initrd, kernel entries. */
static const uint8_t guid_table[16] = { 0x06, 0xd6, 0x38, 0x94, 0x22, 0x4f, 0xc9, 0x4c,
					0xb4, 0x79, 0xa7, 0x93, 0xd4, 0x11, 0xfd, 0x21 };
static const uint8_t guid_entries[3][16] = {
	{ 0xd8, 0x2d, 0xd0, 0x97, 0x20, 0xbd, 0x94, 0x4c, 0xaa, 0x78, 0xe7, 0x71, 0x4d, 0x36, 0xab,
	  0x2a },
	{ 0x31, 0xf7, 0xba, 0x44, 0x2f, 0x3a, 0xd7, 0x4b, 0x9a, 0xf1, 0x41, 0xe2, 0x91, 0x69, 0x78,
	  0x1d },
	{ 0x37, 0x94, 0xe7, 0x4d, 0xd2, 0xab, 0x7f, 0x42, 0xb8, 0x35, 0xd5, 0xb1, 0x72, 0xd2, 0x04,
	  0x5b },
};

static void make_table(uint8_t t[MINISEV_HASHES_SIZE])
{
	memset(t, 0, MINISEV_HASHES_SIZE);
	memcpy(t, guid_table, 16);
	t[16] = 168;
	for (int i = 0; i < 3; i++) {
		uint8_t *e = t + 18 + 50 * i;

		memcpy(e, guid_entries[i], 16);
		e[16] = 50;
		memset(e + 18, 0x11 * (i + 1), 32);
	}
}

static void test_table(void **state)
{
	uint8_t t[MINISEV_HASHES_SIZE];
	struct linux_hashes h;

	make_table(t);
	assert_null(linux_table_parse(t, &h));
	assert_int_equal(h.cmdline[0], 0x11);
	assert_int_equal(h.initrd[31], 0x22);
	assert_int_equal(h.kernel[5], 0x33);

	t[0] ^= 1; /* not the table GUID */
	assert_non_null(linux_table_parse(t, &h));
	make_table(t);
	t[16] = 200; /* longer than the measured area */
	assert_non_null(linux_table_parse(t, &h));
	make_table(t);
	t[16] = 118; /* two entries: the kernel's is missing */
	assert_non_null(linux_table_parse(t, &h));
	make_table(t);
	t[18 + 50 + 16] = 49; /* an entry of the wrong length */
	assert_non_null(linux_table_parse(t, &h));
	make_table(t);
	memcpy(t + 18 + 100, guid_entries[0], 16); /* cmdline twice, no kernel */
	assert_non_null(linux_table_parse(t, &h));
}

#define MIB (1ULL << 20)
#define RAM (256 * MIB)

static const struct linux_limits limits = {
	.ram_size = RAM,
	.nr_keep_out = 3,
	.keep_out = { { 0, 0x10000 }, { 1 * MIB, 3 * MIB }, { 4 * MIB, 2 * MIB } },
};

static struct minisev_linux_desc good_desc(void)
{
	return (struct minisev_linux_desc){
		.magic = MINISEV_LINUX_MAGIC,
		.version = MINISEV_ABI_VERSION,
		.staging_gpa = 80 * MIB,
		.staging_size = 12 * MIB,
		.kernel = { 80 * MIB, 8 * MIB, 16 * MIB - 0x5000 },
		.initrd = { 88 * MIB, 2 * MIB, 250 * MIB },
		.cmdline = { 90 * MIB, 14, 0x20000 },
		.zero_page = { 90 * MIB + 16, 4096, 0x10000 },
		.acpi = { 90 * MIB + 16 + 4096, 0x200, 0xe0000 },
	};
}

static void test_desc(void **state)
{
	struct minisev_linux_desc d = good_desc();
	char err[160];

	assert_null(linux_desc_check(&d, &limits, err, sizeof(err)));
	d.initrd.size = 0; /* no initrd is fine */
	assert_null(linux_desc_check(&d, &limits, err, sizeof(err)));

	/* Each hostile change is refused. */
	d = good_desc();
	d.magic++;
	assert_non_null(linux_desc_check(&d, &limits, err, sizeof(err)));
	d = good_desc();
	d.staging_gpa = 5 * MIB; /* unaligned */
	assert_non_null(linux_desc_check(&d, &limits, err, sizeof(err)));
	d = good_desc();
	d.staging_gpa = 2 * MIB; /* over the firmware */
	assert_non_null(linux_desc_check(&d, &limits, err, sizeof(err)));
	d = good_desc();
	d.staging_gpa = RAM - 2 * MIB; /* past the end of RAM */
	assert_non_null(linux_desc_check(&d, &limits, err, sizeof(err)));
	d = good_desc();
	d.kernel.dst = 1 * MIB; /* the copy would overwrite the firmware */
	assert_non_null(linux_desc_check(&d, &limits, err, sizeof(err)));
	d = good_desc();
	d.cmdline.dst = 0x9000; /* the secret page */
	assert_non_null(linux_desc_check(&d, &limits, err, sizeof(err)));
	d = good_desc();
	d.initrd.src = 91 * MIB; /* source outside staging */
	assert_non_null(linux_desc_check(&d, &limits, err, sizeof(err)));
	d = good_desc();
	d.initrd.dst = 16 * MIB; /* over the kernel */
	assert_non_null(linux_desc_check(&d, &limits, err, sizeof(err)));
	d = good_desc();
	d.initrd.dst = RAM - 4096; /* wraps past RAM */
	assert_non_null(linux_desc_check(&d, &limits, err, sizeof(err)));
	d = good_desc();
	d.initrd.dst = 81 * MIB; /* into the staging area */
	assert_non_null(linux_desc_check(&d, &limits, err, sizeof(err)));
	d = good_desc();
	d.zero_page.size = 4095;
	assert_non_null(linux_desc_check(&d, &limits, err, sizeof(err)));
	d = good_desc();
	d.cmdline.size = 0;
	assert_non_null(linux_desc_check(&d, &limits, err, sizeof(err)));
	d = good_desc();
	d.kernel.src = UINT64_MAX - 4096; /* sums that would wrap */
	assert_non_null(linux_desc_check(&d, &limits, err, sizeof(err)));
}

/* A minimal bzImage header: protocol 2.15, 64-bit, 2 MiB aligned. */
static uint8_t *fake_kernel(size_t len, uint32_t init_size)
{
	uint8_t *k = calloc(1, len);

	k[BP_HDR] = 3; /* (3 + 1) * 512 = 0x800 of setup */
	k[BP_BOOT_FLAG] = 0x55;
	k[BP_BOOT_FLAG + 1] = 0xaa;
	k[BP_JUMP + 1] = 0x6a;
	memcpy(k + BP_HEADER, "HdrS", 4);
	k[BP_VERSION] = 0x0f;
	k[BP_VERSION + 1] = 0x02;
	k[BP_XLOADFLAGS] = LINUX_XLF_KERNEL_64;
	k[BP_KERNEL_ALIGNMENT + 2] = 0x20; /* 0x200000 */
	memcpy(k + BP_INIT_SIZE, &init_size, 4);
	return k;
}

static void test_kernel_entry(void **state)
{
	struct minisev_linux_desc d = good_desc();
	uint64_t dst = 16 * MIB - 0x800, entry = 0;
	uint8_t *k = fake_kernel(0x10000, 64 * MIB);
	char err[160];

	d.kernel.dst = dst;
	assert_null(linux_kernel_entry(k, 0x10000, dst, &d, RAM, &entry, err, sizeof(err)));
	assert_int_equal(entry, 16 * MIB + 0x200);
	/* Misaligned: the protected-mode part would not sit on 2 MiB. */
	assert_non_null(
		linux_kernel_entry(k, 0x10000, dst + 4096, &d, RAM, &entry, err, sizeof(err)));
	/* The decompressor's memory would run over the initrd. */
	d.initrd.dst = 30 * MIB;
	assert_non_null(linux_kernel_entry(k, 0x10000, dst, &d, RAM, &entry, err, sizeof(err)));
	d = good_desc();
	/* A 32-bit-only kernel. */
	k[BP_XLOADFLAGS] = 0;
	assert_non_null(linux_kernel_entry(k, 0x10000, dst, &d, RAM, &entry, err, sizeof(err)));
	k[BP_XLOADFLAGS] = LINUX_XLF_KERNEL_64;
	/* A header that claims to end past its setup part. */
	k[BP_JUMP + 1] = 0xff;
	k[BP_HDR] = 0;
	assert_non_null(linux_kernel_entry(k, 0x10000, dst, &d, RAM, &entry, err, sizeof(err)));
	free(k);
}

static void test_zero_page_patch(void **state)
{
	struct minisev_linux_desc d = good_desc();
	uint8_t *k = fake_kernel(0x10000, 64 * MIB), zp[4096];
	uint32_t v;

	memset(zp, 0xee, sizeof(zp)); /* the host's template */
	linux_zero_page_patch(zp, k, &d);
	assert_memory_equal(zp + BP_HEADER, "HdrS", 4); /* the verified header */
	assert_int_equal(zp[BP_TYPE_OF_LOADER], 0xff);
	memcpy(&v, zp + BP_CMD_LINE_PTR, 4);
	assert_int_equal(v, d.cmdline.dst);
	memcpy(&v, zp + BP_RAMDISK_IMAGE, 4);
	assert_int_equal(v, d.initrd.dst);
	memcpy(&v, zp + BP_RAMDISK_SIZE, 4);
	assert_int_equal(v, d.initrd.size);
	memcpy(&v, zp + BP_ACPI_RSDP_ADDR, 4);
	assert_int_equal(v, d.acpi.dst);
	/* The host's e820 map stays (as OVMF takes QEMU's). */
	assert_int_equal(zp[BP_E820_TABLE], 0xee);
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_matches_openssl),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_desc),
		cmocka_unit_test(test_kernel_entry),
		cmocka_unit_test(test_zero_page_patch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
