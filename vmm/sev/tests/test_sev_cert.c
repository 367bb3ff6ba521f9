// SPDX-License-Identifier: MIT
/*
 * Certificates and chains against the real AMD vectors: every chain in
 * vectors/certs verifies, every negative and cross-generation case is
 * refused for the reason vectors/README.md states, and the historical
 * files behave as described there.
 */
#include <errno.h>

#include "sev/builtin_certs.h"
#include "sev/cert.h"
#include "sev/chain.h"
#include "sev/crypto.h"
#include "sev_test.h"

static void load_sev(const char *rel, struct sev_cert *c)
{
	struct sev_why why = { "" };

	if (sev_cert_load(vec_path(rel), c, &why))
		fail_msg("%s", why.msg);
}

static void load_ca(const char *rel, struct sev_ca_cert *c)
{
	struct sev_why why = { "" };

	if (sev_ca_cert_load(vec_path(rel), c, &why))
		fail_msg("%s", why.msg);
}

static void chain_dir(struct sev_chain *ch, const char *rel)
{
	struct sev_why why = { "" };

	sev_chain_init(ch);
	if (sev_chain_load_dir(ch, vec_path(rel), &why))
		fail_msg("%s", why.msg);
}

static void replace(struct sev_chain *ch, enum sev_chain_slot s, const char *rel)
{
	struct sev_why why = { "" };

	if (sev_chain_load(ch, s, vec_path(rel), &why))
		fail_msg("%s", why.msg);
}

static int verify(struct sev_chain *ch, struct sev_chain_report *rep)
{
	struct sev_chain_opts o = { 0 };

	return sev_chain_verify(ch, &o, rep);
}

static void expect_only_failure(const struct sev_chain_report *rep, enum sev_link_id bad, int ret,
				const char *why)
{
	for (int i = 0; i < SEV_LINK_COUNT; i++) {
		if (i == (int)bad) {
			assert_int_equal(rep->link[i].ret, ret);
			if (why && !strstr(rep->link[i].why, why))
				fail_msg("link %s: '%s' lacks '%s'", rep->link[i].name,
					 rep->link[i].why, why);
		} else if (rep->link[i].ret) {
			fail_msg("link %s unexpectedly failed: %s", rep->link[i].name,
				 rep->link[i].why);
		}
	}
	assert_false(rep->ok);
}

static void test_real_chains(void **state)
{
	static const struct {
		const char *dir;
		enum sev_gen gen;
	} c[] = {
		{ "certs/naples", SEV_GEN_NAPLES },
		{ "certs/rome", SEV_GEN_ROME },
		{ "certs/milan", SEV_GEN_MILAN },
	};

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct sev_chain_report rep;
		struct sev_chain ch;

		chain_dir(&ch, c[i].dir);
		assert_int_equal(verify(&ch, &rep), 0);
		assert_true(rep.ok);
		assert_int_equal(rep.gen, c[i].gen);
		for (int l = 0; l < SEV_LINK_COUNT; l++)
			assert_int_equal(rep.link[l].ret, 0);
		/* Real PEKs: OCA in slot 1, CEK in slot 2. */
		assert_int_equal(rep.link[SEV_LINK_PEK_OCA].slot, 0);
		assert_int_equal(rep.link[SEV_LINK_PEK_CEK].slot, 1);
		assert_int_equal(rep.nwarn, 0);
	}
}

/* Without ark/ask the generation comes from the CEK and the built-ins. */
static void test_chain_builtin_roots(void **state)
{
	static const char *const gens[] = { "naples", "rome", "milan" };

	for (size_t i = 0; i < ARRAY_SIZE(gens); i++) {
		struct sev_chain_report rep;
		struct sev_chain ch;
		char rel[64];

		sev_chain_init(&ch);
		for (int s = SEV_C_CEK; s < SEV_C_COUNT; s++) {
			snprintf(rel, sizeof(rel), "certs/%s/%s.cert", gens[i],
				 sev_chain_slot_name(s));
			replace(&ch, s, rel);
		}
		assert_int_equal(verify(&ch, &rep), 0);
		assert_int_equal(rep.gen, (int)i);
		assert_non_null(strstr(ch.src[SEV_C_ARK], "built-in"));
	}
}

static void test_ca_pairs(void **state)
{
	static const char *const gens[] = { "naples", "rome", "milan", "genoa", "turin" };

	for (size_t i = 0; i < ARRAY_SIZE(gens); i++) {
		struct sev_ca_cert ark, ask, b;
		struct sev_key kark, kask;
		char rel[64];

		snprintf(rel, sizeof(rel), "certs/%s/ark.cert", gens[i]);
		load_ca(rel, &ark);
		snprintf(rel, sizeof(rel), "certs/%s/ask.cert", gens[i]);
		load_ca(rel, &ask);
		assert_true(ark.has_sig);
		assert_int_equal(ark.usage, SEV_USAGE_ARK);
		assert_int_equal(ask.usage, SEV_USAGE_ASK);
		assert_int_equal(ark.mod_bits, i == 0 ? 2048 : 4096);
		assert_int_equal(ark.len, i == 0 ? SEV_CA_SIZE_2048 : SEV_CA_SIZE_4096);
		/* key_id = certifying_id for the self-signed ARK */
		assert_memory_equal(ark.raw + SEV_CA_OFF_KEY_ID, ark.raw + SEV_CA_OFF_CERTIFYING_ID,
				    16);
		assert_int_equal(sev_key_from_ca(&ark, &kark, NULL), 0);
		assert_int_equal(sev_key_from_ca(&ask, &kask, NULL), 0);
		assert_int_equal(kark.algo, i == 0 ? SEV_ALGO_RSA_SHA256 : SEV_ALGO_RSA_SHA384);
		assert_int_equal(sev_ca_cert_verify(&kark, &ark, NULL), 0);
		assert_int_equal(sev_ca_cert_verify(&kark, &ask, NULL), 0);
		/* Using the ASK to check the ARK (or itself) must fail. */
		assert_int_not_equal(sev_ca_cert_verify(&kask, &ark, NULL), 0);
		assert_int_not_equal(sev_ca_cert_verify(&kask, &ask, NULL), 0);
		sev_key_free(&kark);
		sev_key_free(&kask);
		/* The built-ins are these very bytes. */
		assert_int_equal(sev_builtin_ca(i, true, &b), 0);
		assert_int_equal(b.len, ark.len);
		assert_memory_equal(b.raw, ark.raw, ark.len);
		assert_int_equal(sev_builtin_ca(i, false, &b), 0);
		assert_int_equal(b.len, ask.len);
		assert_memory_equal(b.raw, ask.raw, ask.len);
		assert_int_equal(sev_gen_by_name(gens[i]), (int)i);
	}
	/* Known ARK key_ids (sev-crypto.md §2). */
	{
		static const char *const ids[] = {
			"1bb987c359494606b174945601c9ea5b", "e6002122fb58419399d15fee7b131351",
			"94c38e4177d0479292a7ae671d083fb6", "9f9d4a8fe761456599f6946c4c010f3a",
			"d05c3a8bde484904b49552422ceb3942",
		};
		for (int g = 0; g < SEV_GEN_COUNT; g++) {
			struct sev_ca_cert b;
			uint8_t id[16];

			assert_int_equal(sev_builtin_ca(g, true, &b), 0);
			unhex(ids[g], id, sizeof(id), 16);
			assert_memory_equal(b.raw + SEV_CA_OFF_KEY_ID, id, 16);
		}
	}
}

static void test_gen_from_cek(void **state)
{
	struct sev_cert c;

	load_sev("certs/naples/cek.cert", &c);
	assert_int_equal(sev_gen_from_cek(&c), SEV_GEN_NAPLES);
	load_sev("certs/rome/cek.cert", &c);
	assert_int_equal(sev_gen_from_cek(&c), SEV_GEN_ROME);
	load_sev("certs/milan/cek.cert", &c);
	assert_int_equal(sev_gen_from_cek(&c), SEV_GEN_MILAN);
	load_sev("historical/cek.uns.cert", &c);
	assert_int_equal(sev_gen_from_cek(&c), -ENOENT);
}

static void test_negatives(void **state)
{
	struct sev_chain_report rep;
	struct sev_chain ch;

	chain_dir(&ch, "certs/rome");
	replace(&ch, SEV_C_PDH, "negative/rome_pdh_apiminor_changed.cert");
	assert_int_equal(verify(&ch, &rep), -EBADMSG);
	expect_only_failure(&rep, SEV_LINK_PDH, -EBADMSG, "does not verify");

	chain_dir(&ch, "certs/rome");
	replace(&ch, SEV_C_PEK, "negative/rome_pek_cek_sig_corrupt.cert");
	assert_int_equal(verify(&ch, &rep), -EBADMSG);
	/* OCA signature still valid, CEK signature invalid. */
	expect_only_failure(&rep, SEV_LINK_PEK_CEK, -EBADMSG, "slot 2");

	chain_dir(&ch, "certs/rome");
	replace(&ch, SEV_C_PEK, "negative/rome_pek_slots_swapped.cert");
	assert_int_equal(verify(&ch, &rep), 0);
	assert_int_equal(rep.link[SEV_LINK_PEK_OCA].slot, 1);
	assert_int_equal(rep.link[SEV_LINK_PEK_CEK].slot, 0);

	chain_dir(&ch, "certs/milan");
	replace(&ch, SEV_C_CEK, "negative/milan_cek_sigalgo_sha256.cert");
	assert_int_equal(verify(&ch, &rep), -EBADMSG);
	expect_only_failure(&rep, SEV_LINK_CEK, -EINVAL, "RSA_SHA384");

	chain_dir(&ch, "certs/milan");
	replace(&ch, SEV_C_ASK, "negative/milan_ask_cid_altered.cert");
	assert_int_equal(verify(&ch, &rep), -EBADMSG);
	/* The CEK still verifies under the altered ASK's (unchanged) key. */
	expect_only_failure(&rep, SEV_LINK_ASK, -EBADMSG, "certifying_id");

	chain_dir(&ch, "certs/naples");
	replace(&ch, SEV_C_PDH, "negative/naples_pdh_qx_highbytes_nonzero.cert");
	assert_int_equal(verify(&ch, &rep), -EBADMSG);
	expect_only_failure(&rep, SEV_LINK_PDH, -EBADMSG, "Qx bytes 48..71");
	{
		struct sev_why why = { "" };
		struct sev_key k;

		assert_int_equal(sev_key_from_cert(&ch.pdh, &k, &why), -EINVAL);
		assert_non_null(strstr(why.msg, "not zero"));
	}

	chain_dir(&ch, "certs/rome");
	replace(&ch, SEV_C_ARK, "negative/rome_ark_sig_zeroed.cert");
	assert_int_equal(verify(&ch, &rep), -EBADMSG);
	expect_only_failure(&rep, SEV_LINK_ARK, -EBADMSG, "does not verify");
}

static void key_of(const char *rel, struct sev_key *k)
{
	struct sev_cert c;

	load_sev(rel, &c);
	assert_int_equal(sev_key_from_cert(&c, k, NULL), 0);
}

static void test_cross_generation(void **state)
{
	struct sev_ca_cert rome_ask, milan_ask;
	struct sev_key krome, kmilan, k;
	struct sev_why why = { "" };
	struct sev_cert c;

	load_ca("certs/rome/ask.cert", &rome_ask);
	load_ca("certs/milan/ask.cert", &milan_ask);
	assert_int_equal(sev_key_from_ca(&rome_ask, &krome, NULL), 0);
	assert_int_equal(sev_key_from_ca(&milan_ask, &kmilan, NULL), 0);

	/* enarx #520: Naples CEK under the Rome ASK, RSA_SHA256 slot. */
	load_sev("certs/naples/cek.cert", &c);
	assert_int_equal(sev_cert_verify(&krome, &c, NULL, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "RSA_SHA384"));
	load_sev("certs/rome/cek.cert", &c);
	assert_int_equal(sev_cert_verify(&kmilan, &c, NULL, NULL), -EBADMSG);
	assert_int_equal(sev_cert_verify(&krome, &c, NULL, NULL), 0);
	load_sev("certs/milan/cek.cert", &c);
	assert_int_equal(sev_cert_verify(&krome, &c, NULL, NULL), -EBADMSG);
	assert_int_equal(sev_cert_verify(&kmilan, &c, NULL, NULL), 0);

	/* Naples PDH under the Rome PEK. */
	key_of("certs/rome/pek.cert", &k);
	load_sev("certs/naples/pdh.cert", &c);
	assert_int_equal(sev_cert_verify(&k, &c, NULL, NULL), -EBADMSG);
	/* A PEK checked against itself: not self-signed. */
	load_sev("certs/rome/pek.cert", &c);
	assert_int_equal(sev_cert_verify(&k, &c, NULL, NULL), -ENOENT);
	sev_key_free(&k);
	key_of("certs/rome/cek.cert", &k);
	load_sev("certs/rome/cek.cert", &c);
	assert_int_equal(sev_cert_verify(&k, &c, NULL, NULL), -ENOENT);
	sev_key_free(&k);
	/* A PDH key cannot sign anything, itself included. */
	key_of("certs/rome/pdh.cert", &k);
	load_sev("certs/rome/pdh.cert", &c);
	assert_int_equal(sev_cert_verify(&k, &c, NULL, NULL), -EINVAL);
	sev_key_free(&k);
	/* The OCA is legitimately self-signed. */
	key_of("certs/rome/oca.cert", &k);
	load_sev("certs/rome/oca.cert", &c);
	assert_int_equal(sev_cert_verify(&k, &c, NULL, NULL), 0);
	sev_key_free(&k);
	sev_key_free(&krome);
	sev_key_free(&kmilan);
}

static void test_naples_unsigned_ark(void **state)
{
	struct sev_ca_cert t, full;
	struct sev_why why = { "" };
	uint8_t buf[SEV_CA_SIZE_2048];
	uint8_t *sig, *tr;
	size_t slen, tlen;
	struct sev_key k;

	load_ca("certs/naples/ark.cert.truncated", &t);
	load_ca("certs/naples/ark.cert", &full);
	assert_false(t.has_sig);
	assert_int_equal(t.len, 576);
	assert_memory_equal(t.raw, full.raw, 576);
	assert_true(sev_ca_cert_same_key(&t, &full));
	assert_int_equal(sev_key_from_ca(&t, &k, NULL), 0);
	assert_int_equal(sev_ca_cert_verify(&k, &t, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "missing signature"));
	/* The unsigned ARK's key still checks the ASK. */
	{
		struct sev_ca_cert ask;

		load_ca("certs/naples/ask.cert", &ask);
		assert_int_equal(sev_ca_cert_verify(&k, &ask, NULL), 0);
	}
	/* Appending AMD's 256-byte signature makes a valid ARK. */
	tr = vec_read("certs/naples/ark.cert.truncated", &tlen);
	sig = vec_read("certs/naples/ark.cert.sig", &slen);
	assert_int_equal(tlen + slen, sizeof(buf));
	memcpy(buf, tr, tlen);
	memcpy(buf + tlen, sig, slen);
	assert_int_equal(sev_ca_cert_parse(buf, sizeof(buf), &t, NULL, NULL), 0);
	assert_true(t.has_sig);
	assert_int_equal(sev_ca_cert_verify(&k, &t, NULL), 0);
	assert_memory_equal(t.raw, full.raw, sizeof(buf));
	sev_key_free(&k);
	free(tr);
	free(sig);

	/* In a chain: reported as missing signature, chain refused. */
	{
		struct sev_chain_report rep;
		struct sev_chain ch;

		chain_dir(&ch, "certs/naples");
		replace(&ch, SEV_C_ARK, "certs/naples/ark.cert.truncated");
		assert_int_equal(verify(&ch, &rep), -EBADMSG);
		expect_only_failure(&rep, SEV_LINK_ARK, -EINVAL, "missing signature");
		assert_int_equal(rep.gen, SEV_GEN_NAPLES);
	}
}

static void test_historical(void **state)
{
	struct sev_why why = { "" };
	struct sev_chain_report rep;
	struct sev_ca_cert ask, ark;
	struct sev_chain ch;
	struct sev_cert cek, uns, c;
	struct sev_key k;

	/* AMD download layout: ASK then ARK, identical to the Naples pair. */
	sev_chain_init(&ch);
	assert_int_equal(sev_chain_load_bundle(&ch, vec_path("historical/ask_ark.cert"), &why), 0);
	load_ca("certs/naples/ask.cert", &ask);
	load_ca("certs/naples/ark.cert", &ark);
	assert_true(ch.have[SEV_C_ARK] && ch.have[SEV_C_ASK]);
	assert_memory_equal(ch.ask.raw, ask.raw, ask.len);
	assert_memory_equal(ch.ark.raw, ark.raw, ark.len);

	/* PEK, OCA, CEK (firmware order); the CEK is unsigned. */
	sev_chain_init(&ch);
	assert_int_equal(sev_chain_load_bundle(&ch, vec_path("historical/pek_oca_cek.cert"), &why),
			 0);
	assert_true(ch.have[SEV_C_PEK] && ch.have[SEV_C_OCA] && ch.have[SEV_C_CEK]);
	assert_false(ch.have[SEV_C_PDH]);
	assert_int_equal(verify(&ch, &rep), -EBADMSG);
	assert_int_equal(rep.link[SEV_LINK_OCA].ret, 0);
	assert_int_equal(rep.link[SEV_LINK_PEK_OCA].ret, 0);
	assert_int_equal(rep.link[SEV_LINK_PEK_CEK].ret, 0);
	assert_int_equal(rep.link[SEV_LINK_CEK].ret, -ENOENT);
	assert_non_null(strstr(rep.link[SEV_LINK_CEK].why, "unsigned"));
	assert_true(sev_cert_slot_empty(&ch.cek, 0) && sev_cert_slot_empty(&ch.cek, 1));

	/* Unsigned Naples CEK: same key as the AMD-signed one, not same bytes. */
	load_sev("historical/cek.uns.cert", &uns);
	load_sev("certs/naples/cek.cert", &cek);
	assert_true(sev_cert_same_key(&uns, &cek));
	assert_memory_not_equal(uns.raw, cek.raw, SEV_CERT_SIZE);
	assert_int_equal(uns.raw[SEV_CERT_OFF_API_MINOR], 16);
	assert_int_equal(cek.raw[SEV_CERT_OFF_API_MINOR], 14);
	assert_int_equal(sev_key_from_cert(&uns, &k, NULL), 0);
	load_sev("certs/naples/pek.cert", &c);
	assert_int_equal(sev_cert_verify(&k, &c, NULL, NULL), 0);
	sev_key_free(&k);

	/* Hex text: a CEK valid under the Rome ASK, slot 2 malformed. */
	load_sev("historical/cek_ask.cert", &c);
	assert_int_equal(sev_cert_usage(&c), SEV_USAGE_CEK);
	assert_int_equal(sev_gen_from_cek(&c), SEV_GEN_ROME);
	assert_int_equal(sev_cert_check_slots(&c, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "slot 2"));
	{
		struct sev_ca_cert rome_ask;
		int slot = -1;

		load_ca("certs/rome/ask.cert", &rome_ask);
		assert_int_equal(sev_key_from_ca(&rome_ask, &k, NULL), 0);
		assert_int_equal(sev_cert_verify(&k, &c, &slot, NULL), 0);
		assert_int_equal(slot, 0);
		sev_key_free(&k);
	}
}

static void test_synthetic_chain(void **state)
{
	struct sev_chain_opts partial = { .partial = true };
	struct sev_chain_report rep;
	struct sev_chain ch;

	chain_dir(&ch, "derived/synthetic");
	/* OCA -> PEK -> PDH verify; no CEK, so no chain to AMD. */
	assert_int_equal(verify(&ch, &rep), -EBADMSG);
	assert_int_equal(rep.link[SEV_LINK_OCA].ret, 0);
	assert_int_equal(rep.link[SEV_LINK_PEK_OCA].ret, 0);
	assert_int_equal(rep.link[SEV_LINK_PDH].ret, 0);
	assert_int_equal(rep.link[SEV_LINK_PEK_CEK].ret, -ENODATA);
	assert_int_equal(sev_chain_verify(&ch, &partial, &rep), 0);
}

static void test_fw_kats(void **state)
{
	char *j;
	size_t n;
	uint8_t qx[72], qy[72], r[72], s[72], d[48];
	uint8_t mod[256], e[4], sig[256], dg[32];
	EVP_PKEY *k = NULL;

	j = (char *)vec_read("kat_ecdsa_p384_suiteb.json", &n);
	unhex(J(j, "qx_sev_le72"), qx, 72, 72);
	unhex(J(j, "qy_sev_le72"), qy, 72, 72);
	unhex(J(j, "r_sev_le72"), r, 72, 72);
	unhex(J(j, "s_sev_le72"), s, 72, 72);
	unhex(J(j, "digest_be"), d, 48, 48);
	assert_int_equal(sev_ec_pub_from_le(qx, qy, &k, NULL), 0);
	assert_int_equal(sev_ecdsa_verify_digest(k, d, 48, r, s), 0);
	d[0] ^= 1;
	assert_int_equal(sev_ecdsa_verify_digest(k, d, 48, r, s), -EBADMSG);
	EVP_PKEY_free(k);
	/* A point off the curve is refused. */
	qy[0] ^= 1;
	assert_int_equal(sev_ec_pub_from_le(qx, qy, &k, NULL), -EINVAL);
	free(j);

	j = (char *)vec_read("kat_rsa_pss_sha256_fw.json", &n);
	unhex(J(j, "modulus_le"), mod, sizeof(mod), 256);
	unhex(J(j, "exponent_le"), e, sizeof(e), 4);
	unhex(J(j, "signature_le"), sig, sizeof(sig), 256);
	unhex(J(j, "digest"), dg, sizeof(dg), 32);
	assert_int_equal(sev_rsa_pub_from_le(mod, 256, e, 4, &k, NULL), 0);
	assert_int_equal(sev_rsa_pss_verify_digest(k, 256, dg, sig, 256), 0);
	/* SHA-384 is not "tried" on a SHA-256 signature. */
	dg[5] ^= 1;
	assert_int_equal(sev_rsa_pss_verify_digest(k, 256, dg, sig, 256), -EBADMSG);
	EVP_PKEY_free(k);
	free(j);
}

static void test_sign_roundtrip(void **state)
{
	struct sev_cert oca, pek;
	EVP_PKEY *ko = NULL, *kp = NULL;
	struct sev_key vo;
	int slot = -1;

	assert_int_equal(sev_ec_generate(&ko), 0);
	assert_int_equal(sev_ec_generate(&kp), 0);
	assert_int_equal(sev_cert_init(&oca, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, ko), 0);
	assert_int_equal(sev_cert_sign(&oca, ko, SEV_USAGE_OCA, -1, NULL), 0);
	assert_int_equal(sev_cert_init(&pek, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, kp), 0);
	assert_int_equal(sev_cert_sign(&pek, ko, SEV_USAGE_OCA, -1, NULL), 0);
	assert_int_equal(sev_cert_parse(oca.raw, SEV_CERT_SIZE, &oca, NULL), 0);
	assert_int_equal(sev_key_from_cert(&oca, &vo, NULL), 0);
	assert_int_equal(sev_cert_verify(&vo, &oca, &slot, NULL), 0);
	assert_int_equal(slot, 0);
	assert_int_equal(sev_cert_verify(&vo, &pek, NULL, NULL), 0);
	assert_int_equal(sev_cert_check_slots(&pek, NULL), 0);
	assert_int_equal(sev_cert_sign(&pek, ko, SEV_USAGE_OCA, -1, NULL), 0);
	assert_int_equal(sev_cert_sign(&pek, ko, SEV_USAGE_OCA, -1, NULL), -ENOSPC);
	sev_key_free(&vo);
	EVP_PKEY_free(ko);
	EVP_PKEY_free(kp);
}

static void test_malformed(void **state)
{
	struct sev_why why = { "" };
	struct sev_ca_cert ca;
	struct sev_cert c, good;
	uint8_t buf[SEV_CERT_SIZE];

	load_sev("certs/rome/pek.cert", &good);
	assert_int_equal(sev_cert_parse(good.raw, 100, &c, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "2084"));
	memcpy(buf, good.raw, sizeof(buf));
	buf[0] = 2;
	assert_int_equal(sev_cert_parse(buf, sizeof(buf), &c, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "version"));
	memcpy(buf, good.raw, sizeof(buf));
	sev_put_le32(buf + SEV_CERT_OFF_USAGE, 0x13);
	assert_int_equal(sev_cert_parse(buf, sizeof(buf), &c, &why), -EINVAL);
	memcpy(buf, good.raw, sizeof(buf));
	sev_put_le32(buf + SEV_CERT_OFF_ALGO, SEV_ALGO_ECDH_SHA256);
	assert_int_equal(sev_cert_parse(buf, sizeof(buf), &c, &why), -EINVAL);
	/* A curve other than P-384 */
	memcpy(buf, good.raw, sizeof(buf));
	sev_put_le32(buf + SEV_ECC_OFF_CURVE, 1);
	assert_int_equal(sev_cert_parse(buf, sizeof(buf), &c, NULL), 0);
	{
		struct sev_key k;

		assert_int_equal(sev_key_from_cert(&c, &k, &why), -EINVAL);
		assert_non_null(strstr(why.msg, "curve"));
	}

	/* AMD CA: short, odd sizes, huge exponent size. */
	{
		uint8_t *ark;
		size_t n;

		ark = vec_read("certs/rome/ark.cert", &n);
		assert_int_equal(sev_ca_cert_parse(ark, 63, &ca, NULL, &why), -EINVAL);
		assert_int_equal(sev_ca_cert_parse(ark, 1000, &ca, NULL, &why), -EINVAL);
		assert_non_null(strstr(why.msg, "1600"));
		sev_put_le32(ark + SEV_CA_OFF_PUBEXP_BITS, 0xfffffff8);
		assert_int_equal(sev_ca_cert_parse(ark, n, &ca, NULL, &why), -EINVAL);
		sev_put_le32(ark + SEV_CA_OFF_PUBEXP_BITS, 4096);
		sev_put_le32(ark + SEV_CA_OFF_MODULUS_BITS, 1024);
		assert_int_equal(sev_ca_cert_parse(ark, n, &ca, NULL, &why), -EINVAL);
		free(ark);
	}
	/* Wrong kind of file for a slot. */
	{
		struct sev_chain ch;

		sev_chain_init(&ch);
		assert_int_equal(sev_chain_load(&ch, SEV_C_PDH, vec_path("certs/rome/pek.cert"),
						&why),
				 -EINVAL);
		assert_non_null(strstr(why.msg, "expected PDH"));
		assert_int_not_equal(
			sev_chain_load(&ch, SEV_C_PEK, vec_path("certs/rome/ark.cert"), &why), 0);
		assert_non_null(strstr(why.msg, "AMD CA"));
		assert_int_not_equal(
			sev_chain_load(&ch, SEV_C_ARK, vec_path("certs/rome/pek.cert"), &why), 0);
		assert_int_not_equal(sev_chain_load(&ch, SEV_C_PEK, vec_path("no/such/file"), &why),
				     0);
		assert_non_null(strstr(why.msg, "no/such/file"));
	}
}

/* Random corruption never crashes and never verifies. */
static void test_fuzz(void **state)
{
	struct sev_ca_cert ask;
	struct sev_cert cek, m;
	struct sev_key kask;
	uint32_t seed = 12345;

	load_ca("certs/rome/ask.cert", &ask);
	load_sev("certs/rome/cek.cert", &cek);
	assert_int_equal(sev_key_from_ca(&ask, &kask, NULL), 0);
	for (int i = 0; i < 300; i++) {
		size_t off, len;
		struct sev_key k;

		seed = seed * 1103515245 + 12345;
		off = (seed >> 8) % SEV_CERT_SIZE;
		seed = seed * 1103515245 + 12345;
		m = cek;
		m.raw[off] ^= (uint8_t)(1 + (seed >> 16) % 255);
		if (off >= SEV_CERT_OFF_SIG2)
			continue; /* slot 2 is unused by the CEK */
		if (sev_cert_parse(m.raw, SEV_CERT_SIZE, &m, NULL) == 0)
			assert_int_not_equal(sev_cert_verify(&kask, &m, NULL, NULL), 0);
		if (sev_key_from_cert(&m, &k, NULL) == 0)
			sev_key_free(&k);
		len = (seed >> 4) % (SEV_CA_SIZE_4096 + 1);
		{
			struct sev_ca_cert ca;

			(void)!sev_ca_cert_parse(ask.raw, len, &ca, NULL, NULL);
		}
	}
	sev_key_free(&kask);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_chains),
		cmocka_unit_test(test_chain_builtin_roots),
		cmocka_unit_test(test_ca_pairs),
		cmocka_unit_test(test_gen_from_cek),
		cmocka_unit_test(test_negatives),
		cmocka_unit_test(test_cross_generation),
		cmocka_unit_test(test_naples_unsigned_ark),
		cmocka_unit_test(test_historical),
		cmocka_unit_test(test_synthetic_chain),
		cmocka_unit_test(test_fw_kats),
		cmocka_unit_test(test_sign_roundtrip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
