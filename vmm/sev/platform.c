// SPDX-License-Identifier: MIT
/*
 * /dev/sev wrappers.  Structures and semantics: linux
 * include/uapi/linux/psp-sev.h and drivers/crypto/ccp/sev-dev.c (the
 * kernel answers a zero-length PEK_CSR / PDH_CERT_EXPORT / GET_ID2 with
 * INVALID_LEN and the length it needs; writes need a writable fd, else
 * EPERM).  Nothing here knows whether a real PSP or a model answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/psp-sev.h>

#include "minisev/sev.h"
#include "sev/fwerr.h"
#include "sev/platform.h"

_Static_assert(SEV_CMD_GET_ID2 == SEV_GET_ID2, "command numbers");
_Static_assert(SEV_PLATFORM_F_CONFIG_ES == SEV_STATUS_FLAGS_CONFIG_ES, "status flags");

static int linux_open(const char *path, bool writable)
{
	int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int linux_issue(int fd, uint32_t cmd, void *data, uint32_t *fw_err)
{
	struct sev_issue_cmd arg = {
		.cmd = cmd,
		.data = (uint64_t)(uintptr_t)data,
		.error = 0, /* the kernel leaves it alone on early errors */
	};
	int r;

	do
		r = ioctl(fd, SEV_ISSUE_CMD, &arg);
	while (r < 0 && errno == EINTR);
	*fw_err = arg.error;
	return r < 0 ? -errno : 0;
}

static void linux_close(int fd)
{
	close(fd);
}

const struct sev_dev_ops sev_dev_ops_linux = {
	.open = linux_open,
	.issue = linux_issue,
	.close = linux_close,
};

int sev_dev_open(struct sev_dev *dev, const struct sev_dev_ops *ops, const char *path,
		 bool writable)
{
	int fd;

	dev->ops = ops ? ops : &sev_dev_ops_linux;
	dev->fd = -1;
	fd = dev->ops->open(path ? path : SEV_DEV_PATH, writable);
	if (fd < 0)
		return fd;
	dev->fd = fd;
	return 0;
}

void sev_dev_from_fd(struct sev_dev *dev, int fd)
{
	dev->fd = fd;
	dev->ops = &sev_dev_ops_linux;
}

void sev_dev_close(struct sev_dev *dev)
{
	if (dev->fd >= 0)
		dev->ops->close(dev->fd);
	dev->fd = -1;
}

static int issue(struct sev_dev *dev, uint32_t cmd, void *data, uint32_t *fw_err)
{
	uint32_t e = 0;
	int ret = dev->ops->issue(dev->fd, cmd, data, &e);

	if (fw_err)
		*fw_err = e;
	return ret;
}

int sev_platform_status(struct sev_dev *dev, struct sev_platform_status *st, uint32_t *fw_err)
{
	struct sev_user_data_status s;
	int ret;

	memset(&s, 0, sizeof(s));
	ret = issue(dev, SEV_CMD_PLATFORM_STATUS, &s, fw_err);
	if (ret)
		return ret;
	st->api_major = s.api_major;
	st->api_minor = s.api_minor;
	st->state = s.state;
	st->flags = s.flags;
	st->build = s.build;
	st->guest_count = s.guest_count;
	return 0;
}

int sev_factory_reset(struct sev_dev *dev, uint32_t *fw_err)
{
	return issue(dev, SEV_CMD_FACTORY_RESET, NULL, fw_err);
}

int sev_pek_gen(struct sev_dev *dev, uint32_t *fw_err)
{
	return issue(dev, SEV_CMD_PEK_GEN, NULL, fw_err);
}

int sev_pdh_gen(struct sev_dev *dev, uint32_t *fw_err)
{
	return issue(dev, SEV_CMD_PDH_GEN, NULL, fw_err);
}

int sev_pek_csr(struct sev_dev *dev, struct sev_cert *csr, uint32_t *fw_err)
{
	struct sev_user_data_pek_csr d = {
		.address = (uint64_t)(uintptr_t)csr->raw,
		.length = SEV_CERT_SIZE,
	};
	int ret = issue(dev, SEV_CMD_PEK_CSR, &d, fw_err);

	if (ret)
		return ret;
	if (d.length != SEV_CERT_SIZE)
		return -EPROTO;
	return 0;
}

int sev_pdh_cert_export(struct sev_dev *dev, struct sev_cert *pdh, struct sev_cert *pek,
			struct sev_cert *oca, struct sev_cert *cek, uint32_t *fw_err)
{
	uint8_t chain[3 * SEV_CERT_SIZE];
	struct sev_user_data_pdh_cert_export d = {
		.pdh_cert_address = (uint64_t)(uintptr_t)pdh->raw,
		.pdh_cert_len = SEV_CERT_SIZE,
		.cert_chain_address = (uint64_t)(uintptr_t)chain,
		.cert_chain_len = sizeof(chain),
	};
	int ret = issue(dev, SEV_CMD_PDH_CERT_EXPORT, &d, fw_err);

	if (ret)
		return ret;
	if (d.pdh_cert_len != SEV_CERT_SIZE || d.cert_chain_len != sizeof(chain))
		return -EPROTO;
	memcpy(pek->raw, chain, SEV_CERT_SIZE);
	memcpy(oca->raw, chain + SEV_CERT_SIZE, SEV_CERT_SIZE);
	memcpy(cek->raw, chain + 2 * SEV_CERT_SIZE, SEV_CERT_SIZE);
	return 0;
}

int sev_pek_cert_import(struct sev_dev *dev, const struct sev_cert *pek, const struct sev_cert *oca,
			uint32_t *fw_err)
{
	struct sev_user_data_pek_cert_import d = {
		.pek_cert_address = (uint64_t)(uintptr_t)pek->raw,
		.pek_cert_len = SEV_CERT_SIZE,
		.oca_cert_address = (uint64_t)(uintptr_t)oca->raw,
		.oca_cert_len = SEV_CERT_SIZE,
	};

	return issue(dev, SEV_CMD_PEK_CERT_IMPORT, &d, fw_err);
}

int sev_get_id(struct sev_dev *dev, uint8_t *id, size_t cap, size_t *len, uint32_t *fw_err)
{
	struct sev_user_data_get_id2 d = { 0 };
	struct sev_user_data_get_id old;
	uint32_t e = 0;
	int ret;

	/* Ask for the length first: it "may change in the future" (kernel). */
	ret = issue(dev, SEV_CMD_GET_ID2, &d, &e);
	if (ret == -EINVAL && !e)
		goto legacy; /* kernel older than GET_ID2 (5.4) */
	if (ret && !(ret == -EIO && e == SEV_FW_INVALID_LEN)) {
		if (fw_err)
			*fw_err = e;
		return ret;
	}
	if (d.length == 0 || d.length > cap)
		return -EPROTO;
	d.address = (uint64_t)(uintptr_t)id;
	ret = issue(dev, SEV_CMD_GET_ID2, &d, fw_err);
	if (ret)
		return ret;
	if (d.length == 0 || d.length > cap)
		return -EPROTO;
	*len = d.length;
	return 0;
legacy:
	memset(&old, 0, sizeof(old));
	ret = issue(dev, SEV_CMD_GET_ID, &old, fw_err);
	if (ret)
		return ret;
	if (cap < sizeof(old))
		return -EPROTO;
	memcpy(id, &old, sizeof(old));
	*len = sizeof(old);
	return 0;
}

const char *sev_platform_state_name(uint8_t state)
{
	switch (state) {
	case SEV_PLATFORM_UNINIT:
		return "UNINIT";
	case SEV_PLATFORM_INIT:
		return "INIT";
	case SEV_PLATFORM_WORKING:
		return "WORKING";
	}
	return "unknown";
}

const char *sev_platform_cmd_name(uint32_t cmd)
{
	static const char *const names[] = {
		[SEV_CMD_FACTORY_RESET] = "FACTORY_RESET",
		[SEV_CMD_PLATFORM_STATUS] = "PLATFORM_STATUS",
		[SEV_CMD_PEK_GEN] = "PEK_GEN",
		[SEV_CMD_PEK_CSR] = "PEK_CSR",
		[SEV_CMD_PDH_GEN] = "PDH_GEN",
		[SEV_CMD_PDH_CERT_EXPORT] = "PDH_CERT_EXPORT",
		[SEV_CMD_PEK_CERT_IMPORT] = "PEK_CERT_IMPORT",
		[SEV_CMD_GET_ID] = "GET_ID",
		[SEV_CMD_GET_ID2] = "GET_ID2",
	};

	return cmd < ARRAY_SIZE(names) ? names[cmd] : "unknown";
}

const char *sev_dev_strerror(int ret, uint32_t fw_err, char *buf, size_t len)
{
	char s[128];

	if (ret == -EIO && fw_err)
		snprintf(buf, len, "firmware status %s", sev_fw_err_str(fw_err, s, sizeof(s)));
	else if (ret == -EPROTO)
		snprintf(buf, len, "unexpected reply sizes from the driver");
	else
		snprintf(buf, len, "%s", strerror(-ret));
	return buf;
}
