// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "sev/vmsa.h"

/* Offsets into struct sev_es_save_area (Linux arch/x86/include/asm/svm.h). */
#define VMSA_ES 0x000
#define VMSA_CS 0x010
#define VMSA_SS 0x020
#define VMSA_DS 0x030
#define VMSA_FS 0x040
#define VMSA_GS 0x050
#define VMSA_GDTR 0x060
#define VMSA_LDTR 0x070
#define VMSA_IDTR 0x080
#define VMSA_TR 0x090
#define VMSA_CPL 0x0cb
#define VMSA_EFER 0x0d0
#define VMSA_XSS 0x140
#define VMSA_CR4 0x148
#define VMSA_CR3 0x150
#define VMSA_CR0 0x158
#define VMSA_DR7 0x160
#define VMSA_DR6 0x168
#define VMSA_RFLAGS 0x170
#define VMSA_RIP 0x178
#define VMSA_RSP 0x1d8
#define VMSA_RAX 0x1f8
#define VMSA_STAR 0x200
#define VMSA_LSTAR 0x208
#define VMSA_CSTAR 0x210
#define VMSA_SFMASK 0x218
#define VMSA_KERNEL_GS_BASE 0x220
#define VMSA_SYSENTER_CS 0x228
#define VMSA_SYSENTER_ESP 0x230
#define VMSA_SYSENTER_EIP 0x238
#define VMSA_CR2 0x240
#define VMSA_G_PAT 0x268
#define VMSA_PKRU 0x2e8
#define VMSA_RCX 0x308
#define VMSA_RDX 0x310
#define VMSA_RBX 0x318
#define VMSA_RBP 0x328
#define VMSA_RSI 0x330
#define VMSA_RDI 0x338
#define VMSA_R8 0x340 /* r8..r15 follow, 8 bytes apart */
#define VMSA_SEV_FEATURES 0x3b0
#define VMSA_XCR0 0x3e8
#define VMSA_MXCSR 0x408
#define VMSA_X87_FTW 0x40c
#define VMSA_X87_FSW 0x40e
#define VMSA_X87_FCW 0x410
#define VMSA_X87_FOP 0x412
#define VMSA_XMM 0x470

static void put64(uint8_t *p, unsigned int off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[off + i] = v >> (8 * i);
}

static void put32(uint8_t *p, unsigned int off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[off + i] = v >> (8 * i);
}

static void put16(uint8_t *p, unsigned int off, uint16_t v)
{
	p[off] = v;
	p[off + 1] = v >> 8;
}

static void put_seg(uint8_t *p, unsigned int off, const struct sev_vmsa_seg *s)
{
	put16(p, off, s->selector);
	put16(p, off + 2, s->attrib);
	put32(p, off + 4, s->limit);
	put64(p, off + 8, s->base);
}

void sev_vmsa_build(const struct sev_vmsa_state *st, uint8_t out[SEV_VMSA_SIZE])
{
	const uint64_t r8_15[8] = { st->r8,  st->r9,  st->r10, st->r11,
				    st->r12, st->r13, st->r14, st->r15 };

	memset(out, 0, SEV_VMSA_SIZE);
	put_seg(out, VMSA_ES, &st->es);
	put_seg(out, VMSA_CS, &st->cs);
	put_seg(out, VMSA_SS, &st->ss);
	put_seg(out, VMSA_DS, &st->ds);
	put_seg(out, VMSA_FS, &st->fs);
	put_seg(out, VMSA_GS, &st->gs);
	put_seg(out, VMSA_GDTR, &st->gdtr);
	put_seg(out, VMSA_LDTR, &st->ldtr);
	put_seg(out, VMSA_IDTR, &st->idtr);
	put_seg(out, VMSA_TR, &st->tr);
	out[VMSA_CPL] = st->cpl;
	put64(out, VMSA_EFER, st->efer);
	put64(out, VMSA_XSS, st->xss);
	put64(out, VMSA_CR4, st->cr4);
	put64(out, VMSA_CR3, st->cr3);
	put64(out, VMSA_CR0, st->cr0);
	put64(out, VMSA_DR7, st->dr7);
	put64(out, VMSA_DR6, st->dr6);
	put64(out, VMSA_RFLAGS, st->rflags);
	put64(out, VMSA_RIP, st->rip);
	put64(out, VMSA_RSP, st->rsp);
	put64(out, VMSA_RAX, st->rax);
	put64(out, VMSA_STAR, st->star);
	put64(out, VMSA_LSTAR, st->lstar);
	put64(out, VMSA_CSTAR, st->cstar);
	put64(out, VMSA_SFMASK, st->sfmask);
	put64(out, VMSA_KERNEL_GS_BASE, st->kernel_gs_base);
	put64(out, VMSA_SYSENTER_CS, st->sysenter_cs);
	put64(out, VMSA_SYSENTER_ESP, st->sysenter_esp);
	put64(out, VMSA_SYSENTER_EIP, st->sysenter_eip);
	put64(out, VMSA_CR2, st->cr2);
	put64(out, VMSA_G_PAT, st->g_pat);
	put32(out, VMSA_PKRU, st->pkru);
	put64(out, VMSA_RCX, st->rcx);
	put64(out, VMSA_RDX, st->rdx);
	put64(out, VMSA_RBX, st->rbx);
	put64(out, VMSA_RBP, st->rbp);
	put64(out, VMSA_RSI, st->rsi);
	put64(out, VMSA_RDI, st->rdi);
	for (int i = 0; i < 8; i++)
		put64(out, VMSA_R8 + 8 * i, r8_15[i]);
	put64(out, VMSA_SEV_FEATURES, st->sev_features);
	put64(out, VMSA_XCR0, st->xcr0);
	if (st->fpu) {
		put32(out, VMSA_MXCSR, st->mxcsr);
		put16(out, VMSA_X87_FTW, st->ftw);
		put16(out, VMSA_X87_FSW, st->fsw);
		put16(out, VMSA_X87_FCW, st->fcw);
		put16(out, VMSA_X87_FOP, st->fop);
		memcpy(out + VMSA_XMM, st->xmm, sizeof(st->xmm));
	}
}

/* svm_set_segment(): an unusable segment is not present. */
static void seg_from_kvm(struct sev_vmsa_seg *d, const struct kvm_segment *s)
{
	d->selector = s->selector;
	d->limit = s->limit;
	d->base = s->base;
	d->attrib = (s->type & 0xf) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
		    ((s->present & 1) && !s->unusable) << 7 | (s->avl & 1) << 8 | (s->l & 1) << 9 |
		    (s->db & 1) << 10 | (s->g & 1) << 11;
}

void sev_vmsa_from_kvm(struct sev_vmsa_state *st, const struct kvm_sregs *s,
		       const struct kvm_regs *r, const struct kvm_fpu *fpu, uint64_t xcr0,
		       uint64_t dr6, uint64_t dr7, uint64_t g_pat)
{
	memset(st, 0, sizeof(*st));
	seg_from_kvm(&st->es, &s->es);
	seg_from_kvm(&st->cs, &s->cs);
	seg_from_kvm(&st->ss, &s->ss);
	seg_from_kvm(&st->ds, &s->ds);
	seg_from_kvm(&st->fs, &s->fs);
	seg_from_kvm(&st->gs, &s->gs);
	seg_from_kvm(&st->ldtr, &s->ldt);
	seg_from_kvm(&st->tr, &s->tr);
	st->gdtr.limit = s->gdt.limit;
	st->gdtr.base = s->gdt.base;
	st->idtr.limit = s->idt.limit;
	st->idtr.base = s->idt.base;
	st->cpl = s->ss.dpl & 3; /* svm_set_segment() takes CPL from SS */
	st->efer = s->efer | (1ULL << 12); /* EFER.SVME */
	st->cr0 = s->cr0 & ~((1ULL << 29) | (1ULL << 30)); /* NW, CD */
	st->cr2 = s->cr2;
	st->cr3 = s->cr3;
	st->cr4 = s->cr4 | (1ULL << 6); /* CR4.MCE, from the host */
	st->dr6 = dr6;
	st->dr7 = dr7;
	st->rflags = r->rflags;
	st->rip = r->rip;
	st->rsp = r->rsp;
	st->rax = r->rax;
	st->rbx = r->rbx;
	st->rcx = r->rcx;
	st->rdx = r->rdx;
	st->rbp = r->rbp;
	st->rsi = r->rsi;
	st->rdi = r->rdi;
	st->r8 = r->r8;
	st->r9 = r->r9;
	st->r10 = r->r10;
	st->r11 = r->r11;
	st->r12 = r->r12;
	st->r13 = r->r13;
	st->r14 = r->r14;
	st->r15 = r->r15;
	st->g_pat = g_pat;
	st->xcr0 = xcr0;
	if (fpu) {
		st->fpu = true;
		st->fcw = fpu->fcw;
		st->fsw = fpu->fsw;
		st->fop = fpu->last_opcode;
		st->ftw = fpu->ftwx;
		st->mxcsr = fpu->mxcsr;
		memcpy(st->xmm, fpu->xmm, sizeof(st->xmm));
	}
}

int sev_vmsa_features_parse(const char *s, uint64_t *out)
{
	char buf[64], *tok, *save;

	if (!s || !*s)
		return -EINVAL;
	if (*s >= '0' && *s <= '9')
		return parse_u64(s, 0, UINT64_MAX, out);
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	*out = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "debug-swap"))
			*out |= SEV_VMSA_FEAT_DEBUG_SWAP;
		else if (strcmp(tok, "none"))
			return -EINVAL;
	}
	return 0;
}
