/* SPDX-License-Identifier: MIT */
/* `minisev run`: options and their parsing (unit-tested). */
#ifndef MINISEV_CMD_RUN_H
#define MINISEV_CMD_RUN_H

#include <stdint.h>
#include "minisev/abi.h"

struct run_opts {
	unsigned int nr_vcpus;
	uint64_t ram_size;
	const char *firmware; /* NULL: firmware.elf beside the binary */
	char tests[MINISEV_TESTSEL_LEN];
	unsigned int timeout_s; /* 0: none */
	const char *timings_path;
	int verbosity;
};

/*
 * Parse `minisev run` arguments (argv[0] is "run").  Returns 0, 1 when
 * help was printed, or -EINVAL after printing what is wrong.
 */
int run_parse_args(int argc, char **argv, struct run_opts *o);

#endif /* MINISEV_CMD_RUN_H */
