// SPDX-License-Identifier: MIT
/*
 * virtio-mmio version 2 transport (virtio 1.1, 4.2.2 and 4.2.3), with the
 * generic parts of device initialisation it enforces (2.1 status, 2.2 and
 * 3.1.1 feature negotiation).
 */
#include <errno.h>
#include <string.h>

#include "virtio_mmio.h"

#define STATUS_KNOWN                                                                  \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK | \
	 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)

void vmmio_lock(struct virtio_mmio *m)
{
	pthread_mutex_lock(&m->lock);
}

void vmmio_unlock(struct virtio_mmio *m)
{
	pthread_mutex_unlock(&m->lock);
}

bool vmmio_needs_reset(const struct virtio_mmio *m)
{
	return m->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET;
}

bool vmmio_live(const struct virtio_mmio *m)
{
	return (m->status & VIRTIO_STATUS_DRIVER_OK) && !vmmio_needs_reset(m);
}

void vmmio_set_irq(struct virtio_mmio *m, void (*irq)(void *arg), void *arg)
{
	vmmio_lock(m);
	m->irq = irq;
	m->irq_arg = arg;
	vmmio_unlock(m);
}

static void raise_irq(struct virtio_mmio *m, uint32_t bit)
{
	m->interrupt_status |= bit;
	if (m->irq)
		m->irq(m->irq_arg);
}

void vmmio_used_notify(struct virtio_mmio *m)
{
	raise_irq(m, VMMIO_INT_VRING);
}

int vmmio_fail(struct virtio_mmio *m, int err)
{
	/*
	 * 2.1.2: a device in an error state sets DEVICE_NEEDS_RESET and, when
	 * DRIVER_OK is set, sends a configuration change notification.
	 */
	if (!vmmio_needs_reset(m))
		pr_err("%s: marking the device DEVICE_NEEDS_RESET after a guest error", m->name);
	m->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	if (m->status & VIRTIO_STATUS_DRIVER_OK)
		raise_irq(m, VMMIO_INT_CONFIG);
	return err;
}

/* Log a harmless oddity once per register, so a polling guest cannot flood the log. */
static void warn_once(struct virtio_mmio *m, uint64_t off, bool write, bool known)
{
	uint64_t bit = 1ULL << (off / 4 % 64);

	if (m->warned & bit)
		return;
	m->warned |= bit;
	if (known)
		pr_warn("%s: write to the read-only register at %#llx ignored (logged once)",
			m->name, (unsigned long long)off);
	else
		pr_warn("%s: %s at %#llx, not a virtio-mmio v2 register: %s (logged once)", m->name,
			write ? "write" : "read", (unsigned long long)off,
			write ? "ignored" : "reads as 0");
}

static struct virtq *cur_queue(struct virtio_mmio *m)
{
	return m->queue_sel < m->nr_queues ? &m->queues[m->queue_sel] : NULL;
}

static void reset(struct virtio_mmio *m)
{
	pr_debug("%s: device reset", m->name);
	m->status = 0;
	m->driver_features = 0;
	m->device_features_sel = 0;
	m->driver_features_sel = 0;
	m->queue_sel = 0;
	m->interrupt_status = 0;
	for (unsigned int i = 0; i < m->nr_queues; i++)
		virtq_reset(&m->queues[i]);
	if (m->ops->reset)
		m->ops->reset(m);
}

static uint32_t reg_read(struct virtio_mmio *m, uint64_t off)
{
	struct virtq *q = cur_queue(m);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_MMIO_VERSION_2;
	case VIRTIO_MMIO_DEVICE_ID:
		return m->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MINISEV_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		/* Words beyond the second hold no feature we know: 0 (4.2.2). */
		if (m->device_features_sel > 1)
			return 0;
		return (uint32_t)(m->device_features >> (32 * m->device_features_sel));
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		return m->device_features_sel;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (m->driver_features_sel > 1)
			return 0;
		return (uint32_t)(m->driver_features >> (32 * m->driver_features_sel));
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		return m->driver_features_sel;
	case VIRTIO_MMIO_QUEUE_SEL:
		return m->queue_sel;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		/* 0 tells the driver that the selected queue does not exist. */
		return q ? q->num_max : 0;
	case VIRTIO_MMIO_QUEUE_NUM:
		return q ? q->num : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return q ? (uint32_t)q->desc_gpa : 0;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		return q ? (uint32_t)(q->desc_gpa >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
		return q ? (uint32_t)q->avail_gpa : 0;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		return q ? (uint32_t)(q->avail_gpa >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
		return q ? (uint32_t)q->used_gpa : 0;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		return q ? (uint32_t)(q->used_gpa >> 32) : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return m->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return m->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return m->config_generation;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
	case VIRTIO_MMIO_INTERRUPT_ACK:
		return 0; /* write-only */
	default:
		warn_once(m, off, false, false);
		return 0;
	}
}

/* 3.1.1 step 5: may the driver's feature set become FEATURES_OK? */
static bool features_ok(struct virtio_mmio *m)
{
	uint64_t drv = m->driver_features;
	uint64_t extra = drv & ~m->device_features;

	if (extra) {
		pr_warn("%s: refusing FEATURES_OK: the driver accepted features %#llx that "
			"were not offered (offered %#llx)",
			m->name, (unsigned long long)extra, (unsigned long long)m->device_features);
		return false;
	}
	if (!(drv & (1ULL << VIRTIO_F_VERSION_1))) {
		pr_warn("%s: refusing FEATURES_OK: the driver did not accept VIRTIO_F_VERSION_1 "
			"(bit 32); this version 2 transport has no legacy interface (6)",
			m->name);
		return false;
	}
	if (!(drv & (1ULL << VIRTIO_F_ACCESS_PLATFORM))) {
		pr_warn("%s: refusing FEATURES_OK: the driver did not accept "
			"VIRTIO_F_ACCESS_PLATFORM (bit 33); an SEV guest must, since the device "
			"reaches only the shared window (6)",
			m->name);
		return false;
	}
	return true;
}

static int status_write(struct virtio_mmio *m, uint32_t v)
{
	uint32_t old = m->status;

	if (v == 0) {
		reset(m);
		return 0;
	}
	if (v & ~STATUS_KNOWN) {
		pr_err("%s: status write %#x sets undefined bits %#x (2.1)", m->name, v,
		       v & ~STATUS_KNOWN);
		return vmmio_fail(m, -EINVAL);
	}
	/* DEVICE_NEEDS_RESET is the device's bit: the driver can neither set nor clear it. */
	v = (v & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) | (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	if (v & VIRTIO_STATUS_FAILED) {
		/* The driver gave up (3.1.1 step 8); accept whatever else it wrote. */
		pr_warn("%s: the driver set FAILED (status %#x -> %#x)", m->name, old, v);
		m->status = v;
		return 0;
	}
	if (old & ~v) {
		pr_err("%s: status write clears bits %#x (%#x -> %#x); only writing 0 resets "
		       "(2.1.1)",
		       m->name, old & ~v, old, v);
		return vmmio_fail(m, -EINVAL);
	}
	/* FEATURES_OK does not stick when the subset is refused (2.2.2, 3.1.1 step 6). */
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    !features_ok(m))
		v &= ~VIRTIO_STATUS_FEATURES_OK;
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(v & VIRTIO_STATUS_FEATURES_OK)) {
		pr_err("%s: DRIVER_OK without FEATURES_OK (status write %#x, driver features "
		       "%#llx); the driver must check that FEATURES_OK stuck (3.1.1)",
		       m->name, v, (unsigned long long)m->driver_features);
		return vmmio_fail(m, -EINVAL);
	}
	m->status = v;
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK)) {
		int ret = m->ops->ready ? m->ops->ready(m) : 0;

		pr_debug("%s: driver ready, features %#llx", m->name,
			 (unsigned long long)m->driver_features);
		if (ret)
			return vmmio_fail(m, ret);
	}
	return 0;
}

static int queue_ready_write(struct virtio_mmio *m, struct virtq *q, uint32_t v)
{
	int ret;

	if (v > 1) {
		pr_err("%s: QueueReady write %#x for queue %u; only 0 and 1 are defined (4.2.2)",
		       m->name, v, m->queue_sel);
		return vmmio_fail(m, -EINVAL);
	}
	if (!v) {
		virtq_disable(q);
		return 0;
	}
	ret = virtq_enable(q);
	if (ret)
		return vmmio_fail(m, ret);
	pr_debug("%s: queue %u ready: size %u, desc %#llx, avail %#llx, used %#llx", m->name,
		 m->queue_sel, q->size, (unsigned long long)q->desc_gpa,
		 (unsigned long long)q->avail_gpa, (unsigned long long)q->used_gpa);
	return 0;
}

static void set_half(uint64_t *r, bool high, uint32_t v)
{
	if (high)
		*r = (*r & 0xffffffffULL) | ((uint64_t)v << 32);
	else
		*r = (*r & ~0xffffffffULL) | v;
}

static int queue_write(struct virtio_mmio *m, uint64_t off, uint32_t v)
{
	struct virtq *q = cur_queue(m);

	if (!q) {
		pr_debug("%s: write %#x at %#llx for queue %u, which does not exist: ignored",
			 m->name, v, (unsigned long long)off, m->queue_sel);
		return 0;
	}
	if (off == VIRTIO_MMIO_QUEUE_READY)
		return queue_ready_write(m, q, v);
	/* A live queue's configuration is fixed until QueueReady 0 or reset (4.2.2.2). */
	if (q->ready) {
		pr_debug("%s: write %#x at %#llx while queue %u is ready: ignored", m->name, v,
			 (unsigned long long)off, m->queue_sel);
		return 0;
	}
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->num = v; /* validated at QueueReady */
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&q->desc_gpa, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		set_half(&q->avail_gpa, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		set_half(&q->used_gpa, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, v);
		break;
	}
	return 0;
}

static int notify(struct virtio_mmio *m, uint32_t v)
{
	int ret;

	if (vmmio_needs_reset(m)) {
		/* The error was reported when it happened; wait for the reset. */
		pr_debug("%s: QueueNotify(%u) while the device needs a reset: ignored", m->name, v);
		return 0;
	}
	if (!(m->status & VIRTIO_STATUS_DRIVER_OK)) {
		pr_err("%s: QueueNotify(%u) before DRIVER_OK (status %#x; 3.1.1)", m->name, v,
		       m->status);
		return vmmio_fail(m, -EINVAL);
	}
	if (v >= m->nr_queues) {
		pr_err("%s: QueueNotify(%u): the device has %u queues", m->name, v, m->nr_queues);
		return vmmio_fail(m, -EINVAL);
	}
	if (!m->queues[v].ready) {
		pr_err("%s: QueueNotify(%u) on a queue that is not ready", m->name, v);
		return vmmio_fail(m, -EINVAL);
	}
	ret = m->ops->notify ? m->ops->notify(m, v) : 0;
	return ret ? vmmio_fail(m, ret) : 0;
}

static int reg_write(struct virtio_mmio *m, uint64_t off, uint32_t v)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		m->device_features_sel = v;
		return 0;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		m->driver_features_sel = v;
		return 0;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Negotiation is over once FEATURES_OK is set (2.2.1, 3.1.1). */
		if (m->status & VIRTIO_STATUS_FEATURES_OK) {
			pr_debug("%s: DriverFeatures write %#x after FEATURES_OK: ignored", m->name,
				 v);
			return 0;
		}
		if (m->driver_features_sel > 1) {
			pr_debug("%s: DriverFeatures word %u = %#x: no such feature, ignored",
				 m->name, m->driver_features_sel, v);
			return 0;
		}
		set_half(&m->driver_features, m->driver_features_sel == 1, v);
		return 0;
	case VIRTIO_MMIO_QUEUE_SEL:
		m->queue_sel = v;
		return 0;
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_READY:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		return queue_write(m, off, v);
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		return notify(m, v);
	case VIRTIO_MMIO_INTERRUPT_ACK:
		m->interrupt_status &= ~v;
		return 0;
	case VIRTIO_MMIO_STATUS:
		return status_write(m, v);
	case VIRTIO_MMIO_MAGIC_VALUE:
	case VIRTIO_MMIO_VERSION:
	case VIRTIO_MMIO_DEVICE_ID:
	case VIRTIO_MMIO_VENDOR_ID:
	case VIRTIO_MMIO_DEVICE_FEATURES:
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
	case VIRTIO_MMIO_INTERRUPT_STATUS:
	case VIRTIO_MMIO_CONFIG_GENERATION:
		warn_once(m, off, true, true);
		return 0;
	default:
		warn_once(m, off, true, false);
		return 0;
	}
}

/* 4.2.2.2: control registers take aligned 32-bit accesses only. */
static int reg_access_ok(struct virtio_mmio *m, const char *op, uint64_t off, uint32_t len)
{
	if (len == 4 && IS_ALIGNED(off, 4))
		return 0;
	pr_err("%s: %u-byte %s at register offset %#llx; virtio-mmio registers take aligned "
	       "32-bit accesses only (4.2.2.2)",
	       m->name, len, op, (unsigned long long)off);
	return vmmio_fail(m, -EINVAL);
}

/* Configuration space: 8/16/32/64-bit naturally aligned accesses (4.2.2.2). */
static int config_access_ok(struct virtio_mmio *m, const char *op, uint64_t off, uint32_t len)
{
	if ((len == 1 || len == 2 || len == 4 || len == 8) && IS_ALIGNED(off, len))
		return 0;
	pr_err("%s: %u-byte %s at configuration offset %#llx is not a naturally aligned "
	       "1, 2, 4 or 8-byte access (4.2.2.2)",
	       m->name, len, op, (unsigned long long)off);
	return vmmio_fail(m, -EINVAL);
}

static int vmmio_read(struct bus_dev *dev, uint64_t off, void *data, uint32_t len)
{
	struct virtio_mmio *m = dev->priv;
	uint32_t v;
	int ret;

	memset(data, 0, len);
	vmmio_lock(m);
	if (off >= VIRTIO_MMIO_CONFIG) {
		off -= VIRTIO_MMIO_CONFIG;
		ret = config_access_ok(m, "read", off, len);
		/* Bytes past the device's configuration read as 0. */
		if (!ret && off < m->config_size)
			memcpy(data, (const uint8_t *)m->config + off,
			       len < m->config_size - off ? len : m->config_size - off);
	} else {
		ret = reg_access_ok(m, "read", off, len);
		if (!ret) {
			v = reg_read(m, off);
			memcpy(data, &v, sizeof(v)); /* little-endian host and guest */
		}
	}
	vmmio_unlock(m);
	return ret;
}

static int vmmio_write(struct bus_dev *dev, uint64_t off, const void *data, uint32_t len)
{
	struct virtio_mmio *m = dev->priv;
	uint32_t v;
	int ret;

	vmmio_lock(m);
	if (off >= VIRTIO_MMIO_CONFIG) {
		ret = config_access_ok(m, "write", off - VIRTIO_MMIO_CONFIG, len);
		/* No device of ours has a writable configuration field. */
		if (!ret)
			pr_debug("%s: %u-byte configuration write at %#llx: ignored", m->name, len,
				 (unsigned long long)(off - VIRTIO_MMIO_CONFIG));
	} else {
		ret = reg_access_ok(m, "write", off, len);
		if (!ret) {
			memcpy(&v, data, sizeof(v));
			ret = reg_write(m, off, v);
		}
	}
	vmmio_unlock(m);
	return ret;
}

static const struct bus_ops vmmio_bus_ops = {
	.read = vmmio_read,
	.write = vmmio_write,
};

int vmmio_init(struct virtio_mmio *m, const char *name, uint64_t base, uint32_t device_id,
	       uint64_t device_features, struct virtq *queues, unsigned int nr_queues,
	       const void *config, uint32_t config_size, const struct virtio_mmio_ops *ops,
	       void *priv)
{
	int ret;

	if (nr_queues > VMMIO_MAX_QUEUES || (nr_queues && !queues) ||
	    config_size > VIRTIO_MMIO_REGION_SIZE - VIRTIO_MMIO_CONFIG ||
	    (config_size && !config) || !ops)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	ret = pthread_mutex_init(&m->lock, NULL);
	if (ret)
		return -ret;
	m->name = name;
	m->ops = ops;
	m->priv = priv;
	m->device_id = device_id;
	m->device_features = device_features | VMMIO_REQUIRED_FEATURES;
	m->queues = queues;
	m->nr_queues = nr_queues;
	m->config = config;
	m->config_size = config_size;
	m->bus.name = name;
	m->bus.base = base;
	m->bus.size = VIRTIO_MMIO_REGION_SIZE;
	m->bus.ops = &vmmio_bus_ops;
	m->bus.priv = m;
	return 0;
}

void vmmio_destroy(struct virtio_mmio *m)
{
	pthread_mutex_destroy(&m->lock);
}
