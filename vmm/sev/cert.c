// SPDX-License-Identifier: MIT
/*
 * SEV and AMD CA certificates.  Layouts and rules: sev-crypto.md §1-§3,
 * from AMD-ASPFW sev_cert.c / amd_cert.c, sev-tool sevcert.cpp and
 * virtee/sev.  Every read is bounded by the structure sizes checked in the
 * parsers; nothing trusts a length field before comparing it with the
 * buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sev/b64.h"
#include "sev/cert.h"
#include "sev/crypto.h"
#include "util.h"

const char *sev_usage_name(uint32_t usage)
{
	switch (usage) {
	case SEV_USAGE_ARK:
		return "ARK";
	case SEV_USAGE_ASK:
		return "ASK";
	case SEV_USAGE_INVALID:
		return "none";
	case SEV_USAGE_OCA:
		return "OCA";
	case SEV_USAGE_PEK:
		return "PEK";
	case SEV_USAGE_PDH:
		return "PDH";
	case SEV_USAGE_CEK:
		return "CEK";
	}
	return "unknown";
}

const char *sev_algo_name(uint32_t algo)
{
	switch (algo) {
	case SEV_ALGO_INVALID:
		return "none";
	case SEV_ALGO_RSA_SHA256:
		return "RSA_SHA256";
	case SEV_ALGO_ECDSA_SHA256:
		return "ECDSA_SHA256";
	case SEV_ALGO_ECDH_SHA256:
		return "ECDH_SHA256";
	case SEV_ALGO_RSA_SHA384:
		return "RSA_SHA384";
	case SEV_ALGO_ECDSA_SHA384:
		return "ECDSA_SHA384";
	case SEV_ALGO_ECDH_SHA384:
		return "ECDH_SHA384";
	}
	return "unknown";
}

/* The low byte picks the scheme, 0x100 selects SHA-384 (FW sev_cert.h). */
static bool algo_is_rsa(uint32_t a)
{
	return a == SEV_ALGO_RSA_SHA256 || a == SEV_ALGO_RSA_SHA384;
}

static bool algo_is_ecdsa(uint32_t a)
{
	return a == SEV_ALGO_ECDSA_SHA256 || a == SEV_ALGO_ECDSA_SHA384;
}

static bool algo_is_ecdh(uint32_t a)
{
	return a == SEV_ALGO_ECDH_SHA256 || a == SEV_ALGO_ECDH_SHA384;
}

static unsigned int algo_hash_bits(uint32_t a)
{
	return (a & 0x100) ? 384 : 256;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	while (n--)
		acc |= *p++;
	return acc == 0;
}

int sev_cert_parse(const void *buf, size_t len, struct sev_cert *c, struct sev_why *why)
{
	const uint8_t *p = buf;
	uint32_t version, usage, algo;

	if (len != SEV_CERT_SIZE)
		return sev_why_set(why, -EINVAL, "%zu bytes, a SEV certificate is %d bytes", len,
				   SEV_CERT_SIZE);
	version = sev_le32(p + SEV_CERT_OFF_VERSION);
	usage = sev_le32(p + SEV_CERT_OFF_USAGE);
	algo = sev_le32(p + SEV_CERT_OFF_ALGO);
	if (version != 1)
		return sev_why_set(why, -EINVAL, "SEV certificate version %u, expected 1", version);
	switch (usage) {
	case SEV_USAGE_OCA:
	case SEV_USAGE_PEK:
	case SEV_USAGE_CEK:
		if (!algo_is_ecdsa(algo) && !algo_is_rsa(algo))
			return sev_why_set(
				why, -EINVAL,
				"%s certificate with algo 0x%x (%s): a signing key must be ECDSA or RSA",
				sev_usage_name(usage), algo, sev_algo_name(algo));
		break;
	case SEV_USAGE_PDH:
		if (!algo_is_ecdh(algo))
			return sev_why_set(
				why, -EINVAL,
				"PDH certificate with algo 0x%x (%s): a PDH key must be ECDH", algo,
				sev_algo_name(algo));
		break;
	default:
		return sev_why_set(
			why, -EINVAL,
			"usage 0x%x is not a SEV certificate usage (OCA, PEK, PDH or CEK)", usage);
	}
	memcpy(c->raw, p, SEV_CERT_SIZE);
	return 0;
}

int sev_ca_cert_parse(const void *buf, size_t len, struct sev_ca_cert *c, size_t *used,
		      struct sev_why *why)
{
	const uint8_t *p = buf;
	uint32_t version, usage, exp_bits, mod_bits;
	size_t signed_len, full;

	if (len < SEV_CA_HDR_SIZE)
		return sev_why_set(
			why, -EINVAL,
			"%zu bytes, too short for an AMD CA certificate (header alone is %d)", len,
			SEV_CA_HDR_SIZE);
	version = sev_le32(p + SEV_CA_OFF_VERSION);
	usage = sev_le32(p + SEV_CA_OFF_KEY_USAGE);
	exp_bits = sev_le32(p + SEV_CA_OFF_PUBEXP_BITS);
	mod_bits = sev_le32(p + SEV_CA_OFF_MODULUS_BITS);
	if (version != 1)
		return sev_why_set(why, -EINVAL, "AMD CA certificate version %u, expected 1",
				   version);
	if (usage != SEV_USAGE_ARK && usage != SEV_USAGE_ASK)
		return sev_why_set(why, -EINVAL,
				   "key usage 0x%x is neither ARK (0x0) nor ASK (0x13)", usage);
	if (mod_bits != 2048 && mod_bits != 4096)
		return sev_why_set(why, -EINVAL,
				   "modulus size %u bits; AMD CA keys are 2048 or 4096 bits",
				   mod_bits);
	if (exp_bits == 0 || exp_bits % 8 || exp_bits > 4096)
		return sev_why_set(why, -EINVAL,
				   "public exponent size %u bits is not a byte count up to 4096",
				   exp_bits);
	signed_len = SEV_CA_HDR_SIZE + exp_bits / 8 + mod_bits / 8;
	full = signed_len + mod_bits / 8;
	if (len < signed_len)
		return sev_why_set(why, -EINVAL,
				   "%zu bytes, truncated: a %u-bit AMD CA certificate is %zu bytes",
				   len, mod_bits, full);
	if (used) {
		/* In a concatenation only a complete certificate fits. */
		if (len < full)
			return sev_why_set(
				why, -EINVAL,
				"%zu bytes left, truncated: a %u-bit AMD CA certificate is %zu bytes",
				len, mod_bits, full);
		*used = full;
	} else if (len != full && len != signed_len) {
		return sev_why_set(
			why, -EINVAL,
			"%zu bytes; a %u-bit AMD CA certificate is %zu bytes (%zu without signature)",
			len, mod_bits, full, signed_len);
	}
	memset(c, 0, sizeof(*c));
	c->has_sig = used || len == full;
	c->len = c->has_sig ? full : signed_len;
	memcpy(c->raw, p, c->len);
	c->signed_len = signed_len;
	c->usage = usage;
	c->exp_bits = exp_bits;
	c->mod_bits = mod_bits;
	return 0;
}

bool sev_cert_slot_empty(const struct sev_cert *c, int slot)
{
	return sev_cert_slot_usage(c, slot) == SEV_USAGE_INVALID &&
	       sev_cert_slot_algo(c, slot) == SEV_ALGO_INVALID;
}

int sev_cert_check_slots(const struct sev_cert *c, struct sev_why *why)
{
	for (int i = 0; i < 2; i++) {
		bool u_inv = sev_cert_slot_usage(c, i) == SEV_USAGE_INVALID;
		bool a_inv = sev_cert_slot_algo(c, i) == SEV_ALGO_INVALID;

		/* FW sev_cert_validate_sig: half-empty is BAD_SIGNATURE. */
		if (u_inv != a_inv)
			return sev_why_set(why, -EINVAL,
					   "signature slot %d malformed: usage 0x%x with algo 0x%x",
					   i + 1, sev_cert_slot_usage(c, i),
					   sev_cert_slot_algo(c, i));
	}
	return 0;
}

void sev_key_free(struct sev_key *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

int sev_key_from_cert(const struct sev_cert *c, struct sev_key *k, struct sev_why *why)
{
	uint32_t algo = sev_cert_algo(c);
	const uint8_t *r = c->raw;
	int ret;

	memset(k, 0, sizeof(*k));
	k->usage = sev_cert_usage(c);
	k->algo = algo;
	if (algo_is_ecdsa(algo) || algo_is_ecdh(algo)) {
		uint32_t curve = sev_le32(r + SEV_ECC_OFF_CURVE);

		if (curve != SEV_EC_CURVE_P384)
			return sev_why_set(why, -EINVAL,
					   "public key malformed: curve %u, expected 2 (P-384)",
					   curve);
		if (!all_zero(r + SEV_ECC_OFF_RESERVED, SEV_CERT_BODY_SIZE - SEV_ECC_OFF_RESERVED))
			return sev_why_set(
				why, -EINVAL,
				"public key malformed: reserved bytes 0xa4-0x413 are not zero");
		return sev_ec_pub_from_le(r + SEV_ECC_OFF_QX, r + SEV_ECC_OFF_QY, &k->pkey, why);
	}
	if (algo_is_rsa(algo)) {
		uint32_t bits = sev_le32(r + SEV_RSA_OFF_MODULUS_BITS);

		if (bits < 2048 || bits > 4096 || bits % 8)
			return sev_why_set(why, -EINVAL, "RSA modulus size %u bits not supported",
					   bits);
		ret = sev_rsa_pub_from_le(r + SEV_RSA_OFF_MODULUS, bits / 8, r + SEV_RSA_OFF_PUBEXP,
					  SEV_RSA_MAX_BYTES, &k->pkey, why);
		k->rsa_bytes = bits / 8;
		return ret;
	}
	return sev_why_set(why, -EINVAL, "unknown key algorithm 0x%x", algo);
}

int sev_key_from_ca(const struct sev_ca_cert *c, struct sev_key *k, struct sev_why *why)
{
	const uint8_t *e = c->raw + SEV_CA_HDR_SIZE;
	const uint8_t *n = e + c->exp_bits / 8;

	memset(k, 0, sizeof(*k));
	k->usage = c->usage;
	/* AMD CA keys sign with the hash their size sets (enarx PR #590). */
	k->algo = c->mod_bits == 2048 ? SEV_ALGO_RSA_SHA256 : SEV_ALGO_RSA_SHA384;
	k->rsa_bytes = c->mod_bits / 8;
	k->has_key_id = true;
	memcpy(k->key_id, c->raw + SEV_CA_OFF_KEY_ID, SEV_CA_KEY_ID_SIZE);
	return sev_rsa_pub_from_le(n, c->mod_bits / 8, e, c->exp_bits / 8, &k->pkey, why);
}

/* Check one slot's signature over the certificate body. */
static int verify_slot(const struct sev_key *signer, const struct sev_cert *c, int slot,
		       struct sev_why *why)
{
	const uint8_t *s = sev_cert_slot(c, slot) + 8;
	uint32_t algo = sev_cert_slot_algo(c, slot);
	unsigned int hbits = algo_hash_bits(algo);
	uint8_t digest[48];
	int ret;

	if (algo_is_rsa(algo)) {
		if (!signer->rsa_bytes)
			return sev_why_set(why, -EINVAL, "slot %d is RSA but the %s key is not",
					   slot + 1, sev_usage_name(signer->usage));
		if (!all_zero(s + signer->rsa_bytes, SEV_CERT_SIG_SIZE - signer->rsa_bytes))
			return sev_why_set(
				why, -EINVAL,
				"slot %d: bytes after the %zu-byte RSA signature are not zero",
				slot + 1, signer->rsa_bytes);
		ret = sev_rsa_pss_verify(signer->pkey, hbits, c->raw, SEV_CERT_BODY_SIZE, s,
					 signer->rsa_bytes);
	} else if (algo_is_ecdsa(algo)) {
		if (signer->rsa_bytes)
			return sev_why_set(why, -EINVAL, "slot %d is ECDSA but the %s key is RSA",
					   slot + 1, sev_usage_name(signer->usage));
		/* r[72] then s[72], then zeros (sev-tool sev_ecdsa_sig). */
		if (!all_zero(s + 2 * SEV_ECC_COORD_SIZE,
			      SEV_CERT_SIG_SIZE - 2 * SEV_ECC_COORD_SIZE))
			return sev_why_set(why, -EINVAL,
					   "slot %d: bytes after the ECDSA r and s are not zero",
					   slot + 1);
		ret = sev_sha(hbits, c->raw, SEV_CERT_BODY_SIZE, digest);
		if (ret)
			return ret;
		ret = sev_ecdsa_verify_digest(signer->pkey, digest, hbits / 8, s,
					      s + SEV_ECC_COORD_SIZE);
	} else {
		return sev_why_set(why, -EINVAL, "slot %d: algo 0x%x cannot sign", slot + 1, algo);
	}
	if (ret == -EBADMSG)
		return sev_why_set(why, ret,
				   "%s signature in slot %d by the %s key does not verify",
				   sev_algo_name(algo), slot + 1, sev_usage_name(signer->usage));
	if (ret)
		return sev_why_set(why, ret, "slot %d: signature check failed inside libcrypto",
				   slot + 1);
	return 0;
}

int sev_cert_verify(const struct sev_key *signer, const struct sev_cert *c, int *slot,
		    struct sev_why *why)
{
	int ret = -ENOENT, i;

	if (!algo_is_rsa(signer->algo) && !algo_is_ecdsa(signer->algo))
		return sev_why_set(why, -EINVAL, "the %s key (%s) cannot sign",
				   sev_usage_name(signer->usage), sev_algo_name(signer->algo));
	for (i = 0; i < 2; i++) {
		uint32_t u = sev_cert_slot_usage(c, i);
		uint32_t a = sev_cert_slot_algo(c, i);

		if (u != signer->usage)
			continue;
		if (a != signer->algo) {
			/*
			 * The slot's algo must be the signer's: a Naples-era
			 * RSA_SHA256 slot is not checked with SHA-384 against
			 * a 4096-bit ASK, nor the other way round (enarx #520).
			 */
			ret = sev_why_set(why, -EINVAL,
					  "slot %d says %s by %s, but that %s key signs with %s",
					  i + 1, sev_algo_name(a), sev_usage_name(u),
					  sev_usage_name(u), sev_algo_name(signer->algo));
			continue;
		}
		ret = verify_slot(signer, c, i, why);
		if (ret == 0) {
			if (slot)
				*slot = i;
			return 0;
		}
	}
	if (ret == -ENOENT) {
		if (sev_cert_slot_empty(c, 0) && sev_cert_slot_empty(c, 1))
			return sev_why_set(
				why, -ENOENT, "not signed: both signature slots are empty%s",
				sev_cert_usage(c) == SEV_USAGE_CEK ?
					" (the platform exports its CEK unsigned; AMD KDS has the signed one)" :
					"");
		return sev_why_set(why, -ENOENT,
				   "no signature by %s (slot 1: %s/%s, slot 2: %s/%s)",
				   sev_usage_name(signer->usage),
				   sev_usage_name(sev_cert_slot_usage(c, 0)),
				   sev_algo_name(sev_cert_slot_algo(c, 0)),
				   sev_usage_name(sev_cert_slot_usage(c, 1)),
				   sev_algo_name(sev_cert_slot_algo(c, 1)));
	}
	return ret;
}

int sev_ca_cert_verify(const struct sev_key *signer, const struct sev_ca_cert *c,
		       struct sev_why *why)
{
	bool id_ok;
	int ret;

	if (!signer->has_key_id || !signer->rsa_bytes)
		return sev_why_set(why, -EINVAL, "an AMD CA certificate is signed only by an ARK");
	if (!c->has_sig)
		return sev_why_set(
			why, -EINVAL,
			"missing signature: %zu bytes hold header, exponent and modulus only (AMD publishes the Naples ARK this way, AMDSEV#17)",
			c->len);
	id_ok = !memcmp(c->raw + SEV_CA_OFF_CERTIFYING_ID, signer->key_id, SEV_CA_KEY_ID_SIZE);
	ret = sev_rsa_pss_verify(signer->pkey, signer->rsa_bytes == 256 ? 256 : 384, c->raw,
				 c->signed_len, c->raw + c->signed_len, c->mod_bits / 8);
	/* Signature sizes follow the signer's modulus; AMD pairs equal sizes. */
	if (ret == -EINVAL)
		return sev_why_set(why, ret,
				   "%u-bit certificate cannot carry a signature by a %zu-bit key",
				   c->mod_bits, signer->rsa_bytes * 8);
	if (ret == -EBADMSG)
		return sev_why_set(why, ret, "RSA-PSS (SHA-%d) signature does not verify%s",
				   signer->rsa_bytes == 256 ? 256 : 384,
				   id_ok ? "" : "; certifying_id is not the signer's key_id");
	if (ret)
		return sev_why_set(why, ret, "signature check failed inside libcrypto");
	if (!id_ok)
		return sev_why_set(why, -EINVAL, "certifying_id is not the signer's key_id");
	return 0;
}

bool sev_cert_same_key(const struct sev_cert *a, const struct sev_cert *b)
{
	return !memcmp(a->raw + SEV_CERT_OFF_USAGE, b->raw + SEV_CERT_OFF_USAGE,
		       SEV_CERT_BODY_SIZE - SEV_CERT_OFF_USAGE);
}

bool sev_ca_cert_same_key(const struct sev_ca_cert *a, const struct sev_ca_cert *b)
{
	return a->signed_len == b->signed_len &&
	       !memcmp(a->raw + SEV_CA_OFF_KEY_ID, b->raw + SEV_CA_OFF_KEY_ID,
		       SEV_CA_KEY_ID_SIZE) &&
	       a->usage == b->usage &&
	       !memcmp(a->raw + SEV_CA_OFF_PUBEXP_BITS, b->raw + SEV_CA_OFF_PUBEXP_BITS,
		       a->signed_len - SEV_CA_OFF_PUBEXP_BITS);
}

int sev_cert_init(struct sev_cert *c, uint32_t usage, uint32_t algo, EVP_PKEY *pub)
{
	uint8_t *r = c->raw;

	memset(c, 0, sizeof(*c));
	sev_put_le32(r + SEV_CERT_OFF_VERSION, 1);
	sev_put_le32(r + SEV_CERT_OFF_USAGE, usage);
	sev_put_le32(r + SEV_CERT_OFF_ALGO, algo);
	sev_put_le32(r + SEV_ECC_OFF_CURVE, SEV_EC_CURVE_P384);
	for (int i = 0; i < 2; i++) {
		uint8_t *s = r + (i ? SEV_CERT_OFF_SIG2 : SEV_CERT_OFF_SIG1);

		sev_put_le32(s, SEV_USAGE_INVALID);
		sev_put_le32(s + 4, SEV_ALGO_INVALID);
	}
	return sev_ec_pub_to_le(pub, r + SEV_ECC_OFF_QX, r + SEV_ECC_OFF_QY);
}

int sev_cert_sign(struct sev_cert *c, EVP_PKEY *priv, uint32_t signer_usage, int slot,
		  struct sev_why *why)
{
	uint8_t digest[32];
	uint8_t *s;
	int ret;

	if (!sev_ec_is_p384(priv))
		return sev_why_set(why, -EINVAL, "signing key is not P-384");
	if (slot < 0) {
		for (slot = 0; slot < 2; slot++)
			if (sev_cert_slot_empty(c, slot))
				break;
		if (slot == 2)
			return sev_why_set(why, -ENOSPC, "both signature slots are taken");
	}
	if (slot > 1)
		return sev_why_set(why, -EINVAL, "no slot %d", slot + 1);
	ret = sev_sha(256, c->raw, SEV_CERT_BODY_SIZE, digest);
	if (ret)
		return ret;
	s = c->raw + (slot ? SEV_CERT_OFF_SIG2 : SEV_CERT_OFF_SIG1);
	memset(s, 0, SEV_CERT_SLOT_SIZE);
	sev_put_le32(s, signer_usage);
	sev_put_le32(s + 4, SEV_ALGO_ECDSA_SHA256);
	ret = sev_ecdsa_sign_digest(priv, digest, sizeof(digest), s + 8,
				    s + 8 + SEV_ECC_COORD_SIZE);
	if (ret)
		return sev_why_set(why, ret, "ECDSA signing failed");
	return 0;
}

static bool is_text(const uint8_t *p, size_t n, bool hex_only)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = p[i];

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
			continue;
		if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		    (ch >= 'A' && ch <= 'F'))
			continue;
		if (hex_only)
			return false;
		if ((ch >= 'g' && ch <= 'z') || (ch >= 'G' && ch <= 'Z') || ch == '+' ||
		    ch == '/' || ch == '=')
			continue;
		return false;
	}
	return true;
}

int sev_file_load(const char *path, size_t max, uint8_t **buf, size_t *len, struct sev_why *why)
{
	uint8_t *raw, *dec = NULL;
	size_t n, got = 0;
	int ret;

	/* Text forms are at most twice as long (hex) plus line breaks. */
	raw = read_file(path, 3 * max + 64, &n);
	if (!raw) {
		if (errno == EFBIG)
			return sev_why_set(why, -EFBIG, "%s: too large (more than %zu bytes)", path,
					   max);
		return sev_why_set(why, -errno, "%s: %s", path, strerror(errno));
	}
	if (n == 0) {
		ret = sev_why_set(why, -EINVAL, "%s: empty file", path);
		goto out;
	}
	/* Binary SEV structures start with version 1 (LE32); text cannot. */
	if (n >= 4 && raw[0] == 1 && raw[1] == 0 && raw[2] == 0 && raw[3] == 0)
		goto binary;
	if (!is_text(raw, n, false))
		goto binary;
	dec = malloc(max ? max : 1);
	if (!dec) {
		ret = -ENOMEM;
		goto out;
	}
	if (is_text(raw, n, true))
		ret = sev_hex_decode((char *)raw, n, dec, max, &got, why);
	else
		ret = sev_b64_decode((char *)raw, n, dec, max, &got, why);
	if (ret) {
		sev_why_prefix(why, "%s", path);
		goto out;
	}
	free(raw);
	*buf = dec;
	*len = got;
	return 0;
binary:
	if (n > max) {
		ret = sev_why_set(why, -EFBIG, "%s: %zu bytes, more than %zu", path, n, max);
		goto out;
	}
	*buf = raw;
	*len = n;
	return 0;
out:
	free(raw);
	free(dec);
	return ret;
}

int sev_cert_load(const char *path, struct sev_cert *c, struct sev_why *why)
{
	uint8_t *buf;
	size_t len;
	int ret;

	ret = sev_file_load(path, 16 * SEV_CERT_SIZE, &buf, &len, why);
	if (ret)
		return ret;
	ret = sev_cert_parse(buf, len, c, why);
	if (ret) {
		if (len == SEV_CA_SIZE_2048 || len == SEV_CA_SIZE_4096)
			sev_why_set(
				why, ret,
				"%zu bytes: looks like an AMD CA certificate (ARK/ASK), not a SEV certificate",
				len);
		else if (len > SEV_CERT_SIZE && len % SEV_CERT_SIZE == 0)
			sev_why_set(
				why, ret,
				"%zu bytes: looks like a chain of %zu SEV certificates, not one",
				len, len / SEV_CERT_SIZE);
		sev_why_prefix(why, "%s", path);
	}
	free(buf);
	return ret;
}

int sev_ca_cert_load(const char *path, struct sev_ca_cert *c, struct sev_why *why)
{
	uint8_t *buf;
	size_t len;
	int ret;

	ret = sev_file_load(path, 4 * SEV_CA_SIZE_4096, &buf, &len, why);
	if (ret)
		return ret;
	ret = sev_ca_cert_parse(buf, len, c, NULL, why);
	if (ret) {
		if (len == SEV_CERT_SIZE)
			sev_why_set(
				why, ret,
				"%d bytes: looks like a SEV certificate, not an AMD CA certificate",
				SEV_CERT_SIZE);
		sev_why_prefix(why, "%s", path);
	}
	free(buf);
	return ret;
}
