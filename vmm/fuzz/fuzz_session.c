// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: LAUNCH_START's inputs as the firmware (the model's
 * PSP) takes them from a guest owner: a GODH certificate, then a session
 * blob.  The GODH's sanity check, then ECDH with a platform PDH key of
 * this process, the wrap MAC, the unwrap and the policy MAC.
 */
#include <string.h>

#include <openssl/evp.h>

#include "fuzz.h"
#include "sev/cert.h"
#include "sev/crypto.h"
#include "sev/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *pdh;
	struct sev_session_blob blob;
	struct sev_why why = { "" };
	uint8_t tek[SEV_KEY_SIZE], tik[SEV_KEY_SIZE];
	struct sev_cert godh;
	uint32_t policy = 0;

	if (!pdh && sev_ec_generate(&pdh))
		return 0;
	if (size < sizeof(godh.raw) || sev_cert_parse(data, sizeof(godh.raw), &godh, &why) ||
	    sev_godh_check(&godh, NULL, &why))
		return 0;
	data += sizeof(godh.raw);
	size -= sizeof(godh.raw);
	if (size < sizeof(blob) + 4)
		return 0;
	memcpy(&blob, data, sizeof(blob));
	memcpy(&policy, data + sizeof(blob), 4);
	FUZZ_IGNORE(sev_session_open(pdh, &godh, &blob, policy, tek, tik, &why));
	return 0;
}
