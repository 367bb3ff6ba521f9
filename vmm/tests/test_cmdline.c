// SPDX-License-Identifier: MIT
/* `minisev run` option parsing: defaults, limits and every refusal. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cmd_run.h"

#define ARGS(...)                        \
	(char *[])                       \
	{                                \
		"run", __VA_ARGS__, NULL \
	}
#define NARGS(...) (int)(sizeof((char *[]){ "run", __VA_ARGS__ }) / sizeof(char *))

static struct run_opts o;

#define PARSE(...) run_parse_args(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), &o)

static void test_defaults(void **state)
{
	char *argv[] = { "run", NULL };

	assert_int_equal(run_parse_args(1, argv, &o), 0);
	assert_int_equal(o.nr_vcpus, 1);
	assert_int_equal(o.ram_size, 256ULL << 20);
	assert_null(o.firmware);
	assert_string_equal(o.tests, "");
	assert_int_equal(o.timeout_s, 300);
	assert_int_equal(o.stall_s, 60);
	assert_null(o.timings_path);
}

static void test_all_options(void **state)
{
	assert_int_equal(PARSE("-c", "4", "-m", "1G", "-t", "smp,long_mode", "-f", "fw.elf",
			       "--timeout", "0", "--stall", "5", "--timings", "t.json", "-v"),
			 0);
	assert_int_equal(o.nr_vcpus, 4);
	assert_int_equal(o.ram_size, 1ULL << 30);
	assert_string_equal(o.tests, "smp,long_mode");
	assert_string_equal(o.firmware, "fw.elf");
	assert_int_equal(o.timeout_s, 0);
	assert_int_equal(o.stall_s, 5);
	assert_string_equal(o.timings_path, "t.json");
	assert_int_equal(o.verbosity, 2);
	assert_int_equal(PARSE("--cpus=16", "--memory=8M", "--tests=list", "-q"), 0);
	assert_int_equal(o.nr_vcpus, 16);
	assert_int_equal(o.ram_size, 8ULL << 20);
	assert_int_equal(o.verbosity, 0);
	assert_int_equal(PARSE("-m", "3G"), 0);
	assert_int_equal(PARSE("-m", "512MiB"), 0);
	assert_int_equal(o.ram_size, 512ULL << 20);
}

static void test_bad_cpus(void **state)
{
	assert_int_equal(PARSE("-c", "0"), -EINVAL);
	assert_int_equal(PARSE("-c", "17"), -EINVAL);
	assert_int_equal(PARSE("-c", "-1"), -EINVAL);
	assert_int_equal(PARSE("-c", "2x"), -EINVAL);
	assert_int_equal(PARSE("-c", ""), -EINVAL);
	assert_int_equal(PARSE("-c", "99999999999999999999999"), -EINVAL);
}

static void test_bad_memory(void **state)
{
	assert_int_equal(PARSE("-m", "4M"), -EINVAL); /* below the minimum */
	assert_int_equal(PARSE("-m", "4G"), -EINVAL); /* into the MMIO window */
	assert_int_equal(PARSE("-m", "257M"), -EINVAL); /* not 2 MiB steps */
	assert_int_equal(PARSE("-m", "lots"), -EINVAL);
	assert_int_equal(PARSE("-m", "256X"), -EINVAL);
	assert_int_equal(PARSE("-m", "-256M"), -EINVAL);
	assert_int_equal(PARSE("-m", "18446744073709551615G"), -EINVAL); /* overflow */
}

static void test_bad_tests(void **state)
{
	char big[2000];

	assert_int_equal(PARSE("-t", "smp;reboot"), -EINVAL);
	assert_int_equal(PARSE("-t", "a b"), -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(PARSE("-t", big), -EINVAL);
}

static void test_bad_misc(void **state)
{
	assert_int_equal(PARSE("--timeout", "forever"), -EINVAL);
	assert_int_equal(PARSE("--stall", "-1"), -EINVAL);
	assert_int_equal(PARSE("--stall", "86401"), -EINVAL);
	assert_int_equal(PARSE("--bogus"), -EINVAL);
	assert_int_equal(PARSE("-c"), -EINVAL); /* missing argument */
	assert_int_equal(PARSE("stray"), -EINVAL);
}

/* SEV options that need SEV, SEV-ES or INIT2 are refused before KVM. */
static void test_sev_combinations(void **state)
{
	assert_int_equal(PARSE("--sev-es", "--vmsa-features", "debug-swap"), 0);
	assert_true(o.sev && o.sev_es && o.vmsa_features_set);
	assert_int_equal(o.vmsa_features, 0x20);
	assert_int_equal(PARSE("--sev-es", "--vmsa-features", "0"), 0);
	assert_int_equal(PARSE("--sev-es", "--legacy-init", "--vmsa-features", "0"), 0);
	assert_int_equal(PARSE("--vmsa-features", "0x20"), -EINVAL); /* no SEV */
	assert_int_equal(PARSE("--sev", "--vmsa-features", "0x20"), -EINVAL); /* no VMSA */
	assert_int_equal(PARSE("--sev-es", "--vmsa-features", "swap"), -EINVAL);
	assert_int_equal(PARSE("--sev-es", "--legacy-init", "--vmsa-features", "0x20"), -EINVAL);
	assert_int_equal(PARSE("--sev", "--vmsa-out", "d"), -EINVAL);
	assert_int_equal(PARSE("--vmsa-out", "d"), -EINVAL);
	assert_int_equal(PARSE("--sev", "--policy", "nodbg,es"), -EINVAL);
	assert_int_equal(PARSE("--sev", "--session", "s.b64"), -EINVAL); /* no --dh-cert */
}

static void test_help(void **state)
{
	FILE *saved = stdout;

	stdout = fopen("/dev/null", "w");
	assert_int_equal(PARSE("--help"), 1);
	fclose(stdout);
	stdout = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),  cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_bad_cpus),  cmocka_unit_test(test_bad_memory),
		cmocka_unit_test(test_bad_tests), cmocka_unit_test(test_bad_misc),
		cmocka_unit_test(test_help),	  cmocka_unit_test(test_sev_combinations),
	};

	/* Refusals print to stderr by design; keep the TAP/cmocka output clean. */
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
