// SPDX-License-Identifier: MIT
/*
 * OVMF's GUIDed table and QEMU's reset VMSA (ovmf.h).
 *
 * The table (OvmfPkg/ResetVector/Ia16/ResetVectorVtf0.asm): the image ends
 * with 32 bytes of reset vector; before them the footer entry, then the
 * other entries growing downwards.  Every entry ends with its 2-byte total
 * length (payload + 18) and its GUID; the footer's length is the length of
 * the whole table, itself included.
 */
#include <errno.h>
#include <string.h>

#include "ovmf.h"
#include "vmsa.h"

#define TAIL 32 /* the reset vector after the table */
#define ENTRY_HDR 18 /* u16 length + GUID, at the entry's end */

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int sev_ovmf_find(const uint8_t *fw, size_t fw_len, const char *guid, const uint8_t **data,
		  size_t *len, struct sev_why *why)
{
	uint8_t want[SEV_GUID_SIZE], footer[SEV_GUID_SIZE];
	size_t end, start, tlen;

	if (sev_guid_parse(guid, want) || sev_guid_parse(SEV_GUID_OVMF_TABLE_FOOTER, footer))
		return sev_why_set(why, -EINVAL, "bad GUID %s", guid);
	if (fw_len < TAIL + ENTRY_HDR ||
	    memcmp(fw + fw_len - TAIL - SEV_GUID_SIZE, footer, SEV_GUID_SIZE))
		return sev_why_set(why, -EINVAL,
				   "no OVMF table footer (GUID %s) before the "
				   "reset vector: not an OVMF image",
				   SEV_GUID_OVMF_TABLE_FOOTER);
	end = fw_len - TAIL;
	tlen = le16(fw + end - ENTRY_HDR);
	if (tlen < ENTRY_HDR || tlen > end)
		return sev_why_set(why, -EINVAL, "OVMF table length %zu does not fit the image",
				   tlen);
	start = end - tlen;
	end -= ENTRY_HDR; /* the footer itself */
	while (end > start) {
		size_t elen;

		if (end - start < ENTRY_HDR)
			return sev_why_set(why, -EINVAL, "OVMF table: %zu stray bytes",
					   end - start);
		elen = le16(fw + end - ENTRY_HDR);
		if (elen < ENTRY_HDR || elen > end - start)
			return sev_why_set(why, -EINVAL,
					   "OVMF table: entry of length %zu at offset %#zx "
					   "does not fit",
					   elen, end - elen);
		if (!memcmp(fw + end - SEV_GUID_SIZE, want, SEV_GUID_SIZE)) {
			*data = fw + end - elen;
			*len = elen - ENTRY_HDR;
			return 0;
		}
		end -= elen;
	}
	return sev_why_set(why, -ENOENT, "OVMF table has no entry %s", guid);
}

int sev_ovmf_ap_reset(const uint8_t *fw, size_t fw_len, uint32_t *addr, struct sev_why *why)
{
	const uint8_t *p;
	size_t len;
	int ret;

	ret = sev_ovmf_find(fw, fw_len, SEV_GUID_OVMF_SEV_ES_RESET, &p, &len, why);
	if (ret == -ENOENT)
		sev_why_set(why, ret,
			    "this OVMF has no SEV-ES reset block (%s): built "
			    "without SEV-ES support",
			    SEV_GUID_OVMF_SEV_ES_RESET);
	if (ret)
		return ret;
	if (len < 4)
		return sev_why_set(why, -EINVAL, "SEV-ES reset block of %zu bytes", len);
	*addr = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return 0;
}

uint32_t sev_cpuid_version(unsigned int family, unsigned int model, unsigned int stepping)
{
	uint32_t v = stepping & 0xf;

	/* Families above 15 are 15 plus the extended family (CPUID 1 EAX). */
	if (family > 0xf)
		v |= 0xf00 | ((family - 0xf) & 0xff) << 20;
	else
		v |= family << 8;
	return v | (model & 0xf) << 4 | ((model >> 4) & 0xf) << 16;
}

static void real_mode_seg(struct kvm_segment *s, uint16_t sel, uint64_t base, uint8_t type,
			  bool sys)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = !sys;
}

void sev_vmsa_qemu_reset(uint32_t cpuid_version, uint32_t reset, bool init2, uint64_t sev_features,
			 uint8_t out[4096])
{
	/* QEMU's reset x87/SSE state: FCW 0x37f, all tags empty, MXCSR 0x1f80. */
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	struct sev_vmsa_state st;
	struct kvm_sregs s;
	struct kvm_regs r;

	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	/* x86_cpu_reset(): CS F000 based at the 64 KiB below the reset address. */
	real_mode_seg(&s.cs, 0xf000, reset & 0xffff0000, 0xb, false);
	real_mode_seg(&s.ds, 0, 0, 0x3, false);
	s.es = s.ds;
	s.ss = s.ds;
	s.fs = s.ds;
	s.gs = s.ds;
	real_mode_seg(&s.ldt, 0, 0, 0x2, true);
	real_mode_seg(&s.tr, 0, 0, 0xb, true);
	s.gdt.limit = 0xffff;
	s.idt.limit = 0xffff;
	s.cr0 = 0x60000010; /* CD, NW, ET: KVM clears CD and NW (vmsa.h) */
	r.rip = reset & 0xffff;
	r.rflags = 0x2;
	r.rdx = cpuid_version;
	sev_vmsa_from_kvm(&st, &s, &r, init2 ? &fpu : NULL, SEV_VMSA_RESET_XCR0, SEV_VMSA_RESET_DR6,
			  SEV_VMSA_RESET_DR7, SEV_VMSA_RESET_PAT);
	st.sev_features = sev_features;
	sev_vmsa_build(&st, out);
}
