/* SPDX-License-Identifier: MIT */
/*
 * The paused launch's control socket.  After LAUNCH_MEASURE the VMM waits
 * here, speaking the QMP commands guest owners already script against
 * QEMU: qmp_capabilities, query-sev, query-sev-launch-measure,
 * sev-inject-launch-secret, cont (and quit).  `cont` resumes the launch:
 * LAUNCH_FINISH, then the guest runs.
 */
#ifndef MINISEV_QMP_H
#define MINISEV_QMP_H

#include "launch.h"
#include "vm.h"

/*
 * Listen on the unix socket `path` and serve clients one at a time until
 * one says `cont` (returns 0), `quit` (-ECANCELED), or the deadline (a
 * now_ns() value, 0 for none) passes (-ETIMEDOUT).
 */
int __must_check qmp_serve(struct vm *vm, struct launch *l, const char *path, uint64_t deadline_ns);

/*
 * Handle one QMP message (exposed for unit tests).  Writes the reply into
 * out; returns 1 after `cont`, -ECANCELED after `quit`, else 0.
 */
int qmp_handle(struct vm *vm, struct launch *l, const char *msg, size_t len, char *out, size_t cap);

#endif /* MINISEV_QMP_H */
