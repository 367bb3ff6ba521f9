/* SPDX-License-Identifier: MIT */
/*
 * SEV certificates (CEK, PEK, OCA, PDH, GODH: 2084 bytes) and AMD CA
 * certificates (ARK, ASK: 832 or 1600 bytes): bounds-checked parsing,
 * signature verification and signing.  Formats: sev-crypto.md §1-§3.
 *
 * Verification results: 0 valid; -EBADMSG the signature does not verify;
 * -ENOENT no signature by that signer; -EINVAL malformed certificate, key
 * or slot; -ENOMEM / -EIO library failure.  `why` gets the reason.
 */
#ifndef MINISEV_SEV_CERT_H
#define MINISEV_SEV_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "minisev/sev.h"
#include "sev/why.h"

struct sev_cert {
	uint8_t raw[SEV_CERT_SIZE];
};

struct sev_ca_cert {
	uint8_t raw[SEV_CA_SIZE_4096];
	size_t len; /* bytes held: header, exponent, modulus (, signature) */
	size_t signed_len; /* header + exponent + modulus */
	uint32_t usage; /* SEV_USAGE_ARK or SEV_USAGE_ASK */
	uint32_t exp_bits, mod_bits;
	bool has_sig; /* false for AMD's 576-byte Naples ARK (AMDSEV#17) */
};

/* A public key able to check signatures, with the identity it signs as. */
struct sev_key {
	uint32_t usage; /* what a slot signed by this key says in its usage */
	uint32_t algo; /* ... and in its algo (for CA keys: by key size) */
	EVP_PKEY *pkey;
	size_t rsa_bytes; /* RSA modulus bytes, 0 for EC */
	bool has_key_id; /* CA keys: key_id that children certify */
	uint8_t key_id[SEV_CA_KEY_ID_SIZE];
};

const char *sev_usage_name(uint32_t usage);
const char *sev_algo_name(uint32_t algo);

/* Little-endian field readers, no alignment assumptions. */
static inline uint32_t sev_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void sev_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static inline uint32_t sev_cert_usage(const struct sev_cert *c)
{
	return sev_le32(c->raw + SEV_CERT_OFF_USAGE);
}

static inline uint32_t sev_cert_algo(const struct sev_cert *c)
{
	return sev_le32(c->raw + SEV_CERT_OFF_ALGO);
}

/* Signature slots are numbered 0 and 1 (sig1, sig2 in AMD's text). */
static inline const uint8_t *sev_cert_slot(const struct sev_cert *c, int i)
{
	return c->raw + (i ? SEV_CERT_OFF_SIG2 : SEV_CERT_OFF_SIG1);
}

static inline uint32_t sev_cert_slot_usage(const struct sev_cert *c, int i)
{
	return sev_le32(sev_cert_slot(c, i));
}

static inline uint32_t sev_cert_slot_algo(const struct sev_cert *c, int i)
{
	return sev_le32(sev_cert_slot(c, i) + 4);
}

/*
 * Parse exactly one SEV certificate: 2084 bytes, version 1, a SEV usage
 * (OCA, PEK, PDH, CEK) and an algorithm that fits it.  Signature slots
 * are judged when verifying (see sev_cert_check_slots()).
 */
int __must_check sev_cert_parse(const void *buf, size_t len, struct sev_cert *c,
				struct sev_why *why);
/*
 * Parse an AMD CA certificate at the start of buf.  With `used` NULL the
 * buffer must hold exactly one certificate, signed or (Naples ARK as AMD
 * publishes it) without its signature; otherwise *used gets the bytes
 * consumed and trailing data is allowed.
 */
int __must_check sev_ca_cert_parse(const void *buf, size_t len, struct sev_ca_cert *c, size_t *used,
				   struct sev_why *why);

/* Empty slot: usage INVALID and algo 0 (FW sev_cert_validate_sig). */
bool sev_cert_slot_empty(const struct sev_cert *c, int slot);
/* -EINVAL for a slot where only one of usage and algo is INVALID. */
int __must_check sev_cert_check_slots(const struct sev_cert *c, struct sev_why *why);

/*
 * Public key of a certificate.  EC keys must be P-384 with the unused
 * coordinate bytes and the reserved area zero and the point on the curve.
 */
int __must_check sev_key_from_cert(const struct sev_cert *c, struct sev_key *k,
				   struct sev_why *why);
int __must_check sev_key_from_ca(const struct sev_ca_cert *c, struct sev_key *k,
				 struct sev_why *why);
void sev_key_free(struct sev_key *k);

/*
 * Verify the signature `signer` made on `c`, found by matching the slot's
 * (usage, algo) to the signer's, whatever its position (sev-crypto.md §1,
 * trap 5).  *slot (may be NULL) gets the slot that verified.
 */
int __must_check sev_cert_verify(const struct sev_key *signer, const struct sev_cert *c, int *slot,
				 struct sev_why *why);
/*
 * Verify an AMD CA certificate under `signer` (an ARK key): the RSA-PSS
 * signature with the hash set by the signer's size (2048: SHA-256, 4096:
 * SHA-384, never "try both", enarx #581) and certifying_id == key_id.
 */
int __must_check sev_ca_cert_verify(const struct sev_key *signer, const struct sev_ca_cert *c,
				    struct sev_why *why);

/* Same public key (usage, algo and key area: bytes 0x08-0x413)? */
bool sev_cert_same_key(const struct sev_cert *a, const struct sev_cert *b);
/* Same key_id, usage, exponent and modulus? */
bool sev_ca_cert_same_key(const struct sev_ca_cert *a, const struct sev_ca_cert *b);

/* A fresh certificate for an EC public key: version 1, api 0.0, no sigs. */
int __must_check sev_cert_init(struct sev_cert *c, uint32_t usage, uint32_t algo, EVP_PKEY *pub);
/*
 * Sign `c` with an ECDSA P-384 key acting as `signer_usage`, algo
 * ECDSA_SHA256, into `slot` (0 or 1) or, with slot < 0, the first empty
 * slot.
 */
int __must_check sev_cert_sign(struct sev_cert *c, EVP_PKEY *priv, uint32_t signer_usage, int slot,
			       struct sev_why *why);

/*
 * Read a file that holds binary data, or that data as base64 or hex text
 * (sevctl's .b64 files, libvirt's base64 PDH, hex dumps).  At most `max`
 * decoded bytes.  The reason names the file.
 */
int __must_check sev_file_load(const char *path, size_t max, uint8_t **buf, size_t *len,
			       struct sev_why *why);
/* One SEV / AMD CA certificate from a file (binary, base64 or hex). */
int __must_check sev_cert_load(const char *path, struct sev_cert *c, struct sev_why *why);
int __must_check sev_ca_cert_load(const char *path, struct sev_ca_cert *c, struct sev_why *why);

#endif /* MINISEV_SEV_CERT_H */
