/* SPDX-License-Identifier: MIT */
/*
 * sevsim, firmware half: a software model of the AMD Secure Processor's
 * SEV firmware (pre-SNP) with real cryptography, and of the /dev/sev
 * driver in front of it.  The KVM half (kvmsim.c) calls it where Linux
 * would call into drivers/crypto/ccp/sev-dev.c.
 *
 * Behaviour follows AMD's own firmware source (amd/AMD-ASPFW 3ca6650,
 * fw/psp_bl_uapps/sev_uapp/src, cited "FW file function") for every
 * firmware status, and the kernel's sev-dev.c (cited "sev-dev.c function",
 * the 2025 version with implicit INIT and SHUTDOWN) for the driver around
 * it.  Formats: shared/reference/sev-crypto.md.
 *
 * Results: 0; -EIO with *fw_err set to a SEV_FW_* status when the
 * firmware refuses (what the kernel returns); other -errno for what the
 * driver refuses before the firmware runs (-EPERM, -EFAULT, -EINVAL,
 * -EBUSY) or for a failure of the model itself (-ENOMEM).  *fw_err is
 * written only when the firmware was called, as the kernel leaves
 * sev_issue_cmd.error alone otherwise: callers zero it first.
 *
 * State directory (SEVSIM_STATE):
 *   nv        the firmware's state, replaced atomically and read again
 *             whenever another process changed it (flock on `lock`):
 *             chip ID and CEK (fused, never reset), the model-only ARK
 *             and ASK, the persistent OCA/PEK/PDH (deleted by
 *             FACTORY_RESET, made again by the next INIT), the platform
 *             state, and the live guests of every process (dead
 *             processes' guests are dropped), so that PLATFORM_STATUS,
 *             WORKING and guest handles are shared like one PSP's;
 *   ark.cert, ask.cert  the model's AMD-format root and signing key
 *             certificates: no verifier trusts them unless given
 *             explicitly (minisev platform verify --ark ...);
 *   cek.cert  the CEK signed by that ASK, what AMD's KDS would serve
 *             (PDH_CERT_EXPORT gives the CEK unsigned, as the firmware);
 *   platform  optional: a first word "synthetic" (and optionally the
 *             vectors directory as the second word) makes the factory
 *             identity the synthetic platform of shared/vectors/derived
 *             (OCA, PEK, PDH with known private keys).  An empty file
 *             named "platform=synthetic" works too.
 *
 * Environment, read by psp_open():
 *   SEVSIM_API=MAJOR.MINOR  firmware API version (default 0.24)
 *   SEVSIM_BUILD=N          firmware build (default 17)
 *   SEVSIM_ES=0             firmware without SEV-ES (no CONFIG_ES)
 *   SEVSIM_MNONCE=<32 hex>  fixed LAUNCH_MEASURE nonce (default random)
 *   SEVSIM_PLATFORM=synthetic with SEVSIM_VECTORS=<vectors dir>
 *   SEVSIM_ARK_BITS=2048|4096  size of a new ARK/ASK (default 2048, the
 *                           Naples format: a new state directory takes
 *                           0.7 s, against 3-7 s with 4096-bit keys on
 *                           the development machine; the keys are cached)
 *
 * Platform state: INIT when a state directory is new (the kernel's
 * probe-time INIT); FACTORY_RESET leaves it UNINIT until KVM's next guest
 * INIT (psp_platform_init()), and the driver's implicit INIT for one
 * command is followed by SHUTDOWN.  WORKING while any process has guests.
 * Guest commands check the platform first, as the firmware does: a handle
 * it does not know is INVALID_PLATFORM_STATE while no guest exists
 * anywhere (INIT, not WORKING) and INVALID_GUEST otherwise.
 *
 * What a real PSP does that the model does not: ASIDs, cache flushes,
 * memory encryption itself (psp_guest_key() gives the KVM half a key to
 * make ciphertext with), SEND/RECEIVE, ATTESTATION, SNP, PSP timing.
 *
 * Thread safety: every function takes the model's mutex.
 */
#ifndef MINISEV_SEVSIM_PSP_H
#define MINISEV_SEVSIM_PSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "minisev/sev.h"
#include "util.h"

#define PSP_VMSA_SIZE 4096
#define PSP_GUEST_KEY_SIZE 32
#define PSP_CHIP_ID_SIZE 64 /* one socket: secp256k1 X || Y (FW sev_plat.c sev_get_id) */
#define PSP_MAX_GUESTS 1024 /* FW sev_plat.h SEV_GUEST_COUNT_MAX; handles 1..1024 */
#define PSP_SECRET_MAX 0x5000 /* FW sev_globals.h SEV_SCRATCH_BUF_LEN */

struct psp;

/*
 * Load the firmware state from `state_dir`, creating the directory and
 * the state on first use (the platform then starts in INIT, as after the
 * kernel's probe-time sev_platform_init()).  NULL with errno set; a
 * corrupt state or a bad SEVSIM_* value is also reported on stderr.
 */
struct psp *psp_open(const char *state_dir);
/* Forget every guest of this process (keys wiped) and free. */
void psp_close(struct psp *p);

/*
 * SEV_ISSUE_CMD as sev_ioctl() runs it: `cmd` is SEV_CMD_* (the
 * <linux/psp-sev.h> numbers), `data` the command's struct
 * sev_user_data_* in this process, `writable` whether the /dev/sev file
 * was opened for writing.  Commands that need the platform initialised
 * initialise it and shut it down again afterwards when it was UNINIT.
 * Unlike the kernel, a failed length query never copies a blob back (the
 * kernel copies the firmware's length from a buffer of the caller's).
 */
int __must_check psp_platform_cmd(struct psp *p, uint32_t cmd, void *data, bool writable,
				  uint32_t *fw_err);

/*
 * sev_platform_init(): INIT (with SEV-ES when the firmware has it) unless
 * the platform is initialised already.  KVM calls it from every guest
 * INIT (__sev_guest_init()).
 */
int __must_check psp_platform_init(struct psp *p, uint32_t *fw_err);
/* SHUTDOWN: back to UNINIT; this process's guests are decommissioned. */
int __must_check psp_platform_shutdown(struct psp *p, uint32_t *fw_err);

/*
 * LAUNCH_START, then ACTIVATE as KVM's sev_launch_start() issues them.
 * `dh` (the guest owner's GODH certificate, 2084 bytes) and `session`
 * (128 bytes) are NULL when KVM got no uaddr; without `dh` the session is
 * ignored and TEK and TIK stay zero (FW sev_mcmd_launch_start).  *handle:
 * in, 0 or the guest to share the memory key with (kvm_sev_launch_start
 * .handle); out, the new handle.  `es`: the VM has an SEV-ES ASID, which
 * ACTIVATE requires to match the policy's ES bit (INVALID_ASID otherwise,
 * and the new guest is decommissioned as KVM does).
 */
int __must_check psp_launch_start(struct psp *p, uint32_t policy, const void *dh, uint32_t dh_len,
				  const void *session, uint32_t session_len, bool es,
				  uint32_t *handle, uint32_t *fw_err);
/*
 * One firmware LAUNCH_UPDATE_DATA: `src` is measured (SHA-256 of GCTX.LD)
 * as it is; the caller encrypts.  Its address and `len` must be 16-byte
 * aligned and len non-zero (INVALID_ADDRESS, INVALID_LEN).
 */
int __must_check psp_launch_update_data(struct psp *p, uint32_t handle, const void *src,
					uint32_t len, uint32_t *fw_err);
/* LAUNCH_UPDATE_VMSA of one 4096-byte VMSA: measured like data. */
int __must_check psp_launch_update_vmsa(struct psp *p, uint32_t handle, const void *vmsa,
					uint32_t *fw_err);
/* LAUNCH_MEASURE: out = measurement (32) || mnonce (16). */
int __must_check psp_launch_measure(struct psp *p, uint32_t handle,
				    uint8_t out[SEV_MEASURE_BLOB_SIZE], uint32_t *fw_err);
/*
 * LAUNCH_SECRET: check the header MAC with TIK over the payload and the
 * measurement, then decrypt `trans` with TEK into `plain` (trans_len
 * bytes).  `guest_addr` is only checked for 16-byte alignment (the
 * firmware sees a physical address with the same offset in its page);
 * `guest_len` must equal trans_len.
 */
int __must_check psp_launch_secret_at(struct psp *p, uint32_t handle, const void *hdr,
				      uint32_t hdr_len, uint64_t guest_addr, uint32_t guest_len,
				      const void *trans, uint32_t trans_len, void *plain,
				      uint32_t *fw_err);
/* The same with an aligned guest address and guest_len = trans_len. */
int __must_check psp_launch_secret(struct psp *p, uint32_t handle, const void *hdr,
				   uint32_t hdr_len, const void *trans, uint32_t trans_len,
				   void *plain, uint32_t *fw_err);
/* LAUNCH_FINISH: LSECRET -> RUNNING; TEK and TIK are wiped. */
int __must_check psp_launch_finish(struct psp *p, uint32_t handle, uint32_t *fw_err);
/*
 * GUEST_STATUS.  A handle the firmware does not know is not an error: it
 * reports state 0 (FW sev_mcmd_guest_status), as for KVM's GUEST_STATUS
 * before LAUNCH_START.
 */
int __must_check psp_guest_status(struct psp *p, uint32_t handle, uint32_t *policy, uint32_t *state,
				  uint32_t *fw_err);
/* DBG_DECRYPT / DBG_ENCRYPT allowed?  POLICY_FAILURE under NODBG. */
int __must_check psp_dbg_allowed(struct psp *p, uint32_t handle, uint32_t *fw_err);
/*
 * DEACTIVATE and DECOMMISSION (KVM's sev_unbind_asid()): the guest's
 * keys are wiped.  -ENOENT for a handle this process does not have.
 */
int psp_decommission(struct psp *p, uint32_t handle);
/*
 * The guest's memory encryption key (random per guest, shared by
 * LAUNCH_START key sharing), for the ciphertext the host sees.
 * -ENOENT for an unknown handle.
 */
int __must_check psp_guest_key(struct psp *p, uint32_t handle, uint8_t key[PSP_GUEST_KEY_SIZE]);

/* ---- Internal: shared by the psp*.c files only ---------------------------- */
#ifdef PSP_INTERNAL
#include <pthread.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "sev/cert.h"
#include "sev/measure.h"

/* The model's own AMD-format CA certificate (ARK or ASK) and its key. */
struct psp_ca {
	EVP_PKEY *key;
	uint8_t cert[SEV_CA_SIZE_4096];
	size_t len;
};

/* A live guest of some process, as the nv file lists them. */
struct psp_remote {
	char boot[40]; /* /proc/sys/kernel/random/boot_id of its kernel */
	long pid;
	uint32_t handle;
};

/* Everything in the nv file. */
struct psp_nv {
	/* Fused into the chip: survives FACTORY_RESET. */
	uint8_t chip_id[PSP_CHIP_ID_SIZE];
	struct psp_ca ark, ask;
	EVP_PKEY *cek;
	struct sev_cert cek_cert; /* signed by the ASK, as KDS serves it */
	/* Persistent (the SPI store): deleted by FACTORY_RESET. */
	bool identity; /* OCA, PEK and PDH exist */
	bool owned; /* PEK_CERT_IMPORT done */
	bool synthetic; /* the synthetic factory identity was installed once */
	EVP_PKEY *oca, *pek, *pdh;
	struct sev_cert oca_cert, pek_cert, pdh_cert;
	/* Volatile, shared by every process: the one platform's state. */
	uint8_t state; /* SEV_PLATFORM_UNINIT or _INIT (WORKING is derived) */
	struct psp_remote *guests; /* other processes' live guests */
	unsigned int nguests;
};

/* A guest context of this process (FW sev_guest_t). */
struct psp_guest {
	struct psp_guest *next;
	uint32_t handle, policy;
	uint32_t state; /* SEV_GUEST_* */
	bool es; /* policy ES: VMSAs may be measured */
	bool ld_open; /* GCTX.LD still being hashed */
	struct sev_ld ld;
	uint8_t tek[SEV_KEY_SIZE], tik[SEV_KEY_SIZE];
	uint8_t measure[SEV_MAC_SIZE]; /* for LAUNCH_SECRET's MAC */
	uint8_t vek[PSP_GUEST_KEY_SIZE]; /* memory encryption key */
};

struct psp {
	pthread_mutex_t mutex;
	char *dir;
	int lock_fd;
	/* The firmware image (environment). */
	uint8_t api_major, api_minor, build;
	bool es;
	bool fixed_mnonce;
	uint8_t mnonce[SEV_MNONCE_SIZE];
	unsigned int ca_bits;
	char *vectors; /* non-NULL: the factory identity is the synthetic one */
	char boot_id[40];
	/* The shared state and when it was read. */
	struct psp_nv nv;
	struct stat nv_st;
	bool nv_read;
	/* This process's guests. */
	struct psp_guest *guests;
	unsigned int nguests;
};

/*
 * psp.c: lock the state directory (exclusively to change it) and read
 * the nv file again if another process replaced it; psp_nv_save() writes
 * it (exclusive lock held); psp_nv_unlock() ends either.
 */
int __must_check psp_nv_lock(struct psp *p, bool excl);
int __must_check psp_nv_save(struct psp *p);
void psp_nv_unlock(struct psp *p);
/* INIT, or WORKING while any process has guests, or UNINIT. */
uint8_t psp_state(const struct psp *p);
/* Firmware result: status > 0 becomes -EIO with *fw_err, 0 clears it. */
int psp_fw_result(int status, uint32_t *fw_err);
/* psp_guest.c: free every guest of this process, keys wiped. */
void psp_guests_free(struct psp *p);
/* Forget one guest of this process (the caller holds the mutex). */
void psp_decommission_locked(struct psp *p, uint32_t handle);

/* psp_keys.c.  Private key <-> base64 of its DER, for the nv file. */
char *psp_key_to_b64(EVP_PKEY *key);
int __must_check psp_key_from_b64(const char *b64, EVP_PKEY **out);
/* A new ARK (self-signed) or, with `ark`, an ASK signed by it. */
int __must_check psp_ca_generate(unsigned int bits, const struct psp_ca *ark, struct psp_ca *out);
/* Is `ca` signed by `signer` and its key the certificate's? */
int __must_check psp_ca_check(const struct psp_ca *ca, const struct psp_ca *signer);
/* Sign a SEV certificate (the CEK) with the ASK into slot 1, RSA-PSS. */
int __must_check psp_cert_sign_ask(struct sev_cert *c, const struct psp_ca *ask);
/*
 * A certificate for `key` as the firmware makes them: version 1, the
 * running API version, no signatures yet (FW sev_cert.c sev_cert_init).
 */
int __must_check psp_cert_new(struct sev_cert *c, uint32_t usage, uint32_t algo, EVP_PKEY *key,
			      uint8_t api_major, uint8_t api_minor);
/* A chip ID: a fresh secp256k1 public point, X || Y big-endian. */
int __must_check psp_chip_id_generate(uint8_t id[PSP_CHIP_ID_SIZE]);
#endif /* PSP_INTERNAL */

#endif /* MINISEV_SEVSIM_PSP_H */
