// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: LAUNCH_SECRET.  The input is parsed as a decrypted
 * secret table (what `owner secret-check --extract` reads), and, where
 * its length is one the firmware takes, sealed as a packet and opened
 * again: what comes out must be what went in, and a packet with one bit
 * flipped must be refused.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sev/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t tek[SEV_KEY_SIZE] = { 1 }, tik[SEV_KEY_SIZE] = { 2 };
	static const uint8_t meas[SEV_MAC_SIZE] = { 3 }, iv[SEV_IV_SIZE] = { 4 };
	struct sev_secret_entry e[64];
	struct sev_secret_header hdr;
	struct sev_why why = { "" };
	uint8_t *ct, *pt;
	size_t n;

	FUZZ_IGNORE(sev_secret_table_parse(data, size, e, 64, &n, &why));
	if (!size || size % 16 || size > SEV_SECRET_MAX)
		return 0;
	ct = malloc(size);
	pt = malloc(size);
	if (!ct || !pt)
		abort();
	if (sev_secret_packet_build(tek, tik, meas, iv, 0, data, size, &hdr, ct, &why) ||
	    sev_secret_packet_open(tek, tik, meas, &hdr, ct, size, pt, &why) ||
	    memcmp(pt, data, size))
		abort(); /* the round trip must hold */
	ct[size / 2] ^= 1;
	if (!sev_secret_packet_open(tek, tik, meas, &hdr, ct, size, pt, &why))
		abort(); /* and a flipped bit must be caught by the MAC */
	free(ct);
	free(pt);
	return 0;
}
