// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>

#include "sev/cmd.h"

const struct sev_dev_ops *sev_cmd_dev_ops = &sev_dev_ops_linux;

int cmd_fail(int status, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pr_err("%s", buf);
	return status;
}

int cmd_parse_u8(const char *opt, const char *s, uint8_t *out)
{
	uint64_t v;

	if (parse_u64(s, 0, 255, &v)) {
		pr_err("%s: '%s' is not a number from 0 to 255", opt, s);
		return -1;
	}
	*out = (uint8_t)v;
	return 0;
}
