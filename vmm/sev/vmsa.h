/* SPDX-License-Identifier: MIT */
/*
 * The SEV-ES VMSA (the 4 KiB encrypted save area of a vCPU) as KVM fills
 * it at LAUNCH_UPDATE_VMSA (sev_es_sync_vmsa()), so that three parties
 * compute the same bytes: the software model from the vCPU state KVM
 * really holds, the VMM for --vmsa-out, and the guest owner predicting a
 * measurement from nothing but the boot protocol and the vCPU count.
 *
 * Layout: struct sev_es_save_area in Linux arch/x86/include/asm/svm.h;
 * offsets checked against sevctl's VMSA vectors (shared/vectors/sevctl).
 */
#ifndef MINISEV_SEV_VMSA_H
#define MINISEV_SEV_VMSA_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "util.h"

#define SEV_VMSA_SIZE 4096

struct sev_vmsa_seg {
	uint16_t selector;
	uint16_t attrib; /* VMCB format: type, S, DPL, P, AVL, L, D/B, G */
	uint32_t limit;
	uint64_t base;
};

/* Everything KVM copies into the VMSA, in the VMCB's own representation. */
struct sev_vmsa_state {
	struct sev_vmsa_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	uint8_t cpl;
	uint64_t efer, cr0, cr2, cr3, cr4, dr6, dr7, rflags, rip, rsp;
	uint64_t rax, rbx, rcx, rdx, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip, g_pat;
	uint64_t xcr0, xss;
	uint32_t pkru;
	uint64_t sev_features;
	/*
	 * x87/SSE state: copied by KVM only for VMs made with KVM_SEV_INIT2
	 * ("to avoid breaking older measurements", kvm-sev-ioctls.md §3.5).
	 */
	bool fpu;
	uint16_t fcw, fsw, fop;
	uint8_t ftw; /* abridged tag word, as FXSAVE has it */
	uint32_t mxcsr;
	uint8_t xmm[16][16];
};

/* Serialize into the 4096-byte VMSA page. */
void sev_vmsa_build(const struct sev_vmsa_state *st, uint8_t out[SEV_VMSA_SIZE]);

/*
 * KVM's view of a vCPU to the VMSA's: segment attributes packed as
 * svm_set_segment() does, EFER with SVME, CR4 with MCE (KVM ORs in the
 * host's), CR0 without CD/NW (the CD_NW_CLEARED quirk).  `fpu` NULL: the
 * legacy INIT flavour, no x87/SSE state.
 */
void sev_vmsa_from_kvm(struct sev_vmsa_state *st, const struct kvm_sregs *s,
		       const struct kvm_regs *r, const struct kvm_fpu *fpu, uint64_t xcr0,
		       uint64_t dr6, uint64_t dr7, uint64_t g_pat);

/* VMSA features (sev_features) KVM can set for SEV-ES (§9.1). */
#define SEV_VMSA_FEAT_DEBUG_SWAP 0x20ULL

/*
 * Parse VMSA features: a number, or a comma-separated list of names
 * ("debug-swap"; "none" for 0).  Returns 0, or -EINVAL.
 */
int __must_check sev_vmsa_features_parse(const char *s, uint64_t *out);

/* Architectural values after reset that the VMM does not set itself. */
#define SEV_VMSA_RESET_DR6 0xffff0ff0ULL
#define SEV_VMSA_RESET_DR7 0x400ULL
#define SEV_VMSA_RESET_PAT 0x0007040600070406ULL
#define SEV_VMSA_RESET_XCR0 0x1ULL

#endif /* MINISEV_SEV_VMSA_H */
