/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio (version 2) and split-virtqueue definitions shared by the
 * VMM's device model and the firmware's driver.  Values are from the
 * virtio 1.1 specification (sections 2.6 split virtqueues, 4.2.2 MMIO
 * register layout, 5.3 console, 6 reserved feature bits).  We define our
 * own instead of using <linux/virtio_*.h> because the firmware is
 * freestanding and must not pull host headers.
 */
#ifndef MINISEV_VIRTIO_H
#define MINISEV_VIRTIO_H

#include <stdint.h>

/* MMIO register offsets (virtio 1.1, 4.2.2). */
#define VIRTIO_MMIO_MAGIC_VALUE 0x000 /* "virt" = 0x74726976 */
#define VIRTIO_MMIO_VERSION 0x004 /* 2 */
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090 /* avail ring */
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0 /* used ring */
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG 0x100
#define VIRTIO_MMIO_REGION_SIZE 0x200

#define VIRTIO_MMIO_MAGIC 0x74726976
#define VIRTIO_MMIO_VERSION_2 2
#define VIRTIO_MINISEV_VENDOR 0x56534e4d /* "MNSV" */

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* Feature bits (6).  Bits 32+ live in feature word 1. */
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33

#define VIRTIO_ID_CONSOLE 3

/* Console (5.3): queue 0 is receiveq (host to guest), 1 is transmitq. */
#define VIRTIO_CONSOLE_RX_Q 0
#define VIRTIO_CONSOLE_TX_Q 1

/* Split virtqueue (2.6). */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4

#define VIRTQ_MAX_SIZE 256 /* what the minisev devices offer per queue */

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* queue size entries, then used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* queue size entries, then avail_event */
};

#endif /* MINISEV_VIRTIO_H */
