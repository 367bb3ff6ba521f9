// SPDX-License-Identifier: MIT
/*
 * `minisev run`: build the VM, boot the firmware, wait for its verdict.
 * The steps are in the order KVM requires and each is timed.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acpi.h"
#include "boot.h"
#include "minisev/virtio.h"
#include "cmd_run.h"
#include "elf_load.h"
#include "json.h"
#include "kvm.h"
#include "linux.h"
#include "launch.h"
#include "linux_boot.h"
#include "minisev/sev.h"
#include "sev/b64.h"
#include "sev/measure.h"
#include "sev/policy.h"
#include "sev/session.h"
#include "sev/vmsa.h"
#include "mem.h"
#include "qmp.h"
#include "pm.h"
#include "run.h"
#include "serial.h"
#include "testdev.h"
#include "vcpu.h"
#include "virtio_console.h"
#include "vm.h"

#define FIRMWARE_MAX (4u << 20)
#define DEFAULT_TIMEOUT_S 300
/*
 * No exit reaches the VMM for this long: the guest is stuck.  Generous:
 * the firmware talks to the console between tests, and the slowest test
 * under nested TCG goes a few seconds without an exit.
 */
#define DEFAULT_STALL_S 60

static void run_usage(FILE *f)
{
	fputs("usage: minisev run [OPTIONS]\n"
	      "\n"
	      "Boot the minisev firmware on KVM and run its guest tests; the guest's\n"
	      "console is on stdin/stdout, VMM messages on stderr.\n"
	      "\n"
	      "  -c, --cpus N          vCPUs, 1..16 (default 1)\n"
	      "  -m, --memory SIZE     guest RAM, 8M..3G in 2 MiB steps (default 256M)\n"
	      "  -t, --tests LIST      comma-separated guest tests to run (default: the\n"
	      "                        default set); 'list' prints the firmware's tests\n"
	      "  -f, --firmware ELF    firmware image (default: firmware.elf next to minisev)\n"
	      "      --timeout SECS    end the run as a failure after SECS (default 300, 0: never)\n"
	      "      --stall SECS      end it as a failure when no vCPU exits to the VMM for\n"
	      "                        SECS: the guest is stuck (default 60, 0: never)\n"
	      "      --timings FILE    write per-phase timings as JSON\n"
	      "\n"
	      "Linux (instead of the guest tests; the 64-bit boot protocol, ACPI, virtio\n"
	      "console as hvc0, COM1 for early messages):\n"
	      "      --kernel BZIMAGE  boot this kernel\n"
	      "      --initrd FILE     its initramfs\n"
	      "      --cmdline STR     its command line, exactly (default console=hvc0)\n"
	      "      --verify          through the firmware's measured-boot verifier, as\n"
	      "                        under --sev (which implies it); --firmware applies\n"
	      "                        --timeout and --stall default to 0 (never) here\n"
	      "\n"
	      "SEV (on AMD hosts with /dev/sev, or under scripts/sevsim):\n"
	      "      --sev             launch with SEV: memory encrypted, launch measured\n"
	      "      --sev-es          launch with SEV-ES (register state encrypted too)\n"
	      "      --policy P        guest policy: number or names, e.g. nodbg,es (default\n"
	      "                        nodbg; nodbg,es with --sev-es)\n"
	      "      --legacy-init     KVM_SEV_INIT/ES_INIT even where KVM has INIT2\n"
	      "      --dh-cert FILE    guest owner's GODH certificate (sevctl NAME_godh.b64)\n"
	      "      --session FILE    launch session blob (sevctl NAME_session.b64)\n"
	      "      --measured-out F  write exactly the bytes LAUNCH_UPDATE_DATA measured\n"
	      "      --launch-info F   write the measurement and its inputs as JSON\n"
	      "      --vmsa-out DIR    write each vCPU's VMSA as measured (SEV-ES): vmsaN.bin\n"
	      "      --vmsa-features F SEV-ES VMSA features for KVM_SEV_INIT2: a number or\n"
	      "                        debug-swap (0x20); must be offered by KVM (default 0)\n"
	      "      --secret-header F LAUNCH_SECRET header (base64, from 'minisev owner secret')\n"
	      "      --secret F        LAUNCH_SECRET payload (base64)\n"
	      "      --qmp SOCKET      pause after LAUNCH_MEASURE and serve QMP on SOCKET\n"
	      "                        (query-sev, query-sev-launch-measure,\n"
	      "                        sev-inject-launch-secret, cont)\n"
	      "      --provoke CASE    make one launch mistake on purpose and report how the\n"
	      "                        kernel and firmware refuse it: init-twice, no-start,\n"
	      "                        update-after-measure, measure-twice,\n"
	      "                        secret-before-measure, finish-twice, dbg-decrypt;\n"
	      "                        with --kernel under --sev or --verify: kernel-changed,\n"
	      "                        initrd-changed, cmdline-changed (one byte of the\n"
	      "                        staged copy, after the hashes were measured)\n"
	      "\n"
	      "  -v, --verbose         print every step\n"
	      "  -q, --quiet           print errors only\n"
	      "  -h, --help            this text\n"
	      "\n"
	      "exit status: 0 all tests passed, 1 a test failed, 2 usage error,\n"
	      "3 VMM/KVM error or bad image, 4 guest crashed or misbehaved,\n"
	      "77 skipped (no /dev/kvm)\n",
	      f);
}

enum {
	OPT_TIMEOUT = 256,
	OPT_STALL,
	OPT_TIMINGS,
	OPT_SEV,
	OPT_SEV_ES,
	OPT_POLICY,
	OPT_LEGACY_INIT,
	OPT_DH_CERT,
	OPT_SESSION,
	OPT_MEASURED_OUT,
	OPT_LAUNCH_INFO,
	OPT_SECRET_HEADER,
	OPT_SECRET,
	OPT_QMP,
	OPT_PROVOKE,
	OPT_VMSA_OUT,
	OPT_VMSA_FEATURES,
	OPT_KERNEL,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_VERIFY,
};

static const char *const provoke_names[] = {
	[PROVOKE_INIT_TWICE] = "init-twice",
	[PROVOKE_NO_START] = "no-start",
	[PROVOKE_UPDATE_AFTER_MEASURE] = "update-after-measure",
	[PROVOKE_MEASURE_TWICE] = "measure-twice",
	[PROVOKE_SECRET_BEFORE_MEASURE] = "secret-before-measure",
	[PROVOKE_FINISH_TWICE] = "finish-twice",
	[PROVOKE_DBG_DECRYPT] = "dbg-decrypt",
	[PROVOKE_KERNEL_CHANGED] = "kernel-changed",
	[PROVOKE_INITRD_CHANGED] = "initrd-changed",
	[PROVOKE_CMDLINE_CHANGED] = "cmdline-changed",
};

static const struct option run_long_opts[] = {
	{ "cpus", required_argument, NULL, 'c' },
	{ "memory", required_argument, NULL, 'm' },
	{ "tests", required_argument, NULL, 't' },
	{ "firmware", required_argument, NULL, 'f' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "stall", required_argument, NULL, OPT_STALL },
	{ "timings", required_argument, NULL, OPT_TIMINGS },
	{ "sev", no_argument, NULL, OPT_SEV },
	{ "sev-es", no_argument, NULL, OPT_SEV_ES },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "legacy-init", no_argument, NULL, OPT_LEGACY_INIT },
	{ "dh-cert", required_argument, NULL, OPT_DH_CERT },
	{ "session", required_argument, NULL, OPT_SESSION },
	{ "measured-out", required_argument, NULL, OPT_MEASURED_OUT },
	{ "launch-info", required_argument, NULL, OPT_LAUNCH_INFO },
	{ "secret-header", required_argument, NULL, OPT_SECRET_HEADER },
	{ "secret", required_argument, NULL, OPT_SECRET },
	{ "qmp", required_argument, NULL, OPT_QMP },
	{ "provoke", required_argument, NULL, OPT_PROVOKE },
	{ "vmsa-out", required_argument, NULL, OPT_VMSA_OUT },
	{ "vmsa-features", required_argument, NULL, OPT_VMSA_FEATURES },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* A number of seconds for `opt`, 0 to a day. */
static int parse_secs(const char *arg, const char *opt, unsigned int *out)
{
	uint64_t v;

	if (parse_u64(arg, 0, 86400, &v)) {
		fprintf(stderr, "minisev run: %s '%s': want seconds, 0 to 86400\n", opt, arg);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static bool valid_test_list(const char *s)
{
	/* Names are C identifiers; the firmware matches them literally. */
	for (; *s; s++) {
		if (!(*s == '_' || *s == ',' || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return false;
	}
	return true;
}

static bool linux_provoke(enum provoke p)
{
	return p == PROVOKE_KERNEL_CHANGED || p == PROVOKE_INITRD_CHANGED ||
	       p == PROVOKE_CMDLINE_CHANGED;
}

/* SEV options that make sense only together, or only with --sev. */
static int check_sev_args(struct run_opts *o)
{
	bool sev_provoke = o->provoke && !linux_provoke(o->provoke);
	struct sev_why why = { "" };
	const char *needs_sev = o->policy_set	      ? "--policy" :
				o->dh_cert_path	      ? "--dh-cert" :
				o->session_path	      ? "--session" :
				o->secret_path	      ? "--secret" :
				o->secret_header_path ? "--secret-header" :
				o->measured_out	      ? "--measured-out" :
				o->launch_info_path   ? "--launch-info" :
				o->legacy_init	      ? "--legacy-init" :
				o->qmp_path	      ? "--qmp" :
				sev_provoke	      ? "--provoke" :
				o->vmsa_out	      ? "--vmsa-out" :
				o->vmsa_features_set  ? "--vmsa-features" :
							NULL;

	if (!o->sev) {
		if (needs_sev) {
			fprintf(stderr, "minisev run: %s needs --sev or --sev-es\n", needs_sev);
			return -EINVAL;
		}
		return 0;
	}
	if ((o->vmsa_out || o->vmsa_features_set) && !o->sev_es) {
		fprintf(stderr, "minisev run: %s needs --sev-es (plain SEV has no VMSA)\n",
			o->vmsa_out ? "--vmsa-out" : "--vmsa-features");
		return -EINVAL;
	}
	if (o->vmsa_features && o->legacy_init) {
		fprintf(stderr, "minisev run: --vmsa-features needs KVM_SEV_INIT2; "
				"--legacy-init cannot choose VMSA features\n");
		return -EINVAL;
	}
	if (!o->dh_cert_path != !o->session_path) {
		fprintf(stderr, "minisev run: --dh-cert and --session go together\n");
		return -EINVAL;
	}
	if (!o->secret_path != !o->secret_header_path) {
		fprintf(stderr, "minisev run: --secret and --secret-header go together\n");
		return -EINVAL;
	}
	if (!o->policy_set)
		o->policy = SEV_POLICY_NODBG | (o->sev_es ? SEV_POLICY_ES : 0);
	/* A contradiction is refused before anything touches KVM. */
	if (sev_policy_check_launch(o->policy, o->sev_es, &why)) {
		fprintf(stderr, "minisev run: policy %#x: %s\n", o->policy,
			sev_why_str(&why, -EINVAL));
		return -EINVAL;
	}
	return 0;
}

/* Linux options go together, and not with the firmware's own. */
static int check_linux_args(struct run_opts *o)
{
	if (!o->kernel) {
		if (o->initrd || o->cmdline || o->verify || linux_provoke(o->provoke)) {
			fprintf(stderr, "minisev run: %s needs --kernel\n",
				o->initrd  ? "--initrd" :
				o->cmdline ? "--cmdline" :
				o->verify  ? "--verify" :
					     "--provoke kernel/initrd/cmdline-changed");
			return -EINVAL;
		}
		return 0;
	}
	if (o->tests[0]) {
		fprintf(stderr, "minisev run: --tests selects guest tests, not Linux: not with "
				"--kernel\n");
		return -EINVAL;
	}
	if (o->sev)
		o->verify = true; /* the only way to check a kernel under SEV */
	if (!o->verify && (o->firmware || linux_provoke(o->provoke))) {
		fprintf(stderr, "minisev run: %s needs the verifier: --verify, --sev or --sev-es\n",
			o->firmware ? "--firmware" : "--provoke");
		return -EINVAL;
	}
	if (o->sev_es && o->nr_vcpus > 1) {
		fprintf(stderr,
			"minisev run: Linux under SEV-ES boots one vCPU only so far (its APs "
			"need the AP jump table, which the firmware does not set up yet)\n");
		return -EINVAL;
	}
	/* A Linux guest may idle without exits for as long as it likes. */
	if (!o->timeout_set)
		o->timeout_s = 0;
	if (!o->stall_set)
		o->stall_s = 0;
	return 0;
}

int run_parse_args(int argc, char **argv, struct run_opts *o)
{
	struct sev_why why = { "" };
	uint64_t v;
	char bad[3];
	int c;

	memset(o, 0, sizeof(*o));
	o->nr_vcpus = 1;
	o->ram_size = MINISEV_RAM_DEFAULT;
	o->timeout_s = DEFAULT_TIMEOUT_S;
	o->stall_s = DEFAULT_STALL_S;
	o->verbosity = 1;

	optind = 0; /* a full reset, as the other parsers do: no state left in a cluster */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:m:t:f:vqh", run_long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_u64(optarg, 1, MINISEV_MAX_VCPUS, &v)) {
				fprintf(stderr,
					"minisev run: -c '%s': want a vCPU count from 1 to %d\n",
					optarg, MINISEV_MAX_VCPUS);
				return -EINVAL;
			}
			o->nr_vcpus = v;
			break;
		case 'm':
			if (parse_size(optarg, &v) || v < MINISEV_RAM_MIN || v > MINISEV_RAM_MAX ||
			    !IS_ALIGNED(v, 2ULL << 20)) {
				fprintf(stderr,
					"minisev run: -m '%s': want a size from 8M to 3G "
					"in steps of 2M (e.g. 256M)\n",
					optarg);
				return -EINVAL;
			}
			o->ram_size = v;
			break;
		case 't':
			if (strlen(optarg) >= sizeof(o->tests) || !valid_test_list(optarg)) {
				fprintf(stderr,
					"minisev run: -t '%.64s': want comma-separated test "
					"names (letters, digits, _), at most %zu characters\n",
					optarg, sizeof(o->tests) - 1);
				return -EINVAL;
			}
			strcpy(o->tests, optarg);
			break;
		case 'f':
			o->firmware = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_secs(optarg, "--timeout", &o->timeout_s))
				return -EINVAL;
			o->timeout_set = true;
			break;
		case OPT_STALL:
			if (parse_secs(optarg, "--stall", &o->stall_s))
				return -EINVAL;
			o->stall_set = true;
			break;
		case OPT_KERNEL:
			o->kernel = optarg;
			break;
		case OPT_INITRD:
			o->initrd = optarg;
			break;
		case OPT_CMDLINE:
			o->cmdline = optarg;
			break;
		case OPT_VERIFY:
			o->verify = true;
			break;
		case OPT_TIMINGS:
			o->timings_path = optarg;
			break;
		case OPT_SEV:
			o->sev = true;
			break;
		case OPT_SEV_ES:
			o->sev = o->sev_es = true;
			break;
		case OPT_POLICY:
			if (sev_policy_parse(optarg, &o->policy, &why)) {
				fprintf(stderr, "minisev run: --policy '%s': %s\n", optarg,
					sev_why_str(&why, -EINVAL));
				return -EINVAL;
			}
			o->policy_set = true;
			break;
		case OPT_LEGACY_INIT:
			o->legacy_init = true;
			break;
		case OPT_DH_CERT:
			o->dh_cert_path = optarg;
			break;
		case OPT_SESSION:
			o->session_path = optarg;
			break;
		case OPT_MEASURED_OUT:
			o->measured_out = optarg;
			break;
		case OPT_LAUNCH_INFO:
			o->launch_info_path = optarg;
			break;
		case OPT_SECRET_HEADER:
			o->secret_header_path = optarg;
			break;
		case OPT_SECRET:
			o->secret_path = optarg;
			break;
		case OPT_QMP:
			o->qmp_path = optarg;
			break;
		case OPT_VMSA_OUT:
			o->vmsa_out = optarg;
			break;
		case OPT_VMSA_FEATURES:
			if (sev_vmsa_features_parse(optarg, &o->vmsa_features)) {
				fprintf(stderr,
					"minisev run: --vmsa-features '%s': want a number or "
					"debug-swap\n",
					optarg);
				return -EINVAL;
			}
			o->vmsa_features_set = true;
			break;
		case OPT_PROVOKE:
			for (size_t i = 1; i < ARRAY_SIZE(provoke_names); i++)
				if (!strcmp(optarg, provoke_names[i]))
					o->provoke = i;
			if (o->provoke == PROVOKE_NONE) {
				fprintf(stderr,
					"minisev run: --provoke '%s': see --help for the cases\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'v':
			o->verbosity = 2;
			break;
		case 'q':
			o->verbosity = 0;
			break;
		case 'h':
			run_usage(stdout);
			return 1;
		case ':':
			fprintf(stderr, "minisev run: option '%s' needs an argument\n",
				getopt_bad_option(bad, argv));
			return -EINVAL;
		default:
			fprintf(stderr, "minisev run: unknown option '%s'\n",
				getopt_bad_option(bad, argv));
			run_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "minisev run: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (check_linux_args(o))
		return -EINVAL;
	return check_sev_args(o);
}

/* firmware.elf in the directory of /proc/self/exe. */
static const char *default_firmware(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return "firmware.elf";
	exe[n] = '\0';
	snprintf(buf, len, "%s/firmware.elf", dirname(exe));
	return buf;
}

static void vm_setup_state(struct vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->end_efd = vm->input_efd = -1;
	for (unsigned int i = 0; i < MINISEV_MAX_VCPUS; i++)
		vm->vcpus[i].fd = -1;
	vm->pio.name = "port I/O";
	vm->mmio.name = "MMIO";
	pthread_mutex_init(&vm->end_lock, NULL);
	vm->gm.shared_gpa = MINISEV_SHARED_GPA;
	vm->gm.shared_size = MINISEV_SHARED_SIZE;
}

static int load_image(struct vm *vm, const struct run_opts *o, struct elf_image *img,
		      unsigned int cbit)
{
	char fwbuf[PATH_MAX], err[256];
	const char *path = o->firmware ? o->firmware : default_firmware(fwbuf, sizeof(fwbuf));
	struct minisev_boot_info *bi;
	size_t len;
	void *buf;
	int ret;

	buf = read_file(path, FIRMWARE_MAX, &len);
	if (!buf) {
		if (errno == EFBIG)
			pr_err("%s: larger than %u MiB: not a minisev firmware", path,
			       FIRMWARE_MAX >> 20);
		else
			pr_err("cannot read firmware %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	ret = elf_load(&vm->gm, buf, len, MINISEV_FW_BASE, MINISEV_FW_LIMIT, img, err, sizeof(err));
	free(buf);
	if (ret) {
		pr_err("%s: %s", path, ret == -EINVAL ? err : strerror(-ret));
		return -EINVAL;
	}
	pr_debug("firmware %s: entry %#llx, %u segments in [%#llx, %#llx)", path,
		 (unsigned long long)img->entry, img->nr_segs, (unsigned long long)img->lo,
		 (unsigned long long)img->hi);

	ret = boot_build_pgtables(&vm->gm, cbit);
	if (ret) {
		pr_err("building page tables: %s", strerror(-ret));
		return ret;
	}
	bi = calloc(1, sizeof(*bi));
	if (!bi)
		return -ENOMEM;
	bi->magic = MINISEV_BOOT_MAGIC;
	bi->version = MINISEV_ABI_VERSION;
	bi->flags = (o->sev ? MINISEV_BOOT_F_SEV : 0) | (o->sev_es ? MINISEV_BOOT_F_SEV_ES : 0) |
		    (o->kernel ? MINISEV_BOOT_F_LINUX : 0) |
		    (vm->kvm_info.bp == KVM_PROBE_NO ? MINISEV_BOOT_F_NO_BP : 0);
	bi->ram_size = vm->gm.size;
	bi->cbit = cbit;
	bi->nr_vcpus = vm->nr_vcpus;
	bi->shared_gpa = MINISEV_SHARED_GPA;
	bi->shared_size = MINISEV_SHARED_SIZE;
	bi->pgtable_gpa = MINISEV_PGTABLE_GPA;
	bi->fw_start = img->lo;
	bi->fw_end = img->hi;
	bi->nr_devs = 1;
	bi->devs[0].type = MINISEV_DEV_VIRTIO_MMIO;
	bi->devs[0].virtio_id = VIRTIO_ID_CONSOLE;
	bi->devs[0].gpa = MINISEV_MMIO_GPA;
	bi->devs[0].size = VIRTIO_MMIO_REGION_SIZE;
	if (o->sev) {
		bi->secret_gpa = MINISEV_SECRET_GPA;
		bi->secret_size = MINISEV_SECRET_SIZE;
	}
	snprintf(bi->tests, sizeof(bi->tests), "%s", o->tests);
	ret = boot_write_info(&vm->gm, bi);
	free(bi);
	return ret;
}

/*
 * LAUNCH_UPDATE_DATA over every byte the guest starts with, in ascending
 * GPA order: the boot-info page, the page tables, then each firmware
 * segment's file bytes (each range widened to 16-byte alignment, as the
 * firmware requires).  Zero-fill tails (.bss) are not measured: the
 * firmware clears them itself, since unmeasured private memory reads as
 * garbage on hardware.
 */
static int measure_image(struct vm *vm, struct launch *l, const struct elf_image *img)
{
	int ret;

	ret = launch_update_data(vm, l, MINISEV_BOOT_INFO_GPA,
				 ALIGN_UP(sizeof(struct minisev_boot_info), 16));
	if (!ret)
		ret = launch_update_data(vm, l, MINISEV_PGTABLE_GPA,
					 MINISEV_PGTABLE_PAGES * 4096ULL);
	for (unsigned int i = 0; !ret && i < img->nr_segs; i++) {
		uint64_t start = img->segs[i].gpa & ~15ULL;
		uint64_t end = ALIGN_UP(img->segs[i].gpa + img->segs[i].filesz, 16);

		if (img->segs[i].filesz)
			ret = launch_update_data(vm, l, start, end - start);
	}
	return ret;
}

/*
 * CPUID bits KVM emulates but leaves out of KVM_GET_SUPPORTED_CPUID,
 * which every VMM sets itself: "running under a hypervisor" (without it
 * Linux looks for neither KVM's paravirtual clock nor SEV: the
 * decompressor's get_sev_encryption_bit checks it first), and the
 * in-kernel LAPIC's TSC deadline timer (no APIC timer calibration).
 */
static void guest_cpuid(int kvm_fd, struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = kvm_cpuid_find(c, 1, 0);

	if (!e)
		return;
	e->ecx |= 1u << 31;
	if (kvm_check_extension(kvm_fd, KVM_CAP_TSC_DEADLINE_TIMER))
		e->ecx |= 1u << 24;
}

/* The guest's view of SEV in CPUID: only what this launch enables. */
static void sev_cpuid(struct kvm_cpuid2 *c, const struct launch *l, bool sev)
{
	struct kvm_cpuid_entry2 *e = kvm_cpuid_find(c, 0x8000001f, 0);

	if (!e)
		return;
	if (!sev) {
		e->eax = e->ebx = e->ecx = e->edx = 0;
		return;
	}
	e->eax = (1u << 1) | (l->es ? 1u << 3 : 0);
	e->ebx = l->cbit | (l->reduced_phys_bits << 6);
	e->ecx = e->edx = 0;
}

static void *load_b64_file(const char *path, const char *what, size_t max, size_t *len)
{
	struct sev_why why = { "" };
	size_t flen;
	uint8_t *out;
	char *text = read_file(path, 4 * max, &flen);

	if (!text) {
		pr_err("%s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	out = malloc(max);
	if (out && sev_b64_decode(text, flen, out, max, len, &why)) {
		pr_err("%s %s: not base64 of at most %zu bytes: %s", what, path, max,
		       sev_why_str(&why, -EINVAL));
		free(out);
		out = NULL;
	}
	free(text);
	return out;
}

/*
 * The Linux half of --launch-info: what `minisev owner verify --kernel
 * --initrd --cmdline` and virt-qemu-sev-validate need besides the
 * --measured-out file.  Paths as given; the command line exactly as hashed.
 */
static size_t launch_info_linux(char *out, size_t cap, const struct run_opts *o)
{
	size_t n = 0;

	if (!o->kernel)
		return 0;
	n += snprintf(out + n, cap - n, ",\n  \"kernel\": ");
	n += json_quote(out + n, cap - n, o->kernel);
	n += snprintf(out + n, cap - n, ",\n  \"initrd\": ");
	n += o->initrd ? json_quote(out + n, cap - n, o->initrd) :
			 (size_t)snprintf(out + n, cap - n, "null");
	n += snprintf(out + n, cap - n, ",\n  \"cmdline\": ");
	n += json_quote(out + n, cap - n, o->cmdline ? o->cmdline : LINUX_DEFAULT_CMDLINE);
	return n;
}

static int write_launch_info(const char *path, const struct vm *vm, const struct launch *l,
			     const struct run_opts *o)
{
	/* Room for the longest command line with every byte escaped as \u00XX. */
	static char linux_part[6 * (LINUX_CMDLINE_MAX + 2 * PATH_MAX) + 64];
	char b64[72], buf[1536 + sizeof(linux_part)], kvm[600];
	int n;

	sev_b64_encode(l->measurement, SEV_MEASURE_LEN, b64);
	kvm_info_json(&vm->kvm_info, kvm, sizeof(kvm));
	launch_info_linux(linux_part, sizeof(linux_part), o);
	n = snprintf(buf, sizeof(buf),
		     "{\n  \"measurement\": \"%s\",\n  \"api_major\": %u,\n"
		     "  \"api_minor\": %u,\n  \"build_id\": %u,\n  \"policy\": %u,\n"
		     "  \"handle\": %u,\n  \"cbitpos\": %u,\n  \"vm_type\": %lu,\n"
		     "  \"init\": \"%s\",\n  \"sev_es\": %s,\n  \"vmsa_features\": %llu,\n"
		     "  \"nr_vcpus\": %u,\n  \"measured_bytes\": %zu,\n  \"kvm\": %s%s\n}\n",
		     b64, l->api_major, l->api_minor, l->build, l->policy, l->handle, l->cbit,
		     vm->vm_type,
		     l->init2 ? "INIT2" :
		     l->es    ? "ES_INIT" :
				"INIT",
		     l->es ? "true" : "false", (unsigned long long)l->vmsa_features, vm->nr_vcpus,
		     l->measured_len, kvm, linux_part);
	return write_file_atomic(path, buf, n, 0644);
}

/*
 * The end of a --provoke run: the mistake was made; say whether it was
 * refused.  Either way the launch cannot go on (the caller exits 3).
 */
static int provoked(int ret, const char *what)
{
	if (ret)
		pr_err("provoke: %s was refused, as it should be", what);
	else
		pr_err("provoke: %s was accepted: the kernel or firmware failed to refuse it",
		       what);
	return ret ? ret : -EPROTO;
}

/*
 * DBG_DECRYPT the first measured firmware bytes and compare them with the
 * plaintext that LAUNCH_UPDATE_DATA measured: the firmware must refuse
 * under NODBG and give back exactly the plaintext otherwise.
 */
static int dbg_decrypt_check(struct vm *vm, struct launch *l)
{
	size_t off = ALIGN_UP(sizeof(struct minisev_boot_info), 16) + MINISEV_PGTABLE_PAGES * 4096;
	uint8_t buf[64];
	int ret;

	ret = launch_dbg_decrypt(vm, l, MINISEV_FW_BASE, buf, sizeof(buf));
	if (ret)
		return provoked(ret, "DBG_DECRYPT");
	if (l->measured_len < off + sizeof(buf) || memcmp(buf, l->measured + off, sizeof(buf))) {
		pr_err("provoke: DBG_DECRYPT returned bytes that differ from the measured plaintext");
		return -EPROTO;
	}
	pr_info("provoke: DBG_DECRYPT allowed by policy %#x; the firmware's first %zu bytes "
		"match the measured plaintext",
		l->policy, sizeof(buf));
	return 0; /* nothing was broken: the guest runs */
}

/*
 * --vmsa-out: the VMSAs as measured, predicted from the entry state the
 * VMM gave every vCPU (the state itself is encrypted now and cannot be
 * read back).  One file per vCPU, vmsaN.bin, for virt-qemu-sev-validate
 * and `minisev owner measure`.
 */
static int write_vmsas(struct vm *vm, struct launch *l, const char *dir)
{
	uint8_t vmsa[SEV_VMSA_SIZE];
	char path[PATH_MAX];
	int ret;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		pr_err("--vmsa-out %s: %s", dir, strerror(errno));
		return -errno;
	}
	boot_vmsa(vm->entry, l->cbit, l->init2, l->vmsa_features, vmsa);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		snprintf(path, sizeof(path), "%s/vmsa%u.bin", dir, i);
		ret = write_file_atomic(path, vmsa, sizeof(vmsa), 0644);
		if (ret) {
			pr_err("writing %s: %s", path, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* After the image is in place: measure, secret, finish (the SEV launch tail). */
static int sev_launch_tail(struct vm *vm, const struct run_opts *o, struct launch *l)
{
	char b64[72];
	void *hdr = NULL, *payload = NULL;
	size_t hdr_len = 0, payload_len = 0;
	int ret;

	if (l->es) {
		ret = launch_update_vmsa(vm, l);
		if (ret)
			return ret;
		if (o->vmsa_out && (ret = write_vmsas(vm, l, o->vmsa_out)))
			return ret;
	}
	if (o->provoke == PROVOKE_SECRET_BEFORE_MEASURE) {
		/* The state check comes before any MAC check: zeros will do. */
		uint8_t zero_hdr[sizeof(struct sev_secret_header)] = { 0 }, zero[16] = { 0 };

		return provoked(launch_secret(vm, l, zero_hdr, sizeof(zero_hdr), zero, sizeof(zero),
					      MINISEV_SECRET_GPA),
				"LAUNCH_SECRET before LAUNCH_MEASURE");
	}
	ret = launch_measure(vm, l);
	if (ret)
		return ret;
	if (o->provoke == PROVOKE_MEASURE_TWICE)
		return provoked(launch_measure(vm, l), "a second LAUNCH_MEASURE");
	if (o->provoke == PROVOKE_UPDATE_AFTER_MEASURE)
		return provoked(launch_update_data(vm, l, MINISEV_FW_BASE, 16),
				"LAUNCH_UPDATE_DATA after LAUNCH_MEASURE");
	sev_b64_encode(l->measurement, SEV_MEASURE_LEN, b64);
	pr_info("sev: LAUNCH_MEASURE %s (measurement || mnonce, %zu bytes measured)", b64,
		l->measured_len);
	if (o->launch_info_path && (ret = write_launch_info(o->launch_info_path, vm, l, o))) {
		pr_err("writing %s: %s", o->launch_info_path, strerror(-ret));
		return ret;
	}
	if (o->secret_path) {
		hdr = load_b64_file(o->secret_header_path, "secret header",
				    sizeof(struct sev_secret_header), &hdr_len);
		payload = hdr ? load_b64_file(o->secret_path, "secret", MINISEV_SECRET_SIZE,
					      &payload_len) :
				NULL;
		if (!payload) {
			ret = -EINVAL;
			goto out;
		}
		ret = launch_secret(vm, l, hdr, hdr_len, payload, payload_len, MINISEV_SECRET_GPA);
		if (ret)
			goto out;
	}
	if (o->qmp_path) {
		uint64_t deadline = o->timeout_s ? now_ns() + o->timeout_s * 1000000000ULL : 0;
		uint64_t t = now_ns();

		ret = qmp_serve(vm, l, o->qmp_path, deadline);
		timings_add(vm->timings, "paused", t, 0);
		if (ret)
			goto out;
	}
	ret = launch_finish(vm, l);
	if (!ret && o->provoke == PROVOKE_FINISH_TWICE)
		ret = provoked(launch_finish(vm, l), "a second LAUNCH_FINISH");
	if (!ret && o->provoke == PROVOKE_DBG_DECRYPT)
		ret = dbg_decrypt_check(vm, l);
out:
	free(hdr);
	free(payload);
	return ret;
}

/* Called by the console with its lock held: only flag things here. */
static void console_event(void *arg, enum vcon_event ev)
{
	struct vm *vm = arg;
	uint64_t one = 1;

	switch (ev) {
	case VCON_EV_OUTPUT_CLOSED:
		pr_err("console output closed (EPIPE): stopping the guest");
		vm_end(vm, VM_END_VMM_ERROR, MINISEV_STATUS_VMM);
		break;
	case VCON_EV_OUTPUT_ERROR:
		vm_end(vm, VM_END_VMM_ERROR, MINISEV_STATUS_VMM);
		break;
	case VCON_EV_GUEST_ERROR:
		vm_end(vm, VM_END_GUEST_ERROR, MINISEV_STATUS_GUEST);
		break;
	case VCON_EV_INPUT_ROOM:
		if (write(vm->input_efd, &one, sizeof(one)) < 0) {
			/* Cannot overflow: the main loop drains it. */
		}
		break;
	}
}

/* An edge on the console's IOAPIC pin: Linux's virtio-mmio driver then reads InterruptStatus. */
static void console_irq(void *arg)
{
	struct vm *vm = arg;
	struct kvm_irq_level lvl = { .irq = LINUX_CONSOLE_IRQ, .level = 1 };

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &lvl) == 0) {
		lvl.level = 0;
		if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &lvl) == 0)
			return;
	}
	pr_err("KVM_IRQ_LINE %u: %s", LINUX_CONSOLE_IRQ, strerror(errno));
	vm_end(vm, VM_END_VMM_ERROR, MINISEV_STATUS_VMM);
}

static int devices_init(struct vm *vm, bool linux_guest)
{
	int ret = testdev_init(vm);

	if (ret) {
		pr_err("registering the test ports: %s", strerror(-ret));
		return ret;
	}
	vm->console = vcon_new(&vm->gm, MINISEV_MMIO_GPA, STDOUT_FILENO, STDIN_FILENO);
	if (!vm->console) {
		pr_err("creating the virtio console: %s", strerror(errno));
		return -errno;
	}
	vcon_set_event_cb(vm->console, console_event, vm);
	ret = bus_register(&vm->mmio, vcon_bus_dev(vm->console));
	if (ret) {
		pr_err("registering the virtio console: %s", strerror(-ret));
		return ret;
	}
	if (!linux_guest)
		return 0;
	vmmio_set_irq(&vm->console->mmio, console_irq, vm);
	vm->serial = malloc(sizeof(*vm->serial));
	vm->pm = malloc(sizeof(*vm->pm));
	if (!vm->serial || !vm->pm)
		return -ENOMEM;
	serial_init(vm->serial, SERIAL_COM1, STDOUT_FILENO);
	pm_init(vm->pm, vm, ACPI_PM_PORT_DEFAULT);
	ret = bus_register(&vm->pio, &vm->serial->bus);
	if (!ret)
		ret = bus_register(&vm->pio, &vm->pm->bus);
	if (ret)
		pr_err("registering COM1 and the ACPI ports: %s", strerror(-ret));
	vm->linux_guest = true;
	return ret;
}

/*
 * The main thread waits for the end of the run while feeding console
 * input; SIGINT/SIGTERM arrive here through a signalfd.
 */
static bool stalled(struct vm *vm, unsigned int stall_s, int *wait_ms)
{
	uint64_t last = atomic_load(&vm->last_exit_ns), now = now_ns();
	uint64_t limit = stall_s * 1000000000ULL;
	int ms;

	if (!stall_s)
		return false;
	if (now - last >= limit) {
		pr_err("no vCPU exited to the VMM for %u s (--stall): the guest is stuck; "
		       "stopping it",
		       stall_s);
		return true;
	}
	ms = (limit - (now - last)) / 1000000 + 1;
	if (*wait_ms < 0 || ms < *wait_ms)
		*wait_ms = ms;
	return false;
}

static void main_loop(struct vm *vm, const struct run_opts *o, int sfd)
{
	unsigned int timeout_s = o->timeout_s;
	uint64_t deadline = timeout_s ? now_ns() + timeout_s * 1000000000ULL : 0;
	bool input_open = true, input_throttled = false;

	while (!vm_ended(vm)) {
		bool poll_input = input_open && !input_throttled;
		struct pollfd p[4] = {
			{ .fd = vm->end_efd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = vm->input_efd, .events = POLLIN },
			{ .fd = poll_input ? STDIN_FILENO : -1, .events = POLLIN },
		};
		int wait_ms = -1, n;

		if (deadline) {
			uint64_t now = now_ns();

			if (now >= deadline) {
				pr_err("guest did not finish within %u s (--timeout)", timeout_s);
				vm_end(vm, VM_END_TIMEOUT, MINISEV_STATUS_GUEST);
				break;
			}
			wait_ms = (deadline - now) / 1000000 + 1;
		}
		if (stalled(vm, o->stall_s, &wait_ms)) {
			vm->stalled = true;
			vm_end(vm, VM_END_TIMEOUT, MINISEV_STATUS_GUEST);
			break;
		}
		n = poll(p, ARRAY_SIZE(p), wait_ms);
		if (n < 0 && errno != EINTR) {
			pr_err("poll: %s", strerror(errno));
			vm_end(vm, VM_END_VMM_ERROR, MINISEV_STATUS_VMM);
			break;
		}
		if (n <= 0)
			continue;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				pr_err("stopped by signal %u", si.ssi_signo);
				vm_end(vm, VM_END_SIGNAL, 128 + si.ssi_signo);
			}
		}
		if (p[2].revents & POLLIN) {
			uint64_t v;

			if (read(vm->input_efd, &v, sizeof(v)) == sizeof(v))
				input_throttled = false;
		}
		if (p[3].revents) {
			int r = vcon_poll_input(vm->console);

			if (r == 0 || (r < 0 && r != -EAGAIN && r != -ENOBUFS))
				input_open = false; /* EOF or error: the guest runs on */
			else if (r == -ENOBUFS)
				input_throttled = true;
			if (r == -EPROTO)
				vm_end(vm, VM_END_GUEST_ERROR, MINISEV_STATUS_GUEST);
		}
	}
}

/*
 * Which KVM this is, said before anything runs, and what it cannot do for
 * this guest.  Under kvm_amd and kvm_intel the CPU delivers exceptions
 * itself; a software KVM (PVM) emulates them, and there the #BP probe
 * asks (a throw-away VM: 3 ms on PVM, but 60 to 200 ms on a nested
 * kvm_amd under TCG, which is why it does not run everywhere).
 * `minisev kvm-info` always probes.
 */
static int kvm_identify(struct vm *vm, struct timings *tm)
{
	struct kvm_info *ki = &vm->kvm_info;
	uint64_t t = now_ns();
	char line[512];

	kvm_info_read(vm->kvm_fd, ki);
	if (ki->impl != KVM_IMPL_AMD && ki->impl != KVM_IMPL_INTEL) {
		kvm_info_probe_bp(vm->kvm_fd, ki);
		timings_add(tm, "kvm_probe", t, 0);
	}
	kvm_info_describe(ki, line, sizeof(line));
	pr_info("KVM: %s", line);
	if (ki->bp == KVM_PROBE_NO)
		pr_info("this KVM cannot deliver a #BP to the guest (%s): guest tests that need "
			"one are skipped; kvm_amd runs them (scripts/kvm-run falls back to a nested "
			"kvm_amd with KVM_RUN_NEED=kvm_amd)",
			ki->bp_detail);
	kvm_info_json(ki, line, sizeof(line));
	return timings_set_kvm(tm, line);
}

static enum linux_tamper linux_tamper(const struct run_opts *o)
{
	switch (o->provoke) {
	case PROVOKE_KERNEL_CHANGED:
		return LINUX_TAMPER_KERNEL;
	case PROVOKE_INITRD_CHANGED:
		return LINUX_TAMPER_INITRD;
	case PROVOKE_CMDLINE_CHANGED:
		return LINUX_TAMPER_CMDLINE;
	default:
		return LINUX_TAMPER_NONE;
	}
}

/*
 * The verified boot's inputs: the staged blobs (not measured) and the
 * kernel-hashes table, which under SEV is the last LAUNCH_UPDATE_DATA,
 * as QEMU measures it after OVMF.
 */
static int stage_linux(struct vm *vm, const struct linux_boot_args *la, struct launch *l)
{
	uint8_t table[SEV_KERNEL_TABLE_SIZE];
	struct sev_why why = { "" };
	int ret;

	_Static_assert(SEV_KERNEL_TABLE_SIZE == MINISEV_HASHES_SIZE, "abi.h disagrees");
	ret = linux_boot_stage(vm, la);
	if (ret)
		return ret;
	ret = sev_kernel_table_build(la->kernel, la->initrd, linux_cmdline(la), table, &why);
	if (ret) {
		pr_err("kernel-hashes table: %s", sev_why_str(&why, ret));
		return ret;
	}
	ret = gm_write(&vm->gm, MINISEV_HASHES_GPA, table, sizeof(table), GM_ANY);
	if (!ret && l)
		ret = launch_update_data(vm, l, MINISEV_HASHES_GPA, sizeof(table));
	return ret;
}

static int create_pit(struct vm *vm)
{
	/* The speaker port (0x61) stays in KVM as well. */
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		pr_err("KVM_CREATE_PIT2: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int run_vm(struct vm *vm, const struct run_opts *o, struct timings *tm)
{
	const struct linux_boot_args la = { o->kernel, o->initrd, o->cmdline, linux_tamper(o) };
	struct launch *l = vm->launch;
	unsigned long vm_type = 0;
	struct boot_entry bsp;
	struct elf_image img;
	unsigned int cbit = 0;
	sigset_t sigs;
	uint64_t t;
	int ret, sfd = -1;

	t = now_ns();
	ret = kvm_open(&vm->kvm_fd);
	if (ret == -ENOENT) {
		pr_err("no /dev/kvm on this machine: nothing to run here "
		       "(scripts/kvm-run runs minisev under nested KVM)");
		return MINISEV_STATUS_SKIP;
	}
	if (ret) {
		pr_err("cannot open /dev/kvm: %s%s", strerror(-ret),
		       ret == -EACCES ? " (add yourself to the 'kvm' group)" : "");
		return ret == -EACCES ? MINISEV_STATUS_SKIP : MINISEV_STATUS_VMM;
	}
	if (kvm_check_caps(vm->kvm_fd))
		return MINISEV_STATUS_VMM;
	if (kvm_identify(vm, tm))
		return MINISEV_STATUS_VMM;
	t = now_ns();
	ret = kvm_get_supported_cpuid(vm->kvm_fd, &vm->cpuid);
	if (ret) {
		pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(-ret));
		return MINISEV_STATUS_VMM;
	}

	if (l) {
		struct sev_why why = { "" };

		if (vm->kvm_info.impl != KVM_IMPL_AMD)
			pr_warn("this KVM is %s, not kvm_amd: KVM's SEV layer is kvm_amd code, so "
				"only the SEV model (scripts/sevsim) can stand in here, and it checks "
				"first that this KVM can carry it; scripts/kvm-run with "
				"KVM_RUN_NEED=kvm_amd runs under a nested kvm_amd",
				vm->kvm_info.name);
		ret = launch_open(l);
		if (ret)
			return ret == -ENOENT ? MINISEV_STATUS_SKIP : MINISEV_STATUS_VMM;
		if (sev_policy_check_platform(l->policy, l->api_major, l->api_minor,
					      l->platform_flags, &why)) {
			pr_err("sev: policy %#x: %s", l->policy, sev_why_str(&why, -EINVAL));
			return MINISEV_STATUS_USAGE;
		}
		if (launch_check_cpuid(l, vm->cpuid))
			return MINISEV_STATUS_SKIP;
		cbit = l->cbit;
		vm_type = launch_vm_type(l, vm->kvm_fd);
	}
	sev_cpuid(vm->cpuid, l, l != NULL);
	guest_cpuid(vm->kvm_fd, vm->cpuid);

	ret = kvm_create_vm(vm, vm_type);
	if (ret) {
		pr_err("KVM_CREATE_VM (type %lu): %s", vm_type, strerror(-ret));
		return MINISEV_STATUS_VMM;
	}
	timings_add(tm, "vm_create", t, 0);
	/* SEV INIT must come before any vCPU exists (kvm-sev-ioctls.md §2.4). */
	if (l && launch_init(vm, l))
		return MINISEV_STATUS_VMM;
	if (o->provoke == PROVOKE_INIT_TWICE) {
		provoked(launch_init(vm, l), "a second INIT");
		return MINISEV_STATUS_VMM;
	}
	/*
	 * In-kernel LAPIC/IOAPIC/PIC, created before any vCPU: SEV-ES needs
	 * it (INIT/SIPI and HLT stay in KVM) and one path serves all modes.
	 */
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		pr_err("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return MINISEV_STATUS_VMM;
	}
	/* Linux calibrates against the PIT when nothing better is there. */
	if (o->kernel && create_pit(vm))
		return MINISEV_STATUS_VMM;

	t = now_ns();
	if (mem_init(vm, o->ram_size, l == NULL))
		return MINISEV_STATUS_VMM;
	if (!l)
		timings_add(tm, "ram_pin", t, o->ram_size);
	if (l) {
		/* Devices may touch the shared window only (guestmem.h). */
		vm->gm.encrypted = true;
		if (launch_reg_region(vm, vm->gm.hva, vm->gm.size))
			return MINISEV_STATUS_VMM;
		if (o->provoke == PROVOKE_NO_START)
			pr_info("provoke: skipping LAUNCH_START");
		else if (launch_start(vm, l))
			return MINISEV_STATUS_VMM;
	}

	t = now_ns();
	if (o->kernel) {
		/* A Linux guest's DMA buffers may be anywhere in its RAM. */
		vm->gm.shared_gpa = 0;
		vm->gm.shared_size = vm->gm.size;
	}
	if (o->kernel && !o->verify) {
		if (linux_boot_load(vm, &la, &bsp))
			return MINISEV_STATUS_VMM;
		vm->entry = bsp.rip;
		timings_add(tm, "kernel_load", t, 0);
	} else {
		if (load_image(vm, o, &img, cbit))
			return MINISEV_STATUS_VMM;
		vm->entry = img.entry;
		/* Under SEV the page-table root is private memory too. */
		boot_fw_entry(&bsp, img.entry, MINISEV_PGTABLE_GPA | (cbit ? 1ULL << cbit : 0));
		timings_add(tm, "image_load", t, 0);
	}
	if (l) {
		if (measure_image(vm, l, &img))
			return MINISEV_STATUS_VMM;
		if (o->measured_out && (ret = write_file_atomic(o->measured_out, l->measured,
								l->measured_len, 0644))) {
			pr_err("writing %s: %s", o->measured_out, strerror(-ret));
			return MINISEV_STATUS_VMM;
		}
	}
	/* After --measured-out: the validator appends the table to that file itself. */
	if (o->kernel && o->verify && stage_linux(vm, &la, l))
		return MINISEV_STATUS_VMM;

	if (devices_init(vm, o->kernel != NULL))
		return MINISEV_STATUS_VMM;

	t = now_ns();
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		/* Linux starts its APs itself (INIT-SIPI-SIPI); the firmware's all start at once. */
		if (vcpu_create(vm, i, i && o->kernel ? NULL : &bsp))
			return MINISEV_STATUS_VMM;
	}
	timings_add(tm, "vcpu_create", t, 0);

	if (l && sev_launch_tail(vm, o, l))
		return MINISEV_STATUS_VMM;

	vm->end_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->input_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	/* Blocked before the vCPU threads exist, so they inherit the mask. */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (vm->end_efd < 0 || vm->input_efd < 0 || sfd < 0) {
		pr_err("eventfd/signalfd: %s", strerror(errno));
		return MINISEV_STATUS_VMM;
	}

	pr_debug("starting %u vCPU(s)", vm->nr_vcpus);
	t = now_ns();
	atomic_store(&vm->last_exit_ns, t);
	if (vcpu_start_all(vm) == 0)
		main_loop(vm, o, sfd);
	vcpu_kick_all(vm);
	if (vcpu_join_all(vm))
		vm->status = MINISEV_STATUS_VMM;
	else if (vm->stalled)
		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			vcpu_dump(&vm->vcpus[i]);
	timings_add(tm, "guest_run", t, 0);
	if (vm->serial)
		serial_flush(vm->serial);
	if (vm->t_first_run_ns)
		timings_mark(tm, "first_guest_entry", vm->t_first_run_ns);
	if (vcon_first_output_ns(vm->console))
		timings_mark(tm, "first_console_byte", vcon_first_output_ns(vm->console));
	close(sfd);
	return vm->status;
}

static int load_owner_blobs(struct launch *l, const struct run_opts *o)
{
	struct sev_launch_blobs *b = calloc(1, sizeof(*b));
	struct sev_why why = { "" };

	if (!b)
		return -ENOMEM;
	if (sev_launch_blobs_load(o->dh_cert_path, o->session_path, b, &why)) {
		pr_err("%s", sev_why_str(&why, -EINVAL));
		free(b);
		return -EINVAL;
	}
	l->godh = b->godh.raw;
	l->godh_len = sizeof(b->godh.raw);
	l->session = &b->session;
	l->session_len = sizeof(b->session);
	l->owned = b; /* b lives as long as the launch */
	return 0;
}

/*
 * What run_main() allocated, so that LeakSanitizer (make test's sanitizer
 * stage) finds nothing left; the kernel tears down the VM, vCPUs and pins
 * with the process.  Not while a vCPU thread that would not stop may still
 * look at it.
 */
static void run_free(struct vm *vm)
{
	if (atomic_load(&vm->running_vcpus))
		return;
	vcon_free(vm->console);
	free(vm->serial);
	free(vm->pm);
	free(vm->cpuid);
	if (vm->launch) {
		free(vm->launch->owned);
		free(vm->launch);
	}
	free(vm);
}

int run_main(int argc, char **argv)
{
	struct timings tm;
	struct run_opts o;
	struct vm *vm;
	int status, ret;

	timings_init(&tm);
	ret = run_parse_args(argc, argv, &o);
	if (ret)
		return ret > 0 ? 0 : MINISEV_STATUS_USAGE;
	log_level = o.verbosity;

	vm = malloc(sizeof(*vm));
	if (!vm)
		die("out of memory");
	vm_setup_state(vm);
	vm->nr_vcpus = o.nr_vcpus;
	vm->timings = &tm;
	if (o.sev) {
		vm->launch = calloc(1, sizeof(*vm->launch));
		if (!vm->launch)
			die("out of memory");
		vm->launch->sev_fd = -1;
		vm->launch->es = o.sev_es;
		vm->launch->policy = o.policy;
		vm->launch->force_legacy = o.legacy_init;
		vm->launch->vmsa_features = o.vmsa_features;
		if (o.dh_cert_path && load_owner_blobs(vm->launch, &o)) {
			run_free(vm);
			return MINISEV_STATUS_USAGE;
		}
	}
	status = run_vm(vm, &o, &tm);

	if (o.timings_path) {
		ret = timings_write(&tm, o.timings_path);
		if (ret) {
			pr_err("writing %s: %s", o.timings_path, strerror(-ret));
			if (!status)
				status = MINISEV_STATUS_VMM;
		}
	}
	pr_debug("exit status %d", status);
	run_free(vm);
	fflush(stdout);
	return status;
}
