// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: SEV certificates (PEK, PDH, OCA, CEK: the platform's
 * export, a guest owner's GODH) and AMD CA certificates (ARK, ASK), as
 * `platform verify` and `owner session` parse them, key extraction
 * included; and, signer and signed from one input, the verification.
 */
#include <string.h>

#include "fuzz.h"
#include "sev/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sev_why why = { "" };
	struct sev_cert c, d;
	struct sev_ca_cert ca;
	struct sev_key k = { 0 };
	size_t used = 0;
	int slot;

	/* A certificate is exactly 2084 bytes: the input's first, then its second. */
	if (sev_cert_parse(data, size < sizeof(c.raw) ? size : sizeof(c.raw), &c, &why) == 0) {
		FUZZ_IGNORE(sev_cert_check_slots(&c, &why));
		if (sev_key_from_cert(&c, &k, &why) == 0) {
			/* The second, signed by the first? */
			if (size >= 2 * sizeof(c.raw) &&
			    sev_cert_parse(data + sizeof(c.raw), sizeof(d.raw), &d, &why) == 0)
				FUZZ_IGNORE(sev_cert_verify(&k, &d, &slot, &why));
			sev_key_free(&k);
		}
	}
	if (sev_ca_cert_parse(data, size, &ca, &used, &why) == 0) {
		memset(&k, 0, sizeof(k));
		if (sev_key_from_ca(&ca, &k, &why) == 0) {
			FUZZ_IGNORE(sev_ca_cert_verify(&k, &ca, &why));
			sev_key_free(&k);
		}
	}
	return 0;
}
