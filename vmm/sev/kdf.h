/* SPDX-License-Identifier: MIT */
/*
 * The SEV key derivation function: NIST SP 800-108 counter mode with
 * HMAC-SHA256 as PRF and, unlike the textbook, LITTLE-endian counter and
 * length fields (FW nist_kdf.c; sev-crypto.md §4 step 3, trap 2):
 *
 *   K_i = HMAC(key, LE32(i) || label || 0x00 || context || LE32(L_bits))
 *
 * An empty context is simply omitted.
 */
#ifndef MINISEV_SEV_KDF_H
#define MINISEV_SEV_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define SEV_LABEL_MASTER "sev-master-secret"
#define SEV_LABEL_KEK "sev-kek"
#define SEV_LABEL_KIK "sev-kik"

int __must_check sev_kdf(const uint8_t *key, size_t klen, const char *label, const uint8_t *context,
			 size_t clen, uint8_t *out, size_t outlen);

#endif /* MINISEV_SEV_KDF_H */
