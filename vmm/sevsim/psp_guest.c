// SPDX-License-Identifier: MIT
/*
 * sevsim firmware half, guest side: guest contexts and the launch
 * commands with their firmware checks in the firmware's order (FW
 * sev_mcmd.c sev_mcmd_launch_*, launch_update_common, sev_mcmd_guest_status,
 * sev_mcmd_dbg_decrypt; FW sev_guest.c for the state table, the policy
 * check and the measurement; FW sev_channel.c for the session).  The
 * cryptography is vmm/sev/'s: sev_session_open(), sev_measure_compute(),
 * sev_secret_mac().
 */
#define PSP_INTERNAL
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sev/crypto.h"
#include "sev/measure.h"
#include "sev/policy.h"
#include "sev/secret.h"
#include "sev/session.h"
#include "sevsim/psp.h"

static struct psp_guest *guest_find(const struct psp *p, uint32_t handle)
{
	struct psp_guest *g;

	for (g = p->guests; g; g = g->next)
		if (g->handle == handle)
			return g;
	return NULL;
}

static void guest_free(struct psp_guest *g)
{
	if (g->ld_open)
		sev_ld_free(&g->ld);
	OPENSSL_cleanse(g, sizeof(*g));
	free(g);
}

void psp_guests_free(struct psp *p)
{
	while (p->guests) {
		struct psp_guest *g = p->guests;

		p->guests = g->next;
		guest_free(g);
	}
	p->nguests = 0;
}

static void guest_unlink(struct psp *p, struct psp_guest *g)
{
	struct psp_guest **pp;

	for (pp = &p->guests; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			p->nguests--;
			return;
		}
	}
}

/*
 * What every guest command checks first (FW launch_update_common and the
 * others): the platform must be WORKING, then the handle known.  A guest
 * of this process makes the platform WORKING; otherwise the shared state
 * says whether another process's guests do.
 */
static int guest_get(struct psp *p, uint32_t handle, struct psp_guest **g)
{
	uint8_t state;
	int ret;

	*g = guest_find(p, handle);
	if (*g)
		return 0;
	ret = psp_nv_lock(p, false);
	if (ret)
		return ret;
	state = psp_state(p);
	psp_nv_unlock(p);
	return state == SEV_PLATFORM_WORKING ? SEV_FW_INVALID_GUEST : SEV_FW_INVALID_PLATFORM_STATE;
}

/* The smallest handle no process uses (FW find_free_guest_handle). */
static uint32_t free_handle(const struct psp *p)
{
	for (uint32_t h = 1; h <= PSP_MAX_GUESTS; h++) {
		bool used = guest_find(p, h) != NULL;

		for (unsigned int i = 0; i < p->nv.nguests && !used; i++)
			used = p->nv.guests[i].handle == h;
		if (!used)
			return h;
	}
	return 0;
}

/* FW sev_mcmd.h api_version_supported: the policy's minimum against ours. */
static bool policy_api_ok(const struct psp *p, uint32_t policy)
{
	unsigned int want = SEV_POLICY_API_MAJOR(policy) << 8 | SEV_POLICY_API_MINOR(policy);

	return want <= ((unsigned int)p->api_major << 8 | p->api_minor);
}

/*
 * FW sev_channel.c sev_channel_open_server and sev_guest.c
 * sev_guest_verify_policy: a malformed GODH is INVALID_CERTIFICATE, a MAC
 * that does not match (wrap or policy: a tampered session, another
 * platform's, another policy) BAD_MEASUREMENT; then the policy itself.
 */
static int open_channel(struct psp *p, struct psp_guest *g, uint32_t policy, const void *dh,
			uint32_t dh_len, const void *session, uint32_t session_len)
{
	struct sev_session_blob blob;
	struct sev_cert godh;
	int ret;

	if (!session || session_len != SEV_SESSION_SIZE || dh_len != SEV_CERT_SIZE)
		return SEV_FW_INVALID_LEN;
	memcpy(&blob, session, sizeof(blob));
	memcpy(godh.raw, dh, SEV_CERT_SIZE);
	ret = sev_session_open(p->nv.pdh, &godh, &blob, policy, g->tek, g->tik, NULL);
	OPENSSL_cleanse(&blob, sizeof(blob));
	if (ret == -EINVAL)
		return SEV_FW_INVALID_CERTIFICATE;
	if (ret == -EBADMSG)
		return SEV_FW_BAD_MEASUREMENT;
	if (ret)
		return ret;
	if (!policy_api_ok(p, policy) || sev_policy_check(policy, NULL))
		return SEV_FW_POLICY_FAILURE;
	return 0;
}

/* FW sev_mcmd_launch_start, then ACTIVATE's ASID check (sev_es_validate_asid). */
static int launch_start(struct psp *p, uint32_t policy, const void *dh, uint32_t dh_len,
			const void *session, uint32_t session_len, bool es, uint32_t *handle)
{
	uint8_t state = psp_state(p);
	struct psp_guest *g, *shared;
	int st = 0;

	if (state != SEV_PLATFORM_INIT && state != SEV_PLATFORM_WORKING)
		return SEV_FW_INVALID_PLATFORM_STATE;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	/* Without a GODH the channel stays zero: TEK = TIK = 0. */
	if (dh)
		st = open_channel(p, g, policy, dh, dh_len, session, session_len);
	if (st)
		goto fail;
	g->policy = policy;
	if (*handle) {
		/* Key sharing, with a guest of this process only. */
		shared = guest_find(p, *handle);
		if (!shared) {
			st = SEV_FW_INVALID_GUEST;
			goto fail;
		}
		if (shared->policy != policy || (shared->policy & SEV_POLICY_NOKS)) {
			st = SEV_FW_POLICY_FAILURE;
			goto fail;
		}
		memcpy(g->vek, shared->vek, sizeof(g->vek));
	} else {
		st = sev_random(g->vek, sizeof(g->vek));
		if (st)
			goto fail;
	}
	g->handle = free_handle(p);
	if (!g->handle) {
		st = SEV_FW_RESOURCE_LIMIT;
		goto fail;
	}
	if (policy & SEV_POLICY_ES) {
		if (!p->es) {
			st = SEV_FW_UNSUPPORTED;
			goto fail;
		}
		g->es = true;
	}
	/*
	 * KVM's sev_bind_asid() follows: an SEV-ES guest needs an ASID below
	 * min_sev_asid and a plain one an ASID above; on failure KVM
	 * decommissions the guest, which leaves nothing behind here either.
	 */
	if (g->es != es) {
		st = SEV_FW_INVALID_ASID;
		goto fail;
	}
	st = sev_ld_init(&g->ld);
	if (st)
		goto fail;
	g->ld_open = true;
	g->state = SEV_GUEST_LUPDATE;
	g->next = p->guests;
	p->guests = g;
	p->nguests++;
	*handle = g->handle;
	return 0;
fail:
	guest_free(g);
	return st;
}

int psp_launch_start(struct psp *p, uint32_t policy, const void *dh, uint32_t dh_len,
		     const void *session, uint32_t session_len, bool es, uint32_t *handle,
		     uint32_t *fw_err)
{
	uint32_t h = *handle;
	int st;

	pthread_mutex_lock(&p->mutex);
	st = psp_nv_lock(p, true);
	if (st)
		goto out;
	st = launch_start(p, policy, dh, dh_len, session, session_len, es, &h);
	if (!st) {
		/* Every process must see the new guest: WORKING, its handle taken. */
		st = psp_nv_save(p);
		if (st)
			psp_decommission_locked(p, h);
		else
			*handle = h;
	}
	psp_nv_unlock(p);
out:
	pthread_mutex_unlock(&p->mutex);
	return psp_fw_result(st, fw_err);
}

/* FW launch_update_common: LUPDATE only; 16-byte aligned address and length. */
static int update_checks(struct psp *p, uint32_t handle, bool vmsa, const void *src, uint32_t len,
			 struct psp_guest **gp)
{
	struct psp_guest *g;
	int st;

	st = guest_get(p, handle, &g);
	if (st)
		return st;
	if (g->state != SEV_GUEST_LUPDATE)
		return SEV_FW_INVALID_GUEST_STATE;
	if (vmsa && !g->es)
		return SEV_FW_UNSUPPORTED;
	/* KVM hands the firmware the VMSA page itself, whatever the caller's copy. */
	if (!vmsa && ((uintptr_t)src & 15))
		return SEV_FW_INVALID_ADDRESS;
	if (!len || len & 15)
		return SEV_FW_INVALID_LEN;
	if (!src)
		return -EFAULT;
	*gp = g;
	return 0;
}

/* LAUNCH_UPDATE_DATA and _VMSA: the checks, then GCTX.LD over the plaintext, in command order. */
static int launch_update(struct psp *p, uint32_t handle, bool vmsa, const void *src, uint32_t len,
			 uint32_t *fw_err)
{
	struct psp_guest *g;
	int st;

	pthread_mutex_lock(&p->mutex);
	st = update_checks(p, handle, vmsa, src, len, &g);
	if (!st)
		st = sev_ld_update(&g->ld, src, len);
	pthread_mutex_unlock(&p->mutex);
	return psp_fw_result(st, fw_err);
}

int psp_launch_update_data(struct psp *p, uint32_t handle, const void *src, uint32_t len,
			   uint32_t *fw_err)
{
	return launch_update(p, handle, false, src, len, fw_err);
}

int psp_launch_update_vmsa(struct psp *p, uint32_t handle, const void *vmsa, uint32_t *fw_err)
{
	return launch_update(p, handle, true, vmsa, PSP_VMSA_SIZE, fw_err);
}

/* FW sev_mcmd_launch_measure and sev_guest.c sev_guest_measure. */
static int measure(struct psp *p, uint32_t handle, uint8_t out[SEV_MEASURE_BLOB_SIZE])
{
	struct sev_measure_params mp = { 0 };
	struct psp_guest *g;
	int st;

	st = guest_get(p, handle, &g);
	if (st)
		return st;
	if (g->state != SEV_GUEST_LUPDATE)
		return SEV_FW_INVALID_GUEST_STATE;
	mp.api_major = p->api_major;
	mp.api_minor = p->api_minor;
	mp.build_id = p->build;
	mp.policy = g->policy;
	if (p->fixed_mnonce)
		memcpy(mp.mnonce, p->mnonce, sizeof(mp.mnonce));
	else if ((st = sev_random(mp.mnonce, sizeof(mp.mnonce))))
		return st;
	g->ld_open = false;
	st = sev_ld_final(&g->ld, mp.ld);
	if (!st)
		st = sev_measure_compute(g->tik, &mp, g->measure);
	if (st)
		return st;
	memcpy(out, g->measure, SEV_MAC_SIZE);
	memcpy(out + SEV_MAC_SIZE, mp.mnonce, SEV_MNONCE_SIZE);
	g->state = SEV_GUEST_LSECRET;
	return 0;
}

int psp_launch_measure(struct psp *p, uint32_t handle, uint8_t out[SEV_MEASURE_BLOB_SIZE],
		       uint32_t *fw_err)
{
	int st;

	pthread_mutex_lock(&p->mutex);
	st = measure(p, handle, out);
	pthread_mutex_unlock(&p->mutex);
	return psp_fw_result(st, fw_err);
}

/*
 * FW sev_mcmd_launch_secret and sev_channel.c sev_channel_extract: the
 * lengths, the guest state, the MAC (BAD_MEASUREMENT), and only then the
 * COMPRESSED flag (UNSUPPORTED).
 */
static int secret(struct psp *p, uint32_t handle, const void *hdr, uint32_t hdr_len,
		  uint64_t guest_addr, uint32_t guest_len, const void *trans, uint32_t trans_len,
		  void *plain)
{
	uint8_t h[SEV_SECRET_HEADER_SIZE], mac[SEV_MAC_SIZE];
	const uint8_t *iv = h + 4, *hmac = h + 4 + SEV_IV_SIZE;
	struct psp_guest *g;
	uint32_t flags;
	int st;

	st = guest_get(p, handle, &g);
	if (st)
		return st;
	if (guest_addr & 15)
		return SEV_FW_INVALID_ADDRESS;
	if (hdr_len != SEV_SECRET_HEADER_SIZE || !guest_len || guest_len & 15 ||
	    guest_len > PSP_SECRET_MAX || guest_len != trans_len)
		return SEV_FW_INVALID_LEN;
	if (g->state != SEV_GUEST_LSECRET)
		return SEV_FW_INVALID_GUEST_STATE;
	if (!hdr || !trans || !plain)
		return -EFAULT;
	memcpy(h, hdr, sizeof(h));
	flags = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
	st = sev_secret_mac(g->tik, g->measure, flags, iv, trans, trans_len, mac);
	if (st)
		return st;
	if (CRYPTO_memcmp(mac, hmac, SEV_MAC_SIZE))
		return SEV_FW_BAD_MEASUREMENT;
	if (flags & SEV_SECRET_F_COMPRESSED)
		return SEV_FW_UNSUPPORTED;
	return sev_aes128_ctr(g->tek, iv, trans, plain, trans_len);
}

int psp_launch_secret_at(struct psp *p, uint32_t handle, const void *hdr, uint32_t hdr_len,
			 uint64_t guest_addr, uint32_t guest_len, const void *trans,
			 uint32_t trans_len, void *plain, uint32_t *fw_err)
{
	int st;

	pthread_mutex_lock(&p->mutex);
	st = secret(p, handle, hdr, hdr_len, guest_addr, guest_len, trans, trans_len, plain);
	pthread_mutex_unlock(&p->mutex);
	return psp_fw_result(st, fw_err);
}

int psp_launch_secret(struct psp *p, uint32_t handle, const void *hdr, uint32_t hdr_len,
		      const void *trans, uint32_t trans_len, void *plain, uint32_t *fw_err)
{
	return psp_launch_secret_at(p, handle, hdr, hdr_len, 0, trans_len, trans, trans_len, plain,
				    fw_err);
}

/* FW sev_mcmd_launch_finish: LSECRET only (MEASURE is not optional); the channel closes. */
int psp_launch_finish(struct psp *p, uint32_t handle, uint32_t *fw_err)
{
	struct psp_guest *g;
	int st;

	pthread_mutex_lock(&p->mutex);
	st = guest_get(p, handle, &g);
	if (!st && g->state != SEV_GUEST_LSECRET)
		st = SEV_FW_INVALID_GUEST_STATE;
	if (!st) {
		OPENSSL_cleanse(g->tek, sizeof(g->tek));
		OPENSSL_cleanse(g->tik, sizeof(g->tik));
		OPENSSL_cleanse(g->measure, sizeof(g->measure));
		g->state = SEV_GUEST_RUNNING;
	}
	pthread_mutex_unlock(&p->mutex);
	return psp_fw_result(st, fw_err);
}

/* FW sev_mcmd_guest_status: INIT or WORKING; an unknown handle reads state 0. */
int psp_guest_status(struct psp *p, uint32_t handle, uint32_t *policy, uint32_t *state,
		     uint32_t *fw_err)
{
	struct psp_guest *g;
	uint8_t pstate = SEV_PLATFORM_WORKING;
	int st = 0;

	pthread_mutex_lock(&p->mutex);
	g = guest_find(p, handle);
	if (!g) {
		st = psp_nv_lock(p, false);
		if (!st) {
			pstate = psp_state(p);
			psp_nv_unlock(p);
		}
	}
	if (!st && pstate == SEV_PLATFORM_UNINIT)
		st = SEV_FW_INVALID_PLATFORM_STATE;
	if (!st) {
		*policy = g ? g->policy : 0;
		*state = g ? g->state : SEV_GUEST_UNINIT;
	}
	pthread_mutex_unlock(&p->mutex);
	return psp_fw_result(st, fw_err);
}

/* FW sev_mcmd_dbg_decrypt / _encrypt: the policy decides. */
int psp_dbg_allowed(struct psp *p, uint32_t handle, uint32_t *fw_err)
{
	struct psp_guest *g;
	int st;

	pthread_mutex_lock(&p->mutex);
	st = guest_get(p, handle, &g);
	if (!st && (g->policy & SEV_POLICY_NODBG))
		st = SEV_FW_POLICY_FAILURE;
	pthread_mutex_unlock(&p->mutex);
	return psp_fw_result(st, fw_err);
}

void psp_decommission_locked(struct psp *p, uint32_t handle)
{
	struct psp_guest *g = guest_find(p, handle);

	if (g) {
		guest_unlink(p, g);
		guest_free(g);
	}
}

int psp_decommission(struct psp *p, uint32_t handle)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&p->mutex);
	if (guest_find(p, handle)) {
		psp_decommission_locked(p, handle);
		/* The other processes see one guest less (WORKING may end). */
		ret = psp_nv_lock(p, true);
		if (!ret) {
			ret = psp_nv_save(p);
			psp_nv_unlock(p);
		}
	}
	pthread_mutex_unlock(&p->mutex);
	return ret;
}

int psp_guest_key(struct psp *p, uint32_t handle, uint8_t key[PSP_GUEST_KEY_SIZE])
{
	struct psp_guest *g;
	int ret = -ENOENT;

	pthread_mutex_lock(&p->mutex);
	g = guest_find(p, handle);
	if (g) {
		memcpy(key, g->vek, PSP_GUEST_KEY_SIZE);
		ret = 0;
	}
	pthread_mutex_unlock(&p->mutex);
	return ret;
}
