/* SPDX-License-Identifier: MIT */
/*
 * The virtio-mmio transport, version 2 (virtio 1.1, 4.2.2), as a bus
 * device.  It owns the register file, feature negotiation, the device
 * status and the queue configuration; it knows nothing of what the
 * device does with its queues, which it reaches through a few callbacks.
 *
 * One mutex serialises every register access (several vCPUs may touch the
 * device) and whatever the device does from another thread (console
 * input): callbacks run with it held.
 *
 * A guest that breaks the protocol or a ring gets the device marked
 * DEVICE_NEEDS_RESET (2.1.2) and the MMIO access that found it returns
 * -EINVAL or -EFAULT, so that the run loop ends the run loudly.
 */
#ifndef MINISEV_VIRTIO_MMIO_H
#define MINISEV_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdint.h>

#include "minisev/virtio.h"
#include "bus.h"
#include "guestmem.h"
#include "util.h"
#include "virtq.h"

/* InterruptStatus bits (4.2.2). */
#define VMMIO_INT_VRING 1u /* used buffer notification */
#define VMMIO_INT_CONFIG 2u /* configuration change (also DEVICE_NEEDS_RESET) */

/* Feature bits every device of this transport offers and requires. */
#define VMMIO_REQUIRED_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_ACCESS_PLATFORM))

#define VMMIO_MAX_QUEUES 8

struct virtio_mmio;

struct virtio_mmio_ops {
	/*
	 * QueueNotify for a ready queue after DRIVER_OK.  Return 0, or a
	 * negative errno for a guest error (the transport then marks the
	 * device DEVICE_NEEDS_RESET and fails the access).
	 */
	int (*notify)(struct virtio_mmio *m, unsigned int queue);
	/* Device reset (status 0), after the transport reset its own state. */
	void (*reset)(struct virtio_mmio *m);
	/*
	 * DRIVER_OK was just set.  The driver may have made buffers available
	 * before, without notifying (it must not notify earlier, 3.1.1): a
	 * device with something to deliver looks now.  Errors as for notify.
	 */
	int (*ready)(struct virtio_mmio *m);
};

struct virtio_mmio {
	struct bus_dev bus; /* what the VMM registers; bus.priv is this */
	pthread_mutex_t lock;
	const char *name;
	const struct virtio_mmio_ops *ops;
	void *priv; /* the device's */

	uint32_t device_id;
	uint64_t device_features; /* offered, VMMIO_REQUIRED_FEATURES included */
	uint64_t driver_features; /* as written; accepted once FEATURES_OK sticks */
	uint32_t device_features_sel;
	uint32_t driver_features_sel;

	uint32_t status;
	uint32_t interrupt_status;
	uint32_t config_generation;

	uint32_t queue_sel;
	unsigned int nr_queues;
	struct virtq *queues; /* the device's array of nr_queues */

	/* Device configuration space (4.2.2, offset 0x100), read-only to the driver. */
	const void *config;
	uint32_t config_size;

	uint64_t warned; /* one bit per register word: unknown-offset log once */

	/*
	 * The interrupt line, when the guest has one (Linux; the firmware
	 * polls): called with the lock held after InterruptStatus gains a bit.
	 */
	void (*irq)(void *arg);
	void *irq_arg;
};

/*
 * Set up the transport at `base` (VIRTIO_MMIO_REGION_SIZE bytes).  The
 * queues must have been virtq_init()ed by the device.  `device_features`
 * are the device-specific bits; the transport adds VERSION_1 and
 * ACCESS_PLATFORM.  Returns 0 or -errno.
 */
int __must_check vmmio_init(struct virtio_mmio *m, const char *name, uint64_t base,
			    uint32_t device_id, uint64_t device_features, struct virtq *queues,
			    unsigned int nr_queues, const void *config, uint32_t config_size,
			    const struct virtio_mmio_ops *ops, void *priv);
void vmmio_destroy(struct virtio_mmio *m);

static inline struct bus_dev *vmmio_bus_dev(struct virtio_mmio *m)
{
	return &m->bus;
}

/* For a device's own threads (input); register accesses lock by themselves. */
void vmmio_lock(struct virtio_mmio *m);
void vmmio_unlock(struct virtio_mmio *m);

/* The following expect the lock held. */

/* DRIVER_OK is set and the device does not need a reset: queues may be used. */
bool vmmio_live(const struct virtio_mmio *m);
/* Signal InterruptStatus changes through `irq(arg)` (with the lock held). */
void vmmio_set_irq(struct virtio_mmio *m, void (*irq)(void *arg), void *arg);
/* Set InterruptStatus bit 0 after returning buffers, and raise the line if any. */
void vmmio_used_notify(struct virtio_mmio *m);
/*
 * The device found a guest error (already reported): set
 * DEVICE_NEEDS_RESET and raise a configuration change (2.1.2).  Returns `err`.
 */
int vmmio_fail(struct virtio_mmio *m, int err);
/* DEVICE_NEEDS_RESET is set. */
bool vmmio_needs_reset(const struct virtio_mmio *m);

#endif /* MINISEV_VIRTIO_MMIO_H */
