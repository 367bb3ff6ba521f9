// SPDX-License-Identifier: MIT
/*
 * SEV guest tests: what the guest can check about its own encryption.
 * Without SEV they skip with "not an SEV guest"; guest-tests/run --sev and
 * scripts/tests/sev-launch.sh run them under the SEV model.
 *
 *   sev_status   CPUID, SEV_STATUS, boot info (and under SEV-ES the GHCB's
 *                SEV information) tell one story; the page tables map
 *                private memory with the C-bit and the shared window,
 *                GHCB pages and MMIO without it
 *   sev_private  what the guest writes to private memory, the host cannot
 *                read; what it writes to the shared window, it can
 *   sev_secret   (explicit) the LAUNCH_SECRET's secret table, parsed with
 *                every length checked, each entry printed
 *   sev_es_vc    (explicit) raw CPUID, IN, OUT and MMIO instructions under
 *                SEV-ES, served by the #VC handler
 *   sev_es_vc_no_idt (explicit) a raw IN with no IDT under SEV-ES: the #VC
 *                cannot be delivered, the guest shuts down
 */
#include "minisev/abi.h"

#include "boot.h"
#include "ghcb.h"
#include "idt.h"
#include "io.h"
#include "req.h"
#include "sev.h"
#include "test.h"
#include "vc.h"
#include "virtio_console.h"

/* ---- sev_status ---- */

static unsigned int pt_checked;

/* `va` must be mapped, identity, with the C-bit as `want_private` says. */
static void check_pte(const char *what, uint64_t va, bool want_private)
{
	struct pt_leaf leaf;

	pt_checked++;
	if (!check(pt_lookup(va, &leaf), "%s (0x%lx) is not mapped", what, va))
		return;
	check(leaf.pa == va, "%s (0x%lx) maps 0x%lx", what, va, leaf.pa);
	check(pt_private(&leaf) == want_private, "%s (0x%lx): PTE 0x%lx has the C-bit %s", what, va,
	      leaf.pte,
	      want_private ? "clear: private memory mapped shared" :
			     "set: shared memory mapped private");
}

static __attribute__((noinline)) bool read_sev_status(uint64_t *v)
{
	if (!fault_try(X86_VEC_GP)) {
		*v = sev_status_read();
		fault_disarm();
		return true;
	}
	return false;
}

static void check_mappings(void)
{
	static uint64_t in_bss;
	uint64_t shared = fw_boot.shared_gpa, on_stack = 0, *free_page = test_alloc(PAGE_SIZE);
	unsigned int cpu;

	pt_checked = 0;
	/* Private: everything the guest owns. */
	check_pte("boot-info page", MINISEV_BOOT_INFO_GPA, true);
	check_pte("page tables", fw_boot.pgtable_gpa, true);
	check_pte("secret page", MINISEV_SECRET_GPA, true);
	check_pte("firmware text", (uint64_t)__fw_start, true);
	check_pte("firmware .bss", (uint64_t)&in_bss, true);
	check_pte("this CPU's stack", (uint64_t)&on_stack, true);
	if (free_page)
		check_pte("free RAM", (uint64_t)free_page, true);
	check_pte("last page of RAM", fw_boot.ram_size - PAGE_SIZE, true);
	/* Shared: everything the host must read. */
	check_pte("shared window", shared, false);
	check_pte("request page", shared + MINISEV_SHARED_REQ_OFF, false);
	check_pte("virtio rings", shared + MINISEV_SHARED_VIRTIO_OFF, false);
	check_pte("end of the shared window", shared + fw_boot.shared_size - PAGE_SIZE, false);
	if (fw_sev.es)
		for (cpu = 0; cpu < fw_nr_cpus; cpu++)
			check_pte("GHCB page", sev_ghcb_of(cpu)->gpa, false);
	check_pte("console MMIO", fw_boot.nr_devs ? fw_boot.devs[0].gpa : MINISEV_MMIO_GPA, false);
}

/* Under SEV-ES: the GHCB as negotiated, and both CPUID paths agree. */
static void check_ghcb(const struct cpuid_regs *leaf)
{
	struct ghcb_cpu *c = sev_ghcb();
	struct cpuid_regs msr_proto;
	int ret;

	if (!check(c, "no GHCB for this CPU"))
		return;
	check(c->gpa == fw_boot.shared_gpa + MINISEV_SHARED_GHCB_OFF + this_cpu() * PAGE_SIZE,
	      "GHCB at 0x%lx, not where the ABI puts it", c->gpa);
	check(ghcb_version >= GHCB_VERSION_MIN && ghcb_version <= GHCB_VERSION_MAX &&
		      ghcb_version == MIN(fw_sev.ghcb_hv_max, GHCB_VERSION_MAX),
	      "GHCB version %u with a hypervisor speaking %u-%u", ghcb_version, fw_sev.ghcb_hv_min,
	      fw_sev.ghcb_hv_max);
	check(fw_sev.ghcb_cbit == fw_boot.cbit, "C-bit: GHCB SEV information %u, boot info %u",
	      fw_sev.ghcb_cbit, fw_boot.cbit);
	ret = ghcb_msr_cpuid(0x8000001f, &msr_proto);
	if (check(!ret, "MSR-protocol CPUID: %s", ghcb_strerror(ret)))
		check(!memcmp(&msr_proto, leaf, sizeof(*leaf)),
		      "CPUID 0x8000001f: GHCB page says eax 0x%x ebx 0x%x, MSR protocol eax 0x%x "
		      "ebx 0x%x",
		      leaf->eax, leaf->ebx, msr_proto.eax, msr_proto.ebx);
	diag("GHCB protocol %u (hypervisor %u-%u), page 0x%lx", ghcb_version, fw_sev.ghcb_hv_min,
	     fw_sev.ghcb_hv_max, c->gpa);
}

GUEST_TEST(sev_status, 0)
{
	bool boot_sev = fw_boot.flags & MINISEV_BOOT_F_SEV;
	bool boot_es = fw_boot.flags & MINISEV_BOOT_F_SEV_ES;
	struct cpuid_regs leaf = { 0 };
	uint64_t status = 0;
	bool cpu_sev, readable;

	/* Asked again now (through the GHCB under SEV-ES), compared with boot time. */
	if (cpuid(0x80000000, 0).eax >= 0x8000001f)
		leaf = cpuid(0x8000001f, 0);
	cpu_sev = leaf.eax & CPUID_8000001F_SEV;
	if (!cpu_sev && !boot_sev) {
		check(!fw_sev.sev, "SEV was on at boot, CPUID now says it does not exist");
		return test_result() == TEST_PASS ? test_skip("not an SEV guest") : TEST_FAIL;
	}
	/* SEV_STATUS is a #GP where SEV does not exist: read it only when told it does. */
	readable = read_sev_status(&status);
	diag("SEV_STATUS 0x%lx, CPUID 0x8000001f eax 0x%x ebx 0x%x, boot info flags 0x%x C-bit %u",
	     status, leaf.eax, leaf.ebx, fw_boot.flags, fw_boot.cbit);
	check(readable, "SEV_STATUS is a #GP");
	check(!memcmp(&leaf, &fw_sev.leaf, sizeof(leaf)) && status == fw_sev.status,
	      "the answers changed since boot: CPUID eax 0x%x ebx 0x%x was 0x%x 0x%x, "
	      "SEV_STATUS 0x%lx was 0x%lx",
	      leaf.eax, leaf.ebx, fw_sev.leaf.eax, fw_sev.leaf.ebx, status, fw_sev.status);
	check(cpu_sev, "boot info says SEV, CPUID 0x8000001f does not");
	check(!!(status & MSR_SEV_STATUS_SEV) == boot_sev, "SEV: SEV_STATUS says %d, boot info %d",
	      !!(status & MSR_SEV_STATUS_SEV), boot_sev);
	check(!!(status & MSR_SEV_STATUS_ES) == boot_es, "SEV-ES: SEV_STATUS says %d, boot info %d",
	      !!(status & MSR_SEV_STATUS_ES), boot_es);
	check(!boot_es || (leaf.eax & CPUID_8000001F_ES),
	      "SEV-ES on, CPUID says it does not exist");
	check((leaf.ebx & 0x3f) == fw_boot.cbit, "C-bit: CPUID says %u, boot info %u",
	      leaf.ebx & 0x3f, fw_boot.cbit);
	/* Above the 32-bit GPAs we use, below the 52 bits a PTE can hold. */
	check(fw_boot.cbit >= 32 && fw_boot.cbit <= 51, "C-bit %u out of range", fw_boot.cbit);
	if (!(status & MSR_SEV_STATUS_SEV))
		return test_result();
	check((read_cr3() >> fw_boot.cbit) & 1, "CR3 0x%lx: the PML4 is not read private",
	      read_cr3());

	check_mappings();
	if (status & MSR_SEV_STATUS_ES)
		check_ghcb(&leaf);
	diag("%u mappings checked: private memory with the C-bit, shared without", pt_checked);
	return test_result();
}

/* ---- sev_private ---- */

static uint64_t cookie(void)
{
	/* Differs per boot; odd so that it never equals zeroed memory. */
	return (rdtsc() * 0x9e3779b97f4a7c15ULL) | 1;
}

static uint64_t private_word;

static int peek(uint64_t gpa, uint64_t len, uint64_t value, uint64_t *found)
{
	*found = 2;
	return host_req(MINISEV_REQ_HOST_PEEK, gpa, len, value, found, NULL);
}

/*
 * A value written to private memory must not appear in the host's view of
 * it; the same value written to the shared window must: that second half
 * proves the check itself can see.
 */
GUEST_TEST(sev_private, 0)
{
	uint64_t c = cookie(), found;
	uint64_t *scratch = test_alloc(PAGE_SIZE);
	volatile uint64_t *shared =
		(volatile uint64_t *)(fw_boot.shared_gpa + fw_boot.shared_size - PAGE_SIZE);
	int st;

	if (!fw_sev_active())
		return test_skip("not an SEV guest");
	if (!check(scratch, "no free RAM for the test"))
		return test_result();

	*(volatile uint64_t *)&private_word = c;
	st = peek((uint64_t)&private_word, 8, c, &found);
	check(st == MINISEV_REQ_OK && found == 0,
	      "the host sees a private .bss word in plaintext (status %d, found %lu)", st, found);

	scratch[17] = c;
	st = peek((uint64_t)scratch, PAGE_SIZE, c, &found);
	check(st == MINISEV_REQ_OK && found == 0,
	      "the host sees a private page of free RAM in plaintext (status %d, found %lu)", st,
	      found);

	*shared = c;
	st = peek((uint64_t)shared, 8, c, &found);
	check(st == MINISEV_REQ_OK && found == 1,
	      "the host does not see a shared word: the check is blind (status %d, found %lu)", st,
	      found);
	*shared = 0;
	*(volatile uint64_t *)&private_word = 0;
	diag("0x%lx: hidden in .bss at 0x%lx and free RAM at 0x%lx, seen in the shared window", c,
	     (uint64_t)&private_word, (uint64_t)scratch);
	return test_result();
}

/* ---- sev_secret ---- */

/* The secret table GUID of sevctl and OVMF, 1e74f542-71dd-4d66-963e-ef4287ff173b, bytes_le. */
static const uint8_t secret_table_guid[16] = { 0x42, 0xf5, 0x74, 0x1e, 0xdd, 0x71, 0x66, 0x4d,
					       0x96, 0x3e, 0xef, 0x42, 0x87, 0xff, 0x17, 0x3b };

#define SECRET_HDR 20 /* GUID + u32 length, for the table and for each entry */
#define SECRET_PRINT_MAX 512

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* GUIDs are stored bytes_le: the first three fields little-endian. */
static void guid_str(const uint8_t *g, char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12],
		 g[13], g[14], g[15]);
}

static uint8_t secret_copy[MINISEV_SECRET_SIZE];
static char secret_hex[2 * SECRET_PRINT_MAX + 1];

/*
 * The LAUNCH_SECRET the guest owner injected, read from private memory: a
 * secret table (GUID, total length, then entries of GUID, length
 * including the 20-byte entry header, data).  Copied first, then every
 * length checked against what is left before it is used.
 */
GUEST_TEST(sev_secret, GT_EXPLICIT)
{
	uint64_t size = MIN(fw_boot.secret_size, (uint64_t)sizeof(secret_copy));
	uint32_t total, off = SECRET_HDR, n = 0;
	char guid[37];

	if (!fw_sev_active())
		return test_skip("not an SEV guest");
	if (!check(fw_boot.secret_gpa && size >= SECRET_HDR, "boot info has no secret area"))
		return test_result();
	memcpy(secret_copy, (const void *)fw_boot.secret_gpa, size);
	if (memcmp(secret_copy, secret_table_guid, 16)) {
		check(false, "no launch secret (no secret table GUID at 0x%lx)",
		      fw_boot.secret_gpa);
		return test_result();
	}
	total = le32(secret_copy + 16);
	if (!check(total >= SECRET_HDR && total <= size, "secret table length %u outside [%u, %lu]",
		   total, SECRET_HDR, size))
		return test_result();
	while (off < total) {
		const uint8_t *e = secret_copy + off;
		uint32_t len, i;

		if (!check(total - off >= SECRET_HDR, "entry %u at %u: truncated header", n, off))
			break;
		len = le32(e + 16);
		if (!check(len >= SECRET_HDR && len <= total - off,
			   "entry %u at %u: length %u outside [%u, %u]", n, off, len, SECRET_HDR,
			   total - off))
			break;
		guid_str(e, guid);
		for (i = 0; i < len - SECRET_HDR && i < SECRET_PRINT_MAX; i++)
			snprintf(secret_hex + 2 * i, 3, "%02x", e[SECRET_HDR + i]);
		secret_hex[2 * i] = '\0';
		/* One line per entry, for the host to match: "# secret GUID LEN HEX". */
		printf("# secret %s %u %s%s\n", guid, len - SECRET_HDR, secret_hex,
		       len - SECRET_HDR > SECRET_PRINT_MAX ? "..." : "");
		off += len;
		n++;
	}
	check(n > 0, "the secret table has no entries");
	diag("%u secrets in a %u-byte table at 0x%lx", n, total, fw_boot.secret_gpa);
	return test_result();
}

/* ---- sev_es_vc ---- */

static unsigned int vc_now(void)
{
	return READ_ONCE(vc_count[this_cpu()]);
}

/*
 * Under SEV-ES the plain instructions raise #VC; the handler must serve
 * each one exactly once and give the result the explicit GHCB request
 * gives.  The minisev model raises #VC for port I/O, MMIO and MSRs as the
 * CPU does (KVM's exits for them come to userspace), but cannot for CPUID,
 * which KVM answers in the kernel: there CPUID does not trap, and the
 * test says so instead of checking it.
 */
GUEST_TEST(sev_es_vc, GT_EXPLICIT)
{
	uint32_t a = 0x8000001f, b, c = 0, d, v;
	struct cpuid_regs ref;
	uint64_t magic_gpa = fw_boot.nr_devs ? fw_boot.devs[0].gpa : MINISEV_MMIO_GPA;
	volatile struct minisev_req *rq = (volatile struct minisev_req *)boot_req_page(this_cpu());
	unsigned int before;
	bool cpuid_vc;
	uint32_t lo, hi;
	uint64_t apic_base;

	if (!fw_sev_es_active())
		return test_skip("not an SEV-ES guest");

	before = vc_now();
	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	cpuid_vc = vc_now() != before;
	ref = cpuid(0x8000001f, 0);
	if (cpuid_vc)
		check(vc_now() == before + 1, "CPUID: %u #VC, expected 1", vc_now() - before);
	else
		diag("CPUID raised no #VC (the model: KVM answers CPUID in the kernel)");
	check(a == ref.eax && b == ref.ebx && c == ref.ecx && d == ref.edx,
	      "CPUID 0x8000001f directly eax 0x%x ebx 0x%x, by GHCB eax 0x%x ebx 0x%x", a, b,
	      ref.eax, ref.ebx);

	/* IN from the exit port reads all ones (VMM testdev). */
	before = vc_now();
	v = 0x12345678;
	__asm__ __volatile__("inb %%dx, %%al" : "+a"(v) : "d"(MINISEV_PORT_EXIT) : "memory");
	check(vc_now() == before + 1 && v == 0x123456ff, "IN: %u #VC, EAX 0x%x", vc_now() - before,
	      v);

	/*
	 * RDMSR and WRMSR of APIC_BASE, which KVM always intercepts (unlike
	 * EFER or PAT under SEV-ES): the value the GHCB request reads, and
	 * written back unchanged.
	 */
	before = vc_now();
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_APIC_BASE) : "memory");
	apic_base = msr_read(MSR_APIC_BASE);
	check(vc_now() == before + 1 && ((uint64_t)hi << 32 | lo) == apic_base,
	      "RDMSR: %u #VC, 0x%lx directly, 0x%lx by GHCB", vc_now() - before,
	      (uint64_t)hi << 32 | lo, apic_base);
	before = vc_now();
	__asm__ __volatile__("wrmsr"
			     :
			     : "c"(MSR_APIC_BASE), "a"((uint32_t)apic_base),
			       "d"((uint32_t)(apic_base >> 32))
			     : "memory");
	check(vc_now() == before + 1 && msr_read(MSR_APIC_BASE) == apic_base,
	      "WRMSR: %u #VC, APIC_BASE now 0x%lx", vc_now() - before, msr_read(MSR_APIC_BASE));

	/* OUT of a NOP request to the request port: the host answers it. */
	rq->magic = MINISEV_REQ_MAGIC;
	rq->version = MINISEV_ABI_VERSION;
	rq->op = MINISEV_REQ_NOP;
	rq->status = 0xffffffff;
	before = vc_now();
	__asm__ __volatile__("outl %%eax, %%dx"
			     :
			     : "a"((uint32_t)(uintptr_t)rq), "d"(MINISEV_PORT_REQ)
			     : "memory");
	check(vc_now() == before + 1 && rq->status == MINISEV_REQ_OK,
	      "OUT: %u #VC, request status 0x%x", vc_now() - before, rq->status);

	/* An MMIO load of the console's magic value, "virt". */
	before = vc_now();
	__asm__ __volatile__("movl (%1), %0" : "=r"(v) : "r"(magic_gpa) : "memory");
	check(vc_now() == before + 1 && v == VIRTIO_MMIO_MAGIC, "MMIO: %u #VC, read 0x%x",
	      vc_now() - before, v);
	diag("%sIN, RDMSR, WRMSR, OUT and MMIO served by the #VC handler (%u #VC on this CPU)",
	     cpuid_vc ? "CPUID, " : "", vc_now());
	return test_result();
}

/*
 * A direct port access with no IDT: under SEV-ES the #VC it raises cannot
 * be delivered, and the guest shuts down (a triple fault), as on hardware.
 */
GUEST_TEST(sev_es_vc_no_idt, GT_EXPLICIT)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	if (!fw_sev_es_active())
		return test_skip("not an SEV-ES guest");
	diag("loading an empty IDT and executing IN from the exit port");
	__asm__ __volatile__("lidt %0\n\tinb %%dx, %%al"
			     :
			     : "m"(empty), "d"(MINISEV_PORT_EXIT)
			     : "rax", "memory");
	idt_load();
	check(0, "survived a #VC with no IDT");
	return test_result();
}
