// SPDX-License-Identifier: MIT
/*
 * sevsim-check: the model's KVM interface against what real KVM does,
 * for what independent SEV clients (QEMU, the kernel selftests) rely on.
 * Run under the model on a real KVM, in the KVM selftests' way (raw
 * ioctls, tiny guests written as bytes, TAP out):
 *
 *   scripts/sevsim build/sevsim-check
 *
 * Each check names the divergence it catches.  SEV-ES checks run only
 * where the KVM under the model carries SEV-ES (kvm_amd); SEVSIM_KVM says
 * which kernel the model presents, and so what a second
 * LAUNCH_UPDATE_VMSA must do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/psp-sev.h>

#include "compat/kvm-sev.h"

#define MEM_SIZE 0x80000ULL /* 512 KiB of RAM, real-mode reachable */
#define CODE_GPA 0x1000
#define DATA_OFF 0x2000
#define PORT 0x80
#define SEV_POLICY_ES (1u << 2)

static int kvm_fd, sev_fd, failed, count;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failed += !ok;
}

static void die(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ioctl as QEMU makes it: the request through an int, sign-extended. */
static int qemu_ioctl(int fd, int req, void *arg)
{
	return ioctl(fd, (unsigned long)(long)req, arg);
}

static int sev_cmd(int vm, uint32_t id, void *data, uint32_t *fw_err)
{
	struct kvm_sev_cmd c = { .id = id, .data = (uint64_t)(uintptr_t)data, .sev_fd = sev_fd };
	int ret = ioctl(vm, KVM_MEMORY_ENCRYPT_OP, &c);

	if (fw_err)
		*fw_err = c.error;
	return ret < 0 ? -errno : 0;
}

static int new_vm(void)
{
	int vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);

	if (vm < 0)
		die("KVM_CREATE_VM");
	return vm;
}

static void *new_mem(void)
{
	void *m = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		die("mmap");
	return m;
}

static int set_slot(int vm, uint32_t slot, uint64_t gpa, void *hva, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

static int launch_start(int vm, uint32_t policy)
{
	struct kvm_sev_launch_start s = { .policy = policy };

	return sev_cmd(vm, KVM_SEV_LAUNCH_START, &s, NULL);
}

static int update_data(int vm, void *p, uint32_t len)
{
	struct kvm_sev_launch_update_data u = { .uaddr = (uint64_t)(uintptr_t)p, .len = len };

	return sev_cmd(vm, KVM_SEV_LAUNCH_UPDATE_DATA, &u, NULL);
}

static int dbg_decrypt(int vm, void *src, void *dst, uint32_t len)
{
	struct kvm_sev_dbg d = {
		.src_uaddr = (uint64_t)(uintptr_t)src,
		.dst_uaddr = (uint64_t)(uintptr_t)dst,
		.len = len,
	};

	return sev_cmd(vm, KVM_SEV_DBG_DECRYPT, &d, NULL);
}

static int guest_handle(int vm, uint32_t *handle)
{
	struct kvm_sev_guest_status st = { 0 };
	int ret = sev_cmd(vm, KVM_SEV_GUEST_STATUS, &st, NULL);

	*handle = st.handle;
	return ret;
}

static int finish(int vm)
{
	struct kvm_sev_launch_measure m = { 0 };
	uint8_t blob[48];

	m.uaddr = (uint64_t)(uintptr_t)blob;
	m.len = sizeof(blob);
	if (sev_cmd(vm, KVM_SEV_LAUNCH_MEASURE, &m, NULL))
		return -1;
	return sev_cmd(vm, KVM_SEV_LAUNCH_FINISH, NULL, NULL);
}

/* A vCPU in real mode at CODE_GPA, as a BSP after its reset jump. */
static int new_vcpu(int vm, struct kvm_run **run)
{
	int sz = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	int fd = ioctl(vm, KVM_CREATE_VCPU, 0);
	struct kvm_sregs sr;
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2 };

	if (fd < 0 || sz <= 0)
		die("KVM_CREATE_VCPU");
	*run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*run == MAP_FAILED || ioctl(fd, KVM_GET_SREGS, &sr) < 0)
		die("vCPU setup");
	sr.cs.base = 0;
	sr.cs.selector = 0;
	if (ioctl(fd, KVM_SET_SREGS, &sr) < 0 || ioctl(fd, KVM_SET_REGS, &regs) < 0)
		die("vCPU registers");
	return fd;
}

/*
 * Run to the next exit that is not an OUT to PORT; returns the bytes the
 * guest wrote to PORT on the way (at most `max`), -1 on a KVM_RUN error.
 * An RDMSR exit for MSR 0x35 is answered with `msr35`.
 */
static int run_guest(int fd, struct kvm_run *run, uint8_t *out, int max, uint64_t msr35)
{
	int n = 0;

	for (int guard = 0; guard < 64; guard++) {
		if (ioctl(fd, KVM_RUN, 0) < 0)
			return -1;
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == PORT &&
		    run->io.direction == KVM_EXIT_IO_OUT) {
			if (n < max)
				out[n++] = *((uint8_t *)run + run->io.data_offset);
			continue;
		}
		if (run->exit_reason == KVM_EXIT_X86_RDMSR && run->msr.index == 0x35) {
			run->msr.data = msr35;
			run->msr.error = 0;
			continue;
		}
		break;
	}
	return n;
}

/* 16-bit code: every byte a guest runs here is spelt out. */
static const uint8_t code_read[] = {
	0xb8,	       0x00,
	0x80, /* mov ax, 0x8000 */
	0x8e,	       0xd8, /* mov ds, ax: ds base 0x80000, the second slot */
	0xa0,	       DATA_OFF & 0xff,
	DATA_OFF >> 8, /* mov al, [DATA_OFF] */
	0xe6,	       PORT, /* out PORT, al */
	0xf4, /* hlt */
};

static const uint8_t code_msr[] = {
	0x66, 0xb9, 0x31, 0x01, 0x01, 0xc0, /* mov ecx, SEV_STATUS */
	0x0f, 0x32, /* rdmsr */
	0xe6, PORT, /* out PORT, al */
	0x66, 0xb9, 0x35, 0x00, 0x00, 0x00, /* mov ecx, 0x35 (MSR_CORE_THREAD_COUNT) */
	0x0f, 0x32, /* rdmsr */
	0xe6, PORT, /* out PORT, al */
	0xf4, /* hlt */
};

/* An SEV VM through INIT. */
static int sev_vm(bool es)
{
	struct kvm_sev_cmd c = { .id = es ? KVM_SEV_ES_INIT : KVM_SEV_INIT, .sev_fd = sev_fd };
	int vm = new_vm();

	if (ioctl(vm, KVM_MEMORY_ENCRYPT_OP, &c) < 0)
		return -errno;
	return vm;
}

static void check_ioctl_width(void)
{
	struct kvm_sev_cmd c = { .id = KVM_SEV_INIT, .sev_fd = sev_fd };
	int vm = new_vm();
	int ret = qemu_ioctl(vm, KVM_MEMORY_ENCRYPT_OP, &c) < 0 ? -errno : 0;

	check(ret == 0,
	      "ioctl width: KVM_SEV_INIT with the request sign-extended as QEMU "
	      "passes it (%s)",
	      ret ? strerror(-ret) : "accepted");
	close(vm);
}

/* How check_private_memory() maps the guest's memory. */
enum mapping {
	UPDATE_THEN_SLOT, /* LAUNCH_UPDATE_DATA before any memslot (QEMU's BIOS) */
	SLOT_THEN_UPDATE, /* a memslot, then LAUNCH_UPDATE_DATA (minisev) */
	SLOT2_THEN_UPDATE, /* the same through KVM_SET_USER_MEMORY_REGION2 */
};

static void map_slot(int vm, uint8_t *mem, enum mapping how)
{
	struct minisev_kvm_userspace_memory_region2 r2 = {
		.slot = 1,
		.flags = MINISEV_KVM_MEM_GUEST_MEMFD,
		.memory_size = MEM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	int ret;

	if (how != SLOT2_THEN_UPDATE) {
		check(set_slot(vm, 1, 0, mem, MEM_SIZE) == 0, "memslot at GPA 0");
		return;
	}
	check(ioctl(kvm_fd, KVM_CHECK_EXTENSION, MINISEV_KVM_CAP_USER_MEMORY2) == 1,
	      "KVM_CAP_USER_MEMORY2 is offered");
	check(ioctl(vm, MINISEV_KVM_SET_USER_MEMORY_REGION2, &r2) < 0 && errno == EINVAL,
	      "REGION2 with a guest_memfd is refused for an SEV VM (EINVAL)");
	r2.flags = 0;
	ret = ioctl(vm, MINISEV_KVM_SET_USER_MEMORY_REGION2, &r2) < 0 ? -errno : 0;
	check(ret == 0, "KVM_SET_USER_MEMORY_REGION2 at GPA 0 (%s)", ret ? strerror(-ret) : "ok");
}

/*
 * Private memory belongs to the host pages: encrypted before any slot
 * maps them or after, a slot deleted and made again, two slots over one
 * memory, and unpaged reads and fetches, every one private on hardware.
 */
static void check_private_memory(enum mapping how)
{
	static const char *const names[] = { "before its memslot", "in a memslot",
					     "in a REGION2 memslot" };
	uint8_t *mem = new_mem(), got[8], plain[16];
	struct kvm_run *run;
	int vm = sev_vm(false), fd, n, ret;

	if (vm < 0)
		die("KVM_SEV_INIT");
	printf("# guest memory encrypted %s\n", names[how]);
	memcpy(mem + CODE_GPA, code_read, sizeof(code_read));
	memset(mem + DATA_OFF, 0x5a, 16);
	check(launch_start(vm, 0) == 0, "LAUNCH_START (policy 0)");
	if (how != UPDATE_THEN_SLOT)
		map_slot(vm, mem, how);
	ret = update_data(vm, mem, MEM_SIZE);
	check(ret == 0, "LAUNCH_UPDATE_DATA %s (%s)", names[how], ret ? strerror(-ret) : "ok");
	check(mem[DATA_OFF] != 0x5a || mem[DATA_OFF + 1] != 0x5a,
	      "the host's view of it is ciphertext afterwards");
	if (how == UPDATE_THEN_SLOT)
		map_slot(vm, mem, how);
	check(set_slot(vm, 1, 0, mem, 0) == 0 && set_slot(vm, 1, 0, mem, MEM_SIZE) == 0,
	      "the memslot deleted and made again");
	check(set_slot(vm, 2, MEM_SIZE, mem, MEM_SIZE) == 0,
	      "a second memslot over the same host memory at GPA %#llx",
	      (unsigned long long)MEM_SIZE);
	memset(plain, 0, sizeof(plain));
	ret = dbg_decrypt(vm, mem + DATA_OFF, plain, sizeof(plain));
	check(ret == 0 && plain[0] == 0x5a && plain[15] == 0x5a,
	      "DBG_DECRYPT of the host pages gives the plaintext (%s, %#x)",
	      ret ? strerror(-ret) : "ok", plain[0]);
	check(finish(vm) == 0, "LAUNCH_MEASURE, LAUNCH_FINISH");
	fd = new_vcpu(vm, &run);
	n = run_guest(fd, run, got, sizeof(got), 0);
	check(n == 1 && got[0] == 0x5a && run->exit_reason == KVM_EXIT_HLT,
	      "an unpaged guest runs its encrypted code and reads private data through "
	      "the second slot (%d bytes out, first %#x, exit %u)",
	      n, n > 0 ? got[0] : 0, run->exit_reason);
	close(fd);
	close(vm);
	munmap(mem, MEM_SIZE);
}

/* The VMM's MSR filter and the model's, one after the other. */
static void check_msr_filter(bool before_init)
{
	static uint8_t deny[1];
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_FILTER },
	};
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = { .flags = KVM_MSR_FILTER_READ,
			       .nmsrs = 1,
			       .base = 0x35,
			       .bitmap = deny },
	};
	const char *when = before_init ? "before" : "after";
	uint8_t *mem = new_mem(), got[8];
	struct kvm_sev_cmd c = { .id = KVM_SEV_INIT, .sev_fd = sev_fd };
	struct kvm_run *run;
	int vm = new_vm(), fd, n;

	if (before_init &&
	    (ioctl(vm, KVM_ENABLE_CAP, &cap) < 0 || ioctl(vm, KVM_X86_SET_MSR_FILTER, &f) < 0))
		die("the VMM's MSR filter");
	if (ioctl(vm, KVM_MEMORY_ENCRYPT_OP, &c) < 0)
		die("KVM_SEV_INIT");
	if (!before_init &&
	    (ioctl(vm, KVM_ENABLE_CAP, &cap) < 0 || ioctl(vm, KVM_X86_SET_MSR_FILTER, &f) < 0))
		die("the VMM's MSR filter");
	memcpy(mem + CODE_GPA, code_msr, sizeof(code_msr));
	if (set_slot(vm, 1, 0, mem, MEM_SIZE) || launch_start(vm, 0) ||
	    update_data(vm, mem, 2 * 4096) || finish(vm))
		die("launch");
	fd = new_vcpu(vm, &run);
	n = run_guest(fd, run, got, sizeof(got), 0x77);
	check(n == 2 && got[0] == 1 && got[1] == 0x77 && run->exit_reason == KVM_EXIT_HLT,
	      "VMM filter set %s KVM_SEV_INIT: SEV_STATUS still modelled (%#x), the VMM's "
	      "MSR 0x35 still the VMM's (%#x) (%d bytes, exit %u, MSR %#x)",
	      when, n > 0 ? got[0] : 0, n > 1 ? got[1] : 0, n, run->exit_reason,
	      run->exit_reason == KVM_EXIT_X86_RDMSR ? run->msr.index : 0);
	close(fd);
	close(vm);
	munmap(mem, MEM_SIZE);
}

/* Mirror VMs and intra-host migration (KVM_CAP_VM_{COPY,MOVE}_ENC_CONTEXT_FROM). */
static void check_enc_context(void)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_VM_COPY_ENC_CONTEXT_FROM };
	uint32_t h_src = 0, h = 0;
	uint8_t *mem = new_mem();
	struct kvm_enc_region reg = { .addr = (uint64_t)(uintptr_t)mem, .size = MEM_SIZE };
	int src = sev_vm(false), mirror = new_vm(), dst = new_vm(), ret;

	if (src < 0 || launch_start(src, 0) || guest_handle(src, &h_src))
		die("source launch");
	check(ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_COPY_ENC_CONTEXT_FROM) == 1 &&
		      ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM) == 1,
	      "KVM_CAP_VM_COPY/MOVE_ENC_CONTEXT_FROM are offered");
	cap.args[0] = src;
	ret = ioctl(mirror, KVM_ENABLE_CAP, &cap) < 0 ? -errno : 0;
	check(ret == 0, "a mirror VM copies the source's encryption context (%s)",
	      ret ? strerror(-ret) : "ok");
	ret = guest_handle(mirror, &h);
	check(ret == 0 && h == h_src,
	      "the mirror's GUEST_STATUS gives the source's handle (%u, %u)", h, h_src);
	check(update_data(mirror, mem, 4096) == -EINVAL,
	      "the mirror may not LAUNCH_UPDATE_DATA (EINVAL)");
	check(ioctl(mirror, KVM_MEMORY_ENCRYPT_REG_REGION, &reg) < 0 && errno == EINVAL,
	      "the mirror may not pin memory (EINVAL)");
	cap.args[0] = mirror;
	check(ioctl(dst, KVM_ENABLE_CAP, &cap) < 0 && errno == EINVAL,
	      "a mirror of a mirror is refused (EINVAL)");
	cap.cap = KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM;
	cap.args[0] = src;
	ret = ioctl(dst, KVM_ENABLE_CAP, &cap) < 0 ? -errno : 0;
	check(ret == 0, "KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM moves the context (%s)",
	      ret ? strerror(-ret) : "ok");
	ret = guest_handle(dst, &h);
	check(ret == 0 && h == h_src, "the destination has the source's handle (%u)", h);
	check(guest_handle(src, &h) == -EIO, "the source is dead afterwards (EIO)");
	check(guest_handle(mirror, &h) == 0 && h == h_src,
	      "the mirror still works after its owner moved");
	cap.args[0] = dst;
	check(ioctl(mirror, KVM_ENABLE_CAP, &cap) < 0 && errno == EINVAL,
	      "moving into a VM that is already SEV is refused (EINVAL)");
	close(mirror);
	close(dst);
	close(src);
	munmap(mem, MEM_SIZE);
}

/* A second LAUNCH_UPDATE_VMSA, as the kernel the model presents answers it. */
static void check_second_vmsa(void)
{
	const char *flavour = getenv("SEVSIM_KVM") ? getenv("SEVSIM_KVM") : "init2";
	bool want_ok = strcmp(flavour, "init2") != 0;
	uint8_t *mem = new_mem();
	struct kvm_run *run;
	int vm = sev_vm(true), fd, ret;

	/* Policy bit 2: an SEV-ES guest, which the firmware insists on for one. */
	if (vm < 0 || set_slot(vm, 1, 0, mem, MEM_SIZE) || launch_start(vm, SEV_POLICY_ES))
		die("SEV-ES launch");
	fd = new_vcpu(vm, &run);
	check(sev_cmd(vm, KVM_SEV_LAUNCH_UPDATE_VMSA, NULL, NULL) == 0, "LAUNCH_UPDATE_VMSA");
	ret = sev_cmd(vm, KVM_SEV_LAUNCH_UPDATE_VMSA, NULL, NULL);
	check(want_ok ? ret == 0 : ret == -EINVAL,
	      "a second LAUNCH_UPDATE_VMSA under SEVSIM_KVM=%s: %s (%s)", flavour,
	      want_ok ? "accepted as kernels up to 6.1x did" : "refused as 2026 stable kernels do",
	      ret ? strerror(-ret) : "ok");
	close(fd);
	close(vm);
	munmap(mem, MEM_SIZE);
}

/*
 * A 64-bit guest with more page tables than the model walks at every exit
 * (it reads KVM's dirty log of them instead) changes its own page tables
 * at run time: it clears the C-bit of one page, writes through it and
 * exits; writes again; sets the C-bit back and writes a third time.  The
 * VMM must see the first two writes in its own memory and not the third.
 */
#define PT_BASE 0x10000 /* PML4, PDPT, PD, then the page tables */
#define PT_EXTRA 40 /* page tables beyond the first: past the cheap-walk limit */
#define SHARED_GPA 0x40000ULL
#define CBIT (1ULL << 47)
#define PTE_P_W 3ULL

static size_t put64(uint8_t *p, uint8_t op, uint64_t v)
{
	p[0] = 0x48; /* REX.W */
	p[1] = op;
	memcpy(p + 2, &v, 8);
	return 10;
}

static size_t put(uint8_t *p, const uint8_t *b, size_t n)
{
	memcpy(p, b, n);
	return n;
}

static void build_long_mode(uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(mem + PT_BASE), *pdpt = pml4 + 512, *pd = pdpt + 512;
	uint64_t *pt = pd + 512;

	pml4[0] = (PT_BASE + 0x1000) | CBIT | PTE_P_W;
	pdpt[0] = (PT_BASE + 0x2000) | CBIT | PTE_P_W;
	for (int i = 0; i <= PT_EXTRA; i++)
		pd[i] = (PT_BASE + 0x3000 + i * 0x1000ULL) | CBIT | PTE_P_W;
	/* The first 2 MiB page by page, all private; the others point past RAM. */
	for (uint64_t i = 0; i < 512 * (PT_EXTRA + 1ULL); i++)
		pt[i] = (i * 0x1000) | CBIT | PTE_P_W;
}

static void build_pt_code(uint8_t *p)
{
	static const uint8_t store_pte[] = { 0x48, 0x89, 0x0b }; /* mov [rbx], rcx */
	static const uint8_t invlpg[] = { 0x0f, 0x01, 0x3a }; /* invlpg [rdx] */
	uint64_t pte = PT_BASE + 0x3000 + (SHARED_GPA >> 12) * 8;
	size_t n = 0;

	n += put64(p + n, 0xbb, pte); /* mov rbx, the PTE of SHARED_GPA */
	n += put64(p + n, 0xba, SHARED_GPA); /* mov rdx, SHARED_GPA */
	n += put64(p + n, 0xb9, SHARED_GPA | PTE_P_W); /* mov rcx, the PTE without the C-bit */
	n += put(p + n, store_pte, 3);
	n += put(p + n, invlpg, 3);
	n += put(p + n, (const uint8_t[]){ 0xc6, 0x02, 0xa5, 0xb0, 1, 0xe6, PORT }, 7);
	n += put(p + n, (const uint8_t[]){ 0xc6, 0x02, 0x5b, 0xb0, 2, 0xe6, PORT }, 7);
	n += put64(p + n, 0xb9, SHARED_GPA | CBIT | PTE_P_W); /* the C-bit back */
	n += put(p + n, store_pte, 3);
	n += put(p + n, invlpg, 3);
	put(p + n, (const uint8_t[]){ 0xc6, 0x02, 0x77, 0xb0, 3, 0xe6, PORT, 0xf4 }, 8);
}

static void long_mode_vcpu(int fd)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	struct kvm_sregs sr;
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2 };
	struct kvm_segment code = { .selector = 8,
				    .limit = 0xffffffff,
				    .type = 0xb,
				    .present = 1,
				    .s = 1,
				    .l = 1,
				    .g = 1 },
			   data = { .selector = 16,
				    .limit = 0xffffffff,
				    .type = 3,
				    .present = 1,
				    .s = 1,
				    .db = 1,
				    .g = 1 };

	if (!c)
		die("calloc");
	c->nent = 256;
	/* Long mode needs CPUID's LM bit; the model widens MAXPHYADDR for the C-bit. */
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0 || ioctl(fd, KVM_SET_CPUID2, c) < 0 ||
	    ioctl(fd, KVM_GET_SREGS, &sr) < 0)
		die("CPUID for long mode");
	free(c);
	sr.cs = code;
	sr.ds = sr.es = sr.ss = sr.fs = sr.gs = data;
	sr.cr3 = PT_BASE;
	sr.cr4 = 0x20; /* PAE */
	sr.cr0 = 0x80000011; /* PG, ET, PE */
	sr.efer = 0x500; /* LME, LMA */
	if (ioctl(fd, KVM_SET_SREGS, &sr) < 0 || ioctl(fd, KVM_SET_REGS, &regs) < 0)
		die("long mode registers");
}

static void check_pt_writes(void)
{
	static const uint8_t want[3] = { 0xa5, 0x5b, 0x5b };
	static const char *const what[3] = {
		"the C-bit cleared at run time: the write through it reaches the VMM",
		"a second write through the shared page reaches the VMM",
		"the C-bit set again: the write through it stays private",
	};
	uint8_t *mem = new_mem();
	struct kvm_run *run;
	int vm = sev_vm(false), fd;

	if (vm < 0)
		die("KVM_SEV_INIT");
	build_long_mode(mem);
	build_pt_code(mem + CODE_GPA);
	if (set_slot(vm, 1, 0, mem, MEM_SIZE) || launch_start(vm, 0) ||
	    update_data(vm, mem, MEM_SIZE) || finish(vm))
		die("SEV launch");
	fd = new_vcpu(vm, &run);
	long_mode_vcpu(fd);
	printf("# a guest with %d page tables changes them at run time\n", PT_EXTRA + 4);
	for (int i = 0; i < 3; i++) {
		bool out = ioctl(fd, KVM_RUN, 0) == 0 && run->exit_reason == KVM_EXIT_IO &&
			   run->io.port == PORT && *((uint8_t *)run + run->io.data_offset) == i + 1;

		check(out && mem[SHARED_GPA] == want[i], "%s (exit %u, host byte %#x)", what[i],
		      run->exit_reason, mem[SHARED_GPA]);
	}
	close(fd);
	close(vm);
	munmap(mem, MEM_SIZE);
}

int main(int argc, char **argv)
{
	bool es = argc > 1 && !strcmp(argv[1], "--es");

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	sev_fd = open("/dev/sev", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0 || sev_fd < 0) {
		printf("1..0 # SKIP no /dev/kvm or /dev/sev (run under scripts/sevsim)\n");
		return 77;
	}
	check_ioctl_width();
	check_private_memory(UPDATE_THEN_SLOT);
	check_private_memory(SLOT_THEN_UPDATE);
	check_private_memory(SLOT2_THEN_UPDATE);
	check_msr_filter(true);
	check_msr_filter(false);
	check_enc_context();
	check_pt_writes();
	if (es)
		check_second_vmsa();
	printf("1..%d\n", count);
	return failed ? 1 : 0;
}
