/* SPDX-License-Identifier: MIT */
/*
 * The SEV / SEV-ES launch through KVM_MEMORY_ENCRYPT_OP, step by step:
 * INIT (INIT2 where the kernel has VM types), REG_REGION, LAUNCH_START,
 * LAUNCH_UPDATE_DATA, LAUNCH_UPDATE_VMSA, LAUNCH_MEASURE, LAUNCH_SECRET,
 * LAUNCH_FINISH, with GUEST_STATUS after each.  Every failure names the
 * step, errno and the firmware status by name.  This is the code path
 * that runs on hardware; under the software model (scripts/sevsim) it is
 * exactly the same.
 */
#ifndef MINISEV_LAUNCH_H
#define MINISEV_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm.h"

#define SEV_MEASURE_LEN 48 /* 32-byte HMAC, then the 16-byte MNONCE; base64 in 64 + 1 */

struct launch {
	bool es; /* SEV-ES */
	bool force_legacy; /* --legacy-init: KVM_SEV_(ES_)INIT even with INIT2 */
	uint32_t policy;

	int sev_fd; /* /dev/sev, open for the VM's whole life */
	uint8_t api_major, api_minor, build;
	uint32_t platform_flags;

	unsigned int cbit; /* from KVM_GET_SUPPORTED_CPUID 0x8000001F */
	unsigned int reduced_phys_bits;
	bool init2; /* which INIT ran: it changes SEV-ES measurements */
	uint64_t vmsa_supported; /* KVM_X86_SEV_VMSA_FEATURES (INIT2 kernels) */
	uint64_t vmsa_features; /* asked for (--vmsa-features), then in use */
	uint32_t handle;

	void *owned; /* the VMM's allocation behind godh and session, freed with it */
	/* Guest owner inputs (NULL/0 when the firmware makes its own keys). */
	const void *godh;
	size_t godh_len;
	const void *session;
	size_t session_len;

	/* Every byte LAUNCH_UPDATE_DATA measured, in order (--measured-out). */
	uint8_t *measured;
	size_t measured_len, measured_cap;

	uint8_t measurement[SEV_MEASURE_LEN];
};

/* A KVM_MEMORY_ENCRYPT_OP sub-command's name ("LAUNCH_START"). */
const char *launch_cmd_name(uint32_t id);

/*
 * Open /dev/sev and read the platform status.  Returns 0, -ENOENT when
 * the host has no /dev/sev (a skip for the caller), or another -errno.
 */
int __must_check launch_open(struct launch *l);

/*
 * Read the C-bit from KVM_GET_SUPPORTED_CPUID and check that KVM offers
 * SEV (and SEV-ES when asked); -ENOTSUP with a message otherwise.
 */
int __must_check launch_check_cpuid(struct launch *l, struct kvm_cpuid2 *cpuid);

/* The VM type to create: 2/3 when KVM_CAP_VM_TYPES offers it, else 0. */
unsigned long launch_vm_type(struct launch *l, int kvm_fd);

/* KVM_SEV_INIT2, or KVM_SEV_INIT / KVM_SEV_ES_INIT on a type-0 VM. */
int __must_check launch_init(struct vm *vm, struct launch *l);

/* KVM_MEMORY_ENCRYPT_REG_REGION after an RLIMIT_MEMLOCK preflight. */
int __must_check launch_reg_region(struct vm *vm, void *hva, uint64_t size);

int __must_check launch_start(struct vm *vm, struct launch *l);
/* Encrypt and measure guest RAM [gpa, gpa + len) in place. */
int __must_check launch_update_data(struct vm *vm, struct launch *l, uint64_t gpa, uint64_t len);
int __must_check launch_update_vmsa(struct vm *vm, struct launch *l);
int __must_check launch_measure(struct vm *vm, struct launch *l);
int __must_check launch_secret(struct vm *vm, struct launch *l, const void *hdr, size_t hdr_len,
			       const void *data, size_t data_len, uint64_t gpa);
int __must_check launch_finish(struct vm *vm, struct launch *l);

/* GUEST_STATUS: the firmware's guest state (SEV_GUEST_*). */
int __must_check launch_guest_status(struct vm *vm, struct launch *l, uint32_t *state);
const char *launch_gstate_name(uint32_t state);

/*
 * DBG_DECRYPT of guest RAM [gpa, gpa + len) into out: allowed by the
 * firmware only when the policy lacks NODBG.
 */
int __must_check launch_dbg_decrypt(struct vm *vm, struct launch *l, uint64_t gpa, void *out,
				    uint32_t len);

void launch_free(struct launch *l);

#endif /* MINISEV_LAUNCH_H */
