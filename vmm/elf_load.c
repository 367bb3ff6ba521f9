// SPDX-License-Identifier: MIT
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_load.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) __printf(3, 4);
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool in_range(uint64_t start, uint64_t len, uint64_t lo, uint64_t hi)
{
	return start >= lo && start <= hi && len <= hi - start;
}

/* Parse and check the program headers into img; touches no guest memory. */
static int elf_check(Elf *e, size_t len, uint64_t min, uint64_t limit, struct elf_image *img,
		     char *err, size_t errlen)
{
	unsigned char *ident;
	GElf_Ehdr eh;
	size_t phnum;
	bool entry_ok = false;

	if (elf_kind(e) != ELF_K_ELF)
		return fail(err, errlen, "not an ELF file");
	ident = (unsigned char *)elf_getident(e, NULL);
	if (!ident)
		return fail(err, errlen, "truncated ELF header");
	if (ident[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, "not a 64-bit ELF (class %u)", ident[EI_CLASS]);
	if (ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "not little-endian");
	if (!gelf_getehdr(e, &eh))
		return fail(err, errlen, "truncated ELF header: %s", elf_errmsg(-1));
	if (eh.e_machine != EM_X86_64)
		return fail(err, errlen, "wrong architecture (e_machine %u, want x86-64 = %u)",
			    eh.e_machine, EM_X86_64);
	if (eh.e_type != ET_EXEC)
		return fail(err, errlen, "not a static executable (e_type %u, want ET_EXEC)",
			    eh.e_type);
	if (elf_getphdrnum(e, &phnum) || !phnum)
		return fail(err, errlen, "no program headers");
	/* libelf checks this too, but say it in our words. */
	if (eh.e_phoff > len || phnum > (len - eh.e_phoff) / sizeof(Elf64_Phdr))
		return fail(err, errlen, "program headers run past the end of the file");

	memset(img, 0, sizeof(*img));
	for (size_t i = 0; i < phnum; i++) {
		struct elf_segment *s;
		GElf_Phdr ph;
		unsigned int j;

		if (!gelf_getphdr(e, i, &ph))
			return fail(err, errlen, "bad program header %zu: %s", i, elf_errmsg(-1));
		if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC)
			return fail(err, errlen, "dynamically linked images are not supported");
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (ph.p_filesz > ph.p_memsz)
			return fail(err, errlen,
				    "segment %zu: file size %#llx exceeds memory size %#llx", i,
				    (unsigned long long)ph.p_filesz,
				    (unsigned long long)ph.p_memsz);
		if (!in_range(ph.p_offset, ph.p_filesz, 0, len))
			return fail(
				err, errlen,
				"segment %zu: bytes [%#llx+%#llx] lie outside the %zu-byte file (truncated image?)",
				i, (unsigned long long)ph.p_offset, (unsigned long long)ph.p_filesz,
				len);
		/* The boot protocol identity-maps memory: no relocation. */
		if (ph.p_paddr != ph.p_vaddr)
			return fail(err, errlen, "segment %zu: vaddr %#llx != paddr %#llx", i,
				    (unsigned long long)ph.p_vaddr, (unsigned long long)ph.p_paddr);
		if (!in_range(ph.p_paddr, ph.p_memsz, min, limit))
			return fail(
				err, errlen,
				"segment %zu: [%#llx+%#llx] outside the firmware area [%#llx, %#llx)",
				i, (unsigned long long)ph.p_paddr, (unsigned long long)ph.p_memsz,
				(unsigned long long)min, (unsigned long long)limit);
		if (img->nr_segs == ELF_MAX_SEGS)
			return fail(err, errlen, "more than %d loadable segments", ELF_MAX_SEGS);

		/* Insert sorted by address and refuse overlaps with neighbours. */
		for (j = img->nr_segs; j > 0 && img->segs[j - 1].gpa > ph.p_paddr; j--)
			img->segs[j] = img->segs[j - 1];
		s = &img->segs[j];
		s->gpa = ph.p_paddr;
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->memsz = ph.p_memsz;
		s->flags = ph.p_flags;
		img->nr_segs++;
		if ((j > 0 && img->segs[j - 1].gpa + img->segs[j - 1].memsz > s->gpa) ||
		    (j + 1 < img->nr_segs && s->gpa + s->memsz > img->segs[j + 1].gpa))
			return fail(err, errlen, "segment %zu at %#llx overlaps another segment", i,
				    (unsigned long long)ph.p_paddr);
		if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_paddr &&
		    eh.e_entry - ph.p_paddr < ph.p_filesz)
			entry_ok = true;
	}
	if (!img->nr_segs)
		return fail(err, errlen, "no loadable segments");
	if (!entry_ok)
		return fail(err, errlen, "entry point %#llx is not inside an executable segment",
			    (unsigned long long)eh.e_entry);
	img->entry = eh.e_entry;
	img->lo = img->segs[0].gpa;
	img->hi = img->segs[img->nr_segs - 1].gpa + img->segs[img->nr_segs - 1].memsz;
	return 0;
}

int elf_load(const struct guest_mem *gm, const void *buf, size_t len, uint64_t min, uint64_t limit,
	     struct elf_image *img, char *err, size_t errlen)
{
	char *copy;
	Elf *e;
	int ret;

	if (len < sizeof(Elf64_Ehdr))
		return fail(err, errlen, "file too small for an ELF header (%zu bytes)", len);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(err, errlen, "libelf: %s", elf_errmsg(-1));
	/* elf_memory() wants a writable buffer; never hand it the caller's. */
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	e = elf_memory(copy, len);
	if (!e) {
		ret = fail(err, errlen, "libelf: %s", elf_errmsg(-1));
		goto out;
	}
	ret = elf_check(e, len, min, limit, img, err, errlen);
	if (ret)
		goto out_end;

	/* All checks passed: now copy, segment by segment. */
	for (size_t i = 0; i < img->nr_segs; i++) {
		const struct elf_segment *s = &img->segs[i];
		uint8_t *dst = gm_ptr(gm, s->gpa, s->memsz, GM_ANY);

		if (!dst) {
			ret = fail(err, errlen, "segment at %#llx+%#llx does not fit in guest RAM",
				   (unsigned long long)s->gpa, (unsigned long long)s->memsz);
			goto out_end;
		}
		memcpy(dst, copy + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
out_end:
	elf_end(e);
out:
	free(copy);
	return ret;
}
