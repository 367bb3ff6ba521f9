// SPDX-License-Identifier: MIT
/*
 * The virtio console end to end, without KVM: a fake guest RAM (SEV on,
 * shared window), a driver played through the MMIO bus, pipes for the
 * console's output and input.  Happy paths (output intact with the test
 * ABI's byte count and CRC, input across index wrap-around, input from
 * another thread) and a hostile guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "bus.h"
#include "guestmem.h"
#include "virtio_console.h"

#define BASE 0xd0000000ULL
#define RAM_SIZE 0x100000ULL
#define SHARED_GPA 0x40000ULL
#define SHARED_SIZE 0x40000ULL
#define RING_GPA(q) (0x40000ULL + (q)*0x4000) /* desc; avail +0x1000, used +0x2000 */
#define RXBUF_GPA 0x50000ULL /* 0x100 a buffer */
#define TXBUF_GPA 0x60000ULL /* up to 0x20000 */
#define QSIZE 8

#define RXQ VIRTIO_CONSOLE_RX_Q
#define TXQ VIRTIO_CONSOLE_TX_Q

static struct guest_mem gm;
static struct bus bus;
static struct vcon con;
static int out_pipe[2], in_pipe[2];
static unsigned int events[VCON_EV_GUEST_ERROR + 1];

static void on_event(void *arg, enum vcon_event ev)
{
	events[ev]++;
}

/* ---- the fake guest driver ---- */

static struct virtq_desc *desc(unsigned int q, unsigned int i)
{
	return (struct virtq_desc *)(gm.hva + RING_GPA(q)) + i;
}

static struct virtq_avail *avail(unsigned int q)
{
	return (struct virtq_avail *)(gm.hva + RING_GPA(q) + 0x1000);
}

static struct virtq_used *used(unsigned int q)
{
	return (struct virtq_used *)(gm.hva + RING_GPA(q) + 0x2000);
}

static uint16_t used_idx(unsigned int q)
{
	return __atomic_load_n(&used(q)->idx, __ATOMIC_ACQUIRE);
}

static void set_desc(unsigned int q, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	desc(q, i)->addr = addr;
	desc(q, i)->len = len;
	desc(q, i)->flags = flags;
	desc(q, i)->next = next;
}

static void post(unsigned int q, uint16_t head)
{
	avail(q)->ring[avail(q)->idx % QSIZE] = head;
	__atomic_store_n(&avail(q)->idx, avail(q)->idx + 1, __ATOMIC_RELEASE);
}

static int wr_ret(uint64_t off, uint32_t v)
{
	return bus_write(&bus, BASE + off, &v, 4);
}

static void wr(uint64_t off, uint32_t v)
{
	assert_int_equal(wr_ret(off, v), 0);
}

static uint32_t rd(uint64_t off)
{
	uint32_t v;

	assert_int_equal(bus_read(&bus, BASE + off, &v, 4), 0);
	return v;
}

/* Everything a driver does before DRIVER_OK: features, queues. */
static void driver_setup(void)
{
	wr(VIRTIO_MMIO_STATUS, 0);
	memset(gm.hva + SHARED_GPA, 0, 0x8000); /* rings */
	assert_int_equal(rd(VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 3);
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	for (unsigned int q = 0; q < 2; q++) {
		wr(VIRTIO_MMIO_QUEUE_SEL, q);
		assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), VCON_QUEUE_SIZE);
		wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
		wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)RING_GPA(q));
		wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)RING_GPA(q) + 0x1000);
		wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)RING_GPA(q) + 0x2000);
		wr(VIRTIO_MMIO_QUEUE_READY, 1);
	}
}

static void driver_ok(void)
{
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

static void driver_up(void)
{
	driver_setup();
	driver_ok();
}

/* Send `len` bytes as one chain of `pieces` descriptors; returns the notify's result. */
static int tx_send(const void *data, size_t len, unsigned int pieces)
{
	size_t off = 0;

	assert_true(pieces >= 1 && pieces <= QSIZE && len <= 0x20000);
	memcpy(gm.hva + TXBUF_GPA, data, len);
	for (unsigned int i = 0; i < pieces; i++) {
		size_t n = i == pieces - 1 ? len - off : len / pieces;

		set_desc(TXQ, i, TXBUF_GPA + off, (uint32_t)n,
			 i == pieces - 1 ? 0 : VIRTQ_DESC_F_NEXT, i + 1);
		off += n;
	}
	post(TXQ, 0);
	return wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
}

/* Everything the console wrote so far. */
static size_t drain_out(uint8_t *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap && (n = read(out_pipe[0], buf + got, cap - got)) > 0)
		got += (size_t)n;
	return got;
}

static void rx_post(unsigned int i, uint32_t len)
{
	set_desc(RXQ, i, RXBUF_GPA + i * 0x100, len, VIRTQ_DESC_F_WRITE, 0);
	post(RXQ, i);
}

static uint8_t *rx_buf(unsigned int i)
{
	return gm.hva + RXBUF_GPA + i * 0x100;
}

static void feed(const void *data, size_t len)
{
	assert_int_equal(write(in_pipe[1], data, len), (ssize_t)len);
}

/* ---- fixtures ---- */

static int setup(void **state)
{
	signal(SIGPIPE, SIG_IGN); /* the VMM must do the same: EPIPE, not death */
	memset(&gm, 0, sizeof(gm));
	memset(&bus, 0, sizeof(bus));
	memset(events, 0, sizeof(events));
	gm.hva = calloc(1, RAM_SIZE);
	if (!gm.hva || pipe(out_pipe) || pipe(in_pipe))
		return -1;
	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
	gm.size = RAM_SIZE;
	gm.shared_gpa = SHARED_GPA;
	gm.shared_size = SHARED_SIZE;
	gm.encrypted = true;
	bus.name = "mmio";
	if (vcon_init(&con, &gm, BASE, out_pipe[1], in_pipe[0]))
		return -1;
	vcon_set_event_cb(&con, on_event, NULL);
	return bus_register(&bus, vcon_bus_dev(&con));
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int teardown(void **state)
{
	vcon_destroy(&con);
	close_fd(&out_pipe[0]);
	close_fd(&out_pipe[1]);
	close_fd(&in_pipe[0]);
	close_fd(&in_pipe[1]);
	free(gm.hva);
	return 0;
}

/* ---- tests ---- */

static void test_identity(void **state)
{
	uint8_t cfg[12];

	assert_int_equal(vcon_bus_dev(&con)->base, BASE);
	assert_int_equal(vcon_bus_dev(&con)->size, VIRTIO_MMIO_REGION_SIZE);
	assert_int_equal(rd(VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0); /* no SIZE, MULTIPORT, EMERG_WRITE */
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 3);
	for (unsigned int i = 0; i < sizeof(cfg); i++) {
		assert_int_equal(bus_read(&bus, BASE + VIRTIO_MMIO_CONFIG + i, &cfg[i], 1), 0);
		assert_int_equal(cfg[i], 0);
	}
	assert_int_equal(vcon_first_output_ns(&con), 0);
	assert_int_equal(vcon_bytes_out(&con), 0);
}

static void test_new_free(void **state)
{
	struct vcon *c = vcon_new(&gm, BASE + 0x1000, out_pipe[1], -1);

	assert_non_null(c);
	assert_int_equal(vcon_bus_dev(c)->base, BASE + 0x1000);
	assert_int_equal(vcon_poll_input(c), 0); /* no input fd: EOF at once */
	vcon_free(c);
	vcon_free(NULL);
}

static void test_tx_chain(void **state)
{
	static const char msg[] = "Hello, encrypted world!\n";
	uint8_t out[64];

	driver_up();
	assert_int_equal(tx_send(msg, sizeof(msg) - 1, 3), 0);
	assert_int_equal(drain_out(out, sizeof(out)), sizeof(msg) - 1);
	assert_memory_equal(out, msg, sizeof(msg) - 1);
	assert_int_equal(used_idx(TXQ), 1);
	assert_int_equal(used(TXQ)->ring[0].id, 0);
	assert_int_equal(used(TXQ)->ring[0].len, 0);
	assert_int_equal(vcon_bytes_out(&con), sizeof(msg) - 1);
	assert_true(vcon_first_output_ns(&con) > 0);
	assert_true(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VMMIO_INT_VRING);
	assert_false(vcon_failed(&con));
}

static void test_tx_mark_crc(void **state)
{
	uint8_t out[64];
	uint64_t bytes;
	uint32_t crc, first;

	driver_up();
	assert_int_equal(tx_send("before the mark", 15, 2), 0);
	first = (uint32_t)vcon_first_output_ns(&con);
	vcon_mark(&con);
	vcon_since_mark(&con, &bytes, &crc);
	assert_int_equal(bytes, 0);
	assert_int_equal(crc, 0);
	assert_int_equal(tx_send("123456789", 9, 4), 0);
	vcon_since_mark(&con, &bytes, &crc);
	assert_int_equal(bytes, 9);
	assert_int_equal(crc, 0xcbf43926); /* the CRC-32 check value */
	assert_int_equal(tx_send("abc", 3, 1), 0);
	vcon_since_mark(&con, &bytes, &crc);
	assert_int_equal(bytes, 12);
	assert_int_equal(crc, crc32_ieee(0, "123456789abc", 12));
	assert_int_equal(vcon_bytes_out(&con), 27);
	assert_int_equal((uint32_t)vcon_first_output_ns(&con), first); /* the first byte's */
	assert_int_equal(drain_out(out, sizeof(out)), 27);
	assert_memory_equal(out, "before the mark123456789abc", 27);
}

static void test_tx_several_chains_one_notify(void **state)
{
	uint8_t out[64];

	driver_up();
	for (unsigned int i = 0; i < 5; i++) {
		gm.hva[TXBUF_GPA + i] = (uint8_t)('A' + i);
		set_desc(TXQ, 7 - i, TXBUF_GPA + i, 1, 0, 0);
		post(TXQ, (uint16_t)(7 - i));
	}
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
	assert_int_equal(drain_out(out, sizeof(out)), 5);
	assert_memory_equal(out, "ABCDE", 5);
	assert_int_equal(used_idx(TXQ), 5);
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(used(TXQ)->ring[i].id, 7 - i);
}

static void test_tx_large(void **state)
{
	static uint8_t data[29000], out[sizeof(data) + 1];
	uint64_t bytes;
	uint32_t crc;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 8));
	driver_up();
	vcon_mark(&con);
	assert_int_equal(tx_send(data, sizeof(data), 2), 0); /* pieces larger than the bounce */
	assert_int_equal(drain_out(out, sizeof(out)), sizeof(data));
	assert_memory_equal(out, data, sizeof(data));
	vcon_since_mark(&con, &bytes, &crc);
	assert_int_equal(bytes, sizeof(data));
	assert_int_equal(crc, crc32_ieee(0, data, sizeof(data)));
}

static void test_tx_writable_descriptor(void **state)
{
	driver_up();
	set_desc(TXQ, 0, TXBUF_GPA, 4, VIRTQ_DESC_F_NEXT, 1);
	set_desc(TXQ, 1, TXBUF_GPA + 4, 4, VIRTQ_DESC_F_WRITE, 0);
	post(TXQ, 0);
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ), -EINVAL);
	assert_true(vcon_failed(&con));
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_int_equal(vcon_bytes_out(&con), 0);
}

static void test_tx_loop_then_reset(void **state)
{
	uint8_t out[16];

	driver_up();
	set_desc(TXQ, 0, TXBUF_GPA, 4, VIRTQ_DESC_F_NEXT, 1);
	set_desc(TXQ, 1, TXBUF_GPA, 4, VIRTQ_DESC_F_NEXT, 0);
	post(TXQ, 0);
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ), -EINVAL);
	assert_true(vcon_failed(&con));
	/* Reported once: later notifies are ignored until the reset. */
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ), 0);
	/* The driver resets in the middle and starts over. */
	driver_up();
	assert_false(vcon_failed(&con));
	assert_int_equal(tx_send("again", 5, 1), 0);
	assert_int_equal(drain_out(out, sizeof(out)), 5);
	assert_memory_equal(out, "again", 5);
}

static void test_tx_private_buffer(void **state)
{
	driver_up();
	set_desc(TXQ, 0, 0x10000, 16, 0, 0); /* private memory under SEV */
	post(TXQ, 0);
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ), -EFAULT);
	assert_true(vcon_failed(&con));
}

static void test_tx_avail_jump(void **state)
{
	driver_up();
	set_desc(TXQ, 0, TXBUF_GPA, 1, 0, 0);
	avail(TXQ)->idx = QSIZE + 1;
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ), -EINVAL);
	assert_int_equal(vcon_bytes_out(&con), 0);
}

static void test_tx_epipe(void **state)
{
	uint64_t bytes;
	uint32_t crc;

	driver_up();
	close_fd(&out_pipe[0]);
	vcon_mark(&con);
	assert_int_equal(tx_send("nobody listens", 14, 2), 0);
	assert_int_equal(events[VCON_EV_OUTPUT_CLOSED], 1);
	assert_int_equal(tx_send("still", 5, 1), 0);
	assert_int_equal(events[VCON_EV_OUTPUT_CLOSED], 1);
	assert_int_equal(events[VCON_EV_OUTPUT_ERROR], 0);
	/* Not the guest's fault: the device goes on, the chains come back. */
	assert_false(vcon_failed(&con));
	assert_int_equal(used_idx(TXQ), 2);
	vcon_since_mark(&con, &bytes, &crc);
	assert_int_equal(bytes, 19);
}

static void test_tx_after_stop(void **state)
{
	uint8_t out[16];

	driver_up();
	vcon_stop(&con);
	/* The run is ending: the chain comes back, nothing more is written. */
	assert_int_equal(tx_send("late", 4, 2), 0);
	assert_int_equal(used_idx(TXQ), 1);
	assert_int_equal(drain_out(out, sizeof(out)), 0);
	assert_false(vcon_failed(&con));
}

static void test_tx_wrap(void **state)
{
	static uint8_t out[4096];
	uint32_t crc = 0, got_crc;
	uint64_t total = 0, got;

	driver_up();
	vcon_mark(&con);
	/* 70000 chains: used->idx and avail->idx wrap past 65535 once. */
	for (unsigned int i = 0; i < 70000; i++) {
		uint8_t b[3] = { (uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16) };
		size_t len = 1 + i % 3;

		assert_int_equal(tx_send(b, len, (unsigned int)len), 0);
		crc = crc32_ieee(crc, b, len);
		total += len;
		assert_int_equal(used_idx(TXQ), (uint16_t)(i + 1));
		assert_int_equal(used(TXQ)->ring[i % QSIZE].id, 0);
		if (i % 1000 == 999)
			drain_out(out, sizeof(out));
	}
	vcon_since_mark(&con, &got, &got_crc);
	assert_int_equal(got, total);
	assert_int_equal(got_crc, crc);
	assert_false(vcon_failed(&con));
}

static void test_notify_before_driver_ok(void **state)
{
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ), -EINVAL);
	assert_true(vcon_failed(&con));
}

static void test_features_refused(void **state)
{
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 without ACCESS_PLATFORM */
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_false(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
}

static void test_rx_basic(void **state)
{
	driver_up();
	rx_post(0, 4);
	rx_post(1, 4);
	feed("abcdefg", 7);
	assert_int_equal(vcon_poll_input(&con), 7);
	assert_int_equal(used_idx(RXQ), 2);
	assert_int_equal(used(RXQ)->ring[0].id, 0);
	assert_int_equal(used(RXQ)->ring[0].len, 4);
	assert_int_equal(used(RXQ)->ring[1].id, 1);
	assert_int_equal(used(RXQ)->ring[1].len, 3);
	assert_memory_equal(rx_buf(0), "abcd", 4);
	assert_memory_equal(rx_buf(1), "efg", 3);
	assert_int_equal(rx_buf(1)[3], 0); /* nothing past what was written */
	assert_true(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VMMIO_INT_VRING);
	assert_int_equal(vcon_poll_input(&con), -EAGAIN);
}

static void test_rx_chain(void **state)
{
	driver_up();
	/* One chain of three writable buffers gets the input spread over them. */
	set_desc(RXQ, 2, RXBUF_GPA, 2, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 5);
	set_desc(RXQ, 5, RXBUF_GPA + 0x100, 3, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 6);
	set_desc(RXQ, 6, RXBUF_GPA + 0x200, 8, VIRTQ_DESC_F_WRITE, 0);
	post(RXQ, 2);
	feed("0123456", 7);
	assert_int_equal(vcon_poll_input(&con), 7);
	assert_int_equal(used(RXQ)->ring[0].id, 2);
	assert_int_equal(used(RXQ)->ring[0].len, 7);
	assert_memory_equal(rx_buf(0), "01", 2);
	assert_memory_equal(rx_buf(1), "234", 3);
	assert_memory_equal(rx_buf(2), "56", 2);
}

/*
 * Linux's virtio_console posts its receive buffers before DRIVER_OK and,
 * as 3.1.1 asks, does not notify then: input typed before the driver
 * loaded must reach those buffers when DRIVER_OK comes.
 */
static void test_rx_posted_before_driver_ok(void **state)
{
	feed("hello\n", 6);
	assert_int_equal(vcon_poll_input(&con), 6); /* no driver: buffered */
	driver_setup();
	rx_post(0, 16);
	assert_int_equal(used_idx(RXQ), 0);
	driver_ok();
	assert_int_equal(used_idx(RXQ), 1);
	assert_int_equal(used(RXQ)->ring[0].len, 6);
	assert_memory_equal(rx_buf(0), "hello\n", 6);
	assert_true(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VMMIO_INT_VRING);
}

static void test_rx_before_buffers(void **state)
{
	driver_up();
	feed("xyz", 3);
	assert_int_equal(vcon_poll_input(&con), 3); /* read and buffered */
	assert_int_equal(used_idx(RXQ), 0);
	rx_post(0, 16);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ); /* delivered on the vCPU side */
	assert_int_equal(used_idx(RXQ), 1);
	assert_int_equal(used(RXQ)->ring[0].len, 3);
	assert_memory_equal(rx_buf(0), "xyz", 3);
}

static void test_rx_before_driver_ok(void **state)
{
	feed("early", 5);
	assert_int_equal(vcon_poll_input(&con), 5);
	driver_up(); /* a reset does not drop the user's input */
	rx_post(0, 16);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ);
	assert_int_equal(used(RXQ)->ring[0].len, 5);
	assert_memory_equal(rx_buf(0), "early", 5);
}

static void test_rx_throttle(void **state)
{
	static uint8_t data[VCON_INPUT_MAX + 904];
	size_t got = 0;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i % 251);
	driver_up();
	feed(data, sizeof(data));
	assert_int_equal(vcon_poll_input(&con), VCON_INPUT_MAX);
	assert_int_equal(vcon_poll_input(&con), -ENOBUFS);
	assert_int_equal(events[VCON_EV_INPUT_ROOM], 0);
	/* The guest takes 0x100 bytes a round, through one buffer. */
	for (unsigned int round = 0; got < sizeof(data); round++) {
		struct virtq_used_elem *e = &used(RXQ)->ring[round % QSIZE];

		rx_post(round % QSIZE, 0x100);
		wr(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ);
		assert_int_equal(used_idx(RXQ), (uint16_t)(round + 1));
		assert_int_equal(e->id, round % QSIZE);
		assert_memory_equal(rx_buf(e->id), data + got, e->len);
		got += e->len;
		/* Room again: the loop was told, and the rest of the input comes in. */
		assert_int_equal(events[VCON_EV_INPUT_ROOM], 1);
		if (got == VCON_INPUT_MAX / 2)
			assert_int_equal(vcon_poll_input(&con), 904);
	}
	assert_int_equal(got, sizeof(data));
	assert_int_equal(vcon_poll_input(&con), -EAGAIN);
}

static void test_rx_eof(void **state)
{
	driver_up();
	assert_int_equal(vcon_poll_input(&con), -EAGAIN);
	close_fd(&in_pipe[1]);
	assert_int_equal(vcon_poll_input(&con), 0);
}

static void test_rx_readable_descriptor(void **state)
{
	driver_up();
	set_desc(RXQ, 0, RXBUF_GPA, 16, 0, 0); /* device-readable in a receiveq */
	post(RXQ, 0);
	feed("q", 1);
	assert_int_equal(vcon_poll_input(&con), -EPROTO);
	assert_int_equal(events[VCON_EV_GUEST_ERROR], 1);
	assert_true(vcon_failed(&con));
	assert_int_equal(vcon_poll_input(&con), -EPROTO);
	assert_int_equal(used_idx(RXQ), 0);
}

static void test_rx_loop_on_notify(void **state)
{
	driver_up();
	feed("q", 1);
	assert_int_equal(vcon_poll_input(&con), 1);
	set_desc(RXQ, 3, RXBUF_GPA, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	post(RXQ, 3);
	assert_int_equal(wr_ret(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ), -EINVAL);
	assert_true(vcon_failed(&con));
	assert_int_equal(events[VCON_EV_GUEST_ERROR], 0); /* the MMIO access reported it */
}

static void test_rx_buffer_outside_ram(void **state)
{
	driver_up();
	set_desc(RXQ, 0, RAM_SIZE - 8, 16, VIRTQ_DESC_F_WRITE, 0);
	post(RXQ, 0);
	feed("q", 1);
	assert_int_equal(vcon_poll_input(&con), -EPROTO);
	assert_true(vcon_failed(&con));
}

static void test_rx_wrap(void **state)
{
	driver_up();
	/* 70000 one-buffer round trips: used->idx wraps past 65535. */
	for (unsigned int i = 0; i < 70000; i++) {
		uint8_t b[2] = { (uint8_t)i, (uint8_t)(i >> 8) };
		unsigned int slot = i % QSIZE;

		rx_post(slot, 2);
		feed(b, 2);
		assert_int_equal(vcon_poll_input(&con), 2);
		assert_int_equal(used_idx(RXQ), (uint16_t)(i + 1));
		assert_int_equal(used(RXQ)->ring[slot].id, slot);
		assert_int_equal(used(RXQ)->ring[slot].len, 2);
		assert_memory_equal(rx_buf(slot), b, 2);
	}
	assert_false(vcon_failed(&con));
}

/* Input fed from another thread while this one plays the guest. */
#define THREAD_BYTES 50000

static atomic_int thread_err;

static void *input_thread(void *arg)
{
	uint8_t chunk[100];
	size_t sent = 0;

	while (sent < THREAD_BYTES) {
		size_t n = THREAD_BYTES - sent < sizeof(chunk) ? THREAD_BYTES - sent :
								 sizeof(chunk);

		for (size_t i = 0; i < n; i++)
			chunk[i] = (uint8_t)((sent + i) % 253);
		if (write(in_pipe[1], chunk, n) != (ssize_t)n) {
			atomic_store(&thread_err, 1);
			return NULL;
		}
		sent += n;
		for (;;) {
			int r = vcon_poll_input(&con);

			if (r == -EAGAIN)
				break;
			if (r == -ENOBUFS) {
				usleep(50);
				continue;
			}
			if (r <= 0) {
				atomic_store(&thread_err, 2);
				return NULL;
			}
		}
	}
	return NULL;
}

static void test_rx_threaded(void **state)
{
	struct timespec start, now;
	uint16_t seen = 0;
	size_t got = 0;
	pthread_t t;

	driver_up();
	for (unsigned int i = 0; i < QSIZE; i++)
		rx_post(i, 64);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ);
	atomic_store(&thread_err, 0);
	assert_int_equal(pthread_create(&t, NULL, input_thread, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (got < THREAD_BYTES && !atomic_load(&thread_err)) {
		uint16_t u = used_idx(RXQ);

		for (; seen != u; seen++) {
			struct virtq_used_elem *e = &used(RXQ)->ring[seen % QSIZE];
			uint8_t *b = rx_buf(e->id);

			for (uint32_t i = 0; i < e->len; i++)
				assert_int_equal(b[i], (got + i) % 253);
			got += e->len;
			rx_post(e->id, 64);
			wr(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ);
		}
		/* The vCPU side keeps transmitting meanwhile. */
		assert_int_equal(tx_send(".", 1, 1), 0);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 20)
			break;
		{
			uint8_t sink[256];

			drain_out(sink, sizeof(sink));
		}
	}
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&thread_err), 0);
	assert_int_equal(got, THREAD_BYTES);
	assert_false(vcon_failed(&con));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_new_free),
		T(test_tx_chain),
		T(test_tx_mark_crc),
		T(test_tx_several_chains_one_notify),
		T(test_tx_large),
		T(test_tx_writable_descriptor),
		T(test_tx_loop_then_reset),
		T(test_tx_private_buffer),
		T(test_tx_avail_jump),
		T(test_tx_epipe),
		T(test_tx_after_stop),
		T(test_tx_wrap),
		T(test_notify_before_driver_ok),
		T(test_features_refused),
		T(test_rx_basic),
		T(test_rx_chain),
		T(test_rx_posted_before_driver_ok),
		T(test_rx_before_buffers),
		T(test_rx_before_driver_ok),
		T(test_rx_throttle),
		T(test_rx_eof),
		T(test_rx_readable_descriptor),
		T(test_rx_loop_on_notify),
		T(test_rx_buffer_outside_ram),
		T(test_rx_wrap),
		T(test_rx_threaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
