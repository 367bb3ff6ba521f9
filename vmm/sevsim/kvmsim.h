/* SPDX-License-Identifier: MIT */
/*
 * sevsim, KVM half: what Linux KVM's SEV layer (arch/x86/kvm/svm/sev.c)
 * and /dev/sev (drivers/crypto/ccp/sev-dev.c) would do, modelled in user
 * space around a real KVM that has no SEV, and preloaded under the
 * unchanged VMM (scripts/sevsim).  The firmware half is psp.c.
 *
 * Encrypted memory: beside every RAM memslot the model adds a private
 * alias memslot at GPA | (1 << cbit), backed by memory the VMM never sees
 * (kept per host page, whatever slots map it).  Guest accesses with the
 * C-bit set in their page tables reach it; plain GPAs reach it too, except
 * where the guest's own page tables map a page shared (C-bit clear):
 * those reach the VMM's view (kvmsim.c, "Which memory a plain GPA
 * reaches").  LAUNCH_UPDATE_DATA copies the plaintext
 * to the private side and leaves real ciphertext (AES-CTR under the
 * guest's key, tweaked by address) in the VMM's view, as hardware would.
 *
 * Environment:
 *   SEVSIM_STATE  directory of the firmware's persistent state (required)
 *   SEVSIM_KVM    "init2" (default: a 6.10+ kernel with VM types and
 *                 KVM_SEV_INIT2) or "legacy" (KVM_SEV_INIT/ES_INIT only)
 *   SEVSIM_DEBUG  1: log every modelled command on stderr
 */
#ifndef MINISEV_SEVSIM_KVMSIM_H
#define MINISEV_SEVSIM_KVMSIM_H

/* The C-bit the model advertises: EPYC 7001-7003 use 47. */
#define SEVSIM_CBIT 47
/* SEV-ES ASIDs are 1..SEVSIM_MIN_SEV_ASID-1, SEV ASIDs up to SEVSIM_MAX_ASID. */
#define SEVSIM_MIN_SEV_ASID 5
#define SEVSIM_MAX_ASID 15
/*
 * The model's own memslots (KVM allows 32764): a slot's later pieces from
 * SEVSIM_RUN_SLOT_BASE, private aliases from SEVSIM_ALIAS_SLOT_BASE up;
 * the VMM's slot ids stay below both.
 */
#define SEVSIM_RUN_SLOT_BASE 8192
#define SEVSIM_RUN_SLOTS 8192
#define SEVSIM_ALIAS_SLOT_BASE 16384

#endif /* MINISEV_SEVSIM_KVMSIM_H */
