// SPDX-License-Identifier: MIT
/*
 * What minisev says about the KVM it runs on: the one-line description
 * names the implementation, the kind of virtualization, what it is nested
 * under and what it says of SEV; the JSON record parses (with the VMM's
 * own parser), escapes what a probe reported, and says null for a probe
 * that did not run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "compat/kvm-sev.h"
#include "json.h"
#include "kvm_info.h"

static void pvm(struct kvm_info *ki)
{
	memset(ki, 0, sizeof(*ki));
	ki->impl = KVM_IMPL_PVM;
	ki->name = "PVM";
	ki->module = "kvm_pvm";
	strcpy(ki->under, "KVM\"\\KVM");
	ki->vm_types = 1;
	ki->bp = KVM_PROBE_NO;
	strcpy(ki->bp_detail, "int3 ended in \"KVM_EXIT_INTERNAL_ERROR\"");
}

static void amd_nested_model(struct kvm_info *ki)
{
	memset(ki, 0, sizeof(*ki));
	ki->impl = KVM_IMPL_AMD;
	ki->name = ki->module = "kvm_amd";
	ki->hw_virt = true;
	strcpy(ki->under, "TCGTCGTCGTCG");
	strcpy(ki->sev_param, "N");
	strcpy(ki->sev_es_param, "N");
	ki->vm_types = 1 << KVM_X86_DEFAULT_VM | 1 << KVM_X86_SEV_VM | 1 << KVM_X86_SEV_ES_VM;
	ki->dev_sev = true;
	ki->bp = KVM_PROBE_YES;
}

static void test_describe_pvm(void **state)
{
	struct kvm_info ki;
	char buf[512];

	pvm(&ki);
	strcpy(ki.under, "KVMKVMKVM");
	kvm_info_describe(&ki, buf, sizeof(buf));
	assert_string_equal(buf, "PVM (kvm_pvm, software virtualization, nested under "
				 "KVMKVMKVM; no SEV (SEV is kvm_amd's))");
}

static void test_describe_amd(void **state)
{
	struct kvm_info ki;
	char buf[512];

	amd_nested_model(&ki);
	kvm_info_describe(&ki, buf, sizeof(buf));
	assert_string_equal(buf, "kvm_amd (kvm_amd, hardware virtualization: SVM, nested under "
				 "TCGTCGTCGTCG; SEV VM types offered (SEV and SEV-ES), /dev/sev "
				 "present)");
	/* Before 6.10 there are no VM types: the module parameters speak. */
	ki.vm_types = 0;
	strcpy(ki.sev_param, "Y");
	ki.under[0] = '\0';
	kvm_info_describe(&ki, buf, sizeof(buf));
	assert_string_equal(buf, "kvm_amd (kvm_amd, hardware virtualization: SVM; "
				 "kvm_amd.sev=Y sev_es=N, /dev/sev present)");
}

static const struct json_node *member(struct json_doc *d, const char *key)
{
	const struct json_node *n = json_get(d, 0, key);

	assert_non_null(n);
	return n;
}

static void parse(struct json_doc *d, char *strbuf, size_t cap, const struct kvm_info *ki)
{
	char buf[600], err[80];

	kvm_info_json(ki, buf, sizeof(buf));
	assert_int_equal(json_parse(d, buf, strlen(buf), strbuf, cap, err, sizeof(err)), 0);
}

static void test_json(void **state)
{
	char strbuf[1024];
	struct json_doc d;
	struct kvm_info ki;

	pvm(&ki);
	parse(&d, strbuf, sizeof(strbuf), &ki);
	assert_string_equal(member(&d, "impl")->str, "PVM");
	assert_string_equal(member(&d, "virtualization")->str, "software");
	assert_string_equal(member(&d, "nested_under")->str, "KVM\"\\KVM");
	assert_int_equal(member(&d, "bp_delivery")->type, JSON_BOOL);
	assert_false(member(&d, "bp_delivery")->bval);
	assert_string_equal(member(&d, "bp_detail")->str,
			    "int3 ended in \"KVM_EXIT_INTERNAL_ERROR\"");
	assert_int_equal(member(&d, "vm_types")->ival, 1);

	amd_nested_model(&ki);
	ki.bp = KVM_PROBE_NOT_RUN;
	parse(&d, strbuf, sizeof(strbuf), &ki);
	assert_string_equal(member(&d, "virtualization")->str, "hardware");
	assert_int_equal(member(&d, "bp_delivery")->type, JSON_NULL);
	assert_true(member(&d, "dev_sev")->bval);
	assert_int_equal(member(&d, "vm_types")->ival, 0xd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe_pvm),
		cmocka_unit_test(test_describe_amd),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
