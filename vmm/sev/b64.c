// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "sev/b64.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void sev_b64_encode(const void *in, size_t n, char *out)
{
	const uint8_t *p = in;
	size_t i;
	char *o = out;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = '=';
	}
	*o = '\0';
}

char *sev_b64_encode_alloc(const void *in, size_t n)
{
	char *s = malloc(sev_b64_len(n) + 1);

	if (s)
		sev_b64_encode(in, n, s);
	return s;
}

int sev_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen,
		   struct sev_why *why)
{
	uint32_t acc = 0;
	size_t i, nchars = 0, npad = 0, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = in[i];
		int v;

		if (is_space(c))
			continue;
		if (c == '=') {
			/* Padding only in the last quantum, at most two. */
			if (nchars % 4 < 2 || ++npad > 2)
				return sev_why_set(why, -EINVAL, "bad base64 padding at offset %zu",
						   i);
			nchars++;
			continue;
		}
		v = b64_value(c);
		if (v < 0)
			return sev_why_set(
				why, -EINVAL,
				"bad base64: character 0x%02x at offset %zu is not in the alphabet",
				c, i);
		if (npad)
			return sev_why_set(why, -EINVAL,
					   "bad base64: data after padding at offset %zu", i);
		acc = acc << 6 | (uint32_t)v;
		nchars++;
		if (nchars % 4 == 0) {
			if (o + 3 > cap)
				goto too_big;
			out[o++] = acc >> 16;
			out[o++] = acc >> 8;
			out[o++] = acc;
			acc = 0;
		}
	}
	if (nchars == 0)
		return sev_why_set(why, -EINVAL, "bad base64: empty");
	if (nchars % 4)
		return sev_why_set(why, -EINVAL,
				   "bad base64: %zu characters, not a multiple of 4 (truncated?)",
				   nchars);
	if (npad) {
		size_t keep = 3 - npad;

		/* The partial quantum holds 4 - npad sextets. */
		acc <<= 6 * npad;
		if (o + keep > cap)
			goto too_big;
		/* Non-zero bits under the padding: not canonical, refuse. */
		if ((npad == 1 && (acc & 0xff)) || (npad == 2 && (acc & 0xffff)))
			return sev_why_set(why, -EINVAL,
					   "bad base64: non-zero bits before the padding");
		out[o++] = acc >> 16;
		if (keep == 2)
			out[o++] = acc >> 8;
	}
	*outlen = o;
	return 0;
too_big:
	return sev_why_set(why, -E2BIG, "base64 decodes to more than the expected %zu bytes", cap);
}

void sev_hex_encode(const void *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = in;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int sev_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen,
		   struct sev_why *why)
{
	size_t i = 0, o = 0, nd = 0;
	int hi = 0;

	if (len >= 2 && in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
		i = 2;
	for (; i < len; i++) {
		unsigned char c = in[i];
		int v;

		if (is_space(c))
			continue;
		v = hex_digit(c);
		if (v < 0)
			return sev_why_set(why, -EINVAL, "bad hex: character 0x%02x at offset %zu",
					   c, i);
		if (nd++ % 2 == 0) {
			hi = v;
			continue;
		}
		if (o >= cap)
			return sev_why_set(why, -E2BIG,
					   "hex decodes to more than the expected %zu bytes", cap);
		out[o++] = (uint8_t)(hi << 4 | v);
	}
	if (nd == 0)
		return sev_why_set(why, -EINVAL, "bad hex: empty");
	if (nd % 2)
		return sev_why_set(why, -EINVAL, "bad hex: odd number of digits");
	*outlen = o;
	return 0;
}

int sev_bytes_arg(const char *s, uint8_t *out, size_t want, struct sev_why *why)
{
	size_t n = strlen(s), got = 0;
	uint8_t buf[512];
	int ret;

	if (want > sizeof(buf))
		return sev_why_set(why, -EINVAL, "value too large");
	if (n == 2 * want && sev_hex_decode(s, n, buf, sizeof(buf), &got, NULL) == 0 && got == want)
		goto ok;
	ret = sev_b64_decode(s, n, buf, sizeof(buf), &got, why);
	if (ret)
		return ret;
	if (got != want)
		return sev_why_set(why, -EINVAL,
				   "expected %zu bytes (base64 or %zu hex digits), got %zu", want,
				   2 * want, got);
ok:
	memcpy(out, buf, want);
	return 0;
}
