// SPDX-License-Identifier: MIT
/*
 * sevsim firmware half: the keys and certificates only a firmware (or
 * AMD) makes, which the guest-owner library in vmm/sev/ never needs to:
 * RSA-PSS signing with the model's ARK and ASK in AMD's CA format
 * (sev-crypto.md §2), the ASK's RSA signature on the CEK (§1), firmware
 * certificates carrying the running API version, key serialization for
 * the state file, and the chip ID.  Verification stays with vmm/sev/.
 */
#define PSP_INTERNAL
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "sev/b64.h"
#include "sev/cert.h"
#include "sev/crypto.h"
#include "sevsim/psp.h"

char *psp_key_to_b64(EVP_PKEY *key)
{
	unsigned char *der = NULL;
	char *out = NULL;
	int len;

	/* Type-specific DER; d2i_AutoPrivateKey() tells EC from RSA. */
	len = i2d_PrivateKey(key, &der);
	if (len > 0)
		out = sev_b64_encode_alloc(der, (size_t)len);
	if (der)
		OPENSSL_clear_free(der, len > 0 ? (size_t)len : 0);
	return out;
}

int psp_key_from_b64(const char *b64, EVP_PKEY **out)
{
	size_t cap = strlen(b64), len = 0;
	const unsigned char *p;
	uint8_t *der;
	EVP_PKEY *k;
	int ret;

	der = OPENSSL_malloc(cap + 1);
	if (!der)
		return -ENOMEM;
	ret = sev_b64_decode(b64, cap, der, cap, &len, NULL);
	if (ret)
		goto out;
	p = der;
	k = d2i_AutoPrivateKey(NULL, &p, (long)len);
	ERR_clear_error();
	if (!k) {
		ret = -EINVAL;
		goto out;
	}
	*out = k;
out:
	OPENSSL_clear_free(der, cap + 1);
	return ret;
}

/* Fixed-width little-endian copy of an RSA key's n or e. */
static int rsa_param_le(EVP_PKEY *key, const char *name, uint8_t *out, size_t width)
{
	BIGNUM *bn = NULL;
	int ret = -EIO;

	if (EVP_PKEY_get_bn_param(key, name, &bn) == 1 &&
	    BN_bn2lebinpad(bn, out, (int)width) == (int)width)
		ret = 0;
	BN_free(bn);
	return ret;
}

/*
 * RSASSA-PSS, MGF1 on the same hash, salt = hash length (what the
 * verifiers and FW rsa_pss_verify expect), stored little-endian.
 */
static int rsa_pss_sign_le(EVP_PKEY *key, unsigned int hash_bits, const void *msg, size_t len,
			   uint8_t *sig_le, size_t width)
{
	const EVP_MD *md = hash_bits == 384 ? EVP_sha384() : EVP_sha256();
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *be = NULL;
	size_t slen = 0;
	int ret = -EIO;

	if (!mctx)
		return -ENOMEM;
	if (EVP_DigestSignInit(mctx, &pctx, md, NULL, key) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1 ||
	    EVP_DigestSign(mctx, NULL, &slen, msg, len) != 1 || slen != width)
		goto out;
	be = OPENSSL_malloc(slen);
	if (!be) {
		ret = -ENOMEM;
		goto out;
	}
	if (EVP_DigestSign(mctx, be, &slen, msg, len) != 1 || slen != width)
		goto out;
	for (size_t i = 0; i < width; i++)
		sig_le[i] = be[width - 1 - i];
	ret = 0;
out:
	ERR_clear_error();
	OPENSSL_free(be);
	EVP_MD_CTX_free(mctx);
	return ret;
}

/* AMD CA keys hash by size: 2048 bits SHA-256, 4096 bits SHA-384 (§2). */
static unsigned int ca_hash_bits(size_t mod_bytes)
{
	return mod_bytes == 256 ? 256 : 384;
}

int psp_ca_generate(unsigned int bits, const struct psp_ca *ark, struct psp_ca *out)
{
	size_t nb = bits / 8, signed_len = SEV_CA_HDR_SIZE + 2 * nb;
	EVP_PKEY *key;
	uint8_t *c = out->cert;
	int ret;

	memset(out, 0, sizeof(*out));
	if (bits != 2048 && bits != 4096)
		return -EINVAL;
	if (ark && EVP_PKEY_get_bits(ark->key) != (int)bits)
		return -EINVAL; /* AMD pairs ARK and ASK of one size */
	key = EVP_RSA_gen(bits);
	if (!key)
		return -EIO;
	sev_put_le32(c + SEV_CA_OFF_VERSION, 1);
	ret = sev_random(c + SEV_CA_OFF_KEY_ID, SEV_CA_KEY_ID_SIZE);
	if (ret)
		goto fail;
	/* The ARK certifies itself; an ASK names the ARK's key_id. */
	memcpy(c + SEV_CA_OFF_CERTIFYING_ID,
	       ark ? ark->cert + SEV_CA_OFF_KEY_ID : c + SEV_CA_OFF_KEY_ID, SEV_CA_KEY_ID_SIZE);
	sev_put_le32(c + SEV_CA_OFF_KEY_USAGE, ark ? SEV_USAGE_ASK : SEV_USAGE_ARK);
	/* Real certificates give the exponent the modulus's width. */
	sev_put_le32(c + SEV_CA_OFF_PUBEXP_BITS, bits);
	sev_put_le32(c + SEV_CA_OFF_MODULUS_BITS, bits);
	ret = rsa_param_le(key, OSSL_PKEY_PARAM_RSA_E, c + SEV_CA_HDR_SIZE, nb);
	if (!ret)
		ret = rsa_param_le(key, OSSL_PKEY_PARAM_RSA_N, c + SEV_CA_HDR_SIZE + nb, nb);
	if (!ret)
		ret = rsa_pss_sign_le(ark ? ark->key : key, ca_hash_bits(nb), c, signed_len,
				      c + signed_len, nb);
	if (ret)
		goto fail;
	out->key = key;
	out->len = signed_len + nb;
	return 0;
fail:
	EVP_PKEY_free(key);
	return ret;
}

int psp_ca_check(const struct psp_ca *ca, const struct psp_ca *signer)
{
	struct sev_ca_cert cert, scert;
	struct sev_key k = { 0 };
	uint8_t n[SEV_RSA_MAX_BYTES];
	int ret;

	ret = sev_ca_cert_parse(ca->cert, ca->len, &cert, NULL, NULL);
	if (!ret && !cert.has_sig)
		ret = -EINVAL;
	if (!ret)
		ret = sev_ca_cert_parse(signer->cert, signer->len, &scert, NULL, NULL);
	if (!ret)
		ret = sev_key_from_ca(&scert, &k, NULL);
	if (!ret)
		ret = sev_ca_cert_verify(&k, &cert, NULL);
	/* The private key must be the certificate's. */
	if (!ret && (EVP_PKEY_get_bits(ca->key) != (int)cert.mod_bits ||
		     rsa_param_le(ca->key, OSSL_PKEY_PARAM_RSA_N, n, cert.mod_bits / 8) ||
		     memcmp(n, cert.raw + SEV_CA_HDR_SIZE + cert.exp_bits / 8, cert.mod_bits / 8)))
		ret = -EINVAL;
	sev_key_free(&k);
	return ret;
}

int psp_cert_sign_ask(struct sev_cert *c, const struct psp_ca *ask)
{
	size_t nb = (size_t)EVP_PKEY_get_size(ask->key);
	uint8_t *s = c->raw + SEV_CERT_OFF_SIG1;

	if (nb != 256 && nb != 512)
		return -EINVAL;
	memset(s, 0, SEV_CERT_SLOT_SIZE);
	sev_put_le32(s, SEV_USAGE_ASK);
	sev_put_le32(s + 4, nb == 256 ? SEV_ALGO_RSA_SHA256 : SEV_ALGO_RSA_SHA384);
	return rsa_pss_sign_le(ask->key, ca_hash_bits(nb), c->raw, SEV_CERT_BODY_SIZE, s + 8, nb);
}

int psp_cert_new(struct sev_cert *c, uint32_t usage, uint32_t algo, EVP_PKEY *key,
		 uint8_t api_major, uint8_t api_minor)
{
	int ret = sev_cert_init(c, usage, algo, key);

	/* The API fields are inside the signed body: set them first. */
	c->raw[SEV_CERT_OFF_API_MAJOR] = api_major;
	c->raw[SEV_CERT_OFF_API_MINOR] = api_minor;
	return ret;
}

int psp_chip_id_generate(uint8_t id[PSP_CHIP_ID_SIZE])
{
	uint8_t pt[1 + PSP_CHIP_ID_SIZE];
	EVP_PKEY *k = EVP_EC_gen("secp256k1");
	size_t len = 0;
	int ret = -EIO;

	if (!k)
		return -EIO;
	/* Uncompressed point 04 || X || Y, big-endian as GET_ID gives it. */
	if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &len) ==
		    1 &&
	    len == sizeof(pt) && pt[0] == 4) {
		memcpy(id, pt + 1, PSP_CHIP_ID_SIZE);
		ret = 0;
	}
	ERR_clear_error();
	EVP_PKEY_free(k);
	return ret;
}
