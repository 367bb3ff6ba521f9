/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4) for the measured-boot verifier: the firmware hashes
 * the kernel, initrd and command line it copied into private memory and
 * compares them with the measured table.  Freestanding, no SSE (the
 * firmware is built with -mgeneral-regs-only); checked on the host
 * against OpenSSL (firmware/tests/test_fw_verifier.c).
 */
#ifndef FW_SHA256_H
#define FW_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE 64

struct sha256_ctx {
	uint32_t h[8];
	uint64_t bytes; /* hashed so far */
	uint8_t buf[SHA256_BLOCK_SIZE];
	unsigned int buf_len;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE]);
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);

#endif /* FW_SHA256_H */
