// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "json.h"

struct parser {
	struct json_doc *d;
	const char *p, *end;
	char *err;
	size_t errlen;
	int depth;
};

static int perr(struct parser *ps, const char *fmt, ...) __printf(2, 3);
static int perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int new_node(struct parser *ps, enum json_type t)
{
	struct json_node *n;

	if (ps->d->nr == JSON_MAX_NODES)
		return perr(ps, "more than %d values", JSON_MAX_NODES);
	n = &ps->d->nodes[ps->d->nr];
	memset(n, 0, sizeof(*n));
	n->type = t;
	n->first_child = n->next = -1;
	return ps->d->nr++;
}

static int put_char(struct parser *ps, char c)
{
	if (ps->d->strlen + 1 >= ps->d->strcap)
		return perr(ps, "strings longer than %zu bytes in all", ps->d->strcap);
	ps->d->strbuf[ps->d->strlen++] = c;
	return 0;
}

/* A string literal at ps->p; *out points at its unescaped copy. */
static int parse_string(struct parser *ps, const char **out, size_t *outlen)
{
	size_t start = ps->d->strlen;
	int ret;

	ps->p++; /* opening quote */
	while (ps->p < ps->end && *ps->p != '"') {
		unsigned char c = *ps->p++;

		if (c < 0x20)
			return perr(ps, "control character in a string");
		if (c != '\\') {
			if ((ret = put_char(ps, c)))
				return ret;
			continue;
		}
		if (ps->p >= ps->end)
			return perr(ps, "unterminated escape");
		c = *ps->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			break;
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'u': {
			unsigned int u = 0;

			if (ps->end - ps->p < 4)
				return perr(ps, "short \\u escape");
			for (int i = 0; i < 4; i++) {
				int h = hex_digit(ps->p[i]);

				if (h < 0)
					return perr(ps, "bad \\u escape");
				u = u << 4 | h;
			}
			ps->p += 4;
			/* QMP names and base64 are ASCII; refuse the rest. */
			if (u == 0 || u > 0x7f)
				return perr(ps, "\\u%04x: only ASCII is accepted", u);
			c = u;
			break;
		}
		default:
			return perr(ps, "bad escape \\%c", c);
		}
		if ((ret = put_char(ps, c)))
			return ret;
	}
	if (ps->p >= ps->end)
		return perr(ps, "unterminated string");
	ps->p++;
	if ((ret = put_char(ps, '\0')))
		return ret;
	*out = ps->d->strbuf + start;
	*outlen = ps->d->strlen - start - 1;
	return 0;
}

static int parse_value(struct parser *ps);

static int parse_container(struct parser *ps, bool object)
{
	int idx = new_node(ps, object ? JSON_OBJECT : JSON_ARRAY), last = -1;

	if (idx < 0)
		return idx;
	if (++ps->depth > JSON_MAX_DEPTH)
		return perr(ps, "nested deeper than %d", JSON_MAX_DEPTH);
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
		ps->p++;
		ps->depth--;
		return idx;
	}
	for (;;) {
		const char *key = NULL;
		size_t klen;
		int child, ret;

		skip_ws(ps);
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"')
				return perr(ps, "expected a member name");
			if ((ret = parse_string(ps, &key, &klen)))
				return ret;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return perr(ps, "expected ':' after \"%s\"", key);
			ps->p++;
		}
		child = parse_value(ps);
		if (child < 0)
			return child;
		ps->d->nodes[child].key = key;
		if (last < 0)
			ps->d->nodes[idx].first_child = child;
		else
			ps->d->nodes[last].next = child;
		last = child;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
			ps->p++;
			ps->depth--;
			return idx;
		}
		return perr(ps, "expected ',' or '%c'", object ? '}' : ']');
	}
}

static bool is_digit(const char *s, const char *end)
{
	return s < end && *s >= '0' && *s <= '9';
}

/*
 * The length of the JSON number at `p` (RFC 8259 section 6), or 0: no
 * leading '+', no leading zeros, digits on both sides of a '.', and the
 * number may not run on into more number characters ("01", "1.").
 */
static size_t number_len(const char *p, const char *end)
{
	const char *s = p;

	if (s < end && *s == '-')
		s++;
	if (!is_digit(s, end))
		return 0;
	if (*s == '0')
		s++;
	else
		while (is_digit(s, end))
			s++;
	if (s < end && *s == '.') {
		if (!is_digit(++s, end))
			return 0;
		while (is_digit(s, end))
			s++;
	}
	if (s < end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < end && (*s == '+' || *s == '-'))
			s++;
		if (!is_digit(s, end))
			return 0;
		while (is_digit(s, end))
			s++;
	}
	/* strchr() would match the NUL terminator: test it apart. */
	if (s < end && *s && strchr("+-0123456789.eE", *s))
		return 0;
	return (size_t)(s - p);
}

static int parse_number(struct parser *ps)
{
	char buf[64], *endp;
	size_t n = number_len(ps->p, ps->end);
	int idx;

	if (!n || n >= sizeof(buf))
		return perr(ps, "bad number");
	memcpy(buf, ps->p, n);
	buf[n] = '\0';
	idx = new_node(ps, JSON_NUMBER);
	if (idx < 0)
		return idx;
	errno = 0;
	ps->d->nodes[idx].ival = strtoll(buf, &endp, 10);
	ps->d->nodes[idx].is_int = !errno && *endp == '\0';
	ps->d->nodes[idx].num = strtod(buf, &endp);
	if (*endp || !isfinite(ps->d->nodes[idx].num))
		return perr(ps, "bad number '%s'", buf);
	ps->p += n;
	return idx;
}

static int parse_word(struct parser *ps, const char *w, enum json_type t, bool b)
{
	size_t n = strlen(w);
	int idx;

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n))
		return perr(ps, "unexpected character '%c'", *ps->p);
	ps->p += n;
	idx = new_node(ps, t);
	if (idx >= 0)
		ps->d->nodes[idx].bval = b;
	return idx;
}

static int parse_value(struct parser *ps)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return perr(ps, "unexpected end of input");
	switch (*ps->p) {
	case '{':
		return parse_container(ps, true);
	case '[':
		return parse_container(ps, false);
	case '"': {
		int idx = new_node(ps, JSON_STRING), ret;

		if (idx < 0)
			return idx;
		ret = parse_string(ps, &ps->d->nodes[idx].str, &ps->d->nodes[idx].str_len);
		return ret ? ret : idx;
	}
	case 't':
		return parse_word(ps, "true", JSON_BOOL, true);
	case 'f':
		return parse_word(ps, "false", JSON_BOOL, false);
	case 'n':
		return parse_word(ps, "null", JSON_NULL, false);
	default:
		return parse_number(ps);
	}
}

int json_parse(struct json_doc *d, const char *in, size_t len, char *strbuf, size_t cap, char *err,
	       size_t errlen)
{
	struct parser ps = { .d = d, .p = in, .end = in + len, .err = err, .errlen = errlen };
	int root;

	d->nr = 0;
	d->strbuf = strbuf;
	d->strcap = cap;
	d->strlen = 0;
	root = parse_value(&ps);
	if (root < 0)
		return root;
	skip_ws(&ps);
	if (ps.p != ps.end)
		return perr(&ps, "trailing characters after the value");
	return root;
}

const struct json_node *json_get(const struct json_doc *d, int obj, const char *key)
{
	if (obj < 0 || obj >= d->nr || d->nodes[obj].type != JSON_OBJECT)
		return NULL;
	for (int i = d->nodes[obj].first_child; i >= 0; i = d->nodes[i].next)
		if (d->nodes[i].key && !strcmp(d->nodes[i].key, key))
			return &d->nodes[i];
	return NULL;
}

int json_index(const struct json_doc *d, const struct json_node *n)
{
	return n ? (int)(n - d->nodes) : -1;
}

size_t json_quote(char *out, size_t cap, const char *s)
{
	size_t n = 0;

#define PUT(c)                        \
	do {                          \
		if (n + 1 < cap)      \
			out[n] = (c); \
		n++;                  \
	} while (0)
	PUT('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\') {
			PUT('\\');
			PUT(c);
		} else if (c < 0x20) {
			char esc[8];

			snprintf(esc, sizeof(esc), "\\u%04x", c);
			for (int i = 0; esc[i]; i++)
				PUT(esc[i]);
		} else {
			PUT(c);
		}
	}
	PUT('"');
#undef PUT
	if (cap)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}
