/* SPDX-License-Identifier: MIT */
/*
 * The ACPI poweroff and reset ports the FADT advertises (vmm/acpi.h): a
 * Linux guest's `poweroff` ends the run with status 0; a reset (`reboot`,
 * or a kernel panic with panic=N) ends it as a guest failure, since
 * minisev does not reboot guests.
 */
#ifndef MINISEV_PM_H
#define MINISEV_PM_H

#include "bus.h"

struct vm;

struct pm_dev {
	struct bus_dev bus; /* bus.priv is this */
	struct vm *vm;
};

void pm_init(struct pm_dev *pm, struct vm *vm, uint16_t base);

#endif /* MINISEV_PM_H */
