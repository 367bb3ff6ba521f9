// SPDX-License-Identifier: MIT
/*
 * Port I/O, MMIO, MSR and CPUID accessors (see io.h for why they are all
 * here).  Without SEV and under SEV they are the plain instructions (the
 * hypervisor still intercepts them).  Under SEV-ES each one is an explicit
 * GHCB request instead: the instruction itself would raise #VC.
 *
 * MMIO uses single mov instructions with a register operand: under SEV
 * (not ES) KVM cannot read the encrypted instruction and emulates the
 * access from the instruction bytes that the CPU saves on the nested page
 * fault (APM vol. 2, "Decode Assists"), so keep the forms simple.
 */
#include "ghcb.h"
#include "io.h"

static void es_io_out(uint16_t port, unsigned int size, uint32_t val)
{
	uint8_t *g = ghcb_begin();

	ghcb_set(g, GHCB_RAX, val);
	if (ghcb_call(SVM_EXIT_IOIO, ghcb_ioio_info(port, size, false), 0, &g))
		fw_panic("GHCB: OUT to port 0x%x refused", port);
}

static uint32_t es_io_in(uint16_t port, unsigned int size)
{
	uint8_t *g = ghcb_begin();

	ghcb_set(g, GHCB_RAX, 0);
	if (ghcb_call(SVM_EXIT_IOIO, ghcb_ioio_info(port, size, true), 0, &g) ||
	    !ghcb_valid(g, GHCB_RAX))
		fw_panic("GHCB: IN from port 0x%x refused", port);
	return (uint32_t)ghcb_get(g, GHCB_RAX);
}

/* MMIO data travels in the GHCB's shared buffer (GHCB v2: at most 8 bytes). */
static uint64_t es_mmio(uint64_t gpa, unsigned int size, bool wr, uint64_t val)
{
	uint8_t *g = ghcb_begin();
	uint64_t scratch = (uint64_t)(uintptr_t)g + GHCB_SHARED;

	memcpy(g + GHCB_SHARED, &val, size);
	ghcb_set(g, GHCB_SCRATCH, scratch);
	if (ghcb_call(wr ? SVM_VMGEXIT_MMIO_WRITE : SVM_VMGEXIT_MMIO_READ, gpa, size, &g))
		fw_panic("GHCB: MMIO %s of %u bytes at 0x%llx refused", wr ? "write" : "read", size,
			 (unsigned long long)gpa);
	val = 0;
	memcpy(&val, g + GHCB_SHARED, size);
	return val;
}

void io_out8(uint16_t port, uint8_t val)
{
	if (fw_sev_es_active())
		return es_io_out(port, 1, val);
	__asm__ __volatile__("outb %0, %1" : : "a"(val), "Nd"(port) : "memory");
}

void io_out16(uint16_t port, uint16_t val)
{
	if (fw_sev_es_active())
		return es_io_out(port, 2, val);
	__asm__ __volatile__("outw %0, %1" : : "a"(val), "Nd"(port) : "memory");
}

void io_out32(uint16_t port, uint32_t val)
{
	if (fw_sev_es_active())
		return es_io_out(port, 4, val);
	__asm__ __volatile__("outl %0, %1" : : "a"(val), "Nd"(port) : "memory");
}

uint8_t io_in8(uint16_t port)
{
	uint8_t v;

	if (fw_sev_es_active())
		return es_io_in(port, 1);
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

uint16_t io_in16(uint16_t port)
{
	uint16_t v;

	if (fw_sev_es_active())
		return es_io_in(port, 2);
	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

uint32_t io_in32(uint16_t port)
{
	uint32_t v;

	if (fw_sev_es_active())
		return es_io_in(port, 4);
	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

uint8_t mmio_read8(uint64_t gpa)
{
	uint8_t v;

	if (fw_sev_es_active())
		return es_mmio(gpa, 1, false, 0);
	__asm__ __volatile__("movb (%1), %0" : "=q"(v) : "r"(gpa) : "memory");
	return v;
}

uint16_t mmio_read16(uint64_t gpa)
{
	uint16_t v;

	if (fw_sev_es_active())
		return es_mmio(gpa, 2, false, 0);
	__asm__ __volatile__("movw (%1), %0" : "=r"(v) : "r"(gpa) : "memory");
	return v;
}

uint32_t mmio_read32(uint64_t gpa)
{
	uint32_t v;

	if (fw_sev_es_active())
		return es_mmio(gpa, 4, false, 0);
	__asm__ __volatile__("movl (%1), %0" : "=r"(v) : "r"(gpa) : "memory");
	return v;
}

void mmio_write8(uint64_t gpa, uint8_t val)
{
	if (fw_sev_es_active()) {
		es_mmio(gpa, 1, true, val);
		return;
	}
	__asm__ __volatile__("movb %0, (%1)" : : "q"(val), "r"(gpa) : "memory");
}

void mmio_write16(uint64_t gpa, uint16_t val)
{
	if (fw_sev_es_active()) {
		es_mmio(gpa, 2, true, val);
		return;
	}
	__asm__ __volatile__("movw %0, (%1)" : : "r"(val), "r"(gpa) : "memory");
}

void mmio_write32(uint64_t gpa, uint32_t val)
{
	if (fw_sev_es_active()) {
		es_mmio(gpa, 4, true, val);
		return;
	}
	__asm__ __volatile__("movl %0, (%1)" : : "r"(val), "r"(gpa) : "memory");
}

uint64_t msr_read(uint32_t msr)
{
	uint32_t lo, hi;

	if (fw_sev_es_active()) {
		uint8_t *g = ghcb_begin();

		ghcb_set(g, GHCB_RCX, msr);
		if (ghcb_call(SVM_EXIT_MSR, 0, 0, &g))
			fw_panic("GHCB: RDMSR 0x%x refused", msr);
		return ghcb_get(g, GHCB_RDX) << 32 | (uint32_t)ghcb_get(g, GHCB_RAX);
	}
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

void msr_write(uint32_t msr, uint64_t val)
{
	if (fw_sev_es_active()) {
		uint8_t *g = ghcb_begin();

		ghcb_set(g, GHCB_RCX, msr);
		ghcb_set(g, GHCB_RAX, (uint32_t)val);
		ghcb_set(g, GHCB_RDX, val >> 32);
		if (ghcb_call(SVM_EXIT_MSR, 1, 0, &g))
			fw_panic("GHCB: WRMSR 0x%x refused", msr);
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

	if (fw_sev_es_active()) {
		uint8_t *g = ghcb_begin();

		ghcb_set(g, GHCB_RAX, leaf);
		ghcb_set(g, GHCB_RCX, subleaf);
		ghcb_set(g, GHCB_XCR0, 1);
		if (ghcb_call(SVM_EXIT_CPUID, 0, 0, &g))
			fw_panic("GHCB: CPUID 0x%x refused", leaf);
		r.eax = ghcb_get(g, GHCB_RAX);
		r.ebx = ghcb_get(g, GHCB_RBX);
		r.ecx = ghcb_get(g, GHCB_RCX);
		r.edx = ghcb_get(g, GHCB_RDX);
		return r;
	}
	__asm__ __volatile__("cpuid"
			     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			     : "a"(leaf), "c"(subleaf));
	return r;
}
