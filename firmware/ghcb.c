// SPDX-License-Identifier: MIT
/*
 * The GHCB page protocol.  Every VMGEXIT is preceded by a write of the
 * GHCB's address to the GHCB MSR, as Linux does (and as the software
 * model's doorbell needs), and RAX is treated as clobbered by it: on CPUs
 * without SEV-ES, VMGEXIT runs as VMMCALL, which KVM answers in RAX.
 */
#include "minisev/abi.h"

#include "ghcb.h"

#define MSR_GHCB 0xc0010130

void ghcb_clear(uint8_t *g)
{
	memset(g + GHCB_VALID, 0, 16);
}

void ghcb_set(uint8_t *g, unsigned int off, uint64_t val)
{
	memcpy(g + off, &val, 8);
	g[GHCB_VALID + off / 64] |= 1u << ((off / 8) % 8);
}

uint64_t ghcb_get(const uint8_t *g, unsigned int off)
{
	uint64_t v;

	memcpy(&v, g + off, 8);
	return v;
}

bool ghcb_valid(const uint8_t *g, unsigned int off)
{
	return g[GHCB_VALID + off / 64] & (1u << ((off / 8) % 8));
}

uint64_t ghcb_ioio_info(uint16_t port, unsigned int size, bool in)
{
	/* Bits 4-6: operand size; bit 9: 64-bit address size; bit 0: IN. */
	uint64_t sz = size == 1 ? 1u << 4 : size == 2 ? 1u << 5 : 1u << 6;

	return (uint64_t)port << 16 | sz | (1u << 9) | (in ? 1 : 0);
}

#ifndef HOST_TEST
static uint8_t *this_ghcb(void)
{
	return (uint8_t *)(uintptr_t)(MINISEV_SHARED_GPA + MINISEV_SHARED_GHCB_OFF +
				      (uint64_t)this_cpu() * 4096);
}

static void ghcb_msr_write(uint64_t val)
{
	/* The GHCB MSR itself never causes #VC: a plain WRMSR. */
	__asm__ __volatile__("wrmsr"
			     :
			     : "c"(MSR_GHCB), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			     : "memory");
}

static void vmgexit(void)
{
	/* VMGEXIT is "rep; vmmcall" (F3 0F 01 D9). */
	__asm__ __volatile__("rep; vmmcall" : : : "rax", "memory");
}

uint8_t *ghcb_begin(void)
{
	uint8_t *g = this_ghcb();

	ghcb_clear(g);
	return g;
}

int ghcb_call(uint64_t code, uint64_t info1, uint64_t info2, uint8_t **gp)
{
	uint8_t *g = this_ghcb();

	ghcb_set(g, GHCB_EXIT_CODE, code);
	ghcb_set(g, GHCB_EXIT_INFO1, info1);
	ghcb_set(g, GHCB_EXIT_INFO2, info2);
	*(volatile uint16_t *)(g + GHCB_VERSION) = 2;
	*(volatile uint32_t *)(g + GHCB_USAGE) = 0;
	ghcb_msr_write(MINISEV_SHARED_GPA + MINISEV_SHARED_GHCB_OFF + (uint64_t)this_cpu() * 4096);
	vmgexit();
	if (gp)
		*gp = g;
	return (int)(uint32_t)ghcb_get(g, GHCB_EXIT_INFO1);
}

void ghcb_terminate(unsigned int code)
{
	ghcb_msr_write(GHCB_MSR_TERM_REQ | (GHCB_TERM_SET_MINISEV << 12) |
		       ((uint64_t)(code & 0xff) << 16));
	for (;;) {
		vmgexit();
		__asm__ __volatile__("cli; hlt");
	}
}
#endif
