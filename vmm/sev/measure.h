/* SPDX-License-Identifier: MIT */
/*
 * LAUNCH_MEASURE (sev-crypto.md §6):
 *
 *   measurement = HMAC-SHA256(TIK, 0x04 || API_MAJOR || API_MINOR || BUILD
 *                             || LE32(POLICY) || LD || MNONCE)
 *
 * LD is SHA-256 over every LAUNCH_UPDATE_DATA region in order, then (for
 * SEV-ES) every LAUNCH_UPDATE_VMSA page.  API and BUILD are the running
 * firmware's (PLATFORM_STATUS), not the policy's minimum.
 */
#ifndef MINISEV_SEV_MEASURE_H
#define MINISEV_SEV_MEASURE_H

#include <stdint.h>

#include <openssl/evp.h>

#include "minisev/sev.h"
#include "sev/why.h"

/* Running launch digest, fed region by region as the VMM measures. */
struct sev_ld {
	EVP_MD_CTX *md;
};

int __must_check sev_ld_init(struct sev_ld *ld);
int __must_check sev_ld_update(struct sev_ld *ld, const void *buf, size_t len);
/* Finish into digest and free; the context is unusable afterwards. */
int __must_check sev_ld_final(struct sev_ld *ld, uint8_t digest[SEV_DIGEST_SIZE]);
void sev_ld_free(struct sev_ld *ld);

struct sev_measure_params {
	uint8_t api_major, api_minor, build_id; /* PLATFORM_STATUS */
	uint32_t policy;
	uint8_t ld[SEV_DIGEST_SIZE];
	uint8_t mnonce[SEV_MNONCE_SIZE];
};

/* The 56-byte HMAC input, for tests and debugging. */
#define SEV_MEASURE_MSG_SIZE 56
void sev_measure_msg(const struct sev_measure_params *p, uint8_t msg[SEV_MEASURE_MSG_SIZE]);
int __must_check sev_measure_compute(const uint8_t tik[SEV_KEY_SIZE],
				     const struct sev_measure_params *p, uint8_t out[SEV_MAC_SIZE]);
/* 0 when `reported` is what these inputs give, -EBADMSG otherwise. */
int __must_check sev_measure_check(const uint8_t tik[SEV_KEY_SIZE],
				   const struct sev_measure_params *p,
				   const uint8_t reported[SEV_MAC_SIZE]);
/*
 * base64 of measurement || mnonce (QEMU query-sev-launch-measure, virsh
 * domlaunchsecinfo): exactly 48 bytes.
 */
int __must_check sev_measure_blob_decode(const char *b64, uint8_t meas[SEV_MAC_SIZE],
					 uint8_t mnonce[SEV_MNONCE_SIZE], struct sev_why *why);

/*
 * OVMF kernel-hashes table (sev-crypto.md §8): cmdline, initrd, kernel
 * entries of SHA-256 hashes, 168 bytes padded to 176.  A NULL initrd
 * hashes as SHA-256("") and a NULL cmdline as SHA-256("\0") (libvirt).
 */
#define SEV_KERNEL_TABLE_LEN 168
#define SEV_KERNEL_TABLE_SIZE 176
int __must_check sev_kernel_table_build(const char *kernel_path, const char *initrd_path,
					const char *cmdline, uint8_t out[SEV_KERNEL_TABLE_SIZE],
					struct sev_why *why);

#endif /* MINISEV_SEV_MEASURE_H */
