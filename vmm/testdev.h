/* SPDX-License-Identifier: MIT */
/*
 * The test device: the exit port that carries the guest's verdict and the
 * request port of the guest-to-host test ABI (include/minisev/abi.h).
 */
#ifndef MINISEV_TESTDEV_H
#define MINISEV_TESTDEV_H

#include "vm.h"

int __must_check testdev_init(struct vm *vm);

/* Map a guest verdict (MINISEV_EXIT_*) to the process exit status. */
int testdev_verdict_status(uint32_t verdict);

/* Handle one request at `gpa`; exposed for unit tests. */
int testdev_handle_req(struct vm *vm, uint64_t gpa);

#endif /* MINISEV_TESTDEV_H */
