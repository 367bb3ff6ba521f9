// SPDX-License-Identifier: MIT
/*
 * sevsim firmware half, platform side: the persistent state of one model
 * PSP shared by every process that opens the same state directory, the
 * platform state machine and the platform commands, each as the firmware
 * (FW sev_mcmd.c) runs it behind the driver (sev-dev.c sev_ioctl()).
 * Guest commands are in psp_guest.c, key and certificate making in
 * psp_keys.c.  See psp.h for the conventions and the sources.
 */
#define PSP_INTERNAL
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/psp-sev.h>
#include <openssl/crypto.h>

#include "sev/b64.h"
#include "sev/cert.h"
#include "sev/crypto.h"
#include "sevsim/psp.h"

#define NV_MAGIC "sevsim-nv 1"
#define NV_MAX (1u << 20)
#define BLOB_MAX 0x4000 /* SEV_FW_BLOB_MAX_SIZE, include/linux/psp-sev.h */
#define CHAIN_SIZE (3 * SEV_CERT_SIZE) /* PEK, OCA, CEK (FW pdh_cert_chain_t) */
#define ENOTSUPP 524 /* kernel-internal, but sev_ioctl() lets it out */

_Static_assert(SEV_CMD_GET_ID2 == SEV_GET_ID2 && SEV_CMD_FACTORY_RESET == SEV_FACTORY_RESET,
	       "command numbers");
_Static_assert(sizeof(struct sev_user_data_status) == 12, "PLATFORM_STATUS layout");

static void psp_log(const char *fmt, ...) __printf(1, 2);
static void psp_log(const char *fmt, ...)
{
	va_list ap;

	fputs("sevsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int psp_fw_result(int status, uint32_t *fw_err)
{
	if (status < 0)
		return status;
	*fw_err = (uint32_t)status;
	return status ? -EIO : 0;
}

uint8_t psp_state(const struct psp *p)
{
	if (p->nv.state == SEV_PLATFORM_UNINIT)
		return SEV_PLATFORM_UNINIT;
	/* FW sev_plat.c state table: LAUNCH_START INIT -> WORKING, last DECOMMISSION back. */
	return p->nguests + p->nv.nguests ? SEV_PLATFORM_WORKING : SEV_PLATFORM_INIT;
}

static bool api_at_least(const struct psp *p, uint8_t major, uint8_t minor)
{
	return p->api_major > major || (p->api_major == major && p->api_minor >= minor);
}

/* ---- The state file ---------------------------------------------------- */

static int dir_path(const struct psp *p, const char *name, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/%s", p->dir, name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static void nv_free(struct psp_nv *nv)
{
	EVP_PKEY_free(nv->ark.key);
	EVP_PKEY_free(nv->ask.key);
	EVP_PKEY_free(nv->cek);
	EVP_PKEY_free(nv->oca);
	EVP_PKEY_free(nv->pek);
	EVP_PKEY_free(nv->pdh);
	free(nv->guests);
	OPENSSL_cleanse(nv, sizeof(*nv));
}

/* The private key must be the one the certificate carries. */
static bool key_matches(EVP_PKEY *key, const struct sev_cert *c)
{
	uint8_t qx[SEV_ECC_COORD_SIZE], qy[SEV_ECC_COORD_SIZE];

	return key && !sev_ec_pub_to_le(key, qx, qy) &&
	       !memcmp(qx, c->raw + SEV_ECC_OFF_QX, sizeof(qx)) &&
	       !memcmp(qy, c->raw + SEV_ECC_OFF_QY, sizeof(qy));
}

static int put_b64(FILE *f, const char *name, const void *buf, size_t len)
{
	char *s = sev_b64_encode_alloc(buf, len);

	if (!s)
		return -ENOMEM;
	fprintf(f, "%s %s\n", name, s);
	free(s);
	return 0;
}

static int put_key(FILE *f, const char *name, EVP_PKEY *key)
{
	char *s = psp_key_to_b64(key);

	if (!s)
		return -ENOMEM;
	fprintf(f, "%s %s\n", name, s);
	OPENSSL_cleanse(s, strlen(s));
	free(s);
	return 0;
}

/* The nv file's text: one "name value" per line. */
static int nv_format(const struct psp *p, char **out, size_t *outlen)
{
	const struct psp_nv *nv = &p->nv;
	char hex[2 * PSP_CHIP_ID_SIZE + 1];
	size_t len = 0;
	char *buf = NULL;
	FILE *f;
	int ret;

	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	sev_hex_encode(nv->chip_id, sizeof(nv->chip_id), hex);
	fprintf(f, "%s\nchip_id %s\n", NV_MAGIC, hex);
	ret = put_key(f, "ark_key", nv->ark.key);
	ret = ret ?: put_b64(f, "ark_cert", nv->ark.cert, nv->ark.len);
	ret = ret ?: put_key(f, "ask_key", nv->ask.key);
	ret = ret ?: put_b64(f, "ask_cert", nv->ask.cert, nv->ask.len);
	ret = ret ?: put_key(f, "cek_key", nv->cek);
	ret = ret ?: put_b64(f, "cek_cert", nv->cek_cert.raw, SEV_CERT_SIZE);
	fprintf(f, "state %u\nowned %d\nsynthetic %d\n", nv->state, nv->owned, nv->synthetic);
	if (nv->identity) {
		if (nv->oca)
			ret = ret ?: put_key(f, "oca_key", nv->oca);
		ret = ret ?: put_b64(f, "oca_cert", nv->oca_cert.raw, SEV_CERT_SIZE);
		ret = ret ?: put_key(f, "pek_key", nv->pek);
		ret = ret ?: put_b64(f, "pek_cert", nv->pek_cert.raw, SEV_CERT_SIZE);
		ret = ret ?: put_key(f, "pdh_key", nv->pdh);
		ret = ret ?: put_b64(f, "pdh_cert", nv->pdh_cert.raw, SEV_CERT_SIZE);
	}
	/* Every live guest: the others' as read, then this process's. */
	for (unsigned int i = 0; i < nv->nguests; i++)
		fprintf(f, "guest %s %ld %u\n", nv->guests[i].boot, nv->guests[i].pid,
			nv->guests[i].handle);
	for (const struct psp_guest *g = p->guests; g; g = g->next)
		fprintf(f, "guest %s %ld %u\n", p->boot_id, (long)getpid(), g->handle);
	if (ferror(f))
		ret = ret ?: -EIO;
	if (fclose(f) && !ret)
		ret = -EIO;
	if (ret) {
		OPENSSL_cleanse(buf, len);
		free(buf);
		return ret;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

static int get_cert(const char *v, struct sev_cert *c)
{
	uint8_t buf[SEV_CERT_SIZE];
	size_t n = 0;

	if (sev_b64_decode(v, strlen(v), buf, sizeof(buf), &n, NULL) || n != SEV_CERT_SIZE)
		return -EINVAL;
	return sev_cert_parse(buf, n, c, NULL);
}

static int get_ca(const char *v, struct psp_ca *ca)
{
	return sev_b64_decode(v, strlen(v), ca->cert, sizeof(ca->cert), &ca->len, NULL);
}

static int get_key(const char *v, EVP_PKEY **k)
{
	if (*k)
		return -EINVAL; /* twice */
	return psp_key_from_b64(v, k);
}

static int get_bool(const char *v, bool *b)
{
	if (strcmp(v, "0") && strcmp(v, "1"))
		return -EINVAL;
	*b = *v == '1';
	return 0;
}

static int add_guest(struct psp_nv *nv, const char *v)
{
	struct psp_remote r = { 0 }, *n;
	char tail;

	if (sscanf(v, "%39s %ld %u %c", r.boot, &r.pid, &r.handle, &tail) != 3 || r.pid <= 0 ||
	    !r.handle || r.handle > PSP_MAX_GUESTS)
		return -EINVAL;
	n = realloc(nv->guests, (nv->nguests + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	nv->guests = n;
	n[nv->nguests++] = r;
	return 0;
}

static int nv_line(struct psp_nv *nv, const char *name, const char *v, bool *chip)
{
	size_t n = 0;

	if (!strcmp(name, "chip_id")) {
		*chip = true;
		if (sev_hex_decode(v, strlen(v), nv->chip_id, sizeof(nv->chip_id), &n, NULL) ||
		    n != PSP_CHIP_ID_SIZE)
			return -EINVAL;
		return 0;
	}
	if (!strcmp(name, "ark_key"))
		return get_key(v, &nv->ark.key);
	if (!strcmp(name, "ark_cert"))
		return get_ca(v, &nv->ark);
	if (!strcmp(name, "ask_key"))
		return get_key(v, &nv->ask.key);
	if (!strcmp(name, "ask_cert"))
		return get_ca(v, &nv->ask);
	if (!strcmp(name, "cek_key"))
		return get_key(v, &nv->cek);
	if (!strcmp(name, "cek_cert"))
		return get_cert(v, &nv->cek_cert);
	if (!strcmp(name, "oca_key"))
		return get_key(v, &nv->oca);
	if (!strcmp(name, "oca_cert"))
		return get_cert(v, &nv->oca_cert);
	if (!strcmp(name, "pek_key"))
		return get_key(v, &nv->pek);
	if (!strcmp(name, "pek_cert"))
		return get_cert(v, &nv->pek_cert);
	if (!strcmp(name, "pdh_key"))
		return get_key(v, &nv->pdh);
	if (!strcmp(name, "pdh_cert"))
		return get_cert(v, &nv->pdh_cert);
	if (!strcmp(name, "owned"))
		return get_bool(v, &nv->owned);
	if (!strcmp(name, "synthetic"))
		return get_bool(v, &nv->synthetic);
	if (!strcmp(name, "state")) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			return -EINVAL;
		nv->state = *v == '1' ? SEV_PLATFORM_INIT : SEV_PLATFORM_UNINIT;
		return 0;
	}
	if (!strcmp(name, "guest"))
		return add_guest(nv, v);
	return -EINVAL;
}

/* Parse the nv text (destroyed) and check that keys and certificates belong together. */
static int nv_parse(char *text, struct psp_nv *nv)
{
	char *save = NULL, *line;
	bool chip = false, first = true;
	int ret = 0;

	memset(nv, 0, sizeof(*nv));
	for (line = strtok_r(text, "\n", &save); line && !ret; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, ' ');

		if (first) {
			ret = strcmp(line, NV_MAGIC) ? -EINVAL : 0;
			first = false;
			continue;
		}
		if (!v) {
			ret = -EINVAL;
			break;
		}
		*v++ = '\0';
		ret = nv_line(nv, line, v, &chip);
	}
	if (!ret && (first || !chip || !nv->ark.key || !nv->ask.key || !nv->cek))
		ret = -EINVAL;
	if (!ret && (psp_ca_check(&nv->ark, &nv->ark) || psp_ca_check(&nv->ask, &nv->ark) ||
		     !key_matches(nv->cek, &nv->cek_cert)))
		ret = -EINVAL;
	/* An imported OCA's private key stays with its owner. */
	nv->identity = nv->oca || nv->pek || nv->pdh;
	if (!ret && nv->identity &&
	    (!key_matches(nv->pek, &nv->pek_cert) || !key_matches(nv->pdh, &nv->pdh_cert) ||
	     sev_le32(nv->oca_cert.raw) != 1 ||
	     (nv->owned ? nv->oca != NULL : !key_matches(nv->oca, &nv->oca_cert))))
		ret = -EINVAL;
	if (ret)
		nv_free(nv);
	return ret;
}

static bool pid_alive(long pid)
{
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/*
 * Drop the guests of processes that are gone (they ended without
 * decommissioning: KVM's sev_vm_destroy() would have), and this process's
 * own entries, which p->guests holds.  A guest of another kernel (another
 * boot id) cannot be checked and is dropped too.
 */
static void prune_guests(struct psp *p)
{
	struct psp_nv *nv = &p->nv;
	unsigned int i, n = 0;

	for (i = 0; i < nv->nguests; i++) {
		struct psp_remote *r = &nv->guests[i];

		if (strcmp(r->boot, p->boot_id) || r->pid == (long)getpid() || !pid_alive(r->pid))
			continue;
		nv->guests[n++] = *r;
	}
	nv->nguests = n;
}

static int nv_read(struct psp *p, const struct stat *st)
{
	char path[PATH_MAX];
	struct psp_nv nv;
	size_t len = 0;
	char *text;
	int ret;

	ret = dir_path(p, "nv", path, sizeof(path));
	if (ret)
		return ret;
	text = read_file(path, NV_MAX, &len);
	if (!text)
		return -errno;
	ret = nv_parse(text, &nv);
	OPENSSL_cleanse(text, len);
	free(text);
	if (ret) {
		psp_log("%s is corrupt: remove the state directory to start with a new platform",
			path);
		return ret;
	}
	nv_free(&p->nv);
	p->nv = nv;
	p->nv_st = *st;
	p->nv_read = true;
	return 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int do_flock(int fd, int op)
{
	while (flock(fd, op) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int psp_nv_lock(struct psp *p, bool excl)
{
	char path[PATH_MAX];
	struct stat st;
	int ret;

	ret = dir_path(p, "nv", path, sizeof(path));
	if (ret)
		return ret;
	ret = do_flock(p->lock_fd, excl ? LOCK_EX : LOCK_SH);
	if (ret)
		return ret;
	if (stat(path, &st) < 0)
		ret = -errno;
	else if (!p->nv_read || !same_file(&st, &p->nv_st))
		ret = nv_read(p, &st);
	if (ret) {
		psp_nv_unlock(p);
		return ret;
	}
	prune_guests(p);
	return 0;
}

void psp_nv_unlock(struct psp *p)
{
	(void)!do_flock(p->lock_fd, LOCK_UN);
}

int psp_nv_save(struct psp *p)
{
	char path[PATH_MAX];
	size_t len = 0;
	struct stat st;
	char *buf;
	int ret;

	ret = dir_path(p, "nv", path, sizeof(path));
	if (!ret)
		ret = nv_format(p, &buf, &len);
	if (ret)
		goto fail;
	ret = write_file_atomic(path, buf, len, 0600);
	OPENSSL_cleanse(buf, len);
	free(buf);
	if (!ret && stat(path, &st) < 0)
		ret = -errno;
	if (ret)
		goto fail;
	p->nv_st = st;
	return 0;
fail:
	/* What is in memory is not on disk: read the disk's truth next time. */
	p->nv_read = false;
	psp_log("cannot write the firmware state in %s: %s", p->dir, strerror(-ret));
	return ret;
}

/* ---- Keys and certificates the firmware makes ------------------------------ */

/*
 * A new key pair and its certificate signed by one or two keys (FW
 * sev_plat.c sev_oca_generate, sev_pek_generate, sev_pdh_generate):
 * `s1` NULL signs with the new key itself (the OCA).
 */
static int issue(struct psp *p, uint32_t usage, uint32_t algo, EVP_PKEY **key, struct sev_cert *c,
		 EVP_PKEY *s1, uint32_t u1, EVP_PKEY *s2, uint32_t u2)
{
	EVP_PKEY *k = NULL;
	int ret;

	ret = sev_ec_generate(&k);
	if (!ret)
		ret = psp_cert_new(c, usage, algo, k, p->api_major, p->api_minor);
	if (!ret)
		ret = sev_cert_sign(c, s1 ? s1 : k, u1, 0, NULL);
	if (!ret && s2)
		ret = sev_cert_sign(c, s2, u2, 1, NULL);
	if (ret) {
		EVP_PKEY_free(k);
		return ret;
	}
	*key = k;
	return 0;
}

/* The PDH: signed by the PEK (FW sev_pdh_generate), replacing the old one. */
static int new_pdh(struct psp *p)
{
	struct psp_nv *nv = &p->nv;
	struct sev_cert c;
	EVP_PKEY *k;
	int ret;

	ret = issue(p, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, &k, &c, nv->pek, SEV_USAGE_PEK, NULL,
		    0);
	if (ret)
		return ret;
	EVP_PKEY_free(nv->pdh);
	nv->pdh = k;
	nv->pdh_cert = c;
	return 0;
}

/* OCA, PEK (signed by OCA in slot 1 and CEK in slot 2) and PDH, all new. */
static int new_identity(struct psp *p)
{
	struct psp_nv *nv = &p->nv;
	struct sev_cert oc, pc;
	EVP_PKEY *oca = NULL, *pek = NULL;
	int ret;

	ret = issue(p, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, &oca, &oc, NULL, SEV_USAGE_OCA, NULL,
		    0);
	if (!ret)
		ret = issue(p, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, &pek, &pc, oca, SEV_USAGE_OCA,
			    nv->cek, SEV_USAGE_CEK);
	if (ret) {
		EVP_PKEY_free(oca);
		return ret;
	}
	EVP_PKEY_free(nv->oca);
	EVP_PKEY_free(nv->pek);
	nv->oca = oca;
	nv->oca_cert = oc;
	nv->pek = pek;
	nv->pek_cert = pc;
	nv->owned = false;
	ret = new_pdh(p);
	nv->identity = !ret;
	return ret;
}

/* The synthetic platform of vectors/derived/synthetic as the identity. */
static int synthetic_identity(struct psp *p)
{
	static const char *const names[] = { "oca", "pek", "pdh" };
	struct psp_nv *nv = &p->nv;
	struct sev_cert certs[3];
	EVP_PKEY *keys[3] = { NULL };
	struct sev_why why = { "" };
	char path[PATH_MAX];
	int ret = 0, i;

	for (i = 0; i < 3 && !ret; i++) {
		snprintf(path, sizeof(path), "%s/derived/synthetic/%s.cert", p->vectors, names[i]);
		ret = sev_cert_load(path, &certs[i], &why);
		if (ret)
			break;
		snprintf(path, sizeof(path), "%s/derived/synthetic/%s_private.pem", p->vectors,
			 names[i]);
		ret = sev_ec_load_private(path, &keys[i], &why);
		if (!ret && !key_matches(keys[i], &certs[i]))
			ret = sev_why_set(&why, -EINVAL, "%s: not the key of %s.cert", path,
					  names[i]);
	}
	if (ret) {
		psp_log("synthetic platform: %s", why.msg);
		for (i = 0; i < 3; i++)
			EVP_PKEY_free(keys[i]);
		return ret;
	}
	EVP_PKEY_free(nv->oca);
	EVP_PKEY_free(nv->pek);
	EVP_PKEY_free(nv->pdh);
	nv->oca = keys[0];
	nv->oca_cert = certs[0];
	nv->pek = keys[1];
	nv->pek_cert = certs[1];
	nv->pdh = keys[2];
	nv->pdh_cert = certs[2];
	nv->identity = true;
	nv->owned = false;
	nv->synthetic = true;
	return 0;
}

/* What INIT makes when the persistent store is empty. */
static int factory_identity(struct psp *p)
{
	return p->vectors ? synthetic_identity(p) : new_identity(p);
}

/* Chip ID, ARK, ASK and CEK: what AMD fuses and signs once per chip. */
static int new_chip(struct psp *p)
{
	struct psp_nv *nv = &p->nv;
	int ret;

	ret = psp_chip_id_generate(nv->chip_id);
	if (!ret)
		ret = psp_ca_generate(p->ca_bits, NULL, &nv->ark);
	if (!ret)
		ret = psp_ca_generate(p->ca_bits, &nv->ark, &nv->ask);
	if (!ret)
		ret = sev_ec_generate(&nv->cek);
	if (!ret)
		ret = psp_cert_new(&nv->cek_cert, SEV_USAGE_CEK, SEV_ALGO_ECDSA_SHA256, nv->cek,
				   p->api_major, p->api_minor);
	if (!ret)
		ret = psp_cert_sign_ask(&nv->cek_cert, &nv->ask);
	return ret;
}

/* ark.cert, ask.cert and the signed cek.cert for verifiers, when missing. */
static int export_ca_files(struct psp *p)
{
	const struct {
		const char *name;
		const void *buf;
		size_t len;
	} f[] = {
		{ "ark.cert", p->nv.ark.cert, p->nv.ark.len },
		{ "ask.cert", p->nv.ask.cert, p->nv.ask.len },
		{ "cek.cert", p->nv.cek_cert.raw, SEV_CERT_SIZE },
	};
	char path[PATH_MAX];
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		ret = dir_path(p, f[i].name, path, sizeof(path));
		if (ret)
			return ret;
		if (access(path, F_OK) == 0)
			continue;
		ret = write_file_atomic(path, f[i].buf, f[i].len, 0644);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- Platform commands, as the firmware runs them ---------------------------- */
/* Each returns 0, a SEV_FW_* status, or -errno when the model itself fails. */

/* FW sev_mcmd.c sev_mcmd_init_common. */
static int fw_init(struct psp *p)
{
	int ret;

	if (p->nv.state != SEV_PLATFORM_UNINIT)
		return SEV_FW_INVALID_PLATFORM_STATE;
	/* OCA, PEK and PDH are made only if the store lacks them. */
	if (!p->nv.identity) {
		ret = factory_identity(p);
		if (ret)
			return ret;
	}
	p->nv.state = SEV_PLATFORM_INIT;
	return psp_nv_save(p);
}

/* FW sev_mcmd_shutdown: any state to UNINIT, every SEV guest gone. */
static int fw_shutdown(struct psp *p)
{
	psp_guests_free(p);
	p->nv.nguests = 0;
	p->nv.state = SEV_PLATFORM_UNINIT;
	return psp_nv_save(p);
}

/* FW sev_mcmd_platform_reset: deletes the persistent store, UNINIT only. */
static int fw_platform_reset(struct psp *p)
{
	struct psp_nv *nv = &p->nv;

	if (psp_state(p) != SEV_PLATFORM_UNINIT)
		return SEV_FW_INVALID_PLATFORM_STATE;
	EVP_PKEY_free(nv->oca);
	EVP_PKEY_free(nv->pek);
	EVP_PKEY_free(nv->pdh);
	nv->oca = nv->pek = nv->pdh = NULL;
	memset(&nv->oca_cert, 0, sizeof(nv->oca_cert));
	memset(&nv->pek_cert, 0, sizeof(nv->pek_cert));
	memset(&nv->pdh_cert, 0, sizeof(nv->pdh_cert));
	nv->identity = false;
	nv->owned = false;
	return psp_nv_save(p);
}

/* FW sev_mcmd_platform_status: flags and guests read 0 while UNINIT. */
static void fw_platform_status(const struct psp *p, struct sev_user_data_status *s)
{
	uint8_t state = psp_state(p);

	memset(s, 0, sizeof(*s));
	s->api_major = p->api_major;
	s->api_minor = p->api_minor;
	s->build = p->build;
	s->state = state;
	if (state == SEV_PLATFORM_UNINIT)
		return;
	/* Linux passes SEV_INIT_FLAGS_SEV_ES to INIT whenever it can (sev-dev.c). */
	s->flags = (p->nv.owned ? SEV_PLATFORM_F_OWNED : 0) |
		   (p->es ? SEV_PLATFORM_F_CONFIG_ES : 0);
	s->guest_count = p->nguests + p->nv.nguests;
}

/* FW sev_mcmd_pek_gen: INIT only (not WORKING); new OCA, PEK, PDH, self-owned. */
static int fw_pek_gen(struct psp *p)
{
	int ret;

	if (psp_state(p) != SEV_PLATFORM_INIT)
		return SEV_FW_INVALID_PLATFORM_STATE;
	ret = new_identity(p);
	return ret ?: psp_nv_save(p);
}

/* FW sev_mcmd_pdh_gen: INIT or WORKING. */
static int fw_pdh_gen(struct psp *p)
{
	uint8_t state = psp_state(p);
	int ret;

	if (state != SEV_PLATFORM_INIT && state != SEV_PLATFORM_WORKING)
		return SEV_FW_INVALID_PLATFORM_STATE;
	ret = new_pdh(p);
	return ret ?: psp_nv_save(p);
}

/* FW sev_mcmd_pek_csr: the PEK's body with both signature slots empty. */
static int fw_pek_csr(struct psp *p, uint8_t *out, uint32_t *len)
{
	uint8_t state = psp_state(p);
	uint8_t *r = out;

	if (state != SEV_PLATFORM_INIT && state != SEV_PLATFORM_WORKING)
		return SEV_FW_INVALID_PLATFORM_STATE;
	if (*len < SEV_CERT_SIZE) {
		*len = SEV_CERT_SIZE;
		return SEV_FW_INVALID_LEN;
	}
	memset(r, 0, SEV_CERT_SIZE);
	memcpy(r, p->nv.pek_cert.raw, SEV_CERT_BODY_SIZE);
	sev_put_le32(r + SEV_CERT_OFF_SIG1, SEV_USAGE_INVALID);
	sev_put_le32(r + SEV_CERT_OFF_SIG2, SEV_USAGE_INVALID);
	*len = SEV_CERT_SIZE;
	return 0;
}

/*
 * FW sev_cert.c sev_cert_validate: a half-empty slot is BAD_SIGNATURE,
 * a signature that does not verify BAD_SIGNATURE, no slot by the signer
 * or a bad body INVALID_CERTIFICATE.
 */
static int fw_cert_validate(const struct sev_cert *c, const struct sev_cert *signer_cert,
			    uint32_t want_usage)
{
	struct sev_key k = { 0 };
	int ret;

	if (sev_cert_check_slots(c, NULL))
		return SEV_FW_BAD_SIGNATURE;
	if (sev_key_from_cert(signer_cert, &k, NULL))
		return SEV_FW_INVALID_CERTIFICATE;
	ret = sev_cert_verify(&k, c, NULL, NULL);
	sev_key_free(&k);
	if (ret == -EBADMSG)
		return SEV_FW_BAD_SIGNATURE;
	if (ret)
		return ret == -ENOMEM ? -ENOMEM : SEV_FW_INVALID_CERTIFICATE;
	if (sev_cert_usage(c) != want_usage)
		return SEV_FW_INVALID_CERTIFICATE;
	return 0;
}

/* FW sev_mcmd_pek_cert_import. */
static int fw_pek_cert_import(struct psp *p, const void *pek, uint32_t pek_len, const void *oca,
			      uint32_t oca_len)
{
	struct psp_nv *nv = &p->nv;
	struct sev_cert npek, noca;
	int ret, cek_slot;

	if (psp_state(p) != SEV_PLATFORM_INIT)
		return SEV_FW_INVALID_PLATFORM_STATE;
	if (nv->owned)
		return SEV_FW_ALREADY_OWNED;
	if (pek_len != SEV_CERT_SIZE || oca_len != SEV_CERT_SIZE)
		return SEV_FW_INVALID_LEN;
	memcpy(npek.raw, pek, SEV_CERT_SIZE);
	memcpy(noca.raw, oca, SEV_CERT_SIZE);
	if (sev_le32(noca.raw) != 1 || sev_le32(npek.raw) != 1)
		return SEV_FW_INVALID_CERTIFICATE;
	/* The OCA signs itself, then the PEK. */
	ret = fw_cert_validate(&noca, &noca, SEV_USAGE_OCA);
	if (!ret)
		ret = fw_cert_validate(&npek, &noca, SEV_USAGE_PEK);
	if (ret)
		return ret;
	/* The PEK must be the firmware's own, unaltered. */
	if (memcmp(npek.raw, nv->pek_cert.raw, SEV_CERT_BODY_SIZE))
		return SEV_FW_INVALID_CERTIFICATE;
	/* Move the CEK's signature over, into the first empty slot (sev_cert_set_sig). */
	if (sev_cert_slot_usage(&nv->pek_cert, 0) == SEV_USAGE_CEK)
		cek_slot = 0;
	else if (sev_cert_slot_usage(&nv->pek_cert, 1) == SEV_USAGE_CEK)
		cek_slot = 1;
	else
		return SEV_FW_INVALID_CERTIFICATE;
	if (sev_cert_slot_usage(&npek, 0) == SEV_USAGE_INVALID)
		memcpy(npek.raw + SEV_CERT_OFF_SIG1, sev_cert_slot(&nv->pek_cert, cek_slot),
		       SEV_CERT_SLOT_SIZE);
	else if (sev_cert_slot_usage(&npek, 1) == SEV_USAGE_INVALID)
		memcpy(npek.raw + SEV_CERT_OFF_SIG2, sev_cert_slot(&nv->pek_cert, cek_slot),
		       SEV_CERT_SLOT_SIZE);
	else
		return SEV_FW_INVALID_CERTIFICATE;
	/* The OCA's private key stays with its owner. */
	EVP_PKEY_free(nv->oca);
	nv->oca = NULL;
	nv->oca_cert = noca;
	nv->pek_cert = npek;
	nv->owned = true;
	ret = new_pdh(p);
	return ret ?: psp_nv_save(p);
}

/* FW sev_mcmd_pdh_cert_export: the PDH, then PEK, OCA and the CEK unsigned. */
static int fw_pdh_cert_export(struct psp *p, uint8_t *pdh, uint32_t *pdh_len, uint8_t *chain,
			      uint32_t *chain_len)
{
	uint8_t state = psp_state(p);
	struct sev_cert cek;
	int ret;

	if (state != SEV_PLATFORM_INIT && state != SEV_PLATFORM_WORKING)
		return SEV_FW_INVALID_PLATFORM_STATE;
	if (*pdh_len < SEV_CERT_SIZE || *chain_len < CHAIN_SIZE) {
		*pdh_len = SEV_CERT_SIZE;
		*chain_len = CHAIN_SIZE;
		return SEV_FW_INVALID_LEN;
	}
	/* pdh_cert_chain_init(): a fresh certificate for the CEK key, no signature. */
	ret = psp_cert_new(&cek, SEV_USAGE_CEK, SEV_ALGO_ECDSA_SHA256, p->nv.cek, p->api_major,
			   p->api_minor);
	if (ret)
		return ret;
	memcpy(pdh, p->nv.pdh_cert.raw, SEV_CERT_SIZE);
	memcpy(chain, p->nv.pek_cert.raw, SEV_CERT_SIZE);
	memcpy(chain + SEV_CERT_SIZE, p->nv.oca_cert.raw, SEV_CERT_SIZE);
	memcpy(chain + 2 * SEV_CERT_SIZE, cek.raw, SEV_CERT_SIZE);
	*pdh_len = SEV_CERT_SIZE;
	*chain_len = CHAIN_SIZE;
	return 0;
}

/* FW sev_mcmd_get_id: one socket's 64 bytes, any platform state. */
static int fw_get_id(const struct psp *p, uint8_t *out, uint32_t *len)
{
	if (*len < PSP_CHIP_ID_SIZE) {
		*len = PSP_CHIP_ID_SIZE;
		return SEV_FW_INVALID_LEN;
	}
	memcpy(out, p->nv.chip_id, PSP_CHIP_ID_SIZE);
	*len = PSP_CHIP_ID_SIZE;
	return 0;
}

/* ---- The driver: sev-dev.c sev_ioctl() and its helpers ------------------------ */

/*
 * sev_move_to_init_state(): commands that need INIT initialise an UNINIT
 * platform themselves and shut it down again afterwards ("crypto: ccp:
 * Ensure implicit SEV/SNP init and shutdown in ioctls", Linux 6.15).
 */
static int drv_implicit_init(struct psp *p, bool *shutdown, uint32_t *fw_err)
{
	int st;

	if (psp_state(p) != SEV_PLATFORM_UNINIT)
		return 0;
	st = fw_init(p);
	if (st > 0)
		st = SEV_FW_INVALID_PLATFORM_STATE; /* what that kernel reports */
	if (st)
		return psp_fw_result(st, fw_err);
	*shutdown = true;
	return 0;
}

static void drv_implicit_shutdown(struct psp *p, bool shutdown)
{
	if (shutdown)
		(void)!fw_shutdown(p);
}

/* sev_ioctl_do_reset(): WORKING is -EBUSY, INIT is shut down first. */
static int drv_factory_reset(struct psp *p, bool writable, uint32_t *fw_err)
{
	int st;

	if (!writable)
		return -EPERM;
	/* sev_get_platform_state() is a PLATFORM_STATUS: the firmware ran. */
	*fw_err = 0;
	if (psp_state(p) == SEV_PLATFORM_WORKING)
		return -EBUSY;
	if (psp_state(p) == SEV_PLATFORM_INIT) {
		st = fw_shutdown(p);
		if (st)
			return psp_fw_result(st, fw_err);
	}
	return psp_fw_result(fw_platform_reset(p), fw_err);
}

static int drv_platform_status(struct psp *p, void *data, uint32_t *fw_err)
{
	struct sev_user_data_status s;

	fw_platform_status(p, &s);
	*fw_err = 0;
	if (!data)
		return -EFAULT;
	memcpy(data, &s, sizeof(s));
	return 0;
}

/* sev_ioctl_do_pek_pdh_gen(). */
static int drv_pek_pdh_gen(struct psp *p, uint32_t cmd, bool writable, uint32_t *fw_err)
{
	bool down = false;
	int ret;

	if (!writable)
		return -EPERM;
	ret = drv_implicit_init(p, &down, fw_err);
	if (ret)
		return ret;
	ret = psp_fw_result(cmd == SEV_CMD_PEK_GEN ? fw_pek_gen(p) : fw_pdh_gen(p), fw_err);
	drv_implicit_shutdown(p, down);
	return ret;
}

/* sev_ioctl_do_pek_csr(): address or length 0 asks for the length. */
static int drv_pek_csr(struct psp *p, void *data, bool writable, uint32_t *fw_err)
{
	struct sev_user_data_pek_csr in;
	uint8_t blob[SEV_CERT_SIZE];
	uint32_t len = 0;
	bool query, down = false;
	int ret;

	if (!writable)
		return -EPERM;
	if (!data)
		return -EFAULT;
	memcpy(&in, data, sizeof(in));
	query = !in.address || !in.length;
	if (!query) {
		if (in.length > BLOB_MAX)
			return -EFAULT;
		len = in.length;
	}
	ret = drv_implicit_init(p, &down, fw_err);
	if (ret)
		return ret;
	/* The firmware writes at most one certificate into the kernel's buffer. */
	len = len > sizeof(blob) ? sizeof(blob) : len;
	ret = psp_fw_result(fw_pek_csr(p, blob, &len), fw_err);
	in.length = len;
	memcpy(data, &in, sizeof(in));
	if (!ret && !query)
		memcpy((void *)(uintptr_t)in.address, blob, len);
	drv_implicit_shutdown(p, down);
	return ret;
}

/* sev_ioctl_do_pek_import(): both blobs through psp_copy_user_blob(). */
static int drv_pek_cert_import(struct psp *p, void *data, bool writable, uint32_t *fw_err)
{
	struct sev_user_data_pek_cert_import in;
	bool down = false;
	int ret;

	if (!writable)
		return -EPERM;
	if (!data)
		return -EFAULT;
	memcpy(&in, data, sizeof(in));
	if (!in.pek_cert_address || !in.pek_cert_len || in.pek_cert_len > BLOB_MAX ||
	    !in.oca_cert_address || !in.oca_cert_len || in.oca_cert_len > BLOB_MAX)
		return -EINVAL;
	ret = drv_implicit_init(p, &down, fw_err);
	if (ret)
		return ret;
	ret = psp_fw_result(
		fw_pek_cert_import(p, (void *)(uintptr_t)in.pek_cert_address, in.pek_cert_len,
				   (void *)(uintptr_t)in.oca_cert_address, in.oca_cert_len),
		fw_err);
	drv_implicit_shutdown(p, down);
	return ret;
}

/* sev_ioctl_do_pdh_export(): a missing address or length asks for lengths. */
static int drv_pdh_cert_export(struct psp *p, void *data, bool writable, uint32_t *fw_err)
{
	struct sev_user_data_pdh_cert_export in;
	uint8_t pdh[SEV_CERT_SIZE], chain[CHAIN_SIZE];
	uint32_t pl = 0, cl = 0;
	bool query, down = false;
	int ret;

	if (!data)
		return -EFAULT;
	memcpy(&in, data, sizeof(in));
	query = !in.pdh_cert_address || !in.pdh_cert_len || !in.cert_chain_address;
	if (!query) {
		if (in.pdh_cert_len > BLOB_MAX || in.cert_chain_len > BLOB_MAX)
			return -EFAULT;
		pl = in.pdh_cert_len;
		cl = in.cert_chain_len;
	}
	/* Only a writer may initialise the platform for this. */
	if (psp_state(p) == SEV_PLATFORM_UNINIT && !writable)
		return -EPERM;
	ret = drv_implicit_init(p, &down, fw_err);
	if (ret)
		return ret;
	ret = psp_fw_result(fw_pdh_cert_export(p, pdh, &pl, chain, &cl), fw_err);
	in.pdh_cert_len = pl;
	in.cert_chain_len = cl;
	memcpy(data, &in, sizeof(in));
	if (!ret && !query) {
		memcpy((void *)(uintptr_t)in.pdh_cert_address, pdh, pl);
		memcpy((void *)(uintptr_t)in.cert_chain_address, chain, cl);
	}
	drv_implicit_shutdown(p, down);
	return ret;
}

/* sev_ioctl_do_get_id2(): GET_ID from API 0.16 on; a length query is allowed. */
static int drv_get_id2(struct psp *p, void *data, uint32_t *fw_err)
{
	struct sev_user_data_get_id2 in;
	uint8_t id[PSP_CHIP_ID_SIZE];
	uint32_t len = 0;
	bool give;
	int ret;

	if (!api_at_least(p, 0, 16))
		return -ENOTSUPP;
	if (!data)
		return -EFAULT;
	memcpy(&in, data, sizeof(in));
	give = in.address && in.length;
	if (give)
		len = in.length;
	ret = psp_fw_result(fw_get_id(p, id, &len), fw_err);
	in.length = len;
	memcpy(data, &in, sizeof(in));
	if (!ret && give)
		memcpy((void *)(uintptr_t)in.address, id, len);
	return ret;
}

/* sev_ioctl_do_get_id(): the deprecated fixed 128-byte form, socket 1 only here. */
static int drv_get_id(struct psp *p, void *data, uint32_t *fw_err)
{
	uint8_t id[PSP_CHIP_ID_SIZE];
	uint32_t len = sizeof(struct sev_user_data_get_id);
	int ret;

	if (!api_at_least(p, 0, 16))
		return -ENOTSUPP;
	ret = psp_fw_result(fw_get_id(p, id, &len), fw_err);
	if (ret)
		return ret;
	if (!data)
		return -EFAULT;
	memcpy(data, id, len);
	return 0;
}

int psp_platform_cmd(struct psp *p, uint32_t cmd, void *data, bool writable, uint32_t *fw_err)
{
	int ret;

	/* The modelled kernel has no SNP: SNP_* commands are unknown. */
	if (cmd > SEV_CMD_GET_ID2)
		return -EINVAL;
	pthread_mutex_lock(&p->mutex);
	ret = psp_nv_lock(p, true);
	if (ret)
		goto out;
	switch (cmd) {
	case SEV_CMD_FACTORY_RESET:
		ret = drv_factory_reset(p, writable, fw_err);
		break;
	case SEV_CMD_PLATFORM_STATUS:
		ret = drv_platform_status(p, data, fw_err);
		break;
	case SEV_CMD_PEK_GEN:
	case SEV_CMD_PDH_GEN:
		ret = drv_pek_pdh_gen(p, cmd, writable, fw_err);
		break;
	case SEV_CMD_PEK_CSR:
		ret = drv_pek_csr(p, data, writable, fw_err);
		break;
	case SEV_CMD_PEK_CERT_IMPORT:
		ret = drv_pek_cert_import(p, data, writable, fw_err);
		break;
	case SEV_CMD_PDH_CERT_EXPORT:
		ret = drv_pdh_cert_export(p, data, writable, fw_err);
		break;
	case SEV_CMD_GET_ID:
		ret = drv_get_id(p, data, fw_err);
		break;
	case SEV_CMD_GET_ID2:
		ret = drv_get_id2(p, data, fw_err);
		break;
	}
	psp_nv_unlock(p);
out:
	pthread_mutex_unlock(&p->mutex);
	return ret;
}

int psp_platform_init(struct psp *p, uint32_t *fw_err)
{
	int ret;

	pthread_mutex_lock(&p->mutex);
	ret = psp_nv_lock(p, true);
	if (!ret) {
		/* __sev_platform_init_locked(): nothing to do once initialised. */
		if (psp_state(p) != SEV_PLATFORM_UNINIT)
			*fw_err = 0;
		else
			ret = psp_fw_result(fw_init(p), fw_err);
		psp_nv_unlock(p);
	}
	pthread_mutex_unlock(&p->mutex);
	return ret;
}

int psp_platform_shutdown(struct psp *p, uint32_t *fw_err)
{
	int ret;

	pthread_mutex_lock(&p->mutex);
	ret = psp_nv_lock(p, true);
	if (!ret) {
		ret = psp_fw_result(fw_shutdown(p), fw_err);
		psp_nv_unlock(p);
	}
	pthread_mutex_unlock(&p->mutex);
	return ret;
}

/* ---- Opening ------------------------------------------------------------ */

static int bad_env(const char *name, const char *val, const char *want)
{
	psp_log("%s=%s: want %s", name, val, want);
	return -EINVAL;
}

/* The firmware image the environment asks for (see psp.h). */
static int read_env(struct psp *p)
{
	const char *s;
	uint64_t v;
	size_t n = 0;

	p->api_major = 0;
	p->api_minor = 24;
	p->build = 17;
	p->es = true;
	p->ca_bits = 2048;
	s = getenv("SEVSIM_API");
	if (s && *s) {
		unsigned int a, b;
		char tail;

		if (sscanf(s, "%u.%u%c", &a, &b, &tail) != 2 || a > 255 || b > 255)
			return bad_env("SEVSIM_API", s, "MAJOR.MINOR, e.g. 0.24");
		p->api_major = (uint8_t)a;
		p->api_minor = (uint8_t)b;
	}
	s = getenv("SEVSIM_BUILD");
	if (s && *s) {
		if (parse_u64(s, 0, 255, &v))
			return bad_env("SEVSIM_BUILD", s, "a build number 0-255");
		p->build = (uint8_t)v;
	}
	s = getenv("SEVSIM_ES");
	if (s && *s) {
		if (strcmp(s, "0") && strcmp(s, "1"))
			return bad_env("SEVSIM_ES", s, "0 or 1");
		p->es = *s == '1';
	}
	s = getenv("SEVSIM_MNONCE");
	if (s && *s) {
		if (sev_hex_decode(s, strlen(s), p->mnonce, sizeof(p->mnonce), &n, NULL) ||
		    n != SEV_MNONCE_SIZE)
			return bad_env("SEVSIM_MNONCE", s, "32 hex digits");
		p->fixed_mnonce = true;
	}
	s = getenv("SEVSIM_ARK_BITS");
	if (s && *s) {
		if (strcmp(s, "2048") && strcmp(s, "4096"))
			return bad_env("SEVSIM_ARK_BITS", s, "2048 or 4096");
		p->ca_bits = (unsigned int)atoi(s);
	}
	return 0;
}

/*
 * The synthetic platform, asked for by SEVSIM_PLATFORM=synthetic or by
 * the state directory's `platform` file; the vectors directory is the
 * file's second word, SEVSIM_VECTORS or MINISEV_VECTORS.
 */
static int read_platform_choice(struct psp *p)
{
	const char *env = getenv("SEVSIM_PLATFORM");
	char path[PATH_MAX], word[16] = "", dir[PATH_MAX] = "";
	const char *vec = NULL;
	char *text = NULL;
	size_t len;
	int ret;

	ret = dir_path(p, "platform", path, sizeof(path));
	if (ret)
		return ret;
	if (env && *env) {
		if (strcmp(env, "synthetic"))
			return bad_env("SEVSIM_PLATFORM", env, "synthetic (or nothing)");
	} else {
		text = read_file(path, 4096, &len);
		if (text) {
			int n = sscanf(text, "%15s %4095s", word, dir);

			free(text);
			if (n < 1 || strcmp(word, "synthetic")) {
				psp_log("%s: want \"synthetic [VECTORS_DIR]\"", path);
				return -EINVAL;
			}
			if (n == 2)
				vec = dir;
		} else {
			ret = dir_path(p, "platform=synthetic", path, sizeof(path));
			if (ret)
				return ret;
			if (access(path, F_OK))
				return 0;
		}
	}
	if (!vec)
		vec = getenv("SEVSIM_VECTORS");
	if (!vec || !*vec)
		vec = getenv("MINISEV_VECTORS");
	if (!vec || !*vec) {
		psp_log("the synthetic platform needs SEVSIM_VECTORS=<shared/vectors directory>");
		return -EINVAL;
	}
	p->vectors = strdup(vec);
	return p->vectors ? 0 : -ENOMEM;
}

static void read_boot_id(struct psp *p)
{
	size_t len = 0;
	char *s = read_file("/proc/sys/kernel/random/boot_id", 256, &len);

	snprintf(p->boot_id, sizeof(p->boot_id), "%s", s && len ? s : "unknown");
	p->boot_id[strcspn(p->boot_id, "\n ")] = '\0';
	free(s);
}

/* First use of a state directory: a new chip, initialised as after probe. */
static int nv_create(struct psp *p)
{
	int ret;

	memset(&p->nv, 0, sizeof(p->nv));
	ret = new_chip(p);
	if (!ret)
		ret = factory_identity(p);
	if (ret)
		return ret;
	p->nv.state = SEV_PLATFORM_INIT;
	return psp_nv_save(p);
}

/* Under the exclusive lock: read, or create, the state; then the exports. */
static int nv_open(struct psp *p)
{
	char path[PATH_MAX];
	struct stat st;
	int ret;

	ret = dir_path(p, "nv", path, sizeof(path));
	if (ret)
		return ret;
	if (stat(path, &st) == 0)
		ret = nv_read(p, &st);
	else if (errno == ENOENT)
		ret = nv_create(p);
	else
		ret = -errno;
	if (ret)
		return ret;
	prune_guests(p);
	/* A directory made synthetic after its creation switches once. */
	if (p->vectors && !p->nv.synthetic) {
		ret = synthetic_identity(p);
		if (!ret)
			ret = psp_nv_save(p);
		if (ret)
			return ret;
	}
	return export_ca_files(p);
}

struct psp *psp_open(const char *state_dir)
{
	char path[PATH_MAX];
	struct psp *p;
	int ret;

	p = calloc(1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	p->lock_fd = -1;
	pthread_mutex_init(&p->mutex, NULL);
	p->dir = strdup(state_dir);
	ret = p->dir ? 0 : -ENOMEM;
	if (!ret)
		ret = read_env(p);
	if (!ret && mkdir(state_dir, 0700) < 0 && errno != EEXIST)
		ret = -errno;
	if (!ret)
		ret = read_platform_choice(p);
	if (!ret)
		ret = dir_path(p, "lock", path, sizeof(path));
	if (ret)
		goto fail;
	read_boot_id(p);
	p->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (p->lock_fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = do_flock(p->lock_fd, LOCK_EX);
	if (ret)
		goto fail;
	ret = nv_open(p);
	psp_nv_unlock(p);
	if (ret)
		goto fail;
	return p;
fail:
	psp_close(p);
	errno = -ret;
	return NULL;
}

void psp_close(struct psp *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mutex);
	if (p->guests && p->nv_read && !psp_nv_lock(p, true)) {
		/* As KVM's sev_vm_destroy() would: this process's guests go. */
		psp_guests_free(p);
		(void)!psp_nv_save(p);
		psp_nv_unlock(p);
	}
	psp_guests_free(p);
	pthread_mutex_unlock(&p->mutex);
	nv_free(&p->nv);
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	pthread_mutex_destroy(&p->mutex);
	free(p->vectors);
	free(p->dir);
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
}
