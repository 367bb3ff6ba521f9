/* SPDX-License-Identifier: MIT */
/*
 * A hypervisor for the firmware's GHCB code on the host: it plays the CPU
 * (GHCB MSR, VMGEXIT) and the hypervisor behind it, written from the GHCB
 * specification 2.x (AMD pub. 56421) and from what KVM's
 * sev_es_validate_vmgexit() insists on, with its own offsets: it does not
 * share the firmware's struct ghcb, so a layout mistake there shows here.
 *
 * Behind it: 64 KiB of port space, a 4 KiB MMIO device, a CPUID table and
 * a few MSRs.  Every request is checked; the first thing the guest got
 * wrong is kept in resp.violation (tests assert it stays NULL).
 */
#ifndef FW_TEST_GHCB_RESPONDER_H
#define FW_TEST_GHCB_RESPONDER_H

#include <stdbool.h>
#include <stdint.h>

/* GHCB page offsets (spec 2.3.2, table 3), independent of firmware/ghcb.h. */
#define R_CPL 0x0cb
#define R_RAX 0x1f8
#define R_RCX 0x308
#define R_RDX 0x310
#define R_RBX 0x318
#define R_EXIT_CODE 0x390
#define R_EXIT_INFO1 0x398
#define R_EXIT_INFO2 0x3a0
#define R_SCRATCH 0x3a8
#define R_XCR0 0x3e8
#define R_VALID 0x3f0
#define R_SHARED 0x800
#define R_SHARED_END 0xff0
#define R_VERSION 0xffa
#define R_USAGE 0xffc

#define R_MMIO_BASE 0xd0000000ULL
#define R_MMIO_SIZE 0x1000
#define R_PAGES 2
#define R_MSR_KNOWN 0xc0000080ULL /* EFER: readable and writable */

enum resp_fault {
	RESP_OK, /* answer as a correct hypervisor */
	RESP_ERROR, /* SW_EXITINFO1 = 2, SW_EXITINFO2 = GHCB_ERR_INVALID_INPUT */
	RESP_FORGET_OUTPUT, /* do the work, leave the outputs unmarked */
	RESP_INJECT_UD, /* SW_EXITINFO1 = 1, SW_EXITINFO2 = #UD */
	RESP_INJECT_PF, /* SW_EXITINFO1 = 1, SW_EXITINFO2 = #PF(2): no instruction asks for it */
	RESP_BAD_MSR_CODE, /* MSR protocol: answer with a wrong response code */
	RESP_IGNORE, /* do nothing at all (a hypervisor that drops the request) */
};

struct resp_request {
	bool page; /* page protocol (else MSR protocol) */
	uint64_t msr; /* GHCB MSR at the VMGEXIT */
	uint64_t code, info1, info2, scratch;
	uint8_t valid[16]; /* the bitmap as the guest sent it */
	uint16_t version;
	uint64_t rax_in, rcx_in, rdx_in, xcr0_in;
};

struct responder {
	/* configuration */
	uint16_t ver_min, ver_max; /* what SEV information offers */
	unsigned int cbit;
	uint16_t expect_version; /* the version the guest must write in the page */
	enum resp_fault fault; /* for the next request only */
	uint32_t gp_error; /* error code of the #GP injected for an unknown MSR (0) */
	/* the CPU */
	uint64_t msr;
	unsigned int exits, page_exits;
	uint64_t page_gpa[R_PAGES];
	uint8_t *page_hva[R_PAGES];
	/* the devices */
	uint8_t ports[0x10000 + 4];
	unsigned int port_writes;
	uint8_t mmio[R_MMIO_SIZE];
	uint64_t efer;
	uint64_t tsc;
	/* what happened */
	struct resp_request last;
	bool terminated, term_nae;
	unsigned int term_set, term_code;
	const char *violation;
	char violation_buf[256];
};

extern struct responder resp;

/* Reset everything: versions 1..2, C-bit 47, no pages, clean devices. */
void resp_reset(void);
/* Give guest-physical page `gpa` the host buffer `hva` (4 KiB). */
void resp_map(unsigned int slot, uint64_t gpa, void *hva);
/* The CPUID table: a value derived from leaf, subleaf and register. */
uint32_t resp_cpuid(uint32_t leaf, uint32_t subleaf, unsigned int reg);

/* The hardware primitives firmware/ghcb.c calls under HOST_TEST. */
uint64_t ghcb_hw_rdmsr(void);
void ghcb_hw_wrmsr_vmgexit(uint64_t val);

#endif /* FW_TEST_GHCB_RESPONDER_H */
