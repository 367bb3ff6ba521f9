// SPDX-License-Identifier: MIT
/*
 * PID 1 of the Linux test initramfs (scripts/mkinitramfs): a static
 * program that brings up the virtio console, checks what the kernel
 * command line asks it to check, prints TAP on /dev/hvc0 and reports the
 * verdict on MINISEV_PORT_EXIT, where the VMM (or QEMU's isa-debug-exit,
 * scripts/qemu-boot-time) ends the VM.
 *
 * Output on hvc0, in this order:
 *	minisev-init: up              the boot-time benchmark stops its clock here
 *	TAP version 13
 *	ok 1 - ... / not ok 1 - ...   module loading first, then the checks
 *	# ...                         diagnostics, anywhere among them
 *	1..N
 *	minisev-init: verdict pass    or "verdict fail (K of N not ok)"
 *
 * Kernel command line (/proc/cmdline; other parameters are ignored):
 *	minisev.sev=off|sev|es  the kernel's "Memory Encryption Features
 *	                        active" line agrees exactly
 *	minisev.cpus=N          N CPUs online
 *	minisev.mem=MIB         MemTotal in [MIB/2, MIB]
 *	minisev.input=TOKEN     one line read from the console equals TOKEN
 *	minisev.shell=1         a busybox shell on the console instead of a
 *	                        verdict
 *
 * PID 1 must never exit (the kernel panics) and must never crash: every
 * failure is a "not ok" line with the errno text, and the program ends in
 * the exit port, a power-off, or pause().
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "minisev/abi.h"

#define HVC_PATH "/dev/hvc0"
#define HVC_WAIT_MS 10000
#define INPUT_WAIT_MS 10000
#define POLL_STEP_MS 10
#define LINE_MAX_LEN 512
#define MAX_PENDING 32

/*
 * In dependency order (modules.dep): each needs the ones before it.  The
 * virtio_pci three are only in an initramfs made with --with-pci, for
 * QEMU's q35 (scripts/qemu-boot-time); minisev has no PCI.
 */
static const struct {
	const char *name;
	bool optional; /* absent from the initramfs: skip it quietly */
} modules[] = {
	{ "virtio_ring", false }, /* the virtqueues */
	{ "virtio", false }, /* the bus */
	{ "virtio_mmio", false }, /* the transport minisev and microvm use, found by ACPI */
	{ "virtio_pci_legacy_dev", true }, /* q35's transport, and its two helpers */
	{ "virtio_pci_modern_dev", true },
	{ "virtio_pci", true },
	{ "virtio_console", false }, /* hvc0 */
};

/* What the command line asks for; NULL or -1 when it does not. */
static struct {
	const char *sev;
	long cpus;
	long mem_mib;
	const char *input;
	bool shell;
} want = { .cpus = -1, .mem_mib = -1 };

static char cmdline[4096];
static bool out_ready; /* fd 1 is the console: results go straight out */
static int tests_run, tests_failed;

/* Results made before the console exists, printed once it does. */
static char pending[MAX_PENDING][LINE_MAX_LEN];
static int npending;

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nowhere else to say it */
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * Everything goes through here: straight to the console once it is fd 1,
 * into @pending before (module loading runs before hvc0 exists).
 */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char line[LINE_MAX_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (out_ready)
		write_all(STDOUT_FILENO, line, (size_t)n);
	else if (npending < MAX_PENDING)
		memcpy(pending[npending++], line, (size_t)n + 1);
}

/* One TAP result; returns @ok. */
static bool __attribute__((format(printf, 2, 3))) report(bool ok, const char *fmt, ...)
{
	char desc[LINE_MAX_LEN - 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	tests_run++;
	if (!ok)
		tests_failed++;
	say("%sok %d - %s\n", ok ? "" : "not ", tests_run, desc);
	return ok;
}

static void flush_pending(void)
{
	int i;

	for (i = 0; i < npending; i++)
		write_all(STDOUT_FILENO, pending[i], strlen(pending[i]));
	npending = 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Reads a small file into @buf, NUL-terminated; returns its length or -errno. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return (ssize_t)len;
}

static void mount_one(const char *src, const char *dir, const char *type, unsigned long flags)
{
	/* A diagnostic only: the checks that need the mount fail on their own. */
	mkdir(dir, 0755);
	if (mount(src, dir, type, flags, NULL) < 0 && errno != EBUSY)
		say("# mount %s on %s: %s\n", type, dir, strerror(errno));
}

/*
 * When the kernel could not open /dev/console (console=hvc0 before the
 * virtio_console module is loaded), PID 1 starts without fds 0-2, and the
 * next open() would take fd 0 only for dup2() to close it later.  Holding
 * them with /dev/null keeps every other file above 2.
 */
static void reserve_std_fds(void)
{
	int fd;

	do {
		fd = open("/dev/null", O_RDWR);
	} while (fd >= 0 && fd <= STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static void early_marker(void)
{
	static const char msg[] = "minisev-init: started, loading virtio modules\n";
	/* Not our controlling tty (that is hvc0's job); never block here. */
	int fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return; /* expected while the console is an hvc without its driver */
	write_all(fd, msg, sizeof(msg) - 1);
	close(fd);
}

/* Finds @file below @dir (the initramfs keeps the kernel's tree). */
static bool find_module(const char *dir, const char *file, char *path, size_t size, int depth)
{
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (depth > 8)
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char sub[512];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
			continue;
		if (lstat(sub, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			found = find_module(sub, file, path, size, depth + 1);
		} else if (S_ISREG(st.st_mode) && !strcmp(de->d_name, file)) {
			snprintf(path, size, "%s", sub);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/* True when modules.builtin (shipped by mkinitramfs) names @name. */
static bool module_builtin(const char *moddir, const char *name)
{
	char path[512], line[256], want_file[80];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/modules.builtin", moddir);
	snprintf(want_file, sizeof(want_file), "/%s.ko", name);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");
		size_t wlen = strlen(want_file);

		line[len] = '\0';
		found = len >= wlen && !strcmp(line + len - wlen, want_file);
	}
	fclose(f);
	return found;
}

static void load_modules(void)
{
	char moddir[300], path[512], file[80], sysdir[128];
	struct utsname uts;
	size_t i;

	if (uname(&uts) < 0) {
		report(false, "uname: %s", strerror(errno));
		return;
	}
	snprintf(moddir, sizeof(moddir), "/lib/modules/%s", uts.release);
	for (i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		const char *name = modules[i].name;
		int fd;

		snprintf(file, sizeof(file), "%s.ko", name);
		snprintf(sysdir, sizeof(sysdir), "/sys/module/%s", name);
		if (!find_module(moddir, file, path, sizeof(path), 0)) {
			if (modules[i].optional)
				continue;
			/*
			 * A kernel with the driver built in has no .ko to
			 * ship; modules.builtin says so, and /sys/module has
			 * the built-in drivers that have parameters.
			 */
			if (module_builtin(moddir, name) || access(sysdir, F_OK) == 0)
				report(true, "module %s: built in", name);
			else
				report(false, "module %s: no %s under %s and not built in", name,
				       file, moddir);
			continue;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			report(false, "module %s: open %s: %s", name, path, strerror(errno));
			continue;
		}
		if (syscall(SYS_finit_module, fd, "", 0) == 0)
			report(true, "module %s: loaded", name);
		else if (errno == EEXIST)
			report(true, "module %s: already loaded", name);
		else
			report(false, "module %s: finit_module %s: %s", name, path,
			       strerror(errno));
		close(fd);
	}
}

/* True when one of virtio_console's debugfs port files has @a and @b. */
static bool port_file_says(const char *dir, const char *a, const char *b)
{
	struct dirent *de;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char path[300], buf[512];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		found = read_small(path, buf, sizeof(buf)) > 0 && strstr(buf, a) && strstr(buf, b);
	}
	closedir(d);
	return found;
}

/*
 * Linux 6.1's virtio_console makes hvc0 openable (hvc_alloc(), which also
 * replays the kernel log onto it) a moment before it lists the port for
 * its open hook (init_port_console()).  An open in that window fails with
 * EINVAL and leaks hvc's open count; every later open then takes
 * hvc_open()'s fast path without attaching the tty, so output works but
 * input never arrives.  The port's debugfs file says "guest_connected: 1"
 * only once it is listed: wait for that first.  Only multiport devices
 * (QEMU's) announce the console port from a work item; a single-port one
 * (minisev's) is set up before finit_module() returns.
 */
static void wait_console_port(void)
{
	static const char dir[] = "/sys/kernel/debug/virtio-ports";
	int waited;

	if (mount("debugfs", "/sys/kernel/debug", "debugfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0 &&
	    errno != EBUSY) {
		say("# mount debugfs: %s: opening %s without waiting for its port\n",
		    strerror(errno), HVC_PATH);
		return;
	}
	for (waited = 0; waited < HVC_WAIT_MS; waited += POLL_STEP_MS) {
		if (port_file_says(dir, "is_console: yes", "guest_connected: 1"))
			return;
		sleep_ms(POLL_STEP_MS);
	}
	say("# no console port in %s after %d s\n", dir, HVC_WAIT_MS / 1000);
}

/*
 * Makes /dev/hvc0 fds 0-2 and our controlling terminal (busybox sh wants
 * one for job control and ^C).  Returns false when it never opened.  The
 * node appears with hvc's tty driver, before any hvc_struct: open() says
 * ENODEV until there is one, so retry any error for a while.
 */
static bool open_console(int *err)
{
	int waited = 0, raced = 0, fd;

	setsid(); /* fails harmlessly if PID 1 already leads its session */
	for (;;) {
		fd = open(HVC_PATH, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			break;
		*err = errno;
		if (errno == EINVAL && !raced++)
			say("# open %s: EINVAL, virtio_console was not ready: input may be lost\n",
			    HVC_PATH);
		if (waited >= HVC_WAIT_MS)
			return false;
		sleep_ms(POLL_STEP_MS);
		waited += POLL_STEP_MS;
	}
	ioctl(fd, TIOCSCTTY, 0);
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	return true;
}

/* Falls back to /dev/console (e.g. ttyS0) so that a missing hvc0 is still seen. */
static void open_fallback_console(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static void parse_cmdline(void)
{
	ssize_t len = read_small("/proc/cmdline", cmdline, sizeof(cmdline));
	char *tok, *save = NULL;

	if (len < 0) {
		report(false, "read /proc/cmdline: %s", strerror((int)-len));
		return;
	}
	for (tok = strtok_r(cmdline, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		char *end;

		if (!strncmp(tok, "minisev.sev=", 12)) {
			want.sev = tok + 12;
		} else if (!strncmp(tok, "minisev.cpus=", 13)) {
			want.cpus = strtol(tok + 13, &end, 10);
			if (*end || end == tok + 13 || want.cpus <= 0) {
				report(false, "minisev.cpus=%s: not a positive number", tok + 13);
				want.cpus = -1;
			}
		} else if (!strncmp(tok, "minisev.mem=", 12)) {
			want.mem_mib = strtol(tok + 12, &end, 10);
			if (*end || end == tok + 12 || want.mem_mib <= 0) {
				report(false, "minisev.mem=%s: not a positive number", tok + 12);
				want.mem_mib = -1;
			}
		} else if (!strncmp(tok, "minisev.input=", 14)) {
			want.input = tok + 14;
		} else if (!strcmp(tok, "minisev.shell=1")) {
			want.shell = true;
		}
	}
}

static void check_driver_bound(void)
{
	const char *dir = "/sys/bus/virtio/drivers/virtio_console";
	struct dirent *de;
	bool bound = false;
	DIR *d = opendir(dir);

	if (!d) {
		report(false, "virtio_console driver registered: %s: %s", dir, strerror(errno));
		return;
	}
	/* Each bound device is a link named after it: virtio0, virtio1, ... */
	while (!bound && (de = readdir(d)))
		bound = !strncmp(de->d_name, "virtio", 6) && isdigit((unsigned char)de->d_name[6]);
	closedir(d);
	report(bound, "virtio_console driver bound to a device");
}

enum sev_seen {
	SEV_SEEN_NONE, /* no memory-encryption line: a plain guest */
	SEV_SEEN_OTHER, /* a line, but without SEV (SME, TDX) */
	SEV_SEEN_SEV,
	SEV_SEEN_ES,
	SEV_SEEN_SNP, /* minisev never asks for it: always a mismatch */
};

/*
 * The kernel prints its memory-encryption features once, early, as
 * "Memory Encryption Features active: AMD SEV SEV-ES" (the form since
 * 5.19, Debian's 6.1 included) or "AMD Memory Encryption Features active:
 * SEV SEV-ES" (before).  Reading the words after the colon covers both.
 * Copies those words into @features; modifies @log.
 */
static enum sev_seen sev_from_log(char *log, char *features, size_t size)
{
	static const char key[] = "Memory Encryption Features active:";
	bool sev = false, es = false, snp = false;
	char *p = strstr(log, key), *save = NULL, *w;

	features[0] = '\0';
	if (!p)
		return SEV_SEEN_NONE;
	p += sizeof(key) - 1;
	p[strcspn(p, "\n")] = '\0';
	snprintf(features, size, "%s", p);
	for (w = strtok_r(p, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		sev |= !strcmp(w, "SEV");
		es |= !strcmp(w, "SEV-ES");
		snp |= !strcmp(w, "SEV-SNP");
	}
	if (snp)
		return SEV_SEEN_SNP;
	if (sev && es)
		return SEV_SEEN_ES;
	return sev ? SEV_SEEN_SEV : SEV_SEEN_OTHER;
}

static void check_sev(void)
{
	enum sev_seen want_seen, seen;
	char features[128];
	char *log;
	int size, len;

	if (!strcmp(want.sev, "off")) {
		want_seen = SEV_SEEN_NONE;
	} else if (!strcmp(want.sev, "sev")) {
		want_seen = SEV_SEEN_SEV;
	} else if (!strcmp(want.sev, "es")) {
		want_seen = SEV_SEEN_ES;
	} else {
		report(false, "minisev.sev=%s: expected off, sev or es", want.sev);
		return;
	}
	size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (size <= 0)
		size = 1 << 20;
	log = malloc((size_t)size + 1);
	if (!log) {
		report(false, "sev=%s: no memory for the kernel log", want.sev);
		return;
	}
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, size);
	if (len < 0) {
		report(false, "sev=%s: klogctl(READ_ALL): %s", want.sev, strerror(errno));
		goto out;
	}
	log[len] = '\0';
	/* A log that wrapped has lost its first lines: "absent" would be a guess. */
	if (!strstr(log, "Linux version ")) {
		report(false, "sev=%s: the kernel log wrapped, its start is lost", want.sev);
		goto out;
	}
	seen = sev_from_log(log, features, sizeof(features));
	if (seen == SEV_SEEN_NONE)
		report(want_seen == seen, "sev=%s: no memory encryption line in the kernel log",
		       want.sev);
	else
		report(want_seen == seen, "sev=%s: kernel log says \"active:%s\"", want.sev,
		       features);
out:
	free(log);
}

/* Counts the CPUs of a sysfs cpulist such as "0-3,5"; -1 if malformed. */
static long count_cpulist(const char *s)
{
	long count = 0;

	while (*s && *s != '\n') {
		char *end;
		long lo = strtol(s, &end, 10), hi = lo;

		if (end == s || lo < 0)
			return -1;
		s = end;
		if (*s == '-') {
			hi = strtol(s + 1, &end, 10);
			if (end == s + 1 || hi < lo)
				return -1;
			s = end;
		}
		count += hi - lo + 1;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -1;
	}
	return count;
}

static void check_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN), listed;
	char buf[256];
	ssize_t len;

	report(n == want.cpus, "cpus=%ld: sysconf(_SC_NPROCESSORS_ONLN) says %ld", want.cpus, n);
	len = read_small("/sys/devices/system/cpu/online", buf, sizeof(buf));
	if (len < 0) {
		report(false, "cpus=%ld: /sys/devices/system/cpu/online: %s", want.cpus,
		       strerror((int)-len));
		return;
	}
	buf[strcspn(buf, "\n")] = '\0';
	listed = count_cpulist(buf);
	report(listed == want.cpus, "cpus=%ld: /sys/devices/system/cpu/online is \"%s\" (%ld)",
	       want.cpus, buf, listed);
}

static void check_mem(void)
{
	char buf[4096], *p;
	long long kib;
	ssize_t len;

	len = read_small("/proc/meminfo", buf, sizeof(buf));
	if (len < 0) {
		report(false, "mem=%ld: /proc/meminfo: %s", want.mem_mib, strerror((int)-len));
		return;
	}
	p = strstr(buf, "MemTotal:");
	if (!p || sscanf(p, "MemTotal: %lld kB", &kib) != 1) {
		report(false, "mem=%ld: no MemTotal in /proc/meminfo", want.mem_mib);
		return;
	}
	/* The kernel keeps its image, page tables and reservations out of MemTotal. */
	report(kib <= want.mem_mib * 1024LL && kib >= want.mem_mib * 1024LL / 2,
	       "mem=%ld: MemTotal %lld KiB within [%lld, %lld]", want.mem_mib, kib,
	       want.mem_mib * 1024LL / 2, want.mem_mib * 1024LL);
}

/* Reads one line from the console within INPUT_WAIT_MS; -errno, or -ETIMEDOUT. */
static int read_line(char *buf, size_t size)
{
	struct timespec start, now;
	size_t len = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (len + 1 < size) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		long left;
		ssize_t n;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = INPUT_WAIT_MS - ((now.tv_sec - start.tv_sec) * 1000L +
					(now.tv_nsec - start.tv_nsec) / 1000000L);
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = read(STDIN_FILENO, buf + len, size - 1 - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break; /* end of input: take what came */
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static void check_input(void)
{
	char line[LINE_MAX_LEN];
	int err = read_line(line, sizeof(line));

	if (err == -ETIMEDOUT)
		report(false, "input: no line within %d s", INPUT_WAIT_MS / 1000);
	else if (err < 0)
		report(false, "input: read: %s", strerror(-err));
	else
		report(!strcmp(line, want.input), "input: read \"%.64s\", expected \"%.64s\"", line,
		       want.input);
}

/*
 * A child runs the shell, so that leaving it powers the VM off instead of
 * killing PID 1 (a kernel panic).  It owns the console as its
 * controlling terminal; PID 1 only reaps.
 */
static void run_shell(void)
{
	pid_t pid, w;
	int status;

	say("minisev-init: minisev.shell=1, starting /bin/sh; exit it to power off\n");
	pid = fork();
	if (pid < 0) {
		say("minisev-init: fork: %s\n", strerror(errno));
		return;
	}
	if (pid == 0) {
		char *const argv[] = { "sh", NULL };
		char *const envp[] = { "PATH=/bin:/sbin", "HOME=/", "TERM=linux", NULL };

		setsid();
		ioctl(STDIN_FILENO, TIOCSCTTY, 1);
		execve("/bin/sh", argv, envp);
		say("minisev-init: exec /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	/* Reap everything: orphans of the shell become our children too. */
	while ((w = wait(&status)) != pid)
		if (w < 0 && errno != EINTR)
			break;
}

static void __attribute__((noreturn)) finish(unsigned int verdict)
{
	/* The VM ends at the OUT: let the tty hand every byte to the device first. */
	tcdrain(STDOUT_FILENO);
	if (ioperm(MINISEV_PORT_EXIT, 4, 1) == 0)
		outl(verdict, MINISEV_PORT_EXIT);
	else
		say("# ioperm(0x%x): %s\n", MINISEV_PORT_EXIT, strerror(errno));
	say("# the exit port did not stop the VM; powering off\n");
	tcdrain(STDOUT_FILENO);
	sync();
	reboot(RB_POWER_OFF);
	say("# reboot(RB_POWER_OFF): %s\n", strerror(errno));
	for (;;)
		pause();
}

int main(void)
{
	bool have_hvc;
	int hvc_err = 0;

	mount_one("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_one("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC);
	reserve_std_fds();
	early_marker();

	load_modules();
	wait_console_port();
	have_hvc = open_console(&hvc_err);
	if (!have_hvc)
		open_fallback_console();
	parse_cmdline();
	if (want.input && !want.shell) {
		struct termios t;

		/*
		 * The host's line would come back as an echo in the output
		 * it parses.  Input that arrived before this point may
		 * already have been echoed; the line itself is not lost.
		 */
		if (tcgetattr(STDIN_FILENO, &t) == 0) {
			t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
			tcsetattr(STDIN_FILENO, TCSANOW, &t);
		}
	}

	out_ready = true;
	say("minisev-init: up\n");
	say("TAP version 13\n");
	flush_pending();
	if (have_hvc)
		report(true, "console %s found", HVC_PATH);
	else
		report(false, "console %s: %s (waited up to %d s)", HVC_PATH, strerror(hvc_err),
		       HVC_WAIT_MS / 1000);
	check_driver_bound();

	if (want.shell) {
		run_shell();
		finish(MINISEV_EXIT_PASS);
	}
	if (want.sev)
		check_sev();
	if (want.cpus > 0)
		check_cpus();
	if (want.mem_mib > 0)
		check_mem();
	if (want.input)
		check_input();

	say("1..%d\n", tests_run);
	if (tests_failed)
		say("minisev-init: verdict fail (%d of %d not ok)\n", tests_failed, tests_run);
	else
		say("minisev-init: verdict pass\n");
	finish(tests_failed ? MINISEV_EXIT_FAIL : MINISEV_EXIT_PASS);
}
