/* SPDX-License-Identifier: MIT */
/*
 * Test requests to the host (include/minisev/abi.h, "Test requests"):
 * each CPU fills its own request page in the shared window and writes its
 * GPA to MINISEV_PORT_REQ; the VMM answers before the OUT completes.
 */
#ifndef FW_REQ_H
#define FW_REQ_H

#include "fw.h"

/* The host never wrote a status: it ignored the request. */
#define REQ_NO_ANSWER (-1)

/*
 * Send `op` with three arguments; returns the status the host wrote
 * (MINISEV_REQ_*) or REQ_NO_ANSWER.  `result` and `result2` may be NULL.
 */
int host_req(uint32_t op, uint64_t arg0, uint64_t arg1, uint64_t arg2, uint64_t *result,
	     uint64_t *result2);
/* The same with a request built by the caller, magic and version included. */
int host_req_raw(const struct minisev_req *in, struct minisev_req *out);

#endif /* FW_REQ_H */
