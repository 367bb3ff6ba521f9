// SPDX-License-Identifier: MIT
/*
 * 'minisev owner': the guest owner's side of an SEV launch, what sevctl
 * (session, measurement, secret) and libvirt's virt-qemu-sev-validate do,
 * byte for byte.  Formulas in sev-crypto.md §4-§8.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "sev/b64.h"
#include "sev/chain.h"
#include "sev/cmd.h"
#include "sev/vmsa.h"
#include "boot.h"
#include "sev/commands.h"
#include "sev/crypto.h"
#include "sev/measure.h"
#include "sev/ovmf.h"
#include "sev/policy.h"
#include "sev/secret.h"
#include "sev/session.h"

static const char owner_usage[] =
	"usage: minisev owner COMMAND [OPTIONS]\n"
	"\n"
	"Guest-owner tools for an SEV / SEV-ES launch (no SEV hardware needed).\n"
	"\n"
	"  session [--name NAME] [--chain DIR|FILE] [--gen GEN] [--any-ark]\n"
	"          [--no-verify] [--godh-key PEM] PDH POLICY\n"
	"      Make LAUNCH_START inputs for the platform owning PDH (a PDH .cert,\n"
	"      a directory holding pdh.cert and its chain, or a sevctl export file):\n"
	"      NAME_tik.bin NAME_tek.bin NAME_godh.b64 NAME_session.b64 (NAME\n"
	"      defaults to 'vm'; files 0600), as 'sevctl session' writes them.\n"
	"      The PDH's chain up to AMD's ARK is verified first (--chain gives the\n"
	"      certificates the PDH argument lacks; ARK/ASK default to the built-in\n"
	"      ones); --no-verify skips that, as sevctl does.\n"
	"\n"
	"  measure  INPUTS [--mnonce B64]\n"
	"      Print the expected launch measurement as base64 of\n"
	"      measurement || mnonce (the layout of virsh domlaunchsecinfo and\n"
	"      QEMU query-sev-launch-measure).  Without --mnonce a random one.\n"
	"  verify   INPUTS --measurement B64\n"
	"      Check a reported measurement; prints 'match' (exit 0) or\n"
	"      'mismatch' (exit 1).\n"
	"    INPUTS: --tik FILE | --tk FILE   TIK (16 bytes) or TEK||TIK (32 bytes)\n"
	"            --api-major N --api-minor N --build-id N   running firmware's\n"
	"            --policy P                 number or names, e.g. 0x5, nodbg,es\n"
	"            --measured FILE            launch data, repeatable, in order\n"
	"                                       (alias --firmware)\n"
	"            --kernel F [--initrd F] [--cmdline S]   OVMF kernel-hashes table\n"
	"            --sev-es                   an SEV-ES launch: needs the VMSAs,\n"
	"                                       as files or computed:\n"
	"            --vmsa-cpu0 F [--vmsa-cpu1 F] --num-cpus N   SEV-ES VMSA pages\n"
	"            --vmsa-entry ADDR --cbit N [--init init2|legacy] --num-cpus N\n"
	"            [--vmsa-features N|debug-swap]\n"
	"                                       SEV-ES VMSAs of a minisev guest, computed\n"
	"                                       from its entry point (every vCPU starts\n"
	"                                       there) and the KVM INIT flavour\n"
	"            --cpu-family N --cpu-model N --cpu-stepping N --num-cpus N\n"
	"            [--init legacy|init2] [--vmsa-features N|debug-swap]\n"
	"                                       SEV-ES VMSAs of a QEMU + OVMF guest, as\n"
	"                                       virt-qemu-sev-validate takes them: QEMU's\n"
	"                                       reset vCPUs of that CPU, APs at the first\n"
	"                                       --measured file's (OVMF) SEV-ES reset\n"
	"                                       block; --init legacy (QEMU < 9.1) default\n"
	"            --digest B64|HEX           the launch digest itself instead\n"
	"\n"
	"  secret   (--tek F --tik F | --tk F) --measurement B64\n"
	"           (--secret GUID|luks-key:FILE ... | --table FILE) [--iv B64|HEX]\n"
	"           [--padding sevctl|libvirt] [--header-out F --payload-out F]\n"
	"      Build a LAUNCH_SECRET packet: prints 'header: B64' (52 bytes) and\n"
	"      'payload: B64', or writes them as base64 text files.  --padding\n"
	"      picks how the secret table is padded (default sevctl).\n"
	"  secret-check (--tek F --tik F | --tk F) --measurement B64\n"
	"           (--header B64 | --header-file F) (--payload B64 | --payload-file F)\n"
	"           [--extract DIR]\n"
	"      Check and open a packet as the firmware would: MAC, decryption,\n"
	"      secret table; --extract writes each secret to DIR/GUID (0600).\n"
	"\n"
	"  session-info [--name NAME | --godh F --session F] [--pdh-key PEM\n"
	"           --policy P [--tik F --tek F]]\n"
	"      Check session files (sizes, GODH); with the PDH private key, unwrap\n"
	"      them as the firmware does and compare TEK/TIK.\n"
	"  policy   POLICY [--es | --sev]\n"
	"      Print the policy bits by name; with --es/--sev refuse a policy that\n"
	"      contradicts an SEV-ES / plain SEV launch.\n"
	"  help     this text\n"
	"\n"
	"Exit status: 0 ok, 1 verification failed or mismatch, 2 usage or bad\n"
	"input file, 3 system error.\n";

enum {
	O_NAME = 256,
	O_CHAIN,
	O_GEN,
	O_ANY_ARK,
	O_NO_VERIFY,
	O_GODH_KEY,
	O_TIK,
	O_TEK,
	O_TK,
	O_API_MAJOR,
	O_API_MINOR,
	O_BUILD_ID,
	O_POLICY,
	O_MEASURED,
	O_KERNEL,
	O_INITRD,
	O_CMDLINE,
	O_VMSA0,
	O_VMSA1,
	O_NUM_CPUS,
	O_VMSA_ENTRY,
	O_CBIT,
	O_INIT,
	O_VMSA_FEATURES,
	O_DIGEST,
	O_MNONCE,
	O_MEASUREMENT,
	O_SECRET,
	O_TABLE,
	O_IV,
	O_PADDING,
	O_HEADER_OUT,
	O_PAYLOAD_OUT,
	O_HEADER,
	O_HEADER_FILE,
	O_PAYLOAD,
	O_PAYLOAD_FILE,
	O_EXTRACT,
	O_GODH,
	O_SESSION,
	O_PDH_KEY,
	O_ES,
	O_SEV,
	O_FLAGS,
	O_CPU_FAMILY,
	O_CPU_MODEL,
	O_CPU_STEPPING,
};

static const struct option owner_opts[] = {
	{ "name", required_argument, NULL, O_NAME },
	{ "chain", required_argument, NULL, O_CHAIN },
	{ "gen", required_argument, NULL, O_GEN },
	{ "any-ark", no_argument, NULL, O_ANY_ARK },
	{ "no-verify", no_argument, NULL, O_NO_VERIFY },
	{ "godh-key", required_argument, NULL, O_GODH_KEY },
	{ "tik", required_argument, NULL, O_TIK },
	{ "tek", required_argument, NULL, O_TEK },
	{ "tk", required_argument, NULL, O_TK },
	{ "api-major", required_argument, NULL, O_API_MAJOR },
	{ "api-minor", required_argument, NULL, O_API_MINOR },
	{ "build-id", required_argument, NULL, O_BUILD_ID },
	{ "policy", required_argument, NULL, O_POLICY },
	{ "measured", required_argument, NULL, O_MEASURED },
	{ "firmware", required_argument, NULL, O_MEASURED },
	{ "kernel", required_argument, NULL, O_KERNEL },
	{ "initrd", required_argument, NULL, O_INITRD },
	{ "cmdline", required_argument, NULL, O_CMDLINE },
	{ "vmsa-cpu0", required_argument, NULL, O_VMSA0 },
	{ "vmsa-cpu1", required_argument, NULL, O_VMSA1 },
	{ "num-cpus", required_argument, NULL, O_NUM_CPUS },
	{ "vmsa-entry", required_argument, NULL, O_VMSA_ENTRY },
	{ "cbit", required_argument, NULL, O_CBIT },
	{ "init", required_argument, NULL, O_INIT },
	{ "vmsa-features", required_argument, NULL, O_VMSA_FEATURES },
	{ "cpu-family", required_argument, NULL, O_CPU_FAMILY },
	{ "cpu-model", required_argument, NULL, O_CPU_MODEL },
	{ "cpu-stepping", required_argument, NULL, O_CPU_STEPPING },
	{ "digest", required_argument, NULL, O_DIGEST },
	{ "mnonce", required_argument, NULL, O_MNONCE },
	{ "measurement", required_argument, NULL, O_MEASUREMENT },
	{ "secret", required_argument, NULL, O_SECRET },
	{ "table", required_argument, NULL, O_TABLE },
	{ "iv", required_argument, NULL, O_IV },
	{ "flags", required_argument, NULL, O_FLAGS },
	{ "padding", required_argument, NULL, O_PADDING },
	{ "header-out", required_argument, NULL, O_HEADER_OUT },
	{ "payload-out", required_argument, NULL, O_PAYLOAD_OUT },
	{ "header", required_argument, NULL, O_HEADER },
	{ "header-file", required_argument, NULL, O_HEADER_FILE },
	{ "payload", required_argument, NULL, O_PAYLOAD },
	{ "payload-file", required_argument, NULL, O_PAYLOAD_FILE },
	{ "extract", required_argument, NULL, O_EXTRACT },
	{ "godh", required_argument, NULL, O_GODH },
	{ "session", required_argument, NULL, O_SESSION },
	{ "pdh-key", required_argument, NULL, O_PDH_KEY },
	{ "es", no_argument, NULL, O_ES },
	{ "sev-es", no_argument, NULL, O_ES },
	{ "sev", no_argument, NULL, O_SEV },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define MAX_MEASURED 64
#define MAX_SECRETS 64

struct owner_args {
	const char *name, *chain, *gen, *godh_key;
	bool any_ark, no_verify;
	const char *tik, *tek, *tk;
	const char *api_major, *api_minor, *build_id, *policy;
	const char *measured[MAX_MEASURED];
	int nmeasured;
	const char *kernel, *initrd, *cmdline, *vmsa0, *vmsa1, *num_cpus;
	const char *vmsa_entry, *cbit, *init, *vmsa_features;
	const char *cpu_family, *cpu_model, *cpu_stepping;
	const char *digest, *mnonce, *measurement;
	const char *secrets[MAX_SECRETS];
	int nsecrets;
	const char *table, *iv, *flags, *padding, *header_out, *payload_out;
	const char *header, *header_file, *payload, *payload_file, *extract;
	const char *godh, *session, *pdh_key;
	bool es, sev;
	int argc; /* positional arguments left */
	char **argv;
};

static int parse_owner_args(int argc, char **argv, struct owner_args *a)
{
	char bad[3];
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0; /* full reset: the commands may run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", owner_opts, NULL)) != -1) {
		switch (c) {
		case O_NAME:
			a->name = optarg;
			break;
		case O_CHAIN:
			a->chain = optarg;
			break;
		case O_GEN:
			a->gen = optarg;
			break;
		case O_ANY_ARK:
			a->any_ark = true;
			break;
		case O_NO_VERIFY:
			a->no_verify = true;
			break;
		case O_GODH_KEY:
			a->godh_key = optarg;
			break;
		case O_TIK:
			a->tik = optarg;
			break;
		case O_TEK:
			a->tek = optarg;
			break;
		case O_TK:
			a->tk = optarg;
			break;
		case O_API_MAJOR:
			a->api_major = optarg;
			break;
		case O_API_MINOR:
			a->api_minor = optarg;
			break;
		case O_BUILD_ID:
			a->build_id = optarg;
			break;
		case O_POLICY:
			a->policy = optarg;
			break;
		case O_MEASURED:
			if (a->nmeasured == MAX_MEASURED)
				return cmd_fail(CMD_USAGE, "more than %d --measured files",
						MAX_MEASURED);
			a->measured[a->nmeasured++] = optarg;
			break;
		case O_KERNEL:
			a->kernel = optarg;
			break;
		case O_INITRD:
			a->initrd = optarg;
			break;
		case O_CMDLINE:
			a->cmdline = optarg;
			break;
		case O_VMSA0:
			a->vmsa0 = optarg;
			break;
		case O_VMSA1:
			a->vmsa1 = optarg;
			break;
		case O_VMSA_ENTRY:
			a->vmsa_entry = optarg;
			break;
		case O_CBIT:
			a->cbit = optarg;
			break;
		case O_INIT:
			a->init = optarg;
			break;
		case O_VMSA_FEATURES:
			a->vmsa_features = optarg;
			break;
		case O_CPU_FAMILY:
			a->cpu_family = optarg;
			break;
		case O_CPU_MODEL:
			a->cpu_model = optarg;
			break;
		case O_CPU_STEPPING:
			a->cpu_stepping = optarg;
			break;
		case O_NUM_CPUS:
			a->num_cpus = optarg;
			break;
		case O_DIGEST:
			a->digest = optarg;
			break;
		case O_MNONCE:
			a->mnonce = optarg;
			break;
		case O_MEASUREMENT:
			a->measurement = optarg;
			break;
		case O_SECRET:
			if (a->nsecrets == MAX_SECRETS)
				return cmd_fail(CMD_USAGE, "more than %d --secret", MAX_SECRETS);
			a->secrets[a->nsecrets++] = optarg;
			break;
		case O_TABLE:
			a->table = optarg;
			break;
		case O_IV:
			a->iv = optarg;
			break;
		case O_FLAGS:
			a->flags = optarg;
			break;
		case O_PADDING:
			a->padding = optarg;
			break;
		case O_HEADER_OUT:
			a->header_out = optarg;
			break;
		case O_PAYLOAD_OUT:
			a->payload_out = optarg;
			break;
		case O_HEADER:
			a->header = optarg;
			break;
		case O_HEADER_FILE:
			a->header_file = optarg;
			break;
		case O_PAYLOAD:
			a->payload = optarg;
			break;
		case O_PAYLOAD_FILE:
			a->payload_file = optarg;
			break;
		case O_EXTRACT:
			a->extract = optarg;
			break;
		case O_GODH:
			a->godh = optarg;
			break;
		case O_SESSION:
			a->session = optarg;
			break;
		case O_PDH_KEY:
			a->pdh_key = optarg;
			break;
		case O_ES:
			a->es = true;
			break;
		case O_SEV:
			a->sev = true;
			break;
		case 'h':
			fputs(owner_usage, stdout);
			return -1;
		default:
			return cmd_fail(
				CMD_USAGE,
				"owner %s: unknown or incomplete option '%s' (see 'minisev owner help')",
				argv[0], getopt_bad_option(bad, argv));
		}
	}
	a->argc = argc - optind;
	a->argv = argv + optind;
	return 0;
}

/* TIK (and TEK when want_tek) from --tik/--tek or --tk. */
static int load_keys(const struct owner_args *a, bool want_tek, uint8_t tek[SEV_KEY_SIZE],
		     uint8_t tik[SEV_KEY_SIZE])
{
	struct sev_why why = { "" };

	if (a->tk) {
		if (a->tik || a->tek)
			return cmd_fail(CMD_USAGE, "--tk excludes --tik/--tek");
		if (sev_tk_file_load(a->tk, tek, tik, &why))
			return cmd_fail(CMD_USAGE, "%s", why.msg);
		return 0;
	}
	if (!a->tik || (want_tek && !a->tek))
		return cmd_fail(CMD_USAGE, "need %s or --tk FILE",
				want_tek ? "--tik FILE and --tek FILE" : "--tik FILE");
	if (sev_key_file_load(a->tik, "TIK", tik, &why))
		return cmd_fail(CMD_USAGE, "%s", why.msg);
	if (want_tek && sev_key_file_load(a->tek, "TEK", tek, &why))
		return cmd_fail(CMD_USAGE, "%s", why.msg);
	return 0;
}

static int get_policy(const char *s, uint32_t *policy)
{
	struct sev_why why = { "" };

	if (!s)
		return cmd_fail(CMD_USAGE, "need --policy");
	if (sev_policy_parse(s, policy, &why))
		return cmd_fail(CMD_USAGE, "--policy: %s", why.msg);
	return 0;
}

static int ld_add_file(struct sev_ld *ld, const char *path, size_t exact)
{
	size_t len;
	void *buf = read_file(path, (size_t)1 << 31, &len);
	int ret;

	if (!buf)
		return cmd_fail(CMD_USAGE, "%s: %s", path, strerror(errno));
	if (exact && len != exact) {
		free(buf);
		return cmd_fail(CMD_USAGE, "%s: %zu bytes, a VMSA page is %zu", path, len, exact);
	}
	ret = sev_ld_update(ld, buf, len);
	free(buf);
	return ret ? cmd_fail(CMD_SYSTEM, "SHA-256 failed") : 0;
}

/*
 * QEMU + OVMF SEV-ES: the BSP's VMSA at the reset vector, the APs' at the
 * SEV-ES reset block of the firmware (the first --measured file), as
 * virt-qemu-sev-validate builds them from the same three CPU numbers.
 */
static int qemu_vmsas(const struct owner_args *a, bool init2, uint64_t features, uint64_t ncpu,
		      uint8_t computed[2][SEV_VMSA_SIZE])
{
	uint64_t fam, model, step;
	struct sev_why why = { "" };
	uint32_t version, ap = 0;

	if (!a->cpu_family || !a->cpu_model || !a->cpu_stepping)
		return cmd_fail(CMD_USAGE, "QEMU's VMSAs need all of --cpu-family, --cpu-model "
					   "and --cpu-stepping (the guest CPU's)");
	if (parse_u64(a->cpu_family, 0, 0xff + 0xf, &fam) ||
	    parse_u64(a->cpu_model, 0, 0xff, &model) || parse_u64(a->cpu_stepping, 0, 0xf, &step))
		return cmd_fail(CMD_USAGE,
				"--cpu-family (0-270), --cpu-model (0-255), "
				"--cpu-stepping (0-15): '%s' '%s' '%s'",
				a->cpu_family, a->cpu_model, a->cpu_stepping);
	version = sev_cpuid_version(fam, model, step);
	sev_vmsa_qemu_reset(version, 0xfffffff0, init2, features, computed[0]);
	if (ncpu > 1) {
		size_t len;
		uint8_t *fw;
		int ret;

		if (!a->nmeasured)
			return cmd_fail(CMD_USAGE, "need --firmware OVMF.fd for the APs' reset "
						   "address");
		fw = read_file(a->measured[0], SIZE_MAX, &len);
		if (!fw)
			return cmd_fail(CMD_USAGE, "%s: %s", a->measured[0], strerror(errno));
		ret = sev_ovmf_ap_reset(fw, len, &ap, &why);
		free(fw);
		if (ret)
			return cmd_fail(CMD_USAGE, "%s: %s", a->measured[0],
					sev_why_str(&why, ret));
	}
	sev_vmsa_qemu_reset(version, ap, init2, features, computed[1]);
	return 0;
}

/* Everything but the mnonce: API, build, policy and the launch digest. */
static int measure_params(const struct owner_args *a, struct sev_measure_params *p)
{
	struct sev_why why = { "" };
	bool es_inputs = a->vmsa0 || a->vmsa1 || a->num_cpus || a->vmsa_entry || a->cpu_family ||
			 a->cpu_model || a->cpu_stepping;
	bool qemu = a->cpu_family || a->cpu_model || a->cpu_stepping;
	uint8_t computed[2][SEV_VMSA_SIZE];
	struct sev_ld ld = { NULL };
	uint64_t ncpu = 0, entry = 0, cbit = 0, features = 0;
	int ret;

	/* --sev-es (--es): say it is an SEV-ES launch, and be told what is missing. */
	if (a->es && !a->digest && !es_inputs)
		return cmd_fail(CMD_USAGE, "--sev-es needs the VMSAs: --vmsa-entry ADDR --cbit N "
					   "--num-cpus N (computed), or --vmsa-cpu0 FILE "
					   "[--vmsa-cpu1 FILE] --num-cpus N");
	if (!a->api_major || !a->api_minor || !a->build_id)
		return cmd_fail(
			CMD_USAGE,
			"need --api-major, --api-minor and --build-id (the running firmware's, from PLATFORM_STATUS)");
	if (cmd_parse_u8("--api-major", a->api_major, &p->api_major) ||
	    cmd_parse_u8("--api-minor", a->api_minor, &p->api_minor) ||
	    cmd_parse_u8("--build-id", a->build_id, &p->build_id))
		return CMD_USAGE;
	if ((ret = get_policy(a->policy, &p->policy)))
		return ret;
	if (a->digest) {
		if (a->nmeasured || a->kernel || es_inputs)
			return cmd_fail(
				CMD_USAGE,
				"--digest excludes --measured, --kernel and the VMSA options");
		if (sev_bytes_arg(a->digest, p->ld, SEV_DIGEST_SIZE, &why))
			return cmd_fail(CMD_USAGE, "--digest: %s", why.msg);
		return 0;
	}
	if (!a->nmeasured)
		return cmd_fail(CMD_USAGE, "need --measured FILE (or --digest)");
	if ((a->initrd || a->cmdline) && !a->kernel)
		return cmd_fail(CMD_USAGE, "--initrd/--cmdline require --kernel");
	/* Refuse contradictions before hashing anything. */
	if (sev_policy_check_launch(p->policy, es_inputs, &why))
		return cmd_fail(CMD_USAGE, "%s%s", why.msg,
				es_inputs ? "" : " (give --vmsa-cpu0 and --num-cpus for SEV-ES)");
	if (a->vmsa_entry || qemu) {
		bool init2 = a->init ? !strcmp(a->init, "init2") : !qemu;
		const char *what = qemu ? "--cpu-family" : "--vmsa-entry";

		if (a->vmsa0 || a->vmsa1)
			return cmd_fail(CMD_USAGE, "%s computes the VMSAs: no --vmsa-cpu0/1", what);
		if (qemu && a->vmsa_entry)
			return cmd_fail(CMD_USAGE, "--vmsa-entry is for minisev guests, "
						   "--cpu-family for QEMU's: not both");
		if (a->init && !init2 && strcmp(a->init, "legacy"))
			return cmd_fail(CMD_USAGE, "--init: '%s' is neither init2 nor legacy",
					a->init);
		if (!a->num_cpus || parse_u64(a->num_cpus, 1, 4096, &ncpu))
			return cmd_fail(CMD_USAGE, "%s needs --num-cpus N (1 to 4096)", what);
		if (a->vmsa_features && sev_vmsa_features_parse(a->vmsa_features, &features))
			return cmd_fail(CMD_USAGE,
					"--vmsa-features: '%s' is neither a number nor "
					"debug-swap",
					a->vmsa_features);
		if (qemu) {
			if ((ret = qemu_vmsas(a, init2, features, ncpu, computed)))
				return ret;
		} else {
			if (parse_u64(a->vmsa_entry, 0, UINT64_MAX, &entry))
				return cmd_fail(CMD_USAGE, "--vmsa-entry: '%s' is not an address",
						a->vmsa_entry);
			if (!a->cbit || parse_u64(a->cbit, 32, 51, &cbit))
				return cmd_fail(CMD_USAGE,
						"--vmsa-entry needs --cbit N (32 to 51)");
			/* Every vCPU starts in the same state (boot protocol): one VMSA. */
			boot_vmsa(entry, cbit, init2, features, computed[0]);
			memcpy(computed[1], computed[0], SEV_VMSA_SIZE);
		}
	} else if (a->vmsa_features) {
		return cmd_fail(
			CMD_USAGE,
			"--vmsa-features goes with --vmsa-entry or --cpu-family (VMSA files "
			"already hold their features)");
	} else if (es_inputs) {
		if (!a->vmsa0 || !a->num_cpus)
			return cmd_fail(CMD_USAGE,
					"SEV-ES needs --vmsa-cpu0 FILE and --num-cpus N");
		if (parse_u64(a->num_cpus, 1, 4096, &ncpu))
			return cmd_fail(CMD_USAGE, "--num-cpus: '%s' is not a count from 1 to 4096",
					a->num_cpus);
		if (ncpu > 1 && !a->vmsa1)
			return cmd_fail(
				CMD_USAGE,
				"--num-cpus %llu needs --vmsa-cpu1 FILE for the other vCPUs",
				(unsigned long long)ncpu);
	}
	if (sev_ld_init(&ld))
		return cmd_fail(CMD_SYSTEM, "SHA-256 unavailable");
	for (int i = 0; i < a->nmeasured; i++)
		if ((ret = ld_add_file(&ld, a->measured[i], 0)))
			goto out;
	if (a->kernel) {
		uint8_t table[SEV_KERNEL_TABLE_SIZE];

		if (sev_kernel_table_build(a->kernel, a->initrd, a->cmdline, table, &why)) {
			ret = cmd_fail(CMD_USAGE, "%s", why.msg);
			goto out;
		}
		if (sev_ld_update(&ld, table, sizeof(table))) {
			ret = cmd_fail(CMD_SYSTEM, "SHA-256 failed");
			goto out;
		}
	}
	for (uint64_t i = 0; i < ncpu; i++) {
		if (a->vmsa_entry || qemu) {
			if (sev_ld_update(&ld, computed[!!i], SEV_VMSA_SIZE)) {
				ret = cmd_fail(CMD_SYSTEM, "SHA-256 failed");
				goto out;
			}
		} else if ((ret = ld_add_file(&ld, i ? a->vmsa1 : a->vmsa0, 4096))) {
			goto out;
		}
	}
	if (sev_ld_final(&ld, p->ld))
		return cmd_fail(CMD_SYSTEM, "SHA-256 failed");
	return 0;
out:
	sev_ld_free(&ld);
	return ret;
}

static int owner_measure(int argc, char **argv, bool verify)
{
	uint8_t tek[SEV_KEY_SIZE], tik[SEV_KEY_SIZE], out[SEV_MEASURE_BLOB_SIZE];
	uint8_t reported[SEV_MAC_SIZE];
	struct sev_measure_params p;
	struct sev_why why = { "" };
	char b64[SEV_B64_LEN(SEV_MEASURE_BLOB_SIZE) + 1];
	struct owner_args a;
	int ret;

	if ((ret = parse_owner_args(argc, argv, &a)))
		return ret < 0 ? CMD_OK : ret;
	if (a.argc)
		return cmd_fail(CMD_USAGE, "owner %s: unexpected argument '%s'", argv[0],
				a.argv[0]);
	memset(&p, 0, sizeof(p));
	if (verify) {
		if (!a.measurement)
			return cmd_fail(CMD_USAGE, "owner verify: need --measurement B64");
		if (a.mnonce)
			return cmd_fail(
				CMD_USAGE,
				"owner verify: the mnonce comes from --measurement, drop --mnonce");
		if (sev_measure_blob_decode(a.measurement, reported, p.mnonce, &why))
			return cmd_fail(CMD_USAGE, "--measurement: %s", why.msg);
	} else if (a.measurement) {
		return cmd_fail(CMD_USAGE, "owner measure: --measurement is for 'owner verify'");
	} else if (a.mnonce) {
		if (sev_bytes_arg(a.mnonce, p.mnonce, SEV_MNONCE_SIZE, &why))
			return cmd_fail(CMD_USAGE, "--mnonce: %s", why.msg);
	} else if (sev_random(p.mnonce, SEV_MNONCE_SIZE)) {
		return cmd_fail(CMD_SYSTEM, "no random numbers");
	}
	if ((ret = load_keys(&a, false, tek, tik)))
		return ret;
	if ((ret = measure_params(&a, &p)))
		goto out;
	if (sev_measure_compute(tik, &p, out)) {
		ret = cmd_fail(CMD_SYSTEM, "HMAC-SHA256 failed");
		goto out;
	}
	if (verify) {
		char h1[2 * SEV_MAC_SIZE + 1], h2[2 * SEV_MAC_SIZE + 1];

		if (!CRYPTO_memcmp(out, reported, SEV_MAC_SIZE)) {
			printf("match\n");
			ret = CMD_OK;
			goto out;
		}
		sev_hex_encode(reported, SEV_MAC_SIZE, h1);
		sev_hex_encode(out, SEV_MAC_SIZE, h2);
		printf("mismatch\n");
		fprintf(stderr, "reported %s\nexpected %s\n", h1, h2);
		ret = CMD_FAIL;
		goto out;
	}
	memcpy(out + SEV_MAC_SIZE, p.mnonce, SEV_MNONCE_SIZE);
	sev_b64_encode(out, sizeof(out), b64);
	printf("%s\n", b64);
	ret = CMD_OK;
out:
	OPENSSL_cleanse(tek, sizeof(tek));
	OPENSSL_cleanse(tik, sizeof(tik));
	return ret;
}

/* --measurement for secrets: the 48-byte blob or the 32-byte measurement. */
static int get_measure(const char *s, uint8_t m[SEV_MAC_SIZE])
{
	struct sev_why why = { "" };
	uint8_t buf[SEV_MEASURE_BLOB_SIZE];
	size_t n = 0;

	if (!s)
		return cmd_fail(CMD_USAGE, "need --measurement B64 (from LAUNCH_MEASURE)");
	if (sev_b64_decode(s, strlen(s), buf, sizeof(buf), &n, &why) ||
	    (n != SEV_MEASURE_BLOB_SIZE && n != SEV_MAC_SIZE))
		return cmd_fail(
			CMD_USAGE, "--measurement: %s",
			why.msg[0] ?
				why.msg :
				"expected base64 of 48 bytes (measurement || mnonce) or of the 32-byte measurement");
	memcpy(m, buf, SEV_MAC_SIZE);
	return 0;
}

static int parse_secret_arg(const char *arg, uint8_t guid[SEV_GUID_SIZE], const char **path)
{
	char g[SEV_GUID_STR_LEN + 1];
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : 0;

	if (!colon || !colon[1])
		return cmd_fail(CMD_USAGE, "--secret '%s': expected GUID:FILE or luks-key:FILE",
				arg);
	if (n == 8 && !strncmp(arg, "luks-key", 8)) {
		(void)!sev_guid_parse(SEV_GUID_LUKS_KEY, guid);
	} else {
		if (n != SEV_GUID_STR_LEN)
			return cmd_fail(
				CMD_USAGE,
				"--secret '%s': '%.*s' is neither a GUID nor the alias luks-key",
				arg, (int)n, arg);
		memcpy(g, arg, n);
		g[n] = '\0';
		if (sev_guid_parse(g, guid))
			return cmd_fail(CMD_USAGE, "--secret: bad GUID '%s'", g);
	}
	*path = colon + 1;
	return 0;
}

static int write_text(const char *path, const char *text)
{
	int ret = write_file_atomic(path, text, strlen(text), 0644);

	if (ret)
		return cmd_fail(CMD_SYSTEM, "%s: cannot write: %s", path, strerror(-ret));
	return 0;
}

static int owner_secret(int argc, char **argv)
{
	uint8_t tek[SEV_KEY_SIZE], tik[SEV_KEY_SIZE], meas[SEV_MAC_SIZE];
	uint8_t ivb[SEV_IV_SIZE], *table = NULL, *ct = NULL;
	void *data[MAX_SECRETS] = { NULL };
	struct sev_secret_entry e[MAX_SECRETS];
	enum sev_secret_pad pad = SEV_SECRET_PAD_SEVCTL;
	struct sev_secret_header hdr;
	struct sev_why why = { "" };
	char *hb = NULL, *pb = NULL;
	struct owner_args a;
	size_t tlen = 0;
	uint64_t flags = 0;
	int ret, i;

	if ((ret = parse_owner_args(argc, argv, &a)))
		return ret < 0 ? CMD_OK : ret;
	if (a.argc)
		return cmd_fail(CMD_USAGE, "owner secret: unexpected argument '%s'", a.argv[0]);
	if (!a.nsecrets == !a.table)
		return cmd_fail(
			CMD_USAGE,
			"owner secret: give --secret GUID:FILE (repeatable) or --table FILE");
	if (!a.header_out != !a.payload_out)
		return cmd_fail(CMD_USAGE, "--header-out and --payload-out go together");
	if (a.padding) {
		if (!strcmp(a.padding, "libvirt"))
			pad = SEV_SECRET_PAD_LIBVIRT;
		else if (strcmp(a.padding, "sevctl"))
			return cmd_fail(CMD_USAGE, "--padding: 'sevctl' or 'libvirt'");
	}
	if (a.iv && sev_bytes_arg(a.iv, ivb, SEV_IV_SIZE, &why))
		return cmd_fail(CMD_USAGE, "--iv: %s", why.msg);
	if (a.flags && parse_u64(a.flags, 0, 0xffffffffULL, &flags))
		return cmd_fail(CMD_USAGE, "--flags: not a 32-bit number");
	if ((ret = get_measure(a.measurement, meas)))
		return ret;
	if ((ret = load_keys(&a, true, tek, tik)))
		return ret;

	if (a.table) {
		table = read_file(a.table, SEV_SECRET_MAX, &tlen);
		if (!table) {
			ret = cmd_fail(CMD_USAGE, "%s: %s", a.table,
				       errno == EFBIG ?
					       "larger than the 16 KiB LAUNCH_SECRET limit" :
					       strerror(errno));
			goto out;
		}
	} else {
		for (i = 0; i < a.nsecrets; i++) {
			const char *path = NULL;

			if ((ret = parse_secret_arg(a.secrets[i], e[i].guid, &path)))
				goto out;
			for (int j = 0; j < i; j++)
				if (!memcmp(e[j].guid, e[i].guid, SEV_GUID_SIZE)) {
					ret = cmd_fail(CMD_USAGE,
						       "--secret: GUID of '%s' given twice",
						       a.secrets[i]);
					goto out;
				}
			data[i] = read_file(path, SEV_SECRET_MAX, &e[i].len);
			if (!data[i]) {
				ret = cmd_fail(
					CMD_USAGE, "%s: %s", path,
					errno == EFBIG ?
						"larger than the 16 KiB LAUNCH_SECRET limit" :
						strerror(errno));
				goto out;
			}
			e[i].data = data[i];
		}
		if (sev_secret_table_build(e, a.nsecrets, pad, &table, &tlen, &why)) {
			ret = cmd_fail(CMD_USAGE, "%s", why.msg);
			goto out;
		}
	}
	ct = malloc(tlen ? tlen : 1);
	if (!ct) {
		ret = cmd_fail(CMD_SYSTEM, "out of memory");
		goto out;
	}
	if (sev_secret_packet_build(tek, tik, meas, a.iv ? ivb : NULL, (uint32_t)flags, table, tlen,
				    &hdr, ct, &why)) {
		ret = cmd_fail(CMD_USAGE, "%s", why.msg);
		goto out;
	}
	hb = sev_b64_encode_alloc(&hdr, sizeof(hdr));
	pb = sev_b64_encode_alloc(ct, tlen);
	if (!hb || !pb) {
		ret = cmd_fail(CMD_SYSTEM, "out of memory");
		goto out;
	}
	if (a.header_out) {
		/* Base64 text without newline, as virt-qemu-sev-validate writes. */
		if ((ret = write_text(a.header_out, hb)) || (ret = write_text(a.payload_out, pb)))
			goto out;
	} else {
		printf("header: %s\npayload: %s\n", hb, pb);
	}
	ret = CMD_OK;
out:
	for (i = 0; i < MAX_SECRETS; i++)
		if (data[i]) {
			OPENSSL_cleanse(data[i], e[i].len);
			free(data[i]);
		}
	if (table)
		OPENSSL_cleanse(table, tlen);
	free(table);
	free(ct);
	free(hb);
	free(pb);
	OPENSSL_cleanse(tek, sizeof(tek));
	OPENSSL_cleanse(tik, sizeof(tik));
	return ret;
}

/* A packet part given inline (base64) or as a file (base64 text or binary). */
static int get_blob(const char *what, const char *inl, const char *file, size_t max, uint8_t **buf,
		    size_t *len)
{
	struct sev_why why = { "" };

	if (!inl == !file)
		return cmd_fail(CMD_USAGE, "give --%s B64 or --%s-file FILE", what, what);
	if (file) {
		if (sev_file_load(file, max, buf, len, &why))
			return cmd_fail(CMD_USAGE, "%s", why.msg);
		return 0;
	}
	*buf = malloc(max);
	if (!*buf)
		return cmd_fail(CMD_SYSTEM, "out of memory");
	if (sev_b64_decode(inl, strlen(inl), *buf, max, len, &why)) {
		free(*buf);
		*buf = NULL;
		return cmd_fail(CMD_USAGE, "--%s: %s", what, why.msg);
	}
	return 0;
}

static int owner_secret_check(int argc, char **argv)
{
	uint8_t tek[SEV_KEY_SIZE], tik[SEV_KEY_SIZE], meas[SEV_MAC_SIZE];
	uint8_t *hbuf = NULL, *ct = NULL, *pt = NULL;
	struct sev_secret_entry e[MAX_SECRETS];
	struct sev_secret_header hdr;
	struct sev_why why = { "" };
	struct owner_args a;
	size_t hlen = 0, len = 0, n = 0;
	int ret;

	if ((ret = parse_owner_args(argc, argv, &a)))
		return ret < 0 ? CMD_OK : ret;
	if (a.argc)
		return cmd_fail(CMD_USAGE, "owner secret-check: unexpected argument '%s'",
				a.argv[0]);
	if ((ret = get_measure(a.measurement, meas)))
		return ret;
	if ((ret = load_keys(&a, true, tek, tik)))
		return ret;
	if ((ret = get_blob("header", a.header, a.header_file, 4 * SEV_SECRET_HEADER_SIZE, &hbuf,
			    &hlen)))
		goto out;
	if (hlen != SEV_SECRET_HEADER_SIZE) {
		ret = cmd_fail(CMD_USAGE, "secret header is %zu bytes, expected %d", hlen,
			       SEV_SECRET_HEADER_SIZE);
		goto out;
	}
	memcpy(&hdr, hbuf, sizeof(hdr));
	if ((ret = get_blob("payload", a.payload, a.payload_file, 2 * SEV_SECRET_MAX, &ct, &len)))
		goto out;
	pt = malloc(len ? len : 1);
	if (!pt) {
		ret = cmd_fail(CMD_SYSTEM, "out of memory");
		goto out;
	}
	ret = sev_secret_packet_open(tek, tik, meas, &hdr, ct, len, pt, &why);
	if (ret == -EBADMSG) {
		printf("mismatch\n");
		ret = cmd_fail(CMD_FAIL, "%s", why.msg);
		goto out;
	}
	if (ret) {
		ret = cmd_fail(CMD_USAGE, "%s", why.msg);
		goto out;
	}
	if (sev_secret_table_parse(pt, len, e, MAX_SECRETS, &n, &why)) {
		printf("MAC ok, %zu bytes decrypted, but: %s\n", len, why.msg);
		ret = CMD_FAIL;
		goto out;
	}
	printf("MAC ok; secret table of %zu bytes with %zu secret%s\n", len, n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		char g[SEV_GUID_STR_LEN + 1], path[PATH_MAX];

		sev_guid_format(e[i].guid, g);
		printf("  %s  %zu bytes\n", g, e[i].len);
		if (!a.extract)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", a.extract, g) >= (int)sizeof(path)) {
			ret = cmd_fail(CMD_USAGE, "--extract: path too long");
			goto out;
		}
		if (write_file_atomic(path, e[i].data, e[i].len, 0600)) {
			ret = cmd_fail(CMD_SYSTEM, "%s: cannot write: %s", path, strerror(errno));
			goto out;
		}
	}
	ret = CMD_OK;
out:
	if (pt)
		OPENSSL_cleanse(pt, len);
	free(pt);
	free(ct);
	free(hbuf);
	OPENSSL_cleanse(tek, sizeof(tek));
	OPENSSL_cleanse(tik, sizeof(tik));
	return ret;
}

/* A directory of certificates or a file (single PDH or a bundle). */
static int load_chain_arg(struct sev_chain *ch, const char *path)
{
	struct sev_why why = { "" };
	struct stat st;

	if (stat(path, &st) < 0)
		return cmd_fail(CMD_USAGE, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode) ? sev_chain_load_dir(ch, path, &why) :
				  sev_chain_load_bundle(ch, path, &why))
		return cmd_fail(CMD_USAGE, "%s", why.msg);
	return 0;
}

static int owner_session(int argc, char **argv)
{
	struct sev_chain pd, ch;
	struct sev_session s;
	struct sev_why why = { "" };
	char pol[128];
	EVP_PKEY *godh = NULL;
	struct owner_args a;
	const char *name;
	uint32_t policy;
	int ret, g = -1;

	if ((ret = parse_owner_args(argc, argv, &a)))
		return ret < 0 ? CMD_OK : ret;
	if (a.argc != 2)
		return cmd_fail(
			CMD_USAGE,
			"usage: minisev owner session [--name NAME] [--chain DIR|FILE] [--no-verify] PDH POLICY");
	name = a.name ? a.name : "vm";
	if (!*name)
		return cmd_fail(CMD_USAGE, "--name: empty");
	if ((ret = get_policy(a.argv[1], &policy)))
		return ret;
	if (a.gen && (g = sev_gen_by_name(a.gen)) < 0)
		return cmd_fail(CMD_USAGE,
				"--gen: unknown generation '%s' (naples rome milan genoa turin)",
				a.gen);
	sev_chain_init(&pd);
	sev_chain_init(&ch);
	if ((ret = load_chain_arg(&pd, a.argv[0])))
		return ret;
	if (!pd.have[SEV_C_PDH])
		return cmd_fail(CMD_USAGE, "%s: holds no PDH certificate", a.argv[0]);
	if (a.chain && (ret = load_chain_arg(&ch, a.chain)))
		return ret;
	if (ch.have[SEV_C_PDH] && memcmp(ch.pdh.raw, pd.pdh.raw, SEV_CERT_SIZE))
		return cmd_fail(CMD_USAGE, "%s: its PDH is not the one in %s", a.chain, a.argv[0]);
	/* The chain file fills in what the PDH argument lacks. */
	for (int i = 0; i < SEV_C_COUNT; i++)
		if (pd.have[i] && !ch.have[i])
			sev_chain_take(&ch, &pd, i);

	if (!a.no_verify) {
		struct sev_chain_opts o = { .any_ark = a.any_ark };
		struct sev_chain_report rep;

		if (g >= 0 && sev_chain_use_builtin(&ch, g))
			return cmd_fail(CMD_SYSTEM, "built-in certificates unusable");
		if (sev_chain_verify(&ch, &o, &rep)) {
			sev_chain_report_print(stderr, &ch, &rep);
			return cmd_fail(
				CMD_FAIL,
				"the PDH's certificate chain does not hold: no session made (give the missing certificates with --chain, or --no-verify to skip the check as sevctl does)");
		}
		if (log_level > 1)
			sev_chain_report_print(stderr, &ch, &rep);
	}
	if (a.godh_key && sev_ec_load_private(a.godh_key, &godh, &why))
		return cmd_fail(CMD_USAGE, "%s", why.msg);
	ret = sev_session_build(&ch.pdh, godh, NULL, policy, &s, &why);
	EVP_PKEY_free(godh);
	if (ret)
		return cmd_fail(ret == -EINVAL ? CMD_USAGE : CMD_SYSTEM, "%s: %s",
				ch.src[SEV_C_PDH], why.msg);
	ret = sev_session_write_files(name, &s, &why);
	sev_session_wipe(&s);
	if (ret)
		return cmd_fail(CMD_SYSTEM, "%s", why.msg);
	printf("wrote %s_tik.bin %s_tek.bin %s_godh.b64 %s_session.b64 (policy 0x%08x %s)\n", name,
	       name, name, name, policy, sev_policy_str(policy, pol, sizeof(pol)));
	return CMD_OK;
}

static int owner_session_info(int argc, char **argv)
{
	char godh_path[PATH_MAX], sess_path[PATH_MAX], hex[2 * 16 + 1];
	uint8_t tek[SEV_KEY_SIZE], tik[SEV_KEY_SIZE];
	uint8_t ftek[SEV_KEY_SIZE], ftik[SEV_KEY_SIZE];
	struct sev_launch_blobs b;
	struct sev_why why = { "" };
	EVP_PKEY *pdh = NULL;
	struct owner_args a;
	uint32_t policy;
	int ret;

	if ((ret = parse_owner_args(argc, argv, &a)))
		return ret < 0 ? CMD_OK : ret;
	if (a.argc)
		return cmd_fail(CMD_USAGE, "owner session-info: unexpected argument '%s'",
				a.argv[0]);
	if (a.godh || a.session) {
		if (!a.godh || !a.session || a.name)
			return cmd_fail(CMD_USAGE, "give --godh F and --session F, or --name NAME");
		snprintf(godh_path, sizeof(godh_path), "%s", a.godh);
		snprintf(sess_path, sizeof(sess_path), "%s", a.session);
	} else {
		const char *n = a.name ? a.name : "vm";

		if (snprintf(godh_path, sizeof(godh_path), "%s_godh.b64", n) >=
			    (int)sizeof(godh_path) ||
		    snprintf(sess_path, sizeof(sess_path), "%s_session.b64", n) >=
			    (int)sizeof(sess_path))
			return cmd_fail(CMD_USAGE, "--name: too long");
	}
	if (sev_launch_blobs_load(godh_path, sess_path, &b, &why))
		return cmd_fail(CMD_USAGE, "%s", why.msg);
	printf("GODH: %s, ECDH_SHA256 on P-384, usable for LAUNCH_START\n", godh_path);
	sev_hex_encode(b.session.nonce, 16, hex);
	printf("session: %s, 128 bytes, nonce %s\n", sess_path, hex);
	if (!a.pdh_key) {
		if (a.tik || a.tek || a.policy)
			return cmd_fail(CMD_USAGE, "--policy/--tik/--tek need --pdh-key");
		return CMD_OK;
	}
	if ((ret = get_policy(a.policy, &policy)))
		return ret;
	if (sev_ec_load_private(a.pdh_key, &pdh, &why))
		return cmd_fail(CMD_USAGE, "%s", why.msg);
	ret = sev_session_open(pdh, &b.godh, &b.session, policy, tek, tik, &why);
	EVP_PKEY_free(pdh);
	if (ret == -EBADMSG) {
		printf("mismatch\n");
		return cmd_fail(CMD_FAIL, "%s", why.msg);
	}
	if (ret)
		return cmd_fail(CMD_USAGE, "%s", why.msg);
	printf("unwrapped with %s: wrap_mac and policy_mac (0x%08x) match\n", a.pdh_key, policy);
	ret = CMD_OK;
	if (a.tik || a.tek || a.tk) {
		struct owner_args k = a;

		if ((ret = load_keys(&k, true, ftek, ftik)))
			goto out;
		if (CRYPTO_memcmp(tek, ftek, SEV_KEY_SIZE) ||
		    CRYPTO_memcmp(tik, ftik, SEV_KEY_SIZE)) {
			printf("mismatch\n");
			ret = cmd_fail(CMD_FAIL,
				       "the TEK/TIK files are not the keys in the session");
			goto out;
		}
		printf("TEK and TIK files match the session\n");
	}
out:
	OPENSSL_cleanse(tek, sizeof(tek));
	OPENSSL_cleanse(tik, sizeof(tik));
	OPENSSL_cleanse(ftek, sizeof(ftek));
	OPENSSL_cleanse(ftik, sizeof(ftik));
	return ret;
}

static int owner_policy(int argc, char **argv)
{
	struct sev_why why = { "" };
	struct owner_args a;
	uint32_t policy;
	int ret;

	if ((ret = parse_owner_args(argc, argv, &a)))
		return ret < 0 ? CMD_OK : ret;
	if (a.argc != 1 || (a.es && a.sev))
		return cmd_fail(CMD_USAGE, "usage: minisev owner policy POLICY [--es | --sev]");
	if (sev_policy_parse_raw(a.argv[0], &policy, &why))
		return cmd_fail(CMD_USAGE, "%s", why.msg);
	sev_policy_print(stdout, policy);
	if (sev_policy_check(policy, &why))
		return cmd_fail(CMD_USAGE, "%s", why.msg);
	if ((a.es || a.sev) && sev_policy_check_launch(policy, a.es, &why))
		return cmd_fail(CMD_USAGE, "%s", why.msg);
	return CMD_OK;
}

int owner_main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || !strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(owner_usage, cmd ? stdout : stderr);
		return cmd ? CMD_OK : CMD_USAGE;
	}
	argc--;
	argv++;
	if (!strcmp(cmd, "session"))
		return owner_session(argc, argv);
	if (!strcmp(cmd, "measure"))
		return owner_measure(argc, argv, false);
	if (!strcmp(cmd, "verify"))
		return owner_measure(argc, argv, true);
	if (!strcmp(cmd, "secret"))
		return owner_secret(argc, argv);
	if (!strcmp(cmd, "secret-check"))
		return owner_secret_check(argc, argv);
	if (!strcmp(cmd, "session-info"))
		return owner_session_info(argc, argv);
	if (!strcmp(cmd, "policy"))
		return owner_policy(argc, argv);
	return cmd_fail(CMD_USAGE, "owner: unknown command '%s' (see 'minisev owner help')", cmd);
}
