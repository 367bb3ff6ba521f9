/* SPDX-License-Identifier: MIT */
/*
 * SEV detection and the per-CPU GHCB pages.
 *
 * The boot-info page says how the VMM launched us; under SEV it is
 * measured, so it is what the guest owner signed off.  CPUID and the
 * SEV_STATUS MSR say what the hardware does.  sev_init() reads all three
 * and insists that they agree: a hypervisor that claims SEV in one place
 * and not in another, or moves the C-bit, is caught before any test runs.
 * The I/O path follows the hardware (SEV_STATUS), so that even a lying
 * hypervisor gets to hear why the run ends.
 */
#ifndef FW_SEV_H
#define FW_SEV_H

#include "fw.h"
#include "ghcb.h"

#define MSR_SEV_STATUS_SEV (1ULL << 0) /* APM vol. 2, "SEV_STATUS MSR" */
#define MSR_SEV_STATUS_ES (1ULL << 1)
#define CPUID_8000001F_SEV (1u << 1) /* EAX: SEV supported */
#define CPUID_8000001F_ES (1u << 3) /* EAX: SEV-ES supported */

struct fw_sev_state {
	bool claimed_sev, claimed_es; /* boot-info flags */
	unsigned int boot_cbit;
	uint32_t cpuid_max_ext; /* CPUID 0x80000000 EAX */
	struct cpuid_regs leaf; /* CPUID 0x8000001f, zeros when out of range */
	bool status_read; /* SEV_STATUS could be read (no #GP) */
	uint64_t status;
	bool sev, es; /* what SEV_STATUS says: the I/O path follows this */
	/* SEV-ES: the GHCB MSR protocol's SEV information (spec 2.3.1). */
	bool ghcb_info;
	uint16_t ghcb_hv_min, ghcb_hv_max;
	unsigned int ghcb_cbit;
	uint64_t ghcb_base; /* GPA of CPU 0's GHCB page */
};

extern struct fw_sev_state fw_sev;

/*
 * On the BSP, after boot_parse() (`boot_ok`: the boot info is sound),
 * before the console: detect, cross-check, set up the GHCB pages and the
 * I/O path.  Returns NULL, or every disagreement found, for a loud panic
 * once the console works.
 */
const char *sev_init(bool boot_ok);

/* SEV_STATUS by RDMSR: never a #VC, but a #GP where SEV does not exist. */
uint64_t sev_status_read(void);

/* This CPU's GHCB, or NULL when there is none (not SEV-ES, or too early). */
struct ghcb_cpu *sev_ghcb(void);
struct ghcb_cpu *sev_ghcb_of(unsigned int cpu);

/*
 * Report a failed GHCB request (enum ghcb_ret `ret`) and end the run: a
 * GHCB_E_EXCEPTION is raised as that exception instead.  `what` names the
 * request.  Releases `c` first.
 */
void __noreturn sev_ghcb_fatal(struct ghcb_cpu *c, int ret, const char *what);

/* A leaf of the page tables, as the CPU would find it for `va`. */
struct pt_leaf {
	uint64_t pte;
	unsigned int level; /* 1: 4 KiB, 2: 2 MiB, 3: 1 GiB */
	uint64_t pa;
};

/* Walk the live page tables (CR3).  False when `va` is not mapped. */
bool pt_lookup(uint64_t va, struct pt_leaf *leaf);
/* Whether the leaf maps `va` private (C-bit set); false without SEV. */
bool pt_private(const struct pt_leaf *leaf);

#endif /* FW_SEV_H */
