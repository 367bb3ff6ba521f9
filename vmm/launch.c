// SPDX-License-Identifier: MIT
/*
 * The SEV launch.  Facts behind each step are in the reference
 * kvm-sev-ioctls.md; section numbers are cited where a step has a pitfall.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "compat/kvm-sev.h"
#include "kvm.h"
#include "launch.h"
#include "mem.h"
#include "minisev/sev.h"
#include "sev/fwerr.h"
#include "sev/platform.h"

static const char *const cmd_names[] = {
	[KVM_SEV_INIT] = "INIT",
	[KVM_SEV_ES_INIT] = "ES_INIT",
	[KVM_SEV_LAUNCH_START] = "LAUNCH_START",
	[KVM_SEV_LAUNCH_UPDATE_DATA] = "LAUNCH_UPDATE_DATA",
	[KVM_SEV_LAUNCH_UPDATE_VMSA] = "LAUNCH_UPDATE_VMSA",
	[KVM_SEV_LAUNCH_SECRET] = "LAUNCH_SECRET",
	[KVM_SEV_LAUNCH_MEASURE] = "LAUNCH_MEASURE",
	[KVM_SEV_LAUNCH_FINISH] = "LAUNCH_FINISH",
	[KVM_SEV_GUEST_STATUS] = "GUEST_STATUS",
	[KVM_SEV_DBG_DECRYPT] = "DBG_DECRYPT",
	[KVM_SEV_DBG_ENCRYPT] = "DBG_ENCRYPT",
	[KVM_SEV_GET_ATTESTATION_REPORT] = "GET_ATTESTATION_REPORT",
	[MINISEV_KVM_SEV_INIT2] = "INIT2",
};

const char *launch_cmd_name(uint32_t id)
{
	if (id < ARRAY_SIZE(cmd_names) && cmd_names[id])
		return cmd_names[id];
	return "(unknown command)";
}

static const char *const gstate_names[] = {
	"UNINIT", "LUPDATE", "LSECRET", "RUNNING", "SUPDATE", "RUPDATE", "SENT",
};

const char *launch_gstate_name(uint32_t state)
{
	return state < ARRAY_SIZE(gstate_names) ? gstate_names[state] : "(unknown state)";
}

/*
 * One KVM_MEMORY_ENCRYPT_OP.  KVM neither clears `error` nor copies it
 * back on early rejections (§4.1), so zero it first; a non-zero firmware
 * status is a failure even if the ioctl said 0, as the selftests treat it.
 * Returns 0 or -errno (-EIO: look at *fw_err).
 */
static int sev_op_raw(struct vm *vm, struct launch *l, uint32_t id, void *data, uint32_t *fw_err)
{
	struct kvm_sev_cmd cmd;
	int r;

	memset(&cmd, 0, sizeof(cmd));
	cmd.id = id;
	cmd.data = (uint64_t)(uintptr_t)data;
	cmd.sev_fd = l->sev_fd;
	cmd.error = 0;
	r = ioctl(vm->vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd);
	*fw_err = cmd.error;
	if (r < 0)
		return -errno;
	return cmd.error ? -EIO : 0;
}

static void report(uint32_t id, int ret, uint32_t fw_err)
{
	char buf[160];

	if (ret == -EIO || fw_err)
		pr_err("sev: %s failed: errno %s, firmware status %s", launch_cmd_name(id),
		       strerrorname_np(-ret) ? strerrorname_np(-ret) : "?",
		       sev_fw_err_str(fw_err, buf, sizeof(buf)));
	else
		pr_err("sev: %s failed: %s (%s)", launch_cmd_name(id),
		       strerrorname_np(-ret) ? strerrorname_np(-ret) : "?", strerror(-ret));
}

/* The same, loud: every failure names the step, errno and firmware status. */
static int sev_op(struct vm *vm, struct launch *l, uint32_t id, void *data)
{
	uint64_t t = now_ns();
	uint32_t fw_err = 0;
	int ret = sev_op_raw(vm, l, id, data, &fw_err);

	if (ret)
		report(id, ret, fw_err);
	else
		pr_debug("sev: %s ok (%.3f ms)", launch_cmd_name(id), (now_ns() - t) / 1e6);
	return ret;
}

int launch_guest_status(struct vm *vm, struct launch *l, uint32_t *state)
{
	struct kvm_sev_guest_status st;
	int ret;

	memset(&st, 0, sizeof(st));
	ret = sev_op(vm, l, KVM_SEV_GUEST_STATUS, &st);
	if (!ret)
		*state = st.state;
	return ret;
}

/* GUEST_STATUS after a step, checked against the state the step leads to. */
static int expect_state(struct vm *vm, struct launch *l, uint32_t want, const char *after)
{
	uint32_t state = 0;
	int ret = launch_guest_status(vm, l, &state);

	if (ret)
		return ret;
	pr_debug("sev: guest state after %s: %s", after, launch_gstate_name(state));
	if (state != want) {
		pr_err("sev: after %s the guest is in state %s, expected %s", after,
		       launch_gstate_name(state), launch_gstate_name(want));
		return -EPROTO;
	}
	return 0;
}

int launch_open(struct launch *l)
{
	struct sev_platform_status st;
	struct sev_dev dev;
	uint32_t fw_err = 0;
	char buf[160];
	int ret;

	l->sev_fd = open(SEV_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (l->sev_fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			pr_err("no %s: this host offers no SEV (an AMD EPYC host with SEV enabled "
			       "in the BIOS and kvm_amd.sev=1 has it; scripts/sevsim runs the "
			       "software model instead)",
			       SEV_DEV_PATH);
		else
			pr_err("cannot open %s: %s%s", SEV_DEV_PATH, strerror(-ret),
			       ret == -EACCES ? " (check its group and permissions)" : "");
		return ret;
	}
	sev_dev_from_fd(&dev, l->sev_fd);
	ret = sev_platform_status(&dev, &st, &fw_err);
	if (ret) {
		pr_err("sev: PLATFORM_STATUS: %s", sev_dev_strerror(ret, fw_err, buf, sizeof(buf)));
		return ret;
	}
	l->api_major = st.api_major;
	l->api_minor = st.api_minor;
	l->build = st.build;
	l->platform_flags = st.flags;
	pr_info("sev: platform API %u.%u build %u, state %s, %u guests%s", st.api_major,
		st.api_minor, st.build, sev_platform_state_name(st.state), st.guest_count,
		st.flags & SEV_PLATFORM_F_CONFIG_ES ? ", SEV-ES capable" : "");
	return 0;
}

int launch_check_cpuid(struct launch *l, struct kvm_cpuid2 *cpuid)
{
	struct kvm_cpuid_entry2 *e = kvm_cpuid_find(cpuid, 0x8000001f, 0);

	/* EAX bit 1: SEV, bit 3: SEV-ES; EBX[5:0]: C-bit (§5). */
	if (!e || !(e->eax & (1u << 1))) {
		pr_err("sev: KVM does not offer SEV (KVM_GET_SUPPORTED_CPUID leaf 0x8000001f "
		       "lacks the SEV bit): is kvm_amd loaded with sev=1?");
		return -ENOTSUP;
	}
	if (l->es && !(e->eax & (1u << 3))) {
		pr_err("sev: KVM does not offer SEV-ES (leaf 0x8000001f EAX bit 3 clear; "
		       "check kvm_amd.sev_es=1 and that SEV-ES ASIDs are configured)");
		return -ENOTSUP;
	}
	l->cbit = e->ebx & 0x3f;
	if (l->cbit < 32 || l->cbit > 51) {
		pr_err("sev: implausible C-bit position %u from KVM", l->cbit);
		return -EPROTO;
	}
	/* KVM reports 0 here (§5); QEMU and libvirt give the guest 1. */
	l->reduced_phys_bits = (e->ebx >> 6) & 0x3f;
	if (!l->reduced_phys_bits)
		l->reduced_phys_bits = 1;
	return 0;
}

unsigned long launch_vm_type(struct launch *l, int kvm_fd)
{
	unsigned long want = l->es ? KVM_X86_SEV_ES_VM : KVM_X86_SEV_VM;
	int types = kvm_check_extension(kvm_fd, KVM_CAP_VM_TYPES);
	struct kvm_device_attr attr = {
		.group = KVM_X86_GRP_SEV,
		.attr = KVM_X86_SEV_VMSA_FEATURES,
		.addr = (uint64_t)(uintptr_t)&l->vmsa_supported,
	};

	l->init2 = false;
	l->vmsa_supported = 0;
	if (l->force_legacy || !(types & (1 << want)))
		return KVM_X86_DEFAULT_VM;
	/* The attribute exists exactly on kernels that have INIT2 (6.10+). */
	if (ioctl(kvm_fd, KVM_GET_DEVICE_ATTR, &attr) < 0)
		return KVM_X86_DEFAULT_VM;
	l->init2 = true;
	pr_debug("sev: KVM supports VMSA features %#llx", (unsigned long long)l->vmsa_supported);
	return want;
}

/*
 * Before 6.10, ES_INIT put DebugSwap into every VMSA whenever the
 * kvm_amd.debug_swap parameter was on (the default on 6.5-6.7) and the
 * CPU had it: the measurement then differs from what an owner predicts
 * for sev_features 0 (§9).  The VMM cannot see the encrypted VMSA, so it
 * says so where the parameter is on.
 */
static void warn_legacy_debug_swap(void)
{
	char c = 0;
	FILE *f = fopen("/sys/module/kvm_amd/parameters/debug_swap", "r");

	if (!f)
		return;
	if (fread(&c, 1, 1, f) == 1 && (c == 'Y' || c == '1'))
		pr_warn("sev: kvm_amd.debug_swap is on: this kernel's ES_INIT may set DebugSwap "
			"(0x20) in every VMSA; --vmsa-out assumes 0, so predict with "
			"'owner measure --vmsa-features 0x20' if the measurement does not match");
	fclose(f);
}

int launch_init(struct vm *vm, struct launch *l)
{
	uint64_t t = now_ns();
	int ret;

	if (l->init2) {
		/*
		 * The default GHCB version, and no VMSA features unless asked:
		 * each one (DebugSwap, 0x20) is in every VMSA and so changes
		 * SEV-ES measurements (§9.1).
		 */
		struct minisev_kvm_sev_init init;

		if (l->vmsa_features & ~l->vmsa_supported) {
			pr_err("sev: VMSA features %#llx asked for, KVM offers %#llx "
			       "(DebugSwap, 0x20, needs kvm_amd.debug_swap=1 and a CPU with it)",
			       (unsigned long long)l->vmsa_features,
			       (unsigned long long)l->vmsa_supported);
			return -EOPNOTSUPP;
		}
		memset(&init, 0, sizeof(init));
		init.vmsa_features = l->vmsa_features;
		ret = sev_op(vm, l, MINISEV_KVM_SEV_INIT2, &init);
	} else {
		if (l->vmsa_features) {
			pr_err("sev: VMSA features need KVM_SEV_INIT2 (Linux 6.10+, not with "
			       "--legacy-init): legacy ES_INIT cannot choose them");
			return -EOPNOTSUPP;
		}
		if (l->es)
			warn_legacy_debug_swap();
		ret = sev_op(vm, l, l->es ? KVM_SEV_ES_INIT : KVM_SEV_INIT, NULL);
	}
	if (ret)
		return ret;
	timings_add(vm->timings, "sev_init", t, 0);
	pr_info("sev: %s on a %s VM",
		l->init2 ? "INIT2" :
		l->es	 ? "ES_INIT" :
			   "INIT",
		vm->vm_type == KVM_X86_DEFAULT_VM ? "legacy (type 0)" :
		vm->vm_type == KVM_X86_SEV_ES_VM  ? "SEV-ES (type 3)" :
						    "SEV (type 2)");
	return 0;
}

/* CAP_IPC_LOCK lifts RLIMIT_MEMLOCK for KVM's SEV pinning too (§6). */
static bool have_cap_ipc_lock(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps & (1ULL << 14);
}

int launch_reg_region(struct vm *vm, void *hva, uint64_t size)
{
	struct kvm_enc_region r = { .addr = (uint64_t)(uintptr_t)hva, .size = size };
	struct rlimit rl;
	char have[32], need[32];
	uint64_t t = now_ns();

	/*
	 * KVM counts registered pages, plus the temporary pins of each
	 * LAUNCH_UPDATE_DATA, against RLIMIT_MEMLOCK and answers a bare
	 * ENOMEM when they do not fit: check first and say what to raise.
	 */
	if (!have_cap_ipc_lock() && getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < size + MINISEV_FW_LIMIT) {
		pr_err("sev: cannot register %s of guest RAM with KVM: RLIMIT_MEMLOCK is %s",
		       mem_human(size, need, sizeof(need)),
		       mem_human(rl.rlim_cur, have, sizeof(have)));
		pr_err("sev: raise it to at least %llu KiB (ulimit -l %llu, or memlock in "
		       "/etc/security/limits.d), run with CAP_IPC_LOCK, or use a smaller -m",
		       (unsigned long long)((size + MINISEV_FW_LIMIT) >> 10),
		       (unsigned long long)((size + MINISEV_FW_LIMIT) >> 10));
		return -ENOMEM;
	}
	if (ioctl(vm->vm_fd, KVM_MEMORY_ENCRYPT_REG_REGION, &r) < 0) {
		int ret = -errno;

		pr_err("sev: KVM_MEMORY_ENCRYPT_REG_REGION of %s: %s%s",
		       mem_human(size, need, sizeof(need)), strerror(-ret),
		       ret == -ENOMEM ? " (pinning failed: RLIMIT_MEMLOCK, or memory)" : "");
		return ret;
	}
	timings_add(vm->timings, "sev_reg_region", t, size);
	return 0;
}

int launch_start(struct vm *vm, struct launch *l)
{
	struct kvm_sev_launch_start s;
	uint64_t t = now_ns();
	int ret;

	memset(&s, 0, sizeof(s));
	s.handle = 0; /* a new guest context, no key sharing */
	s.policy = l->policy;
	if (l->godh) {
		s.dh_uaddr = (uint64_t)(uintptr_t)l->godh;
		s.dh_len = l->godh_len;
	}
	if (l->session) {
		s.session_uaddr = (uint64_t)(uintptr_t)l->session;
		s.session_len = l->session_len;
	}
	ret = sev_op(vm, l, KVM_SEV_LAUNCH_START, &s);
	if (ret)
		return ret;
	l->handle = s.handle;
	timings_add(vm->timings, "launch_start", t, 0);
	pr_info("sev: LAUNCH_START policy %#x, handle %u, %s", l->policy, l->handle,
		l->session ? "guest owner session" : "no session (firmware-made keys)");
	return expect_state(vm, l, SEV_GUEST_LUPDATE, "LAUNCH_START");
}

static int log_measured(struct launch *l, const void *p, size_t len)
{
	if (l->measured_len + len > l->measured_cap) {
		size_t cap = (l->measured_len + len) * 2;
		uint8_t *n = realloc(l->measured, cap);

		if (!n)
			return -ENOMEM;
		l->measured = n;
		l->measured_cap = cap;
	}
	memcpy(l->measured + l->measured_len, p, len);
	l->measured_len += len;
	return 0;
}

int launch_update_data(struct vm *vm, struct launch *l, uint64_t gpa, uint64_t len)
{
	struct kvm_sev_launch_update_data u;
	uint64_t t = now_ns();
	void *p;
	int ret;

	/* The firmware wants 16-byte aligned address and length (§3.4). */
	if (!IS_ALIGNED(gpa, 16) || !IS_ALIGNED(len, 16) || len > UINT32_MAX ||
	    !(p = gm_ptr(&vm->gm, gpa, len, GM_ANY))) {
		pr_err("sev: LAUNCH_UPDATE_DATA of [%#llx+%#llx]: not 16-byte aligned or "
		       "outside RAM",
		       (unsigned long long)gpa, (unsigned long long)len);
		return -EINVAL;
	}
	/* Encryption is in place: record the plaintext before it goes. */
	ret = log_measured(l, p, len);
	if (ret)
		return ret;
	memset(&u, 0, sizeof(u));
	u.uaddr = (uint64_t)(uintptr_t)p;
	u.len = len;
	ret = sev_op(vm, l, KVM_SEV_LAUNCH_UPDATE_DATA, &u);
	if (ret)
		return ret;
	{
		char name[32];

		/* One entry per range, named by address: stable across runs. */
		snprintf(name, sizeof(name), "update_data@%#llx", (unsigned long long)gpa);
		timings_add(vm->timings, name, t, len);
	}
	pr_info("sev: LAUNCH_UPDATE_DATA [%#llx+%#llx]", (unsigned long long)gpa,
		(unsigned long long)len);
	return 0;
}

int launch_update_vmsa(struct vm *vm, struct launch *l)
{
	uint64_t t = now_ns();
	int ret;

	ret = sev_op(vm, l, KVM_SEV_LAUNCH_UPDATE_VMSA, NULL);
	/*
	 * Whatever the result, treat the register state as gone: a partial
	 * failure may have encrypted some VMSAs already, and register ioctls
	 * on those fail or lie (§3.5).
	 */
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].state_protected = true;
	if (ret)
		return ret;
	timings_add(vm->timings, "launch_update_vmsa", t, vm->nr_vcpus * 4096ULL);
	pr_info("sev: LAUNCH_UPDATE_VMSA for %u vCPU(s)", vm->nr_vcpus);
	return 0;
}

int launch_measure(struct vm *vm, struct launch *l)
{
	struct kvm_sev_launch_measure m;
	uint64_t t = now_ns();
	uint32_t fw_err = 0;
	int ret;

	/*
	 * Length query: len 0 makes the firmware fail with INVALID_LEN and
	 * report the size, and KVM returns that failure (-EIO) with len
	 * filled in (§3.6).  Anything else is a real error.
	 */
	memset(&m, 0, sizeof(m));
	ret = sev_op_raw(vm, l, KVM_SEV_LAUNCH_MEASURE, &m, &fw_err);
	if (ret && !(ret == -EIO && fw_err == SEV_FW_INVALID_LEN)) {
		report(KVM_SEV_LAUNCH_MEASURE, ret, fw_err);
		return ret;
	}
	if (m.len != SEV_MEASURE_LEN) {
		pr_err("sev: LAUNCH_MEASURE wants %u bytes; minisev knows the %d-byte layout only",
		       m.len, SEV_MEASURE_LEN);
		return -EPROTO;
	}
	m.uaddr = (uint64_t)(uintptr_t)l->measurement;
	m.len = sizeof(l->measurement);
	ret = sev_op(vm, l, KVM_SEV_LAUNCH_MEASURE, &m);
	if (ret)
		return ret;
	timings_add(vm->timings, "launch_measure", t, 0);
	return expect_state(vm, l, SEV_GUEST_LSECRET, "LAUNCH_MEASURE");
}

int launch_secret(struct vm *vm, struct launch *l, const void *hdr, size_t hdr_len,
		  const void *data, size_t data_len, uint64_t gpa)
{
	struct kvm_sev_launch_secret s;
	uint64_t t = now_ns();
	void *dst;
	int ret;

	/*
	 * KVM wants the destination physically contiguous (§3.7): keep it
	 * inside one page, which the secret area is.
	 */
	dst = gm_ptr(&vm->gm, gpa, data_len, GM_ANY);
	if (!dst || !data_len || (gpa & ~0xfffULL) != ((gpa + data_len - 1) & ~0xfffULL)) {
		pr_err("sev: LAUNCH_SECRET of %zu bytes at %#llx: must fit in one page of RAM",
		       data_len, (unsigned long long)gpa);
		return -EINVAL;
	}
	memset(&s, 0, sizeof(s));
	s.hdr_uaddr = (uint64_t)(uintptr_t)hdr;
	s.hdr_len = hdr_len;
	s.guest_uaddr = (uint64_t)(uintptr_t)dst;
	s.guest_len = data_len;
	s.trans_uaddr = (uint64_t)(uintptr_t)data;
	s.trans_len = data_len;
	ret = sev_op(vm, l, KVM_SEV_LAUNCH_SECRET, &s);
	if (ret)
		return ret;
	timings_add(vm->timings, "launch_secret", t, data_len);
	pr_info("sev: LAUNCH_SECRET %zu bytes at %#llx", data_len, (unsigned long long)gpa);
	return 0;
}

int launch_finish(struct vm *vm, struct launch *l)
{
	uint64_t t = now_ns();
	int ret;

	ret = sev_op(vm, l, KVM_SEV_LAUNCH_FINISH, NULL);
	if (ret)
		return ret;
	timings_add(vm->timings, "launch_finish", t, 0);
	pr_info("sev: LAUNCH_FINISH");
	return expect_state(vm, l, SEV_GUEST_RUNNING, "LAUNCH_FINISH");
}

int launch_dbg_decrypt(struct vm *vm, struct launch *l, uint64_t gpa, void *out, uint32_t len)
{
	struct kvm_sev_dbg d;
	void *src = gm_ptr(&vm->gm, gpa, len, GM_ANY);

	if (!src || !len)
		return -EINVAL;
	memset(&d, 0, sizeof(d));
	d.src_uaddr = (uint64_t)(uintptr_t)src;
	d.dst_uaddr = (uint64_t)(uintptr_t)out;
	d.len = len;
	return sev_op(vm, l, KVM_SEV_DBG_DECRYPT, &d);
}

void launch_free(struct launch *l)
{
	free(l->measured);
	l->measured = NULL;
	/* l->sev_fd stays open: KVM re-resolves it until the VM is gone (§3.3). */
}
