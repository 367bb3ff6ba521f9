// SPDX-License-Identifier: MIT
/* The JSON reader and QMP dispatch against well-formed and hostile input. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "qmp.h"

static char strbuf[4096], err[128], out[2048];
static struct json_doc doc;
static struct vm vm;
static struct launch l;

static int parse(const char *s)
{
	return json_parse(&doc, s, strlen(s), strbuf, sizeof(strbuf), err, sizeof(err));
}

static void test_json_values(void **state)
{
	const struct json_node *n;

	assert_int_equal(parse(" {\"a\": 1, \"b\": \"x\\ny\", \"c\": [true, false, null], "
			       "\"d\": {\"e\": -2.5}, \"f\": \"\\u0041\"} "),
			 0);
	n = json_get(&doc, 0, "a");
	assert_non_null(n);
	assert_true(n->is_int);
	assert_int_equal(n->ival, 1);
	n = json_get(&doc, 0, "b");
	assert_string_equal(n->str, "x\ny");
	assert_int_equal(json_get(&doc, 0, "c")->type, JSON_ARRAY);
	n = json_get(&doc, json_index(&doc, json_get(&doc, 0, "d")), "e");
	assert_false(n->is_int);
	assert_true(n->num == -2.5);
	assert_string_equal(json_get(&doc, 0, "f")->str, "A");
	assert_null(json_get(&doc, 0, "zz"));
	assert_null(json_get(&doc, json_index(&doc, json_get(&doc, 0, "a")), "x"));
}

static void test_json_hostile(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"}",
		"{\"a\"}",
		"{\"a\":}",
		"{\"a\":1,}",
		"[1,2",
		"\"abc",
		"{\"a\":1} x",
		"tru",
		"nul",
		"{\"a\":\"\\x\"}",
		"{\"a\":\"\\u00e9\"}",
		"{\"a\":\"\\u0000\"}",
		"{\"a\":\"\x01\"}",
		"1e999",
		"--1",
		/* Not JSON numbers, which strtoll() and strtod() take (issue 13). */
		"+1",
		".5",
		"01",
		"1.",
		"1.e5",
		"1e",
		"-",
		"0x10",
		"{1:2}",
		"[[[[[[[[[[[[1]]]]]]]]]]]]",
	};
	/* A NUL byte where a value goes: the reader gets the length, not a C string. */
	static const char nul[] = "{\"execute\":\"query-sev\",\"arguments\":{\"x\":\0}}";
	char big[8192];

	assert_int_equal(json_parse(&doc, nul, sizeof(nul) - 1, strbuf, sizeof(strbuf), err,
				    sizeof(err)),
			 -EINVAL);
	/* And what JSON does allow. */
	assert_int_equal(parse("[0, -0, 10, -1.5e+3, 2E-2, 0.25]"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i]) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(err[0] != 0);
	}
	/* More values than the node pool. */
	strcpy(big, "[");
	for (int i = 0; i < 200; i++)
		strcat(big, "1,");
	strcat(big, "1]");
	assert_int_equal(parse(big), -EINVAL);
	/* Longer strings than the string buffer. */
	memset(big, 'a', sizeof(big));
	big[0] = '"';
	big[sizeof(big) - 2] = '"';
	big[sizeof(big) - 1] = 0;
	assert_int_equal(parse(big), -EINVAL);
}

static void test_json_quote(void **state)
{
	char q[64];

	json_quote(q, sizeof(q), "a\"b\\c\n");
	assert_string_equal(q, "\"a\\\"b\\\\c\\u000a\"");
	json_quote(q, 4, "abcdef"); /* truncated, still terminated */
	assert_int_equal(strlen(q), 3);
}

static int handle(const char *msg)
{
	out[0] = 0;
	return qmp_handle(&vm, &l, msg, strlen(msg), out, sizeof(out));
}

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	memset(&l, 0, sizeof(l));
	vm.vm_fd = -1; /* every KVM call fails: the replies must say so */
	l.sev_fd = -1;
	memset(l.measurement, 0xab, sizeof(l.measurement));
	return 0;
}

static void test_qmp_commands(void **state)
{
	assert_int_equal(handle("{\"execute\": \"qmp_capabilities\"}"), 0);
	assert_string_equal(out, "{\"return\": {}}\r\n");
	assert_int_equal(handle("{\"execute\": \"query-sev-launch-measure\"}"), 0);
	assert_non_null(strstr(out, "\"data\": \"q6ur"));
	assert_int_equal(handle("{\"execute\": \"query-sev\"}"), 0);
	assert_non_null(strstr(out, "\"error\""));
	assert_int_equal(handle("{\"execute\": \"cont\"}"), 1);
	assert_int_equal(handle("{\"execute\": \"quit\"}"), -ECANCELED);
}

static void test_qmp_errors(void **state)
{
	static const char *const bad[] = {
		"not json",
		"[1, 2]",
		"{\"execute\": 5}",
		"{\"arguments\": {}}",
		"{\"execute\": \"frobnicate\"}",
		"{\"execute\": \"sev-inject-launch-secret\"}",
		"{\"execute\": \"sev-inject-launch-secret\", \"arguments\": 3}",
		"{\"execute\": \"sev-inject-launch-secret\", \"arguments\": "
		"{\"packet-header\": \"!!!\", \"secret\": \"AAAA\"}}",
		"{\"execute\": \"sev-inject-launch-secret\", \"arguments\": "
		"{\"packet-header\": \"AAAA\", \"secret\": \"AAAA\"}}",
		"{\"execute\": \"sev-inject-launch-secret\", \"arguments\": "
		"{\"packet-header\": \"AAAA\", \"secret\": \"AAAA\", \"gpa\": -1}}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(handle(bad[i]), 0);
		if (!strstr(out, "\"error\""))
			fail_msg("'%s' got '%s'", bad[i], out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_hostile),
		cmocka_unit_test(test_json_quote),
		cmocka_unit_test_setup(test_qmp_commands, setup),
		cmocka_unit_test_setup(test_qmp_errors, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
