// SPDX-License-Identifier: MIT
/*
 * Port I/O, MMIO, MSR and CPUID accessors (see io.h for why they are all
 * here).  Without SEV and under SEV they are the plain instructions (the
 * hypervisor still intercepts them).  Under SEV-ES each one is an explicit
 * GHCB request on this CPU's page instead: the instruction itself would
 * raise #VC, and the minisev model, which cannot raise #VC, stops a guest
 * that bypasses the GHCB.
 *
 * MMIO uses single mov instructions with a register operand: under SEV
 * (not ES) KVM cannot read the encrypted instruction and emulates the
 * access from the instruction bytes that the CPU saves on the nested page
 * fault (APM vol. 2, "Decode Assists"), so keep the forms simple.
 */
#include "io.h"
#include "fw.h"
#include "ghcb.h"
#include "sev.h"

static bool io_ghcb;

void io_set_ghcb(bool on)
{
	io_ghcb = on;
}

bool io_ghcb_active(void)
{
	return io_ghcb;
}

/* This CPU's GHCB, taken for one request. */
static struct ghcb_cpu *es_get(void)
{
	struct ghcb_cpu *c = sev_ghcb();

	if (!c)
		fw_crash(FW_TERM_NO_GHCB);
	/* Requests do not nest: nothing in a request can fault into another. */
	if (c->busy)
		fw_crash(FW_TERM_GHCB_BUSY);
	c->busy = true;
	return c;
}

static void es_put(struct ghcb_cpu *c, int ret, const char *what)
{
	if (ret)
		sev_ghcb_fatal(c, ret, what);
	c->busy = false;
}

static void es_out(uint16_t port, unsigned int size, uint32_t val)
{
	struct ghcb_cpu *c = es_get();

	es_put(c, ghcb_ioio(c, port, size, false, &val), "OUT");
}

static uint32_t es_in(uint16_t port, unsigned int size)
{
	struct ghcb_cpu *c = es_get();
	uint32_t val = 0;

	es_put(c, ghcb_ioio(c, port, size, true, &val), "IN");
	return val;
}

static uint64_t es_mmio(uint64_t gpa, unsigned int size, bool write, uint64_t val)
{
	struct ghcb_cpu *c = es_get();

	es_put(c, ghcb_mmio(c, gpa, size, write, &val), write ? "MMIO write" : "MMIO read");
	return val;
}

void io_out8(uint16_t port, uint8_t val)
{
	if (io_ghcb)
		return es_out(port, 1, val);
	__asm__ __volatile__("outb %0, %1" : : "a"(val), "Nd"(port) : "memory");
}

void io_out16(uint16_t port, uint16_t val)
{
	if (io_ghcb)
		return es_out(port, 2, val);
	__asm__ __volatile__("outw %0, %1" : : "a"(val), "Nd"(port) : "memory");
}

void io_out32(uint16_t port, uint32_t val)
{
	if (io_ghcb)
		return es_out(port, 4, val);
	__asm__ __volatile__("outl %0, %1" : : "a"(val), "Nd"(port) : "memory");
}

uint8_t io_in8(uint16_t port)
{
	uint8_t v;

	if (io_ghcb)
		return (uint8_t)es_in(port, 1);
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

uint16_t io_in16(uint16_t port)
{
	uint16_t v;

	if (io_ghcb)
		return (uint16_t)es_in(port, 2);
	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

uint32_t io_in32(uint16_t port)
{
	uint32_t v;

	if (io_ghcb)
		return es_in(port, 4);
	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

uint8_t mmio_read8(uint64_t gpa)
{
	uint8_t v;

	if (io_ghcb)
		return (uint8_t)es_mmio(gpa, 1, false, 0);
	__asm__ __volatile__("movb (%1), %0" : "=q"(v) : "r"(gpa) : "memory");
	return v;
}

uint16_t mmio_read16(uint64_t gpa)
{
	uint16_t v;

	if (io_ghcb)
		return (uint16_t)es_mmio(gpa, 2, false, 0);
	__asm__ __volatile__("movw (%1), %0" : "=r"(v) : "r"(gpa) : "memory");
	return v;
}

uint32_t mmio_read32(uint64_t gpa)
{
	uint32_t v;

	if (io_ghcb)
		return (uint32_t)es_mmio(gpa, 4, false, 0);
	__asm__ __volatile__("movl (%1), %0" : "=r"(v) : "r"(gpa) : "memory");
	return v;
}

void mmio_write8(uint64_t gpa, uint8_t val)
{
	if (io_ghcb) {
		es_mmio(gpa, 1, true, val);
		return;
	}
	__asm__ __volatile__("movb %0, (%1)" : : "q"(val), "r"(gpa) : "memory");
}

void mmio_write16(uint64_t gpa, uint16_t val)
{
	if (io_ghcb) {
		es_mmio(gpa, 2, true, val);
		return;
	}
	__asm__ __volatile__("movw %0, (%1)" : : "r"(val), "r"(gpa) : "memory");
}

void mmio_write32(uint64_t gpa, uint32_t val)
{
	if (io_ghcb) {
		es_mmio(gpa, 4, true, val);
		return;
	}
	__asm__ __volatile__("movl %0, (%1)" : : "r"(val), "r"(gpa) : "memory");
}

uint64_t msr_read(uint32_t msr)
{
	uint32_t lo, hi;

	if (io_ghcb) {
		struct ghcb_cpu *c = es_get();
		uint64_t v = 0;

		es_put(c, ghcb_rdmsr(c, msr, &v), "RDMSR");
		return v;
	}
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

void msr_write(uint32_t msr, uint64_t val)
{
	if (io_ghcb) {
		struct ghcb_cpu *c = es_get();

		es_put(c, ghcb_wrmsr(c, msr, val), "WRMSR");
		return;
	}
	__asm__ __volatile__("wrmsr"
			     :
			     : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			     : "memory");
}

struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	if (io_ghcb) {
		struct ghcb_cpu *c = es_get();

		/* XCR0 for leaf 0xd: x87 only, the firmware never enables XSAVE. */
		es_put(c, ghcb_cpuid(c, leaf, subleaf, 1, &r), "CPUID");
		return r;
	}
	__asm__ __volatile__("cpuid"
			     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			     : "a"(leaf), "c"(subleaf));
	return r;
}
