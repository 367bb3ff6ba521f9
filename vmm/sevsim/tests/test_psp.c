// SPDX-License-Identifier: MIT
/*
 * The firmware half of sevsim against what the kernel driver and AMD's
 * firmware do: persistent state shared by processes, platform status and
 * commands with the driver's EPERM/EFAULT/EINVAL/EBUSY and length
 * queries, the certificate chain under the guest owner's verifier, PEK
 * and PDH regeneration, ownership import, factory reset, the guest state
 * machine in every order, sessions built by the owner library (accepted,
 * and refused when tampered with), the synthetic platform reproducing
 * vectors/derived/measure_secret_synthetic_kat.json, and concurrency.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/psp-sev.h>

#include "minisev/sev.h"
#include "sev/cert.h"
#include "sev/chain.h"
#include "sev/crypto.h"
#include "sev/measure.h"
#include "sev/secret.h"
#include "sev/session.h"
#include "sev/tests/sev_test.h"
#include "sevsim/psp.h"

#define CHAIN_SIZE (3 * SEV_CERT_SIZE)
#define ENOTSUPP 524
#define NO_FW 0xdeadu /* *fw_err untouched: the firmware did not run */

static char base_dir[PATH_MAX]; /* one platform made once, copied per test */

struct ctx {
	char tmp[PATH_MAX];
	char state[PATH_MAX];
	struct psp *p;
};

/* ---- Helpers ------------------------------------------------------------ */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void unset_env(void)
{
	static const char *const names[] = {
		"SEVSIM_API",	   "SEVSIM_BUILD",   "SEVSIM_ES",	"SEVSIM_MNONCE",
		"SEVSIM_PLATFORM", "SEVSIM_VECTORS", "SEVSIM_ARK_BITS",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		unsetenv(names[i]);
}

static void path_in(char *out, const char *dir, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		fail_msg("path too long");
}

static void copy_file(const char *from_dir, const char *to_dir, const char *name)
{
	char from[PATH_MAX], to[PATH_MAX];
	size_t len;
	uint8_t *buf;

	path_in(from, from_dir, name);
	path_in(to, to_dir, name);
	buf = read_file(from, 1 << 22, &len);
	assert_non_null(buf);
	assert_int_equal(write_file_atomic(to, buf, len, 0600), 0);
	free(buf);
}

/* A temporary directory; `state` inside it, a copy of the base platform or not. */
static struct ctx *ctx_new(bool copy_base)
{
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	snprintf(c->tmp, sizeof(c->tmp), "/tmp/test-psp-XXXXXX");
	assert_non_null(mkdtemp(c->tmp));
	path_in(c->state, c->tmp, "state");
	if (copy_base) {
		assert_int_equal(mkdir(c->state, 0700), 0);
		copy_file(base_dir, c->state, "nv");
	}
	return c;
}

static void ctx_free(struct ctx *c)
{
	psp_close(c->p);
	rm_rf(c->tmp);
	free(c);
	unset_env();
}

static int setup(void **state)
{
	struct ctx *c = ctx_new(true);

	c->p = psp_open(c->state);
	assert_non_null(c->p);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	ctx_free(*state);
	return 0;
}

static int group_setup(void **state)
{
	struct psp *p;

	(void)state;
	unset_env();
	snprintf(base_dir, sizeof(base_dir), "/tmp/test-psp-base-XXXXXX");
	if (!mkdtemp(base_dir))
		return -1;
	p = psp_open(base_dir);
	if (!p)
		return -1;
	psp_close(p);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	rm_rf(base_dir);
	return 0;
}

static int cmd(struct psp *p, uint32_t c, void *data, bool w, uint32_t *e)
{
	*e = NO_FW;
	return psp_platform_cmd(p, c, data, w, e);
}

static struct sev_user_data_status status(struct psp *p)
{
	struct sev_user_data_status s;
	uint32_t e;

	assert_int_equal(cmd(p, SEV_CMD_PLATFORM_STATUS, &s, false, &e), 0);
	assert_int_equal(e, 0);
	return s;
}

static void export_chain(struct psp *p, struct sev_cert *pdh, struct sev_cert *pek,
			 struct sev_cert *oca, struct sev_cert *cek)
{
	uint8_t chain[CHAIN_SIZE];
	struct sev_user_data_pdh_cert_export x = {
		.pdh_cert_address = (uintptr_t)pdh->raw,
		.pdh_cert_len = SEV_CERT_SIZE,
		.cert_chain_address = (uintptr_t)chain,
		.cert_chain_len = sizeof(chain),
	};
	uint32_t e;

	assert_int_equal(cmd(p, SEV_CMD_PDH_CERT_EXPORT, &x, false, &e), 0);
	assert_int_equal(e, 0);
	assert_int_equal(x.pdh_cert_len, SEV_CERT_SIZE);
	assert_int_equal(x.cert_chain_len, CHAIN_SIZE);
	if (pek)
		memcpy(pek->raw, chain, SEV_CERT_SIZE);
	if (oca)
		memcpy(oca->raw, chain + SEV_CERT_SIZE, SEV_CERT_SIZE);
	if (cek)
		memcpy(cek->raw, chain + 2 * SEV_CERT_SIZE, SEV_CERT_SIZE);
}

static struct sev_cert export_pdh(struct psp *p)
{
	struct sev_cert pdh;

	export_chain(p, &pdh, NULL, NULL, NULL);
	return pdh;
}

/* Does `c` carry a valid signature by the key of `signer`? */
static int signed_by(const struct sev_cert *signer, const struct sev_cert *c)
{
	struct sev_key k;
	int ret;

	assert_int_equal(sev_key_from_cert(signer, &k, NULL), 0);
	ret = sev_cert_verify(&k, c, NULL, NULL);
	sev_key_free(&k);
	return ret;
}

static void make_session(struct psp *p, uint32_t policy, struct sev_session *s)
{
	struct sev_cert pdh = export_pdh(p);
	struct sev_why why = { "" };

	assert_int_equal(sev_session_build(&pdh, NULL, NULL, policy, s, &why), 0);
}

/* LAUNCH_START; returns the firmware status (0 on success, handle in *h). */
static uint32_t start(struct psp *p, uint32_t policy, const struct sev_session *s, bool es,
		      uint32_t *h)
{
	uint32_t e = NO_FW, hh = 0;
	int ret;

	ret = psp_launch_start(p, policy, s ? s->godh.raw : NULL, s ? SEV_CERT_SIZE : 0,
			       s ? (const void *)&s->blob : NULL, s ? SEV_SESSION_SIZE : 0, es, &hh,
			       &e);
	if (ret == 0) {
		assert_int_equal(e, 0);
		assert_int_not_equal(hh, 0);
		if (h)
			*h = hh;
		return 0;
	}
	assert_int_equal(ret, -EIO);
	assert_int_not_equal(e, 0);
	return e;
}

static uint32_t start_raw(struct psp *p, uint32_t policy, const void *dh, uint32_t dh_len,
			  const void *sess, uint32_t sess_len)
{
	uint32_t e = NO_FW, h = 0;
	int ret = psp_launch_start(p, policy, dh, dh_len, sess, sess_len, false, &h, &e);

	if (!ret)
		assert_int_equal(psp_decommission(p, h), 0);
	else
		assert_int_equal(ret, -EIO);
	return ret ? e : 0;
}

/* Run a guest command and return its firmware status, 0 on success. */
static uint32_t fw(int ret, uint32_t e)
{
	if (!ret) {
		assert_int_equal(e, 0);
		return 0;
	}
	assert_int_equal(ret, -EIO);
	return e;
}

static _Alignas(16) uint8_t data4k[4096];

static uint32_t update(struct psp *p, uint32_t h)
{
	uint32_t e = NO_FW;
	int ret;

	ret = psp_launch_update_data(p, h, data4k, sizeof(data4k), &e);
	return fw(ret, e);
}

static uint32_t vmsa(struct psp *p, uint32_t h)
{
	uint32_t e = NO_FW;
	int ret;

	ret = psp_launch_update_vmsa(p, h, data4k, &e);
	return fw(ret, e);
}

static uint32_t measure(struct psp *p, uint32_t h, uint8_t out[SEV_MEASURE_BLOB_SIZE])
{
	uint8_t tmp[SEV_MEASURE_BLOB_SIZE];
	uint32_t e = NO_FW;
	int ret;

	ret = psp_launch_measure(p, h, out ? out : tmp, &e);
	return fw(ret, e);
}

static uint32_t finish(struct psp *p, uint32_t h)
{
	uint32_t e = NO_FW;
	int ret;

	ret = psp_launch_finish(p, h, &e);
	return fw(ret, e);
}

static uint32_t dbg(struct psp *p, uint32_t h)
{
	uint32_t e = NO_FW;
	int ret;

	ret = psp_dbg_allowed(p, h, &e);
	return fw(ret, e);
}

static uint32_t guest_state(struct psp *p, uint32_t h, uint32_t *policy)
{
	uint32_t e = NO_FW, st = 99, pol = 99;

	assert_int_equal(psp_guest_status(p, h, &pol, &st, &e), 0);
	assert_int_equal(e, 0);
	if (policy)
		*policy = pol;
	return st;
}

/* A LAUNCH_SECRET packet for this guest's session and measurement. */
struct packet {
	struct sev_secret_header hdr;
	uint8_t ct[64];
	uint8_t pt[64];
};

static void make_packet(const struct sev_session *s, const uint8_t meas[SEV_MEASURE_BLOB_SIZE],
			struct packet *pk)
{
	for (size_t i = 0; i < sizeof(pk->pt); i++)
		pk->pt[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(sev_secret_packet_build(s->tek, s->tik, meas, NULL, 0, pk->pt,
						 sizeof(pk->pt), &pk->hdr, pk->ct, NULL),
			 0);
}

static uint32_t secret(struct psp *p, uint32_t h, const struct packet *pk, uint8_t *out)
{
	uint8_t tmp[sizeof(pk->ct)];
	uint32_t e = NO_FW;
	int ret;

	ret = psp_launch_secret(p, h, &pk->hdr, sizeof(pk->hdr), pk->ct, sizeof(pk->ct),
				out ? out : tmp, &e);
	return fw(ret, e);
}

/* ---- Persistent state and platform status ------------------------------ */

static void test_state_created_and_reloaded(void **state)
{
	struct ctx *c = ctx_new(false);
	struct sev_cert pdh1, pdh2;
	uint8_t id1[64], id2[64];
	struct sev_user_data_get_id2 g = { .address = (uintptr_t)id1, .length = 64 };
	const char *files[] = { "nv", "ark.cert", "ask.cert", "cek.cert", "lock" };
	char path[PATH_MAX];
	struct stat st;
	uint32_t e;

	(void)state;
	c->p = psp_open(c->state);
	assert_non_null(c->p);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		path_in(path, c->state, files[i]);
		assert_int_equal(stat(path, &st), 0);
		if (!strcmp(files[i], "nv"))
			assert_int_equal(st.st_mode & 0777, 0600); /* private keys inside */
	}
	pdh1 = export_pdh(c->p);
	assert_int_equal(cmd(c->p, SEV_CMD_GET_ID2, &g, false, &e), 0);
	psp_close(c->p);
	c->p = psp_open(c->state);
	assert_non_null(c->p);
	pdh2 = export_pdh(c->p);
	assert_memory_equal(pdh1.raw, pdh2.raw, SEV_CERT_SIZE);
	g.address = (uintptr_t)id2;
	assert_int_equal(cmd(c->p, SEV_CMD_GET_ID2, &g, false, &e), 0);
	assert_memory_equal(id1, id2, 64);
	/* A corrupt state file is refused, loudly, not replaced. */
	psp_close(c->p);
	c->p = NULL;
	path_in(path, c->state, "nv");
	assert_int_equal(write_file_atomic(path, "sevsim-nv 1\nchip_id 00\n", 23, 0600), 0);
	assert_null(psp_open(c->state));
	assert_int_equal(errno, EINVAL);
	ctx_free(c);
}

static void test_platform_status(void **state)
{
	struct ctx *c = *state;
	struct sev_user_data_status s = status(c->p);
	struct psp *p2;
	uint32_t e;

	assert_int_equal(s.api_major, 0);
	assert_int_equal(s.api_minor, 24);
	assert_int_equal(s.build, 17);
	assert_int_equal(s.state, SEV_PLATFORM_INIT); /* initialised "at probe" */
	assert_int_equal(s.flags, SEV_STATUS_FLAGS_CONFIG_ES);
	assert_int_equal(s.guest_count, 0);
	/* NULL data: the firmware answered, the copy faults. */
	assert_int_equal(cmd(c->p, SEV_CMD_PLATFORM_STATUS, NULL, false, &e), -EFAULT);
	/* Another firmware image over the same state. */
	setenv("SEVSIM_API", "0.17", 1);
	setenv("SEVSIM_BUILD", "3", 1);
	setenv("SEVSIM_ES", "0", 1);
	p2 = psp_open(c->state);
	assert_non_null(p2);
	s = status(p2);
	assert_int_equal(s.api_minor, 17);
	assert_int_equal(s.build, 3);
	assert_int_equal(s.flags, 0);
	psp_close(p2);
	/* Nonsense in the environment is refused, not guessed at. */
	setenv("SEVSIM_API", "24", 1);
	assert_null(psp_open(c->state));
	assert_int_equal(errno, EINVAL);
	unset_env();
	setenv("SEVSIM_MNONCE", "0011", 1);
	assert_null(psp_open(c->state));
	unset_env();
	setenv("SEVSIM_PLATFORM", "nonsense", 1);
	assert_null(psp_open(c->state));
	unset_env();
}

/* ---- The certificate chain ---------------------------------------------- */

static void verify_chain(struct ctx *c, size_t ca_size)
{
	struct sev_chain ch;
	struct sev_chain_opts o = { .any_ark = true };
	struct sev_chain_report rep;
	struct sev_why why = { "" };
	struct sev_cert cek_exported;
	char path[PATH_MAX];

	sev_chain_init(&ch);
	path_in(path, c->state, "ark.cert");
	assert_int_equal(sev_chain_load(&ch, SEV_C_ARK, path, &why), 0);
	assert_int_equal(ch.ark.len, ca_size);
	path_in(path, c->state, "ask.cert");
	assert_int_equal(sev_chain_load(&ch, SEV_C_ASK, path, &why), 0);
	path_in(path, c->state, "cek.cert");
	assert_int_equal(sev_chain_load(&ch, SEV_C_CEK, path, &why), 0);
	export_chain(c->p, &ch.pdh, &ch.pek, &ch.oca, &cek_exported);
	ch.have[SEV_C_PDH] = ch.have[SEV_C_PEK] = ch.have[SEV_C_OCA] = true;
	/* The platform exports its CEK unsigned; KDS (cek.cert) has the same key signed. */
	assert_true(sev_cert_slot_empty(&cek_exported, 0) && sev_cert_slot_empty(&cek_exported, 1));
	assert_true(sev_cert_same_key(&cek_exported, &ch.cek));
	assert_int_equal(sev_chain_verify(&ch, &o, &rep), 0);
	for (int i = 0; i < SEV_LINK_COUNT; i++)
		assert_int_equal(rep.link[i].ret, 0);
	assert_int_equal(rep.gen, -1); /* none of AMD's roots */
	/* Nobody trusts the model's ARK by default. */
	o.any_ark = false;
	assert_int_equal(sev_chain_verify(&ch, &o, &rep), -EBADMSG);
	assert_false(rep.ark_trusted);
	/* With the exported (unsigned) CEK the chain cannot reach the ASK. */
	ch.cek = cek_exported;
	o.any_ark = true;
	assert_int_equal(sev_chain_verify(&ch, &o, &rep), -EBADMSG);
	assert_int_not_equal(rep.link[SEV_LINK_CEK].ret, 0);
	assert_int_equal(rep.link[SEV_LINK_PEK_CEK].ret, 0);
}

static void test_chain_verifies(void **state)
{
	verify_chain(*state, SEV_CA_SIZE_2048);
}

static void test_chain_verifies_4096(void **state)
{
	struct ctx *c = ctx_new(false);

	(void)state;
	setenv("SEVSIM_ARK_BITS", "4096", 1);
	c->p = psp_open(c->state);
	assert_non_null(c->p);
	verify_chain(c, SEV_CA_SIZE_4096);
	ctx_free(c);
}

static void test_pek_pdh_gen(void **state)
{
	struct ctx *c = *state;
	struct sev_cert pdh0, pek0, oca0, pdh1, pek1, oca1;
	uint32_t e;

	export_chain(c->p, &pdh0, &pek0, &oca0, NULL);
	/* PDH_GEN: a new PDH under the same PEK. */
	assert_int_equal(cmd(c->p, SEV_CMD_PDH_GEN, NULL, true, &e), 0);
	assert_int_equal(e, 0);
	export_chain(c->p, &pdh1, &pek1, &oca1, NULL);
	assert_memory_not_equal(pdh0.raw, pdh1.raw, SEV_CERT_SIZE);
	assert_memory_equal(pek0.raw, pek1.raw, SEV_CERT_SIZE);
	assert_int_equal(signed_by(&pek1, &pdh1), 0);
	/* PEK_GEN: OCA, PEK and PDH all new; the old ones no longer chain. */
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_GEN, NULL, true, &e), 0);
	export_chain(c->p, &pdh0, &pek0, &oca0, NULL);
	assert_memory_not_equal(pek0.raw, pek1.raw, SEV_CERT_SIZE);
	assert_memory_not_equal(oca0.raw, oca1.raw, SEV_CERT_SIZE);
	assert_int_equal(signed_by(&oca0, &pek0), 0);
	assert_int_equal(signed_by(&pek0, &pdh0), 0);
	assert_int_not_equal(signed_by(&pek0, &pdh1), 0);
	assert_int_not_equal(signed_by(&oca0, &pek1), 0);
	/* Certificates the firmware makes carry its API version. */
	assert_int_equal(pdh0.raw[SEV_CERT_OFF_API_MINOR], 24);
	/* PEK_GEN needs INIT: not while a guest exists (WORKING). */
	assert_int_equal(start(c->p, 0, NULL, false, NULL), 0);
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_GEN, NULL, true, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_PLATFORM_STATE);
	/* PDH_GEN is allowed in WORKING. */
	assert_int_equal(cmd(c->p, SEV_CMD_PDH_GEN, NULL, true, &e), 0);
}

static void test_factory_reset(void **state)
{
	struct ctx *c = *state;
	struct sev_cert pdh0 = export_pdh(c->p), pdh1, pdh2;
	uint8_t b1[SEV_CERT_SIZE], b2[CHAIN_SIZE];
	struct sev_user_data_pdh_cert_export x = {
		.pdh_cert_address = (uintptr_t)b1,
		.pdh_cert_len = sizeof(b1),
		.cert_chain_address = (uintptr_t)b2,
		.cert_chain_len = sizeof(b2),
	};
	struct sev_user_data_status s;
	uint32_t e, h, pol, st;

	/* Not while a guest runs: the driver refuses with EBUSY. */
	assert_int_equal(start(c->p, 0, NULL, false, &h), 0);
	assert_int_equal(cmd(c->p, SEV_CMD_FACTORY_RESET, NULL, true, &e), -EBUSY);
	assert_int_equal(psp_decommission(c->p, h), 0);
	/* INIT: the driver shuts down first; the platform stays UNINIT. */
	assert_int_equal(cmd(c->p, SEV_CMD_FACTORY_RESET, NULL, true, &e), 0);
	assert_int_equal(e, 0);
	s = status(c->p);
	assert_int_equal(s.state, SEV_PLATFORM_UNINIT);
	assert_int_equal(s.flags, 0); /* FW: flags read 0 while UNINIT */
	/* A second reset in UNINIT is fine. */
	assert_int_equal(cmd(c->p, SEV_CMD_FACTORY_RESET, NULL, true, &e), 0);
	/* Export needs INIT: a reader may not initialise the platform. */
	assert_int_equal(cmd(c->p, SEV_CMD_PDH_CERT_EXPORT, &x, false, &e), -EPERM);
	assert_int_equal(e, NO_FW);
	/* A writer initialises, exports and shuts down again: a new identity. */
	assert_int_equal(cmd(c->p, SEV_CMD_PDH_CERT_EXPORT, &x, true, &e), 0);
	memcpy(pdh1.raw, b1, SEV_CERT_SIZE);
	assert_memory_not_equal(pdh0.raw, pdh1.raw, SEV_CERT_SIZE);
	assert_int_equal(status(c->p).state, SEV_PLATFORM_UNINIT);
	/* Guest commands before INIT. */
	assert_int_equal(start(c->p, 0, NULL, false, NULL), SEV_FW_INVALID_PLATFORM_STATE);
	assert_int_equal(update(c->p, 1), SEV_FW_INVALID_PLATFORM_STATE);
	assert_int_equal(measure(c->p, 1, NULL), SEV_FW_INVALID_PLATFORM_STATE);
	assert_int_equal(psp_guest_status(c->p, 1, &pol, &st, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_PLATFORM_STATE);
	/* KVM's guest INIT initialises the platform: the identity is kept. */
	assert_int_equal(psp_platform_init(c->p, &e), 0);
	assert_int_equal(status(c->p).state, SEV_PLATFORM_INIT);
	assert_int_equal(psp_platform_init(c->p, &e), 0); /* nothing to do twice */
	pdh2 = export_pdh(c->p);
	assert_memory_equal(pdh1.raw, pdh2.raw, SEV_CERT_SIZE);
	assert_int_equal(status(c->p).flags, SEV_STATUS_FLAGS_CONFIG_ES);
	/* SHUTDOWN ends this process's guests. */
	assert_int_equal(start(c->p, 0, NULL, false, &h), 0);
	assert_int_equal(psp_platform_shutdown(c->p, &e), 0);
	assert_int_equal(status(c->p).state, SEV_PLATFORM_UNINIT);
	assert_int_equal(psp_guest_key(c->p, h, b1), -ENOENT);
}

/* ---- The driver's conventions ------------------------------------------- */

static void test_length_queries(void **state)
{
	struct ctx *c = *state;
	uint8_t pdh[SEV_CERT_SIZE], chain[CHAIN_SIZE], csr[SEV_CERT_SIZE], id[128];
	struct sev_user_data_pdh_cert_export x = { 0 };
	struct sev_user_data_pek_csr r = { 0 };
	struct sev_user_data_get_id2 g = { 0 };
	struct sev_user_data_get_id old;
	uint32_t e;

	/* PDH_CERT_EXPORT: nothing given, or too little. */
	assert_int_equal(cmd(c->p, SEV_CMD_PDH_CERT_EXPORT, &x, false, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_LEN);
	assert_int_equal(x.pdh_cert_len, SEV_CERT_SIZE);
	assert_int_equal(x.cert_chain_len, CHAIN_SIZE);
	memset(chain, 0xaa, sizeof(chain));
	x = (struct sev_user_data_pdh_cert_export){ (uintptr_t)pdh, sizeof(pdh), (uintptr_t)chain,
						    100 };
	assert_int_equal(cmd(c->p, SEV_CMD_PDH_CERT_EXPORT, &x, false, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_LEN);
	assert_int_equal(x.cert_chain_len, CHAIN_SIZE);
	assert_int_equal(chain[0], 0xaa); /* nothing written into a short buffer */
	x = (struct sev_user_data_pdh_cert_export){ (uintptr_t)pdh, 0x4001, (uintptr_t)chain,
						    sizeof(chain) };
	assert_int_equal(cmd(c->p, SEV_CMD_PDH_CERT_EXPORT, &x, false, &e), -EFAULT);
	/* PEK_CSR. */
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_CSR, &r, true, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_LEN);
	assert_int_equal(r.length, SEV_CERT_SIZE);
	r = (struct sev_user_data_pek_csr){ (uintptr_t)csr, 2000 };
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_CSR, &r, true, &e), -EIO);
	assert_int_equal(r.length, SEV_CERT_SIZE);
	r = (struct sev_user_data_pek_csr){ (uintptr_t)csr, 0x4001 };
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_CSR, &r, true, &e), -EFAULT);
	r = (struct sev_user_data_pek_csr){ (uintptr_t)csr, sizeof(csr) };
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_CSR, &r, true, &e), 0);
	assert_int_equal(r.length, SEV_CERT_SIZE);
	/* GET_ID2: ask, too little, enough. */
	assert_int_equal(cmd(c->p, SEV_CMD_GET_ID2, &g, false, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_LEN);
	assert_int_equal(g.length, 64);
	memset(id, 0x55, sizeof(id));
	g = (struct sev_user_data_get_id2){ (uintptr_t)id, 10 };
	assert_int_equal(cmd(c->p, SEV_CMD_GET_ID2, &g, false, &e), -EIO);
	assert_int_equal(g.length, 64);
	assert_int_equal(id[0], 0x55);
	g = (struct sev_user_data_get_id2){ (uintptr_t)id, sizeof(id) };
	assert_int_equal(cmd(c->p, SEV_CMD_GET_ID2, &g, false, &e), 0);
	assert_int_equal(g.length, 64);
	assert_int_equal(id[64], 0x55);
	/* The deprecated GET_ID: socket 1 is the same ID. */
	memset(&old, 0, sizeof(old));
	assert_int_equal(cmd(c->p, SEV_CMD_GET_ID, &old, false, &e), 0);
	assert_memory_equal(old.socket1, id, 64);
	/* GET_ID needs API 0.16: the kernel says ENOTSUPP before. */
	psp_close(c->p);
	setenv("SEVSIM_API", "0.15", 1);
	c->p = psp_open(c->state);
	assert_non_null(c->p);
	assert_int_equal(cmd(c->p, SEV_CMD_GET_ID2, &g, false, &e), -ENOTSUPP);
	assert_int_equal(e, NO_FW);
}

static void test_writable_and_unknown(void **state)
{
	struct ctx *c = *state;
	uint8_t buf[SEV_CERT_SIZE];
	struct sev_user_data_pek_csr r = { (uintptr_t)buf, sizeof(buf) };
	struct sev_user_data_pek_cert_import im = { (uintptr_t)buf, SEV_CERT_SIZE, (uintptr_t)buf,
						    SEV_CERT_SIZE };
	struct sev_user_data_get_id2 g = { 0 };
	uint32_t e;

	/* Commands that change the platform need a writable /dev/sev. */
	assert_int_equal(cmd(c->p, SEV_CMD_FACTORY_RESET, NULL, false, &e), -EPERM);
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_GEN, NULL, false, &e), -EPERM);
	assert_int_equal(cmd(c->p, SEV_CMD_PDH_GEN, NULL, false, &e), -EPERM);
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_CSR, &r, false, &e), -EPERM);
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_CERT_IMPORT, &im, false, &e), -EPERM);
	assert_int_equal(e, NO_FW);
	/* Reading is open to all. */
	(void)status(c->p);
	(void)export_pdh(c->p);
	assert_int_equal(cmd(c->p, SEV_CMD_GET_ID2, &g, false, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_LEN);
	/* Unknown commands (SNP ones included: no SNP here), missing data. */
	assert_int_equal(cmd(c->p, 9, NULL, true, &e), -EINVAL);
	assert_int_equal(cmd(c->p, 1000, NULL, true, &e), -EINVAL);
	assert_int_equal(e, NO_FW);
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_CSR, NULL, true, &e), -EFAULT);
	assert_int_equal(cmd(c->p, SEV_CMD_PDH_CERT_EXPORT, NULL, true, &e), -EFAULT);
	assert_int_equal(cmd(c->p, SEV_CMD_GET_ID2, NULL, true, &e), -EFAULT);
	/* psp_copy_user_blob(): no address, no length or more than 16 KiB. */
	im.pek_cert_address = 0;
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_CERT_IMPORT, &im, true, &e), -EINVAL);
	im.pek_cert_address = (uintptr_t)buf;
	im.oca_cert_len = 0x4001;
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_CERT_IMPORT, &im, true, &e), -EINVAL);
}

/* ---- Ownership: PEK_CSR and PEK_CERT_IMPORT ------------------------------ */

struct owner {
	EVP_PKEY *key;
	struct sev_cert oca, pek;
};

static void owner_make(struct psp *p, struct owner *o)
{
	struct sev_user_data_pek_csr r = { (uintptr_t)o->pek.raw, SEV_CERT_SIZE };
	uint32_t e;

	assert_int_equal(cmd(p, SEV_CMD_PEK_CSR, &r, true, &e), 0);
	assert_true(sev_cert_slot_empty(&o->pek, 0) && sev_cert_slot_empty(&o->pek, 1));
	assert_int_equal(sev_ec_generate(&o->key), 0);
	assert_int_equal(sev_cert_init(&o->oca, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, o->key), 0);
	assert_int_equal(sev_cert_sign(&o->oca, o->key, SEV_USAGE_OCA, 0, NULL), 0);
	assert_int_equal(sev_cert_sign(&o->pek, o->key, SEV_USAGE_OCA, 0, NULL), 0);
}

static uint32_t import(struct psp *p, const struct sev_cert *pek, const struct sev_cert *oca)
{
	struct sev_user_data_pek_cert_import im = { (uintptr_t)pek->raw, SEV_CERT_SIZE,
						    (uintptr_t)oca->raw, SEV_CERT_SIZE };
	uint32_t e = NO_FW;
	int ret;

	ret = cmd(p, SEV_CMD_PEK_CERT_IMPORT, &im, true, &e);
	return fw(ret, e);
}

static void test_pek_import(void **state)
{
	struct ctx *c = *state;
	struct sev_cert pdh0 = export_pdh(c->p), pdh, pek, oca, cek, t;
	struct sev_user_data_pek_cert_import im;
	struct owner o;
	uint32_t e;

	owner_make(c->p, &o);
	/* Refusals first, each with the firmware's status. */
	t = o.pek;
	t.raw[0x20] ^= 1; /* the body is not the firmware's PEK any more */
	assert_int_equal(sev_cert_sign(&t, o.key, SEV_USAGE_OCA, 0, NULL), 0);
	assert_int_equal(import(c->p, &t, &o.oca), SEV_FW_INVALID_CERTIFICATE);
	t = o.pek;
	t.raw[SEV_CERT_OFF_SIG1 + 8] ^= 1; /* r of the OCA signature */
	assert_int_equal(import(c->p, &t, &o.oca), SEV_FW_BAD_SIGNATURE);
	t = o.pek;
	sev_put_le32(t.raw + SEV_CERT_OFF_SIG2 + 4, SEV_ALGO_ECDSA_SHA256); /* half-empty slot */
	assert_int_equal(import(c->p, &t, &o.oca), SEV_FW_BAD_SIGNATURE);
	t = o.oca;
	memset(t.raw + SEV_CERT_OFF_SIG1 + 8, 0, SEV_CERT_SIG_SIZE);
	sev_put_le32(t.raw + SEV_CERT_OFF_SIG1, SEV_USAGE_INVALID);
	sev_put_le32(t.raw + SEV_CERT_OFF_SIG1 + 4, SEV_ALGO_INVALID); /* OCA unsigned */
	assert_int_equal(import(c->p, &o.pek, &t), SEV_FW_INVALID_CERTIFICATE);
	im = (struct sev_user_data_pek_cert_import){ (uintptr_t)o.pek.raw, 100,
						     (uintptr_t)o.oca.raw, SEV_CERT_SIZE };
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_CERT_IMPORT, &im, true, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_LEN);
	/* The real thing: owned, the PEK carries the owner's OCA and the CEK. */
	assert_int_equal(import(c->p, &o.pek, &o.oca), 0);
	assert_int_equal(status(c->p).flags & SEV_PLATFORM_F_OWNED, SEV_PLATFORM_F_OWNED);
	export_chain(c->p, &pdh, &pek, &oca, &cek);
	assert_memory_equal(oca.raw, o.oca.raw, SEV_CERT_SIZE);
	assert_int_equal(signed_by(&oca, &pek), 0);
	assert_int_equal(signed_by(&cek, &pek), 0);
	assert_int_equal(signed_by(&pek, &pdh), 0);
	assert_memory_not_equal(pdh.raw, pdh0.raw, SEV_CERT_SIZE); /* a new PDH */
	assert_int_equal(import(c->p, &o.pek, &o.oca), SEV_FW_ALREADY_OWNED);
	/* The owned state survives (without the OCA's private key). */
	psp_close(c->p);
	c->p = psp_open(c->state);
	assert_non_null(c->p);
	assert_int_equal(status(c->p).flags & SEV_PLATFORM_F_OWNED, SEV_PLATFORM_F_OWNED);
	/* PEK_GEN makes the platform self-owned again. */
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_GEN, NULL, true, &e), 0);
	assert_int_equal(status(c->p).flags & SEV_PLATFORM_F_OWNED, 0);
	export_chain(c->p, &pdh, &pek, &oca, NULL);
	assert_int_equal(signed_by(&oca, &oca), 0);
	assert_int_equal(signed_by(&oca, &pek), 0);
	EVP_PKEY_free(o.key);
}

/* ---- Guests --------------------------------------------------------------- */

struct guest {
	uint32_t h;
	struct sev_session s;
	uint8_t meas[SEV_MEASURE_BLOB_SIZE];
	struct packet pk;
};

/* A guest with a session, driven to `st` (LUPDATE, LSECRET or RUNNING). */
static void guest_to(struct psp *p, struct guest *g, uint32_t policy, bool es, uint32_t st)
{
	make_session(p, policy, &g->s);
	assert_int_equal(start(p, policy, &g->s, es, &g->h), 0);
	assert_int_equal(update(p, g->h), 0);
	if (es)
		assert_int_equal(vmsa(p, g->h), 0);
	if (st == SEV_GUEST_LUPDATE)
		return;
	assert_int_equal(measure(p, g->h, g->meas), 0);
	make_packet(&g->s, g->meas, &g->pk);
	if (st == SEV_GUEST_LSECRET)
		return;
	assert_int_equal(finish(p, g->h), 0);
}

enum gcmd { G_DATA, G_VMSA, G_MEASURE, G_SECRET, G_FINISH, G_DBG, G_NCMD };

static uint32_t run_gcmd(struct psp *p, struct guest *g, enum gcmd c)
{
	switch (c) {
	case G_DATA:
		return update(p, g->h);
	case G_VMSA:
		return vmsa(p, g->h);
	case G_MEASURE:
		return measure(p, g->h, NULL);
	case G_SECRET:
		return secret(p, g->h, &g->pk, NULL);
	case G_FINISH:
		return finish(p, g->h);
	case G_DBG:
		return dbg(p, g->h);
	default:
		fail();
	}
	return 0;
}

static void test_guest_state_machine(void **state)
{
	struct ctx *c = *state;
	/* FW sev_guest.c state table; rows LUPDATE, LSECRET, RUNNING. */
	static const uint32_t want[3][G_NCMD] = {
		{ 0, 0, 0, SEV_FW_INVALID_GUEST_STATE, SEV_FW_INVALID_GUEST_STATE, 0 },
		{ SEV_FW_INVALID_GUEST_STATE, SEV_FW_INVALID_GUEST_STATE,
		  SEV_FW_INVALID_GUEST_STATE, 0, 0, 0 },
		{ SEV_FW_INVALID_GUEST_STATE, SEV_FW_INVALID_GUEST_STATE,
		  SEV_FW_INVALID_GUEST_STATE, SEV_FW_INVALID_GUEST_STATE,
		  SEV_FW_INVALID_GUEST_STATE, 0 },
	};
	struct guest g;
	uint32_t pol;

	for (uint32_t st = SEV_GUEST_LUPDATE; st <= SEV_GUEST_RUNNING; st++) {
		for (int cm = 0; cm < G_NCMD; cm++) {
			memset(&g, 0, sizeof(g));
			/* ES policy and VM, so that VMSAs are legal. */
			guest_to(c->p, &g, SEV_POLICY_ES, true, st);
			if (st == SEV_GUEST_LUPDATE)
				make_packet(&g.s, g.meas, &g.pk);
			assert_int_equal(guest_state(c->p, g.h, &pol), st);
			assert_int_equal(pol, SEV_POLICY_ES);
			assert_int_equal(run_gcmd(c->p, &g, cm), want[st - 1][cm]);
			assert_int_equal(psp_decommission(c->p, g.h), 0);
		}
	}
	/* Twice in a row where once is the rule. */
	memset(&g, 0, sizeof(g));
	guest_to(c->p, &g, 0, false, SEV_GUEST_RUNNING);
	assert_int_equal(guest_state(c->p, g.h, NULL), SEV_GUEST_RUNNING);
	assert_int_equal(finish(c->p, g.h), SEV_FW_INVALID_GUEST_STATE);
	assert_int_equal(measure(c->p, g.h, NULL), SEV_FW_INVALID_GUEST_STATE);
	/* Unknown handle while the platform is WORKING: INVALID_GUEST. */
	assert_int_equal(update(c->p, g.h + 7), SEV_FW_INVALID_GUEST);
	assert_int_equal(vmsa(c->p, 0), SEV_FW_INVALID_GUEST);
	assert_int_equal(measure(c->p, 999, NULL), SEV_FW_INVALID_GUEST);
	assert_int_equal(secret(c->p, 999, &g.pk, NULL), SEV_FW_INVALID_GUEST);
	assert_int_equal(finish(c->p, 999), SEV_FW_INVALID_GUEST);
	assert_int_equal(dbg(c->p, 999), SEV_FW_INVALID_GUEST);
	/* GUEST_STATUS of a handle nobody has: state 0, no error (FW). */
	assert_int_equal(guest_state(c->p, 999, &pol), SEV_GUEST_UNINIT);
	assert_int_equal(pol, 0);
	/* Decommissioned: the handle is gone, and with it the platform's WORKING. */
	assert_int_equal(psp_decommission(c->p, g.h), 0);
	assert_int_equal(psp_decommission(c->p, g.h), -ENOENT);
	assert_int_equal(status(c->p).state, SEV_PLATFORM_INIT);
	/* No guest at all: INVALID_PLATFORM_STATE (FW checks WORKING first). */
	assert_int_equal(update(c->p, g.h), SEV_FW_INVALID_PLATFORM_STATE);
	assert_int_equal(measure(c->p, 0, NULL), SEV_FW_INVALID_PLATFORM_STATE);
	assert_int_equal(finish(c->p, 0), SEV_FW_INVALID_PLATFORM_STATE);
	assert_int_equal(dbg(c->p, 0), SEV_FW_INVALID_PLATFORM_STATE);
	assert_int_equal(guest_state(c->p, 0, NULL), SEV_GUEST_UNINIT);
}

static void test_session_accepted(void **state)
{
	struct ctx *c = *state;
	struct sev_measure_params mp = { .api_major = 0, .api_minor = 24, .build_id = 17 };
	uint8_t meas[SEV_MEASURE_BLOB_SIZE], want[SEV_MAC_SIZE], out[64], key1[32], key2[32];
	struct sev_session s;
	struct packet pk;
	uint32_t h, e;

	make_session(c->p, SEV_POLICY_NODBG, &s);
	assert_int_equal(start(c->p, SEV_POLICY_NODBG, &s, false, &h), 0);
	assert_int_equal(status(c->p).state, SEV_PLATFORM_WORKING);
	assert_int_equal(status(c->p).guest_count, 1);
	for (size_t i = 0; i < sizeof(data4k); i++)
		data4k[i] = (uint8_t)(i * 31 + 5);
	assert_int_equal(update(c->p, h), 0);
	assert_int_equal(update(c->p, h), 0);
	assert_int_equal(measure(c->p, h, meas), 0);
	/* What the guest owner computes from the data, the session TIK and the nonce. */
	{
		struct sev_ld ld;

		assert_int_equal(sev_ld_init(&ld), 0);
		assert_int_equal(sev_ld_update(&ld, data4k, sizeof(data4k)), 0);
		assert_int_equal(sev_ld_update(&ld, data4k, sizeof(data4k)), 0);
		assert_int_equal(sev_ld_final(&ld, mp.ld), 0);
	}
	mp.policy = SEV_POLICY_NODBG;
	memcpy(mp.mnonce, meas + SEV_MAC_SIZE, SEV_MNONCE_SIZE);
	assert_int_equal(sev_measure_compute(s.tik, &mp, want), 0);
	assert_memory_equal(meas, want, SEV_MAC_SIZE);
	/* A packet for this measurement decrypts to what was sent. */
	make_packet(&s, meas, &pk);
	assert_int_equal(secret(c->p, h, &pk, out), 0);
	assert_memory_equal(out, pk.pt, sizeof(out));
	assert_int_equal(secret(c->p, h, &pk, out), 0); /* more than one is allowed */
	assert_int_equal(dbg(c->p, h), SEV_FW_POLICY_FAILURE);
	assert_int_equal(finish(c->p, h), 0);
	assert_int_equal(guest_state(c->p, h, NULL), SEV_GUEST_RUNNING);
	/* Every guest has its own memory key; decommissioning wipes it. */
	assert_int_equal(psp_guest_key(c->p, h, key1), 0);
	assert_int_equal(start(c->p, 0, NULL, false, &e), 0);
	assert_int_equal(psp_guest_key(c->p, e, key2), 0);
	assert_memory_not_equal(key1, key2, 32);
	assert_int_equal(psp_decommission(c->p, h), 0);
	assert_int_equal(psp_guest_key(c->p, h, key1), -ENOENT);
}

static void test_session_refused(void **state)
{
	struct ctx *c = *state;
	struct sev_session s, t;
	uint8_t *godh, *sess;
	size_t n;

	make_session(c->p, 1, &s);
	/* Each part of the session is protected by a MAC: BAD_MEASUREMENT. */
	t = s;
	t.blob.nonce[0] ^= 1;
	assert_int_equal(start(c->p, 1, &t, false, NULL), SEV_FW_BAD_MEASUREMENT);
	t = s;
	t.blob.wrap_tk[3] ^= 1;
	assert_int_equal(start(c->p, 1, &t, false, NULL), SEV_FW_BAD_MEASUREMENT);
	t = s;
	t.blob.wrap_iv[15] ^= 1; /* wrong TIK unwrapped: the policy MAC fails */
	assert_int_equal(start(c->p, 1, &t, false, NULL), SEV_FW_BAD_MEASUREMENT);
	t = s;
	t.blob.wrap_mac[31] ^= 1;
	assert_int_equal(start(c->p, 1, &t, false, NULL), SEV_FW_BAD_MEASUREMENT);
	t = s;
	t.blob.policy_mac[0] ^= 1;
	assert_int_equal(start(c->p, 1, &t, false, NULL), SEV_FW_BAD_MEASUREMENT);
	/* The session was made for policy 1: the hypervisor may not change it. */
	assert_int_equal(start(c->p, 3, &s, false, NULL), SEV_FW_BAD_MEASUREMENT);
	/* Another GODH with this blob: another shared secret. */
	make_session(c->p, 1, &t);
	t.blob = s.blob;
	assert_int_equal(start(c->p, 1, &t, false, NULL), SEV_FW_BAD_MEASUREMENT);
	/* A session for another platform (the synthetic one). */
	godh = vec_read("derived/godh.cert", &n);
	sess = vec_read("derived/session_synthetic.bin", &n);
	assert_int_equal(start_raw(c->p, 1, godh, SEV_CERT_SIZE, sess, SEV_SESSION_SIZE),
			 SEV_FW_BAD_MEASUREMENT);
	free(godh);
	free(sess);
	/* Malformed GODH certificates (FW sev_cert_sanity_check, ecdh_key_agreement). */
	t = s;
	sev_put_le32(t.godh.raw + SEV_CERT_OFF_USAGE, SEV_USAGE_PEK);
	assert_int_equal(start(c->p, 1, &t, false, NULL), SEV_FW_INVALID_CERTIFICATE);
	t = s;
	sev_put_le32(t.godh.raw + SEV_CERT_OFF_ALGO, SEV_ALGO_ECDH_SHA384);
	assert_int_equal(start(c->p, 1, &t, false, NULL), SEV_FW_INVALID_CERTIFICATE);
	t = s;
	t.godh.raw[SEV_ECC_OFF_QX] ^= 1; /* off the curve */
	assert_int_equal(start(c->p, 1, &t, false, NULL), SEV_FW_INVALID_CERTIFICATE);
	t = s;
	sev_put_le32(t.godh.raw, 2); /* version */
	assert_int_equal(start(c->p, 1, &t, false, NULL), SEV_FW_INVALID_CERTIFICATE);
	/* Lengths (FW sev_mcmd_launch_start): exact sizes, a GODH needs a session. */
	assert_int_equal(start_raw(c->p, 1, s.godh.raw, SEV_CERT_SIZE, NULL, 0),
			 SEV_FW_INVALID_LEN);
	assert_int_equal(start_raw(c->p, 1, s.godh.raw, SEV_CERT_SIZE, &s.blob, 127),
			 SEV_FW_INVALID_LEN);
	assert_int_equal(start_raw(c->p, 1, s.godh.raw, 2083, &s.blob, SEV_SESSION_SIZE),
			 SEV_FW_INVALID_LEN);
	/* A session without a GODH is ignored: TIK zero, any policy. */
	assert_int_equal(start_raw(c->p, 3, NULL, 0, &s.blob, SEV_SESSION_SIZE), 0);
	/* Nothing was left behind by the refusals. */
	assert_int_equal(status(c->p).guest_count, 0);
	assert_int_equal(start(c->p, 1, &s, false, NULL), 0);
}

static void test_policy(void **state)
{
	struct ctx *c = *state;
	struct sev_session s;
	struct psp *p2;
	uint32_t h;

	/* Reserved bits and a minimum API above 0.24 (FW sev_guest_verify_policy). */
	make_session(c->p, 1u << 6, &s);
	assert_int_equal(start(c->p, 1u << 6, &s, false, NULL), SEV_FW_POLICY_FAILURE);
	make_session(c->p, 25u << SEV_POLICY_API_MINOR_SHIFT, &s);
	assert_int_equal(start(c->p, 25u << SEV_POLICY_API_MINOR_SHIFT, &s, false, NULL),
			 SEV_FW_POLICY_FAILURE);
	make_session(c->p, 1u << SEV_POLICY_API_MAJOR_SHIFT, &s);
	assert_int_equal(start(c->p, 1u << SEV_POLICY_API_MAJOR_SHIFT, &s, false, NULL),
			 SEV_FW_POLICY_FAILURE);
	make_session(c->p, 24u << SEV_POLICY_API_MINOR_SHIFT, &s);
	assert_int_equal(start(c->p, 24u << SEV_POLICY_API_MINOR_SHIFT, &s, false, NULL), 0);
	/* Without a session the firmware does not look at the policy. */
	assert_int_equal(start(c->p, 1u << 6, NULL, false, NULL), 0);
	/* SEV-ES: the VM's ASID kind must match the ES bit (ACTIVATE). */
	assert_int_equal(start(c->p, SEV_POLICY_ES, NULL, false, NULL), SEV_FW_INVALID_ASID);
	assert_int_equal(start(c->p, 0, NULL, true, NULL), SEV_FW_INVALID_ASID);
	assert_int_equal(start(c->p, SEV_POLICY_ES, NULL, true, &h), 0);
	assert_int_equal(vmsa(c->p, h), 0);
	assert_int_equal(start(c->p, 0, NULL, false, &h), 0);
	assert_int_equal(vmsa(c->p, h), SEV_FW_UNSUPPORTED); /* not an ES guest */
	/* A firmware without SEV-ES. */
	setenv("SEVSIM_ES", "0", 1);
	p2 = psp_open(c->state);
	assert_non_null(p2);
	assert_int_equal(start(p2, SEV_POLICY_ES, NULL, true, NULL), SEV_FW_UNSUPPORTED);
	psp_close(p2);
}

static void test_key_sharing(void **state)
{
	struct ctx *c = *state;
	uint8_t k1[32], k2[32];
	uint32_t h1, h2, e;

	assert_int_equal(start(c->p, 0, NULL, false, &h1), 0);
	h2 = h1;
	assert_int_equal(psp_launch_start(c->p, 0, NULL, 0, NULL, 0, false, &h2, &e), 0);
	assert_int_not_equal(h2, h1);
	assert_int_equal(psp_guest_key(c->p, h1, k1), 0);
	assert_int_equal(psp_guest_key(c->p, h2, k2), 0);
	assert_memory_equal(k1, k2, 32);
	/* Only with the same policy, never under NOKS, never with a stranger. */
	h2 = h1;
	assert_int_equal(psp_launch_start(c->p, 1, NULL, 0, NULL, 0, false, &h2, &e), -EIO);
	assert_int_equal(e, SEV_FW_POLICY_FAILURE);
	assert_int_equal(start(c->p, SEV_POLICY_NOKS, NULL, false, &h1), 0);
	h2 = h1;
	assert_int_equal(psp_launch_start(c->p, SEV_POLICY_NOKS, NULL, 0, NULL, 0, false, &h2, &e),
			 -EIO);
	assert_int_equal(e, SEV_FW_POLICY_FAILURE);
	h2 = 1000;
	assert_int_equal(psp_launch_start(c->p, 0, NULL, 0, NULL, 0, false, &h2, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_GUEST);
}

static void test_no_session_zero_tik(void **state)
{
	struct ctx *c = *state;
	struct sev_measure_params mp = { .api_major = 0, .api_minor = 17, .build_id = 3 };
	uint8_t meas[SEV_MEASURE_BLOB_SIZE], want[SEV_MAC_SIZE], zero[SEV_KEY_SIZE] = { 0 };
	struct psp *p2;
	uint32_t h;

	setenv("SEVSIM_API", "0.17", 1);
	setenv("SEVSIM_BUILD", "3", 1);
	setenv("SEVSIM_MNONCE", "000102030405060708090a0b0c0d0e0f", 1);
	p2 = psp_open(c->state);
	assert_non_null(p2);
	assert_int_equal(start(p2, 5, NULL, true, &h), 0);
	assert_int_equal(update(p2, h), 0);
	assert_int_equal(vmsa(p2, h), 0);
	assert_int_equal(measure(p2, h, meas), 0);
	for (int i = 0; i < SEV_MNONCE_SIZE; i++)
		assert_int_equal(meas[SEV_MAC_SIZE + i], i);
	{
		struct sev_ld ld;

		assert_int_equal(sev_ld_init(&ld), 0);
		assert_int_equal(sev_ld_update(&ld, data4k, sizeof(data4k)), 0);
		assert_int_equal(sev_ld_update(&ld, data4k, sizeof(data4k)), 0);
		assert_int_equal(sev_ld_final(&ld, mp.ld), 0);
	}
	mp.policy = 5;
	memcpy(mp.mnonce, meas + SEV_MAC_SIZE, SEV_MNONCE_SIZE);
	assert_int_equal(sev_measure_compute(zero, &mp, want), 0);
	assert_memory_equal(meas, want, SEV_MAC_SIZE);
	psp_close(p2);
}

static void test_update_checks(void **state)
{
	struct ctx *c = *state;
	uint32_t h, e = NO_FW;

	assert_int_equal(start(c->p, 0, NULL, false, &h), 0);
	assert_int_equal(psp_launch_update_data(c->p, h, data4k, 15, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_LEN);
	assert_int_equal(psp_launch_update_data(c->p, h, data4k, 0, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_LEN);
	assert_int_equal(psp_launch_update_data(c->p, h, data4k + 8, 16, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_ADDRESS);
	assert_int_equal(psp_launch_update_data(c->p, h, data4k + 16, 16, &e), 0);
}

static void test_secret_checks(void **state)
{
	struct ctx *c = *state;
	uint8_t out[64];
	struct guest g;
	struct packet t;
	uint32_t e = NO_FW;

	memset(&g, 0, sizeof(g));
	guest_to(c->p, &g, 0, false, SEV_GUEST_LSECRET);
	/* Tampering anywhere breaks the MAC. */
	t = g.pk;
	t.ct[10] ^= 1;
	assert_int_equal(secret(c->p, g.h, &t, out), SEV_FW_BAD_MEASUREMENT);
	t = g.pk;
	t.hdr.iv[0] ^= 1;
	assert_int_equal(secret(c->p, g.h, &t, out), SEV_FW_BAD_MEASUREMENT);
	t = g.pk;
	t.hdr.mac[5] ^= 1;
	assert_int_equal(secret(c->p, g.h, &t, out), SEV_FW_BAD_MEASUREMENT);
	t = g.pk;
	t.hdr.flags = 2;
	assert_int_equal(secret(c->p, g.h, &t, out), SEV_FW_BAD_MEASUREMENT);
	/* COMPRESSED is checked after the MAC: UNSUPPORTED. */
	t = g.pk;
	t.hdr.flags = SEV_SECRET_F_COMPRESSED;
	assert_int_equal(sev_secret_mac(g.s.tik, g.meas, t.hdr.flags, t.hdr.iv, t.ct, sizeof(t.ct),
					t.hdr.mac),
			 0);
	assert_int_equal(secret(c->p, g.h, &t, out), SEV_FW_UNSUPPORTED);
	/* Lengths and the guest address (FW sev_mcmd_launch_secret). */
	assert_int_equal(
		psp_launch_secret_at(c->p, g.h, &g.pk.hdr, 51, 0, 64, g.pk.ct, 64, out, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_LEN);
	assert_int_equal(
		psp_launch_secret_at(c->p, g.h, &g.pk.hdr, 52, 0, 48, g.pk.ct, 64, out, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_LEN);
	assert_int_equal(
		psp_launch_secret_at(c->p, g.h, &g.pk.hdr, 52, 0, 60, g.pk.ct, 60, out, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_LEN);
	assert_int_equal(psp_launch_secret_at(c->p, g.h, &g.pk.hdr, 52, 0x1008, 64, g.pk.ct, 64,
					      out, &e),
			 -EIO);
	assert_int_equal(e, SEV_FW_INVALID_ADDRESS);
	assert_int_equal(psp_launch_secret_at(c->p, g.h, &g.pk.hdr, 52, 0x1010, 64, g.pk.ct, 64,
					      out, &e),
			 0);
	assert_memory_equal(out, g.pk.pt, 64);
}

static void test_dbg_policy(void **state)
{
	struct ctx *c = *state;
	uint32_t h;

	assert_int_equal(start(c->p, SEV_POLICY_NODBG, NULL, false, &h), 0);
	assert_int_equal(dbg(c->p, h), SEV_FW_POLICY_FAILURE);
	assert_int_equal(start(c->p, 0, NULL, false, &h), 0);
	assert_int_equal(dbg(c->p, h), 0);
	assert_int_equal(update(c->p, h), 0);
	assert_int_equal(measure(c->p, h, NULL), 0);
	assert_int_equal(dbg(c->p, h), 0);
}

/* ---- The synthetic platform and its known answers ---------------------- */

static void synthetic_kat(struct psp *p)
{
	char *doc = (char *)vec_read("derived/measure_secret_synthetic_kat.json", &(size_t){ 0 });
	uint8_t want_blob[SEV_MEASURE_BLOB_SIZE], want_meas[SEV_MAC_SIZE], want_plain[64];
	uint8_t meas[SEV_MEASURE_BLOB_SIZE], out[64];
	char *v;
	uint8_t *godh, *sess, *ovmf, *hdr, *payload, *plain;
	size_t n_godh, n_sess, n_ovmf, n_hdr, n_payload, n_plain;
	struct sev_cert pdh = export_pdh(p);
	uint8_t *syn_pdh;
	size_t n;
	uint32_t h = 0, e = NO_FW;

	syn_pdh = vec_read("derived/synthetic/pdh.cert", &n);
	assert_memory_equal(pdh.raw, syn_pdh, SEV_CERT_SIZE);
	godh = vec_read("derived/godh.cert", &n_godh);
	sess = vec_read("derived/session_synthetic.bin", &n_sess);
	ovmf = vec_read("sevctl/measurement/OVMF.amdsev.fd_trimmed", &n_ovmf);
	hdr = vec_read("derived/secret_synthetic_header.bin", &n_hdr);
	payload = vec_read("derived/secret_synthetic_payload.bin", &n_payload);
	plain = vec_read("derived/secret_synthetic_table_plain.bin", &n_plain);
	v = json_get(doc, "launch_measure_blob_b64");
	assert_int_equal(unb64(v, want_blob, sizeof(want_blob)), SEV_MEASURE_BLOB_SIZE);
	free(v);
	v = json_get(doc, "measurement");
	unhex(v, want_meas, sizeof(want_meas), SEV_MAC_SIZE);
	free(v);
	v = json_get(doc, "secret_table_plain_hex");
	unhex(v, want_plain, sizeof(want_plain), sizeof(want_plain));
	free(v);
	free(doc);
	assert_int_equal(psp_launch_start(p, 1, godh, (uint32_t)n_godh, sess, (uint32_t)n_sess,
					  false, &h, &e),
			 0);
	assert_int_equal(psp_launch_update_data(p, h, ovmf, (uint32_t)n_ovmf, &e), 0);
	assert_int_equal(psp_launch_measure(p, h, meas, &e), 0);
	assert_memory_equal(meas, want_blob, SEV_MEASURE_BLOB_SIZE);
	assert_memory_equal(meas, want_meas, SEV_MAC_SIZE);
	/* The KAT's secret: a flipped byte anywhere is refused. */
	payload[0] ^= 1;
	assert_int_equal(psp_launch_secret(p, h, hdr, (uint32_t)n_hdr, payload, (uint32_t)n_payload,
					   out, &e),
			 -EIO);
	assert_int_equal(e, SEV_FW_BAD_MEASUREMENT);
	payload[0] ^= 1;
	hdr[n_hdr - 1] ^= 1;
	assert_int_equal(psp_launch_secret(p, h, hdr, (uint32_t)n_hdr, payload, (uint32_t)n_payload,
					   out, &e),
			 -EIO);
	assert_int_equal(e, SEV_FW_BAD_MEASUREMENT);
	hdr[n_hdr - 1] ^= 1;
	assert_int_equal(n_payload, n_plain);
	assert_int_equal(psp_launch_secret(p, h, hdr, (uint32_t)n_hdr, payload, (uint32_t)n_payload,
					   out, &e),
			 0);
	assert_memory_equal(out, plain, n_plain);
	assert_memory_equal(out, want_plain, sizeof(want_plain));
	assert_int_equal(psp_launch_finish(p, h, &e), 0);
	assert_int_equal(psp_decommission(p, h), 0);
	free(godh);
	free(sess);
	free(ovmf);
	free(hdr);
	free(payload);
	free(plain);
	free(syn_pdh);
}

static void test_synthetic_kat(void **state)
{
	struct ctx *c = *state;
	struct psp *p2;

	setenv("SEVSIM_PLATFORM", "synthetic", 1);
	setenv("SEVSIM_VECTORS", vec_dir(), 1);
	setenv("SEVSIM_MNONCE", "404142434445464748494a4b4c4d4e4f", 1);
	/* An existing state directory switches to the synthetic identity once. */
	p2 = psp_open(c->state);
	assert_non_null(p2);
	synthetic_kat(p2);
	psp_close(p2);
}

static void test_synthetic_platform_file(void **state)
{
	struct ctx *c = ctx_new(false);
	struct sev_cert pdh0, pdh1;
	char path[PATH_MAX], text[PATH_MAX + 16];
	uint32_t e;

	(void)state;
	assert_int_equal(mkdir(c->state, 0700), 0);
	path_in(path, c->state, "platform");
	snprintf(text, sizeof(text), "synthetic %s\n", vec_dir());
	assert_int_equal(write_file_atomic(path, text, strlen(text), 0644), 0);
	setenv("SEVSIM_MNONCE", "404142434445464748494a4b4c4d4e4f", 1);
	c->p = psp_open(c->state);
	assert_non_null(c->p);
	synthetic_kat(c->p);
	/* PDH_GEN changes the synthetic platform like any other, for good. */
	pdh0 = export_pdh(c->p);
	assert_int_equal(cmd(c->p, SEV_CMD_PDH_GEN, NULL, true, &e), 0);
	psp_close(c->p);
	c->p = psp_open(c->state);
	assert_non_null(c->p);
	pdh1 = export_pdh(c->p);
	assert_memory_not_equal(pdh0.raw, pdh1.raw, SEV_CERT_SIZE);
	/* FACTORY_RESET brings back the factory identity: the synthetic one. */
	assert_int_equal(cmd(c->p, SEV_CMD_FACTORY_RESET, NULL, true, &e), 0);
	assert_int_equal(psp_platform_init(c->p, &e), 0);
	synthetic_kat(c->p);
	ctx_free(c);
}

/* ---- Processes and threads ---------------------------------------------- */

static void test_processes_share_one_platform(void **state)
{
	struct ctx *c = *state;
	int to_child[2], to_parent[2];
	uint32_t child_h = 0, h, e;
	struct sev_user_data_status s;
	pid_t pid;
	char go = 'x';

	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Another VMM: one guest, then killed without decommissioning. */
		struct psp *p;

		alarm(60); /* never outlive a parent that failed */
		p = psp_open(c->state);
		uint32_t hh = 0, ee = 0;

		if (!p || psp_launch_start(p, 0, NULL, 0, NULL, 0, false, &hh, &ee))
			_exit(1);
		if (write(to_parent[1], &hh, sizeof(hh)) != sizeof(hh))
			_exit(2);
		if (read(to_child[0], &go, 1) != 1)
			_exit(3);
		_exit(0);
	}
	assert_int_equal(read(to_parent[0], &child_h, sizeof(child_h)), sizeof(child_h));
	assert_int_equal(child_h, 1);
	s = status(c->p);
	assert_int_equal(s.state, SEV_PLATFORM_WORKING);
	assert_int_equal(s.guest_count, 1);
	assert_int_equal(cmd(c->p, SEV_CMD_PEK_GEN, NULL, true, &e), -EIO);
	assert_int_equal(e, SEV_FW_INVALID_PLATFORM_STATE);
	assert_int_equal(cmd(c->p, SEV_CMD_FACTORY_RESET, NULL, true, &e), -EBUSY);
	/* Handles are the one firmware's: ours is not the child's. */
	assert_int_equal(start(c->p, 0, NULL, false, &h), 0);
	assert_int_equal(h, 2);
	assert_int_equal(status(c->p).guest_count, 2);
	assert_int_equal(psp_decommission(c->p, h), 0);
	/* The child's guest is not ours to drive, but the platform is WORKING. */
	assert_int_equal(update(c->p, child_h), SEV_FW_INVALID_GUEST);
	assert_int_equal(write(to_child[1], &go, 1), 1);
	assert_int_equal(waitpid(pid, &(int){ 0 }, 0), pid);
	/* The child died with its guest: gone as KVM's sev_vm_destroy() would make it. */
	s = status(c->p);
	assert_int_equal(s.state, SEV_PLATFORM_INIT);
	assert_int_equal(s.guest_count, 0);
	assert_int_equal(start(c->p, 0, NULL, false, &h), 0);
	assert_int_equal(h, 1);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

static void test_concurrent_creation(void **state)
{
	struct ctx *c = ctx_new(false);
	enum { N = 4 };
	uint8_t pdh[N][SEV_CERT_SIZE];
	pid_t pids[N];
	char path[PATH_MAX];

	(void)state;
	assert_int_equal(mkdir(c->state, 0700), 0);
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct psp *p = psp_open(c->state);
			uint8_t chain[CHAIN_SIZE], b[SEV_CERT_SIZE];
			struct sev_user_data_pdh_cert_export x = { (uintptr_t)b, sizeof(b),
								   (uintptr_t)chain,
								   sizeof(chain) };
			char out[PATH_MAX + 16];
			uint32_t ee;

			if (!p || psp_platform_cmd(p, SEV_CMD_PDH_CERT_EXPORT, &x, false, &ee))
				_exit(1);
			snprintf(out, sizeof(out), "%s/pdh.%d", c->tmp, i);
			_exit(write_file_atomic(out, b, sizeof(b), 0600) ? 2 : 0);
		}
	}
	for (int i = 0; i < N; i++) {
		int st = -1;

		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* One platform was made, not four. */
	for (int i = 0; i < N; i++) {
		size_t len = 0;
		uint8_t *b;

		if (snprintf(path, sizeof(path), "%s/pdh.%d", c->tmp, i) >= (int)sizeof(path))
			fail();
		b = read_file(path, 1 << 16, &len);
		assert_non_null(b);
		assert_int_equal(len, SEV_CERT_SIZE);
		memcpy(pdh[i], b, len);
		free(b);
		assert_memory_equal(pdh[i], pdh[0], SEV_CERT_SIZE);
	}
	ctx_free(c);
}

struct worker {
	struct psp *p;
	uint32_t h;
	int fails;
	uint8_t meas[SEV_MEASURE_BLOB_SIZE];
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	uint32_t e;

	if (psp_launch_start(w->p, 0, NULL, 0, NULL, 0, false, &w->h, &e))
		w->fails++;
	for (int i = 0; i < 200; i++)
		if (psp_launch_update_data(w->p, w->h, data4k, 256, &e))
			w->fails++;
	if (psp_launch_measure(w->p, w->h, w->meas, &e))
		w->fails++;
	return NULL;
}

static void test_threads(void **state)
{
	struct ctx *c = *state;
	enum { N = 4 };
	struct worker w[N];
	pthread_t t[N];

	memset(w, 0, sizeof(w));
	for (int i = 0; i < N; i++) {
		w[i].p = c->p;
		assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(w[i].fails, 0);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(w[i].h, w[j].h);
	}
	assert_int_equal(status(c->p).guest_count, N);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_created_and_reloaded),
		cmocka_unit_test_setup_teardown(test_platform_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_verifies, setup, teardown),
		cmocka_unit_test(test_chain_verifies_4096),
		cmocka_unit_test_setup_teardown(test_pek_pdh_gen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_factory_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_length_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writable_and_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pek_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_state_machine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_sharing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_session_zero_tik, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dbg_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_synthetic_kat, setup, teardown),
		cmocka_unit_test(test_synthetic_platform_file),
		cmocka_unit_test_setup_teardown(test_processes_share_one_platform, setup, teardown),
		cmocka_unit_test(test_concurrent_creation),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};

	return cmocka_run_group_tests_name("sevsim psp", tests, group_setup, group_teardown);
}
