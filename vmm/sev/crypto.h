/* SPDX-License-Identifier: MIT */
/*
 * The OpenSSL (libcrypto 3.0) primitives SEV needs, in SEV's byte orders:
 * every big integer crossing this interface is little-endian and
 * zero-padded as in the certificates (sev-crypto.md §0), except the ECDH
 * shared secret, which is the standard 48-byte big-endian X coordinate.
 * Results: 0, -EBADMSG for a signature that does not verify, -EINVAL for
 * bad keys or parameters, -ENOMEM / -EIO when libcrypto itself fails.
 */
#ifndef MINISEV_SEV_CRYPTO_H
#define MINISEV_SEV_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "sev/why.h"

#define SEV_P384_BYTES 48

struct sev_iov {
	const void *base;
	size_t len;
};

/* SHA-256 / SHA-384 (hash_bits 256 or 384) of a buffer. */
int __must_check sev_sha(unsigned int hash_bits, const void *buf, size_t len, uint8_t *out);
/* HMAC-SHA256 over the concatenation of iov[0..n). */
int __must_check sev_hmac_sha256(const void *key, size_t klen, const struct sev_iov *iov, size_t n,
				 uint8_t out[32]);
/* AES-128-CTR, full 16-byte big-endian counter block (OpenSSL semantics). */
int __must_check sev_aes128_ctr(const uint8_t key[16], const uint8_t iv[16], const void *in,
				void *out, size_t len);
/* Cryptographically strong random bytes. */
int __must_check sev_random(void *buf, size_t len);

/* RSA public key from little-endian modulus and exponent. */
int __must_check sev_rsa_pub_from_le(const uint8_t *n_le, size_t nlen, const uint8_t *e_le,
				     size_t elen, EVP_PKEY **out, struct sev_why *why);
/*
 * RSASSA-PSS verification over a message hashed with SHA-hash_bits, MGF1
 * on the same hash, salt length = hash length (virtee/sev, FW
 * rsa_pss_verify).  The signature is little-endian, `slen` bytes.
 */
int __must_check sev_rsa_pss_verify(EVP_PKEY *pub, unsigned int hash_bits, const void *msg,
				    size_t len, const uint8_t *sig_le, size_t slen);
/* The same over a digest computed by the caller. */
int __must_check sev_rsa_pss_verify_digest(EVP_PKEY *pub, unsigned int hash_bits,
					   const uint8_t *digest, const uint8_t *sig_le,
					   size_t slen);

/*
 * P-384 public key from 72-byte little-endian coordinates.  Bytes 48..71
 * must be zero and the point must lie on the curve.
 */
int __must_check sev_ec_pub_from_le(const uint8_t qx[72], const uint8_t qy[72], EVP_PKEY **out,
				    struct sev_why *why);
/* A P-384 key's public point as 72-byte little-endian coordinates. */
int __must_check sev_ec_pub_to_le(EVP_PKEY *key, uint8_t qx[72], uint8_t qy[72]);
/* Is this a P-384 EC key (public or private)? */
bool sev_ec_is_p384(EVP_PKEY *key);
/* ECDSA over a digest (interpreted big-endian as FIPS 186 wants); r, s LE72. */
int __must_check sev_ecdsa_verify_digest(EVP_PKEY *pub, const uint8_t *digest, size_t dlen,
					 const uint8_t r[72], const uint8_t s[72]);
int __must_check sev_ecdsa_sign_digest(EVP_PKEY *priv, const uint8_t *digest, size_t dlen,
				       uint8_t r[72], uint8_t s[72]);
/* ECDH: Z = the 48-byte big-endian X coordinate, leading zeros kept. */
int __must_check sev_ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t z[SEV_P384_BYTES]);
/* Fresh P-384 key pair. */
int __must_check sev_ec_generate(EVP_PKEY **out);

/* Private key from a PEM file (PKCS#8 or traditional), must be P-384. */
int __must_check sev_ec_load_private(const char *path, EVP_PKEY **out, struct sev_why *why);
/* Write a private key as PKCS#8 PEM, mode 0600, atomically. */
int __must_check sev_ec_save_private(const char *path, EVP_PKEY *key);

#endif /* MINISEV_SEV_CRYPTO_H */
