// SPDX-License-Identifier: MIT
/*
 * Launch session.  Owner side: virtee/sev session/mod.rs, sevctl
 * session.rs, sev-tool build_session_buffer; firmware side: FW
 * sev_channel.c.  Every step of sev-crypto.md §4 is one function here so
 * that the known answers in vectors/ can check each.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sev/b64.h"
#include "sev/crypto.h"
#include "sev/kdf.h"
#include "sev/session.h"
#include "util.h"

int sev_session_derive(const uint8_t *z, size_t zlen, const uint8_t nonce[SEV_NONCE_SIZE],
		       struct sev_session_keys *k)
{
	int ret;

	ret = sev_kdf(z, zlen, SEV_LABEL_MASTER, nonce, SEV_NONCE_SIZE, k->master, SEV_KEY_SIZE);
	if (!ret)
		ret = sev_kdf(k->master, SEV_KEY_SIZE, SEV_LABEL_KEK, NULL, 0, k->kek,
			      SEV_KEY_SIZE);
	if (!ret)
		ret = sev_kdf(k->master, SEV_KEY_SIZE, SEV_LABEL_KIK, NULL, 0, k->kik,
			      SEV_KEY_SIZE);
	if (ret)
		OPENSSL_cleanse(k, sizeof(*k));
	return ret;
}

int sev_session_wrap(const struct sev_session_keys *k, const struct sev_session_secrets *s,
		     uint32_t policy, struct sev_session_blob *blob)
{
	uint8_t tk[2 * SEV_KEY_SIZE], pol[4];
	struct sev_iov iov;
	int ret;

	memcpy(tk, s->tek, SEV_KEY_SIZE);
	memcpy(tk + SEV_KEY_SIZE, s->tik, SEV_KEY_SIZE);
	memcpy(blob->nonce, s->nonce, SEV_NONCE_SIZE);
	memcpy(blob->wrap_iv, s->wrap_iv, SEV_IV_SIZE);
	ret = sev_aes128_ctr(k->kek, s->wrap_iv, tk, blob->wrap_tk, sizeof(tk));
	if (ret)
		goto out;
	iov = (struct sev_iov){ blob->wrap_tk, sizeof(blob->wrap_tk) };
	ret = sev_hmac_sha256(k->kik, SEV_KEY_SIZE, &iov, 1, blob->wrap_mac);
	if (ret)
		goto out;
	/* The raw u32 the hypervisor passes to LAUNCH_START (§5 trap). */
	sev_put_le32(pol, policy);
	iov = (struct sev_iov){ pol, sizeof(pol) };
	ret = sev_hmac_sha256(s->tik, SEV_KEY_SIZE, &iov, 1, blob->policy_mac);
out:
	OPENSSL_cleanse(tk, sizeof(tk));
	return ret;
}

void sev_session_wipe(struct sev_session *s)
{
	OPENSSL_cleanse(s->tek, sizeof(s->tek));
	OPENSSL_cleanse(s->tik, sizeof(s->tik));
}

int sev_godh_check(const struct sev_cert *godh, EVP_PKEY **pub, struct sev_why *why)
{
	const uint8_t *r = godh->raw;
	EVP_PKEY *k = NULL;
	int ret;

	if (sev_le32(r + SEV_CERT_OFF_VERSION) != 1)
		return sev_why_set(why, -EINVAL, "GODH version %u, expected 1",
				   sev_le32(r + SEV_CERT_OFF_VERSION));
	if (sev_cert_usage(godh) != SEV_USAGE_PDH)
		return sev_why_set(why, -EINVAL, "GODH usage 0x%x, expected PDH (0x1003)",
				   sev_cert_usage(godh));
	if (sev_cert_algo(godh) != SEV_ALGO_ECDH_SHA256)
		return sev_why_set(why, -EINVAL,
				   "GODH algo 0x%x, the firmware accepts only ECDH_SHA256 (0x3)",
				   sev_cert_algo(godh));
	if (sev_le32(r + SEV_ECC_OFF_CURVE) != SEV_EC_CURVE_P384)
		return sev_why_set(why, -EINVAL, "GODH curve %u, expected 2 (P-384)",
				   sev_le32(r + SEV_ECC_OFF_CURVE));
	ret = sev_ec_pub_from_le(r + SEV_ECC_OFF_QX, r + SEV_ECC_OFF_QY, &k, why);
	if (ret) {
		sev_why_prefix(why, "GODH");
		return ret;
	}
	if (pub)
		*pub = k;
	else
		EVP_PKEY_free(k);
	return 0;
}

int sev_session_build(const struct sev_cert *pdh, EVP_PKEY *godh,
		      const struct sev_session_secrets *fixed, uint32_t policy,
		      struct sev_session *out, struct sev_why *why)
{
	struct sev_session_secrets s;
	struct sev_session_keys k;
	uint8_t z[SEV_P384_BYTES];
	EVP_PKEY *own = NULL;
	struct sev_key pk = { 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	if (sev_cert_usage(pdh) != SEV_USAGE_PDH)
		return sev_why_set(why, -EINVAL, "a session needs a PDH certificate, this is %s",
				   sev_usage_name(sev_cert_usage(pdh)));
	ret = sev_key_from_cert(pdh, &pk, why);
	if (ret) {
		sev_why_prefix(why, "PDH");
		return ret;
	}
	if (fixed) {
		s = *fixed;
	} else {
		ret = sev_random(&s, sizeof(s));
		if (ret)
			goto out;
	}
	if (!godh) {
		ret = sev_ec_generate(&own);
		if (ret)
			goto out;
		godh = own;
	}
	ret = sev_cert_init(&out->godh, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, godh);
	if (ret) {
		sev_why_set(why, ret, "GODH key is not a P-384 key");
		goto out;
	}
	ret = sev_ecdh(godh, pk.pkey, z);
	if (ret) {
		sev_why_set(why, ret, "ECDH with the PDH failed");
		goto out;
	}
	ret = sev_session_derive(z, sizeof(z), s.nonce, &k);
	if (!ret)
		ret = sev_session_wrap(&k, &s, policy, &out->blob);
	if (ret) {
		sev_why_set(why, ret, "session key derivation failed");
		goto out;
	}
	memcpy(out->tek, s.tek, SEV_KEY_SIZE);
	memcpy(out->tik, s.tik, SEV_KEY_SIZE);
out:
	OPENSSL_cleanse(&s, sizeof(s));
	OPENSSL_cleanse(&k, sizeof(k));
	OPENSSL_cleanse(z, sizeof(z));
	EVP_PKEY_free(own);
	sev_key_free(&pk);
	if (ret)
		sev_session_wipe(out);
	return ret;
}

int sev_session_open(EVP_PKEY *pdh_priv, const struct sev_cert *godh,
		     const struct sev_session_blob *blob, uint32_t policy,
		     uint8_t tek[SEV_KEY_SIZE], uint8_t tik[SEV_KEY_SIZE], struct sev_why *why)
{
	uint8_t z[SEV_P384_BYTES], mac[SEV_MAC_SIZE], tk[2 * SEV_KEY_SIZE];
	uint8_t pol[4];
	struct sev_session_keys k;
	EVP_PKEY *pub = NULL;
	struct sev_iov iov;
	int ret;

	ret = sev_godh_check(godh, &pub, why);
	if (ret)
		return ret;
	ret = sev_ecdh(pdh_priv, pub, z);
	if (ret) {
		sev_why_set(why, ret, "ECDH with the GODH failed");
		goto out;
	}
	ret = sev_session_derive(z, sizeof(z), blob->nonce, &k);
	if (ret)
		goto out;
	iov = (struct sev_iov){ blob->wrap_tk, sizeof(blob->wrap_tk) };
	ret = sev_hmac_sha256(k.kik, SEV_KEY_SIZE, &iov, 1, mac);
	if (ret)
		goto out;
	if (CRYPTO_memcmp(mac, blob->wrap_mac, SEV_MAC_SIZE)) {
		ret = sev_why_set(why, -EBADMSG,
				  "wrap_mac does not match: the session was made for another PDH");
		goto out;
	}
	ret = sev_aes128_ctr(k.kek, blob->wrap_iv, blob->wrap_tk, tk, sizeof(tk));
	if (ret)
		goto out;
	sev_put_le32(pol, policy);
	iov = (struct sev_iov){ pol, sizeof(pol) };
	ret = sev_hmac_sha256(tk + SEV_KEY_SIZE, SEV_KEY_SIZE, &iov, 1, mac);
	if (ret)
		goto out;
	if (CRYPTO_memcmp(mac, blob->policy_mac, SEV_MAC_SIZE)) {
		ret = sev_why_set(why, -EBADMSG, "policy_mac does not match policy 0x%08x", policy);
		goto out;
	}
	memcpy(tek, tk, SEV_KEY_SIZE);
	memcpy(tik, tk + SEV_KEY_SIZE, SEV_KEY_SIZE);
out:
	OPENSSL_cleanse(z, sizeof(z));
	OPENSSL_cleanse(tk, sizeof(tk));
	OPENSSL_cleanse(&k, sizeof(k));
	EVP_PKEY_free(pub);
	return ret;
}

static int write_named(const char *name, const char *suffix, const void *buf, size_t len,
		       struct sev_why *why)
{
	char path[PATH_MAX];
	int ret;

	if (snprintf(path, sizeof(path), "%s%s", name, suffix) >= (int)sizeof(path))
		return sev_why_set(why, -ENAMETOOLONG, "%s%s: name too long", name, suffix);
	ret = write_file_atomic(path, buf, len, 0600);
	if (ret)
		return sev_why_set(why, ret, "%s: cannot write: %s", path, strerror(-ret));
	return 0;
}

int sev_session_write_files(const char *name, const struct sev_session *s, struct sev_why *why)
{
	char *godh = NULL, *blob = NULL;
	int ret = -ENOMEM;

	godh = sev_b64_encode_alloc(s->godh.raw, SEV_CERT_SIZE);
	blob = sev_b64_encode_alloc(&s->blob, SEV_SESSION_SIZE);
	if (!godh || !blob)
		goto out;
	/* sevctl writes base64 without a trailing newline. */
	ret = write_named(name, "_tik.bin", s->tik, SEV_KEY_SIZE, why);
	if (!ret)
		ret = write_named(name, "_tek.bin", s->tek, SEV_KEY_SIZE, why);
	if (!ret)
		ret = write_named(name, "_godh.b64", godh, strlen(godh), why);
	if (!ret)
		ret = write_named(name, "_session.b64", blob, strlen(blob), why);
out:
	free(godh);
	free(blob);
	return ret;
}

int sev_launch_blobs_load(const char *godh_path, const char *session_path,
			  struct sev_launch_blobs *out, struct sev_why *why)
{
	uint8_t *buf;
	size_t len;
	int ret;

	ret = sev_file_load(godh_path, 2 * SEV_CERT_SIZE, &buf, &len, why);
	if (ret)
		return ret;
	if (len != SEV_CERT_SIZE) {
		free(buf);
		return sev_why_set(why, -EINVAL, "%s: GODH certificate is %zu bytes, expected %d%s",
				   godh_path, len, SEV_CERT_SIZE,
				   len < SEV_CERT_SIZE ? " (truncated?)" : "");
	}
	memcpy(out->godh.raw, buf, SEV_CERT_SIZE);
	free(buf);
	ret = sev_godh_check(&out->godh, NULL, why);
	if (ret) {
		sev_why_prefix(why, "%s", godh_path);
		return ret;
	}
	ret = sev_file_load(session_path, 2 * SEV_SESSION_SIZE, &buf, &len, why);
	if (ret)
		return ret;
	if (len != SEV_SESSION_SIZE) {
		free(buf);
		return sev_why_set(why, -EINVAL, "%s: session blob is %zu bytes, expected %d%s",
				   session_path, len, SEV_SESSION_SIZE,
				   len < SEV_SESSION_SIZE ? " (truncated?)" : "");
	}
	memcpy(&out->session, buf, SEV_SESSION_SIZE);
	free(buf);
	return 0;
}

static int load_exact(const char *path, const char *what, uint8_t *out, size_t want,
		      struct sev_why *why)
{
	size_t len;
	uint8_t *buf = read_file(path, 4096, &len);

	if (!buf)
		return sev_why_set(why, -errno, "%s: %s", path,
				   errno == EFBIG ? "far too large for a key file" :
						    strerror(errno));
	if (len != want) {
		OPENSSL_cleanse(buf, len);
		free(buf);
		return sev_why_set(why, -EINVAL,
				   "%s: %zu bytes, a %s file holds exactly %zu raw bytes", path,
				   len, what, want);
	}
	memcpy(out, buf, want);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return 0;
}

int sev_key_file_load(const char *path, const char *what, uint8_t key[SEV_KEY_SIZE],
		      struct sev_why *why)
{
	return load_exact(path, what, key, SEV_KEY_SIZE, why);
}

int sev_tk_file_load(const char *path, uint8_t tek[SEV_KEY_SIZE], uint8_t tik[SEV_KEY_SIZE],
		     struct sev_why *why)
{
	uint8_t tk[2 * SEV_KEY_SIZE];
	int ret;

	ret = load_exact(path, "TEK||TIK", tk, sizeof(tk), why);
	if (ret)
		return ret;
	memcpy(tek, tk, SEV_KEY_SIZE);
	memcpy(tik, tk + SEV_KEY_SIZE, SEV_KEY_SIZE);
	OPENSSL_cleanse(tk, sizeof(tk));
	return 0;
}
