/* SPDX-License-Identifier: MIT */
/*
 * SEV firmware status codes by name, for every message that reports one
 * (STYLE.md: "INVALID_GUEST_STATE, not 7").  Values in minisev/sev.h.
 */
#ifndef MINISEV_SEV_FWERR_H
#define MINISEV_SEV_FWERR_H

#include <stddef.h>
#include <stdint.h>

/* "INVALID_LEN" for 4; NULL for a code the table does not know. */
const char *sev_fw_err_name(uint32_t code);
/* QEMU's one-line description ("Buffer too small"), or NULL. */
const char *sev_fw_err_desc(uint32_t code);
/*
 * "INVALID_LEN (0x4): Buffer too small", or "unknown status 0x99" for
 * codes outside the table; always NUL-terminated.  Returns buf.
 */
const char *sev_fw_err_str(uint32_t code, char *buf, size_t len);

#endif /* MINISEV_SEV_FWERR_H */
