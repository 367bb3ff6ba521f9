// SPDX-License-Identifier: MIT
/*
 * virtio-mmio console driver.  Initialisation follows virtio 1.1, 3.1.1
 * "Driver Requirements: Device Initialization" and the MMIO specifics of
 * 4.2.3: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK (read back),
 * queues, DRIVER_OK.
 *
 * Layout of the driver's part of the shared window (offsets from area):
 *
 *   0x00000  receiveq: descriptors, avail ring, used ring (a page each)
 *   0x03000  transmitq: descriptors, avail ring, used ring
 *   0x08000  receive buffers, VCON_RX_BUFS x VCON_RX_BUF_SIZE
 *   0x10000  transmit bounce buffer, 64 KiB
 *
 * Everything the device reads or writes is there, never in private
 * memory: under SEV the host would see ciphertext (virtio 1.1, 6.1,
 * VIRTIO_F_ACCESS_PLATFORM, is what tells a device about such limits).
 */
#include "virtio_console.h"
#include "boot.h"
#include "io.h"

#define VCON_QSIZE 64 /* at most; the device may offer fewer */
#define VCON_RX_BUFS 16
#define VCON_RX_BUF_SIZE 256
#define VCON_TX_DESC_BYTES 4096 /* one descriptor per bounce page */
#define VCON_TX_BOUNCE_SIZE 0x10000

#define OFF_RXQ 0x00000
#define OFF_TXQ 0x03000
#define OFF_RXBUF 0x08000
#define OFF_TXBUF 0x10000

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct vq {
	unsigned int index;
	unsigned int size;
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uint16_t avail_idx; /* next free avail slot, as published */
	uint16_t last_used; /* used entries consumed so far */
};

static struct {
	bool up;
	uint64_t mmio;
	uint64_t area;
	uint64_t features;
	struct vq rx, tx;
	unsigned int tx_batch; /* descriptors per notify */
	/* Input that arrived but was not read yet. */
	char fifo[1024];
	unsigned int fifo_head, fifo_tail;
} vcon;

static volatile uint32_t vcon_lock_word;
static volatile int vcon_owner = -1;

static uint32_t vreg_read(uint32_t off)
{
	return mmio_read32(vcon.mmio + off);
}

static void vreg_write(uint32_t off, uint32_t val)
{
	mmio_write32(vcon.mmio + off, val);
}

static int vq_setup(struct vq *q, unsigned int index, uint64_t base, const char **why)
{
	uint32_t max;
	uint64_t desc = base, avail = base + 0x1000, used = base + 0x2000;

	vreg_write(VIRTIO_MMIO_QUEUE_SEL, index);
	if (vreg_read(VIRTIO_MMIO_QUEUE_READY)) {
		*why = "queue already ready after reset";
		return -1;
	}
	max = vreg_read(VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (max < 2) {
		*why = "queue too small (QueueNumMax < 2)";
		return -1;
	}
	/* Split virtqueue sizes are powers of two (virtio 1.1, 2.6). */
	q->size = VCON_QSIZE;
	while (q->size > max)
		q->size >>= 1;
	q->index = index;
	q->desc = (volatile struct virtq_desc *)desc;
	q->avail = (volatile struct virtq_avail *)avail;
	q->used = (volatile struct virtq_used *)used;
	q->avail_idx = 0;
	q->last_used = 0;
	memset((void *)base, 0, 3 * PAGE_SIZE);
	/* We poll; ask the device not to bother with interrupts (2.6.7). */
	q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;

	vreg_write(VIRTIO_MMIO_QUEUE_NUM, q->size);
	vreg_write(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	vreg_write(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	vreg_write(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
	vreg_write(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	vreg_write(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
	vreg_write(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
	vreg_write(VIRTIO_MMIO_QUEUE_READY, 1);
	if (vreg_read(VIRTIO_MMIO_QUEUE_READY) != 1) {
		*why = "QueueReady does not read back 1";
		return -1;
	}
	return 0;
}

static void vq_notify(struct vq *q)
{
	vreg_write(VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
}

/* Publish what was added to the avail ring: entries first, then idx. */
static void vq_publish(struct vq *q)
{
	barrier();
	q->avail->idx = q->avail_idx;
	barrier();
}

static void vq_add(struct vq *q, uint16_t head)
{
	q->avail->ring[q->avail_idx % q->size] = head;
	q->avail_idx++;
}

static void rx_post(uint16_t id)
{
	struct vq *q = &vcon.rx;

	q->desc[id].addr = vcon.area + OFF_RXBUF + (uint64_t)id * VCON_RX_BUF_SIZE;
	q->desc[id].len = VCON_RX_BUF_SIZE;
	q->desc[id].flags = VIRTQ_DESC_F_WRITE;
	q->desc[id].next = 0;
	vq_add(q, id);
}

int vcon_init(uint64_t mmio_gpa, uint64_t area_gpa, bool need_platform, const char **why)
{
	uint32_t f0, f1, status;
	unsigned int i;

	vcon.up = false;
	vcon.mmio = mmio_gpa;
	vcon.area = area_gpa;

	/* Rings and buffers go to the host: never into private memory. */
	if (!boot_shared_range(area_gpa, VCON_AREA_SIZE)) {
		*why = "console area outside the shared window";
		return -1;
	}

	if (vreg_read(VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC) {
		*why = "no virtio-mmio magic";
		return -1;
	}
	if (vreg_read(VIRTIO_MMIO_VERSION) != VIRTIO_MMIO_VERSION_2) {
		*why = "not a virtio-mmio version 2 device";
		return -1;
	}
	if (vreg_read(VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_CONSOLE) {
		*why = "not a console (device id is not 3)";
		return -1;
	}

	/* Reset and wait for it to take (4.2.3.1.1: status reads back 0). */
	vreg_write(VIRTIO_MMIO_STATUS, 0);
	for (i = 0; vreg_read(VIRTIO_MMIO_STATUS) != 0; i++) {
		if (i > 1000) {
			*why = "device does not reset";
			return -1;
		}
	}
	status = VIRTIO_STATUS_ACKNOWLEDGE;
	vreg_write(VIRTIO_MMIO_STATUS, status);
	status |= VIRTIO_STATUS_DRIVER;
	vreg_write(VIRTIO_MMIO_STATUS, status);

	vreg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f0 = vreg_read(VIRTIO_MMIO_DEVICE_FEATURES);
	vreg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f1 = vreg_read(VIRTIO_MMIO_DEVICE_FEATURES);
	vcon.features = (uint64_t)f1 << 32 | f0;

	/*
	 * We accept VERSION_1 (required: a version 2 transport without it
	 * is a legacy device) and ACCESS_PLATFORM, which an SEV guest needs:
	 * it says the device goes through the platform's view of memory,
	 * where only the shared window is readable.  No other feature.
	 */
	if (!(vcon.features & (1ULL << VIRTIO_F_VERSION_1))) {
		*why = "device does not offer VIRTIO_F_VERSION_1";
		goto failed;
	}
	if (need_platform && !(vcon.features & (1ULL << VIRTIO_F_ACCESS_PLATFORM))) {
		*why = "device does not offer VIRTIO_F_ACCESS_PLATFORM";
		goto failed;
	}
	f1 &= (1u << (VIRTIO_F_VERSION_1 - 32)) | (1u << (VIRTIO_F_ACCESS_PLATFORM - 32));
	vreg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vreg_write(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	vreg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vreg_write(VIRTIO_MMIO_DRIVER_FEATURES, f1);
	status |= VIRTIO_STATUS_FEATURES_OK;
	vreg_write(VIRTIO_MMIO_STATUS, status);
	if (!(vreg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		*why = "device refused our features (FEATURES_OK cleared)";
		goto failed;
	}

	if (vq_setup(&vcon.rx, VIRTIO_CONSOLE_RX_Q, area_gpa + OFF_RXQ, why) ||
	    vq_setup(&vcon.tx, VIRTIO_CONSOLE_TX_Q, area_gpa + OFF_TXQ, why))
		goto failed;
	vcon.tx_batch = MIN(vcon.tx.size, VCON_TX_BOUNCE_SIZE / VCON_TX_DESC_BYTES);

	status |= VIRTIO_STATUS_DRIVER_OK;
	vreg_write(VIRTIO_MMIO_STATUS, status);
	if (vreg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
		*why = "device needs reset right after DRIVER_OK";
		goto failed;
	}

	for (i = 0; i < MIN(VCON_RX_BUFS, vcon.rx.size); i++)
		rx_post(i);
	vq_publish(&vcon.rx);
	vq_notify(&vcon.rx);

	vcon.fifo_head = vcon.fifo_tail = 0;
	vcon.up = true;
	return 0;

failed:
	vreg_write(VIRTIO_MMIO_STATUS, status | VIRTIO_STATUS_FAILED);
	return -1;
}

bool vcon_ready(void)
{
	return vcon.up;
}

uint64_t vcon_device_features(void)
{
	return vcon.features;
}

bool vcon_lock(void)
{
	uint64_t start;

	if (!vcon.up)
		return false;
	start = rdtsc();
	while (__atomic_exchange_n(&vcon_lock_word, 1, __ATOMIC_ACQUIRE)) {
		/* A holder that never lets go has crashed or hung: give up. */
		if (rdtsc() - start > FW_WAIT_TSC)
			fw_exit(MINISEV_EXIT_CRASH);
		cpu_relax();
	}
	vcon_owner = (int)this_cpu();
	return true;
}

void vcon_unlock(void)
{
	vcon_owner = -1;
	__atomic_store_n(&vcon_lock_word, 0, __ATOMIC_RELEASE);
}

bool vcon_lock_for_panic(void)
{
	uint64_t start = rdtsc();

	if (!vcon.up || vcon_owner == (int)this_cpu())
		return false;
	while (__atomic_exchange_n(&vcon_lock_word, 1, __ATOMIC_ACQUIRE)) {
		if (rdtsc() - start > FW_WAIT_TSC / 8)
			break; /* steal it: its holder died */
		cpu_relax();
	}
	vcon_owner = (int)this_cpu();
	return true;
}

/*
 * Wait until the device has used everything we made available.  The VMM
 * completes the transmit queue during the notify, so this normally passes
 * at once; the bound is for a device that never answers.
 */
static bool vq_wait_used(struct vq *q)
{
	uint64_t start = rdtsc();

	while (READ_ONCE(q->used->idx) != q->avail_idx) {
		if (rdtsc() - start > FW_WAIT_TSC)
			return false;
		cpu_relax();
	}
	q->last_used = q->avail_idx;
	return true;
}

/* The console is gone and nothing can be printed: end as a crash. */
static void __noreturn vcon_dead(void)
{
	vcon.up = false;
	vreg_write(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
	fw_exit(MINISEV_EXIT_CRASH);
}

void vcon_write_locked(const void *buf, size_t len)
{
	const char *src = buf;
	struct vq *q = &vcon.tx;

	while (len) {
		unsigned int n;

		for (n = 0; len && n < vcon.tx_batch; n++) {
			size_t chunk = MIN(len, (size_t)VCON_TX_DESC_BYTES);
			uint64_t bounce = vcon.area + OFF_TXBUF + (uint64_t)n * VCON_TX_DESC_BYTES;

			memcpy((void *)bounce, src, chunk);
			q->desc[n].addr = bounce;
			q->desc[n].len = (uint32_t)chunk;
			q->desc[n].flags = 0;
			q->desc[n].next = 0;
			vq_add(q, n);
			src += chunk;
			len -= chunk;
		}
		vq_publish(q);
		vq_notify(q);
		if (!vq_wait_used(q))
			vcon_dead();
	}
}

void con_write(const void *buf, size_t len)
{
	if (!vcon_lock())
		return;
	vcon_write_locked(buf, len);
	vcon_unlock();
}

/* Move what the device wrote into the FIFO and give the buffers back. */
static void rx_poll_locked(void)
{
	struct vq *q = &vcon.rx;
	bool reposted = false;

	vq_notify(q);
	while (READ_ONCE(q->used->idx) != q->last_used) {
		volatile struct virtq_used_elem *e = &q->used->ring[q->last_used % q->size];
		uint32_t id = e->id, len = e->len, i;
		const char *data;

		if (id >= MIN(VCON_RX_BUFS, q->size) || len > VCON_RX_BUF_SIZE) {
			vcon_unlock();
			fw_panic("console: device returned receive buffer %u with length %u", id,
				 len);
		}
		data = (const char *)(vcon.area + OFF_RXBUF + (uint64_t)id * VCON_RX_BUF_SIZE);
		for (i = 0; i < len; i++) {
			unsigned int next = (vcon.fifo_head + 1) % sizeof(vcon.fifo);

			if (next == vcon.fifo_tail)
				break; /* full: drop the rest rather than stall the device */
			vcon.fifo[vcon.fifo_head] = data[i];
			vcon.fifo_head = next;
		}
		q->last_used++;
		rx_post((uint16_t)id);
		reposted = true;
	}
	if (reposted) {
		vq_publish(q);
		vq_notify(q);
	}
}

size_t con_read(void *buf, size_t len)
{
	char *dst = buf;
	size_t n = 0;

	if (!vcon_lock())
		return 0;
	rx_poll_locked();
	while (n < len && vcon.fifo_tail != vcon.fifo_head) {
		dst[n++] = vcon.fifo[vcon.fifo_tail];
		vcon.fifo_tail = (vcon.fifo_tail + 1) % sizeof(vcon.fifo);
	}
	vcon_unlock();
	return n;
}

int con_getc(uint64_t tsc_budget)
{
	uint64_t start = rdtsc();
	char c;

	do {
		if (con_read(&c, 1) == 1)
			return (unsigned char)c;
		cpu_relax();
	} while (rdtsc() - start < tsc_budget);
	return -1;
}

bool vcon_tx_raw(const struct virtq_desc *descs, unsigned int n, uint16_t extra_avail)
{
	struct vq *q = &vcon.tx;
	uint64_t start;
	unsigned int i;
	bool used;

	if (!vcon_lock())
		return false;
	n = MIN(n, q->size);
	for (i = 0; i < n; i++) {
		q->desc[i].addr = descs[i].addr;
		q->desc[i].len = descs[i].len;
		q->desc[i].flags = descs[i].flags;
		q->desc[i].next = descs[i].next;
	}
	vq_add(q, 0);
	q->avail_idx += extra_avail;
	vq_publish(q);
	vq_notify(q);
	start = rdtsc();
	while (READ_ONCE(q->used->idx) == q->last_used && rdtsc() - start < FW_WAIT_TSC / 8)
		cpu_relax();
	used = READ_ONCE(q->used->idx) != q->last_used;
	/* Resynchronise so that the report of the test can still be printed. */
	q->avail_idx = READ_ONCE(q->used->idx);
	q->last_used = q->avail_idx;
	vcon_unlock();
	return used;
}
