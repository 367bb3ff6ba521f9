// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "guestmem.h"

static bool range_in(uint64_t start, uint64_t len, uint64_t base, uint64_t size)
{
	/* Written so that no sum can wrap: start + len is never computed. */
	return start >= base && start - base <= size && len <= size - (start - base);
}

void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len, enum gm_access kind)
{
	if (!len || !gm->hva)
		return NULL;
	if (!range_in(gpa, len, 0, gm->size))
		return NULL;
	/*
	 * Under SEV the host's view of private memory is ciphertext: a
	 * device that followed a guest address there would read garbage on
	 * hardware.  Refuse it with or without SEV, so that a firmware bug of
	 * that kind shows up on any machine, not only on an EPYC host.
	 */
	if (kind == GM_SHARED && !range_in(gpa, len, gm->shared_gpa, gm->shared_size))
		return NULL;
	return gm->hva + gpa;
}

int gm_read(const struct guest_mem *gm, void *dst, uint64_t gpa, uint64_t len, enum gm_access kind)
{
	void *p = gm_ptr(gm, gpa, len, kind);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len,
	     enum gm_access kind)
{
	void *p = gm_ptr(gm, gpa, len, kind);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}
