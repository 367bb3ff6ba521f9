/* SPDX-License-Identifier: MIT */
/*
 * The #VC handler (vector 29): under SEV-ES an intercepted instruction
 * does not exit to the hypervisor, it raises #VC with the exit code as
 * error code (APM vol. 2, "#VC Exception").  The handler decodes
 * the instruction at RIP, performs it through the GHCB and steps over it.
 *
 * The firmware itself never relies on this: io.c issues explicit GHCB
 * requests under SEV-ES.  The handler is the safety net for a stray
 * instruction, and what the sev_es_vc guest test exercises.  It serves:
 *
 *   CPUID (0f a2)                  exit 0x72
 *   RDMSR, WRMSR (0f 32, 0f 30)    exit 0x7c
 *   RDTSC, RDTSCP (0f 31, 0f 01 f9) exits 0x6e, 0x87
 *   IN, OUT of 1, 2, 4 bytes, immediate port or DX (e4-e7, ec-ef) exit 0x7b
 *   MMIO (exit 0x400, NPF): MOV r/m,r and r,r/m (88, 89, 8a, 8b), MOV r/m,imm
 *     (c6 /0, c7 /0), MOVZX and MOVSX (0f b6, b7, be, bf), with 0x66 and REX
 *     prefixes and every ModRM/SIB addressing form incl. RIP-relative
 *
 * and refuses everything else (string I/O, LOCK/REP, FS/GS and 0x67
 * prefixes, register-only forms) with a reason: the firmware then
 * terminates through the GHCB.
 */
#ifndef FW_VC_H
#define FW_VC_H

#include "ghcb.h"
#include "idt.h"

enum vc_op {
	VC_CPUID,
	VC_RDMSR,
	VC_WRMSR,
	VC_RDTSC,
	VC_RDTSCP,
	VC_IN,
	VC_OUT,
	VC_MMIO_READ,
	VC_MMIO_WRITE,
};

#define VC_REG_NONE 0xff /* the MMIO write stores an immediate */
#define VC_INSN_MAX 15 /* longest x86 instruction */

/* What the decoder made of the instruction at RIP. */
struct vc_insn {
	enum vc_op op;
	unsigned int len; /* bytes, prefixes included: the new RIP is rip + len */
	unsigned int size; /* bytes moved: 1, 2, 4 or 8 */
	/* IN/OUT */
	uint16_t port;
	/* MMIO */
	uint8_t reg; /* register operand 0-15 (RAX..R15), or VC_REG_NONE */
	bool high8; /* AH, CH, DH or BH (no REX, reg 4-7 with a byte operand) */
	uint8_t ext; /* reads: 0 none, 1 zero-extend, 2 sign-extend ... */
	unsigned int dst_size; /* ... into a register of this size */
	uint64_t imm;
	uint64_t addr; /* effective (linear) address */
};

/*
 * Decode `avail` bytes at `code` for a #VC with error code `exit_code`,
 * using the registers in `f` for addresses and ports.  Returns 0, or -1
 * with *why saying what is wrong (also when the instruction does not fit
 * the exit code: a mismatch means something is very wrong).
 */
int vc_decode(const uint8_t *code, unsigned int avail, uint64_t exit_code,
	      const struct exc_frame *f, struct vc_insn *in, const char **why);

enum vc_result {
	VC_DONE, /* performed; registers and RIP updated */
	VC_RAISE, /* the hypervisor asks for an exception: f->vector, f->error set */
	VC_FAIL, /* cannot serve it: fail->why, fail->code set */
};

struct vc_fail {
	const char *why;
	int ghcb_ret; /* enum ghcb_ret when the GHCB request failed, else 0 */
	struct vc_insn insn;
	bool decoded;
};

/*
 * Handle the #VC in `f` with GHCB `c` (NULL: no page yet, so only CPUID,
 * through the MSR protocol).  Reads the instruction at f->rip.
 */
enum vc_result vc_handle(struct exc_frame *f, struct ghcb_cpu *c, struct vc_fail *fail);

/*
 * Supplied by the firmware (sev.c) or the host tests: the guest-physical
 * address of linear address `va`, or false when it is not mapped or maps
 * private memory (MMIO through a C-bit mapping makes no sense).
 */
bool vc_translate(uint64_t va, uint64_t *gpa);

/* Number of #VC exceptions served on `cpu` (the guest tests look). */
extern unsigned int vc_count[];

#endif /* FW_VC_H */
