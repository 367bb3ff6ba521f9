/* SPDX-License-Identifier: MIT */
/*
 * Built-in AMD ARK/ASK certificates, one pair per SEV generation, as
 * generated into builtin_certs.c by scripts/gen-builtin-certs.
 */
#ifndef MINISEV_SEV_BUILTIN_CERTS_H
#define MINISEV_SEV_BUILTIN_CERTS_H

#include <stddef.h>
#include <stdint.h>

enum sev_gen {
	SEV_GEN_NAPLES,
	SEV_GEN_ROME,
	SEV_GEN_MILAN,
	SEV_GEN_GENOA,
	SEV_GEN_TURIN,
	SEV_GEN_COUNT,
};

struct sev_builtin {
	const char *name; /* "naples", ... */
	const uint8_t *ark;
	size_t ark_len;
	const uint8_t *ask;
	size_t ask_len;
};

extern const struct sev_builtin sev_builtins[SEV_GEN_COUNT];

#endif /* MINISEV_SEV_BUILTIN_CERTS_H */
