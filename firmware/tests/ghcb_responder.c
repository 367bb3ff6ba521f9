// SPDX-License-Identifier: MIT
/*
 * The host-side GHCB responder (see ghcb_responder.h).  Sources: GHCB
 * specification 2.x, 2.3.1 (MSR protocol), 2.3.2 (the page and its valid
 * bitmap), 4.1 (non-automatic exits: IOIO, MMIO, CPUID, MSR, RDTSC(P),
 * termination); APM vol. 2, 15.10.2 (IOIO SW_EXITINFO1) and 15.20
 * (EVENTINJ); the input checks of KVM's sev_es_validate_vmgexit().
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ghcb_responder.h"

struct responder resp;

/* Upper bits a sloppy guest would fail to mask (results are 8-32 bits). */
#define JUNK 0x5a5a5a5a00000000ULL

static void __attribute__((format(printf, 1, 2))) violate(const char *fmt, ...)
{
	va_list ap;

	if (resp.violation)
		return;
	va_start(ap, fmt);
	vsnprintf(resp.violation_buf, sizeof(resp.violation_buf), fmt, ap);
	va_end(ap);
	resp.violation = resp.violation_buf;
}

void resp_reset(void)
{
	memset(&resp, 0, sizeof(resp));
	resp.ver_min = 1;
	resp.ver_max = 2;
	resp.cbit = 47;
	resp.expect_version = 2;
	resp.efer = 0xd01;
	resp.tsc = 0x123456789abcULL;
}

void resp_map(unsigned int slot, uint64_t gpa, void *hva)
{
	resp.page_gpa[slot] = gpa;
	resp.page_hva[slot] = hva;
}

uint32_t resp_cpuid(uint32_t leaf, uint32_t subleaf, unsigned int reg)
{
	return (leaf * 0x9e3779b1u) ^ (subleaf * 0x85ebca6bu) ^ (reg + 1) * 0x01010101u;
}

static uint64_t g64(const uint8_t *g, unsigned int off)
{
	uint64_t v;

	memcpy(&v, g + off, 8);
	return v;
}

static bool valid(const uint8_t *g, unsigned int off)
{
	return (g[R_VALID + off / 64] >> ((off / 8) % 8)) & 1;
}

/* Write an output as a hypervisor does: value and its valid bit. */
static void put(uint8_t *g, unsigned int off, uint64_t v)
{
	memcpy(g + off, &v, 8);
	g[R_VALID + off / 64] |= 1u << ((off / 8) % 8);
}

static uint8_t *page_of(uint64_t gpa)
{
	for (unsigned int i = 0; i < R_PAGES; i++)
		if (resp.page_hva[i] && resp.page_gpa[i] == gpa)
			return resp.page_hva[i];
	return NULL;
}

/* ---- MSR protocol (spec 2.3.1) ---- */

static void msr_protocol(void)
{
	uint64_t v = resp.msr;

	switch (v & 0xfff) {
	case 0x002: /* SEV information request */
		resp.msr = 0x001 | (uint64_t)resp.ver_max << 48 | (uint64_t)resp.ver_min << 32 |
			   (uint64_t)resp.cbit << 24;
		break;
	case 0x004: { /* CPUID request: 63:32 function, 31:30 register */
		uint32_t val = resp_cpuid((uint32_t)(v >> 32), 0, (v >> 30) & 3);

		if (v & 0x3ffff000ULL)
			violate("CPUID request 0x%llx: reserved bits 29:12 set",
				(unsigned long long)v);
		/* KVM keeps the request's register bits and puts the value on top. */
		resp.msr = 0x005 | (v & (3ULL << 30)) | (uint64_t)val << 32;
		break;
	}
	case 0x100: /* termination request: 15:12 reason set, 23:16 code */
		resp.terminated = true;
		resp.term_nae = false;
		resp.term_set = (v >> 12) & 0xf;
		resp.term_code = (v >> 16) & 0xff;
		if (v >> 24)
			violate("termination request 0x%llx: bits 63:24 set",
				(unsigned long long)v);
		break;
	default:
		/* KVM leaves unknown requests alone and resumes the guest. */
		break;
	}
	if (resp.fault == RESP_BAD_MSR_CODE)
		resp.msr = (resp.msr & ~0xfffULL) | 0xfff;
}

/* ---- Page protocol (spec 2.3.2, 4.1) ---- */

static void answer(uint8_t *g, uint64_t info1, uint64_t info2)
{
	put(g, R_EXIT_INFO1, info1);
	put(g, R_EXIT_INFO2, info2);
}

/* SW_EXITINFO1 = 2 with a reason: what KVM's svm_vmgexit_bad_input() does. */
static void bad_input(uint8_t *g, uint64_t reason, const char *what)
{
	violate("%s", what);
	memset(g + R_VALID, 0, 16);
	answer(g, 2, reason);
}

/* Every valid bit must be one of `allowed`: stale bits mean no invalidation. */
static bool only_valid(const uint8_t *g, const unsigned int *allowed, unsigned int n)
{
	uint8_t want[16] = { 0 };

	for (unsigned int i = 0; i < n; i++)
		want[allowed[i] / 64] |= 1u << ((allowed[i] / 8) % 8);
	for (unsigned int i = 0; i < 16; i++) {
		uint8_t extra = g[R_VALID + i] & ~want[i];

		if (extra) {
			violate("stale valid bit(s) 0x%02x in byte %u of the bitmap (exit 0x%llx)",
				extra, i, (unsigned long long)g64(g, R_EXIT_CODE));
			return false;
		}
	}
	return true;
}

static bool scratch_ok(uint64_t gpa, uint64_t scratch, uint64_t len)
{
	return scratch >= gpa + R_SHARED && len <= R_SHARED_END - R_SHARED &&
	       scratch - gpa - R_SHARED <= R_SHARED_END - R_SHARED - len;
}

static void do_ioio(uint8_t *g, uint64_t gpa, uint64_t info1)
{
	bool in = info1 & 1, str = info1 & (1 << 2);
	unsigned int sz = (info1 >> 4) & 7, asz = (info1 >> 7) & 7, size;
	uint16_t port = (uint16_t)(info1 >> 16);
	const unsigned int allow_out[] = { R_EXIT_CODE, R_EXIT_INFO1, R_EXIT_INFO2, R_RAX };
	uint64_t v = 0;

	if (str) {
		bad_input(g, 5, "string I/O: the firmware never sends it");
		return;
	}
	if (sz != 1 && sz != 2 && sz != 4) {
		bad_input(g, 5, "IOIO: not exactly one operand-size bit");
		return;
	}
	size = sz == 1 ? 1 : sz == 2 ? 2 : 4;
	/* A 64-bit guest's address size is 64 (APM vol. 2, 15.10.2). */
	if (asz != 4)
		violate("IOIO: address-size bits 0x%x, a 64-bit guest gives A64", asz);
	if (info1 & (1 << 3))
		violate("IOIO: REP without a string instruction");
	if ((info1 >> 10) & 7)
		violate("IOIO: segment bits set without a string instruction");
	if (info1 & 0xffffffff00000002ULL)
		violate("IOIO: reserved bits set in 0x%llx", (unsigned long long)info1);
	if (!in && !valid(g, R_RAX)) {
		bad_input(g, 4, "OUT without RAX");
		return;
	}
	if (!only_valid(g, allow_out, in ? 3 : 4))
		return;
	resp.last.rax_in = valid(g, R_RAX) ? g64(g, R_RAX) : 0;
	memset(g + R_VALID, 0, 16);
	if (resp.fault == RESP_ERROR) {
		answer(g, 2, 5);
		return;
	}
	if (in) {
		memcpy(&v, resp.ports + port, size);
		if (resp.fault != RESP_FORGET_OUTPUT)
			put(g, R_RAX, JUNK | (0xa5a5a5a5u & ~((1ULL << (8 * size)) - 1)) | v);
	} else {
		uint64_t rax = resp.last.rax_in;

		if (size < 8 && rax >> (8 * size))
			violate("OUT of %u bytes: RAX 0x%llx has bits beyond them", size,
				(unsigned long long)rax);
		memcpy(resp.ports + port, &rax, size);
		resp.port_writes++;
	}
	answer(g, 0, 0);
	(void)gpa;
}

static void do_mmio(uint8_t *g, uint64_t gpa, bool write, uint64_t addr, uint64_t len)
{
	const unsigned int allow[] = { R_EXIT_CODE, R_EXIT_INFO1, R_EXIT_INFO2, R_SCRATCH };
	uint64_t scratch = g64(g, R_SCRATCH);

	if (!valid(g, R_SCRATCH)) {
		bad_input(g, 4, "MMIO without SW_SCRATCH");
		return;
	}
	/* GHCB v2: at most 8 bytes, and the data inside the GHCB's shared buffer. */
	if (!len || len > 8 || !scratch_ok(gpa, scratch, len)) {
		bad_input(g, 5, "MMIO: length or scratch area outside the shared buffer");
		return;
	}
	if (addr < R_MMIO_BASE || addr - R_MMIO_BASE > R_MMIO_SIZE - len) {
		bad_input(g, 5, "MMIO outside the fake device");
		return;
	}
	if (!only_valid(g, allow, 4))
		return;
	resp.last.scratch = scratch;
	memset(g + R_VALID, 0, 16);
	if (resp.fault == RESP_ERROR) {
		answer(g, 2, 5);
		return;
	}
	if (write)
		memcpy(resp.mmio + (addr - R_MMIO_BASE), g + (scratch - gpa), len);
	else
		memcpy(g + (scratch - gpa), resp.mmio + (addr - R_MMIO_BASE), len);
	answer(g, 0, 0);
}

static void do_cpuid(uint8_t *g)
{
	const unsigned int allow[] = {
		R_EXIT_CODE, R_EXIT_INFO1, R_EXIT_INFO2, R_RAX, R_RCX, R_XCR0
	};
	uint32_t leaf, sub;

	if (!valid(g, R_RAX) || !valid(g, R_RCX)) {
		bad_input(g, 4, "CPUID without RAX and RCX");
		return;
	}
	leaf = (uint32_t)g64(g, R_RAX);
	sub = (uint32_t)g64(g, R_RCX);
	/* KVM needs XCR0 for leaf 0xd only (sev_es_validate_vmgexit()). */
	if (leaf == 0xd && !valid(g, R_XCR0)) {
		bad_input(g, 4, "CPUID 0xd without XCR0");
		return;
	}
	if (!only_valid(g, allow, leaf == 0xd ? 6 : 5))
		return;
	resp.last.rax_in = leaf;
	resp.last.rcx_in = sub;
	resp.last.xcr0_in = leaf == 0xd ? g64(g, R_XCR0) : 0;
	memset(g + R_VALID, 0, 16);
	if (resp.fault == RESP_ERROR) {
		answer(g, 2, 5);
		return;
	}
	put(g, R_RAX, JUNK | resp_cpuid(leaf, sub, 0));
	put(g, R_RBX, JUNK | resp_cpuid(leaf, sub, 1));
	put(g, R_RCX, JUNK | resp_cpuid(leaf, sub, 2));
	if (resp.fault != RESP_FORGET_OUTPUT)
		put(g, R_RDX, JUNK | resp_cpuid(leaf, sub, 3));
	answer(g, 0, 0);
}

static void do_msr(uint8_t *g, uint64_t info1)
{
	const unsigned int allow[] = {
		R_EXIT_CODE, R_EXIT_INFO1, R_EXIT_INFO2, R_RCX, R_RAX, R_RDX
	};
	uint32_t idx;

	if (info1 > 1) {
		bad_input(g, 5, "MSR: SW_EXITINFO1 is neither 0 (read) nor 1 (write)");
		return;
	}
	if (!valid(g, R_RCX) || (info1 && (!valid(g, R_RAX) || !valid(g, R_RDX)))) {
		bad_input(g, 4, "MSR without RCX (and RAX, RDX for a write)");
		return;
	}
	if (!only_valid(g, allow, info1 ? 6 : 4))
		return;
	idx = (uint32_t)g64(g, R_RCX);
	resp.last.rcx_in = idx;
	resp.last.rax_in = info1 ? g64(g, R_RAX) : 0;
	resp.last.rdx_in = info1 ? g64(g, R_RDX) : 0;
	memset(g + R_VALID, 0, 16);
	if (resp.fault == RESP_ERROR) {
		answer(g, 2, 5);
		return;
	}
	if (idx != R_MSR_KNOWN) {
		/* #GP: EVENTINJ valid, type 3 (exception), error code valid in 63:32. */
		answer(g, 1,
		       (uint64_t)resp.gp_error << 32 | (1ULL << 31) | (3ULL << 8) | (1ULL << 11) |
			       13);
		return;
	}
	if (info1) {
		if ((resp.last.rax_in | resp.last.rdx_in) >> 32)
			violate("WRMSR: RAX or RDX has bits beyond 31");
		resp.efer = resp.last.rdx_in << 32 | (uint32_t)resp.last.rax_in;
	} else if (resp.fault != RESP_FORGET_OUTPUT) {
		put(g, R_RAX, JUNK | (uint32_t)resp.efer);
		put(g, R_RDX, JUNK | resp.efer >> 32);
	}
	answer(g, 0, 0);
}

static void do_rdtsc(uint8_t *g, bool rdtscp)
{
	const unsigned int allow[] = { R_EXIT_CODE, R_EXIT_INFO1, R_EXIT_INFO2 };

	if (!only_valid(g, allow, 3))
		return;
	memset(g + R_VALID, 0, 16);
	put(g, R_RAX, (uint32_t)resp.tsc);
	put(g, R_RDX, resp.tsc >> 32);
	if (rdtscp)
		put(g, R_RCX, 7);
	answer(g, 0, 0);
}

static void page_protocol(uint64_t gpa)
{
	uint8_t *g = page_of(gpa);
	uint64_t code, info1, info2;
	uint32_t usage;
	uint16_t version;

	resp.page_exits++;
	if (gpa & 0xfff || (gpa >> resp.cbit) & 1 || !g) {
		violate("GHCB MSR 0x%llx: not one of the shared GHCB pages",
			(unsigned long long)gpa);
		return;
	}
	memcpy(&usage, g + R_USAGE, 4);
	memcpy(&version, g + R_VERSION, 2);
	code = g64(g, R_EXIT_CODE);
	info1 = g64(g, R_EXIT_INFO1);
	info2 = g64(g, R_EXIT_INFO2);
	resp.last = (struct resp_request){
		.page = true,
		.msr = gpa,
		.code = code,
		.info1 = info1,
		.info2 = info2,
		.version = version,
	};
	memcpy(resp.last.valid, g + R_VALID, 16);
	if (resp.fault == RESP_IGNORE)
		return;
	if (usage) {
		bad_input(g, 2, "GHCB usage is not 0"); /* GHCB_ERR_INVALID_USAGE */
		return;
	}
	if (version != resp.expect_version)
		violate("GHCB protocol_version %u, the negotiated version is %u", version,
			resp.expect_version);
	if (!valid(g, R_EXIT_CODE) || !valid(g, R_EXIT_INFO1) || !valid(g, R_EXIT_INFO2)) {
		bad_input(g, 4, "SW_EXITCODE, SW_EXITINFO1 or SW_EXITINFO2 not marked valid");
		return;
	}
	if (resp.fault == RESP_INJECT_UD) {
		memset(g + R_VALID, 0, 16);
		answer(g, 1, (1ULL << 31) | (3ULL << 8) | 6);
		return;
	}
	if (resp.fault == RESP_INJECT_PF) {
		memset(g + R_VALID, 0, 16);
		answer(g, 1, 2ULL << 32 | (1ULL << 31) | (3ULL << 8) | (1ULL << 11) | 14);
		return;
	}
	switch (code) {
	case 0x7b:
		do_ioio(g, gpa, info1);
		break;
	case 0x80000001:
	case 0x80000002:
		do_mmio(g, gpa, code == 0x80000002, info1, info2);
		break;
	case 0x72:
		do_cpuid(g);
		break;
	case 0x7c:
		do_msr(g, info1);
		break;
	case 0x6e:
	case 0x87:
		do_rdtsc(g, code == 0x87);
		break;
	case 0x8000fffe: /* termination: SW_EXITINFO1 3:0 set, 11:4 code */
		resp.terminated = true;
		resp.term_nae = true;
		resp.term_set = info1 & 0xf;
		resp.term_code = (info1 >> 4) & 0xff;
		break;
	default:
		bad_input(g, 6, "unknown exit code"); /* GHCB_ERR_INVALID_EVENT */
		break;
	}
}

/* ---- The CPU ---- */

uint64_t ghcb_hw_rdmsr(void)
{
	return resp.msr;
}

void ghcb_hw_wrmsr_vmgexit(uint64_t val)
{
	resp.msr = val;
	resp.exits++;
	if (val & 0xfff) {
		resp.last = (struct resp_request){ .msr = val };
		if (resp.fault != RESP_IGNORE)
			msr_protocol();
	} else {
		page_protocol(val);
	}
	resp.fault = RESP_OK;
}
