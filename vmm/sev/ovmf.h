/* SPDX-License-Identifier: MIT */
/*
 * What a guest owner needs from an OVMF image and from QEMU to predict the
 * measurement of a QEMU + OVMF SEV-ES launch, without QEMU or the guest:
 * the GUIDed table at the end of OVMF's reset vector (where the firmware
 * tells the VMM where its APs start), and the VMSA of a vCPU in QEMU's
 * reset state as KVM copies it at LAUNCH_UPDATE_VMSA.
 */
#ifndef MINISEV_SEV_OVMF_H
#define MINISEV_SEV_OVMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guid.h"
#include "why.h"

/* The table's footer entry, 32 bytes before the end of the image. */
#define SEV_GUID_OVMF_TABLE_FOOTER "96b582de-1fb2-45f7-baea-a366c55a082d"
/* SEV-ES reset block: a 32-bit address where every AP starts (CS:IP). */
#define SEV_GUID_OVMF_SEV_ES_RESET "00f771de-1a7e-4fcb-890e-68c77e2fb44e"

/*
 * Find the entry `guid` in the OVMF table of the firmware image `fw`:
 * *data and *len point at its payload inside `fw`.  -ENOENT when the
 * image has a table without it, -EINVAL (with the reason) when the image
 * has no well-formed table.
 */
int __must_check sev_ovmf_find(const uint8_t *fw, size_t fw_len, const char *guid,
			       const uint8_t **data, size_t *len, struct sev_why *why);

/* The AP reset address of an SEV-ES capable OVMF (the entry above). */
int __must_check sev_ovmf_ap_reset(const uint8_t *fw, size_t fw_len, uint32_t *addr,
				   struct sev_why *why);

/* CPUID leaf 1 EAX for a family, model and stepping (QEMU's EDX at reset). */
uint32_t sev_cpuid_version(unsigned int family, unsigned int model, unsigned int stepping);

/*
 * The VMSA of a QEMU vCPU after reset (target/i386/cpu.c x86_cpu_reset()),
 * starting at `reset` (0xfffffff0 for the BSP; APs at the SEV-ES reset
 * block), as KVM copies it: legacy KVM_SEV_ES_INIT (QEMU up to 9.0) has no
 * x87/SSE state, KVM_SEV_INIT2 (QEMU 9.1+) has the reset FPU state.
 */
void sev_vmsa_qemu_reset(uint32_t cpuid_version, uint32_t reset, bool init2, uint64_t sev_features,
			 uint8_t out[4096]);

#endif /* MINISEV_SEV_OVMF_H */
