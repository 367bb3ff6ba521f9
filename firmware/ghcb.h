/* SPDX-License-Identifier: MIT */
/*
 * The Guest-Hypervisor Communication Block of SEV-ES (AMD pub. 56421,
 * "SEV-ES Guest-Hypervisor Communication Block Standardization", 2.x).
 *
 * Two ways to talk to the hypervisor, both ending in VMGEXIT:
 *  - the GHCB MSR protocol (spec 2.3.1): a request code in bits 11:0 of
 *    the GHCB MSR, data above it; needs no shared page, so it is what the
 *    firmware uses before its GHCB pages exist (SEV information, CPUID,
 *    termination);
 *  - the GHCB page protocol (spec 2.3.2, 4.1): the MSR holds the GPA of a
 *    shared page whose save area carries the exit code, SW_EXITINFO1/2
 *    and registers, each marked in the valid bitmap; results come back
 *    the same way, status in SW_EXITINFO1[31:0].
 *
 * The GHCB MSR is written right before every VMGEXIT, as Linux does:
 * on SEV-ES hardware that is merely required; under the minisev model
 * (scripts/sevsim, non-ES hardware) the write is the doorbell and the
 * VMGEXIT runs as a VMMCALL that KVM answers with -ENOSYS in RAX, so
 * RAX is clobbered across every VMGEXIT.
 *
 * Everything here is plain C on top of three hardware primitives (GHCB
 * MSR read, GHCB MSR write + VMGEXIT), so that firmware/tests can drive it
 * on the host against a responder written from the specification.
 */
#ifndef FW_GHCB_H
#define FW_GHCB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io.h"

#define MSR_GHCB 0xc0010130 /* APM vol. 2, "GHCB MSR" (SEV-ES) */

/* Protocol versions this firmware speaks (spec 2.2). */
#define GHCB_VERSION_MIN 1
#define GHCB_VERSION_MAX 2

/* ---- MSR protocol (spec 2.3.1) ---- */
#define GHCB_MSR_INFO_MASK 0xfffULL
#define GHCB_MSR_SEV_INFO_RESP 0x001 /* 63:48 max, 47:32 min version, 31:24 C-bit */
#define GHCB_MSR_SEV_INFO_REQ 0x002
#define GHCB_MSR_CPUID_REQ 0x004 /* 63:32 function, 31:30 register */
#define GHCB_MSR_CPUID_RESP 0x005 /* 63:32 value */
#define GHCB_MSR_TERM_REQ 0x100 /* 15:12 reason set, 23:16 reason code */

/* Reason code set 0 is the specification's own (spec 2.3.1, "Termination"). */
#define GHCB_TERM_SET_GENERAL 0
#define GHCB_TERM_GENERAL 0
#define GHCB_TERM_PROTOCOL_RANGE 1 /* SEV-ES / GHCB protocol range not supported */

/* ---- Exit codes (APM vol. 2, appendix C; GHCB spec 4.1) ---- */
#define SVM_EXIT_RDTSC 0x6e
#define SVM_EXIT_CPUID 0x72
#define SVM_EXIT_IOIO 0x7b
#define SVM_EXIT_MSR 0x7c
#define SVM_EXIT_RDTSCP 0x87
#define SVM_EXIT_NPF 0x400 /* #VC error code of an MMIO access (reserved-bit NPF) */
#define SVM_VMGEXIT_MMIO_READ 0x80000001ULL
#define SVM_VMGEXIT_MMIO_WRITE 0x80000002ULL
#define SVM_VMGEXIT_TERM_REQ 0x8000fffeULL /* SW_EXITINFO1 3:0 set, 11:4 code */

/* SW_EXITINFO1 of an IOIO exit (APM vol. 2, 15.10.2 "IOIO Intercepts"). */
#define IOIO_TYPE_IN (1ULL << 0)
#define IOIO_STR (1ULL << 2)
#define IOIO_REP (1ULL << 3)
#define IOIO_SZ8 (1ULL << 4)
#define IOIO_SZ16 (1ULL << 5)
#define IOIO_SZ32 (1ULL << 6)
#define IOIO_A16 (1ULL << 7)
#define IOIO_A32 (1ULL << 8)
#define IOIO_A64 (1ULL << 9)
#define IOIO_PORT_SHIFT 16

/* SW_EXITINFO1[31:0] on return (spec 4.1.2 and table 6). */
#define GHCB_RESULT_OK 0
#define GHCB_RESULT_EXCEPTION 1 /* SW_EXITINFO2: an event to inject (EVENTINJ format) */
#define GHCB_RESULT_ERROR 2 /* SW_EXITINFO2: a reason, GHCB_ERR_* (v2) */

#define GHCB_ERR_NOT_REGISTERED 1
#define GHCB_ERR_INVALID_USAGE 2
#define GHCB_ERR_INVALID_SCRATCH 3
#define GHCB_ERR_MISSING_INPUT 4
#define GHCB_ERR_INVALID_INPUT 5
#define GHCB_ERR_INVALID_EVENT 6

/* EVENTINJ (APM vol. 2, 15.20 "Event Injection"). */
#define EVENTINJ_VECTOR(e) ((unsigned int)((e)&0xff))
#define EVENTINJ_TYPE(e) ((unsigned int)(((e) >> 8) & 7))
#define EVENTINJ_TYPE_EXCEPTION 3
#define EVENTINJ_EV (1ULL << 11) /* error code valid, in bits 63:32 */
#define EVENTINJ_V (1ULL << 31)

/*
 * The GHCB page (spec 2.3.2, table 3).  The save area mirrors the VMSA
 * layout; only the fields this firmware uses are named.  Every 8-byte
 * field of the save area has a bit in the valid bitmap: bit (offset / 8).
 */
struct ghcb_save {
	uint8_t reserved0[0xcb];
	uint8_t cpl; /* 0x0cb */
	uint8_t reserved1[0x1f8 - 0xcc];
	uint64_t rax; /* 0x1f8 */
	uint8_t reserved2[0x308 - 0x200];
	uint64_t rcx; /* 0x308 */
	uint64_t rdx; /* 0x310 */
	uint64_t rbx; /* 0x318 */
	uint8_t reserved3[0x390 - 0x320];
	uint64_t sw_exit_code; /* 0x390 */
	uint64_t sw_exit_info1; /* 0x398 */
	uint64_t sw_exit_info2; /* 0x3a0 */
	uint64_t sw_scratch; /* 0x3a8 */
	uint8_t reserved4[0x3e8 - 0x3b0];
	uint64_t xcr0; /* 0x3e8 */
	uint8_t valid_bitmap[16]; /* 0x3f0 */
};

#define GHCB_SHARED_OFF 0x800
#define GHCB_SHARED_SIZE 0x7f0

struct ghcb {
	struct ghcb_save save;
	uint8_t reserved_save[GHCB_SHARED_OFF - sizeof(struct ghcb_save)];
	uint8_t shared[GHCB_SHARED_SIZE]; /* 0x800: scratch for MMIO data */
	uint8_t reserved5[10];
	uint16_t protocol_version; /* 0xffa */
	uint32_t usage; /* 0xffc: 0, the standard usage */
};

_Static_assert(sizeof(struct ghcb_save) == 0x400, "GHCB save area is 1 KiB");
_Static_assert(offsetof(struct ghcb, shared) == 0x800, "GHCB shared buffer at 0x800");
_Static_assert(offsetof(struct ghcb, protocol_version) == 0xffa, "GHCB version at 0xffa");
_Static_assert(sizeof(struct ghcb) == 4096, "GHCB is one page");

#define GHCB_FIELD_BIT(f) (offsetof(struct ghcb_save, f) / 8)

/* Set a save-area field and mark it valid (spec 2.3.2: "valid bitmap"). */
#define ghcb_set(g, f, v)                                                                       \
	do {                                                                                    \
		(g)->save.f = (v);                                                              \
		(g)->save.valid_bitmap[GHCB_FIELD_BIT(f) / 8] |= 1u << (GHCB_FIELD_BIT(f) % 8); \
	} while (0)
#define ghcb_valid(g, f) \
	(((g)->save.valid_bitmap[GHCB_FIELD_BIT(f) / 8] >> (GHCB_FIELD_BIT(f) % 8)) & 1)

/* One vCPU's GHCB: the page as this code addresses it and its GPA. */
struct ghcb_cpu {
	struct ghcb *page;
	uint64_t gpa; /* C-bit clear: the page is shared */
	bool busy; /* a request is being built or is in flight */
	/* The last failed request, for diagnostics. */
	uint64_t fail_code, fail_info1, fail_info2;
};

/* The version negotiated by ghcb_msr_negotiate(); 0 before. */
extern uint16_t ghcb_version;

/* Return values of the ghcb_* calls below. */
enum ghcb_ret {
	GHCB_OK = 0,
	GHCB_E_EXCEPTION = -1, /* the hypervisor asks to raise the event in *inj */
	GHCB_E_HV = -2, /* the hypervisor reported an error (fail_info2: reason) */
	GHCB_E_OUTPUT = -3, /* a result the request must return is not marked valid */
	GHCB_E_PROTOCOL = -4, /* MSR protocol: wrong response code or version range */
	GHCB_E_INVAL = -5, /* bad argument: nothing was sent */
};

const char *ghcb_strerror(int ret);
const char *ghcb_err_name(uint64_t reason);

/* ---- MSR protocol ---- */

/*
 * SEV information request: learn the hypervisor's version range and C-bit
 * and pick the highest version both sides speak.  GHCB_E_PROTOCOL when the
 * ranges do not meet (the caller terminates with GHCB_TERM_PROTOCOL_RANGE).
 */
int ghcb_msr_negotiate(uint16_t *hv_min, uint16_t *hv_max, unsigned int *cbit);
/* One CPUID register (0 EAX .. 3 EDX) of `leaf`, subleaf 0. */
int ghcb_msr_cpuid_reg(uint32_t leaf, unsigned int reg, uint32_t *val);
int ghcb_msr_cpuid(uint32_t leaf, struct cpuid_regs *r);
/* Termination request; returns only if the hypervisor resumes the guest. */
void ghcb_msr_terminate(unsigned int set, unsigned int code);

/* ---- Page protocol: each returns enum ghcb_ret ---- */

/* Port I/O of 1, 2 or 4 bytes; *val in/out. */
int ghcb_ioio(struct ghcb_cpu *c, uint16_t port, unsigned int size, bool in, uint32_t *val);
/* MMIO of 1, 2, 4 or 8 bytes at `gpa`, data through the shared buffer. */
int ghcb_mmio(struct ghcb_cpu *c, uint64_t gpa, unsigned int size, bool write, uint64_t *val);
/* CPUID; `xcr0` goes along for leaf 0xd, which depends on it. */
int ghcb_cpuid(struct ghcb_cpu *c, uint32_t leaf, uint32_t subleaf, uint64_t xcr0,
	       struct cpuid_regs *r);
int ghcb_rdmsr(struct ghcb_cpu *c, uint32_t msr, uint64_t *val);
int ghcb_wrmsr(struct ghcb_cpu *c, uint32_t msr, uint64_t val);
int ghcb_rdtsc(struct ghcb_cpu *c, bool rdtscp, uint64_t *tsc, uint32_t *aux);
/* Termination request NAE event; returns only if the hypervisor resumes us. */
void ghcb_terminate(struct ghcb_cpu *c, unsigned int set, unsigned int code);

/* After GHCB_E_EXCEPTION: the event the hypervisor wants raised. */
uint64_t ghcb_event(const struct ghcb_cpu *c);

#endif /* FW_GHCB_H */
