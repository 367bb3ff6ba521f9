// SPDX-License-Identifier: MIT
/* libFuzzer target: the QMP JSON reader, fed whatever a QMP client sends. */

#include "fuzz.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char strbuf[4096], err[128];
	struct json_doc doc;

	if (json_parse(&doc, (const char *)data, size, strbuf, sizeof(strbuf), err, sizeof(err)) ==
	    0) {
		/* What qmp.c then looks up, on whatever came out. */
		(void)json_get(&doc, 0, "execute");
		(void)json_get(&doc, json_index(&doc, json_get(&doc, 0, "arguments")), "secret");
	}
	return 0;
}
