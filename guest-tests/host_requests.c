// SPDX-License-Identifier: MIT
/*
 * host_requests: the request protocol of abi.h from the guest's side.
 * A well-formed request gets an answer: MINISEV_REQ_OK, ENOSYS for an
 * operation the host does not know, EINVAL for bad arguments.  (A request
 * of another magic or version, or outside the shared window, is a broken
 * guest, and the VMM stops it: see the bad_request* negative tests.)
 */
#include "test.h"
#include "req.h"

GUEST_TEST(host_requests, 0)
{
	uint64_t res = 0;
	int st;

	st = host_req(MINISEV_REQ_NOP, 0, 0, 0, NULL, NULL);
	check(st == MINISEV_REQ_OK, "NOP: status %d", st);

	st = host_req(0x7fff, 0, 0, 0, NULL, NULL);
	check(st == MINISEV_REQ_ENOSYS, "unknown op 0x7fff: status %d", st);

	st = host_req(MINISEV_REQ_VCPU_HELLO, MINISEV_MAX_VCPUS, 0, 0, NULL, NULL);
	check(st == MINISEV_REQ_EINVAL, "VCPU_HELLO from vCPU %u: status %d", MINISEV_MAX_VCPUS,
	      st);

	st = host_req(MINISEV_REQ_CONSOLE_MARK, 2, 0, 0, NULL, NULL);
	check(st == MINISEV_REQ_EINVAL, "CONSOLE_MARK with arg0 2: status %d", st);

	st = host_req(MINISEV_REQ_HOST_PEEK, MINISEV_FW_BASE, 0, 0, &res, NULL);
	check(st == MINISEV_REQ_EINVAL, "HOST_PEEK of 0 bytes: status %d", st);

	/* The firmware's own first bytes are in RAM: the host can look. */
	st = host_req(MINISEV_REQ_HOST_PEEK, MINISEV_FW_BASE, PAGE_SIZE,
		      *(const uint64_t *)__fw_start, &res, NULL);
	check(st == MINISEV_REQ_OK, "HOST_PEEK of the firmware's first page: status %d", st);
	if (!fw_sev_active())
		check(res == 1, "host does not see the firmware's first 8 bytes");
	return test_result();
}
