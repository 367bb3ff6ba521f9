/* SPDX-License-Identifier: MIT */
/*
 * A small, bounded JSON reader for the QMP control socket: parses one
 * value into a fixed pool of nodes (no allocation), with limits on depth,
 * node count and string length, so a hostile client gets an error and
 * never a crash.  Strings are unescaped into the caller's buffer.
 */
#ifndef MINISEV_JSON_H
#define MINISEV_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

#define JSON_MAX_NODES 128
#define JSON_MAX_DEPTH 8

struct json_node {
	enum json_type type;
	const char *key; /* member name inside an object, else NULL */
	const char *str; /* JSON_STRING: unescaped, NUL-terminated */
	size_t str_len;
	double num; /* JSON_NUMBER */
	bool is_int; /* the number was an integer that fits in int64 */
	int64_t ival;
	bool bval;
	int first_child, next; /* indices, -1 for none */
};

struct json_doc {
	struct json_node nodes[JSON_MAX_NODES];
	int nr;
	char *strbuf; /* unescaped strings live here */
	size_t strcap, strlen;
};

/*
 * Parse the JSON text in[0..len) (one value, whitespace around allowed)
 * using strbuf[cap] for strings.  Returns the root index (0), or -EINVAL
 * with a reason in err.
 */
int __must_check json_parse(struct json_doc *d, const char *in, size_t len, char *strbuf,
			    size_t cap, char *err, size_t errlen);
/* The member `key` of object node `obj`, or NULL. */
const struct json_node *json_get(const struct json_doc *d, int obj, const char *key);
int json_index(const struct json_doc *d, const struct json_node *n);

/* Append s to out as a JSON string literal (quoted, escaped). */
size_t json_quote(char *out, size_t cap, const char *s);

#endif /* MINISEV_JSON_H */
