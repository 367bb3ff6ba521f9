// SPDX-License-Identifier: MIT
#include <string.h>

#include "acpi.h"
#include "pm.h"
#include "vm.h"

static int pm_read(struct bus_dev *dev, uint64_t off, void *data, uint32_t len)
{
	/* Sleep status: WAK_STS never set; nothing else reads back. */
	memset(data, 0, len);
	return 0;
}

static int pm_write(struct bus_dev *dev, uint64_t off, const void *data, uint32_t len)
{
	struct pm_dev *pm = dev->priv;
	uint8_t v = *(const uint8_t *)data;

	if (off == ACPI_PM_SLEEP_CTL && v == ACPI_SLEEP_CTL_S5) {
		pr_info("the guest powered off");
		vm_end(pm->vm, VM_END_VERDICT, MINISEV_STATUS_PASS);
	} else if (off == ACPI_PM_RESET && v == ACPI_RESET_VALUE) {
		pr_err("the guest reset itself (reboot, or a kernel panic with panic=N): minisev "
		       "does not reboot guests");
		vm_end(pm->vm, VM_END_GUEST_ERROR, MINISEV_STATUS_GUEST);
	}
	/* Other values (other sleep states, clearing WAK_STS) change nothing. */
	return 0;
}

static const struct bus_ops pm_ops = {
	.read = pm_read,
	.write = pm_write,
};

void pm_init(struct pm_dev *pm, struct vm *vm, uint16_t base)
{
	memset(pm, 0, sizeof(*pm));
	pm->bus.name = "ACPI PM";
	pm->bus.base = base;
	pm->bus.size = ACPI_PM_PORTS;
	pm->bus.ops = &pm_ops;
	pm->bus.priv = pm;
	pm->vm = vm;
}
