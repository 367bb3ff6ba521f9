// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: QMP dispatch (`run --qmp`), one client message per
 * input, against a paused SEV launch whose KVM calls all fail (no VM fd):
 * every command and argument check runs, nothing reaches a kernel.
 */
#include <string.h>

#include "fuzz.h"
#include "launch.h"
#include "qmp.h"
#include "util.h"
#include "vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm;
	static struct launch l;
	static char out[4096];

	log_level = LOG_SILENT;
	memset(&vm, 0, sizeof(vm));
	memset(&l, 0, sizeof(l));
	vm.vm_fd = -1;
	l.sev_fd = -1;
	memset(l.measurement, 0xab, sizeof(l.measurement));
	FUZZ_IGNORE(qmp_handle(&vm, &l, (const char *)data, size, out, sizeof(out)));
	return 0;
}
