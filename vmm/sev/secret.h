/* SPDX-License-Identifier: MIT */
/*
 * LAUNCH_SECRET packets (sev-crypto.md §7) and the OVMF secret table they
 * usually carry (§8):
 *
 *   payload = AES-128-CTR(TEK, IV, table)
 *   MAC = HMAC-SHA256(TIK, 0x01 || LE32 FLAGS || IV || LE32 GUEST_LENGTH
 *                          || LE32 TRANS_LENGTH || payload || MEASURE)
 *   header = LE32 FLAGS || IV || MAC (52 bytes, struct sev_secret_header)
 *
 * MEASURE is the 32-byte measurement, without the mnonce.
 */
#ifndef MINISEV_SEV_SECRET_H
#define MINISEV_SEV_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "minisev/sev.h"
#include "sev/guid.h"
#include "sev/why.h"

/*
 * Padding of the secret table to a multiple of 16: sevctl adds what is
 * missing (nothing when aligned); libvirt's validator always adds
 * 16 - len % 16, so an aligned table grows by 16 zero bytes (§8 trap).
 */
enum sev_secret_pad {
	SEV_SECRET_PAD_SEVCTL,
	SEV_SECRET_PAD_LIBVIRT,
};

struct sev_secret_entry {
	uint8_t guid[SEV_GUID_SIZE]; /* bytes_le */
	const uint8_t *data;
	size_t len;
};

/*
 * Build the table GUID || LE32 len || (GUID || LE32 len || data)... then
 * padding, into a malloc()ed buffer.  At most SEV_SECRET_MAX bytes.
 */
int __must_check sev_secret_table_build(const struct sev_secret_entry *e, size_t n,
					enum sev_secret_pad pad, uint8_t **out, size_t *len,
					struct sev_why *why);
/*
 * Parse a decrypted table; entries point into `buf`.  Everything after
 * the table's length must be zero padding.
 */
int __must_check sev_secret_table_parse(const uint8_t *buf, size_t len, struct sev_secret_entry *e,
					size_t max, size_t *n, struct sev_why *why);

/* The header MAC over an (already encrypted) payload. */
int __must_check sev_secret_mac(const uint8_t tik[SEV_KEY_SIZE],
				const uint8_t measure[SEV_MAC_SIZE], uint32_t flags,
				const uint8_t iv[SEV_IV_SIZE], const uint8_t *ct, size_t len,
				uint8_t mac[SEV_MAC_SIZE]);
/*
 * Encrypt `pt` into `ct` (same length) and fill the header.  `iv` NULL
 * draws a random IV.  The length must be a non-zero multiple of 16 and at
 * most SEV_SECRET_MAX, as the firmware and KVM require.
 */
int __must_check sev_secret_packet_build(const uint8_t tek[SEV_KEY_SIZE],
					 const uint8_t tik[SEV_KEY_SIZE],
					 const uint8_t measure[SEV_MAC_SIZE], const uint8_t *iv,
					 uint32_t flags, const uint8_t *pt, size_t len,
					 struct sev_secret_header *hdr, uint8_t *ct,
					 struct sev_why *why);
/*
 * What the firmware does with a packet (FW sev_mcmd_launch_secret): check
 * flags and length, check the MAC (-EBADMSG), decrypt into `pt`.
 */
int __must_check sev_secret_packet_open(const uint8_t tek[SEV_KEY_SIZE],
					const uint8_t tik[SEV_KEY_SIZE],
					const uint8_t measure[SEV_MAC_SIZE],
					const struct sev_secret_header *hdr, const uint8_t *ct,
					size_t len, uint8_t *pt, struct sev_why *why);

#endif /* MINISEV_SEV_SECRET_H */
