// SPDX-License-Identifier: MIT
/*
 * libcrypto glue.  Only the EVP and OSSL_PARAM interfaces are used: the
 * low-level RSA_ / EC_KEY_ calls are deprecated in OpenSSL 3.0 and the
 * build treats deprecation warnings as errors.
 */
#include <errno.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "sev/crypto.h"
#include "util.h"

static const EVP_MD *md_for(unsigned int hash_bits)
{
	switch (hash_bits) {
	case 256:
		return EVP_sha256();
	case 384:
		return EVP_sha384();
	}
	return NULL;
}

/* Copy `n` bytes reversed: SEV little-endian <-> OpenSSL big-endian. */
static void reverse_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[n - 1 - i];
}

int sev_sha(unsigned int hash_bits, const void *buf, size_t len, uint8_t *out)
{
	const EVP_MD *md = md_for(hash_bits);

	if (!md)
		return -EINVAL;
	return EVP_Digest(buf, len, out, NULL, md, NULL) == 1 ? 0 : -EIO;
}

int sev_hmac_sha256(const void *key, size_t klen, const struct sev_iov *iov, size_t n,
		    uint8_t out[32])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_END,
	};
	EVP_MAC_CTX *ctx = NULL;
	EVP_MAC *mac;
	size_t outl = 0;
	int ret = -EIO;

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return -EIO;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto out;
	if (EVP_MAC_init(ctx, key, klen, params) != 1)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (iov[i].len && EVP_MAC_update(ctx, iov[i].base, iov[i].len) != 1)
			goto out;
	if (EVP_MAC_final(ctx, out, &outl, 32) != 1 || outl != 32)
		goto out;
	ret = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ret;
}

int sev_aes128_ctr(const uint8_t key[16], const uint8_t iv[16], const void *in, void *out,
		   size_t len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0, fin = 0, ret = -EIO;

	if (!ctx)
		return -ENOMEM;
	if (len > INT32_MAX)
		goto out;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, key, iv) != 1)
		goto out;
	if (len && EVP_EncryptUpdate(ctx, out, &outl, in, (int)len) != 1)
		goto out;
	if (EVP_EncryptFinal_ex(ctx, (uint8_t *)out + outl, &fin) != 1)
		goto out;
	if ((size_t)(outl + fin) != len)
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

int sev_random(void *buf, size_t len)
{
	if (len > INT32_MAX)
		return -EINVAL;
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -EIO;
}

int sev_rsa_pub_from_le(const uint8_t *n_le, size_t nlen, const uint8_t *e_le, size_t elen,
			EVP_PKEY **out, struct sev_why *why)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *n = NULL, *e = NULL;
	EVP_PKEY *pkey = NULL;
	int ret = -ENOMEM;

	n = BN_lebin2bn(n_le, (int)nlen, NULL);
	e = BN_lebin2bn(e_le, (int)elen, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (!n || !e || !bld)
		goto out;
	ret = sev_why_set(why, -EINVAL, "bad RSA key");
	if (BN_num_bits(n) != (int)(nlen * 8)) {
		sev_why_set(why, -EINVAL,
			    "RSA modulus has %d significant bits, the header says %zu",
			    BN_num_bits(n), nlen * 8);
		goto out;
	}
	if (!BN_is_odd(e) || BN_is_one(e)) {
		sev_why_set(why, -EINVAL, "RSA public exponent is not valid");
		goto out;
	}
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	*out = pkey;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return ret;
}

static int pss_setup(EVP_PKEY_CTX *pctx, const EVP_MD *md)
{
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1)
		return -EIO;
	return 0;
}

/* Big-endian copy of a little-endian signature, sized to the modulus. */
static uint8_t *rsa_sig_be(EVP_PKEY *pub, const uint8_t *sig_le, size_t slen)
{
	size_t klen = (size_t)EVP_PKEY_get_size(pub);
	uint8_t *be;

	if (slen != klen)
		return NULL;
	be = OPENSSL_malloc(klen);
	if (be)
		reverse_copy(be, sig_le, klen);
	return be;
}

int sev_rsa_pss_verify(EVP_PKEY *pub, unsigned int hash_bits, const void *msg, size_t len,
		       const uint8_t *sig_le, size_t slen)
{
	const EVP_MD *md = md_for(hash_bits);
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *be;
	int ret = -EIO, r;

	if (!md)
		return -EINVAL;
	be = rsa_sig_be(pub, sig_le, slen);
	if (!be)
		return -EINVAL;
	mctx = EVP_MD_CTX_new();
	if (!mctx)
		goto out;
	if (EVP_DigestVerifyInit(mctx, &pctx, md, NULL, pub) != 1)
		goto out;
	if (pss_setup(pctx, md))
		goto out;
	r = EVP_DigestVerify(mctx, be, slen, msg, len);
	ret = r == 1 ? 0 : -EBADMSG;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(mctx);
	OPENSSL_free(be);
	return ret;
}

int sev_rsa_pss_verify_digest(EVP_PKEY *pub, unsigned int hash_bits, const uint8_t *digest,
			      const uint8_t *sig_le, size_t slen)
{
	const EVP_MD *md = md_for(hash_bits);
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *be;
	int ret = -EIO, r;

	if (!md)
		return -EINVAL;
	be = rsa_sig_be(pub, sig_le, slen);
	if (!be)
		return -EINVAL;
	pctx = EVP_PKEY_CTX_new(pub, NULL);
	if (!pctx || EVP_PKEY_verify_init(pctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pctx, md) != 1 || pss_setup(pctx, md))
		goto out;
	r = EVP_PKEY_verify(pctx, be, slen, digest, EVP_MD_get_size(md));
	ret = r == 1 ? 0 : -EBADMSG;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(pctx);
	OPENSSL_free(be);
	return ret;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	while (n--)
		acc |= *p++;
	return acc == 0;
}

int sev_ec_pub_from_le(const uint8_t qx[72], const uint8_t qy[72], EVP_PKEY **out,
		       struct sev_why *why)
{
	uint8_t pt[1 + 2 * SEV_P384_BYTES];
	EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
	EVP_PKEY *pkey = NULL;
	int ret;
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"secp384r1", 0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)),
		OSSL_PARAM_END,
	};

	/* Only the low 48 bytes of each 72-byte field are significant. */
	if (!all_zero(qx + SEV_P384_BYTES, 72 - SEV_P384_BYTES))
		return sev_why_set(why, -EINVAL,
				   "public key malformed: Qx bytes 48..71 are not zero");
	if (!all_zero(qy + SEV_P384_BYTES, 72 - SEV_P384_BYTES))
		return sev_why_set(why, -EINVAL,
				   "public key malformed: Qy bytes 48..71 are not zero");
	pt[0] = 0x04; /* SEC1 uncompressed point */
	reverse_copy(pt + 1, qx, SEV_P384_BYTES);
	reverse_copy(pt + 1 + SEV_P384_BYTES, qy, SEV_P384_BYTES);

	ret = -ENOMEM;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx)
		goto out;
	ret = sev_why_set(why, -EINVAL, "public key malformed: not a point on P-384");
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	chk = EVP_PKEY_CTX_new(pkey, NULL);
	if (!chk || EVP_PKEY_public_check(chk) != 1)
		goto out;
	*out = pkey;
	pkey = NULL;
	ret = 0;
out:
	ERR_clear_error();
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

bool sev_ec_is_p384(EVP_PKEY *key)
{
	char name[64];
	size_t len = 0;

	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return false;
	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
					   &len) != 1)
		return false;
	return !strcmp(name, "secp384r1") || !strcmp(name, "P-384");
}

int sev_ec_pub_to_le(EVP_PKEY *key, uint8_t qx[72], uint8_t qy[72])
{
	BIGNUM *x = NULL, *y = NULL;
	int ret = -EINVAL;

	if (!sev_ec_is_p384(key))
		return -EINVAL;
	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1)
		goto out;
	if (BN_bn2lebinpad(x, qx, 72) != 72 || BN_bn2lebinpad(y, qy, 72) != 72)
		goto out;
	ret = 0;
out:
	BN_free(x);
	BN_free(y);
	return ret;
}

int sev_ecdsa_verify_digest(EVP_PKEY *pub, const uint8_t *digest, size_t dlen, const uint8_t r[72],
			    const uint8_t s[72])
{
	EVP_PKEY_CTX *pctx = NULL;
	ECDSA_SIG *sig = NULL;
	BIGNUM *br, *bs;
	uint8_t *der = NULL;
	int derlen, ret = -ENOMEM, v;

	br = BN_lebin2bn(r, 72, NULL);
	bs = BN_lebin2bn(s, 72, NULL);
	sig = ECDSA_SIG_new();
	if (!br || !bs || !sig)
		goto out;
	if (ECDSA_SIG_set0(sig, br, bs) != 1)
		goto out;
	br = bs = NULL;
	derlen = i2d_ECDSA_SIG(sig, &der);
	if (derlen <= 0)
		goto out;
	ret = -EIO;
	pctx = EVP_PKEY_CTX_new(pub, NULL);
	if (!pctx || EVP_PKEY_verify_init(pctx) != 1)
		goto out;
	v = EVP_PKEY_verify(pctx, der, (size_t)derlen, digest, dlen);
	ret = v == 1 ? 0 : -EBADMSG;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(pctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	BN_free(br);
	BN_free(bs);
	return ret;
}

int sev_ecdsa_sign_digest(EVP_PKEY *priv, const uint8_t *digest, size_t dlen, uint8_t r[72],
			  uint8_t s[72])
{
	EVP_PKEY_CTX *pctx = NULL;
	ECDSA_SIG *sig = NULL;
	const BIGNUM *br, *bs;
	const uint8_t *p;
	uint8_t der[256];
	size_t derlen = sizeof(der);
	int ret = -EIO;

	pctx = EVP_PKEY_CTX_new(priv, NULL);
	if (!pctx || EVP_PKEY_sign_init(pctx) != 1 ||
	    EVP_PKEY_sign(pctx, der, &derlen, digest, dlen) != 1)
		goto out;
	p = der;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	if (!sig)
		goto out;
	ECDSA_SIG_get0(sig, &br, &bs);
	if (BN_bn2lebinpad(br, r, 72) != 72 || BN_bn2lebinpad(bs, s, 72) != 72)
		goto out;
	ret = 0;
out:
	ERR_clear_error();
	ECDSA_SIG_free(sig);
	EVP_PKEY_CTX_free(pctx);
	return ret;
}

int sev_ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t z[SEV_P384_BYTES])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(priv, NULL);
	uint8_t buf[SEV_P384_BYTES];
	size_t len = sizeof(buf);
	int ret = -EIO;

	if (!ctx)
		return -ENOMEM;
	if (!sev_ec_is_p384(priv) || !sev_ec_is_p384(peer)) {
		ret = -EINVAL;
		goto out;
	}
	/*
	 * OpenSSL returns the X coordinate big-endian, padded to the field
	 * size: exactly the Z the SEV KDF wants (sev-crypto.md §0, trap 8).
	 */
	if (EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
	    EVP_PKEY_derive(ctx, buf, &len) != 1 || len != SEV_P384_BYTES)
		goto out;
	memcpy(z, buf, SEV_P384_BYTES);
	ret = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

int sev_ec_generate(EVP_PKEY **out)
{
	EVP_PKEY *k = EVP_EC_gen("P-384");

	if (!k)
		return -EIO;
	*out = k;
	return 0;
}

int sev_ec_load_private(const char *path, EVP_PKEY **out, struct sev_why *why)
{
	BIO *bio = BIO_new_file(path, "r");
	EVP_PKEY *k;

	if (!bio)
		return sev_why_set(why, -errno ? -errno : -ENOENT, "%s: cannot open: %s", path,
				   strerror(errno ? errno : ENOENT));
	k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (!k)
		return sev_why_set(why, -EINVAL, "%s: not a PEM private key", path);
	if (!sev_ec_is_p384(k)) {
		EVP_PKEY_free(k);
		return sev_why_set(why, -EINVAL,
				   "%s: not a P-384 EC key (SEV keys are ECDSA/ECDH P-384)", path);
	}
	*out = k;
	return 0;
}

int sev_ec_save_private(const char *path, EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data;
	long len;
	int ret = -EIO;

	if (!bio)
		return -ENOMEM;
	if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1)
		goto out;
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0)
		goto out;
	ret = write_file_atomic(path, data, (size_t)len, 0600);
out:
	BIO_free(bio);
	return ret;
}
