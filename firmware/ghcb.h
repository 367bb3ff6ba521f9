/* SPDX-License-Identifier: MIT */
/*
 * The SEV-ES GHCB (GHCB specification 2.x, AMD pub. 56421): the page a
 * vCPU shares with the hypervisor to ask for what it can no longer let the
 * hypervisor see it do.  Each CPU has its own page in the shared window.
 */
#ifndef FW_GHCB_H
#define FW_GHCB_H

#include "fw.h"

/* GHCB save-area offsets: where the VMSA has the same fields (spec table 3). */
#define GHCB_RAX 0x1f8
#define GHCB_RCX 0x308
#define GHCB_RDX 0x310
#define GHCB_RBX 0x318
#define GHCB_EXIT_CODE 0x390
#define GHCB_EXIT_INFO1 0x398
#define GHCB_EXIT_INFO2 0x3a0
#define GHCB_SCRATCH 0x3a8
#define GHCB_XCR0 0x3e8
#define GHCB_VALID 0x3f0 /* one bit per 8-byte field */
#define GHCB_SHARED 0x800
#define GHCB_SHARED_SIZE 0x7f0
#define GHCB_VERSION 0xffa
#define GHCB_USAGE 0xffc

#define SVM_EXIT_CPUID 0x72
#define SVM_EXIT_IOIO 0x7b
#define SVM_EXIT_MSR 0x7c
#define SVM_VMGEXIT_MMIO_READ 0x80000001
#define SVM_VMGEXIT_MMIO_WRITE 0x80000002

/* GHCB MSR protocol: termination request with a reason (spec 2.3.1). */
#define GHCB_MSR_TERM_REQ 0x100
#define GHCB_TERM_SET_MINISEV 1

/* Encode a GHCB request (for host tests: g is any 4 KiB buffer). */
void ghcb_clear(uint8_t *g);
void ghcb_set(uint8_t *g, unsigned int off, uint64_t val);
uint64_t ghcb_get(const uint8_t *g, unsigned int off);
bool ghcb_valid(const uint8_t *g, unsigned int off);
/* SW_EXITINFO1 of an IOIO request (APM vol. 2, 15.10.2). */
uint64_t ghcb_ioio_info(uint16_t port, unsigned int size, bool in);

/*
 * One request on this CPU's GHCB: returns 0, or the non-zero low half of
 * SW_EXITINFO1 the hypervisor answered with.  `g` gets the page back.
 */
int ghcb_call(uint64_t code, uint64_t info1, uint64_t info2, uint8_t **g);
/* This CPU's GHCB page, its fields cleared, ready to fill. */
uint8_t *ghcb_begin(void);

/* Terminate through the GHCB MSR protocol with reason `code`; never returns. */
void __noreturn ghcb_terminate(unsigned int code);

#endif /* FW_GHCB_H */
