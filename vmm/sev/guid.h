/* SPDX-License-Identifier: MIT */
/*
 * GUIDs as OVMF's tables store them: Microsoft "bytes_le" order (the first
 * three groups little-endian), as sevctl's to_bytes_le and libvirt's
 * UUID.bytes_le (sev-crypto.md §0, §8).
 */
#ifndef MINISEV_SEV_GUID_H
#define MINISEV_SEV_GUID_H

#include <stdint.h>

#include "util.h"

#define SEV_GUID_SIZE 16
#define SEV_GUID_STR_LEN 36

/* OVMF kernel-hashes table and its entries (SC measurement.rs, LV). */
#define SEV_GUID_KERNEL_TABLE "9438d606-4f22-4cc9-b479-a793d411fd21"
#define SEV_GUID_KERNEL_CMDLINE "97d02dd8-bd20-4c94-aa78-e7714d36ab2a"
#define SEV_GUID_KERNEL_INITRD "44baf731-3a2f-4bd7-9af1-41e29169781d"
#define SEV_GUID_KERNEL_KERNEL "4de79437-abd2-427f-b835-d5b172d2045b"
/* OVMF secret table and libvirt's "luks-key" alias. */
#define SEV_GUID_SECRET_TABLE "1e74f542-71dd-4d66-963e-ef4287ff173b"
#define SEV_GUID_LUKS_KEY "736869e5-84f0-4973-92ec-06879ce3da0b"

/* Parse "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into bytes_le; -EINVAL. */
int __must_check sev_guid_parse(const char *s, uint8_t out[SEV_GUID_SIZE]);
/* Format bytes_le back into the canonical lower-case string (37 bytes). */
void sev_guid_format(const uint8_t g[SEV_GUID_SIZE], char *out);

#endif /* MINISEV_SEV_GUID_H */
