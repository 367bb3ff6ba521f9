// SPDX-License-Identifier: MIT
/*
 * sevsim, KVM half (see kvmsim.h).  Interposes open/ioctl/close of the
 * VMM, recognises /dev/sev, /dev/kvm, VM and vCPU file descriptors, and
 * answers what a real KVM without SEV cannot: KVM_MEMORY_ENCRYPT_OP and
 * REG_REGION with the errno conventions of arch/x86/kvm/svm/sev.c, VM
 * types and INIT2 as Linux 6.10+ offers them, CPUID leaf 0x8000001f, the
 * SEV_STATUS MSR, and the private alias memory.  Everything else goes to
 * the real KVM untouched, so a run without --sev is a plain run.
 *
 * The kernel functions each command follows are named in its comment;
 * section numbers refer to shared/reference/kvm-sev-ioctls.md.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/psp-sev.h>
#include <openssl/evp.h>

#include "compat/kvm-sev.h"
#include "minisev/sev.h"
#include "sevsim/kvmsim.h"
#include "sevsim/psp.h"
#include "sevsim/selfcheck.h"
#include "sev/vmsa.h"

#define MAX_FD 4096
#define MAX_SLOTS 32
#define MAX_REGIONS 32
#define MAX_VCPUS 64
#define BLOB_MAX 0x4000 /* SEV_FW_BLOB_MAX_SIZE, include/linux/psp-sev.h */
#define PAGE_SIZE 4096ULL

typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*close_fn)(int);

static ioctl_fn real_ioctl;
static open_fn real_open;
static openat_fn real_openat;
static close_fn real_close;

/* A piece of a slot's plain GPAs, mapped to the VMM's pages or the shadow. */
struct slotrun {
	uint64_t off, len;
	bool shared;
	bool pt; /* holds a page table the walks read: its dirty log is watched */
	uint32_t id; /* the real memslot: the VMM's id for the first piece */
};

#define MAX_RUNS 64
/* Memslot ids of the MMIO traps: above the aliases, below KVM's 32764. */
#define SEVSIM_TRAP_SLOT_BASE 32000
#define SEVSIM_TRAP_SLOTS 64

struct simslot {
	bool used;
	uint32_t id, flags;
	uint64_t gpa, size;
	uint8_t *hva; /* the VMM's view; private memory is the shadow of it */
	bool alias_pt; /* its private alias holds a page table (slotrun.pt) */
	unsigned int nruns;
	struct slotrun runs[MAX_RUNS];
};

/* Guest physical ranges [lo, hi) that the guest's page tables map shared. */
struct range {
	uint64_t lo, hi;
};

#define MAX_SHARED 256

struct simregion {
	uint64_t addr, size;
};

struct simvm;

/* A GHCB request turned into an exit for the VMM, completed at the next KVM_RUN. */
enum ghcb_pending {
	GHCB_NONE,
	GHCB_IO_IN, /* copy the pio data back into the GHCB (RAX or scratch) */
	GHCB_IO_OUT,
	GHCB_MMIO_READ, /* copy run->mmio.data into the scratch buffer */
	GHCB_MMIO_WRITE,
	GHCB_MSR, /* an MSR the VMM filters: its answer into RAX/RDX, or #GP */
};

struct simvcpu {
	int fd;
	unsigned int id;
	struct simvm *vm;
	struct kvm_run *run; /* our own mapping of the vCPU's kvm_run */
	bool protected; /* VMSA encrypted: register state frozen */
	unsigned int nshared; /* what its page tables map shared, at the last walk */
	struct range shared[MAX_SHARED];
	/* The last walk: where it started, which pages it read (vm_tables). */
	bool walked;
	unsigned int walk_gen;
	uint64_t walk_cr3, walk_cr4, walk_efer, walk_cr0;
	uint64_t *tables;
	unsigned int ntables;
	struct kvm_cpuid2 *cpuid; /* as set by KVM_SET_CPUID2, for GHCB CPUID */

	/* SEV-ES */
	uint64_t ghcb_msr;
	enum ghcb_pending pending;
	uint64_t ghcb_gpa;
	uint32_t pend_size, pend_count;
	uint64_t pend_scratch; /* offset in the GHCB page of string/MMIO data */
};

struct msr_filter_copy {
	bool set;
	uint32_t flags, nranges;
	struct kvm_msr_filter_range ranges[KVM_MSR_FILTER_MAX_RANGES];
	uint8_t *bitmaps[KVM_MSR_FILTER_MAX_RANGES];
};

struct simvm {
	int fd;
	int kvm_fd;
	int id; /* index in vms[], the bit in shadow users; -1 when none was free */
	bool dead; /* moved away: kvm_vm_dead(), every ioctl EIO */
	struct simvm *mirror_of; /* KVM_CAP_VM_COPY_ENC_CONTEXT_FROM */
	unsigned int refs; /* mirrors that share this VM's handle */
	bool closed;
	bool ran; /* a vCPU has run: what it writes before a page is shared is its own */
	unsigned int nshared; /* the union over its vCPUs */
	struct range shared[MAX_SHARED];
	/*
	 * Page tables: the pages its vCPUs' walks read (sorted), and whether
	 * KVM logs the guest's writes to private memory so that only a write
	 * to one of them (pt_gen moves on) calls for another walk.
	 */
	uint64_t *tables;
	uint8_t *table_copy; /* their contents at the walks, PAGE_SIZE each */
	unsigned int ntables;
	unsigned int pt_gen;
	bool dirty_log;
	bool manual_dirty; /* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: the model clears, too */
	bool run_ids[SEVSIM_RUN_SLOTS]; /* real memslot ids of the slots' later pieces */
	uint32_t vmm_msr_reasons; /* KVM_CAP_X86_USER_SPACE_MSR as the VMM asked */
	struct msr_filter_copy vmm_filter; /* KVM_X86_SET_MSR_FILTER as the VMM set it */
	unsigned long type; /* as the VMM asked: 0, 2 or 3 */
	bool active; /* INIT done */
	bool es;
	bool started; /* LAUNCH_START done: handle valid */
	bool vmsa_done;
	uint16_t ghcb_version; /* 1 for ES_INIT, 2 by default for INIT2 (§7.1) */
	uint64_t vmsa_features; /* the VMSAs' sev_features */
	uint64_t ap_jump_table; /* AP_JUMP_TABLE SET by the guest (sev->ap_jump_table) */
	unsigned int ntraps; /* MMIO ranges behind an inaccessible memslot (mmio_trap()) */
	uint64_t trap_lo[SEVSIM_TRAP_SLOTS], trap_hi[SEVSIM_TRAP_SLOTS];
	uint32_t handle;
	int sev_fd; /* the fd *number* LAUNCH_START was given (§3.3) */
	uint64_t locked_pages;
	struct simslot slots[MAX_SLOTS];
	struct simregion regions[MAX_REGIONS];
	unsigned int nr_vcpus;
	struct simvcpu *vcpus[MAX_VCPUS];
};

#define MAX_SHADOWS 64
#define MAX_VMS 64

struct shadow {
	uint64_t lo, hi; /* host range, page aligned */
	uint8_t *mem;
	uint64_t users; /* bit i: VM id i uses it */
};

static struct shadow shadows[MAX_SHADOWS];
static struct simvm *vms[MAX_VMS]; /* every VM by id, until its fd is closed */

enum fd_kind { FD_NONE, FD_SEV, FD_KVM, FD_VM, FD_VCPU };

static struct {
	enum fd_kind kind;
	bool writable;
	void *obj;
} fds[MAX_FD];

/*
 * One lock for the whole model: commands are rare and short.  KVM_RUN is
 * called without it; only its MSR completions take it.
 */
static pthread_mutex_t sim_lock = PTHREAD_MUTEX_INITIALIZER;
static struct psp *psp;
static bool init2_mode = true;
/*
 * A second LAUNCH_UPDATE_VMSA: kernels up to the 6.10-6.1x series re-sync
 * and re-measure every VMSA (the kernel selftests of that era rely on it);
 * 2026 stable kernels refuse it with EINVAL (§10).  SEVSIM_KVM=6.10 is an
 * INIT2 kernel of that series, "legacy" one before 6.10, "init2" today's.
 */
static bool second_vmsa_ok;
static bool debug;
static bool trace_exits; /* SEVSIM_DEBUG=2: every exit of an SEV guest, with its RIP */
/*
 * SEVSIM_TRACE=FILE: the first exit of each kind (reason, port, MSR, MMIO
 * page) that the VMM gets from an SEV guest (for SEV-ES: what the GHCB
 * asked for, and each #VC the model raised, "#VC for ..."), one line each with the time since its first KVM_RUN, the
 * exit count so far and the guest's CS:RIP: how far a firmware got, for a
 * fraction of the cost of the full log.  Appended and line-buffered, so a
 * killed VMM leaves it whole.
 */
static FILE *trace_file;
/* What the page-table walks cost, for the heartbeat lines. */
static uint64_t walk_count, walk_ns;
static unsigned int walk_tables;
/*
 * SEVSIM_DEBUG_SWAP=1: kvm_amd.debug_swap=Y on a CPU with DebugSwap.  On
 * 6.10+ (init2) KVM then offers VMSA feature 0x20 for INIT2 to opt in;
 * before 6.10 (legacy) ES_INIT sets it in every VMSA unasked, which is
 * what changed SEV-ES measurements under guest owners on 6.5-6.7 (§9).
 */
#define SVM_SEV_FEAT_DEBUG_SWAP 0x20
static uint64_t debug_swap;

static void sim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sim_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "sevsim: %s\n", buf);
}

#define sim_debug(...)                        \
	do {                                  \
		if (debug)                    \
			sim_log(__VA_ARGS__); \
	} while (0)

static void sim_init(void)
{
	const char *mode = getenv("SEVSIM_KVM");

	real_ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
	real_open = (open_fn)dlsym(RTLD_NEXT, "open");
	real_openat = (openat_fn)dlsym(RTLD_NEXT, "openat");
	real_close = (close_fn)dlsym(RTLD_NEXT, "close");
	if (!real_ioctl || !real_open || !real_openat || !real_close) {
		sim_log("cannot find libc's open/ioctl/close");
		abort();
	}
	if (mode && !strcmp(mode, "legacy")) {
		init2_mode = false;
		second_vmsa_ok = true;
	} else if (mode && !strcmp(mode, "6.10")) {
		second_vmsa_ok = true;
	} else if (mode && strcmp(mode, "init2")) {
		sim_log("SEVSIM_KVM=%s: want init2, 6.10 or legacy; using init2", mode);
	}
	debug = getenv("SEVSIM_DEBUG") && strchr("12", *getenv("SEVSIM_DEBUG")) &&
		*getenv("SEVSIM_DEBUG");
	trace_exits = debug && *getenv("SEVSIM_DEBUG") == '2';
	if (getenv("SEVSIM_TRACE") && *getenv("SEVSIM_TRACE")) {
		trace_file = fopen(getenv("SEVSIM_TRACE"), "ae");
		if (trace_file)
			setvbuf(trace_file, NULL, _IOLBF, 0);
		else
			sim_log("SEVSIM_TRACE=%s: %s", getenv("SEVSIM_TRACE"), strerror(errno));
	}
	if (getenv("SEVSIM_DEBUG_SWAP") && *getenv("SEVSIM_DEBUG_SWAP") == '1')
		debug_swap = SVM_SEV_FEAT_DEBUG_SWAP;
}

static pthread_once_t sim_once = PTHREAD_ONCE_INIT;

static inline void sim_ready(void)
{
	pthread_once(&sim_once, sim_init);
}

static int fail(int err)
{
	errno = err;
	return -1;
}

static enum fd_kind fd_kind(int fd)
{
	return fd >= 0 && fd < MAX_FD ? fds[fd].kind : FD_NONE;
}

/* The PSP model, opened on first use with the state directory. */
static struct psp *get_psp(void)
{
	const char *dir;

	if (psp)
		return psp;
	dir = getenv("SEVSIM_STATE");
	if (!dir || !*dir) {
		sim_log("SEVSIM_STATE is not set: it names the model firmware's state directory");
		return NULL;
	}
	psp = psp_open(dir);
	if (!psp)
		sim_log("cannot open the model firmware state in %s: %s", dir, strerror(errno));
	return psp;
}

/* ---- /dev/sev ---------------------------------------------------------- */

static int open_sev(int flags)
{
	bool writable = (flags & O_ACCMODE) != O_RDONLY;
	int fd;

	if (!get_psp())
		return fail(ENODEV);
	/* A real fd, so that close(), dup() and poll() behave. */
	fd = real_open("/dev/null", O_RDWR | (flags & O_CLOEXEC));
	if (fd < 0)
		return fd;
	if (fd >= MAX_FD) {
		real_close(fd);
		return fail(EMFILE);
	}
	fds[fd].kind = FD_SEV;
	fds[fd].writable = writable;
	sim_debug("open /dev/sev -> fd %d (%s)", fd, writable ? "rw" : "ro");
	return fd;
}

/* sev_ioctl() in drivers/crypto/ccp/sev-dev.c: only SEV_ISSUE_CMD. */
static int sev_dev_ioctl(int fd, unsigned long req, void *arg)
{
	struct sev_issue_cmd *c = arg;
	uint32_t fw_err = 0;
	int ret;

	if (req != SEV_ISSUE_CMD)
		return fail(EINVAL);
	if (!c)
		return fail(EFAULT);
	pthread_mutex_lock(&sim_lock);
	ret = psp_platform_cmd(psp, c->cmd, (void *)(uintptr_t)c->data, fds[fd].writable, &fw_err);
	pthread_mutex_unlock(&sim_lock);
	c->error = fw_err;
	sim_debug("SEV_ISSUE_CMD %u -> %d, status %#x", c->cmd, ret, fw_err);
	return ret ? fail(-ret) : 0;
}

/* ---- /dev/kvm ---------------------------------------------------------- */

/*
 * KVM_GET_SUPPORTED_CPUID as an SEV host reports it (§5): leaf
 * 0x8000001f with SEV and SEV-ES, the C-bit, reduced phys bits forced to
 * 0, ASID ranges in ECX/EDX; and leaf 0x80000000 high enough to reach it.
 */
static int patch_cpuid(struct kvm_cpuid2 *c, uint32_t cap)
{
	struct kvm_cpuid_entry2 *e = NULL;

	for (uint32_t i = 0; i < c->nent; i++) {
		if (c->entries[i].function == 0x80000000 && c->entries[i].eax < 0x8000001f)
			c->entries[i].eax = 0x8000001f;
		if (c->entries[i].function == 0x8000001f)
			e = &c->entries[i];
	}
	if (!e) {
		if (c->nent >= cap)
			return -E2BIG;
		e = &c->entries[c->nent++];
		memset(e, 0, sizeof(*e));
		e->function = 0x8000001f;
	}
	e->eax = (1u << 1) | (1u << 3); /* SEV, SEV-ES */
	e->ebx = SEVSIM_CBIT;
	e->ecx = SEVSIM_MAX_ASID;
	e->edx = SEVSIM_MIN_SEV_ASID;
	return 0;
}

static int kvm_dev_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	switch (req) {
	case KVM_CREATE_VM: {
		unsigned long type = (unsigned long)arg;
		struct simvm *vm;

		/* Types 2 and 3 exist from 6.10 on; the real KVM gets type 0. */
		if (init2_mode && (type == KVM_X86_SEV_VM || type == KVM_X86_SEV_ES_VM))
			ret = real_ioctl(fd, KVM_CREATE_VM, 0UL);
		else
			ret = real_ioctl(fd, KVM_CREATE_VM, type);
		if (ret < 0)
			return ret;
		if (ret >= MAX_FD) {
			real_close(ret);
			return fail(EMFILE);
		}
		vm = calloc(1, sizeof(*vm));
		if (!vm) {
			real_close(ret);
			return fail(ENOMEM);
		}
		vm->fd = ret;
		vm->kvm_fd = fd;
		vm->type = type;
		vm->sev_fd = -1;
		vm->id = -1;
		pthread_mutex_lock(&sim_lock);
		for (int i = 0; i < MAX_VMS && vm->id < 0; i++)
			if (!vms[i])
				vms[vm->id = i] = vm;
		fds[ret].kind = FD_VM;
		fds[ret].obj = vm;
		pthread_mutex_unlock(&sim_lock);
		sim_debug("KVM_CREATE_VM type %lu -> fd %d", type, ret);
		return ret;
	}
	case KVM_CHECK_EXTENSION:
		ret = real_ioctl(fd, req, arg);
		if ((long)arg == KVM_CAP_VM_TYPES && init2_mode)
			return (ret > 0 ? ret : 0) | (1 << KVM_X86_DEFAULT_VM) |
			       (1 << KVM_X86_SEV_VM) | (1 << KVM_X86_SEV_ES_VM);
		/* What the model serves on any kernel under it. */
		if ((long)arg == MINISEV_KVM_CAP_USER_MEMORY2 ||
		    (long)arg == KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM ||
		    (long)arg == KVM_CAP_VM_COPY_ENC_CONTEXT_FROM)
			return 1;
		return ret;
	case KVM_GET_SUPPORTED_CPUID: {
		struct kvm_cpuid2 *c = arg;
		uint32_t cap = c ? c->nent : 0;

		ret = real_ioctl(fd, req, arg);
		if (ret < 0)
			return ret;
		ret = patch_cpuid(c, cap);
		if (ret) {
			c->nent = cap;
			return fail(-ret);
		}
		return 0;
	}
	case KVM_GET_DEVICE_ATTR:
	case KVM_HAS_DEVICE_ATTR: {
		struct kvm_device_attr *a = arg;

		/* sev_dev_get_attr(): the attribute exists on 6.10+ only. */
		if (a && a->group == KVM_X86_GRP_SEV) {
			if (!init2_mode || a->attr != KVM_X86_SEV_VMSA_FEATURES)
				return fail(ENXIO);
			if (req == KVM_GET_DEVICE_ATTR)
				memcpy((void *)(uintptr_t)a->addr, &debug_swap, sizeof(debug_swap));
			return 0;
		}
		return real_ioctl(fd, req, arg);
	}
	default:
		return real_ioctl(fd, req, arg);
	}
}

/* ---- guest memory ------------------------------------------------------ */

/*
 * Private memory belongs to host pages, as on hardware, where the
 * ciphertext lives in the RAM itself: whatever memslots map a page, before
 * any maps it (QEMU encrypts its BIOS before the slot exists), after a
 * slot is deleted or split (PAM and SMRAM changes), and the same for two
 * slots over the same host memory.  The model keeps the plaintext in
 * shadows: anonymous mappings that mirror ranges of the VMM's address
 * space page for page, made on first use (a memslot of an SEV VM,
 * LAUNCH_UPDATE_DATA, DBG_ENCRYPT) and merged when a later range overlaps
 * two of them.  A merge moves their pages with mremap (nothing is copied)
 * and points every memslot that used them at the new place.
 */
static int slot_remap(struct simvm *vm, struct simslot *s);

static struct shadow *shadow_find(uint64_t hva, uint64_t len)
{
	for (int i = 0; i < MAX_SHADOWS; i++) {
		struct shadow *sh = &shadows[i];

		if (sh->mem && hva >= sh->lo && hva < sh->hi && len <= sh->hi - hva)
			return sh;
	}
	return NULL;
}

/* The plaintext of host range [hva, hva + len), or NULL when it has none. */
static uint8_t *priv_of(uint64_t hva, uint64_t len)
{
	struct shadow *sh = shadow_find(hva, len);

	return sh ? sh->mem + (hva - sh->lo) : NULL;
}

/* Grow [*lo, *hi) to cover every shadow it overlaps (they are disjoint). */
static void shadow_union(uint64_t *lo, uint64_t *hi)
{
	bool grew = true;

	while (grew) {
		grew = false;
		for (int i = 0; i < MAX_SHADOWS; i++) {
			struct shadow *sh = &shadows[i];

			if (!sh->mem || sh->hi <= *lo || *hi <= sh->lo ||
			    (sh->lo >= *lo && sh->hi <= *hi))
				continue;
			*lo = sh->lo < *lo ? sh->lo : *lo;
			*hi = sh->hi > *hi ? sh->hi : *hi;
			grew = true;
		}
	}
}

/* The plaintext of [hva, hva + len) for `vm`, its shadow made as needed. */
static uint8_t *shadow_get(struct simvm *vm, uint64_t hva, uint64_t len)
{
	uint64_t lo = hva & ~(PAGE_SIZE - 1), hi, users = 0;
	struct shadow *sh = shadow_find(hva, len), *slot = NULL;
	bool moved = false;
	uint8_t *mem;

	if (vm->id < 0 || !len || hva + len < hva)
		return NULL;
	if (sh) {
		sh->users |= 1ULL << vm->id;
		return sh->mem + (hva - sh->lo);
	}
	hi = (hva + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	shadow_union(&lo, &hi);
	mem = mmap(NULL, hi - lo, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	for (int i = 0; i < MAX_SHADOWS; i++) {
		sh = &shadows[i];
		if (sh->mem && sh->lo >= lo && sh->hi <= hi) {
			/* Onto its place in the new mapping, pages and all. */
			if (mremap(sh->mem, sh->hi - sh->lo, sh->hi - sh->lo,
				   MREMAP_MAYMOVE | MREMAP_FIXED,
				   mem + (sh->lo - lo)) == MAP_FAILED) {
				sim_log("cannot merge private memory (mremap: %s)",
					strerror(errno));
				abort();
			}
			users |= sh->users;
			memset(sh, 0, sizeof(*sh));
			moved = true;
		}
		if (!sh->mem && !slot)
			slot = sh;
	}
	if (!slot) {
		munmap(mem, hi - lo);
		sim_log("more than %d separate ranges of private memory", MAX_SHADOWS);
		return NULL;
	}
	*slot = (struct shadow){ lo, hi, mem, users | 1ULL << vm->id };
	/* Memslots into the shadows that moved follow them. */
	for (int i = 0; moved && i < MAX_VMS; i++) {
		struct simvm *o = vms[i];

		for (int j = 0; o && o->active && j < MAX_SLOTS; j++) {
			uint64_t b = (uint64_t)(uintptr_t)o->slots[j].hva;

			if (o->slots[j].used && b >= lo && b < hi)
				slot_remap(o, &o->slots[j]);
		}
	}
	return mem + (hva - lo);
}

/* A VM is gone: shadows no other VM uses go with it. */
static void shadows_release(struct simvm *vm)
{
	for (int i = 0; vm->id >= 0 && i < MAX_SHADOWS; i++) {
		struct shadow *sh = &shadows[i];

		sh->users &= ~(1ULL << vm->id);
		if (sh->mem && !sh->users) {
			munmap(sh->mem, sh->hi - sh->lo);
			memset(sh, 0, sizeof(*sh));
		}
	}
}

/*
 * Which memory a plain (C-bit clear) GPA reaches.  On hardware every
 * access is private except a data access through a guest page-table entry
 * whose C-bit is clear: accesses with paging off (the BSP at the reset
 * vector, APs from INIT-SIPI or the SEV-ES AP jump table), instruction
 * fetches and page-table walks are private whatever the C-bit says (APM
 * vol. 2, 15.34.5), and OVMF's CR3 has no C-bit at all.  So the model
 * makes plain GPAs private by default, and shared only where the guest's
 * own page tables map a page with the C-bit clear: it walks each vCPU's
 * tables (in private memory, as the CPU does) before its first run and
 * at each exit, and maps the shared runs of each slot to the VMM's pages,
 * the rest to the shadow.  The alias at GPA | C-bit is the shadow always.
 *
 * What stays different: the model learns of a page the guest has just
 * made shared at the guest's next exit, not at once, so what the guest
 * wrote there in between went to private memory; the model copies it
 * over when it learns (once the guest has run), so the VMM sees it.  A
 * fetch or walk through a page mapped shared reads the VMM's view.  And
 * other vCPUs may miss a slot for a moment while its runs change.
 */
static int real_slot(struct simvm *vm, uint32_t id, uint32_t flags, uint64_t gpa, uint64_t size,
		     void *uaddr)
{
	struct kvm_userspace_memory_region r = {
		.slot = id,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)uaddr,
	};

	return real_ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

/*
 * The flags of a slot's private pieces: KVM logs the guest's writes there
 * (vm_pt_dirty()) while the model can use that; a read-only slot has none.
 */
static uint32_t private_flags(const struct simvm *vm, const struct simslot *s)
{
	if (s->flags & KVM_MEM_READONLY)
		return s->flags;
	return s->flags | (vm->dirty_log ? KVM_MEM_LOG_DIRTY_PAGES : 0);
}

/* A private piece; where KVM will not log it, the model walks at every exit. */
static int private_slot(struct simvm *vm, uint32_t id, uint32_t flags, uint64_t gpa, uint64_t size,
			void *uaddr)
{
	int ret = real_slot(vm, id, flags, gpa, size, uaddr);

	if (ret && (flags & KVM_MEM_LOG_DIRTY_PAGES)) {
		sim_log("KVM will not log writes to slot %u (%s): page tables are walked at "
			"every exit",
			id, strerror(-ret));
		vm->dirty_log = false;
		ret = real_slot(vm, id, flags & ~KVM_MEM_LOG_DIRTY_PAGES, gpa, size, uaddr);
	}
	return ret;
}

/* The next piece of [lo, hi) from `lo` on that `set` covers (*in) or not. */
static uint64_t next_piece(const struct range *set, unsigned int n, uint64_t lo, uint64_t hi,
			   bool *in)
{
	uint64_t end = hi;

	for (unsigned int i = 0; i < n; i++) {
		if (set[i].lo <= lo && lo < set[i].hi) {
			*in = true;
			return set[i].hi < hi ? set[i].hi : hi;
		}
		if (set[i].lo > lo && set[i].lo < end)
			end = set[i].lo;
	}
	*in = false;
	return end;
}

static void slot_runs_drop(struct simvm *vm, struct simslot *s)
{
	for (unsigned int i = 0; i < s->nruns; i++) {
		uint32_t id = s->runs[i].id & 0xffff;

		real_slot(vm, s->runs[i].id, 0, 0, 0, NULL);
		if (id >= SEVSIM_RUN_SLOT_BASE)
			vm->run_ids[id - SEVSIM_RUN_SLOT_BASE] = false;
	}
	s->nruns = 0;
}

/* Map the slot's plain GPAs run by run (see above); `force` remaps all. */
static int slot_runs(struct simvm *vm, struct simslot *s, bool force)
{
	struct slotrun runs[MAX_RUNS];
	uint8_t *priv = priv_of((uint64_t)(uintptr_t)s->hva, s->size);
	unsigned int n = 0;
	bool same, in;
	int ret = 0;

	if (!priv)
		return -ENOMEM;
	for (uint64_t lo = s->gpa, hi; lo < s->gpa + s->size; lo = hi) {
		hi = next_piece(vm->shared, vm->nshared, lo, s->gpa + s->size, &in);
		if (n == MAX_RUNS) {
			/* More shared pieces than runs: the rest stays one run. */
			runs[n - 1].len = s->gpa + s->size - runs[n - 1].off - s->gpa;
			break;
		}
		if (n && runs[n - 1].shared == in)
			runs[n - 1].len += hi - lo;
		else
			runs[n++] = (struct slotrun){ .off = lo - s->gpa,
						      .len = hi - lo,
						      .shared = in };
	}
	same = n == s->nruns;
	for (unsigned int i = 0; same && i < n; i++)
		same = runs[i].off == s->runs[i].off && runs[i].len == s->runs[i].len &&
		       runs[i].shared == s->runs[i].shared;
	if (same && !force)
		return 0;
	slot_runs_drop(vm, s);
	vm->pt_gen++; /* new pieces, new dirty logs: walk and watch again */
	for (unsigned int i = 0; i < n && !ret; i++) {
		runs[i].id = s->id;
		for (uint32_t j = 0; i && j < SEVSIM_RUN_SLOTS; j++) {
			if (!vm->run_ids[j]) {
				vm->run_ids[j] = true;
				/* In the slot's own address space (bits 16+: SMM). */
				runs[i].id = (s->id & ~0xffffu) | (SEVSIM_RUN_SLOT_BASE + j);
				break;
			}
		}
		if (i && runs[i].id == s->id) {
			sim_log("more than %d memslot pieces", SEVSIM_RUN_SLOTS);
			return -ENOSPC;
		}
		s->runs[s->nruns++] = runs[i];
		ret = private_slot(vm, runs[i].id, runs[i].shared ? s->flags : private_flags(vm, s),
				   s->gpa + runs[i].off, runs[i].len,
				   (runs[i].shared ? s->hva : priv) + runs[i].off);
	}
	return ret;
}

/* An SEV VM's slot: its private alias, and its plain GPAs run by run. */
static int slot_remap(struct simvm *vm, struct simslot *s)
{
	uint8_t *priv = shadow_get(vm, (uint64_t)(uintptr_t)s->hva, s->size);
	uint64_t alias = s->gpa | (1ULL << SEVSIM_CBIT);
	uint32_t id = SEVSIM_ALIAS_SLOT_BASE + s->id;
	int ret;

	if (!priv)
		return -ENOMEM;
	real_slot(vm, id, 0, 0, 0, NULL);
	ret = private_slot(vm, id,
			   private_flags(vm, s) & (KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES),
			   alias, s->size, priv);
	if (ret) {
		sim_log("cannot add the private alias of slot %u at %#llx: %s (the model needs "
			"guest physical addresses up to bit %d: QEMU -cpu ...,phys-bits=48)",
			s->id, (unsigned long long)alias, strerror(-ret), SEVSIM_CBIT);
		return ret;
	}
	return slot_runs(vm, s, true);
}

static int vm_set_memslot(struct simvm *vm, struct kvm_userspace_memory_region *r)
{
	struct simslot *s = NULL;
	bool existed;
	int ret = 0;

	if ((r->slot & 0xffff) >= SEVSIM_RUN_SLOT_BASE) {
		sim_log("memslot id %u collides with the model's own slots", r->slot);
		return fail(EINVAL);
	}
	pthread_mutex_lock(&sim_lock);
	for (int i = 0; i < MAX_SLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].id == r->slot)
			s = &vm->slots[i];
	/*
	 * The real KVM checks the request first where it sees it as the VMM
	 * made it: always without SEV, and for a new slot.  An SEV VM's
	 * existing slot is the model's pieces: those change instead.
	 */
	existed = s != NULL;
	sim_debug("memslot %u: [%#llx+%#llx] flags %#x at %#llx%s", r->slot,
		  (unsigned long long)r->guest_phys_addr, (unsigned long long)r->memory_size,
		  r->flags, (unsigned long long)r->userspace_addr, existed ? " (changed)" : "");
	if (!vm->active || !s) {
		ret = real_ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, r);
		if (ret < 0) {
			pthread_mutex_unlock(&sim_lock);
			return ret;
		}
	}
	if (!s && r->memory_size) {
		for (int i = 0; i < MAX_SLOTS && !s; i++)
			if (!vm->slots[i].used)
				s = &vm->slots[i];
		if (!s) {
			pthread_mutex_unlock(&sim_lock);
			sim_log("more than %d memslots", MAX_SLOTS);
			return fail(ENOSPC);
		}
		s->nruns = 0;
	}
	if (existed && vm->active) {
		/* The pieces and the alias go; private memory stays with the host pages. */
		slot_runs_drop(vm, s);
		real_slot(vm, SEVSIM_ALIAS_SLOT_BASE + s->id, 0, 0, 0, NULL);
	}
	if (s && !r->memory_size) {
		memset(s, 0, sizeof(*s));
	} else if (s) {
		*s = (struct simslot){
			.used = true,
			.id = r->slot,
			.flags = r->flags,
			.gpa = r->guest_phys_addr,
			.size = r->memory_size,
			.hva = (uint8_t *)(uintptr_t)r->userspace_addr,
		};
		/* The slot the real KVM just made is the model's first piece. */
		if (!existed && vm->active) {
			s->runs[0] = (struct slotrun){ .len = r->memory_size,
						       .shared = true,
						       .id = r->slot };
			s->nruns = 1;
		}
		if (vm->active)
			ret = slot_remap(vm, s);
	}
	pthread_mutex_unlock(&sim_lock);
	return ret ? fail(-ret) : 0;
}

/*
 * KVM_SET_USER_MEMORY_REGION2 (6.8+): the same slot with guest_memfd
 * fields, which SEV and SEV-ES VMs cannot use.  Served on any kernel,
 * through the old ioctl, which every kernel has.
 */
static int vm_set_memslot2(struct simvm *vm, struct minisev_kvm_userspace_memory_region2 *r2)
{
	struct kvm_userspace_memory_region r;

	if (!r2)
		return fail(EFAULT);
	if (r2->flags & MINISEV_KVM_MEM_GUEST_MEMFD)
		return fail(EINVAL);
	r = (struct kvm_userspace_memory_region){
		.slot = r2->slot,
		.flags = r2->flags,
		.guest_phys_addr = r2->guest_phys_addr,
		.memory_size = r2->memory_size,
		.userspace_addr = r2->userspace_addr,
	};
	return vm_set_memslot(vm, &r);
}

/*
 * What the host sees of encrypted memory: AES-256-CTR under the guest's
 * key with the block counter taken from the host address (hardware's
 * tweak is the system physical address), so the same plaintext on two
 * pages gives two ciphertexts.  Not SEV's cipher (AES-128-XEX), but real
 * ciphertext that no host code can read.
 */
static int encrypt_host_view(struct simvm *vm, uint8_t *buf, size_t len)
{
	uint64_t pa = (uint64_t)(uintptr_t)buf;
	uint8_t key[32], iv[16] = { 0 };
	EVP_CIPHER_CTX *ctx;
	int outl, ret = -EIO;

	if (psp_guest_key(psp, vm->handle, key))
		return -EIO;
	for (int i = 0; i < 8; i++)
		iv[15 - i] = (pa / 16) >> (8 * i);
	ctx = EVP_CIPHER_CTX_new();
	if (ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, key, iv) &&
	    EVP_EncryptUpdate(ctx, buf, &outl, buf, (int)len))
		ret = 0;
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

/* ---- KVM_MEMORY_ENCRYPT_OP ---------------------------------------------- */

/*
 * How a firmware call's result reaches the VMM: the kernel's
 * __sev_do_cmd_locked() turns a non-zero status into -EIO with the status
 * in kvm_sev_cmd.error (§4.1).
 */
static int fw_result(struct kvm_sev_cmd *cmd, int ret, uint32_t fw_err)
{
	cmd->error = fw_err;
	return ret;
}

/* The stored /dev/sev fd number is looked up again for every command (§3.3). */
static int check_sev_fd(struct simvm *vm)
{
	return fd_kind(vm->sev_fd) == FD_SEV ? 0 : -EBADF;
}

/* sev_pin_memory(): pinned pages count against RLIMIT_MEMLOCK. */
static int account_pages(struct simvm *vm, uint64_t size, bool keep)
{
	uint64_t npages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t caps = 0;
	struct rlimit rl;
	char line[256];
	FILE *f;

	f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %" SCNx64, &caps) == 1)
			break;
	if (f)
		fclose(f);
	if (!(caps & (1ULL << 14)) && getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && vm->locked_pages + npages > rl.rlim_cur / PAGE_SIZE) {
		/* The kernel's own message, at pr_err level. */
		sim_log("SEV: %llu locked pages exceed the lock limit of %llu.",
			(unsigned long long)(vm->locked_pages + npages),
			(unsigned long long)(rl.rlim_cur / PAGE_SIZE));
		return -ENOMEM;
	}
	if (keep)
		vm->locked_pages += npages;
	return 0;
}

/* Copy a blob from the VMM as psp_copy_user_blob() does. */
static int blob_ok(uint64_t uaddr, uint32_t len)
{
	if (!uaddr)
		return 0;
	return (!len || len > BLOB_MAX) ? -EINVAL : 0;
}

/*
 * SEV_STATUS and the GHCB MSR always come to the model.  Under SEV-ES
 * every other MSR the guest touches directly does too (default deny):
 * on hardware such an RDMSR or WRMSR raises #VC, and the model raises it.
 * Accesses the GHCB asks for are the model's own KVM_GET/SET_MSRS, which
 * no filter applies to, so the model applies the VMM's filter to them.
 *
 * A VMM may install its own filter and exit reasons too (QEMU filters
 * MSR_CORE_THREAD_COUNT after KVM_SEV_INIT).  One filter per VM exists
 * in KVM, so the model keeps the VMM's and installs both merged: its own
 * range first (KVM takes the first range that matches), then the VMM's,
 * with the VMM's default action unless SEV-ES needs default deny.  Exits
 * for the VMM's MSRs reach the VMM as they would without the model.
 */
static int install_msr_filter(struct simvm *vm)
{
	const struct msr_filter_copy *f = &vm->vmm_filter;
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_FILTER | vm->vmm_msr_reasons },
	};
	struct kvm_msr_filter m = {
		.flags = vm->es ? KVM_MSR_FILTER_DEFAULT_DENY :
			 f->set ? f->flags :
				  KVM_MSR_FILTER_DEFAULT_ALLOW,
	};
	uint32_t n = sim_model_msr_ranges(m.ranges, vm->es);

	for (uint32_t i = 0; f->set && i < f->nranges; i++) {
		if (n == KVM_MSR_FILTER_MAX_RANGES) {
			sim_log("the VMM's MSR filter has %u ranges: with the model's own one "
				"that is more than KVM's %d",
				f->nranges, KVM_MSR_FILTER_MAX_RANGES);
			return -E2BIG;
		}
		m.ranges[n] = f->ranges[i];
		m.ranges[n++].bitmap = f->bitmaps[i];
	}
	if (real_ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0 ||
	    real_ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &m) < 0) {
		int err = errno;

		sim_log("this KVM cannot send the SEV MSRs to user space (KVM_CAP_X86_USER_SPACE_MSR,"
			" KVM_X86_SET_MSR_FILTER): %s",
			strerror(err));
		return -err;
	}
	return 0;
}

/* KVM_X86_SET_MSR_FILTER from the VMM: kept, and merged once SEV is on. */
static int vmm_set_msr_filter(struct simvm *vm, const struct kvm_msr_filter *f)
{
	struct msr_filter_copy c = { .set = true };
	int ret;

	if (!f)
		return fail(EFAULT);
	/* The real KVM checks it first, as it would without the model. */
	ret = real_ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, f);
	if (ret < 0)
		return ret;
	c.flags = f->flags;
	for (uint32_t i = 0; i < KVM_MSR_FILTER_MAX_RANGES && f->ranges[i].flags; i++) {
		size_t len = (f->ranges[i].nmsrs + 7) / 8;

		c.ranges[i] = f->ranges[i];
		c.bitmaps[i] = malloc(len ? len : 1);
		if (!c.bitmaps[i])
			ret = -ENOMEM;
		else
			memcpy(c.bitmaps[i], f->ranges[i].bitmap, len);
		c.nranges = i + 1;
	}
	pthread_mutex_lock(&sim_lock);
	for (uint32_t i = 0; i < vm->vmm_filter.nranges; i++)
		free(vm->vmm_filter.bitmaps[i]);
	vm->vmm_filter = c;
	if (!ret && vm->active)
		ret = install_msr_filter(vm);
	pthread_mutex_unlock(&sim_lock);
	return ret ? fail(-ret) : 0;
}

/* KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR) from the VMM. */
static int vmm_user_space_msr(struct simvm *vm, struct kvm_enable_cap *cap)
{
	int ret = real_ioctl(vm->fd, KVM_ENABLE_CAP, cap);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&sim_lock);
	vm->vmm_msr_reasons = (uint32_t)cap->args[0];
	ret = vm->active ? install_msr_filter(vm) : 0;
	pthread_mutex_unlock(&sim_lock);
	return ret ? fail(-ret) : 0;
}

/* Would the VMM's own filter send this access to the VMM (or deny it)? */
static bool vmm_filter_denies(const struct simvm *vm, uint32_t index, bool write)
{
	const struct msr_filter_copy *f = &vm->vmm_filter;
	uint32_t want = write ? KVM_MSR_FILTER_WRITE : KVM_MSR_FILTER_READ;

	if (!f->set)
		return false;
	for (uint32_t i = 0; i < f->nranges; i++) {
		const struct kvm_msr_filter_range *r = &f->ranges[i];
		uint32_t bit = index - r->base;

		if (!(r->flags & want) || index < r->base || bit >= r->nmsrs)
			continue;
		return !(f->bitmaps[i][bit / 8] & (1u << (bit % 8)));
	}
	return f->flags & KVM_MSR_FILTER_DEFAULT_DENY;
}

/* SEV is on for `vm` (INIT, or an encryption context moved or mirrored in). */
static int vm_activate(struct simvm *vm)
{
	int ret = install_msr_filter(vm);

	if (ret)
		return ret;
	vm->active = true;
	vm->dirty_log = true; /* until KVM refuses it for a slot */
	/*
	 * Manual protection: reading the log leaves pages writable, and the
	 * model re-arms only page tables, so that the guest's other writes
	 * do not fault after every exit.  QEMU asks for it itself.
	 */
	if (!vm->manual_dirty) {
		struct kvm_enable_cap mcap = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
					       .args = { KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE } };

		vm->manual_dirty = real_ioctl(vm->fd, KVM_ENABLE_CAP, &mcap) == 0;
	}
	for (int i = 0; i < MAX_SLOTS; i++) {
		if (vm->slots[i].used && (ret = slot_remap(vm, &vm->slots[i]))) {
			vm->active = false;
			return ret;
		}
	}
	return 0;
}

/*
 * Before the first SEV command of a VM: can this KVM carry the model at
 * all (selfcheck.h)?  A KVM that cannot would run a guest that hangs or
 * dies in ways that look like bugs of the VMM, so the model stops the
 * process here, before the launch, with the reason and its own status.
 * Once per process and mode: the answer does not change.
 */
static void check_kvm(int kvm_fd, bool es)
{
	static int checked[2]; /* 0 not yet, 1 passed */
	char why[384];

	if (checked[es])
		return;
	if (sim_selfcheck(kvm_fd, (kprobe_ioctl_fn)real_ioctl, es, why, sizeof(why)) == 0) {
		checked[es] = 1;
		sim_debug("this KVM carries the model%s", es ? " for SEV-ES" : "");
		return;
	}
	sim_log("this KVM cannot carry the SEV model%s: %s", es ? " for SEV-ES" : "", why);
	sim_log("the model needs kvm_amd (or kvm_intel); scripts/kvm-run runs the command under "
		"a nested kvm_amd when this machine's /dev/kvm is another KVM");
	fflush(NULL);
	_exit(SEVSIM_EXIT_UNSUPPORTED);
}

/* __sev_guest_init(): shared by INIT, ES_INIT and INIT2. */
static int guest_init(struct simvm *vm, struct kvm_sev_cmd *cmd, bool es)
{
	uint32_t fw_err = 0;
	int ret;

	if (vm->active || vm->nr_vcpus)
		return -EINVAL;
	if (vm->id < 0)
		return -ENOMEM;
	check_kvm(vm->kvm_fd, es);
	/* sev_platform_init(): the firmware is initialised on first use. */
	ret = psp_platform_init(psp, &fw_err);
	if (ret)
		return fw_result(cmd, ret, fw_err);
	vm->es = es;
	if (es && !vm->ghcb_version)
		vm->ghcb_version = vm->type == KVM_X86_DEFAULT_VM ? 1 : 2;
	/* sev_es_sync_vmsa() before 6.10: DebugSwap whenever the host has it. */
	if (es && !init2_mode)
		vm->vmsa_features = debug_swap;
	return vm_activate(vm);
}

static int cmd_init2(struct simvm *vm, struct kvm_sev_cmd *cmd)
{
	struct minisev_kvm_sev_init in;
	int ret;

	/* sev_guest_init2(): typed VMs only, every field checked. */
	if (!init2_mode)
		return -EINVAL; /* an unknown command before 6.10 */
	if (vm->type != KVM_X86_SEV_VM && vm->type != KVM_X86_SEV_ES_VM)
		return -EINVAL;
	if (!cmd->data)
		return -EFAULT;
	memcpy(&in, (void *)(uintptr_t)cmd->data, sizeof(in));
	if (in.flags || (in.vmsa_features & ~debug_swap))
		return -EINVAL;
	if (vm->type == KVM_X86_SEV_VM && in.vmsa_features)
		return -EINVAL;
	if (in.ghcb_version > 2 || (vm->type == KVM_X86_SEV_VM && in.ghcb_version))
		return -EINVAL;
	vm->ghcb_version = in.ghcb_version;
	ret = guest_init(vm, cmd, vm->type == KVM_X86_SEV_ES_VM);
	if (!ret)
		vm->vmsa_features = in.vmsa_features;
	return ret;
}

static int cmd_launch_start(struct simvm *vm, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_launch_start *s = (void *)(uintptr_t)cmd->data;
	uint32_t fw_err = 0, handle;
	int ret;

	if (!s)
		return -EFAULT;
	if (fd_kind(cmd->sev_fd) != FD_SEV)
		return -EBADF;
	if (blob_ok(s->dh_uaddr, s->dh_len) || blob_ok(s->session_uaddr, s->session_len))
		return -EINVAL;
	/* A non-zero handle asks to share that guest's key (§3.3). */
	handle = s->handle;
	ret = psp_launch_start(psp, s->policy, s->dh_uaddr ? (void *)(uintptr_t)s->dh_uaddr : NULL,
			       s->dh_uaddr ? s->dh_len : 0,
			       s->session_uaddr ? (void *)(uintptr_t)s->session_uaddr : NULL,
			       s->session_uaddr ? s->session_len : 0, vm->es, &handle, &fw_err);
	if (ret)
		return fw_result(cmd, ret, fw_err);
	vm->handle = handle;
	vm->started = true;
	vm->sev_fd = cmd->sev_fd;
	s->handle = handle;
	return fw_result(cmd, 0, 0);
}

static int cmd_update_data(struct simvm *vm, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_launch_update_data *u = (void *)(uintptr_t)cmd->data;
	uint32_t fw_err = 0;
	uint8_t *src, *priv;
	int ret;

	if (!u)
		return -EFAULT;
	if (!u->len || u->uaddr + u->len < u->uaddr)
		return -EINVAL;
	ret = account_pages(vm, u->len, false);
	if (ret)
		return ret;
	/*
	 * sev_launch_update_data() pins whatever user pages it is given, in
	 * a memslot or not (QEMU encrypts its BIOS before mapping it).
	 */
	priv = shadow_get(vm, u->uaddr, u->len);
	if (!priv)
		return -ENOMEM;
	src = (uint8_t *)(uintptr_t)u->uaddr;
	ret = psp_launch_update_data(psp, vm->handle, src, u->len, &fw_err);
	if (ret)
		return fw_result(cmd, ret, fw_err);
	/* The plaintext becomes the guest's private memory... */
	memcpy(priv, src, u->len);
	/* ...and the host keeps ciphertext, encrypted in place (§3.4). */
	if (encrypt_host_view(vm, src, u->len))
		return -EIO;
	return fw_result(cmd, 0, 0);
}

static int cmd_measure(struct simvm *vm, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_launch_measure *m = (void *)(uintptr_t)cmd->data;
	uint8_t blob[48];
	uint32_t fw_err = 0;
	int ret;

	if (!m)
		return -EFAULT;
	if (m->len > BLOB_MAX)
		return -EINVAL;
	/* sev_launch_measure(): len 0 asks for the length (§3.6). */
	if (!m->len || m->len < sizeof(blob)) {
		if (m->uaddr && m->len)
			return fw_result(cmd, -EIO, SEV_FW_INVALID_LEN);
		m->len = sizeof(blob);
		return fw_result(cmd, -EIO, SEV_FW_INVALID_LEN);
	}
	if (!m->uaddr)
		return fw_result(cmd, -EIO, SEV_FW_INVALID_ADDRESS);
	ret = psp_launch_measure(psp, vm->handle, blob, &fw_err);
	if (ret)
		return fw_result(cmd, ret, fw_err);
	memcpy((void *)(uintptr_t)m->uaddr, blob, sizeof(blob));
	m->len = sizeof(blob);
	return fw_result(cmd, 0, 0);
}

static int cmd_secret(struct simvm *vm, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_launch_secret *p = (void *)(uintptr_t)cmd->data;
	uint8_t *plain = NULL, *priv;
	uint32_t fw_err = 0;
	uint64_t pa;
	int ret;

	if (!p)
		return -EFAULT;
	if (!p->guest_len || blob_ok(p->hdr_uaddr, p->hdr_len) || !p->hdr_uaddr ||
	    blob_ok(p->trans_uaddr, p->trans_len) || !p->trans_uaddr)
		return -EINVAL;
	/*
	 * The firmware gets the system physical address of the pinned pages,
	 * the host address here.  sev_launch_secret() insists those pages are
	 * physically contiguous; the model's RAM is 4 KiB pages, so a secret
	 * that crosses a page is refused as on such a host (§3.7).
	 */
	pa = p->guest_uaddr;
	if ((pa & ~(PAGE_SIZE - 1)) != ((pa + p->guest_len - 1) & ~(PAGE_SIZE - 1)))
		return -EINVAL;
	priv = shadow_get(vm, pa, p->guest_len);
	if (!priv)
		return -EFAULT;
	plain = malloc(p->trans_len);
	if (!plain)
		return -ENOMEM;
	/* The firmware checks guest_len against trans_len and their alignment. */
	ret = psp_launch_secret_at(psp, vm->handle, (void *)(uintptr_t)p->hdr_uaddr, p->hdr_len, pa,
				   p->guest_len, (void *)(uintptr_t)p->trans_uaddr, p->trans_len,
				   plain, &fw_err);
	if (!ret) {
		memcpy(priv, plain, p->guest_len < p->trans_len ? p->guest_len : p->trans_len);
		ret = fw_result(cmd, 0, 0);
	} else {
		ret = fw_result(cmd, ret, fw_err);
	}
	OPENSSL_cleanse(plain, p->trans_len);
	free(plain);
	return ret;
}

static int cmd_guest_status(struct simvm *vm, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_guest_status *st = (void *)(uintptr_t)cmd->data;
	uint32_t fw_err = 0, policy = 0, state = 0;
	int ret;

	if (!st)
		return -EFAULT;
	ret = psp_guest_status(psp, vm->handle, &policy, &state, &fw_err);
	if (ret)
		return fw_result(cmd, ret, fw_err);
	st->handle = vm->handle;
	st->policy = policy;
	st->state = state;
	return fw_result(cmd, 0, 0);
}

/* sev_dbg_crypt(): private memory read or written on the host's behalf. */
static int cmd_dbg(struct simvm *vm, struct kvm_sev_cmd *cmd, bool decrypt)
{
	struct kvm_sev_dbg *d = (void *)(uintptr_t)cmd->data;
	uint32_t fw_err = 0;
	uint8_t *priv;
	int ret;

	if (!d)
		return -EFAULT;
	if (!d->len || d->src_uaddr + d->len < d->src_uaddr || d->dst_uaddr + d->len < d->dst_uaddr)
		return -EINVAL;
	ret = psp_dbg_allowed(psp, vm->handle, &fw_err);
	if (ret)
		return fw_result(cmd, ret, fw_err);
	/* Any pinned user pages, as sev_dbg_crypt() takes them. */
	priv = shadow_get(vm, decrypt ? d->src_uaddr : d->dst_uaddr, d->len);
	if (!priv)
		return -EFAULT;
	if (decrypt)
		memcpy((void *)(uintptr_t)d->dst_uaddr, priv, d->len);
	else
		memcpy(priv, (void *)(uintptr_t)d->src_uaddr, d->len);
	return fw_result(cmd, 0, 0);
}

/*
 * __sev_launch_update_vmsa() for one vCPU: what KVM holds for it, copied
 * into a VMSA the way sev_es_sync_vmsa() does (with x87/SSE state only on
 * INIT2 VMs), then measured by the firmware.
 */
static int vcpu_vmsa(struct simvm *vm, struct simvcpu *v, uint8_t vmsa[SEV_VMSA_SIZE])
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[1];
	} pat = { .hdr.nmsrs = 1, .e[0].index = 0x277 };
	struct kvm_debugregs dbg;
	struct sev_vmsa_state st;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_xcrs xcrs;
	struct kvm_fpu fpu = { 0 };
	struct kvm_xsave *xs;
	uint64_t xcr0 = SEV_VMSA_RESET_XCR0;

	if (real_ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0 ||
	    real_ioctl(v->fd, KVM_GET_REGS, &regs) < 0 ||
	    real_ioctl(v->fd, KVM_GET_FPU, &fpu) < 0 ||
	    real_ioctl(v->fd, KVM_GET_DEBUGREGS, &dbg) < 0 ||
	    real_ioctl(v->fd, KVM_GET_MSRS, &pat) != 1)
		return errno ? -errno : -EIO;
	/* KVM rejects the VMSA of a vCPU with debug state set (§9.13). */
	if (dbg.dr7 & ~0x400ULL)
		return -EINVAL;
	if (real_ioctl(v->fd, KVM_GET_XCRS, &xcrs) == 0) {
		for (uint32_t i = 0; i < xcrs.nr_xcrs; i++)
			if (xcrs.xcrs[i].xcr == 0)
				xcr0 = xcrs.xcrs[i].value;
	}
	/*
	 * KVM_GET_FPU has no MXCSR; the kernel copies it from the guest's
	 * XSAVE image (byte 24 of the legacy region), so read it there.
	 */
	xs = calloc(1, sizeof(*xs));
	if (!xs)
		return -ENOMEM;
	if (real_ioctl(v->fd, KVM_GET_XSAVE, xs) == 0)
		memcpy(&fpu.mxcsr, (uint8_t *)xs->region + 24, 4);
	free(xs);
	sev_vmsa_from_kvm(&st, &sregs, &regs, vm->type == KVM_X86_DEFAULT_VM ? NULL : &fpu, xcr0,
			  dbg.dr6, dbg.dr7, pat.e[0].data);
	st.sev_features = vm->vmsa_features;
	sev_vmsa_build(&st, vmsa);
	return 0;
}

/* SEVSIM_DEBUG=1: keep each measured VMSA as $SEVSIM_STATE/vmsaN.bin. */
static void dump_vmsa(unsigned int i, const uint8_t vmsa[SEV_VMSA_SIZE])
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/vmsa%u.bin", getenv("SEVSIM_STATE"), i);
	f = fopen(path, "w");
	if (f) {
		fwrite(vmsa, 1, SEV_VMSA_SIZE, f);
		fclose(f);
	}
}

static int cmd_update_vmsa(struct simvm *vm, struct kvm_sev_cmd *cmd)
{
	uint8_t vmsa[SEV_VMSA_SIZE];
	uint32_t fw_err = 0;
	int ret;

	/* Every vCPU that exists now, in index order; later ones never run. */
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct simvcpu *v = vm->vcpus[i];

		ret = vcpu_vmsa(vm, v, vmsa);
		if (ret)
			return ret;
		if (debug)
			dump_vmsa(i, vmsa);
		ret = psp_launch_update_vmsa(psp, vm->handle, vmsa, &fw_err);
		if (ret)
			return fw_result(cmd, ret, fw_err);
		v->protected = true;
		/* sev_es_vcpu_reset(): the GHCB MSR starts with SEV_INFO. */
		v->ghcb_msr = 0x001 | ((uint64_t)vm->ghcb_version << 48) | (1ULL << 32) |
			      ((uint64_t)SEVSIM_CBIT << 24);
	}
	vm->vmsa_done = true;
	return fw_result(cmd, 0, 0);
}

static int simple_fw(struct kvm_sev_cmd *cmd, int (*fn)(struct psp *, uint32_t, uint32_t *),
		     uint32_t handle)
{
	uint32_t fw_err = 0;
	int ret = fn(psp, handle, &fw_err);

	return fw_result(cmd, ret, fw_err);
}

/* sev_mem_enc_ioctl(): dispatch, with KVM's checks before the firmware's. */
static int sev_mem_enc_op(struct simvm *vm, struct kvm_sev_cmd *cmd)
{
	/* Unknown ids are rejected before anything is copied back. */
	switch (cmd->id) {
	case KVM_SEV_INIT:
	case KVM_SEV_ES_INIT:
	case MINISEV_KVM_SEV_INIT2:
	case KVM_SEV_LAUNCH_START:
	case KVM_SEV_LAUNCH_UPDATE_DATA:
	case KVM_SEV_LAUNCH_UPDATE_VMSA:
	case KVM_SEV_LAUNCH_MEASURE:
	case KVM_SEV_LAUNCH_SECRET:
	case KVM_SEV_LAUNCH_FINISH:
	case KVM_SEV_GUEST_STATUS:
	case KVM_SEV_DBG_DECRYPT:
	case KVM_SEV_DBG_ENCRYPT:
		break;
	default:
		return -EINVAL;
	}
	if (!get_psp())
		return -ENODEV;
	/* is_cmd_allowed_from_mirror() */
	if (vm->mirror_of && cmd->id != KVM_SEV_LAUNCH_UPDATE_VMSA &&
	    cmd->id != KVM_SEV_GUEST_STATUS && cmd->id != KVM_SEV_DBG_DECRYPT &&
	    cmd->id != KVM_SEV_DBG_ENCRYPT)
		return -EINVAL;
	switch (cmd->id) {
	case KVM_SEV_INIT:
	case KVM_SEV_ES_INIT:
		/* sev_guest_init(): the legacy commands are for type-0 VMs. */
		if (vm->type != KVM_X86_DEFAULT_VM)
			return -EINVAL;
		return guest_init(vm, cmd, cmd->id == KVM_SEV_ES_INIT);
	case MINISEV_KVM_SEV_INIT2:
		return cmd_init2(vm, cmd);
	}
	/* Every other command needs an SEV guest: "not an SEV guest". */
	if (!vm->active)
		return -ENOTTY;
	if (cmd->id == KVM_SEV_LAUNCH_START)
		return cmd_launch_start(vm, cmd);
	/*
	 * Before LAUNCH_START there is no handle: the firmware answers for
	 * handle 0, which it does not know.
	 */
	if (vm->started && check_sev_fd(vm))
		return -EBADF;
	switch (cmd->id) {
	case KVM_SEV_LAUNCH_UPDATE_DATA:
		return cmd_update_data(vm, cmd);
	case KVM_SEV_LAUNCH_UPDATE_VMSA:
		/* sev_launch_update_vmsa(): SEV-ES only; VMSAs come with issue 5. */
		if (!vm->es)
			return -ENOTTY;
		if (vm->vmsa_done && !second_vmsa_ok)
			return -EINVAL; /* 2026 stable kernels refuse a second one (§10) */
		return cmd_update_vmsa(vm, cmd);
	case KVM_SEV_LAUNCH_MEASURE:
		return cmd_measure(vm, cmd);
	case KVM_SEV_LAUNCH_SECRET:
		return cmd_secret(vm, cmd);
	case KVM_SEV_LAUNCH_FINISH:
		return simple_fw(cmd, psp_launch_finish, vm->handle);
	case KVM_SEV_GUEST_STATUS:
		return cmd_guest_status(vm, cmd);
	case KVM_SEV_DBG_DECRYPT:
		return cmd_dbg(vm, cmd, true);
	case KVM_SEV_DBG_ENCRYPT:
		return cmd_dbg(vm, cmd, false);
	}
	return -EINVAL;
}

static int mem_enc_op(struct simvm *vm, void *arg)
{
	struct kvm_sev_cmd *cmd = arg;
	int ret;

	/* A NULL argument probes whether SEV is enabled in KVM (§1.1). */
	if (!cmd)
		return 0;
	pthread_mutex_lock(&sim_lock);
	ret = sev_mem_enc_op(vm, cmd);
	vm->pt_gen++; /* it may have written private memory: walk again */
	pthread_mutex_unlock(&sim_lock);
	sim_debug("KVM_MEMORY_ENCRYPT_OP %u -> %d (%s), status %#x", cmd->id, ret,
		  ret ? strerror(-ret) : "ok", cmd->error);
	return ret ? fail(-ret) : 0;
}

/* sev_mem_enc_register_region() / _unregister_region(). */
static int reg_region(struct simvm *vm, struct kvm_enc_region *r, bool reg)
{
	int ret = 0;

	if (!r)
		return fail(EFAULT);
	pthread_mutex_lock(&sim_lock);
	if (!vm->active) {
		ret = -ENOTTY;
	} else if (vm->mirror_of) {
		ret = -EINVAL; /* the owner pins, not a mirror */
	} else if (!r->size || r->addr + r->size < r->addr) {
		ret = -EINVAL;
	} else if (reg) {
		int i;

		for (i = 0; i < MAX_REGIONS && vm->regions[i].size; i++)
			;
		if (i == MAX_REGIONS)
			ret = -ENOMEM;
		else if (!(ret = account_pages(vm, r->size, true)))
			vm->regions[i] = (struct simregion){ r->addr, r->size };
	} else {
		int i;

		for (i = 0; i < MAX_REGIONS; i++)
			if (vm->regions[i].addr == r->addr && vm->regions[i].size == r->size)
				break;
		if (i == MAX_REGIONS) {
			ret = -EINVAL;
		} else {
			vm->locked_pages -= (r->size + PAGE_SIZE - 1) / PAGE_SIZE;
			memset(&vm->regions[i], 0, sizeof(vm->regions[i]));
		}
	}
	pthread_mutex_unlock(&sim_lock);
	sim_debug("%s [%#llx+%#llx] -> %d", reg ? "REG_REGION" : "UNREG_REGION",
		  (unsigned long long)r->addr, (unsigned long long)r->size, ret);
	return ret ? fail(-ret) : 0;
}

/* The VM behind a file descriptor the VMM passes in, or NULL. */
static struct simvm *vm_of_fd(uint64_t fd)
{
	return fd < MAX_FD && fds[fd].kind == FD_VM ? fds[fd].obj : NULL;
}

/* What both commands check first: a VM fd, another VM, SEV only in the source. */
static int context_pair(const struct simvm *vm, const struct simvm *src)
{
	if (!src)
		return -EBADF;
	if (src == vm || vm->active || !src->active)
		return -EINVAL;
	return 0;
}

/* The encryption context of `src`, and SEV on for `vm` with it. */
static int take_context(struct simvm *vm, const struct simvm *src)
{
	vm->es = src->es;
	vm->handle = src->handle;
	vm->started = src->started;
	vm->sev_fd = src->sev_fd;
	vm->ghcb_version = src->ghcb_version;
	vm->vmsa_features = src->vmsa_features;
	return vm_activate(vm);
}

/*
 * sev_vm_copy_enc_context_from(): a mirror VM shares the source's ASID
 * and handle (its own memory view, the same key) without a launch of its
 * own; it may only add VMSAs, ask the status and debug.
 */
static int copy_enc_context(struct simvm *vm, struct simvm *src)
{
	int ret = context_pair(vm, src);

	if (ret)
		return ret;
	if (src->mirror_of || vm->nr_vcpus)
		return -EINVAL;
	if (vm->id < 0)
		return -ENOMEM;
	ret = take_context(vm, src);
	if (ret)
		return ret;
	vm->mirror_of = src;
	src->refs++;
	return 0;
}

/*
 * sev_vm_move_enc_context_from(): intra-host migration.  The destination
 * takes the source's encryption context, pinned pages and (SEV-ES) the
 * vCPUs' encrypted state, vCPU for vCPU; the source is dead afterwards.
 */
static int move_enc_context(struct simvm *vm, struct simvm *src)
{
	int ret = context_pair(vm, src);

	if (ret)
		return ret;
	if (vm->id < 0)
		return -ENOMEM;
	if (src->es) {
		/* sev_check_source_vcpus() */
		if (src->nr_vcpus != vm->nr_vcpus)
			return -EINVAL;
		for (unsigned int i = 0; i < src->nr_vcpus; i++)
			if (!src->vcpus[i]->protected)
				return -EINVAL;
	}
	ret = take_context(vm, src);
	vm->vmsa_done = src->vmsa_done;
	if (ret)
		return ret;
	vm->locked_pages = src->locked_pages;
	memcpy(vm->regions, src->regions, sizeof(vm->regions));
	vm->mirror_of = src->mirror_of;
	vm->refs = src->refs;
	for (unsigned int i = 0; vm->es && i < vm->nr_vcpus; i++) {
		vm->vcpus[i]->protected = true;
		vm->vcpus[i]->ghcb_msr = src->vcpus[i]->ghcb_msr;
		src->vcpus[i]->protected = false;
	}
	/* Mirrors of the source now mirror the destination. */
	for (int i = 0; i < MAX_VMS; i++)
		if (vms[i] && vms[i]->mirror_of == src)
			vms[i]->mirror_of = vm;
	for (int i = 0; i < MAX_SHADOWS; i++)
		if (src->id >= 0 && shadows[i].users & (1ULL << src->id))
			shadows[i].users |= 1ULL << vm->id;
	memset(src->regions, 0, sizeof(src->regions));
	src->locked_pages = 0;
	src->refs = 0;
	src->active = src->started = src->es = false;
	src->dead = true;
	return 0;
}

static int enc_context_cap(struct simvm *vm, struct kvm_enable_cap *cap)
{
	struct simvm *src;
	int ret;

	pthread_mutex_lock(&sim_lock);
	src = vm_of_fd(cap->args[0]);
	ret = cap->cap == KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM ? move_enc_context(vm, src) :
							     copy_enc_context(vm, src);
	pthread_mutex_unlock(&sim_lock);
	sim_debug("KVM_ENABLE_CAP %s from fd %llu -> %d",
		  cap->cap == KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM ? "MOVE_ENC_CONTEXT" :
								 "COPY_ENC_CONTEXT",
		  (unsigned long long)cap->args[0], ret);
	return ret ? fail(-ret) : 0;
}

static int vm_ioctl(int fd, unsigned long req, void *arg)
{
	struct simvm *vm = fds[fd].obj;
	int ret;

	if (vm->dead)
		return fail(EIO);
	switch (req) {
	case MINISEV_KVM_SET_USER_MEMORY_REGION2:
		return vm_set_memslot2(vm, arg);
	case KVM_X86_SET_MSR_FILTER:
		return vmm_set_msr_filter(vm, arg);
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap *cap = arg;

		if (cap && (cap->cap == KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM ||
			    cap->cap == KVM_CAP_VM_COPY_ENC_CONTEXT_FROM))
			return enc_context_cap(vm, cap);
		if (cap && cap->cap == KVM_CAP_X86_USER_SPACE_MSR)
			return vmm_user_space_msr(vm, cap);
		ret = real_ioctl(fd, req, arg);
		/* Then GET_DIRTY_LOG no longer write-protects: the model clears. */
		if (!ret && cap && cap->cap == KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2)
			vm->manual_dirty = cap->args[0] != 0;
		return ret;
	}
	case KVM_MEMORY_ENCRYPT_OP:
		return mem_enc_op(vm, arg);
	case KVM_MEMORY_ENCRYPT_REG_REGION:
		return reg_region(vm, arg, true);
	case KVM_MEMORY_ENCRYPT_UNREG_REGION:
		return reg_region(vm, arg, false);
	case KVM_SET_USER_MEMORY_REGION:
		return vm_set_memslot(vm, arg);
	case KVM_CHECK_EXTENSION:
		return kvm_dev_ioctl(vm->kvm_fd, req, arg);
	case KVM_CREATE_VCPU: {
		struct simvcpu *v;
		int sz;

		ret = real_ioctl(fd, req, arg);
		if (ret < 0)
			return ret;
		v = calloc(1, sizeof(*v));
		sz = real_ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
		if (v && sz > 0)
			v->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, ret, 0);
		if (!v || ret >= MAX_FD || vm->nr_vcpus == MAX_VCPUS || !v->run ||
		    v->run == MAP_FAILED) {
			free(v);
			real_close(ret);
			return fail(ENOMEM);
		}
		v->fd = ret;
		v->id = (unsigned int)(unsigned long)arg;
		v->vm = vm;
		pthread_mutex_lock(&sim_lock);
		vm->vcpus[vm->nr_vcpus++] = v;
		fds[ret].kind = FD_VCPU;
		fds[ret].obj = v;
		pthread_mutex_unlock(&sim_lock);
		return ret;
	}
	default:
		return real_ioctl(fd, req, arg);
	}
}

/* ---- vCPUs and the SEV-ES GHCB ------------------------------------------ */

/*
 * GHCB page layout (GHCB specification 2.x, table 3; Linux struct ghcb):
 * the save area's fields sit where they sit in the VMSA, the valid bitmap
 * has one bit per 8-byte field.
 */
#define GHCB_RAX 0x1f8
#define GHCB_RCX 0x308
#define GHCB_RDX 0x310
#define GHCB_RBX 0x318
#define GHCB_EXIT_CODE 0x390
#define GHCB_EXIT_INFO1 0x398
#define GHCB_EXIT_INFO2 0x3a0
#define GHCB_SCRATCH 0x3a8
#define GHCB_VALID 0x3f0
#define GHCB_SHARED 0x800
#define GHCB_SHARED_SIZE 0x7f0
#define GHCB_USAGE 0xffc

#define SVM_EXIT_CPUID 0x72
#define SVM_EXIT_IOIO 0x7b
#define SVM_EXIT_MSR 0x7c
#define SVM_VMGEXIT_MMIO_READ 0x80000001
#define SVM_VMGEXIT_MMIO_WRITE 0x80000002
#define SVM_VMGEXIT_AP_JUMP_TABLE 0x80000005
#define SVM_VMGEXIT_TERM 0x8000fffe

/* svm_vmgexit_bad_input() reasons (GHCB spec table 6). */
#define GHCB_ERR_MISSING_INPUT 4
#define GHCB_ERR_INVALID_INPUT 5
#define GHCB_ERR_INVALID_EVENT 6
/* #GP for the guest: event injection valid | exception | vector 13. */
#define GHCB_INJECT_GP ((1ULL << 31) | (3ULL << 8) | 13)

static uint64_t g64(const uint8_t *g, unsigned int off)
{
	uint64_t v;

	memcpy(&v, g + off, 8);
	return v;
}

static void s64(uint8_t *g, unsigned int off, uint64_t v)
{
	memcpy(g + off, &v, 8);
	g[GHCB_VALID + off / 64] |= 1u << ((off / 8) % 8);
}

static bool valid(const uint8_t *g, unsigned int off)
{
	return g[GHCB_VALID + off / 64] & (1u << ((off / 8) % 8));
}

/*
 * `len` bytes of guest RAM at `gpa` (C-bit clear): in the model's
 * plaintext when `priv`, else in the VMM's (shared) view; NULL when they
 * are not all inside one memslot.
 */
static uint8_t *gpa_ptr(struct simvm *vm, uint64_t gpa, uint64_t len, bool priv)
{
	for (int i = 0; i < MAX_SLOTS; i++) {
		struct simslot *sl = &vm->slots[i];
		uint8_t *host = sl->hva + (gpa - sl->gpa);

		if (sl->used && gpa >= sl->gpa && gpa - sl->gpa < sl->size &&
		    sl->size - (gpa - sl->gpa) >= len)
			return priv ? priv_of((uint64_t)(uintptr_t)host, len) : host;
	}
	return NULL;
}

/* The GHCB page in the host's (shared) view, or NULL. */
static uint8_t *ghcb_map(struct simvm *vm, uint64_t gpa)
{
	if (gpa & (PAGE_SIZE - 1) || gpa & (1ULL << SEVSIM_CBIT))
		return NULL;
	return gpa_ptr(vm, gpa, PAGE_SIZE, false);
}

/* A GHCB request ends: results in place, KVM-style status in EXITINFO. */
static void ghcb_done(uint8_t *g, uint64_t info1, uint64_t info2)
{
	s64(g, GHCB_EXIT_INFO1, info1);
	s64(g, GHCB_EXIT_INFO2, info2);
}

static void ghcb_bad(uint8_t *g, uint64_t reason)
{
	ghcb_done(g, 2, reason);
}

/* The CPUID table given with KVM_SET_CPUID2 answers the guest (§5). */
static bool cpuid_lookup(struct simvcpu *v, uint32_t fn, uint32_t idx, uint32_t out[4])
{
	if (!v->cpuid)
		return false;
	for (uint32_t i = 0; i < v->cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &v->cpuid->entries[i];

		if (e->function != fn ||
		    ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != idx))
			continue;
		out[0] = e->eax;
		out[1] = e->ebx;
		out[2] = e->ecx;
		out[3] = e->edx;
		return true;
	}
	memset(out, 0, 4 * sizeof(out[0])); /* KVM answers unknown leaves with zeros */
	return true;
}

static uint64_t sev_status(struct simvm *vm)
{
	return MSR_AMD64_SEV_ENABLED | (vm->es ? MSR_AMD64_SEV_ES_ENABLED : 0);
}

/*
 * The MSR exit (0x7c): SEV's own MSRs here, those the VMM's filter takes
 * to the VMM as KVM's emulation would send them (true: an exit for the
 * VMM), the rest from KVM itself.
 */
static bool ghcb_msr_access(struct simvcpu *v, uint8_t *g)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[1];
	} m = { .hdr.nmsrs = 1 };
	bool wr = g64(g, GHCB_EXIT_INFO1) == 1;
	uint64_t val;

	if (!valid(g, GHCB_RCX) || (wr && (!valid(g, GHCB_RAX) || !valid(g, GHCB_RDX)))) {
		ghcb_bad(g, GHCB_ERR_MISSING_INPUT);
		return false;
	}
	m.e[0].index = (uint32_t)g64(g, GHCB_RCX);
	m.e[0].data = (g64(g, GHCB_RDX) << 32) | (uint32_t)g64(g, GHCB_RAX);
	if (m.e[0].index != MSR_AMD64_SEV && m.e[0].index != MSR_AMD64_SEV_ES_GHCB &&
	    vmm_filter_denies(v->vm, m.e[0].index, wr)) {
		struct kvm_run *run = v->run;

		if (!(v->vm->vmm_msr_reasons & KVM_MSR_EXIT_REASON_FILTER))
			goto gp;
		memset(&run->msr, 0, sizeof(run->msr));
		run->exit_reason = wr ? KVM_EXIT_X86_WRMSR : KVM_EXIT_X86_RDMSR;
		run->msr.reason = KVM_MSR_EXIT_REASON_FILTER;
		run->msr.index = m.e[0].index;
		run->msr.data = wr ? m.e[0].data : 0;
		v->pending = GHCB_MSR;
		return true;
	}
	if (m.e[0].index == MSR_AMD64_SEV && !wr) {
		val = sev_status(v->vm);
	} else if (m.e[0].index == MSR_AMD64_SEV_ES_GHCB && !wr) {
		val = v->ghcb_msr;
	} else if (wr) {
		if (real_ioctl(v->fd, KVM_SET_MSRS, &m) != 1)
			goto gp;
		ghcb_done(g, 0, 0);
		return false;
	} else {
		if (real_ioctl(v->fd, KVM_GET_MSRS, &m) != 1)
			goto gp;
		val = m.e[0].data;
	}
	s64(g, GHCB_RAX, (uint32_t)val);
	s64(g, GHCB_RDX, val >> 32);
	ghcb_done(g, 0, 0);
	return false;
gp:
	ghcb_done(g, 1, GHCB_INJECT_GP);
	return false;
}

/* A scratch buffer must lie in the GHCB's shared buffer (GHCB v2 rule). */
static bool scratch_ok(uint64_t ghcb_gpa, uint64_t scratch, uint64_t len)
{
	uint64_t lo = ghcb_gpa + GHCB_SHARED;

	return scratch >= lo && len <= GHCB_SHARED_SIZE && scratch - lo <= GHCB_SHARED_SIZE - len;
}

/*
 * A full-GHCB VMGEXIT (GHCB MSR = the GHCB's GPA): serve it the way KVM's
 * sev_handle_vmgexit() does.  Returns true when it became an exit for the
 * VMM (IO, MMIO, termination) that the next KVM_RUN completes.
 */
static bool ghcb_request(struct simvcpu *v, uint64_t gpa)
{
	struct kvm_run *run = v->run;
	uint8_t *g = ghcb_map(v->vm, gpa);
	uint8_t *pio = (uint8_t *)run + PAGE_SIZE; /* KVM_PIO_PAGE_OFFSET */
	uint64_t code, info1, info2;
	uint32_t regs[4];

	if (!g) {
		sim_log("vCPU %u: GHCB at %#llx is not a shared page of guest RAM", v->id,
			(unsigned long long)gpa);
		return false;
	}
	if (!valid(g, GHCB_EXIT_CODE) || !valid(g, GHCB_EXIT_INFO1) || !valid(g, GHCB_EXIT_INFO2)) {
		ghcb_bad(g, GHCB_ERR_MISSING_INPUT);
		return false;
	}
	code = g64(g, GHCB_EXIT_CODE);
	info1 = g64(g, GHCB_EXIT_INFO1);
	info2 = g64(g, GHCB_EXIT_INFO2);
	v->ghcb_gpa = gpa;
	switch (code) {
	case SVM_EXIT_CPUID:
		if (!valid(g, GHCB_RAX) || !valid(g, GHCB_RCX)) {
			ghcb_bad(g, GHCB_ERR_MISSING_INPUT);
			return false;
		}
		cpuid_lookup(v, (uint32_t)g64(g, GHCB_RAX), (uint32_t)g64(g, GHCB_RCX), regs);
		memset(g + GHCB_VALID, 0, 16);
		s64(g, GHCB_RAX, regs[0]);
		s64(g, GHCB_RBX, regs[1]);
		s64(g, GHCB_RCX, regs[2]);
		s64(g, GHCB_RDX, regs[3]);
		ghcb_done(g, 0, 0);
		return false;
	case SVM_EXIT_MSR:
		return ghcb_msr_access(v, g);
	case SVM_EXIT_IOIO: {
		/* EXITINFO1 as the IOIO intercept encodes it (APM vol. 2, 15.10.2). */
		uint32_t size = info1 & (1 << 4) ? 1 :
				info1 & (1 << 5) ? 2 :
				info1 & (1 << 6) ? 4 :
						   0;
		bool in = info1 & 1, str = info1 & (1 << 2), rep = info1 & (1 << 3);
		uint64_t count = str && rep ? info2 : 1, scratch;

		if (!size || !count || count * size > PAGE_SIZE) {
			ghcb_bad(g, GHCB_ERR_INVALID_INPUT);
			return false;
		}
		memset(&run->io, 0, sizeof(run->io));
		run->exit_reason = KVM_EXIT_IO;
		run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
		run->io.size = size;
		run->io.port = info1 >> 16;
		run->io.count = count;
		run->io.data_offset = PAGE_SIZE;
		v->pend_size = size;
		v->pend_count = count;
		if (str) {
			scratch = g64(g, GHCB_SCRATCH);
			if (!valid(g, GHCB_SCRATCH) || !scratch_ok(gpa, scratch, count * size)) {
				ghcb_bad(g, GHCB_ERR_INVALID_INPUT);
				return false;
			}
			v->pend_scratch = scratch - gpa;
			if (!in)
				memcpy(pio, g + v->pend_scratch, count * size);
		} else {
			v->pend_scratch = 0;
			if (!in) {
				uint64_t rax = g64(g, GHCB_RAX);

				if (!valid(g, GHCB_RAX)) {
					ghcb_bad(g, GHCB_ERR_MISSING_INPUT);
					return false;
				}
				memcpy(pio, &rax, size);
			}
		}
		v->pending = in ? GHCB_IO_IN : GHCB_IO_OUT;
		return true;
	}
	case SVM_VMGEXIT_MMIO_READ:
	case SVM_VMGEXIT_MMIO_WRITE: {
		uint64_t scratch = g64(g, GHCB_SCRATCH);
		bool wr = code == SVM_VMGEXIT_MMIO_WRITE;

		/* GHCB v2: at most 8 bytes, data inside the GHCB (§7.1). */
		if (!valid(g, GHCB_SCRATCH) || !info2 || info2 > 8 ||
		    !scratch_ok(gpa, scratch, info2)) {
			ghcb_bad(g, GHCB_ERR_INVALID_INPUT);
			return false;
		}
		memset(&run->mmio, 0, sizeof(run->mmio));
		run->exit_reason = KVM_EXIT_MMIO;
		run->mmio.phys_addr = info1;
		run->mmio.len = info2;
		run->mmio.is_write = wr;
		v->pend_scratch = scratch - gpa;
		v->pend_size = info2;
		if (wr)
			memcpy(run->mmio.data, g + v->pend_scratch, info2);
		v->pending = wr ? GHCB_MMIO_WRITE : GHCB_MMIO_READ;
		return true;
	}
	case SVM_VMGEXIT_AP_JUMP_TABLE:
		/*
		 * In KVM, never the VMM's: SET (0) keeps EXITINFO2, GET (1)
		 * returns it, 0 until the guest's firmware has set one (Linux
		 * takes 0 as "UP guest, no jump table").
		 */
		if (info1 == 0) {
			v->vm->ap_jump_table = info2;
			ghcb_done(g, 0, 0);
		} else if (info1 == 1) {
			ghcb_done(g, 0, v->vm->ap_jump_table);
		} else {
			ghcb_bad(g, GHCB_ERR_INVALID_INPUT);
		}
		return false;
	case SVM_VMGEXIT_TERM:
		memset(&run->system_event, 0, sizeof(run->system_event));
		run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
		run->system_event.type = KVM_SYSTEM_EVENT_SEV_TERM;
		run->system_event.ndata = 1;
		run->system_event.data[0] = gpa;
		return true;
	default:
		ghcb_bad(g, GHCB_ERR_INVALID_EVENT);
		return false;
	}
}

/* The VMM handled our synthesized exit: put its answer into the GHCB. */
static void ghcb_complete(struct simvcpu *v)
{
	uint8_t *g = ghcb_map(v->vm, v->ghcb_gpa);
	uint8_t *pio = (uint8_t *)v->run + PAGE_SIZE;

	if (!g)
		return;
	switch (v->pending) {
	case GHCB_IO_IN:
		if (v->pend_scratch) {
			memcpy(g + v->pend_scratch, pio, v->pend_count * v->pend_size);
		} else {
			uint64_t rax = valid(g, GHCB_RAX) ? g64(g, GHCB_RAX) : 0;

			memcpy(&rax, pio, v->pend_size); /* the low bytes only, as IN does */
			s64(g, GHCB_RAX, rax);
		}
		break;
	case GHCB_MMIO_READ:
		memcpy(g + v->pend_scratch, v->run->mmio.data, v->pend_size);
		break;
	case GHCB_MSR:
		v->pending = GHCB_NONE;
		if (v->run->msr.error) {
			ghcb_done(g, 1, GHCB_INJECT_GP);
			return;
		}
		if (v->run->exit_reason == KVM_EXIT_X86_RDMSR) {
			s64(g, GHCB_RAX, (uint32_t)v->run->msr.data);
			s64(g, GHCB_RDX, v->run->msr.data >> 32);
		}
		break;
	default:
		break;
	}
	ghcb_done(g, 0, 0);
	v->pending = GHCB_NONE;
}

/*
 * The GHCB MSR protocol (GHCB spec 2.3.1) and the doorbell: a write of the
 * GHCB MSR is what the guest does right before each VMGEXIT.  Returns true
 * when the request became an exit for the VMM.
 */
static bool ghcb_msr_write(struct simvcpu *v, uint64_t val)
{
	struct kvm_run *run = v->run;
	uint32_t regs[4];

	v->ghcb_msr = val;
	switch (val & 0xfff) {
	case 0x002: /* SEV_INFO_REQ */
		v->ghcb_msr = 0x001 | ((uint64_t)v->vm->ghcb_version << 48) | (1ULL << 32) |
			      ((uint64_t)SEVSIM_CBIT << 24);
		return false;
	case 0x004: /* CPUID_REQ: bits 63:32 function, 31:30 register */
		cpuid_lookup(v, val >> 32, 0, regs);
		v->ghcb_msr = 0x005 | (val & (3ULL << 30)) |
			      ((uint64_t)regs[(val >> 30) & 3] << 32);
		return false;
	case 0x100: /* TERM_REQ: the raw MSR reaches the VMM (§7.4) */
		memset(&run->system_event, 0, sizeof(run->system_event));
		run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
		run->system_event.type = KVM_SYSTEM_EVENT_SEV_TERM;
		run->system_event.ndata = 1;
		run->system_event.data[0] = val;
		return true;
	case 0x000:
		return ghcb_request(v, val);
	default:
		return false; /* KVM ignores the rest and resumes the guest */
	}
}

/*
 * An MSR exit for another MSR than SEV's, before SEV-ES protects the
 * vCPU: the VMM's when its own filter and exit reasons ask for it (-1),
 * else what KVM does without the model's filter: #GP where the VMM's
 * filter denies it, the access itself where only the model's default
 * deny stopped it (0).
 */
static int vmm_msr_exit(struct simvcpu *v)
{
	struct kvm_run *run = v->run;
	bool wr = run->exit_reason == KVM_EXIT_X86_WRMSR;
	bool denied = vmm_filter_denies(v->vm, run->msr.index, wr);
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[1];
	} m = { .hdr.nmsrs = 1, .e[0] = { .index = run->msr.index, .data = run->msr.data } };

	if ((run->msr.reason & v->vm->vmm_msr_reasons) &&
	    (run->msr.reason != KVM_MSR_EXIT_REASON_FILTER || denied))
		return -1;
	if (run->msr.reason != KVM_MSR_EXIT_REASON_FILTER || denied) {
		run->msr.error = 1;
		return 0;
	}
	run->msr.error = real_ioctl(v->fd, wr ? KVM_SET_MSRS : KVM_GET_MSRS, &m) != 1;
	if (!wr)
		run->msr.data = m.e[0].data;
	return 0;
}

/*
 * VMGEXIT is "rep; vmmcall" (F3 0F 01 D9).  On SEV-ES hardware it exits
 * and the guest's registers, in the VMSA, come back as they were; the
 * real KVM under the model, with no SEV-ES, runs it as a VMMCALL, a KVM
 * hypercall that writes its status (-KVM_ENOSYS) into RAX.  Linux keeps
 * live values in RAX across VMGEXIT (its decompressor's
 * sev_es_ghcb_hv_call() reads the GHCB's SW_EXITINFO1 through RAX right
 * after it).  The model serves the request at the GHCB MSR write that
 * precedes every VMGEXIT, so it completes that WRMSR here (immediate_exit,
 * as raise_vc() does) and steps over a VMGEXIT that follows it at once:
 * the guest resumes after it with every register intact.  Instruction
 * bytes are read from private memory, where fetches go.  A VMGEXIT with
 * other instructions in between still runs as a VMMCALL (minisev's
 * firmware sets RAX itself and declares it clobbered).
 */
static bool step_over_vmgexit(struct simvcpu *v)
{
	static const uint8_t vmgexit[4] = { 0xf3, 0x0f, 0x01, 0xd9 };
	uint64_t cbit = 1ULL << SEVSIM_CBIT;
	struct kvm_regs regs;
	struct kvm_sregs sr;
	int ret;

	v->run->immediate_exit = 1;
	ret = real_ioctl(v->fd, KVM_RUN, 0);
	v->run->immediate_exit = 0;
	if (ret == 0 || errno != EINTR)
		return false;
	if (real_ioctl(v->fd, KVM_GET_REGS, &regs) < 0 || real_ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		return false;
	for (int i = 0; i < 4; i++) {
		struct kvm_translation t = { .linear_address = sr.cs.base + regs.rip + i };
		const uint8_t *b;

		if (real_ioctl(v->fd, KVM_TRANSLATE, &t) < 0 || !t.valid)
			return false;
		b = gpa_ptr(v->vm, t.physical_address & ~cbit, 1, true);
		if (!b || *b != vmgexit[i])
			return false;
	}
	regs.rip += 4;
	return real_ioctl(v->fd, KVM_SET_REGS, &regs) == 0;
}

/*
 * Complete an MSR exit the model owns.  Returns 0 to re-enter the guest,
 * 1 when a synthesized exit must go to the VMM, -1 when the exit is not
 * the model's.
 */
static int handle_msr_exit(struct simvcpu *v)
{
	struct kvm_run *run = v->run;
	bool rd = run->exit_reason == KVM_EXIT_X86_RDMSR;
	uint64_t val;

	if (run->exit_reason != KVM_EXIT_X86_RDMSR && run->exit_reason != KVM_EXIT_X86_WRMSR)
		return -1;
	if (run->msr.index == MSR_AMD64_SEV) {
		run->msr.error = !rd; /* read-only: a write is #GP */
		if (rd)
			run->msr.data = sev_status(v->vm);
		return 0;
	}
	if (run->msr.index != MSR_AMD64_SEV_ES_GHCB)
		return v->vm->es && v->protected ? 2 : vmm_msr_exit(v); /* 2: #VC */
	if (!v->vm->es) {
		run->msr.error = 1; /* no GHCB MSR without SEV-ES: #GP */
		return 0;
	}
	if (rd) {
		run->msr.data = v->ghcb_msr;
		run->msr.error = 0;
		return 0;
	}
	val = run->msr.data;
	run->msr.error = 0;
	step_over_vmgexit(v);
	pthread_mutex_lock(&sim_lock);
	if (ghcb_msr_write(v, val)) {
		pthread_mutex_unlock(&sim_lock);
		return 1;
	}
	pthread_mutex_unlock(&sim_lock);
	return 0;
}

/*
 * `len` bytes of guest memory at linear address `la`, as the vCPU's page
 * tables map it (KVM_TRANSLATE): private memory (C-bit set) in the
 * model's plaintext, shared memory in the VMM's view.  NULL when not
 * mapped, not RAM, or straddling a page.
 */
static uint8_t *guest_linear(struct simvcpu *v, uint64_t la, size_t len)
{
	struct kvm_translation t = { .linear_address = la };
	uint64_t cbit = 1ULL << SEVSIM_CBIT;

	if ((la & (PAGE_SIZE - 1)) + len > PAGE_SIZE || real_ioctl(v->fd, KVM_TRANSLATE, &t) < 0 ||
	    !t.valid)
		return NULL;
	return gpa_ptr(v->vm, t.physical_address & ~cbit, len, t.physical_address & cbit);
}

static void trace_first(struct simvcpu *v, bool vc);

/* Write guest linear memory page by page: a stack frame may straddle two. */
static int guest_write(struct simvcpu *v, uint64_t la, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		size_t n = PAGE_SIZE - (la & (PAGE_SIZE - 1));
		uint8_t *d;

		if (n > len)
			n = len;
		d = guest_linear(v, la, n);
		if (!d)
			return -1;
		memcpy(d, p, n);
		la += n;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * An SEV-ES guest executed IN/OUT, an MMIO access or RDMSR/WRMSR directly.
 * On SEV-ES hardware that instruction does not exit: it raises #VC with the
 * exit code as error code (IOIO 0x7b, NPF 0x400, MSR 0x7c) and RIP still on it, and the
 * guest's #VC handler serves it through the GHCB.  Model exactly that, so
 * that nothing of the access reaches the VMM:
 *
 *  - KVM holds the access for completion at the next KVM_RUN; a KVM_RUN
 *    with immediate_exit finishes that completion without running the
 *    guest (api.rst, "immediate_exit"), and every register goes back as
 *    it was;
 *  - the model then delivers #VC itself, as the CPU delivers an exception
 *    in 64-bit mode (APM vol. 2, 8.9.3): the IDT gate, the IST stack if
 *    the gate names one, the frame SS, RSP, RFLAGS, CS, RIP and the error
 *    code on a 16-byte aligned stack, IF cleared for an interrupt gate.
 *    KVM_SET_VCPU_EVENTS cannot do it everywhere: under QEMU's TCG,
 *    where the tests run nested KVM, a #VC injected that way reached the
 *    guest without its error code (seen: the frame was one word short).
 *
 * The guest runs at CPL 0 with one code segment, as minisev's firmware
 * does; a gate to another segment or an unusable IDT is refused.
 *
 * Two accesses cannot be rewound, because KVM has already moved RIP past
 * them when it exits: an MMIO store (its emulator writes RIP back before
 * the exit for writes) and OUT to port 0x7e (KVM_X86_QUIRK_OUT_7E_INC_RIP).
 * The model does not guess where such an instruction began: the guest is
 * shut down, saying why.  Loads and every other IN/OUT are exact.
 */
#define SVM_EXIT_NPF 0x400
#define X86_VEC_VC 29
#define X86_CR0_PG (1ULL << 31)
#define X86_CR4_LA57 (1ULL << 12)
#define X86_EFER_LMA (1ULL << 10)
#define X86_EFLAGS_TF (1ULL << 8)
#define X86_EFLAGS_IF (1ULL << 9)
#define X86_EFLAGS_NT (1ULL << 14)
#define X86_EFLAGS_RF (1ULL << 16)

static int deliver_vc(struct simvcpu *v, uint64_t code, struct kvm_regs *pregs,
		      struct kvm_sregs *psr, const char **why);

static int raise_vc(struct simvcpu *v, const char **why)
{
	uint32_t reason = v->run->exit_reason;
	uint64_t code = reason == KVM_EXIT_IO	? SVM_EXIT_IOIO :
			reason == KVM_EXIT_MMIO ? SVM_EXIT_NPF :
						  SVM_EXIT_MSR;
	struct kvm_sregs sr;
	struct kvm_regs regs;
	int ret;

	*why = "a direct MMIO store, which KVM has already stepped past (the model cannot "
	       "raise #VC at it)";
	if (v->run->exit_reason == KVM_EXIT_MMIO && v->run->mmio.is_write)
		return -1;
	*why = "a direct OUT to port 0x7e, which KVM has already stepped past (the model "
	       "cannot raise #VC at it)";
	if (v->run->exit_reason == KVM_EXIT_IO && v->run->io.direction == KVM_EXIT_IO_OUT &&
	    v->run->io.port == 0x7e)
		return -1;
	*why = "KVM_GET_REGS/SREGS failed";
	if (real_ioctl(v->fd, KVM_GET_REGS, &regs) < 0 || real_ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		return -1;
	*why = "the guest is not in 64-bit mode at CPL 0 or 3, which this delivery assumes";
	if (!(sr.efer & (1ULL << 10)) || !sr.cs.l || (sr.cs.dpl != 0 && sr.cs.dpl != 3))
		return -1;
	*why = "completing the access with immediate_exit failed";
	if (code == SVM_EXIT_MSR)
		v->run->msr.error = 0; /* else the completion would queue a #GP */
	v->run->immediate_exit = 1;
	ret = real_ioctl(v->fd, KVM_RUN, 0);
	v->run->immediate_exit = 0;
	if (ret == 0 || errno != EINTR)
		return -1;
	return deliver_vc(v, code, &regs, &sr, why);
}

/* The CPU's delivery of #VC with error code `code` at the vCPU's `regs`. */
static int deliver_vc(struct simvcpu *v, uint64_t code, struct kvm_regs *pregs,
		      struct kvm_sregs *psr, const char **why)
{
	struct kvm_regs regs = *pregs;
	struct kvm_sregs sr = *psr;
	uint64_t handler, rsp, frame[6];
	uint8_t *gate, *slot, *desc = NULL;
	unsigned int ist, type;
	uint16_t sel;
	bool user = sr.cs.dpl == 3;

	*why = "no usable IDT gate for #VC (vector 29)";
	if (sr.idt.limit < X86_VEC_VC * 16 + 15)
		return -1;
	gate = guest_linear(v, sr.idt.base + X86_VEC_VC * 16, 16);
	if (!gate)
		return -1;
	type = gate[5] & 0xf;
	sel = gate[2] | gate[3] << 8;
	if (!(gate[5] & 0x80) || (type != 0xe && type != 0xf) || (!user && sel != sr.cs.selector))
		return -1;
	/*
	 * From CPL 3 (an SEV-ES guest's user space: ioperm() and OUT): to
	 * the gate's 64-bit code segment at CPL 0, on TSS.RSP0 unless the
	 * gate names an IST stack, with a null SS (APM vol. 2, 8.9.3).
	 */
	if (user) {
		*why = "the #VC gate's code segment is no 64-bit CPL 0 one";
		if ((sel & ~7) + 7 > sr.gdt.limit || (sel & 4))
			return -1;
		desc = guest_linear(v, sr.gdt.base + (sel & ~7), 8);
		if (!desc || !(desc[5] & 0x80) || (desc[5] & 0x18) != 0x18 || (desc[5] & 0x60) ||
		    !(desc[6] & 0x20))
			return -1;
	}
	handler = (uint64_t)(gate[0] | gate[1] << 8) | (uint64_t)(gate[6] | gate[7] << 8) << 16 |
		  (uint64_t)(gate[8] | gate[9] << 8 | gate[10] << 16 | (uint32_t)gate[11] << 24)
			  << 32;
	ist = gate[4] & 7;
	rsp = regs.rsp;
	if (user && !ist) {
		*why = "TSS.RSP0 cannot be read";
		slot = guest_linear(v, sr.tr.base + 4, 8);
		if (!slot)
			return -1;
		memcpy(&rsp, slot, 8);
	}
	if (ist) {
		*why = "the #VC gate's IST stack cannot be read from the TSS";
		slot = guest_linear(v, sr.tr.base + 0x24 + (ist - 1) * 8, 8);
		if (!slot)
			return -1;
		memcpy(&rsp, slot, 8);
	}
	rsp = (rsp & ~15ULL) - sizeof(frame);
	frame[0] = code;
	frame[1] = regs.rip;
	frame[2] = sr.cs.selector;
	frame[3] = regs.rflags;
	frame[4] = regs.rsp;
	frame[5] = sr.ss.selector;
	*why = "the #VC frame does not fit the guest's stack";
	if (guest_write(v, rsp, frame, sizeof(frame))) {
		sim_debug("vCPU %u: no guest memory for a #VC frame at %#llx", v->id,
			  (unsigned long long)rsp);
		return -1;
	}
	regs.rsp = rsp;
	regs.rip = handler;
	regs.rflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF |
			 (type == 0xe ? X86_EFLAGS_IF : 0));
	/* The access as the guest's handler gets it, in SEVSIM_TRACE. */
	if (trace_file)
		trace_first(v, true);
	if (user) {
		sr.cs = (struct kvm_segment){ .base = 0,
					      .limit = 0xffffffff,
					      .selector = sel & ~3,
					      .type = desc[5] & 0xf,
					      .present = 1,
					      .dpl = 0,
					      .db = 0,
					      .s = 1,
					      .l = 1,
					      .g = 1 };
		sr.ss = (struct kvm_segment){ .base = 0,
					      .limit = 0xffffffff,
					      .selector = 0,
					      .type = 3,
					      .present = 1,
					      .dpl = 0,
					      .db = 1,
					      .s = 1,
					      .l = 0,
					      .g = 1 };
		*why = "KVM_SET_SREGS failed";
		if (real_ioctl(v->fd, KVM_SET_SREGS, &sr) < 0)
			return -1;
	}
	*why = "KVM_SET_REGS failed";
	if (real_ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return -1;
	sim_debug("vCPU %u: #VC (error code %#llx) for a direct access at rip %#llx", v->id,
		  (unsigned long long)code, (unsigned long long)frame[1]);
	return 0;
}

/*
 * What a vCPU's page tables map shared: every present leaf with the C-bit
 * clear, found by walking from CR3 in private memory, as the CPU's walk
 * reads it.  Long mode only (4 or 5 levels): with paging off or in a
 * 32-bit mode a vCPU makes every access private.
 */
#define PTE_ADDR 0x000ffffffffff000ULL
#define PTE_PRESENT 1ULL
#define PTE_LARGE (1ULL << 7)
#define MAX_TABLES 4096

struct walk {
	struct simvm *vm;
	struct range *out;
	unsigned int n, tables;
	uint64_t *read; /* the tables read, MAX_TABLES of them at most */
	bool overflow;
};

static void walk_table(struct walk *w, uint64_t table, int level)
{
	const uint64_t cbit = 1ULL << SEVSIM_CBIT;
	uint64_t *e = (uint64_t *)gpa_ptr(w->vm, table, PAGE_SIZE, true);

	if (!e || w->tables >= MAX_TABLES)
		return;
	w->read[w->tables++] = table;
	for (int i = 0; i < 512; i++) {
		uint64_t x = e[i], pa = x & PTE_ADDR & ~cbit, size;

		if (!(x & PTE_PRESENT))
			continue;
		if (level > 1 && !(level <= 3 && (x & PTE_LARGE))) {
			walk_table(w, pa, level - 1);
			continue;
		}
		if (x & cbit)
			continue;
		size = PAGE_SIZE << (9 * (level - 1));
		pa &= ~(size - 1); /* a large page's PAT bit is not an address bit */
		if (w->n && w->out[w->n - 1].hi == pa)
			w->out[w->n - 1].hi = pa + size;
		else if (w->n < MAX_SHARED)
			w->out[w->n++] = (struct range){ pa, pa + size };
		else
			w->overflow = true;
	}
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort and merge `n` ranges in place; at most `max` stay (the rest joins the last). */
static unsigned int ranges_norm(struct range *r, unsigned int n, unsigned int max)
{
	unsigned int m = 0;

	qsort(r, n, sizeof(*r), range_cmp);
	for (unsigned int i = 0; i < n; i++) {
		if (m && r[i].lo <= r[m - 1].hi) {
			if (r[i].hi > r[m - 1].hi)
				r[m - 1].hi = r[i].hi;
		} else if (m < max) {
			r[m++] = r[i];
		} else if (r[i].hi > r[m - 1].hi) {
			r[m - 1].hi = r[i].hi;
		}
	}
	return m;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * The VMM's pages now take a newly shared piece.  The model learns of a
 * C-bit change only at the guest's next exit, so what the guest wrote
 * through its new shared mapping before then went to private memory:
 * carry it over.  A page the guest never wrote privately (all zeros in
 * the private view) keeps what the host put there, as on hardware: the
 * measured-boot verifier reads its staged kernel through such a mapping.
 */
static void copy_to_host(struct simvm *vm, uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < MAX_SLOTS; i++) {
		struct simslot *s = &vm->slots[i];
		uint64_t a = lo > s->gpa ? lo : s->gpa,
			 b = hi < s->gpa + s->size ? hi : s->gpa + s->size;
		uint8_t *priv;

		if (!s->used || a >= b || (s->flags & KVM_MEM_READONLY))
			continue;
		priv = priv_of((uint64_t)(uintptr_t)s->hva + (a - s->gpa), b - a);
		if (!priv)
			continue;
		for (uint64_t off = 0; off < b - a; off += PAGE_SIZE) {
			uint64_t n = b - a - off < PAGE_SIZE ? b - a - off : PAGE_SIZE;

			if (!all_zero(priv + off, n))
				memcpy(s->hva + (a - s->gpa) + off, priv + off, n);
		}
	}
}

/* The VM's shared set is the union of its vCPUs': remap what changed. */
static void vm_shared_update(struct simvm *vm)
{
	struct range *u;
	unsigned int n = 0;
	bool in;

	u = malloc(sizeof(*u) * MAX_SHARED * (vm->nr_vcpus ? vm->nr_vcpus : 1));
	if (!u)
		return;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		memcpy(u + n, vm->vcpus[i]->shared, sizeof(*u) * vm->vcpus[i]->nshared);
		n += vm->vcpus[i]->nshared;
	}
	n = ranges_norm(u, n, MAX_SHARED);
	if (n == vm->nshared && !memcmp(u, vm->shared, n * sizeof(*u))) {
		free(u);
		return;
	}
	for (unsigned int i = 0; vm->ran && i < n; i++)
		for (uint64_t lo = u[i].lo, hi; lo < u[i].hi; lo = hi)
			if ((hi = next_piece(vm->shared, vm->nshared, lo, u[i].hi, &in)) && !in)
				copy_to_host(vm, lo, hi);
	memcpy(vm->shared, u, n * sizeof(*u));
	vm->nshared = n;
	free(u);
	sim_debug("the guest's page tables map %u shared range%s%s", n, n == 1 ? "" : "s",
		  n ? ", the first at" : "");
	if (n)
		sim_debug("  [%#llx, %#llx)", (unsigned long long)vm->shared[0].lo,
			  (unsigned long long)vm->shared[0].hi);
	for (int i = 0; i < MAX_SLOTS; i++)
		if (vm->slots[i].used && slot_runs(vm, &vm->slots[i], false))
			sim_log("slot %u: cannot map its shared pages", vm->slots[i].id);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The VM's page-table pages: the union of its vCPUs' last walks, sorted. */
static void vm_tables_update(struct simvm *vm)
{
	unsigned int n = 0;
	uint8_t *copy;
	uint64_t *t;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		n += vm->vcpus[i]->ntables;
	t = realloc(vm->tables, (n ? n : 1) * sizeof(*t));
	if (!t) {
		vm->ntables = 0;
		vm->dirty_log = false; /* cannot tell what to watch: walk always */
		return;
	}
	vm->tables = t;
	n = 0;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		memcpy(t + n, vm->vcpus[i]->tables, vm->vcpus[i]->ntables * sizeof(*t));
		n += vm->vcpus[i]->ntables;
	}
	qsort(t, n, sizeof(*t), u64_cmp);
	vm->ntables = n;
	/* What they held, so that a write that changed nothing needs no walk. */
	copy = realloc(vm->table_copy, (size_t)(n ? n : 1) * PAGE_SIZE);
	if (!copy) {
		vm->ntables = 0;
		vm->dirty_log = false;
		return;
	}
	vm->table_copy = copy;
	for (unsigned int k = 0; k < n; k++) {
		const uint8_t *e = gpa_ptr(vm, t[k], PAGE_SIZE, true);

		if (e)
			memcpy(copy + (size_t)k * PAGE_SIZE, e, PAGE_SIZE);
		else
			memset(copy + (size_t)k * PAGE_SIZE, 0, PAGE_SIZE);
	}
	/* The pieces whose dirty logs vm_pt_dirty() reads. */
	for (int i = 0; i < MAX_SLOTS; i++) {
		struct simslot *sl = &vm->slots[i];

		sl->alias_pt = false;
		for (unsigned int j = 0; j < sl->nruns; j++)
			sl->runs[j].pt = false;
		for (unsigned int k = 0; sl->used && k < n; k++) {
			if (t[k] < sl->gpa || t[k] - sl->gpa >= sl->size)
				continue;
			sl->alias_pt = true;
			for (unsigned int j = 0; j < sl->nruns; j++)
				if (t[k] - sl->gpa - sl->runs[j].off < sl->runs[j].len)
					sl->runs[j].pt = true;
		}
	}
}

/*
 * What KVM logged of the guest's writes to one private piece since the
 * last look (and, in manual mode, write-protect those pages again): does
 * any of them hold a page table?  True where it cannot tell.
 */
static bool piece_hits_tables(struct simvm *vm, uint32_t id, uint64_t gpa, uint64_t size)
{
	uint64_t npages = size / PAGE_SIZE, words = (npages + 63) / 64;
	uint64_t *bm = calloc(words ? words : 1, sizeof(*bm)), *arm;
	struct kvm_dirty_log log = { .slot = id };
	unsigned int narmed = 0;
	bool hit = false;

	if (!bm)
		return true;
	log.dirty_bitmap = bm;
	if (real_ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) < 0) {
		sim_debug("KVM_GET_DIRTY_LOG of slot %#x: %s", id, strerror(errno));
		free(bm);
		return true;
	}
	/*
	 * Only the page tables' bits count, and only they are armed again:
	 * look them up from the table list (other dirty bits may be many).
	 */
	arm = calloc(words ? words : 1, sizeof(*arm));
	if (!arm) {
		free(bm);
		return true;
	}
	for (unsigned int k = 0; k < vm->ntables; k++) {
		uint64_t page = vm->tables[k], i = (page - gpa) / PAGE_SIZE;

		const uint8_t *now;

		if (page < gpa || i >= npages || !(bm[i / 64] & (1ULL << (i % 64))))
			continue;
		arm[i / 64] |= 1ULL << (i % 64);
		narmed++;
		/*
		 * Written, but changed?  QEMU's TCG (the nested machine) reads a
		 * guest page table through nested paging as if writing it, so
		 * every TLB refill marks the tables it walks dirty.  Such pages
		 * stay unprotected and are compared at each look; only when
		 * more than a few pile up are they protected again, since every
		 * re-protection costs the guest a fault on its next refill.
		 */
		now = gpa_ptr(vm, page, PAGE_SIZE, true);
		if (hit || (now && !memcmp(now, vm->table_copy + (size_t)k * PAGE_SIZE, PAGE_SIZE)))
			continue;
		sim_debug("page table %#llx written (slot %#x)", (unsigned long long)page, id);
		hit = true;
	}
	/* Manual mode: GET left them writable; only the page tables are armed again. */
	if (narmed > 16 && vm->manual_dirty) {
		struct kvm_clear_dirty_log c = { .slot = id, .num_pages = (uint32_t)npages };

		c.dirty_bitmap = arm;
		if (real_ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &c) < 0)
			sim_debug("KVM_CLEAR_DIRTY_LOG of slot %#x: %s", id, strerror(errno));
	}
	free(arm);
	free(bm);
	return hit;
}

/* Did the guest write a page table since the last look?  (Every private piece.) */
static bool vm_pt_dirty(struct simvm *vm)
{
	bool hit = false;

	if (!vm->dirty_log)
		return true;
	for (int i = 0; i < MAX_SLOTS; i++) {
		struct simslot *sl = &vm->slots[i];

		if (!sl->used || (sl->flags & KVM_MEM_READONLY))
			continue;
		if (sl->alias_pt)
			hit |= piece_hits_tables(vm, SEVSIM_ALIAS_SLOT_BASE + sl->id, sl->gpa,
						 sl->size);
		for (unsigned int j = 0; j < sl->nruns; j++)
			if (!sl->runs[j].shared && sl->runs[j].pt)
				hit |= piece_hits_tables(vm, sl->runs[j].id,
							 sl->gpa + sl->runs[j].off,
							 sl->runs[j].len);
	}
	return hit;
}

/*
 * Walk the vCPU's page tables; if what they share changed, remap.  Only
 * when they may have changed: another root or paging mode, a write by the
 * guest to a page the walks read (KVM's dirty log of private memory, A/D
 * bit updates included, that changed its contents), or the model's own
 * writes (pt_gen); so a guest looping on timer interrupts with a thousand
 * page tables (OVMF's DXE) pays an ioctl or two per exit, not a walk.
 */
#define CHEAP_WALK_TABLES 32

static void learn_shared(struct simvcpu *v)
{
	struct simvm *vm = v->vm;
	struct range set[MAX_SHARED];
	struct walk w = { .vm = vm, .out = set };
	struct timespec t0, t1;
	struct kvm_sregs sr;
	static bool warned;

	if (real_ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		return;
	pthread_mutex_lock(&sim_lock);
	/* A few tables are walked faster than KVM's dirty logs are read. */
	if (vm->ntables <= CHEAP_WALK_TABLES || vm_pt_dirty(vm))
		vm->pt_gen++;
	if (v->walked && v->walk_gen == vm->pt_gen && v->walk_cr3 == sr.cr3 &&
	    v->walk_cr0 == sr.cr0 && v->walk_cr4 == sr.cr4 && v->walk_efer == sr.efer) {
		pthread_mutex_unlock(&sim_lock);
		return;
	}
	if (!v->tables && !(v->tables = malloc(MAX_TABLES * sizeof(*v->tables)))) {
		pthread_mutex_unlock(&sim_lock);
		return;
	}
	w.read = v->tables;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((sr.cr0 & X86_CR0_PG) && (sr.efer & X86_EFER_LMA))
		walk_table(&w, sr.cr3 & PTE_ADDR & ~(1ULL << SEVSIM_CBIT),
			   sr.cr4 & X86_CR4_LA57 ? 5 : 4);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	walk_count++;
	walk_ns += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	walk_tables = w.tables;
	v->ntables = w.tables;
	v->walked = true;
	v->walk_gen = vm->pt_gen;
	v->walk_cr3 = sr.cr3;
	v->walk_cr0 = sr.cr0;
	v->walk_cr4 = sr.cr4;
	v->walk_efer = sr.efer;
	vm_tables_update(vm);
	if (w.overflow && !warned) {
		warned = true;
		sim_log("vCPU %u: more than %d shared ranges in its page tables: the rest are "
			"taken as one",
			v->id, MAX_SHARED);
	}
	w.n = ranges_norm(set, w.n, MAX_SHARED);
	if (w.n != v->nshared || memcmp(set, v->shared, w.n * sizeof(*set))) {
		memcpy(v->shared, set, w.n * sizeof(*set));
		v->nshared = w.n;
		vm_shared_update(vm);
	}
	pthread_mutex_unlock(&sim_lock);
}

/* The model's own trace of a guest: where each exit left it. */
static void log_exit(struct simvcpu *v, int ret)
{
	struct kvm_run *run = v->run;
	struct kvm_regs regs = { 0 };
	struct kvm_sregs sr = { 0 };

	real_ioctl(v->fd, KVM_GET_REGS, &regs);
	real_ioctl(v->fd, KVM_GET_SREGS, &sr);
	sim_log("vCPU %u: exit %u%s at %#llx:%#llx cr0 %#llx cr3 %#llx port %#x msr %#x mmio %#llx",
		v->id, run->exit_reason, ret < 0 ? " (KVM_RUN failed)" : "",
		(unsigned long long)sr.cs.base, (unsigned long long)regs.rip,
		(unsigned long long)sr.cr0, (unsigned long long)sr.cr3,
		run->exit_reason == KVM_EXIT_IO ? run->io.port : 0,
		run->exit_reason == KVM_EXIT_X86_RDMSR || run->exit_reason == KVM_EXIT_X86_WRMSR ?
			run->msr.index :
			0,
		run->exit_reason == KVM_EXIT_MMIO ? (unsigned long long)run->mmio.phys_addr : 0ULL);
}

#define TRACE_KEYS 8192 /* open addressing; full means no more new lines */
static uint64_t trace_keys[TRACE_KEYS];
static uint64_t trace_count;
static unsigned int trace_used;
static struct timespec trace_t0;
static double trace_last; /* seconds since trace_t0 of the last line */

/* One SEVSIM_TRACE line when this exit is the first of its kind. */
static void trace_first(struct simvcpu *v, bool vc)
{
	struct kvm_run *run = v->run;
	uint64_t key = (uint64_t)(run->exit_reason & 0xff) << 56 | (uint64_t)vc << 55, h;
	char what[96], at[40] = "";
	struct timespec now;
	struct kvm_sregs sregs;
	double t;
	struct kvm_regs regs;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		key |= (uint64_t)run->io.direction << 48 | run->io.port;
		snprintf(what, sizeof(what), "io %s port %#x",
			 run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port);
		break;
	case KVM_EXIT_MMIO:
		key |= (uint64_t)run->mmio.is_write << 48 | run->mmio.phys_addr >> 12;
		snprintf(what, sizeof(what), "mmio %s page %#llx",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr & ~0xfffULL);
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		key |= run->msr.index;
		snprintf(what, sizeof(what), "%s %#x",
			 run->exit_reason == KVM_EXIT_X86_RDMSR ? "rdmsr" : "wrmsr",
			 run->msr.index);
		break;
	default:
		snprintf(what, sizeof(what), "exit reason %u", run->exit_reason);
		break;
	}
	pthread_mutex_lock(&sim_lock);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!trace_count++)
		trace_t0 = now;
	t = (double)(now.tv_sec - trace_t0.tv_sec) + (now.tv_nsec - trace_t0.tv_nsec) / 1e9;
	/* A heartbeat every 10 s: a guest that loops shows as exits, no kinds. */
	if (t - trace_last >= 10) {
		fprintf(trace_file,
			"%.3f %llu exits so far; %llu page-table walks took %.3f s, %u tables in the last\n",
			t, (unsigned long long)trace_count, (unsigned long long)walk_count,
			walk_ns / 1e9, walk_tables);
		trace_last = t;
	}
	key++; /* never 0, the empty slot */
	for (h = (key * 0x9e3779b97f4a7c15ULL) >> 51;; h = (h + 1) % TRACE_KEYS) {
		if (trace_keys[h] == key || (!trace_keys[h] && trace_used >= TRACE_KEYS / 2)) {
			pthread_mutex_unlock(&sim_lock);
			return;
		}
		if (!trace_keys[h])
			break;
	}
	trace_keys[h] = key;
	trace_used++;
	trace_last = t;
	/*
	 * The linear address: CS base + RIP (real mode has a CS base too).
	 * The model sees it even for SEV-ES, whose registers no VMM sees.
	 */
	if (!real_ioctl(v->fd, KVM_GET_REGS, &regs) && !real_ioctl(v->fd, KVM_GET_SREGS, &sregs))
		snprintf(at, sizeof(at), " at %#llx",
			 (unsigned long long)(sregs.cs.base + regs.rip));
	fprintf(trace_file, "%.3f vCPU %u exit %llu: %s%s%s\n", t, v->id,
		(unsigned long long)trace_count, vc ? "#VC for " : "", what, at);
	pthread_mutex_unlock(&sim_lock);
}

/*
 * On SEV-ES hardware a direct MMIO access faults (#VC, NPF) before it
 * runs; the real KVM under the model emulates it instead, and for a store
 * it has stepped past the instruction by the time it exits, so the model
 * cannot raise #VC at it.  So once the guest has touched an MMIO page
 * directly (a load, which KVM leaves unexecuted), the model puts an
 * inaccessible memslot over it (PROT_NONE: KVM_RUN fails with EFAULT,
 * RIP still on the instruction), and every later access to it, stores
 * included, gets its #VC where the CPU raises it.  The 2 MiB around the
 * page when no memslot and no APIC lies there (virtio-mmio devices sit
 * side by side), else the page alone.
 */
#define TRAP_SPAN (2ULL << 20)

static void mmio_trap(struct simvcpu *v, uint64_t gpa)
{
	static uint8_t *none;
	struct simvm *vm = v->vm;
	uint64_t lo = gpa & ~(TRAP_SPAN - 1), hi = lo + TRAP_SPAN;
	int ret;

	if (!none) {
		none = mmap(NULL, TRAP_SPAN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			    -1, 0);
		if (none == MAP_FAILED) {
			none = NULL;
			return;
		}
	}
	pthread_mutex_lock(&sim_lock);
	for (unsigned int i = 0; i < vm->ntraps; i++) {
		if (gpa >= vm->trap_lo[i] && gpa < vm->trap_hi[i]) {
			pthread_mutex_unlock(&sim_lock);
			return;
		}
	}
	if (vm->ntraps == SEVSIM_TRAP_SLOTS) {
		pthread_mutex_unlock(&sim_lock);
		return;
	}
	for (int i = 0; i < MAX_SLOTS; i++) {
		struct simslot *sl = &vm->slots[i];

		if (sl->used && sl->gpa < hi && lo < sl->gpa + sl->size)
			lo = gpa & ~(PAGE_SIZE - 1), hi = lo + PAGE_SIZE;
	}
	if (lo < 0xff000000ULL && hi > 0xfec00000ULL)
		lo = gpa & ~(PAGE_SIZE - 1), hi = lo + PAGE_SIZE;
	ret = real_slot(vm, SEVSIM_TRAP_SLOT_BASE + vm->ntraps, 0, lo, hi - lo, none);
	if (ret) {
		sim_debug("cannot trap MMIO at %#llx: %s", (unsigned long long)lo, strerror(-ret));
	} else {
		vm->trap_lo[vm->ntraps] = lo;
		vm->trap_hi[vm->ntraps++] = hi;
		sim_debug("MMIO [%#llx, %#llx) now faults: #VC before the access",
			  (unsigned long long)lo, (unsigned long long)hi);
	}
	pthread_mutex_unlock(&sim_lock);
}

/* KVM_RUN failed with EFAULT in a trapped MMIO range: #VC (NPF) at RIP. */
static int trap_vc(struct simvcpu *v, const char **why)
{
	struct kvm_regs regs;
	struct kvm_sregs sr;

	*why = "KVM_GET_REGS/SREGS failed";
	if (real_ioctl(v->fd, KVM_GET_REGS, &regs) < 0 || real_ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		return -1;
	*why = "the guest is not in 64-bit mode at CPL 0 or 3, which this delivery assumes";
	if (!(sr.efer & (1ULL << 10)) || !sr.cs.l || (sr.cs.dpl != 0 && sr.cs.dpl != 3))
		return -1;
	/* For SEVSIM_TRACE: which access it was, the model does not know. */
	memset(&v->run->mmio, 0, sizeof(v->run->mmio));
	v->run->exit_reason = KVM_EXIT_MMIO;
	return deliver_vc(v, SVM_EXIT_NPF, &regs, &sr, why);
}

static int vcpu_run_model(struct simvcpu *v)
{
	if (v->vm->active && !v->vm->ran) {
		/* What the VMM shares before the guest runs (minisev's window) is its own. */
		learn_shared(v);
		v->vm->ran = true;
	}
	if (v->pending != GHCB_NONE) {
		pthread_mutex_lock(&sim_lock);
		ghcb_complete(v);
		pthread_mutex_unlock(&sim_lock);
		/* The WRMSR that rang the doorbell completes without a fault. */
		v->run->msr.error = 0;
	}
	for (;;) {
		int ret = real_ioctl(v->fd, KVM_RUN, 0), r, err = errno;

		if (!v->vm->active)
			return ret;
		learn_shared(v);
		if (ret < 0 && err == EFAULT && v->vm->es && v->protected && v->vm->ntraps) {
			const char *why;

			if (trap_vc(v, &why) == 0)
				continue;
			sim_log("vCPU %u: cannot deliver #VC for a trapped MMIO access: %s", v->id,
				why);
			errno = err;
			return ret;
		}
		errno = err;
		/*
		 * The C-bit is no address bit on hardware: an MMIO access
		 * through a PTE with it set reaches the device at the plain
		 * address (KVM sees the GPA without it).
		 */
		if (v->run->exit_reason == KVM_EXIT_MMIO)
			v->run->mmio.phys_addr &= ~(1ULL << SEVSIM_CBIT);
		if (trace_exits)
			log_exit(v, ret);
		if (ret < 0)
			return ret;
		r = handle_msr_exit(v);
		if (r == 0)
			continue;
		if (r == 1)
			return 0; /* the synthesized exit; v->pending completes it */
		if (r == 2 || (v->vm->es && v->protected &&
			       (v->run->exit_reason == KVM_EXIT_IO ||
				v->run->exit_reason == KVM_EXIT_MMIO))) {
			bool mmio = v->run->exit_reason == KVM_EXIT_MMIO;
			uint64_t gpa = v->run->mmio.phys_addr;
			const char *why;

			if (raise_vc(v, &why) == 0) {
				if (mmio)
					mmio_trap(v, gpa);
				continue;
			}
			/* Where the CPU cannot deliver #VC it shuts the guest down. */
			sim_log("vCPU %u: cannot deliver #VC for a direct %s: %s: shutdown, "
				"as the CPU would",
				v->id,
				v->run->exit_reason == KVM_EXIT_IO   ? "port I/O" :
				v->run->exit_reason == KVM_EXIT_MMIO ? "MMIO access" :
								       "MSR access",
				why);
			v->run->exit_reason = KVM_EXIT_SHUTDOWN;
			return 0;
		}
		return ret;
	}
}

/* KVM_RUN as the VMM sees it: under SEV-ES, what the GHCB asked for. */
static int vcpu_run(struct simvcpu *v)
{
	int ret = vcpu_run_model(v);

	if (trace_file && ret >= 0 && v->vm->active)
		trace_first(v, false);
	return ret;
}

static bool is_register_ioctl(unsigned long req)
{
	switch (req) {
	case KVM_GET_REGS:
	case KVM_SET_REGS:
	case KVM_GET_SREGS:
	case KVM_SET_SREGS:
	case KVM_GET_FPU:
	case KVM_SET_FPU:
	case KVM_GET_XSAVE:
	case KVM_SET_XSAVE:
	case KVM_GET_XCRS:
	case KVM_SET_XCRS:
	case KVM_GET_DEBUGREGS:
	case KVM_SET_DEBUGREGS:
	case KVM_GET_MSRS:
	case KVM_SET_MSRS:
		return true;
	default:
		return false;
	}
}

static int vcpu_ioctl(int fd, unsigned long req, void *arg)
{
	struct simvcpu *v = fds[fd].obj;
	int ret;

	if (v->vm->dead)
		return fail(EIO);
	if (req == KVM_RUN)
		return vcpu_run(v);
	if (req == KVM_SET_CPUID2 && arg) {
		struct kvm_cpuid2 *c = arg, *copy, *real;
		size_t sz = sizeof(*c) + c->nent * sizeof(c->entries[0]);

		copy = malloc(sz);
		real = malloc(sz);
		if (!copy || !real) {
			free(copy);
			free(real);
			return fail(ENOMEM);
		}
		memcpy(copy, c, sz);
		memcpy(real, c, sz);
		/*
		 * svm_vcpu_after_set_cpuid() takes the C-bit out of an SEV
		 * guest's reserved physical-address bits: it lies above the
		 * guest's MAXPHYADDR on hardware (EPYC reports 43 or less).
		 * The model cannot reach that, so the real KVM gets a
		 * MAXPHYADDR that covers the C-bit; else its own page walks
		 * (instruction emulation, MMIO) fault on every C-bit PTE.
		 */
		for (uint32_t i = 0; v->vm->active && i < real->nent; i++) {
			struct kvm_cpuid_entry2 *e = &real->entries[i];

			if (e->function == 0x80000008 && (e->eax & 0xff) <= SEVSIM_CBIT)
				e->eax = (e->eax & ~0xffu) | (SEVSIM_CBIT + 1);
		}
		ret = real_ioctl(fd, req, real);
		free(real);
		if (ret) {
			free(copy);
			return ret;
		}
		pthread_mutex_lock(&sim_lock);
		free(v->cpuid);
		v->cpuid = copy;
		pthread_mutex_unlock(&sim_lock);
		return 0;
	}
	/*
	 * After LAUNCH_UPDATE_VMSA the state is encrypted: typed SEV-ES VMs
	 * refuse register ioctls with EINVAL ("has_protected_state", §3.5).
	 */
	if (v->protected && v->vm->type == KVM_X86_SEV_ES_VM && is_register_ioctl(req))
		return fail(EINVAL);
	return real_ioctl(fd, req, arg);
}

/*
 * sev_vm_destroy(): the firmware forgets the guest, unless mirrors still
 * share its handle (each holds a reference to its owner); a mirror only
 * drops its reference.  Private memory no other VM uses goes too.
 */
static void vm_close(struct simvm *vm)
{
	struct simvm *owner = vm->mirror_of;

	vm->closed = true;
	if (owner) {
		if (!--owner->refs && owner->closed && owner->started && psp) {
			psp_decommission(psp, owner->handle);
			owner->started = false;
		}
	} else if (vm->started && !vm->refs && psp) {
		psp_decommission(psp, vm->handle);
		vm->started = false;
	}
	shadows_release(vm);
	if (vm->id >= 0)
		vms[vm->id] = NULL;
}

/* ---- the interposed libc functions -------------------------------------- */

static int track_open(const char *path, int fd)
{
	if (fd >= 0 && fd < MAX_FD && path && !strcmp(path, "/dev/kvm")) {
		pthread_mutex_lock(&sim_lock);
		fds[fd].kind = FD_KVM;
		pthread_mutex_unlock(&sim_lock);
	}
	return fd;
}

/* O_CREAT and O_TMPFILE are the flags that bring a mode argument. */
#define OPEN_MODE(flags, mode)                         \
	do {                                           \
		va_list ap;                            \
		if ((flags) & (O_CREAT | O_TMPFILE)) { \
			va_start(ap, flags);           \
			(mode) = va_arg(ap, mode_t);   \
			va_end(ap);                    \
		}                                      \
	} while (0)

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	sim_ready();
	OPEN_MODE(flags, mode);
	if (!strcmp(path, "/dev/sev"))
		return open_sev(flags);
	return track_open(path, real_open(path, flags, mode));
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	sim_ready();
	OPEN_MODE(flags, mode);
	if (!strcmp(path, "/dev/sev"))
		return open_sev(flags);
	return track_open(path, real_openat(dirfd, path, flags, mode));
}

int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

int close(int fd)
{
	sim_ready();
	if (fd >= 0 && fd < MAX_FD && fds[fd].kind != FD_NONE) {
		pthread_mutex_lock(&sim_lock);
		if (fds[fd].kind == FD_VM) {
			struct simvm *vm = fds[fd].obj;

			vm_close(vm);
		}
		/* VM and vCPU objects stay: vCPU threads may still look. */
		fds[fd].kind = FD_NONE;
		fds[fd].obj = NULL;
		pthread_mutex_unlock(&sim_lock);
	}
	return real_close(fd);
}

int ioctl(int fd, unsigned long req, ...)
{
	void *arg;
	va_list ap;

	sim_ready();
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	/*
	 * The kernel's ioctl takes an unsigned int: a VMM that passes its
	 * request through an int (QEMU) sign-extends _IOR/_IOW numbers, and
	 * the kernel still reads them as meant.
	 */
	req = (unsigned int)req;
	switch (fd_kind(fd)) {
	case FD_SEV:
		return sev_dev_ioctl(fd, req, arg);
	case FD_KVM:
		return kvm_dev_ioctl(fd, req, arg);
	case FD_VM:
		return vm_ioctl(fd, req, arg);
	case FD_VCPU:
		return vcpu_ioctl(fd, req, arg);
	default:
		return real_ioctl(fd, req, arg);
	}
}
