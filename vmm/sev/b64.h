/* SPDX-License-Identifier: MIT */
/*
 * Base64 (RFC 4648, standard alphabet, padded: what sevctl, QEMU and
 * libvirt exchange) and hex, both strict: every error says where.
 */
#ifndef MINISEV_SEV_B64_H
#define MINISEV_SEV_B64_H

#include <stddef.h>
#include <stdint.h>

#include "sev/why.h"

/* Characters needed for the encoding of n bytes, without the NUL. */
#define SEV_B64_LEN(n) (((n) + 2) / 3 * 4)
static inline size_t sev_b64_len(size_t n)
{
	return SEV_B64_LEN(n);
}

/* Encode into out (sev_b64_len(n) + 1 bytes), NUL-terminated. */
void sev_b64_encode(const void *in, size_t n, char *out);
/* Same, in a malloc()ed string; NULL when out of memory. */
char *sev_b64_encode_alloc(const void *in, size_t n);

/*
 * Decode `len` characters of base64.  ASCII whitespace is skipped (files
 * often end in a newline); anything else outside the alphabet, a bad
 * padding or a length that is not a multiple of 4 is -EINVAL with the
 * position in `why`.  More than `cap` bytes of output is -E2BIG.
 */
int __must_check sev_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap,
				size_t *outlen, struct sev_why *why);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void sev_hex_encode(const void *in, size_t n, char *out);
/* Decode hex (whitespace skipped, optional 0x prefix); errors as above. */
int __must_check sev_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap,
				size_t *outlen, struct sev_why *why);

/*
 * A fixed-size binary value on the command line: exactly `want` bytes as
 * hex (2 * want digits) or as base64.  -EINVAL with a reason otherwise.
 */
int __must_check sev_bytes_arg(const char *s, uint8_t *out, size_t want, struct sev_why *why);

#endif /* MINISEV_SEV_B64_H */
