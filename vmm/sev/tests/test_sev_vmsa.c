// SPDX-License-Identifier: MIT
/*
 * The VMSA builder against sevctl's real SEV-ES VMSAs: QEMU's reset state
 * for the BSP and for an AP (sev/ovmf.c), pushed through the same
 * KVM-to-VMSA conversion the model and the VMM use, must give the vectors
 * byte for byte; and OVMF's GUIDed table, where the AP reset address is.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "sev/ovmf.h"
#include "sev/vmsa.h"
#include "sev_test.h"

/* QEMU's EPYC-v4 (family 25 model 1 stepping 1): EDX 0xa00f11 at reset. */
#define EPYC_V4 25, 1, 1

static void check(const char *vec, uint32_t reset)
{
	uint8_t out[SEV_VMSA_SIZE], *want;
	size_t len;

	want = vec_read(vec, &len);
	assert_non_null(want);
	assert_int_equal(len, SEV_VMSA_SIZE);
	sev_vmsa_qemu_reset(sev_cpuid_version(EPYC_V4), reset, false, 0, out);
	for (size_t i = 0; i < len; i++)
		if (out[i] != want[i])
			fail_msg("%s: byte %#zx is %#x, want %#x", vec, i, out[i], want[i]);
	free(want);
}

static void test_sevctl_bsp(void **state)
{
	check("sevctl/vmsa/vmsa0.bin", 0xfffffff0);
}

static void test_sevctl_ap(void **state)
{
	/* OVMF's SEV-ES AP reset vector in that build: 0x80b004. */
	check("sevctl/vmsa/vmsa1.bin", 0x80b004);
}

static void test_fpu_only_with_init2(void **state)
{
	uint8_t a[SEV_VMSA_SIZE], b[SEV_VMSA_SIZE];

	sev_vmsa_qemu_reset(sev_cpuid_version(EPYC_V4), 0xfffffff0, false, 0, a);
	sev_vmsa_qemu_reset(sev_cpuid_version(EPYC_V4), 0xfffffff0, true, 0, b);
	/* The INIT2 flavour differs exactly in MXCSR and FCW (reference §8.1). */
	assert_int_equal(b[0x408] | b[0x409] << 8, 0x1f80);
	assert_int_equal(b[0x410] | b[0x411] << 8, 0x37f);
	b[0x408] = b[0x409] = b[0x410] = b[0x411] = 0;
	assert_memory_equal(a, b, SEV_VMSA_SIZE);
}

/* DebugSwap is bit 5 of sev_features at 0x3b0, and nothing else moves. */
static void test_debug_swap(void **state)
{
	uint8_t a[SEV_VMSA_SIZE], b[SEV_VMSA_SIZE];

	sev_vmsa_qemu_reset(sev_cpuid_version(EPYC_V4), 0xfffffff0, false, 0, a);
	sev_vmsa_qemu_reset(sev_cpuid_version(EPYC_V4), 0xfffffff0, false, SEV_VMSA_FEAT_DEBUG_SWAP,
			    b);
	assert_int_equal(b[0x3b0], 0x20);
	b[0x3b0] = 0;
	assert_memory_equal(a, b, SEV_VMSA_SIZE);
}

/* CPUID 1 EAX: families above 15 go to the extended family field. */
static void test_cpuid_version(void **state)
{
	assert_int_equal(sev_cpuid_version(25, 1, 1), 0xa00f11);
	assert_int_equal(sev_cpuid_version(23, 49, 0), 0x830f10);
	assert_int_equal(sev_cpuid_version(15, 107, 1), 0x60fb1);
	assert_int_equal(sev_cpuid_version(6, 85, 7), 0x50657);
}

/* An image ending in an OVMF table: entries, footer, 32 bytes of reset vector. */
struct img {
	uint8_t b[4096];
	size_t end; /* where the next entry goes, growing downwards */
	size_t start;
};

static void img_entry(struct img *m, const char *guid, const void *data, size_t len, size_t claimed)
{
	m->start -= len + 18;
	memcpy(m->b + m->start, data, len);
	m->b[m->start + len] = claimed & 0xff;
	m->b[m->start + len + 1] = claimed >> 8;
	assert_int_equal(sev_guid_parse(guid, m->b + m->start + len + 2), 0);
}

static void img_init(struct img *m, const uint8_t *ap, size_t ap_len)
{
	uint8_t other[6] = { 1, 2, 3, 4, 5, 6 };
	size_t table;

	memset(m, 0xcc, sizeof(m->b));
	m->start = sizeof(m->b) - 32 - 18; /* the footer, written last */
	img_entry(m, "4c2eb361-7d9b-4cc3-8081-127c90d3d294", other, sizeof(other),
		  sizeof(other) + 18);
	if (ap)
		img_entry(m, SEV_GUID_OVMF_SEV_ES_RESET, ap, ap_len, ap_len + 18);
	table = sizeof(m->b) - 32 - m->start;
	m->b[sizeof(m->b) - 32 - 18] = table & 0xff;
	m->b[sizeof(m->b) - 32 - 17] = table >> 8;
	assert_int_equal(sev_guid_parse(SEV_GUID_OVMF_TABLE_FOOTER, m->b + sizeof(m->b) - 48), 0);
}

static void test_ovmf_table(void **state)
{
	const uint8_t ap[4] = { 0x04, 0xb0, 0x80, 0x00 };
	struct sev_why why = { "" };
	struct img m;
	uint32_t addr = 0;

	img_init(&m, ap, sizeof(ap));
	assert_int_equal(sev_ovmf_ap_reset(m.b, sizeof(m.b), &addr, &why), 0);
	assert_int_equal(addr, 0x80b004);
	/* An AP starts at the reset block: CS base 0x800000, IP 0xb004, as sevctl's vmsa1. */
	check("sevctl/vmsa/vmsa1.bin", addr);

	/* No reset block: the firmware was built without SEV-ES. */
	img_init(&m, NULL, 0);
	assert_int_equal(sev_ovmf_ap_reset(m.b, sizeof(m.b), &addr, &why), -ENOENT);
	assert_non_null(strstr(why.msg, "without SEV-ES"));

	/* A table longer than the image, an entry longer than the table. */
	img_init(&m, ap, sizeof(ap));
	m.b[sizeof(m.b) - 50] = 0xff;
	m.b[sizeof(m.b) - 49] = 0xff;
	assert_int_equal(sev_ovmf_ap_reset(m.b, sizeof(m.b), &addr, &why), -EINVAL);
	img_init(&m, ap, sizeof(ap));
	m.b[m.start + sizeof(ap)] = 0xf0;
	assert_int_equal(sev_ovmf_ap_reset(m.b, sizeof(m.b), &addr, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "does not fit"));
	/* A reset block too short for its address. */
	img_init(&m, ap, 2);
	assert_int_equal(sev_ovmf_ap_reset(m.b, sizeof(m.b), &addr, &why), -EINVAL);
	/* No footer at all, and an image shorter than one. */
	memset(m.b, 0, sizeof(m.b));
	assert_int_equal(sev_ovmf_ap_reset(m.b, sizeof(m.b), &addr, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "not an OVMF image"));
	assert_int_equal(sev_ovmf_ap_reset(m.b, 20, &addr, &why), -EINVAL);
}

static void test_features_parse(void **state)
{
	uint64_t v = 99;

	assert_int_equal(sev_vmsa_features_parse("debug-swap", &v), 0);
	assert_int_equal(v, 0x20);
	assert_int_equal(sev_vmsa_features_parse("0x20", &v), 0);
	assert_int_equal(v, 0x20);
	assert_int_equal(sev_vmsa_features_parse("none", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sev_vmsa_features_parse("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sev_vmsa_features_parse("debug-swap,none", &v), 0);
	assert_int_equal(v, 0x20);
	assert_int_not_equal(sev_vmsa_features_parse("", &v), 0);
	assert_int_not_equal(sev_vmsa_features_parse("debugswap", &v), 0);
	assert_int_not_equal(sev_vmsa_features_parse("0x20junk", &v), 0);
	assert_int_not_equal(sev_vmsa_features_parse("-1", &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sevctl_bsp),	    cmocka_unit_test(test_sevctl_ap),
		cmocka_unit_test(test_fpu_only_with_init2), cmocka_unit_test(test_debug_swap),
		cmocka_unit_test(test_features_parse),	    cmocka_unit_test(test_cpuid_version),
		cmocka_unit_test(test_ovmf_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
