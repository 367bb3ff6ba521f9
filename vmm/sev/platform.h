/* SPDX-License-Identifier: MIT */
/*
 * SEV platform commands on /dev/sev (SEV_ISSUE_CMD, <linux/psp-sev.h>).
 *
 * The ioctl goes through struct sev_dev_ops so that tests can drive every
 * command with a fake device; the real one is sev_dev_ops_linux.  A VMM
 * that already holds /dev/sev open (it must keep the same fd for a VM's
 * life, kvm-sev-ioctls.md §3.3) wraps it with sev_dev_from_fd().
 *
 * Results: 0, or -errno.  -EIO means the firmware refused: *fw_err then
 * holds its status (name it with sev_fw_err_name()).
 */
#ifndef MINISEV_SEV_PLATFORM_H
#define MINISEV_SEV_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sev/cert.h"
#include "util.h"

#define SEV_DEV_PATH "/dev/sev"

struct sev_dev_ops {
	/* Open the device; fd or -errno. */
	int (*open)(const char *path, bool writable);
	/*
	 * SEV_ISSUE_CMD: `cmd` is a SEV_CMD_*, `data` the command's
	 * struct sev_user_data_*; 0 or -errno, *fw_err as the kernel left
	 * it in sev_issue_cmd.error.
	 */
	int (*issue)(int fd, uint32_t cmd, void *data, uint32_t *fw_err);
	void (*close)(int fd);
};

extern const struct sev_dev_ops sev_dev_ops_linux;

struct sev_dev {
	int fd;
	const struct sev_dev_ops *ops;
};

/* Open `path` (NULL: /dev/sev) read-write, or read-only if !writable. */
int __must_check sev_dev_open(struct sev_dev *dev, const struct sev_dev_ops *ops, const char *path,
			      bool writable);
/* Wrap an fd the caller owns (sev_dev_close() is then not called). */
void sev_dev_from_fd(struct sev_dev *dev, int fd);
void sev_dev_close(struct sev_dev *dev);

struct sev_platform_status {
	uint8_t api_major, api_minor;
	uint8_t state; /* SEV_PLATFORM_UNINIT / INIT / WORKING */
	uint32_t flags; /* SEV_PLATFORM_F_* */
	uint8_t build;
	uint32_t guest_count;
};

int __must_check sev_platform_status(struct sev_dev *dev, struct sev_platform_status *st,
				     uint32_t *fw_err);
int __must_check sev_factory_reset(struct sev_dev *dev, uint32_t *fw_err);
int __must_check sev_pek_gen(struct sev_dev *dev, uint32_t *fw_err);
int __must_check sev_pdh_gen(struct sev_dev *dev, uint32_t *fw_err);
/* PEK certificate signing request: the PEK, unsigned. */
int __must_check sev_pek_csr(struct sev_dev *dev, struct sev_cert *csr, uint32_t *fw_err);
/* PDH and the firmware's chain PEK, OCA, CEK (sev-tool sev_cert_chain_buf). */
int __must_check sev_pdh_cert_export(struct sev_dev *dev, struct sev_cert *pdh,
				     struct sev_cert *pek, struct sev_cert *oca,
				     struct sev_cert *cek, uint32_t *fw_err);
int __must_check sev_pek_cert_import(struct sev_dev *dev, const struct sev_cert *pek,
				     const struct sev_cert *oca, uint32_t *fw_err);
/* Chip ID (GET_ID2, GET_ID on kernels without it); *len bytes in id. */
int __must_check sev_get_id(struct sev_dev *dev, uint8_t *id, size_t cap, size_t *len,
			    uint32_t *fw_err);

const char *sev_platform_state_name(uint8_t state);
const char *sev_platform_cmd_name(uint32_t cmd);
/*
 * "firmware status INVALID_LEN (0x4): Buffer too small" for -EIO with a
 * status, strerror otherwise.  Returns buf.
 */
const char *sev_dev_strerror(int ret, uint32_t fw_err, char *buf, size_t len);

#endif /* MINISEV_SEV_PLATFORM_H */
