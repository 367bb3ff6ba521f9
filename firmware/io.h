/* SPDX-License-Identifier: MIT */
/*
 * Every access that leaves the guest: port I/O, MMIO, MSRs and CPUID.
 * Under SEV-ES each of these raises #VC (or must be issued as a GHCB
 * request instead), so no other file may use the instructions directly;
 * the GHCB path goes into io.c, behind these same functions.
 *
 * Control registers are not here: reading CR0/CR3/CR4 does not exit.
 * Nor are the two MSRs that never exit, SEV_STATUS (sev.c) and the GHCB
 * MSR (ghcb.c): those are plain RDMSR/WRMSR even under SEV-ES.
 *
 * Which path each accessor takes is decided once, at run time, by
 * sev_init() (sev.c): the plain instructions, or under SEV-ES explicit
 * GHCB requests; the #VC handler (vc.c) catches a stray instruction.
 */
#ifndef FW_IO_H
#define FW_IO_H

#include <stdbool.h>
#include <stdint.h>

/* Explicit GHCB requests from now on (SEV-ES), or the plain instructions. */
void io_set_ghcb(bool on);
bool io_ghcb_active(void);

void io_out8(uint16_t port, uint8_t val);
void io_out16(uint16_t port, uint16_t val);
void io_out32(uint16_t port, uint32_t val);
uint8_t io_in8(uint16_t port);
uint16_t io_in16(uint16_t port);
uint32_t io_in32(uint16_t port);

/* `gpa` is an identity-mapped address in the uncached MMIO window. */
uint8_t mmio_read8(uint64_t gpa);
uint16_t mmio_read16(uint64_t gpa);
uint32_t mmio_read32(uint64_t gpa);
void mmio_write8(uint64_t gpa, uint8_t val);
void mmio_write16(uint64_t gpa, uint16_t val);
void mmio_write32(uint64_t gpa, uint32_t val);

uint64_t msr_read(uint32_t msr);
void msr_write(uint32_t msr, uint64_t val);

#define MSR_APIC_BASE 0x1b
#define MSR_EFER 0xc0000080
#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define MSR_SEV_STATUS 0xc0010131 /* APM vol. 2, "SEV_STATUS MSR" */

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

/* The only CPUID in the firmware: under SEV-ES it becomes a GHCB call. */
struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf);

#endif /* FW_IO_H */
