// SPDX-License-Identifier: MIT
/* Policy parsing and checks, firmware status names, base64/hex, GUIDs. */
#include <errno.h>

#include "minisev/sev.h"
#include "sev/b64.h"
#include "sev/fwerr.h"
#include "sev/guid.h"
#include "sev/policy.h"
#include "sev_test.h"

static void test_policy_parse(void **state)
{
	struct sev_why why = { "" };
	uint32_t p;
	char s[128];

	assert_int_equal(sev_policy_parse("0x5", &p, NULL), 0);
	assert_int_equal(p, 5);
	assert_int_equal(sev_policy_parse("5", &p, NULL), 0);
	assert_int_equal(p, 5);
	assert_int_equal(sev_policy_parse("nodbg,es", &p, NULL), 0);
	assert_int_equal(p, SEV_POLICY_NODBG | SEV_POLICY_ES);
	assert_int_equal(sev_policy_parse("NODBG|NOKS|nosend+domain+sev", &p, NULL), 0);
	assert_int_equal(p, 0x3b);
	assert_int_equal(sev_policy_parse("nodbg,api=1.40", &p, NULL), 0);
	assert_int_equal(p, 0x28010001);
	assert_int_equal(SEV_POLICY_API_MAJOR(p), 1);
	assert_int_equal(SEV_POLICY_API_MINOR(p), 40);
	assert_int_equal(sev_policy_parse("none", &p, NULL), 0);
	assert_int_equal(p, 0);
	assert_int_equal(sev_policy_parse("0xffff0000", &p, NULL), 0);
	/* Refusals */
	assert_int_equal(sev_policy_parse("", &p, &why), -EINVAL);
	assert_int_equal(sev_policy_parse("0x40", &p, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "reserved"));
	assert_int_equal(sev_policy_parse_raw("0x40", &p, NULL), 0);
	assert_int_equal(p, 0x40);
	assert_int_equal(sev_policy_parse("0x100000000", &p, &why), -EINVAL);
	assert_int_equal(sev_policy_parse("5x", &p, &why), -EINVAL);
	assert_int_equal(sev_policy_parse("nodbg,bogus", &p, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "bogus"));
	assert_int_equal(sev_policy_parse("nodbg,,es", &p, &why), -EINVAL);
	assert_int_equal(sev_policy_parse("api=1", &p, &why), -EINVAL);
	assert_int_equal(sev_policy_parse("api=256.0", &p, &why), -EINVAL);

	assert_string_equal(sev_policy_str(5, s, sizeof(s)), "NODBG|ES");
	assert_string_equal(sev_policy_str(0, s, sizeof(s)), "none");
	assert_string_equal(sev_policy_str(0x28010001, s, sizeof(s)), "NODBG|API>=1.40");
	assert_string_equal(sev_policy_str(0x41, s, sizeof(s)), "NODBG|RESERVED(0x40)");
	/* Truncation is safe */
	assert_string_equal(sev_policy_str(0x3f, s, 6), "NODBG");
}

static void test_policy_checks(void **state)
{
	struct sev_why why = { "" };

	/* SEV-ES launch without the ES bit, and the reverse. */
	assert_int_equal(sev_policy_check_launch(0x1, true, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "lacks the ES bit"));
	assert_int_equal(sev_policy_check_launch(0x5, false, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "requires SEV-ES"));
	assert_int_equal(sev_policy_check_launch(0x5, true, NULL), 0);
	assert_int_equal(sev_policy_check_launch(0x1, false, NULL), 0);
	assert_int_equal(sev_policy_check_launch(0x81, false, &why), -EINVAL);
	/* Against the platform */
	assert_int_equal(sev_policy_check_platform(0x5, 1, 55, SEV_PLATFORM_F_CONFIG_ES, NULL), 0);
	assert_int_equal(sev_policy_check_platform(0x5, 1, 55, 0, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "SEV-ES"));
	assert_int_equal(sev_policy_check_platform(0x38010001, 1, 55, 0, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "1.56"));
	assert_int_equal(sev_policy_check_platform(0x37010001, 1, 55, 0, NULL), 0);
	assert_int_equal(sev_policy_check_platform(0x00020001, 1, 55, 0, &why), -EINVAL);
}

static void test_fwerr(void **state)
{
	/* Explicit values (kvm-sev-ioctls.md §4.2), not enum positions. */
	static const struct {
		uint32_t code;
		const char *name;
	} t[] = {
		{ 0x00, "SUCCESS" },
		{ 0x01, "INVALID_PLATFORM_STATE" },
		{ 0x02, "INVALID_GUEST_STATE" },
		{ 0x03, "INVALID_CONFIG" },
		{ 0x04, "INVALID_LEN" },
		{ 0x05, "ALREADY_OWNED" },
		{ 0x06, "INVALID_CERTIFICATE" },
		{ 0x07, "POLICY_FAILURE" },
		{ 0x08, "INACTIVE" },
		{ 0x09, "INVALID_ADDRESS" },
		{ 0x0a, "BAD_SIGNATURE" },
		{ 0x0b, "BAD_MEASUREMENT" },
		{ 0x0c, "ASID_OWNED" },
		{ 0x0d, "INVALID_ASID" },
		{ 0x0e, "WBINVD_REQUIRED" },
		{ 0x0f, "DFFLUSH_REQUIRED" },
		{ 0x10, "INVALID_GUEST" },
		{ 0x11, "INVALID_COMMAND" },
		{ 0x12, "ACTIVE" },
		{ 0x13, "HWSEV_RET_PLATFORM" },
		{ 0x14, "HWSEV_RET_UNSAFE" },
		{ 0x15, "UNSUPPORTED" },
		{ 0x16, "INVALID_PARAM" },
		{ 0x17, "RESOURCE_LIMIT" },
		{ 0x18, "SECURE_DATA_INVALID" },
		{ 0x19, "INVALID_PAGE_SIZE" },
		{ 0x1a, "INVALID_PAGE_STATE" },
		{ 0x1b, "INVALID_MDATA_ENTRY" },
		{ 0x1c, "INVALID_PAGE_OWNER" },
		{ 0x1d, "AEAD_OFLOW" },
		{ 0x1f, "EXIT_RING_BUFFER" },
		{ 0x20, "RMP_INIT_REQUIRED" },
		{ 0x21, "BAD_SVN" },
		{ 0x22, "BAD_VERSION" },
		{ 0x23, "SHUTDOWN_REQUIRED" },
		{ 0x24, "UPDATE_FAILED" },
		{ 0x25, "RESTORE_REQUIRED" },
		{ 0x26, "RMP_INITIALIZATION_FAILED" },
		{ 0x27, "INVALID_KEY" },
	};
	char buf[128];

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		assert_string_equal(sev_fw_err_name(t[i].code), t[i].name);
		assert_non_null(sev_fw_err_desc(t[i].code));
	}
	assert_null(sev_fw_err_name(0x1e));
	assert_null(sev_fw_err_name(0x99));
	assert_string_equal(sev_fw_err_str(4, buf, sizeof(buf)),
			    "INVALID_LEN (0x4): Buffer too small");
	assert_string_equal(sev_fw_err_str(0x99, buf, sizeof(buf)), "unknown status 0x99");
}

static void test_b64(void **state)
{
	struct sev_why why = { "" };
	uint8_t out[64];
	char enc[64];
	size_t n;

	sev_b64_encode("", 0, enc);
	assert_string_equal(enc, "");
	sev_b64_encode("f", 1, enc);
	assert_string_equal(enc, "Zg==");
	sev_b64_encode("fo", 2, enc);
	assert_string_equal(enc, "Zm8=");
	sev_b64_encode("foobar", 6, enc);
	assert_string_equal(enc, "Zm9vYmFy");
	assert_int_equal(sev_b64_decode("Zm9v\nYmE=\n", 10, out, sizeof(out), &n, NULL), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "fooba", 5);
	assert_int_equal(sev_b64_decode("Zg==", 4, out, sizeof(out), &n, NULL), 0);
	assert_int_equal(n, 1);
	/* Errors: bad char, length, padding, non-canonical, overflow, empty */
	assert_int_equal(sev_b64_decode("Zm9*", 4, out, sizeof(out), &n, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "offset 3"));
	assert_int_equal(sev_b64_decode("Zm9vY", 5, out, sizeof(out), &n, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "multiple of 4"));
	assert_int_equal(sev_b64_decode("Z===", 4, out, sizeof(out), &n, &why), -EINVAL);
	assert_int_equal(sev_b64_decode("Zg=a", 4, out, sizeof(out), &n, &why), -EINVAL);
	assert_int_equal(sev_b64_decode("Zh==", 4, out, sizeof(out), &n, &why), -EINVAL);
	assert_int_equal(sev_b64_decode("Zm9vYmFy", 8, out, 5, &n, &why), -E2BIG);
	assert_int_equal(sev_b64_decode(" \n", 2, out, sizeof(out), &n, &why), -EINVAL);
	/* hex */
	assert_int_equal(sev_hex_decode("0x0aFF", 6, out, sizeof(out), &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 0x0a);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(sev_hex_decode("abc", 3, out, sizeof(out), &n, &why), -EINVAL);
	assert_int_equal(sev_hex_decode("zz", 2, out, sizeof(out), &n, &why), -EINVAL);
	sev_hex_encode("\x01\xab", 2, enc);
	assert_string_equal(enc, "01ab");
	/* fixed-size arguments, hex or base64 */
	assert_int_equal(sev_bytes_arg("000102030405060708090a0b0c0d0e0f", out, 16, NULL), 0);
	assert_int_equal(out[15], 15);
	assert_int_equal(sev_bytes_arg("AAECAwQFBgcICQoLDA0ODw==", out, 16, NULL), 0);
	assert_int_equal(out[15], 15);
	assert_int_equal(sev_bytes_arg("AAECAw==", out, 16, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "expected 16 bytes"));
}

static void test_guid(void **state)
{
	uint8_t g[16];
	char s[SEV_GUID_STR_LEN + 1];

	assert_int_equal(sev_guid_parse(SEV_GUID_LUKS_KEY, g), 0);
	/* bytes_le: e5696873 f084 7349 92ec... */
	assert_int_equal(g[0], 0xe5);
	assert_int_equal(g[3], 0x73);
	assert_int_equal(g[4], 0xf0);
	assert_int_equal(g[6], 0x73);
	assert_int_equal(g[8], 0x92);
	sev_guid_format(g, s);
	assert_string_equal(s, SEV_GUID_LUKS_KEY);
	assert_int_equal(sev_guid_parse("736869e5-84f0-4973-92ec-06879ce3da0", g), -EINVAL);
	assert_int_equal(sev_guid_parse("736869e5x84f0-4973-92ec-06879ce3da0b", g), -EINVAL);
	assert_int_equal(sev_guid_parse("736869e5-84f0-4973-92ec-06879ce3da0g", g), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_parse), cmocka_unit_test(test_policy_checks),
		cmocka_unit_test(test_fwerr),	     cmocka_unit_test(test_b64),
		cmocka_unit_test(test_guid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
