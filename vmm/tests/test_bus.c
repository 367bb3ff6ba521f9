// SPDX-License-Identifier: MIT
/*
 * The I/O bus: registration refuses every overlap (checked at each edge)
 * and every wrapping range, accepts adjacent ranges, and dispatch hands a
 * device only accesses that lie wholly inside it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bus.h"

struct rec {
	unsigned int reads, writes;
	uint64_t off;
	uint32_t len;
	int ret;
};

static int rec_read(struct bus_dev *d, uint64_t off, void *data, uint32_t len)
{
	struct rec *r = d->priv;

	r->reads++;
	r->off = off;
	r->len = len;
	memset(data, 0x5a, len);
	return r->ret;
}

static int rec_write(struct bus_dev *d, uint64_t off, const void *data, uint32_t len)
{
	struct rec *r = d->priv;

	r->writes++;
	r->off = off;
	r->len = len;
	return r->ret;
}

static const struct bus_ops rec_ops = { .read = rec_read, .write = rec_write };
static const struct bus_ops read_only_ops = { .read = rec_read };

static struct bus bus;
static struct rec ra, rb;
/* A at [0x1000, 0x2000): the reference range every edge test is against. */
static struct bus_dev a = { .name = "a",
			    .base = 0x1000,
			    .size = 0x1000,
			    .ops = &rec_ops,
			    .priv = &ra };

static int setup(void **state)
{
	memset(&bus, 0, sizeof(bus));
	memset(&ra, 0, sizeof(ra));
	memset(&rb, 0, sizeof(rb));
	bus.name = "test";
	return bus_register(&bus, &a);
}

static int try_range(uint64_t base, uint64_t size)
{
	static struct bus_dev d[BUS_MAX_DEVS * 2];
	static unsigned int n;
	struct bus_dev *x = &d[n++ % (BUS_MAX_DEVS * 2)];

	*x = (struct bus_dev){
		.name = "x", .base = base, .size = size, .ops = &rec_ops, .priv = &rb
	};
	return bus_register(&bus, x);
}

static void test_overlap_edges(void **state)
{
	/* Each of these touches A in at least one byte. */
	static const struct {
		uint64_t base, size;
	} bad[] = {
		{ 0x1000, 0x1000 }, /* identical */
		{ 0x1000, 1 }, /* A's first byte */
		{ 0x1fff, 1 }, /* A's last byte */
		{ 0x0fff, 2 }, /* straddles A's start */
		{ 0x1fff, 2 }, /* straddles A's end */
		{ 0x0, 0x1001 }, /* ends on A's first byte */
		{ 0x1800, 0x10 }, /* inside */
		{ 0x0800, 0x2000 }, /* contains A */
		{ 0x0, UINT64_MAX }, /* everything */
		{ 0x1fff, UINT64_MAX - 0x1fff + 1 }, /* from A's last byte to the top */
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(try_range(bad[i].base, bad[i].size), -EBUSY);
	assert_int_equal(bus.nr, 1);
}

static void test_adjacent_accepted(void **state)
{
	assert_int_equal(try_range(0x0fff, 1), 0); /* ends right before A */
	assert_int_equal(try_range(0x2000, 1), 0); /* starts right after A */
	assert_int_equal(try_range(0x0, 0x0fff), 0); /* fills the gap below */
	assert_int_equal(try_range(0x2001, 0xfff), 0);
	assert_int_equal(bus.nr, 5);
	/* And now every byte next to them is taken too. */
	assert_int_equal(try_range(0x0ffe, 1), -EBUSY);
	assert_int_equal(try_range(0x2000, 2), -EBUSY);
}

static void test_same_device_twice(void **state)
{
	assert_int_equal(bus_register(&bus, &a), -EBUSY);
}

static void test_bad_ranges(void **state)
{
	struct bus_dev noops = { .name = "noops", .base = 0x9000, .size = 1 };

	assert_int_equal(try_range(0x5000, 0), -EINVAL); /* empty */
	assert_int_equal(try_range(0xfffffffffffff000ULL, 0x1001), -EINVAL); /* wraps by 1 */
	assert_int_equal(try_range(UINT64_MAX, 2), -EINVAL);
	assert_int_equal(try_range(0x8000, UINT64_MAX), -EINVAL);
	assert_int_equal(bus_register(&bus, &noops), -EINVAL);
	assert_int_equal(bus.nr, 1);
	/* Ending exactly at the top of the address space is not a wrap. */
	assert_int_equal(try_range(0xfffffffffffff000ULL, 0x1000), 0);
	assert_int_equal(try_range(UINT64_MAX, 1), -EBUSY);
}

static void test_full(void **state)
{
	for (unsigned int i = 1; i < BUS_MAX_DEVS; i++)
		assert_int_equal(try_range(0x10000 * (i + 1), 0x10), 0);
	assert_int_equal(try_range(0x900000, 0x10), -ENOSPC);
	/* An overlap is still reported as such on a full bus. */
	assert_int_equal(try_range(0x1000, 1), -EBUSY);
}

static void test_dispatch_offsets(void **state)
{
	uint8_t buf[8] = { 0 };

	assert_int_equal(bus_read(&bus, 0x1000, buf, 4), 0);
	assert_int_equal(ra.off, 0);
	assert_int_equal(ra.len, 4);
	assert_int_equal(buf[3], 0x5a);
	assert_int_equal(bus_write(&bus, 0x1ff8, buf, 8), 0); /* the last 8 bytes */
	assert_int_equal(ra.off, 0xff8);
	assert_int_equal(ra.len, 8);
	assert_int_equal(bus_read(&bus, 0x1fff, buf, 1), 0);
	assert_int_equal(ra.off, 0xfff);
	assert_int_equal(ra.reads, 2);
	assert_int_equal(ra.writes, 1);
}

static void test_dispatch_straddles(void **state)
{
	uint8_t buf[8] = { 0 };

	assert_int_equal(try_range(0x2000, 0x1000), 0); /* B right after A */
	/* An access that starts in A and ends in B belongs to neither. */
	assert_int_equal(bus_read(&bus, 0x1ffe, buf, 4), -ENODEV);
	assert_int_equal(bus_write(&bus, 0x1ff9, buf, 8), -ENODEV);
	/* Straddling A's start from nothing. */
	assert_int_equal(bus_read(&bus, 0x0ffe, buf, 4), -ENODEV);
	/* Straddling B's end into nothing. */
	assert_int_equal(bus_read(&bus, 0x2ffd, buf, 4), -ENODEV);
	assert_int_equal(ra.reads + ra.writes + rb.reads + rb.writes, 0);
	assert_null(bus_find(&bus, 0x1ffe, 4));
	assert_ptr_equal(bus_find(&bus, 0x1ffc, 4), &a);
	assert_non_null(bus_find(&bus, 0x2000, 4));
	assert_int_equal(bus_read(&bus, 0x2000, buf, 4), 0);
	assert_int_equal(rb.off, 0);
}

static void test_dispatch_misses(void **state)
{
	uint8_t buf[8] = { 0 };

	assert_int_equal(bus_read(&bus, 0x0, buf, 1), -ENODEV);
	assert_int_equal(bus_read(&bus, 0x2000, buf, 1), -ENODEV);
	assert_int_equal(bus_read(&bus, UINT64_MAX, buf, 4), -ENODEV); /* would wrap */
	assert_int_equal(bus_read(&bus, UINT64_MAX - 1, buf, 8), -ENODEV);
	assert_null(bus_find(&bus, 0x1000, 0)); /* empty access */
}

static void test_dispatch_at_top(void **state)
{
	uint8_t buf[8] = { 0 };

	assert_int_equal(try_range(0xfffffffffffff000ULL, 0x1000), 0);
	assert_int_equal(bus_read(&bus, UINT64_MAX - 7, buf, 8), 0);
	assert_int_equal(rb.off, 0xff8);
	assert_int_equal(bus_read(&bus, UINT64_MAX - 6, buf, 8), -ENODEV);
}

static void test_device_result_and_missing_op(void **state)
{
	struct rec rc = { .ret = -EIO };
	struct bus_dev ro = {
		.name = "ro", .base = 0x8000, .size = 4, .ops = &read_only_ops, .priv = &rc
	};
	uint8_t buf[4] = { 0 };

	ra.ret = -EINVAL;
	assert_int_equal(bus_write(&bus, 0x1000, buf, 4), -EINVAL);
	assert_int_equal(bus_register(&bus, &ro), 0);
	assert_int_equal(bus_read(&bus, 0x8000, buf, 4), -EIO);
	assert_int_equal(bus_write(&bus, 0x8000, buf, 4), -ENODEV);
	assert_int_equal(rc.writes, 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_overlap_edges),
		T(test_adjacent_accepted),
		T(test_same_device_twice),
		T(test_bad_ranges),
		T(test_full),
		T(test_dispatch_offsets),
		T(test_dispatch_straddles),
		T(test_dispatch_misses),
		T(test_dispatch_at_top),
		T(test_device_result_and_missing_op),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
