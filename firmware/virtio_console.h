/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio console driver (virtio 1.1, 4.2 and 5.3), polled: the VMM
 * raises no interrupts, it completes transmit buffers synchronously on the
 * QueueNotify write, and the driver polls the used rings.  Rings and
 * buffers live in the shared window so the host can read them under SEV.
 */
#ifndef FW_VIRTIO_CONSOLE_H
#define FW_VIRTIO_CONSOLE_H

#include "fw.h"
#include "minisev/virtio.h"

/* Bytes of the shared window the driver uses, from `area_gpa`. */
#define VCON_AREA_SIZE 0x20000

/*
 * Bring the device at `mmio_gpa` up with its rings and buffers in
 * [area_gpa, area_gpa + VCON_AREA_SIZE).  Returns 0, or -1 with *why set
 * (the console is then unusable, so the caller cannot print it).
 * `need_platform`: refuse a device without VIRTIO_F_ACCESS_PLATFORM.
 */
int vcon_init(uint64_t mmio_gpa, uint64_t area_gpa, bool need_platform, const char **why);
bool vcon_ready(void);
/* Features the device offered (word 1 << 32 | word 0), for diagnostics. */
uint64_t vcon_device_features(void);

/*
 * The console lock keeps lines from different vCPUs whole.  vcon_lock()
 * returns false when the console is not up.  vcon_lock_for_panic() is for
 * the exception path: it takes the lock even from a CPU that died holding
 * it, and returns false when the faulting CPU is this one, inside the
 * driver, where the ring state cannot be trusted.
 */
bool vcon_lock(void);
void vcon_unlock(void);
bool vcon_lock_for_panic(void);

/* Write everything, splitting it into descriptors; waits for the device. */
void con_write(const void *buf, size_t len);
void vcon_write_locked(const void *buf, size_t len);

/*
 * Input: copy up to `len` bytes that have arrived, without waiting; 0 if
 * none.  Each call also notifies the receive queue, which is the VMM's
 * cue to fill posted buffers from its stdin.
 */
size_t con_read(void *buf, size_t len);
/* One input byte, or -1 when none arrived within `tsc_budget` ticks. */
int con_getc(uint64_t tsc_budget);

/*
 * For tests that misuse the device on purpose: put `n` descriptors
 * (chained or not, as given) at the start of the transmit descriptor
 * table, make descriptor 0 available, and notify.  `extra_avail` is added
 * to the avail index on top of the one buffer.  Returns true if the device
 * then reported a used buffer, which a correct device must not do for
 * garbage (it must stop the VM).
 */
bool vcon_tx_raw(const struct virtq_desc *descs, unsigned int n, uint16_t extra_avail);

#endif /* FW_VIRTIO_CONSOLE_H */
