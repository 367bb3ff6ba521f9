/* SPDX-License-Identifier: MIT */
/*
 * An address bus for port I/O and MMIO devices.  Registration refuses
 * overlapping ranges; dispatch finds the device that holds the whole
 * access and hands it the offset inside its range.
 */
#ifndef MINISEV_BUS_H
#define MINISEV_BUS_H

#include <stdint.h>
#include "util.h"

struct bus_dev;

/*
 * Device callbacks.  `len` is 1, 2, 4 or 8.  Return 0 on success or a
 * negative errno: the run loop turns an error into a loud guest failure.
 */
struct bus_ops {
	int (*read)(struct bus_dev *dev, uint64_t off, void *data, uint32_t len);
	int (*write)(struct bus_dev *dev, uint64_t off, const void *data, uint32_t len);
};

struct bus_dev {
	const char *name;
	uint64_t base;
	uint64_t size;
	const struct bus_ops *ops;
	void *priv;
};

#define BUS_MAX_DEVS 16

struct bus {
	const char *name; /* "pio" or "mmio", for messages */
	unsigned int nr;
	struct bus_dev *devs[BUS_MAX_DEVS];
};

/* 0, -EBUSY on overlap, -EINVAL on an empty or wrapping range, -ENOSPC. */
int __must_check bus_register(struct bus *bus, struct bus_dev *dev);
/* The device holding [addr, addr + len), or NULL. */
struct bus_dev *bus_find(struct bus *bus, uint64_t addr, uint32_t len);
/* -ENODEV when no device holds the access, else the device's result. */
int __must_check bus_read(struct bus *bus, uint64_t addr, void *data, uint32_t len);
int __must_check bus_write(struct bus *bus, uint64_t addr, const void *data, uint32_t len);

#endif /* MINISEV_BUS_H */
