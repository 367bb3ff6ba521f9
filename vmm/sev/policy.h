/* SPDX-License-Identifier: MIT */
/*
 * SEV guest policy: parse, print by name, and refuse contradictions before
 * anything reaches the firmware (sev-crypto.md §5; bits in minisev/sev.h).
 * The policy is always handled as the raw u32 the firmware MACs: never
 * rebuilt from its parts (virtee's Policy::from(u32) trap, §5).
 */
#ifndef MINISEV_SEV_POLICY_H
#define MINISEV_SEV_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sev/why.h"

/*
 * Parse a policy: a number (decimal or 0x hex, up to 0xffffffff), or a
 * list of names separated by ',' '|' or '+': nodbg noks es nosend domain
 * sev, and api=MAJOR.MINOR for the minimum firmware API; "0" or "none"
 * for the empty policy.  Reserved bits are refused here already.
 */
int __must_check sev_policy_parse(const char *s, uint32_t *out, struct sev_why *why);

/* The same without the reserved-bit check, for printing what is wrong. */
int __must_check sev_policy_parse_raw(const char *s, uint32_t *out, struct sev_why *why);

/* "NODBG|ES" (with "|API>=1.40" when set), or "none"; returns buf. */
const char *sev_policy_str(uint32_t policy, char *buf, size_t len);
/* One line per bit with its meaning, for 'minisev owner policy'. */
void sev_policy_print(FILE *f, uint32_t policy);

/* Reserved bits 6-15 set: the firmware refuses such a policy (FW sev_guest.c). */
int __must_check sev_policy_check(uint32_t policy, struct sev_why *why);

/*
 * The launch about to run (SEV-ES or plain SEV) must agree with the ES
 * bit: an SEV-ES launch without it, or a plain SEV launch that requires
 * SEV-ES, is refused before KVM is touched.
 */
int __must_check sev_policy_check_launch(uint32_t policy, bool es_launch, struct sev_why *why);

/*
 * Against PLATFORM_STATUS: the policy's minimum API must not exceed the
 * firmware's, and the ES bit needs SEV_PLATFORM_F_CONFIG_ES.
 */
int __must_check sev_policy_check_platform(uint32_t policy, uint8_t api_major, uint8_t api_minor,
					   uint32_t flags, struct sev_why *why);

#endif /* MINISEV_SEV_POLICY_H */
