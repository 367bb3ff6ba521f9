/* SPDX-License-Identifier: MIT */
/*
 * Direct Linux boot: the bzImage setup header checked field by field, the
 * guest-physical layout of kernel, initrd, command line and zero page, and
 * the zero page (boot_params) itself.  Pure functions over buffers, so the
 * loader is unit-tested and fuzzed without KVM; cmd_run.c copies the
 * result into guest memory.
 *
 * Facts: Documentation/arch/x86/boot.rst ("64-bit Boot Protocol"),
 * arch/x86/include/uapi/asm/bootparam.h; summarised with sources in
 * ../shared/reference/linux-direct-boot.md sections 1.1-1.5.
 */
#ifndef MINISEV_LINUX_H
#define MINISEV_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include "minisev/bootparam.h"
#include "util.h"

/*
 * Guest-physical layout of a direct boot, below 1 MiB (Linux keeps the
 * first megabyte reserved, so nothing here is overwritten before the
 * kernel has copied what it needs) and the kernel at 16 MiB.
 */
#define LINUX_GDT_GPA 0xb000ULL /* flat GDT with __BOOT_CS/__BOOT_DS */
#define LINUX_ZERO_PAGE_GPA 0x10000ULL
#define LINUX_CMDLINE_GPA 0x20000ULL
#define LINUX_ACPI_GPA 0xe0000ULL /* ACPI tables, reserved in e820 */
#define LINUX_LOW_RAM_END 0xa0000ULL /* RAM below the legacy VGA/BIOS hole */
#define LINUX_KERNEL_GPA 0x1000000ULL /* LOAD_PHYSICAL_ADDR of x86-64 kernels */

struct linux_image {
	const uint8_t *file;
	size_t file_len;
	size_t setup_len; /* (setup_sects + 1) * 512: the real-mode part */
	size_t hdr_end; /* 0x202 + byte[0x201]: the header to copy */
	uint16_t version;
	uint16_t xloadflags;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint32_t cmdline_size; /* longest command line, NUL excluded */
	uint32_t init_size; /* memory the kernel needs from its load address */
	bool relocatable;
	uint64_t pref_address;
};

/*
 * Check a bzImage in buf[0..len) and describe it: boot flag, "HdrS",
 * protocol 2.12 or later, XLF_KERNEL_64, LOADED_HIGH, a header that ends
 * inside the setup part, a protected-mode part the header's syssize
 * fits in, sane alignment and init_size.  -EINVAL with the reason in err.
 * `img` points into buf, which must outlive it.
 */
int __must_check linux_parse(const void *buf, size_t len, struct linux_image *img, char *err,
			     size_t errlen);

/* The protected-mode part, loaded at the kernel's GPA. */
static inline const uint8_t *linux_pm(const struct linux_image *img, size_t *len)
{
	*len = img->file_len - img->setup_len;
	return img->file + img->setup_len;
}

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

#define LINUX_MAX_E820 8

struct linux_layout {
	uint64_t ram_size;
	uint64_t kernel_gpa; /* protected-mode part; runs from here ... */
	uint64_t kernel_end; /* ... to kernel_gpa + init_size */
	uint64_t entry; /* kernel_gpa + 0x200 */
	uint64_t initrd_gpa, initrd_size; /* size 0: none */
	uint64_t cmdline_gpa, cmdline_len; /* length with its NUL */
	uint64_t zero_page_gpa;
	uint64_t acpi_gpa; /* RSDP; 0: none */
	unsigned int nr_e820;
	struct e820_entry e820[LINUX_MAX_E820];
};

/* What linux_plan() places. */
struct linux_plan_in {
	uint64_t ram_size;
	uint64_t initrd_size; /* 0: none */
	uint64_t cmdline_len; /* with its NUL */
	uint64_t acpi_gpa; /* the RSDP, 0: none */
	/* RAM from 1 MiB is usable from here on (the firmware's memory below is not). */
	uint64_t himem_start;
	/* Room the initrd must leave free above the kernel (the verifier's staging area). */
	uint64_t gap;
};

/*
 * Place everything in RAM (below the MMIO window): the kernel at 16 MiB
 * (or its preferred address when it cannot be relocated), the initrd
 * page-aligned at the top of RAM within the header's initrd_addr_max,
 * the command line (NUL included) checked against cmdline_size, and the
 * e820 map.  -EINVAL with the reason in err.
 */
int __must_check linux_plan(const struct linux_image *img, const struct linux_plan_in *in,
			    struct linux_layout *l, char *err, size_t errlen);

/*
 * The zero page for that layout in zp[4096]: zeroed, the image's setup
 * header copied in (as boot.rst asks: from 0x1f1 to the header's end),
 * then the loader's fields: type_of_loader, vid_mode, command line,
 * initrd, e820 map, ACPI RSDP.
 */
void linux_zero_page(const struct linux_image *img, const struct linux_layout *l, uint8_t zp[4096]);

/* The flat GDT at LINUX_GDT_GPA: null, null, __BOOT_CS (64-bit), __BOOT_DS. */
#define LINUX_GDT_ENTRIES 4
void linux_gdt(uint64_t gdt[LINUX_GDT_ENTRIES]);

#endif /* MINISEV_LINUX_H */
