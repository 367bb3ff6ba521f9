/* SPDX-License-Identifier: MIT */
/*
 * KVM SEV UAPI newer than Debian 12's 6.1 headers, each item guarded so
 * that newer headers win.  Values from the merged kernel headers
 * (arch/x86/include/uapi/asm/kvm.h, include/uapi/linux/kvm.h), not from
 * posted revisions, which numbered several of them differently
 * (reference kvm-sev-ioctls.md §1.1, §9 item 18).
 */
#ifndef MINISEV_COMPAT_KVM_SEV_H
#define MINISEV_COMPAT_KVM_SEV_H

#include <linux/kvm.h>
#include <stdint.h>

/* Linux 6.10: VM types and their capability. */
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235
#endif
#ifndef KVM_X86_DEFAULT_VM
#define KVM_X86_DEFAULT_VM 0
#endif
#ifndef KVM_X86_SEV_VM
#define KVM_X86_SEV_VM 2
#endif
#ifndef KVM_X86_SEV_ES_VM
#define KVM_X86_SEV_ES_VM 3
#endif

/* Linux 6.10: supported VMSA features, on the /dev/kvm fd. */
#ifndef KVM_X86_GRP_SEV
#define KVM_X86_GRP_SEV 1
#endif
#ifndef KVM_X86_SEV_VMSA_FEATURES
#define KVM_X86_SEV_VMSA_FEATURES 0
#endif

/* Linux 6.10: KVM_SEV_INIT2 (enum sev_cmd_id value 22, not 23). */
#define MINISEV_KVM_SEV_INIT2 22

/* Layout of struct kvm_sev_init as merged (48 bytes). */
struct minisev_kvm_sev_init {
	uint64_t vmsa_features;
	uint32_t flags;
	uint16_t ghcb_version;
	uint16_t pad1;
	uint32_t pad2[8];
};
_Static_assert(sizeof(struct minisev_kvm_sev_init) == 48, "kvm_sev_init layout");

/*
 * Linux 6.8: KVM_SET_USER_MEMORY_REGION2 and KVM_CAP_USER_MEMORY2, a
 * memslot with guest_memfd fields (struct kvm_userspace_memory_region2).
 */
struct minisev_kvm_userspace_memory_region2 {
	uint32_t slot;
	uint32_t flags;
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t guest_memfd_offset;
	uint32_t guest_memfd;
	uint32_t pad1;
	uint64_t pad2[14];
};
_Static_assert(sizeof(struct minisev_kvm_userspace_memory_region2) == 160,
	       "kvm_userspace_memory_region2 layout");
#define MINISEV_KVM_SET_USER_MEMORY_REGION2 \
	_IOW(KVMIO, 0x49, struct minisev_kvm_userspace_memory_region2)
#define MINISEV_KVM_CAP_USER_MEMORY2 231
#define MINISEV_KVM_MEM_GUEST_MEMFD (1u << 2)

/* Linux 5.19: GHCB termination request as a system event. */
#ifndef KVM_SYSTEM_EVENT_SEV_TERM
#define KVM_SYSTEM_EVENT_SEV_TERM 6
#endif

/* MSRs of SEV (AMD APM vol. 2, 15.34.10 and GHCB spec 2.2). */
#define MSR_AMD64_SEV_ES_GHCB 0xc0010130
#define MSR_AMD64_SEV 0xc0010131
#define MSR_AMD64_SEV_ENABLED (1ULL << 0)
#define MSR_AMD64_SEV_ES_ENABLED (1ULL << 1)

#endif /* MINISEV_COMPAT_KVM_SEV_H */
