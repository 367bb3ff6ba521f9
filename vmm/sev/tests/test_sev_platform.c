// SPDX-License-Identifier: MIT
/*
 * Every 'minisev platform' command against a fake /dev/sev: status
 * decoding, export files, CSR, import and provisioning, chip ID, firmware
 * status names in messages, a missing device (77) and denied access (3).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/psp-sev.h>

#include "minisev/sev.h"
#include "sev/cert.h"
#include "sev/chain.h"
#include "sev/cmd.h"
#include "sev/commands.h"
#include "sev/crypto.h"
#include "sev/platform.h"
#include "sev_test.h"

#define FAKE_FD 4242

static struct fake {
	int open_err; /* -errno from open */
	bool opened_rw;
	uint32_t fail_cmd; /* command that fails with EIO + fail_code */
	uint32_t fail_code;
	int calls[16];
	struct sev_user_data_status st;
	struct sev_cert pdh, pek, oca, cek, csr;
	struct sev_cert imported_pek, imported_oca;
	bool imported;
	uint8_t id[64];
} fk;

static int fake_open(const char *path, bool writable)
{
	if (fk.open_err)
		return fk.open_err;
	fk.opened_rw = writable;
	return FAKE_FD;
}

static void fake_close(int fd)
{
	assert_int_equal(fd, FAKE_FD);
}

static int fake_issue(int fd, uint32_t cmd, void *data, uint32_t *fw_err)
{
	assert_int_equal(fd, FAKE_FD);
	*fw_err = 0;
	if (cmd < 16)
		fk.calls[cmd]++;
	if (fk.fail_cmd == cmd + 1) {
		*fw_err = fk.fail_code;
		return -EIO;
	}
	switch (cmd) {
	case SEV_CMD_PLATFORM_STATUS:
		memcpy(data, &fk.st, sizeof(fk.st));
		return 0;
	case SEV_CMD_PDH_CERT_EXPORT: {
		struct sev_user_data_pdh_cert_export *d = data;

		if (d->pdh_cert_len < SEV_CERT_SIZE || d->cert_chain_len < 3 * SEV_CERT_SIZE) {
			d->pdh_cert_len = SEV_CERT_SIZE;
			d->cert_chain_len = 3 * SEV_CERT_SIZE;
			*fw_err = SEV_FW_INVALID_LEN;
			return -EIO;
		}
		memcpy((void *)(uintptr_t)d->pdh_cert_address, fk.pdh.raw, SEV_CERT_SIZE);
		uint8_t *c = (void *)(uintptr_t)d->cert_chain_address;
		memcpy(c, fk.pek.raw, SEV_CERT_SIZE);
		memcpy(c + SEV_CERT_SIZE, fk.oca.raw, SEV_CERT_SIZE);
		memcpy(c + 2 * SEV_CERT_SIZE, fk.cek.raw, SEV_CERT_SIZE);
		d->pdh_cert_len = SEV_CERT_SIZE;
		d->cert_chain_len = 3 * SEV_CERT_SIZE;
		return 0;
	}
	case SEV_CMD_PEK_CSR: {
		struct sev_user_data_pek_csr *d = data;

		if (d->length < SEV_CERT_SIZE) {
			d->length = SEV_CERT_SIZE;
			*fw_err = SEV_FW_INVALID_LEN;
			return -EIO;
		}
		memcpy((void *)(uintptr_t)d->address, fk.csr.raw, SEV_CERT_SIZE);
		d->length = SEV_CERT_SIZE;
		return 0;
	}
	case SEV_CMD_PEK_CERT_IMPORT: {
		struct sev_user_data_pek_cert_import *d = data;

		assert_int_equal(d->pek_cert_len, SEV_CERT_SIZE);
		assert_int_equal(d->oca_cert_len, SEV_CERT_SIZE);
		memcpy(fk.imported_pek.raw, (void *)(uintptr_t)d->pek_cert_address, SEV_CERT_SIZE);
		memcpy(fk.imported_oca.raw, (void *)(uintptr_t)d->oca_cert_address, SEV_CERT_SIZE);
		fk.imported = true;
		return 0;
	}
	case SEV_CMD_GET_ID2: {
		struct sev_user_data_get_id2 *d = data;

		if (!d->address || d->length < sizeof(fk.id)) {
			d->length = sizeof(fk.id);
			*fw_err = SEV_FW_INVALID_LEN;
			return -EIO;
		}
		memcpy((void *)(uintptr_t)d->address, fk.id, sizeof(fk.id));
		d->length = sizeof(fk.id);
		return 0;
	}
	case SEV_CMD_PDH_GEN:
	case SEV_CMD_PEK_GEN:
	case SEV_CMD_FACTORY_RESET:
		assert_null(data);
		return 0;
	}
	return -EINVAL;
}

static const struct sev_dev_ops fake_ops = {
	.open = fake_open,
	.issue = fake_issue,
	.close = fake_close,
};

static char out_buf[16384], err_buf[16384];
static char tmpdir[64];

/* Run platform_main with stdout/stderr captured. */
static int run(const char *a0, ...)
{
	char *argv[32];
	int argc = 0, ret, so, se, fo, fe;
	char po[128], pe[128];
	va_list ap;
	FILE *f;
	size_t n;

	argv[argc++] = (char *)"platform";
	va_start(ap, a0);
	for (const char *a = a0; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	snprintf(po, sizeof(po), "%s/.out", tmpdir);
	snprintf(pe, sizeof(pe), "%s/.err", tmpdir);
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fo, 1);
	dup2(fe, 2);
	ret = platform_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(fo);
	close(fe);
	f = fopen(po, "r");
	n = fread(out_buf, 1, sizeof(out_buf) - 1, f);
	out_buf[n] = '\0';
	fclose(f);
	f = fopen(pe, "r");
	n = fread(err_buf, 1, sizeof(err_buf) - 1, f);
	err_buf[n] = '\0';
	fclose(f);
	return ret;
}

static void load(const char *rel, struct sev_cert *c)
{
	assert_int_equal(sev_cert_load(vec_path(rel), c, NULL), 0);
}

static int setup(void **state)
{
	EVP_PKEY *k = NULL;

	memset(&fk, 0, sizeof(fk));
	fk.st.api_major = 1;
	fk.st.api_minor = 55;
	fk.st.state = SEV_PLATFORM_WORKING;
	fk.st.flags = SEV_PLATFORM_F_CONFIG_ES | SEV_PLATFORM_F_OWNED;
	fk.st.build = 21;
	fk.st.guest_count = 3;
	load("certs/milan/pdh.cert", &fk.pdh);
	load("certs/milan/pek.cert", &fk.pek);
	load("certs/milan/oca.cert", &fk.oca);
	load("certs/milan/cek.cert", &fk.cek);
	assert_int_equal(sev_ec_generate(&k), 0);
	assert_int_equal(sev_cert_init(&fk.csr, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, k), 0);
	EVP_PKEY_free(k);
	for (int i = 0; i < 64; i++)
		fk.id[i] = (uint8_t)i;
	sev_cmd_dev_ops = &fake_ops;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sevplat.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	sev_cmd_dev_ops = &sev_dev_ops_linux;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

static void test_status(void **state)
{
	assert_int_equal(run("status", NULL), 0);
	assert_non_null(strstr(out_buf, "api: 1.55\n"));
	assert_non_null(strstr(out_buf, "build: 21\n"));
	assert_non_null(strstr(out_buf, "state: WORKING (2)\n"));
	assert_non_null(strstr(out_buf, "owner: externally owned\n"));
	assert_non_null(strstr(out_buf, "sev-es: supported\n"));
	assert_non_null(strstr(out_buf, "guests: 3\n"));
	assert_false(fk.opened_rw);
	/* Library level: the packed struct decodes field by field. */
	{
		struct sev_platform_status st;
		struct sev_dev dev;
		uint32_t e;

		assert_int_equal(sev_dev_open(&dev, &fake_ops, NULL, false), 0);
		assert_int_equal(sev_platform_status(&dev, &st, &e), 0);
		assert_int_equal(st.guest_count, 3);
		assert_int_equal(st.flags, 0x101);
		sev_dev_close(&dev);
	}
	fk.st.flags = 0;
	assert_int_equal(run("status", NULL), 0);
	assert_non_null(strstr(out_buf, "owner: self-owned\n"));
	assert_non_null(strstr(out_buf, "sev-es: not supported\n"));
}

static void test_firmware_errors_by_name(void **state)
{
	fk.fail_cmd = SEV_CMD_PDH_GEN + 1;
	fk.fail_code = SEV_FW_INVALID_PLATFORM_STATE;
	assert_int_equal(run("pdh-gen", NULL), 3);
	assert_non_null(
		strstr(err_buf, "PDH_GEN failed: firmware status INVALID_PLATFORM_STATE (0x1)"));
	fk.fail_cmd = SEV_CMD_PLATFORM_STATUS + 1;
	fk.fail_code = 0x27;
	assert_int_equal(run("status", NULL), 3);
	assert_non_null(strstr(err_buf, "INVALID_KEY (0x27)"));
	fk.fail_code = 0x77;
	assert_int_equal(run("status", NULL), 3);
	assert_non_null(strstr(err_buf, "unknown status 0x77"));
	fk.fail_cmd = 0;
}

static void test_device_absent_or_denied(void **state)
{
	fk.open_err = -ENOENT;
	assert_int_equal(run("status", NULL), 77);
	assert_non_null(strstr(err_buf, "/dev/sev: no SEV firmware device here"));
	fk.open_err = -EACCES;
	assert_int_equal(run("factory-reset", NULL), 3);
	assert_non_null(strstr(err_buf, "permission denied"));
	assert_non_null(strstr(err_buf, "read-write"));
	fk.open_err = -EACCES;
	assert_int_equal(run("status", "--dev", "/dev/other", NULL), 3);
	assert_non_null(strstr(err_buf, "/dev/other"));
	fk.open_err = 0;
	/* The real device where the machine has none. */
	sev_cmd_dev_ops = &sev_dev_ops_linux;
	assert_int_equal(run("status", "--dev", "/nonexistent/sev", NULL), 77);
	sev_cmd_dev_ops = &fake_ops;
}

static void test_simple_commands(void **state)
{
	memset(fk.calls, 0, sizeof(fk.calls));
	assert_int_equal(run("pdh-gen", NULL), 0);
	assert_true(fk.opened_rw);
	assert_int_equal(run("rotate", NULL), 0);
	assert_int_equal(run("pek-gen", NULL), 0);
	assert_int_equal(run("factory-reset", NULL), 0);
	assert_int_equal(fk.calls[SEV_CMD_PDH_GEN], 2);
	assert_int_equal(fk.calls[SEV_CMD_PEK_GEN], 1);
	assert_int_equal(fk.calls[SEV_CMD_FACTORY_RESET], 1);
	assert_int_equal(run("pdh-gen", "extra", NULL), 2);
	assert_int_equal(run("bogus", NULL), 2);
	assert_int_equal(run("status", "--bogus", NULL), 2);
	assert_int_equal(run("help", NULL), 0);
	assert_non_null(strstr(out_buf, "usage: minisev platform"));
}

static void test_export(void **state)
{
	char dir[128], path[192];
	struct sev_chain ch;
	struct sev_chain_report rep;
	struct sev_chain_opts o = { 0 };
	struct stat st;
	uint8_t *b;
	size_t n;

	snprintf(dir, sizeof(dir), "%s/exp", tmpdir);
	mkdir(dir, 0755);
	assert_int_equal(run("export", dir, NULL), 0);
	static const char *const names[] = { "pdh", "pek", "oca", "cek" };
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s.cert", dir, names[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, SEV_CERT_SIZE);
	}
	snprintf(path, sizeof(path), "%s/chain.cert", dir);
	b = read_file(path, 1 << 20, &n);
	assert_int_equal(n, 4 * SEV_CERT_SIZE);
	/* sevctl order PDH PEK OCA CEK */
	assert_memory_equal(b, fk.pdh.raw, SEV_CERT_SIZE);
	assert_memory_equal(b + SEV_CERT_SIZE, fk.pek.raw, SEV_CERT_SIZE);
	assert_memory_equal(b + 2 * SEV_CERT_SIZE, fk.oca.raw, SEV_CERT_SIZE);
	assert_memory_equal(b + 3 * SEV_CERT_SIZE, fk.cek.raw, SEV_CERT_SIZE);
	free(b);
	/* --full picks the generation from the (signed) CEK given */
	snprintf(path, sizeof(path), "%s", vec_path("certs/milan/cek.cert"));
	assert_int_equal(run("export", "--full", "--cek", path, dir, NULL), 0);
	sev_chain_init(&ch);
	assert_int_equal(sev_chain_load_dir(&ch, dir, NULL), 0);
	assert_true(ch.have[SEV_C_ARK] && ch.have[SEV_C_ASK]);
	assert_int_equal(sev_chain_verify(&ch, &o, &rep), 0);
	assert_int_equal(rep.gen, SEV_GEN_MILAN);
	snprintf(path, sizeof(path), "%s/chain.cert", dir);
	sev_chain_init(&ch);
	assert_int_equal(sev_chain_load_bundle(&ch, path, NULL), 0);
	assert_int_equal(sev_chain_verify(&ch, &o, &rep), 0);
	/* and the verify command agrees */
	assert_int_equal(run("verify", dir, NULL), 0);
	assert_non_null(strstr(out_buf, "chain: valid"));
	assert_int_equal(run("verify", path, NULL), 0);
	/* --full without a way to know the generation */
	assert_int_equal(run("export", "--full", dir, NULL), 2);
	assert_non_null(strstr(err_buf, "--gen"));
	assert_int_equal(run("export", "--full", "--gen", "milan", dir, NULL), 0);
	/* a CEK that is not this platform's */
	snprintf(path, sizeof(path), "%s", vec_path("certs/rome/cek.cert"));
	assert_int_equal(run("export", "--cek", path, dir, NULL), 2);
	assert_non_null(strstr(err_buf, "not this platform's CEK"));
	/* length answers the driver does not promise */
	fk.fail_cmd = SEV_CMD_PDH_CERT_EXPORT + 1;
	fk.fail_code = SEV_FW_INVALID_LEN;
	assert_int_equal(run("export", dir, NULL), 3);
	assert_non_null(strstr(err_buf, "PDH_CERT_EXPORT failed: firmware status INVALID_LEN"));
	fk.fail_cmd = 0;
	assert_int_equal(run("export", "/nonexistent-dir", NULL), 2);
}

static void test_csr_import_provision(void **state)
{
	char csr[128], oca[128], key[128], bad[512], other[128], okey[128];
	struct sev_key k;
	struct stat st;
	struct sev_cert c;

	snprintf(csr, sizeof(csr), "%s/csr.cert", tmpdir);
	snprintf(oca, sizeof(oca), "%s/oca.cert", tmpdir);
	snprintf(key, sizeof(key), "%s/oca.key", tmpdir);
	assert_int_equal(run("pek-csr", csr, NULL), 0);
	assert_int_equal(sev_cert_load(csr, &c, NULL), 0);
	assert_memory_equal(c.raw, fk.csr.raw, SEV_CERT_SIZE);

	assert_int_equal(run("generate-oca", oca, key, NULL), 0);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fk.imported = false;
	assert_int_equal(run("provision", oca, key, NULL), 0);
	assert_true(fk.imported);
	/* The imported PEK is the CSR signed by the OCA (slot 1). */
	assert_true(sev_cert_same_key(&fk.imported_pek, &fk.csr));
	assert_int_equal(sev_key_from_cert(&fk.imported_oca, &k, NULL), 0);
	assert_int_equal(sev_cert_verify(&k, &fk.imported_oca, NULL, NULL), 0);
	assert_int_equal(sev_cert_verify(&k, &fk.imported_pek, NULL, NULL), 0);
	sev_key_free(&k);
	/* pek-import of what provision produced; and of a mismatched pair */
	assert_int_equal(write_file_atomic(csr, fk.imported_pek.raw, SEV_CERT_SIZE, 0644), 0);
	assert_int_equal(write_file_atomic(oca, fk.imported_oca.raw, SEV_CERT_SIZE, 0644), 0);
	assert_int_equal(run("pek-import", csr, oca, NULL), 0);
	snprintf(bad, sizeof(bad), "%s", vec_path("certs/milan/oca.cert"));
	assert_int_equal(run("pek-import", csr, bad, NULL), 1);
	assert_non_null(strstr(err_buf, "PEK signature by the OCA"));
	assert_int_equal(run("pek-import", bad, csr, NULL), 2);
	assert_non_null(strstr(err_buf, "expected PEK"));
	/* provision with someone else's key (files in tmpdir only) */
	snprintf(other, sizeof(other), "%s/other.cert", tmpdir);
	snprintf(okey, sizeof(okey), "%s/other.key", tmpdir);
	assert_int_equal(run("generate-oca", other, okey, NULL), 0);
	assert_int_equal(run("provision", oca, okey, NULL), 2);
	assert_non_null(strstr(err_buf, "not the private key"));
	/* firmware refuses the import */
	fk.fail_cmd = SEV_CMD_PEK_CERT_IMPORT + 1;
	fk.fail_code = SEV_FW_ALREADY_OWNED;
	assert_int_equal(run("provision", other, okey, NULL), 3);
	assert_non_null(strstr(err_buf, "ALREADY_OWNED"));
	fk.fail_cmd = 0;
}

static void test_chip_id(void **state)
{
	assert_int_equal(run("chip-id", NULL), 0);
	assert_non_null(strstr(out_buf, "socket 0: 000102030405"));
	assert_non_null(strstr(out_buf, "https://kdsintf.amd.com/cek/id/0001020304"));
	assert_true(fk.calls[SEV_CMD_GET_ID2] >= 2); /* length query first */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_firmware_errors_by_name),
		cmocka_unit_test(test_device_absent_or_denied),
		cmocka_unit_test(test_simple_commands),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_csr_import_provision),
		cmocka_unit_test(test_chip_id),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
