/* SPDX-License-Identifier: MIT */
/*
 * Instructions that fault on purpose, as tiny assembly functions, so that
 * a test knows the exact RIP of the faulting instruction and the compiler
 * cannot reason about (or warn about) the bad access.
 */
#ifndef GT_PROBES_H
#define GT_PROBES_H

#include <stdint.h>

uint64_t probe_read(uint64_t addr); /* faults at probe_read */
void probe_write(uint64_t addr, uint64_t val); /* faults at probe_write */
void probe_ud(void); /* ud2 at probe_ud */
void probe_div0(void); /* divl by zero at probe_div0_insn */
void probe_int3(void); /* int3; #BP is a trap: RIP is probe_int3_after */
void probe_load_ds(uint16_t sel); /* mov to %ds at probe_load_ds_insn */
void probe_call(uint64_t addr); /* call *addr */

extern const char probe_div0_insn[], probe_int3_after[], probe_load_ds_insn[];

#endif /* GT_PROBES_H */
