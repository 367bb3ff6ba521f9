// SPDX-License-Identifier: MIT
/*
 * Split virtqueue, device side (virtio 1.1, 2.6).  The guest owns the
 * rings and may rewrite them at any moment, from another vCPU, while we
 * read them: each guest-written field is loaded once into a local with an
 * atomic load (so the compiler cannot re-read it either) and only the
 * local is validated and used.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "virtq.h"

static int vq_fail(struct virtq *vq, int err, const char *fmt, ...) __printf(3, 4);

/* Report a guest error, mark the queue broken until reset, return `err`. */
static int vq_fail(struct virtq *vq, int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("%s: %s", vq->name, msg);
	vq->broken = true;
	return err;
}

void virtq_init(struct virtq *vq, const struct guest_mem *gm, const char *name, uint16_t num_max)
{
	memset(vq, 0, sizeof(*vq));
	vq->gm = gm;
	vq->name = name;
	vq->num_max = num_max;
}

void virtq_reset(struct virtq *vq)
{
	virtq_init(vq, vq->gm, vq->name, vq->num_max);
}

/* Why [gpa, gpa + len) is unusable, for messages: RAM, window or wrap. */
static const char *where(const struct virtq *vq, uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa)
		return "wraps around the address space";
	if (!gm_ptr(vq->gm, gpa, len, GM_ANY))
		return "is outside guest RAM";
	return "is in private memory, outside the shared window";
}

static int ring_check(struct virtq *vq, const char *what, uint64_t gpa, uint64_t len,
		      unsigned int align, void **host)
{
	if (!IS_ALIGNED(gpa, align))
		return vq_fail(vq, -EINVAL, "%s at %#llx is not %u-byte aligned (2.6)", what,
			       (unsigned long long)gpa, align);
	*host = gm_ptr(vq->gm, gpa, len, GM_SHARED);
	if (!*host)
		return vq_fail(vq, -EFAULT, "%s [%#llx, +%#llx) %s", what, (unsigned long long)gpa,
			       (unsigned long long)len, where(vq, gpa, len));
	return 0;
}

int virtq_enable(struct virtq *vq)
{
	uint32_t num = vq->num;
	void *desc, *avail, *used;
	int ret;

	if (vq->ready)
		return 0;
	if (vq->broken)
		return -EIO;
	if (!num || num > vq->num_max || (num & (num - 1)))
		return vq_fail(vq, -EINVAL,
			       "queue size %u: must be a non-zero power of 2 <= %u "
			       "(QueueNum, 2.6 and 4.2.3.2)",
			       num, vq->num_max);
	ret = ring_check(vq, "descriptor table", vq->desc_gpa, virtq_desc_bytes(num), 16, &desc);
	if (ret)
		return ret;
	ret = ring_check(vq, "available ring", vq->avail_gpa, virtq_avail_bytes(num), 2, &avail);
	if (ret)
		return ret;
	ret = ring_check(vq, "used ring", vq->used_gpa, virtq_used_bytes(num), 4, &used);
	if (ret)
		return ret;

	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->size = (uint16_t)num;
	vq->last_avail = 0;
	vq->used_idx = 0;
	/*
	 * The used ring is ours to write (2.6.8): start it from a known state
	 * so that a driver that did not zero it sees no stale entries, and
	 * with flags 0 because we never suppress notifications.
	 */
	__atomic_store_n(&vq->used->flags, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&vq->used->idx, 0, __ATOMIC_RELEASE);
	vq->ready = true;
	return 0;
}

void virtq_disable(struct virtq *vq)
{
	vq->ready = false;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
}

/* One copy of a descriptor out of guest memory; validate only the copy. */
static void desc_copy(const struct virtq_desc *src, struct virtq_desc *d)
{
	d->addr = __atomic_load_n(&src->addr, __ATOMIC_RELAXED);
	d->len = __atomic_load_n(&src->len, __ATOMIC_RELAXED);
	d->flags = __atomic_load_n(&src->flags, __ATOMIC_RELAXED);
	d->next = __atomic_load_n(&src->next, __ATOMIC_RELAXED);
}

int virtq_pop(struct virtq *vq, struct virtq_chain *ch)
{
	uint16_t avail_idx, pending, head, idx;
	uint64_t out_len = 0, in_len = 0;
	bool seen_write = false;
	unsigned int n = 0;

	if (vq->broken)
		return -EIO;
	if (!vq->ready)
		return 0;

	avail_idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_RELAXED);
	/*
	 * Pairs with the driver's write barrier between filling the ring and
	 * bumping avail->idx (2.6.13.3.1): ring entries and descriptors are
	 * read after the index that published them.
	 */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	/* Free-running u16 indices (2.6.6): the difference is right across 65535 -> 0. */
	pending = (uint16_t)(avail_idx - vq->last_avail);
	if (!pending)
		return 0;
	if (pending > vq->size)
		return vq_fail(vq, -EINVAL,
			       "avail->idx %u claims %u new entries after %u, more than the "
			       "queue size %u",
			       avail_idx, pending, vq->last_avail, vq->size);

	head = __atomic_load_n(&vq->avail->ring[vq->last_avail & (vq->size - 1)], __ATOMIC_RELAXED);
	if (head >= vq->size)
		return vq_fail(vq, -EINVAL,
			       "avail ring slot %u names descriptor %u, beyond the queue size %u",
			       vq->last_avail & (vq->size - 1), head, vq->size);

	ch->head = head;
	ch->nr_out = 0;
	ch->nr_in = 0;
	idx = head;
	/* At most `size` descriptors: one more hop can only be a loop (2.6.5.3.1). */
	for (unsigned int hops = 0;; hops++) {
		struct virtq_desc d;

		if (hops == vq->size)
			return vq_fail(
				vq, -EINVAL,
				"descriptor chain from head %u has more than %u (queue size) "
				"descriptors: a descriptor loop (reached descriptor %u)",
				head, vq->size, idx);
		desc_copy(&vq->desc[idx], &d);

		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return vq_fail(vq, -EINVAL,
				       "descriptor %u: INDIRECT flag (flags %#x) but "
				       "VIRTIO_F_INDIRECT_DESC was not offered (2.6.5.3.1)",
				       idx, d.flags);
		if (d.flags & VIRTQ_DESC_F_WRITE)
			seen_write = true;
		else if (seen_write)
			return vq_fail(vq, -EINVAL,
				       "descriptor %u: device-readable after a device-writable "
				       "descriptor in the chain from head %u (2.6.4.2)",
				       idx, head);
		if (d.len) {
			void *p = gm_ptr(vq->gm, d.addr, d.len, GM_SHARED);

			if (!p)
				return vq_fail(vq, -EFAULT,
					       "descriptor %u: buffer [%#llx, +%#x) %s", idx,
					       (unsigned long long)d.addr, d.len,
					       where(vq, d.addr, d.len));
			if (d.flags & VIRTQ_DESC_F_WRITE) {
				in_len += d.len;
				ch->nr_in++;
			} else {
				out_len += d.len;
				ch->nr_out++;
			}
			/* The used ring reports lengths in 32 bits (2.6.4.2). */
			if (out_len + in_len > UINT32_MAX)
				return vq_fail(vq, -EINVAL,
					       "descriptor %u: chain from head %u exceeds 4 GiB "
					       "(2.6.4.2)",
					       idx, head);
			/* n <= hops < size <= VIRTQ_MAX_SIZE. */
			ch->iov[n].base = p;
			ch->iov[n].len = d.len;
			n++;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= vq->size)
			return vq_fail(vq, -EINVAL,
				       "descriptor %u: next %u is beyond the queue size %u", idx,
				       d.next, vq->size);
		if (d.next == idx)
			return vq_fail(vq, -EINVAL,
				       "descriptor %u: next points to itself (chain from head %u)",
				       idx, head);
		idx = d.next;
	}
	ch->out_len = (uint32_t)out_len;
	ch->in_len = (uint32_t)in_len;
	vq->last_avail++;
	return 1;
}

int virtq_push(struct virtq *vq, uint16_t head, uint32_t len)
{
	struct virtq_used_elem *e;

	if (vq->broken)
		return -EIO;
	if (!vq->ready || head >= vq->size) {
		pr_err("%s: device bug: push of descriptor %u on a %s queue of size %u", vq->name,
		       head, vq->ready ? "ready" : "disabled", vq->size);
		return -EINVAL;
	}
	e = &vq->used->ring[vq->used_idx & (vq->size - 1)];
	__atomic_store_n(&e->id, head, __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, len, __ATOMIC_RELAXED);
	vq->used_idx++;
	/* The element must be visible before the index that publishes it (2.6.8.2). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&vq->used->idx, vq->used_idx, __ATOMIC_RELAXED);
	return 0;
}

size_t virtq_iov_to_buf(const struct virtq_iov *iov, unsigned int nr, size_t skip, void *buf,
			size_t len)
{
	uint8_t *dst = buf;
	size_t done = 0;

	for (unsigned int i = 0; i < nr && done < len; i++) {
		size_t n;

		if (skip >= iov[i].len) {
			skip -= iov[i].len;
			continue;
		}
		n = iov[i].len - skip;
		if (n > len - done)
			n = len - done;
		memcpy(dst + done, (uint8_t *)iov[i].base + skip, n);
		done += n;
		skip = 0;
	}
	return done;
}

size_t virtq_buf_to_iov(const struct virtq_iov *iov, unsigned int nr, size_t skip, const void *buf,
			size_t len)
{
	const uint8_t *src = buf;
	size_t done = 0;

	for (unsigned int i = 0; i < nr && done < len; i++) {
		size_t n;

		if (skip >= iov[i].len) {
			skip -= iov[i].len;
			continue;
		}
		n = iov[i].len - skip;
		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)iov[i].base + skip, src + done, n);
		done += n;
		skip = 0;
	}
	return done;
}
