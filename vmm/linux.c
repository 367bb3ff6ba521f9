// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "linux.h"

static int __printf(3, 4) fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int linux_parse(const void *buf, size_t len, struct linux_image *img, char *err, size_t errlen)
{
	const uint8_t *b = buf;
	unsigned int sects;
	uint32_t syssize;

	memset(img, 0, sizeof(*img));
	/* Everything up to init_size (0x264) is read below; smaller is not a bzImage. */
	if (len < BP_INIT_SIZE + 4)
		return fail(err, errlen, "%zu bytes: too small to be a bzImage", len);
	if (bp_rd16(b + BP_BOOT_FLAG) != 0xaa55 || bp_rd32(b + BP_HEADER) != LINUX_HDRS_MAGIC)
		return fail(err, errlen,
			    "not a bzImage: no boot flag 0xaa55 at 0x1fe and \"HdrS\" at 0x202 "
			    "(an uncompressed vmlinux ELF is not supported)");
	img->version = bp_rd16(b + BP_VERSION);
	if (img->version < LINUX_MIN_VERSION)
		return fail(
			err, errlen,
			"boot protocol %u.%02u: the 64-bit entry needs 2.12 or later (Linux 3.8+)",
			img->version >> 8, img->version & 0xff);
	sects = b[BP_HDR] ? b[BP_HDR] : 4; /* boot.rst: 0 means 4 */
	img->setup_len = (sects + 1) * 512ULL;
	/* The header ends at 0x202 + the jump's displacement byte. */
	img->hdr_end = BP_HEADER + b[BP_JUMP + 1];
	if (img->hdr_end < BP_INIT_SIZE + 4 || img->hdr_end > img->setup_len)
		return fail(err, errlen, "setup header ends at %#zx: outside [%#x, %#zx]",
			    img->hdr_end, BP_INIT_SIZE + 4, img->setup_len);
	if (img->setup_len >= len)
		return fail(
			err, errlen,
			"setup part of %zu bytes (%u sectors) leaves no kernel in a %zu-byte file",
			img->setup_len, sects, len);
	syssize = bp_rd32(b + BP_SYSSIZE);
	/* A signed image carries its signature after the kernel: more is fine. */
	if (!syssize || (uint64_t)syssize * 16 > len - img->setup_len)
		return fail(
			err, errlen,
			"syssize says %llu bytes of kernel, the file has %zu after the setup part "
			"(truncated image?)",
			(unsigned long long)syssize * 16, len - img->setup_len);

	img->xloadflags = bp_rd16(b + BP_XLOADFLAGS);
	if (!(img->xloadflags & LINUX_XLF_KERNEL_64))
		return fail(err, errlen,
			    "xloadflags %#x lacks XLF_KERNEL_64: a 32-bit kernel, which minisev "
			    "cannot enter",
			    img->xloadflags);
	if (!(b[BP_LOADFLAGS] & LINUX_LOADED_HIGH))
		return fail(err, errlen, "loadflags %#x lacks LOADED_HIGH: a zImage, not a bzImage",
			    b[BP_LOADFLAGS]);
	img->initrd_addr_max = bp_rd32(b + BP_INITRD_ADDR_MAX);
	img->kernel_alignment = bp_rd32(b + BP_KERNEL_ALIGNMENT);
	img->relocatable = b[BP_RELOCATABLE];
	img->cmdline_size = bp_rd32(b + BP_CMDLINE_SIZE);
	img->pref_address = bp_rd64(b + BP_PREF_ADDRESS);
	img->init_size = bp_rd32(b + BP_INIT_SIZE);
	if (!is_pow2(img->kernel_alignment) || img->kernel_alignment > (1u << 30))
		return fail(err, errlen, "kernel_alignment %#x is not a power of two up to 1 GiB",
			    img->kernel_alignment);
	if (img->init_size < len - img->setup_len)
		return fail(err, errlen, "init_size %#x is smaller than the kernel (%zu bytes)",
			    img->init_size, len - img->setup_len);
	if (!img->relocatable && (img->pref_address < (1ULL << 20) ||
				  !IS_ALIGNED(img->pref_address, img->kernel_alignment)))
		return fail(err, errlen,
			    "not relocatable, and its preferred address %#llx is below 1 MiB or "
			    "not %#x-aligned",
			    (unsigned long long)img->pref_address, img->kernel_alignment);
	img->file = b;
	img->file_len = len;
	return 0;
}

static void e820_add(struct linux_layout *l, uint64_t addr, uint64_t end, uint32_t type)
{
	if (end > addr && l->nr_e820 < LINUX_MAX_E820)
		l->e820[l->nr_e820++] = (struct e820_entry){ addr, end - addr, type };
}

int linux_plan(const struct linux_image *img, const struct linux_plan_in *in,
	       struct linux_layout *l, char *err, size_t errlen)
{
	const uint64_t mib = 1ULL << 20, ram_size = in->ram_size, initrd_size = in->initrd_size;
	const uint64_t cmdline_len = in->cmdline_len;
	uint64_t initrd_max, kernel_gpa;

	memset(l, 0, sizeof(*l));
	l->ram_size = ram_size;
	if (!cmdline_len || cmdline_len - 1 > img->cmdline_size || cmdline_len > LINUX_CMDLINE_MAX)
		return fail(err, errlen,
			    "command line of %llu characters: this kernel takes at most %u "
			    "(minisev %llu)",
			    (unsigned long long)cmdline_len - 1, img->cmdline_size,
			    LINUX_CMDLINE_MAX - 1);

	/* Relocatable kernels go to 16 MiB rounded up to their alignment. */
	kernel_gpa = img->relocatable ?
			     ALIGN_UP(LINUX_KERNEL_GPA, (uint64_t)img->kernel_alignment) :
			     img->pref_address;
	l->kernel_gpa = kernel_gpa;
	l->kernel_end = kernel_gpa + img->init_size;
	l->entry = kernel_gpa + LINUX_ENTRY_64_OFF;
	if (l->kernel_end > ram_size)
		return fail(err, errlen,
			    "the kernel needs %llu MiB from %#llx (init_size): more than %llu MiB "
			    "of RAM; give more with -m",
			    (unsigned long long)(img->init_size + mib - 1) / mib,
			    (unsigned long long)kernel_gpa, (unsigned long long)ram_size / mib);

	/*
	 * The initrd at the top of RAM, as QEMU and kvmtool place it, under
	 * the highest address the header allows (an end address, inclusive).
	 */
	if (initrd_size) {
		initrd_max = (uint64_t)img->initrd_addr_max + 1;
		if (initrd_max > ram_size)
			initrd_max = ram_size;
		if (initrd_size > initrd_max || in->gap > initrd_max ||
		    ((initrd_max - initrd_size) & ~0xfffULL) < l->kernel_end ||
		    ((initrd_max - initrd_size) & ~0xfffULL) - l->kernel_end < in->gap)
			return fail(
				err, errlen,
				"no room for a %llu MiB initrd between the kernel's end (%#llx) "
				"%sand %#llx; give more RAM with -m",
				(unsigned long long)(initrd_size + mib - 1) / mib,
				(unsigned long long)l->kernel_end,
				in->gap ? "plus the verifier's staging area " : "",
				(unsigned long long)initrd_max);
		l->initrd_gpa = (initrd_max - initrd_size) & ~0xfffULL;
		l->initrd_size = initrd_size;
	}
	l->cmdline_gpa = LINUX_CMDLINE_GPA;
	l->cmdline_len = cmdline_len;
	l->zero_page_gpa = LINUX_ZERO_PAGE_GPA;
	l->acpi_gpa = in->acpi_gpa;

	/* MMIO windows stay holes, never RAM: SEV guests map holes decrypted. */
	e820_add(l, 0, LINUX_LOW_RAM_END, E820_RAM);
	e820_add(l, LINUX_ACPI_GPA, LINUX_ACPI_GPA + LINUX_ACPI_SIZE, E820_RESERVED);
	e820_add(l, 1ULL << 20, in->himem_start, E820_RESERVED);
	e820_add(l, in->himem_start > mib ? in->himem_start : mib, ram_size, E820_RAM);
	return 0;
}

void linux_zero_page(const struct linux_image *img, const struct linux_layout *l, uint8_t zp[4096])
{
	memset(zp, 0, 4096);
	memcpy(zp + BP_HDR, img->file + BP_HDR, img->hdr_end - BP_HDR);
	/* The image's own sentinel byte sits outside the copied header: zp has 0. */
	bp_wr16(zp + BP_VID_MODE, 0xffff); /* "normal": no mode change */
	zp[BP_TYPE_OF_LOADER] = 0xff; /* undefined loader, as kvmtool and Firecracker */
	bp_wr32(zp + BP_CMD_LINE_PTR, (uint32_t)l->cmdline_gpa);
	bp_wr32(zp + BP_EXT_CMD_LINE_PTR, (uint32_t)(l->cmdline_gpa >> 32));
	bp_wr32(zp + BP_RAMDISK_IMAGE, (uint32_t)l->initrd_gpa);
	bp_wr32(zp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(l->initrd_gpa >> 32));
	bp_wr32(zp + BP_RAMDISK_SIZE, (uint32_t)l->initrd_size);
	bp_wr32(zp + BP_EXT_RAMDISK_SIZE, (uint32_t)(l->initrd_size >> 32));
	bp_wr64(zp + BP_ACPI_RSDP_ADDR, l->acpi_gpa);
	zp[BP_E820_ENTRIES] = l->nr_e820;
	for (unsigned int i = 0; i < l->nr_e820; i++) {
		uint8_t *e = zp + BP_E820_TABLE + 20 * i;

		bp_wr64(e, l->e820[i].addr);
		bp_wr64(e + 8, l->e820[i].size);
		bp_wr32(e + 16, l->e820[i].type);
	}
}

void linux_gdt(uint64_t gdt[LINUX_GDT_ENTRIES])
{
	gdt[0] = 0;
	gdt[1] = 0;
	/* Flat 4 GiB segments, present, DPL 0; code with L=1 (64-bit). */
	gdt[LINUX_BOOT_CS >> 3] = LINUX_GDT_CODE64;
	gdt[LINUX_BOOT_DS >> 3] = LINUX_GDT_DATA;
}
