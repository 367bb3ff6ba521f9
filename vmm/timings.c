// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timings.h"

void timings_init(struct timings *tm)
{
	memset(tm, 0, sizeof(*tm));
	tm->t0_ns = now_ns();
}

static void add(struct timings *tm, const char *name, uint64_t start_ns, uint64_t dur_ns,
		uint64_t bytes)
{
	struct timing *t;

	if (tm->nr == TIMINGS_MAX)
		return;
	t = &tm->t[tm->nr++];
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->start_ns = start_ns >= tm->t0_ns ? start_ns - tm->t0_ns : 0;
	t->dur_ns = dur_ns;
	t->bytes = bytes;
}

void timings_add(struct timings *tm, const char *name, uint64_t start_ns, uint64_t bytes)
{
	uint64_t now = now_ns();

	add(tm, name, start_ns, now >= start_ns ? now - start_ns : 0, bytes);
}

void timings_mark(struct timings *tm, const char *name, uint64_t at_ns)
{
	add(tm, name, at_ns, 0, 0);
}

int timings_set_kvm(struct timings *tm, const char *json)
{
	if (strlen(json) >= sizeof(tm->kvm))
		return -E2BIG;
	strcpy(tm->kvm, json);
	return 0;
}

char *timings_json(const struct timings *tm)
{
	size_t cap = 256 + sizeof(tm->kvm) + tm->nr * 160, n = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	n += snprintf(s + n, cap - n, "{\n  \"unit\": \"us\",\n");
	if (tm->kvm[0])
		n += snprintf(s + n, cap - n, "  \"kvm\": %s,\n", tm->kvm);
	n += snprintf(s + n, cap - n, "  \"phases\": [");
	for (unsigned int i = 0; i < tm->nr; i++) {
		const struct timing *t = &tm->t[i];

		n += snprintf(
			s + n, cap - n,
			"%s\n    {\"name\": \"%s\", \"start_us\": %.1f, \"duration_us\": %.1f",
			i ? "," : "", t->name, t->start_ns / 1e3, t->dur_ns / 1e3);
		if (t->bytes) {
			double mib = t->bytes / (1024.0 * 1024.0);
			double secs = t->dur_ns / 1e9;

			n += snprintf(s + n, cap - n, ", \"bytes\": %llu, \"mib_per_s\": %.1f",
				      (unsigned long long)t->bytes, secs > 0 ? mib / secs : 0.0);
		}
		n += snprintf(s + n, cap - n, "}");
	}
	snprintf(s + n, cap - n, "\n  ]\n}\n");
	return s;
}

int timings_write(const struct timings *tm, const char *path)
{
	char *s = timings_json(tm);
	int ret;

	if (!s)
		return -ENOMEM;
	ret = write_file_atomic(path, s, strlen(s), 0644);
	free(s);
	return ret;
}
