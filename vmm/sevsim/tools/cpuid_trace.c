// SPDX-License-Identifier: MIT
/*
 * sevsim-cpuid COMMAND [ARGS...]: run COMMAND with every CPUID instruction
 * of its main executable answered as an SEV host's CPU answers it.
 *
 * Why: a VMM that asks the CPU itself, as QEMU's sev_kvm_init() does with
 * host_cpuid(0x8000001F) to check cbitpos, reads what the CPU under it
 * reports.  The model answers KVM_GET_SUPPORTED_CPUID, but no preload can
 * reach an instruction.  Linux's CPUID faulting (arch_prctl ARCH_SET_CPUID)
 * would, but the nested machine's CPU (QEMU 7.2's TCG) has none, and
 * QEMU 7.2's CPU models report leaf 0x8000001F only for a guest QEMU
 * itself runs under SEV, which TCG cannot.
 *
 * How, as a debugger would: COMMAND runs traced (ptrace), the CPUID
 * instructions of its executable (objdump finds them; cached beside the
 * model's state) trap, and the tracer answers: leaf 0x8000001F as
 * kvmsim.h's model host (SEV, SEV-ES, C-bit 47, one bit of physical
 * address reduction, its ASIDs), leaf 0x80000000 high enough to reach
 * it, every other leaf by executing CPUID itself on the same CPU.  The
 * binary on disk is untouched; its loaded code carries the breakpoints.
 * Shared libraries are not traced (glibc's own CPUID use is unchanged).
 */
#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sevsim/kvmsim.h"

#define MAX_SITES 256

static uint64_t sites[MAX_SITES];
static unsigned int nr_sites;

/* "sevsim-cpuid: WHAT ARG: errno's text", exit 125 (the tracer failed). */
static void die(const char *what, const char *arg)
{
	fprintf(stderr, "sevsim-cpuid: %s %s: %s\n", what, arg, strerror(errno));
	exit(125);
}

/*
 * The CPUID instructions of `exe`, as offsets from its load address:
 * from $SEVSIM_STATE/cpuid-sites.<dev>.<ino>.<size>.<mtime> when that
 * exists (objdump over QEMU takes seconds, tens of them under TCG), else
 * from objdump, and then cached there.
 */
static void find_sites(const char *exe)
{
	const char *state = getenv("SEVSIM_STATE");
	char cache[4096], cmd[8192], line[512];
	unsigned long long off;
	bool cached = false;
	struct stat st;
	FILE *f = NULL;

	if (stat(exe, &st))
		die("cannot stat", exe);
	/* No device number: the nested machine sees the host's files over 9p. */
	snprintf(cache, sizeof(cache), "%s/cpuid-sites.%llu.%lld.%lld", state ? state : "/tmp",
		 (unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtime);
	f = fopen(cache, "r");
	cached = f != NULL;
	if (!f) {
		/* Names with a quote are not run through the shell. */
		if (strchr(exe, '\''))
			die("cannot pass to objdump the name", exe);
		snprintf(
			cmd, sizeof(cmd),
			"objdump -d --no-show-raw-insn '%s' | sed -n 's/^ *\\([0-9a-f]*\\):\\tcpuid *$/\\1/p'",
			exe);
		f = popen(cmd, "r");
		if (!f)
			die("cannot run objdump on", exe);
	}
	while (fgets(line, sizeof(line), f) && nr_sites < MAX_SITES)
		if (sscanf(line, "%llx", &off) == 1)
			sites[nr_sites++] = off;
	if (cached) {
		fclose(f);
		return;
	}
	if (pclose(f) != 0)
		die("objdump failed on", exe);
	f = fopen(cache, "w");
	for (unsigned int i = 0; f && i < nr_sites; i++)
		fprintf(f, "%llx\n", (unsigned long long)sites[i]);
	if (f)
		fclose(f);
}

/* Where the kernel mapped `exe` in `pid`: the start of its offset-0 mapping. */
static uint64_t load_base(pid_t pid, const char *exe)
{
	char path[64], line[4608], name[4096];
	unsigned long long lo, offset;
	uint64_t base = UINT64_MAX;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		die("cannot read", path);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%*x %*s %llx %*s %*s %4095s", &lo, &offset, name) == 3 &&
		    !offset && !strcmp(name, exe) && lo < base)
			base = lo;
	}
	fclose(f);
	return base;
}

/* A non-PIE executable is linked at its addresses: ET_EXEC has base 0. */
static bool is_pie(const char *exe)
{
	unsigned char h[18];
	FILE *f = fopen(exe, "r");
	bool pie = f && fread(h, 1, sizeof(h), f) == sizeof(h) && h[16] == 3; /* ET_DYN */

	if (f)
		fclose(f);
	return pie;
}

static void plant(pid_t pid, uint64_t base)
{
	for (unsigned int i = 0; i < nr_sites; i++) {
		uint64_t a = base + sites[i];
		long w;

		errno = 0;
		w = ptrace(PTRACE_PEEKTEXT, pid, (void *)a, NULL);
		if (errno || (w & 0xffff) != 0xa20f) {
			sites[i] = UINT64_MAX; /* not a CPUID here: leave it */
			continue;
		}
		w = (w & ~0xffL) | 0xcc;
		if (ptrace(PTRACE_POKETEXT, pid, (void *)a, (void *)w))
			die("cannot set a breakpoint in", "the command");
		sites[i] = a;
	}
}

static bool is_site(uint64_t a)
{
	for (unsigned int i = 0; i < nr_sites; i++)
		if (sites[i] == a)
			return true;
	return false;
}

/* CPUID as the model's SEV host answers it. */
static void answer(struct user_regs_struct *r)
{
	uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx, a, b, c, d;

	__cpuid_count(leaf, sub, a, b, c, d);
	if (leaf == 0x80000000 && a < 0x8000001f)
		a = 0x8000001f;
	if (leaf == 0x8000001f) {
		a = (1u << 1) | (1u << 3); /* SEV, SEV-ES */
		b = SEVSIM_CBIT | (1u << 6); /* C-bit; physical address reduction 1 */
		c = SEVSIM_MAX_ASID;
		d = SEVSIM_MIN_SEV_ASID;
	}
	r->rax = a;
	r->rbx = b;
	r->rcx = c;
	r->rdx = d;
	r->rip += 1; /* the trap left it past the int3: now past the 2-byte CPUID */
}

int main(int argc, char **argv)
{
	char exe[4096];
	int status, ret = 125;
	pid_t child, pid;
	ssize_t n;

	if (argc < 2) {
		fprintf(stderr, "usage: sevsim-cpuid COMMAND [ARGS...]\n");
		return 2;
	}
	child = fork();
	if (child < 0)
		die("cannot fork for", argv[1]);
	if (!child) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "sevsim-cpuid: cannot run %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status))
		die("cannot trace", argv[1]);
	ptrace(PTRACE_SETOPTIONS, child, NULL,
	       (void *)(long)(PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL));
	ptrace(PTRACE_CONT, child, NULL, NULL);
	for (;;) {
		struct user_regs_struct r;
		int sig = 0, event;

		pid = waitpid(-1, &status, __WALL);
		if (pid < 0)
			break;
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (pid == child)
				ret = WIFEXITED(status) ? WEXITSTATUS(status) :
							  128 + WTERMSIG(status);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		event = status >> 16;
		if (event == PTRACE_EVENT_EXEC && pid == child) {
			char link[64];

			snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
			n = readlink(link, exe, sizeof(exe) - 1);
			if (n <= 0)
				die("cannot read", link);
			exe[n] = 0;
			find_sites(exe);
			plant(pid, is_pie(exe) ? load_base(pid, exe) : 0);
		} else if (event) {
			/* Clone and the rest: a new thread is traced already. */
		} else if (WSTOPSIG(status) == SIGTRAP && !ptrace(PTRACE_GETREGS, pid, NULL, &r) &&
			   is_site(r.rip - 1)) {
			answer(&r);
			ptrace(PTRACE_SETREGS, pid, NULL, &r);
		} else if (WSTOPSIG(status) != SIGSTOP || pid == child) {
			sig = WSTOPSIG(status); /* the command's own signal */
			if (sig == SIGSTOP && pid == child)
				sig = 0;
		}
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
	}
	return ret;
}
