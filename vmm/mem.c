// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "mem.h"
#include "kvm.h"

const char *mem_human(uint64_t bytes, char *buf, size_t len)
{
	if (bytes == RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else if (bytes >= (1ULL << 30) && !(bytes & ((1ULL << 30) - 1)))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes >= (1ULL << 20))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)(bytes >> 10));
	return buf;
}

static int pin(void *hva, uint64_t size)
{
	struct rlimit rl;
	char have[32], need[32];

	if (mlock(hva, size) == 0)
		return 0;
	if (errno != ENOMEM && errno != EPERM && errno != EAGAIN) {
		pr_err("mlock of guest RAM failed: %s", strerror(errno));
		return -errno;
	}
	/*
	 * ENOMEM from mlock is nearly always RLIMIT_MEMLOCK for a process
	 * without CAP_IPC_LOCK; say which limit and by how much.  The same
	 * limit later caps SEV's KVM_MEMORY_ENCRYPT_REG_REGION pinning.
	 */
	getrlimit(RLIMIT_MEMLOCK, &rl);
	pr_err("cannot pin %s of guest RAM: RLIMIT_MEMLOCK is %s",
	       mem_human(size, need, sizeof(need)), mem_human(rl.rlim_cur, have, sizeof(have)));
	pr_err("raise it to at least %llu KiB (ulimit -l %llu, or memlock in "
	       "/etc/security/limits.d), run with CAP_IPC_LOCK, or use a smaller -m",
	       (unsigned long long)(size >> 10) + 1024, (unsigned long long)(size >> 10) + 1024);
	return -ENOMEM;
}

int mem_init(struct vm *vm, uint64_t size, bool lock)
{
	void *hva;
	int ret;

	hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (hva == MAP_FAILED) {
		pr_err("cannot map %llu bytes of guest RAM: %s", (unsigned long long)size,
		       strerror(errno));
		return -errno;
	}
	/*
	 * Huge pages mean fewer TLB misses for the guest and, under SEV,
	 * larger physically contiguous runs for LAUNCH_UPDATE_DATA; ask
	 * before pinning, since pinned pages are never collapsed later.
	 */
	madvise(hva, size, MADV_HUGEPAGE);
	/* KSM merging would force WBINVDs on SEV hosts; keep it off. */
	madvise(hva, size, MADV_UNMERGEABLE);

	if (lock) {
		ret = pin(hva, size);
		if (ret)
			goto fail;
	}

	vm->gm.hva = hva;
	vm->gm.size = size;
	ret = kvm_set_memslot(vm, 0, 0, size, hva, 0);
	if (ret) {
		pr_err("KVM_SET_USER_MEMORY_REGION (slot 0, %llu bytes): %s",
		       (unsigned long long)size, strerror(-ret));
		vm->gm.hva = NULL;
		goto fail;
	}
	return 0;
fail:
	munmap(hva, size);
	return ret;
}

void mem_exit(struct vm *vm)
{
	if (vm->gm.hva)
		munmap(vm->gm.hva, vm->gm.size);
	vm->gm.hva = NULL;
}
