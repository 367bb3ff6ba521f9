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

void fw_bsp_early(void);
void __noreturn fw_cpu_entry(unsigned int cpu, uint64_t boot_gpa);

void __noreturn fw_exit(uint32_t verdict)
{
	/*
	 * Under SEV-ES a crash ends through the GHCB's termination request,
	 * with the verdict as its reason, as the GHCB specification asks.
	 */
	if (fw_sev_es_active() && verdict == MINISEV_EXIT_CRASH)
		ghcb_terminate(verdict);
	io_out32(MINISEV_PORT_EXIT, verdict);
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

static void __noreturn fw_main(uint64_t boot_gpa)
{
	const char *err = boot_parse(boot_gpa), *why;
	uint64_t mmio, area;
	unsigned int online;

	boot_console(&mmio, &area);
	if (vcon_init(mmio, area, !err && fw_sev_active(), &why))
		fw_exit(MINISEV_EXIT_CRASH); /* nowhere to say why */

	printf("TAP version 13\n");
	if (err)
		fw_panic("bad boot info: %s", err);
	printf("# minisev firmware %s: %u vCPUs, RAM %lu MiB, %s\n", FW_VERSION, fw_nr_cpus,
	       fw_boot.ram_size >> 20, sev_mode());

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
