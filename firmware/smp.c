// SPDX-License-Identifier: MIT
#include "smp.h"

static unsigned int smp_nr_online;
static uint32_t smp_gen, smp_done;
static smp_fn_t smp_fn;
static void *smp_arg;

void __noreturn ap_main(unsigned int cpu)
{
	uint32_t gen = 0;

	__atomic_fetch_add(&smp_nr_online, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		uint32_t g;
		smp_fn_t fn;

		while ((g = __atomic_load_n(&smp_gen, __ATOMIC_ACQUIRE)) == gen)
			cpu_relax();
		gen = g;
		fn = READ_ONCE(smp_fn);
		if (fn)
			fn(cpu, READ_ONCE(smp_arg));
		__atomic_fetch_add(&smp_done, 1, __ATOMIC_SEQ_CST);
	}
}

unsigned int smp_online(void)
{
	return __atomic_load_n(&smp_nr_online, __ATOMIC_ACQUIRE);
}

unsigned int smp_wait_online(void)
{
	uint64_t start = rdtsc();

	while (smp_online() < fw_nr_cpus - 1 && rdtsc() - start < FW_WAIT_TSC)
		cpu_relax();
	return smp_online();
}

unsigned int smp_call_aps(smp_fn_t fn, void *arg)
{
	unsigned int online = smp_online();
	uint64_t start;

	if (!online)
		return 0;
	__atomic_store_n(&smp_done, 0, __ATOMIC_SEQ_CST);
	WRITE_ONCE(smp_fn, fn);
	WRITE_ONCE(smp_arg, arg);
	__atomic_fetch_add(&smp_gen, 1, __ATOMIC_RELEASE);
	start = rdtsc();
	while (__atomic_load_n(&smp_done, __ATOMIC_ACQUIRE) < online &&
	       rdtsc() - start < FW_WAIT_TSC)
		cpu_relax();
	return __atomic_load_n(&smp_done, __ATOMIC_ACQUIRE);
}
