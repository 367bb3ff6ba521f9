// SPDX-License-Identifier: MIT
/*
 * Port I/O, MMIO, MSR and CPUID accessors (see io.h for why they are all
 * here).  Today they are the plain instructions, which is right without
 * SEV and under SEV (the hypervisor still intercepts them).  Under SEV-ES
 * every one of them becomes a GHCB request: that switch goes here.
 *
 * MMIO uses single mov instructions with a register operand: under SEV
 * (not ES) KVM cannot read the encrypted instruction and emulates the
 * access from the instruction bytes that the CPU saves on the nested page
 * fault (APM vol. 2, "Decode Assists"), so keep the forms simple.
 */
#include "io.h"

void io_out8(uint16_t port, uint8_t val)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(val), "Nd"(port) : "memory");
}

void io_out16(uint16_t port, uint16_t val)
{
	__asm__ __volatile__("outw %0, %1" : : "a"(val), "Nd"(port) : "memory");
}

void io_out32(uint16_t port, uint32_t val)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(val), "Nd"(port) : "memory");
}

uint8_t io_in8(uint16_t port)
{
	uint8_t v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

uint16_t io_in16(uint16_t port)
{
	uint16_t v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

uint32_t io_in32(uint16_t port)
{
	uint32_t v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

uint8_t mmio_read8(uint64_t gpa)
{
	uint8_t v;

	__asm__ __volatile__("movb (%1), %0" : "=q"(v) : "r"(gpa) : "memory");
	return v;
}

uint16_t mmio_read16(uint64_t gpa)
{
	uint16_t v;

	__asm__ __volatile__("movw (%1), %0" : "=r"(v) : "r"(gpa) : "memory");
	return v;
}

uint32_t mmio_read32(uint64_t gpa)
{
	uint32_t v;

	__asm__ __volatile__("movl (%1), %0" : "=r"(v) : "r"(gpa) : "memory");
	return v;
}

void mmio_write8(uint64_t gpa, uint8_t val)
{
	__asm__ __volatile__("movb %0, (%1)" : : "q"(val), "r"(gpa) : "memory");
}

void mmio_write16(uint64_t gpa, uint16_t val)
{
	__asm__ __volatile__("movw %0, (%1)" : : "r"(val), "r"(gpa) : "memory");
}

void mmio_write32(uint64_t gpa, uint32_t val)
{
	__asm__ __volatile__("movl %0, (%1)" : : "r"(val), "r"(gpa) : "memory");
}

uint64_t msr_read(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

void msr_write(uint32_t msr, uint64_t val)
{
	__asm__ __volatile__("wrmsr"
			     :
			     : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			     : "memory");
}

struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ __volatile__("cpuid"
			     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			     : "a"(leaf), "c"(subleaf));
	return r;
}
