// SPDX-License-Identifier: MIT
/*
 * The firmware's GHCB encoding (firmware/ghcb.c, built for the host)
 * against the responder written from the GHCB specification: MSR
 * protocol (SEV information and version negotiation, CPUID, termination)
 * and page protocol (IOIO, MMIO, CPUID, MSR, RDTSC, termination), with
 * the hypervisor's errors, injected exceptions and missing outputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ghcb.h"
#include "ghcb_responder.h"

#define GHCB_GPA 0x410000ULL

static uint8_t page[4096] __attribute__((aligned(4096)));
static struct ghcb_cpu cpu;

static int setup(void **state)
{
	resp_reset();
	memset(page, 0xee, sizeof(page)); /* shared memory holds anything */
	resp_map(0, GHCB_GPA, page);
	cpu = (struct ghcb_cpu){ .page = (struct ghcb *)page, .gpa = GHCB_GPA };
	ghcb_version = 2;
	return 0;
}

/* The layout the firmware uses is the one the specification has. */
static void test_layout(void **state)
{
	assert_int_equal(offsetof(struct ghcb, save.cpl), R_CPL);
	assert_int_equal(offsetof(struct ghcb, save.rax), R_RAX);
	assert_int_equal(offsetof(struct ghcb, save.rcx), R_RCX);
	assert_int_equal(offsetof(struct ghcb, save.rdx), R_RDX);
	assert_int_equal(offsetof(struct ghcb, save.rbx), R_RBX);
	assert_int_equal(offsetof(struct ghcb, save.sw_exit_code), R_EXIT_CODE);
	assert_int_equal(offsetof(struct ghcb, save.sw_exit_info1), R_EXIT_INFO1);
	assert_int_equal(offsetof(struct ghcb, save.sw_exit_info2), R_EXIT_INFO2);
	assert_int_equal(offsetof(struct ghcb, save.sw_scratch), R_SCRATCH);
	assert_int_equal(offsetof(struct ghcb, save.xcr0), R_XCR0);
	assert_int_equal(offsetof(struct ghcb, save.valid_bitmap), R_VALID);
	assert_int_equal(offsetof(struct ghcb, shared), R_SHARED);
	assert_int_equal(offsetof(struct ghcb, protocol_version), R_VERSION);
	assert_int_equal(offsetof(struct ghcb, usage), R_USAGE);
	/* Valid-bitmap bit numbers as OVMF's GHCB_REGISTER enumerates them. */
	assert_int_equal(GHCB_FIELD_BIT(rax), 63);
	assert_int_equal(GHCB_FIELD_BIT(rcx), 97);
	assert_int_equal(GHCB_FIELD_BIT(xcr0), 125);
}

/* ---- MSR protocol ---- */

static void test_negotiate(void **state)
{
	uint16_t min, max;
	unsigned int cbit;

	ghcb_version = 0;
	assert_int_equal(ghcb_msr_negotiate(&min, &max, &cbit), GHCB_OK);
	assert_int_equal(resp.last.msr, 0x002);
	assert_int_equal(min, 1);
	assert_int_equal(max, 2);
	assert_int_equal(cbit, 47);
	assert_int_equal(ghcb_version, 2);

	/* A v1-only hypervisor (legacy KVM_SEV_ES_INIT): version 1. */
	resp.ver_max = 1;
	resp.cbit = 51;
	assert_int_equal(ghcb_msr_negotiate(&min, &max, &cbit), GHCB_OK);
	assert_int_equal(ghcb_version, 1);
	assert_int_equal(cbit, 51);

	/* A hypervisor speaking 1-5 gets our highest, 2. */
	resp.ver_max = 5;
	assert_int_equal(ghcb_msr_negotiate(&min, &max, &cbit), GHCB_OK);
	assert_int_equal(ghcb_version, 2);
	assert_null(resp.violation);
}

static void test_negotiate_refused(void **state)
{
	uint16_t min, max;
	unsigned int cbit;

	/* Ranges that do not meet (spec 2.2): terminate, reason set 0 code 1. */
	resp.ver_min = 3;
	resp.ver_max = 4;
	assert_int_equal(ghcb_msr_negotiate(&min, &max, &cbit), GHCB_E_PROTOCOL);
	resp.ver_min = 0;
	resp.ver_max = 0;
	assert_int_equal(ghcb_msr_negotiate(&min, &max, &cbit), GHCB_E_PROTOCOL);
	resp.ver_min = 2;
	resp.ver_max = 1;
	assert_int_equal(ghcb_msr_negotiate(&min, &max, &cbit), GHCB_E_PROTOCOL);
	/* A hypervisor that answers with another response code. */
	resp.ver_min = 1;
	resp.ver_max = 2;
	resp.fault = RESP_BAD_MSR_CODE;
	assert_int_equal(ghcb_msr_negotiate(&min, &max, &cbit), GHCB_E_PROTOCOL);
	/* One that ignores the request leaves the MSR as written. */
	resp.fault = RESP_IGNORE;
	assert_int_equal(ghcb_msr_negotiate(&min, &max, &cbit), GHCB_E_PROTOCOL);
}

static void test_msr_cpuid(void **state)
{
	struct cpuid_regs r;
	uint32_t v;

	assert_int_equal(ghcb_msr_cpuid(0x8000001f, &r), GHCB_OK);
	assert_int_equal(r.eax, resp_cpuid(0x8000001f, 0, 0));
	assert_int_equal(r.ebx, resp_cpuid(0x8000001f, 0, 1));
	assert_int_equal(r.ecx, resp_cpuid(0x8000001f, 0, 2));
	assert_int_equal(r.edx, resp_cpuid(0x8000001f, 0, 3));
	/* The request: 0x004, register in 31:30, function in 63:32. */
	assert_int_equal(resp.last.msr, 0x004 | 3ULL << 30 | 0x8000001fULL << 32);
	assert_int_equal(resp.exits, 4);

	assert_int_equal(ghcb_msr_cpuid_reg(1, 4, &v), GHCB_E_INVAL);
	assert_int_equal(resp.exits, 4);
	resp.fault = RESP_BAD_MSR_CODE;
	assert_int_equal(ghcb_msr_cpuid_reg(1, 0, &v), GHCB_E_PROTOCOL);
	assert_null(resp.violation);
}

static void test_msr_terminate(void **state)
{
	ghcb_msr_terminate(1, 0x42);
	assert_true(resp.terminated);
	assert_false(resp.term_nae);
	assert_int_equal(resp.term_set, 1);
	assert_int_equal(resp.term_code, 0x42);
	/* The raw value KVM hands the VMM in KVM_SYSTEM_EVENT_SEV_TERM data[0]. */
	assert_int_equal(resp.last.msr, 0x100 | 1 << 12 | 0x42 << 16);
	/* Out-of-range arguments do not spill into other fields. */
	ghcb_msr_terminate(0x1f, 0x1ff);
	assert_int_equal(resp.term_set, 0xf);
	assert_int_equal(resp.term_code, 0xff);
	assert_null(resp.violation);
}

/* ---- Page protocol ---- */

static void test_ioio_out(void **state)
{
	static const struct {
		unsigned int size;
		uint64_t sz_bit;
	} cases[] = { { 1, 1 << 4 }, { 2, 1 << 5 }, { 4, 1 << 6 } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t v = 0x89abcdef;
		uint32_t got = 0;

		memset(resp.ports, 0, sizeof(resp.ports));
		assert_int_equal(ghcb_ioio(&cpu, 0x504, cases[i].size, false, &v), GHCB_OK);
		/* APM vol. 2, 15.10.2: port 31:16, size bit, A64 (bit 9), OUT. */
		assert_int_equal(resp.last.info1, 0x504ULL << 16 | cases[i].sz_bit | 1 << 9);
		assert_int_equal(resp.last.code, 0x7b);
		assert_int_equal(resp.last.info2, 0);
		assert_int_equal(resp.last.version, 2);
		memcpy(&got, resp.ports + 0x504, 4);
		assert_int_equal(got, 0x89abcdef & (cases[i].size == 4 ?
							    ~0u :
							    (1u << (8 * cases[i].size)) - 1));
		assert_int_equal(resp.last.msr, GHCB_GPA);
	}
	assert_null(resp.violation);
}

static void test_ioio_in(void **state)
{
	uint32_t v;

	memcpy(resp.ports + 0x60, "\x11\x22\x33\x44", 4);
	for (unsigned int size = 1; size <= 4; size *= 2) {
		v = 0xffffffff;
		assert_int_equal(ghcb_ioio(&cpu, 0x60, size, true, &v), GHCB_OK);
		assert_int_equal(resp.last.info1 & 1, 1);
		/* Only the bytes IN reads, not the junk the hypervisor left above. */
		assert_int_equal(v, 0x44332211u & (size == 4 ? ~0u : (1u << (8 * size)) - 1));
	}
	assert_int_equal(ghcb_ioio(&cpu, 0x60, 3, true, &v), GHCB_E_INVAL);
	assert_int_equal(ghcb_ioio(&cpu, 0x60, 8, false, &v), GHCB_E_INVAL);
	assert_int_equal(resp.page_exits, 3);
	assert_null(resp.violation);
}

static void test_mmio(void **state)
{
	static const uint64_t pattern = 0x0123456789abcdefULL;

	for (unsigned int size = 1; size <= 8; size *= 2) {
		uint64_t v = pattern, back = 0;
		uint64_t gpa = R_MMIO_BASE + 0x100 + size * 8;

		assert_int_equal(ghcb_mmio(&cpu, gpa, size, true, &v), GHCB_OK);
		assert_int_equal(resp.last.code, 0x80000002);
		assert_int_equal(resp.last.info1, gpa);
		assert_int_equal(resp.last.info2, size);
		/* The data travels in the GHCB's own shared buffer (GHCB v2). */
		assert_int_equal(resp.last.scratch, GHCB_GPA + 0x800);
		assert_memory_equal(resp.mmio + 0x100 + size * 8, &pattern, size);

		assert_int_equal(ghcb_mmio(&cpu, gpa, size, false, &back), GHCB_OK);
		assert_int_equal(resp.last.code, 0x80000001);
		assert_int_equal(back, size == 8 ? pattern : pattern & ((1ULL << (8 * size)) - 1));
	}
	assert_int_equal(ghcb_mmio(&cpu, R_MMIO_BASE, 0, false, NULL), GHCB_E_INVAL);
	assert_int_equal(ghcb_mmio(&cpu, R_MMIO_BASE, 16, false, NULL), GHCB_E_INVAL);
	assert_null(resp.violation);
}

static void test_cpuid(void **state)
{
	struct cpuid_regs r;

	assert_int_equal(ghcb_cpuid(&cpu, 0x80000000, 0, 1, &r), GHCB_OK);
	assert_int_equal(resp.last.code, 0x72);
	assert_int_equal(r.eax, resp_cpuid(0x80000000, 0, 0));
	assert_int_equal(r.edx, resp_cpuid(0x80000000, 0, 3));
	/* Leaf 0xd takes XCR0 along; the responder refuses it without. */
	assert_int_equal(ghcb_cpuid(&cpu, 0xd, 1, 0x7, &r), GHCB_OK);
	assert_int_equal(resp.last.xcr0_in, 7);
	assert_int_equal(resp.last.rcx_in, 1);
	assert_int_equal(r.ebx, resp_cpuid(0xd, 1, 1));
	assert_null(resp.violation);
}

static void test_msr(void **state)
{
	uint64_t v = 0;

	assert_int_equal(ghcb_rdmsr(&cpu, 0xc0000080, &v), GHCB_OK);
	assert_int_equal(resp.last.info1, 0);
	assert_int_equal(v, 0xd01);
	assert_int_equal(ghcb_wrmsr(&cpu, 0xc0000080, 0x100000d01ULL), GHCB_OK);
	assert_int_equal(resp.last.info1, 1);
	assert_int_equal(resp.efer, 0x100000d01ULL);
	assert_int_equal(ghcb_rdmsr(&cpu, 0xc0000080, &v), GHCB_OK);
	assert_int_equal(v, 0x100000d01ULL);

	/* An MSR the hypervisor does not know: it asks for #GP(0). */
	assert_int_equal(ghcb_rdmsr(&cpu, 0x12345678, &v), GHCB_E_EXCEPTION);
	assert_int_equal(EVENTINJ_VECTOR(ghcb_event(&cpu)), 13);
	assert_int_equal(EVENTINJ_TYPE(ghcb_event(&cpu)), EVENTINJ_TYPE_EXCEPTION);
	assert_true(ghcb_event(&cpu) & EVENTINJ_EV);
	assert_int_equal(cpu.fail_code, 0x7c);
	assert_null(resp.violation);
}

static void test_rdtsc(void **state)
{
	uint64_t tsc;
	uint32_t aux = 0;

	assert_int_equal(ghcb_rdtsc(&cpu, false, &tsc, NULL), GHCB_OK);
	assert_int_equal(resp.last.code, 0x6e);
	assert_int_equal(tsc, resp.tsc);
	assert_int_equal(ghcb_rdtsc(&cpu, true, &tsc, &aux), GHCB_OK);
	assert_int_equal(resp.last.code, 0x87);
	assert_int_equal(aux, 7);
	assert_null(resp.violation);
}

static void test_terminate_nae(void **state)
{
	ghcb_terminate(&cpu, 1, 0x43);
	assert_true(resp.terminated);
	assert_true(resp.term_nae);
	assert_int_equal(resp.term_set, 1);
	assert_int_equal(resp.term_code, 0x43);
	assert_int_equal(resp.last.info1, 1 | 0x43 << 4);
	assert_null(resp.violation);
}

/* Every request starts from a clean bitmap: the responder sees no stale bits. */
static void test_no_stale_valid_bits(void **state)
{
	struct cpuid_regs r;
	uint64_t v = 1;
	uint32_t p = 1;

	assert_int_equal(ghcb_cpuid(&cpu, 0xd, 0, 1, &r), GHCB_OK); /* sets XCR0 */
	assert_int_equal(ghcb_mmio(&cpu, R_MMIO_BASE, 4, true, &v), GHCB_OK); /* scratch */
	assert_int_equal(ghcb_wrmsr(&cpu, 0xc0000080, 0xd01), GHCB_OK); /* RAX, RCX, RDX */
	assert_int_equal(ghcb_ioio(&cpu, 0x70, 1, true, &p), GHCB_OK); /* no inputs */
	assert_int_equal(ghcb_rdtsc(&cpu, false, &v, NULL), GHCB_OK);
	assert_null(resp.violation);
	/* The IN request carried exactly exit code, SW_EXITINFO1 and 2. */
	memset(page + R_VALID, 0xff, 16);
	assert_int_equal(ghcb_ioio(&cpu, 0x70, 1, true, &p), GHCB_OK);
	for (unsigned int i = 0; i < 16; i++)
		assert_int_equal(resp.last.valid[i], i == 14 ? 0x1c : 0); /* bits 114-116 */
	assert_null(resp.violation);
}

static void test_hv_errors(void **state)
{
	struct cpuid_regs r;
	uint64_t v;
	uint32_t p = 0;

	resp.fault = RESP_ERROR;
	assert_int_equal(ghcb_ioio(&cpu, 0x70, 1, true, &p), GHCB_E_HV);
	assert_int_equal(cpu.fail_info1, 2);
	assert_int_equal(cpu.fail_info2, 5);
	assert_string_equal(ghcb_err_name(cpu.fail_info2), "INVALID_INPUT");

	resp.fault = RESP_FORGET_OUTPUT;
	assert_int_equal(ghcb_ioio(&cpu, 0x70, 1, true, &p), GHCB_E_OUTPUT);
	resp.fault = RESP_FORGET_OUTPUT;
	assert_int_equal(ghcb_cpuid(&cpu, 1, 0, 1, &r), GHCB_E_OUTPUT);
	resp.fault = RESP_FORGET_OUTPUT;
	assert_int_equal(ghcb_rdmsr(&cpu, 0xc0000080, &v), GHCB_E_OUTPUT);

	resp.fault = RESP_INJECT_UD;
	assert_int_equal(ghcb_cpuid(&cpu, 1, 0, 1, &r), GHCB_E_EXCEPTION);
	assert_int_equal(EVENTINJ_VECTOR(ghcb_event(&cpu)), 6);

	/*
	 * A hypervisor that drops the request leaves the page as we wrote
	 * it: an IOIO's SW_EXITINFO1 (the port and size) reads as an error,
	 * a CPUID's (0) as success without results.  Neither passes.
	 */
	resp.fault = RESP_IGNORE;
	assert_int_equal(ghcb_ioio(&cpu, 0x70, 1, true, &p), GHCB_E_HV);
	resp.fault = RESP_IGNORE;
	assert_int_equal(ghcb_cpuid(&cpu, 1, 0, 1, &r), GHCB_E_OUTPUT);
	assert_null(resp.violation);
}

/* GHCB v1 (legacy KVM_SEV_ES_INIT): the page says version 1. */
static void test_version1(void **state)
{
	uint32_t p = 5;

	ghcb_version = 1;
	resp.expect_version = 1;
	assert_int_equal(ghcb_ioio(&cpu, 0x80, 1, false, &p), GHCB_OK);
	assert_int_equal(resp.last.version, 1);
	assert_null(resp.violation);
}

/* A responder that is not fooled: a stale bit is caught (tests the tests). */
static void test_responder_catches_stale_bits(void **state)
{
	uint8_t *g = page;

	memset(g + R_VALID, 0, 16);
	g[R_VALID + R_SCRATCH / 64] |= 1u << ((R_SCRATCH / 8) % 8);
	g[R_VALID + R_EXIT_CODE / 64] |= 0x7;
	memcpy(g + R_EXIT_CODE, &(uint64_t){ 0x6e }, 8);
	memcpy(g + R_EXIT_INFO1, &(uint64_t){ 0 }, 8);
	memcpy(g + R_EXIT_INFO2, &(uint64_t){ 0 }, 8);
	memcpy(g + R_VERSION, &(uint16_t){ 2 }, 2);
	memcpy(g + R_USAGE, &(uint32_t){ 0 }, 4);
	ghcb_hw_wrmsr_vmgexit(GHCB_GPA);
	assert_non_null(resp.violation);
	resp.violation = NULL;
	/* And a GHCB MSR that is not a registered page. */
	ghcb_hw_wrmsr_vmgexit(GHCB_GPA + 0x1000);
	assert_non_null(resp.violation);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_layout, setup),
		cmocka_unit_test_setup(test_negotiate, setup),
		cmocka_unit_test_setup(test_negotiate_refused, setup),
		cmocka_unit_test_setup(test_msr_cpuid, setup),
		cmocka_unit_test_setup(test_msr_terminate, setup),
		cmocka_unit_test_setup(test_ioio_out, setup),
		cmocka_unit_test_setup(test_ioio_in, setup),
		cmocka_unit_test_setup(test_mmio, setup),
		cmocka_unit_test_setup(test_cpuid, setup),
		cmocka_unit_test_setup(test_msr, setup),
		cmocka_unit_test_setup(test_rdtsc, setup),
		cmocka_unit_test_setup(test_terminate_nae, setup),
		cmocka_unit_test_setup(test_no_stale_valid_bits, setup),
		cmocka_unit_test_setup(test_hv_errors, setup),
		cmocka_unit_test_setup(test_version1, setup),
		cmocka_unit_test_setup(test_responder_catches_stale_bits, setup),
	};

	return cmocka_run_group_tests_name("firmware GHCB encoding", tests, NULL, NULL);
}
