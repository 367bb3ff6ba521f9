// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "minisev/sev.h"
#include "sev/policy.h"

struct policy_bit {
	uint32_t bit;
	const char *name;
	const char *set; /* meaning when set */
	const char *clear; /* meaning when clear */
};

static const struct policy_bit policy_bits[] = {
	{ SEV_POLICY_NODBG, "NODBG", "debugging (DBG_DECRYPT/ENCRYPT) disallowed",
	  "debugging allowed" },
	{ SEV_POLICY_NOKS, "NOKS", "sharing keys with other guests disallowed",
	  "key sharing allowed" },
	{ SEV_POLICY_ES, "ES", "SEV-ES required", "SEV-ES not required" },
	{ SEV_POLICY_NOSEND, "NOSEND", "sending (migration) disallowed", "sending allowed" },
	{ SEV_POLICY_DOMAIN, "DOMAIN", "may only be sent within the domain",
	  "may be sent outside the domain" },
	{ SEV_POLICY_SEV, "SEV", "may only be sent to SEV platforms",
	  "may be sent to any platform" },
};

static int parse_api(const char *v, uint32_t *pol, struct sev_why *why)
{
	unsigned long maj, min;
	char *end;

	errno = 0;
	maj = strtoul(v, &end, 10);
	if (errno || end == v || *end != '.' || maj > 255)
		goto bad;
	v = end + 1;
	min = strtoul(v, &end, 10);
	if (errno || end == v || *end || min > 255)
		goto bad;
	*pol |= (uint32_t)maj << SEV_POLICY_API_MAJOR_SHIFT | (uint32_t)min
								      << SEV_POLICY_API_MINOR_SHIFT;
	return 0;
bad:
	return sev_why_set(why, -EINVAL, "bad policy: api= wants MAJOR.MINOR (each 0-255)");
}

static int policy_parse(const char *s, uint32_t *out, bool check, struct sev_why *why)
{
	char tok[64];
	uint32_t pol = 0;
	const char *p;

	if (!s || !*s)
		return sev_why_set(why, -EINVAL, "empty policy");
	if (isdigit((unsigned char)s[0])) {
		unsigned long long v;
		char *end;

		errno = 0;
		v = strtoull(s, &end, 0);
		if (errno || *end || v > 0xffffffffULL)
			return sev_why_set(why, -EINVAL, "bad policy '%s': not a 32-bit number", s);
		pol = (uint32_t)v;
		goto check;
	}
	if (!strcasecmp(s, "none"))
		goto check;
	for (p = s; *p;) {
		size_t n = strcspn(p, ",|+");
		size_t i;

		if (n == 0 || n >= sizeof(tok))
			return sev_why_set(why, -EINVAL, "bad policy '%s': empty or overlong item",
					   s);
		memcpy(tok, p, n);
		tok[n] = '\0';
		p += n;
		if (*p)
			p++;
		if (!strncasecmp(tok, "api=", 4)) {
			if (parse_api(tok + 4, &pol, why))
				return -EINVAL;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(policy_bits); i++)
			if (!strcasecmp(tok, policy_bits[i].name))
				break;
		if (i == ARRAY_SIZE(policy_bits))
			return sev_why_set(
				why, -EINVAL,
				"bad policy: unknown bit '%s' (known: nodbg noks es nosend domain sev api=M.m)",
				tok);
		pol |= policy_bits[i].bit;
	}
check:
	if (check && sev_policy_check(pol, why))
		return -EINVAL;
	*out = pol;
	return 0;
}

int sev_policy_parse(const char *s, uint32_t *out, struct sev_why *why)
{
	return policy_parse(s, out, true, why);
}

int sev_policy_parse_raw(const char *s, uint32_t *out, struct sev_why *why)
{
	return policy_parse(s, out, false, why);
}

const char *sev_policy_str(uint32_t policy, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(policy_bits); i++) {
		if (!(policy & policy_bits[i].bit))
			continue;
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%s", used ? "|" : "",
				 policy_bits[i].name);
	}
	if (policy & SEV_POLICY_RESERVED_MASK)
		used += snprintf(buf + used, used < len ? len - used : 0, "%sRESERVED(0x%x)",
				 used ? "|" : "", policy & SEV_POLICY_RESERVED_MASK);
	if (policy >> 16)
		used += snprintf(buf + used, used < len ? len - used : 0, "%sAPI>=%u.%u",
				 used ? "|" : "", SEV_POLICY_API_MAJOR(policy),
				 SEV_POLICY_API_MINOR(policy));
	if (!used)
		snprintf(buf, len, "none");
	return buf;
}

void sev_policy_print(FILE *f, uint32_t policy)
{
	char s[128];

	fprintf(f, "policy 0x%08x (%s)\n", policy, sev_policy_str(policy, s, sizeof(s)));
	for (size_t i = 0; i < ARRAY_SIZE(policy_bits); i++) {
		const struct policy_bit *b = &policy_bits[i];
		bool on = policy & b->bit;

		fprintf(f, "  bit %d %-7s %d  %s\n", __builtin_ctz(b->bit), b->name, on,
			on ? b->set : b->clear);
	}
	fprintf(f, "  bits 6-15 reserved 0x%03x%s\n", (policy & SEV_POLICY_RESERVED_MASK) >> 6,
		policy & SEV_POLICY_RESERVED_MASK ? "  (must be zero!)" : "");
	fprintf(f, "  bits 16-31 minimum firmware API %u.%u\n", SEV_POLICY_API_MAJOR(policy),
		SEV_POLICY_API_MINOR(policy));
}

int sev_policy_check(uint32_t policy, struct sev_why *why)
{
	if (policy & SEV_POLICY_RESERVED_MASK)
		return sev_why_set(
			why, -EINVAL,
			"policy 0x%08x sets reserved bits 0x%04x (bits 6-15 must be zero; the firmware refuses it)",
			policy, policy & SEV_POLICY_RESERVED_MASK);
	return 0;
}

int sev_policy_check_launch(uint32_t policy, bool es_launch, struct sev_why *why)
{
	int ret = sev_policy_check(policy, why);

	if (ret)
		return ret;
	if (es_launch && !(policy & SEV_POLICY_ES))
		return sev_why_set(
			why, -EINVAL,
			"SEV-ES launch with policy 0x%08x, which lacks the ES bit (0x4): add it or launch plain SEV",
			policy);
	if (!es_launch && (policy & SEV_POLICY_ES))
		return sev_why_set(
			why, -EINVAL,
			"policy 0x%08x requires SEV-ES (ES bit 0x4) but the launch is plain SEV",
			policy);
	return 0;
}

int sev_policy_check_platform(uint32_t policy, uint8_t api_major, uint8_t api_minor, uint32_t flags,
			      struct sev_why *why)
{
	unsigned int want = SEV_POLICY_API_MAJOR(policy) << 8 | SEV_POLICY_API_MINOR(policy);
	unsigned int have = (unsigned int)api_major << 8 | api_minor;

	if (want > have)
		return sev_why_set(
			why, -EINVAL,
			"policy 0x%08x requires firmware API >= %u.%u, platform has %u.%u", policy,
			SEV_POLICY_API_MAJOR(policy), SEV_POLICY_API_MINOR(policy), api_major,
			api_minor);
	if ((policy & SEV_POLICY_ES) && !(flags & SEV_PLATFORM_F_CONFIG_ES))
		return sev_why_set(
			why, -EINVAL,
			"policy 0x%08x requires SEV-ES but the firmware does not report SEV-ES support (PLATFORM_STATUS flags 0x%x)",
			policy, flags);
	return 0;
}
