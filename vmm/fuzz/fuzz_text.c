// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the text a user or a guest owner's file gives: base64
 * (sessions, GODH, measurements, secrets), hex, byte arguments, policy
 * names and numbers, VMSA feature names.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sev/b64.h"
#include "sev/policy.h"
#include "sev/vmsa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sev_why why = { "" };
	uint8_t out[4096];
	size_t n = 0;
	uint32_t pol;
	uint64_t feat;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	FUZZ_IGNORE(sev_b64_decode(s, size, out, sizeof(out), &n, &why));
	FUZZ_IGNORE(sev_hex_decode(s, size, out, sizeof(out), &n, &why));
	FUZZ_IGNORE(sev_bytes_arg(s, out, 16, &why));
	if (sev_policy_parse(s, &pol, &why) == 0)
		FUZZ_IGNORE(sev_policy_check_launch(pol, pol & 4, &why));
	FUZZ_IGNORE(sev_vmsa_features_parse(s, &feat));
	free(s);
	return 0;
}
