/* SPDX-License-Identifier: MIT */
/* `minisev run`: options and their parsing (unit-tested). */
#ifndef MINISEV_CMD_RUN_H
#define MINISEV_CMD_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include "minisev/abi.h"

/* Launch mistakes made on purpose (--provoke), for kernel and model tests. */
enum provoke {
	PROVOKE_NONE,
	PROVOKE_INIT_TWICE,
	PROVOKE_NO_START,
	PROVOKE_UPDATE_AFTER_MEASURE,
	PROVOKE_MEASURE_TWICE,
	PROVOKE_SECRET_BEFORE_MEASURE,
	PROVOKE_FINISH_TWICE,
	PROVOKE_DBG_DECRYPT,
	/* Verified Linux boot: the host changes a blob after it was measured. */
	PROVOKE_KERNEL_CHANGED,
	PROVOKE_INITRD_CHANGED,
	PROVOKE_CMDLINE_CHANGED,
};

struct run_opts {
	unsigned int nr_vcpus;
	uint64_t ram_size;
	const char *firmware; /* NULL: firmware.elf beside the binary */
	char tests[MINISEV_TESTSEL_LEN];
	unsigned int timeout_s; /* 0: none */
	unsigned int stall_s; /* no exit for this long: stuck; 0: never */
	const char *timings_path;
	int verbosity;

	/* SEV */
	bool sev, sev_es;
	bool legacy_init;
	bool policy_set;
	uint32_t policy;
	const char *dh_cert_path, *session_path;
	const char *secret_header_path, *secret_path;
	const char *measured_out, *launch_info_path, *vmsa_out;
	bool vmsa_features_set;
	uint64_t vmsa_features; /* INIT2's vmsa_features */
	const char *qmp_path; /* paused launch: serve QMP here after MEASURE */
	enum provoke provoke;

	/* Direct Linux boot instead of the guest tests. */
	const char *kernel, *initrd, *cmdline;
	bool verify; /* through the firmware's verifier even without SEV */
	bool timeout_set, stall_set;
};

/*
 * Parse `minisev run` arguments (argv[0] is "run").  Returns 0, 1 when
 * help was printed, or -EINVAL after printing what is wrong.
 */
int run_parse_args(int argc, char **argv, struct run_opts *o);

#endif /* MINISEV_CMD_RUN_H */
