// SPDX-License-Identifier: MIT
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat/kvm-sev.h"
#include "json.h"
#include "kvm.h"
#include "kvm_info.h"
#include "kvm_probe.h"
#include "minisev/abi.h"

#define BP_PROBE_TIMEOUT_MS 2000

static bool sys_module(const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A module parameter's value, first line, or "" when there is none. */
static void sys_param(const char *module, const char *param, char *out, size_t len)
{
	char path[96];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", module, param);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/*
 * Only one vendor module can own KVM at a time (kvm_x86_vendor_init()
 * refuses a second), but built-in ones all show in /sys/module: where
 * more than one is there, the CPU's own SVM/VMX flag decides.
 */
void kvm_info_read(int kvm_fd, struct kvm_info *ki)
{
	bool amd = sys_module("kvm_amd"), intel = sys_module("kvm_intel"),
	     pvm = sys_module("kvm_pvm");
	unsigned int a, b, c, d;
	bool svm = false, vmx = false, hv = false;
	struct stat st;

	memset(ki, 0, sizeof(*ki));
	if (__get_cpuid(1, &a, &b, &c, &d)) {
		vmx = c & (1u << 5);
		hv = c & (1u << 31);
	}
	if (__get_cpuid(0x80000001, &a, &b, &c, &d))
		svm = c & (1u << 2);
	if (hv) {
		__cpuid(0x40000000, a, b, c, d);
		memcpy(ki->under, &b, 4);
		memcpy(ki->under + 4, &c, 4);
		memcpy(ki->under + 8, &d, 4);
		ki->under[12] = '\0';
		if (!ki->under[0])
			strcpy(ki->under, "a hypervisor");
	}
	ki->ambiguous = amd + intel + pvm > 1;
	if (amd && (svm || !(intel || pvm))) {
		ki->impl = KVM_IMPL_AMD;
		ki->name = ki->module = "kvm_amd";
		ki->hw_virt = true;
	} else if (intel && (vmx || !pvm)) {
		ki->impl = KVM_IMPL_INTEL;
		ki->name = ki->module = "kvm_intel";
		ki->hw_virt = true;
	} else if (pvm) {
		ki->impl = KVM_IMPL_PVM;
		ki->name = "PVM";
		ki->module = "kvm_pvm";
	} else {
		ki->name = ki->module = "unknown";
		ki->hw_virt = svm || vmx;
	}
	if (ki->impl == KVM_IMPL_AMD) {
		sys_param("kvm_amd", "sev", ki->sev_param, sizeof(ki->sev_param));
		sys_param("kvm_amd", "sev_es", ki->sev_es_param, sizeof(ki->sev_es_param));
	}
	ki->dev_sev = stat("/dev/sev", &st) == 0;
	ki->vm_types = kvm_check_extension(kvm_fd, KVM_CAP_VM_TYPES);
}

/* int3 at offset 0; the #BP gate leads to offset 4. */
static const uint8_t bp_code[] = {
	0xcc, /* int3 */
	0xe6, 0x20, /* out %al, $0x20: int3 went by without a #BP */
	0xf4, /* hlt */
	0xe6, 0x21, /* the #BP handler: out %al, $0x21 */
	0xf4,
};

enum kvm_probe_result kvm_info_probe_bp(int kvm_fd, struct kvm_info *ki)
{
	struct kprobe p;
	int ret;

	ki->bp = KVM_PROBE_NO;
	ret = kprobe_open(&p, kvm_fd, (kprobe_ioctl_fn)ioctl, 0, bp_code, sizeof(bp_code));
	if (ret) {
		snprintf(ki->bp_detail, sizeof(ki->bp_detail), "the probe VM: %s", p.why);
		return ki->bp;
	}
	kprobe_set_gate(&p, 3, 4);
	ret = kprobe_run(&p, BP_PROBE_TIMEOUT_MS);
	if (ret == -ETIMEDOUT)
		snprintf(ki->bp_detail, sizeof(ki->bp_detail),
			 "no exit within %u ms after int3 (rip at offset %#llx)",
			 BP_PROBE_TIMEOUT_MS, (unsigned long long)kprobe_rip(&p));
	else if (ret)
		snprintf(ki->bp_detail, sizeof(ki->bp_detail), "%s", p.why);
	else if (p.run->exit_reason == KVM_EXIT_IO && p.run->io.port == 0x21)
		ki->bp = KVM_PROBE_YES;
	else if (p.run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		snprintf(ki->bp_detail, sizeof(ki->bp_detail),
			 "int3 ended in KVM_EXIT_INTERNAL_ERROR, suberror %u%s",
			 p.run->internal.suberror,
			 p.run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
				 " (instruction emulation failed)" :
				 "");
	else if (p.run->exit_reason == KVM_EXIT_IO)
		snprintf(ki->bp_detail, sizeof(ki->bp_detail),
			 "int3 went by without a #BP (port %#x)", p.run->io.port);
	else
		snprintf(ki->bp_detail, sizeof(ki->bp_detail), "int3 ended in %s",
			 kvm_exit_name(p.run->exit_reason));
	kprobe_close(&p);
	return ki->bp;
}

static const char *sev_summary(const struct kvm_info *ki, char *buf, size_t len)
{
	bool types = ki->vm_types & (1 << KVM_X86_SEV_VM);

	if (ki->impl != KVM_IMPL_AMD && !types)
		snprintf(buf, len, "no SEV (SEV is kvm_amd's)");
	else if (types)
		snprintf(buf, len, "SEV VM types offered%s, /dev/sev %s",
			 ki->vm_types & (1 << KVM_X86_SEV_ES_VM) ? " (SEV and SEV-ES)" : "",
			 ki->dev_sev ? "present" : "absent");
	else
		snprintf(buf, len, "kvm_amd.sev=%s sev_es=%s, /dev/sev %s",
			 ki->sev_param[0] ? ki->sev_param : "?",
			 ki->sev_es_param[0] ? ki->sev_es_param : "?",
			 ki->dev_sev ? "present" : "absent");
	return buf;
}

void kvm_info_describe(const struct kvm_info *ki, char *buf, size_t len)
{
	char sev[96], under[40] = "";

	if (ki->under[0])
		snprintf(under, sizeof(under), ", nested under %s", ki->under);
	snprintf(buf, len, "%s (%s%s, %s virtualization%s%s; %s)", ki->name,
		 ki->impl == KVM_IMPL_UNKNOWN ? "no known vendor module" : ki->module,
		 ki->ambiguous ? " by CPU flag: several vendor modules present" : "",
		 ki->hw_virt ? "hardware" : "software",
		 ki->impl == KVM_IMPL_AMD   ? ": SVM" :
		 ki->impl == KVM_IMPL_INTEL ? ": VMX" :
					      "",
		 under, sev_summary(ki, sev, sizeof(sev)));
}

static const char *probe_json(enum kvm_probe_result r)
{
	return r == KVM_PROBE_YES ? "true" : r == KVM_PROBE_NO ? "false" : "null";
}

/*
 * Every string is quoted: the hypervisor signature and the module
 * parameters come from outside and could hold anything.
 */
void kvm_info_json(const struct kvm_info *ki, char *buf, size_t len)
{
	char detail[200], under[40], sev[24], sev_es[24];

	json_quote(detail, sizeof(detail), ki->bp_detail);
	json_quote(under, sizeof(under), ki->under);
	json_quote(sev, sizeof(sev), ki->sev_param);
	json_quote(sev_es, sizeof(sev_es), ki->sev_es_param);
	snprintf(buf, len,
		 "{\"impl\": \"%s\", \"module\": \"%s\", \"virtualization\": \"%s\", "
		 "\"nested_under\": %s, \"sev_param\": %s, \"sev_es_param\": %s, "
		 "\"dev_sev\": %s, \"vm_types\": %d, \"bp_delivery\": %s, \"bp_detail\": %s}",
		 ki->name, ki->module, ki->hw_virt ? "hardware" : "software", under, sev, sev_es,
		 ki->dev_sev ? "true" : "false", ki->vm_types, probe_json(ki->bp), detail);
}

int kvm_info_main(int argc, char **argv)
{
	bool json = argc == 2 && !strcmp(argv[1], "--json");
	struct kvm_info ki;
	char line[512];
	int fd;

	if (argc > 2 || (argc == 2 && !json)) {
		fprintf(stderr, "usage: minisev kvm-info [--json]\n"
				"  which KVM /dev/kvm is, and what its capability probes found\n");
		return argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ?
			       0 :
			       MINISEV_STATUS_USAGE;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "minisev: kvm-info: cannot open /dev/kvm: %s\n", strerror(errno));
		return errno == ENOENT || errno == EACCES ? MINISEV_STATUS_SKIP :
							    MINISEV_STATUS_VMM;
	}
	kvm_info_read(fd, &ki);
	kvm_info_probe_bp(fd, &ki);
	close(fd);
	if (json) {
		kvm_info_json(&ki, line, sizeof(line));
		printf("%s\n", line);
		return 0;
	}
	kvm_info_describe(&ki, line, sizeof(line));
	printf("KVM: %s\n", line);
	printf("probe bp_delivery: %s%s%s\n", ki.bp == KVM_PROBE_YES ? "yes" : "no",
	       ki.bp == KVM_PROBE_YES ? "" : ": ", ki.bp_detail);
	return 0;
}
