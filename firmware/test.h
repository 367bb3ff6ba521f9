/* SPDX-License-Identifier: MIT */
/*
 * Guest tests.  A test is a plain C function in guest-tests/ that
 * registers itself with GUEST_TEST(); the runner (runner.c) finds the
 * descriptors in the .guest_tests section and prints TAP.
 *
 *	GUEST_TEST(my_test, 0)
 *	{
 *		check(1 + 1 == 2, "arithmetic: %d", 1 + 1);
 *		return test_result();
 *	}
 *
 * Every test needs an entry in guest-tests/manifest; a host check compares
 * the two through the "list" selection.
 */
#ifndef FW_TEST_H
#define FW_TEST_H

#include "fw.h"

/* Never in the default set: runs only when named (negative, input...). */
#define GT_EXPLICIT (1u << 0)

enum test_result {
	TEST_PASS,
	TEST_FAIL,
	TEST_SKIP,
};

struct guest_test {
	const char *name;
	unsigned int flags;
	enum test_result (*fn)(void);
};

#define GUEST_TEST(tname, tflags)                                              \
	static enum test_result gt_fn_##tname(void);                           \
	static const struct guest_test gt_desc_##tname                         \
		__attribute__((used, section(".guest_tests"), aligned(8))) = { \
			.name = #tname,                                        \
			.flags = (tflags),                                     \
			.fn = gt_fn_##tname,                                   \
		};                                                             \
	static enum test_result gt_fn_##tname(void)

/*
 * Record a failed check with its place and reason, and go on: a test
 * reports every broken thing it finds, not just the first.  Returns `ok`.
 */
bool test_check(bool ok, const char *file, int line, const char *fmt, ...) __printf(4, 5);
#define check(cond, ...) test_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* A TAP diagnostic line: "# <test>: <text>". */
void diag(const char *fmt, ...) __printf(1, 2);

/* End the test as "ok N - name # SKIP <reason>". */
enum test_result test_skip(const char *fmt, ...) __printf(1, 2);
/* TEST_FAIL if any check failed so far, else TEST_PASS. */
enum test_result test_result(void);

/* Scratch memory for tests: free RAM above MINISEV_FREE_GPA, reset per test. */
void *test_alloc(uint64_t size);

/* The selection runner: returns the verdict for the exit port. */
uint32_t runner_main(const char *selection);
/* Name of the test that is running, or NULL. */
const char *runner_current(void);

#endif /* FW_TEST_H */
