// SPDX-License-Identifier: MIT
#include <errno.h>

#include "bus.h"

static bool overlaps(const struct bus_dev *a, const struct bus_dev *b)
{
	/* Ranges are [base, base + size - 1]; sizes are non-zero, no wrap. */
	return a->base <= b->base + (b->size - 1) && b->base <= a->base + (a->size - 1);
}

int bus_register(struct bus *bus, struct bus_dev *dev)
{
	if (!dev->size || dev->base + (dev->size - 1) < dev->base || !dev->ops)
		return -EINVAL;
	for (unsigned int i = 0; i < bus->nr; i++) {
		if (overlaps(bus->devs[i], dev)) {
			pr_err("%s bus: %s [%#llx+%#llx] overlaps %s [%#llx+%#llx]", bus->name,
			       dev->name, (unsigned long long)dev->base,
			       (unsigned long long)dev->size, bus->devs[i]->name,
			       (unsigned long long)bus->devs[i]->base,
			       (unsigned long long)bus->devs[i]->size);
			return -EBUSY;
		}
	}
	if (bus->nr == BUS_MAX_DEVS)
		return -ENOSPC;
	bus->devs[bus->nr++] = dev;
	return 0;
}

struct bus_dev *bus_find(struct bus *bus, uint64_t addr, uint32_t len)
{
	if (!len)
		return NULL;
	for (unsigned int i = 0; i < bus->nr; i++) {
		struct bus_dev *d = bus->devs[i];

		if (addr >= d->base && addr - d->base < d->size &&
		    len <= d->size - (addr - d->base))
			return d;
	}
	return NULL;
}

int bus_read(struct bus *bus, uint64_t addr, void *data, uint32_t len)
{
	struct bus_dev *d = bus_find(bus, addr, len);

	if (!d || !d->ops->read)
		return -ENODEV;
	return d->ops->read(d, addr - d->base, data, len);
}

int bus_write(struct bus *bus, uint64_t addr, const void *data, uint32_t len)
{
	struct bus_dev *d = bus_find(bus, addr, len);

	if (!d || !d->ops->write)
		return -ENODEV;
	return d->ops->write(d, addr - d->base, data, len);
}
