// SPDX-License-Identifier: MIT
/*
 * 'minisev platform': the SEV platform owner's tools (what sevctl does)
 * and the certificate chain verifier.  Device commands go through
 * sev_cmd_dev_ops so unit tests can run them against a fake /dev/sev.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sev/b64.h"
#include "sev/chain.h"
#include "sev/cmd.h"
#include "sev/commands.h"
#include "sev/crypto.h"
#include "sev/fwerr.h"
#include "sev/platform.h"

static const char platform_usage[] =
	"usage: minisev platform COMMAND [OPTIONS]\n"
	"\n"
	"SEV platform commands on /dev/sev (--dev PATH to use another node):\n"
	"  status                 API version, build, state, owner, SEV-ES, guests\n"
	"  export [--full] [--gen GEN | --cek SIGNED_CEK] DIR\n"
	"                         write pdh.cert pek.cert oca.cert cek.cert and\n"
	"                         chain.cert (sevctl export layout) into DIR; --full\n"
	"                         adds ask.cert ark.cert (built-in, for the\n"
	"                         generation GEN or the one that signed SIGNED_CEK)\n"
	"  pek-csr FILE           write the PEK certificate signing request\n"
	"  pek-import PEK OCA     import a PEK signed by the owner's OCA\n"
	"  provision OCA KEY      take ownership: sign the PEK CSR with the OCA's\n"
	"                         private key (PEM) and import both\n"
	"  pdh-gen (rotate)       regenerate the PDH\n"
	"  pek-gen                regenerate the PEK (and PDH); drops ownership\n"
	"  factory-reset          erase all persistent SEV state (PEK, PDH, OCA)\n"
	"  chip-id                the chip ID (GET_ID2) and its AMD KDS CEK URL\n"
	"No device needed:\n"
	"  generate-oca CERT KEY  new self-signed OCA certificate and P-384 key\n"
	"  verify [DIR|FILE] [--ark F] [--ask F] [--cek F] [--oca F] [--pek F]\n"
	"         [--pdh F] [--ca ASK_ARK_FILE] [--gen GEN] [--any-ark] [--partial]\n"
	"                         check ARK -> ASK -> CEK -> PEK <- OCA, PEK -> PDH;\n"
	"                         DIR holds ark/ask/cek/oca/pek/pdh.cert, FILE is a\n"
	"                         sevctl export or firmware chain; a missing ARK/ASK\n"
	"                         is the built-in one of GEN or of the CEK's\n"
	"                         generation.  --any-ark trusts an ARK that is not\n"
	"                         AMD's; --partial lets missing links pass\n"
	"  help                   this text\n"
	"GEN: naples rome milan genoa turin.\n"
	"Exit status: 0 ok, 1 chain invalid, 2 usage or bad input file, 3 device\n"
	"or system error (firmware status printed by name), 77 no /dev/sev.\n";

enum {
	P_DEV = 256,
	P_FULL,
	P_GEN,
	P_CEK,
	P_ARK,
	P_ASK,
	P_OCA,
	P_PEK,
	P_PDH,
	P_CA,
	P_ANY_ARK,
	P_PARTIAL,
};

static const struct option platform_opts[] = {
	{ "dev", required_argument, NULL, P_DEV },   { "full", no_argument, NULL, P_FULL },
	{ "gen", required_argument, NULL, P_GEN },   { "cek", required_argument, NULL, P_CEK },
	{ "ark", required_argument, NULL, P_ARK },   { "ask", required_argument, NULL, P_ASK },
	{ "oca", required_argument, NULL, P_OCA },   { "pek", required_argument, NULL, P_PEK },
	{ "pdh", required_argument, NULL, P_PDH },   { "ca", required_argument, NULL, P_CA },
	{ "any-ark", no_argument, NULL, P_ANY_ARK }, { "partial", no_argument, NULL, P_PARTIAL },
	{ "help", no_argument, NULL, 'h' },	     { NULL, 0, NULL, 0 },
};

struct platform_args {
	const char *dev, *gen, *cek;
	const char *file[SEV_C_COUNT];
	const char *ca;
	bool full, any_ark, partial;
	int argc;
	char **argv;
};

static int parse_platform_args(int argc, char **argv, struct platform_args *a)
{
	char bad[3];
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", platform_opts, NULL)) != -1) {
		switch (c) {
		case P_DEV:
			a->dev = optarg;
			break;
		case P_FULL:
			a->full = true;
			break;
		case P_GEN:
			a->gen = optarg;
			break;
		case P_CEK:
			a->cek = optarg;
			a->file[SEV_C_CEK] = optarg;
			break;
		case P_ARK:
			a->file[SEV_C_ARK] = optarg;
			break;
		case P_ASK:
			a->file[SEV_C_ASK] = optarg;
			break;
		case P_OCA:
			a->file[SEV_C_OCA] = optarg;
			break;
		case P_PEK:
			a->file[SEV_C_PEK] = optarg;
			break;
		case P_PDH:
			a->file[SEV_C_PDH] = optarg;
			break;
		case P_CA:
			a->ca = optarg;
			break;
		case P_ANY_ARK:
			a->any_ark = true;
			break;
		case P_PARTIAL:
			a->partial = true;
			break;
		case 'h':
			fputs(platform_usage, stdout);
			return -1;
		default:
			return cmd_fail(
				CMD_USAGE,
				"platform %s: unknown or incomplete option '%s' (see 'minisev platform help')",
				argv[0], getopt_bad_option(bad, argv));
		}
	}
	a->argc = argc - optind;
	a->argv = argv + optind;
	return 0;
}

static int want_args(const struct platform_args *a, const char *cmd, int n, const char *synopsis)
{
	if (a->argc != n)
		return cmd_fail(CMD_USAGE, "usage: minisev platform %s%s%s", cmd,
				*synopsis ? " " : "", synopsis);
	return 0;
}

static int dev_open(struct sev_dev *dev, const char *path, bool writable)
{
	const char *p = path ? path : SEV_DEV_PATH;
	int ret = sev_dev_open(dev, sev_cmd_dev_ops, p, writable);

	switch (ret) {
	case 0:
		return 0;
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return cmd_fail(
			CMD_SKIP,
			"%s: no SEV firmware device here (%s): needs an AMD EPYC host with SEV enabled in the BIOS and the ccp driver loaded",
			p, strerror(-ret));
	case -EACCES:
	case -EPERM:
		return cmd_fail(
			CMD_SYSTEM,
			"%s: permission denied%s: run as root or give your user access to the device",
			p, writable ? " (this command needs it read-write)" : "");
	default:
		return cmd_fail(CMD_SYSTEM, "%s: cannot open: %s", p, strerror(-ret));
	}
}

static int dev_fail(uint32_t cmd, int ret, uint32_t fw_err)
{
	char buf[200];

	return cmd_fail(CMD_SYSTEM, "%s failed: %s", sev_platform_cmd_name(cmd),
			sev_dev_strerror(ret, fw_err, buf, sizeof(buf)));
}

static int platform_status(struct platform_args *a)
{
	struct sev_platform_status st;
	struct sev_dev dev;
	uint32_t fw = 0;
	int ret;

	if ((ret = want_args(a, "status", 0, "")))
		return ret;
	if ((ret = dev_open(&dev, a->dev, false)))
		return ret;
	ret = sev_platform_status(&dev, &st, &fw);
	sev_dev_close(&dev);
	if (ret)
		return dev_fail(SEV_CMD_PLATFORM_STATUS, ret, fw);
	printf("api: %u.%u\n", st.api_major, st.api_minor);
	printf("build: %u\n", st.build);
	printf("state: %s (%u)\n", sev_platform_state_name(st.state), st.state);
	printf("owner: %s\n", st.flags & SEV_PLATFORM_F_OWNED ? "externally owned" : "self-owned");
	printf("sev-es: %s\n", st.flags & SEV_PLATFORM_F_CONFIG_ES ? "supported" : "not supported");
	printf("flags: 0x%08x\n", st.flags);
	printf("guests: %u\n", st.guest_count);
	return CMD_OK;
}

static int write_cert(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[PATH_MAX];
	int ret;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return cmd_fail(CMD_USAGE, "%s: path too long", dir);
	ret = write_file_atomic(path, buf, len, 0644);
	if (ret)
		return cmd_fail(CMD_SYSTEM, "%s: cannot write: %s", path, strerror(-ret));
	return 0;
}

static int platform_export(struct platform_args *a)
{
	struct sev_cert pdh, pek, oca, cek, signed_cek;
	struct sev_ca_cert ark, ask;
	struct sev_why why = { "" };
	uint8_t bundle[4 * SEV_CERT_SIZE + 2 * SEV_CA_SIZE_4096];
	struct sev_dev dev;
	size_t blen = 0;
	uint32_t fw = 0;
	struct stat st;
	int ret, g = -1;

	if ((ret = want_args(a, "export", 1, "[--full] [--gen GEN | --cek FILE] DIR")))
		return ret;
	if (stat(a->argv[0], &st) < 0 || !S_ISDIR(st.st_mode))
		return cmd_fail(CMD_USAGE, "%s: not a directory", a->argv[0]);
	if (a->gen && (g = sev_gen_by_name(a->gen)) < 0)
		return cmd_fail(CMD_USAGE, "--gen: unknown generation '%s'", a->gen);
	if (a->cek && sev_cert_load(a->cek, &signed_cek, &why))
		return cmd_fail(CMD_USAGE, "%s", why.msg);
	if ((ret = dev_open(&dev, a->dev, false)))
		return ret;
	ret = sev_pdh_cert_export(&dev, &pdh, &pek, &oca, &cek, &fw);
	sev_dev_close(&dev);
	if (ret)
		return dev_fail(SEV_CMD_PDH_CERT_EXPORT, ret, fw);
	if (a->cek) {
		/* The platform's CEK is unsigned; AMD KDS has the signed one. */
		if (!sev_cert_same_key(&cek, &signed_cek))
			return cmd_fail(
				CMD_USAGE,
				"%s: not this platform's CEK (its key differs from the exported one)",
				a->cek);
		cek = signed_cek;
		if (g < 0)
			g = sev_gen_from_cek(&cek);
	}
	if (a->full) {
		if (g < 0)
			return cmd_fail(
				CMD_USAGE,
				"--full needs the generation: the platform exports its CEK unsigned; give --gen GEN or --cek FILE (the signed CEK from AMD KDS, see 'minisev platform chip-id')");
		if (sev_builtin_ca(g, true, &ark) || sev_builtin_ca(g, false, &ask))
			return cmd_fail(CMD_SYSTEM, "built-in certificates unusable");
	}
	/* sevctl export order: PDH, PEK, OCA, CEK (then ASK, ARK). */
	memcpy(bundle + blen, pdh.raw, SEV_CERT_SIZE), blen += SEV_CERT_SIZE;
	memcpy(bundle + blen, pek.raw, SEV_CERT_SIZE), blen += SEV_CERT_SIZE;
	memcpy(bundle + blen, oca.raw, SEV_CERT_SIZE), blen += SEV_CERT_SIZE;
	memcpy(bundle + blen, cek.raw, SEV_CERT_SIZE), blen += SEV_CERT_SIZE;
	if ((ret = write_cert(a->argv[0], "pdh.cert", pdh.raw, SEV_CERT_SIZE)) ||
	    (ret = write_cert(a->argv[0], "pek.cert", pek.raw, SEV_CERT_SIZE)) ||
	    (ret = write_cert(a->argv[0], "oca.cert", oca.raw, SEV_CERT_SIZE)) ||
	    (ret = write_cert(a->argv[0], "cek.cert", cek.raw, SEV_CERT_SIZE)))
		return ret;
	if (a->full) {
		memcpy(bundle + blen, ask.raw, ask.len), blen += ask.len;
		memcpy(bundle + blen, ark.raw, ark.len), blen += ark.len;
		if ((ret = write_cert(a->argv[0], "ask.cert", ask.raw, ask.len)) ||
		    (ret = write_cert(a->argv[0], "ark.cert", ark.raw, ark.len)))
			return ret;
	}
	if ((ret = write_cert(a->argv[0], "chain.cert", bundle, blen)))
		return ret;
	printf("exported pdh pek oca cek%s%s%s and chain.cert to %s\n",
	       a->full ? " ask ark (built-in " : "", a->full ? sev_builtins[g].name : "",
	       a->full ? ")" : "", a->argv[0]);
	if (!a->cek && sev_cert_slot_empty(&cek, 0) && sev_cert_slot_empty(&cek, 1))
		fprintf(stderr,
			"note: the platform's CEK is unsigned; the AMD-signed copy comes from AMD KDS (see 'minisev platform chip-id')\n");
	return CMD_OK;
}

static int platform_pek_csr(struct platform_args *a)
{
	struct sev_cert csr;
	struct sev_dev dev;
	uint32_t fw = 0;
	int ret;

	if ((ret = want_args(a, "pek-csr", 1, "FILE")))
		return ret;
	if ((ret = dev_open(&dev, a->dev, true)))
		return ret;
	ret = sev_pek_csr(&dev, &csr, &fw);
	sev_dev_close(&dev);
	if (ret)
		return dev_fail(SEV_CMD_PEK_CSR, ret, fw);
	ret = write_file_atomic(a->argv[0], csr.raw, SEV_CERT_SIZE, 0644);
	if (ret)
		return cmd_fail(CMD_SYSTEM, "%s: cannot write: %s", a->argv[0], strerror(-ret));
	return CMD_OK;
}

static int import(struct platform_args *a, const struct sev_cert *pek, const struct sev_cert *oca)
{
	struct sev_dev dev;
	uint32_t fw = 0;
	int ret;

	if ((ret = dev_open(&dev, a->dev, true)))
		return ret;
	ret = sev_pek_cert_import(&dev, pek, oca, &fw);
	sev_dev_close(&dev);
	if (ret)
		return dev_fail(SEV_CMD_PEK_CERT_IMPORT, ret, fw);
	return CMD_OK;
}

static int load_usage(const char *path, uint32_t usage, struct sev_cert *c)
{
	struct sev_why why = { "" };

	if (sev_cert_load(path, c, &why))
		return cmd_fail(CMD_USAGE, "%s", why.msg);
	if (sev_cert_usage(c) != usage)
		return cmd_fail(CMD_USAGE, "%s: a %s certificate, expected %s", path,
				sev_usage_name(sev_cert_usage(c)), sev_usage_name(usage));
	return 0;
}

/* The OCA must be self-signed and must have signed the PEK. */
static int check_owner_pair(const struct sev_cert *pek, const struct sev_cert *oca)
{
	struct sev_why why = { "" };
	struct sev_key k;
	int ret;

	if (sev_key_from_cert(oca, &k, &why))
		return cmd_fail(CMD_USAGE, "OCA key: %s", why.msg);
	ret = sev_cert_verify(&k, oca, NULL, &why);
	if (ret) {
		sev_key_free(&k);
		return cmd_fail(CMD_FAIL, "OCA self-signature: %s", why.msg);
	}
	ret = sev_cert_verify(&k, pek, NULL, &why);
	sev_key_free(&k);
	if (ret)
		return cmd_fail(CMD_FAIL, "PEK signature by the OCA: %s", why.msg);
	return 0;
}

static int platform_pek_import(struct platform_args *a)
{
	struct sev_cert pek, oca;
	int ret;

	if ((ret = want_args(a, "pek-import", 2, "PEK OCA")))
		return ret;
	if ((ret = load_usage(a->argv[0], SEV_USAGE_PEK, &pek)) ||
	    (ret = load_usage(a->argv[1], SEV_USAGE_OCA, &oca)) ||
	    (ret = check_owner_pair(&pek, &oca)))
		return ret;
	return import(a, &pek, &oca);
}

static int platform_provision(struct platform_args *a)
{
	struct sev_cert oca, csr;
	struct sev_why why = { "" };
	uint8_t qx[72], qy[72];
	EVP_PKEY *key = NULL;
	struct sev_dev dev;
	uint32_t fw = 0;
	int ret;

	if ((ret = want_args(a, "provision", 2, "OCA_CERT OCA_KEY")))
		return ret;
	if ((ret = load_usage(a->argv[0], SEV_USAGE_OCA, &oca)))
		return ret;
	if (sev_ec_load_private(a->argv[1], &key, &why))
		return cmd_fail(CMD_USAGE, "%s", why.msg);
	if (sev_ec_pub_to_le(key, qx, qy) || memcmp(qx, oca.raw + SEV_ECC_OFF_QX, 72) ||
	    memcmp(qy, oca.raw + SEV_ECC_OFF_QY, 72)) {
		ret = cmd_fail(CMD_USAGE, "%s: not the private key of %s", a->argv[1], a->argv[0]);
		goto out;
	}
	if ((ret = dev_open(&dev, a->dev, true)))
		goto out;
	ret = sev_pek_csr(&dev, &csr, &fw);
	sev_dev_close(&dev);
	if (ret) {
		ret = dev_fail(SEV_CMD_PEK_CSR, ret, fw);
		goto out;
	}
	if (sev_cert_usage(&csr) != SEV_USAGE_PEK) {
		ret = cmd_fail(CMD_SYSTEM, "PEK_CSR returned a %s certificate",
			       sev_usage_name(sev_cert_usage(&csr)));
		goto out;
	}
	if (sev_cert_sign(&csr, key, SEV_USAGE_OCA, -1, &why)) {
		ret = cmd_fail(CMD_SYSTEM, "signing the PEK: %s", why.msg);
		goto out;
	}
	ret = import(a, &csr, &oca);
	if (!ret)
		printf("platform now owned by the OCA in %s\n", a->argv[0]);
out:
	EVP_PKEY_free(key);
	return ret;
}

static int platform_generate_oca(struct platform_args *a)
{
	struct sev_why why = { "" };
	struct sev_cert oca;
	EVP_PKEY *key = NULL;
	int ret;

	if ((ret = want_args(a, "generate-oca", 2, "CERT KEY")))
		return ret;
	if (sev_ec_generate(&key))
		return cmd_fail(CMD_SYSTEM, "P-384 key generation failed");
	if (sev_cert_init(&oca, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, key) ||
	    sev_cert_sign(&oca, key, SEV_USAGE_OCA, 0, &why)) {
		ret = cmd_fail(CMD_SYSTEM, "making the OCA: %s", why.msg);
		goto out;
	}
	ret = sev_ec_save_private(a->argv[1], key);
	if (ret) {
		ret = cmd_fail(CMD_SYSTEM, "%s: cannot write: %s", a->argv[1], strerror(-ret));
		goto out;
	}
	ret = write_file_atomic(a->argv[0], oca.raw, SEV_CERT_SIZE, 0644);
	if (ret) {
		ret = cmd_fail(CMD_SYSTEM, "%s: cannot write: %s", a->argv[0], strerror(-ret));
		goto out;
	}
	ret = CMD_OK;
out:
	EVP_PKEY_free(key);
	return ret;
}

static int simple_cmd(struct platform_args *a, const char *name, uint32_t cmd)
{
	struct sev_dev dev;
	uint32_t fw = 0;
	int ret;

	if ((ret = want_args(a, name, 0, "")))
		return ret;
	if ((ret = dev_open(&dev, a->dev, true)))
		return ret;
	switch (cmd) {
	case SEV_CMD_PDH_GEN:
		ret = sev_pdh_gen(&dev, &fw);
		break;
	case SEV_CMD_PEK_GEN:
		ret = sev_pek_gen(&dev, &fw);
		break;
	default:
		ret = sev_factory_reset(&dev, &fw);
		break;
	}
	sev_dev_close(&dev);
	if (ret)
		return dev_fail(cmd, ret, fw);
	printf("%s: done\n", sev_platform_cmd_name(cmd));
	return CMD_OK;
}

static int platform_chip_id(struct platform_args *a)
{
	uint8_t id[1024];
	char hex[2 * 64 + 1];
	struct sev_dev dev;
	size_t len = 0;
	uint32_t fw = 0;
	int ret;

	if ((ret = want_args(a, "chip-id", 0, "")))
		return ret;
	if ((ret = dev_open(&dev, a->dev, false)))
		return ret;
	ret = sev_get_id(&dev, id, sizeof(id), &len, &fw);
	sev_dev_close(&dev);
	if (ret)
		return dev_fail(SEV_CMD_GET_ID2, ret, fw);
	/* 64 bytes per socket (SEV API GET_ID); the KDS wants the first. */
	for (size_t off = 0; off < len; off += 64) {
		size_t n = len - off < 64 ? len - off : 64;

		sev_hex_encode(id + off, n, hex);
		printf("socket %zu: %s\n", off / 64, hex);
	}
	sev_hex_encode(id, len < 64 ? len : 64, hex);
	printf("signed CEK: https://kdsintf.amd.com/cek/id/%s\n", hex);
	return CMD_OK;
}

static int platform_verify(struct platform_args *a)
{
	struct sev_chain_opts o = { .any_ark = a->any_ark, .partial = a->partial };
	struct sev_chain_report rep;
	struct sev_why why = { "" };
	struct sev_chain ch;
	int g = -1, ret;

	if (a->argc > 1)
		return cmd_fail(
			CMD_USAGE,
			"usage: minisev platform verify [DIR|FILE] [--ark F] ... (see help)");
	if (a->gen && (g = sev_gen_by_name(a->gen)) < 0)
		return cmd_fail(CMD_USAGE, "--gen: unknown generation '%s'", a->gen);
	sev_chain_init(&ch);
	if (a->argc == 1) {
		struct stat st;

		if (stat(a->argv[0], &st) < 0)
			return cmd_fail(CMD_USAGE, "%s: %s", a->argv[0], strerror(errno));
		ret = S_ISDIR(st.st_mode) ? sev_chain_load_dir(&ch, a->argv[0], &why) :
					    sev_chain_load_bundle(&ch, a->argv[0], &why);
		if (ret)
			return cmd_fail(CMD_USAGE, "%s", why.msg);
	}
	/* Named files replace what the directory held. */
	if (a->ca) {
		struct sev_chain ca;

		sev_chain_init(&ca);
		if (sev_chain_load_bundle(&ca, a->ca, &why))
			return cmd_fail(CMD_USAGE, "%s", why.msg);
		if (ca.have[SEV_C_ARK])
			sev_chain_take(&ch, &ca, SEV_C_ARK);
		if (ca.have[SEV_C_ASK])
			sev_chain_take(&ch, &ca, SEV_C_ASK);
	}
	for (int s = 0; s < SEV_C_COUNT; s++)
		if (a->file[s] && sev_chain_load(&ch, s, a->file[s], &why))
			return cmd_fail(CMD_USAGE, "%s", why.msg);
	if (a->argc == 0 && !a->ca) {
		bool any = false;

		for (int s = 0; s < SEV_C_COUNT; s++)
			any |= ch.have[s];
		if (!any)
			return cmd_fail(
				CMD_USAGE,
				"platform verify: no certificates given (DIR, FILE or --ark/--ask/...)");
	}
	if (g >= 0 && sev_chain_use_builtin(&ch, g))
		return cmd_fail(CMD_SYSTEM, "built-in certificates unusable");
	ret = sev_chain_verify(&ch, &o, &rep);
	sev_chain_report_print(stdout, &ch, &rep);
	return ret ? CMD_FAIL : CMD_OK;
}

int platform_main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	struct platform_args a;
	int ret;

	if (!cmd || !strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(platform_usage, cmd ? stdout : stderr);
		return cmd ? CMD_OK : CMD_USAGE;
	}
	if ((ret = parse_platform_args(argc - 1, argv + 1, &a)))
		return ret < 0 ? CMD_OK : ret;
	if (!strcmp(cmd, "status"))
		return platform_status(&a);
	if (!strcmp(cmd, "export"))
		return platform_export(&a);
	if (!strcmp(cmd, "pek-csr"))
		return platform_pek_csr(&a);
	if (!strcmp(cmd, "pek-import"))
		return platform_pek_import(&a);
	if (!strcmp(cmd, "provision"))
		return platform_provision(&a);
	if (!strcmp(cmd, "generate-oca"))
		return platform_generate_oca(&a);
	if (!strcmp(cmd, "pdh-gen") || !strcmp(cmd, "rotate"))
		return simple_cmd(&a, cmd, SEV_CMD_PDH_GEN);
	if (!strcmp(cmd, "pek-gen"))
		return simple_cmd(&a, cmd, SEV_CMD_PEK_GEN);
	if (!strcmp(cmd, "factory-reset"))
		return simple_cmd(&a, cmd, SEV_CMD_FACTORY_RESET);
	if (!strcmp(cmd, "chip-id"))
		return platform_chip_id(&a);
	if (!strcmp(cmd, "verify"))
		return platform_verify(&a);
	return cmd_fail(CMD_USAGE, "platform: unknown command '%s' (see 'minisev platform help')",
			cmd);
}
