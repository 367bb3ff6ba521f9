// SPDX-License-Identifier: MIT
/* virtio-console device (virtio 1.1, 5.3) on the virtio-mmio transport. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "virtio_console.h"

_Static_assert(VCON_QUEUE_SIZE <= VIRTQ_MAX_SIZE, "console queue larger than a chain can hold");
_Static_assert(sizeof(struct vcon_config) == 12, "virtio_console_config is 12 bytes (5.3.4)");

/* Output is copied through this much stack at a time (see tx_chain()). */
#define VCON_BOUNCE 4096

static const char *const queue_names[2] = {
	[VIRTIO_CONSOLE_RX_Q] = "virtio-console queue 0 (receiveq)",
	[VIRTIO_CONSOLE_TX_Q] = "virtio-console queue 1 (transmitq)",
};

static void emit(struct vcon *c, enum vcon_event ev)
{
	if (c->event_fn)
		c->event_fn(c->event_arg, ev);
}

static int write_all(struct vcon *c, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(c->out_fd, p, len);

		if (n < 0 && errno == EINTR) {
			if (atomic_load(&c->stopping))
				return -EINTR;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* Someone made the fd non-blocking: wait, as a blocking write would. */
			struct pollfd pfd = { .fd = c->out_fd, .events = POLLOUT };

			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return -errno;
			if (atomic_load(&c->stopping))
				return -EINTR;
			continue;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* cannot happen for len > 0; never spin on it */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Account for and write bytes the guest sent; `buf` is our own copy. */
static void output(struct vcon *c, const uint8_t *buf, size_t len)
{
	int ret;

	if (!len)
		return;
	if (!c->first_out_ns)
		c->first_out_ns = now_ns();
	c->out_total += len;
	c->mark_bytes += len;
	c->mark_crc = crc32_ieee(c->mark_crc, buf, len);
	if (c->out_closed)
		return;
	ret = write_all(c, buf, len);
	if (!ret)
		return;
	c->out_closed = true;
	if (ret == -EPIPE) {
		pr_info("console output closed (EPIPE); further guest output is dropped");
		emit(c, VCON_EV_OUTPUT_CLOSED);
	} else if (ret == -EINTR) {
		pr_debug("console output abandoned: the run is ending");
	} else {
		pr_err("writing console output: %s", strerror(-ret));
		emit(c, VCON_EV_OUTPUT_ERROR);
	}
}

/*
 * The guest may rewrite its buffer while we work: copy each piece once
 * into a local buffer, then checksum and write that copy, so that the
 * CRC the test ABI reports is of the bytes that reached the fd.
 */
static void tx_chain(struct vcon *c, const struct virtq_chain *ch)
{
	uint8_t bounce[VCON_BOUNCE];

	for (unsigned int i = 0; i < ch->nr_out; i++) {
		const uint8_t *src = ch->iov[i].base;
		uint32_t left = ch->iov[i].len;

		while (left) {
			uint32_t n = left < sizeof(bounce) ? left : sizeof(bounce);

			/* A notify can carry up to size x shared-window bytes: stop on the run's end. */
			if (atomic_load(&c->stopping))
				return;

			memcpy(bounce, src, n);
			output(c, bounce, n);
			src += n;
			left -= n;
		}
	}
}

static int tx_notify(struct vcon *c)
{
	struct virtq *vq = &c->vqs[VIRTIO_CONSOLE_TX_Q];
	bool returned = false;
	int ret = 0;

	/*
	 * Drain what is there, but at most one queue's worth per notify: a
	 * guest refilling from another vCPU cannot keep us here; it notifies
	 * again for what it adds (2.6.13.6).
	 */
	for (unsigned int n = 0; n < vq->size; n++) {
		ret = virtq_pop(vq, &c->chain);
		if (ret <= 0)
			break;
		if (c->chain.nr_in) {
			pr_err("%s: chain from head %u has %u device-writable buffers; a transmitq "
			       "takes device-readable ones only (5.3.6.1)",
			       vq->name, c->chain.head, c->chain.nr_in);
			ret = -EINVAL;
			break;
		}
		tx_chain(c, &c->chain);
		ret = virtq_push(vq, c->chain.head, 0);
		if (ret)
			break;
		returned = true;
	}
	if (returned)
		vmmio_used_notify(&c->mmio);
	return ret < 0 ? ret : 0;
}

/* Move buffered input into the receive buffers the guest has posted. */
static int rx_fill(struct vcon *c)
{
	struct virtq *vq = &c->vqs[VIRTIO_CONSOLE_RX_Q];
	bool returned = false;
	int ret = 0;

	if (!c->in_len || !vmmio_live(&c->mmio) || !vq->ready)
		return 0;
	for (unsigned int n = 0; n < vq->size && c->in_len; n++) {
		size_t got;

		ret = virtq_pop(vq, &c->chain);
		if (ret <= 0)
			break;
		if (c->chain.nr_out) {
			pr_err("%s: chain from head %u has %u device-readable buffers; a receiveq "
			       "takes device-writable ones only (5.3.6.1)",
			       vq->name, c->chain.head, c->chain.nr_out);
			ret = -EINVAL;
			break;
		}
		got = virtq_buf_to_iov(c->chain.iov, c->chain.nr_in, 0, c->in_buf, c->in_len);
		memmove(c->in_buf, c->in_buf + got, c->in_len - got);
		c->in_len -= got;
		ret = virtq_push(vq, c->chain.head, (uint32_t)got);
		if (ret)
			break;
		returned = true;
	}
	if (returned) {
		vmmio_used_notify(&c->mmio);
		if (c->in_throttled && c->in_len < VCON_INPUT_MAX) {
			c->in_throttled = false;
			emit(c, VCON_EV_INPUT_ROOM);
		}
	}
	return ret < 0 ? ret : 0;
}

/* QueueNotify, from a vCPU thread, lock held; an error fails the MMIO access. */
static int vcon_notify(struct virtio_mmio *m, unsigned int queue)
{
	struct vcon *c = m->priv;

	if (queue == VIRTIO_CONSOLE_TX_Q)
		return tx_notify(c);
	return rx_fill(c);
}

/* Input typed before the driver was ready goes into what it has posted since. */
static int vcon_ready(struct virtio_mmio *m)
{
	return rx_fill(m->priv);
}

static void vcon_reset(struct virtio_mmio *m)
{
	/* Buffered input is the user's, not the driver's: it survives a reset. */
	(void)m;
}

static const struct virtio_mmio_ops vcon_ops = {
	.notify = vcon_notify,
	.reset = vcon_reset,
	.ready = vcon_ready,
};

int vcon_init(struct vcon *c, const struct guest_mem *gm, uint64_t gpa, int out_fd, int in_fd)
{
	memset(c, 0, sizeof(*c));
	c->out_fd = out_fd;
	c->in_fd = in_fd;
	atomic_init(&c->stopping, false);
	for (unsigned int i = 0; i < ARRAY_SIZE(c->vqs); i++)
		virtq_init(&c->vqs[i], gm, queue_names[i], VCON_QUEUE_SIZE);
	/* No device feature bits: one port, no size, no emergency write (5.3.3). */
	return vmmio_init(&c->mmio, "virtio-console", gpa, VIRTIO_ID_CONSOLE, 0, c->vqs,
			  ARRAY_SIZE(c->vqs), &c->config, sizeof(c->config), &vcon_ops, c);
}

void vcon_destroy(struct vcon *c)
{
	vmmio_destroy(&c->mmio);
}

struct vcon *vcon_new(const struct guest_mem *gm, uint64_t gpa, int out_fd, int in_fd)
{
	struct vcon *c = malloc(sizeof(*c));
	int ret;

	if (!c)
		return NULL;
	ret = vcon_init(c, gm, gpa, out_fd, in_fd);
	if (ret) {
		free(c);
		errno = -ret;
		return NULL;
	}
	return c;
}

void vcon_free(struct vcon *c)
{
	if (!c)
		return;
	vcon_destroy(c);
	free(c);
}

struct bus_dev *vcon_bus_dev(struct vcon *c)
{
	return vmmio_bus_dev(&c->mmio);
}

void vcon_set_event_cb(struct vcon *c, vcon_event_fn fn, void *arg)
{
	vmmio_lock(&c->mmio);
	c->event_fn = fn;
	c->event_arg = arg;
	vmmio_unlock(&c->mmio);
}

/* Lock held.  A guest error found on the I/O thread: nobody's MMIO access to fail. */
static int input_guest_error(struct vcon *c, int err)
{
	vmmio_fail(&c->mmio, err);
	emit(c, VCON_EV_GUEST_ERROR);
	return -EPROTO;
}

int vcon_poll_input(struct vcon *c)
{
	uint8_t buf[VCON_INPUT_MAX];
	struct pollfd pfd = { .fd = c->in_fd, .events = POLLIN };
	size_t room;
	ssize_t n;
	int ret;

	if (c->in_fd < 0)
		return 0;
	vmmio_lock(&c->mmio);
	if (vmmio_needs_reset(&c->mmio)) {
		vmmio_unlock(&c->mmio);
		return -EPROTO;
	}
	ret = rx_fill(c);
	if (ret) {
		ret = input_guest_error(c, ret);
		vmmio_unlock(&c->mmio);
		return ret;
	}
	room = VCON_INPUT_MAX - c->in_len;
	if (!room)
		c->in_throttled = true;
	vmmio_unlock(&c->mmio);
	if (!room)
		return -ENOBUFS;

	/*
	 * Not O_NONBLOCK on the fd: stdin's file description is shared with
	 * our parent.  A zero-timeout poll first makes the one read() below
	 * non-blocking for pipes, ttys and files alike.
	 */
	ret = poll(&pfd, 1, 0);
	if (ret < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	if (ret == 0)
		return -EAGAIN;
	do {
		n = read(c->in_fd, buf, room);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n == 0)
		return 0;

	vmmio_lock(&c->mmio);
	/* Only the vCPU side runs meanwhile, and it only drains: room can only grow. */
	if ((size_t)n > VCON_INPUT_MAX - c->in_len) {
		pr_warn("console input: %zd bytes dropped (vcon_poll_input() called from two "
			"threads?)",
			n - (ssize_t)(VCON_INPUT_MAX - c->in_len));
		n = (ssize_t)(VCON_INPUT_MAX - c->in_len);
	}
	memcpy(c->in_buf + c->in_len, buf, (size_t)n);
	c->in_len += (size_t)n;
	ret = rx_fill(c);
	if (ret)
		n = input_guest_error(c, ret);
	vmmio_unlock(&c->mmio);
	return (int)n;
}

void vcon_mark(struct vcon *c)
{
	vmmio_lock(&c->mmio);
	c->mark_bytes = 0;
	c->mark_crc = 0;
	vmmio_unlock(&c->mmio);
}

void vcon_since_mark(struct vcon *c, uint64_t *bytes, uint32_t *crc)
{
	vmmio_lock(&c->mmio);
	*bytes = c->mark_bytes;
	*crc = c->mark_crc;
	vmmio_unlock(&c->mmio);
}

uint64_t vcon_bytes_out(struct vcon *c)
{
	uint64_t v;

	vmmio_lock(&c->mmio);
	v = c->out_total;
	vmmio_unlock(&c->mmio);
	return v;
}

uint64_t vcon_first_output_ns(struct vcon *c)
{
	uint64_t v;

	if (!c)
		return 0;
	vmmio_lock(&c->mmio);
	v = c->first_out_ns;
	vmmio_unlock(&c->mmio);
	return v;
}

bool vcon_failed(struct vcon *c)
{
	bool v;

	vmmio_lock(&c->mmio);
	v = vmmio_needs_reset(&c->mmio);
	vmmio_unlock(&c->mmio);
	return v;
}

void vcon_stop(struct vcon *c)
{
	atomic_store(&c->stopping, true);
}
