/* SPDX-License-Identifier: MIT */
/*
 * Per-phase launch timings, written as JSON by --timings.  Phases are
 * recorded in the order they happen; a phase may carry a byte count, in
 * which case the report also gives MiB/s.
 */
#ifndef MINISEV_TIMINGS_H
#define MINISEV_TIMINGS_H

#include <stdint.h>
#include "util.h"

#define TIMINGS_MAX 64

struct timing {
	char name[32];
	uint64_t start_ns; /* relative to the process start */
	uint64_t dur_ns;
	uint64_t bytes; /* 0 when not a data phase */
};

struct timings {
	uint64_t t0_ns; /* process start */
	unsigned int nr;
	struct timing t[TIMINGS_MAX];
	char kvm[600]; /* kvm_info_json() of the KVM that ran, "" if none */
};

void timings_init(struct timings *tm);
/* Record a phase that began at `start_ns` (now_ns() clock) and ends now. */
void timings_add(struct timings *tm, const char *name, uint64_t start_ns, uint64_t bytes);
/* Record an instant (duration 0) at `at_ns`, e.g. the first console byte. */
void timings_mark(struct timings *tm, const char *name, uint64_t at_ns);
/* Record which KVM ran (a JSON object); -E2BIG when it does not fit. */
int __must_check timings_set_kvm(struct timings *tm, const char *json);
/* Render as JSON into a malloc'd string. */
char *timings_json(const struct timings *tm);
int __must_check timings_write(const struct timings *tm, const char *path);

#endif /* MINISEV_TIMINGS_H */
