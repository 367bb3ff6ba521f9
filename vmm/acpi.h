/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for a direct Linux boot: RSDP, XSDT, FADT, MADT and a DSDT
 * that describes the virtio-mmio devices, the one way Debian's kernel
 * (CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES unset) finds them.  The platform is
 * "hardware-reduced" (ACPI 6.5, 4.1): no PM1 blocks, no SCI, no GPEs,
 * nothing a VMM must emulate besides KVM's in-kernel irqchip, and
 * optionally three byte-wide I/O ports for poweroff and reset.
 *
 * acpi_build() is a pure function of its arguments: the VMM copies the
 * result into guest memory at `gpa`, marks that range reserved in the
 * E820 map (Linux maps the tables where they are and never copies them)
 * and passes `gpa` as boot_params.acpi_rsdp_addr.
 */
#ifndef MINISEV_ACPI_H
#define MINISEV_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* KVM_CREATE_IRQCHIP's interrupt controllers; GSI n is IOAPIC pin n. */
#define ACPI_LAPIC_GPA 0xfee00000u
#define ACPI_IOAPIC_GPA 0xfec00000u
#define ACPI_IOAPIC_PINS 24

#define ACPI_MAX_CPUS 255 /* xAPIC IDs 0..254; 0xff is the broadcast ID */
/*
 * Device interrupts: pins 0-4 stay free for what legacy code assumes
 * (timer, keyboard, cascade, COM2, COM1); each device has its own pin,
 * since the descriptors say Exclusive.
 */
#define ACPI_IRQ_MIN 5
#define ACPI_IRQ_MAX (ACPI_IOAPIC_PINS - 1)
#define ACPI_MAX_DEVS (ACPI_IRQ_MAX - ACPI_IRQ_MIN + 1)

/* acpi_build() never needs more than this, whatever the configuration. */
#define ACPI_TABLES_MAX 4096

/*
 * Poweroff and reset (when acpi_config.pm_port is not 0): byte-wide I/O
 * ports at these offsets from pm_port.  Linux powers off through them by
 * default: it writes 0x80 (WAK_STS, to clear it) to the sleep status
 * port, then ACPI_SLEEP_CTL_S5 to the sleep control port.  It reboots
 * through them only with reboot=acpi on its command line, writing
 * ACPI_RESET_VALUE to the reset port: on a HW-reduced platform its
 * default is reboot=efi, which without EFI ends in a real-mode jump to
 * 0xffff0, where a minisev guest has no BIOS.  After either write it
 * spins until the VMM stops it.  Without these ports, poweroff halts the
 * vCPUs for good.
 */
#define ACPI_PM_SLEEP_CTL 0
#define ACPI_PM_SLEEP_STS 1
#define ACPI_PM_RESET 2
#define ACPI_PM_PORTS 3
#define ACPI_PM_PORT_DEFAULT 0x0600 /* free on a PC and in include/minisev/abi.h */
#define ACPI_S5_SLP_TYP 5 /* \_S5's value, ours to choose */
/* SLP_EN | SLP_TYP, the layout of the FADT's Sleep Control Register */
#define ACPI_SLEEP_CTL_S5 (0x20 | ACPI_S5_SLP_TYP << 2)
#define ACPI_RESET_VALUE 0x06

/* One virtio-mmio transport, _HID "LNRO0005" as Linux's virtio_mmio matches. */
struct acpi_mmio_dev {
	uint64_t base; /* the whole range below 4 GiB (Memory32Fixed) */
	uint32_t size;
	uint32_t irq; /* GSI, ACPI_IRQ_MIN..ACPI_IRQ_MAX, edge, active high */
};

struct acpi_config {
	unsigned int nr_cpus; /* APIC IDs 0..nr_cpus-1, all enabled */
	const struct acpi_mmio_dev *devs; /* device n is \_SB.VRnn, _UID n */
	unsigned int nr_devs;
	uint16_t pm_port; /* ACPI_PM_PORTS ports from here; 0: no poweroff or reset */
};

/*
 * Lay the tables out in buf, which the guest sees at `gpa` (16-byte
 * aligned): the RSDP at offset 0, then XSDT, FADT, MADT and DSDT, each
 * 8-byte aligned, every pointer among them a guest-physical address.
 * Returns the number of bytes used (at most ACPI_TABLES_MAX), -EINVAL for
 * a configuration the tables cannot describe (no CPU or too many, a
 * device IRQ outside ACPI_IRQ_MIN..ACPI_IRQ_MAX or used twice, a device
 * range empty, above 4 GiB, over another or over an APIC), -ENOSPC when
 * `len` is too small.
 */
long __must_check acpi_build(const struct acpi_config *c, uint64_t gpa, void *buf, size_t len);

#endif /* MINISEV_ACPI_H */
