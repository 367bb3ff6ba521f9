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
#include <unistd.h>

#include "boot.h"
#include "minisev/virtio.h"
#include "cmd_run.h"
#include "elf_load.h"
#include "kvm.h"
#include "mem.h"
#include "run.h"
#include "testdev.h"
#include "vcpu.h"
#include "virtio_console.h"
#include "vm.h"

#define FIRMWARE_MAX (4u << 20)
#define DEFAULT_TIMEOUT_S 300

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
	      "      --timings FILE    write per-phase timings as JSON\n"
	      "  -v, --verbose         print every step\n"
	      "  -q, --quiet           print errors only\n"
	      "  -h, --help            this text\n"
	      "\n"
	      "exit status: 0 all tests passed, 1 a test failed, 2 usage error,\n"
	      "3 VMM/KVM error or bad image, 4 guest crashed or misbehaved,\n"
	      "77 skipped (no /dev/kvm)\n",
	      f);
}

enum { OPT_TIMEOUT = 256, OPT_TIMINGS };

static const struct option run_long_opts[] = {
	{ "cpus", required_argument, NULL, 'c' },
	{ "memory", required_argument, NULL, 'm' },
	{ "tests", required_argument, NULL, 't' },
	{ "firmware", required_argument, NULL, 'f' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "timings", required_argument, NULL, OPT_TIMINGS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

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

int run_parse_args(int argc, char **argv, struct run_opts *o)
{
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->nr_vcpus = 1;
	o->ram_size = MINISEV_RAM_DEFAULT;
	o->timeout_s = DEFAULT_TIMEOUT_S;
	o->verbosity = 1;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:m:t:f:vqh", run_long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_u64(optarg, 1, MINISEV_MAX_VCPUS, &v)) {
				fprintf(stderr, "minisev run: -c '%s': want a vCPU count from 1 to %d\n",
					optarg, MINISEV_MAX_VCPUS);
				return -EINVAL;
			}
			o->nr_vcpus = v;
			break;
		case 'm':
			if (parse_size(optarg, &v) || v < MINISEV_RAM_MIN ||
			    v > MINISEV_RAM_MAX || !IS_ALIGNED(v, 2ULL << 20)) {
				fprintf(stderr, "minisev run: -m '%s': want a size from 8M to 3G "
					"in steps of 2M (e.g. 256M)\n", optarg);
				return -EINVAL;
			}
			o->ram_size = v;
			break;
		case 't':
			if (strlen(optarg) >= sizeof(o->tests) || !valid_test_list(optarg)) {
				fprintf(stderr, "minisev run: -t '%.64s': want comma-separated test "
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
			if (parse_u64(optarg, 0, 86400, &v)) {
				fprintf(stderr, "minisev run: --timeout '%s': want seconds, 0 to 86400\n",
					optarg);
				return -EINVAL;
			}
			o->timeout_s = v;
			break;
		case OPT_TIMINGS:
			o->timings_path = optarg;
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
				argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(stderr, "minisev run: unknown option '%s'\n", argv[optind - 1]);
			run_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "minisev run: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
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

static int load_image(struct vm *vm, const struct run_opts *o, struct elf_image *img)
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
	ret = elf_load(&vm->gm, buf, len, MINISEV_FW_BASE, MINISEV_FW_LIMIT, img,
		       err, sizeof(err));
	free(buf);
	if (ret) {
		pr_err("%s: %s", path, ret == -EINVAL ? err : strerror(-ret));
		return -EINVAL;
	}
	pr_debug("firmware %s: entry %#llx, %u segments in [%#llx, %#llx)", path,
		 (unsigned long long)img->entry, img->nr_segs,
		 (unsigned long long)img->lo, (unsigned long long)img->hi);

	ret = boot_build_pgtables(&vm->gm, 0);
	if (ret) {
		pr_err("building page tables: %s", strerror(-ret));
		return ret;
	}
	bi = calloc(1, sizeof(*bi));
	if (!bi)
		return -ENOMEM;
	bi->magic = MINISEV_BOOT_MAGIC;
	bi->version = MINISEV_ABI_VERSION;
	bi->ram_size = vm->gm.size;
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
	bi->devs[0].size = MINISEV_MMIO_STRIDE;
	snprintf(bi->tests, sizeof(bi->tests), "%s", o->tests);
	ret = boot_write_info(&vm->gm, bi);
	free(bi);
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

static int devices_init(struct vm *vm)
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
	if (ret)
		pr_err("registering the virtio console: %s", strerror(-ret));
	return ret;
}

/*
 * The main thread waits for the end of the run while feeding console
 * input; SIGINT/SIGTERM arrive here through a signalfd.
 */
static void main_loop(struct vm *vm, unsigned int timeout_s, int sfd)
{
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

static int run_vm(struct vm *vm, const struct run_opts *o, struct timings *tm)
{
	struct elf_image img;
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
	ret = kvm_create_vm(vm, 0);
	if (ret) {
		pr_err("KVM_CREATE_VM: %s", strerror(-ret));
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
	timings_add(tm, "vm_create", t, 0);

	t = now_ns();
	if (mem_init(vm, o->ram_size))
		return MINISEV_STATUS_VMM;
	timings_add(tm, "ram_pin", t, o->ram_size);

	t = now_ns();
	if (load_image(vm, o, &img))
		return MINISEV_STATUS_VMM;
	timings_add(tm, "image_load", t, 0);

	if (devices_init(vm))
		return MINISEV_STATUS_VMM;

	t = now_ns();
	ret = kvm_get_supported_cpuid(vm->kvm_fd, &vm->cpuid);
	if (ret) {
		pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(-ret));
		return MINISEV_STATUS_VMM;
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		if (vcpu_create(vm, i, img.entry, MINISEV_PGTABLE_GPA))
			return MINISEV_STATUS_VMM;
	}
	timings_add(tm, "vcpu_create", t, 0);

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
	if (vcpu_start_all(vm) == 0)
		main_loop(vm, o->timeout_s, sfd);
	vcpu_kick_all(vm);
	vcpu_join_all(vm);
	timings_add(tm, "guest_run", t, 0);
	if (vm->t_first_run_ns)
		timings_mark(tm, "first_guest_entry", vm->t_first_run_ns);
	if (vcon_first_output_ns(vm->console))
		timings_mark(tm, "first_console_byte", vcon_first_output_ns(vm->console));
	close(sfd);
	return vm->status;
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
	/* The kernel tears down the VM, vCPUs and pins with the process. */
	fflush(stdout);
	return status;
}
