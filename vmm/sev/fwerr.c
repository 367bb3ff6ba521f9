// SPDX-License-Identifier: MIT
/*
 * Firmware status names with explicit values: kernel headers before a
 * late-2024 fix number the SNP codes wrongly and misspell INVALID_CONFIG
 * (reference kvm-sev-ioctls.md §4.2), so nothing here is derived from an
 * enum's position.  Descriptions follow QEMU's sev_fw_errlist.
 */
#include <stdio.h>

#include "minisev/sev.h"
#include "sev/fwerr.h"
#include "util.h"

struct fw_err_entry {
	uint32_t code;
	const char *name;
	const char *desc;
};

#define E(c, d)                   \
	{                         \
		SEV_FW_##c, #c, d \
	}
static const struct fw_err_entry fw_errs[] = {
	E(SUCCESS, "Success"),
	E(INVALID_PLATFORM_STATE, "Platform state is invalid"),
	E(INVALID_GUEST_STATE, "Guest state is invalid"),
	E(INVALID_CONFIG, "Platform configuration is invalid"),
	E(INVALID_LEN, "Buffer too small"),
	E(ALREADY_OWNED, "Platform is already owned"),
	E(INVALID_CERTIFICATE, "Certificate is invalid"),
	E(POLICY_FAILURE, "Policy is not allowed"),
	E(INACTIVE, "Guest is not active"),
	E(INVALID_ADDRESS, "Invalid address"),
	E(BAD_SIGNATURE, "Bad signature"),
	E(BAD_MEASUREMENT, "Bad measurement"),
	E(ASID_OWNED, "ASID is already owned"),
	E(INVALID_ASID, "Invalid ASID"),
	E(WBINVD_REQUIRED, "WBINVD is required"),
	E(DFFLUSH_REQUIRED, "DF_FLUSH is required"),
	E(INVALID_GUEST, "Guest handle is invalid"),
	E(INVALID_COMMAND, "Invalid command"),
	E(ACTIVE, "Guest is active"),
	E(HWSEV_RET_PLATFORM, "Hardware error"),
	E(HWSEV_RET_UNSAFE, "Hardware unsafe"),
	E(UNSUPPORTED, "Feature not supported"),
	E(INVALID_PARAM, "Invalid parameter"),
	E(RESOURCE_LIMIT, "Required firmware resource depleted"),
	E(SECURE_DATA_INVALID, "Part-specific integrity check failure"),
	E(INVALID_PAGE_SIZE, "Invalid page size (SNP)"),
	E(INVALID_PAGE_STATE, "Invalid page state (SNP)"),
	E(INVALID_MDATA_ENTRY, "Invalid metadata entry (SNP)"),
	E(INVALID_PAGE_OWNER, "Invalid page owner (SNP)"),
	E(AEAD_OFLOW, "AEAD algorithm would overflow (SNP)"),
	E(EXIT_RING_BUFFER, "Exit ring buffer mode"),
	E(RMP_INIT_REQUIRED, "RMP initialization required"),
	E(BAD_SVN, "Bad security version number"),
	E(BAD_VERSION, "Bad version"),
	E(SHUTDOWN_REQUIRED, "Shutdown required"),
	E(UPDATE_FAILED, "Update failed"),
	E(RESTORE_REQUIRED, "Restore required"),
	E(RMP_INITIALIZATION_FAILED, "RMP initialization failed"),
	E(INVALID_KEY, "Invalid key"),
};
#undef E

static const struct fw_err_entry *fw_err_find(uint32_t code)
{
	for (size_t i = 0; i < ARRAY_SIZE(fw_errs); i++)
		if (fw_errs[i].code == code)
			return &fw_errs[i];
	return NULL;
}

const char *sev_fw_err_name(uint32_t code)
{
	const struct fw_err_entry *e = fw_err_find(code);

	return e ? e->name : NULL;
}

const char *sev_fw_err_desc(uint32_t code)
{
	const struct fw_err_entry *e = fw_err_find(code);

	return e ? e->desc : NULL;
}

const char *sev_fw_err_str(uint32_t code, char *buf, size_t len)
{
	const struct fw_err_entry *e = fw_err_find(code);

	if (e)
		snprintf(buf, len, "%s (0x%x): %s", e->name, code, e->desc);
	else
		snprintf(buf, len, "unknown status 0x%x", code);
	return buf;
}
