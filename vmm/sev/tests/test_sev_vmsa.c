// SPDX-License-Identifier: MIT
/*
 * The VMSA builder against sevctl's real SEV-ES VMSAs: QEMU's reset state
 * for the BSP and for an AP, pushed through the same KVM-to-VMSA
 * conversion the model and the VMM use, must give the vectors byte for
 * byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sev/vmsa.h"
#include "sev_test.h"

static void seg(struct kvm_segment *s, uint16_t sel, uint64_t base, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = 0xffff;
	s->type = type;
	s->s = 1;
	s->present = 1;
}

/* x86 reset state as QEMU sets it (and sev-snp-measure models it). */
static void qemu_reset(struct kvm_sregs *s, struct kvm_regs *r, uint64_t eip)
{
	memset(s, 0, sizeof(*s));
	memset(r, 0, sizeof(*r));
	seg(&s->cs, 0xf000, eip & 0xffff0000, 0xb);
	seg(&s->ds, 0, 0, 3);
	s->es = s->ss = s->fs = s->gs = s->ds;
	seg(&s->ldt, 0, 0, 2);
	s->ldt.s = 0;
	seg(&s->tr, 0, 0, 0xb);
	s->tr.s = 0;
	s->gdt.limit = 0xffff;
	s->idt.limit = 0xffff;
	s->cr0 = 0x60000010;
	r->rip = eip & 0xffff;
	r->rflags = 2;
	r->rdx = 0xa00f11; /* QEMU's EPYC-v4 signature in EDX at reset */
}

static void check(const char *vec, uint64_t eip)
{
	struct sev_vmsa_state st;
	struct kvm_sregs s;
	struct kvm_regs r;
	uint8_t out[SEV_VMSA_SIZE], *want;
	size_t len;

	want = vec_read(vec, &len);
	assert_non_null(want);
	assert_int_equal(len, SEV_VMSA_SIZE);
	qemu_reset(&s, &r, eip);
	sev_vmsa_from_kvm(&st, &s, &r, NULL, SEV_VMSA_RESET_XCR0, SEV_VMSA_RESET_DR6,
			  SEV_VMSA_RESET_DR7, SEV_VMSA_RESET_PAT);
	sev_vmsa_build(&st, out);
	for (size_t i = 0; i < len; i++)
		if (out[i] != want[i])
			fail_msg("%s: byte %#zx is %#x, want %#x", vec, i, out[i], want[i]);
	free(want);
}

static void test_sevctl_bsp(void **state)
{
	check("sevctl/vmsa/vmsa0.bin", 0xfffffff0);
}

static void test_sevctl_ap(void **state)
{
	/* OVMF's SEV-ES AP reset vector in that build: 0x80b004. */
	check("sevctl/vmsa/vmsa1.bin", 0x80b004);
}

static void test_fpu_only_with_init2(void **state)
{
	struct sev_vmsa_state st;
	struct kvm_sregs s;
	struct kvm_regs r;
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	uint8_t a[SEV_VMSA_SIZE], b[SEV_VMSA_SIZE];

	qemu_reset(&s, &r, 0xfffffff0);
	sev_vmsa_from_kvm(&st, &s, &r, NULL, 1, SEV_VMSA_RESET_DR6, SEV_VMSA_RESET_DR7,
			  SEV_VMSA_RESET_PAT);
	sev_vmsa_build(&st, a);
	sev_vmsa_from_kvm(&st, &s, &r, &fpu, 1, SEV_VMSA_RESET_DR6, SEV_VMSA_RESET_DR7,
			  SEV_VMSA_RESET_PAT);
	sev_vmsa_build(&st, b);
	/* The INIT2 flavour differs exactly in MXCSR and FCW (reference §8.1). */
	assert_int_equal(b[0x408] | b[0x409] << 8, 0x1f80);
	assert_int_equal(b[0x410] | b[0x411] << 8, 0x37f);
	b[0x408] = b[0x409] = b[0x410] = b[0x411] = 0;
	assert_memory_equal(a, b, SEV_VMSA_SIZE);
}

/* DebugSwap is bit 5 of sev_features at 0x3b0, and nothing else moves. */
static void test_debug_swap(void **state)
{
	struct sev_vmsa_state st;
	struct kvm_sregs s;
	struct kvm_regs r;
	uint8_t a[SEV_VMSA_SIZE], b[SEV_VMSA_SIZE];

	qemu_reset(&s, &r, 0xfffffff0);
	sev_vmsa_from_kvm(&st, &s, &r, NULL, 1, SEV_VMSA_RESET_DR6, SEV_VMSA_RESET_DR7,
			  SEV_VMSA_RESET_PAT);
	sev_vmsa_build(&st, a);
	st.sev_features = SEV_VMSA_FEAT_DEBUG_SWAP;
	sev_vmsa_build(&st, b);
	assert_int_equal(b[0x3b0], 0x20);
	b[0x3b0] = 0;
	assert_memory_equal(a, b, SEV_VMSA_SIZE);
}

static void test_features_parse(void **state)
{
	uint64_t v = 99;

	assert_int_equal(sev_vmsa_features_parse("debug-swap", &v), 0);
	assert_int_equal(v, 0x20);
	assert_int_equal(sev_vmsa_features_parse("0x20", &v), 0);
	assert_int_equal(v, 0x20);
	assert_int_equal(sev_vmsa_features_parse("none", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sev_vmsa_features_parse("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sev_vmsa_features_parse("debug-swap,none", &v), 0);
	assert_int_equal(v, 0x20);
	assert_int_not_equal(sev_vmsa_features_parse("", &v), 0);
	assert_int_not_equal(sev_vmsa_features_parse("debugswap", &v), 0);
	assert_int_not_equal(sev_vmsa_features_parse("0x20junk", &v), 0);
	assert_int_not_equal(sev_vmsa_features_parse("-1", &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sevctl_bsp),	    cmocka_unit_test(test_sevctl_ap),
		cmocka_unit_test(test_fpu_only_with_init2), cmocka_unit_test(test_debug_swap),
		cmocka_unit_test(test_features_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
