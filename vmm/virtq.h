/* SPDX-License-Identifier: MIT */
/*
 * The device side of a split virtqueue (virtio 1.1, 2.6), independent of
 * any transport or device so that it can be tested alone.
 *
 * Every number the guest controls (avail->idx, ring entries, descriptors)
 * is copied out of guest memory exactly once and then validated; buffers
 * are resolved with gm_ptr(GM_SHARED), so under SEV a descriptor that
 * points outside the shared window is refused.  An error is reported with
 * pr_err() naming the queue, the descriptor and the bad value, and leaves
 * the queue broken until it is reset: the transport then marks the device
 * DEVICE_NEEDS_RESET.
 */
#ifndef MINISEV_VIRTQ_H
#define MINISEV_VIRTQ_H

#include <stdint.h>
#include <stddef.h>

#include "minisev/virtio.h"
#include "guestmem.h"
#include "util.h"

/* One guest buffer of a chain, as a host pointer into the shared window. */
struct virtq_iov {
	void *base;
	uint32_t len;
};

/*
 * A popped descriptor chain.  Device-readable buffers come first
 * (iov[0 .. nr_out)), then device-writable ones (iov[nr_out .. nr_out +
 * nr_in)); zero-length descriptors are validated but not listed.
 */
struct virtq_chain {
	uint16_t head; /* what virtq_push() gives back */
	uint16_t nr_out;
	uint16_t nr_in;
	uint32_t out_len; /* bytes the device may read */
	uint32_t in_len; /* bytes the device may write */
	struct virtq_iov iov[VIRTQ_MAX_SIZE];
};

struct virtq {
	const struct guest_mem *gm;
	const char *name; /* "virtio-console queue 1 (transmitq)", for messages */
	uint16_t num_max; /* QueueNumMax */

	/* Driver-written configuration, validated by virtq_enable(). */
	uint32_t num;
	uint64_t desc_gpa;
	uint64_t avail_gpa;
	uint64_t used_gpa;

	bool ready;
	bool broken; /* a guest error was found; only a reset clears it */

	/* Valid while ready. */
	uint16_t size;
	uint16_t last_avail; /* next avail->ring slot to consume */
	uint16_t used_idx; /* our copy of used->idx: never read back */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
};

/* Bytes of each ring for a queue of `num` entries (2.6, with the event fields). */
static inline uint64_t virtq_desc_bytes(uint32_t num)
{
	return 16ULL * num;
}

static inline uint64_t virtq_avail_bytes(uint32_t num)
{
	return 6ULL + 2ULL * num;
}

static inline uint64_t virtq_used_bytes(uint32_t num)
{
	return 6ULL + 8ULL * num;
}

/* `name` must outlive the queue.  num_max is a power of 2 <= VIRTQ_MAX_SIZE. */
void virtq_init(struct virtq *vq, const struct guest_mem *gm, const char *name, uint16_t num_max);
/* Back to the state after virtq_init() (device reset, 2.1.2). */
void virtq_reset(struct virtq *vq);

/*
 * QueueReady = 1: check the size (non-zero power of 2 <= num_max), the
 * ring alignment (desc 16, avail 2, used 4; 2.6) and that each whole ring
 * lies in shared guest memory.  Returns 0, -EINVAL (bad size or alignment)
 * or -EFAULT (ring outside memory); on error the queue stays not ready and
 * is marked broken.
 */
int __must_check virtq_enable(struct virtq *vq);
/* QueueReady = 0. */
void virtq_disable(struct virtq *vq);

/*
 * Pop the next available chain into *ch.  Returns 1 with a chain, 0 when
 * the driver has made nothing new available (or the queue is not ready),
 * -EINVAL or -EFAULT when the guest broke the ring (message printed, queue
 * broken), -EIO on an already broken queue.
 */
int __must_check virtq_pop(struct virtq *vq, struct virtq_chain *ch);

/*
 * Return chain `head` to the driver with `len` bytes written into its
 * writable buffers, and publish the new used->idx (after a release fence,
 * 2.6.8.2).  Returns 0, or -EINVAL when the queue is not ready or `head`
 * is not a descriptor index (a device bug, not the guest's).
 */
int __must_check virtq_push(struct virtq *vq, uint16_t head, uint32_t len);

/*
 * Copy between a host buffer and a range of iovecs, starting `skip` bytes
 * into them.  Return the number of bytes copied (short when the iovecs end).
 */
size_t virtq_iov_to_buf(const struct virtq_iov *iov, unsigned int nr, size_t skip, void *buf,
			size_t len);
size_t virtq_buf_to_iov(const struct virtq_iov *iov, unsigned int nr, size_t skip, const void *buf,
			size_t len);

#endif /* MINISEV_VIRTQ_H */
