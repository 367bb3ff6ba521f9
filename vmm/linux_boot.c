// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "linux.h"
#include "linux_boot.h"
#include "virtio_mmio.h"

/* The largest bzImage minisev reads: Debian's are about 8 MiB. */
#define KERNEL_FILE_MAX (128u << 20)
#define MIB2 (2ULL << 20)

/* Everything read and computed before anything is written to the guest. */
struct linux_prep {
	uint8_t *kernel, *initrd;
	size_t kernel_len, initrd_len;
	const char *cmdline;
	struct linux_image img;
	uint8_t acpi[LINUX_ACPI_SIZE];
	long acpi_len;
	struct linux_layout l;
	uint8_t zp[4096];
};

static void *read_input(const char *path, const char *what, size_t max, size_t *len)
{
	void *buf = read_file(path, max, len);

	if (!buf) {
		if (errno == EFBIG)
			pr_err("%s %s: larger than %zu MiB", what, path, max >> 20);
		else
			pr_err("cannot read %s %s: %s", what, path, strerror(errno));
	}
	return buf;
}

/*
 * The BIOS reset vector, 0xffff0: on a hardware-reduced ACPI platform
 * without EFI, Linux's last way to reboot (after a panic with panic=N,
 * say) is a real-mode jump here.  Report it on the ACPI reset port, as
 * the FADT's reset register does, instead of running off into zeros.
 */
static void reset_stub(uint8_t *bios_area)
{
	static const uint8_t stub[] = {
		0xba,
		(ACPI_PM_PORT_DEFAULT + ACPI_PM_RESET) & 0xff,
		(ACPI_PM_PORT_DEFAULT + ACPI_PM_RESET) >> 8, /* mov dx, reset port */
		0xb0,
		ACPI_RESET_VALUE, /* mov al, 6 */
		0xee, /* out dx, al */
		0xf4, /* hlt */
		0xeb,
		0xfd, /* jmp back to hlt */
	};

	_Static_assert(LINUX_ACPI_GPA + LINUX_ACPI_SIZE == 0x100000, "the BIOS area ends at 1 MiB");
	memcpy(bios_area + 0xffff0 - LINUX_ACPI_GPA, stub, sizeof(stub));
}

static void prep_free(struct linux_prep *p)
{
	free(p->kernel);
	free(p->initrd);
	free(p);
}

/* Read and check the files and build the ACPI tables; no layout yet. */
static struct linux_prep *prep_read(struct vm *vm, const struct linux_boot_args *a)
{
	const struct acpi_mmio_dev dev = {
		.base = MINISEV_MMIO_GPA,
		.size = VIRTIO_MMIO_REGION_SIZE,
		.irq = LINUX_CONSOLE_IRQ,
	};
	const struct acpi_config c = {
		.nr_cpus = vm->nr_vcpus,
		.devs = &dev,
		.nr_devs = 1,
		.pm_port = ACPI_PM_PORT_DEFAULT,
	};
	struct linux_prep *p = calloc(1, sizeof(*p));
	char err[256];

	if (!p) {
		pr_err("out of memory");
		return NULL;
	}
	p->cmdline = linux_cmdline(a);
	p->kernel = read_input(a->kernel, "kernel", KERNEL_FILE_MAX, &p->kernel_len);
	if (!p->kernel)
		goto fail;
	if (linux_parse(p->kernel, p->kernel_len, &p->img, err, sizeof(err))) {
		pr_err("kernel %s: %s", a->kernel, err);
		goto fail;
	}
	if (a->initrd) {
		p->initrd = read_input(a->initrd, "initrd", vm->gm.size, &p->initrd_len);
		if (!p->initrd)
			goto fail;
		if (!p->initrd_len) {
			pr_err("initrd %s is empty", a->initrd);
			goto fail;
		}
	}
	p->acpi_len = acpi_build(&c, LINUX_ACPI_GPA, p->acpi, sizeof(p->acpi));
	if (p->acpi_len < 0) {
		pr_err("building the ACPI tables: %s", strerror(-p->acpi_len));
		goto fail;
	}
	reset_stub(p->acpi);
	p->acpi_len = LINUX_ACPI_SIZE; /* the whole BIOS area, up to the reset vector */
	return p;
fail:
	prep_free(p);
	return NULL;
}

static int prep_plan(struct linux_prep *p, const struct linux_boot_args *a,
		     struct linux_plan_in *in)
{
	char err[256];

	in->initrd_size = p->initrd_len;
	in->cmdline_len = strlen(p->cmdline) + 1;
	in->acpi_gpa = LINUX_ACPI_GPA;
	if (linux_plan(&p->img, in, &p->l, err, sizeof(err))) {
		pr_err("kernel %s: %s", a->kernel, err);
		return -EINVAL;
	}
	linux_zero_page(&p->img, &p->l, p->zp);
	pr_debug("kernel %s: protocol %u.%02u, %zu bytes, runs at %#llx (entry %#llx, init_size "
		 "%#x)",
		 a->kernel, p->img.version >> 8, p->img.version & 0xff, p->kernel_len,
		 (unsigned long long)p->l.kernel_gpa, (unsigned long long)p->l.entry,
		 p->img.init_size);
	if (p->initrd_len)
		pr_debug("initrd %s: %zu bytes at %#llx", a->initrd, p->initrd_len,
			 (unsigned long long)p->l.initrd_gpa);
	pr_debug("command line: %s", p->cmdline);
	return 0;
}

int linux_boot_load(struct vm *vm, const struct linux_boot_args *a, struct boot_entry *e)
{
	struct linux_plan_in in = { .ram_size = vm->gm.size, .himem_start = 1ULL << 20 };
	struct linux_prep *p = prep_read(vm, a);
	uint64_t gdt[LINUX_GDT_ENTRIES];
	const uint8_t *pm;
	size_t pm_len;
	int ret = -EINVAL;

	if (!p)
		return -EINVAL;
	if (prep_plan(p, a, &in))
		goto out;
	pm = linux_pm(&p->img, &pm_len);
	linux_gdt(gdt);
	ret = gm_write(&vm->gm, p->l.kernel_gpa, pm, pm_len, GM_ANY);
	if (!ret && p->initrd_len)
		ret = gm_write(&vm->gm, p->l.initrd_gpa, p->initrd, p->initrd_len, GM_ANY);
	if (!ret)
		ret = gm_write(&vm->gm, p->l.cmdline_gpa, p->cmdline, p->l.cmdline_len, GM_ANY);
	if (!ret)
		ret = gm_write(&vm->gm, p->l.zero_page_gpa, p->zp, sizeof(p->zp), GM_ANY);
	if (!ret)
		ret = gm_write(&vm->gm, LINUX_ACPI_GPA, p->acpi, p->acpi_len, GM_ANY);
	if (!ret)
		ret = gm_write(&vm->gm, LINUX_GDT_GPA, gdt, sizeof(gdt), GM_ANY);
	/* The identity map the 64-bit protocol asks for (boot.rst), page 0 included. */
	if (!ret)
		ret = boot_build_pgtables(&vm->gm, 0);
	if (!ret)
		ret = boot_map_page0(&vm->gm, 0);
	if (ret) {
		pr_err("writing the kernel into guest memory: %s", strerror(-ret));
		goto out;
	}
	memset(e, 0, sizeof(*e));
	e->rip = p->l.entry;
	e->rsi = p->l.zero_page_gpa;
	e->cr3 = MINISEV_PGTABLE_GPA;
	e->cs = LINUX_BOOT_CS;
	e->ds = LINUX_BOOT_DS;
	e->gdt_base = LINUX_GDT_GPA;
	e->gdt_limit = sizeof(gdt) - 1;
out:
	prep_free(p);
	return ret;
}

/* Append a blob to the staging area at *at (16-byte steps), naming its destination. */
static int stage(struct vm *vm, uint64_t *at, const void *src, size_t len, uint64_t dst,
		 struct minisev_blob *b)
{
	int ret = len ? gm_write(&vm->gm, *at, src, len, GM_ANY) : 0;

	*b = (struct minisev_blob){ .src = len ? *at : 0, .size = len, .dst = len ? dst : 0 };
	*at += ALIGN_UP(len, 16);
	return ret;
}

/* One byte changed in the staged copy, after the measured table was built. */
static int tamper(struct vm *vm, const struct minisev_blob *b, const char *what)
{
	uint8_t *p = gm_ptr(&vm->gm, b->src + b->size / 2, 1, GM_ANY);

	if (!b->size || !p) {
		pr_err("provoke: there is no %s to change", what);
		return -EINVAL;
	}
	*p ^= 0x01;
	pr_info("provoke: changed byte %#llx of the staged %s after the hashes were measured",
		(unsigned long long)b->size / 2, what);
	return 0;
}

int linux_boot_stage(struct vm *vm, const struct linux_boot_args *a)
{
	struct linux_plan_in in = {
		.ram_size = vm->gm.size,
		.himem_start = MINISEV_SHARED_GPA + MINISEV_SHARED_SIZE,
	};
	struct linux_prep *p = prep_read(vm, a);
	struct minisev_linux_desc d = {
		.magic = MINISEV_LINUX_MAGIC,
		.version = MINISEV_ABI_VERSION,
	};
	uint64_t at, total;
	int ret = -EINVAL;

	if (!p)
		return -EINVAL;
	total = ALIGN_UP(p->kernel_len, 16) + ALIGN_UP(p->initrd_len, 16) +
		ALIGN_UP(strlen(p->cmdline) + 1, 16) + sizeof(p->zp) + ALIGN_UP(p->acpi_len, 16);
	d.staging_size = ALIGN_UP(total, MIB2);
	/* The staging area starts at the next 2 MiB above the kernel's runtime memory. */
	in.gap = d.staging_size + MIB2;
	if (prep_plan(p, a, &in))
		goto out;
	d.staging_gpa = ALIGN_UP(p->l.kernel_end, MIB2);
	at = d.staging_gpa;
	/* The whole file, so that its protected-mode part lands where it runs. */
	ret = stage(vm, &at, p->kernel, p->kernel_len, p->l.kernel_gpa - p->img.setup_len,
		    &d.kernel);
	if (!ret)
		ret = stage(vm, &at, p->initrd, p->initrd_len, p->l.initrd_gpa, &d.initrd);
	if (!ret)
		ret = stage(vm, &at, p->cmdline, p->l.cmdline_len, p->l.cmdline_gpa, &d.cmdline);
	if (!ret)
		ret = stage(vm, &at, p->zp, sizeof(p->zp), p->l.zero_page_gpa, &d.zero_page);
	if (!ret)
		ret = stage(vm, &at, p->acpi, p->acpi_len, LINUX_ACPI_GPA, &d.acpi);
	if (!ret)
		ret = gm_write(&vm->gm, MINISEV_SHARED_GPA + MINISEV_SHARED_LINUX_OFF, &d,
			       sizeof(d), GM_ANY);
	if (ret) {
		pr_err("staging the kernel in guest memory: %s", strerror(-ret));
		goto out;
	}
	pr_debug("staged %llu bytes at %#llx for the verifier", (unsigned long long)total,
		 (unsigned long long)d.staging_gpa);
	if (a->tamper == LINUX_TAMPER_KERNEL)
		ret = tamper(vm, &d.kernel, "kernel");
	else if (a->tamper == LINUX_TAMPER_INITRD)
		ret = tamper(vm, &d.initrd, "initrd");
	else if (a->tamper == LINUX_TAMPER_CMDLINE)
		ret = tamper(vm, &d.cmdline, "command line");
out:
	prep_free(p);
	return ret;
}
