// SPDX-License-Identifier: MIT
/*
 * The ACPI tables, read back the way an OS finds them: from the RSDP
 * through the XSDT and the FADT, by the byte offsets of the ACPI 6.5
 * tables (not acpi.c's structures), every checksum and every pointer
 * checked, the AML package lengths decoded, and each refused input.
 *
 * With ACPI_DUMP_DIR set, test_dump also writes the tables of one
 * configuration there (rsdp.dat, xsdt.dat, facp.dat, apic.dat, dsdt.dat
 * and all.bin) for vmm/tests/acpi-iasl.sh to disassemble.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "minisev/abi.h"
#include "acpi.h"

#define GPA 0xe0000ULL
#define BUF_SIZE 8192
#define PM_PORT 0x600

/* What the dump holds; acpi-iasl.sh expects exactly this. */
static const struct acpi_mmio_dev dump_devs[] = {
	{ MINISEV_MMIO_GPA, 0x200, 5 },
	{ MINISEV_MMIO_GPA + MINISEV_MMIO_STRIDE, 0x200, 6 },
	{ MINISEV_MMIO_GPA + 2 * MINISEV_MMIO_STRIDE, 0x1000, 23 },
};

static uint8_t buf[BUF_SIZE];
static uint64_t gpa = GPA; /* where the guest sees buf */

static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) | rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* The table a guest pointer leads to: inside the output, summing to 0. */
static const uint8_t *table_at(uint64_t addr, long used, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	assert_true(addr >= gpa && addr + 36 <= gpa + (uint64_t)used);
	assert_true(addr % 8 == 0);
	t = buf + (addr - gpa);
	assert_memory_equal(t, sig, 4);
	len = rd32(t + 4);
	assert_true(len >= 36 && addr + len <= gpa + (uint64_t)used);
	assert_int_equal(sum(t, len), 0);
	assert_memory_equal(t + 10, "MINSEV", 6);
	return t;
}

struct tables {
	long used;
	const uint8_t *xsdt, *fadt, *madt, *dsdt;
};

/* Build, then follow every pointer from the RSDP at offset 0. */
static void build(const struct acpi_config *c, struct tables *t)
{
	const uint8_t *rsdp = buf;

	memset(buf, 0xa5, sizeof(buf));
	t->used = acpi_build(c, gpa, buf, sizeof(buf));
	assert_true(t->used > 0 && t->used <= ACPI_TABLES_MAX);

	assert_memory_equal(rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(rsdp[15], 2); /* revision: ACPI 2.0+ */
	assert_int_equal(rd32(rsdp + 20), 36);
	assert_int_equal(sum(rsdp, 36), 0);
	assert_memory_equal(rsdp + 9, "MINSEV", 6);

	t->xsdt = table_at(rd64(rsdp + 24), t->used, "XSDT");
	assert_int_equal(rd32(t->xsdt + 4), 36 + 2 * 8);
	t->fadt = table_at(rd64(t->xsdt + 36), t->used, "FACP");
	t->madt = table_at(rd64(t->xsdt + 44), t->used, "APIC");
	assert_int_equal(rd32(t->fadt + 4), 276);
	assert_int_equal(t->fadt[8], 6);
	assert_int_equal(rd32(t->fadt + 40), 0); /* 32-bit DSDT unused */
	t->dsdt = table_at(rd64(t->fadt + 140), t->used, "DSDT");
	/* In order, none over another, and the DSDT ends the output. */
	assert_true(rsdp + 36 <= t->xsdt);
	assert_true(t->xsdt + rd32(t->xsdt + 4) <= t->fadt);
	assert_true(t->fadt + rd32(t->fadt + 4) <= t->madt);
	assert_true(t->madt + rd32(t->madt + 4) <= t->dsdt);
	assert_int_equal(t->dsdt + rd32(t->dsdt + 4) - buf, t->used);
}

static void check_madt(const uint8_t *madt, unsigned int nr_cpus)
{
	uint32_t len = rd32(madt + 4);
	unsigned int cpus = 0, ioapics = 0;
	const uint8_t *e;

	assert_int_equal(rd32(madt + 36), 0xfee00000);
	assert_int_equal(rd32(madt + 40), 1); /* PCAT_COMPAT */
	for (e = madt + 44; e < madt + len; e += e[1]) {
		assert_true(e[1] >= 2 && e + e[1] <= madt + len);
		if (e[0] == 0) {
			assert_int_equal(e[1], 8);
			assert_int_equal(e[2], cpus); /* ACPI processor UID */
			assert_int_equal(e[3], cpus); /* APIC ID */
			assert_int_equal(rd32(e + 4), 1); /* enabled */
			cpus++;
		} else {
			assert_int_equal(e[0], 1);
			assert_int_equal(e[1], 12);
			assert_int_equal(e[2], nr_cpus); /* IOAPIC ID after the CPUs' */
			assert_int_equal(rd32(e + 4), 0xfec00000);
			assert_int_equal(rd32(e + 8), 0); /* GSI base */
			ioapics++;
		}
	}
	assert_true(e == madt + len);
	assert_int_equal(cpus, nr_cpus);
	assert_int_equal(ioapics, 1);
}

/* PkgLength (ACPI 6.5, 20.2.4): its value, and its own size in *n. */
static size_t pkglen(const uint8_t *p, unsigned int *n)
{
	size_t v;

	*n = 1 + (p[0] >> 6);
	if (*n == 1)
		return p[0] & 0x3f;
	v = p[0] & 0xf;
	for (unsigned int i = 1; i < *n; i++)
		v |= (size_t)p[i] << (4 + 8 * (i - 1));
	return v;
}

static const uint8_t *find(const uint8_t *from, const uint8_t *end, const void *what, size_t n)
{
	for (const uint8_t *p = from; p + n <= end; p++)
		if (!memcmp(p, what, n))
			return p;
	return NULL;
}

/* Walks Scope (\_SB_) and checks each Device and its _CRS byte by byte. */
static void check_dsdt(const uint8_t *dsdt, const struct acpi_config *c)
{
	const uint8_t *end = dsdt + rd32(dsdt + 4), *p = dsdt + 36, *dev;
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x05, 0x00 };
	unsigned int n;
	size_t len;

	assert_int_equal(dsdt[8], 2);
	if (c->pm_port) {
		assert_memory_equal(p, s5, sizeof(s5));
		p += sizeof(s5);
	}
	assert_int_equal(p[0], 0x10); /* ScopeOp */
	len = pkglen(p + 1, &n);
	assert_true(p + 1 + len == end); /* the scope spans the rest */
	/* Above 63 bytes the encoding takes two bytes; iasl writes no longer form. */
	assert_int_equal(n, len > 63 ? 2 : 1);
	p += 1 + n;
	assert_memory_equal(p, "\\_SB_", 5);
	dev = p + 5;

	for (unsigned int i = 0; i < c->nr_devs; i++) {
		const struct acpi_mmio_dev *d = &c->devs[i];
		const char name[4] = { 'V', 'R', (char)('0' + i / 10), (char)('0' + i % 10) };
		/* Memory32Fixed (ReadWrite) and Extended Interrupt (consumer, edge, 1 IRQ). */
		uint8_t mem[12] = { 0x86, 0x09, 0x00, 0x01 };
		uint8_t irq[9] = { 0x89, 0x06, 0x00, 0x03, 0x01 };
		const uint8_t *next;

		assert_int_equal(dev[0], 0x5b); /* DeviceOp */
		assert_int_equal(dev[1], 0x82);
		len = pkglen(dev + 2, &n);
		next = dev + 2 + len;
		assert_true(next <= end);
		assert_memory_equal(dev + 2 + n, name, 4);
		assert_non_null(find(dev, next, "\x08_HID\x0dLNRO0005", 15));
		if (i <= 1) {
			uint8_t uid[6] = { 0x08, '_', 'U', 'I', 'D', (uint8_t)i };

			assert_non_null(find(dev, next, uid, 6));
		} else {
			uint8_t uid[7] = { 0x08, '_', 'U', 'I', 'D', 0x0a, (uint8_t)i };

			assert_non_null(find(dev, next, uid, 7));
		}
		/* Name (_CRS, Buffer (23) {...}): one byte PkgLength of 26. */
		assert_non_null(find(dev, next, "\x08_CRS\x11\x1a\x0a\x17", 9));
		for (unsigned int k = 0; k < 4; k++) {
			mem[4 + k] = (uint8_t)(d->base >> (8 * k));
			mem[8 + k] = (uint8_t)(d->size >> (8 * k));
			irq[5 + k] = (uint8_t)(d->irq >> (8 * k));
		}
		p = find(dev, next, mem, sizeof(mem));
		assert_non_null(p);
		assert_memory_equal(p + 12, irq, sizeof(irq));
		assert_memory_equal(p + 21, "\x79\x00", 2); /* end tag */
		assert_true(p + 23 == next); /* _CRS is the device's last object */
		dev = next;
	}
	assert_true(dev == end);
}

static void check_all(const struct acpi_config *c)
{
	struct tables t;
	uint32_t boot, flags;

	build(c, &t);
	check_madt(t.madt, c->nr_cpus);
	check_dsdt(t.dsdt, c);

	boot = rd16(t.fadt + 109);
	flags = rd32(t.fadt + 112);
	assert_true(flags & (1u << 20)); /* HW_REDUCED_ACPI */
	assert_int_equal(boot & 3, 0); /* no legacy devices, no 8042 */
	assert_true(boot & (1u << 2)); /* no VGA */
	assert_true(boot & (1u << 5)); /* no CMOS RTC */
	if (c->pm_port) {
		static const uint8_t io8[4] = { 1, 8, 0, 1 }; /* SystemIO, byte */

		assert_true(flags & (1u << 10)); /* RESET_REG_SUP */
		assert_memory_equal(t.fadt + 116, io8, 4);
		assert_int_equal(rd64(t.fadt + 120), c->pm_port + ACPI_PM_RESET);
		assert_int_equal(t.fadt[128], ACPI_RESET_VALUE);
		assert_memory_equal(t.fadt + 244, io8, 4);
		assert_int_equal(rd64(t.fadt + 248), c->pm_port + ACPI_PM_SLEEP_CTL);
		assert_memory_equal(t.fadt + 256, io8, 4);
		assert_int_equal(rd64(t.fadt + 260), c->pm_port + ACPI_PM_SLEEP_STS);
	} else {
		assert_false(flags & (1u << 10));
		assert_int_equal(rd64(t.fadt + 248), 0);
		assert_int_equal(rd64(t.fadt + 260), 0);
	}
	/* Nothing the PM1, GPE or SMI machinery would use. */
	for (unsigned int off = 44; off < 109; off++)
		assert_int_equal(t.fadt[off], 0);
	for (unsigned int off = 148; off < 244; off++)
		assert_int_equal(t.fadt[off], 0);
}

static void test_small(void **state)
{
	const struct acpi_config c = { .nr_cpus = 1 };

	check_all(&c);
}

static void test_typical(void **state)
{
	const struct acpi_config c = { .nr_cpus = 4,
				       .devs = dump_devs,
				       .nr_devs = ARRAY_SIZE(dump_devs),
				       .pm_port = PM_PORT };

	check_all(&c);
}

/* Above 4 GiB: every pointer is a 64-bit one (no RSDT, X_DSDT only). */
static void test_high_gpa(void **state)
{
	const struct acpi_config c = { .nr_cpus = 2,
				       .devs = dump_devs,
				       .nr_devs = ARRAY_SIZE(dump_devs),
				       .pm_port = PM_PORT };

	gpa = 0x123456780ULL * 16;
	check_all(&c);
	assert_int_equal(rd32(buf + 16), 0); /* RSDT address */
}

static int reset_gpa(void **state)
{
	gpa = GPA;
	return 0;
}

/* The largest configuration fits in ACPI_TABLES_MAX, with a 2-byte Scope length. */
static void test_largest(void **state)
{
	struct acpi_mmio_dev devs[ACPI_MAX_DEVS];
	struct acpi_config c = { .nr_cpus = ACPI_MAX_CPUS,
				 .devs = devs,
				 .nr_devs = ACPI_MAX_DEVS,
				 .pm_port = 0xffff - 2 };

	for (unsigned int i = 0; i < ACPI_MAX_DEVS; i++)
		devs[i] = (struct acpi_mmio_dev){ 0xfffff000 - 0x1000 * (uint64_t)i, 0x1000,
						  ACPI_IRQ_MAX - i };
	check_all(&c);
	for (unsigned int n = 0; n <= ACPI_MAX_DEVS; n++) {
		c.nr_devs = n;
		c.nr_cpus = 1 + n * 13;
		check_all(&c);
	}
}

/* Every length short of the need: -ENOSPC, and not a byte written past it. */
static void test_short_buffer(void **state)
{
	const struct acpi_config c = { .nr_cpus = 2,
				       .devs = dump_devs,
				       .nr_devs = ARRAY_SIZE(dump_devs),
				       .pm_port = PM_PORT };
	long need = acpi_build(&c, GPA, buf, sizeof(buf));

	assert_true(need > 0);
	for (long len = 0; len < need; len++) {
		memset(buf, 0xa5, sizeof(buf));
		assert_int_equal(acpi_build(&c, GPA, buf, (size_t)len), -ENOSPC);
		for (long i = len; i < need; i++)
			assert_int_equal(buf[i], 0xa5);
	}
	assert_int_equal(acpi_build(&c, GPA, buf, (size_t)need), need);
}

/* Same inputs, same bytes, whatever the buffer held before. */
static void test_deterministic(void **state)
{
	static uint8_t other[BUF_SIZE];
	const struct acpi_config c = { .nr_cpus = 3,
				       .devs = dump_devs,
				       .nr_devs = ARRAY_SIZE(dump_devs),
				       .pm_port = PM_PORT };
	long n;

	memset(buf, 0xff, sizeof(buf));
	n = acpi_build(&c, GPA, buf, sizeof(buf));
	assert_true(n > 0);
	memset(other, 0x00, sizeof(other));
	assert_int_equal(acpi_build(&c, GPA, other, sizeof(other)), n);
	assert_memory_equal(buf, other, (size_t)n);
}

static long build_rc(unsigned int nr_cpus, const struct acpi_mmio_dev *devs, unsigned int nr_devs)
{
	const struct acpi_config c = { .nr_cpus = nr_cpus, .devs = devs, .nr_devs = nr_devs };

	return acpi_build(&c, GPA, buf, sizeof(buf));
}

static void test_bad_input(void **state)
{
	struct acpi_mmio_dev d[ACPI_MAX_DEVS + 1];
	struct acpi_config c = { .nr_cpus = 1, .pm_port = 0xffff - 1 };

	for (unsigned int i = 0; i < ARRAY_SIZE(d); i++)
		d[i] = (struct acpi_mmio_dev){ 0xd0000000 + 0x1000 * i, 0x200, 5 + i % 19 };

	assert_int_equal(build_rc(0, NULL, 0), -EINVAL);
	assert_int_equal(build_rc(ACPI_MAX_CPUS + 1, NULL, 0), -EINVAL);
	assert_true(build_rc(ACPI_MAX_CPUS, NULL, 0) > 0);
	assert_int_equal(build_rc(1, NULL, 1), -EINVAL);
	assert_int_equal(build_rc(1, d, ACPI_MAX_DEVS + 1), -EINVAL); /* more than free IRQs */
	assert_true(build_rc(1, d, ACPI_MAX_DEVS) > 0);
	assert_int_equal(acpi_build(&c, GPA, buf, sizeof(buf)), -EINVAL); /* ports wrap */
	assert_int_equal(acpi_build(NULL, GPA, buf, sizeof(buf)), -EINVAL);
	c.pm_port = 0;
	assert_int_equal(acpi_build(&c, GPA, NULL, sizeof(buf)), -EINVAL);
	assert_int_equal(acpi_build(&c, GPA + 8, buf, sizeof(buf)), -EINVAL); /* RSDP alignment */
	assert_int_equal(acpi_build(&c, 0xfffffffffffff000ULL, buf, sizeof(buf)), -EINVAL);

	d[1].irq = 4; /* legacy pins */
	assert_int_equal(build_rc(1, d, 2), -EINVAL);
	d[1].irq = 24; /* past the IOAPIC */
	assert_int_equal(build_rc(1, d, 2), -EINVAL);
	d[1].irq = 5; /* d[0]'s, but Exclusive */
	assert_int_equal(build_rc(1, d, 2), -EINVAL);
	d[1].irq = 6;
	assert_true(build_rc(1, d, 2) > 0);

	d[1].base = d[0].base + 0x1ff; /* overlaps d[0] */
	assert_int_equal(build_rc(1, d, 2), -EINVAL);
	d[1].base = d[0].base + 0x200; /* adjacent */
	assert_true(build_rc(1, d, 2) > 0);
	d[1].size = 0;
	assert_int_equal(build_rc(1, d, 2), -EINVAL);
	d[1] = (struct acpi_mmio_dev){ 0xfffff000, 0x1000, 6 }; /* ends at 4 GiB */
	assert_true(build_rc(1, d, 2) > 0);
	d[1].size = 0x1001;
	assert_int_equal(build_rc(1, d, 2), -EINVAL);
	d[1] = (struct acpi_mmio_dev){ 1ULL << 32, 0x1000, 6 };
	assert_int_equal(build_rc(1, d, 2), -EINVAL);
	d[1] = (struct acpi_mmio_dev){ 0xfec00800, 0x1000, 6 }; /* over the IOAPIC */
	assert_int_equal(build_rc(1, d, 2), -EINVAL);
	d[1] = (struct acpi_mmio_dev){ 0xfee80000, 0x200, 6 }; /* in the MSI range */
	assert_int_equal(build_rc(1, d, 2), -EINVAL);
}

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* For acpi-iasl.sh: the tables of test_typical, one file each. */
static void test_dump(void **state)
{
	const struct acpi_config c = { .nr_cpus = 4,
				       .devs = dump_devs,
				       .nr_devs = ARRAY_SIZE(dump_devs),
				       .pm_port = PM_PORT };
	const char *dir = getenv("ACPI_DUMP_DIR");
	struct tables t;

	if (!dir || !*dir)
		skip();
	build(&c, &t);
	assert_int_equal(write_file(dir, "all.bin", buf, (size_t)t.used), 0);
	assert_int_equal(write_file(dir, "rsdp.dat", buf, 36), 0);
	assert_int_equal(write_file(dir, "xsdt.dat", t.xsdt, rd32(t.xsdt + 4)), 0);
	assert_int_equal(write_file(dir, "facp.dat", t.fadt, rd32(t.fadt + 4)), 0);
	assert_int_equal(write_file(dir, "apic.dat", t.madt, rd32(t.madt + 4)), 0);
	assert_int_equal(write_file(dir, "dsdt.dat", t.dsdt, rd32(t.dsdt + 4)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_typical),
		cmocka_unit_test_teardown(test_high_gpa, reset_gpa),
		cmocka_unit_test(test_largest),
		cmocka_unit_test(test_short_buffer),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
