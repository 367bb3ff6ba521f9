// SPDX-License-Identifier: MIT
/*
 * The #VC decoder and handler (firmware/vc.c, built for the host), fed
 * instruction bytes and served by the GHCB responder.  The instructions
 * are encoded by the assembler, not by hand, so the test does not share
 * the decoder's idea of the encoding: every form vc.h claims, the forms a
 * compiler emits for firmware/io.c's MMIO accessors among them, and the
 * ones it must refuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vc.h"
#include "ghcb_responder.h"

#define GHCB_GPA 0x410000ULL
#define PRIVATE_BIT (1ULL << 47)

/*
 * INSN(name, "text"): the assembler's bytes for `text` between name and
 * name_end, in a data section (never executed).
 */
#define INSN(name, text)                                                                    \
	__asm__(".pushsection .rodata.vc_insns, \"a\"\n"                                    \
		".globl " #name ", " #name "_end\n" #name ":\n\t" text "\n" #name "_end:\n" \
		".popsection");                                                             \
	extern const uint8_t name[], name##_end[]

INSN(i_cpuid, "cpuid");
INSN(i_rdmsr, "rdmsr");
INSN(i_wrmsr, "wrmsr");
INSN(i_rdtsc, "rdtsc");
INSN(i_rdtscp, "rdtscp");
INSN(i_in_al_imm, "inb $0x71, %al");
INSN(i_in_ax_imm, "inw $0x71, %ax");
INSN(i_in_eax_imm, "inl $0x71, %eax");
INSN(i_in_al_dx, "inb %dx, %al");
INSN(i_in_ax_dx, "inw %dx, %ax");
INSN(i_in_eax_dx, "inl %dx, %eax");
INSN(i_out_imm_al, "outb %al, $0x80");
INSN(i_out_imm_ax, "outw %ax, $0x80");
INSN(i_out_imm_eax, "outl %eax, $0x80");
INSN(i_out_dx_al, "outb %al, %dx");
INSN(i_out_dx_ax, "outw %ax, %dx");
INSN(i_out_dx_eax, "outl %eax, %dx");
INSN(i_in_ds_prefix, "ds; inb %dx, %al");

/* MMIO forms through (%rdi) = R_MMIO_BASE + 0x40. */
INSN(m_ld8_al, "movb (%rdi), %al");
INSN(m_ld8_ah, "movb (%rdi), %ah");
INSN(m_ld8_sil, "movb (%rdi), %sil");
INSN(m_ld8_r9b, "movb (%rdi), %r9b");
INSN(m_ld16_ax, "movw (%rdi), %ax");
INSN(m_ld32_eax, "movl (%rdi), %eax");
INSN(m_ld32_r10d, "movl (%rdi), %r10d");
INSN(m_ld64_rax, "movq (%rdi), %rax");
INSN(m_ld64_r15, "movq (%rdi), %r15");
INSN(m_st8_al, "movb %al, (%rdi)");
INSN(m_st8_bh, "movb %bh, (%rdi)");
INSN(m_st8_dil, "movb %dil, (%rdi)");
INSN(m_st16_cx, "movw %cx, (%rdi)");
INSN(m_st32_edx, "movl %edx, (%rdi)");
INSN(m_st64_r11, "movq %r11, (%rdi)");
INSN(m_st8_imm, "movb $0x5a, (%rdi)");
INSN(m_st16_imm, "movw $0x1234, (%rdi)");
INSN(m_st32_imm, "movl $0x89abcdef, (%rdi)");
INSN(m_st64_imm, "movq $-2, (%rdi)");
INSN(m_movzbl, "movzbl (%rdi), %eax");
INSN(m_movzbw, "movzbw (%rdi), %ax");
INSN(m_movzwq, "movzwq (%rdi), %rax");
INSN(m_movsbq, "movsbq (%rdi), %rax");
INSN(m_movswl, "movswl (%rdi), %ecx");
INSN(m_ds_ld32, "movl %ds:(%rdi), %eax");
INSN(m_movsbw, "movsbw (%rdi), %ax"); /* 66 0f be */
INSN(m_movzbl_r9d, "movzbl (%rdi), %r9d"); /* REX.R */
INSN(m_movswq_r10, "movswq (%rdi), %r10"); /* REX.W|R */

/* Addressing forms (decode only; register n holds 0x1000 * (n + 1)). */
INSN(a_rax, "movl (%rax), %ecx");
INSN(a_rsp, "movl (%rsp), %ecx");
INSN(a_rbp, "movl (%rbp), %ecx");
INSN(a_r12, "movl (%r12), %ecx");
INSN(a_r13, "movl (%r13), %ecx");
INSN(a_disp8, "movl -8(%rbp), %ecx");
INSN(a_disp32, "movl 0x12345(%rsi), %ecx");
INSN(a_sib, "movl (%rax,%rcx,4), %edx");
INSN(a_sib_disp8, "movl 0x10(%rbx,%rdx,2), %ecx");
INSN(a_sib_r, "movl 0x100(%r8,%r9,8), %ecx");
INSN(a_sib_nobase, "movl 0x12345678(,%rsi,8), %ecx");
INSN(a_sib_noindex, "movl 4(%rsp), %ecx");
INSN(a_abs32, "movl 0x7000, %ecx");
INSN(a_riprel, "movl 0x40(%rip), %ecx");
INSN(a_riprel_imm, "movl $7, -0x20(%rip)");
INSN(a_sib_x_r12, "movl (%rax,%r12,2), %ecx"); /* REX.X: R12 is an index */
INSN(a_sib_b_r13, "movl (%r13,%rcx,1), %ecx"); /* base R13 needs mod 1 */
INSN(a_disp32_neg, "movl -0x12345(%rsi), %ecx");
/* mod 0, SIB base 101 with REX.B: still no base, disp32 (not R13). */
INSN(a_sib_nobase_rexb, ".byte 0x41, 0x8b, 0x0c, 0x25, 0x00, 0x70, 0x00, 0x00");

/* Forms the handler must refuse. */
INSN(b_outsb, "outsb");
INSN(b_rep_insb, "rep insb");
INSN(b_lock_add, "lock addl $1, (%rdi)");
INSN(b_fs, "movl %fs:(%rdi), %eax");
INSN(b_addr32, "movl (%edi), %eax");
INSN(b_add, "addl (%rdi), %eax");
INSN(b_regreg, "movl %eax, %ecx");
INSN(b_xgetbv, "xgetbv");
INSN(b_rep_movs, "rep movsb");

static uint8_t page[4096] __attribute__((aligned(4096)));
static struct ghcb_cpu cpu;
static struct exc_frame f;

bool vc_translate(uint64_t va, uint64_t *gpa)
{
	if (va & PRIVATE_BIT)
		return false; /* the test's stand-in for a C-bit mapping */
	*gpa = va;
	return true;
}

static int setup(void **state)
{
	resp_reset();
	memset(page, 0, sizeof(page));
	resp_map(0, GHCB_GPA, page);
	cpu = (struct ghcb_cpu){ .page = (struct ghcb *)page, .gpa = GHCB_GPA };
	ghcb_version = 2;
	memset(&f, 0, sizeof(f));
	vc_count[0] = 0;
	return 0;
}

/* Instruction bytes, padded with int3 the way the next instruction would follow. */
static uint8_t code[32];

static unsigned int load(const uint8_t *start, const uint8_t *end, uint64_t exit_code)
{
	unsigned int len = (unsigned int)(end - start);

	assert_true(len <= VC_INSN_MAX);
	memset(code, 0xcc, sizeof(code));
	memcpy(code, start, len);
	f.rip = (uint64_t)(uintptr_t)code;
	f.error = exit_code;
	f.vector = 29;
	return len;
}

/* Serve one #VC and check that RIP stepped over exactly the instruction. */
#define serve(name, exit_code)                                                                    \
	do {                                                                                      \
		unsigned int __len = load(name, name##_end, exit_code);                           \
		struct vc_fail __fail;                                                            \
		enum vc_result __r = vc_handle(&f, &cpu, &__fail);                                \
		if (__r != VC_DONE)                                                               \
			fail_msg("%s: result %d: %s", #name, __r, __fail.why ? __fail.why : "-"); \
		assert_int_equal(f.rip, (uint64_t)(uintptr_t)code + __len);                       \
		assert_null(resp.violation);                                                      \
	} while (0)

static enum vc_result refuse(const uint8_t *start, const uint8_t *end, uint64_t exit_code,
			     struct ghcb_cpu *c, struct vc_fail *fail)
{
	enum vc_result r;

	load(start, end, exit_code);
	r = vc_handle(&f, c, fail);
	assert_int_equal(f.rip, (uint64_t)(uintptr_t)code); /* not stepped over */
	return r;
}

/* ---- CPUID, MSRs, TSC ---- */

static void test_cpuid(void **state)
{
	f.rax = 0xffffffff8000001fULL; /* upper half ignored, as the CPU does */
	f.rcx = 0;
	f.rbx = f.rdx = ~0ULL;
	serve(i_cpuid, SVM_EXIT_CPUID);
	assert_int_equal(resp.last.rax_in, 0x8000001f);
	/* 32-bit results zero-extend into the whole registers. */
	assert_int_equal(f.rax, resp_cpuid(0x8000001f, 0, 0));
	assert_int_equal(f.rbx, resp_cpuid(0x8000001f, 0, 1));
	assert_int_equal(f.rcx, resp_cpuid(0x8000001f, 0, 2));
	assert_int_equal(f.rdx, resp_cpuid(0x8000001f, 0, 3));
	assert_int_equal(vc_count[0], 1);
}

static void test_cpuid_leaf_d(void **state)
{
	f.rax = 0xd;
	f.rcx = 1;
	serve(i_cpuid, SVM_EXIT_CPUID);
	assert_int_equal(resp.last.xcr0_in, 1); /* x87 only: CR4.OSXSAVE is clear */
	assert_int_equal(f.rbx, resp_cpuid(0xd, 1, 1));
}

/* Before the GHCB pages exist: CPUID through the MSR protocol. */
static void test_cpuid_no_page(void **state)
{
	struct vc_fail fail;

	load(i_cpuid, i_cpuid_end, SVM_EXIT_CPUID);
	f.rax = 0x80000000;
	assert_int_equal(vc_handle(&f, NULL, &fail), VC_DONE);
	assert_int_equal(f.rax, resp_cpuid(0x80000000, 0, 0));
	assert_int_equal(f.rdx, resp_cpuid(0x80000000, 0, 3));
	assert_int_equal(resp.page_exits, 0);
	assert_int_equal(resp.exits, 4);
	/* Anything else needs the page. */
	assert_int_equal(refuse(i_in_al_dx, i_in_al_dx_end, SVM_EXIT_IOIO, NULL, &fail), VC_FAIL);
	assert_non_null(strstr(fail.why, "no GHCB page"));
	/* The MSR protocol has no subleaf: leaf 7 subleaf 1 is refused ... */
	f.rax = 7;
	f.rcx = 1;
	assert_int_equal(refuse(i_cpuid, i_cpuid_end, SVM_EXIT_CPUID, NULL, &fail), VC_FAIL);
	assert_non_null(strstr(fail.why, "subleaf"));
	/* ... and so is leaf 0xd, which depends on XCR0 ... */
	f.rax = 0xd;
	f.rcx = 0;
	assert_int_equal(refuse(i_cpuid, i_cpuid_end, SVM_EXIT_CPUID, NULL, &fail), VC_FAIL);
	/* ... while a leaf without subleaves ignores ECX, as CPUID does. */
	f.rax = 0x80000000;
	f.rcx = 5;
	load(i_cpuid, i_cpuid_end, SVM_EXIT_CPUID);
	assert_int_equal(vc_handle(&f, NULL, &fail), VC_DONE);
	assert_int_equal(f.rax, resp_cpuid(0x80000000, 0, 0));
}

static void test_msr(void **state)
{
	f.rcx = 0xc0000080;
	f.rax = f.rdx = ~0ULL;
	serve(i_rdmsr, SVM_EXIT_MSR);
	assert_int_equal(f.rax, 0xd01);
	assert_int_equal(f.rdx, 0);

	f.rax = 0xffffffff00000d01ULL; /* WRMSR takes EAX and EDX only */
	f.rdx = 0xffffffff00000001ULL;
	serve(i_wrmsr, SVM_EXIT_MSR);
	assert_int_equal(resp.efer, 0x100000d01ULL);
}

/* The hypervisor answers an unknown MSR with #GP: raised at the RDMSR. */
static void test_msr_gp(void **state)
{
	struct vc_fail fail;

	f.rcx = 0x1234;
	assert_int_equal(refuse(i_rdmsr, i_rdmsr_end, SVM_EXIT_MSR, &cpu, &fail), VC_RAISE);
	assert_int_equal(f.vector, 13);
	assert_int_equal(f.error, 0);
	/* The error code comes from EVENTINJ bits 63:32. */
	resp.gp_error = 0x18;
	assert_int_equal(refuse(i_rdmsr, i_rdmsr_end, SVM_EXIT_MSR, &cpu, &fail), VC_RAISE);
	assert_int_equal(f.vector, 13);
	assert_int_equal(f.error, 0x18);
}

static void test_rdtsc(void **state)
{
	serve(i_rdtsc, SVM_EXIT_RDTSC);
	assert_int_equal(f.rax, (uint32_t)resp.tsc);
	assert_int_equal(f.rdx, resp.tsc >> 32);
	serve(i_rdtscp, SVM_EXIT_RDTSCP);
	assert_int_equal(f.rcx, 7);
}

/* ---- Port I/O ---- */

static void test_in(void **state)
{
	static const struct {
		const uint8_t *s, *e;
		unsigned int size;
		bool dx;
	} cases[] = {
		{ i_in_al_imm, i_in_al_imm_end, 1, false },
		{ i_in_ax_imm, i_in_ax_imm_end, 2, false },
		{ i_in_eax_imm, i_in_eax_imm_end, 4, false },
		{ i_in_al_dx, i_in_al_dx_end, 1, true },
		{ i_in_ax_dx, i_in_ax_dx_end, 2, true },
		{ i_in_eax_dx, i_in_eax_dx_end, 4, true },
		{ i_in_ds_prefix, i_in_ds_prefix_end, 1, true },
	};
	const uint64_t before = 0x1122334455667788ULL;

	memcpy(resp.ports + 0x71, "\xa1\xb2\xc3\xd4", 4);
	memcpy(resp.ports + 0x3f8, "\xa1\xb2\xc3\xd4", 4);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int len = load(cases[i].s, cases[i].e, SVM_EXIT_IOIO);
		struct vc_fail fail;
		uint64_t want;

		f.rax = before;
		f.rdx = 0xffffffffffff03f8ULL; /* only DX is the port */
		assert_int_equal(vc_handle(&f, &cpu, &fail), VC_DONE);
		assert_int_equal(f.rip, (uint64_t)(uintptr_t)code + len);
		assert_int_equal(resp.last.info1 >> 16, cases[i].dx ? 0x3f8 : 0x71);
		assert_int_equal(resp.last.info1 & 0x71, (cases[i].size << 4) | 1);
		/* IN of 1 or 2 bytes keeps the rest of RAX; of 4 zero-extends. */
		want = cases[i].size == 4 ? 0xd4c3b2a1 :
		       cases[i].size == 2 ? (before & ~0xffffULL) | 0xb2a1 :
					    (before & ~0xffULL) | 0xa1;
		assert_int_equal(f.rax, want);
	}
	assert_null(resp.violation);
}

static void test_out(void **state)
{
	static const struct {
		const uint8_t *s, *e;
		unsigned int size;
		bool dx;
	} cases[] = {
		{ i_out_imm_al, i_out_imm_al_end, 1, false },
		{ i_out_imm_ax, i_out_imm_ax_end, 2, false },
		{ i_out_imm_eax, i_out_imm_eax_end, 4, false },
		{ i_out_dx_al, i_out_dx_al_end, 1, true },
		{ i_out_dx_ax, i_out_dx_ax_end, 2, true },
		{ i_out_dx_eax, i_out_dx_eax_end, 4, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t port = cases[i].dx ? 0x504 : 0x80;
		uint32_t got = 0;
		struct vc_fail fail;

		memset(resp.ports, 0, sizeof(resp.ports));
		load(cases[i].s, cases[i].e, SVM_EXIT_IOIO);
		f.rax = 0xcafef00d12345678ULL;
		f.rdx = 0x504;
		assert_int_equal(vc_handle(&f, &cpu, &fail), VC_DONE);
		memcpy(&got, resp.ports + port, 4);
		assert_int_equal(got, 0x12345678u & (cases[i].size == 4 ?
							     ~0u :
							     (1u << (8 * cases[i].size)) - 1));
		assert_int_equal(f.rax, 0xcafef00d12345678ULL);
	}
	assert_null(resp.violation);
}

/* ---- MMIO ---- */

#define DEV (R_MMIO_BASE + 0x40)

static void mmio_setup(void)
{
	static const uint8_t data[8] = { 0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8 };

	memcpy(resp.mmio + 0x40, data, 8);
	f.rdi = DEV;
	f.rax = f.rbx = f.rcx = f.rdx = f.rsi = f.r9 = f.r10 = f.r11 = f.r15 =
		0x0102030405060708ULL;
}

static void test_mmio_loads(void **state)
{
	const uint64_t keep = 0x0102030405060708ULL;

	mmio_setup();
	serve(m_ld8_al, SVM_EXIT_NPF);
	assert_int_equal(f.rax, (keep & ~0xffULL) | 0x81);
	assert_int_equal(resp.last.info1, DEV);
	assert_int_equal(resp.last.info2, 1);
	mmio_setup();
	serve(m_ld8_ah, SVM_EXIT_NPF);
	assert_int_equal(f.rax, (keep & ~0xff00ULL) | 0x8100);
	mmio_setup();
	serve(m_ld8_sil, SVM_EXIT_NPF); /* with REX: SIL, not DH */
	assert_int_equal(f.rsi, (keep & ~0xffULL) | 0x81);
	assert_int_equal(f.rdx, keep);
	mmio_setup();
	serve(m_ld8_r9b, SVM_EXIT_NPF);
	assert_int_equal(f.r9, (keep & ~0xffULL) | 0x81);
	mmio_setup();
	serve(m_ld16_ax, SVM_EXIT_NPF);
	assert_int_equal(f.rax, (keep & ~0xffffULL) | 0x9281);
	mmio_setup();
	serve(m_ld32_eax, SVM_EXIT_NPF);
	assert_int_equal(f.rax, 0xb4a39281);
	mmio_setup();
	serve(m_ld32_r10d, SVM_EXIT_NPF);
	assert_int_equal(f.r10, 0xb4a39281);
	mmio_setup();
	serve(m_ld64_rax, SVM_EXIT_NPF);
	assert_int_equal(f.rax, 0xf8e7d6c5b4a39281ULL);
	assert_int_equal(resp.last.info2, 8);
	mmio_setup();
	serve(m_ld64_r15, SVM_EXIT_NPF);
	assert_int_equal(f.r15, 0xf8e7d6c5b4a39281ULL);
	mmio_setup();
	serve(m_ds_ld32, SVM_EXIT_NPF);
	assert_int_equal(f.rax, 0xb4a39281);
}

static void test_mmio_extending_loads(void **state)
{
	mmio_setup();
	serve(m_movzbl, SVM_EXIT_NPF);
	assert_int_equal(f.rax, 0x81);
	assert_int_equal(resp.last.info2, 1);
	mmio_setup();
	serve(m_movzbw, SVM_EXIT_NPF);
	assert_int_equal(f.rax, 0x0102030405060081ULL);
	mmio_setup();
	serve(m_movzwq, SVM_EXIT_NPF);
	assert_int_equal(f.rax, 0x9281);
	assert_int_equal(resp.last.info2, 2);
	mmio_setup();
	serve(m_movsbq, SVM_EXIT_NPF);
	assert_int_equal(f.rax, 0xffffffffffffff81ULL);
	mmio_setup();
	serve(m_movswl, SVM_EXIT_NPF);
	assert_int_equal(f.rcx, 0xffff9281ULL);
	/* Into 16 bits: sign-extended there, the rest of RAX kept. */
	mmio_setup();
	serve(m_movsbw, SVM_EXIT_NPF);
	assert_int_equal(f.rax, 0x010203040506ff81ULL);
	/* A 32-bit destination zero-extends, R8-R15 included. */
	mmio_setup();
	serve(m_movzbl_r9d, SVM_EXIT_NPF);
	assert_int_equal(f.r9, 0x81);
	mmio_setup();
	serve(m_movswq_r10, SVM_EXIT_NPF);
	assert_int_equal(f.r10, 0xffffffffffff9281ULL);
}

static uint64_t dev64(void)
{
	uint64_t v;

	memcpy(&v, resp.mmio + 0x40, 8);
	return v;
}

static void test_mmio_stores(void **state)
{
	mmio_setup();
	memset(resp.mmio + 0x40, 0, 8);
	f.rax = 0x11;
	serve(m_st8_al, SVM_EXIT_NPF);
	assert_int_equal(dev64(), 0x11);
	assert_int_equal(resp.last.code, 0x80000002);

	f.rbx = 0x2200;
	serve(m_st8_bh, SVM_EXIT_NPF);
	assert_int_equal(dev64(), 0x22);
	f.rdi = DEV;
	serve(m_st8_dil, SVM_EXIT_NPF); /* DIL = low byte of RDI = 0x40 */
	assert_int_equal(dev64(), 0x40);

	memset(resp.mmio + 0x40, 0, 8);
	f.rcx = 0xffff3344;
	serve(m_st16_cx, SVM_EXIT_NPF);
	assert_int_equal(dev64(), 0x3344);
	f.rdx = 0xffffffff55667788ULL;
	serve(m_st32_edx, SVM_EXIT_NPF);
	assert_int_equal(dev64(), 0x55667788);
	f.r11 = 0x99aabbccddeeff00ULL;
	serve(m_st64_r11, SVM_EXIT_NPF);
	assert_int_equal(dev64(), 0x99aabbccddeeff00ULL);
	assert_int_equal(resp.last.info2, 8);
}

static void test_mmio_immediates(void **state)
{
	mmio_setup();
	memset(resp.mmio + 0x40, 0, 8);
	serve(m_st8_imm, SVM_EXIT_NPF);
	assert_int_equal(dev64(), 0x5a);
	serve(m_st16_imm, SVM_EXIT_NPF);
	assert_int_equal(dev64(), 0x1234);
	serve(m_st32_imm, SVM_EXIT_NPF);
	assert_int_equal(dev64(), 0x89abcdef);
	/* imm32 sign-extends to 64 bits under REX.W. */
	serve(m_st64_imm, SVM_EXIT_NPF);
	assert_int_equal(dev64(), 0xfffffffffffffffeULL);
}

/* MMIO through a private (C-bit) mapping makes no sense: refused. */
static void test_mmio_private(void **state)
{
	struct vc_fail fail;

	mmio_setup();
	f.rdi = DEV | PRIVATE_BIT;
	assert_int_equal(refuse(m_ld32_eax, m_ld32_eax_end, SVM_EXIT_NPF, &cpu, &fail), VC_FAIL);
	assert_non_null(strstr(fail.why, "private"));
	assert_int_equal(resp.exits, 0);
}

/* ---- Addressing: decode only ---- */

static uint64_t reg_value(unsigned int n)
{
	return 0x1000ULL * (n + 1);
}

static void test_addressing(void **state)
{
	static const struct {
		const char *name;
		const uint8_t *s, *e;
		int64_t want; /* effective address; riprel: displacement */
		bool riprel;
	} cases[] = {
		{ "(%rax)", a_rax, a_rax_end, 0x1000, false },
		{ "(%rsp)", a_rsp, a_rsp_end, 0x5000, false },
		{ "(%rbp)", a_rbp, a_rbp_end, 0x6000, false },
		{ "(%r12)", a_r12, a_r12_end, 0xd000, false },
		{ "(%r13)", a_r13, a_r13_end, 0xe000, false },
		{ "-8(%rbp)", a_disp8, a_disp8_end, 0x6000 - 8, false },
		{ "0x12345(%rsi)", a_disp32, a_disp32_end, 0x7000 + 0x12345, false },
		{ "(%rax,%rcx,4)", a_sib, a_sib_end, 0x1000 + 4 * 0x2000, false },
		{ "0x10(%rbx,%rdx,2)", a_sib_disp8, a_sib_disp8_end, 0x4000 + 2 * 0x3000 + 0x10,
		  false },
		{ "0x100(%r8,%r9,8)", a_sib_r, a_sib_r_end, 0x9000 + 8 * 0xa000 + 0x100, false },
		{ "0x12345678(,%rsi,8)", a_sib_nobase, a_sib_nobase_end, 0x12345678 + 8 * 0x7000,
		  false },
		{ "4(%rsp)", a_sib_noindex, a_sib_noindex_end, 0x5004, false },
		{ "0x7000", a_abs32, a_abs32_end, 0x7000, false },
		{ "0x40(%rip)", a_riprel, a_riprel_end, 0x40, true },
		{ "$7, -0x20(%rip)", a_riprel_imm, a_riprel_imm_end, -0x20, true },
		{ "(%rax,%r12,2)", a_sib_x_r12, a_sib_x_r12_end, 0x1000 + 2 * 0xd000, false },
		{ "(%r13,%rcx,1)", a_sib_b_r13, a_sib_b_r13_end, 0xe000 + 0x2000, false },
		{ "-0x12345(%rsi)", a_disp32_neg, a_disp32_neg_end, 0x7000 - 0x12345, false },
		{ "REX.B disp32", a_sib_nobase_rexb, a_sib_nobase_rexb_end, 0x7000, false },
	};

	for (unsigned int n = 0; n < 16; n++) {
		static const size_t off[16] = {
			offsetof(struct exc_frame, rax), offsetof(struct exc_frame, rcx),
			offsetof(struct exc_frame, rdx), offsetof(struct exc_frame, rbx),
			offsetof(struct exc_frame, rsp), offsetof(struct exc_frame, rbp),
			offsetof(struct exc_frame, rsi), offsetof(struct exc_frame, rdi),
			offsetof(struct exc_frame, r8),	 offsetof(struct exc_frame, r9),
			offsetof(struct exc_frame, r10), offsetof(struct exc_frame, r11),
			offsetof(struct exc_frame, r12), offsetof(struct exc_frame, r13),
			offsetof(struct exc_frame, r14), offsetof(struct exc_frame, r15),
		};

		*(uint64_t *)((char *)&f + off[n]) = reg_value(n);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int len = load(cases[i].s, cases[i].e, SVM_EXIT_NPF);
		struct vc_insn in;
		const char *why = NULL;
		uint64_t want = (uint64_t)cases[i].want;

		if (vc_decode(code, VC_INSN_MAX, SVM_EXIT_NPF, &f, &in, &why))
			fail_msg("%s: %s", cases[i].name, why);
		if (cases[i].riprel)
			want += f.rip + len; /* relative to the next instruction */
		if (in.addr != want || in.len != len)
			fail_msg("%s: address 0x%llx length %u, expected 0x%llx length %u",
				 cases[i].name, (unsigned long long)in.addr, in.len,
				 (unsigned long long)want, len);
	}
}

/* ---- What must be refused ---- */

static void test_refused(void **state)
{
	static const struct {
		const char *name;
		const uint8_t *s, *e;
		uint64_t exit_code;
		const char *why;
	} cases[] = {
		{ "outsb", b_outsb, b_outsb_end, SVM_EXIT_IOIO, "string I/O" },
		{ "rep insb", b_rep_insb, b_rep_insb_end, SVM_EXIT_IOIO, "REP" },
		{ "lock add", b_lock_add, b_lock_add_end, SVM_EXIT_NPF, "LOCK" },
		{ "%fs:", b_fs, b_fs_end, SVM_EXIT_NPF, "FS/GS" },
		{ "(%edi)", b_addr32, b_addr32_end, SVM_EXIT_NPF, "address-size" },
		{ "add", b_add, b_add_end, SVM_EXIT_NPF, "unknown opcode" },
		{ "mov reg, reg", b_regreg, b_regreg_end, SVM_EXIT_NPF, "register operand" },
		{ "xgetbv", b_xgetbv, b_xgetbv_end, SVM_EXIT_RDTSCP, "RDTSCP" },
		{ "rep movsb", b_rep_movs, b_rep_movs_end, SVM_EXIT_NPF, "REP" },
		/* The instruction must be the one the exit code names. */
		{ "cpuid as IOIO", i_cpuid, i_cpuid_end, SVM_EXIT_IOIO, "does not match" },
		{ "in as MMIO", i_in_al_imm, i_in_al_imm_end, SVM_EXIT_NPF, "does not match" },
		{ "mov as CPUID", m_ld32_eax, m_ld32_eax_end, SVM_EXIT_CPUID, "does not match" },
		{ "rdmsr as RDTSC", i_rdmsr, i_rdmsr_end, SVM_EXIT_RDTSC, "does not match" },
		{ "cpuid, exit 0x6f", i_cpuid, i_cpuid_end, 0x6f, "does not match" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vc_fail fail;
		enum vc_result r;

		f.rdi = DEV;
		r = refuse(cases[i].s, cases[i].e, cases[i].exit_code, &cpu, &fail);
		if (r != VC_FAIL || !fail.why || !strstr(fail.why, cases[i].why))
			fail_msg("%s: result %d, why '%s', expected a refusal saying '%s'",
				 cases[i].name, r, fail.why ? fail.why : "-", cases[i].why);
	}
	assert_int_equal(resp.exits, 0);
}

/* Raw bytes no assembler writes: group 11 with /1, and truncations. */
static void test_bad_bytes(void **state)
{
	static const uint8_t c7_1[] = { 0xc7, 0x0f, 0x01, 0x00, 0x00, 0x00 };
	static const uint8_t disp32[] = { 0x8b, 0x87, 0x78, 0x56, 0x34, 0x12 };
	static const uint8_t prefixes[] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0xed };
	struct vc_insn in;
	const char *why = NULL;

	f.rdi = DEV;
	assert_int_equal(vc_decode(c7_1, sizeof(c7_1), SVM_EXIT_NPF, &f, &in, &why), -1);
	assert_non_null(strstr(why, "ModRM.reg"));
	/* movl 0x12345678(%rdi), %eax cut short anywhere: truncated. */
	for (unsigned int n = 0; n < sizeof(disp32); n++) {
		why = NULL;
		assert_int_equal(vc_decode(disp32, n, SVM_EXIT_NPF, &f, &in, &why), -1);
		assert_non_null(strstr(why, "truncated"));
	}
	assert_int_equal(vc_decode(disp32, sizeof(disp32), SVM_EXIT_NPF, &f, &in, &why), 0);
	assert_int_equal(in.addr, DEV + 0x12345678);
	assert_int_equal(in.len, 6);
	/* Longer than 15 bytes is no instruction (APM vol. 3, 1.1). */
	assert_int_equal(vc_decode(prefixes, sizeof(prefixes), SVM_EXIT_IOIO, &f, &in, &why), -1);
	assert_non_null(strstr(why, "truncated"));
	assert_int_equal(resp.exits, 0);
}

/* Hypervisor failures surface as such, with the GHCB error kept. */
static void test_hv_failure(void **state)
{
	struct vc_fail fail;

	f.rdx = 0x60;
	resp.fault = RESP_ERROR;
	assert_int_equal(refuse(i_in_al_dx, i_in_al_dx_end, SVM_EXIT_IOIO, &cpu, &fail), VC_FAIL);
	assert_int_equal(fail.ghcb_ret, GHCB_E_HV);
	assert_true(fail.decoded);
	assert_int_equal(fail.insn.op, VC_IN);
	assert_int_equal(cpu.fail_info1, 2);

	resp.fault = RESP_INJECT_UD;
	assert_int_equal(refuse(i_cpuid, i_cpuid_end, SVM_EXIT_CPUID, &cpu, &fail), VC_RAISE);
	assert_int_equal(f.vector, 6);

	/* A #PF for an IN is the hypervisor misbehaving: refused, not raised. */
	f.vector = 29;
	resp.fault = RESP_INJECT_PF;
	assert_int_equal(refuse(i_in_al_dx, i_in_al_dx_end, SVM_EXIT_IOIO, &cpu, &fail), VC_FAIL);
	assert_int_equal(f.vector, 29);
	assert_non_null(strstr(fail.why, "cannot raise"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_cpuid, setup),
		cmocka_unit_test_setup(test_cpuid_leaf_d, setup),
		cmocka_unit_test_setup(test_cpuid_no_page, setup),
		cmocka_unit_test_setup(test_msr, setup),
		cmocka_unit_test_setup(test_msr_gp, setup),
		cmocka_unit_test_setup(test_rdtsc, setup),
		cmocka_unit_test_setup(test_in, setup),
		cmocka_unit_test_setup(test_out, setup),
		cmocka_unit_test_setup(test_mmio_loads, setup),
		cmocka_unit_test_setup(test_mmio_extending_loads, setup),
		cmocka_unit_test_setup(test_mmio_stores, setup),
		cmocka_unit_test_setup(test_mmio_immediates, setup),
		cmocka_unit_test_setup(test_mmio_private, setup),
		cmocka_unit_test_setup(test_addressing, setup),
		cmocka_unit_test_setup(test_refused, setup),
		cmocka_unit_test_setup(test_bad_bytes, setup),
		cmocka_unit_test_setup(test_hv_failure, setup),
	};

	return cmocka_run_group_tests_name("firmware #VC decoder", tests, NULL, NULL);
}
