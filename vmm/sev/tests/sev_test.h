/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the SEV unit tests (header-only: every test_*.c is
 * its own program).  Vectors come from $MINISEV_VECTORS, default
 * ../shared/vectors relative to the repository root (tests run there).
 */
#ifndef MINISEV_SEV_TEST_H
#define MINISEV_SEV_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sev/b64.h"
#include "util.h"

static inline const char *vec_dir(void)
{
	const char *d = getenv("MINISEV_VECTORS");

	return d && *d ? d : "../shared/vectors";
}

/* "<vectors>/<rel>" in a static rotating buffer (4 at a time). */
static inline const char *vec_path(const char *rel)
{
	static char bufs[4][1024];
	static int i;
	char *b = bufs[i++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", vec_dir(), rel);
	return b;
}

/* Whole vector file; fails the test if missing. */
static inline uint8_t *vec_read(const char *rel, size_t *len)
{
	uint8_t *p = read_file(vec_path(rel), 1 << 24, len);

	if (!p)
		fail_msg("cannot read vector %s (set MINISEV_VECTORS)", vec_path(rel));
	return p;
}

/* Decode hex of exactly `want` bytes (want 0: any), fail otherwise. */
static inline size_t unhex(const char *s, uint8_t *out, size_t cap, size_t want)
{
	size_t n = 0;

	assert_non_null(s);
	assert_int_equal(sev_hex_decode(s, strlen(s), out, cap, &n, NULL), 0);
	if (want)
		assert_int_equal(n, want);
	return n;
}

static inline size_t unb64(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	assert_non_null(s);
	assert_int_equal(sev_b64_decode(s, strlen(s), out, cap, &n, NULL), 0);
	return n;
}

/* ---- A tiny JSON path reader: enough for the vector files. ---- */
static inline const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static inline const char *js_skip_str(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p + 1 : p;
}

static inline const char *js_skip(const char *p)
{
	int depth = 0;

	p = js_ws(p);
	if (*p == '"')
		return js_skip_str(p);
	if (*p != '{' && *p != '[') {
		while (*p && *p != ',' && *p != '}' && *p != ']')
			p++;
		return p;
	}
	do {
		if (*p == '"') {
			p = js_skip_str(p);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		p++;
	} while (*p && depth);
	return p;
}

/* Value at a dotted path ("cases.0.kek"), as a malloc()ed string. */
static inline char *json_get(const char *doc, const char *path)
{
	const char *p = js_ws(doc), *end;
	char key[128];

	while (*path) {
		size_t kl = strcspn(path, ".");

		memcpy(key, path, kl);
		key[kl] = '\0';
		path += kl + (path[kl] == '.');
		if (*p == '[') {
			long idx = atol(key);

			p = js_ws(p + 1);
			while (idx-- > 0) {
				p = js_ws(js_skip(p));
				if (*p != ',')
					return NULL;
				p = js_ws(p + 1);
			}
			continue;
		}
		if (*p != '{')
			return NULL;
		p = js_ws(p + 1);
		for (;;) {
			const char *k = p + 1;
			size_t l;

			if (*p != '"')
				return NULL;
			p = js_skip_str(p);
			l = (size_t)(p - 1 - k);
			p = js_ws(p);
			if (*p != ':')
				return NULL;
			p = js_ws(p + 1);
			if (l == kl && !memcmp(k, key, kl))
				break;
			p = js_ws(js_skip(p));
			if (*p != ',')
				return NULL;
			p = js_ws(p + 1);
		}
	}
	end = js_skip(p);
	if (*p == '"') {
		p++;
		end--;
	}
	{
		char *v = malloc((size_t)(end - p) + 1);

		memcpy(v, p, (size_t)(end - p));
		v[end - p] = '\0';
		return v;
	}
}

/* The strings J() handed out, freed at exit. */
#define J_MAX 512
static char *j_kept[J_MAX];
static int j_nkept;

static void j_free(void)
{
	while (j_nkept)
		free(j_kept[--j_nkept]);
}

/* json_get that must succeed; the string is kept until exit (tests). */
static inline const char *J(const char *doc, const char *path)
{
	char *v = json_get(doc, path);

	if (!v)
		fail_msg("vector JSON has no %s", path);
	if (!j_nkept)
		atexit(j_free);
	if (j_nkept == J_MAX)
		fail_msg("more than %d strings from J()", J_MAX);
	j_kept[j_nkept++] = v;
	return v;
}

#endif /* MINISEV_SEV_TEST_H */
