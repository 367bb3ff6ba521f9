// SPDX-License-Identifier: MIT
/*
 * Measurement: FW sev_guest.c sev_guest_measure, virtee/sev verify,
 * sevctl measurement.rs, libvirt get_measurements.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sev/b64.h"
#include "sev/cert.h"
#include "sev/crypto.h"
#include "sev/guid.h"
#include "sev/measure.h"

int sev_ld_init(struct sev_ld *ld)
{
	ld->md = EVP_MD_CTX_new();
	if (!ld->md)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ld->md, EVP_sha256(), NULL) != 1) {
		sev_ld_free(ld);
		return -EIO;
	}
	return 0;
}

int sev_ld_update(struct sev_ld *ld, const void *buf, size_t len)
{
	if (!ld->md)
		return -EINVAL;
	return EVP_DigestUpdate(ld->md, buf, len) == 1 ? 0 : -EIO;
}

int sev_ld_final(struct sev_ld *ld, uint8_t digest[SEV_DIGEST_SIZE])
{
	unsigned int n = 0;
	int ret;

	if (!ld->md)
		return -EINVAL;
	ret = EVP_DigestFinal_ex(ld->md, digest, &n) == 1 && n == SEV_DIGEST_SIZE ? 0 : -EIO;
	sev_ld_free(ld);
	return ret;
}

void sev_ld_free(struct sev_ld *ld)
{
	EVP_MD_CTX_free(ld->md);
	ld->md = NULL;
}

void sev_measure_msg(const struct sev_measure_params *p, uint8_t msg[SEV_MEASURE_MSG_SIZE])
{
	msg[0] = SEV_CTX_MEASURE;
	msg[1] = p->api_major;
	msg[2] = p->api_minor;
	msg[3] = p->build_id;
	sev_put_le32(msg + 4, p->policy);
	memcpy(msg + 8, p->ld, SEV_DIGEST_SIZE);
	memcpy(msg + 8 + SEV_DIGEST_SIZE, p->mnonce, SEV_MNONCE_SIZE);
}

int sev_measure_compute(const uint8_t tik[SEV_KEY_SIZE], const struct sev_measure_params *p,
			uint8_t out[SEV_MAC_SIZE])
{
	uint8_t msg[SEV_MEASURE_MSG_SIZE];
	struct sev_iov iov = { msg, sizeof(msg) };

	sev_measure_msg(p, msg);
	return sev_hmac_sha256(tik, SEV_KEY_SIZE, &iov, 1, out);
}

int sev_measure_check(const uint8_t tik[SEV_KEY_SIZE], const struct sev_measure_params *p,
		      const uint8_t reported[SEV_MAC_SIZE])
{
	uint8_t m[SEV_MAC_SIZE];
	int ret = sev_measure_compute(tik, p, m);

	if (ret)
		return ret;
	return CRYPTO_memcmp(m, reported, SEV_MAC_SIZE) ? -EBADMSG : 0;
}

int sev_measure_blob_decode(const char *b64, uint8_t meas[SEV_MAC_SIZE],
			    uint8_t mnonce[SEV_MNONCE_SIZE], struct sev_why *why)
{
	uint8_t buf[SEV_MEASURE_BLOB_SIZE];
	size_t n = 0;
	int ret;

	ret = sev_b64_decode(b64, strlen(b64), buf, sizeof(buf), &n, why);
	if (ret == -E2BIG || (!ret && n != sizeof(buf)))
		return sev_why_set(
			why, -EINVAL,
			"measurement blob must be base64 of 48 bytes (measurement || mnonce)%s",
			ret ? ", this is longer" : ", this is shorter");
	if (ret)
		return ret;
	memcpy(meas, buf, SEV_MAC_SIZE);
	memcpy(mnonce, buf + SEV_MAC_SIZE, SEV_MNONCE_SIZE);
	return 0;
}

static int hash_file(const char *path, uint8_t out[SEV_DIGEST_SIZE], struct sev_why *why)
{
	size_t len;
	void *buf = read_file(path, (size_t)1 << 31, &len);
	int ret;

	if (!buf)
		return sev_why_set(why, -errno, "%s: %s", path, strerror(errno));
	ret = sev_sha(256, buf, len, out);
	free(buf);
	return ret;
}

/* Entry: GUID || LE16 length of the whole entry || payload (§8). */
static size_t put_entry(uint8_t *p, const char *guid, const uint8_t hash[SEV_DIGEST_SIZE])
{
	(void)!sev_guid_parse(guid, p);
	p[16] = 16 + 2 + SEV_DIGEST_SIZE;
	p[17] = 0;
	memcpy(p + 18, hash, SEV_DIGEST_SIZE);
	return 16 + 2 + SEV_DIGEST_SIZE;
}

int sev_kernel_table_build(const char *kernel_path, const char *initrd_path, const char *cmdline,
			   uint8_t out[SEV_KERNEL_TABLE_SIZE], struct sev_why *why)
{
	uint8_t hk[SEV_DIGEST_SIZE], hi[SEV_DIGEST_SIZE], hc[SEV_DIGEST_SIZE];
	size_t off;
	int ret;

	ret = hash_file(kernel_path, hk, why);
	if (!ret && initrd_path)
		ret = hash_file(initrd_path, hi, why);
	else if (!ret)
		ret = sev_sha(256, "", 0, hi);
	/* The command line is hashed with its terminating NUL. */
	if (!ret)
		ret = sev_sha(256, cmdline ? cmdline : "", cmdline ? strlen(cmdline) + 1 : 1, hc);
	if (ret)
		return ret;
	memset(out, 0, SEV_KERNEL_TABLE_SIZE);
	(void)!sev_guid_parse(SEV_GUID_KERNEL_TABLE, out);
	out[16] = SEV_KERNEL_TABLE_LEN & 0xff;
	out[17] = SEV_KERNEL_TABLE_LEN >> 8;
	off = 18;
	off += put_entry(out + off, SEV_GUID_KERNEL_CMDLINE, hc);
	off += put_entry(out + off, SEV_GUID_KERNEL_INITRD, hi);
	off += put_entry(out + off, SEV_GUID_KERNEL_KERNEL, hk);
	return off == SEV_KERNEL_TABLE_LEN ? 0 : -EINVAL;
}
