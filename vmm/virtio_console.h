/* SPDX-License-Identifier: MIT */
/*
 * virtio-console (virtio 1.1, 5.3): one port, no MULTIPORT, no SIZE, no
 * EMERG_WRITE, on the virtio-mmio transport.
 *
 * Output (transmitq) is written synchronously from the vCPU thread that
 * notified, so that by the time the guest's next instruction runs its
 * bytes are on the output fd and counted: the test ABI's console mark
 * (MINISEV_REQ_CONSOLE_MARK) relies on it.  Input (receiveq) arrives
 * asynchronously: the VMM's I/O thread calls vcon_poll_input() when the
 * input fd is readable, and the bytes are buffered (bounded) until the
 * guest posts receive buffers.
 *
 * Thread safety: every function here may be called from any thread; they
 * serialise on the transport's lock, as do the guest's MMIO accesses.
 */
#ifndef MINISEV_VIRTIO_CONSOLE_H
#define MINISEV_VIRTIO_CONSOLE_H

#include <stdatomic.h>
#include <stdint.h>

#include "guestmem.h"
#include "util.h"
#include "virtio_mmio.h"
#include "virtq.h"

/* Input read ahead of the guest's receive buffers, at most. */
#define VCON_INPUT_MAX 4096
/* Queue size the console offers (QueueNumMax) on both queues. */
#define VCON_QUEUE_SIZE 256

/* Things the VMM's loop may want to act on (see vcon_set_event_cb()). */
enum vcon_event {
	/* The output fd reported EPIPE: nobody reads the console any more. */
	VCON_EV_OUTPUT_CLOSED,
	/* Writing the output fd failed otherwise (message printed). */
	VCON_EV_OUTPUT_ERROR,
	/*
	 * The input buffer was full (vcon_poll_input() said -ENOBUFS) and the
	 * guest has since taken some of it: poll the input fd again.
	 */
	VCON_EV_INPUT_ROOM,
	/*
	 * The guest broke the device while the I/O thread fed it input (the
	 * vCPU-thread case already fails the MMIO access): end the run as a
	 * guest error.
	 */
	VCON_EV_GUEST_ERROR,
};

/*
 * Called with the device lock held, from a vCPU thread or the thread in
 * vcon_poll_input(): it must not call back into vcon_*().  vm_end() or a
 * write to an eventfd is what it is for.
 */
typedef void (*vcon_event_fn)(void *arg, enum vcon_event ev);

/* Console configuration layout (5.3.4); all zero, since no feature needs it. */
struct vcon_config {
	uint16_t cols;
	uint16_t rows;
	uint32_t max_nr_ports;
	uint32_t emerg_wr;
};

struct vcon {
	struct virtio_mmio mmio;
	struct virtq vqs[2]; /* VIRTIO_CONSOLE_RX_Q, VIRTIO_CONSOLE_TX_Q */
	struct vcon_config config;
	int out_fd;
	int in_fd; /* -1: no input */

	vcon_event_fn event_fn;
	void *event_arg;

	/* Output accounting, of every byte the guest transmitted. */
	uint64_t out_total;
	uint64_t mark_bytes;
	uint32_t mark_crc;
	uint64_t first_out_ns; /* now_ns() of the first byte, 0 before */
	bool out_closed; /* EPIPE or error seen: later output is counted, not written */
	atomic_bool stopping; /* vcon_stop(): abandon a write that a signal interrupts */

	/* Input not yet delivered to the guest. */
	uint8_t in_buf[VCON_INPUT_MAX];
	size_t in_len;
	bool in_throttled; /* vcon_poll_input() said -ENOBUFS */

	struct virtq_chain chain; /* scratch, under the lock: too big for a stack frame */
};

/*
 * Set up a console whose virtio-mmio registers are at `gpa`, writing
 * guest output to out_fd and reading input from in_fd (-1 for none).  The
 * fds stay the caller's.  Returns 0 or -errno.
 */
int __must_check vcon_init(struct vcon *c, const struct guest_mem *gm, uint64_t gpa, int out_fd,
			   int in_fd);
void vcon_destroy(struct vcon *c);
/* The same, allocated: NULL with errno set on failure.  vcon_free() undoes it. */
struct vcon *vcon_new(const struct guest_mem *gm, uint64_t gpa, int out_fd, int in_fd);
void vcon_free(struct vcon *c);

/* What the VMM registers on its MMIO bus. */
struct bus_dev *vcon_bus_dev(struct vcon *c);

void vcon_set_event_cb(struct vcon *c, vcon_event_fn fn, void *arg);

/*
 * Feed input: call when in_fd polls readable (or POLLHUP).  Reads at most
 * the free part of the input buffer without blocking and fills as many
 * receive buffers as the guest has posted.  Returns:
 *   > 0       bytes read from in_fd;
 *   0         end of input (EOF, or no in_fd): stop polling in_fd;
 *   -EAGAIN   nothing to read right now;
 *   -ENOBUFS  the buffer is full and the guest takes nothing: stop polling
 *             in_fd until VCON_EV_INPUT_ROOM;
 *   -EPROTO   the guest broke the receive queue (reported; device needs reset);
 *   other     -errno from read(2).
 */
int __must_check vcon_poll_input(struct vcon *c);

/* Console checkpoint for MINISEV_REQ_CONSOLE_MARK. */
void vcon_mark(struct vcon *c);
/* Bytes the guest transmitted since the mark, and their CRC-32 (IEEE). */
void vcon_since_mark(struct vcon *c, uint64_t *bytes, uint32_t *crc);
/* Bytes the guest transmitted in all. */
uint64_t vcon_bytes_out(struct vcon *c);
/* now_ns() when the first output byte arrived, 0 if none did. */
uint64_t vcon_first_output_ns(struct vcon *c);
/* The device needs a reset: the guest broke it (the error was printed). */
bool vcon_failed(struct vcon *c);

/*
 * The run is ending: a write to out_fd that a signal interrupts (the vCPU
 * kick) is abandoned instead of retried, so a stuck reader of the console
 * cannot keep a vCPU thread from being joined.  Call before kicking.
 */
void vcon_stop(struct vcon *c);

#endif /* MINISEV_VIRTIO_CONSOLE_H */
