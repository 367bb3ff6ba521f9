/* SPDX-License-Identifier: MIT */
/*
 * AMD SEV (pre-SNP) API definitions shared by the VMM, its tools and the
 * SEV firmware model: guest policy bits, firmware status codes, platform
 * status, certificate layouts and the launch session / secret packets.
 *
 * Every multi-byte field is little-endian.  Values are written out
 * explicitly instead of being taken from <linux/psp-sev.h>: kernel headers
 * before late 2024 misnumber the SNP status codes and spell INVALID_CONFIG
 * "INAVLID_CONFIG" (reference kvm-sev-ioctls.md §4.2).
 *
 * Sources: AMD SEV API 0.24; AMD-ASPFW sev_cert.h, amd_cert.h,
 * sev_guest.h, sev_channel.h; sev-tool sevapi.h (see sev-crypto.md).
 */
#ifndef MINISEV_SEV_H
#define MINISEV_SEV_H

#include <stdint.h>

/* ---- Guest policy (SEV API 0.24 §3; sev-crypto.md §5) ---- */
#define SEV_POLICY_NODBG (1u << 0) /* debugging of the guest disallowed */
#define SEV_POLICY_NOKS (1u << 1) /* key sharing with other guests disallowed */
#define SEV_POLICY_ES (1u << 2) /* SEV-ES required */
#define SEV_POLICY_NOSEND (1u << 3) /* sending to another platform disallowed */
#define SEV_POLICY_DOMAIN (1u << 4) /* may only be sent within the domain */
#define SEV_POLICY_SEV (1u << 5) /* may only be sent to SEV platforms */
#define SEV_POLICY_RESERVED_MASK 0x0000ffc0u /* bits 6-15: must be zero */
#define SEV_POLICY_API_MAJOR_SHIFT 16 /* minimum firmware API_MAJOR */
#define SEV_POLICY_API_MINOR_SHIFT 24 /* minimum firmware API_MINOR */
#define SEV_POLICY_API_MAJOR(p) (((p) >> SEV_POLICY_API_MAJOR_SHIFT) & 0xff)
#define SEV_POLICY_API_MINOR(p) (((p) >> SEV_POLICY_API_MINOR_SHIFT) & 0xff)

/* ---- Firmware status codes (reference kvm-sev-ioctls.md §4.2) ---- */
#define SEV_FW_SUCCESS 0x00
#define SEV_FW_INVALID_PLATFORM_STATE 0x01
#define SEV_FW_INVALID_GUEST_STATE 0x02
#define SEV_FW_INVALID_CONFIG 0x03
#define SEV_FW_INVALID_LEN 0x04
#define SEV_FW_ALREADY_OWNED 0x05
#define SEV_FW_INVALID_CERTIFICATE 0x06
#define SEV_FW_POLICY_FAILURE 0x07
#define SEV_FW_INACTIVE 0x08
#define SEV_FW_INVALID_ADDRESS 0x09
#define SEV_FW_BAD_SIGNATURE 0x0a
#define SEV_FW_BAD_MEASUREMENT 0x0b
#define SEV_FW_ASID_OWNED 0x0c
#define SEV_FW_INVALID_ASID 0x0d
#define SEV_FW_WBINVD_REQUIRED 0x0e
#define SEV_FW_DFFLUSH_REQUIRED 0x0f
#define SEV_FW_INVALID_GUEST 0x10
#define SEV_FW_INVALID_COMMAND 0x11
#define SEV_FW_ACTIVE 0x12
#define SEV_FW_HWSEV_RET_PLATFORM 0x13
#define SEV_FW_HWSEV_RET_UNSAFE 0x14
#define SEV_FW_UNSUPPORTED 0x15
#define SEV_FW_INVALID_PARAM 0x16
#define SEV_FW_RESOURCE_LIMIT 0x17
#define SEV_FW_SECURE_DATA_INVALID 0x18
#define SEV_FW_INVALID_PAGE_SIZE 0x19
#define SEV_FW_INVALID_PAGE_STATE 0x1a
#define SEV_FW_INVALID_MDATA_ENTRY 0x1b
#define SEV_FW_INVALID_PAGE_OWNER 0x1c
#define SEV_FW_AEAD_OFLOW 0x1d
#define SEV_FW_EXIT_RING_BUFFER 0x1f
#define SEV_FW_RMP_INIT_REQUIRED 0x20
#define SEV_FW_BAD_SVN 0x21
#define SEV_FW_BAD_VERSION 0x22
#define SEV_FW_SHUTDOWN_REQUIRED 0x23
#define SEV_FW_UPDATE_FAILED 0x24
#define SEV_FW_RESTORE_REQUIRED 0x25
#define SEV_FW_RMP_INITIALIZATION_FAILED 0x26
#define SEV_FW_INVALID_KEY 0x27

/* ---- /dev/sev platform commands and status (linux psp-sev.h UAPI) ---- */
#define SEV_CMD_FACTORY_RESET 0
#define SEV_CMD_PLATFORM_STATUS 1
#define SEV_CMD_PEK_GEN 2
#define SEV_CMD_PEK_CSR 3
#define SEV_CMD_PDH_GEN 4
#define SEV_CMD_PDH_CERT_EXPORT 5
#define SEV_CMD_PEK_CERT_IMPORT 6
#define SEV_CMD_GET_ID 7 /* deprecated by the kernel in favour of GET_ID2 */
#define SEV_CMD_GET_ID2 8

/* PLATFORM_STATUS state (SEV API 0.24 §5.5) */
#define SEV_PLATFORM_UNINIT 0
#define SEV_PLATFORM_INIT 1
#define SEV_PLATFORM_WORKING 2

/* PLATFORM_STATUS flags */
#define SEV_PLATFORM_F_OWNED (1u << 0) /* externally owned (OCA imported) */
#define SEV_PLATFORM_F_CONFIG_ES (1u << 8) /* firmware supports SEV-ES */

/* Guest states reported by GUEST_STATUS */
#define SEV_GUEST_UNINIT 0
#define SEV_GUEST_LUPDATE 1
#define SEV_GUEST_LSECRET 2
#define SEV_GUEST_RUNNING 3
#define SEV_GUEST_SUPDATE 4
#define SEV_GUEST_RUPDATE 5
#define SEV_GUEST_SENT 6

/* ---- Certificates (sev-crypto.md §1, §2) ---- */
#define SEV_USAGE_ARK 0x0000
#define SEV_USAGE_ASK 0x0013
#define SEV_USAGE_INVALID 0x1000
#define SEV_USAGE_OCA 0x1001
#define SEV_USAGE_PEK 0x1002
#define SEV_USAGE_PDH 0x1003
#define SEV_USAGE_CEK 0x1004

#define SEV_ALGO_INVALID 0x000
#define SEV_ALGO_RSA_SHA256 0x001
#define SEV_ALGO_ECDSA_SHA256 0x002
#define SEV_ALGO_ECDH_SHA256 0x003
#define SEV_ALGO_RSA_SHA384 0x101
#define SEV_ALGO_ECDSA_SHA384 0x102
#define SEV_ALGO_ECDH_SHA384 0x103

#define SEV_EC_CURVE_P256 1
#define SEV_EC_CURVE_P384 2

/* SEV certificate (CEK, PEK, OCA, PDH, GODH): fixed 2084 bytes. */
#define SEV_CERT_SIZE 0x824
#define SEV_CERT_OFF_VERSION 0x000
#define SEV_CERT_OFF_API_MAJOR 0x004
#define SEV_CERT_OFF_API_MINOR 0x005
#define SEV_CERT_OFF_USAGE 0x008
#define SEV_CERT_OFF_ALGO 0x00c
#define SEV_CERT_OFF_PUBKEY 0x010
#define SEV_CERT_PUBKEY_SIZE 0x404
#define SEV_CERT_BODY_SIZE 0x414 /* signed bytes: version .. pubkey end */
#define SEV_CERT_OFF_SIG1 0x414 /* usage u32, algo u32, sig[0x200] */
#define SEV_CERT_OFF_SIG2 0x61c
#define SEV_CERT_SIG_SIZE 0x200
#define SEV_CERT_SLOT_SIZE (8 + SEV_CERT_SIG_SIZE)
/* Inside the pubkey area */
#define SEV_ECC_COORD_SIZE 72 /* LE, only the low 48 significant on P-384 */
#define SEV_ECC_OFF_CURVE 0x010
#define SEV_ECC_OFF_QX 0x014
#define SEV_ECC_OFF_QY 0x05c
#define SEV_ECC_OFF_RESERVED 0x0a4 /* to 0x413, must be zero */
#define SEV_RSA_OFF_MODULUS_BITS 0x010
#define SEV_RSA_OFF_PUBEXP 0x014
#define SEV_RSA_OFF_MODULUS 0x214
#define SEV_RSA_MAX_BYTES 512

/* AMD CA certificate (ARK, ASK): 64-byte header then exp, modulus, sig. */
#define SEV_CA_HDR_SIZE 0x40
#define SEV_CA_OFF_VERSION 0x00
#define SEV_CA_OFF_KEY_ID 0x04
#define SEV_CA_OFF_CERTIFYING_ID 0x14
#define SEV_CA_OFF_KEY_USAGE 0x24
#define SEV_CA_OFF_PUBEXP_BITS 0x38
#define SEV_CA_OFF_MODULUS_BITS 0x3c
#define SEV_CA_KEY_ID_SIZE 16
#define SEV_CA_SIZE_2048 832
#define SEV_CA_SIZE_4096 1600

/* ---- Launch session (sev-crypto.md §4) ---- */
#define SEV_KEY_SIZE 16 /* TEK, TIK, KEK, KIK, master secret */
#define SEV_NONCE_SIZE 16
#define SEV_IV_SIZE 16
#define SEV_MAC_SIZE 32
#define SEV_DIGEST_SIZE 32

struct sev_session_blob {
	uint8_t nonce[SEV_NONCE_SIZE];
	uint8_t wrap_tk[2 * SEV_KEY_SIZE]; /* AES-128-CTR(KEK, WRAP_IV) of TEK||TIK */
	uint8_t wrap_iv[SEV_IV_SIZE];
	uint8_t wrap_mac[SEV_MAC_SIZE]; /* HMAC-SHA256(KIK, wrap_tk) */
	uint8_t policy_mac[SEV_MAC_SIZE]; /* HMAC-SHA256(TIK, LE32 policy) */
} __attribute__((packed));
#define SEV_SESSION_SIZE 128

/* Channel context bytes that prefix MACed messages (FW sev_channel.h). */
#define SEV_CTX_SECRET 0x01
#define SEV_CTX_DATA 0x02
#define SEV_CTX_VMSA 0x03
#define SEV_CTX_MEASURE 0x04

/* LAUNCH_MEASURE output: measurement || mnonce (sev-crypto.md §6). */
#define SEV_MNONCE_SIZE 16
#define SEV_MEASURE_BLOB_SIZE (SEV_MAC_SIZE + SEV_MNONCE_SIZE) /* 48 */

/* LAUNCH_SECRET packet header (sev-crypto.md §7). */
struct sev_secret_header {
	uint32_t flags; /* bit 0 COMPRESSED: rejected by the firmware */
	uint8_t iv[SEV_IV_SIZE];
	uint8_t mac[SEV_MAC_SIZE];
} __attribute__((packed));
#define SEV_SECRET_HEADER_SIZE 52
#define SEV_SECRET_F_COMPRESSED (1u << 0)
#define SEV_SECRET_MAX 0x4000 /* KVM's SEV_FW_BLOB_MAX_SIZE */

_Static_assert(sizeof(struct sev_session_blob) == SEV_SESSION_SIZE, "session blob layout");
_Static_assert(sizeof(struct sev_secret_header) == SEV_SECRET_HEADER_SIZE, "secret header layout");

#endif /* MINISEV_SEV_H */
