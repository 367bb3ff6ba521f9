// SPDX-License-Identifier: MIT
/*
 * minisev: boot tiny guests on KVM, with or without AMD SEV / SEV-ES, and
 * the SEV platform and guest-owner tools.  This file only dispatches.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "kvm_info.h"
#include "minisev/abi.h"
#include "run.h"
#include "sev/commands.h"

static void usage(FILE *f)
{
	fputs("usage: minisev COMMAND [ARGS...]\n"
	      "\n"
	      "commands:\n"
	      "  run        boot the firmware and its guest tests (see 'minisev run --help')\n"
	      "  platform   SEV platform: status, export, verify, ... (see 'minisev platform help')\n"
	      "  owner      guest owner: session, measure, verify, secret (see 'minisev owner help')\n"
	      "  kvm-info   which KVM /dev/kvm is and what its probes found ([--json])\n"
	      "  help       this text\n",
	      f);
}

int main(int argc, char **argv)
{
	/*
	 * A closed stdout (minisev run | head) must come back as EPIPE, which
	 * the console turns into a clean end, not kill the process.
	 */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return MINISEV_STATUS_USAGE;
	}
	if (!strcmp(argv[1], "run"))
		return run_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "platform"))
		return platform_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "kvm-info"))
		return kvm_info_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "owner"))
		return owner_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "minisev: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return MINISEV_STATUS_USAGE;
}
