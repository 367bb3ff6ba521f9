// SPDX-License-Identifier: MIT
/*
 * The test runner.  The selection comes from the boot-info page (the
 * VMM's -t option): empty or "default" means every test without
 * GT_EXPLICIT, "list" prints the table for host-side checks, anything
 * else is a comma-separated list of names.  Output is TAP version 13
 * (https://testanything.org/tap-version-13-specification.html); the
 * verdict goes to the exit port: FAIL if any test failed or was unknown,
 * SKIP if every test skipped, else PASS.
 */
#include "test.h"
#include "idt.h"

extern const struct guest_test __guest_tests_start[], __guest_tests_end[];

#define MAX_SELECTED 64
#define MAX_NAME 64

struct selected {
	const struct guest_test *test; /* NULL: unknown name */
	char name[MAX_NAME];
};

static struct selected selected[MAX_SELECTED];
static unsigned int nr_selected;

static struct {
	const char *name;
	unsigned int failures;
	char skip_reason[128];
	uint64_t alloc_next;
} cur;

bool test_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	if (ok)
		return true;
	cur.failures++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# %s: FAIL at %s:%d: %s\n", cur.name, file, line, msg);
	return false;
}

void diag(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# %s: %s\n", cur.name ? cur.name : "runner", msg);
}

enum test_result test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cur.skip_reason, sizeof(cur.skip_reason), fmt, ap);
	va_end(ap);
	return TEST_SKIP;
}

enum test_result test_result(void)
{
	return cur.failures ? TEST_FAIL : TEST_PASS;
}

const char *runner_current(void)
{
	return cur.name;
}

void *test_alloc(uint64_t size)
{
	uint64_t p = cur.alloc_next;

	size = ALIGN_UP(size, PAGE_SIZE);
	if (size > fw_boot.ram_size || p > fw_boot.ram_size - size)
		return NULL;
	cur.alloc_next = p + size;
	return (void *)p;
}

static const struct guest_test *find_test(const char *name, size_t len)
{
	const struct guest_test *t;

	for (t = __guest_tests_start; t < __guest_tests_end; t++)
		if (strlen(t->name) == len && !strncmp(t->name, name, len))
			return t;
	return NULL;
}

static void select_test(const struct guest_test *t, const char *name, size_t len)
{
	struct selected *s;

	if (nr_selected == MAX_SELECTED)
		return;
	s = &selected[nr_selected++];
	s->test = t;
	len = MIN(len, sizeof(s->name) - 1);
	memcpy(s->name, name, len);
	s->name[len] = '\0';
}

static void select_default(void)
{
	const struct guest_test *t;

	for (t = __guest_tests_start; t < __guest_tests_end; t++)
		if (!(t->flags & GT_EXPLICIT))
			select_test(t, t->name, strlen(t->name));
}

static void parse_selection(const char *sel)
{
	while (*sel) {
		const char *end = strchr(sel, ',');
		size_t len;

		if (!end)
			end = sel + strlen(sel);
		/* Tolerate spaces around names: "a, b". */
		while (sel < end && *sel == ' ')
			sel++;
		len = end - sel;
		while (len && sel[len - 1] == ' ')
			len--;
		if (len == 7 && !strncmp(sel, "default", 7))
			select_default();
		else if (len)
			select_test(find_test(sel, len), sel, len);
		sel = *end ? end + 1 : end;
	}
}

static void list_tests(void)
{
	const struct guest_test *t;

	for (t = __guest_tests_start; t < __guest_tests_end; t++)
		printf("# list: %s %s\n", t->name, t->flags & GT_EXPLICIT ? "explicit" : "default");
	printf("1..0 # SKIP listing the tests only\n");
}

uint32_t runner_main(const char *sel)
{
	unsigned int i, failed = 0, skipped = 0;

	if (!strcmp(sel, "list")) {
		list_tests();
		return MINISEV_EXIT_PASS;
	}
	if (!*sel)
		select_default();
	else
		parse_selection(sel);

	printf("1..%u\n", nr_selected);
	for (i = 0; i < nr_selected; i++) {
		const struct selected *s = &selected[i];
		enum test_result r;

		if (!s->test) {
			printf("not ok %u - %s # no such test (try -t list)\n", i + 1, s->name);
			failed++;
			continue;
		}
		cur.name = s->name;
		cur.failures = 0;
		cur.skip_reason[0] = '\0';
		cur.alloc_next = MINISEV_FREE_GPA;
		r = s->test->fn();
		fault_disarm();
		if (cur.failures)
			r = TEST_FAIL;
		cur.name = NULL;

		if (r == TEST_SKIP) {
			printf("ok %u - %s # SKIP %s\n", i + 1, s->name, cur.skip_reason);
			skipped++;
		} else if (r == TEST_PASS) {
			printf("ok %u - %s\n", i + 1, s->name);
		} else {
			printf("not ok %u - %s\n", i + 1, s->name);
			failed++;
		}
	}
	if (failed)
		return MINISEV_EXIT_FAIL;
	if (nr_selected && skipped == nr_selected)
		return MINISEV_EXIT_SKIP;
	return MINISEV_EXIT_PASS;
}
