/* SPDX-License-Identifier: MIT */
/*
 * Application processors.  After the common entry every AP checks in and
 * waits for work from the BSP; there are no IPIs (no interrupts at all),
 * so the APs poll a generation counter with PAUSE, which lets KVM's
 * pause-loop exiting give their host CPU away.
 */
#ifndef FW_SMP_H
#define FW_SMP_H

#include "fw.h"

typedef void (*smp_fn_t)(unsigned int cpu, void *arg);

void __noreturn ap_main(unsigned int cpu);
/* Wait (bounded) until nr_vcpus - 1 APs checked in; returns how many did. */
unsigned int smp_wait_online(void);
unsigned int smp_online(void);
/*
 * Run fn(cpu, arg) on every AP that is online and wait (bounded) until
 * they are done.  Returns how many finished.
 */
unsigned int smp_call_aps(smp_fn_t fn, void *arg);

#endif /* FW_SMP_H */
