/* SPDX-License-Identifier: MIT */
/*
 * Human-readable reasons travelling next to -errno results, so that the
 * command front ends can say what is wrong with which file without the
 * library printing anything itself.
 */
#ifndef MINISEV_SEV_WHY_H
#define MINISEV_SEV_WHY_H

#include "util.h"

#define SEV_WHY_LEN 256

struct sev_why {
	char msg[SEV_WHY_LEN];
};

/* Set the reason (a NULL `why` is allowed and ignored).  Returns `ret`. */
int sev_why_set(struct sev_why *why, int ret, const char *fmt, ...) __printf(3, 4);
/* Prefix the existing reason with "what: ". */
void sev_why_prefix(struct sev_why *why, const char *fmt, ...) __printf(2, 3);
/* The reason, or strerror(-ret) when none was given. */
const char *sev_why_str(const struct sev_why *why, int ret);

#endif /* MINISEV_SEV_WHY_H */
