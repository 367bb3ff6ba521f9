/* SPDX-License-Identifier: MIT */
/* Helpers shared by the 'platform' and 'owner' command front ends. */
#ifndef MINISEV_SEV_CMD_H
#define MINISEV_SEV_CMD_H

#include <stdint.h>

#include "minisev/abi.h"
#include "sev/platform.h"
#include "util.h"

/* Exit statuses (see commands.h). */
#define CMD_OK MINISEV_STATUS_PASS /* 0 */
#define CMD_FAIL MINISEV_STATUS_FAIL /* 1: verification failed, mismatch */
#define CMD_USAGE MINISEV_STATUS_USAGE /* 2: usage or bad input file */
#define CMD_SYSTEM MINISEV_STATUS_VMM /* 3: device or system error */
#define CMD_SKIP MINISEV_STATUS_SKIP /* 77: no /dev/sev */

/*
 * The device operations 'minisev platform' uses: the real /dev/sev by
 * default, a fake one in unit tests.
 */
extern const struct sev_dev_ops *sev_cmd_dev_ops;

/* pr_err() the message and return `status`. */
int cmd_fail(int status, const char *fmt, ...) __printf(2, 3);
/* An 8-bit number option (--api-major etc.). */
int __must_check cmd_parse_u8(const char *opt, const char *s, uint8_t *out);

#endif /* MINISEV_SEV_CMD_H */
