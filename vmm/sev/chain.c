// SPDX-License-Identifier: MIT
/*
 * Chain assembly and verification.  Who signs whom: FW sev_cert.c
 * sev_cert_validate, virtee/sev certs/sev/chain.rs and ca/chain.rs,
 * sev-tool validate_cert_chain (sev-crypto.md §3).  The trust anchor is an
 * ARK equal to one of AMD's built-in ARKs: a self-signature alone proves
 * nothing about who made the key.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sev/chain.h"
#include "util.h"

static const char *const slot_names[SEV_C_COUNT] = {
	"ark", "ask", "cek", "oca", "pek", "pdh",
};

static const uint32_t slot_usage[SEV_C_COUNT] = {
	SEV_USAGE_ARK, SEV_USAGE_ASK, SEV_USAGE_CEK, SEV_USAGE_OCA, SEV_USAGE_PEK, SEV_USAGE_PDH,
};

const char *sev_chain_slot_name(enum sev_chain_slot s)
{
	return s < SEV_C_COUNT ? slot_names[s] : "?";
}

void sev_chain_init(struct sev_chain *ch)
{
	memset(ch, 0, sizeof(*ch));
}

static struct sev_cert *sev_slot(struct sev_chain *ch, enum sev_chain_slot s)
{
	switch (s) {
	case SEV_C_CEK:
		return &ch->cek;
	case SEV_C_OCA:
		return &ch->oca;
	case SEV_C_PEK:
		return &ch->pek;
	case SEV_C_PDH:
		return &ch->pdh;
	default:
		return NULL;
	}
}

static void set_src(struct sev_chain *ch, enum sev_chain_slot s, const char *fmt, ...)
	__printf(3, 4);
static void set_src(struct sev_chain *ch, enum sev_chain_slot s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ch->src[s], sizeof(ch->src[s]), fmt, ap);
	va_end(ap);
}

int sev_chain_load(struct sev_chain *ch, enum sev_chain_slot s, const char *path,
		   struct sev_why *why)
{
	struct sev_ca_cert *ca = s == SEV_C_ARK ? &ch->ark : &ch->ask;
	uint32_t usage;
	int ret;

	if (s == SEV_C_ARK || s == SEV_C_ASK) {
		ret = sev_ca_cert_load(path, ca, why);
		if (ret)
			return ret;
		usage = ca->usage;
	} else {
		ret = sev_cert_load(path, sev_slot(ch, s), why);
		if (ret)
			return ret;
		usage = sev_cert_usage(sev_slot(ch, s));
	}
	if (usage != slot_usage[s])
		return sev_why_set(why, -EINVAL, "%s: holds a %s certificate, expected %s", path,
				   sev_usage_name(usage), sev_usage_name(slot_usage[s]));
	ch->have[s] = true;
	set_src(ch, s, "%s", path);
	return 0;
}

int sev_chain_load_dir(struct sev_chain *ch, const char *dir, struct sev_why *why)
{
	char path[PATH_MAX];
	struct stat st;
	int found = 0, ret;

	if (stat(dir, &st) < 0)
		return sev_why_set(why, -errno, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sev_why_set(why, -ENOTDIR, "%s: not a directory", dir);
	for (int s = 0; s < SEV_C_COUNT; s++) {
		if (snprintf(path, sizeof(path), "%s/%s.cert", dir, slot_names[s]) >=
		    (int)sizeof(path))
			return sev_why_set(why, -ENAMETOOLONG, "%s: path too long", dir);
		if (access(path, F_OK) < 0)
			continue;
		ret = sev_chain_load(ch, s, path, why);
		if (ret)
			return ret;
		found++;
	}
	if (!found)
		return sev_why_set(
			why, -ENOENT,
			"%s: holds none of ark.cert ask.cert cek.cert oca.cert pek.cert pdh.cert",
			dir);
	return 0;
}

static int place_sev(struct sev_chain *ch, const uint8_t *p, const char *path, size_t off,
		     struct sev_why *why)
{
	struct sev_cert c;
	int s;

	if (sev_cert_parse(p, SEV_CERT_SIZE, &c, why)) {
		sev_why_prefix(why, "%s: certificate at offset %zu", path, off);
		return -EINVAL;
	}
	for (s = SEV_C_CEK; s < SEV_C_COUNT; s++)
		if (slot_usage[s] == sev_cert_usage(&c))
			break;
	if (ch->have[s])
		return sev_why_set(why, -EINVAL, "%s: second %s certificate at offset %zu", path,
				   sev_usage_name(slot_usage[s]), off);
	*sev_slot(ch, s) = c;
	ch->have[s] = true;
	set_src(ch, s, "%s@%zu", path, off);
	return 0;
}

int sev_chain_load_bundle(struct sev_chain *ch, const char *path, struct sev_why *why)
{
	size_t len, off = 0;
	uint8_t *buf;
	int ret;

	ret = sev_file_load(path, 6 * SEV_CERT_SIZE + 2 * SEV_CA_SIZE_4096, &buf, &len, why);
	if (ret)
		return ret;
	while (off < len) {
		const uint8_t *p = buf + off;
		size_t left = len - off, used;
		struct sev_ca_cert ca;
		uint32_t u = left >= 0x0c ? sev_le32(p + SEV_CERT_OFF_USAGE) : 0;
		int s;

		/* SEV certificates carry their usage at 0x08. */
		if (left >= SEV_CERT_SIZE && u >= SEV_USAGE_OCA && u <= SEV_USAGE_CEK) {
			ret = place_sev(ch, p, path, off, why);
			if (ret)
				goto out;
			off += SEV_CERT_SIZE;
			continue;
		}
		ret = sev_ca_cert_parse(p, left, &ca, &used, why);
		if (ret) {
			sev_why_prefix(
				why, "%s: at offset %zu (neither a SEV nor an AMD CA certificate)",
				path, off);
			goto out;
		}
		s = ca.usage == SEV_USAGE_ARK ? SEV_C_ARK : SEV_C_ASK;
		if (ch->have[s]) {
			ret = sev_why_set(why, -EINVAL, "%s: second %s at offset %zu", path,
					  sev_usage_name(ca.usage), off);
			goto out;
		}
		if (s == SEV_C_ARK)
			ch->ark = ca;
		else
			ch->ask = ca;
		ch->have[s] = true;
		set_src(ch, s, "%s@%zu", path, off);
		off += used;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

void sev_chain_take(struct sev_chain *dst, const struct sev_chain *src, enum sev_chain_slot s)
{
	if (s == SEV_C_ARK)
		dst->ark = src->ark;
	else if (s == SEV_C_ASK)
		dst->ask = src->ask;
	else
		*sev_slot(dst, s) = *sev_slot((struct sev_chain *)src, s);
	dst->have[s] = src->have[s];
	memcpy(dst->src[s], src->src[s], sizeof(dst->src[s]));
}

int sev_builtin_ca(enum sev_gen gen, bool ark, struct sev_ca_cert *out)
{
	const struct sev_builtin *b = &sev_builtins[gen];

	if (gen >= SEV_GEN_COUNT)
		return -EINVAL;
	return sev_ca_cert_parse(ark ? b->ark : b->ask, ark ? b->ark_len : b->ask_len, out, NULL,
				 NULL);
}

int sev_gen_by_name(const char *name)
{
	for (int g = 0; g < SEV_GEN_COUNT; g++)
		if (!strcasecmp(name, sev_builtins[g].name))
			return g;
	return -1;
}

int sev_gen_from_cek(const struct sev_cert *cek)
{
	for (int g = 0; g < SEV_GEN_COUNT; g++) {
		struct sev_ca_cert ask;
		struct sev_key k;
		int ret;

		if (sev_builtin_ca(g, false, &ask) || sev_key_from_ca(&ask, &k, NULL))
			continue;
		ret = sev_cert_verify(&k, cek, NULL, NULL);
		sev_key_free(&k);
		if (ret == 0)
			return g;
	}
	return -ENOENT;
}

int sev_chain_use_builtin(struct sev_chain *ch, enum sev_gen gen)
{
	int ret;

	if (gen >= SEV_GEN_COUNT)
		return -EINVAL;
	if (!ch->have[SEV_C_ARK]) {
		ret = sev_builtin_ca(gen, true, &ch->ark);
		if (ret)
			return ret;
		ch->have[SEV_C_ARK] = true;
		set_src(ch, SEV_C_ARK, "built-in %s ARK", sev_builtins[gen].name);
	}
	if (!ch->have[SEV_C_ASK]) {
		ret = sev_builtin_ca(gen, false, &ch->ask);
		if (ret)
			return ret;
		ch->have[SEV_C_ASK] = true;
		set_src(ch, SEV_C_ASK, "built-in %s ASK", sev_builtins[gen].name);
	}
	return 0;
}

/* Which built-in ARK is this one (same key), or -1. */
static int builtin_ark_gen(const struct sev_ca_cert *ark)
{
	for (int g = 0; g < SEV_GEN_COUNT; g++) {
		struct sev_ca_cert b;

		if (sev_builtin_ca(g, true, &b) == 0 && sev_ca_cert_same_key(&b, ark))
			return g;
	}
	return -1;
}

/* The generation an incomplete chain belongs to, or -1. */
static int guess_gen(const struct sev_chain *ch)
{
	int g;

	if (ch->have[SEV_C_ARK] && (g = builtin_ark_gen(&ch->ark)) >= 0)
		return g;
	if (ch->have[SEV_C_ASK]) {
		for (g = 0; g < SEV_GEN_COUNT; g++) {
			struct sev_ca_cert b;

			if (sev_builtin_ca(g, true, &b) == 0 &&
			    !memcmp(b.raw + SEV_CA_OFF_KEY_ID,
				    ch->ask.raw + SEV_CA_OFF_CERTIFYING_ID, SEV_CA_KEY_ID_SIZE))
				return g;
		}
	}
	if (ch->have[SEV_C_CEK] && (g = sev_gen_from_cek(&ch->cek)) >= 0)
		return g;
	return -1;
}

static void link_set(struct sev_link *l, int ret, const char *fmt, ...) __printf(3, 4);
static void link_set(struct sev_link *l, int ret, const char *fmt, ...)
{
	va_list ap;

	l->ret = ret;
	va_start(ap, fmt);
	vsnprintf(l->why, sizeof(l->why), fmt, ap);
	va_end(ap);
}

static void warn(struct sev_chain_report *rep, const char *fmt, ...) __printf(2, 3);
static void warn(struct sev_chain_report *rep, const char *fmt, ...)
{
	va_list ap;

	if (rep->nwarn >= (int)ARRAY_SIZE(rep->warn))
		return;
	va_start(ap, fmt);
	vsnprintf(rep->warn[rep->nwarn++], SEV_WHY_LEN, fmt, ap);
	va_end(ap);
}

/* Check a SEV certificate link: `child` signed by `key`. */
static void check_sev_link(struct sev_link *l, const struct sev_key *key, int key_ret,
			   const char *key_why, const char *signer, const struct sev_cert *child)
{
	struct sev_why why = { "" };
	int ret;

	if (key_ret) {
		link_set(l, key_ret, "cannot check: %s key unusable: %s", signer, key_why);
		return;
	}
	ret = sev_cert_verify(key, child, &l->slot, &why);
	link_set(l, ret, "%s", ret ? why.msg : "");
}

static void lint_slots(struct sev_chain_report *rep, const char *name, const struct sev_cert *c)
{
	struct sev_why why = { "" };

	if (sev_cert_check_slots(c, &why))
		warn(rep, "%s: %s (the firmware would say BAD_SIGNATURE)", name, why.msg);
}

int sev_chain_verify(struct sev_chain *ch, const struct sev_chain_opts *o,
		     struct sev_chain_report *rep)
{
	static const char *const names[SEV_LINK_COUNT] = {
		"ARK self-signed",   "ASK signed by ARK", "CEK signed by ASK", "OCA self-signed",
		"PEK signed by OCA", "PEK signed by CEK", "PDH signed by PEK",
	};
	struct sev_key k[SEV_C_COUNT];
	struct sev_why kwhy[SEV_C_COUNT];
	int kret[SEV_C_COUNT];
	struct sev_why why;
	int g, i, ret;

	memset(rep, 0, sizeof(*rep));
	memset(k, 0, sizeof(k));
	memset(kwhy, 0, sizeof(kwhy));
	for (i = 0; i < SEV_LINK_COUNT; i++) {
		rep->link[i].name = names[i];
		rep->link[i].slot = -1;
	}

	g = guess_gen(ch);
	if (g >= 0 && (!ch->have[SEV_C_ARK] || !ch->have[SEV_C_ASK]))
		(void)!sev_chain_use_builtin(ch, g);

	/* Keys of every present certificate (signers and the PDH). */
	for (i = 0; i < SEV_C_COUNT; i++) {
		kret[i] = -ENODATA;
		if (!ch->have[i])
			continue;
		if (i == SEV_C_ARK)
			kret[i] = sev_key_from_ca(&ch->ark, &k[i], &kwhy[i]);
		else if (i == SEV_C_ASK)
			kret[i] = sev_key_from_ca(&ch->ask, &k[i], &kwhy[i]);
		else
			kret[i] = sev_key_from_cert(sev_slot(ch, i), &k[i], &kwhy[i]);
	}

	{
		/* Default verdicts: which certificate each link lacks. */
		static const enum sev_chain_slot need[SEV_LINK_COUNT][2] = {
			{ SEV_C_ARK, SEV_C_ARK }, { SEV_C_ASK, SEV_C_ARK },
			{ SEV_C_CEK, SEV_C_ASK }, { SEV_C_OCA, SEV_C_OCA },
			{ SEV_C_PEK, SEV_C_OCA }, { SEV_C_PEK, SEV_C_CEK },
			{ SEV_C_PDH, SEV_C_PEK },
		};

		for (i = 0; i < SEV_LINK_COUNT; i++) {
			enum sev_chain_slot m = !ch->have[need[i][0]] ? need[i][0] : need[i][1];

			link_set(&rep->link[i], -ENODATA, "not checked: no %s certificate",
				 sev_usage_name(slot_usage[m]));
		}
	}
	/* An unsigned CEK (as the platform exports it) never chains. */
	if (ch->have[SEV_C_CEK] && !ch->have[SEV_C_ASK] && sev_cert_slot_empty(&ch->cek, 0) &&
	    sev_cert_slot_empty(&ch->cek, 1))
		link_set(
			&rep->link[SEV_LINK_CEK], -ENOENT,
			"not signed: both signature slots are empty (the platform exports its CEK unsigned; AMD KDS has the signed one)");

	if (ch->have[SEV_C_ARK]) {
		struct sev_link *l = &rep->link[SEV_LINK_ARK];

		if (kret[SEV_C_ARK])
			link_set(l, kret[SEV_C_ARK], "ARK key unusable: %s", kwhy[SEV_C_ARK].msg);
		else {
			why.msg[0] = '\0';
			ret = sev_ca_cert_verify(&k[SEV_C_ARK], &ch->ark, &why);
			link_set(l, ret, "%s", ret ? why.msg : "");
		}
		rep->gen = builtin_ark_gen(&ch->ark);
		rep->ark_trusted = rep->gen >= 0 || o->any_ark;
		if (rep->gen >= 0 && !ch->ark.has_sig)
			warn(rep,
			     "the unsigned ARK has the key of the built-in %s ARK: leave it out to use the built-in one",
			     sev_builtins[rep->gen].name);
	} else {
		rep->gen = -1;
		link_set(
			&rep->link[SEV_LINK_ARK], -ENODATA,
			"not checked: no ARK given and none of the built-in ASKs signed the CEK (use --gen)");
	}
	if (ch->have[SEV_C_ASK] && ch->have[SEV_C_ARK]) {
		struct sev_link *l = &rep->link[SEV_LINK_ASK];

		if (kret[SEV_C_ARK])
			link_set(l, kret[SEV_C_ARK], "cannot check: ARK key unusable");
		else {
			why.msg[0] = '\0';
			ret = sev_ca_cert_verify(&k[SEV_C_ARK], &ch->ask, &why);
			link_set(l, ret, "%s", ret ? why.msg : "");
		}
	}
	if (ch->have[SEV_C_CEK]) {
		lint_slots(rep, "CEK", &ch->cek);
		if (ch->have[SEV_C_ASK])
			check_sev_link(&rep->link[SEV_LINK_CEK], &k[SEV_C_ASK], kret[SEV_C_ASK],
				       kwhy[SEV_C_ASK].msg, "ASK", &ch->cek);
	}
	if (ch->have[SEV_C_OCA]) {
		lint_slots(rep, "OCA", &ch->oca);
		check_sev_link(&rep->link[SEV_LINK_OCA], &k[SEV_C_OCA], kret[SEV_C_OCA],
			       kwhy[SEV_C_OCA].msg, "OCA", &ch->oca);
	}
	if (ch->have[SEV_C_PEK]) {
		lint_slots(rep, "PEK", &ch->pek);
		if (ch->have[SEV_C_OCA])
			check_sev_link(&rep->link[SEV_LINK_PEK_OCA], &k[SEV_C_OCA], kret[SEV_C_OCA],
				       kwhy[SEV_C_OCA].msg, "OCA", &ch->pek);
		if (ch->have[SEV_C_CEK])
			check_sev_link(&rep->link[SEV_LINK_PEK_CEK], &k[SEV_C_CEK], kret[SEV_C_CEK],
				       kwhy[SEV_C_CEK].msg, "CEK", &ch->pek);
	}
	if (ch->have[SEV_C_PDH]) {
		struct sev_link *l = &rep->link[SEV_LINK_PDH];

		lint_slots(rep, "PDH", &ch->pdh);
		if (ch->have[SEV_C_PEK])
			check_sev_link(l, &k[SEV_C_PEK], kret[SEV_C_PEK], kwhy[SEV_C_PEK].msg,
				       "PEK", &ch->pdh);
		/* The PDH key itself is what the session's ECDH will use. */
		if (kret[SEV_C_PDH]) {
			char tmp[SEV_WHY_LEN];

			snprintf(tmp, sizeof(tmp), "%s", l->why);
			link_set(l, l->ret && l->ret != -ENODATA ? l->ret : kret[SEV_C_PDH],
				 "%s%s%s", l->ret && l->ret != -ENODATA ? tmp : "",
				 l->ret && l->ret != -ENODATA ? "; " : "", kwhy[SEV_C_PDH].msg);
		}
	}

	rep->ok = true;
	for (i = 0; i < SEV_LINK_COUNT; i++) {
		int r = rep->link[i].ret;

		if (r == 0 || (r == -ENODATA && o->partial))
			continue;
		rep->ok = false;
	}
	if (ch->have[SEV_C_ARK] && !rep->ark_trusted)
		rep->ok = false;
	for (i = 0; i < SEV_C_COUNT; i++)
		sev_key_free(&k[i]);
	return rep->ok ? 0 : -EBADMSG;
}

void sev_chain_report_print(FILE *f, const struct sev_chain *ch, const struct sev_chain_report *rep)
{
	static const enum sev_chain_slot child[SEV_LINK_COUNT] = {
		SEV_C_ARK, SEV_C_ASK, SEV_C_CEK, SEV_C_OCA, SEV_C_PEK, SEV_C_PEK, SEV_C_PDH,
	};

	for (int i = 0; i < SEV_LINK_COUNT; i++) {
		const struct sev_link *l = &rep->link[i];
		const char *src = ch->src[child[i]];

		if (l->ret == 0) {
			if (l->slot >= 0)
				fprintf(f, "%-18s valid (slot %d)  [%s]\n", l->name, l->slot + 1,
					src);
			else
				fprintf(f, "%-18s valid  [%s]\n", l->name, src);
		} else if (l->ret == -ENODATA) {
			fprintf(f, "%-18s %s\n", l->name, l->why);
		} else {
			fprintf(f, "%-18s invalid: %s  [%s]\n", l->name, l->why, src);
		}
	}
	for (int i = 0; i < rep->nwarn; i++)
		fprintf(f, "warning: %s\n", rep->warn[i]);
	if (ch->have[SEV_C_ARK]) {
		if (rep->gen >= 0)
			fprintf(f, "root: AMD %s ARK\n", sev_builtins[rep->gen].name);
		else if (rep->ark_trusted)
			fprintf(f, "root: not an AMD ARK, accepted (--any-ark)\n");
		else
			fprintf(f, "root: not an AMD ARK: untrusted (--any-ark accepts it)\n");
	}
	fprintf(f, "chain: %s\n", rep->ok ? "valid" : "INVALID");
}
