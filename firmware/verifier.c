// SPDX-License-Identifier: MIT
/*
 * The measured-boot verifier (verifier.h).  Nothing the VMM wrote after the
 * launch measurement is trusted: the descriptor is copied out of shared
 * memory once and checked, every blob is copied into private memory
 * before it is hashed (so that the host cannot swap it after the check),
 * and the kernel's header is read from the verified copy only.
 */
#ifdef HOST_TEST
#include <stdio.h>
#include <string.h>
#else
#include "fw.h"
#include "boot.h"
#include "io.h"
#endif
#include "minisev/bootparam.h"
#include "range.h"
#include "verifier.h"
#include "sha256.h"

#define MIB2 (2ULL << 20)
#ifndef IS_ALIGNED
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#endif

static const char *const blob_names[] = { "kernel", "initrd", "cmdline", "zero page", "ACPI" };

/* The blobs in the order of struct minisev_linux_desc. */
static const struct minisev_blob *blob(const struct minisev_linux_desc *d, unsigned int i)
{
	return &d->kernel + i;
}

#define NR_BLOBS 5

const char *linux_desc_check(const struct minisev_linux_desc *d, const struct linux_limits *lim,
			     char *err, size_t errlen)
{
	unsigned int i, j;

	if (d->magic != MINISEV_LINUX_MAGIC || d->version != MINISEV_ABI_VERSION) {
		snprintf(err, errlen, "no Linux descriptor (magic 0x%llx, version %u)",
			 (unsigned long long)d->magic, d->version);
		return err;
	}
	if (!d->staging_size || !IS_ALIGNED(d->staging_gpa, MIB2) ||
	    !IS_ALIGNED(d->staging_size, MIB2) ||
	    !range_ok(d->staging_gpa, d->staging_size, 0, lim->ram_size)) {
		snprintf(err, errlen, "staging area 0x%llx+0x%llx is not 2 MiB-aligned RAM",
			 (unsigned long long)d->staging_gpa, (unsigned long long)d->staging_size);
		return err;
	}
	for (i = 0; i < lim->nr_keep_out; i++) {
		if (ranges_overlap(d->staging_gpa, d->staging_size, lim->keep_out[i].start,
				   lim->keep_out[i].size)) {
			snprintf(err, errlen, "staging area overlaps the firmware's memory");
			return err;
		}
	}
	/* Sizes: what the zero page is, and bounds so no copy runs away. */
	if (d->kernel.size < BP_INIT_SIZE + 4 || !d->cmdline.size ||
	    d->cmdline.size > LINUX_CMDLINE_MAX || d->zero_page.size != 4096 ||
	    d->acpi.size > LINUX_ACPI_SIZE) {
		snprintf(err, errlen, "blob sizes out of range");
		return err;
	}
	for (i = 0; i < NR_BLOBS; i++) {
		const struct minisev_blob *b = blob(d, i);

		if (!b->size)
			continue; /* initrd or ACPI tables absent */
		if (!range_ok(b->src, b->size, d->staging_gpa, d->staging_gpa + d->staging_size) ||
		    !range_ok(b->dst, b->size, 0, lim->ram_size) ||
		    ranges_overlap(b->dst, b->size, d->staging_gpa, d->staging_size)) {
			snprintf(err, errlen,
				 "%s: source 0x%llx or destination 0x%llx (0x%llx bytes) "
				 "outside staging or RAM",
				 blob_names[i], (unsigned long long)b->src,
				 (unsigned long long)b->dst, (unsigned long long)b->size);
			return err;
		}
		for (j = 0; j < lim->nr_keep_out; j++) {
			if (ranges_overlap(b->dst, b->size, lim->keep_out[j].start,
					   lim->keep_out[j].size)) {
				snprintf(err, errlen,
					 "%s at 0x%llx would overwrite the firmware's memory",
					 blob_names[i], (unsigned long long)b->dst);
				return err;
			}
		}
		for (j = 0; j < i; j++) {
			if (ranges_overlap(b->dst, b->size, blob(d, j)->dst, blob(d, j)->size)) {
				snprintf(err, errlen, "%s and %s overlap", blob_names[i],
					 blob_names[j]);
				return err;
			}
		}
	}
	return NULL;
}

/* QEMU's GUIDs in EFI byte order (vmm/sev/guid.h has them as text). */
static const uint8_t guid_table[16] = { 0x06, 0xd6, 0x38, 0x94, 0x22, 0x4f, 0xc9, 0x4c,
					0xb4, 0x79, 0xa7, 0x93, 0xd4, 0x11, 0xfd, 0x21 };
static const uint8_t guid_cmdline[16] = { 0xd8, 0x2d, 0xd0, 0x97, 0x20, 0xbd, 0x94, 0x4c,
					  0xaa, 0x78, 0xe7, 0x71, 0x4d, 0x36, 0xab, 0x2a };
static const uint8_t guid_initrd[16] = { 0x31, 0xf7, 0xba, 0x44, 0x2f, 0x3a, 0xd7, 0x4b,
					 0x9a, 0xf1, 0x41, 0xe2, 0x91, 0x69, 0x78, 0x1d };
static const uint8_t guid_kernel[16] = { 0x37, 0x94, 0xe7, 0x4d, 0xd2, 0xab, 0x7f, 0x42,
					 0xb8, 0x35, 0xd5, 0xb1, 0x72, 0xd2, 0x04, 0x5b };

#define TABLE_HDR 18 /* GUID + u16 length */
#define ENTRY_LEN 50 /* GUID + u16 length + SHA-256 */

const char *linux_table_parse(const void *table, struct linux_hashes *h)
{
	const uint8_t *t = table;
	unsigned int len = bp_rd16(t + 16), off, found = 0;

	/* As OVMF's BlobVerifierLibSevHashes accepts it. */
	if (memcmp(t, guid_table, 16))
		return "no kernel-hashes table (GUID) at the measured address";
	if (len < TABLE_HDR || len > MINISEV_HASHES_SIZE)
		return "kernel-hashes table length out of range";
	for (off = TABLE_HDR; off + ENTRY_LEN <= len; off += ENTRY_LEN) {
		const uint8_t *e = t + off;
		uint8_t *dst = !memcmp(e, guid_cmdline, 16) ? h->cmdline :
			       !memcmp(e, guid_initrd, 16)  ? h->initrd :
			       !memcmp(e, guid_kernel, 16)  ? h->kernel :
							      NULL;

		if (!dst || bp_rd16(e + 16) != ENTRY_LEN)
			return "kernel-hashes table entry with an unknown GUID or length";
		memcpy(dst, e + TABLE_HDR, 32);
		found |= dst == h->cmdline ? 1 : dst == h->initrd ? 2 : 4;
	}
	if (off != len || found != 7)
		return "kernel-hashes table lacks the kernel, initrd or cmdline entry";
	return NULL;
}

const char *linux_kernel_entry(const uint8_t *k, uint64_t size, uint64_t dst,
			       const struct minisev_linux_desc *d, uint64_t ram_size,
			       uint64_t *entry, char *err, size_t errlen)
{
	uint64_t setup_len = ((k[BP_HDR] ? k[BP_HDR] : 4) + 1) * 512ULL;
	uint32_t align = bp_rd32(k + BP_KERNEL_ALIGNMENT), init_size = bp_rd32(k + BP_INIT_SIZE);
	uint64_t pm = dst + setup_len;

	if (bp_rd16(k + BP_BOOT_FLAG) != 0xaa55 || bp_rd32(k + BP_HEADER) != LINUX_HDRS_MAGIC ||
	    bp_rd16(k + BP_VERSION) < LINUX_MIN_VERSION ||
	    !(bp_rd16(k + BP_XLOADFLAGS) & LINUX_XLF_KERNEL_64) || setup_len >= size ||
	    BP_HEADER + (uint64_t)k[BP_JUMP + 1] > setup_len) {
		snprintf(err, errlen, "the kernel is not a 64-bit bzImage of protocol 2.12+");
		return err;
	}
	if (!align || (align & (align - 1)) || !IS_ALIGNED(pm, align)) {
		snprintf(err, errlen, "kernel placed at 0x%llx, not at its alignment 0x%x",
			 (unsigned long long)pm, align);
		return err;
	}
	/* The decompressor uses [pm, pm + init_size): nothing else may live there. */
	if (init_size < size - setup_len || !range_ok(pm, init_size, 0, ram_size) ||
	    ranges_overlap(pm, init_size, d->initrd.dst, d->initrd.size) ||
	    ranges_overlap(pm, init_size, d->cmdline.dst, d->cmdline.size) ||
	    ranges_overlap(pm, init_size, d->zero_page.dst, d->zero_page.size) ||
	    ranges_overlap(pm, init_size, d->acpi.dst, d->acpi.size)) {
		snprintf(err, errlen,
			 "the kernel's init_size 0x%x from 0x%llx leaves RAM or "
			 "overlaps another blob",
			 init_size, (unsigned long long)pm);
		return err;
	}
	*entry = pm + LINUX_ENTRY_64_OFF;
	return NULL;
}

void linux_zero_page_patch(uint8_t *zp, const uint8_t *kernel, const struct minisev_linux_desc *d)
{
	unsigned int hdr_end = BP_HEADER + kernel[BP_JUMP + 1];

	memcpy(zp + BP_HDR, kernel + BP_HDR, hdr_end - BP_HDR);
	zp[BP_TYPE_OF_LOADER] = 0xff;
	bp_wr32(zp + BP_CMD_LINE_PTR, (uint32_t)d->cmdline.dst);
	bp_wr32(zp + BP_EXT_CMD_LINE_PTR, (uint32_t)(d->cmdline.dst >> 32));
	bp_wr32(zp + BP_RAMDISK_IMAGE, (uint32_t)d->initrd.dst);
	bp_wr32(zp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(d->initrd.dst >> 32));
	bp_wr32(zp + BP_RAMDISK_SIZE, (uint32_t)d->initrd.size);
	bp_wr32(zp + BP_EXT_RAMDISK_SIZE, (uint32_t)(d->initrd.size >> 32));
	bp_wr32(zp + BP_ACPI_RSDP_ADDR, (uint32_t)d->acpi.dst);
	bp_wr32(zp + BP_ACPI_RSDP_ADDR + 4, (uint32_t)(d->acpi.dst >> 32));
}

#ifndef HOST_TEST

static inline void write_cr3(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr3" ::"r"(v) : "memory");
}

static uint64_t cbit_mask(void)
{
	return fw_boot.cbit ? 1ULL << fw_boot.cbit : 0;
}

/* The page-table entry that maps `gpa` at `level` (1 = PD, 0 = PT), from CR3. */
static uint64_t *pte_of(uint64_t gpa, int level)
{
	const uint64_t addr = 0x000ffffffffff000ULL & ~cbit_mask();
	uint64_t table = read_cr3() & addr;

	for (int l = 3; l > level; l--) {
		uint64_t e = ((uint64_t *)table)[(gpa >> (12 + 9 * l)) & 511];

		if (!(e & 1) || (e & 0x80))
			return NULL;
		table = e & addr;
	}
	return &((uint64_t *)table)[(gpa >> (12 + 9 * level)) & 511];
}

/*
 * Map the staging area shared (C-bit clear) or private again.  Its
 * 2 MiB pages come from the VMM's measured tables; any other shape is
 * refused.  The CR3 reload drops the old translations.
 */
static void staging_map(const struct minisev_linux_desc *d, bool shared)
{
	for (uint64_t g = d->staging_gpa; g < d->staging_gpa + d->staging_size; g += MIB2) {
		uint64_t *pde = pte_of(g, 1);

		if (!pde || (*pde & 0x81) != 0x81)
			fw_panic("verifier: staging area at 0x%lx is not mapped by 2 MiB pages", g);
		*pde = shared ? *pde & ~cbit_mask() : *pde | cbit_mask();
	}
	write_cr3(read_cr3());
}

/*
 * Drop the staging area's cache lines before it turns private again:
 * lines filled through the shared mapping must not be mistaken for
 * private ones (what Linux's set_memory_encrypted() flushes for, too).
 */
static void staging_flush(const struct minisev_linux_desc *d)
{
	for (uint64_t a = d->staging_gpa; a < d->staging_gpa + d->staging_size; a += 64)
		__asm__ __volatile__("clflush (%0)" ::"r"(a) : "memory");
	__asm__ __volatile__("mfence" ::: "memory");
}

static void __noreturn mismatch(const char *what, unsigned int reason)
{
	printf("Bail out! verifier: the %s differs from the measured launch: not booting it\n",
	       what);
	fw_crash(reason);
}

/* Map page 0 (private, zeroed): the decompressor reads the BIOS data area there. */
static void map_page0(void)
{
	uint64_t *pte = pte_of(0, 0);

	if (!pte)
		fw_panic("verifier: the first 2 MiB are not mapped by a page table");
	*pte = cbit_mask() | 0x3;
	write_cr3(read_cr3());
	memset((void *)(uintptr_t)READ_ONCE(*pte) - cbit_mask() - 0x3, 0, PAGE_SIZE);
}

static const uint64_t linux_gdt[4] __aligned(16) = { 0, 0, LINUX_GDT_CODE64, LINUX_GDT_DATA };

static void __noreturn enter_linux(uint64_t entry, uint64_t zero_page)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(linux_gdt) - 1, (uint64_t)linux_gdt };

	/* boot.rst, 64-bit protocol: __BOOT_CS/__BOOT_DS, interrupts off, RSI = zero page. */
	__asm__ __volatile__("cli\n\t"
			     "lgdt %0\n\t"
			     "mov %3, %%eax\n\t"
			     "mov %%eax, %%ds\n\t"
			     "mov %%eax, %%es\n\t"
			     "mov %%eax, %%ss\n\t"
			     "mov %%eax, %%fs\n\t"
			     "mov %%eax, %%gs\n\t"
			     "pushq %4\n\t"
			     "pushq %1\n\t"
			     "lretq"
			     :
			     : "m"(gdtr), "r"(entry), "S"(zero_page), "i"(LINUX_BOOT_DS),
			       "i"(LINUX_BOOT_CS)
			     : "rax", "memory");
	__builtin_unreachable();
}

void linux_boot(void)
{
	static struct minisev_linux_desc d;
	struct linux_limits lim = { .ram_size = fw_boot.ram_size };
	uint8_t got[SHA256_DIGEST_SIZE];
	struct linux_hashes want;
	const char *why;
	uint64_t entry;
	char err[160];

	/* The measured table first: without it nothing is verified. */
	why = linux_table_parse((const void *)MINISEV_HASHES_GPA, &want);
	if (why)
		fw_panic("verifier: %s", why);

	memcpy(&d, (const void *)(fw_boot.shared_gpa + MINISEV_SHARED_LINUX_OFF), sizeof(d));
	/* Boot info, tables, secret, hashes; the firmware and its stacks; the shared window. */
	lim.keep_out[lim.nr_keep_out++] = (struct fw_range){ 0, 0x10000 };
	lim.keep_out[lim.nr_keep_out++] =
		(struct fw_range){ (uint64_t)__fw_start,
				   (uint64_t)__fw_end - (uint64_t)__fw_start };
	lim.keep_out[lim.nr_keep_out++] =
		(struct fw_range){ fw_boot.shared_gpa, fw_boot.shared_size };
	why = linux_desc_check(&d, &lim, err, sizeof(err));
	if (why)
		fw_panic("verifier: %s", why);

	staging_map(&d, true);
	/*
	 * Said after the mapping changed, on purpose: the console's exit is
	 * where the SEV model learns that the staging area is shared now.
	 */
	printf("# verifier: copying kernel (%lu bytes), initrd (%lu), command line (%lu) from "
	       "0x%lx into private memory\n",
	       d.kernel.size, d.initrd.size, d.cmdline.size, d.staging_gpa);
	for (unsigned int i = 0; i < NR_BLOBS; i++) {
		const struct minisev_blob *b = blob(&d, i);

		if (b->size)
			memcpy((void *)b->dst, (const void *)b->src, b->size);
	}
	staging_flush(&d);
	staging_map(&d, false);

	/* Hash the private copies: the host can no longer change them. */
	sha256((const void *)d.kernel.dst, d.kernel.size, got);
	if (memcmp(got, want.kernel, sizeof(got)))
		mismatch("kernel", FW_TERM_LINUX_KERNEL);
	sha256((const void *)d.initrd.dst, d.initrd.size, got);
	if (memcmp(got, want.initrd, sizeof(got)))
		mismatch("initrd", FW_TERM_LINUX_INITRD);
	sha256((const void *)d.cmdline.dst, d.cmdline.size, got);
	if (memcmp(got, want.cmdline, sizeof(got)) ||
	    ((const char *)d.cmdline.dst)[d.cmdline.size - 1])
		mismatch("command line", FW_TERM_LINUX_CMDLINE);
	printf("# verifier: kernel, initrd and command line match the measured hashes\n");

	why = linux_kernel_entry((const uint8_t *)d.kernel.dst, d.kernel.size, d.kernel.dst, &d,
				 fw_boot.ram_size, &entry, err, sizeof(err));
	if (why)
		fw_panic("verifier: %s", why);
	linux_zero_page_patch((uint8_t *)d.zero_page.dst, (const uint8_t *)d.kernel.dst, &d);
	map_page0();
	printf("# verifier: entering Linux at 0x%lx\n", entry);
	enter_linux(entry, d.zero_page.dst);
}

#endif /* !HOST_TEST */
