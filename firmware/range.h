/* SPDX-License-Identifier: MIT */
/*
 * Range checks on guest-physical addresses the firmware is given (boot
 * info, the Linux descriptor), written so that no sum can wrap.  Plain C,
 * no firmware headers: the verifier's host tests build it too.
 */
#ifndef FW_RANGE_H
#define FW_RANGE_H

#include <stdbool.h>
#include <stdint.h>

/* [start, start + size) lies inside [lo, hi). */
static inline bool range_ok(uint64_t start, uint64_t size, uint64_t lo, uint64_t hi)
{
	return start >= lo && size <= hi - lo && start - lo <= hi - lo - size;
}

/* Two non-empty ranges share a byte (an empty one overlaps nothing). */
static inline bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

#endif /* FW_RANGE_H */
