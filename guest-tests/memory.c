// SPDX-License-Identifier: MIT
/*
 * memory_size: RAM is as large as boot info says.  The last page is
 * usable, and what we write there is what the host sees without SEV, and
 * not what it sees with SEV (private memory is encrypted).  The host also
 * refuses to peek past the end of RAM.
 *
 * beyond_ram (explicit, negative): touches the first byte after RAM,
 * which is no memory at all: the VMM must stop with the address.
 */
#include "test.h"
#include "io.h"
#include "req.h"

GUEST_TEST(memory_size, 0)
{
	uint64_t ram = fw_boot.ram_size, last = ram - PAGE_SIZE, found = 0, cookie;
	volatile uint64_t *p = (volatile uint64_t *)last;
	unsigned int i, bad = 0;
	int st;

	diag("RAM %lu MiB (0x%lx bytes), last page 0x%lx", ram >> 20, ram, last);
	check(ram >= MINISEV_RAM_MIN && ram <= MINISEV_RAM_MAX && IS_ALIGNED(ram, PAGE_SIZE),
	      "RAM size 0x%lx out of range", ram);

	/* A value that no earlier run or other page can hold by accident. */
	cookie = 0x6d696e697365762dULL ^ (rdtsc() << 16) ^ ram;
	for (i = 0; i < PAGE_SIZE / 8; i++)
		p[i] = cookie + i;
	for (i = 0; i < PAGE_SIZE / 8; i++)
		bad += p[i] != cookie + i;
	check(!bad, "%u of %llu words of the last page did not read back", bad, PAGE_SIZE / 8);

	st = host_req(MINISEV_REQ_HOST_PEEK, last, PAGE_SIZE, cookie + 7, &found, NULL);
	check(st == MINISEV_REQ_OK, "HOST_PEEK of the last page: status %d", st);
	if (fw_sev_active())
		check(found == 0, "the host reads private memory in plaintext");
	else
		check(found == 1, "the host does not see what we wrote to the last page");

	st = host_req(MINISEV_REQ_HOST_PEEK, ram - 8, 16, cookie, &found, NULL);
	check(st == MINISEV_REQ_EINVAL, "HOST_PEEK across the end of RAM: status %d", st);
	st = host_req(MINISEV_REQ_HOST_PEEK, ~0ULL - 7, 16, cookie, &found, NULL);
	check(st == MINISEV_REQ_EINVAL, "HOST_PEEK with a wrapping range: status %d", st);
	return test_result();
}

/*
 * The VMM's page tables leave the hole after RAM unmapped, which would make
 * this a plain #PF.  Map the 2 MiB after RAM ourselves (uncached, no C-bit,
 * like MMIO), so that the access reaches the VMM as an MMIO exit to an
 * address where nothing is.
 */
GUEST_TEST(beyond_ram, GT_EXPLICIT)
{
	const uint64_t huge = 2ULL << 20, addr_mask = 0x000ffffffffff000ULL &
						      ~(fw_boot.cbit ? 1ULL << fw_boot.cbit : 0);
	uint64_t addr = fw_boot.ram_size, *pml4, *pdpt, *pd;

	if (addr >= MINISEV_MMIO_GPA || !IS_ALIGNED(addr, huge))
		return test_skip("RAM size 0x%lx: no 2 MiB hole after it", addr);
	pml4 = (uint64_t *)(read_cr3() & addr_mask);
	pdpt = (uint64_t *)(pml4[0] & addr_mask);
	pd = (uint64_t *)(pdpt[addr >> 30] & addr_mask);
	if (!check((pml4[0] & 1) && (pdpt[addr >> 30] & 1), "no page directory for 0x%lx", addr))
		return test_result();
	/* P | RW | PWT | PCD | PS | NX */
	pd[(addr >> 21) & 511] = addr | 0x9b | (1ULL << 63);
	__asm__ __volatile__("invlpg (%0)" : : "r"(addr) : "memory");

	/* Through io.c, so that under SEV-ES it is a GHCB MMIO request. */
	diag("reading 0x%lx, just past RAM", addr);
	mmio_read32(addr);
	check(0, "reading 0x%lx past RAM returned; the VMM should have stopped", addr);
	return test_result();
}
