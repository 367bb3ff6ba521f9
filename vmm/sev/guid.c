// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#include "sev/guid.h"

int sev_guid_parse(const char *s, uint8_t out[SEV_GUID_SIZE])
{
	/* Big-endian byte order of the text, then swap the first groups. */
	static const uint8_t le_order[SEV_GUID_SIZE] = {
		3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15,
	};
	uint8_t be[SEV_GUID_SIZE];
	int n = 0;

	if (strlen(s) != SEV_GUID_STR_LEN)
		return -EINVAL;
	for (int i = 0; i < SEV_GUID_STR_LEN; i++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -EINVAL;
			continue;
		}
		hi = hex_digit(s[i]);
		lo = hex_digit(s[++i]);
		if (hi < 0 || lo < 0 || i == 8 || i == 13 || i == 18 || i == 23)
			return -EINVAL;
		be[n++] = (uint8_t)(hi << 4 | lo);
	}
	for (int i = 0; i < SEV_GUID_SIZE; i++)
		out[i] = be[le_order[i]];
	return 0;
}

void sev_guid_format(const uint8_t g[SEV_GUID_SIZE], char *out)
{
	snprintf(out, SEV_GUID_STR_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[3], g[2],
		 g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14],
		 g[15]);
}
