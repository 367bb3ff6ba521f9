// SPDX-License-Identifier: MIT
/*
 * Known answers of vectors/kat_upstream.json and vectors/derived/: SEV
 * KDF, HMAC, session blobs (wrap, MACs, GODH), measurements and
 * LAUNCH_SECRET packets, plus the firmware-side unwrap and packet check.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sev/cert.h"
#include "sev/crypto.h"
#include "sev/guid.h"
#include "sev/kdf.h"
#include "sev/measure.h"
#include "sev/secret.h"
#include "sev/session.h"
#include "sev_test.h"

static char *kat, *skat, *mkat;

static int setup(void **state)
{
	size_t n;

	kat = (char *)vec_read("kat_upstream.json", &n);
	skat = (char *)vec_read("derived/session_kat.json", &n);
	mkat = (char *)vec_read("derived/measure_secret_synthetic_kat.json", &n);
	return 0;
}

static int teardown(void **state)
{
	free(kat);
	free(skat);
	free(mkat);
	return 0;
}

static void assert_hex(const uint8_t *got, size_t n, const char *want_hex)
{
	uint8_t want[512];

	unhex(want_hex, want, sizeof(want), n);
	assert_memory_equal(got, want, n);
}

static void test_kdf_hmac(void **state)
{
	uint8_t key[16], ctx[16], out[16], msg[4], mac[32];
	struct sev_iov iov = { msg, 4 };

	unhex(J(kat, "kdf.key_in"), key, 16, 16);
	unhex(J(kat, "kdf.context"), ctx, 16, 16);
	assert_string_equal(J(kat, "kdf.label"), SEV_LABEL_MASTER);
	assert_int_equal(sev_kdf(key, 16, SEV_LABEL_MASTER, ctx, 16, out, 16), 0);
	assert_hex(out, 16, J(kat, "kdf.expected"));

	unhex(J(kat, "hmac.key"), key, 16, 16);
	unhex(J(kat, "hmac.msg"), msg, 4, 4);
	assert_int_equal(sev_hmac_sha256(key, 16, &iov, 1, mac), 0);
	assert_hex(mac, 32, J(kat, "hmac.expected"));

	/* Longer outputs concatenate K_1, K_2 with LE counters. */
	{
		uint8_t l[48], k1[32];

		assert_int_equal(sev_kdf(key, 16, "x", NULL, 0, l, 48), 0);
		assert_int_equal(sev_kdf(key, 16, "x", NULL, 0, k1, 32), 0);
		/* L is part of the input, so prefixes differ. */
		assert_memory_not_equal(l, k1, 32);
	}
}

static void test_session_zero(void **state)
{
	struct sev_session_secrets s;
	struct sev_session_keys k;
	struct sev_session_blob b;
	uint8_t z[16];

	unhex(J(kat, "session_zero.z"), z, 16, 16);
	unhex(J(kat, "session_zero.nonce"), s.nonce, 16, 16);
	unhex(J(kat, "session_zero.wrap_iv"), s.wrap_iv, 16, 16);
	unhex(J(kat, "session_zero.tek"), s.tek, 16, 16);
	unhex(J(kat, "session_zero.tik"), s.tik, 16, 16);
	assert_int_equal(sev_session_derive(z, sizeof(z), s.nonce, &k), 0);
	assert_hex(k.master, 16, J(kat, "session_zero.expected.master_secret"));
	assert_hex(k.kek, 16, J(kat, "session_zero.expected.kek"));
	assert_hex(k.kik, 16, J(kat, "session_zero.expected.kik"));
	assert_int_equal(sev_session_wrap(&k, &s, 0, &b), 0);
	assert_hex(b.wrap_tk, 32, J(kat, "session_zero.expected.wrap_tk"));
	assert_hex(b.wrap_mac, 32, J(kat, "session_zero.expected.wrap_mac"));
	assert_hex(b.policy_mac, 32, J(kat, "session_zero.expected.policy_mac"));
}

static EVP_PKEY *load_key(const char *rel)
{
	struct sev_why why = { "" };
	EVP_PKEY *k = NULL;

	if (sev_ec_load_private(vec_path(rel), &k, &why))
		fail_msg("%s", why.msg);
	return k;
}

static void fixed_secrets(struct sev_session_secrets *s)
{
	unhex(J(skat, "nonce"), s->nonce, 16, 16);
	unhex(J(skat, "wrap_iv"), s->wrap_iv, 16, 16);
	unhex(J(skat, "tek"), s->tek, 16, 16);
	unhex(J(skat, "tik"), s->tik, 16, 16);
}

static void test_session_kats(void **state)
{
	EVP_PKEY *godh = load_key("derived/godh_private.pem");
	struct sev_session_secrets s;
	struct sev_cert godh_cert;
	uint8_t *want_godh;
	size_t n;

	fixed_secrets(&s);
	assert_int_equal(strtoul(J(skat, "policy_u32"), NULL, 0), 1);
	want_godh = vec_read("derived/godh.cert", &n);
	assert_int_equal(n, SEV_CERT_SIZE);
	/* The GODH cert sevctl/virtee would make for this key. */
	assert_int_equal(sev_cert_init(&godh_cert, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, godh), 0);
	assert_memory_equal(godh_cert.raw, want_godh, SEV_CERT_SIZE);
	{
		uint8_t h[32];

		assert_int_equal(sev_sha(256, godh_cert.raw, SEV_CERT_SIZE, h), 0);
		assert_hex(h, 32, J(skat, "godh_cert_sha256"));
	}

	for (int i = 0; i < 4; i++) {
		struct sev_session_keys k;
		struct sev_session out;
		struct sev_cert pdh;
		struct sev_key pk;
		uint8_t z[48], wrong[48], *blob;
		char p[64], b64[SEV_B64_LEN(128) + 1];
		size_t bl;

#define CASE(f) (snprintf(p, sizeof(p), "cases.%d." f, i), J(skat, p))
		assert_int_equal(sev_cert_load(vec_path(CASE("pdh_file")), &pdh, NULL), 0);
		assert_int_equal(sev_key_from_cert(&pdh, &pk, NULL), 0);
		assert_int_equal(sev_ecdh(godh, pk.pkey, z), 0);
		assert_hex(z, 48, CASE("shared_secret_z_be"));
		if (i < 3) {
			/* Trap 1: the byte-reversed Z is a different key. */
			unhex(CASE("shared_secret_z_if_wrongly_little_endian"), wrong, 48, 48);
			assert_memory_not_equal(z, wrong, 48);
		}
		assert_int_equal(sev_session_derive(z, 48, s.nonce, &k), 0);
		assert_hex(k.master, 16, CASE("master_secret"));
		assert_hex(k.kek, 16, CASE("kek"));
		assert_hex(k.kik, 16, CASE("kik"));

		assert_int_equal(sev_session_build(&pdh, godh, &s, 1, &out, NULL), 0);
		assert_hex(out.blob.wrap_tk, 32, CASE("wrap_tk"));
		assert_hex(out.blob.wrap_mac, 32, CASE("wrap_mac"));
		assert_hex(out.blob.policy_mac, 32, CASE("policy_mac"));
		assert_hex((uint8_t *)&out.blob, 128, CASE("session_blob"));
		sev_b64_encode(&out.blob, 128, b64);
		assert_string_equal(b64, CASE("session_blob_b64"));
		blob = vec_read(CASE("session_file"), &bl);
		assert_int_equal(bl, 128);
		assert_memory_equal(blob, &out.blob, 128);
		assert_memory_equal(out.godh.raw, want_godh, SEV_CERT_SIZE);
		assert_memory_equal(out.tek, s.tek, 16);
		assert_memory_equal(out.tik, s.tik, 16);
		free(blob);
		sev_key_free(&pk);
#undef CASE
	}
	free(want_godh);
	EVP_PKEY_free(godh);
}

/* The firmware's side with the synthetic platform's PDH private key. */
static void test_session_open(void **state)
{
	EVP_PKEY *pdh_priv = load_key("derived/synthetic/pdh_private.pem");
	struct sev_session_blob blob;
	struct sev_why why = { "" };
	struct sev_session s;
	struct sev_cert pdh, godh;
	uint8_t tek[16], tik[16], *b;
	size_t n;

	assert_int_equal(sev_cert_load(vec_path("derived/synthetic/pdh.cert"), &pdh, NULL), 0);
	assert_int_equal(sev_cert_load(vec_path("derived/godh.cert"), &godh, NULL), 0);
	b = vec_read("derived/session_synthetic.bin", &n);
	memcpy(&blob, b, sizeof(blob));
	free(b);
	assert_int_equal(sev_session_open(pdh_priv, &godh, &blob, 1, tek, tik, &why), 0);
	assert_hex(tek, 16, J(skat, "tek"));
	assert_hex(tik, 16, J(skat, "tik"));
	/* Another policy than the one MACed */
	assert_int_equal(sev_session_open(pdh_priv, &godh, &blob, 5, tek, tik, &why), -EBADMSG);
	assert_non_null(strstr(why.msg, "policy_mac"));
	blob.wrap_tk[0] ^= 1;
	assert_int_equal(sev_session_open(pdh_priv, &godh, &blob, 1, tek, tik, &why), -EBADMSG);
	assert_non_null(strstr(why.msg, "wrap_mac"));

	/* A fresh random session opens to the same keys, policy with API bits. */
	assert_int_equal(sev_session_build(&pdh, NULL, NULL, 0x1c0105, &s, &why), -0);
	assert_int_equal(sev_session_open(pdh_priv, &s.godh, &s.blob, 0x1c0105, tek, tik, &why), 0);
	assert_memory_equal(tek, s.tek, 16);
	assert_memory_equal(tik, s.tik, 16);
	sev_session_wipe(&s);
	/* The GODH sanity check: algo must be exactly ECDH_SHA256. */
	sev_put_le32(godh.raw + SEV_CERT_OFF_ALGO, SEV_ALGO_ECDH_SHA384);
	assert_int_equal(sev_godh_check(&godh, NULL, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "ECDH_SHA256"));
	/* A PEK is not a PDH. */
	assert_int_equal(sev_cert_load(vec_path("derived/synthetic/pek.cert"), &pdh, NULL), 0);
	assert_int_equal(sev_session_build(&pdh, NULL, NULL, 1, &s, &why), -EINVAL);
	EVP_PKEY_free(pdh_priv);
}

static void test_session_files(void **state)
{
	char dir[] = "/tmp/sevtest.XXXXXX", name[128], path[192];
	struct sev_launch_blobs lb;
	struct sev_why why = { "" };
	struct sev_session s;
	struct sev_cert pdh;
	struct stat st;
	uint8_t k[16], tek[16], tik[16];
	char *txt;
	size_t n;

	assert_non_null(mkdtemp(dir));
	snprintf(name, sizeof(name), "%s/vm", dir);
	assert_int_equal(sev_cert_load(vec_path("certs/milan/pdh.cert"), &pdh, NULL), 0);
	assert_int_equal(sev_session_build(&pdh, NULL, NULL, 3, &s, NULL), 0);
	assert_int_equal(sev_session_write_files(name, &s, &why), 0);
	static const char *const sfx[] = { "_tik.bin", "_tek.bin", "_godh.b64", "_session.b64" };
	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++) {
		snprintf(path, sizeof(path), "%s%s", name, sfx[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	snprintf(path, sizeof(path), "%s_tik.bin", name);
	assert_int_equal(sev_key_file_load(path, "TIK", k, NULL), 0);
	assert_memory_equal(k, s.tik, 16);
	snprintf(path, sizeof(path), "%s_session.b64", name);
	txt = read_file(path, 4096, &n);
	assert_int_equal(n, 172); /* base64 of 128 bytes, no newline */
	free(txt);
	{
		char g[192];

		snprintf(g, sizeof(g), "%s_godh.b64", name);
		assert_int_equal(sev_launch_blobs_load(g, path, &lb, &why), 0);
		assert_memory_equal(&lb.session, &s.blob, 128);
		assert_memory_equal(lb.godh.raw, s.godh.raw, SEV_CERT_SIZE);
		/* Truncated session file */
		assert_int_equal(truncate(path, 101), 0);
		assert_int_equal(sev_launch_blobs_load(g, path, &lb, &why), -EINVAL);
		assert_non_null(strstr(why.msg, "not a multiple of 4"));
		assert_int_equal(truncate(path, 96), 0);
		assert_int_equal(sev_launch_blobs_load(g, path, &lb, &why), -EINVAL);
		assert_non_null(strstr(why.msg, "truncated"));
		assert_non_null(strstr(why.msg, path));
	}
	/* Key files of the wrong size */
	snprintf(path, sizeof(path), "%s_tik.bin", name);
	assert_int_equal(truncate(path, 15), 0);
	assert_int_equal(sev_key_file_load(path, "TIK", k, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "15 bytes"));
	snprintf(path, sizeof(path), "%s_tek.bin", name);
	assert_int_equal(sev_tk_file_load(path, tek, tik, &why), -EINVAL);
	sev_session_wipe(&s);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

static void test_measurement_kats(void **state)
{
	struct sev_measure_params p;
	uint8_t tik[16], m[32], blob[48];
	char b64[SEV_B64_LEN(48) + 1];
	size_t n;

	/* sev-tool / virtee: api 0.18 build 15 policy 0 */
	memset(&p, 0, sizeof(p));
	p.api_major = atoi(J(kat, "measurement_1.api_major"));
	p.api_minor = atoi(J(kat, "measurement_1.api_minor"));
	p.build_id = atoi(J(kat, "measurement_1.build_id"));
	p.policy = atoi(J(kat, "measurement_1.policy_u32"));
	unhex(J(kat, "measurement_1.launch_digest"), p.ld, 32, 32);
	unhex(J(kat, "measurement_1.mnonce"), p.mnonce, 16, 16);
	unhex(J(kat, "measurement_1.tik"), tik, 16, 16);
	assert_int_equal(sev_measure_compute(tik, &p, m), 0);
	assert_hex(m, 32, J(kat, "measurement_1.expected_measurement"));
	assert_int_equal(sev_measure_check(tik, &p, m), 0);
	m[31] ^= 1;
	assert_int_equal(sev_measure_check(tik, &p, m), -EBADMSG);

	/* sevctl's four cases */
	{
		uint8_t *t = vec_read("sevctl/measurement/tik1.bin", &n);

		assert_int_equal(n, 16);
		memcpy(tik, t, 16);
		free(t);
	}
	for (int i = 0; i < 4; i++) {
		char q[64];
		struct sev_ld ld;
		uint8_t *f;

#define CASE(x) (snprintf(q, sizeof(q), "sevctl_measurement.cases.%d." x, i), J(kat, q))
		memset(&p, 0, sizeof(p));
		p.api_major = atoi(CASE("api_major"));
		p.api_minor = atoi(CASE("api_minor"));
		p.build_id = atoi(CASE("build_id"));
		p.policy = atoi(CASE("policy_u32"));
		assert_int_equal(unb64(CASE("expected_b64"), blob, sizeof(blob)), 48);
		memcpy(p.mnonce, blob + 32, 16);
		if (i == 0) {
			assert_int_equal(unb64(CASE("launch_digest_b64"), p.ld, 32), 32);
		} else {
			assert_int_equal(sev_ld_init(&ld), 0);
			f = vec_read("sevctl/measurement/OVMF.amdsev.fd_trimmed", &n);
			assert_int_equal(sev_ld_update(&ld, f, n), 0);
			free(f);
			if (i == 2) {
				uint8_t table[SEV_KERNEL_TABLE_SIZE];
				char k[512], r[512];

				snprintf(k, sizeof(k), "%s", vec_path(CASE("kernel")));
				snprintf(r, sizeof(r), "%s", vec_path(CASE("initrd")));
				assert_int_equal(sev_kernel_table_build(k, r, CASE("cmdline"),
									table, NULL),
						 0);
				assert_int_equal(sev_ld_update(&ld, table, sizeof(table)), 0);
			}
			if (i == 3) {
				for (int v = 0; v < 4; v++) {
					f = vec_read(v ? "sevctl/vmsa/vmsa1.bin" :
							 "sevctl/vmsa/vmsa0.bin",
						     &n);
					assert_int_equal(n, 4096);
					assert_int_equal(sev_ld_update(&ld, f, n), 0);
					free(f);
				}
			}
			assert_int_equal(sev_ld_final(&ld, p.ld), 0);
		}
		assert_int_equal(sev_measure_compute(tik, &p, m), 0);
		assert_memory_equal(m, blob, 32);
		memcpy(blob, m, 32);
		sev_b64_encode(blob, 48, b64);
		assert_string_equal(b64, CASE("expected_b64"));
#undef CASE
	}

	/* Synthetic: full HMAC input */
	{
		uint8_t msg[SEV_MEASURE_MSG_SIZE], *f;
		uint8_t meas[32], mn[16];
		struct sev_ld ld;

		memset(&p, 0, sizeof(p));
		p.api_major = atoi(J(mkat, "api_major"));
		p.api_minor = atoi(J(mkat, "api_minor"));
		p.build_id = atoi(J(mkat, "build_id"));
		p.policy = atoi(J(mkat, "policy_u32"));
		unhex(J(mkat, "mnonce"), p.mnonce, 16, 16);
		unhex(J(mkat, "tik"), tik, 16, 16);
		assert_int_equal(sev_ld_init(&ld), 0);
		f = vec_read(J(mkat, "launch_data_file"), &n);
		assert_int_equal(sev_ld_update(&ld, f, n), 0);
		free(f);
		assert_int_equal(sev_ld_final(&ld, p.ld), 0);
		assert_hex(p.ld, 32, J(mkat, "launch_digest_sha256"));
		sev_measure_msg(&p, msg);
		assert_hex(msg, sizeof(msg), J(mkat, "hmac_input"));
		assert_int_equal(sev_measure_compute(tik, &p, m), 0);
		assert_hex(m, 32, J(mkat, "measurement"));
		assert_int_equal(sev_measure_blob_decode(J(mkat, "launch_measure_blob_b64"), meas,
							 mn, NULL),
				 0);
		assert_memory_equal(meas, m, 32);
		assert_memory_equal(mn, p.mnonce, 16);
	}
	/* Bad blobs */
	{
		struct sev_why why = { "" };
		uint8_t meas[32], mn[16];

		assert_int_equal(sev_measure_blob_decode("AAAA", meas, mn, &why), -EINVAL);
		assert_non_null(strstr(why.msg, "48 bytes"));
		assert_int_equal(sev_measure_blob_decode("not*base64", meas, mn, &why), -EINVAL);
		assert_non_null(strstr(why.msg, "alphabet"));
	}
}

static void load16(const char *rel, uint8_t out[16])
{
	size_t n;
	uint8_t *b = vec_read(rel, &n);

	assert_int_equal(n, 16);
	memcpy(out, b, 16);
	free(b);
}

static void test_secret_kats(void **state)
{
	uint8_t tek[16], tik[16], iv[16], blob[48], *tbl, ct[SEV_SECRET_MAX], pt[SEV_SECRET_MAX];
	struct sev_secret_entry e[2], got[4];
	struct sev_secret_header hdr;
	struct sev_why why = { "" };
	uint8_t *data[2];
	char hb[SEV_B64_LEN(52) + 1], *pb;
	size_t tlen, n, cnt;

	load16(J(kat, "sevctl_secret.tik_file"), tik);
	load16(J(kat, "sevctl_secret.tek_file"), tek);
	assert_int_equal(unb64(J(kat, "sevctl_secret.launch_measure_blob_b64"), blob, 48), 48);
	assert_int_equal(unb64(J(kat, "sevctl_secret.iv_b64"), iv, 16), 16);
	for (int c = 0; c < 4; c++) {
		char q[96];
		int ns = c == 1 ? 2 : 1;

		for (int s = 0; s < ns; s++) {
			snprintf(q, sizeof(q), "sevctl_secret.cases.%d.secrets.%d.0", c, s);
			assert_int_equal(sev_guid_parse(J(kat, q), e[s].guid), 0);
			snprintf(q, sizeof(q), "sevctl_secret.cases.%d.secrets.%d.1", c, s);
			data[s] = vec_read(J(kat, q), &e[s].len);
			e[s].data = data[s];
		}
		assert_int_equal(
			sev_secret_table_build(e, ns, SEV_SECRET_PAD_SEVCTL, &tbl, &tlen, &why), 0);
		snprintf(q, sizeof(q), "sevctl_secret.cases.%d.table_len", c);
		assert_int_equal(tlen, atoi(J(kat, q)));
		assert_int_equal(sev_secret_packet_build(tek, tik, blob, iv, 0, tbl, tlen, &hdr, ct,
							 &why),
				 0);
		if (c < 2) {
			sev_b64_encode(&hdr, sizeof(hdr), hb);
			snprintf(q, sizeof(q), "sevctl_secret.cases.%d.expected_header_b64", c);
			assert_string_equal(hb, J(kat, q));
			pb = sev_b64_encode_alloc(ct, tlen);
			snprintf(q, sizeof(q), "sevctl_secret.cases.%d.expected_payload_b64", c);
			assert_string_equal(pb, J(kat, q));
			free(pb);
		}
		/* Firmware side: MAC checks, decrypts to the table, parses. */
		assert_int_equal(sev_secret_packet_open(tek, tik, blob, &hdr, ct, tlen, pt, &why),
				 0);
		assert_memory_equal(pt, tbl, tlen);
		assert_int_equal(sev_secret_table_parse(pt, tlen, got, 4, &cnt, &why), 0);
		assert_int_equal(cnt, ns);
		for (int s = 0; s < ns; s++) {
			assert_memory_equal(got[s].guid, e[s].guid, 16);
			assert_int_equal(got[s].len, e[s].len);
			assert_memory_equal(got[s].data, e[s].data, e[s].len);
		}
		free(tbl);
		/* libvirt's padding: +16 when aligned, too big for case 4 */
		n = sev_secret_table_build(e, ns, SEV_SECRET_PAD_LIBVIRT, &tbl, &tlen, &why);
		if (c == 3) {
			assert_int_equal(n, (size_t)-E2BIG);
		} else {
			assert_int_equal(n, 0);
			assert_int_equal(tlen % 16, 0);
			free(tbl);
		}
		for (int s = 0; s < ns; s++)
			free(data[s]);
	}
}

static void test_secret_synthetic(void **state)
{
	uint8_t tek[16], tik[16], iv[16], meas[32], *plain, *hdrf, *payf, ct[64], pt[64];
	struct sev_secret_header hdr;
	struct sev_secret_entry e;
	uint8_t *tbl, *sec;
	size_t n, tlen, hn, pn, sn;
	char hb[SEV_B64_LEN(52) + 1];

	unhex(J(mkat, "tek"), tek, 16, 16);
	unhex(J(mkat, "tik"), tik, 16, 16);
	unhex(J(mkat, "secret_iv"), iv, 16, 16);
	unhex(J(mkat, "measurement"), meas, 32, 32);
	plain = vec_read("derived/secret_synthetic_table_plain.bin", &n);
	assert_hex(plain, n, J(mkat, "secret_table_plain_hex"));
	/* Rebuild the table: secret1.txt under the LUKS GUID */
	sec = vec_read("sevctl/secret/secret1.txt", &sn);
	assert_int_equal(sev_guid_parse(SEV_GUID_LUKS_KEY, e.guid), 0);
	e.data = sec;
	e.len = sn;
	assert_int_equal(sev_secret_table_build(&e, 1, SEV_SECRET_PAD_SEVCTL, &tbl, &tlen, NULL),
			 0);
	assert_int_equal(tlen, n);
	assert_memory_equal(tbl, plain, n);
	assert_int_equal(sev_secret_packet_build(tek, tik, meas, iv, 0, tbl, tlen, &hdr, ct, NULL),
			 0);
	assert_hex(ct, 64, J(mkat, "secret_ciphertext_hex"));
	assert_hex((uint8_t *)&hdr, 52, J(mkat, "header_hex"));
	sev_b64_encode(&hdr, 52, hb);
	assert_string_equal(hb, J(mkat, "header_b64"));
	hdrf = vec_read("derived/secret_synthetic_header.bin", &hn);
	payf = vec_read("derived/secret_synthetic_payload.bin", &pn);
	assert_int_equal(hn, 52);
	assert_int_equal(pn, 64);
	assert_memory_equal(hdrf, &hdr, 52);
	assert_memory_equal(payf, ct, 64);
	assert_int_equal(atoi(J(mkat, "guest_length")), 64);
	assert_int_equal(sev_secret_packet_open(tek, tik, meas, &hdr, ct, 64, pt, NULL), 0);
	assert_memory_equal(pt, plain, 64);
	/* Any change is caught by the MAC. */
	ct[10] ^= 1;
	assert_int_equal(sev_secret_packet_open(tek, tik, meas, &hdr, ct, 64, pt, NULL), -EBADMSG);
	ct[10] ^= 1;
	meas[0] ^= 1;
	assert_int_equal(sev_secret_packet_open(tek, tik, meas, &hdr, ct, 64, pt, NULL), -EBADMSG);
	meas[0] ^= 1;
	/* Firmware rules: COMPRESSED, lengths */
	hdr.flags = SEV_SECRET_F_COMPRESSED;
	assert_int_equal(sev_secret_packet_open(tek, tik, meas, &hdr, ct, 64, pt, NULL), -EINVAL);
	assert_int_equal(sev_secret_packet_build(tek, tik, meas, iv, 0, tbl, 63, &hdr, ct, NULL),
			 -EINVAL);
	assert_int_equal(sev_secret_packet_build(tek, tik, meas, iv, 0, tbl, 0, &hdr, ct, NULL),
			 -EINVAL);
	free(plain);
	free(hdrf);
	free(payf);
	free(tbl);
	free(sec);
}

static void test_table_parse_errors(void **state)
{
	struct sev_secret_entry e[2];
	struct sev_why why = { "" };
	uint8_t t[64];
	size_t n;

	memset(t, 0, sizeof(t));
	assert_int_equal(sev_secret_table_parse(t, sizeof(t), e, 2, &n, &why), -EINVAL);
	assert_int_equal(sev_guid_parse(SEV_GUID_SECRET_TABLE, t), 0);
	sev_put_le32(t + 16, 200);
	assert_int_equal(sev_secret_table_parse(t, sizeof(t), e, 2, &n, &why), -EINVAL);
	sev_put_le32(t + 16, 40);
	sev_put_le32(t + 36, 4); /* entry shorter than its header */
	assert_int_equal(sev_secret_table_parse(t, sizeof(t), e, 2, &n, &why), -EINVAL);
	sev_put_le32(t + 36, 20);
	t[50] = 1; /* junk in the padding */
	assert_int_equal(sev_secret_table_parse(t, sizeof(t), e, 2, &n, &why), -EINVAL);
	t[50] = 0;
	assert_int_equal(sev_secret_table_parse(t, sizeof(t), e, 2, &n, &why), 0);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kdf_hmac),	   cmocka_unit_test(test_session_zero),
		cmocka_unit_test(test_session_kats),	   cmocka_unit_test(test_session_open),
		cmocka_unit_test(test_session_files),	   cmocka_unit_test(test_measurement_kats),
		cmocka_unit_test(test_secret_kats),	   cmocka_unit_test(test_secret_synthetic),
		cmocka_unit_test(test_table_parse_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
