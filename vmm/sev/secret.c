// SPDX-License-Identifier: MIT
/*
 * Secret packets: FW sev_channel.c sev_channel_hmac and
 * sev_mcmd_launch_secret; sevctl secret.rs; libvirt build_secrets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sev/cert.h"
#include "sev/crypto.h"
#include "sev/secret.h"

#define ENTRY_HDR (SEV_GUID_SIZE + 4)

int sev_secret_table_build(const struct sev_secret_entry *e, size_t n, enum sev_secret_pad pad,
			   uint8_t **out, size_t *len, struct sev_why *why)
{
	size_t total = ENTRY_HDR, padded, off;
	uint8_t *buf;

	if (n == 0)
		return sev_why_set(why, -EINVAL, "no secrets to put in the table");
	for (size_t i = 0; i < n; i++) {
		if (e[i].len > SEV_SECRET_MAX)
			return sev_why_set(
				why, -E2BIG,
				"secret %zu is %zu bytes, the whole packet may be at most %d",
				i + 1, e[i].len, SEV_SECRET_MAX);
		total += ENTRY_HDR + e[i].len;
	}
	if (pad == SEV_SECRET_PAD_LIBVIRT)
		padded = total + 16 - total % 16;
	else
		padded = ALIGN_UP(total, (size_t)16);
	if (padded > SEV_SECRET_MAX)
		return sev_why_set(
			why, -E2BIG,
			"secret table is %zu bytes padded, LAUNCH_SECRET takes at most %d (KVM SEV_FW_BLOB_MAX_SIZE)",
			padded, SEV_SECRET_MAX);
	buf = calloc(1, padded);
	if (!buf)
		return -ENOMEM;
	(void)!sev_guid_parse(SEV_GUID_SECRET_TABLE, buf);
	sev_put_le32(buf + SEV_GUID_SIZE, (uint32_t)total);
	off = ENTRY_HDR;
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + off, e[i].guid, SEV_GUID_SIZE);
		sev_put_le32(buf + off + SEV_GUID_SIZE, (uint32_t)(ENTRY_HDR + e[i].len));
		if (e[i].len)
			memcpy(buf + off + ENTRY_HDR, e[i].data, e[i].len);
		off += ENTRY_HDR + e[i].len;
	}
	*out = buf;
	*len = padded;
	return 0;
}

int sev_secret_table_parse(const uint8_t *buf, size_t len, struct sev_secret_entry *e, size_t max,
			   size_t *n, struct sev_why *why)
{
	uint8_t guid[SEV_GUID_SIZE];
	size_t total, off, cnt = 0;

	(void)!sev_guid_parse(SEV_GUID_SECRET_TABLE, guid);
	if (len < ENTRY_HDR || memcmp(buf, guid, SEV_GUID_SIZE))
		return sev_why_set(why, -EINVAL,
				   "not an OVMF secret table (GUID " SEV_GUID_SECRET_TABLE
				   " missing)");
	total = sev_le32(buf + SEV_GUID_SIZE);
	if (total < ENTRY_HDR || total > len)
		return sev_why_set(why, -EINVAL,
				   "secret table length %zu outside the %zu-byte payload", total,
				   len);
	for (off = ENTRY_HDR; off < total;) {
		size_t elen;

		if (total - off < ENTRY_HDR)
			return sev_why_set(why, -EINVAL, "secret table entry at %zu truncated",
					   off);
		elen = sev_le32(buf + off + SEV_GUID_SIZE);
		if (elen < ENTRY_HDR || elen > total - off)
			return sev_why_set(why, -EINVAL,
					   "secret table entry at %zu has bad length %zu", off,
					   elen);
		if (cnt == max)
			return sev_why_set(why, -E2BIG, "more than %zu secrets", max);
		memcpy(e[cnt].guid, buf + off, SEV_GUID_SIZE);
		e[cnt].data = buf + off + ENTRY_HDR;
		e[cnt].len = elen - ENTRY_HDR;
		cnt++;
		off += elen;
	}
	for (off = total; off < len; off++)
		if (buf[off])
			return sev_why_set(why, -EINVAL,
					   "non-zero byte at %zu in the padding after the table",
					   off);
	*n = cnt;
	return 0;
}

int sev_secret_mac(const uint8_t tik[SEV_KEY_SIZE], const uint8_t measure[SEV_MAC_SIZE],
		   uint32_t flags, const uint8_t iv[SEV_IV_SIZE], const uint8_t *ct, size_t len,
		   uint8_t mac[SEV_MAC_SIZE])
{
	static const uint8_t ctx = SEV_CTX_SECRET;
	uint8_t f[4], l[4];
	const struct sev_iov iov[] = {
		{ &ctx, 1 },
		{ f, 4 },
		{ iv, SEV_IV_SIZE },
		{ l, 4 }, /* GUEST_LENGTH */
		{ l, 4 }, /* TRANS_LENGTH: equal, the FW insists */
		{ ct, len },
		{ measure, SEV_MAC_SIZE },
	};

	sev_put_le32(f, flags);
	sev_put_le32(l, (uint32_t)len);
	return sev_hmac_sha256(tik, SEV_KEY_SIZE, iov, ARRAY_SIZE(iov), mac);
}

static int check_len(size_t len, uint32_t flags, struct sev_why *why)
{
	if (flags & SEV_SECRET_F_COMPRESSED)
		return sev_why_set(why, -EINVAL,
				   "FLAGS.COMPRESSED is set: the firmware does not support it");
	if (len == 0 || len % 16 || len > SEV_SECRET_MAX)
		return sev_why_set(
			why, -EINVAL,
			"secret payload is %zu bytes: it must be a non-zero multiple of 16 up to %d",
			len, SEV_SECRET_MAX);
	return 0;
}

int sev_secret_packet_build(const uint8_t tek[SEV_KEY_SIZE], const uint8_t tik[SEV_KEY_SIZE],
			    const uint8_t measure[SEV_MAC_SIZE], const uint8_t *iv, uint32_t flags,
			    const uint8_t *pt, size_t len, struct sev_secret_header *hdr,
			    uint8_t *ct, struct sev_why *why)
{
	int ret = check_len(len, flags, why);

	if (ret)
		return ret;
	hdr->flags = flags; /* little-endian host */
	if (iv)
		memcpy(hdr->iv, iv, SEV_IV_SIZE);
	else if ((ret = sev_random(hdr->iv, SEV_IV_SIZE)))
		return ret;
	ret = sev_aes128_ctr(tek, hdr->iv, pt, ct, len);
	if (!ret)
		ret = sev_secret_mac(tik, measure, flags, hdr->iv, ct, len, hdr->mac);
	if (ret)
		return sev_why_set(why, ret, "secret encryption failed");
	return 0;
}

int sev_secret_packet_open(const uint8_t tek[SEV_KEY_SIZE], const uint8_t tik[SEV_KEY_SIZE],
			   const uint8_t measure[SEV_MAC_SIZE], const struct sev_secret_header *hdr,
			   const uint8_t *ct, size_t len, uint8_t *pt, struct sev_why *why)
{
	uint8_t mac[SEV_MAC_SIZE];
	int ret = check_len(len, hdr->flags, why);

	if (ret)
		return ret;
	ret = sev_secret_mac(tik, measure, hdr->flags, hdr->iv, ct, len, mac);
	if (ret)
		return ret;
	if (CRYPTO_memcmp(mac, hdr->mac, SEV_MAC_SIZE))
		return sev_why_set(why, -EBADMSG,
				   "packet MAC does not match (wrong TIK, measurement or payload)");
	return sev_aes128_ctr(tek, hdr->iv, ct, pt, len);
}
