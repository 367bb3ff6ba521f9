// SPDX-License-Identifier: MIT
/*
 * smp: every vCPU runs and reports.  Each one checks in with the host
 * (MINISEV_REQ_VCPU_HELLO from its own request page) and on a shared
 * counter; the BSP waits a bounded time and reports how many arrived
 * against nr_vcpus from boot info.
 */
#include "test.h"
#include "req.h"
#include "smp.h"

static struct {
	uint32_t arrived;
	struct {
		uint32_t seen;
		int status;
		uint64_t host_vcpus;
		uint64_t rsp;
	} cpu[FW_MAX_CPUS];
} hello;

static void smp_hello(unsigned int cpu, void *arg)
{
	uint64_t host_vcpus = 0;
	int st = host_req(MINISEV_REQ_VCPU_HELLO, cpu, 0, 0, &host_vcpus, NULL);

	hello.cpu[cpu].status = st;
	hello.cpu[cpu].host_vcpus = host_vcpus;
	hello.cpu[cpu].rsp = (uint64_t)__builtin_frame_address(0);
	__atomic_fetch_add(&hello.cpu[cpu].seen, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&hello.arrived, 1, __ATOMIC_SEQ_CST);
	printf("# smp: vCPU %u checked in, status %d, host has %lu vCPUs\n", cpu, st, host_vcpus);
}

GUEST_TEST(smp, 0)
{
	unsigned int n = fw_nr_cpus, cpu, arrived;
	uint64_t start;

	memset(&hello, 0, sizeof(hello));
	smp_hello(0, NULL);
	smp_call_aps(smp_hello, NULL);
	start = rdtsc();
	while (__atomic_load_n(&hello.arrived, __ATOMIC_ACQUIRE) < n &&
	       rdtsc() - start < FW_WAIT_TSC)
		cpu_relax();
	arrived = __atomic_load_n(&hello.arrived, __ATOMIC_ACQUIRE);
	diag("%u of %u vCPUs checked in", arrived, n);
	check(arrived == n, "%u of %u vCPUs checked in", arrived, n);

	for (cpu = 0; cpu < n; cpu++) {
		uint64_t lo = cpu_stack_base(cpu);

		if (!check(hello.cpu[cpu].seen == 1, "vCPU %u checked in %u times", cpu,
			   hello.cpu[cpu].seen))
			continue;
		check(hello.cpu[cpu].status == MINISEV_REQ_OK, "vCPU %u: VCPU_HELLO status %d", cpu,
		      hello.cpu[cpu].status);
		check(hello.cpu[cpu].host_vcpus == n, "vCPU %u: host says %lu vCPUs, boot info %u",
		      cpu, hello.cpu[cpu].host_vcpus, n);
		check(hello.cpu[cpu].rsp >= lo && hello.cpu[cpu].rsp < lo + FW_STACK_SIZE,
		      "vCPU %u ran on the wrong stack (0x%lx)", cpu, hello.cpu[cpu].rsp);
	}
	for (cpu = n; cpu < FW_MAX_CPUS; cpu++)
		check(!hello.cpu[cpu].seen, "vCPU %u checked in, but boot info says %u vCPUs", cpu,
		      n);
	return test_result();
}
