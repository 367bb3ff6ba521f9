// SPDX-License-Identifier: MIT
/*
 * Boot-info parsing.  The page is private and measured under SEV, so its
 * content is what the guest owner signed off; without SEV it is whatever
 * the VMM wrote.  Either way we copy it first and check the copy, so that
 * nothing can change between the check and the use.
 */
#include "boot.h"
#include "range.h"
#include "virtio_console.h"

struct minisev_boot_info fw_boot;
unsigned int fw_nr_cpus = 1;

static bool boot_header_ok;
static bool boot_shared_ok;

bool fw_sev_active(void)
{
	return fw_boot.flags & MINISEV_BOOT_F_SEV;
}

bool fw_sev_es_active(void)
{
	return fw_boot.flags & MINISEV_BOOT_F_SEV_ES;
}

static char boot_err[160];

#define BOOT_FAIL(...)                                             \
	do {                                                       \
		snprintf(boot_err, sizeof(boot_err), __VA_ARGS__); \
		return boot_err;                                   \
	} while (0)

static const char *check_shared(const struct minisev_boot_info *bi)
{
	uint64_t need = MINISEV_SHARED_VIRTIO_OFF + VCON_AREA_SIZE;

	if (!IS_ALIGNED(bi->shared_gpa, PAGE_SIZE) || bi->shared_size < need)
		BOOT_FAIL("shared window 0x%lx+0x%lx is unaligned or smaller than 0x%lx",
			  bi->shared_gpa, bi->shared_size, need);
	/* The request port takes a 32-bit GPA. */
	if (!range_ok(bi->shared_gpa, bi->shared_size, 0, MIN(bi->ram_size, 1ULL << 32)))
		BOOT_FAIL("shared window 0x%lx+0x%lx is not in RAM below 4 GiB", bi->shared_gpa,
			  bi->shared_size);
	if (ranges_overlap(bi->shared_gpa, bi->shared_size, 0, (uint64_t)__fw_end))
		BOOT_FAIL("shared window 0x%lx+0x%lx overlaps the firmware or its tables",
			  bi->shared_gpa, bi->shared_size);
	return NULL;
}

const char *boot_parse(uint64_t gpa)
{
	const struct minisev_boot_info *bi = &fw_boot;
	const char *err;
	unsigned int i;

	if (gpa != MINISEV_BOOT_INFO_GPA)
		BOOT_FAIL("RSI is 0x%lx, not the boot-info GPA 0x%llx", gpa, MINISEV_BOOT_INFO_GPA);
	memcpy(&fw_boot, (const void *)MINISEV_BOOT_INFO_GPA, sizeof(fw_boot));

	if (bi->magic != MINISEV_BOOT_MAGIC)
		BOOT_FAIL("magic 0x%lx, expected 0x%llx", bi->magic,
			  (unsigned long long)MINISEV_BOOT_MAGIC);
	if (bi->version != MINISEV_ABI_VERSION)
		BOOT_FAIL("ABI version %u, this firmware speaks %u", bi->version,
			  MINISEV_ABI_VERSION);
	if (bi->nr_devs > MINISEV_MAX_DEVS)
		BOOT_FAIL("%u devices, at most %u", bi->nr_devs, MINISEV_MAX_DEVS);
	boot_header_ok = true;

	err = check_shared(bi);
	boot_shared_ok = !err;

	if (bi->ram_size < MINISEV_RAM_MIN || bi->ram_size > MINISEV_RAM_MAX ||
	    !IS_ALIGNED(bi->ram_size, PAGE_SIZE))
		BOOT_FAIL("RAM size 0x%lx is not page-aligned in [%llu MiB, %llu MiB]",
			  bi->ram_size, MINISEV_RAM_MIN >> 20, MINISEV_RAM_MAX >> 20);
	if (err)
		return err;
	if (bi->nr_vcpus < 1 || bi->nr_vcpus > MINISEV_MAX_VCPUS)
		BOOT_FAIL("%u vCPUs, expected 1..%u", bi->nr_vcpus, MINISEV_MAX_VCPUS);
	if (MINISEV_SHARED_REQ_OFF + bi->nr_vcpus * PAGE_SIZE > MINISEV_SHARED_GHCB_OFF)
		BOOT_FAIL("no room for %u request pages", bi->nr_vcpus);
	if (bi->flags & ~(MINISEV_BOOT_F_SEV | MINISEV_BOOT_F_SEV_ES | MINISEV_BOOT_F_NO_BP |
			  MINISEV_BOOT_F_LINUX))
		BOOT_FAIL("unknown flags 0x%x", bi->flags);
	if ((bi->flags & MINISEV_BOOT_F_SEV_ES) && !(bi->flags & MINISEV_BOOT_F_SEV))
		BOOT_FAIL("SEV-ES flag without SEV");
	if ((bi->flags & MINISEV_BOOT_F_SEV) ? bi->cbit < 32 || bi->cbit > 63 : bi->cbit)
		BOOT_FAIL("C-bit %u does not fit the SEV flags 0x%x", bi->cbit, bi->flags);
	if (bi->pgtable_gpa != MINISEV_PGTABLE_GPA ||
	    (read_cr3() & ~0xfffULL & ~(bi->cbit ? 1ULL << bi->cbit : 0)) != bi->pgtable_gpa)
		BOOT_FAIL("page tables at 0x%lx, CR3 0x%lx, expected 0x%llx", bi->pgtable_gpa,
			  read_cr3(), MINISEV_PGTABLE_GPA);
	/*
	 * The VMM reports what the ELF's PT_LOAD segments occupy; .bss and
	 * the stacks follow them in no segment, below MINISEV_FW_LIMIT.
	 */
	if (bi->fw_start != (uint64_t)__fw_start || bi->fw_end < (uint64_t)__fw_load_end ||
	    bi->fw_end > (uint64_t)__fw_end)
		BOOT_FAIL("firmware at 0x%lx-0x%lx, but it was linked at 0x%lx-0x%lx", bi->fw_start,
			  bi->fw_end, (uint64_t)__fw_start, (uint64_t)__fw_load_end);
	for (i = 0; i < bi->nr_devs; i++) {
		const struct minisev_dev *d = &bi->devs[i];

		if (!range_ok(d->gpa, d->size, MINISEV_MMIO_GPA,
			      MINISEV_MMIO_GPA + MINISEV_MMIO_WINDOW) ||
		    d->size < VIRTIO_MMIO_REGION_SIZE ||
		    !IS_ALIGNED(d->gpa, VIRTIO_MMIO_REGION_SIZE))
			BOOT_FAIL("device %u at 0x%lx+0x%lx is outside the MMIO window", i, d->gpa,
				  d->size);
	}
	if (strnlen(bi->tests, sizeof(bi->tests)) == sizeof(bi->tests))
		BOOT_FAIL("test selection is not NUL-terminated");
	if (bi->secret_size && !range_ok(bi->secret_gpa, bi->secret_size, 0, bi->ram_size))
		BOOT_FAIL("secret at 0x%lx+0x%lx is outside RAM", bi->secret_gpa, bi->secret_size);

	fw_nr_cpus = bi->nr_vcpus;
	return NULL;
}

void boot_console(uint64_t *mmio_gpa, uint64_t *area_gpa)
{
	unsigned int i;

	*mmio_gpa = MINISEV_MMIO_GPA;
	*area_gpa = MINISEV_SHARED_GPA + MINISEV_SHARED_VIRTIO_OFF;
	if (boot_shared_ok)
		*area_gpa = fw_boot.shared_gpa + MINISEV_SHARED_VIRTIO_OFF;
	if (!boot_header_ok)
		return;
	for (i = 0; i < fw_boot.nr_devs; i++) {
		const struct minisev_dev *d = &fw_boot.devs[i];

		if (d->type == MINISEV_DEV_VIRTIO_MMIO && d->virtio_id == VIRTIO_ID_CONSOLE &&
		    range_ok(d->gpa, VIRTIO_MMIO_REGION_SIZE, MINISEV_MMIO_GPA,
			     MINISEV_MMIO_GPA + MINISEV_MMIO_WINDOW)) {
			*mmio_gpa = d->gpa;
			return;
		}
	}
}

uint64_t boot_req_page(unsigned int cpu)
{
	return fw_boot.shared_gpa + MINISEV_SHARED_REQ_OFF + (uint64_t)cpu * PAGE_SIZE;
}

bool boot_shared_range(uint64_t gpa, uint64_t len)
{
	uint64_t base = boot_shared_ok ? fw_boot.shared_gpa : MINISEV_SHARED_GPA;
	uint64_t size = boot_shared_ok ? fw_boot.shared_size : MINISEV_SHARED_SIZE;

	return range_ok(gpa, len, base, base + size);
}
