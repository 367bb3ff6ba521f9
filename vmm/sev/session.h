/* SPDX-License-Identifier: MIT */
/*
 * The guest owner's LAUNCH_START inputs (sev-crypto.md §4): a GODH
 * certificate and the 128-byte session blob that wraps TEK and TIK for the
 * platform whose PDH is given, plus the firmware-side unwrap (what the
 * SEV firmware does with them) and loading/writing sevctl's files.
 */
#ifndef MINISEV_SEV_SESSION_H
#define MINISEV_SEV_SESSION_H

#include <stdint.h>

#include <openssl/evp.h>

#include "minisev/sev.h"
#include "sev/cert.h"
#include "sev/why.h"

/* The owner's random choices; fixed ones make known-answer tests. */
struct sev_session_secrets {
	uint8_t nonce[SEV_NONCE_SIZE];
	uint8_t wrap_iv[SEV_IV_SIZE];
	uint8_t tek[SEV_KEY_SIZE];
	uint8_t tik[SEV_KEY_SIZE];
};

/* Derived from Z and the nonce. */
struct sev_session_keys {
	uint8_t master[SEV_KEY_SIZE];
	uint8_t kek[SEV_KEY_SIZE];
	uint8_t kik[SEV_KEY_SIZE];
};

/* What 'minisev owner session' produces. */
struct sev_session {
	struct sev_cert godh;
	struct sev_session_blob blob;
	uint8_t tek[SEV_KEY_SIZE];
	uint8_t tik[SEV_KEY_SIZE];
};

/* What QEMU's dh-cert-file / session-file (and KVM LAUNCH_START) take. */
struct sev_launch_blobs {
	struct sev_cert godh;
	struct sev_session_blob session;
};

/* master = KDF(Z, "sev-master-secret", nonce); KEK, KIK = KDF(master, ...). */
int __must_check sev_session_derive(const uint8_t *z, size_t zlen,
				    const uint8_t nonce[SEV_NONCE_SIZE],
				    struct sev_session_keys *k);
/* wrap_tk, wrap_mac and policy_mac into a blob (policy as the raw u32). */
int __must_check sev_session_wrap(const struct sev_session_keys *k,
				  const struct sev_session_secrets *s, uint32_t policy,
				  struct sev_session_blob *blob);

/*
 * Build a session for the platform that owns `pdh` (chain verification is
 * the caller's: see sev_chain_verify()).  `godh` NULL makes a fresh P-384
 * key; `fixed` NULL draws nonce, IV, TEK and TIK at random.
 */
int __must_check sev_session_build(const struct sev_cert *pdh, EVP_PKEY *godh,
				   const struct sev_session_secrets *fixed, uint32_t policy,
				   struct sev_session *out, struct sev_why *why);
/* OPENSSL_cleanse the keys in a session. */
void sev_session_wipe(struct sev_session *s);

/*
 * The firmware's sanity check of a GODH (FW sev_cert_sanity_check):
 * version 1, usage PDH, algo exactly ECDH_SHA256, a P-384 point.  Its
 * signatures are never checked.  *pub (may be NULL) gets the key.
 */
int __must_check sev_godh_check(const struct sev_cert *godh, EVP_PKEY **pub, struct sev_why *why);
/*
 * Firmware side of LAUNCH_START (FW sev_channel.c establish_channel):
 * ECDH with the PDH private key, check wrap_mac, unwrap TEK || TIK, check
 * policy_mac.  -EBADMSG when a MAC does not match.
 */
int __must_check sev_session_open(EVP_PKEY *pdh_priv, const struct sev_cert *godh,
				  const struct sev_session_blob *blob, uint32_t policy,
				  uint8_t tek[SEV_KEY_SIZE], uint8_t tik[SEV_KEY_SIZE],
				  struct sev_why *why);

/*
 * sevctl's files: NAME_tik.bin, NAME_tek.bin (raw 16 bytes), NAME_godh.b64
 * and NAME_session.b64 (base64, no newline), all 0600 and atomic.
 */
int __must_check sev_session_write_files(const char *name, const struct sev_session *s,
					 struct sev_why *why);
/*
 * Load a GODH certificate and a session blob (base64 as sevctl writes
 * them, or binary); exact sizes, GODH sanity-checked.
 */
int __must_check sev_launch_blobs_load(const char *godh_path, const char *session_path,
				       struct sev_launch_blobs *out, struct sev_why *why);
/* A raw 16-byte key file (TIK or TEK; `what` names it in errors). */
int __must_check sev_key_file_load(const char *path, const char *what, uint8_t key[SEV_KEY_SIZE],
				   struct sev_why *why);
/* sev-tool / libvirt --tk: TEK || TIK, 32 bytes (LV load_tk). */
int __must_check sev_tk_file_load(const char *path, uint8_t tek[SEV_KEY_SIZE],
				  uint8_t tik[SEV_KEY_SIZE], struct sev_why *why);

#endif /* MINISEV_SEV_SESSION_H */
