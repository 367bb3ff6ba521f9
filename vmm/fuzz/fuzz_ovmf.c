// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the GUIDed table at the end of an OVMF image, which
 * `owner measure --cpu-family` reads for the APs' reset address.  The
 * input is the image's tail; half the runs get a valid footer GUID, so
 * that the walk over the entries is reached.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sev/ovmf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sev_why why = { "" };
	uint8_t *fw = malloc(size + 48);
	uint32_t addr;

	if (!fw)
		return 0;
	memcpy(fw, data, size);
	FUZZ_IGNORE(sev_ovmf_ap_reset(fw, size, &addr, &why));
	/* The footer where it belongs, the input's bytes before it. */
	memset(fw + size, 0, 48);
	if (sev_guid_parse(SEV_GUID_OVMF_TABLE_FOOTER, fw + size) == 0)
		FUZZ_IGNORE(sev_ovmf_ap_reset(fw, size + 48, &addr, &why));
	free(fw);
	return 0;
}
