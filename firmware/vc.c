// SPDX-License-Identifier: MIT
/*
 * #VC: decode the instruction that raised it, serve it through the GHCB,
 * step over it (see vc.h for the forms).  Instruction encodings are from
 * AMD APM vol. 3, chapter 1 (legacy prefixes 1.2, REX 1.2.7, ModRM and
 * SIB 1.4, RIP-relative addressing 1.7) and the opcode map, appendix A.
 *
 * The decoder is strict on purpose: a #VC whose instruction does not match
 * its exit code, or uses a form the firmware never emits, is refused
 * rather than guessed at.  Guessing wrong under SEV-ES means doing the
 * wrong I/O or loading a wrong value into a register the hypervisor
 * cannot see.
 */
#include "vc.h"

#ifdef HOST_TEST
#include <string.h>
#define vc_cpu() 0u
#else
#define vc_cpu() this_cpu()
#endif

unsigned int vc_count[FW_MAX_CPUS];

struct dec {
	const uint8_t *p;
	unsigned int avail, pos;
	const char *why;
	bool opsize, rex, rex_w, rex_r, rex_x, rex_b;
};

static bool next(struct dec *d, uint8_t *b)
{
	if (d->pos >= d->avail || d->pos >= VC_INSN_MAX) {
		d->why = "instruction truncated";
		return false;
	}
	*b = d->p[d->pos++];
	return true;
}

/* Little-endian immediate or displacement of `n` bytes, sign-extended. */
static bool next_sx(struct dec *d, unsigned int n, uint64_t *v)
{
	uint64_t x = 0;
	uint8_t b;

	for (unsigned int i = 0; i < n; i++) {
		if (!next(d, &b))
			return false;
		x |= (uint64_t)b << (8 * i);
	}
	if (n < 8 && (x >> (8 * n - 1)) & 1)
		x |= ~0ULL << (8 * n);
	*v = x;
	return true;
}

/* General-purpose register `n` (0 RAX .. 15 R15) in the exception frame. */
static uint64_t *gpr(struct exc_frame *f, unsigned int n)
{
	static const uint8_t off[16] = {
		offsetof(struct exc_frame, rax), offsetof(struct exc_frame, rcx),
		offsetof(struct exc_frame, rdx), offsetof(struct exc_frame, rbx),
		offsetof(struct exc_frame, rsp), offsetof(struct exc_frame, rbp),
		offsetof(struct exc_frame, rsi), offsetof(struct exc_frame, rdi),
		offsetof(struct exc_frame, r8),	 offsetof(struct exc_frame, r9),
		offsetof(struct exc_frame, r10), offsetof(struct exc_frame, r11),
		offsetof(struct exc_frame, r12), offsetof(struct exc_frame, r13),
		offsetof(struct exc_frame, r14), offsetof(struct exc_frame, r15),
	};

	return (uint64_t *)((char *)f + off[n & 15]);
}

static uint64_t gpr_get(const struct exc_frame *f, unsigned int n)
{
	return *gpr((struct exc_frame *)f, n);
}

static uint64_t mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/*
 * Write `size` bytes to a register as MOV does (APM vol. 1, 3.1.2.3):
 * 32-bit results zero-extend into the whole register, 8- and 16-bit
 * results leave the other bits alone.
 */
static void reg_write(struct exc_frame *f, unsigned int n, bool high8, unsigned int size,
		      uint64_t v)
{
	uint64_t *r = gpr(f, n);

	if (high8)
		*r = (*r & ~0xff00ULL) | (v & 0xff) << 8;
	else if (size == 4)
		*r = (uint32_t)v;
	else
		*r = (*r & ~mask(size)) | (v & mask(size));
}

static uint64_t reg_read(const struct exc_frame *f, unsigned int n, bool high8, unsigned int size)
{
	uint64_t v = gpr_get(f, n);

	return high8 ? (v >> 8) & 0xff : v & mask(size);
}

/*
 * ModRM (and SIB, displacement) of a memory operand in 64-bit mode.
 * RIP-relative needs the length of the whole instruction, so it is only
 * flagged here and finished by the caller.
 */
static bool modrm_mem(struct dec *d, const struct exc_frame *f, uint8_t *reg, uint64_t *addr,
		      bool *riprel)
{
	uint8_t m, mod, rm, sib;
	uint64_t disp = 0, a = 0;

	if (!next(d, &m))
		return false;
	mod = m >> 6;
	rm = m & 7;
	*reg = ((m >> 3) & 7) | (d->rex_r ? 8 : 0);
	*riprel = false;
	if (mod == 3) {
		d->why = "register operand: no memory access to emulate";
		return false;
	}
	if (rm == 4) {
		unsigned int scale, index, base;

		if (!next(d, &sib))
			return false;
		scale = sib >> 6;
		index = ((sib >> 3) & 7) | (d->rex_x ? 8 : 0);
		base = (sib & 7) | (d->rex_b ? 8 : 0);
		if (index != 4) /* RSP cannot be an index: 4 means none */
			a += gpr_get(f, index) << scale;
		if ((base & 7) == 5 && mod == 0) {
			if (!next_sx(d, 4, &disp)) /* no base, disp32 */
				return false;
		} else {
			a += gpr_get(f, base);
		}
	} else if (rm == 5 && mod == 0) {
		*riprel = true;
		if (!next_sx(d, 4, &disp))
			return false;
	} else {
		a += gpr_get(f, rm | (d->rex_b ? 8 : 0));
	}
	if (mod == 1 && !next_sx(d, 1, &disp))
		return false;
	if (mod == 2 && !next_sx(d, 4, &disp))
		return false;
	*addr = a + disp;
	return true;
}

/* The MMIO forms: everything after the opcode byte(s). */
static bool decode_mmio(struct dec *d, const struct exc_frame *f, uint8_t op, bool twobyte,
			struct vc_insn *in)
{
	unsigned int wide = d->rex_w ? 8 : d->opsize ? 2 : 4;
	uint8_t reg;
	bool riprel;

	in->ext = 0;
	in->dst_size = 0;
	if (twobyte) { /* 0f b6/b7 movzx, 0f be/bf movsx */
		in->op = VC_MMIO_READ;
		in->size = (op & 1) ? 2 : 1;
		in->ext = (op & 8) ? 2 : 1;
		in->dst_size = wide;
	} else {
		switch (op) {
		case 0x88: /* mov r/m8, r8 */
		case 0x8a: /* mov r8, r/m8 */
		case 0xc6: /* mov r/m8, imm8 */
			in->size = 1;
			break;
		default: /* 89, 8b, c7 */
			in->size = wide;
			break;
		}
		in->op = (op == 0x8a || op == 0x8b) ? VC_MMIO_READ : VC_MMIO_WRITE;
	}
	if (!modrm_mem(d, f, &reg, &in->addr, &riprel))
		return false;
	in->reg = reg;
	in->high8 = in->size == 1 && !twobyte && !d->rex && reg >= 4 && reg <= 7;
	if (in->high8)
		in->reg = reg - 4; /* AH..BH are bits 15:8 of RAX..RBX */
	if (op == 0xc6 || op == 0xc7) {
		if (reg & 7) {
			d->why = "group 11 opcode with ModRM.reg != 0";
			return false;
		}
		in->reg = VC_REG_NONE;
		in->high8 = false;
		/* imm8, imm16, or imm32 sign-extended to 64 bits under REX.W */
		if (!next_sx(d, in->size == 1 ? 1 : in->size == 2 ? 2 : 4, &in->imm))
			return false;
		in->imm &= mask(in->size);
	}
	if (riprel)
		in->addr += f->rip + d->pos;
	return true;
}

static uint64_t expected_exit(enum vc_op op)
{
	switch (op) {
	case VC_CPUID:
		return SVM_EXIT_CPUID;
	case VC_RDMSR:
	case VC_WRMSR:
		return SVM_EXIT_MSR;
	case VC_RDTSC:
		return SVM_EXIT_RDTSC;
	case VC_RDTSCP:
		return SVM_EXIT_RDTSCP;
	case VC_IN:
	case VC_OUT:
		return SVM_EXIT_IOIO;
	default:
		return SVM_EXIT_NPF;
	}
}

int vc_decode(const uint8_t *code, unsigned int avail, uint64_t exit_code,
	      const struct exc_frame *f, struct vc_insn *in, const char **why)
{
	struct dec d = { .p = code, .avail = avail };
	uint8_t b, b2;
	bool ok = true;

	*in = (struct vc_insn){ .reg = VC_REG_NONE };
	/* Legacy prefixes (APM vol. 3, 1.2). */
	for (;;) {
		if (!next(&d, &b))
			goto bad;
		if (b == 0x66) {
			d.opsize = true;
		} else if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e) {
			/* ES, CS, SS, DS overrides: no effect in 64-bit mode (1.2.4). */
		} else if (b == 0x64 || b == 0x65) {
			d.why = "FS/GS segment override (segment bases are not emulated)";
			goto bad;
		} else if (b == 0x67) {
			d.why = "address-size override";
			goto bad;
		} else if (b == 0xf0 || b == 0xf2 || b == 0xf3) {
			d.why = "LOCK or REP prefix";
			goto bad;
		} else {
			break;
		}
	}
	/* REX, right before the opcode (1.2.7). */
	if ((b & 0xf0) == 0x40) {
		d.rex = true;
		d.rex_w = b & 8;
		d.rex_r = b & 4;
		d.rex_x = b & 2;
		d.rex_b = b & 1;
		if (!next(&d, &b))
			goto bad;
	}

	switch (b) {
	case 0x0f:
		if (!next(&d, &b2))
			goto bad;
		switch (b2) {
		case 0xa2:
			in->op = VC_CPUID;
			break;
		case 0x32:
			in->op = VC_RDMSR;
			break;
		case 0x30:
			in->op = VC_WRMSR;
			break;
		case 0x31:
			in->op = VC_RDTSC;
			break;
		case 0x01:
			if (!next(&d, &b2))
				goto bad;
			if (b2 != 0xf9) {
				d.why = "0f 01 group instruction other than RDTSCP";
				goto bad;
			}
			in->op = VC_RDTSCP;
			break;
		case 0xb6:
		case 0xb7:
		case 0xbe:
		case 0xbf:
			ok = decode_mmio(&d, f, b2, true, in);
			break;
		default:
			d.why = "unknown two-byte opcode";
			goto bad;
		}
		break;
	case 0xe4: /* in al, imm8 */
	case 0xe5: /* in eax/ax, imm8 */
	case 0xe6: /* out imm8, al */
	case 0xe7: /* out imm8, eax/ax */
		if (!next(&d, &b2))
			goto bad;
		in->port = b2;
		in->op = (b & 2) ? VC_OUT : VC_IN;
		in->size = (b & 1) ? (d.opsize ? 2 : 4) : 1;
		break;
	case 0xec: /* in al, dx */
	case 0xed: /* in eax/ax, dx */
	case 0xee: /* out dx, al */
	case 0xef: /* out dx, eax/ax */
		in->port = (uint16_t)f->rdx;
		in->op = (b & 2) ? VC_OUT : VC_IN;
		in->size = (b & 1) ? (d.opsize ? 2 : 4) : 1;
		break;
	case 0x6c:
	case 0x6d:
	case 0x6e:
	case 0x6f:
		d.why = "string I/O (INS/OUTS): the firmware never uses it";
		goto bad;
	case 0x88:
	case 0x89:
	case 0x8a:
	case 0x8b:
	case 0xc6:
	case 0xc7:
		ok = decode_mmio(&d, f, b, false, in);
		break;
	default:
		d.why = "unknown opcode";
		goto bad;
	}
	if (!ok)
		goto bad;
	in->len = d.pos;
	if (expected_exit(in->op) != exit_code) {
		d.why = "the instruction does not match the #VC error code";
		goto bad;
	}
	return 0;
bad:
	*why = d.why ? d.why : "undecodable";
	return -1;
}

#ifdef HOST_TEST
static uint64_t vc_xcr0(void)
{
	return 1;
}
#else
static uint64_t vc_xcr0(void)
{
	uint32_t lo, hi;

	/* XCR0 as Linux reports it: x87 only unless the OS enabled XSAVE. */
	if (!(read_cr4() & (1ULL << 18))) /* CR4.OSXSAVE */
		return 1;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}
#endif

static enum vc_result ghcb_failed(struct exc_frame *f, struct ghcb_cpu *c, int ret,
				  struct vc_fail *fail)
{
	if (ret == GHCB_E_EXCEPTION) {
		uint64_t ev = ghcb_event(c);

		/*
		 * Deliver what the hypervisor asked for, at this instruction,
		 * if the instruction can raise it: #GP (an MSR, an I/O port)
		 * or #UD.  Anything else, a #PF with no CR2 say, is the
		 * hypervisor misbehaving (Linux's #VC handler refuses it too).
		 */
		if (EVENTINJ_VECTOR(ev) != 13 && EVENTINJ_VECTOR(ev) != 6) {
			fail->why =
				"the hypervisor asked for an exception this instruction cannot raise";
			fail->ghcb_ret = ret;
			return VC_FAIL;
		}
		f->vector = EVENTINJ_VECTOR(ev);
		f->error = (ev & EVENTINJ_EV) ? ev >> 32 : 0;
		return VC_RAISE;
	}
	fail->why = "the GHCB request failed";
	fail->ghcb_ret = ret;
	return VC_FAIL;
}

static enum vc_result vc_mmio(struct exc_frame *f, struct ghcb_cpu *c, const struct vc_insn *in,
			      struct vc_fail *fail)
{
	uint64_t gpa, v;
	int ret;

	if (!vc_translate(in->addr, &gpa)) {
		fail->why = "MMIO address is not mapped, or mapped private (C-bit set)";
		return VC_FAIL;
	}
	if (in->op == VC_MMIO_WRITE) {
		v = in->reg == VC_REG_NONE ? in->imm : reg_read(f, in->reg, in->high8, in->size);
		ret = ghcb_mmio(c, gpa, in->size, true, &v);
		return ret ? ghcb_failed(f, c, ret, fail) : VC_DONE;
	}
	ret = ghcb_mmio(c, gpa, in->size, false, &v);
	if (ret)
		return ghcb_failed(f, c, ret, fail);
	if (in->ext == 2 && in->size < 8 && (v >> (in->size * 8 - 1)) & 1)
		v |= ~mask(in->size);
	reg_write(f, in->reg, in->high8, in->ext ? in->dst_size : in->size, v);
	return VC_DONE;
}

/* Leaves whose answer depends on ECX (Intel SDM vol. 2A CPUID, APM vol. 3 E.3). */
static bool cpuid_has_subleaves(uint32_t leaf)
{
	switch (leaf) {
	case 0x4:
	case 0x7:
	case 0xb:
	case 0xd:
	case 0xf:
	case 0x10:
	case 0x12:
	case 0x14:
	case 0x17:
	case 0x18:
	case 0x1d:
	case 0x1e:
	case 0x1f:
	case 0x20:
	case 0x23:
	case 0x24:
	case 0x8000001d:
	case 0x80000020:
	case 0x80000026:
		return true;
	default:
		return false;
	}
}

enum vc_result vc_handle(struct exc_frame *f, struct ghcb_cpu *c, struct vc_fail *fail)
{
	struct vc_insn *in = &fail->insn;
	struct cpuid_regs r;
	uint64_t v;
	uint32_t v32;
	int ret = GHCB_OK;

	*fail = (struct vc_fail){ 0 };
	if (vc_decode((const uint8_t *)(uintptr_t)f->rip, VC_INSN_MAX, f->error, f, in, &fail->why))
		return VC_FAIL;
	fail->decoded = true;
	if (!c && in->op != VC_CPUID) {
		fail->why = "no GHCB page yet (only CPUID works through the MSR protocol)";
		return VC_FAIL;
	}
	/*
	 * The MSR protocol carries the leaf only (GHCB spec 2.3.1): a
	 * subleaf other than 0 would be answered as subleaf 0, and leaf 0xd
	 * depends on an XCR0 the hypervisor cannot see.  Refuse, not guess.
	 */
	if (!c && (((uint32_t)f->rcx && cpuid_has_subleaves((uint32_t)f->rax)) ||
		   (uint32_t)f->rax == 0xd)) {
		fail->why = "CPUID with a subleaf (or leaf 0xd) before the GHCB page exists";
		return VC_FAIL;
	}

	switch (in->op) {
	case VC_CPUID:
		/* Before the GHCB page exists, the MSR protocol (subleaf 0 only). */
		ret = c ? ghcb_cpuid(c, (uint32_t)f->rax, (uint32_t)f->rcx, vc_xcr0(), &r) :
			  ghcb_msr_cpuid((uint32_t)f->rax, &r);
		if (ret)
			break;
		f->rax = r.eax;
		f->rbx = r.ebx;
		f->rcx = r.ecx;
		f->rdx = r.edx;
		break;
	case VC_RDMSR:
		ret = ghcb_rdmsr(c, (uint32_t)f->rcx, &v);
		if (ret)
			break;
		f->rax = (uint32_t)v;
		f->rdx = v >> 32;
		break;
	case VC_WRMSR:
		ret = ghcb_wrmsr(c, (uint32_t)f->rcx, f->rdx << 32 | (uint32_t)f->rax);
		break;
	case VC_RDTSC:
	case VC_RDTSCP:
		ret = ghcb_rdtsc(c, in->op == VC_RDTSCP, &v, &v32);
		if (ret)
			break;
		f->rax = (uint32_t)v;
		f->rdx = v >> 32;
		if (in->op == VC_RDTSCP)
			f->rcx = v32;
		break;
	case VC_IN:
		ret = ghcb_ioio(c, in->port, in->size, true, &v32);
		if (!ret)
			reg_write(f, 0, false, in->size, v32);
		break;
	case VC_OUT:
		v32 = (uint32_t)reg_read(f, 0, false, in->size);
		ret = ghcb_ioio(c, in->port, in->size, false, &v32);
		break;
	case VC_MMIO_READ:
	case VC_MMIO_WRITE: {
		enum vc_result res = vc_mmio(f, c, in, fail);

		if (res != VC_DONE)
			return res;
		break;
	}
	}
	if (ret)
		return ghcb_failed(f, c, ret, fail);
	f->rip += in->len;
	if (vc_cpu() < FW_MAX_CPUS)
		vc_count[vc_cpu()]++;
	return VC_DONE;
}
