// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sev/why.h"

int sev_why_set(struct sev_why *why, int ret, const char *fmt, ...)
{
	va_list ap;

	if (!why)
		return ret;
	va_start(ap, fmt);
	vsnprintf(why->msg, sizeof(why->msg), fmt, ap);
	va_end(ap);
	return ret;
}

void sev_why_prefix(struct sev_why *why, const char *fmt, ...)
{
	char pfx[SEV_WHY_LEN], tmp[2 * SEV_WHY_LEN + 2];
	va_list ap;

	if (!why)
		return;
	va_start(ap, fmt);
	vsnprintf(pfx, sizeof(pfx), fmt, ap);
	va_end(ap);
	snprintf(tmp, sizeof(tmp), "%s: %s", pfx, why->msg);
	memcpy(why->msg, tmp, sizeof(why->msg) - 1);
	why->msg[sizeof(why->msg) - 1] = '\0';
}

const char *sev_why_str(const struct sev_why *why, int ret)
{
	if (why && why->msg[0])
		return why->msg;
	return strerror(ret < 0 ? -ret : ret);
}
