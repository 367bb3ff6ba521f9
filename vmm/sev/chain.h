/* SPDX-License-Identifier: MIT */
/*
 * The SEV certificate chain ARK -> ASK -> CEK -> PEK <- OCA, PEK -> PDH
 * (sev-crypto.md §3): gathering it from files, directories, sevctl or
 * firmware bundles and the built-in AMD roots, and checking every link.
 */
#ifndef MINISEV_SEV_CHAIN_H
#define MINISEV_SEV_CHAIN_H

#include <stdbool.h>
#include <stdio.h>

#include "sev/builtin_certs.h"
#include "sev/cert.h"

enum sev_chain_slot {
	SEV_C_ARK,
	SEV_C_ASK,
	SEV_C_CEK,
	SEV_C_OCA,
	SEV_C_PEK,
	SEV_C_PDH,
	SEV_C_COUNT,
};

struct sev_chain {
	struct sev_ca_cert ark, ask;
	struct sev_cert cek, oca, pek, pdh;
	bool have[SEV_C_COUNT];
	char src[SEV_C_COUNT][160]; /* where each came from, for messages */
};

enum sev_link_id {
	SEV_LINK_ARK, /* ARK self-signed */
	SEV_LINK_ASK, /* ASK by ARK */
	SEV_LINK_CEK, /* CEK by ASK */
	SEV_LINK_OCA, /* OCA self-signed */
	SEV_LINK_PEK_OCA, /* PEK by OCA */
	SEV_LINK_PEK_CEK, /* PEK by CEK */
	SEV_LINK_PDH, /* PDH by PEK (and the PDH key usable for ECDH) */
	SEV_LINK_COUNT,
};

struct sev_link {
	const char *name; /* "PEK signed by CEK" */
	int ret; /* 0 valid, -ENODATA not checked (certificate missing) */
	int slot; /* slot that verified, -1 for CA certificates */
	char why[SEV_WHY_LEN];
};

struct sev_chain_opts {
	bool any_ark; /* accept an ARK that is none of AMD's built-in ARKs */
	bool partial; /* links whose certificates are missing do not fail */
};

struct sev_chain_report {
	struct sev_link link[SEV_LINK_COUNT];
	int gen; /* enum sev_gen of the ARK, -1 if none matches */
	bool ark_trusted;
	int nwarn;
	char warn[4][SEV_WHY_LEN];
	bool ok; /* the chain holds */
};

const char *sev_chain_slot_name(enum sev_chain_slot s);
void sev_chain_init(struct sev_chain *ch);

/* Load one certificate into a slot, checking its usage fits the slot. */
int __must_check sev_chain_load(struct sev_chain *ch, enum sev_chain_slot s, const char *path,
				struct sev_why *why);
/* Every ark/ask/cek/oca/pek/pdh.cert that a directory holds (at least one). */
int __must_check sev_chain_load_dir(struct sev_chain *ch, const char *dir, struct sev_why *why);
/*
 * A concatenation placed by usage: `sevctl export` (PDH PEK OCA CEK, and
 * with --full ASK ARK), the firmware's PDH_CERT_EXPORT chain (PEK OCA CEK)
 * or AMD's ask_ark_<gen>.cert (ASK ARK).
 */
int __must_check sev_chain_load_bundle(struct sev_chain *ch, const char *path, struct sev_why *why);
/* Copy slot s (certificate, source, presence) from another chain. */
void sev_chain_take(struct sev_chain *dst, const struct sev_chain *src, enum sev_chain_slot s);
/* Parse a built-in ARK or ASK. */
int __must_check sev_builtin_ca(enum sev_gen gen, bool ark, struct sev_ca_cert *out);
/* Generation by name ("milan"), -1 if unknown. */
int sev_gen_by_name(const char *name);
/*
 * The generation whose built-in ASK signed this CEK, or -ENOENT.  Safe
 * because each ASK pins one hash by key size (enarx #520).
 */
int sev_gen_from_cek(const struct sev_cert *cek);
/* Fill missing ARK/ASK from the built-ins of `gen`. */
int __must_check sev_chain_use_builtin(struct sev_chain *ch, enum sev_gen gen);

/*
 * Check every link.  Missing ARK/ASK are taken from the built-ins of the
 * generation the given ARK, ASK or CEK belongs to.  Returns 0 when the
 * chain holds, -EBADMSG when it does not (details in rep).
 */
int sev_chain_verify(struct sev_chain *ch, const struct sev_chain_opts *o,
		     struct sev_chain_report *rep);
void sev_chain_report_print(FILE *f, const struct sev_chain *ch,
			    const struct sev_chain_report *rep);

#endif /* MINISEV_SEV_CHAIN_H */
