// SPDX-License-Identifier: MIT
/*
 * From the common entry (entry.S) to the test runner: boot info, console,
 * banner, APs, tests, verdict.
 */
#include "fw.h"
#include "boot.h"
#include "idt.h"
#include "ghcb.h"
#include "io.h"
#include "verifier.h"
#include "sev.h"
#include "smp.h"
#include "test.h"
#include "virtio_console.h"

_Static_assert(FW_BASE == MINISEV_FW_BASE, "layout.h disagrees with abi.h");
_Static_assert(FW_LIMIT == MINISEV_FW_LIMIT, "layout.h disagrees with abi.h");
_Static_assert(FW_MAX_CPUS == MINISEV_MAX_VCPUS, "layout.h disagrees with abi.h");
_Static_assert(FW_PORT_EXIT == MINISEV_PORT_EXIT, "layout.h disagrees with abi.h");
_Static_assert(FW_EXIT_CRASH == MINISEV_EXIT_CRASH, "layout.h disagrees with abi.h");
_Static_assert(FW_JMPBUF_RIP == __builtin_offsetof(struct fault_jmpbuf, rip),
	       "layout.h disagrees with idt.h");
_Static_assert(FW_JMPBUF_RSP == __builtin_offsetof(struct fault_jmpbuf, rsp),
	       "layout.h disagrees with idt.h");
_Static_assert(MINISEV_SHARED_VIRTIO_OFF + VCON_AREA_SIZE <= MINISEV_SHARED_SIZE,
	       "the console does not fit the shared window");
_Static_assert(MINISEV_SHARED_GHCB_OFF + FW_MAX_CPUS * 4096 <= MINISEV_SHARED_VIRTIO_OFF,
	       "the GHCB pages do not fit before the virtio area");
_Static_assert(FW_BOOT_FLAGS_OFF == __builtin_offsetof(struct minisev_boot_info, flags),
	       "layout.h disagrees with abi.h");
_Static_assert(FW_BOOT_F_SEV_ES == MINISEV_BOOT_F_SEV_ES, "layout.h disagrees with abi.h");
_Static_assert(FW_GHCB_MSR == MSR_GHCB, "layout.h disagrees with ghcb.h");
_Static_assert(FW_TERM_SET == MINISEV_TERM_SET &&
		       FW_TERM_LINUX_KERNEL == MINISEV_TERM_LINUX_KERNEL &&
		       FW_TERM_LINUX_INITRD == MINISEV_TERM_LINUX_INITRD &&
		       FW_TERM_LINUX_CMDLINE == MINISEV_TERM_LINUX_CMDLINE,
	       "layout.h disagrees with abi.h");

void fw_bsp_early(void);
void __noreturn fw_cpu_entry(unsigned int cpu, uint64_t boot_gpa);

void __noreturn fw_exit(uint32_t verdict)
{
	if (verdict == MINISEV_EXIT_CRASH)
		fw_crash(FW_TERM_CRASH);
	/* Under SEV-ES this OUT is a GHCB request like any other (io.c). */
	io_out32(MINISEV_PORT_EXIT, verdict);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

void __noreturn fw_crash(unsigned int reason)
{
	struct ghcb_cpu *c;

	if (!io_ghcb_active()) {
		io_out32(MINISEV_PORT_EXIT, MINISEV_EXIT_CRASH);
		for (;;)
			__asm__ __volatile__("cli; hlt");
	}
	/*
	 * SEV-ES: a termination request with the reason (GHCB spec 2.3.1),
	 * which KVM turns into KVM_SYSTEM_EVENT_SEV_TERM carrying the raw
	 * MSR value.  The MSR protocol first: it needs no page and every
	 * KVM with SEV-ES serves it.  Should the hypervisor resume us, the
	 * termination NAE event, then park.
	 */
	ghcb_msr_terminate(FW_TERM_SET, reason);
	c = sev_ghcb();
	if (c) {
		c->busy = true;
		ghcb_terminate(c, FW_TERM_SET, reason);
	}
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

void __noreturn fw_panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("Bail out! %s\n", msg);
	fw_exit(MINISEV_EXIT_CRASH);
}

/* Called by entry.S on the BSP with .bss zeroed, before the APs run. */
void fw_bsp_early(void)
{
	idt_init();
}

static const char *sev_mode(void)
{
	if (fw_sev_es_active())
		return "SEV-ES on";
	if (fw_sev_active())
		return "SEV on";
	return "SEV off";
}

static void sev_report(void)
{
	const struct fw_sev_state *s = &fw_sev;

	if (!s->status_read)
		return;
	printf("# SEV: SEV_STATUS 0x%lx, CPUID 0x8000001f eax 0x%x ebx 0x%x, C-bit %u", s->status,
	       s->leaf.eax, s->leaf.ebx, fw_boot.cbit);
	if (s->es)
		printf(", GHCB protocol %u (hypervisor %u-%u), GHCB pages at 0x%lx", ghcb_version,
		       s->ghcb_hv_min, s->ghcb_hv_max, s->ghcb_base);
	printf("\n");
}

static void __noreturn fw_main(uint64_t boot_gpa)
{
	const char *err = boot_parse(boot_gpa), *why, *sev_err;
	uint64_t mmio, area;
	unsigned int online;

	/* Before the first I/O: under SEV-ES that I/O goes through the GHCB. */
	sev_err = sev_init(!err);
	boot_console(&mmio, &area);
	if (vcon_init(mmio, area, !err && fw_sev_active(), &why))
		fw_crash(FW_TERM_CRASH); /* nowhere to say why */

	printf("TAP version 13\n");
	if (err)
		fw_panic("bad boot info: %s", err);
	printf("# minisev firmware %s: %u vCPUs, RAM %lu MiB, %s\n", FW_VERSION, fw_nr_cpus,
	       fw_boot.ram_size >> 20, sev_mode());
	sev_report();
	/* A hypervisor that lies about SEV must not get a passing run. */
	if (sev_err) {
		printf("# SEV check failed: %s\n", sev_err);
		printf("Bail out! SEV state disagrees between boot info, CPUID and SEV_STATUS\n");
		fw_crash(FW_TERM_SEV_MISMATCH);
	}

	/* Linux starts its own APs: they wait for its INIT-SIPI, not for us. */
	if (fw_boot.flags & MINISEV_BOOT_F_LINUX)
		linux_boot();

	online = smp_wait_online();
	if (online != fw_nr_cpus - 1)
		printf("# only %u of %u APs came up\n", online, fw_nr_cpus - 1);

	fw_exit(runner_main(fw_boot.tests));
}

void __noreturn fw_cpu_entry(unsigned int cpu, uint64_t boot_gpa)
{
	idt_load();
	if (cpu)
		ap_main(cpu);
	fw_main(boot_gpa);
}
