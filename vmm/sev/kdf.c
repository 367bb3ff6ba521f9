// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sev/cert.h"
#include "sev/crypto.h"
#include "sev/kdf.h"

int sev_kdf(const uint8_t *key, size_t klen, const char *label, const uint8_t *context, size_t clen,
	    uint8_t *out, size_t outlen)
{
	static const uint8_t zero;
	uint8_t ctr[4], lbits[4], k[32];
	size_t done = 0;
	int ret = 0;

	if (outlen == 0 || outlen > 0x10000000)
		return -EINVAL;
	sev_put_le32(lbits, (uint32_t)(outlen * 8));
	for (uint32_t i = 1; done < outlen; i++) {
		const struct sev_iov iov[] = {
			{ ctr, 4 },   { label, strlen(label) },
			{ &zero, 1 }, { context, context ? clen : 0 },
			{ lbits, 4 },
		};
		size_t n = outlen - done < 32 ? outlen - done : 32;

		sev_put_le32(ctr, i);
		ret = sev_hmac_sha256(key, klen, iov, ARRAY_SIZE(iov), k);
		if (ret)
			break;
		memcpy(out + done, k, n);
		done += n;
	}
	OPENSSL_cleanse(k, sizeof(k));
	return ret;
}
