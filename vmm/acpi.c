// SPDX-License-Identifier: MIT
/*
 * ACPI tables (ACPI 6.5, chapters 5 and 6; AML grammar in chapter 20),
 * written straight into the caller's buffer.  Every table is placed first
 * and checksummed last, once all the pointers into it and out of it are
 * known.  Multi-byte fields are little-endian like the x86 host.
 */
#include <errno.h>
#include <string.h>

#include "acpi.h"

#define OEM_ID "MINSEV"
#define OEM_TABLE_ID "MSEV" /* + the table's signature: "MSEVFACP" */
#define OEM_REVISION 1
#define CREATOR_ID "MSEV"
#define CREATOR_REVISION 1

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum; /* over the ACPI 1.0 part, the first 20 bytes */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t ext_checksum; /* over all of it */
	uint8_t reserved[3];
} __attribute__((packed));

/* Generic Address Structure (5.2.3.2). */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

#define GAS_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1

/* FADT revision 6; the fields a HW-reduced platform leaves 0 are lumped. */
struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t legacy[65]; /* PM profile, SCI, SMI, PM1/PM2/GPE blocks, C-states, RTC */
	uint16_t iapc_boot_arch;
	uint8_t reserved;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_legacy[8]; /* X_PM1a_EVT_BLK .. X_GPE1_BLK */
	struct acpi_gas sleep_control;
	struct acpi_gas sleep_status;
	uint64_t hypervisor_id;
} __attribute__((packed));

/* Offsets from the FADT table of ACPI 6.5 (5.2.9). */
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, minor_version) == 131, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, sleep_control) == 244, "FADT layout");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT layout");

/* IA-PC Boot Architecture Flags (5.2.9.3). */
#define BOOT_VGA_NOT_PRESENT (1u << 2)
#define BOOT_MSI_NOT_SUPPORTED (1u << 3)
#define BOOT_PCIE_ASPM_CONTROLS (1u << 4)
#define BOOT_CMOS_RTC_NOT_PRESENT (1u << 5)

/* Fixed Feature Flags (5.2.9.1). */
#define FADT_PWR_BUTTON (1u << 4)
#define FADT_SLP_BUTTON (1u << 5)
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20)

struct acpi_madt {
	struct acpi_header h;
	uint32_t lapic_address;
	uint32_t flags;
} __attribute__((packed));

#define MADT_PCAT_COMPAT 1u

struct madt_lapic {
	uint8_t type; /* 0 */
	uint8_t length;
	uint8_t uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));

#define MADT_LAPIC_ENABLED 1u

struct madt_ioapic {
	uint8_t type; /* 1 */
	uint8_t length;
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));

/* AML opcodes (20.3), the few the DSDT needs. */
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_SCOPE 0x10
#define AML_BUFFER 0x11
#define AML_PACKAGE 0x12
#define AML_EXT_PREFIX 0x5b
#define AML_EXT_DEVICE 0x82
#define AML_ROOT_CHAR '\\'

/* Large resource descriptors (6.4.3) and the end tag (6.4.2.9). */
#define RES_MEMORY32_FIXED 0x86
#define RES_EXT_IRQ 0x89
#define RES_END_TAG 0x79
#define RES_MEM_READ_WRITE 0x01
#define RES_IRQ_CONSUMER 0x01
#define RES_IRQ_EDGE 0x02 /* bits clear: level, active high, exclusive */
/* Memory32Fixed (12) + Extended Interrupt with one IRQ (9) + end tag (2). */
#define VIRTIO_CRS_LEN 23

_Static_assert(ACPI_MAX_DEVS <= 100, "device names VR00..VR99");

/* The output: the caller's buffer, filled from the start. */
struct acpi_buf {
	uint8_t *p;
	size_t len;
	size_t off; /* first byte not yet used */
	uint64_t gpa; /* of p[0] */
	bool full; /* some allocation failed; everything after is skipped */
};

/*
 * `n` zeroed bytes at the next `align`-aligned offset (the padding before
 * them zeroed too, so the output depends on the inputs only), or NULL.
 */
static void *buf_take(struct acpi_buf *b, size_t n, size_t align)
{
	size_t start = ALIGN_UP(b->off, align);

	if (b->full || start > b->len || n > b->len - start) {
		b->full = true;
		return NULL;
	}
	memset(b->p + b->off, 0, start + n - b->off);
	b->off = start + n;
	return b->p + start;
}

static uint64_t buf_gpa(const struct acpi_buf *b, const void *p)
{
	return b->gpa + (uint64_t)((const uint8_t *)p - b->p);
}

static uint8_t checksum(const void *p, size_t n)
{
	const uint8_t *q = p;
	uint8_t sum = 0;

	while (n--)
		sum += *q++;
	return (uint8_t)-sum;
}

static struct acpi_header *table_begin(struct acpi_buf *b, const char sig[4], uint8_t revision,
				       size_t size)
{
	struct acpi_header *h = buf_take(b, size, 8);

	if (!h)
		return NULL;
	memcpy(h->signature, sig, 4);
	h->revision = revision;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 4);
	memcpy(h->oem_table_id + 4, sig, 4);
	h->oem_revision = OEM_REVISION;
	memcpy(h->creator_id, CREATOR_ID, 4);
	h->creator_revision = CREATOR_REVISION;
	return h;
}

/* The table ends where the output does now. */
static void table_end(struct acpi_buf *b, struct acpi_header *h)
{
	if (h)
		h->length = (uint32_t)(b->p + b->off - (uint8_t *)h);
}

static void table_checksum(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = checksum(h, h->length);
}

static void aml_bytes(struct acpi_buf *b, const void *src, size_t n)
{
	void *dst = buf_take(b, n, 1);

	if (dst)
		memcpy(dst, src, n);
}

static void aml_u8(struct acpi_buf *b, uint8_t v)
{
	aml_bytes(b, &v, 1);
}

static void aml_le(struct acpi_buf *b, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		aml_u8(b, (uint8_t)(v >> (8 * i)));
}

/*
 * PkgLength (20.2.4) counts its own bytes, so its size is known only once
 * the package is written: the body goes first, then moves up to make room.
 */
static void aml_pkg_end(struct acpi_buf *b, size_t start)
{
	/* Largest length that 1, 2, 3 and 4 PkgLength bytes encode. */
	static const size_t max[] = { 0x3f, 0xfff, 0xfffff, 0xfffffff };
	size_t body = b->off - start, total;
	unsigned int n = 1;
	uint8_t *p;

	while (n <= ARRAY_SIZE(max) && body + n > max[n - 1])
		n++;
	if (n > ARRAY_SIZE(max) || !buf_take(b, n, 1)) {
		b->full = true;
		return;
	}
	p = b->p + start;
	memmove(p + n, p, body);
	total = body + n;
	if (n == 1) {
		p[0] = (uint8_t)total;
		return;
	}
	/* Lead byte: count of bytes that follow, then the low nibble. */
	p[0] = (uint8_t)((n - 1) << 6 | (total & 0xf));
	for (unsigned int i = 1; i < n; i++)
		p[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
}

static void aml_name(struct acpi_buf *b, const char seg[4])
{
	aml_u8(b, AML_NAME);
	aml_bytes(b, seg, 4);
}

/* The shortest encoding, as iasl writes it. */
static void aml_int(struct acpi_buf *b, uint64_t v)
{
	if (v <= 1) {
		aml_u8(b, v ? AML_ONE : AML_ZERO);
	} else if (v <= 0xff) {
		aml_u8(b, AML_BYTE_PREFIX);
		aml_le(b, v, 1);
	} else if (v <= 0xffff) {
		aml_u8(b, AML_WORD_PREFIX);
		aml_le(b, v, 2);
	} else if (v <= 0xffffffff) {
		aml_u8(b, AML_DWORD_PREFIX);
		aml_le(b, v, 4);
	} else {
		aml_u8(b, AML_QWORD_PREFIX);
		aml_le(b, v, 8);
	}
}

static void aml_string(struct acpi_buf *b, const char *s)
{
	aml_u8(b, AML_STRING_PREFIX);
	aml_bytes(b, s, strlen(s) + 1);
}

/*
 * Device (VRnn) { _HID "LNRO0005", _UID n, _CRS { Memory32Fixed (ReadWrite,
 * base, size), Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive)
 * {irq} } }.  Edge because the VMM signals an interrupt by a pulse (an
 * irqfd or a KVM_IRQ_LINE 1-then-0), not by holding the line while
 * InterruptStatus is set; the driver reads and acknowledges the status in
 * its handler either way.
 */
static void aml_virtio_dev(struct acpi_buf *b, unsigned int n, const struct acpi_mmio_dev *d)
{
	char seg[4] = { 'V', 'R', (char)('0' + n / 10), (char)('0' + n % 10) };
	size_t dev, crs;

	aml_u8(b, AML_EXT_PREFIX);
	aml_u8(b, AML_EXT_DEVICE);
	dev = b->off;
	aml_bytes(b, seg, 4);
	aml_name(b, "_HID");
	aml_string(b, "LNRO0005");
	aml_name(b, "_UID");
	aml_int(b, n);

	aml_name(b, "_CRS");
	aml_u8(b, AML_BUFFER);
	crs = b->off;
	aml_int(b, VIRTIO_CRS_LEN);
	aml_u8(b, RES_MEMORY32_FIXED);
	aml_le(b, 9, 2);
	aml_u8(b, RES_MEM_READ_WRITE);
	aml_le(b, d->base, 4);
	aml_le(b, d->size, 4);
	aml_u8(b, RES_EXT_IRQ);
	aml_le(b, 6, 2);
	aml_u8(b, RES_IRQ_CONSUMER | RES_IRQ_EDGE);
	aml_u8(b, 1); /* interrupt count */
	aml_le(b, d->irq, 4);
	aml_u8(b, RES_END_TAG);
	aml_u8(b, 0); /* checksum 0: "treat as valid" (6.4.2.9) */
	aml_pkg_end(b, crs);

	aml_pkg_end(b, dev);
}

static void build_dsdt_body(struct acpi_buf *b, const struct acpi_config *c)
{
	size_t pkg;

	/*
	 * Linux offers ACPI poweroff only if \_S5 exists and, on a HW-reduced
	 * platform, the FADT has both sleep registers: without it, poweroff
	 * halts the vCPUs and the VM never ends.
	 */
	if (c->pm_port) {
		aml_name(b, "_S5_");
		aml_u8(b, AML_PACKAGE);
		pkg = b->off;
		aml_u8(b, 2); /* SLP_TYPa, SLP_TYPb (unused by sleep registers) */
		aml_int(b, ACPI_S5_SLP_TYP);
		aml_int(b, 0);
		aml_pkg_end(b, pkg);
	}

	aml_u8(b, AML_SCOPE);
	pkg = b->off;
	aml_u8(b, AML_ROOT_CHAR);
	aml_bytes(b, "_SB_", 4);
	for (unsigned int i = 0; i < c->nr_devs; i++)
		aml_virtio_dev(b, i, &c->devs[i]);
	aml_pkg_end(b, pkg);
}

static void fadt_fill(struct acpi_fadt *f, const struct acpi_config *c)
{
	/*
	 * What the VMM does not emulate.  8042 and LEGACY_DEVICES clear:
	 * Linux's i8042 driver does not probe ports 0x60/0x64.  No CMOS RTC:
	 * no rtc_cmos device (6.1 still writes the CMOS shutdown byte through
	 * 0x70/0x71 to start each AP, and reads the clock there when there
	 * is no kvmclock).  No VGA, no MSI (there is no PCI): the truth; 6.1
	 * turns MSI off for it, and vgacon goes by the zero page's
	 * screen_info, not by this flag.
	 */
	f->iapc_boot_arch = BOOT_VGA_NOT_PRESENT | BOOT_MSI_NOT_SUPPORTED |
			    BOOT_PCIE_ASPM_CONTROLS | BOOT_CMOS_RTC_NOT_PRESENT;
	/*
	 * HW-reduced: Linux skips the PIC, the PIT/HPET timer setup and the
	 * SCI, and needs no FACS.  PWR_BUTTON and SLP_BUTTON set say "no
	 * fixed-feature buttons", so that Linux does not register them.
	 */
	f->flags = FADT_HW_REDUCED_ACPI | FADT_PWR_BUTTON | FADT_SLP_BUTTON;
	f->minor_version = 5; /* ACPI 6.5 */
	if (!c->pm_port)
		return;
	/*
	 * Reset register: used by reboot=acpi only.  On a HW-reduced
	 * platform Linux's default is reboot=efi, which without EFI falls
	 * back to a real-mode jump to the BIOS reset vector.
	 */
	f->flags |= FADT_RESET_REG_SUP;
	f->reset_reg = (struct acpi_gas){ GAS_SYSTEM_IO, 8, 0, GAS_ACCESS_BYTE,
					  c->pm_port + ACPI_PM_RESET };
	f->reset_value = ACPI_RESET_VALUE;
	f->sleep_control = (struct acpi_gas){ GAS_SYSTEM_IO, 8, 0, GAS_ACCESS_BYTE,
					      c->pm_port + ACPI_PM_SLEEP_CTL };
	f->sleep_status = (struct acpi_gas){ GAS_SYSTEM_IO, 8, 0, GAS_ACCESS_BYTE,
					     c->pm_port + ACPI_PM_SLEEP_STS };
}

static void madt_fill(struct acpi_buf *b, struct acpi_madt *m, const struct acpi_config *c)
{
	struct madt_ioapic *io;

	m->lapic_address = ACPI_LAPIC_GPA;
	/*
	 * KVM_CREATE_IRQCHIP does create the two 8259s, so PCAT_COMPAT is
	 * true; it tells the OS to mask them, which Linux does by never
	 * setting them up on a HW-reduced platform (6.1 ignores the flag,
	 * newer kernels take it as "the 8259s are there, do not probe").
	 */
	m->flags = MADT_PCAT_COMPAT;
	for (unsigned int i = 0; i < c->nr_cpus; i++) {
		struct madt_lapic *l = buf_take(b, sizeof(*l), 1);

		if (!l)
			return;
		*l = (struct madt_lapic){ .type = 0,
					  .length = sizeof(*l),
					  .uid = (uint8_t)i,
					  .apic_id = (uint8_t)i,
					  .flags = MADT_LAPIC_ENABLED };
	}
	/*
	 * No Interrupt Source Override: KVM's default routing has GSI n on
	 * IOAPIC pin n (IRQ0 included, unlike QEMU's pin 2), Linux uses no
	 * PIT interrupt on a HW-reduced platform, there is no SCI, and the
	 * devices carry their own trigger and polarity in _CRS.  The IOAPIC
	 * ID only needs to differ from the other IOAPICs' (Linux on x86-64
	 * never writes it); after the CPUs' it is unambiguous in messages.
	 */
	io = buf_take(b, sizeof(*io), 1);
	if (io)
		*io = (struct madt_ioapic){ .type = 1,
					    .length = sizeof(*io),
					    .id = (uint8_t)c->nr_cpus,
					    .address = ACPI_IOAPIC_GPA };
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int check_config(const struct acpi_config *c)
{
	if (!c || c->nr_cpus == 0 || c->nr_cpus > ACPI_MAX_CPUS || c->nr_devs > ACPI_MAX_DEVS ||
	    (c->nr_devs && !c->devs) || c->pm_port > 0x10000 - ACPI_PM_PORTS)
		return -EINVAL;
	for (unsigned int i = 0; i < c->nr_devs; i++) {
		const struct acpi_mmio_dev *d = &c->devs[i];

		if (d->irq < ACPI_IRQ_MIN || d->irq > ACPI_IRQ_MAX || !d->size ||
		    d->base >= (1ULL << 32) || d->size > (1ULL << 32) - d->base)
			return -EINVAL;
		/* The IOAPIC page and the interrupt address range (LAPIC, MSI). */
		if (ranges_overlap(d->base, d->size, ACPI_IOAPIC_GPA, 0x1000) ||
		    ranges_overlap(d->base, d->size, ACPI_LAPIC_GPA, 0x100000))
			return -EINVAL;
		for (unsigned int j = 0; j < i; j++) {
			const struct acpi_mmio_dev *e = &c->devs[j];

			if (d->irq == e->irq || ranges_overlap(d->base, d->size, e->base, e->size))
				return -EINVAL;
		}
	}
	return 0;
}

long acpi_build(const struct acpi_config *c, uint64_t gpa, void *buf, size_t len)
{
	struct acpi_buf b = { .p = buf, .len = len, .gpa = gpa };
	struct acpi_header *xsdt, *madt, *dsdt;
	struct acpi_fadt *fadt;
	struct acpi_rsdp *rsdp;
	uint64_t ptrs[2];
	int r;

	r = check_config(c);
	if (r)
		return r;
	if (!buf || !IS_ALIGNED(gpa, 16) || (len && gpa + len - 1 < gpa))
		return -EINVAL;

	/* Placed in order; each is filled as far as it can be now. */
	rsdp = buf_take(&b, sizeof(*rsdp), 16);
	xsdt = table_begin(&b, "XSDT", 1, sizeof(*xsdt) + sizeof(ptrs));
	table_end(&b, xsdt);
	fadt = (struct acpi_fadt *)table_begin(&b, "FACP", 6, sizeof(*fadt));
	if (fadt) {
		fadt_fill(fadt, c);
		table_end(&b, &fadt->h);
	}
	/* Revision 5 (ACPI 6.3+); the two entry types used are ACPI 1.0's. */
	madt = table_begin(&b, "APIC", 5, sizeof(struct acpi_madt));
	if (madt) {
		madt_fill(&b, (struct acpi_madt *)madt, c);
		table_end(&b, madt);
	}
	/* Revision 2: integers in AML are 64-bit. */
	dsdt = table_begin(&b, "DSDT", 2, sizeof(*dsdt));
	if (dsdt) {
		build_dsdt_body(&b, c);
		table_end(&b, dsdt);
	}
	if (b.full)
		return -ENOSPC;

	/* The pointers, then the checksums of the tables that hold them. */
	table_checksum(dsdt);
	table_checksum(madt);
	/* X_DSDT only: a 32-bit DSDT as well would be ignored (5.2.9). */
	fadt->x_dsdt = buf_gpa(&b, dsdt);
	table_checksum(&fadt->h);
	ptrs[0] = buf_gpa(&b, fadt);
	ptrs[1] = buf_gpa(&b, madt);
	memcpy(xsdt + 1, ptrs, sizeof(ptrs));
	table_checksum(xsdt);

	/* No RSDT: a revision-2 RSDP's XSDT is what 64-bit Linux reads. */
	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = buf_gpa(&b, xsdt);
	rsdp->checksum = checksum(rsdp, 20);
	rsdp->ext_checksum = checksum(rsdp, sizeof(*rsdp));
	return (long)b.off;
}
