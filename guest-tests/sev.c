// SPDX-License-Identifier: MIT
/*
 * SEV guest tests: what the guest can check about its own encryption.
 * Without SEV they skip; the launch tests run them under --sev.
 */
#include "minisev/abi.h"
#include "minisev/sev.h"

#include "io.h"
#include "req.h"
#include "test.h"

#define MSR_AMD64_SEV 0xc0010131
#define SEV_STATUS_SEV (1ULL << 0)
#define SEV_STATUS_ES (1ULL << 1)
#define CPUID_SEV (1u << 1) /* 0x8000001f EAX: SEV supported */

/* CPUID 0x8000001f reports SEV, or NULL when the leaf is out of range. */
static bool cpu_has_sev(struct cpuid_regs *r)
{
	if (cpuid(0x80000000, 0).eax < 0x8000001f)
		return false;
	*r = cpuid(0x8000001f, 0);
	return r->eax & CPUID_SEV;
}

/*
 * CPUID, the SEV_STATUS MSR and the boot info must tell one story: a
 * hypervisor that claims SEV in one place and not in another, or moves the
 * C-bit, is caught here.  SEV_STATUS is read only when CPUID says SEV
 * exists: on other CPUs the MSR is a #GP.
 */
GUEST_TEST(sev_status, 0)
{
	bool boot_sev = fw_boot.flags & MINISEV_BOOT_F_SEV;
	bool boot_es = fw_boot.flags & MINISEV_BOOT_F_SEV_ES;
	struct cpuid_regs r;
	uint64_t status;

	if (!cpu_has_sev(&r)) {
		check(!boot_sev, "boot info says SEV, CPUID 0x8000001f does not");
		return test_result() == TEST_PASS ? test_skip("not an SEV guest") : TEST_FAIL;
	}
	status = msr_read(MSR_AMD64_SEV);
	diag("CPUID 0x8000001f eax 0x%x ebx 0x%x, SEV_STATUS 0x%llx, boot info flags 0x%x cbit %u",
	     r.eax, r.ebx, (unsigned long long)status, fw_boot.flags, fw_boot.cbit);
	if (!(status & SEV_STATUS_SEV)) {
		check(!boot_sev, "boot info says SEV, SEV_STATUS says not active");
		return test_result() == TEST_PASS ? test_skip("SEV not active") : TEST_FAIL;
	}
	check(boot_sev, "SEV_STATUS says SEV is active, boot info says not");
	check(!!(status & SEV_STATUS_ES) == boot_es, "SEV-ES: SEV_STATUS %d, boot info %d",
	      !!(status & SEV_STATUS_ES), boot_es);
	check((r.ebx & 0x3f) == fw_boot.cbit, "C-bit: CPUID says %u, boot info %u", r.ebx & 0x3f,
	      fw_boot.cbit);
	check(fw_boot.cbit >= 32 && fw_boot.cbit <= 51, "C-bit %u out of range", fw_boot.cbit);
	return test_result();
}

static uint64_t cookie(void)
{
	/* Differs per boot; odd so that it never equals zeroed memory. */
	return (rdtsc() * 0x9e3779b97f4a7c15ULL) | 1;
}

static uint64_t private_word;

/*
 * A value written to private memory must not appear in the host's view of
 * it; the same value written to the shared window must: that second half
 * proves the check itself can see.
 */
GUEST_TEST(sev_private, 0)
{
	uint64_t c = cookie(), found = 2;
	uint64_t *scratch = test_alloc(4096);
	volatile uint64_t *shared =
		(volatile uint64_t *)(MINISEV_SHARED_GPA + MINISEV_SHARED_SIZE - 4096);
	int st;

	if (!fw_sev_active())
		return test_skip("not an SEV guest");
	*(volatile uint64_t *)&private_word = c;
	scratch[17] = c;
	st = host_req(MINISEV_REQ_HOST_PEEK, (uint64_t)(uintptr_t)&private_word, 8, c, &found,
		      NULL);
	check(st == MINISEV_REQ_OK && found == 0,
	      "the host sees a private .bss word in plaintext (status %d, found %llu)", st,
	      (unsigned long long)found);
	st = host_req(MINISEV_REQ_HOST_PEEK, (uint64_t)(uintptr_t)scratch, 4096, c, &found, NULL);
	check(st == MINISEV_REQ_OK && found == 0,
	      "the host sees a private page of free RAM in plaintext (status %d, found %llu)", st,
	      (unsigned long long)found);
	*shared = c;
	st = host_req(MINISEV_REQ_HOST_PEEK, (uint64_t)(uintptr_t)shared, 8, c, &found, NULL);
	check(st == MINISEV_REQ_OK && found == 1,
	      "the host does not see a shared word: the check is blind (status %d, found %llu)", st,
	      (unsigned long long)found);
	*shared = 0;
	return test_result();
}

/* The secret table GUID of sevctl and OVMF, 1e74f542-71dd-4d66-963e-ef4287ff173b, bytes_le. */
static const uint8_t secret_table_guid[16] = { 0x42, 0xf5, 0x74, 0x1e, 0xdd, 0x71, 0x66, 0x4d,
					       0x96, 0x3e, 0xef, 0x42, 0x87, 0xff, 0x17, 0x3b };

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void print_guid(const uint8_t *g)
{
	printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-", g[3], g[2], g[1], g[0], g[5], g[4],
	       g[7], g[6], g[8], g[9]);
	for (int i = 10; i < 16; i++)
		printf("%02x", g[i]);
}

/*
 * The LAUNCH_SECRET the guest owner injected, read back from private
 * memory: a secret table (GUID header, total length, then entries of GUID,
 * length, data).  Every length is checked against the area before use.
 */
GUEST_TEST(sev_secret, GT_EXPLICIT)
{
	const uint8_t *t = (const uint8_t *)(uintptr_t)fw_boot.secret_gpa;
	uint32_t total, off = 20, n = 0;

	if (!fw_sev_active())
		return test_skip("not an SEV guest");
	if (!fw_boot.secret_gpa || fw_boot.secret_size < 20) {
		check(false, "boot info has no secret area");
		return test_result();
	}
	if (memcmp(t, secret_table_guid, 16)) {
		check(false, "no launch secret at 0x%llx (no secret table GUID)",
		      (unsigned long long)fw_boot.secret_gpa);
		return test_result();
	}
	total = le32(t + 16);
	if (!check(total >= 20 && total <= fw_boot.secret_size, "secret table length %u", total))
		return test_result();
	while (off + 20 <= total) {
		const uint8_t *e = t + off;
		uint32_t len = le32(e + 16);

		if (!check(len >= 20 && len <= total - off, "entry %u: length %u", n, len))
			break;
		printf("# secret ");
		print_guid(e);
		printf(" %u ", len - 20);
		for (uint32_t i = 20; i < len; i++)
			printf("%02x", e[i]);
		printf("\n");
		off += len;
		n++;
	}
	check(n > 0, "the secret table has no entries");
	return test_result();
}
