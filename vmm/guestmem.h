/* SPDX-License-Identifier: MIT */
/*
 * Guest memory and the one checked accessor for it.  Every access the VMM
 * makes on behalf of a guest-supplied address goes through gm_ptr() or the
 * copy helpers, which check start, length, overflow and which view the
 * range belongs to.  There is no unchecked twin.
 */
#ifndef MINISEV_GUESTMEM_H
#define MINISEV_GUESTMEM_H

#include <stdint.h>
#include <stddef.h>
#include "util.h"

struct guest_mem {
	uint8_t *hva; /* host mapping of guest RAM, GPA 0 .. size */
	uint64_t size;
	/*
	 * The shared window: the only range the guest leaves unencrypted
	 * under SEV, and so the only range where the VMM may read what the
	 * guest wrote after launch (virtio rings and buffers, requests).
	 */
	uint64_t shared_gpa;
	uint64_t shared_size;
	/* SEV is on: private memory holds ciphertext in the host's view. */
	bool encrypted;
};

/* Access kinds: device DMA must stay in shared memory under SEV. */
enum gm_access {
	GM_SHARED, /* guest-supplied address: must be in the shared window */
	GM_ANY, /* VMM-internal (image loading, before launch) */
};

/*
 * Return a host pointer to [gpa, gpa + len) or NULL when the range is
 * empty, wraps, leaves RAM, or (GM_SHARED) leaves the shared window.  The caller must copy guest-shared data out before validating
 * it: the guest can change it at any time.
 */
void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len, enum gm_access kind);

/* Copy helpers over gm_ptr(); return 0 or -EFAULT. */
int __must_check gm_read(const struct guest_mem *gm, void *dst, uint64_t gpa, uint64_t len,
			 enum gm_access kind);
int __must_check gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len,
			  enum gm_access kind);

#endif /* MINISEV_GUESTMEM_H */
