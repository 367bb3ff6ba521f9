/* SPDX-License-Identifier: MIT */
/* What the libFuzzer targets in vmm/fuzz share. */
#ifndef MINISEV_FUZZ_H
#define MINISEV_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A result the target does not look at: the call is what is fuzzed. */
#define FUZZ_IGNORE(x)   \
	do {             \
		if (x) { \
		}        \
	} while (0)

#endif /* MINISEV_FUZZ_H */
